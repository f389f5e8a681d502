//! Calendar dates in UTC, with jiff: the date math the app does outside the report (days
//! back from now, the day and hour of an instant), written once instead of as millisecond
//! arithmetic at each place that needs it.
//!
//! Parts: [`days_before`], [`days_after`], [`utc_date`], [`utc_hour`]. Every function
//! fails only for instants outside jiff's range (years -9999 to 9999), which the store
//! never holds.

use jiff::tz::TimeZone;
use jiff::{Span, Zoned};
use switchboard_domain::Timestamp;

/// The instant as a date and time in UTC.
fn zoned(t: Timestamp) -> Result<Zoned, jiff::Error> {
    Ok(jiff::Timestamp::from_millisecond(t.0)?.to_zoned(TimeZone::UTC))
}

fn timestamp(z: &Zoned) -> Timestamp {
    Timestamp(z.timestamp().as_millisecond())
}

/// `days` calendar days before `t`, at the same time of day (UTC).
pub fn days_before(t: Timestamp, days: i64) -> Result<Timestamp, jiff::Error> {
    Ok(timestamp(
        &zoned(t)?.checked_sub(Span::new().try_days(days)?)?,
    ))
}

/// `days` calendar days after `t`, at the same time of day (UTC).
pub fn days_after(t: Timestamp, days: i64) -> Result<Timestamp, jiff::Error> {
    Ok(timestamp(
        &zoned(t)?.checked_add(Span::new().try_days(days)?)?,
    ))
}

/// The UTC date of `t`, as `2026-01-05`.
pub fn utc_date(t: Timestamp) -> Result<String, jiff::Error> {
    Ok(zoned(t)?.date().to_string())
}

/// The hour of the day of `t` in UTC, `0..24`.
pub fn utc_hour(t: Timestamp) -> Result<i64, jiff::Error> {
    Ok(i64::from(zoned(t)?.hour()))
}

#[cfg(test)]
mod tests {
    use switchboard_domain::Millis;

    use super::*;

    #[test]
    fn days_hours_and_dates_in_utc() {
        let t = Timestamp::from_ymd(2026, 1, 5).plus(Millis::hours(9));
        assert_eq!(utc_date(t).unwrap(), "2026-01-05");
        assert_eq!(utc_hour(t).unwrap(), 9);
        let back = days_before(t, 30).unwrap();
        assert_eq!(back, Timestamp(t.0 - 30 * 86_400_000));
        assert_eq!(utc_date(back).unwrap(), "2025-12-06");
        assert_eq!(utc_date(days_after(t, 1).unwrap()).unwrap(), "2026-01-06");
        assert_eq!(utc_hour(Timestamp(-1)).unwrap(), 23);
    }
}
