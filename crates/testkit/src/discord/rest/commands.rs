//! Application command routes: bulk overwrite, list and delete, global or per guild,
//! with Discord's checks on names, descriptions and options.

use serde_json::{Value, json};

use super::payload::text_len;
use super::reply::{Answer, Reply, sf};
use crate::discord::json::id;
use crate::discord::state::State;
use crate::discord::types::{APPLICATION_ID, RegisteredCommand};

/// Checks one command payload; `Err` names the field.
pub(crate) fn validate_command(i: usize, c: &Value) -> Result<(), Reply> {
    let at = |f: &str| format!("{i}.{f}");
    let name = c.get("name").and_then(Value::as_str).unwrap_or("");
    let kind = c.get("type").and_then(Value::as_u64).unwrap_or(1);
    let name_ok = !name.is_empty()
        && name.chars().count() <= 32
        && (kind != 1
            || name
                .chars()
                .all(|ch| ch == '-' || ch == '_' || ch.is_numeric() || ch.is_lowercase()));
    if !name_ok {
        return Err(Reply::invalid_form(
            &at("name"),
            "APPLICATION_COMMAND_INVALID_NAME",
            "Command name is invalid",
        ));
    }
    let desc = text_len(c, "description");
    if kind == 1 && (desc == 0 || desc > 100) {
        return Err(Reply::invalid_form(
            &at("description"),
            "BASE_TYPE_BAD_LENGTH",
            "Must be between 1 and 100 in length.",
        ));
    }
    let options = c.get("options").and_then(Value::as_array);
    if options.is_some_and(|o| o.len() > 25) {
        return Err(Reply::invalid_form(
            &at("options"),
            "BASE_TYPE_MAX_LENGTH",
            "Must be 25 or fewer in length.",
        ));
    }
    for (j, o) in options.into_iter().flatten().enumerate() {
        let oname = o.get("name").and_then(Value::as_str).unwrap_or("");
        let odesc = text_len(o, "description");
        if oname.is_empty()
            || oname.chars().count() > 32
            || oname
                .chars()
                .any(|ch| ch.is_uppercase() || ch.is_whitespace())
        {
            return Err(Reply::invalid_form(
                &at(&format!("options.{j}.name")),
                "APPLICATION_COMMAND_INVALID_NAME",
                "Command name is invalid",
            ));
        }
        if odesc == 0 || odesc > 100 {
            return Err(Reply::invalid_form(
                &at(&format!("options.{j}.description")),
                "BASE_TYPE_BAD_LENGTH",
                "Must be between 1 and 100 in length.",
            ));
        }
    }
    Ok(())
}

pub(crate) fn command_json(c: &RegisteredCommand) -> Value {
    let mut v = json!({
        "id": id(c.id),
        "application_id": id(APPLICATION_ID),
        "version": id(c.id),
        "type": c.kind,
        "name": c.name,
        "name_localizations": null,
        "description": c.description,
        "description_localizations": null,
        "options": c.options,
        "default_member_permissions": c.raw.get("default_member_permissions").cloned().unwrap_or(Value::Null),
        "nsfw": false,
        "contexts": c.raw.get("contexts").cloned().unwrap_or(Value::Null),
        "integration_types": c.raw.get("integration_types").cloned().unwrap_or(json!([0])),
    });
    if let Some(g) = c.guild_id {
        v["guild_id"] = id(g);
    }
    v
}

pub(crate) fn registered(st: &mut State, guild: Option<u64>, c: &Value) -> RegisteredCommand {
    let name = c["name"].as_str().unwrap_or("").to_owned();
    let kind = u8::try_from(c.get("type").and_then(Value::as_u64).unwrap_or(1)).unwrap_or(1);
    let existing = st
        .commands
        .iter()
        .find(|r| r.guild_id == guild && r.name == name && r.kind == kind)
        .map(|r| r.id);
    let id = existing.unwrap_or_else(|| st.next_id());
    RegisteredCommand {
        id,
        guild_id: guild,
        name,
        kind,
        description: c
            .get("description")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned(),
        options: c.get("options").cloned().unwrap_or(json!([])),
        raw: c.clone(),
    }
}

/// Guild (`Some`) or global (`None`) command routes.
pub(crate) fn commands(
    st: &mut State,
    method: &str,
    app: &str,
    guild: Option<&str>,
    p: &Value,
) -> Answer {
    if app.parse::<u64>().ok() != Some(APPLICATION_ID) {
        return Err(Reply::error(403, 50001, "Missing Access"));
    }
    let guild = match guild {
        Some(g) => {
            let g = sf("guild_id", g)?;
            if g != st.config.guild_id {
                return Err(Reply::error(403, 50001, "Missing Access"));
            }
            Some(g)
        }
        None => None,
    };
    match method {
        "GET" => {
            let list: Vec<Value> = st
                .commands
                .iter()
                .filter(|c| c.guild_id == guild)
                .map(command_json)
                .collect();
            Ok(Reply::ok(Value::Array(list)))
        }
        "PUT" => {
            let Some(list) = p.as_array() else {
                return Err(Reply::invalid_form(
                    "_root",
                    "BASE_TYPE_ARRAY",
                    "Must be an array.",
                ));
            };
            let mut names = Vec::new();
            for (i, c) in list.iter().enumerate() {
                validate_command(i, c)?;
                let key = (
                    c["name"].as_str().unwrap_or("").to_owned(),
                    c.get("type").and_then(Value::as_u64).unwrap_or(1),
                );
                if names.contains(&key) {
                    return Err(Reply::invalid_form(
                        &format!("{i}.name"),
                        "APPLICATION_COMMANDS_DUPLICATE_NAME",
                        "Application command names must be unique",
                    ));
                }
                names.push(key);
            }
            let new: Vec<RegisteredCommand> =
                list.iter().map(|c| registered(st, guild, c)).collect();
            st.commands.retain(|c| c.guild_id != guild);
            st.commands.extend(new.iter().cloned());
            Ok(Reply::ok(Value::Array(
                new.iter().map(command_json).collect(),
            )))
        }
        "POST" => {
            validate_command(0, p).map_err(|_| {
                Reply::invalid_form("name", "APPLICATION_COMMAND_INVALID", "Invalid command")
            })?;
            let cmd = registered(st, guild, p);
            let existed = st.commands.iter().any(|c| c.id == cmd.id);
            st.commands.retain(|c| c.id != cmd.id);
            st.commands.push(cmd.clone());
            let v = command_json(&cmd);
            Ok(if existed {
                Reply::ok(v)
            } else {
                Reply::created(v)
            })
        }
        _ => Err(Reply::error(405, 0, "405: Method Not Allowed")),
    }
}

pub(crate) fn delete_command(st: &mut State, app: &str, guild: Option<&str>, cmd: &str) -> Answer {
    if app.parse::<u64>().ok() != Some(APPLICATION_ID) {
        return Err(Reply::error(403, 50001, "Missing Access"));
    }
    let guild = guild.map(|g| sf("guild_id", g)).transpose()?;
    let cmd = sf("command_id", cmd)?;
    let before = st.commands.len();
    st.commands
        .retain(|c| !(c.id == cmd && c.guild_id == guild));
    if st.commands.len() == before {
        return Err(Reply::error(404, 10063, "Unknown application command"));
    }
    Ok(Reply::no_content())
}
