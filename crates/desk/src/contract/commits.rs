//! Properties of commits as a whole: version checks on tickets and the roster, a refused
//! commit applying nothing, and reads seeing commits before any flush.

use switchboard_domain::{Ticket, TicketId, TicketStatus, Timestamp, UpdateKey};

use crate::{Store, StoreError, Transition};

use super::samples::*;

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
