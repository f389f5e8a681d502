//! `[telegram]` in config/switchboard.toml, and the bot token and webhook secret (read
//! through the domain's [`SecretSource`], checked for Telegram's shapes here).

use std::path::Path;
use std::time::Duration;

use serde::Deserialize;

/// `[telegram]`: customers in private chats with the bot, agents in a staff supergroup.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TelegramConfig {
    /// Run the Telegram channel (`switchboard run`). The token comes from the
    /// `TELEGRAM_BOT_TOKEN` environment variable or `token_file`, never from this file.
    pub enabled: bool,
    /// The Bot API server. Tests and local Bot API servers set another.
    pub api_url: String,
    /// A file holding the bot token (used when `TELEGRAM_BOT_TOKEN` is not set). Relative
    /// to the config file.
    pub token_file: String,
    /// The staff supergroup (like `-1001234567890`); 0 keeps the staff space on another
    /// platform.
    pub staff_chat_id: i64,
    /// Forum topics in the staff group: `auto` (use them when the group has them), `on`,
    /// `off` (cards in the group, agents answer with reply-to).
    pub topics: Topics,
    /// `polling` (long polling, the default) or `webhook`.
    pub mode: Mode,
    /// How long one long poll waits for updates, in seconds (the HTTP client allows 17).
    pub poll_timeout_secs: u32,
    /// Webhook mode's settings.
    pub webhook: WebhookConfig,
    /// Outbound limits, as Telegram documents them.
    pub limits: LimitsConfig,
}

/// How the staff group shows tickets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Topics {
    /// Topics when the group is a forum: tried first, and dropped for the session when
    /// Telegram says the group is not a forum.
    Auto,
    /// Always topics (a group without them gets an error in the log).
    On,
    /// Never: cards in the group, answers by reply-to.
    Off,
}

/// How updates arrive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// The bot asks (`getUpdates`): nothing to expose to the internet.
    Polling,
    /// Telegram posts updates to `webhook.url`, behind a reverse proxy that forwards to
    /// `webhook.listen`.
    Webhook,
}

/// `[telegram.webhook]`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WebhookConfig {
    /// Where this process listens (the reverse proxy forwards here).
    pub listen: String,
    /// The path updates are posted to.
    pub path: String,
    /// The public HTTPS URL Telegram posts to (registered with `setWebhook` at start).
    pub url: String,
    /// A file with the secret Telegram sends in `X-Telegram-Bot-Api-Secret-Token` (used
    /// when `TELEGRAM_WEBHOOK_SECRET` is not set). Relative to the config file.
    pub secret_file: String,
}

/// `[telegram.limits]`: Telegram answers 429 beyond these.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LimitsConfig {
    /// Keep to the limits below (turn off only against a server without them).
    pub enabled: bool,
    /// Messages per second over all chats.
    pub per_second: u32,
    /// Messages per second to one private chat.
    pub per_private_chat_per_second: u32,
    /// Messages per minute to one group.
    pub per_group_per_minute: u32,
}

impl Default for TelegramConfig {
    fn default() -> Self {
        TelegramConfig {
            enabled: false,
            api_url: "https://api.telegram.org".into(),
            token_file: String::new(),
            staff_chat_id: 0,
            topics: Topics::Auto,
            mode: Mode::Polling,
            poll_timeout_secs: 10,
            webhook: WebhookConfig::default(),
            limits: LimitsConfig::default(),
        }
    }
}

impl Default for WebhookConfig {
    fn default() -> Self {
        WebhookConfig {
            listen: "127.0.0.1:8443".into(),
            path: "/telegram".into(),
            url: String::new(),
            secret_file: String::new(),
        }
    }
}

impl Default for LimitsConfig {
    fn default() -> Self {
        LimitsConfig {
            enabled: true,
            per_second: 30,
            per_private_chat_per_second: 1,
            per_group_per_minute: 20,
        }
    }
}

pub use switchboard_domain::Secret;
use switchboard_domain::SecretSource;

use crate::error::ConfigError;

/// The environment variable with the bot token.
pub const TOKEN_ENV: &str = "TELEGRAM_BOT_TOKEN";
/// The environment variable with the webhook secret.
pub const WEBHOOK_SECRET_ENV: &str = "TELEGRAM_WEBHOOK_SECRET";

/// Reads a secret from the environment, else from `file` (relative to `base`).
fn secret(
    env: &str,
    file: &str,
    base: Option<&Path>,
    what: &str,
    setting: &str,
) -> Result<Secret, ConfigError> {
    let source = SecretSource {
        what,
        short: what,
        env,
        setting,
        file,
        base,
    };
    Ok(source.read(|k| std::env::var(k).ok(), |p| std::fs::read_to_string(p))?)
}

impl TelegramConfig {
    /// The bot token: `TELEGRAM_BOT_TOKEN`, else the `token_file` (relative to `base`).
    pub fn token(&self, base: Option<&Path>) -> Result<Secret, ConfigError> {
        let t = secret(
            TOKEN_ENV,
            &self.token_file,
            base,
            "Telegram bot token",
            "telegram.token_file",
        )?;
        // `123456:ABC-def…`: a number, a colon, the key.
        let ok = t
            .expose()
            .split_once(':')
            .is_some_and(|(id, key)| id.parse::<u64>().is_ok() && !key.is_empty());
        if !ok {
            return Err(ConfigError::MalformedToken);
        }
        Ok(t)
    }

    /// The webhook secret: `TELEGRAM_WEBHOOK_SECRET`, else `webhook.secret_file`.
    pub fn webhook_secret(&self, base: Option<&Path>) -> Result<Secret, ConfigError> {
        let s = secret(
            WEBHOOK_SECRET_ENV,
            &self.webhook.secret_file,
            base,
            "Telegram webhook secret",
            "telegram.webhook.secret_file",
        )?;
        // Telegram allows 1-256 characters A-Z, a-z, 0-9, `_` and `-`.
        let ok = s.expose().len() <= 256
            && s.expose()
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if !ok {
            return Err(ConfigError::MalformedWebhookSecret);
        }
        Ok(s)
    }

    /// The settings' problems (the token is checked by [`TelegramConfig::token`]), each a
    /// sentence that says what to do. Only checked when the channel is enabled.
    pub fn problems(&self) -> Vec<String> {
        let mut p = Vec::new();
        if !self.enabled {
            return p;
        }
        if !(self.api_url.starts_with("http://") || self.api_url.starts_with("https://")) {
            p.push(format!(
                "telegram.api_url `{}` is not an http(s) URL: use https://api.telegram.org or your Bot API server's address",
                self.api_url
            ));
        }
        if self.staff_chat_id > 0 {
            p.push(format!(
                "telegram.staff_chat_id {} is a user, not a group: a supergroup's id is negative, like -1001234567890 (add the bot to the group and read the id from an update)",
                self.staff_chat_id
            ));
        }
        if self.poll_timeout_secs > 15 {
            p.push(format!(
                "telegram.poll_timeout_secs {} is too long for the HTTP client (17 s): use at most 15",
                self.poll_timeout_secs
            ));
        }
        if self.mode == Mode::Webhook {
            if !self.webhook.url.starts_with("https://") {
                p.push("telegram.webhook.url must be the public https:// address Telegram posts to (mode = \"webhook\")".into());
            }
            if !self.webhook.path.starts_with('/') {
                p.push(format!(
                    "telegram.webhook.path `{}` must start with `/`",
                    self.webhook.path
                ));
            }
            if self.webhook.listen.parse::<std::net::SocketAddr>().is_err() {
                p.push(format!(
                    "telegram.webhook.listen `{}` is not an address like 127.0.0.1:8443",
                    self.webhook.listen
                ));
            }
        }
        let l = &self.limits;
        if l.enabled
            && (l.per_second == 0
                || l.per_private_chat_per_second == 0
                || l.per_group_per_minute == 0)
        {
            p.push(
                "telegram.limits: every limit must be at least 1 (or set enabled = false)".into(),
            );
        }
        p
    }

    /// How long one long poll waits.
    pub fn poll_timeout(&self) -> Duration {
        Duration::from_secs(u64::from(self.poll_timeout_secs))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_is_not_printed() {
        let s = Secret::new("123:abc");
        assert_eq!(format!("{s:?}"), "Secret(<redacted>)");
    }

    #[test]
    fn problems_say_what_to_do() {
        let c = TelegramConfig {
            enabled: true,
            staff_chat_id: 42,
            mode: Mode::Webhook,
            ..Default::default()
        };
        let p = c.problems().join("\n");
        assert!(p.contains("supergroup's id is negative"), "{p}");
        assert!(p.contains("public https://"), "{p}");
        assert!(TelegramConfig::default().problems().is_empty());
    }

    #[test]
    fn the_token_comes_from_a_file_and_is_checked() {
        let dir = std::env::temp_dir().join(format!("sb-tg-token-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("token"), "123456:ABC-def\n").unwrap();
        std::fs::write(dir.join("bad"), "not a token").unwrap();
        // The environment variable wins when set; this test runs without it.
        if std::env::var(TOKEN_ENV).is_ok() {
            eprintln!("skipped: {TOKEN_ENV} is set in this environment");
            return;
        }
        let c = TelegramConfig {
            token_file: "token".into(),
            ..Default::default()
        };
        assert_eq!(c.token(Some(&dir)).unwrap().expose(), "123456:ABC-def");
        let bad = TelegramConfig {
            token_file: "bad".into(),
            ..Default::default()
        };
        assert!(
            bad.token(Some(&dir))
                .unwrap_err()
                .to_string()
                .contains("malformed")
        );
        let none = TelegramConfig::default();
        assert!(
            none.token(Some(&dir))
                .unwrap_err()
                .to_string()
                .contains(TOKEN_ENV)
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
