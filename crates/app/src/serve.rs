//! The running service with chat channels (Telegram, Discord, or both) or the console
//! ([`crate::console_channel`]): updates in, the desk and the store, the outbox out (the
//! dispatcher, routing each message to its channel), due jobs, the admin endpoint and live
//! rule reloading, all started here whatever the channels.
//!
//! One staff space: on Discord when `[discord] staff_channel_id` is set, else on Telegram
//! (`[telegram] staff_chat_id`). Customers may be on either platform whatever the staff
//! space is: a customer on Telegram is answered by agents on Discord, and the reverse.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context as _, Result};
use switchboard_desk::store::ForChannels;
use switchboard_desk::{Event, Store};
use switchboard_domain::{BoxFuture, ChannelStore, Host, HostError, Inbound, Platform};
use switchboard_store::{GroupCommit, SledStore};
use tokio::sync::{Notify, broadcast, watch};

use crate::clock::now;

/// Due jobs handled in one round of the ticker. After a long stop every timer of every
/// old ticket can be due at once (on a store of 100,000 tickets the restart spent seconds
/// on them in one go, holding a runtime thread and filling every flush, while a new
/// customer waited for an acknowledgement): rounds of this size, each made durable, with
/// [`DUE_PAUSE`] between them, keep intake first and still work through 1,000 jobs a
/// second.
const DUE_PER_ROUND: usize = 64;
/// The pause between two rounds of due jobs while more are due.
const DUE_PAUSE: Duration = Duration::from_millis(50);
use crate::config::Settings;
use crate::dispatch::{Channel, Channels, Dispatcher, Durable};
use crate::service::Service;

/// The desk and the store as the adapters see them.
pub(crate) struct StoreHost {
    pub(crate) service: Service,
    pub(crate) durable: Durable,
    pub(crate) wake: Arc<Notify>,
}

impl Host for StoreHost {
    fn submit(&self, inbound: &Inbound) -> Result<(), HostError> {
        self.service
            .process(&Event::Inbound(inbound.clone()), now())
            .map(|_| ())
            .map_err(|e| HostError::Submit(format!("{e:#}")))
    }

    fn durable(&self) -> BoxFuture<Result<(), HostError>> {
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
                Ok(r) => r.map_err(|e| HostError::Flush(e.to_string())),
                Err(_) => Err(HostError::Stopped),
            }
        })
    })
}

/// Where the staff space is (the platform of `[telegram] staff_chat_id` or `[discord]
/// staff_channel_id`), or a sentence saying why there is none.
pub fn staff_space(settings: &Settings) -> Result<Platform, String> {
    let tg = &settings.config.telegram;
    let dc = &settings.config.discord;
    let on_telegram = tg.enabled && tg.staff_chat_id != 0;
    let on_discord = dc.enabled && dc.staff_channel_id != 0;
    match (on_telegram, on_discord) {
        (true, true) => Err("both telegram.staff_chat_id and discord.staff_channel_id are set: the staff space is in one place; remove one of them".into()),
        (false, true) => Ok(Platform::Discord),
        (true, false) => Ok(Platform::Telegram),
        (false, false) => Err("no staff space: set telegram.staff_chat_id (your staff supergroup's id, like -1001234567890) or discord.staff_channel_id (your staff channel)".into()),
    }
}

/// Runs the service with the enabled chat channels until `shutdown`. `config_dir` resolves
/// `token_file`s.
pub async fn run(
    settings: Settings,
    store: Arc<SledStore>,
    data_dir: &Path,
    config_dir: Option<&Path>,
    shutdown: watch::Receiver<bool>,
) -> Result<()> {
    run_with(settings, store, data_dir, config_dir, None, shutdown).await
}

/// Runs the service until `shutdown` with the enabled chat channels and, when given, the
/// console channel: every channel in the one runtime (the due-job ticker, the rules
/// watcher and the admin endpoint start here, once).
pub async fn run_with(
    settings: Settings,
    store: Arc<SledStore>,
    data_dir: &Path,
    config_dir: Option<&Path>,
    console: Option<crate::console_channel::ConsoleIo>,
    shutdown: watch::Receiver<bool>,
) -> Result<()> {
    let chats = settings.config.telegram.enabled || settings.config.discord.enabled;
    let space = if chats {
        Some(staff_space(&settings).map_err(|e| anyhow::anyhow!("{e}"))?)
    } else {
        None
    };
    // Everything stops on the caller's shutdown, or when a channel fails for good (a
    // Discord gateway that refuses the token or the intents): then the service ends with
    // that error instead of running deaf.
    let outer = shutdown;
    let (stop_tx, shutdown) = watch::channel(false);
    let (fatal_tx, mut fatal) = tokio::sync::mpsc::unbounded_channel::<String>();
    if let Some(space) = space {
        tracing::info!(staff_space = %space, "starting");
    }
    let settings = Arc::new(settings);
    let health = Arc::new(crate::admin::Health::default());
    {
        // Unhealthy while the store is failed or being reopened (a full disk), with why.
        let store = store.clone();
        health.check("store", move || store.problem());
    }
    // A file size limit (RLIMIT_FSIZE) makes a write fail with EFBIG, which the store
    // recovers from like a full disk; by default SIGXFSZ would kill the process instead.
    // Listening for the signal replaces that default for the life of the process.
    // SIGXFSZ is 25 on Linux but for MIPS.
    #[cfg(all(
        target_os = "linux",
        not(any(target_arch = "mips", target_arch = "mips64"))
    ))]
    if let Err(e) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::from_raw(25)) {
        tracing::debug!(error = %e, "SIGXFSZ keeps its default action");
    }
    let dyn_store: Arc<dyn Store> = store.clone();
    let service = crate::service::Service::from_settings(&settings, dyn_store.clone());
    let group = Arc::new(store.group_commit().context("starting group commit")?);
    let durable = durable_of(group.clone());
    let wake = Arc::new(Notify::new());
    let host: Arc<dyn Host> = Arc::new(StoreHost {
        service: service.clone(),
        durable: durable.clone(),
        wake: wake.clone(),
    });
    // What the adapters keep (threads, topics, links) goes through the domain's view of it.
    let channel_store: Arc<dyn ChannelStore> = Arc::new(ForChannels(dyn_store.clone()));
    let mut channels: Vec<Arc<dyn Channel>> = Vec::new();
    let mut tasks = Vec::new();
    let (events, _) = broadcast::channel(16);
    let console_mode = console.is_some();
    if let Some(io) = console {
        let (channel, task) = crate::console_channel::start(
            settings.clone(),
            io,
            dyn_store.clone(),
            host.clone(),
            events.subscribe(),
            shutdown.clone(),
            fatal_tx.clone(),
        )
        .await?;
        channels.push(channel);
        tasks.push(task);
    }
    if settings.config.telegram.enabled {
        let s = crate::telegram::start(
            &settings,
            channel_store.clone(),
            config_dir,
            host.clone(),
            &health,
            shutdown.clone(),
        )
        .await?;
        channels.push(s.channel);
        tasks.extend(s.tasks);
    }
    if settings.config.discord.enabled {
        let s = crate::discord::start(
            &settings,
            channel_store.clone(),
            config_dir,
            host.clone(),
            shutdown.clone(),
            fatal_tx.clone(),
        )
        .await?;
        channels.push(s.channel);
        tasks.extend(s.tasks);
    }
    let dispatcher = crate::dispatch::for_service(
        Dispatcher::new(
            dyn_store.clone(),
            Channels(channels),
            durable.clone(),
            wake.clone(),
        ),
        &settings,
        console_mode,
    );

    let watcher = crate::reload::spawn_watcher(
        settings.clone(),
        service.rules.clone(),
        events,
        shutdown.clone(),
    );
    let admin = crate::admin::start(
        &settings.config.admin.listen,
        dyn_store.clone(),
        health.clone(),
        data_dir,
        shutdown.clone(),
    )
    .await;
    let dispatching = tokio::spawn(dispatcher.run(shutdown.clone()));
    // Due jobs (self-service timeouts, SLA checks, surveys) through the same path.
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
                // A round at a time, off the runtime's threads, with a pause between
                // rounds while more are due: intake goes first ([`DUE_PER_ROUND`]).
                loop {
                    let s = service.clone();
                    let round =
                        tokio::task::spawn_blocking(move || s.run_due_some(now(), DUE_PER_ROUND))
                            .await;
                    let more = match round {
                        Ok(Ok((0, _))) => false,
                        Ok(Ok((_, more))) => {
                            if durable().await.is_ok() {
                                wake.notify_one();
                            }
                            more
                        }
                        Ok(Err(e)) => {
                            tracing::error!(error = %format!("{e:#}"), "due jobs failed");
                            false
                        }
                        Err(e) => {
                            tracing::error!(error = %e, "due jobs stopped");
                            false
                        }
                    };
                    if !more {
                        break;
                    }
                    tokio::select! {
                        () = tokio::time::sleep(DUE_PAUSE) => {}
                        _ = shutdown.changed() => return,
                    }
                }
            }
        }));
    }
    drop(fatal_tx);
    let mut outer = outer;
    let failure = tokio::select! {
        _ = outer.changed() => None,
        Some(e) = fatal.recv() => Some(e),
    };
    if let Some(e) = &failure {
        tracing::error!(error = %e, "a channel failed for good; stopping");
    }
    let _ = stop_tx.send(true);
    // Messages being sent finish (a clean restart sends nothing twice); the rest waits in
    // the outbox.
    if tokio::time::timeout(Duration::from_secs(20), dispatching)
        .await
        .is_err()
    {
        tracing::warn!("sending did not finish within 20 s; the rest is sent after the restart");
    }
    // Receiving tasks stop by themselves on shutdown (the Discord gateway closes and lets
    // the updates being handled finish); whatever is still running then is stopped.
    let ending = async {
        for t in &mut tasks {
            let _ = t.await;
        }
    };
    if tokio::time::timeout(Duration::from_secs(20), ending)
        .await
        .is_err()
    {
        tracing::warn!("receiving did not stop within 20 s");
    }
    for t in &tasks {
        t.abort();
    }
    if let Some(w) = watcher {
        w.abort();
    }
    if let Some(a) = admin {
        a.abort();
    }
    store.flush()?;
    match failure {
        Some(e) => Err(anyhow::anyhow!("{e}")),
        None => Ok(()),
    }
}
