//! `switchboard tickets list|show|dead-letters`: reads tickets (and dead letters) from the store, or from the running
//! service's admin endpoint when the service holds the store ([`crate::tickets`]).

use std::io::Write;
use std::path::Path;

use anyhow::Result;

use crate::cli::TicketsCommand;
use crate::tickets;

use super::{data_dir, load_or_report};

/// Runs `switchboard tickets …`; returns the exit status.
pub fn run(
    config: Option<&Path>,
    cmd: &TicketsCommand,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<i32> {
    let Some(settings) = load_or_report(config, None, err)? else {
        return Ok(1);
    };
    let listen = &settings.config.admin.listen;
    match cmd {
        TicketsCommand::List { status, json, data } => {
            let source = tickets::open(&data_dir(&settings, data.data.as_deref()), listen)?;
            tickets::list(&source, status.as_deref(), *json, out)
        }
        TicketsCommand::Show { id, json, data } => {
            let source = tickets::open(&data_dir(&settings, data.data.as_deref()), listen)?;
            tickets::show(&source, id, *json, out, err)
        }
        TicketsCommand::DeadLetters { retry, json, data } => {
            let source = tickets::open(&data_dir(&settings, data.data.as_deref()), listen)?;
            match retry {
                Some(which) => tickets::retry_dead_letters(&source, which, out, err),
                None => tickets::dead_letters(&source, *json, out),
            }
        }
    }
}
