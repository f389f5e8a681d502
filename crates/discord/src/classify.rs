//! Discord's answers sorted by what can be done about them: a REST call's error becomes the
//! domain's [`DeliveryError`] ([`classify`]): a 429 waits Discord's own `retry_after`, the
//! rest goes by HTTP status and Discord's JSON error code,
//! telling apart what waits for an admin (a refused token, a lost permission in the staff
//! space: kept in the outbox) from what no retry can fix (a customer's closed DMs); and what
//! a failed call means for a thread (`thread_trouble`).

use serenity::http::HttpError;
use switchboard_domain::DeliveryError;

use crate::ratelimit::DEFAULT_RETRY_AFTER;
use crate::rest::RestError;

/// Why a send stopped inside the adapter.
pub(crate) enum Fail {
    /// Discord (or the network) said no, or asked to wait (boxed: it is large).
    Api(Box<RestError>),
    /// The service is shutting down.
    Stopped,
}

impl From<RestError> for Fail {
    fn from(e: RestError) -> Fail {
        Fail::Api(Box::new(e))
    }
}

/// The HTTP status and Discord's JSON error code of a failed call.
pub(crate) fn status_of(e: &RestError) -> Option<(u16, isize)> {
    match e {
        RestError::Api(e) => match &**e {
            serenity::Error::Http(HttpError::UnsuccessfulRequest(r)) => {
                Some((r.status_code.as_u16(), r.error.code))
            }
            _ => None,
        },
        RestError::RateLimited { .. } => Some((429, 0)),
        RestError::Stopped => None,
    }
}

/// What a refusal means, by HTTP status and Discord's JSON error code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    /// 429.
    Wait,
    /// 5xx: Discord's trouble.
    Later,
    /// 401: the token was refused (reset, or revoked). Every message would fail the same
    /// way: keep them until an admin fixes the token.
    TokenRefused,
    /// 403 in the staff space: the bot lost a permission there. Keep the message until an
    /// admin restores it.
    StaffPermission,
    /// Anything else (the customer's DMs are closed (50007), unknown channel or message
    /// (10003, 10008), a form error (400)): retrying changes nothing.
    Refused,
}

fn verdict(status: u16, staff: bool) -> Verdict {
    match status {
        429 => Verdict::Wait,
        500.. => Verdict::Later,
        401 => Verdict::TokenRefused,
        403 if staff => Verdict::StaffPermission,
        _ => Verdict::Refused,
    }
}

/// The permission a 403 in the staff space most likely names, from the code and the call.
fn missing_permission(code: isize, method: &str, url: &str) -> &'static str {
    if code == 50001 {
        "View Channel (Missing Access) on the staff channel and its threads"
    } else if url.contains("/threads") {
        "Create Public Threads (in a forum: Create Posts) and Send Messages in Threads"
    } else if method == "PATCH" {
        "Manage Threads"
    } else {
        "Send Messages, Send Messages in Threads and Embed Links"
    }
}

/// Sorts a REST call's error into what the dispatcher does about it: a 429 waits as long
/// as Discord asked; `staff`: the message goes to the staff space (a ticket's thread or
/// the staff channel), not to a customer.
pub fn classify(e: &RestError, staff: bool) -> DeliveryError {
    match e {
        RestError::RateLimited { retry_after, .. } => DeliveryError::RetryAfter(*retry_after),
        RestError::Stopped => DeliveryError::Stopped,
        RestError::Api(e) => classify_api(e, staff),
    }
}

/// [`classify`] for serenity's errors.
fn classify_api(e: &serenity::Error, staff: bool) -> DeliveryError {
    match e {
        serenity::Error::Http(HttpError::UnsuccessfulRequest(r)) => {
            let status = r.status_code.as_u16();
            let what = format!(
                "{status} {}: {} ({} {})",
                r.error.code, r.error.message, r.method, r.url
            );
            match verdict(status, staff) {
                // A 429 comes as `RestError::RateLimited` with its time; this one did not.
                Verdict::Wait => DeliveryError::RetryAfter(DEFAULT_RETRY_AFTER),
                Verdict::Later => {
                    DeliveryError::Transient(format!("{status}: {}", r.error.message))
                }
                Verdict::TokenRefused => {
                    tracing::error!(error = %what, "Discord refused the bot token: messages wait in the outbox until DISCORD_TOKEN is fixed (Developer Portal, your application, Bot, Reset Token) and Switchboard restarted");
                    DeliveryError::Transient(what)
                }
                Verdict::StaffPermission => {
                    let permission = missing_permission(r.error.code, r.method.as_str(), &r.url);
                    tracing::error!(error = %what, permission, "the bot lacks a permission in the staff space: messages wait in the outbox until it is given back");
                    DeliveryError::Transient(format!(
                        "{what}; likely missing permission: {permission}"
                    ))
                }
                Verdict::Refused => DeliveryError::Permanent(what),
            }
        }
        serenity::Error::Http(HttpError::Request(_)) | serenity::Error::Io(_) => {
            DeliveryError::Transient(e.to_string())
        }
        serenity::Error::Json(_) => DeliveryError::Transient(e.to_string()),
        _ => DeliveryError::Permanent(e.to_string()),
    }
}

/// A send's failure as the dispatcher sees it (`staff`: as for [`classify`]).
pub(crate) fn fail(f: Fail, staff: bool) -> DeliveryError {
    match f {
        Fail::Api(e) => classify(&e, staff),
        Fail::Stopped => DeliveryError::Stopped,
    }
}

/// After the message reached Discord, a failure to record something about it is logged,
/// not returned: an error would make the dispatcher send the message again.
pub(crate) fn log_after_send<E: std::fmt::Display>(r: Result<(), E>, what: &str) {
    if let Err(e) = r {
        tracing::error!(error = %e, "sent, but could not record {what}");
    }
}

/// What a failed call means for a thread.
pub(crate) enum ThreadTrouble {
    /// Archived and locked (50083): unarchive, then send again.
    Archived,
    /// Deleted (10003 Unknown Channel): make a new one.
    Gone,
}

/// What a failed call means for the thread it was sent to, if anything.
pub(crate) fn thread_trouble(e: &RestError) -> Option<ThreadTrouble> {
    match status_of(e)? {
        (_, 50083) => Some(ThreadTrouble::Archived),
        (404, _) | (_, 10003) => Some(ThreadTrouble::Gone),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_429_waits_what_discord_asked() {
        let e = RestError::RateLimited {
            retry_after: std::time::Duration::from_millis(5250),
            global: false,
            route: "POST channels/{}/messages (1)".into(),
        };
        assert_eq!(
            classify(&e, false),
            DeliveryError::RetryAfter(std::time::Duration::from_millis(5250))
        );
        assert_eq!(classify(&RestError::Stopped, true), DeliveryError::Stopped);
    }

    #[test]
    fn refusals_are_sorted_by_who_can_fix_them() {
        // A refused token and a lost permission in the staff space wait for an admin.
        assert_eq!(verdict(401, false), Verdict::TokenRefused);
        assert_eq!(verdict(401, true), Verdict::TokenRefused);
        assert_eq!(verdict(403, true), Verdict::StaffPermission);
        // A customer who closed their DMs (403 50007) cannot be helped by retrying.
        assert_eq!(verdict(403, false), Verdict::Refused);
        assert_eq!(verdict(404, true), Verdict::Refused);
        assert_eq!(verdict(400, true), Verdict::Refused);
        assert_eq!(verdict(429, true), Verdict::Wait);
        assert_eq!(verdict(500, false), Verdict::Later);
        assert_eq!(verdict(503, true), Verdict::Later);
        assert!(missing_permission(50001, "POST", "/channels/1/messages").contains("View Channel"));
        assert!(
            missing_permission(50013, "POST", "/channels/1/messages/2/threads")
                .contains("Create Public Threads")
        );
        assert!(missing_permission(50013, "PATCH", "/channels/1").contains("Manage Threads"));
        assert!(
            missing_permission(50013, "POST", "/channels/1/messages").contains("Send Messages")
        );
    }
}
