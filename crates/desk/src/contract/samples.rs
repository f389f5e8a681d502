//! Sample records for the contract and other store tests ([`ticket`], [`customer`],
//! [`message`], [`agent`], [`outbound`], [`job`], ids), and the helpers the properties share
//! (`commit`, which panics with the transition on failure, and `ids`).

use switchboard_domain::{
    Agent, Author, Category, ChatId, Customer, Destination, Message, Outbound, PartyId, Platform,
    Priority, Ticket, TicketId, TicketStatus, Timestamp,
};

use crate::{Job, JobKind, Store, Transition};

/// A Telegram party id.
pub fn party(id: &str) -> PartyId {
    PartyId::new(Platform::Telegram, id)
}

/// A Telegram chat id.
pub fn chat(id: &str) -> ChatId {
    ChatId::new(Platform::Telegram, id)
}

/// A ticket of `customer` in `chat`, opened at `id` seconds, with the given status and
/// version.
pub fn ticket(
    id: u64,
    customer: &str,
    chat_id: &str,
    status: TicketStatus,
    version: u64,
) -> Ticket {
    let at = Timestamp(id as i64 * 1000);
    Ticket {
        id: TicketId(id),
        customer: party(customer),
        customer_name: format!("Customer {customer}"),
        chat: chat(chat_id),
        status,
        category: Category::new("general").expect("`general` is an identifier"),
        priority: Priority::Normal,
        tags: vec!["sample".into()],
        rules: vec![],
        locale: "en".into(),
        assignee: None,
        opened_at: at,
        updated_at: at,
        handed_off_at: None,
        first_response_at: None,
        resolved_at: None,
        resolution: None,
        previous: None,
        reopened: 0,
        messages: 0,
        events: vec![],
        version,
        recent: vec![Timestamp(1)],
        throttled_at: None,
        negative: 0,
        survey: None,
        sla: None,
    }
}

/// A customer profile.
pub fn customer(id: &str, name: &str) -> Customer {
    Customer {
        id: party(id),
        display_name: name.into(),
        username: Some(format!("@{name}")),
        language: Some("en".into()),
        first_seen: Timestamp(1),
        tier: None,
        blocked: false,
        tickets: vec![],
        attributes: [("retention".to_string(), "0.8".to_string())].into(),
    }
}

/// A customer's message number `seq`.
pub fn message(seq: u32, text: &str) -> Message {
    Message {
        seq,
        at: Timestamp(i64::from(seq) * 10),
        author: Author::Customer("Ann".into()),
        text: text.into(),
        internal: false,
        attachment: None,
    }
}

/// An agent.
pub fn agent(id: &str, name: &str) -> Agent {
    Agent {
        id: PartyId::new(Platform::Discord, id),
        name: name.into(),
    }
}

/// A message to a customer chat.
pub fn outbound(text: &str) -> Outbound {
    Outbound {
        to: Destination::Customer { chat: chat("c1") },
        text: text.into(),
        buttons: vec![],
        ticket: Some(TicketId(1)),
        attachment: None,
        source: None,
        replaces: None,
    }
}

/// A job falling due at `due` (milliseconds).
pub fn job(due: i64, ticket: u64) -> Job {
    Job {
        due: Timestamp(due),
        kind: JobKind::SelfServiceTimeout {
            ticket: TicketId(ticket),
        },
    }
}

pub(super) fn commit(store: &dyn Store, t: Transition) -> crate::Committed {
    store
        .commit(&t)
        .unwrap_or_else(|e| panic!("commit failed: {e}\n{t:#?}"))
}

pub(super) fn ids(tickets: &[Ticket]) -> Vec<u64> {
    tickets.iter().map(|t| t.id.0).collect()
}
