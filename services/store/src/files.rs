//! Small files the box must never find half-written after a power cut (signing keys, the
//! HTTPS certificate authority), and how much room the disk has left.

use std::fs;
use std::io::{self, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

/// Writes `bytes` to `path` with permission `mode`: into a temporary file beside it, synced,
/// then renamed over `path`, so a power cut leaves the old file or the new one, never half of
/// either. The directory is synced too where its filesystem allows.
pub fn write_file_durably(path: &Path, bytes: &[u8], mode: u32) -> io::Result<()> {
    let mut tmp_name = path.as_os_str().to_owned();
    tmp_name.push(".tmp");
    let tmp = Path::new(&tmp_name);
    // A temporary file left by an earlier power cut goes first: `mode` applies only to a file
    // this call creates, and a leftover one may be wider (a key must never end up 0644).
    match fs::remove_file(tmp) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
        _ => {}
    }
    let mut file = fs::OpenOptions::new().write(true).create_new(true).mode(mode).open(tmp)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    fs::rename(tmp, path)?;
    if let Some(dir) = path.parent() {
        let _ = fs::File::open(dir).and_then(|d| d.sync_all());
    }
    Ok(())
}

/// Bytes an unprivileged process may still write on the filesystem holding `path`; `None`
/// when that cannot be asked.
pub fn free_bytes(path: &Path) -> Option<u64> {
    let stats = rustix::fs::statvfs(path).ok()?;
    Some(stats.f_bavail.saturating_mul(stats.f_frsize))
}

/// Below this much free space an unexplained storage failure is taken for a full disk: one
/// batch of small requests needs a few pages of WAL, and SQLite's WAL index grows 32 KiB at
/// a time.
const NEARLY_FULL: u64 = 1 << 20;

pub(crate) fn nearly_full(dir: &Path) -> bool {
    free_bytes(dir).is_some_and(|free| free < NEARLY_FULL)
}
