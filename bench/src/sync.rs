//! Cloud sync, measured (BRIEF §10: a 50k-event backlog reaches the cloud in < 30 s).
//!
//! A box's data dir gets a backlog of at least 50,000 events (orders through the real API, as
//! `year.rs` makes them); a `comanda-cloud` runs in this process on a throwaway PostgreSQL
//! (`comanda_testkit::Postgres`, 127.0.0.1). Then:
//! - **drain**: the box starts with the cloud configured; timed until the cloud's `acked_seq`
//!   is the box's last seq (the box reads, batches and posts; the cloud ingests);
//! - **ingest**: the same events posted straight to the cloud for a second site, batch after
//!   batch from memory: the cloud's own events/s.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use comanda_appliance::Config;
use comanda_cloud::{Cloud, admin, db};
use comanda_domain::SystemClock;
use comanda_sync_wire::{EventBatch, MAX_BATCH_EVENTS, events_path};
use serde_json::{Value, json};

/// Orders that leave at least 50,000 events in the log (≈ 14 events an order).
const ORDERS: usize = 3_700;
const BACKLOG: u64 = 50_000;
const DRAIN_LIMIT: Duration = Duration::from_secs(300);

pub async fn run(out: &Path) -> Result<Value> {
    let dir = tempfile::tempdir()?;
    let data = dir.path().join("data");
    eprintln!("sync bench: making a backlog ({ORDERS} orders)…");
    crate::year::generate(&data, ORDERS, 64).await?;

    let pg = comanda_testkit::Postgres::start();
    let pool = db::pool(&pg.url, 16)?;
    db::migrate(&pool).await?;
    let cloud = Cloud { pool: Arc::new(pool) };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let app = comanda_cloud::router(cloud.clone());
    let server = tokio::spawn(async move { axum::serve(listener, app).await });
    admin::create_org(&cloud.pool, "Bench", "owner", "a long password").await?;
    let (drained_site, token) = admin::create_site(&cloud.pool, "Bench", "Drain").await?;
    let (direct_site, direct_token) = admin::create_site(&cloud.pool, "Bench", "Direct").await?;

    // Drain: the box starts with its backlog and the cloud configured.
    let link = comanda_sync::CloudLink { url: base.clone(), site_id: drained_site, token };
    let config =
        Config { listen: "127.0.0.1:0".parse()?, data_dir: data.clone(), cloud: Some(link), ..Config::default() };
    let started = Instant::now();
    let running = comanda_appliance::start(&config, Arc::new(SystemClock)).await?;
    let last = running.store.last_seq();
    if last < BACKLOG {
        bail!("the backlog is only {last} events; raise ORDERS");
    }
    let client = cloud.pool.get().await?;
    loop {
        let acked: i64 = client.query_one("SELECT acked_seq FROM sites WHERE id = $1", &[&drained_site]).await?.get(0);
        if acked as u64 >= last {
            break;
        }
        if started.elapsed() > DRAIN_LIMIT {
            bail!("the backlog did not drain in {} s (acked {acked} of {last})", DRAIN_LIMIT.as_secs());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let drain = started.elapsed().as_secs_f64();

    // Ingest: the same events straight to the cloud, one batch after the other.
    let events = running.store.events_after(0, u32::MAX).await?;
    running.shutdown().await?;
    let http = reqwest::Client::new();
    let url = format!("{base}{}", events_path(direct_site));
    let started = Instant::now();
    for chunk in events.chunks(MAX_BATCH_EVENTS) {
        let wire = chunk.iter().map(comanda_sync::wire_event).collect();
        let response =
            http.post(&url).bearer_auth(&direct_token).json(&EventBatch::new(direct_site, wire)).send().await?;
        if !response.status().is_success() {
            bail!("the cloud refused a batch: {}", response.text().await.unwrap_or_default());
        }
    }
    let ingest = started.elapsed().as_secs_f64();
    server.abort();

    let result = json!({
        "what": "cloud sync: a box's backlog drained to comanda-cloud, and the cloud's own ingest rate, on this machine (box, cloud and PostgreSQL share its 2 cores)",
        "backlog_events": last,
        "batch_events": MAX_BATCH_EVENTS,
        "drain_seconds": (drain * 100.0).round() / 100.0,
        "drain_target_seconds": 30,
        "drain_events_per_s": (last as f64 / drain).round(),
        "cloud_ingest_events_per_s": (events.len() as f64 / ingest).round(),
        "cloud_ingest_seconds": (ingest * 100.0).round() / 100.0,
    });
    std::fs::create_dir_all(out)?;
    let path = out.join("sync.json");
    std::fs::write(&path, serde_json::to_string_pretty(&result)? + "\n")
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(result)
}
