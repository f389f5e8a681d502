//! A fake Telegram Bot API server for tests.
//!
//! [`FakeTelegram::start`] serves the Bot API on `127.0.0.1:<random port>`
//! so that a real teloxide `Bot` can be pointed at it with
//! `Bot::new(fake.token()).set_api_url(fake.url().parse()?)`. The test then
//! plays the Telegram side: it registers users and groups, makes customers
//! write, send media and press buttons (each becomes an update the bot gets
//! via `getUpdates` or its webhook), and checks what the bot sent.
//!
//! Parts:
//! - `state`: users, chats, topics, messages, the update queue, the record
//!   of what the bot did;
//! - `api`: the Bot API methods with Telegram's validation and error texts;
//! - `html`: Telegram's HTML parse mode (plain text, entities, errors);
//! - `limits`: Telegram's flood limits (a 429 limiter and an audit);
//! - `params`: JSON, multipart and urlencoded request bodies;
//! - `server`: the HTTP server, faults, `getUpdates` long polling and
//!   webhook delivery.
//!
//! Answers follow the Bot API: `{"ok":true,"result":...}` with 200, or
//! `{"ok":false,"error_code":N,"description":...}` with status N. The fake
//! never answers 5xx unless a test injects it with [`Fault::ServerError`]
//! (teloxide sleeps 10 s after a 5xx).
//!
//! Where the fake is knowingly stricter or simpler than Telegram:
//! - a bare `&` in HTML that does not start `&lt;`, `&gt;`, `&amp;`,
//!   `&quot;` or a numeric entity is a parse error (Telegram keeps it);
//! - Markdown parse modes are refused with 400;
//! - a private chat accepts at most one message per 1000 ms when rate
//!   limits are on (Telegram tolerates short bursts);
//! - webhooks may be plain `http://` on any port;
//! - only the methods listed in `api` exist; others answer 404 and are
//!   recorded in [`FakeTelegram::calls`].
//!
//! The test-side helpers (`private_text`, `press`, `close_topic`, ...)
//! panic with a message naming what is missing when a test misuses them
//! (unknown chat, message or topic): that is a bug in the test, not a
//! situation the bot could meet.
//!
//! Telegram behaviour the fake reproduces because adapters trip over it:
//! texts and captions are trimmed of surrounding whitespace; editing a text
//! without `reply_markup` removes the inline keyboard; a message in a forum
//! topic that replies to nothing carries the topic's creation message as
//! `reply_to_message`; a topic's id is the id of that service message.

mod api;
mod html;
mod limits;
mod params;
mod server;
mod state;

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Map, Value, json};
use tokio::net::TcpListener;

pub use limits::{LimitRule, RateViolation};

use state::{Chat, ChatKind, Msg, Shared, State};

/// The token [`FakeTelegram::start`] accepts; any other gets 401.
pub const TOKEN: &str = "123456:TEST-TOKEN";
/// The bot's user id.
pub const BOT_ID: i64 = state::BOT_ID;
/// The bot's username (without `@`).
pub const BOT_USERNAME: &str = state::BOT_USERNAME;
/// The user id of the group admin who closes or deletes topics "by hand"
/// ([`FakeTelegram::close_topic`]).
pub const ADMIN_ID: i64 = 777;

/// A fake Telegram Bot API server. Cheap to clone: clones share one state.
#[derive(Clone)]
pub struct FakeTelegram {
    shared: Arc<Shared>,
}

/// A Telegram user the test plays (a customer or an agent).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TgUser {
    /// User id; also the id of their private chat with the bot.
    pub id: i64,
    /// First name.
    pub first_name: String,
    /// Last name, if any.
    pub last_name: Option<String>,
    /// Username without `@`, if any.
    pub username: Option<String>,
    /// IETF language tag of the user's client, which bots use to pick a
    /// language.
    pub language_code: Option<String>,
}

impl TgUser {
    /// A user with only an id and a first name; register it with
    /// [`FakeTelegram::add_user`].
    pub fn new(id: i64, first_name: &str) -> TgUser {
        TgUser {
            id,
            first_name: first_name.to_owned(),
            last_name: None,
            username: None,
            language_code: None,
        }
    }

    /// Sets the username (without `@`).
    #[must_use]
    pub fn with_username(mut self, username: &str) -> TgUser {
        self.username = Some(username.to_owned());
        self
    }

    /// Sets the last name.
    #[must_use]
    pub fn with_last_name(mut self, last_name: &str) -> TgUser {
        self.last_name = Some(last_name.to_owned());
        self
    }

    /// Sets the client language.
    #[must_use]
    pub fn with_language(mut self, language_code: &str) -> TgUser {
        self.language_code = Some(language_code.to_owned());
        self
    }
}

/// Kinds of media a customer can send and the bot can send back by file id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Media {
    /// `photo` (an array of sizes; the file id is the largest size's).
    Photo,
    /// `document`.
    Document,
    /// `voice`.
    Voice,
    /// `video`.
    Video,
    /// `sticker` (no caption).
    Sticker,
}

/// How [`FakeTelegram::malformed_text`] breaks an update: faults injected in front of the
/// platform (a proxy or an emulator that does not follow the Bot API), which a bot must
/// survive without blocking the updates behind it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Malformed {
    /// The message has no `chat` field (the Bot API says it always has one).
    ChatMissing,
    /// The message's `chat` is a string instead of a Chat object.
    ChatWrongType,
    /// The `update_id` is a string holding the number instead of an Integer.
    IdAsString,
}

impl Media {
    const ALL: [Media; 5] = [
        Media::Photo,
        Media::Document,
        Media::Voice,
        Media::Video,
        Media::Sticker,
    ];

    /// The message field and the send method's parameter name.
    pub fn field(self) -> &'static str {
        match self {
            Media::Photo => "photo",
            Media::Document => "document",
            Media::Voice => "voice",
            Media::Video => "video",
            Media::Sticker => "sticker",
        }
    }

    fn file_id_prefix(self) -> &'static str {
        match self {
            Media::Photo => "AgACAgIAAx",
            Media::Document => "BQACAgIAAx",
            Media::Voice => "AwACAgIAAx",
            Media::Video => "BAACAgIAAx",
            Media::Sticker => "CAACAgIAAx",
        }
    }
}

/// A message the bot sent or copied, as it is now (after any edits).
#[derive(Debug, Clone)]
pub struct Sent {
    /// The chat it went to.
    pub chat_id: i64,
    /// Its message id in that chat.
    pub message_id: i32,
    /// The forum topic it is in.
    pub thread_id: Option<i32>,
    /// The text as the customer sees it (HTML parsed, trimmed), or the
    /// caption for media ("" when none).
    pub text: String,
    /// The text or caption exactly as the bot sent it.
    pub raw_text: String,
    /// The `parse_mode` the bot used.
    pub parse_mode: Option<String>,
    /// `(label, callback_data)` of every callback button, row by row.
    pub buttons: Vec<(String, String)>,
    /// The inline keyboard as sent (also holds URL buttons).
    pub reply_markup: Option<Value>,
    /// The message it explicitly replies to.
    pub reply_to: Option<i32>,
    /// The media and the file id sent.
    pub media: Option<(Media, String)>,
    /// For `copyMessage`: the `(chat_id, message_id)` copied.
    pub copy_of: Option<(i64, i32)>,
    /// When the fake accepted it.
    pub at: Instant,
    /// Whether it was edited since (see [`FakeTelegram::edits`]).
    pub edited: bool,
}

/// One request the bot made.
#[derive(Debug, Clone)]
pub struct Call {
    /// The method name as called (e.g. `sendMessage`), or the path for a
    /// request that did not match `/bot<token>/<method>`.
    pub method: String,
    /// The parameters. From multipart and urlencoded bodies every value is a
    /// string (nested objects are JSON text); an uploaded file shows as
    /// `{"uploaded_file": name, "size": n}`.
    pub params: Value,
    /// The HTTP status answered; 0 when the connection was dropped.
    pub status: u16,
    /// When the request arrived.
    pub at: Instant,
}

/// A forum topic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Topic {
    /// `message_thread_id` (the id of the topic's creation message).
    pub thread_id: i32,
    /// Current name.
    pub name: String,
    /// Icon color as RGB integer.
    pub icon_color: u32,
    /// Closed topics refuse messages with `TOPIC_CLOSED`.
    pub closed: bool,
    /// Deleted topics refuse messages with "message thread not found".
    pub deleted: bool,
}

/// One `setMyCommands` call's result (per scope and language).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MyCommands {
    /// The `scope` object (`{"type":"default"}` when none was given).
    pub scope: Value,
    /// The `language_code`, if any.
    pub language_code: Option<String>,
    /// `(command, description)` pairs.
    pub commands: Vec<(String, String)>,
}

/// A fault to inject into the next matching request
/// ([`FakeTelegram::fail_next`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// 429 with `parameters.retry_after` (teloxide: `RequestError::RetryAfter`).
    TooManyRequests {
        /// Seconds announced in `retry_after`.
        retry_after: u32,
    },
    /// 500 Internal Server Error (teloxide waits 10 s before returning it).
    ServerError,
    /// Any Bot API error, e.g. `{ code: 403, description: "Forbidden: user is deactivated" }`.
    Error {
        /// HTTP status and `error_code`.
        code: u16,
        /// `description`.
        description: String,
    },
    /// Answers normally, after this long.
    Delay(Duration),
    /// Closes the TCP connection without answering (a network error for the
    /// client). The call is recorded with status 0.
    DropConnection,
}

impl FakeTelegram {
    /// Binds `127.0.0.1:0` and serves the Bot API (and webhook delivery) on
    /// tasks of the current tokio runtime. Token: [`TOKEN`].
    pub async fn start() -> FakeTelegram {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("the fake Telegram server needs a free port on 127.0.0.1");
        let addr = listener
            .local_addr()
            .expect("a bound TCP listener has a local address");
        let shared = Arc::new(Shared::new(TOKEN.to_owned(), addr));
        tokio::spawn(server::serve(listener, shared.clone()));
        tokio::spawn(server::deliver_webhook(shared.clone()));
        FakeTelegram { shared }
    }

    /// The API base URL, `http://127.0.0.1:PORT`, for teloxide's
    /// `set_api_url`.
    pub fn url(&self) -> String {
        format!("http://{}", self.shared.addr)
    }

    /// The bot token the fake accepts.
    pub fn token(&self) -> &str {
        &self.shared.token
    }

    // ----- chats -------------------------------------------------------

    /// Registers a user (their private chat id is their user id). The bot
    /// cannot write to them until they write first ([`Self::private_text`]).
    pub fn user(&self, id: i64, first_name: &str, language_code: Option<&str>) -> TgUser {
        let mut user = TgUser::new(id, first_name);
        user.language_code = language_code.map(str::to_owned);
        self.add_user(user)
    }

    /// Registers a user built with [`TgUser::new`] (username, last name...).
    pub fn add_user(&self, user: TgUser) -> TgUser {
        assert!(user.id > 0, "user ids are positive, got {}", user.id);
        self.shared.mutate(|st| st.ensure_user(&user));
        user
    }

    /// Registers a supergroup (ids look like `-1001234567890`), with forum
    /// topics when `forum` is true. The bot is a member. Returns `id`.
    pub fn supergroup(&self, id: i64, title: &str, forum: bool) -> i64 {
        assert!(id < 0, "group ids are negative, got {id}");
        self.shared.mutate(|st| {
            let kind = ChatKind::Supergroup {
                title: title.to_owned(),
                forum,
            };
            st.chats
                .entry(id)
                .and_modify(|c| c.kind = kind.clone())
                .or_insert_with(|| Chat {
                    kind,
                    next_message_id: 1,
                    started: true,
                    blocked: false,
                    topics: Default::default(),
                });
        });
        id
    }

    /// Marks whether the user blocked the bot (sends then get 403 "bot was
    /// blocked by the user"). A user who writes to the bot unblocks it.
    pub fn block_bot(&self, user_id: i64, blocked: bool) {
        self.shared.mutate(|st| match st.chats.get_mut(&user_id) {
            Some(chat) if matches!(chat.kind, ChatKind::Private { .. }) => chat.blocked = blocked,
            _ => panic!("block_bot: user {user_id} is not registered; call user() first"),
        });
    }

    // ----- updates the platform sends to the bot -------------------------

    /// A text message from `user` in their private chat with the bot. Marks
    /// the chat as started (and unblocks the bot). Returns the message id.
    pub fn private_text(&self, user: &TgUser, text: &str) -> i32 {
        let text = text.to_owned();
        self.user_message(user.id, None, user, None, move |_, m| set_text(m, &text))
    }

    /// A text message in a supergroup, in forum topic `thread` if given,
    /// optionally replying to a message. Returns the message id.
    pub fn group_text(
        &self,
        chat_id: i64,
        thread: Option<i32>,
        from: &TgUser,
        text: &str,
        reply_to: Option<i32>,
    ) -> i32 {
        let text = text.to_owned();
        self.user_message(chat_id, thread, from, reply_to, move |_, m| {
            set_text(m, &text)
        })
    }

    /// A media message from `user` in their private chat. Returns the
    /// message id and the file id a bot can send back.
    pub fn private_media(
        &self,
        user: &TgUser,
        kind: Media,
        caption: Option<&str>,
    ) -> (i32, String) {
        self.media_message(user.id, None, user, kind, caption, None)
    }

    /// A media message in a supergroup. Returns the message id and file id.
    pub fn group_media(
        &self,
        chat_id: i64,
        thread: Option<i32>,
        from: &TgUser,
        kind: Media,
        caption: Option<&str>,
        reply_to: Option<i32>,
    ) -> (i32, String) {
        self.media_message(chat_id, thread, from, kind, caption, reply_to)
    }

    fn media_message(
        &self,
        chat_id: i64,
        thread: Option<i32>,
        from: &TgUser,
        kind: Media,
        caption: Option<&str>,
        reply_to: Option<i32>,
    ) -> (i32, String) {
        let caption = caption.map(str::to_owned);
        let mut file_id = String::new();
        let id = self.user_message(chat_id, thread, from, reply_to, |st, m| {
            let (value, id) = st.new_file(kind, None);
            m.insert(kind.field().into(), value);
            if let Some(c) = caption.filter(|_| kind != Media::Sticker) {
                m.insert("caption".into(), json!(c));
            }
            file_id = id;
        });
        (id, file_id)
    }

    fn user_message(
        &self,
        chat_id: i64,
        thread: Option<i32>,
        from: &TgUser,
        reply_to: Option<i32>,
        body: impl FnOnce(&mut State, &mut Map<String, Value>),
    ) -> i32 {
        self.shared.mutate(|st| {
            st.ensure_user(from);
            let Some(chat) = st.chats.get_mut(&chat_id) else {
                panic!("chat {chat_id} is not registered; call supergroup() first");
            };
            if let ChatKind::Private { user_id } = chat.kind {
                assert_eq!(
                    user_id, from.id,
                    "only user {user_id} writes in private chat {chat_id}"
                );
                chat.started = true;
                chat.blocked = false;
            }
            if let Some(r) = reply_to {
                assert!(
                    st.messages.contains_key(&(chat_id, r)),
                    "reply_to: message {r} does not exist in chat {chat_id}"
                );
            }
            let thread =
                thread.or_else(|| reply_to.and_then(|r| st.messages.get(&(chat_id, r))?.thread));
            if let Some(t) = thread {
                let topic = st.chats.get(&chat_id).and_then(|c| c.topics.get(&t));
                assert!(
                    topic.is_some_and(|t| !t.deleted),
                    "topic {t} does not exist (or was deleted) in chat {chat_id}"
                );
            }
            let id = st.next_message_id(chat_id);
            let mut m = st.base_message(chat_id, id, state::user_json(from), thread);
            body(st, &mut m);
            st.messages.insert(
                (chat_id, id),
                Msg {
                    json: Value::Object(m),
                    thread,
                    reply_root: reply_to.or(thread),
                    from_bot: false,
                    service: false,
                },
            );
            let rendered = st.render(chat_id, id).unwrap_or(Value::Null);
            st.push_update("message", rendered);
            id
        })
    }

    /// The user edits their text message: an `edited_message` update.
    pub fn edit_text(&self, chat_id: i64, message_id: i32, from: &TgUser, new_text: &str) {
        self.shared.mutate(|st| {
            let Some(msg) = st.messages.get_mut(&(chat_id, message_id)) else {
                panic!("edit_text: message {message_id} does not exist in chat {chat_id}");
            };
            assert_eq!(
                msg.json["from"]["id"].as_i64(),
                Some(from.id),
                "edit_text: message {message_id} was not written by user {}",
                from.id
            );
            let Some(obj) = msg.json.as_object_mut() else {
                panic!("stored messages are JSON objects");
            };
            assert!(
                obj.contains_key("text"),
                "edit_text: message {message_id} has no text"
            );
            set_text(obj, new_text);
            obj.insert("edit_date".into(), json!(state::now_unix()));
            let rendered = st.render(chat_id, message_id).unwrap_or(Value::Null);
            st.push_update("edited_message", rendered);
        });
    }

    /// The user presses a callback button with `data` on the bot's message:
    /// a `callback_query` update. Returns the callback query id.
    pub fn press(&self, from: &TgUser, chat_id: i64, message_id: i32, data: &str) -> String {
        self.shared.mutate(|st| {
            st.ensure_user(from);
            match st.messages.get(&(chat_id, message_id)) {
                Some(m) if m.from_bot && !m.service => {}
                _ => panic!("press: chat {chat_id} has no bot message {message_id}"),
            }
            let id = format!("{}", 4_200_000_000_000_000_000u64 + st.next_callback);
            st.next_callback += 1;
            st.callbacks.insert(id.clone(), false);
            let message = st.render(chat_id, message_id).unwrap_or(Value::Null);
            st.push_update(
                "callback_query",
                json!({
                    "id": id,
                    "from": state::user_json(from),
                    "message": message,
                    "chat_instance": format!("{}", chat_id.unsigned_abs() ^ 0x5bd1_e995),
                    "data": data,
                }),
            );
            id
        })
    }

    /// Presses the callback button labelled `label` (panics if the message
    /// has no such button). Returns the callback query id.
    pub fn press_button(
        &self,
        from: &TgUser,
        chat_id: i64,
        message_id: i32,
        label: &str,
    ) -> String {
        let buttons = self.shared.read(|st| {
            let markup = st
                .messages
                .get(&(chat_id, message_id))
                .and_then(|m| m.json.get("reply_markup").cloned());
            api::buttons(markup.as_ref())
        });
        let Some((_, data)) = buttons.iter().find(|(l, _)| l == label) else {
            panic!(
                "press_button: message {message_id} in chat {chat_id} has no button {label:?}; buttons: {buttons:?}"
            );
        };
        self.press(from, chat_id, message_id, data)
    }

    /// A group admin closes a topic by hand: the bot gets the
    /// `forum_topic_closed` service message as an update.
    pub fn close_topic(&self, chat_id: i64, thread: i32) {
        self.admin_topic_event(chat_id, thread, true);
    }

    /// A group admin reopens a topic by hand (`forum_topic_reopened` update).
    pub fn reopen_topic(&self, chat_id: i64, thread: i32) {
        self.admin_topic_event(chat_id, thread, false);
    }

    fn admin_topic_event(&self, chat_id: i64, thread: i32, closed: bool) {
        self.shared.mutate(|st| {
            let Some(topic) = st
                .chats
                .get_mut(&chat_id)
                .and_then(|c| c.topics.get_mut(&thread))
            else {
                panic!("topic {thread} does not exist in chat {chat_id}");
            };
            topic.closed = closed;
            let field = if closed {
                "forum_topic_closed"
            } else {
                "forum_topic_reopened"
            };
            let admin = state::user_json(&TgUser::new(ADMIN_ID, "Admin"));
            let id = api::service_message(st, chat_id, thread, admin, field, json!({}), None);
            let rendered = st.render(chat_id, id).unwrap_or(Value::Null);
            st.push_update("message", rendered);
        });
    }

    /// A group admin deletes a topic by hand: it and its messages are gone
    /// (Telegram sends no update for this).
    pub fn delete_topic(&self, chat_id: i64, thread: i32) {
        self.shared.mutate(|st| {
            assert!(
                st.chats
                    .get(&chat_id)
                    .is_some_and(|c| c.topics.contains_key(&thread)),
                "topic {thread} does not exist in chat {chat_id}"
            );
            api::delete_topic(st, chat_id, thread);
        });
    }

    /// A private text message from `user` broken as `how` says, queued as an update
    /// (it is not kept as a message of the chat). Returns its update id.
    pub fn malformed_text(&self, user: &TgUser, text: &str, how: Malformed) -> i64 {
        self.shared.mutate(|st| {
            st.ensure_user(user);
            let id = st.next_message_id(user.id);
            let mut m = st.base_message(user.id, id, state::user_json(user), None);
            set_text(&mut m, text);
            match how {
                Malformed::ChatMissing => {
                    m.remove("chat");
                }
                Malformed::ChatWrongType => {
                    m.insert("chat".into(), json!(text));
                }
                Malformed::IdAsString => {}
            }
            let update_id = st.push_update("message", Value::Object(m));
            if how == Malformed::IdAsString
                && let Some(u) = st.updates.back_mut()
            {
                u["update_id"] = json!(update_id.to_string());
            }
            update_id
        })
    }

    /// Queues any update object; its `update_id` is assigned (and returned).
    pub fn raw_update(&self, update: Value) -> i64 {
        self.shared.mutate(|st| st.push_raw_update(update))
    }

    // ----- observing what the bot did ------------------------------------

    /// Every message the bot sent or copied (media included), in order.
    pub fn sent(&self) -> Vec<Sent> {
        self.shared.read(|st| st.sent.clone())
    }

    /// The messages the bot sent to one chat.
    pub fn sent_to(&self, chat_id: i64) -> Vec<Sent> {
        self.shared.read(|st| {
            st.sent
                .iter()
                .filter(|s| s.chat_id == chat_id)
                .cloned()
                .collect()
        })
    }

    /// Every successful edit, as a snapshot of the message after it
    /// (`at` is the time of the edit).
    pub fn edits(&self) -> Vec<Sent> {
        self.shared.read(|st| st.edits.clone())
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
    pub async fn wait_until(
        &self,
        timeout: Duration,
        cond: impl Fn(&FakeTelegram) -> bool,
    ) -> bool {
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

    /// Every request the bot made, in the order they were answered.
    pub fn calls(&self) -> Vec<Call> {
        self.shared.read(|st| st.calls.clone())
    }

    /// The requests to one method (case-insensitive).
    pub fn calls_to(&self, method: &str) -> Vec<Call> {
        self.shared.read(|st| {
            st.calls
                .iter()
                .filter(|c| c.method.eq_ignore_ascii_case(method))
                .cloned()
                .collect()
        })
    }

    /// `(callback_query_id, text)` of every accepted answerCallbackQuery.
    pub fn answered_callbacks(&self) -> Vec<(String, Option<String>)> {
        self.shared.read(|st| st.answered.clone())
    }

    /// The forum topics of a chat, deleted ones included, by thread id.
    pub fn topics(&self, chat_id: i64) -> Vec<Topic> {
        self.shared.read(|st| {
            st.chats
                .get(&chat_id)
                .map(|c| c.topics.values().cloned().collect())
                .unwrap_or_default()
        })
    }

    /// Any stored message as the Bot API shows it (customers' messages,
    /// the bot's, service messages); `None` if unknown or deleted.
    pub fn message(&self, chat_id: i64, message_id: i32) -> Option<Value> {
        self.shared.read(|st| st.render(chat_id, message_id))
    }

    /// Updates not yet confirmed by a `getUpdates` offset (or not yet
    /// accepted by the webhook).
    pub fn pending_updates(&self) -> usize {
        self.shared.read(|st| st.updates.len())
    }

    /// How many `getUpdates` requests have reached the fake, answered or
    /// still waiting ([`FakeTelegram::calls`] lists a request only once it
    /// is answered): a test waits on it for a long poll to be in place.
    pub fn polls_started(&self) -> u64 {
        self.shared.read(|st| st.poll_generation)
    }

    /// HTTP statuses the webhook answered, in order (retries included).
    pub fn webhook_statuses(&self) -> Vec<u16> {
        self.shared.read(|st| st.webhook_statuses.clone())
    }

    /// Webhook deliveries that failed without an HTTP answer (connection
    /// refused, timeout).
    pub fn webhook_errors(&self) -> usize {
        self.shared.read(|st| st.webhook_errors)
    }

    /// The commands set with setMyCommands, per scope and language.
    pub fn my_commands(&self) -> Vec<MyCommands> {
        self.shared.read(|st| st.commands.clone())
    }

    // ----- faults and limits ---------------------------------------------

    /// Queues a fault for the next request to `method` (case-insensitive;
    /// `"*"` matches any method, getUpdates included). Faults are consumed
    /// in the order queued, one per matching request, after the token check.
    pub fn fail_next(&self, method: &str, fault: Fault) {
        let method = method.to_ascii_lowercase();
        self.shared
            .mutate(|st| st.faults.push_back((method, fault)));
    }

    /// Switches Telegram's flood limits on or off (off by default). When on,
    /// a send over a limit gets 429 "Too Many Requests: retry after N".
    pub fn set_rate_limits(&self, on: bool) {
        self.shared.mutate(|st| st.rate_limits = on);
    }

    /// How many sends the limiter answered with 429.
    pub fn limit_violations(&self) -> usize {
        self.shared.read(|st| st.limit_violations)
    }

    /// Checks every accepted send (whether the limiter was on or not)
    /// against Telegram's limits; empty means the bot paced itself.
    pub fn audit_rate_limits(&self) -> Vec<RateViolation> {
        self.shared.read(|st| limits::audit(&st.accepted))
    }

    /// Delay before retrying a webhook delivery that failed (default 100 ms).
    pub fn set_webhook_retry_delay(&self, delay: Duration) {
        self.shared.mutate(|st| st.webhook_retry_delay = delay);
    }
}

/// Sets `text`, with a `bot_command` entity when it starts with a command,
/// as Telegram does for incoming messages.
fn set_text(m: &mut Map<String, Value>, text: &str) {
    m.insert("text".into(), json!(text));
    m.remove("entities");
    if let Some(first) = text.split_whitespace().next()
        && text.starts_with('/')
        && first.len() > 1
    {
        m.insert(
            "entities".into(),
            json!([{"type": "bot_command", "offset": 0, "length": html::utf16_len(first)}]),
        );
    }
}
