//! Digests: when cards wait together in one staff queue (a flood of handoffs into a
//! Telegram group, which takes 20 messages a minute, or a Discord staff channel, where
//! cards gather in the staff channel's queue), they go as one message listing each ticket
//! (id, category, priority, the customer's first words) with its Claim button, instead of
//! one card each falling further behind.
//!
//! Parts: [`is_card`] (what counts as a card), [`pick`] (which waiting cards may merge
//! without reordering a ticket's messages), [`build`] (the digest message), [`Words`] (the
//! staff's prompts, `staff.digest_*`).
//!
//! What a digest keeps of a card: the ticket and its Claim button with the card's own
//! payload, so a press claims exactly as on the card. What it drops: the card's long form
//! (customer, rules, conversation: the ticket's thread gets it as its conversation goes on;
//! `switchboard tickets show` has it all) and, on Telegram, the card's place in the
//! ticket's topic (the topic is made by the ticket's next message, the claim's).
//! Replies to a digest name no ticket (it lists several): agents claim by button or by
//! `/claim ID`. The merged entries are removed only after the digest was delivered.

use std::collections::{HashSet, VecDeque};
use std::sync::Arc;

use switchboard_desk::Store;
use switchboard_domain::{Author, Button, Destination, Outbound, TicketId};

use super::Item;

/// The staff's sentences by prompt key (`staff.digest_title`), with arguments: the
/// staff locale's prompts.
pub type Words = Arc<dyn Fn(&str, &[(&str, &str)]) -> String + Send + Sync>;

/// The first part of the desk's Claim button payload (`claim:T-5`; a wire string stored in
/// outbox entries and sent to platforms, which never changes: desk/wire.rs).
const CLAIM: &str = "claim:";

/// How many characters of the customer's first message a digest line shows.
const FIRST_WORDS: usize = 60;

/// Whether `o` is a ticket's card: a text to a ticket's thread with a Claim button.
pub(super) fn is_card(o: &Outbound) -> bool {
    matches!(o.to, Destination::Ticket { .. })
        && o.attachment.is_none()
        && o.replaces.is_none()
        && o.buttons.iter().any(|b| b.payload.starts_with(CLAIM))
}

/// The ticket an entry is about.
fn ticket_of(o: &Outbound) -> Option<TicketId> {
    match o.to {
        Destination::Ticket { ticket } => Some(ticket),
        _ => o.ticket,
    }
}

/// The positions in `waiting` of the cards one digest takes, at most `max`, starting with
/// the first entry: a card is taken only if no entry before it that stays (and no card
/// taken) is about the same ticket, so that each ticket's messages keep their order.
pub(super) fn pick(waiting: &VecDeque<Item>, max: usize) -> Vec<usize> {
    let mut picked = Vec::new();
    let mut seen: HashSet<TicketId> = HashSet::new();
    for (i, (_, o, _)) in waiting.iter().enumerate() {
        if picked.len() >= max {
            break;
        }
        let ticket = ticket_of(o);
        let free = ticket.is_none_or(|t| !seen.contains(&t));
        if is_card(o) && free {
            picked.push(i);
        } else if i == 0 {
            // The head is not a card: nothing to merge.
            return Vec::new();
        }
        if let Some(t) = ticket {
            seen.insert(t);
        }
    }
    picked
}

/// The digest of `cards` (each a card, [`is_card`]): a title, one line per ticket, and
/// each ticket's Claim button.
pub(super) fn build(store: &dyn Store, words: &Words, cards: &[Item]) -> Outbound {
    let mut lines = vec![words(
        "staff.digest_title",
        &[("count", &cards.len().to_string())],
    )];
    let mut buttons = Vec::with_capacity(cards.len());
    for (_, o, _) in cards {
        let Some(t) = ticket_of(o) else {
            continue;
        };
        let (category, priority, first) = about(store, t);
        lines.push(words(
            "staff.digest_line",
            &[
                ("ticket", &t.to_string()),
                ("category", &category),
                ("priority", &priority),
                ("words", &first),
            ],
        ));
        if let Some(claim) = o.buttons.iter().find(|b| b.payload.starts_with(CLAIM)) {
            buttons.push(Button {
                label: words("staff.digest_button", &[("ticket", &t.to_string())]),
                payload: claim.payload.clone(),
            });
        }
    }
    Outbound {
        to: Destination::StaffSpace,
        text: lines.join("\n"),
        buttons,
        ticket: None,
        attachment: None,
        source: None,
        replaces: None,
    }
}

/// A ticket's category, priority and the customer's first words, one line (a store
/// failure leaves them as `?`: the digest still carries the ticket and its button).
fn about(store: &dyn Store, t: TicketId) -> (String, String, String) {
    let (category, priority) = match store.ticket(t) {
        Ok(Some(ticket)) => (
            ticket.category.as_str().to_string(),
            ticket.priority.as_str().to_string(),
        ),
        _ => ("?".to_string(), "?".to_string()),
    };
    let first = store
        .messages(t)
        .ok()
        .and_then(|m| {
            m.into_iter()
                .find(|m| matches!(m.author, Author::Customer(_)))
                .map(|m| m.text)
        })
        .unwrap_or_default();
    (category, priority, first_words(&first))
}

/// `text` on one line, cut at [`FIRST_WORDS`] characters (with `…` when cut).
fn first_words(text: &str) -> String {
    let line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.chars().count() <= FIRST_WORDS {
        return line;
    }
    let mut cut: String = line.chars().take(FIRST_WORDS).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_words_are_one_line_and_short() {
        assert_eq!(first_words("hello\n  there"), "hello there");
        let long = "x".repeat(100);
        let cut = first_words(&long);
        assert_eq!(cut.chars().count(), FIRST_WORDS + 1);
        assert!(cut.ends_with('…'));
    }
}
