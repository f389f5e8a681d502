//! `report --format table`: the report as text for a terminal, in 80 columns; and the
//! at-risk table `customers at-risk` shows.
//!
//! Parts: [`write()`] (the report) and [`write_at_risk`]. Reads the report's types from
//! [`super::numbers`] and the text helpers of [`super::text`].

use std::io::Write;

use anyhow::Result;

use super::numbers::{Numbers, Report, Risk, flat};
use super::text::{cut, cut_width, show};

/// Writes `r` as the table.
pub fn write(r: &Report, out: &mut dyn Write) -> Result<()> {
    writeln!(out, "Report {} to {} (by {})", r.since, r.until, r.by)?;
    let numbers = |name: &str, n: &Numbers, out: &mut dyn Write| -> Result<()> {
        writeln!(out, "\n{}", cut(name, 78))?;
        for (metric, v) in flat(n) {
            writeln!(out, "  {metric:<40} {:>20}", show(v))?;
        }
        Ok(())
    };
    if r.by != "all" {
        numbers("total", &r.total, out)?;
    }
    for g in &r.groups {
        numbers(&g.group, &g.numbers, out)?;
    }
    if !r.agents.is_empty() {
        writeln!(
            out,
            "\n{:<30} {:>8} {:>8} {:>14} {:>14}",
            "agents", "handled", "resolved", "median 1st min", "CSAT %"
        )?;
        for a in &r.agents {
            writeln!(
                out,
                "  {:<28} {:>8} {:>8} {:>14} {:>14}",
                cut(&a.agent, 28),
                a.handled,
                a.resolved,
                show(a.first_response_median_min.map(|m| m.round())),
                show(a.csat_pct),
            )?;
        }
    }
    if !r.rules.is_empty() {
        writeln!(out, "\nrules (hits, recategorised by agents)")?;
        for l in &r.rules {
            let pct = show(l.recategorised_pct);
            writeln!(out, "  {:<40} {:>8} {:>10}%", cut(&l.rule, 40), l.hits, pct)?;
        }
    }
    if !r.unmatched.is_empty() {
        writeln!(out, "\nfell to the default category (newest first)")?;
        for u in &r.unmatched {
            let text: String = u
                .text
                .chars()
                .map(|c| if c.is_control() { ' ' } else { c })
                .collect();
            let room = 77usize.saturating_sub(u.ticket.chars().count().max(8));
            writeln!(out, "  {:<8} {}", u.ticket, cut_width(&text, room))?;
        }
    }
    let c = &r.customers;
    writeln!(out, "\ncustomers")?;
    for (metric, v) in [
        ("active", Some(c.active as f64)),
        ("repeat_contact_rate_pct", c.repeat_contact_rate_pct),
        ("previous_active", Some(c.previous_active as f64)),
        ("churned", Some(c.churned as f64)),
        ("churn_pct", c.churn_pct),
    ] {
        writeln!(out, "  {metric:<40} {:>20}", show(v))?;
    }
    if !c.at_risk.is_empty() {
        write_at_risk(&c.at_risk, out)?;
    }
    Ok(())
}

/// The at-risk table (also `customers at-risk`): 80 columns.
pub fn write_at_risk(list: &[Risk], out: &mut dyn Write) -> Result<()> {
    writeln!(
        out,
        "\n{:<22} {:<14} {:>6} {:>4} {:>4} {:>4} {:>4} {:>4} {:>10}",
        "most at risk", "name", "risk %", "tix", "reop", "csat", "neg", "sla", "value"
    )?;
    for k in list {
        let f = &k.features;
        writeln!(
            out,
            "  {:<20} {:<14} {:>6.1} {:>4} {:>4} {:>4} {:>4} {:>4} {:>10}",
            cut(&k.customer, 20),
            cut(&k.name, 14),
            k.risk * 100.0,
            f.tickets,
            f.reopens,
            f.last_csat.map_or("-".to_string(), |c| c.to_string()),
            f.negative,
            f.sla_breaches,
            k.value.map_or("unknown".to_string(), |v| format!("{v:.2}")),
        )?;
    }
    Ok(())
}
