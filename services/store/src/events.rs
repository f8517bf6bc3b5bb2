//! Reading the log back: the stored form of an event, as subscribers and clients see it.

use comanda_domain::{Actor, EventId};
use rusqlite::{Connection, params};
use serde::Serialize;
use time::OffsetDateTime;

use crate::StoreError;

/// One committed event. Serialised as the WebSocket and sync message:
/// `{"seq","id","type","at","actor","data"}`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StoredEvent {
    pub seq: u64,
    pub id: EventId,
    #[serde(rename = "type")]
    pub event_type: String,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub actor: Actor,
    pub data: serde_json::Value,
    #[serde(skip)]
    pub hash: String,
}

/// The response first given to an `Idempotency-Key`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdempotencyRecord {
    pub request_hash: String,
    pub status: u16,
    pub body: String,
}

pub(crate) fn after(conn: &Connection, after: u64, limit: u32) -> Result<Vec<StoredEvent>, StoreError> {
    let after = i64::try_from(after).unwrap_or(i64::MAX);
    let mut stmt = conn.prepare_cached(
        "SELECT seq, id, type, at, actor, data, hash FROM events WHERE seq > ?1 ORDER BY seq LIMIT ?2",
    )?;
    collect(stmt.query(params![after, limit])?)
}

/// Which events [`matching`] returns.
#[derive(Clone, Debug, Default)]
pub struct EventFilter {
    /// Exact type names; empty means every type.
    pub types: Vec<String>,
    /// Only events by this actor (its log form: a staff id or `system`).
    pub actor: Option<String>,
    /// Events at or after this instant.
    pub from: Option<time::OffsetDateTime>,
    /// Events before this instant.
    pub to: Option<time::OffsetDateTime>,
    /// Only events with `seq` below this (for paging backwards: newest first).
    pub before_seq: Option<u64>,
    pub limit: u32,
}

/// Events matching `f`, newest first. The log is read through the store's own API, so a
/// service (the audit trail) never reads the `events` table itself.
pub fn matching(conn: &Connection, f: &EventFilter) -> Result<Vec<StoredEvent>, StoreError> {
    let types = serde_json::to_string(&f.types)?;
    let mut stmt = conn.prepare_cached(
        "SELECT seq, id, type, at, actor, data, hash FROM events
         WHERE (?1 = '[]' OR type IN (SELECT value FROM json_each(?1)))
           AND (?2 IS NULL OR actor = ?2) AND (?3 IS NULL OR at >= ?3) AND (?4 IS NULL OR at < ?4)
           AND (?5 IS NULL OR seq < ?5)
         ORDER BY seq DESC LIMIT ?6",
    )?;
    let rows = stmt.query(params![
        types,
        f.actor,
        f.from.map(crate::sql_time),
        f.to.map(crate::sql_time),
        f.before_seq.map(|s| i64::try_from(s).unwrap_or(i64::MAX)),
        f.limit
    ])?;
    collect(rows)
}

fn collect(mut rows: rusqlite::Rows<'_>) -> Result<Vec<StoredEvent>, StoreError> {
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        let row = (
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, String>(4)?,
            r.get::<_, String>(5)?,
            r.get::<_, Vec<u8>>(6)?,
        );
        out.push(decode(row)?);
    }
    Ok(out)
}

type RawEvent = (i64, String, String, String, String, String, Vec<u8>);

fn decode((seq, id, event_type, at, actor, data, hash): RawEvent) -> Result<StoredEvent, StoreError> {
    let bad = |what: &str| StoreError::Internal(format!("event {seq} has a malformed {what}"));
    Ok(StoredEvent {
        seq: u64::try_from(seq).map_err(|_| bad("seq"))?,
        id: id.parse().map_err(|_| bad("id"))?,
        event_type,
        at: crate::timefmt::parse_sql_time(&at).map_err(|_| bad("time"))?,
        actor: actor.parse().map_err(|_| bad("actor"))?,
        data: serde_json::from_str(&data)?,
        hash: hex::encode(hash),
    })
}
