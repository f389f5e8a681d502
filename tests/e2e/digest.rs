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

mod discord {
    //! The same rule on Discord, where each ticket's card starts its own thread (a queue
    //! per ticket): cards of a flood gather in the staff channel's queue and merge there.

    use std::collections::BTreeSet;
    use std::sync::Arc;
    use std::time::Duration;

    use switchboard::config::Settings;
    use switchboard_desk::Store;
    use switchboard_domain::{TicketId, TicketStatus};
    use switchboard_store::SledStore;
    use switchboard_testkit::discord::{
        FakeDiscord, GUILD_ID, STAFF_CHANNEL_ID, STAFF_ROLE_ID, Sent,
    };
    use tokio::sync::watch;

    fn claims(sent: &[Sent]) -> BTreeSet<String> {
        sent.iter()
            .flat_map(Sent::custom_ids)
            .filter(|c| c.starts_with("claim:"))
            .collect()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn forty_handoffs_at_once_reach_the_discord_staff_channel_in_a_few_digests() {
        let fake = FakeDiscord::start().await;
        let bea = fake.user(601, "bea");
        fake.member(&bea, &[STAFF_ROLE_ID]);
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("discord-token"), fake.token()).unwrap();
        let cfg = dir.path().join("switchboard.toml");
        std::fs::write(
            &cfg,
            format!(
                r#"
[admin]
listen = ""

[discord]
enabled = true
api_url = "{url}"
token_file = "discord-token"
guild_id = {GUILD_ID}
staff_role_id = {STAFF_ROLE_ID}
staff_channel_id = {STAFF_CHANNEL_ID}
support_channel_id = 0
"#,
                url = fake.url()
            ),
        )
        .unwrap();
        let settings = Settings::load(Some(&cfg), None).unwrap_or_else(|d| panic!("{d:?}"));
        let data = dir.path().join("data");
        let store = Arc::new(SledStore::open(&data).unwrap());
        let (stop, rx) = watch::channel(false);
        let (s, config_dir) = (store.clone(), dir.path().to_path_buf());
        let task = tokio::spawn(async move {
            switchboard::serve::run(settings, s, &data, Some(&config_dir), rx).await
        });
        assert!(fake.wait_connected(Duration::from_secs(20)).await);
        for i in 0..40 {
            let u = fake.user(7000 + i, &format!("c{i}"));
            fake.dm(&u, "My parcel never arrived, please talk to a human");
        }
        let want: BTreeSet<String> = (1..=40).map(|t| format!("claim:T-{t}")).collect();
        assert!(
            fake.wait_until(Duration::from_secs(120), |f| claims(
                &f.sent_to(STAFF_CHANNEL_ID)
            ) == want)
                .await,
            "tickets in the staff channel: {:?}",
            claims(&fake.sent_to(STAFF_CHANNEL_ID))
        );
        let carrying: Vec<Sent> = fake
            .sent_to(STAFF_CHANNEL_ID)
            .into_iter()
            .filter(|s| s.custom_ids().iter().any(|c| c.starts_with("claim:")))
            .collect();
        assert!(
            carrying.len() <= 5,
            "40 tickets took {} messages",
            carrying.len()
        );
        let digest = carrying
            .iter()
            .find(|s| s.custom_ids().len() > 2)
            .expect("a digest");
        assert!(digest.custom_ids().len() <= 25, "Discord allows 25 buttons");
        let (label, id) = digest.buttons()[0].clone();
        let ticket: TicketId = id.unwrap().trim_start_matches("claim:").parse().unwrap();
        fake.press_button(&bea, digest.message_id, &label);
        assert!(
            fake.wait_until(Duration::from_secs(30), |_| store
                .ticket(ticket)
                .unwrap()
                .is_some_and(|t| t.status == TicketStatus::Claimed))
                .await,
            "pressing Claim in the digest claims {ticket}"
        );
        let _ = stop.send(true);
        tokio::time::timeout(Duration::from_secs(30), task)
            .await
            .expect("the service stops")
            .unwrap()
            .unwrap();
    }
}
