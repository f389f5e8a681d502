//! The gateway: events in, one conversation at a time, acknowledged only once durable.
//!
//! # Intents, and why each
//! - `GUILDS`: `GUILD_CREATE` (the guild's channels and active threads, so that a thread
//!   is known by its parent without asking) and `THREAD_CREATE/UPDATE/DELETE` (ticket
//!   threads and customers' private threads appearing, being archived, going away).
//! - `DIRECT_MESSAGES`: customers' DMs (`MESSAGE_CREATE`, `MESSAGE_UPDATE`). DMs keep their
//!   content without `MESSAGE_CONTENT`.
//! - `GUILD_MESSAGES`, only when the support channel or the staff space is on Discord:
//!   messages in the support channel, in customers' private threads and in ticket threads.
//! - `MESSAGE_CONTENT` (privileged: turn it on in the Developer Portal), under the same
//!   condition: without it Discord blanks the text of guild messages that do not mention
//!   the bot, over the gateway and in fetched history alike, so agents' replies in ticket
//!   threads and customers' words in the support channel would arrive empty.
//!
//! Interactions (buttons, slash commands) need no intent. Nothing else is asked for.
//!
//! # Order
//! serenity runs each event's handler on its own task, so two messages of one
//! conversation could reach the desk swapped. Every event goes to its channel's queue; one
//! worker per channel takes what arrived within a short window, sorts it by snowflake
//! (Discord's ids grow with time) and submits one update at a time, waiting until it is
//! durable before acknowledging an interaction. Catching up goes through the same queues.
//!
//! # Catching up, and resuming after a restart
//! Discord does not replay what was said while the bot was offline, except to a session
//! that is resumed. So:
//! - every DM channel the adapter receives a message in is recorded at once, before the
//!   message is durable (`discord:dm:<channel>`): Discord offers a bot no list of its DMs,
//!   this is the list;
//! - after every `READY` (a new session, not a resume: a resume replays what was missed)
//!   the adapter reads, in the background, every DM channel it has recorded, every
//!   customer's private thread, each open ticket's conversation and staff thread, and the
//!   public support channel, each from the last message it submitted there
//!   (`discord:last:<channel>`; for a DM nothing was submitted from yet, from the first
//!   message received there; for an open ticket, from a minute before it last changed), at
//!   most `catch_up_limit` messages a page, oldest first. Most recently active first (they
//!   are the likeliest to have written meanwhile, and are waiting for an answer), a few
//!   channels at a time ([`catch_up::CONCURRENCY`]); a guild channel whose last message
//!   (from `GUILD_CREATE`) is not newer than where it would start is skipped. Each message
//!   is submitted as if it had just arrived: the desk drops what it has already seen (the
//!   update key is the message id);
//! - the session (id, resume URL, the sequence number up to which every event is durable:
//!   [`progress`]) is stored as the adapter runs (at most once a second) and at shutdown,
//!   and the next start RESUMEs it ([`shard`]): Discord then replays everything after that
//!   number, including first messages from customers the desk has never seen. A refused
//!   resume (op 9, the session expired) falls back to IDENTIFY and the catch-up above.
//!   The first RESUMED of a run catches up too, as a safety net: the replay covers
//!   everything after the stored number, the catch-up what a crash may have cut short.
//!   At shutdown the connection is closed with 4000, not 1000, so that Discord keeps the
//!   session resumable (the bot shows online until Discord times the session out).
//!
//! What cannot be recovered: a first DM from a customer the adapter has never received a
//! message from, written while the bot was away, when the session could not be resumed.
//!
//! # Parts
//! This file holds what the gateway's parts share: the intents, the `Shared` state (the
//! channels known, the queues), where a channel is for Switchboard, and submitting updates
//! until they are durable. Then, each importing only from those before it:
//! [`support`] (customers moved from the public support channel to private threads),
//! [`messages`] (new and edited messages), [`interactions`] (buttons and slash commands,
//! answered within Discord's 3 s), [`queue`] (a worker per channel, in snowflake order),
//! [`catch_up`] (what was written while the bot was away), [`session`] (the session
//! stored, DMs recorded), [`shard`] (the shard started, resuming a stored session) and
//! [`client`] (the event handlers and [`crate::Discord::run`]). [`progress`] is pure
//! bookkeeping and imports nothing of the others.

pub mod catch_up;
pub mod client;
pub mod interactions;
pub mod messages;
pub mod progress;
pub mod queue;
pub mod session;
pub mod shard;
pub mod support;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serenity::all::{
    ChannelId, ChannelType, GatewayIntents, GuildChannel, Interaction, Message, MessageId,
    MessageUpdateEvent,
};
use switchboard_domain::{Backoff, Host, HostError, Inbound};
use tokio::sync::mpsc;

use crate::channel::Discord;
use crate::config::DiscordConfig;
use crate::keys;
use crate::parse::{self, Where};
use progress::Progress;

/// The gateway intents for `cfg` (see the module docs for why each).
pub fn intents(cfg: &DiscordConfig) -> GatewayIntents {
    let mut i = GatewayIntents::GUILDS | GatewayIntents::DIRECT_MESSAGES;
    if cfg.support_channel_id != 0 || cfg.staff_on_discord() {
        i |= GatewayIntents::GUILD_MESSAGES | GatewayIntents::MESSAGE_CONTENT;
    }
    i
}

/// What the adapter knows of a channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ChannelInfo {
    /// A DM with the bot.
    pub(crate) dm: bool,
    /// The parent channel, for threads.
    pub(crate) parent: Option<u64>,
    /// A private thread.
    pub(crate) private: bool,
    /// An archived thread.
    pub(crate) archived: bool,
    /// The channel's last message when Discord last described it (`GUILD_CREATE`).
    pub(crate) last_message: Option<u64>,
}

impl ChannelInfo {
    /// What a guild channel (or thread) tells of itself.
    pub(crate) fn of(c: &GuildChannel) -> ChannelInfo {
        let thread = matches!(
            c.kind,
            ChannelType::PublicThread | ChannelType::PrivateThread | ChannelType::NewsThread
        );
        ChannelInfo {
            dm: false,
            parent: if thread {
                c.parent_id.map(ChannelId::get)
            } else {
                None
            },
            private: c.kind == ChannelType::PrivateThread,
            archived: c.thread_metadata.is_some_and(|m| m.archived),
            last_message: c.last_message_id.map(MessageId::get),
        }
    }
}

/// One event for a channel's worker.
pub(crate) enum Job {
    /// A new message (or one fetched while catching up).
    Message(Box<Message>),
    /// An edited message.
    Edit(Box<MessageUpdateEvent>),
    /// A button press or a slash command.
    Interaction(Box<Interaction>),
}

impl Job {
    /// Sorting key: the event's snowflake (time order).
    pub(crate) fn order(&self) -> u64 {
        match self {
            Job::Message(m) => m.id.get(),
            Job::Edit(e) => e.id.get(),
            Job::Interaction(i) => i.id().get(),
        }
    }
}

/// A job in a channel's queue, with its ticket when it came from the gateway.
pub(crate) type Queued = (Job, Option<u64>);

/// What the gateway's parts share: the channel, the host, what is known of channels, the
/// channels' queues and the tasks to await at shutdown.
pub(crate) struct Shared {
    pub(crate) discord: Arc<Discord>,
    pub(crate) host: Arc<dyn Host>,
    pub(crate) bot_id: AtomicU64,
    pub(crate) channels: Mutex<HashMap<u64, ChannelInfo>>,
    /// Each channel's queue: jobs, with their ticket when they came from the gateway.
    pub(crate) queues: Mutex<HashMap<u64, mpsc::UnboundedSender<Queued>>>,
    /// The workers and start-up tasks, awaited at shutdown (they hold the store).
    pub(crate) tasks: Mutex<Vec<tokio::task::JoinHandle<()>>>,
    /// How far the gateway session has been handled (what a restart resumes from).
    pub(crate) progress: Mutex<Progress>,
    /// Set at shutdown: catching up stops taking channels.
    pub(crate) stopping: AtomicBool,
    /// Set when this run started by resuming a stored session: its first RESUMED does what
    /// a READY does (commands, catching up), once.
    pub(crate) resumed_start: AtomicBool,
}

/// Locks a mutex whose data stays consistent even if a holder panicked (plain inserts and
/// reads): the domain's helper, which uses a poisoned lock anyway.
pub(crate) use switchboard_domain::sync::lock;

impl Shared {
    pub(crate) fn cfg(&self) -> &DiscordConfig {
        &self.discord.cfg
    }

    /// What the parsers need besides the event.
    pub(crate) fn cx(&self) -> parse::Context {
        parse::Context {
            bot_id: self.bot_id.load(Ordering::Relaxed),
            staff_role_id: self.cfg().staff_role_id,
        }
    }

    /// Remembers what a guild channel (or thread) is.
    pub(crate) fn learn(&self, c: &GuildChannel) {
        lock(&self.channels).insert(c.id.get(), ChannelInfo::of(c));
    }

    /// What is known of `channel`: cached, or asked once (`GET /channels/{id}`).
    pub(crate) async fn info(&self, channel: u64) -> Option<ChannelInfo> {
        if let Some(i) = lock(&self.channels).get(&channel).copied() {
            return Some(i);
        }
        match self
            .discord
            .sender
            .http()
            .get_channel(ChannelId::new(channel))
            .await
        {
            Ok(serenity::all::Channel::Guild(c)) => {
                self.learn(&c);
                Some(ChannelInfo::of(&c))
            }
            Ok(serenity::all::Channel::Private(_)) => {
                let i = ChannelInfo {
                    dm: true,
                    parent: None,
                    private: false,
                    archived: false,
                    last_message: None,
                };
                lock(&self.channels).insert(channel, i);
                Some(i)
            }
            Ok(_) => None,
            Err(e) => {
                tracing::warn!(channel, error = %e, "could not look up a channel");
                None
            }
        }
    }

    /// Where `channel` (in `guild`, `None` for a DM) is, for Switchboard.
    pub(crate) async fn locate(&self, channel: u64, guild: Option<u64>) -> Where {
        let cfg = self.cfg();
        let Some(guild) = guild else {
            return Where::Dm;
        };
        if cfg.guild_id != 0 && guild != cfg.guild_id {
            return Where::Other;
        }
        if cfg.support_channel_id != 0 && channel == cfg.support_channel_id {
            return Where::SupportChannel;
        }
        if cfg.staff_on_discord() && channel == cfg.staff_channel_id {
            return Where::StaffChannel;
        }
        let info = self.info(channel).await;
        match info.and_then(|i| i.parent.map(|p| (p, i.private))) {
            Some((p, _)) if cfg.staff_on_discord() && p == cfg.staff_channel_id => {
                Where::StaffThread
            }
            Some((p, true)) if cfg.support_channel_id != 0 && p == cfg.support_channel_id => {
                Where::CustomerThread
            }
            _ => {
                let linked = self
                    .discord
                    .sender
                    .store()
                    .linked_ticket(&keys::refs::thread(channel))
                    .ok()
                    .flatten()
                    .is_some();
                if cfg.staff_on_discord() && linked {
                    Where::StaffThread
                } else {
                    Where::Other
                }
            }
        }
    }

    /// Keeps `task` to await at shutdown (finished ones are forgotten).
    pub(crate) fn track(&self, task: tokio::task::JoinHandle<()>) {
        let mut tasks = lock(&self.tasks);
        tasks.retain(|t| !t.is_finished());
        tasks.push(task);
    }

    /// At shutdown: no more work is taken; what is being handled finishes (for at most
    /// `limit`), so that nothing holds the store afterwards.
    pub(crate) async fn wind_down(&self, limit: Duration) {
        self.stopping.store(true, Ordering::Relaxed);
        lock(&self.queues).clear();
        let tasks = std::mem::take(&mut *lock(&self.tasks));
        let all = futures_join(tasks);
        if tokio::time::timeout(limit, all).await.is_err() {
            tracing::warn!("Discord updates still being handled at shutdown were left");
        }
    }

    /// Submits updates in order and waits until they are durable. A failure (the store
    /// could not commit or flush) is retried with backoff for about 15 s before the
    /// channel's later updates go on: a message later in the same conversation must not
    /// overtake it (and move the catch-up point past it). Updates already taken are dropped
    /// by the desk as duplicates on a retry.
    pub(crate) async fn submit(&self, inbound: &[Inbound]) -> Result<(), HostError> {
        // Waits of 0.25, 0.5, 1, 2, 4, 4 s: no jitter, the window is what matters.
        let mut backoff = Backoff::new(Duration::from_millis(250), Duration::from_secs(4));
        let mut last = match self.submit_once(inbound).await {
            Ok(()) => return Ok(()),
            Err(e) => e,
        };
        for attempt in 1..7 {
            tracing::warn!(attempt, error = %last, "the desk could not take a Discord update; retrying");
            tokio::time::sleep(backoff.next(0)).await;
            match self.submit_once(inbound).await {
                Ok(()) => return Ok(()),
                Err(e) => last = e,
            }
        }
        Err(last)
    }

    /// One try of [`Shared::submit`].
    async fn submit_once(&self, inbound: &[Inbound]) -> Result<(), HostError> {
        for i in inbound {
            self.host.submit(i)?;
        }
        self.host.durable().await
    }

    /// Deletes a public support-channel message once what it said is durable in its
    /// private thread (a failure is logged: the message stays).
    pub(crate) async fn delete_public(&self, message: u64) {
        let support = self.cfg().support_channel_id;
        let http = self.discord.sender.http();
        if let Err(e) = http
            .delete_message(ChannelId::new(support), MessageId::new(message))
            .await
        {
            tracing::info!(message, error = %e, "could not delete a public support-channel message (it stays)");
        }
    }

    /// Remembers the newest message submitted from `channel` (where catching up starts).
    pub(crate) fn seen(&self, channel: u64, message: u64) {
        let store = self.discord.sender.store();
        let key = keys::last_seen(channel);
        let newer = match store.channel_state(&key) {
            Ok(v) => v
                .and_then(|s| s.parse::<u64>().ok())
                .is_none_or(|old| old < message),
            Err(_) => true,
        };
        if newer && let Err(e) = store.set_channel_state(&key, Some(&message.to_string())) {
            tracing::warn!(error = %e, "could not remember the last message seen");
        }
    }
}

/// Waits for every task (a panicked one is logged).
async fn futures_join(tasks: Vec<tokio::task::JoinHandle<()>>) {
    for t in tasks {
        if let Err(e) = t.await
            && e.is_panic()
        {
            tracing::error!("a Discord worker panicked");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intents_are_only_what_is_needed() {
        let dm_only = DiscordConfig::default();
        assert_eq!(
            intents(&dm_only),
            GatewayIntents::GUILDS | GatewayIntents::DIRECT_MESSAGES
        );
        let staff = DiscordConfig {
            staff_channel_id: 5,
            ..Default::default()
        };
        assert!(
            intents(&staff)
                .contains(GatewayIntents::MESSAGE_CONTENT | GatewayIntents::GUILD_MESSAGES)
        );
    }
}
