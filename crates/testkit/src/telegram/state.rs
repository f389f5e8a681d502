//! What the fake Telegram remembers: users, chats, topics, every message,
//! the update queue, what the bot did, and the faults a test queued. All of
//! it lives behind one mutex in [`Shared`]; nothing awaits while holding it.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value, json};
use tokio::sync::watch;

use super::limits::Accepted;
use super::{Call, Fault, Media, MyCommands, Sent, TgUser, Topic};

/// The bot's user id, as `getMe` reports it.
pub(crate) const BOT_ID: i64 = 1000;
/// The bot's first name.
pub(crate) const BOT_NAME: &str = "Switchboard";
/// The bot's username.
pub(crate) const BOT_USERNAME: &str = "switchboard_test_bot";

/// State plus the change signal, shared by the server, the webhook deliverer
/// and the test-side handle.
pub(crate) struct Shared {
    state: Mutex<State>,
    changed: watch::Sender<u64>,
    pub(crate) token: String,
    pub(crate) addr: SocketAddr,
}

impl Shared {
    pub(crate) fn new(token: String, addr: SocketAddr) -> Shared {
        Shared {
            state: Mutex::new(State::default()),
            changed: watch::channel(0).0,
            token,
            addr,
        }
    }

    /// Locks the state. A panic in a test helper poisons the mutex; the state
    /// itself stays usable, so poisoning is ignored.
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs `f` on the state and wakes everyone waiting for a change.
    pub(crate) fn mutate<R>(&self, f: impl FnOnce(&mut State) -> R) -> R {
        let r = f(&mut self.lock());
        self.changed.send_modify(|v| *v = v.wrapping_add(1));
        r
    }

    /// Runs `f` on the state without signalling a change.
    pub(crate) fn read<R>(&self, f: impl FnOnce(&State) -> R) -> R {
        f(&self.lock())
    }

    /// A receiver that fires on the next change after this call.
    pub(crate) fn subscribe(&self) -> watch::Receiver<u64> {
        self.changed.subscribe()
    }
}

/// A chat the fake knows.
#[derive(Debug, Clone)]
pub(crate) struct Chat {
    pub kind: ChatKind,
    pub next_message_id: i32,
    /// Private chats: the user has written to the bot at least once.
    pub started: bool,
    /// Private chats: the user blocked the bot.
    pub blocked: bool,
    pub topics: BTreeMap<i32, Topic>,
}

#[derive(Debug, Clone)]
pub(crate) enum ChatKind {
    Private { user_id: i64 },
    Supergroup { title: String, forum: bool },
}

/// One stored message (the bot's, a user's, or a service message).
#[derive(Debug, Clone)]
pub(crate) struct Msg {
    /// The Bot API `Message` object without `reply_to_message`.
    pub json: Value,
    /// Forum topic the message is in.
    pub thread: Option<i32>,
    /// The message shown as `reply_to_message`: the explicit reply, or the
    /// topic's creation message for messages in a topic (Telegram does this).
    pub reply_root: Option<i32>,
    pub from_bot: bool,
    pub service: bool,
}

/// A file the fake issued an id for.
#[derive(Debug, Clone)]
pub(crate) struct FileRec {
    pub media: Media,
    /// The value of the message field (`photo` is the whole size array).
    pub json: Value,
}

/// The webhook set by `setWebhook`.
#[derive(Debug, Clone)]
pub(crate) struct Webhook {
    pub url: String,
    pub secret: Option<String>,
}

/// Everything the fake remembers.
pub(crate) struct State {
    pub users: HashMap<i64, TgUser>,
    pub chats: HashMap<i64, Chat>,
    pub messages: HashMap<(i64, i32), Msg>,
    pub files: HashMap<String, FileRec>,
    pub next_file: u64,
    pub next_update_id: i64,
    pub updates: VecDeque<Value>,
    /// Update types to create; empty means all.
    pub allowed_updates: Vec<String>,
    pub callbacks: HashMap<String, bool>,
    pub next_callback: u64,
    pub answered: Vec<(String, Option<String>)>,
    pub sent: Vec<Sent>,
    pub sent_index: HashMap<(i64, i32), usize>,
    pub edits: Vec<Sent>,
    pub calls: Vec<Call>,
    pub faults: VecDeque<(String, Fault)>,
    pub rate_limits: bool,
    pub accepted: Vec<Accepted>,
    pub limit_violations: usize,
    pub webhook: Option<Webhook>,
    pub webhook_statuses: Vec<u16>,
    pub webhook_errors: usize,
    pub webhook_retry_delay: Duration,
    pub poll_generation: u64,
    pub commands: Vec<MyCommands>,
}

impl Default for State {
    fn default() -> Self {
        State {
            users: HashMap::new(),
            chats: HashMap::new(),
            messages: HashMap::new(),
            files: HashMap::new(),
            next_file: 1,
            next_update_id: 1,
            updates: VecDeque::new(),
            allowed_updates: Vec::new(),
            callbacks: HashMap::new(),
            next_callback: 1,
            answered: Vec::new(),
            sent: Vec::new(),
            sent_index: HashMap::new(),
            edits: Vec::new(),
            calls: Vec::new(),
            faults: VecDeque::new(),
            rate_limits: false,
            accepted: Vec::new(),
            limit_violations: 0,
            webhook: None,
            webhook_statuses: Vec::new(),
            webhook_errors: 0,
            webhook_retry_delay: Duration::from_millis(100),
            poll_generation: 0,
            commands: Vec::new(),
        }
    }
}

/// Seconds since the epoch, for `date` fields.
pub(crate) fn now_unix() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(1, |d| i64::try_from(d.as_secs()).unwrap_or(1))
}

/// The bot as a Bot API `User`.
pub(crate) fn bot_user_json() -> Value {
    json!({
        "id": BOT_ID,
        "is_bot": true,
        "first_name": BOT_NAME,
        "username": BOT_USERNAME,
    })
}

/// A customer or agent as a Bot API `User`.
pub(crate) fn user_json(u: &TgUser) -> Value {
    let mut m = Map::new();
    m.insert("id".into(), json!(u.id));
    m.insert("is_bot".into(), json!(false));
    m.insert("first_name".into(), json!(u.first_name));
    if let Some(v) = &u.last_name {
        m.insert("last_name".into(), json!(v));
    }
    if let Some(v) = &u.username {
        m.insert("username".into(), json!(v));
    }
    if let Some(v) = &u.language_code {
        m.insert("language_code".into(), json!(v));
    }
    Value::Object(m)
}

impl State {
    /// Registers (or updates) a user and makes sure their private chat exists.
    pub(crate) fn ensure_user(&mut self, user: &TgUser) {
        self.users.insert(user.id, user.clone());
        self.chats.entry(user.id).or_insert_with(|| Chat {
            kind: ChatKind::Private { user_id: user.id },
            next_message_id: 1,
            started: false,
            blocked: false,
            topics: BTreeMap::new(),
        });
    }

    /// The Bot API `Chat` object.
    pub(crate) fn chat_json(&self, chat_id: i64) -> Value {
        let Some(chat) = self.chats.get(&chat_id) else {
            return json!({"id": chat_id, "type": "private"});
        };
        match &chat.kind {
            ChatKind::Private { user_id } => {
                let mut m = Map::new();
                m.insert("id".into(), json!(chat_id));
                m.insert("type".into(), json!("private"));
                if let Some(u) = self.users.get(user_id) {
                    m.insert("first_name".into(), json!(u.first_name));
                    if let Some(v) = &u.last_name {
                        m.insert("last_name".into(), json!(v));
                    }
                    if let Some(v) = &u.username {
                        m.insert("username".into(), json!(v));
                    }
                }
                Value::Object(m)
            }
            ChatKind::Supergroup { title, forum } => {
                let mut v = json!({"id": chat_id, "type": "supergroup", "title": title});
                if *forum {
                    v["is_forum"] = json!(true);
                }
                v
            }
        }
    }

    pub(crate) fn is_group(&self, chat_id: i64) -> bool {
        matches!(
            self.chats.get(&chat_id).map(|c| &c.kind),
            Some(ChatKind::Supergroup { .. })
        )
    }

    pub(crate) fn is_forum(&self, chat_id: i64) -> bool {
        matches!(
            self.chats.get(&chat_id).map(|c| &c.kind),
            Some(ChatKind::Supergroup { forum: true, .. })
        )
    }

    /// Allocates the next message id in a chat (the chat must exist; an
    /// unknown chat gets id 1 and is not remembered).
    pub(crate) fn next_message_id(&mut self, chat_id: i64) -> i32 {
        match self.chats.get_mut(&chat_id) {
            Some(chat) => {
                let id = chat.next_message_id;
                chat.next_message_id += 1;
                id
            }
            None => 1,
        }
    }

    /// The common fields of a message: id, sender, chat, date, topic.
    pub(crate) fn base_message(
        &self,
        chat_id: i64,
        message_id: i32,
        from: Value,
        thread: Option<i32>,
    ) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert("message_id".into(), json!(message_id));
        m.insert("from".into(), from);
        m.insert("chat".into(), self.chat_json(chat_id));
        m.insert("date".into(), json!(now_unix()));
        if let Some(t) = thread {
            m.insert("message_thread_id".into(), json!(t));
            m.insert("is_topic_message".into(), json!(true));
        }
        m
    }

    /// A message as the Bot API shows it, `reply_to_message` included.
    pub(crate) fn render(&self, chat_id: i64, message_id: i32) -> Option<Value> {
        let msg = self.messages.get(&(chat_id, message_id))?;
        let mut json = msg.json.clone();
        if let Some(root) = msg.reply_root
            && let Some(target) = self.messages.get(&(chat_id, root))
        {
            json["reply_to_message"] = target.json.clone();
        }
        Some(json)
    }

    /// Queues an update of `kind` (`message`, `callback_query`, ...), unless
    /// the bot's `allowed_updates` excludes it. Returns the update id (0 if
    /// filtered out).
    pub(crate) fn push_update(&mut self, kind: &str, payload: Value) -> i64 {
        let mut update = Map::new();
        update.insert(kind.to_owned(), payload);
        self.push_raw_update(Value::Object(update))
    }

    /// Queues a complete update object, assigning its `update_id`.
    pub(crate) fn push_raw_update(&mut self, mut update: Value) -> i64 {
        if let Some(obj) = update.as_object_mut() {
            obj.remove("update_id");
            let kind = obj.keys().next().cloned().unwrap_or_default();
            if !self.allowed_updates.is_empty() && !self.allowed_updates.contains(&kind) {
                return 0;
            }
        }
        let id = self.next_update_id;
        self.next_update_id += 1;
        update["update_id"] = json!(id);
        self.updates.push_back(update);
        id
    }

    /// Issues a file id (and its siblings for photo sizes) for new media.
    /// Returns the message field value and the file id a bot would use.
    pub(crate) fn new_file(&mut self, media: Media, name: Option<&str>) -> (Value, String) {
        let n = self.next_file;
        self.next_file += 1;
        let id = format!("{}fake{n}", media.file_id_prefix());
        let unique = format!("AQADfake{n}");
        let json = match media {
            Media::Photo => json!([
                {"file_id": format!("{id}_s"), "file_unique_id": format!("{unique}_s"),
                 "width": 90, "height": 51, "file_size": 1280},
                {"file_id": id, "file_unique_id": unique,
                 "width": 1280, "height": 720, "file_size": 86_000},
            ]),
            Media::Document => json!({
                "file_id": id, "file_unique_id": unique,
                "file_name": name.unwrap_or("document.pdf"),
                "mime_type": "application/pdf", "file_size": 52_000,
            }),
            Media::Voice => json!({
                "file_id": id, "file_unique_id": unique,
                "duration": 3, "mime_type": "audio/ogg", "file_size": 9_000,
            }),
            Media::Video => json!({
                "file_id": id, "file_unique_id": unique,
                "width": 640, "height": 360, "duration": 5,
                "file_name": name.unwrap_or("video.mp4"),
                "mime_type": "video/mp4", "file_size": 420_000,
            }),
            Media::Sticker => json!({
                "file_id": id, "file_unique_id": unique, "type": "regular",
                "width": 512, "height": 512, "is_animated": false, "is_video": false,
                "emoji": "\u{1f44d}", "file_size": 24_000,
            }),
        };
        let rec = FileRec {
            media,
            json: json.clone(),
        };
        if media == Media::Photo {
            self.files.insert(format!("{id}_s"), rec.clone());
        }
        self.files.insert(id.clone(), rec);
        (json, id)
    }

    /// Stores a message the bot sent and records it in `sent`.
    pub(crate) fn record_sent(&mut self, sent: Sent) {
        self.sent_index
            .insert((sent.chat_id, sent.message_id), self.sent.len());
        self.sent.push(sent);
    }

    /// Updates the `sent` entry of an edited bot message and logs the edit.
    pub(crate) fn record_edit(&mut self, chat_id: i64, message_id: i32, f: impl FnOnce(&mut Sent)) {
        if let Some(&i) = self.sent_index.get(&(chat_id, message_id))
            && let Some(s) = self.sent.get_mut(i)
        {
            f(s);
            s.edited = true;
            let mut snapshot = s.clone();
            snapshot.at = std::time::Instant::now();
            self.edits.push(snapshot);
        }
    }
}
