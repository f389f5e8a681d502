//! One outbound message delivered: routed (a Discord customer's DM or private thread, a
//! ticket's thread, the staff space), cut into pieces, an edit applied to the relay it
//! corrects when it can be, the messages linked to their ticket, and where a relay landed
//! remembered (for a later edit).

use serenity::all::{ChannelId, CreateAllowedMentions, EditMessage, MessageId};
use switchboard_domain::{DeliveryError, Destination, Outbound};

use super::{Body, Sender};
use crate::classify::{Fail, ThreadTrouble, classify, fail, log_after_send, thread_trouble};
use crate::keys::{self, FILE_PREFIX, parse_thread_state};
use crate::markdown::{MAX_CONTENT, MAX_EMBED, chunks, defuse, escape_split};

impl Sender {
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
    pub async fn deliver(&self, o: &Outbound) -> Result<(), DeliveryError> {
        if self.route(o).is_none() {
            return Err(DeliveryError::Permanent(
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
            match self
                .rest
                .edit_message(ChannelId::new(channel), MessageId::new(message), &edit)
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
                    DeliveryError::Permanent(format!("`{}` is not a Discord channel id", chat.id))
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

    /// The staff channel, or in forum mode the post that stands for it.
    async fn to_staff_space(&self, body: &Body<'_>) -> Result<Vec<u64>, DeliveryError> {
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
                    Err(Fail::Stopped) => return Err(DeliveryError::Stopped),
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
        Err(DeliveryError::Transient(
            "the staff space's forum post kept failing".into(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
