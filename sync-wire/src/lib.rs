//! The sync wire, version 1: what a box sends `comanda-cloud` and what it answers.
//!
//! The box posts its event log in order, in batches, to
//! `POST /api/v1/sites/{site_id}/events` with its site token; the cloud ingests each
//! `(site, event id)` once and answers [`Ack`] with `acked_seq`, the highest seq it holds with
//! no gap below it. The box moves its cursor only to that. Errors have the shape every Comanda
//! API uses, [`ErrorBody`].
//!
//! Compatibility: both sides ignore fields they do not know, and every field added after v1
//! must have a default, so an older box works with a newer cloud and the other way round.
//! These types hold no box internals: the cloud depends on this crate alone.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The wire version in this crate; sent as the `Comanda-Sync-Version` header.
pub const WIRE_VERSION: u32 = 1;
pub const VERSION_HEADER: &str = "comanda-sync-version";
/// A batch holds at most this many events…
pub const MAX_BATCH_EVENTS: usize = 500;
/// …and its JSON body at most this many bytes (a box splits before either is reached).
pub const MAX_BATCH_BYTES: usize = 1 << 20;
/// Longest event type accepted (they are short dotted names like `order.sent`).
pub const MAX_TYPE_LEN: usize = 100;

/// The cloud's path for a site's events.
pub fn events_path(site_id: Uuid) -> String {
    format!("/api/v1/sites/{site_id}/events")
}

/// A slice of one site's event log, in seq order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EventBatch {
    pub site_id: Uuid,
    /// The seq of the first event and of the last: the box's log has no gaps, so a batch
    /// covers `first_seq..=last_seq` exactly.
    pub first_seq: u64,
    pub last_seq: u64,
    pub events: Vec<WireEvent>,
}

/// One event of the box's log, as the box recorded it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WireEvent {
    /// Unique for ever: the cloud's exactly-once key, with the site.
    pub id: Uuid,
    pub seq: u64,
    #[serde(rename = "type")]
    pub event_type: String,
    /// RFC 3339, as the box wrote it.
    pub at: String,
    /// A staff id, or `system`.
    pub actor: String,
    pub data: serde_json::Value,
}

/// The cloud's answer to a batch.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ack {
    /// The highest seq the cloud holds for the site with every seq below it held too.
    pub acked_seq: u64,
    /// Events of this batch that were new to the cloud (the rest it had already).
    #[serde(default)]
    pub ingested: u64,
}

/// `{"error":{"code","message"}}`, as every Comanda API answers an error.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorDetail {
    pub code: String,
    pub message: String,
}

/// Why a batch is refused (the cloud answers 422 with this as the message).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BatchError {
    #[error("a batch holds 1 to {MAX_BATCH_EVENTS} events, this one {0}")]
    Size(usize),
    #[error("first_seq {first} and last_seq {last} do not match the {count} events sent")]
    Range { first: u64, last: u64, count: usize },
    #[error("event {index} has seq {seq}, expected {expected}: a batch is a gapless run of the log")]
    Order { index: usize, seq: u64, expected: u64 },
    #[error("event id {0} appears twice in the batch")]
    DuplicateId(Uuid),
    #[error("event {index}'s type must be 1 to {MAX_TYPE_LEN} characters")]
    Type { index: usize },
    #[error("seq numbers start at 1")]
    ZeroSeq,
}

impl EventBatch {
    /// A batch of `events`, which must be consecutive seqs of the site's log.
    pub fn new(site_id: Uuid, events: Vec<WireEvent>) -> Self {
        let first_seq = events.first().map_or(0, |e| e.seq);
        let last_seq = events.last().map_or(0, |e| e.seq);
        Self { site_id, first_seq, last_seq, events }
    }

    /// Checks what the cloud relies on: 1 to [`MAX_BATCH_EVENTS`] events whose seqs run from
    /// `first_seq` to `last_seq` without a gap, distinct ids, sensible types.
    pub fn validate(&self) -> Result<(), BatchError> {
        let count = self.events.len();
        if count == 0 || count > MAX_BATCH_EVENTS {
            return Err(BatchError::Size(count));
        }
        if self.first_seq == 0 {
            return Err(BatchError::ZeroSeq);
        }
        if self.last_seq.checked_sub(self.first_seq) != Some(count as u64 - 1) {
            return Err(BatchError::Range { first: self.first_seq, last: self.last_seq, count });
        }
        let mut ids = HashSet::with_capacity(count);
        for (index, event) in self.events.iter().enumerate() {
            let expected = self.first_seq + index as u64;
            if event.seq != expected {
                return Err(BatchError::Order { index, seq: event.seq, expected });
            }
            if !ids.insert(event.id) {
                return Err(BatchError::DuplicateId(event.id));
            }
            if event.event_type.is_empty() || event.event_type.chars().count() > MAX_TYPE_LEN {
                return Err(BatchError::Type { index });
            }
        }
        Ok(())
    }
}

/// `POST /api/v1/pair {code}`: what a box gets for a valid one-time pairing code.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Paired {
    pub site_id: Uuid,
    pub site_name: String,
    /// The site's new token (the previous one no longer works).
    pub token: String,
}

/// The pairing endpoint, relative to the cloud's base URL.
pub const PAIR_PATH: &str = "/api/v1/pair";

#[cfg(test)]
mod tests {
    use super::*;
    use expect_test::expect;
    use serde_json::json;

    fn event(seq: u64) -> WireEvent {
        WireEvent {
            id: Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0000 + u128::from(seq)),
            seq,
            event_type: "order.sent".into(),
            at: "2026-12-05T20:15:00Z".into(),
            actor: "system".into(),
            data: json!({"order_id": "o1"}),
        }
    }

    const SITE: Uuid = Uuid::from_u128(0x5173);

    #[test]
    fn the_v1_shape_on_the_wire() {
        let batch = EventBatch::new(SITE, vec![event(7)]);
        expect![[r#"{"site_id":"00000000-0000-0000-0000-000000005173","first_seq":7,"last_seq":7,"events":[{"id":"01900000-0000-7000-8000-000000000007","seq":7,"type":"order.sent","at":"2026-12-05T20:15:00Z","actor":"system","data":{"order_id":"o1"}}]}"#]]
            .assert_eq(&serde_json::to_string(&batch).expect("json"));
        expect![[r#"{"acked_seq":7,"ingested":1}"#]]
            .assert_eq(&serde_json::to_string(&Ack { acked_seq: 7, ingested: 1 }).expect("json"));
    }

    #[test]
    fn unknown_fields_are_ignored_both_ways_and_later_fields_default() {
        // A newer box sends more than v1 knows; a newer cloud answers more.
        let batch: EventBatch = serde_json::from_value(json!({
            "site_id": SITE, "first_seq": 1, "last_seq": 1, "compression": "none",
            "events": [{"id": event(1).id, "seq": 1, "type": "order.sent", "at": "2026-12-05T20:15:00Z",
                        "actor": "system", "data": {}, "hash": "ab12"}]
        }))
        .expect("a newer box's batch");
        assert_eq!(batch.events[0].seq, 1);
        let ack: Ack =
            serde_json::from_value(json!({"acked_seq": 9, "ingested": 3, "retry_after": 5})).expect("newer ack");
        assert_eq!(ack, Ack { acked_seq: 9, ingested: 3 });
        // An older cloud that did not send `ingested`.
        let old: Ack = serde_json::from_value(json!({"acked_seq": 9})).expect("older ack");
        assert_eq!(old.ingested, 0);
    }

    #[test]
    fn a_batch_is_a_gapless_run_of_the_log() {
        let ok = EventBatch::new(SITE, (3..=5).map(event).collect());
        assert_eq!(ok.validate(), Ok(()));
        let mut gap = ok.clone();
        gap.events.remove(1);
        gap.last_seq = 4;
        let mut duplicate = ok.clone();
        duplicate.events[2].id = duplicate.events[0].id;
        let mut untyped = ok.clone();
        untyped.events[1].event_type.clear();
        let mut wrong_range = ok.clone();
        wrong_range.last_seq = 9;
        let cases = [
            (EventBatch::new(SITE, vec![]), "a batch holds 1 to 500 events, this one 0"),
            (EventBatch::new(SITE, (1..=501).map(event).collect()), "a batch holds 1 to 500 events, this one 501"),
            (gap, "event 1 has seq 5, expected 4: a batch is a gapless run of the log"),
            (duplicate, "event id 01900000-0000-7000-8000-000000000003 appears twice in the batch"),
            (untyped, "event 1's type must be 1 to 100 characters"),
            (wrong_range, "first_seq 3 and last_seq 9 do not match the 3 events sent"),
            (EventBatch::new(SITE, vec![event(0)]), "seq numbers start at 1"),
        ];
        for (batch, message) in cases {
            assert_eq!(batch.validate().map_err(|e| e.to_string()), Err(message.to_owned()));
        }
    }
}
