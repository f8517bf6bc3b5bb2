//! `cargo xtask <command>`: project chores written in Rust so they run the same on every machine.
//! `ci` is the single definition of what CI checks (`.ci/run` only installs packages and calls it),
//! so "green locally" and "green in CI" mean the same thing.

// A binary: its usage text belongs on stdout.
#![allow(clippy::print_stdout)]

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use sha2::{Digest, Sha256};

mod hostile;
mod image;

const USAGE: &str = "\
Usage: cargo xtask <command>

Commands:
  ci               run exactly what CI runs: fmt, clippy, tests (stops at the first failure)
  bench [--quick]  load the release binary like a busy restaurant and far beyond; numbers to
                   bench/results/, the README's Performance table from them (--quick: ~1 min);
                   then a 50k-event backlog synced to comanda-cloud (needs PostgreSQL)
  faults           the fault drills: 30 kill -9 under load, printers failing under load,
                   schemathesis and the fuzz targets, each bounded in time
  image [--test]   the appliance disk image in target/image/ (as root: installs its Debian
                   build tools); --test boots it in qemu: setup, reboot, update, fallback
  migrations-lock  record the SHA-256 of new migrations in migrations.lock (never edits old lines)
  help             print this message";

/// schemathesis examples per operation and phase in `cargo xtask ci` (`faults` runs 200).
const SCHEMATHESIS_CI_EXAMPLES: u32 = 50;
/// CI's schemathesis generates the same cases every run: a random seed once hit an internal
/// error of schemathesis 4.32.5's coverage phase (a `KeyError` in its value cache) that
/// failed a run with 0 failures found. `faults` keeps exploring with fresh seeds.
const SCHEMATHESIS_CI_SEED: &str = "20261123";

/// The lock that makes migrations add-only; `tests/tidy.rs` checks it.
const MIGRATIONS_LOCK: &str = "migrations.lock";

fn main() -> ExitCode {
    // Report errors ourselves: a backtrace of xtask (RUST_BACKTRACE is often set) would bury
    // the one line that matters, e.g. which CI step failed.
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(args.first().map(String::as_str), &args[args.len().min(1)..]) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(command: Option<&str>, rest: &[String]) -> Result<()> {
    match command {
        None | Some("help" | "-h" | "--help") => println!("{USAGE}"),
        Some("ci") => ci()?,
        Some("bench") => bench(rest)?,
        Some("faults") => faults(rest)?,
        Some("image") => image::image(rest)?,
        Some("migrations-lock") => migrations_lock()?,
        Some(other) => bail!("unknown command `{other}`\n\n{USAGE}"),
    }
    Ok(())
}

/// The workspace root, fixed at compile time: xtask lives one level below it.
fn workspace_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap_or(Path::new("."))
}

/// The `cargo` that invoked us, so CI uses the same toolchain as the caller (rustup overrides included).
fn cargo() -> Command {
    let mut command = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    command.current_dir(workspace_root());
    command
}

fn ci() -> Result<()> {
    run_step(&["fmt", "--all", "--check"])?;
    run_step(&["clippy", "--workspace", "--all-targets", "--locked", "--", "-D", "warnings"])?;
    let has_nextest = cargo()
        .args(["nextest", "--version"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success());
    // The browser tests drive the real binary: build it first. They come before the Rust
    // tests so that the test runner's summary stays the run's closing line (CI reads it).
    run_step(&["build", "--package", "comanda-appliance", "--bin", "comanda", "--locked"])?;
    // ... and the cloud's page drives comanda-cloud on a throwaway PostgreSQL.
    run_step(&["build", "--package", "comanda-cloud", "--package", "comanda-testkit", "--bins", "--locked"])?;
    browser_tests()?;
    // Hostile input against the same debug binary: ~80 operations, bounded (about a minute).
    hostile::schemathesis(
        &target_dir().join("debug").join("comanda"),
        SCHEMATHESIS_CI_EXAMPLES,
        Some(SCHEMATHESIS_CI_SEED),
    )?;
    if has_nextest {
        // nextest does not run doctests, so they get their own step, first: nextest's summary
        // line must be the run's closing result (CI reads it).
        run_step(&["test", "--workspace", "--doc", "--locked"])?;
        run_step(&["nextest", "run", "--workspace", "--locked", "--no-fail-fast"])?;
    } else {
        run_step(&["test", "--workspace", "--locked"])?;
    }
    eprintln!("==> ci: all steps passed");
    Ok(())
}

/// `web-ui/tests`: Playwright (core, from npm) driving Debian's Chromium against the binary.
/// Chromium comes from the system (`.ci/run` installs it); Playwright never downloads one.
fn browser_tests() -> Result<()> {
    let root = workspace_root();
    let tests = root.join("web-ui").join("tests");
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    if !Path::new(&chromium).exists() {
        bail!("the browser tests need Chromium at {chromium}: run `.ci/run` (as root) or `apt-get install chromium`");
    }
    if !tests.join("node_modules").join("playwright-core").exists() {
        run_tool("npm", &["ci", "--no-audit", "--no-fund"], &tests)?;
    }
    let binary = target_dir().join("debug").join("comanda");
    let mut node = Command::new("node");
    node.args(["--test", "--test-concurrency=1", "."])
        .current_dir(&tests)
        .env("COMANDA_BIN", &binary)
        .env("COMANDA_CLOUD_BIN", target_dir().join("debug").join("comanda-cloud"))
        .env("COMANDA_POSTGRES_BIN", target_dir().join("debug").join("throwaway-postgres"))
        .env("CHROMIUM", &chromium);
    run_command("node --test web-ui/tests", node)
}

/// Where cargo puts what it builds: CARGO_TARGET_DIR (relative to the workspace) or target/.
fn target_dir() -> PathBuf {
    let root = workspace_root();
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map_or_else(|| root.join("target"), |dir| if dir.is_absolute() { dir } else { root.join(dir) })
}

/// Builds the release binary and the load generator, then hands over to `comanda-bench`.
fn bench(rest: &[String]) -> Result<()> {
    let bench = build_release_tools()?;
    let mut command = Command::new(bench);
    command.arg("bench").arg("--bin").arg(target_dir().join("release").join("comanda")).args(rest);
    command.current_dir(workspace_root());
    run_command("comanda-bench bench", command)?;
    // Cloud sync: a 50k-event backlog drained to comanda-cloud on a throwaway PostgreSQL.
    let mut sync = Command::new(target_dir().join("release").join("comanda-bench"));
    sync.args(["sync", "--out", "bench/results"]).current_dir(workspace_root());
    run_command("comanda-bench sync", sync)?;
    let mut readme = Command::new(target_dir().join("release").join("comanda-bench"));
    readme.arg("readme").current_dir(workspace_root());
    run_command("comanda-bench readme", readme)
}

/// The fault drills, each bounded in time: kills and printer faults under load, then hostile input.
fn faults(rest: &[String]) -> Result<()> {
    let bench = build_release_tools()?;
    let mut command = Command::new(bench);
    command.arg("faults").args(rest).current_dir(workspace_root());
    run_command("comanda-bench faults", command)?;
    hostile::schemathesis(&target_dir().join("release").join("comanda"), 200, None)?;
    hostile::fuzz(60)
}

/// `comanda` and `comanda-bench` in release mode; returns the path of `comanda-bench`.
fn build_release_tools() -> Result<PathBuf> {
    run_step(&["build", "--release", "--locked", "--package", "comanda-appliance", "--bin", "comanda"])?;
    run_step(&["build", "--release", "--locked", "--package", "comanda-bench"])?;
    Ok(target_dir().join("release").join("comanda-bench"))
}

fn run_tool(program: &str, args: &[&str], dir: &Path) -> Result<()> {
    let mut command = Command::new(program);
    command.args(args).current_dir(dir);
    run_command(&format!("{program} {}", args.join(" ")), command)
}

fn run_command(shown: &str, mut command: Command) -> Result<()> {
    eprintln!("==> {shown}");
    let started = Instant::now();
    let status = command.status().with_context(|| format!("could not start `{shown}`"))?;
    eprintln!(
        "==> {shown}: {} in {:.1}s",
        if status.success() { "ok" } else { "FAILED" },
        started.elapsed().as_secs_f64()
    );
    if !status.success() {
        bail!("`{shown}` failed ({status})");
    }
    Ok(())
}

fn run_step(args: &[&str]) -> Result<()> {
    let shown = format!("cargo {}", args.join(" "));
    eprintln!("==> {shown}");
    let started = Instant::now();
    let status = cargo().args(args).status().with_context(|| format!("could not start `{shown}`"))?;
    eprintln!(
        "==> {shown}: {} in {:.1}s",
        if status.success() { "ok" } else { "FAILED" },
        started.elapsed().as_secs_f64()
    );
    if !status.success() {
        bail!("`{shown}` failed ({status})");
    }
    Ok(())
}

/// Appends a line for every migration not yet in the lock. Existing lines are never touched:
/// a changed hash must fail the tidy test, not be quietly re-recorded.
fn migrations_lock() -> Result<()> {
    let root = workspace_root();
    let lock_path = root.join(MIGRATIONS_LOCK);
    let existing = match fs::read_to_string(&lock_path) {
        Ok(text) => text,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(err) => return Err(err).with_context(|| format!("reading {}", lock_path.display())),
    };
    let mut listed = Vec::new();
    for (number, line) in existing.lines().enumerate().filter(|(_, line)| !line.trim().is_empty()) {
        let Some((_, path)) = line.split_once("  ") else {
            bail!("{MIGRATIONS_LOCK}:{}: expected `<sha256>  <path>`, found `{line}`", number + 1);
        };
        listed.push(path.to_owned());
    }

    let mut migrations = Vec::new();
    find_migrations(root, root, &mut migrations)?;
    migrations.sort();
    let mut appended = existing.clone();
    if !appended.is_empty() && !appended.ends_with('\n') {
        appended.push('\n');
    }
    let mut added = 0;
    for path in migrations.iter().filter(|path| !listed.contains(path)) {
        let bytes = fs::read(root.join(path)).with_context(|| format!("reading {path}"))?;
        appended.push_str(&format!("{}  {path}\n", hex::encode(Sha256::digest(&bytes))));
        eprintln!("locked {path}");
        added += 1;
    }
    if added > 0 {
        fs::write(&lock_path, appended).with_context(|| format!("writing {}", lock_path.display()))?;
    }
    eprintln!("{MIGRATIONS_LOCK}: {added} new, {} already locked", listed.len());
    Ok(())
}

/// Every `.sql` file directly inside a directory named `migrations`, as a `/`-separated path
/// relative to the root (the lock must read the same on every OS).
fn find_migrations(root: &Path, dir: &Path, found: &mut Vec<String>) -> Result<()> {
    for entry in fs::read_dir(dir).with_context(|| format!("listing {}", dir.display()))? {
        let entry = entry?;
        let path = entry.path();
        if entry.file_type()?.is_dir() {
            if !matches!(entry.file_name().to_str(), Some("target" | ".git" | "node_modules")) {
                find_migrations(root, &path, found)?;
            }
        } else if path.extension().is_some_and(|ext| ext == "sql") && dir.file_name().is_some_and(|d| d == "migrations")
        {
            let relative = path.strip_prefix(root).unwrap_or(&path);
            let parts: Vec<_> = relative.components().map(|c| c.as_os_str().to_string_lossy()).collect();
            found.push(parts.join("/"));
        }
    }
    Ok(())
}
