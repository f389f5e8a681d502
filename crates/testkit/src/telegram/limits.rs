//! Telegram's documented flood limits for bots, as a limiter (answering 429
//! when switched on) and as an audit of the sends the fake accepted.
//!
//! The limits: 30 messages per second overall, 1 message per second to the
//! same private chat (no burst allowed here), 20 messages per minute to the
//! same group. Counted: sendMessage, the send* media methods, copyMessage.

use std::time::{Duration, Instant};

const GLOBAL_WINDOW: Duration = Duration::from_secs(1);
const GLOBAL_MAX: usize = 30;
const PRIVATE_WINDOW: Duration = Duration::from_secs(1);
const GROUP_WINDOW: Duration = Duration::from_secs(60);
const GROUP_MAX: usize = 20;

/// Which of Telegram's limits a burst of sends broke.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LimitRule {
    /// More than 30 messages within one second, all chats together.
    Overall30PerSecond,
    /// Two messages to the same private chat less than 1000 ms apart.
    PrivateChat1PerSecond,
    /// More than 20 messages to the same group within one minute.
    Group20PerMinute,
}

/// A place where the accepted sends broke a limit; see
/// [`FakeTelegram::audit_rate_limits`](super::FakeTelegram::audit_rate_limits).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateViolation {
    /// The rule broken.
    pub rule: LimitRule,
    /// The chat concerned (`None` for the overall rule).
    pub chat_id: Option<i64>,
    /// When the send that broke the rule was accepted.
    pub at: Instant,
}

/// One send the fake accepted.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Accepted {
    pub at: Instant,
    pub chat_id: i64,
    pub group: bool,
}

/// How long until a send to `chat_id` would be within the limits, or `None`
/// if it is allowed now.
pub(crate) fn wait_needed(
    accepted: &[Accepted],
    chat_id: i64,
    group: bool,
    now: Instant,
) -> Option<Duration> {
    let mut wait = Duration::ZERO;
    let mut overall = 0usize;
    let mut in_group = 0usize;
    // `accepted` is in time order; walk back over the last minute.
    for a in accepted.iter().rev() {
        let age = now.saturating_duration_since(a.at);
        if age >= GROUP_WINDOW {
            break;
        }
        if age < GLOBAL_WINDOW {
            overall += 1;
            if overall >= GLOBAL_MAX {
                wait = wait.max(GLOBAL_WINDOW - age);
            }
        }
        if a.chat_id == chat_id {
            if group {
                in_group += 1;
                if in_group >= GROUP_MAX {
                    wait = wait.max(GROUP_WINDOW - age);
                }
            } else if age < PRIVATE_WINDOW {
                wait = wait.max(PRIVATE_WINDOW - age);
            }
        }
    }
    (!wait.is_zero()).then_some(wait)
}

/// Whole seconds to announce in `retry_after`: rounded up, at least 1.
pub(crate) fn retry_after_secs(wait: Duration) -> u32 {
    let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    u32::try_from(secs.max(1)).unwrap_or(u32::MAX)
}

/// Every place where `accepted` (in time order) breaks a limit.
pub(crate) fn audit(accepted: &[Accepted]) -> Vec<RateViolation> {
    let mut found = Vec::new();
    for i in GLOBAL_MAX..accepted.len() {
        if accepted[i].at.duration_since(accepted[i - GLOBAL_MAX].at) < GLOBAL_WINDOW {
            found.push(RateViolation {
                rule: LimitRule::Overall30PerSecond,
                chat_id: None,
                at: accepted[i].at,
            });
        }
    }
    let mut chats: Vec<i64> = accepted.iter().map(|a| a.chat_id).collect();
    chats.sort_unstable();
    chats.dedup();
    for chat in chats {
        let sends: Vec<&Accepted> = accepted.iter().filter(|a| a.chat_id == chat).collect();
        let group = sends.first().is_some_and(|a| a.group);
        if group {
            for i in GROUP_MAX..sends.len() {
                if sends[i].at.duration_since(sends[i - GROUP_MAX].at) < GROUP_WINDOW {
                    found.push(RateViolation {
                        rule: LimitRule::Group20PerMinute,
                        chat_id: Some(chat),
                        at: sends[i].at,
                    });
                }
            }
        } else {
            for pair in sends.windows(2) {
                if pair[1].at.duration_since(pair[0].at) < PRIVATE_WINDOW {
                    found.push(RateViolation {
                        rule: LimitRule::PrivateChat1PerSecond,
                        chat_id: Some(chat),
                        at: pair[1].at,
                    });
                }
            }
        }
    }
    found.sort_by_key(|v| v.at);
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(base: Instant, ms: u64, chat_id: i64) -> Accepted {
        Accepted {
            at: base + Duration::from_millis(ms),
            chat_id,
            group: chat_id < 0,
        }
    }

    #[test]
    fn private_chat_one_per_second() {
        let base = Instant::now();
        let log = vec![at(base, 0, 5)];
        let now = base + Duration::from_millis(300);
        assert_eq!(
            wait_needed(&log, 5, false, now),
            Some(Duration::from_millis(700))
        );
        assert_eq!(wait_needed(&log, 6, false, now), None);
        assert_eq!(
            wait_needed(&log, 5, false, base + Duration::from_millis(1000)),
            None
        );
        assert_eq!(retry_after_secs(Duration::from_millis(700)), 1);
        assert_eq!(retry_after_secs(Duration::from_millis(1001)), 2);
    }

    #[test]
    fn group_twenty_per_minute_and_audit() {
        let base = Instant::now();
        let log: Vec<_> = (0..20).map(|i| at(base, i * 100, -100)).collect();
        let now = base + Duration::from_secs(5);
        let wait = wait_needed(&log, -100, true, now).expect("21st send within a minute");
        assert_eq!(wait, Duration::from_secs(55));
        assert!(audit(&log).is_empty());
        let mut over = log.clone();
        over.push(at(base, 5000, -100));
        let found = audit(&over);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].rule, LimitRule::Group20PerMinute);
    }

    #[test]
    fn overall_thirty_per_second() {
        let base = Instant::now();
        let log: Vec<_> = (0..30).map(|i| at(base, i * 10, 1000 + i as i64)).collect();
        let now = base + Duration::from_millis(500);
        assert_eq!(
            wait_needed(&log, 1, false, now),
            Some(Duration::from_millis(500))
        );
        let mut over = log.clone();
        over.push(at(base, 600, 1));
        assert_eq!(audit(&over)[0].rule, LimitRule::Overall30PerSecond);
    }
}
