//! New and edited messages (`MESSAGE_CREATE`, `MESSAGE_UPDATE`, and messages fetched
//! while catching up) -> [`Inbound`]: who may write where, files as media, edits keyed by
//! their time.

use serenity::all::{Message, MessageType, MessageUpdateEvent};
use switchboard_domain::{Attachment, Inbound, Place, Timestamp, UpdateKey, What};

use super::{Context, Parsed, Where, has_role, kind_of, place, sender, snowflake_time};
use crate::keys::{FILE_PREFIX, refs};

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

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};
    use switchboard_domain::{ChatId, MediaKind, PartyId, Platform};

    use super::*;
    use crate::parse::DISCORD_EPOCH_MS;
    use crate::parse::fixtures::*;

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
}
