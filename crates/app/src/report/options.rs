//! What a report is over and how it is shown: [`Options`], the grouping [`By`] and the
//! output [`Format`].
//!
//! `By` and `Format` are the values of `report --by` and `--format`: clap `ValueEnum`s, so
//! the help lists exactly the values the parser takes. [`Named`] is the clap parser of
//! both: it offers the enum's values to the help and answers an unknown value with the
//! sentence of [`UnknownBy`] or [`UnknownFormat`] (the ones the command line always showed)
//! instead of clap's generic one. This file reads the risk model's coefficients and nothing
//! else of its siblings.

use std::ffi::OsStr;
use std::fmt::Display;
use std::marker::PhantomData;
use std::str::FromStr;

use clap::ValueEnum;
use clap::builder::{PossibleValue, TypedValueParser};
use clap::error::ErrorKind;
use switchboard_desk::calendar::Calendar;
use switchboard_domain::Timestamp;

use super::risk::ChurnRisk;

/// How tickets are grouped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
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

/// A `--by` value that is not a grouping.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`--by {0}` is not a grouping: use category, priority, agent, platform, rule, day or week")]
pub struct UnknownBy(pub String);

impl FromStr for By {
    type Err = UnknownBy;
    fn from_str(s: &str) -> Result<By, UnknownBy> {
        <By as ValueEnum>::from_str(s, false).map_err(|_| UnknownBy(s.to_string()))
    }
}

impl By {
    /// The clap parser of `--by`: [`Named`], so that an unknown value gets the sentence
    /// of [`UnknownBy`]. (clap's derive would otherwise pick its own parser for a
    /// `ValueEnum`, whatever else the type implements.)
    pub fn parser() -> Named<By> {
        Named(PhantomData)
    }
}

/// How a report is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Text for a terminal, 80 columns.
    Table,
    /// The whole report as one JSON object.
    Json,
    /// `group,metric,value` rows.
    Csv,
    /// One self-contained page with charts.
    Html,
}

/// A `--format` value that is not a format.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`--format {0}` is not a format: use table, json, csv or html")]
pub struct UnknownFormat(pub String);

impl FromStr for Format {
    type Err = UnknownFormat;
    fn from_str(s: &str) -> Result<Format, UnknownFormat> {
        <Format as ValueEnum>::from_str(s, false).map_err(|_| UnknownFormat(s.to_string()))
    }
}

impl TryFrom<&str> for Format {
    type Error = UnknownFormat;
    fn try_from(s: &str) -> Result<Format, UnknownFormat> {
        s.parse()
    }
}

impl Format {
    /// The clap parser of `--format`: [`Named`], so that an unknown value gets the sentence
    /// of [`UnknownFormat`]. (clap's derive would otherwise pick its own parser for a
    /// `ValueEnum`, whatever else the type implements.)
    pub fn parser() -> Named<Format> {
        Named(PhantomData)
    }
}

/// The clap parser of a `ValueEnum` whose `FromStr` error says, in our words, what the
/// value should have been: the help lists the enum's values, and an unknown value is a
/// usage error (exit 2) with that sentence.
#[derive(Debug)]
pub struct Named<E>(PhantomData<E>);

impl<E> Clone for Named<E> {
    fn clone(&self) -> Self {
        Named(PhantomData)
    }
}

impl<E> TypedValueParser for Named<E>
where
    E: ValueEnum + FromStr + Clone + Send + Sync + 'static,
    E::Err: Display,
{
    type Value = E;

    fn parse_ref(
        &self,
        _cmd: &clap::Command,
        _arg: Option<&clap::Arg>,
        value: &OsStr,
    ) -> Result<E, clap::Error> {
        let value = value.to_string_lossy();
        value
            .parse::<E>()
            .map_err(|e| clap::Error::raw(ErrorKind::InvalidValue, format!("{e}\n")))
    }

    fn possible_values(&self) -> Option<Box<dyn Iterator<Item = PossibleValue> + '_>> {
        Some(Box::new(
            E::value_variants()
                .iter()
                .filter_map(ValueEnum::to_possible_value),
        ))
    }
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
