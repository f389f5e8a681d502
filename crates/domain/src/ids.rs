//! Typed ids and time, so that a ticket number can never be passed where a chat id is
//! expected (serenity `model/id.rs` is the model).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::{NameError, Platform};

/// A ticket number, shown to people as `T-1042`: sequential, short, never reused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct TicketId(pub u64);

impl fmt::Display for TicketId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "T-{}", self.0)
    }
}

impl FromStr for TicketId {
    type Err = NameError;
    /// Accepts `T-1042`, `t-1042`, `T1042`, `#1042` and `1042`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        let digits = t
            .strip_prefix("T-")
            .or_else(|| t.strip_prefix("t-"))
            .or_else(|| t.strip_prefix('T'))
            .or_else(|| t.strip_prefix('t'))
            .or_else(|| t.strip_prefix('#'))
            .unwrap_or(t);
        digits
            .parse::<u64>()
            .ok()
            .filter(|n| *n > 0)
            .map(TicketId)
            .ok_or_else(|| NameError::Malformed {
                what: "ticket id",
                given: s.to_string(),
            })
    }
}

/// A moment, in milliseconds since the Unix epoch (UTC). The desk never reads a clock: the
/// runtime passes `now` in, tests pass a manual clock.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
pub struct Timestamp(pub i64);

impl Timestamp {
    /// `self` plus `d`.
    pub fn plus(self, d: Millis) -> Timestamp {
        Timestamp(self.0.saturating_add(d.0))
    }

    /// How long from `earlier` to `self` (zero if `earlier` is later).
    pub fn since(self, earlier: Timestamp) -> Millis {
        Millis(self.0.saturating_sub(earlier.0).max(0))
    }

    /// RFC 3339 in UTC, to the second (`2026-01-05T09:00:00Z`).
    pub fn to_rfc3339(self) -> String {
        let secs = self.0.div_euclid(1000);
        let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
        let (y, m, d) = civil_from_days(days);
        format!(
            "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
            rem / 3600,
            rem % 3600 / 60,
            rem % 60
        )
    }

    /// Midnight UTC of a calendar date.
    pub fn from_ymd(y: i64, m: u32, d: u32) -> Timestamp {
        // Howard Hinnant's days_from_civil.
        let y = if m <= 2 { y - 1 } else { y };
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let mp = (i64::from(m) + 9) % 12;
        let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        Timestamp((era * 146_097 + doe - 719_468) * 86_400_000)
    }
}

/// Howard Hinnant's civil_from_days: days since 1970-01-01 -> (year, month, day).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// A duration in milliseconds, written in config as `90s`, `15m`, `2h`, `3d` (or a
/// combination such as `1h30m`).
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(try_from = "String", into = "String")]
pub struct Millis(pub i64);

impl Millis {
    /// `n` seconds.
    pub const fn secs(n: i64) -> Millis {
        Millis(n * 1000)
    }
    /// `n` minutes.
    pub const fn mins(n: i64) -> Millis {
        Millis(n * 60_000)
    }
    /// `n` hours.
    pub const fn hours(n: i64) -> Millis {
        Millis(n * 3_600_000)
    }
}

impl fmt::Display for Millis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut ms = self.0;
        if ms == 0 {
            return f.write_str("0s");
        }
        for (unit, size) in [
            ("d", 86_400_000),
            ("h", 3_600_000),
            ("m", 60_000),
            ("s", 1000),
        ] {
            if ms >= size {
                write!(f, "{}{unit}", ms / size)?;
                ms %= size;
            }
        }
        if ms > 0 {
            write!(f, "{ms}ms")?;
        }
        Ok(())
    }
}

impl FromStr for Millis {
    type Err = NameError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || NameError::Malformed {
            what: "duration (like 90s, 15m, 2h, 3d or 1h30m)",
            given: s.to_string(),
        };
        let t = s.trim();
        if t == "0" {
            return Ok(Millis(0));
        }
        let mut total: i64 = 0;
        let mut num = String::new();
        let mut chars = t.chars().peekable();
        let mut any = false;
        while let Some(c) = chars.next() {
            if c.is_ascii_digit() {
                num.push(c);
                continue;
            }
            let n: i64 = num.parse().map_err(|_| bad())?;
            num.clear();
            let size = match c {
                'm' if chars.peek() == Some(&'s') => {
                    chars.next();
                    1
                }
                's' => 1000,
                'm' => 60_000,
                'h' => 3_600_000,
                'd' => 86_400_000,
                'w' => 7 * 86_400_000,
                _ => return Err(bad()),
            };
            total = n
                .checked_mul(size)
                .and_then(|x| total.checked_add(x))
                .ok_or_else(bad)?;
            any = true;
        }
        if !num.is_empty() || !any {
            return Err(bad());
        }
        Ok(Millis(total))
    }
}

impl TryFrom<String> for Millis {
    type Error = NameError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<Millis> for String {
    fn from(m: Millis) -> String {
        m.to_string()
    }
}

/// A person on a platform: a customer or an agent (`telegram:12345`, `console:alice`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct PartyId {
    /// The platform the id belongs to.
    pub platform: Platform,
    /// The platform's own id for the person, as text.
    pub id: String,
}

impl PartyId {
    /// A party id.
    pub fn new(platform: Platform, id: impl Into<String>) -> PartyId {
        PartyId {
            platform,
            id: id.into(),
        }
    }
}

impl fmt::Display for PartyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.platform, self.id)
    }
}

/// A conversation on a platform: a private chat, a support channel, a group.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ChatId {
    /// The platform the chat is on.
    pub platform: Platform,
    /// The platform's own id for the chat, as text.
    pub id: String,
}

impl ChatId {
    /// A chat id.
    pub fn new(platform: Platform, id: impl Into<String>) -> ChatId {
        ChatId {
            platform,
            id: id.into(),
        }
    }
}

impl fmt::Display for ChatId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.platform, self.id)
    }
}

/// What makes an inbound update unique on its platform (`telegram:update:812`), so that an
/// update delivered twice is handled once.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct UpdateKey(pub String);

impl fmt::Display for UpdateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticket_ids_print_and_parse() {
        assert_eq!(TicketId(1042).to_string(), "T-1042");
        for s in ["T-1042", "t-1042", "T1042", "#1042", "1042", " T-1042 "] {
            assert_eq!(s.parse::<TicketId>().unwrap(), TicketId(1042), "{s}");
        }
        for s in ["T-", "T-0", "ticket", "T-12x", ""] {
            assert!(s.parse::<TicketId>().is_err(), "{s}");
        }
    }

    #[test]
    fn durations_parse_and_print() {
        assert_eq!("90s".parse::<Millis>().unwrap(), Millis::secs(90));
        assert_eq!("15m".parse::<Millis>().unwrap(), Millis::mins(15));
        assert_eq!("1h30m".parse::<Millis>().unwrap(), Millis::mins(90));
        assert_eq!("3d".parse::<Millis>().unwrap(), Millis::hours(72));
        assert_eq!("250ms".parse::<Millis>().unwrap(), Millis(250));
        assert_eq!("0".parse::<Millis>().unwrap(), Millis(0));
        for bad in ["", "15", "m", "15x", "1.5h", "99999999999999999d"] {
            assert!(bad.parse::<Millis>().is_err(), "{bad}");
        }
        assert_eq!(Millis::mins(90).to_string(), "1h30m");
        assert_eq!(Millis(0).to_string(), "0s");
    }

    #[test]
    fn timestamps_print_as_utc() {
        assert_eq!(Timestamp(0).to_rfc3339(), "1970-01-01T00:00:00Z");
        assert_eq!(
            Timestamp(951_782_400_000).to_rfc3339(),
            "2000-02-29T00:00:00Z"
        );
        let t = Timestamp::from_ymd(2026, 1, 5).plus(Millis::hours(9));
        assert_eq!(t.to_rfc3339(), "2026-01-05T09:00:00Z");
        assert_eq!(
            Timestamp::from_ymd(1969, 12, 31).to_rfc3339(),
            "1969-12-31T00:00:00Z"
        );
    }

    #[test]
    fn time_arithmetic_saturates() {
        let t = Timestamp(1000);
        assert_eq!(t.plus(Millis::secs(1)), Timestamp(2000));
        assert_eq!(Timestamp(500).since(t), Millis(0));
        assert_eq!(t.since(Timestamp(400)), Millis(600));
    }
}
