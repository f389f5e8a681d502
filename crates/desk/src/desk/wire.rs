//! The names the desk writes where other programs and later builds read them, as types.
//!
//! Parts: button payloads ([`Action`], [`Question`], read back by [`Payload`]), which are
//! stored in outbox entries and sent to the platforms; the SLA clocks ([`Clock`]), whose
//! names are stored in `Sla::warned`, `Sla::breached` and event details; and why a ticket
//! went to a person ([`Escalation`]), the detail of its `handed_off` event. Each has
//! `as_str` (the wire string, never to change: stored data and buttons already sent carry
//! it) and `parse`. A payload is short (Telegram allows 64 bytes) and only a request, never
//! a permission: every press is checked again.

use switchboard_domain::TicketId;

/// What a button asks for on a ticket: `claim:T-5`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Action {
    /// The customer: the automatic answer solved it.
    Yes,
    /// The customer: it did not, a person please.
    No,
    /// An agent takes the ticket.
    Claim,
    /// An agent closes the ticket.
    Close,
}

impl Action {
    const ALL: [Action; 4] = [Action::Yes, Action::No, Action::Claim, Action::Close];

    /// The payload's first part.
    pub(super) fn as_str(self) -> &'static str {
        match self {
            Action::Yes => "yes",
            Action::No => "no",
            Action::Claim => "claim",
            Action::Close => "close",
        }
    }

    /// The action a payload's first part names.
    pub(super) fn parse(word: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.as_str() == word)
    }

    /// Whether only staff may press it.
    pub(super) fn is_staff(self) -> bool {
        matches!(self, Action::Claim | Action::Close)
    }

    /// The payload of this action's button on `ticket`.
    pub(super) fn payload(self, ticket: TicketId) -> String {
        format!("{}:{ticket}", self.as_str())
    }
}

/// A survey question whose buttons carry the answer: `csat:T-5:4`, `nps:T-5:9`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Question {
    /// Customer satisfaction, 1 to 5.
    Csat,
    /// Net promoter score, 0 to 10.
    Nps,
}

impl Question {
    /// The payload's first part.
    pub(super) fn as_str(self) -> &'static str {
        match self {
            Question::Csat => "csat",
            Question::Nps => "nps",
        }
    }

    /// The question a payload's first part names.
    pub(super) fn parse(word: &str) -> Option<Question> {
        [Question::Csat, Question::Nps]
            .into_iter()
            .find(|q| q.as_str() == word)
    }

    /// The answers a button may carry.
    pub(super) fn scores(self) -> std::ops::RangeInclusive<u8> {
        match self {
            Question::Csat => 1..=5,
            Question::Nps => 0..=10,
        }
    }

    /// The payload of the button answering `score` on `ticket`.
    pub(super) fn payload(self, ticket: TicketId, score: u8) -> String {
        format!("{}:{ticket}:{score}", self.as_str())
    }
}

/// A customer's button press, read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Payload {
    /// A survey answer; `None` when the rest does not read as `T-5:4` (the score is not
    /// range-checked here: that is the question's rule, applied with the answer).
    Survey(Question, Option<(TicketId, u8)>),
    /// `<word>:<ticket>`; the word is `None` when it names no [`Action`].
    Ticket(Option<Action>, TicketId),
    /// Anything else.
    Unknown,
}

impl Payload {
    /// Reads a customer's press: survey answers first, then `<action>:<ticket>`.
    pub(super) fn parse(p: &str) -> Payload {
        if let Some((word, rest)) = p.split_once(':')
            && let Some(q) = Question::parse(word)
        {
            let answer = rest
                .split_once(':')
                .and_then(|(t, n)| Some((t.parse::<TicketId>().ok()?, n.parse::<u8>().ok()?)));
            return Payload::Survey(q, answer);
        }
        match Payload::ticket(p) {
            Some((action, id)) => Payload::Ticket(action, id),
            None => Payload::Unknown,
        }
    }

    /// Reads `<word>:<ticket>` only, as the staff space does (staff buttons carry no
    /// survey answers: there a survey's word is a word like any other).
    pub(super) fn ticket(p: &str) -> Option<(Option<Action>, TicketId)> {
        let (word, t) = p.split_once(':')?;
        Some((Action::parse(word), t.parse::<TicketId>().ok()?))
    }
}

/// An SLA clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Clock {
    /// Business time from the handoff to the first agent message.
    FirstResponse,
    /// Business time to resolution, paused while the ticket waits on the customer.
    Resolution,
}

impl Clock {
    /// The stored name.
    pub(super) fn as_str(self) -> &'static str {
        match self {
            Clock::FirstResponse => "first_response",
            Clock::Resolution => "resolution",
        }
    }

    /// The clock a stored name names.
    pub(super) fn parse(name: &str) -> Option<Clock> {
        [Clock::FirstResponse, Clock::Resolution]
            .into_iter()
            .find(|c| c.as_str() == name)
    }

    /// Whether a stored list of clock names (`Sla::warned`, `Sla::breached`) holds it.
    pub(super) fn is_in(self, list: &[String]) -> bool {
        list.iter().any(|c| Clock::parse(c) == Some(self))
    }

    /// The staff prompt that names it in sentences.
    pub(super) fn prompt(self) -> &'static str {
        match self {
            Clock::FirstResponse => "staff.clock_first_response",
            Clock::Resolution => "staff.clock_resolution",
        }
    }
}

/// Why a ticket went to a person: the detail of its `handed_off` event, so that the trail
/// (and anything reading it, `switchboard tickets`, reports) says the reason in a stable
/// word, while the card says it in the staff's words ([`Escalation::prompt`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Escalation {
    /// The customer asked for a person (triage's `human` signal), at first or later.
    AskedForPerson,
    /// A rule with `escalate = true` fired on the customer's message.
    EscalatingRule,
    /// The customer pressed "No" on "Did this solve it?".
    SaidNo,
    /// The customer's reply to the automatic answer says it did not help ("no", "didn't
    /// help", "没用", or the negative / anger signal).
    NegativeReply,
    /// The customer wrote something else while asked whether the answer helped: a person
    /// reads it rather than the customer waiting for the timeout.
    NewDetail,
    /// No answer to "Did this solve it?" within the self-service timeout.
    NoAnswer,
}

impl Escalation {
    /// The stored word (the `handed_off` event's detail).
    pub(super) fn as_str(self) -> &'static str {
        match self {
            Escalation::AskedForPerson => "asked_for_person",
            Escalation::EscalatingRule => "escalating_rule",
            Escalation::SaidNo => "said_no",
            Escalation::NegativeReply => "negative_reply",
            Escalation::NewDetail => "new_detail",
            Escalation::NoAnswer => "no_answer",
        }
    }

    /// The staff prompt that says it on the card.
    pub(super) fn prompt(self) -> &'static str {
        match self {
            Escalation::AskedForPerson => "staff.customer_asked_human",
            Escalation::EscalatingRule => "staff.escalating_rule",
            Escalation::SaidNo => "staff.customer_said_no",
            Escalation::NegativeReply => "staff.customer_negative_reply",
            Escalation::NewDetail => "staff.customer_new_detail",
            Escalation::NoAnswer => "staff.self_service_timeout",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_strings_are_unchanged() {
        let t = TicketId(5);
        let words: Vec<String> = Action::ALL.iter().map(|a| a.payload(t)).collect();
        assert_eq!(words, ["yes:T-5", "no:T-5", "claim:T-5", "close:T-5"]);
        assert_eq!(Question::Csat.payload(t, 4), "csat:T-5:4");
        assert_eq!(Question::Nps.payload(t, 9), "nps:T-5:9");
        assert_eq!(Clock::FirstResponse.as_str(), "first_response");
        assert_eq!(Clock::Resolution.as_str(), "resolution");
        for a in Action::ALL {
            assert_eq!(Action::parse(a.as_str()), Some(a));
        }
        for c in [Clock::FirstResponse, Clock::Resolution] {
            assert_eq!(Clock::parse(c.as_str()), Some(c));
            assert_eq!(c.prompt(), format!("staff.clock_{}", c.as_str()));
        }
        let all = [
            Escalation::AskedForPerson,
            Escalation::EscalatingRule,
            Escalation::SaidNo,
            Escalation::NegativeReply,
            Escalation::NewDetail,
            Escalation::NoAnswer,
        ];
        let words: Vec<&str> = all.iter().map(|e| e.as_str()).collect();
        assert_eq!(
            words,
            [
                "asked_for_person",
                "escalating_rule",
                "said_no",
                "negative_reply",
                "new_detail",
                "no_answer"
            ]
        );
        for e in all {
            assert!(e.prompt().starts_with("staff."), "{e:?}");
        }
    }

    #[test]
    fn payloads_read_as_before() {
        let t = TicketId(5);
        assert_eq!(
            Payload::parse("csat:T-5:4"),
            Payload::Survey(Question::Csat, Some((t, 4)))
        );
        assert_eq!(
            Payload::parse("nps:T-5"),
            Payload::Survey(Question::Nps, None)
        );
        assert_eq!(
            Payload::parse("csat:T-5:4:1"),
            Payload::Survey(Question::Csat, None)
        );
        assert_eq!(
            Payload::parse("yes:T-5"),
            Payload::Ticket(Some(Action::Yes), t)
        );
        assert_eq!(Payload::parse("maybe:T-5"), Payload::Ticket(None, t));
        assert_eq!(Payload::parse("csat"), Payload::Unknown);
        assert_eq!(Payload::parse("yes:nope"), Payload::Unknown);
        // The staff space reads a survey word as any other.
        assert_eq!(Payload::ticket("csat:T-5"), Some((None, t)));
        assert_eq!(Payload::ticket("csat:T-5:4"), None);
        assert_eq!(Payload::ticket("claim:T-5"), Some((Some(Action::Claim), t)));
    }
}
