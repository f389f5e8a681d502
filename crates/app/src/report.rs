//! `switchboard report`: the numbers a support desk is run by, from the tickets in a store,
//! over a period, overall or grouped, as a table, JSON or CSV.
//!
//! Definitions (also in the README), for a period [since, until):
//! - opened: tickets opened in the period; resolved: tickets whose last resolution is in the
//!   period; reopened: reopen events in the period; still open: tickets opened in the
//!   period and not resolved now.
//! - handoff rate = opened tickets handed to people / opened × 100;
//!   deflection rate = resolved tickets resolved by self-service without a person /
//!   resolved × 100.
//! - first response time: handoff to the first agent message, for first responses in the
//!   period; resolution time: opening to resolution, for resolutions in the period; each as
//!   median, p90 (nearest rank) and mean, in wall time and in business time.
//! - SLA attainment per clock = clocks met / clocks decided × 100, over tickets opened in
//!   the period whose clock is decided (answered, resolved, or breached).
//! - CSAT = answers 4-5 / answers × 100, with the mean score and the response rate
//!   (answered / surveys sent); NPS = % of 9-10 − % of 0-6; S = (R − D) / (R + D) with R
//!   the CSAT answers 4-5 and D those 1-2; over surveys sent in the period.
//!
//! A metric without data is `null` in JSON and CSV and "no data" in the table.

use std::collections::BTreeMap;
use std::io::Write;

use anyhow::Result;
use serde::Serialize;
use switchboard_desk::calendar::Calendar;
use switchboard_domain::metrics;
use switchboard_domain::{Millis, Resolution, Ticket, Timestamp};

/// How tickets are grouped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum By {
    /// One group.
    All,
    /// By category.
    Category,
    /// By priority.
    Priority,
    /// By the agent who has (or had) the ticket.
    Agent,
    /// By the customer's platform.
    Platform,
    /// By the day the ticket was opened (UTC).
    Day,
    /// By the week the ticket was opened (named by its Monday, UTC).
    Week,
}

impl std::str::FromStr for By {
    type Err = String;
    fn from_str(s: &str) -> Result<By, String> {
        Ok(match s {
            "all" => By::All,
            "category" => By::Category,
            "priority" => By::Priority,
            "agent" => By::Agent,
            "platform" => By::Platform,
            "day" => By::Day,
            "week" => By::Week,
            other => {
                return Err(format!(
                    "`--by {other}` is not a grouping: use category, priority, agent, platform, day or week"
                ));
            }
        })
    }
}

/// Median, p90 and mean of durations, in minutes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Spread {
    /// How many values.
    pub count: usize,
    /// Median, minutes.
    pub median_min: Option<f64>,
    /// 90th percentile, minutes.
    pub p90_min: Option<f64>,
    /// Mean, minutes.
    pub mean_min: Option<f64>,
}

impl Spread {
    fn of(ms: &[i64]) -> Spread {
        let mins: Vec<f64> = ms.iter().map(|m| *m as f64 / 60_000.0).collect();
        Spread {
            count: mins.len(),
            median_min: metrics::percentile(&mins, 50.0),
            p90_min: metrics::percentile(&mins, 90.0),
            mean_min: metrics::mean(&mins),
        }
    }
}

/// SLA results of one clock.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Attainment {
    /// Clocks decided (met or breached).
    pub decided: usize,
    /// Clocks met.
    pub met: usize,
    /// Clocks breached.
    pub breached: usize,
    /// met / decided × 100.
    pub attainment_pct: Option<f64>,
}

/// The numbers of one group.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Numbers {
    /// Tickets opened in the period.
    pub opened: usize,
    /// Tickets resolved in the period.
    pub resolved: usize,
    /// Reopenings in the period.
    pub reopened: usize,
    /// Opened in the period and not resolved now.
    pub still_open: usize,
    /// Handed to people / opened × 100.
    pub handoff_rate_pct: Option<f64>,
    /// Resolved by self-service / resolved × 100.
    pub deflection_rate_pct: Option<f64>,
    /// First response times, wall clock.
    pub first_response_wall: Spread,
    /// First response times, business hours.
    pub first_response_business: Spread,
    /// Resolution times, wall clock.
    pub resolution_wall: Spread,
    /// Resolution times, business hours.
    pub resolution_business: Spread,
    /// First-response SLA.
    pub sla_first_response: Attainment,
    /// Resolution SLA.
    pub sla_resolution: Attainment,
    /// Surveys sent in the period.
    pub surveys_sent: usize,
    /// CSAT answers to them.
    pub csat_answers: usize,
    /// CSAT, percent.
    pub csat_pct: Option<f64>,
    /// Mean CSAT score.
    pub csat_mean: Option<f64>,
    /// CSAT answers / surveys sent × 100.
    pub survey_response_rate_pct: Option<f64>,
    /// NPS, -100 to 100.
    pub nps: Option<f64>,
    /// Satisfaction index, -1 to 1.
    pub satisfaction_index: Option<f64>,
}

/// A report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// Start of the period (inclusive), RFC 3339.
    pub since: String,
    /// End of the period (exclusive), RFC 3339.
    pub until: String,
    /// The grouping.
    pub by: String,
    /// `(group, numbers)`, groups sorted by name.
    pub groups: Vec<Group>,
    /// Per triage rule, over tickets opened in the period: how often it fired, and on how
    /// many of those an agent later changed the category (a sign the rule is wrong).
    pub rules: Vec<RuleLine>,
    /// Tickets opened in the period that fell to the default category (no rule set one):
    /// material for new rules. At most [`SAMPLE`], newest first; texts filled by the caller.
    pub unmatched: Vec<Unmatched>,
}

/// How many default-category tickets a report samples.
pub const SAMPLE: usize = 10;

/// One rule's line.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuleLine {
    /// The rule's id.
    pub rule: String,
    /// Tickets it fired on.
    pub hits: usize,
    /// Of those, tickets whose category an agent changed afterwards.
    pub recategorised: usize,
    /// recategorised / hits × 100.
    pub recategorised_pct: Option<f64>,
}

/// A ticket that fell to the default category.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Unmatched {
    /// The ticket.
    pub ticket: String,
    /// Its first message (filled in by whoever can read messages).
    pub text: String,
}

/// One group of a report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Group {
    /// The group's name (`all` without grouping).
    pub group: String,
    /// Its numbers.
    pub numbers: Numbers,
}

fn within(t: Timestamp, since: Timestamp, until: Timestamp) -> bool {
    t.0 >= since.0 && t.0 < until.0
}

fn key(t: &Ticket, by: By) -> String {
    match by {
        By::All => "all".into(),
        By::Category => t.category.as_str().to_string(),
        By::Priority => t.priority.as_str().to_string(),
        By::Agent => t
            .assignee
            .as_ref()
            .map_or_else(|| "(none)".to_string(), |a| a.name.clone()),
        By::Platform => t.customer.platform.as_str().to_string(),
        By::Day => t.opened_at.to_rfc3339().chars().take(10).collect(),
        By::Week => {
            const DAY: i64 = 86_400_000;
            let days = t.opened_at.0.div_euclid(DAY);
            // 1970-01-01 was a Thursday: Monday is 3 days before it in the week.
            let monday = days - (days + 3).rem_euclid(7);
            Timestamp(monday * DAY)
                .to_rfc3339()
                .chars()
                .take(10)
                .collect()
        }
    }
}

/// The numbers of `tickets` over [since, until), business time by `calendar`.
pub fn numbers(tickets: &[&Ticket], since: Timestamp, until: Timestamp, cal: &Calendar) -> Numbers {
    let opened: Vec<&&Ticket> = tickets
        .iter()
        .filter(|t| within(t.opened_at, since, until))
        .collect();
    let resolved: Vec<&&Ticket> = tickets
        .iter()
        .filter(|t| t.resolved_at.is_some_and(|r| within(r, since, until)))
        .collect();
    let reopened = tickets
        .iter()
        .flat_map(|t| t.events.iter())
        .filter(|e| e.kind == "reopened" && within(e.at, since, until))
        .count();
    let still_open = opened.iter().filter(|t| t.status.is_open()).count();
    let handed = opened.iter().filter(|t| t.handed_off_at.is_some()).count();
    let deflected = resolved
        .iter()
        .filter(|t| t.resolution == Some(Resolution::SelfService) && t.handed_off_at.is_none())
        .count();
    let mut fr_wall = Vec::new();
    let mut fr_business = Vec::new();
    for t in tickets {
        if let (Some(h), Some(f)) = (t.handed_off_at, t.first_response_at)
            && within(f, since, until)
        {
            fr_wall.push(f.since(h).0);
            fr_business.push(cal.between(h, f).0);
        }
    }
    let mut res_wall = Vec::new();
    let mut res_business = Vec::new();
    for t in &resolved {
        if let Some(r) = t.resolved_at {
            res_wall.push(r.since(t.opened_at).0);
            res_business.push(cal.between(t.opened_at, r).0);
        }
    }
    let attainment = |clock: &str| {
        let mut a = Attainment {
            decided: 0,
            met: 0,
            breached: 0,
            attainment_pct: None,
        };
        for t in &opened {
            let Some(s) = &t.sla else { continue };
            let breached = s.breached.iter().any(|c| c == clock);
            let over = match clock {
                "first_response" => t.first_response_at.is_some(),
                _ => !t.status.is_open(),
            };
            if breached {
                a.decided += 1;
                a.breached += 1;
            } else if over {
                a.decided += 1;
                a.met += 1;
            }
        }
        a.attainment_pct = metrics::share(a.met, a.decided);
        a
    };
    let surveys: Vec<_> = tickets
        .iter()
        .filter_map(|t| t.survey.as_ref())
        .filter(|s| within(s.sent_at, since, until))
        .collect();
    let csat: Vec<u8> = surveys.iter().filter_map(|s| s.csat).collect();
    let nps: Vec<u8> = surveys.iter().filter_map(|s| s.nps).collect();
    Numbers {
        opened: opened.len(),
        resolved: resolved.len(),
        reopened,
        still_open,
        handoff_rate_pct: metrics::share(handed, opened.len()),
        deflection_rate_pct: metrics::share(deflected, resolved.len()),
        first_response_wall: Spread::of(&fr_wall),
        first_response_business: Spread::of(&fr_business),
        resolution_wall: Spread::of(&res_wall),
        resolution_business: Spread::of(&res_business),
        sla_first_response: attainment("first_response"),
        sla_resolution: attainment("resolution"),
        surveys_sent: surveys.len(),
        csat_answers: csat.len(),
        csat_pct: metrics::csat(&csat),
        csat_mean: metrics::mean_score(&csat),
        survey_response_rate_pct: metrics::share(csat.len(), surveys.len()),
        nps: metrics::nps(&nps),
        satisfaction_index: metrics::satisfaction_index(
            csat.iter().filter(|s| **s >= 4).count(),
            csat.iter().filter(|s| **s <= 2).count(),
        ),
    }
}

/// Rule hits and recategorisations over tickets opened in [since, until), most hits first.
pub fn rule_lines(tickets: &[Ticket], since: Timestamp, until: Timestamp) -> Vec<RuleLine> {
    let mut by_rule: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for t in tickets.iter().filter(|t| within(t.opened_at, since, until)) {
        let recategorised = t
            .events
            .iter()
            .any(|e| e.kind == "category" && e.by.is_some());
        for r in &t.rules {
            let e = by_rule.entry(r.as_str()).or_default();
            e.0 += 1;
            e.1 += usize::from(recategorised);
        }
    }
    let mut lines: Vec<RuleLine> = by_rule
        .into_iter()
        .map(|(rule, (hits, re))| RuleLine {
            rule: rule.to_string(),
            hits,
            recategorised: re,
            recategorised_pct: metrics::share(re, hits),
        })
        .collect();
    lines.sort_by(|a, b| b.hits.cmp(&a.hits).then(a.rule.cmp(&b.rule)));
    lines
}

/// The report of `tickets` over [since, until), grouped `by`; `default_category` is the
/// rules' fallback (for the sample of unmatched tickets).
pub fn build(
    tickets: &[Ticket],
    since: Timestamp,
    until: Timestamp,
    by: By,
    cal: &Calendar,
    default_category: &str,
) -> Report {
    let mut unmatched: Vec<&Ticket> = tickets
        .iter()
        .filter(|t| within(t.opened_at, since, until) && t.category.as_str() == default_category)
        .filter(|t| {
            !t.events
                .iter()
                .any(|e| e.kind == "category" && e.by.is_some())
        })
        .collect();
    unmatched.sort_by(|a, b| b.opened_at.cmp(&a.opened_at).then(b.id.cmp(&a.id)));
    unmatched.truncate(SAMPLE);
    let mut groups: BTreeMap<String, Vec<&Ticket>> = BTreeMap::new();
    for t in tickets {
        groups.entry(key(t, by)).or_default().push(t);
    }
    if groups.is_empty() {
        groups.insert("all".into(), Vec::new());
    }
    Report {
        since: since.to_rfc3339(),
        until: until.to_rfc3339(),
        by: format!("{by:?}").to_lowercase(),
        groups: groups
            .into_iter()
            .map(|(group, ts)| Group {
                group,
                numbers: numbers(&ts, since, until, cal),
            })
            .collect(),
        rules: rule_lines(tickets, since, until),
        unmatched: unmatched
            .into_iter()
            .map(|t| Unmatched {
                ticket: t.id.to_string(),
                text: String::new(),
            })
            .collect(),
    }
}

/// `since` as `30d` (before `now`) or a date `YYYY-MM-DD`.
pub fn parse_when(s: &str, now: Timestamp) -> Result<Timestamp, String> {
    if let Ok(d) = s.parse::<Millis>() {
        return Ok(Timestamp(now.0 - d.0));
    }
    let parts: Vec<&str> = s.split('-').collect();
    if let [y, m, d] = parts.as_slice()
        && let (Ok(y), Ok(m), Ok(d)) = (y.parse::<i64>(), m.parse::<u32>(), d.parse::<u32>())
        && (1..=12).contains(&m)
        && (1..=31).contains(&d)
    {
        return Ok(Timestamp::from_ymd(y, m, d));
    }
    Err(format!(
        "`{s}` is not a time: use a duration back from now like 30d, or a date like 2026-11-01"
    ))
}

/// The flat list of (metric, value) of some numbers: CSV rows and table lines.
fn flat(n: &Numbers) -> Vec<(String, Option<f64>)> {
    let c = |v: usize| Some(v as f64);
    let mut rows = vec![
        ("opened".to_string(), c(n.opened)),
        ("resolved".into(), c(n.resolved)),
        ("reopened".into(), c(n.reopened)),
        ("still_open".into(), c(n.still_open)),
        ("handoff_rate_pct".into(), n.handoff_rate_pct),
        ("deflection_rate_pct".into(), n.deflection_rate_pct),
    ];
    for (name, s) in [
        ("first_response_wall", &n.first_response_wall),
        ("first_response_business", &n.first_response_business),
        ("resolution_wall", &n.resolution_wall),
        ("resolution_business", &n.resolution_business),
    ] {
        rows.push((format!("{name}_median_min"), s.median_min));
        rows.push((format!("{name}_p90_min"), s.p90_min));
        rows.push((format!("{name}_mean_min"), s.mean_min));
    }
    for (name, a) in [
        ("sla_first_response", &n.sla_first_response),
        ("sla_resolution", &n.sla_resolution),
    ] {
        rows.push((format!("{name}_attainment_pct"), a.attainment_pct));
        rows.push((format!("{name}_breached"), c(a.breached)));
    }
    rows.extend([
        ("surveys_sent".to_string(), c(n.surveys_sent)),
        ("csat_pct".into(), n.csat_pct),
        ("csat_mean".into(), n.csat_mean),
        (
            "survey_response_rate_pct".into(),
            n.survey_response_rate_pct,
        ),
        ("nps".into(), n.nps),
        ("satisfaction_index".into(), n.satisfaction_index),
    ]);
    rows
}

fn show(v: Option<f64>) -> String {
    match v {
        None => "no data".into(),
        Some(x) if x.fract() == 0.0 && x.abs() < 1e15 => format!("{x:.0}"),
        Some(x) => format!("{x:.2}"),
    }
}

/// Writes the report as `table`, `json` or `csv`.
pub fn write(r: &Report, format: &str, out: &mut dyn Write) -> Result<()> {
    match format {
        "json" => writeln!(out, "{}", serde_json::to_string_pretty(r)?)?,
        "csv" => {
            writeln!(out, "group,metric,value")?;
            for g in &r.groups {
                for (metric, v) in flat(&g.numbers) {
                    let v = v.map_or(String::new(), |x| x.to_string());
                    writeln!(out, "{},{metric},{v}", csv_field(&g.group))?;
                }
            }
            for l in &r.rules {
                let group = csv_field(&format!("rule:{}", l.rule));
                let pct = l.recategorised_pct.map_or(String::new(), |x| x.to_string());
                writeln!(out, "{group},hits,{}", l.hits)?;
                writeln!(out, "{group},recategorised,{}", l.recategorised)?;
                writeln!(out, "{group},recategorised_pct,{pct}")?;
            }
        }
        "table" => {
            writeln!(out, "Report {} to {} (by {})", r.since, r.until, r.by)?;
            for g in &r.groups {
                writeln!(out, "\n{}", g.group)?;
                for (metric, v) in flat(&g.numbers) {
                    writeln!(out, "  {metric:<40} {:>20}", show(v))?;
                }
            }
            if !r.rules.is_empty() {
                writeln!(out, "\nrules (hits, recategorised by agents)")?;
                for l in &r.rules {
                    let name: String = l.rule.chars().take(40).collect();
                    let pct = show(l.recategorised_pct);
                    writeln!(out, "  {name:<40} {:>8} {:>10}%", l.hits, pct)?;
                }
            }
            if !r.unmatched.is_empty() {
                writeln!(out, "\nfell to the default category (newest first)")?;
                for u in &r.unmatched {
                    let text: String = u.text.chars().take(68).collect();
                    writeln!(out, "  {:<8} {text}", u.ticket)?;
                }
            }
        }
        other => anyhow::bail!("`--format {other}` is not a format: use table, json or csv"),
    }
    Ok(())
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchboard_domain::{
        Agent, Category, ChatId, PartyId, Platform, Priority, Sla, Survey, TicketId, TicketStatus,
    };

    const DAY: i64 = 86_400_000;

    fn at(day: i64, h: i64, m: i64) -> Timestamp {
        Timestamp(Timestamp::from_ymd(2026, 11, 1).0 + day * DAY + (h * 60 + m) * 60_000)
    }

    fn ticket(id: u64, opened: Timestamp) -> Ticket {
        Ticket {
            id: TicketId(id),
            customer: PartyId::new(Platform::Telegram, format!("c{id}")),
            customer_name: format!("c{id}"),
            chat: ChatId::new(Platform::Telegram, format!("c{id}")),
            status: TicketStatus::Queued,
            category: Category::new("billing").unwrap(),
            priority: Priority::Normal,
            tags: vec![],
            rules: vec![],
            locale: "en".into(),
            assignee: None,
            opened_at: opened,
            updated_at: opened,
            handed_off_at: None,
            first_response_at: None,
            resolved_at: None,
            resolution: None,
            previous: None,
            reopened: 0,
            messages: 1,
            events: vec![],
            recent: vec![],
            throttled_at: None,
            survey: None,
            sla: None,
            version: 1,
        }
    }

    fn sla(breached: &[&str]) -> Option<Sla> {
        Some(Sla {
            first_response_target: Millis::hours(1),
            resolution_target: Millis::hours(8),
            started_at: Timestamp(0),
            spent: Millis(0),
            running_since: None,
            warned: vec![],
            breached: breached.iter().map(|s| s.to_string()).collect(),
            last_agent_at: None,
            generation: 0,
            first_response_settled: false,
        })
    }

    fn survey(sent: Timestamp, csat: u8, nps: u8) -> Option<Survey> {
        Some(Survey {
            sent_at: sent,
            csat: Some(csat),
            nps: Some(nps),
            ..Survey::default()
        })
    }

    /// The fixture: day 0 is 2026-11-01 (the period), all times UTC, 24/7 hours.
    fn fixture() -> Vec<Ticket> {
        let ann = Agent {
            id: PartyId::new(Platform::Telegram, "7"),
            name: "ann".into(),
        };
        // T1: handed off 10:00, answered 10:30, resolved 12:00 by ann; survey 5 / 10.
        let mut t1 = ticket(1, at(0, 10, 0));
        t1.priority = Priority::High;
        t1.handed_off_at = Some(at(0, 10, 0));
        t1.first_response_at = Some(at(0, 10, 30));
        t1.resolved_at = Some(at(0, 12, 0));
        t1.status = TicketStatus::Resolved;
        t1.resolution = Some(Resolution::Agent { name: "ann".into() });
        t1.assignee = Some(ann.clone());
        t1.sla = sla(&[]);
        t1.survey = survey(at(0, 12, 10), 5, 10);
        t1.rules = vec!["r1".into()];
        // T2: handed off 11:00, answered 13:00 (first-response breached), still claimed.
        let mut t2 = ticket(2, at(0, 11, 0));
        t2.handed_off_at = Some(at(0, 11, 0));
        t2.first_response_at = Some(at(0, 13, 0));
        t2.status = TicketStatus::Claimed;
        t2.assignee = Some(ann);
        t2.sla = sla(&["first_response"]);
        t2.rules = vec!["r1".into()];
        t2.events.push(switchboard_domain::TicketEvent {
            at: at(0, 11, 30),
            kind: "category".into(),
            by: Some("ann".into()),
            detail: "billing -> shipping".into(),
        });
        // T3: self-service, resolved 09:05; survey 2 / 5.
        let mut t3 = ticket(3, at(0, 9, 0));
        t3.resolved_at = Some(at(0, 9, 5));
        t3.status = TicketStatus::Resolved;
        t3.resolution = Some(Resolution::SelfService);
        t3.survey = survey(at(0, 9, 15), 2, 5);
        t3.rules = vec!["r2".into()];
        // T4: opened the day before at 23:00, resolved 01:00 in the period.
        let mut t4 = ticket(4, at(-1, 23, 0));
        t4.resolved_at = Some(at(0, 1, 0));
        t4.status = TicketStatus::Resolved;
        t4.resolution = Some(Resolution::Agent { name: "bob".into() });
        // T5: handed off 20:00, nobody yet.
        let mut t5 = ticket(5, at(0, 20, 0));
        t5.handed_off_at = Some(at(0, 20, 0));
        t5.sla = sla(&[]);
        t5.category = Category::new("general").unwrap();
        t4.category = Category::new("general").unwrap();
        vec![t1, t2, t3, t4, t5]
    }

    #[test]
    fn rules_and_the_default_category_sample() {
        let tickets = fixture();
        let r = build(
            &tickets,
            at(0, 0, 0),
            at(1, 0, 0),
            By::All,
            &Calendar::always(),
            "general",
        );
        // r1 fired on T1 and T2 (T2 recategorised by an agent); r2 on T3 only.
        assert_eq!(
            r.rules,
            vec![
                RuleLine {
                    rule: "r1".into(),
                    hits: 2,
                    recategorised: 1,
                    recategorised_pct: Some(50.0)
                },
                RuleLine {
                    rule: "r2".into(),
                    hits: 1,
                    recategorised: 0,
                    recategorised_pct: Some(0.0)
                },
            ]
        );
        // T5 fell to `general`, newest first (T4 is outside the period).
        let ids: Vec<&str> = r.unmatched.iter().map(|u| u.ticket.as_str()).collect();
        assert_eq!(ids, ["T-5"]);
    }

    #[test]
    fn every_metric_on_the_hand_worked_fixture() {
        let tickets = fixture();
        let r = build(
            &tickets,
            at(0, 0, 0),
            at(1, 0, 0),
            By::All,
            &Calendar::always(),
            "general",
        );
        assert_eq!(r.groups.len(), 1);
        let n = &r.groups[0].numbers;
        // Opened in the period: T1, T2, T3, T5 (T4 opened the day before).
        assert_eq!(
            (n.opened, n.resolved, n.reopened, n.still_open),
            (4, 3, 0, 2)
        );
        // Handed off: T1, T2, T5 of 4; deflected: T3 of the 3 resolved (T1, T3, T4).
        assert_eq!(n.handoff_rate_pct, Some(75.0));
        assert!((n.deflection_rate_pct.unwrap() - 100.0 / 3.0).abs() < 1e-9);
        // First responses: 30 and 120 minutes.
        let fr = &n.first_response_wall;
        assert_eq!(
            (fr.count, fr.median_min, fr.p90_min, fr.mean_min),
            (2, Some(30.0), Some(120.0), Some(75.0))
        );
        assert_eq!(n.first_response_business, n.first_response_wall, "24/7");
        // Resolutions: T1 120, T3 5, T4 120 (across the period's start).
        let res = &n.resolution_wall;
        assert_eq!(
            (res.count, res.median_min, res.p90_min),
            (3, Some(120.0), Some(120.0))
        );
        assert!((res.mean_min.unwrap() - 245.0 / 3.0).abs() < 1e-9);
        // SLA: first response met by T1, breached by T2, T5 undecided; resolution met by T1.
        assert_eq!(
            (
                n.sla_first_response.decided,
                n.sla_first_response.met,
                n.sla_first_response.breached
            ),
            (2, 1, 1)
        );
        assert_eq!(n.sla_first_response.attainment_pct, Some(50.0));
        assert_eq!(n.sla_resolution.attainment_pct, Some(100.0));
        // Surveys: 5 and 2: CSAT 50%, mean 3.5, NPS 50% - 50% = 0, S = (1 - 1) / 2 = 0.
        assert_eq!((n.surveys_sent, n.csat_answers), (2, 2));
        assert_eq!(
            (n.csat_pct, n.csat_mean, n.survey_response_rate_pct),
            (Some(50.0), Some(3.5), Some(100.0))
        );
        assert_eq!((n.nps, n.satisfaction_index), (Some(0.0), Some(0.0)));
    }

    #[test]
    fn an_empty_period_says_no_data_and_a_single_ticket_counts() {
        let tickets = fixture();
        let r = build(
            &tickets,
            at(10, 0, 0),
            at(11, 0, 0),
            By::All,
            &Calendar::always(),
            "general",
        );
        let n = &r.groups[0].numbers;
        assert_eq!((n.opened, n.resolved), (0, 0));
        assert_eq!((n.handoff_rate_pct, n.csat_pct, n.nps), (None, None, None));
        assert_eq!(n.first_response_wall.median_min, None);
        let mut table = Vec::new();
        write(&r, "table", &mut table).unwrap();
        let table = String::from_utf8(table).unwrap();
        assert!(
            table.contains("csat_pct") && table.contains("no data"),
            "{table}"
        );
        assert!(table.lines().all(|l| l.chars().count() <= 80), "{table}");
        // Only T4's resolution falls in [00:30, 01:30).
        let r = build(
            &tickets,
            at(0, 0, 30),
            at(0, 1, 30),
            By::All,
            &Calendar::always(),
            "general",
        );
        let n = &r.groups[0].numbers;
        assert_eq!(
            (n.opened, n.resolved, n.resolution_wall.median_min),
            (0, 1, Some(120.0))
        );
    }

    #[test]
    fn groups_and_formats() {
        let tickets = fixture();
        let r = build(
            &tickets,
            at(0, 0, 0),
            at(1, 0, 0),
            By::Priority,
            &Calendar::always(),
            "general",
        );
        let names: Vec<&str> = r.groups.iter().map(|g| g.group.as_str()).collect();
        assert_eq!(names, ["high", "normal"]);
        assert_eq!(r.groups[0].numbers.opened, 1);
        let mut csv = Vec::new();
        write(&r, "csv", &mut csv).unwrap();
        let csv = String::from_utf8(csv).unwrap();
        assert!(csv.starts_with("group,metric,value\n"));
        assert!(csv.contains("high,opened,1\n"), "{csv}");
        assert!(
            csv.contains("normal,csat_pct,\n") || csv.contains("normal,csat_pct,"),
            "{csv}"
        );
        let mut json = Vec::new();
        write(&r, "json", &mut json).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&json).unwrap();
        assert_eq!(v["groups"][0]["numbers"]["opened"], 1);
        assert!(v["groups"][1]["numbers"]["csat_pct"].is_number());
        assert!(write(&r, "pdf", &mut Vec::new()).is_err());
        assert!(
            csv.contains("rule:r1,hits,2\n") && csv.contains("rule:r1,recategorised_pct,50\n"),
            "{csv}"
        );
        assert!("weekly".parse::<By>().is_err());
        // 2026-11-01 is a Sunday: its week began on Monday 2026-10-26; T-4 opened on the
        // Saturday before.
        let r = build(
            &tickets,
            at(-7, 0, 0),
            at(1, 0, 0),
            By::Week,
            &Calendar::always(),
            "general",
        );
        let names: Vec<&str> = r.groups.iter().map(|g| g.group.as_str()).collect();
        assert_eq!(names, ["2026-10-26"]);
        assert_eq!(parse_when("2026-11-01", Timestamp(0)).unwrap(), at(0, 0, 0));
        assert_eq!(parse_when("1d", at(1, 0, 0)).unwrap(), at(0, 0, 0));
        assert!(parse_when("yesterday", Timestamp(0)).is_err());
    }
}
