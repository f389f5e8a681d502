//! Properties of the outbox: ids in commit order, oldest first with a limit,
//! acknowledgement (removing a missing entry is no error), reading past a cursor and by
//! lane, and dead letters (moved out, listed, retried under a new id).

use switchboard_domain::{Destination, Outbound, TicketId, Timestamp};

use crate::{DeadLetter, Lane, OutboxId, Store, Transition};

use super::samples::*;

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

/// An entry to `to` with `text`.
fn to(to: Destination, text: &str) -> Outbound {
    Outbound {
        to,
        ..outbound(text)
    }
}

fn texts(entries: Vec<(OutboxId, Outbound)>) -> Vec<String> {
    entries.into_iter().map(|(_, o)| o.text).collect()
}

/// `outbox_after` reads past a cursor, oldest first, at most `limit`; acknowledged and
/// dead-lettered entries are gone from it.
pub fn outbox_after_reads_past_a_cursor(store: &dyn Store) {
    let c = commit(
        store,
        Transition {
            outbound: (0..5).map(|i| outbound(&format!("m{i}"))).collect(),
            ..Default::default()
        },
    );
    assert_eq!(texts(store.outbox_after(None, 2).unwrap()), ["m0", "m1"]);
    assert_eq!(
        texts(store.outbox_after(Some(c.outbox[1]), 100).unwrap()),
        ["m2", "m3", "m4"]
    );
    assert!(
        store
            .outbox_after(Some(c.outbox[4]), 100)
            .unwrap()
            .is_empty()
    );
    store.ack_outbox(c.outbox[2]).unwrap();
    assert!(
        store
            .dead_letter(c.outbox[3], "why", 1, Timestamp(5))
            .unwrap()
    );
    assert_eq!(
        texts(store.outbox_after(Some(c.outbox[1]), 100).unwrap()),
        ["m4"]
    );
    assert!(
        store
            .outbox_after(Some(OutboxId(u64::MAX)), 10)
            .unwrap()
            .is_empty()
    );
}

/// `outbox_in` reads one lane between two ids: a chat, a ticket's thread, the staff space
/// outside tickets, the whole staff space, or everything.
pub fn outbox_in_reads_one_lane_between_ids(store: &dyn Store) {
    let (c1, c2) = (chat("c1"), chat("c2"));
    let c = commit(
        store,
        Transition {
            outbound: vec![
                to(Destination::Customer { chat: c1.clone() }, "c1-a"),
                to(
                    Destination::Ticket {
                        ticket: TicketId(7),
                    },
                    "t7-a",
                ),
                to(Destination::Customer { chat: c2.clone() }, "c2-a"),
                to(Destination::StaffSpace, "staff-a"),
                to(Destination::Customer { chat: c1.clone() }, "c1-b"),
                to(
                    Destination::Ticket {
                        ticket: TicketId(8),
                    },
                    "t8-a",
                ),
                to(
                    Destination::Ticket {
                        ticket: TicketId(7),
                    },
                    "t7-b",
                ),
            ],
            ..Default::default()
        },
    );
    let last = *c.outbox.last().unwrap();
    let read = |lane: Lane, after, until, limit| {
        texts(store.outbox_in(&lane, after, until, limit).unwrap())
    };
    assert_eq!(
        read(Lane::Chat(c1.clone()), None, last, 10),
        ["c1-a", "c1-b"]
    );
    assert_eq!(read(Lane::Chat(c2), None, last, 10), ["c2-a"]);
    assert_eq!(
        read(Lane::Ticket(TicketId(7)), None, last, 10),
        ["t7-a", "t7-b"]
    );
    assert_eq!(read(Lane::StaffSpace, None, last, 10), ["staff-a"]);
    assert_eq!(
        read(Lane::Staff, None, last, 10),
        ["t7-a", "staff-a", "t8-a", "t7-b"]
    );
    assert_eq!(read(Lane::All, None, last, 3), ["c1-a", "t7-a", "c2-a"]);
    // Between ids, both ends as documented: above `after`, up to `until` included.
    assert_eq!(
        read(Lane::Staff, Some(c.outbox[1]), c.outbox[5], 10),
        ["staff-a", "t8-a"]
    );
    assert_eq!(
        read(Lane::Chat(c1.clone()), Some(c.outbox[0]), last, 10),
        ["c1-b"]
    );
    assert!(read(Lane::Staff, Some(last), last, 10).is_empty());
    assert!(read(Lane::Staff, Some(c.outbox[3]), c.outbox[1], 10).is_empty());
    assert_eq!(read(Lane::Staff, None, last, 1), ["t7-a"]);
    // Acknowledged entries leave their lane.
    store.ack_outbox(c.outbox[4]).unwrap();
    assert_eq!(read(Lane::Chat(c1), None, last, 10), ["c1-a"]);
}

/// A dead letter leaves the outbox with its reason, attempts and time; a retry brings it
/// back under a new, higher id (in its lane too), once.
pub fn dead_letters_leave_the_outbox_and_come_back_with_a_new_id(store: &dyn Store) {
    let t7 = to(
        Destination::Ticket {
            ticket: TicketId(7),
        },
        "card",
    );
    let c = commit(
        store,
        Transition {
            outbound: vec![outbound("a"), t7.clone()],
            ..Default::default()
        },
    );
    assert!(
        store
            .dead_letter(c.outbox[1], "no channel", 3, Timestamp(42))
            .unwrap()
    );
    // Only once: it is no longer in the outbox.
    assert!(
        !store
            .dead_letter(c.outbox[1], "again", 4, Timestamp(43))
            .unwrap()
    );
    assert!(
        !store
            .dead_letter(OutboxId(u64::MAX), "x", 1, Timestamp(1))
            .unwrap()
    );
    assert_eq!(texts(store.outbox(10).unwrap()), ["a"]);
    let dead = store.dead_letters(10).unwrap();
    assert_eq!(
        dead,
        vec![(
            c.outbox[1],
            DeadLetter {
                outbound: t7.clone(),
                reason: "no channel".into(),
                attempts: 3,
                at: Timestamp(42),
            }
        )]
    );
    assert!(store.dead_letters(0).unwrap().is_empty());
    let later = commit(
        store,
        Transition {
            outbound: vec![outbound("b")],
            ..Default::default()
        },
    );
    let back = store.retry_dead_letter(c.outbox[1]).unwrap().unwrap();
    assert!(
        back > later.outbox[0],
        "a retried entry must get a new, higher id"
    );
    assert!(store.dead_letters(10).unwrap().is_empty());
    assert_eq!(store.retry_dead_letter(c.outbox[1]).unwrap(), None);
    assert_eq!(
        store.outbox_after(Some(later.outbox[0]), 10).unwrap(),
        vec![(back, t7)]
    );
    assert_eq!(
        texts(
            store
                .outbox_in(&Lane::Ticket(TicketId(7)), None, back, 10)
                .unwrap()
        ),
        ["card"]
    );
    // Ids handed out after it are higher still.
    let next = commit(
        store,
        Transition {
            outbound: vec![outbound("c")],
            ..Default::default()
        },
    );
    assert!(next.outbox[0] > back);
}
