//! A throwaway PostgreSQL for tests outside Rust (the browser tests): starts a cluster in a
//! temp dir on 127.0.0.1, prints `postgres at URL`, and removes it when stdin closes.

use std::io::{BufRead, Write};

fn main() {
    let pg = comanda_testkit::Postgres::start();
    let mut out = std::io::stdout();
    let _ = writeln!(out, "postgres at {}", pg.url);
    let _ = out.flush();
    // Until the caller closes stdin (or exits): then the cluster stops and is removed.
    for _ in std::io::stdin().lock().lines().map_while(Result::ok) {}
    drop(pg);
}
