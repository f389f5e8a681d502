//! Staff commands: parse, then apply.
//!
//! Parts: [`Command`], a staff message read as a command with typed arguments
//! ([`Priority`], [`Category`], [`AgentName`]); [`CommandError`], why a command's argument
//! is missing or wrong ([`Argument`] names which). Parsing reads nothing but the text and
//! the rules' categories, so the handlers in `staff` receive arguments already valid and
//! never check them again; the error is answered where today's desk answers it (after the
//! ticket is known, before the owner check).

use switchboard_domain::{Category, Priority};

/// An agent's name as typed after `/transfer` (without a leading `@`); never empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct AgentName(String);

impl AgentName {
    /// The name.
    pub(super) fn as_str(&self) -> &str {
        &self.0
    }
}

/// A staff command, parsed from text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Command {
    /// `/claim`.
    Claim,
    /// `/release`.
    Release,
    /// `/close`.
    Close,
    /// `/note TEXT` (never empty).
    Note(String),
    /// `/priority P`.
    Priority(Priority),
    /// `/category C`, one of the rules' categories.
    Category(Category),
    /// `/transfer NAME`.
    Transfer(AgentName),
    /// `/queue`.
    Queue,
    /// `/away`.
    Away,
    /// `/back`.
    Back,
    /// Any other `/word` (as `/word`, lower case).
    Unknown(String),
}

/// The argument a command needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Argument {
    /// The text of `/note`.
    Note,
    /// The priority of `/priority`.
    Priority,
    /// The category of `/category`.
    Category,
    /// The agent of `/transfer`.
    Agent,
}

impl Argument {
    /// The command that needs it, as typed.
    pub(super) fn command(self) -> &'static str {
        match self {
            Argument::Note => "/note",
            Argument::Priority => "/priority",
            Argument::Category => "/category",
            Argument::Agent => "/transfer",
        }
    }
}

/// Why a command cannot be applied as written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(super) enum CommandError {
    /// The command needs an argument and has none.
    #[error("{} needs an argument", .0.command())]
    Missing(Argument),
    /// `/priority` names no priority.
    #[error("there is no priority `{0}`")]
    UnknownPriority(String),
    /// `/category` names none of the rules' categories.
    #[error("there is no category `{0}`")]
    UnknownCategory(String),
}

impl Command {
    /// Reads `text` as a command: `None` when it is not one (no leading `/`).
    /// `/claim@switchboard_bot` (Telegram groups) is `/claim`; command names are read in
    /// any case; a category matches one of `categories` in any case.
    pub(super) fn parse<'c>(
        text: &str,
        categories: impl IntoIterator<Item = &'c Category>,
    ) -> Option<Result<Command, CommandError>> {
        let rest = text.strip_prefix('/')?;
        let (name, arg) = match rest.split_once(char::is_whitespace) {
            Some((n, a)) => (n, a.trim()),
            None => (rest, ""),
        };
        let name = name.split('@').next().unwrap_or(name).to_lowercase();
        let needs = |what: Argument| -> Result<&str, CommandError> {
            if arg.is_empty() {
                Err(CommandError::Missing(what))
            } else {
                Ok(arg)
            }
        };
        Some(Ok(match name.as_str() {
            "claim" => Command::Claim,
            "release" => Command::Release,
            "close" => Command::Close,
            "note" => match needs(Argument::Note) {
                Ok(n) => Command::Note(n.to_string()),
                Err(e) => return Some(Err(e)),
            },
            "priority" => match needs(Argument::Priority) {
                Ok(p) => match p.parse::<Priority>() {
                    Ok(p) => Command::Priority(p),
                    Err(_) => return Some(Err(CommandError::UnknownPriority(p.to_string()))),
                },
                Err(e) => return Some(Err(e)),
            },
            "category" => match needs(Argument::Category) {
                Ok(c) => match categories
                    .into_iter()
                    .find(|k| k.as_str().eq_ignore_ascii_case(c))
                {
                    Some(k) => Command::Category(k.clone()),
                    None => return Some(Err(CommandError::UnknownCategory(c.to_string()))),
                },
                Err(e) => return Some(Err(e)),
            },
            "transfer" => {
                let name = arg.trim_start_matches('@');
                if name.is_empty() {
                    return Some(Err(CommandError::Missing(Argument::Agent)));
                }
                Command::Transfer(AgentName(name.to_string()))
            }
            "queue" => Command::Queue,
            "away" => Command::Away,
            "back" => Command::Back,
            _ => Command::Unknown(format!("/{name}")),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Option<Result<Command, CommandError>> {
        let cats = [
            Category::new("billing").unwrap(),
            Category::new("general").unwrap(),
        ];
        Command::parse(text, &cats)
    }

    #[test]
    fn commands_parse_with_typed_arguments() {
        assert_eq!(parse("hello"), None);
        assert_eq!(parse("/Claim@switchboard_bot"), Some(Ok(Command::Claim)));
        assert_eq!(
            parse("/priority URGENT"),
            Some(Ok(Command::Priority(Priority::Urgent)))
        );
        assert_eq!(
            parse("/category Billing"),
            Some(Ok(Command::Category(Category::new("billing").unwrap())))
        );
        assert_eq!(
            parse("/transfer @bob"),
            Some(Ok(Command::Transfer(AgentName("bob".into()))))
        );
        assert_eq!(
            parse("/note  called back "),
            Some(Ok(Command::Note("called back".into())))
        );
        assert_eq!(
            parse("/frobnicate x"),
            Some(Ok(Command::Unknown("/frobnicate".into())))
        );
    }

    #[test]
    fn missing_and_bad_arguments_are_errors() {
        for (text, what) in [
            ("/note", Argument::Note),
            ("/note   ", Argument::Note),
            ("/priority", Argument::Priority),
            ("/category", Argument::Category),
            ("/transfer @", Argument::Agent),
        ] {
            assert_eq!(
                parse(text),
                Some(Err(CommandError::Missing(what))),
                "{text}"
            );
        }
        assert_eq!(
            parse("/priority asap"),
            Some(Err(CommandError::UnknownPriority("asap".into())))
        );
        assert_eq!(
            parse("/category spam"),
            Some(Err(CommandError::UnknownCategory("spam".into())))
        );
    }
}
