//! Building blocks for tests that drive Comanda the way its users do: over HTTP and WebSocket
//! on loopback, against a whole box on a temp data dir — in-process ([`TestBox`]) or as the
//! real `comanda` binary ([`BinaryBox`]) when a test needs to `kill -9` it.
//!
//! Everything here talks to 127.0.0.1 only.

mod binary;
mod client;
mod fake_printer;
mod postgres;
mod smtp_sink;
mod stream;

use std::sync::Arc;

use comanda_appliance::{Config, Running};
use comanda_domain::{Clock, ManualClock, SystemClock};
use serde_json::{Value, json};

pub use binary::{BinaryBox, run_cli};
pub use client::{Client, Raw, Reply, Session};
pub use fake_printer::{FakePrinter, PrinterMode};
pub use postgres::Postgres;
pub use smtp_sink::{Mail, SmtpSink};
pub use stream::EventStream;

/// The owner every test box is set up with.
pub const OWNER_USERNAME: &str = "olivia";
pub const OWNER_PASSWORD: &str = "correct horse battery";

/// A whole appliance in this process, on `127.0.0.1:<free port>` and a temp data dir.
pub struct TestBox {
    running: Option<Running>,
    pub base: String,
    pub dir: tempfile::TempDir,
    pub clock: Option<ManualClock>,
    config: Config,
}

impl TestBox {
    pub async fn start() -> anyhow::Result<Self> {
        Self::start_with(None).await
    }

    /// A box whose clock only moves when the test says so (token expiry, rate-limit windows).
    pub async fn start_with_clock(clock: ManualClock) -> anyhow::Result<Self> {
        Self::start_with(Some(clock)).await
    }

    /// A box whose configuration `tweak` adjusts (e.g. a short printer reroute time).
    pub async fn start_configured(tweak: impl FnOnce(&mut Config)) -> anyhow::Result<Self> {
        Self::start_inner(None, tweak).await
    }

    /// Both: a manual clock and a configuration `tweak`.
    pub async fn start_with_clock_configured(
        clock: ManualClock,
        tweak: impl FnOnce(&mut Config),
    ) -> anyhow::Result<Self> {
        Self::start_inner(Some(clock), tweak).await
    }

    async fn start_with(clock: Option<ManualClock>) -> anyhow::Result<Self> {
        Self::start_inner(clock, |_| {}).await
    }

    async fn start_inner(clock: Option<ManualClock>, tweak: impl FnOnce(&mut Config)) -> anyhow::Result<Self> {
        let dir = tempfile::tempdir()?;
        let mut config = Config {
            listen: "127.0.0.1:0".parse()?,
            data_dir: dir.path().join("data"),
            mdns: false,
            log_format: comanda_appliance::config::LogFormat::Text,
            print_reroute_after_secs: 30,
            tls: false,
            backup_copy_dir: None,
            cloud_ca_file: None,
            notifications: Default::default(),
            cloud: None,
        };
        tweak(&mut config);
        let box_clock: Arc<dyn Clock> = match &clock {
            Some(c) => Arc::new(c.clone()),
            None => Arc::new(SystemClock),
        };
        let running = comanda_appliance::start(&config, box_clock).await?;
        let base = format!("http://{}", running.addr);
        Ok(Self { running: Some(running), base, dir, clock, config })
    }

    /// A clean shutdown and a start again on the same data dir (and clock), like a restart of
    /// the service; the box listens on a new port (`base` follows).
    pub async fn restart(&mut self) -> anyhow::Result<()> {
        if let Some(running) = self.running.take() {
            running.shutdown().await?;
        }
        let box_clock: Arc<dyn Clock> = match &self.clock {
            Some(c) => Arc::new(c.clone()),
            None => Arc::new(SystemClock),
        };
        let running = comanda_appliance::start(&self.config, box_clock).await?;
        self.base = format!("http://{}", running.addr);
        self.running = Some(running);
        Ok(())
    }

    pub fn running(&self) -> &Running {
        self.running.as_ref().expect("box is running")
    }

    pub fn client(&self) -> Client {
        Client::new(&self.base)
    }

    /// First-start setup with [`OWNER_USERNAME`], then an owner session.
    pub async fn set_up(&self) -> Session {
        set_up(&self.client()).await
    }

    pub fn events_url(&self) -> String {
        format!("{}/api/v1/events", self.base.replacen("http://", "ws://", 1))
    }

    pub async fn stop(mut self) {
        if let Some(running) = self.running.take() {
            running.shutdown().await.expect("clean shutdown");
        }
    }
}

/// Sets up a fresh box and logs the owner in.
pub async fn set_up(client: &Client) -> Session {
    let body = json!({
        "restaurant": {"name": "Chez Test", "currency": "EUR", "prices_include_tax": true},
        "owner": {"name": "Olivia Owner", "username": OWNER_USERNAME, "password": OWNER_PASSWORD}
    });
    client.post("/api/v1/setup", body).await.expect_status(201);
    client.login(OWNER_USERNAME, OWNER_PASSWORD).await
}

/// The ids of the modifier groups in a `GET /api/v1/menu` answer that an item's line must
/// choose from (`min` > 0): an item with none of them can be ordered plainly.
pub fn required_modifier_groups(menu: &Value) -> Vec<&str> {
    let groups = menu["modifier_groups"].as_array().map(Vec::as_slice).unwrap_or_default();
    groups.iter().filter(|g| g["min"].as_u64() > Some(0)).filter_map(|g| g["id"].as_str()).collect()
}

/// A staff member to create: `(name, username, role, pin)`.
pub fn staff_body(username: &str, role: &str, pin: &str) -> Value {
    json!({"name": format!("Staff {username}"), "username": username, "role": role, "pin": pin,
           "password": if matches!(role, "owner" | "manager") { Some("a long password") } else { None }})
}
