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
    let first = BinaryBox::spawn(Path::new(BIN), &data);
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

    let mdns = run_cli(Path::new(BIN), dir.path(), &["serve", "--listen", "127.0.0.1:0", "--mdns"], None);
    assert!(!mdns.status.success(), "mDNS is refused clearly rather than silently ignored");
    assert!(String::from_utf8_lossy(&mdns.stderr).contains("mDNS"));
}
