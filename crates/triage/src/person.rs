//! The request-for-a-person detector behind the `human` signal: a generalisation, not a
//! phrase list.
//!
//! Real customers ask for a person in more ways than any list holds ("I need a human",
//! "Can you get a human to assist me?", "Chat agent", "Can someone call me?", "Share contact
//! number", "转人工"). The detector reads the message's words and fires on:
//! - a *contact verb* (talk, speak, chat, contact, reach, connect, call, …) within a short
//!   window before a *person noun* (human, agent, representative, executive, operator,
//!   supervisor, customer service, someone, …); the weaker verbs (get, need, want, have,
//!   transfer, put, give) only with a noun that names our people (not "someone", so that
//!   "transfer money to someone" is not a request); a person noun of five letters or more
//!   also matches with one typo ("custmer sevrice", "represenative");
//! - a *bare request*: the whole message is a person noun with at most a few filler words
//!   ("Agent", "Customer care", "human please", "人工", "转人工", "真人");
//! - a *call-back or contact-number request* ("call me back", "can someone call me",
//!   "what is your phone number", "share contact number", "给我回电");
//! - a few fixed Chinese requests ("转人工", "人工客服", "找真人", "让客服联系我").
//!
//! And it stays silent on look-alikes: questions about the bot ("are you a real person",
//! "is this a bot", "你是真人吗"), other senses ("travel agent", "human resources", "human
//! error", "call me Chip", "the call failed", "人工智能"), negations ("I don't need a human",
//! "no need to call me"), and past contacts ("I called customer service yesterday").
//!
//! It works on its own word form of the folded text (apostrophes dropped, runs of three or
//! more of one letter squeezed), so it does not depend on how the keyword matcher spells
//! words. The engine calls it only when its automaton saw one of the detector's trigger
//! words ([`PersonDetector::triggers`]), so the common message pays nothing.
//! A rules file adds words under `[signals]` (`person_verbs`, `person_nouns`, `not_person`).

use std::collections::HashSet;

use regex::Regex;

/// Verbs of contact that combine with any person noun.
const STRONG_VERBS: &[&str] = &[
    "talk",
    "talking",
    "speak",
    "speaking",
    "chat",
    "chatting",
    "contact",
    "contacting",
    "reach",
    "reaching",
    "connect",
    "connecting",
    "escalate",
    "escalating",
    "touch",
    "message",
    "email",
    "text",
];
/// Verbs of calling: with a named person noun anywhere in the window, with a generic one
/// only right before it ("call someone").
const CALL_VERBS: &[&str] = &["call", "calling", "phone", "ring"];
/// Weak verbs: only with a noun that names our people.
const WEAK_VERBS: &[&str] = &[
    "get", "need", "want", "wanna", "have", "transfer", "pass", "put", "give", "send", "let",
    "see", "bring", "find", "request", "require",
];
/// Person nouns that name our people.
const NOUNS: &[&str] = &[
    "human",
    "humans",
    "agent",
    "agents",
    "representative",
    "representatives",
    "rep",
    "reps",
    "operator",
    "supervisor",
    "manager",
    "executive",
    "advisor",
    "adviser",
    "assistant",
    "consultant",
    "specialist",
    "associate",
    "staff",
    "customer service",
    "customer care",
    "customer support",
    "customer assistance",
    "customer services",
    "support team",
    "support agent",
    "service team",
    "help desk",
    "helpdesk",
    "real person",
    "live person",
    "actual person",
    "real human",
    "live agent",
    "live chat",
    "real people",
];
/// The words of person nouns that also match with one typo ("custmer sevrice",
/// "represenative"): long words only, and none that is one edit from a common word
/// ("advisor" / "advise", "manager" / "managed", "staff" / "stuff").
const FUZZY: &[&str] = &[
    "representative",
    "representatives",
    "supervisor",
    "operator",
    "customer",
    "service",
    "support",
    "assistance",
    "assistant",
    "someone",
    "somebody",
    "executive",
];
/// Generic person nouns: they need a strong verb ("talk to someone"), not a weak one.
const GENERIC_NOUNS: &[&str] = &[
    "someone",
    "somebody",
    "anyone",
    "anybody",
    "person",
    "people",
    "a person",
    "one of you",
];
/// Words before `agent` that make it another kind of agent.
const OTHER_AGENT: &[&str] = &[
    "travel",
    "estate",
    "insurance",
    "booking",
    "shipping",
    "secret",
    "free",
    "sales",
    "ticket",
    "delivery",
    "my",
    "user",
    "letting",
    "rental",
    "customs",
    "his",
    "her",
    "their",
    "border",
];
/// Words after `human` that make it another sense.
const OTHER_HUMAN: &[&str] = &[
    "resources",
    "resource",
    "error",
    "errors",
    "rights",
    "being",
    "beings",
    "verification",
    "trafficking",
    "body",
    "nature",
    "race",
    "check",
];
/// Words that turn a following verb around.
const NEGATIONS: &[&str] = &[
    "dont", "not", "never", "no", "without", "stop", "doesnt", "didnt", "wont",
];
/// Filler that may stand around a bare request.
const FILLER: &[&str] = &[
    "please", "pls", "plz", "hi", "hello", "hey", "now", "a", "an", "the", "i", "me", "asap",
    "thanks", "thank", "you", "real", "live", "can", "get", "need", "want", "my", "to", "with",
    "talk", "speak", "chat", "ok", "okay", "urgent", "help",
];
/// Nouns that make a request on their own ("Agent", "Customer care").
const BARE: &[&str] = &[
    "agent",
    "human",
    "representative",
    "rep",
    "operator",
    "supervisor",
    "manager",
    "customer care",
    "customer service",
    "customer support",
    "live agent",
    "real person",
    "human agent",
    "live chat",
    "person",
    "someone",
    "anyone",
    "executive",
    "staff",
];
/// Words after `call me` that make it a call-back request ("call me back", "call me asap").
const CALLBACK_AFTER: &[&str] = &[
    "back",
    "asap",
    "please",
    "pls",
    "now",
    "today",
    "tomorrow",
    "later",
    "soon",
    "urgently",
    "at",
    "on",
    "when",
    "as",
    "right",
    "immediately",
    "tonight",
];
/// Phrases that ask for a way to reach us.
const NUMBER_PHRASES: &[&str] = &[
    "phone number",
    "contact number",
    "support number",
    "telephone number",
    "number to call",
    "call you",
    "call your",
    "callback",
    "call back",
    "your number",
    "your phone",
    "contact details",
    "contact info",
    "contact information",
    "helpline",
    "hotline",
];
/// Words before a number phrase that make it a question for us.
const NUMBER_ASK: &[&str] = &[
    "your", "share", "give", "need", "what", "whats", "send", "provide", "have", "get", "is",
    "the", "a", "any", "to", "contact", "request", "want", "there",
];
/// Channels of contact next to a support noun ("customer support e-mail").
const CHANNELS: &[&str] = &[
    "mail", "email", "e", "phone", "number", "hours", "line", "hotline",
];
/// Chinese requests for a person, matched anywhere in the text.
const ZH_REQUESTS: &[&str] = &[
    "转人工",
    "人工客服",
    "人工服务",
    "找人工",
    "要人工",
    "转接人工",
    "接人工",
    "找真人",
    "要真人",
    "转真人",
    "真人客服",
    "让真人",
    "联系人工",
];
/// Chinese requests that a long review also uses to tell what happened ("找客服也没回复",
/// "打电话给我说到了"): they count in a short message (a chat line) only.
const ZH_SHORT_REQUESTS: &[&str] = &[
    "打电话给我",
    "给我打电话",
    "给我回电",
    "请回电",
    "回个电话",
    "客服电话多少",
    "客服电话是多少",
    "电话是多少",
    "电话多少",
    "联系方式是",
    "找你们经理",
    "叫你们经理",
    "让你们经理",
    "找经理",
    "叫经理",
    "客服联系我",
    "给我客服电话",
    "要客服电话",
    "找客服",
];
/// The longest message (in CJK characters) in which [`ZH_SHORT_REQUESTS`] count.
const ZH_SHORT: usize = 30;
/// Chinese look-alikes removed before the requests are looked for.
const ZH_NOT: &[&str] = &[
    "人工智能",
    "人工费",
    "人工成本",
    "是真人吗",
    "是机器人吗",
    "是不是真人",
    "是不是机器人",
];
/// Chinese bare requests (the whole message, give or take a particle).
const ZH_BARE: &[&str] = &[
    "人工",
    "真人",
    "客服",
    "经理",
    "客服在吗",
    "在吗客服",
    "有人吗",
    "有没有人",
    "人呢",
];

/// The detector, built once with the engine (with a rules file's extra words).
#[derive(Debug, Clone)]
pub struct PersonDetector {
    strong: HashSet<String>,
    call: HashSet<String>,
    weak: HashSet<String>,
    /// Person nouns as word lists, and whether each is generic.
    nouns: Vec<(Vec<String>, bool)>,
    /// Words of person nouns that also match with one typo ([`FUZZY`]).
    fuzzy: Vec<String>,
    other_agent: HashSet<String>,
    other_human: HashSet<String>,
    negations: HashSet<String>,
    filler: HashSet<String>,
    bare: HashSet<String>,
    callback_after: HashSet<String>,
    number_phrases: Vec<Vec<String>>,
    number_ask: HashSet<String>,
    channels: HashSet<String>,
    /// The rules file's look-alikes (`not_person`), as word lists.
    not_person: Vec<Vec<String>>,
    about_bot: Regex,
    can_someone: Regex,
    find_someone: Regex,
}

/// Extra words a rules file gives the detector under `[signals]`.
#[derive(Debug, Clone, Default)]
pub struct PersonWords<'a> {
    /// More verbs of contact (`person_verbs`).
    pub verbs: &'a [String],
    /// More nouns for our people (`person_nouns`).
    pub nouns: &'a [String],
    /// Phrases that are never a request for a person (`not_person`).
    pub not_person: &'a [String],
}

fn set(words: &[&str]) -> HashSet<String> {
    words.iter().map(|w| w.to_string()).collect()
}

fn split(phrase: &str) -> Vec<String> {
    words(&phrase.to_lowercase())
}

impl PersonDetector {
    /// The built-in detector with a rules file's extra words.
    pub fn new(extra: &PersonWords<'_>) -> PersonDetector {
        let mut strong = set(STRONG_VERBS);
        strong.extend(extra.verbs.iter().map(|v| split(v).join(" ")));
        let mut nouns: Vec<(Vec<String>, bool)> = NOUNS.iter().map(|n| (split(n), false)).collect();
        nouns.extend(GENERIC_NOUNS.iter().map(|n| (split(n), true)));
        nouns.extend(extra.nouns.iter().map(|n| (split(n), false)));
        nouns.retain(|(w, _)| !w.is_empty());
        let fuzzy = FUZZY.iter().map(|w| w.to_string()).collect();
        // The patterns below are fixed at build time and known to compile (a test builds
        // the default detector), so a failure is a bug in this file, not input.
        let re = |p: &str| Regex::new(p).unwrap_or_else(|e| panic!("built-in pattern: {e}"));
        PersonDetector {
            strong,
            call: set(CALL_VERBS),
            weak: set(WEAK_VERBS),
            nouns,
            fuzzy,
            other_agent: set(OTHER_AGENT),
            other_human: set(OTHER_HUMAN),
            negations: set(NEGATIONS),
            filler: set(FILLER),
            bare: set(BARE),
            callback_after: set(CALLBACK_AFTER),
            number_phrases: NUMBER_PHRASES.iter().map(|p| split(p)).collect(),
            number_ask: set(NUMBER_ASK),
            channels: set(CHANNELS),
            not_person: extra
                .not_person
                .iter()
                .map(|p| split(p))
                .filter(|p| !p.is_empty())
                .collect(),
            about_bot: re(
                r"\b(are (you|u)|r u|is (this|it|that)|am i (talking|speaking|chatting) (to|with)) (a |an )?(real |actual |live )?(human|person|bot|robot|ai|machine|computer)\b",
            ),
            can_someone: re(
                r"\b(can|could|would|will|may) ((someone|somebody|anyone|anybody) (please )?(call|contact|phone|ring)|(a person|a human|an agent|a real person|a representative|a live agent|an actual person) (please )?(help|look|check|assist|call|contact|answer|reply|get back|explain))\b",
            ),
            find_someone: re(
                r"\b(get|find|give) (me )?(someone|somebody|a person|a human|a real person) (who|to|that|from|in|at|please)\b",
            ),
        }
    }

    /// The words whose presence makes the engine ask the detector (keywords for its
    /// automaton): every verb, noun, bare and number phrase, plus the Chinese requests.
    pub fn triggers(&self) -> Vec<String> {
        // Only what a request cannot do without: a person noun (or a typo of a long one),
        // a bare request, a call-back or number phrase, a Chinese request. Verbs and words
        // such as "service" or "phone" alone are too common to wake the detector for.
        let mut t: Vec<String> = Vec::new();
        for (words, _) in &self.nouns {
            t.push(words.join(" "));
            // One deletion or one swap of neighbours in a long word of the noun
            // ("custmer service", "represnetative"): the typos the automaton can see.
            for (k, w) in words.iter().enumerate() {
                if !self.fuzzy.contains(w) {
                    continue;
                }
                for v in typos(w) {
                    let mut p = words.clone();
                    p[k] = v;
                    t.push(p.join(" "));
                }
            }
        }
        t.extend(self.bare.iter().cloned());
        t.extend(self.number_phrases.iter().map(|p| p.join(" ")));
        t.push("call me".to_string());
        t.extend(
            ZH_REQUESTS
                .iter()
                .chain(ZH_SHORT_REQUESTS)
                .chain(ZH_BARE)
                .map(|s| s.to_string()),
        );
        t.sort();
        t.dedup();
        t
    }

    /// Why `folded` (the message, NFKC and case folded) asks for a person, or `None`.
    pub fn detect(&self, folded: &str) -> Option<String> {
        if let Some(why) = self.detect_zh(folded) {
            return Some(why);
        }
        let mut toks = words(folded);
        if toks.is_empty() {
            return None;
        }
        let mut joined = toks.join(" ");
        // A question about the bot is not a request, but the rest of the message may be
        // one ("are you a real person? I want to talk to one"): the question is cut out,
        // with a barrier in its place so that no window spans it.
        if self.about_bot.is_match(&joined) {
            joined = self.about_bot.replace_all(&joined, "_").into_owned();
            toks = joined.split(' ').map(String::from).collect();
        }
        for p in &self.not_person {
            if find(&toks, p).is_some() {
                return None;
            }
        }
        // A bare request: the message is a person noun and filler.
        let core: Vec<&str> = toks
            .iter()
            .map(String::as_str)
            .filter(|t| !self.filler.contains(*t))
            .collect();
        if toks.len() <= 6 && !core.is_empty() && self.bare.contains(&core.join(" ")) {
            return Some(format!("asked for a person: `{}`", core.join(" ")));
        }
        if let Some(why) = self.callback(&toks) {
            return Some(why);
        }
        if let Some(m) = self
            .can_someone
            .find(&joined)
            .or_else(|| self.find_someone.find(&joined))
        {
            return Some(format!("asked for a person: `{}`", m.as_str()));
        }
        self.verb_and_noun(&toks)
    }

    /// Whether the message is a look-alike that no listed signal word should make a
    /// request: a question about the bot ("are you a real person"), another sense ("human
    /// resources", "travel agent", "as a human being"), or a phrase of `not_person`.
    pub fn vetoed(&self, folded: &str) -> bool {
        if !folded.is_ascii() {
            let zh: String = folded
                .chars()
                .filter(|c| crate::normalize::is_cjk(*c))
                .collect();
            if ZH_NOT.iter().any(|n| zh.contains(n)) {
                return true;
            }
        }
        let toks = words(folded);
        let joined = toks.join(" ");
        self.about_bot.is_match(&joined)
            || self.not_person.iter().any(|p| find(&toks, p).is_some())
            || toks.windows(2).any(|w| {
                (matches!(w[0].as_str(), "human" | "humans") && self.other_human.contains(&w[1]))
                    || (matches!(w[1].as_str(), "agent" | "agents")
                        && self.other_agent.contains(&w[0]))
            })
    }

    fn detect_zh(&self, folded: &str) -> Option<String> {
        if folded.is_ascii() {
            return None;
        }
        let mut zh: String = folded
            .chars()
            .filter(|c| crate::normalize::is_cjk(*c))
            .collect();
        if zh.is_empty() {
            return None;
        }
        for not in ZH_NOT {
            zh = zh.replace(not, "");
        }
        if let Some(r) = ZH_REQUESTS.iter().find(|r| zh.contains(*r)) {
            return Some(format!("asked for a person: `{r}`"));
        }
        if zh.chars().count() <= ZH_SHORT
            && let Some(r) = ZH_SHORT_REQUESTS.iter().find(|r| zh.contains(*r))
        {
            return Some(format!("asked for a person: `{r}`"));
        }
        let trimmed = zh.trim_matches(|c| "请的吗呢啊呀吧我要找转".contains(c));
        if zh.chars().count() <= 6 && ZH_BARE.contains(&trimmed) {
            return Some(format!("asked for a person: `{zh}`"));
        }
        None
    }

    /// "call me back", "can someone call me", "what is your phone number".
    fn callback(&self, toks: &[String]) -> Option<String> {
        for phrase in &self.number_phrases {
            let Some(i) = find(toks, phrase) else {
                continue;
            };
            let j = i + phrase.len();
            let is_call = matches!(
                phrase.first().map(String::as_str),
                Some("call" | "callback")
            );
            let before: Vec<&str> = toks[i.saturating_sub(4)..i]
                .iter()
                .map(String::as_str)
                .collect();
            if before.iter().any(|w| self.negations.contains(*w)) {
                continue;
            }
            // "the phone number on my account" is about their number, not ours.
            if toks
                .get(j)
                .is_some_and(|w| matches!(w.as_str(), "on" | "of" | "in" | "for"))
                && toks[j..(j + 3).min(toks.len())].iter().any(|w| w == "my")
            {
                continue;
            }
            if before
                .iter()
                .any(|w| matches!(*w, "my" | "change" | "update" | "wrong" | "new"))
            {
                continue;
            }
            if is_call || i == 0 || before.iter().any(|w| self.number_ask.contains(*w)) {
                return Some(format!(
                    "asked to be called or for a number: `{}`",
                    phrase.join(" ")
                ));
            }
        }
        for (i, t) in toks.iter().enumerate() {
            if t == "call" && toks.get(i + 1).is_some_and(|w| w == "me") {
                let next = toks.get(i + 2);
                let negated = toks[i.saturating_sub(3)..i]
                    .iter()
                    .any(|w| self.negations.contains(w));
                if !negated && next.is_none_or(|w| self.callback_after.contains(w)) {
                    return Some("asked to be called: `call me`".to_string());
                }
            }
        }
        None
    }

    /// A contact verb shortly before a person noun.
    fn verb_and_noun(&self, toks: &[String]) -> Option<String> {
        for i in 0..toks.len() {
            let Some((len, generic, noun)) = self.noun_at(toks, i) else {
                continue;
            };
            let before = if i > 0 { toks[i - 1].as_str() } else { "" };
            let after = toks.get(i + len).map(String::as_str).unwrap_or("");
            if matches!(noun.as_str(), "agent" | "agents") && self.other_agent.contains(before) {
                continue;
            }
            if matches!(noun.as_str(), "human" | "humans") && self.other_human.contains(after) {
                continue;
            }
            let support_noun = noun.starts_with("customer") || noun.starts_with("support");
            if support_noun {
                let around = toks[i.saturating_sub(2)..i]
                    .iter()
                    .chain(toks.iter().skip(i + len).take(2));
                if around.clone().any(|w| self.channels.contains(w)) {
                    return Some(format!("asked how to reach `{noun}`"));
                }
            }
            // "a real person I can talk to".
            let real = matches!(before, "real" | "actual" | "live")
                || noun.starts_with("real")
                || noun.starts_with("live")
                || noun.starts_with("actual");
            if real
                && let Some(v) = toks
                    .iter()
                    .skip(i + len)
                    .take(4)
                    .find(|w| self.strong.contains(*w))
            {
                return Some(format!("asked for a person: `{noun}` … `{v}`"));
            }
            for k in (i.saturating_sub(5)..i).rev() {
                let v = toks[k].as_str();
                let negated = (k > 0 && self.negations.contains(&toks[k - 1]))
                    || (k > 1 && toks[k - 2] == "no")
                    || (k > 1
                        && self.negations.contains(&toks[k - 2])
                        && matches!(toks[k - 1].as_str(), "to" | "a" | "need" | "want"));
                if negated {
                    continue;
                }
                let strong = self.strong.contains(v);
                let call = self.call.contains(v)
                    && (!generic
                        || k + 1 == i
                        || toks[k + 1..i]
                            .iter()
                            .all(|w| matches!(w.as_str(), "a" | "an" | "to")));
                let weak = !generic
                    && self.weak.contains(v)
                    && (v != "transfer" || toks[k + 1..i].iter().any(|w| w == "me"));
                if strong || call || weak {
                    return Some(format!("asked for a person: `{v}` … `{noun}`"));
                }
            }
        }
        None
    }

    /// The person noun that starts at `toks[i]`: its length in words, whether it is
    /// generic, and its words.
    fn noun_at(&self, toks: &[String], i: usize) -> Option<(usize, bool, String)> {
        let mut best: Option<(usize, bool, String)> = None;
        for (words, generic) in &self.nouns {
            if toks.len() - i >= words.len()
                && words.iter().enumerate().all(|(k, w)| {
                    let t = &toks[i + k];
                    t == w || (self.fuzzy.contains(w) && one_edit(t, w))
                })
                && best.as_ref().is_none_or(|b| words.len() > b.0)
            {
                best = Some((words.len(), *generic, words.join(" ")));
            }
        }
        best
    }
}

/// The detector's word form: lower case letters and digits, apostrophes dropped (`don't` =
/// `dont`), runs of three or more of one letter squeezed (`pleeease` = `please`, while
/// `need` stays `need`), CJK characters left out (the Chinese rules read them directly).
pub fn words(folded: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for c in folded.chars() {
        if c == '\'' || c == '\u{2019}' {
            continue;
        }
        if c.is_alphanumeric() && !crate::normalize::is_cjk(c) {
            cur.extend(c.to_lowercase());
        } else if !cur.is_empty() {
            out.push(squeeze(&cur));
            cur.clear();
        }
    }
    if !cur.is_empty() {
        out.push(squeeze(&cur));
    }
    out
}

/// Runs of three or more of one character become one.
fn squeeze(w: &str) -> String {
    let chars: Vec<char> = w.chars().collect();
    let mut out = String::with_capacity(w.len());
    let mut i = 0;
    while i < chars.len() {
        let mut j = i;
        while j < chars.len() && chars[j] == chars[i] {
            j += 1;
        }
        let run = j - i;
        let keep = if run >= 3 { 1 } else { run };
        out.extend(std::iter::repeat_n(chars[i], keep));
        i = j;
    }
    out
}

/// Where the words `p` stand in `toks`, if they do.
fn find(toks: &[String], p: &[String]) -> Option<usize> {
    if p.is_empty() || p.len() > toks.len() {
        return None;
    }
    (0..=toks.len() - p.len()).find(|&i| toks[i..i + p.len()] == *p)
}

/// Whether `a` and `b` differ by at most one edit: a substitution, an insertion, a
/// deletion or a transposition of neighbours (Damerau).
pub fn one_edit(a: &str, b: &str) -> bool {
    if a == b {
        return true;
    }
    if a.len().abs_diff(b.len()) > 4 {
        // Four bytes is the longest character: more cannot be one edit.
        return false;
    }
    if a.is_ascii() && b.is_ascii() {
        return one_edit_in(a.as_bytes(), b.as_bytes());
    }
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    one_edit_in(&a, &b)
}

fn one_edit_in<T: PartialEq>(a: &[T], b: &[T]) -> bool {
    let (n, m) = (a.len(), b.len());
    if n.abs_diff(m) > 1 {
        return false;
    }
    let p = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    if n == m {
        if p == n {
            return true;
        }
        let s = a
            .iter()
            .rev()
            .zip(b.iter().rev())
            .take_while(|(x, y)| x == y)
            .count();
        // One substitution, or two neighbours swapped.
        p + s + 1 >= n
            || (p + 2 <= n && a[p] == b[p + 1] && a[p + 1] == b[p] && a[p + 2..] == b[p + 2..])
    } else {
        let (long, short) = if n > m { (a, b) } else { (b, a) };
        long[p + 1..] == short[p..]
    }
}

/// The words one deletion or one swap of neighbours away from `w` (ASCII words only).
fn typos(w: &str) -> Vec<String> {
    if !w.is_ascii() {
        return Vec::new();
    }
    let b = w.as_bytes();
    let mut out = Vec::new();
    for i in 0..b.len() {
        let mut v = b.to_vec();
        v.remove(i);
        out.push(String::from_utf8_lossy(&v).into_owned());
        if i + 1 < b.len() && b[i] != b[i + 1] {
            let mut v = b.to_vec();
            v.swap(i, i + 1);
            out.push(String::from_utf8_lossy(&v).into_owned());
        }
    }
    out
}

#[cfg(test)]
#[path = "person_tests.rs"]
mod tests;
