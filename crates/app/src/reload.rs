//! Reloading the rules without a restart.
//!
//! A watcher task reads the rules file every `reload_interval_ms` and compares its text with
//! the last text it saw. A changed text is compiled off to the side; a valid engine replaces
//! the live one atomically (an [`ArcSwap`], so classification never waits on a lock and a
//! message in flight finishes with the rules it started with); an invalid change is refused
//! with a log line per problem, and the old rules stay in force. Polling the content rather
//! than subscribing to file-system events works the same with every editor (atomic renames,
//! in-place writes), on every file system, and inside containers with mounted config.

use std::sync::Arc;
use std::time::Duration;

use arc_swap::ArcSwap;
use switchboard_triage::{Diagnostic, Engine};
use tokio::sync::{broadcast, watch};

use crate::config::{RulesSource, Settings};

/// The engine in force, shared by everything that classifies.
pub type LiveRules = Arc<ArcSwap<Engine>>;

/// What the watcher did with a change of the rules file.
#[derive(Debug, Clone)]
pub enum ReloadEvent {
    /// The new rules are in force.
    Reloaded {
        /// The file.
        file: String,
        /// How many rules it has.
        rules: usize,
    },
    /// The change was refused; the previous rules stay in force.
    Refused {
        /// The file.
        file: String,
        /// Why.
        problems: Vec<Diagnostic>,
    },
}

/// Starts the watcher on the current tokio runtime. Returns `None` when there is nothing to
/// watch (embedded rules, or reloading turned off in config). The task ends when `shutdown`
/// becomes true or its sender is dropped.
pub fn spawn_watcher(
    settings: Arc<Settings>,
    live: LiveRules,
    events: broadcast::Sender<ReloadEvent>,
    mut shutdown: watch::Receiver<bool>,
) -> Option<tokio::task::JoinHandle<()>> {
    let RulesSource::File(path) = settings.rules_source.clone() else {
        return None;
    };
    if !settings.config.triage.reload {
        return None;
    }
    let interval = Duration::from_millis(settings.config.triage.reload_interval_ms.max(1));
    let file = path.display().to_string();
    // The text the live engine was compiled from (later: the last text seen, so that a
    // refused change is logged once, not on every tick). Taken from the settings rather
    // than read from the file, so that a change made between loading and this call is
    // not missed.
    let mut last_seen = Some(settings.rules_text.clone().into_bytes());
    Some(tokio::spawn(async move {
        let mut unreadable_logged = false;
        let mut ticker = tokio::time::interval(interval);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = ticker.tick() => {}
                changed = shutdown.changed() => {
                    if changed.is_err() || *shutdown.borrow() { return; }
                    continue;
                }
            }
            let bytes = match tokio::fs::read(&path).await {
                Ok(b) => {
                    unreadable_logged = false;
                    b
                }
                Err(e) => {
                    if !unreadable_logged {
                        tracing::warn!(file = %file, error = %e, "cannot read the rules file; the current rules stay in force");
                        unreadable_logged = true;
                    }
                    continue;
                }
            };
            if last_seen.as_deref() == Some(bytes.as_slice()) {
                continue;
            }
            last_seen = Some(bytes.clone());
            let compiled = {
                let settings = settings.clone();
                let text = String::from_utf8(bytes);
                tokio::task::spawn_blocking(move || match text {
                    Ok(text) => settings.compile_rules_text(&text),
                    // Let the reader produce its located "not valid UTF-8" diagnostic.
                    Err(_) => settings.compile_rules(),
                })
                .await
            };
            let event = match compiled {
                Ok(Ok(engine)) => {
                    let rules = engine.rule_count();
                    live.store(Arc::new(engine));
                    tracing::info!(file = %file, rules, "rules reloaded");
                    ReloadEvent::Reloaded {
                        file: file.clone(),
                        rules,
                    }
                }
                Ok(Err(problems)) => {
                    for p in &problems {
                        tracing::warn!(problem = %p, "rules change refused; the previous rules stay in force");
                    }
                    ReloadEvent::Refused {
                        file: file.clone(),
                        problems,
                    }
                }
                Err(join) => {
                    tracing::error!(error = %join, "compiling the rules panicked; the previous rules stay in force");
                    continue;
                }
            };
            // Nobody listening is fine.
            let _ = events.send(event);
        }
    }))
}
