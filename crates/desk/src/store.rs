//! The storage the desk needs, as a trait (conduit's `service/*/data.rs` is the model), an
//! in-memory implementation for the desk's own tests, and [`ForChannels`], any store as the
//! domain's `ChannelStore` the channel adapters keep their state in.
//!
//! The desk only reads through [`Store`]; every change it wants is one [`Transition`] that
//! the store applies atomically ([`Store::commit`]) — records, outbox and jobs together —
//! and makes durable with [`Store::flush`]. Several commits may share one flush (group
//! commit): the runtime acknowledges an update only after a flush that began after its
//! commit returned.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use switchboard_domain::{
    Agent, ChannelStore, ChannelStoreError, ChatId, Customer, Destination, Message, Outbound,
    PartyId, Ticket, TicketId, TicketStatus, Timestamp, UpdateKey,
};

/// Why a store operation failed. Variants say what the caller can do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// Another writer changed the ticket since it was read: read again and retry.
    #[error(
        "ticket {ticket} was changed by someone else (stored version {stored}, expected {expected}); retry"
    )]
    Conflict {
        /// The ticket.
        ticket: TicketId,
        /// The version in the store.
        stored: u64,
        /// The version the write was based on.
        expected: u64,
    },
    /// The disk is full: nothing was written; free space and retry.
    #[error("the disk is full; nothing was written: free space and retry")]
    Full,
    /// The data on disk could not be read.
    #[error("the store is damaged: {0}")]
    Corrupt(String),
    /// The store was written by a newer Switchboard.
    #[error(
        "the store has schema version {found}, newer than this program's {supported}: upgrade Switchboard"
    )]
    TooNew {
        /// The version on disk.
        found: u32,
        /// The newest this program knows.
        supported: u32,
    },
    /// Another writer changed the agents' roster since it was read: read again and retry.
    #[error(
        "the agents' roster was changed by someone else (stored version {stored}, expected {expected}); retry"
    )]
    RosterConflict {
        /// The version in the store.
        stored: u64,
        /// The version the write was based on.
        expected: u64,
    },
    /// Any other I/O problem.
    #[error("store I/O failed: {0}")]
    Io(String),
}

/// The agents' shared state for assignment: who is away, and how many tickets each was
/// given by round robin (so that the next goes to whoever has had the fewest). Written by
/// transitions like a ticket, with a version that must follow the stored one.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Roster {
    /// Bumped on every change (0: never written).
    pub version: u64,
    /// Agents (party keys, `telegram:7`) who are away: they get nothing new.
    pub away: std::collections::BTreeSet<String>,
    /// Tickets given to each agent (party key) by automatic assignment.
    pub assigned: std::collections::BTreeMap<String, u64>,
}

/// A unique, increasing id of an outbox entry (assigned by the store at commit).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct OutboxId(pub u64);

/// A set of outbox entries by where they go, for [`Store::outbox_in`]: what the dispatcher
/// reads to refill a queue that fell behind, without reading the rest of the outbox. The
/// store indexes entries by [`Lane::of`] their destination (a customer's conversation, or
/// the staff space as a whole); the finer lanes are read from the coarser index.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Lane {
    /// A customer's conversation.
    Chat(ChatId),
    /// One ticket's thread in the staff space.
    Ticket(TicketId),
    /// The staff space outside any ticket.
    StaffSpace,
    /// The whole staff space: every ticket's thread and the space itself.
    Staff,
    /// Every entry.
    All,
}

impl Lane {
    /// The narrowest lane that holds entries to `to`.
    pub fn of(to: &Destination) -> Lane {
        match to {
            Destination::Customer { chat } => Lane::Chat(chat.clone()),
            Destination::Ticket { ticket } => Lane::Ticket(*ticket),
            Destination::StaffSpace => Lane::StaffSpace,
        }
    }

    /// The narrowest lane that holds both `self` and `other` (a queue that takes entries
    /// of several lanes, such as a Telegram staff group, reads from their join).
    pub fn join(&self, other: &Lane) -> Lane {
        let staff = |l: &Lane| matches!(l, Lane::Ticket(_) | Lane::StaffSpace | Lane::Staff);
        if self == other {
            self.clone()
        } else if staff(self) && staff(other) {
            Lane::Staff
        } else {
            Lane::All
        }
    }

    /// Whether an entry to `to` belongs to this lane.
    pub fn holds(&self, to: &Destination) -> bool {
        match (self, to) {
            (Lane::All, _) => true,
            (Lane::Chat(c), Destination::Customer { chat }) => c == chat,
            (Lane::Ticket(t), Destination::Ticket { ticket }) => t == ticket,
            (Lane::StaffSpace, Destination::StaffSpace) => true,
            (Lane::Staff, Destination::Ticket { .. } | Destination::StaffSpace) => true,
            _ => false,
        }
    }
}

/// An outbox entry the dispatcher gave up on (no running channel delivers it, the platform
/// refused it for good, or it failed too many times), kept for an admin to read and retry
/// (`switchboard tickets dead-letters`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeadLetter {
    /// The message, as it was in the outbox.
    pub outbound: Outbound,
    /// Why it was given up, in words that say what to do.
    pub reason: String,
    /// How many deliveries were tried.
    pub attempts: u32,
    /// When it was given up.
    pub at: Timestamp,
}

/// A unique, increasing id of a job (assigned by the store at commit).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct JobId(pub u64);

/// What a timer does when it falls due. Jobs are checked when they fire: a job whose
/// reason has gone (the customer answered, the ticket was reopened) does nothing, so jobs
/// never need to be found and cancelled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum JobKind {
    /// The customer did not answer "Did this solve it?": hand the ticket to a person (if
    /// it is still waiting on the question when the job falls due).
    SelfServiceTimeout {
        /// The ticket.
        ticket: TicketId,
    },
    /// Send the satisfaction survey of a ticket resolved at `resolved_at` (if it is still
    /// that resolution: a reopened ticket cancels its survey).
    SurveySend {
        /// The ticket.
        ticket: TicketId,
        /// When it was resolved.
        resolved_at: Timestamp,
    },
    /// Remind the customer once of an unanswered survey.
    SurveyReminder {
        /// The ticket.
        ticket: TicketId,
    },
    /// Check a ticket's SLA clocks (warnings, breaches); only if `generation` is still the
    /// ticket's (a pause, a resume or a resolution reschedules).
    SlaCheck {
        /// The ticket.
        ticket: TicketId,
        /// The schedule it belongs to.
        generation: u32,
    },
}

/// A timer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Job {
    /// When it falls due.
    pub due: Timestamp,
    /// What it does.
    pub kind: JobKind,
}

/// Everything one event changes, applied atomically by [`Store::commit`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Transition {
    /// The update to remember as handled (idempotency).
    pub seen: Option<UpdateKey>,
    /// Customer profiles to write.
    pub customers: Vec<Customer>,
    /// Tickets to write; each `version` must be one more than the stored one (or 1 for a
    /// new ticket), else the commit fails with [`StoreError::Conflict`].
    pub tickets: Vec<Ticket>,
    /// Messages to append.
    pub messages: Vec<(TicketId, Message)>,
    /// The highest ticket number now used, when a ticket was opened.
    pub last_ticket_id: Option<u64>,
    /// Agents seen (by name), for `/transfer NAME`.
    pub agents: Vec<Agent>,
    /// Messages to deliver.
    pub outbound: Vec<Outbound>,
    /// Timers to set.
    pub jobs: Vec<Job>,
    /// Timers that fired and were handled.
    pub done_jobs: Vec<JobId>,
    /// Platform references (a thread, a message id) that point at a ticket.
    pub links: Vec<(String, TicketId)>,
    /// The agents' roster to write; its `version` must be one more than the stored one.
    pub roster: Option<Roster>,
}

impl Transition {
    /// Whether committing it would change nothing.
    pub fn is_empty(&self) -> bool {
        *self == Transition::default()
    }
}

/// What a commit assigned.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Committed {
    /// The outbox ids of the transition's outbound messages, in order.
    pub outbox: Vec<OutboxId>,
}

/// The storage the desk needs. Reads see every commit that returned, flushed or not.
pub trait Store: Send + Sync {
    /// Whether the update was handled already.
    fn seen(&self, key: &UpdateKey) -> Result<bool, StoreError>;
    /// A customer's profile.
    fn customer(&self, id: &PartyId) -> Result<Option<Customer>, StoreError>;
    /// A ticket.
    fn ticket(&self, id: TicketId) -> Result<Option<Ticket>, StoreError>;
    /// The newest ticket of this customer in this conversation, open or not.
    fn latest_ticket(
        &self,
        customer: &PartyId,
        chat: &ChatId,
    ) -> Result<Option<TicketId>, StoreError>;
    /// The highest ticket number used so far (0 in a new store).
    fn last_ticket_id(&self) -> Result<u64, StoreError>;
    /// A ticket's messages, in order.
    fn messages(&self, ticket: TicketId) -> Result<Vec<Message>, StoreError>;
    /// An agent by name (case-insensitive).
    fn agent(&self, name: &str) -> Result<Option<Agent>, StoreError>;
    /// The ticket a platform reference points at.
    fn linked_ticket(&self, reference: &str) -> Result<Option<TicketId>, StoreError>;
    /// Tickets, oldest first, optionally only those with `status`.
    fn tickets(&self, status: Option<TicketStatus>) -> Result<Vec<Ticket>, StoreError>;
    /// Applies a transition atomically. Not yet durable: see [`Store::flush`].
    fn commit(&self, t: &Transition) -> Result<Committed, StoreError>;
    /// Makes every commit that returned before this call durable.
    fn flush(&self) -> Result<(), StoreError>;
    /// Jobs due at or before `now`, earliest first, at most `limit`.
    fn due_jobs(&self, now: Timestamp, limit: usize) -> Result<Vec<(JobId, Job)>, StoreError>;
    /// When the next job falls due, if any.
    fn next_due(&self) -> Result<Option<Timestamp>, StoreError>;
    /// Undelivered outbound messages, oldest first, at most `limit`.
    fn outbox(&self, limit: usize) -> Result<Vec<(OutboxId, Outbound)>, StoreError>;
    /// Removes a delivered outbox entry (removing a missing one is not an error).
    fn ack_outbox(&self, id: OutboxId) -> Result<(), StoreError>;
    /// Outbox entries with an id above `after` (from the first when `None`), oldest first,
    /// at most `limit`: the dispatcher's cursor, which reads each entry once. Ids only grow
    /// (a retried dead letter gets a new one), so nothing appears behind a cursor.
    fn outbox_after(
        &self,
        after: Option<OutboxId>,
        limit: usize,
    ) -> Result<Vec<(OutboxId, Outbound)>, StoreError>;
    /// Outbox entries of `lane` with an id above `after` and at most `until`, oldest first,
    /// at most `limit`: refills a dispatcher queue that fell behind, at a cost that does not
    /// grow with the other lanes' backlog.
    fn outbox_in(
        &self,
        lane: &Lane,
        after: Option<OutboxId>,
        until: OutboxId,
        limit: usize,
    ) -> Result<Vec<(OutboxId, Outbound)>, StoreError>;
    /// Moves an outbox entry to the dead letters, atomically, with why and how many
    /// attempts were made. `false` when it is no longer in the outbox.
    fn dead_letter(
        &self,
        id: OutboxId,
        reason: &str,
        attempts: u32,
        at: Timestamp,
    ) -> Result<bool, StoreError>;
    /// Dead letters, oldest first (by their former outbox id), at most `limit`.
    fn dead_letters(&self, limit: usize) -> Result<Vec<(OutboxId, DeadLetter)>, StoreError>;
    /// Moves a dead letter back to the outbox, atomically, under a new outbox id (above
    /// every id handed out, so that a running dispatcher's cursor finds it). `None` when
    /// there is no dead letter `id`.
    fn retry_dead_letter(&self, id: OutboxId) -> Result<Option<OutboxId>, StoreError>;
    /// Records platform references (a topic, a message the bot sent) that point at a
    /// ticket, outside any transition: channels learn them while delivering. Durable with
    /// the next flush.
    fn link(&self, links: &[(String, TicketId)]) -> Result<(), StoreError>;
    /// A channel's own state by key (`telegram:topic:T-5`), such as the topic a ticket's
    /// thread lives in. The desk never reads it.
    fn channel_state(&self, key: &str) -> Result<Option<String>, StoreError>;
    /// Sets (`Some`) or removes (`None`) a channel's state. Durable with the next flush.
    fn set_channel_state(&self, key: &str, value: Option<&str>) -> Result<(), StoreError>;
    /// Every channel state whose key starts with `prefix`, in key order (an adapter lists
    /// what it recorded of one kind, such as every DM it has seen).
    fn channel_states(&self, prefix: &str) -> Result<Vec<(String, String)>, StoreError>;
    /// The agents' roster (the default, version 0, when never written).
    fn roster(&self) -> Result<Roster, StoreError>;
}

/// A store as the channel adapters see it ([`ChannelStore`]: their state, their links, the
/// tickets), so that adapters depend on the domain and not on the desk. A wrapper because
/// the trait is the domain's: `ForChannels(store)` for any [`Store`], `dyn` or not.
pub struct ForChannels<S: ?Sized>(pub std::sync::Arc<S>);

fn for_channels(e: StoreError) -> ChannelStoreError {
    ChannelStoreError(e.to_string())
}

impl<S: Store + ?Sized> ChannelStore for ForChannels<S> {
    fn ticket(&self, id: TicketId) -> Result<Option<Ticket>, ChannelStoreError> {
        self.0.ticket(id).map_err(for_channels)
    }
    fn tickets(&self, status: Option<TicketStatus>) -> Result<Vec<Ticket>, ChannelStoreError> {
        self.0.tickets(status).map_err(for_channels)
    }
    fn linked_ticket(&self, reference: &str) -> Result<Option<TicketId>, ChannelStoreError> {
        self.0.linked_ticket(reference).map_err(for_channels)
    }
    fn link(&self, links: &[(String, TicketId)]) -> Result<(), ChannelStoreError> {
        self.0.link(links).map_err(for_channels)
    }
    fn channel_state(&self, key: &str) -> Result<Option<String>, ChannelStoreError> {
        self.0.channel_state(key).map_err(for_channels)
    }
    fn set_channel_state(&self, key: &str, value: Option<&str>) -> Result<(), ChannelStoreError> {
        self.0.set_channel_state(key, value).map_err(for_channels)
    }
    fn channel_states(&self, prefix: &str) -> Result<Vec<(String, String)>, ChannelStoreError> {
        self.0.channel_states(prefix).map_err(for_channels)
    }
}

#[derive(Default)]
struct Memory {
    seen: HashSet<UpdateKey>,
    customers: HashMap<PartyId, Customer>,
    tickets: BTreeMap<TicketId, Ticket>,
    latest: HashMap<(PartyId, ChatId), TicketId>,
    last_ticket_id: u64,
    messages: HashMap<TicketId, Vec<Message>>,
    agents: BTreeMap<String, Agent>,
    links: HashMap<String, TicketId>,
    jobs: BTreeMap<(Timestamp, JobId), Job>,
    outbox: BTreeMap<OutboxId, Outbound>,
    dead: BTreeMap<OutboxId, DeadLetter>,
    next_id: u64,
    channel: BTreeMap<String, String>,
    roster: Roster,
}

/// A store in memory: for the desk's tests and the store contract suite. Not durable.
#[derive(Default)]
pub struct MemoryStore {
    inner: Mutex<Memory>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> MemoryStore {
        MemoryStore::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Memory> {
        // A panic while holding the lock leaves consistent data (every commit checks first
        // and writes after), so a poisoned lock is safe to use.
        switchboard_domain::sync::lock(&self.inner)
    }
}

/// Checks the roster write of `t` (if any) against the stored roster's version.
pub fn check_roster(t: &Transition, stored: u64) -> Result<(), StoreError> {
    if let Some(r) = &t.roster {
        let expected = r.version.saturating_sub(1);
        if stored != expected {
            return Err(StoreError::RosterConflict { stored, expected });
        }
    }
    Ok(())
}

/// Checks every ticket write of `t` against the stored versions.
pub fn check_versions(
    t: &Transition,
    stored: impl Fn(TicketId) -> Option<u64>,
) -> Result<(), StoreError> {
    for ticket in &t.tickets {
        let expected = ticket.version.saturating_sub(1);
        let now = stored(ticket.id).unwrap_or(0);
        if now != expected {
            return Err(StoreError::Conflict {
                ticket: ticket.id,
                stored: now,
                expected,
            });
        }
    }
    Ok(())
}

impl Store for MemoryStore {
    fn seen(&self, key: &UpdateKey) -> Result<bool, StoreError> {
        Ok(self.lock().seen.contains(key))
    }
    fn customer(&self, id: &PartyId) -> Result<Option<Customer>, StoreError> {
        Ok(self.lock().customers.get(id).cloned())
    }
    fn ticket(&self, id: TicketId) -> Result<Option<Ticket>, StoreError> {
        Ok(self.lock().tickets.get(&id).cloned())
    }
    fn latest_ticket(
        &self,
        customer: &PartyId,
        chat: &ChatId,
    ) -> Result<Option<TicketId>, StoreError> {
        Ok(self
            .lock()
            .latest
            .get(&(customer.clone(), chat.clone()))
            .copied())
    }
    fn last_ticket_id(&self) -> Result<u64, StoreError> {
        Ok(self.lock().last_ticket_id)
    }
    fn messages(&self, ticket: TicketId) -> Result<Vec<Message>, StoreError> {
        Ok(self
            .lock()
            .messages
            .get(&ticket)
            .cloned()
            .unwrap_or_default())
    }
    fn agent(&self, name: &str) -> Result<Option<Agent>, StoreError> {
        Ok(self.lock().agents.get(&name.to_lowercase()).cloned())
    }
    fn linked_ticket(&self, reference: &str) -> Result<Option<TicketId>, StoreError> {
        Ok(self.lock().links.get(reference).copied())
    }
    fn tickets(&self, status: Option<TicketStatus>) -> Result<Vec<Ticket>, StoreError> {
        Ok(self
            .lock()
            .tickets
            .values()
            .filter(|t| status.is_none_or(|s| t.status == s))
            .cloned()
            .collect())
    }
    fn commit(&self, t: &Transition) -> Result<Committed, StoreError> {
        let mut m = self.lock();
        check_versions(t, |id| m.tickets.get(&id).map(|x| x.version))?;
        check_roster(t, m.roster.version)?;
        if let Some(r) = &t.roster {
            m.roster = r.clone();
        }
        if let Some(k) = &t.seen {
            m.seen.insert(k.clone());
        }
        for c in &t.customers {
            m.customers.insert(c.id.clone(), c.clone());
        }
        for ticket in &t.tickets {
            let key = (ticket.customer.clone(), ticket.chat.clone());
            let newer = m.latest.get(&key).is_none_or(|old| *old <= ticket.id);
            if newer {
                m.latest.insert(key, ticket.id);
            }
            m.tickets.insert(ticket.id, ticket.clone());
        }
        for (id, msg) in &t.messages {
            m.messages.entry(*id).or_default().push(msg.clone());
        }
        if let Some(n) = t.last_ticket_id {
            m.last_ticket_id = m.last_ticket_id.max(n);
        }
        for a in &t.agents {
            m.agents.insert(a.name.to_lowercase(), a.clone());
        }
        for (r, id) in &t.links {
            m.links.insert(r.clone(), *id);
        }
        for id in &t.done_jobs {
            m.jobs.retain(|(_, j), _| j != id);
        }
        for job in &t.jobs {
            m.next_id += 1;
            let id = JobId(m.next_id);
            m.jobs.insert((job.due, id), job.clone());
        }
        let mut outbox = Vec::new();
        for o in &t.outbound {
            m.next_id += 1;
            let id = OutboxId(m.next_id);
            m.outbox.insert(id, o.clone());
            outbox.push(id);
        }
        Ok(Committed { outbox })
    }
    fn flush(&self) -> Result<(), StoreError> {
        Ok(())
    }
    fn due_jobs(&self, now: Timestamp, limit: usize) -> Result<Vec<(JobId, Job)>, StoreError> {
        Ok(self
            .lock()
            .jobs
            .iter()
            .take_while(|((due, _), _)| *due <= now)
            .take(limit)
            .map(|((_, id), j)| (*id, j.clone()))
            .collect())
    }
    fn next_due(&self) -> Result<Option<Timestamp>, StoreError> {
        Ok(self.lock().jobs.keys().next().map(|(due, _)| *due))
    }
    fn outbox(&self, limit: usize) -> Result<Vec<(OutboxId, Outbound)>, StoreError> {
        Ok(self
            .lock()
            .outbox
            .iter()
            .take(limit)
            .map(|(id, o)| (*id, o.clone()))
            .collect())
    }
    fn ack_outbox(&self, id: OutboxId) -> Result<(), StoreError> {
        self.lock().outbox.remove(&id);
        Ok(())
    }
    fn outbox_after(
        &self,
        after: Option<OutboxId>,
        limit: usize,
    ) -> Result<Vec<(OutboxId, Outbound)>, StoreError> {
        let from = after.map_or(0, |a| a.0.saturating_add(1));
        Ok(self
            .lock()
            .outbox
            .range(OutboxId(from)..)
            .take(limit)
            .map(|(id, o)| (*id, o.clone()))
            .collect())
    }
    fn outbox_in(
        &self,
        lane: &Lane,
        after: Option<OutboxId>,
        until: OutboxId,
        limit: usize,
    ) -> Result<Vec<(OutboxId, Outbound)>, StoreError> {
        let from = after.map_or(0, |a| a.0.saturating_add(1));
        if from > until.0 {
            return Ok(Vec::new());
        }
        Ok(self
            .lock()
            .outbox
            .range(OutboxId(from)..=until)
            .filter(|(_, o)| lane.holds(&o.to))
            .take(limit)
            .map(|(id, o)| (*id, o.clone()))
            .collect())
    }
    fn dead_letter(
        &self,
        id: OutboxId,
        reason: &str,
        attempts: u32,
        at: Timestamp,
    ) -> Result<bool, StoreError> {
        let mut m = self.lock();
        let Some(outbound) = m.outbox.remove(&id) else {
            return Ok(false);
        };
        let letter = DeadLetter {
            outbound,
            reason: reason.to_string(),
            attempts,
            at,
        };
        m.dead.insert(id, letter);
        Ok(true)
    }
    fn dead_letters(&self, limit: usize) -> Result<Vec<(OutboxId, DeadLetter)>, StoreError> {
        Ok(self
            .lock()
            .dead
            .iter()
            .take(limit)
            .map(|(id, d)| (*id, d.clone()))
            .collect())
    }
    fn retry_dead_letter(&self, id: OutboxId) -> Result<Option<OutboxId>, StoreError> {
        let mut m = self.lock();
        let Some(letter) = m.dead.remove(&id) else {
            return Ok(None);
        };
        m.next_id += 1;
        let new = OutboxId(m.next_id);
        m.outbox.insert(new, letter.outbound);
        Ok(Some(new))
    }

    fn link(&self, links: &[(String, TicketId)]) -> Result<(), StoreError> {
        let mut m = self.lock();
        for (r, id) in links {
            m.links.insert(r.clone(), *id);
        }
        Ok(())
    }

    fn channel_state(&self, key: &str) -> Result<Option<String>, StoreError> {
        Ok(self.lock().channel.get(key).cloned())
    }

    fn roster(&self) -> Result<Roster, StoreError> {
        Ok(self.lock().roster.clone())
    }

    fn set_channel_state(&self, key: &str, value: Option<&str>) -> Result<(), StoreError> {
        let mut m = self.lock();
        match value {
            Some(v) => m.channel.insert(key.to_string(), v.to_string()),
            None => m.channel.remove(key),
        };
        Ok(())
    }

    fn channel_states(&self, prefix: &str) -> Result<Vec<(String, String)>, StoreError> {
        Ok(self
            .lock()
            .channel
            .range(prefix.to_string()..)
            .take_while(|(k, _)| k.starts_with(prefix))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect())
    }
}
