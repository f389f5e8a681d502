//! Switchboard's triage engine: keyword rules written by admins, compiled once, run on every
//! customer message.
//!
//! Parts:
//! - [`normalize`]: NFKC, case folding and the word-boundary form that keywords match on.
//! - [`signals`]: built-in signals (negative sentiment, anger, a request for a human, urgency).
//! - [`person`]: the request-for-a-person detector behind the `human` signal (a contact verb
//!   near a person noun, bare requests, call-backs; look-alikes excluded).
//! - `fuzzy`: typo tolerance, a keyword word of five letters or more also matching a
//!   message word at one edit, through a deletion index (fast, allocation free).
//! - [`engine`]: rules text → validated [`Engine`] → [`Verdict`], with [`Engine::explain`].
//! - `prefilter`: the words a regex cannot match without, so the `RegexSet` runs only
//!   when one was seen.
//! - [`backtest`]: scores an engine on labelled messages (precision, recall, F1, confusion).
//! - [`suggest`]: mines candidate keywords for a label from labelled messages, ranked by
//!   precision and by the rows the rules miss today (`rules suggest`).
//! - [`error`]: [`Diagnostic`]s that name the file, line and column and say what to do.
//!
//! The crate is pure: no I/O and no async runtime. Reading files, watching them and
//! printing reports is the binary's job (ARCHITECTURE.md, "Crates and what each may depend on").

#![warn(missing_docs)]

pub mod backtest;
pub mod engine;
pub mod error;
mod fuzzy;
pub mod normalize;
pub mod person;
mod prefilter;
mod rules;
mod shadow;
pub mod signals;
pub mod suggest;

pub use engine::{CompileOptions, Context, Engine, Explanation, Fired, Trace, Verdict};
pub use error::{Diagnostic, RulesError};
pub use signals::{Signal, Signals};
