//! The console channel: both sides of the desk in a terminal, with no chat platform.
//!
//! Lines in, transcript out. A line says who does what:
//! - `customer NAME: TEXT` — the customer NAME sends TEXT;
//! - `customer NAME presses LABEL` — NAME presses the button labelled LABEL (or whose label
//!   begins with LABEL, when only one does) on the latest message to them that has it;
//! - `agent NAME: TEXT` — agent NAME writes in the thread of the ticket they last acted on;
//!   `agent NAME on T-1: TEXT` names the ticket (commands such as `/claim` are text too);
//! - `agent NAME presses LABEL on T-1` — a button on that ticket's messages;
//! - `wait DURATION` (`90s`, `15m`, `2h`, `3d`) — the clock moves on and what fell due
//!   happens (scripts only: the interactive console runs on the real clock);
//! - `# comment` and blank lines are ignored.
//!
//! After each line comes everything the bot sent, one line each:
//! `bot -> customer NAME: TEXT [Button]`, `bot -> staff T-1: TEXT`, `bot -> staff: TEXT`.
//! [`parse_script`] checks a whole script first, so a bad line stops it before anything
//! runs, with its line number and what is wrong.
//!
//! Parts: [`Line`] and its parser; [`Transcript`], what turns lines into updates and
//! messages into transcript lines; [`Console`], which plays lines synchronously (the demo,
//! scripts); [`play_script`]. The console as a channel of the running service, on the real
//! clock, is [`crate::console_channel`].

use std::collections::HashMap;
use std::io::Write;

use anyhow::Result;
use switchboard_desk::Event;
use switchboard_domain::{
    Button, ChatId, Destination, Inbound, Millis, Outbound, PartyId, Place, Platform, Sender,
    TicketId, Timestamp, UpdateKey, What,
};

use crate::service::Service;

/// One line of a script or of the interactive console.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Line {
    /// `customer NAME: TEXT`
    Customer {
        /// Who.
        name: String,
        /// What they write.
        text: String,
    },
    /// `customer NAME presses LABEL`
    CustomerPress {
        /// Who.
        name: String,
        /// The button's label, or its beginning.
        label: String,
    },
    /// `agent NAME: TEXT` or `agent NAME on T-1: TEXT`
    Agent {
        /// Who.
        name: String,
        /// The ticket, when named.
        ticket: Option<TicketId>,
        /// What they write.
        text: String,
    },
    /// `agent NAME presses LABEL on T-1`
    AgentPress {
        /// Who.
        name: String,
        /// The button's label, or its beginning.
        label: String,
        /// The ticket whose messages carry the button.
        ticket: TicketId,
    },
    /// `wait DURATION`
    Wait(Millis),
}

const USAGE: &str = "write `customer NAME: TEXT`, `customer NAME presses LABEL`, `agent NAME: TEXT`, `agent NAME on T-1: TEXT`, `agent NAME presses LABEL on T-1` or `wait 15m`";

fn name_ok(name: &str) -> bool {
    !name.is_empty() && !name.contains(char::is_whitespace)
}

/// Parses one line; `Ok(None)` for blank lines and comments.
pub fn parse_line(line: &str) -> std::result::Result<Option<Line>, String> {
    let l = line.trim();
    if l.is_empty() || l.starts_with('#') {
        return Ok(None);
    }
    let (word, rest) = l.split_once(char::is_whitespace).unwrap_or((l, ""));
    let rest = rest.trim();
    match word {
        "wait" => rest
            .parse::<Millis>()
            .map(|d| Some(Line::Wait(d)))
            .map_err(|e| format!("{e}; for example `wait 15m`")),
        "customer" => {
            if let Some((name, text)) = rest.split_once(':').filter(|(n, _)| name_ok(n.trim())) {
                return Ok(Some(Line::Customer {
                    name: name.trim().to_string(),
                    text: text.trim().to_string(),
                }));
            }
            if let Some((name, label)) = rest.split_once(" presses ") {
                let (name, label) = (name.trim(), label.trim());
                if name_ok(name) && !label.is_empty() {
                    return Ok(Some(Line::CustomerPress {
                        name: name.to_string(),
                        label: label.to_string(),
                    }));
                }
            }
            Err(format!(
                "a customer line needs a name and `: TEXT` or `presses LABEL`; {USAGE}"
            ))
        }
        "agent" => {
            if let Some((name, rest2)) = rest.split_once(" presses ") {
                let Some((label, ticket)) = rest2.rsplit_once(" on ") else {
                    return Err(
                        "an agent's press needs the ticket: `agent NAME presses LABEL on T-1`"
                            .into(),
                    );
                };
                let ticket = ticket
                    .trim()
                    .parse::<TicketId>()
                    .map_err(|e| e.to_string())?;
                let (name, label) = (name.trim(), label.trim());
                if name_ok(name) && !label.is_empty() {
                    return Ok(Some(Line::AgentPress {
                        name: name.to_string(),
                        label: label.to_string(),
                        ticket,
                    }));
                }
            }
            if let Some((head, text)) = rest.split_once(':') {
                let head = head.trim();
                let (name, ticket) = match head.split_once(" on ") {
                    Some((n, t)) => (
                        n.trim(),
                        Some(t.trim().parse::<TicketId>().map_err(|e| e.to_string())?),
                    ),
                    None => (head, None),
                };
                if name_ok(name) {
                    return Ok(Some(Line::Agent {
                        name: name.to_string(),
                        ticket,
                        text: text.trim().to_string(),
                    }));
                }
            }
            Err(format!(
                "an agent line needs a name and `: TEXT` or `presses LABEL on T-1`; {USAGE}"
            ))
        }
        _ => Err(format!("unknown line: {USAGE}")),
    }
}

/// Parses a whole script; the first bad line is reported as `line N: what is wrong`.
pub fn parse_script(text: &str) -> std::result::Result<Vec<(usize, Line)>, String> {
    let mut out = Vec::new();
    for (i, l) in text.lines().enumerate() {
        match parse_line(l) {
            Ok(Some(line)) => out.push((i + 1, line)),
            Ok(None) => {}
            Err(e) => return Err(format!("line {}: {e}", i + 1)),
        }
    }
    Ok(out)
}

/// A message the bot sent that had buttons (for `presses`).
struct WithButtons {
    to: Destination,
    buttons: Vec<Button>,
}

/// What a console remembers between lines, to turn a line into an update and a message
/// into a transcript line: who is who, which ticket each agent last acted on, which
/// buttons were shown. Shared by the demo's player ([`Console`]) and the console channel
/// of the running service ([`crate::console_channel`]).
pub struct Transcript {
    /// The ticket each agent last acted on.
    agent_ticket: HashMap<String, TicketId>,
    /// Messages with buttons, oldest first.
    with_buttons: Vec<WithButtons>,
    /// Customer chat id -> name, for the transcript.
    names: HashMap<ChatId, String>,
    updates: u64,
    /// Unique per console run, so that update ids never repeat across runs on one store
    /// (the demo's simulated clock starts at the same instant every time).
    run_id: String,
}

impl Default for Transcript {
    fn default() -> Self {
        Self::new()
    }
}

impl Transcript {
    /// A transcript with nothing shown yet.
    pub fn new() -> Transcript {
        Transcript {
            agent_ticket: HashMap::new(),
            with_buttons: Vec::new(),
            names: HashMap::new(),
            updates: 0,
            run_id: format!(
                "{}-{}",
                std::process::id(),
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_nanos())
            ),
        }
    }

    fn sender(name: &str) -> Sender {
        Sender {
            id: PartyId::new(Platform::Console, name),
            name: name.to_string(),
            username: None,
            language: None,
        }
    }

    fn next_key(&mut self) -> UpdateKey {
        self.updates += 1;
        UpdateKey(format!("console:{}:{}", self.run_id, self.updates))
    }

    /// Finds the payload of the button `label` on the latest message to `to` that has it.
    fn find_button(&self, to: &Destination, label: &str) -> std::result::Result<String, String> {
        let want = label.to_lowercase();
        for m in self.with_buttons.iter().rev().filter(|m| &m.to == to) {
            if let Some(b) = m.buttons.iter().find(|b| b.label.to_lowercase() == want) {
                return Ok(b.payload.clone());
            }
            let starts: Vec<&Button> = m
                .buttons
                .iter()
                .filter(|b| b.label.to_lowercase().starts_with(&want))
                .collect();
            match starts.len() {
                1 => return Ok(starts[0].payload.clone()),
                0 => {}
                _ => {
                    let labels: Vec<&str> = starts.iter().map(|b| b.label.as_str()).collect();
                    return Err(format!(
                        "`{label}` could be any of {}: write more of the label",
                        labels.join(", ")
                    ));
                }
            }
        }
        Err(format!("no message has a button `{label}`"))
    }

    /// The update `line` stands for at `now`: `Ok(None)` for `wait` (no update), an `Err`
    /// with a sentence for a line that cannot be played (no such button).
    pub fn inbound(
        &mut self,
        line: &Line,
        now: Timestamp,
    ) -> std::result::Result<Option<Inbound>, String> {
        let inbound = |c: &mut Transcript, from: Sender, place: Place, what: What| Inbound {
            key: c.next_key(),
            at: now,
            from,
            place,
            what,
        };
        let ev = match line {
            Line::Wait(_) => return Ok(None),
            Line::Customer { name, text } => {
                let chat = ChatId::new(Platform::Console, name.as_str());
                self.names.insert(chat.clone(), name.clone());
                inbound(
                    self,
                    Self::sender(name),
                    Place::Customer { chat },
                    What::Text(text.clone()),
                )
            }
            Line::CustomerPress { name, label } => {
                let chat = ChatId::new(Platform::Console, name.as_str());
                let payload =
                    self.find_button(&Destination::Customer { chat: chat.clone() }, label)?;
                inbound(
                    self,
                    Self::sender(name),
                    Place::Customer { chat },
                    What::Button(payload),
                )
            }
            Line::Agent { name, ticket, text } => {
                let ticket = ticket.or_else(|| self.agent_ticket.get(name).copied());
                if let Some(t) = ticket {
                    self.agent_ticket.insert(name.clone(), t);
                }
                inbound(
                    self,
                    Self::sender(name),
                    Place::Staff {
                        ticket,
                        thread: None,
                        reply_to: None,
                    },
                    What::Text(text.clone()),
                )
            }
            Line::AgentPress {
                name,
                label,
                ticket,
            } => {
                let payload = self.find_button(&Destination::Ticket { ticket: *ticket }, label)?;
                self.agent_ticket.insert(name.clone(), *ticket);
                inbound(
                    self,
                    Self::sender(name),
                    Place::Staff {
                        ticket: Some(*ticket),
                        thread: None,
                        reply_to: None,
                    },
                    What::Button(payload),
                )
            }
        };
        Ok(Some(ev))
    }

    /// The transcript line of a message the bot sent (`bot -> customer ann: … [Yes]`),
    /// remembering its buttons for later `presses`.
    pub fn shown(&mut self, o: &Outbound) -> String {
        let to = match &o.to {
            Destination::Customer { chat } => format!(
                "customer {}",
                self.names
                    .get(chat)
                    .map_or(chat.id.as_str(), String::as_str)
            ),
            Destination::Ticket { ticket } => format!("staff {ticket}"),
            Destination::StaffSpace => "staff".to_string(),
        };
        let text: Vec<&str> = o
            .text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect();
        let mut line = format!("bot -> {to}: {}", text.join(" | "));
        for b in &o.buttons {
            line.push_str(&format!(" [{}]", b.label));
        }
        if !o.buttons.is_empty() {
            self.with_buttons.push(WithButtons {
                to: o.to.clone(),
                buttons: o.buttons.clone(),
            });
        }
        line
    }
}

/// Plays console lines against a [`Service`], synchronously: each line's messages are
/// shown before the next line is read (the demo and scripts, on a simulated clock).
pub struct Console {
    service: Service,
    transcript: Transcript,
    /// Called after each commit to make it durable before anything is shown.
    flush: Box<dyn Fn() -> Result<()> + Send>,
}

impl Console {
    /// A console over `service`; `flush` makes a commit durable (the store's flush, or a
    /// group-commit wait) and runs before any output of that commit is shown.
    pub fn new(service: Service, flush: Box<dyn Fn() -> Result<()> + Send>) -> Console {
        Console {
            service,
            transcript: Transcript::new(),
            flush,
        }
    }

    /// Plays one line at `now`, writing what the bot sent to `out`. A line that cannot be
    /// played (no such button) is an `Err` with a sentence; nothing was changed then.
    pub fn play(
        &mut self,
        line: &Line,
        now: Timestamp,
        out: &mut dyn Write,
    ) -> Result<std::result::Result<(), String>> {
        match self.transcript.inbound(line, now) {
            Err(e) => return Ok(Err(e)),
            Ok(None) => {
                self.service.run_due(now)?;
            }
            Ok(Some(ev)) => {
                self.service.process(&Event::Inbound(ev), now)?;
            }
        }
        self.deliver(out)?;
        Ok(Ok(()))
    }

    /// Makes what was committed durable, then prints and acknowledges everything in the
    /// outbox, oldest first: also what an earlier run committed but did not deliver.
    pub fn deliver(&mut self, out: &mut dyn Write) -> Result<()> {
        (self.flush)()?;
        loop {
            let batch = self.service.store.outbox(256)?;
            if batch.is_empty() {
                return Ok(());
            }
            for (id, o) in batch {
                writeln!(out, "{}", self.transcript.shown(&o))?;
                self.service.store.ack_outbox(id)?;
            }
        }
    }
}

/// Plays a whole script on a simulated clock starting at `start`, printing each line and
/// what the bot sent after it. A line that cannot be played stops the script with its
/// line number.
pub fn play_script(
    console: &mut Console,
    script: &[(usize, Line)],
    start: Timestamp,
    out: &mut dyn Write,
) -> Result<std::result::Result<(), String>> {
    let mut now = start;
    for (n, line) in script {
        writeln!(out, "{}", render(line))?;
        if let Line::Wait(d) = line {
            now = now.plus(*d);
        } else {
            // A second passes between lines, as it would for people typing.
            now = now.plus(Millis::secs(1));
        }
        if let Err(e) = console.play(line, now, out)? {
            return Ok(Err(format!("line {n}: {e}")));
        }
    }
    Ok(Ok(()))
}

/// A line as a script would write it.
pub fn render(line: &Line) -> String {
    match line {
        Line::Customer { name, text } => format!("customer {name}: {text}"),
        Line::CustomerPress { name, label } => format!("customer {name} presses {label}"),
        Line::Agent {
            name,
            ticket: Some(t),
            text,
        } => format!("agent {name} on {t}: {text}"),
        Line::Agent {
            name,
            ticket: None,
            text,
        } => format!("agent {name}: {text}"),
        Line::AgentPress {
            name,
            label,
            ticket,
        } => format!("agent {name} presses {label} on {ticket}"),
        Line::Wait(d) => format!("wait {d}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_kind_of_line() {
        let cases = [
            (
                "customer ann: Where is my parcel?",
                Line::Customer {
                    name: "ann".into(),
                    text: "Where is my parcel?".into(),
                },
            ),
            (
                "customer ann: time: 10:30",
                Line::Customer {
                    name: "ann".into(),
                    text: "time: 10:30".into(),
                },
            ),
            (
                "customer ann presses Yes",
                Line::CustomerPress {
                    name: "ann".into(),
                    label: "Yes".into(),
                },
            ),
            (
                "agent bob: /claim",
                Line::Agent {
                    name: "bob".into(),
                    ticket: None,
                    text: "/claim".into(),
                },
            ),
            (
                "agent bob on T-3: hello",
                Line::Agent {
                    name: "bob".into(),
                    ticket: Some(TicketId(3)),
                    text: "hello".into(),
                },
            ),
            (
                "agent bob presses Claim on T-1",
                Line::AgentPress {
                    name: "bob".into(),
                    label: "Claim".into(),
                    ticket: TicketId(1),
                },
            ),
            ("wait 15m", Line::Wait(Millis::mins(15))),
        ];
        for (text, want) in cases {
            assert_eq!(parse_line(text).unwrap(), Some(want.clone()), "{text}");
            assert_eq!(
                parse_line(&render(&want)).unwrap(),
                Some(want),
                "round trip of {text}"
            );
        }
        assert_eq!(parse_line("# note").unwrap(), None);
        assert_eq!(parse_line("   ").unwrap(), None);
    }

    #[test]
    fn bad_lines_say_what_is_wrong_with_their_number() {
        let e = parse_script("customer ann: hi\n\nwait soon\n").unwrap_err();
        assert!(e.starts_with("line 3: "), "{e}");
        assert!(e.contains("for example `wait 15m`"), "{e}");
        for bad in [
            "customer: hi",
            "custommer ann: hi",
            "agent bob presses Claim",
            "agent bob presses Claim on X-1",
            "agent : hi",
            "customer ann",
        ] {
            assert!(parse_line(bad).is_err(), "{bad}");
        }
    }
}
