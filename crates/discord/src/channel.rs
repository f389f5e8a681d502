//! [`Discord`]: the channel as the rest of Switchboard sees it (one bot, its settings, the
//! sentences it shows itself, its sending side), and its [`Channel`] implementation for the
//! dispatcher. The gateway (receiving) is added to it by `gateway`.

use std::sync::Arc;

use serenity::http::{Http, HttpBuilder};
use switchboard_domain::{Channel, ChannelStore, DeliveryError, Outbound, Secret, Sending};

use crate::classify::status_of;
use crate::commands::default_descriptions;
use crate::config::{self, DiscordConfig};
use crate::error::{StartError, WhoamiError};
use crate::markdown::truncate;
use crate::rest::Rest;
use crate::send::Sender;

/// The sentences the adapter itself shows (the app takes them from prompts/).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Texts {
    /// Answer (only the presser sees it) to a staff-only button or command used by
    /// someone without the staff role, or outside the staff space.
    pub not_staff: String,
    /// Posted in a customer's new private thread when their message in the public support
    /// channel was moved there; `{name}` becomes a mention of the customer (the only ping
    /// the bot ever sends).
    pub moved_private: String,
    /// Answer (only the user sees it) to a slash command once it was taken.
    pub done: String,
    /// Answer (only the user sees it) when their command or button could not be taken
    /// (the store failed, or their private thread could not be made): try again.
    pub failed: String,
}

impl Default for Texts {
    fn default() -> Self {
        Texts {
            not_staff: "Only the support team can do that here.".into(),
            moved_private: "{name}, we moved your message to this private thread: only you and the support team can read it.".into(),
            done: "Done.".into(),
            failed: "Sorry, that did not work. Please try again in a moment.".into(),
        }
    }
}

/// The Discord channel: one bot, its settings, its sending side.
pub struct Discord {
    pub(crate) cfg: DiscordConfig,
    pub(crate) token: Secret,
    pub(crate) texts: Texts,
    pub(crate) descriptions: Vec<(String, String)>,
    pub(crate) sender: Sender,
}

/// serenity's HTTP client for `cfg`, for the gateway client's own few calls at start
/// (ours go through `rest`): Discord itself with serenity's rate limiter, or (tests) any
/// other address as a proxy, which serenity honours only with its rate limiter off.
pub(crate) fn http_for(cfg: &DiscordConfig, token: &Secret) -> Http {
    let b = HttpBuilder::new(token.expose());
    if cfg.is_default_api() {
        b.build()
    } else {
        b.proxy(cfg.api_url.trim().trim_end_matches('/'))
            .ratelimiter_disabled(true)
            .build()
    }
}

impl Discord {
    /// A channel for `cfg` with `token`, keeping its thread map in `store`, showing
    /// `texts`. Fails on an `api_url` that is not a URL.
    pub fn new(
        cfg: DiscordConfig,
        token: &Secret,
        store: Arc<dyn ChannelStore>,
        texts: Texts,
    ) -> Result<Discord, StartError> {
        let url = cfg.api_url.trim();
        let host = url
            .strip_prefix("https://")
            .or_else(|| url.strip_prefix("http://"));
        if host.is_none_or(|h| h.is_empty() || h.contains(char::is_whitespace)) {
            return Err(StartError::ApiUrl {
                url: cfg.api_url.clone(),
                default: config::DEFAULT_API_URL,
            });
        }
        let rest = Rest::new(&cfg, token)?;
        Ok(Discord {
            sender: Sender::new(rest, cfg.clone(), store),
            cfg,
            token: token.clone(),
            texts,
            descriptions: default_descriptions(),
        })
    }

    /// Replaces the slash commands' descriptions (`(command, description)`, e.g. from
    /// prompts `commands.*`); commands not named keep their English default.
    pub fn with_command_descriptions(mut self, descriptions: &[(&str, String)]) -> Discord {
        for (name, d) in descriptions {
            if let Some(slot) = self.descriptions.iter_mut().find(|(n, _)| n == name) {
                slot.1 = truncate(d, 100);
            }
        }
        self
    }

    /// The settings.
    pub fn config(&self) -> &DiscordConfig {
        &self.cfg
    }

    /// The dispatcher's queue key for an outbound message this channel delivers
    /// (messages with one key go in order), or `None` when it is not Discord's: customer
    /// chats on Discord (`discord:chat:<id>`); ticket threads (`discord:ticket:<n>`) and
    /// the staff space (`discord:staff`) when the staff space is on Discord.
    pub fn route(&self, o: &Outbound) -> Option<String> {
        self.sender.route(o)
    }

    /// Delivers one outbound message.
    pub async fn deliver(&self, o: &Outbound) -> Result<(), DeliveryError> {
        self.sender.deliver(o).await
    }

    /// At shutdown: sends not yet started give up ([`DeliveryError::Stopped`]) and stay
    /// in the outbox; sends under way finish.
    pub fn stop_sending(&self) {
        self.sender.stop();
    }

    /// Asks Discord who the bot is (`GET /users/@me`): `name (id)`, for `switchboard
    /// check` and the start-up log. The error says what to do.
    pub async fn whoami(&self) -> Result<String, WhoamiError> {
        match self.sender.http().get_current_user().await {
            Ok(me) => Ok(format!("{} ({})", me.name, me.id.get())),
            Err(e) if status_of(&e).is_some_and(|(s, _)| s == 401) => {
                Err(WhoamiError::TokenRefused)
            }
            Err(e) => Err(WhoamiError::Unreachable {
                api_url: self.cfg.api_url.clone(),
                error: e.to_string(),
            }),
        }
    }
}

impl Channel for Discord {
    fn name(&self) -> &'static str {
        "Discord"
    }
    fn route(&self, o: &Outbound) -> Option<String> {
        Discord::route(self, o)
    }
    fn deliver<'a>(&'a self, o: &'a Outbound) -> Sending<'a> {
        Box::pin(Discord::deliver(self, o))
    }
    fn stop_sending(&self) {
        Discord::stop_sending(self);
    }
}
