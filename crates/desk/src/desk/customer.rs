//! Customer text and self-service: a customer's message greets (`/start`), opens a ticket
//! (`/ticket [category]` or any text, triaged by the rules in force), joins the open one
//! (with the flood limit), reopens a recent one, or answers the survey's invitation to
//! comment; the Yes / No buttons of a self-service answer, and text sent instead of a press
//! (read by `reply`): handed over at once, closed as solved, or asked again.

use switchboard_domain::{
    Author, Category, ChatId, Customer, Destination, EventKind, Resolution, Sender, Ticket,
    TicketId, TicketStatus, Timestamp,
};
use switchboard_triage::{Context, Engine, Signal, Verdict};

use super::Desk;
use super::reply::FollowUp;
use super::wire::{Action, Escalation, Payload};
use super::work::{Work, button, clean};
use crate::store::{Job, JobKind, StoreError};

impl Desk {
    /// A customer's text (or file, or edit): a greeting, a survey comment, or a message
    /// that joins, reopens or opens a ticket.
    pub(super) fn customer_text(
        &self,
        w: &mut Work<'_>,
        rules: &Engine,
        from: &Sender,
        chat: &ChatId,
        raw: &str,
    ) -> Result<(), StoreError> {
        let mut text = clean(raw);
        if text.is_empty() {
            tracing::info!(customer = %from.id, "empty message ignored");
            return Ok(());
        }
        let now = w.now;
        let stored = w.store.customer(&from.id)?;
        let mut customer = stored.clone().unwrap_or_else(|| Customer {
            id: from.id.clone(),
            display_name: from.name.clone(),
            username: from.username.clone(),
            language: from.language.clone(),
            first_seen: now,
            tier: self.tier_of(&from.id),
            blocked: false,
            tickets: Vec::new(),
            attributes: Default::default(),
        });
        customer.display_name = from.name.clone();
        if from.username.is_some() {
            customer.username = from.username.clone();
        }
        if let Some(t) = self.tier_of(&from.id) {
            customer.tier = Some(t);
        }
        if customer.blocked {
            tracing::info!(customer = %from.id, "message from a blocked customer ignored");
            if stored.as_ref() != Some(&customer) {
                w.tx.customers.push(customer);
            }
            return Ok(());
        }
        let locale = self.locale_for(from, &text);
        if from.language.is_none() {
            customer.language = Some(locale.clone());
        }
        // `/start` (Telegram's first message to a bot, maybe with a deep-link payload) is a
        // greeting, not a request: answer it and open nothing.
        if text == "/start" || text.starts_with("/start ") {
            w.send(
                Destination::Customer { chat: chat.clone() },
                self.text(&locale, "desk.greeting", &[("name", &from.name)]),
                vec![],
                None,
            );
            if stored.as_ref() != Some(&customer) {
                w.tx.customers.push(customer);
            }
            return Ok(());
        }
        // `/ticket [category] [text]` (Discord's slash command, or typed): a request, with
        // the customer's choice of category when it names one of the rules' categories.
        let mut chosen = None;
        if text == "/ticket" || text.starts_with("/ticket ") {
            let rest = text["/ticket".len()..].trim();
            let (first, tail) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
            if let Some((c, _)) = rules
                .categories()
                .iter()
                .find(|(c, _)| !first.is_empty() && c.as_str().eq_ignore_ascii_case(first))
            {
                chosen = Some(c.clone());
                if !tail.trim().is_empty() {
                    text = tail.trim().to_string();
                }
            } else if !rest.is_empty() {
                text = rest.to_string();
            }
        }
        let mut notices = Vec::new();
        if text.chars().count() > self.cfg.max_message_chars {
            text = text.chars().take(self.cfg.max_message_chars).collect();
            notices.push(self.text(
                &locale,
                "desk.too_long",
                &[("limit", &self.cfg.max_message_chars.to_string())],
            ));
        }
        let latest = match w.store.latest_ticket(&from.id, chat)? {
            Some(id) => w.ticket(id)?.cloned(),
            None => None,
        };
        // The answer to "anything to add?" belongs to the survey, not to a new request.
        if let Some(t) = &latest
            && t.status == TicketStatus::Resolved
            && t.survey.as_ref().is_some_and(|s| s.awaiting_comment)
            && w.attachment.is_none()
            && self.survey_comment(w, t.id, &text)?
        {
            if stored.as_ref() != Some(&customer) {
                w.tx.customers.push(customer);
            }
            return Ok(());
        }
        match latest {
            Some(t) if t.status.is_open() => {
                self.join(w, rules, &customer, t.id, &text, &locale)?;
            }
            Some(t)
                if t.resolved_at
                    .is_some_and(|r| now.since(r) <= self.cfg.reopen_window) =>
            {
                self.reopen(w, t.id, &from.name, &text)?;
            }
            previous => {
                // A new ticket, unless the customer has too many open ones already.
                let mut open = Vec::new();
                for id in customer.tickets.iter().rev() {
                    if w.ticket(*id)?.is_some_and(|t| t.status.is_open()) {
                        open.push(*id);
                    }
                }
                if open.len() >= self.cfg.max_open_tickets as usize {
                    let newest = open[0];
                    self.join(w, rules, &customer, newest, &text, &locale)?;
                    w.send(
                        Destination::Customer { chat: chat.clone() },
                        self.text(
                            &locale,
                            "desk.too_many_open",
                            &[
                                ("count", &open.len().to_string()),
                                ("ticket", &newest.to_string()),
                            ],
                        ),
                        vec![],
                        Some(newest),
                    );
                } else {
                    self.open(
                        w,
                        rules,
                        &mut customer,
                        chat,
                        &text,
                        &locale,
                        previous.map(|p| p.id),
                        chosen,
                    )?;
                }
            }
        }
        for n in notices {
            w.send(
                Destination::Customer { chat: chat.clone() },
                n,
                vec![],
                None,
            );
        }
        // Most messages change nothing of the profile: it is written only when they do.
        if stored.as_ref() != Some(&customer) {
            w.tx.customers.push(customer);
        }
        Ok(())
    }

    /// A message joins an open ticket: recorded, and relayed to the staff thread once the
    /// ticket is with the team (unless the customer is flooding).
    pub(super) fn join(
        &self,
        w: &mut Work<'_>,
        rules: &Engine,
        customer: &Customer,
        id: TicketId,
        text: &str,
        locale: &str,
    ) -> Result<(), StoreError> {
        let (now, window, limit) = (w.now, self.cfg.rate_window, self.cfg.rate_limit as usize);
        let Some(t) = w.ticket(id)? else {
            return Ok(());
        };
        // The flood limit: this conversation's messages within the window.
        let window_start = Timestamp(now.0 - window.0);
        t.recent.retain(|at| *at > window_start);
        t.recent.push(now);
        let flooding = t.recent.len() > limit;
        let told = t.throttled_at.is_some_and(|at| now.since(at) < window);
        if flooding && !told {
            t.throttled_at = Some(now);
        }
        // Every customer message is triaged as a new one is: negative signals count towards
        // the churn-risk score in reports; in self-service, the verdict is part of reading
        // the reply (a request for a person, an escalating rule, a negative tone).
        let ctx = Context {
            platform: Some(t.chat.platform),
            language: locale.parse().ok(),
            tier: customer.tier.clone(),
            business_hours: None,
        };
        let verdict = rules.classify(text, &ctx);
        if verdict.signals.has(Signal::Negative) {
            t.negative = t.negative.saturating_add(1);
        }
        let (status, chat, name) = (t.status, t.chat.clone(), customer.display_name.clone());
        w.record(id, Author::Customer(name.clone()), text, false);
        self.sla_resume(w, id)?;
        if flooding {
            if !told {
                w.send(
                    Destination::Customer { chat },
                    self.text(locale, "desk.slow_down", &[]),
                    vec![],
                    Some(id),
                );
                w.send(
                    Destination::Ticket { ticket: id },
                    self.staff("staff.rate_limited", &[("name", &name)]),
                    vec![],
                    Some(id),
                );
            }
            return Ok(());
        }
        match status {
            TicketStatus::Queued | TicketStatus::Claimed => {
                w.relay_message(
                    Destination::Ticket { ticket: id },
                    self.staff("staff.customer_says", &[("name", &name), ("text", text)]),
                    id,
                );
            }
            TicketStatus::SelfService => self.follow_up(w, id, &name, text, &verdict)?,
            TicketStatus::Resolved => {}
        }
        Ok(())
    }

    /// A new ticket: triaged, acknowledged, then answered by the bot (self-service) or
    /// handed to the team.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn open(
        &self,
        w: &mut Work<'_>,
        rules: &Engine,
        customer: &mut Customer,
        chat: &ChatId,
        text: &str,
        locale: &str,
        previous: Option<TicketId>,
        chosen: Option<Category>,
    ) -> Result<(), StoreError> {
        let ctx = Context {
            platform: Some(chat.platform),
            language: locale.parse().ok(),
            tier: customer.tier.clone(),
            business_hours: None,
        };
        let mut verdict: Verdict = rules.classify(text, &ctx);
        if let Some(c) = chosen {
            verdict.category = c;
        }
        let next = w
            .store
            .last_ticket_id()?
            .max(w.tx.last_ticket_id.unwrap_or(0))
            + 1;
        let id = TicketId(next);
        w.tx.last_ticket_id = Some(next);
        let rules_fired: Vec<String> = verdict.fired.iter().map(|f| f.rule.to_string()).collect();
        let ticket = Ticket {
            id,
            customer: customer.id.clone(),
            customer_name: customer.display_name.clone(),
            chat: chat.clone(),
            status: TicketStatus::Queued,
            category: verdict.category.clone(),
            priority: verdict.priority,
            tags: verdict.tags.iter().map(|t| t.to_string()).collect(),
            rules: rules_fired.clone(),
            locale: locale.to_string(),
            assignee: None,
            opened_at: w.now,
            updated_at: w.now,
            handed_off_at: None,
            first_response_at: None,
            resolved_at: None,
            resolution: None,
            previous,
            reopened: 0,
            messages: 0,
            events: Vec::new(),
            version: 0,
            recent: vec![w.now],
            throttled_at: None,
            negative: u32::from(verdict.signals.has(Signal::Negative)),
            survey: None,
            sla: None,
        };
        w.tickets.insert(id, ticket);
        w.event(
            id,
            EventKind::Opened,
            None,
            previous.map(|p| format!("follows {p}")).unwrap_or_default(),
        );
        let detail = format!(
            "{} · {}{}",
            verdict.category,
            verdict.priority,
            if rules_fired.is_empty() {
                String::new()
            } else {
                format!(" · rules {}", rules_fired.join(", "))
            }
        );
        w.event(id, EventKind::Triaged, None, detail);
        w.record(
            id,
            Author::Customer(customer.display_name.clone()),
            text,
            false,
        );
        customer.tickets.push(id);
        let keep = self
            .cfg
            .card_tickets
            .max(self.cfg.max_open_tickets as usize)
            + 8;
        if customer.tickets.len() > keep {
            let cut = customer.tickets.len() - keep;
            customer.tickets.drain(..cut);
        }

        let eta = self.eta(locale, verdict.priority, w.now);
        // The category in the customer's language where prompts name it (`[category_names]`),
        // else as the rules file names it.
        let cat = self
            .prompts
            .lookup(locale, &format!("category_names.{}", verdict.category))
            .map(str::to_string)
            .unwrap_or_else(|| verdict.category.to_string());
        let wants_human = verdict.signals.has(Signal::Human);
        // With an automatic answer, the acknowledgement and the answer are one message:
        // the customer's first reply comes whole, and it is half the outbound volume (every
        // platform counts messages against its limits).
        let self_service = match (&verdict.auto_answer, verdict.escalate || wants_human) {
            (Some(key), false) => Some(key.clone()),
            _ => None,
        };
        let ack_key = match (previous, self_service.is_some()) {
            (None, false) => "desk.ack",
            (Some(_), false) => "desk.ack_follow_up",
            (None, true) => "desk.ack_self_service",
            (Some(_), true) => "desk.ack_follow_up_self_service",
        };
        let previous_text = previous.map(|p| p.to_string()).unwrap_or_default();
        let ack = self.text(
            locale,
            ack_key,
            &[
                ("name", &customer.display_name),
                ("ticket", &id.to_string()),
                ("category", &cat),
                ("previous", &previous_text),
                ("eta", &eta),
            ],
        );

        match self_service {
            Some(key) => {
                let answer = self.text(locale, &format!("answer.{key}"), &[]);
                let question = self.text(locale, "desk.solved_question", &[]);
                let body = format!("{ack}\n\n{answer}\n\n{question}");
                w.record(id, Author::Bot, &body, false);
                w.send(
                    Destination::Customer { chat: chat.clone() },
                    body,
                    vec![
                        button(self.text(locale, "desk.button_yes", &[]), Action::Yes, id),
                        button(self.text(locale, "desk.button_no", &[]), Action::No, id),
                    ],
                    Some(id),
                );
                if let Some(t) = w.tickets.get_mut(&id) {
                    t.status = TicketStatus::SelfService;
                }
                w.event(id, EventKind::SelfService, None, format!("answer.{key}"));
                w.tx.jobs.push(Job {
                    due: w.now.plus(self.cfg.self_service_timeout),
                    kind: JobKind::SelfServiceTimeout { ticket: id },
                });
                return Ok(());
            }
            None => {
                w.record(id, Author::Bot, &ack, false);
                w.send(
                    Destination::Customer { chat: chat.clone() },
                    ack,
                    vec![],
                    Some(id),
                );
            }
        }
        if wants_human {
            self.escalate(w, id, Escalation::AskedForPerson, &rules_fired, false)?
        } else if verdict.escalate {
            self.escalate(w, id, Escalation::EscalatingRule, &rules_fired, false)?
        } else {
            self.hand_off(w, id, "", "", false)?
        }
        Ok(())
    }

    /// A customer pressed a button: Yes or No of self-service, or a survey answer. The
    /// press is checked against the ticket (theirs, still asking), never trusted.
    pub(super) fn customer_button(
        &self,
        w: &mut Work<'_>,
        from: &Sender,
        chat: &ChatId,
        p: &str,
    ) -> Result<(), StoreError> {
        let locale = self.locale_for(from, "");
        let reply = |w: &mut Work<'_>, key: &str, ticket: Option<TicketId>| {
            let text = self.text(&locale, key, &[]);
            w.send(
                Destination::Customer { chat: chat.clone() },
                text,
                vec![],
                ticket,
            );
        };
        let (action, id) = match Payload::parse(p) {
            Payload::Survey(question, answer) => {
                return self.survey_press(w, from, chat, question, answer);
            }
            Payload::Ticket(action, id) => (action, id),
            Payload::Unknown => {
                tracing::warn!(customer = %from.id, payload = p, "unknown button payload");
                reply(w, "desk.stale_button", None);
                return Ok(());
            }
        };
        if action.is_some_and(Action::is_staff) {
            tracing::warn!(customer = %from.id, payload = p, "a customer pressed a staff button; refused");
            let text = self.staff("staff.not_staff", &[]);
            w.send(
                Destination::Customer { chat: chat.clone() },
                text,
                vec![],
                None,
            );
            return Ok(());
        }
        let Some(t) = w.ticket(id)?.cloned() else {
            reply(w, "desk.stale_button", None);
            return Ok(());
        };
        if t.customer != from.id {
            tracing::warn!(customer = %from.id, ticket = %id, "button of another customer's ticket");
            reply(w, "desk.not_yours", None);
            return Ok(());
        }
        if t.status != TicketStatus::SelfService {
            reply(w, "desk.stale_button", Some(id));
            return Ok(());
        }
        match action {
            Some(Action::Yes) => self.self_service_solved(w, id)?,
            Some(Action::No) => self.escalate(w, id, Escalation::SaidNo, &[], true)?,
            _ => reply(w, "desk.stale_button", Some(id)),
        }
        Ok(())
    }

    /// The automatic answer solved it (Yes, or a reply that clearly says so): resolved as
    /// a deflection, the customer told, the survey set going.
    fn self_service_solved(&self, w: &mut Work<'_>, id: TicketId) -> Result<(), StoreError> {
        let now = w.now;
        let Some(t) = w.ticket(id)? else {
            return Ok(());
        };
        t.status = TicketStatus::Resolved;
        t.resolved_at = Some(now);
        t.resolution = Some(Resolution::SelfService);
        let (locale, chat) = (t.locale.clone(), t.chat.clone());
        w.event(id, EventKind::Resolved, None, "self-service".into());
        let msg = self.text(&locale, "desk.solved", &[("ticket", &id.to_string())]);
        w.record(id, Author::Bot, &msg, false);
        w.send(Destination::Customer { chat }, msg, vec![], Some(id));
        self.schedule_survey(w, id)
    }

    /// Text (or a file) instead of a press while "Did this solve it?" waits, from the
    /// customer `name` (already recorded on the ticket, so the card shows it): a request
    /// for a person, a negative reply or new detail hands the ticket over at once; a clear
    /// "solved" closes it; a bare acknowledgement ("thanks", "ok") asks the question again,
    /// with its buttons, and leaves the timeout to hand it over if no answer comes.
    fn follow_up(
        &self,
        w: &mut Work<'_>,
        id: TicketId,
        name: &str,
        text: &str,
        verdict: &Verdict,
    ) -> Result<(), StoreError> {
        let reading = self.replies.read(text, verdict);
        // An edit corrects what was already said (the request itself, often): kept, and
        // read only for a request for a person, not as an answer to the question.
        let asks_for_person = matches!(
            reading,
            FollowUp::Escalate(Escalation::AskedForPerson | Escalation::EscalatingRule)
        );
        if w.replaces.is_some() && !asks_for_person {
            return Ok(());
        }
        match reading {
            FollowUp::Escalate(reason) => {
                let fired: Vec<String> = verdict.fired.iter().map(|f| f.rule.to_string()).collect();
                self.escalate(w, id, reason, &fired, true)?;
                // The card names a file ("[photo]"); the file itself follows it.
                if w.attachment.is_some() {
                    w.relay_message(
                        Destination::Ticket { ticket: id },
                        self.staff("staff.customer_says", &[("name", name), ("text", text)]),
                        id,
                    );
                }
                Ok(())
            }
            FollowUp::Solved => self.self_service_solved(w, id),
            FollowUp::Unclear => {
                let Some(t) = w.ticket(id)? else {
                    return Ok(());
                };
                let (locale, chat) = (t.locale.clone(), t.chat.clone());
                let again = self.text(&locale, "desk.solved_question_again", &[]);
                w.record(id, Author::Bot, &again, false);
                w.send(
                    Destination::Customer { chat },
                    again,
                    vec![
                        button(self.text(&locale, "desk.button_yes", &[]), Action::Yes, id),
                        button(self.text(&locale, "desk.button_no", &[]), Action::No, id),
                    ],
                    Some(id),
                );
                Ok(())
            }
        }
    }
}
