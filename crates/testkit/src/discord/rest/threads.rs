//! Thread routes: threads started from a message (the thread has the message's id),
//! forum posts (the first message has the post's id), private threads, thread members.

use serde_json::{Value, json};

use super::messages::{echo, record_sent, stored_message};
use super::payload::new_message;
use super::reply::{Answer, Reply, channel_rec, check_name, sf};
use crate::discord::body::Body;
use crate::discord::json;
use crate::discord::state::{ChannelRec, State, timestamp_now};
use crate::discord::types::{BOT_ID, Via};

/// A new thread record (the bot is its first member).
pub(crate) fn new_thread(
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

pub(crate) fn thread_create_event(st: &State, thread_id: u64) -> Option<Value> {
    let t = st.channels.get(&thread_id)?;
    let mut v = json::channel(st, t);
    v["newly_created"] = json!(true);
    Some(v)
}

pub(crate) fn create_thread(st: &mut State, cid: &str, body: &Body) -> Answer {
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

pub(crate) fn thread_from_message(st: &mut State, cid: &str, mid: &str, p: &Value) -> Answer {
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

pub(crate) fn thread_member(st: &mut State, cid: &str, uid: &str, add: bool) -> Answer {
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
