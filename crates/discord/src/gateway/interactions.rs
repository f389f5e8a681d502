//! Button presses and slash commands: located, parsed, the customer moved to their private
//! thread when in the public support channel, submitted, and answered only once durable.
//! Discord wants an answer within 3 s: a slow one is deferred first ([`DEFER_AFTER`]).

use std::time::Duration;

use serenity::all::{
    CreateAllowedMentions, CreateInteractionResponse, CreateInteractionResponseFollowup,
    CreateInteractionResponseMessage, EditInteractionResponse, GuildId, Interaction,
};

use super::Shared;
use super::support::move_to;
use crate::parse::interactions::interaction;
use crate::parse::{Parsed, Where};

/// An interaction not answered by then is deferred (Discord allows 3 s for the first
/// answer).
pub const DEFER_AFTER: Duration = Duration::from_millis(2000);

/// How an interaction is answered.
pub(crate) enum Reply {
    /// Type 6 for a button (nothing shown), an ephemeral `done` for a command.
    Taken,
    /// An ephemeral sentence.
    Say(String),
    /// No answer: the client shows its own "interaction failed" (the update was not
    /// taken and the user may try again).
    None,
}

impl Shared {
    /// Handles an interaction and answers it. Discord wants an answer within 3 s: when
    /// the update is not durable after [`DEFER_AFTER`] (a slow disk, a busy channel), the
    /// interaction is deferred at once and the real answer follows as an edit.
    pub(crate) async fn on_interaction(&self, i: Interaction) {
        let work = self.handle_interaction(&i);
        tokio::pin!(work);
        tokio::select! {
            reply = &mut work => {
                self.answer(&i, reply).await;
                return;
            }
            () = tokio::time::sleep(DEFER_AFTER) => {}
        }
        self.defer(&i).await;
        let reply = work.await;
        self.answer_late(&i, reply).await;
    }

    /// Tells Discord the interaction is being handled (type 5, only for its user, for a
    /// command; type 6 for a button).
    async fn defer(&self, i: &Interaction) {
        let http = self.discord.sender.http();
        let r = match i {
            Interaction::Command(c) => {
                http.create_interaction_response(
                    c.id,
                    &c.token,
                    &CreateInteractionResponse::Defer(
                        CreateInteractionResponseMessage::new().ephemeral(true),
                    ),
                )
                .await
            }
            Interaction::Component(c) => {
                http.create_interaction_response(
                    c.id,
                    &c.token,
                    &CreateInteractionResponse::Acknowledge,
                )
                .await
            }
            _ => Ok(()),
        };
        if let Err(e) = r {
            tracing::warn!(interaction = i.id().get(), error = %e, "could not defer an interaction");
        }
    }

    /// The answer to a deferred interaction: the deferred reply edited (a command), or a
    /// follow-up only its user sees (a button that needs a sentence).
    async fn answer_late(&self, i: &Interaction, reply: Reply) {
        let http = self.discord.sender.http();
        let text = match (reply, i) {
            (Reply::Taken, Interaction::Component(_)) => return,
            (Reply::Taken, _) => self.discord.texts.done.clone(),
            (Reply::Say(t), _) => t,
            (Reply::None, _) => self.discord.texts.failed.clone(),
        };
        let r = match i {
            Interaction::Command(c) => {
                http.edit_original_interaction_response(
                    c.application_id,
                    &c.token,
                    &EditInteractionResponse::new()
                        .content(text)
                        .allowed_mentions(CreateAllowedMentions::new()),
                )
                .await
            }
            Interaction::Component(c) => {
                http.create_followup(
                    c.application_id,
                    &c.token,
                    &CreateInteractionResponseFollowup::new()
                        .content(text)
                        .ephemeral(true)
                        .allowed_mentions(CreateAllowedMentions::new()),
                )
                .await
            }
            _ => Ok(()),
        };
        if let Err(e) = r {
            tracing::warn!(interaction = i.id().get(), error = %e, "could not answer a deferred interaction");
        }
    }

    /// What an interaction does, and how to answer it.
    async fn handle_interaction(&self, i: &Interaction) -> Reply {
        let (channel, guild, user, name) = match i {
            Interaction::Command(c) => (
                c.channel_id,
                c.guild_id,
                c.user.clone(),
                c.member.as_ref().and_then(|m| m.nick.clone()),
            ),
            Interaction::Component(c) => (
                c.channel_id,
                c.guild_id,
                c.user.clone(),
                c.member.as_ref().and_then(|m| m.nick.clone()),
            ),
            _ => return Reply::None,
        };
        let at = self.locate(channel.get(), guild.map(GuildId::get)).await;
        match interaction(i, at, &self.cx()) {
            Parsed::Inbound(mut inbound) => {
                if at == Where::SupportChannel {
                    let name = name
                        .or_else(|| user.global_name.clone())
                        .unwrap_or_else(|| user.name.clone());
                    match self.to_private(&user, &name).await {
                        Ok(thread) => move_to(&mut inbound, thread),
                        // Never submitted when the move failed: it would open the ticket in
                        // the public channel.
                        Err(e) => return self.not_taken(i, &e),
                    }
                }
                match self.submit(&inbound).await {
                    Ok(()) => Reply::Taken,
                    Err(e) => self.not_taken(i, &e),
                }
            }
            Parsed::Refused(why) => {
                tracing::info!(
                    interaction = i.id().get(),
                    user = user.id.get(),
                    why,
                    "refused"
                );
                Reply::Say(self.discord.texts.not_staff.clone())
            }
            Parsed::Ignore(why) => {
                tracing::debug!(interaction = i.id().get(), why, "interaction ignored");
                Reply::Taken
            }
        }
    }

    /// Answers an interaction (within Discord's 3 s).
    async fn answer(&self, i: &Interaction, reply: Reply) {
        let http = self.discord.sender.http();
        let say = |t: String| {
            CreateInteractionResponse::Message(
                CreateInteractionResponseMessage::new()
                    .content(t)
                    .ephemeral(true)
                    .allowed_mentions(CreateAllowedMentions::new()),
            )
        };
        let response = match (reply, i) {
            (Reply::None, _) => return,
            (Reply::Taken, Interaction::Component(_)) => CreateInteractionResponse::Acknowledge,
            (Reply::Taken, _) => say(self.discord.texts.done.clone()),
            (Reply::Say(t), _) => say(t),
        };
        let r = match i {
            Interaction::Command(c) => {
                http.create_interaction_response(c.id, &c.token, &response)
                    .await
            }
            Interaction::Component(c) => {
                http.create_interaction_response(c.id, &c.token, &response)
                    .await
            }
            _ => Ok(()),
        };
        if let Err(e) = r {
            tracing::warn!(interaction = i.id().get(), error = %e, "could not answer an interaction");
        }
    }

    /// Logs why an interaction was not taken; its user is told to try again.
    fn not_taken(&self, i: &Interaction, e: &dyn std::fmt::Display) -> Reply {
        tracing::error!(interaction = i.id().get(), error = %e, "the desk could not take an interaction");
        Reply::Say(self.discord.texts.failed.clone())
    }
}
