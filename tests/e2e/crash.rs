//! Crash safety of the whole program: `switchboard run` is killed with SIGKILL at random
//! points while a scripted load runs, then restarted on the same store. After every kill:
//! every message the service acknowledged (its reply was shown, which happens only after
//! the commit is durable) is in the store exactly once, no message is stored twice, no
//! ticket is half-written, and no customer conversation became two tickets.

use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};

use switchboard_desk::Store;
use switchboard_domain::{Author, TicketId};
use switchboard_store::SledStore;

use crate::rng;

/// The prefix of an acknowledgement that a customer's first message opened a ticket.
const CUSTOMER: &str = "customer:";

/// What a round's output proves was acknowledged: message texts, and customers whose first
/// message opened a ticket.
fn acknowledged(line: &str, acked: &mut HashSet<String>) {
    // Follow-ups are relayed to the ticket's thread after they are durable:
    // `bot -> staff T-3: c1_4: msg 1-4-2`.
    if let Some(rest) = line.strip_prefix("bot -> staff T-")
        && let Some((_, said)) = rest.split_once(": ")
        && let Some((_, text)) = said.split_once(": ")
        && text.starts_with("msg ")
    {
        acked.insert(text.to_string());
    }
    // A customer's first message is acknowledged with the ticket number: `bot -> customer
    // c1_4: Thanks`. Which message it was is not in the line (usually `hello 1_4`, but a
    // customer of a killed round may start with a later line), so what is proven is that
    // the customer has a ticket holding their message.
    if let Some(rest) = line.strip_prefix("bot -> customer ")
        && let Some((who, said)) = rest.split_once(": ")
        && said.starts_with("Thanks, ")
    {
        acked.insert(format!("{CUSTOMER}{who}"));
    }
}

/// Runs the service on `data`, feeds it `lines`, kills it after `kill_after` lines of
/// output (or lets it finish when the input runs out first), and returns what was
/// acknowledged.
fn round(config: &Path, data: &Path, lines: &[String], kill_after: usize) -> HashSet<String> {
    let mut child = Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .env("SWITCHBOARD_LOG", "error")
        .args([
            "run",
            "--config",
            config.to_str().unwrap(),
            "--data",
            data.to_str().unwrap(),
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let input = lines.to_vec();
    let writer = std::thread::spawn(move || {
        for l in input {
            if writeln!(stdin, "{l}").is_err() {
                return; // killed
            }
        }
    });
    let mut acked = HashSet::new();
    let out = BufReader::new(child.stdout.take().unwrap());
    for (n, line) in out.lines().enumerate() {
        let Ok(line) = line else { break };
        if std::env::var("CRASH_TRACE").is_ok() {
            eprintln!("  out: {line}");
        }
        acknowledged(&line, &mut acked);
        if n + 1 >= kill_after {
            child.kill().unwrap();
            break;
        }
    }
    let _ = child.wait();
    let _ = writer.join();
    acked
}

/// Checks the store against what was acknowledged so far.
fn check(data: &Path, acked: &HashSet<String>, seed: u64) {
    let store = SledStore::open(data)
        .unwrap_or_else(|e| panic!("seed {seed}: the store must reopen after a kill: {e}"));
    let max = store
        .tickets(None)
        .unwrap()
        .iter()
        .map(|t| t.id.0)
        .max()
        .unwrap_or(0);
    assert!(
        store.last_ticket_id().unwrap() >= max,
        "seed {seed}: the last ticket number {} is below a stored ticket T-{max}: new tickets would overwrite old ones",
        store.last_ticket_id().unwrap()
    );
    let mut seen: HashMap<String, TicketId> = HashMap::new();
    let mut per_customer: HashMap<String, Vec<TicketId>> = HashMap::new();
    for t in store.tickets(None).unwrap() {
        let msgs = store.messages(t.id).unwrap();
        assert_eq!(
            msgs.len() as u32,
            t.messages,
            "seed {seed}: {} is half-written: {} messages stored, the ticket says {}",
            t.id,
            msgs.len(),
            t.messages
        );
        for (i, m) in msgs.iter().enumerate() {
            assert_eq!(
                m.seq as usize,
                i + 1,
                "seed {seed}: {} has a gap in its messages",
                t.id
            );
            if let Author::Customer(_) = m.author
                && let Some(prev) = seen.insert(m.text.clone(), t.id)
            {
                panic!(
                    "seed {seed}: {:?} is stored twice ({prev} and {})",
                    m.text, t.id
                );
            }
        }
        per_customer
            .entry(t.customer.id.clone())
            .or_default()
            .push(t.id);
    }
    for (c, ts) in &per_customer {
        assert_eq!(
            ts.len(),
            1,
            "seed {seed}: customer {c} got several tickets: {ts:?}"
        );
    }
    for text in acked {
        if let Some(who) = text.strip_prefix(CUSTOMER) {
            assert!(
                per_customer.contains_key(who),
                "seed {seed}: customer {who} was acknowledged but has no ticket"
            );
            continue;
        }
        if !seen.contains_key(text) {
            let dump: Vec<String> = store
                .tickets(None)
                .unwrap()
                .iter()
                .map(|t| {
                    let first = store
                        .messages(t.id)
                        .unwrap()
                        .first()
                        .map(|m| m.text.clone())
                        .unwrap_or_default();
                    format!("{} {} v{} {:?}", t.id, t.customer.id, t.version, first)
                })
                .collect();
            panic!(
                "seed {seed}: acknowledged message {text:?} is not in the store; last ticket id {}; tickets:\n{}",
                store.last_ticket_id().unwrap(),
                dump.join("\n")
            );
        }
    }
}

#[test]
fn killing_the_service_loses_and_duplicates_nothing_it_acknowledged() {
    // CRASH_SEED replays a failure's kill points.
    let (mut rng, seed) = rng::from_env("CRASH_SEED");
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("switchboard.toml");
    // No flood limit: every follow-up is relayed, so every one can be acknowledged.
    std::fs::write(&config, "[desk]\nrate_limit = 100000\n").unwrap();
    let data = dir.path().join("data");
    let mut acked = HashSet::new();
    let rounds = 5;
    for r in 0..rounds {
        let mut lines = Vec::new();
        for k in 0..40 {
            lines.push(format!("customer c{r}_{k}: hello {r}_{k}"));
            for i in 0..3 {
                lines.push(format!("customer c{r}_{k}: msg {r}-{k}-{i}"));
            }
        }
        // Customers of earlier rounds write again: their tickets must be found, not doubled.
        if r > 0 {
            for k in 0..5 {
                lines.push(format!(
                    "customer c{}_{k}: msg {}-{k}-again-{r}",
                    r - 1,
                    r - 1
                ));
            }
        }
        // The last round runs to the end of its input: the service then stops cleanly.
        let kill_after = if r + 1 == rounds {
            usize::MAX
        } else {
            5 + rng.below(200) as usize
        };
        let got = round(&config, &data, &lines, kill_after);
        eprintln!(
            "round {r}: kill after {kill_after} lines, {} acknowledged",
            got.len()
        );
        acked.extend(got);
        check(&data, &acked, seed);
    }
    assert!(
        acked.len() > 100,
        "seed {seed}: the load should get well under way ({} acknowledged)",
        acked.len()
    );
}
