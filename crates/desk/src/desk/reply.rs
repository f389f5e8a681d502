//! Reading a customer's text while "Did this solve it?" waits: is it a request for a
//! person, a "no", a clear "solved", a bare acknowledgement, or new detail?
//!
//! Parts: [`Replies`], the word lists of `[replies]` in prompts/ (every locale's at once: a
//! customer's locale can be a wrong guess), compiled once with the desk; [`FollowUp`], what
//! a reply is read as; [`Replies::read`], the reading, from the text and triage's verdict on
//! it. Lists and text go through triage's normaliser, so case, punctuation, apostrophes
//! (`didn't` = `didnt`) and full-width forms never matter, and a list and a message always
//! agree on spelling. Entries in a spaced script match whole words; entries in CJK scripts
//! match as substrings (those scripts have no spaces between words).
//!
//! The order, most urgent first: a request for a person (triage's `human` signal, or an
//! escalating rule); a negative reply ("didn't help", or only "no" and acknowledgements); a
//! clear "solved" (only "yes" and acknowledgements, or a `solved` phrase without a doubt
//! word, a question mark or a negative tone: it closes); a reply made only of
//! acknowledgements ("thanks", "ok", "好的"), or a solved-sounding one with a negative tone:
//! asked again, still waiting; the negative or anger signal; anything else is new detail.
//! Everything but "solved" and "asked again" hands the ticket to a person at once.

use switchboard_triage::normalize::{Normalized, is_cjk};
use switchboard_triage::{Signal, Verdict};

use super::wire::Escalation;
use crate::prompts::Prompts;

/// What a customer's text in self-service is read as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum FollowUp {
    /// A person takes over at once, for this reason.
    Escalate(Escalation),
    /// It clearly says the answer solved it: closed as a deflection, like "Yes".
    Solved,
    /// A bare acknowledgement ("thanks", "ok"): neither yes nor no. The question is asked
    /// again; the timeout still hands the ticket over if no answer comes.
    Unclear,
}

/// One list entry, normalised.
#[derive(Debug, Clone)]
struct Phrase {
    /// Spaced scripts: ` words ` (matched between word boundaries); CJK: the bare text
    /// (matched as a substring).
    needle: String,
}

impl Phrase {
    fn new(entry: &str) -> Option<Phrase> {
        let m = Normalized::new(entry).matching;
        let bare = m.trim();
        if bare.is_empty() {
            return None;
        }
        let needle = if bare.chars().any(is_cjk) {
            bare.to_string()
        } else {
            format!(" {bare} ")
        };
        Some(Phrase { needle })
    }

    /// Whether the normalised message (` words `) holds it.
    fn is_in(&self, message: &str) -> bool {
        message.contains(&self.needle)
    }

    /// `message` with every occurrence replaced by a separator.
    fn remove_from(&self, message: &mut String) {
        // A word-bounded needle shares its spaces with its neighbours (` ok ok `), so one
        // pass leaves every other one: repeat until none is left.
        while message.contains(&self.needle) {
            *message = message.replace(&self.needle, " ");
        }
    }
}

/// The compiled `[replies]` lists.
#[derive(Debug, Clone, Default)]
pub(super) struct Replies {
    /// A whole reply that means no ("no", "nope", "不是"), alone or with acknowledgements.
    no: Vec<Phrase>,
    /// A whole reply that means yes ("yes", "yep", "是的"), alone or with acknowledgements:
    /// the answer typed instead of pressed.
    yes: Vec<Phrase>,
    /// Anywhere in the reply, it says the answer did not help ("didn't help", "没用").
    negative: Vec<Phrase>,
    /// Anywhere in the reply, it says the answer solved it ("that solved it", "好了").
    solved: Vec<Phrase>,
    /// Words that keep a solved-sounding reply from closing ("but", "still", "吗").
    doubt: Vec<Phrase>,
    /// Acknowledgements that say neither yes nor no ("thanks", "ok", "谢谢").
    ack: Vec<Phrase>,
}

/// The entries of `replies.<list>` in every locale: `|`-separated, normalised, longest
/// first (so that removing them takes "thank you" before "thank").
fn list(prompts: &Prompts, name: &str) -> Vec<Phrase> {
    let key = format!("replies.{name}");
    let mut out: Vec<Phrase> = prompts
        .every(&key)
        .flat_map(|text| text.split('|'))
        .filter_map(Phrase::new)
        .collect();
    out.sort_by(|a, b| {
        b.needle
            .chars()
            .count()
            .cmp(&a.needle.chars().count())
            .then_with(|| a.needle.cmp(&b.needle))
    });
    out.dedup_by(|a, b| a.needle == b.needle);
    out
}

impl Replies {
    /// The lists of `prompts`.
    pub(super) fn new(prompts: &Prompts) -> Replies {
        Replies {
            no: list(prompts, "no"),
            yes: list(prompts, "yes"),
            negative: list(prompts, "negative"),
            solved: list(prompts, "solved"),
            doubt: list(prompts, "doubt"),
            ack: list(prompts, "ack"),
        }
    }

    /// Reads a customer's `text`, sent while the ticket waits in self-service, with
    /// triage's `verdict` on it.
    pub(super) fn read(&self, text: &str, verdict: &Verdict) -> FollowUp {
        if verdict.signals.has(Signal::Human) {
            return FollowUp::Escalate(Escalation::AskedForPerson);
        }
        if verdict.escalate {
            return FollowUp::Escalate(Escalation::EscalatingRule);
        }
        let upset = verdict.signals.has(Signal::Negative) || verdict.signals.has(Signal::Anger);
        match self.words(text) {
            Words::Negative => FollowUp::Escalate(Escalation::NegativeReply),
            Words::Solved if !upset => FollowUp::Solved,
            // A solved-sounding reply with a negative tone ("It works now!!!", "works now,
            // terrible app") is not clearly solved, nor a complaint about the answer: the
            // question is asked again, like after a bare "thanks".
            Words::Solved | Words::Ack => FollowUp::Unclear,
            _ if upset => FollowUp::Escalate(Escalation::NegativeReply),
            _ => FollowUp::Escalate(Escalation::NewDetail),
        }
    }

    /// What the words alone say, before triage's signals are weighed.
    fn words(&self, text: &str) -> Words {
        let n = Normalized::new(text);
        let m = n.matching.as_str();
        if m.trim().is_empty() {
            return Words::Other;
        }
        if self.negative.iter().any(|p| p.is_in(m)) {
            return Words::Negative;
        }
        // A question ("it works now?", "yes?") is not a statement that it does.
        let asks = n.folded.contains('?');
        // A reply made only of yes, no and acknowledgements ("nope, thanks", "yes it did",
        // "ok 👍", "不是"): a no, a yes, or neither.
        let (mut rest, mut said) = (m.to_string(), [false; 2]);
        for (p, kind) in self.whole() {
            let before = rest.len();
            p.remove_from(&mut rest);
            if rest.len() != before && kind < 2 {
                said[kind] = true;
            }
        }
        if rest.trim().is_empty() {
            return match said {
                [true, false] => Words::Negative,
                [false, true] if !asks => Words::Solved,
                [false, false] => Words::Ack,
                _ => Words::Other,
            };
        }
        // "Solved" anywhere, with no doubt about it elsewhere in the reply ("but", "still",
        // "吗"; a doubt word inside the solved phrase or an acknowledgement, as in "没问题了"
        // or "no worries", does not count).
        let mut outside = m.to_string();
        let mut solved = false;
        for p in &self.solved {
            let before = outside.len();
            p.remove_from(&mut outside);
            solved |= outside.len() != before;
        }
        for p in &self.ack {
            p.remove_from(&mut outside);
        }
        if solved && !asks && !self.doubt.iter().any(|p| p.is_in(&outside)) {
            return Words::Solved;
        }
        Words::Other
    }

    /// The `no` (kind 0), `yes` (kind 1) and `ack` (kind 2) lists together, longest first,
    /// so that a longer entry that holds a shorter one is taken whole ("不用了" before "不").
    fn whole(&self) -> Vec<(&Phrase, usize)> {
        let mut all: Vec<(&Phrase, usize)> = self
            .no
            .iter()
            .map(|p| (p, 0))
            .chain(self.yes.iter().map(|p| (p, 1)))
            .chain(self.ack.iter().map(|p| (p, 2)))
            .collect();
        all.sort_by_key(|(p, _)| std::cmp::Reverse(p.needle.chars().count()));
        all
    }
}

/// What a reply's words say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Words {
    /// It did not help.
    Negative,
    /// It solved it, without a doubt.
    Solved,
    /// Only acknowledgements.
    Ack,
    /// Anything else: new detail.
    Other,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn replies() -> Replies {
        let prompts = Prompts::embedded().unwrap_or_else(|d| panic!("{d:#?}"));
        Replies::new(&prompts)
    }

    #[test]
    fn every_list_has_entries_in_both_languages() {
        let r = replies();
        for (name, l) in [
            ("no", &r.no),
            ("yes", &r.yes),
            ("negative", &r.negative),
            ("solved", &r.solved),
            ("doubt", &r.doubt),
            ("ack", &r.ack),
        ] {
            assert!(l.iter().any(|p| p.needle.chars().any(is_cjk)), "{name}");
            assert!(l.iter().any(|p| p.needle.starts_with(' ')), "{name}");
        }
    }

    #[test]
    fn replies_read_as_people_mean_them() {
        let r = replies();
        let cases = [
            // A plain no, in any form.
            ("no", Words::Negative),
            ("No.", Words::Negative),
            ("nope, thanks", Words::Negative),
            ("No, it didn't help", Words::Negative),
            ("that didn’t help at all", Words::Negative),
            ("Not solved", Words::Negative),
            ("thanks but it still doesn't work", Words::Negative),
            ("没用", Words::Negative),
            ("还是没有解决", Words::Negative),
            ("不是", Words::Negative),
            // Clearly solved.
            ("thanks, that solved it", Words::Solved),
            ("It works now!", Words::Solved),
            ("Perfect, that fixed it. Thank you", Words::Solved),
            ("好了，谢谢", Words::Solved),
            ("no worries, it works now", Words::Solved),
            ("可以了", Words::Solved),
            ("没问题了，谢谢", Words::Solved),
            ("yes", Words::Solved),
            ("Yes it did, thanks!", Words::Solved),
            ("是的", Words::Solved),
            ("yes, my order is 55123", Words::Other),
            ("yes?", Words::Other),
            // Solved-sounding, but not clearly.
            ("it works now?", Words::Other),
            ("it works but only on my phone", Words::Other),
            ("how does it work", Words::Other),
            ("好了吗", Words::Other),
            // Bare acknowledgements.
            ("thanks", Words::Ack),
            ("Thank you so much!", Words::Ack),
            ("ok", Words::Ack),
            ("OK thanks 👍", Words::Ack),
            ("谢谢", Words::Ack),
            ("好的，谢谢", Words::Ack),
            ("awesome, thanks", Words::Ack),
            ("no problem", Words::Ack),
            ("不用了，谢谢", Words::Ack),
            // New detail.
            ("the tracking number says nothing", Words::Other),
            ("hello??", Words::Other),
            ("no tracking number in the email", Words::Other),
            ("thanks, and how do I change my email?", Words::Other),
            ("我没收到邮件", Words::Other),
            ("??", Words::Other),
        ];
        let wrong: Vec<String> = cases
            .iter()
            .filter(|(text, want)| r.words(text) != *want)
            .map(|(text, want)| format!("{text:?}: {:?}, want {want:?}", r.words(text)))
            .collect();
        assert!(wrong.is_empty(), "{wrong:#?}");
    }
}
