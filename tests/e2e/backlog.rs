//! An outbox backlog does not hold up intake: with 20,000 old messages no running channel
//! delivers (Discord chats while only Telegram runs) and a Telegram chat far behind its
//! one-message-a-second limit, a new customer is answered at once; the undeliverable ones
//! are in the dead letters, `tickets dead-letters` lists them through the running service,
//! and `--retry` sends one again.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use switchboard::cli::{DataArgs, TicketsCommand};
use switchboard_desk::{Store, Transition};
use switchboard_domain::{ChatId, Destination, Outbound, Platform, Timestamp};
use switchboard_store::SledStore;
use switchboard_testkit::FakeTelegram;

use crate::telegram::{STAFF, start};

/// Generous: the machine is shared; the point is that the answer does not wait for the
/// backlog (20,000 sends, or 300 seconds of the slow chat's limit).
const PROMPTLY: Duration = Duration::from_secs(60);

fn config(dir: &Path, fake: &FakeTelegram, admin: &str) -> PathBuf {
    std::fs::write(dir.join("token"), fake.token()).unwrap();
    let path = dir.join("switchboard.toml");
    std::fs::write(
        &path,
        format!(
            r#"
[admin]
listen = "{admin}"

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
    path
}

fn message(platform: Platform, chat: &str, text: &str) -> Outbound {
    Outbound {
        to: Destination::Customer {
            chat: ChatId::new(platform, chat),
        },
        text: text.into(),
        buttons: vec![],
        ticket: None,
        attachment: None,
        source: None,
        replaces: None,
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Runs `switchboard tickets dead-letters [--retry W]`; its exit status and output.
async fn dead_letters(
    cfg: &Path,
    data: &Path,
    retry: Option<&str>,
    json: bool,
) -> (i32, String, String) {
    let (cfg, data, retry) = (
        cfg.to_path_buf(),
        data.to_path_buf(),
        retry.map(str::to_string),
    );
    tokio::task::spawn_blocking(move || {
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let cmd = TicketsCommand::DeadLetters {
            retry,
            json,
            data: DataArgs { data: Some(data) },
        };
        let code = switchboard::cmd::tickets::run(Some(&cfg), &cmd, &mut out, &mut err).unwrap();
        (
            code,
            String::from_utf8(out).unwrap(),
            String::from_utf8(err).unwrap(),
        )
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_customer_is_answered_while_twenty_thousand_old_messages_wait() {
    let fake = FakeTelegram::start().await;
    fake.supergroup(STAFF, "Support", true);
    fake.set_rate_limits(true);
    let slow = fake.user(777, "Slow", Some("en"));
    let later = fake.user(778, "Later", Some("en"));
    // Both wrote to the bot once (a bot cannot start a conversation).
    fake.private_text(&slow, "/start");
    fake.private_text(&later, "/start");
    let dir = tempfile::tempdir().unwrap();
    let admin = format!("127.0.0.1:{}", free_port());
    let cfg = config(dir.path(), &fake, &admin);
    let data = dir.path().join("data");
    // The backlog, written straight into the store before the service starts.
    let buried = {
        let store = SledStore::open(&data).unwrap();
        for chunk in 0..20 {
            let outbound = (0..1000)
                .map(|i| message(Platform::Discord, &format!("{chunk}{i:04}"), "old reply"))
                .collect();
            store
                .commit(&Transition {
                    outbound,
                    ..Default::default()
                })
                .unwrap();
        }
        let outbound = (0..300)
            .map(|i| {
                message(
                    Platform::Telegram,
                    &slow.id.to_string(),
                    &format!("slow {i}"),
                )
            })
            .collect();
        store
            .commit(&Transition {
                outbound,
                ..Default::default()
            })
            .unwrap();
        // A message given up earlier, to be sent again.
        let c = store
            .commit(&Transition {
                outbound: vec![message(
                    Platform::Telegram,
                    &later.id.to_string(),
                    "sent again at last",
                )],
                ..Default::default()
            })
            .unwrap();
        assert!(
            store
                .dead_letter(c.outbox[0], "refused for good", 1, Timestamp(0))
                .unwrap()
        );
        store.flush().unwrap();
        c.outbox[0]
    };
    let svc = start(dir.path(), &cfg).await;

    let ann = fake.user(5001, "Ann", Some("en"));
    fake.private_text(&ann, "Hi, I forgot my password");
    assert!(
        fake.wait_until(PROMPTLY, |f| f
            .sent_to(ann.id)
            .iter()
            .any(|s| s.text.contains("reset your password")))
            .await,
        "the new customer was not answered while the backlog waits"
    );
    assert!(
        fake.sent_to(slow.id).len() < 300,
        "the slow chat is still behind (it was not drained first)"
    );

    // Every undeliverable message is a dead letter, and the outbox no longer holds them.
    let store: Arc<SledStore> = svc.store.clone();
    assert!(
        fake.wait_until(PROMPTLY, |_| store.dead_letters(usize::MAX).unwrap().len()
            == 20_001)
            .await,
        "{} dead letters: {:#?}",
        store.dead_letters(usize::MAX).unwrap().len(),
        store
            .dead_letters(usize::MAX)
            .unwrap()
            .into_iter()
            .filter(|(_, d)| d.outbound.text != "old reply")
            .take(5)
            .collect::<Vec<_>>()
    );
    assert!(
        store
            .outbox(usize::MAX)
            .unwrap()
            .iter()
            .all(|(_, o)| matches!(&o.to, Destination::Customer { chat } if chat.platform == Platform::Telegram)),
        "no message for Discord is left in the outbox"
    );

    // Listed through the running service: id, destination, reason, text.
    let (code, out, err) = dead_letters(&cfg, &data, None, true).await;
    assert_eq!(code, 0, "{err}");
    let listed: Vec<serde_json::Value> = serde_json::from_str(&out).unwrap();
    assert_eq!(listed.len(), 20_001);
    let ours = listed
        .iter()
        .find(|d| d["id"] == buried.0)
        .expect("the letter to retry");
    assert_eq!(ours["text"], "sent again at last");
    assert_eq!(ours["reason"], "refused for good");
    assert_eq!(ours["to"], "customer chat telegram:778");
    let (code, out, err) = dead_letters(&cfg, &data, None, false).await;
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("20001 dead letters"),
        "{}",
        &out[out.len() - 300..]
    );
    assert!(
        out.contains(&format!("{:<8} ", buried.0)),
        "{}",
        &out[..600]
    );
    assert!(out.contains("text: sent again at last"));
    assert!(out.contains("customer chat discord:"));
    assert!(out.contains("no running channel delivers"));

    // Retried: the running service sends it.
    let (code, out, err) = dead_letters(&cfg, &data, Some(&buried.0.to_string()), false).await;
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("1 dead letter is back in the outbox"), "{out}");
    assert!(
        fake.wait_until(PROMPTLY, |f| f
            .sent_to(later.id)
            .iter()
            .any(|s| s.text == "sent again at last"))
            .await,
        "the retried message was sent"
    );
    let (code, _, err) = dead_letters(&cfg, &data, Some(&buried.0.to_string()), false).await;
    assert_eq!(code, 1);
    assert!(err.contains("no dead letter"), "{err}");
    let (code, _, err) = dead_letters(&cfg, &data, Some("x1"), false).await;
    assert_eq!(code, 2);
    assert!(err.contains("or `all`"), "{err}");
    svc.stop().await;
}
