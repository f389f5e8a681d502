//! Typo tolerance through the public API: which keywords match at one edit, how the rules
//! file turns it off, how the evidence says so, and that exact words win.

mod common;

use switchboard_triage::{Context, Engine, Signal};

const HEAD: &str = r#"
default_category = "general"
[categories]
billing = "Money"
shipping = "Parcels"
account = "Sign-in"
cancellation = "Cancel"
general = "Other"
"#;

fn engine(rules: &str) -> Engine {
    common::engine(HEAD, rules)
}

fn errors(rules: &str) -> Vec<String> {
    common::errors(HEAD, rules)
}

use common::cat;

/// The evidence of the first fired rule.
fn matched(e: &Engine, text: &str) -> Vec<String> {
    let v = e.classify(text, &Context::default());
    v.fired
        .first()
        .map(|f| f.matched.iter().map(|m| m.to_string()).collect())
        .unwrap_or_default()
}

const CANCEL: &str = r#"
[[rule]]
id = "cancel"
any = ["cancel", "cancelled", "refund*", "money back", "card"]
category = "cancellation"
"#;

#[test]
fn a_long_keyword_matches_at_one_edit_of_each_kind() {
    let e = engine(CANCEL);
    for typo in [
        "please cancle my order",  // two neighbours swapped
        "please cancal my order",  // one letter changed
        "please cancl my order",   // one letter missing
        "please canceel my order", // one letter too many
        "please xancel my order",  // even the first letter
        "𝓬𝓪𝓷𝓬𝓵𝓮 my order",         // styled, and a typo
    ] {
        assert_eq!(cat(&e, typo), "cancellation", "{typo}");
    }
    // Two edits are too many.
    assert_eq!(cat(&e, "please cnalce my order"), "general");
    assert_eq!(cat(&e, "please cacnle my order"), "general");
}

#[test]
fn cancelled_and_canceled_still_match_each_other() {
    // The squeeze no longer makes them equal: one edit does.
    let e = engine(CANCEL);
    assert_eq!(cat(&e, "my order was canceled"), "cancellation");
    assert_eq!(
        matched(&e, "my order was canceled"),
        vec![r#"cancelled (as "canceled")"#]
    );
    let e = engine(
        r#"
[[rule]]
id = "canceled"
any = ["canceled"]
category = "cancellation"
"#,
    );
    assert_eq!(cat(&e, "it got cancelled"), "cancellation");
}

#[test]
fn short_keywords_cjk_and_numbers_do_not_fuzz() {
    let e = engine(
        r#"
[[rule]]
id = "short"
any = ["card", "pin", "退款申请", "12345", "abc12"]
category = "billing"
"#,
    );
    assert_eq!(cat(&e, "my card"), "billing");
    assert_eq!(cat(&e, "my crad"), "general");
    assert_eq!(cat(&e, "my cards"), "general");
    assert_eq!(cat(&e, "退款申清"), "general");
    assert_eq!(cat(&e, "order 12346"), "general");
    assert_eq!(cat(&e, "code abc13"), "general");
}

#[test]
fn a_rule_turns_it_off_with_fuzzy_false() {
    let rules = r#"
[[rule]]
id = "strict"
any = ["refund"]
fuzzy = false
category = "billing"

[[rule]]
id = "loose"
any = ["refund", "cancel"]
category = "cancellation"
"#;
    let e = engine(rules);
    assert_eq!(cat(&e, "refund"), "billing");
    // The strict rule ignores the typo; the loose one, sharing the keyword, takes it.
    assert_eq!(cat(&e, "refnud"), "cancellation");
    let e = engine(&rules.replace("[\"refund\", \"cancel\"]", "[\"cancel\"]"));
    assert_eq!(cat(&e, "refnud"), "general");
    assert_eq!(cat(&e, "cancle"), "cancellation");
}

#[test]
fn phrases_fuzz_their_long_words_only() {
    let e = engine(CANCEL);
    assert_eq!(cat(&e, "I want my mony back"), "cancellation");
    assert_eq!(
        matched(&e, "I want my mony back"),
        vec![r#"money back (as "mony back")"#]
    );
    assert_eq!(cat(&e, "I want my mony bak"), "general");
    // A `*` stem matches a whole word at one edit, not a longer word.
    assert_eq!(
        matched(&e, "a refnd please"),
        vec![r#"refund* (as "refnd")"#]
    );
    assert_eq!(cat(&e, "refnding"), "general");
}

#[test]
fn exact_words_win_over_typos() {
    let e = engine(
        r#"
[[rule]]
id = "old"
any = ["older"]
category = "account"

[[rule]]
id = "order"
any = ["order", "parcel"]
category = "shipping"
"#,
    );
    // `older` is a word of the pack: it is never read as `order` by a typo.
    assert_eq!(cat(&e, "my older"), "account");
    let x = e.explain("my older", &Context::default());
    assert_eq!(x.trace.len(), 1, "{:?}", x.trace);
    assert_eq!(cat(&e, "my ordre"), "shipping");
    // In the evidence, the exact keyword comes first.
    assert_eq!(
        matched(&e, "my parcle order"),
        vec!["order".to_string(), r#"parcel (as "parcle")"#.to_string()]
    );
}

#[test]
fn none_words_and_signal_words_stay_exact() {
    let e = engine(
        r#"
[signals]
urgent = ["immediately"]

[[rule]]
id = "refund"
any = ["refund"]
none = ["policy"]
category = "billing"
"#,
    );
    assert_eq!(cat(&e, "refund policy"), "general");
    assert_eq!(cat(&e, "refund polcy"), "billing");
    let v = e.classify("immediatly", &Context::default());
    assert!(!v.signals.has(Signal::Urgent));
}

#[test]
fn explain_and_json_show_the_typo() {
    let e = engine(CANCEL);
    let x = e.explain("pls cancle", &Context::default());
    assert_eq!(x.trace[0].outcome, "fired (stop)");
    // `rules test --json` prints the verdict's `fired[].matched`.
    assert_eq!(
        x.verdict.fired[0].matched[0].as_ref(),
        r#"cancel (as "cancle")"#
    );
}

#[test]
fn the_fuzzy_key_is_validated() {
    let errs = errors(
        r#"
[[rule]]
id = "r"
any = ["refund"]
fuzzy = "no"
category = "billing"
"#,
    );
    assert!(errs[0].contains("invalid type"), "{errs:?}");
    let errs = errors(
        r#"
[[rule]]
id = "r"
regex = ['\d{5}']
fuzzy = false
category = "billing"
"#,
    );
    assert!(
        errs[0].contains("sets `fuzzy` but has no `any`, `all` or `also` keywords"),
        "{errs:?}"
    );
}

#[test]
fn a_typo_tolerant_rule_is_not_shadowed_by_a_strict_one() {
    // `strict` matches every message with `refund`, but not `refnd`: `loose` can fire.
    engine(
        r#"
[[rule]]
id = "strict"
any = ["refund"]
fuzzy = false
category = "billing"

[[rule]]
id = "loose"
any = ["refund"]
category = "cancellation"
"#,
    );
    // Both strict: the later one can never fire, as before.
    let errs = errors(
        r#"
[[rule]]
id = "strict"
any = ["refund"]
fuzzy = false
category = "billing"

[[rule]]
id = "loose"
any = ["refund"]
fuzzy = false
category = "cancellation"
"#,
    );
    assert!(errs[0].contains("can never fire"), "{errs:?}");
}
