//! One task per queue: delivers its entries in order, waits as the platform asks, retries
//! with backoff, gives up on an entry after the policy's bound (to the dead letters), and
//! paces cards, merging those that wait together into a digest (module `digest`).

use std::collections::VecDeque;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use switchboard_desk::{OutboxId, Store};
use switchboard_domain::{Backoff, Outbound};
use tokio::sync::{Notify, mpsc, watch};
use tokio::time::Instant;

use super::digest::{self, Words};
use super::{Channel, DeliveryError, Item, Policy, Shared, lock};

/// A worker with nothing to do for this long ends.
const IDLE: Duration = Duration::from_secs(60);
/// The first wait before retrying a failing send (it doubles with each failure).
const FIRST_BACKOFF: Duration = Duration::from_millis(500);
/// The longest wait between retries of a failing send.
const MAX_BACKOFF: Duration = Duration::from_secs(60);
/// The largest share of a retry's wait that jitter takes off: queues that failed together
/// (every chat when the platform is down) do not all retry together.
const JITTER: f64 = 0.25;

/// What a queue's task works with.
pub(super) struct Worker {
    /// The queue's name (its chat), for logs and jitter.
    pub(super) queue: String,
    pub(super) store: Arc<dyn Store>,
    pub(super) shared: Arc<Shared>,
    /// Entries held by all queues.
    pub(super) held: Arc<AtomicUsize>,
    /// Rung when a queue that is behind has drained.
    pub(super) wake: Arc<Notify>,
    pub(super) policy: Arc<Policy>,
    pub(super) words: Option<Words>,
    /// Gates of queues whose card this worker sends (see `Dispatcher::card_queue`).
    pub(super) gates: super::Gates,
    /// Makes removals durable before the queue sends again (one flush shared by all).
    pub(super) durable: super::Durable,
    pub(super) shutdown: watch::Receiver<bool>,
}

/// Starts a worker; entries go to it through the sender.
pub(super) fn spawn(w: Worker) -> (mpsc::UnboundedSender<Item>, tokio::task::JoinHandle<()>) {
    let (tx, rx) = mpsc::unbounded_channel::<Item>();
    (tx, tokio::spawn(w.run(rx)))
}

/// How one delivery ended.
pub(super) enum Outcome {
    /// The platform accepted it.
    Delivered,
    /// Refused for good, or failed too often: to the dead letters.
    GiveUp {
        /// Why, in words that say what to do.
        reason: String,
        /// How many sends were tried.
        attempts: u32,
    },
    /// Shutting down: it stays in the outbox.
    Stopped,
}

impl Worker {
    async fn run(self, mut rx: mpsc::UnboundedReceiver<Item>) {
        let mut waiting: VecDeque<Item> = VecDeque::new();
        // When this queue last sent a card (or a digest).
        let mut last_card: Option<Instant> = None;
        loop {
            if waiting.is_empty() {
                match tokio::time::timeout(IDLE, rx.recv()).await {
                    Ok(Some(item)) => waiting.push_back(item),
                    Ok(None) => break,
                    Err(_) => {
                        // Idle: refuse new items (the dispatcher starts another worker),
                        // and deliver any that arrived just before.
                        rx.close();
                        match rx.try_recv() {
                            Ok(item) => waiting.push_back(item),
                            Err(_) => break,
                        }
                    }
                }
            }
            while let Ok(item) = rx.try_recv() {
                waiting.push_back(item);
            }
            if *self.shutdown.borrow() {
                // Not sent: they stay in the outbox for the next start.
                rx.close();
                while rx.try_recv().is_ok() {
                    self.release(1);
                }
                self.release(waiting.len());
                break;
            }
            let card = waiting.front().is_some_and(|(_, o, _)| digest::is_card(o));
            if let (true, Some(pace), Some(at)) = (card, self.policy.card_pace, last_card)
                && at.elapsed() < pace
            {
                // Cards go at most once per `pace`; others gather meanwhile.
                let mut shutdown = self.shutdown.clone();
                tokio::select! {
                    _ = tokio::time::sleep_until(at + pace) => {}
                    _ = shutdown.changed() => {}
                }
                continue;
            }
            if card
                && self.policy.card_pace.is_some()
                && let Some(words) = &self.words
            {
                let picked = digest::pick(&waiting, self.policy.digest_max);
                if picked.len() >= self.policy.digest_min.max(2) {
                    let mut merged = Vec::with_capacity(picked.len());
                    for i in picked.into_iter().rev() {
                        if let Some(item) = waiting.remove(i) {
                            merged.push(item);
                        }
                    }
                    merged.reverse();
                    self.deliver_digest(words, &merged).await;
                    let ids: Vec<OutboxId> = merged.iter().map(|(id, _, _)| *id).collect();
                    self.open_gates(&ids);
                    last_card = Some(Instant::now());
                    self.release(merged.len());
                    continue;
                }
            }
            let Some((id, o, channel)) = waiting.pop_front() else {
                continue;
            };
            self.deliver_one(&*channel, id, &o).await;
            if card {
                last_card = Some(Instant::now());
                self.open_gates(&[id]);
            }
            self.release(1);
        }
    }

    /// Cards `ids` are out (or given up): their own queues may go on.
    fn open_gates(&self, ids: &[OutboxId]) {
        let mut gates = lock(&self.gates);
        let mut opened = false;
        for id in ids {
            if let Some(gate) = gates.remove(id) {
                gate.store(true, Ordering::SeqCst);
                opened = true;
            }
        }
        if opened {
            self.wake.notify_one();
        }
    }

    /// `n` entries are finished with (delivered, given up, or left for the next start).
    fn release(&self, n: usize) {
        if n == 0 {
            return;
        }
        let before = self.shared.held.fetch_sub(n, Ordering::SeqCst);
        self.held.fetch_sub(n, Ordering::SeqCst);
        let now = before.saturating_sub(n);
        if self.shared.behind.load(Ordering::SeqCst) && now <= self.policy.queue_cap / 2 {
            self.wake.notify_one();
        }
    }

    /// Delivers one entry and removes it from the outbox, or moves it to the dead letters.
    async fn deliver_one(&self, channel: &dyn Channel, id: OutboxId, o: &Outbound) {
        match self.attempt(channel, o).await {
            Outcome::Delivered => {
                if let Err(e) = self.store.ack_outbox(id) {
                    tracing::error!(outbox = id.0, error = %e, "delivered, but could not remove it from the outbox (it may be sent again)");
                    return;
                }
                self.removal_durable(&[id]).await;
            }
            Outcome::GiveUp { reason, attempts } => self.give_up(id, &reason, attempts),
            Outcome::Stopped => {}
        }
    }

    /// Delivers a digest of `cards` in their place; each card is removed (or given up) with
    /// it, never before it was delivered.
    async fn deliver_digest(&self, words: &Words, cards: &[Item]) {
        let Some((_, _, channel)) = cards.first() else {
            return;
        };
        let d = digest::build(&*self.store, words, cards);
        tracing::info!(queue = %self.queue, cards = cards.len(), "the staff queue is busy: cards merged into one digest");
        match self.attempt(&**channel, &d).await {
            Outcome::Delivered => {
                for (id, _, _) in cards {
                    if let Err(e) = self.store.ack_outbox(*id) {
                        tracing::error!(outbox = id.0, error = %e, "delivered in a digest, but could not remove it from the outbox (it may be sent again)");
                    }
                }
                let ids: Vec<OutboxId> = cards.iter().map(|(id, _, _)| *id).collect();
                self.removal_durable(&ids).await;
            }
            Outcome::GiveUp { reason, attempts } => {
                for (id, _, _) in cards {
                    self.give_up(*id, &reason, attempts);
                }
            }
            Outcome::Stopped => {}
        }
    }

    /// Waits until the removal of delivered entries is durable, before this queue sends
    /// again: after a crash only what was in flight in each queue is sent again, not
    /// everything sent since sled's last background flush.
    async fn removal_durable(&self, ids: &[OutboxId]) {
        if let Err(e) = (self.durable)().await {
            tracing::warn!(outbox = ?ids.iter().map(|i| i.0).collect::<Vec<_>>(), error = %e, "a delivered message's removal is not durable yet (it may be sent again after a crash)");
        }
    }

    /// Moves an entry to the dead letters, logged once.
    fn give_up(&self, id: OutboxId, reason: &str, attempts: u32) {
        tracing::error!(queue = %self.queue, outbox = id.0, attempts, reason, "gave up on a message: it is in the dead letters (`switchboard tickets dead-letters` lists them, `--retry ID` sends one again)");
        if let Err(e) = self
            .store
            .dead_letter(id, reason, attempts, crate::clock::now())
        {
            tracing::error!(outbox = id.0, error = %e, "could not move it to the dead letters; it stays in the outbox and is tried again after a restart");
        }
    }

    /// Tries to deliver `o` until it is delivered, given up, or shutdown comes while it
    /// waits to retry.
    async fn attempt(&self, channel: &dyn Channel, o: &Outbound) -> Outcome {
        let mut backoff = Backoff::new(FIRST_BACKOFF, MAX_BACKOFF).with_jitter(JITTER);
        // The jitter source: the queue's name and the try, mixed by the backoff. Queues
        // spread apart; no clock or random device needed.
        let mut hasher = DefaultHasher::new();
        self.queue.hash(&mut hasher);
        let seed = hasher.finish();
        let (mut sends, mut failures): (u32, u32) = (0, 0);
        let mut failing_since: Option<Instant> = None;
        let platform = channel.name();
        let chat = self.queue.as_str();
        loop {
            sends = sends.saturating_add(1);
            let wait = match channel.deliver(o).await {
                Ok(()) => return Outcome::Delivered,
                Err(DeliveryError::RetryAfter(d)) => {
                    tracing::info!(chat, platform, wait = ?d, "asked to slow down");
                    d
                }
                Err(DeliveryError::Transient(e) | DeliveryError::Store(e)) => {
                    failures = failures.saturating_add(1);
                    let since = *failing_since.get_or_insert_with(Instant::now);
                    if failures >= self.policy.max_attempts
                        && since.elapsed() >= self.policy.give_up_after
                    {
                        return Outcome::GiveUp {
                            reason: format!(
                                "{platform} failed {failures} times over {} s (last: {e}); once it works again, retry it",
                                since.elapsed().as_secs()
                            ),
                            attempts: sends,
                        };
                    }
                    let d = backoff.next(seed.wrapping_add(u64::from(failures)));
                    tracing::warn!(chat, platform, error = %e, retry_in = ?d, "delivery failed; retrying");
                    d
                }
                // Shutting down: it stays in the outbox for the next start.
                Err(DeliveryError::Stopped) => return Outcome::Stopped,
                Err(DeliveryError::Permanent(e)) => {
                    return Outcome::GiveUp {
                        reason: format!("{platform} refused it for good: {e}"),
                        attempts: sends,
                    };
                }
            };
            if *self.shutdown.borrow() {
                return Outcome::Stopped;
            }
            let mut shutdown = self.shutdown.clone();
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = shutdown.changed() => return Outcome::Stopped,
            }
        }
    }
}
