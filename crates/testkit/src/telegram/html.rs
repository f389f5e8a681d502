//! Telegram's `parse_mode: "HTML"`, as far as a fake needs it: the plain text
//! Telegram would store, the entities it would attach, and the
//! `can't parse entities` errors it would answer.
//!
//! Offsets and lengths are counted in UTF-16 code units, like the Bot API.
//! One deliberate difference from Telegram: a bare `&` that does not start a
//! known entity is an error here (Telegram keeps it literally), so that a
//! missing escape in the bot's HTML shows up in tests instead of in
//! production with the next customer who types `<`.

use serde_json::{Map, Value, json};

/// One message entity (`bold`, `text_link`, ...) with UTF-16 offsets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Entity {
    pub kind: &'static str,
    pub offset: usize,
    pub length: usize,
    pub url: Option<String>,
    pub language: Option<String>,
}

impl Entity {
    /// The Bot API `MessageEntity` object.
    pub(crate) fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("type".into(), json!(self.kind));
        m.insert("offset".into(), json!(self.offset));
        m.insert("length".into(), json!(self.length));
        if let Some(url) = &self.url {
            m.insert("url".into(), json!(url));
        }
        if let Some(language) = &self.language {
            m.insert("language".into(), json!(language));
        }
        Value::Object(m)
    }
}

/// Text as Telegram stores it: plain text plus entities.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Formatted {
    pub text: String,
    pub entities: Vec<Entity>,
}

impl Formatted {
    /// Text sent without a parse mode.
    pub(crate) fn plain(text: &str) -> Formatted {
        Formatted {
            text: text.to_owned(),
            entities: Vec::new(),
        }
    }

    /// Length in UTF-16 code units, the unit of Telegram's limits.
    pub(crate) fn utf16_len(&self) -> usize {
        utf16_len(&self.text)
    }

    /// The entities as a JSON array.
    pub(crate) fn entities_json(&self) -> Vec<Value> {
        self.entities.iter().map(Entity::to_json).collect()
    }

    /// Telegram strips leading and trailing whitespace from texts and
    /// captions; entities are cut to what remains.
    pub(crate) fn trimmed(self) -> Formatted {
        let start_trimmed = self.text.trim_start();
        let lead = utf16_len(&self.text[..self.text.len() - start_trimmed.len()]);
        let text = start_trimmed.trim_end().to_owned();
        let len = utf16_len(&text);
        let entities = self
            .entities
            .into_iter()
            .filter_map(|e| {
                let start = e.offset.max(lead) - lead;
                let end = (e.offset + e.length).min(lead + len).saturating_sub(lead);
                (end > start).then(|| Entity {
                    offset: start,
                    length: end - start,
                    ..e
                })
            })
            .collect();
        Formatted { text, entities }
    }
}

/// Length of `s` in UTF-16 code units.
pub(crate) fn utf16_len(s: &str) -> usize {
    s.chars().map(char::len_utf16).sum()
}

struct Open {
    tag: String,
    kind: Option<&'static str>,
    start: usize,
    url: Option<String>,
    language: Option<String>,
}

/// Parses Telegram HTML. `Err` carries the reason that follows
/// "Bad Request: can't parse entities: ".
pub(crate) fn parse_html(src: &str) -> Result<Formatted, String> {
    let bytes = src.as_bytes();
    let mut text = String::with_capacity(src.len());
    let mut off = 0usize; // UTF-16 offset of the end of `text`
    let mut stack: Vec<Open> = Vec::new();
    let mut entities = Vec::new();
    let mut i = 0usize;
    while i < bytes.len() {
        match bytes[i] {
            b'<' if bytes.get(i + 1) == Some(&b'/') => {
                let (name, next) = read_name(bytes, i + 2);
                let name = name.to_ascii_lowercase();
                let mut j = next;
                while j < bytes.len() && bytes[j].is_ascii_whitespace() {
                    j += 1;
                }
                if j >= bytes.len() || bytes[j] != b'>' {
                    return Err(format!("Unclosed end tag at byte offset {i}"));
                }
                let Some(open) = stack.pop() else {
                    return Err(format!("Unexpected end tag at byte offset {i}"));
                };
                if open.tag != name {
                    return Err(format!(
                        "Unmatched end tag at byte offset {i}, expected \"</{}>\", found \"</{name}>\"",
                        open.tag
                    ));
                }
                close(open, off, &mut stack, &mut entities);
                i = j + 1;
            }
            b'<' => {
                let (name, next) = read_name(bytes, i + 1);
                let tag = name.to_ascii_lowercase();
                if !SUPPORTED.contains(&tag.as_str()) {
                    return Err(format!(
                        "Unsupported start tag \"{tag}\" at byte offset {i}"
                    ));
                }
                let (attrs, next) = read_attributes(src, &tag, i, next)?;
                stack.push(open_tag(tag, attrs, off)?);
                i = next;
            }
            b'&' => {
                let (ch, next) = decode_entity(src, i)?;
                text.push(ch);
                off += ch.len_utf16();
                i = next;
            }
            _ => {
                // `i` always sits on a char boundary: every branch advances
                // past whole ASCII bytes or whole chars.
                let Some(ch) = src[i..].chars().next() else {
                    break;
                };
                text.push(ch);
                off += ch.len_utf16();
                i += ch.len_utf8();
            }
        }
    }
    if let Some(open) = stack.pop() {
        return Err(format!(
            "Can't find end tag corresponding to start tag \"{}\"",
            open.tag
        ));
    }
    entities
        .sort_by(|a: &Entity, b: &Entity| a.offset.cmp(&b.offset).then(b.length.cmp(&a.length)));
    Ok(Formatted { text, entities })
}

const SUPPORTED: &[&str] = &[
    "b",
    "strong",
    "i",
    "em",
    "u",
    "ins",
    "s",
    "strike",
    "del",
    "a",
    "code",
    "pre",
    "tg-spoiler",
    "span",
    "blockquote",
];

fn read_name(bytes: &[u8], from: usize) -> (String, usize) {
    let mut j = from;
    while j < bytes.len() && (bytes[j].is_ascii_alphanumeric() || bytes[j] == b'-') {
        j += 1;
    }
    (String::from_utf8_lossy(&bytes[from..j]).into_owned(), j)
}

/// Reads `name="value" ...>` after a tag name; returns the attributes and the
/// index after `>`.
fn read_attributes(
    src: &str,
    tag: &str,
    tag_start: usize,
    mut j: usize,
) -> Result<(Vec<(String, String)>, usize), String> {
    let bytes = src.as_bytes();
    let mut attrs = Vec::new();
    loop {
        while j < bytes.len() && bytes[j].is_ascii_whitespace() {
            j += 1;
        }
        if j >= bytes.len() {
            return Err(format!("Unclosed start tag at byte offset {tag_start}"));
        }
        if bytes[j] == b'>' {
            return Ok((attrs, j + 1));
        }
        let name_start = j;
        while j < bytes.len()
            && (bytes[j].is_ascii_alphanumeric() || bytes[j] == b'-' || bytes[j] == b'_')
        {
            j += 1;
        }
        if j == name_start {
            return Err(format!(
                "Expected equal sign in declaration of an attribute of the tag \"{tag}\" at byte offset {j}"
            ));
        }
        let name = src[name_start..j].to_ascii_lowercase();
        while j < bytes.len() && bytes[j].is_ascii_whitespace() {
            j += 1;
        }
        let mut value = String::new();
        if j < bytes.len() && bytes[j] == b'=' {
            j += 1;
            while j < bytes.len() && bytes[j].is_ascii_whitespace() {
                j += 1;
            }
            if j >= bytes.len() {
                return Err(format!("Unclosed start tag at byte offset {tag_start}"));
            }
            let (raw_start, raw_end, next) = if bytes[j] == b'"' || bytes[j] == b'\'' {
                let quote = bytes[j];
                let start = j + 1;
                let mut k = start;
                while k < bytes.len() && bytes[k] != quote {
                    k += 1;
                }
                if k >= bytes.len() {
                    return Err(format!(
                        "Unclosed start tag \"{tag}\" at byte offset {tag_start}"
                    ));
                }
                (start, k, k + 1)
            } else {
                let start = j;
                let mut k = j;
                while k < bytes.len() && !bytes[k].is_ascii_whitespace() && bytes[k] != b'>' {
                    k += 1;
                }
                (start, k, k)
            };
            value = decode_attribute(src, raw_start, raw_end)?;
            j = next;
        }
        attrs.push((name, value));
    }
}

fn decode_attribute(src: &str, start: usize, end: usize) -> Result<String, String> {
    let bytes = src.as_bytes();
    let mut out = String::new();
    let mut i = start;
    while i < end {
        if bytes[i] == b'&' {
            let (ch, next) = decode_entity(src, i)?;
            out.push(ch);
            i = next;
        } else {
            let Some(ch) = src[i..].chars().next() else {
                break;
            };
            out.push(ch);
            i += ch.len_utf8();
        }
    }
    Ok(out)
}

fn attr<'a>(attrs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    attrs
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

fn open_tag(tag: String, attrs: Vec<(String, String)>, start: usize) -> Result<Open, String> {
    let mut open = Open {
        kind: None,
        start,
        url: None,
        language: None,
        tag,
    };
    open.kind = match open.tag.as_str() {
        "b" | "strong" => Some("bold"),
        "i" | "em" => Some("italic"),
        "u" | "ins" => Some("underline"),
        "s" | "strike" | "del" => Some("strikethrough"),
        "tg-spoiler" => Some("spoiler"),
        "span" => {
            if attr(&attrs, "class") != Some("tg-spoiler") {
                return Err("Tag \"span\" must have class \"tg-spoiler\"".to_owned());
            }
            Some("spoiler")
        }
        "a" => match attr(&attrs, "href") {
            Some(href) if !href.is_empty() => {
                open.url = Some(normalize_url(href));
                Some("text_link")
            }
            _ => None,
        },
        "code" => {
            open.language = attr(&attrs, "class")
                .and_then(|c| c.strip_prefix("language-"))
                .map(str::to_owned);
            Some("code")
        }
        "pre" => Some("pre"),
        "blockquote" => {
            if attr(&attrs, "expandable").is_some() {
                Some("expandable_blockquote")
            } else {
                Some("blockquote")
            }
        }
        _ => None,
    };
    Ok(open)
}

/// Telegram adds `http://` to links without a scheme.
fn normalize_url(href: &str) -> String {
    if href.contains("://") || href.starts_with("tg:") || href.starts_with("mailto:") {
        href.to_owned()
    } else {
        format!("http://{href}")
    }
}

fn close(open: Open, end: usize, stack: &mut [Open], entities: &mut Vec<Entity>) {
    let Some(kind) = open.kind else { return };
    // `<pre><code class="language-x">` is one `pre` entity with a language.
    if kind == "code"
        && let Some(parent) = stack.last_mut().filter(|p| p.kind == Some("pre"))
    {
        if open.language.is_some() {
            parent.language = open.language;
        }
        return;
    }
    if end > open.start {
        entities.push(Entity {
            kind,
            offset: open.start,
            length: end - open.start,
            url: open.url,
            language: if kind == "pre" { open.language } else { None },
        });
    }
}

/// Decodes `&...;` at byte `at`; returns the char and the index after `;`.
fn decode_entity(src: &str, at: usize) -> Result<(char, usize), String> {
    let bytes = src.as_bytes();
    let err = || {
        Err(format!(
            "Character entity at byte offset {at} is unknown or not terminated; use &amp; for a literal &"
        ))
    };
    let mut j = at + 1;
    if bytes.get(j) == Some(&b'#') {
        j += 1;
        let hex = matches!(bytes.get(j), Some(b'x') | Some(b'X'));
        if hex {
            j += 1;
        }
        let digits_start = j;
        while j < bytes.len()
            && (if hex {
                bytes[j].is_ascii_hexdigit()
            } else {
                bytes[j].is_ascii_digit()
            })
        {
            j += 1;
        }
        if j == digits_start || j - digits_start > 8 || bytes.get(j) != Some(&b';') {
            return err();
        }
        let digits = &src[digits_start..j];
        let code = u32::from_str_radix(digits, if hex { 16 } else { 10 }).ok();
        match code.filter(|c| *c != 0).and_then(char::from_u32) {
            Some(ch) => Ok((ch, j + 1)),
            None => err(),
        }
    } else {
        let name_start = j;
        while j < bytes.len() && bytes[j].is_ascii_alphanumeric() && j - name_start < 16 {
            j += 1;
        }
        if bytes.get(j) != Some(&b';') {
            return err();
        }
        let ch = match &src[name_start..j] {
            "lt" => '<',
            "gt" => '>',
            "amp" => '&',
            "quot" => '"',
            _ => return err(),
        };
        Ok((ch, j + 1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_and_entities() {
        let f = parse_html("<b>Hi</b> &lt;b&gt;&amp; <i>x</i>").expect("valid html");
        assert_eq!(f.text, "Hi <b>& x");
        assert_eq!(
            f.entities,
            vec![
                Entity {
                    kind: "bold",
                    offset: 0,
                    length: 2,
                    url: None,
                    language: None
                },
                Entity {
                    kind: "italic",
                    offset: 8,
                    length: 1,
                    url: None,
                    language: None
                },
            ]
        );
    }

    #[test]
    fn utf16_offsets_and_numeric_entities() {
        let f = parse_html("😀 <u>&#65;&#x42;</u>").expect("valid html");
        assert_eq!(f.text, "😀 AB");
        assert_eq!(f.entities[0].offset, 3);
        assert_eq!(f.entities[0].length, 2);
        assert_eq!(f.utf16_len(), 5);
    }

    #[test]
    fn links_pre_spoiler_blockquote() {
        let f = parse_html(
            "<a href=\"example.com/?a=1&amp;b=2\">l</a><pre><code class=\"language-rust\">fn</code></pre>\
             <span class=\"tg-spoiler\">s</span><blockquote expandable>q</blockquote>",
        )
        .expect("valid html");
        assert_eq!(f.text, "lfnsq");
        let kinds: Vec<_> = f.entities.iter().map(|e| e.kind).collect();
        assert_eq!(
            kinds,
            vec!["text_link", "pre", "spoiler", "expandable_blockquote"]
        );
        assert_eq!(
            f.entities[0].url.as_deref(),
            Some("http://example.com/?a=1&b=2")
        );
        assert_eq!(f.entities[1].language.as_deref(), Some("rust"));
    }

    #[test]
    fn errors() {
        let cases = [
            ("a < b", "Unsupported start tag \"\" at byte offset 2"),
            ("<x>y</x>", "Unsupported start tag \"x\" at byte offset 0"),
            (
                "<b>y",
                "Can't find end tag corresponding to start tag \"b\"",
            ),
            (
                "<b><i>y</b></i>",
                "Unmatched end tag at byte offset 7, expected \"</i>\", found \"</b>\"",
            ),
            ("y</b>", "Unexpected end tag at byte offset 1"),
            (
                "<span>y</span>",
                "Tag \"span\" must have class \"tg-spoiler\"",
            ),
            ("<br/>", "Unsupported start tag \"br\" at byte offset 0"),
        ];
        for (src, want) in cases {
            assert_eq!(parse_html(src).err().as_deref(), Some(want), "{src}");
        }
        for src in ["a & b", "&nbsp;", "&#0;", "&#xZZ;", "&lt", "<b a=\"x>y</b>"] {
            assert!(parse_html(src).is_err(), "{src} should be rejected");
        }
    }

    #[test]
    fn trimming_moves_entities() {
        let f = parse_html("  <b> hi </b>\n").expect("valid html").trimmed();
        assert_eq!(f.text, "hi");
        assert_eq!(f.entities[0].offset, 0);
        assert_eq!(f.entities[0].length, 2);
    }
}
