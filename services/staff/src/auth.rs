//! Tokens and secrets: argon2id hashes for passwords and PINs, short-lived HS256 JWT access
//! tokens, opaque refresh tokens, and the [`AuthStaff`] extractor every service's routes use.
//!
//! The JWT signing key is 32 random bytes generated on first start and kept in the data dir
//! with mode 0600. Access tokens live 15 minutes; anything issued before a staff member's
//! "sessions valid after" instant (password change, deactivation, role change) is refused.

use std::collections::HashMap;
use std::fs;
use std::io;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, PoisonError, RwLock};

use axum::extract::{FromRef, FromRequestParts};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use comanda_api::ApiError;
use comanda_domain::{Actor, Clock, Role, StaffId};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::{Duration, OffsetDateTime};
use tokio::sync::Semaphore;

pub const ACCESS_TTL: Duration = Duration::minutes(15);
pub const REFRESH_TTL: Duration = Duration::days(7);
const KEY_LEN: usize = 32;
/// A burst beyond this many queued hash computations is answered 503 instead of queuing
/// (64 × ~30 ms ≈ 1 s of work on two cores).
const MAX_WAITING: usize = 64;

/// Reads the signing key, creating it (0600) on first start.
pub fn load_or_create_key(path: &Path) -> io::Result<Vec<u8>> {
    match fs::read(path) {
        Ok(key) if key.len() >= KEY_LEN => {
            let mode = fs::metadata(path)?.permissions().mode() & 0o777;
            if mode & 0o077 != 0 {
                fs::set_permissions(path, fs::Permissions::from_mode(0o600))?;
            }
            Ok(key)
        }
        Ok(_) => {
            Err(io::Error::new(io::ErrorKind::InvalidData, format!("{} is too short to be a key", path.display())))
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            let mut key = vec![0u8; KEY_LEN];
            rand::rng().fill_bytes(&mut key);
            // Never half a key after a power cut: that would stop the box at its next start.
            comanda_store::write_file_durably(path, &key, 0o600)?;
            Ok(key)
        }
        Err(e) => Err(e),
    }
}

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    sub: StaffId,
    role: Role,
    name: String,
    iat: i64,
    exp: i64,
    /// Milliseconds, for comparing with "sessions valid after" at finer grain than `iat`.
    iat_ms: i64,
}

/// Who is calling, from a verified access token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthStaff {
    pub id: StaffId,
    pub role: Role,
    pub name: String,
}

impl AuthStaff {
    pub fn actor(&self) -> Actor {
        Actor::Staff(self.id)
    }

    /// Managers and owners only.
    pub fn require_manager(&self) -> Result<(), ApiError> {
        if self.role.is_manager() { Ok(()) } else { Err(ApiError::forbidden("a manager or owner must do this")) }
    }

    /// One of `roles` only.
    pub fn require_role(&self, roles: &[Role]) -> Result<(), ApiError> {
        if roles.contains(&self.role) {
            Ok(())
        } else {
            Err(ApiError::forbidden(format!("a {} may not do this", self.role)))
        }
    }
}

/// Signs and checks tokens, hashes and verifies secrets. Cheap to clone.
#[derive(Clone)]
pub struct Auth(Arc<Inner>);

struct Inner {
    encoding: EncodingKey,
    decoding: DecodingKey,
    clock: Arc<dyn Clock>,
    /// staff id → unix ms before which their access tokens are refused.
    valid_after: RwLock<HashMap<StaffId, i64>>,
    /// argon2id with its default cost uses ~19 MiB and a core for tens of ms per hash: at
    /// most two at once, so 50 tablets logging in together cannot exhaust a 2-core box.
    hashing: Semaphore,
    /// Requests waiting for a hashing slot; past [`MAX_WAITING`] new ones are refused at once.
    waiting: AtomicUsize,
    /// Verified against when the username is unknown, so timing does not reveal which exist.
    dummy_hash: String,
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Auth { .. }")
    }
}

impl Auth {
    pub fn new(key: &[u8], clock: Arc<dyn Clock>) -> Result<Self, ApiError> {
        let dummy_hash = hash_secret("comanda-timing-equaliser")?;
        Ok(Self(Arc::new(Inner {
            encoding: EncodingKey::from_secret(key),
            decoding: DecodingKey::from_secret(key),
            clock,
            valid_after: RwLock::new(HashMap::new()),
            hashing: Semaphore::new(2),
            waiting: AtomicUsize::new(0),
            dummy_hash,
        })))
    }

    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.0.clock
    }

    pub fn now(&self) -> OffsetDateTime {
        self.0.clock.now()
    }

    /// A signed access token and its lifetime in seconds.
    pub fn issue_access(&self, who: &AuthStaff) -> Result<(String, i64), ApiError> {
        let now = self.now();
        let claims = Claims {
            sub: who.id,
            role: who.role,
            name: who.name.clone(),
            iat: now.unix_timestamp(),
            exp: (now + ACCESS_TTL).unix_timestamp(),
            iat_ms: unix_ms(now),
        };
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.0.encoding)
            .map_err(ApiError::internal)?;
        Ok((token, ACCESS_TTL.whole_seconds()))
    }

    /// Checks signature, expiry (by our clock, no leeway) and revocation.
    pub fn verify_access(&self, token: &str) -> Result<AuthStaff, ApiError> {
        self.verify_session(token).map(|(who, _)| who)
    }

    /// [`verify_access`](Self::verify_access), also returning when the token expires (for
    /// long-lived connections such as the event stream).
    pub fn verify_session(&self, token: &str) -> Result<(AuthStaff, OffsetDateTime), ApiError> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.validate_exp = false; // checked below against our Clock, which tests control
        validation.required_spec_claims = ["exp".to_owned(), "sub".to_owned()].into_iter().collect();
        let data = jsonwebtoken::decode::<Claims>(token, &self.0.decoding, &validation)
            .map_err(|_| ApiError::unauthenticated("the access token is invalid; log in again"))?;
        let claims = data.claims;
        if claims.exp <= self.now().unix_timestamp() {
            return Err(ApiError::unauthenticated("the access token has expired; refresh it or log in again"));
        }
        let revoked_before =
            self.0.valid_after.read().unwrap_or_else(PoisonError::into_inner).get(&claims.sub).copied();
        if revoked_before.is_some_and(|after| claims.iat_ms < after) {
            return Err(ApiError::unauthenticated("this session was ended; log in again"));
        }
        let expires_at = OffsetDateTime::from_unix_timestamp(claims.exp)
            .map_err(|_| ApiError::unauthenticated("malformed token"))?;
        Ok((AuthStaff { id: claims.sub, role: claims.role, name: claims.name }, expires_at))
    }

    /// Refuses this staff member's access tokens issued before `at`.
    pub fn end_sessions_before(&self, staff: StaffId, at: OffsetDateTime) {
        // Keep the later instant: two revocations finishing out of order must not reopen a gap.
        let mut map = self.0.valid_after.write().unwrap_or_else(PoisonError::into_inner);
        let entry = map.entry(staff).or_insert(i64::MIN);
        *entry = (*entry).max(unix_ms(at));
    }

    pub(crate) fn load_valid_after(&self, rows: Vec<(StaffId, OffsetDateTime)>) {
        let mut map = self.0.valid_after.write().unwrap_or_else(PoisonError::into_inner);
        for (id, at) in rows {
            map.insert(id, unix_ms(at));
        }
    }

    async fn hashing_slot(&self) -> Result<tokio::sync::SemaphorePermit<'_>, ApiError> {
        if self.0.waiting.fetch_add(1, Ordering::SeqCst) >= MAX_WAITING {
            self.0.waiting.fetch_sub(1, Ordering::SeqCst);
            return Err(ApiError::unavailable("too many logins at once; try again in a moment"));
        }
        let permit = self.0.hashing.acquire().await;
        self.0.waiting.fetch_sub(1, Ordering::SeqCst);
        permit.map_err(ApiError::internal)
    }

    /// argon2id, off the async threads and at most two at once.
    pub async fn hash(&self, secret: String) -> Result<String, ApiError> {
        let _permit = self.hashing_slot().await?;
        tokio::task::spawn_blocking(move || hash_secret(&secret)).await.map_err(ApiError::internal)?
    }

    /// [`hash`](Self::hash) for an optional secret.
    pub async fn hash_if_given(&self, secret: Option<String>) -> Result<Option<String>, ApiError> {
        match secret {
            Some(secret) => self.hash(secret).await.map(Some),
            None => Ok(None),
        }
    }

    /// Verifies `secret` against `hash`, or against a dummy when there is none, so that an
    /// unknown user costs the same time as a wrong password.
    pub async fn verify(&self, secret: String, hash: Option<String>) -> Result<bool, ApiError> {
        let _permit = self.hashing_slot().await?;
        let known = hash.is_some();
        let hash = hash.unwrap_or_else(|| self.0.dummy_hash.clone());
        let ok = tokio::task::spawn_blocking(move || crate::secret::verify(secret.as_bytes(), &hash).unwrap_or(false))
            .await
            .map_err(ApiError::internal)?;
        Ok(known && ok)
    }
}

pub fn hash_secret(secret: &str) -> Result<String, ApiError> {
    crate::secret::hash(secret.as_bytes()).map_err(ApiError::internal)
}

fn unix_ms(at: OffsetDateTime) -> i64 {
    i64::try_from(at.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}

/// A fresh refresh token (256 random bits, URL-safe) and the hash we store of it.
pub(crate) fn new_refresh_token() -> (String, String) {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let token = URL_SAFE_NO_PAD.encode(bytes);
    let hash = refresh_token_hash(&token);
    (token, hash)
}

pub(crate) fn refresh_token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

impl<S> FromRequestParts<S> for AuthStaff
where
    Auth: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let header = parts
            .headers
            .get(AUTHORIZATION)
            .ok_or_else(|| ApiError::unauthenticated("log in first: send Authorization: Bearer <access_token>"))?;
        let token = header
            .to_str()
            .ok()
            .and_then(|h| h.strip_prefix("Bearer ").or_else(|| h.strip_prefix("bearer ")))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| ApiError::unauthenticated("the Authorization header must be `Bearer <access_token>`"))?;
        Auth::from_ref(state).verify_access(token)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use comanda_domain::ManualClock;
    use time::macros::datetime;

    fn auth(clock: &ManualClock) -> Auth {
        Auth::new(&[7u8; 32], Arc::new(clock.clone())).expect("auth")
    }

    #[test]
    fn access_tokens_expire_after_fifteen_minutes_by_our_clock() {
        let clock = ManualClock::starting_at(datetime!(2026-11-21 20:00 UTC));
        let auth = auth(&clock);
        let who = AuthStaff { id: StaffId::new(), role: Role::Waiter, name: "Ana".into() };
        let (token, ttl) = auth.issue_access(&who).expect("issued");
        assert_eq!(ttl, 900);
        assert_eq!(auth.verify_access(&token).expect("valid"), who);
        clock.advance(Duration::minutes(15));
        let err = auth.verify_access(&token).expect_err("expired");
        assert_eq!(err.code(), "unauthenticated");
    }

    #[test]
    fn forged_and_foreign_tokens_are_refused() {
        let clock = ManualClock::starting_at(datetime!(2026-11-21 20:00 UTC));
        let ours = auth(&clock);
        let theirs = Auth::new(&[8u8; 32], Arc::new(clock.clone())).expect("auth");
        let who = AuthStaff { id: StaffId::new(), role: Role::Owner, name: "Mallory".into() };
        let (foreign, _) = theirs.issue_access(&who).expect("issued");
        assert!(ours.verify_access(&foreign).is_err(), "signed with another key");
        let (token, _) = ours.issue_access(&who).expect("issued");
        let mut parts: Vec<&str> = token.split('.').collect();
        let none_header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
        parts[0] = &none_header;
        assert!(ours.verify_access(&parts.join(".")).is_err(), "alg=none");
        assert!(ours.verify_access("not.a.token").is_err());
    }

    #[test]
    fn ending_sessions_refuses_older_tokens_only() {
        let clock = ManualClock::starting_at(datetime!(2026-11-21 20:00 UTC));
        let auth = auth(&clock);
        let who = AuthStaff { id: StaffId::new(), role: Role::Waiter, name: "Ana".into() };
        let (old, _) = auth.issue_access(&who).expect("issued");
        clock.advance(Duration::seconds(1));
        auth.end_sessions_before(who.id, clock.now());
        assert!(auth.verify_access(&old).is_err());
        let (fresh, _) = auth.issue_access(&who).expect("issued");
        assert!(auth.verify_access(&fresh).is_ok());
    }

    #[test]
    fn signing_key_is_created_once_with_owner_only_permissions() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("jwt.key");
        // What a power cut during an earlier first start leaves behind changes nothing.
        fs::write(dir.path().join("jwt.key.tmp"), b"half").expect("write");
        let first = load_or_create_key(&path).expect("created");
        let mode = fs::metadata(&path).expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        assert_eq!(load_or_create_key(&path).expect("read back"), first);
    }

    #[tokio::test]
    async fn secrets_verify_only_against_their_own_hash() {
        let clock = ManualClock::starting_at(datetime!(2026-11-21 20:00 UTC));
        let auth = auth(&clock);
        let hash = auth.hash("1234".into()).await.expect("hash");
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        assert!(auth.verify("1234".into(), Some(hash.clone())).await.expect("ran"));
        assert!(!auth.verify("1235".into(), Some(hash)).await.expect("ran"));
        assert!(!auth.verify("1234".into(), None).await.expect("ran"), "no hash never verifies");
    }
}
