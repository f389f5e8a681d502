//! The calendar's tests (`calendar.rs`): the brief's scenarios, daylight saving, the
//! properties (proptest over instants and durations, on calendars with splits, holidays,
//! DST, a 30-minute DST and a skipped day), validation and the due time in words.

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

use proptest::prelude::*;
use std::sync::LazyLock;

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

/// [`assorted`], built once for all the property cases.
static ASSORTED: LazyLock<Vec<(&'static str, Calendar)>> = LazyLock::new(assorted);

/// A business-time duration: zero, under an hour (ms), up to three days (whole minutes), or
/// up to 40 days (ms).
fn duration() -> impl Strategy<Value = Millis> {
    prop_oneof![
        Just(Millis(0)),
        (1..3_600_000i64).prop_map(Millis),
        (1..3 * 24 * 60i64).prop_map(Millis::mins),
        (1..40 * 86_400_000i64).prop_map(Millis),
    ]
}

/// An instant from 2011 (Apia's skipped day) to 2030.
fn instant() -> impl Strategy<Value = Timestamp> {
    (utc(2011, 1, 1, 0, 0).0..utc(2030, 1, 1, 0, 0).0).prop_map(Timestamp)
}

proptest! {
    // 300 cases per calendar, as many as the hand-rolled generator drew.
    #![proptest_config(ProptestConfig::with_cases(300 * 7))]

    #[test]
    fn add_and_between_are_inverse(which in 0..7usize, s in instant(), d in duration()) {
        // `add` is defined as the earliest instant r with between(s, r) == d. So for d > 0
        // the millisecond before r is open (r is open, or exactly a closing edge) and one
        // millisecond less of business time is reached earlier; for d <= 0, r is the next
        // opening.
        let (name, cal) = &ASSORTED[which];
        let r = cal.add(s, d);
        let ctx = format!("{name}: add({}, {d}) = {}", s.to_rfc3339(), r.to_rfc3339());
        prop_assert_eq!(cal.between(s, r), d, "{}", ctx);
        if d.0 > 0 {
            prop_assert!(r > s, "{}", ctx);
            prop_assert!(cal.is_open(Timestamp(r.0 - 1)), "{}", ctx);
            prop_assert_eq!(cal.between(s, Timestamp(r.0 - 1)), Millis(d.0 - 1), "{}", ctx);
        } else {
            prop_assert_eq!(r, cal.next_open(s), "{}", ctx);
            prop_assert!(cal.is_open(r), "{}", ctx);
            prop_assert!(r >= s, "{}", ctx);
        }
        let n = cal.next_open(s);
        prop_assert!(n >= s && cal.is_open(n), "{}", ctx);
        prop_assert_eq!(cal.between(s, n), Millis(0), "{}", ctx);
        // Additivity: between(s, m) + between(m, r) == between(s, r).
        let m = Timestamp(s.0 + (r.0 - s.0) / 3);
        prop_assert_eq!(
            Millis(cal.between(s, m).0 + cal.between(m, r).0),
            d,
            "{}",
            ctx
        );
    }
}

/// Asserts that `between` over four days from `start` is 60s times the open minutes, each
/// judged by `is_open`: an independent oracle, since every edge lies on a whole UTC minute
/// in the zones of [`assorted`].
fn assert_between_counts_open_minutes(start: Timestamp) {
    for (name, cal) in ASSORTED.iter() {
        let minutes = 4 * 24 * 60;
        let mut open = 0;
        for i in 0..minutes {
            if cal.is_open(start.plus(Millis::mins(i))) {
                open += 1;
            }
        }
        let end = start.plus(Millis::mins(minutes));
        assert_eq!(
            cal.between(start, end),
            Millis::mins(open),
            "{name} from {}",
            start.to_rfc3339()
        );
    }
}

#[test]
fn between_matches_counting_open_minutes() {
    // Windows straddle DST switches (Berlin 03-29/10-25, New York 03-08/11-01, Lord Howe
    // 04-05/10-04 in 2026, Apia 2011-12-29/31); random days follow below.
    for start in [
        utc(2026, 3, 27, 0, 0),
        utc(2026, 10, 23, 0, 0),
        utc(2026, 3, 6, 0, 0),
        utc(2026, 10, 30, 0, 0),
        utc(2026, 4, 3, 0, 0),
        utc(2026, 10, 2, 0, 0),
        utc(2011, 12, 28, 0, 0),
    ] {
        assert_between_counts_open_minutes(start);
    }
}

proptest! {
    // Each case counts 4 days of minutes on every calendar; as many random days as before.
    #![proptest_config(ProptestConfig::with_cases(3))]

    #[test]
    fn between_matches_counting_open_minutes_on_random_days(
        minute in utc(2025, 1, 1, 0, 0).0 / 60_000..utc(2028, 1, 1, 0, 0).0 / 60_000,
    ) {
        assert_between_counts_open_minutes(Timestamp(minute * 60_000));
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
    assert_eq!(cal.between(Timestamp(10), Timestamp(5)), Millis(0));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn the_default_counts_wall_time_everywhere(
        s in (-4_000_000_000_000..4_000_000_000_000i64).prop_map(Timestamp),
        d in (0..400 * 86_400_000i64).prop_map(Millis),
    ) {
        let cal = Calendar::new(&HoursConfig::default()).expect("default is valid");
        prop_assert!(cal.is_open(s));
        prop_assert_eq!(cal.next_open(s), s);
        prop_assert_eq!(cal.add(s, d), s.plus(d));
        prop_assert_eq!(cal.between(s, s.plus(d)), d);
        prop_assert_eq!(Calendar::always().add(s, d), s.plus(d));
        prop_assert_eq!(Calendar::always().between(s, s.plus(d)), d);
    }
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
