//! The sales projection: a durable bus subscriber (`reporting.sales`) that turns orders',
//! bills' and payments' events into the `reporting_*` facts the report sums.
//!
//! Each batch's facts and the cursor past it are written in one transaction, so after a crash
//! or restart the projection resumes exactly where it committed: no event counts twice and
//! none is skipped. A failing write is logged and retried with back-off, never passed over.
//! Only a payload that cannot be read at all is logged and left out: it never will be
//! readable, and waiting on it would freeze every report from then on.

use std::sync::Arc;
use std::time::Duration;

use comanda_store::{StoreError, StoredEvent, Subscriber, WriteTx};
use tokio::task::JoinHandle;

use crate::model::SalesFact;
use crate::{Reporting, SUBSCRIBER, sql};

const BATCH: u32 = 200;
const FIRST_RETRY: Duration = Duration::from_millis(100);
const LAST_RETRY: Duration = Duration::from_secs(5);

impl Reporting {
    /// Starts the sales projection. Run one per store; it ends when the store shuts down.
    pub fn spawn_projection(&self) -> JoinHandle<()> {
        let store = self.store.clone();
        tokio::spawn(async move {
            let Some(mut sub) = retrying("open the subscriber", || store.subscriber(SUBSCRIBER)).await else {
                return;
            };
            tracing::debug!(cursor = sub.cursor(), "sales projection started");
            while let Some(batch) = next_batch(&mut sub).await {
                let batch = Arc::new(batch);
                let write = || {
                    let batch = Arc::clone(&batch);
                    store.write(move |tx| apply_batch(tx, &batch))
                };
                let Some(cursor) = retrying("record sales", write).await else {
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
    /// Logs `error` and waits; `None` if the store is closed (shutdown ends the projection).
    async fn wait_after(&mut self, error: StoreError, what: &str) -> Option<()> {
        if matches!(error, StoreError::Closed) {
            tracing::debug!("store closed; sales projection stops");
            return None;
        }
        tracing::error!(%error, retry_in_ms = self.0.as_millis(), "sales projection could not {what}; retrying");
        tokio::time::sleep(self.0).await;
        self.0 = (self.0 * 2).min(LAST_RETRY);
        Some(())
    }
}

/// Records `batch` and moves the cursor past it, in the caller's transaction; returns the
/// new cursor.
fn apply_batch(tx: &mut WriteTx<'_>, batch: &[StoredEvent]) -> Result<u64, StoreError> {
    let Some(last) = batch.last().map(|e| e.seq) else {
        return Ok(0);
    };
    for event in batch {
        let fact = match SalesFact::from_event(&event.event_type, &event.data) {
            Ok(Some(fact)) => fact,
            Ok(None) => continue,
            Err(error) => {
                tracing::error!(seq = event.seq, event_type = %event.event_type, %error,
                    "sales projection cannot read this event; it is left out of reports");
                continue;
            }
        };
        if !sql::apply(tx.conn(), &fact, event.seq, event.at)? {
            tracing::warn!(seq = event.seq, event_type = %event.event_type,
                "sales projection has already recorded this bill, payment or refund; counted once");
        }
    }
    tx.set_cursor(SUBSCRIBER, last)?;
    Ok(last)
}
