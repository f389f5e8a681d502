//! `switchboard report`: the numbers a support desk is run by, from the tickets in a store,
//! over a period, overall and grouped, as a table, JSON, CSV or an HTML page with charts.
//!
//! Parts, each file importing only the ones above it:
//! - [`view`]: the parts of a ticket a report reads ([`TicketView`]), decoded straight from
//!   the store.
//! - [`dates`]: `--since` and `--until` ([`period`], [`parse_when`]), days and weeks.
//! - [`risk`]: the churn-risk model and lifetime value, with their `[report]` settings.
//! - [`options`]: what a report is over ([`Options`]), the grouping [`By`] and the output
//!   [`Format`] (the clap values of `--by` and `--format`).
//! - [`numbers`]: what a report holds ([`Report`]) and the formulas below.
//! - [`builder`]: [`Builder`] (takes tickets one at a time, so a report over millions of
//!   tickets streams the store and can be split among threads with [`Builder::merge`]) and
//!   the scans of a store or the running service ([`from_source`]).
//! - [`text`]: numbers and text for people, shared by the table and the page.
//! - one module per format: [`table`], [`json`], [`csv`], [`html`]; [`write()`] picks one.
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
//!   period × 100; churn risk from [`risk`].
//!
//! A metric without data is `null` in JSON and CSV and "no data" in the table.

use std::io::Write;

use anyhow::Result;

pub mod builder;
pub mod csv;
pub mod dates;
pub mod html;
pub mod json;
pub mod numbers;
pub mod options;
pub mod risk;
pub mod table;
pub mod text;
pub mod view;

#[cfg(test)]
pub(crate) mod fixtures;
#[cfg(test)]
mod tests;

pub use builder::{Builder, build, from_source, from_source_on};
pub use dates::{DateError, parse_when, period};
pub use numbers::{
    AgentLine, Attainment, Bin, Charts, CustomerNumbers, Group, Numbers, Report, Risk, RuleLine,
    SAMPLE, Spread, Unmatched, flat,
};
pub use options::{By, Format, Options, UnknownBy, UnknownFormat};
pub use table::write_at_risk;
pub use text::show;
pub use view::{EventView, SlaView, SurveyView, TicketView};

/// Writes the report in `format`: a [`Format`], or its name (`table`, `json`, `csv` or
/// `html`; another name is an error saying which are).
pub fn write<F>(r: &Report, format: F, out: &mut dyn Write) -> Result<()>
where
    F: TryInto<Format>,
    anyhow::Error: From<F::Error>,
{
    match format.try_into()? {
        Format::Table => table::write(r, out),
        Format::Json => json::write(r, out),
        Format::Csv => self::csv::write(r, out),
        Format::Html => html::write(r, out),
    }
}
