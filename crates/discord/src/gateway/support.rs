//! The public support channel: a customer who writes (or uses `/ticket`) there is moved to
//! a private thread of their own (reused while open, reopened when archived, else made and
//! the customer added and told, pinging only them), so that nothing opens in public.

use serenity::all::{
    ChannelId, ChannelType, CreateAllowedMentions, CreateMessage, CreateThread, EditThread, User,
    UserId,
};
use switchboard_domain::{ChatId, Inbound, Place, Platform};

use super::Shared;
use crate::error::PrivateThreadError;
use crate::keys;
use crate::markdown::{MAX_CONTENT, MAX_THREAD_NAME, defuse, truncate};

impl Shared {
    /// The customer's private thread under the support channel, if it is still open.
    pub(crate) fn support_thread(&self, user: u64) -> Option<u64> {
        self.discord
            .sender
            .store()
            .channel_state(&keys::support_thread(user))
            .ok()
            .flatten()
            .and_then(|s| s.parse().ok())
    }

    /// Moves a customer from the public support channel to their private thread:
    /// reused while it is open, else created (private, not invitable) with the customer
    /// added and told, pinging only them. The public message is deleted when it can be.
    pub(crate) async fn to_private(
        &self,
        user: &User,
        name: &str,
    ) -> Result<u64, PrivateThreadError> {
        let http = self.discord.sender.http();
        let support = self.cfg().support_channel_id;
        let uid = user.id.get();
        let mut thread = None;
        if let Some(t) = self.support_thread(uid)
            && let Some(info) = self.info(t).await
        {
            if !info.archived {
                thread = Some(t);
            } else {
                // Threads archive themselves after a while: reopen it (the customer's open
                // ticket lives there), else make a new one.
                match http
                    .edit_thread(ChannelId::new(t), &EditThread::new().archived(false))
                    .await
                {
                    Ok(c) => {
                        self.learn(&c);
                        thread = Some(t);
                    }
                    Err(e) => {
                        tracing::info!(thread = t, error = %e, "could not reopen a customer's private thread; making a new one");
                    }
                }
            }
        }
        let created = thread.is_none();
        let thread = match thread {
            Some(t) => t,
            None => {
                let title = truncate(&format!("Support · {name}"), MAX_THREAD_NAME);
                let t = http
                    .create_thread(
                        ChannelId::new(support),
                        &CreateThread::new(title)
                            .kind(ChannelType::PrivateThread)
                            .invitable(false),
                    )
                    .await
                    .map_err(|e| PrivateThreadError::Create(e.to_string()))?;
                self.learn(&t);
                http.add_thread_member(t.id, UserId::new(uid))
                    .await
                    .map_err(|e| PrivateThreadError::AddMember(e.to_string()))?;
                self.discord
                    .sender
                    .store()
                    .set_channel_state(&keys::support_thread(uid), Some(&t.id.get().to_string()))?;
                t.id.get()
            }
        };
        if created {
            let text =
                defuse(&self.discord.texts.moved_private).replace("{name}", &format!("<@{uid}>"));
            let msg = CreateMessage::new()
                .content(truncate(&text, MAX_CONTENT))
                .allowed_mentions(CreateAllowedMentions::new().users(vec![UserId::new(uid)]));
            if let Err(e) = http.send_message(ChannelId::new(thread), &msg).await {
                tracing::warn!(thread, error = %e, "could not greet the customer in their private thread");
            }
        }
        Ok(thread)
    }
}

/// Points customer updates at `thread` (the customer's private thread).
pub(crate) fn move_to(inbound: &mut [Inbound], thread: u64) {
    for i in inbound {
        if let Place::Customer { chat } = &mut i.place {
            *chat = ChatId::new(Platform::Discord, thread.to_string());
        }
    }
}
