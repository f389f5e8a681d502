//! Turning sled's and serde's errors into the desk's [`StoreError`], whose variants say what
//! the caller can do: a full disk ([`StoreError::Full`]) is worth retrying after freeing
//! space, damaged data ([`StoreError::Corrupt`]) is not.

use std::io;

use switchboard_desk::StoreError;

/// Maps a sled error.
pub(crate) fn from_sled(e: sled::Error) -> StoreError {
    match e {
        sled::Error::Io(io) => from_io(&io),
        sled::Error::Corruption { at, .. } => {
            StoreError::Corrupt(format!("sled found corrupted data at {at:?}"))
        }
        sled::Error::CollectionNotFound(name) => StoreError::Corrupt(format!(
            "tree {:?} is missing",
            String::from_utf8_lossy(&name)
        )),
        other => {
            let text = other.to_string();
            if says_disk_full(&text) {
                StoreError::Full
            } else {
                StoreError::Io(text)
            }
        }
    }
}

/// Maps an I/O error (a full disk is recognised by kind or by the OS's message).
pub(crate) fn from_io(e: &io::Error) -> StoreError {
    let text = e.to_string();
    if e.kind() == io::ErrorKind::StorageFull || says_disk_full(&text) {
        StoreError::Full
    } else {
        StoreError::Io(text)
    }
}

fn says_disk_full(text: &str) -> bool {
    text.contains("No space left on device") || text.contains("os error 28")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_disk_is_recognised() {
        let by_kind = io::Error::new(io::ErrorKind::StorageFull, "whatever");
        assert_eq!(from_io(&by_kind), StoreError::Full);
        let by_os = io::Error::from_raw_os_error(28);
        assert_eq!(from_sled(sled::Error::Io(by_os)), StoreError::Full);
        let wrapped = sled::Error::ReportableBug("write failed: No space left on device".into());
        assert_eq!(from_sled(wrapped), StoreError::Full);
    }

    #[test]
    fn corruption_and_other_errors_are_told_apart() {
        assert!(matches!(
            from_sled(sled::Error::Corruption { at: None, bt: () }),
            StoreError::Corrupt(_)
        ));
        let denied = io::Error::from(io::ErrorKind::PermissionDenied);
        assert!(matches!(
            from_sled(sled::Error::Io(denied)),
            StoreError::Io(_)
        ));
    }
}
