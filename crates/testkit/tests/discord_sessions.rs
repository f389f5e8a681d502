//! The fake Discord's sessions as Discord documents them, driven by the real serenity
//! client: a client that closes with 1000 ends its session (nothing is kept for it), and
//! what is dispatched while no session exists is lost.

use std::time::Duration;

use serenity::all::{ClientBuilder, Context, EventHandler, GatewayIntents, Ready};
use serenity::async_trait;
use serenity::http::HttpBuilder;
use switchboard_testkit::FakeDiscord;
use switchboard_testkit::discord::TOKEN;
use tokio::sync::mpsc;

const WAIT: Duration = Duration::from_secs(20);

struct Handler(mpsc::UnboundedSender<String>);

#[async_trait]
impl EventHandler for Handler {
    async fn ready(&self, _ctx: Context, ready: Ready) {
        let _ = self.0.send(ready.session_id);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_closing_with_1000_ends_its_session_and_later_events_are_lost() {
    let fake = FakeDiscord::start().await;
    let alice = fake.user(900_000_000_000_000_201, "alice");
    let (tx, mut rx) = mpsc::unbounded_channel();
    let http = HttpBuilder::new(TOKEN)
        .proxy(fake.url())
        .ratelimiter_disabled(true)
        .build();
    let mut client = ClientBuilder::new_with_http(http, GatewayIntents::DIRECT_MESSAGES)
        .event_handler(Handler(tx))
        .await
        .expect("serenity client builds");
    let shards = client.shard_manager.clone();
    let run = tokio::spawn(async move { client.start().await });
    let session = tokio::time::timeout(WAIT, rx.recv())
        .await
        .expect("READY")
        .expect("a session id");
    assert!(session.starts_with("fake-session-"));
    // READY, then the DM (GUILD_CREATE is withheld: no GUILDS intent).
    fake.dm(&alice, "while connected");
    assert!(fake.wait_until(WAIT, |f| f.seq() >= 2).await);

    // serenity's shutdown closes with 1000: Discord ends the session.
    shards.shutdown_all().await;
    let _ = tokio::time::timeout(WAIT, run).await;
    assert!(
        fake.wait_until(WAIT, |f| f.seq() == 0).await,
        "the session is gone"
    );
    fake.dm(&alice, "nobody is listening");
    assert_eq!(fake.dropped_events(), vec!["MESSAGE_CREATE".to_string()]);
}
