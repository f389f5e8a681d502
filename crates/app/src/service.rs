//! One event through the desk and the store: the step every channel shares.
//!
//! [`Service::process`] asks the desk for the transition of an event (with the rules in
//! force) and commits it; a version conflict (another writer changed the ticket in between)
//! is retried on fresh state. Durability is the caller's: it flushes (or waits for a group
//! flush) before it acknowledges the update or delivers what the outbox holds.

use std::sync::Arc;

use anyhow::{Context as _, Result, bail};
use arc_swap::ArcSwap;
use switchboard_desk::{Committed, Desk, Event, Store, StoreError};
use switchboard_domain::Timestamp;

use crate::config::Settings;
use crate::reload::LiveRules;

/// How often a conflicting commit is retried before the event is reported as failed.
const CONFLICT_RETRIES: usize = 8;

/// The desk, the rules in force and the store, together.
#[derive(Clone)]
pub struct Service {
    /// The workflow.
    pub desk: Arc<Desk>,
    /// The rules in force (swapped on reload).
    pub rules: LiveRules,
    /// Where everything is kept.
    pub store: Arc<dyn Store>,
}

impl Service {
    /// The service over `store` from validated settings: the desk with its config, locale
    /// and prompts, and the rules in force. Every runner (the service, the demo, the
    /// benchmarks) builds it here.
    pub fn from_settings(settings: &Settings, store: Arc<dyn Store>) -> Service {
        Service {
            desk: Arc::new(Desk::new(
                settings.config.desk.clone(),
                settings.config.general.default_locale.clone(),
                settings.prompts.clone(),
            )),
            rules: Arc::new(ArcSwap::new(settings.engine.clone())),
            store,
        }
    }

    /// Handles one event at `now` and commits its transition (not yet durable).
    pub fn process(&self, ev: &Event, now: Timestamp) -> Result<Committed> {
        for _ in 0..CONFLICT_RETRIES {
            let rules = self.rules.load();
            let t = self
                .desk
                .handle(self.store.as_ref(), &rules, ev, now)
                .context("reading the store")?;
            if t.is_empty() {
                return Ok(Committed::default());
            }
            match self.store.commit(&t) {
                Ok(c) => return Ok(c),
                Err(StoreError::Conflict { ticket, .. }) => {
                    tracing::debug!(%ticket, "version conflict; handling the event again");
                }
                Err(StoreError::RosterConflict { .. }) => {
                    tracing::debug!("roster conflict; handling the event again");
                }
                Err(e) => return Err(e).context("writing the store"),
            }
        }
        bail!("the event kept conflicting with other writers after {CONFLICT_RETRIES} tries")
    }

    /// Handles every job due at `now`, earliest first, each at its due time (so that a
    /// simulated clock that jumps, or a scheduler that ran late, sees the same thing as one
    /// that woke on time; a job may set another that falls due before `now`, which runs in
    /// turn). Returns how many ran.
    pub fn run_due(&self, now: Timestamp) -> Result<usize> {
        let mut n = 0;
        loop {
            let (ran, _) = self.run_due_some(now, 64)?;
            if ran == 0 {
                return Ok(n);
            }
            n += ran;
        }
    }

    /// Handles at most `limit` of the jobs due at `now`, earliest first, as [`run_due`]
    /// does; says how many ran and whether more may be due. The service's ticker takes
    /// due jobs this way, a round at a time, so that a backlog of them (every timer of a
    /// large store after a long stop) never holds up intake.
    ///
    /// [`run_due`]: Service::run_due
    pub fn run_due_some(&self, now: Timestamp, limit: usize) -> Result<(usize, bool)> {
        let due = self
            .store
            .due_jobs(now, limit)
            .context("reading due jobs")?;
        let n = due.len();
        for (id, job) in due {
            let at = Timestamp(job.due.0.min(now.0));
            self.process(&Event::Due { id, job }, at)?;
        }
        Ok((n, n == limit && n > 0))
    }
}
