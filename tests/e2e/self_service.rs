//! Self-service follow-ups end to end: a customer answered automatically who writes again
//! instead of pressing a button reaches the staff group at once, with what they wrote on
//! the card. The real service runtime (teloxide, desk, sled store, the default rules and
//! prompts) against the fake Bot API server of crates/testkit.

use switchboard_desk::Store;
use switchboard_domain::{TicketId, TicketStatus};
use switchboard_testkit::FakeTelegram;

// The Telegram tests' set-up: the config for the fake, the running service, waiting for
// what the bot sent.
use crate::telegram::{STAFF, config, sent, start};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_follow_up_after_an_automatic_answer_reaches_the_staff_group_with_its_text() {
    let fake = FakeTelegram::start().await;
    fake.supergroup(STAFF, "Support", true);
    let ann = fake.user(4343, "Ann", Some("en"));
    let dir = tempfile::tempdir().unwrap();
    let svc = start(dir.path(), &config(dir.path(), &fake, "")).await;
    let store = &svc.store;

    // An automatic answer with "Did this solve it?": nobody in the staff group yet.
    fake.private_text(&ann, "Hi, I forgot my password");
    let answer = sent(&fake, "the automatic answer", |s| {
        s.chat_id == ann.id && s.buttons.iter().any(|(l, _)| l == "Yes")
    })
    .await;
    assert!(
        answer.text.contains("Did this solve it?"),
        "{}",
        answer.text
    );
    assert_eq!(
        store.ticket(TicketId(1)).unwrap().unwrap().status,
        TicketStatus::SelfService
    );
    assert!(fake.sent_to(STAFF).is_empty(), "{:#?}", fake.sent_to(STAFF));

    // Instead of a button, the customer writes again: a person gets it at once.
    let follow_up = "The reset link says it expired";
    fake.private_text(&ann, follow_up);
    sent(&fake, "the customer is told", |s| {
        s.chat_id == ann.id && s.text.contains("I'm passing ticket T-1 to a person")
    })
    .await;
    let card = sent(&fake, "the card", |s| {
        s.chat_id == STAFF && s.buttons.iter().any(|(l, _)| l == "Claim")
    })
    .await;
    assert!(
        card.text.starts_with(
            "The customer wrote again instead of answering whether the automatic answer helped."
        ),
        "{}",
        card.text
    );
    assert!(
        card.text.contains(&format!("Ann: {follow_up}")),
        "the follow-up is on the card: {}",
        card.text
    );
    let t = store.ticket(TicketId(1)).unwrap().unwrap();
    assert_eq!(t.status, TicketStatus::Queued);
    assert!(
        t.events
            .iter()
            .any(|e| e.kind.as_str() == "handed_off" && e.detail == "new_detail"),
        "{:#?}",
        t.events
    );

    svc.stop().await;
}
