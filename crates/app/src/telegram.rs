//! The running service with the Telegram channel: updates in (long polling), the desk and
//! the store, the outbox out (the dispatcher), due jobs, the admin endpoint and live rule
//! reloading.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context as _, Result};
use switchboard_desk::{Event, Store};
use switchboard_domain::Inbound;
use switchboard_store::{GroupCommit, SledStore};
use switchboard_telegram::run::BoxFuture;
use switchboard_telegram::{Host, Telegram};
use tokio::sync::{Notify, broadcast, watch};

use crate::config::Settings;
use crate::dispatch::{Dispatcher, Durable};
use crate::runtime::now;
use crate::service::Service;

/// The staff commands in the staff group's menu (descriptions from prompts `commands.*`).
const STAFF_COMMANDS: [&str; 8] = [
    "claim", "release", "close", "note", "priority", "category", "transfer", "queue",
];

/// The desk and the store as the Telegram adapter sees them.
struct StoreHost {
    service: Service,
    durable: Durable,
    wake: Arc<Notify>,
}

impl Host for StoreHost {
    fn submit(&self, inbound: &Inbound) -> Result<(), String> {
        self.service
            .process(&Event::Inbound(inbound.clone()), now())
            .map(|_| ())
            .map_err(|e| format!("{e:#}"))
    }

    fn durable(&self) -> BoxFuture<Result<(), String>> {
        let flush = (self.durable)();
        let wake = self.wake.clone();
        Box::pin(async move {
            let r = flush.await;
            if r.is_ok() {
                // Replies to what just became durable can go out now.
                wake.notify_one();
            }
            r
        })
    }
}

/// A [`Durable`] over a group commit.
pub fn durable_of(group: Arc<GroupCommit>) -> Durable {
    Arc::new(move || {
        let (tx, rx) = tokio::sync::oneshot::channel();
        group.request().on_done(move |r| {
            let _ = tx.send(r);
        });
        Box::pin(async move {
            match rx.await {
                Ok(r) => r.map_err(|e| e.to_string()),
                Err(_) => Err("the flusher stopped".to_string()),
            }
        })
    })
}

/// Runs the service with the Telegram channel until `shutdown`. `config_dir` resolves
/// `token_file`.
pub async fn run(
    settings: Settings,
    store: Arc<SledStore>,
    data_dir: &Path,
    config_dir: Option<&Path>,
    shutdown: watch::Receiver<bool>,
) -> Result<()> {
    let cfg = settings.config.telegram.clone();
    if cfg.staff_chat_id == 0 {
        anyhow::bail!(
            "telegram.staff_chat_id is 0 and no other channel hosts the staff space: set it to your staff supergroup's id (like -1001234567890)"
        );
    }
    let token = cfg.token(config_dir).map_err(|e| anyhow::anyhow!("{e}"))?;
    let dyn_store: Arc<dyn Store> = store.clone();
    let telegram = Arc::new(
        Telegram::new(cfg.clone(), &token, dyn_store.clone())
            .map_err(|e| anyhow::anyhow!("{e}"))?,
    );
    match telegram.whoami().await {
        Ok(me) => tracing::info!(bot = %me, "Telegram channel starting"),
        // Nice to have: some Bot API servers do not answer it; polling will tell.
        Err(e) => tracing::warn!(error = %e, "getMe failed; starting anyway"),
    }
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
    let settings = Arc::new(settings);
    let service = crate::demo::service(&settings, dyn_store.clone());
    let group = Arc::new(store.group_commit().context("starting group commit")?);
    let durable = durable_of(group.clone());
    let dispatcher = Dispatcher::new(dyn_store.clone(), telegram.clone(), durable.clone());
    let wake = dispatcher.wake.clone();
    let host: Arc<dyn Host> = Arc::new(StoreHost {
        service: service.clone(),
        durable: durable.clone(),
        wake: wake.clone(),
    });

    let (events, _) = broadcast::channel(16);
    let watcher = crate::reload::spawn_watcher(
        settings.clone(),
        service.rules.clone(),
        events,
        shutdown.clone(),
    );
    let admin =
        crate::runtime::start_admin(&settings, dyn_store.clone(), data_dir, shutdown.clone()).await;

    let dispatching = tokio::spawn(dispatcher.run(shutdown.clone()));
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
    // Due jobs (self-service timeouts, later SLA and surveys) through the same path.
    {
        let service = service.clone();
        let durable = durable.clone();
        let wake = wake.clone();
        let mut shutdown = shutdown.clone();
        tasks.push(tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(1));
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    _ = tick.tick() => {}
                    _ = shutdown.changed() => return,
                }
                match service.run_due(now()) {
                    Ok(0) => {}
                    Ok(_) => {
                        if durable().await.is_ok() {
                            wake.notify_one();
                        }
                    }
                    Err(e) => tracing::error!(error = %format!("{e:#}"), "due jobs failed"),
                }
            }
        }));
    }
    let mut shutdown = shutdown;
    let _ = shutdown.changed().await;
    // Messages being sent finish (a clean restart sends nothing twice); the rest waits in
    // the outbox.
    if tokio::time::timeout(Duration::from_secs(20), dispatching)
        .await
        .is_err()
    {
        tracing::warn!("sending did not finish within 20 s; the rest is sent after the restart");
    }
    for t in &tasks {
        t.abort();
    }
    for t in tasks {
        let _ = t.await;
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
