//! The cloud's sales projections and reports: the box's own rules, on PostgreSQL.
//!
//! The ingest transaction hands [`project`] the seqs it has just made gapless; they are read
//! back in seq order and turned into facts by `comanda_reporting`'s [`SalesFact::from_event`],
//! exactly as the box's projection does, so out-of-order batches project in the box's order and
//! a retried batch (nothing new acked) projects nothing. The report then sums the same facts
//! with the same SQL shape and finishes with the box's [`model::report`]: per site the answer
//! is the box's `GET /reports/sales`, to the cent.

use comanda_domain::{Money, PaymentMethod, TaxRate};
use comanda_reporting::model::{
    self, LineSales, MethodSales, MinuteSales, ReportRange, SalesFact, SalesFacts, SalesReport, SalesTotals,
    StaffSales, TaxSales,
};
use comanda_store::sql_time;
use jiff::tz::TimeZone;
use time::OffsetDateTime;
use tokio_postgres::{GenericClient, Row};
use uuid::Uuid;

use crate::ApiError;

/// The event types the projections read (the rest is kept, not projected).
const PROJECTED: &[&str] =
    &["site.setup_completed", "order.opened", "order.moved", "bill.paid", "payment.taken", "payment.refunded"];

/// Projects the site's events with `after < seq <= upto`, in seq order, inside the caller's
/// transaction.
pub async fn project(
    tx: &tokio_postgres::Transaction<'_>,
    site_id: Uuid,
    after: i64,
    upto: i64,
) -> Result<(), tokio_postgres::Error> {
    let types: Vec<&str> = PROJECTED.to_vec();
    let rows = tx
        .query(
            "SELECT seq, type, at, data FROM events
             WHERE site_id = $1 AND seq > $2 AND seq <= $3 AND type = ANY($4)
             ORDER BY seq",
            &[&site_id, &after, &upto, &types],
        )
        .await?;
    for row in rows {
        let (seq, kind, at, data): (i64, String, OffsetDateTime, serde_json::Value) =
            (row.get(0), row.get(1), row.get(2), row.get(3));
        if kind == "site.setup_completed" {
            setup(tx, site_id, &data).await?;
            continue;
        }
        match SalesFact::from_event(&kind, &data) {
            Ok(Some(fact)) => apply(tx, site_id, &fact, seq, at).await?,
            Ok(None) => {}
            Err(error) => {
                tracing::error!(%site_id, seq, event_type = %kind, %error,
                    "this event cannot be read; it is left out of the site's reports (as on the box)");
            }
        }
    }
    Ok(())
}

/// The site's time zone and currency, as its box was set up.
async fn setup(
    tx: &tokio_postgres::Transaction<'_>,
    site_id: Uuid,
    data: &serde_json::Value,
) -> Result<(), tokio_postgres::Error> {
    let Ok(setup) = serde_json::from_value::<comanda_domain::SiteSetup>(data.clone()) else {
        tracing::error!(%site_id, "the site's setup event cannot be read; its reports stay in UTC");
        return Ok(());
    };
    let timezone = setup.timezone.filter(|tz| TimeZone::get(tz).is_ok()).unwrap_or_else(|| "UTC".to_owned());
    tx.execute("UPDATE sites SET timezone = $2, currency = $3 WHERE id = $1", &[&site_id, &timezone, &setup.currency])
        .await?;
    Ok(())
}

fn method(m: PaymentMethod) -> &'static str {
    m.as_str()
}

fn bp(rate: TaxRate) -> i32 {
    i32::try_from(rate.bp()).unwrap_or(i32::MAX)
}

async fn apply(
    tx: &tokio_postgres::Transaction<'_>,
    site: Uuid,
    fact: &SalesFact,
    seq: i64,
    at: OffsetDateTime,
) -> Result<(), tokio_postgres::Error> {
    match fact {
        SalesFact::OrderOpened { order_id, covers } => {
            add_covers(tx, site, &order_id.to_string(), i64::from(*covers)).await?;
        }
        SalesFact::OrderMerged { order_id, into } => {
            let order_id = order_id.to_string();
            let covers = tx
                .query_opt(
                    "SELECT covers FROM sales_orders WHERE site_id = $1 AND order_id = $2 FOR UPDATE",
                    &[&site, &order_id],
                )
                .await?
                .map_or(0, |r| r.get::<_, i64>(0));
            tx.execute("UPDATE sales_orders SET covers = 0 WHERE site_id = $1 AND order_id = $2", &[&site, &order_id])
                .await?;
            add_covers(tx, site, &into.to_string(), covers).await?;
        }
        SalesFact::BillPaid { bill, tax } => {
            let bill_id = bill.bill_id.to_string();
            let inserted = tx
                .execute(
                    "INSERT INTO sales_bills (site_id, bill_id, order_id, waiter_id, paid_at, subtotal, discount_total,
                         service_charge, tax, total, tips, source_seq)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
                     ON CONFLICT DO NOTHING",
                    &[
                        &site,
                        &bill_id,
                        &bill.order_id.to_string(),
                        &bill.waiter_id.to_string(),
                        &at,
                        &bill.subtotal.minor(),
                        &bill.discount_total.minor(),
                        &bill.service_charge.minor(),
                        &tax.minor(),
                        &bill.total.minor(),
                        &bill.tips.minor(),
                        &seq,
                    ],
                )
                .await?;
            if inserted == 0 {
                tracing::warn!(%site, seq, "this bill was already projected; counted once");
                return Ok(());
            }
            for (position, l) in (0_i64..).zip(&bill.lines) {
                tx.execute(
                    "INSERT INTO sales_bill_lines (site_id, bill_id, position, paid_at, item_id, name, category,
                         quantity, amount, tax_rate_bp, cost)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                    &[
                        &site,
                        &bill_id,
                        &position,
                        &at,
                        &l.item_id.to_string(),
                        &l.name,
                        &l.category_name,
                        &i64::from(l.quantity),
                        &l.amount.minor(),
                        &bp(l.tax_rate_bp),
                        &l.cost.map(Money::minor),
                    ],
                )
                .await?;
            }
            for (position, t) in (0_i64..).zip(&bill.taxes) {
                tx.execute(
                    "INSERT INTO sales_bill_taxes (site_id, bill_id, position, paid_at, rate_bp, base, tax)
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                    &[&site, &bill_id, &position, &at, &bp(t.rate_bp), &t.base.minor(), &t.tax.minor()],
                )
                .await?;
            }
        }
        SalesFact::PaymentTaken(p) => {
            tx.execute(
                "INSERT INTO sales_payments (site_id, payment_id, bill_id, order_id, method, amount, tip, at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                 ON CONFLICT DO NOTHING",
                &[
                    &site,
                    &p.payment_id.to_string(),
                    &p.bill_id.to_string(),
                    &p.order_id.to_string(),
                    &method(p.method),
                    &p.amount.minor(),
                    &p.tip.minor(),
                    &at,
                ],
            )
            .await?;
        }
        SalesFact::PaymentRefunded(r) => {
            tx.execute(
                "INSERT INTO sales_refunds (site_id, refund_id, payment_id, bill_id, method, amount, at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)
                 ON CONFLICT DO NOTHING",
                &[
                    &site,
                    &r.refund_id.to_string(),
                    &r.payment_id.to_string(),
                    &r.bill_id.to_string(),
                    &method(r.method),
                    &r.amount.minor(),
                    &at,
                ],
            )
            .await?;
        }
    }
    Ok(())
}

async fn add_covers(
    tx: &tokio_postgres::Transaction<'_>,
    site: Uuid,
    order: &str,
    covers: i64,
) -> Result<(), tokio_postgres::Error> {
    tx.execute(
        "INSERT INTO sales_orders (site_id, order_id, covers) VALUES ($1, $2, $3)
         ON CONFLICT (site_id, order_id) DO UPDATE SET covers = sales_orders.covers + excluded.covers",
        &[&site, &order, &covers],
    )
    .await?;
    Ok(())
}

/// A site as its reports need it.
#[derive(Clone, Debug)]
pub struct SiteInfo {
    pub id: Uuid,
    pub name: String,
    pub timezone: String,
    pub currency: Option<String>,
}

/// The site's sales report for `?from=&to=`, in the site's time zone: the box's answer.
pub async fn site_report(
    client: &impl GenericClient,
    site: &SiteInfo,
    from: Option<&str>,
    to: Option<&str>,
    now: OffsetDateTime,
) -> Result<SalesReport, ApiError> {
    let tz = TimeZone::get(&site.timezone).map_err(ApiError::internal)?;
    let range = model::resolve_range(from, to, &tz, now).map_err(ApiError::from_box)?;
    let facts = facts(client, site.id, range).await.map_err(ApiError::unavailable)?;
    model::report(range, &tz, site.timezone.clone(), site.currency.clone().unwrap_or_default(), facts)
        .map_err(ApiError::from_box)
}

fn count(row: &Row, i: usize) -> u64 {
    u64::try_from(row.get::<_, i64>(i)).unwrap_or(0)
}

fn money(row: &Row, i: usize) -> Money {
    Money::from_minor(row.get::<_, i64>(i))
}

fn parse<T: std::str::FromStr>(row: &Row, i: usize) -> Result<T, ApiError> {
    row.get::<_, String>(i).parse().map_err(|_| ApiError::internal(format!("column {i} holds a malformed id")))
}

/// The facts of `range`, the box's `sales_facts` on PostgreSQL. The caller gives one snapshot
/// (a repeatable-read transaction) so the figures agree with each other.
async fn facts(
    client: &impl GenericClient,
    site: Uuid,
    range: ReportRange,
) -> Result<SalesFacts, tokio_postgres::Error> {
    let (from, to) = (range.from, range.to);
    let p: [&(dyn tokio_postgres::types::ToSql + Sync); 3] = [&site, &from, &to];
    let t = client
        .query_one(
            "SELECT COUNT(DISTINCT order_id), COALESCE(SUM(total), 0)::bigint, COALESCE(SUM(tax), 0)::bigint,
                    COALESCE(SUM(discount_total), 0)::bigint, COALESCE(SUM(service_charge), 0)::bigint
             FROM sales_bills WHERE site_id = $1 AND paid_at >= $2 AND paid_at < $3",
            &p,
        )
        .await?;
    let covers = client
        .query_one(
            "SELECT COALESCE(SUM(covers), 0)::bigint FROM sales_orders
             WHERE site_id = $1 AND order_id IN (
                 SELECT order_id FROM sales_bills WHERE site_id = $1 AND paid_at >= $2 AND paid_at < $3)",
            &p,
        )
        .await?;
    let tips = client
        .query_one(
            "SELECT COALESCE(SUM(tip), 0)::bigint FROM sales_payments WHERE site_id = $1 AND at >= $2 AND at < $3",
            &p,
        )
        .await?;
    let refunds = client
        .query_one(
            "SELECT COALESCE(SUM(amount), 0)::bigint FROM sales_refunds WHERE site_id = $1 AND at >= $2 AND at < $3",
            &p,
        )
        .await?;
    let totals = SalesTotals {
        orders: count(&t, 0),
        covers: count(&covers, 0),
        gross: money(&t, 1),
        tax: money(&t, 2),
        tips: money(&tips, 0),
        discounts: money(&t, 3),
        service_charge: money(&t, 4),
        refunds: money(&refunds, 0),
    };
    let mut facts = SalesFacts { totals, ..SalesFacts::default() };
    // The name on the group's latest line, as SQLite's bare column beside MAX(paid_at) gives it.
    for r in client
        .query(
            "SELECT item_id, category, (array_agg(name ORDER BY paid_at DESC, bill_id DESC, position DESC))[1],
                    SUM(quantity)::bigint, SUM(amount)::bigint, MAX(paid_at)
             FROM sales_bill_lines WHERE site_id = $1 AND paid_at >= $2 AND paid_at < $3
             GROUP BY item_id, category ORDER BY item_id COLLATE \"C\", category COLLATE \"C\"",
            &p,
        )
        .await?
    {
        let Ok(item_id) = parse(&r, 0) else { continue };
        facts.lines.push(LineSales {
            item_id,
            category: r.get(1),
            name: r.get(2),
            quantity: count(&r, 3),
            gross: money(&r, 4),
            last_paid_at: sql_time(r.get(5)),
        });
    }
    for r in client
        .query(
            "SELECT MIN(paid_at), COUNT(*), SUM(total)::bigint, SUM(tax)::bigint
             FROM sales_bills WHERE site_id = $1 AND paid_at >= $2 AND paid_at < $3
             GROUP BY date_trunc('minute', paid_at AT TIME ZONE 'UTC') ORDER BY 1",
            &p,
        )
        .await?
    {
        facts.by_minute.push(MinuteSales { at: r.get(0), bills: count(&r, 1), gross: money(&r, 2), tax: money(&r, 3) });
    }
    for r in client
        .query(
            "SELECT waiter_id, COUNT(*), SUM(total)::bigint, SUM(tips)::bigint
             FROM sales_bills WHERE site_id = $1 AND paid_at >= $2 AND paid_at < $3
             GROUP BY waiter_id ORDER BY SUM(total) DESC, waiter_id COLLATE \"C\"",
            &p,
        )
        .await?
    {
        let Ok(staff_id) = parse(&r, 0) else { continue };
        facts.by_staff.push(StaffSales { staff_id, bills: count(&r, 1), gross: money(&r, 2), tips: money(&r, 3) });
    }
    for r in client
        .query(
            "SELECT method, SUM(payments)::bigint, SUM(amount)::bigint, SUM(tips)::bigint, SUM(refunds)::bigint FROM (
                 SELECT method, 1 AS payments, amount, tip AS tips, 0 AS refunds FROM sales_payments
                 WHERE site_id = $1 AND at >= $2 AND at < $3
                 UNION ALL
                 SELECT method, 0, 0, 0, amount FROM sales_refunds WHERE site_id = $1 AND at >= $2 AND at < $3
             ) m
             GROUP BY method
             ORDER BY CASE method WHEN 'cash' THEN 0 WHEN 'card' THEN 1 ELSE 2 END, method COLLATE \"C\"",
            &p,
        )
        .await?
    {
        let method = match r.get::<_, &str>(0) {
            "cash" => PaymentMethod::Cash,
            "card" => PaymentMethod::Card,
            _ => PaymentMethod::Other,
        };
        facts.by_payment_method.push(MethodSales {
            method,
            payments: count(&r, 1),
            amount: money(&r, 2),
            tips: money(&r, 3),
            refunds: money(&r, 4),
        });
    }
    for r in client
        .query(
            "SELECT rate_bp, SUM(base)::bigint, SUM(tax)::bigint FROM sales_bill_taxes
             WHERE site_id = $1 AND paid_at >= $2 AND paid_at < $3
             GROUP BY rate_bp ORDER BY rate_bp",
            &p,
        )
        .await?
    {
        let Ok(rate_bp) = TaxRate::from_bp(u32::try_from(r.get::<_, i32>(0)).unwrap_or(u32::MAX)) else { continue };
        facts.taxes.push(TaxSales { rate_bp, base: money(&r, 1), tax: money(&r, 2) });
    }
    Ok(facts)
}
