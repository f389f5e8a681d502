//! The numbers of a report: what a report holds ([`Report`] and its parts, the output
//! every format writes), and the formulas that make them.
//!
//! Parts: the report's types ([`Report`], [`Numbers`], [`Spread`], [`Attainment`],
//! [`Bin`], the agent, rule, customer and chart lines); what one ticket contributes to a
//! period (`Facts`) and the running sums of a group (`Acc`), which turn into
//! [`Numbers`] by the definitions in [`super`]; the duration and age ranges of the charts
//! and the backlog; [`flat`], the metric rows of the CSV and the table. The builder feeds
//! tickets in; the formats read the result; this file reads tickets through
//! [`super::view`], the risk model's [`Features`], and the period helpers of
//! [`super::dates`].

use serde::Serialize;
use switchboard_desk::calendar::Calendar;
use switchboard_domain::{Resolution, Timestamp, metrics};

use super::dates::within;
use super::risk::Features;
use super::view::TicketView;
use switchboard_domain::EventKind;

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

pub(super) fn bins(ms: &[i64]) -> Vec<Bin> {
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
pub(super) struct Facts {
    pub(super) opened: bool,
    pub(super) resolved: bool,
    reopened: usize,
    still_open: bool,
    /// Open at the end of the period: its age then, ms.
    backlog_age: Option<i64>,
    handed: bool,
    deflected: bool,
    /// First response in the period: (wall, business) ms.
    pub(super) first_response: Option<(i64, i64)>,
    /// Resolution in the period: (wall, business) ms.
    resolution: Option<(i64, i64)>,
    /// Decided SLA clocks of a ticket opened in the period: Some(met).
    sla_first_response: Option<bool>,
    sla_resolution: Option<bool>,
    /// A survey sent in the period: (csat, nps).
    pub(super) survey: Option<(Option<u8>, Option<u8>)>,
}

impl Facts {
    pub(super) fn of(t: &TicketView, since: Timestamp, until: Timestamp, cal: &Calendar) -> Facts {
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

    pub(super) fn any(&self) -> bool {
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
pub(super) struct Acc {
    opened: usize,
    resolved: usize,
    reopened: usize,
    still_open: usize,
    backlog: Vec<i64>,
    handed: usize,
    deflected: usize,
    pub(super) fr_wall: Vec<i64>,
    fr_business: Vec<i64>,
    pub(super) res_wall: Vec<i64>,
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
    pub(super) fn add(&mut self, f: &Facts) {
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

    pub(super) fn merge(&mut self, o: Acc) {
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

    pub(super) fn numbers(&self) -> Numbers {
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
