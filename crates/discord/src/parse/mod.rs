//! Gateway events -> [`Inbound`]: pure functions, tested on recorded payloads.
//!
//! Who is staff is decided here, by configuration only: a member whose roles include
//! `staff_role_id`, as the event itself reports them (`member` on guild messages and
//! interactions), writing in the staff space (the staff channel and its threads). DMs carry
//! no member, so nobody is staff there: a customer's `/claim` is customer text. Where an
//! event happened ([`Where`]) is worked out by the adapter (it needs the channel's parent,
//! which the event does not carry) and passed in.
//!
//! Parts: this file holds what every event shares (where, who, when: [`Where`],
//! [`Context`], [`Parsed`], snowflake times, the sender, the place); [`messages`] parses
//! new and edited messages, [`interactions`] button presses and slash commands.

pub mod interactions;
pub mod messages;

use serenity::all::{RoleId, User};
use switchboard_domain::{ChatId, Inbound, MediaKind, PartyId, Place, Platform, Sender, Timestamp};

use crate::keys::refs;

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

/// Discord's epoch (2015-01-01) in Unix milliseconds.
pub const DISCORD_EPOCH_MS: i64 = 1_420_070_400_000;

/// When a snowflake (any Discord id) was made.
pub fn snowflake_time(id: u64) -> Timestamp {
    Timestamp(i64::try_from(id >> 22).unwrap_or(0) + DISCORD_EPOCH_MS)
}

/// The smallest snowflake made at `t` (for `after=` in history requests).
pub fn snowflake_at(t: Timestamp) -> u64 {
    u64::try_from(t.0 - DISCORD_EPOCH_MS).unwrap_or(0) << 22
}

/// Whether `roles` include the staff role (none is configured: nobody is staff).
pub(crate) fn has_role(roles: &[RoleId], staff_role_id: u64) -> bool {
    staff_role_id != 0 && roles.iter().any(|r| r.get() == staff_role_id)
}

/// The sender as the desk sees them: the nick in the guild, else the global name, else the
/// username.
pub(crate) fn sender(u: &User, nick: Option<&str>, language: Option<&str>) -> Sender {
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

/// What kind of file an attachment is, by its content type.
pub(crate) fn kind_of(content_type: Option<&str>) -> MediaKind {
    match content_type.unwrap_or("") {
        t if t.starts_with("image/") => MediaKind::Photo,
        t if t.starts_with("video/") => MediaKind::Video,
        t if t.starts_with("audio/") => MediaKind::Audio,
        _ => MediaKind::Document,
    }
}

/// Where a person's message or press goes, given where it happened and whether they are
/// staff. `reply_to` is the message it answers (or the message a button is on).
pub(crate) fn place(
    at: Where,
    channel: u64,
    staff: bool,
    reply_to: Option<u64>,
) -> Result<Place, Parsed> {
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

/// What the tests of the parsers share: recorded payloads' builders.
#[cfg(test)]
pub(crate) mod fixtures {
    use serde_json::{Value, json};
    use serenity::all::Message;
    use switchboard_domain::Inbound;

    use super::{Context, Parsed};

    pub(crate) const BOT: u64 = 800_000_000_000_000_001;
    pub(crate) const STAFF_ROLE: u64 = 810_000_000_000_000_002;
    pub(crate) const GUILD: u64 = 810_000_000_000_000_001;
    pub(crate) const DM: u64 = 1_300_000_000_000_000_000;
    pub(crate) const THREAD: u64 = 1_300_000_000_000_000_500;
    pub(crate) const CX: Context = Context {
        bot_id: BOT,
        staff_role_id: STAFF_ROLE,
    };

    pub(crate) fn user(id: u64, name: &str, global: Option<&str>) -> Value {
        json!({"id": id.to_string(), "username": name, "discriminator": "0",
               "global_name": global, "avatar": null, "public_flags": 0})
    }

    /// A message as the gateway (and the fake) carries it.
    pub(crate) fn msg(id: u64, channel: u64, author: Value, content: &str) -> Value {
        json!({
            "id": id.to_string(), "channel_id": channel.to_string(), "author": author,
            "content": content, "timestamp": "2026-01-05T09:00:00.000000+00:00",
            "edited_timestamp": null, "tts": false, "mention_everyone": false,
            "mentions": [], "mention_roles": [], "attachments": [], "embeds": [],
            "pinned": false, "type": 0, "flags": 0, "components": []
        })
    }

    pub(crate) fn in_guild(mut m: Value, roles: &[u64], nick: Option<&str>) -> Value {
        m["guild_id"] = json!(GUILD.to_string());
        m["member"] = json!({
            "nick": nick, "roles": roles.iter().map(|r| r.to_string()).collect::<Vec<_>>(),
            "joined_at": "2025-01-01T00:00:00.000000+00:00", "deaf": false, "mute": false,
            "flags": 0, "pending": false
        });
        m
    }

    pub(crate) fn message_of(v: Value) -> Message {
        serde_json::from_value(v.clone()).unwrap_or_else(|e| panic!("{e}: {v}"))
    }

    pub(crate) fn one(p: Parsed) -> Inbound {
        match p {
            Parsed::Inbound(mut v) if v.len() == 1 => v.remove(0),
            other => panic!("expected one inbound, got {other:?}"),
        }
    }

    pub(crate) fn ann() -> Value {
        user(900_000_000_000_000_101, "ann", Some("Ann Lee"))
    }

    pub(crate) fn bea() -> Value {
        user(900_000_000_000_000_201, "bea", None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snowflakes_and_time_round_trip() {
        let t = Timestamp(1_767_603_600_000);
        assert_eq!(snowflake_time(snowflake_at(t)), t);
        assert_eq!(snowflake_at(Timestamp(0)), 0);
    }
}
