//! The Telegram adapter's own errors, each message saying what to do: reading the token
//! and the webhook secret ([`ConfigError`]), making the channel ([`StartError`]), asking
//! who the bot is ([`WhoamiError`]) and starting the webhook ([`WebhookError`]). A failed
//! delivery is the domain's [`switchboard_domain::DeliveryError`], shared by every channel.

use switchboard_domain::SecretError;

/// Why the token or the webhook secret cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// Neither the environment nor the file gave it.
    #[error(transparent)]
    Secret(#[from] SecretError),
    /// The token is not `<number>:<key>`.
    #[error(
        "the Telegram bot token is malformed: it looks like `123456789:AAE…` (ask @BotFather for it)"
    )]
    MalformedToken,
    /// The webhook secret has characters Telegram does not allow, or is too long.
    #[error(
        "the Telegram webhook secret may hold only A-Z, a-z, 0-9, `_` and `-` (at most 256): choose another"
    )]
    MalformedWebhookSecret,
}

/// Why the channel cannot be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StartError {
    /// `telegram.api_url` does not parse as a URL.
    #[error("telegram.api_url `{url}` is not a URL: {error}")]
    ApiUrl {
        /// The setting as written.
        url: String,
        /// Why it does not parse.
        error: String,
    },
}

/// Why `getMe` did not name the bot.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WhoamiError {
    /// Telegram does not know the token.
    #[error(
        "Telegram refused the bot token: check TELEGRAM_BOT_TOKEN (ask @BotFather for the token)"
    )]
    TokenRefused,
    /// No answer, or an error other than a refused token.
    #[error(
        "cannot reach the Telegram Bot API at {api_url}: {error}; check telegram.api_url and the network"
    )]
    Unreachable {
        /// Where it was asked.
        api_url: String,
        /// What went wrong.
        error: String,
    },
}

/// Why webhook mode cannot start.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebhookError {
    /// The listening address cannot be bound.
    #[error("cannot listen on telegram.webhook.listen {listen}: {error}")]
    Listen {
        /// The address.
        listen: String,
        /// Why.
        error: String,
    },
    /// The bound address cannot be read back.
    #[error("cannot read the webhook address: {0}")]
    Address(String),
    /// `telegram.webhook.url` does not parse as a URL.
    #[error("telegram.webhook.url `{url}` is not a URL: {error}")]
    Url {
        /// The setting as written.
        url: String,
        /// Why it does not parse.
        error: String,
    },
}
