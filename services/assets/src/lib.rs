//! The restaurant's equipment — ovens, the printers and tablets, furniture — with straight-line
//! depreciation (see [`model`]), for the profit report.
//!
//! Owns the `assets` table. Managers and owners keep the list over HTTP; every change goes out
//! as `asset.changed` with the whole record. Reporting asks [`depreciation_in`] inside its own
//! read transaction and never reads the table.

pub mod api;
pub mod model;
mod sql;

use axum::extract::FromRef;
use comanda_api::ApiError;
use comanda_domain::{Actor, AssetId, Event};
use comanda_staff::Auth;
use comanda_store::rusqlite::Connection;
use comanda_store::{Migration, Migrations, Store, StoreError, WriteTx, sql_time};
use jiff::civil::Date;
use jiff::tz::TimeZone;

pub use api::router;
pub use model::{Asset, AssetChanges, AssetDepreciation, AssetKind, NewAsset};

pub const MIGRATIONS: Migrations = Migrations {
    service: "assets",
    steps: &[Migration { version: 1, name: "init", sql: include_str!("../migrations/0001_init.sql") }],
};

/// The service handle: cheap to clone, shared by its routes.
#[derive(Clone, Debug)]
pub struct Assets {
    store: Store,
    auth: Auth,
}

impl FromRef<Assets> for Auth {
    fn from_ref(a: &Assets) -> Auth {
        a.auth.clone()
    }
}

/// Depreciation of every asset over the local days `from..=to`, on the caller's connection
/// (reporting's read transaction). Assets that lost nothing in the period are left out.
pub fn depreciation_in(conn: &Connection, from: Date, to: Date) -> Result<Vec<AssetDepreciation>, StoreError> {
    Ok(sql::all(conn)?
        .into_iter()
        .map(|a| AssetDepreciation {
            asset_id: a.id,
            name: a.name.clone(),
            category: a.category.clone(),
            amount: a.depreciation(from, to),
        })
        .filter(|d| d.amount.minor() != 0)
        .collect())
}

/// Depreciation per local day of `from..=to` (all assets), for charts by day.
pub fn daily_depreciation_in(conn: &Connection, from: Date, to: Date) -> Result<Vec<(Date, i64)>, StoreError> {
    let assets = sql::all(conn)?;
    let mut out = Vec::new();
    let mut day = from;
    while day <= to && out.len() <= 400 {
        out.push((day, assets.iter().map(|a| a.depreciation(day, day).minor()).sum()));
        let Ok(next) = day.tomorrow() else { break };
        day = next;
    }
    Ok(out)
}

/// Today's date where the restaurant is (UTC before setup).
fn today(conn: &Connection, now: time::OffsetDateTime) -> Date {
    let zone = comanda_site::settings_in(conn).ok().flatten().map(|s| s.timezone);
    let tz = zone.and_then(|z| TimeZone::get(&z).ok()).unwrap_or(TimeZone::UTC);
    jiff::Timestamp::from_second(now.unix_timestamp()).map(|t| t.to_zoned_datetime(tz).date()).unwrap_or(Date::ZERO)
}

fn not_found() -> ApiError {
    ApiError::not_found("no such asset")
}

impl Assets {
    pub fn new(store: Store, auth: Auth) -> Self {
        Self { store, auth }
    }

    pub async fn list(&self) -> Result<Vec<Asset>, ApiError> {
        let now = self.store.clock().now();
        Ok(self
            .store
            .read(move |c| {
                let today = today(c, now);
                Ok::<_, StoreError>(sql::all(c)?.into_iter().map(|a| a.view(today)).collect::<Vec<_>>())
            })
            .await?)
    }

    pub async fn get(&self, id: AssetId) -> Result<Asset, ApiError> {
        let now = self.store.clock().now();
        self.store
            .read(move |c| Ok::<_, StoreError>(sql::get(c, id)?.map(|a| a.view(today(c, now)))))
            .await?
            .ok_or_else(not_found)
    }

    /// Adds an asset in the caller's transaction (the idempotent create).
    pub fn insert(tx: &mut WriteTx<'_>, actor: Actor, new: &NewAsset) -> Result<Asset, ApiError> {
        let record = model::Record::new(AssetId::new(), new)?;
        Self::save(tx, actor, &record)
    }

    fn save(tx: &mut WriteTx<'_>, actor: Actor, record: &model::Record) -> Result<Asset, ApiError> {
        let now = tx.now();
        sql::upsert(tx.conn(), record, &sql_time(now))?;
        tx.append(actor, Event::AssetChanged(record.event()))?;
        Ok(record.view(today(tx.conn(), now)))
    }

    pub async fn update(&self, actor: Actor, id: AssetId, changes: AssetChanges) -> Result<Asset, ApiError> {
        self.store
            .write(move |tx| {
                let current = sql::get(tx.conn(), id)?.ok_or_else(not_found)?;
                let changed = current.changed(&changes)?;
                if changed == current {
                    return Ok(current.view(today(tx.conn(), tx.now())));
                }
                Self::save(tx, actor, &changed)
            })
            .await
    }

    pub async fn depreciation(&self, from: Date, to: Date) -> Result<Vec<AssetDepreciation>, ApiError> {
        Ok(self.store.read(move |c| depreciation_in(c, from, to)).await?)
    }
}
