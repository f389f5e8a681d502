//! The HTTP side: an axum router with the gateway websocket at `/gateway`
//! and everything else in one fallback that checks the token, applies the
//! rate limits (`rest::Limits`: `X-RateLimit-*` headers, 429s) and queued
//! faults, routes `/api/v10/...` to [`rest`](super::rest), serves attachment
//! files and records every call (with the time it arrived).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::body::{Body as HttpBody, Bytes};
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{DefaultBodyLimit, RawQuery, State as AxumState};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Router};
use serde_json::{Value, json};
use tokio::net::TcpListener;

use super::body;
use super::gateway;
use super::rest::{self, Limits, Reply, Req};
use super::state::Shared;
use super::types::{Call, DiscordFault, TOKEN};

/// Request bodies above this are refused (Discord's upload limit is 10 MiB
/// per file without boosts; several files fit).
const MAX_BODY: usize = 64 * 1024 * 1024;

/// Serves until the runtime shuts down.
pub(crate) async fn serve(listener: TcpListener, shared: Arc<Shared>) {
    let app = Router::new()
        .route("/gateway", get(gateway_upgrade))
        .fallback(handle)
        .layer(Extension(Arc::new(Mutex::new(Limits::default()))))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(shared);
    if let Err(e) = axum::serve(listener, app).await {
        tracing::warn!(error = %e, "fake discord: server stopped");
    }
}

async fn gateway_upgrade(
    AxumState(shared): AxumState<Arc<Shared>>,
    RawQuery(query): RawQuery,
    ws: WebSocketUpgrade,
) -> Response {
    let heartbeat = shared.mutate(|st| {
        st.gateway.queries.push(query.unwrap_or_default());
        st.config.heartbeat_interval
    });
    ws.on_upgrade(move |socket| gateway::connection(socket, shared, heartbeat))
}

fn respond(reply: &Reply) -> Response {
    let status = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = match &reply.body {
        Some(body) => (status, body.to_string()).into_response(),
        None => status.into_response(),
    };
    if reply.body.is_some() {
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
    }
    for (name, value) in &reply.headers {
        if let Ok(v) = HeaderValue::from_str(value) {
            response.headers_mut().insert(*name, v);
        }
    }
    response
}

/// The answer a fault gives (`None` for a delay, which answers normally; a 429
/// is the rate limits' to give, see `handle`).
fn fault_reply(fault: &DiscordFault) -> Option<Reply> {
    match fault {
        DiscordFault::RateLimited { .. }
        | DiscordFault::GlobalRateLimited { .. }
        | DiscordFault::Delay(_) => None,
        DiscordFault::ServerError => Some(Reply::error(500, 0, "500: Internal Server Error")),
        DiscordFault::BadGateway => Some(Reply::error(502, 0, "502: Bad Gateway")),
        DiscordFault::Error {
            status,
            code,
            message,
        } => Some(Reply::error(*status, *code, message)),
    }
}

/// A test's number of seconds as a duration (nonsense is none).
fn seconds(s: f64) -> Duration {
    Duration::try_from_secs_f64(s).unwrap_or_default()
}

/// Extra headers of an answer.
type Headers = Vec<(&'static str, String)>;

/// The headers a request's rate limits put on its answer, and the fault queued
/// for it; or the 429 it gets instead (over a limit, or an injected 429, which
/// then holds its bucket, or everything, for the time it announces).
fn limit(
    shared: &Shared,
    limits: &Mutex<Limits>,
    method: &str,
    segments: &[String],
    at: Instant,
) -> Result<(Headers, Option<DiscordFault>), Reply> {
    let rate_limits = shared.read(|st| st.config.rate_limits);
    let mut limits = limits.lock().unwrap_or_else(PoisonError::into_inner);
    let headers = limits.check(&rate_limits, method, segments, at)?;
    let fault = shared.mutate(|st| {
        let i = st.faults.iter().position(|f| f.matches(method, segments))?;
        st.faults.remove(i).map(|f| f.fault)
    });
    let held = match &fault {
        Some(DiscordFault::RateLimited { retry_after_secs }) => (*retry_after_secs, false),
        Some(DiscordFault::GlobalRateLimited { retry_after_secs }) => (*retry_after_secs, true),
        _ => return Ok((headers, fault)),
    };
    Err(limits.hold(&rate_limits, method, segments, seconds(held.0), held.1, at))
}

async fn handle(
    AxumState(shared): AxumState<Arc<Shared>>,
    Extension(limits): Extension<Arc<Mutex<Limits>>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    bytes: Bytes,
) -> Response {
    let at = Instant::now();
    let path = uri.path().to_owned();
    let query_raw = uri.query().map(str::to_owned);
    if method == Method::GET
        && let Some(file) = shared.read(|st| st.files.get(&path).cloned())
    {
        let (content_type, data) = file;
        let mut response = Response::new(HttpBody::from(data));
        if let Ok(v) = HeaderValue::from_str(&content_type) {
            response.headers_mut().insert(header::CONTENT_TYPE, v);
        }
        return response;
    }
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let method_name = method.as_str().to_owned();
    let api_path = path.strip_prefix("/api/v10").map(str::to_owned);
    let segments: Vec<String> = api_path
        .as_deref()
        .unwrap_or(&path)
        .split('/')
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    let record = |reply: &Reply, body: Value, unknown: bool| {
        shared.mutate(|st| {
            st.calls.push(Call {
                method: method_name.clone(),
                path: api_path.clone().unwrap_or_else(|| path.clone()),
                query: query_raw.clone(),
                body,
                status: reply.status,
                unknown,
                at,
            });
        });
    };
    let body = match body::parse(content_type, &bytes) {
        Ok(b) => b,
        Err(why) => {
            let reply = Reply::error(400, 50109, "The request body contains invalid JSON.");
            record(&reply, json!({"_unparsed": why}), false);
            return respond(&reply);
        }
    };
    let recorded_body = body.recorded();
    let Some(_) = api_path else {
        let reply = Reply::error(404, 0, "404: Not Found");
        record(&reply, recorded_body, true);
        return respond(&reply);
    };
    // Interaction callbacks and interaction webhooks are authorised by
    // their token in the path, as on Discord.
    let needs_auth = !matches!(
        segments.first().map(String::as_str),
        Some("interactions" | "webhooks")
    );
    let auth_ok = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == format!("Bot {TOKEN}"));
    if needs_auth && !auth_ok {
        let reply = Reply::error(401, 0, "401: Unauthorized");
        record(&reply, recorded_body, false);
        return respond(&reply);
    }
    let (limit_headers, fault) = match limit(&shared, &limits, &method_name, &segments, at) {
        Ok(go) => go,
        Err(reply) => {
            record(&reply, recorded_body, false);
            return respond(&reply);
        }
    };
    if let Some(fault) = fault {
        if let Some(reply) = fault_reply(&fault) {
            record(&reply, recorded_body, false);
            return respond(&reply);
        }
        if let DiscordFault::Delay(d) = fault {
            tokio::time::sleep(d).await;
        }
    }
    let query: HashMap<String, String> = query_raw
        .as_deref()
        .map(|q| {
            form_urlencoded::parse(q.as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect()
        })
        .unwrap_or_default();
    let req = Req {
        method: &method_name,
        segments: &segments,
        query: &query,
        body: &body,
    };
    let (mut reply, unknown) = shared.mutate(|st| match rest::route(st, &req) {
        Some(reply) => (reply, false),
        None => (Reply::error(404, 0, "404: Not Found"), true),
    });
    reply.headers.extend(limit_headers);
    record(&reply, recorded_body, unknown);
    respond(&reply)
}
