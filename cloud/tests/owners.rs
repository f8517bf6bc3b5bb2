//! The owner's side of the cloud, on real PostgreSQL: login (wrong passwords throttled, refresh
//! tokens rotate and a reused one ends the session, logout), sites and one-time pairing codes,
//! tenancy (another organisation's sites do not exist for you), and the sales report built from
//! events that arrived out of order.

mod support;

use comanda_cloud::admin;
use comanda_sync_wire::{EventBatch, WireEvent, events_path};
use serde_json::{Value, json};
use uuid::Uuid;

struct Http {
    http: reqwest::Client,
    base: String,
}

impl Http {
    async fn call(&self, method: &str, path: &str, token: Option<&str>, body: Option<Value>) -> (u16, Value) {
        let mut req = self.http.request(method.parse().expect("method"), format!("{}{path}", self.base));
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        if let Some(body) = body {
            req = req.json(&body);
        }
        let r = req.send().await.expect("cloud answers");
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    async fn login(&self, username: &str, password: &str) -> (u16, Value) {
        self.call("POST", "/api/v1/auth/login", None, Some(json!({"username": username, "password": password}))).await
    }
}

async fn setup() -> (support::Postgres, Http, comanda_cloud::Cloud) {
    let pg = support::Postgres::start();
    let (base, cloud) = support::cloud(&pg).await;
    admin::create_org(&cloud.pool, "Bistros", "olivia", "a long password").await.expect("org");
    admin::create_org(&cloud.pool, "Other", "oscar", "another long password").await.expect("org");
    (pg, Http { http: reqwest::Client::new(), base }, cloud)
}

fn token(body: &Value, field: &str) -> String {
    body[field].as_str().unwrap_or_else(|| panic!("no {field} in {body}")).to_owned()
}

#[tokio::test]
async fn logins_are_throttled_refresh_tokens_rotate_and_logout_ends_the_session() {
    let (_pg, http, _cloud) = setup().await;
    // Unknown users and wrong passwords look the same.
    for (user, password) in [("nobody", "a long password"), ("olivia", "wrong password")] {
        let (status, body) = http.login(user, password).await;
        assert_eq!((status, body["error"]["code"].as_str()), (401, Some("unauthenticated")), "{user}");
    }
    let (status, session) = http.login("olivia", "a long password").await;
    assert_eq!(status, 200, "{session}");
    assert_eq!(
        (session["token_type"].as_str(), session["owner"]["org_name"].as_str()),
        (Some("Bearer"), Some("Bistros"))
    );
    let access = token(&session, "access_token");
    assert_eq!(http.call("GET", "/api/v1/sites", Some(&access), None).await.0, 200);
    assert_eq!(http.call("GET", "/api/v1/sites", Some("not-a-token"), None).await.0, 401);
    assert_eq!(http.call("GET", "/api/v1/sites", None, None).await.0, 401);

    // Refresh: a new pair; the spent refresh token, shown again, ends the whole family.
    let refresh = token(&session, "refresh_token");
    let (status, next) = http.call("POST", "/api/v1/auth/refresh", None, Some(json!({"refresh_token": refresh}))).await;
    assert_eq!(status, 200, "{next}");
    let (status, _) = http.call("POST", "/api/v1/auth/refresh", None, Some(json!({"refresh_token": refresh}))).await;
    assert_eq!(status, 401);
    let next_access = token(&next, "access_token");
    assert_eq!(http.call("GET", "/api/v1/sites", Some(&next_access), None).await.0, 401, "the family is revoked");

    // Logout ends the session at once.
    let (_, third) = http.login("olivia", "a long password").await;
    let third_access = token(&third, "access_token");
    assert_eq!(http.call("POST", "/api/v1/auth/logout", Some(&third_access), None).await.0, 204);
    assert_eq!(http.call("GET", "/api/v1/sites", Some(&third_access), None).await.0, 401);

    // Five wrong passwords (one above, four here) and even the right one waits.
    for _ in 0..4 {
        assert_eq!(http.login("olivia", "wrong password").await.0, 401);
    }
    let (status, body) = http.login("olivia", "a long password").await;
    assert_eq!((status, body["error"]["code"].as_str()), (429, Some("rate_limited")), "{body}");
    // Another owner is not locked out by it.
    assert_eq!(http.login("oscar", "another long password").await.0, 200);
    // Bad input is a 4xx, never a 5xx.
    for body in [json!({"username": "olivia"}), json!({"username": "x".repeat(300), "password": "y"}), json!([])] {
        let (status, _) = http.call("POST", "/api/v1/auth/login", None, Some(body.clone())).await;
        assert!((400..500).contains(&status), "{body}: {status}");
    }
}

#[tokio::test]
async fn pairing_codes_work_once_and_only_for_the_owners_own_sites() {
    let (_pg, http, cloud) = setup().await;
    let olivia = token(&http.login("olivia", "a long password").await.1, "access_token");
    let oscar = token(&http.login("oscar", "another long password").await.1, "access_token");

    let (status, site) = http.call("POST", "/api/v1/sites", Some(&olivia), Some(json!({"name": "Rue Haute"}))).await;
    assert_eq!(status, 201, "{site}");
    let site_id = token(&site, "site_id");
    // Names: unique per organisation, not empty, not huge.
    for (name, status) in [("Rue Haute", 409), ("  ", 422), (&*"x".repeat(101), 422)] {
        assert_eq!(http.call("POST", "/api/v1/sites", Some(&olivia), Some(json!({"name": name}))).await.0, status);
    }
    // Oscar's organisation may have a site of the same name; he does not see Olivia's.
    assert_eq!(http.call("POST", "/api/v1/sites", Some(&oscar), Some(json!({"name": "Rue Haute"}))).await.0, 201);
    let (_, listed) = http.call("GET", "/api/v1/sites", Some(&oscar), None).await;
    assert_eq!(listed.as_array().map(Vec::len), Some(1));
    let code_path = format!("/api/v1/sites/{site_id}/pairing-code");
    assert_eq!(http.call("POST", &code_path, Some(&oscar), None).await.0, 404);
    assert_eq!(http.call("POST", "/api/v1/sites/not-a-uuid/pairing-code", Some(&olivia), None).await.0, 404);

    // The box trades the code (typed loosely) for a token that writes the site's events.
    let code = token(&site, "pairing_code").to_lowercase().replace('-', " ");
    let (status, paired) = http.call("POST", "/api/v1/pair", None, Some(json!({"code": code}))).await;
    assert_eq!((status, paired["site_id"].as_str()), (200, Some(site_id.as_str())), "{paired}");
    let site_token = token(&paired, "token");
    let site_uuid: Uuid = site_id.parse().expect("uuid");
    let batch = EventBatch::new(site_uuid, vec![wire(1, "order.sent", json!({}))]);
    let (status, ack) = http.call("POST", &events_path(site_uuid), Some(&site_token), Some(json!(batch))).await;
    assert_eq!((status, ack["acked_seq"].as_u64()), (200, Some(1)), "{ack}");
    // Used once; a fresh code replaces the token (the old one stops working).
    assert_eq!(http.call("POST", "/api/v1/pair", None, Some(json!({"code": code}))).await.0, 401);
    let (_, fresh) = http.call("POST", &code_path, Some(&olivia), None).await;
    let (status, _) =
        http.call("POST", "/api/v1/pair", None, Some(json!({"code": token(&fresh, "pairing_code")}))).await;
    assert_eq!(status, 200);
    assert_eq!(http.call("POST", &events_path(site_uuid), Some(&site_token), Some(json!(batch))).await.0, 401);

    // An expired code does not work.
    let (_, late) = http.call("POST", &code_path, Some(&olivia), None).await;
    let client = cloud.pool.get().await.expect("connection");
    client.execute("UPDATE pairing_codes SET expires_at = now() - interval '1 second'", &[]).await.expect("expire");
    let (status, _) =
        http.call("POST", "/api/v1/pair", None, Some(json!({"code": token(&late, "pairing_code")}))).await;
    assert_eq!(status, 401);
    // Guessing is throttled: 30 wrong codes and the door closes for a while.
    for _ in 0..29 {
        http.call("POST", "/api/v1/pair", None, Some(json!({"code": "AAAAA-AAAAA"}))).await;
    }
    let (status, body) = http.call("POST", "/api/v1/pair", None, Some(json!({"code": "AAAAA-AAAAA"}))).await;
    assert_eq!((status, body["error"]["code"].as_str()), (429, Some("rate_limited")), "{body}");
}

fn wire(seq: u64, event_type: &str, data: Value) -> WireEvent {
    WireEvent {
        id: Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0000 + u128::from(seq)),
        seq,
        event_type: event_type.into(),
        at: "2026-11-21T21:30:00Z".into(),
        actor: "system".into(),
        data,
    }
}

/// A small night in Lisbon (UTC+0 in winter, so local = UTC): orders A (2 guests) and B
/// (1 guest, merged into A), one bill of 30.00 (1.70 of it tax at 6 %) paid by card with a
/// 1.50 tip, and a 5.00 refund.
fn night() -> Vec<WireEvent> {
    let (a, b, bill, pay) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
    let (waiter, table, item) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
    let opened = |order: Uuid, guests: u32| json!({"order_id": order, "number": 1, "table_id": table, "table_name": "T1", "guests": guests, "waiter_id": waiter});
    vec![
        wire(
            1,
            "site.setup_completed",
            json!({"restaurant_name": "Tasca", "currency": "EUR", "prices_include_tax": true, "timezone": "Europe/Lisbon"}),
        ),
        wire(2, "order.opened", opened(a, 2)),
        wire(3, "order.opened", opened(b, 1)),
        wire(4, "order.moved", json!({"order_id": b, "from_table_id": table, "to_table_id": table, "merged_into": a})),
        wire(
            5,
            "bill.paid",
            json!({"bill_id": bill, "order_id": a, "table_id": table, "waiter_id": waiter,
            "prices_include_tax": true, "subtotal": 3000, "discount_total": 0, "service_charge": 0,
            "taxes": [{"rate_bp": 600, "base": 3000, "tax": 170}], "total": 3000, "tips": 150,
            "lines": [{"item_id": item, "name": "Bacalhau", "category_name": "Mains", "quantity": 2,
                       "amount": 3000, "tax_rate_bp": 600, "cost": null}]}),
        ),
        wire(
            6,
            "payment.taken",
            json!({"payment_id": pay, "bill_id": bill, "order_id": a, "method": "card",
            "amount": 3000, "tip": 150, "tendered": null, "change": 0, "cash_session_id": null}),
        ),
        wire(
            7,
            "payment.refunded",
            json!({"refund_id": Uuid::now_v7(), "payment_id": pay, "bill_id": bill,
            "method": "card", "amount": 500, "reason": "cold", "approved_by": waiter, "cash_session_id": null}),
        ),
    ]
}

#[tokio::test]
async fn a_night_sent_backwards_and_twice_reports_as_if_sent_once_in_order() {
    let (_pg, http, _cloud) = setup().await;
    let olivia = token(&http.login("olivia", "a long password").await.1, "access_token");
    let (_, site) = http.call("POST", "/api/v1/sites", Some(&olivia), Some(json!({"name": "Tasca"}))).await;
    let (_, paired) =
        http.call("POST", "/api/v1/pair", None, Some(json!({"code": token(&site, "pairing_code")}))).await;
    let (site_id, site_token): (Uuid, String) =
        (token(&site, "site_id").parse().expect("uuid"), token(&paired, "token"));
    let events = night();
    let send = |range: std::ops::Range<usize>| {
        let batch = EventBatch::new(site_id, events[range].to_vec());
        let (http, path, token) = (&http, events_path(site_id), site_token.clone());
        async move { http.call("POST", &path, Some(&token), Some(json!(batch))).await }
    };
    // The merge and the bill arrive before the orders they are about; nothing is acked yet.
    assert_eq!(send(3..7).await.1["acked_seq"], 0);
    assert_eq!(send(1..3).await.1["acked_seq"], 0);
    assert_eq!(send(0..1).await.1["acked_seq"], 7);
    assert_eq!(send(0..7).await.1["ingested"], 0);

    let path = format!("/api/v1/reports/sales?from=2026-11-21&to=2026-11-21&site_id={site_id}");
    let (status, report) = http.call("GET", &path, Some(&olivia), None).await;
    assert_eq!(status, 200, "{report}");
    let got: Vec<(&str, Value)> =
        ["timezone", "currency", "orders", "covers", "gross", "tax", "net", "tips", "refunds"]
            .iter()
            .map(|k| (*k, report[*k].clone()))
            .collect();
    let want: Vec<(&str, Value)> = vec![
        ("timezone", json!("Europe/Lisbon")),
        ("currency", json!("EUR")),
        ("orders", json!(1)),
        ("covers", json!(3)), // B's guest came over with the merge, counted once.
        ("gross", json!(3000)),
        ("tax", json!(170)),
        ("net", json!(2830)),
        ("tips", json!(150)),
        ("refunds", json!(500)),
    ];
    assert_eq!(got, want);
    assert_eq!(report["by_day"], json!([{"date": "2026-11-21", "bills": 1, "gross": 3000, "net": 2830}]));

    // The organisation's view; bad ranges are the box's 4xx; strangers see nothing.
    let (_, org) = http.call("GET", "/api/v1/reports/sales?from=2026-11-21&to=2026-11-21", Some(&olivia), None).await;
    assert_eq!(
        (org["totals"][0]["gross"].as_i64(), org["totals"][0]["sites"].as_i64()),
        (Some(3000), Some(1)),
        "{org}"
    );
    for (query, status) in [("from=21/11/2026", 400), ("from=2026-11-22&to=2026-11-21", 422), ("site_id=nope", 404)] {
        assert_eq!(
            http.call("GET", &format!("/api/v1/reports/sales?{query}"), Some(&olivia), None).await.0,
            status,
            "{query}"
        );
    }
    assert_eq!(http.call("GET", &path, None, None).await.0, 401);
    let oscar = token(&http.login("oscar", "another long password").await.1, "access_token");
    assert_eq!(http.call("GET", &path, Some(&oscar), None).await.0, 404);
}
