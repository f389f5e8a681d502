//! Finds rules that can never fire because an earlier `stop` rule matches every message they
//! match ("shadowed" rules), so that `switchboard check` can say so before an admin wonders
//! why a rule never fires.
//!
//! The analysis is sound, not complete: it reports a rule only when it can prove the earlier
//! rule always wins (an earlier rule with `also` keywords wins only when the later rule
//! guarantees one of them). It reasons on keyword patterns (after normalisation, with their boundary
//! spaces): a message containing pattern `q` certainly contains pattern `p` when `p` is a
//! substring of `q` (` refund` of `refund*` is in ` refunds `; `退款` is in `申请退款`), and,
//! when the later rule also fires on typos, `p` is whole words of `q` in an earlier rule
//! that fires on typos too.

use crate::engine::{CompiledRule, RuleView, view};
use switchboard_domain::Language;

/// Returns `(index of the shadowed rule, reason)` pairs, in rule order.
pub(crate) fn unreachable(rules: &[CompiledRule], patterns: &[String]) -> Vec<(usize, String)> {
    let views: Vec<RuleView<'_>> = rules.iter().map(|r| view(r, patterns)).collect();
    let mut out = Vec::new();
    for (li, later) in views.iter().enumerate() {
        if let Some(earlier) = views[..li].iter().find(|e| e.stop && always_wins(e, later)) {
            out.push((
                li,
                format!(
                    "the earlier rule `{}` (line {}) matches every message it matches and stops",
                    earlier.id, earlier.line
                ),
            ));
        }
    }
    out
}

/// Whether every message that `l` matches is also matched by `e`.
fn always_wins(e: &RuleView<'_>, l: &RuleView<'_>) -> bool {
    if e.has_none || e.has_regex {
        return false;
    }
    let covers = |p: &str, q: &str| q.contains(p) && typo_safe(e, l, p, q);
    // Every `all` keyword of `e` must be guaranteed by an `all` keyword of `l`.
    if !e.all.iter().all(|p| l.all.iter().any(|q| covers(p, q))) {
        return false;
    }
    if !e.any.is_empty() {
        let by_all = l.all.iter().any(|q| e.any.iter().any(|p| covers(p, q)));
        let by_any = !l.any.is_empty()
            && !l.has_regex
            && l.any.iter().all(|q| e.any.iter().any(|p| covers(p, q)));
        if !(by_all || by_any) {
            return false;
        }
    }
    // `e` fires only with one of its `also` words: `l` must guarantee one, by an `all`
    // keyword, by every one of its own `also` words, or by every one of its `any` words
    // (with no regex that could fire `l` without them). A later rule with `also` matches
    // fewer messages, which the checks above already allow.
    if !e.also.is_empty() {
        let guaranteed_by =
            |qs: &[&str]| !qs.is_empty() && qs.iter().all(|q| e.also.iter().any(|p| covers(p, q)));
        let by_all = l.all.iter().any(|q| e.also.iter().any(|p| covers(p, q)));
        let by_any = !l.has_regex && guaranteed_by(&l.any);
        if !(by_all || guaranteed_by(&l.also) || by_any) {
            return false;
        }
    }
    subset(e.platforms, l.platforms, |a, b| a == b)
        && subset(e.languages, l.languages, Language::matches)
        && subset(e.tiers, l.tiers, |a, b| a == b)
        && (e.hours.is_none() || e.hours == l.hours)
        && l.signals.contains_all(e.signals)
}

/// With typo tolerance, `l` also fires on a typo of a word of `q`: `e`'s keyword `p` (found
/// in `q`) is then sure to be found too only when `e` tolerates typos as well and `p` is
/// made of whole words of `q` (a typo of `refunds` is not `refund*`; one of `refund` is).
fn typo_safe(e: &RuleView<'_>, l: &RuleView<'_>, p: &str, q: &str) -> bool {
    if !l.fuzzy || !crate::fuzzy::may_fuzz(q) {
        return true;
    }
    let (p, q) = (p.trim_matches(' '), q.trim_matches(' '));
    e.fuzzy && format!(" {q} ").contains(&format!(" {p} "))
}

/// A filter `e` lets through everything filter `l` lets through.
fn subset<T>(e: Option<&[T]>, l: Option<&[T]>, covers: impl Fn(&T, &T) -> bool) -> bool {
    match (e, l) {
        (None, _) => true,
        (Some(_), None) => false,
        (Some(e), Some(l)) => l.iter().all(|x| e.iter().any(|f| covers(f, x))),
    }
}
