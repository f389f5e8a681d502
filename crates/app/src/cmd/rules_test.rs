//! `switchboard rules test`: classifies one message with the rules and explains the
//! verdict (which rules were considered, which fired and on what), as text or JSON.

use std::io::Write;
use std::path::Path;

use anyhow::Result;
use serde::Serialize;
use switchboard_domain::{Language, Platform, Tier};
use switchboard_triage::Context;
use switchboard_triage::normalize::guess_language;

use crate::cli::{HoursArg, TestArgs};

use super::load_or_report;

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
pub fn run(
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
