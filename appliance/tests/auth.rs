//! The staff and auth acceptance story of issue 3, over HTTP against a whole box: setup,
//! logins, roles, rate limits, refresh rotation, logout, password changes, shifts, and
//! idempotent retries.

use comanda_testkit::{OWNER_PASSWORD, OWNER_USERNAME, Raw, TestBox, staff_body};
use serde_json::json;

#[tokio::test]
async fn setup_then_owner_adds_a_waiter_who_logs_in_with_a_pin() {
    let tb = TestBox::start().await.expect("box");
    let anon = tb.client();
    let status = anon.get("/api/v1/setup").await.expect_status(200);
    assert_eq!(status.body["done"], false);

    let owner = tb.set_up().await;
    assert_eq!(owner.role, "owner");
    let again = anon
        .post("/api/v1/setup", json!({"restaurant": {"name": "X", "currency": "EUR"}, "owner": {"name": "Y", "username": "yy", "password": "long enough"}}))
        .await
        .expect_status(409);
    assert_eq!(again.error_code(), Some("conflict"));
    assert_eq!(anon.get("/api/v1/setup").await.body["restaurant"]["name"], "Chez Test");

    let as_owner = anon.as_session(&owner);
    let waiter = as_owner.post("/api/v1/staff", staff_body("ana", "waiter", "1234")).await.expect_status(201);
    assert_eq!(waiter.body["role"], "waiter");
    assert_eq!(waiter.body["has_pin"], true);
    assert!(waiter.body.get("pin_hash").is_none() && !waiter.text.contains("argon2"), "no secrets in answers");

    let ana = anon.pin_login("ana", "1234").await;
    assert_eq!(ana.role, "waiter");
    let me = anon.as_session(&ana).get("/api/v1/auth/me").await.expect_status(200);
    assert_eq!(me.body["username"], "ana");

    // A waiter may not manage staff.
    let refused =
        anon.as_session(&ana).post("/api/v1/staff", staff_body("bob", "waiter", "4321")).await.expect_status(403);
    assert_eq!(refused.error_code(), Some("forbidden"));
    anon.as_session(&ana).get("/api/v1/staff").await.expect_status(403);

    // A PIN is not a password, and usernames are case-insensitive.
    anon.post("/api/v1/auth/login", json!({"username": "ana", "password": "1234"})).await.expect_status(401);
    anon.pin_login("ANA", "1234").await;
    tb.stop().await;
}

#[tokio::test]
async fn wrong_passwords_are_refused_and_the_sixth_in_a_minute_is_rate_limited() {
    let tb = TestBox::start().await.expect("box");
    tb.set_up().await;
    let anon = tb.client();
    for attempt in 1..=5 {
        let reply =
            anon.post("/api/v1/auth/login", json!({"username": OWNER_USERNAME, "password": "wrong password"})).await;
        assert_eq!(reply.status, 401, "attempt {attempt}: {}", reply.text);
        assert_eq!(reply.error_code(), Some("unauthenticated"));
    }
    let limited =
        anon.post("/api/v1/auth/login", json!({"username": OWNER_USERNAME, "password": OWNER_PASSWORD})).await;
    assert_eq!(limited.status, 429, "even the right password waits: {}", limited.text);
    assert_eq!(limited.error_code(), Some("rate_limited"));
    let retry_after: u64 = limited.header("retry-after").expect("Retry-After").parse().expect("seconds");
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    // Unknown users are answered exactly like wrong passwords.
    let unknown = anon
        .post("/api/v1/auth/login", json!({"username": "nobody", "password": "whatever1"}))
        .await
        .expect_status(401);
    assert_eq!(unknown.body["error"]["message"], "wrong username or password");
    tb.stop().await;
}

#[tokio::test]
async fn reusing_a_refresh_token_revokes_the_whole_family() {
    let tb = TestBox::start().await.expect("box");
    let first = tb.set_up().await;
    let anon = tb.client();
    let second = anon.post("/api/v1/auth/refresh", json!({"refresh_token": first.refresh})).await.expect_status(200);
    let newer = second.body["refresh_token"].as_str().expect("token").to_owned();
    assert_ne!(newer, first.refresh);

    // The spent token comes back: a thief has a copy. Both it and the newer one die.
    let reuse = anon.post("/api/v1/auth/refresh", json!({"refresh_token": first.refresh})).await.expect_status(401);
    assert_eq!(reuse.error_code(), Some("unauthenticated"));
    anon.post("/api/v1/auth/refresh", json!({"refresh_token": newer})).await.expect_status(401);

    // A separate login (another tablet) is its own family and unaffected.
    let other = anon.login(OWNER_USERNAME, OWNER_PASSWORD).await;
    anon.post("/api/v1/auth/refresh", json!({"refresh_token": other.refresh})).await.expect_status(200);
    tb.stop().await;
}

#[tokio::test]
async fn logout_ends_the_session() {
    let tb = TestBox::start().await.expect("box");
    let owner = tb.set_up().await;
    let anon = tb.client();
    anon.post("/api/v1/auth/logout", json!({"refresh_token": owner.refresh})).await.expect_status(204);
    anon.post("/api/v1/auth/refresh", json!({"refresh_token": owner.refresh})).await.expect_status(401);
    // Logging out twice, or with a token that never existed, is not an error.
    anon.post("/api/v1/auth/logout", json!({"refresh_token": owner.refresh})).await.expect_status(204);
    anon.post("/api/v1/auth/logout", json!({"refresh_token": "made-up"})).await.expect_status(204);
    tb.stop().await;
}

#[tokio::test]
async fn changing_the_password_ends_every_other_session() {
    let tb = TestBox::start().await.expect("box");
    let tablet = tb.set_up().await;
    let anon = tb.client();
    let laptop = anon.login(OWNER_USERNAME, OWNER_PASSWORD).await;

    let wrong = anon
        .as_session(&laptop)
        .put("/api/v1/auth/password", json!({"current_password": "not it at all", "new_password": "a brand new one"}))
        .await
        .expect_status(403);
    assert_eq!(wrong.error_code(), Some("forbidden"));
    let short = anon
        .as_session(&laptop)
        .put("/api/v1/auth/password", json!({"current_password": OWNER_PASSWORD, "new_password": "short"}))
        .await
        .expect_status(422);
    assert_eq!(short.error_code(), Some("validation_failed"));

    // Tokens issued in the same millisecond as the change would survive it; real clocks move.
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let changed = anon
        .as_session(&laptop)
        .put("/api/v1/auth/password", json!({"current_password": OWNER_PASSWORD, "new_password": "a brand new one"}))
        .await
        .expect_status(200);
    let fresh = changed.body["access_token"].as_str().expect("token");

    anon.post("/api/v1/auth/refresh", json!({"refresh_token": tablet.refresh})).await.expect_status(401);
    anon.post("/api/v1/auth/refresh", json!({"refresh_token": laptop.refresh})).await.expect_status(401);
    anon.as_session(&tablet).get("/api/v1/auth/me").await.expect_status(401);
    anon.with_token(fresh).get("/api/v1/auth/me").await.expect_status(200);
    anon.post("/api/v1/auth/login", json!({"username": OWNER_USERNAME, "password": OWNER_PASSWORD}))
        .await
        .expect_status(401);
    anon.login(OWNER_USERNAME, "a brand new one").await;
    tb.stop().await;
}

#[tokio::test]
async fn roles_limit_who_manages_whom() {
    let tb = TestBox::start().await.expect("box");
    let owner = tb.set_up().await;
    let anon = tb.client();
    let as_owner = anon.as_session(&owner);
    as_owner.post("/api/v1/staff", staff_body("marta", "manager", "9999")).await.expect_status(201);
    let cook = as_owner.post("/api/v1/staff", staff_body("kai", "kitchen", "3333")).await.expect_status(201);
    let manager = anon.login("marta", "a long password").await;
    let as_manager = anon.as_session(&manager);

    // (what the manager tries, expected status)
    let attempts = [
        (staff_body("ben", "waiter", "2222"), 201),
        (staff_body("kim", "kitchen", "4444"), 201),
        (staff_body("max", "manager", "5555"), 403),
        (staff_body("oz", "owner", "6666"), 403),
    ];
    for (body, status) in attempts {
        let reply = as_manager.post("/api/v1/staff", body.clone()).await;
        assert_eq!(reply.status, status, "{body}: {}", reply.text);
    }
    let duplicate = as_manager.post("/api/v1/staff", staff_body("ben", "waiter", "2222")).await.expect_status(409);
    assert_eq!(duplicate.error_code(), Some("conflict"));
    let owner_id = owner.staff_id.clone();
    as_manager.patch(&format!("/api/v1/staff/{owner_id}"), json!({"name": "Demoted"})).await.expect_status(403);
    let cook_id = cook.body["id"].as_str().expect("id");
    as_manager.patch(&format!("/api/v1/staff/{cook_id}"), json!({"role": "manager"})).await.expect_status(403);

    // Deactivation: the member can no longer log in, their token stops working, history stays.
    let kai = anon.pin_login("kai", "3333").await;
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let gone = as_manager.delete(&format!("/api/v1/staff/{cook_id}")).await.expect_status(200);
    assert_eq!(gone.body["active"], false);
    anon.post("/api/v1/auth/pin", json!({"username": "kai", "pin": "3333"})).await.expect_status(401);
    anon.as_session(&kai).get("/api/v1/auth/me").await.expect_status(401);
    let listed = as_owner.all_pages("/api/v1/staff?include_inactive=true").await;
    assert!(listed.iter().any(|s| s["username"] == "kai" && s["active"] == false));
    let active = as_owner.all_pages("/api/v1/staff").await;
    assert!(active.iter().all(|s| s["username"] != "kai"));

    // Someone must always be able to run the restaurant.
    as_owner.delete(&format!("/api/v1/staff/{owner_id}")).await.expect_status(409);
    let last =
        as_owner.patch(&format!("/api/v1/staff/{owner_id}"), json!({"role": "manager"})).await.expect_status(409);
    assert!(last.text.contains("last active owner"), "{}", last.text);
    tb.stop().await;
}

#[tokio::test]
async fn shifts_clock_in_and_out_once() {
    let tb = TestBox::start().await.expect("box");
    let owner = tb.set_up().await;
    let anon = tb.client();
    let ana =
        anon.as_session(&owner).post("/api/v1/staff", staff_body("ana", "waiter", "1234")).await.expect_status(201);
    let ana_id = ana.body["id"].as_str().expect("id").to_owned();
    let ana = anon.as_session(&anon.pin_login("ana", "1234").await);

    let shift = ana.post_empty(&format!("/api/v1/staff/{ana_id}/clock-in"), None).await.expect_status(201);
    assert!(shift.body["ended_at"].is_null());
    ana.post_empty(&format!("/api/v1/staff/{ana_id}/clock-in"), None).await.expect_status(409);
    ana.post_empty(&format!("/api/v1/staff/{}/clock-in", owner.staff_id), None).await.expect_status(403);
    let out = ana.post_empty(&format!("/api/v1/staff/{ana_id}/clock-out"), None).await.expect_status(200);
    assert_eq!(out.body["id"], shift.body["id"]);
    assert!(out.body["ended_at"].is_string());
    ana.post_empty(&format!("/api/v1/staff/{ana_id}/clock-out"), None).await.expect_status(409);

    let mine = ana.all_pages("/api/v1/shifts").await;
    assert_eq!(mine.len(), 1);
    ana.get(&format!("/api/v1/shifts?staff_id={}", owner.staff_id)).await.expect_status(403);
    tb.stop().await;
}

#[tokio::test]
async fn a_retried_request_with_the_same_key_is_answered_once() {
    let tb = TestBox::start().await.expect("box");
    let owner = tb.set_up().await;
    let c = tb.client().as_session(&owner);

    let first =
        c.post_keyed("/api/v1/staff", "key-ana-1", staff_body("ana", "waiter", "1234")).await.expect_status(201);
    let retry =
        c.post_keyed("/api/v1/staff", "key-ana-1", staff_body("ana", "waiter", "1234")).await.expect_status(201);
    assert_eq!(retry.body, first.body, "the first answer is replayed");
    assert_eq!(retry.header("idempotent-replayed"), Some("true"));
    // Key order and spacing do not make a different body.
    let reordered_body = r#"{ "pin":"1234", "role":"waiter",  "username":"ana", "password":null, "name":"Staff ana" }"#;
    let headers = vec![("content-type", "application/json".to_owned()), ("idempotency-key", "key-ana-1".to_owned())];
    let reordered =
        c.raw("POST", "/api/v1/staff", Raw { headers, body: Some(reordered_body.as_bytes().to_vec()) }).await;
    assert_eq!(reordered.status, 201, "{}", reordered.text);
    assert_eq!(reordered.body, first.body);
    let conflict =
        c.post_keyed("/api/v1/staff", "key-ana-1", staff_body("bob", "waiter", "1234")).await.expect_status(409);
    assert_eq!(conflict.error_code(), Some("idempotency_conflict"));
    let staff = c.all_pages("/api/v1/staff").await;
    assert_eq!(staff.iter().filter(|s| s["username"] == "ana").count(), 1);

    // Clock-in retried after a lost answer: one shift.
    let ana_id = first.body["id"].as_str().expect("id");
    let path = format!("/api/v1/staff/{ana_id}/clock-in");
    let a = c.post_empty(&path, Some("clock-1")).await.expect_status(201);
    let b = c.post_empty(&path, Some("clock-1")).await.expect_status(201);
    assert_eq!(a.body["id"], b.body["id"]);
    assert_eq!(c.all_pages("/api/v1/shifts").await.len(), 1);
    tb.stop().await;
}

#[tokio::test]
async fn a_new_pin_set_by_a_manager_ends_the_old_sessions() {
    let tb = TestBox::start().await.expect("box");
    let owner = tb.set_up().await;
    let anon = tb.client();
    let ana =
        anon.as_session(&owner).post("/api/v1/staff", staff_body("ana", "waiter", "1234")).await.expect_status(201);
    let ana_id = ana.body["id"].as_str().expect("id").to_owned();
    let stolen = anon.pin_login("ana", "1234").await;
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;

    anon.as_session(&owner).patch(&format!("/api/v1/staff/{ana_id}"), json!({"pin": "8642"})).await.expect_status(200);
    anon.post("/api/v1/auth/refresh", json!({"refresh_token": stolen.refresh})).await.expect_status(401);
    anon.as_session(&stolen).get("/api/v1/auth/me").await.expect_status(401);
    anon.post("/api/v1/auth/pin", json!({"username": "ana", "pin": "1234"})).await.expect_status(401);
    anon.pin_login("ana", "8642").await;
    tb.stop().await;
}
