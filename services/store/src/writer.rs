//! The single writer thread and the transaction handle it lends to each request.
//!
//! Group commit: the thread takes every job waiting in its queue (up to [`MAX_BATCH`]), runs
//! each inside its own `SAVEPOINT` of one `BEGIN IMMEDIATE` transaction, commits once, and
//! only then answers each caller. While one batch is being fsynced the next one queues up,
//! so under load many requests share one fsync; alone, a request waits for exactly one.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;

use comanda_domain::{Actor, Clock, Event, EventId};
use rusqlite::{Connection, OptionalExtension, params};
use time::OffsetDateTime;
use tokio::sync::{mpsc, oneshot, watch};

use crate::StoreError;
use crate::chain::{self, ChainHead};
use crate::events::{IdempotencyRecord, StoredEvent};

const MAX_BATCH: usize = 256;

/// One request's view of the open write transaction.
pub struct WriteTx<'c> {
    conn: &'c Connection,
    head: ChainHead,
    clock: &'c dyn Clock,
}

impl<'c> WriteTx<'c> {
    /// The connection, for the service's own SQL. Everything runs inside the transaction.
    pub fn conn(&self) -> &Connection {
        self.conn
    }

    /// Now, by the store's clock; the same clock stamps events.
    pub fn now(&self) -> OffsetDateTime {
        self.clock.now()
    }

    /// Appends `event` to the log in this transaction: it commits with the change or not at all.
    pub fn append(&mut self, actor: Actor, event: Event) -> Result<StoredEvent, StoreError> {
        let (event_type, data) = event.into_parts();
        let at = crate::timefmt::truncate_to_micros(self.clock.now().to_offset(time::UtcOffset::UTC));
        let id = EventId::new();
        let seq = self.head.seq + 1;
        let at_text = chain::format_at(at)?;
        let data_text = chain::canonical_json(&data);
        let actor_text = actor.to_string();
        let hash =
            chain::link_hash(&self.head.hash, seq, &id.to_string(), &event_type, &at_text, &actor_text, &data_text);
        self.conn.execute(
            "INSERT INTO events (seq, id, type, at, actor, data, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![seq_sql(seq), id.to_string(), event_type, at_text, actor_text, data_text, hash.as_slice()],
        )?;
        self.head = ChainHead { seq, hash };
        Ok(StoredEvent { seq, id, event_type, at, actor, data, hash: hex::encode(hash) })
    }

    /// Moves a bus subscriber's cursor forward, in the same transaction as its effects, so a
    /// restart neither repeats nor skips them. Never moves a cursor backwards.
    pub fn set_cursor(&mut self, subscriber: &str, seq: u64) -> Result<(), StoreError> {
        let now = chain::format_at(self.clock.now())?;
        self.conn.execute(
            "INSERT INTO bus_cursors (subscriber, seq, updated_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (subscriber) DO UPDATE SET seq = excluded.seq, updated_at = excluded.updated_at
             WHERE excluded.seq > bus_cursors.seq",
            params![subscriber, seq_sql(seq), now],
        )?;
        Ok(())
    }

    /// Sets `subscriber`'s cursor to `seq`, backwards too (see [`Subscriber::rewind`](crate::Subscriber::rewind)).
    pub fn reset_cursor(&mut self, subscriber: &str, seq: u64) -> Result<(), StoreError> {
        let now = chain::format_at(self.clock.now())?;
        self.conn.execute(
            "INSERT INTO bus_cursors (subscriber, seq, updated_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (subscriber) DO UPDATE SET seq = excluded.seq, updated_at = excluded.updated_at",
            params![subscriber, seq_sql(seq), now],
        )?;
        Ok(())
    }

    pub fn idempotency_get(&self, scope: &str, key: &str) -> Result<Option<IdempotencyRecord>, StoreError> {
        let found = self
            .conn
            .query_row(
                "SELECT request_hash, status, body FROM idempotency_keys WHERE scope = ?1 AND key = ?2",
                params![scope, key],
                |r| Ok(IdempotencyRecord { request_hash: r.get(0)?, status: r.get(1)?, body: r.get(2)? }),
            )
            .optional()?;
        Ok(found)
    }

    pub fn idempotency_put(&self, scope: &str, key: &str, record: &IdempotencyRecord) -> Result<(), StoreError> {
        let now = chain::format_at(self.clock.now())?;
        self.conn.execute(
            "INSERT INTO idempotency_keys (scope, key, request_hash, status, body, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![scope, key, record.request_hash, record.status, record.body, now],
        )?;
        Ok(())
    }

    /// Forgets idempotency records older than `before`; returns how many.
    pub fn idempotency_purge(&self, before: OffsetDateTime) -> Result<usize, StoreError> {
        let cutoff = chain::format_at(before)?;
        Ok(self.conn.execute("DELETE FROM idempotency_keys WHERE created_at < ?1", params![cutoff])?)
    }
}

fn seq_sql(seq: u64) -> i64 {
    i64::try_from(seq).unwrap_or(i64::MAX)
}

struct Completion {
    ok: bool,
    finish: Box<dyn FnOnce(Option<StoreError>) + Send>,
}

/// A queued request. Given the transaction it runs the caller's closure; given `None` (the
/// batch failed before its turn) it only answers, with the batch's error.
type Job = Box<dyn FnOnce(Option<&mut WriteTx<'_>>) -> Completion + Send>;

enum Msg {
    Job(Job),
    Shutdown(oneshot::Sender<()>),
}

pub(crate) struct WriterHandle {
    queue: mpsc::UnboundedSender<Msg>,
    thread: Mutex<Option<JoinHandle<()>>>,
}

impl WriterHandle {
    pub(crate) async fn submit<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut WriteTx<'_>) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel::<Result<T, E>>();
        let job: Job = Box::new(move |tx: Option<&mut WriteTx<'_>>| {
            let result = tx.map(f);
            Completion {
                ok: matches!(result, Some(Ok(_))),
                finish: Box::new(move |batch_error| {
                    let out = match (result, batch_error) {
                        (Some(Ok(value)), None) => Ok(value),
                        // The request's own refusal stands even if its batch failed too.
                        (Some(Err(e)), _) => Err(e),
                        (_, Some(e)) => Err(E::from(e)),
                        (None, None) => Err(E::from(StoreError::Unavailable("the write was not run".into()))),
                    };
                    let _ = reply.send(out);
                }),
            }
        });
        self.queue.send(Msg::Job(job)).map_err(|_| E::from(StoreError::Closed))?;
        // The writer drops a job only when it panicked.
        answer
            .await
            .unwrap_or_else(|_| Err(E::from(StoreError::Unavailable("the write could not be completed".into()))))
    }

    pub(crate) async fn shutdown(&self) {
        let (ack, done) = oneshot::channel();
        if self.queue.send(Msg::Shutdown(ack)).is_ok() {
            let _ = done.await;
        }
        let thread = self.thread.lock().unwrap_or_else(PoisonError::into_inner).take();
        if let Some(thread) = thread {
            let _ = tokio::task::spawn_blocking(move || thread.join()).await;
        }
    }
}

pub(crate) fn spawn(
    conn: Connection,
    dir: PathBuf,
    head: ChainHead,
    committed: watch::Sender<u64>,
    clock: Arc<dyn Clock>,
) -> Result<WriterHandle, StoreError> {
    let (queue, jobs) = mpsc::unbounded_channel();
    let thread = std::thread::Builder::new()
        .name("store-writer".into())
        .spawn(move || Writer { conn, dir, head, committed, clock, jobs }.run())
        .map_err(|e| StoreError::Internal(format!("cannot start writer thread: {e}")))?;
    Ok(WriterHandle { queue, thread: Mutex::new(Some(thread)) })
}

struct Writer {
    conn: Connection,
    /// The database's directory, whose free space tells a full disk from other failures.
    dir: PathBuf,
    head: ChainHead,
    committed: watch::Sender<u64>,
    clock: Arc<dyn Clock>,
    jobs: mpsc::UnboundedReceiver<Msg>,
}

impl Writer {
    fn run(mut self) {
        let mut acks = Vec::new();
        while let Some(first) = self.jobs.blocking_recv() {
            let mut batch = Vec::new();
            match first {
                Msg::Job(job) => batch.push(job),
                Msg::Shutdown(ack) => acks.push(ack),
            }
            while batch.len() < MAX_BATCH && acks.is_empty() {
                match self.jobs.try_recv() {
                    Ok(Msg::Job(job)) => batch.push(job),
                    Ok(Msg::Shutdown(ack)) => acks.push(ack),
                    Err(_) => break,
                }
            }
            if !batch.is_empty() {
                self.run_batch(batch);
            }
            if !acks.is_empty() {
                // Refuse new work, but finish everything already queued.
                self.jobs.close();
                let mut rest = Vec::new();
                while let Ok(msg) = self.jobs.try_recv() {
                    match msg {
                        Msg::Job(job) => rest.push(job),
                        Msg::Shutdown(ack) => acks.push(ack),
                    }
                }
                if !rest.is_empty() {
                    self.run_batch(rest);
                }
                break;
            }
        }
        // Fold the WAL back into the database file: a clean stop leaves one file to back up.
        // On a full disk this fails; the WAL then stays beside the database and the next
        // start reads it: nothing is lost.
        if let Err(e) = self.conn.execute_batch("PRAGMA optimize; PRAGMA wal_checkpoint(TRUNCATE);") {
            let error = self.batch_error(Some(e));
            if error.is_disk_full() {
                tracing::warn!(%error, "disk full: the WAL could not be folded into the database on shutdown; it is kept");
            } else {
                tracing::warn!(%error, "optimize and checkpoint on shutdown failed");
            }
        }
        for ack in acks {
            let _ = ack.send(());
        }
    }

    fn reload_head(&mut self) {
        match chain::head(&self.conn) {
            Ok(h) => self.head = h,
            Err(e) => tracing::error!(error = %e, "cannot re-read the log head"),
        }
    }

    fn run_batch(&mut self, batch: Vec<Job>) {
        if let Err(e) = self.conn.execute_batch("BEGIN IMMEDIATE") {
            let error = self.batch_error(Some(e));
            tracing::error!(%error, jobs = batch.len(), "cannot begin a write transaction");
            refuse(batch, &error);
            return;
        }
        // Another process (the `comanda reset-password` CLI) may have appended since our last
        // batch. Under the write lock the head cannot move, so re-reading it here keeps the
        // chain and seq right for both; it is one index lookup.
        match chain::head(&self.conn) {
            Ok(h) => self.head = h,
            Err(error) => {
                tracing::error!(%error, "cannot read the log head");
                let _ = self.conn.execute_batch("ROLLBACK");
                refuse(batch, &error);
                return;
            }
        }
        let mut head = self.head;
        let mut completions = Vec::with_capacity(batch.len());
        // SQLite may roll the whole transaction back by itself (disk full, I/O error, out of
        // memory). From then on a SAVEPOINT would quietly start a new transaction that commits
        // on its own, with a stale chain head. So after each job we check the transaction is
        // still open, and once it is not, no further job runs and the batch fails as a whole.
        let mut failure: Option<StoreError> = None;
        for job in batch {
            if failure.is_some() {
                completions.push(job(None)); // answered with the batch's error below
                continue;
            }
            if let Err(e) = self.conn.execute_batch("SAVEPOINT job") {
                failure = Some(self.batch_error(Some(e)));
                completions.push(job(None));
                continue;
            }
            let mut tx = WriteTx { conn: &self.conn, head, clock: self.clock.as_ref() };
            let outcome = catch_unwind(AssertUnwindSafe(|| job(Some(&mut tx))));
            let tx_head = tx.head;
            let keep = matches!(&outcome, Ok(c) if c.ok);
            let end = if keep { "RELEASE job" } else { "ROLLBACK TO job; RELEASE job" };
            let closed = self.conn.execute_batch(end);
            if self.conn.is_autocommit() {
                // The savepoint's error ("no such savepoint") says nothing; the cause came
                // before it, inside the job.
                failure = Some(self.batch_error(None));
            } else if let Err(e) = closed {
                failure = Some(self.batch_error(Some(e)));
            }
            if keep {
                head = tx_head;
            }
            match outcome {
                Ok(completion) => completions.push(completion),
                Err(_) => tracing::error!("a write job panicked; its changes were rolled back"),
            }
        }
        let failure = match failure {
            Some(error) => Err(error),
            None => self.conn.execute_batch("COMMIT").map_err(|e| self.batch_error(Some(e))),
        };
        match failure {
            Ok(()) => {
                let advanced = head.seq > *self.committed.borrow();
                self.head = head;
                if advanced {
                    self.committed.send_replace(head.seq);
                }
                for c in completions {
                    (c.finish)(None);
                }
            }
            Err(error) => {
                if error.is_disk_full() {
                    tracing::error!(%error, jobs = completions.len(), "disk full: the batch was rolled back, nothing of it is saved; free space on the box");
                } else {
                    tracing::error!(%error, jobs = completions.len(), "the batch was rolled back, nothing of it is saved");
                }
                if !self.conn.is_autocommit() {
                    let _ = self.conn.execute_batch("ROLLBACK");
                }
                self.reload_head();
                for c in completions {
                    (c.finish)(Some(error.clone()));
                }
            }
        }
    }

    /// Why a batch failed, for its callers (`None`: SQLite rolled the transaction back
    /// underneath a job and the cause went with it).
    fn batch_error(&self, cause: Option<rusqlite::Error>) -> StoreError {
        cause
            .map_or_else(
                || StoreError::Unavailable("the write transaction was rolled back (storage error); try again".into()),
                StoreError::from,
            )
            .considering_disk(&self.dir)
    }
}

/// Answers every job of a batch that never ran with `error`.
fn refuse(batch: Vec<Job>, error: &StoreError) {
    for job in batch {
        (job(None).finish)(Some(error.clone()));
    }
}
