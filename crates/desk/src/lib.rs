//! Switchboard's support workflow, independent of any chat platform and any database.
//!
//! Parts:
//! - [`store`]: the [`Store`] trait the desk reads through, the [`Transition`] it returns,
//!   timers ([`Job`]) and the in-memory [`MemoryStore`].
//! - [`config`]: the `[desk]` settings ([`DeskConfig`]).
//! - [`desk`]: the workflow, [`Desk::handle`]: `(state, event, now) -> Transition`, a module
//!   per concern (customers, handoff, staff commands, assignment, SLA, surveys, words).
//! - [`prompts`]: every user-facing sentence by key and locale, validated, with fallback.
//! - `contract` (feature `contract`): the test suite every `Store` must pass.
//!
//! The desk is deterministic: the same stored state, event and `now` give the same
//! [`Transition`]. It reads no clock and does no I/O (ARCHITECTURE.md, "How a message flows").

#![warn(missing_docs)]

/// Business hours for SLA clocks: open time, due times, and due times in words.
pub mod calendar;
pub mod config;
#[cfg(feature = "contract")]
pub mod contract;
pub mod desk;
pub mod prompts;
pub mod store;

pub use config::{AgentConfig, AssignMode, AssignmentConfig, DeskConfig, SlaConfig, SurveyConfig};
pub use desk::{Desk, Event};
pub use store::{
    Committed, DeadLetter, Job, JobId, JobKind, Lane, MemoryStore, OutboxId, Roster, Store,
    StoreError, Transition,
};
