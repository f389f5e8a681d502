//! [`SledStore`]: the store the rest of Switchboard holds, which recovers by itself from
//! I/O errors (a full disk, then space again) without a restart, and says meanwhile that
//! it is unhealthy.
//!
//! sled 0.34 records the first I/O error of a write or a flush for the whole database, and
//! every later operation on it fails with that error, whatever the disk does next. So the
//! store keeps its open database (`Database`) in a cell and replaces it:
//! - **failing**: an operation that fails with an I/O error ([`StoreError::Io`],
//!   [`StoreError::Full`]) marks the store failed (one line at error level) and starts a
//!   reopener thread. While it is failed every operation fails at once with that reason:
//!   intake refuses updates (the adapters do not acknowledge them, so Telegram sends them
//!   again), no flush succeeds, so nothing is acknowledged and nothing is sent;
//! - **reopening**: the reopener takes the database out of the cell, waits until no
//!   operation holds it, drops it (module `release` waits for sled's lock to be free) and
//!   opens the directory again, which replays sled's log: every flushed commit is there,
//!   a commit cut short is completed from the journal, and what was committed but never
//!   flushed is gone (nobody was told it was durable: the epoch of [`GroupCommit`] fails
//!   the requests made before the reopen, and those made after it on the thread of a commit
//!   made before it). It tries again with backoff ([`REOPEN_FIRST`]
//!   doubling to [`REOPEN_MAX`]) until the open succeeds;
//! - **recovering**: operations run again; the first flush that succeeds makes the store
//!   healthy (one line at info level). Until then [`SledStore::problem`] says why it is
//!   not, for the admin endpoint's `/health`.
//!
//! A temporary store (demos, tests) is never reopened (sled deletes it on drop): its
//! errors are returned as they are.
//!
//! Every method of the desk's [`Store`] is the open database's, run through
//! `SledStore::with`, which watches for I/O errors.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock, Weak};
use std::time::{Duration, Instant};

use switchboard_desk::{
    Committed, DeadLetter, Job, JobId, Lane, OutboxId, Roster, Store, StoreError, Transition,
};
use switchboard_domain::sync::lock;
use switchboard_domain::{
    Agent, Backoff, ChatId, Customer, Message, Outbound, PartyId, Ticket, TicketId, TicketStatus,
    Timestamp, UpdateKey,
};

use crate::error::from_sled;
use crate::group::GroupCommit;
use crate::keys::{self, decode};
use crate::{Database, release};

/// The first wait before reopening a failed store (it doubles with each failed attempt).
pub const REOPEN_FIRST: Duration = Duration::from_secs(1);
/// The longest wait between two attempts to reopen.
pub const REOPEN_MAX: Duration = Duration::from_secs(30);

/// The desk's [`Store`] on sled, reopened after I/O errors (see the module docs; the trees
/// are in the crate docs).
///
/// Dropping it flushes, and returns only once the directory's lock is free (module
/// `release`), so that the store can be opened again at once, by this process or another.
pub struct SledStore {
    cell: Arc<Cell>,
}

/// How the store is doing.
#[derive(Debug, Clone)]
enum Health {
    Healthy,
    /// An I/O error made the database unusable: operations fail until it is reopened.
    Failed {
        why: String,
        full: bool,
    },
    /// Reopened after `why`; healthy after the first flush that succeeds.
    Recovering {
        why: String,
    },
}

struct Cell {
    /// The directory (`None`: a temporary store, never reopened).
    dir: Option<PathBuf>,
    /// The open database; `None` while it is being reopened.
    open: RwLock<Option<Arc<Database>>>,
    health: Mutex<Health>,
    /// Goes up with each reopen (see [`GroupCommit::start_with_epoch`]).
    epoch: Arc<AtomicU64>,
    /// sled's page cache cap, for reopening as it was opened.
    cache_bytes: u64,
}

// The cell's locks hold a handle or a state that every critical section leaves whole: a
// poisoned lock is safe to use.
fn read_open(cell: &Cell) -> Option<Arc<Database>> {
    cell.open
        .read()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .clone()
}

fn take_open(cell: &Cell) -> Option<Arc<Database>> {
    cell.open
        .write()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .take()
}

fn put_open(cell: &Cell, open: Database) {
    *cell
        .open
        .write()
        .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(Arc::new(open));
}

/// Whether an error means the database may be unusable (sled keeps the first I/O error).
fn is_io(e: &StoreError) -> bool {
    matches!(e, StoreError::Io(_) | StoreError::Full)
}

impl Cell {
    /// The open database, or the reason there is none now.
    fn current(&self) -> Result<Arc<Database>, StoreError> {
        if let Health::Failed { why, full } = &*lock(&self.health) {
            return Err(if *full {
                StoreError::Full
            } else {
                StoreError::Io(format!(
                    "the store is being reopened after an I/O error ({why}); nothing was written"
                ))
            });
        }
        read_open(self).ok_or_else(|| {
            StoreError::Io("the store is being reopened; nothing was written".into())
        })
    }

    /// Marks the store failed after `e` (once) and starts the reopener.
    fn fail(self: &Arc<Self>, e: &StoreError) {
        let Some(dir) = self.dir.clone() else { return };
        {
            let mut health = lock(&self.health);
            if matches!(*health, Health::Failed { .. }) {
                return;
            }
            *health = Health::Failed {
                why: e.to_string(),
                full: matches!(e, StoreError::Full),
            };
        }
        tracing::error!(error = %e, "the store failed: updates are refused and nothing is sent until it is reopened (it retries by itself)");
        let weak = Arc::downgrade(self);
        let started = std::thread::Builder::new()
            .name("store-reopen".into())
            .spawn(move || reopen(weak, dir));
        if let Err(e) = started {
            tracing::error!(error = %e, "could not start the store's reopener; restart Switchboard");
        }
    }

    /// After a flush that succeeded: a recovering store is healthy again.
    fn flushed(&self) {
        let mut health = lock(&self.health);
        if let Health::Recovering { why } = &*health {
            tracing::info!(after = %why, "the store recovered: commits are durable again");
            *health = Health::Healthy;
        }
    }
}

/// The reopener (see the module docs). Ends when the store is open again, or dropped.
fn reopen(cell: Weak<Cell>, dir: PathBuf) {
    // Out of the cell, then dropped once no operation holds it: its drop waits until sled
    // let go of the directory (module `release`).
    if let Some(old) = cell.upgrade().and_then(|c| take_open(&c)) {
        let deadline = Instant::now() + release::RELEASE_WAIT;
        while Arc::strong_count(&old) > 1 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(1));
        }
        drop(old);
    }
    let mut backoff = Backoff::new(REOPEN_FIRST, REOPEN_MAX);
    loop {
        let wait = backoff.next(0);
        std::thread::sleep(wait);
        let Some(cell) = cell.upgrade() else { return };
        match Database::open_with(&dir, cell.cache_bytes) {
            Ok(open) => {
                put_open(&cell, open);
                cell.epoch.fetch_add(1, Ordering::SeqCst);
                let mut health = lock(&cell.health);
                let why = match &*health {
                    Health::Failed { why, .. } => why.clone(),
                    other => format!("{other:?}"),
                };
                tracing::info!(after = %why, "the store was reopened; healthy again once a flush succeeds");
                *health = Health::Recovering { why };
                return;
            }
            Err(e) => {
                tracing::warn!(error = %e, retry_in = ?backoff.current(), "the store could not be reopened yet");
            }
        }
    }
}

impl SledStore {
    fn new(open: Database, dir: Option<PathBuf>, cache_bytes: u64) -> SledStore {
        SledStore {
            cell: Arc::new(Cell {
                dir,
                open: RwLock::new(Some(Arc::new(open))),
                health: Mutex::new(Health::Healthy),
                epoch: Arc::new(AtomicU64::new(1)),
                cache_bytes,
            }),
        }
    }

    /// Opens (or creates) the store in directory `path`: migrates an older schema, refuses
    /// a newer one ([`StoreError::TooNew`]) or a directory another process holds.
    pub fn open(path: impl AsRef<Path>) -> Result<SledStore, StoreError> {
        SledStore::open_with_cache(path, crate::DEFAULT_CACHE_BYTES)
    }

    /// [`SledStore::open`] with sled's page cache capped at `cache_bytes` (the process's
    /// memory grows with it, up to the size of the store's hot pages); a reopen after an
    /// I/O error keeps the same cap.
    pub fn open_with_cache(
        path: impl AsRef<Path>,
        cache_bytes: u64,
    ) -> Result<SledStore, StoreError> {
        let path = path.as_ref();
        Ok(SledStore::new(
            Database::open_with(path, cache_bytes)?,
            Some(path.to_path_buf()),
            cache_bytes,
        ))
    }

    /// A store in a temporary directory that sled deletes on drop (demos, tests).
    pub fn temporary() -> Result<SledStore, StoreError> {
        Ok(SledStore::new(
            Database::temporary()?,
            None,
            crate::DEFAULT_CACHE_BYTES,
        ))
    }

    /// Runs `f` on the open database; an I/O error marks the store failed (module docs).
    fn with<T>(&self, f: impl FnOnce(&Database) -> Result<T, StoreError>) -> Result<T, StoreError> {
        let open = self.cell.current()?;
        let result = f(&open);
        drop(open);
        if let Err(e) = &result
            && is_io(e)
        {
            self.cell.fail(e);
        }
        result
    }

    /// Why the store is unhealthy now (`None`: it is healthy): failed and being reopened,
    /// or reopened and waiting for a flush to succeed. For the admin endpoint's `/health`.
    pub fn problem(&self) -> Option<String> {
        match &*lock(&self.cell.health) {
            Health::Healthy => None,
            Health::Failed { why, .. } => Some(format!(
                "the store failed ({why}); updates are refused until it is reopened, which is retried by itself"
            )),
            Health::Recovering { why } => Some(format!(
                "the store was reopened after an error ({why}); waiting for a flush to succeed"
            )),
        }
    }

    /// How many times the store was opened in this process (1, then one more per reopen).
    pub fn generation(&self) -> u64 {
        self.cell.epoch.load(Ordering::SeqCst)
    }

    /// The schema version stamped in the store.
    pub fn schema_version(&self) -> Result<u32, StoreError> {
        self.with(Database::schema_version)
    }

    /// Every stored ticket with an id in `[from, to)`, in id order, decoded one at a time:
    /// for reports over millions of tickets, which must not hold them all in memory (and
    /// can split the ids among threads, up to [`Store::last_ticket_id`]). Not one snapshot:
    /// a commit during the scan may or may not be seen, which is fine for statistics and
    /// never tears a ticket. `T` is [`Ticket`] or any struct with some of its fields (the
    /// others are skipped). A store being reopened yields one error.
    pub fn scan_tickets<T: serde::de::DeserializeOwned>(
        &self,
        from: TicketId,
        to: TicketId,
    ) -> impl Iterator<Item = Result<T, StoreError>> {
        // sled's iterator owns what it reads: the database may be replaced meanwhile.
        let (failed, values) = match self.cell.current() {
            Err(e) => (Some(Err(e)), None),
            Ok(open) => (
                None,
                Some(
                    open.tickets
                        .range(keys::id(from.0)..keys::id(to.0))
                        .values(),
                ),
            ),
        };
        failed.into_iter().chain(
            values
                .into_iter()
                .flatten()
                .map(|v| decode(keys::TICKETS, &v.map_err(from_sled)?)),
        )
    }

    /// Starts a [`GroupCommit`] that flushes this store (whichever database is open).
    ///
    /// The flusher holds the store weakly, so that it never keeps the directory locked
    /// after the store is dropped; a request made after that completes at once, because
    /// dropping the store flushed every commit. A request made before a reopen fails.
    pub fn group_commit(&self) -> Result<GroupCommit, StoreError> {
        let cell = Arc::downgrade(&self.cell);
        GroupCommit::start_with_epoch(
            move || match cell.upgrade() {
                Some(cell) => SledStore { cell }.flush(),
                None => Ok(()),
            },
            self.cell.epoch.clone(),
        )
    }
}

impl Store for SledStore {
    fn seen(&self, key: &UpdateKey) -> Result<bool, StoreError> {
        self.with(|s| s.seen(key))
    }

    fn customer(&self, id: &PartyId) -> Result<Option<Customer>, StoreError> {
        self.with(|s| s.customer(id))
    }

    fn ticket(&self, id: TicketId) -> Result<Option<Ticket>, StoreError> {
        self.with(|s| s.ticket(id))
    }

    fn latest_ticket(
        &self,
        customer: &PartyId,
        chat: &ChatId,
    ) -> Result<Option<TicketId>, StoreError> {
        self.with(|s| s.latest_ticket(customer, chat))
    }

    fn last_ticket_id(&self) -> Result<u64, StoreError> {
        self.with(|s| s.last_ticket_id())
    }

    fn messages(&self, ticket: TicketId) -> Result<Vec<Message>, StoreError> {
        self.with(|s| s.messages(ticket))
    }

    fn agent(&self, name: &str) -> Result<Option<Agent>, StoreError> {
        self.with(|s| s.agent(name))
    }

    fn linked_ticket(&self, reference: &str) -> Result<Option<TicketId>, StoreError> {
        self.with(|s| s.linked_ticket(reference))
    }

    fn tickets(&self, status: Option<TicketStatus>) -> Result<Vec<Ticket>, StoreError> {
        self.with(|s| s.tickets(status))
    }

    fn commit(&self, t: &Transition) -> Result<Committed, StoreError> {
        // Read before the database is: a reopen in between makes the note older, which
        // fails a request that could have succeeded (it is retried), never the reverse.
        let epoch = self.generation();
        let committed = self.with(|s| s.commit(t))?;
        crate::group::note_commit(epoch);
        Ok(committed)
    }

    fn flush(&self) -> Result<(), StoreError> {
        self.with(|s| s.flush())?;
        self.cell.flushed();
        Ok(())
    }

    fn due_jobs(&self, now: Timestamp, limit: usize) -> Result<Vec<(JobId, Job)>, StoreError> {
        self.with(|s| s.due_jobs(now, limit))
    }

    fn next_due(&self) -> Result<Option<Timestamp>, StoreError> {
        self.with(|s| s.next_due())
    }

    fn outbox(&self, limit: usize) -> Result<Vec<(OutboxId, Outbound)>, StoreError> {
        self.with(|s| s.outbox(limit))
    }

    fn ack_outbox(&self, id: OutboxId) -> Result<(), StoreError> {
        self.with(|s| s.ack_outbox(id))
    }

    fn outbox_after(
        &self,
        after: Option<OutboxId>,
        limit: usize,
    ) -> Result<Vec<(OutboxId, Outbound)>, StoreError> {
        self.with(|s| s.outbox_after(after, limit))
    }

    fn outbox_in(
        &self,
        lane: &Lane,
        after: Option<OutboxId>,
        until: OutboxId,
        limit: usize,
    ) -> Result<Vec<(OutboxId, Outbound)>, StoreError> {
        self.with(|s| s.outbox_in(lane, after, until, limit))
    }

    fn dead_letter(
        &self,
        id: OutboxId,
        reason: &str,
        attempts: u32,
        at: Timestamp,
    ) -> Result<bool, StoreError> {
        self.with(|s| s.dead_letter(id, reason, attempts, at))
    }

    fn dead_letters(&self, limit: usize) -> Result<Vec<(OutboxId, DeadLetter)>, StoreError> {
        self.with(|s| s.dead_letters(limit))
    }

    fn retry_dead_letter(&self, id: OutboxId) -> Result<Option<OutboxId>, StoreError> {
        self.with(|s| s.retry_dead_letter(id))
    }

    fn roster(&self) -> Result<Roster, StoreError> {
        self.with(|s| s.roster())
    }

    fn link(&self, links: &[(String, TicketId)]) -> Result<(), StoreError> {
        self.with(|s| s.link(links))
    }

    fn channel_state(&self, key: &str) -> Result<Option<String>, StoreError> {
        self.with(|s| s.channel_state(key))
    }

    fn set_channel_state(&self, key: &str, value: Option<&str>) -> Result<(), StoreError> {
        self.with(|s| s.set_channel_state(key, value))
    }

    fn channel_states(&self, prefix: &str) -> Result<Vec<(String, String)>, StoreError> {
        self.with(|s| s.channel_states(prefix))
    }
}
