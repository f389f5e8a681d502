//! `switchboard report` over a large store: the target is a report over 1,000,000 tickets in
//! under 5 seconds.
//!
//! `cargo bench --bench report` fills a store with N synthetic tickets (default 1,000,000;
//! `--tickets N`) once, in `target/bench-report-N` (reused by later runs; `--fresh` rebuilds
//! it), then times the whole report [`RUNS`] times, as `switchboard report` makes it: the
//! store opened, every ticket scanned on all cores, the report built and written as a table
//! and as JSON. It prints each run and the median, and the same on one thread for
//! comparison.
//!
//! The tickets look like a busy desk's quarter: a third of the customers come back, four in
//! ten tickets are answered by self-service, the rest are handed off, claimed, answered and
//! closed, some breach an SLA clock, some are reopened, most are surveyed; each has the
//! events the desk writes (opened, triaged, handed off, claimed, resolved, …).

use std::time::Instant;

use switchboard::report::{self, By, Options};
use switchboard::tickets::Source;
use switchboard_desk::calendar::{Calendar, HoursConfig};
use switchboard_desk::{Store, Transition};
use switchboard_domain::{
    Agent, Category, ChatId, Millis, PartyId, Platform, Priority, Resolution, Sla, Survey, Ticket,
    TicketEvent, TicketId, TicketStatus, Timestamp,
};
use switchboard_store::SledStore;

/// Timed repetitions (the median is reported).
const RUNS: usize = 5;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

const CATEGORIES: &[&str] = &["billing", "shipping", "account", "technical", "general"];
const RULES: &[&str] = &[
    "refund",
    "double-charge",
    "track-order",
    "password",
    "account-security",
    "technical",
    "invoice",
    "wants-human",
];

fn event(at: Timestamp, kind: &str, by: Option<&str>, detail: &str) -> TicketEvent {
    TicketEvent {
        at,
        kind: kind.into(),
        by: by.map(str::to_string),
        detail: detail.into(),
    }
}

/// Ticket `id` of a store of `n`, opened over the 90 days before `end`.
fn ticket(id: u64, n: u64, end: Timestamp, rng: &mut Rng) -> Ticket {
    let span = 90 * 86_400_000i64;
    let opened = Timestamp(end.0 - span + (id as i64 * span) / n as i64);
    let who = if rng.below(3) == 0 && id > 1 {
        rng.below(id)
    } else {
        id
    };
    let customer = PartyId::new(Platform::Telegram, format!("b{who}"));
    let cat = CATEGORIES[rng.below(CATEGORIES.len() as u64) as usize];
    let mut rules: Vec<String> = Vec::new();
    if cat != "general" {
        rules.push(RULES[rng.below(RULES.len() as u64) as usize].into());
    }
    let mut t = Ticket {
        id: TicketId(id),
        chat: ChatId::new(Platform::Telegram, customer.id.as_str()),
        customer_name: format!("Customer {who}"),
        customer,
        status: TicketStatus::Resolved,
        category: Category::new(cat).expect("a valid category name"),
        priority: [
            Priority::Low,
            Priority::Normal,
            Priority::Normal,
            Priority::High,
        ][rng.below(4) as usize],
        tags: vec![],
        rules: rules.clone(),
        locale: "en".into(),
        assignee: None,
        opened_at: opened,
        updated_at: opened,
        handed_off_at: None,
        first_response_at: None,
        resolved_at: None,
        resolution: None,
        previous: None,
        reopened: 0,
        messages: 3,
        events: vec![
            event(opened, "opened", None, ""),
            event(
                opened,
                "triaged",
                None,
                &format!("{cat} · normal · rules {rules:?}"),
            ),
        ],
        recent: vec![],
        throttled_at: None,
        negative: u32::from(rng.below(5) == 0),
        survey: None,
        sla: None,
        version: 1,
    };
    let mut at = opened.plus(Millis::mins(1 + rng.below(5) as i64));
    if rng.below(10) < 4 {
        t.resolution = Some(Resolution::SelfService);
        t.events.push(event(at, "resolved", None, "self-service"));
    } else {
        let name = ["alice", "bob", "chen", "dana"][rng.below(4) as usize];
        t.handed_off_at = Some(at);
        t.events
            .push(event(at, "handed_off", None, "asked for a person"));
        let mut sla = Sla {
            first_response_target: Millis::hours(1),
            resolution_target: Millis::hours(8),
            started_at: at,
            spent: Millis(0),
            running_since: None,
            warned: vec![],
            breached: vec![],
            last_agent_at: None,
            generation: 2,
            first_response_settled: false,
        };
        let wait = Millis::mins(2 + rng.below(150) as i64);
        if wait.0 > Millis::hours(1).0 {
            sla.breached.push("first_response".into());
        }
        at = at.plus(wait);
        t.events.push(event(at, "claimed", Some(name), ""));
        t.first_response_at = Some(at);
        t.assignee = Some(Agent {
            id: PartyId::new(Platform::Telegram, name),
            name: name.into(),
        });
        at = at.plus(Millis::mins(5 + rng.below(600) as i64));
        if rng.below(20) == 0 {
            sla.breached.push("resolution".into());
        }
        if rng.below(10) == 0 {
            t.events.push(event(
                at,
                "category",
                Some(name),
                &format!("{cat} -> general"),
            ));
        }
        t.sla = Some(sla);
        t.resolution = Some(Resolution::Agent { name: name.into() });
        t.events.push(event(at, "resolved", Some(name), ""));
        t.messages += 4;
    }
    if rng.below(15) == 0 {
        let back = at.plus(Millis::hours(5));
        t.events.push(event(back, "reopened", None, ""));
        t.reopened = 1;
        at = back.plus(Millis::mins(30));
        t.events.push(event(at, "resolved", None, ""));
    }
    t.resolved_at = Some(at);
    t.updated_at = at;
    if rng.below(10) < 8 {
        let answered = rng.below(10) < 6;
        t.survey = Some(Survey {
            sent_at: at.plus(Millis::mins(10)),
            csat: answered.then(|| [5, 5, 5, 4, 4, 4, 3, 2, 1][rng.below(9) as usize]),
            nps: answered.then(|| rng.below(11) as u8),
            ..Survey::default()
        });
    }
    // The most recent tickets are still open.
    if opened.0 > end.0 - 86_400_000 {
        t.status = TicketStatus::Claimed;
        t.resolved_at = None;
        t.resolution = None;
        t.survey = None;
    }
    t
}

fn fill(dir: &std::path::Path, n: u64, end: Timestamp) {
    let started = Instant::now();
    let store = SledStore::open(dir).expect("a store for the benchmark");
    let mut rng = Rng(0xBE9C_0000_0000_0001);
    let mut batch = Transition::default();
    for id in 1..=n {
        batch.tickets.push(ticket(id, n, end, &mut rng));
        if batch.tickets.len() == 2000 || id == n {
            batch.last_ticket_id = Some(id);
            store
                .commit(&std::mem::take(&mut batch))
                .expect("the commit");
        }
        if id % 100_000 == 0 {
            eprintln!("  {id} tickets written ({:.0?})", started.elapsed());
        }
    }
    store.flush().expect("the flush");
    eprintln!("filled {n} tickets in {:.1?}", started.elapsed());
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let mut n: u64 = 1_000_000;
    if let Some(i) = args.iter().position(|a| a == "--tickets") {
        n = args[i + 1].parse().expect("--tickets N");
    }
    let fresh = args.iter().any(|a| a == "--fresh");
    let end = Timestamp::from_ymd(2026, 1, 5);
    let target = std::env::var("CARGO_TARGET_DIR").unwrap_or_else(|_| "target".into());
    let dir = std::path::PathBuf::from(target).join(format!("bench-report-{n}"));
    let complete = dir.join("complete");
    if fresh || !complete.exists() {
        let _ = std::fs::remove_dir_all(&dir);
        fill(&dir, n, end);
        std::fs::write(&complete, "").expect("the marker");
    }
    let size: u64 = std::fs::read_dir(&dir)
        .map(|d| {
            d.flatten()
                .filter_map(|e| e.metadata().ok())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0);
    eprintln!(
        "store: {} ({} tickets, {:.0} MiB)",
        dir.display(),
        n,
        size as f64 / 1048576.0
    );
    let calendar = Calendar::new(&HoursConfig::default()).expect("the default hours");
    let options = Options {
        since: Timestamp(end.0 - 30 * 86_400_000),
        until: end,
        by: By::Category,
        calendar,
        default_category: "general".into(),
        churn_risk: Default::default(),
        at_risk: 10,
    };
    let clv = Default::default();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    for (label, threads) in [("all cores", cores), ("one thread", 1)] {
        let mut secs = Vec::new();
        for run in 0..RUNS {
            let started = Instant::now();
            let store = SledStore::open(&dir).expect("the store");
            let source = Source::Store(Box::new(store));
            let r = report::from_source_on(&source, options.clone(), &clv, threads)
                .expect("the report");
            let mut sink = Vec::new();
            report::write(&r, "table", &mut sink).expect("the table");
            report::write(&r, "json", &mut sink).expect("the json");
            let s = started.elapsed().as_secs_f64();
            drop(source);
            eprintln!(
                "  {label} run {}: {s:.2} s (opened in the period: {}, customers scored: {})",
                run + 1,
                r.total.opened,
                r.customers.at_risk.len()
            );
            secs.push(s);
        }
        println!(
            "report over {n} tickets, {label}: median {:.2} s of {RUNS} runs",
            median(&mut secs)
        );
    }
}
