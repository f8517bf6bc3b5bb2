//! Cloud sync end to end on loopback: a box and a `comanda-cloud` on a throwaway PostgreSQL.
//! The cloud ends up holding exactly the box's event log — after a normal evening, after being
//! down the whole time, and a revoked token stops the uploads with the reason shown.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use comanda_cloud::{Cloud, admin, db};
use comanda_sync::CloudLink;
use comanda_testkit::{Postgres, Session, TestBox};
use serde_json::{Value, json};
use uuid::Uuid;

/// Serves the cloud on `listener`'s address.
async fn serve_cloud(pg: &Postgres, listener: tokio::net::TcpListener) -> Cloud {
    serve_cloud_stoppable(pg, listener).await.0
}

/// The same, with the server's task: aborting it is the process dying (open connections and
/// requests in flight included).
async fn serve_cloud_stoppable(
    pg: &Postgres,
    listener: tokio::net::TcpListener,
) -> (Cloud, tokio::task::JoinHandle<std::io::Result<()>>) {
    let pool = db::pool(&pg.url, 16).expect("pool");
    db::migrate(&pool).await.expect("migrations");
    let cloud = Cloud { pool: Arc::new(pool) };
    let app = comanda_cloud::router(cloud.clone());
    let server = tokio::spawn(async move { axum::serve(listener, app).await });
    (cloud, server)
}

async fn site(cloud: &Cloud) -> (Uuid, String) {
    admin::create_org(&cloud.pool, "Bistros", "olivia", "a long password").await.expect("org");
    admin::create_site(&cloud.pool, "Bistros", "Rue Haute").await.expect("site")
}

async fn boxed(url: &str, site_id: Uuid, token: &str) -> (TestBox, Session) {
    let link = CloudLink { url: url.to_owned(), site_id, token: token.to_owned() };
    let tb = TestBox::start_configured(|c| c.cloud = Some(link)).await.expect("box");
    let owner = tb.set_up().await;
    (tb, owner)
}

/// A cloud on `pg`, a site, and a box syncing to it, set up with its owner logged in.
async fn box_syncing_to_a_cloud(pg: &Postgres) -> (Cloud, Uuid, TestBox, Session) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let cloud = serve_cloud(pg, listener).await;
    let (site_id, token) = site(&cloud).await;
    let (tb, owner) = boxed(&url, site_id, &token).await;
    (cloud, site_id, tb, owner)
}

/// Some of an evening's changes: areas and tables (each an event in the log).
async fn work(tb: &TestBox, owner: &Session, n: usize) {
    let client = tb.client().as_session(owner);
    for i in 0..n {
        let area = client
            .post("/api/v1/areas", json!({"name": format!("Room {i}-{}", Uuid::now_v7())}))
            .await
            .expect_status(201);
        let id = area.body["id"].as_str().expect("area id").to_owned();
        client.post("/api/v1/tables", json!({"area_id": id, "name": format!("T{i}"), "seats": 4})).await;
    }
}

async fn status(tb: &TestBox, owner: &Session) -> Value {
    tb.client().as_session(owner).get("/api/v1/sync/status").await.expect_status(200).body
}

/// Until the cloud has confirmed everything the box has (bounded: 60 s; the back-off after a
/// long outage can be 16 s).
async fn wait_synced(tb: &TestBox, owner: &Session) -> Value {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let s = status(tb, owner).await;
        if s["backlog"] == 0 && s["last_ack_seq"].as_u64() == Some(tb.running().store.last_seq()) {
            return s;
        }
        assert!(Instant::now() < deadline, "never synced: {s}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The cloud holds exactly the box's log: every seq once, the same ids.
async fn assert_cloud_equals_box(cloud: &Cloud, tb: &TestBox, site_id: Uuid) {
    let events = tb.running().store.events_after(0, 100_000).await.expect("box log");
    let client = cloud.pool.get().await.expect("connection");
    let rows = client
        .query("SELECT seq, id FROM events WHERE site_id = $1 ORDER BY seq", &[&site_id])
        .await
        .expect("cloud log");
    let cloud_log: Vec<(u64, Uuid)> = rows.iter().map(|r| (r.get::<_, i64>(0) as u64, r.get::<_, Uuid>(1))).collect();
    let box_log: Vec<(u64, Uuid)> = events.iter().map(|e| (e.seq, e.id.as_uuid())).collect();
    assert!(!box_log.is_empty());
    assert_eq!(cloud_log, box_log, "the cloud's copy of the log differs from the box's");
}

#[tokio::test]
async fn an_evening_reaches_the_cloud_exactly_once() {
    let pg = Postgres::start();
    let (cloud, site_id, tb, owner) = box_syncing_to_a_cloud(&pg).await;
    work(&tb, &owner, 20).await;
    let s = wait_synced(&tb, &owner).await;
    assert_eq!(
        (s["enabled"].as_bool(), s["last_error"].is_null(), s["stopped"].as_bool()),
        (Some(true), true, Some(false)),
        "{s}"
    );
    assert_cloud_equals_box(&cloud, &tb, site_id).await;
    tb.stop().await;
}

#[tokio::test]
async fn a_cloud_down_all_evening_gets_the_whole_backlog_when_it_comes_back() {
    let pg = Postgres::start();
    // The cloud's address is known, but nothing answers there yet.
    let reserved = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = reserved.local_addr().expect("addr");
    drop(reserved);
    let pool = db::pool(&pg.url, 4).expect("pool");
    db::migrate(&pool).await.expect("migrations");
    let offline = Cloud { pool: Arc::new(pool) };
    let (site_id, token) = site(&offline).await;
    let (tb, owner) = boxed(&format!("http://{addr}"), site_id, &token).await;
    work(&tb, &owner, 10).await;
    // The restaurant works on; the sync says why it is behind.
    let deadline = Instant::now() + Duration::from_secs(10);
    let behind = loop {
        let s = status(&tb, &owner).await;
        if s["last_error"].is_string() {
            break s;
        }
        assert!(Instant::now() < deadline, "no error shown while the cloud is down: {s}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(behind["backlog"].as_u64() > Some(0) && behind["last_success"].is_null(), "{behind}");
    assert!(behind["last_error"].as_str().is_some_and(|e| e.contains("not reachable")), "{behind}");

    let listener = tokio::net::TcpListener::bind(addr).await.expect("the cloud comes back on its address");
    let cloud = serve_cloud(&pg, listener).await;
    work(&tb, &owner, 3).await;
    wait_synced(&tb, &owner).await;
    assert_cloud_equals_box(&cloud, &tb, site_id).await;
    tb.stop().await;
}

#[tokio::test]
async fn a_revoked_token_stops_the_uploads_says_why_and_a_new_pairing_resumes_them() {
    let pg = Postgres::start();
    let (cloud, site_id, tb, owner) = box_syncing_to_a_cloud(&pg).await;
    wait_synced(&tb, &owner).await;
    admin::revoke_site(&cloud.pool, site_id).await.expect("revoke");
    work(&tb, &owner, 2).await;
    let deadline = Instant::now() + Duration::from_secs(15);
    let stopped = loop {
        let s = status(&tb, &owner).await;
        if s["stopped"] == true {
            break s;
        }
        assert!(Instant::now() < deadline, "uploads never stopped: {s}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(stopped["last_error"].as_str().is_some_and(|e| e.contains("revoked")), "{stopped}");
    assert!(stopped["backlog"].as_u64() > Some(0), "{stopped}");

    // The owner gets a new code from the cloud and pairs the box again: the uploads resume
    // at once, without a restart, where they stopped (same site: nothing is sent twice).
    let (code, _) = admin::pairing_code(&cloud.pool.get().await.expect("connection"), site_id).await.expect("code");
    let url = stopped["cloud_url"].as_str().expect("url").to_owned();
    let client = tb.client().as_session(&owner);
    let paired = client.post("/api/v1/sync/pair", json!({"cloud_url": url, "code": code})).await.expect_status(200);
    assert_eq!((paired.body["stopped"].as_bool(), paired.body["last_error"].is_null()), (Some(false), true));
    // A code works once.
    let again = client.post("/api/v1/sync/pair", json!({"cloud_url": url, "code": code})).await;
    assert_eq!((again.status, again.error_code()), (422, Some("validation_failed")), "{}", again.text);
    work(&tb, &owner, 2).await;
    wait_synced(&tb, &owner).await;
    assert_cloud_equals_box(&cloud, &tb, site_id).await;
    // Only the owner pairs the box.
    client.post("/api/v1/staff", comanda_testkit::staff_body("marta", "manager", "9999")).await.expect_status(201);
    let marta = tb.client().as_session(&tb.client().pin_login("marta", "9999").await);
    let refused = marta.post("/api/v1/sync/pair", json!({"cloud_url": url, "code": "whatever"})).await;
    assert_eq!(refused.status, 403, "{}", refused.text);
    tb.stop().await;
}

#[tokio::test]
async fn pairing_with_another_site_sends_the_whole_log_there() {
    let pg = Postgres::start();
    let (cloud, first, tb, owner) = box_syncing_to_a_cloud(&pg).await;
    work(&tb, &owner, 3).await;
    wait_synced(&tb, &owner).await;
    let url = status(&tb, &owner).await["cloud_url"].as_str().expect("url").to_owned();
    // The restaurant moves to a new site record (say, a new organisation).
    let (second, _) = admin::create_site(&cloud.pool, "Bistros", "Rue Haute (new)").await.expect("site");
    let (code, _) = admin::pairing_code(&cloud.pool.get().await.expect("connection"), second).await.expect("code");
    let client = tb.client().as_session(&owner);
    // Bad input first: not a URL, an empty code.
    for body in [json!({"cloud_url": "ftp://x", "code": code}), json!({"cloud_url": url, "code": " "})] {
        client.post("/api/v1/sync/pair", body).await.expect_status(422);
    }
    client.post("/api/v1/sync/pair", json!({"cloud_url": url, "code": code})).await.expect_status(200);
    work(&tb, &owner, 2).await;
    wait_synced(&tb, &owner).await;
    assert_cloud_equals_box(&cloud, &tb, second).await;
    // The first site keeps what it had; the old token no longer matters to the box.
    let held = |site: Uuid| {
        let cloud = cloud.clone();
        async move {
            let client = cloud.pool.get().await.expect("connection");
            let row =
                client.query_one("SELECT COUNT(*) FROM events WHERE site_id = $1", &[&site]).await.expect("count");
            row.get::<_, i64>(0)
        }
    };
    assert!(held(first).await < held(second).await);
    tb.stop().await;
}

/// A loopback proxy in front of the cloud that breaks its first connections: the first is cut
/// halfway through the box's request, the second halfway through the cloud's answer (after the
/// cloud committed). Later connections pass. Returns its address and how many it broke.
async fn breaking_proxy(cloud: std::net::SocketAddr) -> (std::net::SocketAddr, Arc<AtomicUsize>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
    let addr = listener.local_addr().expect("addr");
    let broken = Arc::new(AtomicUsize::new(0));
    let count = broken.clone();
    tokio::spawn(async move {
        let mut n = 0usize;
        while let Ok((mut client, _)) = listener.accept().await {
            n += 1;
            let Ok(mut server) = tokio::net::TcpStream::connect(cloud).await else { continue };
            let count = count.clone();
            tokio::spawn(async move {
                let mut buf = vec![0u8; 1 << 16];
                match n {
                    1 => {
                        // Mid-request: half of what the box sent, then both sides closed.
                        let got = client.read(&mut buf).await.unwrap_or(0);
                        let _ = server.write_all(&buf[..got / 2]).await;
                        count.fetch_add(1, Ordering::SeqCst);
                    }
                    2 => {
                        // Mid-answer: the whole request (the cloud takes the batch), then only
                        // the first bytes of its answer.
                        let (mut cr, mut cw) = client.split();
                        let (mut sr, mut sw) = server.split();
                        let forward = async {
                            let mut buf = vec![0u8; 1 << 16];
                            while let Ok(got) = cr.read(&mut buf).await {
                                if got == 0 || sw.write_all(&buf[..got]).await.is_err() {
                                    break;
                                }
                            }
                        };
                        let answer = async {
                            let got = sr.read(&mut buf).await.unwrap_or(0);
                            let _ = cw.write_all(&buf[..got.min(12)]).await;
                        };
                        tokio::select! { _ = forward => {}, _ = answer => {} }
                        count.fetch_add(1, Ordering::SeqCst);
                    }
                    _ => {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                }
            });
        }
    });
    (addr, broken)
}

#[tokio::test]
async fn a_connection_cut_mid_batch_or_mid_answer_loses_nothing_and_doubles_nothing() {
    let pg = Postgres::start();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let cloud_addr = listener.local_addr().expect("addr");
    let cloud = serve_cloud(&pg, listener).await;
    let (site_id, token) = site(&cloud).await;
    let (proxy, broken) = breaking_proxy(cloud_addr).await;
    let (tb, owner) = boxed(&format!("http://{proxy}"), site_id, &token).await;
    work(&tb, &owner, 5).await;
    wait_synced(&tb, &owner).await;
    assert_eq!(broken.load(Ordering::SeqCst), 2, "both cuts happened");
    assert_cloud_equals_box(&cloud, &tb, site_id).await;
    tb.stop().await;
}

#[tokio::test]
async fn the_cloud_restarting_while_the_box_sends_loses_nothing() {
    let pg = Postgres::start();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (_, server) = serve_cloud_stoppable(&pg, listener).await;
    let pool = db::pool(&pg.url, 4).expect("pool");
    let cloud = Cloud { pool: Arc::new(pool) };
    let (site_id, token) = site(&cloud).await;
    let (tb, owner) = boxed(&format!("http://{addr}"), site_id, &token).await;
    work(&tb, &owner, 10).await;
    // The cloud dies with whatever it was doing, and comes back on its address.
    server.abort();
    let _ = server.await;
    work(&tb, &owner, 10).await;
    let listener = tokio::net::TcpListener::bind(addr).await.expect("rebind");
    let (_, again) = serve_cloud_stoppable(&pg, listener).await;
    work(&tb, &owner, 5).await;
    wait_synced(&tb, &owner).await;
    assert_cloud_equals_box(&cloud, &tb, site_id).await;
    again.abort();
    tb.stop().await;
}

#[tokio::test]
async fn the_box_syncs_over_https_and_trusts_only_the_cas_it_is_given() {
    let pg = Postgres::start();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let cloud_addr = listener.local_addr().expect("addr");
    let cloud = serve_cloud(&pg, listener).await;
    let (site_id, token) = site(&cloud).await;
    // The cloud behind a TLS front with a private CA (the box's own CA code makes one).
    let certs = tempfile::tempdir().expect("tempdir");
    let tls = comanda_appliance::tls::load(certs.path(), &["127.0.0.1".parse().expect("ip")]).expect("certificates");
    let front = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind front");
    let url = format!("https://localhost:{}", front.local_addr().expect("addr").port());
    let acceptor = tls.acceptor.clone();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = front.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let (Ok(mut outer), Ok(mut inner)) =
                    (acceptor.accept(tcp).await, tokio::net::TcpStream::connect(cloud_addr).await)
                else {
                    return;
                };
                let _ = tokio::io::copy_bidirectional(&mut outer, &mut inner).await;
            });
        }
    });
    let link = CloudLink { url, site_id, token };

    // A box that was not told to trust that CA refuses the cloud, and says why.
    let stranger = TestBox::start_configured(|c| c.cloud = Some(link.clone())).await.expect("box");
    let owner = stranger.set_up().await;
    let deadline = Instant::now() + Duration::from_secs(15);
    let refused = loop {
        let s = status(&stranger, &owner).await;
        if s["last_error"].is_string() {
            break s;
        }
        assert!(Instant::now() < deadline, "no error shown: {s}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(refused["last_error"].as_str().is_some_and(|e| e.contains("certificate")), "{refused}");
    assert_eq!(refused["last_ack_seq"], 0);
    stranger.stop().await;

    // Given the CA file, it syncs (and the token travels encrypted).
    let ca_file = certs.path().join("tls/ca.pem");
    let tb = TestBox::start_configured(|c| {
        c.cloud = Some(link);
        c.cloud_ca_file = Some(ca_file);
    })
    .await
    .expect("box");
    let owner = tb.set_up().await;
    work(&tb, &owner, 3).await;
    wait_synced(&tb, &owner).await;
    assert_cloud_equals_box(&cloud, &tb, site_id).await;
    tb.stop().await;

    // A CA file that is not one stops the box at start with the reason.
    let junk = certs.path().join("junk.pem");
    std::fs::write(&junk, "not a certificate").expect("write");
    let failed = TestBox::start_configured(|c| c.cloud_ca_file = Some(junk)).await;
    assert!(failed.as_ref().err().is_some_and(|e| format!("{e:#}").contains("CA file")), "the box starts anyway");
}
