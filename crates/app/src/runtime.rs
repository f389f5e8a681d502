//! The running service: the configured channels (today, the console on standard input and
//! output) on the real clock, with the scheduler for due jobs and live rule reloading.
//! The Telegram and Discord adapters plug in here as they arrive.

use std::io::Write as _;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::Result;
use switchboard_desk::Store;
use switchboard_domain::Timestamp;
use tokio::io::{AsyncBufReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::sync::{broadcast, watch};

use crate::config::Settings;
use crate::console::{Console, Line, parse_line};
use crate::reload::{self, ReloadEvent};

/// The real clock.
pub fn now() -> Timestamp {
    let ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis());
    Timestamp(i64::try_from(ms).unwrap_or(i64::MAX))
}

/// Turns an interactive line into a console line: the script syntax, or plain text, which
/// is a message from the customer `you`.
fn interactive(line: &str) -> std::result::Result<Option<Line>, String> {
    let first = line.split_whitespace().next().unwrap_or("");
    match parse_line(line) {
        Ok(Some(Line::Wait(_))) => {
            Err("`wait` is for scripts: the console runs on the real clock".into())
        }
        Err(e) if matches!(first, "customer" | "agent" | "wait") => Err(e),
        Err(_) => Ok(Some(Line::Customer {
            name: "you".into(),
            text: line.trim().to_string(),
        })),
        ok => ok,
    }
}

/// Starts the admin endpoint when one is configured. A failure is logged: the endpoint is
/// a convenience, not a reason to stop serving customers.
pub async fn start_admin(
    settings: &Settings,
    store: Arc<dyn Store>,
    data_dir: &std::path::Path,
    shutdown: watch::Receiver<bool>,
) -> Option<tokio::task::JoinHandle<()>> {
    let listen = settings.config.admin.listen.clone();
    if listen.is_empty() {
        return None;
    }
    let data = std::path::absolute(data_dir).unwrap_or_else(|_| data_dir.to_path_buf());
    match crate::admin::serve(&listen, store, data.display().to_string(), shutdown).await {
        Ok((addr, task)) => {
            tracing::info!(%addr, "admin endpoint listening");
            Some(task)
        }
        Err(e) => {
            tracing::warn!(error = %format!("{e:#}"), "no admin endpoint");
            None
        }
    }
}

/// Runs the console channel over `store` until `input` ends or `shutdown` fires.
pub async fn run_console<R, W>(
    settings: Settings,
    store: Arc<dyn Store>,
    data_dir: &std::path::Path,
    input: R,
    mut output: W,
    mut shutdown: watch::Receiver<bool>,
) -> Result<()>
where
    R: tokio::io::AsyncRead + Unpin,
    W: AsyncWrite + Unpin,
{
    let settings = Arc::new(settings);
    let service = crate::demo::service(&settings, store.clone());
    let live = service.rules.clone();
    let (events, mut event_rx) = broadcast::channel(16);
    let watcher = reload::spawn_watcher(settings.clone(), live, events, shutdown.clone());
    let admin = start_admin(&settings, store.clone(), data_dir, shutdown.clone()).await;
    let flush_store = store.clone();
    let mut console = Console::new(service.clone(), Box::new(move || Ok(flush_store.flush()?)));
    output
        .write_all(
            format!(
                "{}\n",
                settings.prompts.get(
                    &settings.config.general.default_locale,
                    "console.greeting",
                    &[]
                )
            )
            .as_bytes(),
        )
        .await?;
    output.flush().await?;
    let mut lines = BufReader::new(input).lines();
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        let mut buf = Vec::new();
        tokio::select! {
            line = lines.next_line() => {
                let Some(line) = line? else { break };
                match interactive(&line) {
                    Ok(None) => {}
                    Ok(Some(l)) => {
                        if let Err(e) = console.play(&l, now(), &mut buf)? {
                            writeln!(buf, "{e}")?;
                        }
                    }
                    Err(e) => writeln!(buf, "{e}")?,
                }
            }
            _ = tick.tick() => {
                if service.run_due(now())? > 0 {
                    console.deliver(&mut buf)?;
                }
            }
            Ok(ev) = event_rx.recv() => {
                let locale = &settings.config.general.default_locale;
                match ev {
                    ReloadEvent::Reloaded { file, .. } => writeln!(buf, "{}", settings.prompts.get(locale, "console.rules_reloaded", &[("file", &file)]))?,
                    ReloadEvent::Refused { file, problems } => {
                        writeln!(buf, "{}", settings.prompts.get(locale, "console.rules_refused", &[("file", &file)]))?;
                        for p in problems { writeln!(buf, "{p}")?; }
                    }
                }
            }
            _ = shutdown.changed() => break,
        }
        if !buf.is_empty() {
            output.write_all(&buf).await?;
            output.flush().await?;
        }
    }
    if let Some(w) = watcher {
        w.abort();
    }
    if let Some(a) = admin {
        a.abort();
    }
    store.flush()?;
    Ok(())
}
