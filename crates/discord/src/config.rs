//! `[discord]` in config/switchboard.toml, and the bot token (read through the domain's
//! [`SecretSource`], checked for Discord's shape here).

use std::path::Path;

use serde::Deserialize;

/// `[discord]`: customers in DMs with the bot (or in a public support channel, moved to a
/// private thread each), agents in a staff channel of one guild (a thread per ticket).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DiscordConfig {
    /// Run the Discord channel (`switchboard run`). The token comes from the
    /// `DISCORD_TOKEN` environment variable or `token_file`, never from this file.
    pub enabled: bool,
    /// Discord's address. Tests point it at the fake server (or a proxy); REST calls go
    /// there through the adapter's own rate limiter either way (`rest`), so production
    /// keeps the default.
    pub api_url: String,
    /// The guild (server) the bot serves: its staff channel, role and support channel.
    pub guild_id: u64,
    /// A public text channel where customers may write (each is moved to a private
    /// thread); 0: customers write to the bot in DMs only.
    pub support_channel_id: u64,
    /// The staff space: a text channel (a thread per ticket, started from its card) or a
    /// forum channel (a post per ticket, see `staff_forum`); 0 keeps the staff space on
    /// another platform.
    pub staff_channel_id: u64,
    /// Whether `staff_channel_id` is a forum channel (a post per ticket) rather than a
    /// text channel.
    pub staff_forum: bool,
    /// The role that makes a member staff. Checked on every message, button and command
    /// in the staff space: nothing else makes anyone staff.
    pub staff_role_id: u64,
    /// A file holding the bot token (used when `DISCORD_TOKEN` is not set). Relative to
    /// the config file.
    pub token_file: String,
    /// At start, how many messages per conversation are fetched to catch up on what was
    /// written while the bot was away (1-100).
    pub catch_up_limit: u8,
}

impl Default for DiscordConfig {
    fn default() -> Self {
        DiscordConfig {
            enabled: false,
            api_url: DEFAULT_API_URL.into(),
            guild_id: 0,
            support_channel_id: 0,
            staff_channel_id: 0,
            staff_forum: false,
            staff_role_id: 0,
            token_file: String::new(),
            catch_up_limit: 100,
        }
    }
}

/// Discord's own address (the default `api_url`).
pub const DEFAULT_API_URL: &str = "https://discord.com";

/// The environment variable with the bot token.
pub const TOKEN_ENV: &str = "DISCORD_TOKEN";

pub use switchboard_domain::Secret;
use switchboard_domain::SecretSource;

use crate::error::ConfigError;

impl DiscordConfig {
    /// The bot token: `DISCORD_TOKEN`, else the `token_file` (relative to `base`).
    pub fn token(&self, base: Option<&Path>) -> Result<Secret, ConfigError> {
        let source = SecretSource {
            what: "Discord bot token",
            short: "token",
            env: TOKEN_ENV,
            setting: "discord.token_file",
            file: &self.token_file,
            base,
        };
        let t = source.read(|k| std::env::var(k).ok(), |p| std::fs::read_to_string(p))?;
        // `MTA…`.`GaBcDe`.`…`: three parts separated by dots (a pasted `Bot ` prefix is
        // tolerated: serenity adds it anyway).
        let bare = t
            .expose()
            .strip_prefix("Bot ")
            .unwrap_or(t.expose())
            .to_string();
        let parts: Vec<&str> = bare.split('.').collect();
        let ok = parts.len() == 3
            && parts.iter().all(|p| !p.is_empty())
            && !bare.chars().any(char::is_whitespace);
        if !ok {
            return Err(ConfigError::MalformedToken);
        }
        Ok(Secret::new(bare))
    }

    /// Whether the staff space is on Discord.
    pub fn staff_on_discord(&self) -> bool {
        self.staff_channel_id != 0
    }

    /// Whether `api_url` is Discord's own (requests go to `https://discord.com` as
    /// serenity builds them, with no address swapped in).
    pub fn is_default_api(&self) -> bool {
        self.api_url.trim_end_matches('/') == DEFAULT_API_URL
    }

    /// The settings' problems (the token is checked by [`DiscordConfig::token`]), each a
    /// sentence that says what to do. Only checked when the channel is enabled.
    pub fn problems(&self) -> Vec<String> {
        let mut p = Vec::new();
        if !self.enabled {
            return p;
        }
        let url = self.api_url.trim();
        let rest = url
            .strip_prefix("https://")
            .or_else(|| url.strip_prefix("http://"));
        if rest.is_none_or(|r| r.is_empty() || r.contains(char::is_whitespace)) {
            p.push(format!(
                "discord.api_url `{}` is not an http(s) URL: leave it at {DEFAULT_API_URL} (tests set their fake server's address)",
                self.api_url
            ));
        }
        if self.guild_id == 0 {
            p.push("discord.guild_id is 0: set it to your server's id (Discord settings, Advanced, Developer Mode on; then right-click the server icon, Copy Server ID)".into());
        }
        if self.staff_channel_id != 0 && self.staff_role_id == 0 {
            p.push("discord.staff_role_id is 0 but the staff space is on Discord: set it to the id of the role your agents have (Server Settings, Roles, right-click the role, Copy Role ID); without it nobody is staff".into());
        }
        if self.staff_channel_id != 0 && self.staff_channel_id == self.support_channel_id {
            p.push("discord.staff_channel_id and discord.support_channel_id are the same channel: customers would write in the staff space; use two channels".into());
        }
        if self.staff_forum && self.staff_channel_id == 0 {
            p.push("discord.staff_forum is true but discord.staff_channel_id is 0: name the forum channel, or set staff_forum = false".into());
        }
        if !(1..=100).contains(&self.catch_up_limit) {
            p.push(format!(
                "discord.catch_up_limit {} is out of range: use 1 to 100 (Discord returns at most 100 messages per request)",
                self.catch_up_limit
            ));
        }
        p
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_is_not_printed() {
        let s = Secret::new("abc.def.ghi");
        assert_eq!(format!("{s:?}"), "Secret(<redacted>)");
        let c = DiscordConfig::default();
        assert!(!format!("{c:?}").contains("abc"));
    }

    #[test]
    fn defaults_are_the_documented_ones() {
        let c: DiscordConfig = serde_json::from_str("{}").unwrap();
        assert_eq!(c, DiscordConfig::default());
        assert!(!c.enabled);
        assert_eq!(c.api_url, "https://discord.com");
        assert_eq!(c.catch_up_limit, 100);
        assert!(c.is_default_api());
        assert!(serde_json::from_str::<DiscordConfig>(r#"{"guild":1}"#).is_err());
    }

    #[test]
    fn problems_say_what_to_do() {
        assert!(DiscordConfig::default().problems().is_empty());
        let c = DiscordConfig {
            enabled: true,
            api_url: "discord.com".into(),
            staff_channel_id: 5,
            catch_up_limit: 0,
            ..Default::default()
        };
        let p = c.problems().join("\n");
        assert!(p.contains("discord.guild_id is 0"), "{p}");
        assert!(p.contains("staff_role_id is 0"), "{p}");
        assert!(p.contains("not an http(s) URL"), "{p}");
        assert!(p.contains("catch_up_limit"), "{p}");
        let good = DiscordConfig {
            enabled: true,
            guild_id: 1,
            staff_channel_id: 2,
            staff_role_id: 3,
            ..Default::default()
        };
        assert!(good.problems().is_empty(), "{:?}", good.problems());
    }

    #[test]
    fn the_token_comes_from_a_file_and_is_checked() {
        if std::env::var(TOKEN_ENV).is_ok() {
            eprintln!("skipped: {TOKEN_ENV} is set in this environment");
            return;
        }
        let dir = std::env::temp_dir().join(format!("sb-dc-token-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("token"), "MTIz.GaBc.xyz\n").unwrap();
        std::fs::write(dir.join("bad"), "not a token").unwrap();
        let c = DiscordConfig {
            token_file: "token".into(),
            ..Default::default()
        };
        assert_eq!(c.token(Some(&dir)).unwrap().expose(), "MTIz.GaBc.xyz");
        let bad = DiscordConfig {
            token_file: "bad".into(),
            ..Default::default()
        };
        assert!(
            bad.token(Some(&dir))
                .unwrap_err()
                .to_string()
                .contains("malformed")
        );
        assert!(
            DiscordConfig::default()
                .token(Some(&dir))
                .unwrap_err()
                .to_string()
                .contains(TOKEN_ENV)
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
