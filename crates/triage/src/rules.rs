//! The rules file as an admin writes it: plain serde structs, every field spanned so that a
//! problem found after parsing can still point at its line and column.
//!
//! Phase one of loading ("raw"): `toml` checks syntax and unknown fields. Phase two
//! ([`crate::engine::Engine::compile`]) checks meaning and builds the engine.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

/// A list of strings written in the file, with the place of the list and of each item.
pub(crate) type SpannedList = Spanned<Vec<Spanned<String>>>;

/// The whole rules file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawRules {
    /// The category of a message that no rule classifies.
    pub default_category: Spanned<String>,
    /// The taxonomy: category name -> what it covers (shown to agents and in reports).
    pub categories: Spanned<BTreeMap<String, Spanned<String>>>,
    /// Words added to the built-in signal lists.
    #[serde(default)]
    pub signals: RawSignals,
    /// The rules, in order.
    #[serde(default, rename = "rule")]
    pub rules: Vec<Spanned<RawRule>>,
}

/// `[signals]`: extra words for each built-in signal.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawSignals {
    #[serde(default)]
    pub negative: Vec<Spanned<String>>,
    #[serde(default)]
    pub anger: Vec<Spanned<String>>,
    #[serde(default)]
    pub human: Vec<Spanned<String>>,
    #[serde(default)]
    pub urgent: Vec<Spanned<String>>,
    /// More verbs of contact for the request-for-a-person detector (`crate::person`).
    #[serde(default)]
    pub person_verbs: Vec<Spanned<String>>,
    /// More nouns that name the team's people, for the detector.
    #[serde(default)]
    pub person_nouns: Vec<Spanned<String>>,
    /// Phrases that are never a request for a person.
    #[serde(default)]
    pub not_person: Vec<Spanned<String>>,
}

/// One `[[rule]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawRule {
    pub id: Spanned<String>,
    #[serde(default)]
    pub description: Option<String>,

    // Conditions on the text.
    pub any: Option<SpannedList>,
    pub all: Option<SpannedList>,
    pub none: Option<SpannedList>,
    pub regex: Option<SpannedList>,
    /// Evidence of a problem: besides `any`/`all`/`regex`, at least one of these keywords
    /// must be present, so that a topic noun alone ("account", "app") does not fire a rule.
    pub also: Option<SpannedList>,

    // Filters.
    pub platform: Option<SpannedList>,
    pub language: Option<SpannedList>,
    pub tier: Option<SpannedList>,
    pub hours: Option<Spanned<String>>,
    pub signals: Option<SpannedList>,

    // Actions.
    pub category: Option<Spanned<String>>,
    pub priority: Option<Spanned<String>>,
    pub tags: Option<SpannedList>,
    pub answer: Option<Spanned<String>>,
    #[serde(default)]
    pub escalate: bool,
    pub then: Option<Spanned<String>>,
    /// Typo tolerance for this rule's keywords (on when absent).
    pub fuzzy: Option<Spanned<bool>>,
}
