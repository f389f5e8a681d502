//! The workflow: `(stored state, event, now) -> Transition`.
//!
//! [`Desk::handle`] reads what it needs through the [`Store`] and returns every change as one
//! [`Transition`]: ticket and customer records, messages, outbound messages, timers. It never
//! writes, sleeps or reads a clock, so the same state, event and `now` always give the same
//! transition, and tests run on a manual clock.
//!
//! The ticket lifecycle:
//! - A customer's first message opens a ticket (triaged by the rules in force). With an
//!   auto-answer, and no escalation or request for a person, the bot answers and asks "Did
//!   this solve it?" (`SelfService`); otherwise the ticket goes to the staff space (`Queued`)
//!   as a card with Claim and Close buttons.
//! - Yes resolves it (a deflection); No, a request for a person, or no answer within
//!   `self_service_timeout` hands it to the team.
//! - An agent claims it (first claim wins: events are handled one at a time and every write
//!   is checked against the ticket's version), writes to the customer through the bot, adds
//!   notes, changes priority or category, releases, transfers, and closes (`Resolved`).
//! - A message within `reopen_window` after resolution reopens it; later, it opens a new
//!   ticket that names the old one.

use std::collections::{BTreeMap, HashMap};

use crate::calendar::{Calendar, DayPart, Due};
use crate::config::AssignMode;
use crate::store::Roster;
use switchboard_domain::{
    Agent, Attachment, Author, Button, Category, ChatId, Customer, Destination, Inbound, Message,
    Millis, Outbound, PartyId, Place, Platform, Priority, Resolution, Sender, Sla, Survey, Ticket,
    TicketEvent, TicketId, TicketStatus, Tier, Timestamp, What,
};
use switchboard_triage::normalize::guess_language;
use switchboard_triage::{Context, Engine, Signal, Verdict};

use crate::config::{DeskConfig, Signature};
use crate::prompts::Prompts;
use crate::store::{Job, JobId, JobKind, Store, StoreError, Transition};

/// Something for the desk to handle.
// Events are built and handled one at a time, never kept in bulk: boxing the larger variant
// would add an allocation per message for no saving.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// An update from a channel.
    Inbound(Inbound),
    /// A timer that fell due.
    Due {
        /// The job's id (marked done in the transition).
        id: JobId,
        /// The job.
        job: Job,
    },
}

/// The support workflow. Holds configuration only; all state is in the store.
#[derive(Debug, Clone)]
pub struct Desk {
    cfg: DeskConfig,
    default_locale: String,
    prompts: Prompts,
    /// Business hours of `cfg.hours`.
    calendar: Calendar,
}

/// Button payloads. Short (Telegram allows 64 bytes) and checked on every press: a payload
/// is only a request, never a permission.
mod payload {
    pub const YES: &str = "yes";
    pub const NO: &str = "no";
    pub const CLAIM: &str = "claim";
    pub const CLOSE: &str = "close";
    /// `csat:T-5:4`: a CSAT answer.
    pub const CSAT: &str = "csat";
    /// `nps:T-5:9`: an NPS answer.
    pub const NPS: &str = "nps";
}

/// How long after the survey's question was answered the customer's next message counts as
/// their comment; later it is a message like any other.
const COMMENT_WINDOW: Millis = Millis(60 * 60 * 1000);

/// The SLA clocks' names (stored in `Sla::warned` and `Sla::breached`, and in prompts as
/// `staff.clock_<name>`).
mod sla {
    pub const FIRST: &str = "first_response";
    pub const RESOLUTION: &str = "resolution";
}

/// A staff command, parsed from text.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Command {
    Claim,
    Release,
    Close,
    Note(String),
    Priority(String),
    Category(String),
    Transfer(String),
    Queue,
    Away,
    Back,
    Unknown(String),
}

fn parse_command(text: &str) -> Option<Command> {
    let rest = text.strip_prefix('/')?;
    let (name, arg) = match rest.split_once(char::is_whitespace) {
        Some((n, a)) => (n, a.trim()),
        None => (rest, ""),
    };
    // `/claim@switchboard_bot` (Telegram groups) is `/claim`.
    let name = name.split('@').next().unwrap_or(name).to_lowercase();
    Some(match name.as_str() {
        "claim" => Command::Claim,
        "release" => Command::Release,
        "close" => Command::Close,
        "note" => Command::Note(arg.to_string()),
        "priority" => Command::Priority(arg.to_string()),
        "category" => Command::Category(arg.to_string()),
        "transfer" => Command::Transfer(arg.trim_start_matches('@').to_string()),
        "queue" => Command::Queue,
        "away" => Command::Away,
        "back" => Command::Back,
        _ => Command::Unknown(format!("/{name}")),
    })
}

/// Removes control characters (keeping new lines and tabs) and bidirectional overrides,
/// which could disguise text in agents' cards.
fn clean(text: &str) -> String {
    text.chars()
        .filter(|c| {
            (!c.is_control() || *c == '\n' || *c == '\t')
                && !matches!(*c as u32, 0x202A..=0x202E | 0x2066..=0x2069 | 0x200E | 0x200F)
        })
        .collect::<String>()
        .trim()
        .to_string()
}

/// The working state of one event: records read and changed, and the transition so far.
struct Work<'s> {
    store: &'s dyn Store,
    now: Timestamp,
    tickets: BTreeMap<TicketId, Ticket>,
    changed: Vec<TicketId>,
    tx: Transition,
    /// The file the event's person sent, if any: kept with their message and relayed
    /// with it.
    attachment: Option<Attachment>,
    /// The key of the message being handled, put on its relays (for later edits).
    source: Option<String>,
    /// The key of the message an edit corrects: its relay is replaced.
    replaces: Option<String>,
}

impl<'s> Work<'s> {
    fn new(store: &'s dyn Store, now: Timestamp) -> Work<'s> {
        Work {
            store,
            now,
            tickets: BTreeMap::new(),
            changed: Vec::new(),
            tx: Transition::default(),
            attachment: None,
            source: None,
            replaces: None,
        }
    }

    /// A ticket, read once per event.
    fn ticket(&mut self, id: TicketId) -> Result<Option<&mut Ticket>, StoreError> {
        if !self.tickets.contains_key(&id) {
            match self.store.ticket(id)? {
                Some(t) => {
                    self.tickets.insert(id, t);
                }
                None => return Ok(None),
            }
        }
        Ok(self.tickets.get_mut(&id))
    }

    /// Marks a ticket changed (its version is bumped once, at the end).
    fn touch(&mut self, id: TicketId) {
        if !self.changed.contains(&id) {
            self.changed.push(id);
        }
        if let Some(t) = self.tickets.get_mut(&id) {
            t.updated_at = self.now;
        }
    }

    fn event(&mut self, id: TicketId, kind: &str, by: Option<&str>, detail: String) {
        let at = self.now;
        if let Some(t) = self.tickets.get_mut(&id) {
            t.events.push(TicketEvent {
                at,
                kind: kind.to_string(),
                by: by.map(str::to_string),
                detail,
            });
        }
        self.touch(id);
    }

    /// Appends a message to a ticket's transcript.
    fn record(&mut self, id: TicketId, author: Author, text: &str, internal: bool) {
        let at = self.now;
        // The person's own message carries their file; the bot's carry none.
        let attachment = match author {
            Author::Bot => None,
            _ => self.attachment.clone(),
        };
        if let Some(t) = self.tickets.get_mut(&id) {
            t.messages += 1;
            let seq = t.messages;
            self.tx.messages.push((
                id,
                Message {
                    seq,
                    at,
                    author,
                    text: text.to_string(),
                    internal,
                    attachment,
                },
            ));
        }
        self.touch(id);
    }

    fn send(
        &mut self,
        to: Destination,
        text: String,
        buttons: Vec<Button>,
        ticket: Option<TicketId>,
    ) {
        self.tx.outbound.push(Outbound {
            to,
            text,
            buttons,
            ticket,
            attachment: None,
            source: None,
            replaces: None,
        });
    }

    /// Sends a person's message on (to the customer or the ticket's thread), with the file
    /// they sent.
    fn relay_message(&mut self, to: Destination, text: String, ticket: TicketId) {
        let attachment = self.attachment.clone();
        self.tx.outbound.push(Outbound {
            to,
            text,
            buttons: vec![],
            ticket: Some(ticket),
            attachment,
            source: self.source.clone(),
            replaces: self.replaces.clone(),
        });
    }

    fn finish(mut self) -> Transition {
        for id in &self.changed {
            if let Some(mut t) = self.tickets.remove(id) {
                t.version += 1;
                self.tx.tickets.push(t);
            }
        }
        self.tx
    }
}

fn button(label: String, action: &str, ticket: TicketId) -> Button {
    Button {
        label,
        payload: format!("{action}:{ticket}"),
    }
}

impl Desk {
    /// A desk with these settings. `default_locale` is used when neither the platform nor
    /// the text says which language a customer writes in.
    pub fn new(cfg: DeskConfig, default_locale: impl Into<String>, prompts: Prompts) -> Desk {
        // The configuration was validated before (`switchboard check` and start-up report
        // a bad [desk.hours]); should an invalid one reach here, wall time is counted.
        let calendar = Calendar::new(&cfg.hours).unwrap_or_else(|e| {
            tracing::error!(error = %e, "invalid [desk.hours]; counting wall time");
            Calendar::always()
        });
        Desk {
            cfg,
            default_locale: default_locale.into(),
            prompts,
            calendar,
        }
    }

    /// The settings.
    pub fn config(&self) -> &DeskConfig {
        &self.cfg
    }

    /// Handles one event against the stored state at `now`, classifying new customer text
    /// with `rules`. Errors are store errors only: bad input is answered, not failed.
    pub fn handle(
        &self,
        store: &dyn Store,
        rules: &Engine,
        event: &Event,
        now: Timestamp,
    ) -> Result<Transition, StoreError> {
        let mut w = Work::new(store, now);
        match event {
            Event::Inbound(inb) => {
                if store.seen(&inb.key)? {
                    tracing::debug!(key = %inb.key, "duplicate update dropped");
                    return Ok(Transition::default());
                }
                w.tx.seen = Some(inb.key.clone());
                w.source = Some(inb.key.0.clone());
                match (&inb.place, &inb.what) {
                    (Place::Customer { chat }, What::Edit { of, text }) => {
                        w.replaces = Some(of.clone());
                        let marked = format!("✏️ {text}");
                        self.customer_text(&mut w, rules, &inb.from, chat, &marked)?
                    }
                    // An edited command or note is not run or recorded again.
                    (Place::Staff { .. }, What::Edit { text, .. })
                        if text.trim_start().starts_with('/')
                            || text.trim_start().starts_with(&self.cfg.note_prefix) => {}
                    (Place::Staff { .. }, What::Edit { of, text }) => {
                        w.replaces = Some(of.clone());
                        let marked = format!("{text} ✏️");
                        self.staff_text(&mut w, rules, inb, &marked)?
                    }
                    (Place::Customer { chat }, What::Text(text)) => {
                        self.customer_text(&mut w, rules, &inb.from, chat, text)?
                    }
                    (Place::Customer { chat }, What::Button(p)) => {
                        self.customer_button(&mut w, &inb.from, chat, p)?
                    }
                    (Place::Staff { .. }, What::Text(text)) => {
                        self.staff_text(&mut w, rules, inb, text)?
                    }
                    (Place::Staff { .. }, What::Button(p)) => self.staff_button(&mut w, inb, p)?,
                    (Place::Customer { chat }, What::Media(a)) => {
                        w.attachment = Some(a.clone());
                        self.customer_text(&mut w, rules, &inb.from, chat, &a.describe())?
                    }
                    (Place::Staff { .. }, What::Media(a)) => {
                        w.attachment = Some(a.clone());
                        // A caption can be a note (`// …`) or a command, like text.
                        let text = match a.caption.as_deref().map(str::trim) {
                            Some(c)
                                if c.starts_with('/') || c.starts_with(&self.cfg.note_prefix) =>
                            {
                                c.to_string()
                            }
                            _ => a.describe(),
                        };
                        self.staff_text(&mut w, rules, inb, &text)?
                    }
                }
            }
            Event::Due { id, job } => {
                w.tx.done_jobs.push(*id);
                match &job.kind {
                    JobKind::SelfServiceTimeout { ticket } => {
                        // Whatever happened since, a ticket still waiting on the question
                        // goes to the team; any other state means the job has no reason left.
                        if w.ticket(*ticket)?
                            .is_some_and(|t| t.status == TicketStatus::SelfService)
                        {
                            let note = self.staff(
                                "staff.self_service_timeout",
                                &[(
                                    "duration",
                                    &self.duration(
                                        &self.cfg.staff_locale,
                                        self.cfg.self_service_timeout,
                                    ),
                                )],
                            );
                            self.hand_off(&mut w, *ticket, &note, true)?;
                        }
                    }
                    JobKind::SurveySend {
                        ticket,
                        resolved_at,
                    } => {
                        // Only for the resolution it was set for: a reopened (or reopened
                        // and closed again) ticket has cancelled it.
                        let still = w.ticket(*ticket)?.is_some_and(|t| {
                            t.status == TicketStatus::Resolved
                                && t.resolved_at == Some(*resolved_at)
                                && t.survey.is_none()
                        });
                        if still {
                            self.send_survey(&mut w, *ticket)?;
                        }
                    }
                    JobKind::SurveyReminder { ticket } => self.remind_survey(&mut w, *ticket)?,
                    JobKind::SlaCheck { ticket, generation } => {
                        self.sla_check(&mut w, *ticket, *generation)?
                    }
                }
            }
        }
        Ok(w.finish())
    }

    fn text(&self, locale: &str, key: &str, args: &[(&str, &str)]) -> String {
        self.prompts.get(locale, key, args)
    }

    fn staff(&self, key: &str, args: &[(&str, &str)]) -> String {
        self.prompts.get(&self.cfg.staff_locale, key, args)
    }

    /// A duration in words ("4 hours", "1 day 2 hours"), in `locale`.
    pub fn duration(&self, locale: &str, d: Millis) -> String {
        let mins = (d.0 + 59_999) / 60_000;
        let (days, hours, minutes) = (mins / 1440, (mins % 1440) / 60, mins % 60);
        let mut parts = Vec::new();
        for (n, one, many) in [
            (days, "time.day", "time.days"),
            (hours, "time.hour", "time.hours"),
            (minutes, "time.minute", "time.minutes"),
        ] {
            match n {
                0 => {}
                1 => parts.push(self.text(locale, one, &[])),
                _ => parts.push(self.text(locale, many, &[("n", &n.to_string())])),
            }
        }
        if parts.is_empty() {
            parts.push(self.text(locale, "time.minute", &[]));
        }
        parts.join(&self.text(locale, "time.and", &[]))
    }

    /// When an agent will answer a ticket handed off now with priority `p`, in words: the
    /// first-response target counted in business hours.
    fn eta(&self, locale: &str, p: Priority, now: Timestamp) -> String {
        let due = self.calendar.add(now, self.cfg.first_response.get(p));
        self.when(locale, now, due)
    }

    /// A due time in words people read easily ("within 2 hours", "on Monday morning").
    pub fn when(&self, locale: &str, now: Timestamp, due: Timestamp) -> String {
        let part = |p: DayPart| self.text(locale, &format!("time.{}", p.as_str()), &[]);
        // Within half a day, a number of hours reads best, across midnight too.
        let wall = due.0 - now.0;
        let described = if wall <= Millis::hours(12).0 {
            let step = if wall <= Millis::hours(1).0 {
                Millis::mins(5).0
            } else {
                Millis::hours(1).0
            };
            Due::Within(Millis((wall.max(1) + step - 1) / step * step))
        } else {
            self.calendar.describe(now, due)
        };
        match described {
            Due::Within(d) => {
                let d = self.duration(locale, d);
                self.text(locale, "time.within", &[("duration", &d)])
            }
            Due::LaterToday(p) => self.text(locale, "time.today", &[("part", &part(p))]),
            Due::Tomorrow(p) => self.text(locale, "time.tomorrow", &[("part", &part(p))]),
            Due::OnDay(d, p) => {
                let day = self.text(locale, &format!("time.{}", d.as_str()), &[]);
                self.text(locale, "time.weekday", &[("day", &day), ("part", &part(p))])
            }
            Due::OnDate {
                month,
                day,
                part: p,
            } => {
                let month = self.text(locale, &format!("time.month_{month}"), &[]);
                self.text(
                    locale,
                    "time.date",
                    &[
                        ("month", &month),
                        ("day", &day.to_string()),
                        ("part", &part(p)),
                    ],
                )
            }
        }
    }

    fn locale_for(&self, from: &Sender, text: &str) -> String {
        from.language
            .clone()
            .or_else(|| guess_language(text).map(str::to_string))
            .map(|l| self.prompts.resolve_locale(&l).to_string())
            .unwrap_or_else(|| {
                self.prompts
                    .resolve_locale(&self.default_locale)
                    .to_string()
            })
    }

    fn tier_of(&self, id: &PartyId) -> Option<Tier> {
        self.cfg
            .tiers
            .get(&id.to_string())
            .and_then(|t| t.parse().ok())
    }

    // ----------------------------------------------------------------- customers

    fn customer_text(
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
    #[allow(clippy::too_many_arguments)]
    fn join(
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
        // The signals of every customer message: negative ones count towards the churn-risk
        // score in reports; asking for a person matters in self-service.
        let ctx = Context {
            platform: Some(t.chat.platform),
            ..Context::default()
        };
        let signals = rules.classify(text, &ctx).signals;
        if signals.has(Signal::Negative) {
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
            TicketStatus::SelfService => {
                // Asking for a person answers the question too.
                if signals.has(Signal::Human) {
                    let note = self.staff("staff.customer_asked_human", &[]);
                    self.hand_off(w, id, &note, true)?;
                }
            }
            TicketStatus::Resolved => {}
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    #[allow(clippy::too_many_arguments)]
    fn open(
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
            "opened",
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
        w.event(id, "triaged", None, detail);
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
        let cat = verdict.category.to_string();
        let ack = match previous {
            None => self.text(
                locale,
                "desk.ack",
                &[
                    ("name", &customer.display_name),
                    ("ticket", &id.to_string()),
                    ("category", &cat),
                    ("eta", &eta),
                ],
            ),
            Some(p) => self.text(
                locale,
                "desk.ack_follow_up",
                &[
                    ("name", &customer.display_name),
                    ("ticket", &id.to_string()),
                    ("category", &cat),
                    ("previous", &p.to_string()),
                    ("eta", &eta),
                ],
            ),
        };
        w.record(id, Author::Bot, &ack, false);
        w.send(
            Destination::Customer { chat: chat.clone() },
            ack,
            vec![],
            Some(id),
        );

        let wants_human = verdict.signals.has(Signal::Human);
        match (&verdict.auto_answer, verdict.escalate || wants_human) {
            (Some(key), false) => {
                let answer = self.text(locale, &format!("answer.{key}"), &[]);
                let question = self.text(locale, "desk.solved_question", &[]);
                let body = format!("{answer}\n\n{question}");
                w.record(id, Author::Bot, &body, false);
                w.send(
                    Destination::Customer { chat: chat.clone() },
                    body,
                    vec![
                        button(self.text(locale, "desk.button_yes", &[]), payload::YES, id),
                        button(self.text(locale, "desk.button_no", &[]), payload::NO, id),
                    ],
                    Some(id),
                );
                if let Some(t) = w.tickets.get_mut(&id) {
                    t.status = TicketStatus::SelfService;
                }
                w.event(id, "self_service", None, format!("answer.{key}"));
                w.tx.jobs.push(Job {
                    due: w.now.plus(self.cfg.self_service_timeout),
                    kind: JobKind::SelfServiceTimeout { ticket: id },
                });
            }
            _ => {
                let why = if wants_human {
                    self.staff("staff.customer_asked_human", &[])
                } else {
                    String::new()
                };
                self.hand_off(w, id, &why, false)?;
            }
        }
        Ok(())
    }

    /// Hands a ticket to the team: `Queued`, and the card in the staff space. With `tell`,
    /// the customer is told (a new ticket's acknowledgement already says it).
    fn hand_off(
        &self,
        w: &mut Work<'_>,
        id: TicketId,
        why: &str,
        tell: bool,
    ) -> Result<(), StoreError> {
        let now = w.now;
        let Some(t) = w.ticket(id)? else {
            return Ok(());
        };
        t.status = TicketStatus::Queued;
        if t.handed_off_at.is_none() {
            t.handed_off_at = Some(now);
        }
        let (locale, chat, priority) = (t.locale.clone(), t.chat.clone(), t.priority);
        w.event(id, "handed_off", None, why.to_string());
        self.sla_start(w, id)?;
        if tell {
            let msg = self.text(
                &locale,
                "desk.handoff",
                &[
                    ("ticket", &id.to_string()),
                    ("eta", &self.eta(&locale, priority, now)),
                ],
            );
            w.record(id, Author::Bot, &msg, false);
            w.send(Destination::Customer { chat }, msg, vec![], Some(id));
        }
        let card = self.card(w, id)?;
        let mut text = card;
        if !why.is_empty() {
            text = format!("{why}\n{text}");
        }
        w.send(
            Destination::Ticket { ticket: id },
            text,
            vec![
                button(self.staff("staff.button_claim", &[]), payload::CLAIM, id),
                button(self.staff("staff.button_close", &[]), payload::CLOSE, id),
            ],
            Some(id),
        );
        self.auto_assign(w, id, None)?;
        Ok(())
    }

    // ------------------------------------------------------------ assignment

    /// The agents configured for automatic assignment, in config order: (party key, agent,
    /// skills, capacity).
    fn roster_agents(&self) -> Vec<(String, Agent, &[String], usize)> {
        let a = &self.cfg.assignment;
        a.agents
            .iter()
            .filter_map(|(key, c)| {
                let (platform, id) = key.split_once(':')?;
                let platform = platform.parse::<Platform>().ok()?;
                let agent = Agent {
                    id: PartyId::new(platform, id),
                    name: c.name.clone(),
                };
                let cap = c.capacity.unwrap_or(a.default_capacity) as usize;
                Some((key.clone(), agent, c.skills.as_slice(), cap))
            })
            .collect()
    }

    /// Open tickets per agent, as this event leaves them.
    fn loads(&self, w: &mut Work<'_>) -> Result<HashMap<PartyId, usize>, StoreError> {
        let mut holder: BTreeMap<TicketId, PartyId> = BTreeMap::new();
        for t in w.store.tickets(Some(TicketStatus::Claimed))? {
            if let Some(a) = t.assignee {
                holder.insert(t.id, a.id);
            }
        }
        for (id, t) in &w.tickets {
            match (&t.status, &t.assignee) {
                (TicketStatus::Claimed, Some(a)) => {
                    holder.insert(*id, a.id.clone());
                }
                _ => {
                    holder.remove(id);
                }
            }
        }
        let mut loads = HashMap::new();
        for who in holder.into_values() {
            *loads.entry(who).or_insert(0) += 1;
        }
        Ok(loads)
    }

    /// The roster this event writes (read once, version bumped).
    fn roster_mut<'w>(&self, w: &'w mut Work<'_>) -> Result<&'w mut Roster, StoreError> {
        if w.tx.roster.is_none() {
            let mut r = w.store.roster()?;
            r.version += 1;
            w.tx.roster = Some(r);
        }
        // Set just above when it was missing.
        Ok(w.tx.roster.get_or_insert_with(Roster::default))
    }

    fn roster_now(&self, w: &Work<'_>) -> Result<Roster, StoreError> {
        match &w.tx.roster {
            Some(r) => Ok(r.clone()),
            None => w.store.roster(),
        }
    }

    /// Gives a queued ticket to an available agent (round robin or least loaded); `except`
    /// is left out (the agent who just released it). Returns whether it was assigned.
    fn auto_assign(
        &self,
        w: &mut Work<'_>,
        id: TicketId,
        except: Option<&PartyId>,
    ) -> Result<bool, StoreError> {
        let mode = self.cfg.assignment.mode;
        if mode == AssignMode::Claim {
            return Ok(false);
        }
        let Some(t) = w.ticket(id)?.cloned() else {
            return Ok(false);
        };
        if t.status != TicketStatus::Queued {
            return Ok(false);
        }
        let loads = self.loads(w)?;
        let roster = self.roster_now(w)?;
        let pick = self
            .roster_agents()
            .into_iter()
            .enumerate()
            .filter(|(_, (key, agent, skills, cap))| {
                !roster.away.contains(key)
                    && except != Some(&agent.id)
                    && (skills.is_empty() || skills.iter().any(|s| s == t.category.as_str()))
                    && loads.get(&agent.id).copied().unwrap_or(0) < *cap
            })
            .min_by_key(|(i, (key, agent, _, _))| {
                let given = roster.assigned.get(key).copied().unwrap_or(0);
                let load = loads.get(&agent.id).copied().unwrap_or(0) as u64;
                match mode {
                    AssignMode::LeastLoaded => (load, given, *i),
                    _ => (given, load, *i),
                }
            });
        let Some((_, (key, agent, _, _))) = pick else {
            return Ok(false);
        };
        self.assign(w, id, &key, &agent, mode)?;
        Ok(true)
    }

    fn assign(
        &self,
        w: &mut Work<'_>,
        id: TicketId,
        key: &str,
        agent: &Agent,
        mode: AssignMode,
    ) -> Result<(), StoreError> {
        let now = w.now;
        let Some(t) = w.ticket(id)? else {
            return Ok(());
        };
        t.status = TicketStatus::Claimed;
        t.assignee = Some(agent.clone());
        if let Some(s) = t.sla.as_mut() {
            // Silence is counted from when the agent got the ticket.
            s.last_agent_at = Some(now);
        }
        let how = match mode {
            AssignMode::RoundRobin => "round robin",
            AssignMode::LeastLoaded => "least loaded",
            AssignMode::Claim => "claim",
        };
        w.event(id, "assigned", None, format!("{} ({how})", agent.name));
        *self
            .roster_mut(w)?
            .assigned
            .entry(key.to_string())
            .or_insert(0) += 1;
        self.tell(
            w,
            Some(id),
            "staff.assigned",
            &[
                ("ticket", &id.to_string()),
                ("agent", &agent.name),
                ("mode", how),
            ],
        );
        Ok(())
    }

    /// An agent has room again: the waiting tickets first in the queue (priority, then
    /// waiting time) that they can take go to them, up to their capacity.
    fn fill(&self, w: &mut Work<'_>, who: &Agent) -> Result<(), StoreError> {
        let mode = self.cfg.assignment.mode;
        if mode == AssignMode::Claim {
            return Ok(());
        }
        let Some((key, agent, skills, cap)) = self
            .roster_agents()
            .into_iter()
            .find(|(_, a, _, _)| a.id == who.id)
        else {
            return Ok(());
        };
        if self.roster_now(w)?.away.contains(&key) {
            return Ok(());
        }
        let mut waiting: BTreeMap<TicketId, Ticket> = w
            .store
            .tickets(Some(TicketStatus::Queued))?
            .into_iter()
            .map(|t| (t.id, t))
            .collect();
        for (id, t) in &w.tickets {
            if t.status == TicketStatus::Queued {
                waiting.insert(*id, t.clone());
            } else {
                waiting.remove(id);
            }
        }
        let mut queue: Vec<Ticket> = waiting
            .into_values()
            .filter(|t| skills.is_empty() || skills.iter().any(|s| s == t.category.as_str()))
            .collect();
        queue.sort_by(|a, b| {
            b.priority
                .cmp(&a.priority)
                .then(a.handed_off_at.cmp(&b.handed_off_at))
                .then(a.id.cmp(&b.id))
        });
        for t in queue {
            if self.loads(w)?.get(&agent.id).copied().unwrap_or(0) >= cap {
                break;
            }
            self.assign(w, t.id, &key, &agent, mode)?;
        }
        Ok(())
    }

    // ------------------------------------------------------------------- SLA

    /// Starts the clocks at the first handoff, with the targets in force now; a ticket
    /// handed off again (reopened) gets its resolution clock running again.
    fn sla_start(&self, w: &mut Work<'_>, id: TicketId) -> Result<(), StoreError> {
        if !self.cfg.sla.enabled {
            return Ok(());
        }
        let now = w.now;
        let Some(t) = w.ticket(id)? else {
            return Ok(());
        };
        match t.sla.as_mut() {
            Some(s) => {
                if s.running_since.is_none() {
                    s.running_since = Some(now);
                }
            }
            None => {
                t.sla = Some(Sla {
                    first_response_target: self.cfg.first_response.get(t.priority),
                    resolution_target: self.cfg.sla.resolution.get(t.priority),
                    started_at: now,
                    spent: Millis(0),
                    running_since: Some(now),
                    warned: Vec::new(),
                    breached: Vec::new(),
                    last_agent_at: None,
                    generation: 0,
                    first_response_settled: false,
                });
            }
        }
        self.sla_schedule(w, id)
    }

    /// Stops the resolution clock (waiting on the customer, or resolved) and reschedules.
    fn sla_pause(&self, w: &mut Work<'_>, id: TicketId) -> Result<(), StoreError> {
        let now = w.now;
        let Some(t) = w.ticket(id)? else {
            return Ok(());
        };
        let Some(s) = t.sla.as_mut() else {
            return Ok(());
        };
        if let Some(since) = s.running_since.take() {
            s.spent = Millis(s.spent.0 + self.calendar.between(since, now).0);
        }
        self.sla_schedule(w, id)
    }

    /// Runs the resolution clock again (the customer answered).
    fn sla_resume(&self, w: &mut Work<'_>, id: TicketId) -> Result<(), StoreError> {
        let now = w.now;
        let Some(t) = w.ticket(id)? else {
            return Ok(());
        };
        match t.sla.as_mut() {
            Some(s) if s.running_since.is_none() && t.status.is_open() => {
                s.running_since = Some(now);
            }
            _ => return Ok(()),
        }
        self.sla_schedule(w, id)
    }

    /// The business time at which a clock with `target` warns (the same integer in the
    /// schedule and in the check, so a check never finds itself early).
    fn warn_at(&self, target: Millis) -> i64 {
        target.0 / 100 * i64::from(self.cfg.sla.warn_percent.min(100))
            + target.0 % 100 * i64::from(self.cfg.sla.warn_percent.min(100)) / 100
    }

    /// Schedules the next check at the earliest warning or breach still ahead; every
    /// earlier check job becomes stale (generation).
    fn sla_schedule(&self, w: &mut Work<'_>, id: TicketId) -> Result<(), StoreError> {
        let now = w.now;
        let Some(t) = w.ticket(id)? else {
            return Ok(());
        };
        let (open, answered) = (t.status.is_open(), t.first_response_at.is_some());
        let Some(s) = t.sla.as_mut() else {
            return Ok(());
        };
        let answered = answered || s.first_response_settled;
        s.generation += 1;
        let generation = s.generation;
        let mut next: Option<Timestamp> = None;
        let mut consider = |at: Timestamp| next = Some(next.map_or(at, |n: Timestamp| n.min(at)));
        let has = |list: &[String], clock: &str| list.iter().any(|c| c == clock);
        if open && !answered {
            let target = s.first_response_target.0;
            if !has(&s.warned, sla::FIRST) {
                consider(
                    self.calendar
                        .add(s.started_at, Millis(self.warn_at(Millis(target)))),
                );
            }
            if !has(&s.breached, sla::FIRST) {
                consider(self.calendar.add(s.started_at, Millis(target)));
            }
        }
        if open && let Some(since) = s.running_since {
            let target = s.resolution_target.0;
            if !has(&s.warned, sla::RESOLUTION) {
                let left = (self.warn_at(Millis(target)) - s.spent.0).max(0);
                consider(self.calendar.add(since, Millis(left)));
            }
            if !has(&s.breached, sla::RESOLUTION) {
                consider(
                    self.calendar
                        .add(since, Millis((target - s.spent.0).max(0))),
                );
            }
        }
        w.touch(id);
        if let Some(at) = next {
            w.tx.jobs.push(Job {
                due: Timestamp(at.0.max(now.0)),
                kind: JobKind::SlaCheck {
                    ticket: id,
                    generation,
                },
            });
        }
        Ok(())
    }

    /// The next SLA due time of an open ticket: its first response while unanswered, else
    /// its resolution while the clock runs.
    fn sla_due(&self, t: &Ticket) -> Option<Timestamp> {
        let s = t.sla.as_ref()?;
        if !t.status.is_open() {
            return None;
        }
        if t.first_response_at.is_none() && !s.first_response_settled {
            return Some(self.calendar.add(s.started_at, s.first_response_target));
        }
        let since = s.running_since?;
        Some(
            self.calendar
                .add(since, Millis((s.resolution_target.0 - s.spent.0).max(0))),
        )
    }

    /// A check fell due: warn in the thread, or on a breach alert the staff space, raise
    /// the priority, record it, and release a ticket whose agent has gone silent. Each
    /// warning and breach happens once.
    fn sla_check(&self, w: &mut Work<'_>, id: TicketId, generation: u32) -> Result<(), StoreError> {
        let now = w.now;
        let Some(t) = w.ticket(id)?.cloned() else {
            return Ok(());
        };
        let Some(s) = t.sla.clone() else {
            return Ok(());
        };
        if s.generation != generation || !t.status.is_open() {
            return Ok(());
        }
        let pct = i64::from(self.cfg.sla.warn_percent.min(100));
        let has = |list: &[String], clock: &str| list.iter().any(|c| c == clock);
        // (clock, used, target, due)
        let mut clocks = Vec::new();
        if t.first_response_at.is_none() && !s.first_response_settled {
            let used = self.calendar.between(s.started_at, now);
            let due = self.calendar.add(s.started_at, s.first_response_target);
            clocks.push((sla::FIRST, used, s.first_response_target, due));
        }
        if let Some(since) = s.running_since {
            let used = Millis(s.spent.0 + self.calendar.between(since, now).0);
            let due = self
                .calendar
                .add(since, Millis((s.resolution_target.0 - s.spent.0).max(0)));
            clocks.push((sla::RESOLUTION, used, s.resolution_target, due));
        }
        let staff = self.cfg.staff_locale.clone();
        for (clock, used, target, due) in clocks {
            let clock_name = self.staff(&format!("staff.clock_{clock}"), &[]);
            if used.0 >= target.0 && !has(&s.breached, clock) {
                self.sla_breach(w, id, clock, &clock_name, target)?;
            } else if used.0 >= self.warn_at(target) && !has(&s.warned, clock) {
                if let Some(sl) = w.ticket(id)?.and_then(|t| t.sla.as_mut()) {
                    sl.warned.push(clock.to_string());
                }
                w.event(id, "sla_warning", None, clock.to_string());
                let due = self.when(&staff, now, due);
                self.tell(
                    w,
                    Some(id),
                    "staff.sla_warning",
                    &[
                        ("ticket", &id.to_string()),
                        ("percent", &pct.to_string()),
                        ("clock", &clock_name),
                        ("due", &due),
                    ],
                );
            }
        }
        self.sla_schedule(w, id)
    }

    fn sla_breach(
        &self,
        w: &mut Work<'_>,
        id: TicketId,
        clock: &str,
        clock_name: &str,
        target: Millis,
    ) -> Result<(), StoreError> {
        let now = w.now;
        let silent_after = self.cfg.sla.silent_release;
        let Some(t) = w.ticket(id)? else {
            return Ok(());
        };
        let raised = t.priority.raised();
        let from = t.priority;
        t.priority = raised;
        let (status, owner) = (t.status, t.assignee.clone());
        let Some(s) = t.sla.as_mut() else {
            return Ok(());
        };
        s.breached.push(clock.to_string());
        if !s.warned.iter().any(|c| c == clock) {
            s.warned.push(clock.to_string());
        }
        let silent_since = s.last_agent_at.unwrap_or(s.started_at);
        w.event(id, "sla_breached", None, clock.to_string());
        if raised != from {
            w.event(id, "priority", None, format!("{from} -> {raised} (SLA)"));
        }
        let target = self.duration(&self.cfg.staff_locale, target);
        let alert = self.staff(
            "staff.sla_breach",
            &[
                ("mention", self.cfg.sla.breach_mention.as_str()),
                ("ticket", &id.to_string()),
                ("clock", clock_name),
                ("target", &target),
                ("priority", raised.as_str()),
            ],
        );
        w.send(
            Destination::StaffSpace,
            alert.trim().to_string(),
            vec![],
            Some(id),
        );
        if let (TicketStatus::Claimed, Some(agent)) = (status, owner)
            && silent_after.0 > 0
            && now.since(silent_since).0 >= silent_after.0
        {
            if let Some(t) = w.ticket(id)? {
                t.status = TicketStatus::Queued;
                t.assignee = None;
            }
            w.event(id, "released", None, "SLA: the agent was silent".into());
            let silence = self.duration(&self.cfg.staff_locale, now.since(silent_since));
            self.tell(
                w,
                Some(id),
                "staff.sla_released",
                &[
                    ("ticket", &id.to_string()),
                    ("agent", &agent.name),
                    ("silence", &silence),
                ],
            );
            self.auto_assign(w, id, Some(&agent.id))?;
        }
        Ok(())
    }

    /// `/away` and `/back`.
    fn presence(
        &self,
        w: &mut Work<'_>,
        agent: &Agent,
        away: bool,
        here: Option<TicketId>,
    ) -> Result<(), StoreError> {
        let key = agent.id.to_string();
        let r = self.roster_mut(w)?;
        if away {
            r.away.insert(key);
        } else {
            r.away.remove(&key);
        }
        let reply = self.staff(
            if away { "staff.away" } else { "staff.back" },
            &[("agent", &agent.name)],
        );
        self.staff_reply(w, here, reply);
        if !away {
            self.fill(w, agent)?;
        }
        Ok(())
    }

    /// The agents' card: who, what, the rules that fired, the conversation so far.
    fn card(&self, w: &mut Work<'_>, id: TicketId) -> Result<String, StoreError> {
        let Some(t) = w.ticket(id)?.cloned() else {
            return Ok(String::new());
        };
        let customer = w.store.customer(&t.customer)?;
        let none = self.staff("staff.none", &[]);
        let (language, tier, previous) = match &customer {
            Some(c) => (
                c.language.clone().unwrap_or_else(|| t.locale.clone()),
                c.tier.as_ref().map_or(none.clone(), ToString::to_string),
                c.tickets
                    .iter()
                    .filter(|x| **x != id)
                    .rev()
                    .take(self.cfg.card_tickets)
                    .map(ToString::to_string)
                    .collect::<Vec<_>>(),
            ),
            None => (
                t.locale.clone(),
                self.tier_of(&t.customer)
                    .map_or(none.clone(), |x| x.to_string()),
                Vec::new(),
            ),
        };
        let mut lines = vec![
            self.staff(
                "staff.card_title",
                &[
                    ("ticket", &id.to_string()),
                    ("category", t.category.as_str()),
                    ("priority", t.priority.as_str()),
                ],
            ),
            self.staff(
                "staff.card_customer",
                &[
                    ("name", &t.customer_name),
                    ("id", &t.customer.to_string()),
                    ("language", &language),
                    ("tier", &tier),
                ],
            ),
            self.staff(
                "staff.card_previous",
                &[(
                    "tickets",
                    &if previous.is_empty() {
                        none.clone()
                    } else {
                        previous.join(", ")
                    },
                )],
            ),
            self.staff(
                "staff.card_rules",
                &[(
                    "rules",
                    &if t.rules.is_empty() {
                        none.clone()
                    } else {
                        t.rules.join(", ")
                    },
                )],
            ),
            self.staff("staff.card_conversation", &[]),
        ];
        let mut messages = w.store.messages(id)?;
        messages.extend(
            w.tx.messages
                .iter()
                .filter(|(m, _)| *m == id)
                .map(|(_, m)| m.clone()),
        );
        let skip = messages.len().saturating_sub(self.cfg.card_messages);
        for m in &messages[skip..] {
            let who = match &m.author {
                Author::Customer(n) | Author::Agent(n) => n.clone(),
                Author::Bot => "bot".to_string(),
            };
            let note = if m.internal { " (note)" } else { "" };
            lines.push(format!("{who}{note}: {}", m.text));
        }
        Ok(lines.join("\n"))
    }

    fn reopen(
        &self,
        w: &mut Work<'_>,
        id: TicketId,
        name: &str,
        text: &str,
    ) -> Result<(), StoreError> {
        let Some(t) = w.ticket(id)? else {
            return Ok(());
        };
        t.status = TicketStatus::Queued;
        t.assignee = None;
        t.reopened += 1;
        t.resolution = None;
        if let Some(s) = t.survey.as_mut() {
            s.awaiting_comment = false;
        }
        let (locale, chat, priority) = (t.locale.clone(), t.chat.clone(), t.priority);
        w.event(id, "reopened", None, String::new());
        w.record(id, Author::Customer(name.to_string()), text, false);
        let msg = self.text(
            &locale,
            "desk.reopened",
            &[
                ("ticket", &id.to_string()),
                ("eta", &self.eta(&locale, priority, w.now)),
            ],
        );
        w.record(id, Author::Bot, &msg, false);
        w.send(Destination::Customer { chat }, msg, vec![], Some(id));
        let note = self.staff("staff.reopened", &[("ticket", &id.to_string())]);
        self.hand_off(w, id, &note, false)
    }

    fn customer_button(
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
        if let Some((kind, rest)) = p.split_once(':')
            && (kind == payload::CSAT || kind == payload::NPS)
        {
            return self.survey_press(w, from, chat, kind, rest);
        }
        let Some((action, id)) = p
            .split_once(':')
            .and_then(|(a, t)| Some((a, t.parse::<TicketId>().ok()?)))
        else {
            tracing::warn!(customer = %from.id, payload = p, "unknown button payload");
            reply(w, "desk.stale_button", None);
            return Ok(());
        };
        if action == payload::CLAIM || action == payload::CLOSE {
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
            payload::YES => {
                if let Some(t) = w.tickets.get_mut(&id) {
                    t.status = TicketStatus::Resolved;
                    t.resolved_at = Some(w.now);
                    t.resolution = Some(Resolution::SelfService);
                }
                w.event(id, "resolved", None, "self-service".into());
                let msg = self.text(&t.locale, "desk.solved", &[("ticket", &id.to_string())]);
                w.record(id, Author::Bot, &msg, false);
                w.send(
                    Destination::Customer {
                        chat: t.chat.clone(),
                    },
                    msg,
                    vec![],
                    Some(id),
                );
                self.schedule_survey(w, id)?;
            }
            payload::NO => {
                let note = self.staff("staff.customer_said_no", &[]);
                self.hand_off(w, id, &note, true)?;
            }
            _ => reply(w, "desk.stale_button", Some(id)),
        }
        Ok(())
    }

    // ----------------------------------------------------------------- staff

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
    fn tell(&self, w: &mut Work<'_>, ticket: Option<TicketId>, key: &str, args: &[(&str, &str)]) {
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
        kind: &str,
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

    fn staff_reply(&self, w: &mut Work<'_>, ticket: Option<TicketId>, text: String) {
        let to = ticket.map_or(Destination::StaffSpace, |t| Destination::Ticket {
            ticket: t,
        });
        w.send(to, text, vec![], ticket);
    }

    fn staff_text(
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
        let command = parse_command(&text);
        if matches!(command, Some(Command::Away | Command::Back)) {
            return self.presence(w, &agent, command == Some(Command::Away), named);
        }
        if command == Some(Command::Queue) {
            return self.queue(w, named);
        }
        let Some(id) = named else {
            self.tell(w, None, "staff.no_ticket", &[]);
            return Ok(());
        };
        if w.ticket(id)?.is_none() {
            self.tell(
                w,
                None,
                "staff.no_such_ticket",
                &[("ticket", &id.to_string())],
            );
            return Ok(());
        }
        if let Some(note) = text
            .strip_prefix(self.cfg.note_prefix.as_str())
            .filter(|_| !self.cfg.note_prefix.is_empty())
        {
            return self.note(w, id, &agent, note.trim());
        }
        match command {
            None => self.relay(w, id, &agent, &text),
            Some(Command::Claim) => self.claim(w, id, &agent),
            Some(Command::Close) => self.close(w, id, &agent),
            Some(Command::Release) => self.release(w, id, &agent),
            Some(Command::Note(n)) if !n.is_empty() => self.note(w, id, &agent, &n),
            Some(Command::Note(_)) => self.missing(
                w,
                id,
                "/note",
                "text",
                "/note called back, waiting for photo",
            ),
            Some(Command::Priority(p)) => self.set_priority(w, id, &agent, &p),
            Some(Command::Category(c)) => self.set_category(w, rules, id, &agent, &c),
            Some(Command::Transfer(n)) => self.transfer(w, id, &agent, &n),
            Some(Command::Queue) => self.queue(w, Some(id)),
            Some(Command::Away | Command::Back) => Ok(()),
            Some(Command::Unknown(c)) => {
                self.tell(w, Some(id), "staff.unknown_command", &[("command", &c)]);
                Ok(())
            }
        }
    }

    fn missing(
        &self,
        w: &mut Work<'_>,
        id: TicketId,
        command: &str,
        what: &str,
        example: &str,
    ) -> Result<(), StoreError> {
        self.tell(
            w,
            Some(id),
            "staff.missing_argument",
            &[("command", command), ("what", what), ("example", example)],
        );
        Ok(())
    }

    fn staff_button(&self, w: &mut Work<'_>, inb: &Inbound, p: &str) -> Result<(), StoreError> {
        let agent = self.agent_of(w, &inb.from);
        let parsed = p
            .split_once(':')
            .and_then(|(a, t)| Some((a, t.parse::<TicketId>().ok()?)));
        let Some((action, id)) = parsed else {
            tracing::warn!(agent = %agent.name, payload = p, "unknown staff button payload");
            let ticket = self.staff_ticket(w, &inb.place)?;
            self.tell(w, ticket, "staff.no_ticket", &[]);
            return Ok(());
        };
        if w.ticket(id)?.is_none() {
            self.tell(
                w,
                None,
                "staff.no_such_ticket",
                &[("ticket", &id.to_string())],
            );
            return Ok(());
        }
        match action {
            payload::CLAIM => self.claim(w, id, &agent),
            payload::CLOSE => self.close(w, id, &agent),
            _ => {
                tracing::warn!(agent = %agent.name, payload = p, "customer button pressed in the staff space");
                self.tell(w, Some(id), "staff.no_ticket", &[]);
                Ok(())
            }
        }
    }

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
                w.event(id, "claimed", Some(&agent.name), String::new());
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

    fn note(
        &self,
        w: &mut Work<'_>,
        id: TicketId,
        agent: &Agent,
        note: &str,
    ) -> Result<(), StoreError> {
        if note.is_empty() {
            return self.missing(
                w,
                id,
                "/note",
                "text",
                "/note called back, waiting for photo",
            );
        }
        w.record(id, Author::Agent(agent.name.clone()), note, true);
        w.event(id, "note", Some(&agent.name), String::new());
        self.tell(
            w,
            Some(id),
            "staff.note_saved",
            &[("ticket", &id.to_string())],
        );
        Ok(())
    }

    fn close(&self, w: &mut Work<'_>, id: TicketId, agent: &Agent) -> Result<(), StoreError> {
        if !self.owner_check(w, id, agent)? {
            return Ok(());
        }
        let now = w.now;
        let Some(t) = w.ticket(id)? else {
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
        w.event(id, "resolved", Some(&agent.name), String::new());
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

    // ---------------------------------------------------------------- survey

    /// Sets the survey of a just-resolved ticket going: at once, or as a job after the
    /// configured delay. One survey per ticket.
    fn schedule_survey(&self, w: &mut Work<'_>, id: TicketId) -> Result<(), StoreError> {
        let cfg = &self.cfg.survey;
        let now = w.now;
        let Some(t) = w.ticket(id)? else {
            return Ok(());
        };
        if !cfg.enabled || t.survey.is_some() {
            return Ok(());
        }
        if cfg.delay.0 <= 0 {
            return self.send_survey(w, id);
        }
        w.tx.jobs.push(Job {
            due: now.plus(cfg.delay),
            kind: JobKind::SurveySend {
                ticket: id,
                resolved_at: now,
            },
        });
        Ok(())
    }

    fn csat_buttons(&self, locale: &str, id: TicketId) -> Vec<Button> {
        (1..=5)
            .map(|n| Button {
                label: self.text(locale, &format!("survey.csat_{n}"), &[]),
                payload: format!("{}:{id}:{n}", payload::CSAT),
            })
            .collect()
    }

    /// Asks the CSAT question.
    fn send_survey(&self, w: &mut Work<'_>, id: TicketId) -> Result<(), StoreError> {
        let now = w.now;
        let Some(t) = w.ticket(id)? else {
            return Ok(());
        };
        t.survey = Some(Survey {
            sent_at: now,
            ..Survey::default()
        });
        let (locale, chat) = (t.locale.clone(), t.chat.clone());
        w.event(id, "survey_sent", None, String::new());
        let question = self.text(&locale, "survey.question", &[("ticket", &id.to_string())]);
        let buttons = self.csat_buttons(&locale, id);
        w.send(Destination::Customer { chat }, question, buttons, Some(id));
        if self.cfg.survey.reminder.0 > 0 {
            w.tx.jobs.push(Job {
                due: now.plus(self.cfg.survey.reminder),
                kind: JobKind::SurveyReminder { ticket: id },
            });
        }
        Ok(())
    }

    /// The one reminder, if the CSAT question is still open.
    fn remind_survey(&self, w: &mut Work<'_>, id: TicketId) -> Result<(), StoreError> {
        let (now, expiry) = (w.now, self.cfg.survey.expiry);
        let Some(t) = w.ticket(id)? else {
            return Ok(());
        };
        let Some(s) = t.survey.as_mut() else {
            return Ok(());
        };
        if s.csat.is_some() || s.reminded || now.since(s.sent_at) > expiry {
            return Ok(());
        }
        if t.status != TicketStatus::Resolved {
            // Reopened since: not the moment to ask for a rating.
            return Ok(());
        }
        s.reminded = true;
        let (locale, chat) = (t.locale.clone(), t.chat.clone());
        w.touch(id);
        let text = self.text(&locale, "survey.reminder", &[("ticket", &id.to_string())]);
        let buttons = self.csat_buttons(&locale, id);
        w.send(Destination::Customer { chat }, text, buttons, Some(id));
        Ok(())
    }

    /// A press on a survey button: `rest` is `T-5:4`.
    fn survey_press(
        &self,
        w: &mut Work<'_>,
        from: &Sender,
        chat: &ChatId,
        kind: &str,
        rest: &str,
    ) -> Result<(), StoreError> {
        let locale = self.locale_for(from, "");
        let say = |w: &mut Work<'_>, locale: &str, key: &str, ticket: Option<TicketId>| {
            w.send(
                Destination::Customer { chat: chat.clone() },
                self.text(locale, key, &[]),
                vec![],
                ticket,
            );
        };
        let parsed = rest
            .split_once(':')
            .and_then(|(t, n)| Some((t.parse::<TicketId>().ok()?, n.parse::<u8>().ok()?)));
        let max = if kind == payload::CSAT { 5 } else { 10 };
        let min = if kind == payload::CSAT { 1 } else { 0 };
        let Some((id, score)) = parsed.filter(|(_, n)| (min..=max).contains(n)) else {
            say(w, &locale, "desk.stale_button", None);
            return Ok(());
        };
        let (now, cfg) = (w.now, self.cfg.survey.clone());
        let Some(t) = w.ticket(id)? else {
            say(w, &locale, "desk.stale_button", None);
            return Ok(());
        };
        if t.customer != from.id {
            tracing::warn!(customer = %from.id, ticket = %id, "survey button of another customer's ticket");
            say(w, &locale, "desk.not_yours", None);
            return Ok(());
        }
        let locale = t.locale.clone();
        let name = t.customer_name.clone();
        let Some(s) = t.survey.as_mut() else {
            say(w, &locale, "desk.stale_button", Some(id));
            return Ok(());
        };
        if now.since(s.sent_at) > cfg.expiry {
            say(w, &locale, "survey.expired", Some(id));
            return Ok(());
        }
        let answered = if kind == payload::CSAT {
            s.csat.is_some()
        } else {
            s.nps.is_some()
        };
        if answered {
            say(w, &locale, "survey.already_answered", Some(id));
            return Ok(());
        }
        let next = if kind == payload::CSAT {
            s.csat = Some(score);
            s.answered_at = Some(now);
            if cfg.nps {
                Some("survey.nps_question")
            } else if cfg.comment {
                Some("survey.comment_invite")
            } else {
                None
            }
        } else if s.csat.is_none() {
            // NPS before CSAT: a forged press; the NPS question is only asked after CSAT.
            say(w, &locale, "desk.stale_button", Some(id));
            return Ok(());
        } else {
            s.nps = Some(score);
            cfg.comment.then_some("survey.comment_invite")
        };
        if next == Some("survey.comment_invite") {
            s.awaiting_comment = true;
        }
        w.event(id, &format!("{kind}_answered"), None, score.to_string());
        match next {
            Some("survey.nps_question") => {
                let buttons = (0..=10)
                    .map(|n| Button {
                        label: n.to_string(),
                        payload: format!("{}:{id}:{n}", payload::NPS),
                    })
                    .collect();
                let text = self.text(&locale, "survey.nps_question", &[]);
                w.send(
                    Destination::Customer { chat: chat.clone() },
                    text,
                    buttons,
                    Some(id),
                );
            }
            Some(key) => say(w, &locale, key, Some(id)),
            None => say(w, &locale, "survey.thanks", Some(id)),
        }
        if kind == payload::CSAT && score <= 2 {
            self.low_score(w, id, score, &name)?;
        }
        Ok(())
    }

    /// Service recovery: a CSAT of 1 or 2 alerts the staff space (and reopens the ticket
    /// when configured).
    fn low_score(
        &self,
        w: &mut Work<'_>,
        id: TicketId,
        score: u8,
        name: &str,
    ) -> Result<(), StoreError> {
        let alert = self.staff(
            "staff.survey_low",
            &[
                ("ticket", &id.to_string()),
                ("score", &score.to_string()),
                ("name", name),
            ],
        );
        w.send(Destination::StaffSpace, alert, vec![], Some(id));
        if !self.cfg.survey.reopen_on_low_score {
            return Ok(());
        }
        let Some(t) = w.ticket(id)? else {
            return Ok(());
        };
        // Already open again (the customer wrote since): the alert is enough.
        if t.status != TicketStatus::Resolved {
            return Ok(());
        }
        if let Some(s) = t.survey.as_mut() {
            // The ticket is open again: its next messages are the conversation's.
            s.awaiting_comment = false;
        }
        t.status = TicketStatus::Queued;
        t.assignee = None;
        t.reopened += 1;
        t.resolution = None;
        w.event(id, "reopened", None, format!("satisfaction {score}"));
        let note = self.staff("staff.survey_reopened", &[("ticket", &id.to_string())]);
        self.hand_off(w, id, &note, false)
    }

    /// A customer's message after the comment invitation: kept with the survey (not as a
    /// message of the ticket), passed on to the staff when the score was low. Returns
    /// whether it was taken as the comment.
    fn survey_comment(
        &self,
        w: &mut Work<'_>,
        id: TicketId,
        text: &str,
    ) -> Result<bool, StoreError> {
        let (now, expiry) = (w.now, self.cfg.survey.expiry);
        let Some(t) = w.ticket(id)? else {
            return Ok(false);
        };
        let Some(s) = t.survey.as_mut() else {
            return Ok(false);
        };
        // Only a message soon after the invitation is the comment; later ones are new
        // requests (and the invitation lapses).
        let invited = s.answered_at.unwrap_or(s.sent_at);
        if !s.awaiting_comment
            || now.since(s.sent_at) > expiry
            || now.since(invited) > COMMENT_WINDOW
        {
            s.awaiting_comment = false;
            return Ok(false);
        }
        s.awaiting_comment = false;
        s.comment = Some(text.to_string());
        let low = s.csat.is_some_and(|c| c <= 2);
        let (locale, chat, name) = (t.locale.clone(), t.chat.clone(), t.customer_name.clone());
        w.touch(id);
        w.event(id, "survey_comment", None, String::new());
        let thanks = self.text(&locale, "survey.thanks_comment", &[]);
        w.send(Destination::Customer { chat }, thanks, vec![], Some(id));
        if low {
            let text = self.staff(
                "staff.survey_comment",
                &[
                    ("ticket", &id.to_string()),
                    ("name", &name),
                    ("comment", text),
                ],
            );
            w.send(Destination::StaffSpace, text, vec![], Some(id));
        }
        Ok(true)
    }

    fn release(&self, w: &mut Work<'_>, id: TicketId, agent: &Agent) -> Result<(), StoreError> {
        let Some(t) = w.ticket(id)? else {
            return Ok(());
        };
        match (&t.status, &t.assignee) {
            (TicketStatus::Claimed, Some(owner)) if owner.id == agent.id => {
                t.status = TicketStatus::Queued;
                t.assignee = None;
                w.event(id, "released", Some(&agent.name), String::new());
                let text = self.staff(
                    "staff.released",
                    &[("agent", &agent.name), ("ticket", &id.to_string())],
                );
                w.send(
                    Destination::Ticket { ticket: id },
                    text,
                    vec![button(
                        self.staff("staff.button_claim", &[]),
                        payload::CLAIM,
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

    fn set_priority(
        &self,
        w: &mut Work<'_>,
        id: TicketId,
        agent: &Agent,
        arg: &str,
    ) -> Result<(), StoreError> {
        if arg.is_empty() {
            return self.missing(
                w,
                id,
                "/priority",
                "low, normal, high or urgent",
                "/priority high",
            );
        }
        let Ok(p) = arg.parse::<Priority>() else {
            self.tell(w, Some(id), "staff.unknown_priority", &[("priority", arg)]);
            return Ok(());
        };
        if !self.owner_check(w, id, agent)? {
            return Ok(());
        }
        let Some(t) = w.ticket(id)? else {
            return Ok(());
        };
        let from = t.priority;
        t.priority = p;
        self.changed(
            w,
            id,
            agent,
            "priority",
            "staff.priority_changed",
            from.as_str(),
            p.as_str(),
        );
        Ok(())
    }

    fn set_category(
        &self,
        w: &mut Work<'_>,
        rules: &Engine,
        id: TicketId,
        agent: &Agent,
        arg: &str,
    ) -> Result<(), StoreError> {
        let names: Vec<&str> = rules.categories().iter().map(|(c, _)| c.as_str()).collect();
        if arg.is_empty() {
            let example = format!("/category {}", names.first().copied().unwrap_or("general"));
            return self.missing(w, id, "/category", &names.join(", "), &example);
        }
        let Some(c) = names
            .iter()
            .find(|n| n.eq_ignore_ascii_case(arg))
            .and_then(|n| Category::new(*n).ok())
        else {
            self.tell(
                w,
                Some(id),
                "staff.unknown_category",
                &[("category", arg), ("categories", &names.join(", "))],
            );
            return Ok(());
        };
        if !self.owner_check(w, id, agent)? {
            return Ok(());
        }
        let Some(t) = w.ticket(id)? else {
            return Ok(());
        };
        let from = t.category.clone();
        t.category = c.clone();
        // The recategorisation is recorded: reports count it against the rules that fired.
        self.changed(
            w,
            id,
            agent,
            "category",
            "staff.category_changed",
            from.as_str(),
            c.as_str(),
        );
        Ok(())
    }

    fn transfer(
        &self,
        w: &mut Work<'_>,
        id: TicketId,
        agent: &Agent,
        name: &str,
    ) -> Result<(), StoreError> {
        if name.is_empty() {
            return self.missing(w, id, "/transfer", "an agent's name", "/transfer bob");
        }
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
        if !self.owner_check(w, id, agent)? {
            return Ok(());
        }
        let Some(t) = w.ticket(id)? else {
            return Ok(());
        };
        t.status = TicketStatus::Claimed;
        t.assignee = Some(target.clone());
        w.event(
            id,
            "transferred",
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
}
