//! What the service logs: `SWITCHBOARD_LOG` read into a filter that can never stop the
//! service.
//!
//! sled 0.34 logs at debug level from inside its page cache while it holds its own locks;
//! forwarded into tracing at debug or trace, those records deadlock the store at start (the
//! service hangs silently). So whatever `SWITCHBOARD_LOG` asks, sled's own records are
//! capped at `info`: turning on debug logging during an incident never causes an outage.

use tracing_subscriber::EnvFilter;

/// The most sled may log (see the module's header).
const SLED_CAP: &str = "sled=info";

/// The filter for `SWITCHBOARD_LOG` (`info` when unset or unreadable), with sled capped at
/// `info`. A directive that cannot be read is ignored (and the rest applied), so a typo
/// never silences the logs.
pub fn filter(spec: Option<&str>) -> EnvFilter {
    let spec = spec
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .unwrap_or("info");
    // Our cap goes last: for one target, the directive given last wins.
    let capped = format!("{spec},{SLED_CAP}");
    EnvFilter::builder().parse_lossy(capped)
}

#[cfg(test)]
mod tests {
    use super::filter;

    #[test]
    fn sled_is_capped_at_info_whatever_is_asked() {
        for spec in [
            "debug",
            "trace",
            "sled=trace",
            "debug,sled=debug",
            "switchboard=trace,sled=trace",
        ] {
            let f = filter(Some(spec)).to_string();
            let sled: Vec<&str> = f.split(',').filter(|d| d.starts_with("sled")).collect();
            assert_eq!(sled, ["sled=info"], "{spec}: {f}");
        }
        for none in [None, Some("  ")] {
            let f = filter(none).to_string();
            let mut parts: Vec<&str> = f.split(',').collect();
            parts.sort();
            assert_eq!(parts, ["info", "sled=info"], "{none:?}");
        }
    }
}
