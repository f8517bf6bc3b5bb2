//! The printing service: printers, and the durable print queue that never loses a ticket.
//!
//! - Jobs are rows in `printing_jobs`, written in the same transaction as what causes them:
//!   the projection `printing.jobs` turns each `ticket.created` into a job for its station's
//!   printer, and each cash `payment.taken` into a drawer kick, together with its cursor; a
//!   receipt, test page or reprint is written by the request that asks for it.
//! - One [`worker`] per printer sends its jobs oldest first, so a dead printer stalls nobody
//!   else and a station's tickets keep their order. A job is marked `sending` before its bytes
//!   go out; one found `sending` after a restart is printed again marked REPRINT.
//! - A printer failing for longer than `reroute_after` (default 30 s) hands its waiting jobs
//!   to its backup printer and `print_job.failed` tells the kitchen display and the managers.
//!
//! HTTP requests never wait for a printer: they only write jobs.

pub mod api;
pub mod model;
mod sql;
mod worker;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::extract::FromRef;
use comanda_api::ApiError;
use comanda_domain::{Actor, PaymentMethod, PaymentTaken, PrintJobId, PrinterId, TicketCreated, TicketKind};
use comanda_printers::document::{Block, Document};
use comanda_printers::layout;
use comanda_printers::transport::Timeouts;
use comanda_staff::Auth;
use comanda_store::{Migration, Migrations, Store, StoreError, StoredEvent, WriteTx};
use tokio::sync::watch;

pub use api::router;
use model::Printer;

pub const MIGRATIONS: Migrations = Migrations {
    service: "printing",
    steps: &[Migration { version: 1, name: "init", sql: include_str!("../migrations/0001_init.sql") }],
};

pub const SUBSCRIBER: &str = "printing.jobs";

/// How the queue behaves; the appliance's config sets `reroute_after`.
#[derive(Clone, Copy, Debug)]
pub struct PrintingConfig {
    /// How long a printer may fail before its jobs move to its backup.
    pub reroute_after: Duration,
    pub timeouts: Timeouts,
}

impl Default for PrintingConfig {
    fn default() -> Self {
        Self { reroute_after: Duration::from_secs(30), timeouts: Timeouts::default() }
    }
}

#[derive(Clone)]
pub struct Printing {
    store: Store,
    auth: Auth,
    config: PrintingConfig,
    workers: Arc<Mutex<HashMap<PrinterId, tokio::task::JoinHandle<()>>>>,
    stopping: watch::Receiver<bool>,
}

impl std::fmt::Debug for Printing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Printing").field("config", &self.config).finish_non_exhaustive()
    }
}

impl FromRef<Printing> for Auth {
    fn from_ref(p: &Printing) -> Auth {
        p.auth.clone()
    }
}

impl Printing {
    pub fn new(store: Store, auth: Auth, config: PrintingConfig, stopping: watch::Receiver<bool>) -> Self {
        Self { store, auth, config, workers: Arc::new(Mutex::new(HashMap::new())), stopping }
    }

    /// Starts the job-making projection and a worker for every active printer.
    pub async fn start(&self) -> Result<(), ApiError> {
        comanda_store::spawn_projection(&self.store, SUBSCRIBER, |tx, batch| {
            for event in batch {
                jobs_for(tx, event)?;
            }
            Ok(batch.last().map_or(0, |e| e.seq))
        });
        let printers = self.store.read(|c| sql::printers(c, false)).await?;
        for p in printers {
            self.ensure_worker(p.id);
        }
        Ok(())
    }

    /// Makes sure `printer` has a running worker (after it is added or reactivated).
    pub fn ensure_worker(&self, printer: PrinterId) {
        let mut workers = self.workers.lock().unwrap_or_else(PoisonError::into_inner);
        if workers.get(&printer).is_some_and(|w| !w.is_finished()) {
            return;
        }
        let handle = tokio::spawn(worker::run(self.clone(), printer));
        workers.insert(printer, handle);
    }

    pub async fn printer(&self, id: PrinterId) -> Result<Printer, ApiError> {
        self.store.read(move |c| sql::printer_by_id(c, id)?.ok_or_else(|| ApiError::not_found("no such printer"))).await
    }
}

/// Queues `document` on `printer`, in the caller's transaction.
pub fn enqueue(
    tx: &mut WriteTx<'_>,
    printer: PrinterId,
    kind: &str,
    source: Option<String>,
    document: &Document,
    reprint: bool,
) -> Result<PrintJobId, StoreError> {
    let id = PrintJobId::new();
    sql::insert_job(
        tx.conn(),
        &sql::NewJob { id, printer_id: printer, kind, source, document, reprint, now: tx.now() },
    )?;
    Ok(id)
}

/// The jobs an event calls for.
fn jobs_for(tx: &mut WriteTx<'_>, event: &StoredEvent) -> Result<(), StoreError> {
    match event.event_type.as_str() {
        "ticket.created" => {
            let Ok(ticket) = serde_json::from_value::<TicketCreated>(event.data.clone()) else {
                tracing::error!(seq = event.seq, "cannot read a ticket.created event; no print job");
                return Ok(());
            };
            let Some(station) = comanda_menu::station(tx.conn(), ticket.station_id)? else {
                return Ok(());
            };
            // A station without a printer works from the kitchen display only.
            let Some(printer) = station.printer_id.as_deref().and_then(|p| p.parse::<PrinterId>().ok()) else {
                return Ok(());
            };
            if !sql::printer_by_id(tx.conn(), printer)?.is_some_and(|p| p.active) {
                tracing::warn!(station = %station.name, "the station's printer is missing or inactive; ticket not printed");
                return Ok(());
            }
            let view = layout::KitchenTicketView {
                station: station.name,
                table: ticket.table_name,
                order_number: ticket.number,
                waiter: ticket.waiter_name,
                at: comanda_site::local_time(tx.conn(), event.at),
                course: ticket.course,
                void: ticket.kind == TicketKind::Void,
                lines: ticket.lines,
            };
            enqueue(tx, printer, "ticket", Some(ticket.ticket_id.to_string()), &layout::kitchen_ticket(&view), false)?;
        }
        "payment.taken" => {
            let Ok(payment) = serde_json::from_value::<PaymentTaken>(event.data.clone()) else {
                return Ok(());
            };
            if payment.method == PaymentMethod::Cash
                && let Some(printer) = sql::receipt_printer(tx.conn())?
            {
                let kick = Document { blocks: vec![Block::DrawerKick] };
                enqueue(tx, printer.id, "drawer", Some(payment.payment_id.to_string()), &kick, false)?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// Who the queue's events are from.
const SYSTEM: Actor = Actor::System;

/// Waiting jobs per active printer, `(printer name, count)` (for `/metrics`).
pub fn queue_depths(conn: &comanda_store::rusqlite::Connection) -> Result<Vec<(String, i64)>, StoreError> {
    let printers = sql::printers(conn, false)?;
    printers.into_iter().map(|p| Ok((p.name, sql::queued_count(conn, p.id)?))).collect()
}
