//! Two `comanda-cloud` instances on one PostgreSQL take twenty boxes at once, each box sending
//! every batch to both instances at the same time (a retry that raced the first try): no
//! duplicate, no deadlock, no error, and every site acked to its last event.

mod support;

use comanda_cloud::admin;
use comanda_sync_wire::{EventBatch, WireEvent, events_path};
use serde_json::json;
use uuid::Uuid;

const BOXES: usize = 20;
const BATCHES: u64 = 10;
const PER_BATCH: u64 = 50;

fn batch(site: Uuid, first: u64) -> EventBatch {
    let events = (first..first + PER_BATCH)
        .map(|seq| WireEvent {
            id: Uuid::from_u128((site.as_u128() << 32) ^ u128::from(seq)),
            seq,
            event_type: "order.line_added".into(),
            at: "2026-12-05T21:00:00Z".into(),
            actor: "system".into(),
            data: json!({"qty": 1}),
        })
        .collect();
    EventBatch::new(site, events)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_take_twenty_boxes_at_once_without_a_duplicate_or_a_deadlock() {
    let pg = support::Postgres::start();
    let (first, cloud) = support::cloud(&pg).await;
    let (second, _) = support::cloud(&pg).await;
    admin::create_org(&cloud.pool, "Chain", "owner", "a long password").await.expect("org");
    let mut sites = Vec::new();
    for i in 0..BOXES {
        sites.push(admin::create_site(&cloud.pool, "Chain", &format!("Site {i}")).await.expect("site"));
    }
    let http = reqwest::Client::new();
    let mut boxes = tokio::task::JoinSet::new();
    for (site, token) in sites.clone() {
        let (http, first, second) = (http.clone(), first.clone(), second.clone());
        boxes.spawn(async move {
            let mut acked = 0;
            for b in 0..BATCHES {
                let body = batch(site, 1 + b * PER_BATCH);
                let send = |base: String| {
                    let (http, body, token) = (http.clone(), body.clone(), token.clone());
                    async move {
                        let r = http
                            .post(format!("{base}{}", events_path(site)))
                            .bearer_auth(token)
                            .json(&body)
                            .send()
                            .await;
                        let r = r.expect("the cloud answers");
                        let status = r.status().as_u16();
                        (status, r.json::<serde_json::Value>().await.unwrap_or_default())
                    }
                };
                let ((s1, a1), (s2, a2)) = tokio::join!(send(first.clone()), send(second.clone()));
                assert_eq!((s1, s2), (200, 200), "{a1} {a2}");
                // Together the two tries took the batch once.
                assert_eq!(
                    a1["ingested"].as_u64().unwrap_or(9) + a2["ingested"].as_u64().unwrap_or(9),
                    PER_BATCH,
                    "{a1} {a2}"
                );
                acked = a1["acked_seq"].as_u64().max(a2["acked_seq"].as_u64()).unwrap_or(0);
            }
            (site, acked)
        });
    }
    while let Some(done) = boxes.join_next().await {
        let (site, acked) = done.expect("box task");
        assert_eq!(acked, BATCHES * PER_BATCH, "site {site}");
    }
    let client = cloud.pool.get().await.expect("connection");
    let row = client
        .query_one("SELECT count(*), count(DISTINCT (site_id, id)), count(DISTINCT site_id) FROM events", &[])
        .await
        .expect("totals");
    let total = (BOXES as u64 * BATCHES * PER_BATCH) as i64;
    assert_eq!((row.get::<_, i64>(0), row.get::<_, i64>(1), row.get::<_, i64>(2)), (total, total, BOXES as i64));
    let acked: Vec<i64> =
        client.query("SELECT acked_seq FROM sites", &[]).await.expect("sites").iter().map(|r| r.get(0)).collect();
    assert!(acked.iter().all(|&a| a == (BATCHES * PER_BATCH) as i64), "{acked:?}");
}
