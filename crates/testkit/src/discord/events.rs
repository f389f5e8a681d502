//! What the test's users do, turned into stored state and gateway
//! dispatches: messages (with `guild_id` and `member` in a guild), edits,
//! threads, slash commands and component presses (each interaction with a
//! fresh id and token the bot must answer within the deadline).

use std::time::Instant;

use serde_json::{Value, json};

use super::json::{self, NewMsg, id};
use super::rest;
use super::state::{ChannelRec, InteractionRec, MemberRec, State, timestamp_now};
use super::types::{APPLICATION_ID, BOT_ID, DiscordUser, IncomingMessage, InteractionRef, Thread};

/// The public view of a thread record.
pub(crate) fn thread_view(c: &ChannelRec) -> Thread {
    Thread {
        id: c.id,
        parent_id: c.parent_id.unwrap_or(0),
        name: c.name.clone(),
        kind: c.kind,
        owner_id: c.owner_id.unwrap_or(0),
        members: c.members.clone(),
        archived: c.archived,
        locked: c.locked,
        starter_message: c.starter_message,
        applied_tags: c.applied_tags.clone(),
    }
}

impl State {
    fn channel_or_panic(&self, channel_id: u64) -> ChannelRec {
        match self.channels.get(&channel_id) {
            Some(c) => c.clone(),
            None => panic!(
                "channel {channel_id} does not exist; use the configured channels, dm_channel() or a thread the bot created"
            ),
        }
    }

    /// Makes `user` a guild member (no roles) if they are not one yet:
    /// anyone who writes in a guild is a member.
    fn join_guild(&mut self, user: &DiscordUser) {
        self.ensure_user(user);
        self.members.entry(user.id).or_insert_with(|| MemberRec {
            roles: Vec::new(),
            nick: None,
            joined_at: timestamp_now(),
        });
    }

    /// Stores a user's message and, when `dispatch`, sends `MESSAGE_CREATE`.
    pub(crate) fn user_message(
        &mut self,
        channel_id: u64,
        from: &DiscordUser,
        msg: IncomingMessage,
        dispatch: bool,
    ) -> u64 {
        let ch = self.channel_or_panic(channel_id);
        assert!(
            from.id != BOT_ID,
            "the bot's messages come from the bot itself"
        );
        self.ensure_user(from);
        match ch.kind {
            1 => assert_eq!(
                ch.recipient,
                Some(from.id),
                "only user {:?} writes in DM channel {channel_id}",
                ch.recipient
            ),
            15 | 16 => panic!("channel {channel_id} is a forum: write in one of its posts"),
            _ => self.join_guild(from),
        }
        if ch.is_thread() && ch.archived {
            assert!(!ch.locked, "thread {channel_id} is locked");
            if dispatch {
                rest::reopen(self, channel_id);
            } else if let Some(c) = self.channels.get_mut(&channel_id) {
                c.archived = false;
            }
        }
        if let Some(r) = msg.reply_to {
            assert!(
                self.messages
                    .get(&r)
                    .is_some_and(|m| m.channel_id == channel_id),
                "reply_to: message {r} is not in channel {channel_id}"
            );
        }
        let attachments = msg
            .attachments
            .into_iter()
            .map(|(name, ctype, bytes)| json::attachment(self, channel_id, &name, &ctype, bytes))
            .collect();
        let mid = json::store_message(
            self,
            NewMsg {
                channel_id,
                author_id: from.id,
                content: msg.content,
                attachments,
                mentions: msg.mentions,
                mention_roles: msg.mention_roles,
                reference: msg.reply_to,
                ..NewMsg::default()
            },
        );
        if dispatch && let Some(v) = json::gateway_message(self, mid) {
            self.dispatch("MESSAGE_CREATE", v);
        }
        mid
    }

    /// The author edits a message: `MESSAGE_UPDATE`.
    pub(crate) fn user_edit(&mut self, message_id: u64, new_content: &str) {
        let Some(m) = self.messages.get_mut(&message_id) else {
            panic!("edit: message {message_id} does not exist");
        };
        assert!(
            m.author_id != BOT_ID,
            "edit: message {message_id} is the bot's; users edit their own"
        );
        m.json["content"] = json!(new_content);
        m.json["edited_timestamp"] = json!(timestamp_now());
        if let Some(v) = json::gateway_message(self, message_id) {
            self.dispatch("MESSAGE_UPDATE", v);
        }
    }

    /// A user creates a thread: `THREAD_CREATE`.
    pub(crate) fn user_thread(
        &mut self,
        parent_id: u64,
        owner: &DiscordUser,
        name: &str,
        private: bool,
    ) -> u64 {
        let parent = self.channel_or_panic(parent_id);
        assert!(
            matches!(parent.kind, 0 | 5),
            "threads are created in text channels; {parent_id} has type {}",
            parent.kind
        );
        self.join_guild(owner);
        let thread_id = self.next_id();
        let now = timestamp_now();
        let thread = ChannelRec {
            id: thread_id,
            kind: if private { 12 } else { 11 },
            name: name.to_owned(),
            guild_id: parent.guild_id,
            parent_id: Some(parent_id),
            owner_id: Some(owner.id),
            recipient: None,
            topic: None,
            position: 0,
            members: vec![owner.id],
            archived: false,
            locked: false,
            invitable: true,
            auto_archive_duration: 4320,
            created: now.clone(),
            archive_timestamp: now,
            starter_message: None,
            applied_tags: Vec::new(),
        };
        self.channels.insert(thread_id, thread.clone());
        let mut v = json::channel(self, &thread);
        v["newly_created"] = json!(true);
        self.dispatch("THREAD_CREATE", v);
        thread_id
    }

    /// A moderator archives, unarchives, locks or unlocks a thread.
    pub(crate) fn moderate_thread(&mut self, thread_id: u64, archived: bool, locked: bool) {
        let Some(t) = self.channels.get_mut(&thread_id).filter(|c| c.is_thread()) else {
            panic!("thread {thread_id} does not exist");
        };
        t.archived = archived;
        t.locked = locked;
        t.archive_timestamp = timestamp_now();
        let t = t.clone();
        let v = json::channel(self, &t);
        self.dispatch("THREAD_UPDATE", v);
    }

    /// Builds, stores and dispatches an interaction.
    fn interaction(
        &mut self,
        from: &DiscordUser,
        channel_id: u64,
        kind: u8,
        data: Value,
        message_id: Option<u64>,
    ) -> InteractionRef {
        let ch = self.channel_or_panic(channel_id);
        self.ensure_user(from);
        let iid = self.next_id();
        let token = format!("fake-interaction-token-{iid}");
        let mut v = json!({
            "id": id(iid),
            "application_id": id(APPLICATION_ID),
            "type": kind,
            "token": token,
            "version": 1,
            "data": data,
            "channel_id": id(channel_id),
            "channel": json::interaction_channel(self, channel_id),
            "locale": from.locale,
            "entitlements": [],
            "app_permissions": json::BOT_PERMISSIONS,
            "attachment_size_limit": json::ATTACHMENT_SIZE_LIMIT,
        });
        match ch.guild_id {
            Some(g) => {
                self.join_guild(from);
                v["guild_id"] = id(g);
                v["guild_locale"] = json!("en-US");
                v["guild"] = json!({"id": id(g), "locale": "en-US", "features": []});
                v["member"] = json::interaction_member(self, from.id).unwrap_or(Value::Null);
                v["context"] = json!(0);
                v["authorizing_integration_owners"] = json!({"0": id(g)});
            }
            None => {
                assert_eq!(
                    ch.recipient,
                    Some(from.id),
                    "only user {:?} interacts in DM channel {channel_id}",
                    ch.recipient
                );
                v["user"] = json::user(from);
                v["context"] = json!(1);
                v["authorizing_integration_owners"] = json!({});
            }
        }
        if let Some(mid) = message_id {
            v["message"] = self
                .messages
                .get(&mid)
                .map_or(Value::Null, |m| m.json.clone());
        }
        self.interactions.insert(
            iid,
            InteractionRec {
                id: iid,
                token: token.clone(),
                channel_id,
                user_id: from.id,
                kind,
                message_id,
                created: Instant::now(),
                response: None,
                original: None,
            },
        );
        self.dispatch("INTERACTION_CREATE", v);
        InteractionRef {
            id: iid,
            token,
            channel_id,
        }
    }

    /// A slash command (interaction type 2).
    pub(crate) fn slash(
        &mut self,
        from: &DiscordUser,
        channel_id: u64,
        name: &str,
        options: &[(&str, Value)],
    ) -> InteractionRef {
        let guild = self.guild_of(channel_id);
        let command_id = self
            .commands
            .iter()
            .find(|c| {
                c.name == name && c.kind == 1 && (c.guild_id.is_none() || c.guild_id == guild)
            })
            .map(|c| c.id);
        let command_id = command_id.unwrap_or_else(|| self.next_id());
        let options: Vec<Value> = options
            .iter()
            .map(|(n, v)| {
                let (kind, value) = match v {
                    Value::Object(o) if o.contains_key("type") => (
                        o["type"].clone(),
                        o.get("value").cloned().unwrap_or(Value::Null),
                    ),
                    Value::String(_) => (json!(3), v.clone()),
                    Value::Bool(_) => (json!(5), v.clone()),
                    Value::Number(num) if num.is_f64() => (json!(10), v.clone()),
                    Value::Number(_) => (json!(4), v.clone()),
                    other => panic!("slash option {n}: unsupported value {other}"),
                };
                json!({"name": n, "type": kind, "value": value})
            })
            .collect();
        let mut data = json!({
            "id": id(command_id),
            "name": name,
            "type": 1,
            "options": options,
        });
        if let Some(g) = guild {
            data["guild_id"] = id(g);
        }
        self.interaction(from, channel_id, 2, data, None)
    }

    /// A button press (`values: None`) or string select (interaction type 3).
    pub(crate) fn component(
        &mut self,
        from: &DiscordUser,
        message_id: u64,
        custom_id: &str,
        values: Option<Vec<String>>,
    ) -> InteractionRef {
        let Some(m) = self.messages.get(&message_id) else {
            panic!("message {message_id} does not exist");
        };
        assert!(
            m.author_id == BOT_ID,
            "message {message_id} is not the bot's; users press the bot's components"
        );
        let channel_id = m.channel_id;
        let found = m.json["components"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|row| row["components"].as_array())
            .flatten()
            .find(|c| c["custom_id"].as_str() == Some(custom_id))
            .cloned();
        let Some(component) = found else {
            panic!("message {message_id} has no component with custom_id {custom_id:?}");
        };
        let data = match values {
            None => json!({"custom_id": custom_id, "component_type": component["type"]}),
            Some(values) => json!({
                "custom_id": custom_id,
                "component_type": component["type"],
                "values": values,
            }),
        };
        self.interaction(from, channel_id, 3, data, Some(message_id))
    }
}
