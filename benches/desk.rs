//! Load generator: customer messages through the desk and the sled store, durable by group
//! commit.
//!
//! `cargo bench --bench desk` runs three parts and prints a table for each:
//!
//! - **throughput**: a realistic mix (many customers, each with an opening message and 3-5
//!   follow-ups; agents claiming and answering about a third of the tickets) pushed as fast as
//!   one processing thread can (the desk is single-writer by design). After each commit the
//!   event asks the [`GroupCommit`] for a `Durable`; the latency from the start of handling to
//!   durable is taken when it completes (`on_done`). Repeated [`RUNS`] times on a fresh store;
//!   the median run (by msgs/s) is reported.
//! - **paced**: the same mix at 1,000 msgs/s for 10 s: latency handling -> durable.
//! - **memory**: 20,000 customers each open a ticket; RSS growth and disk size per ticket.
//!
//! Arguments (after `--`): any of `throughput`, `paced`, `memory` to run only those;
//! `--events N` for the throughput run length (default 100,000); `--cache-mb N` for sled's
//! page cache (default: the service's, 32). Every part uses a fresh
//! store in a temporary directory and the embedded default configuration and rules.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use switchboard::config::Settings;
use switchboard::demo;
use switchboard::service::Service;
use switchboard_desk::{Event, Store};
use switchboard_domain::rng::Rng;
use switchboard_domain::{
    ChatId, Inbound, Millis, PartyId, Place, Platform, Sender, TicketId, Timestamp, UpdateKey, What,
};
use switchboard_store::{GroupCommit, SledStore};

/// Throughput repetitions (the median is reported).
const RUNS: usize = 3;
/// Customers writing at the same time in the generated mix.
const ACTIVE: usize = 500;
/// Simulated time between two events.
const STEP: Millis = Millis(20);

/// Opening messages: escalations, self-service answers and plain questions.
const OPENERS: &[&str] = &[
    "Hi! I forgot my password and can't log in",
    "I was charged TWICE for order 88123, talk to a real person please!!!",
    "Where is my parcel? Tracking number 1Z999AA10123456784 has not moved in three days",
    "I want a refund for my last order, the item arrived broken",
    "How do I change the delivery address on my order?",
    "Can I get an invoice for my purchase last month?",
    "My account was hacked, someone changed my email",
    "Hello, I have a question about your premium plan",
    "我的快递三天没动了，请帮我查一下",
    "The app keeps crashing when I open the settings page",
];

/// Later messages of a customer.
const FOLLOW_UPS: &[&str] = &[
    "Any update on this?",
    "The order number is 88123, if that helps.",
    "I also tried restarting it, nothing changed.",
    "Thanks, I'll wait.",
    "Could you please hurry, I need it for tomorrow",
    "Here is a screenshot description: the button is grey and does nothing.",
    "Is anyone there?",
];

const AGENT_REPLIES: &[&str] = &[
    "Hi, I'm looking into this now.",
    "Thanks for waiting. I've escalated it to the warehouse team.",
    "I've issued the refund; it should arrive in 5 to 10 business days.",
];

/// One customer's remaining script.
struct Script {
    customer: u64,
    ticket: Option<TicketId>,
    steps: Vec<Step>,
}

#[derive(Clone, Copy)]
enum Step {
    Open(usize),
    FollowUp(usize),
    Claim(u64),
    AgentReply(u64, usize),
}

/// The generated events, with the simulated time of each.
struct Workload {
    events: Vec<(Event, Timestamp)>,
    customer_msgs: usize,
    agent_events: usize,
    tickets: usize,
}

fn customer_event(n: usize, customer: u64, text: &str, at: Timestamp) -> Event {
    let who = format!("{}", 100_000 + customer);
    Event::Inbound(Inbound {
        key: UpdateKey(format!("telegram:update:{n}")),
        at,
        from: Sender {
            id: PartyId::new(Platform::Telegram, who.as_str()),
            name: format!("Customer {customer}"),
            username: None,
            language: None,
        },
        place: Place::Customer {
            chat: ChatId::new(Platform::Telegram, who.as_str()),
        },
        what: What::Text(text.to_string()),
    })
}

fn agent_event(n: usize, agent: u64, ticket: TicketId, what: What, at: Timestamp) -> Event {
    let name = format!("agent{agent}");
    Event::Inbound(Inbound {
        key: UpdateKey(format!("discord:interaction:{n}")),
        at,
        from: Sender {
            id: PartyId::new(Platform::Discord, format!("9{agent:04}")),
            name,
            username: None,
            language: None,
        },
        place: Place::Staff {
            ticket: Some(ticket),
            thread: None,
            reply_to: None,
        },
        what,
    })
}

fn new_script(rng: &mut Rng, customer: u64) -> Script {
    let mut steps = vec![Step::Open(rng.index(OPENERS.len()))];
    let follow_ups = 3 + rng.index(3);
    let agent = (rng.index(3) == 0).then(|| 1 + rng.index(20) as u64);
    for i in 0..follow_ups {
        steps.push(Step::FollowUp(rng.index(FOLLOW_UPS.len())));
        if let Some(a) = agent {
            if i == 0 {
                steps.push(Step::Claim(a));
            }
            if i == 0 || i == 2 {
                steps.push(Step::AgentReply(a, rng.index(AGENT_REPLIES.len())));
            }
        }
    }
    steps.reverse(); // popped from the end
    Script {
        customer,
        ticket: None,
        steps,
    }
}

/// `n` events: [`ACTIVE`] customers write at once, in random order; one that is done is
/// replaced by a new one. Tickets are numbered in opening order (a fresh store).
fn workload(n: usize, start: Timestamp, seed: u64) -> Workload {
    let mut rng = Rng::new(seed);
    let mut next_customer = 0u64;
    let mut active: Vec<Script> = (0..ACTIVE)
        .map(|_| {
            next_customer += 1;
            new_script(&mut rng, next_customer)
        })
        .collect();
    let mut w = Workload {
        events: Vec::with_capacity(n),
        customer_msgs: 0,
        agent_events: 0,
        tickets: 0,
    };
    let mut now = start;
    while w.events.len() < n {
        let slot = rng.index(active.len());
        let s = &mut active[slot];
        let Some(step) = s.steps.pop() else {
            next_customer += 1;
            active[slot] = new_script(&mut rng, next_customer);
            continue;
        };
        now = now.plus(STEP);
        let i = w.events.len();
        let ev = match step {
            Step::Open(t) => {
                w.tickets += 1;
                s.ticket = Some(TicketId(w.tickets as u64));
                w.customer_msgs += 1;
                customer_event(i, s.customer, OPENERS[t], now)
            }
            Step::FollowUp(t) => {
                w.customer_msgs += 1;
                customer_event(i, s.customer, FOLLOW_UPS[t], now)
            }
            Step::Claim(a) => {
                w.agent_events += 1;
                let t = s.ticket.expect("a claim follows the opening");
                agent_event(i, a, t, What::Button(format!("claim:{t}")), now)
            }
            Step::AgentReply(a, r) => {
                w.agent_events += 1;
                let t = s.ticket.expect("a reply follows the opening");
                agent_event(i, a, t, What::Text(AGENT_REPLIES[r].to_string()), now)
            }
        };
        w.events.push((ev, now));
    }
    w
}

fn settings() -> Settings {
    match Settings::load(None, None) {
        Ok(s) => s,
        Err(d) => panic!("the embedded configuration does not load: {d:?}"),
    }
}

struct Fixture {
    _dir: tempfile::TempDir,
    dir: std::path::PathBuf,
    store: Arc<SledStore>,
    group: GroupCommit,
    service: Service,
}

/// sled's page cache of every fixture: `--cache-mb N`, else the service's default.
static CACHE_BYTES: std::sync::OnceLock<u64> = std::sync::OnceLock::new();

fn fixture(settings: &Settings) -> Fixture {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("store");
    let cache = CACHE_BYTES
        .get()
        .copied()
        .unwrap_or(switchboard_store::DEFAULT_CACHE_BYTES);
    let store = Arc::new(SledStore::open_with_cache(&path, cache).expect("open the store"));
    let group = store.group_commit().expect("start group commit");
    let service = Service::from_settings(settings, store.clone() as Arc<dyn Store>);
    Fixture {
        _dir: dir,
        dir: path,
        store,
        group,
        service,
    }
}

/// Latencies (ns) recorded by `on_done` callbacks, one slot per event.
struct Recorder {
    lat: Vec<AtomicU64>,
    done: AtomicUsize,
    errors: AtomicUsize,
}

impl Recorder {
    fn new(n: usize) -> Arc<Recorder> {
        Arc::new(Recorder {
            lat: (0..n).map(|_| AtomicU64::new(0)).collect(),
            done: AtomicUsize::new(0),
            errors: AtomicUsize::new(0),
        })
    }

    /// Processes event `i`, requests durability and records the latency when it completes.
    fn process(self: &Arc<Self>, f: &Fixture, i: usize, ev: &Event, now: Timestamp) {
        let t0 = Instant::now();
        f.service.process(ev, now).expect("the event is handled");
        let rec = self.clone();
        f.group.request().on_done(move |r| {
            rec.lat[i].store(t0.elapsed().as_nanos() as u64, Ordering::Relaxed);
            if r.is_err() {
                rec.errors.fetch_add(1, Ordering::Relaxed);
            }
            rec.done.fetch_add(1, Ordering::Release);
        });
    }

    fn wait_all(&self) {
        while self.done.load(Ordering::Acquire) < self.lat.len() {
            std::thread::sleep(Duration::from_micros(100));
        }
        assert_eq!(
            self.errors.load(Ordering::Relaxed),
            0,
            "some flushes failed"
        );
    }

    fn sorted(&self) -> Vec<u64> {
        let mut v: Vec<u64> = self.lat.iter().map(|a| a.load(Ordering::Relaxed)).collect();
        v.sort_unstable();
        v
    }
}

fn pct(sorted: &[u64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i] as f64 / 1e6
}

struct Run {
    msgs_per_s: f64,
    busy: f64,
    p50: f64,
    p90: f64,
    p99: f64,
    max: f64,
    flushes: u64,
}

fn throughput_run(settings: &Settings, w: &Workload) -> Run {
    let f = fixture(settings);
    let rec = Recorder::new(w.events.len());
    let flushes_before = f.group.flushes();
    let start = Instant::now();
    let mut busy = Duration::ZERO;
    for (i, (ev, now)) in w.events.iter().enumerate() {
        let t = Instant::now();
        rec.process(&f, i, ev, *now);
        busy += t.elapsed();
    }
    rec.wait_all();
    let elapsed = start.elapsed();
    let lat = rec.sorted();
    Run {
        msgs_per_s: w.events.len() as f64 / elapsed.as_secs_f64(),
        busy: busy.as_secs_f64() / elapsed.as_secs_f64(),
        p50: pct(&lat, 0.50),
        p90: pct(&lat, 0.90),
        p99: pct(&lat, 0.99),
        max: pct(&lat, 1.0),
        flushes: f.group.flushes() - flushes_before,
    }
}

/// The same events with no durability requested (one flush at the end): what the processing
/// thread costs on its own.
fn raw_run(settings: &Settings, w: &Workload) -> f64 {
    let f = fixture(settings);
    let start = Instant::now();
    for (ev, now) in &w.events {
        f.service.process(ev, *now).expect("the event is handled");
    }
    f.store.flush().expect("flush");
    w.events.len() as f64 / start.elapsed().as_secs_f64()
}

fn throughput(settings: &Settings, events: usize) {
    let w = workload(events, demo::demo_start(), 0x5EED_D35C);
    println!(
        "\n## Sustained throughput: {} events ({} customer messages, {} agent claims/replies, {} tickets), one processing thread, group commit; {RUNS} runs",
        w.events.len(),
        w.customer_msgs,
        w.agent_events,
        w.tickets
    );
    println!(
        "\n| run | msgs/s | thread busy | p50 ms | p90 ms | p99 ms | max ms | flushes | commits/flush |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    let mut runs = Vec::new();
    for r in 0..RUNS {
        let run = throughput_run(settings, &w);
        print_run(&format!("{}", r + 1), &run, w.events.len());
        runs.push(run);
    }
    runs.sort_by(|a, b| a.msgs_per_s.total_cmp(&b.msgs_per_s));
    print_run("**median**", &runs[runs.len() / 2], w.events.len());
    let mut raw: Vec<f64> = (0..RUNS).map(|_| raw_run(settings, &w)).collect();
    raw.sort_by(f64::total_cmp);
    println!(
        "\nFor comparison, the processing thread alone (no durability requested, one flush at the end): {:.0} msgs/s (median of {RUNS}: {})",
        raw[RUNS / 2],
        raw.iter()
            .map(|r| format!("{r:.0}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
}

fn print_run(name: &str, r: &Run, n: usize) {
    println!(
        "| {name} | {:.0} | {:.0}% | {:.2} | {:.2} | {:.2} | {:.2} | {} | {:.1} |",
        r.msgs_per_s,
        r.busy * 100.0,
        r.p50,
        r.p90,
        r.p99,
        r.max,
        r.flushes,
        n as f64 / r.flushes.max(1) as f64
    );
}

fn paced(settings: &Settings) {
    const RATE: u64 = 1_000;
    const SECS: u64 = 10;
    let n = (RATE * SECS) as usize;
    let w = workload(n, demo::demo_start(), 0xFACE_B00C);
    let f = fixture(settings);
    let rec = Recorder::new(n);
    let start = Instant::now();
    let mut late = 0usize;
    for (i, (ev, now)) in w.events.iter().enumerate() {
        let due = start + Duration::from_micros(i as u64 * 1_000_000 / RATE);
        let t = Instant::now();
        if t < due {
            std::thread::sleep(due - t);
        } else if t - due > Duration::from_millis(1) {
            late += 1;
        }
        rec.process(&f, i, ev, *now);
    }
    rec.wait_all();
    let elapsed = start.elapsed();
    let lat = rec.sorted();
    println!(
        "\n## Paced load: {RATE} msgs/s for {SECS} s ({n} events, same mix), latency handling -> durable"
    );
    println!(
        "\n| rate achieved | p50 ms | p90 ms | p99 ms | max ms | flushes | late starts (>1 ms) |"
    );
    println!("|---|---|---|---|---|---|---|");
    println!(
        "| {:.0}/s | {:.2} | {:.2} | {:.2} | {:.2} | {} | {late} |",
        n as f64 / elapsed.as_secs_f64(),
        pct(&lat, 0.50),
        pct(&lat, 0.90),
        pct(&lat, 0.99),
        pct(&lat, 1.0),
        f.group.flushes(),
    );
}

/// Resident set size in bytes (`/proc/self/statm`, second field, 4 KiB pages on x86_64).
fn rss() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse::<u64>().ok())
        .unwrap_or(0)
        * 4096
}

/// (apparent bytes, allocated bytes) of every file under `dir`.
fn disk_usage(dir: &std::path::Path) -> (u64, u64) {
    use std::os::unix::fs::MetadataExt;
    let mut total = (0, 0);
    let Ok(entries) = std::fs::read_dir(dir) else {
        return total;
    };
    for e in entries.flatten() {
        let Ok(m) = e.metadata() else { continue };
        if m.is_dir() {
            let (a, b) = disk_usage(&e.path());
            total.0 += a;
            total.1 += b;
        } else {
            total.0 += m.len();
            total.1 += m.blocks() * 512;
        }
    }
    total
}

fn memory(settings: &Settings) {
    const TICKETS: usize = 20_000;
    let f = fixture(settings);
    // Warm up (allocator arenas, lazily built rule tables) with customers outside the count.
    let mut n = 0usize;
    let mut open = |f: &Fixture, customer: u64, rng: &mut Rng| {
        let at = demo::demo_start().plus(Millis(n as i64 * 20));
        let ev = customer_event(n, customer, OPENERS[rng.index(OPENERS.len())], at);
        f.service.process(&ev, at).expect("the event is handled");
        n += 1;
    };
    let mut rng = Rng::new(0xBEEF);
    for c in 0..200 {
        open(&f, 1_000_000 + c, &mut rng);
    }
    f.store.flush().expect("flush");
    let (disk_before, alloc_before) = disk_usage(&f.dir);
    let before = rss();
    let start = Instant::now();
    for c in 0..TICKETS as u64 {
        open(&f, c, &mut rng);
        if c % 64 == 63 {
            // Group commit as in service; waiting now and then keeps the flusher going.
            f.group.request().wait().expect("durable");
        }
    }
    f.group.request().wait().expect("durable");
    let elapsed = start.elapsed();
    let after = rss();
    let (disk_after, alloc_after) = disk_usage(&f.dir);
    let open_now = f
        .store
        .tickets(None)
        .map(|t| t.iter().filter(|t| t.status.is_open()).count())
        .unwrap_or(0);
    println!(
        "\n## Memory: {TICKETS} customers each open a ticket (first message, triage, acknowledgement, card)"
    );
    println!(
        "\n| open tickets in store | RSS before | RSS after | RSS growth per ticket | disk growth per ticket (apparent / allocated) | open rate |"
    );
    println!("|---|---|---|---|---|---|");
    println!(
        "| {open_now} | {:.1} MiB | {:.1} MiB | {:.2} KiB | {:.2} / {:.2} KiB | {:.0}/s |",
        before as f64 / 1048576.0,
        after as f64 / 1048576.0,
        (after.saturating_sub(before)) as f64 / TICKETS as f64 / 1024.0,
        (disk_after.saturating_sub(disk_before)) as f64 / TICKETS as f64 / 1024.0,
        (alloc_after.saturating_sub(alloc_before)) as f64 / TICKETS as f64 / 1024.0,
        TICKETS as f64 / elapsed.as_secs_f64(),
    );
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut parts: Vec<&str> = Vec::new();
    let mut events = 100_000usize;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "throughput" | "paced" | "memory" | "raw" | "jobs" => parts.push(a.as_str()),
            "--cache-mb" => {
                let mb: u64 = it
                    .next()
                    .and_then(|v| v.parse().ok())
                    .expect("--cache-mb needs a number");
                let _ = CACHE_BYTES.set(mb * 1024 * 1024);
            }
            "--events" => {
                events = it
                    .next()
                    .and_then(|v| v.parse().ok())
                    .expect("--events needs a number");
            }
            // `cargo bench` passes `--bench`; filters of other benches do not apply here.
            _ => {}
        }
    }
    let all = parts.is_empty();
    let wants = |p: &str| all || parts.contains(&p);
    let settings = settings();
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|s| s.trim().to_string())
        })
        .unwrap_or_else(|| "unknown".into());
    println!(
        "# desk + sled load generator ({} CPUs, {cpu})",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    let started = Instant::now();
    // Memory first: later parts would leave freed memory in the allocator.
    if wants("memory") {
        memory(&settings);
    }
    if wants("throughput") {
        throughput(&settings, events);
    }
    // `raw` alone: only the processing thread's own rate (for profilers).
    if parts == ["raw"] {
        let w = workload(events, demo::demo_start(), 0x5EED_D35C);
        println!("raw: {:.0} msgs/s", raw_run(&settings, &w));
    }
    if wants("paced") {
        paced(&settings);
    }
    if wants("jobs") {
        jobs(&settings);
    }
    println!("\n(total {:.0} s)", started.elapsed().as_secs_f64());
}

/// Jobs due now among many pending: firing them must cost O(due jobs), not O(all jobs).
/// A store gets `pending` jobs due in 30 days and 1,000 due now; `run_due` fires the 1,000
/// (each job's ticket is gone, so each is a read, a check and the job's removal). Side by
/// side for 1,000 and 100,000 pending; median of 3 fresh stores each.
fn jobs(settings: &Settings) {
    use switchboard_desk::{Job, JobKind, Transition};
    const DUE: usize = 1_000;
    println!(
        "\n## Due jobs among pending ones: {DUE} due now, fired with `Service::run_due`; median of 3\n"
    );
    println!(
        "| pending (not due) | fire {DUE} due: total ms | µs per fired job | next_due() µs with {DUE} fired |"
    );
    println!("|---|---|---|---|");
    let now = demo::demo_start();
    for pending in [1_000usize, 100_000] {
        let mut runs = Vec::new();
        for _ in 0..RUNS {
            let f = fixture(settings);
            let far = now.plus(Millis::hours(24 * 30));
            let job = |due: Timestamp, n: usize| Job {
                due,
                kind: JobKind::SelfServiceTimeout {
                    ticket: TicketId(1_000_000 + n as u64),
                },
            };
            for chunk in 0..pending / 1_000 {
                let jobs = (0..1_000)
                    .map(|i| job(far.plus(Millis(i as i64)), chunk * 1_000 + i))
                    .collect();
                f.store
                    .commit(&Transition {
                        jobs,
                        ..Default::default()
                    })
                    .expect("commit pending jobs");
            }
            let due = (0..DUE)
                .map(|i| job(now.plus(Millis(-(i as i64))), i))
                .collect();
            f.store
                .commit(&Transition {
                    jobs: due,
                    ..Default::default()
                })
                .expect("commit due jobs");
            f.store.flush().expect("flush");
            let t = Instant::now();
            let fired = f.service.run_due(now).expect("run due jobs");
            let fire = t.elapsed();
            assert_eq!(fired, DUE);
            let t = Instant::now();
            let next = f.store.next_due().expect("next due");
            let next_us = t.elapsed().as_secs_f64() * 1e6;
            assert_eq!(next, Some(far));
            runs.push((fire.as_secs_f64() * 1e3, next_us));
        }
        runs.sort_by(|a, b| a.0.total_cmp(&b.0));
        let (ms, next_us) = runs[runs.len() / 2];
        println!(
            "| {pending} | {ms:.1} | {:.1} | {next_us:.1} |",
            ms * 1e3 / DUE as f64
        );
    }
}
