//! The desk's [`Outbound`] messages -> REST calls: customers' DMs and private threads,
//! ticket threads (or forum posts) in the staff space, the staff channel itself.
//!
//! Every message mentions nobody (`allowed_mentions` empty), and `@everyone`/`@here` get a
//! zero-width space so they cannot even look like pings: customers' text is relayed to
//! agents, and nothing a customer writes may notify a whole server. The desk's text is
//! plain text: its Discord markdown is escaped (see `markdown`).
//!
//! Parts: this file holds the [`Sender`] and what every send shares (a message's pieces and
//! buttons, sending them, forum posts, reopening a thread, linking what was sent to its
//! ticket); [`threads`] keeps each ticket's thread (made, reopened, recreated, renamed);
//! [`deliver`] turns one outbound message into those calls. What is kept in the store is
//! named in `keys`.

pub mod deliver;
pub mod threads;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use serenity::all::{
    ButtonStyle, ChannelId, CreateActionRow, CreateAllowedMentions, CreateButton, CreateEmbed,
    CreateForumPost, CreateMessage, EditThread,
};
use switchboard_domain::{
    Button, ChannelStore, DeliveryError, Destination, Outbound, Platform, TicketId,
};

use crate::classify::{Fail, classify, fail};
use crate::config::DiscordConfig;
use crate::keys::refs;
use crate::markdown::{MAX_THREAD_NAME, truncate};
use crate::rest::Rest;

/// Buttons per action row, rows per message.
const ROW: usize = 5;
const ROWS: usize = 5;

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

/// One message as it goes out: text pieces (plain or in embeds) and buttons.
pub(crate) struct Body<'a> {
    /// The text, in pieces that each fit in a message.
    pub(crate) pieces: Vec<String>,
    /// Whether the pieces go as embeds (staff-space messages with buttons).
    pub(crate) embed: bool,
    /// The buttons, under the last piece.
    pub(crate) buttons: &'a [Button],
}

impl Body<'_> {
    /// The `i`th piece as a message (the buttons go under the last).
    pub(crate) fn message(&self, i: usize) -> CreateMessage {
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
    /// Deliveries' REST client: a 429 goes back to the dispatcher with Discord's wait.
    rest: Rest,
    cfg: DiscordConfig,
    store: Arc<dyn ChannelStore>,
    stopped: AtomicBool,
}

impl Sender {
    /// A sender over `rest` with these settings, keeping its thread map in `store`.
    pub fn new(rest: Rest, cfg: DiscordConfig, store: Arc<dyn ChannelStore>) -> Sender {
        Sender {
            rest,
            cfg,
            store,
            stopped: AtomicBool::new(false),
        }
    }

    /// The REST client for the gateway's calls (catch-up reads, interaction answers,
    /// threads for the support channel): the same rate limits as deliveries, one set for
    /// the whole bot, and a 429 waited out before the call returns.
    pub(crate) fn http(&self) -> Rest {
        self.rest.patient()
    }

    /// Where the adapter keeps its state.
    pub(crate) fn store(&self) -> &Arc<dyn ChannelStore> {
        &self.store
    }

    /// Stops sends that have not started: they stay in the outbox (and calls waiting for
    /// a rate limit give up).
    pub fn stop(&self) {
        self.stopped.store(true, Ordering::SeqCst);
        self.rest.stop();
    }

    /// `Err(Fail::Stopped)` once [`Sender::stop`] was called.
    pub(crate) fn check_stop(&self) -> Result<(), Fail> {
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

    /// Links the messages sent to their ticket (for replies and presses on them).
    pub(crate) fn link_messages(&self, ids: &[u64], ticket: TicketId) -> Result<(), DeliveryError> {
        let links: Vec<(String, TicketId)> =
            ids.iter().map(|id| (refs::message(*id), ticket)).collect();
        self.store.link(&links)?;
        Ok(())
    }

    /// Sends every piece to `channel`; returns the message ids.
    pub(crate) async fn send(&self, channel: u64, body: &Body<'_>) -> Result<Vec<u64>, Fail> {
        let mut ids = Vec::with_capacity(body.pieces.len());
        for i in 0..body.pieces.len() {
            self.check_stop()?;
            let m = self
                .rest
                .send_message(ChannelId::new(channel), &body.message(i))
                .await?;
            ids.push(m.id.get());
        }
        Ok(ids)
    }

    /// Creates a forum post whose first message is the body's first piece; the rest go
    /// into the post. Returns the post's id and the message ids.
    pub(crate) async fn forum_post(
        &self,
        name: &str,
        body: &Body<'_>,
    ) -> Result<(u64, Vec<u64>), DeliveryError> {
        self.check_stop().map_err(|f| fail(f, true))?;
        let post = self
            .rest
            .create_forum_post(
                ChannelId::new(self.cfg.staff_channel_id),
                &CreateForumPost::new(truncate(name, MAX_THREAD_NAME), body.message(0)),
            )
            .await
            .map_err(|e| classify(&e, true))?;
        let id = post.id.get();
        // A forum post's first message has the post's id.
        let mut ids = vec![id];
        for i in 1..body.pieces.len() {
            self.check_stop().map_err(|f| fail(f, true))?;
            let m = self
                .rest
                .send_message(post.id, &body.message(i))
                .await
                .map_err(|e| classify(&e, true))?;
            ids.push(m.id.get());
        }
        Ok((id, ids))
    }

    /// Unarchives (and unlocks) a thread.
    pub(crate) async fn reopen(&self, thread: u64) -> Result<(), DeliveryError> {
        tracing::info!(thread, "the thread is archived: reopening it");
        self.rest
            .edit_thread(
                ChannelId::new(thread),
                &EditThread::new().archived(false).locked(false),
            )
            .await
            .map_err(|e| classify(&e, true))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
