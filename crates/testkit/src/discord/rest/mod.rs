//! The REST routes under `/api/v10`, with Discord's validation, error codes
//! and side effects (messages stored, gateway events echoed).
//!
//! Parts, lower first (each imports only from those before it; this file, the
//! router, from all): `reply` (answers and request parts), `payload` (message
//! payloads checked), `messages`, `threads`, `interactions`, `commands`, `guild`
//! (users, DMs, channels, the guild); `limits` (Discord's rate limits, applied by the
//! server before a route answers).
//!
//! Errors follow Discord: `{"message": ..., "code": N}` with an HTTP status,
//! and for invalid bodies code 50035 with an `errors` tree naming the field
//! (`{"content": {"_errors": [{"code": "BASE_TYPE_MAX_LENGTH", ...}]}}`).

mod commands;
mod guild;
mod interactions;
mod limits;
mod messages;
mod payload;
mod reply;
mod threads;

use serde_json::json;

use super::json;
use super::state::State;
use commands::{commands, delete_command};
use guild::{
    active_threads, create_dm, current_user, edit_channel, get_channel, get_member, get_user,
    guild_channels, guild_roles,
};
use interactions::{callback, edit_followup, followup, original};
use messages::{
    create_message, delete_message, edit_message, get_message, get_messages, react, typing,
};
use threads::{create_thread, thread_from_message, thread_member};

pub(crate) use limits::Limits;
pub(crate) use messages::reopen;
pub(crate) use reply::{Reply, Req};

/// Answers a request under `/api/v10`; `None` when no route matches.
pub(crate) fn route(st: &mut State, req: &Req<'_>) -> Option<Reply> {
    let segs: Vec<&str> = req.segments.iter().map(String::as_str).collect();
    let p = &req.body.json;
    let answer = match (req.method, segs.as_slice()) {
        ("GET", ["gateway"]) => Ok(Reply::ok(json!({"url": gateway_url(st)}))),
        ("GET", ["gateway", "bot"]) => Ok(Reply::ok(json!({
            "url": gateway_url(st),
            "shards": 1,
            "session_start_limit": {
                "total": 1000, "remaining": 999, "reset_after": 14_400_000, "max_concurrency": 1
            },
        }))),
        ("GET", ["users", "@me"]) => Ok(Reply::ok(current_user(st))),
        ("GET", ["users", uid]) => get_user(st, uid),
        ("GET", ["oauth2", "applications", "@me"] | ["applications", "@me"]) => {
            Ok(Reply::ok(json::application(st)))
        }
        ("POST", ["users", "@me", "channels"]) => create_dm(st, p),
        ("GET", ["channels", cid]) => get_channel(st, cid),
        ("PATCH", ["channels", cid]) => edit_channel(st, cid, p),
        ("GET", ["channels", cid, "messages"]) => get_messages(st, cid, req.query),
        ("POST", ["channels", cid, "messages"]) => create_message(st, cid, req.body),
        ("GET", ["channels", cid, "messages", mid]) => get_message(st, cid, mid),
        ("PATCH", ["channels", cid, "messages", mid]) => edit_message(st, cid, mid, req.body),
        ("DELETE", ["channels", cid, "messages", mid]) => delete_message(st, cid, mid),
        ("POST", ["channels", cid, "messages", mid, "threads"]) => {
            thread_from_message(st, cid, mid, p)
        }
        ("PUT", ["channels", cid, "messages", mid, "reactions", emoji, "@me"]) => {
            react(st, cid, mid, emoji)
        }
        ("POST", ["channels", cid, "threads"]) => create_thread(st, cid, req.body),
        ("PUT", ["channels", cid, "thread-members", uid]) => thread_member(st, cid, uid, true),
        ("DELETE", ["channels", cid, "thread-members", uid]) => thread_member(st, cid, uid, false),
        ("POST", ["channels", cid, "typing"]) => typing(st, cid),
        ("POST", ["interactions", iid, token, "callback"]) => callback(st, iid, token, req.body),
        (method, ["webhooks", app, token, "messages", "@original"]) => {
            original(st, method, app, token, req.body)
        }
        ("POST", ["webhooks", app, token]) => followup(st, app, token, req.body),
        ("PATCH", ["webhooks", app, token, "messages", mid]) => {
            edit_followup(st, app, token, mid, req.body)
        }
        (method, ["applications", app, "guilds", gid, "commands"]) => {
            commands(st, method, app, Some(gid), p)
        }
        (method, ["applications", app, "commands"]) => commands(st, method, app, None, p),
        ("DELETE", ["applications", app, "guilds", gid, "commands", cmd]) => {
            delete_command(st, app, Some(gid), cmd)
        }
        ("DELETE", ["applications", app, "commands", cmd]) => delete_command(st, app, None, cmd),
        ("GET", ["guilds", gid, "members", uid]) => get_member(st, gid, uid),
        ("GET", ["guilds", gid, "channels"]) => guild_channels(st, gid),
        ("GET", ["guilds", gid, "roles"]) => guild_roles(st, gid),
        ("GET", ["guilds", gid, "threads", "active"]) => active_threads(st, gid),
        _ => return None,
    };
    Some(answer.unwrap_or_else(|e| e))
}

fn gateway_url(st: &State) -> String {
    format!("ws://{}/gateway", st.addr)
}
