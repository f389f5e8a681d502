//! The Telegram channel of the running service: the token, the staff commands menu, and
//! receiving by long polling or webhook (see [`crate::serve`] for the rest).

use std::path::Path;
use std::sync::Arc;

use anyhow::Result;
use switchboard_domain::{ChannelStore, Host};
use switchboard_telegram::Telegram;
use tokio::sync::watch;

use crate::config::Settings;
use crate::dispatch::Started;

/// The staff commands in the staff group's menu (descriptions from prompts `commands.*`).
const STAFF_COMMANDS: [&str; 10] = [
    "claim", "release", "close", "note", "priority", "category", "transfer", "queue", "away",
    "back",
];

/// Starts the Telegram channel: receiving into `host` until `shutdown`.
pub(crate) async fn start(
    settings: &Settings,
    store: Arc<dyn ChannelStore>,
    config_dir: Option<&Path>,
    host: Arc<dyn Host>,
    health: &crate::admin::Health,
    shutdown: watch::Receiver<bool>,
) -> Result<Started> {
    let cfg = settings.config.telegram.clone();
    let token = cfg.token(config_dir).map_err(|e| anyhow::anyhow!("{e}"))?;
    let telegram =
        Arc::new(Telegram::new(cfg.clone(), &token, store).map_err(|e| anyhow::anyhow!("{e}"))?);
    let counted = telegram.clone();
    health.count("telegram_skipped_updates", move || {
        counted.skipped_updates()
    });
    match telegram.whoami().await {
        Ok(me) => tracing::info!(bot = %me, "Telegram channel starting"),
        // Nice to have: some Bot API servers do not answer it; polling will tell.
        Err(e) => tracing::warn!(error = %e, "getMe failed; starting anyway"),
    }
    if cfg.staff_chat_id != 0 {
        let locale = settings.config.desk.staff_locale.clone();
        let menu: Vec<(&str, String)> = STAFF_COMMANDS
            .iter()
            .map(|c| {
                (
                    *c,
                    settings.prompts.get(&locale, &format!("commands.{c}"), &[]),
                )
            })
            .collect();
        telegram.set_staff_commands(&menu).await;
    }
    let mut tasks = Vec::new();
    match cfg.mode {
        switchboard_telegram::config::Mode::Polling => {
            tasks.push(tokio::spawn(telegram.clone().poll(host, shutdown.clone())));
        }
        switchboard_telegram::config::Mode::Webhook => {
            let secret = cfg
                .webhook_secret(config_dir)
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            let (addr, task) = telegram
                .clone()
                .serve_webhook(host, secret, shutdown.clone())
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            tracing::info!(%addr, path = %cfg.webhook.path, "webhook listening");
            tasks.push(task);
        }
    }
    Ok(Started {
        channel: telegram,
        tasks,
    })
}
