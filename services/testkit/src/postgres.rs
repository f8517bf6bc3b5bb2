//! A throwaway PostgreSQL for tests: `initdb` and `pg_ctl` from Debian's `postgresql` package
//! (`.ci/run` installs it) in a temp dir, on 127.0.0.1 and a free port, as an unprivileged
//! user (the `postgres` account when the tests run as root). Stopped and removed when dropped.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;

pub struct Postgres {
    dir: tempfile::TempDir,
    bin: PathBuf,
    pub url: String,
    as_postgres: bool,
}

fn bin_dir() -> PathBuf {
    let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .expect("PostgreSQL's server is not installed: run .ci/run as root, or apt-get install postgresql")
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .filter(|bin| bin.join("initdb").exists())
        .collect();
    found.sort();
    found.pop().expect("no initdb under /usr/lib/postgresql/*/bin")
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().is_ok_and(|o| o.stdout.starts_with(b"0\n"))
}

impl Postgres {
    pub fn start() -> Self {
        let bin = bin_dir();
        let dir = tempfile::tempdir().expect("tempdir");
        let as_postgres = is_root();
        if as_postgres {
            let status = Command::new("chown").arg("postgres:postgres").arg(dir.path()).status().expect("chown");
            assert!(status.success(), "chown of the cluster dir");
        }
        let port = TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("free port").port();
        let data = dir.path().join("data");
        let pg = Self { bin, url: format!("postgres://comanda@127.0.0.1:{port}/postgres"), dir, as_postgres };
        pg.run("initdb", &["-D", path(&data), "-U", "comanda", "--auth=trust", "-E", "UTF8", "--no-sync"]);
        let options =
            format!("-c listen_addresses=127.0.0.1 -p {port} -k {} -c max_connections=200", path(pg.dir.path()));
        let log = pg.dir.path().join("postgres.log");
        pg.run("pg_ctl", &["-D", path(&data), "-l", path(&log), "-o", &options, "-w", "start"]);
        pg
    }

    /// A PostgreSQL tool, run as the `postgres` user when the tests run as root.
    fn tool(&self, tool: &str) -> Command {
        let program = self.bin.join(tool);
        if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&program);
            c
        } else {
            Command::new(&program)
        }
    }

    fn run(&self, tool: &str, args: &[&str]) {
        let mut command = self.tool(tool);
        let out = command.args(args).output().unwrap_or_else(|e| panic!("cannot run {tool}: {e}"));
        assert!(
            out.status.success(),
            "{tool} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let data = self.dir.path().join("data");
        let mut command = self.tool("pg_ctl");
        let _ = command.args(["-D", path(&data), "-m", "immediate", "stop"]).output();
    }
}

fn path(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}
