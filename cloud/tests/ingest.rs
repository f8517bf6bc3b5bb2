//! Exactly once per (site, event id), on real PostgreSQL: however often, in whatever order and
//! overlap a box's batches arrive, each event counts once and `acked_seq` only ever names a
//! seq below which the cloud holds everything.

mod support;

use comanda_cloud::admin;
use comanda_sync_wire::{EventBatch, WireEvent, events_path};
use serde_json::{Value, json};
use uuid::Uuid;

fn event(site: Uuid, seq: u64) -> WireEvent {
    // Ids derived from site and seq: the same event has the same id in every resend.
    WireEvent {
        id: Uuid::from_u128((site.as_u128() << 32) ^ u128::from(seq)),
        seq,
        event_type: "order.sent".into(),
        at: "2026-12-05T20:15:00+01:00".into(),
        actor: "system".into(),
        data: json!({"n": seq}),
    }
}

fn batch(site: Uuid, seqs: std::ops::RangeInclusive<u64>) -> EventBatch {
    EventBatch::new(site, seqs.map(|s| event(site, s)).collect())
}

async fn send(http: &reqwest::Client, base: &str, site: Uuid, token: &str, body: &EventBatch) -> (u16, Value) {
    let r = http
        .post(format!("{base}{}", events_path(site)))
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .expect("cloud answers");
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn each_event_counts_once_whatever_the_order_overlap_or_repetition() {
    let pg = support::Postgres::start();
    let (base, cloud) = support::cloud(&pg).await;
    admin::create_org(&cloud.pool, "Bistros", "olivia", "a long password").await.expect("org");
    let (site, token) = admin::create_site(&cloud.pool, "Bistros", "Rue Haute").await.expect("site");
    let http = reqwest::Client::new();

    // (the seqs sent, new events the cloud says it took, acked_seq after)
    let script: [(std::ops::RangeInclusive<u64>, u64, u64); 8] = [
        (1..=3, 3, 3),
        (1..=3, 0, 3),   // the same batch again (a lost answer)
        (1..=3, 0, 3),   // and a third time
        (7..=9, 3, 3),   // from the future: held, not acked past the gap
        (5..=6, 2, 3),   // still a gap at 4
        (2..=4, 1, 9),   // overlapping, fills the gap: everything up to 9 is held
        (8..=10, 1, 10), // overlapping the end
        (10..=10, 0, 10),
    ];
    for (seqs, ingested, acked) in script {
        let (status, ack) = send(&http, &base, site, &token, &batch(site, seqs.clone())).await;
        assert_eq!(status, 200, "{seqs:?}: {ack}");
        assert_eq!((ack["ingested"].as_u64(), ack["acked_seq"].as_u64()), (Some(ingested), Some(acked)), "{seqs:?}");
    }
    let client = cloud.pool.get().await.expect("connection");
    let row = client
        .query_one("SELECT count(*), count(DISTINCT id), min(seq), max(seq) FROM events WHERE site_id = $1", &[&site])
        .await
        .expect("count");
    assert_eq!(
        (row.get::<_, i64>(0), row.get::<_, i64>(1), row.get::<_, i64>(2), row.get::<_, i64>(3)),
        (10, 10, 1, 10)
    );
}

#[tokio::test]
async fn a_site_token_writes_only_its_own_site_and_stops_when_revoked() {
    let pg = support::Postgres::start();
    let (base, cloud) = support::cloud(&pg).await;
    admin::create_org(&cloud.pool, "Bistros", "olivia", "a long password").await.expect("org");
    let (a, token_a) = admin::create_site(&cloud.pool, "Bistros", "A").await.expect("site a");
    let (b, _token_b) = admin::create_site(&cloud.pool, "Bistros", "B").await.expect("site b");
    let http = reqwest::Client::new();

    // (site in the path, token, the batch's own site, status, error code)
    let refused = [
        (b, token_a.as_str(), b, 401, "unauthenticated"), // A's token on B
        (a, "not-the-token", a, 401, "unauthenticated"),  // a wrong token
        (Uuid::now_v7(), token_a.as_str(), a, 401, "unauthenticated"), // an unknown site
        (a, token_a.as_str(), b, 422, "validation_failed"), // B's events under A
    ];
    for (path_site, token, body_site, status, code) in refused {
        let (got, body) = send(&http, &base, path_site, token, &batch(body_site, 1..=2)).await;
        assert_eq!((got, body["error"]["code"].as_str()), (status, Some(code)), "{body}");
    }
    let client = cloud.pool.get().await.expect("connection");
    let written: i64 = client.query_one("SELECT count(*) FROM events", &[]).await.expect("count").get(0);
    assert_eq!(written, 0, "nothing refused was written");

    assert_eq!(send(&http, &base, a, &token_a, &batch(a, 1..=2)).await.0, 200);
    admin::revoke_site(&cloud.pool, a).await.expect("revoke");
    let (status, body) = send(&http, &base, a, &token_a, &batch(a, 3..=4)).await;
    assert_eq!((status, body["error"]["code"].as_str()), (403, Some("revoked")), "{body}");
    let fresh = admin::reissue_token(&cloud.pool, a).await.expect("new token");
    assert_eq!(send(&http, &base, a, &token_a, &batch(a, 3..=4)).await.0, 401, "the old token stays dead");
    let (status, ack) = send(&http, &base, a, &fresh, &batch(a, 3..=4)).await;
    assert_eq!((status, ack["acked_seq"].as_u64()), (200, Some(4)), "{ack}");
}
