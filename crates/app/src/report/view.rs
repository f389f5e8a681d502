//! The view of a ticket: the parts of a stored ticket a report reads, and how they decode.
//!
//! Parts: [`TicketView`] (decoded straight from the store, or converted from a whole
//! [`Ticket`]), with [`EventView`] (its kind is the domain's [`EventKind`]), [`SurveyView`]
//! and [`SlaView`]. Everything else in the report tree reads tickets
//! through these types, so this file imports nothing from its siblings.

use serde::Deserialize;
use switchboard_domain::{
    Agent, Category, EventKind, PartyId, Priority, Resolution, Ticket, TicketId, TicketStatus,
    Timestamp,
};

/// The parts of a ticket a report reads. Decoding only these (event details, the chat,
/// tags and the rest are skipped without being allocated) is most of what lets a report
/// scan a million tickets in seconds.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct TicketView {
    /// Its number.
    pub id: TicketId,
    /// The customer.
    pub customer: PartyId,
    /// The customer's name when it was opened.
    pub customer_name: String,
    /// Its status now.
    pub status: TicketStatus,
    /// Its category now.
    pub category: Category,
    /// Its priority now.
    pub priority: Priority,
    /// The rules that fired on the opening message.
    pub rules: Vec<String>,
    /// The agent who has it.
    pub assignee: Option<Agent>,
    /// Opened.
    pub opened_at: Timestamp,
    /// Handed to people.
    pub handed_off_at: Option<Timestamp>,
    /// First agent message.
    pub first_response_at: Option<Timestamp>,
    /// Last resolution.
    pub resolved_at: Option<Timestamp>,
    /// How it was resolved.
    pub resolution: Option<Resolution>,
    /// Negative customer messages.
    #[serde(default)]
    pub negative: u32,
    /// Its history, as far as reports need it.
    pub events: Vec<EventView>,
    /// The survey.
    #[serde(default)]
    pub survey: Option<SurveyView>,
    /// The SLA clocks.
    #[serde(default)]
    pub sla: Option<SlaView>,
}

/// What a report reads of an event.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct EventView {
    /// When.
    pub at: Timestamp,
    /// Which kind: the domain's enum, so that the report and the desk read one list of
    /// kinds (decoding a known kind allocates nothing).
    pub kind: EventKind,
    /// The person who did it, if a person did.
    #[serde(default)]
    pub by: Option<String>,
}

/// What a report reads of a survey.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct SurveyView {
    /// Sent.
    pub sent_at: Timestamp,
    /// The CSAT answer.
    #[serde(default)]
    pub csat: Option<u8>,
    /// The NPS answer.
    #[serde(default)]
    pub nps: Option<u8>,
}

/// What a report reads of the SLA clocks.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct SlaView {
    /// The clocks breached.
    #[serde(default)]
    pub breached: Vec<String>,
}

impl From<&Ticket> for TicketView {
    fn from(t: &Ticket) -> TicketView {
        TicketView {
            id: t.id,
            customer: t.customer.clone(),
            customer_name: t.customer_name.clone(),
            status: t.status,
            category: t.category.clone(),
            priority: t.priority,
            rules: t.rules.clone(),
            assignee: t.assignee.clone(),
            opened_at: t.opened_at,
            handed_off_at: t.handed_off_at,
            first_response_at: t.first_response_at,
            resolved_at: t.resolved_at,
            resolution: t.resolution.clone(),
            negative: t.negative,
            events: t
                .events
                .iter()
                .map(|e| EventView {
                    at: e.at,
                    kind: e.kind.clone(),
                    by: e.by.clone(),
                })
                .collect(),
            survey: t.survey.as_ref().map(|s| SurveyView {
                sent_at: s.sent_at,
                csat: s.csat,
                nps: s.nps,
            }),
            sla: t.sla.as_ref().map(|s| SlaView {
                breached: s.breached.clone(),
            }),
        }
    }
}
