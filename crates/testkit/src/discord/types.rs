//! The fake's vocabulary, shared by every part and by the tests: the fixed ids and the
//! token, the starting layout ([`DiscordConfig`]), the users a test plays
//! ([`DiscordUser`]), what they write ([`IncomingMessage`]), and the records the test
//! reads back ([`Sent`], [`Call`], [`Thread`], interaction answers, gateway identifies,
//! registered commands, reactions) and the faults it injects ([`DiscordFault`]).
//!
//! The lowest file of the fake: it imports nothing from the others.

use std::time::{Duration, Instant};

use serde_json::Value;

/// The bot token the fake accepts (serenity sends it as `Bot <TOKEN>`).
pub const TOKEN: &str = "ODAwMDAwMDAwMDAwMDAwMDAx.fake.discord-test-token";
/// The bot's user id.
pub const BOT_ID: u64 = 800_000_000_000_000_001;
/// The application id (equal to the bot's user id, as for real bots).
pub const APPLICATION_ID: u64 = BOT_ID;
/// The bot's username.
pub const BOT_NAME: &str = "Switchboard";
/// The guild owner (a registered member with no roles).
pub const OWNER_ID: u64 = 800_000_000_000_000_009;
/// The default guild id (also the id of its `@everyone` role).
pub const GUILD_ID: u64 = 810_000_000_000_000_001;
/// The default staff role.
pub const STAFF_ROLE_ID: u64 = 810_000_000_000_000_002;
/// The default public support text channel.
pub const SUPPORT_CHANNEL_ID: u64 = 810_000_000_000_000_003;
/// The default staff text channel.
pub const STAFF_CHANNEL_ID: u64 = 810_000_000_000_000_004;
/// The default staff forum channel.
pub const STAFF_FORUM_ID: u64 = 810_000_000_000_000_005;

/// The guild and timing the fake starts with. `Default` gives the fixed
/// ids above, a 1 s heartbeat and Discord's 3 s interaction deadline.
#[derive(Debug, Clone)]
pub struct DiscordConfig {
    /// The guild's id.
    pub guild_id: u64,
    /// The guild's name.
    pub guild_name: String,
    /// The role that marks staff members.
    pub staff_role_id: u64,
    /// A public text channel customers write in.
    pub support_channel_id: u64,
    /// A text channel for staff.
    pub staff_channel_id: u64,
    /// A forum channel for staff (one post per ticket).
    pub staff_forum_id: u64,
    /// `heartbeat_interval` in HELLO (Discord: about 41 s).
    pub heartbeat_interval: Duration,
    /// How long an interaction may wait for its callback.
    pub interaction_deadline: Duration,
    /// Whether the bot's own messages come back over the gateway.
    pub echo_bot_messages: bool,
    /// The rate limits applied to REST requests.
    pub rate_limits: RateLimits,
}

/// One route's limit: `requests` per window of `per`, the window opening with its first
/// request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RouteLimit {
    /// Requests per window.
    pub requests: u32,
    /// The window.
    pub per: Duration,
}

/// The rate limits the fake applies, as Discord documents them: a bucket per route and
/// top-level resource (channel, guild, webhook), `X-RateLimit-*` headers on every answer,
/// a 429 with `retry_after` beyond a bucket or the global limit. The default is loose
/// enough for tests about other things (50 a second per bucket); [`RateLimits::DISCORD`]
/// has Discord's 5 message creates per 5 s per channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimits {
    /// `POST /channels/{id}/messages`, per channel.
    pub message_create: RouteLimit,
    /// Every other route, per bucket.
    pub other_routes: RouteLimit,
    /// Requests per second across routes (interaction callbacks and webhooks are
    /// exempt); Discord: 50. 0: no global limit.
    pub global_per_second: u32,
}

impl RateLimits {
    /// Discord's numbers: 5 message creates per 5 s per channel, 50 requests a second.
    pub const DISCORD: RateLimits = RateLimits {
        message_create: RouteLimit {
            requests: 5,
            per: Duration::from_secs(5),
        },
        other_routes: RouteLimit {
            requests: 50,
            per: Duration::from_secs(1),
        },
        global_per_second: 50,
    };
}

impl Default for RateLimits {
    fn default() -> RateLimits {
        RateLimits {
            message_create: RouteLimit {
                requests: 50,
                per: Duration::from_secs(1),
            },
            ..RateLimits::DISCORD
        }
    }
}

impl Default for DiscordConfig {
    fn default() -> DiscordConfig {
        DiscordConfig {
            guild_id: GUILD_ID,
            guild_name: "Switchboard Test Guild".into(),
            staff_role_id: STAFF_ROLE_ID,
            support_channel_id: SUPPORT_CHANNEL_ID,
            staff_channel_id: STAFF_CHANNEL_ID,
            staff_forum_id: STAFF_FORUM_ID,
            heartbeat_interval: Duration::from_millis(1000),
            interaction_deadline: Duration::from_secs(3),
            echo_bot_messages: true,
            rate_limits: RateLimits::default(),
        }
    }
}

/// A Discord user the test plays (a customer or an agent).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiscordUser {
    /// User id.
    pub id: u64,
    /// Username.
    pub name: String,
    /// Display name, if any.
    pub global_name: Option<String>,
    /// The client's locale, sent with interactions (`en-US` by default).
    pub locale: String,
    /// Whether the account is a bot.
    pub bot: bool,
}

impl DiscordUser {
    /// A user with an id and a username; register it with
    /// [`FakeDiscord::add_user`](super::FakeDiscord::add_user) (or use [`FakeDiscord::user`](super::FakeDiscord::user)).
    pub fn new(id: u64, name: &str) -> DiscordUser {
        DiscordUser {
            id,
            name: name.to_owned(),
            global_name: None,
            locale: "en-US".into(),
            bot: false,
        }
    }

    /// Sets the display name.
    #[must_use]
    pub fn with_global_name(mut self, name: &str) -> DiscordUser {
        self.global_name = Some(name.to_owned());
        self
    }

    /// Sets the client locale (e.g. `zh-CN`).
    #[must_use]
    pub fn with_locale(mut self, locale: &str) -> DiscordUser {
        self.locale = locale.to_owned();
        self
    }

    /// Marks the account as a bot.
    #[must_use]
    pub fn as_bot(mut self) -> DiscordUser {
        self.bot = true;
        self
    }
}

/// A message a test user writes: text plus optional attachments, mentions
/// and a reply.
#[derive(Debug, Clone, Default)]
pub struct IncomingMessage {
    /// The text.
    pub content: String,
    /// `(filename, content type, bytes)`; the fake serves the bytes at the
    /// attachment's `url`.
    pub attachments: Vec<(String, String, Vec<u8>)>,
    /// Users mentioned (add `<@id>` to the content yourself if it matters).
    pub mentions: Vec<u64>,
    /// Roles mentioned.
    pub mention_roles: Vec<u64>,
    /// The message this one replies to.
    pub reply_to: Option<u64>,
}

impl IncomingMessage {
    /// A text message.
    pub fn text(content: &str) -> IncomingMessage {
        IncomingMessage {
            content: content.to_owned(),
            ..IncomingMessage::default()
        }
    }

    /// Adds an attachment.
    #[must_use]
    pub fn attachment(mut self, filename: &str, content_type: &str, bytes: &[u8]) -> Self {
        self.attachments
            .push((filename.to_owned(), content_type.to_owned(), bytes.to_vec()));
        self
    }

    /// Adds a user mention (`mentions`); the content is not changed.
    #[must_use]
    pub fn mention(mut self, user_id: u64) -> Self {
        self.mentions.push(user_id);
        self
    }

    /// Adds a role mention (`mention_roles`).
    #[must_use]
    pub fn mention_role(mut self, role_id: u64) -> Self {
        self.mention_roles.push(role_id);
        self
    }

    /// Makes the message a reply to `message_id`.
    #[must_use]
    pub fn reply_to(mut self, message_id: u64) -> Self {
        self.reply_to = Some(message_id);
        self
    }
}

/// How a recorded message reached Discord.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// `POST`/`PATCH /channels/{id}/messages`.
    Rest,
    /// The first message of a forum post (`POST /channels/{forum}/threads`).
    ForumPost,
    /// An interaction callback of type 4 (new message) or 7 (update).
    InteractionResponse {
        /// The interaction answered.
        interaction_id: u64,
    },
    /// `PATCH /webhooks/{app}/{token}/messages/@original`.
    OriginalResponse {
        /// The interaction whose reply was edited.
        interaction_id: u64,
    },
    /// A followup message (`POST /webhooks/{app}/{token}`) or its edit.
    Followup {
        /// The interaction followed up.
        interaction_id: u64,
    },
}

/// A message the bot sent or edited, as it was right after.
#[derive(Debug, Clone)]
pub struct Sent {
    /// The channel (or thread, or DM channel).
    pub channel_id: u64,
    /// The message id.
    pub message_id: u64,
    /// The text.
    pub content: String,
    /// `embeds` as stored (an array).
    pub embeds: Value,
    /// `components` as stored (an array of action rows).
    pub components: Value,
    /// `allowed_mentions` of the request, if given.
    pub allowed_mentions: Option<Value>,
    /// `message_reference` of the request, if given.
    pub message_reference: Option<Value>,
    /// Attachment filenames.
    pub attachments: Vec<String>,
    /// Users the message pings (content and `allowed_mentions` applied).
    pub mentions: Vec<u64>,
    /// Roles the message pings.
    pub mention_roles: Vec<u64>,
    /// Message flags (64 = ephemeral).
    pub flags: u64,
    /// Whether this record is an edit of an earlier message.
    pub edit: bool,
    /// The route.
    pub via: Via,
    /// The request payload (for multipart, `payload_json`).
    pub request: Value,
    /// When the fake accepted it.
    pub at: Instant,
}

impl Sent {
    /// Whether only the interacting user sees it.
    pub fn ephemeral(&self) -> bool {
        self.flags & 64 != 0
    }

    /// `custom_id` of every component, row by row.
    pub fn custom_ids(&self) -> Vec<String> {
        buttons(&self.components)
            .into_iter()
            .filter_map(|(_, id)| id)
            .collect()
    }

    /// `(label, custom_id)` of every button, row by row.
    pub fn buttons(&self) -> Vec<(String, Option<String>)> {
        buttons(&self.components)
    }
}

/// `(label, custom_id)` of every button in message `components`, row by row.
pub(crate) fn buttons(components: &Value) -> Vec<(String, Option<String>)> {
    components
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|row| row.get("components").and_then(Value::as_array))
        .flatten()
        .map(|c| {
            (
                c.get("label")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_owned(),
                c.get("custom_id")
                    .and_then(Value::as_str)
                    .map(str::to_owned),
            )
        })
        .collect()
}

/// One HTTP request the bot made.
#[derive(Debug, Clone)]
pub struct Call {
    /// `GET`, `POST`, ...
    pub method: String,
    /// The path below `/api/v10` (the full path for other requests).
    pub path: String,
    /// The query string, if any.
    pub query: Option<String>,
    /// The JSON body (multipart: `payload_json`, files under `_files`).
    pub body: Value,
    /// The status answered.
    pub status: u16,
    /// Whether no route matched (answered 404 "404: Not Found").
    pub unknown: bool,
    /// When it arrived.
    pub at: Instant,
}

/// A thread (or forum post) as it is now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Thread {
    /// Thread id.
    pub id: u64,
    /// The channel or forum it belongs to.
    pub parent_id: u64,
    /// Current name.
    pub name: String,
    /// 11 public (and forum posts), 12 private.
    pub kind: u8,
    /// Who created it.
    pub owner_id: u64,
    /// Member user ids (the creator first).
    pub members: Vec<u64>,
    /// Archived ("closed").
    pub archived: bool,
    /// Locked (only moderators may unarchive).
    pub locked: bool,
    /// Forum posts and threads from a message: the starter message.
    pub starter_message: Option<u64>,
    /// Forum tags applied.
    pub applied_tags: Vec<Value>,
}

/// An interaction the test dispatched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InteractionRef {
    /// Interaction id.
    pub id: u64,
    /// Its token (for followups).
    pub token: String,
    /// Where it happened.
    pub channel_id: u64,
}

/// The bot's answer to an interaction.
#[derive(Debug, Clone)]
pub struct InteractionResponse {
    /// The interaction.
    pub interaction_id: u64,
    /// Callback type: 4 message, 5 deferred message, 6 deferred update,
    /// 7 update message, 9 modal.
    pub kind: u8,
    /// The callback's `data` (`Null` when absent).
    pub data: Value,
    /// Time from the dispatch to the callback.
    pub delay: Duration,
    /// When it arrived.
    pub at: Instant,
}

/// An IDENTIFY the bot sent (the token is not kept).
#[derive(Debug, Clone)]
pub struct Identify {
    /// The intents bit set (see [`intents`](super::intents)).
    pub intents: u64,
    /// `[shard_id, shard_count]`.
    pub shard: Option<(u32, u32)>,
    /// Payload compression asked for (serenity asks; the fake sends plain
    /// text frames, which serenity reads too).
    pub compress: bool,
    /// `large_threshold`.
    pub large_threshold: Option<u64>,
    /// Whether the token was right.
    pub token_ok: bool,
    /// The whole `d` object, token redacted.
    pub raw: Value,
    /// When it arrived.
    pub at: Instant,
}

/// A reaction the bot added.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reaction {
    /// Channel.
    pub channel_id: u64,
    /// Message.
    pub message_id: u64,
    /// The emoji (unicode, or `name:id`).
    pub emoji: String,
}

/// An application command the bot registered.
#[derive(Debug, Clone, PartialEq)]
pub struct RegisteredCommand {
    /// Command id (kept across re-registration of the same name).
    pub id: u64,
    /// The guild, or `None` for a global command.
    pub guild_id: Option<u64>,
    /// Name.
    pub name: String,
    /// 1 slash command, 2 user, 3 message.
    pub kind: u8,
    /// Description.
    pub description: String,
    /// `options` as sent.
    pub options: Value,
    /// The command object as sent.
    pub raw: Value,
}

/// A fault to inject into the next matching REST request
/// ([`FakeDiscord::fail_next`](super::FakeDiscord::fail_next)).
#[derive(Debug, Clone, PartialEq)]
pub enum DiscordFault {
    /// 429 `{"message": "You are being rate limited.", "retry_after": x,
    /// "global": false}` with `Retry-After` and `X-RateLimit-*` headers; the
    /// request's bucket then stays limited for that long, as on Discord.
    RateLimited {
        /// Seconds announced.
        retry_after_secs: f64,
    },
    /// The same with `"global": true` (`X-RateLimit-Global`, scope `global`):
    /// every request bound by the global limit is refused for that long.
    GlobalRateLimited {
        /// Seconds announced.
        retry_after_secs: f64,
    },
    /// 500 `{"message": "500: Internal Server Error", "code": 0}`.
    ServerError,
    /// 502 `{"message": "502: Bad Gateway", "code": 0}`.
    BadGateway,
    /// Any Discord error, e.g. 403 / 50013 "Missing Permissions".
    Error {
        /// HTTP status.
        status: u16,
        /// Discord's JSON error code.
        code: u32,
        /// `message`.
        message: String,
    },
    /// Answers normally, after this long.
    Delay(Duration),
}
