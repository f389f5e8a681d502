//! [`Rest`]: every REST call the adapter makes (sends, edits, threads, catch-up reads,
//! interaction answers, command registration), each through the [`Limiter`] of
//! `ratelimit`.
//!
//! Why not serenity's own client: serenity only sends to another address (`api_url`:
//! a proxy, the tests' fake) with its rate limiter off, and its errors drop what a 429
//! says (the body's `retry_after`, the headers), so a retry could only guess. Here the
//! request is still serenity's (its routes, its builders' JSON), but sent by us: the
//! limiter is asked before (waiting while a bucket is empty or a global pause runs) and
//! told the answer after (headers, 429s).
//!
//! A 429 comes back as [`RestError::RateLimited`] with Discord's own wait, so that the
//! dispatcher waits exactly that long before it tries again (deliveries); calls made for
//! the gateway (reads, answers) use a [`Rest::patient`] client, which waits it out and
//! tries again itself, as serenity's limiter did. A wait longer than [`MAX_INLINE_WAIT`]
//! is not slept through inside a call: it comes back as a 429 would, so that nothing
//! holds a queue (or shutdown) for minutes.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde::Serialize;
use serde::de::DeserializeOwned;
use serenity::all::{
    ApplicationId, Channel, ChannelId, CreateCommand, CreateForumPost, CreateInteractionResponse,
    CreateInteractionResponseFollowup, CreateMessage, CreateThread, CurrentApplicationInfo,
    CurrentUser, EditInteractionResponse, EditMessage, EditThread, GuildChannel, GuildId,
    InteractionId, Member, Message, MessageId, UserId,
};
use serenity::http::{ErrorResponse, HttpError, LightMethod, Request, Route as Path};
use serenity::model::gateway::Gateway;
use switchboard_domain::Secret;
use tokio::sync::watch;

use crate::config::DiscordConfig;
use crate::error::StartError;
use crate::ratelimit::{Limited, Limiter, Observed, Permit, Route};

/// The longest wait for the rate limits taken inside a call; a longer one is handed
/// back to the caller ([`RestError::RateLimited`]).
pub const MAX_INLINE_WAIT: Duration = Duration::from_secs(10);
/// How many 429s a [`Rest::patient`] call waits out before it gives up.
pub const PATIENT_RETRIES: u32 = 3;

/// Why a REST call did not succeed.
#[derive(Debug, thiserror::Error)]
pub enum RestError {
    /// Discord (or the network) said no: serenity's error, as its own calls give it
    /// (boxed: it is large).
    #[error(transparent)]
    Api(Box<serenity::Error>),
    /// Discord asked to wait (429), or our limiter would have had the call wait longer
    /// than [`MAX_INLINE_WAIT`].
    #[error("Discord's rate limit on {route}: retry after {retry_after:?}{}", if *.global { " (global)" } else { "" })]
    RateLimited {
        /// How long.
        retry_after: Duration,
        /// Whether every request of the bot waits.
        global: bool,
        /// The route, for the log.
        route: String,
    },
    /// The service is shutting down: the call waited for a rate limit and was not sent.
    #[error("not sent: the service is shutting down")]
    Stopped,
}

impl From<serenity::Error> for RestError {
    fn from(e: serenity::Error) -> RestError {
        RestError::Api(Box::new(e))
    }
}

impl From<HttpError> for RestError {
    fn from(e: HttpError) -> RestError {
        RestError::Api(Box::new(serenity::Error::Http(e)))
    }
}

impl From<reqwest::Error> for RestError {
    fn from(e: reqwest::Error) -> RestError {
        HttpError::Request(e).into()
    }
}

impl From<serde_json::Error> for RestError {
    fn from(e: serde_json::Error) -> RestError {
        RestError::Api(Box::new(serenity::Error::Json(e)))
    }
}

struct Inner {
    client: reqwest::Client,
    /// `Bot <token>`.
    auth: Secret,
    /// Where requests go instead of `https://discord.com` (`api_url`), if elsewhere.
    proxy: Option<String>,
    limiter: Limiter,
    /// The application's id once known (0: not yet).
    application: AtomicU64,
    /// Turns true at shutdown: waits for a rate limit end.
    stop: watch::Sender<bool>,
}

/// The adapter's REST client: serenity's requests, sent through one [`Limiter`] for the
/// whole bot. Cheap to clone (the state is shared).
#[derive(Clone)]
pub struct Rest {
    inner: Arc<Inner>,
    /// Whether a 429 is waited out here (the gateway's calls) rather than handed back
    /// (deliveries, which the dispatcher retries).
    patient: bool,
}

/// The `Authorization` header for a bot token (a `Bot `/`Bearer ` prefix is kept, as
/// serenity does).
fn authorization(token: &str) -> String {
    let token = token.trim();
    if token.starts_with("Bot ") || token.starts_with("Bearer ") {
        token.to_string()
    } else {
        format!("Bot {token}")
    }
}

/// A builder's JSON as a request body.
fn json(body: &impl Serialize) -> Result<Option<Vec<u8>>, RestError> {
    Ok(Some(serde_json::to_vec(body)?))
}

impl Rest {
    /// A client for `cfg` (Discord itself, or `api_url`) with `token`.
    pub fn new(cfg: &DiscordConfig, token: &Secret) -> Result<Rest, StartError> {
        let client = reqwest::Client::builder()
            .use_rustls_tls()
            .build()
            .map_err(|e| StartError::Client(e.to_string()))?;
        let proxy =
            (!cfg.is_default_api()).then(|| cfg.api_url.trim().trim_end_matches('/').to_string());
        Ok(Rest {
            inner: Arc::new(Inner {
                client,
                auth: Secret::new(authorization(token.expose())),
                proxy,
                limiter: Limiter::new(),
                application: AtomicU64::new(0),
                stop: watch::channel(false).0,
            }),
            patient: false,
        })
    }

    /// The same client (and limits), waiting out 429s itself: for calls whose caller
    /// does not retry (catch-up reads, interaction answers).
    pub fn patient(&self) -> Rest {
        Rest {
            inner: self.inner.clone(),
            patient: true,
        }
    }

    /// At shutdown: calls waiting for a rate limit give up ([`RestError::Stopped`]).
    pub fn stop(&self) {
        self.inner.stop.send_replace(true);
    }

    /// Waits until the limiter lets `route` go (at most [`MAX_INLINE_WAIT`] in all).
    async fn take(&self, route: &Route) -> Result<Permit<'_>, RestError> {
        let mut stop = self.inner.stop.subscribe();
        let start = Instant::now();
        loop {
            let wait = match self.inner.limiter.try_take(route, Instant::now()) {
                Ok(p) => return Ok(p),
                Err(wait) => wait,
            };
            if start.elapsed() + wait > MAX_INLINE_WAIT {
                return Err(RestError::RateLimited {
                    retry_after: wait,
                    global: false,
                    route: route.to_string(),
                });
            }
            tracing::debug!(%route, ?wait, "waiting for Discord's rate limit");
            tokio::select! {
                () = tokio::time::sleep(wait) => {}
                _ = stop.wait_for(|s| *s) => return Err(RestError::Stopped),
            }
        }
    }

    /// Sends `req` through the limiter; the answer when it succeeded.
    async fn perform(&self, req: Request<'_>) -> Result<reqwest::Response, RestError> {
        let mut limited_times = 0;
        loop {
            let request = req
                .clone()
                .build(
                    &self.inner.client,
                    self.inner.auth.expose(),
                    self.inner.proxy.as_deref(),
                )?
                .build()?;
            let method = request.method().clone();
            let route = Route::of(method.as_str(), request.url().path());
            let permit = self.take(&route).await?;
            let response = match self.inner.client.execute(request).await {
                Ok(r) => r,
                Err(e) => {
                    self.inner.limiter.failed(permit);
                    return Err(e.into());
                }
            };
            let now = Instant::now();
            let headers = response.headers().clone();
            let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
            let seen = Observed::from_headers(header);
            if response.status().as_u16() != 429 {
                self.inner.limiter.done(permit, &route, &seen, now);
                if response.status().is_success() {
                    return Ok(response);
                }
                let e = ErrorResponse::from_response(response, method).await;
                return Err(HttpError::UnsuccessfulRequest(e).into());
            }
            let body = response.bytes().await.unwrap_or_default();
            let limited = Limited::from_answer(header, &body);
            self.inner
                .limiter
                .limited(permit, &route, &seen, &limited, now);
            tracing::warn!(%route, retry_after = ?limited.retry_after, global = limited.global, "Discord asked to slow down");
            limited_times += 1;
            if !self.patient
                || limited_times > PATIENT_RETRIES
                || limited.retry_after > MAX_INLINE_WAIT
            {
                return Err(RestError::RateLimited {
                    retry_after: limited.retry_after,
                    global: limited.global,
                    route: route.to_string(),
                });
            }
            // The limiter now holds the bucket (or everything) until the wait is over.
        }
    }

    /// Sends `req` and reads the answer's JSON.
    async fn fire<T: DeserializeOwned>(&self, req: Request<'_>) -> Result<T, RestError> {
        let bytes = self.perform(req).await?.bytes().await?;
        Ok(serde_json::from_slice(&bytes)?)
    }

    /// Sends `req`; the answer's body is not needed.
    async fn wind(&self, req: Request<'_>) -> Result<(), RestError> {
        self.perform(req).await.map(drop)
    }

    /// The application's id (for commands and interaction webhooks): asked once.
    async fn application_id(&self) -> Result<ApplicationId, RestError> {
        let known = self.inner.application.load(Ordering::Relaxed);
        if let Some(id) = std::num::NonZeroU64::new(known) {
            return Ok(ApplicationId::from(id));
        }
        let info: CurrentApplicationInfo = self
            .fire(Request::new(
                Path::Oauth2ApplicationCurrent,
                LightMethod::Get,
            ))
            .await?;
        self.inner
            .application
            .store(info.id.get(), Ordering::Relaxed);
        Ok(info.id)
    }

    /// `GET /users/@me`: who the bot is.
    pub async fn get_current_user(&self) -> Result<CurrentUser, RestError> {
        self.fire(Request::new(Path::UserMe, LightMethod::Get))
            .await
    }

    /// `GET /gateway`: where the gateway is.
    pub async fn get_gateway(&self) -> Result<Gateway, RestError> {
        self.fire(Request::new(Path::Gateway, LightMethod::Get))
            .await
    }

    /// `GET /channels/{id}`.
    pub async fn get_channel(&self, channel_id: ChannelId) -> Result<Channel, RestError> {
        self.fire(Request::new(Path::Channel { channel_id }, LightMethod::Get))
            .await
    }

    /// `GET /guilds/{id}/members/{user}`.
    pub async fn get_member(
        &self,
        guild_id: GuildId,
        user_id: UserId,
    ) -> Result<Member, RestError> {
        let mut value: serde_json::Value = self
            .fire(Request::new(
                Path::GuildMember { guild_id, user_id },
                LightMethod::Get,
            ))
            .await?;
        // Discord's member object does not name its guild; serenity's does.
        if let Some(map) = value.as_object_mut() {
            map.insert("guild_id".into(), guild_id.get().into());
        }
        Ok(serde_json::from_value(value)?)
    }

    /// `GET /channels/{id}/messages?after=…&limit=…`: messages after `after`, newest
    /// first, at most `limit` (1 to 100).
    pub async fn get_messages(
        &self,
        channel_id: ChannelId,
        after: MessageId,
        limit: u8,
    ) -> Result<Vec<Message>, RestError> {
        let params = vec![("limit", limit.to_string()), ("after", after.to_string())];
        self.fire(
            Request::new(Path::ChannelMessages { channel_id }, LightMethod::Get)
                .params(Some(params)),
        )
        .await
    }

    /// `POST /channels/{id}/messages`.
    pub async fn send_message(
        &self,
        channel_id: ChannelId,
        m: &CreateMessage,
    ) -> Result<Message, RestError> {
        self.fire(
            Request::new(Path::ChannelMessages { channel_id }, LightMethod::Post).body(json(m)?),
        )
        .await
    }

    /// `PATCH /channels/{id}/messages/{message}`.
    pub async fn edit_message(
        &self,
        channel_id: ChannelId,
        message_id: MessageId,
        m: &EditMessage,
    ) -> Result<Message, RestError> {
        self.fire(
            Request::new(
                Path::ChannelMessage {
                    channel_id,
                    message_id,
                },
                LightMethod::Patch,
            )
            .body(json(m)?),
        )
        .await
    }

    /// `DELETE /channels/{id}/messages/{message}`.
    pub async fn delete_message(
        &self,
        channel_id: ChannelId,
        message_id: MessageId,
    ) -> Result<(), RestError> {
        self.wind(Request::new(
            Path::ChannelMessage {
                channel_id,
                message_id,
            },
            LightMethod::Delete,
        ))
        .await
    }

    /// `POST /channels/{forum}/threads`: a forum post.
    pub async fn create_forum_post(
        &self,
        channel_id: ChannelId,
        post: &CreateForumPost<'_>,
    ) -> Result<GuildChannel, RestError> {
        self.fire(
            Request::new(Path::ChannelForumPosts { channel_id }, LightMethod::Post)
                .body(json(post)?),
        )
        .await
    }

    /// `PATCH /channels/{thread}`: a thread renamed, archived or unarchived.
    pub async fn edit_thread(
        &self,
        channel_id: ChannelId,
        edit: &EditThread<'_>,
    ) -> Result<GuildChannel, RestError> {
        self.fire(Request::new(Path::Channel { channel_id }, LightMethod::Patch).body(json(edit)?))
            .await
    }

    /// `POST /channels/{id}/threads`: a thread without a starting message.
    pub async fn create_thread(
        &self,
        channel_id: ChannelId,
        thread: &CreateThread<'_>,
    ) -> Result<GuildChannel, RestError> {
        self.fire(
            Request::new(Path::ChannelThreads { channel_id }, LightMethod::Post)
                .body(json(thread)?),
        )
        .await
    }

    /// `POST /channels/{id}/messages/{message}/threads`: a thread from a message.
    pub async fn create_thread_from_message(
        &self,
        channel_id: ChannelId,
        message_id: MessageId,
        thread: &CreateThread<'_>,
    ) -> Result<GuildChannel, RestError> {
        self.fire(
            Request::new(
                Path::ChannelMessageThreads {
                    channel_id,
                    message_id,
                },
                LightMethod::Post,
            )
            .body(json(thread)?),
        )
        .await
    }

    /// `PUT /channels/{thread}/thread-members/{user}`.
    pub async fn add_thread_member(
        &self,
        channel_id: ChannelId,
        user_id: UserId,
    ) -> Result<(), RestError> {
        self.wind(Request::new(
            Path::ChannelThreadMember {
                channel_id,
                user_id,
            },
            LightMethod::Put,
        ))
        .await
    }

    /// `POST /interactions/{id}/{token}/callback`: the answer to an interaction.
    pub async fn create_interaction_response(
        &self,
        interaction_id: InteractionId,
        token: &str,
        response: &CreateInteractionResponse,
    ) -> Result<(), RestError> {
        self.wind(
            Request::new(
                Path::InteractionResponse {
                    interaction_id,
                    token,
                },
                LightMethod::Post,
            )
            .body(json(response)?),
        )
        .await
    }

    /// `PATCH /webhooks/{application}/{token}/messages/@original`: a deferred answer
    /// edited.
    pub async fn edit_original_interaction_response(
        &self,
        application_id: ApplicationId,
        token: &str,
        edit: &EditInteractionResponse,
    ) -> Result<(), RestError> {
        self.wind(
            Request::new(
                Path::WebhookOriginalInteractionResponse {
                    application_id,
                    token,
                },
                LightMethod::Patch,
            )
            .body(json(edit)?),
        )
        .await
    }

    /// `POST /webhooks/{application}/{token}`: a follow-up to an interaction.
    pub async fn create_followup(
        &self,
        application_id: ApplicationId,
        token: &str,
        followup: &CreateInteractionResponseFollowup,
    ) -> Result<(), RestError> {
        self.wind(
            Request::new(
                Path::WebhookFollowupMessages {
                    application_id,
                    token,
                },
                LightMethod::Post,
            )
            .body(json(followup)?),
        )
        .await
    }

    /// `PUT /applications/{id}/commands`: the global commands, all at once.
    pub async fn set_global_commands(&self, commands: &[CreateCommand]) -> Result<(), RestError> {
        let application_id = self.application_id().await?;
        self.wind(
            Request::new(Path::Commands { application_id }, LightMethod::Put)
                .body(json(&commands)?),
        )
        .await
    }

    /// `PUT /applications/{id}/guilds/{guild}/commands`: a guild's commands, all at once.
    pub async fn set_guild_commands(
        &self,
        guild_id: GuildId,
        commands: &[CreateCommand],
    ) -> Result<(), RestError> {
        let application_id = self.application_id().await?;
        self.wind(
            Request::new(
                Path::GuildCommands {
                    application_id,
                    guild_id,
                },
                LightMethod::Put,
            )
            .body(json(&commands)?),
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_is_sent_as_a_bot_token_and_tests_go_to_their_own_address() {
        assert_eq!(authorization(" a.b.c\n"), "Bot a.b.c");
        assert_eq!(authorization("Bot a.b.c"), "Bot a.b.c");
        let fake = DiscordConfig {
            api_url: "http://127.0.0.1:9/".into(),
            ..DiscordConfig::default()
        };
        let rest = Rest::new(&fake, &Secret::new("a.b.c")).expect("a client");
        assert_eq!(rest.inner.proxy.as_deref(), Some("http://127.0.0.1:9"));
        assert!(!rest.patient && rest.patient().patient);
        let real = Rest::new(&DiscordConfig::default(), &Secret::new("a.b.c")).expect("a client");
        assert_eq!(real.inner.proxy, None);
    }
}
