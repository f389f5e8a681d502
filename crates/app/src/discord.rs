//! The Discord channel of the running service: the token, the adapter's own sentences
//! from prompts, and the gateway (see [`crate::serve`] for the rest).

use std::path::Path;
use std::sync::Arc;

use anyhow::Result;
use switchboard_discord::{Discord, Texts};
use switchboard_domain::{ChannelStore, Host};
use tokio::sync::watch;

use crate::config::Settings;
use crate::dispatch::Started;

/// The sentences the adapter shows itself (refusals, the move to a private thread).
pub fn texts(settings: &Settings) -> Texts {
    let p = &settings.prompts;
    let staff = &settings.config.desk.staff_locale;
    let customers = &settings.config.general.default_locale;
    Texts {
        not_staff: p.get(staff, "discord.not_staff", &[]),
        moved_private: p.get(customers, "discord.moved_private", &[]),
        done: p.get(staff, "discord.done", &[]),
        failed: p.get(customers, "discord.failed", &[]),
    }
}

/// Starts the Discord channel: the gateway into `host` until `shutdown`.
pub(crate) async fn start(
    settings: &Settings,
    store: Arc<dyn ChannelStore>,
    config_dir: Option<&Path>,
    host: Arc<dyn Host>,
    shutdown: watch::Receiver<bool>,
    fatal: tokio::sync::mpsc::UnboundedSender<String>,
) -> Result<Started> {
    let cfg = settings.config.discord.clone();
    let token = cfg.token(config_dir).map_err(|e| anyhow::anyhow!("{e}"))?;
    // The slash commands' descriptions in the staff language (prompts `commands.*`).
    let locale = &settings.config.desk.staff_locale;
    let descriptions: Vec<(&str, String)> = [
        "ticket", "claim", "release", "close", "note", "priority", "category", "transfer", "queue",
        "away", "back",
    ]
    .into_iter()
    .map(|c| {
        (
            c,
            settings.prompts.get(locale, &format!("commands.{c}"), &[]),
        )
    })
    .collect();
    let discord = Arc::new(
        Discord::new(cfg, &token, store, texts(settings))
            .map_err(|e| anyhow::anyhow!("{e}"))?
            .with_command_descriptions(&descriptions),
    );
    match discord.whoami().await {
        Ok(me) => tracing::info!(bot = %me, "Discord channel starting"),
        Err(e) => anyhow::bail!("Discord does not accept the token or cannot be reached: {e}"),
    }
    let gateway = discord.clone();
    let task = tokio::spawn(async move {
        if let Err(e) = gateway.run(host, shutdown).await {
            // serenity reconnects by itself: an error here is for good (a refused token,
            // intents not enabled in the Developer Portal).
            let _ = fatal.send(e.to_string());
        }
    });
    Ok(Started {
        channel: discord,
        tasks: vec![task],
    })
}
