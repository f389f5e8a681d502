//! `switchboard tickets list|show`: reading the store, for people and as JSON, also while
//! a service holds it (through its admin endpoint).

use std::io::Write;
use std::path::Path;

use anyhow::{Context as _, Result};
use serde::Serialize;
use switchboard_desk::Store;
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
