//! Disk full, with the real binary on a small tmpfs the test mounts (root only; skipped with a
//! note elsewhere): writes answer 507 `insufficient_storage`, reads keep working, nothing
//! acknowledged is lost, the log's chain stays intact, and once space returns the same
//! process writes again without a restart.

use std::io::Write;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use comanda_testkit::{BinaryBox, Client, FakePrinter, Reply, staff_body};
use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_comanda");

/// A tmpfs mounted on a temporary directory, unmounted when dropped (also on panic).
struct Tmpfs {
    dir: tempfile::TempDir,
}

impl Tmpfs {
    /// `None` when this process may not mount (not root, no CAP_SYS_ADMIN, a container).
    fn mount(size: &str) -> Option<Self> {
        let dir = tempfile::tempdir().expect("tempdir");
        let out = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size},mode=0700"), "tmpfs"])
            .arg(dir.path())
            .output();
        let out = match out {
            Ok(out) => out,
            Err(e) => {
                eprintln!("SKIPPED disk_full: cannot run mount ({e})");
                return None;
            }
        };
        if !out.status.success() {
            eprintln!("SKIPPED disk_full: cannot mount a tmpfs here ({})", String::from_utf8_lossy(&out.stderr).trim());
            return None;
        }
        Some(Self { dir })
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn resize(&self, size: &str) {
        let out = Command::new("mount")
            .args(["-o", &format!("remount,size={size}")])
            .arg(self.path())
            .output()
            .expect("mount runs");
        assert!(out.status.success(), "remount: {}", String::from_utf8_lossy(&out.stderr));
    }

    /// Fills the tmpfs with a file `name`, leaving `leave` bytes free; returns its size.
    fn fill(&self, name: &str, leave: u64) -> u64 {
        let path = self.path().join(name);
        let mut file = std::fs::OpenOptions::new().create(true).append(true).open(&path).expect("filler");
        let chunk = vec![0u8; 4096];
        let mut written = 0u64;
        // Bounded by the tmpfs size (at most a few MiB here).
        for _ in 0..1_000_000 {
            match file.write(&chunk) {
                Ok(0) => break,
                Ok(n) => written += n as u64,
                Err(e) if e.raw_os_error() == Some(28) => break, // ENOSPC
                Err(e) => panic!("filler: {e}"),
            }
        }
        let kept = written.saturating_sub(leave);
        file.set_len(kept).expect("truncate filler");
        kept
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let status = Command::new("umount").arg(self.path()).status();
        if !status.is_ok_and(|s| s.success()) {
            // Something still holds a file there (a process the test could not reap): detach.
            let _ = Command::new("umount").arg("-l").arg(self.path()).status();
        }
    }
}

const OWNER: (&str, &str) = ("owner", "demo-owner-1");

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_refuses_writes_with_507_keeps_reads_and_recovers_without_a_restart() {
    let Some(fs) = Tmpfs::mount("8m") else { return };
    let data = fs.path().join("data");
    let mut the_box = BinaryBox::spawn_with_args(Path::new(BIN), &data, &["--demo"]);
    let client = Client::new(&the_box.base);
    let owner = client.as_session(&client.login(OWNER.0, OWNER.1).await);
    let ana_session = client.pin_login("ana", "1111").await;
    let ana = client.as_session(&ana_session);
    let item = an_item(&ana).await;
    // The item's station prints its tickets: the print queue writes too (job states).
    let kitchen_printer = FakePrinter::start().await;
    let printer = id(&owner
        .post("/api/v1/printers", json!({"name": "Pass", "role": "kitchen", "address": kitchen_printer.address()}))
        .await
        .expect_status(201)
        .body);
    let station = ana.get(&format!("/api/v1/menu/items/{item}")).await.expect_status(200).body["station_id"].clone();
    let station = station.as_str().expect("station");
    owner
        .patch(&format!("/api/v1/kitchen/stations/{station}"), json!({"printer_id": printer}))
        .await
        .expect_status(200);
    let tables: Vec<String> = ana.all_pages("/api/v1/tables").await.iter().map(id).collect();
    let order =
        id(&ana.post("/api/v1/orders", json!({"table_id": tables[0], "guests": 2})).await.expect_status(201).body);
    let spare_order =
        id(&ana.post("/api/v1/orders", json!({"table_id": tables[1], "guests": 2})).await.expect_status(201).body);
    let before_full = the_box.cli(&["check"], None);
    assert!(before_full.status.success(), "{}", String::from_utf8_lossy(&before_full.stdout));

    // The disk fills up (a little room left), and the evening goes on: a line and a send,
    // again and again, until the box refuses.
    let filler = fs.fill("filler", 512 * 1024);
    let (mut acked_lines, mut acked_sends, mut refused) = (0u32, 0u32, None);
    let started = Instant::now();
    for round in 0..500 {
        let line = ana
            .post(&format!("/api/v1/orders/{order}/lines"), json!({"lines": [{"item_id": item, "quantity": 1}]}))
            .await;
        if line.status != 201 {
            refused = Some(line);
            break;
        }
        acked_lines += 1;
        let send = ana.post(&format!("/api/v1/orders/{order}/send"), json!({})).await;
        if send.status != 200 {
            refused = Some(send);
            break;
        }
        acked_sends += 1;
        assert!(started.elapsed() < Duration::from_secs(30), "the disk never filled ({round} rounds)");
    }
    let refused = refused.expect("the box refused a write once the disk was full");
    eprintln!(
        "filler {filler} B; acknowledged {acked_lines} lines and {acked_sends} sends before the first refusal ({} {})",
        refused.status, refused.text
    );
    assert_insufficient_storage(&refused, "the first refused write");
    // A refused write may leave a little room behind it: the pages it got before ENOSPC stay
    // in the WAL file for the next, smaller write. Logins (one refresh token) are the
    // smallest write there is; once one is refused, every write in the table below is too.
    let mut logins_that_fit = 0;
    loop {
        let login = client.post("/api/v1/auth/pin", json!({"username": "ana", "pin": "1111"})).await;
        if login.status != 200 {
            assert_insufficient_storage(&login, "a PIN login on a full disk");
            break;
        }
        logins_that_fit += 1;
        assert!(logins_that_fit < 50, "logins never stopped fitting");
    }
    let wal = std::fs::metadata(data.join("comanda.db-wal")).map(|m| m.len()).unwrap_or_default();
    eprintln!("then {logins_that_fit} PIN logins still fit; WAL {wal} B");

    // While full: every kind of write is refused the same clear way…
    let ben = staff_id(&owner, "ben").await;
    let writes: Vec<(&str, String, Client, Value)> = vec![
        (
            "POST",
            format!("/api/v1/orders/{order}/lines"),
            ana.clone(),
            json!({"lines": [{"item_id": item, "quantity": 2}]}),
        ),
        ("POST", "/api/v1/orders".into(), ana.clone(), json!({"table_id": tables[2], "guests": 4})),
        ("POST", format!("/api/v1/orders/{spare_order}/close"), ana.clone(), json!({})),
        ("POST", "/api/v1/staff".into(), owner.clone(), staff_body("newcomer", "waiter", "4321")),
        ("POST", format!("/api/v1/staff/{ben}/clock-in"), owner.clone(), json!({})),
        ("POST", "/api/v1/menu/categories".into(), owner.clone(), json!({"name": "Specials", "position": 9})),
        ("POST", "/api/v1/areas".into(), owner.clone(), json!({"name": "Garden"})),
        ("POST", "/api/v1/cash/sessions".into(), ana.clone(), json!({"opening_float": 5000})),
        // Logging in writes a refresh token: refused too, clearly.
        ("POST", "/api/v1/auth/login".into(), client.clone(), json!({"username": OWNER.0, "password": OWNER.1})),
        ("POST", "/api/v1/auth/pin".into(), client.clone(), json!({"username": "ana", "pin": "1111"})),
        ("POST", "/api/v1/auth/refresh".into(), client.clone(), json!({"refresh_token": ana_session.refresh})),
    ];
    for (method, path, who, body) in &writes {
        let reply = who.json(method, path, body.clone(), None).await;
        assert_insufficient_storage(&reply, &format!("{method} {path}"));
    }
    // …and everything that only reads still answers, with the tokens issued before.
    let reads: Vec<(String, &Client)> = vec![
        ("/healthz".into(), &client),
        ("/readyz".into(), &client),
        ("/metrics".into(), &client),
        ("/api/v1/setup".into(), &client),
        ("/api/v1/openapi.json".into(), &client),
        ("/api/v1/auth/me".into(), &ana),
        ("/api/v1/menu".into(), &ana),
        ("/api/v1/tables".into(), &ana),
        (format!("/api/v1/orders/{order}"), &ana),
        ("/api/v1/orders".into(), &ana),
        ("/api/v1/kitchen/tickets".into(), &ana),
        ("/api/v1/staff".into(), &owner),
        ("/api/v1/shifts".into(), &owner),
        ("/api/v1/audit".into(), &owner),
        ("/api/v1/print-jobs".into(), &owner),
        ("/api/v1/reports/sales".into(), &owner),
    ];
    for (path, who) in &reads {
        let reply = who.get(path).await;
        assert_eq!(reply.status, 200, "GET {path} while the disk is full: {}", reply.text);
    }
    let lines_while_full = ana.get(&format!("/api/v1/orders/{order}")).await.body["lines"].as_array().map(Vec::len);
    assert_eq!(lines_while_full, Some(acked_lines as usize), "exactly the acknowledged lines");
    let check = the_box.cli(&["check"], None);
    assert!(check.status.success(), "check while full: {}", String::from_utf8_lossy(&check.stdout));

    // Space returns: the same process writes again, at once.
    std::fs::remove_file(fs.path().join("filler")).expect("remove filler");
    let freed = Instant::now();
    let mut recovered = None;
    for _ in 0..100 {
        let reply = ana
            .post(&format!("/api/v1/orders/{order}/lines"), json!({"lines": [{"item_id": item, "quantity": 1}]}))
            .await;
        if reply.status == 201 {
            recovered = Some(freed.elapsed());
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let recovered = recovered.expect("writes succeed again once space returns");
    eprintln!("first write after freeing space succeeded after {recovered:?}");
    acked_lines += 1;
    for (method, path, who, body) in &writes {
        let reply = who.json(method, path, body.clone(), None).await;
        assert!(reply.status / 100 == 2, "{method} {path} after recovery: {} {}", reply.status, reply.text);
    }
    ana.post(&format!("/api/v1/orders/{order}/send"), json!({})).await.expect_status(200);
    acked_sends += 1;

    // Nothing acknowledged was lost; the kitchen caught up with every send.
    let lines = ana.get(&format!("/api/v1/orders/{order}")).await.expect_status(200).body["lines"].clone();
    // +1: the line of the write table, which succeeded after recovery.
    assert_eq!(lines.as_array().map(Vec::len), Some(acked_lines as usize + 1));
    let kitchen = client.as_session(&client.pin_login("kitchen", "3333").await);
    let mut unsent_tickets = usize::MAX;
    for _ in 0..100 {
        let tickets = kitchen.all_pages("/api/v1/kitchen/tickets").await;
        let lines_in_tickets: usize = tickets
            .iter()
            .filter(|t| t["order_id"] == order.as_str())
            .map(|t| t["lines"].as_array().map_or(0, Vec::len))
            .sum();
        unsent_tickets = acked_lines as usize + 1 - lines_in_tickets;
        if unsent_tickets == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(unsent_tickets, 0, "every sent line reached a ticket, once ({acked_sends} sends)");
    // …and the printer printed each ticket once: none lost, none twice.
    let tickets = kitchen.all_pages("/api/v1/kitchen/tickets").await.len();
    assert!(kitchen_printer.wait_for_jobs(tickets, Duration::from_secs(10)).await, "every ticket printed");
    tokio::time::sleep(Duration::from_millis(300)).await; // time for a wrong second copy
    assert_eq!(kitchen_printer.jobs().len(), tickets, "no ticket printed twice");
    let check = the_box.cli(&["check"], None);
    let report = String::from_utf8_lossy(&check.stdout);
    assert!(check.status.success() && report.contains("hash chain intact"), "{report}");

    // Full again, then a stop and a start on the full disk: the box comes back and serves
    // reads (its WAL stayed beside the database), and nothing is damaged.
    fs.fill("filler", 0);
    let status = the_box.terminate(Duration::from_secs(15)).expect("stops on SIGTERM while full");
    assert!(status.success(), "{status:?}");
    the_box = BinaryBox::spawn(Path::new(BIN), &data);
    let client = Client::new(&the_box.base);
    let ana = client.with_token(&ana_session.access);
    ana.get(&format!("/api/v1/orders/{order}")).await.expect_status(200);
    let login = client.post("/api/v1/auth/pin", json!({"username": "ana", "pin": "1111"})).await;
    assert_insufficient_storage(&login, "a login on a box started full");
    fs.resize("16m");
    std::fs::remove_file(fs.path().join("filler")).expect("remove filler");
    client.pin_login("ana", "1111").await;
    let check = the_box.cli(&["check"], None);
    assert!(check.status.success(), "{}", String::from_utf8_lossy(&check.stdout));
    let status = the_box.terminate(Duration::from_secs(15)).expect("stops");
    assert!(status.success(), "{status:?}");
}

/// A box whose disk filled up while it was stopped, and which lost its WAL index (`-shm`,
/// as after `comanda restore`): even reading needs that file, so it cannot start — and it
/// says the disk is full, not that the database is damaged (which would send someone to
/// restore a backup onto a full disk). The CLI says the same; a backup leaves no half file.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn starting_on_a_full_disk_says_so_and_damages_nothing() {
    let Some(fs) = Tmpfs::mount("8m") else { return };
    let data = fs.path().join("data");
    let the_box = BinaryBox::spawn_with_args(Path::new(BIN), &data, &["--demo"]);
    let status = the_box.terminate(Duration::from_secs(15)).expect("stops");
    assert!(status.success(), "{status:?}");
    let _ = std::fs::remove_file(data.join("comanda.db-shm"));
    fs.fill("filler", 0);

    let (code, stderr) = serve_until_exit(&data, Duration::from_secs(20));
    assert_ne!(code, Some(0), "{stderr}");
    assert!(stderr.contains("is full") && stderr.contains("Nothing is damaged"), "{stderr}");
    assert!(!stderr.contains("restore"), "no advice to restore a backup onto a full disk: {stderr}");

    let check = comanda_testkit::run_cli(Path::new(BIN), &data, &["check"], None);
    assert!(!check.status.success());
    assert!(String::from_utf8_lossy(&check.stderr).contains("disk full"), "{}", String::from_utf8_lossy(&check.stderr));
    let backup = fs.path().join("backup.db");
    let out =
        comanda_testkit::run_cli(Path::new(BIN), &data, &["backup", "--to", backup.to_str().expect("utf-8")], None);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("disk full"), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(!backup.exists(), "no half-written backup is left behind");

    // Room again: it starts as if nothing happened.
    std::fs::remove_file(fs.path().join("filler")).expect("remove filler");
    let the_box = BinaryBox::spawn(Path::new(BIN), &data);
    let client = Client::new(&the_box.base);
    client.pin_login("ana", "1111").await;
    let check = the_box.cli(&["check"], None);
    assert!(check.status.success(), "{}", String::from_utf8_lossy(&check.stdout));

    // A backup that would fit but leave the box next to no room for orders is refused.
    let size = |name: &str| std::fs::metadata(data.join(name)).map_or(0, |m| m.len());
    let database = size("comanda.db") + size("comanda.db-wal");
    fs.fill("filler", database * 3 / 2);
    let out = the_box.cli(&["backup", "--to", backup.to_str().expect("utf-8")], None);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("room for orders"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!backup.exists());
    std::fs::remove_file(fs.path().join("filler")).expect("remove filler");
    let out = the_box.cli(&["backup", "--to", backup.to_str().expect("utf-8")], None);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

/// Runs `comanda serve` expecting it to stop by itself; kills it after `limit`.
fn serve_until_exit(data: &Path, limit: Duration) -> (Option<i32>, String) {
    let mut child = Command::new(BIN)
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(data)
        .env("RUST_LOG", "warn")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("comanda starts");
    let started = Instant::now();
    let code = loop {
        if let Ok(Some(status)) = child.try_wait() {
            break status.code();
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut stderr = String::new();
    if let Some(mut pipe) = child.stderr.take() {
        let _ = std::io::Read::read_to_string(&mut pipe, &mut stderr);
    }
    (code, stderr)
}

#[track_caller]
fn assert_insufficient_storage(reply: &Reply, what: &str) {
    assert_eq!(reply.status, 507, "{what} while the disk is full: {}", reply.text);
    assert_eq!(reply.error_code(), Some("insufficient_storage"), "{what}: {}", reply.text);
    let message = reply.body.pointer("/error/message").and_then(Value::as_str).unwrap_or_default();
    assert!(message.contains("disk is full"), "{what}: {message}");
}

fn id(v: &Value) -> String {
    v["id"].as_str().expect("id").to_owned()
}

async fn staff_id(owner: &Client, username: &str) -> String {
    let staff = owner.all_pages("/api/v1/staff").await;
    staff.iter().find(|s| s["username"] == username).map(id).expect("staff member")
}

/// An available menu item that needs no modifiers.
async fn an_item(c: &Client) -> String {
    let menu = c.get("/api/v1/menu").await.expect_status(200).body;
    let required = comanda_testkit::required_modifier_groups(&menu);
    menu["categories"]
        .as_array()
        .expect("categories")
        .iter()
        .flat_map(|c| c["items"].as_array().cloned().unwrap_or_default())
        .find(|i| {
            i["available"] == true
                && !i["modifier_group_ids"]
                    .as_array()
                    .is_some_and(|g| g.iter().any(|g| required.contains(&g.as_str().unwrap_or_default())))
        })
        .map(|i| id(&i))
        .expect("an item without required modifiers")
}
