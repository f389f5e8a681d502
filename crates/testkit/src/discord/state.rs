//! What the fake Discord remembers: users, members, roles, channels and
//! threads, every message, interactions, registered commands, the gateway
//! session, the record of what the bot did and the faults a test queued.
//! All of it lives behind one mutex in [`Shared`]; nothing awaits while
//! holding it.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::net::SocketAddr;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use serde_json::Value;
use tokio::sync::watch;

use super::session::Gateway;
use super::types::{
    BOT_ID, BOT_NAME, Call, DiscordConfig, DiscordFault, DiscordUser, InteractionResponse,
    OWNER_ID, Reaction, RegisteredCommand, Sent,
};

/// Milliseconds between the Unix epoch and Discord's epoch (2015-01-01).
const DISCORD_EPOCH_MS: u64 = 1_420_070_400_000;

/// State plus the change signal, shared by the HTTP handlers, the gateway
/// connections and the test-side handle.
pub(crate) struct Shared {
    state: Mutex<State>,
    changed: watch::Sender<u64>,
    pub(crate) addr: SocketAddr,
}

impl Shared {
    pub(crate) fn new(addr: SocketAddr, config: DiscordConfig) -> Shared {
        Shared {
            state: Mutex::new(State::new(addr, config)),
            changed: watch::channel(0).0,
            addr,
        }
    }

    /// Locks the state. A panic in a test helper poisons the mutex; the state
    /// itself stays usable, so poisoning is ignored.
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs `f` on the state and wakes everyone waiting for a change.
    pub(crate) fn mutate<R>(&self, f: impl FnOnce(&mut State) -> R) -> R {
        let r = f(&mut self.lock());
        self.changed.send_modify(|v| *v = v.wrapping_add(1));
        r
    }

    /// Runs `f` on the state without signalling a change.
    pub(crate) fn read<R>(&self, f: impl FnOnce(&State) -> R) -> R {
        f(&self.lock())
    }

    /// A receiver that fires on the next change after this call.
    pub(crate) fn subscribe(&self) -> watch::Receiver<u64> {
        self.changed.subscribe()
    }
}

/// A guild member: the user id is the key of [`State::members`].
#[derive(Debug, Clone)]
pub(crate) struct MemberRec {
    pub roles: Vec<u64>,
    pub nick: Option<String>,
    pub joined_at: String,
}

/// A guild role.
#[derive(Debug, Clone)]
pub(crate) struct RoleRec {
    pub id: u64,
    pub name: String,
    pub permissions: u64,
    pub position: u16,
}

/// A channel of any kind: guild text (0), DM (1), public thread (11),
/// private thread (12), forum (15).
#[derive(Debug, Clone)]
pub(crate) struct ChannelRec {
    pub id: u64,
    pub kind: u8,
    pub name: String,
    pub guild_id: Option<u64>,
    pub parent_id: Option<u64>,
    pub owner_id: Option<u64>,
    /// DM channels: the other user.
    pub recipient: Option<u64>,
    pub topic: Option<String>,
    pub position: u16,
    /// Threads: the members (user ids), in the order they joined.
    pub members: Vec<u64>,
    pub archived: bool,
    pub locked: bool,
    pub invitable: bool,
    pub auto_archive_duration: u32,
    pub created: String,
    pub archive_timestamp: String,
    /// Threads started from a message, and forum posts: that message.
    pub starter_message: Option<u64>,
    pub applied_tags: Vec<Value>,
}

impl ChannelRec {
    pub(crate) fn is_thread(&self) -> bool {
        matches!(self.kind, 10..=12)
    }
}

/// One stored message.
#[derive(Debug, Clone)]
pub(crate) struct MsgRec {
    pub channel_id: u64,
    /// The message object as REST answers it (no `guild_id`, no `member`).
    pub json: Value,
    pub author_id: u64,
    /// Ephemeral interaction replies exist only for the user who saw them:
    /// they are not in the channel history.
    pub ephemeral: bool,
}

/// An interaction the test dispatched.
#[derive(Debug, Clone)]
pub(crate) struct InteractionRec {
    pub id: u64,
    pub token: String,
    pub channel_id: u64,
    pub user_id: u64,
    pub kind: u8,
    /// Component interactions: the message the component is on.
    pub message_id: Option<u64>,
    pub created: Instant,
    /// The callback type once answered.
    pub response: Option<u8>,
    /// The message `@original` refers to, once there is one.
    pub original: Option<u64>,
}

/// A route matcher for faults: an HTTP method (`*` for any) and a path
/// pattern below `/api/v10` whose segments may be `*`.
#[derive(Debug, Clone)]
pub(crate) struct FaultRule {
    pub method: String,
    pub pattern: Option<Vec<String>>,
    pub fault: DiscordFault,
}

impl FaultRule {
    pub(crate) fn matches(&self, method: &str, segments: &[String]) -> bool {
        if self.method != "*" && !self.method.eq_ignore_ascii_case(method) {
            return false;
        }
        match &self.pattern {
            None => true,
            Some(p) => {
                p.len() == segments.len()
                    && p.iter()
                        .zip(segments)
                        .all(|(want, got)| want == "*" || want == got)
            }
        }
    }
}

/// Everything the fake remembers.
pub(crate) struct State {
    pub config: DiscordConfig,
    pub addr: SocketAddr,
    last_id: u64,
    pub users: BTreeMap<u64, DiscordUser>,
    pub members: BTreeMap<u64, MemberRec>,
    pub roles: Vec<RoleRec>,
    pub channels: BTreeMap<u64, ChannelRec>,
    pub messages: BTreeMap<u64, MsgRec>,
    pub dm_by_user: HashMap<u64, u64>,
    pub closed_dms: HashSet<u64>,
    pub interactions: HashMap<u64, InteractionRec>,
    pub commands: Vec<RegisteredCommand>,
    /// Uploaded and test-provided files by URL path: (content type, bytes).
    pub files: HashMap<String, (String, Vec<u8>)>,
    pub sent: Vec<Sent>,
    pub calls: Vec<Call>,
    pub interaction_responses: Vec<InteractionResponse>,
    pub reactions: Vec<Reaction>,
    pub typing: Vec<u64>,
    pub faults: VecDeque<FaultRule>,
    pub echo_bot_messages: bool,
    pub gateway: Gateway,
}

impl State {
    fn new(addr: SocketAddr, config: DiscordConfig) -> State {
        let mut st = State {
            echo_bot_messages: config.echo_bot_messages,
            addr,
            last_id: 0,
            users: BTreeMap::new(),
            members: BTreeMap::new(),
            roles: Vec::new(),
            channels: BTreeMap::new(),
            messages: BTreeMap::new(),
            dm_by_user: HashMap::new(),
            closed_dms: HashSet::new(),
            interactions: HashMap::new(),
            commands: Vec::new(),
            files: HashMap::new(),
            sent: Vec::new(),
            calls: Vec::new(),
            interaction_responses: Vec::new(),
            reactions: Vec::new(),
            typing: Vec::new(),
            faults: VecDeque::new(),
            gateway: Gateway::default(),
            config,
        };
        st.seed();
        st
    }

    /// The guild as configured: the bot, the owner, `@everyone`, the staff
    /// role, and the support, staff and forum channels.
    fn seed(&mut self) {
        let c = self.config.clone();
        let bot = DiscordUser::new(BOT_ID, BOT_NAME).as_bot();
        let owner = DiscordUser::new(OWNER_ID, "Owner");
        let now = timestamp_now();
        for u in [bot, owner] {
            self.members.insert(
                u.id,
                MemberRec {
                    roles: Vec::new(),
                    nick: None,
                    joined_at: now.clone(),
                },
            );
            self.users.insert(u.id, u);
        }
        // @everyone has the guild's id; Discord's default permissions.
        self.roles.push(RoleRec {
            id: c.guild_id,
            name: "@everyone".into(),
            permissions: 1_071_698_660_929,
            position: 0,
        });
        self.roles.push(RoleRec {
            id: c.staff_role_id,
            name: "Staff".into(),
            permissions: 1_071_698_660_929,
            position: 1,
        });
        let text = |id: u64, name: &str, kind: u8, position: u16| ChannelRec {
            id,
            kind,
            name: name.to_owned(),
            guild_id: Some(c.guild_id),
            parent_id: None,
            owner_id: None,
            recipient: None,
            topic: None,
            position,
            members: Vec::new(),
            archived: false,
            locked: false,
            invitable: true,
            auto_archive_duration: 1440,
            created: now.clone(),
            archive_timestamp: now.clone(),
            starter_message: None,
            applied_tags: Vec::new(),
        };
        for ch in [
            text(c.support_channel_id, "support", 0, 0),
            text(c.staff_channel_id, "staff", 0, 1),
            text(c.staff_forum_id, "tickets", 15, 2),
        ] {
            self.channels.insert(ch.id, ch);
        }
    }

    /// A new snowflake: Discord's layout (milliseconds since 2015 shifted
    /// left by 22 bits), strictly increasing within this fake.
    pub(crate) fn next_id(&mut self) -> u64 {
        let ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
            .unwrap_or(0);
        let candidate = ms.saturating_sub(DISCORD_EPOCH_MS) << 22;
        self.last_id = candidate.max(self.last_id + 1);
        self.last_id
    }

    pub(crate) fn bot(&self) -> DiscordUser {
        self.users
            .get(&BOT_ID)
            .cloned()
            .unwrap_or_else(|| DiscordUser::new(BOT_ID, BOT_NAME).as_bot())
    }

    /// Registers (or updates) a user.
    pub(crate) fn ensure_user(&mut self, user: &DiscordUser) {
        self.users.insert(user.id, user.clone());
    }

    /// The DM channel between the bot and `user_id`, created on first use
    /// (its id then stays the same).
    pub(crate) fn dm_channel(&mut self, user_id: u64) -> u64 {
        if let Some(id) = self.dm_by_user.get(&user_id) {
            return *id;
        }
        let id = self.next_id();
        let now = timestamp_now();
        self.channels.insert(
            id,
            ChannelRec {
                id,
                kind: 1,
                name: String::new(),
                guild_id: None,
                parent_id: None,
                owner_id: None,
                recipient: Some(user_id),
                topic: None,
                position: 0,
                members: Vec::new(),
                archived: false,
                locked: false,
                invitable: false,
                auto_archive_duration: 0,
                created: now.clone(),
                archive_timestamp: now,
                starter_message: None,
                applied_tags: Vec::new(),
            },
        );
        self.dm_by_user.insert(user_id, id);
        id
    }

    /// Messages of a channel in id order (oldest first), ephemeral ones
    /// excluded.
    pub(crate) fn history(&self, channel_id: u64) -> Vec<&MsgRec> {
        self.messages
            .values()
            .filter(|m| m.channel_id == channel_id && !m.ephemeral)
            .collect()
    }

    pub(crate) fn last_message_id(&self, channel_id: u64) -> Option<u64> {
        self.messages
            .iter()
            .rev()
            .find(|(_, m)| m.channel_id == channel_id && !m.ephemeral)
            .map(|(id, _)| *id)
    }

    pub(crate) fn message_count(&self, channel_id: u64) -> usize {
        self.history(channel_id).len()
    }

    /// The guild a channel belongs to (threads: their parent's).
    pub(crate) fn guild_of(&self, channel_id: u64) -> Option<u64> {
        self.channels.get(&channel_id).and_then(|c| c.guild_id)
    }

    /// Whether the user is a member of the guild.
    pub(crate) fn is_member(&self, user_id: u64) -> bool {
        self.members.contains_key(&user_id)
    }
}

/// Milliseconds since the Unix epoch.
pub(crate) fn now_unix_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

/// The current time as Discord writes it: `2024-05-01T12:00:00.123000+00:00`.
pub(crate) fn timestamp_now() -> String {
    timestamp(now_unix_ms())
}

/// An ISO 8601 timestamp for milliseconds since the Unix epoch.
pub(crate) fn timestamp(unix_ms: u64) -> String {
    let secs = unix_ms / 1000;
    let millis = unix_ms % 1000;
    let days = i64::try_from(secs / 86_400).unwrap_or(0);
    let rem = secs % 86_400;
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{millis:03}000+00:00",
        rem / 3600,
        (rem / 60) % 60,
        rem % 60
    )
}

/// Howard Hinnant's days-to-civil algorithm (proleptic Gregorian calendar).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = u32::try_from(doy - (153 * mp + 2) / 5 + 1).unwrap_or(1);
    let m = u32::try_from(if mp < 10 { mp + 3 } else { mp - 9 }).unwrap_or(1);
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_iso8601() {
        assert_eq!(timestamp(0), "1970-01-01T00:00:00.000000+00:00");
        assert_eq!(
            timestamp(1_709_210_096_789),
            "2024-02-29T12:34:56.789000+00:00"
        );
    }
}
