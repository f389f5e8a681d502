//! The desk's [`Outbound`] messages -> REST calls: customers' DMs and private threads,
//! ticket threads (or forum posts) in the staff space, the staff channel itself.
//!
//! Every message mentions nobody (`allowed_mentions` empty), and `@everyone`/`@here` get a
//! zero-width space so they cannot even look like pings: customers' text is relayed to
//! agents, and nothing a customer writes may notify a whole server.
//!
//! Channel state kept in the store (see [`keys`]): a ticket's thread as `<id>|<name>`
//! under `discord:thread:T-<n>` (the name, to rename it when the category or priority
//! changed), and the forum post that stands for the staff space in forum mode.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use serenity::all::{
    ButtonStyle, ChannelId, CreateActionRow, CreateAllowedMentions, CreateButton, CreateEmbed,
    CreateForumPost, CreateMessage, CreateThread, EditMessage, EditThread, MessageId,
};
use serenity::http::{Http, HttpError};
use switchboard_desk::Store;
use switchboard_domain::{Button, Destination, Outbound, Platform, TicketId};

use crate::config::DiscordConfig;
use crate::parse::{FILE_PREFIX, refs};

/// Why a message was not delivered; the dispatcher acts on the variant.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// Discord asked to wait (429): try again after this long.
    #[error("Discord asked to wait {0:?}")]
    RetryAfter(Duration),
    /// A network problem or a server error: try again later.
    #[error("temporary failure: {0}")]
    Transient(String),
    /// Discord refused it for good (the customer closed their DMs, the channel is gone,
    /// the bot lacks a permission): retrying changes nothing.
    #[error("refused: {0}")]
    Permanent(String),
    /// The service is shutting down: not sent, still in the outbox.
    #[error("not sent: shutting down")]
    Stopped,
}

impl From<switchboard_desk::StoreError> for SendError {
    /// The store could not record or read the channel's state: try again later.
    fn from(e: switchboard_desk::StoreError) -> SendError {
        SendError::Transient(e.to_string())
    }
}

/// How long to wait after a 429 when Discord's `retry_after` is not known (serenity does
/// not hand the 429 body on; in production its rate limiter waits by itself first).
pub const DEFAULT_RETRY_AFTER: Duration = Duration::from_secs(1);

/// Discord's limit on a message's `content`.
pub const MAX_CONTENT: usize = 2000;
/// Discord's limit on an embed's description.
pub const MAX_EMBED: usize = 4096;
/// Discord's limit on a thread's name.
pub const MAX_THREAD_NAME: usize = 100;
/// Buttons per action row, rows per message.
const ROW: usize = 5;
const ROWS: usize = 5;

/// The keys of the adapter's channel state in the store.
pub mod keys {
    use switchboard_domain::TicketId;

    /// A ticket's thread in the staff space: `<thread id>|<thread name>`.
    pub fn ticket_thread(t: TicketId) -> String {
        format!("discord:thread:{t}")
    }
    /// The private thread of a customer who wrote in the public support channel.
    pub fn support_thread(user: u64) -> String {
        format!("discord:support:{user}")
    }
    /// Where a relayed message landed (`<channel>:<message>`), by the key of the message
    /// it relays: an edit of that message edits the relay.
    pub fn relay(source: &str) -> String {
        format!("discord:relay:{source}")
    }
    /// The newest message submitted from a channel (where catching up starts).
    pub fn last_seen(channel: u64) -> String {
        format!("discord:last:{channel}")
    }
    /// In forum mode, the post that stands for the staff space (`/queue` answers,
    /// alerts): a forum channel has no messages of its own.
    pub const STAFF_POST: &str = "discord:staffspace";
}

/// `<thread>|<name>` -> (thread, name).
pub fn parse_thread_state(s: &str) -> Option<(u64, &str)> {
    let (thread, name) = s.split_once('|')?;
    Some((thread.parse().ok()?, name))
}

/// "T-1042 · billing · high", at most 100 characters.
pub fn thread_name(ticket: TicketId, category: &str, priority: &str) -> String {
    truncate(
        &format!("{ticket} · {category} · {priority}"),
        MAX_THREAD_NAME,
    )
}

/// At most `max` characters of `s`.
pub fn truncate(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

/// Defuses mass mentions: a zero-width space after the `@` of `@everyone` and `@here`.
/// (`allowed_mentions` already stops every ping; this keeps them from looking like one.)
pub fn defuse(text: &str) -> String {
    text.replace("@everyone", "@\u{200B}everyone")
        .replace("@here", "@\u{200B}here")
}

/// Splits `text` into pieces of at most `max` characters, at a line break when there is
/// one in the piece, else at a character boundary. Pieces that are only white space are
/// dropped (Discord refuses empty messages).
pub fn split(text: &str, max: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest: &str = text;
    while rest.chars().count() > max {
        // The byte index just past `max` characters.
        let cut = rest.char_indices().nth(max).map_or(rest.len(), |(i, _)| i);
        let head = &rest[..cut];
        let (piece, next) = match head.rfind('\n') {
            Some(nl) if nl > 0 => (&rest[..nl], &rest[nl + 1..]),
            _ => (head, &rest[cut..]),
        };
        out.push(piece.to_string());
        rest = next;
    }
    out.push(rest.to_string());
    out.retain(|p| !p.trim().is_empty());
    out
}

/// Buttons as action rows: five to a row, five rows (more are dropped, with a warning).
fn rows(buttons: &[Button]) -> Vec<CreateActionRow> {
    if buttons.len() > ROW * ROWS {
        tracing::warn!(
            count = buttons.len(),
            "Discord shows at most 25 buttons: the rest are dropped"
        );
    }
    buttons
        .iter()
        .take(ROW * ROWS)
        .collect::<Vec<_>>()
        .chunks(ROW)
        .map(|chunk| {
            CreateActionRow::Buttons(
                chunk
                    .iter()
                    .map(|b| {
                        CreateButton::new(truncate(&b.payload, 100))
                            .label(truncate(&b.label, 80))
                            .style(ButtonStyle::Primary)
                    })
                    .collect(),
            )
        })
        .collect()
}

/// Why a send stopped inside the adapter.
pub(crate) enum Fail {
    /// Discord (or the network) said no (boxed: serenity's error is large).
    Api(Box<serenity::Error>),
    /// The service is shutting down.
    Stopped,
}

impl From<serenity::Error> for Fail {
    fn from(e: serenity::Error) -> Fail {
        Fail::Api(Box::new(e))
    }
}

/// The HTTP status and Discord's JSON error code of a failed call.
pub(crate) fn status_of(e: &serenity::Error) -> Option<(u16, isize)> {
    match e {
        serenity::Error::Http(HttpError::UnsuccessfulRequest(r)) => {
            Some((r.status_code.as_u16(), r.error.code))
        }
        _ => None,
    }
}

/// Sorts a serenity error into what the dispatcher does about it.
pub fn classify(e: &serenity::Error) -> SendError {
    match e {
        serenity::Error::Http(HttpError::UnsuccessfulRequest(r)) => {
            let status = r.status_code.as_u16();
            if status == 429 {
                SendError::RetryAfter(DEFAULT_RETRY_AFTER)
            } else if status >= 500 {
                SendError::Transient(format!("{status}: {}", r.error.message))
            } else {
                SendError::Permanent(format!(
                    "{status} {}: {} ({} {})",
                    r.error.code, r.error.message, r.method, r.url
                ))
            }
        }
        serenity::Error::Http(HttpError::Request(_)) | serenity::Error::Io(_) => {
            SendError::Transient(e.to_string())
        }
        serenity::Error::Json(_) => SendError::Transient(e.to_string()),
        _ => SendError::Permanent(e.to_string()),
    }
}

fn fail(f: Fail) -> SendError {
    match f {
        Fail::Api(e) => classify(&e),
        Fail::Stopped => SendError::Stopped,
    }
}

/// What a failed call means for a thread.
enum ThreadTrouble {
    /// Archived and locked (50083): unarchive, then send again.
    Archived,
    /// Deleted (10003 Unknown Channel): make a new one.
    Gone,
}

fn thread_trouble(e: &serenity::Error) -> Option<ThreadTrouble> {
    match status_of(e)? {
        (_, 50083) => Some(ThreadTrouble::Archived),
        (404, _) | (_, 10003) => Some(ThreadTrouble::Gone),
        _ => None,
    }
}

/// One message as it goes out: text pieces (plain or in embeds) and buttons.
struct Body<'a> {
    pieces: Vec<String>,
    embed: bool,
    buttons: &'a [Button],
}

impl Body<'_> {
    fn message(&self, i: usize) -> CreateMessage {
        let last = i + 1 == self.pieces.len();
        let mut m = CreateMessage::new().allowed_mentions(CreateAllowedMentions::new());
        m = if self.embed {
            m.embed(CreateEmbed::new().description(self.pieces[i].clone()))
        } else {
            m.content(self.pieces[i].clone())
        };
        if last && !self.buttons.is_empty() {
            m = m.components(rows(self.buttons));
        }
        m
    }
}

/// The Discord channel's sending side.
pub struct Sender {
    http: RwLock<Arc<Http>>,
    cfg: DiscordConfig,
    store: Arc<dyn Store>,
    stopped: AtomicBool,
}

impl Sender {
    /// A sender over `http` with these settings, keeping its thread map in `store`.
    pub fn new(http: Arc<Http>, cfg: DiscordConfig, store: Arc<dyn Store>) -> Sender {
        Sender {
            http: RwLock::new(http),
            cfg,
            store,
            stopped: AtomicBool::new(false),
        }
    }

    /// The HTTP client (the gateway client's once it runs, so that one rate limiter
    /// covers every call).
    pub(crate) fn http(&self) -> Arc<Http> {
        // A panic while holding this lock cannot leave a half-written Arc: use it anyway.
        self.http.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    pub(crate) fn set_http(&self, http: Arc<Http>) {
        *self.http.write().unwrap_or_else(|p| p.into_inner()) = http;
    }

    pub(crate) fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// Stops sends that have not started: they stay in the outbox.
    pub fn stop(&self) {
        self.stopped.store(true, Ordering::SeqCst);
    }

    fn check_stop(&self) -> Result<(), Fail> {
        if self.stopped.load(Ordering::SeqCst) {
            Err(Fail::Stopped)
        } else {
            Ok(())
        }
    }

    /// The dispatcher's queue key for `o`, or `None` when another channel delivers it.
    pub fn route(&self, o: &Outbound) -> Option<String> {
        match &o.to {
            Destination::Customer { chat } if chat.platform == Platform::Discord => {
                Some(format!("discord:chat:{}", chat.id))
            }
            Destination::Customer { .. } => None,
            Destination::Ticket { ticket } => self
                .cfg
                .staff_on_discord()
                .then(|| format!("discord:ticket:{}", ticket.0)),
            Destination::StaffSpace => self
                .cfg
                .staff_on_discord()
                .then(|| "discord:staff".to_string()),
        }
    }

    /// The text as it goes out: defused, with a Discord file's URL on its own line (the
    /// client shows the picture; other platforms' files are described in the text).
    fn text_of(o: &Outbound) -> String {
        let mut text = defuse(&o.text);
        if let Some(url) = o
            .attachment
            .as_ref()
            .and_then(|a| a.file.strip_prefix(FILE_PREFIX))
        {
            if !text.trim().is_empty() {
                text.push('\n');
            }
            text.push_str(url);
        }
        text
    }

    /// Delivers one outbound message (several when the text is longer than Discord
    /// allows; the buttons go under the last).
    pub async fn deliver(&self, o: &Outbound) -> Result<(), SendError> {
        if self.route(o).is_none() {
            return Err(SendError::Permanent(
                "not a Discord destination (a routing bug)".into(),
            ));
        }
        let text = Self::text_of(o);
        if text.trim().is_empty() {
            tracing::warn!("an empty outbound message was skipped");
            return Ok(());
        }
        // An edit: the relay of the original message is edited when it is known and the
        // correction fits in it; else the correction goes as a new message.
        if let Some(src) = &o.replaces
            && o.buttons.is_empty()
            && text.chars().count() <= MAX_CONTENT
            && let Some(at) = self.store.channel_state(&keys::relay(src))?
            && let Some((channel, message)) = at
                .split_once(':')
                .and_then(|(c, m)| Some((c.parse::<u64>().ok()?, m.parse::<u64>().ok()?)))
        {
            self.check_stop().map_err(fail)?;
            let edit = EditMessage::new()
                .content(defuse(&text))
                .allowed_mentions(CreateAllowedMentions::new());
            match ChannelId::new(channel)
                .edit_message(&self.http(), MessageId::new(message), edit)
                .await
            {
                Ok(_) => return Ok(()),
                Err(e) => {
                    tracing::info!(error = %e, "could not edit the relayed message; sending the correction");
                }
            }
        }
        let (channel, ids) = match &o.to {
            Destination::Customer { chat } => {
                let channel: u64 = chat.id.parse().map_err(|_| {
                    SendError::Permanent(format!("`{}` is not a Discord channel id", chat.id))
                })?;
                let body = Body {
                    pieces: split(&text, MAX_CONTENT),
                    embed: false,
                    buttons: &o.buttons,
                };
                let ids = self.send(channel, &body).await.map_err(fail)?;
                (Some(channel), ids)
            }
            Destination::StaffSpace => {
                let body = self.staff_body(&text, &o.buttons);
                let ids = self.to_staff_space(&body).await?;
                if let Some(t) = o.ticket {
                    self.link_messages(&ids, t)?;
                }
                (None, ids)
            }
            Destination::Ticket { ticket } => {
                let body = self.staff_body(&text, &o.buttons);
                let ids = self.to_ticket(*ticket, &body).await?;
                self.link_messages(&ids, o.ticket.unwrap_or(*ticket))?;
                let thread = self
                    .store
                    .channel_state(&keys::ticket_thread(*ticket))?
                    .as_deref()
                    .and_then(parse_thread_state)
                    .map(|(t, _)| t);
                (thread, ids)
            }
        };
        // Where a relay landed, for a later edit of the message it relays.
        if let (Some(src), Some(channel), Some(last)) = (&o.source, channel, ids.last())
            && o.replaces.is_none()
        {
            self.store
                .set_channel_state(&keys::relay(src), Some(&format!("{channel}:{last}")))?;
        }
        Ok(())
    }

    /// Staff-space messages with buttons (the card, survey results) go as embeds.
    fn staff_body<'a>(&self, text: &str, buttons: &'a [Button]) -> Body<'a> {
        let embed = !buttons.is_empty();
        Body {
            pieces: split(text, if embed { MAX_EMBED } else { MAX_CONTENT }),
            embed,
            buttons,
        }
    }

    fn link_messages(&self, ids: &[u64], ticket: TicketId) -> Result<(), SendError> {
        let links: Vec<(String, TicketId)> =
            ids.iter().map(|id| (refs::message(*id), ticket)).collect();
        self.store.link(&links)?;
        Ok(())
    }

    /// Sends every piece to `channel`; returns the message ids.
    async fn send(&self, channel: u64, body: &Body<'_>) -> Result<Vec<u64>, Fail> {
        let http = self.http();
        let mut ids = Vec::with_capacity(body.pieces.len());
        for i in 0..body.pieces.len() {
            self.check_stop()?;
            let m = ChannelId::new(channel)
                .send_message(&http, body.message(i))
                .await?;
            ids.push(m.id.get());
        }
        Ok(ids)
    }

    /// The staff channel, or in forum mode the post that stands for it.
    async fn to_staff_space(&self, body: &Body<'_>) -> Result<Vec<u64>, SendError> {
        let staff = self.cfg.staff_channel_id;
        if !self.cfg.staff_forum {
            return self.send(staff, body).await.map_err(fail);
        }
        for _ in 0..2 {
            if let Some(post) = self
                .store
                .channel_state(keys::STAFF_POST)?
                .and_then(|s| s.parse::<u64>().ok())
            {
                match self.send(post, body).await {
                    Ok(ids) => return Ok(ids),
                    Err(Fail::Api(e)) => match thread_trouble(&e) {
                        Some(ThreadTrouble::Gone) => {
                            self.store.set_channel_state(keys::STAFF_POST, None)?;
                            continue;
                        }
                        Some(ThreadTrouble::Archived) => {
                            self.reopen(post).await?;
                            continue;
                        }
                        None => return Err(classify(&e)),
                    },
                    Err(Fail::Stopped) => return Err(SendError::Stopped),
                }
            }
            let (post, ids) = self.forum_post("Switchboard", body).await?;
            self.store
                .set_channel_state(keys::STAFF_POST, Some(&post.to_string()))?;
            return Ok(ids);
        }
        Err(SendError::Transient(
            "the staff space's forum post kept failing".into(),
        ))
    }

    /// Creates a forum post whose first message is the body's first piece; the rest go
    /// into the post. Returns the post's id and the message ids.
    async fn forum_post(&self, name: &str, body: &Body<'_>) -> Result<(u64, Vec<u64>), SendError> {
        let http = self.http();
        self.check_stop().map_err(fail)?;
        let post = ChannelId::new(self.cfg.staff_channel_id)
            .create_forum_post(
                &http,
                CreateForumPost::new(truncate(name, MAX_THREAD_NAME), body.message(0)),
            )
            .await
            .map_err(|e| classify(&e))?;
        let id = post.id.get();
        // A forum post's first message has the post's id.
        let mut ids = vec![id];
        for i in 1..body.pieces.len() {
            self.check_stop().map_err(fail)?;
            let m = post
                .id
                .send_message(&http, body.message(i))
                .await
                .map_err(|e| classify(&e))?;
            ids.push(m.id.get());
        }
        Ok((id, ids))
    }

    /// Unarchives (and unlocks) a thread.
    async fn reopen(&self, thread: u64) -> Result<(), SendError> {
        tracing::info!(thread, "the thread is archived: reopening it");
        ChannelId::new(thread)
            .edit_thread(
                &self.http(),
                EditThread::new().archived(false).locked(false),
            )
            .await
            .map_err(|e| classify(&e))?;
        Ok(())
    }

    /// The ticket's thread: created on first use (the body becomes its first message),
    /// renamed when the ticket's category or priority changed, reopened when archived,
    /// recreated when deleted. Returns the ids of the messages sent.
    async fn to_ticket(&self, ticket: TicketId, body: &Body<'_>) -> Result<Vec<u64>, SendError> {
        let name = match self.store.ticket(ticket)? {
            Some(t) => thread_name(ticket, t.category.as_str(), t.priority.as_str()),
            None => ticket.to_string(),
        };
        let key = keys::ticket_thread(ticket);
        for _ in 0..3 {
            let state = self.store.channel_state(&key)?;
            let Some((thread, old)) = state.as_deref().and_then(parse_thread_state) else {
                return self.new_thread(ticket, &name, body).await;
            };
            if old != name {
                match ChannelId::new(thread)
                    .edit_thread(&self.http(), EditThread::new().name(name.clone()))
                    .await
                {
                    Ok(_) => {
                        self.store
                            .set_channel_state(&key, Some(&format!("{thread}|{name}")))?;
                    }
                    Err(e) if thread_trouble(&e).is_some() => {}
                    // Renaming is cosmetic: log and carry on.
                    Err(e) => tracing::warn!(error = %e, %ticket, "could not rename the thread"),
                }
            }
            match self.send(thread, body).await {
                Ok(ids) => return Ok(ids),
                Err(Fail::Stopped) => return Err(SendError::Stopped),
                Err(Fail::Api(e)) => match thread_trouble(&e) {
                    Some(ThreadTrouble::Archived) => self.reopen(thread).await?,
                    Some(ThreadTrouble::Gone) => {
                        tracing::info!(thread, %ticket, "the ticket's thread is gone: making a new one");
                        self.store.set_channel_state(&key, None)?;
                    }
                    None => return Err(classify(&e)),
                },
            }
        }
        Err(SendError::Transient(
            "the ticket's thread kept failing".into(),
        ))
    }

    /// Starts the ticket's thread with `body`: a forum post, or the card in the staff
    /// channel with a thread started from it. Links the thread to the ticket and
    /// remembers it.
    async fn new_thread(
        &self,
        ticket: TicketId,
        name: &str,
        body: &Body<'_>,
    ) -> Result<Vec<u64>, SendError> {
        let (thread, ids) = if self.cfg.staff_forum {
            self.forum_post(name, body).await?
        } else {
            let staff = self.cfg.staff_channel_id;
            let first = Body {
                pieces: body.pieces[..1].to_vec(),
                embed: body.embed,
                buttons: if body.pieces.len() == 1 {
                    body.buttons
                } else {
                    &[]
                },
            };
            let card = self.send(staff, &first).await.map_err(fail)?;
            let Some(&card) = card.first() else {
                return Err(SendError::Transient("no card was sent".into()));
            };
            // Link the card at once: if the thread cannot be made now, a press on the
            // card in the channel still names the ticket.
            self.link_messages(&[card], ticket)?;
            self.check_stop().map_err(fail)?;
            let t = ChannelId::new(staff)
                .create_thread_from_message(
                    &self.http(),
                    MessageId::new(card),
                    CreateThread::new(name),
                )
                .await
                .map_err(|e| classify(&e))?;
            let thread = t.id.get();
            let mut ids = vec![card];
            if body.pieces.len() > 1 {
                let rest = Body {
                    pieces: body.pieces[1..].to_vec(),
                    embed: body.embed,
                    buttons: body.buttons,
                };
                ids.extend(self.send(thread, &rest).await.map_err(fail)?);
            }
            (thread, ids)
        };
        self.store.link(&[(refs::thread(thread), ticket)])?;
        self.store.set_channel_state(
            &keys::ticket_thread(ticket),
            Some(&format!("{thread}|{name}")),
        )?;
        Ok(ids)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thread_names_and_state_round_trip() {
        let name = thread_name(TicketId(1042), "billing", "high");
        assert_eq!(name, "T-1042 · billing · high");
        let state = format!("17|{name}");
        assert_eq!(parse_thread_state(&state), Some((17, name.as_str())));
        assert!(parse_thread_state("x|y").is_none());
        let long = thread_name(TicketId(1), &"c".repeat(200), "low");
        assert_eq!(long.chars().count(), 100);
    }

    #[test]
    fn mass_mentions_are_defused() {
        assert_eq!(
            defuse("hi @everyone and @here <@&5>"),
            "hi @\u{200B}everyone and @\u{200B}here <@&5>"
        );
    }

    #[test]
    fn long_text_splits_at_lines_then_characters() {
        assert_eq!(split("short", 2000), vec!["short"]);
        let text = format!("{}\n{}", "a".repeat(1500), "b".repeat(1000));
        let parts = split(&text, 2000);
        assert_eq!(parts, vec!["a".repeat(1500), "b".repeat(1000)]);
        let one_line = "é".repeat(4500);
        let parts = split(&one_line, 2000);
        assert_eq!(
            parts.iter().map(|p| p.chars().count()).collect::<Vec<_>>(),
            vec![2000, 2000, 500]
        );
        assert!(split("  \n ", 2000).is_empty());
    }

    #[test]
    fn buttons_fill_rows_of_five() {
        let b: Vec<Button> = (0..11)
            .map(|i| Button {
                label: format!("{i}"),
                payload: format!("nps:T-1:{i}"),
            })
            .collect();
        assert_eq!(rows(&b).len(), 3);
    }
}
