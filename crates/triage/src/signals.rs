//! Built-in signals: facts about a message that rules can test without listing words
//! themselves (`signals = ["anger"]`).
//!
//! - `negative`: negative sentiment (word lists for English and Chinese), or anger.
//! - `anger`: angry words, or shouting in capitals, or a run of `!!!`.
//! - `human`: an explicit request for a person ("talk to a person", "转人工").
//! - `urgent`: urgency ("urgent", "asap", "紧急").
//!
//! The word lists are compiled into the same automaton as the rules' keywords, so testing
//! a signal costs nothing extra; a rules file can add words to each list under `[signals]`.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

use crate::error::UnknownSignal;

/// A built-in signal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Signal {
    /// Negative sentiment (includes anger).
    Negative,
    /// Anger: angry words, ALL CAPS, or `!!!`.
    Anger,
    /// The customer asks for a human.
    Human,
    /// The customer says it is urgent.
    Urgent,
}

impl Signal {
    /// Every signal, in a stable order.
    pub const ALL: [Signal; 4] = [
        Signal::Negative,
        Signal::Anger,
        Signal::Human,
        Signal::Urgent,
    ];

    /// The name used in rules files.
    pub fn as_str(self) -> &'static str {
        match self {
            Signal::Negative => "negative",
            Signal::Anger => "anger",
            Signal::Human => "human",
            Signal::Urgent => "urgent",
        }
    }

    pub(crate) fn bit(self) -> u8 {
        1 << (self as u8)
    }

    /// The built-in words and phrases of this signal (keyword syntax: `word*` is a prefix).
    pub fn builtin_words(self) -> &'static [&'static str] {
        match self {
            Signal::Negative => NEGATIVE,
            Signal::Anger => ANGER,
            Signal::Human => HUMAN,
            Signal::Urgent => URGENT,
        }
    }
}

impl fmt::Display for Signal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Signal {
    type Err = UnknownSignal;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Signal::ALL
            .into_iter()
            .find(|x| x.as_str() == s.trim())
            .ok_or_else(|| UnknownSignal(s.to_string()))
    }
}

/// The set of signals present in a message, as a small bit set.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Signals(pub(crate) u8);

impl Signals {
    /// Whether `s` is present.
    pub fn has(self, s: Signal) -> bool {
        self.0 & s.bit() != 0
    }

    /// Whether every signal of `other` is present here.
    pub fn contains_all(self, other: Signals) -> bool {
        self.0 & other.0 == other.0
    }

    pub(crate) fn insert(&mut self, s: Signal) {
        self.0 |= s.bit();
    }

    pub(crate) fn remove(&mut self, s: Signal) {
        self.0 &= !s.bit();
    }

    /// The present signals, in [`Signal::ALL`] order.
    pub fn iter(self) -> impl Iterator<Item = Signal> {
        Signal::ALL.into_iter().filter(move |s| self.has(*s))
    }

    /// Whether no signal is present.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
}

impl FromIterator<Signal> for Signals {
    fn from_iter<I: IntoIterator<Item = Signal>>(iter: I) -> Self {
        let mut s = Signals::default();
        for x in iter {
            s.insert(x);
        }
        s
    }
}

impl Serialize for Signals {
    fn serialize<S: serde::Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
        ser.collect_seq(self.iter())
    }
}

const NEGATIVE: &[&str] = &[
    "terrible",
    "awful",
    "horrible",
    "horrendous",
    "worst",
    "bad service",
    "poor service",
    "disappointed",
    "disappointing",
    "disappointment",
    "unhappy",
    "not happy",
    "dissatisfied",
    "useless",
    "pathetic",
    "rubbish",
    "garbage",
    "trash",
    "joke",
    "nightmare",
    "frustrat*",
    "annoyed",
    "annoying",
    "upset",
    "unacceptable",
    "ridiculous",
    "disgusting",
    "disgrace*",
    "incompetent",
    "waste of time",
    "waste of money",
    "scam*",
    "rip off",
    "ripoff",
    "ripped off",
    "fed up",
    "sick of",
    "tired of",
    "never again",
    "complain*",
    "hate",
    "sucks",
    "broken promise*",
    "still waiting",
    "no one answers",
    "nobody answers",
    "no response",
    "shame",
    "shameful",
    "misleading",
    "lied",
    "lying",
    "liars",
    "cheated",
    "stolen",
    "😞",
    "😢",
    "😭",
    "👎",
    "😠",
    "😡",
    "🤬",
    // Chinese
    "差劲",
    "太差",
    "很差",
    "垃圾",
    "失望",
    "不满",
    "不满意",
    "糟糕",
    "烂",
    "坑人",
    "骗人",
    "骗子",
    "恶心",
    "投诉",
    "生气",
    "愤怒",
    "无语",
    "郁闷",
    "难用",
    "浪费时间",
    "再也不",
    "一直没有",
    "没人理",
    "没人回复",
    "上当",
    // Chinese complaint words of real reviews (food, delivery, goods, service): what the
    // customer says when it went wrong, not a topic.
    "难吃",
    "不好吃",
    "没法吃",
    "难喝",
    "不新鲜",
    "变质",
    "太慢",
    "慢死",
    "送错",
    "少送",
    "漏送",
    "没送到",
    "才送到",
    "再也不",
    "不会再",
    "以后不会",
    "还不如",
    "根本没",
    "根本不",
    "不值",
    "太贵",
    "假货",
    "差评",
    "不推荐",
    "不好用",
    "不能用",
    "质量不好",
    "质量差",
    "很一般",
    "一般",
    "不怎么样",
    "态度差",
    "态度不好",
    "服务差",
    "不理人",
    "没人管",
    "后悔",
    "浪费",
    "欺骗",
    "坑爹",
    "太少",
    "凉了",
    "抵制",
    "特别慢",
    "很慢",
    "好慢",
    "非常慢",
    "太丑",
    "太小",
    "太长",
    "才到",
    "怎么吃",
    "没给",
    "只给了",
    "没人接",
    "占线",
    "一点也不",
    "信不过",
    "看不下去",
    "不太喜欢",
    "不喜欢",
    "不方便",
    "不好吃了",
];

const ANGER: &[&str] = &[
    "angry",
    "furious",
    "outraged",
    "outrageous",
    "livid",
    "pissed",
    "wtf",
    "what the hell",
    "fed up",
    "sick of",
    "unacceptable",
    "ridiculous",
    "disgusting",
    "disgrace*",
    "scam*",
    "fraud",
    "sue you",
    "will sue",
    "lawyer",
    "legal action",
    "report you",
    "idiots",
    "stupid",
    "damn",
    "the hell",
    "😠",
    "😡",
    "🤬",
    // Chinese
    "愤怒",
    "气死",
    "生气",
    "火大",
    "太过分",
    "过分",
    "混蛋",
    "滚",
    "骗子",
    "妈的",
    "垃圾公司",
    "忍无可忍",
    "受够了",
];

const HUMAN: &[&str] = &[
    "talk to a person",
    "talk to a human",
    "talk to someone",
    "talk to somebody",
    "talk to a real",
    "talk to an agent",
    "talk to an operator",
    "talk to a representative",
    "talk to customer service",
    "talk to support",
    "speak to a person",
    "speak to a human",
    "speak to someone",
    "speak to somebody",
    "speak to a real",
    "speak to an agent",
    "speak with a person",
    "speak with a human",
    "speak with someone",
    "speak with an agent",
    "speak to a representative",
    "speak with a representative",
    "speak to an operator",
    "talk with a person",
    "talk with a human",
    "talk with someone",
    "talk with an agent",
    "chat with a person",
    "chat with a human",
    "chat with someone",
    "chat with an agent",
    "real person",
    "real human",
    "real agent",
    "real people",
    "human agent",
    "live agent",
    "live person",
    "live chat",
    "actual person",
    "actual human",
    "human being",
    "a human please",
    "human please",
    "agent please",
    "operator please",
    "representative please",
    "customer service representative",
    "customer support representative",
    "customer service agent",
    "contact a human",
    "contact an agent",
    "connect me to",
    "transfer me to",
    "not a bot",
    "not talking to a bot",
    "stop the bot",
    "no more bot",
    "no bot",
    // Chinese
    "人工客服",
    "转人工",
    "人工服务",
    "找人工",
    "要人工",
    "接人工",
    "真人",
    "真人客服",
    "客服人员",
    "找客服",
    "联系客服",
];

const URGENT: &[&str] = &[
    "urgent",
    "urgently",
    "urgency",
    "asap",
    "as soon as possible",
    "immediately",
    "right now",
    "right away",
    "emergency",
    "critical",
    "at once",
    "straight away",
    "time sensitive",
    "time-sensitive",
    "deadline",
    "today please",
    "need it today",
    "help now",
    // Chinese
    "紧急",
    "急",
    "马上",
    "立刻",
    "立即",
    "尽快",
    "赶紧",
    "十万火急",
    "火速",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signal_names_round_trip() {
        for s in Signal::ALL {
            assert_eq!(s.as_str().parse::<Signal>().unwrap(), s);
            assert!(!s.builtin_words().is_empty());
        }
        assert!(
            "angry"
                .parse::<Signal>()
                .unwrap_err()
                .to_string()
                .contains("use one of")
        );
    }

    #[test]
    fn signal_sets() {
        let s: Signals = [Signal::Anger, Signal::Human].into_iter().collect();
        assert!(s.has(Signal::Anger) && !s.has(Signal::Urgent));
        assert!(s.contains_all([Signal::Human].into_iter().collect()));
        assert!(!s.contains_all([Signal::Urgent].into_iter().collect()));
        assert_eq!(
            s.iter().collect::<Vec<_>>(),
            vec![Signal::Anger, Signal::Human]
        );
    }
}
