//! `switchboard demo`: the whole desk in the terminal, with no platform and no token.
//!
//! It plays a script (the built-in one, config/examples/demo.script, or the admin's own)
//! through the real desk and the real sled store, on a simulated clock that starts on
//! Monday 2026-01-05 at 09:00 UTC, and prints the transcript. The store lives in a
//! temporary directory unless `--data` names one, so that `switchboard tickets show T-1
//! --data DIR` can read what a demo left.

use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use anyhow::{Context as _, Result};
use switchboard_desk::Store;
use switchboard_domain::{Millis, Timestamp};
use switchboard_store::SledStore;

use crate::config::Settings;
use crate::console::{Console, parse_script, play_script};
use crate::service::Service;

/// The built-in demo script.
pub const DEMO_SCRIPT: &str = include_str!("../../../config/examples/demo.script");

/// When the simulated clock starts: Monday 2026-01-05, 09:00 UTC.
pub fn demo_start() -> Timestamp {
    Timestamp::from_ymd(2026, 1, 5).plus(Millis::hours(9))
}

/// Plays `script` (or the built-in demo) and prints the transcript to `out`. Returns the
/// exit status: 1 with a sentence on `err` for a bad script.
pub fn run(
    settings: &Settings,
    script: Option<&Path>,
    data: Option<&Path>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<i32> {
    let (name, text) = match script {
        None => ("<built-in demo>".to_string(), DEMO_SCRIPT.to_string()),
        Some(p) => (
            p.display().to_string(),
            std::fs::read_to_string(p)
                .with_context(|| format!("cannot read the script {}", p.display()))?,
        ),
    };
    let lines = match parse_script(&text) {
        Ok(l) => l,
        Err(e) => {
            writeln!(err, "{name}: {e}")?;
            return Ok(1);
        }
    };
    let temp;
    let dir = match data {
        Some(d) => d.to_path_buf(),
        None => {
            temp = tempfile::tempdir()
                .context("cannot create a temporary directory for the demo's store")?;
            temp.path().to_path_buf()
        }
    };
    let store = Arc::new(
        SledStore::open(&dir)
            .with_context(|| format!("cannot open the store in {}", dir.display()))?,
    );
    let flush_store = store.clone();
    let mut console = Console::new(
        Service::from_settings(settings, store),
        Box::new(move || Ok(flush_store.flush()?)),
    );
    if let Err(e) = play_script(&mut console, &lines, demo_start(), out)? {
        writeln!(err, "{name}: {e}")?;
        return Ok(1);
    }
    Ok(0)
}
