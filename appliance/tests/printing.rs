//! Printing as a restaurant lives it: three stations on three (fake, loopback) printers, a
//! hundred orders fired, one printer switched off for a while and another out of paper. Every
//! ticket prints exactly once — on its own printer or on the backup — in order per printer, and
//! the healthy printer keeps printing while the others are down. Also receipts (a second copy
//! says REPRINT, and € comes out in the printer's code page) and unreachable printers.

use std::collections::HashMap;
use std::time::Duration;

use comanda_testkit::{Client, FakePrinter, PrinterMode, TestBox};
use serde_json::{Value, json};

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap_or_else(|| panic!("no id in {v}")).to_owned()
}

/// (station, order number) of a kitchen ticket, read from the raw bytes a printer received.
fn ticket_of(bytes: &[u8], stations: &[&str]) -> Option<(String, u32)> {
    let text = String::from_utf8_lossy(bytes);
    let station = stations.iter().find(|s| text.contains(*s))?;
    let hash = text.find('#')?;
    let digits: String = text[hash + 1..].chars().take_while(char::is_ascii_digit).collect();
    Some(((*station).to_owned(), digits.parse().ok()?))
}

async fn printer(owner: &Client, name: &str, fake: &FakePrinter, backup: Option<&str>) -> String {
    let body = json!({"name": name, "role": "kitchen", "address": fake.address(), "width_chars": 42, "backup_printer_id": backup});
    id(&owner.post("/api/v1/printers", body).await.expect_status(201).body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_orders_through_an_outage_and_a_paper_out_print_exactly_once() {
    let tb = TestBox::start_configured(|c| c.print_reroute_after_secs = 1).await.expect("box");
    let owner_session = tb.set_up().await;
    let owner = tb.client().as_session(&owner_session);
    let (grill_fake, bar_fake, pastry_fake) =
        (FakePrinter::start().await, FakePrinter::start().await, FakePrinter::start().await);
    // Pastry's printer is the backup of the other two.
    let pastry_printer = printer(&owner, "Pastry printer", &pastry_fake, None).await;
    let grill_printer = printer(&owner, "Grill printer", &grill_fake, Some(&pastry_printer)).await;
    let bar_printer = printer(&owner, "Bar printer", &bar_fake, Some(&pastry_printer)).await;

    let category =
        id(&owner.post("/api/v1/menu/categories", json!({"name": "All", "position": 1})).await.expect_status(201).body);
    let mut items = Vec::new();
    for (station, printer) in [("Grill", &grill_printer), ("Bar", &bar_printer), ("Pastry", &pastry_printer)] {
        let s = id(&owner
            .post("/api/v1/kitchen/stations", json!({"name": station, "printer_id": printer}))
            .await
            .expect_status(201)
            .body);
        let item = json!({"category_id": category, "name": format!("{station} special"), "price": 1000, "tax_rate_bp": 1000, "station_id": s});
        items.push(id(&owner.post("/api/v1/menu/items", item).await.expect_status(201).body));
    }
    let area = id(&owner.post("/api/v1/areas", json!({"name": "Room"})).await.expect_status(201).body);
    let mut tables = Vec::new();
    for n in 1..=100 {
        tables.push(id(&owner
            .post("/api/v1/tables", json!({"name": format!("T{n}"), "area_id": area, "seats": 4}))
            .await
            .expect_status(201)
            .body));
    }
    owner
        .post("/api/v1/staff", json!({"name": "Ana", "username": "ana", "role": "waiter", "pin": "1111"}))
        .await
        .expect_status(201);
    let ana = tb.client().as_session(&tb.client().pin_login("ana", "1111").await);

    let mut pastry_while_grill_down = (0, 0);
    for (n, table) in tables.iter().enumerate() {
        match n {
            20 => {
                grill_fake.set_mode(PrinterMode::Offline);
                pastry_while_grill_down.0 = pastry_fake.jobs().len();
            }
            40 => bar_fake.set_mode(PrinterMode::PaperOut),
            75 => {
                pastry_while_grill_down.1 = pastry_fake.jobs().len();
                grill_fake.set_mode(PrinterMode::Online);
            }
            85 => bar_fake.set_mode(PrinterMode::Online),
            _ => {}
        }
        let order =
            id(&ana.post("/api/v1/orders", json!({"table_id": table, "guests": 2})).await.expect_status(201).body);
        let lines: Vec<Value> = items.iter().map(|i| json!({"item_id": i, "quantity": 1})).collect();
        ana.post(&format!("/api/v1/orders/{order}/lines"), json!({"lines": lines})).await.expect_status(201);
        ana.post(&format!("/api/v1/orders/{order}/send"), json!({})).await.expect_status(200);
        tokio::time::sleep(Duration::from_millis(40)).await; // a busy evening, not a benchmark
    }

    // Every job printed (bounded wait).
    let mut printed = 0;
    for _ in 0..600 {
        let waiting = owner.get("/api/v1/print-jobs?status=queued&limit=1").await.body["items"]
            .as_array()
            .map_or(0, Vec::len)
            + owner.get("/api/v1/print-jobs?status=sending&limit=1").await.body["items"].as_array().map_or(0, Vec::len);
        printed = owner.all_pages("/api/v1/print-jobs?status=printed").await.len();
        if waiting == 0 && printed == 300 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(printed, 300, "every ticket printed");

    let stations = ["Grill", "Bar", "Pastry"];
    let mut seen: HashMap<(String, u32), usize> = HashMap::new();
    let mut per_printer: HashMap<(&str, String), Vec<u32>> = HashMap::new();
    for (name, fake) in [("grill", &grill_fake), ("bar", &bar_fake), ("pastry", &pastry_fake)] {
        for job in fake.jobs() {
            let (station, number) = ticket_of(&job, &stations).expect("a kitchen ticket");
            assert!(!String::from_utf8_lossy(&job).contains("REPRINT"), "nothing needed a reprint");
            per_printer.entry((name, station.clone())).or_default().push(number);
            *seen.entry((station, number)).or_default() += 1;
        }
    }
    for station in stations {
        for number in 1..=100 {
            assert_eq!(seen.get(&(station.to_owned(), number)), Some(&1), "{station} #{number} printed exactly once");
        }
    }
    for ((printer, station), numbers) in &per_printer {
        let mut sorted = numbers.clone();
        sorted.sort_unstable();
        assert_eq!(numbers, &sorted, "{station} tickets in order on the {printer} printer");
        let allowed = *printer == "pastry" || printer.eq_ignore_ascii_case(station);
        assert!(allowed, "{station} tickets only on their own printer or the backup, not on {printer}");
    }
    // The outage and the paper-out really moved tickets to the backup...
    assert!(per_printer.contains_key(&("pastry", "Grill".to_owned())), "grill tickets went to the backup");
    assert!(per_printer.contains_key(&("pastry", "Bar".to_owned())), "bar tickets went to the backup");
    // ...and the healthy printer kept printing while the grill printer was down.
    assert!(pastry_while_grill_down.1 > pastry_while_grill_down.0, "{pastry_while_grill_down:?}");
    let failures = tb.running().store.events_matching(comanda_store::EventFilter {
        types: vec!["print_job.failed".into()],
        limit: 100,
        ..Default::default()
    });
    let failures = failures.await.expect("events");
    assert!(failures.iter().any(|e| e.data["rerouted_to"] == pastry_printer.as_str()), "the kitchen was told");
    tb.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_copy_of_a_receipt_says_reprint_and_the_euro_sign_prints() {
    let tb = TestBox::start().await.expect("box");
    comanda_appliance::demo::ensure(tb.running()).await.expect("demo");
    let c = tb.client();
    let manager = c.as_session(&c.pin_login("manager", "9999").await);
    let till = FakePrinter::start().await;
    manager
        .post(
            "/api/v1/printers",
            json!({"name": "Till", "role": "receipt", "address": till.address(), "code_page": "cp858"}),
        )
        .await
        .expect_status(201);
    let menu = manager.get("/api/v1/menu").await.body;
    let item = menu["categories"][0]["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|i| i["modifier_group_ids"].as_array().is_some_and(Vec::is_empty))
        .map(id)
        .expect("an item without required modifiers");
    let table = id(&manager.all_pages("/api/v1/tables").await[0]);
    let order =
        id(&manager.post("/api/v1/orders", json!({"table_id": table, "guests": 1})).await.expect_status(201).body);
    manager
        .post(&format!("/api/v1/orders/{order}/lines"), json!({"lines": [{"item_id": item, "quantity": 2}]}))
        .await
        .expect_status(201);
    manager.post(&format!("/api/v1/orders/{order}/send"), json!({})).await.expect_status(200);
    let bill = id(&manager.post(&format!("/api/v1/orders/{order}/bill"), json!({})).await.expect_status(201).body);

    let first = manager.post(&format!("/api/v1/bills/{bill}/print"), json!({})).await.expect_status(201);
    let second = manager.post(&format!("/api/v1/bills/{bill}/print"), json!({})).await.expect_status(201);
    assert_eq!(
        (first.body["job"]["reprint"].as_bool(), second.body["job"]["reprint"].as_bool()),
        (Some(false), Some(true))
    );
    assert!(till.wait_for_jobs(2, Duration::from_secs(20)).await, "both copies printed");
    let jobs = till.jobs();
    assert!(!jobs[0].windows(7).any(|w| w == b"REPRINT"), "the first copy is the original");
    assert!(jobs[1].windows(7).any(|w| w == b"REPRINT"), "the second copy says REPRINT");
    assert!(jobs[0].contains(&0xD5), "€ in code page 858 is 0xD5");
    assert!(jobs[0].windows(2).any(|w| w == [0x1D, 0x56]), "the receipt is cut (GS V)");
    tb.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_printer_shows_offline_quickly_and_holds_nothing_up() {
    let tb = TestBox::start().await.expect("box");
    let owner = tb.client().as_session(&tb.set_up().await);
    // Nothing listens on this port: connections are refused.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let refused = format!("tcp://127.0.0.1:{}", closed.local_addr().expect("addr").port());
    drop(closed);
    // This one takes the connection and never answers.
    let silent = FakePrinter::start().await;
    silent.set_mode(PrinterMode::Stall);
    for (name, address) in [("Refusing", refused), ("Silent", silent.address())] {
        let p = id(&owner
            .post("/api/v1/printers", json!({"name": name, "role": "kitchen", "address": address}))
            .await
            .expect_status(201)
            .body);
        let status = tokio::time::timeout(Duration::from_secs(10), owner.get(&format!("/api/v1/printers/{p}/status")))
            .await
            .expect("the status answers within 10 s");
        assert_eq!(
            (status.status, status.body["reachable"].as_bool(), status.body["online"].as_bool()),
            (200, Some(false), Some(false))
        );
        // A test page to a dead printer is queued at once; the request does not wait for it.
        let queued = owner.post_empty(&format!("/api/v1/printers/{p}/test"), None).await.expect_status(201);
        assert_eq!(queued.body["job"]["status"], "queued");
    }
    owner.get("/healthz").await.expect_status(200);
    tb.stop().await;
}
