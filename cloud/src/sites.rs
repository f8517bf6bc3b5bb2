//! An owner's sites, pairing a box with its site, and the sales reports across sites.
//!
//! - `GET /api/v1/sites`, `POST /api/v1/sites {name}` (with a pairing code),
//!   `POST /api/v1/sites/{site_id}/pairing-code`: the owner's organisation only.
//! - `POST /api/v1/pair {code}`: the box trades a one-time code for its site id and a fresh
//!   token (the previous token stops working, and a revoked site works again).
//! - `GET /api/v1/reports/sales?from=&to=&site_id=`: with `site_id`, that site's report in the
//!   box's own shape; without, every site of the organisation and their totals per currency.

use std::collections::BTreeMap;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use comanda_domain::Money;
use comanda_reporting::SalesReport;
use comanda_reporting::model::{DaySales, MethodSales, TaxSales};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::owners::{Owner, throttle};
use crate::sales::{self, SiteInfo};
use crate::{ApiError, Cloud, admin};

/// Failed pairing attempts (any code) allowed per window, across all instances.
const MAX_PAIRING_FAILURES: i64 = 30;

#[derive(Debug, Serialize)]
pub struct SiteView {
    pub site_id: Uuid,
    pub name: String,
    pub timezone: String,
    pub currency: Option<String>,
    /// The highest seq received with nothing missing below it.
    pub acked_seq: i64,
    /// When the site last sent events.
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_sync_at: Option<OffsetDateTime>,
    pub revoked: bool,
}

pub async fn list(State(cloud): State<Cloud>, owner: Owner) -> Result<axum::Json<Vec<SiteView>>, ApiError> {
    let client = cloud.pool.get().await.map_err(ApiError::unavailable)?;
    let rows = client
        .query(
            "SELECT s.id, s.name, s.timezone, s.currency, s.acked_seq,
                    (SELECT MAX(received_at) FROM events e WHERE e.site_id = s.id AND e.seq = s.acked_seq),
                    s.revoked_at IS NOT NULL
             FROM sites s WHERE s.org_id = $1 ORDER BY s.name",
            &[&owner.org_id],
        )
        .await
        .map_err(ApiError::unavailable)?;
    Ok(axum::Json(
        rows.iter()
            .map(|r| SiteView {
                site_id: r.get(0),
                name: r.get(1),
                timezone: r.get(2),
                currency: r.get(3),
                acked_seq: r.get(4),
                last_sync_at: r.get(5),
                revoked: r.get(6),
            })
            .collect(),
    ))
}

#[derive(Debug, Deserialize)]
pub struct NewSite {
    pub name: String,
}

#[derive(Debug, Serialize)]
pub struct Pairing {
    pub site_id: Uuid,
    pub name: String,
    /// Type it on the box (dashboard → System → Cloud); works once, until `expires_at`.
    pub pairing_code: String,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
}

pub async fn create(
    State(cloud): State<Cloud>,
    owner: Owner,
    body: axum::Json<NewSite>,
) -> Result<(StatusCode, axum::Json<Pairing>), ApiError> {
    let name = body.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(ApiError::validation("a site's name has 1 to 100 characters"));
    }
    let client = cloud.pool.get().await.map_err(ApiError::unavailable)?;
    let site = Uuid::now_v7();
    // No usable token until the box pairs: this one is thrown away.
    let inserted = client
        .execute(
            "INSERT INTO sites (id, org_id, name, token_hash) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
            &[&site, &owner.org_id, &name, &admin::token_hash(&admin::new_token())],
        )
        .await
        .map_err(ApiError::unavailable)?;
    if inserted == 0 {
        return Err(ApiError::new(StatusCode::CONFLICT, "conflict", format!("you already have a site named {name:?}")));
    }
    let (code, expires_at) = admin::pairing_code(&client, site).await.map_err(ApiError::unavailable)?;
    Ok((
        StatusCode::CREATED,
        axum::Json(Pairing { site_id: site, name: name.to_owned(), pairing_code: code, expires_at }),
    ))
}

/// The owner's site, or 404 (another organisation's site does not exist for them).
async fn owned_site(client: &tokio_postgres::Client, owner: &Owner, site: Uuid) -> Result<SiteInfo, ApiError> {
    let row = client
        .query_opt(
            "SELECT id, name, timezone, currency FROM sites WHERE id = $1 AND org_id = $2",
            &[&site, &owner.org_id],
        )
        .await
        .map_err(ApiError::unavailable)?
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such site"))?;
    Ok(site_info(&row))
}

/// A row of `SELECT id, name, timezone, currency FROM sites`.
fn site_info(r: &tokio_postgres::Row) -> SiteInfo {
    SiteInfo { id: r.get(0), name: r.get(1), timezone: r.get(2), currency: r.get(3) }
}

fn site_id(raw: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(raw).map_err(|_| ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such site"))
}

pub async fn new_code(
    State(cloud): State<Cloud>,
    owner: Owner,
    Path(site): Path<String>,
) -> Result<axum::Json<Pairing>, ApiError> {
    let client = cloud.pool.get().await.map_err(ApiError::unavailable)?;
    let site = owned_site(&client, &owner, site_id(&site)?).await?;
    let (code, expires_at) = admin::pairing_code(&client, site.id).await.map_err(ApiError::unavailable)?;
    Ok(axum::Json(Pairing { site_id: site.id, name: site.name, pairing_code: code, expires_at }))
}

#[derive(Debug, Deserialize)]
pub struct PairRequest {
    pub code: String,
}

pub async fn pair(
    State(cloud): State<Cloud>,
    body: axum::Json<PairRequest>,
) -> Result<axum::Json<comanda_sync_wire::Paired>, ApiError> {
    let code = admin::normalise_code(&body.code);
    let mut client = cloud.pool.get().await.map_err(ApiError::unavailable)?;
    throttle(&client, "pair", MAX_PAIRING_FAILURES).await?;
    let tx = client.transaction().await.map_err(ApiError::unavailable)?;
    let row = tx
        .query_opt(
            "UPDATE pairing_codes p SET used_at = now() FROM sites s
             WHERE p.code_hash = $1 AND p.used_at IS NULL AND p.expires_at > now() AND s.id = p.site_id
             RETURNING s.id, s.name",
            &[&admin::token_hash(&code)],
        )
        .await
        .map_err(ApiError::unavailable)?;
    let Some(row) = row else {
        drop(tx);
        client.execute("INSERT INTO login_failures (key) VALUES ('pair')", &[]).await.map_err(ApiError::unavailable)?;
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            "this pairing code is not valid (wrong, used or expired); ask the cloud for a new one",
        ));
    };
    let (site_id, site_name): (Uuid, String) = (row.get(0), row.get(1));
    let token = admin::new_token();
    tx.execute(
        "UPDATE sites SET token_hash = $2, revoked_at = NULL WHERE id = $1",
        &[&site_id, &admin::token_hash(&token)],
    )
    .await
    .map_err(ApiError::unavailable)?;
    tx.commit().await.map_err(ApiError::unavailable)?;
    tracing::info!(%site_id, "a box paired with its site");
    Ok(axum::Json(comanda_sync_wire::Paired { site_id, site_name, token }))
}

#[derive(Debug, Deserialize)]
pub struct SalesParams {
    pub from: Option<String>,
    pub to: Option<String>,
    pub site_id: Option<String>,
}

/// Every site's report and the organisation's totals per currency.
#[derive(Debug, Serialize)]
pub struct OrgSalesReport {
    pub sites: Vec<SiteSales>,
    pub totals: Vec<CurrencyTotals>,
}

#[derive(Debug, Serialize)]
pub struct SiteSales {
    pub site_id: Uuid,
    pub name: String,
    pub report: SalesReport,
}

/// The sites of one currency added up; each site's local days are its own.
#[derive(Debug, Default, Serialize)]
pub struct CurrencyTotals {
    pub currency: String,
    pub sites: u64,
    pub orders: u64,
    pub covers: u64,
    pub gross: Money,
    pub net: Money,
    pub tax: Money,
    pub tips: Money,
    pub discounts: Money,
    pub service_charge: Money,
    pub refunds: Money,
    pub by_day: Vec<DaySales>,
    pub by_payment_method: Vec<MethodSales>,
    pub taxes: Vec<TaxSales>,
    /// Items by name across sites (each box has its own item ids), best first.
    pub best_sellers: Vec<NamedSales>,
}

#[derive(Debug, Serialize)]
pub struct NamedSales {
    pub name: String,
    pub quantity: u64,
    pub gross: Money,
}

pub async fn sales_report(
    State(cloud): State<Cloud>,
    owner: Owner,
    axum::extract::Query(p): axum::extract::Query<SalesParams>,
) -> Result<axum::response::Response, ApiError> {
    use axum::response::IntoResponse;
    let mut client = cloud.pool.get().await.map_err(ApiError::unavailable)?;
    let sites = match &p.site_id {
        Some(raw) => vec![owned_site(&client, &owner, site_id(raw)?).await?],
        None => client
            .query("SELECT id, name, timezone, currency FROM sites WHERE org_id = $1 ORDER BY name", &[&owner.org_id])
            .await
            .map_err(ApiError::unavailable)?
            .iter()
            .map(site_info)
            .collect(),
    };
    // One snapshot for every site: the figures agree with each other.
    let tx = client
        .build_transaction()
        .isolation_level(tokio_postgres::IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()
        .await
        .map_err(ApiError::unavailable)?;
    let now = OffsetDateTime::now_utc();
    let mut reports = Vec::with_capacity(sites.len());
    for site in sites {
        let report = sales::site_report(&*tx, &site, p.from.as_deref(), p.to.as_deref(), now).await?;
        reports.push(SiteSales { site_id: site.id, name: site.name, report });
    }
    drop(tx);
    if p.site_id.is_some() {
        let one = reports.pop().map(|s| s.report);
        return Ok(axum::Json(one).into_response());
    }
    let totals = totals(&reports).map_err(ApiError::internal)?;
    Ok(axum::Json(OrgSalesReport { sites: reports, totals }).into_response())
}

/// The sites' reports added up per currency.
pub fn totals(sites: &[SiteSales]) -> Result<Vec<CurrencyTotals>, comanda_domain::MoneyError> {
    let mut by_currency: BTreeMap<&str, Vec<&SalesReport>> = BTreeMap::new();
    for s in sites.iter().filter(|s| !s.report.currency.is_empty()) {
        by_currency.entry(&s.report.currency).or_default().push(&s.report);
    }
    let add = |a: &mut Money, b: Money| -> Result<(), comanda_domain::MoneyError> {
        *a = a.checked_add(b)?;
        Ok(())
    };
    let mut out = Vec::new();
    for (currency, reports) in by_currency {
        let mut t = CurrencyTotals { currency: currency.to_owned(), ..CurrencyTotals::default() };
        let mut days: BTreeMap<String, DaySales> = BTreeMap::new();
        let mut methods: Vec<MethodSales> = Vec::new();
        let mut taxes: BTreeMap<u32, TaxSales> = BTreeMap::new();
        let mut items: BTreeMap<String, NamedSales> = BTreeMap::new();
        for r in reports {
            t.sites += 1;
            t.orders += r.orders;
            t.covers += r.covers;
            add(&mut t.gross, r.gross)?;
            add(&mut t.net, r.net)?;
            add(&mut t.tax, r.tax)?;
            add(&mut t.tips, r.tips)?;
            add(&mut t.discounts, r.discounts)?;
            add(&mut t.service_charge, r.service_charge)?;
            add(&mut t.refunds, r.refunds)?;
            for d in &r.by_day {
                let day = days.entry(d.date.clone()).or_insert_with(|| DaySales {
                    date: d.date.clone(),
                    bills: 0,
                    gross: Money::ZERO,
                    net: Money::ZERO,
                });
                day.bills += d.bills;
                add(&mut day.gross, d.gross)?;
                add(&mut day.net, d.net)?;
            }
            for m in &r.by_payment_method {
                match methods.iter_mut().find(|x| x.method == m.method) {
                    Some(x) => {
                        x.payments += m.payments;
                        add(&mut x.amount, m.amount)?;
                        add(&mut x.tips, m.tips)?;
                        add(&mut x.refunds, m.refunds)?;
                    }
                    None => methods.push(m.clone()),
                }
            }
            for x in &r.taxes {
                match taxes.get_mut(&x.rate_bp.bp()) {
                    Some(y) => {
                        add(&mut y.base, x.base)?;
                        add(&mut y.tax, x.tax)?;
                    }
                    None => {
                        taxes.insert(x.rate_bp.bp(), x.clone());
                    }
                }
            }
            for item in &r.by_item {
                let named = items.entry(item.name.clone()).or_insert_with(|| NamedSales {
                    name: item.name.clone(),
                    quantity: 0,
                    gross: Money::ZERO,
                });
                named.quantity += item.quantity;
                add(&mut named.gross, item.gross)?;
            }
        }
        // As on the box: cash, card, then the rest.
        methods.sort_by_key(|m| match m.method.as_str() {
            "cash" => 0,
            "card" => 1,
            _ => 2,
        });
        t.by_day = days.into_values().collect();
        t.by_payment_method = methods;
        t.taxes = taxes.into_values().collect();
        let mut best: Vec<NamedSales> = items.into_values().collect();
        best.sort_by(|a, b| b.gross.cmp(&a.gross).then_with(|| a.name.cmp(&b.name)));
        t.best_sellers = best;
        out.push(t);
    }
    Ok(out)
}
