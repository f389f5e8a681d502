//! The churn-risk model and lifetime value, worked by hand.

use super::*;
use switchboard_domain::{PartyId, Platform};

#[test]
fn the_documented_examples_of_the_default_model() {
    let m = ChurnRisk::default();
    let calm = Features {
        tickets: 1,
        ..Features::default()
    };
    // z = -3 + 0.2 = -2.8: P = 1 / (1 + e^2.8) = 0.0573
    assert!((m.score(&calm) - 0.0573).abs() < 1e-3, "{}", m.score(&calm));
    let unhappy = Features {
        tickets: 4,
        reopens: 1,
        last_csat: Some(1),
        negative: 3,
        sla_breaches: 2,
        last_csat_at: None,
    };
    // z = -3 + 0.8 + 0.5 + 1.2 + 1.2 + 1.4 = 2.1: P = 0.8909
    assert!((m.score(&unhappy) - 0.8909).abs() < 1e-3);
    // A happy last answer lowers the risk.
    let happy = Features {
        last_csat: Some(5),
        ..calm.clone()
    };
    assert!(m.score(&happy) < m.score(&calm));
}

#[test]
fn clv_from_imported_attributes() {
    let mut c = Customer {
        id: PartyId::new(Platform::Telegram, "1"),
        display_name: "Ann".into(),
        username: None,
        language: None,
        first_seen: Timestamp(0),
        tier: None,
        blocked: false,
        tickets: vec![],
        attributes: Default::default(),
    };
    let cfg = ClvConfig {
        periods: 2,
        ..ClvConfig::default()
    };
    assert_eq!(cfg.value(&c), None, "no attributes, no value");
    c.attributes
        .insert("average_order_value".into(), "50".into());
    c.attributes.insert("purchase_frequency".into(), "2".into());
    c.attributes.insert("retention".into(), "80%".into());
    // sales 100 per period: 0.8·100/1.1 + 0.64·100/1.21 = 72.727 + 52.893 = 125.62
    let v = cfg.value(&c).unwrap();
    assert!((v - 125.6198).abs() < 1e-3, "{v}");
    // "1%" is one percent, not 100 %.
    c.attributes.insert("retention".into(), "1%".into());
    let v = cfg.value(&c).unwrap();
    assert!(
        (v - (0.01 * 100.0 / 1.1 + 0.0001 * 100.0 / 1.21)).abs() < 1e-9,
        "{v}"
    );
    c.attributes.insert("retention".into(), "0.8".into());
    assert!((cfg.value(&c).unwrap() - 125.6198).abs() < 1e-3, "a share");
    c.attributes.insert("retention".into(), "lots".into());
    assert_eq!(cfg.value(&c), None);
    assert!(ClvConfig::default().check().is_ok());
    assert!(
        ClvConfig {
            periods: 0,
            ..ClvConfig::default()
        }
        .check()
        .is_err()
    );
}
