//! The connection pool and the add-only migrations (`cloud/migrations/NNNN_name.sql`).
//!
//! Migrations run at start under an advisory lock, so instances starting together apply each
//! step once; a step that changed after it ran stops start-up, as on the box.

use anyhow::{Context, bail};
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use sha2::{Digest, Sha256};
use tokio_postgres::NoTls;

struct Migration {
    version: i32,
    name: &'static str,
    sql: &'static str,
}

const MIGRATIONS: &[Migration] = &[
    Migration { version: 1, name: "init", sql: include_str!("../migrations/0001_init.sql") },
    Migration { version: 2, name: "sales", sql: include_str!("../migrations/0002_sales.sql") },
    Migration { version: 3, name: "owners", sql: include_str!("../migrations/0003_owners.sql") },
];

/// An arbitrary constant: the advisory lock that serialises migrations across instances.
const MIGRATION_LOCK: i64 = 0x0063_6f6d_616e_6461;

pub fn pool(database_url: &str, size: usize) -> anyhow::Result<Pool> {
    let config: tokio_postgres::Config = database_url.parse().context("the database URL is not valid")?;
    let manager = Manager::from_config(config, NoTls, ManagerConfig { recycling_method: RecyclingMethod::Fast });
    Pool::builder(manager).max_size(size).build().context("cannot build the connection pool")
}

pub async fn migrate(pool: &Pool) -> anyhow::Result<()> {
    let mut client = pool.get().await.context("cannot connect to the database")?;
    let tx = client.transaction().await?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK]).await?;
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
            version    integer PRIMARY KEY,
            name       text NOT NULL,
            checksum   text NOT NULL,
            applied_at timestamptz NOT NULL DEFAULT now()
        )",
    )
    .await?;
    for step in MIGRATIONS {
        let checksum = hex::encode(Sha256::digest(step.sql.as_bytes()));
        let row = tx.query_opt("SELECT checksum FROM schema_migrations WHERE version = $1", &[&step.version]).await?;
        match row.map(|r| r.get::<_, String>(0)) {
            Some(ran) if ran == checksum => {}
            Some(_) => bail!("migration {} ({}) changed after it ran: restore it as it was", step.version, step.name),
            None => {
                tx.batch_execute(step.sql).await.with_context(|| format!("migration {} failed", step.version))?;
                tx.execute(
                    "INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)",
                    &[&step.version, &step.name, &checksum],
                )
                .await?;
                tracing::info!(version = step.version, name = step.name, "migration applied");
            }
        }
    }
    tx.commit().await?;
    Ok(())
}
