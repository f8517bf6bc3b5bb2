//! The status projection: a durable bus subscriber that follows the orders' and bills' events
//! and keeps each table's status and order up to date, appending `table.changed` for every
//! table it moves.
//!
//! Each batch of events is applied, announced and acknowledged (the cursor) in one write, so
//! after a crash or restart the projection resumes exactly where it committed: no event is
//! applied twice and none is skipped. A failing write is logged and retried, never passed over.

use comanda_domain::{OrderId, TableId};
use comanda_store::rusqlite::Connection;
use comanda_store::{StoreError, StoredEvent, WriteTx};
use tokio::task::JoinHandle;

use crate::model::{self, Floor, Occupancy, OrderFact};
use crate::{Tables, sql, table_event};

/// The projection's name on the bus (its cursor in `bus_cursors`).
pub const STATUS_SUBSCRIBER: &str = "tables.status";

impl Tables {
    /// Starts the status projection (a durable subscriber of the log; see `comanda_store::spawn_projection`).
    pub fn spawn_status_projection(&self) -> JoinHandle<()> {
        comanda_store::spawn_projection(&self.store, STATUS_SUBSCRIBER, apply_batch)
    }
}

struct SqlFloor<'c>(&'c Connection);

impl Floor for SqlFloor<'_> {
    type Error = StoreError;

    fn occupancy(&self, table: TableId) -> Result<Option<Occupancy>, StoreError> {
        sql::occupancy(self.0, table)
    }

    fn holder(&self, order: OrderId) -> Result<Option<TableId>, StoreError> {
        sql::holder(self.0, order)
    }
}

/// Applies `batch` and moves the cursor past it; returns the new cursor.
fn apply_batch(tx: &mut WriteTx<'_>, batch: &[StoredEvent]) -> Result<u64, StoreError> {
    let Some(last) = batch.last().map(|e| e.seq) else {
        return Ok(0);
    };
    // The seqs of the `table.changed` this batch appends (they are contiguous: one job).
    let mut appended: Option<(u64, u64)> = None;
    for event in batch {
        let fact = match OrderFact::from_event(&event.event_type, &event.data) {
            Ok(Some(fact)) => fact,
            Ok(None) => continue,
            Err(error) => {
                // A payload that does not parse now never will: waiting would stall the floor.
                tracing::error!(seq = event.seq, event_type = %event.event_type, %error,
                    "table status projection cannot read this event; it changes no table");
                continue;
            }
        };
        for (table_id, occupancy) in model::transitions(&fact, event.at, &SqlFloor(tx.conn()))? {
            sql::set_occupancy(tx.conn(), table_id, &occupancy, tx.now())?;
            let table = sql::table_by_id(tx.conn(), table_id)?
                .ok_or_else(|| StoreError::Internal(format!("table {table_id} vanished")))?;
            let stored = tx.append(event.actor, table_event(&table))?;
            appended = Some((appended.map_or(stored.seq, |(first, _)| first), stored.seq));
        }
    }
    // When our own `table.changed` directly follow the batch, skip them too: they change no
    // table, and reading them back would cost another write.
    let cursor = match appended {
        Some((first, end)) if first == last + 1 => end,
        _ => last,
    };
    Ok(cursor)
}
