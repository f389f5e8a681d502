//! The SLA clocks, in business time: first response (from the handoff to the first agent
//! message) and resolution (paused while the ticket waits on the customer). Each ticket
//! has one pending check job at the earliest warning or breach ahead (older ones are made
//! stale by a generation number); each warning and breach happens once.

use switchboard_domain::{
    Destination, EventKind, Millis, Sla, Ticket, TicketId, TicketStatus, Timestamp,
};

use super::Desk;
use super::wire::Clock;
use super::work::Work;
use crate::store::{Job, JobKind, StoreError};

impl Desk {
    /// Starts the clocks at the first handoff, with the targets in force now; a ticket
    /// handed off again (reopened) gets its resolution clock running again.
    pub(super) fn sla_start(&self, w: &mut Work<'_>, id: TicketId) -> Result<(), StoreError> {
        if !self.cfg.sla.enabled {
            return Ok(());
        }
        let now = w.now;
        let Some(t) = w.ticket(id)? else {
            return Ok(());
        };
        match t.sla.as_mut() {
            Some(s) => {
                if s.running_since.is_none() {
                    s.running_since = Some(now);
                }
            }
            None => {
                t.sla = Some(Sla {
                    first_response_target: self.cfg.first_response.get(t.priority),
                    resolution_target: self.cfg.sla.resolution.get(t.priority),
                    started_at: now,
                    spent: Millis(0),
                    running_since: Some(now),
                    warned: Vec::new(),
                    breached: Vec::new(),
                    last_agent_at: None,
                    generation: 0,
                    first_response_settled: false,
                });
            }
        }
        self.sla_schedule(w, id)
    }

    /// Stops the resolution clock (waiting on the customer, or resolved) and reschedules.
    pub(super) fn sla_pause(&self, w: &mut Work<'_>, id: TicketId) -> Result<(), StoreError> {
        let now = w.now;
        let Some(t) = w.ticket(id)? else {
            return Ok(());
        };
        let Some(s) = t.sla.as_mut() else {
            return Ok(());
        };
        if let Some(since) = s.running_since.take() {
            s.spent = Millis(s.spent.0 + self.calendar.between(since, now).0);
        }
        self.sla_schedule(w, id)
    }

    /// Runs the resolution clock again (the customer answered).
    pub(super) fn sla_resume(&self, w: &mut Work<'_>, id: TicketId) -> Result<(), StoreError> {
        let now = w.now;
        let Some(t) = w.ticket(id)? else {
            return Ok(());
        };
        match t.sla.as_mut() {
            Some(s) if s.running_since.is_none() && t.status.is_open() => {
                s.running_since = Some(now);
            }
            _ => return Ok(()),
        }
        self.sla_schedule(w, id)
    }

    /// The business time at which a clock with `target` warns (the same integer in the
    /// schedule and in the check, so a check never finds itself early).
    fn warn_at(&self, target: Millis) -> i64 {
        target.0 / 100 * i64::from(self.cfg.sla.warn_percent.min(100))
            + target.0 % 100 * i64::from(self.cfg.sla.warn_percent.min(100)) / 100
    }

    /// Schedules the next check at the earliest warning or breach still ahead; every
    /// earlier check job becomes stale (generation).
    pub(super) fn sla_schedule(&self, w: &mut Work<'_>, id: TicketId) -> Result<(), StoreError> {
        let now = w.now;
        let Some(t) = w.ticket(id)? else {
            return Ok(());
        };
        let (open, answered) = (t.status.is_open(), t.first_response_at.is_some());
        let Some(s) = t.sla.as_mut() else {
            return Ok(());
        };
        let answered = answered || s.first_response_settled;
        s.generation += 1;
        let generation = s.generation;
        let mut next: Option<Timestamp> = None;
        let mut consider = |at: Timestamp| next = Some(next.map_or(at, |n: Timestamp| n.min(at)));
        if open && !answered {
            let target = s.first_response_target.0;
            if !Clock::FirstResponse.is_in(&s.warned) {
                consider(
                    self.calendar
                        .add(s.started_at, Millis(self.warn_at(Millis(target)))),
                );
            }
            if !Clock::FirstResponse.is_in(&s.breached) {
                consider(self.calendar.add(s.started_at, Millis(target)));
            }
        }
        if open && let Some(since) = s.running_since {
            let target = s.resolution_target.0;
            if !Clock::Resolution.is_in(&s.warned) {
                let left = (self.warn_at(Millis(target)) - s.spent.0).max(0);
                consider(self.calendar.add(since, Millis(left)));
            }
            if !Clock::Resolution.is_in(&s.breached) {
                consider(
                    self.calendar
                        .add(since, Millis((target - s.spent.0).max(0))),
                );
            }
        }
        w.touch(id);
        if let Some(at) = next {
            w.tx.jobs.push(Job {
                due: Timestamp(at.0.max(now.0)),
                kind: JobKind::SlaCheck {
                    ticket: id,
                    generation,
                },
            });
        }
        Ok(())
    }

    /// The next SLA due time of an open ticket: its first response while unanswered, else
    /// its resolution while the clock runs.
    pub(super) fn sla_due(&self, t: &Ticket) -> Option<Timestamp> {
        let s = t.sla.as_ref()?;
        if !t.status.is_open() {
            return None;
        }
        if t.first_response_at.is_none() && !s.first_response_settled {
            return Some(self.calendar.add(s.started_at, s.first_response_target));
        }
        let since = s.running_since?;
        Some(
            self.calendar
                .add(since, Millis((s.resolution_target.0 - s.spent.0).max(0))),
        )
    }

    /// A check fell due: warn in the thread, or on a breach alert the staff space, raise
    /// the priority, record it, and release a ticket whose agent has gone silent. Each
    /// warning and breach happens once.
    pub(super) fn sla_check(
        &self,
        w: &mut Work<'_>,
        id: TicketId,
        generation: u32,
    ) -> Result<(), StoreError> {
        let now = w.now;
        let Some(t) = w.ticket(id)?.cloned() else {
            return Ok(());
        };
        let Some(s) = t.sla.clone() else {
            return Ok(());
        };
        if s.generation != generation || !t.status.is_open() {
            return Ok(());
        }
        let pct = i64::from(self.cfg.sla.warn_percent.min(100));
        // (clock, used, target, due)
        let mut clocks = Vec::new();
        if t.first_response_at.is_none() && !s.first_response_settled {
            let used = self.calendar.between(s.started_at, now);
            let due = self.calendar.add(s.started_at, s.first_response_target);
            clocks.push((Clock::FirstResponse, used, s.first_response_target, due));
        }
        if let Some(since) = s.running_since {
            let used = Millis(s.spent.0 + self.calendar.between(since, now).0);
            let due = self
                .calendar
                .add(since, Millis((s.resolution_target.0 - s.spent.0).max(0)));
            clocks.push((Clock::Resolution, used, s.resolution_target, due));
        }
        let staff = self.cfg.staff_locale.clone();
        for (clock, used, target, due) in clocks {
            let clock_name = self.staff(clock.prompt(), &[]);
            if used.0 >= target.0 && !clock.is_in(&s.breached) {
                self.sla_breach(w, id, clock, &clock_name, target)?;
            } else if used.0 >= self.warn_at(target) && !clock.is_in(&s.warned) {
                if let Some(sl) = w.ticket(id)?.and_then(|t| t.sla.as_mut()) {
                    sl.warned.push(clock.as_str().to_string());
                }
                w.event(id, EventKind::SlaWarning, None, clock.as_str().to_string());
                let due = self.when(&staff, now, due);
                self.tell(
                    w,
                    Some(id),
                    "staff.sla_warning",
                    &[
                        ("ticket", &id.to_string()),
                        ("percent", &pct.to_string()),
                        ("clock", &clock_name),
                        ("due", &due),
                    ],
                );
            }
        }
        self.sla_schedule(w, id)
    }

    /// A clock passed its target: the staff space is alerted, the priority raised, and a
    /// ticket whose agent has been silent too long goes back to the queue.
    fn sla_breach(
        &self,
        w: &mut Work<'_>,
        id: TicketId,
        clock: Clock,
        clock_name: &str,
        target: Millis,
    ) -> Result<(), StoreError> {
        let now = w.now;
        let silent_after = self.cfg.sla.silent_release;
        let Some(t) = w.ticket(id)? else {
            return Ok(());
        };
        let raised = t.priority.raised();
        let from = t.priority;
        t.priority = raised;
        let (status, owner) = (t.status, t.assignee.clone());
        let Some(s) = t.sla.as_mut() else {
            return Ok(());
        };
        s.breached.push(clock.as_str().to_string());
        if !clock.is_in(&s.warned) {
            s.warned.push(clock.as_str().to_string());
        }
        let silent_since = s.last_agent_at.unwrap_or(s.started_at);
        w.event(id, EventKind::SlaBreached, None, clock.as_str().to_string());
        if raised != from {
            w.event(
                id,
                EventKind::Priority,
                None,
                format!("{from} -> {raised} (SLA)"),
            );
        }
        let target = self.duration(&self.cfg.staff_locale, target);
        let alert = self.staff(
            "staff.sla_breach",
            &[
                ("mention", self.cfg.sla.breach_mention.as_str()),
                ("ticket", &id.to_string()),
                ("clock", clock_name),
                ("target", &target),
                ("priority", raised.as_str()),
            ],
        );
        w.send(
            Destination::StaffSpace,
            alert.trim().to_string(),
            vec![],
            Some(id),
        );
        if let (TicketStatus::Claimed, Some(agent)) = (status, owner)
            && silent_after.0 > 0
            && now.since(silent_since).0 >= silent_after.0
        {
            if let Some(t) = w.ticket(id)? {
                t.status = TicketStatus::Queued;
                t.assignee = None;
            }
            w.event(
                id,
                EventKind::Released,
                None,
                "SLA: the agent was silent".into(),
            );
            let silence = self.duration(&self.cfg.staff_locale, now.since(silent_since));
            self.tell(
                w,
                Some(id),
                "staff.sla_released",
                &[
                    ("ticket", &id.to_string()),
                    ("agent", &agent.name),
                    ("silence", &silence),
                ],
            );
            self.auto_assign(w, id, Some(&agent.id))?;
        }
        Ok(())
    }
}
