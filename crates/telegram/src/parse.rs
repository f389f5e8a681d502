//! Telegram updates -> [`Inbound`]: a pure function, tested on recorded payloads.
//!
//! Who is staff is decided here, by configuration only: a message or a button press in the
//! configured staff supergroup is a staff update (Telegram delivers group messages only
//! from members, so no API call is needed to check); anything from a private chat is a
//! customer's, whatever it says. Other chats are ignored.

use switchboard_domain::{
    Attachment, ChatId, Inbound, MediaKind, PartyId, Place, Platform, Sender, Timestamp, UpdateKey,
    What,
};
use teloxide::types::{Message, Update, UpdateKind, User};

/// What an update means to Switchboard.
#[derive(Debug, Clone, PartialEq)]
pub enum Parsed {
    /// Something for the desk.
    Inbound(Box<Inbound>),
    /// Nothing to do (the reason is logged at debug level).
    Ignore(&'static str),
}

/// Platform references that point at tickets (stored by the adapter, looked up by the desk).
pub mod refs {
    /// A forum topic of the staff group.
    pub fn topic(chat: i64, thread: i32) -> String {
        format!("telegram:topic:{chat}:{thread}")
    }
    /// A message in a group (the cards and relays the bot sent, for reply-to).
    pub fn message(chat: i64, message: i32) -> String {
        format!("telegram:msg:{chat}:{message}")
    }
}

fn sender(u: &User) -> Sender {
    Sender {
        id: PartyId::new(Platform::Telegram, u.id.0.to_string()),
        name: u.full_name(),
        username: u.username.clone(),
        language: u.language_code.clone(),
    }
}

fn at(m: &Message) -> Timestamp {
    Timestamp(m.date.timestamp_millis())
}

/// What a message carries for the desk: its text, or a file (by Telegram's `file_id`)
/// with its caption.
fn what_of(m: &Message) -> Option<What> {
    if let Some(t) = m.text() {
        return Some(What::Text(t.to_string()));
    }
    let (kind, file) = if let Some(p) = m.photo() {
        // Telegram lists the sizes smallest first: relay the largest.
        (MediaKind::Photo, &p.last()?.file.id)
    } else if let Some(d) = m.document() {
        (MediaKind::Document, &d.file.id)
    } else if let Some(v) = m.voice() {
        (MediaKind::Voice, &v.file.id)
    } else if let Some(v) = m.video() {
        (MediaKind::Video, &v.file.id)
    } else if let Some(s) = m.sticker() {
        (MediaKind::Sticker, &s.file.id)
    } else if let Some(a) = m.audio() {
        (MediaKind::Audio, &a.file.id)
    } else {
        return None;
    };
    Some(What::Media(Attachment {
        kind,
        file: format!("{FILE_PREFIX}{file}"),
        caption: m.caption().map(str::to_string),
    }))
}

/// The prefix of Telegram files' references in [`Attachment::file`].
pub const FILE_PREFIX: &str = "telegram:";

/// The staff-side place of a message in the staff group.
fn staff_place(m: &Message) -> Place {
    let chat = m.chat.id.0;
    Place::Staff {
        ticket: None,
        thread: m
            .thread_id
            .filter(|_| m.is_topic_message)
            .map(|t| refs::topic(chat, t.0.0)),
        reply_to: m.reply_to_message().map(|r| refs::message(chat, r.id.0)),
    }
}

/// Turns an update into what the desk should see. `staff_chat` is the configured staff
/// supergroup (0: none).
pub fn parse(update: &Update, staff_chat: i64) -> Parsed {
    let key = UpdateKey(format!("telegram:update:{}", update.id.0));
    match &update.kind {
        UpdateKind::Message(m) | UpdateKind::EditedMessage(m) => {
            let edited = matches!(update.kind, UpdateKind::EditedMessage(_));
            let Some(from) = m.from.as_ref() else {
                return Parsed::Ignore("a message without a sender (a channel post)");
            };
            if from.is_bot {
                return Parsed::Ignore("a message from a bot");
            }
            let Some(mut what) = what_of(m) else {
                return Parsed::Ignore("a message with nothing to relay (a service message)");
            };
            let staff = staff_chat != 0 && m.chat.id.0 == staff_chat;
            if edited {
                // An edit arrives as a new message that says so. In the staff group the mark
                // goes at the end: an edited note (`// …`) or command must stay one, never
                // turn into text relayed to the customer.
                let mark = |t: &str| {
                    if staff {
                        format!("{t} ✏️")
                    } else {
                        format!("✏️ {t}")
                    }
                };
                match &mut what {
                    What::Text(t) => *t = mark(t),
                    What::Media(a) => a.caption = Some(mark(a.caption.as_deref().unwrap_or(""))),
                    What::Button(_) | What::Edit { .. } => {}
                }
            }
            let place = if staff_chat != 0 && m.chat.id.0 == staff_chat {
                let place = staff_place(m);
                let chatter = matches!(
                    &place,
                    Place::Staff {
                        thread: None,
                        reply_to: None,
                        ..
                    }
                ) && !matches!(&what, What::Text(t) if t.starts_with('/'));
                if chatter {
                    // Agents talking among themselves outside any ticket: not for the desk.
                    return Parsed::Ignore("staff chatter outside a ticket");
                }
                place
            } else if m.chat.is_private() {
                Place::Customer {
                    chat: ChatId::new(Platform::Telegram, m.chat.id.0.to_string()),
                }
            } else {
                return Parsed::Ignore("a message in a group that is not the staff group");
            };
            Parsed::Inbound(Box::new(Inbound {
                key,
                at: at(m),
                from: sender(from),
                place,
                what,
            }))
        }
        UpdateKind::CallbackQuery(q) => {
            let Some(data) = q.data.clone() else {
                return Parsed::Ignore("a button press without data");
            };
            let Some(msg) = q.message.as_ref() else {
                return Parsed::Ignore("a button press on an inline message");
            };
            let chat = msg.chat();
            let place = if staff_chat != 0 && chat.id.0 == staff_chat {
                let thread = msg
                    .regular_message()
                    .and_then(|m| m.thread_id.filter(|_| m.is_topic_message));
                Place::Staff {
                    ticket: None,
                    thread: thread.map(|t| refs::topic(chat.id.0, t.0.0)),
                    reply_to: Some(refs::message(chat.id.0, msg.id().0)),
                }
            } else if chat.is_private() {
                Place::Customer {
                    chat: ChatId::new(Platform::Telegram, chat.id.0.to_string()),
                }
            } else {
                return Parsed::Ignore("a button press in a group that is not the staff group");
            };
            let at = msg
                .regular_message()
                .map_or(Timestamp(0), |m| Timestamp(m.date.timestamp_millis()));
            Parsed::Inbound(Box::new(Inbound {
                key,
                at,
                from: sender(&q.from),
                place,
                what: What::Button(data),
            }))
        }
        _ => Parsed::Ignore("an update kind Switchboard does not use"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn update(json: &str) -> Update {
        serde_json::from_str(json).unwrap_or_else(|e| panic!("{e}: {json}"))
    }

    const STAFF: i64 = -1001234567890;

    fn private(text: &str) -> String {
        format!(
            r#"{{"update_id":812,"message":{{"message_id":5,"date":1767603600,
            "chat":{{"id":4242,"type":"private","first_name":"Ann"}},
            "from":{{"id":4242,"is_bot":false,"first_name":"Ann","last_name":"Lee","username":"ann","language_code":"de"}},
            "text":{}}}}}"#,
            serde_json::to_string(text).unwrap()
        )
    }

    #[test]
    fn a_private_message_is_a_customers() {
        let Parsed::Inbound(i) = parse(&update(&private("Hi <b>&")), STAFF) else {
            panic!()
        };
        assert_eq!(i.key.0, "telegram:update:812");
        assert_eq!(i.at, Timestamp(1_767_603_600_000));
        assert_eq!(i.from.id, PartyId::new(Platform::Telegram, "4242"));
        assert_eq!(i.from.name, "Ann Lee");
        assert_eq!(i.from.language.as_deref(), Some("de"));
        assert_eq!(
            i.place,
            Place::Customer {
                chat: ChatId::new(Platform::Telegram, "4242")
            }
        );
        assert_eq!(i.what, What::Text("Hi <b>&".into()));
    }

    #[test]
    fn a_staff_command_from_a_private_chat_stays_a_customer_message() {
        let Parsed::Inbound(i) = parse(&update(&private("/claim")), STAFF) else {
            panic!()
        };
        assert!(matches!(i.place, Place::Customer { .. }));
    }

    #[test]
    fn a_message_in_a_staff_topic_names_the_topic_and_the_reply() {
        let u = update(
            r#"{"update_id":9,"message":{"message_id":77,"date":1767603600,"message_thread_id":12,"is_topic_message":true,
            "chat":{"id":-1001234567890,"type":"supergroup","title":"Support","is_forum":true},
            "from":{"id":7,"is_bot":false,"first_name":"Bea"},
            "reply_to_message":{"message_id":70,"date":1767603500,"message_thread_id":12,"is_topic_message":true,
              "chat":{"id":-1001234567890,"type":"supergroup","title":"Support","is_forum":true},
              "from":{"id":1000,"is_bot":true,"first_name":"Switchboard","username":"sb_bot"},"text":"card"},
            "text":"On it"}}"#,
        );
        let Parsed::Inbound(i) = parse(&u, STAFF) else {
            panic!()
        };
        assert_eq!(
            i.place,
            Place::Staff {
                ticket: None,
                thread: Some("telegram:topic:-1001234567890:12".into()),
                reply_to: Some("telegram:msg:-1001234567890:70".into()),
            }
        );
        assert_eq!(i.from.name, "Bea");
    }

    #[test]
    fn other_groups_and_bots_are_ignored() {
        let other = update(
            r#"{"update_id":10,"message":{"message_id":1,"date":1767603600,
            "chat":{"id":-1009,"type":"supergroup","title":"Elsewhere"},
            "from":{"id":7,"is_bot":false,"first_name":"Bea"},"text":"/claim"}}"#,
        );
        assert!(matches!(parse(&other, STAFF), Parsed::Ignore(_)));
        let bot = update(
            r#"{"update_id":11,"message":{"message_id":1,"date":1767603600,
            "chat":{"id":-1001234567890,"type":"supergroup","title":"Support"},
            "from":{"id":1000,"is_bot":true,"first_name":"Switchboard"},"text":"card"}}"#,
        );
        assert!(matches!(parse(&bot, STAFF), Parsed::Ignore(_)));
        // With no staff group configured, the staff group is just another group.
        let staff = update(
            r#"{"update_id":12,"message":{"message_id":1,"date":1767603600,
            "chat":{"id":-1001234567890,"type":"supergroup","title":"Support"},
            "from":{"id":7,"is_bot":false,"first_name":"Bea"},"text":"/claim"}}"#,
        );
        assert!(matches!(parse(&staff, 0), Parsed::Ignore(_)));
        assert!(matches!(parse(&staff, STAFF), Parsed::Inbound(_)));
        // Plain talk in the staff group outside any ticket is not for the desk.
        let chatter = update(
            r#"{"update_id":17,"message":{"message_id":2,"date":1767603600,
            "chat":{"id":-1001234567890,"type":"supergroup","title":"Support"},
            "from":{"id":7,"is_bot":false,"first_name":"Bea"},"text":"lunch?"}}"#,
        );
        assert!(matches!(parse(&chatter, STAFF), Parsed::Ignore(_)));
    }

    #[test]
    fn a_button_press_carries_its_payload_and_place() {
        let u = update(
            r#"{"update_id":13,"callback_query":{"id":"cb1","chat_instance":"x","data":"claim:T-5",
            "from":{"id":7,"is_bot":false,"first_name":"Bea"},
            "message":{"message_id":70,"date":1767603500,"message_thread_id":12,"is_topic_message":true,
              "chat":{"id":-1001234567890,"type":"supergroup","title":"Support","is_forum":true},
              "from":{"id":1000,"is_bot":true,"first_name":"Switchboard"},"text":"card"}}}"#,
        );
        let Parsed::Inbound(i) = parse(&u, STAFF) else {
            panic!()
        };
        assert_eq!(i.what, What::Button("claim:T-5".into()));
        assert_eq!(
            i.place,
            Place::Staff {
                ticket: None,
                thread: Some("telegram:topic:-1001234567890:12".into()),
                reply_to: Some("telegram:msg:-1001234567890:70".into()),
            }
        );
        let customer = update(
            r#"{"update_id":14,"callback_query":{"id":"cb2","chat_instance":"x","data":"yes:T-5",
            "from":{"id":4242,"is_bot":false,"first_name":"Ann"},
            "message":{"message_id":8,"date":1767603500,
              "chat":{"id":4242,"type":"private","first_name":"Ann"},
              "from":{"id":1000,"is_bot":true,"first_name":"Switchboard"},"text":"Did this solve it?"}}}"#,
        );
        let Parsed::Inbound(i) = parse(&customer, STAFF) else {
            panic!()
        };
        assert!(matches!(i.place, Place::Customer { .. }));
    }

    #[test]
    fn media_and_edits_keep_what_the_customer_sent() {
        let photo = update(
            r#"{"update_id":15,"message":{"message_id":6,"date":1767603600,
            "chat":{"id":4242,"type":"private","first_name":"Ann"},
            "from":{"id":4242,"is_bot":false,"first_name":"Ann"},
            "photo":[{"file_id":"AgAD","file_unique_id":"u1","width":90,"height":90,"file_size":1000},
                     {"file_id":"AgAD-big","file_unique_id":"u2","width":900,"height":900,"file_size":90000}],
            "caption":"the broken box"}}"#,
        );
        let Parsed::Inbound(i) = parse(&photo, STAFF) else {
            panic!()
        };
        assert_eq!(
            i.what,
            What::Media(Attachment {
                kind: MediaKind::Photo,
                file: "telegram:AgAD-big".into(),
                caption: Some("the broken box".into()),
            })
        );
        let edit = update(
            r#"{"update_id":16,"edited_message":{"message_id":5,"date":1767603600,"edit_date":1767603660,
            "chat":{"id":4242,"type":"private","first_name":"Ann"},
            "from":{"id":4242,"is_bot":false,"first_name":"Ann"},"text":"order 88124, not 88123"}}"#,
        );
        let Parsed::Inbound(i) = parse(&edit, STAFF) else {
            panic!()
        };
        assert_eq!(i.what, What::Text("✏️ order 88124, not 88123".into()));
        assert_eq!(i.key.0, "telegram:update:16");
        // An agent's edited note stays a note: the mark goes at the end.
        let note = update(
            r#"{"update_id":18,"edited_message":{"message_id":80,"date":1767603600,"edit_date":1767603660,
            "message_thread_id":12,"is_topic_message":true,
            "chat":{"id":-1001234567890,"type":"supergroup","title":"Support","is_forum":true},
            "from":{"id":7,"is_bot":false,"first_name":"Bea"},"text":"// known fraudster"}}"#,
        );
        let Parsed::Inbound(i) = parse(&note, STAFF) else {
            panic!()
        };
        assert_eq!(i.what, What::Text("// known fraudster ✏️".into()));
    }
}
