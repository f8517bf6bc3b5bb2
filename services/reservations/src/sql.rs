//! Every SQL statement of the reservations service. Parameterised only.

use comanda_store::rusqlite::{self, Connection, OptionalExtension, Row, params};
use comanda_store::{StoreError, parse_sql_time, sql_time};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::model::{Reservation, Status, WaitlistEntry};

fn bad(what: &str) -> rusqlite::Error {
    rusqlite::Error::InvalidColumnType(0, what.to_owned(), rusqlite::types::Type::Text)
}

const COLUMNS: &str = "id, name, phone, email, party_size, starts_at, ends_at, duration_minutes, table_id, area_id, \
                       notes, status, order_id, locale";

fn time_at(r: &Row<'_>, i: usize) -> rusqlite::Result<OffsetDateTime> {
    parse_sql_time(&r.get::<_, String>(i)?).map_err(|_| bad("time"))
}

fn parse<T: std::str::FromStr>(r: &Row<'_>, i: usize) -> rusqlite::Result<Option<T>> {
    r.get::<_, Option<String>>(i)?.map(|s| s.parse().map_err(|_| bad("id"))).transpose()
}

fn reservation(r: &Row<'_>) -> rusqlite::Result<Reservation> {
    Ok(Reservation {
        id: parse(r, 0)?.ok_or_else(|| bad("id"))?,
        name: r.get(1)?,
        phone: r.get(2)?,
        email: r.get(3)?,
        party_size: r.get(4)?,
        starts_at: time_at(r, 5)?,
        ends_at: time_at(r, 6)?,
        duration_minutes: r.get(7)?,
        table_id: parse(r, 8)?,
        table_name: None,
        area_id: parse(r, 9)?,
        notes: r.get(10)?,
        status: Status::parse(&r.get::<_, String>(11)?).ok_or_else(|| bad("status"))?,
        order_id: parse(r, 12)?,
        locale: r.get(13)?,
    })
}

pub fn get(conn: &Connection, id: Uuid) -> Result<Option<Reservation>, StoreError> {
    Ok(conn
        .query_row(&format!("SELECT {COLUMNS} FROM reservations WHERE id = ?1"), params![id.to_string()], reservation)
        .optional()?)
}

/// Bookings starting in `[from, to)`, by time.
pub fn between(conn: &Connection, from: OffsetDateTime, to: OffsetDateTime) -> Result<Vec<Reservation>, StoreError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM reservations WHERE starts_at >= ?1 AND starts_at < ?2 ORDER BY starts_at, name"
    ))?;
    let rows = stmt.query_map(params![sql_time(from), sql_time(to)], reservation)?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

/// Bookings that hold a table at some moment of `[from, to)`.
pub fn holding(conn: &Connection, from: OffsetDateTime, to: OffsetDateTime) -> Result<Vec<Reservation>, StoreError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM reservations
         WHERE status IN ('booked', 'seated') AND table_id IS NOT NULL AND starts_at < ?2 AND ends_at > ?1"
    ))?;
    let rows = stmt.query_map(params![sql_time(from), sql_time(to)], reservation)?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

pub fn upsert(conn: &Connection, r: &Reservation, now: OffsetDateTime) -> Result<(), StoreError> {
    let now = sql_time(now);
    conn.execute(
        "INSERT INTO reservations (id, name, phone, email, party_size, starts_at, ends_at, duration_minutes, table_id,
             area_id, notes, status, order_id, locale, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?15)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, phone = excluded.phone, email = excluded.email,
             party_size = excluded.party_size, starts_at = excluded.starts_at, ends_at = excluded.ends_at,
             duration_minutes = excluded.duration_minutes, table_id = excluded.table_id, area_id = excluded.area_id,
             notes = excluded.notes, status = excluded.status, order_id = excluded.order_id, locale = excluded.locale,
             updated_at = excluded.updated_at",
        params![
            r.id.to_string(),
            r.name,
            r.phone,
            r.email,
            r.party_size,
            sql_time(r.starts_at),
            sql_time(r.ends_at),
            r.duration_minutes,
            r.table_id.map(|t| t.to_string()),
            r.area_id.map(|a| a.to_string()),
            r.notes,
            r.status.as_str(),
            r.order_id.map(|o| o.to_string()),
            r.locale,
            now
        ],
    )?;
    Ok(())
}

fn entry(r: &Row<'_>) -> rusqlite::Result<WaitlistEntry> {
    Ok(WaitlistEntry {
        id: parse(r, 0)?.ok_or_else(|| bad("id"))?,
        name: r.get(1)?,
        phone: r.get(2)?,
        party_size: r.get(3)?,
        quoted_minutes: r.get(4)?,
        added_at: time_at(r, 5)?,
        status: r.get(6)?,
    })
}

pub fn waiting(conn: &Connection) -> Result<Vec<WaitlistEntry>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, name, phone, party_size, quoted_minutes, added_at, status FROM waitlist
         WHERE status = 'waiting' ORDER BY added_at",
    )?;
    let rows = stmt.query_map([], entry)?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

pub fn entry_by_id(conn: &Connection, id: Uuid) -> Result<Option<WaitlistEntry>, StoreError> {
    Ok(conn
        .query_row(
            "SELECT id, name, phone, party_size, quoted_minutes, added_at, status FROM waitlist WHERE id = ?1",
            params![id.to_string()],
            entry,
        )
        .optional()?)
}

pub fn upsert_entry(conn: &Connection, e: &WaitlistEntry) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO waitlist (id, name, phone, party_size, quoted_minutes, added_at, status)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (id) DO UPDATE SET status = excluded.status, quoted_minutes = excluded.quoted_minutes",
        params![e.id.to_string(), e.name, e.phone, e.party_size, e.quoted_minutes, sql_time(e.added_at), e.status],
    )?;
    Ok(())
}
