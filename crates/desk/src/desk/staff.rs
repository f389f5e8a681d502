//! Staff commands, buttons and messages: which ticket an update is about, the commands
//! (parsed in `command`, applied here: claim, release, close, note, priority, category,
//! transfer, queue), agents' messages relayed to the customer, and the replies in the
//! ticket's thread. Changes only a ticket's owner may make share one preamble (`owned`).

use switchboard_domain::{
    Agent, Author, Category, Destination, EventKind, Inbound, Place, Priority, Resolution, Sender,
    Ticket, TicketId, TicketStatus,
};
use switchboard_triage::Engine;

use super::Desk;
use super::command::{AgentName, Argument, Command, CommandError};
use super::wire::{Action, Payload};
use super::work::{Work, button, clean};
use crate::config::Signature;
use crate::store::StoreError;

impl Desk {
    /// Whether ticket `id` exists; if not, the staff member is told so.
    fn exists(&self, w: &mut Work<'_>, id: TicketId) -> Result<bool, StoreError> {
        if w.ticket(id)?.is_some() {
            return Ok(true);
        }
        self.tell(
            w,
            None,
            "staff.no_such_ticket",
            &[("ticket", &id.to_string())],
        );
        Ok(false)
    }

    /// The ticket a staff update is about: named, or found by its thread or the message it
    /// replies to.
    fn staff_ticket(
        &self,
        w: &mut Work<'_>,
        place: &Place,
    ) -> Result<Option<TicketId>, StoreError> {
        let Place::Staff {
            ticket,
            thread,
            reply_to,
        } = place
        else {
            return Ok(None);
        };
        if let Some(t) = ticket {
            return Ok(Some(*t));
        }
        for r in [thread, reply_to].into_iter().flatten() {
            if let Some(t) = w.store.linked_ticket(r)? {
                return Ok(Some(t));
            }
        }
        Ok(None)
    }

    /// The agent who sent an update (remembered in the transition, for `/transfer`).
    fn agent_of(&self, w: &mut Work<'_>, from: &Sender) -> Agent {
        let agent = Agent {
            id: from.id.clone(),
            name: from.name.clone(),
        };
        if !w.tx.agents.contains(&agent) {
            w.tx.agents.push(agent.clone());
        }
        agent
    }

    /// Says the staff sentence `key` in the ticket's thread (or the staff space).
    pub(super) fn tell(
        &self,
        w: &mut Work<'_>,
        ticket: Option<TicketId>,
        key: &str,
        args: &[(&str, &str)],
    ) {
        let text = self.staff(key, args);
        self.staff_reply(w, ticket, text);
    }

    /// Records an agent's change of a ticket's field and tells the thread.
    #[allow(clippy::too_many_arguments)]
    fn changed(
        &self,
        w: &mut Work<'_>,
        id: TicketId,
        agent: &Agent,
        kind: EventKind,
        key: &str,
        from: &str,
        to: &str,
    ) {
        w.event(id, kind, Some(&agent.name), format!("{from} -> {to}"));
        self.tell(
            w,
            Some(id),
            key,
            &[
                ("agent", &agent.name),
                ("ticket", &id.to_string()),
                ("from", from),
                ("to", to),
            ],
        );
    }

    /// Says `text` in the ticket's thread (or the staff space).
    pub(super) fn staff_reply(&self, w: &mut Work<'_>, ticket: Option<TicketId>, text: String) {
        let to = ticket.map_or(Destination::StaffSpace, |t| Destination::Ticket {
            ticket: t,
        });
        w.send(to, text, vec![], ticket);
    }

    /// An agent's text (or file, or edit) in the staff space: a command, a note, or a
    /// message to the customer.
    pub(super) fn staff_text(
        &self,
        w: &mut Work<'_>,
        rules: &Engine,
        inb: &Inbound,
        raw: &str,
    ) -> Result<(), StoreError> {
        let text = clean(raw);
        if text.is_empty() {
            return Ok(());
        }
        let agent = self.agent_of(w, &inb.from);
        let named = self.staff_ticket(w, &inb.place)?;
        let categories = rules.categories().iter().map(|(c, _)| c);
        let command = Command::parse(&text, categories);
        // Presence and the queue need no ticket.
        match command {
            Some(Ok(Command::Away)) => return self.presence(w, &agent, true, named),
            Some(Ok(Command::Back)) => return self.presence(w, &agent, false, named),
            Some(Ok(Command::Queue)) => return self.queue(w, named),
            _ => {}
        }
        let Some(id) = named else {
            self.tell(w, None, "staff.no_ticket", &[]);
            return Ok(());
        };
        if !self.exists(w, id)? {
            return Ok(());
        }
        if let Some(note) = text
            .strip_prefix(self.cfg.note_prefix.as_str())
            .filter(|_| !self.cfg.note_prefix.is_empty())
        {
            let note = note.trim();
            if note.is_empty() {
                return self.refuse(w, rules, id, &CommandError::Missing(Argument::Note));
            }
            return self.note(w, id, &agent, note);
        }
        match command {
            None => self.relay(w, id, &agent, &text),
            Some(Err(e)) => self.refuse(w, rules, id, &e),
            Some(Ok(c)) => self.apply(w, id, &agent, c),
        }
    }

    /// Applies a parsed command to ticket `id`, which exists.
    fn apply(
        &self,
        w: &mut Work<'_>,
        id: TicketId,
        agent: &Agent,
        command: Command,
    ) -> Result<(), StoreError> {
        match command {
            Command::Claim => self.claim(w, id, agent),
            Command::Close => self.close(w, id, agent),
            Command::Release => self.release(w, id, agent),
            Command::Note(n) => self.note(w, id, agent, &n),
            Command::Priority(p) => self.set_priority(w, id, agent, p),
            Command::Category(c) => self.set_category(w, id, agent, c),
            Command::Transfer(n) => self.transfer(w, id, agent, &n),
            Command::Queue => self.queue(w, Some(id)),
            Command::Away | Command::Back => Ok(()),
            Command::Unknown(c) => {
                self.tell(w, Some(id), "staff.unknown_command", &[("command", &c)]);
                Ok(())
            }
        }
    }

    /// Answers a command that could not be parsed: what it needs, with an example, or the
    /// values it accepts.
    fn refuse(
        &self,
        w: &mut Work<'_>,
        rules: &Engine,
        id: TicketId,
        error: &CommandError,
    ) -> Result<(), StoreError> {
        let names =
            || -> Vec<&str> { rules.categories().iter().map(|(c, _)| c.as_str()).collect() };
        let (key, args): (&str, Vec<(&str, String)>) = match error {
            CommandError::Missing(what) => {
                let (needs, example) = match what {
                    Argument::Note => (
                        self.staff("staff.argument_note", &[]),
                        self.staff("staff.example_note", &[]),
                    ),
                    Argument::Priority => (
                        self.staff("staff.argument_priority", &[]),
                        self.staff("staff.example_priority", &[]),
                    ),
                    Argument::Category => {
                        let names = names();
                        let first = names.first().copied().unwrap_or("general");
                        (
                            names.join(", "),
                            self.staff("staff.example_category", &[("category", first)]),
                        )
                    }
                    Argument::Agent => (
                        self.staff("staff.argument_agent", &[]),
                        self.staff("staff.example_transfer", &[]),
                    ),
                };
                (
                    "staff.missing_argument",
                    vec![
                        ("command", what.command().to_string()),
                        ("what", needs),
                        ("example", example),
                    ],
                )
            }
            CommandError::UnknownPriority(p) => {
                ("staff.unknown_priority", vec![("priority", p.clone())])
            }
            CommandError::UnknownCategory(c) => (
                "staff.unknown_category",
                vec![("category", c.clone()), ("categories", names().join(", "))],
            ),
        };
        let args: Vec<(&str, &str)> = args.iter().map(|(k, v)| (*k, v.as_str())).collect();
        self.tell(w, Some(id), key, &args);
        Ok(())
    }

    /// A press on a staff button: Claim or Close.
    pub(super) fn staff_button(
        &self,
        w: &mut Work<'_>,
        inb: &Inbound,
        p: &str,
    ) -> Result<(), StoreError> {
        let agent = self.agent_of(w, &inb.from);
        let Some((action, id)) = Payload::ticket(p) else {
            tracing::warn!(agent = %agent.name, payload = p, "unknown staff button payload");
            let ticket = self.staff_ticket(w, &inb.place)?;
            self.tell(w, ticket, "staff.no_ticket", &[]);
            return Ok(());
        };
        if !self.exists(w, id)? {
            return Ok(());
        }
        match action {
            Some(Action::Claim) => self.claim(w, id, &agent),
            Some(Action::Close) => self.close(w, id, &agent),
            _ => {
                tracing::warn!(agent = %agent.name, payload = p, "customer button pressed in the staff space");
                self.tell(w, Some(id), "staff.no_ticket", &[]);
                Ok(())
            }
        }
    }

    /// `/claim` or the Claim button: the first claim wins.
    fn claim(&self, w: &mut Work<'_>, id: TicketId, agent: &Agent) -> Result<(), StoreError> {
        let now = w.now;
        let Some(t) = w.ticket(id)? else {
            return Ok(());
        };
        match (t.status, t.assignee.clone()) {
            (TicketStatus::Resolved, _) => {
                self.tell(
                    w,
                    Some(id),
                    "staff.already_resolved",
                    &[("ticket", &id.to_string())],
                );
            }
            (TicketStatus::Claimed, Some(owner)) => {
                // The loser of a race, or a second press: told who has it.
                self.tell(
                    w,
                    Some(id),
                    "staff.already_claimed",
                    &[("ticket", &id.to_string()), ("agent", &owner.name)],
                );
            }
            _ => {
                t.status = TicketStatus::Claimed;
                t.assignee = Some(agent.clone());
                if t.handed_off_at.is_none() {
                    t.handed_off_at = Some(now);
                }
                if let Some(s) = t.sla.as_mut() {
                    // Silence is counted from when the agent took the ticket.
                    s.last_agent_at = Some(now);
                }
                w.event(id, EventKind::Claimed, Some(&agent.name), String::new());
                self.tell(
                    w,
                    Some(id),
                    "staff.claimed",
                    &[("agent", &agent.name), ("ticket", &id.to_string())],
                );
            }
        }
        Ok(())
    }

    /// Whether `agent` may act as the ticket's owner; says why not when they may not.
    fn owner_check(
        &self,
        w: &mut Work<'_>,
        id: TicketId,
        agent: &Agent,
    ) -> Result<bool, StoreError> {
        let Some(t) = w.ticket(id)? else {
            return Ok(false);
        };
        match (&t.status, &t.assignee) {
            (TicketStatus::Resolved, _) => {
                self.tell(
                    w,
                    Some(id),
                    "staff.already_resolved",
                    &[("ticket", &id.to_string())],
                );
                Ok(false)
            }
            (TicketStatus::Claimed, Some(owner)) if owner.id != agent.id => {
                let owner = owner.name.clone();
                self.tell(
                    w,
                    Some(id),
                    "staff.not_assignee",
                    &[("agent", &owner), ("ticket", &id.to_string())],
                );
                Ok(false)
            }
            _ => Ok(true),
        }
    }

    /// An agent's message to the customer (claiming an unclaimed ticket first).
    fn relay(
        &self,
        w: &mut Work<'_>,
        id: TicketId,
        agent: &Agent,
        text: &str,
    ) -> Result<(), StoreError> {
        let Some(t) = w.ticket(id)?.cloned() else {
            return Ok(());
        };
        match (&t.status, &t.assignee) {
            (TicketStatus::Resolved, _) => {
                self.tell(
                    w,
                    Some(id),
                    "staff.already_resolved",
                    &[("ticket", &id.to_string())],
                );
                return Ok(());
            }
            (TicketStatus::Claimed, Some(owner)) if owner.id != agent.id => {
                self.tell(
                    w,
                    Some(id),
                    "staff.claim_first",
                    &[("ticket", &id.to_string()), ("agent", &owner.name)],
                );
                return Ok(());
            }
            (TicketStatus::Claimed, _) => {}
            // Writing to the customer of an unclaimed ticket claims it.
            _ => self.claim(w, id, agent)?,
        }
        let signer = match self.cfg.agent_signature {
            Signature::Name => agent.name.clone(),
            Signature::Anonymous => self.text(&t.locale, "desk.support_name", &[]),
        };
        let now = w.now;
        if let Some(t) = w.tickets.get_mut(&id)
            && t.first_response_at.is_none()
        {
            t.first_response_at = Some(now);
        }
        w.record(id, Author::Agent(agent.name.clone()), text, false);
        if let Some(s) = w.ticket(id)?.and_then(|t| t.sla.as_mut()) {
            s.last_agent_at = Some(now);
        }
        // A question waits on the customer: the resolution clock stops until they answer.
        if text.trim_end().ends_with(['?', '？']) {
            self.sla_pause(w, id)?;
        } else {
            self.sla_schedule(w, id)?;
        }
        let body = self.text(
            &t.locale,
            "desk.agent_says",
            &[("agent", &signer), ("text", text)],
        );
        w.relay_message(
            Destination::Customer {
                chat: t.chat.clone(),
            },
            body,
            id,
        );
        Ok(())
    }

    /// `/close` or the Close button: resolved, the customer told, the survey set going,
    /// and the agent given the next waiting ticket.
    fn close(&self, w: &mut Work<'_>, id: TicketId, agent: &Agent) -> Result<(), StoreError> {
        let now = w.now;
        let Some(t) = self.owned(w, id, agent)? else {
            return Ok(());
        };
        t.status = TicketStatus::Resolved;
        t.resolved_at = Some(now);
        t.resolution = Some(Resolution::Agent {
            name: agent.name.clone(),
        });
        if t.assignee.is_none() {
            t.assignee = Some(agent.clone());
        }
        let (locale, chat) = (t.locale.clone(), t.chat.clone());
        w.event(id, EventKind::Resolved, Some(&agent.name), String::new());
        let signer = match self.cfg.agent_signature {
            Signature::Name => agent.name.clone(),
            Signature::Anonymous => self.text(&locale, "desk.support_name", &[]),
        };
        let msg = self.text(
            &locale,
            "desk.resolved_by_agent",
            &[("agent", &signer), ("ticket", &id.to_string())],
        );
        w.record(id, Author::Bot, &msg, false);
        w.send(Destination::Customer { chat }, msg, vec![], Some(id));
        self.tell(
            w,
            Some(id),
            "staff.closed",
            &[("agent", &agent.name), ("ticket", &id.to_string())],
        );
        if let Some(t) = w.ticket(id)?
            && t.first_response_at.is_none()
            && let Some(s) = t.sla.as_mut()
        {
            s.first_response_settled = true;
        }
        self.sla_pause(w, id)?;
        self.schedule_survey(w, id)?;
        // The closing agent has room for the next waiting ticket.
        let owner = w
            .ticket(id)?
            .and_then(|t| t.assignee.clone())
            .unwrap_or_else(|| agent.clone());
        self.fill(w, &owner)
    }

    /// `/release`: the agent gives the ticket back to the queue.
    fn release(&self, w: &mut Work<'_>, id: TicketId, agent: &Agent) -> Result<(), StoreError> {
        let Some(t) = w.ticket(id)? else {
            return Ok(());
        };
        match (&t.status, &t.assignee) {
            (TicketStatus::Claimed, Some(owner)) if owner.id == agent.id => {
                t.status = TicketStatus::Queued;
                t.assignee = None;
                w.event(id, EventKind::Released, Some(&agent.name), String::new());
                let text = self.staff(
                    "staff.released",
                    &[("agent", &agent.name), ("ticket", &id.to_string())],
                );
                w.send(
                    Destination::Ticket { ticket: id },
                    text,
                    vec![button(
                        self.staff("staff.button_claim", &[]),
                        Action::Claim,
                        id,
                    )],
                    Some(id),
                );
                self.auto_assign(w, id, Some(&agent.id))?;
            }
            (TicketStatus::Claimed, Some(owner)) => {
                let owner = owner.name.clone();
                self.tell(
                    w,
                    Some(id),
                    "staff.not_assignee",
                    &[("agent", &owner), ("ticket", &id.to_string())],
                );
            }
            (TicketStatus::Resolved, _) => {
                self.tell(
                    w,
                    Some(id),
                    "staff.already_resolved",
                    &[("ticket", &id.to_string())],
                );
            }
            _ => {
                self.staff_reply(
                    w,
                    Some(id),
                    self.staff(
                        "staff.not_assignee",
                        &[
                            ("agent", &self.staff("staff.queue_unclaimed", &[])),
                            ("ticket", &id.to_string()),
                        ],
                    ),
                );
            }
        }
        Ok(())
    }

    /// `/queue`: open tickets with the team, most urgent and longest waiting first.
    fn queue(&self, w: &mut Work<'_>, here: Option<TicketId>) -> Result<(), StoreError> {
        let mut open: Vec<Ticket> = w.store.tickets(Some(TicketStatus::Queued))?;
        open.extend(w.store.tickets(Some(TicketStatus::Claimed))?);
        open.sort_by(|a, b| {
            b.priority
                .cmp(&a.priority)
                .then(a.handed_off_at.cmp(&b.handed_off_at))
                .then(a.id.cmp(&b.id))
        });
        let text = if open.is_empty() {
            self.staff("staff.queue_empty", &[])
        } else {
            let mut lines =
                vec![self.staff("staff.queue_title", &[("count", &open.len().to_string())])];
            // Earlier handoff = more business time waited: the order above is the queue's.
            for t in &open {
                let waiting = self.duration(
                    &self.cfg.staff_locale,
                    self.calendar
                        .between(t.handed_off_at.unwrap_or(t.opened_at), w.now),
                );
                let who = t.assignee.as_ref().map_or_else(
                    || self.staff("staff.queue_unclaimed", &[]),
                    |a| a.name.clone(),
                );
                let mut line = self.staff(
                    "staff.queue_line",
                    &[
                        ("ticket", &t.id.to_string()),
                        ("category", t.category.as_str()),
                        ("priority", t.priority.as_str()),
                        ("waiting", &waiting),
                        ("who", &who),
                    ],
                );
                match self.sla_due(t) {
                    Some(due) if due.0 < w.now.0 => {
                        let late = self.duration(&self.cfg.staff_locale, w.now.since(due));
                        line.push_str(&self.staff("staff.queue_overdue", &[("late", &late)]));
                    }
                    Some(due) => {
                        let due = self.when(&self.cfg.staff_locale, w.now, due);
                        line.push_str(&self.staff("staff.queue_due", &[("due", &due)]));
                    }
                    None => {}
                }
                lines.push(line);
            }
            lines.join("\n")
        };
        self.staff_reply(w, here, text);
        Ok(())
    }

    /// The ticket `agent` may change as its owner, loaded: `None` (and they are told why)
    /// when it is resolved or another agent has it. The one preamble of every change an
    /// owner makes.
    fn owned<'w>(
        &self,
        w: &'w mut Work<'_>,
        id: TicketId,
        agent: &Agent,
    ) -> Result<Option<&'w mut Ticket>, StoreError> {
        if !self.owner_check(w, id, agent)? {
            return Ok(None);
        }
        w.ticket(id)
    }

    /// `/note TEXT` or a message starting with the note prefix: kept on the ticket, never
    /// shown to the customer.
    fn note(
        &self,
        w: &mut Work<'_>,
        id: TicketId,
        agent: &Agent,
        note: &str,
    ) -> Result<(), StoreError> {
        w.record(id, Author::Agent(agent.name.clone()), note, true);
        w.event(id, EventKind::Note, Some(&agent.name), String::new());
        self.tell(
            w,
            Some(id),
            "staff.note_saved",
            &[("ticket", &id.to_string())],
        );
        Ok(())
    }

    /// `/priority P`.
    fn set_priority(
        &self,
        w: &mut Work<'_>,
        id: TicketId,
        agent: &Agent,
        p: Priority,
    ) -> Result<(), StoreError> {
        let Some(t) = self.owned(w, id, agent)? else {
            return Ok(());
        };
        let from = t.priority;
        t.priority = p;
        self.changed(
            w,
            id,
            agent,
            EventKind::Priority,
            "staff.priority_changed",
            from.as_str(),
            p.as_str(),
        );
        Ok(())
    }

    /// `/category C`.
    fn set_category(
        &self,
        w: &mut Work<'_>,
        id: TicketId,
        agent: &Agent,
        c: Category,
    ) -> Result<(), StoreError> {
        let Some(t) = self.owned(w, id, agent)? else {
            return Ok(());
        };
        let from = std::mem::replace(&mut t.category, c.clone());
        // The recategorisation is recorded: reports count it against the rules that fired.
        self.changed(
            w,
            id,
            agent,
            EventKind::Category,
            "staff.category_changed",
            from.as_str(),
            c.as_str(),
        );
        Ok(())
    }

    /// `/transfer NAME`: to an agent who has used the desk.
    fn transfer(
        &self,
        w: &mut Work<'_>,
        id: TicketId,
        agent: &Agent,
        name: &AgentName,
    ) -> Result<(), StoreError> {
        let name = name.as_str();
        let target = match w
            .tx
            .agents
            .iter()
            .find(|a| a.name.eq_ignore_ascii_case(name))
        {
            Some(a) => Some(a.clone()),
            None => w.store.agent(name)?,
        };
        let Some(target) = target else {
            self.tell(w, Some(id), "staff.unknown_agent", &[("name", name)]);
            return Ok(());
        };
        let Some(t) = self.owned(w, id, agent)? else {
            return Ok(());
        };
        t.status = TicketStatus::Claimed;
        t.assignee = Some(target.clone());
        w.event(
            id,
            EventKind::Transferred,
            Some(&agent.name),
            format!("to {}", target.name),
        );
        self.tell(
            w,
            Some(id),
            "staff.transferred",
            &[
                ("agent", &agent.name),
                ("ticket", &id.to_string()),
                ("to", &target.name),
            ],
        );
        Ok(())
    }
}
