//! [`Secret`]: a token or a webhook secret, which `Debug` never prints; and
//! [`SecretSource`]: where one is looked for (an environment variable, else a file named in
//! the config), read the same way by every channel, with a [`SecretError`] that says what
//! to do.

use std::path::{Path, PathBuf};

/// A secret (a bot token, a webhook secret): never printed, never logged. Each channel
/// reads its own with [`SecretSource::read`] (the caller does the reading: this crate does
/// no I/O).
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret.
    pub fn new(s: impl Into<String>) -> Secret {
        Secret(s.into())
    }
    /// The secret itself, for the one place that sends it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// Where a secret is looked for, and the words its errors use. The environment wins, so
/// that a deployment can override a file without editing the config.
#[derive(Debug, Clone, Copy)]
pub struct SecretSource<'a> {
    /// What it is, in words (`Telegram bot token`).
    pub what: &'a str,
    /// How the advice for an empty file names it (`token`, or `what` again).
    pub short: &'a str,
    /// The environment variable that holds it (`TELEGRAM_BOT_TOKEN`).
    pub env: &'a str,
    /// The setting that names a file holding it (`telegram.token_file`).
    pub setting: &'a str,
    /// That setting's value: a file, relative to `base` (empty: none).
    pub file: &'a str,
    /// The directory of the config file, which `file` is relative to.
    pub base: Option<&'a Path>,
}

/// Why a secret could not be read; each message says what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretError {
    /// Neither the environment variable nor a file.
    #[error(
        "no {what}: set the {env} environment variable, or name a file holding it in `{setting}`"
    )]
    Missing {
        /// What it is.
        what: String,
        /// The environment variable.
        env: String,
        /// The setting naming a file.
        setting: String,
    },
    /// The file holds only white space.
    #[error("the {what} file {} is empty: put the {short} in it, or set {env}", .path.display())]
    Empty {
        /// What it is.
        what: String,
        /// How the advice names it.
        short: String,
        /// The file.
        path: PathBuf,
        /// The environment variable.
        env: String,
    },
    /// The file cannot be read.
    #[error("cannot read the {what} file {}: {error}; fix `{setting}` or set {env}", .path.display())]
    Unreadable {
        /// What it is.
        what: String,
        /// The file.
        path: PathBuf,
        /// Why (the system's words).
        error: String,
        /// The setting naming the file.
        setting: String,
        /// The environment variable.
        env: String,
    },
}

impl SecretSource<'_> {
    /// The file to read, resolved against `base` (`None` when no file is named).
    pub fn path(&self) -> Option<PathBuf> {
        if self.file.is_empty() {
            return None;
        }
        Some(match self.base {
            Some(b) => b.join(self.file),
            None => Path::new(self.file).to_path_buf(),
        })
    }

    /// The secret, trimmed: the environment variable's value when it is set and not blank,
    /// else the file's content. `env` looks a variable up and `read` reads a file (the
    /// process's environment and file system in production; anything in tests).
    pub fn read(
        &self,
        env: impl FnOnce(&str) -> Option<String>,
        read: impl FnOnce(&Path) -> std::io::Result<String>,
    ) -> Result<Secret, SecretError> {
        if let Some(v) = env(self.env)
            && !v.trim().is_empty()
        {
            return Ok(Secret::new(v.trim()));
        }
        let Some(path) = self.path() else {
            return Err(SecretError::Missing {
                what: self.what.into(),
                env: self.env.into(),
                setting: self.setting.into(),
            });
        };
        match read(&path) {
            Ok(v) if !v.trim().is_empty() => Ok(Secret::new(v.trim())),
            Ok(_) => Err(SecretError::Empty {
                what: self.what.into(),
                short: self.short.into(),
                path,
                env: self.env.into(),
            }),
            Err(e) => Err(SecretError::Unreadable {
                what: self.what.into(),
                path,
                error: e.to_string(),
                setting: self.setting.into(),
                env: self.env.into(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SOURCE: SecretSource<'static> = SecretSource {
        what: "Discord bot token",
        short: "token",
        env: "DISCORD_TOKEN",
        setting: "discord.token_file",
        file: "token",
        base: None,
    };

    fn no_env(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn the_environment_wins_then_the_file() {
        let s = SOURCE
            .read(
                |k| (k == "DISCORD_TOKEN").then(|| " a.b.c\n".into()),
                |_| unreachable!("the file is not read when the variable is set"),
            )
            .unwrap();
        assert_eq!(s.expose(), "a.b.c");
        let base = Path::new("/etc/switchboard");
        let src = SecretSource {
            base: Some(base),
            ..SOURCE
        };
        let s = src
            .read(
                |_| Some("  ".into()),
                |p| {
                    assert_eq!(p, base.join("token"));
                    Ok("x.y.z\n".into())
                },
            )
            .unwrap();
        assert_eq!(s.expose(), "x.y.z");
    }

    #[test]
    fn errors_say_what_to_do() {
        let none = SecretSource { file: "", ..SOURCE };
        assert_eq!(
            none.read(no_env, |_| unreachable!())
                .unwrap_err()
                .to_string(),
            "no Discord bot token: set the DISCORD_TOKEN environment variable, or name a file holding it in `discord.token_file`"
        );
        assert_eq!(
            SOURCE
                .read(no_env, |_| Ok(" \n".into()))
                .unwrap_err()
                .to_string(),
            "the Discord bot token file token is empty: put the token in it, or set DISCORD_TOKEN"
        );
        let e = SOURCE
            .read(no_env, |_| Err(std::io::Error::other("denied")))
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "cannot read the Discord bot token file token: denied; fix `discord.token_file` or set DISCORD_TOKEN"
        );
    }

    #[test]
    fn debug_never_shows_it() {
        let s = Secret::new("123:abc");
        assert_eq!(format!("{s:?}"), "Secret(<redacted>)");
        assert_eq!(s.expose(), "123:abc");
    }
}
