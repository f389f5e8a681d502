//! The outbox dispatcher: delivers what the desk committed, chat by chat, at least once.
//!
//! Each round reads the outbox, waits for a group flush (so that everything it read is
//! durable before anyone sees it), and hands each entry to the worker of its chat. A
//! worker delivers its chat's messages in order and removes each entry only after success;
//! it waits as long as Telegram asks (429), retries network and server errors with backoff,
//! and drops only what Telegram refuses for good (logged). Chats have their own workers, so
//! one slow chat holds up no other. A worker idle for a minute ends; the next message
//! starts a new one.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use switchboard_desk::{OutboxId, Store};
use switchboard_domain::Outbound;
use switchboard_telegram::run::BoxFuture;
use switchboard_telegram::{SendError, Telegram};
use tokio::sync::{Notify, mpsc, watch};

/// A flush request: resolves when every commit made before it is durable.
pub type Durable = Arc<dyn Fn() -> BoxFuture<Result<(), String>> + Send + Sync>;

/// How many outbox entries one round reads.
const BATCH: usize = 1000;
/// A worker with nothing to do for this long ends.
const IDLE: Duration = Duration::from_secs(60);
/// The longest wait between retries of a failing send.
const MAX_BACKOFF: Duration = Duration::from_secs(60);

type Item = (OutboxId, Outbound);

/// Delivers the outbox through the Telegram channel.
pub struct Dispatcher {
    store: Arc<dyn Store>,
    telegram: Arc<Telegram>,
    durable: Durable,
    /// Rung after commits, so that replies go out at once instead of at the next tick.
    pub wake: Arc<Notify>,
    in_flight: Arc<Mutex<HashSet<OutboxId>>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A set of ids: consistent after every operation.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Dispatcher {
    /// A dispatcher over `store`'s outbox.
    pub fn new(store: Arc<dyn Store>, telegram: Arc<Telegram>, durable: Durable) -> Dispatcher {
        Dispatcher {
            store,
            telegram,
            durable,
            wake: Arc::new(Notify::new()),
            in_flight: Arc::new(Mutex::new(HashSet::new())),
        }
    }

    /// Runs until `shutdown`; then lets each worker finish the message it is sending (so
    /// that a clean restart sends nothing twice) and returns.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        let mut workers: HashMap<i64, mpsc::UnboundedSender<Item>> = HashMap::new();
        let mut handles: Vec<tokio::task::JoinHandle<()>> = Vec::new();
        // Entries no channel takes (logged once each), skipped by later rounds.
        let mut undeliverable: HashSet<OutboxId> = HashSet::new();
        loop {
            tokio::select! {
                _ = self.wake.notified() => {}
                _ = tokio::time::sleep(Duration::from_secs(1)) => {}
                _ = shutdown.changed() => {
                    self.telegram.stop_sending();
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
            let batch: Vec<Item> = {
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
                let Some(chat) = self.telegram.chat_of(&o) else {
                    tracing::error!(outbox = id.0, to = ?o.to, "no channel delivers this message; it stays in the outbox");
                    undeliverable.insert(id);
                    continue;
                };
                lock(&self.in_flight).insert(id);
                let mut item = (id, o);
                loop {
                    let tx = workers.entry(chat).or_insert_with(|| {
                        let (tx, handle) = self.spawn_worker(chat, shutdown.clone());
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
        chat: i64,
        shutdown: watch::Receiver<bool>,
    ) -> (mpsc::UnboundedSender<Item>, tokio::task::JoinHandle<()>) {
        let (tx, mut rx) = mpsc::unbounded_channel::<Item>();
        let store = self.store.clone();
        let telegram = self.telegram.clone();
        let in_flight = self.in_flight.clone();
        let handle = tokio::spawn(async move {
            loop {
                let (id, o) = match tokio::time::timeout(IDLE, rx.recv()).await {
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
                    while let Ok((id, _)) = rx.try_recv() {
                        lock(&in_flight).remove(&id);
                    }
                    break;
                }
                deliver_one(&*store, &telegram, chat, id, &o, &shutdown).await;
                lock(&in_flight).remove(&id);
            }
        });
        (tx, handle)
    }
}

/// Delivers one entry, retrying until it is delivered or refused for good (or shutdown
/// comes while it waits to retry: then it stays in the outbox).
async fn deliver_one(
    store: &dyn Store,
    telegram: &Telegram,
    chat: i64,
    id: OutboxId,
    o: &Outbound,
    shutdown: &watch::Receiver<bool>,
) {
    let mut backoff = Duration::from_millis(500);
    loop {
        let wait = match telegram.deliver(o).await {
            Ok(()) => break,
            Err(SendError::RetryAfter(d)) => {
                tracing::info!(chat, wait = ?d, "Telegram asked to slow down");
                d
            }
            Err(SendError::Transient(e)) => {
                tracing::warn!(chat, error = %e, retry_in = ?backoff, "delivery failed; retrying");
                let d = backoff;
                backoff = (backoff * 2).min(MAX_BACKOFF);
                d
            }
            // Shutting down: it stays in the outbox for the next start.
            Err(SendError::Stopped) => return,
            Err(SendError::Permanent(e)) => {
                tracing::error!(chat, outbox = id.0, error = %e, "Telegram refused a message for good; it is dropped");
                break;
            }
        };
        if *shutdown.borrow() {
            return;
        }
        let mut shutdown = shutdown.clone();
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = shutdown.changed() => return,
        }
    }
    if let Err(e) = store.ack_outbox(id) {
        tracing::error!(outbox = id.0, error = %e, "delivered, but could not remove it from the outbox (it may be sent again)");
    }
}
