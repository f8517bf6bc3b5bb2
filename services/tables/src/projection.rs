//! The status projection: a durable bus subscriber that follows the orders' and bills' events
//! and keeps each table's status and order up to date, appending `table.changed` for every
//! table it moves.
//!
//! Each batch of events is applied, announced and acknowledged (the cursor) in one write, so
//! after a crash or restart the projection resumes exactly where it committed: no event is
//! applied twice and none is skipped. A failing write is logged and retried, never passed over.

use std::sync::Arc;
use std::time::Duration;

use comanda_domain::{OrderId, TableId};
use comanda_store::rusqlite::Connection;
use comanda_store::{StoreError, StoredEvent, Subscriber, WriteTx};
use tokio::task::JoinHandle;

use crate::model::{self, Floor, Occupancy, OrderFact};
use crate::{Tables, sql, table_event};

/// The projection's name on the bus (its cursor in `bus_cursors`).
pub const STATUS_SUBSCRIBER: &str = "tables.status";
const BATCH: u32 = 200;
const FIRST_RETRY: Duration = Duration::from_millis(100);
const LAST_RETRY: Duration = Duration::from_secs(5);

impl Tables {
    /// Starts the status projection. Run one per store. The task ends when the store shuts down.
    pub fn spawn_status_projection(&self) -> JoinHandle<()> {
        let store = self.store.clone();
        tokio::spawn(async move {
            let Some(mut sub) = retrying("open the subscriber", || store.subscriber(STATUS_SUBSCRIBER)).await else {
                return;
            };
            tracing::debug!(cursor = sub.cursor(), "table status projection started");
            while let Some(batch) = next_batch(&mut sub).await {
                let batch = Arc::new(batch);
                let write = || {
                    let batch = Arc::clone(&batch);
                    store.write(move |tx| apply_batch(tx, &batch))
                };
                let Some(cursor) = retrying("apply events", write).await else {
                    return;
                };
                sub.advanced_to(cursor);
            }
        })
    }
}

/// The next events after the cursor, waiting for them; `None` once the store is closed.
async fn next_batch(sub: &mut Subscriber) -> Option<Vec<StoredEvent>> {
    let mut backoff = Backoff(FIRST_RETRY);
    loop {
        match sub.next_batch(BATCH).await {
            Ok(batch) => return Some(batch),
            Err(error) => backoff.wait_after(error, "read events").await?,
        }
    }
}

/// Runs `attempt` until it succeeds; `None` once the store is closed.
async fn retrying<T, F, Fut>(what: &str, mut attempt: F) -> Option<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, StoreError>>,
{
    let mut backoff = Backoff(FIRST_RETRY);
    loop {
        match attempt().await {
            Ok(value) => return Some(value),
            Err(error) => backoff.wait_after(error, what).await?,
        }
    }
}

/// The wait before the next attempt, doubling up to [`LAST_RETRY`].
struct Backoff(Duration);

impl Backoff {
    /// Logs `error` and waits before the next attempt; `None` if the store is closed
    /// (shutdown), which ends the projection.
    async fn wait_after(&mut self, error: StoreError, what: &str) -> Option<()> {
        if matches!(error, StoreError::Closed) {
            tracing::debug!("store closed; table status projection stops");
            return None;
        }
        tracing::error!(%error, retry_in_ms = self.0.as_millis(), "table status projection could not {what}; retrying");
        tokio::time::sleep(self.0).await;
        self.0 = (self.0 * 2).min(LAST_RETRY);
        Some(())
    }
}

/// The floor as the rules see it, read inside the projection's write transaction (so each
/// event sees the effects of the ones before it in the batch).
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
    tx.set_cursor(STATUS_SUBSCRIBER, cursor)?;
    Ok(cursor)
}
