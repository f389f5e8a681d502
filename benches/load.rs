//! A load generator: the real `switchboard run` binary (a child process) against the fake
//! Bot API with Telegram's limits on, fed a steady stream of customers' messages, measured
//! from outside as a customer would see it.
//!
//! ```text
//! cargo bench --bench load -- [--rate 20] [--minutes 10] [--cache-mb N] [--history 0]
//! ```
//!
//! - `--rate R`: customer messages a second (each from a new customer: a first contact
//!   gets an acknowledgement, a card in the staff group and, for some, an automatic
//!   answer), one in four followed by a second message five seconds later (relayed to the
//!   staff topic).
//! - `--minutes M`: how long to send.
//! - `--cache-mb N`: `[store] cache_mb` of the service (its default when not given), to
//!   compare the store's page cache sizes side by side.
//! - `--history N`: first fill the store with N tickets of history (`demo --seed-history`)
//!   and measure the restart: from starting the process to the first new customer's
//!   acknowledgement.
//!
//! It prints the acknowledgement latency (from the moment the update is available to the
//! bot to the moment the fake accepted the reply) as percentiles, the process's RSS at
//! start, its peak and at the end, and its CPU time per minute (from /proc), and how many
//! of Telegram's limits the bot broke (the fake's audit). Linux only (it reads /proc).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use switchboard_testkit::telegram::FakeTelegram;

const STAFF: i64 = -1_001_234_567;

/// What customers say: a mix of requests answered automatically and ones handed off.
const TEXTS: &[&str] = &[
    "Where is my order 88123? It has not arrived yet",
    "I forgot my password and cannot log in",
    "I was charged twice for my subscription, please refund",
    "How long does shipping take to Canada?",
    "The app crashes when I open my cart",
    "I want to cancel my order",
    "Can I talk to a person please",
    "My parcel says delivered but I have nothing",
    "How do I change my email address?",
    "Thank you, the new version works great",
];

struct Args {
    rate: f64,
    minutes: f64,
    history: u64,
    cache_mb: Option<u64>,
}

fn args() -> Args {
    let mut a = Args {
        rate: 20.0,
        minutes: 10.0,
        history: 0,
        cache_mb: None,
    };
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < argv.len() {
        let value = argv.get(i + 1).cloned().unwrap_or_default();
        match argv[i].as_str() {
            "--rate" => a.rate = value.parse().expect("--rate takes a number"),
            "--minutes" => a.minutes = value.parse().expect("--minutes takes a number"),
            "--history" => a.history = value.parse().expect("--history takes a number"),
            "--cache-mb" => a.cache_mb = Some(value.parse().expect("--cache-mb takes a number")),
            // cargo bench passes --bench; anything else is a mistake worth saying.
            "--bench" => {
                i += 1;
                continue;
            }
            other => {
                panic!("unknown argument {other}: use --rate, --minutes, --cache-mb, --history")
            }
        }
        i += 2;
    }
    a
}

fn binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_switchboard"))
}

fn write_config(dir: &Path, fake: &FakeTelegram, cache_mb: Option<u64>) -> PathBuf {
    std::fs::write(dir.join("token"), fake.token()).expect("write the token");
    let path = dir.join("switchboard.toml");
    std::fs::write(
        &path,
        format!(
            "[admin]\nlisten = \"\"\n\n[telegram]\nenabled = true\napi_url = \"{}\"\n\
             token_file = \"token\"\nstaff_chat_id = {STAFF}\npoll_timeout_secs = 10\n",
            fake.url()
        ) + &cache_mb.map_or(String::new(), |mb| format!("\n[store]\ncache_mb = {mb}\n")),
    )
    .expect("write the config");
    path
}

fn spawn(config: &Path, data: &Path) -> Child {
    Command::new(binary())
        .arg("--config")
        .arg(config)
        .arg("run")
        .arg("--data")
        .arg(data)
        .env("SWITCHBOARD_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start switchboard")
}

/// (CPU seconds so far, RSS in MB) of a process, from /proc.
fn usage(pid: u32) -> Option<(f64, f64)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The fields after the command name (which may hold spaces) start after ") ".
    let rest = &stat[stat.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split(' ').collect();
    let ticks: f64 = f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?;
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let rss_kb: f64 = status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()?;
    // USER_HZ is 100 on Linux.
    Some((ticks / 100.0, rss_kb / 1024.0))
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

async fn wait_polling(fake: &FakeTelegram, child: &mut Child) {
    let t = Instant::now();
    while fake.polls_started() == 0 {
        if let Ok(Some(status)) = child.try_wait() {
            panic!("switchboard exited before polling: {status}");
        }
        assert!(
            t.elapsed() < Duration::from_secs(120),
            "no poll in 2 minutes"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// Restart with `n` tickets of history: process start to the first new customer answered.
async fn restart(n: u64, cache_mb: Option<u64>) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let data = dir.path().join("data");
    let t = Instant::now();
    let status = Command::new(binary())
        .args(["demo", "--seed-history", &n.to_string(), "--data"])
        .arg(&data)
        .stdout(Stdio::null())
        .status()
        .expect("run demo --seed-history");
    assert!(status.success(), "demo --seed-history failed");
    println!("seeded {n} tickets in {:.1} s", t.elapsed().as_secs_f64());
    let fake = FakeTelegram::start().await;
    fake.supergroup(STAFF, "Support", true);
    fake.set_rate_limits(true);
    let config = write_config(dir.path(), &fake, cache_mb);
    let who = fake.user(900_000_001, "Newcomer", Some("en"));
    // The customer writes before the service starts: the update waits for the first poll.
    fake.private_text(&who, "Where is my order 88123?");
    let started = Instant::now();
    let mut child = spawn(&config, &data);
    let ack = fake
        .wait_sent(Duration::from_secs(300), |s| s.chat_id == who.id)
        .await
        .expect("the new customer is answered within 5 minutes");
    let took = ack.at.duration_since(started);
    let rss = usage(child.id()).map(|u| u.1).unwrap_or(0.0);
    println!(
        "restart with {n} tickets: first new customer answered {} after the process started (RSS then {rss:.1} MB)",
        ms(took)
    );
    let _ = child.kill();
    let _ = child.wait();
}

#[tokio::main(flavor = "multi_thread", worker_threads = 1)]
async fn main() {
    let a = args();
    if a.history > 0 {
        restart(a.history, a.cache_mb).await;
        return;
    }
    let dir = tempfile::tempdir().expect("a temporary directory");
    let fake = FakeTelegram::start().await;
    fake.supergroup(STAFF, "Support", true);
    fake.set_rate_limits(true);
    let config = write_config(dir.path(), &fake, a.cache_mb);
    let data = dir.path().join("data");
    let mut child = spawn(&config, &data);
    let pid = child.id();
    wait_polling(&fake, &mut child).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let (cpu0, rss_start) = usage(pid).expect("read /proc of the service");
    println!(
        "start: RSS {rss_start:.1} MB; sending {} messages a second for {} minutes",
        a.rate, a.minutes
    );

    let total = (a.rate * a.minutes * 60.0) as u64;
    let every = Duration::from_secs_f64(1.0 / a.rate);
    let begin = tokio::time::Instant::now();
    let mut pushed: HashMap<i64, Instant> = HashMap::new();
    let mut follow_ups: Vec<(tokio::time::Instant, i64)> = Vec::new();
    let mut users = HashMap::new();
    let mut rss_peak = rss_start;
    let mut minute_cpu: Vec<f64> = Vec::new();
    let mut last_minute = (begin, cpu0);
    let mut next_sample = begin + Duration::from_secs(1);
    for k in 0..total {
        let due = begin + every * k as u32;
        tokio::time::sleep_until(due).await;
        let id = 1_000_000 + k as i64;
        let user = fake.user(id, &format!("Customer{k}"), Some("en"));
        fake.private_text(&user, TEXTS[k as usize % TEXTS.len()]);
        pushed.insert(id, Instant::now());
        if k % 4 == 0 {
            follow_ups.push((due + Duration::from_secs(5), id));
            users.insert(id, user);
        }
        while follow_ups
            .first()
            .is_some_and(|(at, _)| *at <= tokio::time::Instant::now())
        {
            let (_, id) = follow_ups.remove(0);
            if let Some(u) = users.remove(&id) {
                fake.private_text(&u, "Any news? I also sent a photo of the receipt by email");
            }
        }
        let now = tokio::time::Instant::now();
        if now >= next_sample {
            next_sample = now + Duration::from_secs(1);
            if let Some((cpu, rss)) = usage(pid) {
                rss_peak = rss_peak.max(rss);
                if now.duration_since(last_minute.0) >= Duration::from_secs(60) {
                    minute_cpu.push(cpu - last_minute.1);
                    println!(
                        "minute {}: CPU {:.2} s, RSS {rss:.1} MB, outbox waiting? sent so far {}",
                        minute_cpu.len(),
                        cpu - last_minute.1,
                        fake.sent().len()
                    );
                    last_minute = (now, cpu);
                }
            }
        }
    }
    // Let the last acknowledgements arrive.
    let settle = Instant::now();
    while settle.elapsed() < Duration::from_secs(30) {
        let answered = fake
            .sent()
            .iter()
            .filter(|s| pushed.contains_key(&s.chat_id))
            .map(|s| s.chat_id)
            .collect::<std::collections::HashSet<_>>()
            .len();
        if answered == pushed.len() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let (_, rss_end) = usage(pid).unwrap_or((0.0, 0.0));
    let sent = fake.sent();
    let mut first: HashMap<i64, Instant> = HashMap::new();
    for s in &sent {
        if pushed.contains_key(&s.chat_id) {
            first
                .entry(s.chat_id)
                .and_modify(|t| *t = (*t).min(s.at))
                .or_insert(s.at);
        }
    }
    let mut lat: Vec<Duration> = pushed
        .iter()
        .filter_map(|(id, at)| first.get(id).map(|f| f.saturating_duration_since(*at)))
        .collect();
    lat.sort();
    let unanswered = pushed.len() - lat.len();
    println!(
        "acknowledgements: {} of {} (unanswered {unanswered}); p50 {}, p90 {}, p99 {}, max {}",
        lat.len(),
        pushed.len(),
        ms(percentile(&lat, 0.5)),
        ms(percentile(&lat, 0.9)),
        ms(percentile(&lat, 0.99)),
        ms(percentile(&lat, 1.0)),
    );
    println!("RSS: start {rss_start:.1} MB, peak {rss_peak:.1} MB, end {rss_end:.1} MB");
    if minute_cpu.len() >= 2 {
        let second = minute_cpu[1];
        let last = minute_cpu[minute_cpu.len() - 1];
        println!(
            "CPU per minute: {:?} s; last / second = {:.2}",
            minute_cpu
                .iter()
                .map(|c| (c * 100.0).round() / 100.0)
                .collect::<Vec<_>>(),
            last / second.max(0.01)
        );
    }
    let group = sent.iter().filter(|s| s.chat_id == STAFF).count();
    println!(
        "messages the bot sent: {} ({} into the staff group); Telegram limits broken: {}",
        sent.len(),
        group,
        fake.limit_violations()
    );
    let _ = child.kill();
    let _ = child.wait();
}
