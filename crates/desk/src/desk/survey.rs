//! The satisfaction survey after resolution: the CSAT question (at once or after a delay),
//! one reminder, the optional NPS question and comment, and service recovery on a low score
//! (an alert, and the ticket reopened when configured). One survey per ticket, kept on the
//! ticket rather than in its conversation.

use switchboard_domain::{
    Button, ChatId, Destination, EventKind, Millis, Sender, Survey, TicketId, TicketStatus,
};

use super::Desk;
use super::wire::Question;
use super::work::Work;
use crate::store::{Job, JobKind, StoreError};

/// How long after the survey's question was answered the customer's next message counts as
/// their comment; later it is a message like any other.
const COMMENT_WINDOW: Millis = Millis(60 * 60 * 1000);

impl Desk {
    /// Sets the survey of a just-resolved ticket going: at once, or as a job after the
    /// configured delay. One survey per ticket.
    pub(super) fn schedule_survey(&self, w: &mut Work<'_>, id: TicketId) -> Result<(), StoreError> {
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

    /// The five CSAT buttons of a question or reminder.
    fn csat_buttons(&self, locale: &str, id: TicketId) -> Vec<Button> {
        (1..=5)
            .map(|n| Button {
                label: self.text(locale, &format!("survey.csat_{n}"), &[]),
                payload: Question::Csat.payload(id, n),
            })
            .collect()
    }

    /// Asks the CSAT question.
    pub(super) fn send_survey(&self, w: &mut Work<'_>, id: TicketId) -> Result<(), StoreError> {
        let now = w.now;
        let Some(t) = w.ticket(id)? else {
            return Ok(());
        };
        t.survey = Some(Survey {
            sent_at: now,
            ..Survey::default()
        });
        let (locale, chat) = (t.locale.clone(), t.chat.clone());
        w.event(id, EventKind::SurveySent, None, String::new());
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
    pub(super) fn remind_survey(&self, w: &mut Work<'_>, id: TicketId) -> Result<(), StoreError> {
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

    /// A press on a survey button: the answer to `question`, `None` when the payload did not
    /// read as one.
    pub(super) fn survey_press(
        &self,
        w: &mut Work<'_>,
        from: &Sender,
        chat: &ChatId,
        question: Question,
        answer: Option<(TicketId, u8)>,
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
        let Some((id, score)) = answer.filter(|(_, n)| question.scores().contains(n)) else {
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
        let answered = if question == Question::Csat {
            s.csat.is_some()
        } else {
            s.nps.is_some()
        };
        if answered {
            say(w, &locale, "survey.already_answered", Some(id));
            return Ok(());
        }
        let next = if question == Question::Csat {
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
        let kind = match question {
            Question::Csat => EventKind::CsatAnswered,
            Question::Nps => EventKind::NpsAnswered,
        };
        w.event(id, kind, None, score.to_string());
        match next {
            Some("survey.nps_question") => {
                let buttons = (0..=10)
                    .map(|n| Button {
                        label: n.to_string(),
                        payload: Question::Nps.payload(id, n),
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
        if question == Question::Csat && score <= 2 {
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
        w.event(
            id,
            EventKind::Reopened,
            None,
            format!("satisfaction {score}"),
        );
        let note = self.staff("staff.survey_reopened", &[("ticket", &id.to_string())]);
        self.hand_off(w, id, &note, &note, false)
    }

    /// A customer's message after the comment invitation: kept with the survey (not as a
    /// message of the ticket), passed on to the staff when the score was low. Returns
    /// whether it was taken as the comment.
    pub(super) fn survey_comment(
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
        w.event(id, EventKind::SurveyComment, None, String::new());
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
}
