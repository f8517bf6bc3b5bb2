//! HTTP handlers of the staff service: parse, authorise, call [`Staff`], shape the answer.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use comanda_api::{
    ApiError, ClientAddr, ErrorBody, Idempotent, IdempotentJson, Json, Page, PageParams, Path, Query, write_once,
};
use comanda_domain::{Role, StaffId};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::model::{NewStaff, Shift, StaffChanges, StaffMember};
use crate::{AuthStaff, Credential, Staff};

/// The staff routes, relative to `/api/v1`.
pub fn router(staff: Staff) -> OpenApiRouter {
    OpenApiRouter::new()
        .routes(routes!(login))
        .routes(routes!(pin_login))
        .routes(routes!(refresh))
        .routes(routes!(logout))
        .routes(routes!(change_password))
        .routes(routes!(me))
        .routes(routes!(list_staff, create_staff))
        .routes(routes!(get_staff, update_staff, deactivate_staff))
        .routes(routes!(clock_in))
        .routes(routes!(clock_out))
        .routes(routes!(list_shifts))
        .with_state(staff)
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct PinLoginRequest {
    pub username: String,
    pub pin: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct RefreshRequest {
    pub refresh_token: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ChangePasswordRequest {
    pub current_password: String,
    pub new_password: String,
}

/// A session: send `access_token` as `Authorization: Bearer …`; before it expires
/// (`expires_in` seconds), trade `refresh_token` for a new pair.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TokenResponse {
    pub access_token: String,
    pub refresh_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    pub expires_in: i64,
    pub staff: StaffSummary,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct StaffSummary {
    pub id: StaffId,
    pub name: String,
    pub username: String,
    pub role: Role,
}

impl From<&StaffMember> for StaffSummary {
    fn from(s: &StaffMember) -> Self {
        Self { id: s.id, name: s.name.clone(), username: s.username.clone(), role: s.role }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StaffListParams {
    pub limit: Option<u32>,
    pub cursor: Option<String>,
    /// Include deactivated members (default false).
    pub include_inactive: Option<bool>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ShiftListParams {
    pub staff_id: Option<StaffId>,
    /// Shifts that started at or after this instant (RFC 3339).
    #[serde(default, with = "time::serde::rfc3339::option")]
    #[param(value_type = Option<String>, format = DateTime)]
    pub from: Option<OffsetDateTime>,
    /// … and before this one.
    #[serde(default, with = "time::serde::rfc3339::option")]
    #[param(value_type = Option<String>, format = DateTime)]
    pub to: Option<OffsetDateTime>,
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

fn cursor<T: std::str::FromStr>(raw: Option<&str>) -> Result<Option<T>, ApiError> {
    raw.map(|c| c.parse().map_err(|_| ApiError::bad_request("malformed cursor"))).transpose()
}

/// Log in with username and password.
#[utoipa::path(post, path = "/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, description = "OK", body = TokenResponse), (status = 401, description = "Not authenticated", body = ErrorBody), (status = 429, description = "Too many attempts", body = ErrorBody)))]
async fn login(
    State(staff): State<Staff>,
    ClientAddr(client): ClientAddr,
    Json(req): Json<LoginRequest>,
) -> Result<axum::Json<TokenResponse>, ApiError> {
    staff.login(&req.username, req.password, Credential::Password, client).await.map(axum::Json)
}

/// Log in with username and PIN (fast switch on a shared tablet).
#[utoipa::path(post, path = "/auth/pin", tag = "auth", request_body = PinLoginRequest,
    responses((status = 200, description = "OK", body = TokenResponse), (status = 401, description = "Not authenticated", body = ErrorBody), (status = 429, description = "Too many attempts", body = ErrorBody)))]
async fn pin_login(
    State(staff): State<Staff>,
    ClientAddr(client): ClientAddr,
    Json(req): Json<PinLoginRequest>,
) -> Result<axum::Json<TokenResponse>, ApiError> {
    staff.login(&req.username, req.pin, Credential::Pin, client).await.map(axum::Json)
}

/// Trade a refresh token for a new pair. The old one is spent; presenting it again ends the session.
#[utoipa::path(post, path = "/auth/refresh", tag = "auth", request_body = RefreshRequest,
    responses((status = 200, description = "OK", body = TokenResponse), (status = 401, description = "Not authenticated", body = ErrorBody)))]
async fn refresh(
    State(staff): State<Staff>,
    Json(req): Json<RefreshRequest>,
) -> Result<axum::Json<TokenResponse>, ApiError> {
    staff.refresh(&req.refresh_token).await.map(axum::Json)
}

/// End the session this refresh token belongs to.
#[utoipa::path(post, path = "/auth/logout", tag = "auth", request_body = RefreshRequest,
    responses((status = 204, description = "Session ended")))]
async fn logout(State(staff): State<Staff>, Json(req): Json<RefreshRequest>) -> Result<StatusCode, ApiError> {
    staff.logout(&req.refresh_token).await.map(|()| StatusCode::NO_CONTENT)
}

/// Change your own password; every other session ends, this one continues with the returned pair.
#[utoipa::path(put, path = "/auth/password", tag = "auth", request_body = ChangePasswordRequest, security(("bearer" = [])),
    responses((status = 200, description = "OK", body = TokenResponse), (status = 403, description = "Not allowed for your role", body = ErrorBody), (status = 422, description = "Validation failed", body = ErrorBody),
        (status = 429, description = "Too many wrong current passwords; try again after Retry-After seconds", body = ErrorBody)))]
async fn change_password(
    State(staff): State<Staff>,
    who: AuthStaff,
    Json(req): Json<ChangePasswordRequest>,
) -> Result<axum::Json<TokenResponse>, ApiError> {
    staff.change_password(&who, req.current_password, &req.new_password).await.map(axum::Json)
}

/// Who am I?
#[utoipa::path(get, path = "/auth/me", tag = "auth", security(("bearer" = [])),
    responses((status = 200, description = "OK", body = StaffMember), (status = 401, description = "Not authenticated", body = ErrorBody)))]
async fn me(State(staff): State<Staff>, who: AuthStaff) -> Result<axum::Json<StaffMember>, ApiError> {
    staff.member(who.id).await.map(axum::Json)
}

/// List staff (managers and owners).
#[utoipa::path(get, path = "/staff", tag = "staff", params(StaffListParams), security(("bearer" = [])),
    responses((status = 200, description = "OK", body = Page<StaffMember>), (status = 403, description = "Not allowed for your role", body = ErrorBody)))]
async fn list_staff(
    State(staff): State<Staff>,
    who: AuthStaff,
    Query(params): Query<StaffListParams>,
) -> Result<axum::Json<Page<StaffMember>>, ApiError> {
    who.require_manager()?;
    let page = PageParams { limit: params.limit, cursor: params.cursor };
    let limit = page.limit();
    let rows = staff.list(cursor(page.cursor.as_deref())?, limit, params.include_inactive.unwrap_or(false)).await?;
    Ok(axum::Json(Page::from_rows(rows, limit, |m| m.id.to_string())))
}

/// Add a member of staff. Managers add waiters and kitchen staff; owners add anyone.
#[utoipa::path(post, path = "/staff", tag = "staff", request_body = NewStaff, security(("bearer" = [])),
    params(("Idempotency-Key" = Option<String>, Header, description = "Replays the first answer on retry")),
    responses((status = 201, description = "Created", body = StaffMember), (status = 403, description = "Not allowed for your role", body = ErrorBody), (status = 409, description = "Conflicts with the current state", body = ErrorBody), (status = 422, description = "Validation failed", body = ErrorBody)))]
async fn create_staff(
    State(staff): State<Staff>,
    who: AuthStaff,
    req: IdempotentJson<NewStaff>,
) -> Result<Response, ApiError> {
    if !who.role.can_manage(req.body.role) {
        return Err(ApiError::forbidden(format!("a {} may not add a {}", who.role, req.body.role)));
    }
    let prepared = staff.prepare(req.body).await?;
    let actor = who.actor();
    write_once(&staff.store, req.idempotency.for_actor(actor), StatusCode::CREATED, move |tx| {
        Staff::insert_prepared(tx, actor, &prepared)
    })
    .await
}

/// One member of staff (managers and owners).
#[utoipa::path(get, path = "/staff/{id}", tag = "staff", params(("id" = StaffId, Path)), security(("bearer" = [])),
    responses((status = 200, description = "OK", body = StaffMember), (status = 404, description = "Not found", body = ErrorBody)))]
async fn get_staff(
    State(staff): State<Staff>,
    who: AuthStaff,
    Path(id): Path<StaffId>,
) -> Result<axum::Json<StaffMember>, ApiError> {
    if id != who.id {
        who.require_manager()?;
    }
    staff.member(id).await.map(axum::Json)
}

/// Change a member of staff you manage. Role changes and deactivation end their sessions.
#[utoipa::path(patch, path = "/staff/{id}", tag = "staff", params(("id" = StaffId, Path)), request_body = StaffChanges,
    security(("bearer" = [])),
    responses((status = 200, description = "OK", body = StaffMember), (status = 403, description = "Not allowed for your role", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody), (status = 409, description = "Conflicts with the current state", body = ErrorBody)))]
async fn update_staff(
    State(staff): State<Staff>,
    who: AuthStaff,
    Path(id): Path<StaffId>,
    Json(changes): Json<StaffChanges>,
) -> Result<axum::Json<StaffMember>, ApiError> {
    staff.update(&who, id, changes).await.map(axum::Json)
}

/// Deactivate a member of staff. Their history stays; they can no longer log in.
#[utoipa::path(delete, path = "/staff/{id}", tag = "staff", params(("id" = StaffId, Path)), security(("bearer" = [])),
    responses((status = 200, description = "OK", body = StaffMember), (status = 403, description = "Not allowed for your role", body = ErrorBody), (status = 409, description = "Conflicts with the current state", body = ErrorBody)))]
async fn deactivate_staff(
    State(staff): State<Staff>,
    who: AuthStaff,
    Path(id): Path<StaffId>,
) -> Result<axum::Json<StaffMember>, ApiError> {
    let changes = StaffChanges { active: Some(false), ..StaffChanges::default() };
    staff.update(&who, id, changes).await.map(axum::Json)
}

/// Start a shift.
#[utoipa::path(post, path = "/staff/{id}/clock-in", tag = "shifts", params(("id" = StaffId, Path),
    ("Idempotency-Key" = Option<String>, Header, description = "Replays the first answer on retry")), security(("bearer" = [])),
    responses((status = 201, description = "Created", body = Shift), (status = 409, description = "Conflicts with the current state", body = ErrorBody)))]
async fn clock_in(
    State(staff): State<Staff>,
    who: AuthStaff,
    idem: Idempotent,
    Path(id): Path<StaffId>,
) -> Result<Response, ApiError> {
    clock(staff, who, idem, id, true).await
}

/// End the current shift.
#[utoipa::path(post, path = "/staff/{id}/clock-out", tag = "shifts", params(("id" = StaffId, Path),
    ("Idempotency-Key" = Option<String>, Header, description = "Replays the first answer on retry")), security(("bearer" = [])),
    responses((status = 200, description = "OK", body = Shift), (status = 409, description = "Conflicts with the current state", body = ErrorBody)))]
async fn clock_out(
    State(staff): State<Staff>,
    who: AuthStaff,
    idem: Idempotent,
    Path(id): Path<StaffId>,
) -> Result<Response, ApiError> {
    clock(staff, who, idem, id, false).await
}

async fn clock(
    staff: Staff,
    who: AuthStaff,
    idem: Idempotent,
    id: StaffId,
    starting: bool,
) -> Result<Response, ApiError> {
    let target = staff.member(id).await?;
    let actor = who.actor();
    let status = if starting { StatusCode::CREATED } else { StatusCode::OK };
    write_once(&staff.store, idem.for_actor(actor), status, move |tx| {
        let shift = if starting { Staff::clock_in(tx, &who, &target)? } else { Staff::clock_out(tx, &who, &target)? };
        Ok(shift)
    })
    .await
}

/// Shifts, newest last. Staff see their own; managers see everyone's.
#[utoipa::path(get, path = "/shifts", tag = "shifts", params(ShiftListParams), security(("bearer" = [])),
    responses((status = 200, description = "OK", body = Page<Shift>), (status = 403, description = "Not allowed for your role", body = ErrorBody)))]
async fn list_shifts(
    State(staff): State<Staff>,
    who: AuthStaff,
    Query(p): Query<ShiftListParams>,
) -> Result<axum::Json<Page<Shift>>, ApiError> {
    let limit = PageParams { limit: p.limit, cursor: None }.limit();
    let rows = staff.shifts(&who, p.staff_id, p.from, p.to, cursor(p.cursor.as_deref())?, limit).await?;
    Ok(axum::Json(Page::from_rows(rows, limit, |s| s.id.to_string())))
}
