//! Optional HTTPS (`tls = true`): a local certificate authority made once on the box (its key
//! stays in the data dir, 0600), and a server certificate for the box's names and addresses
//! (`comanda.local`, `localhost`, its IPs) signed by it at every start — so a DHCP change is
//! picked up on restart. Tablets trust the box by installing the CA certificate once, from
//! `GET /api/v1/system/ca.pem` (linked from the console at start and the setup page).

use std::fs;
use std::net::{IpAddr, SocketAddr};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use axum::Router;
use axum::extract::ConnectInfo;
use comanda_store::write_file_durably;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose, SanType,
};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio_rustls::TlsAcceptor;
use tower::ServiceExt;

/// What serving HTTPS needs.
pub struct Tls {
    pub acceptor: TlsAcceptor,
    /// The CA certificate, for tablets to install.
    pub ca_pem: String,
}

fn ca_params() -> anyhow::Result<CertificateParams> {
    let mut params = CertificateParams::new(Vec::<String>::new())?;
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.distinguished_name.push(DnType::CommonName, "Comanda box CA");
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign, KeyUsagePurpose::DigitalSignature];
    params.not_after = rcgen::date_time_ymd(2046, 1, 1);
    Ok(params)
}

/// Loads the box's CA (creating it on first use) and issues a fresh server certificate.
pub fn load(data_dir: &Path, ips: &[IpAddr]) -> anyhow::Result<Tls> {
    let dir = data_dir.join("tls");
    fs::create_dir_all(&dir)?;
    let (ca_pem_path, ca_key_path) = (dir.join("ca.pem"), dir.join("ca.key"));
    // ca.pem is written last: without it the CA is made anew (a key alone was never shown to
    // a tablet), with it the pair is complete.
    if !ca_pem_path.exists() {
        let key = KeyPair::generate().context("cannot make the CA key")?;
        let ca = CertifiedIssuer::self_signed(ca_params()?, key).context("cannot make the CA certificate")?;
        write_file_durably(&ca_key_path, ca.key().serialize_pem().as_bytes(), 0o600)?;
        write_file_durably(&ca_pem_path, ca.pem().as_bytes(), 0o644)?;
    }
    let ca_pem = fs::read_to_string(&ca_pem_path)?;
    let ca_key = KeyPair::from_pem(&fs::read_to_string(&ca_key_path)?).context("the CA key is unreadable")?;
    // The issuer is rebuilt from the same parameters and key, so what it signs chains to ca.pem.
    let ca_params = ca_params()?;
    let issuer = Issuer::from_params(&ca_params, ca_key);

    let server_key = KeyPair::generate()?;
    let mut params = CertificateParams::new(vec!["comanda.local".to_owned(), "localhost".to_owned()])?;
    params.distinguished_name.push(DnType::CommonName, "comanda.local");
    params.subject_alt_names.extend(ips.iter().map(|ip| SanType::IpAddress(*ip)));
    // Apple devices refuse server certificates valid for more than 825 days, even from a
    // CA the user installed; a fresh one is issued at every start anyway.
    let now = time::OffsetDateTime::now_utc();
    params.not_before = now - time::Duration::days(1);
    params.not_after = now + time::Duration::days(800);
    let server = params.signed_by(&server_key, &issuer).context("cannot issue the server certificate")?;

    let ca_der = CertificateDer::from_pem_slice(ca_pem.as_bytes()).context("the CA PEM is malformed")?;
    let chain = vec![server.der().clone(), ca_der];
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(server_key.serialize_der()));
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(chain, key)?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(Tls { acceptor: TlsAcceptor::from(Arc::new(config)), ca_pem })
}

/// `GET /api/v1/system/ca.pem`: the CA certificate, for tablets to install (no login: it is
/// public by nature, and a tablet installs it before anyone signs in).
pub fn router(ca_pem: String) -> Router {
    let ca_pem: Arc<str> = ca_pem.into();
    Router::new().route(
        "/api/v1/system/ca.pem",
        axum::routing::get(move || {
            let ca_pem = ca_pem.clone();
            async move {
                (
                    [
                        (axum::http::header::CONTENT_TYPE, "application/x-x509-ca-cert"),
                        (axum::http::header::CONTENT_DISPOSITION, "attachment; filename=\"comanda-ca.pem\""),
                    ],
                    ca_pem.to_string(),
                )
            }
        }),
    )
}

/// Accepts HTTPS connections until `stop`, then lets the open ones finish what they are
/// doing (the caller bounds how long); each connection is served by `app` (HTTP/1 or 2,
/// WebSocket upgrades included). A handshake that stalls is dropped after 10 s.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    acceptor: TlsAcceptor,
    mut stop: watch::Receiver<bool>,
) -> std::io::Result<()> {
    let graceful = GracefulShutdown::new();
    loop {
        let (stream, peer): (tokio::net::TcpStream, SocketAddr) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(e) => {
                    tracing::warn!(error = %e, "accept failed");
                    continue;
                }
            },
            _ = stop.wait_for(|s| *s) => break,
        };
        // As for plain HTTP (see `app.rs`): small frames must not wait for the peer's ACK.
        if let Err(e) = stream.set_nodelay(true) {
            tracing::debug!(error = %e, "could not set TCP_NODELAY");
        }
        let (acceptor, app, watcher) = (acceptor.clone(), app.clone(), graceful.watcher());
        tokio::spawn(async move {
            let Ok(Ok(tls)) = tokio::time::timeout(Duration::from_secs(10), acceptor.accept(stream)).await else {
                return; // not TLS, or too slow: nothing to answer
            };
            let app = app.map_request(move |mut req: hyper::Request<hyper::body::Incoming>| {
                req.extensions_mut().insert(ConnectInfo(peer));
                req
            });
            let service = TowerToHyperService::new(app);
            let builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
            let connection = builder.serve_connection_with_upgrades(TokioIo::new(tls), service).into_owned();
            if let Err(e) = watcher.watch(connection).await {
                tracing::debug!(error = %e, "https connection ended");
            }
        });
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}
