//! `switchboard demo --seed-history N`: N tickets of realistic synthetic history, played
//! through the real desk and store on a simulated clock over the 30 days before the demo's
//! start, so that `switchboard report` has something to show (and benchmarks have data).
//!
//! The mix: customers open tickets through the day (fewer at night and at weekends) with
//! the same kinds of first messages as real ones (self-service questions, billing,
//! shipping, hacked accounts, Chinese); some say the automatic answer helped, the rest go to
//! two agents who claim, answer after a while, sometimes ask a question and get an answer,
//! and close; customers answer the survey with mostly good scores. Deterministic for a seed.

use std::io::Write;

use anyhow::{Context as _, Result};
use switchboard_desk::{Event, Transition};
use switchboard_domain::rng::Rng;
use switchboard_domain::{
    ChatId, Inbound, Millis, PartyId, Place, Platform, Sender, TicketId, TicketStatus, Timestamp,
    UpdateKey, What,
};

use crate::dates;
use crate::service::Service;

const OPENERS: &[&str] = &[
    "Hi! I forgot my password and can't log in",
    "I was charged twice for my order, please talk to a person",
    "Where is my parcel? It has not moved in three days",
    "I want a refund, the item arrived broken",
    "How do I change the delivery address on my order?",
    "Can I get an invoice for my purchase last month?",
    "My account was hacked, someone changed my email",
    "The app keeps crashing when I open the settings page",
    "我的快递三天没动了，请帮我查一下",
];

struct Player<'a> {
    service: &'a Service,
    n: u64,
}

impl Player<'_> {
    fn send(&mut self, from: Sender, place: Place, what: What, at: Timestamp) -> Result<()> {
        // Timers that fell due before this moment happen first, at their times.
        self.service.run_due(at)?;
        self.n += 1;
        let inb = Inbound {
            key: UpdateKey(format!("history:{}", self.n)),
            at,
            from,
            place,
            what,
        };
        self.service.process(&Event::Inbound(inb), at)?;
        Ok(())
    }
}

fn customer(i: u64) -> (Sender, ChatId) {
    let id = format!("h{i}");
    (
        Sender {
            id: PartyId::new(Platform::Telegram, id.as_str()),
            name: format!("Customer {i}"),
            username: None,
            language: None,
        },
        ChatId::new(Platform::Telegram, id.as_str()),
    )
}

fn agent(k: u64) -> Sender {
    let name = ["alice", "bob"][(k % 2) as usize];
    Sender {
        id: PartyId::new(Platform::Console, name),
        name: name.to_string(),
        username: None,
        language: None,
    }
}

/// Plays `n` tickets ending at `end`; prints a line when done.
pub fn seed(service: &Service, n: u64, end: Timestamp, out: &mut dyn Write) -> Result<()> {
    let mut rng = Rng::new(0x5EED_0000_0000_0001 ^ n);
    let start = dates::days_before(end, 30)?;
    let span = end.since(start).0;
    let step = span / n.max(1) as i64;
    let mut p = Player { service, n: 0 };
    let store = service.store.clone();
    // Conversations until N tickets are open: a returning customer's message within the
    // reopen window reopens their ticket instead of opening one.
    let mut i = 0;
    while store.last_ticket_id()? < n && i < 4 * n {
        i += 1;
        let i = i - 1;
        // Busy by day, quiet at night: shift night openings to the morning.
        // Spread over the month by tickets opened so far.
        let k = store.last_ticket_id()? as i64;
        let mut at = Timestamp(start.0 + k * step + rng.below(step.max(1) as u64) as i64);
        let hour = dates::utc_hour(at)?;
        if hour < 7 {
            at = at.plus(Millis::hours(8 - hour));
        }
        // Four in ten are customers who wrote before (repeat contacts and reopenings).
        let (who, chat) = customer(if i > 0 && rng.below(10) < 4 {
            rng.below(i)
        } else {
            i
        });
        let text = OPENERS[rng.below(OPENERS.len() as u64) as usize];
        p.send(
            who.clone(),
            Place::Customer { chat: chat.clone() },
            What::Text(text.into()),
            at,
        )?;
        let Some(id) = store.latest_ticket(&who.id, &chat)? else {
            continue;
        };
        let ticket = store.ticket(id)?.context("the ticket just opened")?;
        let mut t = at.plus(Millis::mins(1 + rng.below(5) as i64));
        if ticket.status == TicketStatus::SelfService {
            if rng.below(10) < 7 {
                p.send(
                    who.clone(),
                    Place::Customer { chat: chat.clone() },
                    What::Button(format!("yes:{id}")),
                    t,
                )?;
                answer_survey(&mut p, &mut rng, &who, &chat, id, t)?;
                continue;
            }
            p.send(
                who.clone(),
                Place::Customer { chat: chat.clone() },
                What::Button(format!("no:{id}")),
                t,
            )?;
        }
        // An agent takes it after 5 minutes to 2 hours and answers, sometimes asking
        // something first.
        let a = agent(rng.below(2));
        let staff = Place::Staff {
            ticket: Some(id),
            thread: None,
            reply_to: None,
        };
        t = t.plus(Millis::mins(5 + rng.below(115) as i64));
        p.send(a.clone(), staff.clone(), What::Text("/claim".into()), t)?;
        if rng.below(3) == 0 {
            t = t.plus(Millis::mins(2));
            p.send(
                a.clone(),
                staff.clone(),
                What::Text("Could you send me your order number?".into()),
                t,
            )?;
            t = t.plus(Millis::mins(5 + rng.below(600) as i64));
            // Some have run out of patience by then.
            let reply = if rng.below(4) == 0 {
                "It is 55123. This is terrible, I have waited for hours!!!"
            } else {
                "It is 55123"
            };
            p.send(
                who.clone(),
                Place::Customer { chat: chat.clone() },
                What::Text(reply.into()),
                t,
            )?;
        }
        t = t.plus(Millis::mins(1 + rng.below(30) as i64));
        p.send(
            a.clone(),
            staff.clone(),
            What::Text("Thanks for waiting, this is sorted now.".into()),
            t,
        )?;
        t = t.plus(Millis::mins(1 + rng.below(60) as i64));
        p.send(a, staff, What::Text("/close".into()), t)?;
        answer_survey(&mut p, &mut rng, &who, &chat, id, t)?;
    }
    service.run_due(end)?;
    // Half the customers have imported order data, for lifetime values in reports.
    let mut batch = Transition::default();
    for i in (0..n).step_by(2) {
        let (who, _) = customer(i);
        if let Some(mut c) = store.customer(&who.id)? {
            let aov = 20 + rng.below(180);
            let freq = 1 + rng.below(12);
            let retention = 50 + rng.below(45);
            for (k, v) in [
                ("average_order_value", aov.to_string()),
                ("purchase_frequency", freq.to_string()),
                ("retention", format!("{retention}%")),
            ] {
                c.attributes.insert(k.to_string(), v);
            }
            batch.customers.push(c);
        }
        if batch.customers.len() >= 1000 {
            store.commit(&std::mem::take(&mut batch))?;
        }
    }
    store.commit(&batch)?;
    store.flush()?;
    let (first, last) = (dates::utc_date(start)?, dates::utc_date(end)?);
    writeln!(
        out,
        "{n} tickets of history seeded from {first} to {last}; see them with `switchboard report --since {first} --until {} --data DIR`",
        dates::utc_date(dates::days_after(end, 1)?)?,
    )?;
    Ok(())
}

/// Most customers answer the survey (sent 10 minutes after resolution), mostly happily.
fn answer_survey(
    p: &mut Player<'_>,
    rng: &mut Rng,
    who: &Sender,
    chat: &ChatId,
    id: TicketId,
    resolved: Timestamp,
) -> Result<()> {
    if rng.below(10) >= 6 {
        return Ok(());
    }
    let score: u64 = [5, 5, 5, 4, 4, 4, 3, 2, 1][rng.below(9) as usize];
    let at = resolved.plus(Millis::mins(11 + rng.below(120) as i64));
    p.send(
        who.clone(),
        Place::Customer { chat: chat.clone() },
        What::Button(format!("csat:{id}:{score}")),
        at,
    )?;
    // When the desk asks NPS too, most answer it, in line with their CSAT.
    if rng.below(10) < 8 {
        let nps = (score * 2).saturating_sub(rng.below(3)).min(10);
        p.send(
            who.clone(),
            Place::Customer { chat: chat.clone() },
            What::Button(format!("nps:{id}:{nps}")),
            at.plus(Millis::mins(1)),
        )?;
    }
    Ok(())
}
