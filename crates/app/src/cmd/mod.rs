//! The subcommands, one module each: what `main.rs` dispatches to once it has parsed the
//! command line.
//!
//! Parts: [`check`], [`rules_test`], [`backtest`] and [`suggest`] (the admin commands),
//! [`demo`] (`demo` and `demo --seed-history`), [`tickets`], [`customers`], [`report`] and
//! [`run`] (the service). Here: the steps they share, loading the settings ([`load_or_report`])
//! and finding and opening the store ([`data_dir`], [`open_store`]).
//!
//! Each command takes its arguments and the output streams and returns its exit status
//! (0 success, 1 a problem the output describes, 2 a usage error) instead of printing and
//! exiting itself, so that tests can call it and read the output.

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Result;
use switchboard_store::SledStore;
use switchboard_triage::Diagnostic;

use crate::config::Settings;

pub mod backtest;
pub mod check;
pub mod customers;
pub mod demo;
pub mod report;
pub mod rules_test;
pub mod run;
pub mod suggest;
pub mod tickets;

/// Prints diagnostics to `err`, one per problem, and a count.
pub fn print_diagnostics(err: &mut dyn Write, diags: &[Diagnostic]) -> io::Result<()> {
    for d in diags {
        writeln!(err, "{d}")?;
    }
    writeln!(
        err,
        "{} problem{} found; nothing was changed.",
        diags.len(),
        if diags.len() == 1 { "" } else { "s" }
    )
}

/// Loads and validates everything; on problems prints them to `err` and returns `None`
/// (the caller exits 1).
pub fn load_or_report(
    config: Option<&Path>,
    rules: Option<&Path>,
    err: &mut dyn Write,
) -> Result<Option<Settings>> {
    match Settings::load(config, rules) {
        Ok(s) => Ok(Some(s)),
        Err(diags) => {
            print_diagnostics(err, &diags)?;
            Ok(None)
        }
    }
}

/// The store's directory: `--data DIR`, else `[store] path` from the config.
pub fn data_dir(settings: &Settings, data: Option<&Path>) -> PathBuf {
    data.map_or_else(
        || settings.config.store.path.clone().into(),
        Path::to_path_buf,
    )
}

/// Opens (or creates) the sled store in `dir` with the configured page cache
/// (`[store] cache_mb`); the error names the directory.
pub fn open_store(dir: &Path, settings: &Settings) -> Result<Arc<SledStore>> {
    let cache = settings.config.store.cache_mb.saturating_mul(1024 * 1024);
    let store = SledStore::open_with_cache(dir, cache)
        .map_err(|e| anyhow::anyhow!("cannot open the store at {}: {e}", dir.display()))?;
    Ok(Arc::new(store))
}
