//! The sales projection: a durable bus subscriber (`reporting.sales`) that turns orders',
//! bills' and payments' events into the `reporting_*` facts the report sums.
//!
//! Each batch's facts and the cursor past it are written in one transaction, so after a crash
//! or restart the projection resumes exactly where it committed: no event counts twice and
//! none is skipped. A failing write is logged and retried with back-off, never passed over.
//! Only a payload that cannot be read at all is logged and left out: it never will be
//! readable, and waiting on it would freeze every report from then on.

use comanda_store::{StoreError, StoredEvent, WriteTx};
use tokio::task::JoinHandle;

use crate::model::SalesFact;
use crate::{Reporting, SUBSCRIBER, sql};

impl Reporting {
    /// Starts the sales projection (a durable subscriber of the log; see `comanda_store::spawn_projection`).
    pub fn spawn_projection(&self) -> JoinHandle<()> {
        comanda_store::spawn_projection(&self.store, SUBSCRIBER, apply_batch)
    }
}

/// Records `batch` in the caller's transaction (the cursor moves in the same one); returns the
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
    Ok(last)
}
