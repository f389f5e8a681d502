//! `switchboard tickets list|show|dead-letters`: reading the store, for people and as
//! JSON, also while a service holds it (through its admin endpoint); and sending dead
//! letters again (`dead-letters --retry`), which the running service's dispatcher picks up
//! (a retried letter gets a new outbox id, past the dispatcher's cursor).

use std::io::Write;
use std::path::Path;

use anyhow::{Context as _, Result};
use serde::Serialize;
use switchboard_desk::{DeadLetter, OutboxId, Store};
use switchboard_domain::{Author, Message, Ticket, TicketId, TicketStatus};
use switchboard_store::SledStore;

/// Where `tickets` reads from: the store itself, or the running service that holds it.
pub enum Source {
    /// The store, opened by this process.
    Store(Box<SledStore>),
    /// A running service's admin endpoint (its address).
    Service(String),
}

impl Source {
    /// Tickets, oldest first, optionally only those in `status`.
    pub fn tickets(&self, status: Option<TicketStatus>) -> Result<Vec<Ticket>> {
        match self {
            Source::Store(s) => Ok(s.tickets(status)?),
            Source::Service(addr) => {
                let path = status.map_or("/api/tickets".to_string(), |s| {
                    format!("/api/tickets?status={}", s.as_str())
                });
                let body = crate::admin::get(addr, &path)?
                    .context("the service does not serve tickets")?;
                Ok(serde_json::from_str(&body)?)
            }
        }
    }

    /// One ticket with its messages.
    pub fn ticket(&self, id: TicketId) -> Result<Option<(Ticket, Vec<Message>)>> {
        match self {
            Source::Store(s) => match s.ticket(id)? {
                None => Ok(None),
                Some(t) => Ok(Some((t, s.messages(id)?))),
            },
            Source::Service(addr) => {
                match crate::admin::get(addr, &format!("/api/tickets/{id}"))? {
                    None => Ok(None),
                    Some(body) => {
                        let t: crate::admin::TicketWithMessages = serde_json::from_str(&body)?;
                        Ok(Some((t.ticket, t.messages)))
                    }
                }
            }
        }
    }
}

impl Source {
    /// The dead letters, oldest first.
    pub fn dead_letters(&self) -> Result<Vec<(OutboxId, DeadLetter)>> {
        match self {
            Source::Store(s) => Ok(s.dead_letters(usize::MAX)?),
            Source::Service(addr) => {
                let body = crate::admin::get(addr, "/api/dead-letters")?
                    .context("the service does not serve dead letters (an older version?)")?;
                Ok(serde_json::from_str(&body)?)
            }
        }
    }

    /// Moves dead letter `id` (`None`: every one) back to the outbox; the pairs of old and
    /// new ids.
    pub fn retry(&self, id: Option<OutboxId>) -> Result<Vec<(OutboxId, OutboxId)>> {
        match self {
            Source::Store(s) => {
                let ids: Vec<OutboxId> = match id {
                    Some(id) => vec![id],
                    None => s
                        .dead_letters(usize::MAX)?
                        .into_iter()
                        .map(|(id, _)| id)
                        .collect(),
                };
                let mut moved = Vec::new();
                for old in ids {
                    if let Some(new) = s.retry_dead_letter(old)? {
                        moved.push((old, new));
                    }
                }
                Ok(moved)
            }
            Source::Service(addr) => {
                let which = id.map_or("all".to_string(), |id| id.0.to_string());
                let body =
                    crate::admin::post(addr, &format!("/api/dead-letters/retry/{which}"))?
                        .context("the service does not retry dead letters (an older version?)")?;
                Ok(serde_json::from_str(&body)?)
            }
        }
    }
}

/// Opens the store for reading. When a running service holds it, reads go through that
/// service's admin endpoint (`admin_listen`), after checking that it is the service of this
/// very directory.
pub fn open(dir: &Path, admin_listen: &str) -> Result<Source> {
    if !dir.exists() {
        anyhow::bail!(
            "there is no store at {}: pass the directory a demo or the service used with --data DIR",
            dir.display()
        );
    }
    // A running service for this very directory answers first (when none listens, the
    // connection is refused at once).
    if !admin_listen.is_empty()
        && let Ok(Some(health)) = crate::admin::get(admin_listen, "/health")
    {
        let held: serde_json::Value = serde_json::from_str(&health).unwrap_or_default();
        let ours = std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf());
        if held["data"].as_str() == Some(ours.display().to_string().as_str()) {
            return Ok(Source::Service(admin_listen.to_string()));
        }
    }
    SledStore::open(dir).map(|s| Source::Store(Box::new(s))).with_context(|| {
        format!("cannot open the store at {}, and no running switchboard for it answers on `[admin] listen`", dir.display())
    })
}

/// Opens the store for writing, creating it when missing (an admin may import customers
/// before the service first runs).
pub fn open_or_create(dir: &Path) -> Result<SledStore> {
    SledStore::open(dir).with_context(|| {
        format!(
            "cannot open the store at {} (is a running switchboard using it?)",
            dir.display()
        )
    })
}

#[derive(Serialize)]
struct EventJson<'a> {
    at: String,
    kind: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    by: Option<&'a str>,
    #[serde(skip_serializing_if = "str::is_empty")]
    detail: &'a str,
}

#[derive(Serialize)]
struct MessageJson<'a> {
    seq: u32,
    at: String,
    author: &'a str,
    role: &'static str,
    text: &'a str,
    internal: bool,
}

#[derive(Serialize)]
struct TicketJson<'a> {
    id: String,
    status: &'static str,
    category: &'a str,
    priority: &'static str,
    assignee: Option<&'a str>,
    customer: String,
    customer_name: &'a str,
    locale: &'a str,
    tags: &'a [String],
    rules: &'a [String],
    opened_at: String,
    first_response_at: Option<String>,
    resolved_at: Option<String>,
    previous: Option<String>,
    reopened: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    messages: Option<Vec<MessageJson<'a>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    events: Option<Vec<EventJson<'a>>>,
}

fn ticket_json<'a>(t: &'a Ticket, messages: Option<&'a [Message]>) -> TicketJson<'a> {
    TicketJson {
        id: t.id.to_string(),
        status: t.status.as_str(),
        category: t.category.as_str(),
        priority: t.priority.as_str(),
        assignee: t.assignee.as_ref().map(|a| a.name.as_str()),
        customer: t.customer.to_string(),
        customer_name: &t.customer_name,
        locale: &t.locale,
        tags: &t.tags,
        rules: &t.rules,
        opened_at: t.opened_at.to_rfc3339(),
        first_response_at: t.first_response_at.map(|x| x.to_rfc3339()),
        resolved_at: t.resolved_at.map(|x| x.to_rfc3339()),
        previous: t.previous.map(|p| p.to_string()),
        reopened: t.reopened,
        messages: messages.map(|ms| {
            ms.iter()
                .map(|m| {
                    let (role, author) = match &m.author {
                        Author::Customer(n) => ("customer", n.as_str()),
                        Author::Agent(n) => ("agent", n.as_str()),
                        Author::Bot => ("bot", "bot"),
                    };
                    MessageJson {
                        seq: m.seq,
                        at: m.at.to_rfc3339(),
                        author,
                        role,
                        text: &m.text,
                        internal: m.internal,
                    }
                })
                .collect()
        }),
        events: messages.map(|_| {
            t.events
                .iter()
                .map(|e| EventJson {
                    at: e.at.to_rfc3339(),
                    kind: e.kind.as_str(),
                    by: e.by.as_deref(),
                    detail: &e.detail,
                })
                .collect()
        }),
    }
}

/// `tickets list`.
pub fn list(source: &Source, status: Option<&str>, json: bool, out: &mut dyn Write) -> Result<i32> {
    let status = status.map(str::parse::<TicketStatus>).transpose()?;
    let tickets = source.tickets(status)?;
    if json {
        let all: Vec<TicketJson<'_>> = tickets.iter().map(|t| ticket_json(t, None)).collect();
        serde_json::to_writer_pretty(&mut *out, &all)?;
        writeln!(out)?;
        return Ok(0);
    }
    if tickets.is_empty() {
        writeln!(out, "No tickets.")?;
        return Ok(0);
    }
    writeln!(
        out,
        "{:<8} {:<13} {:<13} {:<7} {:<12} {:<12} opened",
        "ticket", "status", "category", "prio", "customer", "agent"
    )?;
    for t in &tickets {
        writeln!(
            out,
            "{:<8} {:<13} {:<13} {:<7} {:<12} {:<12} {}",
            t.id.to_string(),
            t.status.as_str(),
            t.category.as_str(),
            t.priority.as_str(),
            t.customer_name.chars().take(12).collect::<String>(),
            t.assignee
                .as_ref()
                .map_or("-".to_string(), |a| a.name.chars().take(12).collect()),
            t.opened_at.to_rfc3339()
        )?;
    }
    Ok(0)
}

/// `tickets show`.
pub fn show(
    source: &Source,
    id: &str,
    json: bool,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<i32> {
    let id: TicketId = id.parse()?;
    let Some((t, messages)) = source.ticket(id)? else {
        writeln!(
            err,
            "There is no ticket {id} in this store; `switchboard tickets list` shows the tickets there are."
        )?;
        return Ok(1);
    };
    if json {
        serde_json::to_writer_pretty(&mut *out, &ticket_json(&t, Some(&messages)))?;
        writeln!(out)?;
        return Ok(0);
    }
    writeln!(
        out,
        "{} · {} · {} · {}",
        t.id,
        t.category,
        t.priority,
        t.status.as_str()
    )?;
    writeln!(
        out,
        "customer  {} ({}), {}",
        t.customer_name, t.customer, t.locale
    )?;
    writeln!(
        out,
        "agent     {}",
        t.assignee.as_ref().map_or("-", |a| a.name.as_str())
    )?;
    writeln!(
        out,
        "rules     {}",
        if t.rules.is_empty() {
            "-".into()
        } else {
            t.rules.join(", ")
        }
    )?;
    writeln!(out)?;
    for m in &messages {
        let who = match &m.author {
            Author::Customer(n) | Author::Agent(n) => n.as_str(),
            Author::Bot => "bot",
        };
        writeln!(
            out,
            "{} {}{}: {}",
            m.at.to_rfc3339(),
            who,
            if m.internal { " (note)" } else { "" },
            m.text.replace('\n', "\n    ")
        )?;
    }
    writeln!(out)?;
    for e in &t.events {
        writeln!(
            out,
            "{} {}{}{}",
            e.at.to_rfc3339(),
            e.kind,
            e.by.as_ref().map_or(String::new(), |b| format!(" by {b}")),
            if e.detail.is_empty() {
                String::new()
            } else {
                format!(": {}", e.detail)
            }
        )?;
    }
    Ok(0)
}

#[derive(Serialize)]
struct DeadLetterJson<'a> {
    id: u64,
    to: String,
    ticket: Option<String>,
    reason: &'a str,
    attempts: u32,
    at: String,
    text: &'a str,
}

/// `tickets dead-letters`: id, when, destination, ticket, attempts, reason and the first
/// line of the text.
pub fn dead_letters(source: &Source, json: bool, out: &mut dyn Write) -> Result<i32> {
    let letters = source.dead_letters()?;
    if json {
        let all: Vec<DeadLetterJson<'_>> = letters
            .iter()
            .map(|(id, d)| DeadLetterJson {
                id: id.0,
                to: crate::dispatch::describe(&d.outbound.to),
                ticket: d.outbound.ticket.map(|t| t.to_string()),
                reason: &d.reason,
                attempts: d.attempts,
                at: d.at.to_rfc3339(),
                text: &d.outbound.text,
            })
            .collect();
        serde_json::to_writer_pretty(&mut *out, &all)?;
        writeln!(out)?;
        return Ok(0);
    }
    if letters.is_empty() {
        writeln!(
            out,
            "No dead letters: every message was delivered or is on its way."
        )?;
        return Ok(0);
    }
    for (id, d) in &letters {
        let first = d.outbound.text.lines().next().unwrap_or("");
        let first: String = first.chars().take(70).collect();
        writeln!(
            out,
            "{:<8} {}  {}  {}  {} attempt{}",
            id.0,
            d.at.to_rfc3339(),
            crate::dispatch::describe(&d.outbound.to),
            d.outbound.ticket.map_or("-".to_string(), |t| t.to_string()),
            d.attempts,
            if d.attempts == 1 { "" } else { "s" },
        )?;
        writeln!(out, "         why:  {}", d.reason)?;
        writeln!(out, "         text: {first}")?;
    }
    writeln!(
        out,
        "{} dead letter{}. `switchboard tickets dead-letters --retry ID` (or `--retry all`) sends again.",
        letters.len(),
        if letters.len() == 1 { "" } else { "s" }
    )?;
    Ok(0)
}

/// `tickets dead-letters --retry ID|all`.
pub fn retry_dead_letters(
    source: &Source,
    which: &str,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<i32> {
    let id = match which.trim() {
        "all" => None,
        n => match n.trim_start_matches('#').parse::<u64>() {
            Ok(n) => Some(OutboxId(n)),
            Err(_) => {
                writeln!(
                    err,
                    "`--retry {which}`: give a dead letter's id (the number `switchboard tickets dead-letters` shows first) or `all`."
                )?;
                return Ok(2);
            }
        },
    };
    let moved = source.retry(id)?;
    if let (Some(id), true) = (id, moved.is_empty()) {
        writeln!(
            err,
            "There is no dead letter {}; `switchboard tickets dead-letters` lists them.",
            id.0
        )?;
        return Ok(1);
    }
    let when = match source {
        Source::Service(_) => "the running service sends them now",
        Source::Store(_) => "they are sent when the service starts",
    };
    writeln!(
        out,
        "{} dead letter{} back in the outbox; {when} (one that still cannot be delivered comes back here).",
        moved.len(),
        if moved.len() == 1 { " is" } else { "s are" }
    )?;
    Ok(0)
}
