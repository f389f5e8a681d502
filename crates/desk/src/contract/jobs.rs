//! Properties of timers ([`Job`](crate::Job)s): due order and limit, the next due time,
//! removal when done, and unique, increasing ids.

use switchboard_domain::Timestamp;

use crate::{JobId, JobKind, Store, Transition};

use super::samples::*;

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
