//! [`now`]: the real clock, in one place. The desk never reads a clock (it is given the
//! time of each event); the running service, the CLI's periods and the console read it
//! here.

use std::time::{SystemTime, UNIX_EPOCH};

use switchboard_domain::Timestamp;

/// The real clock.
pub fn now() -> Timestamp {
    let ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis());
    Timestamp(i64::try_from(ms).unwrap_or(i64::MAX))
}
