//! An HTTP client that speaks the box's API and gives back status, headers and JSON, with
//! assertions that print the body when a test's expectation fails.

use reqwest::Method;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde_json::{Value, json};

#[derive(Clone, Debug)]
pub struct Client {
    http: reqwest::Client,
    base: String,
    token: Option<String>,
}

/// An answer from the box.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: HeaderMap,
    pub text: String,
    pub body: Value,
}

impl Reply {
    #[track_caller]
    pub fn expect_status(self, status: u16) -> Self {
        assert_eq!(self.status, status, "unexpected status; body: {}", self.text);
        self
    }

    /// `error.code` of the JSON error shape, if this is one.
    pub fn error_code(&self) -> Option<&str> {
        self.body.pointer("/error/code").and_then(Value::as_str)
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// Tokens from a login.
#[derive(Clone, Debug)]
pub struct Session {
    pub access: String,
    pub refresh: String,
    pub staff_id: String,
    pub role: String,
}

impl Session {
    pub fn from_reply(reply: &Reply) -> Self {
        let s = |p: &str| reply.body.pointer(p).and_then(Value::as_str).unwrap_or_default().to_owned();
        Session {
            access: s("/access_token"),
            refresh: s("/refresh_token"),
            staff_id: s("/staff/id"),
            role: s("/staff/role"),
        }
    }
}

/// A request to send as it is, for testing what the box does with bad input.
#[derive(Debug, Default)]
pub struct RawRequest<'a> {
    pub headers: Vec<(&'a str, String)>,
    pub body: Option<Vec<u8>>,
}

impl Client {
    pub fn new(base: &str) -> Self {
        let http = reqwest::Client::builder().no_proxy().build().expect("http client");
        Self { http, base: base.trim_end_matches('/').to_owned(), token: None }
    }

    /// The same client, sending `Authorization: Bearer <token>`.
    pub fn with_token(&self, token: &str) -> Self {
        Self { token: Some(token.to_owned()), ..self.clone() }
    }

    pub fn as_session(&self, session: &Session) -> Self {
        self.with_token(&session.access)
    }

    pub async fn raw(&self, method: &str, path: &str, req: RawRequest<'_>) -> Reply {
        let method = Method::from_bytes(method.as_bytes()).expect("method");
        let mut builder = self.http.request(method, format!("{}{path}", self.base));
        if let Some(token) = &self.token {
            builder = builder.bearer_auth(token);
        }
        for (name, value) in req.headers {
            builder = builder.header(
                HeaderName::from_bytes(name.as_bytes()).expect("name"),
                HeaderValue::from_str(&value).expect("value"),
            );
        }
        if let Some(body) = req.body {
            builder = builder.body(body);
        }
        let response = builder.send().await.expect("the box answers");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response.text().await.expect("body");
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Reply { status, headers, text, body }
    }

    pub async fn json(&self, method: &str, path: &str, body: Value, key: Option<&str>) -> Reply {
        let mut headers = vec![("content-type", "application/json".to_owned())];
        if let Some(key) = key {
            headers.push(("idempotency-key", key.to_owned()));
        }
        self.raw(method, path, RawRequest { headers, body: Some(body.to_string().into_bytes()) }).await
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.raw("GET", path, RawRequest::default()).await
    }

    pub async fn delete(&self, path: &str) -> Reply {
        self.raw("DELETE", path, RawRequest::default()).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Reply {
        self.json("POST", path, body, None).await
    }

    pub async fn post_keyed(&self, path: &str, key: &str, body: Value) -> Reply {
        self.json("POST", path, body, Some(key)).await
    }

    /// A POST without a body (clock-in, bump), optionally with an idempotency key.
    pub async fn post_empty(&self, path: &str, key: Option<&str>) -> Reply {
        let headers = key.map(|k| vec![("idempotency-key", k.to_owned())]).unwrap_or_default();
        self.raw("POST", path, RawRequest { headers, body: None }).await
    }

    pub async fn patch(&self, path: &str, body: Value) -> Reply {
        self.json("PATCH", path, body, None).await
    }

    pub async fn put(&self, path: &str, body: Value) -> Reply {
        self.json("PUT", path, body, None).await
    }

    pub async fn login(&self, username: &str, password: &str) -> Session {
        let reply = self.post("/api/v1/auth/login", json!({"username": username, "password": password})).await;
        Session::from_reply(&reply.expect_status(200))
    }

    pub async fn pin_login(&self, username: &str, pin: &str) -> Session {
        let reply = self.post("/api/v1/auth/pin", json!({"username": username, "pin": pin})).await;
        Session::from_reply(&reply.expect_status(200))
    }

    /// Every item of a paginated list, following `next_cursor`.
    pub async fn all_pages(&self, path: &str) -> Vec<Value> {
        let sep = if path.contains('?') { '&' } else { '?' };
        let mut items = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let url = match &cursor {
                Some(c) => format!("{path}{sep}limit=200&cursor={c}"),
                None => format!("{path}{sep}limit=200"),
            };
            let page = self.get(&url).await.expect_status(200);
            items.extend(page.body["items"].as_array().cloned().unwrap_or_default());
            match page.body.get("next_cursor").and_then(Value::as_str) {
                Some(next) => cursor = Some(next.to_owned()),
                None => return items,
            }
        }
    }
}

pub use RawRequest as Raw;
