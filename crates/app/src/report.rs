//! `switchboard report`: the numbers a support desk is run by, from the tickets in a store,
//! over a period, overall and grouped, as a table, JSON, CSV or an HTML page with charts.
//!
//! Parts: [`Builder`] (takes tickets one at a time, so a report over millions of tickets
//! streams the store and can be split among threads with [`Builder::merge`]), [`Report`]
//! (volume, speed, SLA, satisfaction, agents, rules, customers and chart series) and
//! [`write`] (the formats).
//!
//! Definitions (also in the README), for a period [since, until):
//! - opened: tickets opened in the period; resolved: tickets whose last resolution is in the
//!   period; reopened: reopen events in the period; still open: tickets opened in the
//!   period and not resolved now; backlog: tickets open at the end of the period (opened
//!   before it, and open now or resolved only after it), by age then.
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
//! - customers: repeat-contact rate = customers with 2+ tickets opened in the period /
//!   customers with tickets opened in it × 100; churn = customers with tickets opened in the
//!   previous period of the same length and none in this one / customers of the previous
//!   period × 100; churn risk from [`crate::risk`].
//!
//! A metric without data is `null` in JSON and CSV and "no data" in the table.

use std::collections::{BTreeMap, HashMap};
use std::io::Write;

use anyhow::Result;
use serde::{Deserialize, Serialize};
use switchboard_desk::calendar::Calendar;
use switchboard_domain::metrics;
use switchboard_domain::{
    Agent, Category, Millis, PartyId, Priority, Resolution, Ticket, TicketId, TicketStatus,
    Timestamp,
};

use crate::risk::{ChurnRisk, Features};

/// The parts of a ticket a report reads. Decoding only these (event details, the chat,
/// tags and the rest are skipped without being allocated) is most of what lets a report
/// scan a million tickets in seconds.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct TicketView {
    /// Its number.
    pub id: TicketId,
    /// The customer.
    pub customer: PartyId,
    /// The customer's name when it was opened.
    pub customer_name: String,
    /// Its status now.
    pub status: TicketStatus,
    /// Its category now.
    pub category: Category,
    /// Its priority now.
    pub priority: Priority,
    /// The rules that fired on the opening message.
    pub rules: Vec<String>,
    /// The agent who has it.
    pub assignee: Option<Agent>,
    /// Opened.
    pub opened_at: Timestamp,
    /// Handed to people.
    pub handed_off_at: Option<Timestamp>,
    /// First agent message.
    pub first_response_at: Option<Timestamp>,
    /// Last resolution.
    pub resolved_at: Option<Timestamp>,
    /// How it was resolved.
    pub resolution: Option<Resolution>,
    /// Negative customer messages.
    #[serde(default)]
    pub negative: u32,
    /// Its history, as far as reports need it.
    pub events: Vec<EventView>,
    /// The survey.
    #[serde(default)]
    pub survey: Option<SurveyView>,
    /// The SLA clocks.
    #[serde(default)]
    pub sla: Option<SlaView>,
}

/// What a report reads of an event.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct EventView {
    /// When.
    pub at: Timestamp,
    /// Which kind, as far as reports care.
    pub kind: EventKind,
    /// The person who did it, if a person did.
    #[serde(default)]
    pub by: Option<String>,
}

/// The kinds of events reports count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    /// `reopened`.
    Reopened,
    /// `resolved`.
    Resolved,
    /// `claimed`.
    Claimed,
    /// `category`: the category changed.
    Category,
    /// Anything else.
    Other,
}

impl EventKind {
    fn of(s: &str) -> EventKind {
        match s {
            "reopened" => EventKind::Reopened,
            "resolved" => EventKind::Resolved,
            "claimed" => EventKind::Claimed,
            "category" => EventKind::Category,
            _ => EventKind::Other,
        }
    }
}

impl<'de> Deserialize<'de> for EventKind {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<EventKind, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = EventKind;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an event kind")
            }
            fn visit_str<E>(self, s: &str) -> Result<EventKind, E> {
                Ok(EventKind::of(s))
            }
        }
        d.deserialize_str(V)
    }
}

/// What a report reads of a survey.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct SurveyView {
    /// Sent.
    pub sent_at: Timestamp,
    /// The CSAT answer.
    #[serde(default)]
    pub csat: Option<u8>,
    /// The NPS answer.
    #[serde(default)]
    pub nps: Option<u8>,
}

/// What a report reads of the SLA clocks.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct SlaView {
    /// The clocks breached.
    #[serde(default)]
    pub breached: Vec<String>,
}

impl From<&Ticket> for TicketView {
    fn from(t: &Ticket) -> TicketView {
        TicketView {
            id: t.id,
            customer: t.customer.clone(),
            customer_name: t.customer_name.clone(),
            status: t.status,
            category: t.category.clone(),
            priority: t.priority,
            rules: t.rules.clone(),
            assignee: t.assignee.clone(),
            opened_at: t.opened_at,
            handed_off_at: t.handed_off_at,
            first_response_at: t.first_response_at,
            resolved_at: t.resolved_at,
            resolution: t.resolution.clone(),
            negative: t.negative,
            events: t
                .events
                .iter()
                .map(|e| EventView {
                    at: e.at,
                    kind: EventKind::of(&e.kind),
                    by: e.by.clone(),
                })
                .collect(),
            survey: t.survey.as_ref().map(|s| SurveyView {
                sent_at: s.sent_at,
                csat: s.csat,
                nps: s.nps,
            }),
            sla: t.sla.as_ref().map(|s| SlaView {
                breached: s.breached.clone(),
            }),
        }
    }
}

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
    /// By the triage rules that fired (a ticket counts in each of its rules' groups).
    Rule,
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
            "rule" => By::Rule,
            "day" => By::Day,
            "week" => By::Week,
            other => {
                return Err(format!(
                    "`--by {other}` is not a grouping: use category, priority, agent, platform, rule, day or week"
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
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
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
    /// Tickets open at the end of the period, whenever they were opened.
    pub backlog: usize,
    /// The backlog by age at the end of the period: `<1d`, `1-3d`, `3-7d`, `7-30d`, `>30d`.
    pub backlog_by_age: Vec<Bin>,
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
    /// Every ticket together, whatever the grouping.
    pub total: Numbers,
    /// `(group, numbers)`, groups sorted by name; only groups with something in the period
    /// (one empty `all` group when nothing happened).
    pub groups: Vec<Group>,
    /// Per agent, by name.
    pub agents: Vec<AgentLine>,
    /// Per triage rule, over tickets opened in the period: how often it fired, and on how
    /// many of those an agent later changed the category (a sign the rule is wrong).
    pub rules: Vec<RuleLine>,
    /// Tickets opened in the period that fell to the default category (no rule set one):
    /// material for new rules. At most [`SAMPLE`], newest first; texts filled by the caller.
    pub unmatched: Vec<Unmatched>,
    /// Repeat contact, churn and the customers most at risk.
    pub customers: CustomerNumbers,
    /// Time series and distributions for charts.
    pub charts: Charts,
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

/// One agent's line. A ticket belongs to its assignee, or to the agent who resolved it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AgentLine {
    /// The agent's name.
    pub agent: String,
    /// Their tickets with a first response or a resolution in the period.
    pub handled: usize,
    /// Their tickets resolved in the period.
    pub resolved: usize,
    /// Median first response (wall clock), minutes, over first responses in the period.
    pub first_response_median_min: Option<f64>,
    /// CSAT answers on their tickets' surveys sent in the period.
    pub csat_answers: usize,
    /// CSAT, percent.
    pub csat_pct: Option<f64>,
}

/// The customers' numbers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CustomerNumbers {
    /// Customers with tickets opened in the period.
    pub active: usize,
    /// Of them, customers with two or more.
    pub repeat: usize,
    /// repeat / active × 100.
    pub repeat_contact_rate_pct: Option<f64>,
    /// Start of the previous period (as long as this one, just before it), RFC 3339.
    pub previous_since: String,
    /// Customers with tickets opened in the previous period.
    pub previous_active: usize,
    /// Of them, customers with none in this period.
    pub churned: usize,
    /// churned / previous_active × 100.
    pub churn_pct: Option<f64>,
    /// The customers with the highest churn risk, highest first.
    pub at_risk: Vec<Risk>,
}

/// One customer's churn risk.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Risk {
    /// `platform:id`.
    pub customer: String,
    /// The name on their latest ticket.
    pub name: String,
    /// P(churn), 0 to 1.
    pub risk: f64,
    /// What the model read.
    #[serde(flatten)]
    pub features: Features,
    /// Their lifetime value, when imported attributes allow it (`[report.clv]`).
    pub value: Option<f64>,
}

/// Series for charts: opened tickets per time bucket and category, satisfaction per bucket,
/// and the distributions of response and resolution times (wall clock).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Charts {
    /// The bucket width: `day`, `week`, or `N weeks` for long periods.
    pub bucket: String,
    /// Each bucket's first day (UTC), oldest first.
    pub starts: Vec<String>,
    /// The categories of `opened`, sorted.
    pub categories: Vec<String>,
    /// `opened[bucket][category]`: tickets opened.
    pub opened: Vec<Vec<usize>>,
    /// CSAT answers per bucket (by when the survey was sent).
    pub csat_answers: Vec<usize>,
    /// CSAT per bucket, percent.
    pub csat_pct: Vec<Option<f64>>,
    /// NPS answers per bucket.
    pub nps_answers: Vec<usize>,
    /// NPS per bucket.
    pub nps: Vec<Option<f64>>,
    /// First response times (wall clock) in ranges.
    pub first_response: Vec<Bin>,
    /// Resolution times (wall clock) in ranges.
    pub resolution: Vec<Bin>,
}

/// A range of durations and how many fell in it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Bin {
    /// `15-30m`, `1-2h`, `>3d`, …
    pub label: String,
    /// The upper bound (exclusive) in minutes; `null` for the last range.
    pub below_min: Option<f64>,
    /// How many.
    pub count: usize,
}

/// Upper bounds (minutes) and labels of the duration ranges.
const BINS: [(f64, &str); 9] = [
    (15.0, "<15m"),
    (30.0, "15-30m"),
    (60.0, "30m-1h"),
    (120.0, "1-2h"),
    (240.0, "2-4h"),
    (480.0, "4-8h"),
    (1440.0, "8-24h"),
    (4320.0, "1-3d"),
    (f64::INFINITY, ">3d"),
];

/// Upper bounds (days), labels and CSV names of the backlog's age ranges.
const AGES: [(f64, &str, &str); 5] = [
    (1.0, "<1d", "under_1d"),
    (3.0, "1-3d", "1_3d"),
    (7.0, "3-7d", "3_7d"),
    (30.0, "7-30d", "7_30d"),
    (f64::INFINITY, ">30d", "over_30d"),
];

fn ages(ms: &[i64]) -> Vec<Bin> {
    let mut counts = [0usize; AGES.len()];
    for m in ms {
        let days = *m as f64 / 86_400_000.0;
        let i = AGES
            .iter()
            .position(|(b, _, _)| days < *b)
            .unwrap_or(AGES.len() - 1);
        counts[i] += 1;
    }
    AGES.iter()
        .zip(counts)
        .map(|((b, label, _), count)| Bin {
            label: (*label).to_string(),
            below_min: b.is_finite().then_some(*b * 1440.0),
            count,
        })
        .collect()
}

fn bins(ms: &[i64]) -> Vec<Bin> {
    let mut counts = [0usize; BINS.len()];
    for m in ms {
        let min = *m as f64 / 60_000.0;
        let i = BINS
            .iter()
            .position(|(b, _)| min < *b)
            .unwrap_or(BINS.len() - 1);
        counts[i] += 1;
    }
    BINS.iter()
        .zip(counts)
        .map(|((b, label), count)| Bin {
            label: (*label).to_string(),
            below_min: b.is_finite().then_some(*b),
            count,
        })
        .collect()
}

fn within(t: Timestamp, since: Timestamp, until: Timestamp) -> bool {
    t.0 >= since.0 && t.0 < until.0
}

fn date(t: Timestamp) -> String {
    t.to_rfc3339().chars().take(10).collect()
}

const DAY: i64 = 86_400_000;

/// The Monday 00:00 UTC of `t`'s week.
fn monday(t: Timestamp) -> Timestamp {
    let days = t.0.div_euclid(DAY);
    // 1970-01-01 was a Thursday: Monday is 3 days before it in the week.
    Timestamp((days - (days + 3).rem_euclid(7)) * DAY)
}

/// Calls `f` with each group `t` belongs to.
fn keys(t: &TicketView, by: By, f: &mut dyn FnMut(&str)) {
    match by {
        By::All => f("all"),
        By::Category => f(t.category.as_str()),
        By::Priority => f(t.priority.as_str()),
        By::Agent => f(agent_of(t).unwrap_or("(none)")),
        By::Platform => f(t.customer.platform.as_str()),
        By::Rule if t.rules.is_empty() => f("(no rule)"),
        By::Rule => t.rules.iter().for_each(|r| f(r)),
        By::Day => f(&date(t.opened_at)),
        By::Week => f(&date(monday(t.opened_at))),
    }
}

/// The ticket's agent: who resolved it, else its assignee, else the last agent who
/// claimed or resolved it (a reopened ticket has neither an assignee nor a resolution, and
/// its survey still rates that agent's work).
fn agent_of(t: &TicketView) -> Option<&str> {
    match &t.resolution {
        Some(Resolution::Agent { name }) => Some(name.as_str()),
        _ => t.assignee.as_ref().map(|a| a.name.as_str()).or_else(|| {
            t.events
                .iter()
                .rev()
                .filter(|e| matches!(e.kind, EventKind::Claimed | EventKind::Resolved))
                .find_map(|e| e.by.as_deref())
        }),
    }
}

/// Whether `t` was resolved (and not reopened since) at `at`, from its events.
fn closed_at(t: &TicketView, at: Timestamp) -> bool {
    let last = t
        .events
        .iter()
        .filter(|e| e.at.0 < at.0 && matches!(e.kind, EventKind::Resolved | EventKind::Reopened))
        .max_by_key(|e| e.at);
    match last {
        Some(e) => e.kind == EventKind::Resolved,
        // Tickets written without events: the resolution time decides.
        None => t.events.is_empty() && t.resolved_at.is_some_and(|r| r.0 < at.0),
    }
}

/// What one ticket contributes to a period's numbers.
#[derive(Debug, Default)]
struct Facts {
    opened: bool,
    resolved: bool,
    reopened: usize,
    still_open: bool,
    /// Open at the end of the period: its age then, ms.
    backlog_age: Option<i64>,
    handed: bool,
    deflected: bool,
    /// First response in the period: (wall, business) ms.
    first_response: Option<(i64, i64)>,
    /// Resolution in the period: (wall, business) ms.
    resolution: Option<(i64, i64)>,
    /// Decided SLA clocks of a ticket opened in the period: Some(met).
    sla_first_response: Option<bool>,
    sla_resolution: Option<bool>,
    /// A survey sent in the period: (csat, nps).
    survey: Option<(Option<u8>, Option<u8>)>,
}

impl Facts {
    fn of(t: &TicketView, since: Timestamp, until: Timestamp, cal: &Calendar) -> Facts {
        let opened = within(t.opened_at, since, until);
        let resolved = t.resolved_at.is_some_and(|r| within(r, since, until));
        let mut f = Facts {
            opened,
            resolved,
            reopened: t
                .events
                .iter()
                .filter(|e| e.kind == EventKind::Reopened && within(e.at, since, until))
                .count(),
            still_open: opened && t.status.is_open(),
            // Open at `until`: opened before it, and its last resolution or reopening
            // before it (the history's events) was not a resolution.
            backlog_age: (t.opened_at.0 < until.0 && !closed_at(t, until))
                .then(|| until.0 - t.opened_at.0),
            handed: opened && t.handed_off_at.is_some(),
            deflected: resolved
                && t.resolution == Some(Resolution::SelfService)
                && t.handed_off_at.is_none(),
            ..Facts::default()
        };
        if let (Some(h), Some(r)) = (t.handed_off_at, t.first_response_at)
            && within(r, since, until)
        {
            f.first_response = Some((r.since(h).0, cal.between(h, r).0));
        }
        if resolved && let Some(r) = t.resolved_at {
            f.resolution = Some((r.since(t.opened_at).0, cal.between(t.opened_at, r).0));
        }
        if opened && let Some(s) = &t.sla {
            let breached = |clock: &str| s.breached.iter().any(|c| c == clock);
            f.sla_first_response = if breached("first_response") {
                Some(false)
            } else {
                t.first_response_at.map(|_| true)
            };
            f.sla_resolution = if breached("resolution") {
                Some(false)
            } else {
                (!t.status.is_open()).then_some(true)
            };
        }
        if let Some(s) = &t.survey
            && within(s.sent_at, since, until)
        {
            f.survey = Some((s.csat, s.nps));
        }
        f
    }

    fn any(&self) -> bool {
        self.opened
            || self.resolved
            || self.backlog_age.is_some()
            || self.reopened > 0
            || self.first_response.is_some()
            || self.survey.is_some()
    }
}

/// The running sums of one group.
#[derive(Debug, Default, Clone)]
struct Acc {
    opened: usize,
    resolved: usize,
    reopened: usize,
    still_open: usize,
    backlog: Vec<i64>,
    handed: usize,
    deflected: usize,
    fr_wall: Vec<i64>,
    fr_business: Vec<i64>,
    res_wall: Vec<i64>,
    res_business: Vec<i64>,
    sla_fr: Attainment,
    sla_res: Attainment,
    surveys: usize,
    csat: Vec<u8>,
    nps: Vec<u8>,
}

fn attain(a: &mut Attainment, decided: Option<bool>) {
    match decided {
        Some(true) => {
            a.decided += 1;
            a.met += 1;
        }
        Some(false) => {
            a.decided += 1;
            a.breached += 1;
        }
        None => {}
    }
}

impl Acc {
    fn add(&mut self, f: &Facts) {
        self.opened += usize::from(f.opened);
        self.resolved += usize::from(f.resolved);
        self.reopened += f.reopened;
        self.still_open += usize::from(f.still_open);
        self.backlog.extend(f.backlog_age);
        self.handed += usize::from(f.handed);
        self.deflected += usize::from(f.deflected);
        if let Some((w, b)) = f.first_response {
            self.fr_wall.push(w);
            self.fr_business.push(b);
        }
        if let Some((w, b)) = f.resolution {
            self.res_wall.push(w);
            self.res_business.push(b);
        }
        attain(&mut self.sla_fr, f.sla_first_response);
        attain(&mut self.sla_res, f.sla_resolution);
        if let Some((csat, nps)) = f.survey {
            self.surveys += 1;
            self.csat.extend(csat);
            self.nps.extend(nps);
        }
    }

    fn merge(&mut self, o: Acc) {
        self.opened += o.opened;
        self.resolved += o.resolved;
        self.reopened += o.reopened;
        self.still_open += o.still_open;
        self.backlog.extend(o.backlog);
        self.handed += o.handed;
        self.deflected += o.deflected;
        self.fr_wall.extend(o.fr_wall);
        self.fr_business.extend(o.fr_business);
        self.res_wall.extend(o.res_wall);
        self.res_business.extend(o.res_business);
        for (a, b) in [(&mut self.sla_fr, o.sla_fr), (&mut self.sla_res, o.sla_res)] {
            a.decided += b.decided;
            a.met += b.met;
            a.breached += b.breached;
        }
        self.surveys += o.surveys;
        self.csat.extend(o.csat);
        self.nps.extend(o.nps);
    }

    fn numbers(&self) -> Numbers {
        let pct = |mut a: Attainment| {
            a.attainment_pct = metrics::share(a.met, a.decided);
            a
        };
        Numbers {
            opened: self.opened,
            resolved: self.resolved,
            reopened: self.reopened,
            still_open: self.still_open,
            backlog: self.backlog.len(),
            backlog_by_age: ages(&self.backlog),
            handoff_rate_pct: metrics::share(self.handed, self.opened),
            deflection_rate_pct: metrics::share(self.deflected, self.resolved),
            first_response_wall: Spread::of(&self.fr_wall),
            first_response_business: Spread::of(&self.fr_business),
            resolution_wall: Spread::of(&self.res_wall),
            resolution_business: Spread::of(&self.res_business),
            sla_first_response: pct(self.sla_fr.clone()),
            sla_resolution: pct(self.sla_res.clone()),
            surveys_sent: self.surveys,
            csat_answers: self.csat.len(),
            csat_pct: metrics::csat(&self.csat),
            csat_mean: metrics::mean_score(&self.csat),
            survey_response_rate_pct: metrics::share(self.csat.len(), self.surveys),
            nps: metrics::nps(&self.nps),
            satisfaction_index: metrics::satisfaction_index(
                self.csat.iter().filter(|s| **s >= 4).count(),
                self.csat.iter().filter(|s| **s <= 2).count(),
            ),
        }
    }
}

/// One agent's running sums.
#[derive(Debug, Default, Clone)]
struct AgentAcc {
    handled: usize,
    resolved: usize,
    fr_wall: Vec<i64>,
    csat: Vec<u8>,
}

/// One customer's running sums.
#[derive(Debug, Default, Clone)]
struct CustomerAcc {
    name: String,
    /// The id of the ticket `name` comes from (the latest wins).
    name_from: u64,
    features: Features,
    in_period: u32,
    in_previous: bool,
}

/// One time bucket's running sums.
#[derive(Debug, Default, Clone)]
struct BucketAcc {
    opened: BTreeMap<String, usize>,
    csat: Vec<u8>,
    nps: Vec<u8>,
}

/// What a report is over, and how.
#[derive(Debug, Clone)]
pub struct Options {
    /// Start (inclusive).
    pub since: Timestamp,
    /// End (exclusive).
    pub until: Timestamp,
    /// The grouping.
    pub by: By,
    /// Business hours.
    pub calendar: Calendar,
    /// The rules' fallback category (for the sample of unmatched tickets).
    pub default_category: String,
    /// The churn-risk model.
    pub churn_risk: ChurnRisk,
    /// How many at-risk customers to list.
    pub at_risk: usize,
}

/// Builds a [`Report`] from tickets given one at a time, in any order.
#[derive(Debug, Clone)]
pub struct Builder {
    o: Options,
    /// Bucket width and the first bucket's start.
    width: i64,
    first: Timestamp,
    buckets: usize,
    total: Acc,
    groups: BTreeMap<String, Acc>,
    agents: BTreeMap<String, AgentAcc>,
    rules: BTreeMap<String, (usize, usize)>,
    unmatched: Vec<(Timestamp, TicketId)>,
    customers: HashMap<PartyId, CustomerAcc>,
    series: Vec<BucketAcc>,
}

impl Builder {
    /// A builder for a report with options `o`.
    pub fn new(o: Options) -> Builder {
        let span = (o.until.0 - o.since.0).max(0);
        let (width, first) = if span <= 92 * DAY {
            (DAY, Timestamp(o.since.0.div_euclid(DAY) * DAY))
        } else {
            // Weeks, or as many weeks per bucket as keep it under 157 buckets.
            let weeks = (span / (7 * DAY)) / 156 + 1;
            (weeks * 7 * DAY, monday(o.since))
        };
        let buckets =
            usize::try_from((o.until.0 - first.0 + width - 1).max(0) / width).unwrap_or(0);
        Builder {
            width,
            first,
            buckets,
            total: Acc::default(),
            groups: BTreeMap::new(),
            agents: BTreeMap::new(),
            rules: BTreeMap::new(),
            unmatched: Vec::new(),
            customers: HashMap::new(),
            series: vec![BucketAcc::default(); buckets],
            o,
        }
    }

    fn bucket(&self, t: Timestamp) -> Option<usize> {
        if !within(t, self.o.since, self.o.until) {
            return None;
        }
        usize::try_from((t.0 - self.first.0) / self.width)
            .ok()
            .filter(|i| *i < self.buckets)
    }

    /// Adds one ticket.
    pub fn add(&mut self, t: &TicketView) {
        let (since, until) = (self.o.since, self.o.until);
        let length = until.0 - since.0;
        // Customers: everything before the end of the period.
        if t.opened_at.0 < until.0 {
            let c = match self.customers.get_mut(&t.customer) {
                Some(c) => c,
                None => self.customers.entry(t.customer.clone()).or_default(),
            };
            if c.name.is_empty() || t.id.0 >= c.name_from {
                if c.name != t.customer_name {
                    c.name.clone_from(&t.customer_name);
                }
                c.name_from = t.id.0;
            }
            c.features.add(t, until);
            c.in_period += u32::from(t.opened_at.0 >= since.0);
            c.in_previous |= t.opened_at.0 >= since.0 - length && t.opened_at.0 < since.0;
        }
        let f = Facts::of(t, since, until, &self.o.calendar);
        if !f.any() {
            return;
        }
        self.total.add(&f);
        let groups = &mut self.groups;
        keys(t, self.o.by, &mut |k| match groups.get_mut(k) {
            Some(a) => a.add(&f),
            None => groups.entry(k.to_string()).or_default().add(&f),
        });
        if let Some(agent) = agent_of(t) {
            let a = match self.agents.get_mut(agent) {
                Some(a) => a,
                None => self.agents.entry(agent.to_string()).or_default(),
            };
            a.handled += usize::from(f.first_response.is_some() || f.resolved);
            a.resolved += usize::from(f.resolved);
            a.fr_wall.extend(f.first_response.map(|(w, _)| w));
            if let Some((csat, _)) = f.survey {
                a.csat.extend(csat);
            }
        }
        if f.opened {
            let recategorised = t
                .events
                .iter()
                .any(|e| e.kind == EventKind::Category && e.by.is_some());
            for r in &t.rules {
                let e = match self.rules.get_mut(r.as_str()) {
                    Some(e) => e,
                    None => self.rules.entry(r.to_string()).or_default(),
                };
                e.0 += 1;
                e.1 += usize::from(recategorised);
            }
            if t.category.as_str() == self.o.default_category && !recategorised {
                self.unmatched.push((t.opened_at, t.id));
                if self.unmatched.len() >= 8 * SAMPLE {
                    self.trim_unmatched();
                }
            }
            if let Some(i) = self.bucket(t.opened_at) {
                let b = &mut self.series[i].opened;
                match b.get_mut(t.category.as_str()) {
                    Some(n) => *n += 1,
                    None => {
                        b.insert(t.category.as_str().to_string(), 1);
                    }
                }
            }
        }
        if let Some((csat, nps)) = f.survey
            && let Some(s) = &t.survey
            && let Some(i) = self.bucket(s.sent_at)
        {
            self.series[i].csat.extend(csat);
            self.series[i].nps.extend(nps);
        }
    }

    fn trim_unmatched(&mut self) {
        self.unmatched.sort_by(|a, b| b.cmp(a));
        self.unmatched.truncate(SAMPLE);
    }

    /// Adds everything another builder (same options) has seen: for scans split among
    /// threads. A ticket must be added to one builder only.
    pub fn merge(&mut self, o: Builder) {
        self.total.merge(o.total);
        for (k, a) in o.groups {
            self.groups.entry(k).or_default().merge(a);
        }
        for (k, a) in o.agents {
            let mine = self.agents.entry(k).or_default();
            mine.handled += a.handled;
            mine.resolved += a.resolved;
            mine.fr_wall.extend(a.fr_wall);
            mine.csat.extend(a.csat);
        }
        for (k, (hits, re)) in o.rules {
            let e = self.rules.entry(k).or_default();
            e.0 += hits;
            e.1 += re;
        }
        self.unmatched.extend(o.unmatched);
        self.trim_unmatched();
        for (k, c) in o.customers {
            let mine = self.customers.entry(k).or_default();
            if mine.name.is_empty() || c.name_from >= mine.name_from {
                mine.name = c.name;
                mine.name_from = c.name_from;
            }
            mine.features.merge(c.features);
            mine.in_period += c.in_period;
            mine.in_previous |= c.in_previous;
        }
        for (mine, b) in self.series.iter_mut().zip(o.series) {
            for (cat, n) in b.opened {
                *mine.opened.entry(cat).or_default() += n;
            }
            mine.csat.extend(b.csat);
            mine.nps.extend(b.nps);
        }
    }

    /// The report. `value_of` gives the lifetime value of a listed at-risk customer, when
    /// known.
    pub fn finish(mut self, value_of: &mut dyn FnMut(&PartyId) -> Option<f64>) -> Report {
        self.trim_unmatched();
        let o = &self.o;
        let mut groups: Vec<Group> = self
            .groups
            .iter()
            .map(|(group, a)| Group {
                group: group.clone(),
                numbers: a.numbers(),
            })
            .collect();
        if groups.is_empty() {
            groups.push(Group {
                group: "all".into(),
                numbers: Acc::default().numbers(),
            });
        }
        let mut rules: Vec<RuleLine> = self
            .rules
            .iter()
            .map(|(rule, (hits, re))| RuleLine {
                rule: rule.clone(),
                hits: *hits,
                recategorised: *re,
                recategorised_pct: metrics::share(*re, *hits),
            })
            .collect();
        rules.sort_by(|a, b| b.hits.cmp(&a.hits).then(a.rule.cmp(&b.rule)));
        let agents = self
            .agents
            .iter()
            .filter(|(_, a)| a.handled > 0 || !a.csat.is_empty())
            .map(|(agent, a)| {
                let fr: Vec<f64> = a.fr_wall.iter().map(|m| *m as f64 / 60_000.0).collect();
                AgentLine {
                    agent: agent.clone(),
                    handled: a.handled,
                    resolved: a.resolved,
                    first_response_median_min: metrics::percentile(&fr, 50.0),
                    csat_answers: a.csat.len(),
                    csat_pct: metrics::csat(&a.csat),
                }
            })
            .collect();
        // Customers.
        let active = self.customers.values().filter(|c| c.in_period > 0).count();
        let repeat = self.customers.values().filter(|c| c.in_period > 1).count();
        let previous_active = self.customers.values().filter(|c| c.in_previous).count();
        let churned = self
            .customers
            .values()
            .filter(|c| c.in_previous && c.in_period == 0)
            .count();
        let mut scored: Vec<(f64, &PartyId, &CustomerAcc)> = self
            .customers
            .iter()
            .map(|(id, c)| (o.churn_risk.score(&c.features), id, c))
            .collect();
        let top = o.at_risk.min(scored.len());
        let order = |a: &(f64, &PartyId, &CustomerAcc), b: &(f64, &PartyId, &CustomerAcc)| {
            b.0.total_cmp(&a.0)
                .then(b.2.features.tickets.cmp(&a.2.features.tickets))
                .then(a.1.cmp(b.1))
        };
        if top > 0 && top < scored.len() {
            scored.select_nth_unstable_by(top - 1, order);
        }
        scored.truncate(top);
        scored.sort_by(order);
        let at_risk = scored
            .into_iter()
            .map(|(risk, id, c)| Risk {
                customer: format!("{}:{}", id.platform, id.id),
                name: c.name.clone(),
                risk,
                features: c.features.clone(),
                value: value_of(id),
            })
            .collect();
        let customers = CustomerNumbers {
            active,
            repeat,
            repeat_contact_rate_pct: metrics::share(repeat, active),
            previous_since: Timestamp(o.since.0 - (o.until.0 - o.since.0)).to_rfc3339(),
            previous_active,
            churned,
            churn_pct: metrics::share(churned, previous_active),
            at_risk,
        };
        // Charts.
        let categories: Vec<String> = {
            let mut c: Vec<String> = self
                .series
                .iter()
                .flat_map(|b| b.opened.keys().cloned())
                .collect();
            c.sort();
            c.dedup();
            c
        };
        let charts = Charts {
            bucket: match self.width / DAY {
                1 => "day".to_string(),
                7 => "week".to_string(),
                d => format!("{} weeks", d / 7),
            },
            starts: (0..self.buckets)
                .map(|i| date(Timestamp(self.first.0 + i as i64 * self.width)))
                .collect(),
            opened: self
                .series
                .iter()
                .map(|b| {
                    categories
                        .iter()
                        .map(|c| b.opened.get(c).copied().unwrap_or(0))
                        .collect()
                })
                .collect(),
            categories,
            csat_answers: self.series.iter().map(|b| b.csat.len()).collect(),
            csat_pct: self.series.iter().map(|b| metrics::csat(&b.csat)).collect(),
            nps_answers: self.series.iter().map(|b| b.nps.len()).collect(),
            nps: self.series.iter().map(|b| metrics::nps(&b.nps)).collect(),
            first_response: bins(&self.total.fr_wall),
            resolution: bins(&self.total.res_wall),
        };
        Report {
            since: o.since.to_rfc3339(),
            until: o.until.to_rfc3339(),
            by: format!("{:?}", o.by).to_lowercase(),
            total: self.total.numbers(),
            groups,
            agents,
            rules,
            unmatched: self
                .unmatched
                .iter()
                .map(|(_, id)| Unmatched {
                    ticket: id.to_string(),
                    text: String::new(),
                })
                .collect(),
            customers,
            charts,
        }
    }
}

/// The report of `tickets` (all of them in memory: for tests and small stores).
pub fn build(tickets: &[Ticket], o: Options) -> Report {
    let mut b = Builder::new(o);
    for t in tickets {
        b.add(&TicketView::from(t));
    }
    b.finish(&mut |_| None)
}

/// The report of every ticket of `source`: a store is scanned on as many threads as the
/// machine has (each a [`Builder`] over a range of ids, merged at the end), never holding
/// more than one ticket per thread; lifetime values come from imported customer records.
pub fn from_source(
    source: &crate::tickets::Source,
    o: Options,
    clv: &crate::risk::ClvConfig,
) -> Result<Report> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get().min(8));
    from_source_on(source, o, clv, cores)
}

/// [`from_source`] on `threads` threads (at least one).
pub fn from_source_on(
    source: &crate::tickets::Source,
    o: Options,
    clv: &crate::risk::ClvConfig,
    threads: usize,
) -> Result<Report> {
    use crate::tickets::Source;
    let threads = threads.max(1);
    use switchboard_desk::Store as _;
    match source {
        Source::Store(store) => {
            let last = store.last_ticket_id()?;
            let chunk = last / threads as u64 + 1;
            let builders: Vec<Result<Builder>> = std::thread::scope(|s| {
                let handles: Vec<_> = (0..threads as u64)
                    .map(|i| {
                        let o = o.clone();
                        let store = &**store;
                        s.spawn(move || -> Result<Builder> {
                            let mut b = Builder::new(o);
                            let (from, to) = (i * chunk, ((i + 1) * chunk).min(last + 1));
                            for t in store.scan_tickets::<TicketView>(TicketId(from), TicketId(to))
                            {
                                b.add(&t?);
                            }
                            Ok(b)
                        })
                    })
                    .collect();
                handles
                    .into_iter()
                    .map(|h| {
                        h.join()
                            .unwrap_or_else(|_| Err(anyhow::anyhow!("a report thread panicked")))
                    })
                    .collect()
            });
            let mut all = Builder::new(o);
            for b in builders {
                all.merge(b?);
            }
            Ok(all.finish(&mut |id| {
                store
                    .customer(id)
                    .ok()
                    .flatten()
                    .and_then(|c| clv.value(&c))
            }))
        }
        Source::Service(_) => {
            // The running service serves tickets but not customer records: no values.
            let mut b = Builder::new(o);
            for t in source.tickets(None)? {
                b.add(&TicketView::from(&t));
            }
            Ok(b.finish(&mut |_| None))
        }
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
        && (1970..=9999).contains(&y)
        // 2026-02-31 is not a date (from_ymd would roll it over to March).
        && Timestamp::from_ymd(y, m, d).to_rfc3339().starts_with(&format!("{y:04}-{m:02}-{d:02}"))
    {
        return Ok(Timestamp::from_ymd(y, m, d));
    }
    Err(format!(
        "`{s}` is not a time: use a duration back from now like 30d, or a date like 2026-11-01"
    ))
}

/// The flat list of (metric, value) of some numbers: CSV rows and table lines.
pub fn flat(n: &Numbers) -> Vec<(String, Option<f64>)> {
    let c = |v: usize| Some(v as f64);
    let mut rows = vec![
        ("opened".to_string(), c(n.opened)),
        ("resolved".into(), c(n.resolved)),
        ("reopened".into(), c(n.reopened)),
        ("still_open".into(), c(n.still_open)),
        ("backlog".into(), c(n.backlog)),
        ("handoff_rate_pct".into(), n.handoff_rate_pct),
        ("deflection_rate_pct".into(), n.deflection_rate_pct),
    ];
    for ((_, _, name), b) in AGES.iter().zip(&n.backlog_by_age) {
        rows.push((format!("backlog_{name}"), c(b.count)));
    }
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

/// A number for people: whole numbers without decimals, others with two; "no data" for
/// none.
pub fn show(v: Option<f64>) -> String {
    match v {
        None => "no data".into(),
        Some(x) if x.fract() == 0.0 && x.abs() < 1e15 => format!("{x:.0}"),
        Some(x) => format!("{x:.2}"),
    }
}

/// `s` cut to `width` terminal columns (wide characters, such as Chinese, take two), with
/// `…` when cut.
fn cut_width(s: &str, width: usize) -> String {
    use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};
    if s.width() <= width {
        return s.to_string();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let w = c.width().unwrap_or(0);
        // One column stays for the ellipsis.
        if used + w + 1 > width {
            break;
        }
        used += w;
        out.push(c);
    }
    out.push('…');
    out
}

/// At most `n` characters, with an ellipsis when cut.
pub(crate) fn cut(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut c: String = s.chars().take(n.saturating_sub(1)).collect();
        c.push('…');
        c
    }
}

/// Writes the report as `table`, `json`, `csv` or `html`.
pub fn write(r: &Report, format: &str, out: &mut dyn Write) -> Result<()> {
    match format {
        "json" => writeln!(out, "{}", serde_json::to_string_pretty(r)?)?,
        "csv" => write_csv(r, out)?,
        "table" => write_table(r, out)?,
        "html" => crate::report_html::write(r, out)?,
        other => {
            anyhow::bail!("`--format {other}` is not a format: use table, json, csv or html")
        }
    }
    Ok(())
}

fn write_csv(r: &Report, out: &mut dyn Write) -> Result<()> {
    let v = |x: Option<f64>| x.map_or(String::new(), |x| x.to_string());
    writeln!(out, "group,metric,value")?;
    let numbers = |group: &str, n: &Numbers, out: &mut dyn Write| -> Result<()> {
        for (metric, x) in flat(n) {
            writeln!(out, "{},{metric},{}", csv_field(group), v(x))?;
        }
        Ok(())
    };
    if r.by != "all" {
        numbers("total", &r.total, out)?;
    }
    for g in &r.groups {
        numbers(&g.group, &g.numbers, out)?;
    }
    for a in &r.agents {
        let group = csv_field(&format!("agent:{}", a.agent));
        writeln!(out, "{group},handled,{}", a.handled)?;
        writeln!(out, "{group},resolved,{}", a.resolved)?;
        writeln!(
            out,
            "{group},first_response_median_min,{}",
            v(a.first_response_median_min)
        )?;
        writeln!(out, "{group},csat_answers,{}", a.csat_answers)?;
        writeln!(out, "{group},csat_pct,{}", v(a.csat_pct))?;
    }
    for l in &r.rules {
        let group = csv_field(&format!("rule:{}", l.rule));
        writeln!(out, "{group},hits,{}", l.hits)?;
        writeln!(out, "{group},recategorised,{}", l.recategorised)?;
        writeln!(out, "{group},recategorised_pct,{}", v(l.recategorised_pct))?;
    }
    let c = &r.customers;
    for (metric, x) in [
        ("active", Some(c.active as f64)),
        ("repeat", Some(c.repeat as f64)),
        ("repeat_contact_rate_pct", c.repeat_contact_rate_pct),
        ("previous_active", Some(c.previous_active as f64)),
        ("churned", Some(c.churned as f64)),
        ("churn_pct", c.churn_pct),
    ] {
        writeln!(out, "customers,{metric},{}", v(x))?;
    }
    for k in &c.at_risk {
        let group = csv_field(&format!("at_risk:{}", k.customer));
        writeln!(out, "{group},risk,{}", k.risk)?;
        writeln!(out, "{group},value,{}", v(k.value))?;
    }
    Ok(())
}

fn write_table(r: &Report, out: &mut dyn Write) -> Result<()> {
    writeln!(out, "Report {} to {} (by {})", r.since, r.until, r.by)?;
    let numbers = |name: &str, n: &Numbers, out: &mut dyn Write| -> Result<()> {
        writeln!(out, "\n{}", cut(name, 78))?;
        for (metric, v) in flat(n) {
            writeln!(out, "  {metric:<40} {:>20}", show(v))?;
        }
        Ok(())
    };
    if r.by != "all" {
        numbers("total", &r.total, out)?;
    }
    for g in &r.groups {
        numbers(&g.group, &g.numbers, out)?;
    }
    if !r.agents.is_empty() {
        writeln!(
            out,
            "\n{:<30} {:>8} {:>8} {:>14} {:>14}",
            "agents", "handled", "resolved", "median 1st min", "CSAT %"
        )?;
        for a in &r.agents {
            writeln!(
                out,
                "  {:<28} {:>8} {:>8} {:>14} {:>14}",
                cut(&a.agent, 28),
                a.handled,
                a.resolved,
                show(a.first_response_median_min.map(|m| m.round())),
                show(a.csat_pct),
            )?;
        }
    }
    if !r.rules.is_empty() {
        writeln!(out, "\nrules (hits, recategorised by agents)")?;
        for l in &r.rules {
            let pct = show(l.recategorised_pct);
            writeln!(out, "  {:<40} {:>8} {:>10}%", cut(&l.rule, 40), l.hits, pct)?;
        }
    }
    if !r.unmatched.is_empty() {
        writeln!(out, "\nfell to the default category (newest first)")?;
        for u in &r.unmatched {
            let text: String = u
                .text
                .chars()
                .map(|c| if c.is_control() { ' ' } else { c })
                .collect();
            let room = 77usize.saturating_sub(u.ticket.chars().count().max(8));
            writeln!(out, "  {:<8} {}", u.ticket, cut_width(&text, room))?;
        }
    }
    let c = &r.customers;
    writeln!(out, "\ncustomers")?;
    for (metric, v) in [
        ("active", Some(c.active as f64)),
        ("repeat_contact_rate_pct", c.repeat_contact_rate_pct),
        ("previous_active", Some(c.previous_active as f64)),
        ("churned", Some(c.churned as f64)),
        ("churn_pct", c.churn_pct),
    ] {
        writeln!(out, "  {metric:<40} {:>20}", show(v))?;
    }
    if !c.at_risk.is_empty() {
        write_at_risk(&c.at_risk, out)?;
    }
    Ok(())
}

/// The at-risk table (also `customers at-risk`): 80 columns.
pub fn write_at_risk(list: &[Risk], out: &mut dyn Write) -> Result<()> {
    writeln!(
        out,
        "\n{:<22} {:<14} {:>6} {:>4} {:>4} {:>4} {:>4} {:>4} {:>10}",
        "most at risk", "name", "risk %", "tix", "reop", "csat", "neg", "sla", "value"
    )?;
    for k in list {
        let f = &k.features;
        writeln!(
            out,
            "  {:<20} {:<14} {:>6.1} {:>4} {:>4} {:>4} {:>4} {:>4} {:>10}",
            cut(&k.customer, 20),
            cut(&k.name, 14),
            k.risk * 100.0,
            f.tickets,
            f.reopens,
            f.last_csat.map_or("-".to_string(), |c| c.to_string()),
            f.negative,
            f.sla_breaches,
            k.value.map_or("unknown".to_string(), |v| format!("{v:.2}")),
        )?;
    }
    Ok(())
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

#[cfg(test)]
/// Test fixtures shared by the report's tests and the HTML page's: day 0 is 2026-11-01
/// (UTC); five tickets whose every figure is worked out by hand in the tests.
pub(crate) mod fixtures {
    use super::*;
    use switchboard_domain::{
        Agent, Category, ChatId, PartyId, Platform, Priority, Sla, Survey, TicketId, TicketStatus,
    };

    pub(crate) fn opts(since: Timestamp, until: Timestamp, by: By) -> Options {
        Options {
            since,
            until,
            by,
            calendar: Calendar::always(),
            default_category: "general".into(),
            churn_risk: ChurnRisk::default(),
            at_risk: 10,
        }
    }

    pub(crate) fn at(day: i64, h: i64, m: i64) -> Timestamp {
        Timestamp(Timestamp::from_ymd(2026, 11, 1).0 + day * DAY + (h * 60 + m) * 60_000)
    }

    pub(crate) fn ticket(id: u64, opened: Timestamp) -> Ticket {
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
            negative: 0,
            survey: None,
            sla: None,
            version: 1,
        }
    }

    pub(crate) fn sla(breached: &[&str]) -> Option<Sla> {
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

    pub(crate) fn survey(sent: Timestamp, csat: u8, nps: u8) -> Option<Survey> {
        Some(Survey {
            sent_at: sent,
            csat: Some(csat),
            nps: Some(nps),
            ..Survey::default()
        })
    }

    /// The fixture: day 0 is 2026-11-01 (the period), all times UTC, 24/7 hours.
    pub(crate) fn fixture() -> Vec<Ticket> {
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

    pub(crate) fn ev(
        at: Timestamp,
        kind: &str,
        by: Option<&str>,
    ) -> switchboard_domain::TicketEvent {
        switchboard_domain::TicketEvent {
            at,
            kind: kind.into(),
            by: by.map(str::to_string),
            detail: String::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::fixtures::*;
    use super::*;
    use switchboard_domain::{PartyId, Platform, TicketId, TicketStatus};

    #[test]
    fn rules_and_the_default_category_sample() {
        let tickets = fixture();
        let r = build(&tickets, opts(at(0, 0, 0), at(1, 0, 0), By::All));
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
        let r = build(&tickets, opts(at(0, 0, 0), at(1, 0, 0), By::All));
        assert_eq!(r.groups.len(), 1);
        let n = &r.groups[0].numbers;
        // Opened in the period: T1, T2, T3, T5 (T4 opened the day before).
        assert_eq!(
            (n.opened, n.resolved, n.reopened, n.still_open),
            (4, 3, 0, 2)
        );
        // Open at the end of the day: T2 (13 h old) and T5 (4 h).
        assert_eq!(n.backlog, 2);
        assert_eq!(
            n.backlog_by_age.iter().map(|b| b.count).collect::<Vec<_>>(),
            [2, 0, 0, 0, 0]
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
        let r = build(&tickets, opts(at(10, 0, 0), at(11, 0, 0), By::All));
        let n = &r.groups[0].numbers;
        assert_eq!((n.opened, n.resolved), (0, 0));
        assert_eq!((n.handoff_rate_pct, n.csat_pct, n.nps), (None, None, None));
        assert_eq!(n.first_response_wall.median_min, None);
        // Nothing happened, but T2 and T5 were still open then, ten days old.
        assert_eq!(n.backlog, 2);
        assert_eq!(n.backlog_by_age[3].label, "7-30d");
        assert_eq!(n.backlog_by_age[3].count, 2);
        let mut table = Vec::new();
        write(&r, "table", &mut table).unwrap();
        let table = String::from_utf8(table).unwrap();
        assert!(
            table.contains("csat_pct") && table.contains("no data"),
            "{table}"
        );
        assert!(table.lines().all(|l| l.chars().count() <= 80), "{table}");
        // Only T4's resolution falls in [00:30, 01:30).
        let r = build(&tickets, opts(at(0, 0, 30), at(0, 1, 30), By::All));
        let n = &r.groups[0].numbers;
        assert_eq!(
            (n.opened, n.resolved, n.resolution_wall.median_min),
            (0, 1, Some(120.0))
        );
        assert_eq!(
            n.backlog, 0,
            "T4 was resolved by 01:30, the rest not yet opened"
        );
    }

    #[test]
    fn groups_and_formats() {
        let tickets = fixture();
        let r = build(&tickets, opts(at(0, 0, 0), at(1, 0, 0), By::Priority));
        let names: Vec<&str> = r.groups.iter().map(|g| g.group.as_str()).collect();
        assert_eq!(names, ["high", "normal"]);
        assert_eq!(r.groups[0].numbers.opened, 1);
        let mut csv = Vec::new();
        write(&r, "csv", &mut csv).unwrap();
        let csv = String::from_utf8(csv).unwrap();
        assert!(csv.starts_with("group,metric,value\n"));
        assert!(csv.contains("high,opened,1\n"), "{csv}");
        // normal: T3's survey (2 of 5) is the only answer: CSAT 0 %.
        assert!(csv.contains("normal,csat_pct,0\n"), "{csv}");
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
        let r = build(&tickets, opts(at(-7, 0, 0), at(1, 0, 0), By::Week));
        let names: Vec<&str> = r.groups.iter().map(|g| g.group.as_str()).collect();
        assert_eq!(names, ["2026-10-26"]);
        assert_eq!(parse_when("2026-11-01", Timestamp(0)).unwrap(), at(0, 0, 0));
        assert_eq!(parse_when("1d", at(1, 0, 0)).unwrap(), at(0, 0, 0));
        assert!(parse_when("yesterday", Timestamp(0)).is_err());
    }

    #[test]
    fn agents_rule_groups_and_charts_on_the_fixture() {
        let tickets = fixture();
        let r = build(&tickets, opts(at(0, 0, 0), at(1, 0, 0), By::Rule));
        let names: Vec<&str> = r.groups.iter().map(|g| g.group.as_str()).collect();
        assert_eq!(names, ["(no rule)", "r1", "r2"]);
        assert_eq!(r.groups[1].numbers.opened, 2, "T1 and T2");
        assert_eq!(r.groups[0].numbers.resolved, 1, "T4");
        assert_eq!(r.total.opened, 4, "the total ignores the grouping");
        // ann has T1 (answered after 30 min, resolved, CSAT 5) and T2 (answered after 2 h);
        // bob resolved T4 without holding it.
        assert_eq!(
            r.agents,
            vec![
                AgentLine {
                    agent: "ann".into(),
                    handled: 2,
                    resolved: 1,
                    first_response_median_min: Some(30.0),
                    csat_answers: 1,
                    csat_pct: Some(100.0),
                },
                AgentLine {
                    agent: "bob".into(),
                    handled: 1,
                    resolved: 1,
                    first_response_median_min: None,
                    csat_answers: 0,
                    csat_pct: None,
                },
            ]
        );
        let c = &r.charts;
        assert_eq!(
            (c.bucket.as_str(), c.starts.clone()),
            ("day", vec!["2026-11-01".to_string()])
        );
        assert_eq!(c.categories, ["billing", "general"]);
        assert_eq!(c.opened, vec![vec![3, 1]]);
        assert_eq!(
            (c.csat_answers.clone(), c.csat_pct.clone()),
            (vec![2], vec![Some(50.0)])
        );
        assert_eq!(c.nps, vec![Some(0.0)]);
        let count =
            |bins: &[Bin], label: &str| bins.iter().find(|b| b.label == label).unwrap().count;
        // First responses 30 and 120 minutes; resolutions 120, 5 and 120.
        assert_eq!(count(&c.first_response, "30m-1h"), 1);
        assert_eq!(count(&c.first_response, "2-4h"), 1);
        assert_eq!(c.first_response.iter().map(|b| b.count).sum::<usize>(), 2);
        assert_eq!(count(&c.resolution, "<15m"), 1);
        assert_eq!(count(&c.resolution, "2-4h"), 2);
        assert_eq!(c.resolution.last().unwrap().below_min, None);
        // A long period has weekly buckets starting on Mondays.
        let r = build(&tickets, opts(at(-200, 0, 0), at(1, 0, 0), By::All));
        assert_eq!(r.charts.bucket, "week");
        // From Monday 2026-04-13 (the week of Wednesday 04-15) to Monday 11-02: 29 weeks.
        assert_eq!(r.charts.starts.first().unwrap(), "2026-04-13");
        assert_eq!(r.charts.starts.len(), 29);
        assert_eq!(r.charts.opened.iter().flatten().sum::<usize>(), 5);
    }

    #[test]
    fn repeat_contact_churn_and_risk_by_hand() {
        // Period: day 0; previous period: day -1.
        let of = |id: u64, who: &str, day: i64| {
            let mut t = ticket(id, at(day, 12, 0));
            t.customer = PartyId::new(Platform::Telegram, who);
            t.customer_name = who.to_uppercase();
            t
        };
        let mut c1 = of(5, "c", -1);
        c1.negative = 2;
        c1.sla = sla(&["first_response", "resolution"]);
        c1.reopened = 1;
        c1.events.push(ev(at(-1, 14, 0), "reopened", None));
        c1.survey = survey(at(-1, 13, 0), 1, 0);
        let tickets = vec![
            of(1, "a", 0),
            of(2, "a", 0),
            of(3, "b", -1),
            of(4, "b", 0),
            c1,
            of(6, "d", -5),
            of(7, "e", 3), // after the period: not counted, not scored
        ];
        let mut o = opts(at(0, 0, 0), at(1, 0, 0), By::All);
        o.at_risk = 3;
        let r = build(&tickets, o);
        let c = &r.customers;
        // Active: a (2 tickets, a repeat), b. Previous: b, c; c churned.
        assert_eq!(
            (c.active, c.repeat, c.repeat_contact_rate_pct),
            (2, 1, Some(50.0))
        );
        assert_eq!(
            (c.previous_active, c.churned, c.churn_pct),
            (2, 1, Some(50.0))
        );
        assert_eq!(c.previous_since, at(-1, 0, 0).to_rfc3339());
        // c: z = -3 + 0.2 + 0.5 + 0.6·2 + 0.4·2 + 0.7·2 = 1.1, P = 0.7503;
        // a and b: z = -2.6, P = 0.0691 (a before b by id); d: z = -2.8.
        let ids: Vec<&str> = c.at_risk.iter().map(|k| k.customer.as_str()).collect();
        assert_eq!(ids, ["telegram:c", "telegram:a", "telegram:b"]);
        assert!(
            (c.at_risk[0].risk - 0.7503).abs() < 1e-3,
            "{}",
            c.at_risk[0].risk
        );
        assert!((c.at_risk[1].risk - 0.0691).abs() < 1e-3);
        let k = &c.at_risk[0];
        assert_eq!(
            (
                k.name.as_str(),
                k.features.tickets,
                k.features.reopens,
                k.features.last_csat
            ),
            ("C", 1, 1, Some(1))
        );
        assert_eq!(
            (k.features.negative, k.features.sla_breaches, k.value),
            (2, 2, None)
        );
        // An empty period: no customers, no division by zero.
        let r = build(&tickets, opts(at(100, 0, 0), at(101, 0, 0), By::All));
        let c = &r.customers;
        assert_eq!((c.active, c.repeat_contact_rate_pct), (0, None));
        assert_eq!((c.previous_active, c.churn_pct), (0, None));
    }

    #[test]
    fn a_split_scan_merges_to_the_same_report() {
        let mut tickets = fixture();
        for (i, t) in tickets.iter_mut().enumerate() {
            t.customer = PartyId::new(Platform::Telegram, format!("c{}", i % 2));
        }
        let o = opts(at(-1, 0, 0), at(1, 0, 0), By::Category);
        let whole = build(&tickets, o.clone());
        let mut a = Builder::new(o.clone());
        let mut b = Builder::new(o);
        for (i, t) in tickets.iter().enumerate() {
            if i % 2 == 0 {
                a.add(&TicketView::from(t))
            } else {
                b.add(&TicketView::from(t))
            }
        }
        a.merge(b);
        let mut merged = a.finish(&mut |_| None);
        // Percentiles do not depend on the order of values; the rest must be equal.
        assert_eq!(merged.customers, whole.customers);
        merged.customers = whole.customers.clone();
        assert_eq!(merged, whole);
    }

    #[test]
    fn the_view_decodes_from_the_store_exactly_as_converted() {
        use switchboard_desk::{Store, Transition};
        let store = switchboard_store::SledStore::temporary().unwrap();
        let tickets = fixture();
        let mut t = Transition::default();
        for (i, mut x) in tickets.clone().into_iter().enumerate() {
            x.version = 1;
            x.negative = i as u32;
            x.reopened = 1;
            t.tickets.push(x);
        }
        t.last_ticket_id = Some(5);
        store.commit(&t).unwrap();
        let views: Vec<TicketView> = store
            .scan_tickets(TicketId(0), TicketId(10))
            .collect::<Result<_, _>>()
            .unwrap();
        let expected: Vec<TicketView> = t.tickets.iter().map(TicketView::from).collect();
        assert_eq!(views, expected);
        assert!(views[1].events[0].kind == EventKind::Category && views[1].events[0].by.is_some());
        // A range scans only its ids.
        assert_eq!(
            store
                .scan_tickets::<TicketView>(TicketId(2), TicketId(4))
                .count(),
            2
        );
    }

    #[test]
    fn a_reopened_ticket_still_rates_its_agent_and_the_backlog_follows_the_history() {
        // Resolved by ann at 12:00, rated 1 at 13:00, reopened by the low score at 13:00:
        // no assignee, no resolution any more.
        let mut t = ticket(1, at(0, 10, 0));
        t.handed_off_at = Some(at(0, 10, 0));
        t.first_response_at = Some(at(0, 10, 30));
        t.resolved_at = Some(at(0, 12, 0));
        t.status = TicketStatus::Queued;
        t.reopened = 1;
        t.survey = survey(at(0, 12, 10), 1, 0);
        t.events = vec![
            ev(at(0, 10, 0), "opened", None),
            ev(at(0, 10, 5), "claimed", Some("ann")),
            ev(at(0, 12, 0), "resolved", Some("ann")),
            ev(at(0, 13, 0), "reopened", None),
        ];
        let tickets = vec![t];
        let r = build(&tickets, opts(at(0, 0, 0), at(1, 0, 0), By::Agent));
        assert_eq!(r.agents.len(), 1);
        assert_eq!(r.agents[0].agent, "ann");
        assert_eq!(r.agents[0].csat_pct, Some(0.0), "her low score counts");
        assert_eq!(r.groups[0].group, "ann");
        // Open at the end of the day (reopened at 13:00)...
        assert_eq!(r.total.backlog, 1);
        // ... but not at 12:05, between the resolution and the reopening.
        let r = build(&tickets, opts(at(0, 0, 0), at(0, 12, 5), By::All));
        assert_eq!(r.total.backlog, 0);
        // The churn risk reads the ticket as it was then: no reopening, no answer yet.
        let k = &r.customers.at_risk[0];
        assert_eq!((k.features.reopens, k.features.last_csat), (0, None));
        let r = build(&tickets, opts(at(0, 0, 0), at(1, 0, 0), By::All));
        let k = &r.customers.at_risk[0];
        assert_eq!((k.features.reopens, k.features.last_csat), (1, Some(1)));
    }

    #[test]
    fn the_table_keeps_to_80_columns_with_wide_and_broken_text() {
        let mut tickets = fixture();
        tickets[4].id = TicketId(1_000_005);
        let mut r = build(&tickets, opts(at(0, 0, 0), at(1, 0, 0), By::All));
        r.unmatched[0].text = format!("我的快递三天没动了\t请帮我查一下\n{}", "很".repeat(80));
        let mut table = Vec::new();
        write(&r, "table", &mut table).unwrap();
        let table = String::from_utf8(table).unwrap();
        use unicode_width::UnicodeWidthStr;
        assert!(table.lines().all(|l| l.width() <= 80), "{table}");
        assert!(
            table.contains("T-1000005 我的快递三天没动了 请帮我查一下"),
            "{table}"
        );
        assert!(table.contains('…'));
        assert!(
            parse_when("2026-02-31", Timestamp(0)).is_err(),
            "not a date"
        );
        assert!(parse_when("2024-02-29", Timestamp(0)).is_ok(), "a leap day");
    }

    #[test]
    fn a_store_scanned_on_any_number_of_threads_gives_the_same_report() {
        use switchboard_desk::{Store, Transition};
        let store = switchboard_store::SledStore::temporary().unwrap();
        let mut t = Transition::default();
        for mut x in fixture() {
            x.version = 1;
            t.tickets.push(x);
        }
        t.last_ticket_id = Some(5);
        store.commit(&t).unwrap();
        let o = opts(at(-1, 0, 0), at(1, 0, 0), By::Category);
        let whole = build(&t.tickets, o.clone());
        let source = crate::tickets::Source::Store(Box::new(store));
        for threads in [1, 3, 8] {
            let r = from_source_on(&source, o.clone(), &Default::default(), threads).unwrap();
            assert_eq!(r.total, whole.total, "{threads} threads");
            assert_eq!(r.groups, whole.groups, "{threads} threads");
            assert_eq!(r.customers.active, whole.customers.active);
        }
    }
}
