//! The real `comanda` binary as a child process: for tests of what only a process shows —
//! `kill -9`, signals, the CLI.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct BinaryBox {
    child: Child,
    pub base: String,
    pub data_dir: PathBuf,
    bin: PathBuf,
}

impl BinaryBox {
    /// Starts `bin serve` on a free loopback port with `data_dir`, and waits for it to say
    /// where it listens (at most 30 s).
    pub fn spawn(bin: &Path, data_dir: &Path) -> Self {
        Self::spawn_with_args(bin, data_dir, &[])
    }

    /// [`spawn`](Self::spawn) with extra `serve` flags (e.g. `--demo`).
    pub fn spawn_with_args(bin: &Path, data_dir: &Path, extra: &[&str]) -> Self {
        let mut child = Command::new(bin)
            .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
            .arg(data_dir)
            .args(extra)
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("comanda starts");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(url) = line.strip_prefix("Comanda is running at ") {
                    let _ = tx.send(url.trim_end_matches('/').to_owned());
                }
            }
        });
        let base = rx.recv_timeout(Duration::from_secs(30)).expect("comanda prints its URL");
        Self { child, base, data_dir: data_dir.to_owned(), bin: bin.to_owned() }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// SIGKILL: no shutdown code runs. What was acknowledged must survive this.
    pub fn kill_9(&mut self) {
        self.child.kill().expect("kill -9");
        let _ = self.child.wait();
    }

    /// SIGTERM, then waits (at most `limit`) for the exit status.
    pub fn terminate(mut self, limit: Duration) -> Option<std::process::ExitStatus> {
        let _ = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status();
        let started = Instant::now();
        while started.elapsed() < limit {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        None
    }

    /// Runs another subcommand of the same binary on the same data dir.
    pub fn cli(&self, args: &[&str], stdin: Option<&str>) -> std::process::Output {
        run_cli(&self.bin, &self.data_dir, args, stdin)
    }
}

/// `bin <args> --data-dir <data_dir>`, feeding `stdin` if given.
pub fn run_cli(bin: &Path, data_dir: &Path, args: &[&str], stdin: Option<&str>) -> std::process::Output {
    use std::io::Write;
    let mut child = Command::new(bin)
        .args(args)
        .arg("--data-dir")
        .arg(data_dir)
        .env("RUST_LOG", "warn")
        .stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("comanda runs");
    if let (Some(input), Some(mut pipe)) = (stdin, child.stdin.take()) {
        pipe.write_all(input.as_bytes()).expect("stdin");
    }
    child.wait_with_output().expect("comanda finishes")
}

impl Drop for BinaryBox {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
