//! Every SQL statement of the orders service, and nowhere else. Parameterised only.

use comanda_domain::{Money, OrderId, OrderLineId, StaffId, TableId, TaxRate};
use comanda_store::rusqlite::{self, Connection, OptionalExtension, Row, params};
use comanda_store::{StoreError, parse_sql_time, sql_time};
use time::OffsetDateTime;

use crate::model::{LineStatus, Order, OrderLine, OrderStatus, line_total};

fn bad(what: &str) -> rusqlite::Error {
    rusqlite::Error::InvalidColumnType(0, what.to_owned(), rusqlite::types::Type::Text)
}

fn parse<T: std::str::FromStr>(row: &Row<'_>, idx: usize, what: &str) -> rusqlite::Result<T> {
    row.get::<_, String>(idx)?.parse().map_err(|_| bad(what))
}

fn time_opt(row: &Row<'_>, idx: usize) -> rusqlite::Result<Option<OffsetDateTime>> {
    row.get::<_, Option<String>>(idx)?.map(|t| parse_sql_time(&t)).transpose().map_err(|_| bad("time"))
}

pub fn next_number(conn: &Connection) -> Result<u32, StoreError> {
    let last: Option<u32> =
        conn.query_row("SELECT last_number FROM orders_counter WHERE singleton = 1", [], |r| r.get(0)).optional()?;
    let next = crate::model::next_number(last);
    conn.execute(
        "INSERT INTO orders_counter (singleton, last_number) VALUES (1, ?1)
         ON CONFLICT (singleton) DO UPDATE SET last_number = excluded.last_number",
        params![next],
    )?;
    Ok(next)
}

pub struct NewOrder<'a> {
    pub id: OrderId,
    pub number: u32,
    pub table_id: TableId,
    pub table_name: &'a str,
    pub guests: u32,
    pub waiter_id: StaffId,
    pub waiter_name: &'a str,
    pub now: OffsetDateTime,
}

pub fn insert_order(conn: &Connection, o: &NewOrder<'_>) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO orders_orders (id, number, table_id, table_name, guests, waiter_id, waiter_name, status, opened_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'open', ?8)",
        params![
            o.id.to_string(),
            o.number,
            o.table_id.to_string(),
            o.table_name,
            o.guests,
            o.waiter_id.to_string(),
            o.waiter_name,
            sql_time(o.now)
        ],
    )?;
    Ok(())
}

pub fn open_order_on_table(conn: &Connection, table: TableId) -> Result<Option<OrderId>, StoreError> {
    let id: Option<String> = conn
        .query_row(
            "SELECT id FROM orders_orders WHERE table_id = ?1 AND status = 'open'",
            params![table.to_string()],
            |r| r.get(0),
        )
        .optional()?;
    id.map(|s| s.parse().map_err(|_| StoreError::Internal("malformed order id".into()))).transpose()
}

const ORDER_COLUMNS: &str = "id, number, table_id, table_name, guests, waiter_id, waiter_name, status, opened_at, closed_at, sends, version, locked";

/// The order head (no lines yet) and how many sends it has had.
fn order_head(row: &Row<'_>) -> rusqlite::Result<(Order, u32)> {
    let status = match row.get::<_, String>(7)?.as_str() {
        "open" => OrderStatus::Open,
        _ => OrderStatus::Closed,
    };
    Ok((
        Order {
            id: parse(row, 0, "id")?,
            number: row.get(1)?,
            table_id: parse(row, 2, "table")?,
            table_name: row.get(3)?,
            guests: row.get(4)?,
            waiter_id: parse(row, 5, "waiter")?,
            waiter_name: row.get(6)?,
            status,
            subtotal: Money::ZERO,
            opened_at: parse_sql_time(&row.get::<_, String>(8)?).map_err(|_| bad("time"))?,
            closed_at: time_opt(row, 9)?,
            version: row.get(11)?,
            locked: row.get(12)?,
            lines: Vec::new(),
        },
        row.get(10)?,
    ))
}

const LINE_COLUMNS: &str =
    "id, item_id, name, category_name, quantity, unit_price, tax_rate_bp, station_id, station_name,
    modifiers, seat, course, note, status, comped, cost, sent_at, added_by";

fn line(row: &Row<'_>) -> rusqlite::Result<OrderLine> {
    let status = match row.get::<_, String>(13)?.as_str() {
        "unsent" => LineStatus::Unsent,
        "sent" => LineStatus::Sent,
        _ => LineStatus::Voided,
    };
    let modifiers: Vec<String> = serde_json::from_str(&row.get::<_, String>(9)?).map_err(|_| bad("modifiers"))?;
    let quantity: u32 = row.get(4)?;
    let unit_price = Money::from_minor(row.get(5)?);
    let comped: bool = row.get(14)?;
    let tax: u32 = row.get(6)?;
    Ok(OrderLine {
        id: parse(row, 0, "id")?,
        item_id: parse(row, 1, "item")?,
        name: row.get(2)?,
        category_name: row.get(3)?,
        quantity,
        unit_price,
        tax_rate_bp: TaxRate::from_bp(tax).map_err(|_| bad("tax"))?,
        station_id: parse(row, 7, "station")?,
        station_name: row.get(8)?,
        modifiers,
        seat: row.get(10)?,
        course: row.get(11)?,
        note: row.get(12)?,
        status,
        comped,
        total: line_total(unit_price, quantity, status, comped).unwrap_or(Money::ZERO),
        cost: row.get::<_, Option<i64>>(15)?.map(Money::from_minor),
        sent_at: time_opt(row, 16)?,
        added_by: parse(row, 17, "staff")?,
    })
}

/// The whole order with its lines, and how many sends it has had.
pub fn order(conn: &Connection, id: OrderId) -> Result<Option<(Order, u32)>, StoreError> {
    let sql = format!("SELECT {ORDER_COLUMNS} FROM orders_orders WHERE id = ?1");
    let Some((mut order, sends)) = conn.query_row(&sql, params![id.to_string()], order_head).optional()? else {
        return Ok(None);
    };
    order.lines = lines(conn, id)?;
    order.subtotal = Money::checked_sum(order.lines.iter().map(|l| l.total))
        .map_err(|_| StoreError::Internal("order subtotal out of range".into()))?;
    Ok(Some((order, sends)))
}

pub fn lines(conn: &Connection, order: OrderId) -> Result<Vec<OrderLine>, StoreError> {
    let sql = format!("SELECT {LINE_COLUMNS} FROM orders_lines WHERE order_id = ?1 ORDER BY position");
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(params![order.to_string()], line)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub struct OrderFilter {
    pub status: Option<OrderStatus>,
    pub table_id: Option<TableId>,
    pub after: Option<OrderId>,
    pub limit: u32,
}

/// Order heads (no lines) in id order, at most `limit + 1`.
pub fn list(conn: &Connection, f: &OrderFilter) -> Result<Vec<Order>, StoreError> {
    let sql = format!(
        "SELECT {ORDER_COLUMNS} FROM orders_orders
         WHERE (?1 IS NULL OR status = ?1) AND (?2 IS NULL OR table_id = ?2) AND id > ?3 ORDER BY id LIMIT ?4"
    );
    let status = f.status.map(|s| if s == OrderStatus::Open { "open" } else { "closed" });
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(
        params![
            status,
            f.table_id.map(|t| t.to_string()),
            f.after.map(|a| a.to_string()).unwrap_or_default(),
            f.limit + 1
        ],
        order_head,
    )?;
    let mut out = Vec::new();
    for row in rows {
        let (mut order, _) = row?;
        order.lines = lines(conn, order.id)?;
        order.subtotal = Money::checked_sum(order.lines.iter().map(|l| l.total))
            .map_err(|_| StoreError::Internal("order subtotal out of range".into()))?;
        out.push(order);
    }
    Ok(out)
}

pub struct NewLine<'a> {
    pub id: OrderLineId,
    pub order_id: OrderId,
    pub item: &'a comanda_menu::ResolvedItem,
    pub quantity: u32,
    pub seat: Option<u32>,
    pub course: u32,
    pub note: Option<&'a str>,
    pub added_by: StaffId,
    pub now: OffsetDateTime,
}

pub fn insert_line(conn: &Connection, l: &NewLine<'_>) -> Result<(), StoreError> {
    let modifiers: Vec<&str> = l.item.modifiers.iter().map(|m| m.name.as_str()).collect();
    conn.execute(
        "INSERT INTO orders_lines (id, order_id, position, item_id, name, category_id, category_name, quantity,
             base_price, unit_price, tax_rate_bp, cost, station_id, station_name, modifiers, seat, course, note,
             status, added_by, added_at)
         VALUES (?1, ?2, (SELECT COALESCE(MAX(position), 0) + 1 FROM orders_lines WHERE order_id = ?2), ?3, ?4, ?5, ?6,
             ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, 'unsent', ?18, ?19)",
        params![
            l.id.to_string(),
            l.order_id.to_string(),
            l.item.item_id.to_string(),
            l.item.name,
            l.item.category_id.to_string(),
            l.item.category_name,
            l.quantity,
            l.item.base_price.minor(),
            l.item.unit_price.minor(),
            l.item.tax_rate.bp(),
            l.item.cost.map(Money::minor),
            l.item.station_id.to_string(),
            l.item.station_name,
            serde_json::to_string(&modifiers)?,
            l.seat,
            l.course,
            l.note,
            l.added_by.to_string(),
            sql_time(l.now)
        ],
    )?;
    Ok(())
}

pub fn line_count(conn: &Connection, order: OrderId) -> Result<usize, StoreError> {
    let n: i64 =
        conn.query_row("SELECT COUNT(*) FROM orders_lines WHERE order_id = ?1", params![order.to_string()], |r| {
            r.get(0)
        })?;
    Ok(usize::try_from(n).unwrap_or(usize::MAX))
}

pub fn mark_sent(
    conn: &Connection,
    lines: &[OrderLineId],
    send_no: u32,
    now: OffsetDateTime,
) -> Result<(), StoreError> {
    let mut stmt = conn.prepare_cached(
        "UPDATE orders_lines SET status = 'sent', send_no = ?2, sent_at = ?3 WHERE id = ?1 AND status = 'unsent'",
    )?;
    for id in lines {
        stmt.execute(params![id.to_string(), send_no, sql_time(now)])?;
    }
    Ok(())
}

pub fn bump_version(conn: &Connection, order: OrderId) -> Result<(), StoreError> {
    conn.execute("UPDATE orders_orders SET version = version + 1 WHERE id = ?1", params![order.to_string()])?;
    Ok(())
}

pub fn lock(conn: &Connection, order: OrderId) -> Result<(), StoreError> {
    conn.execute("UPDATE orders_orders SET locked = 1 WHERE id = ?1", params![order.to_string()])?;
    Ok(())
}

pub fn set_sends(conn: &Connection, order: OrderId, sends: u32) -> Result<(), StoreError> {
    conn.execute("UPDATE orders_orders SET sends = ?2 WHERE id = ?1", params![order.to_string(), sends])?;
    Ok(())
}

pub fn void_line(
    conn: &Connection,
    line: OrderLineId,
    reason: &str,
    approved_by: Option<StaffId>,
    after_send: bool,
    now: OffsetDateTime,
) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE orders_lines SET status = 'voided', void_reason = ?2, void_approved_by = ?3, voided_after_send = ?4,
             voided_at = ?5 WHERE id = ?1",
        params![line.to_string(), reason, approved_by.map(|s| s.to_string()), after_send, sql_time(now)],
    )?;
    Ok(())
}

pub fn comp_line(conn: &Connection, line: OrderLineId, reason: &str, approved_by: StaffId) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE orders_lines SET comped = 1, comp_reason = ?2, comp_approved_by = ?3 WHERE id = ?1",
        params![line.to_string(), reason, approved_by.to_string()],
    )?;
    Ok(())
}

pub fn move_to_table(conn: &Connection, order: OrderId, table: TableId, table_name: &str) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE orders_orders SET table_id = ?2, table_name = ?3 WHERE id = ?1",
        params![order.to_string(), table.to_string(), table_name],
    )?;
    Ok(())
}

/// Moves every line of `from` to the end of `into`, keeping their order.
pub fn move_lines(conn: &Connection, from: OrderId, into: OrderId) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE orders_lines SET order_id = ?2,
             position = position + (SELECT COALESCE(MAX(position), 0) FROM orders_lines WHERE order_id = ?2)
         WHERE order_id = ?1",
        params![from.to_string(), into.to_string()],
    )?;
    Ok(())
}

pub fn add_guests(conn: &Connection, order: OrderId, guests: u32) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE orders_orders SET guests = MIN(guests + ?2, 200) WHERE id = ?1",
        params![order.to_string(), guests],
    )?;
    Ok(())
}

pub fn close(
    conn: &Connection,
    order: OrderId,
    merged_into: Option<OrderId>,
    now: OffsetDateTime,
) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE orders_orders SET status = 'closed', closed_at = ?2, merged_into = ?3 WHERE id = ?1",
        params![order.to_string(), sql_time(now), merged_into.map(|m| m.to_string())],
    )?;
    Ok(())
}
