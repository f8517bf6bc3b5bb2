//! `Idempotency-Key` (BRIEF §4): tablets on flaky Wi-Fi retry, and a retry must never create a
//! second order or payment.
//!
//! The key is looked up and the response recorded **inside the same write transaction** as
//! the change itself, so there is no window where the change is committed but the key is not
//! (or the reverse): a crash either keeps both or neither. The single writer serialises two
//! concurrent requests with one key, so the second always sees the first's record.
//! Keys are scoped to (method, path), not to the person: a shared tablet that switches user
//! and retries is still answered once.
//! Only successful answers are recorded; a refused request changed nothing and may be retried.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use comanda_domain::Actor;
use comanda_store::{IdempotencyRecord, Store, WriteTx, canonical_json};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};

use crate::ApiError;

pub const IDEMPOTENCY_HEADER: &str = "idempotency-key";
const MAX_KEY_LEN: usize = 128;

/// What identifies a request for replay: its key (if the client sent one), where it went,
/// and a hash of its body (canonical JSON, so key order and spacing do not matter).
#[derive(Debug, Clone)]
pub struct Idempotent {
    key: Option<String>,
    target: String,
    body_hash: String,
    actor: Option<Actor>,
}

impl Idempotent {
    /// Binds the key to the authenticated caller.
    pub fn for_actor(mut self, actor: Actor) -> Self {
        self.actor = Some(actor);
        self
    }

    /// Keys are scoped to where the request went, not to who sent it: a shared tablet that
    /// switches user by PIN and then retries must still be answered once. (Keys are random
    /// UUIDs from the client; two tablets never pick the same one.)
    fn scope(&self) -> String {
        self.target.clone()
    }
}

/// For a POST without a body (clock-in, bump): the key and where it went.
impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Idempotent {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, _: &S) -> Result<Self, Self::Rejection> {
        let key = header_key(&parts.headers)?;
        let target = format!("{} {}", parts.method, parts.uri.path());
        Ok(Idempotent { key, target, body_hash: String::new(), actor: None })
    }
}

/// A JSON body plus the request's idempotency identity.
#[derive(Debug)]
pub struct IdempotentJson<T> {
    pub body: T,
    pub idempotency: Idempotent,
}

fn header_key(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    let Some(raw) = headers.get(IDEMPOTENCY_HEADER) else {
        return Ok(None);
    };
    let key = raw.to_str().map_err(|_| ApiError::bad_request("Idempotency-Key must be printable ASCII"))?;
    if key.is_empty() || key.len() > MAX_KEY_LEN || !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(ApiError::bad_request(format!(
            "Idempotency-Key must be 1 to {MAX_KEY_LEN} printable ASCII characters (a UUID is ideal)"
        )));
    }
    Ok(Some(key.to_owned()))
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|mime| {
            let mime = mime.trim().to_ascii_lowercase();
            mime == "application/json" || (mime.starts_with("application/") && mime.ends_with("+json"))
        })
        .unwrap_or(false)
}

impl<T, S> FromRequest<S> for IdempotentJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let key = header_key(req.headers())?;
        let declared_json = is_json(req.headers());
        let has_content_type = req.headers().contains_key(header::CONTENT_TYPE);
        let target = format!("{} {}", req.method(), req.uri().path());
        let bytes = Bytes::from_request(req, state).await.map_err(|r| ApiError::from_status(r.status()))?;
        // An empty body without a content type means "no options" (`POST …/send` fires all).
        let value: serde_json::Value = if bytes.is_empty() && !has_content_type {
            serde_json::Value::Object(serde_json::Map::new())
        } else if !declared_json {
            return Err(ApiError::from_status(StatusCode::UNSUPPORTED_MEDIA_TYPE));
        } else {
            serde_json::from_slice(&bytes).map_err(|_| ApiError::bad_request("request body is not valid JSON"))?
        };
        let body_hash = hex::encode(Sha256::digest(canonical_json(&without_secrets(&value)).as_bytes()));
        let body =
            serde_json::from_value(value).map_err(|e| ApiError::validation(format!("invalid request body: {e}")))?;
        Ok(Self { body, idempotency: Idempotent { key, target, body_hash, actor: None } })
    }
}

/// Fields whose values never go into a stored hash: an unsalted hash of a 4-digit PIN is
/// reversed in microseconds by anyone holding a copy of the database.
const SECRET_FIELDS: &[&str] =
    &["password", "pin", "approval_pin", "current_password", "new_password", "refresh_token", "token"];

/// The body with secret fields blanked, at any depth. A retry with the same key and a
/// different secret therefore replays the first answer, which is what a retry means.
fn without_secrets(value: &serde_json::Value) -> serde_json::Value {
    match value {
        serde_json::Value::Object(map) => map
            .iter()
            .map(|(k, v)| {
                let v = if SECRET_FIELDS.contains(&k.as_str()) { serde_json::Value::Null } else { without_secrets(v) };
                (k.clone(), v)
            })
            .collect(),
        serde_json::Value::Array(items) => items.iter().map(without_secrets).collect(),
        other => other.clone(),
    }
}

/// Runs `change` in one durable write and answers `status` with its JSON, unless this key was
/// already answered: then the first answer is replayed (with `Idempotent-Replayed: true`), or
/// refused with 409 `idempotency_conflict` if the body differs.
pub async fn write_once<T, F>(
    store: &Store,
    idempotency: Idempotent,
    status: StatusCode,
    change: F,
) -> Result<Response, ApiError>
where
    F: FnOnce(&mut WriteTx<'_>) -> Result<T, ApiError> + Send + 'static,
    T: Serialize + Send + 'static,
{
    let (status, body, replayed) = store
        .write(move |tx| {
            let scope = idempotency.scope();
            if let Some(key) = &idempotency.key
                && let Some(first) = tx.idempotency_get(&scope, key)?
            {
                if first.request_hash != idempotency.body_hash {
                    return Err(ApiError::idempotency_conflict());
                }
                return Ok((first.status, first.body, true));
            }
            let value = change(tx)?;
            let body = serde_json::to_string(&value).map_err(ApiError::internal)?;
            if let Some(key) = &idempotency.key {
                let record = IdempotencyRecord {
                    request_hash: idempotency.body_hash.clone(),
                    status: status.as_u16(),
                    body: body.clone(),
                };
                tx.idempotency_put(&scope, key, &record)?;
            }
            Ok((status.as_u16(), body, false))
        })
        .await?;
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    let mut response =
        (status, [(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))], body).into_response();
    if replayed {
        response.headers_mut().insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_reach_the_stored_hash() {
        let a = serde_json::json!({"name": "Ana", "pin": "1234", "nested": [{"password": "hunter22"}]});
        let b = serde_json::json!({"name": "Ana", "pin": "9999", "nested": [{"password": "other one"}]});
        assert_eq!(canonical_json(&without_secrets(&a)), canonical_json(&without_secrets(&b)));
        assert!(!canonical_json(&without_secrets(&a)).contains("1234"));
        let c = serde_json::json!({"name": "Bea", "pin": "1234"});
        assert_ne!(canonical_json(&without_secrets(&a)), canonical_json(&without_secrets(&c)));
    }
}
