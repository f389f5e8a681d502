//! The outbox dispatcher: delivers what the desk committed, chat by chat, at least once,
//! through whichever channel (Telegram, Discord) each message belongs to.
//!
//! Each round reads the outbox, waits for a group flush (so that everything it read is
//! durable before anyone sees it), and hands each entry to the worker of its queue (a chat,
//! or a ticket's staff thread: [`Channel::route`]). A worker delivers its queue's messages
//! in order and removes each entry only after success, and makes that removal durable
//! before the queue's next send (so that a crash repeats at most the one entry in flight
//! in each queue, not everything sent since sled's last flush); it waits as long as the platform
//! asks (429), retries network, server and store errors with jittered backoff
//! ([`Backoff`]), and drops only what the platform refuses for good (logged). Queues have
//! their own workers, so one slow chat holds up no other. A worker idle for a minute ends;
//! the next message starts a new one.
//!
//! The contract with the channels is the domain's: [`Channel`] and its one
//! [`DeliveryError`].

use std::collections::{HashMap, HashSet};
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use switchboard_desk::{OutboxId, Store};
use switchboard_domain::{Backoff, BoxFuture, HostError, Outbound};
// The in-flight set of ids is consistent after every operation: a poisoned lock is fine.
use switchboard_domain::sync::lock;
use tokio::sync::{Notify, mpsc, watch};

// The delivery contract lives in the domain: every channel (Telegram, Discord, the console)
// implements `Channel` and reports failures as the one `DeliveryError`.
pub use switchboard_domain::{Channel, DeliveryError, Sending};

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

/// How many outbox entries one round reads.
const BATCH: usize = 1000;
/// A worker with nothing to do for this long ends.
const IDLE: Duration = Duration::from_secs(60);
/// The first wait before retrying a failing send (it doubles with each failure).
const FIRST_BACKOFF: Duration = Duration::from_millis(500);
/// The longest wait between retries of a failing send.
const MAX_BACKOFF: Duration = Duration::from_secs(60);
/// The largest share of a retry's wait that jitter takes off: queues that failed together
/// (every chat when the platform is down) do not all retry together.
const JITTER: f64 = 0.25;

type Item = (OutboxId, Outbound, Arc<dyn Channel>);

/// Delivers the outbox through the service's channels.
pub struct Dispatcher {
    store: Arc<dyn Store>,
    channels: Channels,
    durable: Durable,
    /// Rung after commits, so that replies go out at once instead of at the next tick.
    pub wake: Arc<Notify>,
    in_flight: Arc<Mutex<HashSet<OutboxId>>>,
}

impl Dispatcher {
    /// A dispatcher over `store`'s outbox.
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
            in_flight: Arc::new(Mutex::new(HashSet::new())),
        }
    }

    /// Runs until `shutdown`; then lets each worker finish the message it is sending (so
    /// that a clean restart sends nothing twice) and returns.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        let mut workers: HashMap<String, mpsc::UnboundedSender<Item>> = HashMap::new();
        let mut handles: Vec<tokio::task::JoinHandle<()>> = Vec::new();
        // Entries no channel takes (logged once each), skipped by later rounds.
        let mut undeliverable: HashSet<OutboxId> = HashSet::new();
        loop {
            tokio::select! {
                _ = self.wake.notified() => {}
                _ = tokio::time::sleep(Duration::from_secs(1)) => {}
                _ = shutdown.changed() => {
                    for c in &self.channels.0 {
                        c.stop_sending();
                    }
                    drop(workers);
                    for h in handles {
                        let _ = h.await;
                    }
                    return;
                }
            }
            handles.retain(|h| !h.is_finished());
            // Read under the in-flight lock: a worker removes an entry from the outbox and
            // then from the in-flight set, so an entry read here is either in flight or
            // not yet delivered (never both out of the set and already sent).
            let batch: Vec<(OutboxId, Outbound)> = {
                let in_flight = lock(&self.in_flight);
                // Read past the entries already handed out or that no channel takes, so
                // that a chat with a long queue (the staff group at 20 a minute) cannot
                // keep other chats' messages out of the batch.
                let limit = BATCH + in_flight.len() + undeliverable.len();
                match self.store.outbox(limit) {
                    Ok(b) => b
                        .into_iter()
                        .filter(|(id, _)| !in_flight.contains(id) && !undeliverable.contains(id))
                        .collect(),
                    Err(e) => {
                        tracing::error!(error = %e, "cannot read the outbox");
                        continue;
                    }
                }
            };
            if batch.is_empty() {
                continue;
            }
            // Everything read above was committed before this flush: durable after it.
            if let Err(e) = (self.durable)().await {
                tracing::error!(error = %e, "the store could not flush; delivery waits");
                continue;
            }
            for (id, o) in batch {
                let Some((channel, chat)) = self.channels.route(&o) else {
                    tracing::error!(outbox = id.0, to = ?o.to, "no channel delivers this message; it stays in the outbox");
                    undeliverable.insert(id);
                    continue;
                };
                lock(&self.in_flight).insert(id);
                let mut item = (id, o, channel);
                loop {
                    let tx = workers.entry(chat.clone()).or_insert_with(|| {
                        let (tx, handle) = self.spawn_worker(chat.clone(), shutdown.clone());
                        handles.push(handle);
                        tx
                    });
                    match tx.send(item) {
                        Ok(()) => break,
                        // The worker ended (idle): start another.
                        Err(mpsc::error::SendError(back)) => {
                            workers.remove(&chat);
                            item = back;
                        }
                    }
                }
            }
        }
    }

    fn spawn_worker(
        &self,
        chat: String,
        shutdown: watch::Receiver<bool>,
    ) -> (mpsc::UnboundedSender<Item>, tokio::task::JoinHandle<()>) {
        let (tx, mut rx) = mpsc::unbounded_channel::<Item>();
        let store = self.store.clone();
        let in_flight = self.in_flight.clone();
        let durable = self.durable.clone();
        let handle = tokio::spawn(async move {
            loop {
                let (id, o, channel) = match tokio::time::timeout(IDLE, rx.recv()).await {
                    Ok(Some(item)) => item,
                    Ok(None) => break,
                    Err(_) => {
                        // Idle: refuse new items (the dispatcher starts another worker), and
                        // deliver any that arrived just before.
                        rx.close();
                        match rx.try_recv() {
                            Ok(item) => item,
                            Err(_) => break,
                        }
                    }
                };
                if *shutdown.borrow() {
                    // Not sent: it stays in the outbox for the next start.
                    lock(&in_flight).remove(&id);
                    while let Ok((id, _, _)) = rx.try_recv() {
                        lock(&in_flight).remove(&id);
                    }
                    break;
                }
                let removed = deliver_one(&*store, &*channel, &chat, id, &o, &shutdown).await;
                // The removal is durable before this queue sends again: after a crash only
                // the entry in flight is sent again (one flush is shared by every queue).
                if removed && let Err(e) = durable().await {
                    tracing::warn!(outbox = id.0, error = %e, "a delivered message's removal is not durable yet (it may be sent again after a crash)");
                }
                lock(&in_flight).remove(&id);
            }
        });
        (tx, handle)
    }
}

/// Delivers one entry, retrying until it is delivered or refused for good (or shutdown
/// comes while it waits to retry: then it stays in the outbox). Returns whether it was
/// removed from the outbox.
async fn deliver_one(
    store: &dyn Store,
    channel: &dyn Channel,
    chat: &str,
    id: OutboxId,
    o: &Outbound,
    shutdown: &watch::Receiver<bool>,
) -> bool {
    let mut backoff = Backoff::new(FIRST_BACKOFF, MAX_BACKOFF).with_jitter(JITTER);
    // The jitter source: the queue's name and the try, mixed by the backoff. Queues spread
    // apart; no clock or random device needed.
    let mut hasher = DefaultHasher::new();
    chat.hash(&mut hasher);
    let seed = hasher.finish();
    let mut tries: u64 = 0;
    let platform = channel.name();
    loop {
        let wait = match channel.deliver(o).await {
            Ok(()) => break,
            Err(DeliveryError::RetryAfter(d)) => {
                tracing::info!(chat, platform, wait = ?d, "asked to slow down");
                d
            }
            Err(DeliveryError::Transient(e) | DeliveryError::Store(e)) => {
                tries += 1;
                let d = backoff.next(seed.wrapping_add(tries));
                tracing::warn!(chat, platform, error = %e, retry_in = ?d, "delivery failed; retrying");
                d
            }
            // Shutting down: it stays in the outbox for the next start.
            Err(DeliveryError::Stopped) => return false,
            Err(DeliveryError::Permanent(e)) => {
                tracing::error!(chat, platform, outbox = id.0, error = %e, "the platform refused a message for good; it is dropped");
                break;
            }
        };
        if *shutdown.borrow() {
            return false;
        }
        let mut shutdown = shutdown.clone();
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = shutdown.changed() => return false,
        }
    }
    match store.ack_outbox(id) {
        Ok(()) => true,
        Err(e) => {
            tracing::error!(outbox = id.0, error = %e, "delivered, but could not remove it from the outbox (it may be sent again)");
            false
        }
    }
}
