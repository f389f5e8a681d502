//! Drives the fake Discord with the real serenity 0.12 client (REST through
//! `HttpBuilder::proxy` with the rate limiter off, and the gateway through
//! `Client`). If the fake's JSON shapes or protocol were wrong, serenity
//! would fail to deserialize them (gateway events are then dropped
//! silently, REST calls fail) and these tests would time out or fail.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use serenity::all::{
    ApplicationId, ChannelId, ChannelType, ClientBuilder, CommandDataOptionValue,
    CommandOptionType, Context, CreateActionRow, CreateAllowedMentions, CreateAttachment,
    CreateButton, CreateCommand, CreateCommandOption, CreateEmbed, CreateForumPost,
    CreateInteractionResponse, CreateInteractionResponseMessage, CreateMessage, CreateThread,
    EditMessage, EditThread, EventHandler, GatewayIntents, GetMessages, Guild, GuildChannel,
    GuildId, Interaction, Message, MessageId, MessageUpdateEvent, Ready, ResumedEvent,
    ShardManager, UserId,
};
use serenity::async_trait;
use serenity::http::{Http, HttpBuilder, HttpError};
use switchboard_testkit::discord::{
    APPLICATION_ID, BOT_ID, GUILD_ID, STAFF_CHANNEL_ID, STAFF_FORUM_ID, STAFF_ROLE_ID,
    SUPPORT_CHANNEL_ID, TOKEN, Via, intents,
};
use switchboard_testkit::{DiscordConfig, DiscordFault, DiscordUser, FakeDiscord, IncomingMessage};
use tokio::sync::mpsc;

const WAIT: Duration = Duration::from_secs(5);

/// What the event handler saw.
#[derive(Debug)]
enum Ev {
    Ready(Box<Ready>),
    Guild(Box<Guild>),
    Message(Box<Message>),
    Update(Box<MessageUpdateEvent>),
    Interaction(Box<Interaction>),
    Thread(Box<GuildChannel>),
    Resumed,
}

/// Forwards events to the test and, like a minimal adapter, answers
/// customers and interactions.
struct Handler {
    tx: mpsc::UnboundedSender<Ev>,
}

#[async_trait]
impl EventHandler for Handler {
    async fn ready(&self, _ctx: Context, ready: Ready) {
        let _ = self.tx.send(Ev::Ready(Box::new(ready)));
    }

    async fn guild_create(&self, _ctx: Context, guild: Guild, _is_new: Option<bool>) {
        let _ = self.tx.send(Ev::Guild(Box::new(guild)));
    }

    async fn resume(&self, _ctx: Context, _event: ResumedEvent) {
        let _ = self.tx.send(Ev::Resumed);
    }

    async fn message(&self, ctx: Context, msg: Message) {
        let reply = !msg.author.bot && msg.content.starts_with("echo ");
        if reply {
            let text = format!("you said: {}", &msg.content[5..]);
            if let Err(e) = msg.channel_id.say(&ctx.http, text).await {
                panic!("reply failed: {e:?}");
            }
        }
        let _ = self.tx.send(Ev::Message(Box::new(msg)));
    }

    async fn message_update(
        &self,
        _ctx: Context,
        _old: Option<Message>,
        _new: Option<Message>,
        event: MessageUpdateEvent,
    ) {
        let _ = self.tx.send(Ev::Update(Box::new(event)));
    }

    async fn thread_create(&self, _ctx: Context, thread: GuildChannel) {
        let _ = self.tx.send(Ev::Thread(Box::new(thread)));
    }

    async fn interaction_create(&self, ctx: Context, interaction: Interaction) {
        match &interaction {
            Interaction::Command(cmd) if cmd.data.name == "ticket" => {
                let row =
                    CreateActionRow::Buttons(vec![CreateButton::new("claim:1").label("Claim")]);
                let msg = CreateInteractionResponseMessage::new()
                    .content("Ticket #1 opened")
                    .components(vec![row]);
                cmd.create_response(&ctx.http, CreateInteractionResponse::Message(msg))
                    .await
                    .expect("command response accepted");
            }
            Interaction::Component(press) if press.data.custom_id == "claim:1" => {
                let msg = CreateInteractionResponseMessage::new()
                    .content("Claimed by you")
                    .components(vec![]);
                press
                    .create_response(&ctx.http, CreateInteractionResponse::UpdateMessage(msg))
                    .await
                    .expect("component response accepted");
            }
            _ => {}
        }
        let _ = self.tx.send(Ev::Interaction(Box::new(interaction)));
    }
}

struct Bot {
    http: Arc<Http>,
    events: mpsc::UnboundedReceiver<Ev>,
    /// Events seen but not yet asked for: serenity runs each handler call
    /// in its own task, so events may reach the test out of order.
    backlog: Vec<Ev>,
    shards: Arc<ShardManager>,
}

impl Bot {
    /// Waits for the first event `pick` accepts; others are kept for later.
    async fn expect<T>(&mut self, what: &str, pick: impl Fn(&Ev) -> Option<T>) -> T {
        if let Some(i) = self.backlog.iter().position(|ev| pick(ev).is_some())
            && let Some(t) = pick(&self.backlog.remove(i))
        {
            return t;
        }
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            match tokio::time::timeout_at(deadline, self.events.recv()).await {
                Ok(Some(ev)) => match pick(&ev) {
                    Some(t) => return t,
                    None => self.backlog.push(ev),
                },
                Ok(None) => panic!("event handler gone while waiting for {what}"),
                Err(_) => panic!("timed out waiting for {what}; seen: {:?}", self.backlog),
            }
        }
    }

    async fn message(&mut self, what: &str, pred: impl Fn(&Message) -> bool) -> Message {
        self.expect(what, |ev| match ev {
            Ev::Message(m) if pred(m) => Some((**m).clone()),
            _ => None,
        })
        .await
    }
}

impl Drop for Bot {
    fn drop(&mut self) {
        let shards = self.shards.clone();
        tokio::spawn(async move { shards.shutdown_all().await });
    }
}

fn http_for(fake: &FakeDiscord) -> Http {
    HttpBuilder::new(TOKEN)
        .proxy(fake.url())
        .ratelimiter_disabled(true)
        .build()
}

fn all_intents() -> GatewayIntents {
    GatewayIntents::GUILDS
        | GatewayIntents::GUILD_MESSAGES
        | GatewayIntents::DIRECT_MESSAGES
        | GatewayIntents::MESSAGE_CONTENT
}

/// Starts a serenity `Client` against the fake and waits for READY.
async fn start_bot(fake: &FakeDiscord, intents: GatewayIntents) -> Bot {
    let (tx, events) = mpsc::unbounded_channel();
    // `Client::builder(TOKEN, intents)` would talk to discord.com: the
    // proxied Http must be passed in.
    let mut client = ClientBuilder::new_with_http(http_for(fake), intents)
        .event_handler(Handler { tx })
        .await
        .expect("serenity client builds");
    let http = client.http.clone();
    let shards = client.shard_manager.clone();
    tokio::spawn(async move {
        if let Err(e) = client.start().await {
            eprintln!("serenity client stopped: {e:?}");
        }
    });
    let mut bot = Bot {
        http,
        events,
        backlog: Vec::new(),
        shards,
    };
    let ready = bot
        .expect("READY", |ev| match ev {
            Ev::Ready(r) => Some(r.clone()),
            _ => None,
        })
        .await;
    assert_eq!(ready.user.id.get(), BOT_ID);
    assert_eq!(ready.application.id.get(), APPLICATION_ID);
    bot
}

/// The Discord error behind a failed serenity call.
fn discord_error(err: serenity::Error) -> (u16, isize, String) {
    match err {
        serenity::Error::Http(HttpError::UnsuccessfulRequest(resp)) => (
            resp.status_code.as_u16(),
            resp.error.code,
            resp.error.message,
        ),
        other => panic!("expected an unsuccessful request, got {other:?}"),
    }
}

fn customer(fake: &FakeDiscord) -> DiscordUser {
    fake.user(900_000_000_000_000_101, "alice")
}

#[tokio::test]
async fn connects_identifies_and_gets_the_guild() {
    let fake = FakeDiscord::start().await;
    let mut bot = start_bot(&fake, all_intents()).await;
    let guild = bot
        .expect("GUILD_CREATE", |ev| match ev {
            Ev::Guild(g) => Some(g.clone()),
            _ => None,
        })
        .await;
    assert_eq!(guild.id.get(), GUILD_ID);
    for ch in [SUPPORT_CHANNEL_ID, STAFF_CHANNEL_ID, STAFF_FORUM_ID] {
        assert!(
            guild.channels.contains_key(&ChannelId::new(ch)),
            "channel {ch}"
        );
    }
    assert_eq!(
        guild.channels[&ChannelId::new(STAFF_FORUM_ID)].kind,
        ChannelType::Forum
    );
    assert!(guild.roles.contains_key(&STAFF_ROLE_ID.into()));
    assert!(guild.members.contains_key(&UserId::new(BOT_ID)));

    // serenity asks GET /gateway (not /gateway/bot) and connects to the URL
    // it answers, with ?v=10 and no transport compression.
    let calls = fake.calls();
    assert_eq!(calls[0].method, "GET");
    assert_eq!(calls[0].path, "/gateway");
    assert_eq!(fake.gateway_queries(), vec!["v=10".to_owned()]);
    let ids = fake.identifies();
    assert_eq!(ids.len(), 1);
    assert_eq!(ids[0].intents, all_intents().bits());
    assert_eq!(
        ids[0].intents,
        intents::GUILDS
            | intents::GUILD_MESSAGES
            | intents::DIRECT_MESSAGES
            | intents::MESSAGE_CONTENT
    );
    assert!(ids[0].token_ok);
    assert_eq!(ids[0].shard, Some((0, 1)));
    // READY told serenity the application id, which interaction routes need.
    assert_eq!(
        bot.http.application_id(),
        Some(ApplicationId::new(APPLICATION_ID))
    );

    // Heartbeats flow (1 s interval by default).
    assert!(
        fake.wait_until(Duration::from_secs(3), |f| f.heartbeats() >= 1)
            .await
    );
    assert!(
        fake.unknown_calls().is_empty(),
        "{:?}",
        fake.unknown_calls()
    );
}

#[tokio::test]
async fn dm_in_reply_out_and_own_message_echoed() {
    let fake = FakeDiscord::start().await;
    let mut bot = start_bot(&fake, all_intents()).await;
    let alice = customer(&fake);
    let mid = fake.dm(&alice, "echo hello there");
    let dm = fake.dm_channel(&alice);

    let got = bot.message("the DM", |m| m.id.get() == mid).await;
    assert_eq!(got.content, "echo hello there");
    assert_eq!(got.author.id.get(), alice.id);
    assert_eq!(got.channel_id.get(), dm);
    assert!(got.guild_id.is_none());

    let sent = fake
        .wait_sent(WAIT, |s| s.channel_id == dm)
        .await
        .expect("the handler replied");
    assert_eq!(sent.content, "you said: hello there");
    assert_eq!(sent.via, Via::Rest);
    assert!(!sent.edit);

    // Discord sends the bot its own message back; adapters must skip it.
    let own = bot
        .message("the bot's own message", |m| m.author.id.get() == BOT_ID)
        .await;
    assert!(own.author.bot);
    assert_eq!(own.id.get(), sent.message_id);

    // The same DM channel id from POST /users/@me/channels.
    let channel = UserId::new(alice.id)
        .create_dm_channel(&bot.http)
        .await
        .expect("DM channel");
    assert_eq!(channel.id.get(), dm);
    assert!(
        fake.unknown_calls().is_empty(),
        "{:?}",
        fake.unknown_calls()
    );
}

#[tokio::test]
async fn guild_messages_carry_member_roles_and_need_the_content_intent() {
    let fake = FakeDiscord::start().await;
    let agent = fake.user(900_000_000_000_000_201, "agent");
    fake.member(&agent, &[STAFF_ROLE_ID]);
    let alice = customer(&fake);

    let mut bot = start_bot(&fake, all_intents()).await;
    let mid = fake.say(STAFF_CHANNEL_ID, &agent, "I'll take it");
    let got = bot
        .message("the staff message", |m| m.id.get() == mid)
        .await;
    assert_eq!(got.guild_id.map(GuildId::get), Some(GUILD_ID));
    let member = got
        .member
        .as_ref()
        .expect("guild messages carry the member");
    assert!(member.roles.iter().any(|r| r.get() == STAFF_ROLE_ID));
    assert_eq!(got.content, "I'll take it");
    // Members are also answered over REST, for role checks.
    let m = GuildId::new(GUILD_ID)
        .member(&bot.http, UserId::new(agent.id))
        .await
        .expect("member");
    assert!(m.roles.iter().any(|r| r.get() == STAFF_ROLE_ID));
    drop(bot);

    // Without MESSAGE_CONTENT, guild content is blanked (DMs keep it).
    let fake = FakeDiscord::start().await;
    let intents =
        GatewayIntents::GUILDS | GatewayIntents::GUILD_MESSAGES | GatewayIntents::DIRECT_MESSAGES;
    let mut bot = start_bot(&fake, intents).await;
    let mid = fake.say(SUPPORT_CHANNEL_ID, &alice, "secret words");
    let got = bot
        .message("the guild message", |m| m.id.get() == mid)
        .await;
    assert_eq!(got.content, "");
    let mid = fake.dm(&alice, "dm words");
    let got = bot.message("the DM", |m| m.id.get() == mid).await;
    assert_eq!(got.content, "dm words");

    // Without DIRECT_MESSAGES, DMs are not sent at all.
    let fake = FakeDiscord::start().await;
    let mut bot = start_bot(
        &fake,
        GatewayIntents::GUILDS | GatewayIntents::GUILD_MESSAGES,
    )
    .await;
    fake.dm(&customer(&fake), "lost");
    let marker = fake.say(SUPPORT_CHANNEL_ID, &alice, "after");
    let got = bot.message("any message", |_| true).await;
    assert_eq!(got.id.get(), marker);
    assert_eq!(fake.withheld_events(), vec!["MESSAGE_CREATE".to_owned()]);
}

#[tokio::test]
async fn slash_command_and_button_press_are_answered() {
    let fake = FakeDiscord::start().await;
    let mut bot = start_bot(&fake, all_intents()).await;
    let alice = customer(&fake);

    let slash = fake.slash(
        &alice,
        SUPPORT_CHANNEL_ID,
        "ticket",
        &[("category", json!("billing")), ("urgent", json!(true))],
    );
    let seen = bot
        .expect("the command", |ev| match ev {
            Ev::Interaction(i) => i.clone().command(),
            _ => None,
        })
        .await;
    assert_eq!(seen.id.get(), slash.id);
    assert_eq!(seen.token, slash.token);
    assert_eq!(seen.user.id.get(), alice.id);
    assert_eq!(seen.guild_id.map(GuildId::get), Some(GUILD_ID));
    assert_eq!(seen.data.options[0].name, "category");
    assert_eq!(
        seen.data.options[0].value,
        CommandDataOptionValue::String("billing".into())
    );
    assert_eq!(
        seen.data.options[1].value,
        CommandDataOptionValue::Boolean(true)
    );

    let response = fake
        .wait_interaction_response(slash.id, WAIT)
        .await
        .expect("the command was answered");
    assert_eq!(response.kind, 4);
    assert!(response.delay < Duration::from_secs(3));
    let card = fake
        .wait_sent(WAIT, |s| {
            s.via
                == Via::InteractionResponse {
                    interaction_id: slash.id,
                }
        })
        .await
        .expect("the response is a message");
    assert_eq!(card.content, "Ticket #1 opened");
    assert_eq!(card.channel_id, SUPPORT_CHANNEL_ID);
    assert_eq!(card.custom_ids(), vec!["claim:1".to_owned()]);

    let press = fake.press_button(&alice, card.message_id, "Claim");
    let pressed = bot
        .expect("the press", |ev| match ev {
            Ev::Interaction(i) => i.clone().message_component(),
            _ => None,
        })
        .await;
    assert_eq!(pressed.data.custom_id, "claim:1");
    assert_eq!(pressed.message.id.get(), card.message_id);
    let update = fake
        .wait_interaction_response(press.id, WAIT)
        .await
        .expect("the press was answered");
    assert_eq!(update.kind, 7);
    let edited = fake.message(card.message_id).expect("still there");
    assert_eq!(edited["content"], "Claimed by you");
    assert_eq!(edited["components"], json!([]));

    // A second answer to the same interaction is refused, as on Discord.
    let again = bot
        .http
        .create_interaction_response(press.id.into(), &press.token, &json!({"type": 6}), vec![])
        .await
        .expect_err("already acknowledged");
    assert_eq!(discord_error(again).1, 40060);

    // Slash commands in DMs carry `user` instead of `member`.
    let dm = fake.dm_channel(&alice);
    fake.slash(&alice, dm, "status", &[]);
    let seen = bot
        .expect("the DM command", |ev| match ev {
            Ev::Interaction(i) => i.clone().command(),
            _ => None,
        })
        .await;
    assert!(seen.guild_id.is_none());
    assert!(seen.member.is_none());
    assert_eq!(seen.user.id.get(), alice.id);
    assert!(
        fake.unknown_calls().is_empty(),
        "{:?}",
        fake.unknown_calls()
    );
}

#[tokio::test]
async fn late_interaction_answers_and_followups() {
    let config = DiscordConfig {
        interaction_deadline: Duration::from_millis(500),
        ..DiscordConfig::default()
    };
    let fake = FakeDiscord::start_with(config).await;
    let alice = customer(&fake);
    let http = HttpBuilder::new(TOKEN)
        .proxy(fake.url())
        .ratelimiter_disabled(true)
        .application_id(ApplicationId::new(APPLICATION_ID))
        .build();

    let late = fake.slash(
        &alice,
        SUPPORT_CHANNEL_ID,
        "priority",
        &[("level", json!("high"))],
    );
    tokio::time::sleep(Duration::from_millis(600)).await;
    let err = http
        .create_interaction_response(late.id.into(), &late.token, &json!({"type": 5}), vec![])
        .await
        .expect_err("too late");
    assert_eq!(
        discord_error(err),
        (404, 10062, "Unknown interaction".into())
    );

    // Followups need an answer first; then @original and followups work.
    let i = fake.slash(&alice, SUPPORT_CHANNEL_ID, "claim", &[]);
    let err = http
        .create_followup_message(&i.token, &json!({"content": "early"}), vec![])
        .await
        .expect_err("no answer yet");
    assert_eq!(discord_error(err).1, 10015);
    http.create_interaction_response(i.id.into(), &i.token, &json!({"type": 5}), vec![])
        .await
        .expect("deferred");
    let original = http
        .edit_original_interaction_response(&i.token, &json!({"content": "Claimed."}), vec![])
        .await
        .expect("edit @original");
    assert_eq!(original.content, "Claimed.");
    let follow = http
        .create_followup_message(
            &i.token,
            &json!({"content": "only you", "flags": 64}),
            vec![],
        )
        .await
        .expect("followup");
    let sent = fake.sent();
    let edit = sent
        .iter()
        .find(|s| {
            s.via
                == Via::OriginalResponse {
                    interaction_id: i.id,
                }
        })
        .expect("the @original edit is recorded");
    assert!(edit.edit);
    let f = sent
        .iter()
        .find(|s| s.message_id == follow.id.get())
        .expect("the followup is recorded");
    assert!(f.ephemeral());
    // Ephemeral messages are not in the channel's history.
    assert!(
        fake.history(SUPPORT_CHANNEL_ID)
            .iter()
            .all(|m| m["content"] != "only you")
    );
}

#[tokio::test]
async fn resumes_after_disconnects_and_replays_missed_events() {
    let fake = FakeDiscord::start().await;
    let mut bot = start_bot(&fake, all_intents()).await;
    let alice = customer(&fake);

    // Close code 4000: serenity RESUMEs; a DM sent meanwhile is replayed.
    assert!(fake.disconnect_gateway());
    let mid = fake.dm(&alice, "while you were away");
    let got = bot.message("the replayed DM", |m| m.id.get() == mid).await;
    assert_eq!(got.content, "while you were away");
    assert!(fake.wait_until(WAIT, |f| f.resumes() == 1).await);
    bot.expect("RESUMED", |ev| matches!(ev, Ev::Resumed).then_some(()))
        .await;

    // A dropped TCP connection (no close frame): RESUME again.
    assert!(fake.wait_connected(WAIT).await);
    assert!(fake.drop_gateway());
    let mid = fake.dm(&alice, "second gap");
    bot.message("the second replayed DM", |m| m.id.get() == mid)
        .await;
    assert!(fake.wait_until(WAIT, |f| f.resumes() == 2).await);

    // Op 7 RECONNECT: RESUME a third time.
    assert!(fake.wait_connected(WAIT).await);
    assert!(fake.request_reconnect());
    assert!(fake.wait_until(WAIT, |f| f.resumes() == 3).await);

    assert_eq!(fake.identifies().len(), 1, "resumes, not new sessions");
    assert_eq!(fake.gateway_connections(), 4);
}

#[tokio::test]
async fn invalid_session_makes_the_client_identify_again() {
    let fake = FakeDiscord::start().await;
    let mut bot = start_bot(&fake, all_intents()).await;
    fake.invalidate_session_next();
    assert!(fake.disconnect_gateway());
    // serenity waits up to 5 s between two IDENTIFYs of a shard.
    assert!(
        fake.wait_until(Duration::from_secs(8), |f| f.identifies().len() == 2)
            .await
    );
    assert_eq!(fake.rejected_resumes(), 1);
    assert_eq!(fake.resumes(), 0);
    bot.expect("a second READY", |ev| {
        matches!(ev, Ev::Ready(_)).then_some(())
    })
    .await;
}

#[tokio::test]
async fn injected_429_and_5xx_reach_the_caller() {
    let fake = FakeDiscord::start().await;
    let http = http_for(&fake);
    let channel = ChannelId::new(SUPPORT_CHANNEL_ID);

    fake.fail_next_on(
        "POST",
        "/channels/*/messages",
        DiscordFault::RateLimited {
            retry_after_secs: 1.5,
        },
    );
    let err = channel.say(&http, "first try").await.expect_err("429");
    let (status, code, message) = discord_error(err);
    assert_eq!(status, 429);
    // Discord's 429 body has no "code", so serenity cannot decode it as an
    // error body: the status is what the caller can act on.
    assert_eq!(code, -1);
    assert!(message.contains("Could not decode"), "{message}");
    let call = fake.calls().pop().expect("recorded");
    assert_eq!(call.status, 429);
    assert_eq!(call.body["content"], "first try");

    // As on Discord, the bucket stays limited for the time announced: a retry
    // at once is refused again; once the time has passed it goes through.
    let err = channel
        .say(&http, "too soon")
        .await
        .expect_err("still limited");
    assert_eq!(discord_error(err).0, 429);
    tokio::time::sleep(Duration::from_millis(1600)).await;
    channel.say(&http, "second try").await.expect("retry works");
    assert_eq!(fake.sent_to(SUPPORT_CHANNEL_ID).len(), 1);

    fake.fail_next(DiscordFault::ServerError);
    let err = channel.say(&http, "x").await.expect_err("500");
    assert_eq!(discord_error(err).0, 500);
    fake.fail_next(DiscordFault::BadGateway);
    let err = http.get_current_user().await.expect_err("502");
    assert_eq!(discord_error(err).0, 502);

    // A wrong token is refused.
    let wrong = HttpBuilder::new("not-the-token")
        .proxy(fake.url())
        .ratelimiter_disabled(true)
        .build();
    let err = wrong.get_current_user().await.expect_err("401");
    assert_eq!(discord_error(err).0, 401);
}

#[tokio::test]
async fn rest_messages_threads_forum_and_commands() {
    let fake = FakeDiscord::start().await;
    // Without a gateway READY, serenity does not know the application id
    // that command and webhook routes need: give it up front.
    let http = HttpBuilder::new(TOKEN)
        .proxy(fake.url())
        .ratelimiter_disabled(true)
        .application_id(ApplicationId::new(APPLICATION_ID))
        .build();
    let alice = customer(&fake);
    let agent = fake.user(900_000_000_000_000_201, "agent");
    fake.member(&agent, &[STAFF_ROLE_ID]);

    let me = http.get_current_user().await.expect("users/@me");
    assert_eq!(me.id.get(), BOT_ID);
    let app = http
        .get_current_application_info()
        .await
        .expect("oauth2/applications/@me");
    assert_eq!(app.id.get(), APPLICATION_ID);
    let gw = http.get_bot_gateway().await.expect("gateway/bot");
    assert_eq!(gw.url, fake.gateway_url());

    // A message with an embed, a button, a reply, restricted mentions and a
    // file (multipart with payload_json).
    let dm = UserId::new(alice.id)
        .create_dm_channel(&http)
        .await
        .expect("DM");
    let question = fake.dm(&alice, "where is my order?");
    let sent = dm
        .id
        .send_message(
            &http,
            CreateMessage::new()
                .content(format!("<@{}> ticket #7 is open", alice.id))
                .embed(CreateEmbed::new().title("Ticket #7").description("Billing"))
                .button(CreateButton::new("close:7").label("Close"))
                .reference_message((dm.id, MessageId::new(question)))
                .allowed_mentions(CreateAllowedMentions::new().users(vec![UserId::new(alice.id)]))
                .add_file(CreateAttachment::bytes(b"log line".as_slice(), "log.txt")),
        )
        .await
        .expect("send with everything");
    assert_eq!(sent.attachments[0].filename, "log.txt");
    let rec = fake.sent().pop().expect("recorded");
    assert_eq!(rec.embeds[0]["title"], "Ticket #7");
    assert_eq!(rec.custom_ids(), vec!["close:7".to_owned()]);
    assert_eq!(rec.attachments, vec!["log.txt".to_owned()]);
    assert_eq!(rec.mentions, vec![alice.id]);
    assert_eq!(
        rec.message_reference
            .as_ref()
            .map(|r| r["message_id"].clone()),
        Some(json!(question.to_string()))
    );
    assert!(rec.allowed_mentions.is_some());
    // The attachment URL serves the bytes.
    let bytes = reqwest::get(&sent.attachments[0].url)
        .await
        .expect("GET attachment")
        .bytes()
        .await
        .expect("body");
    assert_eq!(&bytes[..], b"log line");

    // A customer who closed their DMs.
    fake.close_dms(&alice, true);
    let err = dm.id.say(&http, "hello?").await.expect_err("DMs closed");
    assert_eq!(
        discord_error(err),
        (403, 50007, "Cannot send messages to this user".into())
    );
    fake.close_dms(&alice, false);

    let edited = dm
        .id
        .edit_message(
            &http,
            sent.id,
            EditMessage::new().content("ticket #7 closed"),
        )
        .await
        .expect("edit");
    assert!(edited.edited_timestamp.is_some());
    assert!(fake.sent().pop().expect("edit recorded").edit);

    // Catch-up: messages that arrived while the bot was down.
    let gap1 = fake.backfill(dm.id.get(), &alice, IncomingMessage::text("one"));
    let gap2 = fake.backfill(dm.id.get(), &alice, IncomingMessage::text("two"));
    let page = dm
        .id
        .messages(&http, GetMessages::new().after(sent.id).limit(50))
        .await
        .expect("history");
    let ids: Vec<u64> = page.iter().map(|m| m.id.get()).collect();
    assert_eq!(ids, vec![gap2, gap1], "newest first, as Discord answers");

    // A private thread for a ticket in the staff channel, with the agent.
    let thread = ChannelId::new(STAFF_CHANNEL_ID)
        .create_thread(
            &http,
            CreateThread::new("ticket-7")
                .kind(ChannelType::PrivateThread)
                .invitable(false),
        )
        .await
        .expect("private thread");
    assert_eq!(thread.kind, ChannelType::PrivateThread);
    thread
        .id
        .add_thread_member(&http, UserId::new(agent.id))
        .await
        .expect("add member");
    thread
        .id
        .edit_thread(
            &http,
            EditThread::new().name("ticket-7 (closed)").archived(true),
        )
        .await
        .expect("rename and archive");
    let view = fake.thread(thread.id.get()).expect("thread");
    assert_eq!(view.name, "ticket-7 (closed)");
    assert!(view.archived);
    assert_eq!(view.members, vec![BOT_ID, agent.id]);
    // Writing in an archived thread reopens it; a locked one refuses.
    thread.id.say(&http, "reopening").await.expect("reopens");
    assert!(!fake.thread(thread.id.get()).expect("thread").archived);
    thread
        .id
        .edit_thread(&http, EditThread::new().archived(true).locked(true))
        .await
        .expect("lock");
    let err = thread.id.say(&http, "locked").await.expect_err("locked");
    assert_eq!(discord_error(err).1, 50083);
    // A thread without a type is refused in API v10.
    let err = ChannelId::new(STAFF_CHANNEL_ID)
        .create_thread(&http, CreateThread::new("untyped"))
        .await
        .expect_err("type required");
    assert_eq!(discord_error(err).1, 50035);

    // A forum post: a thread whose first message has the thread's id.
    let post = ChannelId::new(STAFF_FORUM_ID)
        .create_forum_post(
            &http,
            CreateForumPost::new("Ticket #7", CreateMessage::new().content("card")),
        )
        .await
        .expect("forum post");
    assert_eq!(post.parent_id.map(ChannelId::get), Some(STAFF_FORUM_ID));
    let first = fake.message(post.id.get()).expect("starter message");
    assert_eq!(first["content"], "card");
    let rec = fake.sent().pop().expect("recorded");
    assert_eq!((rec.via, rec.channel_id), (Via::ForumPost, post.id.get()));

    // A thread from a message has the message's id.
    let notice = ChannelId::new(STAFF_CHANNEL_ID)
        .say(&http, "New ticket #8")
        .await
        .expect("notice");
    let t = ChannelId::new(STAFF_CHANNEL_ID)
        .create_thread_from_message(&http, notice.id, CreateThread::new("ticket-8"))
        .await
        .expect("thread from message");
    assert_eq!(t.id.get(), notice.id.get());

    // Guild commands, bulk overwrite then read back.
    let guild = GuildId::new(GUILD_ID);
    let cmds = guild
        .set_commands(
            &http,
            vec![
                CreateCommand::new("ticket")
                    .description("Open a ticket")
                    .add_option(
                        CreateCommandOption::new(CommandOptionType::String, "category", "Category")
                            .required(true),
                    ),
                CreateCommand::new("claim").description("Claim this ticket"),
            ],
        )
        .await
        .expect("bulk overwrite");
    assert_eq!(cmds.len(), 2);
    let names: Vec<String> = fake
        .registered_commands()
        .into_iter()
        .map(|c| c.name)
        .collect();
    assert_eq!(names, vec!["ticket".to_owned(), "claim".to_owned()]);
    assert_eq!(
        guild.get_commands(&http).await.expect("GET commands").len(),
        2
    );

    // Validation Discord does: empty and over-long messages.
    let err = http
        .send_message(
            ChannelId::new(SUPPORT_CHANNEL_ID),
            vec![],
            &json!({"content": ""}),
        )
        .await
        .expect_err("empty");
    assert_eq!(discord_error(err).1, 50006);
    let err = http
        .send_message(
            ChannelId::new(SUPPORT_CHANNEL_ID),
            vec![],
            &json!({"content": "x".repeat(2001)}),
        )
        .await
        .expect_err("too long");
    assert_eq!(discord_error(err).1, 50035);
    let err = ChannelId::new(1)
        .say(&http, "nowhere")
        .await
        .expect_err("unknown");
    assert_eq!(discord_error(err), (404, 10003, "Unknown Channel".into()));

    assert!(
        fake.unknown_calls().is_empty(),
        "{:?}",
        fake.unknown_calls()
    );
    // An unknown route is answered 404 and recorded.
    let _ = http
        .get_scheduled_events(guild, false)
        .await
        .expect_err("not faked");
    let unknown = fake.unknown_calls();
    assert_eq!(unknown.len(), 1);
    assert_eq!(
        unknown[0].path,
        format!("/guilds/{GUILD_ID}/scheduled-events")
    );
}

#[tokio::test]
async fn threads_and_edits_reach_the_bot_and_json_is_serenity_shaped() {
    let fake = FakeDiscord::start().await;
    let mut bot = start_bot(&fake, all_intents()).await;
    let alice = customer(&fake);

    let thread = fake.user_thread(SUPPORT_CHANNEL_ID, &alice, "help", false);
    let seen = bot
        .expect("THREAD_CREATE", |ev| match ev {
            Ev::Thread(t) => Some(t.clone()),
            _ => None,
        })
        .await;
    assert_eq!(seen.id.get(), thread);
    let mid = fake.channel_message(
        thread,
        &alice,
        IncomingMessage::text("<@800000000000000001> see attached")
            .mention(BOT_ID)
            .attachment("shot.png", "image/png", b"\x89PNG"),
    );
    let got = bot
        .message("the thread message", |m| m.id.get() == mid)
        .await;
    assert_eq!(got.channel_id.get(), thread);
    assert_eq!(got.attachments[0].filename, "shot.png");
    assert!(got.mentions.iter().any(|u| u.id.get() == BOT_ID));

    fake.edit(mid, "edited text");
    let update = bot
        .expect("MESSAGE_UPDATE", |ev| match ev {
            Ev::Update(u) => Some(u.clone()),
            _ => None,
        })
        .await;
    assert_eq!(update.content.as_deref(), Some("edited text"));

    // Every stored object deserializes into serenity's models.
    for m in fake.history(thread) {
        serde_json::from_value::<Message>(m).expect("message shape");
    }
    let raw: Value = fake.message(mid).expect("stored");
    assert_eq!(raw["id"], json!(mid.to_string()));
}
