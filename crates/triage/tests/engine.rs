//! Behaviour of the compiled engine through its public API: matching semantics, rule order,
//! stop and continue, signals, filters, and every validation error with its message.

mod common;

use std::collections::HashSet;

use switchboard_domain::{Platform, Priority};
use switchboard_triage::backtest::Scorer;
use switchboard_triage::{CompileOptions, Context, Engine, Signal};

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

/// The line in `HEAD + rules` where `needle` first appears (1-based).
fn line_of(rules: &str, needle: &str) -> usize {
    let src = format!("{HEAD}\n{rules}");
    src.lines().position(|l| l.contains(needle)).unwrap() + 1
}

// ---------------------------------------------------------------- matching semantics

#[test]
fn whole_words_unless_a_wildcard_says_otherwise() {
    let e = engine(
        r#"
[[rule]]
id = "cancel-word"
any = ["cancel"]
category = "cancellation"
"#,
    );
    assert_eq!(cat(&e, "please cancel my order"), "cancellation");
    assert_eq!(cat(&e, "Cancel."), "cancellation");
    assert_eq!(cat(&e, "what is your cancellation policy"), "general");
    assert_eq!(cat(&e, "uncancel"), "general");

    let e = engine(
        r#"
[[rule]]
id = "cancel-prefix"
any = ["cancel*"]
category = "cancellation"
"#,
    );
    assert_eq!(cat(&e, "what is your cancellation policy"), "cancellation");
    assert_eq!(cat(&e, "I cancelled it"), "cancellation");
    // A prefix still needs the start of a word.
    assert_eq!(cat(&e, "uncancelled"), "general");
}

#[test]
fn case_width_accents_punctuation_emoji_and_stretching_do_not_matter() {
    let e = engine(
        r#"
[[rule]]
id = "refund"
any = ["refund", "money back"]
category = "billing"
"#,
    );
    for text in [
        "REFUND",
        "Refund?!",
        "ＲＥＦＵＮＤ please",
        "refuuuuund pls",
        "refund😡😡",
        "💸refund💸",
        "I want my money... back",
        "MONEY-BACK now",
        "\u{201C}refund\u{201D}",
    ] {
        assert_eq!(cat(&e, text), "billing", "{text:?}");
    }
    assert_eq!(cat(&e, "refunded"), "general");
    assert_eq!(
        cat(&e, "money is back"),
        "general",
        "a phrase needs its words in a row"
    );
}

#[test]
fn chinese_and_japanese_match_as_substrings() {
    let e = engine(
        r#"
[[rule]]
id = "refund"
any = ["退款", "返金"]
category = "billing"

[[rule]]
id = "mixed"
any = ["app打不开"]
category = "account"
"#,
    );
    assert_eq!(cat(&e, "我要退款！！"), "billing");
    assert_eq!(cat(&e, "申请退款什么时候到账"), "billing");
    assert_eq!(cat(&e, "返金してください"), "billing");
    assert_eq!(cat(&e, "我的APP打不开了"), "account");
    assert_eq!(cat(&e, "我的 app 打不开"), "account");
}

#[test]
fn keywords_are_normalised_like_messages() {
    // An admin writing capitals, curly apostrophes or stretched words still matches.
    let e = engine(
        r#"
[[rule]]
id = "login"
any = ["Can’t LOG IN", "Straße"]
category = "account"
"#,
    );
    assert_eq!(cat(&e, "i cant log in"), "account");
    assert_eq!(cat(&e, "I can't log-in!"), "account");
    assert_eq!(cat(&e, "STRASSE"), "account");
}

#[test]
fn all_and_none_conditions() {
    let e = engine(
        r#"
[[rule]]
id = "card-delivery"
all = ["card"]
any = ["arrive*", "deliver*"]
none = ["return"]
category = "shipping"
"#,
    );
    assert_eq!(cat(&e, "when will my card arrive"), "shipping");
    assert_eq!(
        cat(&e, "when will my parcel arrive"),
        "general",
        "`all` needs card"
    );
    assert_eq!(cat(&e, "my card"), "general", "`any` needs arrive/deliver");
    assert_eq!(
        cat(&e, "card delivery for the return"),
        "general",
        "`none` blocks"
    );
}

#[test]
fn regexes_run_on_folded_text_case_insensitively() {
    let e = engine(
        r#"
[[rule]]
id = "order-number"
regex = ['order\s*#?\d{5,}']
category = "shipping"
"#,
    );
    let v = e.classify("Where is ORDER #12345?", &Context::default());
    assert_eq!(v.category.as_str(), "shipping");
    assert_eq!(
        v.fired[0].matched.iter().map(|m| &**m).collect::<Vec<_>>(),
        ["order #12345"]
    );
    assert_eq!(cat(&e, "order 12"), "general");
}

// ---------------------------------------------------------------- order, stop, continue

#[test]
fn first_stop_rule_wins_and_later_rules_do_not_run() {
    let e = engine(
        r#"
[[rule]]
id = "first"
any = ["refund"]
category = "billing"
tags = ["a"]

[[rule]]
id = "second"
any = ["parcel"]
category = "shipping"
tags = ["b"]
"#,
    );
    let v = e.classify("refund for my parcel", &Context::default());
    assert_eq!(v.category.as_str(), "billing");
    assert_eq!(v.tags.len(), 1);
    assert_eq!(v.fired.len(), 1);
    // Order is the file's order, not the order words appear in the message.
    let v = e.classify("parcel refund", &Context::default());
    assert_eq!(v.category.as_str(), "billing");
}

#[test]
fn continue_rules_add_tags_raise_priority_and_let_later_rules_decide() {
    let e = engine(
        r#"
[[rule]]
id = "vip-ish"
any = ["asap"]
priority = "high"
tags = ["hurry"]
then = "continue"

[[rule]]
id = "low-feedback"
any = ["parcel"]
category = "shipping"
priority = "low"
tags = ["parcel", "hurry"]
answer = "track"

[[rule]]
id = "never-after-stop"
any = ["asap"]
all = ["later"]
category = "billing"
"#,
    );
    let v = e.classify("parcel asap", &Context::default());
    assert_eq!(v.category.as_str(), "shipping");
    assert_eq!(
        v.priority,
        Priority::High,
        "a later low does not lower a high"
    );
    assert_eq!(
        v.tags.iter().map(|t| &**t).collect::<Vec<_>>(),
        ["hurry", "parcel"]
    );
    assert_eq!(v.auto_answer.as_deref(), Some("track"));
    let ids: Vec<&str> = v.fired.iter().map(|f| &*f.rule).collect();
    assert_eq!(ids, ["vip-ish", "low-feedback"]);

    // Only the continue rule: no category set, so the default, and the priority it set.
    let v = e.classify("asap", &Context::default());
    assert_eq!(v.category.as_str(), "general");
    assert!(v.default_category);
    assert_eq!(v.priority, Priority::High);

    // Nothing fires: default category, normal priority, nothing else.
    let v = e.classify("hello", &Context::default());
    assert!(v.default_category && v.fired.is_empty() && !v.escalate);
    assert_eq!(v.priority, Priority::Normal);
}

#[test]
fn the_first_category_set_wins_and_escalate_accumulates() {
    let e = engine(
        r#"
[[rule]]
id = "a"
any = ["refund"]
category = "billing"
escalate = true
then = "continue"

[[rule]]
id = "b"
any = ["parcel"]
category = "shipping"
"#,
    );
    let v = e.classify("refund parcel", &Context::default());
    assert_eq!(v.category.as_str(), "billing");
    assert!(v.escalate);
    assert_eq!(v.fired.len(), 2);
}

// ---------------------------------------------------------------- signals and filters

/// The requests for a person that the first version missed (from real traffic), and the
/// look-alikes that must not escalate, through the whole engine with the default pack and
/// a `[signals]` extension.
#[test]
fn requests_for_a_person_in_real_words_escalate_and_look_alikes_do_not() {
    let pack = include_str!("../../../config/rules.toml");
    let e = Engine::compile("rules.toml", pack, CompileOptions::default())
        .unwrap_or_else(|err| panic!("the default pack compiles:\n{err}"));
    let ctx = Context::default();
    for t in [
        "I need a human",
        "get me a human",
        "Can you get a human to assist me?",
        "need to chat with a representative",
        "Chat agent",
        "Customer care",
        "I want to talk to executive",
        "Can someone call me?",
        "Share contact number",
        "how do i contact customer sevrice",
        "i need to speak with custmer support",
        "人工",
    ] {
        let v = e.classify(t, &ctx);
        assert!(v.signals.has(Signal::Human) && v.escalate, "{t}: {v:?}");
        let why = e.explain(t, &ctx);
        assert!(
            why.signal_evidence
                .iter()
                .any(|(s, w)| *s == Signal::Human && w.starts_with("asked")),
            "{t}: the reason is given: {:?}",
            why.signal_evidence
        );
    }
    for t in [
        "are you a real person?",
        "my travel agent booked the wrong flight",
        "as a human being I expect better",
        "human resources needs my payslip",
        "call me Chip",
        "the call failed",
        "I don't need a human, the bot is fine",
        "人工智能",
    ] {
        let v = e.classify(t, &ctx);
        assert!(!v.signals.has(Signal::Human), "{t}: {v:?}");
    }
}

#[test]
fn a_rules_file_adds_person_words_and_rules_out_phrases() {
    let e = engine(
        r#"
[signals]
person_nouns = ["concierge"]
not_person = ["talk to someone at the bank"]

[[rule]]
id = "human"
signals = ["human"]
escalate = true
"#,
    );
    let has = |t: &str| {
        e.classify(t, &Context::default())
            .signals
            .has(Signal::Human)
    };
    assert!(has("I want the concierge"));
    assert!(!has("I had to talk to someone at the bank about it"));
    assert!(has("let me talk to someone"));
}

#[test]
fn built_in_signals() {
    let e = engine(
        r#"
[[rule]]
id = "human"
signals = ["human"]
escalate = true
then = "continue"
"#,
    );
    let has = |text: &str, s: Signal| e.classify(text, &Context::default()).signals.has(s);
    for t in [
        "can I talk to a person",
        "I want a REAL agent",
        "转人工",
        "我要人工客服",
    ] {
        assert!(has(t, Signal::Human), "{t}");
        assert!(e.classify(t, &Context::default()).escalate, "{t}");
    }
    assert!(!has("the person who delivered", Signal::Human));
    for t in ["this is urgent", "need it ASAP", "紧急！"] {
        assert!(has(t, Signal::Urgent), "{t}");
    }
    for t in [
        "WHERE IS MY ORDER",
        "where is my order!!!",
        "I am furious",
        "太过分了",
    ] {
        assert!(has(t, Signal::Anger), "{t}");
        assert!(has(t, Signal::Negative), "anger is negative too: {t}");
    }
    for t in ["the service was terrible", "非常失望"] {
        assert!(has(t, Signal::Negative), "{t}");
        assert!(!has(t, Signal::Anger), "{t}");
    }
    assert!(!has("My PIN and ATM card", Signal::Anger));
    assert!(!has("thanks!", Signal::Anger));
}

#[test]
fn signal_words_can_be_extended_by_the_rules_file() {
    let src = format!(
        "{HEAD}\n[signals]\nurgent = [\"chop chop\"]\n[[rule]]\nid = \"u\"\nsignals = [\"urgent\"]\npriority = \"urgent\"\n"
    );
    let e = Engine::compile("t.toml", &src, CompileOptions::default()).unwrap();
    let v = e.classify("chop chop!", &Context::default());
    assert_eq!(v.priority, Priority::Urgent);
    assert_eq!(
        v.fired[0].matched.iter().map(|m| &**m).collect::<Vec<_>>(),
        ["signal:urgent"]
    );
}

#[test]
fn filters_on_platform_language_tier_and_hours() {
    let e = engine(
        r#"
[[rule]]
id = "tg-vip-after-hours"
any = ["refund"]
platform = ["telegram"]
tier = ["vip"]
hours = "out"
category = "billing"
priority = "urgent"

[[rule]]
id = "zh"
any = ["refund"]
language = ["zh"]
category = "billing"
"#,
    );
    let mut ctx = Context {
        platform: Some(Platform::Telegram),
        tier: Some("vip".parse().unwrap()),
        business_hours: Some(false),
        ..Context::default()
    };
    assert_eq!(e.classify("refund", &ctx).priority, Priority::Urgent);
    ctx.business_hours = Some(true);
    assert_eq!(e.classify("refund", &ctx).category.as_str(), "general");
    ctx.business_hours = None;
    assert_eq!(
        e.classify("refund", &ctx).category.as_str(),
        "general",
        "unknown hours do not pass a filter"
    );
    let ctx = Context {
        language: Some("zh-CN".parse().unwrap()),
        ..Context::default()
    };
    assert_eq!(e.classify("refund", &ctx).fired[0].rule.as_ref(), "zh");
}

#[test]
fn explain_says_why_each_candidate_did_or_did_not_fire() {
    let e = engine(
        r#"
[[rule]]
id = "blocked"
any = ["refund"]
none = ["policy"]
category = "billing"

[[rule]]
id = "needs-all"
any = ["refund"]
all = ["card"]
category = "billing"

[[rule]]
id = "fires"
any = ["refund*"]
category = "billing"

[[rule]]
id = "after"
any = ["policy"]
category = "general"
"#,
    );
    let ex = e.explain("refund policy", &Context::default());
    let outcomes: Vec<(String, String)> = ex
        .trace
        .iter()
        .map(|t| (t.rule.to_string(), t.outcome.clone()))
        .collect();
    assert_eq!(outcomes[0].1, "blocked: contains `policy` from `none`");
    assert_eq!(outcomes[1].1, "not fired: `card` from `all` is missing");
    assert_eq!(outcomes[2].1, "fired (stop)");
    assert!(outcomes[3].1.starts_with("not reached"), "{outcomes:?}");
    assert_eq!(ex.normalized, "refund policy");
    assert_eq!(
        ex.verdict.fired[0]
            .matched
            .iter()
            .map(|m| &**m)
            .collect::<Vec<_>>(),
        ["refund*"]
    );
}

// ---------------------------------------------------------------- validation errors

#[test]
fn unknown_category_names_the_place_and_the_choices() {
    let rules = "[[rule]]\nid = \"r\"\nany = [\"x\"]\ncategory = \"biling\"\n";
    let errs = errors(rules);
    let line = line_of(rules, "biling");
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert!(
        errs[0].starts_with(&format!(
            "test.toml:{line}:12: error: unknown category `biling`"
        )),
        "{errs:?}"
    );
    assert!(
        errs[0].contains("help: use one of account, billing, cancellation, general, shipping"),
        "{errs:?}"
    );
}

#[test]
fn unknown_default_category() {
    let src = HEAD.replace(
        "default_category = \"general\"",
        "default_category = \"misc\"",
    );
    let err = Engine::compile("t.toml", &src, CompileOptions::default())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("t.toml:2:20: error: unknown category `misc`"),
        "{err}"
    );
}

#[test]
fn duplicate_rule_id() {
    let rules = "[[rule]]\nid = \"r\"\nany = [\"x\"]\ncategory = \"billing\"\n\n[[rule]]\nid = \"r\"\nany = [\"y\"]\ncategory = \"billing\"\n";
    let errs = errors(rules);
    assert_eq!(errs.len(), 1, "{errs:?}");
    let first = line_of(rules, "id = \"r\"");
    assert!(
        errs[0].contains(&format!(
            "duplicate rule id `r` (first used on line {})",
            first - 1
        )),
        "{errs:?}"
    );
    assert!(errs[0].contains("help: give each rule its own id"));
}

#[test]
fn invalid_regex() {
    let errs = errors("[[rule]]\nid = \"r\"\nregex = ['order (\\d+']\ncategory = \"billing\"\n");
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert!(errs[0].contains("invalid regex in rule `r`"), "{errs:?}");
    assert!(errs[0].contains("unclosed group"), "{errs:?}");
    // Look-around is not supported by a linear-time engine; the message says so.
    let errs = errors("[[rule]]\nid = \"r\"\nregex = ['(?=x)y']\ncategory = \"billing\"\n");
    assert!(errs[0].contains("no look-around"), "{errs:?}");
}

#[test]
fn a_regex_that_matches_everything_is_refused() {
    let errs = errors("[[rule]]\nid = \"r\"\nregex = ['x*']\ncategory = \"billing\"\n");
    assert!(errs[0].contains("matches an empty message"), "{errs:?}");
}

#[test]
fn oversized_regex_is_refused_not_compiled() {
    // Each repetition multiplies the program size: this would need gigabytes.
    let errs = errors(
        "[[rule]]\nid = \"r\"\nregex = ['\\w{1000}\\w{1000}\\w{1000}']\ncategory = \"billing\"\n",
    );
    assert!(errs[0].contains("invalid regex in rule `r`"), "{errs:?}");
    assert!(errs[0].contains("size limit"), "{errs:?}");
}

#[test]
fn unknown_field_is_located_with_help() {
    let rules = "[[rule]]\nid = \"r\"\nanny = [\"x\"]\ncategory = \"billing\"\n";
    let errs = errors(rules);
    let line = line_of(rules, "anny");
    assert!(
        errs[0].starts_with(&format!("test.toml:{line}:1: error: unknown field `anny`")),
        "{errs:?}"
    );
    assert!(errs[0].contains("help: check the spelling"), "{errs:?}");
}

#[test]
fn missing_prompt_key_for_an_auto_answer() {
    let keys: HashSet<String> = ["refund_policy".to_string()].into();
    let src = format!("{HEAD}\n[[rule]]\nid = \"r\"\nany = [\"x\"]\nanswer = \"refund_polcy\"\n");
    let err = Engine::compile(
        "t.toml",
        &src,
        CompileOptions {
            answer_keys: Some(&keys),
        },
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("auto-answer `refund_polcy` is missing from the prompts"),
        "{err}"
    );
    assert!(
        err.contains("under [answer] in every prompts/<locale>.toml"),
        "{err}"
    );
    let src = src.replace("refund_polcy", "refund_policy");
    assert!(
        Engine::compile(
            "t.toml",
            &src,
            CompileOptions {
                answer_keys: Some(&keys)
            }
        )
        .is_ok()
    );
}

#[test]
fn empty_keyword_list() {
    let errs = errors("[[rule]]\nid = \"r\"\nany = []\ncategory = \"billing\"\n");
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert!(
        errs[0].contains("rule `r` has an empty `any` list"),
        "{errs:?}"
    );
    assert!(errs[0].contains("help: add at least one keyword to `any`, or remove the line"));
}

#[test]
fn keyword_without_letters_or_with_inner_wildcard() {
    let errs =
        errors("[[rule]]\nid = \"r\"\nany = [\"?!\", \"can*cel\"]\ncategory = \"billing\"\n");
    assert_eq!(errs.len(), 2, "{errs:?}");
    assert!(errs[0].contains("no letters, digits or emoji"), "{errs:?}");
    assert!(
        errs[1].contains("`*` is allowed only at the end"),
        "{errs:?}"
    );
}

#[test]
fn rule_shadowed_by_an_earlier_stop_rule() {
    let rules = r#"
[[rule]]
id = "refund"
any = ["refund*"]
category = "billing"

[[rule]]
id = "refund-policy"
all = ["refund", "policy"]
category = "general"
"#;
    let errs = errors(rules);
    assert_eq!(errs.len(), 1, "{errs:?}");
    let line = line_of(rules, "id = \"refund-policy\"");
    assert!(errs[0].starts_with(&format!("test.toml:{line}:6: error: rule `refund-policy` can never fire: the earlier rule `refund`")), "{errs:?}");
    assert!(
        errs[0].contains("help: move `refund-policy` above that rule"),
        "{errs:?}"
    );

    // Each of these makes the later rule reachable again.
    for fix in [
        "then = \"continue\"",       // the earlier rule does not stop
        "none = [\"policy\"]",       // it excludes the later one's messages
        "platform = [\"telegram\"]", // it only applies on one platform
    ] {
        let fixed = rules.replacen(
            "category = \"billing\"",
            &format!("category = \"billing\"\n{fix}"),
            1,
        );
        engine(&fixed);
    }
}

#[test]
fn shadowing_reasons_about_words_phrases_prefixes_and_chinese() {
    // Earlier `refund` (whole word) does not cover later `refund*` (prefix):
    // "refunds" reaches the later rule.
    engine(
        "[[rule]]\nid = \"a\"\nany = [\"refund\"]\ncategory = \"billing\"\n[[rule]]\nid = \"b\"\nany = [\"refund*\"]\ncategory = \"general\"\n",
    );
    // Earlier word covers a later phrase containing it.
    let errs = errors(
        "[[rule]]\nid = \"a\"\nany = [\"refund\"]\ncategory = \"billing\"\n[[rule]]\nid = \"b\"\nany = [\"want a refund\", \"REFUND\"]\ncategory = \"general\"\n",
    );
    assert!(errs[0].contains("rule `b` can never fire"), "{errs:?}");
    // Chinese substring: 退款 covers 申请退款.
    let errs = errors(
        "[[rule]]\nid = \"a\"\nany = [\"退款\"]\ncategory = \"billing\"\n[[rule]]\nid = \"b\"\nany = [\"申请退款\"]\ncategory = \"general\"\n",
    );
    assert!(errs[0].contains("rule `b` can never fire"), "{errs:?}");
    // Only one of the later rule's words is covered: reachable.
    engine(
        "[[rule]]\nid = \"a\"\nany = [\"refund\"]\ncategory = \"billing\"\n[[rule]]\nid = \"b\"\nany = [\"refund\", \"parcel\"]\ncategory = \"general\"\n",
    );
    // A filter-only stop rule shadows a later rule with the same filter.
    let errs = errors(
        "[[rule]]\nid = \"a\"\nplatform = [\"discord\"]\ncategory = \"billing\"\n[[rule]]\nid = \"b\"\nany = [\"x\"]\nplatform = [\"discord\"]\ncategory = \"general\"\n",
    );
    assert!(errs[0].contains("rule `b` can never fire"), "{errs:?}");
}

#[test]
fn bad_values_of_priority_platform_hours_then_and_signals() {
    let errs = errors(
        r#"
[[rule]]
id = "r"
any = ["x"]
priority = "asap"
platform = ["slack"]
hours = "night"
signals = ["happy"]
then = "halt"
category = "billing"
"#,
    );
    let all = errs.join("\n");
    for needle in [
        "unknown priority `asap`",
        "unknown platform `slack`",
        "unknown hours `night`",
        "unknown signal `happy`",
        "unknown `then = \"halt\"`",
    ] {
        assert!(all.contains(needle), "missing {needle:?} in\n{all}");
    }
    assert_eq!(errs.len(), 5, "{all}");
}

#[test]
fn rules_need_a_condition_and_an_action() {
    let errs = errors("[[rule]]\nid = \"r\"\ncategory = \"billing\"\n");
    assert!(errs[0].contains("has no conditions"), "{errs:?}");
    let errs = errors("[[rule]]\nid = \"r\"\nany = [\"x\"]\n");
    assert!(errs[0].contains("has no actions"), "{errs:?}");
}

#[test]
fn syntax_errors_are_located() {
    let err = Engine::compile(
        "t.toml",
        "default_category = \"general\n",
        CompileOptions::default(),
    )
    .unwrap_err()
    .to_string();
    assert!(err.starts_with("t.toml:1:"), "{err}");
    assert!(err.contains("help: fix the TOML syntax"), "{err}");
}

#[test]
fn all_problems_are_reported_at_once_in_file_order() {
    let errs = errors(
        "[[rule]]\nid = \"a\"\nany = []\ncategory = \"x\"\n[[rule]]\nid = \"a\"\nany = [\"y\"]\ncategory = \"billing\"\n",
    );
    assert_eq!(errs.len(), 3, "{errs:?}");
    assert!(errs[0].contains("empty `any`"));
    assert!(errs[1].contains("unknown category `x`"));
    assert!(errs[2].contains("duplicate rule id"));
}

// ---------------------------------------------------------------- backtest

/// A fixture whose numbers were worked out by hand.
///
/// Rules: "refund" -> billing, "parcel" -> shipping, default general.
/// Rows (label -> predicted):
///   1 "refund please"      billing  -> billing   (TP billing)
///   2 "refund my parcel"   shipping -> billing   (FN shipping, FP billing)
///   3 "where is my parcel" shipping -> shipping  (TP shipping)
///   4 "hello"              general  -> general   (TP general)
///   5 "parcel"             billing  -> shipping  (FN billing, FP shipping)
///   6 "thanks"             shipping -> general   (FN shipping, FP general)
/// Rule hits: refund on rows 1 and 2 (row 2 stops there), parcel on rows 3 and 5.
/// billing:  TP 1, FP 1, FN 1 -> P 1/2, R 1/2, F1 1/2, support 2
/// shipping: TP 1, FP 1, FN 2 -> P 1/2, R 1/3, F1 2·(1/2·1/3)/(1/2+1/3) = 2/5, support 3
/// general:  TP 1, FP 1, FN 0 -> P 1/2, R 1,   F1 2/3, support 1
/// macro-F1 = (1/2 + 2/5 + 2/3) / 3 = 47/90; accuracy = 3/6.
#[test]
fn backtest_numbers_worked_out_by_hand() {
    let e = engine(
        "[[rule]]\nid = \"refund\"\nany = [\"refund\"]\ncategory = \"billing\"\n[[rule]]\nid = \"parcel\"\nany = [\"parcel\"]\ncategory = \"shipping\"\n[[rule]]\nid = \"never\"\nany = [\"zebra\"]\ncategory = \"account\"\n",
    );
    let rows = [
        ("refund please", "billing"),
        ("refund my parcel", "shipping"),
        ("where is my parcel", "shipping"),
        ("hello", "general"),
        ("parcel", "billing"),
        ("thanks", "shipping"),
    ];
    let mut s = Scorer::new(&e);
    for (text, label) in rows {
        s.add(label, &e.classify(text, &Context::default()));
    }
    s.add_bad_row();
    let r = s.report();
    let close = |a: f64, b: f64| (a - b).abs() < 1e-12;
    assert_eq!(r.rows, 6);
    assert_eq!(r.bad_rows, 1);
    assert!(close(r.accuracy, 0.5));
    assert!(close(r.macro_f1, 47.0 / 90.0), "{}", r.macro_f1);
    let by = |c: &str| {
        r.per_category
            .iter()
            .find(|x| x.category == c)
            .unwrap()
            .clone()
    };
    let b = by("billing");
    assert!(close(b.precision, 0.5) && close(b.recall, 0.5) && close(b.f1, 0.5));
    assert_eq!((b.support, b.predicted), (2, 2));
    let sh = by("shipping");
    assert!(close(sh.precision, 0.5) && close(sh.recall, 1.0 / 3.0) && close(sh.f1, 0.4));
    assert_eq!((sh.support, sh.predicted), (3, 2));
    let g = by("general");
    assert!(close(g.precision, 0.5) && close(g.recall, 1.0) && close(g.f1, 2.0 / 3.0));
    assert_eq!(r.confusion.labels, ["billing", "general", "shipping"]);
    assert_eq!(
        r.confusion.counts,
        vec![vec![1, 0, 1], vec![0, 1, 0], vec![1, 1, 1]]
    );
    assert_eq!(
        r.rules_fired
            .iter()
            .map(|h| (h.rule.as_str(), h.hits))
            .collect::<Vec<_>>(),
        [("parcel", 2), ("refund", 2)]
    );
    assert_eq!(r.rules_never_fired, ["never"]);
}

#[test]
fn empty_backtest_divides_by_nothing() {
    let e = engine("[[rule]]\nid = \"r\"\nany = [\"x\"]\ncategory = \"billing\"\n");
    let r = Scorer::new(&e).report();
    assert_eq!((r.rows, r.accuracy, r.macro_f1), (0, 0.0, 0.0));
    assert!(r.per_category.is_empty());
}

/// The regex prefilter may skip the RegexSet only when no regex can match: a regex rule
/// fires on every message its regex matches, however the text is written.
#[test]
fn regex_rules_fire_whenever_their_regex_matches() {
    let regexes = [
        r"(?:order|purchase|订单|单号)\D{0,15}\d{5,}",
        r"^\W*(?:unsubscribe|stop|opt out)\W*$",
        r"\b(?:charg|bill|paid|pay)\w*\b[^.?!]{0,30}\b(?:twice|2x|two times|double)\b",
        r"收到.{0,8}坏",
        r"don't (?:go|leave)",
        r"\baccount\b",
        r"[a-z]+ing\b",
    ];
    let mut rules = String::new();
    for (i, r) in regexes.iter().enumerate() {
        rules.push_str(&format!(
            "[[rule]]\nid = \"r{i}\"\nregex = [{r:?}]\ntags = [\"r{i}\"]\nthen = \"continue\"\n"
        ));
    }
    let e = engine(&rules);
    let texts = [
        "Where is ORDER #55123?",
        "order:   88123 pls",
        "my purchase no. 1234567",
        "订单号12345678还没到",
        "单号：99999",
        "ORDERRR 123456",
        "re-order 55555",
        "  unsubscribe!! ",
        "STOP",
        "opt out.",
        "I was CHARGED twice!!!",
        "billed me 2x",
        "paid... two times? no: paid it double",
        "payment double",
        "收到的时候坏了",
        "我收到了，坏",
        "收到东西坏",
        "don't go",
        "DON'T LEAVE me",
        "dont go",
        "my account",
        "My ACCOUNT!",
        "acccount",
        "a running joke",
        "the app keeps crashing",
        "nothing here",
        "12345",
        "charge",
        "收到了",
        "account-holder",
        "accounts",
    ];
    let ci = |p: &str| {
        regex::RegexBuilder::new(p)
            .case_insensitive(true)
            .build()
            .unwrap()
    };
    let compiled: Vec<regex::Regex> = regexes.iter().map(|r| ci(r)).collect();
    for text in texts {
        let folded = switchboard_triage::normalize::Normalized::new(text).folded;
        let v = e.classify(text, &Context::default());
        for (i, re) in compiled.iter().enumerate() {
            let fired = v.tags.iter().any(|t| **t == format!("r{i}"));
            assert_eq!(
                fired,
                re.is_match(&folded),
                "regex {} on {text:?}",
                regexes[i]
            );
        }
    }
}
