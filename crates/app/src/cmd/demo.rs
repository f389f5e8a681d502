//! `switchboard demo`: the built-in demo or a script of the admin's, played through the
//! real desk and store on a simulated clock ([`crate::demo`]); with `--seed-history N`,
//! N tickets of synthetic history in the store instead ([`crate::history`]).

use std::io::Write;
use std::path::Path;

use anyhow::Result;

use crate::cli::DemoArgs;
use crate::{demo, history};

use super::{load_or_report, open_store};

/// Runs `switchboard demo` with `args`; returns the exit status.
pub fn run(
    config: Option<&Path>,
    args: &DemoArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<i32> {
    let Some(mut settings) = load_or_report(config, None, err)? else {
        return Ok(1);
    };
    let Some(n) = args.seed_history else {
        return demo::run(
            &settings,
            args.script.as_deref(),
            args.data.as_deref(),
            out,
            err,
        );
    };
    let dir = args
        .data
        .clone()
        .ok_or_else(|| anyhow::anyhow!("--seed-history needs --data DIR"))?;
    let store = open_store(&dir, &settings)?;
    // The history shows every number a report has: NPS is asked too.
    settings.config.desk.survey.nps = true;
    let service = crate::service::Service::from_settings(&settings, store);
    history::seed(&service, n, demo::demo_start(), out)?;
    Ok(0)
}
