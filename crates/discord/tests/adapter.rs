//! The real adapter (serenity underneath) against the fake Discord, with the desk's
//! in-memory store and a host that records what it is handed.

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::json;
use switchboard_desk::store::ForChannels;
use switchboard_desk::{MemoryStore, Store, Transition};
use switchboard_discord::{Discord, DiscordConfig, RunError, Secret, Texts};
use switchboard_domain::{
    BoxFuture, Button, Category, ChannelStore, ChatId, DeliveryError, Destination, Host, HostError,
    Inbound, Outbound, PartyId, Place, Platform, Priority, Ticket, TicketId, TicketStatus,
    Timestamp, What,
};
use switchboard_testkit::discord::{
    GUILD_ID, STAFF_CHANNEL_ID, STAFF_FORUM_ID, STAFF_ROLE_ID, SUPPORT_CHANNEL_ID, TOKEN,
};
use switchboard_testkit::{DiscordFault, DiscordUser, FakeDiscord, IncomingMessage};
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// Generous: the machine may be busy (two shared cores, other builds); passing runs take
/// well under a second per step.
const WAIT: Duration = Duration::from_secs(20);

/// Records every update once, as the desk does (a repeat of a key, which the catch-up at
/// start may fetch again while live events arrive, is dropped); everything is durable at
/// once.
#[derive(Default)]
struct TestHost {
    got: Mutex<Vec<Inbound>>,
}

impl Host for TestHost {
    fn submit(&self, inbound: &Inbound) -> Result<(), HostError> {
        let mut got = self.got.lock().unwrap();
        if got.iter().all(|i| i.key != inbound.key) {
            got.push(inbound.clone());
        }
        Ok(())
    }
    fn durable(&self) -> BoxFuture<Result<(), HostError>> {
        Box::pin(async { Ok(()) })
    }
}

impl TestHost {
    fn all(&self) -> Vec<Inbound> {
        self.got.lock().unwrap().clone()
    }

    /// Waits for an update `pred` accepts.
    async fn wait(&self, what: &str, pred: impl Fn(&Inbound) -> bool) -> Inbound {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            if let Some(i) = self.all().into_iter().find(|i| pred(i)) {
                return i;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "timed out waiting for {what}; got {:#?}",
                self.all()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

struct Bot {
    discord: Arc<Discord>,
    host: Arc<TestHost>,
    stop: watch::Sender<bool>,
    task: JoinHandle<Result<(), RunError>>,
}

impl Bot {
    async fn stop(self) {
        self.stop.send(true).unwrap();
        let r = tokio::time::timeout(WAIT, self.task)
            .await
            .expect("run stops on shutdown")
            .expect("run did not panic");
        assert_eq!(r, Ok(()));
    }
}

fn config(fake: &FakeDiscord) -> DiscordConfig {
    DiscordConfig {
        enabled: true,
        api_url: fake.url(),
        guild_id: GUILD_ID,
        staff_channel_id: STAFF_CHANNEL_ID,
        staff_role_id: STAFF_ROLE_ID,
        ..DiscordConfig::default()
    }
}

/// Starts the adapter and waits until it is connected and has registered its commands.
async fn start(fake: &FakeDiscord, cfg: DiscordConfig, store: Arc<MemoryStore>) -> Bot {
    assert!(cfg.problems().is_empty(), "{:?}", cfg.problems());
    let dyn_store: Arc<dyn ChannelStore> = Arc::new(ForChannels(store.clone()));
    let discord =
        Arc::new(Discord::new(cfg, &Secret::new(TOKEN), dyn_store, Texts::default()).unwrap());
    let host = Arc::new(TestHost::default());
    let (stop, rx) = watch::channel(false);
    let task = tokio::spawn(discord.clone().run(host.clone(), rx));
    let puts = |f: &FakeDiscord| {
        f.calls()
            .iter()
            .filter(|c| c.method == "PUT" && c.path.ends_with("/commands"))
            .count()
    };
    let before = puts(fake);
    assert!(
        fake.wait_until(WAIT, |f| f.gateway_connected() && puts(f) > before)
            .await,
        "the adapter connected and registered its commands; identifies {:?}, connections {}, resumes {}, calls {:?}",
        fake.identifies()
            .iter()
            .map(|i| (i.at, i.token_ok))
            .collect::<Vec<_>>(),
        fake.gateway_connections(),
        fake.resumes(),
        fake.calls()
            .iter()
            .map(|c| format!("{} {} {}", c.method, c.path, c.status))
            .collect::<Vec<_>>()
    );
    Bot {
        discord,
        host,
        stop,
        task,
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

fn ticket(id: u64, chat: ChatId, priority: Priority, version: u64) -> Ticket {
    Ticket {
        id: TicketId(id),
        customer: PartyId::new(Platform::Discord, "900000000000000101"),
        customer_name: "Ann".into(),
        chat,
        status: TicketStatus::Queued,
        category: Category::new("billing").unwrap(),
        priority,
        tags: vec![],
        rules: vec![],
        locale: "en".into(),
        assignee: None,
        opened_at: now(),
        updated_at: now(),
        handed_off_at: None,
        first_response_at: None,
        resolved_at: None,
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
        version,
    }
}

fn save(store: &MemoryStore, t: Ticket) {
    store
        .commit(&Transition {
            tickets: vec![t],
            ..Transition::default()
        })
        .unwrap();
}

fn card(t: u64) -> Outbound {
    Outbound {
        to: Destination::Ticket {
            ticket: TicketId(t),
        },
        text: format!("T-{t} · billing\nAnn: I was charged twice"),
        buttons: vec![
            Button {
                label: "Claim".into(),
                payload: format!("claim:T-{t}"),
            },
            Button {
                label: "Close".into(),
                payload: format!("close:T-{t}"),
            },
        ],
        ticket: Some(TicketId(t)),
        attachment: None,
        source: None,
        replaces: None,
    }
}

fn to_ticket(t: u64, text: &str) -> Outbound {
    Outbound {
        to: Destination::Ticket {
            ticket: TicketId(t),
        },
        text: text.into(),
        buttons: vec![],
        ticket: Some(TicketId(t)),
        attachment: None,
        source: None,
        replaces: None,
    }
}

fn customer(fake: &FakeDiscord) -> DiscordUser {
    fake.add_user(DiscordUser::new(900_000_000_000_000_101, "ann").with_global_name("Ann Lee"))
}

fn agent(fake: &FakeDiscord) -> DiscordUser {
    let a = fake.user(900_000_000_000_000_201, "bea");
    fake.member(&a, &[STAFF_ROLE_ID]);
    a
}

fn no_unknown_calls(fake: &FakeDiscord) {
    assert!(
        fake.unknown_calls().is_empty(),
        "{:?}",
        fake.unknown_calls()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dm_reaches_the_host_as_a_customer_update_and_own_messages_do_not() {
    let fake = FakeDiscord::start().await;
    let ann = customer(&fake);
    let bot = start(&fake, config(&fake), Arc::new(MemoryStore::new())).await;
    let dm = fake.dm_channel(&ann);
    let mid = fake.dm(&ann, "/claim my refund please");
    let i = bot
        .host
        .wait("the DM", |i| i.key.0 == format!("discord:msg:{mid}"))
        .await;
    assert_eq!(
        i.place,
        Place::Customer {
            chat: ChatId::new(Platform::Discord, dm.to_string())
        }
    );
    // A customer's `/claim` is customer text.
    assert_eq!(i.what, What::Text("/claim my refund please".into()));
    assert_eq!(i.from.name, "Ann Lee");
    assert_eq!(
        i.from.id,
        PartyId::new(Platform::Discord, ann.id.to_string())
    );

    // The bot's answer comes back over the gateway and is not handed on.
    let reply = Outbound {
        to: Destination::Customer {
            chat: ChatId::new(Platform::Discord, dm.to_string()),
        },
        text: "We got it".into(),
        buttons: vec![],
        ticket: None,
        attachment: None,
        source: None,
        replaces: None,
    };
    assert_eq!(
        bot.discord.route(&reply).as_deref(),
        Some(format!("discord:chat:{dm}").as_str())
    );
    bot.discord.deliver(&reply).await.unwrap();
    let mid2 = fake.dm(&ann, "thanks");
    bot.host
        .wait("the next DM", |i| i.key.0 == format!("discord:msg:{mid2}"))
        .await;
    assert_eq!(bot.host.all().len(), 2, "{:#?}", bot.host.all());
    // An edit is a new update that names the message it corrects.
    fake.edit(mid2, "thanks a lot");
    let e = bot
        .host
        .wait("the edit", |i| {
            i.key.0.starts_with(&format!("discord:edit:{mid2}:"))
        })
        .await;
    assert_eq!(
        e.what,
        What::Edit {
            of: format!("discord:msg:{mid2}"),
            text: "thanks a lot".into()
        }
    );
    assert_eq!(
        bot.discord.whoami().await,
        Ok("Switchboard (800000000000000001)".to_string())
    );
    // Commands: /ticket globally (it must exist in DMs), the staff commands for the guild,
    // with priority's choices.
    let cmds = fake.registered_commands();
    let ticket = cmds.iter().find(|c| c.name == "ticket").unwrap();
    assert_eq!(ticket.guild_id, None);
    assert!(
        cmds.iter()
            .filter(|c| c.name != "ticket")
            .all(|c| c.guild_id == Some(GUILD_ID))
    );
    assert_eq!(
        cmds.len(),
        11,
        "{:?}",
        cmds.iter().map(|c| &c.name).collect::<Vec<_>>()
    );
    let prio = cmds.iter().find(|c| c.name == "priority").unwrap();
    assert_eq!(prio.options[0]["choices"].as_array().unwrap().len(), 4);
    no_unknown_calls(&fake);
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_card_opens_a_named_thread_which_is_reused_and_renamed() {
    let fake = FakeDiscord::start().await;
    let store = Arc::new(MemoryStore::new());
    let dm_chat = ChatId::new(Platform::Discord, "1");
    save(&store, ticket(1, dm_chat.clone(), Priority::Normal, 1));
    let bot = start(&fake, config(&fake), store.clone()).await;

    let o = card(1);
    assert_eq!(bot.discord.route(&o).as_deref(), Some("discord:ticket:1"));
    bot.discord.deliver(&o).await.unwrap();
    let threads = fake.threads();
    assert_eq!(threads.len(), 1);
    let t = &threads[0];
    assert_eq!(t.name, "T-1 · billing · normal");
    assert_eq!(t.parent_id, STAFF_CHANNEL_ID);
    // The card in the staff channel starts the thread: an embed with the buttons.
    let starter = t.starter_message.expect("a thread from the card");
    let sent = fake.sent_to(STAFF_CHANNEL_ID);
    let card_msg = sent.iter().find(|s| s.message_id == starter).unwrap();
    assert_eq!(
        card_msg.embeds[0]["description"],
        json!("T-1 · billing\nAnn: I was charged twice")
    );
    assert_eq!(
        card_msg.custom_ids(),
        vec!["claim:T-1".to_string(), "close:T-1".to_string()]
    );
    assert_eq!(
        store
            .linked_ticket(&format!("discord:thread:{}", t.id))
            .unwrap(),
        Some(TicketId(1))
    );
    assert_eq!(
        store
            .linked_ticket(&format!("discord:msg:{starter}"))
            .unwrap(),
        Some(TicketId(1))
    );

    // A second message goes into the same thread, as plain text.
    bot.discord
        .deliver(&to_ticket(1, "Ann: any news?"))
        .await
        .unwrap();
    assert_eq!(fake.threads().len(), 1);
    let in_thread = fake.sent_to(t.id);
    assert_eq!(in_thread.len(), 1);
    assert_eq!(in_thread[0].content, "Ann: any news?");
    assert_eq!(
        store
            .linked_ticket(&format!("discord:msg:{}", in_thread[0].message_id))
            .unwrap(),
        Some(TicketId(1))
    );

    // The priority changed: the thread is renamed before the next message.
    save(&store, ticket(1, dm_chat, Priority::High, 2));
    bot.discord
        .deliver(&to_ticket(1, "priority raised"))
        .await
        .unwrap();
    assert_eq!(fake.thread(t.id).unwrap().name, "T-1 · billing · high");
    assert_eq!(fake.threads().len(), 1);

    // A locked, archived thread is reopened.
    fake.set_thread_archived(t.id, true, true);
    bot.discord
        .deliver(&to_ticket(1, "after lock"))
        .await
        .unwrap();
    assert!(!fake.thread(t.id).unwrap().archived);
    assert!(fake.sent_to(t.id).iter().any(|s| s.content == "after lock"));
    no_unknown_calls(&fake);
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_in_a_ticket_thread_reach_the_desk_and_others_are_refused() {
    let fake = FakeDiscord::start().await;
    let store = Arc::new(MemoryStore::new());
    save(
        &store,
        ticket(1, ChatId::new(Platform::Discord, "1"), Priority::Normal, 1),
    );
    let bea = agent(&fake);
    let ann = customer(&fake);
    fake.member(&ann, &[]);
    let bot = start(&fake, config(&fake), store.clone()).await;
    bot.discord.deliver(&card(1)).await.unwrap();
    let thread = fake.threads()[0].id;
    let card_id = fake.threads()[0].starter_message.unwrap();
    bot.discord
        .deliver(&to_ticket(1, "Ann: hello?"))
        .await
        .unwrap();
    let relay = fake.sent_to(thread)[0].message_id;

    // An agent's reply in the thread.
    let mid = fake.channel_message(thread, &bea, IncomingMessage::text("On it").reply_to(relay));
    let i = bot
        .host
        .wait("the agent's reply", |i| {
            i.key.0 == format!("discord:msg:{mid}")
        })
        .await;
    assert_eq!(
        i.place,
        Place::Staff {
            ticket: None,
            thread: Some(format!("discord:thread:{thread}")),
            reply_to: Some(format!("discord:msg:{relay}")),
        }
    );
    assert_eq!(i.what, What::Text("On it".into()));

    // Someone without the role: their message, button press and command are refused.
    let before = bot.host.all().len();
    fake.say(thread, &ann, "/close");
    let press = fake.press_button(&ann, card_id, "Claim");
    let r = fake
        .wait_interaction_response(press.id, WAIT)
        .await
        .expect("answered");
    assert_eq!(r.kind, 4);
    assert_eq!(r.data["content"], json!(Texts::default().not_staff));
    assert_eq!(r.data["flags"], json!(64));
    let slash = fake.slash(&ann, thread, "claim", &[]);
    let r = fake
        .wait_interaction_response(slash.id, WAIT)
        .await
        .expect("answered");
    assert_eq!(r.data["content"], json!(Texts::default().not_staff));

    // The agent's press and command are taken.
    let press = fake.press_button(&bea, card_id, "Claim");
    let i = bot
        .host
        .wait("the agent's press", |i| {
            i.key.0 == format!("discord:interaction:{}", press.id)
        })
        .await;
    assert_eq!(i.what, What::Button("claim:T-1".into()));
    assert_eq!(
        i.place,
        Place::Staff {
            ticket: None,
            thread: None,
            reply_to: Some(format!("discord:msg:{card_id}")),
        }
    );
    let r = fake
        .wait_interaction_response(press.id, WAIT)
        .await
        .unwrap();
    assert_eq!(r.kind, 6);
    let cmd = fake.slash(&bea, thread, "priority", &[("level", json!("high"))]);
    let i = bot
        .host
        .wait("the agent's command", |i| {
            i.key.0 == format!("discord:interaction:{}", cmd.id)
        })
        .await;
    assert_eq!(i.what, What::Text("/priority high".into()));
    let r = fake.wait_interaction_response(cmd.id, WAIT).await.unwrap();
    assert_eq!((r.kind, r.data["flags"].clone()), (4, json!(64)));
    assert_eq!(r.data["content"], json!(Texts::default().done));
    // Only the agent's press and command arrived since.
    assert_eq!(bot.host.all().len(), before + 2, "{:#?}", bot.host.all());
    no_unknown_calls(&fake);
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn customer_text_pings_nobody() {
    let fake = FakeDiscord::start().await;
    let store = Arc::new(MemoryStore::new());
    save(
        &store,
        ticket(1, ChatId::new(Platform::Discord, "1"), Priority::Normal, 1),
    );
    let bot = start(&fake, config(&fake), store).await;
    let text = format!(
        "Ann: @everyone @here <@&{STAFF_ROLE_ID}> <@{}> help",
        900_000_000_000_000_201u64
    );
    bot.discord.deliver(&card(1)).await.unwrap();
    bot.discord.deliver(&to_ticket(1, &text)).await.unwrap();
    let thread = fake.threads()[0].id;
    let s = fake
        .sent_to(thread)
        .into_iter()
        .find(|s| s.content.contains("help"))
        .unwrap();
    assert!(s.mentions.is_empty(), "{:?}", s.mentions);
    assert!(s.mention_roles.is_empty(), "{:?}", s.mention_roles);
    let am = s.allowed_mentions.clone().expect("allowed_mentions set");
    assert_eq!(am["parse"], json!([]));
    assert!(am["users"].as_array().is_none_or(Vec::is_empty));
    assert!(am["roles"].as_array().is_none_or(Vec::is_empty));
    assert!(s.content.contains("@\u{200B}everyone"));
    assert!(s.content.contains("@\u{200B}here"));
    assert!(!s.content.contains("@everyone"));
    // Every message the bot sent restricts mentions.
    for s in fake.sent() {
        assert!(s.allowed_mentions.is_some(), "{s:?}");
    }
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_support_channel_moves_customers_to_a_private_thread() {
    let fake = FakeDiscord::start().await;
    let ann = customer(&fake);
    let cfg = DiscordConfig {
        support_channel_id: SUPPORT_CHANNEL_ID,
        ..config(&fake)
    };
    let bot = start(&fake, cfg, Arc::new(MemoryStore::new())).await;
    let mid = fake.say(SUPPORT_CHANNEL_ID, &ann, "my order never came");
    let i = bot
        .host
        .wait("the moved message", |i| {
            i.key.0 == format!("discord:msg:{mid}")
        })
        .await;
    let threads = fake.threads();
    assert_eq!(threads.len(), 1);
    let t = &threads[0];
    assert_eq!((t.kind, t.parent_id), (12, SUPPORT_CHANNEL_ID));
    assert!(t.members.contains(&ann.id));
    assert!(t.name.starts_with("Support · Ann Lee"), "{}", t.name);
    assert_eq!(
        i.place,
        Place::Customer {
            chat: ChatId::new(Platform::Discord, t.id.to_string())
        }
    );
    assert_eq!(i.what, What::Text("my order never came".into()));
    // The public message is deleted once what it said is durable in the private thread,
    // which is after the submit seen above.
    let t0 = std::time::Instant::now();
    while fake.message(mid).is_some() {
        assert!(
            t0.elapsed() < Duration::from_secs(10),
            "the public message is deleted"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let notice = &fake.sent_to(t.id)[0];
    assert!(notice.content.contains(&format!("<@{}>", ann.id)));
    assert_eq!(notice.mentions, vec![ann.id], "pings exactly the customer");

    // The next public message goes to the same thread; messages in the thread are the
    // customer's; /ticket in the thread names the category.
    let mid2 = fake.say(SUPPORT_CHANNEL_ID, &ann, "order 88123");
    let i = bot
        .host
        .wait("the second message", |i| {
            i.key.0 == format!("discord:msg:{mid2}")
        })
        .await;
    assert_eq!(
        i.place,
        Place::Customer {
            chat: ChatId::new(Platform::Discord, t.id.to_string())
        }
    );
    assert_eq!(fake.threads().len(), 1);
    let mid3 = fake.say(t.id, &ann, "any news?");
    let i = bot
        .host
        .wait("the thread message", |i| {
            i.key.0 == format!("discord:msg:{mid3}")
        })
        .await;
    assert_eq!(
        i.place,
        Place::Customer {
            chat: ChatId::new(Platform::Discord, t.id.to_string())
        }
    );
    assert_eq!(fake.sent_to(t.id).len(), 1, "greeted once");
    no_unknown_calls(&fake);
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slash_ticket_submits_the_category_and_answers() {
    let fake = FakeDiscord::start().await;
    let ann = customer(&fake);
    let bot = start(&fake, config(&fake), Arc::new(MemoryStore::new())).await;
    let dm = fake.dm_channel(&ann);
    let cmd = fake.slash(&ann, dm, "ticket", &[("category", json!("billing"))]);
    let i = bot
        .host
        .wait("/ticket", |i| {
            i.key.0 == format!("discord:interaction:{}", cmd.id)
        })
        .await;
    assert_eq!(i.what, What::Text("/ticket billing".into()));
    assert_eq!(
        i.place,
        Place::Customer {
            chat: ChatId::new(Platform::Discord, dm.to_string())
        }
    );
    assert_eq!(i.from.language.as_deref(), Some("en-US"));
    let r = fake.wait_interaction_response(cmd.id, WAIT).await.unwrap();
    assert_eq!(r.kind, 4);
    assert_eq!(r.data["content"], json!(Texts::default().done));
    assert!(r.delay < Duration::from_secs(3));
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_is_retry_after_and_a_5xx_is_transient() {
    let fake = FakeDiscord::start().await;
    let ann = customer(&fake);
    let bot = start(&fake, config(&fake), Arc::new(MemoryStore::new())).await;
    let dm = fake.dm_channel(&ann);
    let o = Outbound {
        to: Destination::Customer {
            chat: ChatId::new(Platform::Discord, dm.to_string()),
        },
        text: "hello".into(),
        buttons: vec![],
        ticket: None,
        attachment: None,
        source: None,
        replaces: None,
    };
    fake.fail_next_on(
        "POST",
        "/channels/*/messages",
        DiscordFault::RateLimited {
            retry_after_secs: 1.5,
        },
    );
    // The wait Discord asked for, not a guess.
    assert_eq!(
        bot.discord.deliver(&o).await,
        Err(DeliveryError::RetryAfter(Duration::from_millis(1500)))
    );
    fake.fail_next_on("POST", "/channels/*/messages", DiscordFault::ServerError);
    assert!(matches!(
        bot.discord.deliver(&o).await,
        Err(DeliveryError::Transient(_))
    ));
    fake.close_dms(&ann, true);
    assert!(matches!(
        bot.discord.deliver(&o).await,
        Err(DeliveryError::Permanent(_))
    ));
    fake.close_dms(&ann, false);
    bot.discord.deliver(&o).await.unwrap();
    bot.discord.stop_sending();
    assert_eq!(bot.discord.deliver(&o).await, Err(DeliveryError::Stopped));
    // Another platform's chat is not Discord's.
    let tg = Outbound {
        to: Destination::Customer {
            chat: ChatId::new(Platform::Telegram, "5"),
        },
        ..o
    };
    assert_eq!(bot.discord.route(&tg), None);
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gateway_disconnect_loses_nothing() {
    let fake = FakeDiscord::start().await;
    let ann = customer(&fake);
    let bot = start(&fake, config(&fake), Arc::new(MemoryStore::new())).await;
    let m1 = fake.dm(&ann, "one");
    bot.host
        .wait("the first DM", |i| i.key.0 == format!("discord:msg:{m1}"))
        .await;
    assert!(fake.disconnect_gateway());
    let m2 = fake.dm(&ann, "two, while you were away");
    bot.host
        .wait("the DM sent during the gap", |i| {
            i.key.0 == format!("discord:msg:{m2}")
        })
        .await;
    assert!(fake.wait_until(WAIT, |f| f.resumes() == 1).await);
    let m3 = fake.dm(&ann, "three");
    bot.host
        .wait("the DM after", |i| i.key.0 == format!("discord:msg:{m3}"))
        .await;
    let keys: Vec<String> = bot.host.all().into_iter().map(|i| i.key.0).collect();
    assert_eq!(
        keys,
        vec![
            format!("discord:msg:{m1}"),
            format!("discord:msg:{m2}"),
            format!("discord:msg:{m3}")
        ]
    );
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_written_while_away_are_caught_up_at_start() {
    let fake = FakeDiscord::start().await;
    let ann = customer(&fake);
    let bea = agent(&fake);
    let store = Arc::new(MemoryStore::new());
    let dm = fake.dm_channel(&ann);
    save(
        &store,
        ticket(
            1,
            ChatId::new(Platform::Discord, dm.to_string()),
            Priority::Normal,
            1,
        ),
    );

    // A first run: the thread is made, a message is seen.
    let bot = start(&fake, config(&fake), store.clone()).await;
    bot.discord.deliver(&card(1)).await.unwrap();
    let thread = fake.threads()[0].id;
    let seen = fake.dm(&ann, "before the restart");
    bot.host
        .wait("the live DM", |i| i.key.0 == format!("discord:msg:{seen}"))
        .await;
    // The channel's newest message is recorded right after the submit: the stop waits for
    // that record, so that it does not race it (a message fetched again would be dropped
    // by the desk's dedupe; what is checked below is that a recorded one is not fetched).
    let recorded = switchboard_discord::keys::last_seen(dm);
    let t = std::time::Instant::now();
    while store.channel_state(&recorded).unwrap() != Some(seen.to_string()) {
        assert!(
            t.elapsed() < Duration::from_secs(10),
            "the DM's newest message was never recorded"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    bot.stop().await;

    // While the bot is away.
    let a = fake.backfill(dm, &ann, IncomingMessage::text("are you there?"));
    let b = fake.backfill(dm, &ann, IncomingMessage::text("hello??"));
    let c = fake.backfill(thread, &bea, IncomingMessage::text("// called her"));

    let bot = start(&fake, config(&fake), store.clone()).await;
    bot.host
        .wait("the second missed DM", |i| {
            i.key.0 == format!("discord:msg:{b}")
        })
        .await;
    let staff = bot
        .host
        .wait("the missed note", |i| i.key.0 == format!("discord:msg:{c}"))
        .await;
    assert_eq!(
        staff.place,
        Place::Staff {
            ticket: None,
            thread: Some(format!("discord:thread:{thread}")),
            reply_to: None
        }
    );
    let keys: Vec<String> = bot.host.all().into_iter().map(|i| i.key.0).collect();
    let pos = |m: u64| keys.iter().position(|k| *k == format!("discord:msg:{m}"));
    assert!(pos(a).unwrap() < pos(b).unwrap(), "oldest first: {keys:?}");
    // What was submitted before the restart is not fetched again.
    assert_eq!(pos(seen), None, "{keys:?}");
    no_unknown_calls(&fake);
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forum_mode_makes_a_post_per_ticket_and_recreates_a_deleted_one() {
    let fake = FakeDiscord::start().await;
    let store = Arc::new(MemoryStore::new());
    save(
        &store,
        ticket(7, ChatId::new(Platform::Discord, "1"), Priority::Urgent, 1),
    );
    let bea = agent(&fake);
    let cfg = DiscordConfig {
        staff_channel_id: STAFF_FORUM_ID,
        staff_forum: true,
        ..config(&fake)
    };
    let bot = start(&fake, cfg, store.clone()).await;
    bot.discord.deliver(&card(7)).await.unwrap();
    let post = fake.threads()[0].clone();
    assert_eq!(post.parent_id, STAFF_FORUM_ID);
    assert_eq!(post.name, "T-7 · billing · urgent");
    let first = fake.sent_to(post.id)[0].clone();
    assert_eq!(
        first.message_id, post.id,
        "the card is the post's first message"
    );
    assert_eq!(
        first.custom_ids(),
        vec!["claim:T-7".to_string(), "close:T-7".to_string()]
    );
    assert!(
        first.embeds[0]["description"]
            .as_str()
            .unwrap()
            .contains("charged twice")
    );

    let mid = fake.say(post.id, &bea, "taking it");
    let i = bot
        .host
        .wait("the agent in the post", |i| {
            i.key.0 == format!("discord:msg:{mid}")
        })
        .await;
    assert!(
        matches!(&i.place, Place::Staff { thread: Some(t), .. } if *t == format!("discord:thread:{}", post.id))
    );

    // The staff space itself is a post of its own in a forum.
    let alert = Outbound {
        to: Destination::StaffSpace,
        text: "3 tickets waiting".into(),
        buttons: vec![],
        ticket: None,
        attachment: None,
        source: None,
        replaces: None,
    };
    bot.discord.deliver(&alert).await.unwrap();
    bot.discord.deliver(&alert).await.unwrap();
    let posts = fake.threads();
    assert_eq!(posts.len(), 2);
    let staff_post = posts.iter().find(|t| t.id != post.id).unwrap();
    assert_eq!(fake.sent_to(staff_post.id).len(), 2);

    // A post someone deleted: the next message makes a new one (the fake deletes
    // nothing, so the stored thread is pointed at a channel that does not exist).
    store
        .set_channel_state("discord:thread:T-7", Some("1|T-7 · billing · urgent"))
        .unwrap();
    bot.discord
        .deliver(&to_ticket(7, "still there?"))
        .await
        .unwrap();
    assert_eq!(fake.threads().len(), 3);
    no_unknown_calls(&fake);
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_thread_creation_is_retried_from_the_same_card() {
    let fake = FakeDiscord::start().await;
    let store = Arc::new(MemoryStore::new());
    save(
        &store,
        ticket(5, ChatId::new(Platform::Discord, "1"), Priority::Normal, 1),
    );
    let bot = start(&fake, config(&fake), store.clone()).await;
    fake.fail_next_on(
        "POST",
        "/channels/*/messages/*/threads",
        DiscordFault::ServerError,
    );
    assert!(matches!(
        bot.discord.deliver(&card(5)).await,
        Err(DeliveryError::Transient(_))
    ));
    assert!(fake.threads().is_empty());
    assert!(store.channel_state("discord:card:T-5").unwrap().is_some());
    // The outbox's retry.
    bot.discord.deliver(&card(5)).await.unwrap();
    let cards = fake.sent_to(STAFF_CHANNEL_ID);
    assert_eq!(cards.len(), 1, "one card: {cards:?}");
    let threads = fake.threads();
    assert_eq!(threads.len(), 1);
    assert_eq!(threads[0].starter_message, Some(cards[0].message_id));
    assert_eq!(store.channel_state("discord:card:T-5").unwrap(), None);
    assert_eq!(
        store
            .linked_ticket(&format!("discord:thread:{}", threads[0].id))
            .unwrap(),
        Some(TicketId(5))
    );

    // The thread was made but the answer was lost (160004 on the next try): the card's
    // thread is used, and a message that is not the card goes into it whole.
    store.set_channel_state("discord:thread:T-5", None).unwrap();
    store
        .set_channel_state(
            "discord:card:T-5",
            Some(&format!("{}|0", cards[0].message_id)),
        )
        .unwrap();
    bot.discord
        .deliver(&to_ticket(5, "Ann: still there?"))
        .await
        .unwrap();
    assert_eq!(fake.threads().len(), 1);
    assert_eq!(fake.sent_to(STAFF_CHANNEL_ID).len(), 1);
    assert!(
        fake.sent_to(threads[0].id)
            .iter()
            .any(|s| s.content == "Ann: still there?")
    );
    assert_eq!(
        store.channel_state("discord:thread:T-5").unwrap(),
        Some(format!("{}|T-5 · billing · normal", threads[0].id))
    );
    no_unknown_calls(&fake);
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn customer_markdown_reaches_agents_escaped() {
    let fake = FakeDiscord::start().await;
    let store = Arc::new(MemoryStore::new());
    save(
        &store,
        ticket(1, ChatId::new(Platform::Discord, "1"), Priority::Normal, 1),
    );
    let bot = start(&fake, config(&fake), store).await;
    let mut o = card(1);
    o.text = "T-1 · billing\nAnn: ``` **x** [Refund approved](https://evil.example)\n# big".into();
    bot.discord.deliver(&o).await.unwrap();
    let card_msg = fake.sent_to(STAFF_CHANNEL_ID)[0].clone();
    assert_eq!(
        card_msg.embeds[0]["description"],
        json!(
            "T-1 · billing\nAnn: \\`\\`\\` \\*\\*x\\*\\* \\[Refund approved\\](https://evil.example)\n\\# big"
        )
    );
    bot.discord
        .deliver(&to_ticket(1, "Ann: ||hidden|| <@&5> -# small"))
        .await
        .unwrap();
    let thread = fake.threads()[0].id;
    assert_eq!(
        fake.sent_to(thread)[0].content,
        "Ann: \\|\\|hidden\\|\\| \\<@&5> -# small"
    );
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_token_or_staff_permission_keeps_the_message() {
    let fake = FakeDiscord::start().await;
    let store = Arc::new(MemoryStore::new());
    save(
        &store,
        ticket(1, ChatId::new(Platform::Discord, "1"), Priority::Normal, 1),
    );
    let bot = start(&fake, config(&fake), store).await;
    let alert = Outbound {
        to: Destination::StaffSpace,
        text: "3 tickets waiting".into(),
        buttons: vec![],
        ticket: None,
        attachment: None,
        source: None,
        replaces: None,
    };
    for (status, code, message) in [
        (403, 50013, "Missing Permissions"),
        (403, 50001, "Missing Access"),
        (401, 0, "401: Unauthorized"),
    ] {
        fake.fail_next_on(
            "POST",
            "/channels/*/messages",
            DiscordFault::Error {
                status,
                code,
                message: message.into(),
            },
        );
        let r = bot.discord.deliver(&alert).await;
        assert!(
            matches!(r, Err(DeliveryError::Transient(_))),
            "{status} {code}: {r:?}"
        );
    }
    // A form error stays permanent.
    fake.fail_next_on(
        "POST",
        "/channels/*/messages",
        DiscordFault::Error {
            status: 400,
            code: 50035,
            message: "Invalid Form Body".into(),
        },
    );
    assert!(matches!(
        bot.discord.deliver(&alert).await,
        Err(DeliveryError::Permanent(_))
    ));
    bot.discord.deliver(&alert).await.unwrap();
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_or_refused_rename_holds_nothing_up_and_is_not_retried() {
    let fake = FakeDiscord::start().await;
    let store = Arc::new(MemoryStore::new());
    let chat = ChatId::new(Platform::Discord, "1");
    save(&store, ticket(1, chat.clone(), Priority::Normal, 1));
    let bot = start(&fake, config(&fake), store.clone()).await;
    bot.discord.deliver(&card(1)).await.unwrap();
    let thread = fake.threads()[0].id;
    let renames = |f: &FakeDiscord| {
        f.calls()
            .iter()
            .filter(|c| c.method == "PATCH" && c.path.ends_with(&format!("/channels/{thread}")))
            .count()
    };

    // Refused: the message goes, the name is recorded, the next message does not retry.
    save(&store, ticket(1, chat.clone(), Priority::High, 2));
    fake.fail_next_on(
        "PATCH",
        "/channels/*",
        DiscordFault::Error {
            status: 403,
            code: 50013,
            message: "Missing Permissions".into(),
        },
    );
    bot.discord.deliver(&to_ticket(1, "one")).await.unwrap();
    assert!(fake.wait_until(WAIT, |f| renames(f) == 1).await);
    assert_eq!(
        store.channel_state("discord:thread:T-1").unwrap(),
        Some(format!("{thread}|T-1 · billing · high"))
    );
    bot.discord.deliver(&to_ticket(1, "two")).await.unwrap();
    assert_eq!(renames(&fake), 1);
    assert_eq!(fake.sent_to(thread).len(), 2);

    // Slow (as when Discord's two renames in ten minutes are used up): the delivery does
    // not wait for it.
    save(&store, ticket(1, chat, Priority::Urgent, 3));
    fake.fail_next_on(
        "PATCH",
        "/channels/*",
        DiscordFault::Delay(Duration::from_secs(30)),
    );
    let started = tokio::time::Instant::now();
    bot.discord.deliver(&to_ticket(1, "three")).await.unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "{:?}",
        started.elapsed()
    );
    assert!(fake.sent_to(thread).iter().any(|s| s.content == "three"));
    bot.stop().await;
}
