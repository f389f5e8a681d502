//! What the desk puts together in words: durations ("1 day 2 hours"), due times ("within
//! 2 hours", "on Monday morning", an acknowledgement's ETA) and the agents' card. Every
//! word comes from the prompts, in the locale asked for.

use switchboard_domain::{Author, Millis, Priority, TicketId, Timestamp};

use super::Desk;
use super::work::Work;
use crate::calendar::{DayPart, Due};
use crate::store::StoreError;

impl Desk {
    /// A duration in words ("4 hours", "1 day 2 hours"), in `locale`.
    pub fn duration(&self, locale: &str, d: Millis) -> String {
        let mins = (d.0 + 59_999) / 60_000;
        let (days, hours, minutes) = (mins / 1440, (mins % 1440) / 60, mins % 60);
        let mut parts = Vec::new();
        for (n, one, many) in [
            (days, "time.day", "time.days"),
            (hours, "time.hour", "time.hours"),
            (minutes, "time.minute", "time.minutes"),
        ] {
            match n {
                0 => {}
                1 => parts.push(self.text(locale, one, &[])),
                _ => parts.push(self.text(locale, many, &[("n", &n.to_string())])),
            }
        }
        if parts.is_empty() {
            parts.push(self.text(locale, "time.minute", &[]));
        }
        parts.join(&self.text(locale, "time.and", &[]))
    }

    /// When an agent will answer a ticket handed off now with priority `p`, in words: the
    /// first-response target counted in business hours.
    pub(super) fn eta(&self, locale: &str, p: Priority, now: Timestamp) -> String {
        let due = self.calendar.add(now, self.cfg.first_response.get(p));
        self.when(locale, now, due)
    }

    /// A due time in words people read easily ("within 2 hours", "on Monday morning").
    pub fn when(&self, locale: &str, now: Timestamp, due: Timestamp) -> String {
        let part = |p: DayPart| self.text(locale, &format!("time.{}", p.as_str()), &[]);
        // Within half a day, a number of hours reads best, across midnight too.
        let wall = due.0 - now.0;
        let described = if wall <= Millis::hours(12).0 {
            let step = if wall <= Millis::hours(1).0 {
                Millis::mins(5).0
            } else {
                Millis::hours(1).0
            };
            Due::Within(Millis((wall.max(1) + step - 1) / step * step))
        } else {
            self.calendar.describe(now, due)
        };
        match described {
            Due::Within(d) => {
                let d = self.duration(locale, d);
                self.text(locale, "time.within", &[("duration", &d)])
            }
            Due::LaterToday(p) => self.text(locale, "time.today", &[("part", &part(p))]),
            Due::Tomorrow(p) => self.text(locale, "time.tomorrow", &[("part", &part(p))]),
            Due::OnDay(d, p) => {
                let day = self.text(locale, &format!("time.{}", d.as_str()), &[]);
                self.text(locale, "time.weekday", &[("day", &day), ("part", &part(p))])
            }
            Due::OnDate {
                month,
                day,
                part: p,
            } => {
                let month = self.text(locale, &format!("time.month_{month}"), &[]);
                self.text(
                    locale,
                    "time.date",
                    &[
                        ("month", &month),
                        ("day", &day.to_string()),
                        ("part", &part(p)),
                    ],
                )
            }
        }
    }

    /// The agents' card: who, what, the rules that fired, the conversation so far.
    pub(super) fn card(&self, w: &mut Work<'_>, id: TicketId) -> Result<String, StoreError> {
        let Some(t) = w.ticket(id)?.cloned() else {
            return Ok(String::new());
        };
        let customer = w.store.customer(&t.customer)?;
        let none = self.staff("staff.none", &[]);
        let (language, tier, previous) = match &customer {
            Some(c) => (
                c.language.clone().unwrap_or_else(|| t.locale.clone()),
                c.tier.as_ref().map_or(none.clone(), ToString::to_string),
                c.tickets
                    .iter()
                    .filter(|x| **x != id)
                    .rev()
                    .take(self.cfg.card_tickets)
                    .map(ToString::to_string)
                    .collect::<Vec<_>>(),
            ),
            None => (
                t.locale.clone(),
                self.tier_of(&t.customer)
                    .map_or(none.clone(), |x| x.to_string()),
                Vec::new(),
            ),
        };
        let mut lines = vec![
            self.staff(
                "staff.card_title",
                &[
                    ("ticket", &id.to_string()),
                    ("category", t.category.as_str()),
                    ("priority", t.priority.as_str()),
                ],
            ),
            self.staff(
                "staff.card_customer",
                &[
                    ("name", &switchboard_domain::display_name(&t.customer_name)),
                    ("id", &t.customer.to_string()),
                    ("language", &language),
                    ("tier", &tier),
                ],
            ),
            self.staff(
                "staff.card_previous",
                &[(
                    "tickets",
                    &if previous.is_empty() {
                        none.clone()
                    } else {
                        previous.join(", ")
                    },
                )],
            ),
            self.staff(
                "staff.card_rules",
                &[(
                    "rules",
                    &if t.rules.is_empty() {
                        none.clone()
                    } else {
                        t.rules.join(", ")
                    },
                )],
            ),
            self.staff("staff.card_conversation", &[]),
        ];
        let mut messages = w.store.messages(id)?;
        messages.extend(
            w.tx.messages
                .iter()
                .filter(|(m, _)| *m == id)
                .map(|(_, m)| m.clone()),
        );
        let skip = messages.len().saturating_sub(self.cfg.card_messages);
        for m in &messages[skip..] {
            let who = match &m.author {
                Author::Customer(n) | Author::Agent(n) => n.clone(),
                Author::Bot => self.staff("staff.card_bot", &[]),
            };
            let key = if m.internal {
                "staff.card_note"
            } else {
                "staff.card_message"
            };
            lines.push(self.staff(key, &[("who", &who), ("text", &m.text)]));
        }
        Ok(lines.join("\n"))
    }
}
