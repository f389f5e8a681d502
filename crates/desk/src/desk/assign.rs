//! Assignment and presence: automatic assignment (round robin or least loaded, within
//! skills and capacity, skipping agents who are away), the queue refilling an agent who has
//! room again, and `/away` / `/back`. With `mode = "claim"` agents pick tickets themselves.

use std::collections::{BTreeMap, HashMap};

use switchboard_domain::{Agent, EventKind, PartyId, Platform, Ticket, TicketId, TicketStatus};

use super::Desk;
use super::work::Work;
use crate::config::AssignMode;
use crate::store::{Roster, StoreError};

impl Desk {
    /// The agents configured for automatic assignment, in config order: (party key, agent,
    /// skills, capacity).
    fn roster_agents(&self) -> Vec<(String, Agent, &[String], usize)> {
        let a = &self.cfg.assignment;
        a.agents
            .iter()
            .filter_map(|(key, c)| {
                let (platform, id) = key.split_once(':')?;
                let platform = platform.parse::<Platform>().ok()?;
                let agent = Agent {
                    id: PartyId::new(platform, id),
                    name: c.name.clone(),
                };
                let cap = c.capacity.unwrap_or(a.default_capacity) as usize;
                Some((key.clone(), agent, c.skills.as_slice(), cap))
            })
            .collect()
    }

    /// Open tickets per agent, as this event leaves them.
    fn loads(&self, w: &mut Work<'_>) -> Result<HashMap<PartyId, usize>, StoreError> {
        let mut holder: BTreeMap<TicketId, PartyId> = BTreeMap::new();
        for t in w.store.tickets(Some(TicketStatus::Claimed))? {
            if let Some(a) = t.assignee {
                holder.insert(t.id, a.id);
            }
        }
        for (id, t) in &w.tickets {
            match (&t.status, &t.assignee) {
                (TicketStatus::Claimed, Some(a)) => {
                    holder.insert(*id, a.id.clone());
                }
                _ => {
                    holder.remove(id);
                }
            }
        }
        let mut loads = HashMap::new();
        for who in holder.into_values() {
            *loads.entry(who).or_insert(0) += 1;
        }
        Ok(loads)
    }

    /// The roster this event writes (read once, version bumped).
    fn roster_mut<'w>(&self, w: &'w mut Work<'_>) -> Result<&'w mut Roster, StoreError> {
        if w.tx.roster.is_none() {
            let mut r = w.store.roster()?;
            r.version += 1;
            w.tx.roster = Some(r);
        }
        // Set just above when it was missing.
        Ok(w.tx.roster.get_or_insert_with(Roster::default))
    }

    /// The roster as this event leaves it so far.
    fn roster_now(&self, w: &Work<'_>) -> Result<Roster, StoreError> {
        match &w.tx.roster {
            Some(r) => Ok(r.clone()),
            None => w.store.roster(),
        }
    }

    /// Gives a queued ticket to an available agent (round robin or least loaded); `except`
    /// is left out (the agent who just released it). Returns whether it was assigned.
    pub(super) fn auto_assign(
        &self,
        w: &mut Work<'_>,
        id: TicketId,
        except: Option<&PartyId>,
    ) -> Result<bool, StoreError> {
        let mode = self.cfg.assignment.mode;
        if mode == AssignMode::Claim {
            return Ok(false);
        }
        let Some(t) = w.ticket(id)?.cloned() else {
            return Ok(false);
        };
        if t.status != TicketStatus::Queued {
            return Ok(false);
        }
        let loads = self.loads(w)?;
        let roster = self.roster_now(w)?;
        let pick = self
            .roster_agents()
            .into_iter()
            .enumerate()
            .filter(|(_, (key, agent, skills, cap))| {
                !roster.away.contains(key)
                    && except != Some(&agent.id)
                    && (skills.is_empty() || skills.iter().any(|s| s == t.category.as_str()))
                    && loads.get(&agent.id).copied().unwrap_or(0) < *cap
            })
            .min_by_key(|(i, (key, agent, _, _))| {
                let given = roster.assigned.get(key).copied().unwrap_or(0);
                let load = loads.get(&agent.id).copied().unwrap_or(0) as u64;
                match mode {
                    AssignMode::LeastLoaded => (load, given, *i),
                    _ => (given, load, *i),
                }
            });
        let Some((_, (key, agent, _, _))) = pick else {
            return Ok(false);
        };
        self.assign(w, id, &key, &agent, mode)?;
        Ok(true)
    }

    /// Gives a queued ticket to `agent` (counted in the roster) and tells the thread.
    fn assign(
        &self,
        w: &mut Work<'_>,
        id: TicketId,
        key: &str,
        agent: &Agent,
        mode: AssignMode,
    ) -> Result<(), StoreError> {
        let now = w.now;
        let Some(t) = w.ticket(id)? else {
            return Ok(());
        };
        t.status = TicketStatus::Claimed;
        t.assignee = Some(agent.clone());
        if let Some(s) = t.sla.as_mut() {
            // Silence is counted from when the agent got the ticket.
            s.last_agent_at = Some(now);
        }
        // The audit trail keeps its English words (data, read by tools); people read the
        // mode in the staff space's language.
        let (word, how) = match mode {
            AssignMode::RoundRobin => ("round robin", "staff.mode_round_robin"),
            AssignMode::LeastLoaded => ("least loaded", "staff.mode_least_loaded"),
            AssignMode::Claim => ("claim", "staff.mode_claim"),
        };
        let how = self.staff(how, &[]);
        w.event(
            id,
            EventKind::Assigned,
            None,
            format!("{} ({word})", agent.name),
        );
        *self
            .roster_mut(w)?
            .assigned
            .entry(key.to_string())
            .or_insert(0) += 1;
        self.tell(
            w,
            Some(id),
            "staff.assigned",
            &[
                ("ticket", &id.to_string()),
                ("agent", &agent.name),
                ("mode", &how),
            ],
        );
        Ok(())
    }

    /// An agent has room again: the waiting tickets first in the queue (priority, then
    /// waiting time) that they can take go to them, up to their capacity.
    pub(super) fn fill(&self, w: &mut Work<'_>, who: &Agent) -> Result<(), StoreError> {
        let mode = self.cfg.assignment.mode;
        if mode == AssignMode::Claim {
            return Ok(());
        }
        let Some((key, agent, skills, cap)) = self
            .roster_agents()
            .into_iter()
            .find(|(_, a, _, _)| a.id == who.id)
        else {
            return Ok(());
        };
        if self.roster_now(w)?.away.contains(&key) {
            return Ok(());
        }
        let mut waiting: BTreeMap<TicketId, Ticket> = w
            .store
            .tickets(Some(TicketStatus::Queued))?
            .into_iter()
            .map(|t| (t.id, t))
            .collect();
        for (id, t) in &w.tickets {
            if t.status == TicketStatus::Queued {
                waiting.insert(*id, t.clone());
            } else {
                waiting.remove(id);
            }
        }
        let mut queue: Vec<Ticket> = waiting
            .into_values()
            .filter(|t| skills.is_empty() || skills.iter().any(|s| s == t.category.as_str()))
            .collect();
        queue.sort_by(|a, b| {
            b.priority
                .cmp(&a.priority)
                .then(a.handed_off_at.cmp(&b.handed_off_at))
                .then(a.id.cmp(&b.id))
        });
        for t in queue {
            if self.loads(w)?.get(&agent.id).copied().unwrap_or(0) >= cap {
                break;
            }
            self.assign(w, t.id, &key, &agent, mode)?;
        }
        Ok(())
    }

    /// `/away` and `/back`.
    pub(super) fn presence(
        &self,
        w: &mut Work<'_>,
        agent: &Agent,
        away: bool,
        here: Option<TicketId>,
    ) -> Result<(), StoreError> {
        let key = agent.id.to_string();
        let r = self.roster_mut(w)?;
        if away {
            r.away.insert(key);
        } else {
            r.away.remove(&key);
        }
        let reply = self.staff(
            if away { "staff.away" } else { "staff.back" },
            &[("agent", &agent.name)],
        );
        self.staff_reply(w, here, reply);
        if !away {
            self.fill(w, agent)?;
        }
        Ok(())
    }
}
