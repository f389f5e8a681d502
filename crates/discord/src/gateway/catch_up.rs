//! Catching up (see the module docs of `gateway`): after every `READY`, every DM channel
//! the adapter has recorded, every customer's private thread, the open tickets'
//! conversations and staff threads and the public support channel are read from where the
//! adapter last was, most recently active first and a few at a time, in the background;
//! what was written meanwhile goes through the channels' queues as if it had just arrived.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use serenity::all::{ChannelId, GuildId, MessageId, PartialMember, UserId};
use switchboard_domain::{Platform, Ticket, TicketStatus, Timestamp};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use super::{Job, Shared};
use crate::keys::{self, parse_thread_state};
use crate::parse::snowflake_at;

/// How many channels are read at the same time: each read is one REST call a page, and a
/// desk may know thousands of customers; a few at a time keep the new session's own
/// traffic (acknowledgements, cards) moving and stay well inside Discord's rate limits.
pub const CONCURRENCY: usize = 4;

/// At most this many pages (of `catch_up_limit` messages) are read from one channel.
const MAX_PAGES: usize = 50;

/// What a channel is, for reading it back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A DM with the bot (recorded as one).
    Dm,
    /// A guild channel or thread (its messages need the guild and the author's roles).
    Guild,
    /// A ticket's conversation recorded before DMs were: asked once (`GET /channels/{id}`).
    Ask,
}

/// A channel to read, from after `after`.
#[derive(Debug, Clone, Copy)]
struct Target {
    channel: u64,
    after: u64,
    kind: Kind,
    /// When it was last active (a snowflake): the most recent are read first.
    recency: u64,
}

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

    /// The newest message submitted from `channel`, if any.
    fn last(&self, channel: u64) -> Option<u64> {
        self.discord
            .sender
            .store()
            .channel_state(&keys::last_seen(channel))
            .ok()
            .flatten()
            .and_then(|s| s.parse::<u64>().ok())
    }

    /// Every channel to read, most recently active first; and whether the tickets of a
    /// store from before DMs were recorded were all listed (the first catch-up does it).
    fn targets(&self) -> (Vec<Target>, bool) {
        let cfg = self.cfg();
        let store = self.discord.sender.store();
        let mut targets: HashMap<u64, Target> = HashMap::new();
        let mut add = |t: Target| {
            let e = targets.entry(t.channel).or_insert(t);
            e.after = e.after.min(t.after);
            e.recency = e.recency.max(t.recency);
            if t.kind == Kind::Dm || e.kind == Kind::Ask {
                e.kind = t.kind;
            }
        };
        // Every DM channel a message ever arrived in.
        match store.channel_states(keys::DM_PREFIX) {
            Ok(dms) => {
                for (k, v) in dms {
                    let (Some(ch), Ok(first)) = (
                        k.strip_prefix(keys::DM_PREFIX)
                            .and_then(|c| c.parse::<u64>().ok()),
                        v.parse::<u64>(),
                    ) else {
                        continue;
                    };
                    let after = self.last(ch).unwrap_or(first.saturating_sub(1));
                    add(Target {
                        channel: ch,
                        after,
                        kind: Kind::Dm,
                        recency: after.max(first),
                    });
                }
            }
            Err(e) => tracing::warn!(error = %e, "cannot list the DM channels to catch up on"),
        }
        // Every customer's private thread under the support channel.
        if cfg.support_channel_id != 0 {
            match store.channel_states(keys::SUPPORT_PREFIX) {
                Ok(threads) => {
                    for (_, v) in threads {
                        let Ok(th) = v.parse::<u64>() else { continue };
                        // A thread's id is its creation time: nothing in it is older.
                        let after = self.last(th).unwrap_or(th);
                        add(Target {
                            channel: th,
                            after,
                            kind: Kind::Guild,
                            recency: after,
                        });
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %e, "cannot list the private threads to catch up on")
                }
            }
        }
        // The open tickets' conversations and staff threads; every ticket's conversation
        // once, for a store from before DMs were recorded.
        let indexed = matches!(store.channel_state(keys::DM_INDEX_DONE), Ok(Some(_)));
        let tickets: Vec<Ticket> = if indexed {
            let mut open = Vec::new();
            for status in [
                TicketStatus::SelfService,
                TicketStatus::Queued,
                TicketStatus::Claimed,
            ] {
                match store.tickets(Some(status)) {
                    Ok(t) => open.extend(t),
                    Err(e) => tracing::warn!(error = %e, "cannot list tickets to catch up on"),
                }
            }
            open
        } else {
            store.tickets(None).unwrap_or_else(|e| {
                tracing::warn!(error = %e, "cannot list tickets to catch up on");
                Vec::new()
            })
        };
        for t in &tickets {
            let fallback = snowflake_at(Timestamp(t.updated_at.0 - 60_000));
            if t.chat.platform == Platform::Discord
                && let Ok(ch) = t.chat.id.parse::<u64>()
            {
                let after = self.last(ch).unwrap_or(fallback);
                add(Target {
                    channel: ch,
                    after,
                    kind: Kind::Ask,
                    recency: after,
                });
            }
            if cfg.staff_on_discord()
                && t.status.is_open()
                && let Ok(Some(s)) = store.channel_state(&keys::ticket_thread(t.id))
                && let Some((th, _)) = parse_thread_state(&s)
            {
                let after = self.last(th).unwrap_or(fallback);
                add(Target {
                    channel: th,
                    after,
                    kind: Kind::Guild,
                    recency: after,
                });
            }
        }
        if cfg.support_channel_id != 0
            && let Some(l) = self.last(cfg.support_channel_id)
        {
            add(Target {
                channel: cfg.support_channel_id,
                after: l,
                kind: Kind::Guild,
                recency: l,
            });
        }
        let mut list: Vec<Target> = targets.into_values().collect();
        list.sort_by(|a, b| b.recency.cmp(&a.recency).then(a.channel.cmp(&b.channel)));
        (list, !indexed)
    }

    /// Catches up on what was written while the bot was away (see the module docs).
    pub(crate) async fn catch_up(self: &Arc<Self>) {
        let (targets, indexing) = self.targets();
        let channels = targets.len();
        let permits = Arc::new(Semaphore::new(CONCURRENCY));
        let mut running = JoinSet::new();
        let mut total = 0usize;
        let mut complete = true;
        let mut tally = |r: Result<Option<usize>, tokio::task::JoinError>| match r {
            Ok(Some(n)) => total += n,
            _ => complete = false,
        };
        for t in targets {
            if self.stopping.load(Ordering::Relaxed) {
                break;
            }
            let Ok(permit) = permits.clone().acquire_owned().await else {
                break;
            };
            let me = self.clone();
            running.spawn(async move {
                let n = me.catch_up_on(t).await;
                drop(permit);
                n
            });
            // Collect what finished, so that the set stays small.
            while let Some(r) = running.try_join_next() {
                tally(r);
            }
        }
        while let Some(r) = running.join_next().await {
            tally(r);
        }
        if indexing && complete && !self.stopping.load(Ordering::Relaxed) {
            let _ = self
                .discord
                .sender
                .store()
                .set_channel_state(keys::DM_INDEX_DONE, Some("1"));
        }
        tracing::info!(
            channels,
            messages = total,
            "caught up on messages written while the bot was away"
        );
    }

    /// Reads one channel from after its point and queues what is new: the number of
    /// messages queued, `None` when the channel could not be read to its end.
    async fn catch_up_on(self: Arc<Self>, t: Target) -> Option<usize> {
        let cfg = self.cfg().clone();
        let ch = t.channel;
        let dm = match t.kind {
            Kind::Dm => true,
            Kind::Guild => {
                // Nothing newer than where reading would start (Discord said so in
                // GUILD_CREATE): skip the call.
                let known = super::lock(&self.channels).get(&ch).copied();
                if known
                    .and_then(|i| i.last_message)
                    .is_some_and(|last| last <= t.after)
                {
                    return Some(0);
                }
                false
            }
            // A customer's chat is a DM or their private thread: ask which. A channel that
            // cannot be looked up is skipped (taking a staff thread for a DM would turn
            // agents' messages into a customer's).
            Kind::Ask => match self.info(ch).await {
                Some(i) => {
                    if i.dm {
                        self.record_dm(ch, t.after.saturating_add(1));
                    }
                    i.dm
                }
                None => {
                    tracing::warn!(
                        channel = ch,
                        "cannot tell what a conversation is; not catching up on it"
                    );
                    return None;
                }
            },
        };
        let http = self.discord.sender.http();
        let bot = self.bot_id.load(Ordering::Relaxed);
        let limit = cfg.catch_up_limit.clamp(1, 100);
        let mut members = HashMap::new();
        let mut total = 0usize;
        // Page by page, oldest first, until a short page.
        let mut after = t.after.max(1);
        for _ in 0..MAX_PAGES {
            if self.stopping.load(Ordering::Relaxed) {
                return None;
            }
            let page = http
                .get_messages(ChannelId::new(ch), MessageId::new(after), limit)
                .await;
            let mut page = match page {
                Ok(p) => p,
                Err(e) => {
                    tracing::warn!(channel = ch, error = %e, "could not catch up on a conversation");
                    return None;
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
        Some(total)
    }
}
