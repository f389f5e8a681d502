//! Compiling a rules file into an [`Engine`], in named phases.
//!
//! [`Engine::compile`] runs them in order:
//! 1. [`parse`]: TOML text → [`RawRules`] (syntax and unknown fields).
//! 2. [`Builder::taxonomy`]: the declared categories and the default one.
//! 3. [`Builder::signal_words`]: the built-in signal words and the file's extras become
//!    keyword patterns.
//! 4. [`Builder::rules`]: each `[[rule]]` is validated (id, keywords, regexes, filters,
//!    actions) and becomes a [`Rule`]; its keywords join the shared pattern list.
//! 5. [`Builder::regex_gates`] and [`Builder::regex_set`]: the gate words of the regexes and
//!    the one `RegexSet` holding them all.
//! 6. [`Builder::shadowed`]: rules an earlier `stop` rule always wins over.
//! 7. [`automaton`]: the one Aho-Corasick automaton over every keyword pattern, built only
//!    for a file without problems; then [`assemble`] puts the [`Engine`] together with the
//!    deletion index of the keyword words that match at one edit ([`fuzzy_index`]).
//!
//! Every phase records its problems as [`Diagnostic`]s in the [`Builder`] instead of stopping,
//! so that an admin sees every problem of the file at once.

use std::collections::HashMap;
use std::ops::Range;
use std::sync::Arc;

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use regex::{Regex, RegexBuilder, RegexSet, RegexSetBuilder};
use switchboard_domain::{Category, Language, Platform, Priority, Tier, is_identifier};
use toml::Spanned;

use super::{
    CompileOptions, Engine, Hours, Keyword, REGEX_SET_SIZE_LIMIT, REGEX_SIZE_LIMIT, Rule, Use,
};
use crate::error::{Diagnostic, KeywordError, RulesError};
use crate::fuzzy::{FuzzyIndex, Source};
use crate::normalize::{Normalized, is_cjk};
use crate::person::{PersonDetector, PersonWords};
use crate::rules::{RawRule, RawRules, RawSignals, SpannedList};
use crate::signals::{Signal, Signals};

impl Engine {
    /// Parses and validates a rules file and compiles it. `file` is the name used in error
    /// messages. Every problem found is reported, not only the first.
    pub fn compile(
        file: &str,
        source: &str,
        opts: CompileOptions<'_>,
    ) -> Result<Engine, RulesError> {
        let raw = parse(file, source)?;
        let mut b = Builder::new(file, source);
        let taxonomy = b.taxonomy(&raw);
        b.signal_words(&raw.signals);
        let rules = b.rules(&raw, &taxonomy, opts);
        let regex_gated = b.regex_gates(&rules);
        let regex_set = b.regex_set();
        b.shadowed(&raw, &rules);
        if !b.diags.is_empty() {
            b.diags.sort_by_key(|d| (d.line, d.column));
            return Err(RulesError::Invalid(b.diags));
        }
        let ac = automaton(file, source, &b.patterns)?;
        let Some(default_category) = taxonomy.default else {
            // Unreachable: an unknown default category was recorded as a diagnostic above.
            return Err(RulesError::Invalid(Vec::new()));
        };
        Ok(assemble(Parts {
            categories: taxonomy.categories,
            default_category,
            rules,
            ac,
            regex_set,
            regex_gated,
            builder: b,
        }))
    }
}

/// Phase 1: the TOML syntax and the fields, with a hint for the common mistakes.
fn parse(file: &str, source: &str) -> Result<RawRules, RulesError> {
    toml::from_str(source).map_err(|e| {
        let msg = e.message().trim().to_string();
        let help = if msg.contains("unknown field") {
            "check the spelling; \"Writing rules\" in the README lists every field"
        } else if msg.contains("expected a sequence") {
            "write a list in brackets, for example `any = [\"refund\"]`"
        } else if msg.contains("missing field") {
            "add the field; \"Writing rules\" in the README shows a complete rule"
        } else {
            "fix the TOML syntax at this place"
        };
        RulesError::Invalid(vec![Diagnostic::at(file, source, e.span(), msg, help)])
    })
}

/// Turns a keyword as written into its AC pattern: the normalised words with a space on each
/// side that must be a word boundary. CJK ends get no space (substring matching); a trailing
/// `*` drops the trailing space (prefix matching).
fn keyword_pattern(raw: &str) -> Result<String, KeywordError> {
    let trimmed = raw.trim();
    let (body, prefix) = match trimmed.strip_suffix('*') {
        Some(b) => (b, true),
        None => (trimmed, false),
    };
    if body.contains('*') {
        return Err(KeywordError::InnerStar);
    }
    let norm = Normalized::new(body).matching;
    let core = norm.trim_matches(' ');
    if core.is_empty() {
        return Err(KeywordError::NoWords);
    }
    let first = core.chars().next().unwrap_or(' ');
    let last = core.chars().next_back().unwrap_or(' ');
    let mut p = String::with_capacity(core.len() + 2);
    if !is_cjk(first) {
        p.push(' ');
    }
    p.push_str(core);
    if !prefix && !is_cjk(last) {
        p.push(' ');
    }
    Ok(p)
}

/// The declared categories (phase 2), for checking the names rules use.
struct Taxonomy {
    categories: Vec<(Category, String)>,
    /// The declared names, sorted and joined (for the help of an unknown one).
    known_list: String,
    /// `default_category`, when it is declared.
    default: Option<Category>,
}

impl Taxonomy {
    /// The category `s` names, or a diagnostic when it is not declared.
    fn check(&self, b: &mut Builder<'_>, s: &Spanned<String>) -> Option<Category> {
        if self
            .categories
            .iter()
            .any(|(c, _)| c.as_str() == s.get_ref())
        {
            Category::new(s.get_ref().as_str()).ok()
        } else {
            b.err(
                Some(s.span()),
                format!("unknown category `{}`", s.get_ref()),
                format!(
                    "use one of {}, or declare it under [categories]",
                    self.known_list
                ),
            );
            None
        }
    }
}

/// What the phases build up: the diagnostics, the keyword patterns (deduplicated) with
/// their uses, and the regexes.
struct Builder<'a> {
    file: &'a str,
    source: &'a str,
    diags: Vec<Diagnostic>,
    patterns: Vec<String>,
    pattern_ids: HashMap<String, u32>,
    uses: Vec<Vec<Use>>,
    regex_sources: Vec<String>,
    regexes: Vec<(Regex, u32)>,
    person: Option<PersonDetector>,
}

impl<'a> Builder<'a> {
    fn new(file: &'a str, source: &'a str) -> Builder<'a> {
        Builder {
            file,
            source,
            diags: Vec::new(),
            patterns: Vec::new(),
            pattern_ids: HashMap::new(),
            uses: Vec::new(),
            regex_sources: Vec::new(),
            regexes: Vec::new(),
            person: None,
        }
    }
}

impl Builder<'_> {
    fn err(
        &mut self,
        span: Option<Range<usize>>,
        message: impl Into<String>,
        help: impl Into<String>,
    ) {
        self.diags
            .push(Diagnostic::at(self.file, self.source, span, message, help));
    }

    /// The id of pattern `p`, added to the list when new.
    fn intern(&mut self, p: String) -> u32 {
        let next = self.patterns.len() as u32;
        let id = *self.pattern_ids.entry(p.clone()).or_insert(next);
        if id == next {
            self.patterns.push(p);
            self.uses.push(Vec::new());
        }
        id
    }

    /// The pattern id of a keyword written in the file, or a diagnostic (`what` names it).
    fn pattern(&mut self, raw: &Spanned<String>, what: &str) -> Option<u32> {
        match keyword_pattern(raw.get_ref()) {
            Ok(p) => Some(self.intern(p)),
            Err(e) => {
                self.err(
                    Some(raw.span()),
                    format!("invalid {what} `{}`: {e}", raw.get_ref()),
                    "write words as they appear in messages; see \"Writing rules\" in the README",
                );
                None
            }
        }
    }

    /// Compiles a keyword list; `field` names it in messages. An empty list is an error.
    fn keywords(&mut self, list: &Option<SpannedList>, field: &str, rule_id: &str) -> Vec<Keyword> {
        let Some(list) = list else { return Vec::new() };
        if list.get_ref().is_empty() {
            self.err(
                Some(list.span()),
                format!("rule `{rule_id}` has an empty `{field}` list"),
                format!("add at least one keyword to `{field}`, or remove the line"),
            );
            return Vec::new();
        }
        let mut out = Vec::new();
        for k in list.get_ref() {
            if let Some(pattern) = self.pattern(k, "keyword") {
                out.push(Keyword {
                    pattern,
                    text: Arc::from(k.get_ref().trim()),
                });
            }
        }
        out
    }

    fn nonempty<'l>(
        &mut self,
        list: &'l Option<SpannedList>,
        field: &str,
        rule_id: &str,
    ) -> Option<&'l [Spanned<String>]> {
        let list = list.as_ref()?;
        if list.get_ref().is_empty() {
            self.err(
                Some(list.span()),
                format!("rule `{rule_id}` has an empty `{field}` list"),
                format!("list at least one value in `{field}`, or remove the line to allow any"),
            );
            return None;
        }
        Some(list.get_ref())
    }

    /// Parses each value of a filter list with `parse`; a value it refuses is a diagnostic
    /// that quotes its error.
    fn parse_list<T, E: std::fmt::Display>(
        &mut self,
        list: &Option<SpannedList>,
        field: &str,
        rule_id: &str,
        parse: impl Fn(&str) -> Result<T, E>,
    ) -> Option<Vec<T>> {
        let items = self.nonempty(list, field, rule_id)?;
        let mut out = Vec::new();
        for item in items {
            match parse(item.get_ref()) {
                Ok(v) => out.push(v),
                Err(e) => self.err(
                    Some(item.span()),
                    format!("rule `{rule_id}`: {e}"),
                    format!("fix the value in `{field}`"),
                ),
            }
        }
        Some(out)
    }

    /// Phase 2: the taxonomy under `[categories]` and `default_category`.
    fn taxonomy(&mut self, raw: &RawRules) -> Taxonomy {
        let mut categories = Vec::new();
        for (name, desc) in raw.categories.get_ref() {
            match Category::new(name.as_str()) {
                Ok(c) => categories.push((c, desc.get_ref().clone())),
                Err(e) => self.err(
                    Some(desc.span()),
                    e.to_string(),
                    "rename the category under [categories]",
                ),
            }
        }
        if raw.categories.get_ref().is_empty() {
            self.err(Some(raw.categories.span()), "no categories are declared", "declare at least one under [categories], for example `general = \"Everything else\"`");
        }
        let mut names: Vec<&str> = categories.iter().map(|(c, _)| c.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        let known_list = names.join(", ");
        let mut taxonomy = Taxonomy {
            categories,
            known_list,
            default: None,
        };
        taxonomy.default = taxonomy.check(self, &raw.default_category);
        taxonomy
    }

    /// Phase 3: signal words, built-in then the file's extras.
    fn signal_words(&mut self, signals: &RawSignals) {
        let extras = [
            (Signal::Negative, &signals.negative),
            (Signal::Anger, &signals.anger),
            (Signal::Human, &signals.human),
            (Signal::Urgent, &signals.urgent),
        ];
        for (signal, extra) in extras {
            for w in signal.builtin_words() {
                let Ok(p) = keyword_pattern(w) else { continue };
                let id = self.intern(p);
                self.uses[id as usize].push(Use::Signal(signal));
            }
            for w in extra {
                if let Some(id) = self.pattern(w, "signal word") {
                    self.uses[id as usize].push(Use::Signal(signal));
                }
            }
        }
        let words = |l: &[Spanned<String>]| -> Vec<String> {
            l.iter().map(|w| w.get_ref().clone()).collect()
        };
        let (verbs, nouns, not_person) = (
            words(&signals.person_verbs),
            words(&signals.person_nouns),
            words(&signals.not_person),
        );
        let person = PersonDetector::new(&PersonWords {
            verbs: &verbs,
            nouns: &nouns,
            not_person: &not_person,
        });
        for w in person.triggers() {
            let Ok(p) = keyword_pattern(&w) else { continue };
            let id = self.intern(p);
            self.uses[id as usize].push(Use::PersonGate);
        }
        self.person = Some(person);
    }

    /// Phase 4: every `[[rule]]`, in file order.
    fn rules(
        &mut self,
        raw: &RawRules,
        taxonomy: &Taxonomy,
        opts: CompileOptions<'_>,
    ) -> Vec<Rule> {
        let mut rules = Vec::new();
        let mut seen_ids: HashMap<String, usize> = HashMap::new();
        for spanned in &raw.rules {
            let idx = rules.len() as u32;
            let (line, _) = crate::error::line_col(self.source, spanned.span().start);
            let rule = self.rule(spanned.get_ref(), idx, line, &mut seen_ids, taxonomy, opts);
            rules.push(rule);
        }
        rules
    }

    /// One rule: its id, text conditions, filters and actions; its keywords are recorded as
    /// uses of their patterns.
    fn rule(
        &mut self,
        r: &RawRule,
        idx: u32,
        line: usize,
        seen_ids: &mut HashMap<String, usize>,
        taxonomy: &Taxonomy,
        opts: CompileOptions<'_>,
    ) -> Rule {
        let id = r.id.get_ref().trim().to_string();
        if !is_identifier(&id) {
            self.err(
                Some(r.id.span()),
                format!("invalid rule id `{id}`"),
                "use lowercase letters, digits, `-` and `_`, starting with a letter",
            );
        }
        if let Some(first) = seen_ids.insert(id.clone(), line) {
            self.err(
                Some(r.id.span()),
                format!("duplicate rule id `{id}` (first used on line {first})"),
                "give each rule its own id",
            );
        }
        let any = self.keywords(&r.any, "any", &id);
        let all = self.keywords(&r.all, "all", &id);
        let none = self.keywords(&r.none, "none", &id);
        let also = self.also(r, &id);
        let regex = self.rule_regexes(r, idx, &id);
        let filters = self.filters(r, &id);
        let actions = self.actions(r, &id, taxonomy, opts);
        self.check_has_conditions_and_actions(r, &id);
        let fuzzy = match &r.fuzzy {
            None => true,
            Some(f) => {
                if r.any.is_none() && r.all.is_none() && r.also.is_none() {
                    self.err(
                        Some(f.span()),
                        format!("rule `{id}` sets `fuzzy` but has no `any`, `all` or `also` keywords, so it changes nothing"),
                        "remove the `fuzzy` line, or add keywords",
                    );
                }
                *f.get_ref()
            }
        };
        for (kw, k) in any.iter().enumerate() {
            self.uses[k.pattern as usize].push(Use::Any {
                rule: idx,
                kw: kw as u32,
            });
        }
        for (kw, k) in all.iter().enumerate() {
            self.uses[k.pattern as usize].push(Use::All {
                rule: idx,
                kw: kw as u32,
            });
        }
        for (kw, k) in also.iter().enumerate() {
            self.uses[k.pattern as usize].push(Use::Also {
                rule: idx,
                kw: kw as u32,
            });
        }
        Rule {
            id: Arc::from(id.as_str()),
            description: Arc::from(r.description.as_deref().unwrap_or("").trim()),
            line,
            any,
            all,
            none,
            also,
            regex,
            platforms: filters.platforms,
            languages: filters.languages,
            tiers: filters.tiers,
            hours: filters.hours,
            signals: filters.signals,
            category: actions.category,
            priority: actions.priority,
            tags: actions.tags,
            answer: actions.answer,
            escalate: r.escalate,
            stop: actions.stop,
            fuzzy,
        }
    }

    /// A rule's `also` keywords (evidence of a problem). They narrow a topic, so a rule
    /// with `also` needs `any`, `all` or `regex` as well: alone they would be an `any` list
    /// under another name. Their text is `also:WORD`, the form the evidence shows.
    fn also(&mut self, r: &RawRule, id: &str) -> Vec<Keyword> {
        let Some(list) = &r.also else {
            return Vec::new();
        };
        if r.any.is_none() && r.all.is_none() && r.regex.is_none() {
            self.err(
                Some(list.span()),
                format!("rule `{id}` has `also` but no `any`, `all` or `regex`: `also` only narrows a topic"),
                "put the topic words in `any` (for example `any = [\"app\"]`) and keep in `also` the words that show a problem (`also = [\"crash*\", \"error\"]`)",
            );
        }
        self.keywords(&r.also, "also", id)
            .into_iter()
            .map(|k| Keyword {
                pattern: k.pattern,
                text: Arc::from(format!("also:{}", k.text)),
            })
            .collect()
    }

    /// A rule's regexes, compiled alone (for the matched text) and kept for the set; the
    /// indexes returned are into `regexes`.
    fn rule_regexes(&mut self, r: &RawRule, idx: u32, id: &str) -> Vec<u32> {
        let mut regex = Vec::new();
        let Some(list) = self.nonempty(&r.regex, "regex", id) else {
            return regex;
        };
        for pat in list {
            match RegexBuilder::new(pat.get_ref())
                .case_insensitive(true)
                .size_limit(REGEX_SIZE_LIMIT)
                .dfa_size_limit(REGEX_SIZE_LIMIT)
                .build()
            {
                Ok(re) if re.is_match("") => self.err(
                    Some(pat.span()),
                    format!("regex `{}` in rule `{id}` matches an empty message, so it would fire on every message", pat.get_ref()),
                    "require at least one character, for example `+` instead of `*`",
                ),
                Ok(re) => {
                    regex.push(self.regexes.len() as u32);
                    self.regexes.push((re, idx));
                    self.regex_sources.push(pat.get_ref().clone());
                }
                Err(e) => self.err(
                    Some(pat.span()),
                    format!("invalid regex in rule `{id}`: {}", one_line(&e.to_string())),
                    "fix the pattern (Rust regex syntax; no look-around or back-references), or use keywords instead",
                ),
            }
        }
        regex
    }

    /// A rule's filters: platform, language, tier, signals and hours.
    fn filters(&mut self, r: &RawRule, id: &str) -> Filters {
        let platforms = self.parse_list(&r.platform, "platform", id, str::parse::<Platform>);
        let languages = self.parse_list(&r.language, "language", id, str::parse::<Language>);
        let tiers = self.parse_list(&r.tier, "tier", id, str::parse::<Tier>);
        let signals: Signals = self
            .parse_list(&r.signals, "signals", id, str::parse::<Signal>)
            .unwrap_or_default()
            .into_iter()
            .collect();
        let hours = match &r.hours {
            None => None,
            Some(h) => match h.get_ref().trim() {
                "in" => Some(Hours::In),
                "out" => Some(Hours::Out),
                other => {
                    self.err(
                        Some(h.span()),
                        format!("rule `{id}`: unknown hours `{other}`"),
                        "use `hours = \"in\"` (within business hours) or `hours = \"out\"`",
                    );
                    None
                }
            },
        };
        Filters {
            platforms,
            languages,
            tiers,
            hours,
            signals,
        }
    }

    /// A rule's actions: category, priority, tags, auto-answer and `then`.
    fn actions(
        &mut self,
        r: &RawRule,
        id: &str,
        taxonomy: &Taxonomy,
        opts: CompileOptions<'_>,
    ) -> Actions {
        let category = r.category.as_ref().and_then(|c| taxonomy.check(self, c));
        let priority = r
            .priority
            .as_ref()
            .and_then(|p| match p.get_ref().parse::<Priority>() {
                Ok(p) => Some(p),
                Err(e) => {
                    self.err(
                        Some(p.span()),
                        format!("rule `{id}`: {e}"),
                        "fix `priority`",
                    );
                    None
                }
            });
        let mut tags: Vec<Arc<str>> = Vec::new();
        for t in self.nonempty(&r.tags, "tags", id).unwrap_or_default() {
            let t = t.get_ref().trim();
            if !tags.iter().any(|x| &**x == t) {
                tags.push(Arc::from(t));
            }
        }
        let answer = r.answer.as_ref().and_then(|a| {
            let key = a.get_ref().trim();
            match opts.answer_keys {
                Some(keys) if !keys.contains(key) => {
                    self.err(
                        Some(a.span()),
                        format!("rule `{id}`: auto-answer `{key}` is missing from the prompts"),
                        format!("add `{key} = \"...\"` under [answer] in every prompts/<locale>.toml, or fix the key"),
                    );
                    None
                }
                _ => Some(Arc::from(key)),
            }
        });
        let stop = match &r.then {
            None => true,
            Some(t) => match t.get_ref().trim() {
                "stop" => true,
                "continue" => false,
                other => {
                    self.err(
                        Some(t.span()),
                        format!("rule `{id}`: unknown `then = \"{other}\"`"),
                        "use `then = \"stop\"` (first match wins) or `then = \"continue\"`",
                    );
                    true
                }
            },
        };
        Actions {
            category,
            priority,
            tags,
            answer,
            stop,
        }
    }

    /// A rule without conditions would match every message, one without actions would
    /// change nothing: both are errors.
    fn check_has_conditions_and_actions(&mut self, r: &RawRule, id: &str) {
        let has_condition = r.any.is_some()
            || r.all.is_some()
            || r.also.is_some()
            || r.none.is_some()
            || r.regex.is_some()
            || r.platform.is_some()
            || r.language.is_some()
            || r.tier.is_some()
            || r.hours.is_some()
            || r.signals.is_some();
        if !has_condition {
            self.err(Some(r.id.span()), format!("rule `{id}` has no conditions, so it would match every message"), "add keywords (`any`, `all`), a `regex`, `signals` or a filter; for a fallback set `default_category` instead");
        }
        let has_action = r.category.is_some()
            || r.priority.is_some()
            || r.tags.is_some()
            || r.answer.is_some()
            || r.escalate;
        if !has_action {
            self.err(
                Some(r.id.span()),
                format!("rule `{id}` has no actions, so firing it changes nothing"),
                "add `category`, `priority`, `tags`, `answer` or `escalate = true`",
            );
        }
    }

    /// Phase 5a: gate words for the regexes, so that the `RegexSet` runs only when one of
    /// them is seen. Returns whether every regex has some.
    ///
    /// A regex with no gate words of its own is gated by its rule's `also` keywords, or else
    /// by one of its `all` keywords: the rule cannot fire without one of them, and a regex
    /// only ever counts for its own rule (see `prefilter`).
    fn regex_gates(&mut self, rules: &[Rule]) -> bool {
        let mut regex_gated = true;
        let sources: Vec<(String, u32)> = self
            .regex_sources
            .iter()
            .zip(&self.regexes)
            .map(|(src, (_, rule))| (src.clone(), *rule))
            .collect();
        for (src, rule) in sources {
            let ids: Vec<u32> = match crate::prefilter::required_tokens(&src) {
                Some(words) => words.into_iter().map(|w| self.intern(w)).collect(),
                None => {
                    let r = &rules[rule as usize];
                    match crate::prefilter::rule_gates(
                        &r.also.iter().map(|k| k.pattern).collect::<Vec<_>>(),
                        &r.all.iter().map(|k| k.pattern).collect::<Vec<_>>(),
                    ) {
                        Some(ids) => ids,
                        None => {
                            regex_gated = false;
                            continue;
                        }
                    }
                }
            };
            for id in ids {
                if !self.uses[id as usize]
                    .iter()
                    .any(|u| matches!(u, Use::RegexGate))
                {
                    self.uses[id as usize].push(Use::RegexGate);
                }
            }
        }
        regex_gated
    }

    /// Phase 5b: the one `RegexSet` over every rule's regexes.
    fn regex_set(&mut self) -> Option<RegexSet> {
        if self.regex_sources.is_empty() {
            return None;
        }
        match RegexSetBuilder::new(&self.regex_sources)
            .case_insensitive(true)
            .size_limit(REGEX_SET_SIZE_LIMIT)
            .dfa_size_limit(REGEX_SET_SIZE_LIMIT)
            .build()
        {
            Ok(set) => Some(set),
            Err(e) => {
                self.err(
                    None,
                    format!(
                        "the regexes of all rules together are too large: {}",
                        one_line(&e.to_string())
                    ),
                    "use fewer or simpler regexes; keywords cost almost nothing",
                );
                None
            }
        }
    }

    /// Phase 6: rules that can never fire. Only on an otherwise valid file: a rule with an
    /// error (an empty `any`, say) would look like it matches everything and cascade into
    /// confusing reports.
    fn shadowed(&mut self, raw: &RawRules, rules: &[Rule]) {
        if !self.diags.is_empty() {
            return;
        }
        for (later, reason) in crate::shadow::unreachable(rules, &self.patterns) {
            let r = &rules[later];
            let span = raw.rules[later].get_ref().id.span();
            self.err(
                Some(span),
                format!("rule `{}` can never fire: {reason}", r.id),
                format!(
                    "move `{}` above that rule, narrow that rule, or give it `then = \"continue\"`",
                    r.id
                ),
            );
        }
    }
}

/// A rule's filters, as [`Builder::filters`] parsed them.
struct Filters {
    platforms: Option<Vec<Platform>>,
    languages: Option<Vec<Language>>,
    tiers: Option<Vec<Tier>>,
    hours: Option<Hours>,
    signals: Signals,
}

/// A rule's actions, as [`Builder::actions`] parsed them.
struct Actions {
    category: Option<Category>,
    priority: Option<Priority>,
    tags: Vec<Arc<str>>,
    answer: Option<Arc<str>>,
    stop: bool,
}

/// Phase 7: the Aho-Corasick automaton over every keyword pattern (a DFA when it fits,
/// else the default kind).
fn automaton(
    file: &str,
    source: &str,
    patterns: &[String],
) -> Result<Option<AhoCorasick>, RulesError> {
    if patterns.is_empty() {
        return Ok(None);
    }
    let built = AhoCorasick::builder()
        .match_kind(MatchKind::Standard)
        .kind(Some(AhoCorasickKind::DFA))
        .build(patterns)
        .or_else(|_| {
            AhoCorasick::builder()
                .match_kind(MatchKind::Standard)
                .build(patterns)
        });
    match built {
        Ok(ac) => Ok(Some(ac)),
        Err(e) => Err(RulesError::Invalid(vec![Diagnostic::at(
            file,
            source,
            None,
            format!("too many keywords to compile: {e}"),
            "split the pack or remove keywords",
        )])),
    }
}

/// What [`assemble`] puts together.
struct Parts<'a> {
    categories: Vec<(Category, String)>,
    default_category: Category,
    rules: Vec<Rule>,
    ac: Option<AhoCorasick>,
    regex_set: Option<RegexSet>,
    regex_gated: bool,
    builder: Builder<'a>,
}

/// The last phase: the engine from the validated parts, with the rules that need no text
/// listed as always candidates.
fn assemble(p: Parts<'_>) -> Engine {
    let fuzzy = fuzzy_index(&p.rules, &p.builder.patterns, &p.builder.uses);
    let textless = p
        .rules
        .iter()
        .enumerate()
        .filter(|(_, r)| r.any.is_empty() && r.all.is_empty() && r.regex.is_empty())
        .map(|(i, _)| i as u32)
        .collect();
    Engine {
        categories: p.categories,
        default_category: p.default_category,
        rules: p.rules,
        ac: p.ac,
        patterns: p.builder.patterns,
        uses: p.builder.uses,
        regex_set: p.regex_set,
        regexes: p.builder.regexes,
        textless,
        signal_names: Signal::ALL
            .iter()
            .map(|x| Arc::from(format!("signal:{x}")))
            .collect(),
        regex_gated: p.regex_gated,
        person: p
            .builder
            .person
            .unwrap_or_else(|| PersonDetector::new(&PersonWords::default())),
        fuzzy,
    }
}

/// The deletion index for typo tolerance: the words of `any`, `all` and `also` keywords of rules
/// with `fuzzy` on may match at one edit; the words of every keyword and signal word guard
/// the message words that are exactly one of them (see the `fuzzy` module).
fn fuzzy_index(rules: &[Rule], patterns: &[String], uses: &[Vec<Use>]) -> FuzzyIndex {
    let none: std::collections::HashSet<u32> = rules
        .iter()
        .flat_map(|r| r.none.iter().map(|k| k.pattern))
        .collect();
    FuzzyIndex::build(patterns.iter().enumerate().map(|(i, pattern)| {
        let us = &uses[i];
        let fuzzy = us.iter().any(|u| match *u {
            Use::Any { rule, .. } | Use::All { rule, .. } | Use::Also { rule, .. } => {
                rules[rule as usize].fuzzy
            }
            _ => false,
        });
        let guard = none.contains(&(i as u32))
            || us.iter().any(|u| {
                matches!(
                    u,
                    Use::Any { .. } | Use::All { .. } | Use::Also { .. } | Use::Signal(_)
                )
            });
        Source {
            pattern,
            id: i as u32,
            fuzzy,
            guard,
        }
    }))
}

/// An error message on one line (regex errors span several).
fn one_line(s: &str) -> String {
    s.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}
