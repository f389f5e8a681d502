//! `switchboard report --format html`: the report as one self-contained page for a team
//! lead reviewing the month, on screen or printed on A4.
//!
//! Parts: [`write`] (the page), built from sections: the header and the key-figure cards,
//! the charts (opened per bucket stacked by category, first-response and resolution
//! histograms, CSAT and NPS over time, SLA attainment, top rules), and the tables (groups,
//! agents, rules, the default-category sample, customers and the at-risk list). Charts are
//! inline SVG drawn here; styles are inline CSS; there is no script, font, image or link to
//! anything outside the file, so the page works offline and from an e-mail attachment.
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

use std::fmt::{self, Display, Write as _};
use std::io::Write;

use anyhow::Result;

use crate::report::{self, AgentLine, Attainment, Bin, Charts, Numbers, Report, RuleLine, cut};

/// Appends formatted text to a `String`; formatting into a `String` cannot fail, so the
/// `fmt::Result` carries nothing and is dropped.
macro_rules! w {
    ($s:expr, $($arg:tt)*) => {{
        let _ = write!($s, $($arg)*);
    }};
}

/// Writes `r` as one self-contained HTML5 page (inline CSS and SVG, no script).
pub fn write(r: &Report, out: &mut dyn Write) -> Result<()> {
    out.write_all(render(r).as_bytes())?;
    Ok(())
}

/// Colours of categories and series: the Okabe-Ito colour-blind-safe set plus two, in an
/// order where neighbours differ in lightness too (stacked bars stay apart in grey print;
/// a thin white edge separates them as well, and every colour has a labelled legend entry).
const PALETTE: [&str; 10] = [
    "#0072B2", "#E69F00", "#009E73", "#F0E442", "#CC79A7", "#56B4E9", "#D55E00", "#332288",
    "#999999", "#117733",
];
/// Met SLA clocks.
const GOOD: &str = "#009E73";
/// Breached SLA clocks.
const BAD: &str = "#D55E00";
/// Single-series bars and lines.
const MAIN: &str = "#0072B2";
/// The recategorised share of a rule's hits.
const ACCENT: &str = "#E69F00";
/// How many groups one groups table shows side by side (A4 portrait stays readable).
const GROUP_COLUMNS: usize = 6;
/// How many rules the chart shows.
const TOP_RULES: usize = 10;
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
    charts(&mut s, r);
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

fn charts(s: &mut String, r: &Report) {
    let c = &r.charts;
    s.push_str("<section id=\"charts\">\n<h2>Charts</h2>\n");
    volume(s, c);
    histogram(
        s,
        "first-response",
        "First response time (handoff to the first agent message, wall clock)",
        &c.first_response,
        MAIN,
    );
    histogram(
        s,
        "resolution",
        "Resolution time (opening to resolution, wall clock)",
        &c.resolution,
        GOOD,
    );
    let csat = Line {
        id: "csat",
        caption: "CSAT per ",
        what: "CSAT",
        unit: " %",
        lo: 0.0,
        hi: 100.0,
        step: 25.0,
        overall: r.total.csat_pct,
    };
    line(s, &csat, c, &c.csat_pct, &c.csat_answers);
    let nps = Line {
        id: "nps",
        caption: "NPS per ",
        what: "NPS",
        unit: "",
        lo: -100.0,
        hi: 100.0,
        step: 50.0,
        overall: r.total.nps,
    };
    line(s, &nps, c, &c.nps, &c.nps_answers);
    sla(s, &r.total);
    top_rules(s, &r.rules);
    s.push_str("</section>\n");
}

// ---------------------------------------------------------------------------------------
// Charts.

/// The drawing area of a chart, in viewBox units: the plot lies inside the margins.
#[derive(Debug, Clone, Copy)]
struct Plot {
    w: f64,
    h: f64,
    left: f64,
    right: f64,
    top: f64,
    bottom: f64,
}

impl Plot {
    fn x0(&self) -> f64 {
        self.left
    }
    fn x1(&self) -> f64 {
        self.w - self.right
    }
    fn y0(&self) -> f64 {
        self.top
    }
    /// The baseline.
    fn y1(&self) -> f64 {
        self.h - self.bottom
    }
    fn width(&self) -> f64 {
        (self.x1() - self.x0()).max(1.0)
    }
    fn height(&self) -> f64 {
        (self.y1() - self.y0()).max(1.0)
    }
}

/// Opens a figure with its caption and an accessible SVG (title and description).
fn svg_open(s: &mut String, id: &str, p: &Plot, caption: &str, desc: &str) {
    w!(
        s,
        "<figure id=\"fig-{id}\">\n<figcaption>{}</figcaption>\n\
         <svg id=\"chart-{id}\" class=\"chart\" viewBox=\"0 0 {} {}\" role=\"img\" \
         aria-labelledby=\"{id}-title {id}-desc\"><title id=\"{id}-title\">{}</title>\
         <desc id=\"{id}-desc\">{}</desc>\n",
        esc(caption),
        N(p.w),
        N(p.h),
        esc(caption),
        esc(desc)
    );
}

/// Closes the SVG; `legend` is `(colour or "dash", label)` entries shown under it.
fn svg_close(s: &mut String, legend: &[(&str, String)]) {
    s.push_str("</svg>\n");
    if !legend.is_empty() {
        s.push_str("<ul class=\"legend\">");
        for (colour, label) in legend {
            if *colour == "dash" {
                w!(s, "<li><span class=\"dash\"></span>{}</li>", esc(label));
            } else {
                w!(
                    s,
                    "<li><span class=\"swatch\" style=\"background:{colour}\"></span>{}</li>",
                    esc(label)
                );
            }
        }
        s.push_str("</ul>\n");
    }
    s.push_str("</figure>\n");
}

/// A figure whose chart has nothing to draw: a low grey frame saying "no data".
fn empty_chart(s: &mut String, id: &str, caption: &str, desc: &str) {
    let p = Plot {
        w: 800.0,
        h: 64.0,
        left: 48.0,
        right: 12.0,
        top: 4.0,
        bottom: 4.0,
    };
    svg_open(s, id, &p, caption, desc);
    no_data(s, &p);
    svg_close(s, &[]);
}

/// A grey frame over the plot saying "no data".
fn no_data(s: &mut String, p: &Plot) {
    w!(
        s,
        "<rect class=\"frame\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"/>\
         <text class=\"nodata\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">no data</text>\n",
        N(p.x0()),
        N(p.y0()),
        N(p.width()),
        N(p.height()),
        N(p.x0() + p.width() / 2.0),
        N(p.y0() + p.height() / 2.0 + 5.0)
    );
}

/// A round upper bound for `max` and a step dividing it into about five: 1, 2 or 5 × 10ⁿ,
/// at least 1 (counts are whole).
fn nice(max: f64) -> (f64, f64) {
    let max = if max.is_finite() && max > 0.0 {
        max
    } else {
        1.0
    };
    let raw = max / 5.0;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|k| k * mag)
        .find(|st| *st >= raw)
        .unwrap_or(10.0 * mag)
        .max(1.0);
    ((max / step).ceil() * step, step)
}

/// A vertical scale from `lo` to `hi` over the plot.
#[derive(Debug, Clone, Copy)]
struct Scale {
    lo: f64,
    hi: f64,
}

impl Scale {
    /// The y of `v`, clamped to the plot.
    fn y(&self, p: &Plot, v: f64) -> f64 {
        let span = if self.hi - self.lo > 0.0 {
            self.hi - self.lo
        } else {
            1.0
        };
        let v = v.clamp(self.lo, self.hi);
        p.y1() - (v - self.lo) / span * p.height()
    }
}

/// Horizontal grid lines with labels from `lo` to `hi` every `step` (at most 20), and the
/// y axis; `unit` follows each label.
fn y_axis(s: &mut String, p: &Plot, sc: Scale, step: f64, unit: &str) {
    let steps = if step > 0.0 {
        ((sc.hi - sc.lo) / step).round().clamp(1.0, 20.0) as usize
    } else {
        1
    };
    for i in 0..=steps {
        let v = sc.lo + i as f64 * step;
        let y = sc.y(p, v);
        let class = if v == 0.0 && sc.lo < 0.0 {
            "zero"
        } else {
            "grid"
        };
        w!(
            s,
            "<line class=\"{class}\" x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\"/>\
             <text class=\"small\" x=\"{}\" y=\"{}\" text-anchor=\"end\">{}{unit}</text>\n",
            N(p.x0()),
            N(y),
            N(p.x1()),
            N(y),
            N(p.x0() - 5.0),
            N(y + 4.0),
            N(v)
        );
    }
    w!(
        s,
        "<line class=\"axis\" x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\"/>\n",
        N(p.x0()),
        N(p.y0()),
        N(p.x0()),
        N(p.y1())
    );
}

/// The x axis line at the baseline and labels under the slots, every `every`th one.
fn x_axis(s: &mut String, p: &Plot, labels: &[String], every: usize) {
    w!(
        s,
        "<line class=\"axis\" x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\"/>\n",
        N(p.x0()),
        N(p.y1()),
        N(p.x1()),
        N(p.y1())
    );
    let slot = p.width() / labels.len().max(1) as f64;
    for (i, label) in labels.iter().enumerate().step_by(every.max(1)) {
        w!(
            s,
            "<text class=\"small\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n",
            N(p.x0() + (i as f64 + 0.5) * slot),
            N(p.y1() + 16.0),
            esc(label)
        );
    }
}

/// Bucket labels: `MM-DD` when many (the caption says the year), full dates when few.
fn bucket_labels(starts: &[String]) -> (Vec<String>, usize) {
    let every = starts.len().div_ceil(16).max(1);
    let short = starts.len() > 8;
    let labels = starts
        .iter()
        .map(|d| match d.get(5..10) {
            Some(md) if short => md.to_string(),
            _ => d.clone(),
        })
        .collect();
    (labels, every)
}

/// Tickets opened per bucket, stacked by category (bottom to top in legend order).
fn volume(s: &mut String, c: &Charts) {
    let n = c.starts.len().min(c.opened.len());
    let totals: Vec<usize> = c.opened[..n].iter().map(|b| b.iter().sum()).collect();
    let all: usize = totals.iter().sum();
    let max = totals.iter().copied().max().unwrap_or(0);
    let p = Plot {
        w: 800.0,
        h: 300.0,
        left: 48.0,
        right: 12.0,
        top: 22.0,
        bottom: 30.0,
    };
    let caption = format!("Tickets opened per {}, by category", c.bucket);
    let range = match (c.starts.first(), c.starts.get(n.saturating_sub(1))) {
        (Some(a), Some(b)) if n > 0 => format!(" from {a} to {b}"),
        _ => String::new(),
    };
    let desc = format!(
        "Stacked bars: tickets opened in each {}{range}, one colour per category, {all} in all.",
        c.bucket
    );
    if all == 0 {
        empty_chart(s, "volume", &caption, &desc);
        return;
    }
    svg_open(s, "volume", &p, &caption, &desc);
    let (top, step) = nice(max as f64);
    let sc = Scale { lo: 0.0, hi: top };
    y_axis(s, &p, sc, step, "");
    w!(s, "<text class=\"small\" x=\"4\" y=\"12\">tickets</text>\n");
    let slot = p.width() / n.max(1) as f64;
    let bw = (slot * 0.78).clamp(0.5, 90.0);
    for (i, bucket) in c.opened[..n].iter().enumerate() {
        let x = p.x0() + i as f64 * slot + (slot - bw) / 2.0;
        let mut below = 0usize;
        for (k, v) in bucket.iter().enumerate() {
            if *v == 0 {
                continue;
            }
            let (y_top, y_bottom) = (sc.y(&p, (below + v) as f64), sc.y(&p, below as f64));
            below += v;
            let cat = c.categories.get(k).map_or("?", String::as_str);
            w!(
                s,
                "<rect class=\"bar\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\">\
                 <title>{} · {}: {v}</title></rect>\n",
                N(x),
                N(y_top),
                N(bw),
                N((y_bottom - y_top).max(0.0)),
                PALETTE[k % PALETTE.len()],
                esc(&c.starts[i]),
                esc(cat)
            );
        }
        if slot >= 18.0 && totals[i] > 0 {
            w!(
                s,
                "<text class=\"small\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n",
                N(x + bw / 2.0),
                N(sc.y(&p, totals[i] as f64) - 4.0),
                totals[i]
            );
        }
    }
    let (labels, every) = bucket_labels(&c.starts[..n]);
    x_axis(s, &p, &labels, every);
    let legend: Vec<(&str, String)> = c
        .categories
        .iter()
        .enumerate()
        .map(|(k, cat)| {
            let sum: usize = c.opened[..n].iter().filter_map(|b| b.get(k)).sum();
            (PALETTE[k % PALETTE.len()], format!("{cat} ({sum})"))
        })
        .collect();
    svg_close(s, &legend);
}

/// A distribution of durations: one bar per range, with its count and share.
fn histogram(s: &mut String, id: &str, caption: &str, bins: &[Bin], colour: &str) {
    let all: usize = bins.iter().map(|b| b.count).sum();
    let max = bins.iter().map(|b| b.count).max().unwrap_or(0);
    let p = Plot {
        w: 800.0,
        h: 240.0,
        left: 48.0,
        right: 12.0,
        top: 22.0,
        bottom: 30.0,
    };
    let desc = format!(
        "Bars: how many of {all} tickets fell in each range of time ({}).",
        bins.iter()
            .map(|b| format!("{} {}", b.label, b.count))
            .collect::<Vec<_>>()
            .join(", ")
    );
    if all == 0 {
        empty_chart(s, id, caption, &desc);
        return;
    }
    svg_open(s, id, &p, caption, &desc);
    let (top, step) = nice(max as f64);
    let sc = Scale { lo: 0.0, hi: top };
    y_axis(s, &p, sc, step, "");
    w!(s, "<text class=\"small\" x=\"4\" y=\"12\">tickets</text>\n");
    let slot = p.width() / bins.len().max(1) as f64;
    let bw = (slot * 0.78).min(90.0);
    for (i, b) in bins.iter().enumerate() {
        if b.count == 0 {
            continue;
        }
        let x = p.x0() + i as f64 * slot + (slot - bw) / 2.0;
        let y = sc.y(&p, b.count as f64);
        let share = b.count as f64 * 100.0 / all.max(1) as f64;
        w!(
            s,
            "<rect class=\"bar\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{colour}\">\
             <title>{}: {} of {all} tickets ({share:.1} %)</title></rect>\
             <text class=\"small\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">{} · {share:.0} %</text>\n",
            N(x),
            N(y),
            N(bw),
            N((p.y1() - y).max(0.0)),
            esc(&b.label),
            b.count,
            N(x + bw / 2.0),
            N(y - 4.0),
            b.count
        );
    }
    let labels: Vec<String> = bins.iter().map(|b| b.label.clone()).collect();
    x_axis(s, &p, &labels, 1);
    svg_close(s, &[]);
}

/// How to draw one satisfaction series.
struct Line {
    id: &'static str,
    caption: &'static str,
    what: &'static str,
    unit: &'static str,
    lo: f64,
    hi: f64,
    step: f64,
    /// The whole period's value, drawn dashed.
    overall: Option<f64>,
}

/// A series per bucket as a line with points, broken where a bucket has no data.
fn line(s: &mut String, l: &Line, c: &Charts, values: &[Option<f64>], answers: &[usize]) {
    let n = c.starts.len().min(values.len());
    let values: Vec<Option<f64>> = values[..n].iter().map(|v| fin(*v)).collect();
    let p = Plot {
        w: 800.0,
        h: 220.0,
        left: 48.0,
        right: 12.0,
        top: 14.0,
        bottom: 30.0,
    };
    let caption = format!("{}{} (by when the survey was sent)", l.caption, c.bucket);
    let known = values.iter().filter(|v| v.is_some()).count();
    let desc = format!(
        "Line: {} per {} where there were answers ({known} of {n} {}s), gaps where none; \
         dashed: the whole period ({}).",
        l.what,
        c.bucket,
        c.bucket,
        one(l.overall)
    );
    if known == 0 {
        empty_chart(s, l.id, &caption, &desc);
        return;
    }
    svg_open(s, l.id, &p, &caption, &desc);
    let sc = Scale { lo: l.lo, hi: l.hi };
    y_axis(s, &p, sc, l.step, l.unit);
    let slot = p.width() / n.max(1) as f64;
    let x = |i: usize| p.x0() + (i as f64 + 0.5) * slot;
    if let Some(o) = fin(l.overall) {
        let y = sc.y(&p, o);
        w!(
            s,
            "<line class=\"overall\" x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\"/>\n",
            N(p.x0()),
            N(y),
            N(p.x1()),
            N(y)
        );
    }
    // The path: a new segment after every gap.
    let mut d = String::new();
    let mut pen_down = false;
    for (i, v) in values.iter().enumerate() {
        match v {
            Some(v) => {
                w!(
                    d,
                    "{}{} {} ",
                    if pen_down { "L" } else { "M" },
                    N(x(i)),
                    N(sc.y(&p, *v))
                );
                pen_down = true;
            }
            None => pen_down = false,
        }
    }
    w!(
        s,
        "<path class=\"series\" stroke=\"{MAIN}\" d=\"{}\"/>\n",
        d.trim_end()
    );
    let labelled = n <= 16;
    for (i, v) in values.iter().enumerate() {
        let Some(v) = v else { continue };
        let y = sc.y(&p, *v);
        w!(
            s,
            "<circle class=\"point\" cx=\"{}\" cy=\"{}\" r=\"4\" fill=\"{MAIN}\">\
             <title>{}: {} {}{} ({} answers)</title></circle>\n",
            N(x(i)),
            N(y),
            esc(&c.starts[i]),
            l.what,
            one(Some(*v)),
            l.unit,
            answers.get(i).copied().unwrap_or(0)
        );
        if labelled {
            w!(
                s,
                "<text class=\"small\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n",
                N(x(i)),
                N(if y - 8.0 < p.y0() + 4.0 {
                    y + 16.0
                } else {
                    y - 8.0
                }),
                one(Some(*v))
            );
        }
    }
    let (labels, every) = bucket_labels(&c.starts[..n]);
    x_axis(s, &p, &labels, every);
    svg_close(
        s,
        &[
            (MAIN, format!("{} per {}", l.what, c.bucket)),
            (
                "dash",
                format!("whole period: {}{}", one(l.overall), l.unit),
            ),
        ],
    );
}

/// SLA attainment: one bar per clock, met then breached, as shares of the decided clocks.
fn sla(s: &mut String, n: &Numbers) {
    let clocks = [
        ("First response", &n.sla_first_response),
        ("Resolution", &n.sla_resolution),
    ];
    let row = 50.0;
    let p = Plot {
        w: 800.0,
        h: 24.0 + row * clocks.len() as f64 + 22.0,
        left: 120.0,
        right: 16.0,
        top: 14.0,
        bottom: 22.0,
    };
    let desc = clocks
        .iter()
        .map(|(name, a)| {
            format!(
                "{name}: {} met, {} breached of {} decided ({})",
                a.met,
                a.breached,
                a.decided,
                pct(a.attainment_pct)
            )
        })
        .collect::<Vec<_>>()
        .join("; ");
    let caption = "SLA attainment per clock (tickets opened in the period)";
    if clocks.iter().all(|(_, a)| a.decided == 0) {
        empty_chart(s, "sla", caption, &desc);
        return;
    }
    svg_open(s, "sla", &p, caption, &desc);
    let x = |v: f64| p.x0() + v.clamp(0.0, 100.0) / 100.0 * p.width();
    for v in [0.0, 25.0, 50.0, 75.0, 100.0] {
        w!(
            s,
            "<line class=\"grid\" x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\"/>\
             <text class=\"small\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">{} %</text>\n",
            N(x(v)),
            N(p.y0()),
            N(x(v)),
            N(p.y1()),
            N(x(v)),
            N(p.y1() + 16.0),
            N(v)
        );
    }
    for (i, (name, a)) in clocks.iter().enumerate() {
        let y = p.y0() + 6.0 + i as f64 * row;
        let bar_h = 22.0;
        w!(
            s,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>\n",
            N(p.x0() - 8.0),
            N(y + 15.0),
            esc(name)
        );
        if a.decided == 0 {
            w!(
                s,
                "<rect class=\"frame\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"/>\
                 <text class=\"nodata\" x=\"{}\" y=\"{}\">no data</text>\n",
                N(p.x0()),
                N(y),
                N(p.width()),
                N(bar_h),
                N(p.x0() + 8.0),
                N(y + 16.0)
            );
            continue;
        }
        let decided = a.decided.max(1) as f64;
        let met = a.met as f64 * 100.0 / decided;
        let breached = a.breached as f64 * 100.0 / decided;
        for (label, count, start, share, colour) in [
            ("met", a.met, 0.0, met, GOOD),
            ("breached", a.breached, met, breached, BAD),
        ] {
            if count == 0 {
                continue;
            }
            let (x0, x1) = (x(start), x(start + share));
            w!(
                s,
                "<rect class=\"bar\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{colour}\">\
                 <title>{name}: {label} {count} of {} ({share:.1} %)</title></rect>\n",
                N(x0),
                N(y),
                N((x1 - x0).max(0.0)),
                N(bar_h),
                a.decided
            );
            if x1 - x0 >= 70.0 {
                w!(
                    s,
                    "<text class=\"small inside\" x=\"{}\" y=\"{}\">{label} {count}</text>\n",
                    N(x0 + 6.0),
                    N(y + 15.0)
                );
            }
        }
        w!(
            s,
            "<text class=\"small\" x=\"{}\" y=\"{}\">{} attained: {} met, {} breached of {} \
             decided</text>\n",
            N(p.x0()),
            N(y + bar_h + 13.0),
            esc(&pct(a.attainment_pct)),
            a.met,
            a.breached,
            a.decided
        );
    }
    svg_close(s, &[(GOOD, "met".into()), (BAD, "breached".into())]);
}

/// The rules that fired most: a bar of hits each, the recategorised part overlaid.
fn top_rules(s: &mut String, rules: &[RuleLine]) {
    let mut top: Vec<&RuleLine> = rules.iter().collect();
    top.sort_by(|a, b| b.hits.cmp(&a.hits).then(a.rule.cmp(&b.rule)));
    top.truncate(TOP_RULES);
    let row = 24.0;
    let p = Plot {
        w: 800.0,
        h: 14.0 + row * top.len().max(2) as f64 + 24.0,
        left: 190.0,
        right: 170.0,
        top: 10.0,
        bottom: 24.0,
    };
    let desc = format!(
        "Horizontal bars: hits of the {} rules that fired most on tickets opened in the \
         period; the overlaid part is the share an agent later recategorised.",
        top.len()
    );
    let max = top.iter().map(|l| l.hits).max().unwrap_or(0);
    if max == 0 {
        empty_chart(s, "rules", "Top rules by hits", &desc);
        return;
    }
    let caption = format!("Top {} rules by hits", top.len());
    svg_open(s, "rules", &p, &caption, &desc);
    let (hi, step) = nice(max as f64);
    let x = |v: f64| p.x0() + v.clamp(0.0, hi) / hi.max(1.0) * p.width();
    let ticks = (hi / step).round().clamp(1.0, 20.0) as usize;
    for i in 0..=ticks {
        let v = i as f64 * step;
        w!(
            s,
            "<line class=\"grid\" x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\"/>\
             <text class=\"small\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n",
            N(x(v)),
            N(p.y0()),
            N(x(v)),
            N(p.y1()),
            N(x(v)),
            N(p.y1() + 16.0),
            N(v)
        );
    }
    w!(
        s,
        "<line class=\"axis\" x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\"/>\n",
        N(p.x0()),
        N(p.y0()),
        N(p.x0()),
        N(p.y1())
    );
    for (i, l) in top.iter().enumerate() {
        let y = p.y0() + 4.0 + i as f64 * row;
        let bar_h = row - 8.0;
        w!(
            s,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\"><title>{}</title>{}</text>\n",
            N(p.x0() - 8.0),
            N(y + 12.0),
            esc(&l.rule),
            esc(&cut(&l.rule, 26))
        );
        w!(
            s,
            "<rect class=\"bar\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{MAIN}\">\
             <title>{}: {} hits</title></rect>\n",
            N(p.x0()),
            N(y),
            N(x(l.hits as f64) - p.x0()),
            N(bar_h),
            esc(&l.rule),
            l.hits
        );
        if l.recategorised > 0 {
            w!(
                s,
                "<rect class=\"seg recat\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" \
                 fill=\"{ACCENT}\"><title>{}: {} recategorised ({})</title></rect>\n",
                N(p.x0()),
                N(y),
                N(x(l.recategorised.min(l.hits) as f64) - p.x0()),
                N(bar_h),
                esc(&l.rule),
                l.recategorised,
                pct(l.recategorised_pct)
            );
        }
        w!(
            s,
            "<text class=\"small\" x=\"{}\" y=\"{}\">{} hits · {} recategorised</text>\n",
            N(x(l.hits as f64) + 6.0),
            N(y + 12.0),
            l.hits,
            esc(&pct(l.recategorised_pct))
        );
    }
    svg_close(
        s,
        &[
            (MAIN, "hits".into()),
            (ACCENT, "of them recategorised by an agent".into()),
        ],
    );
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
        let flats: Vec<Vec<(String, Option<f64>)>> =
            chunk.iter().map(|(_, n)| report::flat(n)).collect();
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

// ---------------------------------------------------------------------------------------
// Text.

const NO_DATA: &str = "no data";

/// Escapes text for HTML content and attribute values. Besides `& < > " '` it escapes
/// `( ) : = @` as character references (shown the same), so that no text from the report
/// can spell `url(`, `src=`, `@import` or `http://` in the page's bytes; control
/// characters other than newline and tab become U+FFFD.
fn esc(text: &str) -> String {
    let mut o = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            '(' => o.push_str("&#40;"),
            ')' => o.push_str("&#41;"),
            ':' => o.push_str("&#58;"),
            '=' => o.push_str("&#61;"),
            '@' => o.push_str("&#64;"),
            '\n' | '\t' => o.push(c),
            c if c.is_control() => o.push('\u{FFFD}'),
            c => o.push(c),
        }
    }
    o
}

/// `2026-11-01T00:00:00Z` as `2026-11-01`; other times as `2026-11-01 12:30:00`.
fn when(rfc3339: &str) -> String {
    match rfc3339.strip_suffix("T00:00:00Z") {
        Some(day) => day.to_string(),
        None => rfc3339.replace('T', " ").trim_end_matches('Z').to_string(),
    }
}

/// A metric name of [`report::flat`] for people: `first_response_wall_median_min` as
/// `first response wall median (min)`.
fn metric_label(name: &str) -> String {
    let (base, unit) = if let Some(b) = name.strip_suffix("_pct") {
        (b, " (%)")
    } else if let Some(b) = name.strip_suffix("_min") {
        (b, " (min)")
    } else {
        (name, "")
    };
    let words: Vec<&str> = base
        .split('_')
        .map(|word| match word {
            "csat" => "CSAT",
            "nps" => "NPS",
            "sla" => "SLA",
            other => other,
        })
        .collect();
    format!("{}{unit}", words.join(" "))
}

/// A finite value, or none.
fn fin(v: Option<f64>) -> Option<f64> {
    v.filter(|x| x.is_finite())
}

/// As the table format shows numbers: whole, or two decimals; "no data".
fn num(v: Option<f64>) -> String {
    report::show(fin(v))
}

/// One decimal (whole numbers without); "no data".
fn one(v: Option<f64>) -> String {
    match fin(v) {
        None => NO_DATA.into(),
        Some(x) if (x * 10.0).round() % 10.0 == 0.0 => format!("{x:.0}"),
        Some(x) => format!("{x:.1}"),
    }
}

/// Two decimals; "no data".
fn two(v: Option<f64>) -> String {
    fin(v).map_or(NO_DATA.into(), |x| format!("{x:.2}"))
}

/// A percentage with one decimal; "no data".
fn pct(v: Option<f64>) -> String {
    match fin(v) {
        None => NO_DATA.into(),
        Some(_) => format!("{} %", one(v)),
    }
}

/// Minutes for people: `45 min`, `2.5 h`, `3.1 d`; "no data".
fn dur(v: Option<f64>) -> String {
    match fin(v) {
        None => NO_DATA.into(),
        Some(m) if m < 90.0 => format!("{m:.0} min"),
        Some(m) if m < 48.0 * 60.0 => format!("{:.1} h", m / 60.0),
        Some(m) => format!("{:.1} d", m / 1440.0),
    }
}

/// A number in a drawing: at most one decimal, and 0 for a non-finite value (which the
/// scales never produce), so that no drawing can contain NaN or inf.
#[derive(Debug, Clone, Copy)]
struct N(f64);

impl Display for N {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let x = if self.0.is_finite() { self.0 } else { 0.0 };
        let x = (x * 10.0).round() / 10.0;
        if x == x.trunc() && x.abs() < 1e15 {
            write!(f, "{}", x as i64)
        } else {
            write!(f, "{x:.1}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
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
            page.contains(
                "<div class=\"label\">CSAT</div><div class=\"value nodata\">no data</div>"
            )
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
}
