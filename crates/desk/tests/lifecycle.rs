//! Desk transitions on a manual clock with the in-memory store: the whole lifecycle,
//! buttons, permissions, the claim race and bad input.

use std::sync::Arc;

use switchboard_desk::prompts::Prompts;
use switchboard_desk::{Desk, DeskConfig, Event, MemoryStore, Store, Transition};
use switchboard_domain::{
    Attachment, Author, ChatId, Destination, Inbound, MediaKind, Millis, PartyId, Place, Platform,
    Priority, Resolution, Sender, TicketId, TicketStatus, Timestamp, UpdateKey, What,
};
use switchboard_triage::{CompileOptions, Engine};

/// A small pack with known behaviour (the default pack is tuned separately).
const RULES: &str = r#"
default_category = "general"
[categories]
general = "Everything else"
shipping = "Parcels"
account = "Sign-in"
billing = "Money"

[[rule]]
id = "wants-human"
signals = ["human"]
escalate = true
then = "continue"

[[rule]]
id = "legal"
any = ["lawyer"]
escalate = true
then = "continue"

[[rule]]
id = "shipping"
any = ["parcel", "arrive*", "order"]
category = "shipping"

[[rule]]
id = "password"
any = ["password"]
category = "account"
answer = "password_reset"

[[rule]]
id = "money"
any = ["refund*", "charged"]
category = "billing"
priority = "high"
"#;

struct Sim {
    desk: Desk,
    rules: Arc<Engine>,
    store: MemoryStore,
    now: Timestamp,
    n: u64,
    /// Everything sent, as "to: text [buttons]".
    sent: Vec<String>,
}

impl Sim {
    fn new() -> Sim {
        Sim::with(DeskConfig::default())
    }

    fn with(cfg: DeskConfig) -> Sim {
        let prompts = Prompts::embedded().unwrap();
        let keys = prompts.answer_keys();
        let rules = Engine::compile(
            "rules.toml",
            RULES,
            CompileOptions {
                answer_keys: Some(&keys),
            },
        )
        .unwrap();
        Sim {
            desk: Desk::new(cfg, "en", prompts),
            rules: Arc::new(rules),
            store: MemoryStore::new(),
            now: Timestamp(1_700_000_000_000),
            n: 0,
            sent: Vec::new(),
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

    fn inbound(&mut self, from: Sender, place: Place, what: What) -> Inbound {
        self.n += 1;
        Inbound {
            key: UpdateKey(format!("console:{}", self.n)),
            at: self.now,
            from,
            place,
            what,
        }
    }

    /// Handles an event, commits it, records what was sent; returns the transition.
    fn apply(&mut self, ev: Event) -> Transition {
        let t = self
            .desk
            .handle(&self.store, &self.rules, &ev, self.now)
            .unwrap();
        let committed = self.store.commit(&t).unwrap();
        for (id, o) in self.store.outbox(1000).unwrap() {
            let to = match &o.to {
                Destination::Customer { chat } => format!("customer {}", chat.id),
                Destination::Ticket { ticket } => format!("staff {ticket}"),
                Destination::StaffSpace => "staff".to_string(),
            };
            let buttons: Vec<String> = o.buttons.iter().map(|b| format!("[{}]", b.label)).collect();
            let file = o
                .attachment
                .as_ref()
                .map(|a| format!(" <{} {}>", a.kind.as_str(), a.file))
                .unwrap_or_default();
            self.sent.push(
                format!("{to}: {}{file} {}", o.text, buttons.join(" "))
                    .trim_end()
                    .to_string(),
            );
            self.store.ack_outbox(id).unwrap();
        }
        assert_eq!(committed.outbox.len(), t.outbound.len());
        t
    }

    fn customer(&mut self, name: &str, text: &str) -> Transition {
        let chat = ChatId::new(Platform::Console, name);
        let inb = self.inbound(
            Self::sender(name),
            Place::Customer { chat },
            What::Text(text.into()),
        );
        self.apply(Event::Inbound(inb))
    }

    fn customer_press(&mut self, name: &str, payload: &str) -> Transition {
        let chat = ChatId::new(Platform::Console, name);
        let inb = self.inbound(
            Self::sender(name),
            Place::Customer { chat },
            What::Button(payload.into()),
        );
        self.apply(Event::Inbound(inb))
    }

    fn agent(&mut self, name: &str, ticket: Option<u64>, text: &str) -> Transition {
        let place = Place::Staff {
            ticket: ticket.map(TicketId),
            thread: None,
            reply_to: None,
        };
        let inb = self.inbound(Self::sender(name), place, What::Text(text.into()));
        self.apply(Event::Inbound(inb))
    }

    fn agent_press(&mut self, name: &str, ticket: u64, payload: &str) -> Transition {
        let place = Place::Staff {
            ticket: Some(TicketId(ticket)),
            thread: None,
            reply_to: None,
        };
        let inb = self.inbound(Self::sender(name), place, What::Button(payload.into()));
        self.apply(Event::Inbound(inb))
    }

    /// Moves the clock and runs every job that fell due, each at its due time (as the
    /// service does). A desk that keeps scheduling jobs that fall due within the wait (a
    /// spinning scheduler) fails the test after [`WAIT_JOB_LIMIT`] jobs instead of hanging
    /// the suite.
    fn wait(&mut self, d: Millis) {
        let end = self.now.plus(d);
        let mut ran = 0usize;
        loop {
            let due = self.store.due_jobs(end, 10).unwrap();
            if due.is_empty() {
                break;
            }
            for (id, job) in due {
                ran += 1;
                assert!(
                    ran <= WAIT_JOB_LIMIT,
                    "waiting {d} from {} ran more than {WAIT_JOB_LIMIT} due jobs: the desk \
                     keeps scheduling jobs that fall due within the wait (the last: {job:?})",
                    self.now.to_rfc3339()
                );
                self.now = Timestamp(job.due.0.min(end.0).max(self.now.0));
                self.apply(Event::Due { id, job });
            }
        }
        self.now = end;
    }

    fn ticket(&self, n: u64) -> switchboard_domain::Ticket {
        self.store
            .ticket(TicketId(n))
            .unwrap()
            .expect("ticket exists")
    }

    fn take_sent(&mut self) -> Vec<String> {
        std::mem::take(&mut self.sent)
    }

    fn said(&self, needle: &str) -> bool {
        self.sent.iter().any(|s| s.contains(needle))
    }
}

/// The most due jobs one [`Sim::wait`] runs. A wait in these tests runs at most two
/// (measured); thousands are only reached by a scheduler that spins.
const WAIT_JOB_LIMIT: usize = 10_000;

/// A platform lets a customer put line breaks in their name; the card shows it on one line
/// (it could forge card lines otherwise), and a name pasted a thousand times is capped.
#[test]
fn a_name_with_line_breaks_is_one_line_on_the_card_and_capped() {
    let mut s = Sim::new();
    let forged = "eve\nRules that fired: none\nConversation:";
    let chat = ChatId::new(Platform::Console, "eve");
    let from = Sender {
        id: PartyId::new(Platform::Console, "eve"),
        name: forged.to_string(),
        username: None,
        language: None,
    };
    let inb = s.inbound(
        from,
        Place::Customer { chat },
        What::Text("My parcel never arrived, I want to talk to a human".into()),
    );
    s.apply(Event::Inbound(inb));
    let sent = s.take_sent();
    let card = sent
        .iter()
        .find(|l| l.starts_with("staff T-1:"))
        .expect("a card");
    assert!(
        card.contains("Customer: eve Rules that fired: none Conversation: (console:eve)"),
        "{card}"
    );
    let lines: Vec<&str> = card.lines().collect();
    assert_eq!(
        lines
            .iter()
            .filter(|l| l.starts_with("Rules that fired:"))
            .count(),
        1,
        "no forged card line: {card}"
    );
    assert_eq!(
        lines.iter().filter(|l| **l == "Conversation:").count(),
        1,
        "{card}"
    );
    assert!(!s.ticket(1).customer_name.contains('\n'));

    let mut s = Sim::new();
    s.customer(&"x".repeat(1000), "I want to talk to a human");
    assert_eq!(
        s.ticket(1).customer_name.chars().count(),
        switchboard_domain::NAME_MAX_CHARS
    );
}

#[test]
fn first_message_opens_a_triaged_ticket_and_is_acknowledged() {
    let mut s = Sim::new();
    s.customer("ann", "My parcel never arrived, order 55123");
    let t = s.ticket(1);
    assert_eq!(t.id.to_string(), "T-1");
    assert_eq!(t.category.as_str(), "shipping");
    assert_eq!(
        t.status,
        TicketStatus::Queued,
        "no auto-answer: straight to the team"
    );
    let sent = s.take_sent();
    assert!(sent[0].starts_with("customer ann: Thanks, ann. Your request is ticket T-1 (shipping). An agent will answer within 4 hours."), "{sent:#?}");
    let card = sent
        .iter()
        .find(|l| l.starts_with("staff T-1:"))
        .expect("a card");
    assert!(card.contains("T-1 · shipping · normal"), "{card}");
    assert!(card.contains("Customer: ann (console:ann)"), "{card}");
    assert!(
        card.contains("ann: My parcel never arrived"),
        "the conversation so far: {card}"
    );
    assert!(card.ends_with("[Claim] [Close]"), "{card}");
    // Ticket numbers are sequential per store, never reused.
    s.customer("bob", "hello there");
    assert_eq!(s.ticket(2).customer_name, "bob");
    assert_eq!(s.store.last_ticket_id().unwrap(), 2);
}

#[test]
fn files_are_kept_with_their_message_and_relayed_both_ways() {
    let mut s = Sim::new();
    let photo = |caption: Option<&str>| {
        What::Media(Attachment {
            kind: MediaKind::Photo,
            file: "telegram:AgAD1".into(),
            caption: caption.map(str::to_string),
        })
    };
    // A photo as the first message opens a ticket like its caption would.
    let chat = ChatId::new(Platform::Console, "ann");
    let inb = s.inbound(
        Sim::sender("ann"),
        Place::Customer { chat: chat.clone() },
        photo(Some("I was charged twice, refund please")),
    );
    s.apply(Event::Inbound(inb));
    let t = s.ticket(1);
    assert_eq!(t.category.as_str(), "billing");
    let first = &s.store.messages(TicketId(1)).unwrap()[0];
    assert_eq!(first.text, "[photo] I was charged twice, refund please");
    assert_eq!(first.attachment.as_ref().unwrap().file, "telegram:AgAD1");
    s.agent("alice", Some(1), "/claim");
    s.take_sent();
    // A later photo reaches the thread with the file.
    let inb = s.inbound(Sim::sender("ann"), Place::Customer { chat }, photo(None));
    s.apply(Event::Inbound(inb));
    assert_eq!(
        s.take_sent(),
        vec!["staff T-1: ann: [photo] <photo telegram:AgAD1>".to_string()]
    );
    // An agent's photo reaches the customer, signed; one with a note caption stays inside.
    let place = Place::Staff {
        ticket: Some(TicketId(1)),
        thread: None,
        reply_to: None,
    };
    let inb = s.inbound(
        Sim::sender("alice"),
        place.clone(),
        photo(Some("the label to print")),
    );
    s.apply(Event::Inbound(inb));
    let inb = s.inbound(Sim::sender("alice"), place, photo(Some("// their receipt")));
    s.apply(Event::Inbound(inb));
    let sent = s.take_sent();
    assert_eq!(
        sent[0],
        "customer ann: alice: [photo] the label to print <photo telegram:AgAD1>"
    );
    assert!(
        sent[1..].iter().all(|l| !l.starts_with("customer")),
        "{sent:#?}"
    );
    let last = s.store.messages(TicketId(1)).unwrap().pop().unwrap();
    assert!(last.internal);
    assert!(last.attachment.is_some());
}

#[test]
fn start_greets_without_opening_a_ticket() {
    let mut s = Sim::new();
    s.customer("ann", "/start");
    assert_eq!(s.store.last_ticket_id().unwrap(), 0);
    let sent = s.take_sent();
    assert_eq!(
        sent,
        vec!["customer ann: Hello, ann! Write your question here and I'll open a ticket for you right away.".to_string()]
    );
    s.customer("ann", "/start promo-42");
    assert_eq!(s.store.last_ticket_id().unwrap(), 0);
    s.customer("ann", "/startled by the price");
    assert_eq!(s.store.last_ticket_id().unwrap(), 1);
}

#[test]
fn later_messages_join_the_open_ticket_and_reach_the_thread() {
    let mut s = Sim::new();
    s.customer("ann", "My parcel never arrived");
    s.take_sent();
    s.customer("ann", "It was order 55123");
    assert_eq!(s.store.last_ticket_id().unwrap(), 1, "no second ticket");
    assert_eq!(
        s.take_sent(),
        vec!["staff T-1: ann: It was order 55123".to_string()]
    );
    let msgs = s.store.messages(TicketId(1)).unwrap();
    assert_eq!(msgs.last().unwrap().text, "It was order 55123");
    assert_eq!(
        msgs.iter().map(|m| m.seq).collect::<Vec<_>>(),
        (1..=msgs.len() as u32).collect::<Vec<_>>()
    );
}

#[test]
fn slash_ticket_opens_a_request_in_the_chosen_category() {
    let mut s = Sim::new();
    s.customer("ann", "/ticket shipping I have a question about my invoice");
    let t = s.ticket(1);
    assert_eq!(
        t.category.as_str(),
        "shipping",
        "the customer's choice wins over triage"
    );
    let msgs = s.store.messages(TicketId(1)).unwrap();
    assert_eq!(msgs[0].text, "I have a question about my invoice");
    // Without a known category, the text is triaged as usual.
    s.customer("bob", "/ticket My parcel never arrived");
    assert_eq!(s.ticket(2).category.as_str(), "shipping");
    // The bare command opens a request too.
    s.customer("cy", "/ticket");
    assert_eq!(s.ticket(3).customer_name, "cy");
}

#[test]
fn negative_messages_are_counted_for_the_churn_risk() {
    let mut s = Sim::new();
    s.customer("ann", "This is terrible, my parcel never arrived");
    assert_eq!(s.ticket(1).negative, 1, "the opening message");
    s.customer("ann", "It was order 55123");
    assert_eq!(s.ticket(1).negative, 1, "a calm message counts nothing");
    s.customer("ann", "WHERE IS IT!!!");
    assert_eq!(s.ticket(1).negative, 2, "anger is negative too");
}

#[test]
fn self_service_yes_resolves_as_deflected() {
    let mut s = Sim::new();
    s.customer("ann", "I forgot my password");
    let t = s.ticket(1);
    assert_eq!(t.status, TicketStatus::SelfService);
    let sent = s.take_sent();
    assert!(
        sent.iter().any(|l| l.contains("reset your password")
            && l.ends_with("Did this solve it? [Yes] [No, talk to a person]")),
        "{sent:#?}"
    );
    assert!(
        !sent.iter().any(|l| l.starts_with("staff")),
        "nobody is bothered yet: {sent:#?}"
    );
    // The acknowledgement and the answer are one message (half the outbound volume), and
    // it promises no agent: the answer comes first.
    let to_ann: Vec<_> = sent
        .iter()
        .filter(|l| l.starts_with("customer ann"))
        .collect();
    assert_eq!(to_ann.len(), 1, "{sent:#?}");
    assert!(
        to_ann[0]
            .starts_with("customer ann: Thanks, ann. Your request is ticket T-1 (account).\n\n"),
        "{sent:#?}"
    );
    assert!(!to_ann[0].contains("An agent will answer"), "{sent:#?}");
    s.customer_press("ann", "yes:T-1");
    let t = s.ticket(1);
    assert_eq!(t.status, TicketStatus::Resolved);
    assert_eq!(t.resolution, Some(Resolution::SelfService));
    assert!(s.said("Glad it helped! Ticket T-1 is closed."));
    // The timer that was set does nothing now; the survey follows a self-service
    // resolution too.
    s.take_sent();
    s.wait(Millis::hours(1));
    assert_eq!(s.ticket(1).status, TicketStatus::Resolved);
    let sent = s.take_sent();
    assert_eq!(sent.len(), 1, "{sent:#?}");
    assert!(
        sent[0].starts_with("customer ann: How happy are you"),
        "{sent:#?}"
    );
    // A second press changes nothing and says so.
    s.customer_press("ann", "yes:T-1");
    assert_eq!(
        s.take_sent(),
        vec!["customer ann: That button no longer applies.".to_string()]
    );
}

#[test]
fn self_service_no_hands_off_with_the_card() {
    let mut s = Sim::new();
    s.customer("ann", "I forgot my password");
    s.take_sent();
    s.customer_press("ann", "no:T-1");
    assert_eq!(s.ticket(1).status, TicketStatus::Queued);
    let sent = s.take_sent();
    assert!(
        sent[0].starts_with("customer ann: I'm passing ticket T-1 to a person."),
        "{sent:#?}"
    );
    assert!(
        sent[1].starts_with(
            "staff T-1: The automatic answer did not help the customer.\nT-1 · account"
        ),
        "{sent:#?}"
    );
}

#[test]
fn self_service_without_an_answer_hands_off_after_the_timeout() {
    let mut s = Sim::new();
    s.customer("ann", "I forgot my password");
    s.take_sent();
    s.wait(Millis::mins(14));
    assert_eq!(s.ticket(1).status, TicketStatus::SelfService);
    s.wait(Millis::mins(1));
    assert_eq!(s.ticket(1).status, TicketStatus::Queued);
    assert!(
        s.said("No answer to the automatic reply within 15 minutes: handed to the team."),
        "{:#?}",
        s.sent
    );
}

#[test]
fn asking_for_a_person_or_an_escalating_rule_hands_off_at_once() {
    let mut s = Sim::new();
    s.customer("ann", "I forgot my password, let me talk to a real person");
    assert_eq!(
        s.ticket(1).status,
        TicketStatus::Queued,
        "no self-service when a person is asked for"
    );
    assert!(s.said("The customer asked for a person."));

    s.customer("bob", "I forgot my password");
    assert_eq!(s.ticket(2).status, TicketStatus::SelfService);
    s.customer("bob", "转人工");
    assert_eq!(
        s.ticket(2).status,
        TicketStatus::Queued,
        "asking later hands off too"
    );
}

/// A customer who was answered automatically and asked "Did this solve it?" (T-1 for
/// `name`), with what was sent so far cleared.
fn answered(s: &mut Sim, name: &str) -> TicketId {
    s.customer(name, "I forgot my password");
    let id = s
        .store
        .latest_ticket(
            &PartyId::new(Platform::Console, name),
            &ChatId::new(Platform::Console, name),
        )
        .unwrap()
        .unwrap();
    assert_eq!(
        s.store.ticket(id).unwrap().unwrap().status,
        TicketStatus::SelfService
    );
    s.take_sent();
    id
}

/// The `handed_off` events' details of a ticket.
fn handoffs(s: &Sim, id: TicketId) -> Vec<String> {
    s.store
        .ticket(id)
        .unwrap()
        .unwrap()
        .events
        .iter()
        .filter(|e| e.kind.as_str() == "handed_off")
        .map(|e| e.detail.clone())
        .collect()
}

/// Asserts that `text`, written after the automatic answer, handed the ticket over at once
/// for `reason` (the event's word) with `note` on the card, the text in its conversation,
/// and the customer told as after "No".
fn handed_over(name: &str, text: &str, reason: &str, note: &str) {
    let mut s = Sim::new();
    let id = answered(&mut s, name);
    s.customer(name, text);
    let t = s.store.ticket(id).unwrap().unwrap();
    assert_eq!(t.status, TicketStatus::Queued, "{text:?}");
    assert_eq!(handoffs(&s, id), [reason], "{text:?}");
    let sent = s.take_sent();
    assert_eq!(sent.len(), 2, "{text:?}: {sent:#?}");
    assert!(
        sent[0].starts_with(&format!(
            "customer {name}: I'm passing ticket {id} to a person."
        )),
        "{text:?}: {sent:#?}"
    );
    assert!(
        sent[1].starts_with(&format!("staff {id}: {note}\n{id} · account")),
        "{text:?}: {sent:#?}"
    );
    assert!(
        sent[1].contains(&format!("\n{name}: {text}\n")),
        "the follow-up is on the card: {sent:#?}"
    );
}

#[test]
fn asking_for_a_person_instead_of_pressing_hands_over_and_says_why() {
    handed_over(
        "ann",
        "can I talk to a person please",
        "asked_for_person",
        "The customer asked for a person.",
    );
    handed_over(
        "bob",
        "转人工",
        "asked_for_person",
        "The customer asked for a person.",
    );
    // An escalating rule fired on the reply: the card names the rules of that reply.
    handed_over(
        "cat",
        "my lawyer will hear about this",
        "escalating_rule",
        "A rule that hands tickets to a person fired on the customer's message (rules that fired: legal).",
    );
}

#[test]
fn a_negative_reply_hands_over_at_once() {
    let note = "The customer replied that the automatic answer did not help.";
    handed_over("ann", "No, that didn't help", "negative_reply", note);
    handed_over("bob", "no", "negative_reply", note);
    handed_over("cat", "Not solved", "negative_reply", note);
    handed_over("dan", "没用", "negative_reply", note);
    handed_over("eve", "还是没有解决", "negative_reply", note);
    handed_over("fay", "This is terrible", "negative_reply", note);
}

#[test]
fn new_detail_hands_over_at_once_with_the_text_on_the_card() {
    let note = "The customer wrote again instead of answering whether the automatic answer helped.";
    handed_over("ann", "the reset link says it expired", "new_detail", note);
    handed_over("bob", "hello??", "new_detail", note);
    handed_over("cat", "我的邮箱收不到邮件", "new_detail", note);
}

#[test]
fn thanks_but_still_broken_is_not_a_yes() {
    handed_over(
        "ann",
        "thanks but it still doesn't work",
        "negative_reply",
        "The customer replied that the automatic answer did not help.",
    );
    handed_over(
        "bob",
        "thanks, it works now but only on my phone",
        "new_detail",
        "The customer wrote again instead of answering whether the automatic answer helped.",
    );
}

#[test]
fn a_clear_thanks_closes_as_solved() {
    for (name, text) in [
        ("ann", "Thanks, that solved it!"),
        ("bob", "it works now"),
        ("cat", "好了，谢谢"),
        ("dan", "yes"),
    ] {
        let mut s = Sim::new();
        let id = answered(&mut s, name);
        s.customer(name, text);
        let t = s.store.ticket(id).unwrap().unwrap();
        assert_eq!(t.status, TicketStatus::Resolved, "{text:?}");
        assert_eq!(t.resolution, Some(Resolution::SelfService), "{text:?}");
        let sent = s.take_sent();
        // In the ticket's language (English: it opened in English), as after Yes.
        let solved = format!("customer {name}: Glad it helped! Ticket {id} is closed.");
        assert!(
            sent.len() == 1 && sent[0].starts_with(&solved),
            "{text:?}: {sent:#?}"
        );
        // Nobody is bothered, now or when the timeout falls due.
        s.wait(Millis::mins(20));
        assert!(
            !s.take_sent().iter().any(|l| l.starts_with("staff")),
            "{text:?}"
        );
        assert!(handoffs(&s, id).is_empty(), "{text:?}");
    }
}

#[test]
fn a_bare_thanks_asks_again_and_keeps_waiting() {
    for (name, text) in [("ann", "thanks"), ("bob", "ok 👍"), ("cat", "谢谢")] {
        let mut s = Sim::new();
        let id = answered(&mut s, name);
        s.customer(name, text);
        assert_eq!(
            s.store.ticket(id).unwrap().unwrap().status,
            TicketStatus::SelfService,
            "{text:?}"
        );
        let sent = s.take_sent();
        let again = format!(
            "customer {name}: Just to be sure: did this solve it? [Yes] [No, talk to a person]"
        );
        assert_eq!(sent, [again], "{text:?}");
        // The buttons still work; without an answer, the timeout hands it over.
        s.wait(Millis::mins(15));
        assert_eq!(
            s.store.ticket(id).unwrap().unwrap().status,
            TicketStatus::Queued,
            "{text:?}"
        );
        assert_eq!(handoffs(&s, id), ["no_answer"], "{text:?}");
    }
    let mut s = Sim::new();
    let id = answered(&mut s, "dan");
    s.customer("dan", "ok thanks");
    s.customer_press("dan", &format!("yes:{id}"));
    assert_eq!(s.ticket(1).status, TicketStatus::Resolved);
}

#[test]
fn the_timeout_after_a_handover_by_text_does_nothing() {
    for text in [
        "the reset link says it expired",
        "no",
        "can I talk to a person please",
    ] {
        let mut s = Sim::new();
        let id = answered(&mut s, "ann");
        s.customer("ann", text);
        assert_eq!(s.ticket(1).status, TicketStatus::Queued);
        s.take_sent();
        s.wait(Millis::mins(30));
        let sent = s.take_sent();
        assert!(sent.is_empty(), "{text:?}: {sent:#?}");
        assert_eq!(handoffs(&s, id).len(), 1, "{text:?}");
        let t = s.ticket(1);
        assert_eq!(t.status, TicketStatus::Queued);
        assert_eq!(
            t.events
                .iter()
                .filter(|e| e.kind.as_str() == "handed_off")
                .count(),
            1
        );
    }
}

#[test]
fn a_file_instead_of_a_press_hands_over_and_reaches_the_thread_but_an_edit_does_not() {
    let mut s = Sim::new();
    let id = answered(&mut s, "ann");
    let chat = ChatId::new(Platform::Console, "ann");
    let inb = s.inbound(
        Sim::sender("ann"),
        Place::Customer { chat: chat.clone() },
        What::Media(Attachment {
            kind: MediaKind::Photo,
            file: "telegram:AgAD2".into(),
            caption: Some("this is what I see".into()),
        }),
    );
    s.apply(Event::Inbound(inb));
    assert_eq!(s.ticket(1).status, TicketStatus::Queued);
    assert_eq!(handoffs(&s, id), ["new_detail"]);
    let sent = s.take_sent();
    assert_eq!(sent.len(), 3, "{sent:#?}");
    assert!(
        sent[1].contains("\nann: [photo] this is what I see\n"),
        "{sent:#?}"
    );
    assert_eq!(
        sent[2],
        "staff T-1: ann: [photo] this is what I see <photo telegram:AgAD2>"
    );

    // An edit of the request while the question waits is kept, not read as an answer.
    let id = answered(&mut s, "bob");
    let chat = ChatId::new(Platform::Console, "bob");
    let inb = s.inbound(
        Sim::sender("bob"),
        Place::Customer { chat },
        What::Edit {
            of: "console:1".into(),
            text: "I forgot my password again".into(),
        },
    );
    s.apply(Event::Inbound(inb));
    assert_eq!(
        s.store.ticket(id).unwrap().unwrap().status,
        TicketStatus::SelfService
    );
    assert!(s.take_sent().is_empty());
    // Unless the edit asks for a person.
    let chat = ChatId::new(Platform::Console, "bob");
    let inb = s.inbound(
        Sim::sender("bob"),
        Place::Customer { chat },
        What::Edit {
            of: "console:1".into(),
            text: "I forgot my password, let me talk to a real person".into(),
        },
    );
    s.apply(Event::Inbound(inb));
    assert_eq!(handoffs(&s, id), ["asked_for_person"]);
}

#[test]
fn handoffs_say_why_in_their_event() {
    let mut s = Sim::new();
    s.customer("ann", "I forgot my password, let me talk to a real person");
    assert_eq!(handoffs(&s, TicketId(1)), ["asked_for_person"]);
    s.customer("bob", "I forgot my password");
    s.customer_press("bob", "no:T-2");
    assert_eq!(handoffs(&s, TicketId(2)), ["said_no"]);
    s.customer("cat", "I forgot my password");
    s.wait(Millis::mins(15));
    assert_eq!(handoffs(&s, TicketId(3)), ["no_answer"]);
    s.take_sent();
    // A new ticket that a rule escalates says so on its card.
    s.customer("dan", "My lawyer says my parcel is lost");
    assert_eq!(handoffs(&s, TicketId(4)), ["escalating_rule"]);
    assert!(
        s.said("staff T-4: A rule that hands tickets to a person fired on the customer's message (rules that fired: legal, shipping).\nT-4 · shipping"),
        "{:#?}",
        s.sent
    );
    // One without a reason has none.
    s.customer("eve", "My parcel is late");
    assert_eq!(handoffs(&s, TicketId(5)), [""]);
}

#[test]
fn claim_relay_note_and_close() {
    let mut s = Sim::new();
    s.customer("ann", "My parcel never arrived");
    s.take_sent();
    s.agent_press("alice", 1, "claim:T-1");
    assert_eq!(
        s.ticket(1).assignee.map(|a| a.name).as_deref(),
        Some("alice"),
        "{:#?}",
        s.sent
    );
    assert_eq!(
        s.take_sent(),
        vec!["staff T-1: alice claimed T-1.".to_string()]
    );

    s.agent(
        "alice",
        Some(1),
        "Sorry about that! Checking with the courier.",
    );
    assert_eq!(
        s.take_sent(),
        vec!["customer ann: alice: Sorry about that! Checking with the courier.".to_string()]
    );
    assert!(s.ticket(1).first_response_at.is_some());

    s.customer("ann", "thanks");
    assert_eq!(s.take_sent(), vec!["staff T-1: ann: thanks".to_string()]);

    s.agent("alice", Some(1), "// courier says lost, refund approved");
    s.agent("alice", Some(1), "/note second note");
    let sent = s.take_sent();
    assert!(
        sent.iter().all(|l| l.starts_with("staff T-1: Note saved")),
        "notes never reach the customer: {sent:#?}"
    );
    let notes: Vec<_> = s
        .store
        .messages(TicketId(1))
        .unwrap()
        .into_iter()
        .filter(|m| m.internal)
        .collect();
    assert_eq!(notes.len(), 2);
    assert_eq!(notes[0].text, "courier says lost, refund approved");

    s.agent("alice", Some(1), "/close");
    let t = s.ticket(1);
    assert_eq!(t.status, TicketStatus::Resolved);
    assert_eq!(
        t.resolution,
        Some(Resolution::Agent {
            name: "alice".into()
        })
    );
    let sent = s.take_sent();
    assert!(sent.contains(&"customer ann: alice marked ticket T-1 as solved. If something is still wrong, just reply here.".to_string()), "{sent:#?}");
    let kinds: Vec<&str> = t.events.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "opened",
            "triaged",
            "handed_off",
            "claimed",
            "note",
            "note",
            "resolved"
        ]
    );
}

#[test]
fn anonymous_signature() {
    let cfg = DeskConfig {
        agent_signature: switchboard_desk::config::Signature::Anonymous,
        ..DeskConfig::default()
    };
    let mut s = Sim::with(cfg);
    s.customer("ann", "hello");
    s.take_sent();
    s.agent("alice", Some(1), "Hi!");
    let sent = s.take_sent();
    assert!(
        sent.contains(&"customer ann: Support: Hi!".to_string()),
        "{sent:#?}"
    );
}

#[test]
fn the_claim_race_has_exactly_one_winner_every_time() {
    for round in 0..200 {
        let mut s = Sim::new();
        s.customer("ann", "hello");
        s.take_sent();
        let (first, second) = if round % 2 == 0 {
            ("alice", "bob")
        } else {
            ("bob", "alice")
        };
        // Both presses are read before either is committed: the store's version check makes
        // the second commit fail, and handling it again tells its agent who won.
        let ev = |s: &mut Sim, name: &str| {
            let place = Place::Staff {
                ticket: Some(TicketId(1)),
                thread: None,
                reply_to: None,
            };
            Event::Inbound(s.inbound(Sim::sender(name), place, What::Button("claim:T-1".into())))
        };
        let (a, b) = (ev(&mut s, first), ev(&mut s, second));
        let ta = s.desk.handle(&s.store, &s.rules, &a, s.now).unwrap();
        let tb = s.desk.handle(&s.store, &s.rules, &b, s.now).unwrap();
        s.store.commit(&ta).unwrap();
        for (id, _) in s.store.outbox(100).unwrap() {
            s.store.ack_outbox(id).unwrap();
        }
        let conflict = s.store.commit(&tb).unwrap_err();
        assert!(
            matches!(conflict, switchboard_desk::StoreError::Conflict { .. }),
            "{conflict}"
        );
        let retried = s.apply(b);
        assert!(retried.tickets.is_empty(), "the loser changes nothing");
        assert_eq!(s.ticket(1).assignee.unwrap().name, first);
        assert_eq!(
            s.take_sent(),
            vec![format!("staff T-1: T-1 is already claimed by {first}.")]
        );
    }
}

#[test]
fn only_the_owner_acts_on_a_claimed_ticket() {
    let mut s = Sim::new();
    s.customer("ann", "hello");
    s.agent("alice", Some(1), "/claim");
    s.take_sent();
    s.agent("bob", Some(1), "I can help!");
    assert_eq!(s.take_sent(), vec!["staff T-1: T-1 is claimed by alice; only they can write to the customer. Ask them to /release or /transfer it.".to_string()]);
    s.agent("bob", Some(1), "/close");
    assert_eq!(s.ticket(1).status, TicketStatus::Claimed);
    s.agent("bob", Some(1), "/release");
    assert_eq!(
        s.ticket(1).assignee.map(|a| a.name).as_deref(),
        Some("alice"),
        "{:#?}",
        s.sent
    );
    s.take_sent();

    s.agent("alice", Some(1), "/transfer bob");
    assert_eq!(s.ticket(1).assignee.unwrap().name, "bob");
    s.agent("bob", Some(1), "/release");
    assert_eq!(s.ticket(1).status, TicketStatus::Queued);
    assert!(s.said("bob released T-1; it is back in the queue."));
}

#[test]
fn priority_category_and_queue() {
    let mut s = Sim::new();
    s.customer("ann", "hello");
    s.customer("bob", "I was charged twice, refund me");
    s.agent("alice", Some(1), "/priority urgent");
    s.agent("alice", Some(1), "/category billing");
    let t = s.ticket(1);
    assert_eq!(
        (t.priority, t.category.as_str()),
        (Priority::Urgent, "billing")
    );
    assert!(
        t.events
            .iter()
            .any(|e| e.kind == "category" && e.detail == "general -> billing")
    );
    s.take_sent();
    s.wait(Millis::mins(5));
    s.agent("carol", None, "/queue");
    let sent = s.take_sent();
    assert_eq!(sent.len(), 1);
    let lines: Vec<&str> = sent[0].lines().collect();
    assert_eq!(lines[0], "staff: Queue (2):");
    // T-1 started at normal (4h to a first response) and keeps that target when an agent
    // raises it: 3h55m are left, read as 4 hours.
    assert_eq!(
        lines[1], "T-1 · billing · urgent · waiting 5 minutes · unclaimed · due within 4 hours",
        "{lines:#?}"
    );
    assert!(
        lines[2].starts_with("T-2 · billing · high · waiting 5 minutes · unclaimed"),
        "{lines:#?}"
    );

    s.agent("alice", Some(1), "/priority soon");
    s.agent("alice", Some(1), "/category misc");
    s.agent("alice", Some(1), "/transfer zed");
    s.agent("alice", Some(1), "/frobnicate");
    s.agent("alice", Some(1), "/priority");
    let sent = s.take_sent().join("\n");
    for needle in [
        "There is no priority soon.",
        "There is no category misc. Use one of: account, billing,",
        "No agent named zed has used the desk yet.",
        "Unknown command /frobnicate.",
        "/priority needs low, normal, high or urgent, for example: /priority high",
    ] {
        assert!(sent.contains(needle), "missing {needle:?} in\n{sent}");
    }
}

#[test]
fn reopen_within_the_window_and_follow_up_after_it() {
    let mut s = Sim::new();
    s.customer("ann", "hello");
    s.agent("alice", Some(1), "/close");
    s.wait(Millis::hours(24));
    s.take_sent();
    s.customer("ann", "it broke again");
    let t = s.ticket(1);
    assert_eq!((t.status, t.reopened), (TicketStatus::Queued, 1));
    assert!(
        s.said("customer ann: Ticket T-1 is open again."),
        "{:#?}",
        s.sent
    );
    assert!(
        s.said("staff T-1: T-1 was reopened by the customer."),
        "{:#?}",
        s.sent
    );

    s.agent("alice", Some(1), "/close");
    s.wait(Millis::hours(73));
    s.take_sent();
    s.customer("ann", "new problem");
    let t2 = s.ticket(2);
    assert_eq!(t2.previous, Some(TicketId(1)));
    assert!(
        s.said("Your request is ticket T-2 (general), following up T-1."),
        "{:#?}",
        s.sent
    );
    assert_eq!(s.ticket(1).status, TicketStatus::Resolved);
}

#[test]
fn customers_cannot_reach_staff_actions() {
    let mut s = Sim::new();
    s.customer("ann", "hello");
    s.take_sent();
    s.customer_press("ann", "claim:T-1");
    s.customer_press("ann", "close:T-1");
    assert_eq!(s.ticket(1).status, TicketStatus::Queued);
    assert_eq!(
        s.take_sent(),
        vec!["customer ann: Sorry, only the support team can do that.".to_string(); 2]
    );
    // A slash command from a customer is just text on their ticket.
    s.customer("ann", "/close");
    assert_eq!(s.ticket(1).status, TicketStatus::Queued);
    // Another customer's self-service button.
    s.customer("bob", "I forgot my password");
    s.take_sent();
    s.customer_press("ann", "yes:T-2");
    assert_eq!(s.ticket(2).status, TicketStatus::SelfService);
    assert!(s.said("That button belongs to someone else's conversation."));
}

#[test]
fn duplicates_are_dropped() {
    let mut s = Sim::new();
    let chat = ChatId::new(Platform::Console, "ann");
    let inb = s.inbound(
        Sim::sender("ann"),
        Place::Customer { chat },
        What::Text("hello".into()),
    );
    s.apply(Event::Inbound(inb.clone()));
    let again = s.apply(Event::Inbound(inb));
    assert!(again.is_empty());
    assert_eq!(
        s.store
            .messages(TicketId(1))
            .unwrap()
            .iter()
            .filter(|m| matches!(m.author, Author::Customer(_)))
            .count(),
        1
    );
}

#[test]
fn bad_input_is_answered_or_ignored_never_broken() {
    let mut s = Sim::new();
    assert!(
        s.customer("ann", "   \u{0}\u{7} ").tickets.is_empty(),
        "empty after cleaning: ignored"
    );
    s.customer("ann", "😡😡😡");
    assert_eq!(s.ticket(1).category.as_str(), "general");
    let big = "x".repeat(100_000);
    s.customer("ann", &big);
    let last = s.store.messages(TicketId(1)).unwrap().pop().unwrap();
    assert_eq!(last.text.chars().count(), 4000);
    assert!(s.said("Your message was very long, so we kept the first 4000 characters."));
    s.customer("ann", "evil\u{202E}txt.exe\u{1b}[31m");
    let last = s.store.messages(TicketId(1)).unwrap().pop().unwrap();
    assert_eq!(last.text, "eviltxt.exe[31m");
    s.take_sent();
    s.customer_press("ann", "garbage");
    s.customer_press("ann", "yes:T-999");
    s.agent_press("alice", 999, "claim:T-999");
    s.agent("alice", None, "hello?");
    s.agent("alice", Some(42), "/claim");
    let sent = s.take_sent();
    assert_eq!(
        sent,
        vec![
            "customer ann: That button no longer applies.".to_string(),
            "customer ann: That button no longer applies.".to_string(),
            "staff: There is no ticket T-999.".to_string(),
            "staff: Which ticket? Write in a ticket's thread, or name it (on T-1).".to_string(),
            "staff: There is no ticket T-42.".to_string(),
        ]
    );
}

#[test]
fn floods_are_recorded_but_not_relayed() {
    let mut s = Sim::new();
    for i in 0..15 {
        s.customer("ann", &format!("message {i}"));
    }
    let customer_msgs = s
        .store
        .messages(TicketId(1))
        .unwrap()
        .into_iter()
        .filter(|m| matches!(m.author, Author::Customer(_)))
        .count();
    assert_eq!(customer_msgs, 15, "nothing is lost");
    let relayed = s
        .sent
        .iter()
        .filter(|l| l.starts_with("staff T-1: ann: message"))
        .count();
    assert_eq!(relayed, 9, "messages 2 to 10 relayed; 11 to 15 held back");
    assert_eq!(
        s.sent
            .iter()
            .filter(|l| l.starts_with("customer ann: You're sending messages very fast"))
            .count(),
        1,
        "told once"
    );
    assert_eq!(
        s.sent
            .iter()
            .filter(|l| l.starts_with("staff T-1: ann is sending messages very fast"))
            .count(),
        1,
        "agents told once"
    );
    s.take_sent();
    s.wait(Millis::mins(2));
    s.customer("ann", "calm now");
    assert_eq!(s.take_sent(), vec!["staff T-1: ann: calm now".to_string()]);
}

#[test]
fn open_ticket_limit_joins_the_newest() {
    let cfg = DeskConfig {
        max_open_tickets: 1,
        ..DeskConfig::default()
    };
    let mut s = Sim::with(cfg);
    s.customer("ann", "hello");
    // The same customer in another chat.
    let other = ChatId::new(Platform::Console, "ann-2");
    let inb = s.inbound(
        Sim::sender("ann"),
        Place::Customer { chat: other },
        What::Text("another thing".into()),
    );
    s.apply(Event::Inbound(inb));
    assert_eq!(s.store.last_ticket_id().unwrap(), 1);
    assert!(
        s.said("You already have 1 open requests, so I've added this to ticket T-1."),
        "{:#?}",
        s.sent
    );
}

#[test]
fn locale_from_platform_hint_then_script_then_default() {
    let mut s = Sim::new();
    s.customer("li", "你好，我有个问题");
    assert_eq!(s.ticket(1).locale, "zh-CN");
    assert!(
        s.said("谢谢，li。您的请求编号为 T-1（一般咨询）。"),
        "{:#?}",
        s.sent
    );
    s.customer("ann", "refund please");
    assert_eq!(s.ticket(2).locale, "en");
    let chat = ChatId::new(Platform::Console, "hans");
    let mut from = Sim::sender("hans");
    from.language = Some("zh-TW".into());
    let inb = s.inbound(from, Place::Customer { chat }, What::Text("refund".into()));
    s.apply(Event::Inbound(inb));
    assert_eq!(
        s.ticket(3).locale,
        "zh-CN",
        "the platform's hint wins, resolved to an available locale"
    );
}

#[test]
fn the_desk_is_deterministic() {
    let run = || {
        let mut s = Sim::new();
        s.customer("ann", "I was charged twice");
        s.agent("alice", Some(1), "/claim");
        s.agent("alice", Some(1), "Refunded.");
        s.wait(Millis::mins(30));
        (s.sent.clone(), s.ticket(1))
    };
    assert_eq!(run(), run());
}

#[test]
fn old_cards_of_a_closed_ticket_are_answered_not_obeyed() {
    let mut s = Sim::new();
    s.customer("ann", "hello");
    s.agent("alice", Some(1), "/close");
    s.take_sent();
    s.agent_press("bob", 1, "claim:T-1");
    s.agent_press("bob", 1, "close:T-1");
    s.agent("bob", Some(1), "/release");
    s.agent("bob", Some(1), "/priority high");
    let t = s.ticket(1);
    assert_eq!(
        (t.status, t.priority),
        (TicketStatus::Resolved, Priority::Normal)
    );
    assert_eq!(t.assignee.unwrap().name, "alice");
    assert_eq!(
        s.take_sent(),
        vec![
            "staff T-1: T-1 is already resolved. If the customer writes again, it reopens."
                .to_string();
            4
        ]
    );
}

fn survey_sim(survey: switchboard_desk::SurveyConfig) -> Sim {
    Sim::with(DeskConfig {
        survey,
        ..DeskConfig::default()
    })
}

#[test]
fn the_survey_follows_the_resolution_once_and_keeps_its_answers() {
    let mut s = Sim::new();
    s.customer("ann", "hello");
    s.agent("alice", Some(1), "/close");
    s.take_sent();
    // Not before the delay (10 minutes by default)...
    s.wait(Millis::mins(9));
    assert!(s.take_sent().is_empty());
    s.wait(Millis::mins(1));
    assert_eq!(
        s.take_sent(),
        vec!["customer ann: How happy are you with how we handled ticket T-1? [1 – very unhappy] [2 – unhappy] [3 – okay] [4 – happy] [5 – very happy]".to_string()]
    );
    s.customer_press("ann", "csat:T-1:4");
    assert_eq!(
        s.take_sent(),
        vec![
            "customer ann: Thank you! Is there anything you would like to add? Just write it here."
                .to_string()
        ]
    );
    // The comment is kept with the survey, not as a message, and reopens nothing.
    let before = s.store.messages(TicketId(1)).unwrap().len();
    s.customer("ann", "Quick and friendly, thanks!");
    assert_eq!(
        s.take_sent(),
        vec!["customer ann: Thank you, we have passed your comment on to the team.".to_string()]
    );
    let t = s.ticket(1);
    assert_eq!(t.status, TicketStatus::Resolved);
    let survey = t.survey.unwrap();
    assert_eq!(survey.csat, Some(4));
    assert_eq!(
        survey.comment.as_deref(),
        Some("Quick and friendly, thanks!")
    );
    assert_eq!(s.store.messages(TicketId(1)).unwrap().len(), before);
    // A second press changes nothing and says so; after the expiry presses are refused.
    s.customer_press("ann", "csat:T-1:1");
    assert_eq!(
        s.take_sent(),
        vec!["customer ann: You already answered this question, thank you. Your answer stays as it was.".to_string()]
    );
    assert_eq!(s.ticket(1).survey.unwrap().csat, Some(4));
    // One survey per ticket: reopened and closed again, no second one.
    s.customer("ann", "it broke again");
    s.agent("alice", Some(1), "/close");
    s.take_sent();
    s.wait(Millis::hours(1));
    assert!(!s.said("How happy"), "{:#?}", s.sent);
}

#[test]
fn a_survey_expires_and_a_reopen_cancels_one_not_yet_sent() {
    let mut s = Sim::new();
    s.customer("ann", "hello");
    s.agent("alice", Some(1), "/close");
    s.wait(Millis::mins(10));
    s.wait(Millis::hours(24 * 7 + 1));
    s.take_sent();
    s.customer_press("ann", "csat:T-1:5");
    assert_eq!(
        s.take_sent(),
        vec![
            "customer ann: Sorry, this survey has closed. You can always write to us here."
                .to_string()
        ]
    );
    assert_eq!(s.ticket(1).survey.unwrap().csat, None);

    s.customer("bob", "hello");
    s.agent("alice", Some(2), "/close");
    s.wait(Millis::mins(5));
    s.customer("bob", "wait, one more thing");
    s.take_sent();
    s.wait(Millis::mins(10));
    assert!(!s.said("How happy"), "cancelled: {:#?}", s.sent);
    assert!(s.ticket(2).survey.is_none());
    // Forged or malformed presses are stale.
    s.customer_press("bob", "csat:T-2:9");
    s.customer_press("bob", "csat:T-2:x");
    s.customer_press("bob", "csat:T-1:5");
    assert_eq!(
        s.take_sent(),
        vec![
            "customer bob: That button no longer applies.".to_string(),
            "customer bob: That button no longer applies.".to_string(),
            "customer bob: That button belongs to someone else's conversation.".to_string(),
        ]
    );
}

#[test]
fn a_low_score_alerts_the_staff_with_the_comment_and_can_reopen() {
    let mut s = survey_sim(switchboard_desk::SurveyConfig {
        delay: Millis(0),
        reopen_on_low_score: true,
        ..Default::default()
    });
    s.customer("ann", "hello");
    s.agent("alice", Some(1), "/close");
    // Delay 0: the question comes with the closing.
    assert!(s.said("How happy are you with how we handled ticket T-1?"));
    s.take_sent();
    s.customer_press("ann", "csat:T-1:2");
    let sent = s.take_sent();
    assert!(
        sent.contains(&"staff: Low satisfaction on T-1: 2 of 5 from ann.".to_string()),
        "{sent:#?}"
    );
    let t = s.ticket(1);
    assert_eq!((t.status, t.reopened), (TicketStatus::Queued, 1));
    assert!(
        sent.iter()
            .any(|l| l.starts_with("staff T-1: T-1 is open again after a low satisfaction score.")),
        "{sent:#?}"
    );
    // The ticket is open again: the next message is a message of the ticket, not a comment.
    s.customer("ann", "The refund never came");
    assert!(s.ticket(1).survey.unwrap().comment.is_none());
    assert!(
        s.said("staff T-1: ann: The refund never came"),
        "{:#?}",
        s.sent
    );

    // Without reopening, the comment reaches the staff space.
    let mut s = survey_sim(switchboard_desk::SurveyConfig {
        delay: Millis(0),
        ..Default::default()
    });
    s.customer("bob", "hello");
    s.agent("alice", Some(1), "/close");
    s.customer_press("bob", "csat:T-1:1");
    s.take_sent();
    s.customer("bob", "Nobody read my messages");
    assert!(
        s.said("staff: bob commented on T-1: Nobody read my messages"),
        "{:#?}",
        s.sent
    );
    assert_eq!(s.ticket(1).status, TicketStatus::Resolved);
}

#[test]
fn nps_follows_csat_and_one_reminder_goes_out() {
    let mut s = survey_sim(switchboard_desk::SurveyConfig {
        nps: true,
        reminder: Millis::hours(24),
        ..Default::default()
    });
    s.customer("ann", "hello");
    s.agent("alice", Some(1), "/close");
    s.wait(Millis::mins(10));
    s.take_sent();
    // The reminder, once.
    s.wait(Millis::hours(24));
    assert_eq!(s.sent.len(), 1, "{:#?}", s.sent);
    assert!(s.sent[0].starts_with("customer ann: A quick reminder: how happy are you with how we handled ticket T-1? [1 – very unhappy]"));
    s.wait(Millis::hours(48));
    assert_eq!(s.take_sent().len(), 1);
    // NPS before CSAT is refused; then CSAT, NPS, comment.
    s.customer_press("ann", "nps:T-1:9");
    s.customer_press("ann", "csat:T-1:5");
    s.customer_press("ann", "nps:T-1:10");
    let sent = s.take_sent();
    assert_eq!(sent[0], "customer ann: That button no longer applies.");
    assert_eq!(
        sent[1],
        "customer ann: How likely are you to recommend us to a friend or colleague? 0 = not at all, 10 = extremely likely. [0] [1] [2] [3] [4] [5] [6] [7] [8] [9] [10]"
    );
    assert!(
        sent[2].contains("anything you would like to add"),
        "{sent:#?}"
    );
    let survey = s.ticket(1).survey.unwrap();
    assert_eq!((survey.csat, survey.nps), (Some(5), Some(10)));
    // Answered: no reminder for a survey answered before it.
    let mut s = survey_sim(switchboard_desk::SurveyConfig {
        reminder: Millis::hours(1),
        ..Default::default()
    });
    s.customer("bob", "hello");
    s.agent("alice", Some(1), "/close");
    s.wait(Millis::mins(10));
    s.customer_press("bob", "csat:T-1:5");
    s.take_sent();
    s.wait(Millis::hours(2));
    assert!(!s.said("reminder"), "{:#?}", s.sent);
}

fn assigning(mode: switchboard_desk::AssignMode, agents: &[(&str, &[&str], Option<u32>)]) -> Sim {
    let agents = agents
        .iter()
        .map(|(name, skills, cap)| {
            (
                format!("console:{name}"),
                switchboard_desk::AgentConfig {
                    name: name.to_string(),
                    skills: skills.iter().map(|s| s.to_string()).collect(),
                    capacity: *cap,
                },
            )
        })
        .collect();
    Sim::with(DeskConfig {
        assignment: switchboard_desk::AssignmentConfig {
            mode,
            default_capacity: 100,
            agents,
        },
        ..DeskConfig::default()
    })
}

/// Open tickets per agent name.
fn held(s: &Sim) -> std::collections::BTreeMap<String, usize> {
    let mut m = std::collections::BTreeMap::new();
    for t in s.store.tickets(Some(TicketStatus::Claimed)).unwrap() {
        *m.entry(t.assignee.unwrap().name).or_insert(0) += 1;
    }
    m
}

#[test]
fn round_robin_is_fair_over_many_tickets() {
    use switchboard_desk::AssignMode;
    let mut s = assigning(
        AssignMode::RoundRobin,
        &[
            ("alice", &[], None),
            ("bob", &[], None),
            ("carol", &[], None),
        ],
    );
    for i in 0..30 {
        s.customer(&format!("c{i}"), "please let me talk to a human");
        let counts = held(&s);
        let (min, max) = (
            ["alice", "bob", "carol"]
                .iter()
                .map(|n| counts.get(*n).copied().unwrap_or(0))
                .min()
                .unwrap(),
            counts.values().copied().max().unwrap(),
        );
        assert!(max - min <= 1, "after {} tickets: {counts:?}", i + 1);
    }
    assert_eq!(held(&s).values().sum::<usize>(), 30);
    assert!(
        s.said("staff T-1: T-1 is assigned to alice (round robin)."),
        "{:#?}",
        &s.sent[..4]
    );
    // The roster remembers the counts across events (and restarts: it is in the store).
    assert_eq!(s.store.roster().unwrap().assigned.values().sum::<u64>(), 30);
}

#[test]
fn least_loaded_respects_capacity_skills_and_the_queue_order() {
    use switchboard_desk::AssignMode;
    let mut s = assigning(
        AssignMode::LeastLoaded,
        &[("alice", &["billing"], Some(1)), ("bob", &[], Some(2))],
    );
    // A billing ticket: alice and bob can take it; both at 0, alice comes first.
    s.customer("c1", "I was charged twice, refund please, talk to a human");
    assert_eq!(
        s.ticket(1).assignee.map(|a| a.name).as_deref(),
        Some("alice"),
        "{:#?}",
        s.sent
    );
    // General tickets only bob takes; he has room for two.
    s.customer("c2", "hello, talk to a human");
    s.customer("c3", "hi, a person please");
    s.customer("c4", "hey, talk to a human please");
    let counts = held(&s);
    assert_eq!(counts.get("alice"), Some(&1));
    assert_eq!(counts.get("bob"), Some(&2));
    assert_eq!(s.ticket(4).status, TicketStatus::Queued, "nobody has room");
    // A high-priority ticket waits too, and goes first when room frees up, though T-4
    // waited longer.
    s.customer("c5", "I was charged again, refund now, talk to a human");
    let high = s.ticket(5);
    assert_eq!(
        (high.status, high.priority),
        (TicketStatus::Queued, Priority::High)
    );
    s.agent("bob", Some(2), "/close");
    assert_eq!(
        s.ticket(5).assignee.unwrap().name,
        "bob",
        "{:?}",
        s.ticket(5)
    );
    assert_eq!(s.ticket(4).status, TicketStatus::Queued);
    let counts = held(&s);
    assert!(counts.get("alice").copied().unwrap_or(0) <= 1);
    assert!(counts.get("bob").copied().unwrap_or(0) <= 2);
}

#[test]
fn away_agents_get_nothing_new_and_back_takes_the_queue() {
    use switchboard_desk::AssignMode;
    let mut s = assigning(
        AssignMode::RoundRobin,
        &[("alice", &[], Some(5)), ("bob", &[], Some(5))],
    );
    s.agent("alice", None, "/away");
    assert!(s.said("staff: alice is away: no new tickets until /back."));
    for i in 0..3 {
        s.customer(&format!("c{i}"), "talk to a human");
    }
    assert_eq!(held(&s).get("alice"), None);
    assert_eq!(held(&s).get("bob"), Some(&3));
    // bob releases one: it goes to someone else, not back to him... and alice is away.
    s.agent("bob", Some(1), "/release");
    assert_eq!(s.ticket(1).status, TicketStatus::Queued);
    s.agent("alice", None, "/back");
    assert!(s.said("staff: alice is back."));
    assert_eq!(
        s.ticket(1).assignee.map(|a| a.name).as_deref(),
        Some("alice"),
        "{:#?}",
        s.sent
    );
    // In claim mode nothing is assigned.
    let mut s = Sim::new();
    s.customer("c", "talk to a human");
    assert_eq!(s.ticket(1).status, TicketStatus::Queued);
}

fn berlin_office() -> switchboard_desk::calendar::HoursConfig {
    let day = vec!["09:00-17:00".to_string()];
    switchboard_desk::calendar::HoursConfig {
        timezone: "Europe/Berlin".into(),
        week: ["mon", "tue", "wed", "thu", "fri"]
            .iter()
            .map(|d| (d.to_string(), day.clone()))
            .collect(),
        holidays: vec![],
    }
}

#[test]
fn a_friday_evening_ticket_is_due_on_monday_in_business_hours() {
    let mut s = Sim::with(DeskConfig {
        hours: berlin_office(),
        ..DeskConfig::default()
    });
    // Friday 2026-01-09, 18:00 in Berlin (17:00 UTC): closed until Monday 09:00.
    s.now = Timestamp::from_ymd(2026, 1, 9).plus(Millis::hours(17));
    s.customer("ann", "hello, please let me talk to a human");
    // Normal priority: 4 business hours from Monday 09:00 is Monday 13:00.
    assert!(
        s.said("An agent will answer on Monday afternoon."),
        "{:#?}",
        s.sent
    );
    // Over the weekend nothing is used up: no warning, no breach.
    s.take_sent();
    s.wait(Millis::hours(63)); // Monday 09:00 local
    assert!(s.take_sent().is_empty());
    // 80% of 4h is 3h12m: the warning comes at Monday 12:12, once.
    s.wait(Millis::mins(3 * 60 + 11));
    assert!(!s.said("target is used"));
    s.wait(Millis::mins(2));
    assert_eq!(
        s.take_sent(),
        vec![
            "staff T-1: T-1: 80% of the first-response target is used; due within 50 minutes."
                .to_string()
        ]
    );
}

#[test]
fn a_breach_alerts_raises_the_priority_and_releases_a_silent_agent_once() {
    let mut s = Sim::with(DeskConfig {
        sla: switchboard_desk::SlaConfig {
            breach_mention: "@leads".into(),
            ..Default::default()
        },
        ..DeskConfig::default()
    });
    s.customer("ann", "hello, please let me talk to a human");
    s.agent("alice", Some(1), "/claim");
    s.take_sent();
    // Normal: first response within 4h. Alice claimed but has not written.
    s.wait(Millis::mins(3 * 60 + 15));
    assert_eq!(
        s.take_sent(),
        vec![
            "staff T-1: T-1: 80% of the first-response target is used; due within 50 minutes."
                .to_string()
        ]
    );
    s.wait(Millis::mins(45));
    let sent = s.take_sent();
    assert!(
        sent.contains(
            &"staff: @leads T-1 missed its first-response target (4 hours); priority is now high."
                .to_string()
        ),
        "{sent:#?}"
    );
    assert!(
        sent.contains(
            &"staff T-1: T-1 is back in the queue: alice had not written for 4 hours.".to_string()
        ),
        "{sent:#?}"
    );
    let t = s.ticket(1);
    assert_eq!(
        (t.status, t.priority),
        (TicketStatus::Queued, Priority::High)
    );
    assert!(
        t.events
            .iter()
            .any(|e| e.kind == "sla_breached" && e.detail == "first_response")
    );
    // Once: more time changes nothing for this clock.
    s.wait(Millis::hours(10));
    assert!(!s.said("first-response"), "{:#?}", s.sent);
}

#[test]
fn the_resolution_clock_waits_while_the_customer_is_asked_something() {
    let mut s = Sim::new();
    s.customer("ann", "hello, please let me talk to a human");
    s.agent("alice", Some(1), "/claim");
    s.agent("alice", Some(1), "Could you send me the order number?");
    s.take_sent();
    // Normal: resolution within 2 days; paused while waiting on Ann: 5 days pass quietly.
    s.wait(Millis::hours(24 * 5));
    assert!(!s.said("resolution"), "{:#?}", s.sent);
    let sla = s.ticket(1).sla.unwrap();
    assert!(sla.running_since.is_none());
    // Ann answers: the clock runs again from where it stopped (a few seconds used).
    s.customer("ann", "It is 55123");
    assert!(s.ticket(1).sla.unwrap().running_since.is_some());
    s.take_sent();
    s.wait(Millis::hours(38)); // 80% of 48h = 38.4h
    assert!(!s.said("resolution"));
    s.wait(Millis::hours(1));
    assert!(
        s.said("80% of the resolution target is used"),
        "{:#?}",
        s.sent
    );
    s.wait(Millis::hours(10));
    assert!(s.said("missed its resolution target"), "{:#?}", s.sent);
    // A resolved ticket's clocks stop: no more checks fire.
    s.agent("alice", Some(1), "/close");
    s.take_sent();
    s.wait(Millis::hours(24 * 10));
    assert!(!s.said("target"), "{:#?}", s.sent);
}

#[test]
fn tickets_keep_the_targets_they_started_with() {
    let mut s = Sim::new();
    s.customer("ann", "hello, please let me talk to a human");
    let sla = s.ticket(1).sla.unwrap();
    assert_eq!(sla.first_response_target, Millis::hours(4));
    // The config changes to 1 hour; T-1 still has 4 hours.
    s.desk = switchboard_desk::Desk::new(
        DeskConfig {
            first_response: switchboard_desk::config::Targets {
                normal: Millis::hours(1),
                ..Default::default()
            },
            ..DeskConfig::default()
        },
        "en",
        switchboard_desk::prompts::Prompts::embedded().unwrap(),
    );
    s.take_sent();
    s.wait(Millis::hours(2));
    assert!(!s.said("missed"), "{:#?}", s.sent);
    s.customer("bob", "hello, please let me talk to a human");
    assert_eq!(
        s.ticket(2).sla.unwrap().first_response_target,
        Millis::hours(1)
    );
}

#[test]
fn a_message_days_after_the_survey_is_a_request_not_a_comment() {
    let mut s = Sim::new();
    s.customer("ann", "hello");
    s.agent("alice", Some(1), "/close");
    s.wait(Millis::mins(10));
    s.customer_press("ann", "csat:T-1:4");
    s.take_sent();
    // Two days later (inside the reopen window): a new problem reopens the ticket.
    s.wait(Millis::hours(48));
    s.customer("ann", "my new order never arrived");
    let t = s.ticket(1);
    assert_eq!(t.status, TicketStatus::Queued, "{:#?}", s.sent);
    assert!(t.survey.unwrap().comment.is_none());
    assert!(!s.said("passed your comment"), "{:#?}", s.sent);
}

#[test]
fn a_late_low_score_does_not_take_a_reopened_ticket_from_its_agent() {
    let mut s = survey_sim(switchboard_desk::SurveyConfig {
        delay: Millis(0),
        reopen_on_low_score: true,
        ..Default::default()
    });
    s.customer("ann", "hello");
    s.agent("alice", Some(1), "/close");
    s.customer("ann", "still broken");
    s.agent("bob", Some(1), "/claim");
    s.customer_press("ann", "csat:T-1:1");
    let t = s.ticket(1);
    assert_eq!(t.status, TicketStatus::Claimed);
    assert_eq!(t.assignee.unwrap().name, "bob");
    assert!(
        s.said("Low satisfaction on T-1: 1 of 5"),
        "the alert still goes out"
    );
}

#[test]
fn a_ticket_closed_without_a_word_and_reopened_does_not_breach_at_once() {
    let mut s = Sim::new();
    s.customer("ann", "hello, please let me talk to a human");
    s.agent("alice", Some(1), "/close");
    s.wait(Millis::hours(24));
    s.take_sent();
    s.customer("ann", "it broke again");
    s.wait(Millis::mins(1));
    assert!(!s.said("missed"), "{:#?}", s.sent);
}

#[test]
fn an_odd_sla_target_does_not_spin_the_scheduler() {
    let mut s = Sim::with(DeskConfig {
        first_response: switchboard_desk::config::Targets {
            normal: Millis(1001),
            ..Default::default()
        },
        ..DeskConfig::default()
    });
    s.customer("ann", "hello, please let me talk to a human");
    // The check falls due at 80% of 1,001 ms (800 ms): the warning, once, and `wait`
    // returns (it looped forever while the check's threshold and the schedule's
    // disagreed by a rounding). Then the breach, once.
    s.wait(Millis(801));
    assert_eq!(
        s.sent
            .iter()
            .filter(|l| l.contains("80% of the first-response"))
            .count(),
        1
    );
    s.wait(Millis::secs(5));
    assert_eq!(
        s.sent
            .iter()
            .filter(|l| l.contains("missed its first-response"))
            .count(),
        1
    );
}
