//! A year of trade, generated fast: the box runs in this process on a clock the generator
//! moves day by day, and orders go through the real API (so every table, event and projection
//! is exactly what a year of service leaves behind) — many at a time, so the store's group
//! commit carries them. Then the real binary starts cold on that data dir and is timed.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use comanda_appliance::Config;
use comanda_domain::ManualClock;
use serde_json::{Value, json};
use time::OffsetDateTime;

use crate::api::{Api, id_of};
use crate::restaurant::{PIN, Restaurant};

/// What was generated.
#[derive(Debug)]
pub struct Generated {
    pub orders: usize,
    pub seconds: f64,
    /// First and last local day with trade (`YYYY-MM-DD`).
    pub first_day: String,
    pub last_day: String,
}

/// Generates `orders` orders (4 lines each: ~600k lines for 150k orders), all paid by card,
/// over the 365 days before today, into `data_dir`; `parallel` orders at a time.
pub async fn generate(data_dir: &Path, orders: usize, parallel: usize) -> Result<Generated> {
    let today = OffsetDateTime::now_utc().replace_time(time::Time::MIDNIGHT);
    let first = today - time::Duration::days(365);
    let clock = ManualClock::starting_at(first + time::Duration::hours(9));
    let config = Config {
        listen: "127.0.0.1:0".parse()?,
        data_dir: data_dir.to_owned(),
        mdns: false,
        log_format: comanda_appliance::config::LogFormat::Text,
        print_reroute_after_secs: 30,
        tls: false,
        backup_copy_dir: None,
        cloud_ca_file: None,
        notifications: Default::default(),
        cloud: None,
    };
    let running = comanda_appliance::start(&config, Arc::new(clock.clone())).await?;
    let base = format!("http://{}", running.addr);
    let anon = Api::new(&base)?;
    let restaurant = Restaurant::set_up(&anon, None, parallel, 1, 0).await?;
    let mut waiter = anon.pin_login(&restaurant.waiters[0], PIN).await?;
    let lines = restaurant.order_lines(false);

    let started = Instant::now();
    let per_day = orders.div_ceil(365);
    let waves_per_day = per_day.div_ceil(parallel);
    let mut done = 0;
    // One turn per day; bounded by 365 days and by `orders`.
    for day in 0..365i64 {
        for wave in 0..waves_per_day {
            let count = parallel.min(per_day - (wave * parallel).min(per_day)).min(orders - done);
            if count == 0 {
                break;
            }
            // Service from 11:30 to 22:30 local (Paris), waves spread across it.
            let minutes = 10 * 60 + 30 + (wave * 660 / waves_per_day) as i64;
            clock.set(first + time::Duration::days(day) + time::Duration::minutes(minutes));
            // Tokens live 15 minutes of the box's clock: a fresh pair for every wave.
            // A refresh that fails (say, after a week-long gap) falls back to a PIN login.
            waiter = match anon.refresh(&waiter.refresh).await {
                Ok(tokens) => tokens,
                Err(_) => anon.pin_login(&restaurant.waiters[0], PIN).await?,
            };
            let api = anon.with_token(&waiter.access);
            let mut tasks = Vec::with_capacity(count);
            for (slot, table) in restaurant.tables.iter().take(count).enumerate() {
                let (api, table, lines) = (api.clone(), table.clone(), lines.clone());
                let guests = 1 + (done + slot) % 4;
                tasks.push(tokio::spawn(async move { one_order(&api, &table, guests, &lines).await }));
            }
            for task in tasks {
                task.await.context("an order task panicked")??;
            }
            done += count;
        }
        if done >= orders {
            break;
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    let day = |at: OffsetDateTime| at.date().to_string();
    let generated = Generated { orders: done, seconds, first_day: day(first), last_day: day(clock_now(&clock)) };

    // The projections (reports, tickets) run behind the writes: wait for the year's report to
    // count every order, so the cold start below does not inherit their catch-up.
    let owner = anon.with_token(&anon.login(crate::restaurant::OWNER.0, crate::restaurant::OWNER.1).await?.access);
    let path = format!("/api/v1/reports/sales?from={}&to={}", generated.first_day, generated.last_day);
    let caught_up = Instant::now();
    loop {
        let report = owner.get(&path).await?.expect(200)?;
        if report["orders"].as_u64() == Some(done as u64) {
            break;
        }
        if caught_up.elapsed() > Duration::from_secs(600) {
            bail!("the sales report never counted all {done} orders: {}", report["orders"]);
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    running.shutdown().await?;
    Ok(generated)
}

fn clock_now(clock: &ManualClock) -> OffsetDateTime {
    comanda_domain::Clock::now(clock)
}

async fn one_order(api: &Api, table: &str, guests: usize, lines: &Value) -> Result<()> {
    let order = api.post("/api/v1/orders", &json!({"table_id": table, "guests": guests}), None).await?.expect(201)?;
    let id = id_of(&order)?;
    api.post(&format!("/api/v1/orders/{id}/lines"), lines, None).await?.expect(201)?;
    api.post(&format!("/api/v1/orders/{id}/send"), &json!({}), None).await?.expect(200)?;
    let bill = api.post(&format!("/api/v1/orders/{id}/bill"), &json!({}), None).await?.expect(201)?;
    let total = bill["total"].as_i64().context("bill total")?;
    let tip = if guests.is_multiple_of(3) { 200 } else { 0 };
    let pay = json!({"method": "card", "amount": total, "tip": tip});
    api.post(&format!("/api/v1/bills/{}/payments", id_of(&bill)?), &pay, None).await?.expect(201)?;
    Ok(())
}
