//! Switchboard's sled store: the desk's [`Store`] trait on an embedded, durable database.
//!
//! Parts:
//! - [`SledStore`]: the trait implemented over sled trees; every [`Store::commit`] is one
//!   sled transaction over all the trees, with the ticket version check inside it.
//! - [`GroupCommit`] and [`Durable`] (module `group`): many commits share one flush.
//! - `schema`: the schema version in `meta` and migrations ([`SCHEMA_VERSION`]).
//! - `keys`: the key bytes below, built in one place; `error`: sled errors as
//!   [`StoreError`]s.
//!
//! # Trees
//!
//! Trees are named `key_value`. Integers in keys are big-endian so that byte order is
//! numeric order. A *party key* is `platform:id` (`telegram:12345`); platform names hold no
//! `:`, so the first one splits it. Values are one format byte (1 = JSON) followed by the
//! serde_json encoding of the record, except where marked *raw*.
//!
//! | tree | key | value |
//! |---|---|---|
//! | `meta` | `schema_version` / `last_ticket_id` / `last_id` | raw u32 BE / raw u64 BE / raw u64 BE (last job or outbox id handed out) |
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
//!
//! Job and outbox ids come from one counter (`meta/last_id`) advanced inside the commit's
//! transaction, so they are unique and increase in commit order, across restarts too.
//!
//! # Durability
//!
//! A commit is atomic but not yet durable; [`SledStore::flush`] (or a [`GroupCommit`]
//! request) makes every commit that returned before it durable. After a crash (`kill -9`)
//! the store reopens with every flushed commit, and each later commit either whole or not
//! at all. sled also flushes by itself every half second.
//!
//! JSON is kept as the value format because the domain types use `skip_serializing_if`
//! and tagged enums, which non-self-describing formats cannot read back.

#![warn(missing_docs)]

mod error;
mod group;
mod keys;
mod schema;

use std::collections::HashMap;
use std::path::Path;

use sled::transaction::{ConflictableTransactionError, TransactionalTree};
use sled::{Db, Transactional, Tree};
use switchboard_desk::store::check_versions;
use switchboard_desk::{Committed, Job, JobId, OutboxId, Store, StoreError, Transition};
use switchboard_domain::{
    Agent, ChatId, Customer, Message, Outbound, PartyId, Ticket, TicketId, TicketStatus, Timestamp,
    UpdateKey,
};

pub use group::{Durable, GroupCommit};
pub use schema::SCHEMA_VERSION;

use error::{from_sled, from_transaction};
use keys::{decode, encode};

/// The desk's [`Store`] on sled (see the crate docs for the trees).
pub struct SledStore {
    db: Db,
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
}

impl SledStore {
    /// Opens (or creates) the store in directory `path`: migrates an older schema, refuses
    /// a newer one ([`StoreError::TooNew`]) or a directory another process holds.
    pub fn open(path: impl AsRef<Path>) -> Result<SledStore, StoreError> {
        let path = path.as_ref();
        let db = sled::Config::new().path(path).open().map_err(|e| {
            let text = e.to_string();
            if text.contains("could not acquire lock") {
                StoreError::Io(format!(
                    "the store {} is in use by another process (is Switchboard already running?)",
                    path.display()
                ))
            } else {
                match from_sled(e) {
                    StoreError::Io(why) => {
                        StoreError::Io(format!("could not open {}: {why}", path.display()))
                    }
                    other => other,
                }
            }
        })?;
        SledStore::with_db(db)
    }

    /// A store in a temporary directory that sled deletes on drop (demos, tests).
    pub fn temporary() -> Result<SledStore, StoreError> {
        let db = sled::Config::new()
            .temporary(true)
            .open()
            .map_err(from_sled)?;
        SledStore::with_db(db)
    }

    fn with_db(db: Db) -> Result<SledStore, StoreError> {
        let tree = |name: &str| db.open_tree(name).map_err(from_sled);
        let store = SledStore {
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
            db,
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
        ];
        schema::prepare(&store.db, &store.meta, &data)?;
        Ok(store)
    }

    /// The schema version stamped in the store.
    pub fn schema_version(&self) -> Result<u32, StoreError> {
        schema::read(&self.meta)?
            .ok_or_else(|| StoreError::Corrupt("the store has no schema version".into()))
    }

    /// Starts a [`GroupCommit`] that flushes this store.
    pub fn group_commit(&self) -> Result<GroupCommit, StoreError> {
        let db = self.db.clone();
        GroupCommit::start(move || db.flush().map(|_| ()).map_err(from_sled))
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

/// A value read inside a transaction; a bad one aborts it.
fn tx_get<T: serde::de::DeserializeOwned>(
    tree: &TransactionalTree,
    name: &str,
    key: impl AsRef<[u8]>,
) -> Result<Option<T>, ConflictableTransactionError<StoreError>> {
    match tree.get(key)? {
        None => Ok(None),
        Some(v) => decode(name, &v)
            .map(Some)
            .map_err(ConflictableTransactionError::Abort),
    }
}

fn tx_u64(
    tree: &TransactionalTree,
    key: &[u8],
) -> Result<u64, ConflictableTransactionError<StoreError>> {
    match tree.get(key)? {
        None => Ok(0),
        Some(v) => keys::u64_from(keys::META, &v).map_err(ConflictableTransactionError::Abort),
    }
}

fn enc<T: serde::Serialize>(v: &T) -> Result<Vec<u8>, ConflictableTransactionError<StoreError>> {
    encode(v).map_err(ConflictableTransactionError::Abort)
}

impl Store for SledStore {
    fn seen(&self, key: &UpdateKey) -> Result<bool, StoreError> {
        self.seen.contains_key(key.0.as_bytes()).map_err(from_sled)
    }

    fn customer(&self, id: &PartyId) -> Result<Option<Customer>, StoreError> {
        Self::get(&self.customers, keys::CUSTOMERS, keys::party(id))
    }

    fn ticket(&self, id: TicketId) -> Result<Option<Ticket>, StoreError> {
        Self::get(&self.tickets, keys::TICKETS, keys::id(id.0))
    }

    fn latest_ticket(
        &self,
        customer: &PartyId,
        chat: &ChatId,
    ) -> Result<Option<TicketId>, StoreError> {
        Self::get(
            &self.latest,
            keys::LATEST,
            keys::customer_chat(customer, chat),
        )
    }

    fn last_ticket_id(&self) -> Result<u64, StoreError> {
        match self.meta.get(keys::META_LAST_TICKET).map_err(from_sled)? {
            None => Ok(0),
            Some(v) => keys::u64_from(keys::META, &v),
        }
    }

    fn messages(&self, ticket: TicketId) -> Result<Vec<Message>, StoreError> {
        self.messages
            .scan_prefix(keys::id(ticket.0))
            .map(|kv| {
                let (_, v) = kv.map_err(from_sled)?;
                decode(keys::MESSAGES, &v)
            })
            .collect()
    }

    fn agent(&self, name: &str) -> Result<Option<Agent>, StoreError> {
        Self::get(&self.agents, keys::AGENTS, name.to_lowercase())
    }

    fn linked_ticket(&self, reference: &str) -> Result<Option<TicketId>, StoreError> {
        Self::get(&self.links, keys::LINKS, reference)
    }

    fn tickets(&self, status: Option<TicketStatus>) -> Result<Vec<Ticket>, StoreError> {
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
            // The index is read apart from the tickets: a commit in between may have moved
            // the ticket on, so check its status again.
            if let Some(t) = self.ticket(id)?
                && t.status == status
            {
                out.push(t);
            }
        }
        Ok(out)
    }

    fn commit(&self, t: &Transition) -> Result<Committed, StoreError> {
        let trees = (
            &self.meta,
            &self.tickets,
            &self.status,
            &self.messages,
            &self.customers,
            &self.latest,
            &self.seen,
            &self.agents,
            &self.links,
            &self.jobs,
            &self.job_due,
            &self.outbox,
        );
        trees
            .transaction(
                |(
                    meta,
                    tickets,
                    status,
                    messages,
                    customers,
                    latest,
                    seen,
                    agents,
                    links,
                    jobs,
                    job_due,
                    outbox,
                )| {
                    // The version check reads inside the transaction: no other commit can
                    // come between it and the writes.
                    let mut stored: HashMap<TicketId, Ticket> = HashMap::new();
                    for ticket in &t.tickets {
                        if let Some(old) =
                            tx_get::<Ticket>(tickets, keys::TICKETS, keys::id(ticket.id.0))?
                        {
                            stored.insert(ticket.id, old);
                        }
                    }
                    check_versions(t, |id| stored.get(&id).map(|x| x.version))
                        .map_err(ConflictableTransactionError::Abort)?;

                    if let Some(k) = &t.seen {
                        seen.insert(k.0.as_bytes(), enc(&true)?)?;
                    }
                    for c in &t.customers {
                        customers.insert(keys::party(&c.id), enc(c)?)?;
                    }
                    for ticket in &t.tickets {
                        if let Some(old) = stored.get(&ticket.id) {
                            status.remove(keys::status(old.status, ticket.id))?;
                        }
                        status.insert(keys::status(ticket.status, ticket.id), &[][..])?;
                        let pair = keys::customer_chat(&ticket.customer, &ticket.chat);
                        let newer = tx_get::<TicketId>(latest, keys::LATEST, &pair)?
                            .is_none_or(|old| old <= ticket.id);
                        if newer {
                            latest.insert(pair, enc(&ticket.id)?)?;
                        }
                        tickets.insert(&keys::id(ticket.id.0), enc(ticket)?)?;
                    }
                    for (id, m) in &t.messages {
                        messages.insert(&keys::message(*id, m.seq), enc(m)?)?;
                    }
                    if let Some(n) = t.last_ticket_id {
                        let last = tx_u64(meta, keys::META_LAST_TICKET)?;
                        if n > last {
                            meta.insert(keys::META_LAST_TICKET, &n.to_be_bytes())?;
                        }
                    }
                    for a in &t.agents {
                        agents.insert(a.name.to_lowercase().as_bytes(), enc(a)?)?;
                    }
                    for (r, id) in &t.links {
                        links.insert(r.as_bytes(), enc(id)?)?;
                    }
                    for id in &t.done_jobs {
                        if let Some(due) = job_due.remove(&keys::id(id.0))? {
                            jobs.remove(due)?;
                        }
                    }
                    let mut last_id = tx_u64(meta, keys::META_LAST_ID)?;
                    let mut next = || {
                        last_id += 1;
                        last_id
                    };
                    for job in &t.jobs {
                        let id = JobId(next());
                        let key = keys::due(job.due, id);
                        jobs.insert(&key, enc(job)?)?;
                        job_due.insert(&keys::id(id.0), &key)?;
                    }
                    let mut committed = Committed::default();
                    for o in &t.outbound {
                        let id = OutboxId(next());
                        outbox.insert(&keys::id(id.0), enc(o)?)?;
                        committed.outbox.push(id);
                    }
                    if !t.jobs.is_empty() || !t.outbound.is_empty() {
                        meta.insert(keys::META_LAST_ID, &last_id.to_be_bytes())?;
                    }
                    Ok(committed)
                },
            )
            .map_err(from_transaction)
    }

    fn flush(&self) -> Result<(), StoreError> {
        self.db.flush().map(|_| ()).map_err(from_sled)
    }

    fn due_jobs(&self, now: Timestamp, limit: usize) -> Result<Vec<(JobId, Job)>, StoreError> {
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
        match self.jobs.first().map_err(from_sled)? {
            None => Ok(None),
            Some((k, _)) => Ok(Some(keys::due_from(&k)?.0)),
        }
    }

    fn outbox(&self, limit: usize) -> Result<Vec<(OutboxId, Outbound)>, StoreError> {
        self.outbox
            .iter()
            .take(limit)
            .map(|kv| {
                let (k, v) = kv.map_err(from_sled)?;
                let id = OutboxId(keys::u64_from(keys::OUTBOX, &k)?);
                Ok((id, decode(keys::OUTBOX, &v)?))
            })
            .collect()
    }

    fn ack_outbox(&self, id: OutboxId) -> Result<(), StoreError> {
        self.outbox.remove(keys::id(id.0)).map_err(from_sled)?;
        Ok(())
    }
}
