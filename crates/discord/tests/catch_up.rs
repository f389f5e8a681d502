//! Catching up on a store from before DM channels were recorded: the first new session
//! reads the conversation of every ticket, closed ones included, finds which are DMs and
//! records them, so that a customer whose ticket is closed loses nothing written while
//! the bot was away.

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use switchboard_desk::store::ForChannels;
use switchboard_desk::{MemoryStore, Store, Transition};
use switchboard_discord::{Discord, DiscordConfig, Secret, Texts};
use switchboard_domain::{
    BoxFuture, Category, ChannelStore, ChatId, Host, HostError, Inbound, PartyId, Platform,
    Priority, Ticket, TicketId, TicketStatus, Timestamp,
};
use switchboard_testkit::discord::{GUILD_ID, STAFF_CHANNEL_ID, STAFF_ROLE_ID, TOKEN};
use switchboard_testkit::{FakeDiscord, IncomingMessage};
use tokio::sync::watch;

const WAIT: Duration = Duration::from_secs(20);

#[derive(Default)]
struct TestHost {
    got: Mutex<Vec<Inbound>>,
}

impl Host for TestHost {
    fn submit(&self, inbound: &Inbound) -> Result<(), HostError> {
        self.got.lock().unwrap().push(inbound.clone());
        Ok(())
    }
    fn durable(&self) -> BoxFuture<Result<(), HostError>> {
        Box::pin(async { Ok(()) })
    }
}

fn now() -> Timestamp {
    Timestamp(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_millis() as i64,
    )
}

fn resolved_ticket(chat: ChatId) -> Ticket {
    Ticket {
        id: TicketId(1),
        customer: PartyId::new(Platform::Discord, "900000000000000301"),
        customer_name: "Ann".into(),
        chat,
        status: TicketStatus::Resolved,
        category: Category::new("billing").unwrap(),
        priority: Priority::Normal,
        tags: vec![],
        rules: vec![],
        locale: "en".into(),
        assignee: None,
        opened_at: now(),
        updated_at: now(),
        handed_off_at: None,
        first_response_at: None,
        resolved_at: Some(now()),
        resolution: None,
        previous: None,
        reopened: 0,
        messages: 0,
        events: vec![],
        recent: vec![],
        throttled_at: None,
        negative: 0,
        survey: None,
        sla: None,
        version: 1,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_closed_tickets_dm_from_an_older_store_is_caught_up_and_recorded() {
    let fake = FakeDiscord::start().await;
    let ann = fake.user(900_000_000_000_000_301, "ann");
    let dm = fake.dm_channel(&ann);
    let store = Arc::new(MemoryStore::new());
    store
        .commit(&Transition {
            tickets: vec![resolved_ticket(ChatId::new(
                Platform::Discord,
                dm.to_string(),
            ))],
            ..Transition::default()
        })
        .unwrap();
    // Written while the bot was away, after the ticket was closed.
    let missed = fake.backfill(dm, &ann, IncomingMessage::text("one more thing"));

    let cfg = DiscordConfig {
        enabled: true,
        api_url: fake.url(),
        guild_id: GUILD_ID,
        staff_channel_id: STAFF_CHANNEL_ID,
        staff_role_id: STAFF_ROLE_ID,
        ..DiscordConfig::default()
    };
    let channels: Arc<dyn ChannelStore> = Arc::new(ForChannels(store.clone()));
    let discord =
        Arc::new(Discord::new(cfg, &Secret::new(TOKEN), channels, Texts::default()).unwrap());
    let host = Arc::new(TestHost::default());
    let (stop, rx) = watch::channel(false);
    let task = tokio::spawn(discord.clone().run(host.clone(), rx));

    let key = format!("discord:msg:{missed}");
    let deadline = tokio::time::Instant::now() + WAIT;
    while !host.got.lock().unwrap().iter().any(|i| i.key.0 == key) {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the DM written after the ticket was closed is caught up"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let deadline = tokio::time::Instant::now() + WAIT;
    while store.channel_state("discord:dm-index").unwrap().is_none() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the index is marked done"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(
        store
            .channel_state(&format!("discord:dm:{dm}"))
            .unwrap()
            .is_some(),
        "the DM channel is recorded for the next catch-ups"
    );
    stop.send(true).unwrap();
    let r = tokio::time::timeout(WAIT, task).await.unwrap().unwrap();
    assert_eq!(r, Ok(()));
    // The session is stored for the next start.
    let session = store.channel_state("discord:session").unwrap();
    assert!(session.is_some_and(|s| s.contains("fake-session-")));
}
