//! Starting the gateway's one shard: resuming the session a previous run stored, or a new
//! session.
//!
//! serenity 0.12 starts every shard with IDENTIFY: `Shard::new` has no session id or
//! sequence number, the fields are private, and `Client::start` gives no way in. What it
//! does make public is enough to resume without forking it: a `Shard` handles any gateway
//! event it is given (`Shard::handle_event`), and a `ShardRunner` can be made and run
//! beside the `ShardManager` the way serenity's own queuer does. So a stored session is
//! resumed by giving a new shard (connected to the session's `resume_gateway_url`) a READY
//! that names the stored session id and sequence number; the first HELLO then finds the
//! shard connected and it RESUMEs, as after a dropped connection. If Discord refuses (op 9,
//! the session is gone), the runner asks the manager for a restart and the manager's queuer
//! starts a shard that IDENTIFYs; the catch-up after its READY covers what it can.
//!
//! What the stand-in READY sets in serenity: the session id, the sequence number and the
//! connection stage, nothing else (it is not dispatched to the event handlers). serenity
//! logs "Sequence off" once for it. The application id, which a real READY hands to the
//! HTTP client, is set from the stored session instead.

use std::sync::Arc;

use serde_json::json;
use serenity::all::{
    ApplicationId, ConnectionStage, EventHandler, GatewayIntents, Http, RawEventHandler, Shard,
    ShardId, ShardInfo, ShardManager, ShardMessenger, ShardRunner, ShardRunnerInfo,
    ShardRunnerOptions,
};
use serenity::model::event::GatewayEvent;
use serenity::prelude::TypeMap;
use tokio::sync::{Mutex as AsyncMutex, RwLock};

use super::{Shared, lock};
use crate::keys::SavedSession;

/// What a shard runner needs besides the shard.
pub(crate) struct Parts {
    pub(crate) data: Arc<RwLock<TypeMap>>,
    pub(crate) handler: Arc<dyn EventHandler>,
    pub(crate) raw: Arc<dyn RawEventHandler>,
    pub(crate) http: Arc<Http>,
    pub(crate) intents: GatewayIntents,
}

impl Shared {
    /// Starts shard 0: resuming `saved` when there is one, else (or if the shard cannot be
    /// made) by IDENTIFY through the manager.
    pub(crate) async fn start_shard(
        &self,
        manager: &Arc<ShardManager>,
        parts: &Parts,
        saved: Option<SavedSession>,
    ) {
        if let Some(s) = saved {
            match self.resume_shard(manager, parts, &s).await {
                Ok(()) => {
                    tracing::info!(seq = s.seq, "resuming the stored Discord gateway session");
                    return;
                }
                Err(e) => {
                    lock(&self.progress).forget();
                    tracing::info!(error = %e, "cannot resume the stored Discord gateway session; starting a new one");
                }
            }
        }
        if let Err(e) = manager.initialize() {
            tracing::error!(error = %e, "could not start the Discord gateway shard");
        }
    }

    /// Makes a shard that holds `s`, and runs it beside the manager.
    async fn resume_shard(
        &self,
        manager: &Arc<ShardManager>,
        parts: &Parts,
        s: &SavedSession,
    ) -> Result<(), serenity::Error> {
        let url = Arc::new(AsyncMutex::new(s.resume_url.clone()));
        let mut shard = Shard::new(
            url,
            parts.http.token(),
            ShardInfo {
                id: ShardId(0),
                total: 1,
            },
            parts.intents,
            None,
        )
        .await?;
        let ready: GatewayEvent = serde_json::from_value(stand_in_ready(s))?;
        shard.handle_event(&Ok(ready))?;
        // Known before any event: the replayed messages are parsed against it, and
        // followups to interactions need the application id.
        self.bot_id
            .store(s.bot, std::sync::atomic::Ordering::Relaxed);
        if s.app != 0 {
            parts.http.set_application_id(ApplicationId::new(s.app));
        }
        lock(&self.progress).resuming(s.clone());
        self.resumed_start
            .store(true, std::sync::atomic::Ordering::Relaxed);
        let mut runner = ShardRunner::new(ShardRunnerOptions {
            data: parts.data.clone(),
            event_handlers: vec![parts.handler.clone()],
            raw_event_handlers: vec![parts.raw.clone()],
            manager: manager.clone(),
            shard,
            http: parts.http.clone(),
        });
        // Registered like the queuer's runners, so that a restart or a shutdown reaches it.
        manager.runners.lock().await.insert(
            ShardId(0),
            ShardRunnerInfo {
                latency: None,
                runner_tx: ShardMessenger::new(&runner),
                stage: ConnectionStage::Connected,
            },
        );
        tokio::spawn(async move {
            if let Err(e) = runner.run().await {
                tracing::warn!(error = %e, "the resumed Discord shard ended");
            }
        });
        Ok(())
    }
}

/// A READY frame naming the stored session (what serenity's shard reads of it: the session
/// id and the sequence number; the rest only has to parse).
fn stand_in_ready(s: &SavedSession) -> serde_json::Value {
    json!({
        "op": 0,
        "s": s.seq,
        "t": "READY",
        "d": {
            "v": 10,
            "user": {
                "id": s.bot.to_string(),
                "username": "switchboard",
                "discriminator": "0",
                "global_name": null,
                "avatar": null,
                "bot": true,
            },
            "guilds": [],
            "session_id": s.id,
            "resume_gateway_url": s.resume_url,
            "application": {"id": s.app.max(1).to_string(), "flags": 0},
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stand_in_ready_parses_as_serenity_reads_it() {
        let s = SavedSession {
            id: "sess".into(),
            seq: 41,
            resume_url: "wss://resume.example".into(),
            bot: 7,
            app: 8,
        };
        let ev: GatewayEvent = serde_json::from_value(stand_in_ready(&s)).unwrap();
        match ev {
            GatewayEvent::Dispatch(41, serenity::all::Event::Ready(r)) => {
                assert_eq!(r.ready.session_id, "sess");
                assert_eq!(r.ready.user.id.get(), 7);
            }
            other => panic!("not a READY: {other:?}"),
        }
    }
}
