//! How far the gateway session has been handled: the sequence number to RESUME from after a
//! restart, such that every dispatch up to it is durable (or was ignored).
//!
//! serenity numbers nothing for us: its shard keeps the sequence number to itself and runs
//! each event's handler on a task of its own. So the adapter counts dispatches (READY is
//! number 1 of a session; a resume at `n` continues from `n`), gives every job taken from
//! the gateway a ticket in the order the jobs are queued, and marks the ticket done once
//! the job is durable. A checkpoint is taken in two steps, one tick apart: the count now,
//! then, a tick later (when every handler task spawned before the count has run and queued
//! its job), the tickets issued so far; once every one of those tickets is done, the count
//! is safe to resume from. The count can only fall behind the true sequence number (an
//! event serenity could not read is not counted): a resume then replays a little more,
//! which the desk drops as already seen. A job that could not be made durable keeps its
//! ticket open, so the checkpoint waits for it and the next start replays it.
//!
//! Pure bookkeeping (no clock, no I/O): the gateway ticks it every second and stores what
//! it returns.

use std::collections::{BTreeSet, VecDeque};

use crate::keys::SavedSession;

/// The bookkeeping of one process's gateway sessions.
#[derive(Debug, Default)]
pub(crate) struct Progress {
    /// The current session (its `seq` unused: see `received`).
    session: Option<SavedSession>,
    /// Dispatches counted in the current session (its sequence number, or less).
    received: u64,
    /// The next ticket to give a job.
    next_ticket: u64,
    /// Tickets of jobs not done yet.
    open: BTreeSet<u64>,
    /// The count taken at the last tick, with its session id.
    count: Option<(String, u64)>,
    /// Counts whose fence is known: (session id, count, tickets issued a tick later).
    fenced: VecDeque<(String, u64, u64)>,
    /// What was last handed out to be stored.
    saved: Option<(String, u64)>,
}

impl Progress {
    /// A new session (READY, sequence number 1): returned to be stored at once.
    pub(crate) fn ready(&mut self, mut s: SavedSession) -> SavedSession {
        self.received = 1;
        self.count = None;
        self.fenced.clear();
        s.seq = 1;
        self.saved = Some((s.id.clone(), 1));
        self.session = Some(s.clone());
        s
    }

    /// A stored session is being resumed from its sequence number.
    pub(crate) fn resuming(&mut self, s: SavedSession) {
        self.received = s.seq;
        self.count = None;
        self.fenced.clear();
        self.saved = Some((s.id.clone(), s.seq));
        self.session = Some(s);
    }

    /// The session is gone (refused or invalidated): nothing to resume until the next READY.
    pub(crate) fn forget(&mut self) {
        self.session = None;
        self.count = None;
        self.fenced.clear();
    }

    /// One more dispatch of the current session.
    pub(crate) fn dispatched(&mut self) {
        if self.session.is_some() {
            self.received += 1;
        }
    }

    /// A ticket for a job taken from the gateway.
    pub(crate) fn ticket(&mut self) -> u64 {
        let t = self.next_ticket;
        self.next_ticket += 1;
        self.open.insert(t);
        t
    }

    /// The job with this ticket is durable (or was ignored).
    pub(crate) fn done(&mut self, ticket: u64) {
        self.open.remove(&ticket);
    }

    /// Every tick: fences the previous tick's count, takes a new one, and returns the
    /// session with the newest count that is now safe, if it is newer than what was stored.
    pub(crate) fn tick(&mut self) -> Option<SavedSession> {
        if let Some((id, c)) = self.count.take() {
            self.fenced.push_back((id, c, self.next_ticket));
        }
        let lowest_open = self.open.first().copied().unwrap_or(self.next_ticket);
        let mut safe = None;
        while let Some(&(_, _, fence)) = self.fenced.front() {
            if fence > lowest_open {
                break;
            }
            safe = self.fenced.pop_front();
        }
        if let Some(s) = &self.session {
            self.count = Some((s.id.clone(), self.received));
        }
        let (id, seq) = safe.map(|(id, c, _)| (id, c))?;
        self.newer(id, seq)
    }

    /// At shutdown, once the shard has stopped and the workers have finished: the count
    /// itself when no job is left open.
    pub(crate) fn settled(&mut self) -> Option<SavedSession> {
        if !self.open.is_empty() {
            return None;
        }
        let id = self.session.as_ref()?.id.clone();
        self.newer(id, self.received)
    }

    fn newer(&mut self, id: String, seq: u64) -> Option<SavedSession> {
        let s = self.session.as_ref().filter(|s| s.id == id)?;
        if self
            .saved
            .as_ref()
            .is_some_and(|(sid, old)| *sid == id && *old >= seq)
        {
            return None;
        }
        self.saved = Some((id, seq));
        Some(SavedSession { seq, ..s.clone() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(id: &str) -> SavedSession {
        SavedSession {
            id: id.into(),
            seq: 0,
            resume_url: "ws://x".into(),
            bot: 1,
            app: 2,
        }
    }

    #[test]
    fn a_count_is_saved_only_once_every_job_queued_before_its_fence_is_done() {
        let mut p = Progress::default();
        assert_eq!(p.ready(session("a")).seq, 1);
        // Two messages arrive and are queued.
        p.dispatched();
        p.dispatched();
        let t1 = p.ticket();
        let t2 = p.ticket();
        assert_eq!(p.tick(), None, "a count (3) is taken, not yet fenced");
        assert_eq!(p.tick(), None, "fenced, but t1 and t2 are open");
        p.done(t2);
        assert_eq!(p.tick(), None, "t1 is still open");
        p.done(t1);
        let saved = p.tick().expect("the count is safe now");
        assert_eq!((saved.id.as_str(), saved.seq), ("a", 3));
        assert_eq!(p.tick(), None, "nothing new: nothing to store");
        // A message whose job stays open holds back every count taken since it was queued.
        p.dispatched();
        let t3 = p.ticket();
        for _ in 0..4 {
            assert_eq!(p.tick(), None);
        }
        p.done(t3);
        assert_eq!(p.tick().map(|s| s.seq), Some(4));
        assert_eq!(p.tick(), None);
    }

    #[test]
    fn a_job_that_failed_holds_the_checkpoint_and_shutdown_saves_only_when_all_is_done() {
        let mut p = Progress::default();
        p.resuming(SavedSession {
            seq: 10,
            ..session("b")
        });
        p.dispatched();
        let t = p.ticket();
        for _ in 0..5 {
            assert_eq!(p.tick(), None);
        }
        assert_eq!(p.settled(), None, "a job is open");
        p.done(t);
        assert_eq!(p.settled().map(|s| s.seq), Some(11));
        assert_eq!(p.settled(), None, "already stored");
    }

    #[test]
    fn a_new_session_drops_the_old_sessions_counts() {
        let mut p = Progress::default();
        p.ready(session("a"));
        for _ in 0..5 {
            p.dispatched();
        }
        p.tick();
        p.ready(session("b"));
        assert_eq!(p.tick(), None);
        assert_eq!(
            p.tick(),
            None,
            "the new session's count (1) was stored at READY"
        );
        p.dispatched();
        p.tick();
        assert_eq!(p.tick().map(|s| (s.id, s.seq)), Some(("b".into(), 2)));
        p.forget();
        p.dispatched();
        assert_eq!(p.tick(), None);
        assert_eq!(p.settled(), None);
    }
}
