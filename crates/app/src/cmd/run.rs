//! `switchboard run`: opens the store and runs the service ([`crate::runtime::run`]) on a
//! multi-threaded tokio runtime until Ctrl-C, SIGTERM or, for the console, the end of
//! input.

use std::io::Write;
use std::path::Path;
use std::time::Duration;

use anyhow::Result;

use crate::cli::DataArgs;
use crate::runtime;

use super::{data_dir, load_or_report, open_store};

/// How long the runtime's leftover tasks get once the service has stopped.
const LEFTOVERS: Duration = Duration::from_secs(1);

/// Runs `switchboard run` with `args`; returns the exit status. Load problems go to
/// `err`; the console writes to standard output itself, so nothing here holds it.
pub fn run(config: Option<&Path>, args: &DataArgs, err: &mut dyn Write) -> Result<i32> {
    let Some(settings) = load_or_report(config, None, err)? else {
        return Ok(1);
    };
    let dir = data_dir(&settings, args.data.as_deref());
    let store = open_store(&dir, &settings)?;
    let config_dir = config.and_then(Path::parent).map(Path::to_path_buf);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let r = rt.block_on(async {
        let shutdown = runtime::shutdown_on_signal();
        runtime::run(settings, store, &dir, config_dir.as_deref(), shutdown).await
    });
    // The service flushed and stopped; nothing left may hold up the exit.
    rt.shutdown_timeout(LEFTOVERS);
    r.map(|()| 0)
}
