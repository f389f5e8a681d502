//! Discord's rate limits as the fake applies them
//! (<https://discord.com/developers/docs/topics/rate-limits>), with the numbers of
//! [`RateLimits`]:
//!
//! - every route has a bucket per top-level resource (the channel, guild or webhook in the
//!   path); a window opens with its first request and holds `requests` for `per`; every
//!   answer carries `X-RateLimit-Limit`, `-Remaining`, `-Reset` (Unix seconds),
//!   `-Reset-After` (seconds) and `-Bucket` (a name shared by the bucket's routes);
//! - a request beyond its bucket gets 429 `{"message", "retry_after", "global": false}`
//!   with `Retry-After` and `X-RateLimit-Scope: user`;
//! - at most `global_per_second` requests a second across routes (interaction callbacks
//!   and webhooks are exempt, as on Discord); beyond, or during a global pause, 429 with
//!   `"global": true`, `X-RateLimit-Global: true` and `X-RateLimit-Scope: global`;
//! - an injected 429 ([`DiscordFault::RateLimited`](crate::discord::DiscordFault)) holds
//!   its bucket (or, global, everything) for the time it announces, as Discord would.
//!
//! A request refused for a limit does not count against it.

use std::collections::hash_map::DefaultHasher;
use std::collections::{HashMap, VecDeque};
use std::hash::{Hash, Hasher};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::json;

use super::reply::Reply;
use crate::discord::types::{RateLimits, RouteLimit};

/// The span the global limit is counted over.
const SECOND: Duration = Duration::from_secs(1);
/// Windows kept before the ended ones are dropped.
const PRUNE_AT: usize = 4096;

/// Which bucket a request counts against.
struct RouteOf {
    /// `POST channels/{}/messages`.
    template: String,
    /// The top-level resource, or empty.
    major: String,
    /// Bound by the global limit.
    global: bool,
}

fn route_of(method: &str, segments: &[String]) -> RouteOf {
    let segs: Vec<&str> = segments.iter().map(String::as_str).collect();
    let tokened = matches!(segs.first(), Some(&("webhooks" | "interactions")));
    let major = match segs.as_slice() {
        ["channels" | "guilds", id, ..] => (*id).to_owned(),
        ["webhooks" | "interactions", id, token, ..] => format!("{id}/{token}"),
        ["webhooks" | "interactions", id] => (*id).to_owned(),
        _ => String::new(),
    };
    let blanked: Vec<&str> = segs
        .iter()
        .enumerate()
        .map(|(i, s)| {
            if s.bytes().all(|b| b.is_ascii_digit()) || (tokened && i == 2) {
                "{}"
            } else {
                s
            }
        })
        .collect();
    RouteOf {
        template: format!("{method} {}", blanked.join("/")),
        major,
        global: !tokened,
    }
}

/// The bucket's name as Discord would show it: an opaque hex string.
fn bucket_name(template: &str) -> String {
    let mut h = DefaultHasher::new();
    template.hash(&mut h);
    format!("{:016x}", h.finish())
}

/// Seconds with three decimals.
fn secs(d: Duration) -> String {
    format!("{:.3}", d.as_secs_f64())
}

/// Unix seconds (with a fraction) `d` from now.
fn unix_in(d: Duration) -> String {
    let at = SystemTime::now() + d;
    let s = at.duration_since(UNIX_EPOCH).unwrap_or_default();
    format!("{:.3}", s.as_secs_f64())
}

/// One bucket's window.
struct Window {
    start: Instant,
    count: u32,
    /// Held by a 429 until then.
    held_until: Option<Instant>,
}

/// The fake's rate-limit state.
#[derive(Default)]
pub(crate) struct Limits {
    windows: HashMap<(String, String), Window>,
    /// Requests bound by the global limit in the last second, oldest first.
    recent: VecDeque<Instant>,
    /// A global pause, until then.
    global_until: Option<Instant>,
}

/// A 429 as Discord sends it: the JSON body, `Retry-After` in whole seconds (rounded
/// up), the scope, and for a bucket its `X-RateLimit-*` headers.
pub(crate) fn rate_limited(
    retry_after: Duration,
    global: bool,
    bucket: Option<(&str, u32)>,
) -> Reply {
    let secs_f = retry_after.as_secs_f64();
    let mut reply = Reply::ok(json!({
        "message": "You are being rate limited.",
        "retry_after": (secs_f * 1000.0).round() / 1000.0,
        "global": global,
    }));
    reply.status = 429;
    let whole = retry_after.as_secs() + u64::from(retry_after.subsec_nanos() > 0);
    reply.headers = vec![
        ("retry-after", whole.to_string()),
        (
            "x-ratelimit-scope",
            if global { "global" } else { "user" }.into(),
        ),
    ];
    if global {
        reply.headers.push(("x-ratelimit-global", "true".into()));
    }
    if let Some((name, limit)) = bucket {
        reply.headers.extend([
            ("x-ratelimit-limit", limit.to_string()),
            ("x-ratelimit-remaining", "0".into()),
            ("x-ratelimit-reset", unix_in(retry_after)),
            ("x-ratelimit-reset-after", secs(retry_after)),
            ("x-ratelimit-bucket", name.to_owned()),
        ]);
    }
    reply
}

impl Limits {
    /// The limit of `route`'s bucket.
    fn limit_of(cfg: &RateLimits, route: &RouteOf) -> RouteLimit {
        if route.template == "POST channels/{}/messages" {
            cfg.message_create
        } else {
            cfg.other_routes
        }
    }

    /// Counts a request at `now`: `Ok` with the `X-RateLimit-*` headers for its answer,
    /// or the 429 it gets instead.
    pub(crate) fn check(
        &mut self,
        cfg: &RateLimits,
        method: &str,
        segments: &[String],
        now: Instant,
    ) -> Result<Vec<(&'static str, String)>, Reply> {
        let route = route_of(method, segments);
        if route.global {
            if let Some(until) = self.global_until {
                if now < until {
                    return Err(rate_limited(until - now, true, None));
                }
                self.global_until = None;
            }
            while self
                .recent
                .front()
                .is_some_and(|t| now.duration_since(*t) >= SECOND)
            {
                self.recent.pop_front();
            }
            let cap = usize::try_from(cfg.global_per_second).unwrap_or(usize::MAX);
            if cap > 0
                && self.recent.len() >= cap
                && let Some(oldest) = self.recent.front()
            {
                return Err(rate_limited((*oldest + SECOND) - now, true, None));
            }
        }
        let limit = Self::limit_of(cfg, &route);
        if self.windows.len() >= PRUNE_AT {
            // Windows that ended long ago hold nothing: a long load run stays flat.
            let longest = cfg.message_create.per.max(cfg.other_routes.per);
            self.windows.retain(|_, w| {
                now.duration_since(w.start) < longest || w.held_until.is_some_and(|u| u > now)
            });
        }
        let name = bucket_name(&route.template);
        let w = self
            .windows
            .entry((name.clone(), route.major))
            .or_insert(Window {
                start: now,
                count: 0,
                held_until: None,
            });
        if let Some(until) = w.held_until {
            if now < until {
                return Err(rate_limited(
                    until - now,
                    false,
                    Some((&name, limit.requests)),
                ));
            }
            w.held_until = None;
        }
        if now.duration_since(w.start) >= limit.per {
            w.start = now;
            w.count = 0;
        }
        let reset_after = (w.start + limit.per).saturating_duration_since(now);
        if w.count >= limit.requests {
            return Err(rate_limited(
                reset_after,
                false,
                Some((&name, limit.requests)),
            ));
        }
        w.count += 1;
        if route.global {
            self.recent.push_back(now);
        }
        Ok(vec![
            ("x-ratelimit-limit", limit.requests.to_string()),
            (
                "x-ratelimit-remaining",
                (limit.requests - w.count).to_string(),
            ),
            ("x-ratelimit-reset", unix_in(reset_after)),
            ("x-ratelimit-reset-after", secs(reset_after)),
            ("x-ratelimit-bucket", name),
        ])
    }

    /// An injected 429 at `now`: the request's bucket (or, `global`, everything bound by
    /// the global limit) is held for `retry_after`; returns the 429.
    pub(crate) fn hold(
        &mut self,
        cfg: &RateLimits,
        method: &str,
        segments: &[String],
        retry_after: Duration,
        global: bool,
        now: Instant,
    ) -> Reply {
        let until = now + retry_after;
        if global {
            self.global_until = Some(self.global_until.map_or(until, |u| u.max(until)));
            return rate_limited(retry_after, true, None);
        }
        let route = route_of(method, segments);
        let limit = Self::limit_of(cfg, &route);
        let name = bucket_name(&route.template);
        let w = self
            .windows
            .entry((name.clone(), route.major))
            .or_insert(Window {
                start: now,
                count: 0,
                held_until: None,
            });
        w.held_until = Some(w.held_until.map_or(until, |u| u.max(until)));
        rate_limited(retry_after, false, Some((&name, limit.requests)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn segs(path: &str) -> Vec<String> {
        path.split('/')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()
    }

    fn header<'a>(r: &'a [(&'static str, String)], name: &str) -> &'a str {
        r.iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or_default()
    }

    #[test]
    fn a_bucket_counts_down_then_refuses_until_its_window_ends() {
        let cfg = RateLimits {
            message_create: RouteLimit {
                requests: 2,
                per: Duration::from_secs(5),
            },
            ..RateLimits::default()
        };
        let mut l = Limits::default();
        let t0 = Instant::now();
        let a = segs("channels/1/messages");
        let h = l.check(&cfg, "POST", &a, t0).unwrap();
        assert_eq!(header(&h, "x-ratelimit-limit"), "2");
        assert_eq!(header(&h, "x-ratelimit-remaining"), "1");
        assert_eq!(header(&h, "x-ratelimit-reset-after"), "5.000");
        let h = l.check(&cfg, "POST", &a, t0).unwrap();
        assert_eq!(header(&h, "x-ratelimit-remaining"), "0");
        let r = l.check(&cfg, "POST", &a, t0 + SECOND).unwrap_err();
        assert_eq!(r.status, 429);
        assert_eq!(r.body.as_ref().unwrap()["retry_after"], 4.0);
        assert_eq!(header(&r.headers, "x-ratelimit-scope"), "user");
        // Another channel has its own bucket (same name), and the window ends.
        let h = l
            .check(&cfg, "POST", &segs("channels/2/messages"), t0)
            .unwrap();
        assert_eq!(header(&h, "x-ratelimit-remaining"), "1");
        l.check(&cfg, "POST", &a, t0 + Duration::from_secs(5))
            .expect("a new window");
    }

    #[test]
    fn the_global_limit_and_pauses_spare_interactions() {
        let cfg = RateLimits {
            global_per_second: 3,
            ..RateLimits::default()
        };
        let mut l = Limits::default();
        let t0 = Instant::now();
        for c in 1..=3 {
            l.check(&cfg, "GET", &segs(&format!("channels/{c}")), t0)
                .unwrap();
        }
        let r = l.check(&cfg, "GET", &segs("channels/4"), t0).unwrap_err();
        assert_eq!(header(&r.headers, "x-ratelimit-global"), "true");
        assert_eq!(r.body.as_ref().unwrap()["global"], true);
        l.check(&cfg, "POST", &segs("interactions/9/tok/callback"), t0)
            .expect("interactions are exempt");
        l.check(&cfg, "GET", &segs("channels/4"), t0 + SECOND)
            .expect("a second later");

        let r = l.hold(
            &cfg,
            "POST",
            &segs("channels/1/messages"),
            2 * SECOND,
            true,
            t0,
        );
        assert_eq!(header(&r.headers, "x-ratelimit-scope"), "global");
        let r = l
            .check(&cfg, "GET", &segs("users/@me"), t0 + SECOND)
            .unwrap_err();
        assert_eq!(r.body.as_ref().unwrap()["retry_after"], 1.0);
    }
}
