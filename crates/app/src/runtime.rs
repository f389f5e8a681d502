//! The running service. Today: the console channel (customer messages on standard input,
//! verdicts on standard output) with live rule reloading. The desk, the store and the chat
//! adapters plug in here as they arrive.

use std::sync::Arc;

use anyhow::Result;
use arc_swap::ArcSwap;
use switchboard_triage::normalize::guess_language;
use switchboard_triage::{Context, Verdict};
use tokio::io::{AsyncBufReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::sync::{broadcast, watch};

use crate::config::Settings;
use crate::prompts::Prompts;
use crate::reload::{self, LiveRules, ReloadEvent};

/// Formats a verdict for a person, in `locale`.
pub fn describe(prompts: &Prompts, locale: &str, v: &Verdict) -> String {
    let mut out = prompts.get(
        locale,
        "console.verdict",
        &[
            ("category", v.category.as_str()),
            ("priority", v.priority.as_str()),
        ],
    );
    if !v.tags.is_empty() {
        out.push_str(&format!(" [{}]", v.tags.join(", ")));
    }
    let fired: Vec<&str> = v.fired.iter().map(|f| &*f.rule).collect();
    if !fired.is_empty() {
        out.push_str(&format!(" ({})", fired.join(" → ")));
    }
    if v.escalate {
        out.push('\n');
        out.push_str(&prompts.get(locale, "console.escalate", &[]));
    }
    if let Some(key) = &v.auto_answer {
        out.push('\n');
        out.push_str(&prompts.get(locale, "console.answer", &[]));
        out.push(' ');
        out.push_str(&prompts.get(locale, &format!("answer.{key}"), &[]));
    }
    out
}

/// The locale for a message: guessed from its script, else the configured default.
pub fn locale_for(settings: &Settings, text: &str) -> String {
    guess_language(text).map_or_else(
        || settings.config.general.default_locale.clone(),
        str::to_string,
    )
}

/// Runs the console channel until `input` ends or `shutdown` fires.
pub async fn run_console<R, W>(
    settings: Settings,
    input: R,
    mut output: W,
    mut shutdown: watch::Receiver<bool>,
) -> Result<()>
where
    R: tokio::io::AsyncRead + Unpin,
    W: AsyncWrite + Unpin,
{
    let settings = Arc::new(settings);
    let live: LiveRules = Arc::new(ArcSwap::new(settings.engine.clone()));
    let (events, mut event_rx) = broadcast::channel(16);
    let watcher = reload::spawn_watcher(settings.clone(), live.clone(), events, shutdown.clone());
    let locale = settings.config.general.default_locale.clone();
    output
        .write_all(
            format!(
                "{}\n",
                settings.prompts.get(&locale, "console.greeting", &[])
            )
            .as_bytes(),
        )
        .await?;
    let mut lines = BufReader::new(input).lines();
    loop {
        tokio::select! {
            line = lines.next_line() => {
                let Some(line) = line? else { break };
                let text = line.trim();
                if text.is_empty() { continue; }
                let locale = locale_for(&settings, text);
                let ctx = Context {
                    platform: Some(switchboard_domain::Platform::Console),
                    language: locale.parse().ok(),
                    ..Context::default()
                };
                let verdict = live.load().classify(text, &ctx);
                output.write_all(format!("{}\n", describe(&settings.prompts, &locale, &verdict)).as_bytes()).await?;
                output.flush().await?;
            }
            Ok(ev) = event_rx.recv() => {
                let msg = match ev {
                    ReloadEvent::Reloaded { file, .. } => settings.prompts.get(&locale, "console.rules_reloaded", &[("file", &file)]),
                    ReloadEvent::Refused { file, problems } => {
                        let mut m = settings.prompts.get(&locale, "console.rules_refused", &[("file", &file)]);
                        for p in problems { m.push('\n'); m.push_str(&p.to_string()); }
                        m
                    }
                };
                output.write_all(format!("{msg}\n").as_bytes()).await?;
                output.flush().await?;
            }
            _ = shutdown.changed() => break,
        }
    }
    if let Some(w) = watcher {
        w.abort();
    }
    Ok(())
}
