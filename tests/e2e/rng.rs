//! The seed of the randomised end-to-end tests (`crash`, `race`): printed, and a failure is
//! replayed by setting the variable the test names to it. The generator is the domain's
//! one ([`Rng`]).

use std::time::{SystemTime, UNIX_EPOCH};

pub use switchboard_domain::rng::Rng;

/// A generator seeded from environment variable `var` when set (to replay a failure),
/// else from the clock; the seed is printed with the variable's name, for the test's
/// output.
pub fn from_env(var: &str) -> (Rng, u64) {
    let seed = std::env::var(var)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64)
                .unwrap_or(1)
                | 1
        });
    eprintln!("{var}={seed}");
    (Rng::new(seed), seed)
}
