//! The serenity client: connected with the intents, its events handed to the channels'
//! queues, the slash commands registered and missed messages caught up after every
//! `READY`, stopped cleanly at shutdown ([`Discord::run`]).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serenity::all::{
    ChannelId, ChannelType, ClientBuilder, Context as Ctx, EventHandler, Guild, GuildChannel,
    GuildId, Interaction, Message, MessageUpdateEvent, PartialGuildChannel, Ready,
};
use serenity::async_trait;
use switchboard_domain::Host;
use tokio::sync::watch;

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

/// serenity's event handler: each event to its channel's queue.
struct Handler(Arc<Shared>);

#[async_trait]
impl EventHandler for Handler {
    async fn ready(&self, _ctx: Ctx, ready: Ready) {
        self.0.bot_id.store(ready.user.id.get(), Ordering::Relaxed);
        tracing::info!(bot = %ready.user.name, "connected to the Discord gateway");
        let shared = self.0.clone();
        self.0.track(tokio::spawn(async move {
            shared.register_commands().await;
            shared.catch_up().await;
        }));
    }

    async fn guild_create(&self, _ctx: Ctx, guild: Guild, _is_new: Option<bool>) {
        for c in guild.channels.values().chain(guild.threads.iter()) {
            self.0.learn(c);
        }
    }

    async fn thread_create(&self, _ctx: Ctx, thread: GuildChannel) {
        self.0.learn(&thread);
    }

    async fn thread_update(&self, _ctx: Ctx, _old: Option<GuildChannel>, new: GuildChannel) {
        self.0.learn(&new);
    }

    async fn thread_delete(
        &self,
        _ctx: Ctx,
        thread: PartialGuildChannel,
        _full: Option<GuildChannel>,
    ) {
        lock(&self.0.channels).remove(&thread.id.get());
    }

    async fn message(&self, _ctx: Ctx, m: Message) {
        if m.author.id.get() == self.0.bot_id.load(Ordering::Relaxed) {
            return;
        }
        self.0
            .enqueue(m.channel_id.get(), Job::Message(Box::new(m)));
    }

    async fn message_update(
        &self,
        _ctx: Ctx,
        _old: Option<Message>,
        _new: Option<Message>,
        e: MessageUpdateEvent,
    ) {
        self.0.enqueue(e.channel_id.get(), Job::Edit(Box::new(e)));
    }

    async fn interaction_create(&self, _ctx: Ctx, i: Interaction) {
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
            lock(&self.0.channels).insert(
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
                },
            );
        }
        self.0.enqueue(channel.get(), Job::Interaction(Box::new(i)));
    }
}

impl Discord {
    /// Connects to the gateway and runs until `shutdown` turns true: registers the guild's
    /// slash commands and catches up on missed messages after each `READY`, submits
    /// updates to `host` one at a time per channel, answers interactions once their
    /// updates are durable. serenity reconnects and resumes by itself.
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
        });
        let http = http_for(&self.cfg, &self.token);
        let mut client = ClientBuilder::new_with_http(http, intents(&self.cfg))
            .event_handler(Handler(shared.clone()))
            .await
            .map_err(|e| RunError::Client(e.to_string()))?;
        // serenity asks for the gateway's address once and, if that one request fails,
        // silently falls back to Discord's public address: with another `api_url` (a test
        // server) that would never connect. Ask again, a few times, and use the answer.
        for attempt in 0..5 {
            match self.sender.http().get_gateway().await {
                Ok(g) => {
                    *client.ws_url.lock().await = g.url;
                    break;
                }
                Err(e) => {
                    tracing::warn!(attempt, error = %e, "could not get the gateway's address; retrying");
                    tokio::time::sleep(Duration::from_millis(500)).await;
                }
            }
        }
        let shards = client.shard_manager.clone();
        let mut task = tokio::spawn(async move { client.start().await });
        tokio::select! {
            r = &mut task => match r {
                Ok(Ok(())) => Ok(()),
                Ok(Err(e)) => Err(RunError::GatewayEnded(e.to_string())),
                Err(e) => Err(RunError::Failed(e.to_string())),
            },
            () = async {
                // A dropped sender also means stop.
                let _ = shutdown.wait_for(|v| *v).await;
            } => {
                shards.shutdown_all().await;
                if tokio::time::timeout(Duration::from_secs(5), task).await.is_err() {
                    tracing::warn!("the Discord client did not stop within 5 s");
                }
                shared.wind_down(Duration::from_secs(10)).await;
                Ok(())
            }
        }
    }
}
