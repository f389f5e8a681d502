//! The Bot API methods the fake implements, each a function of the state and
//! the request parameters. Validation and error texts follow Telegram;
//! where this file is stricter or simpler than Telegram, it says so.
//! `getUpdates` waits, so it lives in the server module.

use std::time::Instant;

use serde_json::{Value, json};

use super::html::{self, Formatted};
use super::limits::{self, Accepted};
use super::params::{self, Params};
use super::state::{self, ChatKind, Msg, State, Webhook};
use super::{Media, MyCommands, Sent, Topic};

/// The answer to one request.
#[derive(Debug, Clone)]
pub(crate) enum Reply {
    /// `{"ok":true,"result":...}`
    Ok(Value),
    /// `{"ok":false,"error_code":code,"description":...}`
    Err {
        code: u16,
        description: String,
        retry_after: Option<u32>,
    },
}

impl Reply {
    pub(crate) fn status(&self) -> u16 {
        match self {
            Reply::Ok(_) => 200,
            Reply::Err { code, .. } => *code,
        }
    }

    /// The response body.
    pub(crate) fn body(&self) -> Value {
        match self {
            Reply::Ok(result) => json!({"ok": true, "result": result}),
            Reply::Err {
                code,
                description,
                retry_after,
            } => {
                let mut v = json!({"ok": false, "error_code": code, "description": description});
                if let Some(s) = retry_after {
                    v["parameters"] = json!({"retry_after": s});
                }
                v
            }
        }
    }

    pub(crate) fn error(code: u16, description: impl Into<String>) -> Reply {
        Reply::Err {
            code,
            description: description.into(),
            retry_after: None,
        }
    }

    pub(crate) fn too_many(retry_after: u32) -> Reply {
        Reply::Err {
            code: 429,
            description: format!("Too Many Requests: retry after {retry_after}"),
            retry_after: Some(retry_after),
        }
    }
}

fn bad(what: &str) -> Reply {
    Reply::error(400, format!("Bad Request: {what}"))
}

fn forbidden(what: &str) -> Reply {
    Reply::error(403, format!("Forbidden: {what}"))
}

type Res<T> = Result<T, Reply>;

/// Telegram's exact text for an edit that changes nothing.
const NOT_MODIFIED: &str = "message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message";

/// Answers one non-waiting method. `method` is lower case.
pub(crate) fn dispatch(st: &mut State, method: &str, p: &Params) -> Reply {
    let result = match method {
        "getme" => Ok(get_me()),
        "sendmessage" => send_message(st, p),
        "sendphoto" => send_media(st, p, Media::Photo),
        "senddocument" => send_media(st, p, Media::Document),
        "sendvoice" => send_media(st, p, Media::Voice),
        "sendvideo" => send_media(st, p, Media::Video),
        "sendsticker" => send_media(st, p, Media::Sticker),
        "copymessage" => copy_message(st, p),
        "editmessagetext" => edit_message_text(st, p),
        "editmessagereplymarkup" => edit_message_reply_markup(st, p),
        "answercallbackquery" => answer_callback_query(st, p),
        "createforumtopic" => create_forum_topic(st, p),
        "editforumtopic" => edit_forum_topic(st, p),
        "closeforumtopic" => set_topic_closed(st, p, true),
        "reopenforumtopic" => set_topic_closed(st, p, false),
        "deleteforumtopic" => delete_forum_topic(st, p),
        "getchat" => get_chat(st, p),
        "setmycommands" => set_my_commands(st, p),
        "setwebhook" => set_webhook(st, p),
        "deletewebhook" => delete_webhook(st, p),
        "getwebhookinfo" => Ok(get_webhook_info(st)),
        _ => Err(Reply::error(404, "Not Found")),
    };
    match result {
        Ok(v) => Reply::Ok(v),
        Err(e) => e,
    }
}

fn get_me() -> Value {
    let mut me = state::bot_user_json();
    me["can_join_groups"] = json!(true);
    me["can_read_all_group_messages"] = json!(false);
    me["supports_inline_queries"] = json!(false);
    me["can_connect_to_business"] = json!(false);
    me["has_main_web_app"] = json!(false);
    me
}

/// `chat_id`, which must name a known chat.
fn chat_id(st: &State, p: &Params, key: &str) -> Res<i64> {
    if params::string(p, key).is_none_or(|s| s.is_empty()) {
        return Err(bad(&format!("{key} is empty")));
    }
    match params::int(p, key) {
        Some(id) if st.chats.contains_key(&id) => Ok(id),
        _ => Err(bad("chat not found")),
    }
}

/// The bot may write to this chat: private chats need a user who started
/// the bot and did not block it.
fn can_write(st: &State, chat_id: i64) -> Res<()> {
    match st.chats.get(&chat_id) {
        Some(chat) if matches!(chat.kind, ChatKind::Private { .. }) => {
            if chat.blocked {
                Err(forbidden("bot was blocked by the user"))
            } else if !chat.started {
                Err(forbidden("bot can't initiate conversation with a user"))
            } else {
                Ok(())
            }
        }
        Some(_) => Ok(()),
        None => Err(bad("chat not found")),
    }
}

/// Where a new message goes: the chat, the forum topic, the replied message.
struct Target {
    chat_id: i64,
    thread: Option<i32>,
    reply_to: Option<i32>,
}

fn target(st: &State, p: &Params) -> Res<Target> {
    let chat_id = chat_id(st, p, "chat_id")?;
    can_write(st, chat_id)?;
    let (reply_id, allow_missing) = match params::object(p, "reply_parameters") {
        Some(rp) => (
            rp.get("message_id")
                .and_then(Value::as_i64)
                .and_then(|v| i32::try_from(v).ok()),
            rp.get("allow_sending_without_reply")
                .and_then(Value::as_bool)
                .unwrap_or(false),
        ),
        None => (
            params::int32(p, "reply_to_message_id"),
            params::boolean(p, "allow_sending_without_reply"),
        ),
    };
    let reply_to = match reply_id {
        Some(id) => match st.messages.get(&(chat_id, id)) {
            Some(_) => Some(id),
            None if allow_missing => None,
            None => return Err(bad("message to be replied not found")),
        },
        None => None,
    };
    // A reply without a thread goes to the replied message's topic.
    let thread = params::int32(p, "message_thread_id")
        .or_else(|| reply_to.and_then(|r| st.messages.get(&(chat_id, r))?.thread));
    if let Some(t) = thread {
        if !st.is_forum(chat_id) {
            return Err(bad("message thread not found"));
        }
        let topic = st.chats.get(&chat_id).and_then(|c| c.topics.get(&t));
        match topic {
            None => return Err(bad("message thread not found")),
            Some(topic) if topic.deleted => return Err(bad("message thread not found")),
            Some(topic) if topic.closed => return Err(bad("TOPIC_CLOSED")),
            Some(_) => {}
        }
    }
    Ok(Target {
        chat_id,
        thread,
        reply_to,
    })
}

/// Parses `text` (or a caption) under `parse_mode`, trimmed like Telegram.
fn format(raw: &str, parse_mode: Option<&str>) -> Res<Formatted> {
    let formatted = match parse_mode.map(str::trim).filter(|m| !m.is_empty()) {
        None => Formatted::plain(raw),
        Some(m) if m.eq_ignore_ascii_case("html") => {
            html::parse_html(raw).map_err(|why| bad(&format!("can't parse entities: {why}")))?
        }
        Some(m) if m.eq_ignore_ascii_case("markdownv2") || m.eq_ignore_ascii_case("markdown") => {
            return Err(bad("unsupported parse mode in the fake"));
        }
        Some(_) => return Err(bad("unsupported parse_mode")),
    };
    Ok(formatted.trimmed())
}

/// Checks `reply_markup`; returns the inline keyboard to echo, if any.
fn inline_markup(p: &Params) -> Res<Option<Value>> {
    let Some(markup) = params::object(p, "reply_markup") else {
        if p.contains_key("reply_markup") && !p["reply_markup"].is_null() {
            return Err(bad("can't parse reply keyboard markup JSON object"));
        }
        return Ok(None);
    };
    let Some(rows) = markup.get("inline_keyboard") else {
        // Reply keyboards, ForceReply, ReplyKeyboardRemove: accepted, not echoed.
        return Ok(None);
    };
    let Some(rows) = rows.as_array() else {
        return Err(bad(
            "field \"inline_keyboard\" of the InlineKeyboardMarkup must be an Array",
        ));
    };
    for row in rows {
        let Some(buttons) = row.as_array() else {
            return Err(bad(
                "can't parse inline keyboard button: InlineKeyboardButton must be an Object",
            ));
        };
        for b in buttons {
            if !b.get("text").is_some_and(Value::is_string) {
                return Err(bad(
                    "can't parse inline keyboard button: Field \"text\" must be of type String",
                ));
            }
            if let Some(data) = b.get("callback_data") {
                let len = data.as_str().map_or(0, str::len);
                if !(1..=64).contains(&len) {
                    return Err(bad("BUTTON_DATA_INVALID"));
                }
            } else {
                const ACTIONS: &[&str] = &[
                    "url",
                    "login_url",
                    "switch_inline_query",
                    "switch_inline_query_current_chat",
                    "switch_inline_query_chosen_chat",
                    "callback_game",
                    "pay",
                    "web_app",
                    "copy_text",
                ];
                if !ACTIONS.iter().any(|k| b.get(*k).is_some()) {
                    return Err(bad(
                        "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard",
                    ));
                }
            }
        }
    }
    Ok(Some(markup))
}

/// `(label, callback_data)` of every callback button.
pub(crate) fn buttons(markup: Option<&Value>) -> Vec<(String, String)> {
    let Some(rows) = markup
        .and_then(|m| m.get("inline_keyboard"))
        .and_then(Value::as_array)
    else {
        return Vec::new();
    };
    rows.iter()
        .filter_map(Value::as_array)
        .flatten()
        .filter_map(|b| {
            Some((
                b.get("text")?.as_str()?.to_owned(),
                b.get("callback_data")?.as_str()?.to_owned(),
            ))
        })
        .collect()
}

/// The flood limiter: `Err(429)` when on and over a limit.
fn rate_check(st: &mut State, chat_id: i64) -> Res<()> {
    if !st.rate_limits {
        return Ok(());
    }
    let group = st.is_group(chat_id);
    match limits::wait_needed(&st.accepted, chat_id, group, Instant::now()) {
        Some(wait) => {
            st.limit_violations += 1;
            Err(Reply::too_many(limits::retry_after_secs(wait)))
        }
        None => Ok(()),
    }
}

/// The message content being sent.
struct Content {
    formatted: Formatted,
    raw_text: String,
    parse_mode: Option<String>,
    media: Option<(Media, String, Value)>,
    markup: Option<Value>,
    copy_of: Option<(i64, i32)>,
}

/// Stores a message from the bot, records it as sent, returns the Message.
fn store_bot_message(st: &mut State, t: &Target, c: Content) -> Value {
    let now = Instant::now();
    st.accepted.push(Accepted {
        at: now,
        chat_id: t.chat_id,
        group: st.is_group(t.chat_id),
    });
    let id = st.next_message_id(t.chat_id);
    let mut m = st.base_message(t.chat_id, id, state::bot_user_json(), t.thread);
    match &c.media {
        Some((media, _, value)) => {
            m.insert(media.field().into(), value.clone());
            if !c.formatted.text.is_empty() {
                m.insert("caption".into(), json!(c.formatted.text));
                if !c.formatted.entities.is_empty() {
                    m.insert(
                        "caption_entities".into(),
                        json!(c.formatted.entities_json()),
                    );
                }
            }
        }
        None => {
            m.insert("text".into(), json!(c.formatted.text));
            if !c.formatted.entities.is_empty() {
                m.insert("entities".into(), json!(c.formatted.entities_json()));
            }
        }
    }
    if let Some(markup) = &c.markup {
        m.insert("reply_markup".into(), markup.clone());
    }
    st.messages.insert(
        (t.chat_id, id),
        Msg {
            json: Value::Object(m),
            thread: t.thread,
            reply_root: t.reply_to.or(t.thread),
            from_bot: true,
            service: false,
        },
    );
    st.record_sent(Sent {
        chat_id: t.chat_id,
        message_id: id,
        thread_id: t.thread,
        text: c.formatted.text,
        raw_text: c.raw_text,
        parse_mode: c.parse_mode,
        buttons: buttons(c.markup.as_ref()),
        reply_markup: c.markup,
        reply_to: t.reply_to,
        media: c.media.map(|(media, file_id, _)| (media, file_id)),
        copy_of: c.copy_of,
        at: now,
        edited: false,
    });
    st.render(t.chat_id, id).unwrap_or(Value::Null)
}

fn send_message(st: &mut State, p: &Params) -> Res<Value> {
    let t = target(st, p)?;
    let raw = params::string(p, "text").unwrap_or_default();
    let parse_mode = params::string(p, "parse_mode").filter(|m| !m.is_empty());
    let mut formatted = format(&raw, parse_mode.as_deref())?;
    if formatted.text.is_empty() {
        return Err(bad("message text is empty"));
    }
    if formatted.utf16_len() > 4096 {
        return Err(bad("message is too long"));
    }
    if parse_mode.is_none() {
        formatted.entities = explicit_entities(p);
    }
    let markup = inline_markup(p)?;
    rate_check(st, t.chat_id)?;
    Ok(store_bot_message(
        st,
        &t,
        Content {
            formatted,
            raw_text: raw,
            parse_mode,
            media: None,
            markup,
            copy_of: None,
        },
    ))
}

/// Entities given explicitly in `entities` (kept as the bot sent them).
fn explicit_entities(p: &Params) -> Vec<html::Entity> {
    let Some(Value::Array(list)) = params::object(p, "entities") else {
        return Vec::new();
    };
    list.iter()
        .filter_map(|e| {
            let kind = match e.get("type")?.as_str()? {
                "bold" => "bold",
                "italic" => "italic",
                "underline" => "underline",
                "strikethrough" => "strikethrough",
                "spoiler" => "spoiler",
                "code" => "code",
                "pre" => "pre",
                "text_link" => "text_link",
                "blockquote" => "blockquote",
                "expandable_blockquote" => "expandable_blockquote",
                _ => return None,
            };
            Some(html::Entity {
                kind,
                offset: usize::try_from(e.get("offset")?.as_u64()?).ok()?,
                length: usize::try_from(e.get("length")?.as_u64()?).ok()?,
                url: e.get("url").and_then(Value::as_str).map(str::to_owned),
                language: e.get("language").and_then(Value::as_str).map(str::to_owned),
            })
        })
        .collect()
}

/// A caption under `parse_mode`, limited to 1024 UTF-16 code units.
fn caption(p: &Params, parse_mode: Option<&str>) -> Res<(Formatted, String)> {
    let raw = params::string(p, "caption").unwrap_or_default();
    let formatted = format(&raw, parse_mode)?;
    if formatted.utf16_len() > 1024 {
        return Err(bad("message caption is too long"));
    }
    Ok((formatted, raw))
}

fn send_media(st: &mut State, p: &Params, media: Media) -> Res<Value> {
    let t = target(st, p)?;
    let field = media.field();
    let file = match p.get(field) {
        // An upload (multipart part with a file name): a new file.
        Some(Value::Object(o)) if o.contains_key("uploaded_file") => {
            let name = o
                .get("uploaded_file")
                .and_then(Value::as_str)
                .map(str::to_owned);
            let (value, id) = st.new_file(media, name.as_deref());
            (id, value)
        }
        Some(_) => {
            let id = params::string(p, field).unwrap_or_default();
            if id.starts_with("http://") || id.starts_with("https://") {
                // Telegram would download it; the fake issues a new file.
                let (value, new_id) = st.new_file(media, None);
                (new_id, value)
            } else {
                match st.files.get(&id) {
                    Some(rec) if rec.media == media => (id, rec.json.clone()),
                    Some(_) => return Err(bad("type of file mismatch")),
                    None => return Err(bad("wrong file identifier/HTTP URL specified")),
                }
            }
        }
        None => return Err(bad(&format!("there is no {field} in the request"))),
    };
    let parse_mode = params::string(p, "parse_mode").filter(|m| !m.is_empty());
    let (formatted, raw) = if media == Media::Sticker {
        (Formatted::default(), String::new())
    } else {
        caption(p, parse_mode.as_deref())?
    };
    let markup = inline_markup(p)?;
    rate_check(st, t.chat_id)?;
    Ok(store_bot_message(
        st,
        &t,
        Content {
            formatted,
            raw_text: raw,
            parse_mode,
            media: Some((media, file.0, file.1)),
            markup,
            copy_of: None,
        },
    ))
}

/// The media of a stored message: kind, the bot-usable file id, the field value.
fn media_of(json: &Value) -> Option<(Media, String, Value)> {
    for media in Media::ALL {
        if let Some(v) = json.get(media.field()) {
            let id = match v {
                Value::Array(sizes) => sizes.last()?.get("file_id")?.as_str()?.to_owned(),
                other => other.get("file_id")?.as_str()?.to_owned(),
            };
            return Some((media, id, v.clone()));
        }
    }
    None
}

fn entities_of(json: &Value, key: &str) -> Vec<html::Entity> {
    let mut p = Params::new();
    if let Some(v) = json.get(key) {
        p.insert("entities".into(), v.clone());
    }
    explicit_entities(&p)
}

fn copy_message(st: &mut State, p: &Params) -> Res<Value> {
    let from_chat = chat_id(st, p, "from_chat_id")?;
    let t = target(st, p)?;
    let Some(msg_id) = params::int32(p, "message_id") else {
        return Err(bad("message to copy not found"));
    };
    let Some(source) = st.messages.get(&(from_chat, msg_id)) else {
        return Err(bad("message to copy not found"));
    };
    if source.service {
        return Err(bad("message can't be copied"));
    }
    let source = source.json.clone();
    let media = media_of(&source);
    let parse_mode = params::string(p, "parse_mode").filter(|m| !m.is_empty());
    let (formatted, raw) = if media.is_some() {
        if p.contains_key("caption") {
            caption(p, parse_mode.as_deref())?
        } else {
            let text = source
                .get("caption")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned();
            let formatted = Formatted {
                text: text.clone(),
                entities: entities_of(&source, "caption_entities"),
            };
            (formatted, text)
        }
    } else {
        let text = source
            .get("text")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned();
        let formatted = Formatted {
            text: text.clone(),
            entities: entities_of(&source, "entities"),
        };
        (formatted, text)
    };
    let markup = inline_markup(p)?;
    rate_check(st, t.chat_id)?;
    let copied = store_bot_message(
        st,
        &t,
        Content {
            formatted,
            raw_text: raw,
            parse_mode,
            media,
            markup,
            copy_of: Some((from_chat, msg_id)),
        },
    );
    Ok(json!({"message_id": copied["message_id"]}))
}

/// The bot's own message to edit.
fn editable(st: &State, p: &Params) -> Res<(i64, i32)> {
    if p.contains_key("inline_message_id") {
        return Err(bad("inline messages are not supported by the fake"));
    }
    let chat_id = chat_id(st, p, "chat_id")?;
    can_write(st, chat_id)?;
    let Some(id) = params::int32(p, "message_id") else {
        return Err(bad("message identifier is not specified"));
    };
    match st.messages.get(&(chat_id, id)) {
        None => Err(bad("message to edit not found")),
        Some(m) if !m.from_bot || m.service => Err(bad("message can't be edited")),
        Some(_) => Ok((chat_id, id)),
    }
}

fn edit_message_text(st: &mut State, p: &Params) -> Res<Value> {
    let (chat_id, id) = editable(st, p)?;
    let raw = params::string(p, "text").unwrap_or_default();
    let parse_mode = params::string(p, "parse_mode").filter(|m| !m.is_empty());
    let mut formatted = format(&raw, parse_mode.as_deref())?;
    if formatted.text.is_empty() {
        return Err(bad("message text is empty"));
    }
    if formatted.utf16_len() > 4096 {
        return Err(bad("MESSAGE_TOO_LONG"));
    }
    if parse_mode.is_none() {
        formatted.entities = explicit_entities(p);
    }
    // Editing the text without `reply_markup` removes the inline keyboard.
    let markup = inline_markup(p)?;
    let Some(msg) = st.messages.get_mut(&(chat_id, id)) else {
        return Err(bad("message to edit not found"));
    };
    let Some(obj) = msg.json.as_object_mut() else {
        return Err(bad("message to edit not found"));
    };
    if !obj.contains_key("text") {
        return Err(bad("there is no text in the message to edit"));
    }
    let new_text = json!(formatted.text);
    let new_entities = formatted.entities_json();
    let old_entities = obj
        .get("entities")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if obj.get("text") == Some(&new_text)
        && old_entities == new_entities
        && obj.get("reply_markup") == markup.as_ref()
    {
        return Err(bad(NOT_MODIFIED));
    }
    obj.insert("text".into(), new_text);
    if new_entities.is_empty() {
        obj.remove("entities");
    } else {
        obj.insert("entities".into(), json!(new_entities));
    }
    match &markup {
        Some(m) => obj.insert("reply_markup".into(), m.clone()),
        None => obj.remove("reply_markup"),
    };
    obj.insert("edit_date".into(), json!(state::now_unix()));
    st.record_edit(chat_id, id, |s| {
        s.text = formatted.text;
        s.raw_text = raw;
        s.parse_mode = parse_mode;
        s.buttons = buttons(markup.as_ref());
        s.reply_markup = markup;
    });
    Ok(st.render(chat_id, id).unwrap_or(Value::Null))
}

fn edit_message_reply_markup(st: &mut State, p: &Params) -> Res<Value> {
    let (chat_id, id) = editable(st, p)?;
    let markup = inline_markup(p)?;
    let Some(obj) = st
        .messages
        .get_mut(&(chat_id, id))
        .and_then(|m| m.json.as_object_mut())
    else {
        return Err(bad("message to edit not found"));
    };
    if obj.get("reply_markup") == markup.as_ref() {
        return Err(bad(NOT_MODIFIED));
    }
    match &markup {
        Some(m) => obj.insert("reply_markup".into(), m.clone()),
        None => obj.remove("reply_markup"),
    };
    obj.insert("edit_date".into(), json!(state::now_unix()));
    st.record_edit(chat_id, id, |s| {
        s.buttons = buttons(markup.as_ref());
        s.reply_markup = markup;
    });
    Ok(st.render(chat_id, id).unwrap_or(Value::Null))
}

fn answer_callback_query(st: &mut State, p: &Params) -> Res<Value> {
    let id = params::string(p, "callback_query_id").unwrap_or_default();
    match st.callbacks.get_mut(&id) {
        Some(answered) if !*answered => {
            *answered = true;
            st.answered.push((id, params::string(p, "text")));
            Ok(json!(true))
        }
        _ => Err(bad(
            "query is too old and response timeout expired or query ID is invalid",
        )),
    }
}

/// The forum chat and topic of a topic-management call.
fn forum_topic(st: &State, p: &Params) -> Res<(i64, i32)> {
    let chat_id = chat_id(st, p, "chat_id")?;
    if !st.is_forum(chat_id) {
        return Err(bad("the chat is not a forum"));
    }
    let thread = params::int32(p, "message_thread_id").unwrap_or(0);
    match st.chats.get(&chat_id).and_then(|c| c.topics.get(&thread)) {
        Some(t) if !t.deleted => Ok((chat_id, thread)),
        _ => Err(bad("TOPIC_ID_INVALID")),
    }
}

/// Stores a service message (topic created/edited/closed/reopened) by
/// `from` in a topic; returns its id.
pub(crate) fn service_message(
    st: &mut State,
    chat_id: i64,
    thread: i32,
    from: Value,
    field: &str,
    value: Value,
    id: Option<i32>,
) -> i32 {
    let id = id.unwrap_or_else(|| st.next_message_id(chat_id));
    let mut m = st.base_message(chat_id, id, from, Some(thread));
    m.insert(field.into(), value);
    st.messages.insert(
        (chat_id, id),
        Msg {
            json: Value::Object(m),
            thread: Some(thread),
            reply_root: (id != thread).then_some(thread),
            from_bot: false,
            service: true,
        },
    );
    id
}

const TOPIC_COLORS: [u32; 6] = [
    7_322_096, 16_766_590, 13_338_331, 9_367_192, 16_749_490, 16_478_047,
];

fn create_forum_topic(st: &mut State, p: &Params) -> Res<Value> {
    let chat_id = chat_id(st, p, "chat_id")?;
    if !st.is_forum(chat_id) {
        return Err(bad("the chat is not a forum"));
    }
    let name = params::string(p, "name").unwrap_or_default();
    let len = name.chars().count();
    if !(1..=128).contains(&len) {
        return Err(bad("TOPIC_NAME_INVALID"));
    }
    let icon_color = match params::int(p, "icon_color") {
        None => TOPIC_COLORS[0],
        Some(c) => match u32::try_from(c).ok().filter(|c| TOPIC_COLORS.contains(c)) {
            Some(c) => c,
            None => return Err(bad("TOPIC_ICON_COLOR_INVALID")),
        },
    };
    // The topic id is the id of its "forum_topic_created" service message.
    let thread = st.next_message_id(chat_id);
    service_message(
        st,
        chat_id,
        thread,
        state::bot_user_json(),
        "forum_topic_created",
        json!({"name": name, "icon_color": icon_color}),
        Some(thread),
    );
    if let Some(chat) = st.chats.get_mut(&chat_id) {
        chat.topics.insert(
            thread,
            Topic {
                thread_id: thread,
                name: name.clone(),
                icon_color,
                closed: false,
                deleted: false,
            },
        );
    }
    Ok(json!({"message_thread_id": thread, "name": name, "icon_color": icon_color}))
}

fn edit_forum_topic(st: &mut State, p: &Params) -> Res<Value> {
    let (chat_id, thread) = forum_topic(st, p)?;
    let name = params::string(p, "name");
    if let Some(n) = &name
        && !(1..=128).contains(&n.chars().count())
    {
        return Err(bad("TOPIC_NAME_INVALID"));
    }
    let Some(topic) = st
        .chats
        .get_mut(&chat_id)
        .and_then(|c| c.topics.get_mut(&thread))
    else {
        return Err(bad("TOPIC_ID_INVALID"));
    };
    let changed_name = name.filter(|n| *n != topic.name);
    if changed_name.is_none() && !p.contains_key("icon_custom_emoji_id") {
        return Err(bad("TOPIC_NOT_MODIFIED"));
    }
    let mut event = json!({});
    if let Some(n) = changed_name {
        topic.name = n.clone();
        event["name"] = json!(n);
    }
    service_message(
        st,
        chat_id,
        thread,
        state::bot_user_json(),
        "forum_topic_edited",
        event,
        None,
    );
    Ok(json!(true))
}

fn set_topic_closed(st: &mut State, p: &Params, closed: bool) -> Res<Value> {
    let (chat_id, thread) = forum_topic(st, p)?;
    let Some(topic) = st
        .chats
        .get_mut(&chat_id)
        .and_then(|c| c.topics.get_mut(&thread))
    else {
        return Err(bad("TOPIC_ID_INVALID"));
    };
    if topic.closed == closed {
        return Err(bad("TOPIC_NOT_MODIFIED"));
    }
    topic.closed = closed;
    let field = if closed {
        "forum_topic_closed"
    } else {
        "forum_topic_reopened"
    };
    service_message(
        st,
        chat_id,
        thread,
        state::bot_user_json(),
        field,
        json!({}),
        None,
    );
    Ok(json!(true))
}

/// Marks a topic deleted and deletes its messages, as Telegram does.
pub(crate) fn delete_topic(st: &mut State, chat_id: i64, thread: i32) {
    if let Some(topic) = st
        .chats
        .get_mut(&chat_id)
        .and_then(|c| c.topics.get_mut(&thread))
    {
        topic.deleted = true;
    }
    st.messages
        .retain(|(c, _), m| *c != chat_id || m.thread != Some(thread));
}

fn delete_forum_topic(st: &mut State, p: &Params) -> Res<Value> {
    let (chat_id, thread) = forum_topic(st, p)?;
    delete_topic(st, chat_id, thread);
    Ok(json!(true))
}

fn get_chat(st: &mut State, p: &Params) -> Res<Value> {
    let chat_id = chat_id(st, p, "chat_id")?;
    let mut info = st.chat_json(chat_id);
    info["accent_color_id"] = json!(0);
    info["max_reaction_count"] = json!(11);
    info["accepted_gift_types"] = json!({
        "unlimited_gifts": false,
        "limited_gifts": false,
        "unique_gifts": false,
        "premium_subscription": false,
    });
    Ok(info)
}

fn set_my_commands(st: &mut State, p: &Params) -> Res<Value> {
    let Some(Value::Array(list)) = params::object(p, "commands") else {
        return Err(bad("parameter \"commands\" is required"));
    };
    if list.len() > 100 {
        return Err(bad("BOT_COMMANDS_TOO_MUCH"));
    }
    let mut commands = Vec::new();
    for c in &list {
        let command = c.get("command").and_then(Value::as_str).unwrap_or("");
        let description = c.get("description").and_then(Value::as_str).unwrap_or("");
        let valid = (1..=32).contains(&command.len())
            && command
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if !valid {
            return Err(bad("BOT_COMMAND_INVALID"));
        }
        if !(1..=256).contains(&description.chars().count()) {
            return Err(bad("BOT_COMMAND_DESCRIPTION_INVALID"));
        }
        commands.push((command.to_owned(), description.to_owned()));
    }
    let scope = params::object(p, "scope").unwrap_or_else(|| json!({"type": "default"}));
    let language_code = params::string(p, "language_code").filter(|l| !l.is_empty());
    st.commands
        .retain(|c| !(c.scope == scope && c.language_code == language_code));
    st.commands.push(MyCommands {
        scope,
        language_code,
        commands,
    });
    Ok(json!(true))
}

fn set_webhook(st: &mut State, p: &Params) -> Res<Value> {
    let url = params::string(p, "url").unwrap_or_default();
    if params::boolean(p, "drop_pending_updates") {
        st.updates.clear();
    }
    if url.is_empty() {
        // An empty url removes the webhook, as in Telegram.
        st.webhook = None;
        return Ok(json!(true));
    }
    // Telegram demands HTTPS on ports 443/80/88/8443; the fake takes any
    // http(s) URL so tests can use a local receiver.
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        return Err(bad(
            "bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443",
        ));
    }
    if let Some(Value::Array(list)) = params::object(p, "allowed_updates") {
        st.allowed_updates = list
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect();
    }
    st.webhook = Some(Webhook {
        url,
        secret: params::string(p, "secret_token").filter(|s| !s.is_empty()),
    });
    Ok(json!(true))
}

fn delete_webhook(st: &mut State, p: &Params) -> Res<Value> {
    if params::boolean(p, "drop_pending_updates") {
        st.updates.clear();
    }
    st.webhook = None;
    Ok(json!(true))
}

fn get_webhook_info(st: &State) -> Value {
    let mut info = json!({
        "url": st.webhook.as_ref().map_or("", |w| w.url.as_str()),
        "has_custom_certificate": false,
        "pending_update_count": st.updates.len(),
    });
    if !st.allowed_updates.is_empty() {
        info["allowed_updates"] = json!(st.allowed_updates);
    }
    info
}
