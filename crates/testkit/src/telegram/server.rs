//! The HTTP side: an accept loop serving HTTP/1.1 with hyper (one task per
//! connection, so a [`Fault::DropConnection`] can close exactly the
//! connection that carried the request, without any response), routing of
//! `/bot<token>/<method>`, faults, call recording, the `getUpdates` long poll
//! and webhook delivery.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::{Body, to_bytes};
use axum::http::{HeaderValue, Request, Response, StatusCode, header};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::Notify;

use super::api::{self, Reply};
use super::params::{self, Params};
use super::state::Shared;
use super::{Call, Fault};

/// Bodies above this size are refused (Telegram's upload limit is 50 MB).
const MAX_BODY: usize = 50 * 1024 * 1024;

/// Accepts connections forever; each is served on its own task.
pub(crate) async fn serve(listener: TcpListener, shared: Arc<Shared>) {
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(e) => {
                tracing::warn!(error = %e, "fake telegram: accept failed");
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let shared = shared.clone();
        tokio::spawn(async move {
            let kill = Arc::new(Notify::new());
            let conn_kill = kill.clone();
            let service = service_fn(move |req: Request<Incoming>| {
                let shared = shared.clone();
                let kill = conn_kill.clone();
                async move { Ok::<_, Infallible>(handle(shared, kill, req).await) }
            });
            // No header-read timeout: bots keep pooled connections idle
            // for long stretches between requests, as with Telegram.
            let conn = http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(None)
                .serve_connection(TokioIo::new(stream), service);
            tokio::select! {
                result = conn => {
                    if let Err(e) = result {
                        tracing::debug!(error = %e, "fake telegram: connection ended");
                    }
                }
                // Dropping the connection future closes the socket at once.
                () = kill.notified() => {}
            }
        });
    }
}

fn respond(reply: &Reply) -> Response<Body> {
    let mut response = Response::new(Body::from(reply.body().to_string()));
    *response.status_mut() =
        StatusCode::from_u16(reply.status()).unwrap_or(StatusCode::BAD_REQUEST);
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

fn record(shared: &Shared, method: &str, params: Params, status: u16, at: Instant) {
    shared.mutate(|st| {
        st.calls.push(Call {
            method: method.to_owned(),
            params: Value::Object(params),
            status,
            at,
        });
    });
}

async fn handle(shared: Arc<Shared>, kill: Arc<Notify>, req: Request<Incoming>) -> Response<Body> {
    let at = Instant::now();
    let (parts, body) = req.into_parts();
    let path = parts.uri.path().to_owned();
    let content_type = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let bytes = match to_bytes(Body::new(body), MAX_BODY).await {
        Ok(b) => b,
        Err(_) => {
            let reply = Reply::error(413, "Request Entity Too Large");
            record(&shared, &path, Params::new(), reply.status(), at);
            return respond(&reply);
        }
    };
    let route = path
        .strip_prefix("/bot")
        .and_then(|rest| rest.split_once('/'))
        .filter(|(_, method)| !method.is_empty() && !method.contains('/'));
    let Some((token, method)) = route else {
        let reply = Reply::error(404, "Not Found");
        record(&shared, &path, Params::new(), reply.status(), at);
        return respond(&reply);
    };
    let params = match params::parse(&content_type, &bytes, parts.uri.query()) {
        Ok(p) => p,
        Err(why) => {
            let reply = Reply::error(400, format!("Bad Request: {why}"));
            record(&shared, method, Params::new(), reply.status(), at);
            return respond(&reply);
        }
    };
    if token != shared.token {
        let reply = Reply::error(401, "Unauthorized");
        record(&shared, method, params, reply.status(), at);
        return respond(&reply);
    }
    let lower = method.to_ascii_lowercase();
    let fault = shared.mutate(|st| {
        let i = st
            .faults
            .iter()
            .position(|(m, _)| m == "*" || *m == lower)?;
        st.faults.remove(i).map(|(_, f)| f)
    });
    if let Some(fault) = fault {
        let reply = match fault {
            Fault::TooManyRequests { retry_after } => Some(Reply::too_many(retry_after)),
            Fault::ServerError => Some(Reply::error(500, "Internal Server Error")),
            Fault::Error { code, description } => Some(Reply::error(code, description)),
            Fault::Delay(d) => {
                tokio::time::sleep(d).await;
                None
            }
            Fault::DropConnection => {
                record(&shared, method, params, 0, at);
                kill.notify_one();
                // The connection task drops this future with the connection.
                return std::future::pending().await;
            }
        };
        if let Some(reply) = reply {
            record(&shared, method, params, reply.status(), at);
            return respond(&reply);
        }
    }
    let reply = if lower == "getupdates" {
        get_updates(&shared, &params).await
    } else {
        shared.mutate(|st| api::dispatch(st, &lower, &params))
    };
    record(&shared, method, params, reply.status(), at);
    respond(&reply)
}

const CONFLICT_WEBHOOK: &str = "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first";
const CONFLICT_OTHER_POLL: &str = "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running";

/// `getUpdates`: confirms updates below `offset`, then answers the pending
/// ones or waits up to `timeout` seconds for one. A newer `getUpdates`
/// ends a waiting one with 409, as Telegram does.
async fn get_updates(shared: &Shared, p: &Params) -> Reply {
    let offset = params::int(p, "offset").unwrap_or(0);
    let limit = match params::int(p, "limit") {
        Some(l) if (1..=100).contains(&l) => l,
        _ => 100,
    };
    let limit = usize::try_from(limit).unwrap_or(100);
    let timeout = params::int(p, "timeout").unwrap_or(0).clamp(0, 3600);
    let deadline =
        tokio::time::Instant::now() + Duration::from_secs(u64::try_from(timeout).unwrap_or(0));
    let allowed = params::object(p, "allowed_updates");
    let generation = shared.mutate(|st| {
        if st.webhook.is_some() {
            return None;
        }
        if let Some(Value::Array(list)) = &allowed {
            st.allowed_updates = list
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect();
        }
        if offset > 0 {
            while st
                .updates
                .front()
                .and_then(update_id_of)
                .is_some_and(|id| id < offset)
            {
                st.updates.pop_front();
            }
        } else if offset < 0 {
            let keep = usize::try_from(offset.unsigned_abs()).unwrap_or(usize::MAX);
            while st.updates.len() > keep {
                st.updates.pop_front();
            }
        }
        st.poll_generation += 1;
        Some(st.poll_generation)
    });
    let Some(generation) = generation else {
        return Reply::error(409, CONFLICT_WEBHOOK);
    };
    loop {
        let mut changed = shared.subscribe();
        let ready = shared.read(|st| {
            if st.poll_generation != generation {
                return Some(Reply::error(409, CONFLICT_OTHER_POLL));
            }
            if st.webhook.is_some() {
                return Some(Reply::error(409, CONFLICT_WEBHOOK));
            }
            if !st.updates.is_empty() {
                let batch: Vec<Value> = st.updates.iter().take(limit).cloned().collect();
                return Some(Reply::Ok(json!(batch)));
            }
            None
        });
        if let Some(reply) = ready {
            return reply;
        }
        if tokio::time::Instant::now() >= deadline {
            return Reply::Ok(json!([]));
        }
        tokio::select! {
            _ = changed.changed() => {}
            () = tokio::time::sleep_until(deadline) => {}
        }
    }
}

/// Posts pending updates to the webhook, one at a time and in order; an
/// update leaves the queue only when the webhook answers 2xx.
pub(crate) async fn deliver_webhook(shared: Arc<Shared>) {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap_or_default();
    loop {
        let mut changed = shared.subscribe();
        let job = shared.read(|st| {
            let hook = st.webhook.as_ref()?;
            let update = st.updates.front()?;
            Some((hook.url.clone(), hook.secret.clone(), update.clone()))
        });
        let Some((url, secret, update)) = job else {
            if changed.changed().await.is_err() {
                return;
            }
            continue;
        };
        let update_id = update_id_of(&update);
        let mut request = client.post(&url).json(&update);
        if let Some(secret) = secret {
            request = request.header("X-Telegram-Bot-Api-Secret-Token", secret);
        }
        let delivered = match request.send().await {
            Ok(response) => {
                let status = response.status();
                shared.mutate(|st| {
                    st.webhook_statuses.push(status.as_u16());
                    if status.is_success() && st.updates.front().and_then(update_id_of) == update_id
                    {
                        st.updates.pop_front();
                    }
                });
                status.is_success()
            }
            Err(e) => {
                tracing::debug!(error = %e, "fake telegram: webhook delivery failed");
                shared.mutate(|st| st.webhook_errors += 1);
                false
            }
        };
        if !delivered {
            let delay = shared.read(|st| st.webhook_retry_delay);
            tokio::time::sleep(delay).await;
        }
    }
}

/// An update's id: a number, or (in an update broken on purpose, see
/// [`super::Malformed::IdAsString`]) a string holding one.
fn update_id_of(update: &Value) -> Option<i64> {
    let id = &update["update_id"];
    id.as_i64()
        .or_else(|| id.as_str().and_then(|s| s.parse().ok()))
}
