//! Text for the Bot API's HTML parse mode: escaped by us, split to Telegram's length limit.
//!
//! Everything the desk sends is plain text; it is sent with `parse_mode = HTML` after
//! escaping `<`, `>`, `&` and `"`, so that a customer's `<b>`, `*bold*` or `&amp;` reaches the
//! other side exactly as written (plain text mode would do too, but HTML leaves room for
//! the adapter's own formatting, and escaping is ours either way).

/// Telegram's limit on a message's text, in UTF-16 code units after entity parsing.
pub const MAX_TEXT: usize = 4096;

/// `text` with the four characters HTML mode reads escaped.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out
}

/// Splits plain `text` into pieces of at most `max` UTF-16 code units, at a line break or
/// space when one is near the end of a piece, never inside a character.
pub fn split(text: &str, max: usize) -> Vec<String> {
    let max = max.max(2);
    let mut pieces = Vec::new();
    let mut rest = text;
    while rest.encode_utf16().count() > max {
        // The byte index where `max` UTF-16 units end.
        let mut units = 0;
        let mut end = 0;
        for (i, c) in rest.char_indices() {
            if units + c.len_utf16() > max {
                break;
            }
            units += c.len_utf16();
            end = i + c.len_utf8();
        }
        let head = &rest[..end];
        // Prefer a break in the last fifth of the piece.
        let floor = head.len() * 4 / 5;
        let cut = head
            .rfind('\n')
            .filter(|&i| i >= floor)
            .or_else(|| head.rfind(' ').filter(|&i| i >= floor))
            .map_or(end, |i| i + 1);
        pieces.push(rest[..cut].trim_end().to_string());
        rest = &rest[cut..];
    }
    if !rest.trim().is_empty() || pieces.is_empty() {
        pieces.push(rest.to_string());
    }
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_characters_are_escaped() {
        assert_eq!(
            escape(r#"<b>5 > 3 & "x"</b> *y* _z_"#),
            "&lt;b&gt;5 &gt; 3 &amp; &quot;x&quot;&lt;/b&gt; *y* _z_"
        );
        assert_eq!(escape("&amp;"), "&amp;amp;");
    }

    #[test]
    fn long_text_is_split_within_the_limit() {
        let text = "word ".repeat(2000); // 10,000 characters
        let parts = split(&text, MAX_TEXT);
        assert_eq!(parts.len(), 3);
        assert!(parts.iter().all(|p| p.encode_utf16().count() <= MAX_TEXT));
        assert_eq!(parts.concat().replace(' ', ""), text.replace(' ', ""));
        // Emoji are two UTF-16 units: never cut in half.
        let emoji = "😀".repeat(3000);
        let parts = split(&emoji, MAX_TEXT);
        assert!(parts.iter().all(|p| p.encode_utf16().count() <= MAX_TEXT));
        assert_eq!(parts.concat(), emoji);
        assert_eq!(split("short", MAX_TEXT), vec!["short".to_string()]);
    }
}
