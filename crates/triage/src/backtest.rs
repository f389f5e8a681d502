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

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use serde::Serialize;

use crate::engine::{Engine, Verdict};

/// Accumulates counts for a backtest.
#[derive(Debug)]
pub struct Scorer {
    rule_ids: Vec<Arc<str>>,
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
}

impl Scorer {
    /// A scorer for `engine`'s rules.
    pub fn new(engine: &Engine) -> Scorer {
        Scorer {
            rule_ids: engine.rule_ids().cloned().collect(),
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
        let mut labels = BTreeSet::new();
        for (l, p) in self.confusion.keys() {
            labels.insert(l.clone());
            labels.insert(p.clone());
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
            counts[index[l.as_str()]][index[p.as_str()]] += c;
        }
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
            rules_fired,
            rules_never_fired,
        }
    }
}
