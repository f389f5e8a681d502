//! What the sled tests and their crash child (`examples/crash_child.rs`) share: the
//! transition that opens ticket `n`, so that the parent checks exactly what the child wrote.

use switchboard_desk::Transition;
use switchboard_desk::contract::{customer, job, message, outbound, ticket};
use switchboard_domain::{TicketId, TicketStatus, UpdateKey};

/// Everything one new ticket brings, as the desk would commit it.
pub fn open_ticket(n: u64) -> Transition {
    Transition {
        seen: Some(UpdateKey(format!("telegram:update:{n}"))),
        customers: vec![customer(&format!("u{n}"), "ann")],
        tickets: vec![ticket(n, &format!("u{n}"), "c1", TicketStatus::Queued, 1)],
        messages: vec![(TicketId(n), message(1, &format!("help {n}")))],
        last_ticket_id: Some(n),
        outbound: vec![outbound(&format!("ticket {n}"))],
        jobs: vec![job(n as i64 * 1000, n)],
        links: vec![(format!("thread:{n}"), TicketId(n))],
        ..Default::default()
    }
}
