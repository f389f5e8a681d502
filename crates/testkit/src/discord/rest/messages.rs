//! Message routes: history (newest first, also with `after`), one message, send (to an
//! archived thread: reopened unless locked), edit, delete, reactions, typing; and the
//! record of what the bot sent, echoed back over the gateway as Discord does.

use std::collections::HashMap;
use std::time::Instant;

use serde_json::{Value, json};

use super::payload::{attachments, mentions, new_message, validate_payload};
use super::reply::{Answer, Reply, channel_rec, percent_decode, sf};
use crate::discord::body::Body;
use crate::discord::json::{self, id, snowflake};
use crate::discord::state::{ChannelRec, State, timestamp_now};
use crate::discord::types::{BOT_ID, Reaction, Sent, Via};

pub(crate) fn limit(query: &HashMap<String, String>) -> Result<usize, Reply> {
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
pub(crate) fn get_messages(st: &State, cid: &str, query: &HashMap<String, String>) -> Answer {
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
pub(crate) fn stored_message(st: &State, mid: u64) -> Answer {
    st.messages
        .get(&mid)
        .map(|m| Reply::ok(m.json.clone()))
        .ok_or_else(Reply::unknown_message)
}

pub(crate) fn get_message(st: &State, cid: &str, mid: &str) -> Answer {
    let ch = channel_rec(st, cid)?;
    let mid = sf("message_id", mid)?;
    match st.messages.get(&mid) {
        Some(m) if m.channel_id == ch.id && !m.ephemeral => Ok(Reply::ok(m.json.clone())),
        _ => Err(Reply::unknown_message()),
    }
}

/// Can the bot post in this channel? Archived threads are reopened by a
/// message unless they are locked, as on Discord: the answer says whether
/// to reopen (done by [`reopen`] once the message is accepted).
pub(crate) fn check_sendable(st: &State, ch: &ChannelRec) -> Result<bool, Reply> {
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
pub(crate) fn echo(st: &mut State, msg_id: u64, event: &str) {
    if !st.echo_bot_messages || st.messages.get(&msg_id).is_none_or(|m| m.ephemeral) {
        return;
    }
    if let Some(v) = json::gateway_message(st, msg_id) {
        st.dispatch(event, v);
    }
}

pub(crate) fn create_message(st: &mut State, cid: &str, body: &Body) -> Answer {
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
pub(crate) fn apply_edit(st: &mut State, mid: u64, body: &Body) -> Result<(), Reply> {
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

pub(crate) fn edit_message(st: &mut State, cid: &str, mid: &str, body: &Body) -> Answer {
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

pub(crate) fn delete_message(st: &mut State, cid: &str, mid: &str) -> Answer {
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

pub(crate) fn react(st: &mut State, cid: &str, mid: &str, emoji: &str) -> Answer {
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

pub(crate) fn typing(st: &mut State, cid: &str) -> Answer {
    let ch = channel_rec(st, cid)?;
    st.typing.push(ch.id);
    Ok(Reply::no_content())
}
