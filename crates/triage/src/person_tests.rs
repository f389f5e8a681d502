//! Tests of the request-for-a-person detector on hand-written messages: requests worded
//! every which way, and look-alikes that are not requests.

use super::*;

/// Messages that ask for a person (our own wording, none from a public evaluation set).
const ASKS: &[&str] = &[
    "I need a human",
    "get me a human",
    "Can you get a human to assist me?",
    "need to chat with a representative",
    "Chat agent",
    "Customer care",
    "I want to talk to executive",
    "Can someone call me?",
    "Share contact number",
    "let me speak to someone",
    "is there a real person I can talk to",
    "connect me to an agent please",
    "transfer me to a live agent",
    "I'd like to speak with a supervisor",
    "can I talk to your manager",
    "put me through to customer service",
    "operator",
    "human please",
    "representative!",
    "I want to chat with a real person not a bot",
    "speak to human",
    "talk to agent",
    "agent please",
    "escalate this to a human",
    "I need to reach someone in support",
    "how do I contact a person",
    "I wanna talk to a real human being",
    "please have someone call me back",
    "call me back asap",
    "can you call me",
    "what is your phone number",
    "give me a phone number I can call",
    "I need your customer service number",
    "can I get a callback",
    "request a call back please",
    "I want a real person",
    "real person please",
    "human agent",
    "live agent",
    "speak with a representative please",
    "can I speak to someone about my order",
    "I need to speak to someone urgently",
    "could a person look at this please",
    "get me someone who can actually help",
    "I need help from a human",
    "pass me to a human",
    "talk to a human now",
    "let me talk to customer support",
    "how can I reach customer support by phone",
    "contact support team",
    "need a human asap!!",
    "hello?? human??",
    "转人工",
    "人工",
    "我要人工客服",
    "人工服务",
    "找真人",
    "能不能让真人来回答",
    "给我客服电话",
    "请让客服联系我",
    "打电话给我",
    "叫你们经理来",
    "我要找人工",
    "客服电话多少",
];

/// Ordinary messages and look-alikes that do not ask for a person.
const DOES_NOT_ASK: &[&str] = &[
    "are you a real person?",
    "is this a bot?",
    "am I talking to a bot",
    "are you human",
    "I booked through a travel agent",
    "my travel agent cancelled my flight",
    "the call failed",
    "my call dropped twice",
    "call me Chip",
    "human resources asked for my payslip",
    "it was a human error",
    "as a human being I expect better",
    "the agent was very helpful, thanks",
    "your customer service is terrible",
    "I called customer service yesterday and it was fixed",
    "I don't need a human, the bot is fine",
    "no need to call me",
    "how do I add a person to my account",
    "can I add another person as a user",
    "I want to send money to a person abroad",
    "I need to transfer money to someone",
    "how do I transfer funds to another person",
    "someone used my card without permission",
    "can someone else use my card",
    "I need to get my card",
    "how do I contact the seller",
    "the delivery person left the parcel outside",
    "your agent promised a refund last week",
    "thank you for connecting my account",
    "I want to change my phone number",
    "what is the phone number on my account",
    "my phone number is wrong in the profile",
    "call of duty won't launch",
    "the app calls the wrong api",
    "I got a missed call from you",
    "please do not call me again",
    "stop calling me",
    "I need a receipt",
    "I want a refund",
    "where is my parcel",
    "can I get a discount code",
    "support for apple pay?",
    "the estate agent needs proof of funds",
    "Is there a person limit on the account",
    "we are a team of 5 people",
    "the human verification captcha doesn't work",
    "人工智能很厉害",
    "人工费太贵了",
    "你是真人吗",
    "快递员态度很差",
    "客服态度很差",
    "客服回复很快，好评",
    "电话号码填错了",
];

fn detector() -> PersonDetector {
    PersonDetector::new(&PersonWords::default())
}

#[test]
fn every_request_worded_every_which_way_is_recognised() {
    let d = detector();
    let missed: Vec<&str> = ASKS
        .iter()
        .copied()
        .filter(|t| d.detect(&t.to_lowercase()).is_none())
        .collect();
    assert!(missed.is_empty(), "missed: {missed:?}");
}

#[test]
fn look_alikes_and_ordinary_messages_are_not_requests() {
    let d = detector();
    let fired: Vec<(&str, String)> = DOES_NOT_ASK
        .iter()
        .filter_map(|t| d.detect(&t.to_lowercase()).map(|why| (*t, why)))
        .collect();
    assert!(fired.is_empty(), "fired: {fired:?}");
}

#[test]
fn the_reason_names_the_words_that_asked() {
    let d = detector();
    assert_eq!(
        d.detect("i need to talk to an agent").as_deref(),
        Some("asked for a person: `talk` … `agent`")
    );
    assert_eq!(
        d.detect("customer care").as_deref(),
        Some("asked for a person: `customer care`")
    );
    assert!(d.detect("转人工").is_some_and(|w| w.contains("转人工")));
}

#[test]
fn one_typo_in_a_long_person_noun_still_counts() {
    let d = detector();
    for t in [
        "i need to speak with custmer support",
        "how to talk to a representitive",
        "can i contact customer sevrice",
    ] {
        assert!(d.detect(t).is_some(), "{t}");
    }
    // Only long words that are not one edit from a common word get the tolerance.
    assert!(d.detect("help my phone was stolen please advise").is_none());
    assert!(d.detect("i need my stuff back").is_none());
}

#[test]
fn a_rules_file_extends_and_restricts_the_detector() {
    let verbs = vec!["holler".to_string()];
    let nouns = vec!["concierge".to_string()];
    let not = vec!["talk to someone at the bank".to_string()];
    let d = PersonDetector::new(&PersonWords {
        verbs: &verbs,
        nouns: &nouns,
        not_person: &not,
    });
    assert!(d.detect("i want the concierge").is_some());
    assert!(d.detect("let me holler at someone").is_some());
    assert!(
        d.detect("i had to talk to someone at the bank about this")
            .is_none()
    );
    assert!(detector().detect("i want the concierge").is_none());
}

#[test]
fn a_question_about_the_bot_does_not_hide_a_request_beside_it() {
    let d = detector();
    assert!(d.detect("are you a real person?").is_none());
    assert!(
        d.detect("are you a real person? i want to talk to an agent")
            .is_some()
    );
    assert!(d.vetoed("are you a real person?"));
    assert!(d.vetoed("as a human being i expect better"));
    assert!(!d.vetoed("i want a refund"));
}

#[test]
fn a_long_chinese_review_that_tells_of_calling_is_not_a_request() {
    let d = detector();
    assert!(d.detect("给我打电话").is_some());
    assert!(
        d.detect("一个星期多才打电话给我说到了，真的很气人，衣服都没见到就给我签收了，直接不要了")
            .is_none()
    );
    assert!(
        d.detect("等了两个小时，转人工也没人理，太差了，以后再也不会在这家买了，差评差评")
            .is_some()
    );
}

#[test]
fn one_edit_is_damerau_distance_one() {
    assert!(one_edit("service", "sevrice"));
    assert!(one_edit("service", "servce"));
    assert!(one_edit("service", "servicee"));
    assert!(one_edit("service", "sarvice"));
    assert!(!one_edit("service", "svreice"));
    assert!(!one_edit("service", "serv"));
}

#[test]
fn words_squeeze_only_runs_of_three() {
    assert_eq!(
        words("I neeed a HUMAN!!! don't"),
        ["i", "ned", "a", "human", "dont"]
    );
    assert_eq!(words("need good"), ["need", "good"]);
}

#[test]
fn every_trigger_word_is_one_the_detector_reads() {
    let t = detector().triggers();
    for w in [
        "agent",
        "customer care",
        "phone number",
        "call me",
        "custmer service",
        "转人工",
    ] {
        assert!(t.iter().any(|x| x == w), "{w}");
    }
    // Common words alone do not wake the detector.
    for w in ["talk", "service", "phone", "number", "need"] {
        assert!(!t.iter().any(|x| x == w), "{w}");
    }
}
