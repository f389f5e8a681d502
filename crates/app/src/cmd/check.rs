//! `switchboard check`: validates the config, the rules and the prompts, and for each
//! enabled chat channel (Telegram, Discord) its settings, its token, whether the platform
//! answers with that token, and where the staff space is.

use std::io::Write;
use std::path::Path;

use anyhow::Result;

use crate::config::Settings;

use super::print_diagnostics;

/// `switchboard check`: 0 when config, rules and prompts are all valid, 1 otherwise.
pub fn run(
    config: Option<&Path>,
    rules: Option<&Path>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<i32> {
    match Settings::load(config, rules) {
        Ok(s) => {
            writeln!(
                out,
                "ok: config {}, rules {} ({} rules, {} categories), prompts {}",
                config.map_or("<embedded>".into(), |p| p.display().to_string()),
                s.rules_source.name(),
                s.engine.rule_count(),
                s.engine.categories().len(),
                s.prompts.locales().collect::<Vec<_>>().join(", "),
            )?;
            let problems = check_channels(&s, config);
            for p in &problems {
                writeln!(err, "error: {p}")?;
            }
            if problems.is_empty() { Ok(0) } else { Ok(1) }
        }
        Err(diags) => {
            print_diagnostics(err, &diags)?;
            Ok(1)
        }
    }
}

/// The enabled channels' problems, each a sentence that says what to do: settings, the
/// token, whether the platform's API answers with it, and where the staff space is.
fn check_channels(s: &Settings, config: Option<&Path>) -> Vec<String> {
    let (tg, dc) = (&s.config.telegram, &s.config.discord);
    if !tg.enabled && !dc.enabled {
        return Vec::new();
    }
    let mut problems = Vec::new();
    if let Err(e) = crate::serve::staff_space(s) {
        problems.push(e);
    }
    let base = config.and_then(Path::parent);
    let store: std::sync::Arc<dyn switchboard_domain::ChannelStore> =
        std::sync::Arc::new(switchboard_desk::store::ForChannels(std::sync::Arc::new(
            switchboard_desk::MemoryStore::new(),
        )));
    if tg.enabled {
        let mut mine = tg.problems();
        match tg.token(base) {
            Err(e) => mine.push(e.to_string()),
            Ok(token) if mine.is_empty() => {
                match switchboard_telegram::Telegram::new(tg.clone(), &token, store.clone()) {
                    Ok(t) => mine.extend(
                        reachable(
                            "the Telegram Bot API",
                            &tg.api_url,
                            "telegram.api_url",
                            t.whoami(),
                        )
                        .err(),
                    ),
                    Err(e) => mine.push(e.to_string()),
                }
            }
            Ok(_) => {}
        }
        problems.extend(mine);
    }
    if dc.enabled {
        let mut mine = dc.problems();
        match dc.token(base) {
            Err(e) => mine.push(e.to_string()),
            Ok(token) if mine.is_empty() => {
                match switchboard_discord::Discord::new(
                    dc.clone(),
                    &token,
                    store,
                    crate::discord::texts(s),
                ) {
                    Ok(d) => mine.extend(
                        reachable("Discord", &dc.api_url, "discord.api_url", d.whoami()).err(),
                    ),
                    Err(e) => mine.push(e.to_string()),
                }
            }
            Ok(_) => {}
        }
        problems.extend(mine);
    }
    problems
}

/// Runs `whoami` (at most 15 s): the platform answers with the token.
fn reachable<E: std::fmt::Display>(
    what: &str,
    url: &str,
    setting: &str,
    whoami: impl std::future::Future<Output = Result<String, E>>,
) -> Result<(), String> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    rt.block_on(async {
        match tokio::time::timeout(std::time::Duration::from_secs(15), whoami).await {
            Ok(r) => r.map(|_| ()).map_err(|e| e.to_string()),
            Err(_) => Err(format!(
                "{what} at {url} did not answer within 15 s: check {setting} and the network"
            )),
        }
    })
}
