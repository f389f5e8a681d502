//! The contract every [`crate::Store`] must keep, as one suite run against each
//! implementation (teloxide's `tests/sqlite.rs` and ripgrep's `rgtest!` are the models).
//! Enabled by the `contract` feature, for the tests of store implementations.
//!
//! Parts:
//! - one public function per property, each taking a fresh, empty store;
//! - [`store_contract_tests!`](crate::store_contract_tests), which expands to one
//!   `#[test]` per property for a given way of making a store;
//! - [`AsStore`], so that a fixture may carry a guard (a temporary directory) next to the
//!   store: `store_contract_tests!((SledStore::open(..), tempdir))`;
//! - sample records ([`ticket`], [`customer`], [`message`], [`agent`], [`outbound`],
//!   [`job`]) for these and other store tests.
//!
//! [`MemoryStore`](crate::MemoryStore) is the reference: every property here holds for it.
//! The functions panic (this is test code) with a message naming what broke.

use switchboard_domain::{
    Agent, Author, Category, ChatId, Customer, Destination, Message, Outbound, PartyId, Platform,
    Priority, Ticket, TicketId, TicketStatus, Timestamp, UpdateKey,
};

use crate::{Job, JobId, JobKind, OutboxId, Store, StoreError, Transition};

/// Something that holds a store under test: a store itself, or `(store, guard)` where the
/// guard (a temporary directory) must outlive the store (tuple fields drop in order).
pub trait AsStore {
    /// The store.
    fn as_store(&self) -> &dyn Store;
}

impl<S: Store> AsStore for S {
    fn as_store(&self) -> &dyn Store {
        self
    }
}

impl<S: Store, G> AsStore for (S, G) {
    fn as_store(&self) -> &dyn Store {
        &self.0
    }
}

/// Expands to one `#[test]` per property of the store contract. The argument is an
/// expression evaluated afresh for every test, giving a new, empty store (or something
/// that implements [`AsStore`](crate::contract::AsStore), such as `(store, TempDir)`).
///
/// ```text
/// switchboard_desk::store_contract_tests!(switchboard_desk::MemoryStore::new());
/// ```
#[macro_export]
macro_rules! store_contract_tests {
    ($make:expr) => {
        $crate::store_contract_tests!(@each $make;
            empty_store_reads,
            empty_transition_commits,
            customers_round_trip,
            tickets_round_trip,
            messages_come_back_in_order,
            agents_found_by_name_ignoring_case,
            links_round_trip,
            last_ticket_id_only_grows,
            latest_ticket_is_the_newest_for_customer_and_chat,
            tickets_filter_by_status_oldest_first,
            seen_keys_are_remembered,
            ticket_versions_must_follow_the_stored_one,
            conflicting_commit_applies_nothing,
            due_jobs_earliest_first_with_limit,
            jobs_not_due_are_not_returned,
            next_due_is_the_earliest_job,
            done_jobs_are_removed,
            job_ids_are_unique_and_increasing,
            outbox_ids_increase_in_commit_order,
            outbox_lists_oldest_first_with_limit,
            ack_removes_and_missing_ack_is_ok,
            reads_see_unflushed_commits,
            links_written_outside_commits_are_found,
            channel_state_is_set_replaced_and_removed,
            roster_writes_follow_the_stored_version,
        );
    };
    (@each $make:expr; $($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                let fixture = $make;
                $crate::contract::$name($crate::contract::AsStore::as_store(&fixture));
            }
        )*
    };
}

// ---------------------------------------------------------------------------------------
// Sample records.

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

fn commit(store: &dyn Store, t: Transition) -> crate::Committed {
    store
        .commit(&t)
        .unwrap_or_else(|e| panic!("commit failed: {e}\n{t:#?}"))
}

fn ids(tickets: &[Ticket]) -> Vec<u64> {
    tickets.iter().map(|t| t.id.0).collect()
}

// ---------------------------------------------------------------------------------------
// Properties.

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

/// A ticket write must carry the stored version plus one (1 for a new ticket), else the
/// commit fails with [`StoreError::Conflict`] naming the versions.
pub fn ticket_versions_must_follow_the_stored_one(store: &dyn Store) {
    let write = |t: Ticket| {
        store.commit(&Transition {
            tickets: vec![t],
            ..Default::default()
        })
    };
    // A new ticket must be version 1.
    assert_eq!(
        write(ticket(1, "u1", "c1", TicketStatus::Queued, 2)),
        Err(StoreError::Conflict {
            ticket: TicketId(1),
            stored: 0,
            expected: 1
        })
    );
    assert_eq!(store.ticket(TicketId(1)).unwrap(), None);
    write(ticket(1, "u1", "c1", TicketStatus::Queued, 1)).unwrap();
    // Writing version 1 again means someone else created it first.
    assert_eq!(
        write(ticket(1, "u1", "c1", TicketStatus::Claimed, 1)),
        Err(StoreError::Conflict {
            ticket: TicketId(1),
            stored: 1,
            expected: 0
        })
    );
    write(ticket(1, "u1", "c1", TicketStatus::Claimed, 2)).unwrap();
    // A stale writer (based on version 1) loses.
    assert_eq!(
        write(ticket(1, "u1", "c1", TicketStatus::Resolved, 2)),
        Err(StoreError::Conflict {
            ticket: TicketId(1),
            stored: 2,
            expected: 1
        })
    );
    // Skipping ahead is refused too.
    assert!(matches!(
        write(ticket(1, "u1", "c1", TicketStatus::Resolved, 4)),
        Err(StoreError::Conflict { stored: 2, .. })
    ));
    let stored = store.ticket(TicketId(1)).unwrap().unwrap();
    assert_eq!((stored.version, stored.status), (2, TicketStatus::Claimed));
    write(ticket(1, "u1", "c1", TicketStatus::Resolved, 3)).unwrap();
    assert_eq!(store.ticket(TicketId(1)).unwrap().unwrap().version, 3);
}

/// A transition that fails its version check leaves no trace: not its records, not its
/// outbox entries or jobs, not its seen key, not the ticket writes that were in order.
pub fn conflicting_commit_applies_nothing(store: &dyn Store) {
    let first = commit(
        store,
        Transition {
            tickets: vec![ticket(1, "u1", "c1", TicketStatus::Queued, 1)],
            jobs: vec![job(100, 1)],
            outbound: vec![outbound("before")],
            last_ticket_id: Some(1),
            ..Default::default()
        },
    );
    let jobs_before = store.due_jobs(Timestamp(i64::MAX), 100).unwrap();
    let key = UpdateKey("telegram:update:42".into());
    let bad = Transition {
        seen: Some(key.clone()),
        customers: vec![customer("u9", "zed")],
        // The new ticket 2 is fine; ticket 1 is stale (based on version 0).
        tickets: vec![
            ticket(2, "u9", "c9", TicketStatus::Queued, 1),
            ticket(1, "u1", "c1", TicketStatus::Resolved, 1),
        ],
        messages: vec![(TicketId(2), message(1, "lost"))],
        last_ticket_id: Some(2),
        agents: vec![agent("a9", "Zed")],
        outbound: vec![outbound("must not go out")],
        jobs: vec![job(50, 2)],
        done_jobs: jobs_before.iter().map(|(id, _)| *id).collect(),
        links: vec![("thread:9".into(), TicketId(2))],
        roster: Some(crate::Roster {
            version: 1,
            ..Default::default()
        }),
    };
    assert!(matches!(
        store.commit(&bad),
        Err(StoreError::Conflict {
            ticket: TicketId(1),
            stored: 1,
            expected: 0
        })
    ));
    assert!(!store.seen(&key).unwrap());
    assert_eq!(store.customer(&party("u9")).unwrap(), None);
    assert_eq!(store.ticket(TicketId(2)).unwrap(), None);
    assert_eq!(
        store.ticket(TicketId(1)).unwrap().unwrap().status,
        TicketStatus::Queued
    );
    assert_eq!(store.messages(TicketId(2)).unwrap(), vec![]);
    assert_eq!(store.last_ticket_id().unwrap(), 1);
    assert_eq!(store.agent("zed").unwrap(), None);
    assert_eq!(store.linked_ticket("thread:9").unwrap(), None);
    assert_eq!(store.roster().unwrap().version, 0);
    assert_eq!(
        store.latest_ticket(&party("u9"), &chat("c9")).unwrap(),
        None
    );
    assert_eq!(ids(&store.tickets(None).unwrap()), vec![1]);
    assert_eq!(
        store.due_jobs(Timestamp(i64::MAX), 100).unwrap(),
        jobs_before
    );
    assert_eq!(store.next_due().unwrap(), Some(Timestamp(100)));
    let outbox = store.outbox(100).unwrap();
    assert_eq!(outbox.len(), 1);
    assert_eq!(outbox[0].0, first.outbox[0]);
    // The store is still usable, and ids keep increasing past the failed commit.
    let next = commit(
        store,
        Transition {
            outbound: vec![outbound("after")],
            ..Default::default()
        },
    );
    assert!(next.outbox[0] > first.outbox[0]);
}

/// `due_jobs(now, limit)` gives the jobs due at or before `now`, earliest first (ties in
/// commit order), at most `limit`; times before the epoch sort correctly.
pub fn due_jobs_earliest_first_with_limit(store: &dyn Store) {
    commit(
        store,
        Transition {
            jobs: vec![job(300, 3), job(-50, 9), job(100, 1)],
            ..Default::default()
        },
    );
    commit(
        store,
        Transition {
            jobs: vec![
                job(200, 2),
                job(100, 11),
                job(i64::MIN, 7),
                job(i64::MAX, 8),
            ],
            ..Default::default()
        },
    );
    let due: Vec<_> = store
        .due_jobs(Timestamp(250), 100)
        .unwrap()
        .into_iter()
        .map(|(_, j)| j)
        .collect();
    assert_eq!(
        due,
        vec![
            job(i64::MIN, 7),
            job(-50, 9),
            job(100, 1),
            job(100, 11),
            job(200, 2)
        ]
    );
    let two: Vec<_> = store
        .due_jobs(Timestamp(250), 2)
        .unwrap()
        .into_iter()
        .map(|(_, j)| j)
        .collect();
    assert_eq!(two, vec![job(i64::MIN, 7), job(-50, 9)]);
    assert_eq!(store.due_jobs(Timestamp(250), 0).unwrap(), vec![]);
    // "At or before": a job due exactly now is due.
    assert_eq!(store.due_jobs(Timestamp(300), 100).unwrap().len(), 6);
    assert_eq!(store.due_jobs(Timestamp(i64::MAX), 100).unwrap().len(), 7);
}

/// A job whose time has not come is not returned.
pub fn jobs_not_due_are_not_returned(store: &dyn Store) {
    commit(
        store,
        Transition {
            jobs: vec![job(1000, 1)],
            ..Default::default()
        },
    );
    assert_eq!(store.due_jobs(Timestamp(999), 10).unwrap(), vec![]);
    assert_eq!(store.due_jobs(Timestamp(-1), 10).unwrap(), vec![]);
    assert_eq!(store.due_jobs(Timestamp(1000), 10).unwrap().len(), 1);
}

/// `next_due` is the earliest job's time, and follows removals.
pub fn next_due_is_the_earliest_job(store: &dyn Store) {
    commit(
        store,
        Transition {
            jobs: vec![job(500, 1), job(200, 2)],
            ..Default::default()
        },
    );
    assert_eq!(store.next_due().unwrap(), Some(Timestamp(200)));
    commit(
        store,
        Transition {
            jobs: vec![job(-7, 3)],
            ..Default::default()
        },
    );
    assert_eq!(store.next_due().unwrap(), Some(Timestamp(-7)));
    let all = store.due_jobs(Timestamp(i64::MAX), 10).unwrap();
    commit(
        store,
        Transition {
            done_jobs: vec![all[0].0, all[1].0],
            ..Default::default()
        },
    );
    assert_eq!(store.next_due().unwrap(), Some(Timestamp(500)));
}

/// Jobs named in `done_jobs` are gone; others stay; an unknown id is not an error; jobs
/// set in the same transition are kept.
pub fn done_jobs_are_removed(store: &dyn Store) {
    commit(
        store,
        Transition {
            jobs: vec![job(10, 1), job(20, 2), job(30, 3)],
            ..Default::default()
        },
    );
    let all = store.due_jobs(Timestamp(100), 10).unwrap();
    assert_eq!(all.len(), 3);
    commit(
        store,
        Transition {
            done_jobs: vec![all[0].0, all[2].0, JobId(u64::MAX)],
            jobs: vec![job(40, 4)],
            ..Default::default()
        },
    );
    let left: Vec<_> = store
        .due_jobs(Timestamp(100), 10)
        .unwrap()
        .into_iter()
        .map(|(_, j)| j)
        .collect();
    assert_eq!(left, vec![job(20, 2), job(40, 4)]);
    // Done twice is harmless.
    commit(
        store,
        Transition {
            done_jobs: vec![all[0].0],
            ..Default::default()
        },
    );
    assert_eq!(store.due_jobs(Timestamp(100), 10).unwrap().len(), 2);
}

/// Job ids are unique and grow with each commit (and within one, in order).
pub fn job_ids_are_unique_and_increasing(store: &dyn Store) {
    // Same due time, so that due order is commit order and ids can be compared.
    commit(
        store,
        Transition {
            jobs: vec![job(5, 1), job(5, 2)],
            ..Default::default()
        },
    );
    commit(
        store,
        Transition {
            jobs: vec![job(5, 3)],
            outbound: vec![outbound("x")],
            ..Default::default()
        },
    );
    commit(
        store,
        Transition {
            jobs: vec![job(5, 4)],
            ..Default::default()
        },
    );
    let jobs = store.due_jobs(Timestamp(5), 10).unwrap();
    let tickets: Vec<_> = jobs
        .iter()
        .map(|(_, j)| match j.kind {
            JobKind::SelfServiceTimeout { ticket }
            | JobKind::SurveySend { ticket, .. }
            | JobKind::SurveyReminder { ticket }
            | JobKind::SlaCheck { ticket, .. } => ticket.0,
        })
        .collect();
    assert_eq!(tickets, vec![1, 2, 3, 4]);
    assert!(
        jobs.windows(2).all(|w| w[0].0 < w[1].0),
        "job ids not increasing: {jobs:?}"
    );
}

/// Outbox ids are assigned in commit order; `Committed::outbox` names them in the order of
/// the transition's messages, and matches what `outbox` lists.
pub fn outbox_ids_increase_in_commit_order(store: &dyn Store) {
    let a = commit(
        store,
        Transition {
            outbound: vec![outbound("a1"), outbound("a2")],
            ..Default::default()
        },
    );
    let none = commit(
        store,
        Transition {
            customers: vec![customer("u1", "ann")],
            ..Default::default()
        },
    );
    let b = commit(
        store,
        Transition {
            outbound: vec![outbound("b1")],
            jobs: vec![job(1, 1)],
            ..Default::default()
        },
    );
    let c = commit(
        store,
        Transition {
            outbound: vec![outbound("c1")],
            ..Default::default()
        },
    );
    assert_eq!(a.outbox.len(), 2);
    assert_eq!(none.outbox, vec![]);
    assert_eq!((b.outbox.len(), c.outbox.len()), (1, 1));
    let all: Vec<OutboxId> = [&a.outbox[..], &b.outbox[..], &c.outbox[..]].concat();
    assert!(
        all.windows(2).all(|w| w[0] < w[1]),
        "outbox ids not increasing: {all:?}"
    );
    let listed = store.outbox(100).unwrap();
    assert_eq!(
        listed,
        vec![
            (all[0], outbound("a1")),
            (all[1], outbound("a2")),
            (all[2], outbound("b1")),
            (all[3], outbound("c1")),
        ]
    );
}

/// `outbox(limit)` gives the oldest entries first, at most `limit`.
pub fn outbox_lists_oldest_first_with_limit(store: &dyn Store) {
    for i in 0..5 {
        commit(
            store,
            Transition {
                outbound: vec![outbound(&format!("m{i}"))],
                ..Default::default()
            },
        );
    }
    let texts = |n| -> Vec<String> {
        store
            .outbox(n)
            .unwrap()
            .into_iter()
            .map(|(_, o)| o.text)
            .collect()
    };
    assert_eq!(texts(2), vec!["m0", "m1"]);
    assert_eq!(texts(100), vec!["m0", "m1", "m2", "m3", "m4"]);
    assert_eq!(texts(0), Vec::<String>::new());
}

/// Acknowledging removes exactly that entry; acknowledging a missing id is fine.
pub fn ack_removes_and_missing_ack_is_ok(store: &dyn Store) {
    let c = commit(
        store,
        Transition {
            outbound: vec![outbound("a"), outbound("b"), outbound("c")],
            ..Default::default()
        },
    );
    store.ack_outbox(c.outbox[1]).unwrap();
    assert_eq!(
        store.outbox(10).unwrap(),
        vec![(c.outbox[0], outbound("a")), (c.outbox[2], outbound("c"))]
    );
    store.ack_outbox(c.outbox[1]).unwrap();
    store.ack_outbox(OutboxId(u64::MAX)).unwrap();
    store.ack_outbox(c.outbox[0]).unwrap();
    store.ack_outbox(c.outbox[2]).unwrap();
    assert_eq!(store.outbox(10).unwrap(), vec![]);
    // Ids are not reused after the outbox empties.
    let d = commit(
        store,
        Transition {
            outbound: vec![outbound("d")],
            ..Default::default()
        },
    );
    assert!(d.outbox[0] > c.outbox[2]);
}

/// Reads see every commit that returned, before any flush; flushing changes nothing seen.
pub fn reads_see_unflushed_commits(store: &dyn Store) {
    let key = UpdateKey("console:1".into());
    let c = commit(
        store,
        Transition {
            seen: Some(key.clone()),
            tickets: vec![ticket(1, "u1", "c1", TicketStatus::Queued, 1)],
            messages: vec![(TicketId(1), message(1, "hi"))],
            last_ticket_id: Some(1),
            outbound: vec![outbound("ack")],
            ..Default::default()
        },
    );
    let check = || {
        assert!(store.seen(&key).unwrap());
        assert_eq!(store.ticket(TicketId(1)).unwrap().unwrap().version, 1);
        assert_eq!(store.messages(TicketId(1)).unwrap().len(), 1);
        assert_eq!(store.last_ticket_id().unwrap(), 1);
        assert_eq!(
            store.outbox(10).unwrap(),
            vec![(c.outbox[0], outbound("ack"))]
        );
    };
    check();
    store.flush().unwrap();
    check();
}

/// References a channel records while delivering are found like a transition's.
pub fn links_written_outside_commits_are_found(store: &dyn Store) {
    store
        .link(&[
            ("telegram:topic:-100:7".into(), TicketId(3)),
            ("telegram:msg:-100:42".into(), TicketId(3)),
        ])
        .unwrap();
    assert_eq!(
        store.linked_ticket("telegram:topic:-100:7").unwrap(),
        Some(TicketId(3))
    );
    assert_eq!(
        store.linked_ticket("telegram:msg:-100:42").unwrap(),
        Some(TicketId(3))
    );
    store
        .link(&[("telegram:topic:-100:7".into(), TicketId(4))])
        .unwrap();
    assert_eq!(
        store.linked_ticket("telegram:topic:-100:7").unwrap(),
        Some(TicketId(4))
    );
    assert_eq!(store.linked_ticket("telegram:topic:-100:8").unwrap(), None);
}

/// A channel's state is kept by key, replaced, and removed.
pub fn channel_state_is_set_replaced_and_removed(store: &dyn Store) {
    assert_eq!(store.channel_state("telegram:topic:5").unwrap(), None);
    store
        .set_channel_state("telegram:topic:5", Some("17|T-5 · billing · high"))
        .unwrap();
    store
        .set_channel_state("telegram:topic:6", Some("18|T-6"))
        .unwrap();
    assert_eq!(
        store.channel_state("telegram:topic:5").unwrap().as_deref(),
        Some("17|T-5 · billing · high")
    );
    store
        .set_channel_state("telegram:topic:5", Some("19|T-5 · billing · urgent"))
        .unwrap();
    assert_eq!(
        store.channel_state("telegram:topic:5").unwrap().as_deref(),
        Some("19|T-5 · billing · urgent")
    );
    store.set_channel_state("telegram:topic:5", None).unwrap();
    assert_eq!(store.channel_state("telegram:topic:5").unwrap(), None);
    assert_eq!(
        store.channel_state("telegram:topic:6").unwrap().as_deref(),
        Some("18|T-6")
    );
}

/// The roster is versioned like a ticket: a write based on an old version changes nothing.
pub fn roster_writes_follow_the_stored_version(store: &dyn Store) {
    assert_eq!(store.roster().unwrap(), crate::Roster::default());
    let mut r = crate::Roster {
        version: 1,
        ..Default::default()
    };
    r.away.insert("telegram:7".into());
    r.assigned.insert("telegram:8".into(), 3);
    commit(
        store,
        Transition {
            roster: Some(r.clone()),
            ..Default::default()
        },
    );
    assert_eq!(store.roster().unwrap(), r);
    // A second writer that read version 0 is refused, and nothing of its commit applies.
    let stale = Transition {
        roster: Some(crate::Roster {
            version: 1,
            ..Default::default()
        }),
        tickets: vec![ticket(9, "u", "c", TicketStatus::Queued, 1)],
        ..Default::default()
    };
    assert!(matches!(
        store.commit(&stale),
        Err(StoreError::RosterConflict {
            stored: 1,
            expected: 0
        })
    ));
    assert_eq!(store.ticket(TicketId(9)).unwrap(), None);
    assert_eq!(store.roster().unwrap(), r);
}

#[cfg(test)]
mod memory {
    crate::store_contract_tests!(crate::MemoryStore::new());
}
