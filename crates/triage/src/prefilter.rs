//! A prefilter for the rules' regexes: the literals a regex cannot match without.
//!
//! Running the `RegexSet` over every message costs about a fifth of a classification, yet
//! most messages match no regex. For each regex, [`required_tokens`] derives from its syntax
//! tree a set of words such that every match contains at least one of them (for
//! `(?:order|purchase)\D{0,15}\d{5,}` that is `order` or `purchase`). The words go into the
//! keyword automaton, which scans every message anyway; the `RegexSet` runs only when one of
//! them was seen. A regex for which no such set can be proven (`\d{5,}` alone) makes the set
//! run on every message, as before: the prefilter may only skip work, never a match.
//!
//! The words are in the *matching* form (see [`crate::normalize`]), found as substrings of
//! the message's matching form. That is sound because a regex runs on the folded text, the
//! matching form is built from the folded text locally (separators become spaces, runs of
//! three or more of a letter are squeezed, apostrophes vanish, scripts are split), and a word
//! is one token of that form made only of ASCII or of characters without case, with a run
//! of one letter at either end of it cut to one letter (the text around the literal may
//! lengthen that run to three: `oops` in `ooops`, whose matching form is `ops`): whatever
//! surrounds an occurrence of the literal in the folded text, its tokens appear in the
//! matching form.
//!
//! A regex for which no set can be proven may still be gated by its rule ([`rule_gates`]):
//! a rule with `also` keywords (evidence of a problem) or `all` keywords cannot fire without
//! one of them, and a regex's match only ever counts for its own rule, so those keywords
//! (exact, or at one edit when the rule tolerates typos) may stand in as its gate words.

use regex_syntax::hir::{Hir, HirKind};

use crate::normalize::Normalized;

/// The gate words of a regex (see the module docs), or `None` when no set can be proven.
pub(crate) fn required_tokens(pattern: &str) -> Option<Vec<String>> {
    let hir = regex_syntax::ParserBuilder::new()
        .build()
        .parse(pattern)
        .ok()?;
    let mut tokens = required(&hir)?;
    tokens.sort();
    tokens.dedup();
    Some(tokens)
}

/// The pattern ids that may gate a regex with no gate words of its own, from its rule's
/// `also` keyword patterns (one of them is needed for the rule to fire) or else its `all`
/// keyword patterns (each is needed: the first one is enough). `None` when the rule has
/// neither: its regex must run on every message.
pub(crate) fn rule_gates(also: &[u32], all: &[u32]) -> Option<Vec<u32>> {
    if !also.is_empty() {
        Some(also.to_vec())
    } else {
        all.first().map(|&p| vec![p])
    }
}

fn required(h: &Hir) -> Option<Vec<String>> {
    match h.kind() {
        HirKind::Literal(lit) => token(std::str::from_utf8(&lit.0).ok()?).map(|t| vec![t]),
        HirKind::Capture(c) => required(&c.sub),
        HirKind::Repetition(r) if r.min >= 1 => required(&r.sub),
        HirKind::Alternation(subs) => {
            let mut all = Vec::new();
            for s in subs {
                all.extend(required(s)?);
            }
            Some(all)
        }
        // Every part of a concatenation is required: take the most selective one.
        HirKind::Concat(subs) => subs.iter().filter_map(required).max_by_key(|set| {
            let shortest = set.iter().map(|t| t.chars().count()).min().unwrap_or(0);
            (shortest, std::cmp::Reverse(set.len()))
        }),
        _ => None,
    }
}

/// The longest token of a literal's matching form, when the literal is ASCII or made of
/// characters without case (CJK): for those, the folded text contains exactly what the
/// matching form is built from. `None` for anything else.
fn token(literal: &str) -> Option<String> {
    let caseless = literal
        .chars()
        .all(|c| c.is_ascii() || (!c.is_lowercase() && !c.is_uppercase() && c.is_alphanumeric()));
    if !caseless {
        return None;
    }
    let matching = Normalized::new(literal).matching;
    matching
        .split(' ')
        .max_by_key(|t| t.chars().count())
        .filter(|t| !t.is_empty())
        .map(trim_edge_runs)
}

/// `t` with the run of one letter at its start and at its end cut to one letter (`oops` ->
/// `ops`, `all` -> `al`, `aa` -> `a`).
fn trim_edge_runs(t: &str) -> String {
    let chars: Vec<char> = t.chars().collect();
    let (mut from, mut to) = (0, chars.len());
    while from + 1 < to && chars[from + 1] == chars[from] {
        from += 1;
    }
    while to > from + 1 && chars[to - 2] == chars[to - 1] {
        to -= 1;
    }
    chars[from..to].iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(p: &str) -> Option<Vec<String>> {
        required_tokens(p)
    }

    fn words(w: &[&str]) -> Option<Vec<String>> {
        let mut v: Vec<String> = w.iter().map(|s| s.to_string()).collect();
        v.sort();
        Some(v)
    }

    #[test]
    fn derives_the_words_a_match_needs() {
        assert_eq!(
            req(r"(?:order|purchase|订单|单号)\D{0,15}\d{5,}"),
            words(&["order", "purchase", "单号", "订单"])
        );
        assert_eq!(
            req(r"^\W*(?:unsubscribe|stop|opt out)\W*$"),
            words(&["out", "stop", "unsubscribe"])
        );
        assert_eq!(req(r"收到.{0,8}坏"), words(&["收到"]));
        assert_eq!(req(r"order\s*#?\d{5,}"), words(&["order"]));
        // Apostrophes are dropped as in messages; a double letter inside a word stays, one
        // at an edge is cut to one (`ooops` is ` ops ` in the matching form).
        assert_eq!(req(r"\baccount\b"), words(&["account"]));
        assert_eq!(req(r"oops"), words(&["ops"]));
        assert_eq!(req(r"call"), words(&["cal"]));
        assert_eq!(req(r"aa"), words(&["a"]));
        assert_eq!(req(r"don't (?:go|leave)"), words(&["dont"]));
        assert_eq!(req(r"(?:refund)+"), words(&["refund"]));
        assert_eq!(req(r"[a-z]+ing"), words(&["ing"]));
    }

    #[test]
    fn gives_up_when_nothing_is_certain() {
        for p in [
            r"\d{5,}",
            r"(?:order)?\d+",
            r"order|\d+",
            r"[a-z]+",
            r"(?i)refund",
            r"Ünïcödé",
            "!!+",
            "a*",
        ] {
            assert_eq!(req(p), None, "{p}");
        }
    }
}
