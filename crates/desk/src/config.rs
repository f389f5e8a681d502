//! The desk's settings: the `[desk]` section of config/switchboard.toml. Every field has a
//! default equal to that file's, so a config holds only what differs.

use std::collections::BTreeMap;

use serde::Deserialize;
use switchboard_domain::{Millis, Priority};

/// How agents' messages are signed to customers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Signature {
    /// "Alice: …"
    Name,
    /// "Support: …" (the `desk.support_name` prompt).
    Anonymous,
}

/// Expected time to a first answer, per priority (said in the acknowledgement).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Targets {
    /// For low priority.
    pub low: Millis,
    /// For normal priority.
    pub normal: Millis,
    /// For high priority.
    pub high: Millis,
    /// For urgent priority.
    pub urgent: Millis,
}

impl Default for Targets {
    fn default() -> Self {
        Targets {
            low: Millis::hours(24),
            normal: Millis::hours(4),
            high: Millis::hours(1),
            urgent: Millis::mins(15),
        }
    }
}

impl Targets {
    /// The target for `p`.
    pub fn get(&self, p: Priority) -> Millis {
        match p {
            Priority::Low => self.low,
            Priority::Normal => self.normal,
            Priority::High => self.high,
            Priority::Urgent => self.urgent,
        }
    }
}

/// `[desk]`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DeskConfig {
    /// A message within this time after a ticket was resolved reopens it; later, it opens
    /// a new ticket linked to the old one.
    pub reopen_window: Millis,
    /// Without an answer to "Did this solve it?" within this time, a person takes over.
    pub self_service_timeout: Millis,
    /// How agents' messages are signed.
    pub agent_signature: Signature,
    /// The language of the staff space.
    pub staff_locale: String,
    /// An agent's message starting with this is an internal note (also `/note`).
    pub note_prefix: String,
    /// A customer with this many open tickets opens no more; new messages join the newest.
    pub max_open_tickets: u32,
    /// More than this many messages from one customer within `rate_window` are recorded but
    /// not relayed, and the customer is asked once to slow down.
    pub rate_limit: u32,
    /// The rate limit's window.
    pub rate_window: Millis,
    /// Longer messages are cut to this many characters (the customer is told).
    pub max_message_chars: usize,
    /// How many messages of the conversation the agents' card shows.
    pub card_messages: usize,
    /// How many of the customer's previous tickets the card lists.
    pub card_tickets: usize,
    /// Expected time to a first answer, per priority.
    pub first_response: Targets,
    /// Customer tiers by platform identity (`"telegram:12345" = "vip"`).
    pub tiers: BTreeMap<String, String>,
    /// The satisfaction survey after a ticket is resolved.
    pub survey: SurveyConfig,
    /// How handed-off tickets reach agents.
    pub assignment: AssignmentConfig,
    /// Business hours: SLA clocks count open time only.
    pub hours: crate::calendar::HoursConfig,
    /// Service-level targets and what happens on the way to them.
    pub sla: SlaConfig,
}

/// `[desk.sla]`. The first-response targets are `[desk.first_response]` (also the
/// expected time the acknowledgement states).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SlaConfig {
    /// Run the clocks.
    pub enabled: bool,
    /// Business time to resolution, per priority.
    pub resolution: Targets,
    /// A warning in the ticket's thread when this share of a target has passed.
    pub warn_percent: u32,
    /// Mentioned in the staff space on a breach (a role or group, like `@support-leads`).
    pub breach_mention: String,
    /// On a breach, a claimed ticket whose agent has not written for this long goes back
    /// to the queue (0: never).
    pub silent_release: Millis,
}

impl Default for SlaConfig {
    fn default() -> Self {
        SlaConfig {
            enabled: true,
            resolution: Targets {
                low: Millis::hours(24 * 5),
                normal: Millis::hours(24 * 2),
                high: Millis::hours(24),
                urgent: Millis::hours(4),
            },
            warn_percent: 80,
            breach_mention: String::new(),
            silent_release: Millis::hours(2),
        }
    }
}

/// How tickets in the queue reach agents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AssignMode {
    /// Agents pick from the queue (Claim button, `/claim`).
    Claim,
    /// Each ticket goes to the available agent who has been given the fewest so far.
    RoundRobin,
    /// Each ticket goes to the available agent with the fewest open tickets.
    LeastLoaded,
}

/// One agent for automatic assignment.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgentConfig {
    /// The name customers and colleagues see.
    pub name: String,
    /// Categories the agent takes; empty: all.
    #[serde(default)]
    pub skills: Vec<String>,
    /// Open tickets at once; absent: `default_capacity`.
    #[serde(default)]
    pub capacity: Option<u32>,
}

/// `[desk.assignment]`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AssignmentConfig {
    /// `claim`, `round_robin` or `least_loaded`.
    pub mode: AssignMode,
    /// Open tickets an agent holds at once unless their entry says otherwise.
    pub default_capacity: u32,
    /// Agents who take tickets automatically, by platform identity
    /// (`"telegram:7" = { name = "Alice", skills = ["billing"], capacity = 3 }`).
    pub agents: BTreeMap<String, AgentConfig>,
}

impl Default for AssignmentConfig {
    fn default() -> Self {
        AssignmentConfig {
            mode: AssignMode::Claim,
            default_capacity: 5,
            agents: BTreeMap::new(),
        }
    }
}

/// `[desk.survey]`: the follow-up survey.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SurveyConfig {
    /// Ask at all.
    pub enabled: bool,
    /// How long after the ticket is resolved the question goes out (0: at once).
    pub delay: Millis,
    /// Ask the NPS question (0-10) after the CSAT answer.
    pub nps: bool,
    /// Invite a comment after the last question.
    pub comment: bool,
    /// Remind once when the CSAT question is unanswered after this long (0: never).
    pub reminder: Millis,
    /// Answers after this long are refused politely.
    pub expiry: Millis,
    /// Reopen the ticket when the CSAT answer is 1 or 2 (the staff space is alerted either
    /// way).
    pub reopen_on_low_score: bool,
}

impl Default for SurveyConfig {
    fn default() -> Self {
        SurveyConfig {
            enabled: true,
            delay: Millis::mins(10),
            nps: false,
            comment: true,
            reminder: Millis(0),
            expiry: Millis::hours(24 * 7),
            reopen_on_low_score: false,
        }
    }
}

impl Default for DeskConfig {
    fn default() -> Self {
        DeskConfig {
            reopen_window: Millis::hours(72),
            self_service_timeout: Millis::mins(15),
            agent_signature: Signature::Name,
            staff_locale: "en".into(),
            note_prefix: "//".into(),
            max_open_tickets: 3,
            rate_limit: 10,
            rate_window: Millis::mins(1),
            max_message_chars: 4000,
            card_messages: 10,
            card_tickets: 3,
            first_response: Targets::default(),
            tiers: BTreeMap::new(),
            survey: SurveyConfig::default(),
            assignment: AssignmentConfig::default(),
            hours: crate::calendar::HoursConfig::default(),
            sla: SlaConfig::default(),
        }
    }
}
