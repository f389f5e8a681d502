//! What crosses the boundary between the channel adapters and the rest of Switchboard,
//! none of it knowing anything of Telegram or Discord:
//! - data: [`Inbound`] (an update turned into plain data by an adapter) and [`Outbound`]
//!   (a message the desk wants sent);
//! - the way in: [`Host`], which takes updates and makes them durable ([`HostError`]);
//! - the way out: [`Channel`], which delivers outbound messages and sorts every failure
//!   into the one [`DeliveryError`] the dispatcher acts on;
//! - what an adapter keeps about its platform: [`ChannelStore`] (its own state, the
//!   platform references that point at tickets, the tickets it names threads after), so
//!   that adapters depend on this crate and not on the desk.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::ids::{ChatId, PartyId, TicketId, Timestamp, UpdateKey};
use crate::ticket::{Ticket, TicketStatus};

/// Who sent an update, as the platform describes them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sender {
    /// Their platform identity.
    pub id: PartyId,
    /// Their display name.
    pub name: String,
    /// Their handle, when the platform has one.
    pub username: Option<String>,
    /// The platform's language hint (Telegram's `language_code`), if any.
    pub language: Option<String>,
}

/// Where an update came from. `Staff` is produced only by an adapter that matched the
/// configured staff space (a chat, a role): never from what a message says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Place {
    /// A conversation where the bot serves customers.
    Customer {
        /// The chat.
        chat: ChatId,
    },
    /// The staff space. The ticket is named directly (a console line, a button), or by the
    /// thread or the message it replies to, which the desk looks up in the store.
    Staff {
        /// The ticket, when the update names it.
        ticket: Option<TicketId>,
        /// The platform's thread (topic, Discord thread), when there is one.
        thread: Option<String>,
        /// The platform message this one replies to, when it does.
        reply_to: Option<String>,
    },
}

/// What an update carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum What {
    /// Text (commands such as `/claim` are text too; the desk parses them).
    Text(String),
    /// A button press, with the payload the desk put on the button.
    Button(String),
    /// A file: a photo, a document, a voice message, a video, a sticker.
    Media(Attachment),
    /// A correction of an earlier message: the platform's reference of that message (the
    /// [`Inbound::key`] it came with) and its new text. Its relay is edited where the
    /// platform allows, else the correction is relayed as a new message.
    Edit {
        /// The key of the message edited.
        of: String,
        /// The new text.
        text: String,
    },
}

/// What kind of file an [`Attachment`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MediaKind {
    /// A picture.
    Photo,
    /// Any file.
    Document,
    /// A voice message.
    Voice,
    /// A video.
    Video,
    /// A sticker.
    Sticker,
    /// A music file.
    Audio,
}

impl MediaKind {
    /// The word used in transcripts (`[photo]`).
    pub fn as_str(self) -> &'static str {
        match self {
            MediaKind::Photo => "photo",
            MediaKind::Document => "document",
            MediaKind::Voice => "voice message",
            MediaKind::Video => "video",
            MediaKind::Sticker => "sticker",
            MediaKind::Audio => "audio",
        }
    }
}

/// A file someone sent, by the platform's reference (a Telegram `file_id`): relayed by
/// that reference, never downloaded, so the desk holds no copies of customers' files.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    /// What it is.
    pub kind: MediaKind,
    /// The platform's reference, prefixed with the platform (`telegram:AgACAgQ…`): an
    /// adapter re-sends only its own platform's files.
    pub file: String,
    /// The caption the sender wrote, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caption: Option<String>,
}

impl Attachment {
    /// How it reads in a transcript and to triage: `[photo] the caption`.
    pub fn describe(&self) -> String {
        match self.caption.as_deref().map(str::trim) {
            Some(c) if !c.is_empty() => format!("[{}] {c}", self.kind.as_str()),
            _ => format!("[{}]", self.kind.as_str()),
        }
    }
}

/// One update from a channel, as plain data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inbound {
    /// Unique per platform update: a repeated update is dropped.
    pub key: UpdateKey,
    /// When the platform says it happened.
    pub at: Timestamp,
    /// Who sent it.
    pub from: Sender,
    /// Where.
    pub place: Place,
    /// What.
    pub what: What,
}

/// A button under a message: a label for people and a payload for the desk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Button {
    /// What the person sees.
    pub label: String,
    /// What comes back when it is pressed (small: Telegram allows 64 bytes).
    pub payload: String,
}

/// Where an outbound message goes.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Destination {
    /// A customer's conversation.
    Customer {
        /// The chat.
        chat: ChatId,
    },
    /// A ticket's thread in the staff space (the adapter creates it on first use).
    Ticket {
        /// The ticket.
        ticket: TicketId,
    },
    /// The staff space itself, outside any ticket (answers to `/queue`, alerts).
    StaffSpace,
}

/// A message the desk wants delivered. Stored in the outbox in the same transaction as the
/// change that caused it, and delivered at least once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outbound {
    /// Where to.
    pub to: Destination,
    /// The text, ready to show (the adapter escapes it for the platform).
    pub text: String,
    /// Buttons under it.
    pub buttons: Vec<Button>,
    /// The ticket it belongs to, if any (for reply mapping).
    pub ticket: Option<TicketId>,
    /// A file to send with it (a relayed photo), the text being its caption.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attachment: Option<Attachment>,
    /// The key of the message this relays (so that a later edit can find its relay).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// This is an edit: replace the relay of this message (a [`What::Edit`]'s `of`) when
    /// the platform can, else send it as a new message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replaces: Option<String>,
}

/// A boxed future (hosts are trait objects).
pub type BoxFuture<T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send>>;

/// Why the rest of Switchboard could not take an update or make it durable: the adapter
/// does not acknowledge the update, so that the platform (or the adapter's catch-up)
/// offers it again. The messages are the desk's and the store's own, for the log.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HostError {
    /// The desk could not handle the update (its store failed): it was not taken.
    #[error("{0}")]
    Submit(String),
    /// The store could not make what was committed durable.
    #[error("{0}")]
    Flush(String),
    /// The flusher has stopped (the service is ending): nothing more becomes durable.
    #[error("the flusher stopped")]
    Stopped,
}

/// What a channel adapter needs from the rest of Switchboard (the app implements it): every
/// adapter hands updates in the same way, and tells its platform an update is consumed only
/// after [`Host::durable`].
pub trait Host: Send + Sync + 'static {
    /// Hands an update to the desk and commits its transition (not yet durable). An error
    /// means it was not handled: it will be offered again.
    fn submit(&self, inbound: &Inbound) -> Result<(), HostError>;
    /// Resolves once everything submitted so far is durable; then the outbox may be sent.
    fn durable(&self) -> BoxFuture<Result<(), HostError>>;
}

/// Why a message was not delivered: the one contract between every channel and the
/// dispatcher, which acts on the variant (waits, retries with backoff, drops, or leaves the
/// message in the outbox). Each adapter sorts its platform's errors into it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeliveryError {
    /// The platform asked to wait (429): try again after this long.
    #[error("asked to wait {0:?}")]
    RetryAfter(Duration),
    /// A network problem or a server error: try again later, with backoff.
    #[error("temporary failure: {0}")]
    Transient(String),
    /// Refused for good (a blocked bot, a deleted chat, a closed DM, a bad request):
    /// retrying changes nothing, the message is dropped (and logged).
    #[error("refused: {0}")]
    Permanent(String),
    /// The store could not read or record the channel's state (its message): try again
    /// later, as for [`DeliveryError::Transient`].
    #[error("the store failed: {0}")]
    Store(String),
    /// The service is shutting down: not sent, it stays in the outbox for the next start.
    #[error("not sent: shutting down")]
    Stopped,
}

impl From<ChannelStoreError> for DeliveryError {
    /// The channel's state could not be read or written: try again later.
    fn from(e: ChannelStoreError) -> DeliveryError {
        DeliveryError::Store(e.0)
    }
}

/// A delivery under way, borrowing its channel.
pub type Sending<'a> =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), DeliveryError>> + Send + 'a>>;

/// A chat platform the dispatcher delivers through (Telegram, Discord, the console).
pub trait Channel: Send + Sync + 'static {
    /// The platform's name, for logs.
    fn name(&self) -> &'static str;
    /// The queue `o` goes in (messages in one queue are delivered in order), or `None`
    /// when this channel does not deliver it.
    fn route(&self, o: &Outbound) -> Option<String>;
    /// Delivers `o`.
    fn deliver<'a>(&'a self, o: &'a Outbound) -> Sending<'a>;
    /// Stops waits for send slots: what has not started stays in the outbox.
    fn stop_sending(&self);
}

/// A store operation failed (the store's own error, as a message): the adapter reports it
/// as [`DeliveryError::Store`] or logs it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ChannelStoreError(pub String);

/// What a channel adapter reads and writes in the store (the desk's store implements it):
/// its own state by key, the platform references (a thread, a message the bot sent) that
/// point at tickets, and the tickets whose threads it names and catches up on. Adapters
/// depend on this, not on the desk. Writes are durable with the next flush.
pub trait ChannelStore: Send + Sync {
    /// A ticket (its category and priority name its thread).
    fn ticket(&self, id: TicketId) -> Result<Option<Ticket>, ChannelStoreError>;
    /// Tickets, oldest first, optionally only those with `status` (catching up reads the
    /// open ones).
    fn tickets(&self, status: Option<TicketStatus>) -> Result<Vec<Ticket>, ChannelStoreError>;
    /// The ticket a platform reference points at.
    fn linked_ticket(&self, reference: &str) -> Result<Option<TicketId>, ChannelStoreError>;
    /// Records platform references that point at a ticket (learnt while delivering).
    fn link(&self, links: &[(String, TicketId)]) -> Result<(), ChannelStoreError>;
    /// The channel's own state by key (`telegram:topic:5`), such as the thread a ticket
    /// lives in. The desk never reads it.
    fn channel_state(&self, key: &str) -> Result<Option<String>, ChannelStoreError>;
    /// Sets (`Some`) or removes (`None`) the channel's state under `key`.
    fn set_channel_state(&self, key: &str, value: Option<&str>) -> Result<(), ChannelStoreError>;
    /// Every key of the channel's state that starts with `prefix`, with its value, in key
    /// order: what the adapter recorded of many things of one kind (every DM it has seen),
    /// for catching up on all of them.
    fn channel_states(&self, prefix: &str) -> Result<Vec<(String, String)>, ChannelStoreError>;
}
