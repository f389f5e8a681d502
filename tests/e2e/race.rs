//! The claim race with real threads: two agents press Claim at the same moment (a barrier
//! releases both), through the real Service and sled store, many times. Exactly one wins;
//! the other is told who has the ticket.

use std::sync::{Arc, Barrier};

use switchboard::config::Settings;
use switchboard_desk::{Event, Store};
use switchboard_domain::{
    ChatId, Destination, Inbound, PartyId, Place, Platform, Sender, TicketId, TicketStatus,
    Timestamp, UpdateKey, What,
};
use switchboard_store::SledStore;

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

#[test]
fn two_agents_press_claim_at_once_and_exactly_one_wins() {
    let settings = Settings::load(None, None).unwrap();
    let store = Arc::new(SledStore::temporary().unwrap());
    let service = switchboard::demo::service(&settings, store.clone());
    let now = Timestamp(1_767_600_000_000);
    let rounds = 100;
    for round in 0..rounds {
        let customer = format!("c{round}");
        let chat = ChatId::new(Platform::Console, customer.as_str());
        service
            .process(
                &inbound(
                    format!("open-{round}"),
                    &customer,
                    Place::Customer { chat },
                    What::Text("hello, I need help".into()),
                ),
                now,
            )
            .unwrap();
        let id = TicketId(round + 1);
        assert_eq!(
            store.ticket(id).unwrap().unwrap().status,
            TicketStatus::Queued
        );
        for (id, _) in store.outbox(100).unwrap() {
            store.ack_outbox(id).unwrap();
        }
        let barrier = Arc::new(Barrier::new(2));
        let handles: Vec<_> = ["alice", "bob"]
            .into_iter()
            .map(|agent| {
                let (service, barrier) = (service.clone(), barrier.clone());
                std::thread::spawn(move || {
                    let place = Place::Staff {
                        ticket: Some(id),
                        thread: None,
                        reply_to: None,
                    };
                    let ev = inbound(
                        format!("claim-{round}-{agent}"),
                        agent,
                        place,
                        What::Button(format!("claim:{id}")),
                    );
                    barrier.wait();
                    service.process(&ev, now).unwrap();
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
        let t = store.ticket(id).unwrap().unwrap();
        let winner = t.assignee.expect("someone won").name;
        let claims = t.events.iter().filter(|e| e.kind == "claimed").count();
        assert_eq!(claims, 1, "round {round}: {claims} claims recorded");
        let said: Vec<String> = store
            .outbox(100)
            .unwrap()
            .into_iter()
            .filter(|(_, o)| o.to == Destination::Ticket { ticket: id })
            .map(|(_, o)| o.text)
            .collect();
        let loser = if winner == "alice" { "bob" } else { "alice" };
        assert_eq!(
            said,
            vec![
                format!("{winner} claimed {id}."),
                format!("{id} is already claimed by {winner}.")
            ],
            "round {round} ({loser} lost)"
        );
        for (id, _) in store.outbox(100).unwrap() {
            store.ack_outbox(id).unwrap();
        }
    }
}
