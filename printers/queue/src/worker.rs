//! One worker per printer: takes the printer's jobs oldest first and sends them, retrying with
//! back-off; after `reroute_after` of failure it moves the printer's waiting jobs to the
//! backup printer and announces `print_job.failed`.
//!
//! Every send is bounded by the transport's timeouts, so a dead printer costs its own worker
//! time and nobody else's.

use std::time::Instant;

use comanda_domain::{Event, PrintJobFailed, PrintJobId, PrintJobPrinted, PrinterId};
use comanda_printers::encode::encode;
use comanda_printers::transport::{self, Address, TransportError};
use comanda_store::StoreError;

use crate::model::backoff;
use crate::{Printing, SYSTEM, sql};

/// Why a job did not print, for people.
fn describe(e: &TransportError) -> String {
    e.to_string()
}

pub(crate) async fn run(printing: Printing, printer_id: PrinterId) {
    let store = printing.store.clone();
    let mut stopping = printing.stopping.clone();
    let mut committed = store.committed();
    // Jobs caught mid-send by a crash may have printed: they go again, marked REPRINT.
    let recovered: Result<usize, StoreError> = store.write(move |tx| sql::recover_sending(tx.conn(), printer_id)).await;
    if let Ok(n) = recovered
        && n > 0
    {
        tracing::warn!(printer = %printer_id, jobs = n, "jobs interrupted mid-send will print again marked REPRINT");
    }
    let mut failing_since: Option<Instant> = None;
    let mut announced = false;
    // When the store refuses a write (a full disk), the worker waits before trying again
    // rather than spinning, and a job that printed but could not be recorded is recorded
    // before anything else — never sent again by this process.
    let mut store_pause = STORE_PAUSE_FIRST;
    let mut unrecorded: Option<Printed> = None;
    loop {
        if *stopping.borrow() {
            return;
        }
        if let Some(printed) = unrecorded.take() {
            match record_printed(&store, printed.clone()).await {
                Ok(()) => store_pause = STORE_PAUSE_FIRST,
                Err(e) => {
                    tracing::error!(printer = %printer_id, error = %e, "printed, but still cannot record it; retrying");
                    unrecorded = Some(printed);
                    wait_for_store(&mut stopping, &mut store_pause).await;
                }
            }
            continue;
        }
        let found = store
            .read(move |c| Ok::<_, StoreError>((sql::printer_by_id(c, printer_id)?, sql::head_job(c, printer_id)?)))
            .await;
        let (printer, head) = match found {
            Ok((Some(p), head)) if p.active => (p, head),
            Ok(_) => return, // deleted or deactivated: its jobs wait until it is back or rerouted
            Err(e) => {
                tracing::warn!(printer = %printer_id, error = %e, "print worker cannot read its queue");
                tokio::time::sleep(std::time::Duration::from_millis(500)).await;
                continue;
            }
        };
        let now = store.clock().now();
        let job = match head {
            Some((job, due)) if due <= now => job,
            other => {
                // Nothing due: wait for a new commit (a new job), the next attempt, or shutdown.
                let wait = match other {
                    Some((_, due)) => (due - now).unsigned_abs().min(std::time::Duration::from_secs(1)),
                    None => std::time::Duration::from_secs(1),
                };
                tokio::select! {
                    _ = committed.changed() => {}
                    _ = tokio::time::sleep(wait) => {}
                    _ = stopping.changed() => {}
                }
                continue;
            }
        };

        let job_id = job.id;
        if let Err(e) =
            store.write(move |tx| sql::mark_sending(tx.conn(), job_id, tx.now())).await.map_err(|e: StoreError| e)
        {
            tracing::warn!(printer = %printer_id, error = %e, "cannot mark a job as sending");
            wait_for_store(&mut stopping, &mut store_pause).await;
            continue;
        }
        store_pause = STORE_PAUSE_FIRST;
        let document = if job.reprint { job.document.marked_reprint() } else { job.document.clone() };
        let bytes = encode(&document, &printer.profile());
        let outcome = deliver(&printer.address, &bytes, &printing).await;
        match outcome {
            Ok(()) => {
                failing_since = None;
                announced = false;
                let printed = Printed { job_id, printer_id, kind: job.kind.clone(), reprint: job.reprint };
                if let Err(e) = record_printed(&store, printed.clone()).await {
                    // Until it is recorded the job still reads as `sending`: retried above,
                    // never sent again (after a restart it would print again as REPRINT).
                    tracing::error!(printer = %printer_id, error = %e, "printed, but could not record it");
                    unrecorded = Some(printed);
                    wait_for_store(&mut stopping, &mut store_pause).await;
                }
            }
            Err(error) => {
                let since = *failing_since.get_or_insert_with(Instant::now);
                let next = store.clock().now() + backoff(job.attempts + 1);
                let message = error.clone();
                let retry: Result<(), StoreError> =
                    store.write(move |tx| sql::mark_retry(tx.conn(), job_id, next, &message)).await;
                if let Err(e) = retry {
                    // The job keeps its old due time: without this pause it would go again at once.
                    tracing::warn!(printer = %printer_id, error = %e, "cannot record a failed attempt");
                    wait_for_store(&mut stopping, &mut store_pause).await;
                }
                tracing::warn!(printer = %printer.name, %error, attempts = job.attempts + 1, "print job failed; will retry");
                if since.elapsed() >= printing.config.reroute_after {
                    let backup = printer.backup_printer_id.filter(|b| *b != printer_id);
                    let rerouted = match backup {
                        Some(to) => reroute(&printing, printer_id, to, job_id, &job.kind, &error).await,
                        None => false,
                    };
                    if !rerouted && !announced {
                        announce(&printing, printer_id, job_id, &job.kind, &error, None).await;
                    }
                    announced = true;
                }
            }
        }
    }
}

const STORE_PAUSE_FIRST: std::time::Duration = std::time::Duration::from_millis(200);
const STORE_PAUSE_LAST: std::time::Duration = std::time::Duration::from_secs(5);

/// A job that came out of the printer, to be recorded as such.
#[derive(Clone)]
struct Printed {
    job_id: PrintJobId,
    printer_id: PrinterId,
    kind: String,
    reprint: bool,
}

async fn record_printed(store: &comanda_store::Store, p: Printed) -> Result<(), StoreError> {
    store
        .write(move |tx| {
            sql::mark_printed(tx.conn(), p.job_id, tx.now())?;
            let event =
                PrintJobPrinted { job_id: p.job_id, printer_id: p.printer_id, kind: p.kind, reprint: p.reprint };
            tx.append(SYSTEM, Event::PrintJobPrinted(event))?;
            Ok(())
        })
        .await
}

/// Waits `pause` (or until shutdown) after the store refused a write, then doubles it.
async fn wait_for_store(stopping: &mut tokio::sync::watch::Receiver<bool>, pause: &mut std::time::Duration) {
    tokio::select! {
        _ = tokio::time::sleep(*pause) => {}
        _ = stopping.changed() => {}
    }
    *pause = (*pause * 2).min(STORE_PAUSE_LAST);
}

/// Checks the printer can print (where it can tell), then sends.
async fn deliver(address: &str, bytes: &[u8], printing: &Printing) -> Result<(), String> {
    let address: Address = address.parse().map_err(|e| format!("bad address: {e}"))?;
    let t = printing.config.timeouts;
    match transport::status(&address, &t).await {
        Ok(status) if status.paper_out => return Err("paper out".into()),
        Ok(status) if status.cover_open => return Err("cover open".into()),
        Ok(status) if !status.online => return Err("printer offline".into()),
        Ok(_) | Err(TransportError::NotSupported(_)) => {}
        Err(e) => return Err(describe(&e)),
    }
    transport::send(&address, bytes, &t).await.map_err(|e| describe(&e))
}

async fn reroute(
    printing: &Printing,
    from: PrinterId,
    to: PrinterId,
    job_id: comanda_domain::PrintJobId,
    kind: &str,
    error: &str,
) -> bool {
    let active = printing.store.read(move |c| sql::printer_by_id(c, to)).await.ok().flatten().is_some_and(|p| p.active);
    if !active {
        return false;
    }
    let moved: Result<usize, StoreError> =
        printing.store.write(move |tx| sql::reroute(tx.conn(), from, to, tx.now())).await;
    match moved {
        Ok(n) if n > 0 => {
            tracing::warn!(from = %from, to = %to, jobs = n, "printer failing; jobs moved to its backup");
            printing.ensure_worker(to);
            announce(printing, from, job_id, kind, error, Some(to)).await;
            true
        }
        Ok(_) => true,
        Err(e) => {
            tracing::error!(error = %e, "cannot move jobs to the backup printer");
            false
        }
    }
}

async fn announce(
    printing: &Printing,
    printer_id: PrinterId,
    job_id: comanda_domain::PrintJobId,
    kind: &str,
    error: &str,
    rerouted_to: Option<PrinterId>,
) {
    let failed = PrintJobFailed { job_id, printer_id, kind: kind.to_owned(), error: error.to_owned(), rerouted_to };
    let written: Result<(), StoreError> =
        printing.store.write(move |tx| tx.append(SYSTEM, Event::PrintJobFailed(failed)).map(|_| ())).await;
    if let Err(e) = written {
        tracing::error!(error = %e, "cannot announce a printer failure");
    }
}
