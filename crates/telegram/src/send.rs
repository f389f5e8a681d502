//! The desk's [`Outbound`] messages -> Bot API calls: customers' private chats, ticket
//! topics (or reply-to cards) in the staff group, the staff group itself. Teloxide's errors
//! are sorted into the domain's [`DeliveryError`] ([`classify`]); the topic map and links
//! are kept in the [`ChannelStore`] (a store failure is [`DeliveryError::Store`]).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use switchboard_domain::{
    Button, ChannelStore, DeliveryError, Destination, MediaKind, Outbound, Platform, TicketId,
};
use teloxide::payloads::{
    EditForumTopicSetters, SendAudioSetters, SendDocumentSetters, SendMessageSetters,
    SendPhotoSetters, SendStickerSetters, SendVideoSetters, SendVoiceSetters,
};
use teloxide::prelude::Requester;
use teloxide::types::{
    ChatId, FileId, InlineKeyboardButton, InlineKeyboardMarkup, InputFile, MessageId, ParseMode,
    ThreadId,
};
use teloxide::{ApiError, Bot, RequestError};

use crate::config::{TelegramConfig, Topics};
use crate::html;
use crate::limits::Limiter;
use crate::parse::refs;

/// Why a send stopped inside the adapter.
enum Fail {
    /// Telegram (or the network) said no.
    Api(RequestError),
    /// The service is shutting down: the message was not sent and stays in the outbox.
    Stopped,
}

impl From<RequestError> for Fail {
    fn from(e: RequestError) -> Fail {
        Fail::Api(e)
    }
}

/// Telegram's limit on a caption, in UTF-16 code units after entity parsing.
const MAX_CAPTION: usize = 1024;

/// What a failed call means for a topic.
enum TopicTrouble {
    Closed,
    Gone,
}

fn topic_trouble(e: &RequestError) -> Option<TopicTrouble> {
    let RequestError::Api(ApiError::Unknown(text)) = e else {
        return None;
    };
    if text.contains("TOPIC_CLOSED") {
        Some(TopicTrouble::Closed)
    } else if text.contains("thread not found") || text.contains("TOPIC_DELETED") {
        Some(TopicTrouble::Gone)
    } else {
        None
    }
}

/// Sorts a teloxide error into what the dispatcher does about it.
pub fn classify(e: &RequestError) -> DeliveryError {
    match e {
        RequestError::RetryAfter(s) => DeliveryError::RetryAfter(s.duration()),
        RequestError::Network(_) | RequestError::Io(_) | RequestError::InvalidJson { .. } => {
            DeliveryError::Transient(e.to_string())
        }
        RequestError::Api(ApiError::Unknown(text))
            if !(text.starts_with("Bad Request") || text.starts_with("Forbidden")) =>
        {
            // Internal server errors and the like.
            DeliveryError::Transient(text.clone())
        }
        _ => DeliveryError::Permanent(e.to_string()),
    }
}

/// The Telegram channel's sending side.
pub struct Sender {
    pub(crate) bot: Bot,
    cfg: TelegramConfig,
    store: Arc<dyn ChannelStore>,
    limiter: Limiter,
    /// Whether ticket threads are forum topics (auto mode turns it off for the session
    /// when Telegram says the group is not a forum).
    topics: AtomicBool,
    /// Set at shutdown ([`Sender::stop`]).
    stopping: tokio::sync::watch::Sender<bool>,
    stop: tokio::sync::watch::Receiver<bool>,
}

impl Sender {
    /// A sender over `bot` with these settings, keeping its topic map in `store`.
    pub fn new(bot: Bot, cfg: TelegramConfig, store: Arc<dyn ChannelStore>) -> Sender {
        let topics = cfg.topics != Topics::Off;
        let (stopping, stop) = tokio::sync::watch::channel(false);
        Sender {
            stopping,
            stop,
            bot,
            limiter: Limiter::new(cfg.limits.clone()),
            cfg,
            store,
            topics: AtomicBool::new(topics),
        }
    }

    /// The chat this channel delivers `o` to, or `None` when another channel does: a
    /// Telegram customer's chat, or the staff group for ticket threads and the staff space
    /// when the staff space is on Telegram. Also the dispatcher's queue key: messages to
    /// one chat go in order.
    pub fn chat_of(&self, o: &Outbound) -> Option<i64> {
        match &o.to {
            Destination::Customer { chat } if chat.platform == Platform::Telegram => {
                chat.id.parse().ok()
            }
            Destination::Customer { .. } => None,
            Destination::Ticket { .. } | Destination::StaffSpace => {
                (self.cfg.staff_chat_id != 0).then_some(self.cfg.staff_chat_id)
            }
        }
    }

    /// Delivers one outbound message (several when the text is longer than Telegram
    /// allows; the buttons go under the last).
    pub async fn deliver(&self, o: &Outbound) -> Result<(), DeliveryError> {
        let Some(chat) = self.chat_of(o) else {
            return Err(DeliveryError::Permanent(
                "not a Telegram destination (a routing bug)".into(),
            ));
        };
        if o.text.trim().is_empty() {
            tracing::warn!("an empty outbound message was skipped");
            return Ok(());
        }
        let ticket = match o.to {
            Destination::Ticket { ticket } => Some(ticket),
            _ => None,
        };
        // In a ticket's topic; retried once after the topic was reopened or recreated.
        for attempt in 0..3 {
            let thread = match ticket {
                Some(t) => self.thread_for(t).await?,
                None => None,
            };
            let sent = match o.attachment.as_ref().and_then(|a| {
                a.file
                    .strip_prefix(crate::parse::FILE_PREFIX)
                    .map(|id| (a.kind, id))
            }) {
                Some((kind, file)) => {
                    self.send_media(chat, thread, kind, file, &o.text, &o.buttons)
                        .await
                }
                // No file, or another platform's (its description is in the text).
                None => self.send_text(chat, thread, &o.text, &o.buttons).await,
            };
            match sent {
                Ok(ids) => {
                    if chat < 0
                        && let Some(t) = o.ticket.or(ticket)
                    {
                        let links: Vec<(String, TicketId)> = ids
                            .iter()
                            .map(|id| (refs::message(chat, id.0), t))
                            .collect();
                        self.store.link(&links)?;
                    }
                    return Ok(());
                }
                Err(Fail::Stopped) => return Err(DeliveryError::Stopped),
                Err(Fail::Api(e)) => match (topic_trouble(&e), thread, ticket) {
                    (Some(TopicTrouble::Closed), Some(th), Some(_)) if attempt < 2 => {
                        tracing::info!(chat, thread = th.0.0, "the topic was closed: reopening it");
                        match self.bot.reopen_forum_topic(ChatId(chat), th).await {
                            Ok(_) => {}
                            Err(e) if e.to_string().contains("TOPIC_NOT_MODIFIED") => {}
                            Err(e) => return Err(classify(&e)),
                        }
                    }
                    (Some(TopicTrouble::Gone), Some(th), Some(t)) if attempt < 2 => {
                        tracing::info!(chat, thread = th.0.0, ticket = %t, "the topic is gone: creating a new one");
                        self.store.set_channel_state(&topic_key(t), None)?;
                    }
                    _ => return Err(classify(&e)),
                },
            }
        }
        Err(DeliveryError::Transient(
            "the ticket's topic kept failing".into(),
        ))
    }

    /// Waits for a send slot to `chat`; gives up when the service shuts down.
    async fn wait_slot(&self, chat: i64) -> Result<(), Fail> {
        let mut stop = self.stop.clone();
        if *stop.borrow() {
            return Err(Fail::Stopped);
        }
        tokio::select! {
            () = self.limiter.reserve(chat) => Ok(()),
            _ = stop.changed() => Err(Fail::Stopped),
        }
    }

    /// Stops waits for send slots: what has not started is left in the outbox.
    pub fn stop(&self) {
        let _ = self.stopping.send(true);
    }

    /// Sends a file by its `file_id` with `text` as its caption (or, when the text is too
    /// long for a caption or the kind takes none, the text first and the file after).
    async fn send_media(
        &self,
        chat: i64,
        thread: Option<ThreadId>,
        kind: MediaKind,
        file: &str,
        text: &str,
        buttons: &[Button],
    ) -> Result<Vec<MessageId>, Fail> {
        let fits = text.encode_utf16().count() <= MAX_CAPTION && kind != MediaKind::Sticker;
        let mut ids = Vec::new();
        if !fits {
            ids = self.send_text(chat, thread, text, &[]).await?;
        }
        let caption = fits.then(|| html::escape(text));
        let input = InputFile::file_id(FileId(file.to_string()));
        let markup = (!buttons.is_empty()).then(|| keyboard(buttons));
        self.wait_slot(chat).await?;
        let to = ChatId(chat);
        macro_rules! send {
            ($req:expr) => {{
                let mut req = $req;
                if let Some(c) = caption.clone() {
                    req = req.caption(c).parse_mode(ParseMode::Html);
                }
                if let Some(t) = thread {
                    req = req.message_thread_id(t);
                }
                if let Some(m) = markup.clone() {
                    req = req.reply_markup(m);
                }
                req.await?
            }};
        }
        let m = match kind {
            MediaKind::Photo => send!(self.bot.send_photo(to, input)),
            MediaKind::Document => send!(self.bot.send_document(to, input)),
            MediaKind::Voice => send!(self.bot.send_voice(to, input)),
            MediaKind::Video => send!(self.bot.send_video(to, input)),
            MediaKind::Audio => send!(self.bot.send_audio(to, input)),
            MediaKind::Sticker => {
                let mut req = self.bot.send_sticker(to, input);
                if let Some(t) = thread {
                    req = req.message_thread_id(t);
                }
                req.await?
            }
        };
        ids.push(m.id);
        Ok(ids)
    }

    /// Sends `text` in pieces, buttons under the last. Returns the message ids.
    async fn send_text(
        &self,
        chat: i64,
        thread: Option<ThreadId>,
        text: &str,
        buttons: &[Button],
    ) -> Result<Vec<MessageId>, Fail> {
        let pieces = html::split(text, html::MAX_TEXT);
        let last = pieces.len() - 1;
        let mut ids = Vec::with_capacity(pieces.len());
        for (i, piece) in pieces.iter().enumerate() {
            self.wait_slot(chat).await?;
            let mut req = self
                .bot
                .send_message(ChatId(chat), html::escape(piece))
                .parse_mode(ParseMode::Html);
            if let Some(t) = thread {
                req = req.message_thread_id(t);
            }
            if i == last && !buttons.is_empty() {
                req = req.reply_markup(keyboard(buttons));
            }
            let m = req.await?;
            ids.push(m.id);
        }
        Ok(ids)
    }

    /// The topic of a ticket in the staff group: created on first use, renamed when its
    /// category or priority changed. `None` without topics.
    async fn thread_for(&self, ticket: TicketId) -> Result<Option<ThreadId>, DeliveryError> {
        if !self.topics.load(Ordering::Relaxed) {
            return Ok(None);
        }
        let chat = ChatId(self.cfg.staff_chat_id);
        let name = match self.store.ticket(ticket)? {
            Some(t) => topic_name(ticket, t.category.as_str(), t.priority.as_str()),
            None => ticket.to_string(),
        };
        let state = self.store.channel_state(&topic_key(ticket))?;
        if let Some((thread, old)) = state.as_deref().and_then(parse_state) {
            if old != name {
                match self
                    .bot
                    .edit_forum_topic(chat, thread)
                    .name(name.clone())
                    .await
                {
                    Ok(_) => {}
                    Err(e) if e.to_string().contains("TOPIC_NOT_MODIFIED") => {}
                    // Renaming is cosmetic: log and carry on.
                    Err(e) => tracing::warn!(error = %e, %ticket, "could not rename the topic"),
                }
                self.store.set_channel_state(
                    &topic_key(ticket),
                    Some(&format!("{}|{name}", thread.0.0)),
                )?;
            }
            return Ok(Some(thread));
        }
        if self.wait_slot(chat.0).await.is_err() {
            return Err(DeliveryError::Stopped);
        }
        match self.bot.create_forum_topic(chat, name.clone()).await {
            Ok(topic) => {
                let thread = topic.thread_id;
                self.store
                    .link(&[(refs::topic(chat.0, thread.0.0), ticket)])
                    .and_then(|()| {
                        self.store.set_channel_state(
                            &topic_key(ticket),
                            Some(&format!("{}|{name}", thread.0.0)),
                        )
                    })?;
                Ok(Some(thread))
            }
            Err(e) if self.cfg.topics == Topics::Auto && e.to_string().contains("not a forum") => {
                tracing::info!(
                    "the staff group has no topics: cards go to the group, agents answer by reply"
                );
                self.topics.store(false, Ordering::Relaxed);
                Ok(None)
            }
            Err(e) => Err(classify(&e)),
        }
    }
}

/// `telegram:topic:<ticket number>` in the channel state.
fn topic_key(ticket: TicketId) -> String {
    format!("telegram:topic:{}", ticket.0)
}

/// `<thread>|<name>` -> (thread, name).
fn parse_state(s: &str) -> Option<(ThreadId, &str)> {
    let (thread, name) = s.split_once('|')?;
    Some((ThreadId(MessageId(thread.parse().ok()?)), name))
}

/// "T-1042 · billing · high".
pub fn topic_name(ticket: TicketId, category: &str, priority: &str) -> String {
    format!("{ticket} · {category} · {priority}")
}

fn keyboard(buttons: &[Button]) -> InlineKeyboardMarkup {
    InlineKeyboardMarkup::new(buttons.iter().map(|b| {
        vec![InlineKeyboardButton::callback(
            b.label.clone(),
            b.payload.clone(),
        )]
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topic_names_and_state_round_trip() {
        let name = topic_name(TicketId(1042), "billing", "high");
        assert_eq!(name, "T-1042 · billing · high");
        let state = format!("17|{name}");
        let (thread, n) = parse_state(&state).unwrap();
        assert_eq!(thread.0.0, 17);
        assert_eq!(n, name);
        assert!(parse_state("x|y").is_none());
    }
}
