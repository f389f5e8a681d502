//! A staff group under a flood: Telegram takes 20 messages a minute into a group, so 40
//! handoffs at once would take minutes as 40 cards. Cards that wait together go as digests
//! instead: every ticket reaches the group within a few messages, inside the limits, each
//! with a Claim button that works.

use std::collections::BTreeSet;
use std::time::Duration;

use switchboard_desk::Store;
use switchboard_domain::{TicketId, TicketStatus};
use switchboard_testkit::FakeTelegram;

use crate::telegram::{STAFF, config, start};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forty_handoffs_at_once_reach_the_staff_group_in_a_few_digests() {
    let fake = FakeTelegram::start().await;
    fake.supergroup(STAFF, "Support", true);
    fake.set_rate_limits(true);
    let bea = fake.user(7, "Bea", None);
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), &fake, "");
    let svc = start(dir.path(), &cfg).await;
    for i in 0..40 {
        let u = fake.user(6000 + i, &format!("C{i}"), Some("en"));
        fake.private_text(&u, "My parcel never arrived, please talk to a human");
    }
    let want: BTreeSet<String> = (1..=40).map(|t| format!("claim:T-{t}")).collect();
    let claims = |f: &FakeTelegram| -> BTreeSet<String> {
        f.sent_to(STAFF)
            .iter()
            .flat_map(|s| s.buttons.iter().map(|(_, p)| p.clone()))
            .filter(|p| p.starts_with("claim:"))
            .collect()
    };
    assert!(
        fake.wait_until(Duration::from_secs(120), |f| claims(f) == want)
            .await,
        "tickets in the staff group: {:?}",
        claims(&fake)
    );
    let carrying: Vec<_> = fake
        .sent_to(STAFF)
        .into_iter()
        .filter(|s| s.buttons.iter().any(|(_, p)| p.starts_with("claim:")))
        .collect();
    assert!(
        carrying.len() <= 5,
        "40 tickets took {} messages: {:#?}",
        carrying.len(),
        carrying.iter().map(|s| s.text.clone()).collect::<Vec<_>>()
    );
    assert!(
        fake.audit_rate_limits().is_empty(),
        "within the group limit"
    );
    assert_eq!(svc.store.last_ticket_id().unwrap(), 40);

    // A digest lists each ticket on a line, with its own Claim button that works.
    let digest = carrying
        .iter()
        .find(|s| s.buttons.len() > 2)
        .expect("a digest");
    assert!(
        digest.text.contains("new tickets at once"),
        "{}",
        digest.text
    );
    let (label, payload) = digest.buttons[0].clone();
    let ticket: TicketId = payload.trim_start_matches("claim:").parse().unwrap();
    assert!(
        digest.text.contains(&format!("{ticket} · ")),
        "{}",
        digest.text
    );
    assert!(
        digest.text.contains("My parcel never arrived"),
        "{}",
        digest.text
    );
    assert_eq!(label, format!("Claim {ticket}"));
    fake.press_button(&bea, STAFF, digest.message_id, &label);
    assert!(
        fake.wait_until(Duration::from_secs(30), |_| {
            svc.store
                .ticket(ticket)
                .unwrap()
                .is_some_and(|t| t.status == TicketStatus::Claimed)
        })
        .await,
        "pressing Claim in the digest claims {ticket}"
    );
    let t = svc.store.ticket(ticket).unwrap().unwrap();
    assert_eq!(t.assignee.unwrap().name, "Bea");
    svc.stop().await;
}
