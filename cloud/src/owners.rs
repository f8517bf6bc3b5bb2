//! Owners' logins: `POST /api/v1/auth/login`, `/auth/refresh`, `/auth/logout`, and the
//! [`Owner`] every owner route takes.
//!
//! The box's login shape, with opaque tokens kept (hashed) in PostgreSQL so any instance can
//! check them and a logout is immediate: a 15-minute access token, a 30-day refresh token that
//! is spent on use, and reusing a spent one revokes the whole family (someone copied it).
//! Failed logins are counted per username in the database, so the limit holds across
//! instances.

use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, header::AUTHORIZATION};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{ApiError, Cloud, admin};

pub const ACCESS_TTL_SECS: i64 = 15 * 60;
const REFRESH_TTL_SECS: i64 = 30 * 24 * 3600;
/// Failed logins of one username allowed per window before 429.
const MAX_FAILURES: i64 = 5;
const FAILURE_WINDOW_SECS: i64 = 300;
const MAX_FIELD: usize = 200;

/// An owner, authenticated by a bearer access token.
#[derive(Clone, Debug)]
pub struct Owner {
    pub id: Uuid,
    pub org_id: Uuid,
}

#[derive(Debug, Deserialize)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

#[derive(Debug, Deserialize)]
pub struct RefreshRequest {
    pub refresh_token: String,
}

#[derive(Debug, Serialize)]
pub struct Tokens {
    pub access_token: String,
    pub refresh_token: String,
    pub token_type: &'static str,
    pub expires_in: i64,
    pub owner: OwnerView,
}

#[derive(Debug, Serialize)]
pub struct OwnerView {
    pub id: Uuid,
    pub username: String,
    pub org_id: Uuid,
    pub org_name: String,
}

/// A real hash of a random secret: an unknown username costs as much time as a wrong password.
fn decoy_hash() -> String {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| comanda_staff::secret::hash(admin::new_token().as_bytes()).unwrap_or_default()).clone()
}

pub async fn login(State(cloud): State<Cloud>, body: axum::Json<LoginRequest>) -> Result<axum::Json<Tokens>, ApiError> {
    let LoginRequest { username, password } = body.0;
    if username.len() > MAX_FIELD || password.len() > MAX_FIELD {
        return Err(ApiError::validation("username and password are at most 200 bytes"));
    }
    let client = cloud.pool.get().await.map_err(ApiError::unavailable)?;
    let key = format!("login:{}", username.trim().to_lowercase());
    throttle(&client, &key, MAX_FAILURES).await?;
    let row = client
        .query_opt(
            "SELECT o.id, o.password_hash, o.org_id, g.name FROM owners o JOIN orgs g ON g.id = o.org_id
             WHERE o.username = $1",
            &[&username.trim()],
        )
        .await
        .map_err(ApiError::unavailable)?;
    let hash: Option<String> = row.as_ref().map(|r| r.get(1));
    let ok = tokio::task::spawn_blocking(move || {
        comanda_staff::secret::verify(password.as_bytes(), &hash.unwrap_or_else(decoy_hash))
    })
    .await
    .map_err(ApiError::internal)?
    .unwrap_or(false);
    let Some(row) = row.filter(|_| ok) else {
        client.execute("INSERT INTO login_failures (key) VALUES ($1)", &[&key]).await.map_err(ApiError::unavailable)?;
        return Err(ApiError::new(StatusCode::UNAUTHORIZED, "unauthenticated", "wrong username or password"));
    };
    let owner =
        OwnerView { id: row.get(0), username: username.trim().to_owned(), org_id: row.get(2), org_name: row.get(3) };
    issue(&cloud, owner, Uuid::now_v7()).await.map(axum::Json)
}

/// 429 when `key` failed `max` times within the window.
pub async fn throttle(client: &tokio_postgres::Client, key: &str, max: i64) -> Result<(), ApiError> {
    let row = client
        .query_one(
            "SELECT COUNT(*), COALESCE(EXTRACT(EPOCH FROM (MIN(at) + make_interval(secs => $2) - now()))::bigint, 0)
             FROM login_failures WHERE key = $1 AND at > now() - make_interval(secs => $2)",
            &[&key, &(FAILURE_WINDOW_SECS as f64)],
        )
        .await
        .map_err(ApiError::unavailable)?;
    let (failures, wait): (i64, i64) = (row.get(0), row.get(1));
    if failures >= max {
        return Err(ApiError::rate_limited(u64::try_from(wait).unwrap_or(1).max(1)));
    }
    Ok(())
}

async fn issue(cloud: &Cloud, owner: OwnerView, family: Uuid) -> Result<Tokens, ApiError> {
    let (access, refresh) = (admin::new_token(), admin::new_token());
    let client = cloud.pool.get().await.map_err(ApiError::unavailable)?;
    client
        .execute(
            "INSERT INTO owner_tokens (token_hash, kind, owner_id, family, expires_at) VALUES
                 ($1, 'access', $3, $4, now() + make_interval(secs => $5)),
                 ($2, 'refresh', $3, $4, now() + make_interval(secs => $6))",
            &[
                &admin::token_hash(&access),
                &admin::token_hash(&refresh),
                &owner.id,
                &family,
                &(ACCESS_TTL_SECS as f64),
                &(REFRESH_TTL_SECS as f64),
            ],
        )
        .await
        .map_err(ApiError::unavailable)?;
    Ok(Tokens {
        access_token: access,
        refresh_token: refresh,
        token_type: "Bearer",
        expires_in: ACCESS_TTL_SECS,
        owner,
    })
}

pub async fn refresh(
    State(cloud): State<Cloud>,
    body: axum::Json<RefreshRequest>,
) -> Result<axum::Json<Tokens>, ApiError> {
    let hash = admin::token_hash(body.refresh_token.trim());
    let mut client = cloud.pool.get().await.map_err(ApiError::unavailable)?;
    let tx = client.transaction().await.map_err(ApiError::unavailable)?;
    let row = tx
        .query_opt(
            "SELECT t.owner_id, t.family, t.spent_at IS NOT NULL, t.expires_at < now(), o.username, o.org_id, g.name
             FROM owner_tokens t JOIN owners o ON o.id = t.owner_id JOIN orgs g ON g.id = o.org_id
             WHERE t.token_hash = $1 AND t.kind = 'refresh' FOR UPDATE OF t",
            &[&hash],
        )
        .await
        .map_err(ApiError::unavailable)?;
    let expired = || ApiError::new(StatusCode::UNAUTHORIZED, "unauthenticated", "this session has ended; log in again");
    let row = row.ok_or_else(expired)?;
    let family: Uuid = row.get(1);
    if row.get::<_, bool>(2) {
        // A spent refresh token came back: whoever holds the family, it ends now.
        tx.execute("DELETE FROM owner_tokens WHERE family = $1", &[&family]).await.map_err(ApiError::unavailable)?;
        tx.commit().await.map_err(ApiError::unavailable)?;
        tracing::warn!(%family, "a spent refresh token was reused; the session is revoked");
        return Err(expired());
    }
    if row.get::<_, bool>(3) {
        return Err(expired());
    }
    tx.execute("UPDATE owner_tokens SET spent_at = now() WHERE token_hash = $1", &[&hash])
        .await
        .map_err(ApiError::unavailable)?;
    tx.commit().await.map_err(ApiError::unavailable)?;
    drop(client);
    let owner = OwnerView { id: row.get(0), username: row.get(4), org_id: row.get(5), org_name: row.get(6) };
    issue(&cloud, owner, family).await.map(axum::Json)
}

pub async fn logout(State(cloud): State<Cloud>, parts: axum::http::HeaderMap) -> Result<StatusCode, ApiError> {
    let token = bearer(&parts, LOG_IN_FIRST)?;
    let client = cloud.pool.get().await.map_err(ApiError::unavailable)?;
    client
        .execute(
            "DELETE FROM owner_tokens WHERE family = (SELECT family FROM owner_tokens WHERE token_hash = $1)",
            &[&admin::token_hash(token)],
        )
        .await
        .map_err(ApiError::unavailable)?;
    Ok(StatusCode::NO_CONTENT)
}

/// The bearer token of the request; 401 saying `missing` when there is none.
pub fn bearer<'h>(headers: &'h axum::http::HeaderMap, missing: &str) -> Result<&'h str, ApiError> {
    headers
        .get(AUTHORIZATION)
        .and_then(|h| h.to_str().ok())
        .and_then(|h| h.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| ApiError::new(StatusCode::UNAUTHORIZED, "unauthenticated", missing))
}

const LOG_IN_FIRST: &str = "log in first: Authorization: Bearer <token>";

impl FromRequestParts<Cloud> for Owner {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, cloud: &Cloud) -> Result<Self, Self::Rejection> {
        let token = bearer(&parts.headers, LOG_IN_FIRST)?;
        let client = cloud.pool.get().await.map_err(ApiError::unavailable)?;
        let row = client
            .query_opt(
                "SELECT o.id, o.org_id FROM owner_tokens t JOIN owners o ON o.id = t.owner_id
                 WHERE t.token_hash = $1 AND t.kind = 'access' AND t.expires_at > now()",
                &[&admin::token_hash(token)],
            )
            .await
            .map_err(ApiError::unavailable)?
            .ok_or_else(|| {
                ApiError::new(StatusCode::UNAUTHORIZED, "unauthenticated", "this session has ended; log in again")
            })?;
        Ok(Owner { id: row.get(0), org_id: row.get(1) })
    }
}
