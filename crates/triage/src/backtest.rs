//! Scoring an engine on labelled messages: per-category precision, recall, F1 and support,
//! macro-F1, accuracy, the confusion matrix, and which rules fire most and never.
//!
//! [`Scorer`] takes one `(label, verdict)` at a time and keeps only counts, so a file of
//! millions of rows is scored in constant memory (the binary streams the CSV into it).
//!
//! Definitions (as in scikit-learn with `zero_division=0`):
//! - precision(c) = TP / (TP + FP), recall(c) = TP / (TP + FN), F1 = 2PR / (P + R); a ratio
//!   whose denominator is 0 is 0.
//! - macro-F1: the mean F1 over every category that occurs as a label or a prediction.
//! - accuracy: correct predictions / scored rows.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::Arc;

use serde::Serialize;

use crate::engine::{Engine, Verdict};

/// Accumulates counts for a backtest.
#[derive(Debug)]
pub struct Scorer {
    rule_ids: Vec<Arc<str>>,
    /// The rules' categories: always scored one by one.
    categories: HashSet<String>,
    /// Rows per label, for at most [`LABEL_CAP`] labels that are not categories.
    other_support: HashMap<String, u64>,
    /// Rows whose label came after the cap was reached (scored together).
    late_rows: u64,
    /// (label, predicted) -> count.
    confusion: HashMap<(String, String), u64>,
    fired: HashMap<Arc<str>, u64>,
    rows: u64,
    correct: u64,
    bad_rows: u64,
}

/// The scores of one category.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CategoryScore {
    /// The category.
    pub category: String,
    /// TP / (TP + FP).
    pub precision: f64,
    /// TP / (TP + FN).
    pub recall: f64,
    /// Harmonic mean of precision and recall.
    pub f1: f64,
    /// Rows labelled with this category.
    pub support: u64,
    /// Rows predicted as this category.
    pub predicted: u64,
}

/// The confusion matrix: `counts[i][j]` rows labelled `labels[i]` were predicted `labels[j]`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Confusion {
    /// Row and column names, sorted.
    pub labels: Vec<String>,
    /// Row = label, column = prediction.
    pub counts: Vec<Vec<u64>>,
}

/// How often one rule fired.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuleHits {
    /// The rule id.
    pub rule: String,
    /// Rows on which it fired.
    pub hits: u64,
}

/// The result of a backtest.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// Rows scored.
    pub rows: u64,
    /// Rows skipped as unreadable.
    pub bad_rows: u64,
    /// Correct / scored.
    pub accuracy: f64,
    /// Mean F1 over the categories in `per_category`.
    pub macro_f1: f64,
    /// One entry per category that occurs as a label or a prediction, sorted by name.
    pub per_category: Vec<CategoryScore>,
    /// The confusion matrix.
    pub confusion: Confusion,
    /// Every rule that fired at least once, most hits first.
    pub rules_fired: Vec<RuleHits>,
    /// Rules that never fired, in file order.
    pub rules_never_fired: Vec<String>,
    /// Labels of the file that are not categories of the rules (sorted, at most
    /// [`SHOWN_LABELS`]): no rule can ever predict them.
    pub unknown_labels: Vec<String>,
    /// How many labels were counted together as [`OTHER_LABELS`] (past [`SHOWN_LABELS`]),
    /// 0 when none; a lower bound when more than [`LABEL_CAP`] labels were seen.
    pub folded_labels: u64,
}

/// The most labels that are not categories kept one by one while scoring.
pub const LABEL_CAP: usize = 1_000;
/// The most labels that are not categories shown one by one in a report.
pub const SHOWN_LABELS: usize = 50;
/// The row that stands for every label past the limits.
pub const OTHER_LABELS: &str = "(other labels)";

impl Scorer {
    /// A scorer for `engine`'s rules.
    pub fn new(engine: &Engine) -> Scorer {
        Scorer {
            rule_ids: engine.rule_ids().cloned().collect(),
            categories: engine
                .categories()
                .iter()
                .map(|(c, _)| c.as_str().to_string())
                .collect(),
            other_support: HashMap::new(),
            late_rows: 0,
            confusion: HashMap::new(),
            fired: HashMap::new(),
            rows: 0,
            correct: 0,
            bad_rows: 0,
        }
    }

    /// Counts one labelled row.
    pub fn add(&mut self, label: &str, verdict: &Verdict) {
        let label = label.trim();
        let predicted = verdict.category.as_str();
        self.rows += 1;
        if label == predicted {
            self.correct += 1;
        }
        // Memory stays bounded whatever the file: labels that are not categories are kept
        // one by one up to the cap, and later new ones counted together.
        let label = if self.categories.contains(label) {
            label
        } else if let Some(n) = self.other_support.get_mut(label) {
            *n += 1;
            label
        } else if self.other_support.len() < LABEL_CAP {
            self.other_support.insert(label.to_string(), 1);
            label
        } else {
            self.late_rows += 1;
            OTHER_LABELS
        };
        *self
            .confusion
            .entry((label.to_string(), predicted.to_string()))
            .or_insert(0) += 1;
        for f in &verdict.fired {
            *self.fired.entry(f.rule.clone()).or_insert(0) += 1;
        }
    }

    /// Counts a row that could not be read.
    pub fn add_bad_row(&mut self) {
        self.bad_rows += 1;
    }

    /// The scores so far.
    pub fn report(&self) -> Report {
        // Shown one by one: the categories, and the [`SHOWN_LABELS`] other labels with the
        // most rows; every other label is one row, [`OTHER_LABELS`], so that the matrix
        // stays small whatever the file holds.
        let mut others: Vec<(&String, &u64)> = self.other_support.iter().collect();
        others.sort_by(|a, b| b.1.cmp(a.1).then_with(|| a.0.cmp(b.0)));
        let shown: HashSet<&str> = others
            .iter()
            .take(SHOWN_LABELS)
            .map(|(l, _)| l.as_str())
            .collect();
        let folded =
            others.len().saturating_sub(SHOWN_LABELS) as u64 + u64::from(self.late_rows > 0);
        let name = |l: &str| -> String {
            if self.categories.contains(l) || shown.contains(l) {
                l.to_string()
            } else {
                OTHER_LABELS.to_string()
            }
        };
        let mut labels = BTreeSet::new();
        for (l, p) in self.confusion.keys() {
            labels.insert(name(l));
            labels.insert(name(p));
        }
        let labels: Vec<String> = labels.into_iter().collect();
        let index: BTreeMap<&str, usize> = labels
            .iter()
            .enumerate()
            .map(|(i, l)| (l.as_str(), i))
            .collect();
        let n = labels.len();
        let mut counts = vec![vec![0u64; n]; n];
        for ((l, p), c) in &self.confusion {
            counts[index[name(l).as_str()]][index[name(p).as_str()]] += c;
        }
        let mut unknown_labels: Vec<String> = self.other_support.keys().cloned().collect();
        unknown_labels.sort();
        unknown_labels.truncate(SHOWN_LABELS);
        let ratio = |a: u64, b: u64| if b == 0 { 0.0 } else { a as f64 / b as f64 };
        let per_category: Vec<CategoryScore> = labels
            .iter()
            .enumerate()
            .map(|(i, l)| {
                let tp = counts[i][i];
                let support: u64 = counts[i].iter().sum();
                let predicted: u64 = counts.iter().map(|row| row[i]).sum();
                let precision = ratio(tp, predicted);
                let recall = ratio(tp, support);
                let f1 = if precision + recall == 0.0 {
                    0.0
                } else {
                    2.0 * precision * recall / (precision + recall)
                };
                CategoryScore {
                    category: l.clone(),
                    precision,
                    recall,
                    f1,
                    support,
                    predicted,
                }
            })
            .collect();
        let macro_f1 = if per_category.is_empty() {
            0.0
        } else {
            per_category.iter().map(|c| c.f1).sum::<f64>() / per_category.len() as f64
        };
        let mut rules_fired: Vec<RuleHits> = self
            .fired
            .iter()
            .map(|(r, h)| RuleHits {
                rule: r.to_string(),
                hits: *h,
            })
            .collect();
        rules_fired.sort_by(|a, b| b.hits.cmp(&a.hits).then_with(|| a.rule.cmp(&b.rule)));
        let rules_never_fired = self
            .rule_ids
            .iter()
            .filter(|r| !self.fired.contains_key(*r))
            .map(|r| r.to_string())
            .collect();
        Report {
            rows: self.rows,
            bad_rows: self.bad_rows,
            accuracy: ratio(self.correct, self.rows),
            macro_f1,
            per_category,
            confusion: Confusion { labels, counts },
            unknown_labels,
            folded_labels: folded,
            rules_fired,
            rules_never_fired,
        }
    }
}
