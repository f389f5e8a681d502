//! `report --format json`: the whole report as one JSON object, with the field names of
//! [`super::numbers`] (the README documents them).

use std::io::Write;

use anyhow::Result;

use super::numbers::Report;

/// Writes `r` as pretty-printed JSON and a newline.
pub fn write(r: &Report, out: &mut dyn Write) -> Result<()> {
    writeln!(out, "{}", serde_json::to_string_pretty(r)?)?;
    Ok(())
}
