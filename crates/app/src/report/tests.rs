//! The report on hand-worked fixtures: every metric, the groupings and formats, the
//! customers' numbers, split and threaded scans, and the view decoded from a store.

use super::fixtures::*;
use super::*;
use switchboard_domain::Timestamp;
use switchboard_domain::{EventKind, PartyId, Platform, TicketId, TicketStatus};

#[test]
fn rules_and_the_default_category_sample() {
    let tickets = fixture();
    let r = build(&tickets, opts(at(0, 0, 0), at(1, 0, 0), By::All));
    // r1 fired on T1 and T2 (T2 recategorised by an agent); r2 on T3 only.
    assert_eq!(
        r.rules,
        vec![
            RuleLine {
                rule: "r1".into(),
                hits: 2,
                recategorised: 1,
                recategorised_pct: Some(50.0)
            },
            RuleLine {
                rule: "r2".into(),
                hits: 1,
                recategorised: 0,
                recategorised_pct: Some(0.0)
            },
        ]
    );
    // T5 fell to `general`, newest first (T4 is outside the period).
    let ids: Vec<&str> = r.unmatched.iter().map(|u| u.ticket.as_str()).collect();
    assert_eq!(ids, ["T-5"]);
}

#[test]
fn every_metric_on_the_hand_worked_fixture() {
    let tickets = fixture();
    let r = build(&tickets, opts(at(0, 0, 0), at(1, 0, 0), By::All));
    assert_eq!(r.groups.len(), 1);
    let n = &r.groups[0].numbers;
    // Opened in the period: T1, T2, T3, T5 (T4 opened the day before).
    assert_eq!(
        (n.opened, n.resolved, n.reopened, n.still_open),
        (4, 3, 0, 2)
    );
    // Open at the end of the day: T2 (13 h old) and T5 (4 h).
    assert_eq!(n.backlog, 2);
    assert_eq!(
        n.backlog_by_age.iter().map(|b| b.count).collect::<Vec<_>>(),
        [2, 0, 0, 0, 0]
    );
    // Handed off: T1, T2, T5 of 4; deflected: T3 of the 3 resolved (T1, T3, T4).
    assert_eq!(n.handoff_rate_pct, Some(75.0));
    assert!((n.deflection_rate_pct.unwrap() - 100.0 / 3.0).abs() < 1e-9);
    // First responses: 30 and 120 minutes.
    let fr = &n.first_response_wall;
    assert_eq!(
        (fr.count, fr.median_min, fr.p90_min, fr.mean_min),
        (2, Some(30.0), Some(120.0), Some(75.0))
    );
    assert_eq!(n.first_response_business, n.first_response_wall, "24/7");
    // Resolutions: T1 120, T3 5, T4 120 (across the period's start).
    let res = &n.resolution_wall;
    assert_eq!(
        (res.count, res.median_min, res.p90_min),
        (3, Some(120.0), Some(120.0))
    );
    assert!((res.mean_min.unwrap() - 245.0 / 3.0).abs() < 1e-9);
    // SLA: first response met by T1, breached by T2, T5 undecided; resolution met by T1.
    assert_eq!(
        (
            n.sla_first_response.decided,
            n.sla_first_response.met,
            n.sla_first_response.breached
        ),
        (2, 1, 1)
    );
    assert_eq!(n.sla_first_response.attainment_pct, Some(50.0));
    assert_eq!(n.sla_resolution.attainment_pct, Some(100.0));
    // Surveys: 5 and 2: CSAT 50%, mean 3.5, NPS 50% - 50% = 0, S = (1 - 1) / 2 = 0.
    assert_eq!((n.surveys_sent, n.csat_answers), (2, 2));
    assert_eq!(
        (n.csat_pct, n.csat_mean, n.survey_response_rate_pct),
        (Some(50.0), Some(3.5), Some(100.0))
    );
    assert_eq!((n.nps, n.satisfaction_index), (Some(0.0), Some(0.0)));
}

#[test]
fn an_empty_period_says_no_data_and_a_single_ticket_counts() {
    let tickets = fixture();
    let r = build(&tickets, opts(at(10, 0, 0), at(11, 0, 0), By::All));
    let n = &r.groups[0].numbers;
    assert_eq!((n.opened, n.resolved), (0, 0));
    assert_eq!((n.handoff_rate_pct, n.csat_pct, n.nps), (None, None, None));
    assert_eq!(n.first_response_wall.median_min, None);
    // Nothing happened, but T2 and T5 were still open then, ten days old.
    assert_eq!(n.backlog, 2);
    assert_eq!(n.backlog_by_age[3].label, "7-30d");
    assert_eq!(n.backlog_by_age[3].count, 2);
    let mut table = Vec::new();
    write(&r, "table", &mut table).unwrap();
    let table = String::from_utf8(table).unwrap();
    assert!(
        table.contains("csat_pct") && table.contains("no data"),
        "{table}"
    );
    assert!(table.lines().all(|l| l.chars().count() <= 80), "{table}");
    // Only T4's resolution falls in [00:30, 01:30).
    let r = build(&tickets, opts(at(0, 0, 30), at(0, 1, 30), By::All));
    let n = &r.groups[0].numbers;
    assert_eq!(
        (n.opened, n.resolved, n.resolution_wall.median_min),
        (0, 1, Some(120.0))
    );
    assert_eq!(
        n.backlog, 0,
        "T4 was resolved by 01:30, the rest not yet opened"
    );
}

#[test]
fn groups_and_formats() {
    let tickets = fixture();
    let r = build(&tickets, opts(at(0, 0, 0), at(1, 0, 0), By::Priority));
    let names: Vec<&str> = r.groups.iter().map(|g| g.group.as_str()).collect();
    assert_eq!(names, ["high", "normal"]);
    assert_eq!(r.groups[0].numbers.opened, 1);
    let mut csv = Vec::new();
    write(&r, "csv", &mut csv).unwrap();
    let csv = String::from_utf8(csv).unwrap();
    assert!(csv.starts_with("group,metric,value\n"));
    assert!(csv.contains("high,opened,1\n"), "{csv}");
    // normal: T3's survey (2 of 5) is the only answer: CSAT 0 %.
    assert!(csv.contains("normal,csat_pct,0\n"), "{csv}");
    let mut json = Vec::new();
    write(&r, "json", &mut json).unwrap();
    let v: serde_json::Value = serde_json::from_slice(&json).unwrap();
    assert_eq!(v["groups"][0]["numbers"]["opened"], 1);
    assert!(v["groups"][1]["numbers"]["csat_pct"].is_number());
    assert!(write(&r, "pdf", &mut Vec::new()).is_err());
    assert!(
        csv.contains("rule:r1,hits,2\n") && csv.contains("rule:r1,recategorised_pct,50\n"),
        "{csv}"
    );
    assert!("weekly".parse::<By>().is_err());
    // 2026-11-01 is a Sunday: its week began on Monday 2026-10-26; T-4 opened on the
    // Saturday before.
    let r = build(&tickets, opts(at(-7, 0, 0), at(1, 0, 0), By::Week));
    let names: Vec<&str> = r.groups.iter().map(|g| g.group.as_str()).collect();
    assert_eq!(names, ["2026-10-26"]);
    assert_eq!(parse_when("2026-11-01", Timestamp(0)).unwrap(), at(0, 0, 0));
    assert_eq!(parse_when("1d", at(1, 0, 0)).unwrap(), at(0, 0, 0));
    assert!(parse_when("yesterday", Timestamp(0)).is_err());
}

#[test]
fn agents_rule_groups_and_charts_on_the_fixture() {
    let tickets = fixture();
    let r = build(&tickets, opts(at(0, 0, 0), at(1, 0, 0), By::Rule));
    let names: Vec<&str> = r.groups.iter().map(|g| g.group.as_str()).collect();
    assert_eq!(names, ["(no rule)", "r1", "r2"]);
    assert_eq!(r.groups[1].numbers.opened, 2, "T1 and T2");
    assert_eq!(r.groups[0].numbers.resolved, 1, "T4");
    assert_eq!(r.total.opened, 4, "the total ignores the grouping");
    // ann has T1 (answered after 30 min, resolved, CSAT 5) and T2 (answered after 2 h);
    // bob resolved T4 without holding it.
    assert_eq!(
        r.agents,
        vec![
            AgentLine {
                agent: "ann".into(),
                handled: 2,
                resolved: 1,
                first_response_median_min: Some(30.0),
                csat_answers: 1,
                csat_pct: Some(100.0),
            },
            AgentLine {
                agent: "bob".into(),
                handled: 1,
                resolved: 1,
                first_response_median_min: None,
                csat_answers: 0,
                csat_pct: None,
            },
        ]
    );
    let c = &r.charts;
    assert_eq!(
        (c.bucket.as_str(), c.starts.clone()),
        ("day", vec!["2026-11-01".to_string()])
    );
    assert_eq!(c.categories, ["billing", "general"]);
    assert_eq!(c.opened, vec![vec![3, 1]]);
    assert_eq!(
        (c.csat_answers.clone(), c.csat_pct.clone()),
        (vec![2], vec![Some(50.0)])
    );
    assert_eq!(c.nps, vec![Some(0.0)]);
    let count = |bins: &[Bin], label: &str| bins.iter().find(|b| b.label == label).unwrap().count;
    // First responses 30 and 120 minutes; resolutions 120, 5 and 120.
    assert_eq!(count(&c.first_response, "30m-1h"), 1);
    assert_eq!(count(&c.first_response, "2-4h"), 1);
    assert_eq!(c.first_response.iter().map(|b| b.count).sum::<usize>(), 2);
    assert_eq!(count(&c.resolution, "<15m"), 1);
    assert_eq!(count(&c.resolution, "2-4h"), 2);
    assert_eq!(c.resolution.last().unwrap().below_min, None);
    // A long period has weekly buckets starting on Mondays.
    let r = build(&tickets, opts(at(-200, 0, 0), at(1, 0, 0), By::All));
    assert_eq!(r.charts.bucket, "week");
    // From Monday 2026-04-13 (the week of Wednesday 04-15) to Monday 11-02: 29 weeks.
    assert_eq!(r.charts.starts.first().unwrap(), "2026-04-13");
    assert_eq!(r.charts.starts.len(), 29);
    assert_eq!(r.charts.opened.iter().flatten().sum::<usize>(), 5);
}

#[test]
fn repeat_contact_churn_and_risk_by_hand() {
    // Period: day 0; previous period: day -1.
    let of = |id: u64, who: &str, day: i64| {
        let mut t = ticket(id, at(day, 12, 0));
        t.customer = PartyId::new(Platform::Telegram, who);
        t.customer_name = who.to_uppercase();
        t
    };
    let mut c1 = of(5, "c", -1);
    c1.negative = 2;
    c1.sla = sla(&["first_response", "resolution"]);
    c1.reopened = 1;
    c1.events.push(ev(at(-1, 14, 0), "reopened", None));
    c1.survey = survey(at(-1, 13, 0), 1, 0);
    let tickets = vec![
        of(1, "a", 0),
        of(2, "a", 0),
        of(3, "b", -1),
        of(4, "b", 0),
        c1,
        of(6, "d", -5),
        of(7, "e", 3), // after the period: not counted, not scored
    ];
    let mut o = opts(at(0, 0, 0), at(1, 0, 0), By::All);
    o.at_risk = 3;
    let r = build(&tickets, o);
    let c = &r.customers;
    // Active: a (2 tickets, a repeat), b. Previous: b, c; c churned.
    assert_eq!(
        (c.active, c.repeat, c.repeat_contact_rate_pct),
        (2, 1, Some(50.0))
    );
    assert_eq!(
        (c.previous_active, c.churned, c.churn_pct),
        (2, 1, Some(50.0))
    );
    assert_eq!(c.previous_since, at(-1, 0, 0).to_rfc3339());
    // c: z = -3 + 0.2 + 0.5 + 0.6·2 + 0.4·2 + 0.7·2 = 1.1, P = 0.7503;
    // a and b: z = -2.6, P = 0.0691 (a before b by id); d: z = -2.8.
    let ids: Vec<&str> = c.at_risk.iter().map(|k| k.customer.as_str()).collect();
    assert_eq!(ids, ["telegram:c", "telegram:a", "telegram:b"]);
    assert!(
        (c.at_risk[0].risk - 0.7503).abs() < 1e-3,
        "{}",
        c.at_risk[0].risk
    );
    assert!((c.at_risk[1].risk - 0.0691).abs() < 1e-3);
    let k = &c.at_risk[0];
    assert_eq!(
        (
            k.name.as_str(),
            k.features.tickets,
            k.features.reopens,
            k.features.last_csat
        ),
        ("C", 1, 1, Some(1))
    );
    assert_eq!(
        (k.features.negative, k.features.sla_breaches, k.value),
        (2, 2, None)
    );
    // An empty period: no customers, no division by zero.
    let r = build(&tickets, opts(at(100, 0, 0), at(101, 0, 0), By::All));
    let c = &r.customers;
    assert_eq!((c.active, c.repeat_contact_rate_pct), (0, None));
    assert_eq!((c.previous_active, c.churn_pct), (0, None));
}

#[test]
fn a_split_scan_merges_to_the_same_report() {
    let mut tickets = fixture();
    for (i, t) in tickets.iter_mut().enumerate() {
        t.customer = PartyId::new(Platform::Telegram, format!("c{}", i % 2));
    }
    let o = opts(at(-1, 0, 0), at(1, 0, 0), By::Category);
    let whole = build(&tickets, o.clone());
    let mut a = Builder::new(o.clone());
    let mut b = Builder::new(o);
    for (i, t) in tickets.iter().enumerate() {
        if i % 2 == 0 {
            a.add(&TicketView::from(t))
        } else {
            b.add(&TicketView::from(t))
        }
    }
    a.merge(b);
    let mut merged = a.finish(&mut |_| None);
    // Percentiles do not depend on the order of values; the rest must be equal.
    assert_eq!(merged.customers, whole.customers);
    merged.customers = whole.customers.clone();
    assert_eq!(merged, whole);
}

#[test]
fn the_view_decodes_from_the_store_exactly_as_converted() {
    use switchboard_desk::{Store, Transition};
    let store = switchboard_store::SledStore::temporary().unwrap();
    let tickets = fixture();
    let mut t = Transition::default();
    for (i, mut x) in tickets.clone().into_iter().enumerate() {
        x.version = 1;
        x.negative = i as u32;
        x.reopened = 1;
        t.tickets.push(x);
    }
    t.last_ticket_id = Some(5);
    store.commit(&t).unwrap();
    let views: Vec<TicketView> = store
        .scan_tickets(TicketId(0), TicketId(10))
        .collect::<Result<_, _>>()
        .unwrap();
    let expected: Vec<TicketView> = t.tickets.iter().map(TicketView::from).collect();
    assert_eq!(views, expected);
    assert!(views[1].events[0].kind == EventKind::Category && views[1].events[0].by.is_some());
    // A range scans only its ids.
    assert_eq!(
        store
            .scan_tickets::<TicketView>(TicketId(2), TicketId(4))
            .count(),
        2
    );
}

#[test]
fn a_reopened_ticket_still_rates_its_agent_and_the_backlog_follows_the_history() {
    // Resolved by ann at 12:00, rated 1 at 13:00, reopened by the low score at 13:00:
    // no assignee, no resolution any more.
    let mut t = ticket(1, at(0, 10, 0));
    t.handed_off_at = Some(at(0, 10, 0));
    t.first_response_at = Some(at(0, 10, 30));
    t.resolved_at = Some(at(0, 12, 0));
    t.status = TicketStatus::Queued;
    t.reopened = 1;
    t.survey = survey(at(0, 12, 10), 1, 0);
    t.events = vec![
        ev(at(0, 10, 0), "opened", None),
        ev(at(0, 10, 5), "claimed", Some("ann")),
        ev(at(0, 12, 0), "resolved", Some("ann")),
        ev(at(0, 13, 0), "reopened", None),
    ];
    let tickets = vec![t];
    let r = build(&tickets, opts(at(0, 0, 0), at(1, 0, 0), By::Agent));
    assert_eq!(r.agents.len(), 1);
    assert_eq!(r.agents[0].agent, "ann");
    assert_eq!(r.agents[0].csat_pct, Some(0.0), "her low score counts");
    assert_eq!(r.groups[0].group, "ann");
    // Open at the end of the day (reopened at 13:00)...
    assert_eq!(r.total.backlog, 1);
    // ... but not at 12:05, between the resolution and the reopening.
    let r = build(&tickets, opts(at(0, 0, 0), at(0, 12, 5), By::All));
    assert_eq!(r.total.backlog, 0);
    // The churn risk reads the ticket as it was then: no reopening, no answer yet.
    let k = &r.customers.at_risk[0];
    assert_eq!((k.features.reopens, k.features.last_csat), (0, None));
    let r = build(&tickets, opts(at(0, 0, 0), at(1, 0, 0), By::All));
    let k = &r.customers.at_risk[0];
    assert_eq!((k.features.reopens, k.features.last_csat), (1, Some(1)));
}

#[test]
fn the_table_keeps_to_80_columns_with_wide_and_broken_text() {
    let mut tickets = fixture();
    tickets[4].id = TicketId(1_000_005);
    let mut r = build(&tickets, opts(at(0, 0, 0), at(1, 0, 0), By::All));
    r.unmatched[0].text = format!("我的快递三天没动了\t请帮我查一下\n{}", "很".repeat(80));
    let mut table = Vec::new();
    write(&r, "table", &mut table).unwrap();
    let table = String::from_utf8(table).unwrap();
    use unicode_width::UnicodeWidthStr;
    assert!(table.lines().all(|l| l.width() <= 80), "{table}");
    assert!(
        table.contains("T-1000005 我的快递三天没动了 请帮我查一下"),
        "{table}"
    );
    assert!(table.contains('…'));
    assert!(
        parse_when("2026-02-31", Timestamp(0)).is_err(),
        "not a date"
    );
    assert!(parse_when("2024-02-29", Timestamp(0)).is_ok(), "a leap day");
}

#[test]
fn a_store_scanned_on_any_number_of_threads_gives_the_same_report() {
    use switchboard_desk::{Store, Transition};
    let store = switchboard_store::SledStore::temporary().unwrap();
    let mut t = Transition::default();
    for mut x in fixture() {
        x.version = 1;
        t.tickets.push(x);
    }
    t.last_ticket_id = Some(5);
    store.commit(&t).unwrap();
    let o = opts(at(-1, 0, 0), at(1, 0, 0), By::Category);
    let whole = build(&t.tickets, o.clone());
    let source = crate::tickets::Source::Store(Box::new(store));
    for threads in [1, 3, 8] {
        let r = from_source_on(&source, o.clone(), &Default::default(), threads).unwrap();
        assert_eq!(r.total, whole.total, "{threads} threads");
        assert_eq!(r.groups, whole.groups, "{threads} threads");
        assert_eq!(r.customers.active, whole.customers.active);
    }
}

#[test]
fn the_period_takes_the_dates_it_always_took_and_says_what_is_wrong() {
    let now = at(1, 0, 0);
    let day = |y, m, d| Ok(Timestamp::from_ymd(y, m, d));
    // Unpadded numbers and the last day of year 9999 (past jiff's last timestamp).
    assert_eq!(parse_when("2026-1-5", now), day(2026, 1, 5));
    assert_eq!(parse_when("9999-12-31", now), day(9999, 12, 31));
    assert_eq!(parse_when("1970-01-01", now), day(1970, 1, 1));
    assert!(parse_when("1969-12-31", now).is_err());
    assert!(parse_when("2026-02-29", now).is_err(), "not a leap year");
    assert_eq!(
        parse_when("2026-13-01", now).unwrap_err().to_string(),
        "`2026-13-01` is not a time: use a duration back from now like 30d, or a date like \
         2026-11-01"
    );
    assert_eq!(period("1d", None, now), Ok((at(0, 0, 0), now)));
    assert_eq!(
        period("2026-11-02", Some("2026-11-01"), now)
            .unwrap_err()
            .to_string(),
        "--since 2026-11-02T00:00:00Z is not before --until 2026-11-01T00:00:00Z: give a start \
         before the end"
    );
    assert!(period("2026-11-01", Some("later"), now).is_err());
}

#[test]
fn by_and_format_are_clap_values_with_their_own_sentences() {
    use clap::builder::TypedValueParser as _;
    let cmd = clap::Command::new("report")
        .arg(clap::Arg::new("by").long("by").value_parser(By::parser()))
        .arg(
            clap::Arg::new("format")
                .long("format")
                .value_parser(Format::parser()),
        );
    let m = cmd
        .clone()
        .try_get_matches_from(["report", "--by", "week", "--format", "csv"])
        .unwrap();
    assert_eq!(m.get_one::<By>("by"), Some(&By::Week));
    assert_eq!(m.get_one::<Format>("format"), Some(&Format::Csv));
    let e = cmd
        .clone()
        .try_get_matches_from(["report", "--by", "month"])
        .unwrap_err();
    assert_eq!(e.kind(), clap::error::ErrorKind::InvalidValue);
    assert_eq!(
        e.to_string(),
        "error: `--by month` is not a grouping: use category, priority, agent, platform, rule, \
         day or week\n"
    );
    let e = cmd
        .try_get_matches_from(["report", "--format", "pdf"])
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "error: `--format pdf` is not a format: use table, json, csv or html\n"
    );
    // The help lists every value the parser takes.
    let names: Vec<String> = By::parser()
        .possible_values()
        .unwrap()
        .map(|v| v.get_name().to_string())
        .collect();
    assert_eq!(
        names,
        [
            "all", "category", "priority", "agent", "platform", "rule", "day", "week"
        ]
    );
}
