//! What the box prints for a person at its console: where to open it, and the demo logins.
//! (Logs go through `tracing`; this is the one place that writes to stdout on purpose.)
#![allow(clippy::print_stdout)]

use std::net::SocketAddr;

use crate::demo::{self, DemoOutcome};

pub fn say(line: &str) {
    println!("{line}");
}

pub fn serving(addr: SocketAddr) {
    let host = if addr.ip().is_unspecified() { "<this box's IP>".to_owned() } else { addr.ip().to_string() };
    let host = if addr.ip().is_ipv6() && !addr.ip().is_unspecified() { format!("[{host}]") } else { host };
    println!("Comanda is running at http://{host}:{}/", addr.port());
    println!("  API docs: http://{host}:{}/api/v1/openapi.json", addr.port());
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
