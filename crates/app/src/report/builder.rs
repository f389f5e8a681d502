//! The builder: tickets in, one at a time, a [`Report`] out; and the scans that feed it
//! from a store or the running service.
//!
//! Parts: [`Builder`] (takes tickets in any order, so a report over millions of tickets
//! streams the store and can be split among threads with [`Builder::merge`]), the grouping
//! of a ticket ([`By`] keys, its agent), the per-agent, per-customer and per-bucket sums,
//! and [`build`], [`from_source`] and [`from_source_on`]. The numbers' formulas are in
//! [`super::numbers`]; this file only decides which sums a ticket goes to.

use std::collections::{BTreeMap, HashMap};

use anyhow::Result;
use switchboard_domain::{PartyId, Resolution, Ticket, TicketId, Timestamp, metrics};

use super::dates::{DAY, date, monday, within};
use super::numbers::{
    Acc, AgentLine, Charts, CustomerNumbers, Facts, Group, Report, Risk, RuleLine, SAMPLE,
    Unmatched, bins,
};
use super::options::{By, Options};
use super::risk::{ClvConfig, Features};
use super::view::TicketView;
use switchboard_domain::EventKind;

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
pub fn from_source(source: &crate::tickets::Source, o: Options, clv: &ClvConfig) -> Result<Report> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get().min(8));
    from_source_on(source, o, clv, cores)
}

/// [`from_source`] on `threads` threads (at least one).
pub fn from_source_on(
    source: &crate::tickets::Source,
    o: Options,
    clv: &ClvConfig,
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
