//! Handoff and reopen: a ticket goes to the team (`Queued`, its card with Claim and Close
//! buttons in the staff space, the SLA clocks started, automatic assignment tried), for a
//! reason the card says in words and the `handed_off` event in a stable word
//! ([`Escalation`]); and a resolved ticket written to again within the reopen window comes
//! back the same way.

use switchboard_domain::{Author, Destination, EventKind, TicketId, TicketStatus};

use super::Desk;
use super::wire::{Action, Escalation};
use super::work::{Work, button};
use crate::store::StoreError;

impl Desk {
    /// Hands a ticket to the team for `reason`: the card opens with the reason in the
    /// staff's words, and the `handed_off` event's detail is the reason's stored word, so
    /// that the trail says why. `rules` are the rules that fired on the message that
    /// escalated (named for [`Escalation::EscalatingRule`]). With `tell`, the customer is
    /// told, in the same words as after the "No" button.
    pub(super) fn escalate(
        &self,
        w: &mut Work<'_>,
        id: TicketId,
        reason: Escalation,
        rules: &[String],
        tell: bool,
    ) -> Result<(), StoreError> {
        let duration = self.duration(&self.cfg.staff_locale, self.cfg.self_service_timeout);
        let none = self.staff("staff.none", &[]);
        let rules = if rules.is_empty() {
            none
        } else {
            rules.join(", ")
        };
        // Each reason's sentence uses the arguments it names; the others are ignored.
        let note = self.staff(
            reason.prompt(),
            &[("duration", &duration), ("rules", &rules)],
        );
        self.hand_off(w, id, reason.as_str(), &note, tell)
    }

    /// Hands a ticket to the team: `Queued`, and the card in the staff space, opening with
    /// `note` when there is one; `detail` goes on the `handed_off` event. With `tell`, the
    /// customer is told (a new ticket's acknowledgement already says it).
    pub(super) fn hand_off(
        &self,
        w: &mut Work<'_>,
        id: TicketId,
        detail: &str,
        note: &str,
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
        w.event(id, EventKind::HandedOff, None, detail.to_string());
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
        if !note.is_empty() {
            text = format!("{note}\n{text}");
        }
        w.send(
            Destination::Ticket { ticket: id },
            text,
            vec![
                button(self.staff("staff.button_claim", &[]), Action::Claim, id),
                button(self.staff("staff.button_close", &[]), Action::Close, id),
            ],
            Some(id),
        );
        self.auto_assign(w, id, None)?;
        Ok(())
    }

    /// A customer's message within the reopen window: the resolved ticket is open again
    /// and back with the team.
    pub(super) fn reopen(
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
        w.event(id, EventKind::Reopened, None, String::new());
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
        self.hand_off(w, id, &note, &note, false)
    }
}
