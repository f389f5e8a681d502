//! Catching up (see the module docs of `gateway`): after every `READY`, the open tickets'
//! conversations and staff threads and the public support channel are read from where
//! the adapter last was, and what was written meanwhile goes through the channels' queues
//! as if it had just arrived.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use serenity::all::{ChannelId, GuildId, MessageId, PartialMember, UserId};
use switchboard_domain::{Platform, TicketStatus, Timestamp};

use super::{Job, Shared};
use crate::keys::{self, parse_thread_state};
use crate::parse::snowflake_at;

impl Shared {
    /// A guild member's roles and nick, for messages fetched over REST (which carry none).
    async fn member_of(
        &self,
        user: u64,
        cache: &mut HashMap<u64, Option<PartialMember>>,
    ) -> Option<PartialMember> {
        if let Some(m) = cache.get(&user) {
            return m.clone();
        }
        let guild = self.cfg().guild_id;
        let m = match self
            .discord
            .sender
            .http()
            .get_member(GuildId::new(guild), UserId::new(user))
            .await
        {
            Ok(m) => serde_json::from_value(serde_json::json!({
                "roles": m.roles, "nick": m.nick, "deaf": false, "mute": false,
            }))
            .ok(),
            Err(_) => None,
        };
        cache.insert(user, m.clone());
        m
    }

    /// Catches up on what was written while the bot was away (see the module docs).
    pub(crate) async fn catch_up(self: &Arc<Self>) {
        let cfg = self.cfg().clone();
        let store = self.discord.sender.store().clone();
        let last = |ch: u64| {
            store
                .channel_state(&keys::last_seen(ch))
                .ok()
                .flatten()
                .and_then(|s| s.parse::<u64>().ok())
        };
        // Channel -> (after which message, known to be in the guild).
        let mut targets: HashMap<u64, (u64, bool)> = HashMap::new();
        let mut add = |ch: u64, from: u64, guild: bool| {
            let e = targets.entry(ch).or_insert((from, guild));
            e.0 = e.0.min(from);
            e.1 |= guild;
        };
        for status in [
            TicketStatus::SelfService,
            TicketStatus::Queued,
            TicketStatus::Claimed,
        ] {
            let tickets = match store.tickets(Some(status)) {
                Ok(t) => t,
                Err(e) => {
                    tracing::warn!(error = %e, "cannot list tickets to catch up on");
                    return;
                }
            };
            for t in tickets {
                let fallback = snowflake_at(Timestamp(t.updated_at.0 - 60_000));
                if t.chat.platform == Platform::Discord
                    && let Ok(ch) = t.chat.id.parse::<u64>()
                {
                    add(ch, last(ch).unwrap_or(fallback), false);
                }
                if cfg.staff_on_discord()
                    && let Ok(Some(s)) = store.channel_state(&keys::ticket_thread(t.id))
                    && let Some((th, _)) = parse_thread_state(&s)
                {
                    add(th, last(th).unwrap_or(fallback), true);
                }
            }
        }
        if cfg.support_channel_id != 0
            && let Some(l) = last(cfg.support_channel_id)
        {
            add(cfg.support_channel_id, l, true);
        }
        let http = self.discord.sender.http();
        let bot = self.bot_id.load(Ordering::Relaxed);
        let mut members = HashMap::new();
        let mut total = 0usize;
        let limit = cfg.catch_up_limit.clamp(1, 100);
        for (ch, (after, guild)) in targets {
            // A customer's chat is a DM or their private thread: ask which. A channel that
            // cannot be looked up is skipped (taking a staff thread for a DM would turn
            // agents' messages into a customer's).
            let dm = if guild {
                false
            } else {
                match self.info(ch).await {
                    Some(i) => i.dm,
                    None => {
                        tracing::warn!(
                            channel = ch,
                            "cannot tell what a conversation is; not catching up on it"
                        );
                        continue;
                    }
                }
            };
            // Page by page, oldest first, until a short page (at most 50 pages).
            let mut after = after.max(1);
            for _ in 0..50 {
                let page = http
                    .get_messages(ChannelId::new(ch), MessageId::new(after), limit)
                    .await;
                let mut page = match page {
                    Ok(p) => p,
                    Err(e) => {
                        tracing::warn!(channel = ch, error = %e, "could not catch up on a conversation");
                        break;
                    }
                };
                // Discord answers newest first.
                page.sort_by_key(|m| m.id.get());
                let full = page.len() >= usize::from(limit);
                if let Some(newest) = page.last() {
                    after = newest.id.get();
                }
                for mut m in page {
                    if m.author.id.get() == bot || m.author.bot {
                        continue;
                    }
                    if !dm {
                        // History carries neither the guild nor the author's roles.
                        m.guild_id = Some(GuildId::new(cfg.guild_id));
                        if m.member.is_none() && cfg.guild_id != 0 {
                            m.member = self
                                .member_of(m.author.id.get(), &mut members)
                                .await
                                .map(Box::new);
                        }
                    }
                    total += 1;
                    self.enqueue(ch, Job::Message(Box::new(m)));
                }
                if !full {
                    break;
                }
            }
        }
        if total > 0 {
            tracing::info!(
                messages = total,
                "caught up on messages written while the bot was away"
            );
        }
    }
}
