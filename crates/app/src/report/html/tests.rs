//! The HTML page on hand-worked fixtures: every chart draws what the report holds, hostile
//! text is escaped everywhere, no data is said so, and drawings hold only finite numbers.

use super::*;
use super::{charts::nice, values::N};
use crate::report::fixtures::{at, opts, sla, survey, ticket};
use crate::report::{By, build};
use switchboard_domain::{
    Agent, Category, PartyId, Platform, Priority, Resolution, Ticket, TicketEvent, TicketStatus,
};

const HOSTILE: &str = "<script>alert(1)</script>";

/// report.rs's fixture over days 0-2, with hostile names, a second category, and a
/// survey on day 2 (none on day 1: a gap in the satisfaction lines).
fn fixture() -> Vec<Ticket> {
    let ann = Agent {
        id: PartyId::new(Platform::Telegram, "7"),
        name: format!("ann {HOSTILE}"),
    };
    // T1: handed off 10:00, answered 10:30 (30m-1h), resolved 12:00 (2-4h); 5 / 10.
    let mut t1 = ticket(1, at(0, 10, 0));
    t1.customer_name = HOSTILE.into();
    t1.priority = Priority::High;
    t1.handed_off_at = Some(at(0, 10, 0));
    t1.first_response_at = Some(at(0, 10, 30));
    t1.resolved_at = Some(at(0, 12, 0));
    t1.status = TicketStatus::Resolved;
    t1.resolution = Some(Resolution::Agent {
        name: ann.name.clone(),
    });
    t1.assignee = Some(ann.clone());
    t1.sla = sla(&[]);
    t1.survey = survey(at(0, 12, 10), 5, 10);
    t1.rules = vec!["r1".into()];
    // T2: answered after 2 hours (2-4h), first response breached, recategorised.
    let mut t2 = ticket(2, at(0, 11, 0));
    t2.handed_off_at = Some(at(0, 11, 0));
    t2.first_response_at = Some(at(0, 13, 0));
    t2.status = TicketStatus::Claimed;
    t2.assignee = Some(ann);
    t2.sla = sla(&["first_response"]);
    t2.rules = vec!["r1".into(), format!("rule\"{HOSTILE}")];
    t2.events.push(TicketEvent {
        at: at(0, 11, 30),
        kind: "category".into(),
        by: Some("ann".into()),
        detail: "billing -> shipping".into(),
    });
    // T3: self-service, resolved after 5 minutes (<15m); survey 2 / 5.
    let mut t3 = ticket(3, at(0, 9, 0));
    t3.resolved_at = Some(at(0, 9, 5));
    t3.status = TicketStatus::Resolved;
    t3.resolution = Some(Resolution::SelfService);
    t3.survey = survey(at(0, 9, 15), 2, 5);
    t3.rules = vec!["r2".into()];
    // T5: handed off, nobody yet, default category.
    let mut t5 = ticket(5, at(0, 20, 0));
    t5.handed_off_at = Some(at(0, 20, 0));
    t5.sla = sla(&[]);
    t5.category = Category::new("general").unwrap();
    // T6: day 2, self-service after 20 minutes (15-30m); survey 4 / 9.
    let mut t6 = ticket(6, at(2, 8, 0));
    t6.resolved_at = Some(at(2, 8, 20));
    t6.status = TicketStatus::Resolved;
    t6.resolution = Some(Resolution::SelfService);
    t6.survey = survey(at(2, 8, 30), 4, 9);
    t6.category = Category::new("shipping").unwrap();
    vec![t1, t2, t3, t5, t6]
}

fn html(r: &Report) -> String {
    let mut out = Vec::new();
    write(r, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

/// The SVG of chart `id`.
fn chart<'a>(page: &'a str, id: &str) -> &'a str {
    let start = page
        .find(&format!("<svg id=\"chart-{id}\""))
        .unwrap_or_else(|| panic!("no chart {id}"));
    let len = page[start..].find("</svg>").expect("an unclosed svg") + "</svg>".len();
    &page[start..start + len]
}

fn count(hay: &str, needle: &str) -> usize {
    hay.matches(needle).count()
}

/// Every element of an SVG is closed, in order (SVG in HTML has no void elements).
fn assert_balanced(svg: &str) {
    let mut stack: Vec<&str> = Vec::new();
    let mut rest = svg;
    while let Some(i) = rest.find('<') {
        rest = &rest[i + 1..];
        let end = rest.find('>').expect("an unclosed tag");
        let tag = &rest[..end];
        rest = &rest[end + 1..];
        if let Some(name) = tag.strip_prefix('/') {
            assert_eq!(stack.pop(), Some(name), "in {svg}");
        } else if !tag.ends_with('/') {
            stack.push(tag.split_whitespace().next().unwrap_or(""));
        }
    }
    assert!(stack.is_empty(), "unclosed {stack:?} in {svg}");
}

/// No text that could be a number gone wrong.
fn assert_finite(page: &str) {
    assert!(!page.contains("NaN"), "NaN in the page");
    for bad in ["\"inf", " inf", "-inf", ">inf", "\"-0.0\""] {
        assert!(!page.contains(bad), "{bad} in the page");
    }
}

fn assert_self_contained(page: &str) {
    assert!(page.starts_with("<!doctype html>\n<html lang=\"en\">"));
    assert!(page.ends_with("</body>\n</html>\n"));
    assert_eq!(count(page, "<html"), 1);
    assert_eq!(count(page, "</html>"), 1);
    let lower = page.to_lowercase();
    for bad in [
        "http:", "https:", "src=", "href=", "@import", "url(", "<script", "<link", "<img",
        "<iframe", "<object",
    ] {
        assert!(!lower.contains(bad), "{bad} in the page");
    }
    assert_eq!(count(page, "<svg"), count(page, "</svg>"));
    for id in CHARTS {
        assert_balanced(chart(page, id));
    }
}

const CHARTS: [&str; 7] = [
    "volume",
    "first-response",
    "resolution",
    "csat",
    "nps",
    "sla",
    "rules",
];

#[test]
fn every_chart_draws_what_the_report_holds() {
    let r = build(&fixture(), opts(at(0, 0, 0), at(3, 0, 0), By::All));
    let page = html(&r);
    assert_self_contained(&page);
    assert_finite(&page);
    assert_eq!(count(&page, "<svg"), CHARTS.len());
    // Day 0: billing 3 and general 1; day 1 nothing; day 2: shipping 1.
    assert_eq!(r.charts.opened.len(), 3);
    let volume = chart(&page, "volume");
    assert_eq!(count(volume, "<rect class=\"bar\""), 3, "{volume}");
    assert!(
        volume.contains("<title>2026-11-01 · billing: 3</title>"),
        "{volume}"
    );
    // The legend names the categories with their totals.
    assert!(
        page.contains("billing &#40;3&#41;</li>") && page.contains("shipping &#40;1&#41;</li>")
    );
    // First responses 30 and 120 minutes; resolutions 5, 20 and 120 minutes.
    let fr = chart(&page, "first-response");
    assert_eq!(count(fr, "<rect class=\"bar\""), 2, "{fr}");
    assert!(
        fr.contains("<title>30m-1h: 1 of 2 tickets (50.0 %)</title>"),
        "{fr}"
    );
    assert_eq!(count(chart(&page, "resolution"), "<rect class=\"bar\""), 3);
    // Surveys on days 0 and 2 only: two points, the line broken at day 1.
    for id in ["csat", "nps"] {
        let c = chart(&page, id);
        assert_eq!(count(c, "<circle class=\"point\""), 2, "{c}");
        let d = c.split(" d=\"").nth(1).unwrap().split('"').next().unwrap();
        assert_eq!((count(d, "M"), count(d, "L")), (2, 0), "{d}");
    }
    assert!(chart(&page, "csat").contains("CSAT 50 % (2 answers)"));
    // SLA: first response met 1 and breached 1; resolution met 1.
    let sla = chart(&page, "sla");
    assert_eq!(count(sla, "<rect class=\"bar\""), 3, "{sla}");
    assert!(
        sla.contains("50 % attained: 1 met, 1 breached of 2 decided"),
        "{sla}"
    );
    // Rules: r1 (2 hits, 1 recategorised), r2 and the hostile one.
    let rules = chart(&page, "rules");
    assert_eq!(count(rules, "<rect class=\"bar\""), 3, "{rules}");
    assert_eq!(count(rules, "<rect class=\"seg recat\""), 2, "{rules}");
    // Key figures.
    assert!(page.contains("<div class=\"label\">Opened</div><div class=\"value\">5</div>"));
    assert!(page.contains("<div class=\"label\">CSAT</div><div class=\"value\">66.7 %</div>"));
    assert!(page.contains("@page { size: A4; margin: 12mm }"));
    assert_eq!(page, html(&r), "deterministic");
}

#[test]
fn hostile_text_is_escaped_everywhere() {
    let mut r = build(&fixture(), opts(at(0, 0, 0), at(3, 0, 0), By::Agent));
    assert_eq!(r.unmatched.len(), 1);
    let long = "x".repeat(5000);
    r.unmatched[0].text = format!(
        "<img src=x onerror=alert(1)> & \"quoted\" 'single' https://evil.example/a.css \
         url(evil) @import {long}\u{0}\u{1b}[31m"
    );
    r.customers.at_risk[0].value = Some(12.5);
    let page = html(&r);
    assert_self_contained(&page);
    assert_finite(&page);
    let escaped = "&lt;script&gt;alert&#40;1&#41;&lt;/script&gt;";
    // The customer (at-risk list), the agent (a group and the agents table), the rule
    // (chart and table).
    assert!(
        page.contains(&format!("<td class=\"t\">{escaped}</td>")),
        "customer"
    );
    assert!(page.contains(&format!(
        "<th class=\"n t\" scope=\"col\">ann {escaped}</th>"
    )));
    assert!(
        page.contains(&format!("<tr><td class=\"t\">ann {escaped}</td>")),
        "agents table"
    );
    assert!(
        page.contains(&format!("<tr><td class=\"t\">rule&quot;{escaped}</td>")),
        "rules table"
    );
    assert!(count(&page, escaped) >= 6, "{page}");
    assert!(!page.contains("<script") && !page.contains("alert(1)"));
    assert!(page.contains(
        "&lt;img src&#61;x onerror&#61;alert&#40;1&#41;&gt; &amp; &quot;quoted&quot; \
         &#39;single&#39; https&#58;//evil.example/a.css url&#40;evil&#41; &#64;import"
    ));
    // A long word is cut, and control characters replaced.
    assert!(!page.contains(&long) && page.contains(&format!("{}…", &long[..100])));
    assert!(!page.contains('\u{0}') && !page.contains('\u{1b}'));
    assert!(page.contains(".t, .legend li { overflow-wrap: anywhere }"));
    assert!(page.contains("<td class=\"n\">12.50</td>"), "a known value");
    assert!(
        page.contains("<td class=\"n\">unknown</td>"),
        "an unknown one"
    );
}

#[test]
fn an_empty_report_says_no_data_everywhere() {
    let r = build(&[], opts(at(0, 0, 0), at(30, 0, 0), By::All));
    let page = html(&r);
    assert_self_contained(&page);
    assert_finite(&page);
    // Every chart says so instead of drawing.
    for id in CHARTS {
        let c = chart(&page, id);
        assert!(c.contains(">no data</text>"), "{c}");
        assert_eq!(count(c, "class=\"bar\""), 0, "{c}");
        assert_eq!(count(c, "<circle"), 0, "{c}");
    }
    assert!(
        page.contains("<div class=\"label\">CSAT</div><div class=\"value nodata\">no data</div>")
    );
    assert!(page.contains("<td class=\"n nodata\">no data</td>"));
    // The zero-length period too.
    let r = build(&[], opts(at(0, 0, 0), at(0, 0, 0), By::Day));
    let page = html(&r);
    assert_self_contained(&page);
    assert_finite(&page);
}

#[test]
fn many_groups_are_split_into_tables_of_six() {
    let tickets: Vec<Ticket> = (0..9).map(|d| ticket(d + 1, at(d as i64, 9, 0))).collect();
    let r = build(&tickets, opts(at(0, 0, 0), at(9, 0, 0), By::Day));
    assert_eq!(r.groups.len(), 9);
    let page = html(&r);
    assert_self_contained(&page);
    // total + 9 days = 10 columns: 6 + 4.
    assert_eq!(count(&page, "<table class=\"groups\">"), 2);
    assert!(page.contains("<h2>Numbers by day</h2>"));
    assert_eq!(count(&page, "<th class=\"n t\" scope=\"col\">"), 10);
    assert!(page.contains("<th scope=\"row\">first response wall median &#40;min&#41;</th>"));
    // Nine one-ticket days, labelled by date; no bar without a ticket.
    assert_eq!(count(chart(&page, "volume"), "<rect class=\"bar\""), 9);
}

#[test]
fn numbers_in_drawings_are_always_finite() {
    assert_eq!(N(f64::NAN).to_string(), "0");
    assert_eq!(N(f64::INFINITY).to_string(), "0");
    assert_eq!(N(12.345).to_string(), "12.3");
    assert_eq!(N(-0.01).to_string(), "0");
    assert_eq!(nice(0.0), (1.0, 1.0));
    assert_eq!(nice(f64::NAN), (1.0, 1.0));
    assert_eq!(nice(351.0), (400.0, 100.0));
    assert_eq!(nice(7.0), (8.0, 2.0));
    assert_eq!(pct(Some(f64::NAN)), "no data");
    assert_eq!(
        (pct(Some(62.96)), pct(Some(100.0))),
        ("63 %".into(), "100 %".into())
    );
    assert_eq!(
        (dur(Some(75.0)), dur(Some(667.0))),
        ("75 min".into(), "11.1 h".into())
    );
}
