//! `comanda update IMAGE_OR_ROOTFS`: A/B updates of the appliance that never lose data.
//!
//! The disk holds two root partitions, `comanda-root-a` and `-b`; the boot entry says which
//! one runs (`root=PARTLABEL=comanda-root-a`). An update:
//!
//! 1. checks the file against its SHA-256 (`FILE.sha256`, as `cargo xtask image` writes it);
//! 2. streams the new root filesystem onto the *inactive* partition — from a whole disk image
//!    (`.raw`, its root A partition, found in the GPT) or a bare root filesystem (`.ext4`),
//!    either one zstd-compressed or not — then reads the partition back and compares hashes;
//! 3. copies the new root's kernel and initrd onto the ESP and adds the boot entry
//!    `comanda-<n>-<slot>+1.conf`: systemd-boot boots the highest `n` first, with one try;
//! 4. (`--reboot`) reboots. On that boot `comanda-boot-check.service` waits for `/readyz`:
//!    healthy → systemd-bless-boot makes the entry permanent; not healthy → reboot, and
//!    systemd-boot, finding no tries left on the new entry, starts the previous one again.
//!
//! The data partition is never written here. Migrations run when the new version first
//! starts, after a snapshot of the database (see `app::snapshot_before_migrations`).

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};
use sha2::{Digest, Sha256};

/// The boot entry of a root slot; `image/build.sh` writes slot A's from the same template.
const ENTRY_TEMPLATE: &str = include_str!("../../image/entry.conf.in");
const SECTOR: u64 = 512;
const ZSTD_MAGIC: [u8; 4] = [0x28, 0xB5, 0x2F, 0xFD];
const GPT_SIGNATURE: &[u8; 8] = b"EFI PART";
/// ext4's superblock magic, at byte 1024 + 56 of the filesystem.
const EXT4_MAGIC_AT: usize = 1080;
const EXT4_MAGIC: [u8; 2] = [0x53, 0xEF];
/// The partition of a disk image that holds its system.
const IMAGE_ROOT_LABEL: &str = "comanda-root-a";

/// Where things are on the running appliance (tests point these elsewhere).
#[derive(Clone, Debug)]
pub struct Layout {
    /// The kernel command line (`/proc/cmdline`).
    pub cmdline: String,
    /// Partitions by GPT label (`/dev/disk/by-partlabel`).
    pub partitions: PathBuf,
    /// The mounted ESP (`/efi`).
    pub esp: PathBuf,
    /// Where the new root is mounted to read its kernel.
    pub mount_point: PathBuf,
}

impl Layout {
    pub fn system() -> anyhow::Result<Self> {
        Ok(Self {
            cmdline: fs::read_to_string("/proc/cmdline").context("cannot read /proc/cmdline")?,
            partitions: "/dev/disk/by-partlabel".into(),
            esp: "/efi".into(),
            mount_point: "/run/comanda-update/root".into(),
        })
    }
}

/// The two root slots.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Slot {
    A,
    B,
}

impl Slot {
    pub fn name(self) -> &'static str {
        match self {
            Slot::A => "a",
            Slot::B => "b",
        }
    }
    pub fn other(self) -> Slot {
        match self {
            Slot::A => Slot::B,
            Slot::B => Slot::A,
        }
    }
    fn label(self) -> String {
        format!("comanda-root-{}", self.name())
    }
}

/// The running slot, from `root=PARTLABEL=comanda-root-x` on the kernel command line.
pub fn running_slot(cmdline: &str) -> anyhow::Result<Slot> {
    let root = cmdline.split_whitespace().find_map(|arg| arg.strip_prefix("root=PARTLABEL="));
    match root {
        Some("comanda-root-a") => Ok(Slot::A),
        Some("comanda-root-b") => Ok(Slot::B),
        _ => bail!("this system was not started from a Comanda appliance root (kernel command line: {cmdline:?})"),
    }
}

/// What an update did, for the console and `status.json`.
#[derive(Debug, serde::Serialize)]
pub struct Applied {
    pub slot: &'static str,
    pub version: String,
    pub entry: String,
    pub bytes: u64,
}

pub fn apply(file: &Path, layout: &Layout) -> anyhow::Result<Applied> {
    apply_then(file, layout, || {})
}

/// [`apply`], calling `written` once the new root and its kernel are in place and before the
/// boot entry that starts them is added.
fn apply_then(file: &Path, layout: &Layout, written: impl FnOnce()) -> anyhow::Result<Applied> {
    let target = running_slot(&layout.cmdline)?.other();
    verify_checksum(file)?;
    let device = layout.partitions.join(target.label());
    let capacity = device_size(&device)?;
    let (bytes, written_hash) = write_root(file, &device, capacity)?;
    let read_back = hash_prefix(&device, bytes)?;
    if read_back != written_hash {
        bail!("{} reads back differently from what was written: the disk may be failing", device.display());
    }
    let version = install_boot_files(&device, target, layout)?;
    written();
    let entry = add_boot_entry(&layout.esp, target, &version)?;
    rustix::fs::sync();
    Ok(Applied { slot: target.name(), version, entry, bytes })
}

/// `FILE.sha256` holds the file's SHA-256 (first word, as `sha256sum` writes it); the update
/// is refused without it or when it does not match.
fn verify_checksum(file: &Path) -> anyhow::Result<()> {
    let mut sidecar = file.as_os_str().to_owned();
    sidecar.push(".sha256");
    let sidecar = PathBuf::from(sidecar);
    let expected = fs::read_to_string(&sidecar)
        .with_context(|| format!("cannot read the checksum {} (it comes with the update file)", sidecar.display()))?;
    let expected = expected.split_whitespace().next().unwrap_or_default().to_ascii_lowercase();
    let mut hasher = Sha256::new();
    let mut input = File::open(file).with_context(|| format!("cannot open {}", file.display()))?;
    io::copy(&mut input, &mut hasher).with_context(|| format!("cannot read {}", file.display()))?;
    let actual = hex::encode(hasher.finalize());
    if actual != expected {
        bail!(
            "{} is damaged or incomplete: its SHA-256 is {actual}, {} says {expected}",
            file.display(),
            sidecar.display()
        );
    }
    Ok(())
}

fn device_size(device: &Path) -> anyhow::Result<u64> {
    let mut f = File::open(device).with_context(|| format!("cannot open {}", device.display()))?;
    let end =
        io::Seek::seek(&mut f, io::SeekFrom::End(0)).with_context(|| format!("cannot size {}", device.display()))?;
    Ok(end)
}

/// The new root filesystem inside `file`, as a stream, and its length when known up front.
pub fn open_root(file: &Path) -> anyhow::Result<(Box<dyn Read>, Option<u64>)> {
    let raw = File::open(file).with_context(|| format!("cannot open {}", file.display()))?;
    let mut reader = BufReader::with_capacity(1 << 20, raw);
    let mut magic = [0u8; 4];
    read_exact_or_short(&mut reader, &mut magic)?;
    let head = io::Cursor::new(magic.to_vec()).chain(reader);
    let mut stream: Box<dyn Read> = if magic == ZSTD_MAGIC {
        Box::new(zstd::stream::read::Decoder::new(head).context("cannot start decompressing")?)
    } else {
        Box::new(head)
    };
    // Enough to see a GPT header (LBA 1) and an ext4 superblock.
    let mut start = vec![0u8; 2 * SECTOR as usize + 1024];
    let got = read_exact_or_short(&mut stream, &mut start)?;
    start.truncate(got);
    if start.get(SECTOR as usize..SECTOR as usize + 8) == Some(GPT_SIGNATURE.as_slice()) {
        let (first, length) = gpt_partition(&mut start, &mut stream, IMAGE_ROOT_LABEL)?;
        // Skip to the partition: the stream is at `start.len()` + the entries already read.
        let mut rest = io::Cursor::new(start).chain(stream);
        io::copy(&mut (&mut rest).take(first), &mut io::sink()).context("cannot read the disk image")?;
        return Ok((Box::new(rest.take(length)), Some(length)));
    }
    if start.get(EXT4_MAGIC_AT..EXT4_MAGIC_AT + 2) == Some(EXT4_MAGIC.as_slice()) {
        return Ok((Box::new(io::Cursor::new(start).chain(stream)), None));
    }
    bail!("{} is neither a Comanda disk image nor a root filesystem (ext4)", file.display())
}

/// Finds the partition named `label` in a GPT whose header is in `start` (which holds LBA 0
/// and 1 and a little more); reads the partition entries from `stream` into `start`.
/// Returns (first byte, length in bytes).
fn gpt_partition(start: &mut Vec<u8>, stream: &mut dyn Read, label: &str) -> anyhow::Result<(u64, u64)> {
    let header = &start[SECTOR as usize..2 * SECTOR as usize];
    let u64_at = |b: &[u8], at: usize| u64::from_le_bytes(b[at..at + 8].try_into().unwrap_or([0; 8]));
    let u32_at = |b: &[u8], at: usize| u32::from_le_bytes(b[at..at + 4].try_into().unwrap_or([0; 4]));
    let entries_lba = u64_at(header, 72);
    let count = u64::from(u32_at(header, 80));
    let size = u64::from(u32_at(header, 84));
    if !(2..=64).contains(&entries_lba) || count > 1024 || !(128..=4096).contains(&size) {
        bail!("the disk image's partition table is not one this updater reads");
    }
    let end = (entries_lba * SECTOR + count * size) as usize;
    if start.len() < end {
        let have = start.len();
        start.resize(end, 0);
        stream.read_exact(&mut start[have..]).context("the disk image ends inside its partition table")?;
    }
    for i in 0..count as usize {
        let at = (entries_lba * SECTOR) as usize + i * size as usize;
        let entry = &start[at..at + size as usize];
        let name: Vec<u16> =
            entry[56..128].chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]])).take_while(|&c| c != 0).collect();
        if String::from_utf16_lossy(&name) == label {
            let (first, last) = (u64_at(entry, 32), u64_at(entry, 40));
            if last < first {
                bail!("the disk image's partition {label} is malformed");
            }
            return Ok((first * SECTOR, (last - first + 1) * SECTOR));
        }
    }
    bail!("the disk image has no partition {label}")
}

fn read_exact_or_short(reader: &mut dyn Read, buf: &mut [u8]) -> anyhow::Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        match reader.read(&mut buf[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e).context("cannot read the update file"),
        }
    }
    Ok(got)
}

/// Streams the root filesystem onto `device`; returns the bytes written and their SHA-256.
fn write_root(file: &Path, device: &Path, capacity: u64) -> anyhow::Result<(u64, [u8; 32])> {
    let (mut root, length) = open_root(file)?;
    if let Some(length) = length
        && length > capacity
    {
        bail!("the new root filesystem ({length} bytes) does not fit {} ({capacity} bytes)", device.display());
    }
    let mut out =
        OpenOptions::new().write(true).open(device).with_context(|| format!("cannot open {}", device.display()))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut written = 0u64;
    loop {
        let n = read_exact_or_short(&mut root, &mut buf)?;
        if n == 0 {
            break;
        }
        if written + n as u64 > capacity {
            bail!("the new root filesystem does not fit {} ({capacity} bytes)", device.display());
        }
        out.write_all(&buf[..n]).with_context(|| format!("cannot write {}", device.display()))?;
        hasher.update(&buf[..n]);
        written += n as u64;
    }
    out.sync_all().with_context(|| format!("cannot flush {}", device.display()))?;
    Ok((written, hasher.finalize().into()))
}

fn hash_prefix(device: &Path, bytes: u64) -> anyhow::Result<[u8; 32]> {
    let input = File::open(device).with_context(|| format!("cannot open {}", device.display()))?;
    let mut hasher = Sha256::new();
    io::copy(&mut input.take(bytes), &mut hasher).with_context(|| format!("cannot read back {}", device.display()))?;
    Ok(hasher.finalize().into())
}

/// Mounts the new root read-only and copies its kernel and initrd to the ESP; returns its
/// version (`/usr/lib/comanda/version`).
fn install_boot_files(device: &Path, slot: Slot, layout: &Layout) -> anyhow::Result<String> {
    fs::create_dir_all(&layout.mount_point)
        .with_context(|| format!("cannot create {}", layout.mount_point.display()))?;
    run(Command::new("mount").arg("-o").arg("ro").arg(device).arg(&layout.mount_point))?;
    let copied = copy_boot_files(&layout.mount_point, &layout.esp.join("comanda").join(slot.name()));
    let unmounted = run(Command::new("umount").arg(&layout.mount_point));
    let version = copied?;
    unmounted?;
    Ok(version)
}

fn copy_boot_files(root: &Path, to: &Path) -> anyhow::Result<String> {
    let newest = |prefix: &str| -> anyhow::Result<PathBuf> {
        let mut found: Vec<PathBuf> = fs::read_dir(root.join("boot"))
            .context("the new root has no /boot")?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with(prefix)))
            .collect();
        found.sort();
        found.pop().with_context(|| format!("the new root has no /boot/{prefix}*"))
    };
    let version = fs::read_to_string(root.join("usr/lib/comanda/version"))
        .context("the new root has no /usr/lib/comanda/version: not a Comanda root")?
        .trim()
        .to_owned();
    fs::create_dir_all(to).with_context(|| format!("cannot create {}", to.display()))?;
    for (from, name) in [(newest("vmlinuz-")?, "vmlinuz"), (newest("initrd.img-")?, "initrd.img")] {
        let partial = to.join(format!("{name}.new"));
        fs::copy(&from, &partial).with_context(|| format!("cannot copy {} to the ESP", from.display()))?;
        File::open(&partial).and_then(|f| f.sync_all()).context("cannot flush the ESP")?;
        fs::rename(&partial, to.join(name)).context("cannot replace the kernel on the ESP")?;
    }
    Ok(version)
}

/// Replaces `slot`'s boot entries with `comanda-<n>-<slot>+1.conf`, `n` above every entry's.
pub fn add_boot_entry(esp: &Path, slot: Slot, version: &str) -> anyhow::Result<String> {
    let dir = esp.join("loader/entries");
    let mut highest = 0u64;
    for entry in fs::read_dir(&dir).with_context(|| format!("cannot list {}", dir.display()))? {
        let path = entry?.path();
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else { continue };
        let Some((n, rest)) = name.strip_prefix("comanda-").and_then(|r| r.split_once('-')) else { continue };
        let n: u64 = n.parse().unwrap_or(0);
        if rest.strip_prefix(slot.name()).is_some_and(|r| r.starts_with(['.', '+'])) {
            fs::remove_file(&path).with_context(|| format!("cannot remove the old entry {}", path.display()))?;
        } else {
            highest = highest.max(n);
        }
    }
    let id = format!("comanda-{}-{}", highest + 1, slot.name());
    let text = ENTRY_TEMPLATE.replace("@VERSION@", version).replace("@SLOT@", slot.name());
    let path = dir.join(format!("{id}+1.conf"));
    let mut file = File::create(&path).with_context(|| format!("cannot write {}", path.display()))?;
    file.write_all(text.as_bytes())?;
    file.sync_all()?;
    Ok(id)
}

/// `--staged`: applies the upload in `update/`, records the outcome in `update/status.json`
/// and removes the upload either way, so the path unit does not start again. On success it is
/// removed before the boot entry is added: after a power cut between the two, the trial boot
/// of the new root must not find the upload and write it over the old root, its fallback.
pub fn apply_staged(config: &crate::Config, layout: &Layout) -> anyhow::Result<Applied> {
    let staging = crate::system_update::Staging::new(&config.data_dir);
    let remove_upload = || {
        let _ = fs::remove_file(staging.checksum());
        let _ = fs::remove_file(staging.file());
        rustix::fs::sync();
    };
    let outcome = apply_then(&staging.file(), layout, remove_upload);
    let at = time::OffsetDateTime::now_utc().format(&time::format_description::well_known::Rfc3339).unwrap_or_default();
    let status = match &outcome {
        Ok(applied) => {
            serde_json::json!({ "state": "applied", "at": at, "from": crate::version(), "applied": applied })
        }
        Err(e) => {
            serde_json::json!({ "state": "failed", "at": at, "from": crate::version(), "error": format!("{e:#}") })
        }
    };
    let _ = fs::remove_file(staging.checksum());
    let _ = fs::remove_file(staging.file());
    fs::write(staging.status(), serde_json::to_vec_pretty(&status)?)
        .with_context(|| format!("cannot write {}", staging.status().display()))?;
    outcome
}

pub fn reboot() -> anyhow::Result<()> {
    run(Command::new("systemctl").arg("reboot"))
}

/// Polls `/readyz` on the configured address until it answers 200 or `timeout` passes.
/// (With HTTPS on, an accepted connection counts: this check speaks plain HTTP.)
pub fn wait_ready(config: &crate::Config, timeout: std::time::Duration) -> bool {
    use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpStream};
    use std::time::{Duration, Instant};
    let mut addr = config.listen;
    if addr.ip().is_unspecified() {
        let loopback = if addr.is_ipv4() { IpAddr::V4(Ipv4Addr::LOCALHOST) } else { IpAddr::V6(Ipv6Addr::LOCALHOST) };
        addr = SocketAddr::new(loopback, addr.port());
    }
    let deadline = Instant::now() + timeout;
    loop {
        let answered = TcpStream::connect_timeout(&addr, Duration::from_secs(2)).and_then(|mut s| {
            if config.tls {
                return Ok(true);
            }
            s.set_read_timeout(Some(Duration::from_secs(5)))?;
            s.write_all(b"GET /readyz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")?;
            let mut head = [0u8; 12];
            s.read_exact(&mut head)?;
            Ok(head.starts_with(b"HTTP/1.1 200"))
        });
        if answered.unwrap_or(false) {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_secs(1));
    }
}

fn run(command: &mut Command) -> anyhow::Result<()> {
    let shown = format!("{command:?}");
    let status = command.status().with_context(|| format!("cannot run {shown}"))?;
    if !status.success() {
        bail!("{shown} failed ({status})");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_running_slot_comes_from_the_kernel_command_line() {
        let table = [
            ("BOOT_IMAGE=x root=PARTLABEL=comanda-root-a rw quiet", Some(Slot::A)),
            ("root=PARTLABEL=comanda-root-b rw", Some(Slot::B)),
            ("root=/dev/sda2 rw", None),
            ("root=PARTLABEL=comanda-root-c", None),
        ];
        for (cmdline, slot) in table {
            assert_eq!(running_slot(cmdline).ok(), slot, "{cmdline}");
        }
    }

    /// A tiny GPT disk image: the partitions (label, first LBA, sectors, fill byte).
    fn disk(parts: &[(&str, u64, u64, u8)]) -> Vec<u8> {
        let end = parts.iter().map(|p| p.1 + p.2).max().unwrap_or(34) as usize;
        let mut disk = vec![0u8; end * SECTOR as usize];
        let header = &mut disk[512..1024];
        header[..8].copy_from_slice(GPT_SIGNATURE);
        header[72..80].copy_from_slice(&2u64.to_le_bytes());
        header[80..84].copy_from_slice(&128u32.to_le_bytes());
        header[84..88].copy_from_slice(&128u32.to_le_bytes());
        for (i, (label, first, sectors, fill)) in parts.iter().enumerate() {
            let e = &mut disk[1024 + i * 128..1024 + (i + 1) * 128];
            e[0] = 1; // a non-zero type
            e[32..40].copy_from_slice(&first.to_le_bytes());
            e[40..48].copy_from_slice(&(first + sectors - 1).to_le_bytes());
            for (j, c) in label.encode_utf16().enumerate() {
                e[56 + 2 * j..58 + 2 * j].copy_from_slice(&c.to_le_bytes());
            }
            let at = (*first * SECTOR) as usize;
            disk[at..at + (*sectors * SECTOR) as usize].fill(*fill);
        }
        disk
    }

    fn read_all(path: &Path) -> anyhow::Result<(Vec<u8>, Option<u64>)> {
        let (mut r, len) = open_root(path)?;
        let mut out = Vec::new();
        r.read_to_end(&mut out)?;
        Ok((out, len))
    }

    #[test]
    fn the_root_comes_out_of_a_disk_image_plain_or_compressed() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let image = disk(&[("esp", 40, 8, 0xE5), ("comanda-root-a", 48, 16, 0xAA), ("comanda-root-b", 64, 16, 0)]);
        let plain = dir.path().join("disk.raw");
        fs::write(&plain, &image)?;
        let packed = dir.path().join("disk.raw.zst");
        fs::write(&packed, zstd::encode_all(image.as_slice(), 3)?)?;
        for path in [&plain, &packed] {
            let (root, len) = read_all(path)?;
            assert_eq!(len, Some(16 * SECTOR));
            assert!(root.len() == 16 * SECTOR as usize && root.iter().all(|&b| b == 0xAA), "{}", path.display());
        }
        let no_root = dir.path().join("other.raw");
        fs::write(&no_root, disk(&[("esp", 40, 8, 1)]))?;
        let err = read_all(&no_root).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.contains("no partition comanda-root-a"), "{err}");
        Ok(())
    }

    #[test]
    fn a_bare_root_filesystem_is_taken_whole_and_anything_else_refused() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let mut ext4 = vec![7u8; 8192];
        ext4[EXT4_MAGIC_AT..EXT4_MAGIC_AT + 2].copy_from_slice(&EXT4_MAGIC);
        let path = dir.path().join("root.ext4.zst");
        fs::write(&path, zstd::encode_all(ext4.as_slice(), 3)?)?;
        assert_eq!(read_all(&path)?, (ext4, None));
        let junk = dir.path().join("notes.txt");
        fs::write(&junk, "hello")?;
        let err = read_all(&junk).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.contains("neither a Comanda disk image nor a root filesystem"), "{err}");
        Ok(())
    }

    #[test]
    fn a_damaged_update_file_is_refused_before_anything_is_written() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let file = dir.path().join("u.ext4");
        fs::write(&file, b"the new system")?;
        let missing = verify_checksum(&file).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(missing.contains("cannot read the checksum"), "{missing}");
        fs::write(dir.path().join("u.ext4.sha256"), format!("{}  u.ext4\n", hex::encode(Sha256::digest(b"other"))))?;
        let wrong = verify_checksum(&file).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(wrong.contains("damaged or incomplete"), "{wrong}");
        fs::write(dir.path().join("u.ext4.sha256"), hex::encode(Sha256::digest(b"the new system")))?;
        verify_checksum(&file)
    }

    #[test]
    fn each_update_boots_next_with_one_try_and_replaces_only_its_slots_entries() -> anyhow::Result<()> {
        let esp = tempfile::tempdir()?;
        let entries = esp.path().join("loader/entries");
        fs::create_dir_all(&entries)?;
        fs::write(entries.join("comanda-1-a.conf"), "first")?;
        let names = || -> anyhow::Result<Vec<String>> {
            let mut v: Vec<String> = fs::read_dir(&entries)?
                .map(|e| Ok(e?.file_name().to_string_lossy().into_owned()))
                .collect::<io::Result<_>>()?;
            v.sort();
            Ok(v)
        };
        assert_eq!(add_boot_entry(esp.path(), Slot::B, "2.0")?, "comanda-2-b");
        assert_eq!(names()?, ["comanda-1-a.conf", "comanda-2-b+1.conf"]);
        let text = fs::read_to_string(entries.join("comanda-2-b+1.conf"))?;
        assert!(
            text.contains("root=PARTLABEL=comanda-root-b")
                && text.contains("/comanda/b/vmlinuz")
                && text.contains("2.0"),
            "{text}"
        );
        // systemd-boot used the try and the boot failed (+0-1); the next update to B replaces it.
        fs::rename(entries.join("comanda-2-b+1.conf"), entries.join("comanda-2-b+0-1.conf"))?;
        assert_eq!(add_boot_entry(esp.path(), Slot::B, "2.1")?, "comanda-2-b");
        assert_eq!(names()?, ["comanda-1-a.conf", "comanda-2-b+1.conf"]);
        // Blessed B, now the next update goes to A, above B.
        fs::rename(entries.join("comanda-2-b+1.conf"), entries.join("comanda-2-b.conf"))?;
        assert_eq!(add_boot_entry(esp.path(), Slot::A, "3.0")?, "comanda-3-a");
        assert_eq!(names()?, ["comanda-2-b.conf", "comanda-3-a+1.conf"]);
        Ok(())
    }
}
