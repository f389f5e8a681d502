//! Discord's rate limits, kept on our side so that the bot waits instead of being refused
//! (repeated 429s get a bot banned). What Discord documents
//! (<https://discord.com/developers/docs/topics/rate-limits>), and what [`Limiter`] does:
//!
//! - Per-route limits: each route (method and path) has a bucket per top-level resource
//!   (the channel, guild or webhook in the path: [`Route::of`]); `X-RateLimit-Bucket`
//!   names buckets that several routes share. Every answer says how many requests are
//!   left (`X-RateLimit-Remaining`) and when the bucket refills (`X-RateLimit-Reset-After`,
//!   [`Observed`]): with none left, a request waits for the refill instead of going.
//! - A 429 says how long to wait (`retry_after` in the JSON body, in seconds with a
//!   fraction, or the `Retry-After` header: [`Limited`]) and for what: one bucket (scope
//!   `user`, or `shared` for a resource others use too), or everything the bot sends
//!   (`X-RateLimit-Global`, `"global": true`, scope `global`): then no request of any
//!   route goes until the time has passed.
//! - At most [`GLOBAL_PER_SECOND`] requests a second across all routes. Interaction
//!   callbacks and interaction webhooks are not bound by the global limit.
//!
//! Parts: [`Route`] (which bucket a request counts against), [`Observed`] and [`Limited`]
//! (what an answer says), [`Limiter`] (the state: [`Limiter::try_take`] before sending,
//! [`Limiter::done`] / [`Limiter::limited`] / [`Limiter::failed`] after). Time is passed
//! in, so the rules are tested without waiting; the REST client (`rest`) does the waiting.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use switchboard_domain::sync::lock;

/// Requests the bot may make per second across all routes (Discord's global limit).
pub const GLOBAL_PER_SECOND: usize = 50;
/// The span [`GLOBAL_PER_SECOND`] is counted over: a second, and a margin for requests
/// that left a second apart but reach Discord closer together.
pub const GLOBAL_WINDOW: Duration = Duration::from_millis(1100);
/// The wait after a 429 that names no time.
pub const DEFAULT_RETRY_AFTER: Duration = Duration::from_secs(1);
/// The longest wait a 429 is taken at (a larger `retry_after` is read as this): guards
/// against a garbled answer parking a queue for days.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(3600);

/// Which limits a request counts against.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Route {
    /// The method and the path with its ids left out: `POST channels/{}/messages`.
    pub template: String,
    /// The top-level resource (a channel or guild id, a webhook's id and token, an
    /// interaction), or empty: buckets are per route and resource.
    pub major: String,
    /// Whether it counts against the global limit (all but interaction callbacks and
    /// webhooks).
    pub global: bool,
}

impl fmt::Display for Route {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.major.is_empty() {
            write!(f, "{}", self.template)
        } else {
            write!(f, "{} ({})", self.template, self.major)
        }
    }
}

impl Route {
    /// The route of a request: `method` and its URL's path (`/api/v10/channels/1/messages`,
    /// a query is ignored).
    pub fn of(method: &str, path: &str) -> Route {
        let path = path.split('?').next().unwrap_or_default();
        let mut segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        if segs.first() == Some(&"api") && segs.get(1).is_some_and(|v| v.starts_with('v')) {
            segs.drain(..2);
        }
        let first = segs.first().copied().unwrap_or_default();
        // Interactions and webhooks carry a token after their id: part of the resource.
        let tokened = matches!(first, "webhooks" | "interactions");
        let major = match segs.as_slice() {
            ["channels" | "guilds", id, ..] => (*id).to_string(),
            ["webhooks" | "interactions", id, token, ..] => format!("{id}/{token}"),
            ["webhooks" | "interactions", id] => (*id).to_string(),
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
        Route {
            template: format!("{} {}", method.to_ascii_uppercase(), blanked.join("/")),
            major,
            global: !tokened,
        }
    }
}

/// What an answer's `X-RateLimit-*` headers say about its bucket.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Observed {
    /// `X-RateLimit-Limit`: requests per window.
    pub limit: Option<u32>,
    /// `X-RateLimit-Remaining`: requests left in this window.
    pub remaining: Option<u32>,
    /// `X-RateLimit-Reset-After`: until the window refills.
    pub reset_after: Option<Duration>,
    /// `X-RateLimit-Bucket`: the bucket's name, shared by the routes that share it.
    pub bucket: Option<String>,
}

/// Seconds (with a fraction) as a duration, if they are a finite, non-negative number;
/// capped at [`MAX_RETRY_AFTER`].
fn from_secs(v: f64) -> Option<Duration> {
    (v.is_finite() && v >= 0.0)
        .then(|| Duration::from_secs_f64(v.min(MAX_RETRY_AFTER.as_secs_f64())))
}

/// A header's seconds, as for [`from_secs`].
fn seconds(s: &str) -> Option<Duration> {
    from_secs(s.trim().parse().ok()?)
}

impl Observed {
    /// Reads the headers through `header` (a header's value by its lower-case name).
    pub fn from_headers<'a>(header: impl Fn(&str) -> Option<&'a str>) -> Observed {
        Observed {
            limit: header("x-ratelimit-limit").and_then(|v| v.trim().parse().ok()),
            remaining: header("x-ratelimit-remaining").and_then(|v| v.trim().parse().ok()),
            reset_after: header("x-ratelimit-reset-after").and_then(seconds),
            bucket: header("x-ratelimit-bucket")
                .map(str::trim)
                .filter(|b| !b.is_empty())
                .map(str::to_owned),
        }
    }
}

/// What a 429 says: how long, and whether it stops everything.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limited {
    /// How long to wait: the body's `retry_after`, else the `Retry-After` header, else
    /// [`DEFAULT_RETRY_AFTER`].
    pub retry_after: Duration,
    /// The global limit: every request of the bot waits.
    pub global: bool,
}

impl Limited {
    /// Reads a 429: `header` as for [`Observed::from_headers`], `body` the JSON body
    /// (`{"message": …, "retry_after": 1.5, "global": false}`, perhaps empty or not JSON).
    pub fn from_answer<'a>(header: impl Fn(&str) -> Option<&'a str>, body: &[u8]) -> Limited {
        let json: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
        let retry_after = json
            .get("retry_after")
            .and_then(serde_json::Value::as_f64)
            .and_then(from_secs)
            .or_else(|| header("retry-after").and_then(seconds))
            .unwrap_or(DEFAULT_RETRY_AFTER);
        let global = json.get("global").and_then(serde_json::Value::as_bool) == Some(true)
            || header("x-ratelimit-global").is_some_and(|v| v.trim().eq_ignore_ascii_case("true"))
            || header("x-ratelimit-scope").is_some_and(|v| v.trim().eq_ignore_ascii_case("global"));
        Limited {
            retry_after,
            global,
        }
    }
}

/// How often a request checks again while its bucket waits for an answer to learn when
/// the window ends.
const ANSWER_POLL: Duration = Duration::from_millis(50);

/// One bucket as last seen.
#[derive(Debug, Default)]
struct Bucket {
    /// Requests per window, once an answer said.
    limit: Option<u32>,
    /// Requests left in this window (counting down as requests leave), once known.
    remaining: Option<u32>,
    /// When the window refills.
    reset_at: Option<Instant>,
    /// Requests taken and not answered yet.
    in_flight: u32,
}

impl Bucket {
    /// How long a request must wait at `now` (`None`: it may go); a window that has
    /// passed is refilled first.
    fn wait(&mut self, now: Instant) -> Option<Duration> {
        if let Some(at) = self.reset_at
            && now >= at
        {
            self.reset_at = None;
            self.remaining = self.limit;
        }
        match (self.remaining, self.reset_at) {
            (Some(0), Some(at)) => Some(at - now),
            // Used up since the refill, and no answer yet says when the window ends:
            // wait for one.
            (Some(0), None) if self.in_flight > 0 => Some(ANSWER_POLL),
            // A bucket not known yet (Discord's limits are not hard coded, and may be 1):
            // one request at a time until an answer tells.
            (None, _) if self.in_flight > 0 => Some(ANSWER_POLL),
            _ => None,
        }
    }
}

/// A bucket's key: its name (`X-RateLimit-Bucket`, or the route's template until an
/// answer names it) and the top-level resource.
type Key = (String, String);

/// Leave to send one request, from [`Limiter::try_take`]; hand it back with the answer.
/// Dropped without an answer (the call was given up, its future dropped), it frees its
/// place among the requests in flight by itself.
#[derive(Debug)]
#[must_use]
pub struct Permit<'a> {
    /// `None` once handed back.
    key: Option<Key>,
    limiter: &'a Limiter,
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            lock(&self.limiter.state).release(&key);
        }
    }
}

/// Buckets kept before the idle ones are dropped (every channel, thread and interaction
/// has its own: without pruning the map would grow for as long as the service runs).
const PRUNE_AT: usize = 1024;

#[derive(Debug, Default)]
struct State {
    /// No request bound by the global limit goes before this.
    global_until: Option<Instant>,
    /// When the last requests bound by the global limit left, oldest first (at most
    /// [`GLOBAL_PER_SECOND`], within [`GLOBAL_WINDOW`]).
    sent: VecDeque<Instant>,
    /// Route template -> the bucket name Discord gave it.
    names: HashMap<String, String>,
    buckets: HashMap<Key, Bucket>,
    /// The size at which idle buckets are dropped next ([`PRUNE_AT`], or twice what was
    /// still in use at the last pruning).
    prune_at: usize,
}

impl State {
    fn key(&self, route: &Route) -> Key {
        let name = self
            .names
            .get(&route.template)
            .cloned()
            .unwrap_or_else(|| route.template.clone());
        (name, route.major.clone())
    }

    /// Drops the buckets that hold nothing back at `now` (none in flight, no window
    /// running): forgetting one costs at most what a new bucket costs, one answer to
    /// learn it again.
    fn prune(&mut self, now: Instant) {
        if self.buckets.len() < self.prune_at.max(PRUNE_AT) {
            return;
        }
        self.buckets
            .retain(|_, b| b.in_flight > 0 || b.reset_at.is_some_and(|at| at > now));
        self.prune_at = (2 * self.buckets.len()).max(PRUNE_AT);
    }

    /// Frees a permit's place among the requests in flight of bucket `key`.
    fn release(&mut self, key: &Key) {
        if let Some(b) = self.buckets.get_mut(key) {
            b.in_flight = b.in_flight.saturating_sub(1);
        }
    }
}

/// The bot's rate-limit state: every REST call takes a [`Permit`] before it goes and
/// reports the answer after.
#[derive(Debug, Default)]
pub struct Limiter {
    state: Mutex<State>,
}

impl Limiter {
    /// A limiter that knows nothing yet (buckets are learnt from answers).
    pub fn new() -> Limiter {
        Limiter::default()
    }

    /// Leave for a request on `route` at `now`, counted at once; or how long to wait
    /// before asking again (a global pause, the bucket empty until its refill, or
    /// [`GLOBAL_PER_SECOND`] requests within the last [`GLOBAL_WINDOW`]).
    pub fn try_take(&self, route: &Route, now: Instant) -> Result<Permit<'_>, Duration> {
        let mut st = lock(&self.state);
        if route.global {
            if let Some(until) = st.global_until {
                if now < until {
                    return Err(until - now);
                }
                st.global_until = None;
            }
            while st
                .sent
                .front()
                .is_some_and(|t| now.duration_since(*t) >= GLOBAL_WINDOW)
            {
                st.sent.pop_front();
            }
            if st.sent.len() >= GLOBAL_PER_SECOND
                && let Some(oldest) = st.sent.front()
            {
                return Err((*oldest + GLOBAL_WINDOW).saturating_duration_since(now));
            }
        }
        st.prune(now);
        let key = st.key(route);
        let bucket = st.buckets.entry(key.clone()).or_default();
        if let Some(wait) = bucket.wait(now) {
            return Err(wait);
        }
        bucket.remaining = bucket.remaining.map(|r| r.saturating_sub(1));
        bucket.in_flight += 1;
        if route.global {
            st.sent.push_back(now);
        }
        Ok(Permit {
            key: Some(key),
            limiter: self,
        })
    }

    /// An answer other than 429 came at `now`: the bucket is as its headers say (less
    /// the requests still in flight, which the answer did not count yet).
    pub fn done(&self, mut permit: Permit<'_>, route: &Route, seen: &Observed, now: Instant) {
        let key = permit.key.take();
        let mut st = lock(&self.state);
        if let Some(key) = key {
            st.release(&key);
        }
        Self::learn(&mut st, route, seen, now);
    }

    fn learn(st: &mut State, route: &Route, seen: &Observed, now: Instant) {
        if let Some(name) = &seen.bucket {
            st.names.insert(route.template.clone(), name.clone());
        }
        let key = st.key(route);
        let b = st.buckets.entry(key).or_default();
        if let Some(limit) = seen.limit {
            b.limit = Some(limit);
        }
        if let Some(remaining) = seen.remaining {
            b.remaining = Some(remaining.saturating_sub(b.in_flight));
        }
        if let Some(after) = seen.reset_after {
            b.reset_at = Some(now + after);
        }
    }

    /// A 429 came at `now`: its bucket (or, for a global one, every request bound by the
    /// global limit) waits `limited.retry_after` from now.
    pub fn limited(
        &self,
        mut permit: Permit<'_>,
        route: &Route,
        seen: &Observed,
        limited: &Limited,
        now: Instant,
    ) {
        let key = permit.key.take();
        let mut st = lock(&self.state);
        if let Some(key) = key {
            st.release(&key);
        }
        let until = now + limited.retry_after;
        if limited.global {
            st.global_until = Some(st.global_until.map_or(until, |u| u.max(until)));
            return;
        }
        Self::learn(&mut st, route, seen, now);
        let key = st.key(route);
        let b = st.buckets.entry(key).or_default();
        b.remaining = Some(0);
        b.reset_at = Some(b.reset_at.map_or(until, |r| r.max(until)));
    }

    /// The request got no answer (the network failed): its place is freed.
    pub fn failed(&self, permit: Permit<'_>) {
        drop(permit);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: Duration = Duration::from_secs(1);

    fn post(channel: u64) -> Route {
        Route::of("POST", &format!("/api/v10/channels/{channel}/messages"))
    }

    fn headers<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<&'a str> {
        move |name| pairs.iter().find(|(n, _)| *n == name).map(|(_, v)| *v)
    }

    #[test]
    fn routes_are_bucketed_by_method_path_and_top_level_resource() {
        let r = Route::of("post", "/api/v10/channels/123/messages?x=1");
        assert_eq!(r.template, "POST channels/{}/messages");
        assert_eq!(r.major, "123");
        assert!(r.global);
        let edit = Route::of("PATCH", "/api/v10/channels/123/messages/456");
        assert_eq!(edit.template, "PATCH channels/{}/messages/{}");
        assert_eq!(edit.major, "123");
        assert_eq!(
            Route::of("GET", "/api/v10/guilds/9/members/8").template,
            "GET guilds/{}/members/{}"
        );
        let cb = Route::of("POST", "/api/v10/interactions/77/tok-en/callback");
        assert_eq!(cb.template, "POST interactions/{}/{}/callback");
        assert_eq!(cb.major, "77/tok-en");
        assert!(
            !cb.global,
            "interaction callbacks are not bound by the global limit"
        );
        let hook = Route::of("PATCH", "/api/v10/webhooks/5/abc/messages/@original");
        assert_eq!(hook.template, "PATCH webhooks/{}/{}/messages/@original");
        assert!(!hook.global);
        let me = Route::of("GET", "/api/v10/users/@me");
        assert_eq!(
            (me.template.as_str(), me.major.as_str()),
            ("GET users/@me", "")
        );
        assert_ne!(post(1), post(2));
        assert_ne!(post(1), Route::of("GET", "/api/v10/channels/1/messages"));
    }

    #[test]
    fn a_429_is_read_from_the_body_then_the_header() {
        let body =
            br#"{"message": "You are being rate limited.", "retry_after": 2.5, "global": false}"#;
        let l = Limited::from_answer(headers(&[("retry-after", "3")]), body);
        assert_eq!(l.retry_after, Duration::from_millis(2500));
        assert!(!l.global);
        let l = Limited::from_answer(headers(&[("retry-after", "4")]), b"not json");
        assert_eq!(l.retry_after, 4 * S);
        let l = Limited::from_answer(headers(&[]), b"");
        assert_eq!(l.retry_after, DEFAULT_RETRY_AFTER);
        // Global by the body, the old header, or the scope.
        assert!(
            Limited::from_answer(headers(&[]), br#"{"retry_after": 1, "global": true}"#).global
        );
        assert!(Limited::from_answer(headers(&[("x-ratelimit-global", "true")]), b"").global);
        assert!(Limited::from_answer(headers(&[("x-ratelimit-scope", "global")]), b"").global);
        assert!(!Limited::from_answer(headers(&[("x-ratelimit-scope", "shared")]), b"").global);
        // Nonsense does not park a queue.
        let l = Limited::from_answer(headers(&[]), br#"{"retry_after": -5}"#);
        assert_eq!(l.retry_after, DEFAULT_RETRY_AFTER);
        let l = Limited::from_answer(headers(&[]), br#"{"retry_after": 1e12}"#);
        assert_eq!(l.retry_after, MAX_RETRY_AFTER);
    }

    #[test]
    fn an_empty_bucket_waits_for_its_reset_and_other_resources_do_not() {
        let lim = Limiter::new();
        let t0 = Instant::now();
        let seen = Observed::from_headers(headers(&[
            ("x-ratelimit-limit", "5"),
            ("x-ratelimit-remaining", "0"),
            ("x-ratelimit-reset-after", "2.000"),
            ("x-ratelimit-bucket", "abc"),
        ]));
        let p = lim.try_take(&post(1), t0).expect("unknown buckets go");
        lim.done(p, &post(1), &seen, t0);
        // Channel 1 waits out the two seconds; channel 2 (another resource) goes.
        assert_eq!(lim.try_take(&post(1), t0).unwrap_err(), 2 * S);
        assert_eq!(
            lim.try_take(&post(1), t0 + S).unwrap_err(),
            S,
            "still waiting a second later"
        );
        let p2 = lim
            .try_take(&post(2), t0)
            .expect("another channel is not held up");
        lim.failed(p2);
        // After the reset the bucket is full again (its limit), and counts down.
        let mut permits = Vec::new();
        for _ in 0..5 {
            permits.push(lim.try_take(&post(1), t0 + 2 * S).expect("refilled"));
        }
        assert_eq!(
            lim.try_take(&post(1), t0 + 2 * S).unwrap_err(),
            ANSWER_POLL,
            "five per window: the sixth waits for an answer to say when the window ends"
        );
        for p in permits {
            lim.failed(p);
        }
    }

    #[test]
    fn routes_named_alike_share_one_bucket() {
        let lim = Limiter::new();
        let t0 = Instant::now();
        let empty = |name: &'static str| {
            Observed::from_headers(move |h| match h {
                "x-ratelimit-remaining" => Some("0"),
                "x-ratelimit-reset-after" => Some("3"),
                "x-ratelimit-bucket" => Some(name),
                _ => None,
            })
        };
        let edit = Route::of("PATCH", "/api/v10/channels/1/messages/5");
        let edit2 = Route::of("PATCH", "/api/v10/channels/1/messages/6");
        let p = lim.try_take(&edit, t0).unwrap();
        lim.done(p, &edit, &empty("shared"), t0);
        // Same template, same channel: same bucket.
        assert!(lim.try_take(&edit2, t0).is_err());
        // A route Discord names with the same bucket waits too once it is known.
        let del = Route::of("DELETE", "/api/v10/channels/1/messages/5");
        let p = lim.try_take(&del, t0).unwrap();
        lim.done(
            p,
            &del,
            &Observed {
                bucket: Some("shared".into()),
                ..Observed::default()
            },
            t0,
        );
        assert!(lim.try_take(&del, t0).is_err());
    }

    #[test]
    fn requests_in_flight_are_not_counted_twice() {
        let lim = Limiter::new();
        let t0 = Instant::now();
        let seen = |remaining: &'static str| {
            Observed::from_headers(move |h| match h {
                "x-ratelimit-limit" => Some("5"),
                "x-ratelimit-remaining" => Some(remaining),
                "x-ratelimit-reset-after" => Some("5"),
                _ => None,
            })
        };
        let p = lim.try_take(&post(1), t0).unwrap();
        lim.done(p, &post(1), &seen("2"), t0);
        // Two left: two go, the third waits, though neither has been answered.
        let a = lim.try_take(&post(1), t0).unwrap();
        let b = lim.try_take(&post(1), t0).unwrap();
        assert!(lim.try_take(&post(1), t0).is_err());
        // The first answer says one is left, but the other request is still out.
        lim.done(a, &post(1), &seen("1"), t0);
        assert!(lim.try_take(&post(1), t0).is_err());
        lim.done(b, &post(1), &seen("0"), t0);
        assert!(lim.try_take(&post(1), t0).is_err());
    }

    #[test]
    fn a_429_holds_its_bucket_and_a_global_one_holds_everything_but_interactions() {
        let lim = Limiter::new();
        let t0 = Instant::now();
        let p = lim.try_take(&post(1), t0).unwrap();
        let three = Limited {
            retry_after: 3 * S,
            global: false,
        };
        lim.limited(p, &post(1), &Observed::default(), &three, t0);
        assert_eq!(lim.try_take(&post(1), t0).unwrap_err(), 3 * S);
        lim.failed(lim.try_take(&post(2), t0).expect("another channel goes"));
        let p = lim.try_take(&post(1), t0 + 3 * S).expect("after the wait");
        lim.failed(p);

        let p = lim.try_take(&post(2), t0).unwrap();
        let global = Limited {
            retry_after: 5 * S,
            global: true,
        };
        lim.limited(p, &post(2), &Observed::default(), &global, t0);
        for r in [post(1), post(3), Route::of("GET", "/api/v10/users/@me")] {
            assert_eq!(lim.try_take(&r, t0 + S).unwrap_err(), 4 * S, "{r}");
        }
        let cb = Route::of("POST", "/api/v10/interactions/1/t/callback");
        lim.failed(lim.try_take(&cb, t0 + S).expect("interactions are exempt"));
        lim.failed(lim.try_take(&post(3), t0 + 5 * S).expect("after the pause"));
    }

    #[test]
    fn an_unknown_bucket_lets_one_request_go_until_an_answer_tells_its_limit() {
        let lim = Limiter::new();
        let t0 = Instant::now();
        let first = lim.try_take(&post(1), t0).unwrap();
        assert_eq!(lim.try_take(&post(1), t0).unwrap_err(), ANSWER_POLL);
        let seen = Observed::from_headers(headers(&[
            ("x-ratelimit-limit", "5"),
            ("x-ratelimit-remaining", "4"),
            ("x-ratelimit-reset-after", "5"),
        ]));
        lim.done(first, &post(1), &seen, t0);
        let more: Vec<Permit<'_>> = (0..4)
            .map(|_| lim.try_take(&post(1), t0).unwrap())
            .collect();
        assert!(lim.try_take(&post(1), t0).is_err(), "four were left");
        drop(more);
        // A request given up (its permit dropped) frees its place.
        let lim = Limiter::new();
        drop(lim.try_take(&post(1), t0).unwrap());
        lim.failed(lim.try_take(&post(1), t0).expect("the first was given up"));
    }

    #[test]
    fn idle_buckets_are_forgotten_and_busy_ones_kept() {
        let lim = Limiter::new();
        let t0 = Instant::now();
        let empty = Observed {
            remaining: Some(0),
            reset_after: Some(10 * S),
            ..Observed::default()
        };
        let p = lim.try_take(&post(0), t0).unwrap();
        lim.done(p, &post(0), &empty, t0);
        let cb = |i: usize| Route::of("POST", &format!("/api/v10/interactions/{i}/t/callback"));
        for i in 0..3 * PRUNE_AT {
            let p = lim.try_take(&cb(i), t0).unwrap();
            lim.done(p, &cb(i), &Observed::default(), t0);
        }
        let kept = lock(&lim.state).buckets.len();
        assert!(kept <= 2 * PRUNE_AT, "{kept} buckets kept");
        assert_eq!(
            lim.try_take(&post(0), t0 + S).unwrap_err(),
            9 * S,
            "a bucket still waiting is not forgotten"
        );
    }

    #[test]
    fn at_most_fifty_requests_a_second_across_routes() {
        let lim = Limiter::new();
        let t0 = Instant::now();
        for i in 0..GLOBAL_PER_SECOND as u64 {
            lim.failed(lim.try_take(&post(i), t0).unwrap());
        }
        let wait = lim.try_take(&post(999), t0).unwrap_err();
        assert_eq!(wait, GLOBAL_WINDOW);
        let cb = Route::of("POST", "/api/v10/interactions/1/t/callback");
        lim.failed(lim.try_take(&cb, t0).expect("interactions are exempt"));
        lim.failed(
            lim.try_take(&post(999), t0 + GLOBAL_WINDOW)
                .expect("a window later"),
        );
    }
}
