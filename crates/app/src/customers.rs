//! `switchboard customers import|block|unblock|show`: customers as records an admin manages.
//!
//! Import reads a CSV whose header has `id` (a platform identity such as `telegram:12345`)
//! and optionally `name` and `tier`; any other column (average order value, purchase
//! frequency, retention, …) is kept on the profile as an attribute for reports. It streams,
//! and a bad row is reported with its line number and skipped, never fatal.

use std::io::Write;
use std::path::Path;

use anyhow::{Context as _, Result};
use switchboard_desk::{Store, Transition};
use switchboard_domain::{Customer, PartyId, Platform, Tier, Timestamp};

/// Parses `platform:id`.
pub fn parse_party(s: &str) -> std::result::Result<PartyId, String> {
    let (p, id) = s.trim().split_once(':').ok_or_else(|| {
        format!("`{s}` is not a customer id: write platform:id, such as telegram:12345")
    })?;
    let platform: Platform = p
        .parse()
        .map_err(|e: switchboard_domain::NameError| e.to_string())?;
    if id.trim().is_empty() {
        return Err(format!("`{s}` has no id after the platform"));
    }
    Ok(PartyId::new(platform, id.trim()))
}

fn fresh(id: PartyId, now: Timestamp) -> Customer {
    Customer {
        display_name: id.id.clone(),
        id,
        username: None,
        language: None,
        first_seen: now,
        tier: None,
        blocked: false,
        tickets: Vec::new(),
        attributes: Default::default(),
    }
}

/// `customers import`: returns the exit status (0 even with bad rows, which are reported).
pub fn import(
    store: &dyn Store,
    file: &Path,
    now: Timestamp,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<i32> {
    let f = std::fs::File::open(file)
        .with_context(|| format!("cannot open {}; check the path", file.display()))?;
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(std::io::BufReader::new(f));
    let headers: Vec<String> = match rdr.headers() {
        Ok(h) => h.iter().map(|x| x.trim().to_lowercase()).collect(),
        Err(e) => {
            writeln!(err, "{}: cannot read the header line: {e}", file.display())?;
            return Ok(1);
        }
    };
    let Some(id_col) = headers.iter().position(|h| h == "id") else {
        writeln!(
            err,
            "{}: the header must have an `id` column (platform:id), but it is `{}`",
            file.display(),
            headers.join(",")
        )?;
        return Ok(1);
    };
    let (mut imported, mut bad) = (0u64, 0u64);
    let mut batch = Transition::default();
    for rec in rdr.records() {
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                bad += 1;
                writeln!(
                    err,
                    "line {}: unreadable row ({e}); skipped",
                    e.position().map_or(0, |p| p.line())
                )?;
                continue;
            }
        };
        let line = rec.position().map_or(0, |p| p.line());
        let id = match rec.get(id_col).map(parse_party) {
            Some(Ok(id)) => id,
            Some(Err(e)) => {
                bad += 1;
                writeln!(err, "line {line}: {e}; skipped")?;
                continue;
            }
            None => {
                bad += 1;
                writeln!(err, "line {line}: missing the id field; skipped")?;
                continue;
            }
        };
        let mut c = match batch.customers.iter().position(|c| c.id == id) {
            Some(i) => batch.customers.swap_remove(i),
            None => store
                .customer(&id)?
                .unwrap_or_else(|| fresh(id.clone(), now)),
        };
        let mut ok = true;
        for (h, v) in headers.iter().zip(rec.iter()) {
            let v = v.trim();
            match h.as_str() {
                "id" => {}
                "name" if !v.is_empty() => {
                    c.display_name = switchboard_domain::display_name(v).into_owned()
                }
                "tier" if v.is_empty() => c.tier = None,
                "tier" => match v.parse::<Tier>() {
                    Ok(t) => c.tier = Some(t),
                    Err(e) => {
                        writeln!(err, "line {line}: {e}; skipped")?;
                        ok = false;
                    }
                },
                _ if !v.is_empty() => {
                    c.attributes.insert(h.clone(), v.to_string());
                }
                _ => {}
            }
        }
        if !ok {
            bad += 1;
            continue;
        }
        batch.customers.push(c);
        imported += 1;
        if batch.customers.len() >= 1000 {
            store.commit(&std::mem::take(&mut batch))?;
        }
    }
    store.commit(&batch)?;
    store.flush()?;
    writeln!(out, "{imported} customers imported, {bad} rows skipped")?;
    Ok(0)
}

/// `customers block` / `unblock`: a blocked customer's messages open nothing and get no
/// answer.
pub fn set_blocked(
    store: &dyn Store,
    id: &str,
    blocked: bool,
    now: Timestamp,
    out: &mut dyn Write,
) -> Result<i32> {
    let id = parse_party(id).map_err(anyhow::Error::msg)?;
    let mut c = store
        .customer(&id)?
        .unwrap_or_else(|| fresh(id.clone(), now));
    c.blocked = blocked;
    store.commit(&Transition {
        customers: vec![c],
        ..Transition::default()
    })?;
    store.flush()?;
    writeln!(
        out,
        "{id} is now {}",
        if blocked { "blocked" } else { "unblocked" }
    )?;
    Ok(0)
}

/// `customers show`.
pub fn show(store: &dyn Store, id: &str, out: &mut dyn Write, err: &mut dyn Write) -> Result<i32> {
    let id = parse_party(id).map_err(anyhow::Error::msg)?;
    let Some(c) = store.customer(&id)? else {
        writeln!(err, "No customer {id} in this store.")?;
        return Ok(1);
    };
    writeln!(out, "{} ({})", c.display_name, c.id)?;
    writeln!(out, "first seen  {}", c.first_seen.to_rfc3339())?;
    writeln!(out, "language    {}", c.language.as_deref().unwrap_or("-"))?;
    writeln!(
        out,
        "tier        {}",
        c.tier.as_ref().map_or("-".into(), ToString::to_string)
    )?;
    writeln!(out, "blocked     {}", if c.blocked { "yes" } else { "no" })?;
    writeln!(
        out,
        "tickets     {}",
        if c.tickets.is_empty() {
            "-".into()
        } else {
            c.tickets
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        }
    )?;
    for (k, v) in &c.attributes {
        writeln!(out, "{k:<11} {v}")?;
    }
    Ok(0)
}
