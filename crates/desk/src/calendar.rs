//! Business hours for SLA clocks: "due in 4 hours of business time" as a real instant.
//!
//! A first-response target counts only the time the desk is open, so a ticket that arrives
//! on Friday evening is not late on Saturday morning. This module turns the `[desk.hours]`
//! settings into a [`Calendar`] and answers the four questions an SLA check asks, without
//! reading a clock or the system's time zone files:
//!
//! - [`HoursConfig`]: the settings as written (time zone, opening ranges per weekday,
//!   holidays), every field defaulted so that a desk without `[desk.hours]` counts wall time.
//! - [`Calendar::new`]: validation into a [`Calendar`], with one [`CalendarError`] variant per
//!   kind of mistake, each saying which field to fix and how.
//! - [`Calendar::is_open`], [`Calendar::next_open`], [`Calendar::add`] (start + business
//!   time = due) and [`Calendar::between`] (business time elapsed): the SLA arithmetic.
//! - [`Calendar::describe`] and [`Due`]: a due time in words people read easily ("tomorrow
//!   morning"), as data; the desk turns each variant into a sentence from `prompts/`.
//!
//! # What "open" means, precisely (and why daylight saving needs no special case)
//!
//! An instant is open when its *local wall-clock time* in the calendar's zone (local date
//! and time of day) falls in one of that weekday's ranges and the local date is not a
//! holiday. Hours are wall-clock times, so a 09:00-17:00 day is 8 hours of open time on a
//! daylight-saving switch day too. Local times that do not exist or exist twice are handled
//! by that definition, deterministically, with no "earlier/later" choice to make:
//!
//! - spring forward (Berlin 02:00 -> 03:00): wall times in the gap never occur, so a range
//!   `02:30-04:00` is open from 03:00 (the first instant whose wall time is in the range);
//!   an all-day range that day is 23 hours long;
//! - fall back (Berlin 03:00 -> 02:00): wall times in the fold occur twice and are open both
//!   times, so `02:30-04:00` is open 02:30-03:00 (summer time), then 02:30-04:00 (winter
//!   time); an all-day range that day is 25 hours long.
//!
//! Business time is real elapsed open time (a 24/7 calendar adds 24 real hours for `24h`).
//!
//! # How it stays fast
//!
//! `add` and `between` run for every ticket on every SLA check, so they never step through
//! minutes, nor even days. Local wall time is a piecewise translation of the instant (UTC
//! plus an offset that changes only at time zone transitions). Within one stretch of
//! constant offset, open time between two instants is a difference of a closed-form
//! cumulative function of wall time, `cum`: whole weeks times the open time per week, plus
//! the weekdays and ranges before the moment, minus the holidays before it (prefix sums over
//! the sorted holidays, found by binary search). So `between` costs one step per time zone
//! transition in the span (two a year in Europe, none in UTC), and `add` inverts `cum` by a
//! galloping binary search over days (about 40 steps even for durations of millions of
//! years), jumping over any number of whole weeks and holidays at once. Holidays are exact,
//! not approximated. Arithmetic is in `i128` and results saturate at the ends of
//! [`Timestamp`]; instants outside the range the time zone library knows (years -9999 to
//! 9999) use the offset at that edge.
//!
//! The time zone database is the one bundled into the binary (jiff's
//! `tzdb-bundle-always`), never `/usr/share/zoneinfo`: the same config gives the same due
//! times on every machine and in every test. The price is that new time zone rules arrive
//! with a new build.

use std::collections::BTreeMap;

use jiff::tz::{TimeZone, TimeZoneDatabase};
use serde::Deserialize;
use switchboard_domain::{Millis, Timestamp};

/// One minute, in milliseconds.
const MINUTE: i128 = 60_000;
/// One hour, in milliseconds.
const HOUR: i128 = 60 * MINUTE;
/// One civil day (24 hours of wall time), in milliseconds.
const DAY: i128 = 24 * HOUR;
/// The `week` keys, Monday first (the index is the weekday number used throughout).
const DAY_KEYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
/// The whole day, `00:00-24:00`, the default for every weekday.
const ALL_DAY: &str = "00:00-24:00";

/// `[desk.hours]` in the config file: when the desk counts SLA time.
///
/// Every field is defaulted, and the default is "always open in UTC", so a desk that does
/// not configure hours measures its targets in wall time, as it did before hours existed.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HoursConfig {
    /// IANA time zone the hours and holidays are written in, e.g. "Europe/Berlin". Default
    /// "UTC".
    pub timezone: String,
    /// Opening hours per weekday: keys `mon` … `sun`; a value is a list of ranges like
    /// "09:00-12:30" (end exclusive; "00:00-24:00" for the whole day; ranges may not
    /// overlap, and may not cross midnight: write such hours as two ranges on two days). A
    /// day absent from the map is closed. Default: all seven days "00:00-24:00".
    pub week: BTreeMap<String, Vec<String>>,
    /// Closed dates, "YYYY-MM-DD", as local dates in `timezone` (the whole local day is
    /// closed).
    pub holidays: Vec<String>,
}

impl Default for HoursConfig {
    fn default() -> Self {
        HoursConfig {
            timezone: "UTC".into(),
            week: DAY_KEYS
                .iter()
                .map(|d| ((*d).to_string(), vec![ALL_DAY.to_string()]))
                .collect(),
            holidays: Vec::new(),
        }
    }
}

/// Why `[desk.hours]` was refused; each message names the field and says what to write.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    /// `timezone` is not in the time zone database.
    #[error("desk.hours.timezone: unknown time zone `{name}`; use an IANA name like Europe/Berlin")]
    UnknownTimeZone {
        /// The name as written.
        name: String,
    },
    /// A `week` key is not a weekday key.
    #[error("desk.hours.week: unknown day `{key}`; use mon, tue, wed, thu, fri, sat or sun")]
    UnknownDay {
        /// The key as written.
        key: String,
    },
    /// A range is not `HH:MM-HH:MM` with valid times.
    #[error("desk.hours.week.{day}: `{range}` is not a range like 09:00-17:00")]
    BadRange {
        /// The weekday key.
        day: String,
        /// The range as written.
        range: String,
    },
    /// A range starts and ends at the same time.
    #[error("desk.hours.week.{day}: `{range}` is empty; make it end after it starts, or remove it")]
    EmptyRange {
        /// The weekday key.
        day: String,
        /// The range as written.
        range: String,
    },
    /// A range ends before it starts, i.e. it was meant to run past midnight.
    #[error(
        "desk.hours.week.{day}: `{range}` crosses midnight; end it at 24:00 and write the rest \
         as a range from 00:00 on the next day"
    )]
    CrossesMidnight {
        /// The weekday key.
        day: String,
        /// The range as written.
        range: String,
    },
    /// Two ranges of one day overlap.
    #[error("desk.hours.week.{day}: `{first}` and `{second}` overlap; merge them into one range")]
    Overlap {
        /// The weekday key.
        day: String,
        /// The range that starts first, as written.
        first: String,
        /// The other range, as written.
        second: String,
    },
    /// A holiday is not a valid `YYYY-MM-DD` date.
    #[error("desk.hours.holidays: `{value}` is not a date like 2026-12-25")]
    BadHoliday {
        /// The holiday as written.
        value: String,
    },
    /// No weekday has any opening hours, so no due time could ever be reached.
    #[error(
        "desk.hours: no opening hours at all; open at least one day, or remove [desk.hours] to \
         count wall time"
    )]
    NoOpenHours,
}

/// A validated calendar: the time zone, the weekly opening ranges and the holidays, in the
/// shapes the SLA arithmetic needs (see the module documentation for the definitions).
#[derive(Debug, Clone)]
pub struct Calendar {
    tz: TimeZone,
    /// Per weekday (Monday first): sorted, disjoint, non-touching open ranges, as
    /// milliseconds since local midnight, end exclusive.
    week: [Vec<(i128, i128)>; 7],
    /// `prefix[w]`: open time on weekdays before `w` (Monday = 0); `prefix[7]`: per week.
    /// Invariant (checked by `new`): `prefix[7] > 0`.
    prefix: [i128; 8],
    /// Holidays on weekdays with opening hours, as local day numbers (days since
    /// 1970-01-01), ascending, without duplicates.
    holidays: Vec<i128>,
    /// `holiday_cum[i]`: the open time lost to `holidays[..i]` (length `holidays.len() + 1`).
    holiday_cum: Vec<i128>,
}

/// A due time in words people read easily, for "An agent will answer {eta}". The desk maps
/// each variant to a sentence in `prompts/`, so there is no English here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Due {
    /// Due within this long (wall time), rounded up to a friendly step: up to an hour, to 5
    /// minutes (at least 5); above, to whole hours. Used when the due time is less than 12
    /// hours away and on the same local day as now, or less than 3 hours away on any day.
    Within(Millis),
    /// Later today (local), in this part of the day.
    LaterToday(DayPart),
    /// Tomorrow (local), in this part of the day.
    Tomorrow(DayPart),
    /// On this weekday, 2 to 6 local days from today.
    OnDay(Weekday, DayPart),
    /// Further away (7 or more local days): this local date.
    OnDate {
        /// Month, 1-12.
        month: u8,
        /// Day of the month, 1-31.
        day: u8,
        /// Part of that day.
        part: DayPart,
    },
}

/// A part of the local day, so a due time reads "tomorrow morning", not "tomorrow 09:42".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DayPart {
    /// Before 12:00.
    Morning,
    /// 12:00 to 17:59.
    Afternoon,
    /// 18:00 and later.
    Evening,
}

impl DayPart {
    /// A stable lowercase key ("morning", "afternoon", "evening"), for prompt keys and logs.
    pub fn as_str(self) -> &'static str {
        match self {
            DayPart::Morning => "morning",
            DayPart::Afternoon => "afternoon",
            DayPart::Evening => "evening",
        }
    }

    /// The part of the day of a time of day given in milliseconds since local midnight.
    fn of(time_of_day: i128) -> DayPart {
        if time_of_day < 12 * HOUR {
            DayPart::Morning
        } else if time_of_day < 18 * HOUR {
            DayPart::Afternoon
        } else {
            DayPart::Evening
        }
    }
}

/// A day of the week, for [`Due::OnDay`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Weekday {
    /// Monday.
    Monday,
    /// Tuesday.
    Tuesday,
    /// Wednesday.
    Wednesday,
    /// Thursday.
    Thursday,
    /// Friday.
    Friday,
    /// Saturday.
    Saturday,
    /// Sunday.
    Sunday,
}

impl Weekday {
    /// Monday first, the order of the weekday numbers used in this module.
    const ALL: [Weekday; 7] = [
        Weekday::Monday,
        Weekday::Tuesday,
        Weekday::Wednesday,
        Weekday::Thursday,
        Weekday::Friday,
        Weekday::Saturday,
        Weekday::Sunday,
    ];

    /// A stable lowercase key ("monday" … "sunday"), for prompt keys and logs.
    pub fn as_str(self) -> &'static str {
        match self {
            Weekday::Monday => "monday",
            Weekday::Tuesday => "tuesday",
            Weekday::Wednesday => "wednesday",
            Weekday::Thursday => "thursday",
            Weekday::Friday => "friday",
            Weekday::Saturday => "saturday",
            Weekday::Sunday => "sunday",
        }
    }
}

impl Calendar {
    /// Validates `[desk.hours]`. Checks, in this order: the time zone, each day's key and
    /// ranges (days in key order), the holidays, and that some weekday is open at all (which
    /// is what lets [`Calendar::add`] always find an answer).
    pub fn new(cfg: &HoursConfig) -> Result<Calendar, CalendarError> {
        let unknown = || CalendarError::UnknownTimeZone {
            name: cfg.timezone.clone(),
        };
        let tz = bundled_tzdb()
            .get(cfg.timezone.trim())
            .map_err(|_| unknown())?;
        // jiff answers the sentinel "Etc/Unknown" with a UTC stand-in; it names no place.
        if tz.is_unknown() {
            return Err(unknown());
        }
        let mut week: [Vec<(i128, i128)>; 7] = Default::default();
        for (key, ranges) in &cfg.week {
            let w = DAY_KEYS
                .iter()
                .position(|d| d == key)
                .ok_or_else(|| CalendarError::UnknownDay { key: key.clone() })?;
            week[w] = parse_day(key, ranges)?;
        }
        let mut holidays = Vec::with_capacity(cfg.holidays.len());
        for h in &cfg.holidays {
            let day =
                parse_date(h).ok_or_else(|| CalendarError::BadHoliday { value: h.clone() })?;
            holidays.push(day);
        }
        Calendar::build(tz, week, holidays)
    }

    /// 24/7 in UTC: business time equals wall time (what a desk without `[desk.hours]` uses).
    pub fn always() -> Calendar {
        let week: [Vec<(i128, i128)>; 7] = std::array::from_fn(|_| vec![(0, DAY)]);
        let prefix = std::array::from_fn(|w| DAY * w as i128);
        Calendar {
            tz: TimeZone::UTC,
            week,
            prefix,
            holidays: Vec::new(),
            holiday_cum: vec![0],
        }
    }

    /// Assembles the lookup tables; refuses a week without opening hours.
    fn build(
        tz: TimeZone,
        week: [Vec<(i128, i128)>; 7],
        mut holidays: Vec<i128>,
    ) -> Result<Calendar, CalendarError> {
        let day_open: [i128; 7] = std::array::from_fn(|w| week[w].iter().map(|(s, e)| e - s).sum());
        let mut prefix = [0; 8];
        for w in 0..7 {
            prefix[w + 1] = prefix[w] + day_open[w];
        }
        if prefix[7] == 0 {
            return Err(CalendarError::NoOpenHours);
        }
        holidays.retain(|d| day_open[weekday_index(*d)] > 0);
        holidays.sort_unstable();
        holidays.dedup();
        let mut holiday_cum = Vec::with_capacity(holidays.len() + 1);
        let mut lost = 0;
        holiday_cum.push(lost);
        for d in &holidays {
            lost += day_open[weekday_index(*d)];
            holiday_cum.push(lost);
        }
        Ok(Calendar {
            tz,
            week,
            prefix,
            holidays,
            holiday_cum,
        })
    }

    /// Whether the desk is open at `at`: its local time is within a range of its weekday and
    /// its local date is not a holiday.
    pub fn is_open(&self, at: Timestamp) -> bool {
        let t = i128::from(at.0);
        let wall = t + self.offset(t);
        let (day, tod) = (wall.div_euclid(DAY), wall.rem_euclid(DAY));
        !self.is_holiday(day)
            && self.week[weekday_index(day)]
                .iter()
                .any(|(s, e)| *s <= tod && tod < *e)
    }

    /// The instant when `business` of open time has elapsed, counting from `start` (from the
    /// next opening if `start` is closed): the earliest `due` with
    /// `between(start, due) == business`. So the last counted millisecond is the one just
    /// before `due`, which is open; `due` itself is open, or exactly a closing edge (due
    /// 17:00 when the desk closes at 17:00, not 09:00 the next morning). `business <= 0`
    /// gives [`Calendar::next_open`]`(start)`. Saturates at the end of [`Timestamp`].
    pub fn add(&self, start: Timestamp, business: Millis) -> Timestamp {
        if business.0 <= 0 {
            return self.next_open(start);
        }
        Timestamp(saturate(
            self.add_wide(i128::from(start.0), i128::from(business.0)),
        ))
    }

    /// Open time within `[from, to)`: how much of an SLA target has been used up. Zero if
    /// `to <= from`.
    pub fn between(&self, from: Timestamp, to: Timestamp) -> Millis {
        let (mut t, end) = (i128::from(from.0), i128::from(to.0));
        let mut open = 0;
        // One step per stretch of constant UTC offset.
        while t < end {
            let offset = self.offset(t);
            let stop = self.next_transition(t).map_or(end, |n| n.min(end));
            open += self.cum(stop + offset) - self.cum(t + offset);
            t = stop;
        }
        Millis(saturate(open))
    }

    /// The first moment at or after `at` when the desk is open (`at` itself if open), e.g.
    /// to say when counting starts for a ticket that arrives at night.
    pub fn next_open(&self, at: Timestamp) -> Timestamp {
        let t = i128::from(at.0);
        // `add_wide(t, 1)` is the end of the first open millisecond at or after `t`.
        Timestamp(saturate((self.add_wide(t, 1) - 1).max(t)))
    }

    /// How a person should read `due` when it is `now`, in the calendar's time zone (see
    /// [`Due`]). A due time at or before `now` reads as the shortest [`Due::Within`]: the
    /// answer is expected any moment.
    pub fn describe(&self, now: Timestamp, due: Timestamp) -> Due {
        let (n, d) = (i128::from(now.0), i128::from(due.0));
        let left = (d - n).max(0);
        let (now_wall, due_wall) = (n + self.offset(n), d + self.offset(d));
        let (today, due_day) = (now_wall.div_euclid(DAY), due_wall.div_euclid(DAY));
        if left < 3 * HOUR || (left < 12 * HOUR && due_day == today) {
            return Due::Within(Millis(saturate(friendly(left))));
        }
        let part = DayPart::of(due_wall.rem_euclid(DAY));
        match due_day - today {
            // Below zero only when a zone turns its clocks back across midnight.
            ..=0 => Due::LaterToday(part),
            1 => Due::Tomorrow(part),
            2..=6 => Due::OnDay(Weekday::ALL[weekday_index(due_day)], part),
            _ => {
                let (_, month, day) = civil_from_days(due_day);
                Due::OnDate { month, day, part }
            }
        }
    }

    /// `add` without saturation: the earliest instant `r` with `between(start, r) == d`,
    /// for `d >= 1`. Steps once per time zone transition passed.
    fn add_wide(&self, start: i128, d: i128) -> i128 {
        let (mut t, mut rest) = (start, d);
        loop {
            let offset = self.offset(t);
            let base = self.cum(t + offset);
            if let Some(next) = self.next_transition(t) {
                let here = self.cum(next + offset) - base;
                if rest > here {
                    rest -= here;
                    t = next;
                    continue;
                }
            }
            // `rest` is reached before the next transition (or there is none): invert `cum`
            // within this stretch of constant offset.
            return self.cum_inverse(t + offset, base + rest) - offset;
        }
    }

    /// The UTC offset at instant `t` (ms), in milliseconds.
    fn offset(&self, t: i128) -> i128 {
        i128::from(self.tz.to_offset(jiff_timestamp(t)).seconds()) * 1000
    }

    /// The first time zone transition strictly after `t` (ms), if any. The offset is
    /// constant from `t` up to it.
    fn next_transition(&self, t: i128) -> Option<i128> {
        self.tz
            .following(jiff_timestamp(t))
            .next()
            .map(|tr| i128::from(tr.timestamp().as_millisecond()))
            // Always true (jiff promises "strictly after", and clamping `t` into jiff's range
            // only moves it down when it is above every transition); kept as a guard
            // against looping on the same instant.
            .filter(|n| *n > t)
    }

    /// Whether local day number `day` is a holiday on an open weekday.
    fn is_holiday(&self, day: i128) -> bool {
        self.holidays.binary_search(&day).is_ok()
    }

    /// Cumulative open time up to wall time `wall` (ms since 1970-01-01T00:00 local), from
    /// a fixed origin: `cum(b) - cum(a)` is the open wall time in `[a, b)`. Closed form:
    /// whole weeks, the weekdays before, the ranges before the time of day, minus holidays.
    fn cum(&self, wall: i128) -> i128 {
        let (day, tod) = (wall.div_euclid(DAY), wall.rem_euclid(DAY));
        // Days since Monday 1969-12-29 (1970-01-01 was a Thursday).
        let since_monday = day + 3;
        let (weeks, w) = (since_monday.div_euclid(7), since_monday.rem_euclid(7));
        // `w` is in 0..7, so the index is in bounds.
        let w = w as usize;
        let mut open = weeks * self.prefix[7] + self.prefix[w];
        open -= self.holiday_cum[self.holidays.partition_point(|h| *h < day)];
        if !self.is_holiday(day) {
            open += self.week[w]
                .iter()
                .map(|(s, e)| (tod - s).clamp(0, e - s))
                .sum::<i128>();
        }
        open
    }

    /// The least wall time `x > from` with `cum(x) >= target`, for `target > cum(from)`.
    /// Gallops then bisects over days (so whole weeks and holidays are jumped, never
    /// stepped), then walks the ranges of the one day.
    fn cum_inverse(&self, from: i128, target: i128) -> i128 {
        if target <= self.cum(from) {
            // Not reached by the callers (they ask for at least 1ms more); answering `from`
            // keeps the result from going back in time if one ever does.
            return from;
        }
        // Invariant: cum(lo * DAY) < target <= cum(hi * DAY). It holds for `lo` because
        // cum(lo * DAY) <= cum(from) < target; `hi` is found by doubling, which ends because
        // every week adds `prefix[7] > 0` and only finitely many holidays take time away.
        let mut lo = from.div_euclid(DAY);
        let mut step = 1;
        let mut hi = lo + 1;
        while self.cum(hi * DAY) < target {
            lo = hi;
            step *= 2;
            hi = lo + step;
        }
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            if self.cum(mid * DAY) < target {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        // Day `lo` holds the target, so it is no holiday and its ranges hold `need`.
        let mut need = target - self.cum(lo * DAY);
        for (s, e) in &self.week[weekday_index(lo)] {
            if need <= e - s {
                return lo * DAY + s + need;
            }
            need -= e - s;
        }
        // Unreachable by the invariant above; the end of the day is the safe answer.
        hi * DAY
    }
}

/// The bundled time zone database, loaded once: the same zones on every machine.
fn bundled_tzdb() -> &'static TimeZoneDatabase {
    static DB: std::sync::OnceLock<TimeZoneDatabase> = std::sync::OnceLock::new();
    DB.get_or_init(TimeZoneDatabase::bundled)
}

/// `t` (ms) as a jiff timestamp, clamped into the years jiff represents (-9999 to 9999).
fn jiff_timestamp(t: i128) -> jiff::Timestamp {
    let (min, max) = (jiff::Timestamp::MIN, jiff::Timestamp::MAX);
    let ms = t.clamp(
        i128::from(min.as_millisecond()),
        i128::from(max.as_millisecond()),
    );
    i64::try_from(ms)
        .ok()
        .and_then(|ms| jiff::Timestamp::from_millisecond(ms).ok())
        .unwrap_or(if ms < 0 { min } else { max })
}

/// `v` clamped into `i64`.
fn saturate(v: i128) -> i64 {
    i64::try_from(v).unwrap_or(if v < 0 { i64::MIN } else { i64::MAX })
}

/// The weekday number (Monday = 0) of day number `day` (days since 1970-01-01, a Thursday).
fn weekday_index(day: i128) -> usize {
    // rem_euclid(7) is in 0..7.
    (day + 3).rem_euclid(7) as usize
}

/// A remaining duration rounded up to a step people use: 5 minutes up to an hour (at least
/// 5 minutes), whole hours above.
fn friendly(left: i128) -> i128 {
    let (step, floor) = if left <= HOUR {
        (5 * MINUTE, 5 * MINUTE)
    } else {
        (HOUR, 0)
    };
    ((left + step - 1).div_euclid(step) * step).max(floor)
}

/// One day's ranges, validated: syntax, non-empty, within the day, no overlaps. Touching
/// ranges (`09:00-12:00`, `12:00-13:00`) are allowed and merged.
fn parse_day(key: &str, ranges: &[String]) -> Result<Vec<(i128, i128)>, CalendarError> {
    let (day, mut parsed) = (|| key.to_string(), Vec::with_capacity(ranges.len()));
    for r in ranges {
        let range = || r.clone();
        let Some((s, e)) = parse_range(r) else {
            return Err(CalendarError::BadRange {
                day: day(),
                range: range(),
            });
        };
        if e == s {
            return Err(CalendarError::EmptyRange {
                day: day(),
                range: range(),
            });
        }
        if e < s {
            return Err(CalendarError::CrossesMidnight {
                day: day(),
                range: range(),
            });
        }
        parsed.push((s, e, r));
    }
    parsed.sort_by_key(|(s, e, _)| (*s, *e));
    for pair in parsed.windows(2) {
        let ((_, prev_end, first), (next_start, _, second)) = (&pair[0], &pair[1]);
        if next_start < prev_end {
            return Err(CalendarError::Overlap {
                day: day(),
                first: (*first).clone(),
                second: (*second).clone(),
            });
        }
    }
    let mut merged: Vec<(i128, i128)> = Vec::with_capacity(parsed.len());
    for (s, e, _) in parsed {
        match merged.last_mut() {
            Some(last) if last.1 == s => last.1 = e,
            _ => merged.push((s, e)),
        }
    }
    Ok(merged)
}

/// `HH:MM-HH:MM` (spaces around the dash allowed) as milliseconds since midnight.
fn parse_range(r: &str) -> Option<(i128, i128)> {
    let (a, b) = r.trim().split_once('-')?;
    Some((parse_clock(a.trim())?, parse_clock(b.trim())?))
}

/// `HH:MM`, 00:00 to 24:00, as milliseconds since midnight.
fn parse_clock(s: &str) -> Option<i128> {
    let b = s.as_bytes();
    if b.len() != 5 || b[2] != b':' {
        return None;
    }
    let h: i128 = two_digits(b[0], b[1])?;
    let m: i128 = two_digits(b[3], b[4])?;
    (m < 60 && (h < 24 || (h == 24 && m == 0))).then_some(h * HOUR + m * MINUTE)
}

/// Two ASCII digits as a number.
fn two_digits(a: u8, b: u8) -> Option<i128> {
    (a.is_ascii_digit() && b.is_ascii_digit()).then(|| i128::from((a - b'0') * 10 + (b - b'0')))
}

/// `YYYY-MM-DD`, a real date, as a day number (days since 1970-01-01).
fn parse_date(s: &str) -> Option<i128> {
    let b = s.trim().as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let year = two_digits(b[0], b[1])? * 100 + two_digits(b[2], b[3])?;
    let (month, day) = (two_digits(b[5], b[6])?, two_digits(b[8], b[9])?);
    // Let jiff judge the date (month 1-12, day within the month, leap years).
    let (y, m, d) = (
        i16::try_from(year).ok()?,
        i8::try_from(month).ok()?,
        i8::try_from(day).ok()?,
    );
    jiff::civil::Date::new(y, m, d).ok()?;
    Some(days_from_civil(year, month, day))
}

/// Howard Hinnant's days_from_civil: (year, month, day) -> days since 1970-01-01.
fn days_from_civil(y: i128, m: i128, d: i128) -> i128 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Howard Hinnant's civil_from_days: days since 1970-01-01 -> (year, month, day).
fn civil_from_days(z: i128) -> (i128, u8, u8) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    // The algorithm gives day in 1..=31 and month in 1..=12, so the casts are lossless.
    let d = (doy - (153 * mp + 2) / 5 + 1) as u8;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
    (yoe + era * 400 + i128::from(m <= 2), m, d)
}

#[cfg(test)]
#[path = "calendar_tests.rs"]
mod tests;
