//! The Discord channel end to end: the real service runtime (`switchboard::serve::run`,
//! the real serenity client, desk and sled store) against the fake Discord (REST and
//! gateway) of crates/testkit on 127.0.0.1; and a mixed set-up with the fake Telegram.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use switchboard::config::Settings;
use switchboard_desk::Store;
use switchboard_domain::{TicketId, TicketStatus};
use switchboard_store::SledStore;
use switchboard_testkit::FakeTelegram;
use switchboard_testkit::discord::{
    DiscordUser, FakeDiscord, GUILD_ID, STAFF_CHANNEL_ID, STAFF_ROLE_ID, SUPPORT_CHANNEL_ID, Sent,
};
use tokio::sync::watch;

pub(crate) const WAIT: Duration = Duration::from_secs(20);
const TG_STAFF: i64 = -1_001_234_567_890;

/// A running service.
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
        drop(self.store);
    }
}

/// The `[discord]` section for the fake, with the staff space on Discord unless
/// `staff_here` is false.
pub(crate) fn discord_section(fake: &FakeDiscord, staff_here: bool, support: bool) -> String {
    format!(
        r#"
[discord]
enabled = true
api_url = "{url}"
token_file = "discord-token"
guild_id = {GUILD_ID}
staff_role_id = {STAFF_ROLE_ID}
staff_channel_id = {staff}
support_channel_id = {support}
"#,
        url = fake.url(),
        staff = if staff_here { STAFF_CHANNEL_ID } else { 0 },
        support = if support { SUPPORT_CHANNEL_ID } else { 0 },
    )
}

pub(crate) fn write_config(dir: &Path, fake: &FakeDiscord, body: &str) -> PathBuf {
    std::fs::write(dir.join("discord-token"), fake.token()).unwrap();
    let path = dir.join("switchboard.toml");
    std::fs::write(
        &path,
        format!("[admin]\nlisten = \"\"\n\n[desk.survey]\ndelay = \"0\"\n{body}"),
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

/// A message's text: its content and its embeds' descriptions.
pub(crate) fn text(s: &Sent) -> String {
    let mut t = s.content.clone();
    for e in s.embeds.as_array().into_iter().flatten() {
        if let Some(d) = e["description"].as_str() {
            t.push('\n');
            t.push_str(d);
        }
        if let Some(d) = e["title"].as_str() {
            t.push('\n');
            t.push_str(d);
        }
    }
    t
}

pub(crate) async fn sent(fake: &FakeDiscord, what: &str, pred: impl Fn(&Sent) -> bool) -> Sent {
    match fake.wait_sent(WAIT, pred).await {
        Some(s) => s,
        None => panic!(
            "nothing sent: {what}\nsent so far:\n{:#?}",
            fake.sent()
                .iter()
                .map(|s| (s.channel_id, text(s)))
                .collect::<Vec<_>>()
        ),
    }
}

pub(crate) fn in_channel(channel: u64, needle: &'static str) -> impl Fn(&Sent) -> bool {
    move |s: &Sent| s.channel_id == channel && text(s).contains(needle)
}

/// The ticket's staff thread, once it exists.
async fn thread_of(fake: &FakeDiscord, prefix: &str) -> u64 {
    let prefix = prefix.to_string();
    assert!(
        fake.wait_until(WAIT, |f| f
            .threads()
            .iter()
            .any(|t| t.parent_id == STAFF_CHANNEL_ID && t.name.starts_with(&prefix)))
            .await,
        "no staff thread named {prefix}…: {:#?}",
        fake.threads()
    );
    fake.threads()
        .into_iter()
        .find(|t| t.parent_id == STAFF_CHANNEL_ID && t.name.starts_with(&prefix))
        .map(|t| t.id)
        .expect("the thread")
}

/// Waits until T-1's transcript has an internal note containing `needle`.
async fn note_recorded(svc: &Service, needle: &str) {
    for _ in 0..2000 {
        if svc
            .store
            .messages(TicketId(1))
            .unwrap()
            .iter()
            .any(|m| m.internal && m.text.contains(needle))
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("the note {needle:?} never reached T-1");
}

fn staff(fake: &FakeDiscord, id: u64, name: &str) -> DiscordUser {
    let u = fake.user(id, name);
    fake.member(&u, &[STAFF_ROLE_ID]);
    u
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dm_becomes_a_ticket_in_a_staff_thread_claimed_relayed_noted_closed_and_surveyed() {
    let fake = FakeDiscord::start().await;
    let ann = fake.user(501, "ann");
    let bea = staff(&fake, 601, "bea");
    let cal = staff(&fake, 602, "cal");
    let dir = tempfile::tempdir().unwrap();
    let cfg = write_config(dir.path(), &fake, &discord_section(&fake, true, false));
    let svc = start(dir.path(), &cfg).await;
    assert!(fake.wait_connected(WAIT).await, "the gateway connects");
    let dm = fake.dm_channel(&ann);

    fake.dm(
        &ann,
        "I was charged twice for order 88123, I want a refund. Please let me talk to a person",
    );
    let ack = sent(&fake, "the acknowledgement", in_channel(dm, "T-1")).await;
    assert!(text(&ack).contains("ticket T-1"), "{}", text(&ack));
    let card = sent(&fake, "the card with Claim and Close", |s| {
        s.channel_id == STAFF_CHANNEL_ID && s.custom_ids().iter().any(|c| c.starts_with("claim:"))
    })
    .await;
    assert!(
        card.embeds.as_array().is_some_and(|e| !e.is_empty()),
        "the card is an embed"
    );
    let labels: Vec<String> = card.buttons().into_iter().map(|(l, _)| l).collect();
    assert!(
        labels.contains(&"Claim".to_string()) && labels.contains(&"Close".to_string()),
        "{labels:?}"
    );
    let thread = thread_of(&fake, "T-1 · billing").await;

    // Two agents press Claim at once: exactly one wins; both presses are acknowledged.
    let p1 = fake.press_button(&bea, card.message_id, "Claim");
    let p2 = fake.press_button(&cal, card.message_id, "Claim");
    for p in [&p1, &p2] {
        let r = fake
            .wait_interaction_response(p.id, WAIT)
            .await
            .expect("every press is answered");
        assert!(
            r.delay < Duration::from_secs(3),
            "answered within 3 s: {:?}",
            r.delay
        );
    }
    assert!(
        fake.wait_until(WAIT, |_| svc
            .store
            .ticket(TicketId(1))
            .unwrap()
            .is_some_and(|t| t.status == TicketStatus::Claimed))
            .await
    );
    let owner = svc
        .store
        .ticket(TicketId(1))
        .unwrap()
        .unwrap()
        .assignee
        .unwrap()
        .name;
    let (winner, loser) = if owner == "bea" {
        (&bea, &cal)
    } else {
        (&cal, &bea)
    };
    assert!(owner == "bea" || owner == "cal", "{owner}");
    sent(&fake, "the loser is told who has it", |s| {
        s.channel_id == thread && text(s).contains(&owner) && text(s).contains("T-1")
    })
    .await;

    // The agent writes in the thread: the customer gets it, signed.
    fake.say(thread, winner, "Hi ann, I'm checking the double charge.");
    let relayed = sent(
        &fake,
        "the agent's answer",
        in_channel(dm, "checking the double charge"),
    )
    .await;
    assert!(
        text(&relayed).contains(&owner),
        "signed: {}",
        text(&relayed)
    );
    // The customer answers: it appears in the thread.
    fake.dm(&ann, "Thank you! It was on the 3rd.");
    sent(
        &fake,
        "the customer's answer in the thread",
        in_channel(thread, "It was on the 3rd"),
    )
    .await;
    // A note stays internal; the loser cannot write to a ticket someone else has.
    fake.say(thread, winner, "// refund system shows two captures");
    fake.say(thread, loser, "Hello from me too");
    assert!(
        fake.wait_until(WAIT, |_| svc
            .store
            .messages(TicketId(1))
            .unwrap()
            .iter()
            .any(|m| m.text.contains("two captures") && m.internal))
            .await,
        "the note is in the transcript, internal"
    );
    // Close with the slash command: acknowledged to the agent only, the customer told.
    let close = fake.slash(winner, thread, "close", &[]);
    let r = fake
        .wait_interaction_response(close.id, WAIT)
        .await
        .expect("answered");
    assert!(r.delay < Duration::from_secs(3));
    sent(
        &fake,
        "the customer is told it is solved",
        in_channel(dm, "solved"),
    )
    .await;
    // The survey with buttons; the answer is stored.
    let survey = sent(&fake, "the survey", |s| {
        s.channel_id == dm && s.custom_ids().iter().any(|c| c.starts_with("csat:"))
    })
    .await;
    assert_eq!(survey.custom_ids().len(), 5, "{:?}", survey.custom_ids());
    let press = fake.press(&ann, survey.message_id, "csat:T-1:5");
    fake.wait_interaction_response(press.id, WAIT)
        .await
        .expect("answered");
    assert!(
        fake.wait_until(WAIT, |_| svc
            .store
            .ticket(TicketId(1))
            .unwrap()
            .and_then(|t| t.survey)
            .is_some_and(|s| s.csat == Some(5)))
            .await,
        "the CSAT answer is stored"
    );
    // Nothing of the note or the loser's attempt reached the customer; nobody was pinged.
    let to_ann: Vec<String> = fake.sent_to(dm).iter().map(text).collect();
    assert!(
        to_ann
            .iter()
            .all(|t| !t.contains("captures") && !t.contains("from me too")),
        "{to_ann:#?}"
    );
    assert!(
        fake.sent()
            .iter()
            .all(|s| s.mentions.is_empty() && s.mention_roles.is_empty())
    );
    assert!(
        fake.unknown_calls().is_empty(),
        "{:#?}",
        fake.unknown_calls()
    );
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_support_channel_moves_to_a_private_thread_and_slash_ticket_picks_the_category() {
    let fake = FakeDiscord::start().await;
    let ann = fake.user(501, "ann");
    fake.member(&ann, &[]);
    let dan = fake.user(502, "dan");
    fake.member(&dan, &[]);
    let dir = tempfile::tempdir().unwrap();
    let cfg = write_config(dir.path(), &fake, &discord_section(&fake, true, true));
    let svc = start(dir.path(), &cfg).await;
    assert!(fake.wait_connected(WAIT).await);

    // A public message: moved to a private thread with the customer, answered there.
    fake.say(
        SUPPORT_CHANNEL_ID,
        &ann,
        "My parcel never arrived, my address is 1 Main St",
    );
    assert!(
        fake.wait_until(WAIT, |f| f
            .threads()
            .iter()
            .any(|t| t.parent_id == SUPPORT_CHANNEL_ID
                && t.kind == 12
                && t.members.contains(&501)))
            .await,
        "a private thread with the customer: {:#?}",
        fake.threads()
    );
    let private = fake
        .threads()
        .into_iter()
        .find(|t| t.parent_id == SUPPORT_CHANNEL_ID)
        .unwrap();
    sent(
        &fake,
        "the acknowledgement in the private thread",
        in_channel(private.id, "T-1"),
    )
    .await;
    // The public message goes once what it said is durable in the private thread.
    assert!(
        fake.wait_until(WAIT, |f| f
            .history(SUPPORT_CHANNEL_ID)
            .iter()
            .all(|m| !m["content"].as_str().unwrap_or("").contains("1 Main St")))
            .await,
        "nothing personal stays in public: {:?}",
        fake.history(SUPPORT_CHANNEL_ID)
    );
    // The customer goes on in the thread: the same ticket.
    fake.say(private.id, &ann, "Order 55123");
    assert!(
        fake.wait_until(WAIT, |_| svc
            .store
            .messages(TicketId(1))
            .unwrap()
            .iter()
            .any(|m| m.text == "Order 55123"))
            .await
    );
    assert_eq!(svc.store.last_ticket_id().unwrap(), 1);

    // `/ticket` with a category, in the support channel.
    let cmd = fake.slash(
        &dan,
        SUPPORT_CHANNEL_ID,
        "ticket",
        &[
            ("category", json!("account")),
            ("message", json!("I need help with something")),
        ],
    );
    let r = fake
        .wait_interaction_response(cmd.id, WAIT)
        .await
        .expect("answered");
    assert!(r.delay < Duration::from_secs(3));
    assert!(
        fake.wait_until(WAIT, |_| svc.store.ticket(TicketId(2)).unwrap().is_some())
            .await,
        "T-2 opened"
    );
    let t2 = svc.store.ticket(TicketId(2)).unwrap().unwrap();
    assert_eq!(t2.category.as_str(), "account", "the customer's choice");
    assert_eq!(t2.customer_name, "dan");
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn members_without_the_staff_role_are_refused_every_staff_command_and_button() {
    let fake = FakeDiscord::start().await;
    let ann = fake.user(501, "ann");
    let eve = fake.user(666, "eve");
    fake.member(&eve, &[]);
    let dir = tempfile::tempdir().unwrap();
    let cfg = write_config(dir.path(), &fake, &discord_section(&fake, true, false));
    let svc = start(dir.path(), &cfg).await;
    assert!(fake.wait_connected(WAIT).await);
    fake.dm(&ann, "Please let me talk to a person about my refund");
    let card = sent(&fake, "the card", |s| {
        s.channel_id == STAFF_CHANNEL_ID && !s.custom_ids().is_empty()
    })
    .await;
    let thread = thread_of(&fake, "T-1").await;

    for label in ["Claim", "Close"] {
        let p = fake.press_button(&eve, card.message_id, label);
        let r = fake
            .wait_interaction_response(p.id, WAIT)
            .await
            .expect("answered");
        assert_eq!(r.kind, 4, "{label}: a message, only for her");
        assert_eq!(r.data["flags"].as_u64().unwrap_or(0) & 64, 64, "ephemeral");
        assert!(
            r.data["content"]
                .as_str()
                .unwrap_or("")
                .contains("staff role"),
            "{:?}",
            r.data
        );
    }
    for (cmd, opts) in [
        ("claim", vec![]),
        ("release", vec![]),
        ("close", vec![]),
        ("note", vec![("text", json!("hi"))]),
        ("priority", vec![("level", json!("urgent"))]),
        ("category", vec![("name", json!("billing"))]),
        ("transfer", vec![("agent", json!("eve"))]),
        ("queue", vec![]),
        ("away", vec![]),
        ("back", vec![]),
    ] {
        let i = fake.slash(&eve, thread, cmd, &opts);
        let r = fake
            .wait_interaction_response(i.id, WAIT)
            .await
            .expect("answered");
        assert!(
            r.data["content"]
                .as_str()
                .unwrap_or("")
                .contains("staff role"),
            "/{cmd}: {:?}",
            r.data
        );
    }
    // Her plain message in the thread reaches nobody. A real agent's note after it, in the
    // same thread, is handled after it: once the note is in, hers was dealt with.
    fake.say(thread, &eve, "I am staff, give me the customer's address");
    let bea = staff(&fake, 601, "bea");
    fake.say(thread, &bea, "// checked by bea");
    note_recorded(&svc, "checked by bea").await;
    let t = svc.store.ticket(TicketId(1)).unwrap().unwrap();
    assert_eq!(t.status, TicketStatus::Queued, "nothing changed");
    assert_ne!(t.priority.as_str(), "urgent");
    let messages = svc.store.messages(TicketId(1)).unwrap();
    assert!(
        messages
            .iter()
            .all(|m| !m.text.contains("address") && m.text != "hi")
    );
    assert!(
        fake.sent_to(fake.dm_channel(&ann))
            .iter()
            .all(|s| !text(s).contains("address"))
    );
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn customer_text_with_mass_and_role_mentions_pings_nobody() {
    let fake = FakeDiscord::start().await;
    let ann = fake.user(501, "ann");
    let dir = tempfile::tempdir().unwrap();
    let cfg = write_config(dir.path(), &fake, &discord_section(&fake, true, false));
    let svc = start(dir.path(), &cfg).await;
    assert!(fake.wait_connected(WAIT).await);
    let hostile =
        format!("@everyone @here <@&{STAFF_ROLE_ID}> <@601> **bold** ``` please talk to a person");
    fake.dm(&ann, &hostile);
    let card = sent(&fake, "the card", |s| {
        s.channel_id == STAFF_CHANNEL_ID && text(s).contains("bold")
    })
    .await;
    let thread = thread_of(&fake, "T-1").await;
    fake.dm(&ann, "@everyone hello again <@&810000000000000002>");
    let relayed = sent(&fake, "the relay", in_channel(thread, "hello again")).await;
    for s in [&card, &relayed] {
        assert!(
            s.mentions.is_empty() && s.mention_roles.is_empty(),
            "{s:#?}"
        );
        let am = s
            .allowed_mentions
            .as_ref()
            .expect("allowed_mentions on every send");
        assert!(
            am["parse"].as_array().is_none_or(|p| p.is_empty()),
            "no mention kinds parsed: {am}"
        );
    }
    // The card still shows the text (escaped, not eaten), and keeps its buttons.
    assert!(text(&card).contains("everyone"), "{}", text(&card));
    assert!(!card.custom_ids().is_empty());
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gateway_disconnect_mid_conversation_resumes_and_loses_nothing() {
    let fake = FakeDiscord::start().await;
    let ann = fake.user(501, "ann");
    let bea = staff(&fake, 601, "bea");
    let dir = tempfile::tempdir().unwrap();
    let cfg = write_config(dir.path(), &fake, &discord_section(&fake, true, false));
    let svc = start(dir.path(), &cfg).await;
    assert!(fake.wait_connected(WAIT).await);
    let dm = fake.dm_channel(&ann);
    fake.dm(
        &ann,
        "Please let me talk to a person, my card was charged twice",
    );
    let thread = thread_of(&fake, "T-1").await;
    fake.slash(&bea, thread, "claim", &[]);
    sent(&fake, "the claim", |s| {
        s.channel_id == thread && text(s).contains("bea")
    })
    .await;

    // The connection drops; the customer and the agent write meanwhile.
    assert!(fake.disconnect_gateway());
    fake.dm(&ann, "Are you there? First message while you were away");
    fake.say(thread, &bea, "Yes, I'm here, looking at it now");
    fake.dm(&ann, "Second message while you were away");
    assert!(
        fake.wait_until(WAIT, |f| f.resumes() >= 1).await,
        "the client resumes"
    );
    sent(
        &fake,
        "the first",
        in_channel(thread, "First message while"),
    )
    .await;
    sent(
        &fake,
        "the second",
        in_channel(thread, "Second message while"),
    )
    .await;
    sent(
        &fake,
        "the agent's answer",
        in_channel(dm, "looking at it now"),
    )
    .await;
    let messages = svc.store.messages(TicketId(1)).unwrap();
    let first = messages
        .iter()
        .position(|m| m.text.contains("First message"))
        .unwrap();
    let second = messages
        .iter()
        .position(|m| m.text.contains("Second message"))
        .unwrap();
    assert!(first < second, "in order");
    assert_eq!(
        messages
            .iter()
            .filter(|m| m.text.contains("First message"))
            .count(),
        1,
        "once"
    );
    svc.stop().await;

    // Down for a while: what the customer wrote meanwhile is fetched at the next start.
    fake.backfill(
        dm,
        &ann,
        switchboard_testkit::IncomingMessage::text("Written while the bot was down"),
    );
    let svc = start(dir.path(), &cfg).await;
    assert!(
        fake.wait_until(WAIT, |_| svc
            .store
            .messages(TicketId(1))
            .unwrap()
            .iter()
            .any(|m| m.text.contains("while the bot was down")))
            .await,
        "caught up from history"
    );
    sent(
        &fake,
        "relayed to the thread",
        in_channel(thread, "while the bot was down"),
    )
    .await;
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customer_on_telegram_is_answered_by_an_agent_on_discord() {
    let tg = FakeTelegram::start().await;
    let dc = FakeDiscord::start().await;
    let ann = tg.user(4242, "Ann", Some("en"));
    let bea = staff(&dc, 601, "bea");
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("tg-token"), tg.token()).unwrap();
    let body = format!(
        "{}\n[telegram]\nenabled = true\napi_url = \"{}\"\ntoken_file = \"tg-token\"\nstaff_chat_id = 0\npoll_timeout_secs = 1\n",
        discord_section(&dc, true, false),
        tg.url()
    );
    let cfg = write_config(dir.path(), &dc, &body);
    let svc = start(dir.path(), &cfg).await;
    assert!(dc.wait_connected(WAIT).await);

    tg.private_text(&ann, "Please let me talk to a person, my parcel is lost");
    assert!(
        tg.wait_sent(WAIT, |s| s.chat_id == ann.id && s.text.contains("T-1"))
            .await
            .is_some(),
        "acknowledged on Telegram"
    );
    let card = sent(&dc, "the card on Discord", |s| {
        s.channel_id == STAFF_CHANNEL_ID && text(s).contains("Ann")
    })
    .await;
    let thread = thread_of(&dc, "T-1").await;
    dc.press_button(&bea, card.message_id, "Claim");
    dc.say(thread, &bea, "Hello Ann, I found your parcel.");
    let answer = tg
        .wait_sent(WAIT, |s| {
            s.chat_id == ann.id && s.text.contains("found your parcel")
        })
        .await
        .expect("the Discord agent's answer reaches the Telegram customer");
    assert!(answer.text.contains("bea"), "signed: {}", answer.text);
    tg.private_text(&ann, "Wonderful, thanks!");
    sent(
        &dc,
        "the Telegram customer's reply in the Discord thread",
        in_channel(thread, "Wonderful"),
    )
    .await;
    assert!(
        tg.sent().iter().all(|s| s.chat_id != TG_STAFF),
        "no Telegram staff group in this set-up"
    );
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn edits_are_shown_as_edits_of_the_relayed_messages() {
    let fake = FakeDiscord::start().await;
    let ann = fake.user(501, "ann");
    let bea = staff(&fake, 601, "bea");
    let dir = tempfile::tempdir().unwrap();
    let cfg = write_config(dir.path(), &fake, &discord_section(&fake, true, false));
    let svc = start(dir.path(), &cfg).await;
    assert!(fake.wait_connected(WAIT).await);
    let dm = fake.dm_channel(&ann);
    fake.dm(&ann, "Please let me talk to a person about order 88123");
    let thread = thread_of(&fake, "T-1").await;
    fake.slash(&bea, thread, "claim", &[]);
    sent(&fake, "the claim", |s| {
        s.channel_id == thread && text(s).contains("bea")
    })
    .await;

    // The customer corrects a message: its copy in the thread is edited, not repeated.
    let mid = fake.dm(&ann, "The order is 88123");
    let relay = sent(&fake, "the relay", in_channel(thread, "The order is 88123")).await;
    fake.edit(mid, "The order is 88124, sorry");
    let edited = sent(&fake, "the relay edited", |s| {
        s.edit && s.message_id == relay.message_id && text(s).contains("88124, sorry")
    })
    .await;
    assert!(
        text(&edited).contains("✏️"),
        "marked as corrected: {}",
        text(&edited)
    );
    assert!(edited.allowed_mentions.is_some());
    // The agent corrects theirs: the customer's copy is edited.
    let amid = fake.say(thread, &bea, "I will refund 10 euros");
    let copy = sent(&fake, "the answer", in_channel(dm, "refund 10 euros")).await;
    fake.edit(amid, "I will refund 12 euros");
    sent(&fake, "the customer's copy edited", |s| {
        s.edit && s.message_id == copy.message_id && text(s).contains("12 euros")
    })
    .await;
    // An edited command does nothing again; the transcript keeps both versions.
    let close = fake.say(thread, &bea, "/release");
    fake.edit(close, "/close");
    // A note after them in the thread: once it is in, the edit was dealt with.
    fake.say(thread, &bea, "// after the edit");
    note_recorded(&svc, "after the edit").await;
    let t = svc.store.ticket(TicketId(1)).unwrap().unwrap();
    assert_eq!(
        t.status,
        TicketStatus::Queued,
        "released, not closed by the edit"
    );
    let texts: Vec<String> = svc
        .store
        .messages(TicketId(1))
        .unwrap()
        .into_iter()
        .map(|m| m.text)
        .collect();
    assert!(
        texts.iter().any(|t| t == "The order is 88123"),
        "{texts:#?}"
    );
    assert!(
        texts.iter().any(|t| t.contains("88124, sorry")),
        "{texts:#?}"
    );
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn self_service_buttons_and_files_work_on_discord() {
    let fake = FakeDiscord::start().await;
    let ann = fake.user(501, "ann");
    let bob = fake.user(502, "bob");
    let dir = tempfile::tempdir().unwrap();
    let cfg = write_config(dir.path(), &fake, &discord_section(&fake, true, false));
    let svc = start(dir.path(), &cfg).await;
    assert!(fake.wait_connected(WAIT).await);

    // An automatic answer with "Did this solve it?" buttons; Yes resolves it by self-service.
    let dm = fake.dm_channel(&ann);
    fake.dm(&ann, "Hi! I forgot my password and can't log in");
    let answer = sent(&fake, "the automatic answer", |s| {
        s.channel_id == dm && s.custom_ids().iter().any(|c| c.starts_with("yes:"))
    })
    .await;
    let yes = fake.press(&ann, answer.message_id, "yes:T-1");
    let r = fake
        .wait_interaction_response(yes.id, WAIT)
        .await
        .expect("answered");
    assert!(r.delay < Duration::from_secs(3), "{:?}", r.delay);
    assert!(
        fake.wait_until(WAIT, |_| svc
            .store
            .ticket(TicketId(1))
            .unwrap()
            .is_some_and(|t| t.status == TicketStatus::Resolved))
            .await,
        "resolved by self-service"
    );
    assert!(
        fake.threads()
            .iter()
            .all(|t| t.parent_id != STAFF_CHANNEL_ID),
        "no staff thread for a deflected ticket"
    );

    // A file from a customer reaches the agents' thread.
    fake.dm(&bob, "Please let me talk to a person, I was charged twice");
    let thread = thread_of(&fake, "T-2").await;
    fake.dm_message(
        &bob,
        switchboard_testkit::IncomingMessage::text("here is the receipt").attachment(
            "receipt.png",
            "image/png",
            b"\x89PNG fake",
        ),
    );
    let relayed = sent(
        &fake,
        "the file in the thread",
        in_channel(thread, "receipt.png"),
    )
    .await;
    assert!(
        text(&relayed).contains("here is the receipt"),
        "{}",
        text(&relayed)
    );
    let stored = svc.store.messages(TicketId(2)).unwrap();
    assert!(
        stored.iter().any(|m| m
            .attachment
            .as_ref()
            .is_some_and(|a| a.file.starts_with("discord:"))),
        "the file is kept with its message: {stored:#?}"
    );
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_private_thread_is_reused_after_it_archived_and_never_replaced_by_the_public_channel() {
    let fake = FakeDiscord::start().await;
    let ann = fake.user(501, "ann");
    fake.member(&ann, &[]);
    let dan = fake.user(502, "dan");
    fake.member(&dan, &[]);
    let dir = tempfile::tempdir().unwrap();
    let cfg = write_config(dir.path(), &fake, &discord_section(&fake, true, true));
    let svc = start(dir.path(), &cfg).await;
    assert!(fake.wait_connected(WAIT).await);
    fake.say(SUPPORT_CHANNEL_ID, &ann, "My parcel never arrived");
    let private = |f: &FakeDiscord| {
        f.threads()
            .into_iter()
            .filter(|t| t.parent_id == SUPPORT_CHANNEL_ID)
            .collect::<Vec<_>>()
    };
    assert!(fake.wait_until(WAIT, |f| private(f).len() == 1).await);
    let thread = private(&fake)[0].id;
    sent(&fake, "the acknowledgement", in_channel(thread, "T-1")).await;
    // Discord archives the quiet thread; the customer writes in public again.
    fake.set_thread_archived(thread, true, false);
    fake.say(SUPPORT_CHANNEL_ID, &ann, "Any news about my parcel?");
    assert!(
        fake.wait_until(WAIT, |_| svc
            .store
            .messages(TicketId(1))
            .unwrap()
            .iter()
            .any(|m| m.text == "Any news about my parcel?"))
            .await,
        "the same ticket"
    );
    assert_eq!(
        private(&fake).len(),
        1,
        "the thread was reopened, not replaced"
    );
    assert!(!fake.thread(thread).unwrap().archived);

    // When the private thread cannot be made, /ticket opens nothing in public.
    fake.fail_next_on(
        "POST",
        "/channels/*/threads",
        switchboard_testkit::DiscordFault::Error {
            status: 403,
            code: 50013,
            message: "Missing Permissions".into(),
        },
    );
    let i = fake.slash(
        &dan,
        SUPPORT_CHANNEL_ID,
        "ticket",
        &[("message", json!("my address is 2 Side St"))],
    );
    let r = fake
        .wait_interaction_response(i.id, WAIT)
        .await
        .expect("answered");
    assert_eq!(
        r.data["flags"].as_u64().unwrap_or(0) & 64,
        64,
        "only for dan"
    );
    assert!(
        r.data["content"]
            .as_str()
            .unwrap_or("")
            .contains("try again"),
        "{:?}",
        r.data
    );
    assert_eq!(
        svc.store.last_ticket_id().unwrap(),
        1,
        "no ticket in the public channel"
    );
    assert!(
        fake.sent_to(SUPPORT_CHANNEL_ID)
            .iter()
            .all(|s| !text(s).contains("T-2")),
        "nothing answered in public"
    );
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gateway_that_refuses_the_bot_for_good_stops_the_service_with_the_reason() {
    let fake = FakeDiscord::start().await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = write_config(dir.path(), &fake, &discord_section(&fake, true, false));
    let svc = start(dir.path(), &cfg).await;
    assert!(fake.wait_connected(WAIT).await);
    // 4014: intents the application is not allowed (Message Content off in the portal).
    assert!(fake.close_gateway(4014));
    let r = tokio::time::timeout(Duration::from_secs(30), svc.task)
        .await
        .expect("the service stops by itself")
        .expect("no panic");
    let e = r.expect_err("it ends with an error");
    assert!(
        format!("{e:#}").contains("intents") || format!("{e:#}").contains("Discord"),
        "{e:#}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_interaction_is_deferred_in_time_and_answered_after() {
    let fake = FakeDiscord::start().await;
    let dan = fake.user(502, "dan");
    fake.member(&dan, &[]);
    let dir = tempfile::tempdir().unwrap();
    let cfg = write_config(dir.path(), &fake, &discord_section(&fake, true, true));
    let svc = start(dir.path(), &cfg).await;
    assert!(fake.wait_connected(WAIT).await);
    // Making the private thread takes 2.5 s: longer than Discord waits for an answer.
    fake.fail_next_on(
        "POST",
        "/channels/*/threads",
        switchboard_testkit::DiscordFault::Delay(Duration::from_millis(2500)),
    );
    let i = fake.slash(
        &dan,
        SUPPORT_CHANNEL_ID,
        "ticket",
        &[("category", json!("account"))],
    );
    let r = fake
        .wait_interaction_response(i.id, WAIT)
        .await
        .expect("answered");
    assert_eq!(r.kind, 5, "deferred (only for dan)");
    assert!(r.delay < Duration::from_secs(3), "{:?}", r.delay);
    let late = sent(&fake, "the deferred answer", |s| {
        matches!(s.via, switchboard_testkit::discord::Via::OriginalResponse { interaction_id } if interaction_id == i.id)
    })
    .await;
    assert!(text(&late).contains("Done"), "{}", text(&late));
    assert!(
        svc.store.ticket(TicketId(1)).unwrap().is_some(),
        "the ticket opened"
    );
    svc.stop().await;
}
