//! On the restaurant's LAN the box announces itself over mDNS (BRIEF §7): the service
//! `_comanda._tcp.local.` (instance = the restaurant's name, TXT `version`, `site`,
//! `api=/api/v1`, `path=/`) and the host name `comanda.local`, on every interface it has
//! (addresses follow DHCP changes), so tablets find it without typing an IP. Withdrawn on
//! shutdown. `comanda discover` lists the boxes it hears.

use std::time::{Duration, Instant};

use anyhow::Context;
use mdns_sd::{ServiceDaemon, ServiceEvent, ServiceInfo};

pub const SERVICE_TYPE: &str = "_comanda._tcp.local.";
pub const HOST_NAME: &str = "comanda.local.";

/// An active announcement; `withdraw` says goodbye on the LAN.
pub struct Advertiser {
    daemon: ServiceDaemon,
    fullname: String,
}

impl std::fmt::Debug for Advertiser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Advertiser").field("fullname", &self.fullname).finish()
    }
}

pub fn advertise(restaurant: &str, site: &str, port: u16) -> anyhow::Result<Advertiser> {
    let daemon = ServiceDaemon::new().context("cannot start mDNS")?;
    let properties = [("version", env!("CARGO_PKG_VERSION")), ("site", site), ("api", "/api/v1"), ("path", "/")];
    let info = ServiceInfo::new(SERVICE_TYPE, restaurant, HOST_NAME, "", port, &properties[..])
        .context("cannot describe the mDNS service")?
        .enable_addr_auto();
    let fullname = info.get_fullname().to_owned();
    daemon.register(info).context("cannot announce the box over mDNS")?;
    tracing::info!(service = %fullname, host = HOST_NAME, port, "announced on the LAN over mDNS");
    Ok(Advertiser { daemon, fullname })
}

impl Advertiser {
    pub fn withdraw(self) {
        if let Ok(done) = self.daemon.unregister(&self.fullname) {
            let _ = done.recv_timeout(Duration::from_secs(2));
        }
        if let Ok(done) = self.daemon.shutdown() {
            let _ = done.recv_timeout(Duration::from_secs(2));
        }
    }
}

/// A box heard on the LAN.
#[derive(Debug)]
pub struct Found {
    pub name: String,
    pub urls: Vec<String>,
    pub version: String,
    pub site: String,
}

/// Listens for `within` and returns every box that answered.
pub fn discover(within: Duration) -> anyhow::Result<Vec<Found>> {
    let daemon = ServiceDaemon::new().context("cannot start mDNS")?;
    let events = daemon.browse(SERVICE_TYPE).context("cannot browse mDNS")?;
    let deadline = Instant::now() + within;
    let mut found: Vec<Found> = Vec::new();
    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
        let Ok(event) = events.recv_timeout(left) else { break };
        if let ServiceEvent::ServiceResolved(service) = event {
            let name = service.fullname.trim_end_matches(SERVICE_TYPE).trim_end_matches('.').to_owned();
            let urls =
                service.addresses.iter().map(|a| format!("http://{}:{}/", a.to_ip_addr(), service.port)).collect();
            let prop = |k: &str| service.txt_properties.get_property_val_str(k).unwrap_or_default().to_owned();
            let entry = Found { name, urls, version: prop("version"), site: prop("site") };
            if !found.iter().any(|f| f.name == entry.name) {
                found.push(entry);
            }
        }
    }
    let _ = daemon.shutdown();
    Ok(found)
}
