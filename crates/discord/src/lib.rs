//! Switchboard's Discord adapter: customers in DMs with the bot (or in a public support
//! channel, each moved to a private thread), agents in a staff channel of one guild (a
//! thread per ticket, or a forum post per ticket), through serenity.
//!
//! Parts, lower first (a file imports only from those above it):
//! - [`error`]: the adapter's own errors (token, start, `whoami`, gateway, private
//!   threads), typed.
//! - [`config`]: `[discord]` settings and the token (a [`Secret`], never printed).
//! - [`keys`]: the keys of the adapter's channel state, the platform references that point
//!   at tickets, and how stored values are written.
//! - [`markdown`]: Discord markdown escaped, text cut to Discord's limits, pings defused.
//! - [`ratelimit`]: Discord's rate limits (buckets per route and resource, 429s, the
//!   global limit), kept on our side so that the bot waits instead of being refused.
//! - [`rest`]: every REST call, sent through the rate limiter.
//! - [`classify`]: REST errors sorted into the domain's [`DeliveryError`] (a 429 waits
//!   Discord's own `retry_after`).
//! - [`commands`]: the slash commands, their descriptions and definitions.
//! - [`parse`]: gateway events and interactions -> [`switchboard_domain::Inbound`], pure
//!   functions; staff are members with the configured role writing in the staff space,
//!   and nobody else.
//! - [`send`]: [`switchboard_domain::Outbound`] -> REST calls, ticket threads created,
//!   renamed, reopened or recreated as needed.
//! - [`channel`]: [`Discord`], the channel, and its [`switchboard_domain::Channel`]
//!   implementation for the dispatcher.
//! - [`gateway`]: the gateway: channels located, updates submitted one at a time per
//!   channel, interactions acknowledged only after they are durable ([`Host`]), slash
//!   commands registered, the session stored and resumed after a restart, missed
//!   messages caught up after every new session.
//!
//! The adapter holds no business rules: the desk decides, the adapter translates. What it
//! keeps (threads, links, where it last was) goes through the domain's
//! [`switchboard_domain::ChannelStore`].

#![warn(missing_docs)]

pub mod channel;
pub mod classify;
pub mod commands;
pub mod config;
pub mod error;
pub mod gateway;
pub mod keys;
pub mod markdown;
pub mod parse;
pub mod ratelimit;
pub mod rest;
pub mod send;

pub use channel::{Discord, Texts};
pub use config::DiscordConfig;
pub use error::{ConfigError, PrivateThreadError, RunError, StartError, WhoamiError};
pub use switchboard_domain::{BoxFuture, DeliveryError, Host, Secret};
