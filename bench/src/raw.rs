//! The physical ceiling the store is measured against: plain SQLite on the same disk, in WAL
//! mode with `synchronous=FULL`, one row per transaction (every commit waits for its fsync) —
//! and, for reference, 50 rows per transaction.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::Result;
use rusqlite::Connection;

/// What a run of durable commits measured.
#[derive(Debug)]
pub struct Commits {
    pub rows_per_s: f64,
    /// How long each commit took (ms): the disk's fsync, mostly.
    pub commit_ms: Vec<f64>,
}

/// Durable single-row commits, for `duration` (at most `cap` rows).
pub fn single_row_commits(dir: &Path, duration: Duration, cap: usize) -> Result<Commits> {
    commits(dir, "single.db", duration, cap, 1)
}

/// Durable commits of `per_tx` rows each.
pub fn commits(dir: &Path, name: &str, duration: Duration, cap: usize, per_tx: usize) -> Result<Commits> {
    let path = dir.join(name);
    let conn = Connection::open(&path)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.execute_batch("CREATE TABLE lines (id INTEGER PRIMARY KEY, order_id TEXT NOT NULL, body TEXT NOT NULL)")?;
    let body = r#"{"item_id":"0193a2b4-0000-7000-8000-000000000001","quantity":1,"course":1}"#;
    let started = Instant::now();
    let mut rows = 0;
    let mut commit_ms = Vec::new();
    // Bounded by both the clock and the row cap.
    while started.elapsed() < duration && rows < cap {
        let begun = Instant::now();
        let tx = conn.unchecked_transaction()?;
        for _ in 0..per_tx {
            tx.execute("INSERT INTO lines (order_id, body) VALUES (?1, ?2)", ("0193a2b4-order", body))?;
        }
        tx.commit()?;
        commit_ms.push(begun.elapsed().as_secs_f64() * 1000.0);
        rows += per_tx;
    }
    let elapsed = started.elapsed().as_secs_f64();
    drop(conn);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(dir.join(format!("{name}{suffix}")));
    }
    Ok(Commits { rows_per_s: rows as f64 / elapsed, commit_ms })
}

/// The store's group commit on its own, on the same disk: `callers` tasks each submitting
/// single-row durable writes through [`comanda_store::Store::write`] for `duration` (at most
/// `cap` rows in all). Returns rows per second. No HTTP, no JSON, no event: what the writer
/// thread's batching alone makes of the disk.
pub async fn store_group_commit(dir: &Path, callers: usize, duration: Duration, cap: usize) -> Result<f64> {
    use comanda_store::{Migration, Migrations, Store, StoreError};
    static BENCH: Migrations = Migrations {
        service: "bench",
        steps: &[Migration {
            version: 1,
            name: "lines",
            sql: "CREATE TABLE bench_lines (id INTEGER PRIMARY KEY, order_id TEXT NOT NULL, body TEXT NOT NULL)",
        }],
    };
    let path = dir.join("store.db");
    let open = path.clone();
    let clock: std::sync::Arc<dyn comanda_domain::Clock> = std::sync::Arc::new(comanda_domain::SystemClock);
    let store = tokio::task::spawn_blocking(move || Store::open(&open, clock, &[&BENCH])).await??;
    let started = Instant::now();
    let per_caller = cap / callers.max(1);
    let mut tasks = Vec::new();
    for _ in 0..callers {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let mut rows = 0usize;
            // Bounded by the clock and the caller's share of the cap.
            while started.elapsed() < duration && rows < per_caller {
                let written: Result<(), StoreError> = store
                    .write(|tx| {
                        tx.conn().execute(
                            "INSERT INTO bench_lines (order_id, body) VALUES (?1, ?2)",
                            ("0193a2b4-order", r#"{"item_id":"0193a2b4-0000-7000-8000-000000000001","quantity":1}"#),
                        )?;
                        Ok(())
                    })
                    .await;
                if written.is_err() {
                    break;
                }
                rows += 1;
            }
            rows
        }));
    }
    let mut rows = 0;
    for task in tasks {
        rows += task.await?;
    }
    let elapsed = started.elapsed().as_secs_f64();
    drop(store);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(dir.join(format!("store.db{suffix}")));
    }
    Ok(rows as f64 / elapsed)
}
