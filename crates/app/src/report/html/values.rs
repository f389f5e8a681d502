//! Text and numbers as the page writes them: the one escaping function every text from the
//! report goes through, and the formats of numbers (in tables and cards, and [`N`] in
//! drawings, which never writes NaN). Imports nothing from its siblings.

use std::fmt::{self, Display};

use crate::report::text::show;

pub(super) const NO_DATA: &str = "no data";

/// Escapes text for HTML content and attribute values. Besides `& < > " '` it escapes
/// `( ) : = @` as character references (shown the same), so that no text from the report
/// can spell `url(`, `src=`, `@import` or `http://` in the page's bytes; control
/// characters other than newline and tab become U+FFFD.
pub(super) fn esc(text: &str) -> String {
    let mut o = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            '(' => o.push_str("&#40;"),
            ')' => o.push_str("&#41;"),
            ':' => o.push_str("&#58;"),
            '=' => o.push_str("&#61;"),
            '@' => o.push_str("&#64;"),
            '\n' | '\t' => o.push(c),
            c if c.is_control() => o.push('\u{FFFD}'),
            c => o.push(c),
        }
    }
    o
}

/// `2026-11-01T00:00:00Z` as `2026-11-01`; other times as `2026-11-01 12:30:00`.
pub(super) fn when(rfc3339: &str) -> String {
    match rfc3339.strip_suffix("T00:00:00Z") {
        Some(day) => day.to_string(),
        None => rfc3339.replace('T', " ").trim_end_matches('Z').to_string(),
    }
}

/// A metric name of [`flat`](crate::report::numbers::flat) for people:
/// `first_response_wall_median_min` as `first response wall median (min)`.
pub(super) fn metric_label(name: &str) -> String {
    let (base, unit) = if let Some(b) = name.strip_suffix("_pct") {
        (b, " (%)")
    } else if let Some(b) = name.strip_suffix("_min") {
        (b, " (min)")
    } else {
        (name, "")
    };
    let words: Vec<&str> = base
        .split('_')
        .map(|word| match word {
            "csat" => "CSAT",
            "nps" => "NPS",
            "sla" => "SLA",
            other => other,
        })
        .collect();
    format!("{}{unit}", words.join(" "))
}

/// A finite value, or none.
pub(super) fn fin(v: Option<f64>) -> Option<f64> {
    v.filter(|x| x.is_finite())
}

/// As the table format shows numbers: whole, or two decimals; "no data".
pub(super) fn num(v: Option<f64>) -> String {
    show(fin(v))
}

/// One decimal (whole numbers without); "no data".
pub(super) fn one(v: Option<f64>) -> String {
    match fin(v) {
        None => NO_DATA.into(),
        Some(x) if (x * 10.0).round() % 10.0 == 0.0 => format!("{x:.0}"),
        Some(x) => format!("{x:.1}"),
    }
}

/// Two decimals; "no data".
pub(super) fn two(v: Option<f64>) -> String {
    fin(v).map_or(NO_DATA.into(), |x| format!("{x:.2}"))
}

/// A percentage with one decimal; "no data".
pub(super) fn pct(v: Option<f64>) -> String {
    match fin(v) {
        None => NO_DATA.into(),
        Some(_) => format!("{} %", one(v)),
    }
}

/// Minutes for people: `45 min`, `2.5 h`, `3.1 d`; "no data".
pub(super) fn dur(v: Option<f64>) -> String {
    match fin(v) {
        None => NO_DATA.into(),
        Some(m) if m < 90.0 => format!("{m:.0} min"),
        Some(m) if m < 48.0 * 60.0 => format!("{:.1} h", m / 60.0),
        Some(m) => format!("{:.1} d", m / 1440.0),
    }
}

/// A number in a drawing: at most one decimal, and 0 for a non-finite value (which the
/// scales never produce), so that no drawing can contain NaN or inf.
#[derive(Debug, Clone, Copy)]
pub(super) struct N(pub(super) f64);

impl Display for N {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let x = if self.0.is_finite() { self.0 } else { 0.0 };
        let x = (x * 10.0).round() / 10.0;
        if x == x.trunc() && x.abs() < 1e15 {
            write!(f, "{}", x as i64)
        } else {
            write!(f, "{x:.1}")
        }
    }
}
