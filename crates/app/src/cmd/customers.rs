//! `switchboard customers import|block|unblock|show|at-risk`: customer records in the
//! store ([`crate::customers`]), and the customers most likely to churn (from the report's
//! churn-risk model, [`crate::report`]).

use std::io::Write;
use std::path::Path;

use anyhow::Result;

use crate::cli::CustomersCommand;
use crate::{clock, customers, dates, report, tickets};

use super::{data_dir, load_or_report};

/// Runs `switchboard customers …`; returns the exit status.
pub fn run(
    config: Option<&Path>,
    cmd: &CustomersCommand,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<i32> {
    let Some(settings) = load_or_report(config, None, err)? else {
        return Ok(1);
    };
    let dir = |d: &crate::cli::DataArgs| data_dir(&settings, d.data.as_deref());
    let now = clock::now();
    match cmd {
        CustomersCommand::Import { file, data } => {
            let store = tickets::open_or_create(&dir(data))?;
            customers::import(&store, file, now, out, err)
        }
        CustomersCommand::Block { id, data } => {
            let store = tickets::open_or_create(&dir(data))?;
            customers::set_blocked(&store, id, true, now, out)
        }
        CustomersCommand::Unblock { id, data } => {
            let store = tickets::open_or_create(&dir(data))?;
            customers::set_blocked(&store, id, false, now, out)
        }
        CustomersCommand::Show { id, data } => {
            let store = tickets::open_or_create(&dir(data))?;
            customers::show(&store, id, out, err)
        }
        CustomersCommand::AtRisk { top, json, data } => {
            let source = tickets::open(&dir(data), &settings.config.admin.listen)?;
            if matches!(source, tickets::Source::Service(_)) {
                writeln!(
                    err,
                    "note: the service holds the store, so lifetime values are unknown; stop it for them"
                )?;
            }
            let calendar = switchboard_desk::calendar::Calendar::new(&settings.config.desk.hours)
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            let options = report::Options {
                since: dates::days_before(now, 30)?,
                until: now,
                by: report::By::All,
                calendar,
                default_category: settings.engine.default_category().as_str().to_string(),
                churn_risk: settings.config.report.churn_risk.clone(),
                at_risk: *top,
            };
            let r = report::from_source(&source, options, &settings.config.report.clv)?;
            let list = &r.customers.at_risk;
            if *json {
                writeln!(out, "{}", serde_json::to_string_pretty(list)?)?;
            } else if list.is_empty() {
                writeln!(out, "No customers with tickets yet.")?;
            } else {
                report::write_at_risk(list, out)?;
            }
            Ok(0)
        }
    }
}
