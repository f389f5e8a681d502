//! What every route shares: the [`Reply`] (Discord's error shapes included), the
//! request's parts ([`Req`]), snowflake path parameters, channel lookups and name checks.

use std::collections::HashMap;

use serde_json::{Map, Value, json};

use crate::discord::body::Body;
use crate::discord::state::{ChannelRec, State};

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

    pub(crate) fn created(body: Value) -> Reply {
        Reply {
            status: 201,
            body: Some(body),
            headers: Vec::new(),
        }
    }

    pub(crate) fn no_content() -> Reply {
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
    pub(crate) fn invalid_form(path: &str, code: &str, message: &str) -> Reply {
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

    pub(crate) fn unknown_channel() -> Reply {
        Reply::error(404, 10003, "Unknown Channel")
    }

    pub(crate) fn unknown_message() -> Reply {
        Reply::error(404, 10008, "Unknown Message")
    }

    pub(crate) fn unknown_interaction() -> Reply {
        Reply::error(404, 10062, "Unknown interaction")
    }

    pub(crate) fn unknown_webhook() -> Reply {
        Reply::error(404, 10015, "Unknown Webhook")
    }

    pub(crate) fn wrong_channel_type() -> Reply {
        Reply::error(400, 50024, "Cannot execute action on this channel type")
    }
}

pub(crate) type Answer = Result<Reply, Reply>;

/// A route's parameters.
pub(crate) struct Req<'a> {
    pub method: &'a str,
    pub segments: &'a [String],
    pub query: &'a HashMap<String, String>,
    pub body: &'a Body,
}

/// A snowflake path parameter; Discord answers 400 for anything else.
pub(crate) fn sf(field: &str, raw: &str) -> Result<u64, Reply> {
    raw.parse::<u64>().map_err(|_| {
        Reply::invalid_form(
            field,
            "NUMBER_TYPE_COERCE",
            &format!("Value \"{raw}\" is not snowflake."),
        )
    })
}

pub(crate) fn channel_rec(st: &State, cid: &str) -> Result<ChannelRec, Reply> {
    let cid = sf("channel_id", cid)?;
    st.channels
        .get(&cid)
        .cloned()
        .ok_or_else(Reply::unknown_channel)
}

pub(crate) fn check_name(field: &str, name: &str) -> Result<(), Reply> {
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
