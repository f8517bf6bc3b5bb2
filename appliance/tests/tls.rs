//! HTTPS: a tablet that installed the box's CA certificate once talks to the box by name or
//! address, across restarts (the CA stays; the server certificate is reissued); a device that
//! did not install it is refused at the handshake.

use std::net::SocketAddr;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::sync::Arc;

use comanda_appliance::{Config, Running};
use comanda_domain::SystemClock;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_rustls::TlsConnector;

async fn start(data_dir: &Path) -> Running {
    let config = Config {
        listen: "127.0.0.1:0".parse().expect("addr"),
        data_dir: data_dir.to_owned(),
        tls: true,
        ..Config::default()
    };
    comanda_appliance::start(&config, Arc::new(SystemClock)).await.expect("box starts with HTTPS")
}

/// A client that trusts exactly the certificates in `roots`.
fn connector(roots: &[CertificateDer<'static>]) -> TlsConnector {
    let mut store = rustls::RootCertStore::empty();
    for root in roots {
        store.add(root.clone()).expect("root");
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_root_certificates(store)
        .with_no_client_auth();
    TlsConnector::from(Arc::new(config))
}

/// `GET path` over HTTPS to `addr`, checking the certificate against `name`; the raw response.
async fn get(tls: &TlsConnector, addr: SocketAddr, name: &str, path: &str) -> std::io::Result<String> {
    let tcp = tokio::net::TcpStream::connect(addr).await?;
    let server_name = ServerName::try_from(name.to_owned()).expect("server name");
    let mut stream = tls.connect(server_name, tcp).await?;
    let request = format!("GET {path} HTTP/1.1\r\nHost: {name}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await?;
    Ok(String::from_utf8_lossy(&response).into_owned())
}

fn ca(data_dir: &Path) -> CertificateDer<'static> {
    CertificateDer::from_pem_file(data_dir.join("tls/ca.pem")).expect("the box keeps its CA in tls/ca.pem")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tablets_that_installed_the_ca_are_served_and_others_are_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    // A power cut while the CA was first being made left a key and no certificate.
    std::fs::create_dir_all(data.join("tls")).expect("mkdir");
    std::fs::write(data.join("tls/ca.key"), "half a key").expect("write");
    let running = start(&data).await;
    let ca_before = ca(&data);
    let mode = std::fs::metadata(data.join("tls/ca.key")).expect("ca.key").permissions().mode();
    assert_eq!(mode & 0o077, 0, "the CA key is readable by others: {mode:o}");

    let trusting = connector(std::slice::from_ref(&ca_before));
    for name in ["comanda.local", "localhost", "127.0.0.1"] {
        let response = get(&trusting, running.addr, name, "/healthz").await.expect(name);
        assert!(response.starts_with("HTTP/1.1 200"), "{name}: {response}");
    }
    // The CA is offered for download, and it is the one on disk.
    let response = get(&trusting, running.addr, "comanda.local", "/api/v1/system/ca.pem").await.expect("ca.pem");
    let body = response.split("\r\n\r\n").nth(1).expect("body");
    assert_eq!(CertificateDer::from_pem_slice(body.as_bytes()).expect("a PEM certificate"), ca_before);

    // A device that never installed the CA, or asks for a name the box is not, gets no answer.
    let stranger = connector(&[]);
    assert!(get(&stranger, running.addr, "comanda.local", "/healthz").await.is_err(), "untrusted CA accepted");
    assert!(get(&trusting, running.addr, "example.com", "/healthz").await.is_err(), "wrong name accepted");
    // Plain HTTP to the HTTPS port gets no HTTP answer either (and does not stop the box).
    let mut plain = tokio::net::TcpStream::connect(running.addr).await.expect("connect");
    plain.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").await.expect("write");
    let mut answer = Vec::new();
    let _ = plain.read_to_end(&mut answer).await;
    assert!(!answer.starts_with(b"HTTP/1.1 200"), "{}", String::from_utf8_lossy(&answer));
    running.shutdown().await.expect("shutdown");

    // After a restart the tablet's installed CA still works: the CA is kept, not remade.
    let running = start(&data).await;
    assert_eq!(ca(&data), ca_before, "the CA changed across a restart");
    let response = get(&trusting, running.addr, "comanda.local", "/healthz").await.expect("after restart");
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    running.shutdown().await.expect("shutdown");
}
