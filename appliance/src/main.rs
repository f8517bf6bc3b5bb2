//! `comanda`: the command line of the box. `serve` runs it; the rest are tools for installers
//! and owners (`check`, `reset-password`). Every subcommand takes `--config` and `--data-dir`.

use std::io::{IsTerminal, Read};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::{Parser, Subcommand};
use comanda_appliance::config::{Config, LogFormat, Overrides};
use comanda_appliance::{backup, check, console, demo, update};
use comanda_domain::SystemClock;
use rand::Rng;
use tracing_subscriber::EnvFilter;

#[derive(Parser)]
#[command(name = "comanda", version = comanda_appliance::version(), about = "Comanda: the offline-first restaurant point of sale, on one box.")]
struct Cli {
    /// TOML configuration file (settings: listen, data_dir, mdns, log_format).
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Where the database and keys live [default: /var/lib/comanda under systemd, else ./comanda-data].
    #[arg(long, global = true, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the box: HTTP API, event stream and (later) the web UI.
    Serve {
        /// Address to listen on [default: 127.0.0.1:8080].
        #[arg(long, value_name = "ADDR")]
        listen: Option<SocketAddr>,
        /// Create a demo restaurant with staff on a fresh data dir, and print the logins.
        #[arg(long)]
        demo: bool,
        /// Advertise the box on the LAN over mDNS (`_comanda._tcp`, `comanda.local`).
        #[arg(long)]
        mdns: bool,
    },
    /// Set a new password for USERNAME and end all their sessions (for a locked-out owner).
    ResetPassword {
        username: String,
        /// Read the new password from standard input instead of generating one.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Verify the database: SQLite integrity, migrations, and the event log's hash chain.
    Check,
    /// List the Comanda boxes announcing themselves on this LAN (mDNS), for installers.
    Discover {
        /// How long to listen, in seconds.
        #[arg(long, default_value_t = 3)]
        seconds: u64,
    },
    /// Copy the database to FILE while the box runs (consistent, verified).
    Backup {
        /// Where to write the backup (must not exist yet).
        #[arg(long, value_name = "FILE", required_unless_present = "nightly", conflicts_with = "nightly")]
        to: Option<PathBuf>,
        /// Write a dated backup into the data dir's backups/ folder instead (the nightly timer).
        #[arg(long)]
        nightly: bool,
        /// With --nightly: how many nightly backups to keep (here and on the stick).
        #[arg(long, default_value_t = 14, requires = "nightly")]
        keep: usize,
        /// Also copy the backup onto the USB stick mounted at DIR (skipped, with a note, when
        /// none is mounted there). Default: `backup_copy_dir` from the config.
        #[arg(long, value_name = "DIR")]
        copy_to: Option<PathBuf>,
    },
    /// Write a new version onto the spare root partition and boot it once (appliance only,
    /// as root); it falls back to the running version unless the new one becomes healthy.
    Update {
        /// A disk image (`comanda-….raw[.zst]`) or root filesystem (`….root.ext4[.zst]`),
        /// with its `FILE.sha256` beside it.
        #[arg(required_unless_present = "staged", conflicts_with = "staged")]
        file: Option<PathBuf>,
        /// Apply the update uploaded on the dashboard (in the data dir's update/ folder).
        #[arg(long)]
        staged: bool,
        /// Reboot into the new version once it is written.
        #[arg(long)]
        reboot: bool,
    },
    /// Wait until the box answers /readyz (boot counting uses it to accept a new version).
    WaitReady {
        /// Give up after this many seconds (exit status 1).
        #[arg(long, default_value_t = 120)]
        timeout: u64,
    },
    /// Write the box's addresses and a QR code of them to FILE (the console shows it).
    Banner {
        #[arg(long, value_name = "FILE")]
        issue: PathBuf,
    },
    /// Replace the database with a backup (the server must be stopped; the old one is kept aside).
    Restore {
        /// A file made by `comanda backup`.
        file: PathBuf,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("comanda: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let mut flags = Overrides { data_dir: cli.data_dir, ..Overrides::default() };
    if let Command::Serve { listen, mdns, .. } = &cli.command {
        flags.listen = *listen;
        flags.mdns = mdns.then_some(true);
    }
    let config = Config::load(cli.config.as_deref(), |k| std::env::var(k).ok(), flags)?;
    init_logs(&config);
    let runtime =
        tokio::runtime::Builder::new_multi_thread().enable_all().build().context("cannot start the runtime")?;
    match cli.command {
        Command::Serve { demo, .. } => runtime.block_on(serve(config, demo)),
        Command::ResetPassword { username, password_stdin } => {
            runtime.block_on(reset_password(config, &username, password_stdin))
        }
        Command::Backup { to, nightly, keep, copy_to } => {
            let written = match to {
                Some(to) if !nightly => {
                    backup::backup(&config, &to)?;
                    to
                }
                _ => backup::nightly(&config, keep)?,
            };
            console::say(&format!("Backup written to {} and verified.", written.display()));
            if let Some(stick) = copy_to.or(config.backup_copy_dir.clone()) {
                match backup::copy_to(&config, &written, &stick, nightly.then_some(keep))? {
                    Some(copy) => console::say(&format!("Copied to {} and verified.", copy.display())),
                    None => console::say(&format!("No USB stick mounted at {}: no copy made.", stick.display())),
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Restore { file } => {
            let aside = backup::restore(&config, &file)?;
            console::say(&format!(
                "Restored {}. The previous database is kept as {}.",
                file.display(),
                aside.display()
            ));
            Ok(ExitCode::SUCCESS)
        }
        Command::Discover { seconds } => {
            let found = comanda_appliance::mdns::discover(std::time::Duration::from_secs(seconds.clamp(1, 60)))?;
            if found.is_empty() {
                console::say("No Comanda box answered on this network.");
            }
            for f in found {
                console::say(&format!("{}  {}  (version {}, site {})", f.name, f.urls.join(" "), f.version, f.site));
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Update { file, staged, reboot } => {
            let layout = update::Layout::system()?;
            let applied = match file {
                Some(file) if !staged => update::apply(&file, &layout)?,
                _ => update::apply_staged(&config, &layout)?,
            };
            console::say(&format!(
                "Version {} written to root {} (boot entry {}): it starts at the next boot, once; if it does not become healthy the box goes back to this version.",
                applied.version, applied.slot, applied.entry
            ));
            if reboot {
                update::reboot()?;
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::WaitReady { timeout } => {
            let ready = update::wait_ready(&config, std::time::Duration::from_secs(timeout));
            if !ready {
                eprintln!("comanda: not ready after {timeout} s");
            }
            Ok(if ready { ExitCode::SUCCESS } else { ExitCode::FAILURE })
        }
        Command::Banner { issue } => {
            let text = console::banner(config.listen, config.mdns, config.tls);
            std::fs::write(&issue, text).with_context(|| format!("cannot write {}", issue.display()))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Check => {
            let report = check::run(&config.database_path())?;
            for line in report.lines() {
                console::say(&line);
            }
            Ok(if report.is_ok() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
        }
    }
}

fn init_logs(config: &Config) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    // journald stamps lines itself and shows no colours.
    let plain = std::env::var_os("JOURNAL_STREAM").is_some() || !std::io::stderr().is_terminal();
    match config.log_format {
        LogFormat::Json => builder.json().init(),
        LogFormat::Text if plain => builder.with_ansi(false).without_time().init(),
        LogFormat::Text => builder.init(),
    }
}

async fn serve(config: Config, demo_requested: bool) -> anyhow::Result<ExitCode> {
    let mut running = comanda_appliance::start(&config, Arc::new(SystemClock)).await?;
    // "running at" means ready: the demo restaurant, when asked for, exists by then.
    let demo = match demo_requested {
        true => Some(demo::ensure(&running).await.map_err(|e| anyhow::anyhow!("cannot create the demo: {e}"))?),
        false => None,
    };
    if config.mdns {
        running.announce().await?;
    }
    console::serving(running.addr, config.mdns, config.tls);
    if let Some(outcome) = &demo {
        console::demo(outcome);
    }
    // Under systemd (Type=notify): ready now, and the watchdog pinged at half its interval.
    let _ = sd_notify::notify(&[sd_notify::NotifyState::Ready]);
    if let Some(interval) = sd_notify::watchdog_enabled() {
        let every = interval / 2;
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(every).await;
                let _ = sd_notify::notify(&[sd_notify::NotifyState::Watchdog]);
            }
        });
    }
    shutdown_signal().await;
    let _ = sd_notify::notify(&[sd_notify::NotifyState::Stopping]);
    tracing::info!("shutting down");
    running.shutdown().await?;
    Ok(ExitCode::SUCCESS)
}

async fn shutdown_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    let term = async {
        match signal(SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term => {}
    }
}

async fn reset_password(config: Config, username: &str, from_stdin: bool) -> anyhow::Result<ExitCode> {
    let password = if from_stdin {
        let mut input = String::new();
        std::io::stdin().read_to_string(&mut input).context("cannot read the password from stdin")?;
        input.trim_end_matches(['\r', '\n']).to_owned()
    } else {
        generate_password()
    };
    let db = config.database_path();
    if !db.exists() {
        anyhow::bail!("no database at {}; is --data-dir right?", db.display());
    }
    let clock: Arc<dyn comanda_domain::Clock> = Arc::new(SystemClock);
    let services = comanda_appliance::migrations();
    let store = comanda_store::Store::open(&db, clock.clone(), &services)?;
    let key = comanda_staff::load_or_create_key(&config.key_path())?;
    let auth = comanda_staff::Auth::new(&key, clock).map_err(|e| anyhow::anyhow!("{e}"))?;
    let staff = comanda_staff::Staff::new(store.clone(), auth).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    let member = staff.reset_password(username, &password).await.map_err(|e| anyhow::anyhow!("{}", e.message()))?;
    store.shutdown().await;
    console::say(&format!("Password of {} ({}) reset; all their sessions are ended.", member.username, member.role));
    if !from_stdin {
        console::say(&format!("New password: {password}"));
        console::say("Ask them to change it after logging in.");
    }
    Ok(ExitCode::SUCCESS)
}

/// 16 characters from an alphabet without look-alikes (no 0/O, 1/l/I), easy to read aloud.
fn generate_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rng();
    (0..16).map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())])).collect()
}
