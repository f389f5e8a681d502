//! The trees, their key bytes and the value encoding (the table is in the crate docs).
//!
//! Every key is built here and nowhere else, so that the layout documented in the crate
//! header is the layout on disk. Integers are big-endian so that byte order is numeric
//! order, which is what the range scans (messages of a ticket, jobs by due time, the
//! outbox oldest first) rely on.

use serde::Serialize;
use serde::de::DeserializeOwned;
use switchboard_desk::{JobId, Lane, OutboxId, StoreError};
use switchboard_domain::{ChatId, Destination, PartyId, TicketId, TicketStatus, Timestamp};

/// `meta`: schema version and counters.
pub(crate) const META: &str = "meta";
/// `ticketid_ticket`: u64 BE ticket id -> Ticket.
pub(crate) const TICKETS: &str = "ticketid_ticket";
/// `status_ticketid`: status name, 0x00, u64 BE ticket id -> empty (index of `tickets(status)`).
pub(crate) const STATUS: &str = "status_ticketid";
/// `ticketid_seq_message`: u64 BE ticket id + u32 BE seq -> Message.
pub(crate) const MESSAGES: &str = "ticketid_seq_message";
/// `customer_profile`: party key -> Customer.
pub(crate) const CUSTOMERS: &str = "customer_profile";
/// `customerchat_latestticket`: u32 BE length of the party key, party key, chat key -> TicketId.
pub(crate) const LATEST: &str = "customerchat_latestticket";
/// `updatekey_seen`: update key bytes -> `true`.
pub(crate) const SEEN: &str = "updatekey_seen";
/// `agentname_agent`: lowercased name -> Agent.
pub(crate) const AGENTS: &str = "agentname_agent";
/// `ref_ticketid`: platform reference bytes -> TicketId.
pub(crate) const LINKS: &str = "ref_ticketid";
/// `due_jobid_job`: due key (16 bytes) -> Job.
pub(crate) const JOBS: &str = "due_jobid_job";
/// `jobid_due`: u64 BE job id -> its 16-byte key in `due_jobid_job` (raw).
pub(crate) const JOB_DUE: &str = "jobid_due";
/// `outboxid_outbound`: u64 BE outbox id -> Outbound.
pub(crate) const OUTBOX: &str = "outboxid_outbound";
/// `lane_outboxid`: lane key ([`lane`]), 0x00, u64 BE outbox id -> raw: the u64 BE ticket id
/// of an entry to a ticket's thread, else empty (index of `outbox_in`).
pub(crate) const LANE: &str = "lane_outboxid";
/// `outboxid_deadletter`: u64 BE outbox id -> DeadLetter.
pub(crate) const DEAD: &str = "outboxid_deadletter";
/// `channelkey_state`: a channel's key -> its state (raw UTF-8).
pub(crate) const CHANNEL: &str = "channelkey_state";
/// `pending_commit`: the one key `pending` -> the writes of the commit being applied (see
/// the `journal` module).
pub(crate) const PENDING: &str = "pending_commit";

/// `meta` key of the schema version (u32 BE).
pub(crate) const META_SCHEMA: &[u8] = b"schema_version";
/// `meta` key of the highest ticket number used (u64 BE).
pub(crate) const META_LAST_TICKET: &[u8] = b"last_ticket_id";
/// `meta` key of the agents' roster (`Roster`).
pub(crate) const META_ROSTER: &[u8] = b"roster";
/// `meta` key of the last job or outbox id handed out (u64 BE).
pub(crate) const META_LAST_ID: &[u8] = b"last_id";

/// The first byte of a value written as JSON (serde_json), the format before MessagePack.
/// Still read.
pub(crate) const VALUE_JSON: u8 = 1;
/// The first byte of a value written as MessagePack with field names (rmp-serde), the
/// format written now.
pub(crate) const VALUE_MSGPACK: u8 = 2;

/// A u64 key (ticket, job and outbox ids).
pub(crate) fn id(n: u64) -> [u8; 8] {
    n.to_be_bytes()
}

/// A ticket's message `seq`.
pub(crate) fn message(ticket: TicketId, seq: u32) -> [u8; 12] {
    let mut k = [0; 12];
    k[..8].copy_from_slice(&ticket.0.to_be_bytes());
    k[8..].copy_from_slice(&seq.to_be_bytes());
    k
}

/// `platform:id`. Platform names contain no `:`, so the first `:` splits it unambiguously.
pub(crate) fn party(p: &PartyId) -> Vec<u8> {
    format!("{}:{}", p.platform, p.id).into_bytes()
}

/// The key of a (customer, chat) pair: length-prefixed so that no id can run into the other.
pub(crate) fn customer_chat(customer: &PartyId, chat: &ChatId) -> Vec<u8> {
    let c = party(customer);
    let h = format!("{}:{}", chat.platform, chat.id);
    let mut k = Vec::with_capacity(4 + c.len() + h.len());
    // A party key longer than 4 GiB cannot be built in memory to begin with.
    k.extend_from_slice(&u32::try_from(c.len()).unwrap_or(u32::MAX).to_be_bytes());
    k.extend_from_slice(&c);
    k.extend_from_slice(h.as_bytes());
    k
}

/// The prefix of every `status_ticketid` key of `status`.
pub(crate) fn status_prefix(status: TicketStatus) -> Vec<u8> {
    let mut k = status.as_str().as_bytes().to_vec();
    k.push(0);
    k
}

/// A `status_ticketid` key.
pub(crate) fn status(status: TicketStatus, ticket: TicketId) -> Vec<u8> {
    let mut k = status_prefix(status);
    k.extend_from_slice(&ticket.0.to_be_bytes());
    k
}

/// The ticket id at the end of a `status_ticketid` key.
pub(crate) fn ticket_of_status_key(key: &[u8]) -> Result<TicketId, StoreError> {
    key.len()
        .checked_sub(8)
        .and_then(|at| key.get(at..))
        .and_then(|b| <[u8; 8]>::try_from(b).ok())
        .map(|b| TicketId(u64::from_be_bytes(b)))
        .ok_or_else(|| StoreError::Corrupt(format!("bad key in {STATUS}: {key:?}")))
}

/// The prefix of every `lane_outboxid` key of the index lane that holds `lane`: a customer's
/// conversation (`chat:telegram:42`), or `staff` for every entry to the staff space (a
/// ticket's thread or the space itself), then 0x00 (chat keys hold none, so no lane's
/// prefix is another's). `None` for [`Lane::All`], which is the outbox itself.
pub(crate) fn lane_prefix(lane: &Lane) -> Option<Vec<u8>> {
    let mut k = match lane {
        Lane::Chat(chat) => format!("chat:{}:{}", chat.platform, chat.id).into_bytes(),
        Lane::Ticket(_) | Lane::StaffSpace | Lane::Staff => b"staff".to_vec(),
        Lane::All => return None,
    };
    k.push(0);
    Some(k)
}

/// The `lane_outboxid` key and value of an outbox entry to `to`.
pub(crate) fn lane(to: &Destination, id: OutboxId) -> (Vec<u8>, Vec<u8>) {
    let lane = Lane::of(to);
    // `Lane::of` never gives `All`.
    let mut k = lane_prefix(&lane).unwrap_or_default();
    k.extend_from_slice(&id.0.to_be_bytes());
    let v = match to {
        Destination::Ticket { ticket } => ticket.0.to_be_bytes().to_vec(),
        _ => Vec::new(),
    };
    (k, v)
}

/// The outbox id at the end of a `lane_outboxid` key.
pub(crate) fn outbox_of_lane_key(key: &[u8]) -> Result<OutboxId, StoreError> {
    key.len()
        .checked_sub(8)
        .and_then(|at| key.get(at..))
        .and_then(|b| <[u8; 8]>::try_from(b).ok())
        .map(|b| OutboxId(u64::from_be_bytes(b)))
        .ok_or_else(|| StoreError::Corrupt(format!("bad key in {LANE}: {key:?}")))
}

/// Whether a `lane_outboxid` value (the entry's ticket, or empty) belongs to `lane`, whose
/// index lane it was found in.
pub(crate) fn lane_holds(lane: &Lane, value: &[u8]) -> bool {
    match lane {
        Lane::Ticket(t) => value == t.0.to_be_bytes(),
        Lane::StaffSpace => value.is_empty(),
        _ => true,
    }
}

/// A time as 8 bytes whose order is the order of the times, negative ones included
/// (flipping the sign bit maps i64::MIN..=i64::MAX onto 0..=u64::MAX).
pub(crate) fn time(t: Timestamp) -> [u8; 8] {
    ((t.0 as u64) ^ (1 << 63)).to_be_bytes()
}

/// The inverse of [`time`].
pub(crate) fn time_from(b: [u8; 8]) -> Timestamp {
    Timestamp((u64::from_be_bytes(b) ^ (1 << 63)) as i64)
}

/// A `due_jobid_job` key: [`time`] of the due time, then the u64 BE job id.
pub(crate) fn due(at: Timestamp, job: JobId) -> [u8; 16] {
    let mut k = [0; 16];
    k[..8].copy_from_slice(&time(at));
    k[8..].copy_from_slice(&job.0.to_be_bytes());
    k
}

/// The (due, job id) of a `due_jobid_job` key.
pub(crate) fn due_from(key: &[u8]) -> Result<(Timestamp, JobId), StoreError> {
    let bad = || StoreError::Corrupt(format!("bad key in {JOBS}: {key:?}"));
    let k: [u8; 16] = key.try_into().map_err(|_| bad())?;
    let (t, j) = k.split_at(8);
    let t: [u8; 8] = t.try_into().map_err(|_| bad())?;
    let j: [u8; 8] = j.try_into().map_err(|_| bad())?;
    Ok((time_from(t), JobId(u64::from_be_bytes(j))))
}

/// A u64 stored raw (ids and counters in `meta`, keys of id trees).
pub(crate) fn u64_from(tree: &str, bytes: &[u8]) -> Result<u64, StoreError> {
    <[u8; 8]>::try_from(bytes)
        .map(u64::from_be_bytes)
        .map_err(|_| StoreError::Corrupt(format!("expected 8 bytes in {tree}, found {bytes:?}")))
}

/// A value: [`VALUE_MSGPACK`], then the record as MessagePack with field names. Field
/// names keep it self-describing, which `skip_serializing_if`, `default` and the tagged
/// enums of the domain types need; it encodes and decodes several times faster than JSON
/// (strings are copied, not escaped).
pub(crate) fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>, StoreError> {
    let mut out = Vec::with_capacity(256);
    out.push(VALUE_MSGPACK);
    rmp_serde::encode::write_named(&mut out, value)
        .map_err(|e| StoreError::Io(format!("could not encode a value: {e}")))?;
    Ok(out)
}

/// Reads a value written by [`encode`]; `tree` names where it came from in errors.
pub(crate) fn decode<T: DeserializeOwned>(tree: &str, bytes: &[u8]) -> Result<T, StoreError> {
    match bytes.split_first() {
        Some((&VALUE_MSGPACK, msgpack)) => rmp_serde::from_slice(msgpack)
            .map_err(|e| StoreError::Corrupt(format!("unreadable value in {tree}: {e}"))),
        Some((&VALUE_JSON, json)) => serde_json::from_slice(json)
            .map_err(|e| StoreError::Corrupt(format!("unreadable value in {tree}: {e}"))),
        Some((other, _)) => Err(StoreError::Corrupt(format!(
            "value in {tree} has unknown format {other}"
        ))),
        None => Err(StoreError::Corrupt(format!("empty value in {tree}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchboard_domain::{Customer, Message, Outbound, Platform, Ticket};

    #[test]
    fn time_keys_sort_like_times() {
        let times = [i64::MIN, -86_400_000, -1, 0, 1, 1_700_000_000_000, i64::MAX];
        for w in times.windows(2) {
            assert!(time(Timestamp(w[0])) < time(Timestamp(w[1])), "{w:?}");
        }
        for t in times {
            assert_eq!(time_from(time(Timestamp(t))), Timestamp(t));
        }
        let k = due(Timestamp(-5), JobId(7));
        assert_eq!(due_from(&k).unwrap(), (Timestamp(-5), JobId(7)));
        assert!(due_from(&k[..15]).is_err());
    }

    #[test]
    fn message_keys_sort_by_ticket_then_seq() {
        assert!(message(TicketId(1), u32::MAX) < message(TicketId(2), 0));
        assert!(message(TicketId(2), 9) < message(TicketId(2), 10));
        assert_eq!(&message(TicketId(2), 9)[..8], &id(2));
    }

    #[test]
    fn customer_chat_keys_do_not_run_together() {
        let a = customer_chat(
            &PartyId::new(Platform::Telegram, "1"),
            &ChatId::new(Platform::Telegram, "23"),
        );
        let b = customer_chat(
            &PartyId::new(Platform::Telegram, "12"),
            &ChatId::new(Platform::Telegram, "3"),
        );
        assert_ne!(a, b);
    }

    #[test]
    fn lane_keys_group_by_chat_or_staff_and_sort_by_id() {
        use switchboard_domain::Platform;
        let chat = |id: &str| Destination::Customer {
            chat: ChatId::new(Platform::Telegram, id),
        };
        let (a, _) = lane(&chat("1"), OutboxId(9));
        let (b, _) = lane(&chat("12"), OutboxId(1));
        let p1 = lane_prefix(&Lane::of(&chat("1"))).unwrap();
        assert!(a.starts_with(&p1) && !b.starts_with(&p1));
        assert_eq!(outbox_of_lane_key(&a).unwrap(), OutboxId(9));
        let (t, tv) = lane(
            &Destination::Ticket {
                ticket: TicketId(5),
            },
            OutboxId(3),
        );
        let (s, sv) = lane(&Destination::StaffSpace, OutboxId(4));
        let staff = lane_prefix(&Lane::Staff).unwrap();
        assert!(t.starts_with(&staff) && s.starts_with(&staff) && t < s);
        assert!(lane_holds(&Lane::Ticket(TicketId(5)), &tv));
        assert!(!lane_holds(&Lane::Ticket(TicketId(6)), &tv));
        assert!(!lane_holds(&Lane::StaffSpace, &tv));
        assert!(lane_holds(&Lane::StaffSpace, &sv));
        assert!(lane_holds(&Lane::Staff, &tv));
        assert!(lane_prefix(&Lane::All).is_none());
        assert!(outbox_of_lane_key(b"x").is_err());
    }

    #[test]
    fn status_keys_carry_the_ticket() {
        let k = status(TicketStatus::Queued, TicketId(258));
        assert!(k.starts_with(&status_prefix(TicketStatus::Queued)));
        assert_eq!(ticket_of_status_key(&k).unwrap(), TicketId(258));
        // `claimed` is not a prefix of another status, thanks to the 0x00.
        assert!(!status(TicketStatus::Claimed, TicketId(1)).starts_with(b"claimed_"));
    }

    #[test]
    fn every_record_round_trips_with_all_its_variants() {
        use switchboard_desk::contract::{agent, customer, message, outbound, ticket};
        use switchboard_domain::{
            Author, Button, Category, Destination, Priority, Resolution, TicketEvent, Tier,
        };
        let bare = ticket(7, "u1", "c1", TicketStatus::Queued, 3);
        let mut full = bare.clone();
        full.assignee = Some(agent("42", "Bea"));
        full.resolution = Some(Resolution::Agent { name: "Bea".into() });
        full.handed_off_at = Some(Timestamp(-5));
        full.previous = Some(TicketId(u64::MAX));
        full.priority = Priority::Urgent;
        full.category = Category::new("billing").unwrap();
        full.events = vec![
            TicketEvent {
                at: Timestamp(1),
                kind: "claimed".into(),
                by: Some("Bea".into()),
                detail: "quote \" and \u{1F600} and \n".into(),
            },
            TicketEvent {
                at: Timestamp(2),
                kind: "opened".into(),
                by: None,
                detail: String::new(),
            },
        ];
        full.recent = vec![Timestamp(1), Timestamp(2)];
        full.throttled_at = Some(Timestamp(3));
        let mut self_served = bare.clone();
        self_served.resolution = Some(Resolution::SelfService);
        for t in [bare, full, self_served] {
            assert_eq!(decode::<Ticket>("t", &encode(&t).unwrap()).unwrap(), t);
        }
        let mut c = customer("u1", "Ann");
        c.tier = Some(Tier::new("gold").unwrap());
        let mut bare_c = c.clone();
        bare_c.attributes.clear();
        bare_c.username = None;
        for c in [c, bare_c] {
            assert_eq!(decode::<Customer>("c", &encode(&c).unwrap()).unwrap(), c);
        }
        for author in [
            Author::Customer("Ann".into()),
            Author::Agent("Bea".into()),
            Author::Bot,
        ] {
            let mut m = message(3, "hi");
            m.author = author;
            m.internal = true;
            assert_eq!(decode::<Message>("m", &encode(&m).unwrap()).unwrap(), m);
        }
        let mut o = outbound("text");
        o.buttons = vec![Button {
            label: "Yes".into(),
            payload: "yes:T-7".into(),
        }];
        o.to = Destination::Ticket {
            ticket: TicketId(7),
        };
        assert_eq!(decode::<Outbound>("o", &encode(&o).unwrap()).unwrap(), o);
        o.to = Destination::StaffSpace;
        o.ticket = None;
        assert_eq!(decode::<Outbound>("o", &encode(&o).unwrap()).unwrap(), o);
        // A stored ticket's head is read without decoding the rest.
        #[derive(serde::Deserialize)]
        struct Head {
            version: u64,
        }
        let v = encode(&ticket(7, "u1", "c1", TicketStatus::Queued, 9)).unwrap();
        assert_eq!(decode::<Head>("t", &v).unwrap().version, 9);
    }

    #[test]
    fn values_carry_their_format() {
        let v = encode(&TicketId(5)).unwrap();
        assert_eq!(v, b"\x02\x05");
        assert_eq!(decode::<TicketId>("t", &v).unwrap(), TicketId(5));
        // Values written as JSON by earlier versions are still read.
        assert_eq!(decode::<TicketId>("t", b"\x015").unwrap(), TicketId(5));
        assert!(matches!(
            decode::<TicketId>("t", b"\x035"),
            Err(StoreError::Corrupt(_))
        ));
        assert!(matches!(
            decode::<TicketId>("t", b"\x02\xc1"),
            Err(StoreError::Corrupt(_))
        ));
        assert!(matches!(
            decode::<TicketId>("t", b""),
            Err(StoreError::Corrupt(_))
        ));
    }
}

/// Property tests (proptest): the key encodings round-trip, and byte order is the order the
/// range scans rely on (ids, messages by ticket then seq, jobs by due time then id, the
/// status index by ticket id).
#[cfg(test)]
mod props {
    use super::*;
    use proptest::prelude::*;
    use switchboard_domain::Platform;

    fn platform() -> impl Strategy<Value = Platform> {
        prop::sample::select(Platform::ALL.to_vec())
    }

    fn ticket_status() -> impl Strategy<Value = TicketStatus> {
        prop::sample::select(TicketStatus::ALL.to_vec())
    }

    proptest! {
        #[test]
        fn ids_round_trip_and_sort_numerically(a: u64, b: u64) {
            prop_assert_eq!(u64_from(META, &id(a)).unwrap(), a);
            prop_assert_eq!(id(a).cmp(&id(b)), a.cmp(&b));
        }

        #[test]
        fn message_keys_sort_by_ticket_then_seq(t1: u64, s1: u32, t2: u64, s2: u32) {
            let (a, b) = (message(TicketId(t1), s1), message(TicketId(t2), s2));
            prop_assert_eq!(a.cmp(&b), (t1, s1).cmp(&(t2, s2)));
            // `messages(ticket)` scans the ticket's id as a prefix.
            prop_assert!(a.starts_with(&id(t1)));
        }

        #[test]
        fn times_round_trip_and_sort_like_times(a: i64, b: i64) {
            prop_assert_eq!(time_from(time(Timestamp(a))), Timestamp(a));
            prop_assert_eq!(time(Timestamp(a)).cmp(&time(Timestamp(b))), a.cmp(&b));
        }

        #[test]
        fn due_keys_round_trip_and_sort_by_time_then_job(t1: i64, j1: u64, t2: i64, j2: u64) {
            let (a, b) = (due(Timestamp(t1), JobId(j1)), due(Timestamp(t2), JobId(j2)));
            prop_assert_eq!(due_from(&a).unwrap(), (Timestamp(t1), JobId(j1)));
            prop_assert_eq!(a.cmp(&b), (t1, j1).cmp(&(t2, j2)));
            // Any other length is refused, not misread.
            prop_assert!(due_from(&a[..15]).is_err());
        }

        #[test]
        fn status_keys_round_trip_and_sort_by_ticket(
            s1 in ticket_status(),
            s2 in ticket_status(),
            t1: u64,
            t2: u64,
        ) {
            let (a, b) = (status(s1, TicketId(t1)), status(s2, TicketId(t2)));
            prop_assert_eq!(ticket_of_status_key(&a).unwrap(), TicketId(t1));
            // A status's prefix selects exactly its own keys...
            prop_assert_eq!(a.starts_with(&status_prefix(s2)), s1 == s2);
            // ...and within one status the keys are in ticket order (oldest first).
            if s1 == s2 {
                prop_assert_eq!(a.cmp(&b), t1.cmp(&t2));
            }
        }

        #[test]
        fn party_keys_split_at_the_first_colon(p in platform(), id in ".*") {
            let key = party(&PartyId::new(p, id.clone()));
            let text = String::from_utf8(key).unwrap();
            prop_assert_eq!(text.split_once(':'), Some((p.as_str(), id.as_str())));
        }

        #[test]
        fn customer_chat_keys_are_unique_per_pair(
            cp1 in platform(), c1 in ".{0,8}", hp1 in platform(), h1 in ".{0,8}",
            cp2 in platform(), c2 in ".{0,8}", hp2 in platform(), h2 in ".{0,8}",
        ) {
            let pair1 = (PartyId::new(cp1, c1), ChatId::new(hp1, h1));
            let pair2 = (PartyId::new(cp2, c2), ChatId::new(hp2, h2));
            let k1 = customer_chat(&pair1.0, &pair1.1);
            let k2 = customer_chat(&pair2.0, &pair2.1);
            prop_assert_eq!(k1 == k2, pair1 == pair2);
        }

        #[test]
        fn values_round_trip(id: u64, name in ".*", seen: bool, at: Option<i64>) {
            let value = (TicketId(id), name, seen, at);
            let bytes = encode(&value).unwrap();
            prop_assert_eq!(bytes[0], VALUE_MSGPACK);
            prop_assert_eq!(decode::<(TicketId, String, bool, Option<i64>)>("t", &bytes).unwrap(), value);
        }
    }
}
