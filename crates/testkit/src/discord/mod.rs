//! A fake Discord (REST API v10 and gateway) for tests.
//!
//! [`FakeDiscord::start`] serves on `127.0.0.1:<random port>` so that the
//! real serenity 0.12 client can be pointed at it:
//!
//! ```text
//! let http = HttpBuilder::new(TOKEN).proxy(fake.url()).ratelimiter_disabled(true).build();
//! let client = ClientBuilder::new_with_http(http, intents).event_handler(handler).await?;
//! ```
//!
//! serenity builds every REST URL as `https://discord.com/api/v10/...` and,
//! when a proxy is set *and its rate limiter is disabled*, replaces
//! `https://discord.com` by the proxy; with the rate limiter on, requests
//! go to discord.com whatever the proxy says (and `Client::builder(token,
//! ..)` makes an `Http` without a proxy). `GET /gateway` (what `Client`
//! asks at start; not `/gateway/bot`) answers `ws://127.0.0.1:PORT/gateway`,
//! and the shard connects to that URL plus `?v=10`. If that first request
//! fails, serenity silently falls back to `wss://gateway.discord.gg`, so do
//! not inject a fault before the client has started.
//!
//! The test plays Discord's users: registers them ([`FakeDiscord::user`],
//! [`FakeDiscord::member`]), makes them write in DMs, channels and threads,
//! run slash commands and press buttons (each becomes a gateway dispatch),
//! and checks what the bot sent ([`FakeDiscord::sent`]), how it answered
//! interactions, which threads it opened and what it asked the gateway for.
//!
//! Parts (each imports only from those listed before it; this file, the
//! test-side handle [`FakeDiscord`], imports from all of them):
//! - `types`: the fixed ids, the config, and the records and faults tests
//!   use (re-exported here);
//! - `session`: the gateway's part of the state (connections, the session);
//! - `state`: users, members, roles, channels, threads, messages,
//!   interactions, commands and the record of what the bot did;
//! - `json`: Discord's object shapes (what serenity's models deserialize);
//! - `rest`: the REST routes with Discord's validation and error codes;
//! - `gateway`: the websocket protocol (HELLO, IDENTIFY/READY, heartbeats,
//!   RESUME with replay, INVALID_SESSION, intents);
//! - `events`: what the test's users do, as gateway dispatches;
//! - `body`: JSON and multipart (`payload_json` + `files[N]`) bodies;
//! - `server`: the axum router, token check, faults and call records.
//!
//! Discord behaviour the fake reproduces because adapters trip over it:
//! - the bot's own messages come back as `MESSAGE_CREATE` (author = the
//!   bot), edits as `MESSAGE_UPDATE` ([`FakeDiscord::set_echo_bot_messages`]);
//! - guild messages arrive with empty `content` unless the bot identified
//!   with the MESSAGE_CONTENT intent (DMs, mentions of the bot and the bot's
//!   own messages keep it); events whose intent is missing are not sent;
//! - an interaction must be answered within 3 s (10062 "Unknown
//!   interaction" after that) and only once (40060); followups and
//!   `@original` edits need an answer first;
//! - `GET /channels/{id}/messages` lists newest first, also with `after`;
//! - a forum post's first message has the thread's id, a thread started
//!   from a message has that message's id;
//! - a message to an archived thread reopens it (`THREAD_UPDATE`), unless
//!   it is locked (50083);
//! - dispatches made while the bot is disconnected are replayed on RESUME;
//!   a session invalidated with op 9, closed by the client with 1000/1001 or
//!   left without a connection longer than the resume window
//!   ([`FakeDiscord::set_resume_window`]) loses what it had not delivered, and
//!   what is dispatched until the next READY is lost
//!   ([`FakeDiscord::dropped_events`]).
//!
//! Where the fake is knowingly simpler than Discord: one guild, one shard,
//! no permissions beyond "the bot may do everything", no rate limits unless
//! a test injects a 429 with [`FakeDiscord::fail_next`], and events
//! dispatched before the bot's first IDENTIFY are delivered after its
//! READY (Discord would drop them) so that tests need not race the client.
//!
//! Test-side helpers panic with a message naming what is missing when a
//! test misuses them (unknown channel or message): that is a bug in the
//! test, not a situation the bot could meet.

mod body;
mod events;
mod gateway;
mod json;
mod rest;
mod server;
mod session;
mod state;
mod types;

use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use tokio::net::TcpListener;

use session::Outgoing;
use state::{FaultRule, Shared};
use types::buttons;
pub use types::{
    APPLICATION_ID, BOT_ID, BOT_NAME, Call, DiscordConfig, DiscordFault, DiscordUser, GUILD_ID,
    Identify, IncomingMessage, InteractionRef, InteractionResponse, OWNER_ID, RateLimits, Reaction,
    RegisteredCommand, RouteLimit, STAFF_CHANNEL_ID, STAFF_FORUM_ID, STAFF_ROLE_ID,
    SUPPORT_CHANNEL_ID, Sent, TOKEN, Thread, Via,
};

/// Gateway intents (the bits serenity's `GatewayIntents` sends).
pub mod intents {
    /// `GUILDS`: guild, channel and thread events.
    pub const GUILDS: u64 = super::gateway::INTENT_GUILDS;
    /// `GUILD_MESSAGES`: messages in guild channels and threads.
    pub const GUILD_MESSAGES: u64 = super::gateway::INTENT_GUILD_MESSAGES;
    /// `GUILD_MESSAGE_REACTIONS`.
    pub const GUILD_MESSAGE_REACTIONS: u64 = super::gateway::INTENT_GUILD_MESSAGE_REACTIONS;
    /// `DIRECT_MESSAGES`: messages in DMs.
    pub const DIRECT_MESSAGES: u64 = super::gateway::INTENT_DIRECT_MESSAGES;
    /// `MESSAGE_CONTENT` (privileged): content of guild messages.
    pub const MESSAGE_CONTENT: u64 = super::gateway::INTENT_MESSAGE_CONTENT;
}

/// A fake Discord server. Cheap to clone: clones share one state.
#[derive(Clone)]
pub struct FakeDiscord {
    shared: Arc<Shared>,
}

impl FakeDiscord {
    /// Binds `127.0.0.1:0` and serves REST and the gateway on tasks of the
    /// current tokio runtime, with [`DiscordConfig::default`].
    pub async fn start() -> FakeDiscord {
        FakeDiscord::start_with(DiscordConfig::default()).await
    }

    /// Like [`Self::start`] with another guild layout or timing.
    pub async fn start_with(config: DiscordConfig) -> FakeDiscord {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("the fake Discord server needs a free port on 127.0.0.1");
        let addr = listener
            .local_addr()
            .expect("a bound TCP listener has a local address");
        let shared = Arc::new(Shared::new(addr, config));
        tokio::spawn(server::serve(listener, shared.clone()));
        FakeDiscord { shared }
    }

    /// `http://127.0.0.1:PORT`: the value for serenity's
    /// `HttpBuilder::proxy` (REST is served under `/api/v10`).
    pub fn url(&self) -> String {
        format!("http://{}", self.shared.addr)
    }

    /// `ws://127.0.0.1:PORT/gateway`, what `GET /gateway` answers.
    pub fn gateway_url(&self) -> String {
        format!("ws://{}/gateway", self.shared.addr)
    }

    /// The bot token the fake accepts.
    pub fn token(&self) -> &'static str {
        TOKEN
    }

    /// The configuration it started with.
    pub fn config(&self) -> DiscordConfig {
        self.shared.read(|st| st.config.clone())
    }

    /// The guild id.
    pub fn guild_id(&self) -> u64 {
        self.shared.read(|st| st.config.guild_id)
    }

    /// The staff role id.
    pub fn staff_role_id(&self) -> u64 {
        self.shared.read(|st| st.config.staff_role_id)
    }

    /// The public support channel id.
    pub fn support_channel_id(&self) -> u64 {
        self.shared.read(|st| st.config.support_channel_id)
    }

    /// The staff text channel id.
    pub fn staff_channel_id(&self) -> u64 {
        self.shared.read(|st| st.config.staff_channel_id)
    }

    /// The staff forum channel id.
    pub fn staff_forum_id(&self) -> u64 {
        self.shared.read(|st| st.config.staff_forum_id)
    }

    // ----- people --------------------------------------------------------

    /// Registers a user (not a guild member; see [`Self::member`]).
    pub fn user(&self, id: u64, name: &str) -> DiscordUser {
        self.add_user(DiscordUser::new(id, name))
    }

    /// Registers a user built with [`DiscordUser::new`].
    pub fn add_user(&self, user: DiscordUser) -> DiscordUser {
        assert!(
            user.id != BOT_ID,
            "user id {BOT_ID} is the bot's; pick another"
        );
        self.shared.mutate(|st| st.ensure_user(&user));
        user
    }

    /// Makes `user` a guild member with exactly these roles (replacing any
    /// roles they had). Registers the user if needed.
    pub fn member(&self, user: &DiscordUser, roles: &[u64]) {
        self.shared.mutate(|st| {
            for r in roles {
                assert!(
                    st.roles.iter().any(|role| role.id == *r),
                    "role {r} does not exist; use staff_role_id() or add_role()"
                );
            }
            st.ensure_user(user);
            let joined_at = st
                .members
                .get(&user.id)
                .map_or_else(state::timestamp_now, |m| m.joined_at.clone());
            st.members.insert(
                user.id,
                state::MemberRec {
                    roles: roles.to_vec(),
                    nick: None,
                    joined_at,
                },
            );
        });
    }

    /// Adds a guild role; returns its id.
    pub fn add_role(&self, name: &str) -> u64 {
        self.shared.mutate(|st| {
            let id = st.next_id();
            let position = u16::try_from(st.roles.len()).unwrap_or(u16::MAX);
            st.roles.push(state::RoleRec {
                id,
                name: name.to_owned(),
                permissions: 0,
                position,
            });
            id
        })
    }

    /// Removes `user` from the guild (`GET member` then answers 10007).
    pub fn remove_member(&self, user: &DiscordUser) {
        self.shared.mutate(|st| st.members.remove(&user.id));
    }

    /// Whether `user` refuses DMs from the bot: sends to their DM channel
    /// then get 403 / 50007 "Cannot send messages to this user".
    pub fn close_dms(&self, user: &DiscordUser, closed: bool) {
        self.shared.mutate(|st| {
            if closed {
                st.closed_dms.insert(user.id);
            } else {
                st.closed_dms.remove(&user.id);
            }
        });
    }

    /// The DM channel between the bot and `user` (created on first use; the
    /// same id `POST /users/@me/channels` answers).
    pub fn dm_channel(&self, user: &DiscordUser) -> u64 {
        self.shared.mutate(|st| {
            st.ensure_user(user);
            st.dm_channel(user.id)
        })
    }

    // ----- what users do (gateway dispatches) ----------------------------

    /// `user` writes `content` to the bot in DMs (`MESSAGE_CREATE`).
    /// Returns the message id.
    pub fn dm(&self, from: &DiscordUser, content: &str) -> u64 {
        self.dm_message(from, IncomingMessage::text(content))
    }

    /// `user` sends a DM with attachments, mentions or a reply.
    pub fn dm_message(&self, from: &DiscordUser, msg: IncomingMessage) -> u64 {
        self.shared.mutate(|st| {
            st.ensure_user(from);
            let channel = st.dm_channel(from.id);
            st.user_message(channel, from, msg, true)
        })
    }

    /// `from` writes `content` in a guild channel or thread (with `guild_id`
    /// and `member`; a non-member joins the guild first).
    pub fn say(&self, channel_id: u64, from: &DiscordUser, content: &str) -> u64 {
        self.channel_message(channel_id, from, IncomingMessage::text(content))
    }

    /// `from` posts a message in any channel (DM channel, guild channel or
    /// thread).
    pub fn channel_message(
        &self,
        channel_id: u64,
        from: &DiscordUser,
        msg: IncomingMessage,
    ) -> u64 {
        self.shared
            .mutate(|st| st.user_message(channel_id, from, msg, true))
    }

    /// Adds a message to a channel's history *without* dispatching it, as if
    /// it arrived while the bot was offline: only
    /// `GET /channels/{id}/messages` shows it. Use
    /// [`Self::dm_channel`] for a DM.
    pub fn backfill(&self, channel_id: u64, from: &DiscordUser, msg: IncomingMessage) -> u64 {
        self.shared
            .mutate(|st| st.user_message(channel_id, from, msg, false))
    }

    /// The author edits their message (`MESSAGE_UPDATE`).
    pub fn edit(&self, message_id: u64, new_content: &str) {
        self.shared
            .mutate(|st| st.user_edit(message_id, new_content));
    }

    /// `owner` creates a thread in `parent` (`THREAD_CREATE`); returns its id.
    pub fn user_thread(
        &self,
        parent_id: u64,
        owner: &DiscordUser,
        name: &str,
        private: bool,
    ) -> u64 {
        self.shared
            .mutate(|st| st.user_thread(parent_id, owner, name, private))
    }

    /// A moderator archives (or unarchives) a thread (`THREAD_UPDATE`).
    pub fn set_thread_archived(&self, thread_id: u64, archived: bool, locked: bool) {
        self.shared
            .mutate(|st| st.moderate_thread(thread_id, archived, locked));
    }

    /// `from` runs slash command `name` in `channel_id` (a guild channel,
    /// thread or DM channel): `INTERACTION_CREATE` of type 2. Options are
    /// `(name, value)`; a string value has type 3, an integer 4, a boolean
    /// 5, a float 10; pass `{"type": n, "value": v}` for other types.
    pub fn slash(
        &self,
        from: &DiscordUser,
        channel_id: u64,
        name: &str,
        options: &[(&str, Value)],
    ) -> InteractionRef {
        self.shared
            .mutate(|st| st.slash(from, channel_id, name, options))
    }

    /// `from` presses the button `custom_id` on message `message_id`:
    /// `INTERACTION_CREATE` of type 3.
    pub fn press(&self, from: &DiscordUser, message_id: u64, custom_id: &str) -> InteractionRef {
        self.shared
            .mutate(|st| st.component(from, message_id, custom_id, None))
    }

    /// Presses the button labelled `label` (panics if the message has none).
    pub fn press_button(&self, from: &DiscordUser, message_id: u64, label: &str) -> InteractionRef {
        let found = self.shared.read(|st| {
            let components = st
                .messages
                .get(&message_id)
                .map(|m| m.json["components"].clone())
                .unwrap_or(Value::Null);
            buttons(&components)
        });
        let Some((_, Some(custom_id))) = found.iter().find(|(l, _)| l == label) else {
            panic!(
                "press_button: message {message_id} has no button {label:?}; buttons: {found:?}"
            );
        };
        self.press(from, message_id, custom_id)
    }

    /// `from` picks `values` in the string select `custom_id`.
    pub fn select(
        &self,
        from: &DiscordUser,
        message_id: u64,
        custom_id: &str,
        values: &[&str],
    ) -> InteractionRef {
        let values: Vec<String> = values.iter().map(|v| (*v).to_owned()).collect();
        self.shared
            .mutate(|st| st.component(from, message_id, custom_id, Some(values)))
    }

    /// Dispatches any event (`t`, `d`) to the bot.
    pub fn dispatch_raw(&self, t: &str, d: Value) {
        self.shared.mutate(|st| st.dispatch(t, d));
    }

    // ----- gateway control -----------------------------------------------

    /// Closes the bot's websocket with code 4000 ("Unknown error", which
    /// clients answer with RESUME). False if no connection was live.
    pub fn disconnect_gateway(&self) -> bool {
        self.close_gateway(4000)
    }

    /// Closes the bot's websocket with `code` (4004 makes serenity give up,
    /// 4007/4009 make it re-IDENTIFY, most others RESUME).
    pub fn close_gateway(&self, code: u16) -> bool {
        self.shared
            .mutate(|st| st.hang_up(Outgoing::Close(code, "fake discord closed the connection")))
    }

    /// Ends the bot's TCP connection without a close frame (a network
    /// failure for the client).
    pub fn drop_gateway(&self) -> bool {
        self.shared.mutate(|st| st.hang_up(Outgoing::Drop))
    }

    /// The next RESUME gets op 9 INVALID_SESSION (`d: false`) and the
    /// session is forgotten, so the client must IDENTIFY again (serenity
    /// waits up to 5 s between IDENTIFYs of a shard).
    pub fn invalidate_session_next(&self) {
        self.shared
            .mutate(|st| st.gateway.invalidate_next_resume = true);
    }

    /// Sends op 9 INVALID_SESSION now. False if no connection was live.
    pub fn invalid_session_now(&self, resumable: bool) -> bool {
        self.shared.mutate(|st| {
            if !resumable {
                st.gateway.session = None;
            }
            st.send_op(9, Value::Bool(resumable))
        })
    }

    /// How long a session without a connection stays resumable (Discord does
    /// not document the window; the fake keeps sessions for ever by default).
    pub fn set_resume_window(&self, window: Duration) {
        self.shared
            .mutate(|st| st.gateway.resume_window = Some(window));
    }

    /// Events dispatched while no session existed (after the first one), which
    /// Discord does not keep: the bot never received them.
    pub fn dropped_events(&self) -> Vec<String> {
        self.shared.read(|st| st.gateway.dropped.clone())
    }

    /// Sends op 7 RECONNECT (the client reconnects and RESUMEs).
    pub fn request_reconnect(&self) -> bool {
        self.shared.mutate(|st| st.send_op(7, Value::Null))
    }

    /// Whether a connection carries a session now.
    pub fn gateway_connected(&self) -> bool {
        self.shared.read(|st| st.gateway.live.is_some())
    }

    /// Waits until a connection carries a session (after READY or RESUMED
    /// was sent); false after `timeout`.
    pub async fn wait_connected(&self, timeout: Duration) -> bool {
        self.wait_until(timeout, FakeDiscord::gateway_connected)
            .await
    }

    /// Every IDENTIFY, in order.
    pub fn identifies(&self) -> Vec<Identify> {
        self.shared.read(|st| st.gateway.identifies.clone())
    }

    /// How many RESUMEs were accepted.
    pub fn resumes(&self) -> usize {
        self.shared
            .read(|st| st.gateway.resumes.iter().filter(|r| r.accepted).count())
    }

    /// How many RESUMEs were refused with INVALID_SESSION (or a bad token).
    pub fn rejected_resumes(&self) -> usize {
        self.shared
            .read(|st| st.gateway.resumes.iter().filter(|r| !r.accepted).count())
    }

    /// How many websocket connections were opened.
    pub fn gateway_connections(&self) -> usize {
        self.shared.read(|st| st.gateway.connections)
    }

    /// The query string of each websocket connection (serenity: `v=10`).
    pub fn gateway_queries(&self) -> Vec<String> {
        self.shared.read(|st| st.gateway.queries.clone())
    }

    /// Heartbeats (op 1) received.
    pub fn heartbeats(&self) -> usize {
        self.shared.read(|st| st.gateway.heartbeats)
    }

    /// Events not sent because the session's intents did not cover them.
    pub fn withheld_events(&self) -> Vec<String> {
        self.shared.read(|st| st.gateway.withheld.clone())
    }

    /// The current session's last sequence number (0 without a session).
    pub fn seq(&self) -> u64 {
        self.shared
            .read(|st| st.gateway.session.as_ref().map_or(0, |s| s.seq))
    }

    // ----- observing what the bot did ------------------------------------

    /// Every message the bot sent or edited, in order.
    pub fn sent(&self) -> Vec<Sent> {
        self.shared.read(|st| st.sent.clone())
    }

    /// What the bot sent to (or edited in) one channel.
    pub fn sent_to(&self, channel_id: u64) -> Vec<Sent> {
        self.shared.read(|st| {
            st.sent
                .iter()
                .filter(|s| s.channel_id == channel_id)
                .cloned()
                .collect()
        })
    }

    /// Waits until a sent message matches `pred` (one that exists already
    /// counts) and returns the first such; `None` after `timeout`.
    pub async fn wait_sent(&self, timeout: Duration, pred: impl Fn(&Sent) -> bool) -> Option<Sent> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let mut changed = self.shared.subscribe();
            if let Some(s) = self
                .shared
                .read(|st| st.sent.iter().find(|s| pred(s)).cloned())
            {
                return Some(s);
            }
            if tokio::time::Instant::now() >= deadline {
                return None;
            }
            tokio::select! {
                _ = changed.changed() => {}
                () = tokio::time::sleep_until(deadline) => {}
            }
        }
    }

    /// Waits until `cond` holds (checked after every change); false after
    /// `timeout`.
    pub async fn wait_until(&self, timeout: Duration, cond: impl Fn(&FakeDiscord) -> bool) -> bool {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let mut changed = self.shared.subscribe();
            if cond(self) {
                return true;
            }
            if tokio::time::Instant::now() >= deadline {
                return false;
            }
            tokio::select! {
                _ = changed.changed() => {}
                () = tokio::time::sleep_until(deadline) => {}
            }
        }
    }

    /// Every HTTP request, in the order answered.
    pub fn calls(&self) -> Vec<Call> {
        self.shared.read(|st| st.calls.clone())
    }

    /// Requests no route matched. Tests assert this is empty to catch
    /// endpoints the fake (or the adapter) got wrong.
    pub fn unknown_calls(&self) -> Vec<Call> {
        self.shared
            .read(|st| st.calls.iter().filter(|c| c.unknown).cloned().collect())
    }

    /// Every accepted interaction callback, in order.
    pub fn interaction_responses(&self) -> Vec<InteractionResponse> {
        self.shared.read(|st| st.interaction_responses.clone())
    }

    /// The callback for one interaction, if any.
    pub fn interaction_response(&self, interaction_id: u64) -> Option<InteractionResponse> {
        self.shared.read(|st| {
            st.interaction_responses
                .iter()
                .find(|r| r.interaction_id == interaction_id)
                .cloned()
        })
    }

    /// Waits for the callback of one interaction; `None` after `timeout`.
    pub async fn wait_interaction_response(
        &self,
        interaction_id: u64,
        timeout: Duration,
    ) -> Option<InteractionResponse> {
        self.wait_until(timeout, |f| {
            f.interaction_response(interaction_id).is_some()
        })
        .await;
        self.interaction_response(interaction_id)
    }

    /// Every thread and forum post, by id.
    pub fn threads(&self) -> Vec<Thread> {
        self.shared.read(|st| {
            st.channels
                .values()
                .filter(|c| c.is_thread())
                .map(events::thread_view)
                .collect()
        })
    }

    /// One thread.
    pub fn thread(&self, thread_id: u64) -> Option<Thread> {
        self.shared.read(|st| {
            st.channels
                .get(&thread_id)
                .filter(|c| c.is_thread())
                .map(events::thread_view)
        })
    }

    /// The application commands registered now (guild and global).
    pub fn registered_commands(&self) -> Vec<RegisteredCommand> {
        self.shared.read(|st| st.commands.clone())
    }

    /// Any stored message as REST shows it; `None` if unknown or deleted.
    pub fn message(&self, message_id: u64) -> Option<Value> {
        self.shared
            .read(|st| st.messages.get(&message_id).map(|m| m.json.clone()))
    }

    /// A channel's history, oldest first (ephemeral replies excluded).
    pub fn history(&self, channel_id: u64) -> Vec<Value> {
        self.shared.read(|st| {
            st.history(channel_id)
                .into_iter()
                .map(|m| m.json.clone())
                .collect()
        })
    }

    /// Reactions the bot added.
    pub fn reactions(&self) -> Vec<Reaction> {
        self.shared.read(|st| st.reactions.clone())
    }

    /// Channels the bot showed "typing…" in, one entry per request.
    pub fn typing(&self) -> Vec<u64> {
        self.shared.read(|st| st.typing.clone())
    }

    // ----- faults --------------------------------------------------------

    /// Queues a fault for the next REST request, whatever its route (the
    /// token is checked first). Faults are used in the order queued.
    pub fn fail_next(&self, fault: DiscordFault) {
        self.shared.mutate(|st| {
            st.faults.push_back(FaultRule {
                method: "*".into(),
                pattern: None,
                fault,
            });
        });
    }

    /// Queues a fault for the next request with this method (`*` for any)
    /// and path below `/api/v10`, where `*` matches one segment:
    /// `fail_next_on("POST", "/channels/*/messages", fault)`.
    pub fn fail_next_on(&self, method: &str, path: &str, fault: DiscordFault) {
        let pattern = path
            .split('/')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect();
        self.shared.mutate(|st| {
            st.faults.push_back(FaultRule {
                method: method.to_owned(),
                pattern: Some(pattern),
                fault,
            });
        });
    }

    /// Whether the bot's own messages come back as gateway events (on by
    /// default, as on Discord).
    pub fn set_echo_bot_messages(&self, on: bool) {
        self.shared.mutate(|st| st.echo_bot_messages = on);
    }
}
