//! The staff service: who works here, how they log in, and when they are on shift.
//!
//! Owns the `staff_*` tables. Passwords and PINs are argon2id hashes; sessions are a 15-minute
//! JWT plus a rotating refresh token whose reuse revokes its whole family. Other services
//! authenticate callers with [`AuthStaff`] (an axum extractor over [`Auth`]) and never read
//! these tables. Role rules live in [`comanda_domain::Role`].

pub mod api;
mod auth;
pub mod model;
/// argon2id hashing of passwords and PINs (also used by comanda-cloud for owners).
pub mod secret;
mod sql;

use std::net::IpAddr;
use std::sync::{Arc, Mutex, PoisonError};

use axum::extract::FromRef;
use comanda_api::ApiError;
use comanda_domain::{
    Actor, Event, Money, Role, ShiftEvent, ShiftId, StaffChanged, StaffId, StaffSnapshot, TokenFamilyId,
};
use comanda_store::{Migration, Migrations, Store, WriteTx};
use time::OffsetDateTime;

pub use api::{StaffSummary, TokenResponse, router};
pub use auth::{ACCESS_TTL, Auth, AuthStaff, REFRESH_TTL, hash_secret, load_or_create_key};
use model::{CLIENT_RULES, LoginLimiter, USER_RULES};
pub use model::{NewStaff, Shift, StaffChanges, StaffMember};

pub const MIGRATIONS: Migrations = Migrations {
    service: "staff",
    steps: &[Migration { version: 1, name: "init", sql: include_str!("../migrations/0001_init.sql") }],
};

/// The service handle: cheap to clone, shared by its routes.
#[derive(Clone, Debug)]
pub struct Staff {
    store: Store,
    auth: Auth,
    limiter: Arc<Mutex<LoginLimiter>>,
}

impl FromRef<Staff> for Auth {
    fn from_ref(staff: &Staff) -> Auth {
        staff.auth.clone()
    }
}

/// Which secret a login presents.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Credential {
    Password,
    Pin,
}

/// A new staff member, validated and with secrets already hashed, ready to insert inside any
/// write transaction (first-start setup inserts the owner in its own).
#[derive(Clone, Debug)]
pub struct PreparedStaff {
    id: StaffId,
    name: String,
    username: String,
    role: Role,
    password_hash: Option<String>,
    pin_hash: Option<String>,
    hourly_rate: Option<Money>,
}

impl PreparedStaff {
    pub fn id(&self) -> StaffId {
        self.id
    }
}

fn snapshot(row: &StaffMember) -> StaffSnapshot {
    StaffSnapshot {
        staff_id: row.id,
        name: row.name.clone(),
        username: row.username.clone(),
        role: row.role,
        active: row.active,
    }
}

impl Staff {
    /// Loads who has had their sessions ended, so revocations survive a restart.
    pub async fn new(store: Store, auth: Auth) -> Result<Self, ApiError> {
        let rows = store.read(sql::sessions_valid_after).await?;
        auth.load_valid_after(rows);
        Ok(Self { store, auth, limiter: Arc::new(Mutex::new(LoginLimiter::default())) })
    }

    pub fn auth(&self) -> &Auth {
        &self.auth
    }

    /// Validates `new` and hashes its secrets (the slow part, outside any transaction).
    pub async fn prepare(&self, new: NewStaff) -> Result<PreparedStaff, ApiError> {
        let name = model::name(&new.name)?;
        let username = model::username(&new.username)?;
        let password = new.password.as_deref().map(|p| model::password("password", p)).transpose()?;
        let pin = new.pin.as_deref().map(model::pin).transpose()?;
        let hourly_rate = model::hourly_rate(new.hourly_rate)?;
        model::credentials_fit_role(new.role, password.is_some(), pin.is_some())?;
        let password_hash = self.auth.hash_if_given(password).await?;
        let pin_hash = self.auth.hash_if_given(pin).await?;
        Ok(PreparedStaff { id: StaffId::new(), name, username, role: new.role, password_hash, pin_hash, hourly_rate })
    }

    /// Inserts a prepared member and appends `staff.created`, in the caller's transaction.
    pub fn insert_prepared(tx: &mut WriteTx<'_>, actor: Actor, p: &PreparedStaff) -> Result<StaffMember, ApiError> {
        if sql::username_taken(tx.conn(), &p.username)? {
            return Err(ApiError::conflict(format!("the username `{}` is taken", p.username)));
        }
        let now = tx.now();
        sql::insert_staff(
            tx.conn(),
            &sql::NewStaffMember {
                id: p.id,
                name: &p.name,
                username: &p.username,
                role: p.role,
                password_hash: p.password_hash.as_deref(),
                pin_hash: p.pin_hash.as_deref(),
                hourly_rate: p.hourly_rate,
                now,
            },
        )?;
        let row = sql::staff_by_id(tx.conn(), p.id)?.ok_or_else(|| ApiError::internal("inserted staff vanished"))?;
        tx.append(actor, Event::StaffCreated(snapshot(&row)))?;
        Ok(row)
    }

    /// Counts an attempt against every key, refusing (429) if any is locked out. Returns the
    /// instant it was counted at, to [`refund`](Self::refund) it on success.
    fn attempt(&self, keys: &[(&str, &[model::Rule])]) -> Result<time::OffsetDateTime, ApiError> {
        let now = self.auth.now();
        let mut limiter = self.limiter.lock().unwrap_or_else(PoisonError::into_inner);
        for (key, rules) in keys {
            limiter.check(key, rules, now).map_err(ApiError::rate_limited)?;
        }
        for (key, rules) in keys {
            limiter.attempt(key, rules, now).map_err(ApiError::rate_limited)?;
        }
        Ok(now)
    }

    fn refund(&self, keys: &[(&str, &[model::Rule])], at: time::OffsetDateTime) {
        let mut limiter = self.limiter.lock().unwrap_or_else(PoisonError::into_inner);
        for (key, _) in keys {
            limiter.refund(key, at);
        }
    }

    /// Username + password or PIN → a session. Wrong attempts are counted per username and
    /// per client address; past the limit the answer is 429 with `Retry-After`, right or wrong.
    pub async fn login(
        &self,
        username: &str,
        secret: String,
        credential: Credential,
        client: Option<IpAddr>,
    ) -> Result<TokenResponse, ApiError> {
        // Only well-formed usernames get a bucket of their own: keys stay small and bounded.
        let username = model::username(username).ok();
        let user_key = format!("user:{}", username.as_deref().unwrap_or("<malformed>"));
        let client_key = client.map(|ip| format!("ip:{ip}")).unwrap_or_default();
        let keys: &[(&str, &[model::Rule])] = &[(&user_key, USER_RULES), (&client_key, CLIENT_RULES)];
        let counted_at = self.attempt(keys)?;

        let found = match username {
            Some(name) if secret.len() <= model::PASSWORD_MAX * 4 => {
                self.store.read(move |c| sql::credentials_by_username(c, &name)).await?
            }
            _ => None,
        };
        let hash = found.as_ref().filter(|c| c.staff.active).and_then(|c| match credential {
            Credential::Password => c.password_hash.clone(),
            Credential::Pin => c.pin_hash.clone(),
        });
        let verified = self.auth.verify(secret, hash).await?;
        let Some(staff) = found.filter(|_| verified).map(|c| c.staff) else {
            return Err(ApiError::unauthenticated(match credential {
                Credential::Password => "wrong username or password",
                Credential::Pin => "wrong username or PIN",
            }));
        };
        self.refund(keys, counted_at);
        self.limiter.lock().unwrap_or_else(PoisonError::into_inner).clear(&user_key);
        let refresh = self
            .store
            .write(move |tx| {
                let token = issue_refresh(tx, staff.id, TokenFamilyId::new())?;
                Ok::<_, ApiError>((staff, token))
            })
            .await?;
        self.token_response(&refresh.0, refresh.1)
    }

    fn token_response(&self, staff: &StaffMember, refresh_token: String) -> Result<TokenResponse, ApiError> {
        let who = AuthStaff { id: staff.id, role: staff.role, name: staff.name.clone() };
        let (access_token, expires_in) = self.auth.issue_access(&who)?;
        Ok(TokenResponse {
            access_token,
            refresh_token,
            token_type: "Bearer".into(),
            expires_in,
            staff: StaffSummary::from(staff),
        })
    }

    /// Spends a refresh token for a new pair. A token seen twice was copied: the whole family
    /// (every token descended from that login) is revoked, including the newest.
    pub async fn refresh(&self, refresh_token: &str) -> Result<TokenResponse, ApiError> {
        let hash = auth::refresh_token_hash(refresh_token);
        let outcome = self
            .store
            .write(move |tx| {
                let now = tx.now();
                let Some(row) = sql::refresh_token_by_hash(tx.conn(), &hash)? else {
                    return Ok(Err("unknown refresh token; log in again"));
                };
                if row.revoked {
                    return Ok(Err("this session was ended; log in again"));
                }
                if row.spent {
                    // Committed even though the caller gets a 401: that is the point.
                    sql::revoke_family(tx.conn(), row.family, now)?;
                    tracing::warn!(staff = %row.staff_id, "refresh token reused; session family revoked");
                    return Ok(Err("this refresh token was already used; for safety the session was ended"));
                }
                if row.expires_at <= now {
                    return Ok(Err("the session expired; log in again"));
                }
                let staff = sql::staff_by_id(tx.conn(), row.staff_id)?.filter(|s| s.active);
                let Some(staff) = staff else {
                    sql::revoke_family(tx.conn(), row.family, now)?;
                    return Ok(Err("this account is deactivated"));
                };
                sql::spend_refresh_token(tx.conn(), &hash, now)?;
                let next = issue_refresh(tx, staff.id, row.family)?;
                Ok::<_, ApiError>(Ok((staff, next)))
            })
            .await?;
        let (staff, next) = outcome.map_err(ApiError::unauthenticated)?;
        self.token_response(&staff, next)
    }

    /// Ends the session a refresh token belongs to. Unknown tokens are ignored: logging out
    /// twice is not an error, and the answer says nothing about which tokens exist.
    pub async fn logout(&self, refresh_token: &str) -> Result<(), ApiError> {
        let hash = auth::refresh_token_hash(refresh_token);
        self.store
            .write(move |tx| {
                if let Some(row) = sql::refresh_token_by_hash(tx.conn(), &hash)? {
                    sql::revoke_family(tx.conn(), row.family, tx.now())?;
                }
                Ok::<_, ApiError>(())
            })
            .await
    }

    /// Changes the caller's own password, ends every other session, and returns a fresh pair
    /// for this one.
    pub async fn change_password(
        &self,
        who: &AuthStaff,
        current: String,
        new: &str,
    ) -> Result<TokenResponse, ApiError> {
        let new = model::password("new_password", new)?;
        let user_key = format!("user-password:{}", who.id);
        let keys: &[(&str, &[model::Rule])] = &[(&user_key, USER_RULES)];
        let counted_at = self.attempt(keys)?;
        let id = who.id;
        let hash = self.store.read(move |c| sql::password_hash(c, id)).await?;
        if !self.auth.verify(current, hash).await? {
            return Err(ApiError::forbidden("the current password is wrong"));
        }
        self.refund(keys, counted_at);
        let new_hash = self.auth.hash(new).await?;
        let (staff, refresh, at) = self
            .store
            .write(move |tx| {
                let changes = sql::StaffUpdate { password_hash: Some(&new_hash), end_sessions: true, ..no_update() };
                let at = end_sessions_with(tx, id, &changes, Actor::Staff(id))?;
                let staff =
                    sql::staff_by_id(tx.conn(), id)?.ok_or_else(|| ApiError::not_found("no such staff member"))?;
                let token = issue_refresh(tx, id, TokenFamilyId::new())?;
                Ok::<_, ApiError>((staff, token, at))
            })
            .await?;
        self.auth.end_sessions_before(id, at);
        self.token_response(&staff, refresh)
    }

    /// Who approves something that needs a manager (a void after send, a comp, a large
    /// discount, a refund). A manager or owner approves their own actions; anyone else needs a
    /// manager's PIN, typed on their tablet. The PIN identifies the approver, so it can never
    /// be the requester's own. Wrong PINs count against the requester like wrong logins.
    pub async fn approve(&self, requester: &AuthStaff, pin: Option<&str>, what: &str) -> Result<StaffId, ApiError> {
        if requester.role.is_manager() {
            return Ok(requester.id);
        }
        let Some(pin) = pin else {
            return Err(ApiError::forbidden(format!("Manager PIN needed to {what}")));
        };
        let key = format!("approval:{}", requester.id);
        let keys: &[(&str, &[model::Rule])] = &[(&key, USER_RULES)];
        let counted_at = self.attempt(keys)?;
        if model::pin(pin).is_ok() {
            let candidates = self.store.read(sql::approver_pin_hashes).await?;
            for (manager, hash) in candidates {
                if manager != requester.id && self.auth.verify(pin.to_owned(), Some(hash)).await? {
                    self.refund(keys, counted_at);
                    return Ok(manager);
                }
            }
        }
        Err(ApiError::forbidden(format!("that is not a manager's PIN; a manager must approve to {what}")))
    }

    /// For `comanda reset-password`: sets a password, ends every session of that member.
    pub async fn reset_password(&self, username: &str, new: &str) -> Result<StaffMember, ApiError> {
        let new = model::password("password", new)?;
        let username = model::username(username)?;
        let found = self.store.read(move |c| sql::credentials_by_username(c, &username)).await?;
        let staff = found.ok_or_else(|| ApiError::not_found("no staff member with that username"))?.staff;
        let new_hash = self.auth.hash(new).await?;
        let id = staff.id;
        let at = self
            .store
            .write(move |tx| {
                let changes = sql::StaffUpdate { password_hash: Some(&new_hash), end_sessions: true, ..no_update() };
                end_sessions_with(tx, id, &changes, Actor::System)
            })
            .await?;
        self.auth.end_sessions_before(id, at);
        Ok(staff)
    }

    pub async fn member(&self, id: StaffId) -> Result<StaffMember, ApiError> {
        self.store
            .read(move |c| sql::staff_by_id(c, id))
            .await?
            .ok_or_else(|| ApiError::not_found("no such staff member"))
    }

    pub async fn list(
        &self,
        after: Option<StaffId>,
        limit: u32,
        include_inactive: bool,
    ) -> Result<Vec<StaffMember>, ApiError> {
        Ok(self.store.read(move |c| sql::list_staff(c, after, limit, include_inactive)).await?)
    }

    /// Applies `changes` to a member `who` may manage. The last active owner can be neither
    /// demoted nor deactivated: someone must always be able to run the restaurant.
    pub async fn update(&self, who: &AuthStaff, id: StaffId, changes: StaffChanges) -> Result<StaffMember, ApiError> {
        let target = self.member(id).await?;
        if !who.role.can_manage(target.role) {
            return Err(ApiError::forbidden(format!("a {} may not change a {}", who.role, target.role)));
        }
        if let Some(role) = changes.role
            && !who.role.can_manage(role)
        {
            return Err(ApiError::forbidden(format!("a {} may not make someone a {role}", who.role)));
        }
        if changes.active == Some(false) && id == who.id {
            return Err(ApiError::conflict("you cannot deactivate yourself"));
        }
        let name = changes.name.as_deref().map(model::name).transpose()?;
        let password = changes.password.as_deref().map(|p| model::password("password", p)).transpose()?;
        let pin = changes.pin.as_deref().map(model::pin).transpose()?;
        let hourly_rate = model::hourly_rate(changes.hourly_rate)?;
        let role = changes.role.unwrap_or(target.role);
        model::credentials_fit_role(role, target.has_password || password.is_some(), target.has_pin || pin.is_some())?;
        let password_hash = self.auth.hash_if_given(password).await?;
        let pin_hash = self.auth.hash_if_given(pin).await?;
        let actor = who.actor();
        let who_role = who.role;
        let (row, ended_at) = self
            .store
            .write(move |tx| {
                let before =
                    sql::staff_by_id(tx.conn(), id)?.ok_or_else(|| ApiError::not_found("no such staff member"))?;
                // Checked again here: the role may have changed while the secrets were hashed.
                if !who_role.can_manage(before.role) {
                    return Err(ApiError::forbidden(format!("a {who_role} may not change a {}", before.role)));
                }
                let stays_owner = changes.role.is_none_or(|r| r == Role::Owner) && changes.active != Some(false);
                if before.role == Role::Owner
                    && before.active
                    && !stays_owner
                    && sql::active_owner_count(tx.conn())? <= 1
                {
                    return Err(ApiError::conflict("this is the last active owner; make someone else owner first"));
                }
                let role_changed = changes.role.is_some_and(|r| r != before.role);
                let deactivated = changes.active == Some(false) && before.active;
                let credentials = password_hash.is_some() || pin_hash.is_some();
                let update = sql::StaffUpdate {
                    name: name.as_deref(),
                    role: changes.role,
                    password_hash: password_hash.as_deref(),
                    pin_hash: pin_hash.as_deref(),
                    hourly_rate,
                    active: changes.active,
                    // A new password or PIN (a lost tablet, a thief) ends every session too.
                    end_sessions: role_changed || deactivated || credentials,
                };
                let now = tx.now();
                sql::update_staff(tx.conn(), id, &update, now)?;
                if update.end_sessions {
                    sql::revoke_all_refresh_tokens(tx.conn(), id, now)?;
                }
                let after =
                    sql::staff_by_id(tx.conn(), id)?.ok_or_else(|| ApiError::not_found("no such staff member"))?;
                if credentials {
                    let what =
                        StaffChanged { staff_id: id, password: password_hash.is_some(), pin: pin_hash.is_some() };
                    tx.append(actor, Event::StaffCredentialsChanged(what))?;
                }
                let event = if deactivated {
                    Event::StaffDeactivated(snapshot(&after))
                } else {
                    Event::StaffUpdated(snapshot(&after))
                };
                tx.append(actor, event)?;
                Ok::<_, ApiError>((after, update.end_sessions.then_some(now)))
            })
            .await?;
        if let Some(at) = ended_at {
            self.auth.end_sessions_before(id, at);
        }
        Ok(row)
    }

    /// Starts a shift, in the caller's transaction. Staff clock themselves in; managers may
    /// clock in those they manage.
    pub fn clock_in(tx: &mut WriteTx<'_>, who: &AuthStaff, target: &StaffMember) -> Result<Shift, ApiError> {
        may_clock(who, target)?;
        if let Some(open) = sql::open_shift(tx.conn(), target.id)? {
            return Err(ApiError::conflict(format!("already clocked in since {}", open.started_at)));
        }
        let shift = Shift {
            id: ShiftId::new(),
            staff_id: target.id,
            started_at: comanda_store::truncate_to_micros(tx.now()),
            ended_at: None,
            hourly_rate: target.hourly_rate,
        };
        sql::insert_shift(tx.conn(), &shift)?;
        tx.append(who.actor(), Event::StaffClockedIn(shift_event(&shift)))?;
        Ok(shift)
    }

    /// Ends the open shift, in the caller's transaction.
    pub fn clock_out(tx: &mut WriteTx<'_>, who: &AuthStaff, target: &StaffMember) -> Result<Shift, ApiError> {
        may_clock(who, target)?;
        let Some(mut shift) = sql::open_shift(tx.conn(), target.id)? else {
            return Err(ApiError::conflict("not clocked in"));
        };
        let ended = comanda_store::truncate_to_micros(tx.now());
        sql::close_shift(tx.conn(), shift.id, ended)?;
        shift.ended_at = Some(ended);
        tx.append(who.actor(), Event::StaffClockedOut(shift_event(&shift)))?;
        Ok(shift)
    }

    pub async fn shifts(
        &self,
        who: &AuthStaff,
        staff_id: Option<StaffId>,
        from: Option<OffsetDateTime>,
        to: Option<OffsetDateTime>,
        after: Option<ShiftId>,
        limit: u32,
    ) -> Result<Vec<Shift>, ApiError> {
        let staff_id = if who.role.is_manager() {
            staff_id
        } else {
            match staff_id {
                Some(s) if s != who.id => return Err(ApiError::forbidden("you may see only your own shifts")),
                _ => Some(who.id),
            }
        };
        let filter = sql::ShiftFilter { staff_id, from, to, after, limit };
        Ok(self.store.read(move |c| sql::list_shifts(c, &filter)).await?)
    }

    /// Housekeeping: forget long-expired refresh tokens.
    pub async fn purge_expired(&self) -> Result<usize, ApiError> {
        self.store.write(|tx| Ok::<_, ApiError>(sql::purge_expired_refresh_tokens(tx.conn(), tx.now())?)).await
    }
}

fn no_update<'a>() -> sql::StaffUpdate<'a> {
    sql::StaffUpdate {
        name: None,
        role: None,
        password_hash: None,
        pin_hash: None,
        hourly_rate: None,
        active: None,
        end_sessions: false,
    }
}

/// Applies a credential change that ends every session, and logs it. Returns the instant
/// before which access tokens are now refused.
fn end_sessions_with(
    tx: &mut WriteTx<'_>,
    id: StaffId,
    changes: &sql::StaffUpdate<'_>,
    actor: Actor,
) -> Result<OffsetDateTime, ApiError> {
    let now = tx.now();
    sql::update_staff(tx.conn(), id, changes, now)?;
    sql::revoke_all_refresh_tokens(tx.conn(), id, now)?;
    let what =
        StaffChanged { staff_id: id, password: changes.password_hash.is_some(), pin: changes.pin_hash.is_some() };
    tx.append(actor, Event::StaffCredentialsChanged(what))?;
    Ok(now)
}

fn issue_refresh(tx: &mut WriteTx<'_>, staff: StaffId, family: TokenFamilyId) -> Result<String, ApiError> {
    let (token, hash) = auth::new_refresh_token();
    let now = tx.now();
    sql::insert_refresh_token(
        tx.conn(),
        &sql::NewRefreshToken {
            family,
            staff_id: staff,
            token_hash: &hash,
            issued_at: now,
            expires_at: now + REFRESH_TTL,
        },
    )?;
    Ok(token)
}

fn may_clock(who: &AuthStaff, target: &StaffMember) -> Result<(), ApiError> {
    if who.id == target.id || who.role.can_manage(target.role) {
        Ok(())
    } else {
        Err(ApiError::forbidden("you may clock in and out only yourself"))
    }
}

fn shift_event(s: &Shift) -> ShiftEvent {
    ShiftEvent {
        shift_id: s.id,
        staff_id: s.staff_id,
        started_at: s.started_at,
        ended_at: s.ended_at,
        hourly_rate: s.hourly_rate,
    }
}
