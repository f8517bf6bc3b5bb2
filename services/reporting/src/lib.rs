//! Sales reports, from a projection of the event log.
//!
//! Owns the `reporting_*` tables. It never reads billing's or orders' tables and they never
//! call it: a durable bus subscriber ([`SUBSCRIBER`]) reads `order.opened`, `order.moved`,
//! `bill.paid`, `payment.taken` and `payment.refunded` and records their facts together with
//! its cursor, so every event counts exactly once across restarts. `GET /reports/sales` sums
//! those facts over local days of the site's time zone (from `comanda_site`).

pub mod api;
pub mod model;
pub mod profit;
mod projection;
mod sql;

use axum::extract::FromRef;
use comanda_api::ApiError;
use comanda_staff::Auth;
use comanda_store::{Migration, Migrations, Store};
use jiff::tz::TimeZone;

pub use api::router;
pub use model::SalesReport;
pub use profit::ProfitReport;

pub const MIGRATIONS: Migrations = Migrations {
    service: "reporting",
    steps: &[
        Migration { version: 1, name: "init", sql: include_str!("../migrations/0001_init.sql") },
        Migration { version: 2, name: "profit", sql: include_str!("../migrations/0002_profit.sql") },
    ],
};

/// The projection's name on the bus (its cursor in `bus_cursors`).
pub const SUBSCRIBER: &str = "reporting.sales";

/// The service handle: cheap to clone, shared by its routes.
#[derive(Clone, Debug)]
pub struct Reporting {
    store: Store,
    auth: Auth,
}

impl FromRef<Reporting> for Auth {
    fn from_ref(r: &Reporting) -> Auth {
        r.auth.clone()
    }
}

impl Reporting {
    pub fn new(store: Store, auth: Auth) -> Self {
        Self { store, auth }
    }

    /// The sales report for `?from=&to=` (see [`model::resolve_range`]) in the site's time
    /// zone. 409 before first-start setup.
    pub async fn sales_report(&self, from: Option<&str>, to: Option<&str>) -> Result<SalesReport, ApiError> {
        let (range, tz, settings) = self.range(from, to).await?;
        let facts = self.store.read(move |c| sql::sales_facts(c, range)).await?;
        model::report(range, &tz, settings.timezone, settings.currency, facts)
    }

    /// The site's settings, its time zone and the instants `?from=&to=` covers there.
    async fn range(
        &self,
        from: Option<&str>,
        to: Option<&str>,
    ) -> Result<(model::ReportRange, TimeZone, comanda_site::Settings), ApiError> {
        let settings = self
            .store
            .read(comanda_site::settings_in)
            .await?
            .ok_or_else(|| ApiError::conflict("this box is not set up yet; run first-start setup"))?;
        let tz = TimeZone::get(&settings.timezone).map_err(|_| {
            ApiError::conflict(format!("the site's time zone {:?} is unknown to this box", settings.timezone))
        })?;
        let range = model::resolve_range(from, to, &tz, self.store.clock().now())?;
        Ok((range, tz, settings))
    }

    /// Profit over `?from=&to=` (see [`profit`]).
    pub async fn profit_report(&self, from: Option<&str>, to: Option<&str>) -> Result<ProfitReport, ApiError> {
        let (range, tz, settings) = self.range(from, to).await?;
        let facts = {
            let tz = tz.clone();
            self.store.read(move |c| profit::facts(c, range, &tz)).await?
        };
        profit::report(range, &tz, settings.timezone, settings.currency, facts)
    }
}
