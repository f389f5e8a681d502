//! The serenity side: the event handler (each event to its channel's queue; the slash
//! commands registered and missed messages caught up after every `READY`), the raw
//! handler that counts the session's dispatches, and [`Discord::run`]: the shard manager
//! made, the shard started (resuming a stored session, [`super::shard`]), stopped cleanly
//! at shutdown with the session left resumable.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use serenity::all::{
    ChannelId, ChannelType, Context as Ctx, Event, EventHandler, Guild, GuildChannel, GuildId,
    Interaction, Message, MessageUpdateEvent, PartialGuildChannel, RawEventHandler, Ready,
    ResumedEvent, ShardId, ShardManager, ShardManagerOptions,
};
use serenity::async_trait;
use serenity::futures::StreamExt;
use serenity::prelude::TypeMap;
use switchboard_domain::Host;
use tokio::sync::{Mutex as AsyncMutex, RwLock, watch};

use super::progress::Progress;
use super::shard::Parts;
use super::{ChannelInfo, Job, Shared, intents, lock};
use crate::channel::{Discord, http_for};
use crate::commands::commands;
use crate::error::RunError;

impl Shared {
    /// Registers the slash commands (bulk overwrites: a repeat is harmless): `/ticket`
    /// globally, so that it also exists in DMs; the staff commands for the guild.
    async fn register_commands(&self) {
        let cfg = self.cfg();
        let http = self.discord.sender.http();
        // `commands` puts `/ticket` first.
        let mut global = commands(cfg, &self.discord.descriptions);
        let guild = global.split_off(1);
        if let Err(e) = http.set_global_commands(&global).await {
            tracing::warn!(error = %e, "could not register /ticket (typing a message still works)");
        }
        if cfg.guild_id != 0
            && let Err(e) = http
                .set_guild_commands(GuildId::new(cfg.guild_id), &guild)
                .await
        {
            tracing::warn!(error = %e, "could not register the staff commands (typed commands still work)");
        }
    }
}

/// serenity's event handler: each event to its channel's queue. It holds the shared
/// state weakly: serenity's shard queuer keeps its handlers after shutdown, and the state
/// holds the store, which must be released when [`Discord::run`] returns.
struct Handler(Weak<Shared>);

#[async_trait]
impl EventHandler for Handler {
    async fn ready(&self, _ctx: Ctx, ready: Ready) {
        let Some(s) = self.0.upgrade() else {
            return;
        };
        s.bot_id.store(ready.user.id.get(), Ordering::Relaxed);
        // A new session: a later RESUMED is serenity's own, not the stored session's.
        s.resumed_start.store(false, Ordering::Relaxed);
        tracing::info!(bot = %ready.user.name, "connected to the Discord gateway");
        let shared = s.clone();
        s.track(tokio::spawn(async move {
            shared.register_commands().await;
            shared.catch_up().await;
        }));
    }

    async fn resume(&self, _ctx: Ctx, _r: ResumedEvent) {
        let Some(s) = self.0.upgrade() else {
            return;
        };
        // Only the RESUMED of a stored session at start: serenity's own resumes after a
        // dropped connection replay everything, and nothing of the process was lost.
        if !s.resumed_start.swap(false, Ordering::Relaxed) {
            return;
        }
        tracing::info!("resumed the Discord gateway session of the previous run");
        let shared = s.clone();
        s.track(tokio::spawn(async move {
            shared.register_commands().await;
            shared.catch_up().await;
        }));
    }

    async fn guild_create(&self, _ctx: Ctx, guild: Guild, _is_new: Option<bool>) {
        let Some(s) = self.0.upgrade() else {
            return;
        };
        for c in guild.channels.values().chain(guild.threads.iter()) {
            s.learn(c);
        }
    }

    async fn thread_create(&self, _ctx: Ctx, thread: GuildChannel) {
        let Some(s) = self.0.upgrade() else {
            return;
        };
        s.learn(&thread);
    }

    async fn thread_update(&self, _ctx: Ctx, _old: Option<GuildChannel>, new: GuildChannel) {
        let Some(s) = self.0.upgrade() else {
            return;
        };
        s.learn(&new);
    }

    async fn thread_delete(
        &self,
        _ctx: Ctx,
        thread: PartialGuildChannel,
        _full: Option<GuildChannel>,
    ) {
        let Some(s) = self.0.upgrade() else {
            return;
        };
        lock(&s.channels).remove(&thread.id.get());
    }

    async fn message(&self, _ctx: Ctx, m: Message) {
        let Some(s) = self.0.upgrade() else {
            return;
        };
        if m.author.id.get() == s.bot_id.load(Ordering::Relaxed) {
            return;
        }
        if m.guild_id.is_none() && !m.author.bot {
            s.record_dm(m.channel_id.get(), m.id.get());
        }
        s.enqueue_live(m.channel_id.get(), Job::Message(Box::new(m)));
    }

    async fn message_update(
        &self,
        _ctx: Ctx,
        _old: Option<Message>,
        _new: Option<Message>,
        e: MessageUpdateEvent,
    ) {
        let Some(s) = self.0.upgrade() else {
            return;
        };
        s.enqueue_live(e.channel_id.get(), Job::Edit(Box::new(e)));
    }

    async fn interaction_create(&self, _ctx: Ctx, i: Interaction) {
        let Some(s) = self.0.upgrade() else {
            return;
        };
        let (channel, partial) = match &i {
            Interaction::Command(c) => (c.channel_id, c.channel.as_ref()),
            Interaction::Component(c) => (c.channel_id, c.channel.as_ref()),
            _ => return,
        };
        // The interaction names its channel's parent: no lookup needed later.
        if let Some(p) = partial
            && p.kind != ChannelType::Private
        {
            let thread = matches!(
                p.kind,
                ChannelType::PublicThread | ChannelType::PrivateThread | ChannelType::NewsThread
            );
            lock(&s.channels).insert(
                channel.get(),
                ChannelInfo {
                    dm: false,
                    parent: if thread {
                        p.parent_id.map(ChannelId::get)
                    } else {
                        None
                    },
                    private: p.kind == ChannelType::PrivateThread,
                    archived: p.thread_metadata.is_some_and(|m| m.archived),
                    last_message: None,
                },
            );
        }
        s.enqueue_live(channel.get(), Job::Interaction(Box::new(i)));
    }
}

/// Counts every dispatch of the session (see [`super::progress`]) and stores a new
/// session at its READY.
struct Counter(Weak<Shared>);

#[async_trait]
impl RawEventHandler for Counter {
    async fn raw_event(&self, _ctx: Ctx, ev: Event) {
        let Some(s) = self.0.upgrade() else {
            return;
        };
        s.on_dispatch(&ev).await;
    }
}

impl Discord {
    /// Connects to the gateway and runs until `shutdown` turns true: resumes the session a
    /// previous run stored when Discord allows, registers the slash commands and catches
    /// up on missed messages after each `READY`, submits updates to `host` one at a time
    /// per channel, answers interactions once their updates are durable, and stores how
    /// far the session was handled. serenity reconnects and resumes by itself.
    pub async fn run(
        self: Arc<Self>,
        host: Arc<dyn Host>,
        mut shutdown: watch::Receiver<bool>,
    ) -> Result<(), RunError> {
        if *shutdown.borrow() {
            return Ok(());
        }
        let shared = Arc::new(Shared {
            discord: self.clone(),
            host,
            bot_id: AtomicU64::new(0),
            channels: Mutex::new(HashMap::new()),
            queues: Mutex::new(HashMap::new()),
            tasks: Mutex::new(Vec::new()),
            progress: Mutex::new(Progress::default()),
            stopping: std::sync::atomic::AtomicBool::new(false),
            resumed_start: std::sync::atomic::AtomicBool::new(false),
        });
        let http = Arc::new(http_for(&self.cfg, &self.token));
        // serenity asks for the gateway's address once and, if that one request fails,
        // silently falls back to Discord's public address: with another `api_url` (a test
        // server) that would never connect. Ask again, a few times, and use the answer.
        let mut ws_url = "wss://gateway.discord.gg".to_string();
        for attempt in 0..5 {
            match self.sender.http().get_gateway().await {
                Ok(g) => {
                    ws_url = g.url;
                    break;
                }
                Err(e) => {
                    tracing::warn!(attempt, error = %e, "could not get the gateway's address; retrying");
                    tokio::time::sleep(Duration::from_millis(500)).await;
                }
            }
        }
        // The shard's own client (serenity's event context); every REST call of ours goes
        // through the sender's rate-limited client.
        let parts = Parts {
            data: Arc::new(RwLock::new(TypeMap::new())),
            handler: Arc::new(Handler(Arc::downgrade(&shared))),
            raw: Arc::new(Counter(Arc::downgrade(&shared))),
            http: http.clone(),
            intents: intents(&self.cfg),
        };
        // What `Client::start` does, with the shard started here (resuming if it can).
        let (manager, mut ended) = ShardManager::new(ShardManagerOptions {
            data: parts.data.clone(),
            event_handlers: vec![parts.handler.clone()],
            raw_event_handlers: vec![parts.raw.clone()],
            shard_index: 0,
            shard_init: 1,
            shard_total: 1,
            ws_url: Arc::new(AsyncMutex::new(ws_url)),
            http: http.clone(),
            intents: parts.intents,
            presence: None,
        });
        let saved = shared.saved_session();
        shared.start_shard(&manager, &parts, saved).await;
        shared.track(tokio::spawn(shared.clone().keep_checkpoint()));
        tokio::select! {
            r = ended.next() => match r {
                Some(Err(e)) => Err(RunError::GatewayEnded(e.to_string())),
                _ => Ok(()),
            },
            () = async {
                // A dropped sender also means stop.
                let _ = shutdown.wait_for(|v| *v).await;
            } => {
                // 4000, not 1000: Discord keeps the session resumable for the next start.
                let stop = manager.shutdown(ShardId(0), 4000);
                if tokio::time::timeout(Duration::from_secs(6), stop).await.is_err() {
                    tracing::warn!("the Discord shard did not stop within 6 s");
                }
                shared.wind_down(Duration::from_secs(10)).await;
                shared.settle_checkpoint();
                Ok(())
            }
        }
    }
}
