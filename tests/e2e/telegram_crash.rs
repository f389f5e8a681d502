//! Crash safety on Telegram: 1,000 customer messages written to the fake Bot API (in this
//! process) while the real `switchboard run` (a child process, restarted on the same sled
//! store) is killed with SIGKILL 20 times. Counted at the end, from the store and from
//! everything the fake accepted:
//! - lost: a customer message that never reached the store;
//! - doubled: a customer message stored twice, or a customer with two tickets;
//! - unacknowledged: a customer never answered (no acknowledgement with a ticket number),
//!   or a follow-up never relayed to the staff group;
//! - duplicate deliveries: one outbound message delivered twice (the same text to the
//!   same chat). The guarantee (ARCHITECTURE.md, Delivery guarantees: Outbound) is that a
//!   crash repeats at most what was in flight at that moment: one entry per queue (a chat,
//!   or a ticket's staff thread). So each duplicate is put down to the kill that ended the
//!   run of its earlier delivery, and no queue may repeat more than one message per kill;
//!   a duplicate within one run (no kill between) is a bug.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use switchboard_desk::Store;
use switchboard_domain::Author;
use switchboard_store::SledStore;
use switchboard_testkit::{FakeTelegram, Sent, TgUser};

use crate::rng;

const STAFF: i64 = -1_001_234_567_890;
const CUSTOMERS: i64 = 100;
const PER_CUSTOMER: usize = 10;
const KILLS: usize = 20;

fn spawn(dir: &Path) -> Child {
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join("stderr.log"))
        .unwrap();
    Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .env_remove("SWITCHBOARD_CONFIG")
        .env_remove("TELEGRAM_BOT_TOKEN")
        .env("SWITCHBOARD_LOG", "error")
        .args([
            "run",
            "--config",
            dir.join("switchboard.toml").to_str().unwrap(),
            "--data",
            dir.join("data").to_str().unwrap(),
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::from(log))
        .spawn()
        .unwrap()
}

/// The text of customer `c`'s message `i` (unique, so that the store and the relays can
/// be matched to it).
fn text(c: i64, i: usize) -> String {
    if i == 0 {
        format!("hello {c}-0")
    } else {
        format!("msg {c}-{i}")
    }
}

/// Customer `c`'s acknowledgement: a message to their chat naming their ticket.
fn is_ack(s: &Sent, c: i64) -> bool {
    s.chat_id == c && s.text.contains("T-")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_kills_during_a_thousand_telegram_messages() {
    let (mut rng, seed) = rng::from_env("TG_CRASH_SEED");
    let fake = FakeTelegram::start().await;
    fake.supergroup(STAFF, "Support", true);
    let users: Vec<TgUser> = (0..CUSTOMERS)
        .map(|i| fake.user(10_000 + i, &format!("C{i}"), Some("en")))
        .collect();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("token"), fake.token()).unwrap();
    std::fs::write(
        dir.path().join("switchboard.toml"),
        format!(
            r#"
[admin]
listen = ""

[desk]
rate_limit = 100000

[telegram]
enabled = true
api_url = "{url}"
token_file = "token"
staff_chat_id = {STAFF}
poll_timeout_secs = 1

[telegram.limits]
enabled = false
"#,
            url = fake.url()
        ),
    )
    .unwrap();

    // The order customers write in: each customer's messages in order, customers mixed.
    let mut next = vec![0usize; users.len()];
    let mut order = Vec::new();
    while order.len() < users.len() * PER_CUSTOMER {
        let c = rng.below(users.len() as u64) as usize;
        if next[c] < PER_CUSTOMER {
            order.push((c, next[c]));
            next[c] += 1;
        }
    }
    let total = order.len();
    let per_run = total / (KILLS + 1);

    // Each run: start, wait until it polls, write part of a share of the messages at a
    // steady pace, wait a random moment (sends are under way), kill, and write the rest of
    // the share while it is down (Telegram keeps them). `ends[r]` is how many sends the
    // fake had accepted when run r was dead.
    let mut ends = Vec::new();
    let mut written = 0;
    for run in 0..=KILLS {
        let polls = fake.polls_started();
        let mut child = spawn(dir.path());
        assert!(
            fake.wait_until(Duration::from_secs(30), |f| f.polls_started() > polls)
                .await,
            "seed {seed}: run {run} never polled"
        );
        let share = if run == KILLS {
            total - written
        } else {
            per_run
        };
        let before_kill = if run == KILLS {
            share
        } else {
            share / 4 + rng.below((share - share / 4) as u64) as usize
        };
        let write = |from: usize, n: usize| {
            for &(c, i) in &order[from..from + n] {
                let u = &users[c];
                fake.private_text(u, &text(u.id, i));
            }
        };
        for k in 0..before_kill {
            write(written + k, 1);
            tokio::time::sleep(Duration::from_millis(rng.below(8))).await;
        }
        if run < KILLS {
            tokio::time::sleep(Duration::from_millis(rng.below(600))).await;
            child.kill().unwrap();
            child.wait().unwrap();
            // A request the process wrote just before it died may still be read by the
            // fake: let it land before counting this run's sends (nothing else runs now).
            tokio::time::sleep(Duration::from_millis(500)).await;
            ends.push(fake.sent().len());
            write(written + before_kill, share - before_kill);
            written += share;
            continue;
        }
        written += share;
        // The last run: everything answered, then quiet for 3 s, then stopped.
        let quiet = |f: &FakeTelegram| {
            f.pending_updates() == 0
                && users
                    .iter()
                    .all(|u| f.sent().iter().any(|s| is_ack(s, u.id)))
        };
        let answered = fake.wait_until(Duration::from_secs(90), quiet).await;
        let mut seen = fake.sent().len();
        loop {
            tokio::time::sleep(Duration::from_secs(3)).await;
            let now = fake.sent().len();
            if now == seen {
                break;
            }
            seen = now;
        }
        let _ = Command::new("kill")
            .args(["-INT", &child.id().to_string()])
            .status();
        let stopped = tokio::time::timeout(Duration::from_secs(30), async {
            loop {
                if child.try_wait().unwrap().is_some() {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        })
        .await;
        if stopped.is_err() {
            child.kill().unwrap();
            child.wait().unwrap();
        }
        ends.push(fake.sent().len());
        assert!(
            answered,
            "seed {seed}: not every customer was answered within 90 s of the last restart; stderr:\n{}",
            std::fs::read_to_string(dir.path().join("stderr.log")).unwrap_or_default()
        );
    }

    // The store: every message once, one ticket per customer.
    let store = SledStore::open(dir.path().join("data")).unwrap();
    let mut stored: HashMap<String, usize> = HashMap::new();
    let mut tickets_of: HashMap<String, usize> = HashMap::new();
    for t in store.tickets(None).unwrap() {
        *tickets_of.entry(t.customer.id.to_string()).or_default() += 1;
        for m in store.messages(t.id).unwrap() {
            if let Author::Customer(_) = m.author {
                *stored.entry(m.text.clone()).or_default() += 1;
            }
        }
    }
    let all: Vec<(i64, usize)> = users
        .iter()
        .flat_map(|u| (0..PER_CUSTOMER).map(move |i| (u.id, i)))
        .collect();
    let lost = all
        .iter()
        .filter(|(c, i)| !stored.contains_key(&text(*c, *i)))
        .count();
    let doubled = stored.values().filter(|n| **n > 1).count()
        + tickets_of.values().filter(|n| **n > 1).count();

    // What the fake accepted: acknowledgements, relays, duplicates.
    let sent = fake.sent();
    let unacknowledged = users
        .iter()
        .filter(|u| !sent.iter().any(|s| is_ack(s, u.id)))
        .count();
    let staff_texts: Vec<&str> = sent
        .iter()
        .filter(|s| s.chat_id == STAFF)
        .map(|s| s.text.as_str())
        .collect();
    let unrelayed = all
        .iter()
        .filter(|(_, i)| *i > 0)
        .filter(|(c, i)| {
            let t = text(*c, *i);
            !staff_texts.iter().any(|s| s.contains(&t))
        })
        .count();
    let run_of = |index: usize| ends.iter().position(|end| index < *end).unwrap_or(KILLS);
    // (chat, text) -> (queue, run of the latest delivery)
    let mut first: HashMap<(i64, String), (Option<i32>, usize)> = HashMap::new();
    let mut duplicates = 0;
    let mut within_a_run = Vec::new();
    let mut per_kill_queue: HashMap<(usize, i64, Option<i32>), usize> = HashMap::new();
    for (index, s) in sent.iter().enumerate() {
        let run = run_of(index);
        let key = (s.chat_id, s.text.clone());
        match first.get_mut(&key) {
            None => {
                first.insert(key, (s.thread_id, run));
            }
            Some((thread, last_run)) => {
                duplicates += 1;
                if *last_run == run {
                    within_a_run.push((s.chat_id, s.text.clone(), run));
                } else {
                    *per_kill_queue
                        .entry((*last_run, s.chat_id, *thread))
                        .or_default() += 1;
                }
                *last_run = run;
            }
        }
    }
    if std::env::var("TG_CRASH_TRACE").is_ok() {
        for (index, s) in sent.iter().enumerate() {
            eprintln!(
                "  sent {index} run {} chat {} thread {:?}: {:?}",
                run_of(index),
                s.chat_id,
                s.thread_id,
                s.text
            );
        }
    }
    let kills_with_duplicates: HashSet<usize> = per_kill_queue.keys().map(|k| k.0).collect();
    let worst_queue = per_kill_queue.values().copied().max().unwrap_or(0);
    let worst_kill = (0..KILLS)
        .map(|k| per_kill_queue.keys().filter(|q| q.0 == k).count())
        .max()
        .unwrap_or(0);
    eprintln!(
        "telegram crash: {total} messages from {CUSTOMERS} customers, {KILLS} kills: lost {lost}, doubled {doubled}, unacknowledged {unacknowledged}, unrelayed {unrelayed}, duplicate deliveries {duplicates} of {} sends (after {} of the kills; at most {worst_queue} per queue per kill, at most {worst_kill} queues in one kill; within a run: {})",
        sent.len(),
        kills_with_duplicates.len(),
        within_a_run.len()
    );
    assert_eq!(lost, 0, "seed {seed}: lost messages");
    assert_eq!(doubled, 0, "seed {seed}: doubled messages or tickets");
    assert_eq!(unacknowledged, 0, "seed {seed}: customers never answered");
    assert_eq!(unrelayed, 0, "seed {seed}: follow-ups never relayed");
    assert!(
        within_a_run.is_empty(),
        "seed {seed}: delivered twice with no crash between: {within_a_run:?}"
    );
    assert!(
        worst_queue <= 1,
        "seed {seed}: a kill repeated more than the one message in flight in a queue: {per_kill_queue:?}"
    );
}
