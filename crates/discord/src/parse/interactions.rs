//! Button presses and slash commands (`INTERACTION_CREATE`) -> [`Inbound`]: a press
//! carries the payload the desk put on the button, a command becomes the text the desk
//! parses (`/priority high`). Staff-only ones are refused outside the staff space or
//! without the role.

use serenity::all::{
    CommandDataOptionValue, CommandInteraction, ComponentInteraction, Interaction,
};
use switchboard_domain::{ChatId, Inbound, Place, Platform, UpdateKey, What};

use super::{Context, Parsed, Where, has_role, place, sender, snowflake_time};
use crate::commands::STAFF_COMMANDS;
use crate::keys::refs;

/// A button press or a slash command (`INTERACTION_CREATE`).
pub fn interaction(i: &Interaction, at: Where, cx: &Context) -> Parsed {
    match i {
        Interaction::Component(c) => component(c, at, cx),
        Interaction::Command(c) => command(c, at, cx),
        _ => Parsed::Ignore("an interaction kind Switchboard does not use"),
    }
}

fn component(c: &ComponentInteraction, at: Where, cx: &Context) -> Parsed {
    let staff = c
        .member
        .as_ref()
        .is_some_and(|m| has_role(&m.roles, cx.staff_role_id));
    // In the staff space only staff may press; the message the button is on names the
    // ticket (its id is linked when the bot sends it).
    let place = match place(at, c.channel_id.get(), staff, Some(c.message.id.get())) {
        Ok(p) => p,
        Err(e) => return e,
    };
    Parsed::Inbound(vec![Inbound {
        key: UpdateKey(refs::interaction(c.id.get())),
        at: snowflake_time(c.id.get()),
        from: sender(
            &c.user,
            c.member.as_ref().and_then(|m| m.nick.as_deref()),
            Some(&c.locale),
        ),
        place,
        what: What::Button(c.data.custom_id.clone()),
    }])
}

/// The value of a string (or other simple) option, as text.
fn option(c: &CommandInteraction, name: &str) -> Option<String> {
    let o = c.data.options.iter().find(|o| o.name == name)?;
    let v = match &o.value {
        CommandDataOptionValue::String(s) => s.clone(),
        CommandDataOptionValue::Integer(n) => n.to_string(),
        CommandDataOptionValue::Number(n) => n.to_string(),
        CommandDataOptionValue::Boolean(b) => b.to_string(),
        _ => return None,
    };
    let v = v.split_whitespace().collect::<Vec<_>>().join(" ");
    (!v.is_empty()).then_some(v)
}

fn command(c: &CommandInteraction, at: Where, cx: &Context) -> Parsed {
    let name = c.data.name.as_str();
    let staff = c
        .member
        .as_ref()
        .is_some_and(|m| has_role(&m.roles, cx.staff_role_id));
    let text = if name == "ticket" {
        // A customer's request: in a DM, the support channel or their private thread.
        if !matches!(
            at,
            Where::Dm | Where::SupportChannel | Where::CustomerThread
        ) {
            return Parsed::Refused("/ticket outside a customer's place");
        }
        // `/ticket CATEGORY TEXT` only with a category: without one, the message alone
        // (so that its first word is never taken for a category).
        match (option(c, "category"), option(c, "message")) {
            (Some(cat), Some(m)) => format!("/ticket {cat} {m}"),
            (Some(cat), None) => format!("/ticket {cat}"),
            (None, Some(m)) => m,
            (None, None) => "/ticket".to_string(),
        }
    } else if let Some((_, arg)) = STAFF_COMMANDS.iter().find(|(n, _)| *n == name) {
        if !staff || !matches!(at, Where::StaffThread | Where::StaffChannel) {
            return Parsed::Refused(
                "a staff command by someone who is not staff, or outside the staff space",
            );
        }
        match arg.and_then(|a| option(c, a)) {
            Some(v) => format!("/{name} {v}"),
            None => format!("/{name}"),
        }
    } else {
        return Parsed::Ignore("a command Switchboard did not register");
    };
    let place = match at {
        // Staff commands: staff was checked above.
        Where::StaffThread => Place::Staff {
            ticket: None,
            thread: Some(refs::thread(c.channel_id.get())),
            reply_to: None,
        },
        Where::StaffChannel => Place::Staff {
            ticket: None,
            thread: None,
            reply_to: None,
        },
        _ => Place::Customer {
            chat: ChatId::new(Platform::Discord, c.channel_id.get().to_string()),
        },
    };
    let nick = c.member.as_ref().and_then(|m| m.nick.as_deref());
    Parsed::Inbound(vec![Inbound {
        key: UpdateKey(refs::interaction(c.id.get())),
        at: snowflake_time(c.id.get()),
        from: sender(&c.user, nick, Some(&c.locale)),
        place,
        what: What::Text(text),
    }])
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;
    use crate::parse::fixtures::*;

    fn interaction_of(v: Value) -> Interaction {
        serde_json::from_value(v.clone()).unwrap_or_else(|e| panic!("{e}: {v}"))
    }

    fn base_interaction(id: u64, kind: u8, channel: u64, data: Value) -> Value {
        json!({
            "id": id.to_string(), "application_id": BOT.to_string(), "type": kind,
            "token": "tok", "version": 1, "data": data, "channel_id": channel.to_string(),
            "locale": "de", "entitlements": [], "app_permissions": "8",
            "authorizing_integration_owners": {}, "attachment_size_limit": 10485760
        })
    }

    fn guild_interaction(mut v: Value, who: Value, roles: &[u64]) -> Value {
        v["guild_id"] = json!(GUILD.to_string());
        v["member"] = json!({
            "user": who, "nick": null, "roles": roles.iter().map(|r| r.to_string()).collect::<Vec<_>>(),
            "joined_at": "2025-01-01T00:00:00.000000+00:00", "deaf": false, "mute": false,
            "flags": 0, "pending": false, "permissions": "8"
        });
        v
    }

    fn press(id: u64, channel: u64, payload: &str) -> Value {
        let mut v = base_interaction(
            id,
            3,
            channel,
            json!({"custom_id": payload, "component_type": 2}),
        );
        v["message"] = msg(70, channel, user(BOT, "Switchboard", None), "card");
        v
    }

    #[test]
    fn button_presses_carry_payload_and_place() {
        let staff = guild_interaction(press(100, THREAD, "claim:T-5"), bea(), &[STAFF_ROLE]);
        let i = one(interaction(&interaction_of(staff), Where::StaffThread, &CX));
        assert_eq!(i.what, What::Button("claim:T-5".into()));
        assert_eq!(i.key.0, "discord:interaction:100");
        assert_eq!(
            i.place,
            Place::Staff {
                ticket: None,
                thread: Some(format!("discord:thread:{THREAD}")),
                reply_to: Some("discord:msg:70".into()),
            }
        );
        let outsider = guild_interaction(press(101, THREAD, "claim:T-5"), ann(), &[]);
        assert!(matches!(
            interaction(&interaction_of(outsider), Where::StaffThread, &CX),
            Parsed::Refused(_)
        ));
        let mut dm = press(102, DM, "csat:T-5:4");
        dm["user"] = ann();
        let i = one(interaction(&interaction_of(dm), Where::Dm, &CX));
        assert!(matches!(i.place, Place::Customer { .. }));
        assert_eq!(i.what, What::Button("csat:T-5:4".into()));
        assert_eq!(i.from.language.as_deref(), Some("de"));
    }

    fn slash(id: u64, channel: u64, name: &str, options: Value) -> Value {
        base_interaction(
            id,
            2,
            channel,
            json!({"id": "5", "name": name, "type": 1, "options": options}),
        )
    }

    #[test]
    fn slash_commands_become_the_text_the_desk_parses() {
        let mut t = slash(
            200,
            DM,
            "ticket",
            json!([{"name": "category", "type": 3, "value": "billing"}]),
        );
        t["user"] = ann();
        let i = one(interaction(&interaction_of(t), Where::Dm, &CX));
        assert_eq!(i.what, What::Text("/ticket billing".into()));
        assert!(matches!(i.place, Place::Customer { .. }));
        let mut t = slash(
            201,
            DM,
            "ticket",
            json!([{"name": "category", "type": 3, "value": "billing"},
                   {"name": "message", "type": 3, "value": "  charged   twice "}]),
        );
        t["user"] = ann();
        let i = one(interaction(&interaction_of(t), Where::Dm, &CX));
        assert_eq!(i.what, What::Text("/ticket billing charged twice".into()));

        let p = guild_interaction(
            slash(
                202,
                THREAD,
                "priority",
                json!([{"name": "level", "type": 3, "value": "high"}]),
            ),
            bea(),
            &[STAFF_ROLE],
        );
        let i = one(interaction(&interaction_of(p), Where::StaffThread, &CX));
        assert_eq!(i.what, What::Text("/priority high".into()));
        assert!(
            matches!(&i.place, Place::Staff { thread: Some(t), .. } if *t == format!("discord:thread:{THREAD}"))
        );
        let n = guild_interaction(
            slash(
                203,
                THREAD,
                "note",
                json!([{"name": "text", "type": 3, "value": "hello"}]),
            ),
            bea(),
            &[STAFF_ROLE],
        );
        let i = one(interaction(&interaction_of(n), Where::StaffThread, &CX));
        assert_eq!(i.what, What::Text("/note hello".into()));
        let c = guild_interaction(slash(204, THREAD, "claim", json!([])), bea(), &[STAFF_ROLE]);
        assert_eq!(
            one(interaction(&interaction_of(c), Where::StaffThread, &CX)).what,
            What::Text("/claim".into())
        );
        // Not staff, or a staff command in a DM: refused.
        let c = guild_interaction(slash(205, THREAD, "claim", json!([])), ann(), &[]);
        assert!(matches!(
            interaction(&interaction_of(c), Where::StaffThread, &CX),
            Parsed::Refused(_)
        ));
        let mut c = slash(206, DM, "close", json!([]));
        c["user"] = bea();
        assert!(matches!(
            interaction(&interaction_of(c), Where::Dm, &CX),
            Parsed::Refused(_)
        ));
    }
}
