//! [`Telegram`]: the channel as the rest of Switchboard sees it (one bot, its settings, its
//! sending side), and its [`Channel`] implementation for the dispatcher. Receiving (long
//! polling, the webhook) is added to it by `run`.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use switchboard_domain::{Channel, ChannelStore, DeliveryError, Outbound, Secret, Sending};
use teloxide::Bot;
use teloxide::prelude::Requester;

use crate::config::TelegramConfig;
use crate::error::{StartError, WhoamiError};
use crate::send;

/// The Telegram channel: one bot, its settings, its sending side.
pub struct Telegram {
    pub(crate) cfg: TelegramConfig,
    pub(crate) sender: send::Sender,
    /// Updates skipped because they could not be read (see `run`).
    skipped: AtomicU64,
}

impl Telegram {
    /// A channel for `cfg` with `token`, keeping its topic map in `store`. Fails on an
    /// `api_url` that is not a URL.
    pub fn new(
        cfg: TelegramConfig,
        token: &Secret,
        store: Arc<dyn ChannelStore>,
    ) -> Result<Telegram, StartError> {
        let url = reqwest::Url::parse(&cfg.api_url).map_err(|e| StartError::ApiUrl {
            url: cfg.api_url.clone(),
            error: e.to_string(),
        })?;
        let bot = Bot::new(token.expose()).set_api_url(url);
        Ok(Telegram {
            sender: send::Sender::new(bot, cfg.clone(), store),
            cfg,
            skipped: AtomicU64::new(0),
        })
    }

    /// How many updates were skipped since the start because they could not be read (a
    /// health figure: each one is also logged with its id and what was wrong).
    pub fn skipped_updates(&self) -> u64 {
        self.skipped.load(Ordering::Relaxed)
    }

    /// Adds `n` skipped updates to [`Telegram::skipped_updates`].
    pub(crate) fn count_skipped(&self, n: u64) {
        if n > 0 {
            self.skipped.fetch_add(n, Ordering::Relaxed);
        }
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
    pub async fn deliver(&self, o: &Outbound) -> Result<(), DeliveryError> {
        self.sender.deliver(o).await
    }

    /// At shutdown: sends waiting for a slot give up ([`DeliveryError::Stopped`]) and stay
    /// in the outbox; sends already under way finish.
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
    pub async fn whoami(&self) -> Result<String, WhoamiError> {
        match self.sender.bot.get_me().await {
            Ok(me) => Ok(me
                .user
                .username
                .clone()
                .map_or_else(|| me.user.first_name.clone(), |u| format!("@{u}"))),
            Err(teloxide::RequestError::Api(teloxide::ApiError::InvalidToken)) => {
                Err(WhoamiError::TokenRefused)
            }
            Err(e) => Err(WhoamiError::Unreachable {
                api_url: self.cfg.api_url.clone(),
                error: e.to_string(),
            }),
        }
    }
}

impl Channel for Telegram {
    fn name(&self) -> &'static str {
        "Telegram"
    }
    fn route(&self, o: &Outbound) -> Option<String> {
        self.chat_of(o).map(|c| format!("telegram:{c}"))
    }
    fn deliver<'a>(&'a self, o: &'a Outbound) -> Sending<'a> {
        Box::pin(Telegram::deliver(self, o))
    }
    fn stop_sending(&self) {
        Telegram::stop_sending(self);
    }
}
