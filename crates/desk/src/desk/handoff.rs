//! Handoff and reopen: a ticket goes to the team (`Queued`, its card with Claim and Close
//! buttons in the staff space, the SLA clocks started, automatic assignment tried), and a
//! resolved ticket written to again within the reopen window comes back the same way.

use switchboard_domain::{Author, Destination, EventKind, TicketId, TicketStatus};

use super::Desk;
use super::wire::Action;
use super::work::{Work, button};
use crate::store::StoreError;

impl Desk {
    /// Hands a ticket to the team: `Queued`, and the card in the staff space. With `tell`,
    /// the customer is told (a new ticket's acknowledgement already says it).
    pub(super) fn hand_off(
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
        w.event(id, EventKind::HandedOff, None, why.to_string());
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
        self.hand_off(w, id, &note, false)
    }
}
