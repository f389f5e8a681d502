//! The compiled engine: rules text → validated [`Engine`] → [`Verdict`] for each message.
//!
//! How a message is classified, and why it does not get slower with more rules:
//! 1. The message is normalised once ([`crate::normalize`]).
//! 2. One Aho-Corasick automaton holding every keyword of every rule and every signal word
//!    finds all keyword hits in one pass over the text, whatever the number of rules; then
//!    the message words that are no keyword word are looked up at one edit in a deletion
//!    index of the long keyword words (the `fuzzy` module), also independent of the number
//!    of rules. A rule with `fuzzy = false` ignores those hits.
//! 3. One `RegexSet` holding every rule's regexes runs once over the folded text.
//! 4. Only *candidate* rules are evaluated: rules with a hit, and the few rules that have no
//!    positive text condition (filters or signals only). A pack of 1,000 rules in which a
//!    message hits three keywords evaluates three rules, not 1,000.
//! 5. Candidates run in file order; a rule that fires applies its actions, and a `stop`
//!    rule ends the evaluation. A rule's `also` words (evidence of a problem) never make it
//!    a candidate: their hits are recorded during the same scan and only checked for the
//!    candidates, so `also` costs nothing on the messages it does not concern.
//!
//! Parts: this file holds the engine's types and the classification above; `compile`
//! (below it) turns a rules file into an [`Engine`] in named phases ([`Engine::compile`]).

mod compile;

use std::cell::RefCell;
use std::collections::HashSet;
use std::sync::Arc;

use aho_corasick::AhoCorasick;
use regex::{Regex, RegexSet};
use serde::Serialize;
use switchboard_domain::{Category, Language, Platform, Priority, Tier};

use crate::fuzzy::{FuzzyIndex, FuzzyScratch};
use crate::normalize::Normalized;
use crate::person::PersonDetector;
use crate::signals::{Signal, Signals};

/// The most memory one rule's regex may compile to. Rust's regex engine runs in time linear
/// in the text, so no pattern can freeze the bot; this limit keeps one rule from using up
/// memory instead.
pub const REGEX_SIZE_LIMIT: usize = 1 << 20;
/// The most memory all regexes together may compile to.
pub const REGEX_SET_SIZE_LIMIT: usize = 64 << 20;

/// What is known about a message besides its text. Unknown fields make rules that filter on
/// them not fire (a rule for `tier = ["vip"]` does not fire when the tier is unknown).
#[derive(Debug, Clone, Default)]
pub struct Context {
    /// Where the message came from.
    pub platform: Option<Platform>,
    /// The customer's language (platform hint, or guessed from the script).
    pub language: Option<Language>,
    /// The customer's tier.
    pub tier: Option<Tier>,
    /// Whether the message arrived within business hours.
    pub business_hours: Option<bool>,
}

/// Options for [`Engine::compile`].
#[derive(Debug, Default, Clone, Copy)]
pub struct CompileOptions<'a> {
    /// The auto-answer keys that exist in every locale's prompts; when given, a rule whose
    /// `answer` is not among them is an error.
    pub answer_keys: Option<&'a HashSet<String>>,
}

/// The result of classifying one message.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verdict {
    /// The category: from the first fired rule that sets one, else the default.
    pub category: Category,
    /// Whether `category` is the default because no fired rule set one.
    pub default_category: bool,
    /// The highest priority set by a fired rule (`normal` when none set one).
    pub priority: Priority,
    /// Tags of every fired rule, in order, without duplicates.
    pub tags: Vec<Arc<str>>,
    /// The prompt key of the auto-answer (under `[answer]` in prompts), if any.
    pub auto_answer: Option<Arc<str>>,
    /// Hand the ticket to a human now.
    pub escalate: bool,
    /// Built-in signals found in the message.
    pub signals: Signals,
    /// The rules that fired, in order, each with what made it fire.
    pub fired: Vec<Fired>,
}

/// A rule that fired and the evidence for it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Fired {
    /// The rule's id.
    pub rule: Arc<str>,
    /// The keywords as written in the rule, `also:WORD` for the `also` keywords found (the
    /// evidence of a problem), the text the regexes matched, and `signal:NAME` for required
    /// signals. Shared with the engine (no copy per message).
    pub matched: Vec<Arc<str>>,
}

/// Why a candidate rule did or did not fire, for `switchboard rules test`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Trace {
    /// The rule's id.
    pub rule: Arc<str>,
    /// The rule's line in the file.
    pub line: usize,
    /// `fired`, or the reason it did not.
    pub outcome: String,
}

/// A verdict with the reasoning behind it.
#[derive(Debug, Clone, Serialize)]
pub struct Explanation {
    /// The verdict.
    #[serde(flatten)]
    pub verdict: Verdict,
    /// The text the keywords were matched against (after normalisation).
    pub normalized: String,
    /// Why each signal is present.
    pub signal_evidence: Vec<(Signal, String)>,
    /// Every rule that had a hit or needs no text, in order, with its outcome.
    pub trace: Vec<Trace>,
}

/// How a keyword meets word boundaries.
#[derive(Debug, Clone)]
struct Keyword {
    /// The AC pattern id.
    pattern: u32,
    /// As written in the rules file.
    text: Arc<str>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Hours {
    In,
    Out,
}

#[derive(Debug)]
pub(crate) struct Rule {
    id: Arc<str>,
    description: Arc<str>,
    line: usize,
    any: Vec<Keyword>,
    all: Vec<Keyword>,
    none: Vec<Keyword>,
    /// Evidence of a problem: one of these must be present too. Their `text` is
    /// `also:WORD`, the form the evidence shows.
    also: Vec<Keyword>,
    regex: Vec<u32>,
    platforms: Option<Vec<Platform>>,
    languages: Option<Vec<Language>>,
    tiers: Option<Vec<Tier>>,
    hours: Option<Hours>,
    signals: Signals,
    category: Option<Category>,
    priority: Option<Priority>,
    tags: Vec<Arc<str>>,
    answer: Option<Arc<str>>,
    escalate: bool,
    stop: bool,
    /// Typo tolerance: keyword words of five letters or more also match at one edit.
    fuzzy: bool,
}

impl Rule {
    fn has_any_group(&self) -> bool {
        !self.any.is_empty() || !self.regex.is_empty()
    }
}

#[derive(Debug, Clone, Copy)]
enum Use {
    /// The pattern is keyword `kw` of rule `rule`'s `any` list: the rule is a candidate
    /// when it hits.
    Any {
        /// The rule's index.
        rule: u32,
        /// The keyword's index in the rule's `any`.
        kw: u32,
    },
    /// The pattern is keyword `kw` of rule `rule`'s `all` list.
    All {
        /// The rule's index.
        rule: u32,
        /// The keyword's index in the rule's `all`.
        kw: u32,
    },
    /// The pattern is keyword `kw` of rule `rule`'s `also` list: recorded, but it does not
    /// make the rule a candidate (evidence of a problem only counts beside a topic).
    Also {
        /// The rule's index.
        rule: u32,
        /// The keyword's index in the rule's `also`.
        kw: u32,
    },
    /// The pattern is a word of this signal.
    Signal(Signal),
    /// The pattern is a word some regex cannot match without (see `prefilter`).
    RegexGate,
    /// The pattern is a word the request-for-a-person detector reads: the detector runs.
    PersonGate,
}

/// A compiled, validated rule pack. Cheap to share (`Arc<Engine>`); immutable once built.
#[derive(Debug)]
pub struct Engine {
    categories: Vec<(Category, String)>,
    default_category: Category,
    rules: Vec<Rule>,
    ac: Option<AhoCorasick>,
    /// The pattern strings (with boundary spaces), by pattern id.
    patterns: Vec<String>,
    uses: Vec<Vec<Use>>,
    regex_set: Option<RegexSet>,
    /// Each regex alone (for the matched text) and its rule.
    regexes: Vec<(Regex, u32)>,
    /// Rules with no positive text condition: always candidates.
    textless: Vec<u32>,
    /// `signal:NAME` for each signal, by `Signal as usize` (evidence, shared).
    signal_names: Vec<Arc<str>>,
    /// Whether every regex has gate words: then the `RegexSet` runs only on messages in
    /// which one of them was seen.
    regex_gated: bool,
    /// The request-for-a-person detector behind the `human` signal (run only on messages
    /// with one of its trigger words).
    person: PersonDetector,
    /// The keyword words that also match at one edit.
    fuzzy: FuzzyIndex,
}

#[derive(Default)]
struct Scratch {
    norm: Normalized,
    hits: Vec<u32>,
    regex_hits: Vec<u32>,
    candidates: Vec<u32>,
    /// (rule, kind, keyword index) of every keyword hit, sorted; the kinds are [`ALL`],
    /// [`ALL_FUZZY`], [`ANY`], [`ANY_FUZZY`], [`ALSO`], [`ALSO_FUZZY`], so a rule's exact
    /// hits come before its hits at one edit in the evidence.
    rule_hits: Vec<(u32, u8, u32)>,
    fuzzy: FuzzyScratch,
}

/// A rule's `all` keyword found exactly.
const ALL: u8 = 0;
/// A rule's `all` keyword found at one edit.
const ALL_FUZZY: u8 = 1;
/// A rule's `any` keyword found exactly.
const ANY: u8 = 2;
/// A rule's `any` keyword found at one edit.
const ANY_FUZZY: u8 = 3;
/// A rule's `also` keyword found exactly.
const ALSO: u8 = 4;
/// A rule's `also` keyword found at one edit.
const ALSO_FUZZY: u8 = 5;

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

impl Engine {
    /// The declared categories with their descriptions, sorted by name.
    pub fn categories(&self) -> &[(Category, String)] {
        &self.categories
    }

    /// The category of messages no rule classifies.
    pub fn default_category(&self) -> &Category {
        &self.default_category
    }

    /// The rule ids, in order.
    pub fn rule_ids(&self) -> impl Iterator<Item = &Arc<str>> {
        self.rules.iter().map(|r| &r.id)
    }

    /// The description of rule `id`, as written in the file (empty when there is none).
    pub fn rule_description(&self, id: &str) -> Option<&str> {
        self.rules
            .iter()
            .find(|r| &*r.id == id)
            .map(|r| &*r.description)
    }

    /// The number of rules.
    pub fn rule_count(&self) -> usize {
        self.rules.len()
    }

    /// Classifies one message.
    pub fn classify(&self, text: &str, ctx: &Context) -> Verdict {
        SCRATCH.with(|s| match s.try_borrow_mut() {
            Ok(mut s) => self.run(text, ctx, &mut s, None),
            // Re-entrant call (cannot happen from this crate): use a fresh scratch.
            Err(_) => self.run(text, ctx, &mut Scratch::default(), None),
        })
    }

    /// Classifies one message and says why: the normalised text, the signal evidence and
    /// the outcome of every rule that was considered.
    pub fn explain(&self, text: &str, ctx: &Context) -> Explanation {
        let mut scratch = Scratch::default();
        let mut trace = Vec::new();
        let verdict = self.run(text, ctx, &mut scratch, Some(&mut trace));
        let mut signal_evidence = Vec::new();
        for &p in &scratch.hits {
            for u in &self.uses[p as usize] {
                if let Use::Signal(s) = u {
                    signal_evidence
                        .push((*s, format!("word `{}`", self.patterns[p as usize].trim())));
                }
            }
        }
        if verdict.signals.has(Signal::Human) {
            if let Some(why) = self.person.detect(&scratch.norm.folded) {
                signal_evidence.push((Signal::Human, why));
            }
        } else {
            signal_evidence.retain(|(s, _)| *s != Signal::Human);
        }
        if scratch.norm.is_shouting() {
            signal_evidence.push((Signal::Anger, "written in capitals".to_string()));
        }
        if scratch.norm.longest_bang_run >= 3 {
            signal_evidence.push((Signal::Anger, "`!!!`".to_string()));
        }
        Explanation {
            verdict,
            normalized: scratch.norm.matching.trim().to_string(),
            signal_evidence,
            trace,
        }
    }

    fn run(
        &self,
        text: &str,
        ctx: &Context,
        s: &mut Scratch,
        mut trace: Option<&mut Vec<Trace>>,
    ) -> Verdict {
        s.norm.fill(text);
        s.hits.clear();
        s.regex_hits.clear();
        s.candidates.clear();
        s.rule_hits.clear();
        if let Some(ac) = &self.ac {
            s.hits.extend(
                ac.find_overlapping_iter(s.norm.matching.as_str())
                    .map(|m| m.pattern().as_u32()),
            );
            s.hits.sort_unstable();
            s.hits.dedup();
        }
        // Keywords at one edit: only for rules that allow it, and never for signals or gates.
        s.fuzzy.hits.clear();
        if !self.fuzzy.is_empty() {
            self.fuzzy.search(&s.norm.matching, &s.hits, &mut s.fuzzy);
        }
        let mut gate_seen = false;
        for h in &s.fuzzy.hits {
            for u in &self.uses[h.pattern as usize] {
                let (rule, kind, kw) = match *u {
                    Use::Any { rule, kw } => (rule, ANY_FUZZY, kw),
                    Use::All { rule, kw } => (rule, ALL_FUZZY, kw),
                    Use::Also { rule, kw } => (rule, ALSO_FUZZY, kw),
                    // A rule's `all` or `also` keyword standing in as the gate of its regex
                    // (see `prefilter`) counts at one edit as it counts for the rule.
                    Use::RegexGate => {
                        gate_seen = true;
                        continue;
                    }
                    _ => continue,
                };
                if self.rules[rule as usize].fuzzy {
                    if kind != ALSO_FUZZY {
                        s.candidates.push(rule);
                    }
                    s.rule_hits.push((rule, kind, kw));
                }
            }
        }
        let mut signals = Signals::default();
        let mut person_seen = false;
        for &p in &s.hits {
            for u in &self.uses[p as usize] {
                match *u {
                    Use::Any { rule, kw } => {
                        s.candidates.push(rule);
                        s.rule_hits.push((rule, ANY, kw));
                    }
                    Use::All { rule, kw } => {
                        s.candidates.push(rule);
                        s.rule_hits.push((rule, ALL, kw));
                    }
                    Use::Also { rule, kw } => s.rule_hits.push((rule, ALSO, kw)),
                    Use::Signal(sig) => signals.insert(sig),
                    Use::RegexGate => gate_seen = true,
                    Use::PersonGate => person_seen = true,
                }
            }
        }
        // The detector decides whether the message asks for a person; a listed signal word
        // stands unless the message is a look-alike (a question about the bot, another
        // sense, a phrase the rules file rules out).
        if person_seen || signals.has(Signal::Human) {
            if self.person.detect(&s.norm.folded).is_some() {
                signals.insert(Signal::Human);
            } else if self.person.vetoed(&s.norm.folded) {
                signals.remove(Signal::Human);
            }
        }
        if s.norm.is_shouting() || s.norm.longest_bang_run >= 3 {
            signals.insert(Signal::Anger);
        }
        if signals.has(Signal::Anger) {
            signals.insert(Signal::Negative);
        }
        // Most messages match no regex. `is_match` rejects them with a plain forward search
        // (about a third of the cost, for the default pack's regexes); only a message that
        // matches pays for `matches`, which tracks every pattern to the end of the text.
        if let Some(set) = &self.regex_set
            && (gate_seen || !self.regex_gated)
            && set.is_match(&s.norm.folded)
        {
            for i in set.matches(&s.norm.folded).iter() {
                s.regex_hits.push(i as u32);
                s.candidates.push(self.regexes[i].1);
            }
        }
        s.candidates.extend_from_slice(&self.textless);
        s.candidates.sort_unstable();
        s.candidates.dedup();
        s.rule_hits.sort_unstable();
        s.rule_hits.dedup();

        let mut category: Option<&Category> = None;
        let mut priority: Option<Priority> = None;
        let mut tags: Vec<Arc<str>> = Vec::new();
        let mut auto_answer: Option<&Arc<str>> = None;
        let mut escalate = false;
        let mut fired = Vec::new();
        let mut stopped_by: Option<&Arc<str>> = None;
        for &ri in &s.candidates {
            let rule = &self.rules[ri as usize];
            if let Some(by) = stopped_by {
                if let Some(t) = trace.as_deref_mut() {
                    t.push(Trace {
                        rule: rule.id.clone(),
                        line: rule.line,
                        outcome: format!("not reached: `{by}` fired first and stops"),
                    });
                    continue;
                }
                break;
            }
            match self.check(ri, rule, ctx, signals, s) {
                Err(miss) => {
                    if let Some(t) = trace.as_deref_mut() {
                        t.push(Trace {
                            rule: rule.id.clone(),
                            line: rule.line,
                            outcome: miss.describe(ctx),
                        });
                    }
                }
                Ok(matched) => {
                    if let Some(t) = trace.as_deref_mut() {
                        t.push(Trace {
                            rule: rule.id.clone(),
                            line: rule.line,
                            outcome: if rule.stop {
                                "fired (stop)".into()
                            } else {
                                "fired (continue)".into()
                            },
                        });
                    }
                    if category.is_none() {
                        category = rule.category.as_ref();
                    }
                    if let Some(p) = rule.priority {
                        priority = Some(priority.map_or(p, |q| q.max(p)));
                    }
                    for tag in &rule.tags {
                        if !tags.contains(tag) {
                            tags.push(tag.clone());
                        }
                    }
                    if auto_answer.is_none() {
                        auto_answer = rule.answer.as_ref();
                    }
                    escalate |= rule.escalate;
                    fired.push(Fired {
                        rule: rule.id.clone(),
                        matched,
                    });
                    if rule.stop {
                        stopped_by = Some(&rule.id);
                    }
                }
            }
        }
        Verdict {
            default_category: category.is_none(),
            category: category.unwrap_or(&self.default_category).clone(),
            priority: priority.unwrap_or_default(),
            tags,
            auto_answer: auto_answer.cloned(),
            escalate,
            signals,
            fired,
        }
    }

    /// Checks every condition of a candidate rule; `Err` names the first one that failed.
    /// Cheap on failure: nothing is allocated unless the rule fires.
    fn check<'r>(
        &self,
        index: u32,
        rule: &'r Rule,
        ctx: &Context,
        signals: Signals,
        s: &Scratch,
    ) -> Result<Vec<Arc<str>>, Miss<'r>> {
        if let Some(k) = rule
            .none
            .iter()
            .find(|k| s.hits.binary_search(&k.pattern).is_ok())
        {
            return Err(Miss::NoneWord(&k.text));
        }
        // This rule's keyword hits, recorded during the scan: (rule, kind, kw), `all` kinds
        // first.
        let from = s.rule_hits.partition_point(|h| h.0 < index);
        let to = s.rule_hits.partition_point(|h| h.0 <= index);
        let mine = &s.rule_hits[from..to];
        let all_hit = mine.iter().filter(|h| h.1 <= ALL_FUZZY).count();
        if all_hit < rule.all.len() {
            let missing = (0..rule.all.len() as u32)
                .find(|kw| {
                    !mine.contains(&(index, ALL, *kw)) && !mine.contains(&(index, ALL_FUZZY, *kw))
                })
                .unwrap_or(0);
            return Err(Miss::AllWord(&rule.all[missing as usize].text));
        }
        let any_end = all_hit + mine[all_hit..].partition_point(|h| h.1 <= ANY_FUZZY);
        let any_hits = &mine[all_hit..any_end];
        let regex_hit = |ri: &u32| s.regex_hits.binary_search(ri).is_ok();
        if rule.has_any_group() && any_hits.is_empty() && !rule.regex.iter().any(regex_hit) {
            return Err(Miss::AnyGroup);
        }
        if !rule.also.is_empty() && any_end == mine.len() {
            return Err(Miss::AlsoGroup(&rule.also));
        }
        if let Some(ps) = &rule.platforms
            && !ctx.platform.is_some_and(|p| ps.contains(&p))
        {
            return Err(Miss::Platform);
        }
        if let Some(ls) = &rule.languages
            && !ctx
                .language
                .as_ref()
                .is_some_and(|l| ls.iter().any(|f| f.matches(l)))
        {
            return Err(Miss::Language);
        }
        if let Some(ts) = &rule.tiers
            && !ctx.tier.as_ref().is_some_and(|t| ts.contains(t))
        {
            return Err(Miss::Tier);
        }
        if let Some(h) = rule.hours
            && !matches!(
                (h, ctx.business_hours),
                (Hours::In, Some(true)) | (Hours::Out, Some(false))
            )
        {
            return Err(Miss::Hours);
        }
        if !signals.contains_all(rule.signals) {
            return Err(Miss::Signals(rule.signals, signals));
        }
        // The rule fires: gather the evidence, exact keywords before those at one edit.
        let mut matched: Vec<Arc<str>> = Vec::with_capacity(mine.len() + rule.regex.len());
        for &(_, kind, kw) in mine {
            let k = match kind {
                ALL | ALL_FUZZY => &rule.all[kw as usize],
                ANY | ANY_FUZZY => &rule.any[kw as usize],
                _ => &rule.also[kw as usize],
            };
            matched.push(
                if kind == ALL_FUZZY || kind == ANY_FUZZY || kind == ALSO_FUZZY {
                    self.as_written(k, s)
                } else {
                    k.text.clone()
                },
            );
        }
        for ri in rule.regex.iter().filter(|ri| regex_hit(ri)) {
            if let Some(m) = self.regexes[*ri as usize].0.find(&s.norm.folded) {
                matched.push(Arc::from(m.as_str()));
            }
        }
        matched.extend(
            rule.signals
                .iter()
                .map(|x| self.signal_names[x as usize].clone()),
        );
        Ok(matched)
    }
}

impl Engine {
    /// The evidence for keyword `k` found at one edit: `cancel (as "cancle")`.
    fn as_written(&self, k: &Keyword, s: &Scratch) -> Arc<str> {
        let hits = &s.fuzzy.hits;
        match hits.binary_search_by_key(&k.pattern, |h| h.pattern) {
            Ok(i) => {
                let h = hits[i];
                let seen = &s.norm.matching[h.from as usize..h.to as usize];
                Arc::from(format!("{} (as \"{seen}\")", k.text))
            }
            // Unreachable: a fuzzy rule hit comes from a fuzzy pattern hit.
            Err(_) => k.text.clone(),
        }
    }
}

/// Why a candidate rule did not fire (turned into words only for explanations).
enum Miss<'r> {
    NoneWord(&'r str),
    AllWord(&'r str),
    AnyGroup,
    /// The topic matched but no `also` keyword (evidence of a problem) is present.
    AlsoGroup(&'r [Keyword]),
    Platform,
    Language,
    Tier,
    Hours,
    Signals(Signals, Signals),
}

impl Miss<'_> {
    fn describe(&self, ctx: &Context) -> String {
        match self {
            Miss::NoneWord(w) => format!("blocked: contains `{w}` from `none`"),
            Miss::AllWord(w) => format!("not fired: `{w}` from `all` is missing"),
            Miss::AnyGroup => "not fired: nothing from `any` or `regex` matched".into(),
            Miss::AlsoGroup(also) => {
                const SHOWN: usize = 6;
                let words: Vec<&str> = also
                    .iter()
                    .take(SHOWN)
                    .map(|k| k.text.strip_prefix("also:").unwrap_or(&k.text))
                    .collect();
                format!(
                    "not fired: no word from `also` is present (one of {}{} is needed)",
                    words.join(", "),
                    if also.len() > SHOWN { ", …" } else { "" }
                )
            }
            Miss::Platform => format!(
                "filtered out: platform is {}",
                ctx.platform.map_or("unknown", |p| p.as_str())
            ),
            Miss::Language => format!(
                "filtered out: language is {}",
                ctx.language.as_ref().map_or("unknown", |l| l.as_str())
            ),
            Miss::Tier => format!(
                "filtered out: tier is {}",
                ctx.tier.as_ref().map_or("unknown", |t| t.as_str())
            ),
            Miss::Hours => format!(
                "filtered out: {}",
                match ctx.business_hours {
                    None => "business hours unknown",
                    Some(true) => "within business hours",
                    Some(false) => "outside business hours",
                }
            ),
            Miss::Signals(want, have) => {
                let missing: Vec<&str> = want
                    .iter()
                    .filter(|x| !have.has(*x))
                    .map(Signal::as_str)
                    .collect();
                format!("not fired: signal {} absent", missing.join(", "))
            }
        }
    }
}

/// What the shadow analysis needs to see of a compiled rule.
pub(crate) struct RuleView<'a> {
    pub any: Vec<&'a str>,
    pub all: Vec<&'a str>,
    pub also: Vec<&'a str>,
    pub has_none: bool,
    pub has_regex: bool,
    pub stop: bool,
    pub fuzzy: bool,
    pub platforms: Option<&'a [Platform]>,
    pub languages: Option<&'a [Language]>,
    pub tiers: Option<&'a [Tier]>,
    pub hours: Option<bool>,
    pub signals: Signals,
    pub id: &'a str,
    pub line: usize,
}

pub(crate) fn view<'a>(r: &'a Rule, patterns: &'a [String]) -> RuleView<'a> {
    RuleView {
        any: r
            .any
            .iter()
            .map(|k| patterns[k.pattern as usize].as_str())
            .collect(),
        all: r
            .all
            .iter()
            .map(|k| patterns[k.pattern as usize].as_str())
            .collect(),
        also: r
            .also
            .iter()
            .map(|k| patterns[k.pattern as usize].as_str())
            .collect(),
        has_none: !r.none.is_empty(),
        has_regex: !r.regex.is_empty(),
        stop: r.stop,
        fuzzy: r.fuzzy,
        platforms: r.platforms.as_deref(),
        languages: r.languages.as_deref(),
        tiers: r.tiers.as_deref(),
        hours: r.hours.map(|h| h == Hours::In),
        signals: r.signals,
        id: &r.id,
        line: r.line,
    }
}

pub(crate) type CompiledRule = Rule;
