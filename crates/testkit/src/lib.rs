//! Fakes for Switchboard's tests. Never linked into the binary.
//!
//! Parts:
//! - [`telegram`]: a fake Telegram Bot API server ([`FakeTelegram`]) that a
//!   real teloxide `Bot` talks to over HTTP on 127.0.0.1, with the test
//!   playing customers, agents and group admins, injecting faults and
//!   checking what the bot sent.
//! - [`discord`]: a fake Discord REST API v10 and gateway ([`FakeDiscord`])
//!   that the real serenity client talks to over HTTP and a websocket on
//!   127.0.0.1, with the test playing customers and agents (DMs, guild
//!   messages, slash commands, buttons), breaking the gateway connection,
//!   injecting 429s and 5xx, and checking what the bot sent.

#![warn(missing_docs)]

pub mod discord;
pub mod telegram;

pub use telegram::{
    BOT_ID, BOT_USERNAME, Call, FakeTelegram, Fault, LimitRule, Malformed, Media, MyCommands,
    RateViolation, Sent, TOKEN, TgUser, Topic,
};

pub use discord::{
    DiscordConfig, DiscordFault, DiscordUser, FakeDiscord, IncomingMessage, InteractionRef,
};
