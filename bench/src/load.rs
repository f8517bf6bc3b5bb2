//! The service: 50 tablets taking orders at a set rate and 10 kitchen displays watching the
//! live stream. Each tablet works its own table: seat it, add the lines, fire course 1, fire
//! course 2, fire dessert, bill, pay by card — with think time between steps and an
//! idempotency key on every write. Timestamps are taken here, in the load generator: a send's
//! clock starts just before its request goes out.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use futures_util::{SinkExt, StreamExt};
use rand::Rng;
use serde_json::{Value, json};
use tokio::sync::{Mutex, watch};
use tokio_tungstenite::tungstenite::Message;

use crate::api::{Api, id_of};
use crate::restaurant::{PIN, Restaurant};

/// How hard and how long to push.
#[derive(Clone, Debug)]
pub struct Plan {
    pub orders: usize,
    pub rate_per_s: f64,
    pub tablets: usize,
    pub displays: usize,
    /// The run stops starting orders after this, finished or not.
    pub time_limit: Duration,
    /// Think time between a waiter's steps, uniformly in this range (ms).
    pub think_ms: (u64, u64),
}

/// One course fired: which order, and when the request started.
#[derive(Clone, Debug)]
pub struct Sent {
    pub order_id: String,
    /// The table's name, as printed on the ticket.
    pub table: String,
    pub number: u32,
    pub course: u32,
    pub at: Instant,
    /// When its answer arrived.
    pub answered: Instant,
}

/// A `ticket.created` as a kitchen display saw it.
#[derive(Clone, Debug)]
pub struct Seen {
    pub order_id: String,
    pub course: u32,
    pub station_id: String,
    pub at: Instant,
}

#[derive(Debug, Default)]
pub struct Outcome {
    pub orders_paid: usize,
    pub requests: usize,
    /// Answers that were not 2xx, and requests that got no answer at all.
    pub failures: usize,
    pub first_failures: Vec<String>,
    pub sends: Vec<Sent>,
    /// One list per display.
    pub seen: Vec<Vec<Seen>>,
    pub elapsed: Duration,
}

/// Runs the plan against `base`; returns when every started order is done (or failed) and the
/// displays have had a moment to receive the last tickets.
pub async fn run(base: &str, restaurant: &Restaurant, plan: &Plan) -> Result<Outcome> {
    let anon = Api::new(base)?;
    let (stop, stopped) = watch::channel(false);
    let mut displays = Vec::new();
    for i in 0..plan.displays {
        let cook = &restaurant.cooks[i % restaurant.cooks.len()];
        let token = anon.pin_login(cook, PIN).await?.access;
        let url = format!("{}/api/v1/events", base.replacen("http://", "ws://", 1));
        let (mut ws, _) = tokio_tungstenite::connect_async(url.as_str()).await.context("kitchen display connects")?;
        ws.send(Message::Text(json!({"type": "auth", "token": token}).to_string().into())).await?;
        let mut stopped = stopped.clone();
        displays.push(tokio::spawn(async move {
            let mut seen = Vec::new();
            // Each turn reads one message; ends when told to stop or the stream ends.
            loop {
                let message = tokio::select! {
                    _ = stopped.changed() => break,
                    message = ws.next() => message,
                };
                let Some(Ok(Message::Text(text))) = message else {
                    if matches!(message, None | Some(Err(_))) {
                        break;
                    }
                    continue;
                };
                let at = Instant::now();
                let Ok(event) = serde_json::from_str::<Value>(&text) else { continue };
                if event["type"] == "ticket.created" {
                    let data = &event["data"];
                    seen.push(Seen {
                        order_id: data["order_id"].as_str().unwrap_or_default().to_owned(),
                        course: data["course"].as_u64().unwrap_or(0) as u32,
                        station_id: data["station_id"].as_str().unwrap_or_default().to_owned(),
                        at,
                    });
                }
            }
            seen
        }));
    }

    let mut sessions = Vec::new();
    for waiter in &restaurant.waiters {
        sessions.push(anon.with_token(&anon.pin_login(waiter, PIN).await?.access));
    }
    let next = Arc::new(AtomicUsize::new(0));
    let tally = Arc::new(Mutex::new(Outcome::default()));
    let started = Instant::now();
    let deadline = started + plan.time_limit;
    let mut tablets = Vec::new();
    for i in 0..plan.tablets {
        let api = sessions[i % sessions.len()].clone();
        let table = restaurant.tables[i].clone();
        let lines = restaurant.order_lines(true);
        let (next, tally, plan) = (Arc::clone(&next), Arc::clone(&tally), plan.clone());
        tablets.push(tokio::spawn(async move {
            // Each turn takes the next order of the schedule; ends when the plan's orders are
            // taken or its time is up.
            loop {
                let k = next.fetch_add(1, Ordering::Relaxed);
                let due = started + Duration::from_secs_f64(k as f64 / plan.rate_per_s);
                if k >= plan.orders || due >= deadline {
                    break;
                }
                tokio::time::sleep_until(due.into()).await;
                let mut order = OrderRun {
                    api: &api,
                    table_name: format!("T{}", i + 1),
                    key: format!("bench-{k}"),
                    think: plan.think_ms,
                    requests: 0,
                    sends: Vec::new(),
                };
                let result = order.run(&table, &lines).await;
                let mut t = tally.lock().await;
                t.requests += order.requests;
                t.sends.append(&mut order.sends);
                match result {
                    Ok(()) => t.orders_paid += 1,
                    Err(e) => {
                        t.failures += 1;
                        if t.first_failures.len() < 5 {
                            t.first_failures.push(format!("order {k}: {e:#}"));
                        }
                    }
                }
            }
        }));
    }
    for tablet in tablets {
        tablet.await.context("a tablet task panicked")?;
    }
    let elapsed = started.elapsed();
    // The last tickets are a few milliseconds behind the last answers.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let _ = stop.send(true);
    let mut seen = Vec::new();
    for display in displays {
        seen.push(display.await.context("a display task panicked")?);
    }
    let tallied = std::mem::take(&mut *tally.lock().await);
    Ok(Outcome { seen, elapsed, ..tallied })
}

/// One order from seating to payment.
struct OrderRun<'a> {
    api: &'a Api,
    table_name: String,
    key: String,
    think: (u64, u64),
    requests: usize,
    sends: Vec<Sent>,
}

impl OrderRun<'_> {
    async fn run(&mut self, table: &str, lines: &Value) -> Result<()> {
        self.think().await;
        let order = self.write("/api/v1/orders", json!({"table_id": table, "guests": 2}), "open", 201).await?;
        let order_id = id_of(&order)?;
        let number = order["number"].as_u64().context("order number")? as u32;
        self.think().await;
        self.write(&format!("/api/v1/orders/{order_id}/lines"), lines.clone(), "lines", 201).await?;
        for course in 1..=3 {
            self.think().await;
            let at = Instant::now();
            self.write(
                &format!("/api/v1/orders/{order_id}/send"),
                json!({"course": course}),
                &format!("send-{course}"),
                200,
            )
            .await?;
            self.sends.push(Sent {
                order_id: order_id.clone(),
                table: self.table_name.clone(),
                number,
                course,
                at,
                answered: Instant::now(),
            });
        }
        self.think().await;
        let bill = self.write(&format!("/api/v1/orders/{order_id}/bill"), json!({}), "bill", 201).await?;
        let total = bill["total"].as_i64().context("bill total")?;
        let bill_id = id_of(&bill)?;
        self.think().await;
        self.write(
            &format!("/api/v1/bills/{bill_id}/payments"),
            json!({"method": "card", "amount": total}),
            "pay",
            201,
        )
        .await?;
        Ok(())
    }

    /// The waiter's pause before a step (never inside a timed request).
    async fn think(&self) {
        let (low, high) = self.think;
        let pause = rand::rng().random_range(low..=high.max(low));
        tokio::time::sleep(Duration::from_millis(pause)).await;
    }

    async fn write(&mut self, path: &str, body: Value, step: &str, expected: u16) -> Result<Value> {
        self.requests += 1;
        let key = format!("{}-{step}", self.key);
        self.api.post(path, &body, Some(&key)).await.with_context(|| format!("{step}: no answer"))?.expect(expected)
    }
}

/// Send → display latencies (ms), one per ticket per display, plus how many tickets each
/// display missed or saw twice (both must be 0).
pub fn display_latencies(outcome: &Outcome, stations: &[(String, String)]) -> (Vec<f64>, usize, usize) {
    let sent: HashMap<(&str, u32), Instant> =
        outcome.sends.iter().map(|s| ((s.order_id.as_str(), s.course), s.at)).collect();
    let mut latencies = Vec::new();
    let (mut missing, mut doubled) = (0, 0);
    for display in &outcome.seen {
        let mut counts: HashMap<(&str, u32, &str), usize> = HashMap::new();
        for s in display {
            *counts.entry((s.order_id.as_str(), s.course, s.station_id.as_str())).or_default() += 1;
            if let Some(at) = sent.get(&(s.order_id.as_str(), s.course)) {
                latencies.push(s.at.saturating_duration_since(*at).as_secs_f64() * 1000.0);
            }
        }
        for send in &outcome.sends {
            for name in Restaurant::stations_of_course(send.course) {
                let Some((station_id, _)) = stations.iter().find(|(_, n)| n == name) else { continue };
                match counts.get(&(send.order_id.as_str(), send.course, station_id.as_str())) {
                    None => missing += 1,
                    Some(1) => {}
                    Some(_) => doubled += 1,
                }
            }
        }
    }
    (latencies, missing, doubled)
}

/// Durable order writes at saturation: `workers` clients with no think time, each opening
/// orders on its own tables and adding one line per request, for `duration` or until their
/// tables are used up. Returns (acknowledged writes, failures, seconds).
pub async fn saturate(
    base: &str,
    restaurant: &Restaurant,
    tables: &[String],
    workers: usize,
    duration: Duration,
) -> Result<(usize, usize, f64)> {
    const LINES_PER_ORDER: usize = 60;
    let anon = Api::new(base)?;
    let mut sessions = Vec::new();
    for waiter in &restaurant.waiters {
        sessions.push(anon.with_token(&anon.pin_login(waiter, PIN).await?.access));
    }
    let line = restaurant.single_line();
    let started = Instant::now();
    let deadline = started + duration;
    let mut tasks = Vec::new();
    for w in 0..workers {
        let api = sessions[w % sessions.len()].clone();
        let mine: Vec<String> = tables.iter().skip(w).step_by(workers).cloned().collect();
        let line = line.clone();
        tasks.push(tokio::spawn(async move {
            let (mut acked, mut failed) = (0usize, 0usize);
            // Bounded by the worker's tables × LINES_PER_ORDER and by the deadline.
            'tables: for table in mine {
                let Ok(open) = api.post("/api/v1/orders", &json!({"table_id": table, "guests": 1}), None).await else {
                    failed += 1;
                    continue;
                };
                let Ok(order) = open.expect(201) else {
                    failed += 1;
                    continue;
                };
                acked += 1;
                let Ok(order_id) = id_of(&order) else { continue };
                let path = format!("/api/v1/orders/{order_id}/lines");
                for _ in 0..LINES_PER_ORDER {
                    if Instant::now() >= deadline {
                        break 'tables;
                    }
                    match api.post(&path, &line, None).await {
                        Ok(answer) if answer.status == 201 => acked += 1,
                        _ => failed += 1,
                    }
                }
            }
            (acked, failed)
        }));
    }
    let (mut acked, mut failed) = (0, 0);
    for task in tasks {
        let (a, f) = task.await.context("a saturation worker panicked")?;
        acked += a;
        failed += f;
    }
    Ok((acked, failed, started.elapsed().as_secs_f64()))
}
