//! Every SQL statement of the kitchen service, and nowhere else. Parameterised only.

use comanda_domain::{StationId, TicketId, TicketKind, TicketStatus};
use comanda_store::rusqlite::{self, Connection, OptionalExtension, Row, params};
use comanda_store::{StoreError, parse_sql_time, sql_time};
use time::OffsetDateTime;

use crate::model::{Ticket, parse_status, status_str};

fn bad(what: &str) -> rusqlite::Error {
    rusqlite::Error::InvalidColumnType(0, what.to_owned(), rusqlite::types::Type::Text)
}

const COLUMNS: &str =
    "id, station_id, order_id, number, table_name, waiter_name, course, kind, status, lines, created_at, status_at";

fn ticket(row: &Row<'_>, now: OffsetDateTime) -> rusqlite::Result<Ticket> {
    let created_at = parse_sql_time(&row.get::<_, String>(10)?).map_err(|_| bad("time"))?;
    Ok(Ticket {
        id: row.get::<_, String>(0)?.parse().map_err(|_| bad("id"))?,
        station_id: row.get::<_, String>(1)?.parse().map_err(|_| bad("station"))?,
        order_id: row.get::<_, String>(2)?.parse().map_err(|_| bad("order"))?,
        number: row.get(3)?,
        table_name: row.get(4)?,
        waiter_name: row.get(5)?,
        course: row.get(6)?,
        kind: if row.get::<_, String>(7)? == "void" { TicketKind::Void } else { TicketKind::Order },
        status: parse_status(&row.get::<_, String>(8)?).ok_or_else(|| bad("status"))?,
        lines: serde_json::from_str(&row.get::<_, String>(9)?).map_err(|_| bad("lines"))?,
        created_at,
        status_at: parse_sql_time(&row.get::<_, String>(11)?).map_err(|_| bad("time"))?,
        age_seconds: (now - created_at).whole_seconds().max(0),
    })
}

pub fn insert(conn: &Connection, t: &Ticket, source_seq: u64) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO kitchen_tickets (id, station_id, order_id, number, table_name, waiter_name, course, kind, status,
             lines, source_seq, created_at, status_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12)",
        params![
            t.id.to_string(),
            t.station_id.to_string(),
            t.order_id.to_string(),
            t.number,
            t.table_name,
            t.waiter_name,
            t.course,
            if t.kind == TicketKind::Void { "void" } else { "order" },
            status_str(t.status),
            serde_json::to_string(&t.lines)?,
            i64::try_from(source_seq).unwrap_or(i64::MAX),
            sql_time(t.created_at)
        ],
    )?;
    Ok(())
}

pub fn get(conn: &Connection, id: TicketId, now: OffsetDateTime) -> Result<Option<Ticket>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM kitchen_tickets WHERE id = ?1");
    Ok(conn.query_row(&sql, params![id.to_string()], |r| ticket(r, now)).optional()?)
}

pub fn set_status(
    conn: &Connection,
    id: TicketId,
    status: TicketStatus,
    now: OffsetDateTime,
) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE kitchen_tickets SET status = ?2, status_at = ?3 WHERE id = ?1",
        params![id.to_string(), status_str(status), sql_time(now)],
    )?;
    Ok(())
}

/// Which tickets to list: `None` status means every ticket not yet served.
pub struct TicketFilter {
    pub station_id: Option<StationId>,
    pub status: Option<TicketStatus>,
    pub after: Option<TicketId>,
    pub limit: u32,
}

/// Oldest first (ids are time-ordered), at most `limit + 1`.
pub fn list(conn: &Connection, f: &TicketFilter, now: OffsetDateTime) -> Result<Vec<Ticket>, StoreError> {
    let sql = format!(
        "SELECT {COLUMNS} FROM kitchen_tickets
         WHERE (?1 IS NULL OR station_id = ?1) AND (CASE WHEN ?2 IS NULL THEN status <> 'served' ELSE status = ?2 END)
           AND id > ?3
         ORDER BY id LIMIT ?4"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(
        params![
            f.station_id.map(|s| s.to_string()),
            f.status.map(status_str),
            f.after.map(|a| a.to_string()).unwrap_or_default(),
            f.limit + 1
        ],
        |r| ticket(r, now),
    )?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// How many tickets an event already produced (0 or the number of stations).
pub fn count_from(conn: &Connection, source_seq: u64) -> Result<i64, StoreError> {
    Ok(conn.query_row(
        "SELECT COUNT(*) FROM kitchen_tickets WHERE source_seq = ?1",
        params![i64::try_from(source_seq).unwrap_or(i64::MAX)],
        |r| r.get(0),
    )?)
}
