//! Every SQL statement of the notifications service. Parameterised only.

use comanda_store::rusqlite::{self, Connection, OptionalExtension, Row, params};
use comanda_store::{StoreError, parse_sql_time, sql_time};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::{Channel, Message, OutboxStatus};

fn bad(what: &str) -> rusqlite::Error {
    rusqlite::Error::InvalidColumnType(0, what.to_owned(), rusqlite::types::Type::Text)
}

const COLUMNS: &str =
    "id, channel, recipient, subject, body, template, status, attempts, not_before, last_error, created_at, sent_at";

fn message(r: &Row<'_>) -> rusqlite::Result<Message> {
    let time = |i: usize| -> rusqlite::Result<OffsetDateTime> {
        parse_sql_time(&r.get::<_, String>(i)?).map_err(|_| bad("time"))
    };
    Ok(Message {
        id: r.get::<_, String>(0)?.parse().map_err(|_| bad("id"))?,
        channel: Channel::parse(&r.get::<_, String>(1)?).ok_or_else(|| bad("channel"))?,
        recipient: r.get(2)?,
        subject: r.get(3)?,
        body: r.get(4)?,
        template: r.get(5)?,
        status: OutboxStatus::parse(&r.get::<_, String>(6)?).ok_or_else(|| bad("status"))?,
        attempts: r.get(7)?,
        not_before: time(8)?,
        last_error: r.get(9)?,
        created_at: time(10)?,
        sent_at: r.get::<_, Option<String>>(11)?.map(|t| parse_sql_time(&t).map_err(|_| bad("sent_at"))).transpose()?,
    })
}

/// Adds a message unless one with the same `dedupe_key` exists; returns whether it was added.
pub fn insert(conn: &Connection, m: &Message, dedupe_key: Option<&str>) -> Result<bool, StoreError> {
    let n = conn.execute(
        "INSERT INTO notify_outbox (id, dedupe_key, channel, recipient, subject, body, template, status, attempts,
             not_before, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'pending', 0, ?8, ?9)
         ON CONFLICT (dedupe_key) DO NOTHING",
        params![
            m.id.to_string(),
            dedupe_key,
            m.channel.as_str(),
            m.recipient,
            m.subject,
            m.body,
            m.template,
            sql_time(m.not_before),
            sql_time(m.created_at)
        ],
    )?;
    Ok(n > 0)
}

/// Pending messages due by `now`, oldest first.
pub fn due(conn: &Connection, now: OffsetDateTime, limit: u32) -> Result<Vec<Message>, StoreError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM notify_outbox WHERE status = 'pending' AND not_before <= ?1 ORDER BY not_before, id LIMIT ?2"
    ))?;
    let rows = stmt.query_map(params![sql_time(now), limit], message)?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

/// When the next pending message is due.
pub fn next_due(conn: &Connection) -> Result<Option<OffsetDateTime>, StoreError> {
    let at: Option<String> =
        conn.query_row("SELECT MIN(not_before) FROM notify_outbox WHERE status = 'pending'", [], |r| r.get(0))?;
    at.map(|t| parse_sql_time(&t)).transpose()
}

pub fn get(conn: &Connection, id: Uuid) -> Result<Option<Message>, StoreError> {
    Ok(conn
        .query_row(&format!("SELECT {COLUMNS} FROM notify_outbox WHERE id = ?1"), params![id.to_string()], message)
        .optional()?)
}

pub fn recent(conn: &Connection, status: Option<&str>, limit: u32) -> Result<Vec<Message>, StoreError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM notify_outbox WHERE (?1 IS NULL OR status = ?1) ORDER BY created_at DESC, id DESC LIMIT ?2"
    ))?;
    let rows = stmt.query_map(params![status, limit], message)?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

/// Delivered: only a message still pending becomes sent (so it is recorded once).
pub fn mark_sent(conn: &Connection, id: Uuid, at: OffsetDateTime) -> Result<bool, StoreError> {
    let n = conn.execute(
        "UPDATE notify_outbox SET status = 'sent', sent_at = ?2, attempts = attempts + 1, last_error = NULL
         WHERE id = ?1 AND status = 'pending'",
        params![id.to_string(), sql_time(at)],
    )?;
    Ok(n > 0)
}

pub fn mark_retry(
    conn: &Connection,
    id: Uuid,
    next: OffsetDateTime,
    error: &str,
    give_up: bool,
) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE notify_outbox SET attempts = attempts + 1, not_before = ?2, last_error = ?3,
             status = CASE WHEN ?4 THEN 'failed' ELSE status END
         WHERE id = ?1 AND status = 'pending'",
        params![id.to_string(), sql_time(next), error, give_up],
    )?;
    Ok(())
}

/// A failed message goes back to the queue, now.
pub fn retry(conn: &Connection, id: Uuid, now: OffsetDateTime) -> Result<bool, StoreError> {
    let n = conn.execute(
        "UPDATE notify_outbox SET status = 'pending', not_before = ?2 WHERE id = ?1 AND status = 'failed'",
        params![id.to_string(), sql_time(now)],
    )?;
    Ok(n > 0)
}

/// Cancels the pending message with `dedupe_key` (a reminder of a booking that changed).
pub fn cancel_pending(conn: &Connection, dedupe_key: &str) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE notify_outbox SET status = 'cancelled', dedupe_key = dedupe_key || ':cancelled:' || id
         WHERE dedupe_key = ?1 AND status = 'pending'",
        params![dedupe_key],
    )?;
    Ok(())
}

pub fn remember_order(conn: &Connection, order: &str, waiter: &str, table: &str) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO notify_orders (order_id, waiter_id, table_name) VALUES (?1, ?2, ?3)
         ON CONFLICT (order_id) DO UPDATE SET waiter_id = excluded.waiter_id, table_name = excluded.table_name",
        params![order, waiter, table],
    )?;
    Ok(())
}

pub fn order_waiter(conn: &Connection, order: &str) -> Result<Option<(String, String)>, StoreError> {
    Ok(conn
        .query_row("SELECT waiter_id, table_name FROM notify_orders WHERE order_id = ?1", params![order], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?)
}
