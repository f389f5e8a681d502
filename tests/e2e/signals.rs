//! Stopping `switchboard run`: SIGTERM and Ctrl-C (SIGINT) end the console service at once
//! and cleanly (exit status 0; the store reopens with what was shown, and nothing shown is
//! left to be sent again), even while standard input is open and nobody types.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use switchboard_desk::Store;
use switchboard_store::SledStore;

/// How long the service may take to stop after the signal.
const STOP_WITHIN: Duration = Duration::from_secs(10);

fn stops_cleanly_on(signal: &str) {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let mut child = Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .env_remove("SWITCHBOARD_CONFIG")
        .env("SWITCHBOARD_LOG", "error")
        .args(["run", "--data", data.to_str().unwrap()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Kept open until the end: the service must not wait for more input.
    let mut stdin = child.stdin.take().unwrap();
    writeln!(stdin, "customer ann: where is my parcel").unwrap();
    // Read on a thread, so that a console that never answers fails the test instead of
    // hanging it.
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let answered = BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
            .any(|l| l.contains("You can follow your order"));
        let _ = tx.send(answered);
    });
    let answered = rx.recv_timeout(Duration::from_secs(60)).unwrap_or(false);
    if !answered {
        let _ = child.kill();
        let _ = child.wait();
    }
    assert!(answered, "the console answers");

    let killed = Command::new("kill")
        .args([format!("-{signal}"), child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let deadline = Instant::now() + STOP_WITHIN;
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("still running {STOP_WITHIN:?} after SIG{signal} with standard input open");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success(), "SIG{signal}: {status}");
    drop(stdin);

    let store = SledStore::open(&data).expect("the store reopens after a clean stop");
    let tickets = store.tickets(None).unwrap();
    assert_eq!(tickets.len(), 1, "{tickets:?}");
    let messages = store.messages(tickets[0].id).unwrap();
    assert!(
        messages.iter().any(|m| m.text == "where is my parcel"),
        "{messages:?}"
    );
    assert!(
        store.outbox(10).unwrap().is_empty(),
        "what was shown is not sent again"
    );
}

#[test]
fn sigterm_stops_the_console_service_cleanly() {
    stops_cleanly_on("TERM");
}

#[test]
fn ctrl_c_stops_the_console_service_cleanly() {
    stops_cleanly_on("INT");
}
