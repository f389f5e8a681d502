//! Text for people, shared by the table and the HTML page: numbers as people read them and
//! text cut to fit. Imports nothing from its siblings.

/// A number for people: whole numbers without decimals, others with two; "no data" for
/// none.
pub fn show(v: Option<f64>) -> String {
    match v {
        None => "no data".into(),
        Some(x) if x.fract() == 0.0 && x.abs() < 1e15 => format!("{x:.0}"),
        Some(x) => format!("{x:.2}"),
    }
}

/// `s` cut to `width` terminal columns (wide characters, such as Chinese, take two), with
/// `…` when cut.
pub(super) fn cut_width(s: &str, width: usize) -> String {
    use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};
    if s.width() <= width {
        return s.to_string();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let w = c.width().unwrap_or(0);
        // One column stays for the ellipsis.
        if used + w + 1 > width {
            break;
        }
        used += w;
        out.push(c);
    }
    out.push('…');
    out
}

/// At most `n` characters, with an ellipsis when cut.
pub(super) fn cut(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut c: String = s.chars().take(n.saturating_sub(1)).collect();
        c.push('…');
        c
    }
}
