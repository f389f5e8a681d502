//! Fakes for Switchboard's tests. Never linked into the binary.
//!
//! Parts:
//! - [`telegram`]: a fake Telegram Bot API server ([`FakeTelegram`]) that a
//!   real teloxide `Bot` talks to over HTTP on 127.0.0.1, with the test
//!   playing customers, agents and group admins, injecting faults and
//!   checking what the bot sent.

#![warn(missing_docs)]

pub mod telegram;

pub use telegram::{
    BOT_ID, BOT_USERNAME, Call, FakeTelegram, Fault, LimitRule, Media, MyCommands, RateViolation,
    Sent, TOKEN, TgUser, Topic,
};
