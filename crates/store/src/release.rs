//! Dropping a store lets go of its directory before the drop returns.
//!
//! sled holds an exclusive `flock` on `<dir>/db` for as long as its file is open, and the
//! file is closed when the last reference to sled's running configuration goes. Dropping
//! every `Db` and `Tree` handle is not always the last one: sled writes its log buffers on a
//! global pool of I/O threads (`sled-io-*`), and a write job keeps a reference until it
//! returns, a moment *after* the flush that waited for it has seen it complete. On a busy
//! machine that thread may not run again for milliseconds, so a store reopened right after
//! a drop found the directory locked (`could not acquire lock … WouldBlock`). The pool is
//! global and cannot be joined, so instead:
//!
//! - [`crate::SledStore`]'s `Drop` flushes first, so that no write is left to start;
//! - its sled handles are dropped (fields drop in order) before its last field, a
//!   [`Release`], whose `Drop` waits until the directory's lock can be taken, i.e. until
//!   sled's I/O thread closed the file ([`RELEASE_WAIT`] at most);
//! - the group-commit flusher holds the database only weakly (see
//!   [`crate::SledStore::group_commit`]), so it never keeps the directory after the store.

use std::fs::{File, TryLockError};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// How long a drop waits for sled's I/O threads to close the database file. They need
/// microseconds when they get a core; this is a bound for a machine under heavy load, not
/// a delay: the wait ends as soon as the lock is free.
pub(crate) const RELEASE_WAIT: Duration = Duration::from_secs(10);

/// The last field of a store: waits on drop until the store's directory lock is free.
pub(crate) struct Release {
    /// `<dir>/db`, the file sled locks; `None` for a temporary store (nobody reopens it).
    lock_file: Option<PathBuf>,
}

impl Release {
    /// For a store in directory `dir` (`None`: a temporary store).
    pub(crate) fn new(dir: Option<PathBuf>) -> Release {
        Release {
            lock_file: dir.map(|d| d.join("db")),
        }
    }
}

impl Drop for Release {
    fn drop(&mut self) {
        let Some(path) = &self.lock_file else { return };
        let deadline = Instant::now() + RELEASE_WAIT;
        loop {
            // A lock of our own (a new open file description) conflicts with sled's until
            // sled's file is closed; ours goes with `file` at the end of the iteration.
            let Ok(file) = File::open(path) else { return };
            match file.try_lock() {
                Ok(()) => return,
                Err(TryLockError::WouldBlock) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(1));
                }
                // Held past the deadline (another handle of the database is still alive in
                // this process), or locks are not supported here: nothing to wait for.
                Err(_) => return,
            }
        }
    }
}
