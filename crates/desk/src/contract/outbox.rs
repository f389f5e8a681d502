//! Properties of the outbox: ids in commit order, oldest first with a limit, and
//! acknowledgement (removing a missing entry is no error).

use crate::{OutboxId, Store, Transition};

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
