//! The working state of one event, shared by every handler of the desk.
//!
//! Parts: [`Work`], the accumulator an event's handlers read through and write to (tickets
//! read once, the ones changed, the [`Transition`] so far, the file and message keys the
//! event carries); [`clean`], the one sanitising of text people send; [`button`], a button
//! with a typed payload. It sits below every handler file: handlers import from here, never
//! from each other.

use std::collections::BTreeMap;

use switchboard_domain::{
    Attachment, Author, Button, Destination, EventKind, Message, Outbound, Ticket, TicketEvent,
    TicketId, Timestamp,
};

use super::wire::Action;
use crate::store::{Store, StoreError, Transition};

/// Removes control characters (keeping new lines and tabs) and bidirectional overrides,
/// which could disguise text in agents' cards.
pub(super) fn clean(text: &str) -> String {
    text.chars()
        .filter(|c| {
            (!c.is_control() || *c == '\n' || *c == '\t')
                && !matches!(*c as u32, 0x202A..=0x202E | 0x2066..=0x2069 | 0x200E | 0x200F)
        })
        .collect::<String>()
        .trim()
        .to_string()
}

/// A button that asks for `action` on `ticket`: the payload is only a request, checked
/// again when pressed.
pub(super) fn button(label: String, action: Action, ticket: TicketId) -> Button {
    Button {
        label,
        payload: action.payload(ticket),
    }
}

/// The working state of one event: records read and changed, and the transition so far.
pub(super) struct Work<'s> {
    pub(super) store: &'s dyn Store,
    pub(super) now: Timestamp,
    pub(super) tickets: BTreeMap<TicketId, Ticket>,
    changed: Vec<TicketId>,
    pub(super) tx: Transition,
    /// The file the event's person sent, if any: kept with their message and relayed
    /// with it.
    pub(super) attachment: Option<Attachment>,
    /// The key of the message being handled, put on its relays (for later edits).
    pub(super) source: Option<String>,
    /// The key of the message an edit corrects: its relay is replaced.
    pub(super) replaces: Option<String>,
}

impl<'s> Work<'s> {
    /// The start of an event handled at `now`: nothing read, nothing changed.
    pub(super) fn new(store: &'s dyn Store, now: Timestamp) -> Work<'s> {
        Work {
            store,
            now,
            tickets: BTreeMap::new(),
            changed: Vec::new(),
            tx: Transition::default(),
            attachment: None,
            source: None,
            replaces: None,
        }
    }

    /// A ticket, read once per event.
    pub(super) fn ticket(&mut self, id: TicketId) -> Result<Option<&mut Ticket>, StoreError> {
        if !self.tickets.contains_key(&id) {
            match self.store.ticket(id)? {
                Some(t) => {
                    self.tickets.insert(id, t);
                }
                None => return Ok(None),
            }
        }
        Ok(self.tickets.get_mut(&id))
    }

    /// Marks a ticket changed (its version is bumped once, at the end).
    pub(super) fn touch(&mut self, id: TicketId) {
        if !self.changed.contains(&id) {
            self.changed.push(id);
        }
        if let Some(t) = self.tickets.get_mut(&id) {
            t.updated_at = self.now;
        }
    }

    /// Adds to a ticket's audit trail.
    pub(super) fn event(
        &mut self,
        id: TicketId,
        kind: EventKind,
        by: Option<&str>,
        detail: String,
    ) {
        let at = self.now;
        if let Some(t) = self.tickets.get_mut(&id) {
            t.events.push(TicketEvent {
                at,
                kind,
                by: by.map(str::to_string),
                detail,
            });
        }
        self.touch(id);
    }

    /// Appends a message to a ticket's transcript.
    pub(super) fn record(&mut self, id: TicketId, author: Author, text: &str, internal: bool) {
        let at = self.now;
        // The person's own message carries their file; the bot's carry none.
        let attachment = match author {
            Author::Bot => None,
            _ => self.attachment.clone(),
        };
        if let Some(t) = self.tickets.get_mut(&id) {
            t.messages += 1;
            let seq = t.messages;
            self.tx.messages.push((
                id,
                Message {
                    seq,
                    at,
                    author,
                    text: text.to_string(),
                    internal,
                    attachment,
                },
            ));
        }
        self.touch(id);
    }

    /// Sends the bot's own text (no file, no source message).
    pub(super) fn send(
        &mut self,
        to: Destination,
        text: String,
        buttons: Vec<Button>,
        ticket: Option<TicketId>,
    ) {
        self.tx.outbound.push(Outbound {
            to,
            text,
            buttons,
            ticket,
            attachment: None,
            source: None,
            replaces: None,
        });
    }

    /// Sends a person's message on (to the customer or the ticket's thread), with the file
    /// they sent.
    pub(super) fn relay_message(&mut self, to: Destination, text: String, ticket: TicketId) {
        let attachment = self.attachment.clone();
        self.tx.outbound.push(Outbound {
            to,
            text,
            buttons: vec![],
            ticket: Some(ticket),
            attachment,
            source: self.source.clone(),
            replaces: self.replaces.clone(),
        });
    }

    /// The transition: every changed ticket once, its version bumped.
    pub(super) fn finish(mut self) -> Transition {
        for id in &self.changed {
            if let Some(mut t) = self.tickets.remove(id) {
                t.version += 1;
                self.tx.tickets.push(t);
            }
        }
        self.tx
    }
}
