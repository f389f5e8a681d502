//! CI helper for `.ci/html-check`: fails when headless Chromium's rendering of the HTML
//! report is blank or broken.
//!
//! Parts: [`check_png`] (a screenshot: enough distinct colours, enough non-white pixels,
//! enough clearly coloured ones (charts), and ink spread down the page rather than in one
//! spot, as on an error page) and [`check_pdf`] (a printout: non-trivial size, enough
//! pages, and every `/MediaBox` A4, 595 × 842 pt, found by a plain byte search).
//!
//! Usage: `pngcheck FILE.png [--min-colours N] [--min-ink PCT] [--min-chroma PCT]
//! [--min-rows PCT]` or `pngcheck FILE.pdf [--min-bytes N] [--min-pages N]`. Prints what it
//! measured; exits 1 when a threshold is missed, 2 on bad usage or an unreadable file.
//!
//! The defaults were set on Chromium 148's rendering of a month of seeded history (about
//! 1300 colours, 14 % ink, 4 % coloured, ink on 77 % of rows; 6 A4 pages, 200 KB), against
//! a blank page (1 colour, no ink), Chromium's file-not-found page (0.2 % ink, 5 % of
//! rows, one Letter page), a page of text and a report with no tickets (3 % ink, almost
//! no colour): each of those fails.

use std::collections::HashSet;
use std::fs::File;
use std::io::BufReader;
use std::process::ExitCode;

/// A channel value at or above this counts as white (anti-aliasing and off-white
/// backgrounds stay "paper").
const WHITE: u8 = 235;
/// A pixel whose strongest and weakest channels differ by this much is coloured (chart
/// bars and lines), not black, grey or white.
const CHROMA: u8 = 80;

/// Thresholds, with the defaults `.ci/html-check` relies on.
#[derive(Debug, Clone)]
struct Limits {
    /// Distinct RGB colours in the screenshot.
    min_colours: usize,
    /// Share of non-white pixels, percent.
    min_ink_pct: f64,
    /// Share of coloured pixels, percent.
    min_chroma_pct: f64,
    /// Share of pixel rows with some ink, percent.
    min_rows_pct: f64,
    /// PDF size, bytes.
    min_bytes: usize,
    /// PDF pages.
    min_pages: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            min_colours: 100,
            min_ink_pct: 8.0,
            min_chroma_pct: 3.0,
            min_rows_pct: 50.0,
            min_bytes: 50_000,
            min_pages: 2,
        }
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut limits = Limits::default();
    let mut file = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let value = |it: &mut std::slice::Iter<'_, String>| -> Result<f64, String> {
            it.next()
                .and_then(|v| v.parse::<f64>().ok())
                .filter(|v| v.is_finite() && *v >= 0.0)
                .ok_or_else(|| format!("{a} needs a number"))
        };
        let r = match a.as_str() {
            "--min-colours" => value(&mut it).map(|v| limits.min_colours = v as usize),
            "--min-ink" => value(&mut it).map(|v| limits.min_ink_pct = v),
            "--min-chroma" => value(&mut it).map(|v| limits.min_chroma_pct = v),
            "--min-rows" => value(&mut it).map(|v| limits.min_rows_pct = v),
            "--min-bytes" => value(&mut it).map(|v| limits.min_bytes = v as usize),
            "--min-pages" => value(&mut it).map(|v| limits.min_pages = v as usize),
            f if !f.starts_with("--") && file.is_none() => {
                file = Some(f.to_string());
                Ok(())
            }
            other => Err(format!("unknown argument {other}")),
        };
        if let Err(e) = r {
            eprintln!("pngcheck: {e}");
            return ExitCode::from(2);
        }
    }
    let Some(file) = file else {
        eprintln!(
            "usage: pngcheck FILE.png [--min-colours N] [--min-ink PCT] [--min-chroma PCT] [--min-rows PCT] | FILE.pdf [--min-bytes N] [--min-pages N]"
        );
        return ExitCode::from(2);
    };
    let result = if file.ends_with(".pdf") {
        check_pdf(&file, &limits)
    } else {
        check_png(&file, &limits)
    };
    match result {
        Ok(Ok(summary)) => {
            println!("pngcheck: {file}: ok: {summary}");
            ExitCode::SUCCESS
        }
        Ok(Err(why)) => {
            eprintln!("pngcheck: {file}: FAILED: {why}");
            ExitCode::from(1)
        }
        Err(e) => {
            eprintln!("pngcheck: {file}: cannot read: {e}");
            ExitCode::from(2)
        }
    }
}

/// What a screenshot shows.
#[derive(Debug, Clone, PartialEq)]
struct Measure {
    width: u32,
    height: u32,
    colours: usize,
    ink_pct: f64,
    chroma_pct: f64,
    rows_pct: f64,
}

/// Decodes a PNG and measures it. Outer error: unreadable; inner: a threshold missed.
fn check_png(path: &str, limits: &Limits) -> Result<Result<String, String>, String> {
    let file = File::open(path).map_err(|e| e.to_string())?;
    let mut decoder = png::Decoder::new(BufReader::new(file));
    // Palette and low bit depths to 8-bit channels, 16-bit down to 8.
    decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = decoder.read_info().map_err(|e| e.to_string())?;
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).map_err(|e| e.to_string())?;
    let channels = match info.color_type {
        png::ColorType::Grayscale => 1,
        png::ColorType::GrayscaleAlpha => 2,
        png::ColorType::Rgb => 3,
        png::ColorType::Rgba => 4,
        png::ColorType::Indexed => return Err("an indexed PNG was not expanded".into()),
    };
    let pixels = &buf[..info.buffer_size()];
    let m = measure(pixels, info.width, info.height, info.line_size, channels);
    let summary = format!(
        "{}x{} px, {} distinct colours (need {}), {:.1}% non-white pixels (need {}), {:.1}% coloured (need {}), ink on {:.1}% of rows (need {})",
        m.width,
        m.height,
        m.colours,
        limits.min_colours,
        m.ink_pct,
        limits.min_ink_pct,
        m.chroma_pct,
        limits.min_chroma_pct,
        m.rows_pct,
        limits.min_rows_pct
    );
    let ok = m.colours >= limits.min_colours
        && m.ink_pct >= limits.min_ink_pct
        && m.chroma_pct >= limits.min_chroma_pct
        && m.rows_pct >= limits.min_rows_pct;
    Ok(if ok { Ok(summary) } else { Err(summary) })
}

/// Measures 8-bit pixels with `channels` channels (gray, gray+alpha, RGB, RGBA), rows of
/// `line` bytes. Alpha is ignored: Chromium's screenshots are opaque.
fn measure(pixels: &[u8], width: u32, height: u32, line: usize, channels: usize) -> Measure {
    let mut colours = HashSet::new();
    let (mut ink, mut chroma, mut rows) = (0u64, 0u64, 0u64);
    for row in pixels.chunks(line.max(1)).take(height as usize) {
        let mut row_ink = false;
        for px in row.chunks_exact(channels).take(width as usize) {
            let (r, g, b) = if channels >= 3 {
                (px[0], px[1], px[2])
            } else {
                (px[0], px[0], px[0])
            };
            colours.insert(u32::from_be_bytes([0, r, g, b]));
            if r < WHITE || g < WHITE || b < WHITE {
                ink += 1;
                row_ink = true;
            }
            if r.max(g).max(b) - r.min(g).min(b) >= CHROMA {
                chroma += 1;
            }
        }
        rows += u64::from(row_ink);
    }
    let total = u64::from(width) * u64::from(height);
    let share = |n: u64| {
        if total == 0 {
            0.0
        } else {
            n as f64 * 100.0 / total as f64
        }
    };
    Measure {
        width,
        height,
        colours: colours.len(),
        ink_pct: share(ink),
        chroma_pct: share(chroma),
        rows_pct: if height == 0 {
            0.0
        } else {
            rows as f64 * 100.0 / f64::from(height)
        },
    }
}

/// Checks a PDF's size, page count and that every `/MediaBox` is A4 portrait.
fn check_pdf(path: &str, limits: &Limits) -> Result<Result<String, String>, String> {
    let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
    let boxes = media_boxes(&bytes);
    let pages = pages(&bytes);
    let a4 = |b: &[f64; 4]| {
        let (w, h) = (b[2] - b[0], b[3] - b[1]);
        (w - 595.0).abs() <= 2.0 && (h - 842.0).abs() <= 2.0
    };
    let not_a4: Vec<String> = boxes
        .iter()
        .filter(|b| !a4(b))
        .map(|b| format!("{b:?}"))
        .collect();
    let summary = format!(
        "{} bytes (need {}), {} pages (need {}), {} media boxes, not A4: {}",
        bytes.len(),
        limits.min_bytes,
        pages,
        limits.min_pages,
        boxes.len(),
        if not_a4.is_empty() {
            "none".to_string()
        } else {
            not_a4.join(", ")
        }
    );
    let ok = bytes.starts_with(b"%PDF-")
        && bytes.len() >= limits.min_bytes
        && pages >= limits.min_pages
        && !boxes.is_empty()
        && not_a4.is_empty();
    Ok(if ok { Ok(summary) } else { Err(summary) })
}

/// How many page objects: `/Type /Page` (or `/Type/Page`) not followed by `s`.
fn pages(bytes: &[u8]) -> usize {
    [&b"/Type /Page"[..], &b"/Type/Page"[..]]
        .iter()
        .map(|key| {
            bytes
                .windows(key.len() + 1)
                .filter(|w| w.starts_with(key) && w[key.len()] != b's')
                .count()
        })
        .sum()
}

/// Every `/MediaBox [x0 y0 x1 y1]` in the file (uncompressed page dictionaries, as
/// Chromium writes them).
fn media_boxes(bytes: &[u8]) -> Vec<[f64; 4]> {
    const KEY: &[u8] = b"/MediaBox";
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(at) = bytes[i..].windows(KEY.len()).position(|w| w == KEY) {
        let start = i + at + KEY.len();
        i = start;
        let rest = &bytes[start..bytes.len().min(start + 200)];
        let Some(open) = rest.iter().position(|c| *c == b'[') else {
            continue;
        };
        let Some(close) = rest.iter().position(|c| *c == b']') else {
            continue;
        };
        if close < open {
            continue;
        }
        let nums: Vec<f64> = String::from_utf8_lossy(&rest[open + 1..close])
            .split_whitespace()
            .filter_map(|n| n.parse().ok())
            .collect();
        if let [a, b, c, d] = nums[..] {
            out.push([a, b, c, d]);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_white_image_has_no_ink_and_one_colour() {
        let px = vec![255u8; 4 * 10 * 3];
        let m = measure(&px, 10, 10, 12, 3);
        assert_eq!(
            (m.colours, m.ink_pct, m.chroma_pct, m.rows_pct),
            (1, 0.0, 0.0, 0.0)
        );
    }

    #[test]
    fn ink_and_rows_are_counted() {
        // 2x2 RGB, one black pixel in the first row, one blue in the second.
        let px = [0, 0, 0, 255, 255, 255, 255, 255, 255, 0, 114, 178];
        let m = measure(&px, 2, 2, 6, 3);
        assert_eq!(
            (m.colours, m.ink_pct, m.chroma_pct, m.rows_pct),
            (3, 50.0, 25.0, 100.0)
        );
    }

    #[test]
    fn pages_are_counted_without_the_page_tree() {
        let pdf = b"<< /Type /Pages /Count 2 >> << /Type /Page >> <</Type/Page/Parent 1 0 R>>";
        assert_eq!(pages(pdf), 2);
    }

    #[test]
    fn media_boxes_are_found() {
        let pdf = b"%PDF-1.4 << /Type /Page /MediaBox [0 0 594.95996 841.91998] >> /MediaBox[0 0 612 792]";
        assert_eq!(
            media_boxes(pdf),
            vec![[0.0, 0.0, 594.95996, 841.91998], [0.0, 0.0, 612.0, 792.0]]
        );
    }
}
