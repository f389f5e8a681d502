//! The Discord adapter's own errors, each message saying what to do: reading the token
//! ([`ConfigError`]), making the channel ([`StartError`]), asking who the bot is
//! ([`WhoamiError`]), running the gateway ([`RunError`]) and moving a customer to a private
//! thread ([`PrivateThreadError`]). A failed delivery is the domain's
//! [`switchboard_domain::DeliveryError`], shared by every channel.
//!
//! The lowest file of the crate: it imports nothing from the others.

use switchboard_domain::{ChannelStoreError, SecretError};

/// Why the token cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// Neither the environment nor the file gave it.
    #[error(transparent)]
    Secret(#[from] SecretError),
    /// Not three parts separated by dots.
    #[error(
        "the Discord bot token is malformed: it has three parts separated by dots (copy it from the Developer Portal, Bot, Reset Token)"
    )]
    MalformedToken,
}

/// Why the channel cannot be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StartError {
    /// `discord.api_url` is not an http(s) URL.
    #[error("discord.api_url `{url}` is not an http(s) URL: leave it at {default}")]
    ApiUrl {
        /// The setting as written.
        url: String,
        /// Discord's own address, the default.
        default: &'static str,
    },
    /// The HTTP client could not be made (no TLS backend).
    #[error("cannot make the HTTP client for Discord: {0}")]
    Client(String),
}

/// Why `GET /users/@me` did not name the bot.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WhoamiError {
    /// Discord answered 401.
    #[error(
        "Discord refused the bot token: check DISCORD_TOKEN (Developer Portal, your application, Bot, Reset Token)"
    )]
    TokenRefused,
    /// No answer, or an error other than a refused token.
    #[error("cannot reach Discord at {api_url}: {error}; check discord.api_url and the network")]
    Unreachable {
        /// Where it was asked.
        api_url: String,
        /// What went wrong.
        error: String,
    },
}

/// Why the gateway stopped for good (serenity reconnects by itself: these do not pass).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RunError {
    /// The client could not be built.
    #[error("cannot start the Discord client: {0}")]
    Client(String),
    /// The gateway refused the connection (a refused token, intents not enabled).
    #[error(
        "the Discord gateway connection ended: {0}; check DISCORD_TOKEN and the intents enabled in the Developer Portal (Message Content)"
    )]
    GatewayEnded(String),
    /// The client's task failed (it panicked).
    #[error("the Discord client failed: {0}")]
    Failed(String),
}

/// Why a customer in the public support channel could not be moved to a private thread
/// (their update is then not submitted: it would open the ticket in public).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PrivateThreadError {
    /// Discord refused to make the thread.
    #[error("creating a private thread: {0}")]
    Create(String),
    /// Discord refused to add the customer to it.
    #[error("adding the customer to their thread: {0}")]
    AddMember(String),
    /// The thread could not be remembered.
    #[error(transparent)]
    Store(#[from] ChannelStoreError),
}
