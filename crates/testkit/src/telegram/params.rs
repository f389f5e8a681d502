//! Request parameters: JSON, `multipart/form-data` and
//! `application/x-www-form-urlencoded` bodies (plus the query string) all end
//! up as one JSON object. In form bodies every value is a string (nested
//! objects such as `reply_markup` arrive as JSON text); the accessors here
//! accept both forms, the way the Bot API does.

use serde_json::{Map, Value, json};

/// Parameters of one request.
pub(crate) type Params = Map<String, Value>;

/// Parses a request body according to its content type and merges the query
/// string. `Err` is a description for a 400 answer.
pub(crate) fn parse(
    content_type: &str,
    body: &[u8],
    query: Option<&str>,
) -> Result<Params, String> {
    let mut params = Params::new();
    if let Some(q) = query {
        for (k, v) in form_urlencoded::parse(q.as_bytes()) {
            params.insert(k.into_owned(), Value::String(v.into_owned()));
        }
    }
    let mime = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(params);
    }
    match mime.as_str() {
        "multipart/form-data" => {
            let boundary = content_type
                .split(';')
                .filter_map(|p| p.trim().strip_prefix("boundary="))
                .next()
                .map(|b| b.trim_matches('"').to_owned())
                .ok_or("multipart body without a boundary")?;
            for part in multipart(body, &boundary)? {
                let value = match part.filename {
                    Some(filename) => json!({"uploaded_file": filename, "size": part.body.len()}),
                    None => Value::String(String::from_utf8_lossy(part.body).into_owned()),
                };
                params.insert(part.name, value);
            }
        }
        "application/x-www-form-urlencoded" => {
            for (k, v) in form_urlencoded::parse(body) {
                params.insert(k.into_owned(), Value::String(v.into_owned()));
            }
        }
        // Telegram treats a body without a known type as JSON too.
        _ => match serde_json::from_slice::<Value>(body) {
            Ok(Value::Object(m)) => params.extend(m),
            Ok(_) => return Err("request body must be a JSON object".to_owned()),
            Err(e) => return Err(format!("can't parse JSON request body: {e}")),
        },
    }
    Ok(params)
}

struct Part<'a> {
    name: String,
    filename: Option<String>,
    body: &'a [u8],
}

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    if needle.is_empty() || from > hay.len() {
        return None;
    }
    hay[from..]
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}

/// A small `multipart/form-data` reader: enough for what reqwest (and so
/// teloxide) sends.
fn multipart<'a>(body: &'a [u8], boundary: &str) -> Result<Vec<Part<'a>>, String> {
    let delim = format!("--{boundary}");
    let delim = delim.as_bytes();
    let mut parts = Vec::new();
    let mut pos = find(body, delim, 0).ok_or("multipart body without a boundary line")?;
    loop {
        pos += delim.len();
        if body[pos..].starts_with(b"--") {
            return Ok(parts);
        }
        let head_start = pos + 2; // after CRLF
        let head_end =
            find(body, b"\r\n\r\n", head_start).ok_or("multipart part without headers")?;
        let head = String::from_utf8_lossy(body.get(head_start..head_end).unwrap_or_default());
        let content_start = head_end + 4;
        let mut marker = b"\r\n".to_vec();
        marker.extend_from_slice(delim);
        let next = find(body, &marker, content_start).ok_or("unterminated multipart part")?;
        let mut name = None;
        let mut filename = None;
        for line in head.split("\r\n") {
            let Some((key, value)) = line.split_once(':') else {
                continue;
            };
            if !key.trim().eq_ignore_ascii_case("content-disposition") {
                continue;
            }
            for attr in value.split(';') {
                let attr = attr.trim();
                if let Some(v) = attr.strip_prefix("name=") {
                    name = Some(v.trim_matches('"').to_owned());
                } else if let Some(v) = attr.strip_prefix("filename=") {
                    filename = Some(v.trim_matches('"').to_owned());
                }
            }
        }
        let name = name.ok_or("multipart part without a name")?;
        parts.push(Part {
            name,
            filename,
            body: &body[content_start..next],
        });
        pos = next + 2;
    }
}

/// A string parameter (numbers and booleans are given as text).
pub(crate) fn string(p: &Params, key: &str) -> Option<String> {
    match p.get(key)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// An integer parameter, from a JSON number or a numeric string.
pub(crate) fn int(p: &Params, key: &str) -> Option<i64> {
    match p.get(key)? {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A boolean parameter (`true`, `"true"`, `"1"`).
pub(crate) fn boolean(p: &Params, key: &str) -> bool {
    match p.get(key) {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => matches!(s.trim(), "true" | "True" | "1"),
        Some(Value::Number(n)) => n.as_i64() == Some(1),
        _ => false,
    }
}

/// An object or array parameter, given as JSON or as JSON text.
pub(crate) fn object(p: &Params, key: &str) -> Option<Value> {
    match p.get(key)? {
        Value::String(s) => serde_json::from_str::<Value>(s)
            .ok()
            .filter(|v| v.is_object() || v.is_array()),
        v @ (Value::Object(_) | Value::Array(_)) => Some(v.clone()),
        _ => None,
    }
}

/// A 32-bit integer parameter (message ids, thread ids).
pub(crate) fn int32(p: &Params, key: &str) -> Option<i32> {
    int(p, key).and_then(|v| i32::try_from(v).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multipart_fields_and_files() {
        let body = b"--XyZ\r\nContent-Disposition: form-data; name=\"chat_id\"\r\n\r\n42\r\n\
--XyZ\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"a.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n\x00\x01\r\n\x02\r\n\
--XyZ\r\nContent-Disposition: form-data; name=\"reply_markup\"\r\n\r\n{\"inline_keyboard\":[]}\r\n--XyZ--\r\n";
        let p = parse("multipart/form-data; boundary=XyZ", body, Some("x=1")).expect("parses");
        assert_eq!(int(&p, "chat_id"), Some(42));
        assert_eq!(int(&p, "x"), Some(1));
        assert_eq!(p["photo"], json!({"uploaded_file": "a.jpg", "size": 5}));
        assert_eq!(
            object(&p, "reply_markup"),
            Some(json!({"inline_keyboard": []}))
        );
    }

    #[test]
    fn form_and_json() {
        let p = parse(
            "application/x-www-form-urlencoded",
            b"text=a%26b+c&flag=true",
            None,
        )
        .expect("parses");
        assert_eq!(string(&p, "text").as_deref(), Some("a&b c"));
        assert!(boolean(&p, "flag"));
        let p = parse("application/json", br#"{"chat_id": -100, "t": "x"}"#, None).expect("parses");
        assert_eq!(int(&p, "chat_id"), Some(-100));
        assert!(parse("application/json", b"[1]", None).is_err());
    }
}
