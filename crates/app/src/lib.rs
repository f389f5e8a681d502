//! The `switchboard` binary's library: everything between the command line and the crates
//! that do the work.
//!
//! Parts:
//! - [`admin`]: the running service's admin endpoint (health, reads for `tickets`).
//! - [`cli`]: the command line (clap).
//! - [`clock`]: the real clock.
//! - [`config`]: configuration in two phases (raw serde structs, then validated
//!   [`config::Settings`]); the embedded defaults.
//! - [`prompts`]: every user-facing sentence by key and locale, with fallback to `en`.
//! - [`cmd`]: each subcommand in its module (`check`, `rules test`, `rules backtest`,
//!   `demo`, `tickets`, `customers`, `report`, `run`), what `main.rs` dispatches to.
//! - [`reload`]: watching the rules file and swapping in valid changes.
//! - [`service`]: one event through the desk and the store.
//! - [`console`]: the console's lines and transcript, and the demo's player: script lines
//!   in, transcript out; [`console_channel`]: the console as a channel of the running
//!   service, like Telegram and Discord.
//! - [`runtime`]: `switchboard run`: which channels, the real clock, Ctrl-C and SIGTERM.
//! - [`serve`]: the one runtime of the service, whatever its channels: one host for the
//!   desk, one dispatcher routing the outbox to each message's channel, due jobs, admin,
//!   reloading.
//! - [`telegram`], [`discord`]: starting each channel.
//! - [`dispatch`]: the outbox dispatcher: per-chat workers, retries, at least once.
//! - [`demo`]: `switchboard demo [--script]` on a simulated clock.
//! - [`history`]: `switchboard demo --seed-history N`: synthetic history for reports.
//! - [`logging`]: the `SWITCHBOARD_LOG` filter, with sled capped at `info` (its debug logs
//!   deadlock the store).
//! - [`tickets`]: `switchboard tickets list|show`.
//! - [`report`]: `switchboard report`: volume, speed, SLA, satisfaction, agents, rules and
//!   customers over a period, as a table, JSON, CSV or a page with charts; churn-risk
//!   scores and lifetime value ([`report::risk`]).
//! - [`customers`]: `switchboard customers import|block|unblock|show`.
//! - [`dates`]: calendar-date arithmetic in UTC (jiff).
//!
//! `main.rs` only parses arguments, sets up logging and dispatches to [`cmd`].

#![warn(missing_docs)]

/// The allocator of the binary, its tests and benchmarks: mimalloc. The desk and sled
/// allocate many small, short-lived buffers per message; with glibc's allocator a quarter
/// of the instructions per message were malloc and free (callgrind, `cargo bench --bench
/// desk`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

pub mod admin;
pub mod cli;
pub mod clock;
pub mod cmd;
pub mod config;
pub mod console;
pub mod console_channel;
pub mod customers;
pub mod dates;
pub mod demo;
pub mod discord;
pub mod dispatch;
pub mod history;
pub mod logging;
pub mod prompts;
pub mod reload;
pub mod report;
pub mod runtime;
pub mod serve;
pub mod service;
pub mod telegram;
pub mod tickets;
