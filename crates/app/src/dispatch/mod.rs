//! The outbox dispatcher: delivers what the desk committed, chat by chat, at least once,
//! through whichever channel (Telegram, Discord) each message belongs to, at a cost that
//! does not grow with what is waiting.
//!
//! Parts: this module (the reading loop and the queues), `worker` (one task per queue:
//! delivery, retries, giving up), `digest` (cards merged when a staff queue is flooded).
//!
//! # Cards under a flood
//!
//! A queue sends cards at most once per [`Policy::card_pace`] (3 s: Telegram's 20 messages
//! a minute into a group); cards that gather meanwhile go as one digest (module `digest`).
//! Where a channel keeps a queue per ticket (Discord's threads) cards never gather in one
//! queue, so a card whose own queue holds nothing earlier goes through the staff space's
//! queue instead ([`Dispatcher::card_queue`]), and its own queue waits behind a gate (it
//! is *behind*, refilled once the card is out), so a ticket's messages keep their order.
//!
//! # Reading
//!
//! Outbox ids only grow (a retried dead letter gets a new one), so the dispatcher reads
//! the outbox by a cursor ([`Store::outbox_after`]): each entry is read once, after the
//! last one read, and what is in flight is never read again. After a read it waits for a
//! group flush (so that everything it read is durable before anyone sees it), then hands
//! each entry to the queue of its chat ([`Channel::route`]: a chat, the staff group, a
//! ticket's Discord thread).
//!
//! # Bounded memory: queues that fall behind
//!
//! A queue holds at most [`Policy::queue_cap`] entries in memory, and all queues together
//! at most [`Policy::max_held`] while the cursor works through a backlog (at start after a
//! long stop, say). An entry that finds its queue full is left in the store and the queue
//! is *behind*: it remembers the last id it was handed and the [`Lane`] (where the entries
//! it left go: a customer's chat, a ticket's thread, the whole staff space) and, once it
//! has drained, is refilled from the store with [`Store::outbox_in`], which reads that
//! lane's index between the queue's last id and the cursor, whatever the other lanes hold.
//! A queue takes nothing from the cursor while it is behind, so order within a queue is
//! id order. Lanes are what the store can tell from a destination; queues are what the
//! channels decide, so a refill skips entries of its lane that route to another queue (a
//! Discord ticket thread's lane is the staff space, read through its index only). A queue
//! behind costs a record of its name, last id and lane (about a hundred bytes), never its
//! entries.
//!
//! # Intake first
//!
//! New entries (read when the cursor has caught up) go to their queue at once unless that
//! queue is itself behind: a new customer is answered while other chats work through
//! backlogs, and backlogs are refilled a bounded number at a time ([`Policy::max_held`]),
//! so that they never fill the platform's send budget ahead of new messages for long.
//!
//! # Giving up: dead letters
//!
//! An entry no running channel delivers (a Discord ticket while only Telegram runs), one the
//! platform refuses for good, and one that failed [`Policy::max_attempts`] times over at
//! least [`Policy::give_up_after`] moves to the dead letters ([`Store::dead_letter`]: out
//! of the outbox atomically, with the reason, the attempts and the time), logged once, and
//! `switchboard tickets dead-letters --retry` sends it again. Waits the platform asks for
//! (429) are never counted as failures.
//!
//! Workers wait as long as the platform asks (429), retry network, server and store errors
//! with jittered backoff ([`Backoff`]), and remove each entry only after success. Queues
//! have their own workers, so one slow chat holds up no other. A worker idle for a minute
//! ends; the next message starts a new one.
//!
//! The contract with the channels is the domain's: [`Channel`] and its one
//! [`DeliveryError`].

mod digest;
mod worker;

#[cfg(test)]
mod tests;

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use switchboard_desk::{Lane, OutboxId, Store};
use switchboard_domain::{BoxFuture, Destination, HostError, Outbound};
use tokio::sync::{Notify, mpsc, watch};

// The gates are consistent after every operation: a poisoned lock is fine.
use switchboard_domain::sync::lock;

// The delivery contract lives in the domain: every channel (Telegram, Discord, the console)
// implements `Channel` and reports failures as the one `DeliveryError`.
pub use switchboard_domain::{Channel, DeliveryError, Sending};

pub use digest::Words;

/// The dispatcher's earlier name for [`DeliveryError`] (the same type), so that channels
/// written against it still read.
pub type Delivery = DeliveryError;

/// What starting a channel left running.
pub(crate) struct Started {
    /// Delivers its messages.
    pub(crate) channel: Arc<dyn Channel>,
    /// Its receiving tasks.
    pub(crate) tasks: Vec<tokio::task::JoinHandle<()>>,
}

/// The channels of a running service, asked in order.
#[derive(Clone, Default)]
pub struct Channels(pub Vec<Arc<dyn Channel>>);

impl Channels {
    /// The channel and queue of `o`.
    fn route(&self, o: &Outbound) -> Option<(Arc<dyn Channel>, String)> {
        self.0
            .iter()
            .find_map(|c| c.route(o).map(|q| (c.clone(), q)))
    }
}

/// A flush request: resolves when every commit made before it is durable.
pub type Durable = Arc<dyn Fn() -> BoxFuture<Result<(), HostError>> + Send + Sync>;

/// The dispatcher's bounds, with the service's defaults ([`Policy::default`]); tests shorten
/// them.
#[derive(Debug, Clone)]
pub struct Policy {
    /// How many entries one read of the cursor takes.
    pub batch: usize,
    /// How many entries one queue holds in memory; with more waiting it is behind.
    pub queue_cap: usize,
    /// How many entries all queues together hold while working through a backlog.
    pub max_held: usize,
    /// Failed attempts (network, server, store errors) before an entry is given up...
    pub max_attempts: u32,
    /// ...provided it has been failing for at least this long: a platform outage of a few
    /// minutes sends nothing to the dead letters.
    pub give_up_after: Duration,
    /// Cards go into one queue at most once per this long (Telegram allows 20 messages a
    /// minute into a group: one per 3 s); cards that arrive meanwhile wait, and when enough
    /// wait they go as one digest. `None`: no pacing, no digests (the console).
    pub card_pace: Option<Duration>,
    /// How many cards waiting together make a digest (fewer go one by one).
    pub digest_min: usize,
    /// How many cards one digest lists at most (Discord allows 25 buttons on a message).
    pub digest_max: usize,
}

impl Default for Policy {
    fn default() -> Policy {
        Policy {
            batch: 1000,
            queue_cap: 64,
            max_held: 256,
            max_attempts: 10,
            give_up_after: Duration::from_secs(30 * 60),
            card_pace: Some(Duration::from_secs(3)),
            digest_min: 3,
            digest_max: 25,
        }
    }
}

/// An entry handed to a worker.
type Item = (OutboxId, Outbound, Arc<dyn Channel>);

/// What the dispatcher and a queue's worker share.
struct Shared {
    /// Entries handed to the worker and not yet finished with.
    held: AtomicUsize,
    /// The queue is behind: its worker wakes the dispatcher when it drains.
    behind: AtomicBool,
}

/// One queue, as the dispatcher keeps it.
struct Queue {
    /// Its worker, while it runs.
    tx: Option<mpsc::UnboundedSender<Item>>,
    shared: Arc<Shared>,
    /// The highest id handed to it (or skipped by a refill as another queue's).
    last: Option<OutboxId>,
    /// Where the entries it left in the store are, while it is behind.
    lane: Option<Lane>,
    /// Its card went to the staff space's queue (see [`Dispatcher::card_queue`]): it takes
    /// nothing more until the card is out (the gate opens).
    gate: Option<Arc<AtomicBool>>,
}

/// Cards sent through the staff space's queue, by id, with the gate of their own queue.
pub(crate) type Gates = Arc<Mutex<HashMap<OutboxId, Arc<AtomicBool>>>>;

/// Delivers the outbox through the service's channels.
pub struct Dispatcher {
    store: Arc<dyn Store>,
    channels: Channels,
    durable: Durable,
    /// Rung after commits, so that replies go out at once instead of at the next tick.
    pub wake: Arc<Notify>,
    policy: Arc<Policy>,
    words: Option<Words>,
    /// Entries held by all queues.
    held: Arc<AtomicUsize>,
    gates: Gates,
}

/// What the reading loop keeps between rounds.
#[derive(Default)]
struct State {
    /// The last id read.
    cursor: Option<OutboxId>,
    /// Whether the last read reached the end of the outbox (entries read now are new).
    caught_up: bool,
    queues: HashMap<String, Queue>,
    /// Queues behind, in the order they fell behind (refilled round-robin).
    behind: VecDeque<String>,
    handles: Vec<tokio::task::JoinHandle<()>>,
    /// Rounds since idle queues were last forgotten.
    rounds: u32,
}

/// How many rounds (about a second each when idle) between forgetting idle queues.
const PRUNE_EVERY: u32 = 30;
/// How many queues behind one round looks at, at most.
const REFILL_VISITS: usize = 256;

impl Dispatcher {
    /// A dispatcher over `store`'s outbox, with the default [`Policy`] and no digests.
    pub fn new(
        store: Arc<dyn Store>,
        channels: Channels,
        durable: Durable,
        wake: Arc<Notify>,
    ) -> Dispatcher {
        Dispatcher {
            store,
            channels,
            durable,
            wake,
            policy: Arc::new(Policy::default()),
            words: None,
            held: Arc::new(AtomicUsize::new(0)),
            gates: Arc::new(Mutex::new(HashMap::new())),
        }
    }

    /// With these bounds.
    pub fn with_policy(mut self, policy: Policy) -> Dispatcher {
        self.policy = Arc::new(policy);
        self
    }

    /// With the words of digests (the staff's prompts): without them cards are paced but
    /// never merged.
    pub fn with_digests(mut self, words: Words) -> Dispatcher {
        self.words = Some(words);
        self
    }

    /// Runs until `shutdown`; then lets each worker finish the message it is sending (so
    /// that a clean restart sends nothing twice) and returns.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        let mut st = State::default();
        let mut more = false;
        loop {
            if more {
                // A full batch: read on at once (yielding to the workers in between).
                tokio::task::yield_now().await;
            } else {
                tokio::select! {
                    _ = self.wake.notified() => {}
                    _ = tokio::time::sleep(Duration::from_secs(1)) => {}
                    _ = shutdown.changed() => {}
                }
            }
            if *shutdown.borrow() {
                for c in &self.channels.0 {
                    c.stop_sending();
                }
                st.queues.clear();
                for h in st.handles {
                    let _ = h.await;
                }
                return;
            }
            st.handles.retain(|h| !h.is_finished());
            more = self.read_new(&mut st, &shutdown).await;
            self.refill(&mut st, &shutdown);
            st.rounds += 1;
            if st.rounds >= PRUNE_EVERY {
                st.rounds = 0;
                // Queues whose worker ended, with nothing held or left behind, are
                // forgotten: their entries are all delivered, and new ones start afresh.
                st.queues.retain(|_, q| {
                    q.lane.is_some()
                        || q.shared.held.load(Ordering::SeqCst) > 0
                        || q.tx.as_ref().is_some_and(|tx| !tx.is_closed())
                });
            }
        }
    }

    /// Reads past the cursor and hands out what it read; `true` when the read was a full
    /// batch (more may be waiting).
    async fn read_new(&self, st: &mut State, shutdown: &watch::Receiver<bool>) -> bool {
        let batch = match self.store.outbox_after(st.cursor, self.policy.batch) {
            Ok(b) => b,
            Err(e) => {
                tracing::error!(error = %e, "cannot read the outbox");
                return false;
            }
        };
        if batch.is_empty() {
            st.caught_up = true;
            return false;
        }
        // Everything read above was committed before this flush: durable after it. The
        // cursor moves only past what was flushed.
        if let Err(e) = (self.durable)().await {
            tracing::error!(error = %e, "the store could not flush; delivery waits");
            return false;
        }
        let full = batch.len() >= self.policy.batch;
        // Entries read while the cursor works through a backlog count against `max_held`;
        // new ones (the cursor had caught up) go out at once.
        let fresh = st.caught_up;
        let mut unrouted = Vec::new();
        for (id, o) in batch {
            st.cursor = Some(id);
            let Some((channel, key)) = self.channels.route(&o) else {
                unrouted.push((id, o.to));
                continue;
            };
            let global_full = !fresh && self.held.load(Ordering::SeqCst) >= self.policy.max_held;
            let q = self.queue(st, &key);
            if q.last.is_some_and(|last| id <= last) {
                // A refill handed it out already.
                continue;
            }
            let full_queue = q.shared.held.load(Ordering::SeqCst) >= self.policy.queue_cap;
            if q.lane.is_some() || q.gate.is_some() || full_queue || global_full {
                let lane = Lane::of(&o.to);
                let was_behind = q.lane.is_some();
                q.lane = Some(q.lane.as_ref().map_or(lane.clone(), |l| l.join(&lane)));
                q.shared.behind.store(true, Ordering::SeqCst);
                if !was_behind {
                    st.behind.push_back(key);
                }
                continue;
            }
            if let Some(staff) = self.card_queue(st, &channel, &key, &o) {
                let gate = Arc::new(AtomicBool::new(false));
                lock(&self.gates).insert(id, gate.clone());
                let q = self.queue(st, &key);
                q.gate = Some(gate);
                q.last = Some(id);
                q.lane = Some(Lane::of(&o.to));
                q.shared.behind.store(true, Ordering::SeqCst);
                st.behind.push_back(key);
                self.hand(st, &staff, (id, o, channel), shutdown);
                continue;
            }
            self.hand(st, &key, (id, o, channel), shutdown);
        }
        st.caught_up = !full;
        if !unrouted.is_empty() {
            self.bury_unrouted(unrouted);
        }
        full
    }

    /// Refills queues that are behind and have drained, a bounded number of entries and
    /// queues per round.
    fn refill(&self, st: &mut State, shutdown: &watch::Receiver<bool>) {
        let Some(cursor) = st.cursor else {
            return;
        };
        let cap = self.policy.queue_cap;
        let low = cap / 2;
        for _ in 0..st.behind.len().min(REFILL_VISITS) {
            let global = self.held.load(Ordering::SeqCst);
            if global >= self.policy.max_held {
                break;
            }
            let Some(key) = st.behind.pop_front() else {
                break;
            };
            let Some(q) = st.queues.get(&key) else {
                continue;
            };
            if q.gate.as_ref().is_some_and(|g| !g.load(Ordering::SeqCst)) {
                // Its card is not out yet.
                st.behind.push_back(key);
                continue;
            }
            let held = q.shared.held.load(Ordering::SeqCst);
            if held > low {
                st.behind.push_back(key);
                continue;
            }
            if let Some(q) = st.queues.get_mut(&key) {
                q.gate = None;
            }
            let mut room = (cap - held).min(self.policy.max_held - global);
            let mut done = false;
            while room > 0 {
                let Some(q) = st.queues.get(&key) else {
                    break;
                };
                let Some(lane) = q.lane.clone() else {
                    done = true;
                    break;
                };
                let got = match self.store.outbox_in(&lane, q.last, cursor, room) {
                    Ok(got) => got,
                    Err(e) => {
                        tracing::error!(error = %e, queue = %key, "cannot read the outbox");
                        break;
                    }
                };
                let exhausted = got.len() < room;
                for (id, o) in got {
                    if let Some(q) = st.queues.get_mut(&key) {
                        q.last = Some(id);
                    }
                    match self.channels.route(&o) {
                        Some((channel, k)) if k == key => {
                            self.hand(st, &key, (id, o, channel), shutdown);
                            room -= 1;
                        }
                        // Another queue's (it reads its own), or no channel's (buried).
                        _ => {}
                    }
                }
                if exhausted {
                    done = true;
                    break;
                }
            }
            match st.queues.get_mut(&key) {
                Some(q) if done => {
                    q.lane = None;
                    q.shared.behind.store(false, Ordering::SeqCst);
                }
                Some(_) => st.behind.push_back(key),
                None => {}
            }
        }
    }

    /// The queue named `key`, created on first use.
    fn queue<'a>(&self, st: &'a mut State, key: &str) -> &'a mut Queue {
        st.queues.entry(key.to_string()).or_insert_with(|| Queue {
            tx: None,
            shared: Arc::new(Shared {
                held: AtomicUsize::new(0),
                behind: AtomicBool::new(false),
            }),
            last: None,
            lane: None,
            gate: None,
        })
    }

    /// Where a card goes when its channel keeps a queue per ticket (Discord's threads, where
    /// cards never wait together): to the staff space's queue, so that cards of a flood
    /// gather and merge there as on Telegram; its own queue waits behind a gate until it is
    /// out, so the ticket's later messages stay after it. `None`: its own queue (the
    /// channel has one staff queue, digests are off, the staff queue is behind, or its own
    /// queue holds earlier messages it must not overtake).
    fn card_queue(
        &self,
        st: &State,
        channel: &Arc<dyn Channel>,
        key: &str,
        o: &Outbound,
    ) -> Option<String> {
        if self.policy.card_pace.is_none() || self.words.is_none() || !digest::is_card(o) {
            return None;
        }
        let probe = Outbound {
            to: Destination::StaffSpace,
            text: String::new(),
            buttons: vec![],
            ticket: None,
            attachment: None,
            source: None,
            replaces: None,
        };
        let staff = channel.route(&probe)?;
        if staff == key {
            return None;
        }
        let busy = |k: &str| {
            st.queues.get(k).is_some_and(|q| {
                q.lane.is_some()
                    || q.gate.is_some()
                    || q.shared.held.load(Ordering::SeqCst) >= self.policy.queue_cap
                    || (k == key && q.shared.held.load(Ordering::SeqCst) > 0)
            })
        };
        (!busy(key) && !busy(&staff)).then_some(staff)
    }

    /// Hands an entry to its queue's worker, starting one when none runs.
    fn hand(&self, st: &mut State, key: &str, item: Item, shutdown: &watch::Receiver<bool>) {
        let id = item.0;
        let mut item = item;
        let mut spawned = Vec::new();
        let q = self.queue(st, key);
        q.last = Some(q.last.map_or(id, |l| l.max(id)));
        q.shared.held.fetch_add(1, Ordering::SeqCst);
        self.held.fetch_add(1, Ordering::SeqCst);
        loop {
            let tx = match &q.tx {
                Some(tx) => tx.clone(),
                None => {
                    let (tx, handle) = worker::spawn(worker::Worker {
                        queue: key.to_string(),
                        store: self.store.clone(),
                        shared: q.shared.clone(),
                        held: self.held.clone(),
                        wake: self.wake.clone(),
                        policy: self.policy.clone(),
                        words: self.words.clone(),
                        gates: self.gates.clone(),
                        durable: self.durable.clone(),
                        shutdown: shutdown.clone(),
                    });
                    spawned.push(handle);
                    q.tx = Some(tx.clone());
                    tx
                }
            };
            match tx.send(item) {
                Ok(()) => break,
                // The worker ended (idle): start another.
                Err(mpsc::error::SendError(back)) => {
                    q.tx = None;
                    item = back;
                }
            }
        }
        st.handles.extend(spawned);
    }

    /// Moves entries no running channel delivers to the dead letters, off the reading
    /// loop, with one log line for them all.
    fn bury_unrouted(&self, entries: Vec<(OutboxId, Destination)>) {
        let store = self.store.clone();
        let reason = "no running channel delivers messages to this destination: enable the channel it belongs to (or set its staff space), then run `switchboard tickets dead-letters --retry all`";
        tokio::task::spawn_blocking(move || {
            let at = crate::clock::now();
            let mut moved = 0usize;
            let mut kinds: HashSet<String> = HashSet::new();
            for (id, to) in &entries {
                match store.dead_letter(*id, reason, 0, at) {
                    Ok(true) => {
                        moved += 1;
                        if kinds.len() < 3 {
                            kinds.insert(describe(to));
                        }
                    }
                    Ok(false) => {}
                    Err(e) => {
                        tracing::error!(outbox = id.0, error = %e, "could not move an undeliverable message to the dead letters; it stays in the outbox");
                    }
                }
            }
            if moved > 0 {
                let mut kinds: Vec<String> = kinds.into_iter().collect();
                kinds.sort();
                tracing::warn!(
                    count = moved,
                    to = %kinds.join(", "),
                    "no running channel delivers these messages: moved to the dead letters. Enable the channel they belong to, then `switchboard tickets dead-letters --retry all` sends them"
                );
            }
        });
    }
}

/// A destination in a few words, for logs and the dead-letter list.
pub fn describe(to: &Destination) -> String {
    match to {
        Destination::Customer { chat } => format!("customer chat {chat}"),
        Destination::Ticket { ticket } => format!("staff thread of {ticket}"),
        Destination::StaffSpace => "staff space".to_string(),
    }
}

/// The service's dispatcher: digests in the staff's words; no pacing on the console, which
/// has no send limits and shows every card as it comes.
pub(crate) fn for_service(
    d: Dispatcher,
    settings: &crate::config::Settings,
    console: bool,
) -> Dispatcher {
    if console {
        return d.with_policy(Policy {
            card_pace: None,
            ..Policy::default()
        });
    }
    let prompts = settings.prompts.clone();
    let locale = settings.config.desk.staff_locale.clone();
    d.with_digests(Arc::new(move |key: &str, args: &[(&str, &str)]| {
        prompts.get(&locale, key, args)
    }))
}
