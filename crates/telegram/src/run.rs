//! Receiving updates: long polling (default) or a webhook. Either way an update is
//! acknowledged to Telegram only after the desk's transition for it is durable: the poll
//! offset moves past a batch after one group flush covers it, and the webhook answers 200
//! after the flush (Telegram sends again what was not answered). An update that cannot be
//! read (`incoming`) is skipped with a log line and counted
//! ([`Telegram::skipped_updates`]); the offset moves past it, and the webhook answers it
//! 200, so that it never blocks the updates behind it.

use std::sync::Arc;
use std::time::Duration;

use teloxide::prelude::Requester;
use teloxide::requests::{JsonRequest, Request};
use teloxide::types::{AllowedUpdate, CallbackQueryId, Update, UpdateKind};
use tokio::sync::watch;

use switchboard_domain::{Backoff, DeliveryError, Secret};

use crate::channel::Telegram;
use crate::error::WebhookError;
use crate::incoming::{RawGetUpdates, Received, read};
use crate::parse::{Parsed, parse};
use crate::send::classify;

pub use switchboard_domain::{BoxFuture, Host};

/// The update kinds Switchboard asks for.
pub const ALLOWED: [AllowedUpdate; 3] = [
    AllowedUpdate::Message,
    AllowedUpdate::EditedMessage,
    AllowedUpdate::CallbackQuery,
];

/// The callback to answer once an update is durable (stops the client's spinner).
fn callback_of(u: &Update) -> Option<CallbackQueryId> {
    match &u.kind {
        UpdateKind::CallbackQuery(q) => Some(q.id.clone()),
        _ => None,
    }
}

/// What became of a batch: how many of its elements were handled (in order, up to the
/// first the host could not take), the callbacks among them, and how many were skipped as
/// unreadable.
pub(crate) struct Handled {
    pub(crate) done: usize,
    pub(crate) callbacks: Vec<CallbackQueryId>,
    pub(crate) skipped: u64,
}

/// Handles a batch of updates in order: submits each readable one, skips (and logs) each
/// unreadable one, stops at the first the host could not take.
pub(crate) fn submit_batch(host: &dyn Host, staff_chat: i64, updates: &[Received]) -> Handled {
    let mut handled = Handled {
        done: 0,
        callbacks: Vec::new(),
        skipped: 0,
    };
    for (i, r) in updates.iter().enumerate() {
        let u = match r {
            Received::Update(u) => u,
            Received::Invalid { id, why } => {
                tracing::warn!(update = ?id, why = %why, "an update Switchboard cannot read was skipped");
                handled.skipped += 1;
                handled.done = i + 1;
                continue;
            }
        };
        match parse(u, staff_chat) {
            Parsed::Inbound(inb) => {
                if let Err(e) = host.submit(&inb) {
                    tracing::error!(update = u.id.0, error = %e, "the desk could not take an update; it will be offered again");
                    return handled;
                }
            }
            Parsed::Ignore(why) => tracing::debug!(update = u.id.0, why, "update ignored"),
        }
        handled.callbacks.extend(callback_of(u));
        handled.done = i + 1;
    }
    handled
}

/// The offset that acknowledges the first `done` elements of a batch: past the highest id
/// among them (an unreadable update without an id is passed by the ids around it).
fn offset_after(updates: &[Received], done: usize) -> Option<i32> {
    updates[..done]
        .iter()
        .filter_map(Received::id)
        .max()
        .map(|id| i32::try_from(u64::from(id) + 1).unwrap_or(i32::MAX))
}

impl Telegram {
    /// Answers button presses (after their transitions are durable). Failures are logged:
    /// the spinner stops by itself after a while.
    pub(crate) async fn answer(&self, callbacks: Vec<CallbackQueryId>) {
        for id in callbacks {
            if let Err(e) = self.sender.bot.answer_callback_query(id).await {
                tracing::debug!(error = %e, "could not answer a button press");
            }
        }
    }

    /// Long polling until `shutdown`: `getUpdates`, submit, one durable flush, then the
    /// next call confirms the batch with its offset.
    pub async fn poll(self: Arc<Self>, host: Arc<dyn Host>, mut shutdown: watch::Receiver<bool>) {
        let mut offset: i32 = 0;
        // One poller: no jitter needed.
        let mut backoff = Backoff::new(Duration::from_millis(200), Duration::from_secs(30));
        // While the desk refuses updates (a store being reopened): waits that grow, so that
        // an outage is not logged five times a second, and stay short enough to notice the
        // recovery soon.
        let mut refused = Backoff::new(Duration::from_millis(200), Duration::from_secs(5));
        // A webhook left over from webhook mode would make getUpdates fail.
        if let Err(e) = self.sender.bot.delete_webhook().await {
            tracing::warn!(error = %e, "could not remove a webhook; polling may fail");
        }
        loop {
            let req = JsonRequest::new(
                self.sender.bot.clone(),
                RawGetUpdates {
                    offset,
                    timeout: self.cfg.poll_timeout_secs,
                    allowed_updates: ALLOWED.to_vec(),
                },
            )
            .send();
            let updates = tokio::select! {
                r = req => r,
                _ = shutdown.changed() => return,
            };
            let updates = match updates {
                Ok(u) => {
                    backoff.reset();
                    u
                }
                Err(e) => {
                    let step = backoff.next(0);
                    let wait = match classify(&e) {
                        DeliveryError::RetryAfter(d) => d,
                        _ => step,
                    };
                    tracing::warn!(error = %e, ?wait, "getUpdates failed; trying again");
                    tokio::select! {
                        _ = tokio::time::sleep(wait) => continue,
                        _ = shutdown.changed() => return,
                    }
                }
            };
            if updates.is_empty() {
                continue;
            }
            let updates: Vec<Received> = updates.into_iter().map(read).collect();
            let Handled {
                done,
                callbacks,
                skipped,
            } = submit_batch(host.as_ref(), self.cfg.staff_chat_id, &updates);
            if let Err(e) = host.durable().await {
                // Nothing is confirmed: the same updates come again (the desk drops the
                // ones it has seen).
                tracing::error!(error = %e, "the store could not make updates durable");
                tokio::time::sleep(refused.next(0)).await;
                continue;
            }
            self.count_skipped(skipped);
            let next = offset_after(&updates, done);
            if let Some(next) = next {
                offset = offset.max(next);
            }
            self.answer(callbacks).await;
            if done < updates.len() || next.is_none() {
                tokio::time::sleep(refused.next(0)).await;
            } else {
                refused.reset();
            }
        }
    }
}

/// The header Telegram sends the webhook secret in.
pub const SECRET_HEADER: &str = "x-telegram-bot-api-secret-token";

/// Compares two secrets in time independent of where they differ.
fn same_secret(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

struct Webhook {
    telegram: Arc<Telegram>,
    host: Arc<dyn Host>,
    secret: Secret,
}

/// One posted update: refused without the right secret; answered 200 only once its
/// transition is durable (a 500 makes Telegram send it again).
async fn on_update(
    axum::extract::State(hook): axum::extract::State<Arc<Webhook>>,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> axum::http::StatusCode {
    use axum::http::StatusCode;
    let given = headers
        .get(SECRET_HEADER)
        .map(|v| v.as_bytes())
        .unwrap_or_default();
    if !same_secret(given, hook.secret.expose().as_bytes()) {
        tracing::warn!("a webhook request without the right secret token was refused");
        return StatusCode::UNAUTHORIZED;
    }
    // An update that cannot be read is answered 200: Telegram would send it again
    // forever, and it cannot become readable.
    let update = match serde_json::from_slice::<serde_json::Value>(&body) {
        Ok(v) => read(v),
        Err(e) => Received::Invalid {
            id: None,
            why: format!(
                "a body that is not JSON ({})",
                crate::incoming::describe(&e)
            ),
        },
    };
    let staff = hook.telegram.cfg.staff_chat_id;
    let Handled {
        done,
        callbacks,
        skipped,
    } = submit_batch(hook.host.as_ref(), staff, std::slice::from_ref(&update));
    if skipped > 0 {
        hook.telegram.count_skipped(skipped);
        return StatusCode::OK;
    }
    if done == 0 {
        return StatusCode::INTERNAL_SERVER_ERROR;
    }
    if let Err(e) = hook.host.durable().await {
        tracing::error!(error = %e, "the store could not make an update durable");
        return StatusCode::INTERNAL_SERVER_ERROR;
    }
    hook.telegram.answer(callbacks).await;
    StatusCode::OK
}

impl Telegram {
    /// Webhook mode until `shutdown`: listens on `webhook.listen` at `webhook.path`,
    /// registers `webhook.url` with Telegram (with the secret and the update kinds), and
    /// hands each posted update to the desk. Returns the address it listens on once bound
    /// (tests bind port 0) and the serving task.
    pub async fn serve_webhook(
        self: Arc<Self>,
        host: Arc<dyn Host>,
        secret: Secret,
        mut shutdown: watch::Receiver<bool>,
    ) -> Result<(std::net::SocketAddr, tokio::task::JoinHandle<()>), WebhookError> {
        let cfg = self.cfg.webhook.clone();
        let listener = tokio::net::TcpListener::bind(&cfg.listen)
            .await
            .map_err(|e| WebhookError::Listen {
                listen: cfg.listen.clone(),
                error: e.to_string(),
            })?;
        let addr = listener
            .local_addr()
            .map_err(|e| WebhookError::Address(e.to_string()))?;
        let url = reqwest::Url::parse(&cfg.url).map_err(|e| WebhookError::Url {
            url: cfg.url.clone(),
            error: e.to_string(),
        })?;
        let hook = Arc::new(Webhook {
            telegram: self.clone(),
            host,
            secret: secret.clone(),
        });
        let app = axum::Router::new()
            .route(&cfg.path, axum::routing::post(on_update))
            .with_state(hook);
        let task = tokio::spawn(async move {
            let served = axum::serve(listener, app).with_graceful_shutdown(async move {
                let _ = shutdown.changed().await;
            });
            if let Err(e) = served.await {
                tracing::error!(error = %e, "the webhook server stopped");
            }
        });
        // Register with Telegram, retrying while it fails (the proxy may come up later).
        let bot = self.sender.bot.clone();
        tokio::spawn(async move {
            use teloxide::payloads::SetWebhookSetters;
            let mut backoff = Backoff::new(Duration::from_millis(500), Duration::from_secs(60));
            loop {
                match bot
                    .set_webhook(url.clone())
                    .secret_token(secret.expose())
                    .allowed_updates(ALLOWED)
                    .await
                {
                    Ok(_) => {
                        tracing::info!(url = %url, "webhook registered with Telegram");
                        return;
                    }
                    Err(e) => {
                        let wait = backoff.next(0);
                        tracing::warn!(error = %e, retry_in = ?wait, "setWebhook failed");
                        tokio::time::sleep(wait).await;
                    }
                }
            }
        });
        Ok((addr, task))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_compare_whole() {
        assert!(same_secret(b"abc", b"abc"));
        assert!(!same_secret(b"abc", b"abd"));
        assert!(!same_secret(b"abc", b"abcd"));
        assert!(!same_secret(b"", b"abc"));
    }
}
