//! Hostile input: schemathesis against the OpenAPI document of a running box, and the
//! cargo-fuzz targets in `fuzz/`. Both are bounded in time; everything stays on 127.0.0.1.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result, bail};

use crate::{run_command, workspace_root};

/// The cargo-fuzz targets (`fuzz/fuzz_targets/<name>.rs`).
const FUZZ_TARGETS: &[&str] = &["request_bodies", "escpos_layout"];

/// Runs schemathesis (from PyPI) against `binary` serving a fresh demo box on 127.0.0.1,
/// with at most `max_examples` per operation; fails on any 5xx or schema mismatch. With a
/// `seed`, every run generates the same cases (CI: a red run is the code's doing, and can be
/// replayed); without, each run explores anew (`cargo xtask faults`).
///
/// `xtask/schemathesis/run.py` logs in as the demo owner once and drives the CLI;
/// `hooks.py` keeps generated printer addresses on loopback and the run's own session alive.
pub fn schemathesis(binary: &Path, max_examples: u32, seed: Option<&str>) -> Result<()> {
    if !binary.exists() {
        bail!("schemathesis needs the binary at {}: build it first", binary.display());
    }
    // schemathesis sometimes errors inside itself (no check failed: run.py exits 3); another
    // seed gets past it. A failed check, or errors that stay, fail the run.
    let seeds: Vec<Option<String>> = match seed {
        Some(seed) => {
            let n: u64 = seed.parse().unwrap_or(0);
            (0..3).map(|i| Some((n + i).to_string())).collect()
        }
        None => vec![None; 3],
    };
    for seed in &seeds {
        match schemathesis_once(binary, max_examples, seed.as_deref())? {
            Some(3) => {
                eprintln!("==> schemathesis errored inside itself without a failed check: again with another seed")
            }
            Some(0) => return Ok(()),
            code => bail!("schemathesis failed (exit status {code:?})"),
        }
    }
    bail!("schemathesis kept erroring with {} seeds (no check failed, but the run is not clean)", seeds.len())
}

/// One schemathesis run against a fresh box; its exit status.
fn schemathesis_once(binary: &Path, max_examples: u32, seed: Option<&str>) -> Result<Option<i32>> {
    let scratch = scratch_dir("schemathesis")?;
    let result = (|| {
        let mut server = ServedBox::start(binary, &scratch.join("data"))?;
        // The coverage phase is fixed work (~80 operations); fuzzing and stateful grow with
        // `max_examples`. The cap is generous: it catches a hang, not a slow machine.
        let max_seconds = 180 + 6 * u64::from(max_examples);
        let script = workspace_root().join("xtask").join("schemathesis").join("run.py");
        let mut python = Command::new("python3");
        python
            .arg(&script)
            .args(["--base", &server.base, "--max-examples", &max_examples.to_string()])
            .args(["--max-seconds", &max_seconds.to_string()])
            .args(seed.map(|seed| ["--seed", seed]).into_iter().flatten())
            .arg("--report-dir")
            .arg(scratch.join("report"))
            // schemathesis keeps a cache in its working directory: not in the checkout.
            .current_dir(&scratch);
        let shown = format!("schemathesis ({max_examples} examples per operation, seed {})", seed.unwrap_or("random"));
        eprintln!("==> {shown}");
        let started = std::time::Instant::now();
        let status = python.status().with_context(|| format!("could not start `{shown}`"));
        eprintln!(
            "==> {shown}: {:?} in {:.1}s",
            status.as_ref().ok().and_then(|s| s.code()),
            started.elapsed().as_secs_f64()
        );
        server.stop();
        Ok(status?.code())
    })();
    let _ = std::fs::remove_dir_all(&scratch);
    result
}

/// Runs each cargo-fuzz target in fuzz/ for `seconds` (nightly; installs cargo-fuzz if
/// missing). New inputs go to fuzz/corpus/<target> (not committed), the committed seeds are
/// read from fuzz/seeds/<target>; a crash leaves its input in fuzz/artifacts/<target>/ and
/// fails the run.
pub fn fuzz(seconds: u64) -> Result<()> {
    let root = workspace_root();
    let has_cargo_fuzz = Command::new("cargo")
        .args(["+nightly", "fuzz", "--version"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success());
    if !has_cargo_fuzz {
        let mut install = Command::new("cargo");
        install.args(["install", "cargo-fuzz", "--locked"]);
        run_command("cargo install cargo-fuzz --locked", install)?;
    }
    for target in FUZZ_TARGETS {
        let corpus = root.join("fuzz").join("corpus").join(target);
        std::fs::create_dir_all(&corpus).with_context(|| format!("creating {}", corpus.display()))?;
        let mut fuzz = Command::new("cargo");
        // No sanitizer: the code under test is safe Rust (SQLite's C is not instrumented by
        // cargo-fuzz anyway), and AddressSanitizer would halve the executions.
        fuzz.args(["+nightly", "fuzz", "run", "--sanitizer", "none", target])
            .arg(&corpus)
            .arg(root.join("fuzz").join("seeds").join(target))
            .args(["--", &format!("-max_total_time={seconds}"), "-timeout=10", "-rss_limit_mb=2048"])
            .current_dir(root);
        let dict = root.join("fuzz").join(format!("{target}.dict"));
        if dict.exists() {
            fuzz.arg(format!("-dict={}", dict.display()));
        }
        // The in-process box of request_bodies writes its database there: fsyncs on tmpfs
        // cost nothing, so the fuzzer runs several times faster.
        if Path::new("/dev/shm").is_dir() {
            fuzz.env("TMPDIR", "/dev/shm");
        }
        run_command(&format!("cargo fuzz run {target} ({seconds} s)"), fuzz)?;
    }
    Ok(())
}

/// `comanda serve --demo` on a free loopback port and a fresh data dir, killed on drop.
struct ServedBox {
    child: Child,
    base: String,
}

impl ServedBox {
    fn start(binary: &Path, data_dir: &Path) -> Result<Self> {
        let mut child = Command::new(binary)
            .args(["serve", "--demo", "--listen", "127.0.0.1:0", "--data-dir"])
            .arg(data_dir)
            // Errors only: the print worker's warnings about the closed loopback "printer" the
            // hooks point every generated address at would bury schemathesis's report.
            .env("RUST_LOG", "error")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .with_context(|| format!("starting {} serve", binary.display()))?;
        let stdout = child.stdout.take().context("the box's stdout")?;
        let (tx, rx) = mpsc::channel();
        // Keeps draining stdout after the URL line so the box never blocks on a full pipe.
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(url) = line.strip_prefix("Comanda is running at ") {
                    let _ = tx.send(url.trim_end_matches('/').to_owned());
                }
            }
        });
        let mut served = Self { child, base: String::new() };
        match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(base) => served.base = base,
            Err(_) => bail!("{} serve did not say where it listens within 60 s", binary.display()),
        }
        Ok(served)
    }

    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for ServedBox {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A fresh directory under the system's temp dir, unique to this run.
fn scratch_dir(what: &str) -> Result<PathBuf> {
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or_default();
    let dir = std::env::temp_dir().join(format!("comanda-{what}-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    Ok(dir)
}
