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
//!   `self_service_timeout` hands it to the team. So does text instead of a press: a
//!   request for a person, a negative reply or new detail hands it over at once (the card
//!   says why); a reply that clearly says it is solved resolves it; a bare "thanks" or
//!   "ok" asks the question again.
//! - An agent claims it (first claim wins: events are handled one at a time and every write
//!   is checked against the ticket's version), writes to the customer through the bot, adds
//!   notes, changes priority or category, releases, transfers, and closes (`Resolved`).
//! - A message within `reopen_window` after resolution reopens it; later, it opens a new
//!   ticket that names the old one.
//!
//! The desk by concern, one file each (handlers import only from the files below them:
//! `work`, `wire`, `command`, `reply`; they call each other's `Desk` methods, never their
//! items):
//! - this file: [`Desk`], [`Event`] and [`Desk::handle`], which routes an event to its
//!   handler; the prompt helpers every handler uses.
//! - `work`: the accumulator of one event (`Work`), text cleaning, buttons.
//! - `wire`: button payloads, SLA clock names and handoff reasons, as types with their
//!   stored strings.
//! - `command`: staff text parsed into a typed `Command` (parse, then apply).
//! - `customer`: customer text (open, join, `/start`, `/ticket`) and self-service: the
//!   buttons, and text sent instead of a press.
//! - `reply`: how text sent instead of a press is read (`[replies]` word lists, triage's
//!   verdict on it).
//! - `handoff`: handing a ticket to the team for a reason, and reopening it.
//! - `staff`: staff text, commands and buttons: claim, relay, notes, close, release,
//!   priority, category, transfer, the queue.
//! - `assign`: automatic assignment and agents' presence (`/away`, `/back`).
//! - `sla`: the service-level clocks: start, pause, schedule, warn, breach.
//! - `survey`: the satisfaction survey after resolution.
//! - `words`: what the desk puts together in words: durations, due times, the agents' card.

mod assign;
mod command;
mod customer;
mod handoff;
mod reply;
mod sla;
mod staff;
mod survey;
mod wire;
mod words;
mod work;

use switchboard_domain::{Inbound, PartyId, Place, Sender, TicketStatus, Tier, Timestamp, What};
use switchboard_triage::Engine;
use switchboard_triage::normalize::guess_language;

use self::reply::Replies;
use self::wire::Escalation;
use self::work::Work;
use crate::calendar::Calendar;
use crate::config::DeskConfig;
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
    /// How customers' replies to "Did this solve it?" are read (`[replies]` of prompts).
    replies: Replies,
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
        let replies = Replies::new(&prompts);
        Desk {
            cfg,
            default_locale: default_locale.into(),
            prompts,
            calendar,
            replies,
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
                // A name is shown on cards and in messages: one line, capped, whatever the
                // platform allowed (a line break in a name could forge a card line).
                let cleaned;
                let inb = match switchboard_domain::display_name(&inb.from.name) {
                    std::borrow::Cow::Borrowed(_) => inb,
                    std::borrow::Cow::Owned(name) => {
                        let mut c = inb.clone();
                        c.from.name = name;
                        cleaned = c;
                        &cleaned
                    }
                };
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
                        // goes to the team; any other state means the job has no reason left
                        // (a Yes or No, a reply that closed it or handed it over): it is
                        // never cancelled, only found to be moot.
                        if w.ticket(*ticket)?
                            .is_some_and(|t| t.status == TicketStatus::SelfService)
                        {
                            self.escalate(&mut w, *ticket, Escalation::NoAnswer, &[], true)?;
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

    /// The sentence `key` in `locale`.
    fn text(&self, locale: &str, key: &str, args: &[(&str, &str)]) -> String {
        self.prompts.get(locale, key, args)
    }

    /// The sentence `key` in the staff space's language.
    fn staff(&self, key: &str, args: &[(&str, &str)]) -> String {
        self.prompts.get(&self.cfg.staff_locale, key, args)
    }

    /// The locale a customer is answered in: the platform's, else guessed from the text,
    /// else the default.
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

    /// The tier config gives a customer.
    fn tier_of(&self, id: &PartyId) -> Option<Tier> {
        self.cfg
            .tiers
            .get(&id.to_string())
            .and_then(|t| t.parse().ok())
    }
}
