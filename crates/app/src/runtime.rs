//! The running service on the real clock: which channels it runs with, and when it stops.
//!
//! Parts:
//! - [`shutdown_on_signal`]: Ctrl-C and SIGTERM as one shutdown signal.
//! - [`run`]: `switchboard run`: the chat channels when one is enabled, else the console on
//!   standard input and output; either way the one runtime of [`crate::serve::run_with`]
//!   (desk and store, dispatcher, due jobs, rules watcher, admin endpoint).
//! - [`run_console`]: the console channel over any reader and writer (tests, embedding).

use std::path::Path;
use std::sync::Arc;

use anyhow::Result;
use switchboard_store::SledStore;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::watch;

use crate::config::Settings;
use crate::console_channel::{ConsoleIo, Lines, lines_of, stdin_lines};

/// A shutdown signal that becomes `true` on Ctrl-C (SIGINT) or, on Unix, SIGTERM (what
/// `kill`, systemd and container runtimes send). Must be called inside a tokio runtime.
pub fn shutdown_on_signal() -> watch::Receiver<bool> {
    let (tx, rx) = watch::channel(false);
    tokio::spawn(async move {
        let ctrl_c = async {
            if tokio::signal::ctrl_c().await.is_err() {
                // No handler could be installed: never fire on this one.
                std::future::pending::<()>().await;
            }
        };
        #[cfg(unix)]
        let term = async {
            use tokio::signal::unix::{SignalKind, signal};
            match signal(SignalKind::terminate()) {
                Ok(mut s) => {
                    s.recv().await;
                }
                Err(e) => {
                    tracing::warn!(error = %e, "cannot listen for SIGTERM; Ctrl-C still stops");
                    std::future::pending::<()>().await;
                }
            }
        };
        #[cfg(not(unix))]
        let term = std::future::pending::<()>();
        tokio::select! {
            _ = ctrl_c => {}
            _ = term => {}
        }
        let _ = tx.send(true);
        // Keep the sender: a dropped sender would read as a second signal.
        std::future::pending::<()>().await;
    });
    rx
}

/// `switchboard run`: the service with the configured channels until `shutdown`: the chat
/// channels when Telegram or Discord is enabled, else the console on standard input and
/// output (which also stops at the end of input). `config_dir` resolves `token_file`s.
pub async fn run(
    settings: Settings,
    store: Arc<SledStore>,
    data_dir: &Path,
    config_dir: Option<&Path>,
    shutdown: watch::Receiver<bool>,
) -> Result<()> {
    if settings.config.telegram.enabled || settings.config.discord.enabled {
        return crate::serve::run(settings, store, data_dir, config_dir, shutdown).await;
    }
    run_console_lines(
        settings,
        store,
        data_dir,
        stdin_lines(),
        tokio::io::stdout(),
        shutdown,
    )
    .await
}

/// Runs the console channel over `store` until `input` ends or `shutdown` fires.
pub async fn run_console<R, W>(
    settings: Settings,
    store: Arc<SledStore>,
    data_dir: &Path,
    input: R,
    output: W,
    shutdown: watch::Receiver<bool>,
) -> Result<()>
where
    R: AsyncRead + Send + Unpin + 'static,
    W: AsyncWrite + Send + Unpin + 'static,
{
    run_console_lines(settings, store, data_dir, lines_of(input), output, shutdown).await
}

/// Runs the console channel over `store` with the lines of `input` until they end or
/// `shutdown` fires.
async fn run_console_lines<W>(
    settings: Settings,
    store: Arc<SledStore>,
    data_dir: &Path,
    input: Lines,
    output: W,
    mut shutdown: watch::Receiver<bool>,
) -> Result<()>
where
    W: AsyncWrite + Send + Unpin + 'static,
{
    // The service stops on the caller's signal or at the end of the console's input.
    let (stop, stopped) = watch::channel(false);
    let stop = Arc::new(stop);
    let forward = {
        let stop = stop.clone();
        tokio::spawn(async move {
            // A dropped sender stops the service too, as it always has.
            let _ = shutdown.changed().await;
            let _ = stop.send(true);
        })
    };
    let io = ConsoleIo {
        input,
        output: Box::new(output),
        ended: stop,
    };
    let r = crate::serve::run_with(settings, store, data_dir, None, Some(io), stopped).await;
    forward.abort();
    r
}
