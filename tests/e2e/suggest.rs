//! `switchboard rules suggest` run as the real binary on a small labelled CSV written here:
//! the table, the JSON, and the sentences for an unknown label, a missing column and a file
//! with no rows.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .env_remove("SWITCHBOARD_CONFIG")
        .env("SWITCHBOARD_LOG", "warn")
        .args(args)
        .output()
        .expect("the binary runs")
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

const RULES: &str = r#"
default_category = "general"
[categories]
billing = "Money"
shipping = "Parcels"
general = "Other"

[[rule]]
id = "refund"
any = ["refund"]
category = "billing"

[[rule]]
id = "parcel"
any = ["parcel"]
category = "shipping"
"#;

/// `invoice` is only in billing rows and no rule has it; `refund` is covered by a rule;
/// `please` is everywhere.
const CSV: &str = "text,label
The invoice is wrong please,billing
Please send me the invoice again,billing
\"my invoice shows the wrong amount, again\",billing
I want a refund please,billing
refund my order,billing
where is my refund,billing
发票有问题,billing
请开发票,billing
发票还没收到,billing
where is my parcel please,shipping
the parcel is late,shipping
parcel never came,shipping
please help me,general
hello please,general
";

fn setup() -> (tempfile::TempDir, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let rules = write(dir.path(), "rules.toml", RULES);
    let csv = write(dir.path(), "labelled.csv", CSV);
    (
        dir,
        csv.to_str().unwrap().to_string(),
        rules.to_str().unwrap().to_string(),
    )
}

#[test]
fn suggest_prints_a_table_that_fits_80_columns() {
    let (_dir, csv, rules) = setup();
    let out = run(&[
        "rules", "suggest", &csv, "--label", "billing", "--rules", &rules,
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let s = String::from_utf8_lossy(&out.stdout);
    assert!(s.contains("9 of 14 rows are labelled billing."), "{s}");
    assert!(
        s.contains("The rules classify 3 of them as billing: recall 0.333."),
        "{s}"
    );
    let lines: Vec<&str> = s.lines().collect();
    let head = lines
        .iter()
        .position(|l| l.starts_with("keyword   "))
        .unwrap_or_else(|| panic!("no table header:\n{s}"));
    assert_eq!(
        lines[head],
        "keyword               precision  support   gain  example"
    );
    assert!(
        lines[head + 1].starts_with("invoice                   1.000        3      3  "),
        "{s}"
    );
    assert!(lines[head + 2].starts_with("发票 "), "{s}");
    let refund = lines
        .iter()
        .find(|l| l.starts_with("refund "))
        .unwrap_or_else(|| panic!("refund is listed:\n{s}"));
    assert!(refund.contains("  1.000        3      0  "), "{refund}");
    for l in &lines[head..] {
        if l.is_empty() {
            break;
        }
        let cells: usize = l
            .chars()
            .map(|c| {
                if ('\u{4e00}'..='\u{9fff}').contains(&c) {
                    2
                } else {
                    1
                }
            })
            .sum();
        assert!(cells <= 80, "wider than 80 columns: {l}");
    }
    assert!(s.contains("Nothing was written."), "{s}");
    assert!(
        s.contains("add it to `any` of a rule with\ncategory = \"billing\""),
        "{s}"
    );
}

#[test]
fn suggest_json_has_stable_fields() {
    let (_dir, csv, rules) = setup();
    let out = run(&[
        "rules", "suggest", &csv, "--label", "billing", "--rules", &rules, "--json", "--top", "2",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["label"], "billing", "{v}");
    assert_eq!(v["rows"], 14, "{v}");
    assert_eq!(v["label_rows"], 9, "{v}");
    assert_eq!(v["covered"], 3, "{v}");
    assert_eq!(v["min_support"], 3, "{v}");
    let c = v["candidates"].as_array().unwrap();
    assert_eq!(c.len(), 2, "{v}");
    assert_eq!(c[0]["keyword"], "invoice", "{v}");
    assert_eq!(c[0]["precision"], 1.0, "{v}");
    assert_eq!(c[0]["support"], 3, "{v}");
    assert_eq!(c[0]["rows"], 3, "{v}");
    assert_eq!(c[0]["gain"], 3, "{v}");
    assert!(c[0]["score"].as_f64().unwrap() > 0.0, "{v}");
    assert!(c[0]["example"].as_str().unwrap().contains("invoice"), "{v}");
    assert_eq!(c[1]["keyword"], "发票", "{v}");
}

#[test]
fn suggest_unknown_label_names_the_labels_present() {
    let (_dir, csv, rules) = setup();
    let out = run(&[
        "rules", "suggest", &csv, "--label", "biling", "--rules", &rules,
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(
            "no row is labelled `biling`; the labels in the file are billing (9 rows), shipping (3 rows), general (2 rows): pick one of them"
        ),
        "{err}"
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn suggest_without_rows_or_columns_says_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let empty = write(dir.path(), "empty.csv", "text,label\n");
    let out = run(&["rules", "suggest", empty.to_str().unwrap(), "--label", "x"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(
            "the file has no labelled rows; add rows below a header with `text` and `label` columns"
        ),
        "{err}"
    );
    let cols = write(dir.path(), "cols.csv", "message,intent\nrefund,billing\n");
    let out = run(&[
        "rules",
        "suggest",
        cols.to_str().unwrap(),
        "--label",
        "billing",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(
            "the header must have a `text` and a `label` column, but it is `message,intent`"
        ),
        "{err}"
    );
}
