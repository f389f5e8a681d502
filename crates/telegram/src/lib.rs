//! Switchboard's Telegram adapter: customers in private chats with the bot, agents in a
//! staff supergroup (a forum topic per ticket, or reply-to cards), through teloxide.
//!
//! Parts:
//! - [`config`]: `[telegram]` settings and the token ([`config::Secret`], never printed).
//! - [`parse`]: updates -> [`switchboard_domain::Inbound`], a pure function; staff are
//!   those who write in the configured staff group, and nothing else.
//! - [`html`]: escaping for the HTML parse mode and splitting to Telegram's 4,096.
//! - `limits`: Telegram's outbound limits kept before each send.
//! - [`send`]: [`switchboard_domain::Outbound`] -> Bot API calls, topics created, renamed,
//!   reopened or recreated as needed; errors sorted into [`SendError`].
//! - [`run`]: long polling; updates are acknowledged only after they are durable
//!   ([`Host`]).
//!
//! The adapter holds no business rules: the desk decides, the adapter translates.

#![warn(missing_docs)]

pub mod config;
pub mod html;
mod limits;
pub mod parse;
pub mod run;
pub mod send;

use std::sync::Arc;

use switchboard_desk::Store;
use switchboard_domain::Outbound;
use teloxide::Bot;
use teloxide::prelude::Requester;

pub use config::{Secret, TelegramConfig};
pub use run::Host;
pub use send::SendError;

/// The Telegram channel: one bot, its settings, its sending side.
pub struct Telegram {
    cfg: TelegramConfig,
    sender: send::Sender,
}

impl Telegram {
    /// A channel for `cfg` with `token`, keeping its topic map in `store`. Fails on an
    /// `api_url` that is not a URL.
    pub fn new(
        cfg: TelegramConfig,
        token: &Secret,
        store: Arc<dyn Store>,
    ) -> Result<Telegram, String> {
        let url = reqwest::Url::parse(&cfg.api_url)
            .map_err(|e| format!("telegram.api_url `{}` is not a URL: {e}", cfg.api_url))?;
        let bot = Bot::new(token.expose()).set_api_url(url);
        Ok(Telegram {
            sender: send::Sender::new(bot, cfg.clone(), store),
            cfg,
        })
    }

    /// The settings.
    pub fn config(&self) -> &TelegramConfig {
        &self.cfg
    }

    /// The chat this channel delivers `o` to (`None`: another channel's).
    pub fn chat_of(&self, o: &Outbound) -> Option<i64> {
        self.sender.chat_of(o)
    }

    /// Delivers one outbound message.
    pub async fn deliver(&self, o: &Outbound) -> Result<(), SendError> {
        self.sender.deliver(o).await
    }

    /// At shutdown: sends waiting for a slot give up ([`SendError::Stopped`]) and stay in
    /// the outbox; sends already under way finish.
    pub fn stop_sending(&self) {
        self.sender.stop();
    }

    /// Sets the command menu of the staff group (`(command, description)` pairs). Nice to
    /// have: a failure is logged and nothing else happens.
    pub async fn set_staff_commands(&self, commands: &[(&str, String)]) {
        use teloxide::payloads::SetMyCommandsSetters;
        use teloxide::types::{BotCommand, BotCommandScope, ChatId, Recipient};
        if self.cfg.staff_chat_id == 0 {
            return;
        }
        let list: Vec<BotCommand> = commands
            .iter()
            .map(|(c, d)| BotCommand::new(*c, d.clone()))
            .collect();
        let scope = BotCommandScope::Chat {
            chat_id: Recipient::Id(ChatId(self.cfg.staff_chat_id)),
        };
        if let Err(e) = self.sender.bot.set_my_commands(list).scope(scope).await {
            tracing::info!(error = %e, "could not set the staff group's command menu (not needed to work)");
        }
    }

    /// Asks Telegram who the bot is (`getMe`): for `switchboard check` and the start-up
    /// log. The error says what to do.
    pub async fn whoami(&self) -> Result<String, String> {
        match self.sender.bot.get_me().await {
            Ok(me) => Ok(me
                .user
                .username
                .clone()
                .map_or_else(|| me.user.first_name.clone(), |u| format!("@{u}"))),
            Err(teloxide::RequestError::Api(teloxide::ApiError::InvalidToken)) => Err(
                "Telegram refused the bot token: check TELEGRAM_BOT_TOKEN (ask @BotFather for the token)"
                    .into(),
            ),
            Err(e) => Err(format!(
                "cannot reach the Telegram Bot API at {}: {e}; check telegram.api_url and the network",
                self.cfg.api_url
            )),
        }
    }
}
