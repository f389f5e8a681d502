//! The Telegram channel end to end: the real service runtime (`switchboard::telegram::run`,
//! the real teloxide client, desk and sled store) against the fake Bot API server of
//! crates/testkit on 127.0.0.1.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use switchboard::config::Settings;
use switchboard_desk::Store;
use switchboard_domain::{TicketId, TicketStatus};
use switchboard_store::SledStore;
use switchboard_testkit::{FakeTelegram, Sent};
use tokio::sync::watch;

pub(crate) const STAFF: i64 = -1_001_234_567_890;
const WAIT: Duration = Duration::from_secs(15);

/// A running service against the fake.
pub(crate) struct Service {
    pub(crate) store: Arc<SledStore>,
    shutdown: watch::Sender<bool>,
    task: tokio::task::JoinHandle<anyhow::Result<()>>,
}

impl Service {
    pub(crate) async fn stop(self) {
        let _ = self.shutdown.send(true);
        let r = tokio::time::timeout(Duration::from_secs(30), self.task)
            .await
            .expect("the service stops within 30 s")
            .expect("the service task did not panic");
        r.expect("the service stopped cleanly");
        // sled lets go of the directory when the last handle is dropped.
        drop(self.store);
    }
}

/// Writes the token and a config for the fake into `dir`.
pub(crate) fn config(dir: &Path, fake: &FakeTelegram, extra: &str) -> PathBuf {
    std::fs::write(dir.join("token"), fake.token()).unwrap();
    let path = dir.join("switchboard.toml");
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
{extra}
"#,
            url = fake.url()
        ),
    )
    .unwrap();
    path
}

pub(crate) async fn start(dir: &Path, config: &Path) -> Service {
    let settings = Settings::load(Some(config), None).unwrap_or_else(|d| panic!("{d:?}"));
    let data = dir.join("data");
    let store = Arc::new(SledStore::open(&data).unwrap());
    let (tx, rx) = watch::channel(false);
    let s = store.clone();
    let config_dir = dir.to_path_buf();
    let task = tokio::spawn(async move {
        switchboard::serve::run(settings, s, &data, Some(&config_dir), rx).await
    });
    Service {
        store,
        shutdown: tx,
        task,
    }
}

pub(crate) async fn sent(fake: &FakeTelegram, what: &str, pred: impl Fn(&Sent) -> bool) -> Sent {
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

fn to(chat: i64, needle: &'static str) -> impl Fn(&Sent) -> bool {
    move |s: &Sent| s.chat_id == chat && s.text.contains(needle)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ticket_from_a_private_chat_to_a_topic_claimed_relayed_noted_and_closed() {
    let fake = FakeTelegram::start().await;
    fake.supergroup(STAFF, "Support", true);
    let ann = fake.user(4242, "Ann", Some("en"));
    let bea = fake.user(7, "Bea", None);
    let cal = fake.user(8, "Cal", None);
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), &fake, "[desk.survey]\ndelay = \"0\"\n");
    let svc = start(dir.path(), &cfg).await;

    // /start greets without a ticket.
    fake.private_text(&ann, "/start");
    sent(&fake, "the greeting", to(ann.id, "Hello, Ann")).await;
    assert_eq!(svc.store.last_ticket_id().unwrap(), 0);

    // The first real message opens T-1: acknowledged, and a topic with the card.
    fake.private_text(
        &ann,
        "I was charged twice for order 88123, I want a refund. Please let me talk to a person",
    );
    let ack = sent(&fake, "the acknowledgement", to(ann.id, "T-1")).await;
    assert!(ack.text.contains("ticket T-1"), "{}", ack.text);
    let card = sent(&fake, "the card", |s| {
        s.chat_id == STAFF && s.buttons.iter().any(|(l, _)| l == "Claim")
    })
    .await;
    let thread = card.thread_id.expect("the card is in a topic");
    let topics = fake.topics(STAFF);
    assert_eq!(topics.len(), 1);
    assert_eq!(topics[0].thread_id, thread);
    assert!(topics[0].name.starts_with("T-1 · "), "{}", topics[0].name);
    assert!(card.text.contains("Ann"), "{}", card.text);

    // Two agents press Claim at once: exactly one wins, the other is told who has it.
    fake.press_button(&bea, STAFF, card.message_id, "Claim");
    fake.press_button(&cal, STAFF, card.message_id, "Claim");
    assert!(
        fake.wait_until(WAIT, |f| f.answered_callbacks().len() == 2)
            .await,
        "both presses are answered (the spinner stops)"
    );
    let t = svc.store.ticket(TicketId(1)).unwrap().unwrap();
    assert_eq!(t.status, TicketStatus::Claimed);
    let owner = t.assignee.unwrap().name;
    assert!(owner == "Bea" || owner == "Cal", "{owner}");
    let (winner, loser) = if owner == "Bea" {
        (&bea, &cal)
    } else {
        (&cal, &bea)
    };
    sent(&fake, "the loser is told who has it", |s| {
        s.chat_id == STAFF
            && s.thread_id == Some(thread)
            && s.text.contains(&owner)
            && s.text.contains("T-1")
    })
    .await;

    // The agent writes in the topic: the customer gets it, signed.
    fake.group_text(
        STAFF,
        Some(thread),
        winner,
        "Hi Ann, I'm checking the double charge.",
        None,
    );
    let relayed = sent(
        &fake,
        "the agent's answer",
        to(ann.id, "checking the double charge"),
    )
    .await;
    assert!(relayed.text.contains(&owner), "signed: {}", relayed.text);

    // The customer answers: it appears in the topic.
    fake.private_text(&ann, "Thank you! It was on the 3rd.");
    sent(&fake, "the customer's answer in the topic", |s| {
        s.chat_id == STAFF && s.thread_id == Some(thread) && s.text.contains("It was on the 3rd")
    })
    .await;

    // A note stays internal; the loser cannot write to a ticket someone else has.
    let before = fake.sent_to(ann.id).len();
    fake.group_text(
        STAFF,
        Some(thread),
        winner,
        "// refund system shows two captures",
        None,
    );
    fake.group_text(STAFF, Some(thread), loser, "Hello from me too", None);
    sent(&fake, "the loser is refused", |s| {
        s.chat_id == STAFF
            && s.thread_id == Some(thread)
            && s.text.contains("claim")
            && s.text.contains(&owner)
            && s.message_id > card.message_id + 3
    })
    .await;
    let messages = svc.store.messages(TicketId(1)).unwrap();
    let note = messages
        .iter()
        .find(|m| m.text.contains("two captures"))
        .expect("the note is in the transcript");
    assert!(note.internal);

    // Close: the customer is told; nothing of the note or the loser reached them.
    fake.group_text(STAFF, Some(thread), winner, "/close", None);
    sent(
        &fake,
        "the customer is told it is solved",
        to(ann.id, "solved"),
    )
    .await;
    let to_ann: Vec<String> = fake
        .sent_to(ann.id)
        .iter()
        .map(|s| s.text.clone())
        .collect();
    // Since the note: only the closing message and the survey question.
    assert!(
        to_ann[before..]
            .iter()
            .all(|t| t.contains("as solved") || t.contains("How happy")),
        "{to_ann:#?}"
    );
    assert!(
        to_ann
            .iter()
            .all(|t| !t.contains("captures") && !t.contains("from me too"))
    );
    assert_eq!(
        svc.store.ticket(TicketId(1)).unwrap().unwrap().status,
        TicketStatus::Resolved
    );
    // The survey (delay 0 here): a low score alerts the staff group, with the comment.
    let survey = sent(&fake, "the survey", |s| {
        s.chat_id == ann.id && s.buttons.len() == 5
    })
    .await;
    assert!(survey.text.contains("How happy"), "{}", survey.text);
    fake.press_button(&ann, ann.id, survey.message_id, "1 – very unhappy");
    sent(&fake, "the low-score alert", |s| {
        s.chat_id == STAFF
            && s.thread_id.is_none()
            && s.text.contains("Low satisfaction on T-1: 1 of 5 from Ann")
    })
    .await;
    sent(
        &fake,
        "the comment invitation",
        to(ann.id, "anything you would like to add"),
    )
    .await;
    fake.private_text(&ann, "It took three days to get an answer.");
    sent(
        &fake,
        "the comment passed on",
        to(STAFF, "Ann commented on T-1: It took three days"),
    )
    .await;
    let t = svc.store.ticket(TicketId(1)).unwrap().unwrap();
    let s = t.survey.unwrap();
    assert_eq!(s.csat, Some(1));
    assert_eq!(
        s.comment.as_deref(),
        Some("It took three days to get an answer.")
    );
    // Every update was confirmed.
    assert!(fake.wait_until(WAIT, |f| f.pending_updates() == 0).await);
    svc.stop().await;
}

/// Waits until the store maps a staff group message to T-1.
async fn linked(svc: &Service, message: i32) {
    let key = format!("telegram:msg:{STAFF}:{message}");
    for _ in 0..300 {
        if svc.store.linked_ticket(&key).unwrap() == Some(TicketId(1)) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("{key} was never linked to T-1");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_topics_agents_answer_by_reply_and_markup_arrives_as_written() {
    let fake = FakeTelegram::start().await;
    fake.supergroup(STAFF, "Support", false);
    let ann = fake.user(4242, "Ann", None);
    let bea = fake.user(7, "Bea", None);
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), &fake, "");
    let svc = start(dir.path(), &cfg).await;

    let tricky =
        "Price <b>5 & 6</b> *not bold* _x_ `y` &amp; [link](http://x) — talk to a human please";
    fake.private_text(&ann, tricky);
    let card = sent(&fake, "the card in the group", |s| {
        s.chat_id == STAFF && s.buttons.iter().any(|(l, _)| l == "Claim")
    })
    .await;
    assert_eq!(card.thread_id, None, "no topics in this group");
    assert!(
        card.text.contains(tricky),
        "the customer's text intact in the card: {}",
        card.text
    );
    assert_eq!(card.parse_mode.as_deref(), Some("HTML"));

    // A reply to the card reaches the customer, with markup characters as written. (The
    // card's id is recorded right after Telegram accepted it; a person replies seconds
    // later, so the test waits for that too.)
    linked(&svc, card.message_id).await;
    fake.group_text(
        STAFF,
        None,
        &bea,
        "<i>ok</i> & *done* 5 > 3",
        Some(card.message_id),
    );
    let answer = sent(&fake, "the reply", to(ann.id, "<i>ok</i> & *done* 5 > 3")).await;
    assert!(answer.text.contains("Bea"));
    // The customer's answer goes to the group as a message of the ticket; a reply to it
    // works too.
    fake.private_text(&ann, "thanks <3");
    let relay = sent(&fake, "the customer's answer", to(STAFF, "thanks <3")).await;
    linked(&svc, relay.message_id).await;
    fake.group_text(STAFF, None, &bea, "You're welcome", Some(relay.message_id));
    sent(&fake, "the second reply", to(ann.id, "You're welcome")).await;
    // Staff chatter outside tickets gets no answer.
    let n = fake.sent_to(STAFF).len();
    fake.group_text(STAFF, None, &bea, "coffee anyone?", None);
    fake.group_text(STAFF, None, &bea, "/claim", Some(card.message_id));
    sent(&fake, "the command's answer", |s| {
        s.chat_id == STAFF && s.message_id > relay.message_id + 1
    })
    .await;
    assert!(
        fake.sent_to(STAFF)
            .iter()
            .skip(n)
            .all(|s| !s.text.contains("coffee")),
        "chatter is not answered"
    );
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customer_sending_staff_commands_gets_no_staff_power() {
    let fake = FakeTelegram::start().await;
    fake.supergroup(STAFF, "Support", true);
    let ann = fake.user(4242, "Ann", None);
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), &fake, "");
    let svc = start(dir.path(), &cfg).await;

    fake.private_text(&ann, "My parcel never arrived, please talk to a human");
    sent(&fake, "the card", |s| {
        s.chat_id == STAFF && !s.buttons.is_empty()
    })
    .await;
    for cmd in [
        "/claim",
        "/close",
        "/priority urgent",
        "/note hidden",
        "/transfer Ann",
    ] {
        fake.private_text(&ann, cmd);
    }
    // Each is just a message of the customer: relayed to the topic as such.
    sent(
        &fake,
        "the last command relayed as customer text",
        to(STAFF, "/transfer Ann"),
    )
    .await;
    // A forged button press from the private chat cannot claim either.
    let ack = fake.sent_to(ann.id)[0].clone();
    fake.press(&ann, ann.id, ack.message_id, "claim:T-1");
    fake.press(&ann, ann.id, ack.message_id, "close:T-1");
    assert!(
        fake.wait_until(WAIT, |f| f.answered_callbacks().len() == 2)
            .await
    );
    assert!(fake.wait_until(WAIT, |f| f.pending_updates() == 0).await);
    let t = svc.store.ticket(TicketId(1)).unwrap().unwrap();
    assert_eq!(t.status, TicketStatus::Queued);
    assert!(t.assignee.is_none());
    assert_eq!(t.priority.as_str(), "normal");
    assert!(
        svc.store
            .messages(TicketId(1))
            .unwrap()
            .iter()
            .all(|m| !m.internal)
    );
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn photos_are_relayed_by_file_id_both_ways_and_edits_show_as_edits() {
    use switchboard_testkit::Media;
    let fake = FakeTelegram::start().await;
    fake.supergroup(STAFF, "Support", true);
    let ann = fake.user(4242, "Ann", None);
    let bea = fake.user(7, "Bea", None);
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), &fake, "");
    let svc = start(dir.path(), &cfg).await;

    let first = fake.private_text(&ann, "The box arrived broken, I need a person");
    let card = sent(&fake, "the card", |s| {
        s.chat_id == STAFF && !s.buttons.is_empty()
    })
    .await;
    let thread = card.thread_id.unwrap();
    let (_, file) = fake.private_media(&ann, Media::Photo, Some("this is the box"));
    let photo = sent(&fake, "the photo in the topic", |s| {
        s.chat_id == STAFF && s.media.is_some()
    })
    .await;
    assert_eq!(photo.media, Some((Media::Photo, file.clone())));
    assert_eq!(photo.thread_id, Some(thread));
    assert!(
        photo.text.contains("this is the box"),
        "caption: {}",
        photo.text
    );
    let stored = svc.store.messages(TicketId(1)).unwrap();
    assert!(stored.iter().any(|m| {
        m.attachment
            .as_ref()
            .is_some_and(|a| a.file.ends_with(&file))
    }));

    // The agent sends a document back.
    let (_, doc) = fake.group_media(
        STAFF,
        Some(thread),
        &bea,
        Media::Document,
        Some("the return label"),
        None,
    );
    let back = sent(&fake, "the document to the customer", |s| {
        s.chat_id == ann.id && s.media.is_some()
    })
    .await;
    assert_eq!(back.media, Some((Media::Document, doc)));
    assert!(back.text.contains("the return label"));

    // An edit of the customer's message shows up in the topic as an edit.
    fake.edit_text(
        ann.id,
        first,
        &ann,
        "The box arrived broken and wet, I need a person",
    );
    sent(
        &fake,
        "the edit",
        to(STAFF, "✏️ The box arrived broken and wet"),
    )
    .await;
    svc.stop().await;
}

/// A port that was free a moment ago (for the webhook's listen address).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhook_mode_takes_updates_with_the_secret_and_refuses_others() {
    let fake = FakeTelegram::start().await;
    fake.supergroup(STAFF, "Support", true);
    let ann = fake.user(4242, "Ann", None);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("secret"), "s3cret_token-1").unwrap();
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}/telegram");
    let cfg = config(
        dir.path(),
        &fake,
        &format!(
            "mode = \"webhook\"\n[telegram.webhook]\nlisten = \"127.0.0.1:{port}\"\npath = \"/telegram\"\nurl = \"{url}\"\nsecret_file = \"secret\"\n"
        ),
    );
    let svc = start(dir.path(), &cfg).await;
    assert!(
        fake.wait_until(WAIT, |f| !f.calls_to("setWebhook").is_empty())
            .await,
        "the webhook is registered"
    );
    let set = &fake.calls_to("setWebhook")[0];
    assert_eq!(set.params["url"], url.as_str());
    assert_eq!(set.params["secret_token"], "s3cret_token-1");

    fake.private_text(&ann, "Where is my parcel? talk to a human");
    sent(&fake, "the acknowledgement", to(ann.id, "T-1")).await;
    assert!(fake.webhook_statuses().contains(&200));

    // A request without the secret, or with another, is refused and changes nothing.
    let client = reqwest::Client::new();
    let forged = serde_json::json!({"update_id": 999, "message": {"message_id": 1, "date": 1767603600,
        "chat": {"id": 4243, "type": "private", "first_name": "Eve"},
        "from": {"id": 4243, "is_bot": false, "first_name": "Eve"}, "text": "I am not Telegram"}});
    for secret in [None, Some("wrong"), Some("s3cret_token-")] {
        let mut req = client.post(&url).json(&forged);
        if let Some(s) = secret {
            req = req.header("X-Telegram-Bot-Api-Secret-Token", s);
        }
        let status = req.send().await.unwrap().status();
        assert_eq!(status.as_u16(), 401, "secret {secret:?}");
    }
    assert_eq!(
        svc.store.last_ticket_id().unwrap(),
        1,
        "the forged update opened nothing"
    );
    svc.stop().await;
}

/// Customers `first..first + n`, each writing one message that self-service answers (the
/// acknowledgement and the answer with its buttons: one message each).
fn burst(fake: &FakeTelegram, first: i64, n: i64) -> Vec<i64> {
    let ids: Vec<i64> = (first..first + n).collect();
    for id in &ids {
        let u = fake.user(*id, &format!("C{id}"), Some("en"));
        fake.private_text(&u, "Hi, I forgot my password");
    }
    ids
}

/// How many customers of `ids` got their answer.
fn served(fake: &FakeTelegram, ids: &[i64]) -> usize {
    ids.iter()
        .filter(|id| !fake.sent_to(**id).is_empty())
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_200_customers_arrives_whole_within_the_limits() {
    let fake = FakeTelegram::start().await;
    fake.supergroup(STAFF, "Support", true);
    fake.set_rate_limits(true);
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), &fake, "");
    let svc = start(dir.path(), &cfg).await;
    let ids = burst(&fake, 10_000, 200);
    assert!(
        fake.wait_until(Duration::from_secs(90), |f| served(f, &ids) == ids.len())
            .await,
        "served {} of 200",
        served(&fake, &ids)
    );
    for id in &ids {
        let got = fake.sent_to(*id);
        assert_eq!(got.len(), 1, "customer {id}: {got:#?}");
        assert!(got[0].text.contains("Your request is ticket"));
        assert!(got[0].text.contains("reset your password"));
        assert!(got[0].buttons.iter().any(|(l, _)| l == "Yes"));
    }
    assert_eq!(svc.store.last_ticket_id().unwrap(), 200);
    let violations = fake.audit_rate_limits();
    assert!(violations.is_empty(), "{violations:#?}");
    assert_eq!(
        fake.limit_violations(),
        0,
        "the fake never had to answer 429"
    );
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_in_the_middle_of_a_burst_loses_nothing_and_doubles_nothing() {
    let fake = FakeTelegram::start().await;
    fake.supergroup(STAFF, "Support", true);
    fake.set_rate_limits(true);
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), &fake, "");
    let svc = start(dir.path(), &cfg).await;
    let ids = burst(&fake, 20_000, 100);
    assert!(
        fake.wait_until(Duration::from_secs(60), |f| served(f, &ids) >= 30)
            .await
    );
    svc.stop().await;
    let during = served(&fake, &ids);
    assert!(
        during < ids.len(),
        "the restart came in the middle ({during} served)"
    );
    let svc = start(dir.path(), &cfg).await;
    assert!(
        fake.wait_until(Duration::from_secs(90), |f| served(f, &ids) == ids.len())
            .await,
        "served {} of 100 after the restart",
        served(&fake, &ids)
    );
    assert!(fake.wait_until(WAIT, |f| f.pending_updates() == 0).await);
    // Give a doubled send the time to show up.
    tokio::time::sleep(Duration::from_secs(2)).await;
    for id in &ids {
        let got = fake.sent_to(*id);
        assert_eq!(got.len(), 1, "customer {id} got: {got:#?}");
    }
    assert_eq!(svc.store.last_ticket_id().unwrap(), 100, "one ticket each");
    assert!(fake.audit_rate_limits().is_empty());
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn topics_are_renamed_reopened_and_recreated_as_needed() {
    let fake = FakeTelegram::start().await;
    fake.supergroup(STAFF, "Support", true);
    let ann = fake.user(4242, "Ann", None);
    let bea = fake.user(7, "Bea", None);
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), &fake, "");
    let svc = start(dir.path(), &cfg).await;

    fake.private_text(&ann, "My parcel never arrived, talk to a human");
    let card = sent(&fake, "the card", |s| {
        s.chat_id == STAFF && !s.buttons.is_empty()
    })
    .await;
    let thread = card.thread_id.unwrap();
    let first_name = fake.topics(STAFF)[0].name.clone();
    assert!(first_name.ends_with("· normal"), "{first_name}");
    // The staff menu was set for the group (nice to have, but it is there).
    assert!(!fake.my_commands().is_empty());

    // A priority change renames the topic.
    fake.group_text(STAFF, Some(thread), &bea, "/priority urgent", None);
    assert!(
        fake.wait_until(WAIT, |f| f.topics(STAFF)[0].name.ends_with("· urgent"))
            .await,
        "renamed: {:?}",
        fake.topics(STAFF)
    );

    // Closed by hand: reopened when the ticket has something to say.
    fake.close_topic(STAFF, thread);
    fake.private_text(&ann, "any news?");
    sent(&fake, "the message in the reopened topic", |s| {
        s.chat_id == STAFF && s.thread_id == Some(thread) && s.text.contains("any news?")
    })
    .await;
    assert!(!fake.topics(STAFF)[0].closed);

    // Deleted by hand: a new topic, and messages in it still reach the ticket.
    fake.delete_topic(STAFF, thread);
    fake.private_text(&ann, "hello?");
    let moved = sent(&fake, "the message in a new topic", |s| {
        s.chat_id == STAFF && s.text.contains("hello?")
    })
    .await;
    let new_thread = moved.thread_id.unwrap();
    assert_ne!(new_thread, thread);
    fake.group_text(
        STAFF,
        Some(new_thread),
        &bea,
        "Found it, it arrives tomorrow.",
        None,
    );
    sent(
        &fake,
        "the answer from the new topic",
        to(ann.id, "arrives tomorrow"),
    )
    .await;
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_dropped_connections_and_slow_answers_lose_nothing() {
    use switchboard_testkit::Fault;
    let fake = FakeTelegram::start().await;
    fake.supergroup(STAFF, "Support", true);
    let ann = fake.user(4242, "Ann", None);
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), &fake, "");
    let svc = start(dir.path(), &cfg).await;
    fake.private_text(&ann, "/start");
    sent(&fake, "the greeting", to(ann.id, "Hello")).await;

    fake.fail_next("sendMessage", Fault::TooManyRequests { retry_after: 1 });
    fake.fail_next("sendMessage", Fault::DropConnection);
    fake.fail_next("sendMessage", Fault::Delay(Duration::from_millis(1500)));
    fake.fail_next("getUpdates", Fault::DropConnection);
    fake.private_text(&ann, "I forgot my password");
    let ack = sent(
        &fake,
        "the acknowledgement with the answer, after a 429 and a dropped connection",
        to(ann.id, "T-1"),
    )
    .await;
    assert!(ack.text.contains("reset your password"), "{}", ack.text);
    let calls = fake.calls_to("sendMessage");
    let statuses: Vec<u16> = calls.iter().map(|c| c.status).collect();
    assert!(
        statuses.contains(&429) && statuses.contains(&0),
        "{statuses:?}"
    );
    // The 429 asked for a second: the retry came no sooner.
    let refused = calls.iter().find(|c| c.status == 429).unwrap();
    assert!(ack.at.duration_since(refused.at) >= Duration::from_millis(950));
    assert_eq!(fake.sent_to(ann.id).len(), 2, "each message once");
    // A customer who blocked the bot: the message is dropped (logged), the rest goes on.
    let bob = fake.user(5151, "Bob", None);
    fake.private_text(&bob, "/start");
    sent(&fake, "Bob's greeting", to(bob.id, "Hello")).await;
    fake.block_bot(bob.id, true);
    fake.raw_update(
        serde_json::json!({"message": {"message_id": 99, "date": 1767603600,
        "chat": {"id": 5151, "type": "private", "first_name": "Bob"},
        "from": {"id": 5151, "is_bot": false, "first_name": "Bob"}, "text": "where is my order"}}),
    );
    fake.private_text(&ann, "thanks");
    assert!(
        fake.wait_until(WAIT, |_| svc.store.outbox(10).unwrap().is_empty())
            .await,
        "the outbox drains"
    );
    svc.stop().await;
}
