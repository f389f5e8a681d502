//! The order of events: serenity runs each event's handler on its own task, so every
//! event goes to its channel's queue, and one worker per channel takes what arrived within
//! [`REORDER_WINDOW`], sorts it by snowflake and handles it one at a time.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;

use super::{Job, Queued, Shared, lock};

/// How long a channel's worker waits for more events before sorting and handling them.
pub const REORDER_WINDOW: Duration = Duration::from_millis(30);
/// How long a channel's worker waits idle before it ends.
pub const IDLE_EXIT: Duration = Duration::from_secs(600);

impl Shared {
    /// Hands `job` (fetched while catching up) to its channel's worker.
    pub(crate) fn enqueue(self: &Arc<Self>, channel: u64, job: Job) {
        self.enqueue_with(channel, job, None);
    }

    /// Hands `job`, an event from the gateway, to its channel's worker with a ticket, so
    /// that the session's checkpoint waits until it is durable (see [`super::progress`]).
    pub(crate) fn enqueue_live(self: &Arc<Self>, channel: u64, job: Job) {
        let ticket = lock(&self.progress).ticket();
        self.enqueue_with(channel, job, Some(ticket));
    }

    /// Hands `job` to its channel's worker (started on first use).
    fn enqueue_with(self: &Arc<Self>, channel: u64, job: Job, ticket: Option<u64>) {
        let job = (job, ticket);
        let mut queues = lock(&self.queues);
        let job = match queues.get(&channel) {
            Some(tx) => match tx.send(job) {
                Ok(()) => return,
                Err(mpsc::error::SendError(job)) => job,
            },
            None => job,
        };
        let (tx, rx) = mpsc::unbounded_channel();
        // Just made: the receiver is alive.
        let _ = tx.send(job);
        queues.insert(channel, tx);
        self.track(tokio::spawn(self.clone().work(channel, rx)));
    }

    /// A channel's worker: gathers what arrives within a short window, sorts it by
    /// snowflake, handles it one by one.
    /// A worker idle for [`IDLE_EXIT`] ends (a customer's next message starts another).
    async fn work(self: Arc<Self>, channel: u64, mut rx: mpsc::UnboundedReceiver<Queued>) {
        loop {
            let first = match tokio::time::timeout(IDLE_EXIT, rx.recv()).await {
                Ok(Some(j)) => j,
                Ok(None) => return,
                Err(_) => {
                    // Senders send only while holding this lock: once the queue is seen
                    // empty under it and removed, nothing can be left behind.
                    let mut queues = lock(&self.queues);
                    match rx.try_recv() {
                        Ok(j) => {
                            drop(queues);
                            j
                        }
                        Err(_) => {
                            queues.remove(&channel);
                            return;
                        }
                    }
                }
            };
            let mut batch = vec![first];
            tokio::time::sleep(REORDER_WINDOW).await;
            while let Ok(j) = rx.try_recv() {
                batch.push(j);
            }
            batch.sort_by_key(|(j, _)| j.order());
            for (job, ticket) in batch {
                let durable = match job {
                    Job::Message(m) => self.on_message(*m).await,
                    Job::Edit(e) => self.on_edit(*e).await,
                    Job::Interaction(i) => {
                        // Too late to answer after a restart: never held for a replay.
                        self.on_interaction(*i).await;
                        true
                    }
                };
                // A job that could not be made durable keeps its ticket open: the stored
                // checkpoint stays before it, so a restart replays it.
                if durable && let Some(t) = ticket {
                    lock(&self.progress).done(t);
                }
            }
        }
    }
}
