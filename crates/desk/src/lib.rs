//! Switchboard's support workflow, independent of any chat platform and any database.
//!
//! Parts:
//! - [`store`]: the [`Store`] trait the desk reads through, the [`Transition`] it returns,
//!   timers ([`Job`]) and the in-memory [`MemoryStore`].
//! - [`prompts`]: every user-facing sentence by key and locale, validated, with fallback.
//! - `contract` (feature `contract`): the test suite every `Store` must pass.
//!
//! The desk is deterministic: the same stored state, event and `now` give the same
//! [`Transition`]. It reads no clock and does no I/O (DESIGN.md, "The way of one message").

#![warn(missing_docs)]

#[cfg(feature = "contract")]
pub mod contract;
pub mod prompts;
pub mod store;

pub use store::{
    Committed, Job, JobId, JobKind, MemoryStore, OutboxId, Store, StoreError, Transition,
};
