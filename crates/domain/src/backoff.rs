//! [`Backoff`]: how long to wait before the next try of something that keeps failing (a
//! delivery, a poll, a submit), written once for the dispatcher and both adapters.
//!
//! The wait doubles from `first` up to `max`. With jitter, each wait loses a random share
//! (at most [`Backoff::with_jitter`]'s), so that many workers failing at the same moment
//! (every chat's queue when the platform goes down) do not all retry at the same moment.
//! The randomness is the caller's: it passes a draw (any `u64`) to [`Backoff::next`], and
//! this module only mixes it. It reads no clock and sleeps nowhere.

use std::time::Duration;

/// A doubling wait between tries, capped, optionally jittered.
#[derive(Debug, Clone, PartialEq)]
pub struct Backoff {
    first: Duration,
    max: Duration,
    next: Duration,
    /// The largest share of a wait that jitter takes off (0: none).
    jitter: f64,
}

impl Backoff {
    /// Waits of `first`, then twice as long each time, never more than `max`; no jitter.
    pub fn new(first: Duration, max: Duration) -> Backoff {
        let first = first.min(max);
        Backoff {
            first,
            max,
            next: first,
            jitter: 0.0,
        }
    }

    /// Takes up to `share` (0 to 1) of each wait off, by the caller's draw: the waits of
    /// many retrying at once spread out, and none waits longer than without jitter.
    pub fn with_jitter(mut self, share: f64) -> Backoff {
        self.jitter = if share.is_finite() {
            share.clamp(0.0, 1.0)
        } else {
            0.0
        };
        self
    }

    /// The wait before the next try, given a draw from the caller's jitter source (ignored
    /// without jitter); the one after doubles (up to the cap).
    pub fn next(&mut self, draw: u64) -> Duration {
        let base = self.next;
        self.next = (self.next * 2).min(self.max);
        if self.jitter == 0.0 {
            return base;
        }
        base.mul_f64(1.0 - self.jitter * unit(draw))
    }

    /// The wait [`Backoff::next`] would start from, without jitter.
    pub fn current(&self) -> Duration {
        self.next
    }

    /// After a success: the next failure waits `first` again.
    pub fn reset(&mut self) {
        self.next = self.first;
    }
}

/// A draw mixed (splitmix64's finaliser, so that neighbouring draws such as a counter give
/// unrelated values) into `[0, 1)`.
fn unit(draw: u64) -> f64 {
    let mut z = draw.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^= z >> 31;
    // The top 53 bits: exactly representable.
    (z >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    #[test]
    fn doubles_up_to_the_cap_and_resets() {
        let mut b = Backoff::new(500 * MS, 3000 * MS);
        let waits: Vec<Duration> = (0..6).map(|i| b.next(i)).collect();
        assert_eq!(
            waits,
            [500, 1000, 2000, 3000, 3000, 3000].map(|n| n * MS).to_vec()
        );
        b.reset();
        assert_eq!(b.current(), 500 * MS);
        assert_eq!(b.next(0), 500 * MS);
        // A first wait above the cap is the cap.
        assert_eq!(Backoff::new(10 * MS, 4 * MS).next(0), 4 * MS);
    }

    #[test]
    fn jitter_only_shortens_and_spreads() {
        let mut seen = std::collections::HashSet::new();
        for draw in 0..200u64 {
            let mut b = Backoff::new(1000 * MS, 60_000 * MS).with_jitter(0.25);
            let w = b.next(draw);
            assert!(w <= 1000 * MS && w >= 750 * MS, "{w:?}");
            seen.insert(w);
            // The next wait doubles whatever the jitter took off this one.
            assert_eq!(b.current(), 2000 * MS);
        }
        assert!(seen.len() > 150, "draws spread the waits: {}", seen.len());
        // Out-of-range shares are clamped; no jitter at all gives the plain waits.
        let mut b = Backoff::new(1000 * MS, 60_000 * MS).with_jitter(f64::NAN);
        assert_eq!(b.next(7), 1000 * MS);
        let mut b = Backoff::new(1000 * MS, 60_000 * MS).with_jitter(5.0);
        assert!(b.next(7) <= 1000 * MS);
    }

    #[test]
    fn unit_draws_stay_in_range() {
        for d in [0, 1, u64::MAX, 0x8000_0000_0000_0000] {
            let u = unit(d);
            assert!((0.0..1.0).contains(&u), "{d}: {u}");
        }
    }
}
