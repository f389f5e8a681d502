//! Drives the fake Telegram with the real teloxide client: if the fake's JSON
//! shapes or error texts were wrong, teloxide would fail to deserialize them
//! (updates would come back as `UpdateKind::Error`) and these tests would
//! fail.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use switchboard_testkit::{
    BOT_ID, BOT_USERNAME, FakeTelegram, Fault, LimitRule, Media, TOKEN, TgUser,
};
use teloxide::prelude::*;
use teloxide::types::{
    BotCommand, CallbackQueryId, ChatFullInfoKind, ChatFullInfoPublicKind, FileId,
    InlineKeyboardButton, InlineKeyboardMarkup, InputFile, MessageEntityKind, MessageId, ParseMode,
    ReplyParameters, Rgb, ThreadId, UpdateKind,
};
use teloxide::{ApiError, RequestError};

const GROUP: i64 = -1_001_234_567_890;

async fn setup() -> (FakeTelegram, Bot) {
    let fake = FakeTelegram::start().await;
    let url = reqwest::Url::parse(&fake.url()).expect("the fake's url parses");
    let bot = Bot::new(fake.token()).set_api_url(url);
    (fake, bot)
}

fn thread(id: i32) -> ThreadId {
    ThreadId(MessageId(id))
}

fn api_error(result: Result<impl std::fmt::Debug, RequestError>) -> ApiError {
    match result {
        Err(RequestError::Api(e)) => e,
        other => panic!("expected an API error, got {other:?}"),
    }
}

fn unknown_error(result: Result<impl std::fmt::Debug, RequestError>) -> String {
    match api_error(result) {
        ApiError::Unknown(text) => text,
        other => panic!("expected ApiError::Unknown, got {other:?}"),
    }
}

/// The updates teloxide reads, with a check that none failed to parse.
async fn updates(bot: &Bot, offset: i32) -> Vec<Update> {
    let got = bot
        .get_updates()
        .offset(offset)
        .timeout(0)
        .await
        .expect("getUpdates works");
    for u in &got {
        assert!(
            !matches!(u.kind, UpdateKind::Error(_)),
            "teloxide could not parse update {u:?}"
        );
    }
    got
}

fn message(update: &Update) -> &Message {
    match &update.kind {
        UpdateKind::Message(m) | UpdateKind::EditedMessage(m) => m,
        other => panic!("expected a message update, got {other:?}"),
    }
}

#[tokio::test]
async fn get_me_and_wrong_token() {
    let (fake, bot) = setup().await;
    let me = bot.get_me().await.expect("getMe works");
    assert_eq!(me.user.id.0, u64::try_from(BOT_ID).expect("positive"));
    assert!(me.user.is_bot);
    assert_eq!(me.user.first_name, "Switchboard");
    assert_eq!(me.username(), BOT_USERNAME);
    assert_eq!(fake.token(), TOKEN);

    let url = reqwest::Url::parse(&fake.url()).expect("the fake's url parses");
    let wrong = Bot::new("654321:WRONG").set_api_url(url);
    assert_eq!(api_error(wrong.get_me().await), ApiError::InvalidToken);

    // The raw answer is Telegram's.
    let raw = reqwest::Client::new()
        .post(format!("{}/bot654321:WRONG/getMe", fake.url()))
        .send()
        .await
        .expect("request goes through");
    assert_eq!(raw.status(), 401);
    let body: Value = raw.json().await.expect("json body");
    assert_eq!(
        body,
        json!({"ok": false, "error_code": 401, "description": "Unauthorized"})
    );
    let statuses: Vec<u16> = fake.calls().iter().map(|c| c.status).collect();
    assert_eq!(statuses, vec![200, 401, 401]);
}

#[tokio::test]
async fn long_poll_returns_on_push_and_offset_confirms() {
    let (fake, bot) = setup().await;
    let ann = fake.user(42, "Ann", Some("de"));
    let first = fake.private_text(&ann, "/start hello");

    let got = updates(&bot, 0).await;
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].id.0, 1);
    let m = message(&got[0]);
    assert_eq!(m.id, MessageId(first));
    assert_eq!(m.text(), Some("/start hello"));
    assert_eq!(m.chat.id, ChatId(42));
    assert!(m.chat.is_private());
    let from = m.from.as_ref().expect("sender");
    assert_eq!(from.first_name, "Ann");
    assert_eq!(from.language_code.as_deref(), Some("de"));
    assert_eq!(
        m.entities().map(|e| e[0].kind.clone()),
        Some(MessageEntityKind::BotCommand)
    );
    // Not confirmed yet: still pending and returned again.
    assert_eq!(fake.pending_updates(), 1);
    assert_eq!(updates(&bot, 0).await.len(), 1);

    // A long poll with offset 2 confirms update 1 and waits for the next.
    let poll_bot = bot.clone();
    let started = Instant::now();
    let poll = tokio::spawn(async move { poll_bot.get_updates().offset(2).timeout(5).await });
    // This sleep stays: with no update, the poll must not answer for these 300 ms (the
    // `waited` check below); the wait after it is the poll being in place.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        !poll.is_finished(),
        "the long poll answered without an update"
    );
    assert!(
        fake.wait_until(Duration::from_secs(2), |f| f.pending_updates() == 0)
            .await
    );
    fake.private_text(&ann, "second");
    let got = poll.await.expect("poll task").expect("long poll answers");
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_millis(300) && waited < Duration::from_secs(3),
        "long poll answered after {waited:?}"
    );
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].id.0, 2);
    assert_eq!(message(&got[0]).text(), Some("second"));

    // Confirm it; an empty long poll waits its timeout and answers [].
    let started = Instant::now();
    let none = bot
        .get_updates()
        .offset(3)
        .timeout(1)
        .await
        .expect("getUpdates works");
    assert!(none.is_empty());
    assert!(started.elapsed() >= Duration::from_millis(950));
    assert_eq!(fake.pending_updates(), 0);
}

#[tokio::test]
async fn a_newer_get_updates_ends_a_waiting_one_with_409() {
    let (fake, bot) = setup().await;
    let first_bot = bot.clone();
    let first = tokio::spawn(async move { first_bot.get_updates().timeout(5).await });
    // Until the first poll waits at the fake.
    assert!(
        fake.wait_until(Duration::from_secs(5), |f| f.polls_started() == 1)
            .await,
        "the first getUpdates never reached the fake"
    );
    let second = bot
        .get_updates()
        .timeout(0)
        .await
        .expect("the newer poll works");
    assert!(second.is_empty());
    assert_eq!(
        api_error(first.await.expect("poll task")),
        ApiError::TerminatedByOtherGetUpdates
    );
    assert_eq!(fake.calls_to("getUpdates").len(), 2);
}

#[tokio::test]
async fn send_message_html_and_keyboard_round_trip() {
    let (fake, bot) = setup().await;
    let ann = fake.user(42, "Ann", None);
    let asked = fake.private_text(&ann, "<b>& is this bold?");
    let got = updates(&bot, 0).await;
    let text = message(&got[0]).text().expect("text").to_owned();
    assert_eq!(text, "<b>& is this bold?");

    let escaped = text
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    let keyboard = InlineKeyboardMarkup::new(vec![vec![
        InlineKeyboardButton::callback("Yes", "ticket:7:yes"),
        InlineKeyboardButton::callback("No", "ticket:7:no"),
    ]]);
    let sent = bot
        .send_message(
            ChatId(42),
            format!("  You wrote: <i>{escaped}</i> <a href=\"https://example.com/t/7\">#7</a>\n"),
        )
        .parse_mode(ParseMode::Html)
        .reply_markup(keyboard.clone())
        .reply_parameters(ReplyParameters::new(MessageId(asked)))
        .await
        .expect("sendMessage works");
    assert_eq!(sent.text(), Some("You wrote: <b>& is this bold? #7"));
    assert_eq!(sent.from.as_ref().map(|u| u.id.0), Some(1000));
    assert_eq!(sent.chat.id, ChatId(42));
    assert_eq!(sent.id, MessageId(asked + 1));
    assert_eq!(sent.reply_markup(), Some(&keyboard));
    assert_eq!(
        sent.reply_to_message().map(|m| m.id),
        Some(MessageId(asked))
    );
    let entities = sent.entities().expect("entities");
    assert_eq!(entities.len(), 2);
    assert_eq!(entities[0].kind, MessageEntityKind::Italic);
    assert_eq!((entities[0].offset, entities[0].length), (11, 18));
    assert_eq!(
        entities[1].kind,
        MessageEntityKind::TextLink {
            url: reqwest::Url::parse("https://example.com/t/7").expect("url")
        }
    );

    let record = fake.sent_to(42);
    assert_eq!(record.len(), 1);
    assert_eq!(record[0].text, "You wrote: <b>& is this bold? #7");
    assert!(record[0].raw_text.contains("&lt;b&gt;&amp;"));
    assert_eq!(record[0].parse_mode.as_deref(), Some("HTML"));
    assert_eq!(
        record[0].buttons,
        vec![
            ("Yes".to_owned(), "ticket:7:yes".to_owned()),
            ("No".to_owned(), "ticket:7:no".to_owned())
        ]
    );
    assert_eq!(record[0].reply_to, Some(asked));
    assert_eq!(fake.audit_rate_limits(), vec![]);
}

#[tokio::test]
async fn send_message_validation_matches_telegram() {
    let (fake, bot) = setup().await;
    let ann = fake.user(42, "Ann", None);
    fake.private_text(&ann, "hi");
    let html = |text: &str| {
        bot.send_message(ChatId(42), text.to_owned())
            .parse_mode(ParseMode::Html)
    };

    match api_error(html("a <b>bold</i> move").await) {
        ApiError::CantParseEntities(text) => assert_eq!(
            text,
            "Bad Request: can't parse entities: Unmatched end tag at byte offset 9, expected \"</b>\", found \"</i>\""
        ),
        other => panic!("expected CantParseEntities, got {other:?}"),
    }
    for bad in ["1 < 2", "fish & chips", "<b>open", "<script>x</script>"] {
        assert!(
            matches!(api_error(html(bad).await), ApiError::CantParseEntities(_)),
            "{bad:?} must be rejected"
        );
    }
    assert_eq!(
        api_error(html("<b> </b>").await),
        ApiError::MessageTextIsEmpty
    );
    // 2049 emoji are 4098 UTF-16 code units.
    assert_eq!(
        api_error(bot.send_message(ChatId(42), "😀".repeat(2049)).await),
        ApiError::MessageIsTooLong
    );
    assert!(
        bot.send_message(ChatId(42), "😀".repeat(2048))
            .await
            .is_ok()
    );
    let long_data = InlineKeyboardMarkup::new(vec![vec![InlineKeyboardButton::callback(
        "x",
        "d".repeat(65),
    )]]);
    assert_eq!(
        api_error(
            bot.send_message(ChatId(42), "x")
                .reply_markup(long_data)
                .await
        ),
        ApiError::ButtonDataInvalid
    );
    assert_eq!(
        api_error(bot.send_message(ChatId(777_000), "x").await),
        ApiError::ChatNotFound
    );
    assert_eq!(
        api_error(
            bot.send_message(ChatId(42), "x")
                .reply_parameters(ReplyParameters::new(MessageId(999)))
                .await
        ),
        ApiError::MessageToReplyNotFound
    );
    assert_eq!(
        unknown_error(
            bot.send_message(ChatId(42), "*x*")
                .parse_mode(ParseMode::MarkdownV2)
                .await
        ),
        "Bad Request: unsupported parse mode in the fake"
    );

    // A user who never wrote, and one who blocked the bot.
    fake.user(43, "Bo", None);
    assert_eq!(
        unknown_error(bot.send_message(ChatId(43), "x").await),
        "Forbidden: bot can't initiate conversation with a user"
    );
    fake.block_bot(42, true);
    assert_eq!(
        api_error(bot.send_message(ChatId(42), "x").await),
        ApiError::BotBlocked
    );
    let statuses: Vec<u16> = fake
        .calls_to("sendMessage")
        .iter()
        .map(|c| c.status)
        .collect();
    assert_eq!(
        statuses,
        vec![
            400, 400, 400, 400, 400, 400, 400, 200, 400, 400, 400, 400, 403, 403
        ]
    );
    assert_eq!(fake.sent().len(), 1, "only the valid message was stored");
}

#[tokio::test]
async fn callback_query_and_answer() {
    let (fake, bot) = setup().await;
    let ann = fake.user(42, "Ann", None);
    fake.private_text(&ann, "hi");
    let keyboard = InlineKeyboardMarkup::new(vec![
        vec![InlineKeyboardButton::callback("Good", "rate:5")],
        vec![InlineKeyboardButton::callback("Bad", "rate:1")],
    ]);
    let sent = bot
        .send_message(ChatId(42), "How did we do?")
        .reply_markup(keyboard)
        .await
        .expect("sendMessage works");

    let callback_id = fake.press_button(&ann, 42, sent.id.0, "Bad");
    let got = updates(&bot, 2).await;
    assert_eq!(got.len(), 1);
    let UpdateKind::CallbackQuery(q) = &got[0].kind else {
        panic!("expected a callback query, got {:?}", got[0].kind);
    };
    assert_eq!(q.id.0, callback_id);
    assert_eq!(q.data.as_deref(), Some("rate:1"));
    assert_eq!(q.from.id, UserId(42));
    let on = q
        .regular_message()
        .expect("the bot's message is accessible");
    assert_eq!(on.id, sent.id);
    assert_eq!(on.text(), Some("How did we do?"));

    bot.answer_callback_query(CallbackQueryId(callback_id.clone()))
        .text("Thanks!")
        .await
        .expect("answerCallbackQuery works");
    let again = unknown_error(
        bot.answer_callback_query(CallbackQueryId(callback_id.clone()))
            .await,
    );
    assert_eq!(
        again,
        "Bad Request: query is too old and response timeout expired or query ID is invalid"
    );
    assert_eq!(
        fake.answered_callbacks(),
        vec![(callback_id, Some("Thanks!".to_owned()))]
    );
}

#[tokio::test]
async fn forum_topics_lifecycle() {
    let (fake, bot) = setup().await;
    fake.supergroup(GROUP, "Support desk", true);
    fake.supergroup(-1_009, "Plain group", false);
    let agent = fake.user(7, "Agent", None);

    let topic = bot
        .create_forum_topic(ChatId(GROUP), "Ticket #7 Ann")
        .icon_color(Rgb::from_u32(0x6FB9F0))
        .await
        .expect("createForumTopic works");
    assert_eq!(topic.name, "Ticket #7 Ann");
    assert_eq!(topic.icon_color.to_u32(), 0x6FB9F0);
    let t = topic.thread_id.0.0;
    let service = fake.message(GROUP, t).expect("service message stored");
    assert_eq!(service["forum_topic_created"]["name"], "Ticket #7 Ann");

    let sent = bot
        .send_message(ChatId(GROUP), "New ticket")
        .message_thread_id(topic.thread_id)
        .await
        .expect("send into the topic");
    assert_eq!(sent.thread_id, Some(thread(t)));
    assert!(sent.is_topic_message);
    let root = sent.reply_to_message().expect("topic root shown as reply");
    assert_eq!(root.id, MessageId(t));
    assert_eq!(
        root.forum_topic_created().map(|c| c.name.as_str()),
        Some("Ticket #7 Ann")
    );
    assert_eq!(fake.sent()[0].reply_to, None);
    assert_eq!(fake.sent()[0].thread_id, Some(t));

    // An agent writes in the topic; teloxide reads the thread.
    let reply = fake.group_text(GROUP, Some(t), &agent, "On it", None);
    let got = updates(&bot, 0).await;
    let m = message(&got[0]);
    assert_eq!(m.id, MessageId(reply));
    assert_eq!(m.thread_id, Some(thread(t)));
    assert!(m.chat.is_supergroup());

    bot.edit_forum_topic(ChatId(GROUP), thread(t))
        .name("Ticket #7 Ann (VIP)")
        .await
        .expect("editForumTopic works");
    assert_eq!(
        unknown_error(
            bot.edit_forum_topic(ChatId(GROUP), thread(t))
                .name("Ticket #7 Ann (VIP)")
                .await
        ),
        "Bad Request: TOPIC_NOT_MODIFIED"
    );
    bot.close_forum_topic(ChatId(GROUP), thread(t))
        .await
        .expect("closeForumTopic works");
    assert_eq!(
        unknown_error(
            bot.send_message(ChatId(GROUP), "still there?")
                .message_thread_id(thread(t))
                .await
        ),
        "Bad Request: TOPIC_CLOSED"
    );
    bot.reopen_forum_topic(ChatId(GROUP), thread(t))
        .await
        .expect("reopenForumTopic works");
    assert_eq!(
        unknown_error(bot.reopen_forum_topic(ChatId(GROUP), thread(t)).await),
        "Bad Request: TOPIC_NOT_MODIFIED"
    );
    assert_eq!(
        fake.topics(GROUP)
            .iter()
            .map(|x| (x.thread_id, x.name.as_str(), x.closed, x.deleted))
            .collect::<Vec<_>>(),
        vec![(t, "Ticket #7 Ann (VIP)", false, false)]
    );

    // An admin closes it by hand: the bot sees the service message.
    fake.close_topic(GROUP, t);
    let got = updates(&bot, 2).await;
    assert!(message(&got[0]).forum_topic_closed().is_some());
    fake.reopen_topic(GROUP, t);
    fake.delete_topic(GROUP, t);
    assert_eq!(
        unknown_error(
            bot.send_message(ChatId(GROUP), "hello?")
                .message_thread_id(thread(t))
                .await
        ),
        "Bad Request: message thread not found"
    );
    assert!(fake.topics(GROUP)[0].deleted);
    assert_eq!(
        unknown_error(bot.create_forum_topic(ChatId(-1_009), "x").await),
        "Bad Request: the chat is not a forum"
    );
    assert_eq!(
        unknown_error(bot.create_forum_topic(ChatId(GROUP), "").await),
        "Bad Request: TOPIC_NAME_INVALID"
    );
}

#[tokio::test]
async fn media_by_file_id_and_copies() {
    let (fake, bot) = setup().await;
    fake.supergroup(GROUP, "Support desk", true);
    let ann = fake.user(42, "Ann", None);
    let (photo_msg, photo_id) = fake.private_media(&ann, Media::Photo, Some("my receipt"));
    let (_, doc_id) = fake.private_media(&ann, Media::Document, None);
    let (_, voice_id) = fake.private_media(&ann, Media::Voice, None);
    let (_, video_id) = fake.private_media(&ann, Media::Video, Some("clip"));
    let (_, sticker_id) = fake.private_media(&ann, Media::Sticker, None);

    let got = updates(&bot, 0).await;
    assert_eq!(got.len(), 5);
    let photo = message(&got[0]);
    assert_eq!(photo.caption(), Some("my receipt"));
    let sizes = photo.photo().expect("photo sizes");
    assert_eq!(
        sizes.last().map(|p| p.file.id.0.as_str()),
        Some(photo_id.as_str())
    );
    assert_eq!(
        message(&got[1]).document().map(|d| d.file.id.0.clone()),
        Some(doc_id)
    );
    assert_eq!(
        message(&got[2]).voice().map(|d| d.file.id.0.clone()),
        Some(voice_id)
    );
    assert_eq!(
        message(&got[3]).video().map(|d| d.file.id.0.clone()),
        Some(video_id)
    );
    assert_eq!(
        message(&got[4]).sticker().map(|d| d.file.id.0.clone()),
        Some(sticker_id.clone())
    );

    let sent = bot
        .send_photo(ChatId(GROUP), InputFile::file_id(FileId(photo_id.clone())))
        .caption("From <b>Ann</b>")
        .parse_mode(ParseMode::Html)
        .await
        .expect("sendPhoto by file id works");
    assert_eq!(sent.caption(), Some("From Ann"));
    assert_eq!(
        sent.photo()
            .and_then(|p| p.last())
            .map(|p| p.file.id.0.clone()),
        Some(photo_id.clone())
    );
    bot.send_sticker(ChatId(GROUP), InputFile::file_id(FileId(sticker_id)))
        .await
        .expect("sendSticker works");
    assert_eq!(
        api_error(
            bot.send_photo(ChatId(GROUP), InputFile::file_id(FileId("AgACnope".into())))
                .await
        ),
        ApiError::WrongFileIdOrUrl
    );
    // teloxide sends these as multipart/form-data.
    let call = fake.calls_to("sendPhoto");
    assert_eq!(call[0].params["photo"], json!(photo_id));
    assert_eq!(call[0].params["chat_id"], json!(GROUP.to_string()));

    let copy = bot
        .copy_message(ChatId(GROUP), ChatId(42), MessageId(photo_msg))
        .await
        .expect("copyMessage works");
    let sent_list = fake.sent_to(GROUP);
    assert_eq!(sent_list.len(), 3);
    let copied = &sent_list[2];
    assert_eq!(copied.message_id, copy.0);
    assert_eq!(copied.media, Some((Media::Photo, photo_id)));
    assert_eq!(copied.text, "my receipt");
    assert_eq!(copied.copy_of, Some((42, photo_msg)));
    assert_eq!(
        sent_list[1].media.as_ref().map(|m| m.0),
        Some(Media::Sticker)
    );
}

#[tokio::test]
async fn get_chat_shapes() {
    let (fake, bot) = setup().await;
    fake.supergroup(GROUP, "Support desk", true);
    fake.add_user(
        TgUser::new(42, "Ann")
            .with_last_name("Lee")
            .with_username("ann_l"),
    );
    let private = bot.get_chat(ChatId(42)).await.expect("getChat private");
    assert!(private.is_private());
    assert_eq!(private.username(), Some("ann_l"));
    let group = bot.get_chat(ChatId(GROUP)).await.expect("getChat group");
    assert!(group.is_supergroup());
    assert_eq!(group.title(), Some("Support desk"));
    let ChatFullInfoKind::Public(public) = &group.kind else {
        panic!("a supergroup is public: {group:?}");
    };
    let ChatFullInfoPublicKind::Supergroup(sg) = &public.kind else {
        panic!("expected a supergroup: {group:?}");
    };
    assert!(sg.is_forum);
    assert_eq!(
        api_error(bot.get_chat(ChatId(-5)).await),
        ApiError::ChatNotFound
    );
}

#[tokio::test]
async fn edits_and_incoming_edits() {
    let (fake, bot) = setup().await;
    let ann = fake.user(42, "Ann", None);
    let asked = fake.private_text(&ann, "my order is lat");
    let keyboard =
        InlineKeyboardMarkup::new(vec![vec![InlineKeyboardButton::callback("Close", "close")]]);
    let sent = bot
        .send_message(ChatId(42), "Ticket <b>open</b>")
        .parse_mode(ParseMode::Html)
        .reply_markup(keyboard.clone())
        .await
        .expect("sendMessage works");

    let edited = bot
        .edit_message_text(ChatId(42), sent.id, "Ticket <b>closed</b>")
        .parse_mode(ParseMode::Html)
        .reply_markup(keyboard.clone())
        .await
        .expect("editMessageText works");
    assert_eq!(edited.text(), Some("Ticket closed"));
    assert!(edited.edit_date().is_some());
    assert_eq!(
        api_error(
            bot.edit_message_text(ChatId(42), sent.id, "Ticket <b>closed</b>")
                .parse_mode(ParseMode::Html)
                .reply_markup(keyboard)
                .await
        ),
        ApiError::MessageNotModified
    );
    let bare = bot
        .edit_message_reply_markup(ChatId(42), sent.id)
        .await
        .expect("editMessageReplyMarkup works");
    assert_eq!(bare.reply_markup(), None);
    assert_eq!(
        api_error(
            bot.edit_message_text(ChatId(42), MessageId(asked), "x")
                .await
        ),
        ApiError::MessageCantBeEdited
    );
    let now = &fake.sent_to(42)[0];
    assert!(now.edited);
    assert_eq!(now.text, "Ticket closed");
    assert!(now.buttons.is_empty());
    assert_eq!(fake.edits().len(), 2);
    assert_eq!(fake.edits()[0].buttons.len(), 1);

    fake.edit_text(42, asked, &ann, "my order is late");
    let got = updates(&bot, 0).await;
    let UpdateKind::EditedMessage(m) = &got[1].kind else {
        panic!("expected an edited message, got {:?}", got[1].kind);
    };
    assert_eq!(m.id, MessageId(asked));
    assert_eq!(m.text(), Some("my order is late"));
    assert!(m.edit_date().is_some());
}

/// What a webhook receiver got: the secret header and the body, per request.
type Seen = Arc<Mutex<Vec<(Option<String>, Value)>>>;

/// A webhook receiver that fails the first `fail` deliveries with 500.
async fn receiver(fail: usize) -> (String, Seen) {
    let seen: Seen = Arc::default();
    let failures = Arc::new(Mutex::new(fail));
    let record = seen.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(
            move |headers: axum::http::HeaderMap, axum::Json(body): axum::Json<Value>| {
                let record = record.clone();
                let failures = failures.clone();
                async move {
                    let secret = headers
                        .get("X-Telegram-Bot-Api-Secret-Token")
                        .and_then(|v| v.to_str().ok())
                        .map(str::to_owned);
                    record.lock().expect("lock").push((secret, body));
                    let mut left = failures.lock().expect("lock");
                    if *left > 0 {
                        *left -= 1;
                        axum::http::StatusCode::INTERNAL_SERVER_ERROR
                    } else {
                        axum::http::StatusCode::OK
                    }
                }
            },
        ),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind the webhook receiver");
    let addr = listener.local_addr().expect("local addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://{addr}/hook"), seen)
}

#[tokio::test]
async fn webhook_delivery_with_secret_and_retry() {
    let (fake, bot) = setup().await;
    fake.set_webhook_retry_delay(Duration::from_millis(50));
    let (url, seen) = receiver(1).await;
    let ann = fake.user(42, "Ann", None);
    fake.private_text(&ann, "one");

    bot.set_webhook(reqwest::Url::parse(&url).expect("url"))
        .secret_token("s3cret-token_1")
        .await
        .expect("setWebhook works");
    fake.private_text(&ann, "two");
    assert!(
        fake.wait_until(Duration::from_secs(5), |f| f.pending_updates() == 0)
            .await,
        "both updates delivered"
    );
    assert_eq!(fake.webhook_statuses(), vec![500, 200, 200]);
    let seen = seen.lock().expect("lock").clone();
    let texts: Vec<&str> = seen
        .iter()
        .map(|(_, u)| u["message"]["text"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(texts, vec!["one", "one", "two"], "retried without skipping");
    assert!(
        seen.iter()
            .all(|(secret, _)| secret.as_deref() == Some("s3cret-token_1"))
    );
    // What the webhook got is an Update teloxide can read (from the body
    // text, as its webhook listener does).
    let update: Update = serde_json::from_str(&seen[2].1.to_string()).expect("an Update");
    assert_eq!(message(&update).text(), Some("two"));

    let conflict = unknown_error(bot.get_updates().await);
    assert!(conflict.starts_with("Conflict: can't use getUpdates method while webhook is active"));
    let info = bot.get_webhook_info().await.expect("getWebhookInfo works");
    assert_eq!(info.url.map(|u| u.to_string()), Some(url));
    bot.delete_webhook().await.expect("deleteWebhook works");
    fake.private_text(&ann, "three");
    let got = updates(&bot, 0).await;
    assert_eq!(got.len(), 1);
    assert_eq!(message(&got[0]).text(), Some("three"));
}

#[tokio::test]
async fn rate_limits_answer_429_with_retry_after() {
    let (fake, bot) = setup().await;
    fake.supergroup(GROUP, "Support desk", true);
    let ann = fake.user(42, "Ann", None);
    fake.private_text(&ann, "hi");

    // Off by default: a burst is accepted, and the audit reports it.
    bot.send_message(ChatId(42), "a").await.expect("accepted");
    bot.send_message(ChatId(42), "b").await.expect("accepted");
    let found = fake.audit_rate_limits();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].rule, LimitRule::PrivateChat1PerSecond);
    assert_eq!(found[0].chat_id, Some(42));

    fake.set_rate_limits(true);
    match bot.send_message(ChatId(42), "c").await {
        Err(RequestError::RetryAfter(s)) => assert_eq!(s.seconds(), 1),
        other => panic!("expected RetryAfter, got {other:?}"),
    }
    let raw = fake.calls_to("sendMessage");
    assert_eq!(raw.last().map(|c| c.status), Some(429));
    assert_eq!(fake.limit_violations(), 1);
    // This sleep stays: it waits out the one-second window the 429 named. The limiter
    // counts real time, so the time is the condition (a retry loop would add violations).
    tokio::time::sleep(Duration::from_millis(1000)).await;
    bot.send_message(ChatId(42), "d")
        .await
        .expect("allowed after a second");

    // 20 per minute in a group; the 21st waits for the window.
    for i in 0..20 {
        bot.send_message(ChatId(GROUP), format!("m{i}"))
            .await
            .expect("within the group limit");
    }
    match bot.send_message(ChatId(GROUP), "m20").await {
        Err(RequestError::RetryAfter(s)) => {
            assert!((55..=60).contains(&s.seconds()), "retry after {s:?}")
        }
        other => panic!("expected RetryAfter, got {other:?}"),
    }
    assert_eq!(fake.limit_violations(), 2);
    // Only the burst sent while the limiter was off breaks a limit.
    assert_eq!(fake.audit_rate_limits().len(), 1);
}

#[tokio::test]
async fn overall_limit_is_thirty_per_second() {
    let (fake, bot) = setup().await;
    fake.set_rate_limits(true);
    for id in 1..=31 {
        let user = fake.user(id, "U", None);
        fake.private_text(&user, "hi");
    }
    for id in 1..=30 {
        bot.send_message(ChatId(id), "news")
            .await
            .expect("within 30/s");
    }
    match bot.send_message(ChatId(31), "news").await {
        Err(RequestError::RetryAfter(s)) => assert_eq!(s.seconds(), 1),
        other => panic!("expected RetryAfter, got {other:?}"),
    }
    assert!(fake.audit_rate_limits().is_empty());
}

#[tokio::test]
async fn injected_faults() {
    let (fake, bot) = setup().await;
    let ann = fake.user(42, "Ann", None);
    fake.private_text(&ann, "hi");

    fake.fail_next("sendMessage", Fault::TooManyRequests { retry_after: 7 });
    fake.fail_next("*", Fault::DropConnection);
    fake.fail_next(
        "SENDMESSAGE",
        Fault::Error {
            code: 403,
            description: "Forbidden: user is deactivated".into(),
        },
    );
    fake.fail_next("sendMessage", Fault::Delay(Duration::from_millis(300)));

    match bot.send_message(ChatId(42), "1").await {
        Err(RequestError::RetryAfter(s)) => assert_eq!(s.seconds(), 7),
        other => panic!("expected RetryAfter, got {other:?}"),
    }
    match bot.get_me().await {
        Err(RequestError::Network(_)) => {}
        other => panic!("expected a network error, got {other:?}"),
    }
    assert_eq!(
        api_error(bot.send_message(ChatId(42), "2").await),
        ApiError::UserDeactivated
    );
    let started = Instant::now();
    bot.send_message(ChatId(42), "3")
        .await
        .expect("a delayed answer");
    assert!(started.elapsed() >= Duration::from_millis(300));
    bot.send_message(ChatId(42), "4")
        .await
        .expect("no faults left");

    // ServerError answers 500 (checked raw here: teloxide sleeps 10 s on 5xx).
    fake.fail_next("getMe", Fault::ServerError);
    let raw = reqwest::Client::new()
        .post(format!("{}/bot{}/getMe", fake.url(), fake.token()))
        .send()
        .await
        .expect("request goes through");
    assert_eq!(raw.status(), 500);
    let statuses: Vec<(String, u16)> = fake
        .calls()
        .iter()
        .map(|c| (c.method.clone(), c.status))
        .collect();
    assert_eq!(
        statuses,
        vec![
            // teloxide names methods in PascalCase.
            ("SendMessage".to_owned(), 429),
            ("GetMe".to_owned(), 0),
            ("SendMessage".to_owned(), 403),
            ("SendMessage".to_owned(), 200),
            ("SendMessage".to_owned(), 200),
            ("getMe".to_owned(), 500),
        ]
    );
    assert_eq!(fake.sent().len(), 2);
}

#[tokio::test]
async fn server_error_reaches_teloxide() {
    let (fake, bot) = setup().await;
    fake.fail_next("getMe", Fault::ServerError);
    let started = Instant::now();
    assert_eq!(unknown_error(bot.get_me().await), "Internal Server Error");
    // teloxide's own back-off after a 5xx.
    assert!(started.elapsed() >= Duration::from_secs(9));
    bot.get_me().await.expect("works again");
}

#[tokio::test]
async fn form_bodies_unknown_methods_and_commands() {
    let (fake, bot) = setup().await;
    let ann = fake.user(42, "Ann", None);
    fake.private_text(&ann, "hi");
    let client = reqwest::Client::new();
    let base = format!("{}/bot{}", fake.url(), fake.token());

    let form = client
        .post(format!("{base}/SENDMESSAGE"))
        .form(&[
            ("chat_id", "42"),
            ("text", "<b>form</b>"),
            ("parse_mode", "HTML"),
            (
                "reply_markup",
                r#"{"inline_keyboard":[[{"text":"Ok","callback_data":"ok"}]]}"#,
            ),
        ])
        .send()
        .await
        .expect("request goes through");
    assert_eq!(form.status(), 200);
    let body: Value = form.json().await.expect("json");
    assert_eq!(body["ok"], json!(true));
    assert_eq!(body["result"]["text"], json!("form"));
    assert_eq!(
        body["result"]["reply_markup"]["inline_keyboard"][0][0]["callback_data"],
        json!("ok")
    );

    let unknown = client
        .post(format!("{base}/deleteMessage"))
        .json(&json!({"chat_id": 42, "message_id": 1}))
        .send()
        .await
        .expect("request goes through");
    assert_eq!(unknown.status(), 404);
    let body: Value = unknown.json().await.expect("json");
    assert_eq!(
        body,
        json!({"ok": false, "error_code": 404, "description": "Not Found"})
    );
    assert_eq!(fake.calls_to("deleteMessage")[0].status, 404);

    bot.set_my_commands(vec![
        BotCommand::new("start", "Start"),
        BotCommand::new("help", "Help"),
    ])
    .await
    .expect("setMyCommands works");
    let commands = fake.my_commands();
    assert_eq!(commands.len(), 1);
    assert_eq!(
        commands[0].commands,
        vec![
            ("start".to_owned(), "Start".to_owned()),
            ("help".to_owned(), "Help".to_owned())
        ]
    );
    assert_eq!(
        unknown_error(
            bot.set_my_commands(vec![BotCommand::new("Bad Command", "x")])
                .await
        ),
        "Bad Request: BOT_COMMAND_INVALID"
    );
}

#[tokio::test]
async fn group_messages_replies_and_raw_updates() {
    let (fake, bot) = setup().await;
    fake.supergroup(GROUP, "Support desk", true);
    let agent = fake.add_user(TgUser::new(7, "Agent").with_username("agent7"));
    let topic = bot
        .create_forum_topic(ChatId(GROUP), "T")
        .await
        .expect("createForumTopic works");
    let t = topic.thread_id.0.0;
    let bot_msg = bot
        .send_message(ChatId(GROUP), "Customer says hi")
        .message_thread_id(topic.thread_id)
        .await
        .expect("sendMessage works");
    // A reply without a thread lands in the replied message's topic.
    let (reply, _) = fake.group_media(
        GROUP,
        None,
        &agent,
        Media::Document,
        Some("invoice"),
        Some(bot_msg.id.0),
    );
    fake.group_text(GROUP, None, &agent, "general chat", None);
    let raw_id = fake.raw_update(json!({
        "update_id": 999,
        "my_chat_member": {
            "chat": {"id": GROUP, "type": "supergroup", "title": "Support desk"},
            "from": {"id": 7, "is_bot": false, "first_name": "Agent"},
            "date": 1_700_000_000,
            "old_chat_member": {"status": "member", "user": {"id": 1000, "is_bot": true, "first_name": "Switchboard"}},
            "new_chat_member": {"status": "left", "user": {"id": 1000, "is_bot": true, "first_name": "Switchboard"}}
        }
    }));
    assert_eq!(raw_id, 3);

    let got = updates(&bot, 0).await;
    assert_eq!(got.len(), 3);
    let m = message(&got[0]);
    assert_eq!(m.id, MessageId(reply));
    assert_eq!(m.thread_id, Some(thread(t)));
    assert_eq!(m.caption(), Some("invoice"));
    assert_eq!(m.reply_to_message().map(|r| r.id), Some(bot_msg.id));
    assert_eq!(
        m.from.as_ref().and_then(|u| u.username.as_deref()),
        Some("agent7")
    );
    let general = message(&got[1]);
    assert_eq!(general.thread_id, None);
    assert!(general.reply_to_message().is_none());
    assert!(matches!(got[2].kind, UpdateKind::MyChatMember(_)));
    assert_eq!(got[2].id.0, 3);
}

#[tokio::test]
async fn wait_sent_sees_later_messages() {
    let (fake, bot) = setup().await;
    let ann = fake.user(42, "Ann", None);
    fake.private_text(&ann, "hi");
    let sender = bot.clone();
    tokio::spawn(async move {
        // This sleep stays: it is the scenario (a message sent after the wait began).
        tokio::time::sleep(Duration::from_millis(200)).await;
        let _ = sender.send_message(ChatId(42), "later").await;
    });
    let started = Instant::now();
    let got = fake
        .wait_sent(Duration::from_secs(3), |s| s.text == "later")
        .await
        .expect("the message arrives");
    assert_eq!(got.chat_id, 42);
    assert!(started.elapsed() < Duration::from_secs(2));
    let none = fake
        .wait_sent(Duration::from_millis(100), |s| s.text == "never")
        .await;
    assert!(none.is_none());
}
