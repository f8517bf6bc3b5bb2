//! Tablets find the box without an IP: it announces `_comanda._tcp` and `comanda.local` over
//! mDNS. Tested only inside two network namespaces the test creates itself, joined by a veth
//! pair: the box runs in one, an independent browser (PyPI `zeroconf`) in the other. Nothing
//! touches the machine's real interfaces. Where namespaces cannot be made (not root), the test
//! says so and stops.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_comanda");

/// Two namespaces and a veth between them, removed on drop.
struct Lan {
    a: String,
    b: String,
}

fn ip(args: &[&str]) -> bool {
    Command::new("ip").args(args).status().is_ok_and(|s| s.success())
}

/// Tests of one process run as threads: each gets namespaces of its own.
static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);

fn is_root() -> bool {
    Command::new("id").arg("-u").output().is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

impl Lan {
    /// `None` only where namespaces cannot be made at all (not root); as root, a failure to
    /// build the LAN fails the test instead of skipping it.
    fn create() -> Option<Lan> {
        if !is_root() {
            return None;
        }
        let tag = std::process::id() * 10 + NEXT.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let lan = Lan { a: format!("cmd-box-{tag}"), b: format!("cmd-tab-{tag}") };
        let (a, b) = (lan.a.as_str(), lan.b.as_str());
        let (va, vb) = (format!("vbox{}", tag % 100_000), format!("vtab{}", tag % 100_000));
        let ok = ip(&["netns", "add", a])
            && ip(&["netns", "add", b])
            && ip(&["link", "add", &va, "type", "veth", "peer", "name", &vb])
            && ip(&["link", "set", &va, "netns", a])
            && ip(&["link", "set", &vb, "netns", b])
            && ip(&["-n", a, "addr", "add", "10.231.7.1/24", "dev", &va])
            && ip(&["-n", b, "addr", "add", "10.231.7.2/24", "dev", &vb])
            && ip(&["-n", a, "link", "set", &va, "up"])
            && ip(&["-n", b, "link", "set", &vb, "up"])
            && ip(&["-n", a, "link", "set", "lo", "up"])
            && ip(&["-n", b, "link", "set", "lo", "up"]);
        assert!(ok, "as root, the test LAN (two namespaces and a veth) could be built");
        Some(lan)
    }
}

impl Drop for Lan {
    fn drop(&mut self) {
        ip(&["netns", "del", &self.a]);
        ip(&["netns", "del", &self.b]);
    }
}

/// `comanda serve --mdns` (plus `extra`) inside the box's namespace; returns once it is up.
fn start_box(lan: &Lan, data: &std::path::Path, extra: &[&str]) -> std::process::Child {
    let mut the_box = Command::new("ip")
        .args(["netns", "exec", &lan.a, BIN, "serve", "--mdns", "--listen", "0.0.0.0:8080", "--data-dir"])
        .arg(data)
        .args(extra)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("the box starts");
    let stdout = the_box.stdout.take().expect("stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if line.starts_with("Comanda is running") {
                let _ = tx.send(());
            }
        }
    });
    rx.recv_timeout(Duration::from_secs(30)).expect("the box is up");
    the_box
}

/// What the independent browser in the tablet's namespace hears.
fn browse(lan: &Lan) -> serde_json::Value {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/support/mdns_browse.py");
    let out = Command::new("ip").args(["netns", "exec", &lan.b, "python3", script]).output().expect("browser runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("json")
}

#[test]
fn a_tablet_on_the_lan_finds_the_box_and_resolves_comanda_local() {
    let Some(lan) = Lan::create() else {
        eprintln!(
            "SKIPPED: network namespaces cannot be created here (needs root and iproute2); the mDNS test did not run"
        );
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let mut the_box = start_box(&lan, &dir.path().join("data"), &["--demo"]);
    let found = browse(&lan);
    let _ = the_box.kill();
    let _ = the_box.wait();
    let service = &found["services"][0];
    assert!(service["name"].as_str().is_some_and(|n| n.starts_with("Bistro Demo")), "{found}");
    assert_eq!(service["port"], 8080);
    assert_eq!(service["server"], "comanda.local.");
    assert_eq!(service["addresses"], serde_json::json!(["10.231.7.1"]));
    assert_eq!(service["properties"]["api"], "/api/v1");
    assert_eq!(service["properties"]["path"], "/");
    assert_eq!(service["properties"]["version"], env!("CARGO_PKG_VERSION"));
    assert!(service["properties"]["site"].as_str().is_some_and(|s| s.len() == 36), "{found}");
    assert_eq!(found["host"], serde_json::json!(["10.231.7.1"]), "comanda.local resolves to the box");
}

#[test]
fn after_the_wizard_the_box_is_announced_under_the_restaurant_s_name() {
    let Some(lan) = Lan::create() else {
        eprintln!(
            "SKIPPED: network namespaces cannot be created here (needs root and iproute2); the mDNS test did not run"
        );
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let mut the_box = start_box(&lan, &dir.path().join("data"), &[]);
    // The installer runs the wizard: setup over HTTP, from inside the box's namespace.
    let setup = r#"{"restaurant":{"name":"Chez Namespace","currency":"EUR"},"owner":{"name":"O","username":"olivia","password":"a long password"}}"#;
    let post = format!(
        "import urllib.request; urllib.request.urlopen(urllib.request.Request('http://127.0.0.1:8080/api/v1/setup', data=b'{setup}', headers={{'content-type': 'application/json'}}))"
    );
    let done =
        Command::new("ip").args(["netns", "exec", &lan.a, "python3", "-c", &post]).status().expect("python runs");
    assert!(done.success(), "setup over HTTP");
    std::thread::sleep(Duration::from_millis(500)); // the announcement is renewed
    let found = browse(&lan);
    let _ = the_box.kill();
    let _ = the_box.wait();
    let names: Vec<&str> =
        found["services"].as_array().expect("services").iter().filter_map(|s| s["name"].as_str()).collect();
    assert!(names.iter().any(|n| n.starts_with("Chez Namespace")), "{found}");
    assert!(!names.iter().any(|n| n.starts_with("Comanda.")), "the old name is withdrawn: {found}");
}
