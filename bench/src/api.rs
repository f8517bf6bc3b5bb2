//! A small client of the box's API that reports failures instead of panicking: under load, and
//! across `kill -9`, a refused connection or a 5xx is a result to count, not a crash.

use std::time::Duration;

use anyhow::{Context, Result, bail};
use reqwest::Method;
use serde_json::{Value, json};

#[derive(Clone)]
pub struct Api {
    http: reqwest::Client,
    pub base: String,
    token: Option<String>,
}

/// An HTTP answer: status and JSON body (`Null` when there was none).
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub body: Value,
}

impl Answer {
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The body when the status is `expected`, else an error that says what came instead.
    pub fn expect(self, expected: u16) -> Result<Value> {
        if self.status != expected {
            bail!("expected {expected}, got {}: {}", self.status, self.body);
        }
        Ok(self.body)
    }
}

/// A session's tokens, as login and refresh answer them.
#[derive(Clone, Debug)]
pub struct Tokens {
    pub access: String,
    pub refresh: String,
}

impl Tokens {
    fn from_body(body: &Value) -> Result<Tokens> {
        let field = |name: &str| body[name].as_str().map(str::to_owned).with_context(|| format!("no {name} in {body}"));
        Ok(Tokens { access: field("access_token")?, refresh: field("refresh_token")? })
    }
}

impl Api {
    /// A client of `base` (`http://127.0.0.1:PORT`); requests time out after 30 s.
    pub fn new(base: &str) -> Result<Api> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .pool_max_idle_per_host(128)
            .build()
            .context("building the HTTP client")?;
        Ok(Api { http, base: base.trim_end_matches('/').to_owned(), token: None })
    }

    pub fn with_token(&self, token: &str) -> Api {
        Api { token: Some(token.to_owned()), ..self.clone() }
    }

    /// The same session against another address (the box after a restart).
    pub fn rebased(&self, base: &str) -> Api {
        Api { base: base.trim_end_matches('/').to_owned(), ..self.clone() }
    }

    pub async fn send(&self, method: Method, path: &str, body: Option<&Value>, key: Option<&str>) -> Result<Answer> {
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if let Some(token) = &self.token {
            request = request.bearer_auth(token);
        }
        if let Some(key) = key {
            request = request.header("idempotency-key", key);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await?;
        let status = response.status().as_u16();
        let bytes = response.bytes().await?;
        let body = if bytes.is_empty() { Value::Null } else { serde_json::from_slice(&bytes).unwrap_or(Value::Null) };
        Ok(Answer { status, body })
    }

    pub async fn get(&self, path: &str) -> Result<Answer> {
        self.send(Method::GET, path, None, None).await
    }

    pub async fn post(&self, path: &str, body: &Value, key: Option<&str>) -> Result<Answer> {
        self.send(Method::POST, path, Some(body), key).await
    }

    /// Password login.
    pub async fn login(&self, username: &str, password: &str) -> Result<Tokens> {
        let body = json!({"username": username, "password": password});
        Tokens::from_body(&self.post("/api/v1/auth/login", &body, None).await?.expect(200)?)
    }

    /// PIN login, as a tablet does.
    pub async fn pin_login(&self, username: &str, pin: &str) -> Result<Tokens> {
        let body = json!({"username": username, "pin": pin});
        Tokens::from_body(&self.post("/api/v1/auth/pin", &body, None).await?.expect(200)?)
    }

    /// Trades a refresh token for a new pair (the old refresh token is spent).
    pub async fn refresh(&self, refresh: &str) -> Result<Tokens> {
        let body = json!({"refresh_token": refresh});
        Tokens::from_body(&self.post("/api/v1/auth/refresh", &body, None).await?.expect(200)?)
    }

    /// `/readyz` answers 200.
    pub async fn ready(&self) -> bool {
        self.get("/readyz").await.is_ok_and(|a| a.status == 200)
    }
}

/// The `id` field of a JSON object.
pub fn id_of(body: &Value) -> Result<String> {
    body["id"].as_str().map(str::to_owned).with_context(|| format!("no id in {body}"))
}
