//! The schema version in `meta`, and migrations.
//!
//! Opening a new store stamps [`SCHEMA_VERSION`]; opening an older one runs the steps from
//! its version up, one at a time, stamping each, then flushes; opening a newer one refuses
//! with [`StoreError::TooNew`], before anything is written, so that an old binary started
//! by mistake cannot damage a store that a newer one wrote.

use sled::{Db, Tree};
use switchboard_desk::StoreError;

use crate::error::from_sled;
use crate::keys;

/// The layout this program reads and writes.
///
/// 2 added the `pending_commit` journal: a binary of version 1 would not complete a commit
/// that a crash interrupted, so it must not open such a store.
/// 3 added the outbox's lane index (`lane_outboxid`, built from the outbox by the step) and
/// dead letters (`outboxid_deadletter`): a binary of version 2 would leave new entries out
/// of the index and journal entries it cannot read.
pub const SCHEMA_VERSION: u32 = 3;

/// Reads the stamped version, if any.
pub(crate) fn read(meta: &Tree) -> Result<Option<u32>, StoreError> {
    match meta.get(keys::META_SCHEMA).map_err(from_sled)? {
        None => Ok(None),
        Some(v) => <[u8; 4]>::try_from(v.as_ref())
            .map(|b| Some(u32::from_be_bytes(b)))
            .map_err(|_| StoreError::Corrupt(format!("bad schema version bytes {v:?} in meta"))),
    }
}

/// Stamps `version`.
pub(crate) fn stamp(meta: &Tree, version: u32) -> Result<(), StoreError> {
    meta.insert(keys::META_SCHEMA, &version.to_be_bytes())
        .map_err(from_sled)?;
    Ok(())
}

/// Brings the store to [`SCHEMA_VERSION`], or refuses. `data` are the trees that hold
/// records: a store without a version must have none (it is new).
pub(crate) fn prepare(db: &Db, meta: &Tree, data: &[&Tree]) -> Result<(), StoreError> {
    match read(meta)? {
        Some(found) if found > SCHEMA_VERSION => Err(StoreError::TooNew {
            found,
            supported: SCHEMA_VERSION,
        }),
        Some(found) if found == SCHEMA_VERSION => Ok(()),
        Some(found) => {
            for from in found..SCHEMA_VERSION {
                step(db, from)?;
                stamp(meta, from + 1)?;
            }
            db.flush().map_err(from_sled)?;
            Ok(())
        }
        None => {
            if data.iter().any(|t| !t.is_empty()) {
                return Err(StoreError::Corrupt(
                    "the store holds records but no schema version; it was not written by Switchboard"
                        .into(),
                ));
            }
            stamp(meta, SCHEMA_VERSION)?;
            db.flush().map_err(from_sled)?;
            Ok(())
        }
    }
}

/// Migrates from `from` to `from + 1`. Each step must be safe to run again if the process
/// dies before the new version is stamped.
fn step(db: &Db, from: u32) -> Result<(), StoreError> {
    match from {
        // Version 0 is a store from before versions were stamped: same layout as 1.
        0 => Ok(()),
        // 1 -> 2: the `pending_commit` tree starts empty; sled creates it when opened.
        1 => Ok(()),
        // 2 -> 3: index every outbox entry by lane (writing a key twice is harmless, so the
        // step may run again); `outboxid_deadletter` starts empty.
        2 => index_lanes(db),
        _ => Err(StoreError::Corrupt(format!(
            "no migration from schema version {from}"
        ))),
    }
}

/// Writes the `lane_outboxid` key of every outbox entry.
fn index_lanes(db: &Db) -> Result<(), StoreError> {
    #[derive(serde::Deserialize)]
    struct Head {
        to: switchboard_domain::Destination,
    }
    let outbox = db.open_tree(keys::OUTBOX).map_err(from_sled)?;
    let lanes = db.open_tree(keys::LANE).map_err(from_sled)?;
    for kv in outbox.iter() {
        let (k, v) = kv.map_err(from_sled)?;
        let id = switchboard_desk::OutboxId(keys::u64_from(keys::OUTBOX, &k)?);
        let head: Head = keys::decode(keys::OUTBOX, &v)?;
        let (key, value) = keys::lane(&head.to, id);
        lanes.insert(key, value).map_err(from_sled)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SledStore;
    use switchboard_desk::contract::{outbound, ticket};
    use switchboard_desk::{Store, Transition};
    use switchboard_domain::{TicketId, TicketStatus};

    fn raw_meta(dir: &std::path::Path, version: u32) {
        let db = sled::open(dir).unwrap();
        let meta = db.open_tree(keys::META).unwrap();
        stamp(&meta, version).unwrap();
        db.flush().unwrap();
    }

    #[test]
    fn a_new_store_is_stamped_with_the_current_version() {
        let dir = tempfile::tempdir().unwrap();
        let store = SledStore::open(dir.path()).unwrap();
        assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
        drop(store);
        let db = sled::open(dir.path()).unwrap();
        assert_eq!(
            read(&db.open_tree(keys::META).unwrap()).unwrap(),
            Some(SCHEMA_VERSION)
        );
    }

    #[test]
    fn an_older_store_is_migrated_and_keeps_its_records() {
        let dir = tempfile::tempdir().unwrap();
        {
            let store = SledStore::open(dir.path()).unwrap();
            store
                .commit(&Transition {
                    tickets: vec![ticket(1, "u1", "c1", TicketStatus::Queued, 1)],
                    outbound: vec![outbound("hello")],
                    last_ticket_id: Some(1),
                    ..Default::default()
                })
                .unwrap();
            store.flush().unwrap();
        }
        raw_meta(dir.path(), 0);
        let store = SledStore::open(dir.path()).unwrap();
        assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
        assert_eq!(store.ticket(TicketId(1)).unwrap().unwrap().version, 1);
        assert_eq!(store.outbox(10).unwrap().len(), 1);
        assert_eq!(store.last_ticket_id().unwrap(), 1);
    }

    #[test]
    fn a_version_2_store_gets_its_outbox_indexed_by_lane() {
        use switchboard_desk::Lane;
        use switchboard_domain::Destination;
        let dir = tempfile::tempdir().unwrap();
        let mut card = outbound("card");
        card.to = Destination::Ticket {
            ticket: TicketId(4),
        };
        let c = {
            let store = SledStore::open(dir.path()).unwrap();
            let c = store
                .commit(&Transition {
                    outbound: vec![outbound("hello"), card],
                    ..Default::default()
                })
                .unwrap();
            store.flush().unwrap();
            c
        };
        // What version 2 left: the outbox, no lane index.
        {
            let db = sled::open(dir.path()).unwrap();
            db.drop_tree(keys::LANE).unwrap();
            stamp(&db.open_tree(keys::META).unwrap(), 2).unwrap();
            db.flush().unwrap();
        }
        let store = SledStore::open(dir.path()).unwrap();
        assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
        let last = c.outbox[1];
        let staff = store.outbox_in(&Lane::Staff, None, last, 10).unwrap();
        assert_eq!(staff.len(), 1);
        assert_eq!(staff[0].1.text, "card");
        let chat = Lane::Chat(switchboard_desk::contract::chat("c1"));
        assert_eq!(store.outbox_in(&chat, None, last, 10).unwrap().len(), 1);
    }

    #[test]
    fn a_newer_store_is_refused_untouched() {
        let dir = tempfile::tempdir().unwrap();
        drop(SledStore::open(dir.path()).unwrap());
        raw_meta(dir.path(), SCHEMA_VERSION + 1);
        let err = SledStore::open(dir.path()).err().unwrap();
        assert_eq!(
            err,
            StoreError::TooNew {
                found: SCHEMA_VERSION + 1,
                supported: SCHEMA_VERSION
            }
        );
        let text = err.to_string();
        assert!(text.contains("upgrade Switchboard"), "{text}");
        let db = sled::open(dir.path()).unwrap();
        assert_eq!(
            read(&db.open_tree(keys::META).unwrap()).unwrap(),
            Some(SCHEMA_VERSION + 1)
        );
    }

    #[test]
    fn records_without_a_version_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        {
            let db = sled::open(dir.path()).unwrap();
            db.open_tree(keys::TICKETS)
                .unwrap()
                .insert(keys::id(1), b"\x01{}".to_vec())
                .unwrap();
            db.flush().unwrap();
        }
        assert!(matches!(
            SledStore::open(dir.path()),
            Err(StoreError::Corrupt(_))
        ));
    }
}
