//! The tamper-evident hash chain over the event log (BRIEF §5; the shape fiscal rules such
//! as France's NF525 ask of a till: inalterable, secured, kept).
//!
//! `hash(n) = SHA-256(hash(n-1) ‖ seq ‖ id ‖ type ‖ at ‖ actor ‖ data)`, with `hash(0)` = 32
//! zero bytes, `seq` as 8 big-endian bytes, and each text field prefixed by its length as 4
//! big-endian bytes so no two different events can concatenate to the same input. `data` is
//! canonical JSON (object keys sorted, no spaces), stored exactly as hashed.

use rusqlite::{Connection, OptionalExtension};
use serde_json::Value;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use crate::StoreError;

#[derive(Clone, Copy, Debug)]
pub(crate) struct ChainHead {
    pub seq: u64,
    pub hash: [u8; 32],
}

/// An intact chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChainReport {
    pub events: u64,
    pub last_seq: u64,
    pub head_hash: String,
}

/// The first place the chain does not hold.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("event log broken at seq {seq}: {reason}")]
pub struct ChainBroken {
    pub seq: u64,
    pub reason: String,
}

pub(crate) fn head(conn: &Connection) -> Result<ChainHead, StoreError> {
    let row: Option<(i64, Vec<u8>)> = conn
        .query_row("SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1", [], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    match row {
        None => Ok(ChainHead { seq: 0, hash: [0; 32] }),
        Some((seq, hash)) => {
            let hash: [u8; 32] =
                hash.try_into().map_err(|_| StoreError::Internal(format!("event {seq} has a malformed hash")))?;
            Ok(ChainHead { seq: u64::try_from(seq).unwrap_or(0), hash })
        }
    }
}

pub(crate) fn link_hash(
    prev: &[u8; 32],
    seq: u64,
    id: &str,
    event_type: &str,
    at: &str,
    actor: &str,
    data: &str,
) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(prev);
    h.update(seq.to_be_bytes());
    for field in [id, event_type, at, actor, data] {
        let len = u32::try_from(field.len()).unwrap_or(u32::MAX);
        h.update(len.to_be_bytes());
        h.update(field.as_bytes());
    }
    h.finalize().into()
}

pub(crate) fn format_at(at: OffsetDateTime) -> Result<String, StoreError> {
    Ok(crate::timefmt::sql_time(at))
}

/// JSON with object keys sorted at every level, so the same data always hashes the same.
pub fn canonical_json(value: &Value) -> String {
    let mut out = String::new();
    write_canonical(value, &mut out);
    out
}

fn write_canonical(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<_> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            out.push('{');
            for (i, (k, v)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(k.clone()).to_string());
                out.push(':');
                write_canonical(v, out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(v, out);
            }
            out.push(']');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

/// Walks the whole log in order, recomputing every link.
pub(crate) fn verify(conn: &Connection) -> Result<Result<ChainReport, ChainBroken>, StoreError> {
    let mut stmt = conn.prepare("SELECT seq, id, type, at, actor, data, hash FROM events ORDER BY seq")?;
    let mut rows = stmt.query([])?;
    let mut prev = [0u8; 32];
    let mut expected_seq: u64 = 1;
    let mut count = 0;
    while let Some(row) = rows.next()? {
        let seq: i64 = row.get(0)?;
        let seq = u64::try_from(seq).unwrap_or(0);
        if seq != expected_seq {
            return Ok(Err(ChainBroken {
                seq: expected_seq,
                reason: format!("missing event (next stored seq is {seq})"),
            }));
        }
        let (id, ty, at, actor, data): (String, String, String, String, String) =
            (row.get(1)?, row.get(2)?, row.get(3)?, row.get(4)?, row.get(5)?);
        let stored: Vec<u8> = row.get(6)?;
        let computed = link_hash(&prev, seq, &id, &ty, &at, &actor, &data);
        if stored.as_slice() != computed.as_slice() {
            return Ok(Err(ChainBroken { seq, reason: "hash does not match the event's contents".into() }));
        }
        prev = computed;
        expected_seq += 1;
        count += 1;
    }
    Ok(Ok(ChainReport { events: count, last_seq: expected_seq - 1, head_hash: hex::encode(prev) }))
}
