//! The commit journal: how one commit stays atomic without a sled transaction.
//!
//! sled 0.34 serialises every transaction (and every `apply_batch`) behind one global
//! reader-writer lock, and `Db::flush` holds that lock as a reader for as long as the disk
//! takes. With group commit that made every flush stop the desk: commits and flushes took
//! turns, a few commits per flush. So a commit is written as plain single-key writes, which
//! need no such lock and run while a flush is under way, and made atomic by this journal:
//!
//! 1. every write of the commit (tree, key, value or removal) is computed first, reads and
//!    the version check included, under the store's commit lock;
//! 2. the whole list is inserted as one value under [`PENDING`] in the `pending_commit`
//!    tree (a single-key insert is atomic in sled);
//! 3. the writes are applied one by one;
//! 4. the [`PENDING`] entry is removed — except in an *anchored* entry (below).
//!
//! sled recovers a prefix of its log after a crash, so any write of step 3 that survived
//! has the step-2 entry behind it; [`SledStore::open`](crate::SledStore::open) applies a
//! leftover entry again (every write is absolute, so applying one twice changes nothing)
//! and removes it.
//!
//! Anchored entries save step 4 (a sled write per commit): when a commit writes a ticket,
//! its last write is that ticket, whose version only ever grows. The entry stays until the
//! next commit replaces it, and at open it is applied only if the stored ticket is older
//! than the anchor's version: then the crash cut this very commit short (a later commit
//! would have replaced the entry), so none of its writes were built on or acknowledged (an
//! outbox entry is delivered, and removed, only after its commit was flushed). A finished
//! commit's entry is never applied again, so a delivered message is not resurrected and a
//! later single-write commit is not undone. Readers in the process take the store's view lock, which the commit holds
//! for steps 3 and 4 only (microseconds), so they see whole commits as before.
//!
//! The entry's bytes: [`FORMAT`], then per write: the tree's index in
//! [`SledStore`](crate::SledStore)'s tree list (u8), 1 for an insert or 0 for a removal,
//! the key's length (u32 BE) and the key, and for an insert the value's length (u32 BE) and
//! the value.

use switchboard_desk::StoreError;

/// The one key of the `pending_commit` tree.
pub(crate) const PENDING: &[u8] = b"pending";

/// The first byte of a journal entry that is applied whenever it is found.
const FORMAT: u8 = 1;
/// The first byte of an anchored entry (see the module docs).
const FORMAT_ANCHORED: u8 = 2;

/// One write of a commit.
pub(crate) struct Write {
    /// Index of the tree (see `SledStore::trees`).
    pub tree: u8,
    pub key: Vec<u8>,
    /// `None` removes the key.
    pub value: Option<Vec<u8>>,
}

/// Encodes a list of writes as a journal entry; `anchored` when the last write is a
/// ticket (see the module docs).
pub(crate) fn encode(writes: &[Write], anchored: bool) -> Vec<u8> {
    let size: usize = writes
        .iter()
        .map(|w| 10 + w.key.len() + w.value.as_ref().map_or(0, |v| 4 + v.len()))
        .sum();
    let mut out = Vec::with_capacity(1 + size);
    out.push(if anchored { FORMAT_ANCHORED } else { FORMAT });
    for w in writes {
        out.push(w.tree);
        out.push(u8::from(w.value.is_some()));
        push_bytes(&mut out, &w.key);
        if let Some(v) = &w.value {
            push_bytes(&mut out, v);
        }
    }
    out
}

fn push_bytes(out: &mut Vec<u8>, b: &[u8]) {
    // Keys and values are far below 4 GiB: a commit is built in memory, sled caps values.
    out.extend_from_slice(&u32::try_from(b.len()).unwrap_or(u32::MAX).to_be_bytes());
    out.extend_from_slice(b);
}

/// Reads a journal entry back, with whether it is anchored; `trees` is how many trees
/// there are.
pub(crate) fn decode(bytes: &[u8], trees: usize) -> Result<(Vec<Write>, bool), StoreError> {
    let bad = |why: &str| StoreError::Corrupt(format!("unreadable pending commit: {why}"));
    let (mut rest, anchored) = match bytes.split_first() {
        Some((&FORMAT, rest)) => (rest, false),
        Some((&FORMAT_ANCHORED, rest)) => (rest, true),
        Some((other, _)) => return Err(bad(&format!("unknown format {other}"))),
        None => return Err(bad("empty")),
    };
    fn take<'a>(rest: &mut &'a [u8], n: usize) -> Option<&'a [u8]> {
        if rest.len() < n {
            return None;
        }
        let (head, tail) = rest.split_at(n);
        *rest = tail;
        Some(head)
    }
    fn field(rest: &mut &[u8]) -> Option<Vec<u8>> {
        let len = u32::from_be_bytes(take(rest, 4)?.try_into().ok()?) as usize;
        Some(take(rest, len)?.to_vec())
    }
    let mut writes = Vec::new();
    while !rest.is_empty() {
        let head = take(&mut rest, 2).ok_or_else(|| bad("truncated"))?;
        let (tree, op) = (head[0], head[1]);
        if usize::from(tree) >= trees || op > 1 {
            return Err(bad("bad write header"));
        }
        let key = field(&mut rest).ok_or_else(|| bad("truncated"))?;
        let value = match op {
            1 => Some(field(&mut rest).ok_or_else(|| bad("truncated"))?),
            _ => None,
        };
        writes.push(Write { tree, key, value });
    }
    Ok((writes, anchored))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_round_trip() {
        let writes = vec![
            Write {
                tree: 3,
                key: b"k1".to_vec(),
                value: Some(b"\x01{}".to_vec()),
            },
            Write {
                tree: 0,
                key: vec![],
                value: None,
            },
            Write {
                tree: 12,
                key: vec![0; 300],
                value: Some(vec![]),
            },
        ];
        let (back, anchored) = decode(&encode(&writes, false), 13).unwrap();
        assert!(!anchored);
        assert!(decode(&encode(&writes, true), 13).unwrap().1);
        assert_eq!(back.len(), 3);
        for (a, b) in writes.iter().zip(&back) {
            assert_eq!((a.tree, &a.key, &a.value), (b.tree, &b.key, &b.value));
        }
        assert!(decode(&encode(&[], false), 13).unwrap().0.is_empty());
    }

    #[test]
    fn damaged_entries_are_refused() {
        let e = encode(
            &[Write {
                tree: 1,
                key: b"key".to_vec(),
                value: Some(b"value".to_vec()),
            }],
            true,
        );
        assert!(matches!(
            decode(&e[..e.len() - 1], 13),
            Err(StoreError::Corrupt(_))
        ));
        assert!(matches!(decode(&e, 1), Err(StoreError::Corrupt(_))));
        assert!(matches!(decode(b"\x09", 13), Err(StoreError::Corrupt(_))));
        assert!(matches!(decode(b"", 13), Err(StoreError::Corrupt(_))));
    }
}
