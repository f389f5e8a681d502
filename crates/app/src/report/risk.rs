//! Customers in reports: churn-risk scores from a logistic model and customer lifetime value
//! from imported attributes, with their `[report]` settings.
//!
//! Parts: [`ReportConfig`] (`[report.churn_risk]` coefficients, `[report.clv]`), [`Features`]
//! (what the model reads about one customer, gathered ticket by ticket), [`ChurnRisk::score`]
//! and [`ClvConfig::value`], and [`ConfigError`], what is wrong with the settings. The
//! model reads tickets through [`super::view`] only; the report's numbers and builder read
//! the model, never the other way around.

use serde::{Deserialize, Serialize};
use switchboard_domain::{Customer, Timestamp, metrics};

use super::view::TicketView;
use switchboard_domain::EventKind;

/// What is wrong with `[report]` settings; the sentences are the ones `switchboard check`
/// shows.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// A churn-risk coefficient is not a finite number.
    #[error("[report.churn_risk] {0} must be a number")]
    NotANumber(&'static str),
    /// The CLV discount rate is not a number above -1.
    #[error("[report.clv] discount_rate must be a number above -1 (0.1 = 10 %)")]
    DiscountRate,
    /// The CLV horizon is not 1 to 1000 periods.
    #[error("[report.clv] periods must be between 1 and 1000")]
    Periods,
}

/// `[report]`: settings of `switchboard report` and `customers at-risk`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ReportConfig {
    /// `[report.churn_risk]`: the logistic model's coefficients.
    pub churn_risk: ChurnRisk,
    /// `[report.clv]`: customer lifetime value.
    pub clv: ClvConfig,
}

/// The coefficients of the churn-risk model
/// P = 1 / (1 + e^−(b0 + b1·tickets + b2·reopens + b3·last_csat + b4·negative + b5·sla_breaches)).
///
/// The defaults are a starting point, not a fit: a customer with one calm ticket scores
/// about 6 %, one with four tickets, a reopen, a last CSAT of 1, three negative messages and
/// two breaches about 89 %. Fit them to your own churn (a logistic regression over the
/// features in `report --format json`) when you have the data.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ChurnRisk {
    /// b0.
    pub intercept: f64,
    /// Per ticket opened (ever, up to the end of the period).
    pub tickets: f64,
    /// Per reopening.
    pub reopens: f64,
    /// Per point of the last CSAT answer above 3 (1 → −2, 5 → +2; no answer → 0).
    pub last_csat: f64,
    /// Per customer message with negative sentiment.
    pub negative: f64,
    /// Per SLA breach on their tickets.
    pub sla_breaches: f64,
}

impl Default for ChurnRisk {
    fn default() -> Self {
        ChurnRisk {
            intercept: -3.0,
            tickets: 0.2,
            reopens: 0.5,
            last_csat: -0.6,
            negative: 0.4,
            sla_breaches: 0.7,
        }
    }
}

impl ChurnRisk {
    /// P(churn) of a customer, 0 to 1.
    pub fn score(&self, f: &Features) -> f64 {
        let last = f.last_csat.map_or(0.0, |s| f64::from(s) - 3.0);
        metrics::logistic(
            &[
                self.intercept,
                self.tickets,
                self.reopens,
                self.last_csat,
                self.negative,
                self.sla_breaches,
            ],
            &[
                f64::from(f.tickets),
                f64::from(f.reopens),
                last,
                f64::from(f.negative),
                f64::from(f.sla_breaches),
            ],
        )
    }

    /// Every coefficient is a finite number.
    pub fn check(&self) -> Result<(), ConfigError> {
        let all = [
            ("intercept", self.intercept),
            ("tickets", self.tickets),
            ("reopens", self.reopens),
            ("last_csat", self.last_csat),
            ("negative", self.negative),
            ("sla_breaches", self.sla_breaches),
        ];
        match all.iter().find(|(_, v)| !v.is_finite()) {
            Some(&(name, _)) => Err(ConfigError::NotANumber(name)),
            None => Ok(()),
        }
    }
}

/// `[report.clv]`: CLV = Σ_{t=1..periods} (retention_t · sales_t) / (1 + d)^t, with
/// sales_t = average order value × purchase frequency (per period) and retention_t =
/// retention^t (the chance the customer is still buying in period t), from the columns of
/// `switchboard customers import`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ClvConfig {
    /// d, per period (0.1 = 10 %).
    pub discount_rate: f64,
    /// How many periods ahead (the period is whatever the imported frequency is per).
    pub periods: u32,
    /// The imported column with the average order value.
    pub order_value: String,
    /// The imported column with the purchases per period.
    pub frequency: String,
    /// The imported column with the retention rate per period (0 to 1, or a percentage).
    pub retention: String,
}

impl Default for ClvConfig {
    fn default() -> Self {
        ClvConfig {
            discount_rate: 0.1,
            periods: 5,
            order_value: "average_order_value".into(),
            frequency: "purchase_frequency".into(),
            retention: "retention".into(),
        }
    }
}

impl ClvConfig {
    /// The customer's CLV, when their record has all three attributes as numbers.
    pub fn value(&self, c: &Customer) -> Option<f64> {
        let num = |col: &str| {
            c.attributes
                .get(col)
                .and_then(|v| v.trim().trim_end_matches('%').trim().parse::<f64>().ok())
                .filter(|v| v.is_finite() && *v >= 0.0)
        };
        let (aov, freq, mut r) = (
            num(&self.order_value)?,
            num(&self.frequency)?,
            num(&self.retention)?,
        );
        // "80%" and "80" are percentages; "0.8" is a share.
        let percent = c
            .attributes
            .get(&self.retention)
            .is_some_and(|v| v.trim().ends_with('%'));
        if percent || r > 1.0 {
            r /= 100.0;
        }
        if r > 1.0 {
            return None;
        }
        let n = self.periods as usize;
        let retention: Vec<f64> = (1..=n).map(|t| r.powi(t as i32)).collect();
        let sales = vec![aov * freq; n];
        Some(metrics::clv(&retention, &sales, self.discount_rate))
    }

    /// The settings make sense.
    pub fn check(&self) -> Result<(), ConfigError> {
        if !(self.discount_rate.is_finite() && self.discount_rate > -1.0) {
            return Err(ConfigError::DiscountRate);
        }
        if self.periods == 0 || self.periods > 1000 {
            return Err(ConfigError::Periods);
        }
        Ok(())
    }
}

/// What the churn-risk model reads about one customer, over their tickets opened before
/// the end of the period.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Features {
    /// Tickets opened.
    pub tickets: u32,
    /// Reopenings.
    pub reopens: u32,
    /// The last CSAT answer (by when its survey was sent).
    pub last_csat: Option<u8>,
    /// Customer messages with negative sentiment.
    pub negative: u32,
    /// SLA clocks breached.
    pub sla_breaches: u32,
    /// When the last CSAT's survey was sent (to keep the last one).
    #[serde(skip)]
    last_csat_at: Option<Timestamp>,
}

impl Features {
    /// Adds one of the customer's tickets, as it was at `until` as far as the ticket
    /// tells: reopenings and the survey answer before it count; negative messages and SLA
    /// breaches carry no times, so they count as they are now.
    pub fn add(&mut self, t: &TicketView, until: Timestamp) {
        self.tickets += 1;
        self.reopens += u32::try_from(
            t.events
                .iter()
                .filter(|e| e.kind == EventKind::Reopened && e.at.0 < until.0)
                .count(),
        )
        .unwrap_or(u32::MAX);
        self.negative += t.negative;
        self.sla_breaches += t
            .sla
            .as_ref()
            .map_or(0, |s| u32::try_from(s.breached.len()).unwrap_or(u32::MAX));
        if let Some(s) = &t.survey
            && let Some(csat) = s.csat
            && s.sent_at.0 < until.0
            && self.last_csat_at.is_none_or(|at| s.sent_at >= at)
        {
            self.last_csat = Some(csat);
            self.last_csat_at = Some(s.sent_at);
        }
    }

    /// Both customers' tickets (for scans split among threads).
    pub fn merge(&mut self, o: Features) {
        self.tickets += o.tickets;
        self.reopens += o.reopens;
        self.negative += o.negative;
        self.sla_breaches += o.sla_breaches;
        if let Some(at) = o.last_csat_at
            && self.last_csat_at.is_none_or(|mine| at >= mine)
        {
            self.last_csat = o.last_csat;
            self.last_csat_at = Some(at);
        }
    }
}

#[cfg(test)]
mod tests;
