//! The page's charts: inline SVG drawn from the report's series, each one a figure with a
//! caption, an accessible title and description, and a legend.
//!
//! Parts: [`section`] (all charts in order), the drawing area and scales ([`Plot`],
//! [`Scale`], [`nice`], the axes), and one function per chart: [`volume`], [`histogram`],
//! [`line`] (CSAT and NPS), [`sla`] and [`top_rules`]. Numbers go into the drawing through
//! [`N`] only, texts through [`esc`] only (both in [`super::values`]).

use std::fmt::Write as _;

use super::values::{N, esc, fin, one, pct};
use crate::report::numbers::{Bin, Charts, Numbers, Report, RuleLine};
use crate::report::text::cut;

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
/// How many rules the chart shows.
const TOP_RULES: usize = 10;

/// The charts section.
pub(super) fn section(s: &mut String, r: &Report) {
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
pub(super) fn nice(max: f64) -> (f64, f64) {
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
