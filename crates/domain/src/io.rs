//! What crosses the boundary between the channel adapters and the desk: [`Inbound`] (an
//! update turned into plain data by an adapter) and [`Outbound`] (a message the desk wants
//! sent). Neither knows anything of Telegram or Discord.

use serde::{Deserialize, Serialize};

use crate::{ChatId, PartyId, TicketId, Timestamp, UpdateKey};

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

/// What a channel adapter needs from the rest of Switchboard (the app implements it): every
/// adapter hands updates in the same way, and tells its platform an update is consumed only
/// after [`Host::durable`].
pub trait Host: Send + Sync + 'static {
    /// Hands an update to the desk and commits its transition (not yet durable). An error
    /// means it was not handled: it will be offered again.
    fn submit(&self, inbound: &Inbound) -> Result<(), String>;
    /// Resolves once everything submitted so far is durable; then the outbox may be sent.
    fn durable(&self) -> BoxFuture<Result<(), String>>;
}
