//! The admin commands: `check`, `rules test` and `rules backtest`.
//!
//! Each returns what to print and an exit status instead of printing and exiting itself,
//! so that tests can call them and read the output.

use std::io::{self, BufRead, Write};
use std::path::Path;

use anyhow::{Context as _, Result};
use serde::Serialize;
use switchboard_domain::{Language, Platform, Tier};
use switchboard_triage::backtest::{Report, Scorer};
use switchboard_triage::normalize::guess_language;
use switchboard_triage::{Context, Diagnostic, Engine};

use crate::cli::{BacktestArgs, HoursArg, TestArgs};
use crate::config::Settings;

/// Prints diagnostics to `err`, one per problem, and a count.
pub fn print_diagnostics(err: &mut dyn Write, diags: &[Diagnostic]) -> io::Result<()> {
    for d in diags {
        writeln!(err, "{d}")?;
    }
    writeln!(
        err,
        "{} problem{} found; nothing was changed.",
        diags.len(),
        if diags.len() == 1 { "" } else { "s" }
    )
}

/// Loads and validates everything; on problems prints them to `err` and returns `None`
/// (the caller exits 1).
pub fn load_or_report(
    config: Option<&Path>,
    rules: Option<&Path>,
    err: &mut dyn Write,
) -> Result<Option<Settings>> {
    match Settings::load(config, rules) {
        Ok(s) => Ok(Some(s)),
        Err(diags) => {
            print_diagnostics(err, &diags)?;
            Ok(None)
        }
    }
}

/// `switchboard check`: 0 when config, rules and prompts are all valid, 1 otherwise.
pub fn check(
    config: Option<&Path>,
    rules: Option<&Path>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<i32> {
    match Settings::load(config, rules) {
        Ok(s) => {
            writeln!(
                out,
                "ok: config {}, rules {} ({} rules, {} categories), prompts {}",
                config.map_or("<embedded>".into(), |p| p.display().to_string()),
                s.rules_source.name(),
                s.engine.rule_count(),
                s.engine.categories().len(),
                s.prompts.locales().collect::<Vec<_>>().join(", "),
            )?;
            let problems = check_channels(&s, config);
            for p in &problems {
                writeln!(err, "error: {p}")?;
            }
            if problems.is_empty() { Ok(0) } else { Ok(1) }
        }
        Err(diags) => {
            print_diagnostics(err, &diags)?;
            Ok(1)
        }
    }
}

/// The enabled channels' problems, each a sentence that says what to do: settings, the
/// token, whether the platform's API answers with it, and where the staff space is.
fn check_channels(s: &Settings, config: Option<&Path>) -> Vec<String> {
    let (tg, dc) = (&s.config.telegram, &s.config.discord);
    if !tg.enabled && !dc.enabled {
        return Vec::new();
    }
    let mut problems = Vec::new();
    if let Err(e) = crate::serve::staff_space(s) {
        problems.push(e);
    }
    let base = config.and_then(Path::parent);
    let store: std::sync::Arc<dyn switchboard_domain::ChannelStore> =
        std::sync::Arc::new(switchboard_desk::store::ForChannels(std::sync::Arc::new(
            switchboard_desk::MemoryStore::new(),
        )));
    if tg.enabled {
        let mut mine = tg.problems();
        match tg.token(base) {
            Err(e) => mine.push(e.to_string()),
            Ok(token) if mine.is_empty() => {
                match switchboard_telegram::Telegram::new(tg.clone(), &token, store.clone()) {
                    Ok(t) => mine.extend(
                        reachable(
                            "the Telegram Bot API",
                            &tg.api_url,
                            "telegram.api_url",
                            t.whoami(),
                        )
                        .err(),
                    ),
                    Err(e) => mine.push(e.to_string()),
                }
            }
            Ok(_) => {}
        }
        problems.extend(mine);
    }
    if dc.enabled {
        let mut mine = dc.problems();
        match dc.token(base) {
            Err(e) => mine.push(e.to_string()),
            Ok(token) if mine.is_empty() => {
                match switchboard_discord::Discord::new(
                    dc.clone(),
                    &token,
                    store,
                    crate::discord::texts(s),
                ) {
                    Ok(d) => mine.extend(
                        reachable("Discord", &dc.api_url, "discord.api_url", d.whoami()).err(),
                    ),
                    Err(e) => mine.push(e.to_string()),
                }
            }
            Ok(_) => {}
        }
        problems.extend(mine);
    }
    problems
}

/// Runs `whoami` (at most 15 s): the platform answers with the token.
fn reachable<E: std::fmt::Display>(
    what: &str,
    url: &str,
    setting: &str,
    whoami: impl std::future::Future<Output = Result<String, E>>,
) -> Result<(), String> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    rt.block_on(async {
        match tokio::time::timeout(std::time::Duration::from_secs(15), whoami).await {
            Ok(r) => r.map(|_| ()).map_err(|e| e.to_string()),
            Err(_) => Err(format!(
                "{what} at {url} did not answer within 15 s: check {setting} and the network"
            )),
        }
    })
}

/// Builds the triage context from command-line flags; the language defaults to a guess
/// from the script of the text.
fn context(args: &TestArgs) -> Result<Context> {
    let platform = args
        .platform
        .as_deref()
        .map(str::parse::<Platform>)
        .transpose()?;
    let language = match &args.lang {
        Some(l) => Some(l.parse::<Language>()?),
        None => guess_language(&args.text).and_then(|l| l.parse().ok()),
    };
    let tier = args.tier.as_deref().map(str::parse::<Tier>).transpose()?;
    let business_hours = args.hours.map(|h| matches!(h, HoursArg::In));
    Ok(Context {
        platform,
        language,
        tier,
        business_hours,
    })
}

#[derive(Serialize)]
struct FiredJson<'a> {
    rule: &'a str,
    matched: &'a [std::sync::Arc<str>],
}

#[derive(Serialize)]
struct TestJson<'a> {
    category: &'a str,
    priority: &'a str,
    tags: Vec<&'a str>,
    escalate: bool,
    auto_answer: Option<&'a str>,
    signals: Vec<&'static str>,
    fired: Vec<FiredJson<'a>>,
}

/// `switchboard rules test`.
pub fn rules_test(
    config: Option<&Path>,
    args: &TestArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<i32> {
    let Some(settings) = load_or_report(config, args.rules.as_deref(), err)? else {
        return Ok(1);
    };
    let ctx = context(args)?;
    let ex = settings.engine.explain(&args.text, &ctx);
    let v = &ex.verdict;
    if args.json {
        let json = TestJson {
            category: v.category.as_str(),
            priority: v.priority.as_str(),
            tags: v.tags.iter().map(|t| &**t).collect(),
            escalate: v.escalate,
            auto_answer: v.auto_answer.as_deref(),
            signals: v.signals.iter().map(|s| s.as_str()).collect(),
            fired: v
                .fired
                .iter()
                .map(|f| FiredJson {
                    rule: &f.rule,
                    matched: &f.matched,
                })
                .collect(),
        };
        serde_json::to_writer_pretty(&mut *out, &json)?;
        writeln!(out)?;
        return Ok(0);
    }
    let locale = ctx
        .language
        .as_ref()
        .map_or(settings.config.general.default_locale.clone(), |l| {
            l.to_string()
        });
    writeln!(
        out,
        "category   {}{}",
        v.category,
        if v.default_category {
            "  (default: no rule set a category)"
        } else {
            ""
        }
    )?;
    writeln!(out, "priority   {}", v.priority)?;
    writeln!(
        out,
        "tags       {}",
        if v.tags.is_empty() {
            "-".into()
        } else {
            v.tags.join(", ")
        }
    )?;
    writeln!(out, "escalate   {}", if v.escalate { "yes" } else { "no" })?;
    match &v.auto_answer {
        Some(key) => writeln!(
            out,
            "answer     {key}: {}",
            settings.prompts.get(&locale, &format!("answer.{key}"), &[])
        )?,
        None => writeln!(out, "answer     -")?,
    }
    if ex.signal_evidence.is_empty() {
        writeln!(out, "signals    -")?;
    } else {
        let s: Vec<String> = ex
            .signal_evidence
            .iter()
            .map(|(s, why)| format!("{s} ({why})"))
            .collect();
        writeln!(out, "signals    {}", s.join(", "))?;
    }
    writeln!(out, "text       {:?} (as keywords see it)", ex.normalized)?;
    writeln!(out)?;
    if ex.trace.is_empty() {
        writeln!(out, "No rule had a keyword in this message.")?;
    } else {
        writeln!(out, "Rules considered, in order:")?;
        let width = ex.trace.iter().map(|t| t.rule.len()).max().unwrap_or(0);
        for t in &ex.trace {
            let evidence = v
                .fired
                .iter()
                .find(|f| f.rule == t.rule)
                .map(|f| format!("  matched: {}", f.matched.join(", ")))
                .unwrap_or_default();
            writeln!(
                out,
                "  {:width$}  line {:<4} {}{}",
                t.rule, t.line, t.outcome, evidence
            )?;
        }
    }
    Ok(0)
}

/// The first line numbers of unreadable rows, and how many there were.
const BAD_ROWS_SHOWN: u64 = 20;

/// `switchboard rules backtest`: streams the CSV through the engine and prints the scores.
pub fn backtest(
    config: Option<&Path>,
    args: &BacktestArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<i32> {
    let Some(settings) = load_or_report(config, args.rules.as_deref(), err)? else {
        return Ok(1);
    };
    let file = std::fs::File::open(&args.file)
        .with_context(|| format!("cannot open {}; check the path", args.file.display()))?;
    let report = match score(
        &settings.engine,
        io::BufReader::new(file),
        args.predictions.as_deref(),
        err,
    )? {
        Ok(r) => r,
        Err(msg) => {
            writeln!(err, "{}: {msg}", args.file.display())?;
            return Ok(1);
        }
    };
    if args.json {
        #[derive(Serialize)]
        struct Json<'a> {
            rules: String,
            input: String,
            #[serde(flatten)]
            report: &'a Report,
        }
        serde_json::to_writer_pretty(
            &mut *out,
            &Json {
                rules: settings.rules_source.name(),
                input: args.file.display().to_string(),
                report: &report,
            },
        )?;
        writeln!(out)?;
    } else {
        print_report(
            out,
            &report,
            &settings.rules_source.name(),
            &args.file.display().to_string(),
            args.top,
        )?;
    }
    Ok(0)
}

/// Scores every row of a labelled CSV. Unreadable rows are reported to `err` with their line
/// number and counted; a CSV without `text` and `label` columns is an `Ok(Err(..))` with a
/// sentence for the admin.
pub fn score(
    engine: &Engine,
    input: impl io::Read,
    predictions: Option<&Path>,
    err: &mut dyn Write,
) -> Result<std::result::Result<Report, String>> {
    let mut rdr = csv::ReaderBuilder::new().flexible(true).from_reader(input);
    let headers = match rdr.byte_headers() {
        Ok(h) => h.clone(),
        Err(e) => return Ok(Err(format!("cannot read the header line: {e}"))),
    };
    let find = |name: &str| {
        headers
            .iter()
            .position(|h| String::from_utf8_lossy(h).trim().eq_ignore_ascii_case(name))
    };
    let (Some(text_col), Some(label_col)) = (find("text"), find("label")) else {
        let got: Vec<String> = headers
            .iter()
            .map(|h| String::from_utf8_lossy(h).into_owned())
            .collect();
        return Ok(Err(format!(
            "the header must have a `text` and a `label` column, but it is `{}`; rename the columns or add them",
            got.join(",")
        )));
    };
    let mut writer = match predictions {
        None => None,
        Some(p) => {
            let mut w = csv::Writer::from_path(p)
                .with_context(|| format!("cannot create {}", p.display()))?;
            w.write_record([
                "text",
                "label",
                "predicted",
                "priority",
                "escalate",
                "fired",
            ])?;
            Some(w)
        }
    };
    let mut scorer = Scorer::new(engine);
    let mut record = csv::ByteRecord::new();
    let mut bad = 0u64;
    let mut report_bad = |line: u64, why: &str, err: &mut dyn Write| -> io::Result<()> {
        bad += 1;
        if bad <= BAD_ROWS_SHOWN {
            writeln!(err, "line {line}: {why}; row skipped")?;
        }
        Ok(())
    };
    loop {
        let line = rdr.position().line();
        match rdr.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let line = e.position().map_or(line, |p| p.line());
                if let csv::ErrorKind::Io(_) = e.kind() {
                    return Err(e.into());
                }
                report_bad(line, &format!("unreadable CSV ({e})"), err)?;
                scorer.add_bad_row();
                continue;
            }
        }
        let line = record.position().map_or(line, |p| p.line());
        let (Some(text), Some(label)) = (record.get(text_col), record.get(label_col)) else {
            report_bad(
                line,
                &format!(
                    "missing field (the row has {} fields, the header {})",
                    record.len(),
                    headers.len()
                ),
                err,
            )?;
            scorer.add_bad_row();
            continue;
        };
        let (Ok(text), Ok(label)) = (std::str::from_utf8(text), std::str::from_utf8(label)) else {
            report_bad(line, "invalid UTF-8", err)?;
            scorer.add_bad_row();
            continue;
        };
        let label = label.trim();
        if label.is_empty() {
            report_bad(line, "empty label", err)?;
            scorer.add_bad_row();
            continue;
        }
        let ctx = Context {
            language: guess_language(text).and_then(|l| l.parse().ok()),
            ..Context::default()
        };
        let v = engine.classify(text, &ctx);
        scorer.add(label, &v);
        if let Some(w) = writer.as_mut() {
            let fired: Vec<&str> = v.fired.iter().map(|f| &*f.rule).collect();
            w.write_record([
                text,
                label,
                v.category.as_str(),
                v.priority.as_str(),
                if v.escalate { "true" } else { "false" },
                &fired.join(";"),
            ])?;
        }
    }
    if bad > BAD_ROWS_SHOWN {
        writeln!(err, "… and {} more unreadable rows", bad - BAD_ROWS_SHOWN)?;
    }
    if let Some(mut w) = writer {
        w.flush()?;
    }
    Ok(Ok(scorer.report()))
}

fn print_report(
    out: &mut dyn Write,
    r: &Report,
    rules: &str,
    input: &str,
    top: usize,
) -> io::Result<()> {
    writeln!(
        out,
        "Backtest of {rules} on {input}: {} rows scored, {} unreadable",
        r.rows, r.bad_rows
    )?;
    writeln!(out)?;
    let w = r
        .per_category
        .iter()
        .map(|c| c.category.len())
        .max()
        .unwrap_or(8)
        .max(8);
    writeln!(
        out,
        "{:w$}  precision  recall     f1  support  predicted",
        "category"
    )?;
    for c in &r.per_category {
        writeln!(
            out,
            "{:w$}  {:>9.3}  {:>6.3}  {:>5.3}  {:>7}  {:>9}",
            c.category, c.precision, c.recall, c.f1, c.support, c.predicted
        )?;
    }
    writeln!(out)?;
    writeln!(out, "macro-F1  {:.3}", r.macro_f1)?;
    writeln!(out, "accuracy  {:.3}", r.accuracy)?;
    writeln!(out)?;
    writeln!(out, "Confusion matrix (rows: label, columns: predicted)")?;
    let short: Vec<String> = r
        .confusion
        .labels
        .iter()
        .map(|l| l.chars().take(7).collect())
        .collect();
    write!(out, "{:w$}", "")?;
    for s in &short {
        write!(out, " {s:>7}")?;
    }
    writeln!(out)?;
    for (label, row) in r.confusion.labels.iter().zip(&r.confusion.counts) {
        write!(out, "{label:w$}")?;
        for c in row {
            write!(out, " {c:>7}")?;
        }
        writeln!(out)?;
    }
    writeln!(out)?;
    writeln!(out, "Rules that fired most:")?;
    if r.rules_fired.is_empty() {
        writeln!(out, "  (none)")?;
    }
    for h in r.rules_fired.iter().take(top) {
        writeln!(out, "  {:<30} {:>8}", h.rule, h.hits)?;
    }
    writeln!(
        out,
        "Rules that never fired: {}",
        if r.rules_never_fired.is_empty() {
            "none".to_string()
        } else {
            r.rules_never_fired.join(", ")
        }
    )?;
    Ok(())
}

/// Reads lines from `input` until EOF, calling `f` on each non-empty one (the console).
pub fn for_each_line(
    input: impl BufRead,
    mut f: impl FnMut(&str) -> io::Result<()>,
) -> io::Result<()> {
    for line in input.lines() {
        let line = line?;
        if !line.trim().is_empty() {
            f(line.trim_end())?;
        }
    }
    Ok(())
}
