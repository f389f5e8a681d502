//! Text as Discord shows it: the desk's text is plain text, so its Discord markdown is
//! escaped ([`escape`]) and cut to Discord's limits ([`escape_split`], [`MAX_CONTENT`],
//! [`MAX_EMBED`], [`MAX_THREAD_NAME`]) without ever leaving half an escape; `@everyone` and
//! `@here` are defused ([`defuse`]). A customer cannot restyle the card, hide the rest of it
//! in a code block or show agents a disguised link.

/// Discord's limit on a message's `content`.
pub const MAX_CONTENT: usize = 2000;
/// Discord's limit on an embed's description.
pub const MAX_EMBED: usize = 4096;
/// Discord's limit on a thread's name.
pub const MAX_THREAD_NAME: usize = 100;

/// At most `max` characters of `s`.
pub fn truncate(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

/// Defuses mass mentions: a zero-width space after the `@` of `@everyone` and `@here`.
/// (`allowed_mentions` already stops every ping; this keeps them from looking like one.)
pub fn defuse(text: &str) -> String {
    text.replace("@everyone", "@\u{200B}everyone")
        .replace("@here", "@\u{200B}here")
}

// ----- Discord markdown -------------------------------------------------------------
//
// The rules, the fewest that leave nothing for Discord to format (its escape `\x` works for
// any ASCII punctuation `x`, so an escape shows only the character):
// - anywhere: `\ * _ ~ ` | [ ]` (escapes; bold, italics, underline, strike, code and code
//   blocks, spoilers, lists with `*`; masked links need `[`, so `(` `)` stay as they are);
// - `<` when it opens a tag Discord draws: `<@` (users, `<@&` roles), `<#` (channels),
//   `<:`/`<a:` (custom emoji), `<t:` (timestamps), `</` (command mentions), `<id:`;
// - at the start of a line (after white space): `#` (headings, `-#` subtext starts with
//   `-`), `>` (quotes), `-` (lists, subtext) and the `.` of `12. ` (numbered lists);
// - links (`http://`, `https://` up to white space or `<`, without the closing punctuation
//   Discord leaves out of a link) stay verbatim: Discord reads no markdown inside a link
//   and a backslash would break it. A bare link shows its own address: nothing disguised.
// A piece of a message that was cut inside a line starts a new message, that is a new
// line: it is escaped as one.

/// Characters escaped wherever they stand.
const ESCAPED: [char; 8] = ['\\', '*', '_', '~', '`', '|', '[', ']'];

/// Whether `<` followed by `rest` opens a mention, emoji, timestamp or other tag.
fn opens_tag(rest: &str) -> bool {
    ["@", "#", ":", "/", "a:", "t:", "id:"]
        .iter()
        .any(|p| rest.starts_with(p))
}

/// The length in bytes of the link `s` starts with, as Discord finds links
/// (`https?://[^\s<]+[^<.,:;"')\]\s]`).
fn link_len(s: &str) -> Option<usize> {
    let scheme = if s.starts_with("https://") {
        8
    } else if s.starts_with("http://") {
        7
    } else {
        return None;
    };
    let end = s
        .find(|c: char| c.is_whitespace() || c == '<')
        .unwrap_or(s.len());
    let link = s[..end].trim_end_matches(['.', ',', ':', ';', '"', '\'', ')', ']']);
    (link[scheme..].chars().count() >= 2).then_some(link.len())
}

/// One line (no line break) escaped, and where it may be cut: after each escaped character
/// or whole link, the byte offset in `line` and the characters written so far. A cut there
/// never leaves an escape's backslash at the end of a piece.
fn escape_line(line: &str) -> (String, Vec<(usize, usize)>) {
    let mut out = String::with_capacity(line.len() + 8);
    let mut cuts = Vec::new();
    let mut written = 0;
    // Still in the line's leading white space.
    let mut start = true;
    let mut i = 0;
    while let Some(c) = line[i..].chars().next() {
        let rest = &line[i..];
        if let Some(len) = link_len(rest) {
            out.push_str(&rest[..len]);
            written += rest[..len].chars().count();
            i += len;
            start = false;
            cuts.push((i, written));
            continue;
        }
        if start && c.is_ascii_digit() {
            let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
            // `12. item`, not `3.5 kg`.
            if let Some(after) = rest[digits..].strip_prefix('.')
                && after.chars().next().is_none_or(char::is_whitespace)
            {
                for d in rest[..digits].chars() {
                    out.push(d);
                    written += 1;
                    i += 1;
                    cuts.push((i, written));
                }
                out.push_str("\\.");
                written += 2;
                i += 1;
                start = false;
                cuts.push((i, written));
                continue;
            }
        }
        let escape = ESCAPED.contains(&c)
            || (c == '<' && opens_tag(&rest[1..]))
            || (start && matches!(c, '#' | '>' | '-'));
        if escape {
            out.push('\\');
            written += 1;
        }
        out.push(c);
        written += 1;
        i += c.len_utf8();
        start &= c.is_whitespace();
        cuts.push((i, written));
    }
    (out, cuts)
}

/// `text` with its Discord markdown escaped (the rules above): Discord shows it as
/// written.
pub fn escape(text: &str) -> String {
    text.split('\n')
        .map(|line| escape_line(line).0)
        .collect::<Vec<_>>()
        .join("\n")
}

/// `text` escaped ([`escape`]) in pieces of at most `max` characters: whole lines while
/// they fit, a longer line cut at a character (never inside an escape; its rest is
/// escaped as the start of a line). Pieces that are only white space are dropped
/// (Discord refuses empty messages).
pub fn escape_split(text: &str, max: usize) -> Vec<String> {
    let max = max.max(2);
    let mut out = Vec::new();
    // The piece being filled, and its length in characters.
    let mut piece: Option<(String, usize)> = None;
    for line in text.split('\n') {
        let mut rest = line;
        loop {
            let (escaped, cuts) = escape_line(rest);
            let len = cuts.last().map_or(0, |&(_, n)| n);
            match &mut piece {
                Some((p, n)) if *n + 1 + len <= max => {
                    p.push('\n');
                    p.push_str(&escaped);
                    *n += 1 + len;
                    break;
                }
                Some(_) => out.extend(piece.take().map(|(p, _)| p)),
                None => {}
            }
            if len <= max {
                piece = Some((escaped, len));
                break;
            }
            // Too long for a piece of its own: the most that fits, then the rest.
            let (end, n) = match cuts.iter().rev().find(|&&(_, n)| n <= max) {
                Some(&cut) => cut,
                // Only a link (verbatim, one character for one) can be longer than that.
                None => (
                    rest.char_indices().nth(max).map_or(rest.len(), |(b, _)| b),
                    max,
                ),
            };
            let bytes = escaped
                .char_indices()
                .nth(n)
                .map_or(escaped.len(), |(b, _)| b);
            out.push(escaped[..bytes].to_string());
            rest = &rest[end..];
        }
    }
    out.extend(piece.map(|(p, _)| p));
    out.retain(|p| !p.trim().is_empty());
    out
}

/// `text` (verbatim) in pieces of at most `max` characters.
pub fn chunks(text: &str, max: usize) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    chars
        .chunks(max.max(1))
        .map(|c| c.iter().collect())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mass_mentions_are_defused() {
        assert_eq!(
            defuse("hi @everyone and @here <@&5>"),
            "hi @\u{200B}everyone and @\u{200B}here <@&5>"
        );
    }

    #[test]
    fn long_text_splits_at_lines_then_characters() {
        assert_eq!(escape_split("short", 2000), vec!["short"]);
        let text = format!("{}\n{}", "a".repeat(1500), "b".repeat(1000));
        let parts = escape_split(&text, 2000);
        assert_eq!(parts, vec!["a".repeat(1500), "b".repeat(1000)]);
        let one_line = "é".repeat(4500);
        let parts = escape_split(&one_line, 2000);
        assert_eq!(
            parts.iter().map(|p| p.chars().count()).collect::<Vec<_>>(),
            vec![2000, 2000, 500]
        );
        assert!(escape_split("  \n ", 2000).is_empty());
        // Lines are kept together while they fit.
        assert_eq!(escape_split("a\n\nb", 2000), vec!["a\n\nb"]);
    }

    #[test]
    fn customer_markdown_is_shown_as_written() {
        let card = "T-5 · billing\nAnn ```: **x** [Refund approved](https://evil.example) \
                    <@&123> <#9> <:e:1> <a:e:1> <t:1:R> </ticket:1> a<b 2>1\n\
                    # heading\n-# small\n> quote\n  - item\n12. item\n3.5 kg\n\
                    _i_ __u__ ~~s~~ ||spoiler|| `code` back\\slash";
        assert_eq!(
            escape(card),
            "T-5 · billing\nAnn \\`\\`\\`: \\*\\*x\\*\\* \\[Refund approved\\](https://evil.example) \
             \\<@&123> \\<#9> \\<:e:1> \\<a:e:1> \\<t:1:R> \\</ticket:1> a<b 2>1\n\
             \\# heading\n\\-# small\n\\> quote\n  \\- item\n12\\. item\n3.5 kg\n\
             \\_i\\_ \\_\\_u\\_\\_ \\~\\~s\\~\\~ \\|\\|spoiler\\|\\| \\`code\\` back\\\\slash"
        );
        // Links stay verbatim (a backslash would break them), without the punctuation
        // after them; what follows is escaped again.
        assert_eq!(
            escape("see https://shop.example/order_1?a=b*c), **then** <https://x.example/_>"),
            "see https://shop.example/order_1?a=b*c), \\*\\*then\\*\\* <https://x.example/_>"
        );
        assert_eq!(escape("http:// _x_"), "http:// \\_x\\_");
    }

    #[test]
    fn escaped_text_splits_without_a_dangling_backslash() {
        // "a" then 3000 escaped stars: 6001 characters once escaped.
        let text = format!("a{}", "*".repeat(3000));
        let parts = escape_split(&text, 2000);
        assert!(parts.len() >= 4, "{}", parts.len());
        for p in &parts {
            assert!(p.chars().count() <= 2000);
            let trailing = p.chars().rev().take_while(|c| *c == '\\').count();
            assert_eq!(
                trailing % 2,
                0,
                "an escape was cut: {:?}",
                &p[p.len() - 4..]
            );
        }
        assert_eq!(parts[0], format!("a{}", "\\*".repeat(999)));
        let joined: String = parts.concat();
        assert_eq!(joined, escape(&text));
        // A piece cut inside a line starts a message: its line-start markers are escaped.
        let text = format!("{} # not a heading", "a".repeat(1999));
        let parts = escape_split(&text, 2000);
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0], format!("{} ", "a".repeat(1999)));
        assert_eq!(parts[1], "\\# not a heading");
        // A link longer than a piece is cut (it cannot be kept whole).
        let link = format!("https://x.example/{}", "p".repeat(3000));
        let parts = escape_split(&link, 2000);
        assert_eq!(parts.concat(), link);
    }
}
