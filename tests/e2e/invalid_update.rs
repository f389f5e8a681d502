//! One update Switchboard cannot read (a message without `chat`, a `chat` of the wrong
//! type, an `update_id` that is a string) is skipped with a log line and counted, once,
//! and the updates after it are answered: in long polling (where one unreadable element
//! used to fail the whole `getUpdates` batch, again and again) and in webhook mode (where
//! it is answered 200 so that Telegram does not send it forever).

use std::path::Path;
use std::time::Duration;

use switchboard_desk::Store;
use switchboard_testkit::{FakeTelegram, Malformed};

use crate::telegram::{STAFF, config, sent, start};

const WAIT: Duration = Duration::from_secs(20);

/// A port that was free a moment ago.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The config of `telegram::config` with the admin endpoint on `port`.
fn with_admin(cfg: &Path, port: u16) {
    let text = std::fs::read_to_string(cfg).unwrap();
    let text = text.replacen(
        "[admin]\nlisten = \"\"",
        &format!("[admin]\nlisten = \"127.0.0.1:{port}\""),
        1,
    );
    std::fs::write(cfg, text).unwrap();
}

/// The running service's `/health`, as JSON.
async fn health(port: u16) -> serde_json::Value {
    let listen = format!("127.0.0.1:{port}");
    let body = tokio::task::spawn_blocking(move || switchboard::admin::get(&listen, "/health"))
        .await
        .unwrap()
        .expect("the admin endpoint answers")
        .expect("/health exists");
    serde_json::from_str(&body).unwrap()
}

/// Waits until `/health` counts `n` skipped updates (panics with the last report).
async fn skipped_reaches(port: u16, n: u64) -> serde_json::Value {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let h = health(port).await;
        if h["counters"]["telegram_skipped_updates"] == n {
            return h;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "skipped updates never reached {n}: {h}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn long_polling_skips_unreadable_updates_once_and_answers_the_rest() {
    let fake = FakeTelegram::start().await;
    fake.supergroup(STAFF, "Support", true);
    let ann = fake.user(4242, "Ann", Some("en"));
    let bob = fake.user(4343, "Bob", Some("en"));
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), &fake, "");
    let port = free_port();
    with_admin(&cfg, port);

    // One batch: unreadable, readable, unreadable, unreadable, readable.
    fake.malformed_text(&ann, "order 1 secret", Malformed::IdAsString);
    fake.private_text(
        &ann,
        "My parcel 88123 never arrived, I want to talk to a person",
    );
    fake.malformed_text(&bob, "order 2 secret", Malformed::ChatMissing);
    fake.malformed_text(&bob, "order 3 secret", Malformed::ChatWrongType);
    fake.private_text(
        &bob,
        "My parcel 77456 never arrived, I want to talk to a person",
    );
    let svc = start(dir.path(), &cfg).await;

    sent(&fake, "Ann's acknowledgement", |s| {
        s.chat_id == ann.id && s.text.contains("T-")
    })
    .await;
    sent(&fake, "Bob's acknowledgement", |s| {
        s.chat_id == bob.id && s.text.contains("T-")
    })
    .await;
    assert!(
        fake.wait_until(WAIT, |f| f.pending_updates() == 0).await,
        "every update is acknowledged, the unreadable ones too"
    );
    let h = skipped_reaches(port, 3).await;
    assert_eq!(h["status"], "ok", "{h}");

    // Skipped once: later polls neither see nor count them again, and intake goes on.
    let polls = fake.polls_started();
    assert!(
        fake.wait_until(WAIT, |f| f.polls_started() >= polls + 2)
            .await
    );
    fake.private_text(&ann, "and one more thing");
    assert!(
        fake.wait_until(WAIT, |f| f.pending_updates() == 0).await,
        "a later update is taken"
    );
    assert_eq!(
        health(port).await["counters"]["telegram_skipped_updates"],
        3
    );
    assert_eq!(svc.store.last_ticket_id().unwrap(), 2, "one ticket each");
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_webhook_answers_an_unreadable_update_200_and_takes_the_next() {
    let fake = FakeTelegram::start().await;
    fake.supergroup(STAFF, "Support", true);
    let ann = fake.user(4242, "Ann", Some("en"));
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("secret"), "s3cret_token-1").unwrap();
    let hook = free_port();
    let url = format!("http://127.0.0.1:{hook}/telegram");
    let cfg = config(
        dir.path(),
        &fake,
        &format!(
            "mode = \"webhook\"\n[telegram.webhook]\nlisten = \"127.0.0.1:{hook}\"\npath = \"/telegram\"\nurl = \"{url}\"\nsecret_file = \"secret\"\n"
        ),
    );
    let port = free_port();
    with_admin(&cfg, port);
    let svc = start(dir.path(), &cfg).await;
    assert!(
        fake.wait_until(WAIT, |f| !f.calls_to("setWebhook").is_empty())
            .await,
        "the webhook is registered"
    );

    fake.malformed_text(&ann, "order 1 secret", Malformed::ChatMissing);
    fake.malformed_text(&ann, "order 2 secret", Malformed::IdAsString);
    fake.private_text(
        &ann,
        "My parcel 88123 never arrived, I want to talk to a person",
    );
    sent(&fake, "the acknowledgement", |s| {
        s.chat_id == ann.id && s.text.contains("T-1")
    })
    .await;
    assert!(fake.wait_until(WAIT, |f| f.pending_updates() == 0).await);
    // The fake posts each update until it gets a 2xx: three posts, three 200s.
    assert_eq!(fake.webhook_statuses(), vec![200, 200, 200]);
    skipped_reaches(port, 2).await;

    // A body that is not JSON at all is answered 200 too (Telegram would retry it forever).
    let status = reqwest::Client::new()
        .post(&url)
        .header("X-Telegram-Bot-Api-Secret-Token", "s3cret_token-1")
        .body("{not json")
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status.as_u16(), 200);
    skipped_reaches(port, 3).await;
    assert_eq!(svc.store.last_ticket_id().unwrap(), 1);
    svc.stop().await;
}
