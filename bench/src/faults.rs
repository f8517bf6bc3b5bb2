//! The kill -9 drill: tablets take orders without pause while the box is killed at random
//! moments, restarted on the same data dir and killed again. Tablets behave as the real ones
//! do: a request that got no answer is sent again, with the same idempotency key, until the
//! box answers. After every restart, everything acknowledged so far must be there, and nothing
//! twice: each order's lines once, each payment once, one ticket per station per send, and on
//! paper every ticket once — or again only as a copy marked REPRINT.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use comanda_testkit::{BinaryBox, FakePrinter};
use rand::Rng;
use serde_json::{Value, json};
use tokio::sync::{Mutex, watch};

use crate::api::{Answer, Api, id_of};
use crate::restaurant::{PIN, Restaurant, STATIONS};
use crate::tickets::{Printed, ticket_of};

/// What the drill counted; `lost` and `doubled` must be 0.
#[derive(Debug, Default)]
pub struct KillReport {
    pub kills: usize,
    pub acknowledged: usize,
    pub orders: usize,
    pub lost: usize,
    pub doubled: usize,
    pub tickets: usize,
    pub reprints: usize,
    pub problems: Vec<String>,
}

/// What the box acknowledged for one order.
#[derive(Clone, Debug, Default)]
struct Acked {
    table: String,
    number: u32,
    lines: usize,
    /// Courses whose send got a 2xx.
    sent: Vec<u32>,
    paid: Option<String>,
}

struct Shared {
    base: watch::Receiver<String>,
    acked: Mutex<HashMap<String, Acked>>,
    acknowledged: std::sync::atomic::AtomicUsize,
    stop: AtomicBool,
}

/// Runs `kills` kill -9 / restart rounds of `bin` under load from `tablets` tablets.
pub async fn kill_loop(bin: &Path, kills: usize, tablets: usize) -> Result<KillReport> {
    if kills == 0 {
        return Ok(KillReport::default());
    }
    let dir = tempfile::tempdir()?;
    let data = dir.path().join("data");
    let printers = [FakePrinter::start().await, FakePrinter::start().await, FakePrinter::start().await];
    let addresses: Vec<String> = printers.iter().map(FakePrinter::address).collect();
    let mut the_box = BinaryBox::spawn(bin, &data);
    let anon = Api::new(&the_box.base)?;
    let restaurant = Restaurant::set_up(&anon, Some(&addresses), tablets, 4, 0).await?;
    let owner_token = restaurant.owner.access.clone();
    let (publish, base) = watch::channel(the_box.base.clone());
    let shared = Arc::new(Shared {
        base,
        acked: Mutex::new(HashMap::new()),
        acknowledged: 0.into(),
        stop: AtomicBool::new(false),
    });
    let mut tasks = Vec::new();
    for t in 0..tablets {
        let waiter = &restaurant.waiters[t % restaurant.waiters.len()];
        let token = anon.pin_login(waiter, PIN).await?.access;
        let (shared, table, lines) = (Arc::clone(&shared), restaurant.tables[t].clone(), restaurant.order_lines(false));
        tasks.push(tokio::spawn(async move { tablet(shared, anon_with(&token)?, t, table, lines).await }));
    }

    let mut report = KillReport::default();
    let started = Instant::now();
    for round in 0..kills {
        let wait = rand::rng().random_range(300..1500);
        tokio::time::sleep(Duration::from_millis(wait)).await;
        the_box.kill_9();
        report.kills += 1;
        the_box = BinaryBox::spawn(bin, &data);
        let owner = Api::new(&the_box.base)?.with_token(&owner_token);
        let check = the_box.cli(&["check"], None);
        if !check.status.success() {
            report.problems.push(format!(
                "after kill {}: comanda check failed: {}",
                round + 1,
                String::from_utf8_lossy(&check.stdout)
            ));
        }
        let acked = shared.acked.lock().await.clone();
        verify(&owner, &acked, &mut report, &format!("after kill {}", round + 1)).await?;
        publish.send_replace(the_box.base.clone());
        if started.elapsed() > Duration::from_secs(600) {
            report.problems.push(format!("stopped after {} kills: the drill's 10-minute limit", round + 1));
            break;
        }
    }
    // Let the tablets finish the orders in hand, then look at everything once more.
    shared.stop.store(true, Ordering::Relaxed);
    for task in tasks {
        task.await.context("a tablet panicked")??;
    }
    let owner = Api::new(&the_box.base)?.with_token(&owner_token);
    let acked = shared.acked.lock().await.clone();
    report.acknowledged = shared.acknowledged.load(Ordering::Relaxed);
    report.orders = acked.len();
    let expected_jobs = verify(&owner, &acked, &mut report, "at the end").await?;
    check_paper(&printers, &acked, expected_jobs, &mut report).await;
    let _ = the_box.terminate(Duration::from_secs(20));
    Ok(report)
}

fn anon_with(token: &str) -> Result<Api> {
    Ok(Api::new("http://127.0.0.1:1")?.with_token(token))
}

/// A tablet: orders on its table, one after another, until told to stop.
async fn tablet(shared: Arc<Shared>, api: Api, t: usize, table: String, lines: Value) -> Result<()> {
    // One turn per order; ends when told to stop (or after 10 000 orders).
    for k in 0..10_000 {
        if shared.stop.load(Ordering::Relaxed) {
            break;
        }
        let key = format!("t{t}-o{k}");
        let order =
            send(&shared, &api, "/api/v1/orders", json!({"table_id": table, "guests": 2}), &format!("{key}-open"))
                .await?;
        let order_id = id_of(&order)?;
        let number = order["number"].as_u64().context("number")? as u32;
        ack(&shared, &order_id, |a| {
            a.number = number;
            a.table = format!("T{}", t + 1);
        })
        .await;
        let added =
            send(&shared, &api, &format!("/api/v1/orders/{order_id}/lines"), lines.clone(), &format!("{key}-lines"))
                .await?;
        let count = added["lines"].as_array().map_or(0, Vec::len);
        ack(&shared, &order_id, |a| a.lines = count).await;
        for course in 1..=2 {
            let path = format!("/api/v1/orders/{order_id}/send");
            send(&shared, &api, &path, json!({"course": course}), &format!("{key}-send{course}")).await?;
            ack(&shared, &order_id, |a| a.sent.push(course)).await;
        }
        let bill =
            send(&shared, &api, &format!("/api/v1/orders/{order_id}/bill"), json!({}), &format!("{key}-bill")).await?;
        let (bill_id, total) = (id_of(&bill)?, bill["total"].as_i64().context("total")?);
        let pay = json!({"method": "card", "amount": total});
        send(&shared, &api, &format!("/api/v1/bills/{bill_id}/payments"), pay, &format!("{key}-pay")).await?;
        ack(&shared, &order_id, |a| a.paid = Some(bill_id.clone())).await;
    }
    Ok(())
}

async fn ack(shared: &Shared, order_id: &str, change: impl FnOnce(&mut Acked)) {
    shared.acknowledged.fetch_add(1, Ordering::Relaxed);
    change(shared.acked.lock().await.entry(order_id.to_owned()).or_default());
}

/// POSTs until the box answers (at most 60 s of retries): a request without an answer is sent
/// again with the same key, at whichever address the box now has. Any answer but 2xx fails.
async fn send(shared: &Shared, api: &Api, path: &str, body: Value, key: &str) -> Result<Value> {
    let deadline = Instant::now() + Duration::from_secs(60);
    // Each turn is one attempt; bounded by the deadline.
    loop {
        let base = shared.base.borrow().clone();
        match api.rebased(&base).post(path, &body, Some(key)).await {
            Ok(answer) if answer.is_success() => return Ok(answer.body),
            Ok(Answer { status, body }) => bail!("{path} ({key}): {status} {body}"),
            Err(_) if Instant::now() < deadline => tokio::time::sleep(Duration::from_millis(50)).await,
            Err(e) => return Err(e).with_context(|| format!("{path} ({key}): no answer for 60 s")),
        }
    }
}

/// Checks every acknowledged order against the box; returns how many kitchen tickets the
/// acknowledged sends call for.
async fn verify(owner: &Api, acked: &HashMap<String, Acked>, report: &mut KillReport, when: &str) -> Result<usize> {
    let mut expected_tickets = 0;
    let tickets = all_pages(owner, "/api/v1/kitchen/tickets").await?;
    let mut per_send: HashMap<(String, u64, String), usize> = HashMap::new();
    for ticket in &tickets {
        let key = (
            ticket["order_id"].as_str().unwrap_or_default().to_owned(),
            ticket["course"].as_u64().unwrap_or(0),
            ticket["station_id"].as_str().unwrap_or_default().to_owned(),
        );
        *per_send.entry(key).or_default() += 1;
    }
    let doubled_tickets = per_send.values().filter(|&&n| n > 1).count();
    if doubled_tickets > 0 {
        report.doubled += doubled_tickets;
        report.problems.push(format!("{when}: {doubled_tickets} sends have two tickets at one station"));
    }
    report.tickets = tickets.len();
    let stations: HashMap<String, String> = all_pages(owner, "/api/v1/kitchen/stations")
        .await?
        .iter()
        .filter_map(|s| Some((s["name"].as_str()?.to_owned(), s["id"].as_str()?.to_owned())))
        .collect();
    for (order_id, a) in acked {
        let order = owner.get(&format!("/api/v1/orders/{order_id}")).await?;
        if order.status != 200 {
            report.lost += 1;
            report.problems.push(format!("{when}: acknowledged order {order_id} is gone ({})", order.status));
            continue;
        }
        let lines = order.body["lines"].as_array().map_or(0, Vec::len);
        if a.lines > 0 && lines != a.lines {
            let (n, what) = if lines < a.lines { (&mut report.lost, "lost") } else { (&mut report.doubled, "doubled") };
            *n += 1;
            report
                .problems
                .push(format!("{when}: order {order_id} has {lines} lines, {} acknowledged ({what})", a.lines));
        }
        for course in &a.sent {
            for name in Restaurant::stations_of_course(*course) {
                expected_tickets += 1;
                let station = stations.get(*name).cloned().unwrap_or_default();
                if !per_send.contains_key(&(order_id.clone(), u64::from(*course), station)) {
                    report.lost += 1;
                    report.problems.push(format!("{when}: order {order_id} course {course}: no {name} ticket"));
                }
            }
        }
        if let Some(bill_id) = &a.paid {
            let bill = owner.get(&format!("/api/v1/bills/{bill_id}")).await?;
            let payments = bill.body["payments"].as_array().map_or(0, Vec::len);
            if bill.body["status"] != "paid" || order.body["status"] != "closed" {
                report.lost += 1;
                report.problems.push(format!("{when}: bill {bill_id} acknowledged paid is {}", bill.body["status"]));
            }
            if payments != 1 {
                report.doubled += usize::from(payments > 1);
                report.problems.push(format!("{when}: bill {bill_id} has {payments} payments"));
            }
        }
    }
    Ok(expected_tickets)
}

/// On paper: every acknowledged ticket printed, and any extra copy marked REPRINT.
async fn check_paper(
    printers: &[FakePrinter; 3],
    acked: &HashMap<String, Acked>,
    expected: usize,
    report: &mut KillReport,
) {
    let deadline = Instant::now() + Duration::from_secs(60);
    // Bounded by the deadline: the queue drains what the last run left.
    while Instant::now() < deadline && printers.iter().map(|p| p.jobs().len()).sum::<usize>() < expected {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let mut sends: HashMap<Printed, usize> = HashMap::new();
    for a in acked.values() {
        for course in &a.sent {
            for name in Restaurant::stations_of_course(*course) {
                let ticket =
                    Printed { station: (*name).to_owned(), table: a.table.clone(), number: a.number, course: *course };
                *sends.entry(ticket).or_default() += 1;
            }
        }
    }
    let paper = Paper::tally(printers, &sends);
    report.reprints += paper.reprints;
    report.lost += paper.lost;
    report.doubled += paper.doubled;
    report.problems.extend(paper.problems);
}

/// What came out of the printers, against what was sent.
#[derive(Debug, Default)]
struct Paper {
    printed: usize,
    /// Jobs printed by the last printer of the list (the backup, when there is one).
    on_last: usize,
    reprints: usize,
    lost: usize,
    doubled: usize,
    problems: Vec<String>,
}

impl Paper {
    /// Each ticket sent `n` times must be on paper `n` times, counting REPRINT copies; plain
    /// copies beyond `n` are duplicates.
    fn tally(printers: &[FakePrinter], sent: &HashMap<Printed, usize>) -> Paper {
        let mut paper = Paper::default();
        // (plain copies, REPRINT copies) per ticket.
        let mut copies: HashMap<Printed, (usize, usize)> = HashMap::new();
        for (i, printer) in printers.iter().enumerate() {
            for job in printer.jobs() {
                let Some((ticket, reprint)) = ticket_of(&job, &STATIONS) else { continue };
                paper.printed += 1;
                paper.on_last += usize::from(i + 1 == printers.len());
                let entry = copies.entry(ticket).or_default();
                if reprint {
                    entry.1 += 1;
                } else {
                    entry.0 += 1;
                }
            }
        }
        for (ticket, sent) in sent {
            let (plain, reprints) = copies.get(ticket).copied().unwrap_or_default();
            paper.reprints += reprints;
            if plain + reprints < *sent {
                paper.lost += sent - plain - reprints;
                paper.problems.push(format!("{ticket:?}: sent {sent} times, printed {plain} + {reprints} REPRINT"));
            }
            if plain > *sent {
                paper.doubled += plain - sent;
                paper.problems.push(format!("{ticket:?}: sent {sent} times, printed {plain} times unmarked"));
            }
        }
        paper
    }
}

async fn all_pages(api: &Api, path: &str) -> Result<Vec<Value>> {
    let sep = if path.contains('?') { '&' } else { '?' };
    let mut items = Vec::new();
    let mut cursor: Option<String> = None;
    // Bounded: at most 10 000 pages.
    for _ in 0..10_000 {
        let url = match &cursor {
            Some(c) => format!("{path}{sep}limit=200&cursor={c}"),
            None => format!("{path}{sep}limit=200"),
        };
        let page = api.get(&url).await?.expect(200)?;
        if let Value::Array(all) = page {
            return Ok(all);
        }
        items.extend(page["items"].as_array().cloned().unwrap_or_default());
        match page.get("next_cursor").and_then(Value::as_str) {
            Some(next) => cursor = Some(next.to_owned()),
            None => return Ok(items),
        }
    }
    bail!("{path}: more than 10 000 pages")
}

/// What the printer drill counted; `lost` and `doubled` must be 0.
#[derive(Debug, Default)]
pub struct PrinterReport {
    pub orders_paid: usize,
    pub tickets_sent: usize,
    pub printed: usize,
    pub on_backup: usize,
    pub reprints: usize,
    pub lost: usize,
    pub doubled: usize,
    pub failures: usize,
    /// Which tickets were lost or doubled.
    pub problems: Vec<String>,
}

/// Printers fail under full load: 50 tablets at `rate` orders/s for `seconds`, while the Grill
/// printer is switched off, the Cold one stalls mid-job and the Bar one runs out of paper, then
/// all come back. Every ticket must print once — on its own printer or on the backup — or
/// again only as a REPRINT copy.
pub async fn printer_drill(bin: &Path, rate: f64, seconds: u64) -> Result<PrinterReport> {
    use comanda_testkit::PrinterMode;

    let dir = tempfile::tempdir()?;
    let config = dir.path().join("comanda.toml");
    std::fs::write(&config, "print_reroute_after_secs = 2\n")?;
    let printers = [
        FakePrinter::start().await,
        FakePrinter::start().await,
        FakePrinter::start().await,
        FakePrinter::start().await,
    ];
    let addresses: Vec<String> = printers.iter().map(FakePrinter::address).collect();
    let config_arg = config.to_string_lossy().into_owned();
    let the_box = BinaryBox::spawn_with_args(bin, &dir.path().join("data"), &["--config", &config_arg]);
    let anon = Api::new(&the_box.base)?;
    let restaurant = Restaurant::set_up(&anon, Some(&addresses), 50, 10, 2).await?;
    let plan = crate::load::Plan {
        orders: (rate * seconds as f64) as usize,
        rate_per_s: rate,
        tablets: 50,
        displays: 2,
        time_limit: Duration::from_secs(seconds + 30),
        think_ms: (50, 150),
    };
    let faults = {
        let printers = printers.clone();
        let step = Duration::from_secs_f64(seconds as f64 / 6.0);
        tokio::spawn(async move {
            for (printer, mode) in [(0, PrinterMode::Offline), (1, PrinterMode::Stall), (2, PrinterMode::PaperOut)] {
                tokio::time::sleep(step).await;
                printers[printer].set_mode(mode);
            }
            tokio::time::sleep(step * 2).await;
            for printer in &printers[..3] {
                printer.set_mode(PrinterMode::Online);
            }
        })
    };
    let outcome = crate::load::run(&the_box.base, &restaurant, &plan).await?;
    faults.await.context("the fault script panicked")?;

    let mut expected: HashMap<Printed, usize> = HashMap::new();
    for send in &outcome.sends {
        for name in Restaurant::stations_of_course(send.course) {
            let ticket = Printed {
                station: (*name).to_owned(),
                table: send.table.clone(),
                number: send.number,
                course: send.course,
            };
            *expected.entry(ticket).or_default() += 1;
        }
    }
    let total: usize = expected.values().sum();
    let deadline = Instant::now() + Duration::from_secs(120);
    // Bounded by the deadline: reroutes and retries drain the queue.
    while Instant::now() < deadline && printers.iter().map(|p| p.jobs().len()).sum::<usize>() < total {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let paper = Paper::tally(&printers, &expected);
    let report = PrinterReport {
        orders_paid: outcome.orders_paid,
        tickets_sent: total,
        failures: outcome.failures,
        printed: paper.printed,
        on_backup: paper.on_last,
        reprints: paper.reprints,
        lost: paper.lost,
        doubled: paper.doubled,
        problems: paper.problems,
    };
    let _ = the_box.terminate(Duration::from_secs(20));
    Ok(report)
}
