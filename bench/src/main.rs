//! `comanda-bench`, run by `cargo xtask bench` and `cargo xtask faults`:
//!
//! - `bench [--quick] --bin PATH [--out DIR] [--rate N]`: the real release binary on
//!   127.0.0.1 with a fresh data dir and three fake printers; 50 tablets and 10 kitchen
//!   displays; then saturation against the raw SQLite ceiling, and a year of data.
//! - `readme`: regenerates the README's Performance table from `bench/results/bench.json`.

// A command-line tool: its report belongs on stdout.
#![allow(clippy::print_stdout)]

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use comanda_bench::api::Api;
use comanda_bench::load::{self, Plan};
use comanda_bench::restaurant::{OWNER, Restaurant, STATIONS};
use comanda_bench::stats::{Summary, histogram_svg, round};
use comanda_bench::{procstat, raw, report, sync, tickets, year};
use comanda_testkit::{BinaryBox, FakePrinter};
use serde_json::{Value, json};

const USAGE: &str = "usage: comanda-bench bench [--quick] --bin PATH [--out DIR] [--rate ORDERS_PER_S]
       comanda-bench faults --bin PATH [--kills N] [--out DIR]
       comanda-bench readme
       comanda-bench sync [--out DIR]   (a 50k-event backlog drained to comanda-cloud on PostgreSQL)
       comanda-bench year DATA_DIR ORDERS   (a year of trade into a fresh data dir)";

struct Options {
    quick: bool,
    bin: PathBuf,
    out: PathBuf,
    rate: f64,
}

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    match args.first().map(String::as_str) {
        Some("bench") => runtime.block_on(bench(parse(&args[1..])?)),
        Some("readme") => readme(),
        Some("sync") => {
            let out = args
                .iter()
                .position(|a| a == "--out")
                .and_then(|i| args.get(i + 1))
                .map_or("bench/results", String::as_str);
            let result = runtime.block_on(sync::run(Path::new(out)))?;
            println!("{}", serde_json::to_string_pretty(&result)?);
            Ok(())
        }
        Some("faults") => runtime.block_on(faults(&args[1..])),
        Some("year") => {
            let (Some(dir), Some(orders)) = (args.get(1), args.get(2)) else { bail!("{USAGE}") };
            let generated = runtime.block_on(year::generate(Path::new(dir), orders.parse()?, 64))?;
            println!("{generated:?}");
            Ok(())
        }
        _ => bail!("{USAGE}"),
    }
}

fn parse(args: &[String]) -> Result<Options> {
    let mut options = Options {
        quick: false,
        bin: PathBuf::from("target/release/comanda"),
        out: PathBuf::from("bench/results"),
        rate: 20.0,
    };
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let mut value = || args.next().with_context(|| format!("{arg} needs a value\n{USAGE}"));
        match arg.as_str() {
            "--quick" => options.quick = true,
            "--bin" => options.bin = PathBuf::from(value()?),
            "--out" => options.out = PathBuf::from(value()?),
            "--rate" => options.rate = value()?.parse().context("--rate: orders per second")?,
            other => bail!("unknown option {other}\n{USAGE}"),
        }
    }
    if !(0.1..=500.0).contains(&options.rate) {
        bail!("--rate must be between 0.1 and 500 orders/s");
    }
    Ok(options)
}

/// Sizes of a run: `--quick` is about a minute, the full run about a quarter of an hour.
struct Sizes {
    load_seconds: u64,
    saturation_seconds: u64,
    raw_seconds: u64,
    year_orders: usize,
}

async fn bench(options: Options) -> Result<()> {
    let sizes = if options.quick {
        Sizes { load_seconds: 30, saturation_seconds: 5, raw_seconds: 3, year_orders: 15_000 }
    } else {
        Sizes { load_seconds: 180, saturation_seconds: 15, raw_seconds: 10, year_orders: 150_000 }
    };
    let name = if options.quick { "bench-quick" } else { "bench" };
    let bin = std::fs::canonicalize(&options.bin).with_context(|| format!("no binary at {}", options.bin.display()))?;
    let work = tempfile::tempdir().context("a temp dir for the data")?;
    let started = Instant::now();

    // ---- the service: 50 tablets, 10 displays, 3 printers ----
    let printers = [FakePrinter::start().await, FakePrinter::start().await, FakePrinter::start().await];
    let addresses: Vec<String> = printers.iter().map(FakePrinter::address).collect();
    let the_box = BinaryBox::spawn(&bin, &work.path().join("data"));
    let pid = the_box.pid();
    let anon = Api::new(&the_box.base)?;
    let tablets = 50;
    let restaurant = Restaurant::set_up(&anon, Some(&addresses), tablets + 256, 10, 10).await?;
    // Let the setup's password hashing settle before calling the box idle.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let idle_rss = procstat::rss_kib(pid).context("the box's RSS")?;
    eprintln!(
        "bench: box ready, idle RSS {:.1} MiB; {} orders/s for {} s",
        mib(idle_rss),
        options.rate,
        sizes.load_seconds
    );

    let plan = Plan {
        orders: (options.rate * sizes.load_seconds as f64) as usize,
        rate_per_s: options.rate,
        tablets,
        displays: 10,
        time_limit: Duration::from_secs(sizes.load_seconds + 30),
        think_ms: (100, 300),
    };
    let cpu_before = procstat::cpu_seconds(pid).context("the box's CPU time")?;
    let sampler = tokio::spawn(async move {
        let mut peak = 0;
        // Ends when the process is gone or after an hour at most; aborted after the load.
        for _ in 0..36_000 {
            match procstat::rss_kib(pid) {
                Some(kib) => peak = peak.max(kib),
                None => break,
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        peak
    });
    let outcome = load::run(&the_box.base, &restaurant, &plan).await?;
    let cpu_after = procstat::cpu_seconds(pid).context("the box's CPU time")?;
    let load_rss = procstat::rss_kib(pid).unwrap_or(0);
    sampler.abort();
    let load_peak = procstat::peak_rss_kib(pid).unwrap_or(load_rss);
    for failure in &outcome.first_failures {
        eprintln!("bench: failed: {failure}");
    }
    let (kds, missing, doubled) = load::display_latencies(&outcome, &restaurant.stations);
    let expected_jobs: usize = outcome.sends.iter().map(|s| Restaurant::stations_of_course(s.course).len()).sum();
    let per_printer_expected: Vec<usize> = STATIONS
        .iter()
        .map(|st| outcome.sends.iter().filter(|s| Restaurant::stations_of_course(s.course).contains(st)).count())
        .collect();
    for (printer, expected) in printers.iter().zip(&per_printer_expected) {
        printer.wait_for_jobs(*expected, Duration::from_secs(30)).await;
    }
    let mut printed = Vec::new();
    let mut printed_twice = 0;
    for (printer, station) in printers.iter().zip(STATIONS) {
        let (latencies, twice) = tickets::printer_latencies(&printer.jobs_timed(), station, &outcome.sends);
        printed.extend(latencies);
        printed_twice += twice;
    }
    let send_answers: Vec<f64> =
        outcome.sends.iter().map(|s| s.answered.saturating_duration_since(s.at).as_secs_f64() * 1000.0).collect();
    let send_summary = Summary::of(&send_answers);
    eprintln!("bench: send answered p50 {:.2} p99 {:.2} ms", send_summary.p50, send_summary.p99);
    let kds_summary = Summary::of(&kds);
    let printer_summary = Summary::of(&printed);
    eprintln!(
        "bench: {} orders paid in {:.1} s; send→display p50 {:.2} p99 {:.2} ms; send→printer p50 {:.2} p99 {:.2} ms",
        outcome.orders_paid,
        outcome.elapsed.as_secs_f64(),
        kds_summary.p50,
        kds_summary.p99,
        printer_summary.p50,
        printer_summary.p99
    );

    // ---- saturation, then the raw SQLite ceiling on the same disk ----
    let saturation_tables = &restaurant.tables[tablets..];
    let (acked, saturation_failures, seconds) = load::saturate(
        &the_box.base,
        &restaurant,
        saturation_tables,
        64,
        Duration::from_secs(sizes.saturation_seconds),
    )
    .await?;
    let store_per_s = acked as f64 / seconds;
    let raw = raw::single_row_commits(work.path(), Duration::from_secs(sizes.raw_seconds), 1_000_000)?;
    let raw_per_s = raw.rows_per_s;
    let raw_commit = Summary::of(&raw.commit_ms);
    let group_commit =
        raw::store_group_commit(work.path(), 64, Duration::from_secs(sizes.raw_seconds), 5_000_000).await?;
    let raw_batched = raw::commits(work.path(), "batched.db", Duration::from_secs(2), 1_000_000, 50)?.rows_per_s;
    eprintln!(
        "bench: durable order writes {store_per_s:.0}/s ({saturation_failures} failed); raw SQLite {raw_per_s:.0} commits/s (commit p50 {:.2} p99 {:.2} max {:.1} ms), {raw_batched:.0} rows/s at 50 per commit",
        raw_commit.p50, raw_commit.p99, raw_commit.max
    );
    let check = the_box.cli(&["check"], None);
    let checked = check.status.success();
    let _ = the_box.terminate(Duration::from_secs(20));

    // ---- a year of data ----
    let year_dir = work.path().join("year");
    eprintln!("bench: generating a year of data ({} orders)…", sizes.year_orders);
    let generated = year::generate(&year_dir, sizes.year_orders, 64).await?;
    let database_bytes = dir_size(&year_dir)?;
    let cold = Instant::now();
    let year_box = BinaryBox::spawn(&bin, &year_dir);
    let anon = Api::new(&year_box.base)?;
    // Bounded: 30 s of 5 ms polls.
    for _ in 0..6000 {
        if anon.ready().await {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let cold_start_ms = cold.elapsed().as_secs_f64() * 1000.0;
    let owner = anon.with_token(&anon.login(OWNER.0, OWNER.1).await?.access);
    let last_day = time::Date::parse(&generated.last_day, &time::format_description::well_known::Iso8601::DATE)?;
    let month_from = last_day - time::Duration::days(29);
    let month_report_ms = median_ms(&owner, &format!("/api/v1/reports/sales?from={month_from}&to={last_day}")).await?;
    let year_report_ms =
        median_ms(&owner, &format!("/api/v1/reports/sales?from={}&to={}", generated.first_day, generated.last_day))
            .await?;
    let grill = &owner.get("/api/v1/kitchen/stations").await?.expect(200)?;
    let station_id = first_id(grill)?;
    let kds_query_ms = median_ms(&owner, &format!("/api/v1/kitchen/tickets?station_id={station_id}&limit=50")).await?;
    let order_list_ms = median_ms(&owner, "/api/v1/orders?status=open&limit=50").await?;
    let closed_list_ms = median_ms(&owner, "/api/v1/orders?status=closed&limit=50").await?;
    let _ = year_box.terminate(Duration::from_secs(20));

    let cpu_ms_per_order = (cpu_after - cpu_before) * 1000.0 / outcome.orders_paid.max(1) as f64;
    let result = json!({
        "name": name,
        "when": time::OffsetDateTime::now_utc().format(&time::format_description::well_known::Rfc3339)?,
        "machine": machine(),
        "quick": options.quick,
        "seconds": round(started.elapsed().as_secs_f64()),
        "load": {
            "tablets": plan.tablets, "displays": plan.displays, "rate_per_s": plan.rate_per_s,
            "orders_planned": plan.orders, "orders_paid": outcome.orders_paid, "seconds": round(outcome.elapsed.as_secs_f64()),
            "requests": outcome.requests, "failures": outcome.failures, "sends": outcome.sends.len(),
            "display_tickets_missing": missing, "display_tickets_doubled": doubled,
            "printer_jobs_expected": expected_jobs, "printer_jobs": printed.len(), "printer_tickets_doubled": printed_twice,
            "check_passed": checked,
        },
        "send_answer_latency": send_summary.to_json(),
        "kds_latency": kds_summary.to_json(),
        "printer_latency": printer_summary.to_json(),
        "durable_writes": {
            "store_writes_per_s": round(store_per_s), "store_writes": acked, "store_failures": saturation_failures,
            "clients": 64, "raw_sqlite_commits_per_s": round(raw_per_s), "raw_sqlite_rows_per_s_50_per_commit": round(raw_batched),
            "ratio": round(store_per_s / raw_per_s), "raw_sqlite_commit_latency": raw_commit.to_json(),
            "store_group_commit_rows_per_s": round(group_commit), "store_group_commit_ratio": round(group_commit / raw_per_s),
        },
        "memory": {"idle_rss_mib": round(mib(idle_rss)), "load_rss_mib": round(mib(load_rss)), "load_peak_rss_mib": round(mib(load_peak))},
        "cpu": {"seconds_under_load": round(cpu_after - cpu_before), "ms_per_order": round(cpu_ms_per_order)},
        "year": {
            "orders": generated.orders, "generated_in_s": round(generated.seconds), "database_mib": round(database_bytes as f64 / 1048576.0),
            "cold_start_ms": round(cold_start_ms), "month_report_ms": round(month_report_ms), "year_report_ms": round(year_report_ms),
            "kds_query_ms": round(kds_query_ms), "order_list_ms": round(order_list_ms), "closed_orders_list_ms": round(closed_list_ms),
        },
    });
    write_results(&options.out, name, &result, &kds, &printed)?;
    if !options.quick || !options.out.join("bench.json").exists() {
        report::update_readme(Path::new("README.md"), &result, &format!("bench/results/{name}.json"))?;
    }
    println!("{}", report::markdown(name, &result));
    if outcome.failures > 0 || missing > 0 || doubled > 0 || printed_twice > 0 || !checked {
        bail!("the load run lost or doubled something: see {name}.json");
    }
    Ok(())
}

/// The kill -9 drill (the printer and hostile-input drills are run by xtask).
async fn faults(args: &[String]) -> Result<()> {
    let (mut bin, mut kills, mut out) = (PathBuf::from("target/release/comanda"), 30, PathBuf::from("bench/results"));
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let mut value = || args.next().with_context(|| format!("{arg} needs a value\n{USAGE}"));
        match arg.as_str() {
            "--bin" => bin = PathBuf::from(value()?),
            "--kills" => kills = value()?.parse().context("--kills: a number")?,
            "--out" => out = PathBuf::from(value()?),
            other => bail!("unknown option {other}\n{USAGE}"),
        }
    }
    let started = Instant::now();
    let report = comanda_bench::faults::kill_loop(&bin, kills, 20).await?;
    let kill_seconds = started.elapsed().as_secs_f64();
    println!(
        "kill -9 drill: {} kills, {} requests acknowledged ({} orders, {} kitchen tickets, {} REPRINT copies): {} lost, {} duplicates",
        report.kills, report.acknowledged, report.orders, report.tickets, report.reprints, report.lost, report.doubled
    );
    for problem in &report.problems {
        println!("  {problem}");
    }
    let started = Instant::now();
    let printing = comanda_bench::faults::printer_drill(&bin, 20.0, 30).await?;
    println!(
        "printer drill: {} orders at 20/s, {} tickets sent, {} printed ({} on the backup, {} REPRINT): {} lost, {} duplicates, {} orders failed",
        printing.orders_paid,
        printing.tickets_sent,
        printing.printed,
        printing.on_backup,
        printing.reprints,
        printing.lost,
        printing.doubled,
        printing.failures
    );
    for problem in &printing.problems {
        println!("  {problem}");
    }
    let result = json!({
        "when": time::OffsetDateTime::now_utc().format(&time::format_description::well_known::Rfc3339)?,
        "machine": machine(),
        "kill_9": {
            "kills": report.kills, "tablets": 20, "requests_acknowledged": report.acknowledged, "orders": report.orders,
            "kitchen_tickets": report.tickets, "reprints": report.reprints,
            "lost": report.lost, "duplicates": report.doubled, "problems": report.problems,
            "seconds": round(kill_seconds),
        },
        "printers_under_load": {
            "tablets": 50, "rate_per_s": 20.0, "orders_paid": printing.orders_paid, "orders_failed": printing.failures,
            "faults": ["Grill printer off", "Cold printer stalls mid-job", "Bar printer out of paper", "all back"],
            "tickets_sent": printing.tickets_sent, "printed": printing.printed, "on_backup": printing.on_backup,
            "reprints": printing.reprints, "lost": printing.lost, "duplicates": printing.doubled, "problems": printing.problems,
            "seconds": round(started.elapsed().as_secs_f64()),
        },
    });
    std::fs::create_dir_all(&out)?;
    std::fs::write(out.join("faults.json"), serde_json::to_string_pretty(&result)? + "\n")?;
    let clean = report.lost == 0 && report.doubled == 0 && report.problems.is_empty();
    if !clean || printing.lost > 0 || printing.doubled > 0 || printing.failures > 0 {
        bail!("the fault drills found problems (see {}/faults.json)", out.display());
    }
    Ok(())
}

fn write_results(out: &Path, name: &str, result: &Value, kds: &[f64], printed: &[f64]) -> Result<()> {
    std::fs::create_dir_all(out)?;
    std::fs::write(out.join(format!("{name}.json")), serde_json::to_string_pretty(result)? + "\n")?;
    std::fs::write(out.join(format!("{name}.md")), report::markdown(name, result))?;
    let svg = histogram_svg(
        "Comanda: latency under 50 tablets + 10 kitchen displays",
        &[("send → kitchen display event", kds), ("send → first byte at the printer", printed)],
    );
    std::fs::write(out.join(format!("{name}.svg")), svg)?;
    eprintln!("bench: wrote {}/{name}.json, .md and .svg", out.display());
    Ok(())
}

fn readme() -> Result<()> {
    let source = "bench/results/bench.json";
    let mut result: Value =
        serde_json::from_str(&std::fs::read_to_string(source).with_context(|| format!("reading {source}"))?)?;
    if let Ok(sync) = std::fs::read_to_string("bench/results/sync.json") {
        result["sync"] = serde_json::from_str(&sync).context("reading bench/results/sync.json")?;
    }
    report::update_readme(Path::new("README.md"), &result, source)
}

/// Median of five timed GETs, in ms (after one untimed warm-up).
async fn median_ms(api: &Api, path: &str) -> Result<f64> {
    api.get(path).await?.expect(200).with_context(|| format!("GET {path}"))?;
    let mut times = Vec::new();
    for _ in 0..5 {
        let started = Instant::now();
        api.get(path).await?.expect(200)?;
        times.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    Ok(Summary::of(&times).p50)
}

fn first_id(page: &Value) -> Result<String> {
    let items = page["items"].as_array().or_else(|| page.as_array()).context("a list")?;
    comanda_bench::api::id_of(items.first().context("at least one")?)
}

fn dir_size(dir: &Path) -> Result<u64> {
    let mut total = 0;
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let meta = entry.metadata()?;
        total += if meta.is_dir() { dir_size(&entry.path())? } else { meta.len() };
    }
    Ok(total)
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

/// CPU model and core count, from /proc/cpuinfo.
fn machine() -> String {
    let info = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = info
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .map(|m| m.trim_start_matches([' ', '\t', ':']).to_owned());
    let cores = info.lines().filter(|l| l.starts_with("processor")).count();
    format!("{} × {}", cores, model.unwrap_or_else(|| "unknown CPU".into()))
}
