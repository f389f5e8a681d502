//! Interaction routes: the callback (within the deadline, once), the `@original`
//! response and followups, found by the interaction's token.

use std::time::Instant;

use serde_json::{Value, json};

use super::messages::{apply_edit, delete_message, echo, record_sent, stored_message};
use super::payload::new_message;
use super::reply::{Answer, Reply, sf};
use crate::discord::body::Body;
use crate::discord::json::{self, NewMsg, id};
use crate::discord::state::State;
use crate::discord::types::{APPLICATION_ID, BOT_ID, InteractionResponse, Via};

/// The interaction a webhook route's token belongs to.
pub(crate) fn interaction_by_token(st: &State, app: &str, token: &str) -> Result<u64, Reply> {
    if app.parse::<u64>().ok() != Some(APPLICATION_ID) {
        return Err(Reply::unknown_webhook());
    }
    st.interactions
        .values()
        .find(|i| i.token == token)
        .map(|i| i.id)
        .ok_or_else(Reply::unknown_webhook)
}

pub(crate) fn interaction_metadata(st: &State, iid: u64) -> Option<Value> {
    let i = st.interactions.get(&iid)?;
    Some(json!({
        "id": id(i.id),
        "type": i.kind,
        "user": json::user_by_id(st, i.user_id),
        "authorizing_integration_owners": {},
    }))
}

/// `POST /interactions/{id}/{token}/callback`.
pub(crate) fn callback(st: &mut State, iid: &str, token: &str, body: &Body) -> Answer {
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
pub(crate) fn original(
    st: &mut State,
    method: &str,
    app: &str,
    token: &str,
    body: &Body,
) -> Answer {
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
pub(crate) fn followup(st: &mut State, app: &str, token: &str, body: &Body) -> Answer {
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

pub(crate) fn edit_followup(
    st: &mut State,
    app: &str,
    token: &str,
    mid: &str,
    body: &Body,
) -> Answer {
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
