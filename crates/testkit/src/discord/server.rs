//! The HTTP side: an axum router with the gateway websocket at `/gateway`
//! and everything else in one fallback that checks the token, applies
//! queued faults, routes `/api/v10/...` to [`rest`](super::rest), serves
//! attachment files and records every call.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::body::{Body as HttpBody, Bytes};
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{DefaultBodyLimit, RawQuery, State as AxumState};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Value, json};
use tokio::net::TcpListener;

use super::body;
use super::gateway;
use super::rest::{self, Reply, Req};
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

/// The answer a fault gives (`None` for a delay, which answers normally).
fn fault_reply(fault: &DiscordFault) -> Option<Reply> {
    match fault {
        DiscordFault::RateLimited { retry_after_secs } => {
            Some(rate_limited(*retry_after_secs, false))
        }
        DiscordFault::GlobalRateLimited { retry_after_secs } => {
            Some(rate_limited(*retry_after_secs, true))
        }
        DiscordFault::ServerError => Some(Reply::error(500, 0, "500: Internal Server Error")),
        DiscordFault::BadGateway => Some(Reply::error(502, 0, "502: Bad Gateway")),
        DiscordFault::Error {
            status,
            code,
            message,
        } => Some(Reply::error(*status, *code, message)),
        DiscordFault::Delay(_) => None,
    }
}

/// Discord's 429: the JSON body and the `Retry-After` / `X-RateLimit-*`
/// headers.
fn rate_limited(retry_after: f64, global: bool) -> Reply {
    let mut reply = Reply::ok(json!({
        "message": "You are being rate limited.",
        "retry_after": retry_after,
        "global": global,
    }));
    reply.status = 429;
    // Whole seconds, rounded up; the fault is a test's number, not a
    // measurement, so the float-to-int cast is fine.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let whole = retry_after.max(0.0).ceil() as u64;
    reply.headers = vec![
        ("retry-after", whole.to_string()),
        ("x-ratelimit-limit", "5".into()),
        ("x-ratelimit-remaining", "0".into()),
        ("x-ratelimit-reset-after", format!("{retry_after:.3}")),
        ("x-ratelimit-bucket", "fake-discord-bucket".into()),
        (
            "x-ratelimit-scope",
            if global { "global" } else { "user" }.into(),
        ),
    ];
    if global {
        reply.headers.push(("x-ratelimit-global", "true".into()));
    }
    reply
}

async fn handle(
    AxumState(shared): AxumState<Arc<Shared>>,
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
    let fault = shared.mutate(|st| {
        let i = st
            .faults
            .iter()
            .position(|f| f.matches(&method_name, &segments))?;
        st.faults.remove(i).map(|f| f.fault)
    });
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
    let (reply, unknown) = shared.mutate(|st| match rest::route(st, &req) {
        Some(reply) => (reply, false),
        None => (Reply::error(404, 0, "404: Not Found"), true),
    });
    record(&reply, recorded_body, unknown);
    respond(&reply)
}
