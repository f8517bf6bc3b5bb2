//! The live event stream: authentication by first message, replay with `since` after a
//! disconnect (every missed event once, in order, then live), and role filtering.

use std::time::Duration;

use comanda_testkit::{EventStream, TestBox, staff_body};
use serde_json::Value;

fn seqs(events: &[Value]) -> Vec<u64> {
    events.iter().map(|e| e["seq"].as_u64().expect("seq")).collect()
}

#[tokio::test]
async fn a_client_that_reconnects_with_since_gets_every_missed_event_once_in_order() {
    let tb = TestBox::start().await.expect("box");
    let owner = tb.set_up().await;
    let c = tb.client().as_session(&owner);

    let mut stream = EventStream::connect(&tb.events_url(), &owner.access, None).await;
    let welcome = stream.next().await;
    assert_eq!(welcome["type"], "welcome");
    let start = welcome["last_seq"].as_u64().expect("last_seq");
    assert!(start >= 2, "setup and owner creation are logged");

    c.post("/api/v1/staff", staff_body("ana", "waiter", "1111")).await.expect_status(201);
    let live = stream.events(1).await;
    assert_eq!(live[0]["type"], "staff.created");
    assert_eq!(live[0]["data"]["username"], "ana");
    assert_eq!(live[0]["actor"], owner.staff_id.as_str());
    let seen = live[0]["seq"].as_u64().expect("seq");
    stream.close().await;

    // While the tablet is away: three more staff and a shift.
    for (name, pin) in [("ben", "2222"), ("cleo", "3333"), ("dan", "4444")] {
        c.post("/api/v1/staff", staff_body(name, "waiter", pin)).await.expect_status(201);
    }
    c.post_empty(&format!("/api/v1/staff/{}/clock-in", owner.staff_id), None).await.expect_status(201);

    let mut back = EventStream::connect(&tb.events_url(), &owner.access, Some(seen)).await;
    assert_eq!(back.next().await["type"], "welcome");
    let missed = back.events(4).await;
    assert_eq!(seqs(&missed), vec![seen + 1, seen + 2, seen + 3, seen + 4]);
    let types: Vec<&str> = missed.iter().map(|e| e["type"].as_str().unwrap_or_default()).collect();
    assert_eq!(types, ["staff.created", "staff.created", "staff.created", "staff.clocked_in"]);

    // Then live, with nothing repeated.
    c.post_empty(&format!("/api/v1/staff/{}/clock-out", owner.staff_id), None).await.expect_status(200);
    let next = back.events(1).await;
    assert_eq!(seqs(&next), vec![seen + 5]);
    assert_eq!(next[0]["type"], "staff.clocked_out");
    assert!(back.next_within(Duration::from_millis(300)).await.is_none(), "no doubles");
    tb.stop().await;
}

#[tokio::test]
async fn replay_and_live_overlap_without_gaps_or_doubles_under_concurrent_writes() {
    let tb = TestBox::start().await.expect("box");
    let owner = tb.set_up().await;
    let c = tb.client().as_session(&owner);
    let writer = {
        let c = c.clone();
        let owner_id = owner.staff_id.clone();
        tokio::spawn(async move {
            for _ in 0..30 {
                c.post_empty(&format!("/api/v1/staff/{owner_id}/clock-in"), None).await.expect_status(201);
                c.post_empty(&format!("/api/v1/staff/{owner_id}/clock-out"), None).await.expect_status(200);
            }
        })
    };
    // Connect mid-burst, replaying from the very start.
    tokio::time::sleep(Duration::from_millis(20)).await;
    let mut stream = EventStream::connect(&tb.events_url(), &owner.access, Some(0)).await;
    assert_eq!(stream.next().await["type"], "welcome");
    writer.await.expect("writes");
    let events = stream.events(2 + 60).await;
    assert_eq!(seqs(&events), (1..=62).collect::<Vec<u64>>());
    assert!(stream.next_within(Duration::from_millis(300)).await.is_none(), "no doubles");
    tb.stop().await;
}

#[tokio::test]
async fn the_kitchen_sees_no_staff_events() {
    let tb = TestBox::start().await.expect("box");
    let owner = tb.set_up().await;
    let c = tb.client().as_session(&owner);
    c.post("/api/v1/staff", staff_body("kai", "kitchen", "3333")).await.expect_status(201);
    let kai = tb.client().pin_login("kai", "3333").await;

    let mut kitchen = EventStream::connect(&tb.events_url(), &kai.access, Some(0)).await;
    let welcome = kitchen.next().await;
    assert_eq!((welcome["type"].as_str(), welcome["role"].as_str()), (Some("welcome"), Some("kitchen")));
    c.post("/api/v1/staff", staff_body("ana", "waiter", "1111")).await.expect_status(201);
    assert!(kitchen.next_within(Duration::from_millis(300)).await.is_none(), "staff events are not for the kitchen");

    let mut manager = EventStream::connect(&tb.events_url(), &owner.access, Some(0)).await;
    assert_eq!(manager.next().await["type"], "welcome");
    assert_eq!(manager.events(4).await.len(), 4, "the owner sees setup and all three staff events");
    tb.stop().await;
}

#[tokio::test]
async fn the_stream_demands_a_valid_token_first() {
    let tb = TestBox::start().await.expect("box");
    tb.set_up().await;

    // (first message, expected error code)
    let attempts = [
        (r#"{"type":"auth","token":"forged.token.here"}"#, "unauthenticated"),
        (r#"{"type":"subscribe"}"#, "bad_request"),
        ("hello", "bad_request"),
    ];
    for (first, code) in attempts {
        let mut ws = EventStream::connect_raw(&tb.events_url()).await;
        ws.send_text(first).await;
        let refusal = ws.next().await;
        assert_eq!((refusal["type"].as_str(), refusal["error"].as_str()), (Some("error"), None), "{first}");
        assert_eq!(refusal["code"], code, "{first}");
        assert!(ws.next_within(Duration::from_secs(2)).await.is_none(), "closed after refusing {first}");
    }

    // A plain HTTP GET (no upgrade) gets the JSON error shape too.
    let plain = tb.client().get("/api/v1/events").await;
    assert!((400..500).contains(&plain.status), "{}", plain.text);
    assert!(plain.error_code().is_some(), "{}", plain.text);
    tb.stop().await;
}
