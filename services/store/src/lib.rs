//! The one SQLite database of the box, and the event log and bus that live in it.
//!
//! - **One writer**: a dedicated thread owns the only write connection. Callers hand it a
//!   closure; it runs queued closures together in one transaction (each in its own savepoint,
//!   so one failing request never spoils another), commits with `synchronous=FULL`, and only
//!   then answers. That is group commit: one fsync for many requests.
//! - **Readers**: an r2d2 pool of read-only connections (WAL lets them read during a write).
//! - **Migrations**: each service brings its own add-only list; applied ones are recorded
//!   with a checksum and an edited migration refuses to start.
//! - **Event log**: [`WriteTx::append`] writes an event in the same transaction as the change
//!   (transactional outbox), with a strictly increasing `seq` and a SHA-256 hash chain.
//! - **Bus**: [`Subscriber`]s keep a persisted cursor and replay from the log; a watch
//!   channel of the last committed `seq` only wakes them up.
//!
//! This crate knows nothing of HTTP, staff or orders.

mod chain;
mod error;
mod events;
mod files;
mod migrate;
mod subscriber;
mod timefmt;
mod writer;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use comanda_domain::Clock;
use r2d2_sqlite::SqliteConnectionManager;
use tokio::sync::watch;

pub use chain::{ChainBroken, ChainReport, canonical_json};
pub use error::StoreError;
pub use events::{EventFilter, IdempotencyRecord, StoredEvent};
pub use files::{free_bytes, write_file_durably};
pub use migrate::{Migration, MigrationStatus, Migrations};
pub use rusqlite;
pub use subscriber::{Subscriber, spawn_projection};
pub use timefmt::{parse_sql_time, sql_time, truncate_to_micros};
pub use writer::WriteTx;

/// The store's own tables: the event log, bus cursors and idempotency records.
pub const MIGRATIONS: Migrations = Migrations {
    service: "store",
    steps: &[Migration { version: 1, name: "init", sql: include_str!("../migrations/0001_init.sql") }],
};

const READERS: u32 = 4;

/// A handle to the database. Cheap to clone; all clones share the writer and the pool.
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

struct Inner {
    path: PathBuf,
    writer: writer::WriterHandle,
    readers: r2d2::Pool<SqliteConnectionManager>,
    committed: watch::Receiver<u64>,
    clock: Arc<dyn Clock>,
    /// Set when a structural check that ran after start found damage.
    damage: std::sync::OnceLock<String>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.inner.path).finish_non_exhaustive()
    }
}

impl Store {
    /// Opens (creating if needed) the database at `path`, applies the store's migrations and
    /// then each service's, and starts the writer thread.
    pub fn open(path: &Path, clock: Arc<dyn Clock>, services: &[&Migrations]) -> Result<Self, StoreError> {
        Self::open_inner(path, clock, services).map_err(|e| e.considering_disk(&dir_of(path)))
    }

    fn open_inner(path: &Path, clock: Arc<dyn Clock>, services: &[&Migrations]) -> Result<Self, StoreError> {
        let mut conn = rusqlite::Connection::open(path)?;
        configure_writer(&conn)?;
        migrate::apply(&mut conn, &MIGRATIONS, clock.as_ref())?;
        for migrations in services {
            migrate::apply(&mut conn, migrations, clock.as_ref())?;
        }
        let head = chain::head(&conn)?;
        let (committed_tx, committed) = watch::channel(head.seq);
        let writer = writer::spawn(conn, dir_of(path), head, committed_tx, clock.clone())?;

        let manager = SqliteConnectionManager::file(path)
            .with_flags(rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX)
            .with_init(|c| c.execute_batch("PRAGMA busy_timeout = 5000; PRAGMA query_only = ON;"));
        let readers = r2d2::Pool::builder()
            .max_size(READERS)
            .min_idle(Some(1))
            .build(manager)
            .map_err(|e| StoreError::Unavailable(e.to_string()))?;

        Ok(Self {
            inner: Arc::new(Inner {
                path: path.to_owned(),
                writer,
                readers,
                committed,
                clock,
                damage: std::sync::OnceLock::new(),
            }),
        })
    }

    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// Records what a structural check found wrong (the first report stays).
    pub fn mark_damaged(&self, problem: String) {
        let _ = self.inner.damage.set(problem);
    }

    /// What a structural check found wrong, if anything.
    pub fn damage(&self) -> Option<&str> {
        self.inner.damage.get().map(String::as_str)
    }

    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.inner.clock
    }

    /// Runs `f` in the writer's transaction and returns once its effects are durable on disk.
    /// If `f` fails, its changes (and events) are rolled back and its error returned; other
    /// requests committed in the same batch are unaffected.
    pub async fn write<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut WriteTx<'_>) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
    {
        self.inner.writer.submit(f).await
    }

    /// Runs `f` on a pooled read-only connection, off the async threads.
    pub async fn read<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&rusqlite::Connection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
    {
        let pool = self.inner.readers.clone();
        let joined = tokio::task::spawn_blocking(move || {
            let conn = pool.get().map_err(|e| E::from(StoreError::Unavailable(e.to_string())))?;
            f(&conn)
        })
        .await;
        match joined {
            Ok(result) => result,
            Err(join) => Err(E::from(StoreError::Internal(format!("reader task failed: {join}")))),
        }
    }

    /// The `seq` of the last committed event (0 for an empty log).
    pub fn last_seq(&self) -> u64 {
        *self.inner.committed.borrow()
    }

    /// A receiver that changes whenever events commit; its value is the last committed `seq`.
    pub fn committed(&self) -> watch::Receiver<u64> {
        self.inner.committed.clone()
    }

    /// Up to `limit` events with `seq > after`, in order.
    pub async fn events_after(&self, after: u64, limit: u32) -> Result<Vec<StoredEvent>, StoreError> {
        self.read(move |conn| events::after(conn, after, limit)).await
    }

    /// Events matching `filter`, newest first (the audit trail, reports of who did what).
    pub async fn events_matching(&self, filter: EventFilter) -> Result<Vec<StoredEvent>, StoreError> {
        self.read(move |conn| events::matching(conn, &filter)).await
    }

    /// Recomputes the hash chain over the whole log.
    pub async fn verify_chain(&self) -> Result<Result<ChainReport, ChainBroken>, StoreError> {
        self.read(chain::verify).await
    }

    /// A durable subscriber of the bus, resuming from its persisted cursor.
    pub async fn subscriber(&self, name: &str) -> Result<Subscriber, StoreError> {
        Subscriber::resume(self.clone(), name).await
    }

    /// Waits for in-flight writes to commit and stops the writer. Later writes fail with
    /// [`StoreError::Closed`].
    pub async fn shutdown(&self) {
        self.inner.writer.shutdown().await;
    }
}

/// The directory holding the database (and its WAL): where free space matters.
fn dir_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_owned(),
        _ => PathBuf::from("."),
    }
}

/// WAL for readers-during-writes; `synchronous=FULL` so a commit survives a power cut
/// (BRIEF §2: "every accepted write is durable before the 2xx").
fn configure_writer(conn: &rusqlite::Connection) -> Result<(), StoreError> {
    let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(StoreError::Unavailable(format!("could not enable WAL (journal_mode={mode})")));
    }
    conn.execute_batch(
        "PRAGMA synchronous = FULL;
         PRAGMA foreign_keys = ON;
         PRAGMA busy_timeout = 5000;
         PRAGMA temp_store = MEMORY;",
    )?;
    Ok(())
}

/// Database facts for `comanda check` and `/readyz`.
pub fn integrity_check(path: &Path) -> Result<Vec<String>, StoreError> {
    read_pragma(path, "PRAGMA integrity_check")
}

/// Runs a checking pragma on a read-only connection. Even a reader needs the WAL index
/// (`-shm`) beside the database, and on a full disk it cannot be made: that is disk full,
/// not damage.
fn read_pragma(path: &Path, pragma: &str) -> Result<Vec<String>, StoreError> {
    let rows = || -> Result<Vec<String>, StoreError> {
        let conn = rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
        let mut stmt = conn.prepare(pragma)?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
        rows.collect::<Result<Vec<_>, _>>().map_err(StoreError::from)
    };
    rows().map_err(|e| e.considering_disk(&dir_of(path)))
}

/// Migration status of every known service, read without applying anything.
pub fn migration_status(path: &Path, services: &[&Migrations]) -> Result<Vec<MigrationStatus>, StoreError> {
    let status = || -> Result<Vec<MigrationStatus>, StoreError> {
        let conn = rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
        let mut all = vec![migrate::status(&conn, &MIGRATIONS)?];
        for m in services {
            all.push(migrate::status(&conn, m)?);
        }
        Ok(all)
    };
    status().map_err(|e| e.considering_disk(&dir_of(path)))
}

/// Chain verification on a path, for the CLI (works while a server runs: WAL readers).
pub fn verify_chain_at(path: &Path) -> Result<Result<ChainReport, ChainBroken>, StoreError> {
    let verify = || {
        let conn = rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
        chain::verify(&conn)
    };
    verify().map_err(|e| e.considering_disk(&dir_of(path)))
}

/// An online, consistent copy of the database at `to` (SQLite's `VACUUM INTO` on a read
/// connection: safe while the server writes), verified with `PRAGMA integrity_check`.
/// Refuses to overwrite an existing file. A copy that fails (a full disk, most often) is
/// removed, so a half-written file never sits among the backups looking like one.
pub fn backup_to(database: &Path, to: &Path) -> Result<(), StoreError> {
    if to.exists() {
        return Err(StoreError::Unavailable(format!("{} already exists; choose a new file", to.display())));
    }
    let target = to.to_str().ok_or_else(|| StoreError::Unavailable("the backup path must be valid UTF-8".into()))?;
    leave_room_for_orders(database, to)?;
    let copied = rusqlite::Connection::open_with_flags(database, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
        .and_then(|conn| conn.execute("VACUUM INTO ?1", rusqlite::params![target]))
        .map_err(|e| StoreError::from(e).considering_disk(&dir_of(to)));
    if let Err(e) = copied {
        let _ = std::fs::remove_file(to);
        return Err(e);
    }
    let verdict = integrity_check(to)?;
    if verdict != ["ok"] {
        let _ = std::fs::remove_file(to);
        return Err(StoreError::Unavailable(format!("the backup failed its integrity check: {}", verdict.join("; "))));
    }
    Ok(())
}

/// A backup onto the database's own disk must not be what fills it: it goes ahead only if,
/// after a copy the size of the database, as much room again is left for the evening's
/// writes. (A backup onto another disk, a USB stick, is limited by that disk only.)
fn leave_room_for_orders(database: &Path, to: &Path) -> Result<(), StoreError> {
    use std::os::unix::fs::MetadataExt;
    let target_dir = dir_of(to);
    let (Ok(db), Ok(target)) = (std::fs::metadata(database), std::fs::metadata(&target_dir)) else {
        return Ok(()); // VACUUM INTO reports what is wrong
    };
    if db.dev() != target.dev() {
        return Ok(());
    }
    let wal = std::fs::metadata(
        dir_of(database).join(format!("{}-wal", database.file_name().and_then(|n| n.to_str()).unwrap_or("comanda.db"))),
    )
    .map_or(0, |m| m.len());
    let needed = (db.len() + wal).saturating_mul(2);
    match files::free_bytes(&target_dir) {
        Some(free) if free < needed => Err(StoreError::DiskFull(format!(
            "not enough room for a backup beside the database: it needs about {} MiB and {} MiB are free, and the box keeps its room for orders",
            needed.div_ceil(1 << 20),
            free >> 20
        ))),
        _ => Ok(()),
    }
}

/// SQLite's fast structural check (`PRAGMA quick_check`), run before a box starts serving.
pub fn quick_check(path: &Path) -> Result<Vec<String>, StoreError> {
    read_pragma(path, "PRAGMA quick_check")
}
