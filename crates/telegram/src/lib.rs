//! Switchboard's Telegram adapter: customers in private chats with the bot, agents in a
//! staff supergroup (a forum topic per ticket, or reply-to cards), through teloxide.
//!
//! Parts, lower first (a file imports only from those above it):
//! - [`config`]: `[telegram]` settings and the token (a [`Secret`], never printed).
//! - [`error`]: the adapter's own errors (config, start, `getMe`, webhook), typed.
//! - [`parse`]: updates -> [`switchboard_domain::Inbound`], a pure function; staff are
//!   those who write in the configured staff group, and nothing else.
//! - [`html`]: escaping for the HTML parse mode and splitting to Telegram's 4,096.
//! - `limits`: Telegram's outbound limits kept before each send.
//! - [`send`]: [`switchboard_domain::Outbound`] -> Bot API calls, topics created, renamed,
//!   reopened or recreated as needed; errors sorted into the domain's
//!   [`DeliveryError`].
//! - [`channel`]: [`Telegram`], the channel, and its [`switchboard_domain::Channel`]
//!   implementation for the dispatcher.
//! - `incoming`: each update read on its own, so that one Telegram update that cannot be
//!   read is skipped instead of blocking the batch.
//! - [`run`]: long polling or the webhook; updates are acknowledged only after they are
//!   durable ([`Host`]).
//!
//! The adapter holds no business rules: the desk decides, the adapter translates. What it
//! keeps (topics, links) goes through the domain's [`switchboard_domain::ChannelStore`].

#![warn(missing_docs)]

pub mod channel;
pub mod config;
pub mod error;
pub mod html;
mod incoming;
mod limits;
pub mod parse;
pub mod run;
pub mod send;

pub use channel::Telegram;
pub use config::TelegramConfig;
pub use error::{ConfigError, StartError, WebhookError, WhoamiError};
pub use switchboard_domain::{DeliveryError, Host, Secret};
