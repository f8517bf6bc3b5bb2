//! The `comanda-cloud` binary as an operator runs it (BRIEF's contract): `org create`,
//! `site create` printing `{"site_id","token"}`, `site pair`, `site revoke`, and `serve`.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use comanda_testkit::Postgres;
use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_comanda-cloud");

fn run(pg: &Postgres, args: &[&str]) -> (bool, Value, String) {
    let out = Command::new(BIN).arg("--database-url").arg(&pg.url).args(args).output().expect("runs");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let json = serde_json::from_str(stdout.trim()).unwrap_or(Value::Null);
    (out.status.success(), json, String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn an_operator_makes_an_organisation_and_a_site_pairs_and_revokes_it() {
    let pg = Postgres::start();
    let (ok, org, err) =
        run(&pg, &["org", "create", "Bistros", "--owner-username", "olivia", "--owner-password", "a long password"]);
    assert!(ok && org["org_id"].is_string(), "{org} {err}");
    // Refused with a reason, not a panic: a short password, a second org of the same name.
    for args in [
        &["org", "create", "Other", "--owner-username", "x", "--owner-password", "short"][..],
        &["org", "create", "Bistros", "--owner-username", "y", "--owner-password", "a long password"][..],
        &["site", "create", "--org", "Nobody", "--name", "Rue Haute"][..],
    ] {
        let (ok, _, err) = run(&pg, args);
        assert!(!ok && err.contains("comanda-cloud: ") && !err.contains("panicked"), "{args:?}: {err}");
    }
    let (ok, site, err) = run(&pg, &["site", "create", "--org", "Bistros", "--name", "Rue Haute"]);
    assert!(ok, "{err}");
    let site_id = site["site_id"].as_str().expect("site_id").to_owned();
    assert_eq!(site["token"].as_str().map(str::len), Some(64), "{site}");
    let (ok, pair, err) = run(&pg, &["site", "pair", &site_id]);
    assert!(
        ok && pair["pairing_code"].as_str().is_some_and(|c| c.len() == 11) && pair["expires_at"].is_string(),
        "{pair} {err}"
    );
    let (ok, revoked, _) = run(&pg, &["site", "revoke", &site_id]);
    assert!(ok && revoked["revoked"] == true, "{revoked}");
    let (ok, _, err) = run(&pg, &["site", "revoke", "0190a000-0000-7000-8000-000000000000"]);
    assert!(!ok && err.contains("no site"), "{err}");

    // `serve` listens and answers.
    let mut child = Command::new(BIN)
        .args(["--database-url", &pg.url, "serve", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("serve starts");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(at) = line.strip_prefix("comanda-cloud is serving at http://") {
                let _ = tx.send(at.trim_end_matches('/').to_owned());
            }
        }
    });
    let addr = rx.recv_timeout(Duration::from_secs(30));
    if addr.is_err() {
        let _ = child.kill();
    }
    let addr = addr.expect("serve says where it listens");
    let health = std::net::TcpStream::connect(&addr).map(|mut s| {
        use std::io::{Read, Write};
        let _ = s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        let mut text = String::new();
        let _ = s.read_to_string(&mut text);
        text
    });
    let _ = child.kill();
    let _ = child.wait();
    assert!(health.expect("connects").starts_with("HTTP/1.1 200"), "healthz answers 200");
}
