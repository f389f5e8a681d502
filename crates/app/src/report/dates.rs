//! The report's period and its calendar: `--since` and `--until` as people write them, and
//! the day and week a time falls in (UTC).
//!
//! Parts: [`parse_when`] (a duration back from now, or a calendar date), [`period`] (both
//! ends, in order), [`DateError`] (what is wrong, in the sentences the command line shows),
//! and for the builder [`DAY`], [`within`], [`date`] and [`monday`]. Durations are the
//! domain's [`Millis`] format (`30d`, `12h`, `1h30m`), the same as the config's; whether a
//! date exists (2024-02-29 does, 2026-02-31 does not) is jiff's calendar, not ours. This
//! file imports nothing from its siblings.

use jiff::civil::Date;
use switchboard_domain::{Millis, Timestamp};

/// One day, in milliseconds.
pub const DAY: i64 = 86_400_000;

/// What is wrong with `--since` or `--until`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DateError {
    /// Neither a duration nor a date of the calendar (the text as given).
    #[error(
        "`{0}` is not a time: use a duration back from now like 30d, or a date like 2026-11-01"
    )]
    NotATime(String),
    /// The start is not before the end (both RFC 3339).
    #[error("--since {since} is not before --until {until}: give a start before the end")]
    NotBefore {
        /// The start.
        since: String,
        /// The end.
        until: String,
    },
}

/// `s` as a time: a duration back from `now` (`30d`), or a date `YYYY-MM-DD` (midnight UTC,
/// years 1970 to 9999) that the calendar has.
pub fn parse_when(s: &str, now: Timestamp) -> Result<Timestamp, DateError> {
    if let Ok(d) = s.parse::<Millis>() {
        return Ok(Timestamp(now.0 - d.0));
    }
    calendar_date(s).ok_or_else(|| DateError::NotATime(s.to_string()))
}

/// The period `[since, until)` from `--since` and `--until` (`None`: now): each end parsed
/// by [`parse_when`], the start before the end.
pub fn period(
    since: &str,
    until: Option<&str>,
    now: Timestamp,
) -> Result<(Timestamp, Timestamp), DateError> {
    let since = parse_when(since, now)?;
    let until = until
        .map(|u| parse_when(u, now))
        .transpose()?
        .unwrap_or(now);
    if since.0 >= until.0 {
        return Err(DateError::NotBefore {
            since: since.to_rfc3339(),
            until: until.to_rfc3339(),
        });
    }
    Ok((since, until))
}

/// Midnight UTC of the date `year-month-day`, when the calendar has that day. The three
/// numbers are read as they always were (`2026-1-5` is the 5th of January, `+2026` is
/// 2026); jiff decides whether the day exists and how many days it is from 1970-01-01.
fn calendar_date(s: &str) -> Option<Timestamp> {
    let parts: Vec<&str> = s.split('-').collect();
    let [y, m, d] = parts.as_slice() else {
        return None;
    };
    let y = y
        .parse::<i64>()
        .ok()
        .filter(|y| (1970..=9999).contains(y))?;
    let (m, d) = (m.parse::<u32>().ok()?, d.parse::<u32>().ok()?);
    let date = Date::new(
        i16::try_from(y).ok()?,
        i8::try_from(m).ok()?,
        i8::try_from(d).ok()?,
    )
    .ok()?;
    // Days since the epoch (not `to_zoned`: jiff's timestamps end on 9999-12-30, a day
    // before the last date accepted here).
    let ms = date.duration_since(EPOCH).as_millis();
    Some(Timestamp(i64::try_from(ms).ok()?))
}

/// 1970-01-01, where [`Timestamp`] counts from.
const EPOCH: Date = Date::constant(1970, 1, 1);

/// `t` is in `[since, until)`.
pub fn within(t: Timestamp, since: Timestamp, until: Timestamp) -> bool {
    t.0 >= since.0 && t.0 < until.0
}

/// The day of `t` (UTC), `YYYY-MM-DD`.
pub fn date(t: Timestamp) -> String {
    t.to_rfc3339().chars().take(10).collect()
}

/// The Monday 00:00 UTC of `t`'s week.
pub fn monday(t: Timestamp) -> Timestamp {
    let days = t.0.div_euclid(DAY);
    // 1970-01-01 was a Thursday: Monday is 3 days before it in the week.
    Timestamp((days - (days + 3).rem_euclid(7)) * DAY)
}
