//! Reloading rules without a restart: the watcher swaps in valid changes, refuses invalid
//! ones and keeps the old rules; the console channel classifies with whatever is in force.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use arc_swap::ArcSwap;
use switchboard::config::Settings;
use switchboard::reload::{ReloadEvent, spawn_watcher};
use switchboard::runtime::run_console;
use switchboard_triage::Context;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::sync::{broadcast, watch};

const RULES_V1: &str = r#"default_category = "general"
[categories]
general = "Other"
billing = "Money"
shipping = "Parcels"

[[rule]]
id = "refund"
any = ["refund"]
category = "billing"
"#;

/// Writes a config that points at `rules.toml` beside it and polls every 20 ms.
fn setup(dir: &Path, rules: &str) -> Settings {
    std::fs::write(dir.join("rules.toml"), rules).unwrap();
    std::fs::write(
        dir.join("switchboard.toml"),
        "[triage]\nrules = \"rules.toml\"\nreload_interval_ms = 20\n",
    )
    .unwrap();
    Settings::load(Some(&dir.join("switchboard.toml")), None).unwrap_or_else(|d| panic!("{d:?}"))
}

/// Replaces the file the way editors do: write a temporary file, then rename it over.
fn replace(path: &Path, text: &str) {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, text).unwrap();
    std::fs::rename(&tmp, path).unwrap();
}

async fn next_event(rx: &mut broadcast::Receiver<ReloadEvent>) -> ReloadEvent {
    tokio::time::timeout(Duration::from_secs(10), rx.recv())
        .await
        .expect("the watcher reports a change within 10 s")
        .expect("the watcher is alive")
}

#[tokio::test]
async fn valid_change_applies_to_the_next_message_and_invalid_change_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let settings = Arc::new(setup(dir.path(), RULES_V1));
    let live = Arc::new(ArcSwap::new(settings.engine.clone()));
    let (tx, mut rx) = broadcast::channel(8);
    let (stop_tx, stop_rx) = watch::channel(false);
    let task =
        spawn_watcher(settings.clone(), live.clone(), tx, stop_rx).expect("a file is watched");
    let ctx = Context::default();
    assert_eq!(
        live.load().classify("parcel", &ctx).category.as_str(),
        "general"
    );

    // A valid change: a new rule.
    let v2 = format!(
        "{RULES_V1}\n[[rule]]\nid = \"parcel\"\nany = [\"parcel\"]\ncategory = \"shipping\"\n"
    );
    replace(&dir.path().join("rules.toml"), &v2);
    match next_event(&mut rx).await {
        ReloadEvent::Reloaded { rules, .. } => assert_eq!(rules, 2),
        other => panic!("expected a reload, got {other:?}"),
    }
    assert_eq!(
        live.load().classify("parcel", &ctx).category.as_str(),
        "shipping"
    );

    // An invalid change: refused with the reason, the previous rules stay in force.
    let broken = v2.replace("category = \"shipping\"", "category = \"shiping\"");
    replace(&dir.path().join("rules.toml"), &broken);
    match next_event(&mut rx).await {
        ReloadEvent::Refused { problems, .. } => {
            assert_eq!(problems.len(), 1);
            assert!(
                problems[0]
                    .to_string()
                    .contains("unknown category `shiping`"),
                "{}",
                problems[0]
            );
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert_eq!(
        live.load().classify("parcel", &ctx).category.as_str(),
        "shipping"
    );

    // The file disappears for a moment (a careless editor): nothing changes. This sleep
    // stays a sleep: it gives the watcher time to (wrongly) act on the missing file, which
    // the assertion below proves it did not; there is no event to wait for.
    std::fs::remove_file(dir.path().join("rules.toml")).unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(
        live.load().classify("parcel", &ctx).category.as_str(),
        "shipping"
    );

    // Fixed again: applies.
    std::fs::write(dir.path().join("rules.toml"), RULES_V1).unwrap();
    assert!(matches!(
        next_event(&mut rx).await,
        ReloadEvent::Reloaded { rules: 1, .. }
    ));
    assert_eq!(
        live.load().classify("parcel", &ctx).category.as_str(),
        "general"
    );

    stop_tx.send(true).unwrap();
    tokio::time::timeout(Duration::from_secs(5), task)
        .await
        .expect("the watcher stops")
        .unwrap();
}

#[tokio::test]
async fn nothing_is_watched_for_embedded_rules_or_with_reload_off() {
    let settings = Arc::new(Settings::load(None, None).unwrap());
    let live = Arc::new(ArcSwap::from_pointee(settings.compile_rules().unwrap()));
    let (tx, _rx) = broadcast::channel(1);
    let (_stop, stop_rx) = watch::channel(false);
    assert!(spawn_watcher(settings, live.clone(), tx.clone(), stop_rx.clone()).is_none());

    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("rules.toml"), RULES_V1).unwrap();
    std::fs::write(
        dir.path().join("c.toml"),
        "[triage]\nrules = \"rules.toml\"\nreload = false\n",
    )
    .unwrap();
    let settings = Arc::new(Settings::load(Some(&dir.path().join("c.toml")), None).unwrap());
    assert!(spawn_watcher(settings, live, tx, stop_rx).is_none());
}

#[tokio::test]
async fn the_console_classifies_with_the_rules_in_force() {
    let dir = tempfile::tempdir().unwrap();
    let settings = setup(dir.path(), RULES_V1);
    let store = Arc::new(switchboard_store::SledStore::open(dir.path().join("data")).unwrap());
    let (mut input, console_in) = tokio::io::duplex(4096);
    let (console_out, screen) = tokio::io::duplex(1 << 16);
    let (stop_tx, stop_rx) = watch::channel(false);
    let data = dir.path().join("data");
    let service = tokio::spawn(async move {
        run_console(settings, store, &data, console_in, console_out, stop_rx).await
    });
    let mut screen = BufReader::new(screen).lines();
    let mut next_line = async || {
        tokio::time::timeout(Duration::from_secs(10), screen.next_line())
            .await
            .expect("the console answers")
            .unwrap()
            .expect("the console is open")
    };
    assert!(next_line().await.starts_with("Switchboard console."));

    input
        .write_all(b"customer ann: where is my parcel\n")
        .await
        .unwrap();
    assert!(
        next_line()
            .await
            .starts_with("bot -> customer ann: Thanks, ann. Your request is ticket T-1 (general).")
    );
    assert!(
        next_line()
            .await
            .starts_with("bot -> staff T-1: T-1 · general · normal")
    );

    let v2 = format!(
        "{RULES_V1}\n[[rule]]\nid = \"parcel\"\nany = [\"parcel\"]\ncategory = \"shipping\"\n"
    );
    replace(&dir.path().join("rules.toml"), &v2);
    let reloaded = next_line().await;
    assert!(reloaded.starts_with("Rules reloaded from "), "{reloaded}");

    input
        .write_all(b"customer bob: where is my parcel\n")
        .await
        .unwrap();
    assert!(
        next_line().await.starts_with(
            "bot -> customer bob: Thanks, bob. Your request is ticket T-2 (shipping)."
        )
    );
    next_line().await;

    replace(
        &dir.path().join("rules.toml"),
        "default_category = \"nope\"\n[categories]\ngeneral = \"x\"\n",
    );
    let refused = next_line().await;
    assert!(
        refused.contains("was refused; the previous rules stay in force"),
        "{refused}"
    );
    let why = next_line().await;
    assert!(
        why.contains("rules.toml:1:20: error: unknown category `nope`"),
        "{why}"
    );
    assert_eq!(
        next_line().await,
        "  help: use one of general, or declare it under [categories]"
    );

    input.write_all(b"customer carol: parcel?\n").await.unwrap();
    assert!(next_line().await.starts_with(
        "bot -> customer carol: Thanks, carol. Your request is ticket T-3 (shipping)."
    ));
    next_line().await;

    // Plain text is the customer `you`; a broken line says what is wrong.
    input
        .write_all(b"hello there\nagent bob presses Claim\n")
        .await
        .unwrap();
    assert!(
        next_line()
            .await
            .starts_with("bot -> customer you: Thanks, you.")
    );
    next_line().await;
    assert!(
        next_line()
            .await
            .contains("`agent NAME presses LABEL on T-1`")
    );

    stop_tx.send(true).unwrap();
    tokio::time::timeout(Duration::from_secs(5), service)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
}
