//! The admin commands, run as the real binary.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_switchboard"));
    c.env_remove("SWITCHBOARD_CONFIG")
        .env("SWITCHBOARD_LOG", "warn");
    c
}

fn run(args: &[&str]) -> Output {
    bin().args(args).output().expect("the binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

/// Every file under config/ validates: the config as a config, rule packs as rules.
#[test]
fn every_shipped_config_file_validates() {
    let mut checked = 0;
    let mut dirs = vec![repo().join("config")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "toml") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            let p = path.to_str().unwrap();
            let is_rules = text.contains("default_category") || text.contains("[[rule]]");
            let out = if is_rules {
                run(&["check", "--rules", p])
            } else {
                run(&["check", "--config", p])
            };
            assert!(
                out.status.success(),
                "{p} does not validate:\n{}",
                stderr(&out)
            );
            assert!(stdout(&out).starts_with("ok: "), "{}", stdout(&out));
            checked += 1;
        }
    }
    // switchboard.toml, rules.toml and examples/banking.toml at least.
    assert!(checked >= 3, "only {checked} files checked");
}

#[test]
fn check_passes_on_the_embedded_defaults_from_any_directory() {
    let dir = tempfile::tempdir().unwrap();
    let out = bin().arg("check").current_dir(dir.path()).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("prompts en, zh-CN"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn check_reports_every_problem_with_its_place_and_fails() {
    let dir = tempfile::tempdir().unwrap();
    let rules = write(
        dir.path(),
        "rules.toml",
        r#"default_category = "general"
[categories]
general = "Other"
billing = "Money"

[[rule]]
id = "refund"
any = ["refund*"]
category = "biling"
answer = "no_such_answer"

[[rule]]
id = "refund"
any = []
regex = ['order (\d+']
category = "billing"
"#,
    );
    let out = run(&["check", "--rules", rules.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    let f = rules.to_str().unwrap();
    for needle in [
        format!("{f}:9:12: error: unknown category `biling`"),
        format!(
            "{f}:10:10: error: rule `refund`: auto-answer `no_such_answer` is missing from the prompts"
        ),
        format!("{f}:13:6: error: duplicate rule id `refund` (first used on line 6)"),
        format!("{f}:14:7: error: rule `refund` has an empty `any` list"),
        format!("{f}:15:10: error: invalid regex in rule `refund`"),
        "5 problems found; nothing was changed.".to_string(),
    ] {
        assert!(err.contains(&needle), "missing {needle:?} in:\n{err}");
    }
    assert!(stdout(&out).is_empty());
}

#[test]
fn check_reports_a_shadowed_rule() {
    let dir = tempfile::tempdir().unwrap();
    let rules = write(
        dir.path(),
        "rules.toml",
        "default_category = \"general\"\n[categories]\ngeneral = \"x\"\nbilling = \"y\"\n[[rule]]\nid = \"money\"\nany = [\"refund\", \"charge*\"]\ncategory = \"billing\"\n[[rule]]\nid = \"refund-status\"\nall = [\"refund\", \"status\"]\ncategory = \"general\"\n",
    );
    let out = run(&["check", "--rules", rules.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains(
            ":10:6: error: rule `refund-status` can never fire: the earlier rule `money` (line 5)"
        ),
        "{}",
        stderr(&out)
    );
}

#[test]
fn check_reports_config_problems() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = write(
        dir.path(),
        "sb.toml",
        "[triage]\nrules = \"missing.toml\"\nrelaod = true\n",
    );
    let out = run(&["check", "--config", cfg.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("sb.toml:3:1: error: unknown field `relaod`"),
        "{err}"
    );

    // A config naming a rules file that does not exist: the path, relative to the config.
    let cfg = write(
        dir.path(),
        "sb.toml",
        "[triage]\nrules = \"missing.toml\"\n",
    );
    let out = run(&["check", "--config", cfg.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("missing.toml") && err.contains("cannot read the file"),
        "{err}"
    );

    // And one naming a rules file next to it that exists.
    write(
        dir.path(),
        "mine.toml",
        "default_category = \"general\"\n[categories]\ngeneral = \"x\"\n",
    );
    let cfg = write(dir.path(), "sb.toml", "[triage]\nrules = \"mine.toml\"\n");
    let out = run(&["check", "--config", cfg.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("(0 rules, 1 categories)"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn a_rules_file_in_a_broken_encoding_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("r.toml");
    std::fs::write(&p, b"default_category = \"gen\xffral\"\n").unwrap();
    let out = run(&["check", "--rules", p.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("r.toml:1:24: error: the file is not valid UTF-8 here (byte 23)")
            && stderr(&out).contains("save the file as UTF-8"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn rules_test_json_has_the_documented_fields() {
    let out = run(&[
        "rules",
        "test",
        "I was charged twice, I want a REFUND!!! Let me talk to a real person",
        "--json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["category"], "billing");
    assert_eq!(v["priority"], "high");
    assert_eq!(v["escalate"], true);
    assert_eq!(v["auto_answer"], "refund_policy");
    assert!(
        v["tags"].as_array().unwrap().iter().any(|t| t == "refund"),
        "{v}"
    );
    let fired = v["fired"].as_array().unwrap();
    assert!(fired.iter().any(|f| f["rule"] == "wants-human"), "{v}");
    let refund = fired
        .iter()
        .find(|f| f["rule"] == "refund")
        .expect("refund fired");
    assert!(
        refund["matched"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m.as_str().unwrap().starts_with("refund")),
        "{v}"
    );
    let signals = v["signals"].as_array().unwrap();
    assert!(
        signals.contains(&"human".into()) && signals.contains(&"anger".into()),
        "{v}"
    );
}

#[test]
fn rules_test_explains_in_words() {
    let out = run(&["rules", "test", "我要退款"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let s = stdout(&out);
    assert!(s.contains("category   billing"), "{s}");
    assert!(
        s.contains("answer     refund_policy: 退款审核通过后"),
        "the answer is shown in the customer's language:\n{s}"
    );
    assert!(s.contains("fired (stop)  matched: 退款"), "{s}");
}

#[test]
fn rules_test_filters_from_flags() {
    let dir = tempfile::tempdir().unwrap();
    let rules = write(
        dir.path(),
        "r.toml",
        "default_category = \"general\"\n[categories]\ngeneral = \"x\"\nbilling = \"y\"\n[[rule]]\nid = \"vip\"\nany = [\"refund\"]\ntier = [\"vip\"]\nplatform = [\"discord\"]\nhours = \"out\"\ncategory = \"billing\"\npriority = \"urgent\"\n",
    );
    let r = rules.to_str().unwrap();
    let out = run(&[
        "rules",
        "test",
        "refund",
        "--rules",
        r,
        "--json",
        "--tier",
        "vip",
        "--platform",
        "discord",
        "--hours",
        "out",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["priority"], "urgent", "{v}");
    let out = run(&[
        "rules",
        "test",
        "refund",
        "--rules",
        r,
        "--tier",
        "vip",
        "--platform",
        "discord",
        "--hours",
        "in",
    ]);
    assert!(
        stdout(&out).contains("filtered out: within business hours"),
        "{}",
        stdout(&out)
    );
    let out = run(&["rules", "test", "refund", "--platform", "slack"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("unknown platform `slack`: use one of telegram, discord, console"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn backtest_scores_reports_bad_rows_and_writes_predictions() {
    let dir = tempfile::tempdir().unwrap();
    let mut csv = b"id,text,label,extra\n1,I want a refund,billing,x\n2,where is my parcel?,shipping,x\n3,\"hello, there\",general,x\n4,only two fields\n5,the app crashed,technical,x\n".to_vec();
    csv.extend_from_slice(
        b"6,bad \xff utf8,billing,x\n7,\"multi\nline refund\",billing,x\n8,,general,x\n",
    );
    let input = dir.path().join("labelled.csv");
    std::fs::write(&input, &csv).unwrap();
    let preds = dir.path().join("pred.csv");
    let out = run(&[
        "rules",
        "backtest",
        input.to_str().unwrap(),
        "--json",
        "--predictions",
        preds.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("line 5: missing field (the row has 2 fields, the header 4); row skipped"),
        "{err}"
    );
    assert!(err.contains("line 7: invalid UTF-8; row skipped"), "{err}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["rows"], 6, "{v}");
    assert_eq!(v["bad_rows"], 2, "{v}");
    assert_eq!(v["accuracy"], 1.0, "{v}");
    assert_eq!(v["macro_f1"], 1.0, "{v}");
    let billing = v["per_category"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["category"] == "billing")
        .unwrap();
    assert_eq!(billing["support"], 2);
    assert_eq!(billing["precision"], 1.0);

    let mut rdr = csv::Reader::from_path(&preds).unwrap();
    assert_eq!(
        rdr.headers().unwrap(),
        vec![
            "text",
            "label",
            "predicted",
            "priority",
            "escalate",
            "fired",
            "signals"
        ]
    );
    let rows: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 6);
    assert_eq!(&rows[0][0], "I want a refund");
    assert_eq!(&rows[0][2], "billing");
    assert_eq!(&rows[0][3], "high");
    assert_eq!(&rows[0][5], "refund");
    assert_eq!(&rows[4][0], "multi\nline refund", "quoted newlines survive");
    assert_eq!(&rows[0][6], "", "no signal in a plain refund request");
}

#[test]
fn backtest_predictions_say_which_signals_made_a_message_escalate() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(
        dir.path(),
        "l.csv",
        "text,label\nCan you get a human to assist me? This is terrible,general\nare you a real person?,general\n",
    );
    let preds = dir.path().join("pred.csv");
    let out = run(&[
        "rules",
        "backtest",
        input.to_str().unwrap(),
        "--predictions",
        preds.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let mut rdr = csv::Reader::from_path(&preds).unwrap();
    let rows: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
    assert_eq!(&rows[0][6], "negative;human");
    assert_eq!(&rows[0][4], "true", "a request for a person escalates");
    assert_eq!(&rows[1][6], "", "a question about the bot is not a request");
    assert_eq!(&rows[1][4], "false");
}

#[test]
fn backtest_tables_for_people() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(
        dir.path(),
        "l.csv",
        "text,label\nrefund please,billing\nmy parcel is late,shipping\nhi,billing\n",
    );
    let out = run(&["rules", "backtest", input.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let s = stdout(&out);
    assert!(s.contains("3 rows scored, 0 unreadable"), "{s}");
    assert!(s.contains("macro-F1  0.556"), "{s}");
    assert!(s.contains("accuracy  0.667"), "{s}");
    assert!(
        s.contains("Confusion matrix (rows: label, columns: predicted)"),
        "{s}"
    );
    assert!(s.contains("Rules that never fired:"), "{s}");
}

#[test]
fn backtest_without_label_column_says_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "l.csv", "message,intent\nrefund,billing\n");
    let out = run(&["rules", "backtest", input.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains(
            "the header must have a `text` and a `label` column, but it is `message,intent`"
        ),
        "{}",
        stderr(&out)
    );
}

#[test]
fn demo_runs_without_config_or_tokens() {
    let dir = tempfile::tempdir().unwrap();
    let out = bin().arg("demo").current_dir(dir.path()).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let s = stdout(&out);
    for needle in [
        "bot -> customer ann: Thanks, ann. Your request is ticket T-1 (account).",
        "Did this solve it? [Yes] [No, talk to a person]",
        "bot -> customer ann: Glad it helped!",
        "[Claim] [Close]",
        "bot -> staff T-2: alice claimed T-2.",
        "bot -> customer ben: alice: Sorry about that, Ben.",
        "bot -> staff T-2: ben: Thank you! How long will it take?",
        "bot -> staff T-2: Note saved on T-2 (not shown to the customer).",
        "bot -> staff T-3: T-3 is already claimed by bob.",
        "bot -> customer chen: 谢谢，chen。",
        "bot -> customer ann: Ticket T-1 is open again.",
    ] {
        assert!(s.contains(needle), "missing {needle:?} in the demo:\n{s}");
    }
    assert!(
        !s.contains("R-55-1209")
            || s.lines()
                .filter(|l| l.contains("R-55-1209"))
                .all(|l| !l.starts_with("bot -> customer")),
        "a note reached a customer:\n{s}"
    );
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "the demo leaves nothing behind without --data"
    );
}

#[test]
fn run_reads_the_console_until_end_of_input() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let mut child = bin()
        .args(["run", "--data", data.to_str().unwrap()])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all("customer ann: where is my parcel\n\n我要退款\n".as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let s = stdout(&out);
    assert!(
        s.contains("bot -> customer ann: Thanks, ann. Your request is ticket T-1 (shipping)"),
        "{s}"
    );
    assert!(
        s.contains("bot -> customer you: 谢谢，you。您的请求编号为 T-2（账单与付款）"),
        "{s}"
    );
    // What the service stored is there for `tickets`.
    let out = run(&[
        "tickets",
        "list",
        "--json",
        "--data",
        data.to_str().unwrap(),
    ]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 2, "{v}");
}

#[test]
fn tickets_can_be_read_while_the_service_runs() {
    use std::io::{BufRead, BufReader, Write};
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let cfg = write(
        dir.path(),
        "sb.toml",
        &format!("[admin]\nlisten = \"127.0.0.1:{port}\"\n"),
    );
    let (c, d) = (cfg.to_str().unwrap(), data.to_str().unwrap());
    let mut child = bin()
        .args(["run", "--config", c, "--data", d])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    writeln!(stdin, "customer ann: my parcel is late").unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    // Wait until the ticket is acknowledged (durable).
    assert!(
        lines
            .by_ref()
            .map_while(Result::ok)
            .any(|l| l.starts_with("bot -> customer ann: Thanks"))
    );

    let out = run(&["tickets", "list", "--json", "--config", c, "--data", d]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v[0]["id"], "T-1", "{v}");
    let out = run(&["tickets", "show", "T-1", "--config", c, "--data", d]);
    assert!(
        stdout(&out).contains("ann: my parcel is late"),
        "{}",
        stdout(&out)
    );
    let out = run(&["tickets", "show", "T-7", "--config", c, "--data", d]);
    assert_eq!(out.status.code(), Some(1));

    // Without the endpoint, the held store is reported with what to do.
    let out = run(&["tickets", "list", "--data", d]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("is in use by another process"),
        "{}",
        stderr(&out)
    );
    drop(stdin);
    assert!(child.wait().unwrap().success());
}

/// `check` with the Telegram channel on: each problem a sentence that says what to do.
#[test]
fn check_reports_telegram_settings_token_and_reachability() {
    let dir = tempfile::tempdir().unwrap();
    let no_token = write(
        dir.path(),
        "a.toml",
        "[telegram]\nenabled = true\nstaff_chat_id = 42\n",
    );
    let o = bin()
        .env_remove("TELEGRAM_BOT_TOKEN")
        .args(["check", "--config"])
        .arg(&no_token)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("set the TELEGRAM_BOT_TOKEN environment variable"),
        "{err}"
    );
    assert!(err.contains("a supergroup's id is negative"), "{err}");

    let bad_token = write(
        dir.path(),
        "b.toml",
        "[telegram]\nenabled = true\nstaff_chat_id = -100123\n",
    );
    let o = bin()
        .env("TELEGRAM_BOT_TOKEN", "not-a-token")
        .args(["check", "--config"])
        .arg(&bad_token)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("malformed"), "{}", stderr(&o));
    assert!(
        !stderr(&o).contains("not-a-token"),
        "the token is never printed"
    );

    // Nothing listens on port 1.
    let unreachable = write(
        dir.path(),
        "c.toml",
        "[telegram]\nenabled = true\nstaff_chat_id = -100123\napi_url = \"http://127.0.0.1:1\"\n",
    );
    let o = bin()
        .env("TELEGRAM_BOT_TOKEN", "123456:SECRET-abc")
        .args(["check", "--config"])
        .arg(&unreachable)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(
        err.contains("cannot reach the Telegram Bot API at http://127.0.0.1:1"),
        "{err}"
    );
    assert!(
        !err.contains("SECRET-abc"),
        "the token is never printed: {err}"
    );
}

/// `check` passes against a Bot API server that knows the token.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_passes_when_telegram_answers() {
    let fake = switchboard_testkit::FakeTelegram::start().await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = write(
        dir.path(),
        "ok.toml",
        &format!(
            "[telegram]\nenabled = true\nstaff_chat_id = -100123\napi_url = \"{}\"\n",
            fake.url()
        ),
    );
    let token = fake.token().to_string();
    let o = tokio::task::spawn_blocking(move || {
        bin()
            .env("TELEGRAM_BOT_TOKEN", token)
            .args(["check", "--config"])
            .arg(&cfg)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(fake.calls_to("getMe").len(), 1);
}

/// Assignment agents must be platform identities with skills among the rules' categories.
#[test]
fn check_reports_bad_assignment_agents() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = write(
        dir.path(),
        "team.toml",
        "[desk.assignment]\nmode = \"round_robin\"\n[desk.assignment.agents]\n\"Telegram:7\" = { name = \"Ann\" }\n\"console:bob\" = { name = \"Bob\", skills = [\"biling\"] }\n",
    );
    let o = run(&["check", "--config", cfg.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(
        err.contains("key \"Telegram:7\" is not a platform identity"),
        "{err}"
    );
    assert!(
        err.contains("has the skill \"biling\", which is not a category"),
        "{err}"
    );
    let ok = write(
        dir.path(),
        "ok.toml",
        "[desk.assignment.agents]\n\"telegram:7\" = { name = \"Ann\", skills = [\"billing\"] }\n",
    );
    let o = run(&["check", "--config", ok.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

/// A seeded month through `report` (JSON, CSV, table) and `customers at-risk`: the numbers
/// agree with each other across formats and groupings.
#[test]
fn report_and_at_risk_over_a_seeded_history() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("store");
    let data = data.to_str().unwrap();
    let out = run(&["demo", "--seed-history", "150", "--data", data]);
    assert!(out.status.success(), "{}", stderr(&out));
    let period = [
        "--since",
        "2025-12-01",
        "--until",
        "2026-01-06",
        "--data",
        data,
    ];
    let json = |by: &str| {
        let mut args = vec!["report", "--format", "json", "--by", by];
        args.extend(period);
        let out = run(&args);
        assert!(out.status.success(), "{}", stderr(&out));
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()
    };
    let all = json("all");
    let total = &all["total"];
    // The history's 150 tickets, all resolved by the end (customers who came back within the
    // reopen window reopened theirs).
    let opened = total["opened"].as_u64().unwrap();
    assert_eq!(opened, 150);
    assert!(total["reopened"].as_u64().unwrap() > 0, "{total}");
    assert_eq!(total["still_open"], 0);
    assert_eq!(all["groups"][0]["numbers"], *total);
    assert!(total["nps"].is_number() && total["csat_pct"].is_number());
    // Grouped by day, the groups add up to the total.
    let by_day = json("day");
    let sum: u64 = by_day["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["numbers"]["opened"].as_u64().unwrap())
        .sum();
    assert_eq!(sum, opened);
    let charted: u64 = all["charts"]["opened"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|b| b.as_array().unwrap())
        .map(|n| n.as_u64().unwrap())
        .sum();
    assert_eq!(charted, opened, "the chart counts every opened ticket");
    // Agents handled what was resolved by people.
    let agents = all["agents"].as_array().unwrap();
    let names: Vec<&str> = agents
        .iter()
        .map(|a| a["agent"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["alice", "bob"]);
    let resolved_by_agents: u64 = agents.iter().map(|a| a["resolved"].as_u64().unwrap()).sum();
    let deflected = (total["deflection_rate_pct"].as_f64().unwrap()
        * total["resolved"].as_f64().unwrap()
        / 100.0)
        .round() as u64;
    assert_eq!(
        resolved_by_agents + deflected,
        total["resolved"].as_u64().unwrap()
    );
    // Customers: the at-risk list is sorted, and half the customers have imported values.
    let risks: Vec<f64> = all["customers"]["at_risk"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["risk"].as_f64().unwrap())
        .collect();
    assert_eq!(risks.len(), 10);
    assert!(risks.windows(2).all(|w| w[0] >= w[1]), "{risks:?}");
    assert!(all["customers"]["repeat_contact_rate_pct"].is_number());
    let out = run(&[
        "customers",
        "at-risk",
        "--top",
        "40",
        "--json",
        "--data",
        data,
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let list: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(list.len(), 40);
    let valued = list.iter().filter(|k| k["value"].is_number()).count();
    assert!((5..=35).contains(&valued), "{valued} of 40 have a value");
    // CSV and table carry the same numbers.
    let mut args = vec!["report", "--format", "csv"];
    args.extend(period);
    let csv = stdout(&run(&args));
    assert!(csv.contains(&format!("all,opened,{opened}\n")), "{csv}");
    assert!(csv.contains("agent:alice,handled,"), "{csv}");
    assert!(csv.contains("customers,churn_pct,"), "{csv}");
    let mut args = vec!["report"];
    args.extend(period);
    let table = stdout(&run(&args));
    assert!(table.lines().all(|l| l.chars().count() <= 80), "{table}");
    assert!(table.contains("most at risk"), "{table}");
    let out = run(&["customers", "at-risk", "--top", "3", "--data", data]);
    let text = stdout(&out);
    assert_eq!(
        text.trim().lines().count(),
        4,
        "a header and three customers: {text}"
    );
}

/// `check` on `[discord]`: missing settings and token are reported with what to do, the
/// token is never printed, two staff spaces are refused, and a server that knows the token
/// passes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_reports_discord_settings_token_staff_space_and_reachability() {
    let dir = tempfile::tempdir().unwrap();
    let run_check = |cfg: PathBuf, token: Option<&'static str>| {
        let mut c = bin();
        c.env_remove("DISCORD_TOKEN")
            .env_remove("TELEGRAM_BOT_TOKEN");
        if let Some(t) = token {
            c.env("DISCORD_TOKEN", t);
        }
        c.args(["check", "--config"]).arg(&cfg);
        tokio::task::spawn_blocking(move || c.output().unwrap())
    };
    let bare = write(dir.path(), "a.toml", "[discord]\nenabled = true\n");
    let o = run_check(bare, None).await.unwrap();
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(err.contains("discord.guild_id is 0"), "{err}");
    assert!(
        err.contains("set the DISCORD_TOKEN environment variable"),
        "{err}"
    );
    assert!(err.contains("no staff space"), "{err}");

    let two = write(
        dir.path(),
        "b.toml",
        "[discord]\nenabled = true\nguild_id = 1\nstaff_channel_id = 2\nstaff_role_id = 3\n\
         [telegram]\nenabled = true\nstaff_chat_id = -100123\n",
    );
    let o = run_check(two, Some("tok.en.SECRET")).await.unwrap();
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(err.contains("the staff space is in one place"), "{err}");
    assert!(!err.contains("SECRET"), "the token is never printed: {err}");

    let fake = switchboard_testkit::FakeDiscord::start().await;
    let ok = write(
        dir.path(),
        "c.toml",
        &format!(
            "[discord]\nenabled = true\napi_url = \"{}\"\nguild_id = {}\nstaff_channel_id = {}\nstaff_role_id = {}\n",
            fake.url(),
            switchboard_testkit::discord::GUILD_ID,
            switchboard_testkit::discord::STAFF_CHANNEL_ID,
            switchboard_testkit::discord::STAFF_ROLE_ID,
        ),
    );
    let o = run_check(ok.clone(), Some(switchboard_testkit::discord::TOKEN))
        .await
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        fake.calls().iter().any(|c| c.path == "/users/@me"),
        "{:#?}",
        fake.calls()
    );
    let o = run_check(ok, Some("wrong.token.here")).await.unwrap();
    assert_eq!(o.status.code(), Some(1), "a token Discord refuses fails");
    assert!(!stderr(&o).contains("wrong.token.here"), "{}", stderr(&o));
}

/// `SWITCHBOARD_LOG=debug` (or `trace`) used to hang the service at start, silently: sled's
/// own debug records deadlock its store when forwarded. Each level must leave the demo
/// running to its end (a hang is killed after a minute and fails the test).
#[test]
fn debug_and_trace_logging_never_hang_the_service() {
    for level in ["debug", "trace", "debug,sled=trace"] {
        let dir = tempfile::tempdir().unwrap();
        let mut child = bin()
            .args(["demo", "--data"])
            .arg(dir.path().join("data"))
            .env("SWITCHBOARD_LOG", level)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        let status = loop {
            if let Some(s) = child.try_wait().unwrap() {
                break s;
            }
            if std::time::Instant::now() > deadline {
                let _ = child.kill();
                panic!("SWITCHBOARD_LOG={level}: the demo hung");
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        };
        let mut out = String::new();
        std::io::Read::read_to_string(&mut child.stdout.take().unwrap(), &mut out).unwrap();
        assert!(status.success(), "SWITCHBOARD_LOG={level}: {status}");
        assert!(
            out.contains("bob claimed T-3."),
            "SWITCHBOARD_LOG={level}: {out}"
        );
    }
}

/// A file with a header and no rows, and a file whose labels are not categories of the
/// rules, each get a sentence and a failing exit status; a file with a million distinct
/// labels scores in bounded memory (the matrix shows the categories, the 50 largest other
/// labels and one row for the rest).
#[test]
fn backtest_says_when_there_is_nothing_to_score_or_labels_are_not_categories() {
    let dir = tempfile::tempdir().unwrap();
    let empty = write(dir.path(), "empty.csv", "text,label\n");
    let out = run(&["rules", "backtest", empty.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("no rows to score: add rows under the header"),
        "{}",
        stderr(&out)
    );

    let unknown = write(
        dir.path(),
        "unknown.csv",
        "text,label\nrefund please,money\n",
    );
    let out = run(&["rules", "backtest", unknown.to_str().unwrap()]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "nothing in the file can be scored"
    );
    assert!(
        stderr(&out).contains(
            "labels that are not categories of the rules, which no rule can predict: money"
        ),
        "{}",
        stderr(&out)
    );

    let mixed = write(
        dir.path(),
        "mixed.csv",
        "text,label\nrefund please,money\nwhere is my parcel,shipping\n",
    );
    let out = run(&["rules", "backtest", mixed.to_str().unwrap(), "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["unknown_labels"], serde_json::json!(["money"]));

    let mut many = String::from("text,label\n");
    for i in 0..3000 {
        many.push_str(&format!("where is my parcel {i},label{i}\n"));
    }
    let many = write(dir.path(), "many.csv", &many);
    let out = run(&["rules", "backtest", many.to_str().unwrap(), "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let labels = v["confusion"]["labels"].as_array().unwrap();
    assert!(
        labels.len() <= 50 + 10,
        "{} labels in the matrix",
        labels.len()
    );
    assert!(labels.iter().any(|l| l == "(other labels)"));
    // 1,000 labels kept one by one, 50 of them shown: 950 folded, plus the labels seen
    // after the cap counted as one (a lower bound, as documented).
    assert_eq!(v["folded_labels"], 951, "{}", v["folded_labels"]);
}
