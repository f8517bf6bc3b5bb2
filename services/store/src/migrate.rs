//! Per-service, add-only migrations, recorded in `schema_migrations` with a checksum.
//!
//! A service declares its steps as `include_str!`-ed files `migrations/NNNN_name.sql`. Once a
//! step has run on a box it must never change: a checksum mismatch stops start-up (and
//! `comanda check` names it), because the same version number would mean different schemas
//! on different boxes. A database with steps this build does not know (it was run by a newer
//! version) is refused too, rather than half-understood.

use comanda_domain::Clock;
use rusqlite::{Connection, params};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::StoreError;
use crate::chain::format_at;

/// All migrations of one service, in version order starting at 1.
#[derive(Debug)]
pub struct Migrations {
    pub service: &'static str,
    pub steps: &'static [Migration],
}

#[derive(Debug)]
pub struct Migration {
    pub version: u32,
    pub name: &'static str,
    pub sql: &'static str,
}

/// What `comanda check` reports for one service.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MigrationStatus {
    pub service: String,
    pub applied: Vec<u32>,
    pub pending: Vec<u32>,
    /// Applied, but the SQL in this build differs from what ran.
    pub edited: Vec<u32>,
    /// Applied by a build that knew more steps than this one.
    pub unknown: Vec<u32>,
}

impl MigrationStatus {
    pub fn is_ok(&self) -> bool {
        self.pending.is_empty() && self.edited.is_empty() && self.unknown.is_empty()
    }
}

const SCHEMA_TABLE: &str = "CREATE TABLE IF NOT EXISTS schema_migrations (
    service    TEXT    NOT NULL,
    version    INTEGER NOT NULL,
    name       TEXT    NOT NULL,
    checksum   TEXT    NOT NULL,
    applied_at TEXT    NOT NULL,
    PRIMARY KEY (service, version)
) STRICT";

fn checksum(sql: &str) -> String {
    hex::encode(Sha256::digest(sql.as_bytes()))
}

fn applied(conn: &Connection, service: &str) -> Result<Vec<(u32, String)>, StoreError> {
    let exists: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations')",
        [],
        |r| r.get(0),
    )?;
    if !exists {
        return Ok(Vec::new());
    }
    let mut stmt =
        conn.prepare("SELECT version, checksum FROM schema_migrations WHERE service = ?1 ORDER BY version")?;
    let rows = stmt.query_map(params![service], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub(crate) fn status(conn: &Connection, m: &Migrations) -> Result<MigrationStatus, StoreError> {
    let done = applied(conn, m.service)?;
    let mut status = MigrationStatus {
        service: m.service.to_owned(),
        applied: Vec::new(),
        pending: Vec::new(),
        edited: Vec::new(),
        unknown: Vec::new(),
    };
    for step in m.steps {
        match done.iter().find(|(v, _)| *v == step.version) {
            Some((_, sum)) if *sum == checksum(step.sql) => status.applied.push(step.version),
            Some(_) => status.edited.push(step.version),
            None => status.pending.push(step.version),
        }
    }
    for (v, _) in done {
        if !m.steps.iter().any(|s| s.version == v) {
            status.unknown.push(v);
        }
    }
    Ok(status)
}

pub(crate) fn apply(conn: &mut Connection, m: &Migrations, clock: &dyn Clock) -> Result<(), StoreError> {
    for (i, step) in m.steps.iter().enumerate() {
        if usize::try_from(step.version).ok() != Some(i + 1) {
            return Err(StoreError::Migration(format!(
                "{} migrations must be numbered 1, 2, 3… (found {} at position {})",
                m.service,
                step.version,
                i + 1
            )));
        }
    }
    conn.execute_batch(SCHEMA_TABLE)?;
    let status = status(conn, m)?;
    if let Some(v) = status.edited.first() {
        return Err(StoreError::Migration(format!(
            "{} migration {v} was edited after it was applied; add a new migration instead",
            m.service
        )));
    }
    if let Some(v) = status.unknown.first() {
        return Err(StoreError::Migration(format!(
            "the database has {} migration {v}, which this build does not know: it was written by a newer version",
            m.service
        )));
    }
    for step in m.steps.iter().filter(|s| status.pending.contains(&s.version)) {
        let tx = conn.transaction()?;
        tx.execute_batch(step.sql).map_err(|e| {
            StoreError::Migration(format!("{} migration {} ({}) failed: {e}", m.service, step.version, step.name))
        })?;
        tx.execute(
            "INSERT INTO schema_migrations (service, version, name, checksum, applied_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![m.service, step.version, step.name, checksum(step.sql), format_at(clock.now())?],
        )?;
        tx.commit()?;
        tracing::info!(service = m.service, version = step.version, name = step.name, "migration applied");
    }
    Ok(())
}
