//! The `comanda` appliance: reads the configuration, opens the store, builds every service,
//! mounts their routers behind the gateway, and serves until told to stop.
//!
//! This crate only wires. Business rules live in the service crates; it never runs SQL of its
//! own beyond opening the store. `start` takes everything it needs as arguments, so a test
//! builds a whole box on a temp dir in one call (see `comanda-testkit`).

pub mod app;
pub mod backup;
pub mod check;
pub mod config;
pub mod console;
pub mod demo;
pub mod gateway;
pub mod hub;
pub mod mdns;
pub mod metrics;
pub mod system_update;
pub mod tls;
pub mod update;
pub mod webui;

pub use app::{Running, migrations, start};
pub use config::{Config, Overrides};

/// This build's version: the package version, plus `+LABEL` when built with
/// `COMANDA_BUILD=LABEL` (`cargo xtask image` labels its builds, so an update shows).
pub fn version() -> &'static str {
    static VERSION: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| match option_env!("COMANDA_BUILD") {
        Some(label) if !label.is_empty() => format!("{}+{label}", env!("CARGO_PKG_VERSION")),
        _ => env!("CARGO_PKG_VERSION").to_owned(),
    });
    VERSION.as_str()
}
