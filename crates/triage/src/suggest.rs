//! Mining keywords for a label from labelled messages: the admin's improvement loop
//! (collect labelled rows, see what the rules miss, pick keywords from a ranked list).
//!
//! Parts:
//! - [`Miner`]: takes one `(text, label, verdict)` at a time, like the backtest's `Scorer`,
//!   and counts candidate keywords in a bounded table, so a large file is mined in bounded
//!   memory (the binary streams the CSV into it).
//! - [`Suggestions`] and [`Candidate`]: the ranked result, serialisable with stable field
//!   names for `rules suggest --json`.
//! - [`SuggestError`]: a file with no rows, or no row with the label asked for.
//!
//! Candidates are taken from the engine's matching form ([`Normalized`]), the very text
//! keywords are matched against, so a suggested keyword matches exactly the rows counted
//! for it (before typo tolerance, which may add a few):
//! - in scripts with spaces: every word, and every run of two or three consecutive words,
//!   except those that begin or end with a stop word ([`STOP_WORDS`]), a pure number or a
//!   one-letter word;
//! - in scripts without spaces (Chinese, Japanese, …): every sequence of two or three
//!   characters of a run, except those that begin or end with a particle
//!   ([`STOP_PARTICLES`]);
//! - an emoji on its own.
//!
//! For each candidate: *support* (rows labelled L that contain it), *rows* (all rows that
//! contain it), *precision* (support / rows) and *gain* (rows labelled L that contain it and
//! that the current rules do not classify as L: what adding it to a rule of L could win).
//!
//! Ranking: `score = wilson(support, rows)² × ln(1 + gain)`, where `wilson` is the lower
//! bound of the 95 % Wilson interval of the precision. The bound punishes precision
//! measured on few rows; squaring it makes precision weigh more than volume (a keyword that
//! routes wrong rows is what makes rules over-fire), and the logarithm rewards gain with
//! diminishing returns. A keyword the rules already cover everywhere has gain 0 and score 0.
//! Candidates with support below the minimum are left out, and so is a phrase that occurs
//! in exactly the rows of a shorter run of its words (`top up fee` when every row with
//! `fee` has `top up fee`): the shorter says the same and matches more new text. In
//! scripts without spaces it goes the other way: a two-character sequence found (nearly:
//! 90 %) only inside one listed three-character sequence is a cut word (`打电` of `打电话`)
//! and is left out for the whole one.
//!
//! Bounded memory: when the table passes [`SuggestOptions::max_candidates`] entries, every
//! candidate seen in at most `t` rows is dropped (`t` = 1 at first, raised by one until the
//! table is back to three quarters of the bound; it never goes down). This is lossy
//! counting: a dropped candidate that comes back starts again from zero, so any count may
//! be short by at most the final `t`, reported as [`Suggestions::max_undercount`].

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use serde::Serialize;

use crate::engine::Verdict;
use crate::normalize::{Normalized, is_cjk};

/// English words too common to mean anything on their own. Question words, `up`, `get` and
/// negations are not among them (`how long`, `top up`, `get a human`, `not working`).
/// Compared after normalisation, which keeps double letters (`will`, `too`). A
/// phrase may contain them inside (`talk to human`) but not begin or end with one.
pub const STOP_WORDS: &[&str] = &[
    "a", "about", "am", "an", "and", "any", "are", "as", "at", "be", "been", "but", "by", "can",
    "could", "did", "do", "does", "for", "from", "had", "has", "have", "he", "her", "him", "his",
    "i", "if", "im", "in", "into", "is", "it", "its", "ive", "just", "me", "my", "of", "on", "or",
    "our", "she", "so", "some", "than", "that", "the", "their", "them", "then", "there", "these",
    "they", "this", "those", "to", "too", "us", "was", "we", "were", "will", "with", "would",
    "you", "your", "youre",
];

/// Chinese particles and pronouns: a character sequence that begins or ends with one is
/// not a candidate (`的快`, `了我`), one that has it inside may be (`不是很`).
pub const STOP_PARTICLES: &[char] = &[
    '的', '了', '是', '我', '你', '他', '她', '它', '们', '吗', '呢', '吧', '啊', '呀', '哦', '嗯',
    '这', '那', '个', '着', '和', '与', '也', '就', '都', '在', '把', '被',
];

/// How the miner ranks, filters and bounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SuggestOptions {
    /// How many candidates to return, best first.
    pub top: usize,
    /// Leave out candidates found in fewer rows of the label than this.
    pub min_support: u64,
    /// The table is pruned when it has more entries than this (see the module docs).
    pub max_candidates: usize,
}

impl Default for SuggestOptions {
    fn default() -> Self {
        SuggestOptions {
            top: 30,
            min_support: 3,
            max_candidates: 200_000,
        }
    }
}

/// How many characters of an example row are kept (the table shows fewer).
const EXAMPLE_CHARS: usize = 160;

/// At most this many distinct labels are counted for the error that lists them.
const MAX_LABELS: usize = 10_000;

/// The counts of one candidate.
#[derive(Debug, Default)]
struct Counts {
    /// Rows labelled L that contain it.
    support: u32,
    /// Rows of other labels that contain it.
    other: u32,
    /// Rows labelled L that contain it and that the rules do not classify as L.
    gain: u32,
    /// A row labelled L that contains it, preferably one the rules miss (shared between
    /// the candidates of that row).
    example: Option<Arc<str>>,
    /// Whether `example` is a row the rules miss.
    example_missed: bool,
}

impl Counts {
    fn rows(&self) -> u32 {
        self.support.saturating_add(self.other)
    }
}

/// Counts candidate keywords for one label over a stream of labelled rows.
#[derive(Debug)]
pub struct Miner {
    label: String,
    opts: SuggestOptions,
    table: HashMap<Box<str>, Counts>,
    stop: HashSet<String>,
    norm: Normalized,
    rows: u64,
    label_rows: u64,
    covered: u64,
    labels: BTreeMap<String, u64>,
    prune_threshold: u32,
    prunings: u32,
}

/// One suggested keyword.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Candidate {
    /// The keyword, in the engine's matching form: write it as is in a rule.
    pub keyword: String,
    /// support / rows.
    pub precision: f64,
    /// Rows labelled with the label that contain the keyword.
    pub support: u64,
    /// All rows that contain the keyword.
    pub rows: u64,
    /// Rows labelled with the label that contain it and that the rules do not classify
    /// with the label today.
    pub gain: u64,
    /// The ranking score (see the module docs).
    pub score: f64,
    /// A row labelled with the label that contains it (one the rules miss when there is
    /// one), cut to 160 characters.
    pub example: String,
}

/// The result of mining: context and the ranked candidates.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Suggestions {
    /// The label mined for.
    pub label: String,
    /// Rows read.
    pub rows: u64,
    /// Rows with the label.
    pub label_rows: u64,
    /// Rows with the label that the rules classify with it.
    pub covered: u64,
    /// covered / label_rows: the rules' recall of the label on this file.
    pub recall: f64,
    /// The minimum support used.
    pub min_support: u64,
    /// How many times the candidate table was pruned.
    pub prunings: u32,
    /// Counts may be short by at most this many rows because of pruning (0: exact).
    pub max_undercount: u32,
    /// Best first, at most `top`.
    pub candidates: Vec<Candidate>,
}

/// Why there is nothing to suggest.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SuggestError {
    /// The input had no rows.
    #[error(
        "the file has no labelled rows; add rows below a header with `text` and `label` columns"
    )]
    NoRows,
    /// No row has the label asked for.
    #[error("no row is labelled `{label}`; {}", labels_hint(.label, .present))]
    UnknownLabel {
        /// The label asked for.
        label: String,
        /// The labels in the file with their row counts, most rows first.
        present: Vec<(String, u64)>,
    },
}

fn labels_hint(label: &str, present: &[(String, u64)]) -> String {
    let list: Vec<String> = present
        .iter()
        .take(20)
        .map(|(l, n)| format!("{l} ({n} rows)"))
        .collect();
    let more = if present.len() > 20 {
        format!(" and {} more", present.len() - 20)
    } else {
        String::new()
    };
    let close = present
        .iter()
        .find(|(l, _)| l.to_lowercase() == label.to_lowercase())
        .map(|(l, _)| format!(" (did you mean `{l}`?)"))
        .unwrap_or_default();
    format!(
        "the labels in the file are {}{more}: pick one of them{close}",
        list.join(", ")
    )
}

/// The kind of a token of the matching form.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Tok {
    /// A word of a script with spaces.
    Word,
    /// A run of a script without spaces.
    Cjk,
    /// An emoji or other symbol.
    Symbol,
}

impl Miner {
    /// A miner for rows labelled `label`.
    pub fn new(label: &str, opts: SuggestOptions) -> Miner {
        let stop = STOP_WORDS
            .iter()
            .map(|w| Normalized::new(w).matching.trim().to_string())
            .collect();
        Miner {
            label: label.trim().to_string(),
            opts,
            table: HashMap::new(),
            stop,
            norm: Normalized::default(),
            rows: 0,
            label_rows: 0,
            covered: 0,
            labels: BTreeMap::new(),
            prune_threshold: 0,
            prunings: 0,
        }
    }

    /// Counts one labelled row; `verdict` is what the current rules make of `text`.
    pub fn add(&mut self, text: &str, label: &str, verdict: &Verdict) {
        let label = label.trim();
        self.rows += 1;
        if let Some(n) = self.labels.get_mut(label) {
            *n += 1;
        } else if self.labels.len() < MAX_LABELS {
            self.labels.insert(label.to_string(), 1);
        }
        let is_label = label == self.label;
        let missed = is_label && verdict.category.as_str() != self.label;
        if is_label {
            self.label_rows += 1;
            if !missed {
                self.covered += 1;
            }
        }
        self.norm.fill(text);
        let mut found = candidates(&self.norm.matching, &self.stop);
        found.sort_unstable();
        found.dedup();
        let mut example: Option<Arc<str>> = None;
        for key in found {
            let counts = match self.table.get_mut(key) {
                Some(c) => c,
                None => self.table.entry(key.into()).or_default(),
            };
            if !is_label {
                counts.other = counts.other.saturating_add(1);
                continue;
            }
            counts.support = counts.support.saturating_add(1);
            if missed {
                counts.gain = counts.gain.saturating_add(1);
            }
            if counts.example.is_none() || (missed && !counts.example_missed) {
                let ex = example.get_or_insert_with(|| cut(text, EXAMPLE_CHARS).into());
                counts.example = Some(ex.clone());
                counts.example_missed = missed;
            }
        }
        if self.table.len() > self.opts.max_candidates {
            self.prune();
        }
    }

    /// Drops rare candidates until the table is at three quarters of its bound.
    fn prune(&mut self) {
        self.prunings += 1;
        let target = self.opts.max_candidates / 4 * 3;
        let mut t = self.prune_threshold.max(1);
        loop {
            self.table.retain(|_, c| c.rows() > t);
            if self.table.len() <= target {
                break;
            }
            t += 1;
        }
        self.prune_threshold = t;
    }

    /// The ranked suggestions, or why there are none.
    pub fn finish(self) -> Result<Suggestions, SuggestError> {
        if self.rows == 0 {
            return Err(SuggestError::NoRows);
        }
        if self.label_rows == 0 {
            let mut present: Vec<(String, u64)> = self.labels.into_iter().collect();
            present.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            return Err(SuggestError::UnknownLabel {
                label: self.label,
                present,
            });
        }
        let fragments = fragments(&self.table, self.opts.min_support);
        let mut ranked: Vec<Candidate> = self
            .table
            .iter()
            .filter(|(_, c)| u64::from(c.support) >= self.opts.min_support)
            .filter(|(k, c)| !dominated(k, c, &self.table) && !fragments.contains(&**k as &str))
            .map(|(k, c)| {
                let lb = wilson_lower(c.support, c.rows());
                Candidate {
                    keyword: k.to_string(),
                    precision: f64::from(c.support) / f64::from(c.rows().max(1)),
                    support: u64::from(c.support),
                    rows: u64::from(c.rows()),
                    gain: u64::from(c.gain),
                    score: lb * lb * f64::from(c.gain).ln_1p(),
                    example: c.example.as_deref().unwrap_or_default().to_string(),
                }
            })
            .collect();
        ranked.sort_by(|a, b| {
            b.score
                .total_cmp(&a.score)
                .then_with(|| b.precision.total_cmp(&a.precision))
                .then_with(|| b.support.cmp(&a.support))
                .then_with(|| a.keyword.cmp(&b.keyword))
        });
        ranked.truncate(self.opts.top);
        Ok(Suggestions {
            recall: self.covered as f64 / self.label_rows as f64,
            label: self.label,
            rows: self.rows,
            label_rows: self.label_rows,
            covered: self.covered,
            min_support: self.opts.min_support,
            prunings: self.prunings,
            max_undercount: self.prune_threshold,
            candidates: ranked,
        })
    }
}

/// The lower bound of the 95 % Wilson score interval of `k` successes in `n` trials.
fn wilson_lower(k: u32, n: u32) -> f64 {
    if n == 0 {
        return 0.0;
    }
    let (k, n) = (f64::from(k), f64::from(n));
    let z = 1.96_f64;
    let z2 = z * z;
    let p = k / n;
    let centre = p + z2 / (2.0 * n);
    let spread = z * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    ((centre - spread) / (1.0 + z2 / n)).max(0.0)
}

/// True when `key` is a phrase and a shorter run of its words occurs in exactly the same
/// rows: every row with `key` has it, so equal counts mean equal rows.
fn dominated(key: &str, c: &Counts, table: &HashMap<Box<str>, Counts>) -> bool {
    let same = |sub: &str| {
        table
            .get(sub)
            .is_some_and(|s| s.support == c.support && s.other == c.other)
    };
    if !key.contains(' ') {
        return false;
    }
    // Its shorter runs of whole words.
    let bounds: Vec<(usize, usize)> = key
        .split(' ')
        .scan(0usize, |at, w| {
            let start = *at;
            *at += w.len() + 1;
            Some((start, start + w.len()))
        })
        .collect();
    let n = bounds.len();
    (1..n).any(|len| (0..=n - len).any(|i| same(&key[bounds[i].0..bounds[i + len - 1].1])))
}

/// Two-character sequences that are (nearly) always part of one listed three-character
/// sequence: cut words (`打电` of `打电话`, `很一` of `很一般`). "Nearly": the longer has at
/// least 90 % of the shorter's support and of its rows.
fn fragments(table: &HashMap<Box<str>, Counts>, min_support: u64) -> HashSet<&str> {
    let near = |part: u32, whole: u32| u64::from(part) * 10 >= u64::from(whole) * 9;
    let mut out = HashSet::new();
    for (k, c) in table {
        let idx: Vec<(usize, char)> = k.char_indices().collect();
        if u64::from(c.support) < min_support || idx.len() != 3 || !is_cjk(idx[0].1) {
            continue;
        }
        for sub in [&k[..idx[2].0], &k[idx[1].0..]] {
            if let Some((sk, s)) = table.get_key_value(sub)
                && near(c.support, s.support)
                && near(c.rows(), s.rows())
            {
                out.insert(&**sk);
            }
        }
    }
    out
}

/// The candidates of one matching form, as slices of it (with repeats).
fn candidates<'a>(matching: &'a str, stop: &HashSet<String>) -> Vec<&'a str> {
    let mut out = Vec::new();
    // The tokens with their byte ranges in `matching`.
    let mut toks: Vec<(usize, usize, Tok)> = Vec::new();
    let mut at = 0;
    for w in matching.split(' ') {
        let start = at;
        at += w.len() + 1;
        let Some(first) = w.chars().next() else {
            continue;
        };
        let kind = if is_cjk(first) {
            Tok::Cjk
        } else if first.is_alphanumeric() {
            Tok::Word
        } else {
            Tok::Symbol
        };
        toks.push((start, start + w.len(), kind));
    }
    // A word that may begin or end a candidate.
    let edge_ok = |w: &str| {
        w.chars().nth(1).is_some() && !w.chars().all(char::is_numeric) && !stop.contains(w)
    };
    for (i, &(start, end, kind)) in toks.iter().enumerate() {
        let w = &matching[start..end];
        match kind {
            Tok::Symbol => out.push(w),
            Tok::Cjk => cjk_sequences(w, &mut out),
            Tok::Word => {
                if !edge_ok(w) {
                    continue;
                }
                out.push(w);
                // Phrases of two and three words that start here.
                for len in 2..=3 {
                    let Some(&(s, e, _)) = toks.get(i + len - 1) else {
                        break;
                    };
                    if toks[i + 1..i + len].iter().any(|t| t.2 != Tok::Word) {
                        break;
                    }
                    if edge_ok(&matching[s..e]) {
                        out.push(&matching[start..e]);
                    }
                }
            }
        }
    }
    out
}

/// Every sequence of two or three characters of a run without spaces whose ends are not
/// particles.
fn cjk_sequences<'a>(run: &'a str, out: &mut Vec<&'a str>) {
    let idx: Vec<(usize, char)> = run.char_indices().collect();
    for len in 2..=3 {
        for i in 0..idx.len().saturating_sub(len - 1) {
            let (first, last) = (idx[i].1, idx[i + len - 1].1);
            if STOP_PARTICLES.contains(&first) || STOP_PARTICLES.contains(&last) {
                continue;
            }
            if !(is_cjk(first) && is_cjk(last)) {
                continue;
            }
            let end = idx.get(i + len).map_or(run.len(), |&(b, _)| b);
            out.push(&run[idx[i].0..end]);
        }
    }
}

/// `text` on one line, cut to `max` characters (with `…` when cut).
fn cut(text: &str, max: usize) -> String {
    let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.chars().count() <= max {
        return line;
    }
    let mut s: String = line.chars().take(max.saturating_sub(1)).collect();
    s.push('…');
    s
}
