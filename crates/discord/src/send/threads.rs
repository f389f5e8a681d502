//! A ticket's thread in the staff space: made on first use (from the ticket's card in a
//! text channel, or as a forum post), reopened when archived, recreated when deleted,
//! renamed when the ticket's category or priority changed. Kept in the store as
//! `<thread>|<name>` under `keys::ticket_thread`; a card waiting for its thread under
//! `keys::ticket_card`.

use std::time::Duration;

use serenity::all::{ChannelId, CreateThread, EditThread, MessageId};
use switchboard_domain::{DeliveryError, TicketId};

use super::{Body, Sender};
use crate::classify::{
    Fail, ThreadTrouble, classify, fail, log_after_send, status_of, thread_trouble,
};
use crate::keys::{self, fingerprint, parse_card_state, parse_thread_state, refs};
use crate::markdown::{MAX_THREAD_NAME, truncate};

/// How long a thread's rename may take (Discord's rate limit on it may ask for up to ten
/// minutes).
pub const RENAME_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a delivery waits for the thread's rename before it leaves it to go on alone.
pub const RENAME_GRACE: Duration = Duration::from_secs(2);

/// "T-1042 · billing · high", at most 100 characters.
pub fn thread_name(ticket: TicketId, category: &str, priority: &str) -> String {
    truncate(
        &format!("{ticket} · {category} · {priority}"),
        MAX_THREAD_NAME,
    )
}

impl Sender {
    /// The ticket's thread: created on first use (the body becomes its first message),
    /// reopened when archived, recreated when deleted, renamed (after the message went)
    /// when the ticket's category or priority changed. Returns the ids of the messages
    /// sent.
    pub(crate) async fn to_ticket(
        &self,
        ticket: TicketId,
        body: &Body<'_>,
    ) -> Result<Vec<u64>, DeliveryError> {
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
                Err(Fail::Stopped) => return Err(DeliveryError::Stopped),
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
        Err(DeliveryError::Transient(
            "the ticket's thread kept failing".into(),
        ))
    }

    /// Renames a ticket's thread, best effort, without holding up the ticket's messages:
    /// Discord allows two renames of a channel in ten minutes, and the rate limiter
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
        let rest = self.rest.clone();
        let name = name.to_string();
        let mut task = tokio::spawn(async move {
            let edit = EditThread::new().name(name);
            match tokio::time::timeout(
                RENAME_TIMEOUT,
                rest.edit_thread(ChannelId::new(thread), &edit),
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
    ) -> Result<Vec<u64>, DeliveryError> {
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
                        return Err(DeliveryError::Transient("no card was sent".into()));
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
            let made = self
                .rest
                .create_thread_from_message(
                    ChannelId::new(staff),
                    MessageId::new(card),
                    &CreateThread::new(name),
                )
                .await;
            let thread = match made {
                Ok(t) => t.id.get(),
                Err(e) => match status_of(&e) {
                    Some((_, 160_004)) => match self.rest.get_channel(ChannelId::new(card)).await {
                        Ok(t) => t.id().get(),
                        Err(e) if matches!(thread_trouble(&e), Some(ThreadTrouble::Gone)) => {
                            tracing::info!(card, %ticket, "the card's thread is gone: posting a new card");
                            self.store.set_channel_state(&card_key, None)?;
                            continue;
                        }
                        Err(e) => return Err(classify(&e, true)),
                    },
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
        Err(DeliveryError::Transient(
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
}
