//! Message payloads checked the way Discord does (lengths of content, embeds and
//! components, duplicate custom ids, something to send), their files and mentions, and
//! the message record a valid payload makes.

use serde_json::{Value, json};

use super::reply::Reply;
use crate::discord::body::Body;
use crate::discord::json::{self, NewMsg, snowflake};
use crate::discord::state::{ChannelRec, State};
use crate::discord::types::BOT_ID;

/// Checks a message payload the way Discord does: lengths of content,
/// embeds and components, duplicate custom ids, and (when `creating`)
/// that there is something to send.
pub(crate) fn validate_payload(p: &Value, creating: bool, files: usize) -> Result<(), Reply> {
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

pub(crate) fn text_len(v: &Value, key: &str) -> usize {
    v.get(key)
        .and_then(Value::as_str)
        .map_or(0, |s| s.chars().count())
}

pub(crate) fn validate_embeds(embeds: &[Value]) -> Result<(), Reply> {
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

pub(crate) fn validate_components(rows: &[Value]) -> Result<(), Reply> {
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
pub(crate) fn attachments(
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
pub(crate) fn mentions(
    st: &State,
    p: &Value,
    reference: Option<u64>,
) -> (Vec<u64>, Vec<u64>, bool) {
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
pub(crate) fn new_message(
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
