//! Properties of the records a commit writes and the reads that find them: customers,
//! tickets (by id and by status), messages, agents, links, the ticket counter, the newest
//! ticket of a (customer, chat) pair and the seen update keys.

use switchboard_domain::{Author, PartyId, Platform, TicketId, TicketStatus, Timestamp, UpdateKey};

use crate::{Store, Transition};

use super::samples::*;

/// A new store holds nothing.
pub fn empty_store_reads(store: &dyn Store) {
    assert_eq!(store.last_ticket_id().unwrap(), 0);
    assert_eq!(store.tickets(None).unwrap(), vec![]);
    for s in TicketStatus::ALL {
        assert_eq!(store.tickets(Some(s)).unwrap(), vec![]);
    }
    assert_eq!(store.ticket(TicketId(1)).unwrap(), None);
    assert_eq!(store.messages(TicketId(1)).unwrap(), vec![]);
    assert_eq!(store.customer(&party("u1")).unwrap(), None);
    assert_eq!(store.agent("alice").unwrap(), None);
    assert_eq!(store.linked_ticket("thread:1").unwrap(), None);
    assert_eq!(
        store.latest_ticket(&party("u1"), &chat("c1")).unwrap(),
        None
    );
    assert!(!store.seen(&UpdateKey("telegram:update:1".into())).unwrap());
    assert_eq!(store.due_jobs(Timestamp(i64::MAX), 10).unwrap(), vec![]);
    assert_eq!(store.next_due().unwrap(), None);
    assert_eq!(store.outbox(10).unwrap(), vec![]);
    store.flush().unwrap();
}

/// Committing an empty transition succeeds and assigns nothing.
pub fn empty_transition_commits(store: &dyn Store) {
    let c = commit(store, Transition::default());
    assert_eq!(c.outbox, vec![]);
    assert_eq!(store.last_ticket_id().unwrap(), 0);
    assert_eq!(store.outbox(10).unwrap(), vec![]);
}

/// Customers read back as written; a later write replaces the profile.
pub fn customers_round_trip(store: &dyn Store) {
    let ann = customer("u1", "ann");
    let mut bob = customer("u2", "bob");
    bob.username = None;
    bob.tier = Some("vip".parse().unwrap());
    bob.tickets = vec![TicketId(3), TicketId(7)];
    commit(
        store,
        Transition {
            customers: vec![ann.clone(), bob.clone()],
            ..Default::default()
        },
    );
    assert_eq!(store.customer(&ann.id).unwrap(), Some(ann.clone()));
    assert_eq!(store.customer(&bob.id).unwrap(), Some(bob.clone()));
    // Same id on another platform is another person.
    assert_eq!(
        store
            .customer(&PartyId::new(Platform::Discord, "u1"))
            .unwrap(),
        None
    );
    let mut ann2 = ann.clone();
    ann2.blocked = true;
    commit(
        store,
        Transition {
            customers: vec![ann2.clone()],
            ..Default::default()
        },
    );
    assert_eq!(store.customer(&ann.id).unwrap(), Some(ann2));
    assert_eq!(store.customer(&bob.id).unwrap(), Some(bob));
}

/// Tickets read back exactly as written, including optional and nested fields.
pub fn tickets_round_trip(store: &dyn Store) {
    let plain = ticket(1, "u1", "c1", TicketStatus::Queued, 1);
    let mut full = ticket(2, "u2", "c2", TicketStatus::Resolved, 1);
    full.assignee = Some(agent("a1", "Alice"));
    full.resolution = Some(switchboard_domain::Resolution::Agent {
        name: "Alice".into(),
    });
    full.resolved_at = Some(Timestamp(5));
    full.previous = Some(TicketId(1));
    full.events = vec![switchboard_domain::TicketEvent {
        at: Timestamp(2),
        kind: "opened".into(),
        by: None,
        detail: String::new(),
    }];
    commit(
        store,
        Transition {
            tickets: vec![plain.clone(), full.clone()],
            last_ticket_id: Some(2),
            ..Default::default()
        },
    );
    assert_eq!(store.ticket(TicketId(1)).unwrap(), Some(plain));
    assert_eq!(store.ticket(TicketId(2)).unwrap(), Some(full));
    assert_eq!(store.ticket(TicketId(3)).unwrap(), None);
}

/// Messages come back in the order they were appended, across commits, per ticket.
pub fn messages_come_back_in_order(store: &dyn Store) {
    commit(
        store,
        Transition {
            messages: vec![
                (TicketId(1), message(1, "one")),
                (TicketId(2), message(1, "other ticket")),
                (TicketId(1), message(2, "two")),
            ],
            ..Default::default()
        },
    );
    let mut note = message(3, "a note");
    note.internal = true;
    note.author = Author::Agent("Alice".into());
    let mut bot = message(4, "bot");
    bot.author = Author::Bot;
    commit(
        store,
        Transition {
            messages: vec![(TicketId(1), note.clone()), (TicketId(1), bot.clone())],
            ..Default::default()
        },
    );
    assert_eq!(
        store.messages(TicketId(1)).unwrap(),
        vec![message(1, "one"), message(2, "two"), note, bot]
    );
    assert_eq!(
        store.messages(TicketId(2)).unwrap(),
        vec![message(1, "other ticket")]
    );
    assert_eq!(store.messages(TicketId(3)).unwrap(), vec![]);
}

/// Agents are found by name ignoring case; a later agent of the same name replaces.
pub fn agents_found_by_name_ignoring_case(store: &dyn Store) {
    let alice = agent("a1", "Alice");
    commit(
        store,
        Transition {
            agents: vec![alice.clone(), agent("a2", "Bob")],
            ..Default::default()
        },
    );
    for name in ["Alice", "alice", "ALICE"] {
        assert_eq!(store.agent(name).unwrap(), Some(alice.clone()), "{name}");
    }
    assert_eq!(store.agent("bob").unwrap(), Some(agent("a2", "Bob")));
    assert_eq!(store.agent("carol").unwrap(), None);
    let alice2 = agent("a3", "ALICE");
    commit(
        store,
        Transition {
            agents: vec![alice2.clone()],
            ..Default::default()
        },
    );
    assert_eq!(store.agent("alice").unwrap(), Some(alice2));
}

/// Platform references lead to their ticket; a later link of the same reference replaces.
pub fn links_round_trip(store: &dyn Store) {
    commit(
        store,
        Transition {
            links: vec![
                ("discord:thread:9".into(), TicketId(1)),
                ("telegram:msg:77".into(), TicketId(2)),
            ],
            ..Default::default()
        },
    );
    assert_eq!(
        store.linked_ticket("discord:thread:9").unwrap(),
        Some(TicketId(1))
    );
    assert_eq!(
        store.linked_ticket("telegram:msg:77").unwrap(),
        Some(TicketId(2))
    );
    assert_eq!(store.linked_ticket("telegram:msg:7").unwrap(), None);
    commit(
        store,
        Transition {
            links: vec![("discord:thread:9".into(), TicketId(5))],
            ..Default::default()
        },
    );
    assert_eq!(
        store.linked_ticket("discord:thread:9").unwrap(),
        Some(TicketId(5))
    );
}

/// `last_ticket_id` is the highest ever committed: it never goes down.
pub fn last_ticket_id_only_grows(store: &dyn Store) {
    let set = |n| {
        commit(
            store,
            Transition {
                last_ticket_id: Some(n),
                ..Default::default()
            },
        )
    };
    set(3);
    assert_eq!(store.last_ticket_id().unwrap(), 3);
    set(10);
    assert_eq!(store.last_ticket_id().unwrap(), 10);
    set(4);
    assert_eq!(store.last_ticket_id().unwrap(), 10);
    commit(store, Transition::default());
    assert_eq!(store.last_ticket_id().unwrap(), 10);
}

/// `latest_ticket` is the newest ticket of the customer in that chat, and only that.
pub fn latest_ticket_is_the_newest_for_customer_and_chat(store: &dyn Store) {
    commit(
        store,
        Transition {
            tickets: vec![
                ticket(1, "u1", "c1", TicketStatus::Resolved, 1),
                ticket(2, "u1", "c2", TicketStatus::Queued, 1),
                ticket(3, "u2", "c1", TicketStatus::Queued, 1),
            ],
            ..Default::default()
        },
    );
    let latest = |u, c| store.latest_ticket(&party(u), &chat(c)).unwrap();
    assert_eq!(latest("u1", "c1"), Some(TicketId(1)));
    assert_eq!(latest("u1", "c2"), Some(TicketId(2)));
    assert_eq!(latest("u2", "c1"), Some(TicketId(3)));
    assert_eq!(latest("u2", "c2"), None);
    commit(
        store,
        Transition {
            tickets: vec![ticket(4, "u1", "c1", TicketStatus::Queued, 1)],
            ..Default::default()
        },
    );
    assert_eq!(latest("u1", "c1"), Some(TicketId(4)));
    // Updating the older ticket does not make it the latest again.
    commit(
        store,
        Transition {
            tickets: vec![ticket(1, "u1", "c1", TicketStatus::Queued, 2)],
            ..Default::default()
        },
    );
    assert_eq!(latest("u1", "c1"), Some(TicketId(4)));
    assert_eq!(latest("u1", "c2"), Some(TicketId(2)));
}

/// `tickets` lists oldest (lowest number) first, filtered by status, and follows changes
/// of status.
pub fn tickets_filter_by_status_oldest_first(store: &dyn Store) {
    commit(
        store,
        Transition {
            tickets: vec![
                ticket(3, "u1", "c1", TicketStatus::Queued, 1),
                ticket(1, "u2", "c1", TicketStatus::Queued, 1),
                ticket(2, "u3", "c1", TicketStatus::Claimed, 1),
            ],
            ..Default::default()
        },
    );
    commit(
        store,
        Transition {
            tickets: vec![
                ticket(10, "u4", "c1", TicketStatus::SelfService, 1),
                ticket(4, "u5", "c1", TicketStatus::Queued, 1),
            ],
            ..Default::default()
        },
    );
    assert_eq!(ids(&store.tickets(None).unwrap()), vec![1, 2, 3, 4, 10]);
    assert_eq!(
        ids(&store.tickets(Some(TicketStatus::Queued)).unwrap()),
        vec![1, 3, 4]
    );
    assert_eq!(
        ids(&store.tickets(Some(TicketStatus::Claimed)).unwrap()),
        vec![2]
    );
    assert_eq!(
        ids(&store.tickets(Some(TicketStatus::Resolved)).unwrap()),
        Vec::<u64>::new()
    );
    // A status change moves the ticket between lists, and the listing has the new record.
    let claimed = ticket(3, "u1", "c1", TicketStatus::Claimed, 2);
    commit(
        store,
        Transition {
            tickets: vec![claimed.clone()],
            ..Default::default()
        },
    );
    assert_eq!(
        ids(&store.tickets(Some(TicketStatus::Queued)).unwrap()),
        vec![1, 4]
    );
    let now_claimed = store.tickets(Some(TicketStatus::Claimed)).unwrap();
    assert_eq!(ids(&now_claimed), vec![2, 3]);
    assert_eq!(now_claimed[1], claimed);
}

/// An update committed as seen is seen from then on; others are not.
pub fn seen_keys_are_remembered(store: &dyn Store) {
    let k1 = UpdateKey("telegram:update:1".into());
    let k2 = UpdateKey("telegram:update:2".into());
    commit(
        store,
        Transition {
            seen: Some(k1.clone()),
            ..Default::default()
        },
    );
    assert!(store.seen(&k1).unwrap());
    assert!(!store.seen(&k2).unwrap());
    assert!(!store.seen(&UpdateKey("discord:update:1".into())).unwrap());
    // Seeing it again is harmless.
    commit(
        store,
        Transition {
            seen: Some(k1.clone()),
            ..Default::default()
        },
    );
    assert!(store.seen(&k1).unwrap());
}
