//! `comanda backup --to FILE` and `comanda restore FILE`.
//!
//! A backup is an online, consistent SQLite copy of the database (the server may keep
//! running), checked with `PRAGMA integrity_check`. Restore refuses while a server holds the
//! data dir (the server keeps an OS lock on `comanda.lock` while it runs), checks the file
//! first, keeps the current database aside as `comanda.db.before-restore-<time>`, then puts
//! the backup in place. The signing key stays: sessions simply continue or log in again.
//!
//! `--copy-to DIR` (or `backup_copy_dir`) also puts the backup on a USB stick mounted at DIR.
//! DIR must be a mount point of its own: an empty mount point with no stick in it would
//! otherwise quietly fill the box's own disk.

use std::fs::{File, OpenOptions};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

use crate::Config;

/// Held by a running server for its whole life.
pub fn lock_data_dir(config: &Config) -> anyhow::Result<File> {
    let path = config.data_dir.join("comanda.lock");
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .with_context(|| format!("cannot open {}", path.display()))?;
    if file.try_lock().is_err() {
        bail!("another comanda is already running on {}", config.data_dir.display());
    }
    Ok(file)
}

pub fn backup(config: &Config, to: &Path) -> anyhow::Result<()> {
    let db = config.database_path();
    if !db.exists() {
        bail!("no database at {}; is --data-dir right?", db.display());
    }
    comanda_store::backup_to(&db, to).with_context(|| format!("backup to {} failed", to.display()))
}

/// The nightly backup: `backups/comanda-YYYYMMDD-HHMMSS.db` in the data dir, keeping the
/// newest `keep` of them (older nightly files are removed; nothing else is touched).
pub fn nightly(config: &Config, keep: usize) -> anyhow::Result<std::path::PathBuf> {
    let dir = config.data_dir.join("backups");
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let now = time::OffsetDateTime::now_utc();
    let name = format!(
        "comanda-{:04}{:02}{:02}-{:02}{:02}{:02}.db",
        now.year(),
        u8::from(now.month()),
        now.day(),
        now.hour(),
        now.minute(),
        now.second()
    );
    let to = dir.join(name);
    backup(config, &to)?;
    keep_newest(&dir, keep)?;
    Ok(to)
}

/// Removes all but the newest `keep` nightly files (`comanda-*.db`) in `dir`.
fn keep_newest(dir: &Path, keep: usize) -> anyhow::Result<()> {
    let mut nightly: Vec<_> = std::fs::read_dir(dir)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with("comanda-") && n.ends_with(".db"))
        })
        .collect();
    nightly.sort();
    let excess = nightly.len().saturating_sub(keep.max(1));
    for old in nightly.into_iter().take(excess) {
        std::fs::remove_file(&old).with_context(|| format!("cannot remove {}", old.display()))?;
    }
    Ok(())
}

/// Copies a finished backup onto the stick mounted at `dir`: written under a temporary name,
/// synced and checked, then renamed, so a stick pulled out mid-copy never holds a file that
/// looks whole. `None` when no stick is mounted there (the backup in the data dir stands).
/// With `keep`, only the newest `keep` nightly files stay on the stick.
pub fn copy_to(config: &Config, written: &Path, dir: &Path, keep: Option<usize>) -> anyhow::Result<Option<PathBuf>> {
    let Ok(stick) = std::fs::metadata(dir) else { return Ok(None) };
    let box_disk = std::fs::metadata(&config.data_dir)?;
    if !stick.is_dir() || stick.dev() == box_disk.dev() {
        return Ok(None);
    }
    let name = written.file_name().and_then(|n| n.to_str()).context("the backup has no file name")?;
    let (to, partial) = (dir.join(name), dir.join(format!("{name}.partial")));
    std::fs::copy(written, &partial).with_context(|| format!("cannot write {}", partial.display()))?;
    File::open(&partial)?.sync_all()?;
    let verdict =
        comanda_store::integrity_check(&partial).with_context(|| format!("cannot read {}", partial.display()))?;
    if verdict != ["ok"] {
        let _ = std::fs::remove_file(&partial);
        bail!("the copy on {} is damaged ({}); is the stick failing?", dir.display(), verdict.join("; "));
    }
    std::fs::rename(&partial, &to).with_context(|| format!("cannot name {}", to.display()))?;
    // Some stick filesystems cannot sync a directory; the file itself is already synced.
    let _ = File::open(dir).and_then(|d| d.sync_all());
    if let Some(keep) = keep {
        keep_newest(dir, keep)?;
    }
    Ok(Some(to))
}

pub fn restore(config: &Config, from: &Path) -> anyhow::Result<std::path::PathBuf> {
    let verdict = comanda_store::integrity_check(from).with_context(|| format!("cannot read {}", from.display()))?;
    if verdict != ["ok"] {
        bail!("{} is not a sound backup: {}", from.display(), verdict.join("; "));
    }
    std::fs::create_dir_all(&config.data_dir)?;
    let _lock = lock_data_dir(config).context("stop the server before restoring")?;
    let db = config.database_path();
    let stamp = time::OffsetDateTime::now_utc().unix_timestamp();
    let aside = config.data_dir.join(format!("comanda.db.before-restore-{stamp}"));
    if db.exists() {
        std::fs::rename(&db, &aside).with_context(|| format!("cannot move {} aside", db.display()))?;
        for suffix in ["-wal", "-shm"] {
            let side = config.data_dir.join(format!("comanda.db{suffix}"));
            if side.exists() {
                std::fs::rename(&side, config.data_dir.join(format!("comanda.db.before-restore-{stamp}{suffix}")))?;
            }
        }
    }
    std::fs::copy(from, &db).with_context(|| format!("cannot copy {} into place", from.display()))?;
    File::open(&db)?.sync_all()?;
    Ok(aside)
}
