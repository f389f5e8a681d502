//! The admin endpoint: a small HTTP server on loopback that a running service answers on,
//! so that `switchboard tickets …` can read the store while the service holds it (sled lets
//! one process open a store at a time).
//!
//! Routes (JSON, `Connection: close`):
//! - GET `/health` → `{"status":"ok","data":DIR,"counters":{…}}` (the store it holds), or
//!   `"status":"unhealthy"` with `"problems"`, each part's reason (a store that cannot
//!   commit: a full disk). Always 200, so that a client can read why; monitoring checks
//!   `status`.
//! - GET `/api/tickets[?status=S]` → the tickets, as stored
//! - GET `/api/tickets/T-1` → `{"ticket": …, "messages": […]}`
//! - GET `/api/dead-letters` → `[[id, dead letter], …]`
//! - POST `/api/dead-letters/retry/ID` (or `/all`) → `[[old id, new id], …]`: the one
//!   change served, moving dead letters back to the outbox (`tickets dead-letters --retry`)
//!
//! It binds to the address in `[admin] listen` (loopback by default). Requests are small
//! and bounded; anything else gets 400.
//!
//! Parts: [`Health`] (what the parts of the service report about themselves), [`start`]
//! (the running service's: only when `[admin] listen` is set, and a
//! failure to bind is logged, not fatal), [`serve`] (the server), [`get`] (the CLI's client).

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context as _, Result, bail};
use serde::{Deserialize, Serialize};
use switchboard_desk::Store;
use switchboard_domain::{Message, Ticket, TicketId, TicketStatus};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::watch;

/// One ticket with its conversation, as `/api/tickets/T-1` returns it.
#[derive(Debug, Serialize, Deserialize)]
pub struct TicketWithMessages {
    /// The ticket.
    pub ticket: Ticket,
    /// Its messages, in order.
    pub messages: Vec<Message>,
}

/// A probe a part of the service registers with [`Health`], under its name.
type Probe<T> = (&'static str, Arc<dyn Fn() -> T + Send + Sync>);

/// What the parts of the running service say about themselves on `/health`: checks (a
/// part is unhealthy while its check returns a reason: the store while it cannot commit)
/// and counters (updates skipped as unreadable). Registered once at start, read on each
/// request, so that nothing needs pushing.
#[derive(Default)]
pub struct Health {
    checks: Mutex<Vec<Probe<Option<String>>>>,
    counters: Mutex<Vec<Probe<u64>>>,
}

impl Health {
    /// Registers a check: `name` is unhealthy while `probe` returns a reason.
    pub fn check(
        &self,
        name: &'static str,
        probe: impl Fn() -> Option<String> + Send + Sync + 'static,
    ) {
        switchboard_domain::sync::lock(&self.checks).push((name, Arc::new(probe)));
    }

    /// Registers a counter shown under `counters`.
    pub fn count(&self, name: &'static str, probe: impl Fn() -> u64 + Send + Sync + 'static) {
        switchboard_domain::sync::lock(&self.counters).push((name, Arc::new(probe)));
    }

    /// The problems now (empty: healthy), by part.
    pub fn problems(&self) -> Vec<(&'static str, String)> {
        let checks = switchboard_domain::sync::lock(&self.checks).clone();
        checks
            .iter()
            .filter_map(|(n, p)| Some((*n, p()?)))
            .collect()
    }

    /// The `/health` body for the store in `data`.
    fn report(&self, data: &str) -> serde_json::Value {
        let problems = self.problems();
        let counters = switchboard_domain::sync::lock(&self.counters).clone();
        let mut body = serde_json::json!({
            "status": if problems.is_empty() { "ok" } else { "unhealthy" },
            "data": data,
        });
        if !problems.is_empty() {
            body["problems"] = problems
                .into_iter()
                .map(|(n, why)| (n.to_string(), serde_json::Value::from(why)))
                .collect::<serde_json::Map<_, _>>()
                .into();
        }
        if !counters.is_empty() {
            body["counters"] = counters
                .iter()
                .map(|(n, p)| (n.to_string(), serde_json::Value::from(p())))
                .collect::<serde_json::Map<_, _>>()
                .into();
        }
        body
    }
}

/// The most a request line and headers may take.
const MAX_REQUEST: usize = 8 * 1024;

fn respond(status: &str, body: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

fn error_body(msg: &str) -> String {
    serde_json::json!({ "error": msg }).to_string()
}

/// Answers one POST: retrying dead letters.
fn route_post(store: &dyn Store, path: &str) -> (String, String) {
    let result: Result<Option<String>> = (|| {
        let Some(which) = path.strip_prefix("/api/dead-letters/retry/") else {
            return Ok(None);
        };
        let ids: Vec<switchboard_desk::OutboxId> = match which {
            "all" => store
                .dead_letters(usize::MAX)?
                .into_iter()
                .map(|(id, _)| id)
                .collect(),
            n => vec![switchboard_desk::OutboxId(n.parse()?)],
        };
        let mut moved = Vec::new();
        for old in ids {
            if let Some(new) = store.retry_dead_letter(old)? {
                moved.push((old, new));
            }
        }
        Ok(Some(serde_json::to_string(&moved)?))
    })();
    match result {
        Ok(Some(body)) => ("200 OK".into(), body),
        Ok(None) => ("404 Not Found".into(), error_body("not found")),
        Err(e) => ("400 Bad Request".into(), error_body(&e.to_string())),
    }
}

/// Answers one request path; `data` is the store's directory (named in `/health`, so that
/// a client can tell which store this service holds).
fn route(store: &dyn Store, health: &Health, data: &str, path: &str) -> (String, String) {
    let (path, query) = path.split_once('?').unwrap_or((path, ""));
    let result: Result<Option<String>> = (|| match path {
        "/health" => Ok(Some(health.report(data).to_string())),
        "/api/dead-letters" => Ok(Some(serde_json::to_string(
            &store.dead_letters(usize::MAX)?,
        )?)),
        "/api/tickets" => {
            let status = query
                .split('&')
                .find_map(|kv| kv.strip_prefix("status="))
                .map(str::parse::<TicketStatus>)
                .transpose()?;
            Ok(Some(serde_json::to_string(&store.tickets(status)?)?))
        }
        p => match p.strip_prefix("/api/tickets/") {
            Some(id) => {
                let id: TicketId = id.parse()?;
                match store.ticket(id)? {
                    None => Ok(None),
                    Some(ticket) => {
                        let messages = store.messages(id)?;
                        Ok(Some(serde_json::to_string(&TicketWithMessages {
                            ticket,
                            messages,
                        })?))
                    }
                }
            }
            None => Ok(None),
        },
    })();
    match result {
        Ok(Some(body)) => ("200 OK".into(), body),
        Ok(None) => ("404 Not Found".into(), error_body("not found")),
        Err(e) => ("400 Bad Request".into(), error_body(&e.to_string())),
    }
}

/// Serves the admin endpoint until `shutdown` fires. Returns the bound address at once
/// (port 0 picks a free port, for tests).
pub async fn serve(
    listen: &str,
    store: Arc<dyn Store>,
    health: Arc<Health>,
    data: String,
    mut shutdown: watch::Receiver<bool>,
) -> Result<(SocketAddr, tokio::task::JoinHandle<()>)> {
    let listener = TcpListener::bind(listen).await.with_context(|| {
        format!("cannot listen on {listen} for the admin endpoint; change `[admin] listen`")
    })?;
    let addr = listener.local_addr()?;
    let task = tokio::spawn(async move {
        loop {
            let (mut conn, peer) = tokio::select! {
                r = listener.accept() => match r {
                    Ok(c) => c,
                    Err(e) => { tracing::warn!(error = %e, "admin endpoint: accept failed"); continue; }
                },
                _ = shutdown.changed() => return,
            };
            let store = store.clone();
            let health = health.clone();
            let data = data.clone();
            tokio::spawn(async move {
                let mut buf = Vec::with_capacity(512);
                let mut chunk = [0u8; 1024];
                let read = tokio::time::timeout(Duration::from_secs(5), async {
                    while !buf.windows(4).any(|w| w == b"\r\n\r\n") && buf.len() < MAX_REQUEST {
                        let n = conn.read(&mut chunk).await?;
                        if n == 0 {
                            break;
                        }
                        buf.extend_from_slice(&chunk[..n]);
                    }
                    Ok::<_, std::io::Error>(())
                })
                .await;
                let reply = match (
                    read,
                    std::str::from_utf8(&buf)
                        .ok()
                        .and_then(|s| s.lines().next()),
                ) {
                    (Ok(Ok(())), Some(line)) => {
                        match line.split_whitespace().collect::<Vec<_>>()[..] {
                            ["GET", path, _] => {
                                let (status, body) = route(store.as_ref(), &health, &data, path);
                                respond(&status, &body)
                            }
                            ["POST", path, _] => {
                                let (status, body) = route_post(store.as_ref(), path);
                                respond(&status, &body)
                            }
                            _ => respond(
                                "400 Bad Request",
                                &error_body("only GET and POST are served"),
                            ),
                        }
                    }
                    _ => respond("400 Bad Request", &error_body("unreadable request")),
                };
                if let Err(e) = conn.write_all(&reply).await {
                    tracing::debug!(%peer, error = %e, "admin endpoint: client went away");
                }
            });
        }
    });
    Ok((addr, task))
}

/// Starts the admin endpoint when one is configured (`listen` is `[admin] listen`; empty
/// for none). A failure is logged: the endpoint is a convenience, not a reason to stop
/// serving customers.
pub async fn start(
    listen: &str,
    store: Arc<dyn Store>,
    health: Arc<Health>,
    data_dir: &std::path::Path,
    shutdown: watch::Receiver<bool>,
) -> Option<tokio::task::JoinHandle<()>> {
    if listen.is_empty() {
        return None;
    }
    let data = std::path::absolute(data_dir).unwrap_or_else(|_| data_dir.to_path_buf());
    match serve(listen, store, health, data.display().to_string(), shutdown).await {
        Ok((addr, task)) => {
            tracing::info!(%addr, "admin endpoint listening");
            Some(task)
        }
        Err(e) => {
            tracing::warn!(error = %format!("{e:#}"), "no admin endpoint");
            None
        }
    }
}

/// Fetches `path` from a running service's admin endpoint (a blocking client for the CLI).
/// `Ok(None)` for 404.
pub fn get(listen: &str, path: &str) -> Result<Option<String>> {
    request(listen, "GET", path)
}

/// Posts to `path` on a running service's admin endpoint (no body). `Ok(None)` for 404.
pub fn post(listen: &str, path: &str) -> Result<Option<String>> {
    request(listen, "POST", path)
}

fn request(listen: &str, method: &str, path: &str) -> Result<Option<String>> {
    let addr: SocketAddr = listen
        .parse()
        .with_context(|| format!("`[admin] listen = {listen:?}` is not an address"))?;
    let mut conn = TcpStream::connect_timeout(&addr, Duration::from_secs(2))
        .with_context(|| format!("no running switchboard answers on {listen}"))?;
    conn.set_read_timeout(Some(Duration::from_secs(10)))?;
    write!(
        conn,
        "{method} {path} HTTP/1.1\r\nHost: {listen}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    )?;
    let mut raw = Vec::new();
    conn.read_to_end(&mut raw)?;
    let text = String::from_utf8(raw).context("the admin endpoint sent invalid UTF-8")?;
    let (head, body) = text
        .split_once("\r\n\r\n")
        .context("the admin endpoint sent no body")?;
    let status = head.split_whitespace().nth(1).unwrap_or("");
    match status {
        "200" => Ok(Some(body.to_string())),
        "404" => Ok(None),
        _ => bail!("the admin endpoint answered {status}: {body}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchboard_desk::MemoryStore;

    #[tokio::test]
    async fn serves_health_tickets_and_errors() {
        let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
        let (_tx, rx) = watch::channel(false);
        let health = Arc::new(Health::default());
        let (addr, _task) = serve("127.0.0.1:0", store, health.clone(), "/srv/data".into(), rx)
            .await
            .unwrap();
        let a = addr.to_string();
        let (h, l, t, bad) = tokio::task::spawn_blocking(move || {
            (
                get(&a, "/health"),
                get(&a, "/api/tickets"),
                get(&a, "/api/tickets/T-1"),
                get(&a, "/api/tickets?status=nope"),
            )
        })
        .await
        .unwrap();
        assert_eq!(h.unwrap().unwrap(), r#"{"data":"/srv/data","status":"ok"}"#);
        assert_eq!(l.unwrap().unwrap(), "[]");
        assert!(t.unwrap().is_none());
        assert!(bad.unwrap_err().to_string().contains("400"));

        // A part that reports a problem makes the service unhealthy, with the reason.
        let full = Arc::new(std::sync::atomic::AtomicBool::new(true));
        let f = full.clone();
        health.check("store", move || {
            f.load(std::sync::atomic::Ordering::Relaxed)
                .then(|| "the disk is full".to_string())
        });
        health.count("telegram_skipped_updates", || 3);
        let a = addr.to_string();
        let h = tokio::task::spawn_blocking(move || get(&a, "/health"))
            .await
            .unwrap();
        assert_eq!(
            h.unwrap().unwrap(),
            r#"{"counters":{"telegram_skipped_updates":3},"data":"/srv/data","problems":{"store":"the disk is full"},"status":"unhealthy"}"#
        );
        full.store(false, std::sync::atomic::Ordering::Relaxed);
        assert!(health.problems().is_empty());
    }
}
