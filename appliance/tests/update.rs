//! Updates uploaded on the dashboard: only a whole, matching file from an owner is staged for
//! root's `comanda-update.path` (the rest of the journey — writing the spare root, boot
//! counting, falling back — runs in `cargo xtask image --test`, under qemu).

use comanda_testkit::{Raw, TestBox, staff_body};
use sha2::{Digest, Sha256};

fn upload(body: &[u8]) -> Raw<'static> {
    Raw { headers: vec![("content-type", "application/octet-stream".to_owned())], body: Some(body.to_vec()) }
}

#[tokio::test]
async fn only_an_owner_s_whole_matching_file_is_staged_and_only_once() {
    let tb = TestBox::start().await.expect("box");
    let owner_session = tb.set_up().await;
    let client = tb.client();
    let owner = client.as_session(&owner_session);
    owner.post("/api/v1/staff", staff_body("max", "manager", "4321")).await.expect_status(201);
    let manager = client.as_session(&client.login("max", "a long password").await);

    let file = b"a new root filesystem".repeat(1000);
    let sum = hex::encode(Sha256::digest(&file));
    let other = hex::encode(Sha256::digest(b"something else"));
    let staging = tb.dir.path().join("data/update");

    // (who, sha256 parameter, expected status, expected error code)
    let refused = [
        (&client, sum.as_str(), 401, "unauthenticated"),
        (&manager, sum.as_str(), 403, "forbidden"),
        (&owner, "not-hex", 400, "bad_request"),
        (&owner, other.as_str(), 422, "validation_failed"),
    ];
    for (who, sha, status, code) in refused {
        let reply = who.raw("POST", &format!("/api/v1/system/update?sha256={sha}"), upload(&file)).await;
        assert_eq!((reply.status, reply.error_code()), (status, Some(code)), "{sha}: {}", reply.text);
        assert!(!staging.join("staged.sha256").exists(), "nothing staged after a {status}");
    }

    let reply = owner.raw("POST", &format!("/api/v1/system/update?sha256={sum}"), upload(&file)).await;
    assert_eq!(reply.status, 202, "{}", reply.text);
    assert_eq!((reply.body["state"].as_str(), reply.body["bytes"].as_u64()), (Some("staged"), Some(file.len() as u64)));
    assert_eq!(std::fs::read(staging.join("staged")).expect("staged file"), file);
    let sidecar = std::fs::read_to_string(staging.join("staged.sha256")).expect("checksum");
    assert!(sidecar.starts_with(&sum), "{sidecar}");
    let left: Vec<_> =
        std::fs::read_dir(&staging).expect("staging").filter_map(|e| e.ok()).map(|e| e.file_name()).collect();
    assert!(!left.iter().any(|n| n.to_string_lossy().ends_with(".partial")), "uploads left behind: {left:?}");

    let again = owner.raw("POST", &format!("/api/v1/system/update?sha256={sum}"), upload(&file)).await;
    assert_eq!((again.status, again.error_code()), (409, Some("conflict")), "{}", again.text);

    let status = manager.get("/api/v1/system/update").await.expect_status(200);
    assert_eq!(status.body["staged"], true);
    assert_eq!(status.body["version"].as_str(), Some(comanda_appliance::version()));
    let health = client.get("/healthz").await.expect_status(200);
    assert_eq!(health.body["version"].as_str(), Some(comanda_appliance::version()));
    tb.stop().await;
}
