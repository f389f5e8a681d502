//! The gateway's part of the fake's state: connections, the session and its log of
//! dispatches, and the record of what the client did (identifies, resumes, heartbeats).
//! Kept apart from `gateway` (the protocol) so that `state` holds it without importing
//! the protocol.

use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::sync::mpsc;

use super::types::Identify;

/// What a connection task is told to do.
#[derive(Debug)]
pub(crate) enum Outgoing {
    /// Send this text frame.
    Frame(String),
    /// Send a close frame with this code and reason, then hang up.
    Close(u16, &'static str),
    /// Hang up without a close frame (the TCP connection just ends).
    Drop,
}

/// The connection that currently carries the session.
#[derive(Debug)]
pub(crate) struct Live {
    pub conn: u64,
    pub tx: mpsc::UnboundedSender<Outgoing>,
}

/// The current session.
#[derive(Debug)]
pub(crate) struct Session {
    pub id: String,
    pub seq: u64,
    pub intents: u64,
    /// Every dispatch of this session as sent: `(seq, frame text)`.
    pub log: Vec<(u64, String)>,
    /// Since when no connection carries it (a RESUME after the resume window is refused).
    pub away_since: Option<Instant>,
}

/// A RESUME the client sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ResumeRec {
    pub session_id: String,
    pub seq: u64,
    pub accepted: bool,
}

/// The gateway part of the state.
#[derive(Debug, Default)]
pub(crate) struct Gateway {
    pub next_conn: u64,
    pub connections: usize,
    pub live: Option<Live>,
    pub session: Option<Session>,
    pub sessions_started: u64,
    /// Dispatches made before the first session, delivered after its READY.
    pub pending: Vec<(String, Value)>,
    pub invalidate_next_resume: bool,
    /// How long a session without a connection stays resumable (`None`: for ever).
    pub resume_window: Option<Duration>,
    /// Dispatches dropped because no session existed (after one was invalidated).
    pub dropped: Vec<String>,
    pub identifies: Vec<Identify>,
    pub resumes: Vec<ResumeRec>,
    pub heartbeats: usize,
    /// Names of the events withheld because the session lacked the intent.
    pub withheld: Vec<String>,
    /// Close codes the fake sent (and `None` for dropped connections).
    pub hangups: Vec<Option<u16>>,
    /// The query string of every websocket connection (`v=10`, ...).
    pub queries: Vec<String>,
}
