//! Properties of what channels write outside commits: ticket links and their own state.

use switchboard_domain::TicketId;

use crate::Store;

/// References a channel records while delivering are found like a transition's.
pub fn links_written_outside_commits_are_found(store: &dyn Store) {
    store
        .link(&[
            ("telegram:topic:-100:7".into(), TicketId(3)),
            ("telegram:msg:-100:42".into(), TicketId(3)),
        ])
        .unwrap();
    assert_eq!(
        store.linked_ticket("telegram:topic:-100:7").unwrap(),
        Some(TicketId(3))
    );
    assert_eq!(
        store.linked_ticket("telegram:msg:-100:42").unwrap(),
        Some(TicketId(3))
    );
    store
        .link(&[("telegram:topic:-100:7".into(), TicketId(4))])
        .unwrap();
    assert_eq!(
        store.linked_ticket("telegram:topic:-100:7").unwrap(),
        Some(TicketId(4))
    );
    assert_eq!(store.linked_ticket("telegram:topic:-100:8").unwrap(), None);
}

/// A channel's state is kept by key, replaced, and removed.
pub fn channel_state_is_set_replaced_and_removed(store: &dyn Store) {
    assert_eq!(store.channel_state("telegram:topic:5").unwrap(), None);
    store
        .set_channel_state("telegram:topic:5", Some("17|T-5 · billing · high"))
        .unwrap();
    store
        .set_channel_state("telegram:topic:6", Some("18|T-6"))
        .unwrap();
    assert_eq!(
        store.channel_state("telegram:topic:5").unwrap().as_deref(),
        Some("17|T-5 · billing · high")
    );
    store
        .set_channel_state("telegram:topic:5", Some("19|T-5 · billing · urgent"))
        .unwrap();
    assert_eq!(
        store.channel_state("telegram:topic:5").unwrap().as_deref(),
        Some("19|T-5 · billing · urgent")
    );
    store.set_channel_state("telegram:topic:5", None).unwrap();
    assert_eq!(store.channel_state("telegram:topic:5").unwrap(), None);
    assert_eq!(
        store.channel_state("telegram:topic:6").unwrap().as_deref(),
        Some("18|T-6")
    );
}

/// Channel states are listed by key prefix, in key order, and only those under it.
pub fn channel_states_list_by_prefix_in_key_order(store: &dyn Store) {
    for (k, v) in [
        ("discord:dm:30", "300"),
        ("discord:dm:10", "100"),
        ("discord:dmx", "not a DM"),
        ("discord:last:10", "101"),
        ("discord:d", "before"),
    ] {
        store.set_channel_state(k, Some(v)).unwrap();
    }
    let pairs = |prefix: &str| -> Vec<(String, String)> { store.channel_states(prefix).unwrap() };
    assert_eq!(
        pairs("discord:dm:"),
        vec![
            ("discord:dm:10".to_string(), "100".to_string()),
            ("discord:dm:30".to_string(), "300".to_string()),
        ]
    );
    store.set_channel_state("discord:dm:30", None).unwrap();
    assert_eq!(pairs("discord:dm:").len(), 1);
    assert!(pairs("telegram:").is_empty());
    assert_eq!(pairs("discord:").len(), 4);
}
