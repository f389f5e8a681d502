//! `switchboard demo`: sample customer messages played through the triage engine, so that a
//! new user sees in a second what Switchboard does with real-looking chat text.

use std::io::Write;

use anyhow::Result;
use switchboard_triage::Context;

use crate::config::Settings;
use crate::runtime::{describe, locale_for};

/// The sample messages: English and Chinese, calm and angry, simple and ambiguous.
pub const SAMPLES: &[&str] = &[
    "Hi! Where is my parcel? Ordered last week 📦",
    "I was charged TWICE for order 88123 and I want a refund!!!",
    "I forgot my password and can't log in",
    "The app keeps crashing when I open the cart",
    "Please cancel my subscription",
    "This is the worst service ever, I want to talk to a real person",
    "我要退款，订单一直没发货",
    "转人工",
    "Just wanted to say thank you, great service!",
];

/// Prints each sample with its verdict.
pub fn run(settings: &Settings, out: &mut dyn Write) -> Result<()> {
    writeln!(
        out,
        "Switchboard demo: {} sample messages through the default rules ({} rules).\n",
        SAMPLES.len(),
        settings.engine.rule_count()
    )?;
    for text in SAMPLES {
        let locale = locale_for(settings, text);
        let ctx = Context {
            language: locale.parse().ok(),
            ..Context::default()
        };
        let v = settings.engine.classify(text, &ctx);
        writeln!(out, "customer: {text}")?;
        for line in describe(&settings.prompts, &locale, &v).lines() {
            writeln!(out, "  {line}")?;
        }
        writeln!(out)?;
    }
    Ok(())
}
