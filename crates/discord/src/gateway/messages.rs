//! New and edited messages from the gateway (and from catching up): located, parsed,
//! moved to the customer's private thread when they were written in the public support
//! channel, submitted; where catching up starts is remembered once they are durable.

use serenity::all::{GuildId, Message, MessageUpdateEvent};

use super::Shared;
use super::support::move_to;
use crate::parse::messages::{edit, message};
use crate::parse::{Parsed, Where};

impl Shared {
    /// Handles a new message: submitted, then remembered (and its public copy in the
    /// support channel deleted). False when it could not be made durable.
    pub(crate) async fn on_message(&self, m: Message) -> bool {
        let channel = m.channel_id.get();
        let at = self.locate(channel, m.guild_id.map(GuildId::get)).await;
        let mut inbound = match message(&m, at, &self.cx()) {
            Parsed::Inbound(v) => v,
            Parsed::Refused(why) | Parsed::Ignore(why) => {
                tracing::debug!(message = m.id.get(), why, "message ignored");
                return true;
            }
        };
        if at == Where::SupportChannel {
            let name = inbound[0].from.name.clone();
            match self.to_private(&m.author, &name).await {
                Ok(thread) => move_to(&mut inbound, thread),
                Err(e) => {
                    tracing::error!(message = m.id.get(), error = %e, "could not move a support-channel message to a private thread");
                    return false;
                }
            }
        }
        match self.submit(&inbound).await {
            Ok(()) => {
                self.seen(channel, m.id.get());
                if at == Where::SupportChannel {
                    self.delete_public(m.id.get()).await;
                }
                true
            }
            Err(e) => {
                tracing::error!(
                    message = m.id.get(),
                    error = %e,
                    "the desk could not take a message; it is fetched again at the next start"
                );
                false
            }
        }
    }

    /// Handles an edited message: its correction submitted (to the private thread when it
    /// was written in the support channel). False when it could not be made durable.
    pub(crate) async fn on_edit(&self, e: MessageUpdateEvent) -> bool {
        let at = self
            .locate(e.channel_id.get(), e.guild_id.map(GuildId::get))
            .await;
        let mut inbound = match edit(&e, at, &self.cx()) {
            Parsed::Inbound(v) => v,
            Parsed::Refused(why) | Parsed::Ignore(why) => {
                tracing::debug!(message = e.id.get(), why, "edit ignored");
                return true;
            }
        };
        if at == Where::SupportChannel {
            // The message was moved (its public copy could not be deleted): the edit goes
            // to the same private thread, if there is one.
            let Some(user) = e.author.as_ref().map(|u| u.id.get()) else {
                return true;
            };
            match self.support_thread(user) {
                Some(thread) => move_to(&mut inbound, thread),
                None => return true,
            }
        }
        if let Err(err) = self.submit(&inbound).await {
            tracing::error!(message = e.id.get(), error = %err, "the desk could not take an edit");
            return false;
        }
        true
    }
}
