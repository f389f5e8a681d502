//! Switchboard's sled store (work in progress).

#![warn(missing_docs)]
