//! A full disk, then space again, on the running service: `switchboard run` (a child
//! process, against the fake Telegram of this process) gets a real write fault: its file
//! size limit (RLIMIT_FSIZE, set from outside with `prlimit`) is lowered to the size of
//! sled's log, so sled's next write past it fails (EFBIG) as it would on a full disk. While
//! that lasts customers write: nothing is acknowledged (Telegram keeps the updates),
//! `/health` says unhealthy with the store's reason, and an error line is logged. Then the
//! limit is lifted: the service reopens its store by itself, logs that it recovered, every
//! customer is answered, and the store holds every message once, with no restart.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use switchboard_desk::Store;
use switchboard_domain::Author;
use switchboard_store::SledStore;
use switchboard_testkit::{FakeTelegram, TgUser};

const STAFF: i64 = -1_001_234_567_890;

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The running service's `/health`, as JSON (`None` while it does not answer).
async fn health(port: u16) -> Option<serde_json::Value> {
    let listen = format!("127.0.0.1:{port}");
    let body = tokio::task::spawn_blocking(move || switchboard::admin::get(&listen, "/health"))
        .await
        .unwrap()
        .ok()??;
    serde_json::from_str(&body).ok()
}

/// Sets the soft file size limit of process `pid` (the hard limit stays unlimited, so
/// that the limit can be lifted again).
fn limit_file_size(pid: u32, soft: Option<u64>) {
    let soft = soft.map_or("unlimited".to_string(), |n| n.to_string());
    let out = Command::new("prlimit")
        .args([
            "--pid",
            &pid.to_string(),
            &format!("--fsize={soft}:unlimited"),
        ])
        .output()
        .expect("prlimit (util-linux) runs");
    assert!(
        out.status.success(),
        "prlimit failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The size of sled's log file.
fn log_size(data: &Path) -> u64 {
    std::fs::metadata(data.join("db")).map_or(0, |m| m.len())
}

fn acked(fake: &FakeTelegram, u: &TgUser) -> bool {
    fake.sent()
        .iter()
        .any(|s| s.chat_id == u.id && s.text.contains("T-"))
}

/// Waits until `ok`; on timeout panics naming `what`, with the service's log.
async fn wait_for(what: &str, timeout: Duration, mut ok: impl AsyncFnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + timeout;
    while !ok().await {
        if tokio::time::Instant::now() >= deadline {
            let log = LOG.with(|l| switchboard_domain::sync::lock(&l.borrow()).clone());
            let tail: Vec<&str> = log.lines().rev().take(60).collect();
            panic!(
                "timed out waiting for {what}; the service's last log lines:\n{}",
                tail.into_iter().rev().collect::<Vec<_>>().join("\n")
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// What the service logged so far.
type Log = Arc<Mutex<String>>;

thread_local! {
    /// The service's log, for the panics of `wait_for`.
    static LOG: std::cell::RefCell<Log> = std::cell::RefCell::default();
}

/// Starts the service; its log goes through a pipe (a file would be held to the file size
/// limit too) into the returned buffer.
fn spawn(dir: &Path) -> (Child, Log) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .env_remove("SWITCHBOARD_CONFIG")
        .env_remove("TELEGRAM_BOT_TOKEN")
        .env("SWITCHBOARD_LOG", "info")
        .env("NO_COLOR", "1")
        .args([
            "run",
            "--config",
            dir.join("switchboard.toml").to_str().unwrap(),
            "--data",
            dir.join("data").to_str().unwrap(),
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let log = Log::default();
    let stderr = child.stderr.take().unwrap();
    let into = log.clone();
    std::thread::spawn(move || {
        use std::io::BufRead;
        for line in std::io::BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
        {
            let mut log = switchboard_domain::sync::lock(&into);
            log.push_str(&line);
            log.push('\n');
        }
    });
    LOG.with(|l| *l.borrow_mut() = log.clone());
    (child, log)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_then_space_again_recovers_without_a_restart() {
    let fake = FakeTelegram::start().await;
    fake.supergroup(STAFF, "Support", true);
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    std::fs::write(dir.path().join("token"), fake.token()).unwrap();
    std::fs::write(
        dir.path().join("switchboard.toml"),
        format!(
            r#"
[admin]
listen = "127.0.0.1:{port}"

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
    let data = dir.path().join("data");
    let (mut child, log) = spawn(dir.path());
    let stderr = || switchboard_domain::sync::lock(&log).clone();

    // Before: a customer is answered, the service is healthy.
    let ann = fake.user(5000, "Ann", Some("en"));
    fake.private_text(&ann, "hello, my parcel 1 is late");
    wait_for(
        "Ann's acknowledgement",
        Duration::from_secs(60),
        async || acked(&fake, &ann),
    )
    .await;
    let h = health(port).await.expect("the admin endpoint answers");
    assert_eq!(h["status"], "ok", "{h}");

    // The disk fills: the log may not grow past its size. Customers keep writing until
    // the store fails (sled first fills what its log file already holds).
    limit_file_size(child.id(), Some(log_size(&data)));
    let mut during = Vec::new();
    let mut n = 0;
    wait_for(
        "the service to say it is unhealthy",
        Duration::from_secs(60),
        async || {
            n += 1;
            let u = fake.user(6000 + n, &format!("D{n}"), Some("en"));
            fake.private_text(
                &u,
                &format!("hello, my parcel {} is late, order {n}", 6000 + n),
            );
            during.push(u);
            matches!(health(port).await, Some(h) if h["status"] == "unhealthy")
        },
    )
    .await;
    let h = health(port).await.unwrap();
    let why = h["problems"]["store"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(why.contains("store"), "{h}");
    eprintln!("full disk: unhealthy after {n} customers wrote: {why}");

    // While it lasts: new customers write; none is acknowledged, and Telegram keeps them.
    let waiting: Vec<TgUser> = (0..5)
        .map(|i| fake.user(7000 + i, &format!("W{i}"), Some("en")))
        .collect();
    for u in &waiting {
        fake.private_text(u, &format!("hello, my parcel {} is late", u.id));
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert!(
        waiting.iter().all(|u| !acked(&fake, u)),
        "nothing is acknowledged while the store cannot commit"
    );
    assert!(
        fake.pending_updates() >= waiting.len(),
        "Telegram keeps them"
    );
    let h = health(port).await.unwrap();
    assert_eq!(h["status"], "unhealthy", "{h}");
    assert!(
        stderr().contains("ERROR") && stderr().contains("the store failed"),
        "an error line says the store failed:\n{}",
        stderr()
    );

    // Space again: the service recovers by itself and answers everyone.
    limit_file_size(child.id(), None);
    wait_for(
        "every customer to be answered",
        Duration::from_secs(90),
        async || ann_and(&fake, &ann, &during, &waiting) && fake.pending_updates() == 0,
    )
    .await;
    wait_for(
        "the service to be healthy",
        Duration::from_secs(30),
        async || matches!(health(port).await, Some(h) if h["status"] == "ok"),
    )
    .await;
    assert!(
        child.try_wait().unwrap().is_none(),
        "the service never restarted"
    );
    assert!(
        stderr().contains("the store recovered"),
        "an info line says the store recovered:\n{}",
        stderr()
    );

    // Stopped: every message is in the store once, one ticket per customer.
    let _ = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status();
    wait_for("the service to stop", Duration::from_secs(30), async || {
        child.try_wait().unwrap().is_some()
    })
    .await;
    let store = SledStore::open(&data).unwrap();
    let tickets = store.tickets(None).unwrap();
    let everyone: Vec<&TgUser> = std::iter::once(&ann)
        .chain(&during)
        .chain(&waiting)
        .collect();
    assert_eq!(tickets.len(), everyone.len(), "one ticket per customer");
    let mut texts = Vec::new();
    for t in &tickets {
        for m in store.messages(t.id).unwrap() {
            if let Author::Customer(_) = m.author {
                texts.push(m.text);
            }
        }
    }
    let unique: std::collections::HashSet<&String> = texts.iter().collect();
    assert_eq!(unique.len(), texts.len(), "no message stored twice");
    assert_eq!(texts.len(), everyone.len(), "every message stored");
}

fn ann_and(fake: &FakeTelegram, ann: &TgUser, during: &[TgUser], waiting: &[TgUser]) -> bool {
    acked(fake, ann) && during.iter().chain(waiting).all(|u| acked(fake, u))
}
