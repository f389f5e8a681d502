//! Tickets, customers and messages: the records the desk keeps and the store persists.
//!
//! Parts: [`Ticket`] with its [`TicketStatus`], [`Resolution`], audit trail ([`TicketEvent`],
//! each of an [`EventKind`]), [`Survey`] and [`Sla`] clocks; a ticket's
//! [`Message`]s and their [`Author`]; the [`Customer`] profile; the [`Agent`].

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::{Category, ChatId, PartyId, Priority, TicketId, Tier, Timestamp};

/// Where a ticket is in its life. Legal moves are decided by the desk:
/// `SelfService -> Queued | Resolved`, `Queued -> Claimed | Resolved`,
/// `Claimed -> Queued | Claimed (transfer) | Resolved`, `Resolved -> Queued (reopen)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TicketStatus {
    /// The bot answered; the customer was asked "Did this solve it?".
    SelfService,
    /// Handed to humans, waiting for an agent to claim it.
    Queued,
    /// An agent has it.
    Claimed,
    /// Solved (by an agent or by self-service); a message within the reopen window
    /// reopens it.
    Resolved,
}

impl TicketStatus {
    /// The name used in commands and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            TicketStatus::SelfService => "self_service",
            TicketStatus::Queued => "queued",
            TicketStatus::Claimed => "claimed",
            TicketStatus::Resolved => "resolved",
        }
    }

    /// Every status.
    pub const ALL: [TicketStatus; 4] = [
        TicketStatus::SelfService,
        TicketStatus::Queued,
        TicketStatus::Claimed,
        TicketStatus::Resolved,
    ];

    /// Whether the ticket still needs something (anything but resolved).
    pub fn is_open(self) -> bool {
        self != TicketStatus::Resolved
    }
}

impl std::str::FromStr for TicketStatus {
    type Err = crate::NameError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim().replace('-', "_");
        TicketStatus::ALL
            .into_iter()
            .find(|x| x.as_str().eq_ignore_ascii_case(&t))
            .ok_or_else(|| crate::NameError::Unknown {
                what: "status",
                given: s.to_string(),
                allowed: "self_service, queued, claimed, resolved",
            })
    }
}

/// An agent as the desk knows them: their platform identity and the name customers see.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Agent {
    /// The agent's platform identity.
    pub id: PartyId,
    /// Their display name.
    pub name: String,
}

/// How a ticket was resolved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "by")]
pub enum Resolution {
    /// The customer said the automatic answer solved it (a deflection).
    SelfService,
    /// An agent closed it.
    Agent {
        /// The agent's name.
        name: String,
    },
}

/// Something that happened to a ticket, with when and who: the ticket's audit trail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketEvent {
    /// When.
    pub at: Timestamp,
    /// What, stored as a short stable word (`opened`, `triaged`, `handed_off`, `claimed`, …).
    pub kind: EventKind,
    /// Who did it, when a person did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
    /// Details (`billing -> shipping`, the rule ids, …).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub detail: String,
}

/// What happened to a ticket: the kind of a [`TicketEvent`]. Stored as its word
/// (`"claimed"`), which reports and `switchboard tickets` read; the words never change, so
/// stored trails read the same. A word this build does not know (written by a newer build)
/// is kept as [`EventKind::Other`] and written back unchanged, never dropped.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum EventKind {
    /// The customer's first message opened the ticket.
    Opened,
    /// Triage classified it (detail: category, priority, rules).
    Triaged,
    /// The bot answered and asked whether that solved it.
    SelfService,
    /// It went to the team.
    HandedOff,
    /// Automatic assignment gave it to an agent.
    Assigned,
    /// An agent claimed it.
    Claimed,
    /// Its agent gave it back to the queue (or the SLA did, for a silent agent).
    Released,
    /// An agent handed it to another agent.
    Transferred,
    /// An agent added an internal note.
    Note,
    /// Its priority changed.
    Priority,
    /// Its category changed.
    Category,
    /// It was resolved.
    Resolved,
    /// It was opened again.
    Reopened,
    /// The satisfaction survey went out.
    SurveySent,
    /// The customer answered the CSAT question.
    CsatAnswered,
    /// The customer answered the NPS question.
    NpsAnswered,
    /// The customer commented on the survey.
    SurveyComment,
    /// An SLA clock is close to its target.
    SlaWarning,
    /// An SLA clock passed its target.
    SlaBreached,
    /// A word this build does not know, kept as written. Never holds a known word:
    /// build kinds with [`EventKind::from`] / `parse`, which map known words to their
    /// variant.
    Other(String),
}

impl EventKind {
    /// Every known kind (all but [`EventKind::Other`]).
    pub const KNOWN: [EventKind; 19] = [
        EventKind::Opened,
        EventKind::Triaged,
        EventKind::SelfService,
        EventKind::HandedOff,
        EventKind::Assigned,
        EventKind::Claimed,
        EventKind::Released,
        EventKind::Transferred,
        EventKind::Note,
        EventKind::Priority,
        EventKind::Category,
        EventKind::Resolved,
        EventKind::Reopened,
        EventKind::SurveySent,
        EventKind::CsatAnswered,
        EventKind::NpsAnswered,
        EventKind::SurveyComment,
        EventKind::SlaWarning,
        EventKind::SlaBreached,
    ];

    /// The stored word.
    pub fn as_str(&self) -> &str {
        match self {
            EventKind::Opened => "opened",
            EventKind::Triaged => "triaged",
            EventKind::SelfService => "self_service",
            EventKind::HandedOff => "handed_off",
            EventKind::Assigned => "assigned",
            EventKind::Claimed => "claimed",
            EventKind::Released => "released",
            EventKind::Transferred => "transferred",
            EventKind::Note => "note",
            EventKind::Priority => "priority",
            EventKind::Category => "category",
            EventKind::Resolved => "resolved",
            EventKind::Reopened => "reopened",
            EventKind::SurveySent => "survey_sent",
            EventKind::CsatAnswered => "csat_answered",
            EventKind::NpsAnswered => "nps_answered",
            EventKind::SurveyComment => "survey_comment",
            EventKind::SlaWarning => "sla_warning",
            EventKind::SlaBreached => "sla_breached",
            EventKind::Other(s) => s,
        }
    }

    /// The kind of a stored word: a known variant, else [`EventKind::Other`] (exact,
    /// case-sensitive: stored words are written by code, not people).
    pub fn parse(word: &str) -> EventKind {
        EventKind::KNOWN
            .into_iter()
            .find(|k| k.as_str() == word)
            .unwrap_or_else(|| EventKind::Other(word.to_string()))
    }
}

impl fmt::Display for EventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<&str> for EventKind {
    fn from(word: &str) -> EventKind {
        EventKind::parse(word)
    }
}

impl From<String> for EventKind {
    fn from(word: String) -> EventKind {
        EventKind::parse(&word)
    }
}

impl std::str::FromStr for EventKind {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(EventKind::parse(s))
    }
}

impl AsRef<str> for EventKind {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

/// `event.kind == "claimed"`: compares the stored word.
impl PartialEq<str> for EventKind {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for EventKind {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl Serialize for EventKind {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for EventKind {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<EventKind, D::Error> {
        struct Word;
        impl serde::de::Visitor<'_> for Word {
            type Value = EventKind;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an event kind (a word)")
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<EventKind, E> {
                Ok(EventKind::parse(s))
            }
        }
        d.deserialize_str(Word)
    }
}

/// A ticket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ticket {
    /// Its number.
    pub id: TicketId,
    /// The customer it belongs to.
    pub customer: PartyId,
    /// The customer's name when the ticket was opened (for cards and listings).
    pub customer_name: String,
    /// The conversation it lives in on the customer's side.
    pub chat: ChatId,
    /// Where it is in its life.
    pub status: TicketStatus,
    /// Its category.
    pub category: Category,
    /// Its priority.
    pub priority: Priority,
    /// Tags from triage and agents.
    pub tags: Vec<String>,
    /// The triage rules that fired on the opening message.
    pub rules: Vec<String>,
    /// The locale the customer is answered in.
    pub locale: String,
    /// The agent who has it (status `Claimed`).
    pub assignee: Option<Agent>,
    /// When it was opened.
    pub opened_at: Timestamp,
    /// When it last changed.
    pub updated_at: Timestamp,
    /// When it was handed to humans.
    pub handed_off_at: Option<Timestamp>,
    /// When an agent first wrote to the customer.
    pub first_response_at: Option<Timestamp>,
    /// When it was resolved (the last time).
    pub resolved_at: Option<Timestamp>,
    /// How it was resolved.
    pub resolution: Option<Resolution>,
    /// The older ticket this one follows up (opened after that one's reopen window).
    pub previous: Option<TicketId>,
    /// How many times it was reopened.
    pub reopened: u32,
    /// How many messages it has (customer, agent, bot and notes).
    pub messages: u32,
    /// The audit trail.
    pub events: Vec<TicketEvent>,
    /// Times of the customer's recent messages on this ticket (the flood limit's window;
    /// kept on the ticket, which every message rewrites anyway, not on the customer).
    #[serde(default)]
    pub recent: Vec<Timestamp>,
    /// When the customer was last told they are sending too fast (to tell them once).
    #[serde(default)]
    pub throttled_at: Option<Timestamp>,
    /// Customer messages with negative sentiment (the triage signal), for the churn-risk
    /// score in reports.
    #[serde(default)]
    pub negative: u32,
    /// The satisfaction survey, once sent (one per ticket).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub survey: Option<Survey>,
    /// The service-level clocks, from the handoff on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sla: Option<Sla>,
    /// Bumped on every change; the store refuses a write based on an older version.
    pub version: u64,
}

/// A ticket's satisfaction survey: CSAT 1-5, optionally NPS 0-10, and a comment. Kept on
/// the ticket (one per ticket), not in its conversation.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Survey {
    /// When the first question went out.
    pub sent_at: Timestamp,
    /// The CSAT answer, 1 (very unhappy) to 5 (very happy).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub csat: Option<u8>,
    /// The NPS answer, 0 to 10, when NPS is asked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nps: Option<u8>,
    /// The customer's comment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// When the CSAT question was answered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answered_at: Option<Timestamp>,
    /// Whether the one reminder went out.
    #[serde(default)]
    pub reminded: bool,
    /// The customer was invited to comment: their next message is the comment.
    #[serde(default)]
    pub awaiting_comment: bool,
}

/// A ticket's service-level clocks, in business time. The targets are the ones in force
/// when the clocks started: a change of config applies to tickets opened after it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sla {
    /// Business time to the first agent message.
    pub first_response_target: crate::Millis,
    /// Business time to resolution (paused while waiting on the customer).
    pub resolution_target: crate::Millis,
    /// When the clocks started (the handoff).
    pub started_at: Timestamp,
    /// Resolution-clock business time counted before `running_since`.
    pub spent: crate::Millis,
    /// Since when the resolution clock runs; `None` while it waits on the customer.
    pub running_since: Option<Timestamp>,
    /// Clocks warned about (`first_response`, `resolution`).
    #[serde(default)]
    pub warned: Vec<String>,
    /// Clocks breached.
    #[serde(default)]
    pub breached: Vec<String>,
    /// When an agent last wrote to the customer.
    #[serde(default)]
    pub last_agent_at: Option<Timestamp>,
    /// Bumped whenever the next check is rescheduled: older check jobs do nothing.
    #[serde(default)]
    pub generation: u32,
    /// The first-response clock is over without a first response (closed without a word):
    /// a reopen does not bring it back.
    #[serde(default)]
    pub first_response_settled: bool,
}

/// Who wrote a message of a ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "role", content = "name")]
pub enum Author {
    /// The customer (their name).
    Customer(String),
    /// An agent (their name).
    Agent(String),
    /// The bot.
    Bot,
}

/// One message of a ticket's conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    /// Position in the ticket, from 1.
    pub seq: u32,
    /// When it was received or sent.
    pub at: Timestamp,
    /// Who wrote it.
    pub author: Author,
    /// The text.
    pub text: String,
    /// An internal note: never shown to the customer.
    #[serde(default)]
    pub internal: bool,
    /// The file sent with it, if any (`text` then describes it: `[photo] caption`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attachment: Option<crate::Attachment>,
}

/// A customer's profile, one per platform identity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Customer {
    /// The platform identity.
    pub id: PartyId,
    /// The name the platform shows.
    pub display_name: String,
    /// The handle, when the platform has one.
    pub username: Option<String>,
    /// The language the platform reports, or the last one guessed from their text.
    pub language: Option<String>,
    /// The first message.
    pub first_seen: Timestamp,
    /// The tier (from config or `customers import`).
    pub tier: Option<Tier>,
    /// Blocked customers' messages open nothing, join nothing and get no answer (each is
    /// logged).
    pub blocked: bool,
    /// Their tickets, newest last (the last few, for agents' cards).
    pub tickets: Vec<TicketId>,
    /// Further facts imported with `switchboard customers import` (average order value,
    /// purchase frequency, retention, …), by column name, for reports.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub attributes: std::collections::BTreeMap<String, String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::de::IntoDeserializer;
    use serde::de::value::{Error as ValueError, StrDeserializer};

    /// The words stored before the kind was an enum, each with its variant.
    const WORDS: [(&str, EventKind); 19] = [
        ("opened", EventKind::Opened),
        ("triaged", EventKind::Triaged),
        ("self_service", EventKind::SelfService),
        ("handed_off", EventKind::HandedOff),
        ("assigned", EventKind::Assigned),
        ("claimed", EventKind::Claimed),
        ("released", EventKind::Released),
        ("transferred", EventKind::Transferred),
        ("note", EventKind::Note),
        ("priority", EventKind::Priority),
        ("category", EventKind::Category),
        ("resolved", EventKind::Resolved),
        ("reopened", EventKind::Reopened),
        ("survey_sent", EventKind::SurveySent),
        ("csat_answered", EventKind::CsatAnswered),
        ("nps_answered", EventKind::NpsAnswered),
        ("survey_comment", EventKind::SurveyComment),
        ("sla_warning", EventKind::SlaWarning),
        ("sla_breached", EventKind::SlaBreached),
    ];

    /// What a kind serializes as: it must be a bare string (the store's JSON then holds
    /// exactly the old word).
    fn written(kind: &EventKind) -> String {
        kind.serialize(WordOnly)
            .unwrap_or_else(|e| panic!("{kind:?}: {e}"))
    }

    fn read(word: &str) -> EventKind {
        let d: StrDeserializer<'_, ValueError> = word.into_deserializer();
        EventKind::deserialize(d).unwrap()
    }

    #[test]
    fn every_known_kind_round_trips_with_its_old_word() {
        assert_eq!(WORDS.len(), EventKind::KNOWN.len());
        for (word, kind) in WORDS {
            assert!(EventKind::KNOWN.contains(&kind), "{word}");
            assert_eq!(kind.as_str(), word);
            assert_eq!(kind.to_string(), word);
            assert_eq!(EventKind::from(word), kind);
            assert!(kind == word && kind == *word, "{word}");
            assert_eq!(written(&kind), word);
            assert_eq!(read(word), kind);
        }
    }

    #[test]
    fn an_unknown_kind_is_kept_as_written() {
        let kind = read("escalated_to_mars");
        assert_eq!(kind, EventKind::Other("escalated_to_mars".into()));
        assert_eq!(kind, "escalated_to_mars");
        assert_eq!(written(&kind), "escalated_to_mars");
        // A known word never becomes `Other`; words are exact.
        assert_eq!(EventKind::from("claimed".to_string()), EventKind::Claimed);
        assert_eq!(read("Claimed"), EventKind::Other("Claimed".into()));
    }

    /// A serializer that accepts a string only (serde has none built in, and the domain
    /// depends on no format crate).
    struct WordOnly;

    macro_rules! refuse {
        ($($name:ident($($t:ty),*) -> $ok:ty;)*) => {$(
            fn $name(self $(, _: $t)*) -> Result<$ok, ValueError> {
                Err(serde::ser::Error::custom(concat!("not a word: ", stringify!($name))))
            }
        )*};
    }

    impl serde::Serializer for WordOnly {
        type Ok = String;
        type Error = ValueError;
        type SerializeSeq = serde::ser::Impossible<String, ValueError>;
        type SerializeTuple = serde::ser::Impossible<String, ValueError>;
        type SerializeTupleStruct = serde::ser::Impossible<String, ValueError>;
        type SerializeTupleVariant = serde::ser::Impossible<String, ValueError>;
        type SerializeMap = serde::ser::Impossible<String, ValueError>;
        type SerializeStruct = serde::ser::Impossible<String, ValueError>;
        type SerializeStructVariant = serde::ser::Impossible<String, ValueError>;

        fn serialize_str(self, v: &str) -> Result<String, ValueError> {
            Ok(v.to_string())
        }

        refuse! {
            serialize_bool(bool) -> String;
            serialize_i8(i8) -> String;
            serialize_i16(i16) -> String;
            serialize_i32(i32) -> String;
            serialize_i64(i64) -> String;
            serialize_u8(u8) -> String;
            serialize_u16(u16) -> String;
            serialize_u32(u32) -> String;
            serialize_u64(u64) -> String;
            serialize_f32(f32) -> String;
            serialize_f64(f64) -> String;
            serialize_char(char) -> String;
            serialize_bytes(&[u8]) -> String;
            serialize_none() -> String;
            serialize_unit() -> String;
            serialize_unit_struct(&'static str) -> String;
            serialize_unit_variant(&'static str, u32, &'static str) -> String;
            serialize_seq(Option<usize>) -> Self::SerializeSeq;
            serialize_tuple(usize) -> Self::SerializeTuple;
            serialize_tuple_struct(&'static str, usize) -> Self::SerializeTupleStruct;
            serialize_tuple_variant(&'static str, u32, &'static str, usize) -> Self::SerializeTupleVariant;
            serialize_map(Option<usize>) -> Self::SerializeMap;
            serialize_struct(&'static str, usize) -> Self::SerializeStruct;
            serialize_struct_variant(&'static str, u32, &'static str, usize) -> Self::SerializeStructVariant;
        }

        fn serialize_some<T: ?Sized + Serialize>(self, _: &T) -> Result<String, ValueError> {
            Err(serde::ser::Error::custom("not a word: some"))
        }

        fn serialize_newtype_struct<T: ?Sized + Serialize>(
            self,
            _: &'static str,
            _: &T,
        ) -> Result<String, ValueError> {
            Err(serde::ser::Error::custom("not a word: newtype struct"))
        }

        fn serialize_newtype_variant<T: ?Sized + Serialize>(
            self,
            _: &'static str,
            _: u32,
            _: &'static str,
            _: &T,
        ) -> Result<String, ValueError> {
            Err(serde::ser::Error::custom("not a word: newtype variant"))
        }
    }
}
