//! The claim race with real threads: agents press Claim at the same moment (a barrier
//! releases them), through the real Service and sled store, many times. Exactly one wins;
//! every other one is told who has the ticket.
//!
//! The rounds differ, from a seeded generator (`RACE_SEED` replays a failure): how many
//! agents race (2 to 4), which ones and in what order they start, a small delay after the
//! barrier for some of them, and the ticket's state when they press (new and queued, queued
//! again after another agent released it, or answered by the bot and in self-service).

use std::sync::{Arc, Barrier};
use std::time::Duration;

use switchboard::config::Settings;
use switchboard_desk::{Event, Store};
use switchboard_domain::{
    ChatId, Destination, Inbound, PartyId, Place, Platform, Sender, TicketId, TicketStatus,
    Timestamp, UpdateKey, What,
};
use switchboard_store::SledStore;

use crate::rng;

fn inbound(key: String, who: &str, place: Place, what: What) -> Event {
    Event::Inbound(Inbound {
        key: UpdateKey(key),
        at: Timestamp(1_767_600_000_000),
        from: Sender {
            id: PartyId::new(Platform::Console, who),
            name: who.into(),
            username: None,
            language: None,
        },
        place,
        what,
    })
}

fn staff(ticket: TicketId) -> Place {
    Place::Staff {
        ticket: Some(ticket),
        thread: None,
        reply_to: None,
    }
}

/// The ticket's state when the agents press Claim.
#[derive(Debug, Clone, Copy)]
enum Before {
    /// Just opened and queued.
    New,
    /// Claimed by another agent, who released it: queued again.
    Released,
    /// Answered by the bot (a refund question): in self-service.
    SelfService,
}

#[test]
fn agents_press_claim_at_once_and_exactly_one_wins() {
    let (mut rng, seed) = rng::from_env("RACE_SEED");
    let settings = Settings::load(None, None).unwrap();
    let store = Arc::new(SledStore::temporary().unwrap());
    let service = switchboard::service::Service::from_settings(&settings, store.clone());
    let now = Timestamp(1_767_600_000_000);
    let process = |ev: &Event| service.process(ev, now).unwrap();
    let ack_all = || {
        for (id, _) in store.outbox(100).unwrap() {
            store.ack_outbox(id).unwrap();
        }
    };
    // 80 rounds of 3 agents on average: about as many presses as 100 rounds of two.
    let rounds = 80;
    for round in 0..rounds {
        let before = [Before::New, Before::Released, Before::SelfService][rng.below(3) as usize];
        let mut agents = vec!["alice", "bob", "carol", "dave"];
        rng.shuffle(&mut agents);
        agents.truncate(2 + rng.below(3) as usize);
        // Up to 200 µs after the barrier for about half of them.
        let delays: Vec<Duration> = agents
            .iter()
            .map(|_| Duration::from_micros(rng.below(2) * rng.below(200)))
            .collect();
        let ctx = format!("seed {seed}, round {round}: {before:?}, {agents:?} after {delays:?}");

        let customer = format!("c{round}");
        let chat = ChatId::new(Platform::Console, customer.as_str());
        let text = match before {
            Before::SelfService => "I want a refund",
            Before::New | Before::Released => "hello, I need help",
        };
        process(&inbound(
            format!("open-{round}"),
            &customer,
            Place::Customer { chat },
            What::Text(text.into()),
        ));
        let id = TicketId(round + 1);
        if let Before::Released = before {
            process(&inbound(
                format!("claim-{round}-erin"),
                "erin",
                staff(id),
                What::Button(format!("claim:{id}")),
            ));
            process(&inbound(
                format!("release-{round}-erin"),
                "erin",
                staff(id),
                What::Text("/release".into()),
            ));
        }
        let t = store.ticket(id).unwrap().unwrap();
        let expected = match before {
            Before::SelfService => TicketStatus::SelfService,
            Before::New | Before::Released => TicketStatus::Queued,
        };
        assert_eq!(t.status, expected, "{ctx}");
        let claims_before = t.events.iter().filter(|e| e.kind == "claimed").count();
        ack_all();

        let barrier = Arc::new(Barrier::new(agents.len()));
        let handles: Vec<_> = agents
            .iter()
            .zip(&delays)
            .map(|(&agent, &delay)| {
                let (service, barrier) = (service.clone(), barrier.clone());
                let ev = inbound(
                    format!("claim-{round}-{agent}"),
                    agent,
                    staff(id),
                    What::Button(format!("claim:{id}")),
                );
                std::thread::spawn(move || {
                    barrier.wait();
                    if !delay.is_zero() {
                        std::thread::sleep(delay);
                    }
                    service.process(&ev, now).unwrap();
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }

        let t = store.ticket(id).unwrap().unwrap();
        assert_eq!(t.status, TicketStatus::Claimed, "{ctx}");
        let winner = t.assignee.expect("someone won").name;
        assert!(agents.contains(&winner.as_str()), "{ctx}: {winner} won");
        let claims = t.events.iter().filter(|e| e.kind == "claimed").count() - claims_before;
        assert_eq!(claims, 1, "{ctx}: {claims} claims recorded");
        let said: Vec<String> = store
            .outbox(100)
            .unwrap()
            .into_iter()
            .filter(|(_, o)| o.to == Destination::Ticket { ticket: id })
            .map(|(_, o)| o.text)
            .collect();
        let mut expected = vec![format!("{winner} claimed {id}.")];
        expected.extend((1..agents.len()).map(|_| format!("{id} is already claimed by {winner}.")));
        assert_eq!(said, expected, "{ctx}: {winner} won");
        ack_all();
    }
}
