//! Reservations and their messages, over the API on a box whose clock the test moves, with a
//! local SMTP sink and a local SMS gateway (an HTTP receiver) on 127.0.0.1: real protocols.
//!
//! Saturday 21 November 2026 in Paris (UTC+1). Tables: T1 seats 2, T2 seats 4, T3 seats 6.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use comanda_domain::ManualClock;
use comanda_testkit::{Client, OWNER_PASSWORD, OWNER_USERNAME, SmtpSink, TestBox};
use serde_json::{Value, json};
use time::macros::datetime;

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap_or_else(|| panic!("no id in {v}")).to_owned()
}

async fn owner(tb: &TestBox) -> Client {
    let c = tb.client();
    let s = c.login(OWNER_USERNAME, OWNER_PASSWORD).await;
    c.as_session(&s)
}

/// An SMS gateway on loopback: keeps every JSON body posted to it.
async fn sms_gateway() -> (String, Arc<Mutex<Vec<Value>>>) {
    let got = Arc::new(Mutex::new(Vec::new()));
    let keep = got.clone();
    let app = axum::Router::new().route(
        "/sms",
        axum::routing::post(move |axum::Json(body): axum::Json<Value>| {
            let keep = keep.clone();
            async move {
                keep.lock().expect("lock").push(body);
                axum::http::StatusCode::ACCEPTED
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}/sms", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, got)
}

async fn restaurant(clock: &ManualClock, smtp: &str, sms: Option<&str>) -> (TestBox, Vec<String>) {
    let (smtp, sms) = (smtp.to_owned(), sms.map(str::to_owned));
    let tb = TestBox::start_with_clock_configured(clock.clone(), move |c| {
        c.notifications.smtp_url = Some(smtp);
        c.notifications.mail_from = Some("Chez Test <bookings@chez-test.example>".into());
        c.notifications.sms_url = sms;
    })
    .await
    .expect("box");
    let setup = json!({
        "restaurant": {"name": "Chez Test", "currency": "EUR", "prices_include_tax": true, "timezone": "Europe/Paris"},
        "owner": {"name": "Olivia Owner", "username": OWNER_USERNAME, "password": OWNER_PASSWORD}
    });
    tb.client().post("/api/v1/setup", setup).await.expect_status(201);
    let o = owner(&tb).await;
    let area = id(&o.post("/api/v1/areas", json!({"name": "Room"})).await.expect_status(201).body);
    let mut tables = Vec::new();
    for (name, seats) in [("T1", 2), ("T2", 4), ("T3", 6)] {
        let body = json!({"name": name, "area_id": area, "seats": seats});
        tables.push(id(&o.post("/api/v1/tables", body).await.expect_status(201).body));
    }
    (tb, tables)
}

fn free_at(slots: &Value, time: &str) -> Vec<String> {
    let slot = slots
        .as_array()
        .expect("slots")
        .iter()
        .find(|s| s["time"] == time)
        .unwrap_or_else(|| panic!("{time} in {slots}"));
    slot["tables"].as_array().expect("tables").iter().map(|t| t["name"].as_str().expect("name").to_owned()).collect()
}

#[tokio::test]
async fn an_evening_of_bookings_from_confirmation_to_no_show() {
    let clock = ManualClock::starting_at(datetime!(2026-11-21 10:00 UTC));
    let smtp = SmtpSink::start().await;
    let (sms_url, sms) = sms_gateway().await;
    let (tb, tables) = restaurant(&clock, &smtp.url(), Some(&sms_url)).await;
    let o = owner(&tb).await;

    // At 20:00, a party of 4 can sit at T2 or T3 (T1 seats 2).
    let slots = o.get("/api/v1/reservations/availability?date=2026-11-21&party_size=4").await.expect_status(200).body;
    assert_eq!(free_at(&slots, "20:00"), ["T2", "T3"]);

    // Anna books for 4 at 20:00: the smallest table that fits, T2, until 22:00.
    let anna = json!({"name": "Anna Dupont", "phone": "+33 6 12 34 56 78", "email": "anna@example.com",
        "party_size": 4, "starts_at": "2026-11-21T20:00", "notes": "window if possible"});
    let anna = o.post("/api/v1/reservations", anna).await.expect_status(201).body;
    assert_eq!((anna["table_name"].as_str(), anna["status"].as_str()), (Some("T2"), Some("booked")), "{anna}");
    assert_eq!(anna["ends_at"], "2026-11-21T21:00:00Z");

    // T2 cannot be booked again over her evening: the answer says by whom.
    let clash = json!({"name": "Bruno", "party_size": 2, "starts_at": "2026-11-21T21:30", "table_id": tables[1]});
    let refused = o.post("/api/v1/reservations", clash).await;
    assert_eq!(refused.status, 409, "{}", refused.text);
    assert!(refused.text.contains("T2 is booked 20:00–22:00 (Anna Dupont)"), "{}", refused.text);
    // A table too small is refused too; bad input is 4xx.
    let small = json!({"name": "Cleo", "party_size": 4, "starts_at": "2026-11-21T19:00", "table_id": tables[0]});
    assert_eq!(o.post("/api/v1/reservations", small).await.status, 422);
    for bad in [
        json!({"name": "", "party_size": 2, "starts_at": "2026-11-21T19:00"}),
        json!({"name": "X", "party_size": 2, "starts_at": "2026-11-20T19:00"}),
        json!({"name": "X", "party_size": 2, "starts_at": "2026-11-21T19:00", "email": "not-an-email"}),
        json!({"name": "X", "party_size": 2}),
    ] {
        let reply = o.post("/api/v1/reservations", bad.clone()).await;
        assert!(matches!(reply.status, 400 | 422), "{bad}: {}", reply.status);
    }

    // Anna's party cannot grow to 7 tonight: no table seats them.
    let too_many = o.patch(&format!("/api/v1/reservations/{}", id(&anna)), json!({"party_size": 7})).await;
    assert_eq!(too_many.status, 409, "{}", too_many.text);
    assert!(too_many.text.contains("no table is free for 7"), "{}", too_many.text);

    // Bruno books for 5 at 20:30 without a table: T3. Then nothing is free for 4 at 20:00.
    let bruno = json!({"name": "Bruno Martin", "email": "bruno@example.com", "party_size": 5,
        "starts_at": "2026-11-21T20:30", "locale": "fr"});
    let bruno = o.post("/api/v1/reservations", bruno).await.expect_status(201).body;
    assert_eq!(bruno["table_name"], "T3");
    let slots = o.get("/api/v1/reservations/availability?date=2026-11-21&party_size=4").await.expect_status(200).body;
    assert!(free_at(&slots, "20:00").is_empty());
    assert_eq!(free_at(&slots, "22:00"), ["T2"], "T2 is free again after Anna's two hours; T3 is Bruno's until 22:30");

    // A third booking, cancelled: its guest hears of it.
    let cleo = json!({"name": "Cleo", "email": "cleo@example.com", "party_size": 2, "starts_at": "2026-11-21T19:00"});
    let cleo = o.post("/api/v1/reservations", cleo).await.expect_status(201).body;
    o.post(&format!("/api/v1/reservations/{}/cancel", id(&cleo)), json!({})).await.expect_status(200);
    o.post(&format!("/api/v1/reservations/{}/cancel", id(&cleo)), json!({})).await.expect_status(409);

    // Anna's confirmation reached the SMTP sink with the right details, and her phone the SMS.
    let mails = smtp.wait_for(4, Duration::from_secs(15)).await;
    let to_anna: Vec<_> = mails.iter().filter(|m| m.to == ["anna@example.com"]).collect();
    assert_eq!(to_anna.len(), 1, "{mails:#?}");
    let mail = to_anna[0];
    assert_eq!(mail.header("Subject").as_deref(), Some("Your table at Chez Test: Saturday 21 November 2026 at 20:00"));
    assert_eq!(mail.from, "bookings@chez-test.example");
    assert!(
        mail.body().contains("Hello Anna Dupont") && mail.body().contains("Your table for 4 at Chez Test"),
        "{}",
        mail.data
    );
    assert!(mail.header("Message-ID").is_some_and(|id| id.ends_with("@comanda>")));
    assert!(mails.iter().any(|m| m.to == ["bruno@example.com"]), "Bruno's confirmation (in French)");
    let cleo_mails: Vec<_> = mails.iter().filter(|m| m.to == ["cleo@example.com"]).collect();
    assert_eq!(cleo_mails.len(), 2, "confirmed, then cancelled");
    assert!(cleo_mails.iter().any(|m| m.header("Subject").is_some_and(|s| s.contains("cancelled"))));
    let texts = sms.lock().expect("lock").clone();
    assert!(
        texts.iter().any(|t| t["to"] == "+33 6 12 34 56 78" && t["text"].as_str().is_some_and(|x| x.contains("20:00"))),
        "{texts:?}"
    );

    // 17:00: reminders go out three hours before (Anna's by SMS, she gave a phone; Bruno's by
    // email); Cleo's was withdrawn with her booking.
    clock.set(datetime!(2026-11-21 16:00 UTC));
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while sms.lock().expect("lock").len() < 2 && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(sms.lock().expect("lock").iter().any(|t| t["template"] == "reservation_reminder"), "Anna's reminder");
    clock.set(datetime!(2026-11-21 16:40 UTC));
    let mails = smtp.wait_for(5, Duration::from_secs(20)).await;
    assert_eq!(mails.iter().filter(|m| m.to == ["bruno@example.com"]).count(), 2, "Bruno's confirmation and reminder");
    assert_eq!(mails.iter().filter(|m| m.to == ["cleo@example.com"]).count(), 2, "no reminder for a cancelled booking");

    // 20:00: Anna arrives; seating her opens the order on T2 for 4.
    clock.set(datetime!(2026-11-21 19:00 UTC));
    let o = owner(&tb).await;
    let seated = o.post(&format!("/api/v1/reservations/{}/seat", id(&anna)), json!({})).await.expect_status(200).body;
    assert_eq!(seated["status"], "seated");
    let order =
        o.get(&format!("/api/v1/orders/{}", seated["order_id"].as_str().expect("order"))).await.expect_status(200).body;
    assert_eq!((order["table_id"].as_str(), order["guests"].as_i64()), (Some(tables[1].as_str()), Some(4)));
    o.post(&format!("/api/v1/reservations/{}/seat", id(&anna)), json!({})).await.expect_status(409);

    // Bruno is not here yet: too early for a no-show; at 20:45 he is one.
    o.post(&format!("/api/v1/reservations/{}/no-show", id(&bruno)), json!({})).await.expect_status(409);
    clock.set(datetime!(2026-11-21 19:45 UTC));
    let o = owner(&tb).await;
    let gone = o.post(&format!("/api/v1/reservations/{}/no-show", id(&bruno)), json!({})).await.expect_status(200).body;
    assert_eq!(gone["status"], "no_show");

    // The day's book, every status, by time.
    let book = o.get("/api/v1/reservations?date=2026-11-21").await.expect_status(200).body;
    let statuses: Vec<(&str, &str)> = book
        .as_array()
        .expect("book")
        .iter()
        .map(|r| (r["name"].as_str().unwrap_or(""), r["status"].as_str().unwrap_or("")))
        .collect();
    assert_eq!(statuses, [("Cleo", "cancelled"), ("Anna Dupont", "seated"), ("Bruno Martin", "no_show")]);

    // A walk-in for 2 sits at once (T1 is free); one for 4 waits (T2 has Anna, T3 is free again
    // now that Bruno did not come: no wait either); one for 12 cannot be seated tonight.
    let walk = |name: &str, party: u32| json!({"name": name, "party_size": party});
    let two = o.post("/api/v1/waitlist", walk("Duo", 2)).await.expect_status(201).body;
    assert_eq!(two["quoted_minutes"], 0);
    let four = o.post("/api/v1/waitlist", walk("Quatre", 4)).await.expect_status(201).body;
    assert_eq!(four["quoted_minutes"], 0, "{four}");
    assert_eq!(o.post("/api/v1/waitlist", walk("Douze", 12)).await.status, 409);
    o.patch(&format!("/api/v1/waitlist/{}", id(&two)), json!({"status": "seated"})).await.expect_status(200);
    let waiting = o.get("/api/v1/waitlist").await.expect_status(200).body;
    assert_eq!(waiting.as_array().map(Vec::len), Some(1));

    // A booking that changes is confirmed again; a bigger party moves to a table that seats it.
    let later = json!({"name": "Dora", "email": "dora@example.com", "party_size": 2, "starts_at": "2026-11-21T22:00"});
    let dora = o.post("/api/v1/reservations", later).await.expect_status(201).body;
    let changed = o
        .patch(
            &format!("/api/v1/reservations/{}", id(&dora)),
            json!({"starts_at": "2026-11-21T22:30", "party_size": 3}),
        )
        .await
        .expect_status(200)
        .body;
    assert_eq!(
        (changed["party_size"].as_i64(), changed["starts_at"].as_str()),
        (Some(3), Some("2026-11-21T21:30:00Z"))
    );
    let dora_mails = smtp.wait_for(7, Duration::from_secs(15)).await;
    let dora_mails: Vec<_> = dora_mails.iter().filter(|m| m.to == ["dora@example.com"]).collect();
    assert_eq!(dora_mails.len(), 2, "booked, then changed");
    assert!(
        dora_mails
            .iter()
            .any(|m| m.header("Subject").is_some_and(|s| s.contains("has changed") && s.contains("22:30")))
    );

    // An item sold out: the managers hear of it in the app (the outbox shows it delivered).
    let kitchen = id(&o.post("/api/v1/kitchen/stations", json!({"name": "Kitchen"})).await.expect_status(201).body);
    let mains =
        id(&o.post("/api/v1/menu/categories", json!({"name": "Mains", "position": 1})).await.expect_status(201).body);
    let item = json!({"name": "Bouillabaisse", "category_id": mains, "price": 3200, "tax_rate_bp": 1000, "station_id": kitchen});
    let item = id(&o.post("/api/v1/menu/items", item).await.expect_status(201).body);
    o.patch(&format!("/api/v1/menu/items/{item}"), json!({"available": false})).await.expect_status(200);
    let mut alert = Value::Null;
    for _ in 0..100 {
        let sent = o.get("/api/v1/notifications?status=sent").await.expect_status(200).body;
        if let Some(found) = sent.as_array().and_then(|a| a.iter().find(|m| m["template"] == "sold_out")) {
            alert = found.clone();
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        (alert["channel"].as_str(), alert["recipient"].as_str()),
        (Some("in_app"), Some("role:manager")),
        "{alert}"
    );
    assert!(alert["subject"].as_str().is_some_and(|s| s.contains("Bouillabaisse")));

    // The kitchen has no business here.
    o.post("/api/v1/staff", comanda_testkit::staff_body("kai", "kitchen", "3333")).await.expect_status(201);
    let kai = tb.client().as_session(&tb.client().pin_login("kai", "3333").await);
    kai.get("/api/v1/reservations?date=2026-11-21").await.expect_status(403);
    tb.stop().await;
}

#[tokio::test]
async fn messages_wait_out_a_mail_server_outage_and_a_restart_and_arrive_once() {
    let clock = ManualClock::starting_at(datetime!(2026-11-21 10:00 UTC));
    // The mail server's address is known, but it is down.
    let reserved = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = reserved.local_addr().expect("addr");
    drop(reserved);
    let (mut tb, _) = restaurant(&clock, &format!("smtp://{addr}"), None).await;
    let o = owner(&tb).await;
    for (name, at) in [("Anna", "2026-11-21T20:00"), ("Bruno", "2026-11-21T20:15"), ("Cleo", "2026-11-21T12:30")] {
        let body = json!({"name": name, "email": format!("{}@example.com", name.to_lowercase()), "party_size": 2, "starts_at": at});
        o.post("/api/v1/reservations", body).await.expect_status(201);
    }
    // The confirmations are tried, fail, and say why.
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    let failing = loop {
        let outbox = o.get("/api/v1/notifications?status=pending").await.expect_status(200).body;
        let tried: Vec<Value> =
            outbox.as_array().expect("outbox").iter().filter(|m| m["attempts"].as_u64() >= Some(1)).cloned().collect();
        if tried.len() >= 3 {
            break tried;
        }
        assert!(std::time::Instant::now() < deadline, "never tried: {outbox}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(failing.iter().all(|m| m["last_error"].as_str().is_some_and(|e| e.contains("mail server"))), "{failing:?}");

    // The box restarts; the server is still down for a while, then comes back.
    tb.restart().await.expect("restart");
    clock.set(datetime!(2026-11-21 10:10 UTC));
    tokio::time::sleep(Duration::from_millis(500)).await;
    let smtp = SmtpSink::start_on(addr).await;
    // The retries are due (the clock has passed them): each confirmation arrives, once.
    clock.set(datetime!(2026-11-21 10:30 UTC));
    let mails = smtp.wait_for(3, Duration::from_secs(20)).await;
    tokio::time::sleep(Duration::from_secs(6)).await; // a few more delivery rounds: nothing more
    let mails = smtp.mails().len().max(mails.len());
    assert_eq!(mails, 3, "{:#?}", smtp.mails());
    let mut to: Vec<String> = smtp.mails().iter().flat_map(|m| m.to.clone()).collect();
    to.sort();
    assert_eq!(to, ["anna@example.com", "bruno@example.com", "cleo@example.com"]);
    let o = owner(&tb).await;
    let sent = o.get("/api/v1/notifications?status=sent").await.expect_status(200).body;
    assert_eq!(sent.as_array().map(Vec::len), Some(3), "{sent}");
    // A restart once more sends nothing twice.
    tb.restart().await.expect("restart");
    tokio::time::sleep(Duration::from_secs(6)).await;
    assert_eq!(smtp.mails().len(), 3);
    tb.stop().await;
}
