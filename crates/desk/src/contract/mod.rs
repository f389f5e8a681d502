//! The contract every [`crate::Store`] must keep, as one suite run against each
//! implementation (teloxide's `tests/sqlite.rs` and ripgrep's `rgtest!` are the models).
//! Enabled by the `contract` feature, for the tests of store implementations.
//!
//! Parts:
//! - one public function per property, each taking a fresh, empty store, by area:
//!   `records` (what commits write and the reads that find it), `commits` (version checks,
//!   all or nothing, reads before a flush), `jobs` (timers), `outbox`, `channels` (what
//!   channels write outside commits);
//! - [`store_contract_tests!`](crate::store_contract_tests), which expands to one
//!   `#[test]` per property for a given way of making a store;
//! - [`AsStore`], so that a fixture may carry a guard (a temporary directory) next to the
//!   store: `store_contract_tests!((SledStore::open(..), tempdir))`;
//! - sample records ([`ticket`], [`customer`], [`message`], [`agent`], [`outbound`],
//!   [`job`]) for these and other store tests.
//!
//! [`MemoryStore`](crate::MemoryStore) is the reference: every property here holds for it.
//! The functions panic (this is test code) with a message naming what broke.

mod channels;
mod commits;
mod jobs;
mod outbox;
mod records;
mod samples;

pub use channels::*;
pub use commits::*;
pub use jobs::*;
pub use outbox::*;
pub use records::*;
pub use samples::*;

use crate::Store;

/// Something that holds a store under test: a store itself, or `(store, guard)` where the
/// guard (a temporary directory) must outlive the store (tuple fields drop in order).
pub trait AsStore {
    /// The store.
    fn as_store(&self) -> &dyn Store;
}

impl<S: Store> AsStore for S {
    fn as_store(&self) -> &dyn Store {
        self
    }
}

impl<S: Store, G> AsStore for (S, G) {
    fn as_store(&self) -> &dyn Store {
        &self.0
    }
}

/// Expands to one `#[test]` per property of the store contract. The argument is an
/// expression evaluated afresh for every test, giving a new, empty store (or something
/// that implements [`AsStore`](crate::contract::AsStore), such as `(store, TempDir)`).
///
/// ```text
/// switchboard_desk::store_contract_tests!(switchboard_desk::MemoryStore::new());
/// ```
#[macro_export]
macro_rules! store_contract_tests {
    ($make:expr) => {
        $crate::store_contract_tests!(@each $make;
            empty_store_reads,
            empty_transition_commits,
            customers_round_trip,
            tickets_round_trip,
            messages_come_back_in_order,
            agents_found_by_name_ignoring_case,
            links_round_trip,
            last_ticket_id_only_grows,
            latest_ticket_is_the_newest_for_customer_and_chat,
            tickets_filter_by_status_oldest_first,
            seen_keys_are_remembered,
            ticket_versions_must_follow_the_stored_one,
            conflicting_commit_applies_nothing,
            due_jobs_earliest_first_with_limit,
            jobs_not_due_are_not_returned,
            next_due_is_the_earliest_job,
            done_jobs_are_removed,
            job_ids_are_unique_and_increasing,
            outbox_ids_increase_in_commit_order,
            outbox_lists_oldest_first_with_limit,
            ack_removes_and_missing_ack_is_ok,
            outbox_after_reads_past_a_cursor,
            outbox_in_reads_one_lane_between_ids,
            dead_letters_leave_the_outbox_and_come_back_with_a_new_id,
            reads_see_unflushed_commits,
            links_written_outside_commits_are_found,
            channel_state_is_set_replaced_and_removed,
            channel_states_list_by_prefix_in_key_order,
            roster_writes_follow_the_stored_version,
        );
    };
    (@each $make:expr; $($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                let fixture = $make;
                $crate::contract::$name($crate::contract::AsStore::as_store(&fixture));
            }
        )*
    };
}

#[cfg(test)]
mod memory {
    crate::store_contract_tests!(crate::MemoryStore::new());
}
