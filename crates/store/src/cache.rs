//! Decoded tickets and customer profiles kept in memory between events.
//!
//! Every message reads its ticket and its customer and rewrites the ticket; reading and
//! decoding them from sled each time was a sixth of the desk's time. A cache holds the
//! records of the latest commits and reads, decoded. It is bounded by count with two generations (an approximate LRU in O(1)): new
//! entries go to `hot`; when `hot` is full it becomes `cold` and the old `cold` is dropped;
//! a hit in `cold` moves the entry back to `hot`.
//!
//! Coherence: the store changes a record only in a commit, which updates the cache while it
//! holds the view lock exclusively; a read fills the cache while it holds the view lock
//! shared. So no read can put a version older than the stored one into the cache.

use std::collections::HashMap;
use std::hash::Hash;

/// How many records a generation holds (so at most twice this many are cached). The desk's
/// working set is the tickets (and customers) of the conversations going on right now.
pub(crate) const GENERATION: usize = 4096;

pub(crate) struct Cache<K, V> {
    hot: HashMap<K, V>,
    cold: HashMap<K, V>,
    generation: usize,
}

impl<K: Hash + Eq + Clone, V> Cache<K, V> {
    pub(crate) fn new(generation: usize) -> Cache<K, V> {
        Cache {
            hot: HashMap::new(),
            cold: HashMap::new(),
            generation: generation.max(1),
        }
    }

    /// The cached record, if any.
    pub(crate) fn get(&mut self, key: &K) -> Option<&V> {
        if !self.hot.contains_key(key) {
            let v = self.cold.remove(key)?;
            self.insert(key.clone(), v);
        }
        self.hot.get(key)
    }

    /// Caches `value` (replacing an older copy).
    pub(crate) fn insert(&mut self, key: K, value: V) {
        self.cold.remove(&key);
        if self.hot.len() >= self.generation && !self.hot.contains_key(&key) {
            self.cold = std::mem::take(&mut self.hot);
        }
        self.hot.insert(key, value);
    }

    /// Forgets everything (after a failed commit, whose writes may be half applied).
    pub(crate) fn clear(&mut self) {
        self.hot.clear();
        self.cold.clear();
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.hot.len() + self.cold.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchboard_desk::contract::ticket;
    use switchboard_domain::{Ticket, TicketId, TicketStatus};

    type TicketCache = Cache<TicketId, Ticket>;

    trait Put {
        fn put(&mut self, t: Ticket);
    }
    impl Put for TicketCache {
        fn put(&mut self, t: Ticket) {
            self.insert(t.id, t);
        }
    }

    #[test]
    fn holds_at_most_two_generations_and_keeps_what_is_used() {
        let mut c = TicketCache::new(3);
        for n in 1..=3 {
            c.put(ticket(n, "u", "c", TicketStatus::Queued, 1));
        }
        // 1..=3 are hot; inserting 4 turns them cold.
        c.put(ticket(4, "u", "c", TicketStatus::Queued, 1));
        assert_eq!(c.len(), 4);
        // A hit on 1 brings it back to hot (with 4).
        assert!(c.get(&TicketId(1)).is_some());
        c.put(ticket(5, "u", "c", TicketStatus::Queued, 1));
        // hot = {4, 1, 5} is full: the next new entry drops the cold {2, 3}.
        c.put(ticket(6, "u", "c", TicketStatus::Queued, 1));
        assert!(c.len() <= 6);
        assert!(c.get(&TicketId(2)).is_none());
        assert!(c.get(&TicketId(3)).is_none());
        for n in [1, 4, 5, 6] {
            assert!(c.get(&TicketId(n)).is_some(), "T-{n}");
        }
    }

    #[test]
    fn a_newer_version_replaces_the_cached_one() {
        let mut c = TicketCache::new(2);
        c.put(ticket(1, "u", "c", TicketStatus::Queued, 1));
        c.put(ticket(2, "u", "c", TicketStatus::Queued, 1));
        c.put(ticket(3, "u", "c", TicketStatus::Queued, 1)); // 1, 2 cold
        c.put(ticket(1, "u", "c", TicketStatus::Claimed, 2));
        assert_eq!(c.get(&TicketId(1)).map(|t| t.version), Some(2));
        assert_eq!(c.len(), 3);
        c.clear();
        assert!(c.get(&TicketId(3)).is_none());
    }
}
