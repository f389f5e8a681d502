//! The gateway session kept in the store as the adapter runs (see [`super::progress`] for
//! what the stored sequence number guarantees), and every DM channel recorded as soon as
//! a message arrives in it, so that catching up can list them (Discord cannot).

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use serenity::all::Event;

use super::{Shared, lock};
use crate::keys::{self, SavedSession};

/// How often the session's checkpoint is taken and, when it moved, stored.
pub const CHECKPOINT_EVERY: Duration = Duration::from_secs(1);

impl Shared {
    /// The session a previous run stored, if any.
    pub(crate) fn saved_session(&self) -> Option<SavedSession> {
        match self.discord.sender.store().channel_state(keys::SESSION) {
            Ok(v) => v.as_deref().and_then(SavedSession::decode),
            Err(e) => {
                tracing::warn!(error = %e, "cannot read the stored gateway session; starting a new one");
                None
            }
        }
    }

    /// Stores `s` (durable with the store's next flush).
    fn save_session(&self, s: &SavedSession) {
        if let Err(e) = self
            .discord
            .sender
            .store()
            .set_channel_state(keys::SESSION, Some(&s.encode()))
        {
            tracing::warn!(error = %e, "could not store the gateway session");
        }
    }

    /// Every dispatch, as serenity reads it: counted, and a new session stored at once
    /// and made durable (a crash right after must still find it to resume).
    pub(crate) async fn on_dispatch(&self, ev: &Event) {
        let ready = match ev {
            Event::Ready(r) => r,
            _ => {
                lock(&self.progress).dispatched();
                return;
            }
        };
        let r = &ready.ready;
        let s = lock(&self.progress).ready(SavedSession {
            id: r.session_id.clone(),
            seq: 1,
            resume_url: r.resume_gateway_url.clone(),
            bot: r.user.id.get(),
            app: r.application.id.get(),
        });
        self.save_session(&s);
        if let Err(e) = self.host.durable().await {
            tracing::warn!(error = %e, "the new gateway session is not durable yet");
        }
    }

    /// Records the DM `channel` where `message` arrived, if it is not recorded yet: before
    /// the message is durable, so that a crash or a lost session cannot hide the channel
    /// from catching up.
    pub(crate) fn record_dm(&self, channel: u64, message: u64) {
        let store = self.discord.sender.store();
        let key = keys::dm(channel);
        match store.channel_state(&key) {
            Ok(Some(_)) => {}
            Ok(None) => {
                if let Err(e) = store.set_channel_state(&key, Some(&message.to_string())) {
                    tracing::warn!(channel, error = %e, "could not record a DM channel");
                }
            }
            Err(e) => tracing::warn!(channel, error = %e, "could not read a DM channel's record"),
        }
    }

    /// Takes the session's checkpoint every [`CHECKPOINT_EVERY`] and stores it when it
    /// moved, until shutdown.
    pub(crate) async fn keep_checkpoint(self: Arc<Self>) {
        while !self.stopping.load(Ordering::Relaxed) {
            tokio::time::sleep(CHECKPOINT_EVERY).await;
            let s = lock(&self.progress).tick();
            if let Some(s) = s {
                self.save_session(&s);
                // At most once a second: a flush of its own, so that an idle service's
                // checkpoint does not wait for the next message to become durable.
                let _ = self.host.durable().await;
            }
        }
    }

    /// At shutdown, once the shard has stopped and the workers are done: stores the count
    /// itself when every job taken from the gateway is durable.
    pub(crate) fn settle_checkpoint(&self) {
        let s = lock(&self.progress).settled();
        if let Some(s) = s {
            self.save_session(&s);
        }
    }
}
