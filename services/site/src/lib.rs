//! The restaurant itself: its settings (name, currency, whether menu prices include tax) and
//! first-start setup, which creates those settings and the owner in one transaction.
//!
//! Owns `site_settings`. Setup is the only unauthenticated write on the box and works exactly
//! once: afterwards it answers 409. Other services ask [`Site::settings`] for the currency
//! and tax style; they never read the table.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use comanda_api::{ApiError, ErrorBody, IdempotentJson, validate, write_once};
use comanda_domain::{Actor, Event, Role, SiteId, SiteSetup};
use comanda_staff::{NewStaff, Staff, StaffSummary};
use comanda_store::rusqlite::{Connection, OptionalExtension, params};
use comanda_store::{Migration, Migrations, Store, StoreError, WriteTx, sql_time};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub const MIGRATIONS: Migrations = Migrations {
    service: "site",
    steps: &[
        Migration { version: 1, name: "init", sql: include_str!("../migrations/0001_init.sql") },
        Migration { version: 2, name: "timezone", sql: include_str!("../migrations/0002_timezone.sql") },
    ],
};

#[derive(Clone, Debug)]
pub struct Site {
    store: Store,
    staff: Staff,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Settings {
    pub site_id: SiteId,
    pub name: String,
    /// ISO 4217, e.g. `EUR`.
    pub currency: String,
    /// EU style (true, default): menu prices include tax. US style (false): tax is added.
    pub prices_include_tax: bool,
    /// Created with `comanda serve --demo`.
    pub demo: bool,
    /// IANA time zone, e.g. `Europe/Paris`: business days and reports follow it.
    pub timezone: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct RestaurantInput {
    pub name: String,
    pub currency: String,
    #[serde(default = "default_true")]
    pub prices_include_tax: bool,
    /// IANA time zone (default `UTC`).
    pub timezone: Option<String>,
}

fn default_true() -> bool {
    true
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct OwnerInput {
    pub name: String,
    pub username: String,
    pub password: String,
    pub pin: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct SetupRequest {
    pub restaurant: RestaurantInput,
    pub owner: OwnerInput,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SetupResponse {
    pub restaurant: Settings,
    pub owner: StaffSummary,
}

/// Whether setup is done, for the UI to choose between the wizard and the login screen.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SetupStatus {
    pub done: bool,
    /// Name and currency, once set up (shown on the PIN pad).
    pub restaurant: Option<Settings>,
}

/// An IANA time zone name the box knows (from the system's tz database).
pub fn timezone(raw: &str) -> Result<String, ApiError> {
    let name = raw.trim();
    if name.is_empty() || name.len() > 64 {
        return Err(ApiError::validation("timezone must be an IANA name such as Europe/Paris"));
    }
    jiff::tz::TimeZone::get(name).map_err(|_| {
        ApiError::validation(format!("unknown timezone {name:?}; use an IANA name such as Europe/Paris"))
    })?;
    Ok(name.to_owned())
}

/// ISO 4217 codes are three upper-case letters; we accept lower case and normalise.
pub fn currency(raw: &str) -> Result<String, ApiError> {
    let code = raw.trim().to_ascii_uppercase();
    if code.len() != 3 || !code.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(ApiError::validation("currency must be an ISO 4217 code such as EUR, USD or GBP"));
    }
    Ok(code)
}

/// `at` in the site's time zone (UTC before setup or for an unknown zone): receipts and
/// kitchen tickets show local time.
pub fn local_time(conn: &Connection, at: time::OffsetDateTime) -> time::OffsetDateTime {
    let zone = read_settings(conn).ok().flatten().map(|s| s.timezone).unwrap_or_else(|| "UTC".into());
    let offset = jiff::tz::TimeZone::get(&zone)
        .ok()
        .and_then(|tz| jiff::Timestamp::from_second(at.unix_timestamp()).ok().map(|ts| tz.to_offset(ts).seconds()))
        .unwrap_or(0);
    time::UtcOffset::from_whole_seconds(offset).map(|o| at.to_offset(o)).unwrap_or(at)
}

/// The settings, read on the caller's connection (inside its transaction); `None` before setup.
pub fn settings_in(conn: &Connection) -> Result<Option<Settings>, StoreError> {
    read_settings(conn)
}

fn read_settings(conn: &Connection) -> Result<Option<Settings>, StoreError> {
    let row = conn
        .query_row(
            "SELECT site_id, restaurant_name, currency, prices_include_tax, demo, timezone FROM site_settings WHERE singleton = 1",
            [],
            |r| Ok((r.get::<_, String>(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)),
        )
        .optional()?;
    row.map(|(id, name, currency, prices_include_tax, demo, timezone)| {
        let site_id = id.parse().map_err(|_| StoreError::Internal("malformed site id".into()))?;
        Ok(Settings { site_id, name, currency, prices_include_tax, demo, timezone })
    })
    .transpose()
}

impl Site {
    pub fn new(store: Store, staff: Staff) -> Self {
        Self { store, staff }
    }

    /// `None` until first-start setup is done.
    pub async fn settings(&self) -> Result<Option<Settings>, ApiError> {
        Ok(self.store.read(read_settings).await?)
    }

    /// Creates the restaurant and its owner, once. `demo` marks a `--demo` restaurant.
    pub async fn setup(&self, req: SetupRequest, demo: bool) -> Result<SetupResponse, ApiError> {
        let change = self.prepare_setup(req, demo).await?;
        self.store.write(change).await
    }

    /// Validates and hashes outside the transaction; the returned change re-checks that setup
    /// is still not done, inside it, so two racing setups cannot both win.
    async fn prepare_setup(
        &self,
        req: SetupRequest,
        demo: bool,
    ) -> Result<impl FnOnce(&mut WriteTx<'_>) -> Result<SetupResponse, ApiError> + Send + 'static, ApiError> {
        let name = validate::text("restaurant.name", &req.restaurant.name, 1, 100)?;
        let currency = currency(&req.restaurant.currency)?;
        let prices_include_tax = req.restaurant.prices_include_tax;
        let timezone = timezone(req.restaurant.timezone.as_deref().unwrap_or("UTC"))?;
        if self.settings().await?.is_some() {
            return Err(already_done());
        }
        let owner = self
            .staff
            .prepare(NewStaff {
                name: req.owner.name,
                username: req.owner.username,
                role: Role::Owner,
                password: Some(req.owner.password),
                pin: req.owner.pin,
                hourly_rate: None,
            })
            .await?;
        Ok(move |tx: &mut WriteTx<'_>| {
            if read_settings(tx.conn())?.is_some() {
                return Err(already_done());
            }
            let settings = Settings { site_id: SiteId::new(), name, currency, prices_include_tax, demo, timezone };
            insert_settings(tx, &settings)?;
            let actor = Actor::Staff(owner.id());
            tx.append(
                actor,
                Event::SiteSetupCompleted(SiteSetup {
                    restaurant_name: settings.name.clone(),
                    currency: settings.currency.clone(),
                    prices_include_tax,
                    timezone: Some(settings.timezone.clone()),
                }),
            )?;
            let owner = Staff::insert_prepared(tx, actor, &owner)?;
            Ok(SetupResponse { restaurant: settings, owner: StaffSummary::from(&owner) })
        })
    }
}

fn insert_settings(tx: &mut WriteTx<'_>, s: &Settings) -> Result<(), StoreError> {
    let now = sql_time(tx.now());
    tx.conn().execute(
        "INSERT INTO site_settings (singleton, site_id, restaurant_name, currency, prices_include_tax, demo, timezone,
             created_at, updated_at)
         VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)",
        params![s.site_id.to_string(), s.name, s.currency, s.prices_include_tax, s.demo, s.timezone, now],
    )?;
    Ok(())
}

fn already_done() -> ApiError {
    ApiError::conflict("this box is already set up; log in instead")
}

pub fn router(site: Site) -> OpenApiRouter {
    OpenApiRouter::new().routes(routes!(setup_status, setup)).with_state(site)
}

/// Is this box set up yet? (No login needed: the first screen asks.)
#[utoipa::path(get, path = "/setup", tag = "setup", responses((status = 200, description = "OK", body = SetupStatus)))]
async fn setup_status(State(site): State<Site>) -> Result<axum::Json<SetupStatus>, ApiError> {
    let restaurant = site.settings().await?;
    Ok(axum::Json(SetupStatus { done: restaurant.is_some(), restaurant }))
}

/// First start only: create the restaurant and its owner. 409 once done.
#[utoipa::path(post, path = "/setup", tag = "setup", request_body = SetupRequest,
    responses((status = 201, description = "Created", body = SetupResponse), (status = 409, description = "Conflicts with the current state", body = ErrorBody), (status = 422, description = "Validation failed", body = ErrorBody)))]
async fn setup(State(site): State<Site>, req: IdempotentJson<SetupRequest>) -> Result<Response, ApiError> {
    let change = site.prepare_setup(req.body, false).await?;
    write_once(&site.store, req.idempotency, StatusCode::CREATED, change).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timezones_are_iana_names() {
        assert_eq!(timezone(" Europe/Paris ").expect("known"), "Europe/Paris");
        assert_eq!(timezone("UTC").expect("known"), "UTC");
        for bad in ["Mars/Olympus", "", "+02:00"] {
            assert!(timezone(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn currencies_are_three_letter_codes() {
        assert_eq!(currency(" eur ").expect("valid"), "EUR");
        for bad in ["EURO", "€", "E1R", ""] {
            assert!(currency(bad).is_err(), "{bad:?}");
        }
    }
}
