//! The gateway: a websocket at `/gateway` speaking Discord's v10 JSON
//! protocol without transport compression (serenity 0.12 connects to
//! `{url}?v=10`, asks for no `compress` query parameter and reads text
//! frames as plain JSON).
//!
//! One session at a time. A connection gets HELLO; IDENTIFY starts a new
//! session (READY with `session_id` and `resume_gateway_url`, then
//! GUILD_CREATE, then anything queued before the first session); RESUME with
//! the session id replays the dispatches after the client's `seq` and ends
//! with RESUMED. Dispatches are numbered per session and kept, so that events
//! sent while the client was disconnected reach it on RESUME, as on Discord.
//! A RESUME is refused with op 9 (`d: false`) when the session is unknown,
//! was invalidated, has been without a connection longer than the resume
//! window, or was closed by the client with 1000 or 1001 (which Discord
//! documents as ending the session). Dispatches made while no session exists
//! after the first one are lost, as on Discord. The events a session's
//! intents do not cover are withheld (and counted), and guild message content
//! is blanked without the MESSAGE_CONTENT intent, as Discord does.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::ws::{CloseFrame, Message, WebSocket};
use serde_json::{Value, json};
use tokio::sync::mpsc;

use super::json;
use super::session::{Live, Outgoing, ResumeRec, Session};
use super::state::{Shared, State};
use super::types::{BOT_ID, Identify, TOKEN};

/// `GUILDS`.
pub(crate) const INTENT_GUILDS: u64 = 1;
/// `GUILD_MESSAGES`.
pub(crate) const INTENT_GUILD_MESSAGES: u64 = 1 << 9;
/// `GUILD_MESSAGE_REACTIONS`.
pub(crate) const INTENT_GUILD_MESSAGE_REACTIONS: u64 = 1 << 10;
/// `DIRECT_MESSAGES`.
pub(crate) const INTENT_DIRECT_MESSAGES: u64 = 1 << 12;
/// `MESSAGE_CONTENT` (privileged).
pub(crate) const INTENT_MESSAGE_CONTENT: u64 = 1 << 15;

impl State {
    /// Sends a dispatch (op 0) to the bot: numbered and logged in the
    /// current session (and sent if a connection is live), or queued until
    /// the first READY when there has never been a session.
    pub(crate) fn dispatch(&mut self, t: &str, d: Value) {
        if self.gateway.session.is_none() {
            if self.gateway.sessions_started == 0 {
                self.gateway.pending.push((t.to_owned(), d));
            } else {
                // Discord keeps nothing for a session that does not exist.
                self.gateway.dropped.push(t.to_owned());
            }
            return;
        }
        self.dispatch_in_session(t, d);
    }

    fn dispatch_in_session(&mut self, t: &str, d: Value) {
        let intents = self.gateway.session.as_ref().map_or(0, |s| s.intents);
        let Some(d) = filter_for_intents(intents, t, d) else {
            self.gateway.withheld.push(t.to_owned());
            return;
        };
        let Some(session) = self.gateway.session.as_mut() else {
            return;
        };
        session.seq += 1;
        let seq = session.seq;
        let frame = json!({"op": 0, "s": seq, "t": t, "d": d}).to_string();
        session.log.push((seq, frame.clone()));
        if let Some(live) = &self.gateway.live {
            // A send error means the connection task is gone; the event
            // stays in the log for a RESUME.
            let _ = live.tx.send(Outgoing::Frame(frame));
        }
    }

    /// Sends a non-dispatch frame (op 7, op 9, ...) on the live connection.
    pub(crate) fn send_op(&mut self, op: u8, d: Value) -> bool {
        let frame = json!({"op": op, "d": d, "s": null, "t": null}).to_string();
        match &self.gateway.live {
            Some(live) => live.tx.send(Outgoing::Frame(frame)).is_ok(),
            None => false,
        }
    }

    /// Ends the live connection (the session survives for a RESUME).
    pub(crate) fn hang_up(&mut self, how: Outgoing) -> bool {
        let code = match &how {
            Outgoing::Close(code, _) => Some(*code),
            _ => None,
        };
        match self.gateway.live.take() {
            Some(live) => {
                self.gateway.hangups.push(code);
                self.mark_away();
                live.tx.send(how).is_ok()
            }
            None => false,
        }
    }

    /// The session (if any) has no connection from now on.
    fn mark_away(&mut self) {
        if let Some(s) = self.gateway.session.as_mut()
            && s.away_since.is_none()
        {
            s.away_since = Some(Instant::now());
        }
    }

    fn gateway_url(&self) -> String {
        format!("ws://{}/gateway", self.addr)
    }

    /// Handles one frame from the client; replies go out through `tx`.
    fn on_client_frame(
        &mut self,
        conn: u64,
        tx: &mpsc::UnboundedSender<Outgoing>,
        identified: &mut bool,
        text: &str,
    ) {
        let Ok(frame) = serde_json::from_str::<Value>(text) else {
            let _ = tx.send(Outgoing::Close(4002, "Error while decoding payload."));
            return;
        };
        let op = frame.get("op").and_then(Value::as_u64);
        let d = frame.get("d").cloned().unwrap_or(Value::Null);
        match op {
            Some(1) => {
                self.gateway.heartbeats += 1;
                let ack = json!({"op": 11, "d": null, "s": null, "t": null}).to_string();
                let _ = tx.send(Outgoing::Frame(ack));
            }
            Some(2) => self.on_identify(conn, tx, identified, &d),
            Some(6) => self.on_resume(conn, tx, identified, &d),
            // Presence updates, voice state, member requests: accepted,
            // nothing to answer.
            Some(3 | 4 | 8 | 31) if *identified => {}
            Some(3 | 4 | 8 | 31) => {
                let _ = tx.send(Outgoing::Close(4003, "Not authenticated."));
            }
            _ => {
                let _ = tx.send(Outgoing::Close(4001, "Unknown opcode."));
            }
        }
    }

    fn on_identify(
        &mut self,
        conn: u64,
        tx: &mpsc::UnboundedSender<Outgoing>,
        identified: &mut bool,
        d: &Value,
    ) {
        let token = d.get("token").and_then(Value::as_str).unwrap_or("");
        let token_ok = token == TOKEN || token == format!("Bot {TOKEN}");
        let intents = d.get("intents").and_then(Value::as_u64).unwrap_or(0);
        let shard = d.get("shard").and_then(Value::as_array).and_then(|s| {
            let a = u32::try_from(s.first()?.as_u64()?).ok()?;
            let b = u32::try_from(s.get(1)?.as_u64()?).ok()?;
            Some((a, b))
        });
        let mut redacted = d.clone();
        if let Some(o) = redacted.as_object_mut() {
            o.insert("token".into(), json!("<redacted>"));
        }
        self.gateway.identifies.push(Identify {
            intents,
            shard,
            compress: d.get("compress").and_then(Value::as_bool).unwrap_or(false),
            large_threshold: d.get("large_threshold").and_then(Value::as_u64),
            token_ok,
            raw: redacted,
            at: Instant::now(),
        });
        if !token_ok {
            let _ = tx.send(Outgoing::Close(4004, "Authentication failed."));
            return;
        }
        if *identified {
            let _ = tx.send(Outgoing::Close(4005, "Already authenticated."));
            return;
        }
        *identified = true;
        self.gateway.sessions_started += 1;
        let session_id = format!("fake-session-{:04}", self.gateway.sessions_started);
        self.gateway.session = Some(Session {
            id: session_id.clone(),
            seq: 0,
            intents,
            log: Vec::new(),
            away_since: None,
        });
        self.gateway.live = Some(Live {
            conn,
            tx: tx.clone(),
        });
        let ready = json::ready(self, &session_id, &self.gateway_url());
        self.dispatch_in_session("READY", ready);
        let guild = json::guild(self);
        self.dispatch_in_session("GUILD_CREATE", guild);
        for (t, d) in std::mem::take(&mut self.gateway.pending) {
            self.dispatch_in_session(&t, d);
        }
    }

    fn on_resume(
        &mut self,
        conn: u64,
        tx: &mpsc::UnboundedSender<Outgoing>,
        identified: &mut bool,
        d: &Value,
    ) {
        let session_id = d
            .get("session_id")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned();
        let seq = d.get("seq").and_then(Value::as_u64).unwrap_or(0);
        let token = d.get("token").and_then(Value::as_str).unwrap_or("");
        let token_ok = token == TOKEN || token == format!("Bot {TOKEN}");
        if !token_ok {
            self.gateway.resumes.push(ResumeRec {
                session_id,
                seq,
                accepted: false,
            });
            let _ = tx.send(Outgoing::Close(4004, "Authentication failed."));
            return;
        }
        let window = self.gateway.resume_window;
        let expired = self.gateway.session.as_ref().is_some_and(|s| {
            s.away_since
                .zip(window)
                .is_some_and(|(since, w)| since.elapsed() > w)
        });
        let known = self
            .gateway
            .session
            .as_ref()
            .is_some_and(|s| s.id == session_id && seq <= s.seq);
        let invalidate = std::mem::take(&mut self.gateway.invalidate_next_resume) || expired;
        if !known || invalidate {
            self.gateway.resumes.push(ResumeRec {
                session_id,
                seq,
                accepted: false,
            });
            if invalidate {
                // Discord forgets the session: what it had not delivered is
                // lost (the messages stay in the channels' history).
                self.gateway.session = None;
            }
            let frame = json!({"op": 9, "d": false, "s": null, "t": null}).to_string();
            let _ = tx.send(Outgoing::Frame(frame));
            return;
        }
        self.gateway.resumes.push(ResumeRec {
            session_id,
            seq,
            accepted: true,
        });
        *identified = true;
        if let Some(old) = self.gateway.live.take() {
            let _ = old
                .tx
                .send(Outgoing::Close(4000, "Session resumed elsewhere."));
        }
        self.gateway.live = Some(Live {
            conn,
            tx: tx.clone(),
        });
        if let Some(session) = self.gateway.session.as_mut() {
            session.away_since = None;
        }
        if let Some(session) = &self.gateway.session {
            for (s, frame) in &session.log {
                if *s > seq {
                    let _ = tx.send(Outgoing::Frame(frame.clone()));
                }
            }
        }
        self.dispatch_in_session("RESUMED", json!({"_trace": ["[\"fake-discord-gateway\"]"]}));
    }
}

/// Applies the session's intents to a dispatch: `None` when Discord would
/// not send it at all; guild messages lose their content without
/// MESSAGE_CONTENT unless they mention the bot or are the bot's own.
fn filter_for_intents(intents: u64, t: &str, mut d: Value) -> Option<Value> {
    let has = |bit: u64| intents & bit != 0;
    match t {
        "GUILD_CREATE"
        | "GUILD_UPDATE"
        | "CHANNEL_CREATE"
        | "CHANNEL_UPDATE"
        | "CHANNEL_DELETE"
        | "THREAD_CREATE"
        | "THREAD_UPDATE"
        | "THREAD_DELETE"
        | "THREAD_LIST_SYNC"
        | "THREAD_MEMBER_UPDATE" => has(INTENT_GUILDS).then_some(d),
        "MESSAGE_CREATE" | "MESSAGE_UPDATE" | "MESSAGE_DELETE" => {
            let in_guild = d.get("guild_id").is_some_and(|g| !g.is_null());
            let needed = if in_guild {
                INTENT_GUILD_MESSAGES
            } else {
                INTENT_DIRECT_MESSAGES
            };
            if !has(needed) {
                return None;
            }
            let own = d
                .pointer("/author/id")
                .and_then(json::snowflake)
                .is_some_and(|a| a == BOT_ID);
            let mentioned = d
                .get("mentions")
                .and_then(Value::as_array)
                .is_some_and(|m| {
                    m.iter()
                        .any(|u| u.get("id").and_then(json::snowflake) == Some(BOT_ID))
                });
            if in_guild
                && !has(INTENT_MESSAGE_CONTENT)
                && !own
                && !mentioned
                && let Some(o) = d.as_object_mut()
            {
                for (key, empty) in [
                    ("content", json!("")),
                    ("embeds", json!([])),
                    ("attachments", json!([])),
                    ("components", json!([])),
                ] {
                    if o.contains_key(key) {
                        o.insert(key.into(), empty);
                    }
                }
                o.remove("poll");
            }
            Some(d)
        }
        "MESSAGE_REACTION_ADD" | "MESSAGE_REACTION_REMOVE" => {
            has(INTENT_GUILD_MESSAGE_REACTIONS).then_some(d)
        }
        _ => Some(d),
    }
}

/// Serves one websocket connection until either side hangs up.
pub(crate) async fn connection(mut ws: WebSocket, shared: Arc<Shared>, heartbeat: Duration) {
    let (tx, mut rx) = mpsc::unbounded_channel::<Outgoing>();
    let conn = shared.mutate(|st| {
        st.gateway.next_conn += 1;
        st.gateway.connections += 1;
        st.gateway.next_conn
    });
    let interval = u64::try_from(heartbeat.as_millis()).unwrap_or(41_250);
    let hello = json!({"op": 10, "d": {"heartbeat_interval": interval}, "s": null, "t": null});
    if ws
        .send(Message::Text(hello.to_string().into()))
        .await
        .is_err()
    {
        return;
    }
    let mut identified = false;
    loop {
        tokio::select! {
            incoming = ws.recv() => match incoming {
                Some(Ok(Message::Text(text))) => {
                    shared.mutate(|st| st.on_client_frame(conn, &tx, &mut identified, text.as_str()));
                }
                Some(Ok(Message::Binary(_))) => {
                    let _ = tx.send(Outgoing::Close(4002, "Error while decoding payload."));
                }
                Some(Ok(Message::Close(frame))) => {
                    // Discord: closing with 1000 or 1001 ends the session for good;
                    // any other code leaves it resumable.
                    let code = frame.map(|f| f.code);
                    if matches!(code, Some(1000 | 1001)) {
                        shared.mutate(|st| {
                            if st.gateway.live.as_ref().is_some_and(|l| l.conn == conn) {
                                st.gateway.session = None;
                            }
                        });
                    }
                    break;
                }
                Some(Err(_)) | None => break,
                Some(Ok(_)) => {}
            },
            out = rx.recv() => match out {
                Some(Outgoing::Frame(text)) => {
                    if ws.send(Message::Text(text.into())).await.is_err() {
                        break;
                    }
                }
                Some(Outgoing::Close(code, reason)) => {
                    let frame = CloseFrame { code, reason: reason.into() };
                    if ws.send(Message::Close(Some(frame))).await.is_ok() {
                        // Let the client answer the close handshake.
                        let _ = tokio::time::timeout(Duration::from_millis(500), async {
                            while let Some(Ok(_)) = ws.recv().await {}
                        })
                        .await;
                    }
                    break;
                }
                // Dropping the socket ends the TCP connection without a
                // close frame.
                Some(Outgoing::Drop) | None => break,
            },
        }
    }
    shared.mutate(|st| {
        if st.gateway.live.as_ref().is_some_and(|l| l.conn == conn) {
            st.gateway.live = None;
            st.mark_away();
        }
    });
}
