//! What survives a power cut, tested with the real binary: 200 acknowledged writes, then
//! `kill -9`, then a restart. Every write that got a 2xx is there, and `comanda check` passes.
//! Also the rest of the CLI as an installer uses it.

use std::path::Path;
use std::time::Duration;

use comanda_testkit::{BinaryBox, Client, OWNER_PASSWORD, OWNER_USERNAME, run_cli, set_up, staff_body};
use futures_util::future::join_all;

const BIN: &str = env!("CARGO_BIN_EXE_comanda");

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_writes_survive_kill_9() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let mut first = BinaryBox::spawn(Path::new(BIN), &data);
    let client = Client::new(&first.base);
    let owner = set_up(&client).await;
    let c = client.as_session(&owner);

    // 100 new staff members, then each clocks in: 200 writes, 16 in flight at a time.
    let usernames: Vec<String> = (0..100).map(|i| format!("waiter{i:03}")).collect();
    let mut ids = Vec::new();
    for chunk in usernames.chunks(16) {
        let replies = join_all(chunk.iter().map(|u| c.post("/api/v1/staff", staff_body(u, "waiter", "1234")))).await;
        for reply in replies {
            ids.push(reply.expect_status(201).body["id"].as_str().expect("id").to_owned());
        }
    }
    for chunk in ids.chunks(16) {
        let paths: Vec<String> = chunk.iter().map(|id| format!("/api/v1/staff/{id}/clock-in")).collect();
        let replies = join_all(paths.iter().map(|p| c.post_empty(p, None))).await;
        for reply in replies {
            reply.expect_status(201);
        }
    }
    first.kill_9();

    let second = BinaryBox::spawn(Path::new(BIN), &data);
    let client = Client::new(&second.base);
    let c = client.as_session(&client.login(OWNER_USERNAME, OWNER_PASSWORD).await);
    let staff = c.all_pages("/api/v1/staff").await;
    for u in &usernames {
        assert!(staff.iter().any(|s| s["username"] == u.as_str()), "{u} survived");
    }
    let shifts = c.all_pages("/api/v1/shifts").await;
    assert_eq!(shifts.iter().filter(|s| s["ended_at"].is_null()).count(), 100, "every clock-in survived");

    let check = second.cli(&["check"], None);
    let report = String::from_utf8_lossy(&check.stdout);
    assert!(check.status.success(), "comanda check: {report}{}", String::from_utf8_lossy(&check.stderr));
    assert!(report.contains("hash chain intact"), "{report}");
    assert!(report.lines().last().is_some_and(|l| l == "ok"), "{report}");

    // SIGTERM: a clean, quick exit.
    let status = second.terminate(Duration::from_secs(15)).expect("exits after SIGTERM");
    assert!(status.success(), "{status:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_installer_resets_a_forgotten_password_while_the_box_runs() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let running = BinaryBox::spawn(Path::new(BIN), &data);
    let client = Client::new(&running.base);
    let before = set_up(&client).await;

    let out = running.cli(&["reset-password", OWNER_USERNAME, "--password-stdin"], Some("the new secret 42\n"));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    client.login(OWNER_USERNAME, "the new secret 42").await;
    let old = client.post("/api/v1/auth/refresh", serde_json::json!({"refresh_token": before.refresh})).await;
    assert_eq!(old.status, 401, "the old sessions are ended: {}", old.text);

    // Generated password, printed once.
    let out = running.cli(&["reset-password", OWNER_USERNAME], None);
    let text = String::from_utf8_lossy(&out.stdout);
    let generated = text.lines().find_map(|l| l.strip_prefix("New password: ")).expect("printed");
    assert_eq!(generated.len(), 16);
    client.login(OWNER_USERNAME, generated).await;

    // The box's own writes and the CLI's interleave in one intact chain.
    client
        .as_session(&client.login(OWNER_USERNAME, generated).await)
        .post("/api/v1/staff", staff_body("ana", "waiter", "1111"))
        .await
        .expect_status(201);
    let check = running.cli(&["check"], None);
    assert!(check.status.success(), "{}", String::from_utf8_lossy(&check.stdout));

    let unknown = running.cli(&["reset-password", "nobody", "--password-stdin"], Some("whatever long\n"));
    assert!(!unknown.status.success());
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("no staff member"));
}

#[test]
fn the_cli_explains_itself() {
    let version = std::process::Command::new(BIN).arg("--version").output().expect("runs");
    assert_eq!(String::from_utf8_lossy(&version.stdout).trim(), format!("comanda {}", env!("CARGO_PKG_VERSION")));

    let dir = tempfile::tempdir().expect("tempdir");
    let missing = run_cli(Path::new(BIN), &dir.path().join("nothing"), &["check"], None);
    assert!(!missing.status.success());
    assert!(
        String::from_utf8_lossy(&missing.stderr).contains("no database"),
        "{}",
        String::from_utf8_lossy(&missing.stderr)
    );
}

/// Sends an order to two stations and kills the box right after the 2xx, before the kitchen
/// may have made the tickets. After each restart every station has exactly one ticket for
/// every send: the kitchen resumes from its cursor and never makes one twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_between_send_and_tickets_each_station_still_gets_exactly_one() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let mut the_box = BinaryBox::spawn_with_args(Path::new(BIN), &data, &["--demo"]);
    let client = Client::new(&the_box.base);
    let ana = client.as_session(&client.pin_login("ana", "1111").await);
    let menu = ana.get("/api/v1/menu").await.expect_status(200).body;
    let stations: Vec<String> = menu["stations"]
        .as_array()
        .expect("stations")
        .iter()
        .filter_map(|s| s["id"].as_str().map(String::from))
        .collect();
    assert_eq!(stations.len(), 2, "the demo has a kitchen and a bar");
    // One item without required modifiers from each station.
    let required = comanda_testkit::required_modifier_groups(&menu);
    let items: Vec<String> = stations
        .iter()
        .map(|station| {
            let all = menu["categories"]
                .as_array()
                .expect("categories")
                .iter()
                .flat_map(|c| c["items"].as_array().cloned().unwrap_or_default());
            all.into_iter()
                .find(|i| {
                    i["station_id"] == station.as_str()
                        && i["available"] == true
                        && !i["modifier_group_ids"]
                            .as_array()
                            .is_some_and(|g| g.iter().any(|g| required.contains(&g.as_str().unwrap_or_default())))
                })
                .and_then(|i| i["id"].as_str().map(String::from))
                .expect("an item for the station")
        })
        .collect();
    let tables: Vec<String> =
        ana.all_pages("/api/v1/tables").await.iter().filter_map(|t| t["id"].as_str().map(String::from)).collect();

    let mut orders = Vec::new();
    for table in tables.iter().take(5) {
        let ana = Client::new(&the_box.base).as_session(&Client::new(&the_box.base).pin_login("ana", "1111").await);
        let order =
            ana.post("/api/v1/orders", serde_json::json!({"table_id": table, "guests": 2})).await.expect_status(201);
        let order = order.body["id"].as_str().expect("id").to_owned();
        let lines: Vec<_> = items.iter().map(|i| serde_json::json!({"item_id": i, "quantity": 1})).collect();
        ana.post(&format!("/api/v1/orders/{order}/lines"), serde_json::json!({"lines": lines}))
            .await
            .expect_status(201);
        ana.post(&format!("/api/v1/orders/{order}/send"), serde_json::json!({})).await.expect_status(200);
        the_box.kill_9();
        orders.push(order);
        the_box = BinaryBox::spawn(Path::new(BIN), &data);
    }

    let client = Client::new(&the_box.base);
    let kai = client.as_session(&client.pin_login("kitchen", "3333").await);
    for _ in 0..200 {
        if kai.all_pages("/api/v1/kitchen/tickets").await.len() >= 10 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await; // time for a wrong second copy to show up
    let tickets = kai.all_pages("/api/v1/kitchen/tickets").await;
    for order in &orders {
        for station in &stations {
            let n = tickets
                .iter()
                .filter(|t| t["order_id"] == order.as_str() && t["station_id"] == station.as_str())
                .count();
            assert_eq!(n, 1, "order {order} at station {station}");
        }
    }
    assert_eq!(tickets.len(), 10);
    let check = the_box.cli(&["check"], None);
    assert!(check.status.success(), "{}", String::from_utf8_lossy(&check.stdout));
}

/// The box dies while a ticket is on its way to a stalled printer. After the restart nothing is
/// lost, and the one ticket that may have printed already comes out again marked REPRINT.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_mid_print_nothing_is_lost_and_the_interrupted_ticket_says_reprint() {
    use comanda_testkit::{FakePrinter, PrinterMode};
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let mut the_box = BinaryBox::spawn_with_args(Path::new(BIN), &data, &["--demo"]);
    let client = Client::new(&the_box.base);
    let owner = client.as_session(&client.login("owner", "demo-owner-1").await);
    let kitchen_printer = FakePrinter::start().await;
    kitchen_printer.set_mode(PrinterMode::Stall);
    let printer = owner
        .post(
            "/api/v1/printers",
            serde_json::json!({"name": "Pass", "role": "kitchen", "address": kitchen_printer.address()}),
        )
        .await
        .expect_status(201);
    let printer = printer.body["id"].as_str().expect("id").to_owned();
    let menu = owner.get("/api/v1/menu").await.body;
    let kitchen = menu["stations"]
        .as_array()
        .expect("stations")
        .iter()
        .find(|s| s["name"] == "Kitchen")
        .cloned()
        .expect("kitchen");
    let station = kitchen["id"].as_str().expect("id");
    owner
        .patch(&format!("/api/v1/kitchen/stations/{station}"), serde_json::json!({"printer_id": printer}))
        .await
        .expect_status(200);
    let item = menu["categories"]
        .as_array()
        .expect("categories")
        .iter()
        .flat_map(|c| c["items"].as_array().cloned().unwrap_or_default())
        .find(|i| i["station_id"] == station && i["modifier_group_ids"].as_array().is_some_and(Vec::is_empty))
        .and_then(|i| i["id"].as_str().map(String::from))
        .expect("a kitchen item");
    let tables = owner.all_pages("/api/v1/tables").await;
    let ana = client.as_session(&client.pin_login("ana", "1111").await);
    let mut numbers = Vec::new();
    for table in tables.iter().take(3) {
        let order = ana
            .post("/api/v1/orders", serde_json::json!({"table_id": table["id"], "guests": 2}))
            .await
            .expect_status(201);
        numbers.push(order.body["number"].as_u64().expect("number"));
        let order = order.body["id"].as_str().expect("id").to_owned();
        ana.post(
            &format!("/api/v1/orders/{order}/lines"),
            serde_json::json!({"lines": [{"item_id": item, "quantity": 1}]}),
        )
        .await
        .expect_status(201);
        ana.post(&format!("/api/v1/orders/{order}/send"), serde_json::json!({})).await.expect_status(200);
    }
    // Wait (bounded) until the first ticket is on its way, then pull the plug.
    let mut caught = false;
    for _ in 0..200 {
        if owner.get("/api/v1/print-jobs?status=sending").await.body["items"].as_array().is_some_and(|j| !j.is_empty())
        {
            caught = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(caught, "a job was seen mid-send");
    the_box.kill_9();

    kitchen_printer.set_mode(PrinterMode::Online);
    let the_box = BinaryBox::spawn(Path::new(BIN), &data);
    assert!(
        kitchen_printer.wait_for_jobs(3, Duration::from_secs(30)).await,
        "all three tickets print after the restart"
    );
    tokio::time::sleep(Duration::from_millis(500)).await; // time for a wrong extra copy to show up
    let jobs = kitchen_printer.jobs();
    assert_eq!(jobs.len(), 3, "nothing lost, nothing twice");
    let reprints: Vec<bool> = jobs.iter().map(|j| j.windows(7).any(|w| w == b"REPRINT")).collect();
    assert_eq!(reprints, [true, false, false], "only the interrupted ticket says REPRINT, and it is the first");
    for (job, number) in jobs.iter().zip(&numbers) {
        assert!(String::from_utf8_lossy(job).contains(&format!("#{number}")), "tickets in order");
    }
    let check = the_box.cli(&["check"], None);
    assert!(check.status.success(), "{}", String::from_utf8_lossy(&check.stdout));
}

/// Backups while the box serves; restore only when it is stopped; the restored box is sound.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_while_serving_restores_the_restaurant_as_it_was() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let backup = dir.path().join("monday.db");
    let running = BinaryBox::spawn(Path::new(BIN), &data);
    let client = Client::new(&running.base);
    let owner = client.as_session(&set_up(&client).await);
    owner.post("/api/v1/staff", staff_body("ana", "waiter", "1111")).await.expect_status(201);

    let made = running.cli(&["backup", "--to", backup.to_str().expect("utf-8")], None);
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
    let again = running.cli(&["backup", "--to", backup.to_str().expect("utf-8")], None);
    assert!(!again.status.success(), "an existing backup is never overwritten");

    owner.post("/api/v1/staff", staff_body("ben", "waiter", "2222")).await.expect_status(201);
    let refused = running.cli(&["restore", backup.to_str().expect("utf-8")], None);
    assert!(!refused.status.success(), "no restore under a running server");
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("already running"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );

    assert!(running.terminate(Duration::from_secs(15)).is_some_and(|s| s.success()));
    let restored = run_cli(Path::new(BIN), &data, &["restore", backup.to_str().expect("utf-8")], None);
    assert!(restored.status.success(), "{}", String::from_utf8_lossy(&restored.stderr));

    let back = BinaryBox::spawn(Path::new(BIN), &data);
    let client = Client::new(&back.base);
    let owner = client.as_session(&client.login(OWNER_USERNAME, OWNER_PASSWORD).await);
    let staff: Vec<String> = owner
        .all_pages("/api/v1/staff")
        .await
        .iter()
        .filter_map(|s| s["username"].as_str().map(String::from))
        .collect();
    assert!(staff.contains(&"ana".to_owned()) && !staff.contains(&"ben".to_owned()), "{staff:?}");
    let check = back.cli(&["check"], None);
    assert!(check.status.success(), "{}", String::from_utf8_lossy(&check.stdout));
    let kept = std::fs::read_dir(&data)
        .expect("data dir")
        .filter_map(Result::ok)
        .any(|e| e.file_name().to_string_lossy().starts_with("comanda.db.before-restore-"));
    assert!(kept, "the replaced database is kept aside");
}

#[test]
fn a_damaged_database_is_refused_with_the_restore_command() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).expect("dir");
    // Not a database at all: what a dying SD card might leave behind.
    std::fs::write(data.join("comanda.db"), vec![0x42; 8192]).expect("write");
    let out = run_cli(Path::new(BIN), &data, &["serve", "--listen", "127.0.0.1:0"], None);
    assert!(!out.status.success());
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("damaged") && said.contains("comanda restore"), "{said}");
}

/// A large database is checked after the box starts serving (the check reads the whole file);
/// damage it finds turns readiness off with the restore advice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn damage_found_after_start_turns_readiness_off() {
    let the_box = comanda_testkit::TestBox::start().await.expect("box");
    let client = the_box.client();
    client.get("/readyz").await.expect_status(200);
    the_box.running().store.mark_damaged("row 7 missing from index".into());
    let reply = client.get("/readyz").await.expect_status(503);
    assert!(reply.text.contains("row 7 missing from index") && reply.text.contains("restore"), "{}", reply.text);
    client.get("/healthz").await.expect_status(200);
}

/// A backup taken in the middle of an order burst holds every line the box acknowledged
/// before the backup began, and passes SQLite's integrity check.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_under_an_order_burst_holds_every_acknowledged_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let backup_file = dir.path().join("busy.db");
    let the_box = BinaryBox::spawn_with_args(Path::new(BIN), &data, &["--demo"]);
    let client = Client::new(&the_box.base);
    let ana = client.as_session(&client.pin_login("ana", "1111").await);
    let menu = ana.get("/api/v1/menu").await.body;
    let item = menu["categories"]
        .as_array()
        .expect("categories")
        .iter()
        .flat_map(|c| c["items"].as_array().cloned().unwrap_or_default())
        .find(|i| i["modifier_group_ids"].as_array().is_some_and(Vec::is_empty))
        .and_then(|i| i["id"].as_str().map(String::from))
        .expect("item");
    let mut orders = Vec::new();
    for table in ana.all_pages("/api/v1/tables").await.iter().take(6) {
        let o = ana
            .post("/api/v1/orders", serde_json::json!({"table_id": table["id"], "guests": 2}))
            .await
            .expect_status(201);
        orders.push(o.body["id"].as_str().expect("id").to_owned());
    }

    // The burst: lines added to six tables as fast as the box answers, each acknowledged
    // line recorded with whether the backup had begun.
    let begun = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let acked = std::sync::Arc::new(std::sync::Mutex::new(Vec::<(String, bool)>::new()));
    let burst = {
        let (ana, orders, begun, acked, item) =
            (ana.clone(), orders.clone(), begun.clone(), acked.clone(), item.clone());
        tokio::spawn(async move {
            for round in 0..40 {
                let order = &orders[round % orders.len()];
                let reply = ana
                    .post(
                        &format!("/api/v1/orders/{order}/lines"),
                        serde_json::json!({"lines": [{"item_id": item, "quantity": 1}]}),
                    )
                    .await;
                // Acknowledged before the backup began: the answer came before `begun` was set
                // (a request sent before but answered after may commit after the snapshot).
                let before = !begun.load(std::sync::atomic::Ordering::SeqCst);
                if reply.status == 201 {
                    let line = reply.body["lines"]
                        .as_array()
                        .and_then(|l| l.last())
                        .and_then(|l| l["id"].as_str())
                        .expect("line")
                        .to_owned();
                    acked.lock().expect("lock").push((line, before));
                }
            }
        })
    };
    tokio::time::sleep(Duration::from_millis(150)).await;
    begun.store(true, std::sync::atomic::Ordering::SeqCst);
    let target = backup_file.to_str().expect("utf-8").to_owned();
    let data_dir = data.clone();
    let made =
        tokio::task::spawn_blocking(move || run_cli(Path::new(BIN), &data_dir, &["backup", "--to", &target], None))
            .await
            .expect("backup ran");
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
    burst.await.expect("burst");
    drop(the_box);

    // Restore the backup into a box of its own and look for every line acknowledged before.
    let restored_dir = dir.path().join("restored");
    let out = run_cli(Path::new(BIN), &restored_dir, &["restore", backup_file.to_str().expect("utf-8")], None);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let check = run_cli(Path::new(BIN), &restored_dir, &["check"], None);
    assert!(check.status.success(), "{}", String::from_utf8_lossy(&check.stdout));
    let restored = BinaryBox::spawn(Path::new(BIN), &restored_dir);
    let client = Client::new(&restored.base);
    let ana = client.as_session(&client.pin_login("ana", "1111").await);
    let mut present = std::collections::HashSet::new();
    for order in &orders {
        let o = ana.get(&format!("/api/v1/orders/{order}")).await.expect_status(200);
        for line in o.body["lines"].as_array().expect("lines") {
            present.insert(line["id"].as_str().expect("id").to_owned());
        }
    }
    let acked = acked.lock().expect("lock").clone();
    let before: Vec<&String> = acked.iter().filter(|(_, b)| *b).map(|(l, _)| l).collect();
    assert!(!before.is_empty(), "some lines were acknowledged before the backup");
    for line in before {
        assert!(present.contains(line), "line {line} was acknowledged before the backup began");
    }
}
