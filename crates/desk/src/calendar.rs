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
mod tests {
    use super::*;

    // ---- helpers ---------------------------------------------------------------------

    /// `y-m-d hh:mm` UTC.
    fn utc(y: i64, m: u32, d: u32, hh: i64, mm: i64) -> Timestamp {
        Timestamp::from_ymd(y, m, d)
            .plus(Millis::hours(hh))
            .plus(Millis::mins(mm))
    }

    fn config(tz: &str, week: &[(&str, &[&str])], holidays: &[&str]) -> HoursConfig {
        HoursConfig {
            timezone: tz.into(),
            week: week
                .iter()
                .map(|(d, rs)| (d.to_string(), rs.iter().map(|r| r.to_string()).collect()))
                .collect(),
            holidays: holidays.iter().map(|h| h.to_string()).collect(),
        }
    }

    fn calendar(tz: &str, week: &[(&str, &[&str])], holidays: &[&str]) -> Calendar {
        Calendar::new(&config(tz, week, holidays)).expect("valid calendar")
    }

    const NINE_TO_FIVE: &[&str] = &["09:00-17:00"];

    /// Mon-Fri 09:00-17:00.
    fn office(tz: &str, holidays: &[&str]) -> Calendar {
        let days: Vec<(&str, &[&str])> = ["mon", "tue", "wed", "thu", "fri"]
            .iter()
            .map(|d| (*d, NINE_TO_FIVE))
            .collect();
        calendar(tz, &days, holidays)
    }

    /// Every day 09:00-17:00.
    fn daily(tz: &str) -> Calendar {
        let days: Vec<(&str, &[&str])> = DAY_KEYS.iter().map(|d| (*d, NINE_TO_FIVE)).collect();
        calendar(tz, &days, &[])
    }

    /// 24/7 in `tz`.
    fn always_in(tz: &str) -> Calendar {
        Calendar::new(&HoursConfig {
            timezone: tz.into(),
            ..HoursConfig::default()
        })
        .expect("valid calendar")
    }

    /// xorshift64*: a tiny deterministic generator, so the property tests need no crate.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
        }
        /// Uniform-ish in `lo..hi`.
        fn range(&mut self, lo: i64, hi: i64) -> i64 {
            lo + (self.next() % (hi - lo) as u64) as i64
        }
    }

    // ---- the brief's scenarios -----------------------------------------------------------

    #[test]
    fn friday_evening_ticket_is_due_monday_morning() {
        // Berlin in January is CET = UTC+1. Friday 2026-01-09 18:00 local = 17:00Z; closed
        // until Monday 2026-01-12 09:00 local = 08:00Z; + 2h = 11:00 local = 10:00Z.
        let cal = office("Europe/Berlin", &[]);
        let friday_18 = utc(2026, 1, 9, 17, 0);
        let due = cal.add(friday_18, Millis::hours(2));
        assert_eq!(due, utc(2026, 1, 12, 10, 0));
        assert_eq!(cal.next_open(friday_18), utc(2026, 1, 12, 8, 0));
        assert_eq!(cal.between(friday_18, due), Millis::hours(2));
        // Local Friday 9th -> Monday 12th is 3 days ahead: a weekday; 11:00 is morning.
        assert_eq!(
            cal.describe(friday_18, due),
            Due::OnDay(Weekday::Monday, DayPart::Morning)
        );
    }

    #[test]
    fn hours_across_midnight_are_two_ranges() {
        // mon 22:00-24:00 + tue 00:00-06:00 (CET = UTC+1). Monday 2026-01-12 23:00 local =
        // 22:00Z: 1h left on Monday (to 24:00 = 23:00Z), then Tuesday 00:00-01:00 local:
        // due Tuesday 01:00 local = 2026-01-13 00:00Z.
        let cal = calendar(
            "Europe/Berlin",
            &[("mon", &["22:00-24:00"]), ("tue", &["00:00-06:00"])],
            &[],
        );
        let due = cal.add(utc(2026, 1, 12, 22, 0), Millis::hours(2));
        assert_eq!(due, utc(2026, 1, 13, 0, 0));
        // Midnight itself is open (it is Tuesday 00:00), and the night is 2h + 6h.
        assert!(cal.is_open(utc(2026, 1, 12, 23, 0)));
        assert!(cal.is_open(utc(2026, 1, 12, 22, 59)));
        assert!(!cal.is_open(utc(2026, 1, 12, 20, 59))); // Monday 21:59 local
        assert_eq!(
            cal.between(utc(2026, 1, 12, 0, 0), utc(2026, 1, 14, 0, 0)),
            Millis::hours(8)
        );
        // Written as one range, it is refused with a hint.
        let err = Calendar::new(&config("UTC", &[("mon", &["22:00-06:00"])], &[])).unwrap_err();
        assert_eq!(
            err,
            CalendarError::CrossesMidnight {
                day: "mon".into(),
                range: "22:00-06:00".into()
            }
        );
    }

    #[test]
    fn a_monday_holiday_pushes_the_due_time_to_tuesday() {
        // As in the Friday test, but Monday 2026-01-12 is closed: Tuesday 09:00 local + 2h =
        // 11:00 local = 2026-01-13 10:00Z.
        let cal = office("Europe/Berlin", &["2026-01-12"]);
        let due = cal.add(utc(2026, 1, 9, 17, 0), Millis::hours(2));
        assert_eq!(due, utc(2026, 1, 13, 10, 0));
        assert_eq!(
            cal.describe(utc(2026, 1, 9, 17, 0), due),
            Due::OnDay(Weekday::Tuesday, DayPart::Morning)
        );
    }

    #[test]
    fn a_week_with_one_holiday_has_32_hours() {
        // Local Monday 2026-01-12 00:00 = 2026-01-11 23:00Z to the next Monday 00:00 local
        // = 2026-01-18 23:00Z: five 8h days, one of them a holiday: 4 x 8h = 32h.
        let (from, to) = (utc(2026, 1, 11, 23, 0), utc(2026, 1, 18, 23, 0));
        let holiday = office("Europe/Berlin", &["2026-01-14"]);
        assert_eq!(holiday.between(from, to), Millis::hours(32));
        let plain = office("Europe/Berlin", &[]);
        assert_eq!(plain.between(from, to), Millis::hours(40));
        // A holiday on a closed day (Saturday 2026-01-17) changes nothing.
        let saturday = office("Europe/Berlin", &["2026-01-17"]);
        assert_eq!(saturday.between(from, to), Millis::hours(40));
    }

    #[test]
    fn a_holiday_is_a_local_date() {
        // 24/7 Berlin with 2026-01-12 off: closed from local 00:00 (2026-01-11 23:00Z) to
        // local 24:00 (2026-01-12 23:00Z), i.e. not the UTC day.
        let cal = calendar(
            "Europe/Berlin",
            &DAY_KEYS.map(|d| (d, &[ALL_DAY][..])),
            &["2026-01-12"],
        );
        assert!(cal.is_open(utc(2026, 1, 11, 22, 59)));
        assert!(!cal.is_open(utc(2026, 1, 11, 23, 0)));
        assert!(!cal.is_open(utc(2026, 1, 12, 22, 59)));
        assert!(cal.is_open(utc(2026, 1, 12, 23, 0)));
        assert_eq!(
            cal.between(utc(2026, 1, 11, 0, 0), utc(2026, 1, 14, 0, 0)),
            Millis::hours(72 - 24)
        );
        assert_eq!(
            cal.next_open(utc(2026, 1, 12, 5, 0)),
            utc(2026, 1, 12, 23, 0)
        );
    }

    // ---- daylight saving -------------------------------------------------------------------

    #[test]
    fn always_open_in_berlin_counts_real_hours_across_dst() {
        let cal = always_in("Europe/Berlin");
        // Saturday 2026-03-28 12:00 CET = 11:00Z. Business time is real elapsed time, so
        // 24h later is 2026-03-29 11:00Z (13:00 CEST on the wall, not 12:00).
        assert_eq!(
            cal.add(utc(2026, 3, 28, 11, 0), Millis::hours(24)),
            utc(2026, 3, 29, 11, 0)
        );
        // Saturday 2026-10-24 12:00 CEST = 10:00Z -> 2026-10-25 10:00Z (11:00 CET).
        assert_eq!(
            cal.add(utc(2026, 10, 24, 10, 0), Millis::hours(24)),
            utc(2026, 10, 25, 10, 0)
        );
        // The local day of the spring switch, 00:00 CET (2026-03-28 23:00Z) to 24:00 CEST
        // (2026-03-29 22:00Z), has 23 hours; the autumn one, 00:00 CEST (2026-10-24 22:00Z)
        // to 24:00 CET (2026-10-25 23:00Z), has 25.
        assert_eq!(
            cal.between(utc(2026, 3, 28, 23, 0), utc(2026, 3, 29, 22, 0)),
            Millis::hours(23)
        );
        assert_eq!(
            cal.between(utc(2026, 10, 24, 22, 0), utc(2026, 10, 25, 23, 0)),
            Millis::hours(25)
        );
    }

    #[test]
    fn nine_to_five_in_berlin_is_eight_hours_on_switch_days() {
        let cal = daily("Europe/Berlin");
        // Sunday 2026-03-29: 09:00 CEST = 07:00Z to 17:00 CEST = 15:00Z.
        assert_eq!(
            cal.between(utc(2026, 3, 29, 0, 0), utc(2026, 3, 30, 0, 0)),
            Millis::hours(8)
        );
        assert!(!cal.is_open(utc(2026, 3, 29, 6, 59)));
        assert!(cal.is_open(utc(2026, 3, 29, 7, 0)));
        assert!(!cal.is_open(utc(2026, 3, 29, 15, 0)));
        // Sunday 2026-10-25: 09:00 CET = 08:00Z to 17:00 CET = 16:00Z.
        assert_eq!(
            cal.between(utc(2026, 10, 25, 0, 0), utc(2026, 10, 26, 0, 0)),
            Millis::hours(8)
        );
        assert!(cal.is_open(utc(2026, 10, 25, 8, 0)));
        assert!(!cal.is_open(utc(2026, 10, 25, 16, 0)));
        // Saturday 2026-03-28 16:00 CET (15:00Z) + 2h: 1h to 17:00 CET (16:00Z), then from
        // Sunday 09:00 CEST (07:00Z): due 10:00 CEST = 08:00Z. (A fixed +1 would say 09:00Z.)
        assert_eq!(
            cal.add(utc(2026, 3, 28, 15, 0), Millis::hours(2)),
            utc(2026, 3, 29, 8, 0)
        );
        // Saturday 2026-10-24 16:00 CEST (14:00Z) + 2h: 1h to 17:00 CEST (15:00Z), then from
        // Sunday 09:00 CET (08:00Z): due 10:00 CET = 09:00Z.
        assert_eq!(
            cal.add(utc(2026, 10, 24, 14, 0), Millis::hours(2)),
            utc(2026, 10, 25, 9, 0)
        );
        // A whole day's worth from the opening ends exactly at the closing edge, 17:00 CEST.
        assert_eq!(
            cal.add(utc(2026, 3, 29, 7, 0), Millis::hours(8)),
            utc(2026, 3, 29, 15, 0)
        );
    }

    #[test]
    fn nonexistent_and_repeated_local_times_follow_the_wall_clock() {
        // sun 02:30-04:00 in Berlin. Both switches happen at 01:00Z.
        let cal = calendar("Europe/Berlin", &[("sun", &["02:30-04:00"])], &[]);
        // 2026-03-29: the wall jumps 02:00 CET -> 03:00 CEST, so 02:30-03:00 never happens;
        // open 03:00-04:00 CEST = 01:00Z-02:00Z, one hour.
        let (mar, mar_end) = (utc(2026, 3, 29, 0, 0), utc(2026, 3, 30, 0, 0));
        assert_eq!(cal.between(mar, mar_end), Millis::hours(1));
        assert!(!cal.is_open(utc(2026, 3, 29, 0, 59))); // 01:59 CET
        assert!(cal.is_open(utc(2026, 3, 29, 1, 0))); // 03:00 CEST
        assert_eq!(cal.next_open(mar), utc(2026, 3, 29, 1, 0));
        // 2026-10-25: the wall goes 03:00 CEST -> 02:00 CET, so 02:00-03:00 happens twice;
        // open 02:30-03:00 CEST = 00:30Z-01:00Z and 02:30-04:00 CET = 01:30Z-03:00Z: 2h.
        let (oct, oct_end) = (utc(2026, 10, 25, 0, 0), utc(2026, 10, 26, 0, 0));
        assert_eq!(cal.between(oct, oct_end), Millis::hours(2));
        assert!(cal.is_open(utc(2026, 10, 25, 0, 45))); // 02:45 CEST
        assert!(!cal.is_open(utc(2026, 10, 25, 1, 15))); // 02:15 CET
        assert!(cal.is_open(utc(2026, 10, 25, 1, 30))); // 02:30 CET
        // 45 minutes from 00:30Z: 30 in summer time, a 30-minute gap, then 15: 01:45Z.
        assert_eq!(
            cal.add(utc(2026, 10, 25, 0, 30), Millis::mins(45)),
            utc(2026, 10, 25, 1, 45)
        );
        // Business time that runs out exactly at the switch (01:00Z) ends there, not at the
        // next opening on the other side of it (01:30Z).
        assert_eq!(
            cal.add(utc(2026, 10, 25, 0, 30), Millis::mins(30)),
            utc(2026, 10, 25, 1, 0)
        );
    }

    // ---- properties ----------------------------------------------------------------------

    /// Calendars with splits, holidays, DST, a 30-minute DST (Lord Howe) and a skipped day
    /// (Apia skipped 2011-12-30).
    fn assorted() -> Vec<(&'static str, Calendar)> {
        let split: &[&str] = &["09:00-12:30", "13:30-17:00"];
        vec![
            (
                "berlin office",
                calendar(
                    "Europe/Berlin",
                    &[
                        ("mon", split),
                        ("tue", split),
                        ("wed", split),
                        ("thu", split),
                        ("fri", &["09:00-15:00"]),
                    ],
                    &[
                        "2026-01-01",
                        "2026-04-03",
                        "2026-04-06",
                        "2026-12-25",
                        "2027-01-01",
                    ],
                ),
            ),
            ("berlin 24/7", always_in("Europe/Berlin")),
            ("utc 24/7", Calendar::always()),
            (
                "new york nights",
                calendar(
                    "America/New_York",
                    &[
                        ("sun", &["20:00-24:00"]),
                        ("mon", &["00:00-02:00", "20:00-24:00"]),
                        ("sat", &["01:30-02:45"]),
                    ],
                    &["2026-07-04"],
                ),
            ),
            (
                "berlin small hours",
                calendar("Europe/Berlin", &[("sun", &["02:30-04:00"])], &[]),
            ),
            ("lord howe", daily("Australia/Lord_Howe")),
            (
                "apia",
                calendar(
                    "Pacific/Apia",
                    &[("thu", &["00:00-24:00"]), ("fri", NINE_TO_FIVE)],
                    &[],
                ),
            ),
        ]
    }

    #[test]
    fn add_and_between_are_inverse() {
        // `add` is defined as the earliest instant r with between(s, r) == d. So for d > 0
        // the millisecond before r is open (r is open, or exactly a closing edge) and one
        // millisecond less of business time is reached earlier; for d <= 0, r is the next
        // opening.
        let mut rng = Rng(0x5eed_cafe_f00d_0001);
        let (lo, hi) = (utc(2011, 1, 1, 0, 0).0, utc(2030, 1, 1, 0, 0).0);
        for (name, cal) in assorted() {
            for _ in 0..300 {
                let s = Timestamp(rng.range(lo, hi));
                let d = match rng.next() % 4 {
                    0 => Millis(0),
                    1 => Millis(rng.range(1, 3_600_000)),
                    2 => Millis::mins(rng.range(1, 3 * 24 * 60)),
                    _ => Millis(rng.range(1, 40 * 86_400_000)),
                };
                let r = cal.add(s, d);
                let ctx = format!("{name}: add({}, {d}) = {}", s.to_rfc3339(), r.to_rfc3339());
                assert_eq!(cal.between(s, r), d, "{ctx}");
                if d.0 > 0 {
                    assert!(r > s, "{ctx}");
                    assert!(cal.is_open(Timestamp(r.0 - 1)), "{ctx}");
                    assert_eq!(cal.between(s, Timestamp(r.0 - 1)), Millis(d.0 - 1), "{ctx}");
                } else {
                    assert_eq!(r, cal.next_open(s), "{ctx}");
                    assert!(cal.is_open(r), "{ctx}");
                    assert!(r >= s, "{ctx}");
                }
                let n = cal.next_open(s);
                assert!(n >= s && cal.is_open(n), "{ctx}");
                assert_eq!(cal.between(s, n), Millis(0), "{ctx}");
                // Additivity: between(s, m) + between(m, r) == between(s, r).
                let m = Timestamp(s.0 + (r.0 - s.0) / 3);
                assert_eq!(
                    Millis(cal.between(s, m).0 + cal.between(m, r).0),
                    d,
                    "{ctx}"
                );
            }
        }
    }

    #[test]
    fn between_matches_counting_open_minutes() {
        // An independent oracle: every edge lies on a whole UTC minute in these zones, so
        // open time over a minute-aligned window is 60s times the open minutes, each judged
        // by `is_open`. Windows straddle DST switches (Berlin 03-29/10-25, New York
        // 03-08/11-01, Lord Howe 04-05/10-04 in 2026, Apia 2011-12-29/31) and random days.
        let mut rng = Rng(42);
        let mut starts = vec![
            utc(2026, 3, 27, 0, 0),
            utc(2026, 10, 23, 0, 0),
            utc(2026, 3, 6, 0, 0),
            utc(2026, 10, 30, 0, 0),
            utc(2026, 4, 3, 0, 0),
            utc(2026, 10, 2, 0, 0),
            utc(2011, 12, 28, 0, 0),
        ];
        for _ in 0..3 {
            let m = rng.range(utc(2025, 1, 1, 0, 0).0, utc(2028, 1, 1, 0, 0).0) / 60_000;
            starts.push(Timestamp(m * 60_000));
        }
        for (name, cal) in assorted() {
            for start in &starts {
                let minutes = 4 * 24 * 60;
                let mut open = 0;
                for i in 0..minutes {
                    if cal.is_open(start.plus(Millis::mins(i))) {
                        open += 1;
                    }
                }
                let end = start.plus(Millis::mins(minutes));
                assert_eq!(
                    cal.between(*start, end),
                    Millis::mins(open),
                    "{name} from {}",
                    start.to_rfc3339()
                );
            }
        }
    }

    // ---- validation ------------------------------------------------------------------------

    fn refused(cfg: HoursConfig) -> (CalendarError, String) {
        let err = Calendar::new(&cfg).expect_err("should be refused");
        let text = err.to_string();
        (err, text)
    }

    #[test]
    fn every_mistake_has_its_sentence() {
        let (e, t) = refused(config("Europe/Berlinn", &[("mon", NINE_TO_FIVE)], &[]));
        assert_eq!(
            e,
            CalendarError::UnknownTimeZone {
                name: "Europe/Berlinn".into()
            }
        );
        assert_eq!(
            t,
            "desk.hours.timezone: unknown time zone `Europe/Berlinn`; use an IANA name like \
             Europe/Berlin"
        );

        for name in ["", "Etc/Unknown", "CET+1", "Mars/Olympus"] {
            let (e, _) = refused(config(name, &[("mon", NINE_TO_FIVE)], &[]));
            assert_eq!(e, CalendarError::UnknownTimeZone { name: name.into() });
        }

        let (e, t) = refused(config("UTC", &[("monday", NINE_TO_FIVE)], &[]));
        assert_eq!(
            e,
            CalendarError::UnknownDay {
                key: "monday".into()
            }
        );
        assert_eq!(
            t,
            "desk.hours.week: unknown day `monday`; use mon, tue, wed, thu, fri, sat or sun"
        );

        let (e, t) = refused(config("UTC", &[("mon", &["9:00-17"])], &[]));
        assert_eq!(
            e,
            CalendarError::BadRange {
                day: "mon".into(),
                range: "9:00-17".into()
            }
        );
        assert_eq!(
            t,
            "desk.hours.week.mon: `9:00-17` is not a range like 09:00-17:00"
        );

        let (e, t) = refused(config("UTC", &[("tue", &["09:00-09:00"])], &[]));
        assert_eq!(
            e,
            CalendarError::EmptyRange {
                day: "tue".into(),
                range: "09:00-09:00".into()
            }
        );
        assert_eq!(
            t,
            "desk.hours.week.tue: `09:00-09:00` is empty; make it end after it starts, or \
             remove it"
        );

        let (_, t) = refused(config("UTC", &[("fri", &["22:00-06:00"])], &[]));
        assert_eq!(
            t,
            "desk.hours.week.fri: `22:00-06:00` crosses midnight; end it at 24:00 and write \
             the rest as a range from 00:00 on the next day"
        );

        let (e, t) = refused(config(
            "UTC",
            &[("wed", &["11:00-13:00", "09:00-12:00"])],
            &[],
        ));
        assert_eq!(
            e,
            CalendarError::Overlap {
                day: "wed".into(),
                first: "09:00-12:00".into(),
                second: "11:00-13:00".into()
            }
        );
        assert_eq!(
            t,
            "desk.hours.week.wed: `09:00-12:00` and `11:00-13:00` overlap; merge them into one \
             range"
        );

        let (e, t) = refused(config("UTC", &[("mon", NINE_TO_FIVE)], &["2026-02-30"]));
        assert_eq!(
            e,
            CalendarError::BadHoliday {
                value: "2026-02-30".into()
            }
        );
        assert_eq!(
            t,
            "desk.hours.holidays: `2026-02-30` is not a date like 2026-12-25"
        );

        let (e, t) = refused(config("UTC", &[("mon", &[]), ("sat", &[])], &[]));
        assert_eq!(e, CalendarError::NoOpenHours);
        assert_eq!(
            t,
            "desk.hours: no opening hours at all; open at least one day, or remove \
             [desk.hours] to count wall time"
        );
    }

    #[test]
    fn ranges_and_dates_are_parsed_strictly() {
        for bad in [
            "9:00-17:00",
            "09:00-17",
            "09:00",
            "0900-1700",
            "09:00-25:00",
            "09:60-10:00",
            "09:00-24:01",
            "24:00-24:30",
            "09:00-12:00-13:00",
            "",
            "-09:00",
            "09.00-17.00",
            "+9:00-17:00",
        ] {
            let cfg = config("UTC", &[("mon", &[bad])], &[]);
            assert!(
                matches!(Calendar::new(&cfg), Err(CalendarError::BadRange { .. })),
                "{bad:?}"
            );
        }
        for bad in [
            "2026-1-05",
            "26-01-05",
            "2026/01/05",
            "2026-13-01",
            "2025-02-29",
            "x",
        ] {
            let cfg = config("UTC", &[("mon", NINE_TO_FIVE)], &[bad]);
            assert!(
                matches!(Calendar::new(&cfg), Err(CalendarError::BadHoliday { .. })),
                "{bad:?}"
            );
        }
        // Accepted: spaces around the dash, a leap day, touching ranges (merged: 09-13 is 4h),
        // the whole day, a time zone name in any case.
        let cal = calendar(
            "europe/berlin",
            &[
                ("mon", &["09:00 - 12:00", "12:00-13:00"]),
                ("sun", &[ALL_DAY]),
            ],
            &["2028-02-29"],
        );
        // Monday 2026-01-05 local (CET) is 2026-01-04 23:00Z to 2026-01-05 23:00Z.
        assert_eq!(
            cal.between(utc(2026, 1, 4, 23, 0), utc(2026, 1, 5, 23, 0)),
            Millis::hours(4)
        );
        assert!(cal.is_open(utc(2026, 1, 5, 11, 59))); // 12:59 local, in the merged range
    }

    #[test]
    fn the_default_is_always_open_and_counts_wall_time() {
        // An absent [desk.hours] and an empty one both give the default.
        let parsed: HoursConfig = toml::from_str("").expect("empty table");
        assert_eq!(parsed, HoursConfig::default());
        let cal = Calendar::new(&HoursConfig::default()).expect("default is valid");
        let mut rng = Rng(7);
        for _ in 0..200 {
            let s = Timestamp(rng.range(-4_000_000_000_000, 4_000_000_000_000));
            let d = Millis(rng.range(0, 400 * 86_400_000));
            assert!(cal.is_open(s));
            assert_eq!(cal.next_open(s), s);
            assert_eq!(cal.add(s, d), s.plus(d));
            assert_eq!(cal.between(s, s.plus(d)), d);
            assert_eq!(Calendar::always().add(s, d), s.plus(d));
            assert_eq!(Calendar::always().between(s, s.plus(d)), d);
        }
        assert_eq!(cal.between(Timestamp(10), Timestamp(5)), Millis(0));
    }

    #[test]
    fn the_config_reads_from_toml() {
        let cfg: HoursConfig = toml::from_str(
            r#"
            timezone = "Europe/Berlin"
            holidays = ["2026-12-25"]
            [week]
            mon = ["09:00-12:30", "13:30-17:00"]
            fri = ["09:00-15:00"]
            "#,
        )
        .expect("valid toml");
        assert_eq!(cfg.week.len(), 2);
        let cal = Calendar::new(&cfg).expect("valid");
        // Tuesday 2026-01-06 is closed: only the named days open.
        assert!(!cal.is_open(utc(2026, 1, 6, 10, 0)));
        assert!(cal.is_open(utc(2026, 1, 5, 10, 0))); // Monday 11:00 CET
        // A field-level default: only the time zone given, so always open.
        let only_tz: HoursConfig = toml::from_str(r#"timezone = "Asia/Tokyo""#).expect("toml");
        assert_eq!(only_tz.week, HoursConfig::default().week);
        // Unknown fields are refused, so a typo is not silently ignored.
        assert!(toml::from_str::<HoursConfig>(r#"timezon = "UTC""#).is_err());
    }

    // ---- describe ----------------------------------------------------------------------------

    #[test]
    fn describe_rounds_short_waits_up() {
        let cal = Calendar::always();
        let now = utc(2026, 1, 5, 10, 0); // Monday
        let within = |d: Timestamp| cal.describe(now, d);
        assert_eq!(
            within(now.plus(Millis::mins(7))),
            Due::Within(Millis::mins(10))
        );
        assert_eq!(
            within(now.plus(Millis::mins(61))),
            Due::Within(Millis::hours(2))
        );
        assert_eq!(
            within(now.plus(Millis::mins(60))),
            Due::Within(Millis::hours(1))
        );
        assert_eq!(
            within(now.plus(Millis::mins(55))),
            Due::Within(Millis::mins(55))
        );
        assert_eq!(within(now.plus(Millis(1))), Due::Within(Millis::mins(5)));
        // Due now or overdue: the shortest wait.
        assert_eq!(within(now), Due::Within(Millis::mins(5)));
        assert_eq!(within(utc(2026, 1, 5, 9, 0)), Due::Within(Millis::mins(5)));
        // Same day, under 12h: 21:59 is 11h59m away -> 12h.
        assert_eq!(
            within(utc(2026, 1, 5, 21, 59)),
            Due::Within(Millis::hours(12))
        );
        // Same day, exactly 12h: no longer "within".
        assert_eq!(
            within(utc(2026, 1, 5, 22, 0)),
            Due::LaterToday(DayPart::Evening)
        );
    }

    #[test]
    fn describe_names_parts_of_days() {
        let cal = Calendar::always();
        let midnight = utc(2026, 1, 5, 0, 0); // Monday 00:00
        let at = |h, m| cal.describe(midnight, utc(2026, 1, 5, h, m));
        assert_eq!(at(12, 0), Due::LaterToday(DayPart::Afternoon));
        assert_eq!(at(17, 59), Due::LaterToday(DayPart::Afternoon));
        assert_eq!(at(18, 0), Due::LaterToday(DayPart::Evening));
        // Across midnight: under 3h is still "within", 3h or more is "tomorrow".
        let late = utc(2026, 1, 5, 22, 0);
        let next = |h, m| cal.describe(late, utc(2026, 1, 6, h, m));
        assert_eq!(next(0, 59), Due::Within(Millis::hours(3)));
        assert_eq!(next(1, 0), Due::Tomorrow(DayPart::Morning));
        assert_eq!(next(11, 59), Due::Tomorrow(DayPart::Morning));
        assert_eq!(next(12, 0), Due::Tomorrow(DayPart::Afternoon));
        assert_eq!(next(18, 0), Due::Tomorrow(DayPart::Evening));
    }

    #[test]
    fn describe_names_weekdays_then_dates() {
        let cal = Calendar::always();
        let now = utc(2026, 1, 5, 10, 0); // Monday
        assert_eq!(
            cal.describe(now, utc(2026, 1, 7, 9, 0)),
            Due::OnDay(Weekday::Wednesday, DayPart::Morning)
        );
        // 6 days ahead is the last weekday named...
        assert_eq!(
            cal.describe(now, utc(2026, 1, 11, 20, 0)),
            Due::OnDay(Weekday::Sunday, DayPart::Evening)
        );
        // ...7 days ahead would be "Monday" again, so it is a date.
        assert_eq!(
            cal.describe(now, utc(2026, 1, 12, 9, 0)),
            Due::OnDate {
                month: 1,
                day: 12,
                part: DayPart::Morning
            }
        );
        assert_eq!(
            cal.describe(utc(2026, 12, 28, 10, 0), utc(2027, 1, 5, 15, 0)),
            Due::OnDate {
                month: 1,
                day: 5,
                part: DayPart::Afternoon
            }
        );
        assert_eq!(
            cal.describe(utc(2028, 2, 20, 10, 0), utc(2028, 2, 29, 19, 0)),
            Due::OnDate {
                month: 2,
                day: 29,
                part: DayPart::Evening
            }
        );
        assert_eq!(DayPart::Afternoon.as_str(), "afternoon");
        assert_eq!(Weekday::Wednesday.as_str(), "wednesday");
    }

    #[test]
    fn describe_uses_local_days() {
        // Berlin, CET: now 2026-01-05 23:30Z = Tuesday 00:30 local; due 2026-01-06 20:00Z =
        // Tuesday 21:00 local. 20.5h away on the same local day: later today, evening (in UTC
        // it would have been tomorrow).
        let cal = always_in("Europe/Berlin");
        assert_eq!(
            cal.describe(utc(2026, 1, 5, 23, 30), utc(2026, 1, 6, 20, 0)),
            Due::LaterToday(DayPart::Evening)
        );
        // now Monday 22:30 local (21:30Z), due Tuesday 09:30 local (08:30Z): 11h, but another
        // local day: tomorrow morning.
        assert_eq!(
            cal.describe(utc(2026, 1, 5, 21, 30), utc(2026, 1, 6, 8, 30)),
            Due::Tomorrow(DayPart::Morning)
        );
    }

    // ---- speed and extremes --------------------------------------------------------------------

    #[test]
    fn a_year_of_business_time_is_computed_by_jumps() {
        // 365 x 24h = 8760h of business time at 40h a week is 219 weeks, plus the holidays
        // and a few hours: the due time lands a little over 4 years later. `add` gallops over
        // days with the closed-form `cum` (about 40 steps) and steps once per DST switch.
        let cal = office(
            "Europe/Berlin",
            &["2026-12-25", "2027-12-24", "2028-05-01", "2029-01-01"],
        );
        let start = utc(2026, 1, 5, 8, 0); // Monday 09:00 CET
        let d = Millis::hours(24 * 365);
        let due = cal.add(start, d);
        assert_eq!(cal.between(start, due), d);
        let weeks = Millis::hours(24 * 7 * 219);
        assert!(due > start.plus(weeks), "{}", due.to_rfc3339());
        assert!(
            due < start.plus(weeks).plus(Millis::hours(24 * 14)),
            "{}",
            due.to_rfc3339()
        );
    }

    #[test]
    fn huge_durations_and_extreme_instants_saturate() {
        let (min, max) = (Timestamp(i64::MIN), Timestamp(i64::MAX));
        for (name, cal) in assorted() {
            // i64::MAX ms of business time is far past the end of Timestamp.
            assert_eq!(
                cal.add(utc(2026, 1, 5, 8, 0), Millis(i64::MAX)),
                max,
                "{name}"
            );
            assert_eq!(cal.add(max, Millis::hours(1)), max, "{name}");
            assert_eq!(cal.next_open(max), max, "{name}");
            let all = cal.between(min, max);
            assert!(all.0 > 0, "{name}");
            let _ = cal.is_open(min);
            let n = cal.next_open(min);
            assert!(cal.is_open(n), "{name}");
            assert!(cal.add(min, Millis::hours(1)) > min, "{name}");
        }
        assert_eq!(Calendar::always().between(min, max), Millis(i64::MAX));
    }
}
