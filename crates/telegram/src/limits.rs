//! Telegram's outbound limits, kept before sending: about 30 messages a second overall,
//! one a second to a private chat, 20 a minute to a group. A send first reserves a slot
//! ([`Limiter::reserve`]) and sleeps until it; the reservation is per chat, so a chat at
//! its limit delays only its own messages (the dispatcher delivers chats in parallel).
//!
//! The overall budget has two lanes. Messages to private chats (customers: their
//! acknowledgements, answers and agents' replies) may use all of it; messages to groups
//! (the staff space: cards, relays, digests) only what leaves [`HEADROOM`] slots free, and
//! none while a customer's message waits. So a flood of staff cards never makes a customer
//! wait for their first reply: a customer's message finds a free slot at once unless
//! customers alone fill the budget. Group sends take no overall slot in advance: they look
//! at the sends of the last second when their turn comes, and wait again if customers
//! took the room meanwhile.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

use crate::config::LimitsConfig;

/// Added to every window: a request reserved for the exact end of a window can reach
/// Telegram a little earlier than one sent before it (network jitter), which Telegram
/// counts as too fast. 10% of a second keeps clear of that.
const MARGIN: Duration = Duration::from_millis(100);

/// Overall slots a second that group messages leave free for customers' messages.
pub const HEADROOM: u32 = 5;

/// Reservations of send slots.
pub struct Limiter {
    cfg: LimitsConfig,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    /// Start times of the sends in the last second, over all chats.
    global: VecDeque<Instant>,
    /// Customers' messages waiting for an overall slot (group sends yield to them).
    customers_waiting: usize,
    /// Per chat: start times of its sends within its window.
    chats: HashMap<i64, VecDeque<Instant>>,
}

/// The earliest time at or after `now` at which fewer than `max` of the recorded sends
/// (sorted) fall within the `window` before it. Drops sends that left the window.
fn slot(sends: &mut VecDeque<Instant>, max: usize, window: Duration, now: Instant) -> Instant {
    while sends.front().is_some_and(|t| *t + window <= now) {
        sends.pop_front();
    }
    if sends.len() < max {
        return now;
    }
    // The (len - max + 1)-th oldest must leave the window first.
    sends[sends.len() - max] + window
}

impl Limiter {
    /// A limiter with `cfg`'s limits (none when disabled).
    pub fn new(cfg: LimitsConfig) -> Limiter {
        Limiter {
            cfg,
            state: Mutex::new(State::default()),
        }
    }

    /// Reserves a slot for one message to `chat` and waits for it: first the chat's own
    /// slot, then, once that has come, one in the overall limit (so that a chat waiting a
    /// minute holds no overall slot meanwhile). A private chat (a customer) is in the
    /// first lane; a group waits behind customers (see the module docs).
    pub async fn reserve(&self, chat: i64) {
        if let Some(at) = self.chat_slot(chat, Instant::now()) {
            tokio::time::sleep_until(at).await;
        }
        if chat > 0 {
            let waiting = Waiting::new(self);
            if let Some(at) = self.global_slot(Instant::now()) {
                tokio::time::sleep_until(at).await;
            }
            drop(waiting);
        } else {
            while let Some(at) = self.group_global_slot(Instant::now()) {
                tokio::time::sleep_until(at).await;
            }
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // The state is consistent after every statement, so a poisoned lock is usable.
        switchboard_domain::sync::lock(&self.state)
    }

    /// The chat's next slot (None: now, or no limits). One sender per chat at a time.
    fn chat_slot(&self, chat: i64, now: Instant) -> Option<Instant> {
        if !self.cfg.enabled {
            return None;
        }
        let (max, window) = if chat < 0 {
            (
                self.cfg.per_group_per_minute,
                Duration::from_secs(60) + MARGIN,
            )
        } else {
            (
                self.cfg.per_private_chat_per_second,
                Duration::from_secs(1) + MARGIN,
            )
        };
        let mut st = self.lock();
        // Forget idle chats now and then, so the map does not grow with every customer.
        if st.chats.len() > 10_000 {
            let horizon = Duration::from_secs(60);
            st.chats
                .retain(|_, q| q.back().is_some_and(|t| *t + horizon > now));
        }
        let q = st.chats.entry(chat).or_default();
        let at = slot(q, max as usize, window, now);
        let pos = q.partition_point(|t| *t <= at);
        q.insert(pos, at);
        (at > now).then_some(at)
    }

    /// For a group message: takes an overall slot now if the sends of the last second
    /// leave [`HEADROOM`] free and no customer's message waits (`None`), else says when to
    /// look again (nothing is reserved meanwhile).
    fn group_global_slot(&self, now: Instant) -> Option<Instant> {
        if !self.cfg.enabled {
            return None;
        }
        let window = Duration::from_secs(1) + MARGIN;
        let max = self.cfg.per_second.saturating_sub(HEADROOM).max(1) as usize;
        let mut st = self.lock();
        if st.customers_waiting > 0 {
            // Customers first: look again shortly.
            return Some(now + Duration::from_millis(20));
        }
        let at = slot(&mut st.global, max, window, now);
        if at > now {
            return Some(at);
        }
        let pos = st.global.partition_point(|t| *t <= now);
        st.global.insert(pos, now);
        None
    }

    /// The next slot in the overall limit (None: now, or no limits).
    fn global_slot(&self, now: Instant) -> Option<Instant> {
        if !self.cfg.enabled {
            return None;
        }
        let mut st = self.lock();
        let at = slot(
            &mut st.global,
            self.cfg.per_second as usize,
            Duration::from_secs(1) + MARGIN,
            now,
        );
        let pos = st.global.partition_point(|t| *t <= at);
        st.global.insert(pos, at);
        (at > now).then_some(at)
    }
}

/// Counts a customer's message as waiting for an overall slot while it lives (so that
/// group sends yield), also when the wait is cancelled at shutdown.
struct Waiting<'a>(&'a Limiter);

impl<'a> Waiting<'a> {
    fn new(l: &'a Limiter) -> Waiting<'a> {
        l.lock().customers_waiting += 1;
        Waiting(l)
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        let mut st = self.0.lock();
        st.customers_waiting = st.customers_waiting.saturating_sub(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limiter() -> Limiter {
        Limiter::new(LimitsConfig::default())
    }

    #[test]
    fn one_a_second_to_a_private_chat() {
        let l = limiter();
        let t0 = Instant::now();
        assert_eq!(l.chat_slot(5, t0), None);
        assert_eq!(
            l.chat_slot(5, t0).unwrap() - t0,
            Duration::from_millis(1100)
        );
        assert_eq!(
            l.chat_slot(5, t0).unwrap() - t0,
            Duration::from_millis(2200)
        );
        // Another chat is not held up.
        assert_eq!(l.chat_slot(6, t0), None);
    }

    #[test]
    fn twenty_a_minute_to_a_group() {
        let l = limiter();
        let t0 = Instant::now();
        for _ in 0..20 {
            assert_eq!(l.chat_slot(-100, t0), None);
        }
        assert_eq!(
            l.chat_slot(-100, t0).unwrap() - t0,
            Duration::from_millis(60_100)
        );
        // Later, the window has moved on.
        assert_eq!(l.chat_slot(-100, t0 + Duration::from_secs(61)), None);
    }

    #[test]
    fn thirty_a_second_overall() {
        let l = limiter();
        let t0 = Instant::now();
        for _ in 0..30 {
            assert_eq!(l.global_slot(t0), None);
        }
        assert_eq!(l.global_slot(t0).unwrap() - t0, Duration::from_millis(1100));
        let half = t0 + Duration::from_millis(500);
        // Still full half a second later: the slot after the reserved one.
        assert_eq!(
            l.global_slot(half).unwrap() - t0,
            Duration::from_millis(1100)
        );
    }

    #[test]
    fn group_messages_leave_room_for_customers() {
        let l = limiter();
        let t0 = Instant::now();
        // Groups (staff) fill what they may of the overall budget...
        for _ in 0..(30 - HEADROOM) {
            assert_eq!(l.group_global_slot(t0), None);
        }
        // ...and then wait, while the headroom stays free for customers.
        assert!(l.group_global_slot(t0).is_some());
        for _ in 0..HEADROOM {
            assert_eq!(l.global_slot(t0), None, "a customer's message goes at once");
        }
        assert!(l.global_slot(t0).is_some(), "the overall limit still holds");
    }

    #[test]
    fn group_messages_yield_to_waiting_customers() {
        let l = limiter();
        let t0 = Instant::now();
        let w = Waiting::new(&l);
        assert!(l.group_global_slot(t0).is_some());
        drop(w);
        assert_eq!(l.group_global_slot(t0), None);
    }

    #[tokio::test(start_paused = true)]
    async fn a_customer_is_not_queued_behind_a_flood_of_cards() {
        let l = std::sync::Arc::new(limiter());
        // 200 group sends (cards to 20 staff groups) queue up first...
        let mut cards = Vec::new();
        for i in 0..200i64 {
            let l = l.clone();
            cards.push(tokio::spawn(async move { l.reserve(-100 - i % 20).await }));
        }
        tokio::task::yield_now().await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        // ...then a customer's first reply needs a slot: it gets one at once.
        let t = Instant::now();
        l.reserve(42).await;
        assert!(Instant::now() - t < Duration::from_millis(100));
        for c in cards {
            c.abort();
        }
    }

    #[test]
    fn no_limits_when_disabled() {
        let l = Limiter::new(LimitsConfig {
            enabled: false,
            ..Default::default()
        });
        let t0 = Instant::now();
        for _ in 0..100 {
            assert_eq!(l.chat_slot(5, t0), None);
            assert_eq!(l.global_slot(t0), None);
            assert_eq!(l.group_global_slot(t0), None);
        }
    }
}
