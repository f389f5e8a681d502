//! `report --format csv`: the report as `group,metric,value` rows, for spreadsheets.
//!
//! Parts: [`write()`]. Rows are written by the `csv` crate with RFC 4180 quoting where
//! needed (`QuoteStyle::Necessary`: a field with a comma, a quote, CR or LF is quoted, its
//! quotes doubled) and `\n` line ends: byte for byte the format this command always wrote.
//! Reads the report's types from [`super::numbers`].

use std::io::Write;

use ::csv::{QuoteStyle, Terminator, WriterBuilder};
use anyhow::Result;

use super::numbers::{Numbers, Report, flat};

/// The writer of the rows.
type Rows<'a> = ::csv::Writer<&'a mut dyn Write>;

/// Writes `r` as CSV: the metrics of the total (when grouped) and of each group, then the
/// agents', the rules', the customers' and the at-risk customers'. A metric without data
/// is an empty value.
pub fn write(r: &Report, out: &mut dyn Write) -> Result<()> {
    let mut w = WriterBuilder::new()
        .quote_style(QuoteStyle::Necessary)
        .terminator(Terminator::Any(b'\n'))
        .from_writer(out);
    row(&mut w, "group", "metric", "value")?;
    if r.by != "all" {
        numbers(&mut w, "total", &r.total)?;
    }
    for g in &r.groups {
        numbers(&mut w, &g.group, &g.numbers)?;
    }
    for a in &r.agents {
        let group = format!("agent:{}", a.agent);
        row(&mut w, &group, "handled", &a.handled.to_string())?;
        row(&mut w, &group, "resolved", &a.resolved.to_string())?;
        let median = value(a.first_response_median_min);
        row(&mut w, &group, "first_response_median_min", &median)?;
        row(&mut w, &group, "csat_answers", &a.csat_answers.to_string())?;
        row(&mut w, &group, "csat_pct", &value(a.csat_pct))?;
    }
    for l in &r.rules {
        let group = format!("rule:{}", l.rule);
        row(&mut w, &group, "hits", &l.hits.to_string())?;
        row(
            &mut w,
            &group,
            "recategorised",
            &l.recategorised.to_string(),
        )?;
        row(
            &mut w,
            &group,
            "recategorised_pct",
            &value(l.recategorised_pct),
        )?;
    }
    let c = &r.customers;
    for (metric, x) in [
        ("active", Some(c.active as f64)),
        ("repeat", Some(c.repeat as f64)),
        ("repeat_contact_rate_pct", c.repeat_contact_rate_pct),
        ("previous_active", Some(c.previous_active as f64)),
        ("churned", Some(c.churned as f64)),
        ("churn_pct", c.churn_pct),
    ] {
        row(&mut w, "customers", metric, &value(x))?;
    }
    for k in &c.at_risk {
        let group = format!("at_risk:{}", k.customer);
        row(&mut w, &group, "risk", &k.risk.to_string())?;
        row(&mut w, &group, "value", &value(k.value))?;
    }
    w.flush()?;
    Ok(())
}

/// The rows of one group's numbers.
fn numbers(w: &mut Rows<'_>, group: &str, n: &Numbers) -> Result<()> {
    for (metric, x) in flat(n) {
        row(w, group, &metric, &value(x))?;
    }
    Ok(())
}

/// One row.
fn row(w: &mut Rows<'_>, group: &str, metric: &str, value: &str) -> Result<()> {
    w.write_record([group, metric, value]).map_err(io_error)
}

/// A value as the CSV shows it: the number, or nothing for no data.
fn value(x: Option<f64>) -> String {
    x.map_or(String::new(), |x| x.to_string())
}

/// csv's error as the I/O error it wraps, so that a reader going away (`report --format
/// csv | head`) is seen as the closed pipe it is. Writing three fields a row, csv has no
/// other error to give.
fn io_error(e: ::csv::Error) -> anyhow::Error {
    match e.into_kind() {
        ::csv::ErrorKind::Io(e) => e.into(),
        other => anyhow::anyhow!("cannot write the CSV: {other:?}"),
    }
}
