//! The whole ticket lifecycle through `switchboard demo --script`: the real binary, the real
//! desk and the real sled store, asserting on the transcript and on what the store holds.

use std::path::Path;
use std::process::Command;

fn play(script: &str, data: &Path) -> String {
    let file = data.with_extension("script");
    std::fs::write(&file, script).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .env("SWITCHBOARD_LOG", "warn")
        .args([
            "demo",
            "--script",
            file.to_str().unwrap(),
            "--data",
            data.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{}\n{stdout}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

fn show(id: &str, data: &Path) -> serde_json::Value {
    let out = Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .args([
            "tickets",
            "show",
            id,
            "--json",
            "--data",
            data.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The lines the bot sent right after the script line `after`.
fn replies_to<'a>(transcript: &'a str, after: &str) -> Vec<&'a str> {
    transcript
        .lines()
        .skip_while(|l| *l != after)
        .skip(1)
        .take_while(|l| l.starts_with("bot -> "))
        .collect()
}

#[test]
fn self_service_yes_and_no() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let t = play(
        "customer ann: I forgot my password\ncustomer ann presses Yes\ncustomer bob: I forgot my password\ncustomer bob presses No\n",
        &data,
    );
    assert_eq!(
        replies_to(&t, "customer ann presses Yes"),
        ["bot -> customer ann: Glad it helped! Ticket T-1 is closed. Write again any time."]
    );
    let no = replies_to(&t, "customer bob presses No");
    assert!(
        no[0].starts_with("bot -> customer bob: I'm passing ticket T-2 to a person."),
        "{no:?}"
    );
    assert!(
        no[1].starts_with("bot -> staff T-2: The automatic answer did not help the customer."),
        "{no:?}"
    );
    let t1 = show("T-1", &data);
    assert_eq!(t1["status"], "resolved");
    assert!(
        t1["events"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["kind"] == "resolved" && e["detail"] == "self-service"),
        "{t1}"
    );
    assert_eq!(show("T-2", &data)["status"], "queued");
}

#[test]
fn a_stale_button_is_answered_politely() {
    let dir = tempfile::tempdir().unwrap();
    let t = play(
        "customer ann: I forgot my password\ncustomer ann presses Yes\ncustomer ann presses Yes\n",
        &dir.path().join("d"),
    );
    let lines: Vec<&str> = t
        .lines()
        .filter(|l| l.starts_with("bot -> customer ann: That button"))
        .collect();
    assert_eq!(
        lines,
        ["bot -> customer ann: That button no longer applies."]
    );
}

#[test]
fn reopen_inside_the_window_and_a_new_ticket_after_it() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let t = play(
        "customer ann: hello, a question about my order\nagent alice on T-1: /claim\nagent alice: Answered!\nagent alice: /close\nwait 1d\ncustomer ann: one more thing\nagent alice on T-1: /close\nwait 4d\ncustomer ann: a new problem\n",
        &data,
    );
    assert!(
        replies_to(&t, "customer ann: one more thing")[0]
            .starts_with("bot -> customer ann: Ticket T-1 is open again."),
        "{t}"
    );
    assert!(
        replies_to(&t, "customer ann: a new problem")[0]
            .contains("Your request is ticket T-2 (general), following up T-1."),
        "{t}"
    );
    let t1 = show("T-1", &data);
    assert_eq!(
        (t1["status"].as_str(), t1["reopened"].as_u64()),
        (Some("resolved"), Some(1))
    );
    assert_eq!(show("T-2", &data)["previous"], "T-1");
}

#[test]
fn notes_stay_internal() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let t = play(
        "customer ann: my parcel is late\nagent alice on T-1: /claim\nagent alice: // SECRET-1 courier is slow\nagent alice: /note SECRET-2 ask the warehouse\nagent alice: We are on it!\n",
        &data,
    );
    for line in t.lines().filter(|l| l.starts_with("bot -> customer")) {
        assert!(
            !line.contains("SECRET"),
            "a note reached the customer: {line}"
        );
    }
    assert!(t.contains("bot -> customer ann: alice: We are on it!"));
    let msgs = show("T-1", &data)["messages"].as_array().unwrap().clone();
    let notes: Vec<&serde_json::Value> = msgs.iter().filter(|m| m["internal"] == true).collect();
    assert_eq!(notes.len(), 2);
    assert_eq!(notes[0]["text"], "SECRET-1 courier is slow");
}

#[test]
fn show_json_has_the_documented_fields() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    play(
        "customer ann: I was charged twice\nagent bob on T-1: /claim\nagent bob: Refunded.\n",
        &data,
    );
    let v = show("T-1", &data);
    for field in [
        "id", "status", "category", "priority", "assignee", "customer", "messages", "events",
    ] {
        assert!(!v[field].is_null(), "missing {field} in {v}");
    }
    assert_eq!(v["assignee"], "bob");
    assert_eq!(v["customer"], "console:ann");
    assert!(
        v["events"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["at"].as_str().unwrap().starts_with("2026-01-05T09:")),
        "{v}"
    );
}

#[test]
fn a_bad_script_line_stops_with_its_number() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.script");
    std::fs::write(&file, "customer ann: hi\n# fine\nagent bob presses Claim\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .args(["demo", "--script", file.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("bad.script: line 3: an agent's press needs the ticket"),
        "{err}"
    );
    assert!(
        out.stdout.is_empty(),
        "nothing runs before the script is checked"
    );

    std::fs::write(&file, "customer ann: hi\ncustomer ann presses Maybe\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .args(["demo", "--script", file.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("line 2: no message has a button `Maybe`")
    );
}

fn cli(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .env("SWITCHBOARD_LOG", "warn")
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn customers_import_block_and_unblock() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let d = data.to_str().unwrap();
    let csv = dir.path().join("customers.csv");
    std::fs::write(&csv, "id,name,tier,avg_order_value\nconsole:ann,Ann Lee,vip,120.50\nslack:zed,Zed,,1\nconsole:ben,Ben,Gold Plus,3\n").unwrap();
    let (code, out, err) = cli(&["customers", "import", csv.to_str().unwrap(), "--data", d]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.trim(), "1 customers imported, 2 rows skipped");
    assert!(err.contains("line 3: unknown platform `slack`"), "{err}");
    assert!(
        err.contains("line 4: `Gold Plus` is not a valid tier"),
        "{err}"
    );
    let (_, out, _) = cli(&["customers", "show", "console:ann", "--data", d]);
    assert!(
        out.contains("tier        vip") && out.contains("avg_order_value 120.50"),
        "{out}"
    );

    let t = play("customer ann: hello\n", &data);
    assert!(
        t.contains("Customer: ann (console:ann) · language en · tier vip"),
        "the card shows the imported tier:\n{t}"
    );

    let (code, out, _) = cli(&["customers", "block", "console:ben", "--data", d]);
    assert_eq!((code, out.trim()), (0, "console:ben is now blocked"));
    let t = play("customer ben: hello?\n", &data);
    assert!(
        !t.contains("bot -> customer ben"),
        "a blocked customer gets no answer:\n{t}"
    );
    cli(&["customers", "unblock", "console:ben", "--data", d]);
    let t = play("customer ben: hello again\n", &data);
    assert!(t.contains("bot -> customer ben: Thanks, ben."), "{t}");
}

/// The team example in the README: round-robin handoff, a survey with a low score, an SLA
/// warning and breach.
#[test]
fn the_team_example_assigns_surveys_and_breaches() {
    let repo = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let out = Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .env("SWITCHBOARD_LOG", "warn")
        .arg("demo")
        .arg("--config")
        .arg(repo.join("config/examples/team.toml"))
        .arg("--script")
        .arg(repo.join("config/examples/team.script"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let t = String::from_utf8_lossy(&out.stdout);
    for line in [
        "bot -> staff T-1: T-1 is assigned to alice (round robin).",
        "bot -> staff T-2: T-2 is assigned to bob (round robin).",
        "bot -> staff T-3: T-3 is assigned to alice (round robin).",
        "bot -> staff: Low satisfaction on T-2: 1 of 5 from eve.",
        "bot -> staff: eve commented on T-2: It took far too long to get an answer.",
        "bot -> staff T-1: T-1: 80% of the first-response target is used; due within 50 minutes.",
        "bot -> staff: @leads T-1 missed its first-response target (4 hours); priority is now high.",
        "bot -> staff T-1: T-1 is back in the queue: alice had not written for 4 hours.",
        "bot -> staff T-1: T-1 is assigned to bob (round robin).",
    ] {
        assert_eq!(t.matches(line).count(), 1, "once: {line}\n{t}");
    }
    // The survey came 10 minutes after the close, not before.
    let survey = t
        .find("How happy are you with how we handled ticket T-2?")
        .unwrap();
    assert!(t.find("wait 10m").unwrap() < survey, "{t}");
}

/// A restart while an SLA timer and a survey are pending: each fires once, at its time.
#[test]
fn pending_timers_survive_a_restart_and_fire_once() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    // 09:00: Dan's ticket is handed off (first response due 13:00, warning at 12:12);
    // Eve's is closed (survey due 09:10). Then the process ends.
    let first = play(
        "customer dan: My parcel never arrived, I want to talk to a human\n\
         customer eve: hello, please let me talk to a person\n\
         agent bob on T-2: /close\n",
        &data,
    );
    assert!(!first.contains("How happy"), "{first}");
    // The next run's simulated clock starts at 09:00 again (each script line takes a
    // second): the timers fire at their times, once.
    let second = play(
        "wait 9m\n\
         customer zed: just checking in before the survey\n\
         wait 2m\n\
         wait 3h\n\
         wait 3m\n\
         wait 45m\n\
         wait 4m\n\
         wait 5h\n",
        &data,
    );
    let after = |marker: &str| -> Vec<&str> { replies_to(&second, marker) };
    assert!(
        after("wait 9m").is_empty(),
        "nothing before 09:10: {second}"
    );
    assert!(
        after("wait 2m")
            .iter()
            .any(|l| l.contains("How happy are you with how we handled ticket T-2?")),
        "the survey by 09:11: {second}"
    );
    assert!(after("wait 3h").is_empty(), "nothing at 12:11: {second}");
    assert!(
        after("wait 3m")
            .iter()
            .any(|l| l
                .contains("T-1: 80% of the first-response target is used; due within 50 minutes.")),
        "the warning by 12:14: {second}"
    );
    assert!(
        !after("wait 45m").iter().any(|l| l.contains("T-1 missed")),
        "no breach at 12:59: {second}"
    );
    assert!(
        after("wait 4m")
            .iter()
            .any(|l| l.contains("T-1 missed its first-response target")),
        "the breach by 13:03: {second}"
    );
    assert_eq!(
        second
            .matches("T-1: 80% of the first-response target")
            .count(),
        1,
        "{second}"
    );
    assert_eq!(
        second
            .matches("T-1 missed its first-response target")
            .count(),
        1,
        "{second}"
    );
    assert_eq!(second.matches("How happy").count(), 1, "{second}");
    // A third run fires nothing again.
    let third = play("wait 1d\n", &data);
    assert!(
        !third.contains("How happy") && !third.contains("first-response"),
        "{third}"
    );
}

/// `switchboard report` reads what a demo left, as JSON with the documented names.
#[test]
fn report_reads_the_store_as_json() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    play(
        "customer ann: Hi! I forgot my password\n\
         customer ann presses Yes\n\
         customer ben: I was charged twice, talk to a person\n\
         agent alice on T-2: Sorry, refunding now.\n\
         agent alice on T-2: /close\n",
        &data,
    );
    let (code, out, err) = cli(&[
        "report",
        "--since",
        "2026-01-05",
        "--until",
        "2026-01-06",
        "--format",
        "json",
        "--data",
        data.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let n = &v["groups"][0]["numbers"];
    assert_eq!(n["opened"], 2);
    assert_eq!(n["resolved"], 2);
    assert_eq!(n["deflection_rate_pct"], 50.0);
    assert_eq!(n["handoff_rate_pct"], 50.0);
    assert_eq!(n["first_response_wall"]["count"], 1);
    assert!(n["nps"].is_null(), "no NPS answers: no data");
    let (code, _, err) = cli(&["report", "--by", "month", "--data", data.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(err.contains("is not a grouping"), "{err}");
}

/// `demo --seed-history N` fills a store with a month of realistic history that `report`
/// reads; the same N gives the same history.
#[test]
fn seeded_history_gives_a_full_report_and_is_deterministic() {
    let dir = tempfile::tempdir().unwrap();
    let mut reports = Vec::new();
    for name in ["a", "b"] {
        let data = dir.path().join(name);
        let (code, out, err) = cli(&[
            "demo",
            "--seed-history",
            "200",
            "--data",
            data.to_str().unwrap(),
        ]);
        assert_eq!(code, 0, "{err}");
        assert!(
            out.contains("200 tickets of history seeded from 2025-12-06 to 2026-01-05"),
            "{out}"
        );
        let (code, json, err) = cli(&[
            "report",
            "--since",
            "2025-12-06",
            "--until",
            "2026-01-06",
            "--format",
            "json",
            "--data",
            data.to_str().unwrap(),
        ]);
        assert_eq!(code, 0, "{err}");
        reports.push(json);
    }
    assert_eq!(reports[0], reports[1], "the same seed, the same history");
    let v: serde_json::Value = serde_json::from_str(&reports[0]).unwrap();
    let n = &v["groups"][0]["numbers"];
    assert_eq!(n["opened"], 200);
    assert!(n["resolved"].as_u64().unwrap() >= 190, "{n}");
    let deflection = n["deflection_rate_pct"].as_f64().unwrap();
    assert!((20.0..70.0).contains(&deflection), "{n}");
    let csat = n["csat_pct"].as_f64().unwrap();
    assert!((40.0..95.0).contains(&csat), "{n}");
    assert!(
        n["first_response_wall"]["count"].as_u64().unwrap() > 50,
        "{n}"
    );
    assert!(
        n["sla_first_response"]["decided"].as_u64().unwrap() > 50,
        "{n}"
    );
    // A script and seeding at once is refused.
    let (code, _, err) = cli(&[
        "demo",
        "--seed-history",
        "5",
        "--script",
        "x.script",
        "--data",
        "y",
    ]);
    assert_ne!(code, 0);
    assert!(err.contains("cannot be used with"), "{err}");
}

/// A Chinese customer reads the category of the acknowledgement in Chinese (it used to say
/// "(complaint)"); an English customer's acknowledgement is unchanged.
#[test]
fn the_acknowledgement_names_the_category_in_the_customers_language() {
    let dir = tempfile::tempdir().unwrap();
    let out = play(
        "customer li: 我要投诉，东西太差了\ncustomer ann: I was charged twice for my order\n",
        &dir.path().join("data"),
    );
    assert!(out.contains("您的请求编号为 T-1（投诉）"), "{out}");
    assert!(!out.contains("（complaint）"), "{out}");
    assert!(
        out.contains("Your request is ticket T-2 (billing)."),
        "{out}"
    );
}
