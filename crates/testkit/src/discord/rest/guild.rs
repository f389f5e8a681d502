//! Users, DMs, channels and the guild: the bot itself, other users, opening a DM,
//! reading and editing a channel (or thread), members, channels, roles, active threads.

use serde_json::{Value, json};

use super::reply::{Answer, Reply, channel_rec, check_name, sf};
use crate::discord::json::{self, id, snowflake};
use crate::discord::state::{ChannelRec, State, timestamp_now};
use crate::discord::types::BOT_ID;

pub(crate) fn current_user(st: &State) -> Value {
    let mut me = json::user(&st.bot());
    me["verified"] = json!(true);
    me["mfa_enabled"] = json!(false);
    me["locale"] = json!("en-US");
    me["email"] = Value::Null;
    me["premium_type"] = json!(0);
    me
}

pub(crate) fn get_user(st: &State, uid: &str) -> Answer {
    let uid = sf("user_id", uid)?;
    st.users
        .get(&uid)
        .map(|u| Reply::ok(json::user(u)))
        .ok_or_else(|| Reply::error(404, 10013, "Unknown User"))
}

pub(crate) fn create_dm(st: &mut State, p: &Value) -> Answer {
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

pub(crate) fn get_channel(st: &State, cid: &str) -> Answer {
    let ch = channel_rec(st, cid)?;
    Ok(Reply::ok(json::channel(st, &ch)))
}

pub(crate) fn edit_channel(st: &mut State, cid: &str, p: &Value) -> Answer {
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

pub(crate) fn check_guild(st: &State, gid: &str) -> Result<(), Reply> {
    if sf("guild_id", gid)? != st.config.guild_id {
        return Err(Reply::error(404, 10004, "Unknown Guild"));
    }
    Ok(())
}

pub(crate) fn get_member(st: &State, gid: &str, uid: &str) -> Answer {
    check_guild(st, gid)?;
    let uid = sf("user_id", uid)?;
    json::member(st, uid, true)
        .map(Reply::ok)
        .ok_or_else(|| Reply::error(404, 10007, "Unknown Member"))
}

pub(crate) fn guild_channels(st: &State, gid: &str) -> Answer {
    check_guild(st, gid)?;
    let list: Vec<Value> = st
        .channels
        .values()
        .filter(|c| c.guild_id == Some(st.config.guild_id) && !c.is_thread())
        .map(|c| json::channel(st, c))
        .collect();
    Ok(Reply::ok(Value::Array(list)))
}

pub(crate) fn guild_roles(st: &State, gid: &str) -> Answer {
    check_guild(st, gid)?;
    Ok(Reply::ok(Value::Array(
        st.roles.iter().map(json::role).collect(),
    )))
}

pub(crate) fn active_threads(st: &State, gid: &str) -> Answer {
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
