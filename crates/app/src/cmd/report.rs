//! `switchboard report`: the period from `--since`/`--until`, the grouping from `--by`,
//! then the report ([`crate::report`]) written in `--format` to standard output or `--out`.

use std::io::Write;
use std::path::Path;

use anyhow::Result;

use crate::cli::ReportArgs;
use crate::{clock, report, tickets};

use super::{data_dir, load_or_report};

/// Runs `switchboard report` with `args`; returns the exit status (2 for a bad period; a
/// bad `--by` or `--format` is refused by clap before this runs).
pub fn run(
    config: Option<&Path>,
    args: &ReportArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<i32> {
    let Some(settings) = load_or_report(config, None, err)? else {
        return Ok(1);
    };
    let dir = data_dir(&settings, args.data.data.as_deref());
    let now = clock::now();
    let (since, until) = match report::period(&args.since, args.until.as_deref(), now) {
        Ok(period) => period,
        Err(e) => {
            writeln!(err, "{e}")?;
            return Ok(2);
        }
    };
    let source = tickets::open(&dir, &settings.config.admin.listen)?;
    let calendar = switchboard_desk::calendar::Calendar::new(&settings.config.desk.hours)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let options = report::Options {
        since,
        until,
        by: args.by,
        calendar,
        default_category: settings.engine.default_category().as_str().to_string(),
        churn_risk: settings.config.report.churn_risk.clone(),
        at_risk: 10,
    };
    let mut built = report::from_source(&source, options, &settings.config.report.clv)?;
    // The sample's first messages.
    for u in &mut built.unmatched {
        if let Ok(id) = u.ticket.parse()
            && let Some((_, messages)) = source.ticket(id)?
            && let Some(m) = messages.first()
        {
            u.text = m.text.clone();
        }
    }
    match &args.out {
        Some(path) => {
            let mut f = std::fs::File::create(path)
                .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
            report::write(&built, args.format, &mut f)?;
        }
        None => report::write(&built, args.format, out)?,
    }
    Ok(0)
}
