//! Durable bus subscribers: each has a name and a cursor persisted in `bus_cursors`, reads the
//! log from its cursor, and is woken by the in-memory watch of the last committed `seq`.
//!
//! For effects that must happen exactly once, a subscriber writes its effects and
//! [`WriteTx::set_cursor`](crate::WriteTx::set_cursor) in one write, then calls
//! [`Subscriber::advanced_to`]. For side-effect-free consumers [`Subscriber::ack`] is enough.

use rusqlite::{OptionalExtension, params};
use tokio::sync::watch;

use crate::events::StoredEvent;
use crate::{Store, StoreError};

#[derive(Debug)]
pub struct Subscriber {
    store: Store,
    name: String,
    cursor: u64,
    committed: watch::Receiver<u64>,
}

impl Subscriber {
    pub(crate) async fn resume(store: Store, name: &str) -> Result<Self, StoreError> {
        let owned = name.to_owned();
        let cursor: Option<i64> = store
            .read(move |conn| {
                conn.query_row("SELECT seq FROM bus_cursors WHERE subscriber = ?1", params![owned], |r| r.get(0))
                    .optional()
                    .map_err(StoreError::from)
            })
            .await?;
        let committed = store.committed();
        Ok(Self {
            store,
            name: name.to_owned(),
            cursor: cursor.and_then(|c| u64::try_from(c).ok()).unwrap_or(0),
            committed,
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// The last `seq` this subscriber has handled.
    pub fn cursor(&self) -> u64 {
        self.cursor
    }

    /// Waits until there are events after the cursor and returns up to `limit` of them, in
    /// order. Does not move the cursor.
    pub async fn next_batch(&mut self, limit: u32) -> Result<Vec<StoredEvent>, StoreError> {
        loop {
            let latest = *self.committed.borrow_and_update();
            if latest > self.cursor {
                let batch = self.store.events_after(self.cursor, limit).await?;
                if !batch.is_empty() {
                    return Ok(batch);
                }
            }
            self.committed.changed().await.map_err(|_| StoreError::Closed)?;
        }
    }

    /// Persists the cursor at `seq` on its own.
    pub async fn ack(&mut self, seq: u64) -> Result<(), StoreError> {
        let name = self.name.clone();
        self.store.write(move |tx| tx.set_cursor(&name, seq)).await?;
        self.advanced_to(seq);
        Ok(())
    }

    /// Records in memory that the cursor was persisted at `seq` by the caller's own write.
    pub fn advanced_to(&mut self, seq: u64) {
        self.cursor = self.cursor.max(seq);
    }
}
