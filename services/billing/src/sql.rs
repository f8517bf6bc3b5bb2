//! Every SQL statement of the billing service, and nowhere else. Parameterised only.

use comanda_domain::{BillId, CashSessionId, Money, OrderId, PaymentId, PaymentMethod, StaffId};
use comanda_store::rusqlite::{self, Connection, OptionalExtension, Row, params};
use comanda_store::{StoreError, parse_sql_time, sql_time};
use time::OffsetDateTime;

use crate::model::{Bill, BillStatus, Payment, Refund};

fn bad(what: &str) -> rusqlite::Error {
    rusqlite::Error::InvalidColumnType(0, what.to_owned(), rusqlite::types::Type::Text)
}

fn parse<T: std::str::FromStr>(row: &Row<'_>, idx: usize, what: &str) -> rusqlite::Result<T> {
    row.get::<_, String>(idx)?.parse().map_err(|_| bad(what))
}

fn json<T: serde::de::DeserializeOwned>(row: &Row<'_>, idx: usize, what: &str) -> rusqlite::Result<T> {
    serde_json::from_str(&row.get::<_, String>(idx)?).map_err(|_| bad(what))
}

fn time(row: &Row<'_>, idx: usize) -> rusqlite::Result<OffsetDateTime> {
    parse_sql_time(&row.get::<_, String>(idx)?).map_err(|_| bad("time"))
}

fn time_opt(row: &Row<'_>, idx: usize) -> rusqlite::Result<Option<OffsetDateTime>> {
    row.get::<_, Option<String>>(idx)?.map(|t| parse_sql_time(&t)).transpose().map_err(|_| bad("time"))
}

fn method(s: &str) -> rusqlite::Result<PaymentMethod> {
    match s {
        "cash" => Ok(PaymentMethod::Cash),
        "card" => Ok(PaymentMethod::Card),
        "other" => Ok(PaymentMethod::Other),
        _ => Err(bad("method")),
    }
}

pub fn insert_bill(conn: &Connection, b: &Bill) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO billing_bills (id, order_id, parent_id, part_no, parts, number, table_id, table_name, waiter_id, guests,
             status, prices_include_tax, currency, lines, discounts, service, subtotal, discount_total, service_charge,
             taxes, total, created_at, order_version)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23)",
        params![
            b.id.to_string(),
            b.order_id.to_string(),
            b.parent_bill_id.map(|p| p.to_string()),
            b.part,
            b.parts,
            b.number,
            b.table_id.to_string(),
            b.table_name,
            b.waiter_id.to_string(),
            b.guests,
            b.status.as_str(),
            b.prices_include_tax,
            b.currency,
            serde_json::to_string(&b.lines)?,
            serde_json::to_string(&b.discounts)?,
            b.service.map(|s| serde_json::to_string(&s)).transpose()?,
            b.subtotal.minor(),
            b.discount_total.minor(),
            b.service_charge.minor(),
            serde_json::to_string(&b.taxes)?,
            b.total.minor(),
            sql_time(b.created_at),
            b.order_version
        ],
    )?;
    Ok(())
}

/// Saves a bill's recomputed amounts (after a discount).
pub fn update_amounts(conn: &Connection, b: &Bill) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE billing_bills SET discounts = ?2, subtotal = ?3, discount_total = ?4, service_charge = ?5, taxes = ?6,
             total = ?7, lines = ?8 WHERE id = ?1",
        params![
            b.id.to_string(),
            serde_json::to_string(&b.discounts)?,
            b.subtotal.minor(),
            b.discount_total.minor(),
            b.service_charge.minor(),
            serde_json::to_string(&b.taxes)?,
            b.total.minor(),
            serde_json::to_string(&b.lines)?
        ],
    )?;
    Ok(())
}

pub fn set_status(conn: &Connection, id: BillId, status: BillStatus, now: OffsetDateTime) -> Result<(), StoreError> {
    let paid_at = (status == BillStatus::Paid).then(|| sql_time(now));
    conn.execute(
        "UPDATE billing_bills SET status = ?2, paid_at = COALESCE(?3, paid_at) WHERE id = ?1",
        params![id.to_string(), status.as_str(), paid_at],
    )?;
    Ok(())
}

const BILL_COLUMNS: &str =
    "id, order_id, parent_id, part_no, parts, number, table_id, table_name, waiter_id, guests, status,
    prices_include_tax, currency, lines, discounts, service, subtotal, discount_total, service_charge, taxes, total,
    created_at, paid_at, order_version";

fn bill_head(row: &Row<'_>) -> rusqlite::Result<Bill> {
    let service: Option<String> = row.get(15)?;
    Ok(Bill {
        id: parse(row, 0, "id")?,
        order_id: parse(row, 1, "order")?,
        parent_bill_id: row.get::<_, Option<String>>(2)?.map(|p| p.parse().map_err(|_| bad("parent"))).transpose()?,
        part: row.get(3)?,
        parts: row.get(4)?,
        number: row.get(5)?,
        order_version: row.get(23)?,
        table_id: parse(row, 6, "table")?,
        table_name: row.get(7)?,
        waiter_id: parse(row, 8, "waiter")?,
        guests: row.get(9)?,
        status: BillStatus::parse(&row.get::<_, String>(10)?).ok_or_else(|| bad("status"))?,
        prices_include_tax: row.get(11)?,
        currency: row.get(12)?,
        lines: json(row, 13, "lines")?,
        discounts: json(row, 14, "discounts")?,
        service: service.map(|s| serde_json::from_str(&s)).transpose().map_err(|_| bad("service"))?,
        subtotal: Money::from_minor(row.get(16)?),
        discount_total: Money::from_minor(row.get(17)?),
        service_charge: Money::from_minor(row.get(18)?),
        taxes: json(row, 19, "taxes")?,
        total: Money::from_minor(row.get(20)?),
        paid: Money::ZERO,
        tips: Money::ZERO,
        balance: Money::ZERO,
        refunded: Money::ZERO,
        payments: Vec::new(),
        created_at: time(row, 21)?,
        paid_at: time_opt(row, 22)?,
    })
}

/// A bill with its payments and derived `paid`, `tips`, `balance`, `refunded`.
pub fn bill(conn: &Connection, id: BillId) -> Result<Option<Bill>, StoreError> {
    let sql = format!("SELECT {BILL_COLUMNS} FROM billing_bills WHERE id = ?1");
    let Some(mut bill) = conn.query_row(&sql, params![id.to_string()], bill_head).optional()? else {
        return Ok(None);
    };
    bill.payments = payments_of(conn, id)?;
    let sum = |f: fn(&Payment) -> Money| Money::checked_sum(bill.payments.iter().map(f));
    let overflow = |_| StoreError::Internal("bill amounts out of range".into());
    bill.paid = sum(|p| p.amount).map_err(overflow)?;
    bill.tips = sum(|p| p.tip).map_err(overflow)?;
    bill.refunded = sum(|p| p.refunded).map_err(overflow)?;
    bill.balance = bill.total.checked_sub(bill.paid).map_err(overflow)?;
    Ok(Some(bill))
}

/// Bills of an order in creation order, optionally only those with `status`.
pub fn bills_of_order(conn: &Connection, order: OrderId) -> Result<Vec<Bill>, StoreError> {
    let mut stmt = conn.prepare_cached("SELECT id FROM billing_bills WHERE order_id = ?1 ORDER BY id")?;
    let ids: Vec<String> = stmt.query_map(params![order.to_string()], |r| r.get(0))?.collect::<Result<_, _>>()?;
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        let id: BillId = id.parse().map_err(|_| StoreError::Internal("malformed bill id".into()))?;
        if let Some(b) = bill(conn, id)? {
            out.push(b);
        }
    }
    Ok(out)
}

fn payments_of(conn: &Connection, bill: BillId) -> Result<Vec<Payment>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT p.id, p.bill_id, p.method, p.amount, p.tip, p.tendered, p.change, p.cash_session_id, p.taken_by, p.taken_at,
             COALESCE((SELECT SUM(r.amount) FROM billing_refunds r WHERE r.payment_id = p.id), 0)
         FROM billing_payments p WHERE p.bill_id = ?1 ORDER BY p.id",
    )?;
    let rows = stmt.query_map(params![bill.to_string()], payment_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

fn payment_row(row: &Row<'_>) -> rusqlite::Result<Payment> {
    Ok(Payment {
        id: parse(row, 0, "id")?,
        bill_id: parse(row, 1, "bill")?,
        method: method(&row.get::<_, String>(2)?)?,
        amount: Money::from_minor(row.get(3)?),
        tip: Money::from_minor(row.get(4)?),
        tendered: row.get::<_, Option<i64>>(5)?.map(Money::from_minor),
        change: Money::from_minor(row.get(6)?),
        cash_session_id: row.get::<_, Option<String>>(7)?.map(|s| s.parse().map_err(|_| bad("session"))).transpose()?,
        taken_by: parse(row, 8, "staff")?,
        taken_at: time(row, 9)?,
        refunded: Money::from_minor(row.get(10)?),
    })
}

pub fn payment(conn: &Connection, id: PaymentId) -> Result<Option<Payment>, StoreError> {
    Ok(conn
        .query_row(
            "SELECT p.id, p.bill_id, p.method, p.amount, p.tip, p.tendered, p.change, p.cash_session_id, p.taken_by,
                 p.taken_at, COALESCE((SELECT SUM(r.amount) FROM billing_refunds r WHERE r.payment_id = p.id), 0)
             FROM billing_payments p WHERE p.id = ?1",
            params![id.to_string()],
            payment_row,
        )
        .optional()?)
}

pub fn insert_payment(conn: &Connection, p: &Payment) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO billing_payments (id, bill_id, method, amount, tip, tendered, change, cash_session_id, taken_by, taken_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        params![
            p.id.to_string(),
            p.bill_id.to_string(),
            p.method.as_str(),
            p.amount.minor(),
            p.tip.minor(),
            p.tendered.map(Money::minor),
            p.change.minor(),
            p.cash_session_id.map(|s| s.to_string()),
            p.taken_by.to_string(),
            sql_time(p.taken_at)
        ],
    )?;
    Ok(())
}

pub fn insert_refund(
    conn: &Connection,
    r: &Refund,
    refunded_by: StaffId,
    session: Option<CashSessionId>,
) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO billing_refunds (id, payment_id, amount, reason, approved_by, refunded_by, cash_session_id, refunded_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            r.id.to_string(),
            r.payment_id.to_string(),
            r.amount.minor(),
            r.reason,
            r.approved_by.to_string(),
            refunded_by.to_string(),
            session.map(|s| s.to_string()),
            sql_time(r.refunded_at)
        ],
    )?;
    Ok(())
}

// ---- the cash drawer ----

#[derive(Clone, Debug, PartialEq)]
pub struct SessionRow {
    pub id: CashSessionId,
    pub opened_by: StaffId,
    pub opening_float: Money,
    pub opened_at: OffsetDateTime,
    pub closed_at: Option<OffsetDateTime>,
    pub counted: Option<Money>,
}

fn session_row(row: &Row<'_>) -> rusqlite::Result<SessionRow> {
    Ok(SessionRow {
        id: parse(row, 0, "id")?,
        opened_by: parse(row, 1, "staff")?,
        opening_float: Money::from_minor(row.get(2)?),
        opened_at: time(row, 3)?,
        closed_at: time_opt(row, 4)?,
        counted: row.get::<_, Option<i64>>(5)?.map(Money::from_minor),
    })
}

const SESSION_COLUMNS: &str = "id, opened_by, opening_float, opened_at, closed_at, counted";

pub fn open_session(conn: &Connection) -> Result<Option<SessionRow>, StoreError> {
    let sql = format!("SELECT {SESSION_COLUMNS} FROM billing_cash_sessions WHERE closed_at IS NULL");
    Ok(conn.query_row(&sql, [], session_row).optional()?)
}

pub fn session(conn: &Connection, id: CashSessionId) -> Result<Option<SessionRow>, StoreError> {
    let sql = format!("SELECT {SESSION_COLUMNS} FROM billing_cash_sessions WHERE id = ?1");
    Ok(conn.query_row(&sql, params![id.to_string()], session_row).optional()?)
}

pub fn insert_session(
    conn: &Connection,
    id: CashSessionId,
    by: StaffId,
    float: Money,
    now: OffsetDateTime,
) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO billing_cash_sessions (id, opened_by, opening_float, opened_at) VALUES (?1, ?2, ?3, ?4)",
        params![id.to_string(), by.to_string(), float.minor(), sql_time(now)],
    )?;
    Ok(())
}

pub fn close_session(
    conn: &Connection,
    id: CashSessionId,
    by: StaffId,
    expected: Money,
    counted: Money,
    now: OffsetDateTime,
) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE billing_cash_sessions SET closed_by = ?2, closed_at = ?3, expected = ?4, counted = ?5 WHERE id = ?1",
        params![id.to_string(), by.to_string(), sql_time(now), expected.minor(), counted.minor()],
    )?;
    Ok(())
}

pub fn insert_movement(
    conn: &Connection,
    session: CashSessionId,
    kind: &str,
    amount: Money,
    reason: &str,
    by: StaffId,
    now: OffsetDateTime,
) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO billing_cash_movements (id, session_id, kind, amount, reason, moved_by, moved_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            uuid::Uuid::now_v7().to_string(),
            session.to_string(),
            kind,
            amount.minor(),
            reason,
            by.to_string(),
            sql_time(now)
        ],
    )?;
    Ok(())
}

/// Everything that moved through one drawer session, for the X and Z reports.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SessionTotals {
    /// (method, payments, amount, tips)
    pub by_method: Vec<(PaymentMethod, i64, Money, Money)>,
    /// (method, amount)
    pub refunds: Vec<(PaymentMethod, Money)>,
    pub cash_in: Money,
    pub cash_out: Money,
}

pub fn session_totals(conn: &Connection, id: CashSessionId) -> Result<SessionTotals, StoreError> {
    let mut t = SessionTotals::default();
    let mut stmt = conn.prepare_cached(
        "SELECT method, COUNT(*), SUM(amount), SUM(tip) FROM billing_payments WHERE cash_session_id = ?1
         GROUP BY method ORDER BY method",
    )?;
    let rows = stmt.query_map(params![id.to_string()], |r| {
        Ok((method(&r.get::<_, String>(0)?)?, r.get(1)?, Money::from_minor(r.get(2)?), Money::from_minor(r.get(3)?)))
    })?;
    t.by_method = rows.collect::<Result<_, _>>()?;
    let mut stmt = conn.prepare_cached(
        "SELECT p.method, SUM(r.amount) FROM billing_refunds r JOIN billing_payments p ON p.id = r.payment_id
         WHERE r.cash_session_id = ?1 GROUP BY p.method ORDER BY p.method",
    )?;
    let rows = stmt
        .query_map(params![id.to_string()], |r| Ok((method(&r.get::<_, String>(0)?)?, Money::from_minor(r.get(1)?))))?;
    t.refunds = rows.collect::<Result<_, _>>()?;
    let moved = |kind: &str| -> Result<Money, StoreError> {
        let sum: i64 = conn.query_row(
            "SELECT COALESCE(SUM(amount), 0) FROM billing_cash_movements WHERE session_id = ?1 AND kind = ?2",
            params![id.to_string(), kind],
            |r| r.get(0),
        )?;
        Ok(Money::from_minor(sum))
    };
    t.cash_in = moved("in")?;
    t.cash_out = moved("out")?;
    Ok(t)
}
