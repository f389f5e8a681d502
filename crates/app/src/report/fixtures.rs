//! Test fixtures shared by the report's tests and the HTML page's: day 0 is 2026-11-01
//! (UTC); five tickets whose every figure is worked out by hand in the tests.

use super::dates::DAY;
use super::risk::ChurnRisk;
use super::*;
use switchboard_desk::calendar::Calendar;
use switchboard_domain::{
    Agent, Category, ChatId, PartyId, Platform, Priority, Sla, Survey, TicketId, TicketStatus,
};
use switchboard_domain::{Millis, Resolution, Ticket, Timestamp};

pub(crate) fn opts(since: Timestamp, until: Timestamp, by: By) -> Options {
    Options {
        since,
        until,
        by,
        calendar: Calendar::always(),
        default_category: "general".into(),
        churn_risk: ChurnRisk::default(),
        at_risk: 10,
    }
}

pub(crate) fn at(day: i64, h: i64, m: i64) -> Timestamp {
    Timestamp(Timestamp::from_ymd(2026, 11, 1).0 + day * DAY + (h * 60 + m) * 60_000)
}

pub(crate) fn ticket(id: u64, opened: Timestamp) -> Ticket {
    Ticket {
        id: TicketId(id),
        customer: PartyId::new(Platform::Telegram, format!("c{id}")),
        customer_name: format!("c{id}"),
        chat: ChatId::new(Platform::Telegram, format!("c{id}")),
        status: TicketStatus::Queued,
        category: Category::new("billing").unwrap(),
        priority: Priority::Normal,
        tags: vec![],
        rules: vec![],
        locale: "en".into(),
        assignee: None,
        opened_at: opened,
        updated_at: opened,
        handed_off_at: None,
        first_response_at: None,
        resolved_at: None,
        resolution: None,
        previous: None,
        reopened: 0,
        messages: 1,
        events: vec![],
        recent: vec![],
        throttled_at: None,
        negative: 0,
        survey: None,
        sla: None,
        version: 1,
    }
}

pub(crate) fn sla(breached: &[&str]) -> Option<Sla> {
    Some(Sla {
        first_response_target: Millis::hours(1),
        resolution_target: Millis::hours(8),
        started_at: Timestamp(0),
        spent: Millis(0),
        running_since: None,
        warned: vec![],
        breached: breached.iter().map(|s| s.to_string()).collect(),
        last_agent_at: None,
        generation: 0,
        first_response_settled: false,
    })
}

pub(crate) fn survey(sent: Timestamp, csat: u8, nps: u8) -> Option<Survey> {
    Some(Survey {
        sent_at: sent,
        csat: Some(csat),
        nps: Some(nps),
        ..Survey::default()
    })
}

/// The fixture: day 0 is 2026-11-01 (the period), all times UTC, 24/7 hours.
pub(crate) fn fixture() -> Vec<Ticket> {
    let ann = Agent {
        id: PartyId::new(Platform::Telegram, "7"),
        name: "ann".into(),
    };
    // T1: handed off 10:00, answered 10:30, resolved 12:00 by ann; survey 5 / 10.
    let mut t1 = ticket(1, at(0, 10, 0));
    t1.priority = Priority::High;
    t1.handed_off_at = Some(at(0, 10, 0));
    t1.first_response_at = Some(at(0, 10, 30));
    t1.resolved_at = Some(at(0, 12, 0));
    t1.status = TicketStatus::Resolved;
    t1.resolution = Some(Resolution::Agent { name: "ann".into() });
    t1.assignee = Some(ann.clone());
    t1.sla = sla(&[]);
    t1.survey = survey(at(0, 12, 10), 5, 10);
    t1.rules = vec!["r1".into()];
    // T2: handed off 11:00, answered 13:00 (first-response breached), still claimed.
    let mut t2 = ticket(2, at(0, 11, 0));
    t2.handed_off_at = Some(at(0, 11, 0));
    t2.first_response_at = Some(at(0, 13, 0));
    t2.status = TicketStatus::Claimed;
    t2.assignee = Some(ann);
    t2.sla = sla(&["first_response"]);
    t2.rules = vec!["r1".into()];
    t2.events.push(switchboard_domain::TicketEvent {
        at: at(0, 11, 30),
        kind: "category".into(),
        by: Some("ann".into()),
        detail: "billing -> shipping".into(),
    });
    // T3: self-service, resolved 09:05; survey 2 / 5.
    let mut t3 = ticket(3, at(0, 9, 0));
    t3.resolved_at = Some(at(0, 9, 5));
    t3.status = TicketStatus::Resolved;
    t3.resolution = Some(Resolution::SelfService);
    t3.survey = survey(at(0, 9, 15), 2, 5);
    t3.rules = vec!["r2".into()];
    // T4: opened the day before at 23:00, resolved 01:00 in the period.
    let mut t4 = ticket(4, at(-1, 23, 0));
    t4.resolved_at = Some(at(0, 1, 0));
    t4.status = TicketStatus::Resolved;
    t4.resolution = Some(Resolution::Agent { name: "bob".into() });
    // T5: handed off 20:00, nobody yet.
    let mut t5 = ticket(5, at(0, 20, 0));
    t5.handed_off_at = Some(at(0, 20, 0));
    t5.sla = sla(&[]);
    t5.category = Category::new("general").unwrap();
    t4.category = Category::new("general").unwrap();
    vec![t1, t2, t3, t4, t5]
}

pub(crate) fn ev(at: Timestamp, kind: &str, by: Option<&str>) -> switchboard_domain::TicketEvent {
    switchboard_domain::TicketEvent {
        at,
        kind: kind.into(),
        by: by.map(str::to_string),
        detail: String::new(),
    }
}
