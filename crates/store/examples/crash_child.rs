//! The writer half of `kill_9_keeps_everything_that_was_durable` (tests/sled.rs), started by
//! that test as a child process and killed with SIGKILL mid-write. It is an example rather
//! than a `#[test]` so that it does not show up as a passing test; `cargo test` builds it
//! into `target/<profile>/examples/`, where the test finds it.
//!
//! Usage: `crash_child DIR`. Two threads open tickets in the store at `DIR`; after each is
//! durable (group commit) its number is printed as `durable N`, which is the promise the
//! parent checks after the kill.

use std::io::Write;
use std::sync::Arc;
use std::time::{Duration, Instant};

use switchboard_desk::Store;
use switchboard_store::SledStore;

#[path = "../tests/support/mod.rs"]
mod support;

fn main() {
    let Some(dir) = std::env::args_os().nth(1) else {
        eprintln!("usage: crash_child DIR (started by tests/sled.rs)");
        std::process::exit(2);
    };
    let store = Arc::new(SledStore::open(&dir).unwrap());
    let group = Arc::new(store.group_commit().unwrap());
    let threads: Vec<_> = (0..2u64)
        .map(|t| {
            let (store, group) = (store.clone(), group.clone());
            std::thread::spawn(move || {
                let started = Instant::now();
                let mut n = 1 + t;
                // The parent kills us long before this; the limit only stops an orphan.
                while started.elapsed() < Duration::from_secs(30) {
                    store.commit(&support::open_ticket(n)).unwrap();
                    group.request().wait().unwrap();
                    let mut out = std::io::stdout().lock();
                    writeln!(out, "durable {n}").unwrap();
                    out.flush().unwrap();
                    n += 2;
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
}
