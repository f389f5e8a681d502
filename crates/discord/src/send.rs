//! The desk's [`Outbound`] messages -> REST calls: customers' DMs and private threads,
//! ticket threads (or forum posts) in the staff space, the staff channel itself.
//!
//! Every message mentions nobody (`allowed_mentions` empty), and `@everyone`/`@here` get a
//! zero-width space so they cannot even look like pings: customers' text is relayed to
//! agents, and nothing a customer writes may notify a whole server. The desk's text is
//! plain text: its Discord markdown is escaped ([`escape`]), so that a customer cannot
//! restyle the card, hide the rest of it in a code block or show agents a disguised link.
//!
//! Channel state kept in the store (see [`keys`]): a ticket's thread as `<id>|<name>`
//! under `discord:thread:T-<n>` (the name, to rename it when the category or priority
//! changed), the card posted for a ticket whose thread is not made yet, and the forum
//! post that stands for the staff space in forum mode.

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
/// How long a thread's rename may take (serenity's rate limiter may wait up to ten
/// minutes for it).
pub const RENAME_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a delivery waits for the thread's rename before it leaves it to go on alone.
pub const RENAME_GRACE: Duration = Duration::from_secs(2);
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
    /// A ticket's card in the staff channel whose thread is not made yet:
    /// `<message id>|<fingerprint of its text>`. A retry makes the thread from this card
    /// instead of posting a second one; removed once the thread exists.
    pub fn ticket_card(t: TicketId) -> String {
        format!("discord:card:{t}")
    }
}

/// `<card>|<fingerprint>` -> (card, fingerprint).
fn parse_card_state(s: &str) -> Option<(u64, u64)> {
    let (card, mark) = s.split_once('|')?;
    Some((card.parse().ok()?, u64::from_str_radix(mark, 16).ok()?))
}

/// FNV-1a of `text`: tells a retry of the card's message from another message.
fn fingerprint(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
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

// ----- Discord markdown -------------------------------------------------------------
//
// The rules, the fewest that leave nothing for Discord to format (its escape `\x` works for
// any ASCII punctuation `x`, so an escape shows only the character):
// - anywhere: `\ * _ ~ ` | [ ]` (escapes; bold, italics, underline, strike, code and code
//   blocks, spoilers, lists with `*`; masked links need `[`, so `(` `)` stay as they are);
// - `<` when it opens a tag Discord draws: `<@` (users, `<@&` roles), `<#` (channels),
//   `<:`/`<a:` (custom emoji), `<t:` (timestamps), `</` (command mentions), `<id:`;
// - at the start of a line (after white space): `#` (headings, `-#` subtext starts with
//   `-`), `>` (quotes), `-` (lists, subtext) and the `.` of `12. ` (numbered lists);
// - links (`http://`, `https://` up to white space or `<`, without the closing punctuation
//   Discord leaves out of a link) stay verbatim: Discord reads no markdown inside a link
//   and a backslash would break it. A bare link shows its own address: nothing disguised.
// A piece of a message that was cut inside a line starts a new message, that is a new
// line: it is escaped as one.

/// Characters escaped wherever they stand.
const ESCAPED: [char; 8] = ['\\', '*', '_', '~', '`', '|', '[', ']'];

/// Whether `<` followed by `rest` opens a mention, emoji, timestamp or other tag.
fn opens_tag(rest: &str) -> bool {
    ["@", "#", ":", "/", "a:", "t:", "id:"]
        .iter()
        .any(|p| rest.starts_with(p))
}

/// The length in bytes of the link `s` starts with, as Discord finds links
/// (`https?://[^\s<]+[^<.,:;"')\]\s]`).
fn link_len(s: &str) -> Option<usize> {
    let scheme = if s.starts_with("https://") {
        8
    } else if s.starts_with("http://") {
        7
    } else {
        return None;
    };
    let end = s
        .find(|c: char| c.is_whitespace() || c == '<')
        .unwrap_or(s.len());
    let link = s[..end].trim_end_matches(['.', ',', ':', ';', '"', '\'', ')', ']']);
    (link[scheme..].chars().count() >= 2).then_some(link.len())
}

/// One line (no line break) escaped, and where it may be cut: after each escaped character
/// or whole link, the byte offset in `line` and the characters written so far. A cut there
/// never leaves an escape's backslash at the end of a piece.
fn escape_line(line: &str) -> (String, Vec<(usize, usize)>) {
    let mut out = String::with_capacity(line.len() + 8);
    let mut cuts = Vec::new();
    let mut written = 0;
    // Still in the line's leading white space.
    let mut start = true;
    let mut i = 0;
    while let Some(c) = line[i..].chars().next() {
        let rest = &line[i..];
        if let Some(len) = link_len(rest) {
            out.push_str(&rest[..len]);
            written += rest[..len].chars().count();
            i += len;
            start = false;
            cuts.push((i, written));
            continue;
        }
        if start && c.is_ascii_digit() {
            let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
            // `12. item`, not `3.5 kg`.
            if let Some(after) = rest[digits..].strip_prefix('.')
                && after.chars().next().is_none_or(char::is_whitespace)
            {
                for d in rest[..digits].chars() {
                    out.push(d);
                    written += 1;
                    i += 1;
                    cuts.push((i, written));
                }
                out.push_str("\\.");
                written += 2;
                i += 1;
                start = false;
                cuts.push((i, written));
                continue;
            }
        }
        let escape = ESCAPED.contains(&c)
            || (c == '<' && opens_tag(&rest[1..]))
            || (start && matches!(c, '#' | '>' | '-'));
        if escape {
            out.push('\\');
            written += 1;
        }
        out.push(c);
        written += 1;
        i += c.len_utf8();
        start &= c.is_whitespace();
        cuts.push((i, written));
    }
    (out, cuts)
}

/// `text` with its Discord markdown escaped (the rules above): Discord shows it as
/// written.
pub fn escape(text: &str) -> String {
    text.split('\n')
        .map(|line| escape_line(line).0)
        .collect::<Vec<_>>()
        .join("\n")
}

/// `text` escaped ([`escape`]) in pieces of at most `max` characters: whole lines while
/// they fit, a longer line cut at a character (never inside an escape; its rest is
/// escaped as the start of a line). Pieces that are only white space are dropped
/// (Discord refuses empty messages).
pub fn escape_split(text: &str, max: usize) -> Vec<String> {
    let max = max.max(2);
    let mut out = Vec::new();
    // The piece being filled, and its length in characters.
    let mut piece: Option<(String, usize)> = None;
    for line in text.split('\n') {
        let mut rest = line;
        loop {
            let (escaped, cuts) = escape_line(rest);
            let len = cuts.last().map_or(0, |&(_, n)| n);
            match &mut piece {
                Some((p, n)) if *n + 1 + len <= max => {
                    p.push('\n');
                    p.push_str(&escaped);
                    *n += 1 + len;
                    break;
                }
                Some(_) => out.extend(piece.take().map(|(p, _)| p)),
                None => {}
            }
            if len <= max {
                piece = Some((escaped, len));
                break;
            }
            // Too long for a piece of its own: the most that fits, then the rest.
            let (end, n) = match cuts.iter().rev().find(|&&(_, n)| n <= max) {
                Some(&cut) => cut,
                // Only a link (verbatim, one character for one) can be longer than that.
                None => (
                    rest.char_indices().nth(max).map_or(rest.len(), |(b, _)| b),
                    max,
                ),
            };
            let bytes = escaped
                .char_indices()
                .nth(n)
                .map_or(escaped.len(), |(b, _)| b);
            out.push(escaped[..bytes].to_string());
            rest = &rest[end..];
        }
    }
    out.extend(piece.map(|(p, _)| p));
    out.retain(|p| !p.trim().is_empty());
    out
}

/// `text` (verbatim) in pieces of at most `max` characters.
fn chunks(text: &str, max: usize) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    chars
        .chunks(max.max(1))
        .map(|c| c.iter().collect())
        .collect()
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

/// What a refusal means, by HTTP status and Discord's JSON error code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    /// 429.
    Wait,
    /// 5xx: Discord's trouble.
    Later,
    /// 401: the token was refused (reset, or revoked). Every message would fail the same
    /// way: keep them until an admin fixes the token.
    TokenRefused,
    /// 403 in the staff space: the bot lost a permission there. Keep the message until an
    /// admin restores it.
    StaffPermission,
    /// Anything else (the customer's DMs are closed (50007), unknown channel or message
    /// (10003, 10008), a form error (400)): retrying changes nothing.
    Refused,
}

fn verdict(status: u16, staff: bool) -> Verdict {
    match status {
        429 => Verdict::Wait,
        500.. => Verdict::Later,
        401 => Verdict::TokenRefused,
        403 if staff => Verdict::StaffPermission,
        _ => Verdict::Refused,
    }
}

/// The permission a 403 in the staff space most likely names, from the code and the call.
fn missing_permission(code: isize, method: &str, url: &str) -> &'static str {
    if code == 50001 {
        "View Channel (Missing Access) on the staff channel and its threads"
    } else if url.contains("/threads") {
        "Create Public Threads (in a forum: Create Posts) and Send Messages in Threads"
    } else if method == "PATCH" {
        "Manage Threads"
    } else {
        "Send Messages, Send Messages in Threads and Embed Links"
    }
}

/// Sorts a serenity error into what the dispatcher does about it; `staff`: the message
/// goes to the staff space (a ticket's thread or the staff channel), not to a customer.
pub fn classify(e: &serenity::Error, staff: bool) -> SendError {
    match e {
        serenity::Error::Http(HttpError::UnsuccessfulRequest(r)) => {
            let status = r.status_code.as_u16();
            let what = format!(
                "{status} {}: {} ({} {})",
                r.error.code, r.error.message, r.method, r.url
            );
            match verdict(status, staff) {
                Verdict::Wait => SendError::RetryAfter(DEFAULT_RETRY_AFTER),
                Verdict::Later => SendError::Transient(format!("{status}: {}", r.error.message)),
                Verdict::TokenRefused => {
                    tracing::error!(error = %what, "Discord refused the bot token: messages wait in the outbox until DISCORD_TOKEN is fixed (Developer Portal, your application, Bot, Reset Token) and Switchboard restarted");
                    SendError::Transient(what)
                }
                Verdict::StaffPermission => {
                    let permission = missing_permission(r.error.code, r.method.as_str(), &r.url);
                    tracing::error!(error = %what, permission, "the bot lacks a permission in the staff space: messages wait in the outbox until it is given back");
                    SendError::Transient(format!("{what}; likely missing permission: {permission}"))
                }
                Verdict::Refused => SendError::Permanent(what),
            }
        }
        serenity::Error::Http(HttpError::Request(_)) | serenity::Error::Io(_) => {
            SendError::Transient(e.to_string())
        }
        serenity::Error::Json(_) => SendError::Transient(e.to_string()),
        _ => SendError::Permanent(e.to_string()),
    }
}

fn fail(f: Fail, staff: bool) -> SendError {
    match f {
        Fail::Api(e) => classify(&e, staff),
        Fail::Stopped => SendError::Stopped,
    }
}

/// After the message reached Discord, a failure to record something about it is logged,
/// not returned: an error would make the dispatcher send the message again.
fn log_after_send<E: std::fmt::Display>(r: Result<(), E>, what: &str) {
    if let Err(e) = r {
        tracing::error!(error = %e, "sent, but could not record {what}");
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

    /// The text as it goes out, in pieces of at most `max` characters: the desk's text
    /// defused and escaped ([`escape_split`]), then a Discord file's URL, verbatim, on a
    /// line of its own (the client shows the picture; other platforms' files are
    /// described in the text).
    fn pieces_of(o: &Outbound, max: usize) -> Vec<String> {
        let mut pieces = escape_split(&defuse(&o.text), max);
        if let Some(url) = o
            .attachment
            .as_ref()
            .and_then(|a| a.file.strip_prefix(FILE_PREFIX))
            .filter(|u| !u.trim().is_empty())
        {
            match pieces.last_mut() {
                Some(last) if last.chars().count() + 1 + url.chars().count() <= max => {
                    last.push('\n');
                    last.push_str(url);
                }
                _ => pieces.extend(chunks(url, max)),
            }
        }
        pieces
    }

    /// Delivers one outbound message (several when the text is longer than Discord
    /// allows; the buttons go under the last).
    pub async fn deliver(&self, o: &Outbound) -> Result<(), SendError> {
        if self.route(o).is_none() {
            return Err(SendError::Permanent(
                "not a Discord destination (a routing bug)".into(),
            ));
        }
        let staff = !matches!(o.to, Destination::Customer { .. });
        if Self::pieces_of(o, MAX_EMBED).is_empty() {
            tracing::warn!("an empty outbound message was skipped");
            return Ok(());
        }
        // An edit: the relay of the original message is edited when it is known and the
        // correction fits in it; else the correction goes as a new message.
        let content = Self::pieces_of(o, MAX_CONTENT);
        if let Some(src) = &o.replaces
            && o.buttons.is_empty()
            && let [text] = content.as_slice()
            && let Some(at) = self.store.channel_state(&keys::relay(src))?
            && let Some((channel, message)) = at
                .split_once(':')
                .and_then(|(c, m)| Some((c.parse::<u64>().ok()?, m.parse::<u64>().ok()?)))
        {
            self.check_stop().map_err(|f| fail(f, staff))?;
            let edit = EditMessage::new()
                .content(text.clone())
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
                    pieces: content,
                    embed: false,
                    buttons: &o.buttons,
                };
                let ids = self
                    .send(channel, &body)
                    .await
                    .map_err(|f| fail(f, false))?;
                (Some(channel), ids)
            }
            Destination::StaffSpace => {
                let body = Self::staff_body(o, content);
                let ids = self.to_staff_space(&body).await?;
                if let Some(t) = o.ticket {
                    log_after_send(self.link_messages(&ids, t), "which ticket it belongs to");
                }
                (None, ids)
            }
            Destination::Ticket { ticket } => {
                let body = Self::staff_body(o, content);
                let ids = self.to_ticket(*ticket, &body).await?;
                log_after_send(
                    self.link_messages(&ids, o.ticket.unwrap_or(*ticket)),
                    "which ticket it belongs to",
                );
                let thread = match self.store.channel_state(&keys::ticket_thread(*ticket)) {
                    Ok(state) => state
                        .as_deref()
                        .and_then(parse_thread_state)
                        .map(|(t, _)| t),
                    Err(e) => {
                        tracing::error!(error = %e, %ticket, "sent, but could not read the ticket's thread");
                        None
                    }
                };
                (thread, ids)
            }
        };
        // Where a relay landed, for a later edit of the message it relays.
        if let (Some(src), Some(channel), Some(last)) = (&o.source, channel, ids.last())
            && o.replaces.is_none()
        {
            log_after_send(
                self.store
                    .set_channel_state(&keys::relay(src), Some(&format!("{channel}:{last}"))),
                "where the relay landed",
            );
        }
        Ok(())
    }

    /// Staff-space messages with buttons (the card, survey results) go as embeds;
    /// `content`: the text in pieces for plain messages.
    fn staff_body(o: &Outbound, content: Vec<String>) -> Body<'_> {
        let embed = !o.buttons.is_empty();
        Body {
            pieces: if embed {
                Self::pieces_of(o, MAX_EMBED)
            } else {
                content
            },
            embed,
            buttons: &o.buttons,
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
            return self.send(staff, body).await.map_err(|f| fail(f, true));
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
                        None => return Err(classify(&e, true)),
                    },
                    Err(Fail::Stopped) => return Err(SendError::Stopped),
                }
            }
            let (post, ids) = self.forum_post("Switchboard", body).await?;
            log_after_send(
                self.store
                    .set_channel_state(keys::STAFF_POST, Some(&post.to_string())),
                "the staff space's forum post",
            );
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
        self.check_stop().map_err(|f| fail(f, true))?;
        let post = ChannelId::new(self.cfg.staff_channel_id)
            .create_forum_post(
                &http,
                CreateForumPost::new(truncate(name, MAX_THREAD_NAME), body.message(0)),
            )
            .await
            .map_err(|e| classify(&e, true))?;
        let id = post.id.get();
        // A forum post's first message has the post's id.
        let mut ids = vec![id];
        for i in 1..body.pieces.len() {
            self.check_stop().map_err(|f| fail(f, true))?;
            let m = post
                .id
                .send_message(&http, body.message(i))
                .await
                .map_err(|e| classify(&e, true))?;
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
            .map_err(|e| classify(&e, true))?;
        Ok(())
    }

    /// The ticket's thread: created on first use (the body becomes its first message),
    /// reopened when archived, recreated when deleted, renamed (after the message went)
    /// when the ticket's category or priority changed. Returns the ids of the messages
    /// sent.
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
            match self.send(thread, body).await {
                Ok(ids) => {
                    if old != name {
                        self.rename(ticket, thread, &name).await;
                    }
                    return Ok(ids);
                }
                Err(Fail::Stopped) => return Err(SendError::Stopped),
                Err(Fail::Api(e)) => match thread_trouble(&e) {
                    Some(ThreadTrouble::Archived) => self.reopen(thread).await?,
                    Some(ThreadTrouble::Gone) => {
                        tracing::info!(thread, %ticket, "the ticket's thread is gone: making a new one");
                        self.store.set_channel_state(&key, None)?;
                    }
                    None => return Err(classify(&e, true)),
                },
            }
        }
        Err(SendError::Transient(
            "the ticket's thread kept failing".into(),
        ))
    }

    /// Renames a ticket's thread, best effort, without holding up the ticket's messages:
    /// Discord allows two renames of a channel in ten minutes, and serenity's rate limiter
    /// would wait out the rest, so the call runs on a task of its own, given up after
    /// [`RENAME_TIMEOUT`]; the delivery waits for it at most [`RENAME_GRACE`]. The new
    /// name is recorded whatever comes of it, so that a refused rename is not tried again
    /// with every message (the next change of category or priority tries again).
    async fn rename(&self, ticket: TicketId, thread: u64, name: &str) {
        log_after_send(
            self.store.set_channel_state(
                &keys::ticket_thread(ticket),
                Some(&format!("{thread}|{name}")),
            ),
            "the thread's new name",
        );
        let http = self.http();
        let edit = EditThread::new().name(name);
        let mut task = tokio::spawn(async move {
            match tokio::time::timeout(
                RENAME_TIMEOUT,
                ChannelId::new(thread).edit_thread(&http, edit),
            )
            .await
            {
                Ok(Ok(_)) => {}
                Ok(Err(e)) => {
                    tracing::warn!(error = %e, %ticket, thread, "could not rename the ticket's thread");
                }
                Err(_) => tracing::warn!(
                    %ticket,
                    thread,
                    "gave up renaming the ticket's thread (Discord allows two renames in ten minutes)"
                ),
            }
        });
        // Usually done at once; else it goes on by itself.
        let _ = tokio::time::timeout(RENAME_GRACE, &mut task).await;
    }

    /// Links a new thread to its ticket and remembers it (logged on failure: the thread
    /// exists either way).
    fn remember_thread(&self, ticket: TicketId, thread: u64, name: &str) {
        log_after_send(
            self.store.link(&[(refs::thread(thread), ticket)]),
            "which ticket the new thread belongs to",
        );
        log_after_send(
            self.store.set_channel_state(
                &keys::ticket_thread(ticket),
                Some(&format!("{thread}|{name}")),
            ),
            "the ticket's new thread",
        );
    }

    /// Starts the ticket's thread with `body`: a forum post, or the card in the staff
    /// channel with a thread started from it. Links the thread to the ticket and
    /// remembers it.
    ///
    /// The card is remembered ([`keys::ticket_card`]) until its thread exists: when making
    /// the thread failed, the retry makes it from that card instead of posting a second
    /// card, and when Discord says the card already has a thread (160004: the answer to an
    /// earlier try was lost), that thread (whose id is the card's) is used.
    async fn new_thread(
        &self,
        ticket: TicketId,
        name: &str,
        body: &Body<'_>,
    ) -> Result<Vec<u64>, SendError> {
        if self.cfg.staff_forum {
            let (thread, ids) = self.forum_post(name, body).await?;
            self.remember_thread(ticket, thread, name);
            return Ok(ids);
        }
        let staff = self.cfg.staff_channel_id;
        let card_key = keys::ticket_card(ticket);
        let mark = fingerprint(&body.pieces[0]);
        for _ in 0..2 {
            // `fresh`: the card is this body's first piece (not a card of an earlier
            // message that was given up).
            let (card, fresh) = match self
                .store
                .channel_state(&card_key)?
                .as_deref()
                .and_then(parse_card_state)
            {
                Some((card, m)) => (card, m == mark),
                None => {
                    let first = Body {
                        pieces: body.pieces[..1].to_vec(),
                        embed: body.embed,
                        buttons: if body.pieces.len() == 1 {
                            body.buttons
                        } else {
                            &[]
                        },
                    };
                    let sent = self.send(staff, &first).await.map_err(|f| fail(f, true))?;
                    let Some(&card) = sent.first() else {
                        return Err(SendError::Transient("no card was sent".into()));
                    };
                    log_after_send(
                        self.store
                            .set_channel_state(&card_key, Some(&format!("{card}|{mark:016x}"))),
                        "the ticket's card",
                    );
                    // Link the card at once: if the thread cannot be made now, a press on
                    // the card in the channel still names the ticket.
                    log_after_send(
                        self.link_messages(&[card], ticket),
                        "which ticket the card belongs to",
                    );
                    (card, true)
                }
            };
            self.check_stop().map_err(|f| fail(f, true))?;
            let made = ChannelId::new(staff)
                .create_thread_from_message(
                    &self.http(),
                    MessageId::new(card),
                    CreateThread::new(name),
                )
                .await;
            let thread = match made {
                Ok(t) => t.id.get(),
                Err(e) => match status_of(&e) {
                    Some((_, 160_004)) => {
                        match self.http().get_channel(ChannelId::new(card)).await {
                            Ok(t) => t.id().get(),
                            Err(e) if matches!(thread_trouble(&e), Some(ThreadTrouble::Gone)) => {
                                tracing::info!(card, %ticket, "the card's thread is gone: posting a new card");
                                self.store.set_channel_state(&card_key, None)?;
                                continue;
                            }
                            Err(e) => return Err(classify(&e, true)),
                        }
                    }
                    Some((_, 10_008)) => {
                        tracing::info!(card, %ticket, "the ticket's card is gone: posting a new one");
                        self.store.set_channel_state(&card_key, None)?;
                        continue;
                    }
                    _ => return Err(classify(&e, true)),
                },
            };
            self.remember_thread(ticket, thread, name);
            log_after_send(
                self.store.set_channel_state(&card_key, None),
                "that the card has its thread",
            );
            let skip = usize::from(fresh);
            let mut ids = if fresh { vec![card] } else { Vec::new() };
            if body.pieces.len() > skip {
                let rest = Body {
                    pieces: body.pieces[skip..].to_vec(),
                    embed: body.embed,
                    buttons: body.buttons,
                };
                ids.extend(self.send(thread, &rest).await.map_err(|f| fail(f, true))?);
            }
            return Ok(ids);
        }
        Err(SendError::Transient(
            "the ticket's card kept disappearing".into(),
        ))
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
        assert_eq!(escape_split("short", 2000), vec!["short"]);
        let text = format!("{}\n{}", "a".repeat(1500), "b".repeat(1000));
        let parts = escape_split(&text, 2000);
        assert_eq!(parts, vec!["a".repeat(1500), "b".repeat(1000)]);
        let one_line = "é".repeat(4500);
        let parts = escape_split(&one_line, 2000);
        assert_eq!(
            parts.iter().map(|p| p.chars().count()).collect::<Vec<_>>(),
            vec![2000, 2000, 500]
        );
        assert!(escape_split("  \n ", 2000).is_empty());
        // Lines are kept together while they fit.
        assert_eq!(escape_split("a\n\nb", 2000), vec!["a\n\nb"]);
    }

    #[test]
    fn customer_markdown_is_shown_as_written() {
        let card = "T-5 · billing\nAnn ```: **x** [Refund approved](https://evil.example) \
                    <@&123> <#9> <:e:1> <a:e:1> <t:1:R> </ticket:1> a<b 2>1\n\
                    # heading\n-# small\n> quote\n  - item\n12. item\n3.5 kg\n\
                    _i_ __u__ ~~s~~ ||spoiler|| `code` back\\slash";
        assert_eq!(
            escape(card),
            "T-5 · billing\nAnn \\`\\`\\`: \\*\\*x\\*\\* \\[Refund approved\\](https://evil.example) \
             \\<@&123> \\<#9> \\<:e:1> \\<a:e:1> \\<t:1:R> \\</ticket:1> a<b 2>1\n\
             \\# heading\n\\-# small\n\\> quote\n  \\- item\n12\\. item\n3.5 kg\n\
             \\_i\\_ \\_\\_u\\_\\_ \\~\\~s\\~\\~ \\|\\|spoiler\\|\\| \\`code\\` back\\\\slash"
        );
        // Links stay verbatim (a backslash would break them), without the punctuation
        // after them; what follows is escaped again.
        assert_eq!(
            escape("see https://shop.example/order_1?a=b*c), **then** <https://x.example/_>"),
            "see https://shop.example/order_1?a=b*c), \\*\\*then\\*\\* <https://x.example/_>"
        );
        assert_eq!(escape("http:// _x_"), "http:// \\_x\\_");
    }

    #[test]
    fn escaped_text_splits_without_a_dangling_backslash() {
        // "a" then 3000 escaped stars: 6001 characters once escaped.
        let text = format!("a{}", "*".repeat(3000));
        let parts = escape_split(&text, 2000);
        assert!(parts.len() >= 4, "{}", parts.len());
        for p in &parts {
            assert!(p.chars().count() <= 2000);
            let trailing = p.chars().rev().take_while(|c| *c == '\\').count();
            assert_eq!(
                trailing % 2,
                0,
                "an escape was cut: {:?}",
                &p[p.len() - 4..]
            );
        }
        assert_eq!(parts[0], format!("a{}", "\\*".repeat(999)));
        let joined: String = parts.concat();
        assert_eq!(joined, escape(&text));
        // A piece cut inside a line starts a message: its line-start markers are escaped.
        let text = format!("{} # not a heading", "a".repeat(1999));
        let parts = escape_split(&text, 2000);
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0], format!("{} ", "a".repeat(1999)));
        assert_eq!(parts[1], "\\# not a heading");
        // A link longer than a piece is cut (it cannot be kept whole).
        let link = format!("https://x.example/{}", "p".repeat(3000));
        let parts = escape_split(&link, 2000);
        assert_eq!(parts.concat(), link);
    }

    #[test]
    fn the_attachment_url_goes_verbatim_after_the_escaped_text() {
        let o = Outbound {
            to: Destination::StaffSpace,
            text: "Ann: see *this* @everyone".into(),
            buttons: vec![],
            ticket: None,
            attachment: Some(switchboard_domain::Attachment {
                kind: switchboard_domain::MediaKind::Photo,
                file: format!("{FILE_PREFIX}https://cdn.example/a_b/c_d.png"),
                caption: None,
            }),
            source: None,
            replaces: None,
        };
        assert_eq!(
            Sender::pieces_of(&o, MAX_CONTENT),
            vec!["Ann: see \\*this\\* @\u{200B}everyone\nhttps://cdn.example/a_b/c_d.png"]
        );
        // No room left in the last piece: the URL goes alone.
        let long = Outbound {
            text: "x".repeat(1990),
            ..o
        };
        let pieces = Sender::pieces_of(&long, MAX_CONTENT);
        assert_eq!(pieces.len(), 2);
        assert_eq!(pieces[1], "https://cdn.example/a_b/c_d.png");
    }

    #[test]
    fn refusals_are_sorted_by_who_can_fix_them() {
        // A refused token and a lost permission in the staff space wait for an admin.
        assert_eq!(verdict(401, false), Verdict::TokenRefused);
        assert_eq!(verdict(401, true), Verdict::TokenRefused);
        assert_eq!(verdict(403, true), Verdict::StaffPermission);
        // A customer who closed their DMs (403 50007) cannot be helped by retrying.
        assert_eq!(verdict(403, false), Verdict::Refused);
        assert_eq!(verdict(404, true), Verdict::Refused);
        assert_eq!(verdict(400, true), Verdict::Refused);
        assert_eq!(verdict(429, true), Verdict::Wait);
        assert_eq!(verdict(500, false), Verdict::Later);
        assert_eq!(verdict(503, true), Verdict::Later);
        assert!(missing_permission(50001, "POST", "/channels/1/messages").contains("View Channel"));
        assert!(
            missing_permission(50013, "POST", "/channels/1/messages/2/threads")
                .contains("Create Public Threads")
        );
        assert!(missing_permission(50013, "PATCH", "/channels/1").contains("Manage Threads"));
        assert!(
            missing_permission(50013, "POST", "/channels/1/messages").contains("Send Messages")
        );
    }

    #[test]
    fn card_state_round_trips() {
        let mark = fingerprint("T-5 · billing");
        assert_ne!(mark, fingerprint("T-5 · billing "));
        assert_eq!(
            parse_card_state(&format!("42|{mark:016x}")),
            Some((42, mark))
        );
        assert_eq!(parse_card_state("42"), None);
        assert_eq!(keys::ticket_card(TicketId(5)), "discord:card:T-5");
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
