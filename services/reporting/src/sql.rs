//! Every SQL statement of the reporting service, and nowhere else. Parameterised only.
//!
//! The projection writes facts (`apply`); the report reads sums over them (`sales_facts`),
//! all in one read transaction so the numbers agree with each other even while the
//! projection commits.

use comanda_domain::{Money, OrderId, PaymentMethod, TaxRate};
use comanda_store::rusqlite::{self, Connection, Row, params};
use comanda_store::{StoreError, parse_sql_time, sql_time};
use time::OffsetDateTime;

use crate::model::{
    LineSales, MethodSales, MinuteSales, ReportRange, SalesFact, SalesFacts, SalesTotals, StaffSales, TaxSales,
};

fn bad(what: &str) -> rusqlite::Error {
    rusqlite::Error::InvalidColumnType(0, what.to_owned(), rusqlite::types::Type::Text)
}

fn seq_sql(seq: u64) -> i64 {
    i64::try_from(seq).unwrap_or(i64::MAX)
}

fn method_str(method: PaymentMethod) -> &'static str {
    method.as_str()
}

fn parse_method(raw: &str) -> rusqlite::Result<PaymentMethod> {
    match raw {
        "cash" => Ok(PaymentMethod::Cash),
        "card" => Ok(PaymentMethod::Card),
        "other" => Ok(PaymentMethod::Other),
        _ => Err(bad("method")),
    }
}

/// Writes what one event contributes, in the projection's transaction. Returns `false` when
/// the fact was already recorded (a bill, payment or refund id seen before): it is kept once.
pub fn apply(conn: &Connection, fact: &SalesFact, seq: u64, at: OffsetDateTime) -> Result<bool, StoreError> {
    let at = sql_time(at);
    match fact {
        SalesFact::OrderOpened { order_id, covers } => {
            add_covers(conn, *order_id, i64::from(*covers))?;
            Ok(true)
        }
        SalesFact::OrderMerged { order_id, into } => {
            let covers: i64 = conn
                .query_row(
                    "SELECT COALESCE((SELECT covers FROM reporting_orders WHERE order_id = ?1), 0)",
                    params![order_id.to_string()],
                    |r| r.get(0),
                )
                .map_err(StoreError::from)?;
            conn.execute("UPDATE reporting_orders SET covers = 0 WHERE order_id = ?1", params![order_id.to_string()])?;
            add_covers(conn, *into, covers)?;
            Ok(true)
        }
        SalesFact::BillPaid { bill, tax } => {
            let inserted = conn.execute(
                "INSERT INTO reporting_bills (bill_id, order_id, waiter_id, paid_at, subtotal, discount_total,
                     service_charge, tax, total, tips, source_seq)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
                 ON CONFLICT (bill_id) DO NOTHING",
                params![
                    bill.bill_id.to_string(),
                    bill.order_id.to_string(),
                    bill.waiter_id.to_string(),
                    at,
                    bill.subtotal.minor(),
                    bill.discount_total.minor(),
                    bill.service_charge.minor(),
                    tax.minor(),
                    bill.total.minor(),
                    bill.tips.minor(),
                    seq_sql(seq)
                ],
            )?;
            if inserted == 0 {
                return Ok(false);
            }
            let mut line = conn.prepare_cached(
                "INSERT INTO reporting_bill_lines (bill_id, position, paid_at, item_id, name, category, quantity,
                     amount, tax_rate_bp, cost)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            )?;
            for (position, l) in (0_i64..).zip(&bill.lines) {
                line.execute(params![
                    bill.bill_id.to_string(),
                    position,
                    at,
                    l.item_id.to_string(),
                    l.name,
                    l.category_name,
                    l.quantity,
                    l.amount.minor(),
                    l.tax_rate_bp.bp(),
                    l.cost.map(Money::minor)
                ])?;
            }
            let mut tax_row = conn.prepare_cached(
                "INSERT INTO reporting_bill_taxes (bill_id, position, paid_at, rate_bp, base, tax)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?;
            for (position, t) in (0_i64..).zip(&bill.taxes) {
                tax_row.execute(params![
                    bill.bill_id.to_string(),
                    position,
                    at,
                    t.rate_bp.bp(),
                    t.base.minor(),
                    t.tax.minor()
                ])?;
            }
            Ok(true)
        }
        SalesFact::PaymentTaken(p) => {
            let inserted = conn.execute(
                "INSERT INTO reporting_payments (payment_id, bill_id, order_id, method, amount, tip, at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                 ON CONFLICT (payment_id) DO NOTHING",
                params![
                    p.payment_id.to_string(),
                    p.bill_id.to_string(),
                    p.order_id.to_string(),
                    method_str(p.method),
                    p.amount.minor(),
                    p.tip.minor(),
                    at
                ],
            )?;
            Ok(inserted > 0)
        }
        SalesFact::PaymentRefunded(r) => {
            let inserted = conn.execute(
                "INSERT INTO reporting_refunds (refund_id, payment_id, bill_id, method, amount, at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (refund_id) DO NOTHING",
                params![
                    r.refund_id.to_string(),
                    r.payment_id.to_string(),
                    r.bill_id.to_string(),
                    method_str(r.method),
                    r.amount.minor(),
                    at
                ],
            )?;
            Ok(inserted > 0)
        }
    }
}

fn add_covers(conn: &Connection, order: OrderId, covers: i64) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO reporting_orders (order_id, covers) VALUES (?1, ?2)
         ON CONFLICT (order_id) DO UPDATE SET covers = covers + excluded.covers",
        params![order.to_string(), covers],
    )?;
    Ok(())
}

fn count(row: &Row<'_>, i: usize) -> rusqlite::Result<u64> {
    u64::try_from(row.get::<_, i64>(i)?).map_err(|_| bad("count"))
}

fn money(row: &Row<'_>, i: usize) -> rusqlite::Result<Money> {
    Ok(Money::from_minor(row.get::<_, i64>(i)?))
}

/// The facts of a report over `range`, from one consistent snapshot.
pub fn sales_facts(conn: &Connection, range: ReportRange) -> Result<SalesFacts, StoreError> {
    // A read transaction: every statement below sees the same committed state.
    let snapshot = conn.unchecked_transaction()?;
    let (from, to) = (sql_time(range.from), sql_time(range.to));
    let c = &*snapshot;

    let (orders, gross, tax, discounts, service_charge) = c.query_row(
        "SELECT COUNT(DISTINCT order_id), COALESCE(SUM(total), 0), COALESCE(SUM(tax), 0),
                COALESCE(SUM(discount_total), 0), COALESCE(SUM(service_charge), 0)
         FROM reporting_bills WHERE paid_at >= ?1 AND paid_at < ?2",
        params![from, to],
        |r| Ok((count(r, 0)?, money(r, 1)?, money(r, 2)?, money(r, 3)?, money(r, 4)?)),
    )?;
    let covers = c.query_row(
        "SELECT COALESCE(SUM(covers), 0) FROM reporting_orders
         WHERE order_id IN (SELECT order_id FROM reporting_bills WHERE paid_at >= ?1 AND paid_at < ?2)",
        params![from, to],
        |r| count(r, 0),
    )?;
    let tips = c.query_row(
        "SELECT COALESCE(SUM(tip), 0) FROM reporting_payments WHERE at >= ?1 AND at < ?2",
        params![from, to],
        |r| money(r, 0),
    )?;
    let refunds = c.query_row(
        "SELECT COALESCE(SUM(amount), 0) FROM reporting_refunds WHERE at >= ?1 AND at < ?2",
        params![from, to],
        |r| money(r, 0),
    )?;
    let totals = SalesTotals { orders, covers, gross, tax, tips, discounts, service_charge, refunds };

    // One pass over the lines for items and categories (the widest scan of the report).
    // `name` is a bare column beside MAX(paid_at): SQLite takes it from the group's latest line.
    let lines = collect(
        c,
        "SELECT item_id, category, name, SUM(quantity), SUM(amount), MAX(paid_at) FROM reporting_bill_lines
         WHERE paid_at >= ?1 AND paid_at < ?2
         GROUP BY item_id, category",
        [&from, &to],
        |r| {
            Ok(LineSales {
                item_id: r.get::<_, String>(0)?.parse().map_err(|_| bad("item_id"))?,
                category: r.get(1)?,
                name: r.get(2)?,
                quantity: count(r, 3)?,
                gross: money(r, 4)?,
                last_paid_at: r.get(5)?,
            })
        },
    )?;
    let by_minute = bills_by_minute(c, [&from, &to])?;
    let by_staff = collect(
        c,
        "SELECT waiter_id, COUNT(*), SUM(total), SUM(tips) FROM reporting_bills
         WHERE paid_at >= ?1 AND paid_at < ?2
         GROUP BY waiter_id ORDER BY SUM(total) DESC, waiter_id",
        [&from, &to],
        |r| {
            Ok(StaffSales {
                staff_id: r.get::<_, String>(0)?.parse().map_err(|_| bad("waiter_id"))?,
                bills: count(r, 1)?,
                gross: money(r, 2)?,
                tips: money(r, 3)?,
            })
        },
    )?;
    let by_payment_method = collect(
        c,
        "SELECT method, SUM(payments), SUM(amount), SUM(tips), SUM(refunds) FROM (
             SELECT method, 1 AS payments, amount, tip AS tips, 0 AS refunds FROM reporting_payments
             WHERE at >= ?1 AND at < ?2
             UNION ALL
             SELECT method, 0, 0, 0, amount FROM reporting_refunds WHERE at >= ?1 AND at < ?2
         )
         GROUP BY method
         ORDER BY CASE method WHEN 'cash' THEN 0 WHEN 'card' THEN 1 ELSE 2 END, method",
        [&from, &to],
        |r| {
            Ok(MethodSales {
                method: parse_method(&r.get::<_, String>(0)?)?,
                payments: count(r, 1)?,
                amount: money(r, 2)?,
                tips: money(r, 3)?,
                refunds: money(r, 4)?,
            })
        },
    )?;
    let taxes = collect(
        c,
        "SELECT rate_bp, SUM(base), SUM(tax) FROM reporting_bill_taxes
         WHERE paid_at >= ?1 AND paid_at < ?2
         GROUP BY rate_bp ORDER BY rate_bp",
        [&from, &to],
        |r| {
            Ok(TaxSales {
                rate_bp: TaxRate::from_bp(r.get(0)?).map_err(|_| bad("rate_bp"))?,
                base: money(r, 1)?,
                tax: money(r, 2)?,
            })
        },
    )?;
    Ok(SalesFacts { totals, lines, by_minute, by_staff, by_payment_method, taxes })
}

/// Paid bills per UTC minute of `[from, to)` (fixed-width UTC text).
fn bills_by_minute(c: &Connection, range: [&String; 2]) -> Result<Vec<MinuteSales>, StoreError> {
    collect(
        c,
        "SELECT MIN(paid_at), COUNT(*), SUM(total), SUM(tax) FROM reporting_bills
         WHERE paid_at >= ?1 AND paid_at < ?2
         GROUP BY substr(paid_at, 1, 16) ORDER BY 1",
        range,
        |r| {
            Ok(MinuteSales {
                at: parse_sql_time(&r.get::<_, String>(0)?).map_err(|_| bad("paid_at"))?,
                bills: count(r, 1)?,
                gross: money(r, 2)?,
                tax: money(r, 3)?,
            })
        },
    )
}

/// Paid bills per UTC minute of `range`, in the caller's read transaction (the profit report
/// needs these and not the rest of [`sales_facts`]).
pub fn bills_by_minute_in(c: &Connection, range: ReportRange) -> Result<Vec<MinuteSales>, StoreError> {
    let (from, to) = (sql_time(range.from), sql_time(range.to));
    bills_by_minute(c, [&from, &to])
}

fn collect<T>(
    conn: &Connection,
    sql: &str,
    range: [&String; 2],
    row: impl FnMut(&Row<'_>) -> rusqlite::Result<T>,
) -> Result<Vec<T>, StoreError> {
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map(params![range[0], range[1]], row)?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}
