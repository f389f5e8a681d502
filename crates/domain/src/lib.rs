//! Switchboard's vocabulary, shared by every other crate.
//!
//! Parts:
//! - [`Platform`]: where a customer or agent writes from (Telegram, Discord, the console).
//! - [`Priority`]: the four ticket priorities, ordered so that "raise" is `max`.
//! - [`Category`], [`Tier`], [`Language`]: validated newtypes for the names admins write in
//!   config and rules, so that a category can never be confused with a tag or a tier.
//! - [`ids`]: typed ids ([`TicketId`] shown as `T-1042`, [`PartyId`], [`ChatId`],
//!   [`UpdateKey`]) and time ([`Timestamp`], [`Millis`]).
//! - [`ticket`]: the records: [`Ticket`] and its [`TicketStatus`], [`Message`], [`Customer`],
//!   the audit trail's [`TicketEvent`] and its [`EventKind`].
//! - [`io`]: what crosses between adapters and the rest: [`Inbound`] and [`Outbound`], the
//!   [`Host`] updates go to, the [`Channel`] messages go out through with its one
//!   [`DeliveryError`], and the [`ChannelStore`] adapters keep their state in.
//! - [`secret`]: [`Secret`], a token that `Debug` never prints, and [`SecretSource`], where
//!   a channel reads one from.
//! - [`backoff`]: [`Backoff`], the doubling, capped, jittered wait between retries.
//! - [`sync`]: taking a lock whose holder panicked, for data no panic leaves half-changed.
//! - [`rng`]: [`rng::Rng`], the deterministic generator of tests, benchmarks and synthetic
//!   history (not for security).
//! - [`metrics`]: the formulas reports use (CSAT, NPS, satisfaction index, percentiles,
//!   churn, the logistic churn-risk model, customer lifetime value).
//!
//! This crate does no I/O and knows nothing of tokio, sled, teloxide or serenity: every
//! other crate depends on it, and it depends on none of them (see ARCHITECTURE.md, "Crates and what each may depend on").

#![warn(missing_docs)]

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

pub mod backoff;
pub mod ids;
pub mod io;
pub mod metrics;
pub mod rng;
pub mod secret;
pub mod sync;
pub mod ticket;

pub use backoff::Backoff;
pub use ids::{ChatId, Millis, PartyId, TicketId, Timestamp, UpdateKey};
pub use io::{
    Attachment, BoxFuture, Button, Channel, ChannelStore, ChannelStoreError, DeliveryError,
    Destination, Host, HostError, Inbound, MediaKind, Outbound, Place, Sender, Sending, What,
};
pub use secret::{Secret, SecretError, SecretSource};
pub use ticket::{
    Agent, Author, Customer, EventKind, Message, Resolution, Sla, Survey, Ticket, TicketEvent,
    TicketStatus,
};

/// The longest name shown anywhere (cards, listings, transcripts), in characters.
pub const NAME_MAX_CHARS: usize = 64;

/// A person's name as it may be shown: one line (line breaks, tabs and other control or
/// separator characters become spaces, runs of spaces become one), trimmed, and at most
/// [`NAME_MAX_CHARS`] characters (longer ones end in `…`). Platforms let people put line
/// breaks in their names, and imported files have no length limit: a name must never add a
/// line to a staff card (it could forge one) or push the card past a message's size.
pub fn display_name(raw: &str) -> std::borrow::Cow<'_, str> {
    let clean = |c: char| !(c.is_control() || matches!(c, '\u{2028}' | '\u{2029}' | '\u{85}'));
    let already = raw.chars().all(clean)
        && !raw.contains("  ")
        && raw.trim() == raw
        && raw.chars().count() <= NAME_MAX_CHARS;
    if already {
        return std::borrow::Cow::Borrowed(raw);
    }
    let spaced: String = raw
        .chars()
        .map(|c| if clean(c) { c } else { ' ' })
        .collect();
    let mut out = spaced.split_whitespace().collect::<Vec<_>>().join(" ");
    if out.chars().count() > NAME_MAX_CHARS {
        out = out
            .chars()
            .take(NAME_MAX_CHARS - 1)
            .collect::<String>()
            .trim_end()
            .to_string();
        out.push('…');
    }
    std::borrow::Cow::Owned(out)
}

/// An error in a name written by a person (in config, rules or a command line).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    /// The text is not one of the allowed values; the message lists them.
    #[error("unknown {what} `{given}`: use one of {allowed}")]
    Unknown {
        /// What kind of name was expected (for example "platform").
        what: &'static str,
        /// What was given.
        given: String,
        /// The allowed values, ready to print.
        allowed: &'static str,
    },
    /// A name that must follow the identifier shape does not.
    #[error(
        "`{given}` is not a valid {what}: use lowercase letters, digits, `-` and `_`, starting with a letter"
    )]
    Malformed {
        /// What kind of name was expected.
        what: &'static str,
        /// What was given.
        given: String,
    },
}

/// The messaging platform a message came from or goes to.
///
/// `Console` is the local channel used by `switchboard run` and the demo: it lets the whole
/// desk be played without any chat platform or token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Platform {
    /// Telegram, through the Bot API.
    Telegram,
    /// Discord, through the gateway and REST API.
    Discord,
    /// The local console channel.
    Console,
}

impl Platform {
    /// Every platform, in a stable order (for help texts and validation).
    pub const ALL: [Platform; 3] = [Platform::Telegram, Platform::Discord, Platform::Console];

    /// The lowercase name used in config files and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Platform::Telegram => "telegram",
            Platform::Discord => "discord",
            Platform::Console => "console",
        }
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Platform {
    type Err = NameError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Platform::ALL
            .into_iter()
            .find(|p| p.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| NameError::Unknown {
                what: "platform",
                given: s.to_string(),
                allowed: "telegram, discord, console",
            })
    }
}

/// How soon a ticket needs a human. Ordered: `Low < Normal < High < Urgent`, so raising a
/// priority is `max` and SLA targets can be looked up per level.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Priority {
    /// Can wait: feedback, questions with no deadline.
    Low,
    /// The default.
    #[default]
    Normal,
    /// Money or access is at stake.
    High,
    /// Someone is blocked or angry right now.
    Urgent,
}

impl Priority {
    /// Every priority, lowest first.
    pub const ALL: [Priority; 4] = [
        Priority::Low,
        Priority::Normal,
        Priority::High,
        Priority::Urgent,
    ];

    /// The lowercase name used in config, rules and commands.
    pub fn as_str(self) -> &'static str {
        match self {
            Priority::Low => "low",
            Priority::Normal => "normal",
            Priority::High => "high",
            Priority::Urgent => "urgent",
        }
    }

    /// One step up (an SLA breach raises the priority); `Urgent` stays `Urgent`.
    pub fn raised(self) -> Priority {
        match self {
            Priority::Low => Priority::Normal,
            Priority::Normal => Priority::High,
            Priority::High | Priority::Urgent => Priority::Urgent,
        }
    }
}

impl fmt::Display for Priority {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Priority {
    type Err = NameError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Priority::ALL
            .into_iter()
            .find(|p| p.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| NameError::Unknown {
                what: "priority",
                given: s.to_string(),
                allowed: "low, normal, high, urgent",
            })
    }
}

/// Checks the identifier shape shared by categories, tiers and rule ids:
/// a lowercase ASCII letter, then lowercase letters, digits, `-` or `_`.
pub fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some('a'..='z'))
        && chars.all(|c| matches!(c, 'a'..='z' | '0'..='9' | '-' | '_'))
}

macro_rules! name_newtype {
    ($(#[$doc:meta])* $name:ident, $what:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(std::sync::Arc<str>);

        impl $name {
            /// Validates the identifier shape (see [`is_identifier`]).
            pub fn new(s: impl Into<String>) -> Result<Self, NameError> {
                let s = s.into();
                if is_identifier(&s) {
                    Ok(Self(std::sync::Arc::from(s)))
                } else {
                    Err(NameError::Malformed { what: $what, given: s })
                }
            }

            /// The name as written.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl TryFrom<String> for $name {
            type Error = NameError;
            fn try_from(s: String) -> Result<Self, Self::Error> {
                Self::new(s)
            }
        }

        impl From<$name> for String {
            fn from(n: $name) -> String {
                n.0.to_string()
            }
        }

        impl FromStr for $name {
            type Err = NameError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::new(s.trim())
            }
        }
    };
}

name_newtype!(
    /// A ticket category from the admin's taxonomy (`billing`, `shipping`, …).
    ///
    /// Categories are declared in the rules file; this type only guarantees the shape, the
    /// rules loader guarantees that the category is declared. Shared (`Arc<str>`): every
    /// verdict carries one, and cloning it must not allocate.
    Category,
    "category"
);

name_newtype!(
    /// A customer tier (`vip`, `standard`, …) from config or an imported customer list.
    /// Rules can filter on it, SLA targets will depend on it.
    Tier,
    "tier"
);

/// A customer's language as a BCP 47-ish tag (`en`, `zh-CN`, `pt-BR`).
///
/// Kept as written for display and prompt lookup; comparisons for rule filters use
/// [`Language::matches`], so that a rule for `zh` covers `zh-CN` and `zh-TW`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Language(String);

impl Language {
    /// Accepts tags made of ASCII letters and digits separated by `-` or `_`
    /// (`_` is normalised to `-`, as Telegram sends `pt_br` in some clients).
    pub fn new(s: impl Into<String>) -> Result<Self, NameError> {
        let s: String = s.into().trim().replace('_', "-");
        let ok = !s.is_empty()
            && s.len() <= 35
            && s.split('-')
                .all(|part| !part.is_empty() && part.chars().all(|c| c.is_ascii_alphanumeric()));
        if ok {
            Ok(Language(s))
        } else {
            Err(NameError::Malformed {
                what: "language tag",
                given: s,
            })
        }
    }

    /// The tag as written (`zh-CN`).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The primary language subtag, lowercased (`zh` for `zh-CN`).
    pub fn primary(&self) -> String {
        self.0
            .split('-')
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase()
    }

    /// Whether a filter written as `self` covers the customer's language `other`:
    /// equal ignoring case, or `self` is the primary subtag of `other` (`zh` covers `zh-CN`).
    pub fn matches(&self, other: &Language) -> bool {
        if self.0.eq_ignore_ascii_case(&other.0) {
            return true;
        }
        !self.0.contains('-') && self.0.eq_ignore_ascii_case(&other.primary())
    }
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for Language {
    type Error = NameError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Language::new(s)
    }
}

impl From<Language> for String {
    fn from(l: Language) -> String {
        l.0
    }
}

impl FromStr for Language {
    type Err = NameError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Language::new(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_is_shown_on_one_line_and_capped() {
        assert!(matches!(
            display_name("Ann Lee"),
            std::borrow::Cow::Borrowed("Ann Lee")
        ));
        assert_eq!(
            display_name("Ann\nT-9 · billing · urgent\r\nRules"),
            "Ann T-9 · billing · urgent Rules"
        );
        assert_eq!(display_name("  a\t\u{2028}b  "), "a b");
        assert_eq!(display_name("\n\n"), "");
        let long = "x".repeat(500);
        let shown = display_name(&long);
        assert_eq!(shown.chars().count(), NAME_MAX_CHARS);
        assert!(shown.ends_with('…'));
        let wide = "名".repeat(100);
        assert_eq!(display_name(&wide).chars().count(), NAME_MAX_CHARS);
    }

    #[test]
    fn priority_orders_and_raises() {
        assert!(Priority::Low < Priority::Normal && Priority::High < Priority::Urgent);
        assert_eq!(Priority::Normal.raised(), Priority::High);
        assert_eq!(Priority::Urgent.raised(), Priority::Urgent);
        assert_eq!("URGENT".parse::<Priority>().unwrap(), Priority::Urgent);
        let err = "asap".parse::<Priority>().unwrap_err().to_string();
        assert!(err.contains("low, normal, high, urgent"), "{err}");
    }

    #[test]
    fn platform_parses_case_insensitively() {
        assert_eq!("Telegram".parse::<Platform>().unwrap(), Platform::Telegram);
        assert!("slack".parse::<Platform>().is_err());
    }

    #[test]
    fn names_must_be_identifiers() {
        assert!(Category::new("billing").is_ok());
        assert!(Category::new("tech-support_2").is_ok());
        for bad in ["", "Billing", "2fa", "bill ing", "账单"] {
            assert!(Category::new(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn language_primary_subtag_covers_regions() {
        let zh: Language = "zh".parse().unwrap();
        let zh_cn: Language = "zh_CN".parse().unwrap();
        assert_eq!(zh_cn.as_str(), "zh-CN");
        assert!(zh.matches(&zh_cn));
        assert!(!zh_cn.matches(&zh));
        assert!(zh_cn.matches(&"zh-cn".parse().unwrap()));
        assert!(!"en".parse::<Language>().unwrap().matches(&zh_cn));
        assert!(Language::new("en us").is_err());
    }
}
