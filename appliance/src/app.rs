//! Wiring: data dir → store → services → routers → gateway → a listening server, and the
//! orderly way back down (stop accepting, finish in-flight requests, close WebSockets, let the
//! writer commit what it has, stop).

use std::net::{IpAddr, SocketAddr};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use comanda_audit::Audit;
use comanda_billing::Billing;
use comanda_domain::Clock;
use comanda_kitchen::Kitchen;
use comanda_menu::Menu;
use comanda_orders::Orders;
use comanda_printing::{Printing, PrintingConfig};
use comanda_reporting::Reporting;
use comanda_site::Site;
use comanda_staff::{Auth, Staff};
use comanda_store::{Migrations, Store};
use comanda_tables::Tables;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use utoipa_axum::router::OpenApiRouter;

use crate::config::Config;
use crate::hub::Hub;

/// Every service's migrations, in dependency order (the store's own come first, always).
pub fn migrations() -> [&'static Migrations; 14] {
    [
        &comanda_staff::MIGRATIONS,
        &comanda_site::MIGRATIONS,
        &comanda_menu::MIGRATIONS,
        &comanda_tables::MIGRATIONS,
        &comanda_orders::MIGRATIONS,
        &comanda_kitchen::MIGRATIONS,
        &comanda_billing::MIGRATIONS,
        &comanda_assets::MIGRATIONS,
        &comanda_reservations::MIGRATIONS,
        &comanda_notifications::MIGRATIONS,
        &comanda_guest::MIGRATIONS,
        &comanda_reporting::MIGRATIONS,
        &comanda_printing::MIGRATIONS,
        &comanda_sync::MIGRATIONS,
    ]
}

const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);
const HOUSEKEEPING_EVERY: Duration = Duration::from_secs(3600);

/// A box that is serving.
pub struct Running {
    pub addr: SocketAddr,
    pub store: Store,
    pub staff: Staff,
    pub site: Site,
    pub menu: Menu,
    pub tables: Tables,
    stop: watch::Sender<bool>,
    server: JoinHandle<std::io::Result<()>>,
    /// Held while serving: `comanda restore` refuses to replace the database under us.
    _lock: std::fs::File,
    /// The LAN announcement, when `mdns` is on (replaced once the wizard names the restaurant).
    mdns: Arc<std::sync::Mutex<Option<crate::mdns::Advertiser>>>,
}

impl Running {
    /// Graceful shutdown: no new connections, in-flight requests finish (up to 10 s), event
    /// streams close, the writer commits what is queued and stops.
    pub async fn shutdown(self) -> anyhow::Result<()> {
        self.stop.send_replace(true);
        match tokio::time::timeout(SHUTDOWN_GRACE, self.server).await {
            Ok(joined) => joined.context("server task failed")?.context("server failed")?,
            Err(_) => tracing::warn!("requests still running after {SHUTDOWN_GRACE:?}; stopping anyway"),
        }
        let advertiser = self.mdns.lock().unwrap_or_else(std::sync::PoisonError::into_inner).take();
        if let Some(advertiser) = advertiser {
            let _ = tokio::task::spawn_blocking(move || advertiser.withdraw()).await;
        }
        self.store.shutdown().await;
        Ok(())
    }

    /// Announces the box on the LAN over mDNS under the restaurant's name (called once the
    /// restaurant exists, e.g. after `--demo`; before setup it is announced as "Comanda").
    pub async fn announce(&mut self) -> anyhow::Result<()> {
        let settings = self.site.settings().await.map_err(|e| anyhow::anyhow!("{e}"))?;
        let set_up = settings.is_some();
        let (name, site_id) =
            settings.map_or(("Comanda".to_owned(), String::new()), |s| (s.name, s.site_id.to_string()));
        *self.mdns.lock().unwrap_or_else(std::sync::PoisonError::into_inner) =
            Some(crate::mdns::advertise(&name, &site_id, self.addr.port())?);
        if !set_up {
            tokio::spawn(rename_after_setup(
                self.store.clone(),
                self.site.clone(),
                self.mdns.clone(),
                self.addr.port(),
            ));
        }
        Ok(())
    }

    /// Resolves when the server stops on its own (it should not).
    pub fn is_finished(&self) -> bool {
        self.server.is_finished()
    }
}

/// Opens the data dir and serves on `config.listen` (port 0 picks a free one; see
/// [`Running::addr`]).
pub async fn start(config: &Config, clock: Arc<dyn Clock>) -> anyhow::Result<Running> {
    prepare_data_dir(config)?;
    let lock = crate::backup::lock_data_dir(config)?;
    let db = config.database_path();
    // SQLite's quick_check reads the whole file: ~0.8 s per GiB here, and a year of trade is
    // ~3 GiB. A database that size is checked in the background once the box serves (damage
    // turns /readyz to 503 and is logged with the restore command); a smaller one first.
    let size = std::fs::metadata(&db).map_or(0, |m| m.len());
    let check_later = size > CHECK_BEFORE_START_BELOW;
    if !check_later {
        refuse_corrupt(config, &db)?;
    }
    snapshot_before_migrations(config, &db, &migrations())?;
    let store = {
        let clock = clock.clone();
        let services = migrations();
        tokio::task::spawn_blocking(move || Store::open(&db, clock, &services))
            .await
            .context("store task failed")?
            .with_context(|| format!("cannot open the database in {}", config.data_dir.display()))?
    };
    if check_later {
        check_in_background(config, config.database_path(), store.clone());
    }
    let key = comanda_staff::load_or_create_key(&config.key_path()).context("cannot read or create the signing key")?;
    let auth = Auth::new(&key, clock).map_err(|e| anyhow::anyhow!("{e}"))?;
    let staff = Staff::new(store.clone(), auth.clone()).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    let site = Site::new(store.clone(), staff.clone());
    let menu = Menu::new(store.clone(), auth.clone());
    let tables = Tables::new(store.clone(), auth.clone());
    let orders = Orders::new(store.clone(), staff.clone());
    let kitchen = Kitchen::new(store.clone(), auth.clone());
    let billing = Billing::new(store.clone(), staff.clone());
    let reporting = Reporting::new(store.clone(), auth.clone());
    let assets = comanda_assets::Assets::new(store.clone(), auth.clone());
    let reservations = comanda_reservations::Reservations::new(store.clone(), auth.clone());
    let guest = comanda_guest::Guest::new(store.clone(), auth.clone(), menu.clone());
    let notifications =
        comanda_notifications::Notifications::new(store.clone(), auth.clone(), config.notifications.clone());
    let audit = Audit::new(store.clone(), staff.clone());
    let (stop, stopping) = watch::channel(false);
    let printing_config = PrintingConfig {
        reroute_after: Duration::from_secs(config.print_reroute_after_secs),
        ..PrintingConfig::default()
    };
    let printing = Printing::new(store.clone(), auth.clone(), printing_config, stopping.clone());
    let auth_for_update = auth.clone();
    let auth_for_sync = auth.clone();
    let hub = Hub::start(store.clone(), auth, stopping.clone());
    // The event log's subscribers: they resume from their cursors, so nothing sent while the
    // box was down is missed.
    tables.spawn_status_projection();
    kitchen.spawn_ticket_maker();
    reporting.spawn_projection();
    reporting.spawn_profit_projection();
    notifications.start(stopping.clone());
    printing.start().await.map_err(|e| anyhow::anyhow!("cannot start printing: {e}"))?;
    // Cloud sync runs beside the service: nothing in the restaurant waits for it.
    let extra_roots = match &config.cloud_ca_file {
        Some(path) => {
            Some(std::fs::read(path).with_context(|| format!("cannot read the cloud CA file {}", path.display()))?)
        }
        None => None,
    };
    let sync = comanda_sync::Sync::new(store.clone(), config.cloud.clone(), extra_roots.as_deref())
        .map_err(|e| anyhow::anyhow!("cloud sync: {e}"))?;
    sync.start(stopping.clone()).await.map_err(|e| anyhow::anyhow!("cannot start cloud sync: {e}"))?;

    let api = OpenApiRouter::new()
        .merge(comanda_site::router(site.clone()))
        .merge(comanda_staff::router(staff.clone()))
        .merge(comanda_menu::router(menu.clone()))
        .merge(comanda_tables::router(tables.clone()))
        .merge(comanda_orders::router(orders))
        .merge(comanda_kitchen::router(kitchen))
        .merge(comanda_billing::router(billing))
        .merge(comanda_reporting::router(reporting))
        .merge(comanda_assets::router(assets))
        .merge(comanda_reservations::router(reservations))
        .merge(comanda_guest::router(guest))
        .merge(comanda_notifications::router(notifications))
        .merge(comanda_audit::router(audit))
        .merge(comanda_printing::router(printing))
        .merge(crate::hub::router(hub))
        .merge(crate::system_update::router(auth_for_update, &config.data_dir))
        .merge(comanda_sync::router(sync, auth_for_sync));
    let app = crate::gateway::router(api, store.clone());

    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("cannot listen on {}", config.listen))?;
    let addr = listener.local_addr()?;
    let server = if config.tls {
        let mut names = crate::console::lan_ips(addr);
        names.extend([IpAddr::from([127, 0, 0, 1]), IpAddr::from(std::net::Ipv6Addr::LOCALHOST)]);
        let tls = crate::tls::load(&config.data_dir, &names).context("cannot set up HTTPS")?;
        let app = app.merge(crate::tls::router(tls.ca_pem));
        tokio::spawn(crate::tls::serve(listener, app, tls.acceptor, stopping.clone()))
    } else {
        let mut until_stop = stopping.clone();
        // Events go out as small WebSocket frames one after another: without TCP_NODELAY, Nagle
        // holds each one back until the tablet acknowledges the last, and tablets delay their
        // acknowledgements by up to 40 ms (measured by `cargo xtask bench`: p99 44 ms → see
        // ARCHITECTURE.md).
        let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
            if let Err(e) = tcp.set_nodelay(true) {
                tracing::debug!(error = %e, "could not set TCP_NODELAY");
            }
        });
        tokio::spawn(async move {
            axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
                .with_graceful_shutdown(async move {
                    let _ = until_stop.wait_for(|stop| *stop).await;
                })
                .await
        })
    };
    tokio::spawn(housekeeping(store.clone(), staff.clone(), stopping));
    tracing::info!(%addr, data_dir = %config.data_dir.display(), "comanda is serving");
    Ok(Running { addr, store, staff, site, menu, tables, stop, server, _lock: lock, mdns: Arc::default() })
}

/// Before setup the box is announced as "Comanda"; once the wizard names the restaurant, the
/// announcement is replaced by one under that name.
async fn rename_after_setup(
    store: Store,
    site: Site,
    mdns: Arc<std::sync::Mutex<Option<crate::mdns::Advertiser>>>,
    port: u16,
) {
    let mut committed = store.committed();
    loop {
        if committed.changed().await.is_err() {
            return; // the store is gone
        }
        let Ok(Some(settings)) = site.settings().await else { continue };
        let old = mdns.lock().unwrap_or_else(std::sync::PoisonError::into_inner).take();
        let renamed = tokio::task::spawn_blocking(move || {
            if let Some(old) = old {
                old.withdraw();
            }
            crate::mdns::advertise(&settings.name, &settings.site_id.to_string(), port)
        })
        .await;
        match renamed {
            Ok(Ok(advertiser)) => {
                *mdns.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(advertiser);
            }
            Ok(Err(e)) => tracing::warn!(error = %e, "cannot announce the restaurant under its name"),
            Err(e) => tracing::warn!(error = %e, "mDNS task failed"),
        }
        return;
    }
}

/// A damaged database is not served: a till that loses or invents money is worse than one
/// that asks for its backup. The message says exactly what to run.
/// Databases up to this size are checked before the box serves (a fraction of a second).
const CHECK_BEFORE_START_BELOW: u64 = 512 * 1024 * 1024;

/// The structural check of a large database, after start: damage is logged with the command
/// that restores the last backup, and `/readyz` answers 503 from then on.
fn check_in_background(config: &Config, db: std::path::PathBuf, store: Store) {
    let config = config.clone();
    tokio::task::spawn_blocking(move || {
        let started = std::time::Instant::now();
        match refuse_corrupt(&config, &db) {
            Ok(()) => tracing::info!(ms = started.elapsed().as_millis(), "database structure checked: ok"),
            Err(e) => {
                tracing::error!("{e:#}");
                store.mark_damaged(e.to_string().lines().next().unwrap_or("damaged").to_owned());
            }
        }
    });
}

fn refuse_corrupt(config: &Config, db: &std::path::Path) -> anyhow::Result<()> {
    if !db.exists() {
        return Ok(());
    }
    let problem = match comanda_store::quick_check(db) {
        Ok(verdict) if verdict == ["ok"] => return Ok(()),
        Ok(verdict) => verdict.join("; "),
        // Not damage: even reading needs a little room (SQLite's WAL index). Restoring a
        // backup onto a full disk would make things worse.
        Err(e) if e.is_disk_full() => anyhow::bail!(
            "the disk holding {} is full, so the database cannot even be opened ({e}).\nNothing is damaged. Free some space there (old files in backups/ can go onto a USB stick) and start again.",
            config.data_dir.display()
        ),
        Err(e) => e.to_string(),
    };
    let latest = std::fs::read_dir(config.data_dir.join("backups"))
        .ok()
        .and_then(|dir| dir.filter_map(Result::ok).map(|e| e.path()).max())
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| "<your backup file>".into());
    anyhow::bail!(
        "the database {} is damaged ({}).\nStop here and restore the last backup:\n  comanda restore {latest} --data-dir {}",
        db.display(),
        problem,
        config.data_dir.display()
    )
}

/// The data dir holds the database and the signing key: owner-only.
fn prepare_data_dir(config: &Config) -> anyhow::Result<()> {
    let dir = &config.data_dir;
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create data dir {}", dir.display()))?;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
        .with_context(|| format!("cannot restrict permissions of {}", dir.display()))?;
    Ok(())
}

/// Hourly: forget idempotency keys older than a day and long-expired refresh tokens.
async fn housekeeping(store: Store, staff: Staff, mut stopping: watch::Receiver<bool>) {
    let mut every = tokio::time::interval(HOUSEKEEPING_EVERY);
    loop {
        tokio::select! {
            _ = every.tick() => {}
            _ = stopping.wait_for(|s| *s) => return,
        }
        let cutoff = store.clock().now() - time::Duration::days(1);
        let purged: Result<usize, comanda_store::StoreError> =
            store.write(move |tx| tx.idempotency_purge(cutoff)).await;
        if let Err(e) = purged {
            tracing::warn!(error = %e, "idempotency purge failed");
        }
        if let Err(e) = staff.purge_expired().await {
            tracing::warn!(error = %e, "refresh token purge failed");
        }
    }
}

/// Before this version migrates a database (the first start after an update), a verified
/// copy of it as it was: `backups/pre-migration-<version>-<time>.db`. `comanda restore` puts
/// it back, for example to go back to the previous version.
fn snapshot_before_migrations(config: &Config, db: &Path, services: &[&Migrations]) -> anyhow::Result<Option<PathBuf>> {
    if !db.exists() {
        return Ok(None);
    }
    let status = comanda_store::migration_status(db, services)
        .with_context(|| format!("cannot read the migrations of {}", db.display()))?;
    let pending = status.iter().any(|s| !s.pending.is_empty());
    let used = status.iter().any(|s| !s.applied.is_empty());
    if !(pending && used) {
        return Ok(None);
    }
    let dir = config.data_dir.join("backups");
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let stamp = time::OffsetDateTime::now_utc().unix_timestamp();
    let to = dir.join(format!("pre-migration-{}-{stamp}.db", crate::version()));
    crate::backup::backup(config, &to).context("cannot snapshot the database before migrating it")?;
    tracing::info!(snapshot = %to.display(), "database saved before this version's migrations");
    Ok(Some(to))
}

#[cfg(test)]
mod tests {
    use super::*;
    use comanda_domain::SystemClock;
    use comanda_store::Migration;

    static OLD: Migrations = Migrations {
        service: "update_test",
        steps: &[Migration { version: 1, name: "notes", sql: "CREATE TABLE notes (text TEXT NOT NULL) STRICT" }],
    };
    static NEW: Migrations = Migrations {
        service: "update_test",
        steps: &[
            Migration { version: 1, name: "notes", sql: "CREATE TABLE notes (text TEXT NOT NULL) STRICT" },
            Migration { version: 2, name: "notes_at", sql: "ALTER TABLE notes ADD COLUMN at TEXT" },
        ],
    };

    #[test]
    fn a_version_with_new_migrations_first_saves_the_database_as_it_was() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let config = Config { data_dir: dir.path().to_owned(), ..Config::default() };
        let db = config.database_path();
        // A fresh box has nothing to save.
        assert_eq!(snapshot_before_migrations(&config, &db, &[&OLD])?, None);
        let store = Store::open(&db, Arc::new(SystemClock), &[&OLD])?;
        drop(store);
        // The same version again: nothing to migrate, nothing saved.
        assert_eq!(snapshot_before_migrations(&config, &db, &[&OLD])?, None);
        // The next version brings step 2: the database is saved first, still without it.
        let saved = snapshot_before_migrations(&config, &db, &[&NEW])?.expect("a snapshot");
        assert!(saved.starts_with(dir.path().join("backups")), "{}", saved.display());
        let status = comanda_store::migration_status(&saved, &[&NEW])?;
        assert_eq!((status[1].applied.as_slice(), status[1].pending.as_slice()), (&[1][..], &[2][..]), "{status:?}");
        Ok(())
    }
}
