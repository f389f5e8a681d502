//! Group commit: many commits share one flush.
//!
//! A flush (fsync) costs milliseconds; a commit costs microseconds. The runtime commits,
//! then asks [`GroupCommit::request`] for a [`Durable`] and waits on it (blocking with
//! [`Durable::wait`], or from async code with [`Durable::on_done`]) before it acknowledges
//! the update or sends a reply. A background thread flushes while there are requests: every
//! request made while a flush runs joins the next one, so under load one fsync covers many
//! commits and with no load nothing is flushed.
//!
//! Under load (the last flush covered more than one request) the flusher first waits
//! [`LINGER`] (1 ms) so that one flush covers more commits; with one request at a time it
//! flushes at once.
//!
//! The guarantee: a request completes only after a flush that *started after the request
//! was made* — the flusher takes the pending requests, then flushes — so every commit that
//! returned before `request` is durable when it completes.
//!
//! A store that is reopened after an I/O error (module `reopen`) loses what was committed
//! but not flushed. Started with an epoch ([`GroupCommit::start_with_epoch`]), the flusher
//! fails every request made in an earlier epoch than the flush that would complete it, so
//! that nothing committed before a reopen is reported durable by a flush after it. A flush
//! that panics fails its batch; the flusher goes on (a store that recovers is flushed
//! again).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use switchboard_desk::StoreError;

type Callback = Box<dyn FnOnce(Result<(), StoreError>) + Send>;

enum SlotState {
    Waiting(Option<Callback>),
    Done(Result<(), StoreError>),
}

/// One request's outcome, filled in by the flusher.
struct Slot {
    state: Mutex<SlotState>,
    done: Condvar,
    /// The store's epoch when the request was made (0 without one).
    epoch: u64,
}

// Every critical section here leaves its data consistent before anything that can panic
// (callbacks run outside the locks), so a poisoned lock is safe to use.
use switchboard_domain::sync::lock;

impl Slot {
    fn new(state: SlotState, epoch: u64) -> Arc<Slot> {
        Arc::new(Slot {
            state: Mutex::new(state),
            done: Condvar::new(),
            epoch,
        })
    }

    fn complete(&self, result: Result<(), StoreError>) {
        let callback = {
            let mut state = lock(&self.state);
            let callback = match &mut *state {
                SlotState::Waiting(cb) => cb.take(),
                SlotState::Done(_) => return,
            };
            *state = SlotState::Done(result.clone());
            self.done.notify_all();
            callback
        };
        if let Some(cb) = callback {
            cb(result);
        }
    }
}

/// A promise that the commits made before it was requested become durable.
#[must_use = "a Durable does nothing unless waited on"]
pub struct Durable {
    slot: Arc<Slot>,
}

impl Durable {
    /// Blocks until the flush covering this request finished, and returns its result.
    pub fn wait(self) -> Result<(), StoreError> {
        let mut state = lock(&self.slot.state);
        loop {
            if let SlotState::Done(r) = &*state {
                return r.clone();
            }
            state = self
                .slot
                .done
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }

    /// Calls `f` with the result once the flush finished: on the flusher thread, or right
    /// here if it already has. For async runtimes: send the result through a oneshot
    /// channel. `f` must be quick; it delays the next flush.
    pub fn on_done(self, f: impl FnOnce(Result<(), StoreError>) + Send + 'static) {
        let ready = {
            let mut state = lock(&self.slot.state);
            match &mut *state {
                SlotState::Done(r) => Some(r.clone()),
                SlotState::Waiting(cb) => {
                    *cb = Some(Box::new(f));
                    return;
                }
            }
        };
        if let Some(r) = ready {
            f(r);
        }
    }

    /// Whether the flush covering this request has finished.
    pub fn is_done(&self) -> bool {
        matches!(*lock(&self.slot.state), SlotState::Done(_))
    }
}

struct Queue {
    pending: Vec<Arc<Slot>>,
    closing: bool,
    /// The flusher has stopped (closed or panicked): requests fail at once.
    stopped: bool,
    flushes: u64,
}

struct Shared {
    queue: Mutex<Queue>,
    wake: Condvar,
}

/// A background thread that flushes while commits wait to be durable (see the module
/// docs). Dropping it completes the pending requests (with a last flush) and joins the
/// thread.
pub struct GroupCommit {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
    epoch: Option<Arc<AtomicU64>>,
}

impl GroupCommit {
    /// Starts the flusher thread; `flush` makes every write made before the call durable
    /// (for example `SledStore::flush`).
    pub fn start(
        flush: impl FnMut() -> Result<(), StoreError> + Send + 'static,
    ) -> Result<GroupCommit, StoreError> {
        GroupCommit::start_inner(flush, None)
    }

    /// Like [`GroupCommit::start`], for a store whose `epoch` goes up each time it is
    /// reopened: a request completes with an error when the flush that would cover it ran
    /// in a later epoch (what it was to make durable was lost with the reopen).
    pub fn start_with_epoch(
        flush: impl FnMut() -> Result<(), StoreError> + Send + 'static,
        epoch: Arc<AtomicU64>,
    ) -> Result<GroupCommit, StoreError> {
        GroupCommit::start_inner(flush, Some(epoch))
    }

    fn start_inner(
        flush: impl FnMut() -> Result<(), StoreError> + Send + 'static,
        epoch: Option<Arc<AtomicU64>>,
    ) -> Result<GroupCommit, StoreError> {
        let shared = Arc::new(Shared {
            queue: Mutex::new(Queue {
                pending: Vec::new(),
                closing: false,
                stopped: false,
                flushes: 0,
            }),
            wake: Condvar::new(),
        });
        let for_thread = shared.clone();
        let flusher_epoch = epoch.clone();
        let thread = std::thread::Builder::new()
            .name("store-flusher".into())
            .spawn(move || flusher(&for_thread, flush, flusher_epoch.as_deref()))
            .map_err(|e| StoreError::Io(format!("could not start the flusher thread: {e}")))?;
        Ok(GroupCommit {
            shared,
            thread: Some(thread),
            epoch,
        })
    }

    /// Asks for the commits that returned before this call to be made durable.
    pub fn request(&self) -> Durable {
        let mut q = lock(&self.shared.queue);
        if q.stopped {
            return Durable {
                slot: Slot::new(
                    SlotState::Done(Err(StoreError::Io(
                        "the store's flusher has stopped".into(),
                    ))),
                    0,
                ),
            };
        }
        let committed = COMMITTED_IN.with(std::cell::Cell::take);
        let epoch = self.epoch.as_ref().map_or(0, |e| {
            let now = e.load(Ordering::SeqCst);
            committed.map_or(now, |c| c.min(now))
        });
        let slot = Slot::new(SlotState::Waiting(None), epoch);
        q.pending.push(slot.clone());
        self.shared.wake.notify_one();
        Durable { slot }
    }

    /// How many flushes ran so far (for metrics and tests).
    pub fn flushes(&self) -> u64 {
        lock(&self.shared.queue).flushes
    }
}

impl Drop for GroupCommit {
    fn drop(&mut self) {
        lock(&self.shared.queue).closing = true;
        self.shared.wake.notify_one();
        if let Some(t) = self.thread.take() {
            // A panic of the flusher was already reported to its waiters by `Stopper`.
            let _ = t.join();
        }
    }
}

/// Marks the queue stopped and fails what is left when the flusher ends, normally or by a
/// panic, so that no waiter waits forever.
struct Stopper<'a>(&'a Shared);

impl Drop for Stopper<'_> {
    fn drop(&mut self) {
        let left = {
            let mut q = lock(&self.0.queue);
            q.stopped = true;
            std::mem::take(&mut q.pending)
        };
        for slot in left {
            slot.complete(Err(StoreError::Io(
                "the store's flusher has stopped".into(),
            )));
        }
    }
}

/// The requests taken for one flush; completed with an error if the flush panics.
struct Batch(Vec<Arc<Slot>>);

impl Drop for Batch {
    fn drop(&mut self) {
        for slot in self.0.drain(..) {
            slot.complete(Err(StoreError::Io("the store's flush panicked".into())));
        }
    }
}

/// How long a flush waits for more requests when the last one covered several (see
/// [`flusher`]).
const LINGER: Duration = Duration::from_micros(1000);

thread_local! {
    /// The oldest epoch a commit on this thread ran in since this thread's last request
    /// (see [`note_commit`]).
    static COMMITTED_IN: std::cell::Cell<Option<u64>> = const { std::cell::Cell::new(None) };
}

/// Notes that a commit ran in `epoch` on this thread. The next request made on this thread
/// counts as made in the oldest such epoch: callers commit, then request a flush right
/// away on the same thread (no await between), so a commit made before a reopen whose
/// request comes after it still fails instead of being reported durable.
pub(crate) fn note_commit(epoch: u64) {
    COMMITTED_IN.with(|c| c.set(Some(c.get().map_or(epoch, |e| e.min(epoch)))));
}

/// What a request made before a reopen gets from a flush after it.
pub(crate) const LOST_IN_REOPEN: &str = "the store was reopened after an I/O error: what was committed before that was not flushed, and is offered again";

fn flusher(
    shared: &Shared,
    mut flush: impl FnMut() -> Result<(), StoreError>,
    epoch: Option<&AtomicU64>,
) {
    let epoch_now = || epoch.map_or(0, |e| e.load(Ordering::SeqCst));
    let _stopper = Stopper(shared);
    let mut last_batch = 0;
    loop {
        // Under load (the last flush covered several requests) a flush waits a moment for
        // more: each flush costs the disk and the other threads' CPU about the same whatever
        // it covers (on 2 cores, 1 ms of waiting raised sustained throughput from about 13,000
        // to 16,000 commits/s, benches/desk.rs). With one request at a time nothing waits.
        if last_batch > 1 {
            std::thread::sleep(LINGER);
        }
        let mut batch = {
            let mut q = lock(&shared.queue);
            while q.pending.is_empty() && !q.closing {
                q = shared.wake.wait(q).unwrap_or_else(PoisonError::into_inner);
            }
            if q.pending.is_empty() {
                return;
            }
            Batch(std::mem::take(&mut q.pending))
        };
        last_batch = batch.0.len();
        // Every request in `batch` was made before this flush starts.
        let before = epoch_now();
        // A panic fails this batch only: the store may recover, and later requests deserve
        // a flush.
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(&mut flush))
            .unwrap_or_else(|_| Err(StoreError::Io("the store's flush panicked".into())));
        let after = epoch_now();
        lock(&shared.queue).flushes += 1;
        for slot in batch.0.drain(..) {
            if result.is_ok() && (slot.epoch != before || before != after) {
                slot.complete(Err(StoreError::Io(LOST_IN_REOPEN.into())));
            } else {
                slot.complete(result.clone());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;

    #[test]
    fn a_request_waits_for_a_flush_that_started_after_it() {
        // The flush records how many requests existed when it started.
        let made = Arc::new(AtomicU64::new(0));
        let covered = Arc::new(AtomicU64::new(0));
        let (m, c) = (made.clone(), covered.clone());
        let group = GroupCommit::start(move || {
            let seen = m.load(Ordering::SeqCst);
            std::thread::sleep(Duration::from_millis(5));
            c.store(seen, Ordering::SeqCst);
            Ok(())
        })
        .unwrap();
        for _ in 0..20 {
            let n = made.fetch_add(1, Ordering::SeqCst) + 1;
            group.request().wait().unwrap();
            assert!(covered.load(Ordering::SeqCst) >= n);
        }
    }

    #[test]
    fn errors_reach_every_waiter_and_callbacks_run() {
        let group = GroupCommit::start(|| Err(StoreError::Full)).unwrap();
        assert_eq!(group.request().wait(), Err(StoreError::Full));
        let (tx, rx) = mpsc::channel();
        group.request().on_done(move |r| tx.send(r).unwrap());
        assert_eq!(
            rx.recv_timeout(Duration::from_secs(10)).unwrap(),
            Err(StoreError::Full)
        );
    }

    #[test]
    fn on_done_after_completion_runs_at_once() {
        let group = GroupCommit::start(|| Ok(())).unwrap();
        let d = group.request();
        while !d.is_done() {
            std::thread::sleep(Duration::from_millis(1));
        }
        let (tx, rx) = mpsc::channel();
        d.on_done(move |r| tx.send(r).unwrap());
        assert_eq!(rx.try_recv().unwrap(), Ok(()));
    }

    #[test]
    fn a_panicking_flush_fails_its_waiters_instead_of_hanging() {
        let group = GroupCommit::start(|| panic!("flush exploded")).unwrap();
        assert!(matches!(group.request().wait(), Err(StoreError::Io(_))));
        // Later requests fail at once.
        std::thread::sleep(Duration::from_millis(20));
        assert!(matches!(group.request().wait(), Err(StoreError::Io(_))));
    }

    #[test]
    fn a_request_made_before_a_reopen_fails_and_later_ones_succeed() {
        let epoch = Arc::new(AtomicU64::new(1));
        let (go_tx, go_rx) = mpsc::channel::<()>();
        let go_rx = Mutex::new(go_rx);
        let group = GroupCommit::start_with_epoch(
            move || {
                // Each flush waits for the test's go.
                let _ = lock(&go_rx).recv_timeout(Duration::from_secs(10));
                Ok(())
            },
            epoch.clone(),
        )
        .unwrap();
        let before = group.request();
        // The store is reopened before the flush runs.
        epoch.store(2, Ordering::SeqCst);
        go_tx.send(()).unwrap();
        assert_eq!(before.wait(), Err(StoreError::Io(LOST_IN_REOPEN.into())));
        let after = group.request();
        go_tx.send(()).unwrap();
        assert_eq!(after.wait(), Ok(()));

        // A commit made before a reopen whose request comes only after it fails too.
        note_commit(2);
        epoch.store(3, Ordering::SeqCst);
        let late = group.request();
        go_tx.send(()).unwrap();
        assert_eq!(late.wait(), Err(StoreError::Io(LOST_IN_REOPEN.into())));
        // The note is used once: the next request is of the current epoch.
        let next = group.request();
        go_tx.send(()).unwrap();
        assert_eq!(next.wait(), Ok(()));
    }

    #[test]
    fn a_flush_that_panics_fails_its_batch_and_the_next_may_succeed() {
        let calls = Arc::new(AtomicU64::new(0));
        let c = calls.clone();
        let group = GroupCommit::start(move || {
            if c.fetch_add(1, Ordering::SeqCst) == 0 {
                panic!("the first flush explodes");
            }
            Ok(())
        })
        .unwrap();
        assert!(matches!(group.request().wait(), Err(StoreError::Io(_))));
        assert_eq!(group.request().wait(), Ok(()));
    }

    #[test]
    fn dropping_completes_pending_requests() {
        let group = GroupCommit::start(|| {
            std::thread::sleep(Duration::from_millis(20));
            Ok(())
        })
        .unwrap();
        let waits: Vec<_> = (0..5).map(|_| group.request()).collect();
        drop(group);
        for d in waits {
            assert_eq!(d.wait(), Ok(()));
        }
    }

    #[test]
    fn concurrent_requests_share_flushes() {
        let group = Arc::new(
            GroupCommit::start(|| {
                std::thread::sleep(Duration::from_millis(2));
                Ok(())
            })
            .unwrap(),
        );
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let g = group.clone();
                std::thread::spawn(move || {
                    for _ in 0..25 {
                        g.request().wait().unwrap();
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        let flushes = group.flushes();
        assert!(flushes < 200, "{flushes} flushes for 200 requests");
    }
}
