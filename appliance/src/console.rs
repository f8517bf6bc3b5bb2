//! What the box prints for a person at its console: where to open it, and the demo logins.
//! (Logs go through `tracing`; this is the one place that writes to stdout on purpose.)
#![allow(clippy::print_stdout)]

use std::net::SocketAddr;

use crate::demo::{self, DemoOutcome};

pub fn say(line: &str) {
    println!("{line}");
}

/// The box's addresses as tablets should type them (some Android tablets cannot resolve
/// `.local`): every non-loopback IPv4 address when listening on all interfaces.
pub fn urls(addr: SocketAddr) -> Vec<String> {
    let port = if addr.port() == 80 { String::new() } else { format!(":{}", addr.port()) };
    if !addr.ip().is_unspecified() {
        let host = if addr.ip().is_ipv6() { format!("[{}]", addr.ip()) } else { addr.ip().to_string() };
        return vec![format!("http://{host}{port}/")];
    }
    let mut ips: Vec<std::net::IpAddr> = if_addrs::get_if_addrs()
        .unwrap_or_default()
        .into_iter()
        .map(|i| i.ip())
        .filter(|ip| ip.is_ipv4() && !ip.is_loopback())
        .collect();
    ips.sort();
    ips.dedup();
    if ips.is_empty() {
        return vec![format!("http://127.0.0.1{port}/")];
    }
    ips.into_iter().map(|ip| format!("http://{ip}{port}/")).collect()
}

pub fn serving(addr: SocketAddr, mdns: bool) {
    let urls = urls(addr);
    for url in &urls {
        println!("Comanda is running at {url}");
    }
    if mdns {
        let port = if addr.port() == 80 { String::new() } else { format!(":{}", addr.port()) };
        println!("  on this network also at http://comanda.local{port}/");
    }
    if let Some(first) = urls.first() {
        println!("  API docs: {first}api/v1/openapi.json");
        // A QR code of the address, for tablets at the console (the setup screen shows one too).
        if addr.ip().is_unspecified()
            && let Ok(code) = qrcode::QrCode::new(first.as_bytes())
        {
            println!("{}", code.render::<qrcode::render::unicode::Dense1x2>().quiet_zone(true).build());
        }
    }
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
        // (listen address, the URLs shown)
        let table: [(&str, &[&str]); 3] = [
            ("127.0.0.1:8080", &["http://127.0.0.1:8080/"]),
            ("192.168.1.20:80", &["http://192.168.1.20/"]),
            ("[::1]:8080", &["http://[::1]:8080/"]),
        ];
        for (listen, shown) in table {
            assert_eq!(urls(listen.parse().expect("addr")), shown, "{listen}");
        }
        // Every interface: real addresses, never 0.0.0.0 or loopback (unless nothing else).
        let all = urls("0.0.0.0:80".parse().expect("addr"));
        assert!(!all.is_empty() && all.iter().all(|u| !u.contains("0.0.0.0")), "{all:?}");
    }
}
