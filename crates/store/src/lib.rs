//! Switchboard's sled store: the desk's [`Store`] trait on an embedded, durable database.
//!
//! Parts:
//! - [`SledStore`] (module `reopen`): the store the service holds; it replaces its open
//!   database after an I/O error (a full disk), so that the service recovers by itself
//!   once writes succeed again, and reports meanwhile why it is unhealthy.
//! - `Database`: one open database, the trait implemented over sled trees; every
//!   [`Store::commit`] is atomic: its reads and the ticket version check run under the
//!   store's commit lock, then its writes are journalled in one value and applied (module
//!   `journal`). No sled transaction: sled 0.34 runs those behind a global lock that every
//!   flush holds for as long as the disk takes, which stopped the desk at each group-commit
//!   flush.
//! - [`GroupCommit`] and [`Durable`] (module `group`): many commits share one flush.
//! - `schema`: the schema version in `meta` and migrations ([`SCHEMA_VERSION`]).
//! - `keys`: the key bytes below, built in one place; `error`: sled errors as
//!   [`StoreError`]s.
//! - `release`: dropping a [`SledStore`] flushes and returns only once the directory's lock
//!   is free, so that the store can be opened again at once (sled's I/O threads can hold
//!   its file a moment after the last handle goes).
//!
//! # Trees
//!
//! Trees are named `key_value`. Integers in keys are big-endian so that byte order is
//! numeric order. A *party key* is `platform:id` (`telegram:12345`); platform names hold no
//! `:`, so the first one splits it. Values are one format byte (2 = MessagePack with field
//! names; 1 = JSON, written by earlier versions and still read) followed by the record,
//! except where marked *raw*.
//!
//! | tree | key | value |
//! |---|---|---|
//! | `meta` | `schema_version` / `last_ticket_id` / `last_id` / `roster` | raw u32 BE / raw u64 BE / raw u64 BE (job and outbox ids up to it are reserved) / `Roster` |
//! | `ticketid_ticket` | u64 ticket id | `Ticket` |
//! | `status_ticketid` | status name (`queued`), 0x00, u64 ticket id | empty (index for `tickets(status)`) |
//! | `ticketid_seq_message` | u64 ticket id, u32 `Message::seq` | `Message` |
//! | `customer_profile` | party key | `Customer` |
//! | `customerchat_latestticket` | u32 length of the party key, party key, chat key (`platform:id`) | `TicketId` |
//! | `updatekey_seen` | update key bytes (`telegram:update:812`) | `true` (inbox dedupe) |
//! | `agentname_agent` | lowercased name | `Agent` |
//! | `ref_ticketid` | platform reference bytes (a thread, a message id) | `TicketId` |
//! | `due_jobid_job` | due time (i64 with the sign bit flipped, so that negative times sort first), u64 job id | `Job` |
//! | `jobid_due` | u64 job id | raw: the job's 16-byte key in `due_jobid_job` |
//! | `outboxid_outbound` | u64 outbox id | `Outbound` |
//! | `lane_outboxid` | lane (`chat:telegram:42`, or `staff` for tickets' threads and the staff space), 0x00, u64 outbox id | raw: u64 ticket id of an entry to a ticket's thread, else empty (index of `outbox_in`, module `outbox`) |
//! | `outboxid_deadletter` | u64 outbox id | `DeadLetter` (module `outbox`) |
//! | `channelkey_state` | a channel's key (`telegram:topic:5`) | raw UTF-8: the channel's state (a topic id and name) |
//! | `pending_commit` | `pending` | raw: the writes of the latest commit (module `journal`); absent, or kept when anchored on a ticket |
//!
//! Job and outbox ids come from one counter kept in memory and advanced by the commits, so
//! they are unique and increase in commit order. `meta/last_id` reserves them in blocks of
//! 1,024 (written by the commit that needs a new block), so after a restart they go on
//! above the reservation: still unique and increasing, with a gap. A commit writes the `status_ticketid` index only when a ticket's
//! status changes, and `customerchat_latestticket` only when the newest ticket does.
//!
//! # Durability
//!
//! A commit is atomic but not yet durable; [`SledStore::flush`] (or a [`GroupCommit`]
//! request) makes every commit that returned before it durable. After a crash (`kill -9`)
//! the store reopens with every flushed commit, and each later commit either whole or not
//! at all (a commit cut short is completed from `pending_commit` at open). sled also
//! flushes by itself every half second.
//!
//! The value format is self-describing (MessagePack with field names) because the domain
//! types use `skip_serializing_if` and tagged enums, which formats without field names
//! cannot read back.
//!
//! Decoded tickets, customers and latest-ticket entries are cached in memory (module
//! `cache`, bounded); the cache is kept coherent with the trees by the same lock that
//! makes commits appear whole to readers.

#![warn(missing_docs)]

mod cache;
mod error;
mod group;
mod journal;
mod keys;
mod outbox;
mod release;
mod reopen;
mod schema;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock, RwLockReadGuard};

use sled::{Db, Tree};
use switchboard_desk::store::{check_roster, check_versions};
use switchboard_desk::{
    Committed, DeadLetter, Job, JobId, Lane, OutboxId, Roster, Store, StoreError, Transition,
};
use switchboard_domain::{
    Agent, ChatId, Customer, Message, PartyId, Ticket, TicketId, TicketStatus, Timestamp, UpdateKey,
};

pub use group::{Durable, GroupCommit};
pub use reopen::SledStore;
pub use schema::SCHEMA_VERSION;

use cache::Cache;
use error::from_sled;
use journal::Write;
use keys::{decode, encode};
use outbox::{Entries, Res};
use release::Release;

/// One open sled database with its trees: the desk's [`Store`] on sled (see the crate docs
/// for the trees). [`SledStore`] holds one and replaces it after an I/O error (module
/// `reopen`).
///
/// Dropping it flushes, and returns only once the directory's lock is free (module
/// `release`), so that the store can be opened again at once, by this process or another.
pub(crate) struct Database {
    /// Shared only weakly, with the [`GroupCommit`] flusher: the store is the one owner.
    db: Arc<Db>,
    meta: Tree,
    tickets: Tree,
    status: Tree,
    messages: Tree,
    customers: Tree,
    latest: Tree,
    seen: Tree,
    agents: Tree,
    links: Tree,
    jobs: Tree,
    job_due: Tree,
    outbox: Tree,
    /// `lane_outboxid` and `outboxid_deadletter` (module `outbox`).
    lanes: Tree,
    dead: Tree,
    /// Channels' own state ([`Store::channel_state`]); written outside commits.
    channel: Tree,
    /// The journal of the commit being applied (see the `journal` module).
    pending: Tree,
    /// Serialises commits (sled allows one process per store, so a lock in the process is
    /// enough) and keeps the counters they advance.
    commit: Mutex<Counters>,
    /// Readers hold it shared; a commit holds it exclusively while it applies its writes,
    /// so that reads in the process see whole commits.
    view: RwLock<()>,
    /// Decoded tickets and customers (module `cache`): filled under `view` shared, updated
    /// by commits under `view` exclusive.
    cache: Mutex<Caches>,
    /// Declared last: fields drop in order, so every sled handle above is gone when it
    /// waits for the directory's lock to be free (module `release`).
    _release: Release,
}

/// What the commits keep between them, read from `meta` at open.
struct Counters {
    /// `meta/last_ticket_id`.
    last_ticket: u64,
    /// The last job or outbox id handed out.
    last_id: u64,
    /// `meta/last_id`: ids up to it are reserved (see [`ID_BLOCK`]).
    reserved: u64,
    /// A commit failed halfway: later ones are refused until the store is reopened (which
    /// completes it from the journal).
    broken: bool,
}

/// What `plan` works out: the writes, the ids assigned, the counters after the commit, and
/// the newest ticket of each (customer, chat) key it changes.
type Planned = (Vec<Write>, Committed, Counters, HashMap<Vec<u8>, TicketId>);

/// The records kept decoded in memory (module `cache`).
struct Caches {
    tickets: Cache<TicketId, Ticket>,
    customers: Cache<PartyId, Customer>,
    /// `customerchat_latestticket`, by key; `None` (no ticket yet) is cached too.
    latest: Cache<Vec<u8>, Option<TicketId>>,
}

/// The index of each tree in a journal entry. Stored on disk: never renumber.
mod tree {
    pub(crate) const META: u8 = 0;
    pub(crate) const TICKETS: u8 = 1;
    pub(crate) const STATUS: u8 = 2;
    pub(crate) const MESSAGES: u8 = 3;
    pub(crate) const CUSTOMERS: u8 = 4;
    pub(crate) const LATEST: u8 = 5;
    pub(crate) const SEEN: u8 = 6;
    pub(crate) const AGENTS: u8 = 7;
    pub(crate) const LINKS: u8 = 8;
    pub(crate) const JOBS: u8 = 9;
    pub(crate) const JOB_DUE: u8 = 10;
    pub(crate) const OUTBOX: u8 = 11;
    pub(crate) const LANES: u8 = 12;
    pub(crate) const DEAD: u8 = 13;
    pub(crate) const COUNT: usize = 14;
}

/// The part of a stored ticket a commit checks (the rest of the record is skipped).
#[derive(serde::Deserialize)]
struct TicketHead {
    status: TicketStatus,
    version: u64,
}

// The counters are written only after a commit succeeded, and `broken` before anything can
// panic, so a poisoned lock holds consistent data.
use switchboard_domain::sync::lock;

fn put(tree: u8, key: impl Into<Vec<u8>>, value: Vec<u8>) -> Write {
    Write {
        tree,
        key: key.into(),
        value: Some(value),
    }
}

fn del(tree: u8, key: impl Into<Vec<u8>>) -> Write {
    Write {
        tree,
        key: key.into(),
        value: None,
    }
}

/// How many job and outbox ids a commit reserves at once in `meta/last_id`, so that only
/// one commit in this many writes the counter. After a restart ids go on above the
/// reservation: they stay unique and increasing, with a gap.
const ID_BLOCK: u64 = 1024;

/// sled's page cache by default: 32 MiB. sled's own default is 1 GiB, which a store of
/// tens of thousands of tickets fills page by page as they are read and written, so the
/// process grew with the store. 32 MiB holds the hot part of a busy desk (open tickets,
/// the outbox, jobs due soon, recent dedupe keys): the desk bench with 8,400 tickets all
/// active ran as fast as with 1 GiB, and 16 MiB cost it about 15 % (BENCHMARKS.md,
/// 2026-12-05). `[store] cache_mb` changes it.
pub const DEFAULT_CACHE_BYTES: u64 = 32 * 1024 * 1024;

/// How many times a busy directory lock is tried, 25 ms apart, before the store counts as
/// held by another process.
const LOCK_TRIES: u32 = 40;

impl Database {
    /// Opens (or creates) the store in directory `path`: migrates an older schema, refuses
    /// a newer one ([`StoreError::TooNew`]) or a directory another process holds.
    #[cfg(test)]
    pub(crate) fn open(path: impl AsRef<Path>) -> Result<Database, StoreError> {
        Database::open_with(path, DEFAULT_CACHE_BYTES)
    }

    /// [`Database::open`] with sled's page cache capped at `cache_bytes`.
    pub(crate) fn open_with(
        path: impl AsRef<Path>,
        cache_bytes: u64,
    ) -> Result<Database, StoreError> {
        let path = path.as_ref();
        // sled's I/O threads can hold the directory's lock for a moment after the previous
        // holder in this process (or a process that just exited) let go: a lock that is
        // busy is tried again for up to a second before it counts as held by someone else.
        let mut tries = 0;
        let db = loop {
            match sled::Config::new()
                .path(path)
                .cache_capacity(cache_bytes)
                .open()
            {
                Ok(db) => break db,
                Err(e) if e.to_string().contains("could not acquire lock") => {
                    tries += 1;
                    if tries >= LOCK_TRIES {
                        return Err(StoreError::Io(format!(
                            "the store {} is in use by another process (is Switchboard already running?)",
                            path.display()
                        )));
                    }
                    std::thread::sleep(std::time::Duration::from_millis(25));
                }
                Err(e) => {
                    return Err(match from_sled(e) {
                        StoreError::Io(why) => {
                            StoreError::Io(format!("could not open {}: {why}", path.display()))
                        }
                        other => other,
                    });
                }
            }
        };
        Database::with_db(db, Some(path.to_path_buf()))
    }

    /// A store in a temporary directory that sled deletes on drop (demos, tests).
    pub(crate) fn temporary() -> Result<Database, StoreError> {
        let db = sled::Config::new()
            .temporary(true)
            .open()
            .map_err(from_sled)?;
        Database::with_db(db, None)
    }

    /// The store on an open database; `dir` is its directory (`None`: temporary).
    fn with_db(db: Db, dir: Option<PathBuf>) -> Result<Database, StoreError> {
        let tree = |name: &str| db.open_tree(name).map_err(from_sled);
        let store = Database {
            meta: tree(keys::META)?,
            tickets: tree(keys::TICKETS)?,
            status: tree(keys::STATUS)?,
            messages: tree(keys::MESSAGES)?,
            customers: tree(keys::CUSTOMERS)?,
            latest: tree(keys::LATEST)?,
            seen: tree(keys::SEEN)?,
            agents: tree(keys::AGENTS)?,
            links: tree(keys::LINKS)?,
            jobs: tree(keys::JOBS)?,
            job_due: tree(keys::JOB_DUE)?,
            outbox: tree(keys::OUTBOX)?,
            lanes: tree(keys::LANE)?,
            dead: tree(keys::DEAD)?,
            channel: tree(keys::CHANNEL)?,
            pending: tree(keys::PENDING)?,
            commit: Mutex::new(Counters {
                last_ticket: 0,
                last_id: 0,
                reserved: 0,
                broken: false,
            }),
            view: RwLock::new(()),
            cache: Mutex::new(Caches {
                tickets: Cache::new(cache::GENERATION),
                customers: Cache::new(cache::GENERATION),
                latest: Cache::new(cache::GENERATION),
            }),
            db: Arc::new(db),
            _release: Release::new(dir),
        };
        let data = [
            &store.tickets,
            &store.status,
            &store.messages,
            &store.customers,
            &store.latest,
            &store.seen,
            &store.agents,
            &store.links,
            &store.jobs,
            &store.job_due,
            &store.outbox,
            &store.lanes,
            &store.dead,
            &store.channel,
            &store.pending,
        ];
        schema::prepare(&store.db, &store.meta, &data)?;
        store.finish_pending()?;
        let counter = |key: &[u8]| match store.meta.get(key).map_err(from_sled)? {
            None => Ok(0),
            Some(v) => keys::u64_from(keys::META, &v),
        };
        let counters = Counters {
            last_ticket: counter(keys::META_LAST_TICKET)?,
            last_id: counter(keys::META_LAST_ID)?,
            reserved: counter(keys::META_LAST_ID)?,
            broken: false,
        };
        *lock(&store.commit) = counters;
        Ok(store)
    }

    /// Completes a commit that a crash interrupted (see the `journal` module).
    fn finish_pending(&self) -> Result<(), StoreError> {
        let Some(entry) = self.pending.get(journal::PENDING).map_err(from_sled)? else {
            return Ok(());
        };
        let (writes, anchored) = journal::decode(&entry, tree::COUNT)?;
        if !(anchored && self.anchor_stored(&writes)?) {
            self.apply(&writes).map_err(from_sled)?;
        }
        self.pending.remove(journal::PENDING).map_err(from_sled)?;
        self.db.flush().map_err(from_sled)?;
        Ok(())
    }

    /// Whether the ticket an anchored journal entry ends with is stored at its version or
    /// a later one: then that commit finished.
    fn anchor_stored(&self, writes: &[Write]) -> Result<bool, StoreError> {
        let Some(Write {
            tree: tree::TICKETS,
            key,
            value: Some(value),
        }) = writes.last()
        else {
            return Err(StoreError::Corrupt(
                "the pending commit's last write is not a ticket".into(),
            ));
        };
        let anchor: TicketHead = decode(keys::TICKETS, value)?;
        let stored = Self::get::<TicketHead>(&self.tickets, keys::TICKETS, key)?;
        Ok(stored.is_some_and(|s| s.version >= anchor.version))
    }

    fn tree(&self, index: u8) -> &Tree {
        match index {
            tree::META => &self.meta,
            tree::TICKETS => &self.tickets,
            tree::STATUS => &self.status,
            tree::MESSAGES => &self.messages,
            tree::CUSTOMERS => &self.customers,
            tree::LATEST => &self.latest,
            tree::SEEN => &self.seen,
            tree::AGENTS => &self.agents,
            tree::LINKS => &self.links,
            tree::JOBS => &self.jobs,
            tree::JOB_DUE => &self.job_due,
            tree::LANES => &self.lanes,
            tree::DEAD => &self.dead,
            // `journal::decode` refuses indexes from COUNT on.
            _ => &self.outbox,
        }
    }

    fn apply(&self, writes: &[Write]) -> Result<(), sled::Error> {
        for w in writes {
            let tree = self.tree(w.tree);
            match &w.value {
                Some(v) => tree.insert(&w.key[..], &v[..])?,
                None => tree.remove(&w.key[..])?,
            };
        }
        Ok(())
    }

    /// The newest ticket of a `customerchat_latestticket` key, through the cache. The
    /// caller holds `view` (shared) or `commit`.
    fn latest_stored(&self, pair: &[u8]) -> Result<Option<TicketId>, StoreError> {
        let pair = pair.to_vec();
        if let Some(id) = lock(&self.cache).latest.get(&pair) {
            return Ok(*id);
        }
        let id = Self::get::<TicketId>(&self.latest, keys::LATEST, &pair)?;
        lock(&self.cache).latest.insert(pair, id);
        Ok(id)
    }

    fn roster_stored(&self) -> Result<Roster, StoreError> {
        Ok(Self::get::<Roster>(&self.meta, keys::META, keys::META_ROSTER)?.unwrap_or_default())
    }

    /// Shared access for a read (see `view`).
    fn read(&self) -> RwLockReadGuard<'_, ()> {
        // The lock guards no data, only the moment of reading.
        switchboard_domain::sync::read(&self.view)
    }

    /// Every write of `t`, checked against the stored ticket versions: reads only.
    fn plan(&self, t: &Transition, counters: &Counters) -> Result<Planned, StoreError> {
        let mut stored: HashMap<TicketId, TicketHead> = HashMap::new();
        for ticket in &t.tickets {
            let cached = lock(&self.cache)
                .tickets
                .get(&ticket.id)
                .map(|old| TicketHead {
                    status: old.status,
                    version: old.version,
                });
            let head = match cached {
                Some(head) => Some(head),
                None => {
                    Self::get::<TicketHead>(&self.tickets, keys::TICKETS, keys::id(ticket.id.0))?
                }
            };
            if let Some(old) = head {
                stored.insert(ticket.id, old);
            }
        }
        check_versions(t, |id| stored.get(&id).map(|x| x.version))?;
        if t.roster.is_some() {
            check_roster(t, self.roster_stored()?.version)?;
        }

        let mut w = Vec::with_capacity(8 + 2 * t.tickets.len() + t.messages.len());
        if let Some(k) = &t.seen {
            w.push(put(tree::SEEN, k.0.as_bytes(), encode(&true)?));
        }
        for c in &t.customers {
            w.push(put(tree::CUSTOMERS, keys::party(&c.id), encode(c)?));
        }
        // Latest tickets written by this commit, for a second ticket of the same pair.
        let mut latest: HashMap<Vec<u8>, TicketId> = HashMap::new();
        // Written last: the final one anchors the journal entry (module `journal`).
        let mut ticket_puts = Vec::with_capacity(t.tickets.len());
        for ticket in &t.tickets {
            // The status index changes only when the status does.
            match stored.get(&ticket.id) {
                Some(old) if old.status == ticket.status => {}
                Some(old) => {
                    w.push(del(tree::STATUS, keys::status(old.status, ticket.id)));
                    w.push(put(
                        tree::STATUS,
                        keys::status(ticket.status, ticket.id),
                        vec![],
                    ));
                }
                None => {
                    w.push(put(
                        tree::STATUS,
                        keys::status(ticket.status, ticket.id),
                        vec![],
                    ));
                }
            }
            // A stored ticket was weighed against the newest one when it was written first.
            if !stored.contains_key(&ticket.id) {
                let pair = keys::customer_chat(&ticket.customer, &ticket.chat);
                let current = match latest.get(&pair) {
                    Some(id) => Some(*id),
                    None => self.latest_stored(&pair)?,
                };
                if current.is_none_or(|old| old < ticket.id) {
                    w.push(put(tree::LATEST, pair.clone(), encode(&ticket.id)?));
                    latest.insert(pair, ticket.id);
                }
            }
            ticket_puts.push(put(tree::TICKETS, keys::id(ticket.id.0), encode(ticket)?));
        }
        for (id, m) in &t.messages {
            w.push(put(tree::MESSAGES, keys::message(*id, m.seq), encode(m)?));
        }
        let mut last_ticket = counters.last_ticket;
        if let Some(n) = t.last_ticket_id
            && n > last_ticket
        {
            last_ticket = n;
            w.push(put(
                tree::META,
                keys::META_LAST_TICKET,
                n.to_be_bytes().to_vec(),
            ));
        }
        for a in &t.agents {
            w.push(put(tree::AGENTS, a.name.to_lowercase(), encode(a)?));
        }
        if let Some(r) = &t.roster {
            w.push(put(tree::META, keys::META_ROSTER, encode(r)?));
        }
        for (r, id) in &t.links {
            w.push(put(tree::LINKS, r.as_bytes(), encode(id)?));
        }
        for id in &t.done_jobs {
            if let Some(due) = self.job_due.get(keys::id(id.0)).map_err(from_sled)? {
                w.push(del(tree::JOB_DUE, keys::id(id.0)));
                w.push(del(tree::JOBS, due.to_vec()));
            }
        }
        let mut last_id = counters.last_id;
        let mut next = || {
            last_id += 1;
            last_id
        };
        for job in &t.jobs {
            let id = JobId(next());
            let key = keys::due(job.due, id);
            w.push(put(tree::JOBS, key, encode(job)?));
            w.push(put(tree::JOB_DUE, keys::id(id.0), key.to_vec()));
        }
        let mut committed = Committed::default();
        for o in &t.outbound {
            let id = OutboxId(next());
            w.push(put(tree::OUTBOX, keys::id(id.0), encode(o)?));
            let (lane, ticket) = keys::lane(&o.to, id);
            w.push(put(tree::LANES, lane, ticket));
            committed.outbox.push(id);
        }
        let mut reserved = counters.reserved;
        if last_id > reserved {
            reserved = last_id.saturating_add(ID_BLOCK);
            w.push(put(
                tree::META,
                keys::META_LAST_ID,
                reserved.to_be_bytes().to_vec(),
            ));
        }
        w.append(&mut ticket_puts);
        let after = Counters {
            last_ticket,
            last_id,
            reserved,
            broken: false,
        };
        Ok((w, committed, after, latest))
    }

    /// The schema version stamped in the store.
    pub(crate) fn schema_version(&self) -> Result<u32, StoreError> {
        schema::read(&self.meta)?
            .ok_or_else(|| StoreError::Corrupt("the store has no schema version".into()))
    }

    fn get<T: serde::de::DeserializeOwned>(
        tree: &Tree,
        name: &str,
        key: impl AsRef<[u8]>,
    ) -> Result<Option<T>, StoreError> {
        tree.get(key)
            .map_err(from_sled)?
            .map(|v| decode(name, &v))
            .transpose()
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        // Every commit becomes durable, and no log write is left for sled's I/O threads to
        // start after the handles are gone (module `release`). A failure cannot be returned
        // from a drop; sled flushes again as its trees drop and reports it in its log.
        let _ = self.db.flush();
    }
}

impl Store for Database {
    fn seen(&self, key: &UpdateKey) -> Result<bool, StoreError> {
        let _view = self.read();
        self.seen.contains_key(key.0.as_bytes()).map_err(from_sled)
    }

    fn customer(&self, id: &PartyId) -> Result<Option<Customer>, StoreError> {
        let _view = self.read();
        if let Some(c) = lock(&self.cache).customers.get(id) {
            return Ok(Some(c.clone()));
        }
        let c: Option<Customer> = Self::get(&self.customers, keys::CUSTOMERS, keys::party(id))?;
        if let Some(c) = &c {
            lock(&self.cache).customers.insert(id.clone(), c.clone());
        }
        Ok(c)
    }

    fn ticket(&self, id: TicketId) -> Result<Option<Ticket>, StoreError> {
        let _view = self.read();
        if let Some(t) = lock(&self.cache).tickets.get(&id) {
            return Ok(Some(t.clone()));
        }
        let t: Option<Ticket> = Self::get(&self.tickets, keys::TICKETS, keys::id(id.0))?;
        if let Some(t) = &t {
            lock(&self.cache).tickets.insert(id, t.clone());
        }
        Ok(t)
    }

    fn latest_ticket(
        &self,
        customer: &PartyId,
        chat: &ChatId,
    ) -> Result<Option<TicketId>, StoreError> {
        let _view = self.read();
        self.latest_stored(&keys::customer_chat(customer, chat))
    }

    fn last_ticket_id(&self) -> Result<u64, StoreError> {
        let _view = self.read();
        match self.meta.get(keys::META_LAST_TICKET).map_err(from_sled)? {
            None => Ok(0),
            Some(v) => keys::u64_from(keys::META, &v),
        }
    }

    fn messages(&self, ticket: TicketId) -> Result<Vec<Message>, StoreError> {
        let _view = self.read();
        self.messages
            .scan_prefix(keys::id(ticket.0))
            .map(|kv| {
                let (_, v) = kv.map_err(from_sled)?;
                decode(keys::MESSAGES, &v)
            })
            .collect()
    }

    fn agent(&self, name: &str) -> Result<Option<Agent>, StoreError> {
        let _view = self.read();
        Self::get(&self.agents, keys::AGENTS, name.to_lowercase())
    }

    fn linked_ticket(&self, reference: &str) -> Result<Option<TicketId>, StoreError> {
        let _view = self.read();
        Self::get(&self.links, keys::LINKS, reference)
    }

    fn tickets(&self, status: Option<TicketStatus>) -> Result<Vec<Ticket>, StoreError> {
        let _view = self.read();
        let Some(status) = status else {
            return self
                .tickets
                .iter()
                .values()
                .map(|v| decode(keys::TICKETS, &v.map_err(from_sled)?))
                .collect();
        };
        let mut out = Vec::new();
        for kv in self.status.scan_prefix(keys::status_prefix(status)) {
            let (k, _) = kv.map_err(from_sled)?;
            let id = keys::ticket_of_status_key(&k)?;
            // Commits cannot come in between (`view`), but check the status again anyway:
            // the index is a second copy of it.
            if let Some(t) = Self::get::<Ticket>(&self.tickets, keys::TICKETS, keys::id(id.0))?
                && t.status == status
            {
                out.push(t);
            }
        }
        Ok(out)
    }

    fn commit(&self, t: &Transition) -> Result<Committed, StoreError> {
        let mut counters = lock(&self.commit);
        if counters.broken {
            return Err(StoreError::Io(
                "an earlier commit failed halfway; restart Switchboard to complete it".into(),
            ));
        }
        // Reads and the version check: nothing is written if they fail. No other commit can
        // come in between them and the writes (`commit` is held).
        let (writes, committed, after, latest) = self.plan(t, &counters)?;
        let journal = writes.len() > 1;
        // The last write is a ticket whenever the transition has one (`plan`).
        let anchored = !t.tickets.is_empty();
        if journal {
            self.pending
                .insert(journal::PENDING, journal::encode(&writes, anchored))
                .map_err(from_sled)?;
        }
        // From here a failure leaves the commit half applied in memory; the journal entry
        // completes it at the next open, and no later commit may build on it before that.
        counters.broken = true;
        {
            let _view = switchboard_domain::sync::write(&self.view);
            let mut cache = lock(&self.cache);
            if let Err(e) = self.apply(&writes) {
                // Half applied: what is cached may be older than what is stored now.
                cache.tickets.clear();
                cache.customers.clear();
                cache.latest.clear();
                return Err(from_sled(e));
            }
            for (pair, id) in &latest {
                cache.latest.insert(pair.clone(), Some(*id));
            }
            for ticket in &t.tickets {
                cache.tickets.insert(ticket.id, ticket.clone());
            }
            for c in &t.customers {
                cache.customers.insert(c.id.clone(), c.clone());
            }
            if journal && !anchored {
                self.pending.remove(journal::PENDING).map_err(from_sled)?;
            }
        }
        *counters = after;
        Ok(committed)
    }

    fn flush(&self) -> Result<(), StoreError> {
        self.db.flush().map(|_| ()).map_err(from_sled)
    }

    fn due_jobs(&self, now: Timestamp, limit: usize) -> Result<Vec<(JobId, Job)>, StoreError> {
        let _view = self.read();
        // Every key of a job due at or before `now` is below the first key of `now + 1ms`.
        let end = match now.0.checked_add(1) {
            Some(after) => std::ops::Bound::Excluded(keys::due(Timestamp(after), JobId(0))),
            None => std::ops::Bound::Unbounded,
        };
        self.jobs
            .range((std::ops::Bound::Unbounded, end))
            .take(limit)
            .map(|kv| {
                let (k, v) = kv.map_err(from_sled)?;
                let (_, id) = keys::due_from(&k)?;
                Ok((id, decode(keys::JOBS, &v)?))
            })
            .collect()
    }

    fn next_due(&self) -> Result<Option<Timestamp>, StoreError> {
        let _view = self.read();
        match self.jobs.first().map_err(from_sled)? {
            None => Ok(None),
            Some((k, _)) => Ok(Some(keys::due_from(&k)?.0)),
        }
    }

    // The outbox (past a cursor, by lane) and dead letters: module `outbox`.
    fn outbox(&self, limit: usize) -> Entries {
        self.entries_after(None, limit)
    }
    fn ack_outbox(&self, id: OutboxId) -> Res<()> {
        self.ack_entry(id)
    }
    fn outbox_after(&self, after: Option<OutboxId>, limit: usize) -> Entries {
        self.entries_after(after, limit)
    }
    fn outbox_in(&self, l: &Lane, a: Option<OutboxId>, u: OutboxId, n: usize) -> Entries {
        self.entries_in(l, a, u, n)
    }
    fn dead_letter(&self, id: OutboxId, why: &str, n: u32, at: Timestamp) -> Res<bool> {
        self.bury(id, why, n, at)
    }
    fn dead_letters(&self, limit: usize) -> Res<Vec<(OutboxId, DeadLetter)>> {
        self.buried(limit)
    }
    fn retry_dead_letter(&self, id: OutboxId) -> Res<Option<OutboxId>> {
        self.unbury(id)
    }

    fn roster(&self) -> Result<Roster, StoreError> {
        let _view = self.read();
        self.roster_stored()
    }

    fn link(&self, links: &[(String, TicketId)]) -> Result<(), StoreError> {
        // Each reference is one key: a crash between two keeps the ones written, and a
        // channel that misses a reference only creates it again.
        for (r, id) in links {
            self.links
                .insert(r.as_bytes(), encode(id)?)
                .map_err(from_sled)?;
        }
        Ok(())
    }

    fn channel_state(&self, key: &str) -> Result<Option<String>, StoreError> {
        match self.channel.get(key.as_bytes()).map_err(from_sled)? {
            None => Ok(None),
            Some(v) => String::from_utf8(v.to_vec()).map(Some).map_err(|_| {
                StoreError::Corrupt(format!("{} holds non-UTF-8 bytes at {key}", keys::CHANNEL))
            }),
        }
    }

    fn set_channel_state(&self, key: &str, value: Option<&str>) -> Result<(), StoreError> {
        match value {
            Some(v) => self.channel.insert(key.as_bytes(), v.as_bytes()),
            None => self.channel.remove(key.as_bytes()),
        }
        .map_err(from_sled)?;
        Ok(())
    }

    fn channel_states(&self, prefix: &str) -> Result<Vec<(String, String)>, StoreError> {
        let utf8 = |b: &[u8], key: &str| {
            String::from_utf8(b.to_vec()).map_err(|_| {
                StoreError::Corrupt(format!("{} holds non-UTF-8 bytes at {key}", keys::CHANNEL))
            })
        };
        let mut out = Vec::new();
        for kv in self.channel.scan_prefix(prefix.as_bytes()) {
            let (k, v) = kv.map_err(from_sled)?;
            let key = utf8(&k, prefix)?;
            let value = utf8(&v, &key)?;
            out.push((key, value));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchboard_desk::contract::{customer, job, message, outbound, party, ticket};

    fn open_ticket(n: u64) -> Transition {
        Transition {
            seen: Some(UpdateKey(format!("telegram:update:{n}"))),
            customers: vec![customer(&format!("u{n}"), "ann")],
            tickets: vec![ticket(n, &format!("u{n}"), "c1", TicketStatus::Queued, 1)],
            messages: vec![(TicketId(n), message(1, "help"))],
            last_ticket_id: Some(n),
            outbound: vec![outbound("ticket")],
            jobs: vec![job(1000, n)],
            links: vec![(format!("thread:{n}"), TicketId(n))],
            ..Default::default()
        }
    }

    #[test]
    fn a_commit_cut_short_by_a_crash_is_completed_at_open() {
        let dir = tempfile::tempdir().unwrap();
        {
            let store = Database::open(dir.path()).unwrap();
            store.commit(&open_ticket(1)).unwrap();
            // What a crash halfway through the next commit leaves: its journal entry and
            // only the first half of its writes.
            let (writes, _, _, _) = store.plan(&open_ticket(2), &lock(&store.commit)).unwrap();
            store
                .pending
                .insert(journal::PENDING, journal::encode(&writes, true))
                .unwrap();
            store.apply(&writes[..writes.len() / 2]).unwrap();
            store.flush().unwrap();
        }
        let store = Database::open(dir.path()).unwrap();
        assert!(store.pending.is_empty());
        for n in [1, 2] {
            assert_eq!(store.ticket(TicketId(n)).unwrap().unwrap().version, 1);
            assert_eq!(store.messages(TicketId(n)).unwrap().len(), 1);
            assert!(store.customer(&party(&format!("u{n}"))).unwrap().is_some());
            assert_eq!(
                store.linked_ticket(&format!("thread:{n}")).unwrap(),
                Some(TicketId(n))
            );
        }
        assert_eq!(store.last_ticket_id().unwrap(), 2);
        assert_eq!(store.outbox(10).unwrap().len(), 2);
        assert_eq!(store.tickets(Some(TicketStatus::Queued)).unwrap().len(), 2);
        // The counters were read back after the completed commit: ids keep increasing.
        let c = store.commit(&open_ticket(3)).unwrap();
        let ids: Vec<_> = store
            .outbox(10)
            .unwrap()
            .iter()
            .map(|(id, _)| *id)
            .collect();
        assert_eq!(ids.len(), 3);
        assert_eq!(*ids.last().unwrap(), c.outbox[0]);
        assert!(ids.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn a_finished_commit_is_not_applied_again_at_open() {
        let dir = tempfile::tempdir().unwrap();
        {
            let store = Database::open(dir.path()).unwrap();
            store.commit(&open_ticket(1)).unwrap();
            // The entry stays (anchored on T-1)...
            assert!(!store.pending.is_empty());
            // ...and what happened after the commit must survive a reopen: its message was
            // delivered, and a later commit wrote the customer alone (no journal entry).
            let (id, _) = store.outbox(1).unwrap()[0];
            store.ack_outbox(id).unwrap();
            let mut renamed = customer("u1", "ann");
            renamed.display_name = "Ann B.".into();
            store
                .commit(&Transition {
                    customers: vec![renamed],
                    ..Default::default()
                })
                .unwrap();
            store.flush().unwrap();
        }
        let store = Database::open(dir.path()).unwrap();
        assert!(
            store.outbox(10).unwrap().is_empty(),
            "a delivered message came back"
        );
        assert_eq!(
            store.customer(&party("u1")).unwrap().unwrap().display_name,
            "Ann B."
        );
        assert!(store.pending.is_empty());
    }

    #[test]
    fn an_anchored_entry_whose_ticket_is_missing_is_applied() {
        let dir = tempfile::tempdir().unwrap();
        {
            let store = Database::open(dir.path()).unwrap();
            // Everything but the anchor (the ticket, written last) reached the disk.
            let (writes, _, _, _) = store.plan(&open_ticket(1), &lock(&store.commit)).unwrap();
            assert_eq!(writes.last().unwrap().tree, tree::TICKETS);
            store
                .pending
                .insert(journal::PENDING, journal::encode(&writes, true))
                .unwrap();
            store.apply(&writes[..writes.len() - 1]).unwrap();
            store.flush().unwrap();
        }
        let store = Database::open(dir.path()).unwrap();
        assert_eq!(store.ticket(TicketId(1)).unwrap().unwrap().version, 1);
        assert_eq!(store.outbox(10).unwrap().len(), 1);
    }

    #[test]
    fn an_unchanged_status_leaves_the_index_alone_and_a_change_moves_it() {
        let store = Database::temporary().unwrap();
        store.commit(&open_ticket(1)).unwrap();
        let mut t = ticket(1, "u1", "c1", TicketStatus::Queued, 2);
        store
            .commit(&Transition {
                tickets: vec![t.clone()],
                ..Default::default()
            })
            .unwrap();
        assert_eq!(store.tickets(Some(TicketStatus::Queued)).unwrap().len(), 1);
        t.status = TicketStatus::Claimed;
        t.version = 3;
        store
            .commit(&Transition {
                tickets: vec![t],
                ..Default::default()
            })
            .unwrap();
        assert!(
            store
                .tickets(Some(TicketStatus::Queued))
                .unwrap()
                .is_empty()
        );
        assert_eq!(store.tickets(Some(TicketStatus::Claimed)).unwrap().len(), 1);
        assert_eq!(store.status.len(), 1);
    }
}
