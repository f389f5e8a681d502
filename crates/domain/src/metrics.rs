//! The formulas a support desk is run by, as pure functions over plain numbers, so that
//! reports, tests and anyone reading them agree on one definition. Every function that
//! divides returns `None` when there is nothing to divide by: a metric with no data says so
//! instead of showing 0.

/// CSAT: the share of satisfied answers (4 or 5 on the 1-5 scale) among all answers, in
/// percent.
pub fn csat(scores: &[u8]) -> Option<f64> {
    share(scores.iter().filter(|s| **s >= 4).count(), scores.len())
}

/// The average of the answers.
pub fn mean_score(scores: &[u8]) -> Option<f64> {
    mean(&scores.iter().map(|s| f64::from(*s)).collect::<Vec<_>>())
}

/// NPS: percent of promoters (9-10) minus percent of detractors (0-6), from -100 to 100.
pub fn nps(scores: &[u8]) -> Option<f64> {
    let n = scores.len();
    let promoters = share(scores.iter().filter(|s| **s >= 9).count(), n)?;
    let detractors = share(scores.iter().filter(|s| **s <= 6).count(), n)?;
    Some(promoters - detractors)
}

/// The satisfaction index S = (R - D) / (R + D), with R the positive and D the negative
/// answers, from -1 to 1.
pub fn satisfaction_index(positive: usize, negative: usize) -> Option<f64> {
    let total = positive + negative;
    (total > 0).then(|| (positive as f64 - negative as f64) / total as f64)
}

/// `part` of `whole` in percent.
pub fn share(part: usize, whole: usize) -> Option<f64> {
    (whole > 0).then(|| part as f64 * 100.0 / whole as f64)
}

/// The arithmetic mean.
pub fn mean(values: &[f64]) -> Option<f64> {
    (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
}

/// The `p`-th percentile (0-100) by the nearest-rank method: the smallest value with at
/// least p% of the values at or below it (the median of 1, 2, 3, 4 is 2).
pub fn percentile(values: &[f64], p: f64) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let rank = ((p.clamp(0.0, 100.0) / 100.0) * v.len() as f64).ceil() as usize;
    Some(v[rank.clamp(1, v.len()) - 1])
}

/// Churn: of the customers who had tickets in the previous period, the share (percent)
/// with none in this one.
pub fn churn<T: Eq + std::hash::Hash>(
    previous: &std::collections::HashSet<T>,
    current: &std::collections::HashSet<T>,
) -> Option<f64> {
    share(previous.difference(current).count(), previous.len())
}

/// A logistic model's probability P = 1 / (1 + e^-(b0 + b1·x1 + … + bn·xn)):
/// `coefficients` is b0, b1, …, bn and `x` is x1, …, xn (missing ones count as 0).
pub fn logistic(coefficients: &[f64], x: &[f64]) -> f64 {
    let (b0, rest) = coefficients.split_first().unwrap_or((&0.0, &[]));
    let z = b0 + rest.iter().zip(x).map(|(b, x)| b * x).sum::<f64>();
    1.0 / (1.0 + (-z).exp())
}

/// Customer lifetime value CLV = Σ_t (retention_t · sales_t) / (1 + d)^t for t = 1, 2, …
/// over the periods given (`retention[i]` and `sales[i]` are period i + 1), with discount
/// rate `d` per period.
pub fn clv(retention: &[f64], sales: &[f64], d: f64) -> f64 {
    retention
        .iter()
        .zip(sales)
        .enumerate()
        .map(|(i, (r, s))| r * s / (1.0 + d).powi(i as i32 + 1))
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn csat_counts_fours_and_fives() {
        // 4, 5, 5 satisfied of 5 answers: 60%; mean (1+4+5+5+3)/5 = 3.6.
        assert!(close(csat(&[1, 4, 5, 5, 3]).unwrap(), 60.0));
        assert!(close(mean_score(&[1, 4, 5, 5, 3]).unwrap(), 3.6));
        assert_eq!(csat(&[]), None);
        assert_eq!(mean_score(&[]), None);
    }

    #[test]
    fn nps_is_promoters_minus_detractors() {
        // 10 answers: 9, 10, 10 promoters (30%); 0, 3, 6, 6 detractors (40%); 7, 8, 8 passive.
        let s = [9, 10, 10, 0, 3, 6, 6, 7, 8, 8];
        assert!(close(nps(&s).unwrap(), -10.0));
        assert!(close(nps(&[10, 10]).unwrap(), 100.0));
        assert!(close(nps(&[0]).unwrap(), -100.0));
        assert_eq!(nps(&[]), None);
    }

    #[test]
    fn satisfaction_index_ranges_from_minus_one_to_one() {
        // R = 6, D = 2: (6 - 2) / 8 = 0.5.
        assert!(close(satisfaction_index(6, 2).unwrap(), 0.5));
        assert!(close(satisfaction_index(0, 3).unwrap(), -1.0));
        assert_eq!(satisfaction_index(0, 0), None);
    }

    #[test]
    fn percentiles_by_nearest_rank() {
        let v = [4.0, 1.0, 3.0, 2.0];
        assert_eq!(percentile(&v, 50.0), Some(2.0));
        assert_eq!(percentile(&v, 90.0), Some(4.0));
        assert_eq!(percentile(&v, 0.0), Some(1.0));
        assert_eq!(percentile(&[7.0], 90.0), Some(7.0));
        assert_eq!(percentile(&[], 50.0), None);
        assert_eq!(mean(&v), Some(2.5));
    }

    #[test]
    fn churn_is_last_periods_customers_gone_now() {
        let prev: HashSet<&str> = ["a", "b", "c", "d"].into();
        let now: HashSet<&str> = ["b", "d", "e"].into();
        // a and c are gone: 2 of 4.
        assert!(close(churn(&prev, &now).unwrap(), 50.0));
        assert_eq!(churn(&HashSet::<&str>::new(), &now), None);
    }

    #[test]
    fn logistic_and_clv_by_hand() {
        // b0 = -2, b1 = 0.5, x1 = 4: z = 0, P = 0.5.
        assert!(close(logistic(&[-2.0, 0.5], &[4.0]), 0.5));
        // z = ln 3: P = 3 / 4.
        assert!(close(logistic(&[3f64.ln()], &[]), 0.75));
        // Two periods, d = 10%: 0.9·100/1.1 + 0.8·100/1.21 = 81.8181… + 66.1157… = 147.9338…
        let v = clv(&[0.9, 0.8], &[100.0, 100.0], 0.1);
        assert!(close(v, 90.0 / 1.1 + 80.0 / 1.21), "{v}");
        assert!(close(clv(&[], &[], 0.1), 0.0));
    }
}
