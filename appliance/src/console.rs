//! What the box prints for a person at its console: where to open it, and the demo logins.
//! (Logs go through `tracing`; this is the one place that writes to stdout on purpose.)
#![allow(clippy::print_stdout)]

use std::net::{IpAddr, SocketAddr};

use crate::demo::{self, DemoOutcome};

pub fn say(line: &str) {
    println!("{line}");
}

/// The addresses the box answers on: the listen address itself, or, when listening on all
/// interfaces, every non-loopback IPv4 address (127.0.0.1 when there is none).
pub fn lan_ips(addr: SocketAddr) -> Vec<IpAddr> {
    if !addr.ip().is_unspecified() {
        return vec![addr.ip()];
    }
    let mut ips: Vec<IpAddr> = if_addrs::get_if_addrs()
        .unwrap_or_default()
        .into_iter()
        .map(|i| i.ip())
        .filter(|ip| ip.is_ipv4() && !ip.is_loopback())
        .collect();
    ips.sort();
    ips.dedup();
    if ips.is_empty() {
        ips.push(IpAddr::from([127, 0, 0, 1]));
    }
    ips
}

fn port_suffix(addr: SocketAddr, tls: bool) -> String {
    match (addr.port(), tls) {
        (80, false) | (443, true) => String::new(),
        (port, _) => format!(":{port}"),
    }
}

/// The box's addresses as tablets should type them (some Android tablets cannot resolve
/// `.local`).
pub fn urls(addr: SocketAddr, tls: bool) -> Vec<String> {
    let (scheme, port) = (if tls { "https" } else { "http" }, port_suffix(addr, tls));
    lan_ips(addr)
        .into_iter()
        .map(|ip| match ip {
            IpAddr::V6(ip) => format!("{scheme}://[{ip}]{port}/"),
            IpAddr::V4(ip) => format!("{scheme}://{ip}{port}/"),
        })
        .collect()
}

pub fn serving(addr: SocketAddr, mdns: bool, tls: bool) {
    print!("{}", banner(addr, mdns, tls));
}

/// Where to open the box, and (listening on every interface) a QR code of its first address:
/// printed at start, and the appliance's console shows it above the login prompt.
pub fn banner(addr: SocketAddr, mdns: bool, tls: bool) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let urls = urls(addr, tls);
    for url in &urls {
        let _ = writeln!(out, "Comanda is running at {url}");
    }
    if mdns {
        let scheme = if tls { "https" } else { "http" };
        let _ = writeln!(out, "  on this network also at {scheme}://comanda.local{}/", port_suffix(addr, tls));
    }
    if let Some(first) = urls.first() {
        let _ = writeln!(out, "  API docs: {first}api/v1/openapi.json");
        if tls {
            let _ = writeln!(out, "  tablets trust the box once they install {first}api/v1/system/ca.pem");
        }
        // A QR code of the address, for tablets at the console (the setup screen shows one too).
        if addr.ip().is_unspecified()
            && let Ok(code) = qrcode::QrCode::new(first.as_bytes())
        {
            let _ = writeln!(out, "{}", code.render::<qrcode::render::unicode::Dense1x2>().quiet_zone(true).build());
        }
    }
    out
}

pub fn demo(outcome: &DemoOutcome) {
    match outcome {
        DemoOutcome::RealRestaurant(name) => {
            println!("--demo ignored: this data dir already holds the restaurant {name:?}.");
            return;
        }
        DemoOutcome::Created => println!("Demo restaurant \"Bistro Demo\" created. Logins:"),
        DemoOutcome::AlreadyDemo => println!("Demo restaurant \"Bistro Demo\". Logins:"),
    }
    let all = std::iter::once(("Olivia Owner", demo::OWNER)).chain(demo::STAFF.iter().map(|(n, l, _)| (*n, l.clone())));
    for (name, login) in all {
        let password = login.password.map(|p| format!("password {p}")).unwrap_or_default();
        let pin = login.pin.map(|p| format!("PIN {p}")).unwrap_or_default();
        println!("  {:<8} {:<9} {:<14} {:<24} {}", login.role.as_str(), login.username, name, password, pin);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tablets_get_an_address_they_can_type() {
        // (listen address, HTTPS on, the URLs shown)
        let table: [(&str, bool, &[&str]); 5] = [
            ("127.0.0.1:8080", false, &["http://127.0.0.1:8080/"]),
            ("192.168.1.20:80", false, &["http://192.168.1.20/"]),
            ("192.168.1.20:443", true, &["https://192.168.1.20/"]),
            ("192.168.1.20:80", true, &["https://192.168.1.20:80/"]),
            ("[::1]:8080", false, &["http://[::1]:8080/"]),
        ];
        for (listen, tls, shown) in table {
            assert_eq!(urls(listen.parse().expect("addr"), tls), shown, "{listen}");
        }
        // Every interface: real addresses, never 0.0.0.0 or loopback (unless nothing else).
        let all = urls("0.0.0.0:80".parse().expect("addr"), false);
        assert!(!all.is_empty() && all.iter().all(|u| !u.contains("0.0.0.0")), "{all:?}");
    }
}
