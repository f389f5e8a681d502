//! `switchboard rules suggest`: candidate keywords for one label, mined from a labelled CSV
//! (the mining and ranking are `switchboard_triage::suggest`), printed as a table that fits
//! 80 columns or as JSON. The file is streamed through the same reader as `rules backtest`
//! ([`LabelledRows`]); the current rules classify each row to tell which rows a keyword
//! would add. Nothing is written: the admin picks from the list.

use std::io::{self, Write};
use std::path::Path;

use anyhow::{Context as _, Result};
use serde::Serialize;
use switchboard_triage::Engine;
use switchboard_triage::suggest::{Miner, SuggestOptions, Suggestions};

use crate::cli::SuggestArgs;

use super::backtest::{LabelledRow, LabelledRows, classify_row};
use super::load_or_report;

/// How the ranking works, for both outputs.
const SCORE: &str = "the 95 % Wilson lower bound of precision, squared, times ln(1 + gain)";

/// Table columns (in terminal cells): keyword, then the numbers, then the example.
const KEYWORD_CELLS: usize = 20;
/// What is left of 80 columns for the example.
const EXAMPLE_CELLS: usize = 80 - KEYWORD_CELLS - 11 - 9 - 7 - 2;

/// `switchboard rules suggest`: streams the CSV into the miner and prints the candidates.
pub fn run(
    config: Option<&Path>,
    args: &SuggestArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<i32> {
    let Some(settings) = load_or_report(config, args.rules.as_deref(), err)? else {
        return Ok(1);
    };
    let input = args.file.display().to_string();
    let file = std::fs::File::open(&args.file)
        .with_context(|| format!("cannot open {input}; check the path"))?;
    let opts = SuggestOptions {
        top: args.top,
        min_support: args.min_support.max(1),
        ..SuggestOptions::default()
    };
    let (mined, bad_rows) = match mine(&settings.engine, &args.label, opts, file, err)? {
        Ok(m) => m,
        Err(msg) => {
            writeln!(err, "{input}: {msg}")?;
            return Ok(1);
        }
    };
    let rules = settings.rules_source.name();
    if args.json {
        #[derive(Serialize)]
        struct Json<'a> {
            rules: &'a str,
            input: &'a str,
            bad_rows: u64,
            score: &'a str,
            #[serde(flatten)]
            suggestions: &'a Suggestions,
        }
        serde_json::to_writer_pretty(
            &mut *out,
            &Json {
                rules: &rules,
                input: &input,
                bad_rows,
                score: SCORE,
                suggestions: &mined,
            },
        )?;
        writeln!(out)?;
    } else {
        let has_category = settings
            .engine
            .categories()
            .iter()
            .any(|(c, _)| c.as_str() == mined.label);
        print_table(out, &mined, &rules, &input, bad_rows, has_category)?;
    }
    Ok(0)
}

/// Mines the rows of `input` for `label`, comparing with what `engine` classifies. A
/// problem with the file (no `text` or `label` column, no rows, no such label) is an
/// `Ok(Err(..))` with a sentence for the admin; otherwise the suggestions and the number
/// of unreadable rows.
pub fn mine(
    engine: &Engine,
    label: &str,
    opts: SuggestOptions,
    input: impl io::Read,
    err: &mut dyn Write,
) -> Result<std::result::Result<(Suggestions, u64), String>> {
    let mut rows = match LabelledRows::new(io::BufReader::new(input)) {
        Ok(r) => r,
        Err(msg) => return Ok(Err(msg)),
    };
    let mut miner = Miner::new(label, opts);
    while let Some(row) = rows.next_row(err)? {
        if let LabelledRow::Row { text, label } = row {
            let verdict = classify_row(engine, text);
            miner.add(text, label, &verdict);
        }
    }
    rows.finish(err)?;
    Ok(miner
        .finish()
        .map(|s| (s, rows.bad_rows()))
        .map_err(|e| e.to_string()))
}

fn print_table(
    out: &mut dyn Write,
    s: &Suggestions,
    rules: &str,
    input: &str,
    bad_rows: u64,
    has_category: bool,
) -> io::Result<()> {
    let label = &s.label;
    writeln!(out, "Keywords for `{label}` in {input}")?;
    writeln!(out, "compared with the rules of {rules}.")?;
    let skipped = if bad_rows > 0 {
        format!(" ({bad_rows} unreadable rows skipped)")
    } else {
        String::new()
    };
    writeln!(
        out,
        "{} of {} rows are labelled {label}{skipped}.",
        s.label_rows, s.rows
    )?;
    writeln!(
        out,
        "The rules classify {} of them as {label}: recall {:.3}.",
        s.covered, s.recall
    )?;
    writeln!(out)?;
    if s.candidates.is_empty() {
        writeln!(
            out,
            "No keyword is in at least {} rows labelled {label}; try a lower --min-support.",
            s.min_support
        )?;
        return Ok(());
    }
    writeln!(
        out,
        "{}  precision  support   gain  example",
        pad("keyword", KEYWORD_CELLS)
    )?;
    for c in &s.candidates {
        writeln!(
            out,
            "{}  {:>9.3}  {:>7}  {:>5}  {}",
            pad(&c.keyword, KEYWORD_CELLS),
            c.precision,
            c.support,
            c.gain,
            fit(&around(&c.example, &c.keyword), EXAMPLE_CELLS),
        )?;
    }
    writeln!(out)?;
    writeln!(
        out,
        "support: rows labelled {label} that contain the keyword."
    )?;
    writeln!(out, "precision: support / all rows that contain it.")?;
    writeln!(
        out,
        "gain: of the support, the rows the rules do not classify as {label}."
    )?;
    writeln!(out, "Ranked by {SCORE};")?;
    writeln!(out, "support at least {}.", s.min_support)?;
    if s.prunings > 0 {
        writeln!(
            out,
            "The candidate table was pruned {} times to bound memory: counts may be\nshort by up to {} rows.",
            s.prunings, s.max_undercount
        )?;
    }
    writeln!(out)?;
    writeln!(
        out,
        "Nothing was written. To use a keyword, add it to `any` of a rule with"
    )?;
    if has_category {
        writeln!(
            out,
            "category = \"{label}\" in the rules file, then see what it changes with"
        )?;
    } else {
        writeln!(
            out,
            "category = \"{label}\" (add `{label}` under [categories] first), then"
        )?;
        writeln!(out, "see what it changes with")?;
    }
    writeln!(out, "  switchboard rules backtest {input}")?;
    Ok(())
}

/// The example from a little before the keyword, so that the table shows it (from the
/// start when the keyword is not found as written, for example a squeezed spelling).
fn around(example: &str, keyword: &str) -> String {
    /// Characters of context kept before the keyword.
    const BEFORE: usize = 8;
    let lower: Vec<char> = example.chars().flat_map(char::to_lowercase).collect();
    let key: Vec<char> = keyword.chars().collect();
    let found = (0..lower.len()).find(|&i| lower[i..].starts_with(&key));
    // Lower-casing keeps the number of characters for nearly all text; when it does not,
    // the offset is off by a little, which only moves the window.
    match found {
        Some(i) if i > BEFORE => {
            let rest: String = example.chars().skip(i - BEFORE).collect();
            format!("…{}", rest.trim_start())
        }
        _ => example.to_string(),
    }
}

/// Terminal cells of one character: East Asian wide characters and emoji take two,
/// combining marks none.
fn cells(c: char) -> usize {
    match c as u32 {
        0x0300..=0x036F | 0x200B..=0x200F | 0xFE00..=0xFE0F => 0,
        0x1100..=0x115F
        | 0x2E80..=0x303E
        | 0x3041..=0x33FF
        | 0x3400..=0x4DBF
        | 0x4E00..=0x9FFF
        | 0xA000..=0xA4CF
        | 0xAC00..=0xD7A3
        | 0xF900..=0xFAFF
        | 0xFE30..=0xFE4F
        | 0xFF00..=0xFF60
        | 0xFFE0..=0xFFE6
        | 0x1F300..=0x1F64F
        | 0x1F900..=0x1F9FF
        | 0x20000..=0x3FFFD => 2,
        _ => 1,
    }
}

/// `text` cut to at most `max` cells, with `…` when cut.
fn fit(text: &str, max: usize) -> String {
    let total: usize = text.chars().map(cells).sum();
    if total <= max {
        return text.to_string();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = cells(c);
        if used + w + 1 > max {
            break;
        }
        out.push(c);
        used += w;
    }
    out.push('…');
    out
}

/// `text` cut to `width` cells and padded with spaces to exactly `width`.
fn pad(text: &str, width: usize) -> String {
    let mut s = fit(text, width);
    let used: usize = s.chars().map(cells).sum();
    s.extend(std::iter::repeat_n(' ', width.saturating_sub(used)));
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_count_wide_characters_twice() {
        assert_eq!(pad("发票", 6), "发票  ");
        assert_eq!(fit("发票有问题", 6), "发票…");
        assert_eq!(fit("invoice", 7), "invoice");
        assert_eq!(fit("invoices", 7), "invoic…");
        assert_eq!(pad("a", 3), "a  ");
    }

    #[test]
    fn examples_start_a_little_before_the_keyword() {
        assert_eq!(
            around(
                "When I used one of the ATMs it was showing a fee",
                "showing"
            ),
            "…it was showing a fee"
        );
        assert_eq!(around("Refund please", "refund"), "Refund please");
        assert_eq!(around("I still wait", "stil"), "I still wait");
        assert_eq!(around("x", "longer than x"), "x");
    }
}
