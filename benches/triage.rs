//! Triage throughput: classifications per second.
//!
//! Run with `cargo bench --bench triage`. Three groups, measured in one run:
//!
//! - `default_pack`: the shipped pack (`config/rules.toml`) on English support messages of
//!   20, 100 and 500 characters, half of which hit keywords and half of which hit nothing.
//! - `generated_pack`: deterministic packs of 10, 100 and 1,000 rules (five `any` keywords
//!   each from a vocabulary of 3,000 words, `none` words on most rules, one regex on every
//!   tenth rule, two `also` words on every tenth rule) on 100-character messages containing vocabulary words, classified by the
//!   engine (`engine/N`) and by a naive baseline (`naive/N`): the rules in order, each
//!   keyword its own case-insensitive `\b...\b` regex, first rule that fires wins.
//!
//! Each iteration classifies one message (cycling through a fixed set), so criterion's
//! throughput (`Throughput::Elements(1)`) is in classifications per second.
//! BENCHMARKS.md has the numbers and the targets.

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use regex::{Regex, RegexBuilder};
use switchboard_triage::{CompileOptions, Context, Engine, Verdict};

/// The shipped rules pack.
const DEFAULT_PACK: &str = include_str!("../config/rules.toml");

/// The categories of the generated packs (the same taxonomy as the default pack).
const TAXONOMY: [&str; 8] = [
    "billing",
    "shipping",
    "account",
    "technical",
    "cancellation",
    "complaint",
    "feedback",
    "general",
];

/// Number of words in the generated packs' vocabulary.
const VOCABULARY: usize = 3_000;

/// Number of messages each case cycles through (a power of two).
const MESSAGES: usize = 64;

// ---------------------------------------------------------------------------------------
// Deterministic randomness
// ---------------------------------------------------------------------------------------

/// SplitMix64: small, fast, and the same sequence on every machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a, T: ?Sized>(&mut self, items: &[&'a T]) -> &'a T {
        items[self.below(items.len())]
    }
}

// ---------------------------------------------------------------------------------------
// Default pack messages
// ---------------------------------------------------------------------------------------

/// Sentences that hit at least one keyword of the default pack.
const HITS: [&str; 8] = [
    "Where is my parcel? It was supposed to arrive on Monday and the page says nothing.",
    "I was charged twice for my last order, could you please refund the extra payment?",
    "I can't log in to my account, the password reset email never came through.",
    "The app keeps crashing every time I open the checkout page on my phone.",
    "I want to cancel my subscription before the next billing date, how do I do that?",
    "Your courier left my package at the wrong address and now it is gone.",
    "Refund please, the headphones are broken on the left side, I want my money back.",
    "My password does not work any more, how do I change the email on my profile?",
];

/// Sentences that hit no rule of the default pack.
const NEUTRAL: [&str; 8] = [
    "Hi there, quick question about your store opening times on the weekend.",
    "Do you sell gift cards in other colours, maybe a blue or a green one?",
    "What sizes does the wool winter jacket come in, and is it warm?",
    "Is the green tea set still in stock at the city centre store?",
    "Hello! Just wondering if you have this lamp in white as well.",
    "Can you tell me what material the sofa cover is made of?",
    "My sister told me about you, what is new in the shop this week?",
    "Good morning, are the garden chairs suitable for use outside in winter?",
];

/// Cuts `s` to exactly `len` characters (all text here is ASCII).
fn cut(mut s: String, len: usize) -> String {
    assert!(s.is_ascii() && s.len() >= len);
    s.truncate(len);
    s
}

/// `MESSAGES` messages of exactly `len` characters, alternating: one that starts with (or,
/// when long, contains) a keyword sentence, one made of neutral sentences only.
fn default_pack_messages(len: usize) -> Vec<(String, bool)> {
    let mut out = Vec::with_capacity(MESSAGES);
    for i in 0..MESSAGES {
        let hit = i % 2 == 0;
        let mut s = String::new();
        let mut n = i / 2 + i / 16;
        if hit {
            if len >= 200 {
                // A long message: a greeting sentence or two before the problem.
                for _ in 0..(i / 2) % 3 {
                    s.push_str(NEUTRAL[n % NEUTRAL.len()]);
                    s.push(' ');
                    n += 1;
                }
            }
            s.push_str(HITS[(i / 2) % HITS.len()]);
            s.push(' ');
        }
        while s.len() < len {
            s.push_str(NEUTRAL[n % NEUTRAL.len()]);
            s.push(' ');
            n += 1;
        }
        out.push((cut(s, len), hit));
    }
    out
}

// ---------------------------------------------------------------------------------------
// Generated packs
// ---------------------------------------------------------------------------------------

/// A generated rule, from which both the TOML for the engine and the naive engine are built.
struct GenRule {
    id: String,
    category: &'static str,
    any: Vec<String>,
    none: Vec<String>,
    /// Evidence words: when present, one of them is needed besides an `any` word or the
    /// regex.
    also: Vec<String>,
    regex: Option<String>,
}

/// Words that start the regexes (`order\s*#?\d{5,}` and its variants).
const REGEX_WORDS: [&str; 10] = [
    "order", "ticket", "invoice", "case", "ref", "tracking", "member", "return", "claim", "voucher",
];

/// `VOCABULARY` distinct synthetic words of two or three syllables (`brailo`, `kestrum`),
/// lower case, no doubled letters (a word that differs only by normalisation would make the
/// two engines disagree for a reason that has nothing to do with speed).
fn vocabulary() -> Vec<String> {
    const ONSETS: [&str; 28] = [
        "b", "c", "d", "f", "g", "h", "j", "k", "l", "m", "n", "p", "r", "s", "t", "v", "w", "z",
        "br", "cr", "dr", "fl", "gr", "pl", "st", "tr", "sh", "ch",
    ];
    const VOWELS: [&str; 8] = ["a", "e", "i", "o", "u", "ai", "ou", "ea"];
    const CODAS: [&str; 8] = ["", "n", "r", "s", "l", "m", "t", "x"];
    let mut rng = Rng(0x5EED_0001);
    let mut seen = std::collections::HashSet::new();
    let mut words = Vec::with_capacity(VOCABULARY);
    while words.len() < VOCABULARY {
        let syllables = 2 + rng.below(2);
        let mut w = String::new();
        for _ in 0..syllables {
            w.push_str(rng.pick(&ONSETS));
            w.push_str(rng.pick(&VOWELS));
            w.push_str(rng.pick(&CODAS));
        }
        let doubled = w.as_bytes().windows(2).any(|p| p[0] == p[1]);
        if !doubled && !REGEX_WORDS.contains(&w.as_str()) && seen.insert(w.clone()) {
            words.push(w);
        }
    }
    words
}

/// `n` rules: five `any` words each, one or two `none` words on three rules in five, one
/// regex on every tenth rule, two `also` words on every tenth rule (drawn from their own
/// sequence, so that the other rules are those of packs without `also`), categories in
/// turn from the taxonomy.
fn generate_rules(n: usize, vocab: &[String]) -> Vec<GenRule> {
    let mut rng = Rng(0x5EED_0002 ^ n as u64);
    let mut also_rng = Rng(0x5EED_0005 ^ n as u64);
    (0..n)
        .map(|i| {
            let mut any: Vec<String> = Vec::with_capacity(5);
            while any.len() < 5 {
                let w = &vocab[rng.below(vocab.len())];
                if !any.contains(w) {
                    any.push(w.clone());
                }
            }
            let mut none = Vec::new();
            if rng.below(5) < 3 {
                for _ in 0..1 + rng.below(2) {
                    let w = &vocab[rng.below(vocab.len())];
                    if !any.contains(w) && !none.contains(w) {
                        none.push(w.clone());
                    }
                }
            }
            let regex = (i % 10 == 3).then(|| {
                let word = REGEX_WORDS[rng.below(REGEX_WORDS.len())];
                let digits = 4 + rng.below(5);
                format!(r"{word}\s*#?\d{{{digits},}}")
            });
            let also = if i % 10 == 6 {
                (0..2)
                    .map(|_| vocab[also_rng.below(vocab.len())].clone())
                    .filter(|w| !any.contains(w) && !none.contains(w))
                    .collect()
            } else {
                Vec::new()
            };
            GenRule {
                id: format!("rule-{i:04}"),
                category: TAXONOMY[i % (TAXONOMY.len() - 1)],
                any,
                none,
                also,
                regex,
            }
        })
        .collect()
}

/// The pack as TOML; with `fuzzy` false every rule has `fuzzy = false` (exact keywords, like
/// the naive engine's).
fn render_pack(rules: &[GenRule], fuzzy: bool) -> String {
    let list = |words: &[String]| {
        words
            .iter()
            .map(|w| format!("{w:?}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut s = String::from("default_category = \"general\"\n\n[categories]\n");
    for c in TAXONOMY {
        s.push_str(&format!("{c} = \"{c}\"\n"));
    }
    for r in rules {
        s.push_str(&format!(
            "\n[[rule]]\nid = \"{}\"\nany = [{}]\n",
            r.id,
            list(&r.any)
        ));
        if !r.none.is_empty() {
            s.push_str(&format!("none = [{}]\n", list(&r.none)));
        }
        if !r.also.is_empty() {
            s.push_str(&format!("also = [{}]\n", list(&r.also)));
        }
        if let Some(re) = &r.regex {
            // A TOML literal string: backslashes as written.
            s.push_str(&format!("regex = ['{re}']\n"));
        }
        s.push_str(&format!("category = \"{}\"\n", r.category));
        if !fuzzy {
            s.push_str("fuzzy = false\n");
        }
    }
    s
}

/// `s` padded with filler words and cut to exactly 100 characters.
fn pad_to_100(mut s: String, rng: &mut Rng, filler: &[&str]) -> String {
    while s.len() < 100 {
        s.push(' ');
        s.push_str(rng.pick(filler));
    }
    cut(s, 100)
}

/// `MESSAGES` messages of exactly 100 characters: chat filler with three vocabulary words
/// (and, in one message in four, an order-number-like reference) among it.
fn generated_messages(vocab: &[String]) -> Vec<String> {
    const OPENERS: [&str; 6] = [
        "hi,",
        "hello",
        "hey team,",
        "good morning,",
        "hi there,",
        "excuse me,",
    ];
    const FILLER: [&str; 24] = [
        "i", "need", "help", "with", "the", "my", "about", "please", "thanks", "can", "you",
        "check", "it", "again", "today", "and", "is", "this", "for", "what", "happened", "to",
        "so", "now",
    ];
    let mut rng = Rng(0x5EED_0003);
    (0..MESSAGES)
        .map(|i| {
            let mut words: Vec<String> = vec![rng.pick(&OPENERS).to_string()];
            for _ in 0..3 {
                for _ in 0..1 + rng.below(3) {
                    words.push(rng.pick(&FILLER).to_string());
                }
                words.push(vocab[rng.below(vocab.len())].clone());
            }
            if i % 4 == 1 {
                let word = REGEX_WORDS[rng.below(REGEX_WORDS.len())];
                let number = 10_000 + rng.below(9_990_000);
                words.push(format!("{word} #{number}"));
            }
            pad_to_100(words.join(" "), &mut rng, &FILLER)
        })
        .collect()
}

/// `MESSAGES` messages like [`generated_messages`], but whose three words are keywords of
/// rules of `rules` (drawn at random): every message hits the pack, whatever its size, so
/// that packs of different sizes are compared on the same kind of work.
fn messages_hitting(rules: &[GenRule]) -> Vec<String> {
    const FILLER: [&str; 12] = [
        "i", "need", "help", "with", "the", "my", "about", "please", "can", "you", "check", "it",
    ];
    let mut rng = Rng(0x5EED_0004);
    (0..MESSAGES)
        .map(|i| {
            let mut words: Vec<String> = vec!["hi,".to_string()];
            for _ in 0..3 {
                for _ in 0..1 + rng.below(3) {
                    words.push(rng.pick(&FILLER).to_string());
                }
                let rule = &rules[rng.below(rules.len())];
                words.push(rule.any[rng.below(rule.any.len())].clone());
            }
            if i % 4 == 1 {
                let word = REGEX_WORDS[rng.below(REGEX_WORDS.len())];
                words.push(format!("{word} #{}", 10_000 + rng.below(9_990_000)));
            }
            pad_to_100(words.join(" "), &mut rng, &FILLER)
        })
        .collect()
}

// ---------------------------------------------------------------------------------------
// The naive baseline
// ---------------------------------------------------------------------------------------

/// The usual way: every rule in order, every keyword its own case-insensitive `\b...\b`
/// regex, every rule regex on its own, the first rule that fires decides. All regexes are
/// compiled once, up front.
struct NaiveEngine {
    rules: Vec<NaiveRule>,
}

struct NaiveRule {
    id: String,
    category: &'static str,
    any: Vec<Regex>,
    none: Vec<Regex>,
    also: Vec<Regex>,
    regex: Vec<Regex>,
}

fn keyword_regex(word: &str) -> Regex {
    RegexBuilder::new(&format!(r"\b{}\b", regex::escape(word)))
        .case_insensitive(true)
        .build()
        .expect("keyword regex")
}

impl NaiveEngine {
    fn new(rules: &[GenRule]) -> NaiveEngine {
        NaiveEngine {
            rules: rules
                .iter()
                .map(|r| NaiveRule {
                    id: r.id.clone(),
                    category: r.category,
                    any: r.any.iter().map(|w| keyword_regex(w)).collect(),
                    none: r.none.iter().map(|w| keyword_regex(w)).collect(),
                    also: r.also.iter().map(|w| keyword_regex(w)).collect(),
                    regex: r
                        .regex
                        .iter()
                        .map(|re| {
                            RegexBuilder::new(re)
                                .case_insensitive(true)
                                .build()
                                .expect("rule regex")
                        })
                        .collect(),
                })
                .collect(),
        }
    }

    /// The first rule that fires, if any.
    fn first_match(&self, text: &str) -> Option<&NaiveRule> {
        self.rules.iter().find(|r| {
            (r.any.iter().any(|k| k.is_match(text)) || r.regex.iter().any(|k| k.is_match(text)))
                && (r.also.is_empty() || r.also.iter().any(|k| k.is_match(text)))
                && !r.none.iter().any(|k| k.is_match(text))
        })
    }

    /// The category: the first rule that fires decides, else `general`.
    fn classify(&self, text: &str) -> &'static str {
        self.first_match(text).map_or("general", |r| r.category)
    }
}

// ---------------------------------------------------------------------------------------
// The benchmarks
// ---------------------------------------------------------------------------------------

fn compile(name: &str, source: &str) -> Engine {
    Engine::compile(name, source, CompileOptions::default())
        .unwrap_or_else(|e| panic!("{name} does not compile: {e:?}"))
}

fn bench_default_pack(c: &mut Criterion) {
    let engine = compile("config/rules.toml", DEFAULT_PACK);
    let ctx = Context::default();
    let mut group = c.benchmark_group("default_pack");
    group.throughput(Throughput::Elements(1));
    for len in [20, 100, 500] {
        let messages = default_pack_messages(len);
        // The mix is what it says: keyword sentences fire a rule, neutral ones fire none.
        for (m, hit) in &messages {
            let v: Verdict = engine.classify(m, &ctx);
            assert_eq!(
                !v.fired.is_empty(),
                *hit,
                "message {m:?} (len {len}): expected hit = {hit}, got {:?}",
                v.fired
            );
        }
        let texts: Vec<&str> = messages.iter().map(|(m, _)| m.as_str()).collect();
        group.bench_with_input(BenchmarkId::new("chars", len), &texts, |b, texts| {
            let mut i = 0usize;
            b.iter(|| {
                let m = texts[i % MESSAGES];
                i = i.wrapping_add(1);
                engine.classify(black_box(m), black_box(&ctx))
            });
        });
    }
    group.finish();
}

fn bench_generated_packs(c: &mut Criterion) {
    let vocab = vocabulary();
    let messages = generated_messages(&vocab);
    let ctx = Context::default();
    let mut group = c.benchmark_group("generated_pack");
    group.throughput(Throughput::Elements(1));
    for n in [10, 100, 1_000] {
        let rules = generate_rules(n, &vocab);
        // Measured with typo tolerance on, as shipped; checked against the naive engine
        // (which has none) with it off.
        let engine = compile(&format!("generated-{n}.toml"), &render_pack(&rules, true));
        let strict = compile(&format!("strict-{n}.toml"), &render_pack(&rules, false));
        let naive = NaiveEngine::new(&rules);
        // Both engines must agree on every message (same first rule, same category), or
        // the comparison means nothing.
        let mut classified = 0;
        for m in &messages {
            let v = strict.classify(m, &ctx);
            let naive_rule = naive.first_match(m).map(|r| r.id.as_str());
            let engine_rule = v.fired.first().map(|f| &*f.rule);
            assert_eq!(engine_rule, naive_rule, "{n} rules, message {m:?}");
            assert_eq!(v.category.as_str(), naive.classify(m), "{n} rules, {m:?}");
            classified += usize::from(engine_rule.is_some());
        }
        eprintln!(
            "generated pack of {n} rules: {classified} of {MESSAGES} messages fire a rule \
             (engine and naive agree on all {MESSAGES})"
        );
        group.bench_with_input(BenchmarkId::new("engine", n), &messages, |b, messages| {
            let mut i = 0usize;
            b.iter(|| {
                let m = messages[i % MESSAGES].as_str();
                i = i.wrapping_add(1);
                engine.classify(black_box(m), black_box(&ctx))
            });
        });
        let hitting = messages_hitting(&rules);
        let fired = hitting
            .iter()
            .filter(|m| !engine.classify(m, &ctx).fired.is_empty())
            .count();
        eprintln!(
            "generated pack of {n} rules, messages built from its keywords: {fired} of {MESSAGES} fire a rule"
        );
        group.bench_with_input(
            BenchmarkId::new("engine_hits", n),
            &hitting,
            |b, messages| {
                let mut i = 0usize;
                b.iter(|| {
                    let m = messages[i % MESSAGES].as_str();
                    i = i.wrapping_add(1);
                    engine.classify(black_box(m), black_box(&ctx))
                });
            },
        );
        group.bench_with_input(BenchmarkId::new("naive", n), &messages, |b, messages| {
            let mut i = 0usize;
            b.iter(|| {
                let m = messages[i % MESSAGES].as_str();
                i = i.wrapping_add(1);
                naive.classify(black_box(m))
            });
        });
    }
    group.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4))
        .sample_size(25)
}

criterion_group! {
    name = benches;
    config = config();
    targets = bench_default_pack, bench_generated_packs
}
criterion_main!(benches);
