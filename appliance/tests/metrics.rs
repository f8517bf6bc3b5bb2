//! `/metrics` is valid Prometheus text (parsed by Prometheus's own client library) and its
//! numbers move when the restaurant works.

use std::time::Duration;

use comanda_testkit::{Client, TestBox};
use serde_json::{Value, json};

/// Every sample as (name, labels, value), parsed by `prometheus_client`.
fn parse(text: &str) -> Vec<(String, Value, f64)> {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("metrics.txt");
    std::fs::write(&file, text).expect("write");
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/support/parse_metrics.py");
    let out = std::process::Command::new("python3").arg(script).arg(&file).output().expect("python3 runs");
    assert!(out.status.success(), "prometheus_client rejects /metrics: {}", String::from_utf8_lossy(&out.stderr));
    let samples: Vec<(String, Value, f64)> = serde_json::from_slice(&out.stdout).expect("json");
    samples
}

fn value(samples: &[(String, Value, f64)], name: &str, labels: &[(&str, &str)]) -> f64 {
    samples.iter().filter(|(n, l, _)| n == name && labels.iter().all(|(k, v)| l[*k] == *v)).map(|(_, _, v)| *v).sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_parse_and_move_when_orders_are_sent() {
    let tb = TestBox::start().await.expect("box");
    comanda_appliance::demo::ensure(tb.running()).await.expect("demo");
    let c = tb.client();
    let before = parse(&c.get("/metrics").await.expect_status(200).text);

    let ana = c.as_session(&c.pin_login("ana", "1111").await);
    let menu = ana.get("/api/v1/menu").await.body;
    let item = menu["categories"][0]["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|i| i["modifier_group_ids"].as_array().is_some_and(Vec::is_empty))
        .and_then(|i| i["id"].as_str().map(String::from))
        .expect("item");
    let table = ana.all_pages("/api/v1/tables").await[0]["id"].as_str().expect("table").to_owned();
    let order = ana.post("/api/v1/orders", json!({"table_id": table, "guests": 2})).await.expect_status(201);
    let order = order.body["id"].as_str().expect("id").to_owned();
    ana.post(&format!("/api/v1/orders/{order}/lines"), json!({"lines": [{"item_id": item, "quantity": 1}]}))
        .await
        .expect_status(201);
    ana.post(&format!("/api/v1/orders/{order}/send"), json!({})).await.expect_status(200);
    tokio::time::sleep(Duration::from_millis(300)).await; // the kitchen makes its ticket

    let after = parse(&Client::new(&tb.base).get("/metrics").await.expect_status(200).text);
    let sends = [("method", "POST"), ("route", "/api/v1/orders/{id}/send"), ("status", "200")];
    assert_eq!(
        value(&after, "comanda_http_requests_total", &sends) - value(&before, "comanda_http_requests_total", &sends),
        1.0
    );
    assert!(
        value(&after, "comanda_http_request_duration_seconds_count", &[("route", "/api/v1/orders/{id}/send")]) >= 1.0
    );
    assert_eq!(value(&after, "comanda_open_orders", &[]), 1.0);
    assert!(value(&after, "comanda_kitchen_tickets", &[("status", "new")]) >= 1.0);
    assert!(value(&after, "comanda_event_log_seq", &[]) > value(&before, "comanda_event_log_seq", &[]));
    assert!(value(&after, "comanda_database_bytes", &[]) > 0.0);
    tb.stop().await;
}
