//! Hostile and clumsy input, one table row per case: every answer is a 4xx in the JSON error
//! shape `{"error":{"code","message"}}` — never a 5xx, never a panic, never SQL or a trace.

use comanda_domain::ManualClock;
use comanda_testkit::{Raw, Reply, TestBox, staff_body};
use serde_json::Value;
use time::macros::datetime;

/// Who sends the request.
#[derive(Clone, Copy, Debug)]
enum As {
    Nobody,
    Owner,
    Waiter,
    /// The owner's token after the box's clock moved 16 minutes on.
    Expired,
    Forged,
}

struct Case {
    what: &'static str,
    who: As,
    method: &'static str,
    path: &'static str,
    content_type: Option<&'static str>,
    extra_header: Option<(&'static str, &'static str)>,
    body: Option<String>,
    status: u16,
    code: &'static str,
}

const JSON: Option<&str> = Some("application/json");

fn case(
    what: &'static str,
    who: As,
    method: &'static str,
    path: &'static str,
    body: &str,
    status: u16,
    code: &'static str,
) -> Case {
    let body = (!body.is_empty()).then(|| body.to_owned());
    Case { what, who, method, path, content_type: JSON, extra_header: None, body, status, code }
}

fn cases() -> Vec<Case> {
    let staff = |b: Value| b.to_string();
    let huge_name = format!(r#"{{"name":"{}","username":"longname","role":"waiter","pin":"1234"}}"#, "x".repeat(101));
    let oversized = format!(r#"{{"username":"a","password":"{}"}}"#, "p".repeat(300 * 1024));
    vec![
        case("unknown route", As::Owner, "GET", "/api/v1/nothing-here", "", 404, "not_found"),
        case("unknown route without auth", As::Nobody, "POST", "/api/v2/orders", "{}", 404, "not_found"),
        case("wrong method", As::Owner, "DELETE", "/api/v1/auth/me", "", 405, "method_not_allowed"),
        case(
            "malformed JSON",
            As::Nobody,
            "POST",
            "/api/v1/auth/login",
            r#"{"username": "olivia", "#,
            400,
            "bad_request",
        ),
        case("not JSON at all", As::Nobody, "POST", "/api/v1/auth/login", "username=olivia", 400, "bad_request"),
        case(
            "wrong types",
            As::Nobody,
            "POST",
            "/api/v1/auth/login",
            r#"{"username": 42, "password": true}"#,
            422,
            "validation_failed",
        ),
        case(
            "missing field",
            As::Nobody,
            "POST",
            "/api/v1/auth/pin",
            r#"{"username": "olivia"}"#,
            422,
            "validation_failed",
        ),
        case("JSON array body", As::Owner, "POST", "/api/v1/staff", "[1,2,3]", 422, "validation_failed"),
        case(
            "SQL metacharacters",
            As::Nobody,
            "POST",
            "/api/v1/auth/login",
            r#"{"username": "x' OR '1'='1", "password": "' OR 1=1 --"}"#,
            401,
            "unauthenticated",
        ),
        case(
            "SQL in a new username",
            As::Owner,
            "POST",
            "/api/v1/staff",
            &staff(staff_body("x'); DROP TABLE staff_members;--", "waiter", "1234")),
            422,
            "validation_failed",
        ),
        case("name too long", As::Owner, "POST", "/api/v1/staff", &huge_name, 422, "validation_failed"),
        case(
            "unknown role",
            As::Owner,
            "POST",
            "/api/v1/staff",
            &staff(staff_body("chef", "chef", "1234")),
            422,
            "validation_failed",
        ),
        case(
            "letters in a PIN",
            As::Owner,
            "POST",
            "/api/v1/staff",
            &staff(staff_body("pinny", "waiter", "12ab")),
            422,
            "validation_failed",
        ),
        case(
            "manager without password",
            As::Owner,
            "POST",
            "/api/v1/staff",
            r#"{"name":"M","username":"mgr","role":"manager","pin":"1234"}"#,
            422,
            "validation_failed",
        ),
        case(
            "negative hourly rate",
            As::Owner,
            "POST",
            "/api/v1/staff",
            r#"{"name":"N","username":"neg","role":"waiter","pin":"1234","hourly_rate":-5}"#,
            422,
            "validation_failed",
        ),
        case(
            "absurd hourly rate",
            As::Owner,
            "POST",
            "/api/v1/staff",
            r#"{"name":"N","username":"rich","role":"waiter","pin":"1234","hourly_rate":99999999999999999999}"#,
            422,
            "validation_failed",
        ),
        case(
            "bad currency at setup",
            As::Nobody,
            "POST",
            "/api/v1/setup",
            r#"{"restaurant":{"name":"X","currency":"EURO"},"owner":{"name":"O","username":"oo","password":"long enough"}}"#,
            422,
            "validation_failed",
        ),
        case("malformed id in path", As::Owner, "GET", "/api/v1/staff/not-a-uuid", "", 400, "bad_request"),
        case(
            "unknown id in path",
            As::Owner,
            "GET",
            "/api/v1/staff/01936f3e-5a4b-7c3d-8e9f-0a1b2c3d4e5f",
            "",
            404,
            "not_found",
        ),
        case("malformed query", As::Owner, "GET", "/api/v1/shifts?from=yesterday", "", 400, "bad_request"),
        case("malformed cursor", As::Owner, "GET", "/api/v1/staff?cursor=zzz", "", 400, "bad_request"),
        case("no token", As::Nobody, "GET", "/api/v1/auth/me", "", 401, "unauthenticated"),
        case("forged token", As::Forged, "GET", "/api/v1/staff", "", 401, "unauthenticated"),
        case("expired token", As::Expired, "GET", "/api/v1/auth/me", "", 401, "unauthenticated"),
        case("waiter on a manager route", As::Waiter, "GET", "/api/v1/staff", "", 403, "forbidden"),
        case(
            "bogus refresh token",
            As::Nobody,
            "POST",
            "/api/v1/auth/refresh",
            r#"{"refresh_token": "stolen?"}"#,
            401,
            "unauthenticated",
        ),
        Case {
            content_type: None,
            ..case(
                "no content type",
                As::Owner,
                "POST",
                "/api/v1/staff",
                &staff(staff_body("ct", "waiter", "1234")),
                415,
                "unsupported_media_type",
            )
        },
        Case {
            content_type: Some("text/plain"),
            ..case(
                "text body",
                As::Nobody,
                "POST",
                "/api/v1/auth/login",
                r#"{"username":"a","password":"b"}"#,
                415,
                "unsupported_media_type",
            )
        },
        case("oversized body", As::Nobody, "POST", "/api/v1/auth/login", &oversized, 413, "payload_too_large"),
        Case {
            extra_header: Some(("authorization", "Basic b2xpdmlhOnB3")),
            ..case("basic auth instead of bearer", As::Nobody, "GET", "/api/v1/auth/me", "", 401, "unauthenticated")
        },
        Case {
            extra_header: Some(("idempotency-key", "has spaces in it")),
            ..case(
                "malformed idempotency key",
                As::Owner,
                "POST",
                "/api/v1/staff",
                &staff(staff_body("idem", "waiter", "1234")),
                400,
                "bad_request",
            )
        },
    ]
}

fn check(c: &Case, reply: &Reply) {
    assert!(reply.status < 500, "{}: server error {}: {}", c.what, reply.status, reply.text);
    assert_eq!(reply.status, c.status, "{}: {}", c.what, reply.text);
    assert_eq!(reply.error_code(), Some(c.code), "{}: {}", c.what, reply.text);
    let message = reply.body.pointer("/error/message").and_then(Value::as_str).unwrap_or_default();
    assert!(!message.is_empty(), "{}: an error says what happened", c.what);
    for leak in ["SELECT", "INSERT", "sqlite", "panicked", "rusqlite", "staff_members"] {
        assert!(!reply.text.contains(leak), "{}: the answer leaks internals: {}", c.what, reply.text);
    }
    assert!(reply.header("x-request-id").is_some(), "{}: every answer has a request id", c.what);
}

#[tokio::test]
async fn every_bad_request_gets_a_clear_4xx() {
    let clock = ManualClock::starting_at(datetime!(2026-11-21 19:00 UTC));
    let tb = TestBox::start_with_clock(clock.clone()).await.expect("box");
    let owner = tb.set_up().await;
    let client = tb.client();
    client.as_session(&owner).post("/api/v1/staff", staff_body("ana", "waiter", "1234")).await.expect_status(201);
    let waiter = client.pin_login("ana", "1234").await;
    let stale = client.login(comanda_testkit::OWNER_USERNAME, comanda_testkit::OWNER_PASSWORD).await;
    // A token signed with some other key, claiming to be an owner.
    let forged = "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIwMWEyMDkyNy1hY2M3LTczZGYtOTMwYi1mYzNmZjZkZTU0NjMiLCJyb2xlIjoib3duZXIiLCJuYW1lIjoiTWFsbG9yeSIsImlhdCI6MTc5NTQ0OTkyNywiZXhwIjo0MTAyNDQ0ODAwLCJpYXRfbXMiOjE3OTU0NDk5MjcyNDB9.nEn9_qz4RMzIJ7U3TfqoAXElUlJp1rNtgQIJu3rysms";

    for c in cases().iter().filter(|c| !matches!(c.who, As::Expired)) {
        let who = match c.who {
            As::Nobody | As::Expired => client.clone(),
            As::Owner => client.as_session(&owner),
            As::Waiter => client.as_session(&waiter),
            As::Forged => client.with_token(forged),
        };
        let reply = who.raw(c.method, c.path, raw(c)).await;
        check(c, &reply);
    }

    clock.advance(time::Duration::minutes(16));
    for c in cases().iter().filter(|c| matches!(c.who, As::Expired)) {
        let reply = client.as_session(&stale).raw(c.method, c.path, raw(c)).await;
        check(c, &reply);
    }
    tb.stop().await;
}

fn raw(c: &Case) -> Raw<'static> {
    let mut headers = Vec::new();
    if let Some(ct) = c.content_type {
        headers.push(("content-type", ct.to_owned()));
    }
    if let Some((name, value)) = c.extra_header {
        headers.push((name, value.to_owned()));
    }
    Raw { headers, body: c.body.clone().map(String::into_bytes) }
}
