//! Discord's rate limits end to end: the real service (serenity's requests, our limiter,
//! the dispatcher) against the fake Discord of crates/testkit, which answers as Discord
//! documents (`X-RateLimit-*` headers, 429s with `retry_after`) and records when every
//! request arrived. A 429's wait is honoured (not a guessed second), a global 429 stops
//! every route, and an empty bucket holds its own route only.
//!
//! Times are checked from below only (a request came no sooner than allowed), with a
//! small tolerance; upper bounds are generous waits for conditions.

use std::time::{Duration, Instant};

use switchboard_testkit::discord::{
    Call, DiscordConfig, DiscordFault, FakeDiscord, RateLimits, RouteLimit, STAFF_CHANNEL_ID,
};

use crate::discord::{WAIT, discord_section, in_channel, sent, start, write_config};

/// How much sooner than allowed a request may arrive and still count as waiting (clock
/// reads on either side of a loopback call).
const TOLERANCE: Duration = Duration::from_millis(100);

/// The calls that count against the global limit (interaction callbacks and webhooks are
/// exempt, on Discord as in the fake).
fn bound_by_global(c: &Call) -> bool {
    !(c.path.starts_with("/interactions/") || c.path.starts_with("/webhooks/"))
}

/// The calls that arrived within `from..until`.
fn calls_between(fake: &FakeDiscord, from: Instant, until: Instant) -> Vec<Call> {
    fake.calls()
        .into_iter()
        .filter(|c| c.at > from && c.at < until)
        .collect()
}

/// The calls matching `pred`, once there are at least `n` (a call is recorded just after
/// its answer is made: wait for it rather than read at once).
async fn calls_where(fake: &FakeDiscord, n: usize, pred: impl Fn(&Call) -> bool) -> Vec<Call> {
    let enough = fake
        .wait_until(WAIT, |f| f.calls().iter().filter(|c| pred(c)).count() >= n)
        .await;
    let calls: Vec<Call> = fake.calls().into_iter().filter(|c| pred(c)).collect();
    assert!(
        enough,
        "expected {n} calls, got {:#?}",
        calls
            .iter()
            .map(|c| (&c.method, &c.path, c.status))
            .collect::<Vec<_>>()
    );
    calls
}

/// The first call answered 429, once there is one.
async fn first_429(fake: &FakeDiscord) -> Call {
    assert!(
        fake.wait_until(WAIT, |f| f.calls().iter().any(|c| c.status == 429))
            .await,
        "no 429 was answered: {:#?}",
        fake.calls()
    );
    fake.calls()
        .into_iter()
        .find(|c| c.status == 429)
        .expect("the 429")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_on_a_customers_dm_is_retried_after_the_time_discord_asked() {
    let fake = FakeDiscord::start().await;
    let ann = fake.user(501, "ann");
    let dir = tempfile::tempdir().unwrap();
    let cfg = write_config(dir.path(), &fake, &discord_section(&fake, true, false));
    let svc = start(dir.path(), &cfg).await;
    assert!(fake.wait_connected(WAIT).await, "the gateway connects");
    let dm = fake.dm_channel(&ann);
    let path = format!("/channels/{dm}/messages");
    let asked = Duration::from_secs(3);
    fake.fail_next_on(
        "POST",
        &path,
        DiscordFault::RateLimited {
            retry_after_secs: asked.as_secs_f64(),
        },
    );

    fake.dm(&ann, "Where is my order 4411? It was due on Monday.");
    sent(
        &fake,
        "the acknowledgement, after the 429",
        in_channel(dm, "T-1"),
    )
    .await;
    let limited = first_429(&fake).await;
    assert_eq!(limited.path, path, "the 429 was the DM's");
    let retry = calls_where(&fake, 1, |c| {
        c.method == "POST" && c.path == path && c.at > limited.at
    })
    .await
    .remove(0);
    let gap = retry.at - limited.at;
    assert!(
        gap + TOLERANCE >= asked,
        "the retry came {gap:?} after a 429 that asked for {asked:?}"
    );
    assert!(
        gap < asked + Duration::from_secs(10),
        "retried at last: {gap:?}"
    );
    assert_eq!(retry.status, 200, "the retry was not refused again");
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_global_429_holds_every_route_until_it_has_passed() {
    let fake = FakeDiscord::start().await;
    let ann = fake.user(501, "ann");
    // The global 429 answers the first command registration after READY: at that moment
    // it is the bot's only request under way, so every request after it left knowing.
    let asked = Duration::from_secs(3);
    fake.fail_next_on(
        "PUT",
        "/applications/*/commands",
        DiscordFault::GlobalRateLimited {
            retry_after_secs: asked.as_secs_f64(),
        },
    );
    let dir = tempfile::tempdir().unwrap();
    let cfg = write_config(dir.path(), &fake, &discord_section(&fake, true, false));
    let svc = start(dir.path(), &cfg).await;
    let limited = first_429(&fake).await;
    // While the pause runs a customer writes: the acknowledgement and the card wait for
    // it, and so does the rest of the start-up (the guild's commands, catching up).
    let ann_dm = fake.dm_channel(&ann);
    fake.dm(
        &ann,
        "I was charged twice for order 88123. Please let me talk to a person",
    );
    sent(&fake, "ann's acknowledgement", in_channel(ann_dm, "T-1")).await;
    sent(&fake, "ann's card", in_channel(STAFF_CHANNEL_ID, "T-1")).await;
    let during: Vec<Call> = calls_between(&fake, limited.at, limited.at + asked - TOLERANCE)
        .into_iter()
        .filter(bound_by_global)
        .collect();
    assert!(
        during.is_empty(),
        "requests went out during a global rate limit of {asked:?}: {:#?}",
        during
            .iter()
            .map(|c| (&c.method, &c.path, c.at - limited.at, c.status))
            .collect::<Vec<_>>()
    );
    // The registration was tried again after the pause, and went through.
    let registered = calls_where(&fake, 2, |c| {
        c.method == "PUT" && c.path.ends_with("/commands") && c.status == 200
    })
    .await;
    assert!(registered.iter().all(|c| c.at > limited.at));
    assert_eq!(
        fake.calls().iter().filter(|c| c.status == 429).count(),
        1,
        "only the injected 429"
    );
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_empty_bucket_holds_its_route_and_no_other() {
    // One message a channel per 4 s: the staff channel's bucket is empty after a card.
    let window = Duration::from_secs(4);
    let fake = FakeDiscord::start_with(DiscordConfig {
        rate_limits: RateLimits {
            message_create: RouteLimit {
                requests: 1,
                per: window,
            },
            ..RateLimits::default()
        },
        ..DiscordConfig::default()
    })
    .await;
    let ann = fake.user(501, "ann");
    let bob = fake.user(502, "bob");
    let dir = tempfile::tempdir().unwrap();
    let cfg = write_config(dir.path(), &fake, &discord_section(&fake, true, false));
    let svc = start(dir.path(), &cfg).await;
    assert!(fake.wait_connected(WAIT).await, "the gateway connects");
    let bob_dm = fake.dm_channel(&bob);
    let cards = format!("/channels/{STAFF_CHANNEL_ID}/messages");

    fake.dm(
        &ann,
        "I was charged twice for order 88123. Please let me talk to a person",
    );
    sent(&fake, "ann's card", in_channel(STAFF_CHANNEL_ID, "T-1")).await;
    // The staff channel's bucket now says remaining 0, reset after 4 s. Bob's card waits
    // for the reset; his acknowledgement (another channel) does not.
    fake.dm(
        &bob,
        "My parcel 5521 arrived broken. Please let me talk to a person",
    );
    sent(&fake, "bob's card", in_channel(STAFF_CHANNEL_ID, "T-2")).await;
    sent(&fake, "bob's acknowledgement", in_channel(bob_dm, "T-2")).await;
    let posts = calls_where(&fake, 2, |c| c.method == "POST" && c.path == cards).await;
    let bob_first = calls_where(&fake, 1, |c| {
        c.method == "POST" && c.path == format!("/channels/{bob_dm}/messages")
    })
    .await
    .remove(0);
    let refused: Vec<Call> = fake
        .calls()
        .into_iter()
        .filter(|c| c.status == 429)
        .collect();
    assert!(
        refused.is_empty(),
        "the bot was refused instead of waiting: {refused:#?}"
    );
    let gap = posts[1].at - posts[0].at;
    assert!(
        gap + TOLERANCE >= window,
        "the second card came {gap:?} after the first, inside the bucket's {window:?}"
    );
    assert!(
        bob_first.at < posts[1].at,
        "bob's acknowledgement waited behind the staff channel's bucket"
    );
    svc.stop().await;
}
