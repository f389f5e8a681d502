//! The adapter's names for things, in one place: the keys of its channel state in the
//! store ([`ticket_thread`], [`support_thread`], …), the platform references that point at
//! tickets and key updates ([`refs`]), the prefix of Discord files' references
//! ([`FILE_PREFIX`]), and how the values stored under the keys are written and read back.
//!
//! Channel state (see `send` and `gateway` for who writes what): a ticket's thread as
//! `<id>|<name>` under `discord:thread:T-<n>` (the name, to rename it when the category or
//! priority changed), the card posted for a ticket whose thread is not made yet, the
//! forum post that stands for the staff space in forum mode, customers' private threads,
//! where relays landed and where catching up starts; every DM channel the adapter has
//! received a message in ([`dm`], listed by [`DM_PREFIX`] when catching up); the gateway
//! session to resume after a restart ([`SESSION`], [`SavedSession`]).

use switchboard_domain::TicketId;

/// A ticket's thread in the staff space: `<thread id>|<thread name>`.
pub fn ticket_thread(t: TicketId) -> String {
    format!("discord:thread:{t}")
}

/// The private thread of a customer who wrote in the public support channel.
pub fn support_thread(user: u64) -> String {
    format!("discord:support:{user}")
}

/// Where a relayed message landed (`<channel>:<message>`), by the key of the message it
/// relays: an edit of that message edits the relay.
pub fn relay(source: &str) -> String {
    format!("discord:relay:{source}")
}

/// The newest message submitted from a channel (where catching up starts).
pub fn last_seen(channel: u64) -> String {
    format!("discord:last:{channel}")
}

/// In forum mode, the post that stands for the staff space (`/queue` answers, alerts): a
/// forum channel has no messages of its own.
pub const STAFF_POST: &str = "discord:staffspace";

/// A DM channel the adapter has received a message in: recorded as soon as the message
/// arrives (before it is durable), with that message's id, so that catching up after a
/// crash or a lost session reads this channel even if nothing from it was submitted yet.
/// Discord offers a bot no list of its DM channels: this is the list.
pub fn dm(channel: u64) -> String {
    format!("{DM_PREFIX}{channel}")
}

/// The prefix of [`dm`] keys.
pub const DM_PREFIX: &str = "discord:dm:";

/// The prefix of [`support_thread`] keys (customers' private threads, by user).
pub const SUPPORT_PREFIX: &str = "discord:support:";

/// Set once every Discord chat of the tickets stored before DMs were recorded has been
/// recorded under [`dm`] (the first catch-up of a store from an earlier version does it).
pub const DM_INDEX_DONE: &str = "discord:dm-index";

/// The gateway session to resume after a restart ([`SavedSession`]).
pub const SESSION: &str = "discord:session";

/// A gateway session as stored under [`SESSION`]: enough to RESUME it from another
/// process (the session, the last sequence number whose events are all durable, where to
/// resume) and to act as the bot before any READY (the bot's user and application ids).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavedSession {
    /// Discord's session id.
    pub id: String,
    /// Every dispatch up to this sequence number was handled (durable or ignored).
    pub seq: u64,
    /// `resume_gateway_url` from READY.
    pub resume_url: String,
    /// The bot's user id.
    pub bot: u64,
    /// The bot's application id (interaction followups need it).
    pub app: u64,
}

impl SavedSession {
    /// `<seq>|<bot>|<app>|<id>|<resume url>` (the URL last: it is the only part that could
    /// hold a `|`).
    pub fn encode(&self) -> String {
        format!(
            "{}|{}|{}|{}|{}",
            self.seq, self.bot, self.app, self.id, self.resume_url
        )
    }

    /// The inverse of [`SavedSession::encode`]; `None` for anything else.
    pub fn decode(s: &str) -> Option<SavedSession> {
        let mut parts = s.splitn(5, '|');
        let seq = parts.next()?.parse().ok()?;
        let bot = parts.next()?.parse().ok()?;
        let app = parts.next()?.parse().ok()?;
        let id = parts.next()?.to_string();
        let resume_url = parts.next()?.to_string();
        if id.is_empty() || resume_url.is_empty() {
            return None;
        }
        Some(SavedSession {
            id,
            seq,
            resume_url,
            bot,
            app,
        })
    }
}

/// A ticket's card in the staff channel whose thread is not made yet:
/// `<message id>|<fingerprint of its text>`. A retry makes the thread from this card
/// instead of posting a second one; removed once the thread exists.
pub fn ticket_card(t: TicketId) -> String {
    format!("discord:card:{t}")
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

/// The prefix of Discord files' references in [`switchboard_domain::Attachment::file`]
/// (followed by the URL).
pub const FILE_PREFIX: &str = "discord:";

/// `<thread>|<name>` -> (thread, name).
pub fn parse_thread_state(s: &str) -> Option<(u64, &str)> {
    let (thread, name) = s.split_once('|')?;
    Some((thread.parse().ok()?, name))
}

/// `<card>|<fingerprint>` -> (card, fingerprint).
pub fn parse_card_state(s: &str) -> Option<(u64, u64)> {
    let (card, mark) = s.split_once('|')?;
    Some((card.parse().ok()?, u64::from_str_radix(mark, 16).ok()?))
}

/// FNV-1a of `text`: tells a retry of the card's message from another message.
pub fn fingerprint(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn card_state_round_trips() {
        let mark = fingerprint("T-5 · billing");
        assert_ne!(mark, fingerprint("T-5 · billing "));
        assert_eq!(
            parse_card_state(&format!("42|{mark:016x}")),
            Some((42, mark))
        );
        assert_eq!(parse_card_state("42"), None);
        assert_eq!(ticket_card(TicketId(5)), "discord:card:T-5");
    }

    #[test]
    fn saved_session_round_trips() {
        let s = SavedSession {
            id: "abc".into(),
            seq: 42,
            resume_url: "wss://x.example/a|b".into(),
            bot: 7,
            app: 8,
        };
        assert_eq!(SavedSession::decode(&s.encode()), Some(s));
        assert_eq!(SavedSession::decode("1|2|3|id"), None);
        assert_eq!(SavedSession::decode("x|2|3|id|url"), None);
        assert!(dm(5).starts_with(DM_PREFIX));
        assert!(support_thread(5).starts_with(SUPPORT_PREFIX));
    }
}
