//! The REST routes under `/api/v10`, with Discord's validation, error codes
//! and side effects (messages stored, gateway events echoed).
//!
//! Errors follow Discord: `{"message": ..., "code": N}` with an HTTP status,
//! and for invalid bodies code 50035 with an `errors` tree naming the field
//! (`{"content": {"_errors": [{"code": "BASE_TYPE_MAX_LENGTH", ...}]}}`).

use std::collections::HashMap;
use std::time::Instant;

use serde_json::{Map, Value, json};

use super::body::Body;
use super::json::{self, NewMsg, id, snowflake};
use super::state::{ChannelRec, State, timestamp_now};
use super::{APPLICATION_ID, BOT_ID, InteractionResponse, Reaction, RegisteredCommand, Sent, Via};

/// An answer: status, JSON body (none for 204) and extra headers.
#[derive(Debug, Clone)]
pub(crate) struct Reply {
    pub status: u16,
    pub body: Option<Value>,
    pub headers: Vec<(&'static str, String)>,
}

impl Reply {
    pub(crate) fn ok(body: Value) -> Reply {
        Reply {
            status: 200,
            body: Some(body),
            headers: Vec::new(),
        }
    }

    fn created(body: Value) -> Reply {
        Reply {
            status: 201,
            body: Some(body),
            headers: Vec::new(),
        }
    }

    fn no_content() -> Reply {
        Reply {
            status: 204,
            body: None,
            headers: Vec::new(),
        }
    }

    /// `{"message": message, "code": code}` with `status`.
    pub(crate) fn error(status: u16, code: u32, message: &str) -> Reply {
        Reply {
            status,
            body: Some(json!({"message": message, "code": code})),
            headers: Vec::new(),
        }
    }

    /// 400 "Invalid Form Body" (50035) with one error at a dotted `path`.
    fn invalid_form(path: &str, code: &str, message: &str) -> Reply {
        let mut leaf = json!({"_errors": [{"code": code, "message": message}]});
        for key in path.rsplit('.') {
            let mut m = Map::new();
            m.insert(key.to_owned(), leaf);
            leaf = Value::Object(m);
        }
        Reply {
            status: 400,
            body: Some(json!({"message": "Invalid Form Body", "code": 50035, "errors": leaf})),
            headers: Vec::new(),
        }
    }

    fn unknown_channel() -> Reply {
        Reply::error(404, 10003, "Unknown Channel")
    }

    fn unknown_message() -> Reply {
        Reply::error(404, 10008, "Unknown Message")
    }

    fn unknown_interaction() -> Reply {
        Reply::error(404, 10062, "Unknown interaction")
    }

    fn unknown_webhook() -> Reply {
        Reply::error(404, 10015, "Unknown Webhook")
    }

    fn wrong_channel_type() -> Reply {
        Reply::error(400, 50024, "Cannot execute action on this channel type")
    }
}

type Answer = Result<Reply, Reply>;

/// A route's parameters.
pub(crate) struct Req<'a> {
    pub method: &'a str,
    pub segments: &'a [String],
    pub query: &'a HashMap<String, String>,
    pub body: &'a Body,
}

/// Answers a request under `/api/v10`; `None` when no route matches.
pub(crate) fn route(st: &mut State, req: &Req<'_>) -> Option<Reply> {
    let segs: Vec<&str> = req.segments.iter().map(String::as_str).collect();
    let p = &req.body.json;
    let answer = match (req.method, segs.as_slice()) {
        ("GET", ["gateway"]) => Ok(Reply::ok(json!({"url": gateway_url(st)}))),
        ("GET", ["gateway", "bot"]) => Ok(Reply::ok(json!({
            "url": gateway_url(st),
            "shards": 1,
            "session_start_limit": {
                "total": 1000, "remaining": 999, "reset_after": 14_400_000, "max_concurrency": 1
            },
        }))),
        ("GET", ["users", "@me"]) => Ok(Reply::ok(current_user(st))),
        ("GET", ["users", uid]) => get_user(st, uid),
        ("GET", ["oauth2", "applications", "@me"] | ["applications", "@me"]) => {
            Ok(Reply::ok(json::application(st)))
        }
        ("POST", ["users", "@me", "channels"]) => create_dm(st, p),
        ("GET", ["channels", cid]) => get_channel(st, cid),
        ("PATCH", ["channels", cid]) => edit_channel(st, cid, p),
        ("GET", ["channels", cid, "messages"]) => get_messages(st, cid, req.query),
        ("POST", ["channels", cid, "messages"]) => create_message(st, cid, req.body),
        ("GET", ["channels", cid, "messages", mid]) => get_message(st, cid, mid),
        ("PATCH", ["channels", cid, "messages", mid]) => edit_message(st, cid, mid, req.body),
        ("DELETE", ["channels", cid, "messages", mid]) => delete_message(st, cid, mid),
        ("POST", ["channels", cid, "messages", mid, "threads"]) => {
            thread_from_message(st, cid, mid, p)
        }
        ("PUT", ["channels", cid, "messages", mid, "reactions", emoji, "@me"]) => {
            react(st, cid, mid, emoji)
        }
        ("POST", ["channels", cid, "threads"]) => create_thread(st, cid, req.body),
        ("PUT", ["channels", cid, "thread-members", uid]) => thread_member(st, cid, uid, true),
        ("DELETE", ["channels", cid, "thread-members", uid]) => thread_member(st, cid, uid, false),
        ("POST", ["channels", cid, "typing"]) => typing(st, cid),
        ("POST", ["interactions", iid, token, "callback"]) => callback(st, iid, token, req.body),
        (method, ["webhooks", app, token, "messages", "@original"]) => {
            original(st, method, app, token, req.body)
        }
        ("POST", ["webhooks", app, token]) => followup(st, app, token, req.body),
        ("PATCH", ["webhooks", app, token, "messages", mid]) => {
            edit_followup(st, app, token, mid, req.body)
        }
        (method, ["applications", app, "guilds", gid, "commands"]) => {
            commands(st, method, app, Some(gid), p)
        }
        (method, ["applications", app, "commands"]) => commands(st, method, app, None, p),
        ("DELETE", ["applications", app, "guilds", gid, "commands", cmd]) => {
            delete_command(st, app, Some(gid), cmd)
        }
        ("DELETE", ["applications", app, "commands", cmd]) => delete_command(st, app, None, cmd),
        ("GET", ["guilds", gid, "members", uid]) => get_member(st, gid, uid),
        ("GET", ["guilds", gid, "channels"]) => guild_channels(st, gid),
        ("GET", ["guilds", gid, "roles"]) => guild_roles(st, gid),
        ("GET", ["guilds", gid, "threads", "active"]) => active_threads(st, gid),
        _ => return None,
    };
    Some(answer.unwrap_or_else(|e| e))
}

fn gateway_url(st: &State) -> String {
    format!("ws://{}/gateway", st.addr)
}

/// A snowflake path parameter; Discord answers 400 for anything else.
fn sf(field: &str, raw: &str) -> Result<u64, Reply> {
    raw.parse::<u64>().map_err(|_| {
        Reply::invalid_form(
            field,
            "NUMBER_TYPE_COERCE",
            &format!("Value \"{raw}\" is not snowflake."),
        )
    })
}

fn current_user(st: &State) -> Value {
    let mut me = json::user(&st.bot());
    me["verified"] = json!(true);
    me["mfa_enabled"] = json!(false);
    me["locale"] = json!("en-US");
    me["email"] = Value::Null;
    me["premium_type"] = json!(0);
    me
}

fn get_user(st: &State, uid: &str) -> Answer {
    let uid = sf("user_id", uid)?;
    st.users
        .get(&uid)
        .map(|u| Reply::ok(json::user(u)))
        .ok_or_else(|| Reply::error(404, 10013, "Unknown User"))
}

fn create_dm(st: &mut State, p: &Value) -> Answer {
    let Some(uid) = p.get("recipient_id").and_then(snowflake) else {
        return Err(Reply::invalid_form(
            "recipient_id",
            "BASE_TYPE_REQUIRED",
            "This field is required",
        ));
    };
    if !st.users.contains_key(&uid) || uid == BOT_ID {
        return Err(Reply::error(400, 50033, "Invalid Recipient(s)"));
    }
    let cid = st.dm_channel(uid);
    let ch = st
        .channels
        .get(&cid)
        .cloned()
        .ok_or_else(Reply::unknown_channel)?;
    Ok(Reply::ok(json::channel(st, &ch)))
}

fn channel_rec(st: &State, cid: &str) -> Result<ChannelRec, Reply> {
    let cid = sf("channel_id", cid)?;
    st.channels
        .get(&cid)
        .cloned()
        .ok_or_else(Reply::unknown_channel)
}

fn get_channel(st: &State, cid: &str) -> Answer {
    let ch = channel_rec(st, cid)?;
    Ok(Reply::ok(json::channel(st, &ch)))
}

fn check_name(field: &str, name: &str) -> Result<(), Reply> {
    let n = name.chars().count();
    if n == 0 || n > 100 {
        return Err(Reply::invalid_form(
            field,
            "BASE_TYPE_BAD_LENGTH",
            "Must be between 1 and 100 in length.",
        ));
    }
    Ok(())
}

fn edit_channel(st: &mut State, cid: &str, p: &Value) -> Answer {
    let mut ch = channel_rec(st, cid)?;
    if ch.kind == 1 {
        return Err(Reply::wrong_channel_type());
    }
    if let Some(name) = p.get("name").and_then(Value::as_str) {
        check_name("name", name)?;
        ch.name = name.to_owned();
    }
    if ch.is_thread() {
        if let Some(a) = p.get("archived").and_then(Value::as_bool) {
            if a != ch.archived {
                ch.archive_timestamp = timestamp_now();
            }
            ch.archived = a;
        }
        if let Some(l) = p.get("locked").and_then(Value::as_bool) {
            ch.locked = l;
        }
        if let Some(i) = p.get("invitable").and_then(Value::as_bool) {
            ch.invitable = i;
        }
        if let Some(d) = p.get("auto_archive_duration").and_then(Value::as_u64) {
            if ![60, 1440, 4320, 10080].contains(&d) {
                return Err(Reply::invalid_form(
                    "auto_archive_duration",
                    "BASE_TYPE_CHOICES",
                    "Value must be one of {60, 1440, 4320, 10080}.",
                ));
            }
            ch.auto_archive_duration = u32::try_from(d).unwrap_or(1440);
        }
        if let Some(tags) = p.get("applied_tags").and_then(Value::as_array) {
            ch.applied_tags.clone_from(tags);
        }
    } else if let Some(topic) = p.get("topic") {
        ch.topic = topic.as_str().map(str::to_owned);
    }
    let event = if ch.is_thread() {
        "THREAD_UPDATE"
    } else {
        "CHANNEL_UPDATE"
    };
    st.channels.insert(ch.id, ch.clone());
    let v = json::channel(st, &ch);
    st.dispatch(event, v.clone());
    Ok(Reply::ok(v))
}

fn limit(query: &HashMap<String, String>) -> Result<usize, Reply> {
    match query.get("limit") {
        None => Ok(50),
        Some(l) => match l.parse::<usize>() {
            Ok(n) if (1..=100).contains(&n) => Ok(n),
            _ => Err(Reply::invalid_form(
                "limit",
                "NUMBER_TYPE_MAX",
                "Must be between 1 and 100.",
            )),
        },
    }
}

/// `GET /channels/{id}/messages`: at most `limit` messages, newest first
/// (also for `after`, as on Discord: page forward from the largest id).
fn get_messages(st: &State, cid: &str, query: &HashMap<String, String>) -> Answer {
    let ch = channel_rec(st, cid)?;
    let limit = limit(query)?;
    let anchors = ["after", "before", "around"]
        .iter()
        .filter(|k| query.contains_key(**k))
        .count();
    if anchors > 1 {
        return Err(Reply::invalid_form(
            "around",
            "BASE_TYPE_BAD_INPUT",
            "Only one of around, before or after may be given.",
        ));
    }
    let history = st.history(ch.id);
    let ids: Vec<u64> = history
        .iter()
        .filter_map(|m| snowflake(&m.json["id"]))
        .collect();
    let mut picked: Vec<u64> = if let Some(a) = query.get("after") {
        let a = sf("after", a)?;
        ids.iter().copied().filter(|i| *i > a).take(limit).collect()
    } else if let Some(b) = query.get("before") {
        let b = sf("before", b)?;
        let older: Vec<u64> = ids.iter().copied().filter(|i| *i < b).collect();
        older[older.len().saturating_sub(limit)..].to_vec()
    } else if let Some(x) = query.get("around") {
        let x = sf("around", x)?;
        let older: Vec<u64> = ids.iter().copied().filter(|i| *i < x).collect();
        let half = limit / 2;
        let mut v = older[older.len().saturating_sub(half)..].to_vec();
        v.extend(
            ids.iter()
                .copied()
                .filter(|i| *i >= x)
                .take(limit - v.len()),
        );
        v
    } else {
        ids[ids.len().saturating_sub(limit)..].to_vec()
    };
    picked.sort_unstable_by(|a, b| b.cmp(a));
    let out: Vec<Value> = picked
        .iter()
        .filter_map(|i| st.messages.get(i).map(|m| m.json.clone()))
        .collect();
    Ok(Reply::ok(Value::Array(out)))
}

/// A stored message as REST answers it (10008 if it is gone).
fn stored_message(st: &State, mid: u64) -> Answer {
    st.messages
        .get(&mid)
        .map(|m| Reply::ok(m.json.clone()))
        .ok_or_else(Reply::unknown_message)
}

fn get_message(st: &State, cid: &str, mid: &str) -> Answer {
    let ch = channel_rec(st, cid)?;
    let mid = sf("message_id", mid)?;
    match st.messages.get(&mid) {
        Some(m) if m.channel_id == ch.id && !m.ephemeral => Ok(Reply::ok(m.json.clone())),
        _ => Err(Reply::unknown_message()),
    }
}

/// Checks a message payload the way Discord does: lengths of content,
/// embeds and components, duplicate custom ids, and (when `creating`)
/// that there is something to send.
fn validate_payload(p: &Value, creating: bool, files: usize) -> Result<(), Reply> {
    let content = p.get("content").and_then(Value::as_str).unwrap_or("");
    if content.chars().count() > 2000 {
        return Err(Reply::invalid_form(
            "content",
            "BASE_TYPE_MAX_LENGTH",
            "Must be 2000 or fewer in length.",
        ));
    }
    let embeds = p.get("embeds").and_then(Value::as_array);
    if let Some(embeds) = embeds {
        validate_embeds(embeds)?;
    }
    let components = p.get("components").and_then(Value::as_array);
    if let Some(rows) = components {
        validate_components(rows)?;
    }
    let has_sticker = p
        .get("sticker_ids")
        .and_then(Value::as_array)
        .is_some_and(|s| !s.is_empty());
    let has_poll = p.get("poll").is_some_and(|v| !v.is_null());
    if creating
        && content.trim().is_empty()
        && embeds.is_none_or(Vec::is_empty)
        && components.is_none_or(Vec::is_empty)
        && files == 0
        && !has_sticker
        && !has_poll
    {
        return Err(Reply::error(400, 50006, "Cannot send an empty message"));
    }
    Ok(())
}

fn text_len(v: &Value, key: &str) -> usize {
    v.get(key)
        .and_then(Value::as_str)
        .map_or(0, |s| s.chars().count())
}

fn validate_embeds(embeds: &[Value]) -> Result<(), Reply> {
    if embeds.len() > 10 {
        return Err(Reply::invalid_form(
            "embeds",
            "BASE_TYPE_MAX_LENGTH",
            "Must be 10 or fewer in length.",
        ));
    }
    let mut total = 0;
    for (i, e) in embeds.iter().enumerate() {
        for (key, max) in [("title", 256), ("description", 4096)] {
            let n = text_len(e, key);
            if n > max {
                return Err(Reply::invalid_form(
                    &format!("embeds.{i}.{key}"),
                    "BASE_TYPE_MAX_LENGTH",
                    &format!("Must be {max} or fewer in length."),
                ));
            }
            total += n;
        }
        total += e.get("footer").map_or(0, |f| text_len(f, "text"));
        total += e.get("author").map_or(0, |a| text_len(a, "name"));
        let fields = e.get("fields").and_then(Value::as_array);
        if fields.is_some_and(|f| f.len() > 25) {
            return Err(Reply::invalid_form(
                &format!("embeds.{i}.fields"),
                "BASE_TYPE_MAX_LENGTH",
                "Must be 25 or fewer in length.",
            ));
        }
        for (j, f) in fields.into_iter().flatten().enumerate() {
            for (key, max) in [("name", 256), ("value", 1024)] {
                let n = text_len(f, key);
                if n == 0 || n > max {
                    return Err(Reply::invalid_form(
                        &format!("embeds.{i}.fields.{j}.{key}"),
                        "BASE_TYPE_BAD_LENGTH",
                        &format!("Must be between 1 and {max} in length."),
                    ));
                }
                total += n;
            }
        }
    }
    if total > 6000 {
        return Err(Reply::invalid_form(
            "embeds",
            "MAX_EMBED_SIZE_EXCEEDED",
            "Embed size exceeds maximum size of 6000",
        ));
    }
    Ok(())
}

fn validate_components(rows: &[Value]) -> Result<(), Reply> {
    if rows.len() > 5 {
        return Err(Reply::invalid_form(
            "components",
            "BASE_TYPE_MAX_LENGTH",
            "Must be 5 or fewer in length.",
        ));
    }
    let mut seen = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        let items = row
            .get("components")
            .and_then(Value::as_array)
            .map_or(&[][..], Vec::as_slice);
        if row.get("type").and_then(Value::as_u64) != Some(1) || items.len() > 5 {
            return Err(Reply::invalid_form(
                &format!("components.{i}"),
                "COMPONENT_LAYOUT_WIDTH_EXCEEDED",
                "An action row must hold between 1 and 5 components.",
            ));
        }
        for (j, c) in items.iter().enumerate() {
            let at = format!("components.{i}.components.{j}");
            let kind = c.get("type").and_then(Value::as_u64).unwrap_or(0);
            let link = kind == 2 && c.get("style").and_then(Value::as_u64) == Some(5);
            match c.get("custom_id").and_then(Value::as_str) {
                Some(cid) if cid.chars().count() > 100 => {
                    return Err(Reply::invalid_form(
                        &format!("{at}.custom_id"),
                        "BASE_TYPE_MAX_LENGTH",
                        "Must be 100 or fewer in length.",
                    ));
                }
                Some(cid) if seen.contains(&cid) => {
                    return Err(Reply::invalid_form(
                        &format!("{at}.custom_id"),
                        "COMPONENT_CUSTOM_ID_DUPLICATED",
                        "Component custom id cannot be duplicated",
                    ));
                }
                Some(cid) => seen.push(cid),
                None if !link => {
                    return Err(Reply::invalid_form(
                        &format!("{at}.custom_id"),
                        "BASE_TYPE_REQUIRED",
                        "This field is required",
                    ));
                }
                None => {}
            }
            if text_len(c, "label") > 80 {
                return Err(Reply::invalid_form(
                    &format!("{at}.label"),
                    "BASE_TYPE_MAX_LENGTH",
                    "Must be 80 or fewer in length.",
                ));
            }
        }
    }
    Ok(())
}

/// The attachments a payload keeps or uploads: `attachments` entries with
/// an `id` matching a `files[id]` part become new files; others (ids of
/// existing attachments, on edits) are kept from `existing`.
fn attachments(
    st: &mut State,
    channel_id: u64,
    body: &Body,
    existing: &[Value],
) -> Result<Option<Vec<Value>>, Reply> {
    let listed = body.json.get("attachments").and_then(Value::as_array);
    let Some(listed) = listed else {
        if body.uploads.is_empty() {
            return Ok(None);
        }
        let out = body
            .uploads
            .iter()
            .map(|u| {
                json::attachment(
                    st,
                    channel_id,
                    &u.filename,
                    &u.content_type,
                    u.bytes.clone(),
                )
            })
            .collect();
        return Ok(Some(out));
    };
    let mut out = Vec::new();
    for (i, a) in listed.iter().enumerate() {
        let aid = a.get("id").and_then(snowflake);
        if let Some(upload) = aid.and_then(|n| body.upload(n)) {
            let name = a
                .get("filename")
                .and_then(Value::as_str)
                .unwrap_or(&upload.filename);
            let mut att = json::attachment(
                st,
                channel_id,
                name,
                &upload.content_type,
                upload.bytes.clone(),
            );
            if let Some(d) = a.get("description") {
                att["description"] = d.clone();
            }
            out.push(att);
        } else if let Some(old) = existing
            .iter()
            .find(|e| e.get("id").and_then(snowflake) == aid && aid.is_some())
        {
            out.push(old.clone());
        } else {
            return Err(Reply::invalid_form(
                &format!("attachments.{i}"),
                "ATTACHMENT_NOT_FOUND",
                "Unknown attachment",
            ));
        }
    }
    Ok(Some(out))
}

/// Who a message pings, from its content and `allowed_mentions`.
fn mentions(st: &State, p: &Value, reference: Option<u64>) -> (Vec<u64>, Vec<u64>, bool) {
    let content = p.get("content").and_then(Value::as_str).unwrap_or("");
    let allowed = p.get("allowed_mentions").filter(|v| !v.is_null());
    let parse: Vec<&str> = match allowed {
        None => vec!["users", "roles", "everyone"],
        Some(a) => a
            .get("parse")
            .and_then(Value::as_array)
            .map(|v| v.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default(),
    };
    let listed = |key: &str| -> Vec<u64> {
        allowed
            .and_then(|a| a.get(key))
            .and_then(Value::as_array)
            .map(|v| v.iter().filter_map(snowflake).collect())
            .unwrap_or_default()
    };
    let (allowed_users, allowed_roles) = (listed("users"), listed("roles"));
    let mut users = Vec::new();
    let mut roles = Vec::new();
    let mut rest = content;
    while let Some(start) = rest.find("<@") {
        rest = &rest[start + 2..];
        let Some(end) = rest.find('>') else { break };
        let inner = &rest[..end];
        if let Some(r) = inner.strip_prefix('&') {
            if let Ok(r) = r.parse::<u64>()
                && (parse.contains(&"roles") || allowed_roles.contains(&r))
                && !roles.contains(&r)
            {
                roles.push(r);
            }
        } else if let Ok(u) = inner.trim_start_matches('!').parse::<u64>()
            && (parse.contains(&"users") || allowed_users.contains(&u))
            && !users.contains(&u)
        {
            users.push(u);
        }
        rest = &rest[end..];
    }
    let replied_user = allowed.is_none_or(|a| a.get("replied_user") == Some(&json!(true)));
    if replied_user
        && let Some(author) = reference
            .and_then(|r| st.messages.get(&r))
            .map(|m| m.author_id)
        && author != BOT_ID
        && !users.contains(&author)
    {
        users.push(author);
    }
    let everyone =
        parse.contains(&"everyone") && (content.contains("@everyone") || content.contains("@here"));
    (users, roles, everyone)
}

/// The message a payload asks for, checked against the channel.
fn new_message(
    st: &mut State,
    ch: &ChannelRec,
    body: &Body,
    allowed_flags: u64,
) -> Result<NewMsg, Reply> {
    let p = &body.json;
    validate_payload(p, true, body.uploads.len())?;
    let mut reference = None;
    if let Some(r) = p.get("message_reference").filter(|r| !r.is_null()) {
        let target = r.get("message_id").and_then(snowflake);
        let in_channel = r.get("channel_id").and_then(snowflake).unwrap_or(ch.id);
        let exists = target.is_some_and(|t| {
            st.messages
                .get(&t)
                .is_some_and(|m| m.channel_id == in_channel && !m.ephemeral)
        });
        let must_exist = r.get("fail_if_not_exists").and_then(Value::as_bool) != Some(false);
        if exists {
            reference = target;
        } else if must_exist {
            return Err(Reply::invalid_form(
                "message_reference",
                "MESSAGE_REFERENCE_UNKNOWN_MESSAGE",
                "Unknown message",
            ));
        }
    }
    let (mentions, mention_roles, mention_everyone) = mentions(st, p, reference);
    let attachments = attachments(st, ch.id, body, &[])?.unwrap_or_default();
    let array = |key: &str| {
        p.get(key)
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
    };
    Ok(NewMsg {
        channel_id: ch.id,
        author_id: BOT_ID,
        content: p
            .get("content")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned(),
        embeds: array("embeds"),
        components: array("components"),
        attachments,
        mentions,
        mention_roles,
        mention_everyone,
        reference,
        flags: p.get("flags").and_then(Value::as_u64).unwrap_or(0) & allowed_flags,
        tts: p.get("tts").and_then(Value::as_bool).unwrap_or(false),
        ..NewMsg::default()
    })
}

/// Can the bot post in this channel? Archived threads are reopened by a
/// message unless they are locked, as on Discord: the answer says whether
/// to reopen (done by [`reopen`] once the message is accepted).
fn check_sendable(st: &State, ch: &ChannelRec) -> Result<bool, Reply> {
    match ch.kind {
        0 | 5 | 10..=12 => {}
        1 => {
            if ch.recipient.is_some_and(|u| st.closed_dms.contains(&u)) {
                return Err(Reply::error(
                    403,
                    50007,
                    "Cannot send messages to this user",
                ));
            }
        }
        _ => {
            return Err(Reply::error(
                400,
                50008,
                "Cannot send messages in a non-text channel",
            ));
        }
    }
    if ch.is_thread() && ch.archived {
        if ch.locked {
            return Err(Reply::error(400, 50083, "Thread is archived"));
        }
        return Ok(true);
    }
    Ok(false)
}

/// Unarchives a thread and tells the bot (`THREAD_UPDATE`).
pub(crate) fn reopen(st: &mut State, thread_id: u64) {
    if let Some(c) = st.channels.get_mut(&thread_id) {
        c.archived = false;
        c.archive_timestamp = timestamp_now();
    }
    if let Some(c) = st.channels.get(&thread_id).cloned() {
        let v = json::channel(st, &c);
        st.dispatch("THREAD_UPDATE", v);
    }
}

/// Records a send or an edit (the message as it is now, plus the request's
/// `allowed_mentions` and `message_reference`).
pub(crate) fn record_sent(st: &mut State, msg_id: u64, request: &Value, edit: bool, via: Via) {
    let Some(m) = st.messages.get(&msg_id) else {
        return;
    };
    let j = &m.json;
    let ids = |key: &str| -> Vec<u64> {
        j.get(key)
            .and_then(Value::as_array)
            .map(|v| {
                v.iter()
                    .filter_map(|x| x.get("id").and_then(snowflake).or_else(|| snowflake(x)))
                    .collect()
            })
            .unwrap_or_default()
    };
    let sent = Sent {
        channel_id: m.channel_id,
        message_id: msg_id,
        content: j["content"].as_str().unwrap_or("").to_owned(),
        embeds: j.get("embeds").cloned().unwrap_or(json!([])),
        components: j.get("components").cloned().unwrap_or(json!([])),
        allowed_mentions: request
            .get("allowed_mentions")
            .filter(|v| !v.is_null())
            .cloned(),
        message_reference: request
            .get("message_reference")
            .filter(|v| !v.is_null())
            .cloned(),
        attachments: j
            .get("attachments")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|x| x["filename"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default(),
        mentions: ids("mentions"),
        mention_roles: ids("mention_roles"),
        flags: j["flags"].as_u64().unwrap_or(0),
        edit,
        via,
        request: request.clone(),
        at: Instant::now(),
    };
    st.sent.push(sent);
}

/// Sends `MESSAGE_CREATE`/`MESSAGE_UPDATE` for the bot's own message, as
/// Discord does (unless turned off or ephemeral).
fn echo(st: &mut State, msg_id: u64, event: &str) {
    if !st.echo_bot_messages || st.messages.get(&msg_id).is_none_or(|m| m.ephemeral) {
        return;
    }
    if let Some(v) = json::gateway_message(st, msg_id) {
        st.dispatch(event, v);
    }
}

fn create_message(st: &mut State, cid: &str, body: &Body) -> Answer {
    let ch = channel_rec(st, cid)?;
    let reopen_thread = check_sendable(st, &ch)?;
    let msg = new_message(st, &ch, body, 4 | 4096)?;
    if reopen_thread {
        reopen(st, ch.id);
    }
    let mid = json::store_message(st, msg);
    record_sent(st, mid, &body.json, false, Via::Rest);
    echo(st, mid, "MESSAGE_CREATE");
    stored_message(st, mid)
}

/// Applies an edit payload to a stored message (only the fields given).
fn apply_edit(st: &mut State, mid: u64, body: &Body) -> Result<(), Reply> {
    let p = &body.json;
    validate_payload(p, false, body.uploads.len())?;
    let Some(m) = st.messages.get(&mid).cloned() else {
        return Err(Reply::unknown_message());
    };
    let existing = m.json["attachments"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let atts = attachments(st, m.channel_id, body, &existing)?;
    let (users, roles, everyone) = mentions(st, p, None);
    let Some(stored) = st.messages.get_mut(&mid) else {
        return Err(Reply::unknown_message());
    };
    let j = &mut stored.json;
    if let Some(c) = p.get("content") {
        j["content"] = json!(c.as_str().unwrap_or(""));
        j["mentions"] = Value::Array(Vec::new());
        j["mention_roles"] = Value::Array(roles.iter().map(|r| id(*r)).collect());
        j["mention_everyone"] = json!(everyone);
    }
    if let Some(e) = p.get("embeds") {
        let embeds = e.as_array().cloned().unwrap_or_default();
        j["embeds"] = Value::Array(json::normalize_embeds(&embeds));
    }
    if let Some(c) = p.get("components") {
        j["components"] = json!(c.as_array().cloned().unwrap_or_default());
    }
    if let Some(a) = atts {
        j["attachments"] = Value::Array(a);
    }
    if let Some(f) = p.get("flags").and_then(Value::as_u64) {
        let keep = j["flags"].as_u64().unwrap_or(0) & 64;
        j["flags"] = json!(keep | (f & 4));
    }
    // A deferred reply stops "thinking" once edited.
    if let Some(f) = j["flags"].as_u64() {
        j["flags"] = json!(f & !128);
    }
    j["edited_timestamp"] = json!(timestamp_now());
    if p.get("content").is_some() {
        let mentioned: Vec<Value> = users.iter().map(|u| json::user_by_id(st, *u)).collect();
        if let Some(stored) = st.messages.get_mut(&mid) {
            stored.json["mentions"] = Value::Array(mentioned);
        }
    }
    Ok(())
}

fn edit_message(st: &mut State, cid: &str, mid: &str, body: &Body) -> Answer {
    let ch = channel_rec(st, cid)?;
    let mid = sf("message_id", mid)?;
    match st.messages.get(&mid) {
        Some(m) if m.channel_id == ch.id => {
            if m.author_id != BOT_ID {
                return Err(Reply::error(
                    403,
                    50005,
                    "Cannot edit a message authored by another user",
                ));
            }
        }
        _ => return Err(Reply::unknown_message()),
    }
    apply_edit(st, mid, body)?;
    record_sent(st, mid, &body.json, true, Via::Rest);
    echo(st, mid, "MESSAGE_UPDATE");
    stored_message(st, mid)
}

fn delete_message(st: &mut State, cid: &str, mid: &str) -> Answer {
    let ch = channel_rec(st, cid)?;
    let mid = sf("message_id", mid)?;
    match st.messages.get(&mid) {
        Some(m) if m.channel_id == ch.id => {}
        _ => return Err(Reply::unknown_message()),
    }
    st.messages.remove(&mid);
    let mut d = json!({"id": id(mid), "channel_id": id(ch.id)});
    if let Some(g) = ch.guild_id {
        d["guild_id"] = id(g);
    }
    st.dispatch("MESSAGE_DELETE", d);
    Ok(Reply::no_content())
}

fn react(st: &mut State, cid: &str, mid: &str, emoji: &str) -> Answer {
    let ch = channel_rec(st, cid)?;
    let mid = sf("message_id", mid)?;
    if st.messages.get(&mid).is_none_or(|m| m.channel_id != ch.id) {
        return Err(Reply::unknown_message());
    }
    st.reactions.push(Reaction {
        channel_id: ch.id,
        message_id: mid,
        emoji: percent_decode(emoji),
    });
    Ok(Reply::no_content())
}

fn typing(st: &mut State, cid: &str) -> Answer {
    let ch = channel_rec(st, cid)?;
    st.typing.push(ch.id);
    Ok(Reply::no_content())
}

/// Decodes `%XX` escapes in a path segment.
pub(crate) fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(hex) = s.get(i + 1..i + 3)
            && let Ok(b) = u8::from_str_radix(hex, 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A new thread record (the bot is its first member).
fn new_thread(
    st: &mut State,
    thread_id: u64,
    parent: &ChannelRec,
    name: &str,
    kind: u8,
    p: &Value,
) -> ChannelRec {
    let now = timestamp_now();
    ChannelRec {
        id: thread_id,
        kind,
        name: name.to_owned(),
        guild_id: parent.guild_id.or(Some(st.config.guild_id)),
        parent_id: Some(parent.id),
        owner_id: Some(BOT_ID),
        recipient: None,
        topic: None,
        position: 0,
        members: vec![BOT_ID],
        archived: false,
        locked: false,
        invitable: p.get("invitable").and_then(Value::as_bool).unwrap_or(true),
        auto_archive_duration: p
            .get("auto_archive_duration")
            .and_then(Value::as_u64)
            .and_then(|d| u32::try_from(d).ok())
            .unwrap_or(4320),
        created: now.clone(),
        archive_timestamp: now,
        starter_message: None,
        applied_tags: p
            .get("applied_tags")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default(),
    }
}

fn thread_create_event(st: &State, thread_id: u64) -> Option<Value> {
    let t = st.channels.get(&thread_id)?;
    let mut v = json::channel(st, t);
    v["newly_created"] = json!(true);
    Some(v)
}

fn create_thread(st: &mut State, cid: &str, body: &Body) -> Answer {
    let parent = channel_rec(st, cid)?;
    let p = &body.json;
    let name = p.get("name").and_then(Value::as_str).unwrap_or("");
    check_name("name", name)?;
    match parent.kind {
        15 | 16 => {
            let Some(message) = p.get("message").filter(|m| m.is_object()) else {
                return Err(Reply::invalid_form(
                    "message",
                    "BASE_TYPE_REQUIRED",
                    "This field is required",
                ));
            };
            let thread_id = st.next_id();
            let thread = new_thread(st, thread_id, &parent, name, 11, p);
            let msg_body = Body {
                json: message.clone(),
                uploads: body.uploads.clone(),
            };
            let mut msg = new_message(st, &thread, &msg_body, 4 | 4096)?;
            // A forum post's first message has the thread's id.
            msg.id = Some(thread_id);
            let mut thread = thread;
            thread.starter_message = Some(thread_id);
            st.channels.insert(thread_id, thread.clone());
            json::store_message(st, msg);
            record_sent(st, thread_id, message, false, Via::ForumPost);
            if let Some(ev) = thread_create_event(st, thread_id) {
                st.dispatch("THREAD_CREATE", ev);
            }
            echo(st, thread_id, "MESSAGE_CREATE");
            let mut v = json::channel(st, &thread);
            v["message"] = stored_message(st, thread_id)?.body.unwrap_or_default();
            Ok(Reply::created(v))
        }
        0 | 5 => {
            let kind = match p.get("type").and_then(Value::as_u64) {
                Some(k @ (11 | 12)) => u8::try_from(k).unwrap_or(12),
                Some(_) => {
                    return Err(Reply::invalid_form(
                        "type",
                        "BASE_TYPE_CHOICES",
                        "Value must be one of {10, 11, 12}.",
                    ));
                }
                None => {
                    return Err(Reply::invalid_form(
                        "type",
                        "BASE_TYPE_REQUIRED",
                        "This field is required",
                    ));
                }
            };
            let thread_id = st.next_id();
            let thread = new_thread(st, thread_id, &parent, name, kind, p);
            st.channels.insert(thread_id, thread.clone());
            if let Some(ev) = thread_create_event(st, thread_id) {
                st.dispatch("THREAD_CREATE", ev);
            }
            Ok(Reply::created(json::channel(st, &thread)))
        }
        _ => Err(Reply::wrong_channel_type()),
    }
}

fn thread_from_message(st: &mut State, cid: &str, mid: &str, p: &Value) -> Answer {
    let parent = channel_rec(st, cid)?;
    let mid = sf("message_id", mid)?;
    if !matches!(parent.kind, 0 | 5) {
        return Err(Reply::wrong_channel_type());
    }
    if st
        .messages
        .get(&mid)
        .is_none_or(|m| m.channel_id != parent.id)
    {
        return Err(Reply::unknown_message());
    }
    if st.channels.contains_key(&mid) {
        return Err(Reply::error(
            400,
            160_004,
            "A thread has already been created for this message",
        ));
    }
    let name = p.get("name").and_then(Value::as_str).unwrap_or("");
    check_name("name", name)?;
    let mut thread = new_thread(st, mid, &parent, name, 11, p);
    thread.starter_message = Some(mid);
    st.channels.insert(mid, thread.clone());
    let v = json::channel(st, &thread);
    if let Some(m) = st.messages.get_mut(&mid) {
        m.json["thread"] = v.clone();
    }
    if let Some(ev) = thread_create_event(st, mid) {
        st.dispatch("THREAD_CREATE", ev);
    }
    Ok(Reply::created(v))
}

fn thread_member(st: &mut State, cid: &str, uid: &str, add: bool) -> Answer {
    let ch = channel_rec(st, cid)?;
    if !ch.is_thread() {
        return Err(Reply::wrong_channel_type());
    }
    let uid = if uid == "@me" {
        BOT_ID
    } else {
        sf("user_id", uid)?
    };
    if !st.is_member(uid) {
        return Err(Reply::error(404, 10007, "Unknown Member"));
    }
    if ch.archived {
        return Err(Reply::error(400, 50083, "Thread is archived"));
    }
    if let Some(t) = st.channels.get_mut(&ch.id) {
        if add && !t.members.contains(&uid) {
            t.members.push(uid);
        } else if !add {
            t.members.retain(|m| *m != uid);
        }
    }
    Ok(Reply::no_content())
}

/// The interaction a webhook route's token belongs to.
fn interaction_by_token(st: &State, app: &str, token: &str) -> Result<u64, Reply> {
    if app.parse::<u64>().ok() != Some(APPLICATION_ID) {
        return Err(Reply::unknown_webhook());
    }
    st.interactions
        .values()
        .find(|i| i.token == token)
        .map(|i| i.id)
        .ok_or_else(Reply::unknown_webhook)
}

fn interaction_metadata(st: &State, iid: u64) -> Option<Value> {
    let i = st.interactions.get(&iid)?;
    Some(json!({
        "id": id(i.id),
        "type": i.kind,
        "user": json::user_by_id(st, i.user_id),
        "authorizing_integration_owners": {},
    }))
}

/// `POST /interactions/{id}/{token}/callback`.
fn callback(st: &mut State, iid: &str, token: &str, body: &Body) -> Answer {
    let iid = sf("interaction_id", iid)?;
    let deadline = st.config.interaction_deadline;
    let Some(inter) = st.interactions.get(&iid).cloned() else {
        return Err(Reply::unknown_interaction());
    };
    let delay = inter.created.elapsed();
    if inter.token != token || delay > deadline {
        return Err(Reply::unknown_interaction());
    }
    if inter.response.is_some() {
        return Err(Reply::error(
            400,
            40060,
            "Interaction has already been acknowledged.",
        ));
    }
    let p = &body.json;
    let kind = p.get("type").and_then(Value::as_u64).unwrap_or(0);
    let data = p.get("data").cloned().unwrap_or(Value::Null);
    let component = inter.kind == 3;
    let valid = match kind {
        4 | 5 | 9 => true,
        6 | 7 => component,
        _ => false,
    };
    if !valid {
        return Err(Reply::invalid_form(
            "type",
            "INTERACTION_RESPONSE_TYPE_INVALID",
            "Invalid interaction response type",
        ));
    }
    let data_body = Body {
        json: data.clone(),
        uploads: body.uploads.clone(),
    };
    let ch = st
        .channels
        .get(&inter.channel_id)
        .cloned()
        .ok_or_else(Reply::unknown_channel)?;
    let mut original = None;
    match kind {
        4 | 5 => {
            let mut msg = if kind == 4 {
                new_message(st, &ch, &data_body, 4 | 64 | 4096)?
            } else {
                NewMsg {
                    channel_id: ch.id,
                    author_id: BOT_ID,
                    flags: 128 | (data.get("flags").and_then(Value::as_u64).unwrap_or(0) & 64),
                    ..NewMsg::default()
                }
            };
            msg.webhook_id = Some(APPLICATION_ID);
            msg.kind = if inter.kind == 2 { 20 } else { 0 };
            msg.interaction_metadata = interaction_metadata(st, iid);
            let mid = json::store_message(st, msg);
            original = Some(mid);
            if kind == 4 {
                record_sent(
                    st,
                    mid,
                    &data,
                    false,
                    Via::InteractionResponse {
                        interaction_id: iid,
                    },
                );
            }
            echo(st, mid, "MESSAGE_CREATE");
        }
        7 => {
            let mid = inter.message_id.ok_or_else(Reply::unknown_message)?;
            apply_edit(st, mid, &data_body)?;
            original = Some(mid);
            record_sent(
                st,
                mid,
                &data,
                true,
                Via::InteractionResponse {
                    interaction_id: iid,
                },
            );
            echo(st, mid, "MESSAGE_UPDATE");
        }
        6 => original = inter.message_id,
        _ => {}
    }
    if let Some(i) = st.interactions.get_mut(&iid) {
        i.response = u8::try_from(kind).ok();
        i.original = original;
    }
    st.interaction_responses.push(InteractionResponse {
        interaction_id: iid,
        kind: u8::try_from(kind).unwrap_or(0),
        data,
        delay,
        at: Instant::now(),
    });
    Ok(Reply::no_content())
}

/// `GET`/`PATCH`/`DELETE /webhooks/{app}/{token}/messages/@original`.
fn original(st: &mut State, method: &str, app: &str, token: &str, body: &Body) -> Answer {
    let iid = interaction_by_token(st, app, token)?;
    let Some(mid) = st.interactions.get(&iid).and_then(|i| i.original) else {
        return Err(Reply::unknown_message());
    };
    if !st.messages.contains_key(&mid) {
        return Err(Reply::unknown_message());
    }
    match method {
        "GET" => stored_message(st, mid),
        "PATCH" => {
            apply_edit(st, mid, body)?;
            record_sent(
                st,
                mid,
                &body.json,
                true,
                Via::OriginalResponse {
                    interaction_id: iid,
                },
            );
            echo(st, mid, "MESSAGE_UPDATE");
            stored_message(st, mid)
        }
        "DELETE" => {
            let cid = st.messages.get(&mid).map_or(0, |m| m.channel_id);
            delete_message(st, &cid.to_string(), &mid.to_string())
        }
        _ => Err(Reply::error(405, 0, "405: Method Not Allowed")),
    }
}

/// `POST /webhooks/{app}/{token}`: a followup message.
fn followup(st: &mut State, app: &str, token: &str, body: &Body) -> Answer {
    let iid = interaction_by_token(st, app, token)?;
    let Some(inter) = st.interactions.get(&iid).cloned() else {
        return Err(Reply::unknown_webhook());
    };
    if inter.response.is_none() {
        return Err(Reply::unknown_webhook());
    }
    let ch = st
        .channels
        .get(&inter.channel_id)
        .cloned()
        .ok_or_else(Reply::unknown_channel)?;
    let mut msg = new_message(st, &ch, body, 4 | 64 | 4096)?;
    msg.webhook_id = Some(APPLICATION_ID);
    msg.interaction_metadata = interaction_metadata(st, iid);
    let mid = json::store_message(st, msg);
    record_sent(
        st,
        mid,
        &body.json,
        false,
        Via::Followup {
            interaction_id: iid,
        },
    );
    echo(st, mid, "MESSAGE_CREATE");
    stored_message(st, mid)
}

fn edit_followup(st: &mut State, app: &str, token: &str, mid: &str, body: &Body) -> Answer {
    let iid = interaction_by_token(st, app, token)?;
    let mid = sf("message_id", mid)?;
    let channel = st.interactions.get(&iid).map(|i| i.channel_id);
    if !st
        .messages
        .get(&mid)
        .is_some_and(|m| Some(m.channel_id) == channel && m.author_id == BOT_ID)
    {
        return Err(Reply::unknown_message());
    }
    apply_edit(st, mid, body)?;
    record_sent(
        st,
        mid,
        &body.json,
        true,
        Via::Followup {
            interaction_id: iid,
        },
    );
    echo(st, mid, "MESSAGE_UPDATE");
    stored_message(st, mid)
}

/// Checks one command payload; `Err` names the field.
fn validate_command(i: usize, c: &Value) -> Result<(), Reply> {
    let at = |f: &str| format!("{i}.{f}");
    let name = c.get("name").and_then(Value::as_str).unwrap_or("");
    let kind = c.get("type").and_then(Value::as_u64).unwrap_or(1);
    let name_ok = !name.is_empty()
        && name.chars().count() <= 32
        && (kind != 1
            || name
                .chars()
                .all(|ch| ch == '-' || ch == '_' || ch.is_numeric() || ch.is_lowercase()));
    if !name_ok {
        return Err(Reply::invalid_form(
            &at("name"),
            "APPLICATION_COMMAND_INVALID_NAME",
            "Command name is invalid",
        ));
    }
    let desc = text_len(c, "description");
    if kind == 1 && (desc == 0 || desc > 100) {
        return Err(Reply::invalid_form(
            &at("description"),
            "BASE_TYPE_BAD_LENGTH",
            "Must be between 1 and 100 in length.",
        ));
    }
    let options = c.get("options").and_then(Value::as_array);
    if options.is_some_and(|o| o.len() > 25) {
        return Err(Reply::invalid_form(
            &at("options"),
            "BASE_TYPE_MAX_LENGTH",
            "Must be 25 or fewer in length.",
        ));
    }
    for (j, o) in options.into_iter().flatten().enumerate() {
        let oname = o.get("name").and_then(Value::as_str).unwrap_or("");
        let odesc = text_len(o, "description");
        if oname.is_empty()
            || oname.chars().count() > 32
            || oname
                .chars()
                .any(|ch| ch.is_uppercase() || ch.is_whitespace())
        {
            return Err(Reply::invalid_form(
                &at(&format!("options.{j}.name")),
                "APPLICATION_COMMAND_INVALID_NAME",
                "Command name is invalid",
            ));
        }
        if odesc == 0 || odesc > 100 {
            return Err(Reply::invalid_form(
                &at(&format!("options.{j}.description")),
                "BASE_TYPE_BAD_LENGTH",
                "Must be between 1 and 100 in length.",
            ));
        }
    }
    Ok(())
}

fn command_json(c: &RegisteredCommand) -> Value {
    let mut v = json!({
        "id": id(c.id),
        "application_id": id(APPLICATION_ID),
        "version": id(c.id),
        "type": c.kind,
        "name": c.name,
        "name_localizations": null,
        "description": c.description,
        "description_localizations": null,
        "options": c.options,
        "default_member_permissions": c.raw.get("default_member_permissions").cloned().unwrap_or(Value::Null),
        "nsfw": false,
        "contexts": c.raw.get("contexts").cloned().unwrap_or(Value::Null),
        "integration_types": c.raw.get("integration_types").cloned().unwrap_or(json!([0])),
    });
    if let Some(g) = c.guild_id {
        v["guild_id"] = id(g);
    }
    v
}

fn registered(st: &mut State, guild: Option<u64>, c: &Value) -> RegisteredCommand {
    let name = c["name"].as_str().unwrap_or("").to_owned();
    let kind = u8::try_from(c.get("type").and_then(Value::as_u64).unwrap_or(1)).unwrap_or(1);
    let existing = st
        .commands
        .iter()
        .find(|r| r.guild_id == guild && r.name == name && r.kind == kind)
        .map(|r| r.id);
    let id = existing.unwrap_or_else(|| st.next_id());
    RegisteredCommand {
        id,
        guild_id: guild,
        name,
        kind,
        description: c
            .get("description")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned(),
        options: c.get("options").cloned().unwrap_or(json!([])),
        raw: c.clone(),
    }
}

/// Guild (`Some`) or global (`None`) command routes.
fn commands(st: &mut State, method: &str, app: &str, guild: Option<&str>, p: &Value) -> Answer {
    if app.parse::<u64>().ok() != Some(APPLICATION_ID) {
        return Err(Reply::error(403, 50001, "Missing Access"));
    }
    let guild = match guild {
        Some(g) => {
            let g = sf("guild_id", g)?;
            if g != st.config.guild_id {
                return Err(Reply::error(403, 50001, "Missing Access"));
            }
            Some(g)
        }
        None => None,
    };
    match method {
        "GET" => {
            let list: Vec<Value> = st
                .commands
                .iter()
                .filter(|c| c.guild_id == guild)
                .map(command_json)
                .collect();
            Ok(Reply::ok(Value::Array(list)))
        }
        "PUT" => {
            let Some(list) = p.as_array() else {
                return Err(Reply::invalid_form(
                    "_root",
                    "BASE_TYPE_ARRAY",
                    "Must be an array.",
                ));
            };
            let mut names = Vec::new();
            for (i, c) in list.iter().enumerate() {
                validate_command(i, c)?;
                let key = (
                    c["name"].as_str().unwrap_or("").to_owned(),
                    c.get("type").and_then(Value::as_u64).unwrap_or(1),
                );
                if names.contains(&key) {
                    return Err(Reply::invalid_form(
                        &format!("{i}.name"),
                        "APPLICATION_COMMANDS_DUPLICATE_NAME",
                        "Application command names must be unique",
                    ));
                }
                names.push(key);
            }
            let new: Vec<RegisteredCommand> =
                list.iter().map(|c| registered(st, guild, c)).collect();
            st.commands.retain(|c| c.guild_id != guild);
            st.commands.extend(new.iter().cloned());
            Ok(Reply::ok(Value::Array(
                new.iter().map(command_json).collect(),
            )))
        }
        "POST" => {
            validate_command(0, p).map_err(|_| {
                Reply::invalid_form("name", "APPLICATION_COMMAND_INVALID", "Invalid command")
            })?;
            let cmd = registered(st, guild, p);
            let existed = st.commands.iter().any(|c| c.id == cmd.id);
            st.commands.retain(|c| c.id != cmd.id);
            st.commands.push(cmd.clone());
            let v = command_json(&cmd);
            Ok(if existed {
                Reply::ok(v)
            } else {
                Reply::created(v)
            })
        }
        _ => Err(Reply::error(405, 0, "405: Method Not Allowed")),
    }
}

fn delete_command(st: &mut State, app: &str, guild: Option<&str>, cmd: &str) -> Answer {
    if app.parse::<u64>().ok() != Some(APPLICATION_ID) {
        return Err(Reply::error(403, 50001, "Missing Access"));
    }
    let guild = guild.map(|g| sf("guild_id", g)).transpose()?;
    let cmd = sf("command_id", cmd)?;
    let before = st.commands.len();
    st.commands
        .retain(|c| !(c.id == cmd && c.guild_id == guild));
    if st.commands.len() == before {
        return Err(Reply::error(404, 10063, "Unknown application command"));
    }
    Ok(Reply::no_content())
}

fn check_guild(st: &State, gid: &str) -> Result<(), Reply> {
    if sf("guild_id", gid)? != st.config.guild_id {
        return Err(Reply::error(404, 10004, "Unknown Guild"));
    }
    Ok(())
}

fn get_member(st: &State, gid: &str, uid: &str) -> Answer {
    check_guild(st, gid)?;
    let uid = sf("user_id", uid)?;
    json::member(st, uid, true)
        .map(Reply::ok)
        .ok_or_else(|| Reply::error(404, 10007, "Unknown Member"))
}

fn guild_channels(st: &State, gid: &str) -> Answer {
    check_guild(st, gid)?;
    let list: Vec<Value> = st
        .channels
        .values()
        .filter(|c| c.guild_id == Some(st.config.guild_id) && !c.is_thread())
        .map(|c| json::channel(st, c))
        .collect();
    Ok(Reply::ok(Value::Array(list)))
}

fn guild_roles(st: &State, gid: &str) -> Answer {
    check_guild(st, gid)?;
    Ok(Reply::ok(Value::Array(
        st.roles.iter().map(json::role).collect(),
    )))
}

fn active_threads(st: &State, gid: &str) -> Answer {
    check_guild(st, gid)?;
    let threads: Vec<&ChannelRec> = st
        .channels
        .values()
        .filter(|c| c.is_thread() && !c.archived && c.guild_id == Some(st.config.guild_id))
        .collect();
    let members: Vec<Value> = threads
        .iter()
        .filter(|t| t.members.contains(&BOT_ID))
        .map(|t| {
            json!({"id": id(t.id), "user_id": id(BOT_ID), "join_timestamp": t.created, "flags": 0})
        })
        .collect();
    Ok(Reply::ok(json!({
        "threads": threads.iter().map(|t| json::channel(st, t)).collect::<Vec<_>>(),
        "members": members,
    })))
}
