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

    /// Moves the cursor back to `seq` (persisted), so the events after it are read again: for
    /// a consumer whose far end lost what it had confirmed (a cloud restored from a backup, a
    /// box paired with another site).
    pub async fn rewind(&mut self, seq: u64) -> Result<(), StoreError> {
        let name = self.name.clone();
        self.store.write(move |tx| tx.reset_cursor(&name, seq)).await?;
        self.cursor = seq;
        Ok(())
    }

    /// Records in memory that the cursor was persisted at `seq` by the caller's own write.
    pub fn advanced_to(&mut self, seq: u64) {
        self.cursor = self.cursor.max(seq);
    }
}

const PROJECTION_BATCH: u32 = 200;
const FIRST_RETRY: std::time::Duration = std::time::Duration::from_millis(100);
const LAST_RETRY: std::time::Duration = std::time::Duration::from_secs(5);

/// Runs a durable projection of the log named `name`: each batch of new events goes to
/// `apply` inside one write, together with the cursor move, so a restart neither repeats nor
/// skips anything. `apply` returns the `seq` the cursor moves to — normally the batch's last,
/// or further when the batch is followed by events `apply` itself appended and need not see.
/// Failures are retried with back-off (0.1 s doubling to 5 s); no event is ever skipped by
/// this loop. The task ends when the store shuts down.
pub fn spawn_projection<F>(store: &Store, name: &'static str, apply: F) -> tokio::task::JoinHandle<()>
where
    F: Fn(&mut crate::WriteTx<'_>, &[StoredEvent]) -> Result<u64, StoreError> + Send + Sync + 'static,
{
    let store = store.clone();
    let apply = std::sync::Arc::new(apply);
    tokio::spawn(async move {
        let mut backoff = FIRST_RETRY;
        let mut sub = loop {
            match store.subscriber(name).await {
                Ok(sub) => break sub,
                Err(e) => match wait_after(e, name, "resume its cursor", &mut backoff).await {
                    Some(()) => continue,
                    None => return,
                },
            }
        };
        loop {
            let batch = match sub.next_batch(PROJECTION_BATCH).await {
                Ok(batch) => std::sync::Arc::new(batch),
                Err(e) => match wait_after(e, name, "read the log", &mut backoff).await {
                    Some(()) => continue,
                    None => return,
                },
            };
            let applied: Result<u64, StoreError> = {
                let (batch, apply) = (batch.clone(), apply.clone());
                store
                    .write(move |tx| {
                        let cursor = apply(tx, &batch)?;
                        tx.set_cursor(name, cursor)?;
                        Ok(cursor)
                    })
                    .await
            };
            match applied {
                Ok(cursor) => {
                    sub.advanced_to(cursor);
                    backoff = FIRST_RETRY;
                }
                // Nothing was committed: the same batch is read again.
                Err(e) => {
                    if wait_after(e, name, "apply a batch", &mut backoff).await.is_none() {
                        return;
                    }
                }
            }
        }
    })
}

/// Logs, sleeps and doubles the back-off; `None` when the store is shut down.
async fn wait_after(error: StoreError, name: &str, what: &str, backoff: &mut std::time::Duration) -> Option<()> {
    if matches!(error, StoreError::Closed) {
        tracing::debug!(projection = name, "store closed; projection stops");
        return None;
    }
    tracing::error!(projection = name, %error, retry_in_ms = backoff.as_millis(), "projection could not {what}; retrying");
    tokio::time::sleep(*backoff).await;
    *backoff = (*backoff * 2).min(LAST_RETRY);
    Some(())
}
