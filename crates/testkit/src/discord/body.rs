//! Request bodies: JSON, or `multipart/form-data` with the JSON in a
//! `payload_json` part and files in `files[N]` parts (how serenity sends
//! messages with attachments).

use serde_json::{Map, Value, json};

/// A file part of a multipart body.
#[derive(Debug, Clone)]
pub(crate) struct Upload {
    /// The form field, e.g. `files[0]`.
    pub field: String,
    pub filename: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// A parsed request body.
#[derive(Debug, Clone, Default)]
pub(crate) struct Body {
    /// The JSON payload (`Null` for an empty body).
    pub json: Value,
    pub uploads: Vec<Upload>,
}

impl Body {
    /// The payload as recorded in a call: the JSON, with the uploaded files
    /// listed under `_files` for multipart bodies.
    pub(crate) fn recorded(&self) -> Value {
        if self.uploads.is_empty() {
            return self.json.clone();
        }
        let files: Vec<Value> = self
            .uploads
            .iter()
            .map(|u| json!({"field": u.field, "filename": u.filename, "size": u.bytes.len()}))
            .collect();
        let mut v = match &self.json {
            Value::Object(m) => Value::Object(m.clone()),
            Value::Null => Value::Object(Map::new()),
            other => json!({"payload": other}),
        };
        v["_files"] = Value::Array(files);
        v
    }

    /// The upload whose `files[N]` index is `n`.
    pub(crate) fn upload(&self, n: u64) -> Option<&Upload> {
        let field = format!("files[{n}]");
        self.uploads.iter().find(|u| u.field == field)
    }
}

/// Parses a body by its content type. `Err` is a reason for a 400.
pub(crate) fn parse(content_type: &str, bytes: &[u8]) -> Result<Body, String> {
    let mime = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(Body::default());
    }
    if mime == "multipart/form-data" {
        let boundary = content_type
            .split(';')
            .filter_map(|p| p.trim().strip_prefix("boundary="))
            .next()
            .map(|b| b.trim_matches('"').to_owned())
            .ok_or("multipart body without a boundary")?;
        let mut body = Body::default();
        for part in multipart(bytes, &boundary)? {
            match part.filename {
                Some(filename) => body.uploads.push(Upload {
                    field: part.name,
                    filename,
                    content_type: part
                        .content_type
                        .unwrap_or_else(|| "application/octet-stream".into()),
                    bytes: part.body.to_vec(),
                }),
                None if part.name == "payload_json" => {
                    body.json = serde_json::from_slice(part.body)
                        .map_err(|e| format!("payload_json is not JSON: {e}"))?;
                }
                None => {
                    // Plain form fields: kept as strings beside the payload.
                    let text = String::from_utf8_lossy(part.body).into_owned();
                    if !body.json.is_object() {
                        body.json = Value::Object(Map::new());
                    }
                    body.json[part.name.as_str()] = Value::String(text);
                }
            }
        }
        return Ok(body);
    }
    let json = serde_json::from_slice(bytes).map_err(|e| format!("body is not JSON: {e}"))?;
    Ok(Body {
        json,
        uploads: Vec::new(),
    })
}

struct Part<'a> {
    name: String,
    filename: Option<String>,
    content_type: Option<String>,
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
/// serenity) sends.
fn multipart<'a>(body: &'a [u8], boundary: &str) -> Result<Vec<Part<'a>>, String> {
    let delim = format!("--{boundary}");
    let delim = delim.as_bytes();
    let mut parts = Vec::new();
    let mut pos = find(body, delim, 0).ok_or("multipart body without a boundary line")?;
    loop {
        pos += delim.len();
        if body.get(pos..).is_none_or(|rest| rest.starts_with(b"--")) {
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
        let mut content_type = None;
        for line in head.split("\r\n") {
            let Some((key, value)) = line.split_once(':') else {
                continue;
            };
            let key = key.trim();
            if key.eq_ignore_ascii_case("content-type") {
                content_type = Some(value.trim().to_owned());
                continue;
            }
            if !key.eq_ignore_ascii_case("content-disposition") {
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
            content_type,
            body: &body[content_start..next],
        });
        pos = next + 2;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multipart_payload_and_files() {
        let body = b"--XyZ\r\nContent-Disposition: form-data; name=\"files[0]\"; filename=\"a.png\"\r\nContent-Type: image/png\r\n\r\n\x00\x01\r\n\x02\r\n\
--XyZ\r\nContent-Disposition: form-data; name=\"payload_json\"\r\n\r\n{\"content\":\"hi\",\"attachments\":[{\"id\":0,\"filename\":\"a.png\"}]}\r\n--XyZ--\r\n";
        let b = parse("multipart/form-data; boundary=XyZ", body).expect("parses");
        assert_eq!(b.json["content"], "hi");
        let up = b.upload(0).expect("files[0]");
        assert_eq!(up.filename, "a.png");
        assert_eq!(up.content_type, "image/png");
        assert_eq!(up.bytes, b"\x00\x01\r\n\x02");
        assert_eq!(
            b.recorded()["_files"],
            json!([{"field": "files[0]", "filename": "a.png", "size": 5}])
        );
    }

    #[test]
    fn json_and_empty() {
        let b = parse("application/json", br#"{"content":"x"}"#).expect("parses");
        assert_eq!(b.json["content"], "x");
        assert_eq!(parse("", b"").expect("empty is fine").json, Value::Null);
        assert!(parse("application/json", b"{").is_err());
    }
}
