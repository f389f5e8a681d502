//! The dispatcher against a fake channel (chats that can be held up, refusals, failures)
//! and a store that counts what the dispatcher reads.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use switchboard_desk::{
    Committed, DeadLetter, Job, JobId, Lane, MemoryStore, OutboxId, Roster, Store, StoreError,
    Transition,
};
use switchboard_domain::sync::lock;
use switchboard_domain::{
    Agent, Button, ChatId, Customer, Destination, Message, Outbound, PartyId, Platform, Sending,
    Ticket, TicketId, TicketStatus, Timestamp, UpdateKey,
};

use super::*;

/// A channel that delivers Telegram chats (`chat:<id>`) and the staff space (`staff`), and
/// nothing of Discord's.
#[derive(Default)]
struct Fake {
    delivered: Mutex<Vec<(String, Outbound)>>,
    /// Queues whose deliveries wait until they are let go.
    held_up: Mutex<HashSet<String>>,
    /// Texts that fail, and how.
    fail: Mutex<HashMap<String, DeliveryError>>,
    /// Deliveries tried, by text.
    tries: Mutex<HashMap<String, u32>>,
    /// Shutting down: held-up deliveries give up.
    stopping: std::sync::atomic::AtomicBool,
    /// Like Discord: a queue per ticket's thread (`ticket:N`), and `staff` for the space.
    threads: bool,
}

impl Fake {
    fn queue(&self, o: &Outbound) -> Option<String> {
        match &o.to {
            Destination::Ticket { ticket } if self.threads => Some(format!("ticket:{}", ticket.0)),
            Destination::Customer { chat } if chat.platform == Platform::Telegram => {
                Some(format!("chat:{}", chat.id))
            }
            Destination::Customer { .. } => None,
            Destination::Ticket { .. } | Destination::StaffSpace => Some("staff".into()),
        }
    }

    fn texts(&self, queue: &str) -> Vec<String> {
        lock(&self.delivered)
            .iter()
            .filter(|(q, _)| q == queue)
            .map(|(_, o)| o.text.clone())
            .collect()
    }

    fn let_go(&self, queue: &str) {
        lock(&self.held_up).remove(queue);
    }
}

impl Channel for Fake {
    fn name(&self) -> &'static str {
        "Fake"
    }
    fn route(&self, o: &Outbound) -> Option<String> {
        self.queue(o)
    }
    fn deliver<'a>(&'a self, o: &'a Outbound) -> Sending<'a> {
        Box::pin(async move {
            let queue = self.queue(o).unwrap_or_default();
            while lock(&self.held_up).contains(&queue) {
                if self.stopping.load(Ordering::SeqCst) {
                    return Err(DeliveryError::Stopped);
                }
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            *lock(&self.tries).entry(o.text.clone()).or_default() += 1;
            if let Some(e) = lock(&self.fail).get(&o.text) {
                return Err(e.clone());
            }
            lock(&self.delivered).push((queue, o.clone()));
            Ok(())
        })
    }
    fn stop_sending(&self) {
        self.stopping.store(true, Ordering::SeqCst);
    }
}

/// A memory store that counts the outbox entries it hands out.
#[derive(Default)]
struct Counting {
    inner: MemoryStore,
    read: AtomicUsize,
}

impl Counting {
    fn count(
        &self,
        r: Result<Vec<(OutboxId, Outbound)>, StoreError>,
    ) -> Result<Vec<(OutboxId, Outbound)>, StoreError> {
        if let Ok(v) = &r {
            self.read.fetch_add(v.len(), Ordering::SeqCst);
        }
        r
    }
}

impl Store for Counting {
    fn seen(&self, key: &UpdateKey) -> Result<bool, StoreError> {
        self.inner.seen(key)
    }
    fn customer(&self, id: &PartyId) -> Result<Option<Customer>, StoreError> {
        self.inner.customer(id)
    }
    fn ticket(&self, id: TicketId) -> Result<Option<Ticket>, StoreError> {
        self.inner.ticket(id)
    }
    fn latest_ticket(&self, c: &PartyId, chat: &ChatId) -> Result<Option<TicketId>, StoreError> {
        self.inner.latest_ticket(c, chat)
    }
    fn last_ticket_id(&self) -> Result<u64, StoreError> {
        self.inner.last_ticket_id()
    }
    fn messages(&self, ticket: TicketId) -> Result<Vec<Message>, StoreError> {
        self.inner.messages(ticket)
    }
    fn agent(&self, name: &str) -> Result<Option<Agent>, StoreError> {
        self.inner.agent(name)
    }
    fn linked_ticket(&self, reference: &str) -> Result<Option<TicketId>, StoreError> {
        self.inner.linked_ticket(reference)
    }
    fn tickets(&self, status: Option<TicketStatus>) -> Result<Vec<Ticket>, StoreError> {
        self.inner.tickets(status)
    }
    fn commit(&self, t: &Transition) -> Result<Committed, StoreError> {
        self.inner.commit(t)
    }
    fn flush(&self) -> Result<(), StoreError> {
        self.inner.flush()
    }
    fn due_jobs(&self, now: Timestamp, limit: usize) -> Result<Vec<(JobId, Job)>, StoreError> {
        self.inner.due_jobs(now, limit)
    }
    fn next_due(&self) -> Result<Option<Timestamp>, StoreError> {
        self.inner.next_due()
    }
    fn outbox(&self, limit: usize) -> Result<Vec<(OutboxId, Outbound)>, StoreError> {
        self.count(self.inner.outbox(limit))
    }
    fn ack_outbox(&self, id: OutboxId) -> Result<(), StoreError> {
        self.inner.ack_outbox(id)
    }
    fn outbox_after(
        &self,
        after: Option<OutboxId>,
        limit: usize,
    ) -> Result<Vec<(OutboxId, Outbound)>, StoreError> {
        self.count(self.inner.outbox_after(after, limit))
    }
    fn outbox_in(
        &self,
        lane: &Lane,
        after: Option<OutboxId>,
        until: OutboxId,
        limit: usize,
    ) -> Result<Vec<(OutboxId, Outbound)>, StoreError> {
        self.count(self.inner.outbox_in(lane, after, until, limit))
    }
    fn dead_letter(
        &self,
        id: OutboxId,
        reason: &str,
        attempts: u32,
        at: Timestamp,
    ) -> Result<bool, StoreError> {
        self.inner.dead_letter(id, reason, attempts, at)
    }
    fn dead_letters(&self, limit: usize) -> Result<Vec<(OutboxId, DeadLetter)>, StoreError> {
        self.inner.dead_letters(limit)
    }
    fn retry_dead_letter(&self, id: OutboxId) -> Result<Option<OutboxId>, StoreError> {
        self.inner.retry_dead_letter(id)
    }
    fn link(&self, links: &[(String, TicketId)]) -> Result<(), StoreError> {
        self.inner.link(links)
    }
    fn channel_state(&self, key: &str) -> Result<Option<String>, StoreError> {
        self.inner.channel_state(key)
    }
    fn set_channel_state(&self, key: &str, value: Option<&str>) -> Result<(), StoreError> {
        self.inner.set_channel_state(key, value)
    }
    fn channel_states(&self, prefix: &str) -> Result<Vec<(String, String)>, StoreError> {
        self.inner.channel_states(prefix)
    }
    fn roster(&self) -> Result<Roster, StoreError> {
        self.inner.roster()
    }
}

fn to_chat(platform: Platform, chat: &str, text: &str) -> Outbound {
    Outbound {
        to: Destination::Customer {
            chat: ChatId::new(platform, chat),
        },
        text: text.into(),
        buttons: vec![],
        ticket: None,
        attachment: None,
        source: None,
        replaces: None,
    }
}

fn tg(chat: &str, text: &str) -> Outbound {
    to_chat(Platform::Telegram, chat, text)
}

fn card(ticket: u64) -> Outbound {
    let t = TicketId(ticket);
    Outbound {
        to: Destination::Ticket { ticket: t },
        text: format!("card of {t}"),
        buttons: vec![
            Button {
                label: "Claim".into(),
                payload: format!("claim:{t}"),
            },
            Button {
                label: "Close".into(),
                payload: format!("close:{t}"),
            },
        ],
        ticket: Some(t),
        attachment: None,
        source: None,
        replaces: None,
    }
}

fn put(store: &dyn Store, outbound: Vec<Outbound>) -> Committed {
    store
        .commit(&Transition {
            outbound,
            ..Default::default()
        })
        .unwrap()
}

/// A running dispatcher.
struct Running {
    wake: Arc<Notify>,
    held: Arc<AtomicUsize>,
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl Running {
    async fn stop(self) {
        let _ = self.stop.send(true);
        tokio::time::timeout(Duration::from_secs(30), self.task)
            .await
            .expect("the dispatcher stops")
            .unwrap();
    }
}

fn start(store: Arc<dyn Store>, fake: Arc<Fake>, policy: Policy, words: Option<Words>) -> Running {
    let durable: Durable = Arc::new(|| Box::pin(async { Ok(()) }));
    let wake = Arc::new(Notify::new());
    let mut d =
        Dispatcher::new(store, Channels(vec![fake]), durable, wake.clone()).with_policy(policy);
    if let Some(w) = words {
        d = d.with_digests(w);
    }
    let held = d.held.clone();
    let (stop, rx) = watch::channel(false);
    let task = tokio::spawn(d.run(rx));
    Running {
        wake,
        held,
        stop,
        task,
    }
}

async fn until(what: &str, cond: impl Fn() -> bool) {
    for _ in 0..6000 {
        if cond() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("waited 60 s for: {what}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn entries_in_flight_are_never_read_again() {
    let store = Arc::new(Counting::default());
    let fake = Arc::new(Fake::default());
    lock(&fake.held_up).insert("chat:a".into());
    put(
        &*store,
        (0..10).map(|i| tg("a", &format!("a{i}"))).collect(),
    );
    let d = start(store.clone(), fake.clone(), Policy::default(), None);
    // Many rounds while chat a's ten wait in its queue.
    for i in 0..20 {
        put(&*store, vec![tg("b", &format!("b{i}"))]);
        d.wake.notify_one();
        let n = i + 1;
        until("b's message", || fake.texts("chat:b").len() == n).await;
    }
    assert_eq!(
        store.read.load(Ordering::SeqCst),
        30,
        "each entry is read once, however many rounds pass"
    );
    fake.let_go("chat:a");
    until("a's messages", || fake.texts("chat:a").len() == 10).await;
    assert_eq!(store.read.load(Ordering::SeqCst), 30);
    d.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_queue_holds_at_most_its_cap_and_is_refilled_in_order_from_its_lane() {
    let store = Arc::new(Counting::default());
    let fake = Arc::new(Fake::default());
    lock(&fake.held_up).insert("chat:a".into());
    let policy = Policy {
        queue_cap: 4,
        ..Policy::default()
    };
    let d = start(store.clone(), fake.clone(), policy, None);
    // Chat a's 200 are interleaved with other chats' entries.
    for i in 0..200 {
        put(
            &*store,
            vec![tg("a", &format!("a{i}")), tg(&format!("x{i}"), "x")],
        );
    }
    d.wake.notify_one();
    until("the other chats", || {
        (0..200).all(|i| fake.texts(&format!("chat:x{i}")).len() == 1)
    })
    .await;
    until("the others' workers", || d.held.load(Ordering::SeqCst) <= 4).await;
    assert!(
        d.held.load(Ordering::SeqCst) <= 4,
        "chat a's queue holds no more than its cap"
    );
    fake.let_go("chat:a");
    until("all of chat a", || fake.texts("chat:a").len() == 200).await;
    let want: Vec<String> = (0..200).map(|i| format!("a{i}")).collect();
    assert_eq!(fake.texts("chat:a"), want, "in order, each once");
    // The cursor read all 400 once; refills read chat a's lane only (196 more).
    assert_eq!(store.read.load(Ordering::SeqCst), 400 + 196);
    assert!(store.outbox(10).unwrap().is_empty());
    d.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_no_channel_delivers_goes_to_the_dead_letters_once() {
    let store = Arc::new(MemoryStore::new());
    let fake = Arc::new(Fake::default());
    let c = put(
        &*store,
        vec![
            to_chat(Platform::Discord, "9", "for discord"),
            tg("b", "for telegram"),
        ],
    );
    let d = start(store.clone(), fake.clone(), Policy::default(), None);
    until("the dead letter", || {
        store.dead_letters(10).unwrap().len() == 1
    })
    .await;
    until("b's message", || fake.texts("chat:b").len() == 1).await;
    let dead = store.dead_letters(10).unwrap();
    assert_eq!(dead[0].0, c.outbox[0]);
    assert!(dead[0].1.reason.contains("--retry"), "{}", dead[0].1.reason);
    assert!(store.outbox(10).unwrap().is_empty());
    // Retried, it comes back under a new id and is seen (and, still undeliverable,
    // buried again).
    let back = store.retry_dead_letter(c.outbox[0]).unwrap().unwrap();
    d.wake.notify_one();
    until("buried again", || {
        store
            .dead_letters(10)
            .unwrap()
            .first()
            .is_some_and(|(id, _)| *id == back)
    })
    .await;
    d.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_and_repeated_failures_go_to_the_dead_letters_and_a_retry_delivers() {
    let store = Arc::new(MemoryStore::new());
    let fake = Arc::new(Fake::default());
    lock(&fake.fail).insert(
        "refused".into(),
        DeliveryError::Permanent("blocked by the user".into()),
    );
    lock(&fake.fail).insert("flaky".into(), DeliveryError::Transient("500".into()));
    let policy = Policy {
        max_attempts: 3,
        give_up_after: Duration::ZERO,
        ..Policy::default()
    };
    let c = put(
        &*store,
        vec![tg("a", "refused"), tg("a", "after"), tg("b", "flaky")],
    );
    let d = start(store.clone(), fake.clone(), policy, None);
    until("both dead letters", || {
        store.dead_letters(10).unwrap().len() == 2
    })
    .await;
    until("a's next message", || fake.texts("chat:a") == ["after"]).await;
    let dead: HashMap<OutboxId, DeadLetter> = store.dead_letters(10).unwrap().into_iter().collect();
    let refused = &dead[&c.outbox[0]];
    assert_eq!(refused.attempts, 1);
    assert!(refused.reason.contains("blocked by the user"));
    let flaky = &dead[&c.outbox[2]];
    assert_eq!(flaky.attempts, 3);
    assert_eq!(lock(&fake.tries)["flaky"], 3, "three attempts, no more");
    assert!(store.outbox(10).unwrap().is_empty());
    // The platform works again: a retry delivers it.
    lock(&fake.fail).clear();
    store.retry_dead_letter(c.outbox[2]).unwrap().unwrap();
    d.wake.notify_one();
    until("the retried message", || fake.texts("chat:b") == ["flaky"]).await;
    until("acknowledged", || store.outbox(10).unwrap().is_empty()).await;
    d.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_chat_is_answered_while_twenty_thousand_entries_wait() {
    let store = Arc::new(MemoryStore::new());
    let fake = Arc::new(Fake::default());
    lock(&fake.held_up).insert("chat:slow".into());
    for chunk in 0..20 {
        put(
            &*store,
            (0..1000)
                .map(|i| to_chat(Platform::Discord, &format!("{chunk}-{i}"), "old"))
                .collect(),
        );
    }
    put(
        &*store,
        (0..500).map(|i| tg("slow", &format!("s{i}"))).collect(),
    );
    let d = start(store.clone(), fake.clone(), Policy::default(), None);
    put(&*store, vec![tg("new", "welcome")]);
    d.wake.notify_one();
    until("the new customer's answer", || {
        fake.texts("chat:new") == ["welcome"]
    })
    .await;
    assert!(d.held.load(Ordering::SeqCst) <= Policy::default().max_held);
    until("the dead letters", || {
        store.dead_letters(30_000).unwrap().len() == 20_000
    })
    .await;
    d.stop().await;
}

/// Digest words: the key and its arguments.
fn words() -> Words {
    Arc::new(|key: &str, args: &[(&str, &str)]| {
        let args: Vec<String> = args.iter().map(|(k, v)| format!("{k}={v}")).collect();
        format!("{key}({})", args.join(","))
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cards_that_wait_together_go_as_one_digest_with_every_claim_button() {
    let store = Arc::new(MemoryStore::new());
    let fake = Arc::new(Fake::default());
    let policy = Policy {
        card_pace: Some(Duration::from_millis(300)),
        ..Policy::default()
    };
    let d = start(store.clone(), fake.clone(), policy, Some(words()));
    put(&*store, vec![card(1)]);
    d.wake.notify_one();
    until("the first card", || fake.texts("staff").len() == 1).await;
    // Thirty more at once: they gather while the first card's pace runs.
    put(&*store, (2..=31).map(card).collect());
    d.wake.notify_one();
    until("everything", || store.outbox(100).unwrap().is_empty()).await;
    let sent: Vec<Outbound> = lock(&fake.delivered)
        .iter()
        .map(|(_, o)| o.clone())
        .collect();
    assert_eq!(sent[0].text, "card of T-1");
    assert!(sent.len() <= 3, "{} messages for 31 cards", sent.len());
    let claims: Vec<String> = sent[1..]
        .iter()
        .flat_map(|o| o.buttons.iter().map(|b| b.payload.clone()))
        .collect();
    let want: Vec<String> = (2..=31).map(|t| format!("claim:T-{t}")).collect();
    assert_eq!(claims, want, "every ticket with its claim button, in order");
    for o in &sent[1..] {
        assert_eq!(o.to, Destination::StaffSpace);
        assert!(o.buttons.len() <= 25, "Discord allows 25 buttons");
        let title = format!("staff.digest_title(count={})", o.buttons.len());
        assert!(o.text.starts_with(&title), "{}", o.text);
        assert_eq!(o.text.lines().count(), o.buttons.len() + 1, "{}", o.text);
    }
    {
        let first = &sent[1].text;
        assert!(first.contains("staff.digest_line(ticket=T-2,"), "{first}");
    }
    d.stop().await;
}

#[test]
fn a_card_behind_another_message_of_its_ticket_is_not_merged_ahead_of_it() {
    let fake: Arc<dyn Channel> = Arc::new(Fake::default());
    let mut note = card(3);
    note.buttons.clear();
    note.text = "a note on T-3".into();
    let waiting: VecDeque<Item> = [card(1), card(2), note, card(3), card(4)]
        .into_iter()
        .enumerate()
        .map(|(i, o)| (OutboxId(i as u64), o, fake.clone()))
        .collect();
    assert_eq!(digest::pick(&waiting, 25), [0, 1, 4]);
    assert_eq!(digest::pick(&waiting, 2), [0, 1]);
    let mut not_a_card = waiting.clone();
    not_a_card.pop_front();
    not_a_card.pop_front();
    assert!(digest::pick(&not_a_card, 25).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_a_queue_per_ticket_cards_merge_in_the_staff_queue_and_threads_wait_for_theirs() {
    let store = Arc::new(MemoryStore::new());
    let fake = Arc::new(Fake {
        threads: true,
        ..Fake::default()
    });
    let policy = Policy {
        card_pace: Some(Duration::from_millis(300)),
        ..Policy::default()
    };
    let d = start(store.clone(), fake.clone(), policy, Some(words()));
    put(&*store, vec![card(1)]);
    d.wake.notify_one();
    until("the first card", || fake.texts("ticket:1").len() == 1).await;
    // Thirty cards at once, and a message to T-5's thread right after its card.
    let mut after = card(5);
    after.buttons.clear();
    after.text = "after the card of T-5".into();
    let mut flood: Vec<Outbound> = (2..=5).map(card).collect();
    flood.push(after);
    flood.extend((6..=31).map(card));
    put(&*store, flood);
    d.wake.notify_one();
    until("everything", || store.outbox(100).unwrap().is_empty()).await;
    let sent: Vec<(String, Outbound)> = lock(&fake.delivered).clone();
    let digests: Vec<usize> = (0..sent.len())
        .filter(|i| sent[*i].1.to == Destination::StaffSpace)
        .collect();
    assert!(
        !digests.is_empty() && digests.len() <= 2,
        "{:#?}",
        sent.iter().map(|(q, o)| (q, &o.text)).collect::<Vec<_>>()
    );
    let claims: Vec<String> = digests
        .iter()
        .flat_map(|i| sent[*i].1.buttons.iter().map(|b| b.payload.clone()))
        .collect();
    let want: Vec<String> = (2..=31).map(|t| format!("claim:T-{t}")).collect();
    assert_eq!(claims, want, "every card in a digest, none alone");
    let with_t5 = digests
        .iter()
        .find(|i| sent[**i].1.buttons.iter().any(|b| b.payload == "claim:T-5"))
        .unwrap();
    let note = sent
        .iter()
        .position(|(_, o)| o.text == "after the card of T-5")
        .expect("the message after the card");
    assert!(*with_t5 < note, "T-5's thread waited for its card");
    d.stop().await;
}
