//! `comanda check`: is this data dir sound? SQLite's own integrity check, every service's
//! migration status, and the event log's hash chain from the first event to the last.
//! Read-only, so it is safe while the server runs.

use std::path::Path;

use comanda_store::{ChainBroken, ChainReport, MigrationStatus};

#[derive(Debug)]
pub struct CheckReport {
    pub integrity: Vec<String>,
    pub migrations: Vec<MigrationStatus>,
    pub chain: Result<ChainReport, ChainBroken>,
}

impl CheckReport {
    pub fn is_ok(&self) -> bool {
        self.integrity == ["ok"] && self.migrations.iter().all(MigrationStatus::is_ok) && self.chain.is_ok()
    }

    /// The lines printed for a person.
    pub fn lines(&self) -> Vec<String> {
        let mut out = vec![format!("integrity   {}", self.integrity.join("; "))];
        for m in &self.migrations {
            let state = if m.is_ok() {
                format!("ok (applied {:?})", m.applied)
            } else {
                format!("PROBLEM: pending {:?}, edited {:?}, unknown {:?}", m.pending, m.edited, m.unknown)
            };
            out.push(format!("migrations  {:<8} {state}", m.service));
        }
        out.push(match &self.chain {
            Ok(r) => {
                format!("event log   {} events, hash chain intact up to seq {} ({})", r.events, r.last_seq, r.head_hash)
            }
            Err(broken) => format!("event log   BROKEN at seq {}: {}", broken.seq, broken.reason),
        });
        out.push(if self.is_ok() { "ok".to_owned() } else { "FAILED".to_owned() });
        out
    }
}

pub fn run(database: &Path) -> anyhow::Result<CheckReport> {
    if !database.exists() {
        anyhow::bail!("no database at {}; is --data-dir right?", database.display());
    }
    let services = crate::migrations();
    Ok(CheckReport {
        integrity: comanda_store::integrity_check(database)?,
        migrations: comanda_store::migration_status(database, &services)?,
        chain: comanda_store::verify_chain_at(database)?,
    })
}
