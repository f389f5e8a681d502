//! [`lock`]: taking a mutex whose holder may have panicked, written once for the app.
//!
//! A poisoned mutex means a thread panicked while holding it. Every mutex in the app guards
//! data that is consistent after each operation on it (a set of ids, the console's
//! transcript state), so the data is still good and the lock is taken anyway: one
//! panicking task must not take the whole service down with it.

use std::sync::{Mutex, MutexGuard};

/// Locks `m`, recovering the guard of a poisoned mutex. Use it only for data that no
/// panic can leave half-changed (see the module's header).
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::lock;

    #[test]
    fn a_poisoned_lock_is_taken_anyway() {
        let m = Arc::new(Mutex::new(1));
        let m2 = m.clone();
        let _ = std::thread::spawn(move || {
            let _g = m2.lock();
            panic!("poison it");
        })
        .join();
        assert!(m.is_poisoned());
        *lock(&m) += 1;
        assert_eq!(*lock(&m), 2);
    }
}
