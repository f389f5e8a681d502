//! Gateway events -> [`Inbound`]: pure functions, tested on recorded payloads.
//!
//! Who is staff is decided here, by configuration only: a member whose roles include
//! `staff_role_id`, as the event itself reports them (`member` on guild messages and
//! interactions), writing in the staff space (the staff channel and its threads). DMs carry
//! no member, so nobody is staff there: a customer's `/claim` is customer text. Where an
//! event happened ([`Where`]) is worked out by the adapter (it needs the channel's parent,
//! which the event does not carry) and passed in.

use serenity::all::{
    CommandDataOptionValue, CommandInteraction, ComponentInteraction, Interaction, Message,
    MessageType, MessageUpdateEvent, RoleId, User,
};
use switchboard_domain::{
    Attachment, ChatId, Inbound, MediaKind, PartyId, Place, Platform, Sender, Timestamp, UpdateKey,
    What,
};

/// Where an event happened, as the adapter classified its channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Where {
    /// A DM with the bot.
    Dm,
    /// The public support channel (the customer is moved to a private thread).
    SupportChannel,
    /// A customer's private thread under the support channel.
    CustomerThread,
    /// The staff channel itself (text mode; a forum has no messages of its own).
    StaffChannel,
    /// A ticket's thread (or forum post) in the staff space.
    StaffThread,
    /// Anywhere else: not for Switchboard.
    Other,
}

/// What the adapter knows besides the event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Context {
    /// The bot's own user id (its messages come back over the gateway).
    pub bot_id: u64,
    /// The staff role (0: nobody is staff).
    pub staff_role_id: u64,
}

/// What an event means to Switchboard.
#[derive(Debug, Clone, PartialEq)]
pub enum Parsed {
    /// Updates for the desk, in order (a message with several files gives one per file;
    /// never empty).
    Inbound(Vec<Inbound>),
    /// A staff-only action by someone who is not staff (or in the wrong place): answered
    /// with `Texts::not_staff` when it is an interaction, nothing submitted.
    Refused(&'static str),
    /// Nothing to do (the reason is logged at debug level).
    Ignore(&'static str),
}

/// Platform references that point at tickets (stored by the adapter, looked up by the
/// desk), and update keys.
pub mod refs {
    /// A ticket's thread (or forum post) in the staff space.
    pub fn thread(id: u64) -> String {
        format!("discord:thread:{id}")
    }
    /// A message (the cards and relays the bot sent, for reply-to; a customer's message's
    /// update key).
    pub fn message(id: u64) -> String {
        format!("discord:msg:{id}")
    }
    /// An interaction's update key.
    pub fn interaction(id: u64) -> String {
        format!("discord:interaction:{id}")
    }
}

/// The prefix of Discord files' references in [`Attachment::file`] (followed by the URL).
pub const FILE_PREFIX: &str = "discord:";

/// Discord's epoch (2015-01-01) in Unix milliseconds.
const DISCORD_EPOCH_MS: i64 = 1_420_070_400_000;

/// When a snowflake (any Discord id) was made.
pub fn snowflake_time(id: u64) -> Timestamp {
    Timestamp(i64::try_from(id >> 22).unwrap_or(0) + DISCORD_EPOCH_MS)
}

/// The smallest snowflake made at `t` (for `after=` in history requests).
pub fn snowflake_at(t: Timestamp) -> u64 {
    u64::try_from(t.0 - DISCORD_EPOCH_MS).unwrap_or(0) << 22
}

fn has_role(roles: &[RoleId], staff_role_id: u64) -> bool {
    staff_role_id != 0 && roles.iter().any(|r| r.get() == staff_role_id)
}

fn sender(u: &User, nick: Option<&str>, language: Option<&str>) -> Sender {
    let name = nick
        .filter(|n| !n.trim().is_empty())
        .or(u.global_name.as_deref().filter(|n| !n.trim().is_empty()))
        .unwrap_or(&u.name)
        .to_string();
    Sender {
        id: PartyId::new(Platform::Discord, u.id.get().to_string()),
        name,
        username: Some(u.name.clone()),
        // Interactions carry the client's locale (`en-US`); messages carry none.
        language: language.map(str::to_string),
    }
}

fn kind_of(content_type: Option<&str>) -> MediaKind {
    match content_type.unwrap_or("") {
        t if t.starts_with("image/") => MediaKind::Photo,
        t if t.starts_with("video/") => MediaKind::Video,
        t if t.starts_with("audio/") => MediaKind::Audio,
        _ => MediaKind::Document,
    }
}

/// Where a person's message or press goes, given where it happened and whether they are
/// staff. `reply_to` is the message it answers (or the message a button is on).
fn place(at: Where, channel: u64, staff: bool, reply_to: Option<u64>) -> Result<Place, Parsed> {
    let customer = || Place::Customer {
        chat: ChatId::new(Platform::Discord, channel.to_string()),
    };
    match at {
        Where::Dm => Ok(customer()),
        // Staff members chatting in customers' places are not customers.
        Where::SupportChannel | Where::CustomerThread if staff => Err(Parsed::Ignore(
            "a staff member writing in a customer's place",
        )),
        Where::SupportChannel | Where::CustomerThread => Ok(customer()),
        Where::StaffThread | Where::StaffChannel if !staff => Err(Parsed::Refused(
            "someone without the staff role in the staff space",
        )),
        Where::StaffThread => Ok(Place::Staff {
            ticket: None,
            thread: Some(refs::thread(channel)),
            reply_to: reply_to.map(refs::message),
        }),
        Where::StaffChannel => Ok(Place::Staff {
            ticket: None,
            thread: None,
            reply_to: reply_to.map(refs::message),
        }),
        Where::Other => Err(Parsed::Ignore("a channel Switchboard does not serve")),
    }
}

/// A new message (`MESSAGE_CREATE`, or one fetched while catching up).
pub fn message(m: &Message, at: Where, cx: &Context) -> Parsed {
    if m.author.id.get() == cx.bot_id {
        return Parsed::Ignore("the bot's own message");
    }
    if m.author.bot || m.webhook_id.is_some() {
        return Parsed::Ignore("a message from a bot or a webhook");
    }
    if !matches!(m.kind, MessageType::Regular | MessageType::InlineReply) {
        return Parsed::Ignore("a system message");
    }
    if m.content.trim().is_empty() && m.attachments.is_empty() {
        return Parsed::Ignore(
            "an empty message (a sticker or embed only, or no MESSAGE_CONTENT intent)",
        );
    }
    let staff = m
        .member
        .as_ref()
        .is_some_and(|mb| has_role(&mb.roles, cx.staff_role_id));
    let reply_to = m.message_reference.as_ref().and_then(|r| r.message_id);
    let place = match place(at, m.channel_id.get(), staff, reply_to.map(|i| i.get())) {
        Ok(p) => p,
        // A non-staff member's message in the staff space is just ignored (no one to
        // answer privately).
        Err(Parsed::Refused(why)) => return Parsed::Ignore(why),
        Err(other) => return other,
    };
    if at == Where::StaffChannel && !m.content.trim_start().starts_with('/') {
        // Agents talking among themselves outside the tickets' threads (replies to a card
        // included: each ticket has its thread for what reaches the customer).
        return Parsed::Ignore("staff chatter outside a ticket's thread");
    }
    let from = sender(
        &m.author,
        m.member.as_ref().and_then(|mb| mb.nick.as_deref()),
        None,
    );
    let id = m.id.get();
    let at_time = snowflake_time(id);
    let mut whats = Vec::new();
    if m.attachments.is_empty() {
        whats.push(What::Text(m.content.clone()));
    }
    // In the staff space every file carries the text: a note (`// …`) or a command with
    // several files must not let the second file through to the customer uncaptioned.
    let staff_place = matches!(place, Place::Staff { .. });
    for (i, a) in m.attachments.iter().enumerate() {
        let caption =
            ((i == 0 || staff_place) && !m.content.trim().is_empty()).then(|| m.content.clone());
        whats.push(What::Media(Attachment {
            kind: kind_of(a.content_type.as_deref()),
            file: format!("{FILE_PREFIX}{}", a.url),
            caption,
        }));
    }
    let inbound = whats
        .into_iter()
        .enumerate()
        .map(|(i, what)| Inbound {
            key: UpdateKey(if i == 0 {
                refs::message(id)
            } else {
                format!("{}:{i}", refs::message(id))
            }),
            at: at_time,
            from: from.clone(),
            place: place.clone(),
            what,
        })
        .collect();
    Parsed::Inbound(inbound)
}

/// An edited message (`MESSAGE_UPDATE`): the new text, marked. In the staff space the
/// mark goes at the end, so an edited note (`// …`) or command stays one and never turns
/// into text relayed to the customer (as the Telegram adapter does).
pub fn edit(e: &MessageUpdateEvent, at: Where, cx: &Context) -> Parsed {
    let (Some(author), Some(content), Some(edited)) =
        (e.author.as_ref(), e.content.as_ref(), e.edited_timestamp)
    else {
        return Parsed::Ignore("an update that is not an edit of the text (an embed resolved)");
    };
    if author.id.get() == cx.bot_id || author.bot {
        return Parsed::Ignore("an edit by a bot");
    }
    if content.trim().is_empty() {
        return Parsed::Ignore("an edit to empty text");
    }
    let member = e.member.as_ref().and_then(|m| m.as_deref());
    let staff = member.is_some_and(|mb| has_role(&mb.roles, cx.staff_role_id));
    let reply_to = e
        .message_reference
        .as_ref()
        .and_then(|r| r.as_ref())
        .and_then(|r| r.message_id)
        .map(|i| i.get());
    let place = match place(at, e.channel_id.get(), staff, reply_to) {
        Ok(p) => p,
        Err(Parsed::Refused(why)) => return Parsed::Ignore(why),
        Err(other) => return other,
    };
    if at == Where::StaffChannel && reply_to.is_none() && !content.trim_start().starts_with('/') {
        return Parsed::Ignore("staff chatter outside a ticket");
    }
    // The desk marks the correction and edits the relay of the original message.
    Parsed::Inbound(vec![Inbound {
        key: UpdateKey(format!("discord:edit:{}:{edited}", e.id.get())),
        at: Timestamp(edited.unix_timestamp().saturating_mul(1000)),
        from: sender(author, member.and_then(|m| m.nick.as_deref()), None),
        place,
        what: What::Edit {
            of: refs::message(e.id.get()),
            text: content.to_string(),
        },
    }])
}

/// The staff slash commands and the option each takes (the text the desk parses is
/// `/<name> <option value>`).
pub const STAFF_COMMANDS: [(&str, Option<&str>); 10] = [
    ("claim", None),
    ("release", None),
    ("close", None),
    ("note", Some("text")),
    ("priority", Some("level")),
    ("category", Some("name")),
    ("transfer", Some("agent")),
    ("queue", None),
    ("away", None),
    ("back", None),
];

/// A button press or a slash command (`INTERACTION_CREATE`).
pub fn interaction(i: &Interaction, at: Where, cx: &Context) -> Parsed {
    match i {
        Interaction::Component(c) => component(c, at, cx),
        Interaction::Command(c) => command(c, at, cx),
        _ => Parsed::Ignore("an interaction kind Switchboard does not use"),
    }
}

fn component(c: &ComponentInteraction, at: Where, cx: &Context) -> Parsed {
    let staff = c
        .member
        .as_ref()
        .is_some_and(|m| has_role(&m.roles, cx.staff_role_id));
    // In the staff space only staff may press; the message the button is on names the
    // ticket (its id is linked when the bot sends it).
    let place = match place(at, c.channel_id.get(), staff, Some(c.message.id.get())) {
        Ok(p) => p,
        Err(e) => return e,
    };
    Parsed::Inbound(vec![Inbound {
        key: UpdateKey(refs::interaction(c.id.get())),
        at: snowflake_time(c.id.get()),
        from: sender(
            &c.user,
            c.member.as_ref().and_then(|m| m.nick.as_deref()),
            Some(&c.locale),
        ),
        place,
        what: What::Button(c.data.custom_id.clone()),
    }])
}

/// The value of a string (or other simple) option, as text.
fn option(c: &CommandInteraction, name: &str) -> Option<String> {
    let o = c.data.options.iter().find(|o| o.name == name)?;
    let v = match &o.value {
        CommandDataOptionValue::String(s) => s.clone(),
        CommandDataOptionValue::Integer(n) => n.to_string(),
        CommandDataOptionValue::Number(n) => n.to_string(),
        CommandDataOptionValue::Boolean(b) => b.to_string(),
        _ => return None,
    };
    let v = v.split_whitespace().collect::<Vec<_>>().join(" ");
    (!v.is_empty()).then_some(v)
}

fn command(c: &CommandInteraction, at: Where, cx: &Context) -> Parsed {
    let name = c.data.name.as_str();
    let staff = c
        .member
        .as_ref()
        .is_some_and(|m| has_role(&m.roles, cx.staff_role_id));
    let text = if name == "ticket" {
        // A customer's request: in a DM, the support channel or their private thread.
        if !matches!(
            at,
            Where::Dm | Where::SupportChannel | Where::CustomerThread
        ) {
            return Parsed::Refused("/ticket outside a customer's place");
        }
        // `/ticket CATEGORY TEXT` only with a category: without one, the message alone
        // (so that its first word is never taken for a category).
        match (option(c, "category"), option(c, "message")) {
            (Some(cat), Some(m)) => format!("/ticket {cat} {m}"),
            (Some(cat), None) => format!("/ticket {cat}"),
            (None, Some(m)) => m,
            (None, None) => "/ticket".to_string(),
        }
    } else if let Some((_, arg)) = STAFF_COMMANDS.iter().find(|(n, _)| *n == name) {
        if !staff || !matches!(at, Where::StaffThread | Where::StaffChannel) {
            return Parsed::Refused(
                "a staff command by someone who is not staff, or outside the staff space",
            );
        }
        match arg.and_then(|a| option(c, a)) {
            Some(v) => format!("/{name} {v}"),
            None => format!("/{name}"),
        }
    } else {
        return Parsed::Ignore("a command Switchboard did not register");
    };
    let place = match at {
        // Staff commands: staff was checked above.
        Where::StaffThread => Place::Staff {
            ticket: None,
            thread: Some(refs::thread(c.channel_id.get())),
            reply_to: None,
        },
        Where::StaffChannel => Place::Staff {
            ticket: None,
            thread: None,
            reply_to: None,
        },
        _ => Place::Customer {
            chat: ChatId::new(Platform::Discord, c.channel_id.get().to_string()),
        },
    };
    let nick = c.member.as_ref().and_then(|m| m.nick.as_deref());
    Parsed::Inbound(vec![Inbound {
        key: UpdateKey(refs::interaction(c.id.get())),
        at: snowflake_time(c.id.get()),
        from: sender(&c.user, nick, Some(&c.locale)),
        place,
        what: What::Text(text),
    }])
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;

    const BOT: u64 = 800_000_000_000_000_001;
    const STAFF_ROLE: u64 = 810_000_000_000_000_002;
    const GUILD: u64 = 810_000_000_000_000_001;
    const DM: u64 = 1_300_000_000_000_000_000;
    const THREAD: u64 = 1_300_000_000_000_000_500;
    const CX: Context = Context {
        bot_id: BOT,
        staff_role_id: STAFF_ROLE,
    };

    fn user(id: u64, name: &str, global: Option<&str>) -> Value {
        json!({"id": id.to_string(), "username": name, "discriminator": "0",
               "global_name": global, "avatar": null, "public_flags": 0})
    }

    /// A message as the gateway (and the fake) carries it.
    fn msg(id: u64, channel: u64, author: Value, content: &str) -> Value {
        json!({
            "id": id.to_string(), "channel_id": channel.to_string(), "author": author,
            "content": content, "timestamp": "2026-01-05T09:00:00.000000+00:00",
            "edited_timestamp": null, "tts": false, "mention_everyone": false,
            "mentions": [], "mention_roles": [], "attachments": [], "embeds": [],
            "pinned": false, "type": 0, "flags": 0, "components": []
        })
    }

    fn in_guild(mut m: Value, roles: &[u64], nick: Option<&str>) -> Value {
        m["guild_id"] = json!(GUILD.to_string());
        m["member"] = json!({
            "nick": nick, "roles": roles.iter().map(|r| r.to_string()).collect::<Vec<_>>(),
            "joined_at": "2025-01-01T00:00:00.000000+00:00", "deaf": false, "mute": false,
            "flags": 0, "pending": false
        });
        m
    }

    fn message_of(v: Value) -> Message {
        serde_json::from_value(v.clone()).unwrap_or_else(|e| panic!("{e}: {v}"))
    }

    fn one(p: Parsed) -> Inbound {
        match p {
            Parsed::Inbound(mut v) if v.len() == 1 => v.remove(0),
            other => panic!("expected one inbound, got {other:?}"),
        }
    }

    fn ann() -> Value {
        user(900_000_000_000_000_101, "ann", Some("Ann Lee"))
    }

    fn bea() -> Value {
        user(900_000_000_000_000_201, "bea", None)
    }

    #[test]
    fn a_dm_is_a_customers_message() {
        let id = (1_000_000u64 << 22) + 5;
        let m = message_of(msg(id, DM, ann(), "Hi <b>&"));
        let i = one(message(&m, Where::Dm, &CX));
        assert_eq!(i.key.0, format!("discord:msg:{id}"));
        assert_eq!(i.at, Timestamp(DISCORD_EPOCH_MS + 1_000_000));
        assert_eq!(
            i.from.id,
            PartyId::new(Platform::Discord, "900000000000000101")
        );
        assert_eq!(i.from.name, "Ann Lee");
        assert_eq!(i.from.username.as_deref(), Some("ann"));
        assert_eq!(
            i.place,
            Place::Customer {
                chat: ChatId::new(Platform::Discord, DM.to_string())
            }
        );
        assert_eq!(i.what, What::Text("Hi <b>&".into()));
    }

    #[test]
    fn a_staff_command_in_a_dm_stays_customer_text() {
        // Even from someone with the staff role: DMs carry no member, and a DM is a
        // customer's place.
        let m = message_of(msg(7, DM, bea(), "/claim"));
        let i = one(message(&m, Where::Dm, &CX));
        assert!(matches!(i.place, Place::Customer { .. }));
        assert_eq!(i.what, What::Text("/claim".into()));
    }

    #[test]
    fn mass_mentions_are_data_unchanged() {
        let m = message_of(msg(8, DM, ann(), "@everyone <@&123> look"));
        let i = one(message(&m, Where::Dm, &CX));
        assert_eq!(i.what, What::Text("@everyone <@&123> look".into()));
    }

    #[test]
    fn a_staff_thread_message_needs_the_role() {
        let mut v = in_guild(
            msg(9, THREAD, bea(), "On it"),
            &[STAFF_ROLE],
            Some("Bea (support)"),
        );
        v["message_reference"] =
            json!({"type": 0, "message_id": "70", "channel_id": THREAD.to_string()});
        v["type"] = json!(19);
        let i = one(message(&message_of(v), Where::StaffThread, &CX));
        assert_eq!(
            i.place,
            Place::Staff {
                ticket: None,
                thread: Some(format!("discord:thread:{THREAD}")),
                reply_to: Some("discord:msg:70".into()),
            }
        );
        assert_eq!(i.from.name, "Bea (support)");
        let outsider = in_guild(msg(10, THREAD, ann(), "/close"), &[], None);
        assert!(matches!(
            message(&message_of(outsider), Where::StaffThread, &CX),
            Parsed::Ignore(_)
        ));
        // With no staff role configured, nobody is staff.
        let nobody = Context {
            bot_id: BOT,
            staff_role_id: 0,
        };
        let v = in_guild(msg(11, THREAD, bea(), "x"), &[STAFF_ROLE], None);
        assert!(matches!(
            message(&message_of(v), Where::StaffThread, &nobody),
            Parsed::Ignore(_)
        ));
    }

    #[test]
    fn the_staff_channel_takes_commands_and_replies_not_chatter() {
        let chatter = in_guild(msg(12, 5, bea(), "lunch?"), &[STAFF_ROLE], None);
        assert!(matches!(
            message(&message_of(chatter), Where::StaffChannel, &CX),
            Parsed::Ignore(_)
        ));
        let cmd = in_guild(msg(13, 5, bea(), "/queue"), &[STAFF_ROLE], None);
        let i = one(message(&message_of(cmd), Where::StaffChannel, &CX));
        assert_eq!(
            i.place,
            Place::Staff {
                ticket: None,
                thread: None,
                reply_to: None
            }
        );
    }

    #[test]
    fn bots_system_empty_and_elsewhere_are_ignored() {
        let own = message_of(msg(14, DM, user(BOT, "Switchboard", None), "card"));
        assert!(matches!(message(&own, Where::Dm, &CX), Parsed::Ignore(_)));
        let mut other = user(5, "otherbot", None);
        other["bot"] = json!(true);
        assert!(matches!(
            message(&message_of(msg(15, DM, other, "hi")), Where::Dm, &CX),
            Parsed::Ignore(_)
        ));
        let mut sys = msg(16, THREAD, ann(), "");
        sys["type"] = json!(7);
        assert!(matches!(
            message(&message_of(sys), Where::CustomerThread, &CX),
            Parsed::Ignore(_)
        ));
        let empty = message_of(msg(17, DM, ann(), "  "));
        assert!(matches!(message(&empty, Where::Dm, &CX), Parsed::Ignore(_)));
        let elsewhere = in_guild(msg(18, 77, ann(), "hi"), &[], None);
        assert!(matches!(
            message(&message_of(elsewhere), Where::Other, &CX),
            Parsed::Ignore(_)
        ));
        // Staff chatting in a customer's thread are not that customer.
        let staff_in_customer = in_guild(msg(19, THREAD, bea(), "hi"), &[STAFF_ROLE], None);
        assert!(matches!(
            message(&message_of(staff_in_customer), Where::CustomerThread, &CX),
            Parsed::Ignore(_)
        ));
    }

    #[test]
    fn attachments_become_media_with_the_text_as_caption() {
        let mut v = msg(20, DM, ann(), "the broken box");
        v["attachments"] = json!([
            {"id": "1", "filename": "box.png", "size": 4, "url": "https://cdn.example/box.png",
             "proxy_url": "https://cdn.example/box.png", "content_type": "image/png"},
            {"id": "2", "filename": "log.txt", "size": 4, "url": "https://cdn.example/log.txt",
             "proxy_url": "https://cdn.example/log.txt", "content_type": "text/plain"}
        ]);
        let Parsed::Inbound(v) = message(&message_of(v), Where::Dm, &CX) else {
            panic!()
        };
        assert_eq!(v.len(), 2);
        assert_eq!(
            v[0].what,
            What::Media(Attachment {
                kind: MediaKind::Photo,
                file: "discord:https://cdn.example/box.png".into(),
                caption: Some("the broken box".into()),
            })
        );
        assert_eq!(v[0].key.0, "discord:msg:20");
        assert_eq!(v[1].key.0, "discord:msg:20:1");
        assert!(
            matches!(&v[1].what, What::Media(a) if a.kind == MediaKind::Document && a.caption.is_none())
        );
    }

    fn update(v: Value) -> MessageUpdateEvent {
        serde_json::from_value(v.clone()).unwrap_or_else(|e| panic!("{e}: {v}"))
    }

    #[test]
    fn edits_name_the_message_they_correct_and_are_keyed_by_edit_time() {
        let mut v = msg(21, DM, ann(), "order 88124, not 88123");
        v["edited_timestamp"] = json!("2026-01-05T09:01:00.000000+00:00");
        let i = one(edit(&update(v.clone()), Where::Dm, &CX));
        assert_eq!(
            i.what,
            What::Edit {
                of: "discord:msg:21".into(),
                text: "order 88124, not 88123".into()
            }
        );
        assert!(
            i.key.0.starts_with("discord:edit:21:2026-01-05T09:01:00"),
            "{}",
            i.key.0
        );
        // Another edit of the same message is another update.
        v["edited_timestamp"] = json!("2026-01-05T09:02:00.000000+00:00");
        assert_ne!(one(edit(&update(v), Where::Dm, &CX)).key, i.key);
        // An agent's edited note is an edit (the desk does not relay notes or commands).
        let mut n = in_guild(
            msg(22, THREAD, bea(), "// known fraudster"),
            &[STAFF_ROLE],
            None,
        );
        n["edited_timestamp"] = json!("2026-01-05T09:01:00.000000+00:00");
        let i = one(edit(&update(n), Where::StaffThread, &CX));
        assert_eq!(
            i.what,
            What::Edit {
                of: "discord:msg:22".into(),
                text: "// known fraudster".into()
            }
        );
        // An embed resolving (no author, no content) is not an edit.
        let e = update(json!({"id": "23", "channel_id": DM.to_string(), "embeds": []}));
        assert!(matches!(edit(&e, Where::Dm, &CX), Parsed::Ignore(_)));
    }

    fn interaction_of(v: Value) -> Interaction {
        serde_json::from_value(v.clone()).unwrap_or_else(|e| panic!("{e}: {v}"))
    }

    fn base_interaction(id: u64, kind: u8, channel: u64, data: Value) -> Value {
        json!({
            "id": id.to_string(), "application_id": BOT.to_string(), "type": kind,
            "token": "tok", "version": 1, "data": data, "channel_id": channel.to_string(),
            "locale": "de", "entitlements": [], "app_permissions": "8",
            "authorizing_integration_owners": {}, "attachment_size_limit": 10485760
        })
    }

    fn guild_interaction(mut v: Value, who: Value, roles: &[u64]) -> Value {
        v["guild_id"] = json!(GUILD.to_string());
        v["member"] = json!({
            "user": who, "nick": null, "roles": roles.iter().map(|r| r.to_string()).collect::<Vec<_>>(),
            "joined_at": "2025-01-01T00:00:00.000000+00:00", "deaf": false, "mute": false,
            "flags": 0, "pending": false, "permissions": "8"
        });
        v
    }

    fn press(id: u64, channel: u64, payload: &str) -> Value {
        let mut v = base_interaction(
            id,
            3,
            channel,
            json!({"custom_id": payload, "component_type": 2}),
        );
        v["message"] = msg(70, channel, user(BOT, "Switchboard", None), "card");
        v
    }

    #[test]
    fn button_presses_carry_payload_and_place() {
        let staff = guild_interaction(press(100, THREAD, "claim:T-5"), bea(), &[STAFF_ROLE]);
        let i = one(interaction(&interaction_of(staff), Where::StaffThread, &CX));
        assert_eq!(i.what, What::Button("claim:T-5".into()));
        assert_eq!(i.key.0, "discord:interaction:100");
        assert_eq!(
            i.place,
            Place::Staff {
                ticket: None,
                thread: Some(format!("discord:thread:{THREAD}")),
                reply_to: Some("discord:msg:70".into()),
            }
        );
        let outsider = guild_interaction(press(101, THREAD, "claim:T-5"), ann(), &[]);
        assert!(matches!(
            interaction(&interaction_of(outsider), Where::StaffThread, &CX),
            Parsed::Refused(_)
        ));
        let mut dm = press(102, DM, "csat:T-5:4");
        dm["user"] = ann();
        let i = one(interaction(&interaction_of(dm), Where::Dm, &CX));
        assert!(matches!(i.place, Place::Customer { .. }));
        assert_eq!(i.what, What::Button("csat:T-5:4".into()));
        assert_eq!(i.from.language.as_deref(), Some("de"));
    }

    fn slash(id: u64, channel: u64, name: &str, options: Value) -> Value {
        base_interaction(
            id,
            2,
            channel,
            json!({"id": "5", "name": name, "type": 1, "options": options}),
        )
    }

    #[test]
    fn slash_commands_become_the_text_the_desk_parses() {
        let mut t = slash(
            200,
            DM,
            "ticket",
            json!([{"name": "category", "type": 3, "value": "billing"}]),
        );
        t["user"] = ann();
        let i = one(interaction(&interaction_of(t), Where::Dm, &CX));
        assert_eq!(i.what, What::Text("/ticket billing".into()));
        assert!(matches!(i.place, Place::Customer { .. }));
        let mut t = slash(
            201,
            DM,
            "ticket",
            json!([{"name": "category", "type": 3, "value": "billing"},
                   {"name": "message", "type": 3, "value": "  charged   twice "}]),
        );
        t["user"] = ann();
        let i = one(interaction(&interaction_of(t), Where::Dm, &CX));
        assert_eq!(i.what, What::Text("/ticket billing charged twice".into()));

        let p = guild_interaction(
            slash(
                202,
                THREAD,
                "priority",
                json!([{"name": "level", "type": 3, "value": "high"}]),
            ),
            bea(),
            &[STAFF_ROLE],
        );
        let i = one(interaction(&interaction_of(p), Where::StaffThread, &CX));
        assert_eq!(i.what, What::Text("/priority high".into()));
        assert!(
            matches!(&i.place, Place::Staff { thread: Some(t), .. } if *t == format!("discord:thread:{THREAD}"))
        );
        let n = guild_interaction(
            slash(
                203,
                THREAD,
                "note",
                json!([{"name": "text", "type": 3, "value": "hello"}]),
            ),
            bea(),
            &[STAFF_ROLE],
        );
        let i = one(interaction(&interaction_of(n), Where::StaffThread, &CX));
        assert_eq!(i.what, What::Text("/note hello".into()));
        let c = guild_interaction(slash(204, THREAD, "claim", json!([])), bea(), &[STAFF_ROLE]);
        assert_eq!(
            one(interaction(&interaction_of(c), Where::StaffThread, &CX)).what,
            What::Text("/claim".into())
        );
        // Not staff, or a staff command in a DM: refused.
        let c = guild_interaction(slash(205, THREAD, "claim", json!([])), ann(), &[]);
        assert!(matches!(
            interaction(&interaction_of(c), Where::StaffThread, &CX),
            Parsed::Refused(_)
        ));
        let mut c = slash(206, DM, "close", json!([]));
        c["user"] = bea();
        assert!(matches!(
            interaction(&interaction_of(c), Where::Dm, &CX),
            Parsed::Refused(_)
        ));
    }

    #[test]
    fn snowflakes_and_time_round_trip() {
        let t = Timestamp(1_767_603_600_000);
        assert_eq!(snowflake_time(snowflake_at(t)), t);
        assert_eq!(snowflake_at(Timestamp(0)), 0);
    }
}
