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
//! # Catching up
//! Discord does not replay what was said while the bot was offline. After every `READY`
//! (a new session, not a resume: a resume replays what was missed) the adapter reads, for
//! every open ticket (self-service, queued, claimed), the customer's conversation on
//! Discord and the ticket's staff thread, from the last message it submitted there
//! (`discord:last:<channel>` in the channel state) or else from a minute before the
//! ticket last changed, at most `catch_up_limit` messages, oldest first; and the public
//! support channel from the last message seen there (never from its beginning). Each is
//! submitted as if it had just arrived: the desk drops what it has already seen (the
//! update key is the message id). What it cannot cover: a first message from a brand-new
//! customer sent while the bot was away (Discord offers no list of a bot's DMs).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serenity::all::{
    ChannelId, ChannelType, ClientBuilder, CommandOptionType, Context as Ctx,
    CreateAllowedMentions, CreateCommand, CreateCommandOption, CreateInteractionResponse,
    CreateInteractionResponseFollowup, CreateInteractionResponseMessage, CreateMessage,
    CreateThread, EditInteractionResponse, EditThread, EventHandler, GatewayIntents, GetMessages,
    Guild, GuildChannel, GuildId, Interaction, Message, MessageId, MessageUpdateEvent,
    PartialGuildChannel, PartialMember, Ready, User, UserId,
};
use serenity::async_trait;
use switchboard_domain::{ChatId, Inbound, Place, Platform, Priority, TicketStatus, Timestamp};
use tokio::sync::{mpsc, watch};

use crate::parse::{self, Parsed, Where};
use crate::send::{self, keys};
use crate::{Discord, Host};

/// How long a channel's worker waits for more events before sorting and handling them.
const REORDER_WINDOW: Duration = Duration::from_millis(30);
/// How long a channel's worker waits idle before it ends.
const IDLE_EXIT: Duration = Duration::from_secs(600);
/// An interaction not answered by then is deferred (Discord allows 3 s for the first
/// answer).
const DEFER_AFTER: Duration = Duration::from_millis(2000);

/// The gateway intents for `cfg` (see the module docs for why each).
pub fn intents(cfg: &crate::DiscordConfig) -> GatewayIntents {
    let mut i = GatewayIntents::GUILDS | GatewayIntents::DIRECT_MESSAGES;
    if cfg.support_channel_id != 0 || cfg.staff_on_discord() {
        i |= GatewayIntents::GUILD_MESSAGES | GatewayIntents::MESSAGE_CONTENT;
    }
    i
}

/// English descriptions of the slash commands and their options (`command` or
/// `command.option`); the app may replace them from prompts
/// ([`Discord::with_command_descriptions`]).
pub(crate) fn default_descriptions() -> Vec<(String, String)> {
    [
        ("ticket", "Open a support request"),
        ("ticket.category", "What it is about (billing, shipping…)"),
        ("ticket.message", "Your question"),
        ("claim", "Take this ticket"),
        ("release", "Give this ticket back to the queue"),
        ("close", "Resolve this ticket"),
        ("note", "Add an internal note (the customer never sees it)"),
        ("note.text", "The note"),
        ("priority", "Set this ticket's priority"),
        ("priority.level", "The new priority"),
        ("category", "Move this ticket to another category"),
        ("category.name", "The category"),
        ("transfer", "Hand this ticket to another agent"),
        ("transfer.agent", "The agent's name"),
        ("queue", "Show the open tickets"),
        ("away", "Stop getting new tickets"),
        ("back", "Get new tickets again"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

/// The slash commands: `/ticket` always, the staff commands when the staff space is on
/// Discord. No `default_member_permissions`: the role is checked on every use. `/ticket` is
/// registered globally (so that it exists in DMs, where most customers write), the staff
/// commands for the guild only (see [`Shared::register_commands`]).
pub fn commands(
    cfg: &crate::DiscordConfig,
    descriptions: &[(String, String)],
) -> Vec<CreateCommand> {
    let d = |k: &str| {
        descriptions
            .iter()
            .find(|(n, _)| n == k)
            .map_or_else(|| k.to_string(), |(_, v)| v.clone())
    };
    let mut v = vec![
        CreateCommand::new("ticket")
            .description(d("ticket"))
            .add_option(CreateCommandOption::new(
                CommandOptionType::String,
                "category",
                d("ticket.category"),
            ))
            .add_option(CreateCommandOption::new(
                CommandOptionType::String,
                "message",
                d("ticket.message"),
            )),
    ];
    if cfg.staff_on_discord() {
        for (name, arg) in parse::STAFF_COMMANDS {
            let mut c = CreateCommand::new(name).description(d(name));
            if let Some(a) = arg {
                let mut o = CreateCommandOption::new(
                    CommandOptionType::String,
                    a,
                    d(&format!("{name}.{a}")),
                )
                .required(true);
                if name == "priority" {
                    for p in Priority::ALL {
                        o = o.add_string_choice(p.as_str(), p.as_str());
                    }
                }
                c = c.add_option(o);
            }
            v.push(c);
        }
    }
    v
}

/// What the adapter knows of a channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct ChannelInfo {
    /// A DM with the bot.
    dm: bool,
    /// The parent channel, for threads.
    parent: Option<u64>,
    /// A private thread.
    private: bool,
    /// An archived thread.
    archived: bool,
}

impl ChannelInfo {
    fn of(c: &GuildChannel) -> ChannelInfo {
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
        }
    }
}

/// One event for a channel's worker.
enum Job {
    Message(Box<Message>),
    Edit(Box<MessageUpdateEvent>),
    Interaction(Box<Interaction>),
}

impl Job {
    /// Sorting key: the event's snowflake (time order).
    fn order(&self) -> u64 {
        match self {
            Job::Message(m) => m.id.get(),
            Job::Edit(e) => e.id.get(),
            Job::Interaction(i) => i.id().get(),
        }
    }
}

/// How an interaction is answered.
enum Reply {
    /// Type 6 for a button (nothing shown), an ephemeral `done` for a command.
    Taken,
    /// An ephemeral sentence.
    Say(String),
    /// No answer: the client shows its own "interaction failed" (the update was not
    /// taken and the user may try again).
    None,
}

struct Shared {
    discord: Arc<Discord>,
    host: Arc<dyn Host>,
    bot_id: AtomicU64,
    channels: Mutex<HashMap<u64, ChannelInfo>>,
    queues: Mutex<HashMap<u64, mpsc::UnboundedSender<Job>>>,
    /// The workers and start-up tasks, awaited at shutdown (they hold the store).
    tasks: Mutex<Vec<tokio::task::JoinHandle<()>>>,
}

/// Locks a mutex whose data stays consistent even if a holder panicked (plain inserts and
/// reads): a poisoned lock is used anyway.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Shared {
    fn cfg(&self) -> &crate::DiscordConfig {
        &self.discord.cfg
    }

    fn cx(&self) -> parse::Context {
        parse::Context {
            bot_id: self.bot_id.load(Ordering::Relaxed),
            staff_role_id: self.cfg().staff_role_id,
        }
    }

    fn learn(&self, c: &GuildChannel) {
        lock(&self.channels).insert(c.id.get(), ChannelInfo::of(c));
    }

    /// What is known of `channel`: cached, or asked once (`GET /channels/{id}`).
    async fn info(&self, channel: u64) -> Option<ChannelInfo> {
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
    async fn classify(&self, channel: u64, guild: Option<u64>) -> Where {
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
                    .linked_ticket(&parse::refs::thread(channel))
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
    fn track(&self, task: tokio::task::JoinHandle<()>) {
        let mut tasks = lock(&self.tasks);
        tasks.retain(|t| !t.is_finished());
        tasks.push(task);
    }

    /// At shutdown: no more work is taken; what is being handled finishes (for at most
    /// `limit`), so that nothing holds the store afterwards.
    async fn wind_down(&self, limit: Duration) {
        lock(&self.queues).clear();
        let tasks = std::mem::take(&mut *lock(&self.tasks));
        let all = futures_join(tasks);
        if tokio::time::timeout(limit, all).await.is_err() {
            tracing::warn!("Discord updates still being handled at shutdown were left");
        }
    }

    /// Hands `job` to its channel's worker (started on first use).
    fn enqueue(self: &Arc<Self>, channel: u64, job: Job) {
        let mut queues = lock(&self.queues);
        let job = match queues.get(&channel) {
            Some(tx) => match tx.send(job) {
                Ok(()) => return,
                Err(mpsc::error::SendError(job)) => job,
            },
            None => job,
        };
        let (tx, rx) = mpsc::unbounded_channel();
        // Just made: the receiver is alive.
        let _ = tx.send(job);
        queues.insert(channel, tx);
        self.track(tokio::spawn(self.clone().work(channel, rx)));
    }

    /// A channel's worker: gathers what arrives within a short window, sorts it by
    /// snowflake, handles it one by one.
    /// A worker idle for [`IDLE_EXIT`] ends (a customer's next message starts another).
    async fn work(self: Arc<Self>, channel: u64, mut rx: mpsc::UnboundedReceiver<Job>) {
        loop {
            let first = match tokio::time::timeout(IDLE_EXIT, rx.recv()).await {
                Ok(Some(j)) => j,
                Ok(None) => return,
                Err(_) => {
                    // Senders send only while holding this lock: once the queue is seen
                    // empty under it and removed, nothing can be left behind.
                    let mut queues = lock(&self.queues);
                    match rx.try_recv() {
                        Ok(j) => {
                            drop(queues);
                            j
                        }
                        Err(_) => {
                            queues.remove(&channel);
                            return;
                        }
                    }
                }
            };
            let mut batch = vec![first];
            tokio::time::sleep(REORDER_WINDOW).await;
            while let Ok(j) = rx.try_recv() {
                batch.push(j);
            }
            batch.sort_by_key(Job::order);
            for job in batch {
                match job {
                    Job::Message(m) => self.on_message(*m).await,
                    Job::Edit(e) => self.on_edit(*e).await,
                    Job::Interaction(i) => self.on_interaction(*i).await,
                }
            }
        }
    }

    /// Submits updates in order and waits until they are durable. A failure (the store
    /// could not commit or flush) is retried with backoff for about 15 s before the
    /// channel's later updates go on: a message later in the same conversation must not
    /// overtake it (and move the catch-up point past it). Updates already taken are dropped
    /// by the desk as duplicates on a retry.
    async fn submit(&self, inbound: &[Inbound]) -> Result<(), String> {
        let mut wait = Duration::from_millis(250);
        let mut last = String::new();
        for attempt in 0..7 {
            if attempt > 0 {
                tracing::warn!(attempt, error = %last, "the desk could not take a Discord update; retrying");
                tokio::time::sleep(wait).await;
                wait = (wait * 2).min(Duration::from_secs(4));
            }
            let r = async {
                for i in inbound {
                    self.host.submit(i)?;
                }
                self.host.durable().await
            }
            .await;
            match r {
                Ok(()) => return Ok(()),
                Err(e) => last = e,
            }
        }
        Err(last)
    }

    /// Deletes a public support-channel message once what it said is durable in its
    /// private thread (a failure is logged: the message stays).
    async fn delete_public(&self, message: u64) {
        let support = self.cfg().support_channel_id;
        if let Err(e) = ChannelId::new(support)
            .delete_message(&self.discord.sender.http(), MessageId::new(message))
            .await
        {
            tracing::info!(message, error = %e, "could not delete a public support-channel message (it stays)");
        }
    }

    /// Remembers the newest message submitted from `channel` (where catching up starts).
    fn seen(&self, channel: u64, message: u64) {
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

    async fn on_message(&self, m: Message) {
        let channel = m.channel_id.get();
        let at = self.classify(channel, m.guild_id.map(GuildId::get)).await;
        let mut inbound = match parse::message(&m, at, &self.cx()) {
            Parsed::Inbound(v) => v,
            Parsed::Refused(why) | Parsed::Ignore(why) => {
                tracing::debug!(message = m.id.get(), why, "message ignored");
                return;
            }
        };
        if at == Where::SupportChannel {
            let name = inbound[0].from.name.clone();
            match self.to_private(&m.author, &name).await {
                Ok(thread) => move_to(&mut inbound, thread),
                Err(e) => {
                    tracing::error!(message = m.id.get(), error = %e, "could not move a support-channel message to a private thread");
                    return;
                }
            }
        }
        match self.submit(&inbound).await {
            Ok(()) => {
                self.seen(channel, m.id.get());
                if at == Where::SupportChannel {
                    self.delete_public(m.id.get()).await;
                }
            }
            Err(e) => tracing::error!(
                message = m.id.get(),
                error = %e,
                "the desk could not take a message; it is fetched again at the next start"
            ),
        }
    }

    async fn on_edit(&self, e: MessageUpdateEvent) {
        let at = self
            .classify(e.channel_id.get(), e.guild_id.map(GuildId::get))
            .await;
        let mut inbound = match parse::edit(&e, at, &self.cx()) {
            Parsed::Inbound(v) => v,
            Parsed::Refused(why) | Parsed::Ignore(why) => {
                tracing::debug!(message = e.id.get(), why, "edit ignored");
                return;
            }
        };
        if at == Where::SupportChannel {
            // The message was moved (its public copy could not be deleted): the edit goes
            // to the same private thread, if there is one.
            let Some(user) = e.author.as_ref().map(|u| u.id.get()) else {
                return;
            };
            match self.support_thread(user) {
                Some(thread) => move_to(&mut inbound, thread),
                None => return,
            }
        }
        if let Err(err) = self.submit(&inbound).await {
            tracing::error!(message = e.id.get(), error = %err, "the desk could not take an edit");
        }
    }

    /// Handles an interaction and answers it. Discord wants an answer within 3 s: when
    /// the update is not durable after [`DEFER_AFTER`] (a slow disk, a busy channel), the
    /// interaction is deferred at once and the real answer follows as an edit.
    async fn on_interaction(&self, i: Interaction) {
        let work = self.handle_interaction(&i);
        tokio::pin!(work);
        tokio::select! {
            reply = &mut work => {
                self.answer(&i, reply).await;
                return;
            }
            () = tokio::time::sleep(DEFER_AFTER) => {}
        }
        self.defer(&i).await;
        let reply = work.await;
        self.answer_late(&i, reply).await;
    }

    /// Tells Discord the interaction is being handled (type 5, only for its user, for a
    /// command; type 6 for a button).
    async fn defer(&self, i: &Interaction) {
        let http = self.discord.sender.http();
        let r = match i {
            Interaction::Command(c) => {
                c.create_response(
                    &http,
                    CreateInteractionResponse::Defer(
                        CreateInteractionResponseMessage::new().ephemeral(true),
                    ),
                )
                .await
            }
            Interaction::Component(c) => {
                c.create_response(&http, CreateInteractionResponse::Acknowledge)
                    .await
            }
            _ => Ok(()),
        };
        if let Err(e) = r {
            tracing::warn!(interaction = i.id().get(), error = %e, "could not defer an interaction");
        }
    }

    /// The answer to a deferred interaction: the deferred reply edited (a command), or a
    /// follow-up only its user sees (a button that needs a sentence).
    async fn answer_late(&self, i: &Interaction, reply: Reply) {
        let http = self.discord.sender.http();
        let text = match (reply, i) {
            (Reply::Taken, Interaction::Component(_)) => return,
            (Reply::Taken, _) => self.discord.texts.done.clone(),
            (Reply::Say(t), _) => t,
            (Reply::None, _) => self.discord.texts.failed.clone(),
        };
        let r = match i {
            Interaction::Command(c) => c
                .edit_response(
                    &http,
                    EditInteractionResponse::new()
                        .content(text)
                        .allowed_mentions(CreateAllowedMentions::new()),
                )
                .await
                .map(|_| ()),
            Interaction::Component(c) => c
                .create_followup(
                    &http,
                    CreateInteractionResponseFollowup::new()
                        .content(text)
                        .ephemeral(true)
                        .allowed_mentions(CreateAllowedMentions::new()),
                )
                .await
                .map(|_| ()),
            _ => Ok(()),
        };
        if let Err(e) = r {
            tracing::warn!(interaction = i.id().get(), error = %e, "could not answer a deferred interaction");
        }
    }

    /// What an interaction does, and how to answer it.
    async fn handle_interaction(&self, i: &Interaction) -> Reply {
        let (channel, guild, user, name) = match i {
            Interaction::Command(c) => (
                c.channel_id,
                c.guild_id,
                c.user.clone(),
                c.member.as_ref().and_then(|m| m.nick.clone()),
            ),
            Interaction::Component(c) => (
                c.channel_id,
                c.guild_id,
                c.user.clone(),
                c.member.as_ref().and_then(|m| m.nick.clone()),
            ),
            _ => return Reply::None,
        };
        let at = self.classify(channel.get(), guild.map(GuildId::get)).await;
        match parse::interaction(i, at, &self.cx()) {
            Parsed::Inbound(mut inbound) => {
                let moved = if at == Where::SupportChannel {
                    let name = name
                        .or_else(|| user.global_name.clone())
                        .unwrap_or_else(|| user.name.clone());
                    match self.to_private(&user, &name).await {
                        Ok(thread) => {
                            move_to(&mut inbound, thread);
                            Ok(())
                        }
                        Err(e) => Err(e),
                    }
                } else {
                    Ok(())
                };
                // Never submitted when the move failed: it would open the ticket in the
                // public channel.
                let taken = match moved {
                    Ok(()) => self.submit(&inbound).await,
                    Err(e) => Err(e),
                };
                match taken {
                    Ok(()) => Reply::Taken,
                    Err(e) => {
                        tracing::error!(interaction = i.id().get(), error = %e, "the desk could not take an interaction");
                        Reply::Say(self.discord.texts.failed.clone())
                    }
                }
            }
            Parsed::Refused(why) => {
                tracing::info!(
                    interaction = i.id().get(),
                    user = user.id.get(),
                    why,
                    "refused"
                );
                Reply::Say(self.discord.texts.not_staff.clone())
            }
            Parsed::Ignore(why) => {
                tracing::debug!(interaction = i.id().get(), why, "interaction ignored");
                Reply::Taken
            }
        }
    }

    /// Answers an interaction (within Discord's 3 s).
    async fn answer(&self, i: &Interaction, reply: Reply) {
        let http = self.discord.sender.http();
        let say = |t: String| {
            CreateInteractionResponse::Message(
                CreateInteractionResponseMessage::new()
                    .content(t)
                    .ephemeral(true)
                    .allowed_mentions(CreateAllowedMentions::new()),
            )
        };
        let response = match (reply, i) {
            (Reply::None, _) => return,
            (Reply::Taken, Interaction::Component(_)) => CreateInteractionResponse::Acknowledge,
            (Reply::Taken, _) => say(self.discord.texts.done.clone()),
            (Reply::Say(t), _) => say(t),
        };
        let r = match i {
            Interaction::Command(c) => c.create_response(&http, response).await,
            Interaction::Component(c) => c.create_response(&http, response).await,
            _ => Ok(()),
        };
        if let Err(e) = r {
            tracing::warn!(interaction = i.id().get(), error = %e, "could not answer an interaction");
        }
    }

    /// The customer's private thread under the support channel, if it is still open.
    fn support_thread(&self, user: u64) -> Option<u64> {
        self.discord
            .sender
            .store()
            .channel_state(&keys::support_thread(user))
            .ok()
            .flatten()
            .and_then(|s| s.parse().ok())
    }

    /// Moves a customer from the public support channel to their private thread:
    /// reused while it is open, else created (private, not invitable) with the customer
    /// added and told, pinging only them. The public message is deleted when it can be.
    async fn to_private(&self, user: &User, name: &str) -> Result<u64, String> {
        let http = self.discord.sender.http();
        let support = self.cfg().support_channel_id;
        let uid = user.id.get();
        let mut thread = None;
        if let Some(t) = self.support_thread(uid)
            && let Some(info) = self.info(t).await
        {
            if !info.archived {
                thread = Some(t);
            } else {
                // Threads archive themselves after a while: reopen it (the customer's open
                // ticket lives there), else make a new one.
                match ChannelId::new(t)
                    .edit_thread(&http, EditThread::new().archived(false))
                    .await
                {
                    Ok(c) => {
                        self.learn(&c);
                        thread = Some(t);
                    }
                    Err(e) => {
                        tracing::info!(thread = t, error = %e, "could not reopen a customer's private thread; making a new one");
                    }
                }
            }
        }
        let created = thread.is_none();
        let thread = match thread {
            Some(t) => t,
            None => {
                let title = send::truncate(&format!("Support · {name}"), send::MAX_THREAD_NAME);
                let t = ChannelId::new(support)
                    .create_thread(
                        &http,
                        CreateThread::new(title)
                            .kind(ChannelType::PrivateThread)
                            .invitable(false),
                    )
                    .await
                    .map_err(|e| format!("creating a private thread: {e}"))?;
                self.learn(&t);
                t.id.add_thread_member(&http, UserId::new(uid))
                    .await
                    .map_err(|e| format!("adding the customer to their thread: {e}"))?;
                self.discord
                    .sender
                    .store()
                    .set_channel_state(&keys::support_thread(uid), Some(&t.id.get().to_string()))
                    .map_err(|e| e.to_string())?;
                t.id.get()
            }
        };
        if created {
            let text = send::defuse(&self.discord.texts.moved_private)
                .replace("{name}", &format!("<@{uid}>"));
            let msg = CreateMessage::new()
                .content(send::truncate(&text, send::MAX_CONTENT))
                .allowed_mentions(CreateAllowedMentions::new().users(vec![UserId::new(uid)]));
            if let Err(e) = ChannelId::new(thread).send_message(&http, msg).await {
                tracing::warn!(thread, error = %e, "could not greet the customer in their private thread");
            }
        }
        Ok(thread)
    }

    /// Registers the slash commands (bulk overwrites: a repeat is harmless): `/ticket`
    /// globally, so that it also exists in DMs; the staff commands for the guild.
    async fn register_commands(&self) {
        let cfg = self.cfg();
        let http = self.discord.sender.http();
        // `commands` puts `/ticket` first.
        let mut global = commands(cfg, &self.discord.descriptions);
        let guild = global.split_off(1);
        if let Err(e) = serenity::all::Command::set_global_commands(&http, global).await {
            tracing::warn!(error = %e, "could not register /ticket (typing a message still works)");
        }
        if cfg.guild_id != 0
            && let Err(e) = GuildId::new(cfg.guild_id).set_commands(&http, guild).await
        {
            tracing::warn!(error = %e, "could not register the staff commands (typed commands still work)");
        }
    }

    /// A guild member's roles and nick, for messages fetched over REST (which carry none).
    async fn member_of(
        &self,
        user: u64,
        cache: &mut HashMap<u64, Option<PartialMember>>,
    ) -> Option<PartialMember> {
        if let Some(m) = cache.get(&user) {
            return m.clone();
        }
        let guild = self.cfg().guild_id;
        let m = match self
            .discord
            .sender
            .http()
            .get_member(GuildId::new(guild), UserId::new(user))
            .await
        {
            Ok(m) => serde_json::from_value(serde_json::json!({
                "roles": m.roles, "nick": m.nick, "deaf": false, "mute": false,
            }))
            .ok(),
            Err(_) => None,
        };
        cache.insert(user, m.clone());
        m
    }

    /// Catches up on what was written while the bot was away (see the module docs).
    async fn catch_up(self: &Arc<Self>) {
        let cfg = self.cfg().clone();
        let store = self.discord.sender.store().clone();
        let last = |ch: u64| {
            store
                .channel_state(&keys::last_seen(ch))
                .ok()
                .flatten()
                .and_then(|s| s.parse::<u64>().ok())
        };
        // Channel -> (after which message, known to be in the guild).
        let mut targets: HashMap<u64, (u64, bool)> = HashMap::new();
        let mut add = |ch: u64, from: u64, guild: bool| {
            let e = targets.entry(ch).or_insert((from, guild));
            e.0 = e.0.min(from);
            e.1 |= guild;
        };
        for status in [
            TicketStatus::SelfService,
            TicketStatus::Queued,
            TicketStatus::Claimed,
        ] {
            let tickets = match store.tickets(Some(status)) {
                Ok(t) => t,
                Err(e) => {
                    tracing::warn!(error = %e, "cannot list tickets to catch up on");
                    return;
                }
            };
            for t in tickets {
                let fallback = parse::snowflake_at(Timestamp(t.updated_at.0 - 60_000));
                if t.chat.platform == Platform::Discord
                    && let Ok(ch) = t.chat.id.parse::<u64>()
                {
                    add(ch, last(ch).unwrap_or(fallback), false);
                }
                if cfg.staff_on_discord()
                    && let Ok(Some(s)) = store.channel_state(&keys::ticket_thread(t.id))
                    && let Some((th, _)) = send::parse_thread_state(&s)
                {
                    add(th, last(th).unwrap_or(fallback), true);
                }
            }
        }
        if cfg.support_channel_id != 0
            && let Some(l) = last(cfg.support_channel_id)
        {
            add(cfg.support_channel_id, l, true);
        }
        let http = self.discord.sender.http();
        let bot = self.bot_id.load(Ordering::Relaxed);
        let mut members = HashMap::new();
        let mut total = 0usize;
        let limit = cfg.catch_up_limit.clamp(1, 100);
        for (ch, (after, guild)) in targets {
            // A customer's chat is a DM or their private thread: ask which. A channel that
            // cannot be looked up is skipped (taking a staff thread for a DM would turn
            // agents' messages into a customer's).
            let dm = if guild {
                false
            } else {
                match self.info(ch).await {
                    Some(i) => i.dm,
                    None => {
                        tracing::warn!(
                            channel = ch,
                            "cannot tell what a conversation is; not catching up on it"
                        );
                        continue;
                    }
                }
            };
            // Page by page, oldest first, until a short page (at most 50 pages).
            let mut after = after.max(1);
            for _ in 0..50 {
                let page = ChannelId::new(ch)
                    .messages(
                        &http,
                        GetMessages::new().after(MessageId::new(after)).limit(limit),
                    )
                    .await;
                let mut page = match page {
                    Ok(p) => p,
                    Err(e) => {
                        tracing::warn!(channel = ch, error = %e, "could not catch up on a conversation");
                        break;
                    }
                };
                // Discord answers newest first.
                page.sort_by_key(|m| m.id.get());
                let full = page.len() >= usize::from(limit);
                if let Some(newest) = page.last() {
                    after = newest.id.get();
                }
                for mut m in page {
                    if m.author.id.get() == bot || m.author.bot {
                        continue;
                    }
                    if !dm {
                        // History carries neither the guild nor the author's roles.
                        m.guild_id = Some(GuildId::new(cfg.guild_id));
                        if m.member.is_none() && cfg.guild_id != 0 {
                            m.member = self
                                .member_of(m.author.id.get(), &mut members)
                                .await
                                .map(Box::new);
                        }
                    }
                    total += 1;
                    self.enqueue(ch, Job::Message(Box::new(m)));
                }
                if !full {
                    break;
                }
            }
        }
        if total > 0 {
            tracing::info!(
                messages = total,
                "caught up on messages written while the bot was away"
            );
        }
    }
}

/// Points customer updates at `thread` (the customer's private thread).
fn move_to(inbound: &mut [Inbound], thread: u64) {
    for i in inbound {
        if let Place::Customer { chat } = &mut i.place {
            *chat = ChatId::new(Platform::Discord, thread.to_string());
        }
    }
}

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
    ) -> Result<(), String> {
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
        let http = crate::http_for(&self.cfg, &self.token);
        let mut client = ClientBuilder::new_with_http(http, intents(&self.cfg))
            .event_handler(Handler(shared.clone()))
            .await
            .map_err(|e| format!("cannot start the Discord client: {e}"))?;
        // serenity asks for the gateway's address once and, if that one request fails,
        // silently falls back to Discord's public address: with another `api_url` (a test
        // server) that would never connect. Ask again, a few times, and use the answer.
        for attempt in 0..5 {
            match client.http.get_gateway().await {
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
        // One client (and in production one rate limiter) for everything.
        self.sender.set_http(client.http.clone());
        let shards = client.shard_manager.clone();
        let mut task = tokio::spawn(async move { client.start().await });
        tokio::select! {
            r = &mut task => match r {
                Ok(Ok(())) => Ok(()),
                Ok(Err(e)) => Err(format!("the Discord gateway connection ended: {e}; check DISCORD_TOKEN and the intents enabled in the Developer Portal (Message Content)")),
                Err(e) => Err(format!("the Discord client failed: {e}")),
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
        let dm_only = crate::DiscordConfig::default();
        assert_eq!(
            intents(&dm_only),
            GatewayIntents::GUILDS | GatewayIntents::DIRECT_MESSAGES
        );
        let staff = crate::DiscordConfig {
            staff_channel_id: 5,
            ..Default::default()
        };
        assert!(
            intents(&staff)
                .contains(GatewayIntents::MESSAGE_CONTENT | GatewayIntents::GUILD_MESSAGES)
        );
    }

    #[test]
    fn commands_cover_the_desks_staff_commands() {
        let staff = crate::DiscordConfig {
            staff_channel_id: 5,
            ..Default::default()
        };
        assert_eq!(commands(&staff, &default_descriptions()).len(), 11);
        assert_eq!(
            commands(&crate::DiscordConfig::default(), &default_descriptions()).len(),
            1
        );
    }
}
