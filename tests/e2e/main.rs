//! End-to-end tests of the whole program: the real `switchboard` binary and its runtime.
//!
//! - `cli`: the admin commands (`check`, `rules test`, `rules backtest`, `demo`) run as a
//!   process, asserting on exit status and output; every shipped config file validates.
//! - `discord`: the Discord channel (the service runtime with the real serenity client)
//!   against the fake Discord of crates/testkit, and a mixed set-up with the fake Telegram.
//! - `crash`: `switchboard run` killed with SIGKILL under load and restarted; nothing
//!   acknowledged is lost or doubled.
//! - `discord_crash`: the same on Discord (the binary against the fake Discord, 20 kills
//!   during 400 DMs), and a gateway session invalidated while known customers write.
//! - `lifecycle`: whole conversations through `demo --script` (real desk, real sled store).
//! - `race`: two agents claim at the same moment, on threads, through the real store.
//! - `reload`: the rules watcher and the console channel, in process, against files in a
//!   temporary directory.
//! - `self_service`: a customer who writes again after an automatic answer reaches the
//!   staff group at once, through the fake Telegram.
//! - `suggest`: `rules suggest` on a small labelled CSV: the table, the JSON, the errors.
//! - `signals`: `switchboard run` stops cleanly on SIGTERM and Ctrl-C with its standard
//!   input still open.
//! - `telegram`: the Telegram channel (the service runtime with the real teloxide client)
//!   against the fake Bot API server of crates/testkit.
//!
//! Nothing here needs the internet or a token.

mod cli;
mod crash;
mod discord;
mod discord_crash;
mod lifecycle;
mod race;
mod reload;
mod rng;
mod self_service;
mod signals;
mod suggest;
mod telegram;
