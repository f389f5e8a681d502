//! Discord's JSON shapes: users, members, roles, channels and threads,
//! messages, the guild (`GUILD_CREATE`), `READY`, interactions and the
//! application. Ids are strings, as Discord writes snowflakes; every field
//! serenity 0.12 requires is present (the tests deserialize these objects
//! with serenity's models).

use serde_json::{Map, Value, json};

use super::state::{ChannelRec, MsgRec, RoleRec, State, timestamp_now};
use super::types::{APPLICATION_ID, BOT_ID, DiscordUser, OWNER_ID};

/// Permissions the bot has everywhere (Administrator).
pub(crate) const BOT_PERMISSIONS: &str = "8";
/// Discord's limit on a file upload without boosts (10 MiB).
pub(crate) const ATTACHMENT_SIZE_LIMIT: u64 = 10 * 1024 * 1024;

/// A snowflake as Discord writes it.
pub(crate) fn id(v: u64) -> Value {
    Value::String(v.to_string())
}

/// Reads a snowflake written as a string or a number.
pub(crate) fn snowflake(v: &Value) -> Option<u64> {
    match v {
        Value::String(s) => s.parse().ok(),
        Value::Number(n) => n.as_u64(),
        _ => None,
    }
}

pub(crate) fn user(u: &DiscordUser) -> Value {
    let mut v = json!({
        "id": id(u.id),
        "username": u.name,
        "discriminator": "0",
        "global_name": u.global_name,
        "avatar": null,
        "public_flags": 0,
        "flags": 0,
        "avatar_decoration_data": null,
    });
    if u.bot {
        v["bot"] = json!(true);
    }
    v
}

/// The user object for `user_id` (a placeholder if the test never
/// registered them).
pub(crate) fn user_by_id(st: &State, user_id: u64) -> Value {
    match st.users.get(&user_id) {
        Some(u) => user(u),
        None => user(&DiscordUser::new(user_id, &format!("user{user_id}"))),
    }
}

/// A guild member object, with the `user` inside when `with_user`.
pub(crate) fn member(st: &State, user_id: u64, with_user: bool) -> Option<Value> {
    let m = st.members.get(&user_id)?;
    let mut v = json!({
        "nick": m.nick,
        "avatar": null,
        "banner": null,
        "roles": m.roles.iter().map(|r| id(*r)).collect::<Vec<_>>(),
        "joined_at": m.joined_at,
        "premium_since": null,
        "deaf": false,
        "mute": false,
        "flags": 0,
        "pending": false,
        "communication_disabled_until": null,
    });
    if with_user {
        v["user"] = user_by_id(st, user_id);
    }
    Some(v)
}

pub(crate) fn role(r: &RoleRec) -> Value {
    json!({
        "id": id(r.id),
        "name": r.name,
        "color": 0,
        "colors": {"primary_color": 0, "secondary_color": null, "tertiary_color": null},
        "hoist": false,
        "icon": null,
        "unicode_emoji": null,
        "position": r.position,
        "permissions": r.permissions.to_string(),
        "managed": false,
        "mentionable": false,
        "flags": 0,
    })
}

/// A channel object: guild text or forum channel, thread, or DM.
pub(crate) fn channel(st: &State, c: &ChannelRec) -> Value {
    let last = st.last_message_id(c.id).map(id);
    match c.kind {
        1 => json!({
            "id": id(c.id),
            "type": 1,
            "last_message_id": last,
            "flags": 0,
            "recipients": [c.recipient.map(|u| user_by_id(st, u)).unwrap_or(Value::Null)],
        }),
        10..=12 => {
            let mut metadata = json!({
                "archived": c.archived,
                "auto_archive_duration": c.auto_archive_duration,
                "archive_timestamp": c.archive_timestamp,
                "locked": c.locked,
                "create_timestamp": c.created,
            });
            if c.kind == 12 {
                metadata["invitable"] = json!(c.invitable);
            }
            let count = st.message_count(c.id);
            let mut v = json!({
                "id": id(c.id),
                "type": c.kind,
                "guild_id": c.guild_id.map(id),
                "parent_id": c.parent_id.map(id),
                "owner_id": c.owner_id.map(id),
                "name": c.name,
                "last_message_id": last,
                "message_count": count,
                "total_message_sent": count,
                "member_count": c.members.len().min(50),
                "rate_limit_per_user": 0,
                "flags": 0,
                "thread_metadata": metadata,
                "applied_tags": c.applied_tags,
            });
            if c.members.contains(&BOT_ID) {
                v["member"] = json!({
                    "id": id(c.id),
                    "user_id": id(BOT_ID),
                    "join_timestamp": c.created,
                    "flags": 0,
                });
            }
            v
        }
        kind => {
            let mut v = json!({
                "id": id(c.id),
                "type": kind,
                "guild_id": c.guild_id.map(id),
                "name": c.name,
                "position": c.position,
                "permission_overwrites": [],
                "parent_id": c.parent_id.map(id),
                "topic": c.topic,
                "nsfw": false,
                "last_message_id": last,
                "rate_limit_per_user": 0,
                "flags": 0,
            });
            if kind == 15 {
                v["available_tags"] = json!([]);
                v["default_reaction_emoji"] = Value::Null;
                v["default_sort_order"] = Value::Null;
                v["default_forum_layout"] = json!(0);
                v["default_thread_rate_limit_per_user"] = json!(0);
            }
            v
        }
    }
}

/// The guild as `GUILD_CREATE` carries it.
pub(crate) fn guild(st: &State) -> Value {
    let c = &st.config;
    let channels: Vec<Value> = st
        .channels
        .values()
        .filter(|ch| ch.guild_id == Some(c.guild_id) && !ch.is_thread())
        .map(|ch| channel(st, ch))
        .collect();
    let threads: Vec<Value> = st
        .channels
        .values()
        .filter(|ch| ch.guild_id == Some(c.guild_id) && ch.is_thread() && !ch.archived)
        .map(|ch| channel(st, ch))
        .collect();
    let members: Vec<Value> = st
        .members
        .keys()
        .filter_map(|u| member(st, *u, true))
        .collect();
    let joined_at = st
        .members
        .get(&BOT_ID)
        .map_or_else(timestamp_now, |m| m.joined_at.clone());
    let mut guild = json!({
        "id": id(c.guild_id),
        "name": c.guild_name,
        "icon": null,
        "icon_hash": null,
        "splash": null,
        "discovery_splash": null,
        "owner_id": id(OWNER_ID),
        "afk_channel_id": null,
        "afk_timeout": 300,
        "widget_enabled": false,
        "widget_channel_id": null,
        "verification_level": 0,
        "default_message_notifications": 1,
        "explicit_content_filter": 0,
        "roles": st.roles.iter().map(role).collect::<Vec<_>>(),
        "emojis": [],
        "features": [],
        "mfa_level": 0,
        "application_id": null,
        "system_channel_id": null,
        "system_channel_flags": 0,
        "rules_channel_id": null,
        "max_presences": null,
        "max_members": 500_000,
        "vanity_url_code": null,
        "description": null,
        "banner": null,
        "premium_tier": 0,
        "premium_subscription_count": 0,
        "preferred_locale": "en-US",
        "public_updates_channel_id": null,
        "max_video_channel_users": 25,
        "max_stage_video_channel_users": 50,
        "nsfw_level": 0,
        "stickers": [],
        "premium_progress_bar_enabled": false,
        "safety_alerts_channel_id": null,
        "incidents_data": null,
    });
    let state = json!({
        "joined_at": joined_at,
        "large": false,
        "unavailable": false,
        "member_count": st.members.len(),
        "voice_states": [],
        "members": members,
        "channels": channels,
        "threads": threads,
        "presences": [],
        "stage_instances": [],
        "guild_scheduled_events": [],
        "soundboard_sounds": [],
        "lazy": true,
    });
    if let (Some(g), Value::Object(extra)) = (guild.as_object_mut(), state) {
        g.extend(extra);
    }
    guild
}

/// `READY`'s data for a new session.
pub(crate) fn ready(st: &State, session_id: &str, resume_url: &str) -> Value {
    json!({
        "v": 10,
        "user": user(&st.bot()),
        "guilds": [{"id": id(st.config.guild_id), "unavailable": true}],
        "session_id": session_id,
        "resume_gateway_url": resume_url,
        "session_type": "normal",
        "shard": [0, 1],
        "application": {"id": id(APPLICATION_ID), "flags": 0},
        "private_channels": [],
        "relationships": [],
        "presences": [],
        "guild_join_requests": [],
        "geo_ordered_rtc_regions": ["local"],
        "user_settings": {},
        "_trace": ["[\"fake-discord-gateway\"]"],
    })
}

/// `GET /oauth2/applications/@me`.
pub(crate) fn application(st: &State) -> Value {
    json!({
        "id": id(APPLICATION_ID),
        "name": st.bot().name,
        "icon": null,
        "description": "",
        "summary": "",
        "type": null,
        "hook": true,
        "bot_public": false,
        "bot_require_code_grant": false,
        "verify_key": "0".repeat(64),
        "owner": user_by_id(st, OWNER_ID),
        "team": null,
        "flags": 0,
        "bot": user(&st.bot()),
        "redirect_uris": [],
        "interactions_endpoint_url": null,
        "role_connections_verification_url": null,
        "tags": [],
        "approximate_guild_count": 1,
    })
}

/// Everything a new message needs; [`store_message`] builds and stores it.
#[derive(Debug, Clone, Default)]
pub(crate) struct NewMsg {
    pub channel_id: u64,
    pub author_id: u64,
    pub content: String,
    pub embeds: Vec<Value>,
    pub components: Vec<Value>,
    pub attachments: Vec<Value>,
    pub mentions: Vec<u64>,
    pub mention_roles: Vec<u64>,
    pub mention_everyone: bool,
    pub reference: Option<u64>,
    pub flags: u64,
    /// Message type (0 default, 19 reply, 20 slash command reply).
    pub kind: u8,
    pub tts: bool,
    pub webhook_id: Option<u64>,
    pub interaction_metadata: Option<Value>,
    /// Use this id (thread starter messages in forums share the thread's id).
    pub id: Option<u64>,
}

/// Embeds as Discord echoes them: `type` is `rich` unless given.
pub(crate) fn normalize_embeds(embeds: &[Value]) -> Vec<Value> {
    embeds
        .iter()
        .map(|e| {
            let mut e = e.clone();
            if let Some(obj) = e.as_object_mut() {
                obj.entry("type").or_insert_with(|| json!("rich"));
            }
            e
        })
        .collect()
}

/// Builds the message object, stores it and returns its id.
pub(crate) fn store_message(st: &mut State, m: NewMsg) -> u64 {
    let msg_id = m.id.unwrap_or_else(|| st.next_id());
    let mut kind = m.kind;
    let mut obj = Map::new();
    obj.insert("id".into(), id(msg_id));
    obj.insert("channel_id".into(), id(m.channel_id));
    obj.insert("author".into(), user_by_id(st, m.author_id));
    obj.insert("content".into(), json!(m.content));
    obj.insert("timestamp".into(), json!(timestamp_now()));
    obj.insert("edited_timestamp".into(), Value::Null);
    obj.insert("tts".into(), json!(m.tts));
    obj.insert("mention_everyone".into(), json!(m.mention_everyone));
    obj.insert(
        "mentions".into(),
        Value::Array(m.mentions.iter().map(|u| user_by_id(st, *u)).collect()),
    );
    obj.insert(
        "mention_roles".into(),
        Value::Array(m.mention_roles.iter().map(|r| id(*r)).collect()),
    );
    obj.insert("attachments".into(), Value::Array(m.attachments));
    obj.insert("embeds".into(), Value::Array(normalize_embeds(&m.embeds)));
    obj.insert("pinned".into(), json!(false));
    obj.insert("flags".into(), json!(m.flags));
    obj.insert("components".into(), Value::Array(m.components));
    if let Some(reference) = m.reference {
        let referenced = st.messages.get(&reference).map(|r| {
            let mut r = r.json.clone();
            if let Some(o) = r.as_object_mut() {
                o.remove("referenced_message");
            }
            r
        });
        let ref_channel = st
            .messages
            .get(&reference)
            .map_or(m.channel_id, |r| r.channel_id);
        let mut mr = json!({
            "type": 0,
            "message_id": id(reference),
            "channel_id": id(ref_channel),
        });
        if let Some(g) = st.guild_of(ref_channel) {
            mr["guild_id"] = id(g);
        }
        obj.insert("message_reference".into(), mr);
        obj.insert(
            "referenced_message".into(),
            referenced.unwrap_or(Value::Null),
        );
        if kind == 0 {
            kind = 19;
        }
    }
    obj.insert("type".into(), json!(kind));
    if let Some(w) = m.webhook_id {
        obj.insert("webhook_id".into(), id(w));
        obj.insert("application_id".into(), id(APPLICATION_ID));
    }
    if let Some(meta) = m.interaction_metadata {
        obj.insert("interaction_metadata".into(), meta);
    }
    if st
        .channels
        .get(&m.channel_id)
        .is_some_and(ChannelRec::is_thread)
    {
        obj.insert("position".into(), json!(st.message_count(m.channel_id)));
    }
    st.messages.insert(
        msg_id,
        MsgRec {
            channel_id: m.channel_id,
            json: Value::Object(obj),
            author_id: m.author_id,
            ephemeral: m.flags & 64 != 0,
        },
    );
    msg_id
}

/// A stored message as the gateway carries it: with `guild_id` and the
/// author's `member` in a guild.
pub(crate) fn gateway_message(st: &State, msg_id: u64) -> Option<Value> {
    let m = st.messages.get(&msg_id)?;
    let mut v = m.json.clone();
    if let Some(g) = st.guild_of(m.channel_id) {
        v["guild_id"] = id(g);
        if m.json.get("webhook_id").is_none()
            && let Some(member) = member(st, m.author_id, false)
        {
            v["member"] = member;
        }
    }
    Some(v)
}

/// An attachment object for a file served by the fake at `/attachments/...`.
pub(crate) fn attachment(
    st: &mut State,
    channel_id: u64,
    filename: &str,
    content_type: &str,
    bytes: Vec<u8>,
) -> Value {
    let att_id = st.next_id();
    let path = format!("/attachments/{channel_id}/{att_id}/{filename}");
    let url = format!("http://{}{path}", st.addr);
    let size = bytes.len();
    st.files.insert(path, (content_type.to_owned(), bytes));
    json!({
        "id": id(att_id),
        "filename": filename,
        "size": size,
        "url": url,
        "proxy_url": url,
        "content_type": content_type,
    })
}

/// The member object an interaction carries: with `user` and the
/// member's `permissions` in the channel.
pub(crate) fn interaction_member(st: &State, user_id: u64) -> Option<Value> {
    let mut m = member(st, user_id, true)?;
    m["permissions"] = json!("1071698660929");
    Some(m)
}

/// The partial channel an interaction carries.
pub(crate) fn interaction_channel(st: &State, channel_id: u64) -> Value {
    match st.channels.get(&channel_id) {
        Some(c) => {
            let mut v = json!({"id": id(c.id), "type": c.kind, "flags": 0});
            if c.kind != 1 {
                v["name"] = json!(c.name);
                v["guild_id"] = c.guild_id.map_or(Value::Null, id);
                v["parent_id"] = c.parent_id.map_or(Value::Null, id);
            }
            if c.is_thread() {
                v["thread_metadata"] = json!({
                    "archived": c.archived,
                    "auto_archive_duration": c.auto_archive_duration,
                    "archive_timestamp": c.archive_timestamp,
                    "locked": c.locked,
                });
            }
            v
        }
        None => json!({"id": id(channel_id), "type": 0}),
    }
}
