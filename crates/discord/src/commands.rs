//! The slash commands: which exist ([`STAFF_COMMANDS`] and `/ticket`), what they say
//! ([`default_descriptions`], replaced from prompts by the app) and their definitions as
//! registered with Discord ([`commands`]). What a used command means to the desk is
//! `parse::interactions`; registering them is the gateway's.

use serenity::all::{CommandOptionType, CreateCommand, CreateCommandOption};
use switchboard_domain::Priority;

use crate::config::DiscordConfig;

/// The staff slash commands and the option each takes (the text the desk parses is
/// `/<name> <option value>`).
pub const STAFF_COMMANDS: [(&str, Option<&str>); 10] = [
    ("claim", None),
    ("release", None),
    ("close", None),
    ("note", Some("text")),
    ("priority", Some("level")),
    ("category", Some("name")),
    ("transfer", Some("agent")),
    ("queue", None),
    ("away", None),
    ("back", None),
];

/// English descriptions of the slash commands and their options (`command` or
/// `command.option`); the app may replace them from prompts
/// (`Discord::with_command_descriptions`).
pub fn default_descriptions() -> Vec<(String, String)> {
    [
        ("ticket", "Open a support request"),
        ("ticket.category", "What it is about (billing, shipping…)"),
        ("ticket.message", "Your question"),
        ("claim", "Take this ticket"),
        ("release", "Give this ticket back to the queue"),
        ("close", "Resolve this ticket"),
        ("note", "Add an internal note (the customer never sees it)"),
        ("note.text", "The note"),
        ("priority", "Set this ticket's priority"),
        ("priority.level", "The new priority"),
        ("category", "Move this ticket to another category"),
        ("category.name", "The category"),
        ("transfer", "Hand this ticket to another agent"),
        ("transfer.agent", "The agent's name"),
        ("queue", "Show the open tickets"),
        ("away", "Stop getting new tickets"),
        ("back", "Get new tickets again"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

/// The slash commands: `/ticket` always, the staff commands when the staff space is on
/// Discord. No `default_member_permissions`: the role is checked on every use. `/ticket` is
/// registered globally (so that it exists in DMs, where most customers write), the staff
/// commands for the guild only (see the gateway's `register_commands`).
pub fn commands(cfg: &DiscordConfig, descriptions: &[(String, String)]) -> Vec<CreateCommand> {
    let d = |k: &str| {
        descriptions
            .iter()
            .find(|(n, _)| n == k)
            .map_or_else(|| k.to_string(), |(_, v)| v.clone())
    };
    let mut v = vec![
        CreateCommand::new("ticket")
            .description(d("ticket"))
            .add_option(CreateCommandOption::new(
                CommandOptionType::String,
                "category",
                d("ticket.category"),
            ))
            .add_option(CreateCommandOption::new(
                CommandOptionType::String,
                "message",
                d("ticket.message"),
            )),
    ];
    if cfg.staff_on_discord() {
        for (name, arg) in STAFF_COMMANDS {
            let mut c = CreateCommand::new(name).description(d(name));
            if let Some(a) = arg {
                let mut o = CreateCommandOption::new(
                    CommandOptionType::String,
                    a,
                    d(&format!("{name}.{a}")),
                )
                .required(true);
                if name == "priority" {
                    for p in Priority::ALL {
                        o = o.add_string_choice(p.as_str(), p.as_str());
                    }
                }
                c = c.add_option(o);
            }
            v.push(c);
        }
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_cover_the_desks_staff_commands() {
        let staff = DiscordConfig {
            staff_channel_id: 5,
            ..Default::default()
        };
        assert_eq!(commands(&staff, &default_descriptions()).len(), 11);
        assert_eq!(
            commands(&DiscordConfig::default(), &default_descriptions()).len(),
            1
        );
    }
}
