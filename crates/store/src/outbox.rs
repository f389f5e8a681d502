//! The outbox beyond commits: acknowledging, reading past a cursor and by lane, and dead
//! letters.
//!
//! Parts:
//! - the lane index (`lane_outboxid`): every outbox entry has a key there, written by the
//!   same commit as the entry (`Database::plan`), so that the dispatcher can refill a chat's
//!   queue by reading that chat's entries only, whatever the rest of the outbox holds.
//!   Lanes are what the store can tell from an entry's destination: a customer's
//!   conversation, or `staff` for every entry to the staff space (tickets' threads and the
//!   space itself, in one lane because a Telegram staff group delivers them all in one
//!   queue); the value names an entry's ticket, so that one ticket's thread (a Discord
//!   thread) is read from the staff lane without decoding the other entries.
//! - acknowledging ([`Database::ack_entry`]): the entry first, then its index key. A crash
//!   between the two leaves an index key with no entry, which reads skip; the reverse order
//!   could leave an entry no lane read finds.
//! - dead letters ([`Database::bury`], [`Database::unbury`]): moved between the outbox and
//!   `outboxid_deadletter` atomically, through the commit journal (module `journal`) under
//!   the commit lock; a retried letter gets a new outbox id from the commits' counter, so
//!   it sorts after everything a dispatcher has read.

use serde::Deserialize;
use switchboard_desk::{DeadLetter, Lane, OutboxId, StoreError};
use switchboard_domain::{Destination, Outbound, Timestamp};

use crate::error::from_sled;
use crate::journal::{self, Write};
use crate::keys::{self, decode, encode};
use crate::{Counters, Database, ID_BLOCK, del, lock, put, tree};

/// Outbox entries with their ids, or why not.
pub(crate) type Entries = Result<Vec<(OutboxId, Outbound)>, StoreError>;
/// A store result.
pub(crate) type Res<T> = Result<T, StoreError>;

/// The part of a stored outbound message that names its lane.
#[derive(Deserialize)]
struct Head {
    to: Destination,
}

impl Database {
    /// Removes a delivered entry and its lane key (see the module docs for the order).
    pub(crate) fn ack_entry(&self, id: OutboxId) -> Result<(), StoreError> {
        let Some(old) = self.outbox.remove(keys::id(id.0)).map_err(from_sled)? else {
            return Ok(());
        };
        let head: Head = decode(keys::OUTBOX, &old)?;
        let (lane, _) = keys::lane(&head.to, id);
        self.lanes.remove(lane).map_err(from_sled)?;
        Ok(())
    }

    /// [`switchboard_desk::Store::outbox_after`].
    pub(crate) fn entries_after(&self, after: Option<OutboxId>, limit: usize) -> Entries {
        let _view = self.read();
        self.outbox_range(after, None, limit)
    }

    /// [`switchboard_desk::Store::outbox_in`].
    pub(crate) fn entries_in(
        &self,
        lane: &Lane,
        after: Option<OutboxId>,
        until: OutboxId,
        limit: usize,
    ) -> Entries {
        let _view = self.read();
        self.lane_range(lane, after, until, limit)
    }

    /// [`switchboard_desk::Store::dead_letters`].
    pub(crate) fn buried(&self, limit: usize) -> Res<Vec<(OutboxId, DeadLetter)>> {
        let _view = self.read();
        self.dead
            .iter()
            .take(limit)
            .map(|kv| {
                let (k, v) = kv.map_err(from_sled)?;
                let id = OutboxId(keys::u64_from(keys::DEAD, &k)?);
                Ok((id, decode(keys::DEAD, &v)?))
            })
            .collect()
    }

    /// Entries with an id above `after` and at most `until` (no bound: `None`), oldest
    /// first, at most `limit`. The caller holds `view`.
    pub(crate) fn outbox_range(
        &self,
        after: Option<OutboxId>,
        until: Option<OutboxId>,
        limit: usize,
    ) -> Result<Vec<(OutboxId, Outbound)>, StoreError> {
        let Some(from) = first_after(after) else {
            return Ok(Vec::new());
        };
        let lo = std::ops::Bound::Included(keys::id(from));
        let hi = match until {
            Some(u) if u.0 < from => return Ok(Vec::new()),
            Some(u) => std::ops::Bound::Included(keys::id(u.0)),
            None => std::ops::Bound::Unbounded,
        };
        self.outbox
            .range((lo, hi))
            .take(limit)
            .map(|kv| {
                let (k, v) = kv.map_err(from_sled)?;
                let id = OutboxId(keys::u64_from(keys::OUTBOX, &k)?);
                Ok((id, decode(keys::OUTBOX, &v)?))
            })
            .collect()
    }

    /// Entries of `lane` with an id above `after` and at most `until`, oldest first, at
    /// most `limit`, through the lane index. The caller holds `view`.
    pub(crate) fn lane_range(
        &self,
        lane: &Lane,
        after: Option<OutboxId>,
        until: OutboxId,
        limit: usize,
    ) -> Result<Vec<(OutboxId, Outbound)>, StoreError> {
        let Some(prefix) = keys::lane_prefix(lane) else {
            return self.outbox_range(after, Some(until), limit);
        };
        let Some(from) = first_after(after) else {
            return Ok(Vec::new());
        };
        if from > until.0 || limit == 0 {
            return Ok(Vec::new());
        }
        let mut lo = prefix.clone();
        lo.extend_from_slice(&keys::id(from));
        let mut hi = prefix;
        hi.extend_from_slice(&keys::id(until.0));
        let mut out = Vec::new();
        for kv in self.lanes.range(lo..=hi) {
            let (k, v) = kv.map_err(from_sled)?;
            if !keys::lane_holds(lane, &v) {
                continue;
            }
            let id = keys::outbox_of_lane_key(&k)?;
            // No entry: a crash came between the two removals of an acknowledgement.
            let Some(o) = self.outbox.get(keys::id(id.0)).map_err(from_sled)? else {
                continue;
            };
            out.push((id, decode(keys::OUTBOX, &o)?));
            if out.len() >= limit {
                break;
            }
        }
        Ok(out)
    }

    /// Moves an outbox entry to the dead letters (see [`switchboard_desk::Store::dead_letter`]).
    pub(crate) fn bury(
        &self,
        id: OutboxId,
        reason: &str,
        attempts: u32,
        at: Timestamp,
    ) -> Result<bool, StoreError> {
        let mut counters = lock(&self.commit);
        let Some(v) = self.outbox.get(keys::id(id.0)).map_err(from_sled)? else {
            return Ok(false);
        };
        let outbound: Outbound = decode(keys::OUTBOX, &v)?;
        let (lane, _) = keys::lane(&outbound.to, id);
        let letter = DeadLetter {
            outbound,
            reason: reason.to_string(),
            attempts,
            at,
        };
        let writes = [
            put(tree::DEAD, keys::id(id.0), encode(&letter)?),
            del(tree::OUTBOX, keys::id(id.0)),
            del(tree::LANES, lane),
        ];
        self.write_whole(&mut counters, &writes)?;
        Ok(true)
    }

    /// Moves a dead letter back to the outbox under a new id (see
    /// [`switchboard_desk::Store::retry_dead_letter`]).
    pub(crate) fn unbury(&self, id: OutboxId) -> Result<Option<OutboxId>, StoreError> {
        let mut counters = lock(&self.commit);
        let Some(v) = self.dead.get(keys::id(id.0)).map_err(from_sled)? else {
            return Ok(None);
        };
        let letter: DeadLetter = decode(keys::DEAD, &v)?;
        let new = OutboxId(counters.last_id.saturating_add(1));
        let (lane, ticket) = keys::lane(&letter.outbound.to, new);
        let mut writes = vec![
            put(tree::OUTBOX, keys::id(new.0), encode(&letter.outbound)?),
            put(tree::LANES, lane, ticket),
            del(tree::DEAD, keys::id(id.0)),
        ];
        let mut reserved = counters.reserved;
        if new.0 > reserved {
            reserved = new.0.saturating_add(ID_BLOCK);
            writes.push(put(
                tree::META,
                keys::META_LAST_ID,
                reserved.to_be_bytes().to_vec(),
            ));
        }
        self.write_whole(&mut counters, &writes)?;
        counters.last_id = new.0;
        counters.reserved = reserved;
        Ok(Some(new))
    }

    /// Applies `writes` as one commit does (journalled, under `view`), without a ticket to
    /// anchor on: the journal entry is removed after. The caller holds the commit lock.
    fn write_whole(&self, counters: &mut Counters, writes: &[Write]) -> Result<(), StoreError> {
        if counters.broken {
            return Err(StoreError::Io(
                "an earlier commit failed halfway; restart Switchboard to complete it".into(),
            ));
        }
        self.pending
            .insert(journal::PENDING, journal::encode(writes, false))
            .map_err(from_sled)?;
        // As in a commit: a failure from here leaves the writes half applied until the
        // journal completes them at the next open.
        counters.broken = true;
        {
            let _view = switchboard_domain::sync::write(&self.view);
            self.apply(writes).map_err(from_sled)?;
            self.pending.remove(journal::PENDING).map_err(from_sled)?;
        }
        counters.broken = false;
        Ok(())
    }
}

/// The first id above `after` (`None`: there is none).
fn first_after(after: Option<OutboxId>) -> Option<u64> {
    match after {
        None => Some(0),
        Some(a) => a.0.checked_add(1),
    }
}
