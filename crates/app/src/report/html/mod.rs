//! `switchboard report --format html`: the report as one self-contained page for a team
//! lead reviewing the month, on screen or printed on A4.
//!
//! Parts: [`write()`] (the page), built from sections: the header and the key-figure cards
//! and the tables (groups, agents, rules, the default-category sample, customers and the
//! at-risk list) here; the charts in `charts` (opened per bucket stacked by category,
//! first-response and resolution histograms, CSAT and NPS over time, SLA attainment, top
//! rules); escaping and the formats of numbers in `values`, which both use. Charts are
//! inline SVG drawn by this module; styles are inline CSS; there is no script, font, image
//! or link to anything outside the file, so the page works offline and from an e-mail
//! attachment. The page reads the report's types from [`crate::report::numbers`] and the
//! shared text helpers of [`crate::report::text`], nothing else of the tree; `charts` and
//! the page's sections read `values`, never the other way around.
//!
//! Why it is safe with hostile text: every text taken from the report (group, agent, rule and
//! customer names, message samples) goes through one escaping function, which escapes
//! HTML's special characters and also `( ) : = @`, so no customer text can even look like a
//! reference to another resource and a plain byte search for `url(`, `src=`, `@import` or
//! `http://` proves the page self-contained. Long words wrap (`overflow-wrap: anywhere`).
//!
//! Why it never draws NaN: every number written into a drawing goes through one formatter
//! that writes a non-finite value as 0, every scale divides by at least 1, and a chart with
//! nothing to show says "no data" instead of drawing axes over nothing. The output depends
//! on the report only (no clock), so the same report gives the same bytes.

use std::fmt::Write as _;
use std::io::Write;

use anyhow::Result;

use crate::report::numbers::{AgentLine, Attainment, Numbers, Report, RuleLine, flat};
use crate::report::text::cut;

/// Appends formatted text to a `String`; formatting into a `String` cannot fail, so the
/// `fmt::Result` carries nothing and is dropped.
macro_rules! w {
    ($s:expr, $($arg:tt)*) => {{
        let _ = write!($s, $($arg)*);
    }};
}

mod charts;
mod values;

use values::{NO_DATA, dur, esc, fin, metric_label, num, one, pct, two, when};

/// Writes `r` as one self-contained HTML5 page (inline CSS and SVG, no script).
pub fn write(r: &Report, out: &mut dyn Write) -> Result<()> {
    out.write_all(render(r).as_bytes())?;
    Ok(())
}

/// How many groups one groups table shows side by side (A4 portrait stays readable).
const GROUP_COLUMNS: usize = 6;
/// How many characters of a sampled message the page shows.
const SAMPLE_CHARS: usize = 600;

const CSS: &str = r#"
@page { size: A4; margin: 12mm }
* { box-sizing: border-box }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; background: #fff }
body { margin: 0 auto; padding: 24px; max-width: 960px; color: #1a1a1a; background: #fff;
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", Arial, sans-serif;
  overflow-wrap: break-word }
.t, .legend li { overflow-wrap: anywhere }
h1 { font-size: 24px; margin: 0 0 4px }
h2 { font-size: 18px; margin: 28px 0 10px; padding-bottom: 2px; border-bottom: 2px solid #1a1a1a;
  break-after: avoid }
h3 { font-size: 15px; margin: 16px 0 6px; break-after: avoid }
p { margin: 4px 0 }
.period { font-size: 15px }
.note, .muted { color: #555; font-size: 12.5px }
.nodata { color: #666; font-style: italic }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(150px, 1fr)); gap: 8px;
  break-inside: avoid }
.card { border: 1px solid #c8c8c8; border-left: 4px solid #0072B2; border-radius: 4px;
  padding: 6px 10px; break-inside: avoid }
.card .label { font-size: 12px; color: #444 }
.card .value { font-size: 21px; font-weight: 700; line-height: 1.25 }
.card .value.nodata { font-size: 16px; font-weight: 400; line-height: 1.6 }
.card .sub { font-size: 11.5px; color: #555 }
figure { margin: 10px 0 22px; break-inside: avoid }
figcaption { font-weight: 600; margin-bottom: 4px }
svg.chart { display: block; width: 100%; height: auto; max-width: 100% }
svg.chart text { font-family: inherit; font-size: 12px; fill: #1a1a1a }
svg.chart text.small { font-size: 10.5px }
svg.chart text.inside { fill: #fff; font-weight: 600 }
svg.chart text.nodata { font-size: 16px; fill: #666 }
svg.chart .axis { stroke: #1a1a1a; stroke-width: 1 }
svg.chart .grid { stroke: #e0e0e0; stroke-width: 1 }
svg.chart .zero { stroke: #1a1a1a; stroke-width: 1.2 }
svg.chart .overall { stroke: #555; stroke-width: 1.2; stroke-dasharray: 5 4; fill: none }
svg.chart .frame { fill: #f7f7f7; stroke: #d0d0d0 }
svg.chart rect.bar, svg.chart rect.seg { stroke: #fff; stroke-width: 0.6 }
svg.chart path.series { fill: none; stroke-width: 2.2 }
svg.chart circle.point { stroke: #fff; stroke-width: 1 }
.legend { list-style: none; padding: 0; margin: 4px 0 0; display: flex; flex-wrap: wrap;
  gap: 2px 16px; font-size: 12px }
.swatch { display: inline-block; width: 12px; height: 12px; margin-right: 5px;
  border: 1px solid #1a1a1a; vertical-align: -2px }
.dash { display: inline-block; width: 18px; margin-right: 5px; border-top: 2px dashed #555;
  vertical-align: 3px }
table { border-collapse: collapse; width: 100%; margin: 6px 0 16px; font-size: 12.5px }
th, td { border-bottom: 1px solid #d0d0d0; padding: 3px 6px; text-align: left;
  vertical-align: top }
thead th { border-bottom: 2px solid #1a1a1a; background: #f2f2f2 }
th.n, td.n { text-align: right; font-variant-numeric: tabular-nums }
td.n { white-space: nowrap }
table.groups thead th:first-child { width: 30% }
td.text { white-space: pre-line }
thead { display: table-header-group }
tr { break-inside: avoid }
.keep { break-inside: avoid }
footer { margin-top: 28px; padding-top: 6px; border-top: 1px solid #d0d0d0; font-size: 12px;
  color: #555 }
footer ul { margin: 4px 0; padding-left: 18px }
@media print {
  body { padding: 0; max-width: none; font-size: 12px }
  h2 { margin-top: 18px }
}
"#;

/// The whole page.
fn render(r: &Report) -> String {
    let mut s = String::with_capacity(96 * 1024);
    let (since, until) = (when(&r.since), when(&r.until));
    w!(
        s,
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>Support report {} to {}</title>\n<style>{CSS}</style>\n</head>\n<body>\n",
        esc(&since),
        esc(&until)
    );
    header(&mut s, r);
    s.push_str("<main>\n");
    cards(&mut s, r);
    charts::section(&mut s, r);
    groups(&mut s, r);
    agents(&mut s, &r.agents);
    rules_table(&mut s, &r.rules);
    unmatched(&mut s, r);
    customers(&mut s, r);
    s.push_str("</main>\n");
    footer(&mut s);
    s.push_str("</body>\n</html>\n");
    s
}

fn header(s: &mut String, r: &Report) {
    w!(
        s,
        "<header>\n<h1>Support desk report</h1>\n\
         <p class=\"period\"><strong>{} to {}</strong> (end exclusive, UTC) · grouped by {} · \
         charts per {}</p>\n\
         <p class=\"note\">Generated by Switchboard {} (<code>switchboard report --format \
         html</code>) from the tickets in the store. Business times follow \
         <code>[desk.hours]</code>. \u{201c}no data\u{201d} means there was nothing to \
         measure. Definitions are at the end of the page.</p>\n</header>\n",
        esc(&when(&r.since)),
        esc(&when(&r.until)),
        esc(&r.by),
        esc(&r.charts.bucket),
        esc(env!("CARGO_PKG_VERSION")),
    );
}

fn cards(s: &mut String, r: &Report) {
    let n = &r.total;
    let c = &r.customers;
    let nps_answers: usize = r.charts.nps_answers.iter().sum();
    let business = |v: Option<f64>| format!("business hours: {}", dur(v));
    let sla_sub = |a: &Attainment| format!("{} met · {} breached", a.met, a.breached);
    let list: [(&str, String, String); 16] = [
        (
            "Opened",
            n.opened.to_string(),
            format!(
                "{} reopened · {} still open · backlog at the end {} ({} older than 3 days)",
                n.reopened,
                n.still_open,
                n.backlog,
                n.backlog_by_age
                    .iter()
                    .skip(2)
                    .map(|b| b.count)
                    .sum::<usize>()
            ),
        ),
        (
            "Resolved",
            n.resolved.to_string(),
            "last resolution in the period".into(),
        ),
        (
            "Handoff rate",
            pct(n.handoff_rate_pct),
            "handed to people / opened".into(),
        ),
        (
            "Deflection rate",
            pct(n.deflection_rate_pct),
            "self-service / resolved".into(),
        ),
        (
            "First response, median",
            dur(n.first_response_wall.median_min),
            business(n.first_response_business.median_min),
        ),
        (
            "First response, p90",
            dur(n.first_response_wall.p90_min),
            business(n.first_response_business.p90_min),
        ),
        (
            "Resolution, median",
            dur(n.resolution_wall.median_min),
            business(n.resolution_business.median_min),
        ),
        (
            "Resolution, p90",
            dur(n.resolution_wall.p90_min),
            business(n.resolution_business.p90_min),
        ),
        (
            "SLA first response",
            pct(n.sla_first_response.attainment_pct),
            sla_sub(&n.sla_first_response),
        ),
        (
            "SLA resolution",
            pct(n.sla_resolution.attainment_pct),
            sla_sub(&n.sla_resolution),
        ),
        (
            "CSAT",
            pct(n.csat_pct),
            if n.csat_answers == 0 {
                format!("no answers to {} surveys", n.surveys_sent)
            } else {
                format!(
                    "mean {} · {} answers · {} responded",
                    one(n.csat_mean),
                    n.csat_answers,
                    pct(n.survey_response_rate_pct)
                )
            },
        ),
        (
            "NPS",
            one(n.nps),
            format!("−100 to 100 · {nps_answers} answers"),
        ),
        (
            "S (satisfaction index)",
            two(n.satisfaction_index),
            "−1 to 1".into(),
        ),
        (
            "Repeat contact rate",
            pct(c.repeat_contact_rate_pct),
            format!("{} of {} customers", c.repeat, c.active),
        ),
        (
            "Churn",
            pct(c.churn_pct),
            format!(
                "{} of {} customers of the previous period",
                c.churned, c.previous_active
            ),
        ),
        (
            "Surveys sent",
            n.surveys_sent.to_string(),
            format!("{} answered", n.csat_answers),
        ),
    ];
    s.push_str("<section id=\"figures\">\n<h2>Key figures</h2>\n<div class=\"cards\">\n");
    for (label, value, sub) in list {
        let class = if value == NO_DATA {
            "value nodata"
        } else {
            "value"
        };
        w!(
            s,
            "<div class=\"card\"><div class=\"label\">{}</div><div class=\"{class}\">{}</div>\
             <div class=\"sub\">{}</div></div>\n",
            esc(label),
            esc(&value),
            esc(&sub)
        );
    }
    s.push_str("</div>\n</section>\n");
}

// ---------------------------------------------------------------------------------------
// Tables.

/// The groups' numbers: metric rows × group columns, at most [`GROUP_COLUMNS`] groups per
/// table.
fn groups(s: &mut String, r: &Report) {
    let mut columns: Vec<(&str, &Numbers)> = Vec::new();
    if r.by != "all" {
        columns.push(("total", &r.total));
    }
    columns.extend(r.groups.iter().map(|g| (g.group.as_str(), &g.numbers)));
    if r.by == "all" {
        s.push_str("<section id=\"groups\">\n<h2>Numbers</h2>\n");
    } else {
        w!(
            s,
            "<section id=\"groups\">\n<h2>Numbers by {}</h2>\n",
            esc(&r.by)
        );
    }
    if columns.len() > GROUP_COLUMNS {
        w!(
            s,
            "<p class=\"note\">{} columns, in tables of {GROUP_COLUMNS}.</p>\n",
            columns.len()
        );
    }
    for chunk in columns.chunks(GROUP_COLUMNS) {
        let flats: Vec<Vec<(String, Option<f64>)>> = chunk.iter().map(|(_, n)| flat(n)).collect();
        s.push_str("<table class=\"groups\">\n<thead><tr><th>metric</th>");
        for (name, _) in chunk {
            w!(s, "<th class=\"n t\" scope=\"col\">{}</th>", esc(name));
        }
        s.push_str("</tr></thead>\n<tbody>\n");
        let rows = flats.iter().map(Vec::len).min().unwrap_or(0);
        for i in 0..rows {
            w!(
                s,
                "<tr><th scope=\"row\">{}</th>",
                esc(&metric_label(&flats[0][i].0))
            );
            for f in &flats {
                cell_num(s, &num(f[i].1));
            }
            s.push_str("</tr>\n");
        }
        s.push_str("</tbody>\n</table>\n");
    }
    s.push_str("</section>\n");
}

fn agents(s: &mut String, list: &[AgentLine]) {
    s.push_str("<section id=\"agents\">\n<h2>Agents</h2>\n");
    if list.is_empty() {
        s.push_str("<p class=\"nodata\">no data: no agent handled a ticket in the period</p>\n");
    } else {
        s.push_str(
            "<table>\n<thead><tr><th>agent</th><th class=\"n\">handled</th>\
             <th class=\"n\">resolved</th><th class=\"n\">median first response</th>\
             <th class=\"n\">CSAT answers</th><th class=\"n\">CSAT</th></tr></thead>\n<tbody>\n",
        );
        for a in list {
            w!(s, "<tr><td class=\"t\">{}</td>", esc(&a.agent));
            cell_num(s, &a.handled.to_string());
            cell_num(s, &a.resolved.to_string());
            cell_num(s, &dur(a.first_response_median_min));
            cell_num(s, &a.csat_answers.to_string());
            cell_num(s, &pct(a.csat_pct));
            s.push_str("</tr>\n");
        }
        s.push_str("</tbody>\n</table>\n");
    }
    s.push_str("</section>\n");
}

fn rules_table(s: &mut String, list: &[RuleLine]) {
    s.push_str("<section id=\"rules\">\n<h2>Rules</h2>\n");
    if list.is_empty() {
        s.push_str(
            "<p class=\"nodata\">no data: no rule fired on tickets opened in the period</p>\n",
        );
    } else {
        s.push_str(
            "<p class=\"note\">Over tickets opened in the period: how often each rule fired, and \
             on how many of those an agent later changed the category (a sign the rule is \
             wrong).</p>\n<table>\n<thead><tr><th>rule</th><th class=\"n\">hits</th>\
             <th class=\"n\">recategorised</th><th class=\"n\">recategorised share</th></tr>\
             </thead>\n<tbody>\n",
        );
        for l in list {
            w!(s, "<tr><td class=\"t\">{}</td>", esc(&l.rule));
            cell_num(s, &l.hits.to_string());
            cell_num(s, &l.recategorised.to_string());
            cell_num(s, &pct(l.recategorised_pct));
            s.push_str("</tr>\n");
        }
        s.push_str("</tbody>\n</table>\n");
    }
    s.push_str("</section>\n");
}

fn unmatched(s: &mut String, r: &Report) {
    s.push_str(
        "<section id=\"unmatched\">\n<h2>Fell to the default category</h2>\n\
         <p class=\"note\">The newest tickets opened in the period that no rule categorised, \
         with their first messages: material for new rules.</p>\n",
    );
    if r.unmatched.is_empty() {
        s.push_str("<p class=\"nodata\">none</p>\n");
    } else {
        s.push_str(
            "<table>\n<thead><tr><th style=\"width:7em\">ticket</th><th>first message</th>\
             </tr></thead>\n<tbody>\n",
        );
        for u in &r.unmatched {
            let text = if u.text.is_empty() {
                "<span class=\"nodata\">(message not available)</span>".to_string()
            } else {
                esc(&cut(&u.text, SAMPLE_CHARS))
            };
            w!(
                s,
                "<tr><td class=\"t\">{}</td><td class=\"t text\">{text}</td></tr>\n",
                esc(&u.ticket)
            );
        }
        s.push_str("</tbody>\n</table>\n");
    }
    s.push_str("</section>\n");
}

fn customers(s: &mut String, r: &Report) {
    let c = &r.customers;
    s.push_str(
        "<section id=\"customers\">\n<h2>Customers</h2>\n<div class=\"keep\">\n<table>\n<tbody>\n",
    );
    let rows: [(&str, String); 7] = [
        (
            "active (tickets opened in the period)",
            c.active.to_string(),
        ),
        ("with two or more tickets", c.repeat.to_string()),
        ("repeat contact rate", pct(c.repeat_contact_rate_pct)),
        (
            "previous period",
            format!("{} to {}", when(&c.previous_since), when(&r.since)),
        ),
        (
            "active in the previous period",
            c.previous_active.to_string(),
        ),
        (
            "of them with no ticket in this period (churned)",
            c.churned.to_string(),
        ),
        ("churn", pct(c.churn_pct)),
    ];
    for (label, value) in rows {
        w!(s, "<tr><th scope=\"row\">{}</th>", esc(label));
        cell_num(s, &value);
        s.push_str("</tr>\n");
    }
    s.push_str("</tbody>\n</table>\n</div>\n<h3>Most at risk of churning</h3>\n");
    if c.at_risk.is_empty() {
        s.push_str("<p class=\"nodata\">no data</p>\n");
    } else {
        s.push_str(
            "<table>\n<thead><tr><th>customer</th><th>name</th><th class=\"n\">risk</th>\
             <th class=\"n\">tickets</th><th class=\"n\">reopens</th>\
             <th class=\"n\">last CSAT</th><th class=\"n\">negative messages</th>\
             <th class=\"n\">SLA breaches</th><th class=\"n\">value</th></tr></thead>\n<tbody>\n",
        );
        for k in &c.at_risk {
            let f = &k.features;
            w!(
                s,
                "<tr><td class=\"t\">{}</td><td class=\"t\">{}</td>",
                esc(&k.customer),
                esc(&k.name)
            );
            cell_num(s, &pct(Some(k.risk * 100.0)));
            cell_num(s, &f.tickets.to_string());
            cell_num(s, &f.reopens.to_string());
            cell_num(
                s,
                &f.last_csat.map_or(NO_DATA.to_string(), |v| v.to_string()),
            );
            cell_num(s, &f.negative.to_string());
            cell_num(s, &f.sla_breaches.to_string());
            cell_num(
                s,
                &fin(k.value).map_or("unknown".to_string(), |v| format!("{v:.2}")),
            );
            s.push_str("</tr>\n");
        }
        s.push_str("</tbody>\n</table>\n");
    }
    s.push_str("</section>\n");
}

fn footer(s: &mut String) {
    s.push_str(
        "<footer>\n<p><strong>Definitions</strong> (period [since, until), UTC)</p>\n<ul>\n\
         <li>opened: tickets opened in the period; resolved: tickets whose last resolution is \
         in it; still open: opened in it and open now.</li>\n\
         <li>handoff rate = handed to people / opened × 100; deflection rate = resolved by \
         self-service without a person / resolved × 100.</li>\n\
         <li>first response: handoff to the first agent message; resolution: opening to \
         resolution; median and p90 (nearest rank), wall clock and business hours.</li>\n\
         <li>SLA attainment = clocks met / clocks decided × 100, over tickets opened in the \
         period.</li>\n\
         <li>CSAT = answers 4-5 / answers × 100; NPS = % of 9-10 − % of 0-6; S = (R − D) / \
         (R + D), R the CSAT answers 4-5 and D those 1-2; over surveys sent in the period.</li>\n\
         <li>repeat contact rate = customers with 2+ tickets / customers with tickets × 100; \
         churn = customers of the previous period (as long as this one) with no ticket in \
         this one / customers of the previous period × 100.</li>\n</ul>\n</footer>\n",
    );
}

/// A right-aligned cell; "no data" greyed.
fn cell_num(s: &mut String, value: &str) {
    if value == NO_DATA {
        s.push_str("<td class=\"n nodata\">no data</td>");
    } else {
        w!(s, "<td class=\"n\">{}</td>", esc(value));
    }
}

#[cfg(test)]
mod tests;
