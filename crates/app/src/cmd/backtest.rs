//! `switchboard rules backtest`: scores the rules on a labelled CSV (per-category
//! precision, recall and F1, a confusion matrix, the rules that fired most and never),
//! streaming the file, with unreadable rows reported by line and skipped.
//!
//! Also the reading of labelled CSVs that `rules suggest` shares: [`LabelledRows`] (the
//! header, the rows one at a time, unreadable rows reported by line) and [`classify_row`].

use std::io::{self, Write};
use std::path::Path;

use anyhow::{Context as _, Result};
use serde::Serialize;
use switchboard_triage::backtest::{Report, Scorer};
use switchboard_triage::normalize::guess_language;
use switchboard_triage::{Context, Engine, Verdict};

use crate::cli::BacktestArgs;

use super::load_or_report;

/// The first line numbers of unreadable rows, and how many there were.
const BAD_ROWS_SHOWN: u64 = 20;

/// `switchboard rules backtest`: streams the CSV through the engine and prints the scores.
pub fn run(
    config: Option<&Path>,
    args: &BacktestArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<i32> {
    let Some(settings) = load_or_report(config, args.rules.as_deref(), err)? else {
        return Ok(1);
    };
    let file = std::fs::File::open(&args.file)
        .with_context(|| format!("cannot open {}; check the path", args.file.display()))?;
    let report = match score(
        &settings.engine,
        io::BufReader::new(file),
        args.predictions.as_deref(),
        err,
    )? {
        Ok(r) => r,
        Err(msg) => {
            writeln!(err, "{}: {msg}", args.file.display())?;
            return Ok(1);
        }
    };
    if report.rows == 0 {
        writeln!(
            err,
            "{}: no rows to score: add rows under the header (text,label)",
            args.file.display()
        )?;
        return Ok(1);
    }
    if args.json {
        #[derive(Serialize)]
        struct Json<'a> {
            rules: String,
            input: String,
            #[serde(flatten)]
            report: &'a Report,
        }
        serde_json::to_writer_pretty(
            &mut *out,
            &Json {
                rules: settings.rules_source.name(),
                input: args.file.display().to_string(),
                report: &report,
            },
        )?;
        writeln!(out)?;
    } else {
        print_report(
            out,
            &report,
            &settings.rules_source.name(),
            &args.file.display().to_string(),
            args.top,
        )?;
    }
    if !report.unknown_labels.is_empty() {
        let shown = &report.unknown_labels[..report.unknown_labels.len().min(10)];
        let more = if report.unknown_labels.len() > shown.len() {
            ", …"
        } else {
            ""
        };
        writeln!(
            err,
            "note: labels that are not categories of the rules, which no rule can predict: {}{more}; add them under [categories] or relabel the rows",
            shown.join(", ")
        )?;
        // Nothing in the file can be scored against these rules.
        if report.per_category.iter().all(|c| {
            c.support == 0
                || report.unknown_labels.contains(&c.category)
                || c.category == switchboard_triage::backtest::OTHER_LABELS
        }) {
            return Ok(1);
        }
    }
    Ok(0)
}

/// Scores every row of a labelled CSV. Unreadable rows are reported to `err` with their line
/// number and counted; a CSV without `text` and `label` columns is an `Ok(Err(..))` with a
/// sentence for the admin.
pub fn score(
    engine: &Engine,
    input: impl io::Read,
    predictions: Option<&Path>,
    err: &mut dyn Write,
) -> Result<std::result::Result<Report, String>> {
    let mut rows = match LabelledRows::new(input) {
        Ok(r) => r,
        Err(msg) => return Ok(Err(msg)),
    };
    let mut writer = match predictions {
        None => None,
        Some(p) => {
            let mut w = csv::Writer::from_path(p)
                .with_context(|| format!("cannot create {}", p.display()))?;
            w.write_record([
                "text",
                "label",
                "predicted",
                "priority",
                "escalate",
                "fired",
                "signals",
            ])?;
            Some(w)
        }
    };
    let mut scorer = Scorer::new(engine);
    while let Some(row) = rows.next_row(err)? {
        let LabelledRow::Row { text, label } = row else {
            scorer.add_bad_row();
            continue;
        };
        let v = classify_row(engine, text);
        scorer.add(label, &v);
        if let Some(w) = writer.as_mut() {
            let fired: Vec<&str> = v.fired.iter().map(|f| &*f.rule).collect();
            let signals: Vec<&str> = v.signals.iter().map(|s| s.as_str()).collect();
            w.write_record([
                text,
                label,
                v.category.as_str(),
                v.priority.as_str(),
                if v.escalate { "true" } else { "false" },
                &fired.join(";"),
                &signals.join(";"),
            ])?;
        }
    }
    rows.finish(err)?;
    if let Some(mut w) = writer {
        w.flush()?;
    }
    Ok(Ok(scorer.report()))
}

/// Classifies one row of a labelled CSV as the service would, with the language guessed
/// from the script (the commands that read labelled rows all classify them this way).
pub fn classify_row(engine: &Engine, text: &str) -> Verdict {
    let ctx = Context {
        language: guess_language(text).and_then(|l| l.parse().ok()),
        ..Context::default()
    };
    engine.classify(text, &ctx)
}

/// Counts an unreadable row in `bad` and reports it, up to [`BAD_ROWS_SHOWN`] of them.
fn report_bad(bad: &mut u64, line: u64, why: &str, err: &mut dyn Write) -> io::Result<()> {
    *bad += 1;
    if *bad <= BAD_ROWS_SHOWN {
        writeln!(err, "line {line}: {why}; row skipped")?;
    }
    Ok(())
}

/// One item of a labelled CSV: a readable row, or one that was reported and skipped.
pub enum LabelledRow<'a> {
    /// A row with its text and its label (trimmed, not empty).
    Row {
        /// The message.
        text: &'a str,
        /// The label.
        label: &'a str,
    },
    /// An unreadable row, already reported by line.
    Bad,
}

/// A labelled CSV (`text` and `label` columns, others ignored) read one row at a time, so
/// that a file of any size is read in constant memory. Unreadable rows are reported to the
/// error stream with their line number (the first [`BAD_ROWS_SHOWN`]) and counted.
pub struct LabelledRows<R> {
    rdr: csv::Reader<R>,
    header_len: usize,
    text_col: usize,
    label_col: usize,
    record: csv::ByteRecord,
    bad: u64,
}

impl<R: io::Read> LabelledRows<R> {
    /// Reads the header; a CSV without `text` and `label` columns is an `Err` with a
    /// sentence for the admin.
    pub fn new(input: R) -> std::result::Result<Self, String> {
        let mut rdr = csv::ReaderBuilder::new().flexible(true).from_reader(input);
        let headers = match rdr.byte_headers() {
            Ok(h) => h.clone(),
            Err(e) => return Err(format!("cannot read the header line: {e}")),
        };
        let find = |name: &str| {
            headers
                .iter()
                .position(|h| String::from_utf8_lossy(h).trim().eq_ignore_ascii_case(name))
        };
        let (Some(text_col), Some(label_col)) = (find("text"), find("label")) else {
            let got: Vec<String> = headers
                .iter()
                .map(|h| String::from_utf8_lossy(h).into_owned())
                .collect();
            return Err(format!(
                "the header must have a `text` and a `label` column, but it is `{}`; rename the columns or add them",
                got.join(",")
            ));
        };
        Ok(LabelledRows {
            rdr,
            header_len: headers.len(),
            text_col,
            label_col,
            record: csv::ByteRecord::new(),
            bad: 0,
        })
    }

    /// The next row, or `None` at the end. An I/O error is an `Err`; a row that cannot be
    /// read is reported to `err` and returned as [`LabelledRow::Bad`].
    pub fn next_row(&mut self, err: &mut dyn Write) -> Result<Option<LabelledRow<'_>>> {
        let line = self.rdr.position().line();
        match self.rdr.read_byte_record(&mut self.record) {
            Ok(false) => return Ok(None),
            Ok(true) => {}
            Err(e) => {
                let line = e.position().map_or(line, |p| p.line());
                if let csv::ErrorKind::Io(_) = e.kind() {
                    return Err(e.into());
                }
                report_bad(&mut self.bad, line, &format!("unreadable CSV ({e})"), err)?;
                return Ok(Some(LabelledRow::Bad));
            }
        }
        let line = self.record.position().map_or(line, |p| p.line());
        let (Some(text), Some(label)) = (
            self.record.get(self.text_col),
            self.record.get(self.label_col),
        ) else {
            let why = format!(
                "missing field (the row has {} fields, the header {})",
                self.record.len(),
                self.header_len
            );
            report_bad(&mut self.bad, line, &why, err)?;
            return Ok(Some(LabelledRow::Bad));
        };
        let (Ok(text), Ok(label)) = (std::str::from_utf8(text), std::str::from_utf8(label)) else {
            report_bad(&mut self.bad, line, "invalid UTF-8", err)?;
            return Ok(Some(LabelledRow::Bad));
        };
        let label = label.trim();
        if label.is_empty() {
            report_bad(&mut self.bad, line, "empty label", err)?;
            return Ok(Some(LabelledRow::Bad));
        }
        Ok(Some(LabelledRow::Row { text, label }))
    }

    /// Says how many unreadable rows were not reported one by one.
    pub fn finish(&self, err: &mut dyn Write) -> io::Result<()> {
        if self.bad > BAD_ROWS_SHOWN {
            writeln!(
                err,
                "… and {} more unreadable rows",
                self.bad - BAD_ROWS_SHOWN
            )?;
        }
        Ok(())
    }

    /// Rows reported as unreadable so far.
    pub fn bad_rows(&self) -> u64 {
        self.bad
    }
}

fn print_report(
    out: &mut dyn Write,
    r: &Report,
    rules: &str,
    input: &str,
    top: usize,
) -> io::Result<()> {
    writeln!(
        out,
        "Backtest of {rules} on {input}: {} rows scored, {} unreadable",
        r.rows, r.bad_rows
    )?;
    writeln!(out)?;
    let w = r
        .per_category
        .iter()
        .map(|c| c.category.len())
        .max()
        .unwrap_or(8)
        .max(8);
    writeln!(
        out,
        "{:w$}  precision  recall     f1  support  predicted",
        "category"
    )?;
    for c in &r.per_category {
        writeln!(
            out,
            "{:w$}  {:>9.3}  {:>6.3}  {:>5.3}  {:>7}  {:>9}",
            c.category, c.precision, c.recall, c.f1, c.support, c.predicted
        )?;
    }
    writeln!(out)?;
    writeln!(out, "macro-F1  {:.3}", r.macro_f1)?;
    writeln!(out, "accuracy  {:.3}", r.accuracy)?;
    writeln!(out)?;
    writeln!(out, "Confusion matrix (rows: label, columns: predicted)")?;
    let short: Vec<String> = r
        .confusion
        .labels
        .iter()
        .map(|l| l.chars().take(7).collect())
        .collect();
    write!(out, "{:w$}", "")?;
    for s in &short {
        write!(out, " {s:>7}")?;
    }
    writeln!(out)?;
    for (label, row) in r.confusion.labels.iter().zip(&r.confusion.counts) {
        write!(out, "{label:w$}")?;
        for c in row {
            write!(out, " {c:>7}")?;
        }
        writeln!(out)?;
    }
    writeln!(out)?;
    writeln!(out, "Rules that fired most:")?;
    if r.rules_fired.is_empty() {
        writeln!(out, "  (none)")?;
    }
    for h in r.rules_fired.iter().take(top) {
        writeln!(out, "  {:<30} {:>8}", h.rule, h.hits)?;
    }
    writeln!(
        out,
        "Rules that never fired: {}",
        if r.rules_never_fired.is_empty() {
            "none".to_string()
        } else {
            r.rules_never_fired.join(", ")
        }
    )?;
    Ok(())
}
