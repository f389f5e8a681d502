//! Reading updates one at a time, so that one Telegram update that cannot be read never
//! blocks the others.
//!
//! teloxide reads a `getUpdates` answer as a whole `Vec<Update>`: one element it cannot
//! deserialize (an `update_id` that is not a number) fails the whole call, every time, and
//! intake stops. A known kind whose body does not match the Bot API (a `message` without
//! `chat`) becomes teloxide's `UpdateKind::Error`, which says nothing of what was wrong.
//! So `getUpdates` is asked for raw JSON ([`RawGetUpdates`], through teloxide's own client,
//! so errors and 429s are the same) and each element is read here ([`read`]):
//! - [`Received::Update`]: a readable update (including kinds Switchboard does not use,
//!   which teloxide reads as `Error` and the parser ignores);
//! - [`Received::Invalid`]: an update Switchboard cannot read: its id (when one can be
//!   found) and what was wrong, in words that never quote the customer's text (the full
//!   error goes to the trace level only).
//!
//! The runner skips an invalid update, counts it, and acknowledges past it.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use teloxide::requests::Payload;
use teloxide::types::{AllowedUpdate, Update, UpdateKind};

/// `getUpdates` with its answer left as JSON values, one per update.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct RawGetUpdates {
    /// The first update to return (acknowledges everything below it).
    pub offset: i32,
    /// Seconds the server may hold the request open.
    pub timeout: u32,
    /// The kinds asked for.
    pub allowed_updates: Vec<AllowedUpdate>,
}

impl Payload for RawGetUpdates {
    type Output = Vec<Value>;
    const NAME: &'static str = "GetUpdates";

    fn timeout_hint(&self) -> Option<Duration> {
        Some(Duration::from_secs(self.timeout.into()))
    }
}

/// One element of a batch.
#[derive(Debug)]
pub(crate) enum Received {
    /// Readable.
    Update(Box<Update>),
    /// Not readable: skipped, counted, acknowledged past.
    Invalid {
        /// Its `update_id`, when one can be read (a number, or a string of one).
        id: Option<u32>,
        /// What was wrong, without quoting any value.
        why: String,
    },
}

impl Received {
    /// The update id, when known.
    pub(crate) fn id(&self) -> Option<u32> {
        match self {
            Received::Update(u) => Some(u.id.0),
            Received::Invalid { id, .. } => *id,
        }
    }
}

/// The update kinds teloxide reads: one of these that comes out as `UpdateKind::Error`
/// was malformed (any other key is a kind teloxide does not know, which is not an error).
const KNOWN_KINDS: [&str; 23] = [
    "message",
    "edited_message",
    "channel_post",
    "edited_channel_post",
    "business_connection",
    "business_message",
    "edited_business_message",
    "deleted_business_messages",
    "message_reaction",
    "message_reaction_count",
    "inline_query",
    "chosen_inline_result",
    "callback_query",
    "shipping_query",
    "pre_checkout_query",
    "purchased_paid_media",
    "poll",
    "poll_answer",
    "my_chat_member",
    "chat_member",
    "chat_join_request",
    "chat_boost",
    "removed_chat_boost",
];

/// A serde error in words that quote no value: serde_json's "invalid type: string
/// \"…\"" would repeat a customer's text, so only the part before the first quote or
/// colon is kept ("missing field `chat`" names a field, and is kept whole).
pub(crate) fn describe(e: &serde_json::Error) -> String {
    let full = e.to_string();
    tracing::trace!(error = %full, "the unreadable update's full error");
    if full.starts_with("missing field") {
        return full;
    }
    let cut = full.find([':', '"', '`']).unwrap_or(full.len());
    full[..cut].trim().to_string()
}

/// The `update_id` of a raw update, read leniently.
fn lenient_id(v: &Value) -> Option<u32> {
    let id = v.get("update_id")?;
    id.as_u64()
        .or_else(|| id.as_str().and_then(|s| s.trim().parse().ok()))
        .and_then(|n| u32::try_from(n).ok())
}

/// Reads one element of a `getUpdates` answer (or one webhook body).
pub(crate) fn read(v: Value) -> Received {
    let id = lenient_id(&v);
    let Some(obj) = v.as_object() else {
        return Received::Invalid {
            id,
            why: "an update that is not a JSON object".into(),
        };
    };
    let kind = obj.keys().find(|k| *k != "update_id").cloned();
    match Update::deserialize(&v) {
        Err(e) => Received::Invalid {
            id,
            why: format!("update_id: {}", describe(&e)),
        },
        Ok(u) => match (&u.kind, kind) {
            (UpdateKind::Error(_), Some(kind)) if KNOWN_KINDS.contains(&kind.as_str()) => {
                // teloxide keeps no trace of why: read the field again for the reason.
                let why = reason(obj.get(&kind), &kind);
                Received::Invalid { id, why }
            }
            _ => Received::Update(Box::new(u)),
        },
    }
}

/// Why the body of a known kind could not be read (messages say which field; the other
/// kinds only that they could not be read).
fn reason(body: Option<&Value>, kind: &str) -> String {
    let Some(body) = body else {
        return format!("{kind}: missing");
    };
    let err = match kind {
        "message" | "edited_message" | "channel_post" | "edited_channel_post" => {
            teloxide::types::Message::deserialize(body).err()
        }
        "callback_query" => teloxide::types::CallbackQuery::deserialize(body).err(),
        _ => None,
    };
    match err {
        Some(e) => format!("{kind}: {}", describe(&e)),
        None => format!("{kind}: not in the form the Bot API documents"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn message(chat: Value) -> Value {
        json!({
            "update_id": 7,
            "message": {
                "message_id": 1,
                "from": {"id": 42, "is_bot": false, "first_name": "Ann"},
                "chat": chat,
                "date": 1_700_000_000,
                "text": "my secret order 123"
            }
        })
    }

    #[test]
    fn a_good_message_is_an_update() {
        let r = read(message(
            json!({"id": 42, "type": "private", "first_name": "Ann"}),
        ));
        assert!(matches!(r, Received::Update(_)), "{r:?}");
    }

    #[test]
    fn a_message_without_chat_is_invalid_and_named() {
        let mut v = message(json!(null));
        v["message"].as_object_mut().unwrap().remove("chat");
        match read(v) {
            Received::Invalid { id, why } => {
                assert_eq!(id, Some(7));
                assert!(why.contains("message") && why.contains("chat"), "{why}");
            }
            r => panic!("{r:?}"),
        }
    }

    #[test]
    fn a_wrong_type_is_invalid_without_quoting_the_value() {
        let r = read(message(json!("my secret order 123")));
        match r {
            Received::Invalid { id, why } => {
                assert_eq!(id, Some(7));
                assert!(!why.contains("secret"), "{why}");
            }
            r => panic!("{r:?}"),
        }
    }

    #[test]
    fn an_unreadable_id_is_invalid_and_read_leniently() {
        let mut v = message(json!({"id": 42, "type": "private", "first_name": "Ann"}));
        v["update_id"] = json!("8");
        match read(v) {
            Received::Invalid { id, why } => {
                assert_eq!(id, Some(8));
                assert!(why.starts_with("update_id"), "{why}");
            }
            r => panic!("{r:?}"),
        }
        assert!(matches!(
            read(json!([1, 2])),
            Received::Invalid { id: None, .. }
        ));
    }

    #[test]
    fn teloxide_reading_the_whole_batch_fails_on_one_bad_id() {
        // Why `getUpdates` is read element by element: one unreadable `update_id` fails
        // the whole `Vec<Update>`, so the batch (and everything after it) never arrives.
        let good = message(json!({"id": 42, "type": "private", "first_name": "Ann"}));
        let mut bad = good.clone();
        bad["update_id"] = json!("8");
        let batch = json!([bad.clone(), good.clone()]);
        assert!(serde_json::from_value::<Vec<Update>>(batch).is_err());
        let read: Vec<Received> = [bad, good].into_iter().map(read).collect();
        assert!(matches!(read[0], Received::Invalid { id: Some(8), .. }));
        assert!(matches!(read[1], Received::Update(_)));
    }

    #[test]
    fn an_unknown_kind_is_not_invalid() {
        let r = read(json!({"update_id": 9, "some_future_kind": {"x": 1}}));
        assert!(matches!(r, Received::Update(_)), "{r:?}");
    }
}
