//! `also`: a rule that needs evidence of a problem besides its topic words. Through the
//! public API: when such a rule fires and when not, typo tolerance, the evidence and the
//! trace `rules test` shows, validation, shadowing, and regexes gated by `also` words.

mod common;

use switchboard_triage::{CompileOptions, Context, Engine};

const HEAD: &str = r#"
default_category = "general"
[categories]
billing = "Money"
account = "Sign-in"
technical = "Bugs"
general = "Other"
"#;

fn engine(rules: &str) -> Engine {
    common::engine(HEAD, rules)
}

fn errors(rules: &str) -> Vec<String> {
    common::errors(HEAD, rules)
}

use common::cat;

/// The line in `HEAD + rules` where `needle` first appears (1-based).
fn line_of(rules: &str, needle: &str) -> usize {
    let src = format!("{HEAD}\n{rules}");
    src.lines()
        .position(|l| l.contains(needle))
        .map_or(0, |p| p + 1)
}

const APP: &str = r#"
[[rule]]
id = "app-problem"
any = ["app", "website"]
also = ["crash*", "error", "freezes", "not working", "bug", "崩溃"]
category = "technical"

[[rule]]
id = "account"
any = ["account*", "app"]
category = "account"
"#;

#[test]
fn a_topic_word_alone_does_not_fire_a_rule_with_also() {
    let e = engine(APP);
    // The topic with evidence of a problem.
    assert_eq!(cat(&e, "the app crashes when I open it"), "technical");
    assert_eq!(cat(&e, "Website ERROR 500"), "technical");
    assert_eq!(cat(&e, "the app is not working"), "technical");
    // The topic alone falls through to the next rule, or to the default.
    assert_eq!(cat(&e, "how do I change my account in the app"), "account");
    assert_eq!(cat(&e, "is there a website?"), "general");
    // The evidence alone is not a topic: `also` never makes a rule a candidate.
    assert_eq!(cat(&e, "it crashes all the time"), "general");
    assert_eq!(cat(&e, "error"), "general");
}

#[test]
fn also_words_are_matched_like_any_words() {
    let e = engine(APP);
    // Whole words, prefixes, phrases, case, stretching.
    assert_eq!(cat(&e, "APP CRAAASHED"), "technical");
    assert_eq!(
        cat(&e, "the app has a bugfix"),
        "account",
        "`bug` is a whole word"
    );
    // Typo tolerance applies as for `any`: `freezes` at one edit.
    assert_eq!(cat(&e, "the app freezs"), "technical");
    // A CJK `also` word matches anywhere, with a topic word in another script.
    assert_eq!(cat(&e, "app一直崩溃"), "technical");
}

#[test]
fn fuzzy_false_makes_also_words_exact() {
    let e = engine(&APP.replacen(
        "category = \"technical\"",
        "category = \"technical\"\nfuzzy = false",
        1,
    ));
    assert_eq!(cat(&e, "the app freezes"), "technical");
    assert_eq!(cat(&e, "the app freezs"), "account");
}

#[test]
fn also_narrows_all_and_regex_too() {
    let e = engine(
        r#"
[[rule]]
id = "card-declined"
all = ["card"]
also = ["declined", "rejected"]
category = "billing"

[[rule]]
id = "order-problem"
regex = ['order\s*#?\d{5,}']
also = ["missing", "wrong"]
category = "technical"
"#,
    );
    assert_eq!(cat(&e, "my card was declined"), "billing");
    assert_eq!(cat(&e, "which card do you take"), "general");
    assert_eq!(cat(&e, "order #123456 is missing a part"), "technical");
    assert_eq!(cat(&e, "order #123456 arrived, thanks"), "general");
}

#[test]
fn the_evidence_and_the_trace_say_which_also_word_matched_or_that_none_did() {
    let e = engine(APP);
    let v = e.classify("the app crashed, then freezs", &Context::default());
    let matched: Vec<&str> = v.fired[0].matched.iter().map(|m| &**m).collect();
    assert_eq!(
        matched,
        ["app", "also:crash*", "also:freezes (as \"freezs\")"]
    );

    let ex = e.explain("my app is slow", &Context::default());
    let outcomes: Vec<(&str, &str)> = ex
        .trace
        .iter()
        .map(|t| (&*t.rule, t.outcome.as_str()))
        .collect();
    assert_eq!(
        outcomes[0],
        (
            "app-problem",
            "not fired: no word from `also` is present (one of crash*, error, freezes, not working, bug, 崩溃 is needed)"
        )
    );
    assert_eq!(outcomes[1], ("account", "fired (stop)"));
    // `rules test --json` prints `fired[].matched` as it is.
    let v = e.classify("app error", &Context::default());
    assert_eq!(&*v.fired[0].matched[1], "also:error");
}

#[test]
fn also_is_validated_like_the_other_lists() {
    // An empty list.
    let rules = "[[rule]]\nid = \"r\"\nany = [\"app\"]\nalso = []\ncategory = \"technical\"\n";
    let errs = errors(rules);
    assert_eq!(errs.len(), 1, "{errs:?}");
    let line = line_of(rules, "also = []");
    assert!(
        errs[0].starts_with(&format!(
            "test.toml:{line}:8: error: rule `r` has an empty `also` list"
        )),
        "{errs:?}"
    );
    assert!(
        errs[0].contains("help: add at least one keyword to `also`"),
        "{errs:?}"
    );

    // A misspelt key is an unknown field, with help.
    let rules =
        "[[rule]]\nid = \"r\"\nany = [\"app\"]\nallso = [\"crash\"]\ncategory = \"technical\"\n";
    let errs = errors(rules);
    let line = line_of(rules, "allso");
    assert!(
        errs[0].starts_with(&format!("test.toml:{line}:1: error: unknown field `allso`")),
        "{errs:?}"
    );
    assert!(errs[0].contains("help: check the spelling"), "{errs:?}");

    // `also` without a topic is refused: it would be an `any` list under another name.
    let rules = "[[rule]]\nid = \"r\"\nalso = [\"crash\"]\ncategory = \"technical\"\n";
    let errs = errors(rules);
    assert_eq!(errs.len(), 1, "{errs:?}");
    let line = line_of(rules, "also =");
    assert!(
        errs[0].starts_with(&format!(
            "test.toml:{line}:8: error: rule `r` has `also` but no `any`, `all` or `regex`"
        )),
        "{errs:?}"
    );
    assert!(
        errs[0].contains("help: put the topic words in `any`"),
        "{errs:?}"
    );

    // Keywords in `also` are checked like the others.
    let errs = errors(
        "[[rule]]\nid = \"r\"\nany = [\"app\"]\nalso = [\"?!\"]\ncategory = \"technical\"\n",
    );
    assert!(errs[0].contains("no letters, digits or emoji"), "{errs:?}");
}

#[test]
fn an_earlier_rule_with_also_shadows_only_what_it_surely_matches() {
    // The earlier rule needs `crash`: a later `app` rule still gets "the app is slow".
    engine(
        "[[rule]]\nid = \"a\"\nany = [\"app\"]\nalso = [\"crash\"]\ncategory = \"technical\"\n[[rule]]\nid = \"b\"\nany = [\"app\"]\ncategory = \"account\"\n",
    );
    // ...but a later rule that itself needs `crash` (in `all`, or in every `also` word)
    // can never fire.
    for later in [
        "any = [\"app\"]\nall = [\"crash\"]",
        "any = [\"my app\"]\nalso = [\"crash\"]",
        "any = [\"app crash\"]",
    ] {
        let rules = format!(
            "[[rule]]\nid = \"a\"\nany = [\"app\"]\nalso = [\"crash\"]\ncategory = \"technical\"\n[[rule]]\nid = \"b\"\n{later}\ncategory = \"account\"\n"
        );
        let errs = errors(&rules);
        assert!(
            errs[0].contains("rule `b` can never fire"),
            "{later}: {errs:?}"
        );
    }
    // A later rule with one `also` word the earlier one lacks is reachable.
    engine(
        "[[rule]]\nid = \"a\"\nany = [\"app\"]\nalso = [\"crash\"]\ncategory = \"technical\"\n[[rule]]\nid = \"b\"\nany = [\"app\"]\nalso = [\"crash\", \"slow\"]\ncategory = \"account\"\n",
    );
    // A later rule with `also` is narrower: an earlier rule without it still shadows it.
    let errs = errors(
        "[[rule]]\nid = \"a\"\nany = [\"app\"]\ncategory = \"technical\"\n[[rule]]\nid = \"b\"\nany = [\"app\"]\nalso = [\"crash\"]\ncategory = \"account\"\n",
    );
    assert!(errs[0].contains("rule `b` can never fire"), "{errs:?}");
}

#[test]
fn a_regex_without_gate_words_is_gated_by_its_rules_also_words() {
    // `\d{5,}` alone has no word a match needs; the rule cannot fire without `missing`
    // or `lost`, so those gate the regex. Whatever the gating, the answers must be those
    // of the regex and the words checked by hand.
    let e = engine(
        r#"
[[rule]]
id = "lost-number"
regex = ['\d{5,}']
also = ["missing", "parcel lost"]
category = "technical"
"#,
    );
    for (text, want) in [
        ("12345 is missing", "technical"),
        ("12345 is misssing", "technical"),
        ("12345 is mising", "technical"),
        ("my parcel lost 99999", "technical"),
        ("my parcle lost 99999", "technical"),
        ("missing 123", "general"),
        ("12345", "general"),
        ("parcel 12345 arrived", "general"),
    ] {
        assert_eq!(cat(&e, text), want, "{text:?}");
    }
}

/// The default pack: a generic word does not route a message on its own (issue 14's false
/// routes), while the same word with evidence of a problem still does.
#[test]
fn the_default_pack_needs_evidence_beside_generic_words() {
    let pack = include_str!("../../../config/rules.toml");
    let e = Engine::compile("rules.toml", pack, CompileOptions::default())
        .unwrap_or_else(|err| panic!("the default pack compiles:\n{err}"));
    let first_rule = |t: &str| {
        // The language as the bot guesses it from the script (a backtest does the same).
        let ctx = Context {
            language: switchboard_triage::normalize::guess_language(t).and_then(|l| l.parse().ok()),
            ..Context::default()
        };
        let v = e.classify(t, &ctx);
        (
            v.category.to_string(),
            v.fired
                .iter()
                .rfind(|f| !f.matched.iter().any(|m| m.starts_with("signal:")))
                .map(|f| f.rule.to_string())
                .unwrap_or_default(),
        )
    };
    for (text, category, rule) in [
        // A failure word alone is not a declined payment.
        ("my promo code doesn't work", "billing", "promo-code"),
        ("the app is not working", "technical", "technical"),
        ("the app crashes when I log in", "technical", "technical"),
        // ... with a payment beside it, it is.
        (
            "The card payment didn't work",
            "technical",
            "payment-failed",
        ),
        ("my transfer failed", "technical", "payment-failed"),
        // "pin" alone is not a PIN problem (a pin code is a postcode in many countries).
        ("do you deliver to pin 560001?", "shipping", "shipping"),
        ("what is a pin", "general", ""),
        ("My PIN isn't working", "account", "pin"),
        ("my pin is blocked after three tries", "account", "pin"),
        // Chinese delivery words: a question or a problem is a shipping matter, praise of
        // the courier is not.
        ("物流一直不更新", "shipping", "shipping-zh"),
        ("快递太慢了", "shipping", "shipping-zh"),
        ("快递小哥辛苦了，很快就到了", "feedback", "praise-zh"),
        ("快递小哥辛苦了", "general", ""),
    ] {
        assert_eq!(
            first_rule(text),
            (category.to_string(), rule.to_string()),
            "{text:?}"
        );
    }
}
