//! The contract every [`crate::Store`] must keep, as one suite run against each
//! implementation (teloxide's `tests/sqlite.rs` is the model). Enabled by the `contract`
//! feature, for the tests of store implementations.
