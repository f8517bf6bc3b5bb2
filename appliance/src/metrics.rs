//! `GET /metrics`: the box's vital signs in Prometheus text format — requests by route and
//! status with latency histograms (counted by a middleware), and, read at scrape time from the
//! services' own APIs, open orders, tickets by state, print queue depth per printer, the event
//! log's last seq and the database's size on disk. No money and no names: it is safe to
//! scrape on the LAN without a login, like `/healthz`.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use comanda_store::{Store, StoreError};

/// Upper bounds (seconds) of the latency histogram buckets.
const BUCKETS: [f64; 10] = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0];

#[derive(Default)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    sum: f64,
    count: u64,
}

#[derive(Default)]
struct Counters {
    /// (method, route, status) → requests
    requests: BTreeMap<(String, String, u16), u64>,
    /// (method, route) → latency
    latency: BTreeMap<(String, String), Histogram>,
}

#[derive(Clone, Default)]
pub struct Metrics(Arc<Mutex<Counters>>);

impl Metrics {
    fn record(&self, method: String, route: String, status: u16, seconds: f64) {
        let mut c = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        *c.requests.entry((method.clone(), route.clone(), status)).or_default() += 1;
        let h = c.latency.entry((method, route)).or_default();
        for (i, bound) in BUCKETS.iter().enumerate() {
            if seconds <= *bound {
                h.counts[i] += 1;
            }
        }
        h.sum += seconds;
        h.count += 1;
    }
}

/// The middleware that counts every request under its route template (`/api/v1/orders/{id}`),
/// never under raw paths (which would grow without bound).
pub async fn count(State(metrics): State<Metrics>, req: Request, next: Next) -> Response {
    let route = req.extensions().get::<MatchedPath>().map_or_else(|| "unmatched".to_owned(), |m| m.as_str().to_owned());
    let method = req.method().to_string();
    let started = Instant::now();
    let response = next.run(req).await;
    metrics.record(method, route, response.status().as_u16(), started.elapsed().as_secs_f64());
    response
}

fn escape(label: &str) -> String {
    label.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

/// The text the scraper reads.
pub async fn render(metrics: &Metrics, store: &Store) -> Result<String, StoreError> {
    let db = store.path().to_owned();
    let (open_orders, tickets, queues) = store
        .read(|c| {
            Ok::<_, StoreError>((
                comanda_orders::open_count(c)?,
                comanda_kitchen::tickets_by_status(c)?,
                comanda_printing::queue_depths(c)?,
            ))
        })
        .await?;
    let db_bytes: u64 = ["", "-wal"]
        .iter()
        .filter_map(|suffix| std::fs::metadata(format!("{}{suffix}", db.display())).ok())
        .map(|m| m.len())
        .sum();

    let mut out = String::new();
    let c = metrics.0.lock().unwrap_or_else(PoisonError::into_inner);
    let _ = writeln!(out, "# HELP comanda_http_requests_total HTTP requests by method, route and status.");
    let _ = writeln!(out, "# TYPE comanda_http_requests_total counter");
    for ((method, route, status), n) in &c.requests {
        let _ = writeln!(
            out,
            "comanda_http_requests_total{{method=\"{method}\",route=\"{}\",status=\"{status}\"}} {n}",
            escape(route)
        );
    }
    let _ = writeln!(out, "# HELP comanda_http_request_duration_seconds Time to answer, by method and route.");
    let _ = writeln!(out, "# TYPE comanda_http_request_duration_seconds histogram");
    for ((method, route), h) in &c.latency {
        let labels = format!("method=\"{method}\",route=\"{}\"", escape(route));
        for (bound, n) in BUCKETS.iter().zip(h.counts) {
            let _ = writeln!(out, "comanda_http_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {n}");
        }
        let _ = writeln!(out, "comanda_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}", h.count);
        let _ = writeln!(out, "comanda_http_request_duration_seconds_sum{{{labels}}} {}", h.sum);
        let _ = writeln!(out, "comanda_http_request_duration_seconds_count{{{labels}}} {}", h.count);
    }
    drop(c);
    let _ = writeln!(
        out,
        "# HELP comanda_open_orders Orders open on the floor.\n# TYPE comanda_open_orders gauge\ncomanda_open_orders {open_orders}"
    );
    let _ =
        writeln!(out, "# HELP comanda_kitchen_tickets Kitchen tickets by state.\n# TYPE comanda_kitchen_tickets gauge");
    for status in ["new", "preparing", "ready", "served"] {
        let n = tickets.iter().find(|(s, _)| s == status).map_or(0, |(_, n)| *n);
        let _ = writeln!(out, "comanda_kitchen_tickets{{status=\"{status}\"}} {n}");
    }
    let _ = writeln!(
        out,
        "# HELP comanda_print_queue_jobs Print jobs waiting, by printer.\n# TYPE comanda_print_queue_jobs gauge"
    );
    for (printer, n) in queues {
        let _ = writeln!(out, "comanda_print_queue_jobs{{printer=\"{}\"}} {n}", escape(&printer));
    }
    let _ = writeln!(
        out,
        "# HELP comanda_event_log_seq The event log's last seq.\n# TYPE comanda_event_log_seq gauge\ncomanda_event_log_seq {}",
        store.last_seq()
    );
    let _ = writeln!(
        out,
        "# HELP comanda_database_bytes The database and its WAL on disk.\n# TYPE comanda_database_bytes gauge\ncomanda_database_bytes {db_bytes}"
    );
    Ok(out)
}

/// `GET /metrics`.
pub async fn endpoint(State((metrics, store)): State<(Metrics, Store)>) -> Response {
    match render(&metrics, &store).await {
        Ok(text) => {
            ([(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; version=0.0.4"))], text).into_response()
        }
        Err(e) => comanda_api::ApiError::from(e).into_response(),
    }
}
