//! End-to-end tests of the whole program: the real `switchboard` binary and its runtime.
//!
//! - `backlog`: a new customer is answered while 20,000 old messages wait; dead letters
//!   listed and retried through the running service.
//! - `cli`: the admin commands (`check`, `rules test`, `rules backtest`, `demo`) run as a
//!   process, asserting on exit status and output; every shipped config file validates.
//! - `digest`: 40 handoffs at once reach a rate-limited Telegram staff group in a few
//!   digests, each ticket with a working Claim button.
//! - `discord`: the Discord channel (the service runtime with the real serenity client)
//!   against the fake Discord of crates/testkit, and a mixed set-up with the fake Telegram.
//! - `discord_limits`: Discord's rate limits against the fake: a 429's own wait, a global
//!   pause for every route, an empty bucket holding its route only.
//! - `crash`: `switchboard run` killed with SIGKILL under load and restarted; nothing
//!   acknowledged is lost or doubled.
//! - `full_disk`: a real write fault (the file size limit of `switchboard run` lowered,
//!   then lifted): unhealthy meanwhile, nothing acknowledged, then recovered without a
//!   restart, everyone answered, nothing lost.
//! - `invalid_update`: Telegram updates that cannot be read are skipped, counted once and
//!   acknowledged, in long polling and webhook mode; the updates after them are answered.
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
//! - `telegram_crash`: `switchboard run` killed 20 times during 1,000 Telegram messages;
//!   lost, doubled, unacknowledged and duplicate deliveries counted.
//!
//! Nothing here needs the internet or a token.

mod backlog;
mod cli;
mod crash;
mod digest;
mod discord;
mod discord_crash;
mod discord_limits;
mod full_disk;
mod invalid_update;
mod lifecycle;
mod race;
mod reload;
mod rng;
mod self_service;
mod signals;
mod suggest;
mod telegram;
mod telegram_crash;
