//! Self-service follow-ups end to end: a customer answered automatically who writes again
//! instead of pressing a button reaches the staff group at once, with what they wrote on
//! the card. The real service runtime (teloxide, desk, sled store, the default rules and
//! prompts) against the fake Bot API server of crates/testkit.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use switchboard::config::Settings;
use switchboard_desk::Store;
use switchboard_domain::{TicketId, TicketStatus};
use switchboard_store::SledStore;
use switchboard_testkit::{FakeTelegram, Sent};
use tokio::sync::watch;

const STAFF: i64 = -1_001_234_567_891;
const WAIT: Duration = Duration::from_secs(15);

/// Writes the token and a config for the fake into `dir`, and starts the service on it.
async fn start(
    dir: &Path,
    fake: &FakeTelegram,
) -> (
    Arc<SledStore>,
    watch::Sender<bool>,
    tokio::task::JoinHandle<anyhow::Result<()>>,
) {
    std::fs::write(dir.join("token"), fake.token()).unwrap();
    let path: PathBuf = dir.join("switchboard.toml");
    std::fs::write(
        &path,
        format!(
            r#"
[admin]
listen = ""

[telegram]
enabled = true
api_url = "{url}"
token_file = "token"
staff_chat_id = {STAFF}
poll_timeout_secs = 1
"#,
            url = fake.url()
        ),
    )
    .unwrap();
    let settings = Settings::load(Some(&path), None).unwrap_or_else(|d| panic!("{d:?}"));
    let data = dir.join("data");
    let store = Arc::new(SledStore::open(&data).unwrap());
    let (tx, rx) = watch::channel(false);
    let s = store.clone();
    let config_dir = dir.to_path_buf();
    let task = tokio::spawn(async move {
        switchboard::serve::run(settings, s, &data, Some(&config_dir), rx).await
    });
    (store, tx, task)
}

async fn sent(fake: &FakeTelegram, what: &str, pred: impl Fn(&Sent) -> bool) -> Sent {
    match fake.wait_sent(WAIT, pred).await {
        Some(s) => s,
        None => panic!(
            "nothing sent: {what}\nsent so far:\n{:#?}",
            fake.sent()
                .iter()
                .map(|s| (s.chat_id, s.thread_id, s.text.clone()))
                .collect::<Vec<_>>()
        ),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_follow_up_after_an_automatic_answer_reaches_the_staff_group_with_its_text() {
    let fake = FakeTelegram::start().await;
    fake.supergroup(STAFF, "Support", true);
    let ann = fake.user(4343, "Ann", Some("en"));
    let dir = tempfile::tempdir().unwrap();
    let (store, shutdown, task) = start(dir.path(), &fake).await;

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

    let _ = shutdown.send(true);
    tokio::time::timeout(Duration::from_secs(30), task)
        .await
        .expect("the service stops within 30 s")
        .expect("the service task did not panic")
        .expect("the service stopped cleanly");
    drop(store);
}
