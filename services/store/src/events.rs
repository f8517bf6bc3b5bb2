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
    let rows = stmt.query_map(params![after, limit], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, String>(4)?,
            r.get::<_, String>(5)?,
            r.get::<_, Vec<u8>>(6)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (seq, id, event_type, at, actor, data, hash) = row?;
        let bad = |what: &str| StoreError::Internal(format!("event {seq} has a malformed {what}"));
        out.push(StoredEvent {
            seq: u64::try_from(seq).map_err(|_| bad("seq"))?,
            id: id.parse().map_err(|_| bad("id"))?,
            event_type,
            at: crate::timefmt::parse_sql_time(&at).map_err(|_| bad("time"))?,
            actor: actor.parse().map_err(|_| bad("actor"))?,
            data: serde_json::from_str(&data)?,
            hash: hex::encode(hash),
        });
    }
    Ok(out)
}
