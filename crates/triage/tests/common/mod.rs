//! Helpers shared by the triage integration tests: compile a rules text under a file's own
//! header (its categories), expect it refused, read the category.
#![allow(dead_code)] // each test file uses a part

use switchboard_triage::{CompileOptions, Context, Engine};

/// `head` (the categories) and `rules`, compiled; panics with the diagnostics if refused.
pub fn engine(head: &str, rules: &str) -> Engine {
    let src = format!("{head}\n{rules}");
    Engine::compile("test.toml", &src, CompileOptions::default())
        .unwrap_or_else(|e| panic!("rules should compile:\n{e}"))
}

/// The diagnostics of `head` and `rules`, which must be refused.
pub fn errors(head: &str, rules: &str) -> Vec<String> {
    let src = format!("{head}\n{rules}");
    match Engine::compile("test.toml", &src, CompileOptions::default()) {
        Ok(_) => panic!("rules should be refused:\n{rules}"),
        Err(e) => e.diagnostics().iter().map(|d| d.to_string()).collect(),
    }
}

/// The category `e` gives `text` with no context.
pub fn cat(e: &Engine, text: &str) -> String {
    e.classify(text, &Context::default()).category.to_string()
}
