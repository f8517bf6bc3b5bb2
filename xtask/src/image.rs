//! `cargo xtask image [--test]`: the appliance disk image, and its boot test under qemu.
//!
//! The recipe is `image/build.sh` (mmdebstrap, mkfs, systemd-repart); this drives it: the
//! release binary, the cached Debian base, the image and its update file, compressed, with
//! their SHA-256. `--test` then boots the image in qemu (TCG, OVMF, user networking with a
//! forward from 127.0.0.1 only) and plays an installer's and an owner's day: first start and
//! setup, a reboot, an update to a new build, an update to a broken build (which must fall
//! back by itself), checking the restaurant's data after each. Numbers go to
//! `bench/results/image.json`.

use std::fs::{self, File};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::{cargo, run_command, target_dir, workspace_root};

/// Debian packages the build and the boot test use.
const PACKAGES: &[&str] = &[
    "mmdebstrap",
    "systemd",
    "systemd-boot-efi",
    "dosfstools",
    "mtools",
    "e2fsprogs",
    "zstd",
    "ovmf",
    "qemu-system-x86",
];
/// The host side of the guest's port 80 (loopback only).
const FORWARD: &str = "127.0.0.1:18080";
const OVMF_CODE: &str = "/usr/share/OVMF/OVMF_CODE_4M.fd";
const OVMF_VARS: &str = "/usr/share/OVMF/OVMF_VARS_4M.fd";
/// The disk the test boots: larger than the image, so the data partition grows into it.
const TEST_DISK_BYTES: u64 = 4 << 30;
const OWNER: (&str, &str) = ("owner", "image test password");

struct Built {
    version: String,
    base: PathBuf,
    binary: PathBuf,
    raw: PathBuf,
    image: PathBuf,
    update: PathBuf,
    rootfs: PathBuf,
    work: PathBuf,
    build_seconds: f64,
}

pub fn image(rest: &[String]) -> Result<()> {
    let test = rest.iter().any(|a| a == "--test");
    ensure_packages()?;
    let started = Instant::now();
    let label = build_label();
    let binary = release_binary(&label)?;
    let out = target_dir().join("image");
    let work = out.join("work");
    fs::create_dir_all(&work)?;
    let version = format!("{}+{label}", env!("CARGO_PKG_VERSION"));
    remove_older_outputs(&out, &label)?;
    let base = base_tarball(&out)?;
    let rootfs = work.join("rootfs");
    recipe(&["rootfs", path(&base), path(&rootfs), path(&binary), &version])?;
    let root = work.join("root.ext4");
    recipe(&["rootimg", path(&rootfs), path(&root)])?;
    let raw = work.join("disk.raw");
    recipe(&["disk", path(&rootfs), path(&root), path(&raw)])?;
    let image = out.join(format!("comanda-{version}-x86_64.raw.zst"));
    compress(&raw, &image)?;
    let update = out.join(format!("comanda-{version}-x86_64.root.ext4.zst"));
    compress(&root, &update)?;
    let build_seconds = started.elapsed().as_secs_f64();
    let built = Built { version, base, binary, raw, image, update, rootfs, work, build_seconds };
    eprintln!(
        "==> image: {} ({} compressed, {} raw) and the update file {} in {:.0} s",
        built.image.display(),
        mib(size(&built.image)?),
        mib(size(&built.raw)?),
        built.update.display(),
        built.build_seconds
    );
    if test { boot_test(&built) } else { Ok(()) }
}

/// Images and binaries of other commits (≈ 250 MB each) go when a new one is made.
fn remove_older_outputs(out: &Path, label: &str) -> Result<()> {
    for entry in fs::read_dir(out)?.filter_map(|e| e.ok()) {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with("comanda-") && !name.contains(label) && entry.path().is_file() {
            fs::remove_file(entry.path())?;
        }
    }
    Ok(())
}

/// The build's label in its version: the commit, so two images of one commit are the same.
fn build_label() -> String {
    let commit = Command::new("git")
        .args(["rev-parse", "--short=10", "HEAD"])
        .current_dir(workspace_root())
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned());
    commit.map_or_else(|| "dev".to_owned(), |c| format!("g{c}"))
}

/// The release `comanda`, labelled (a different label rebuilds only the appliance crate).
/// `COMANDA_IMAGE_REUSE_BINARIES=1` (for work on the image itself) takes the binary already
/// kept for that label instead of building.
fn release_binary(label: &str) -> Result<PathBuf> {
    let kept = target_dir().join("image").join(format!("comanda-{label}"));
    if std::env::var_os("COMANDA_IMAGE_REUSE_BINARIES").is_some() && kept.exists() {
        eprintln!("==> image: reusing {}", kept.display());
        return Ok(kept);
    }
    let mut build = cargo();
    build.args(["build", "--release", "--locked", "--package", "comanda-appliance", "--bin", "comanda"]);
    build.env("COMANDA_BUILD", label);
    run_command(&format!("cargo build --release comanda (COMANDA_BUILD={label})"), build)?;
    let built = target_dir().join("release").join("comanda");
    fs::create_dir_all(target_dir().join("image"))?;
    fs::copy(&built, &kept).with_context(|| format!("cannot copy {}", built.display()))?;
    Ok(kept)
}

/// Installs what the build needs when run as root (CI); otherwise says what is missing.
fn ensure_packages() -> Result<()> {
    let missing: Vec<&str> = PACKAGES.iter().copied().filter(|p| !installed(p)).collect();
    if missing.is_empty() {
        return Ok(());
    }
    let root = Command::new("id").arg("-u").output().is_ok_and(|o| o.stdout.starts_with(b"0\n"));
    if !root {
        bail!("cargo xtask image needs these Debian packages: {} (run it as root to install them)", missing.join(" "));
    }
    let mut update = Command::new("apt-get");
    update.arg("update").env("DEBIAN_FRONTEND", "noninteractive");
    run_command("apt-get update", update)?;
    let mut install = Command::new("apt-get");
    install
        .args(["install", "-y", "--no-install-recommends", "--allow-downgrades"])
        .env("DEBIAN_FRONTEND", "noninteractive");
    for package in &missing {
        install.arg(package);
        // qemu-system-x86 and qemu-utils must come from one suite: the machine may carry a
        // newer qemu-utils from backports, which a bookworm qemu-system-x86 would remove.
        if *package == "qemu-system-x86" {
            install.arg("qemu-utils/bookworm");
        }
    }
    run_command(&format!("apt-get install {}", missing.join(" ")), install)
}

fn installed(package: &str) -> bool {
    Command::new("dpkg-query")
        .args(["-W", "-f=${Status}", package])
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("install ok installed"))
}

/// The Debian base (≈ 1 min to make), kept in target/image/ and remade when its part of the
/// recipe changes (from `EXCLUDED_MODULES` to `rootfs()`).
fn base_tarball(out: &Path) -> Result<PathBuf> {
    let script = fs::read_to_string(workspace_root().join("image/build.sh")).context("cannot read image/build.sh")?;
    let from = script.find("EXCLUDED_MODULES=(").unwrap_or(0);
    let to = script.find("rootfs() {").unwrap_or(script.len()).max(from);
    let key = &hex::encode(Sha256::digest(&script[from..to]))[..12];
    let base = out.join(format!("base-{key}.tar"));
    if base.exists() {
        eprintln!("==> image: Debian base {} (cached)", base.display());
        return Ok(base);
    }
    for old in fs::read_dir(out)?.filter_map(|e| e.ok()) {
        if old.file_name().to_string_lossy().starts_with("base-") {
            fs::remove_file(old.path())?;
        }
    }
    let partial = out.join("base.partial.tar");
    recipe(&["base", path(&partial)])?;
    fs::rename(&partial, &base)?;
    Ok(base)
}

fn recipe(args: &[&str]) -> Result<()> {
    let mut command = Command::new(workspace_root().join("image/build.sh"));
    command.args(args).env("SOURCE_DATE_EPOCH", source_date_epoch());
    run_command(&format!("image/build.sh {}", args[0]), command)
}

/// The commit's date, or SOURCE_DATE_EPOCH when given.
fn source_date_epoch() -> String {
    std::env::var("SOURCE_DATE_EPOCH").ok().unwrap_or_else(|| {
        Command::new("git")
            .args(["log", "-1", "--format=%ct"])
            .current_dir(workspace_root())
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map_or_else(|| "1764547200".to_owned(), |o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
    })
}

/// zstd, and the SHA-256 beside it (`FILE.sha256`, as `sha256sum` writes it).
fn compress(from: &Path, to: &Path) -> Result<()> {
    let mut zstd = Command::new("zstd");
    zstd.args(["-q", "-f", "-T0", "-10", "--sparse"]).arg(from).arg("-o").arg(to);
    run_command(&format!("zstd {}", to.display()), zstd)?;
    let name = to.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    fs::write(sidecar(to), format!("{}  {name}\n", file_sha256(to)?))?;
    Ok(())
}

fn sidecar(file: &Path) -> PathBuf {
    let mut name = file.as_os_str().to_owned();
    name.push(".sha256");
    PathBuf::from(name)
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap_or_default()
}

fn size(p: &Path) -> Result<u64> {
    Ok(fs::metadata(p).with_context(|| format!("cannot stat {}", p.display()))?.len())
}

fn mib(bytes: u64) -> String {
    format!("{:.0} MiB", bytes as f64 / (1024.0 * 1024.0))
}

// ---- the boot test ------------------------------------------------------------------------

/// The same inputs give the same bytes: the rootfs, root filesystem and disk made again from
/// the same Debian base and binary equal the first ones.
fn same_bytes_again(built: &Built) -> Result<()> {
    let again = built.work.join("again");
    fs::create_dir_all(&again)?;
    let (rootfs, root, raw) = (again.join("rootfs"), again.join("root.ext4"), again.join("disk.raw"));
    recipe(&["rootfs", path(&built.base), path(&rootfs), path(&built.binary), &built.version])?;
    recipe(&["rootimg", path(&rootfs), path(&root)])?;
    recipe(&["disk", path(&rootfs), path(&root), path(&raw)])?;
    let (first, second) = (file_sha256(&built.raw)?, file_sha256(&raw)?);
    fs::remove_dir_all(&again)?;
    if first != second {
        bail!("the image is not reproducible: the same inputs gave {first} and then {second}");
    }
    eprintln!("==> image test: built twice from the same inputs, the same bytes ({first})");
    Ok(())
}

fn file_sha256(file: &Path) -> Result<String> {
    let mut hasher = Sha256::new();
    std::io::copy(&mut File::open(file)?, &mut hasher)?;
    Ok(hex::encode(hasher.finalize()))
}

fn boot_test(built: &Built) -> Result<()> {
    let work = &built.work;
    same_bytes_again(built)?;
    // Two more builds to update to: the next version (same code, another label) and a broken
    // one (its `comanda` exits at once), each as the root filesystem update file.
    let next_label = format!("{}.next", build_label());
    let next_binary = release_binary(&next_label)?;
    let next_version = format!("{}+{next_label}", env!("CARGO_PKG_VERSION"));
    let next = variant_update(built, "next", &next_binary, &next_version)?;
    let broken_binary = work.join("broken-comanda");
    fs::write(&broken_binary, "#!/bin/sh\necho 'comanda: a deliberately broken build' >&2\nexit 1\n")?;
    let broken = variant_update(built, "broken", &broken_binary, "broken")?;

    let disk = work.join("test-disk.raw");
    fs::copy(&built.raw, &disk)?;
    File::options().write(true).open(&disk)?.set_len(TEST_DISK_BYTES)?;
    let vars = work.join("OVMF_VARS.fd");
    fs::copy(OVMF_VARS, &vars)?;
    let mut results = json!({
        "what": "the appliance image under qemu (TCG, q35, 2 vCPUs, 1 GiB, OVMF) on this machine",
        "version": built.version,
        "image_compressed_bytes": size(&built.image)?,
        "image_raw_bytes": size(&built.raw)?,
        "update_file_compressed_bytes": size(&built.update)?,
        "build_seconds": built.build_seconds.round(),
        "reproducible": true,
    });

    // 1. First start: the setup wizard waits; an installer sets the restaurant up.
    let mut vm = Vm::start(work, &disk, &vars, 1)?;
    let first = vm.wait_healthy(&built.version, Duration::from_secs(240))?;
    eprintln!("==> image test: first boot healthy in {first:.1} s");
    results["first_boot_to_healthy_seconds"] = json!(round1(first));
    let (status, body) = http(
        "POST",
        "/api/v1/setup",
        None,
        Body::Json(json!({"restaurant": {"name": "Chez Image", "currency": "EUR", "prices_include_tax": true},
                          "owner": {"name": "Olivia Owner", "username": OWNER.0, "password": OWNER.1}})),
    )?;
    expect(status, 201, "setup", &body)?;
    let token = login()?;
    let (status, body) = http("POST", "/api/v1/areas", Some(&token), Body::Json(json!({"name": "Terrace"})))?;
    expect(status, 201, "create an area", &body)?;
    console_shows_the_address(&vm)?;

    // 2. A clean reboot: the data is still there, and the data partition has grown.
    vm.power_down()?;
    let data = partition_bytes(&disk, "comanda-data")?;
    if data < TEST_DISK_BYTES - (3 << 30) {
        bail!("the data partition did not grow to fill the disk at first boot: {}", mib(data));
    }
    results["data_partition_after_first_boot_bytes"] = json!(data);
    let mut vm = Vm::start(work, &disk, &vars, 2)?;
    let again = vm.wait_healthy(&built.version, Duration::from_secs(240))?;
    results["reboot_to_healthy_seconds"] = json!(round1(again));
    data_intact("after a reboot")?;

    // 3. The owner uploads the next version: written to root B, booted once, blessed.
    let started = Instant::now();
    upload(&next)?;
    vm.wait_down(Duration::from_secs(300))?;
    vm.wait_healthy(&next_version, Duration::from_secs(300))?;
    results["update_upload_to_healthy_seconds"] = json!(round1(started.elapsed().as_secs_f64()));
    eprintln!("==> image test: updated to {next_version} in {:.0} s", started.elapsed().as_secs_f64());
    data_intact("after the update")?;
    // Blessed: after a power cycle the new version still starts (an entry left unblessed has
    // no tries left and would not). systemd-bless-boot runs right after the boot check sees
    // /readyz; the shutdown would cancel it if still pending, so give it time first.
    std::thread::sleep(Duration::from_secs(30));
    vm.power_down()?;
    let mut vm = Vm::start(work, &disk, &vars, 3)?;
    vm.wait_healthy(&next_version, Duration::from_secs(240))?;
    data_intact("after the update and a reboot")?;

    // 4. A broken build: it never becomes healthy, so the box goes back to the last good one.
    let started = Instant::now();
    upload(&broken)?;
    vm.wait_down(Duration::from_secs(300))?;
    vm.wait_healthy(&next_version, Duration::from_secs(600))?;
    results["broken_update_fallback_seconds"] = json!(round1(started.elapsed().as_secs_f64()));
    let token = login()?;
    let (_, status) = http("GET", "/api/v1/system/update", Some(&token), Body::None)?;
    let status: Value = serde_json::from_str(&status).unwrap_or_default();
    if status["last"]["applied"]["version"] != "broken" {
        bail!("the broken build was never written (update status: {status})");
    }
    // The broken build did boot (systemd reports its failing service on the console) and
    // the box came back by itself.
    if !vm.console().contains("Failed to start \u{1b}[0;1;39mcomanda.service")
        && !vm.console().contains("Failed to start comanda.service")
    {
        bail!("the console shows no failed start of the broken build:\n{}", tail(&vm.console(), 60));
    }
    data_intact("after the fallback from a broken build")?;
    eprintln!(
        "==> image test: the broken build fell back to {next_version} by itself in {:.0} s",
        started.elapsed().as_secs_f64()
    );
    vm.power_down()?;

    let out = workspace_root().join("bench/results/image.json");
    fs::write(&out, serde_json::to_string_pretty(&results)? + "\n")?;
    eprintln!("==> image test: passed; numbers in {}\n{}", out.display(), serde_json::to_string_pretty(&results)?);
    Ok(())
}

/// The size of the GPT partition named `label` in a disk image.
fn partition_bytes(disk: &Path, label: &str) -> Result<u64> {
    let mut head = vec![0u8; 34 * 512];
    File::open(disk)?.read_exact(&mut head)?;
    let u64_at = |at: usize| u64::from_le_bytes(head[at..at + 8].try_into().unwrap_or_default());
    let u32_at = |at: usize| u32::from_le_bytes(head[at..at + 4].try_into().unwrap_or_default()) as usize;
    let (entries, count, size) = (u64_at(512 + 72) as usize * 512, u32_at(512 + 80), u32_at(512 + 84));
    for i in 0..count.min(128) {
        let at = entries + i * size;
        if at + 128 > head.len() {
            break;
        }
        let name: Vec<u16> = head[at + 56..at + 128]
            .chunks_exact(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .take_while(|&c| c != 0)
            .collect();
        if String::from_utf16_lossy(&name) == label {
            return Ok((u64_at(at + 40) - u64_at(at + 32) + 1) * 512);
        }
    }
    bail!("{} has no partition {label}", disk.display())
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// The rootfs with another `comanda` and version, as a compressed root filesystem update.
fn variant_update(built: &Built, name: &str, binary: &Path, version: &str) -> Result<PathBuf> {
    let rootfs = built.work.join(format!("rootfs-{name}"));
    let mut copy = Command::new("cp");
    copy.arg("-a").arg("--reflink=auto").arg(&built.rootfs).arg(&rootfs);
    if rootfs.exists() {
        fs::remove_dir_all(&rootfs)?;
    }
    run_command(&format!("cp -a rootfs rootfs-{name}"), copy)?;
    fs::copy(binary, rootfs.join("usr/bin/comanda"))?;
    fs::write(rootfs.join("usr/lib/comanda/version"), format!("{version}\n"))?;
    let root = built.work.join(format!("root-{name}.ext4"));
    recipe(&["rootimg", path(&rootfs), path(&root)])?;
    fs::remove_dir_all(&rootfs)?;
    let update = built.work.join(format!("comanda-{name}-x86_64.root.ext4.zst"));
    compress(&root, &update)?;
    fs::remove_file(&root)?;
    Ok(update)
}

fn expect(status: u16, want: u16, what: &str, body: &str) -> Result<()> {
    if status != want {
        bail!("{what}: HTTP {status} (expected {want}): {body}");
    }
    Ok(())
}

fn login() -> Result<String> {
    let (status, body) =
        http("POST", "/api/v1/auth/login", None, Body::Json(json!({"username": OWNER.0, "password": OWNER.1})))?;
    expect(status, 200, "owner login", &body)?;
    let v: Value = serde_json::from_str(&body)?;
    v["access_token"].as_str().map(str::to_owned).context("no access_token in the login answer")
}

fn data_intact(when: &str) -> Result<()> {
    let token = login().with_context(|| format!("the owner cannot log in {when}"))?;
    let (status, body) = http("GET", "/api/v1/areas", Some(&token), Body::None)?;
    expect(status, 200, "list areas", &body)?;
    if !body.contains("Terrace") {
        bail!("the restaurant's data is gone {when}: {body}");
    }
    eprintln!("==> image test: data intact {when}");
    Ok(())
}

fn upload(file: &Path) -> Result<()> {
    let token = login()?;
    let sum = fs::read_to_string(sidecar(file))?;
    let sum = sum.split_whitespace().next().unwrap_or_default().to_owned();
    let (status, body) = http("POST", &format!("/api/v1/system/update?sha256={sum}"), Some(&token), Body::File(file))?;
    expect(status, 202, "upload the update", &body)?;
    eprintln!("==> image test: uploaded {} ({})", file.display(), mib(size(file)?));
    Ok(())
}

fn console_shows_the_address(vm: &Vm) -> Result<()> {
    // The banner comes a moment after the service is up.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let console = vm.console();
        // qemu's user network gives the guest 10.0.2.15; the QR code is drawn with blocks.
        if console.contains("Comanda is running at http://10.0.2.15/") && console.contains('█') {
            eprintln!("==> image test: the console shows the address and its QR code");
            return Ok(());
        }
        if Instant::now() > deadline {
            bail!("the serial console never showed the box's address and QR code; it shows:\n{console}");
        }
        std::thread::sleep(Duration::from_secs(1));
    }
}

// ---- qemu ---------------------------------------------------------------------------------

struct Vm {
    child: Child,
    qmp: PathBuf,
    console: PathBuf,
}

impl Vm {
    fn start(work: &Path, disk: &Path, vars: &Path, n: u32) -> Result<Self> {
        let qmp = work.join("qmp.sock");
        let _ = fs::remove_file(&qmp);
        let console = work.join(format!("console-{n}.log"));
        let mut qemu = Command::new("qemu-system-x86_64");
        qemu.args(["-machine", "q35", "-accel", "tcg", "-m", "1024", "-smp", "2", "-nographic", "-no-user-config"])
            .arg("-drive")
            .arg(format!("if=pflash,format=raw,readonly=on,file={OVMF_CODE}"))
            .arg("-drive")
            .arg(format!("if=pflash,format=raw,file={}", vars.display()))
            .arg("-drive")
            .arg(format!("file={},if=virtio,format=raw", disk.display()))
            .arg("-netdev")
            .arg(format!("user,id=n,restrict=on,hostfwd=tcp:{FORWARD}-:80"))
            .args(["-device", "virtio-net-pci,netdev=n"])
            .arg("-serial")
            .arg(format!("file:{}", console.display()))
            .arg("-monitor")
            .arg("none")
            .arg("-qmp")
            .arg(format!("unix:{},server=on,wait=off", qmp.display()))
            .stdin(Stdio::null())
            .stdout(Stdio::null());
        eprintln!("==> image test: qemu boot {n} (console in {})", console.display());
        let child = qemu.spawn().context("cannot start qemu-system-x86_64")?;
        Ok(Self { child, qmp, console })
    }

    fn console(&self) -> String {
        fs::read(&self.console).map(|b| String::from_utf8_lossy(&b).into_owned()).unwrap_or_default()
    }

    fn alive(&mut self) -> Result<()> {
        if let Some(status) = self.child.try_wait()? {
            bail!("qemu stopped ({status}); the console said:\n{}", tail(&self.console(), 60));
        }
        Ok(())
    }

    /// Seconds until /healthz answers with `version`.
    fn wait_healthy(&mut self, version: &str, limit: Duration) -> Result<f64> {
        let started = Instant::now();
        loop {
            self.alive()?;
            if let Ok((200, body)) = http("GET", "/healthz", None, Body::None) {
                let v: Value = serde_json::from_str(&body).unwrap_or_default();
                if v["version"] == version {
                    return Ok(started.elapsed().as_secs_f64());
                }
            }
            if started.elapsed() > limit {
                bail!(
                    "version {version} did not become healthy in {} s; the console said:\n{}",
                    limit.as_secs(),
                    tail(&self.console(), 80)
                );
            }
            std::thread::sleep(Duration::from_millis(500));
        }
    }

    /// Until /healthz stops answering (the box is restarting).
    fn wait_down(&mut self, limit: Duration) -> Result<()> {
        let started = Instant::now();
        while http("GET", "/healthz", None, Body::None).is_ok_and(|(s, _)| s == 200) {
            self.alive()?;
            if started.elapsed() > limit {
                bail!("the box never restarted after the update; the console said:\n{}", tail(&self.console(), 60));
            }
            std::thread::sleep(Duration::from_millis(500));
        }
        Ok(())
    }

    /// An ACPI power-button press: systemd shuts the box down cleanly and qemu exits.
    fn power_down(&mut self) -> Result<()> {
        let sent = (|| -> std::io::Result<()> {
            let mut qmp = std::io::BufReader::new(UnixStream::connect(&self.qmp)?);
            qmp.get_ref().set_read_timeout(Some(Duration::from_secs(10)))?;
            let mut line = String::new();
            // The greeting, then one command at a time, each answered before the next (closing
            // the socket early would drop a command qemu has not read yet).
            std::io::BufRead::read_line(&mut qmp, &mut line)?;
            for command in ["qmp_capabilities", "system_powerdown"] {
                qmp.get_mut().write_all(format!("{{\"execute\":\"{command}\"}}\n").as_bytes())?;
                loop {
                    line.clear();
                    if std::io::BufRead::read_line(&mut qmp, &mut line)? == 0 || line.contains("\"return\"") {
                        break;
                    }
                }
            }
            Ok(())
        })();
        if let Err(e) = sent {
            eprintln!("==> image test: QMP: {e}");
        }
        let started = Instant::now();
        while self.child.try_wait()?.is_none() {
            if started.elapsed() > Duration::from_secs(120) {
                let _ = self.child.kill();
                bail!("the box did not power down in 120 s; the console said:\n{}", tail(&self.console(), 40));
            }
            std::thread::sleep(Duration::from_millis(300));
        }
        Ok(())
    }
}

impl Drop for Vm {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

// ---- a small HTTP/1.1 client (to 127.0.0.1 only) -------------------------------------------

enum Body<'a> {
    None,
    Json(Value),
    File(&'a Path),
}

fn http(method: &str, target: &str, token: Option<&str>, body: Body<'_>) -> Result<(u16, String)> {
    let mut stream = TcpStream::connect_timeout(&FORWARD.parse()?, Duration::from_secs(3))?;
    // qemu accepts on the forward even while the guest reboots, then may never answer: short
    // timeouts, but for an upload (the box hashes and syncs it before answering).
    let patience = if matches!(body, Body::File(_)) { 900 } else { 10 };
    stream.set_read_timeout(Some(Duration::from_secs(patience)))?;
    stream.set_write_timeout(Some(Duration::from_secs(patience)))?;
    let (content_type, length, json) = match &body {
        Body::None => ("application/json", 0, Vec::new()),
        Body::Json(v) => {
            let bytes = serde_json::to_vec(v)?;
            ("application/json", bytes.len() as u64, bytes)
        }
        Body::File(f) => ("application/octet-stream", size(f)?, Vec::new()),
    };
    let mut head = format!("{method} {target} HTTP/1.1\r\nHost: comanda.local\r\nConnection: close\r\n");
    if let Some(token) = token {
        head.push_str(&format!("Authorization: Bearer {token}\r\n"));
    }
    if !matches!(body, Body::None) {
        head.push_str(&format!("Content-Type: {content_type}\r\nContent-Length: {length}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes())?;
    match body {
        Body::None => {}
        Body::Json(_) => stream.write_all(&json)?,
        Body::File(f) => {
            std::io::copy(&mut File::open(f)?, &mut stream)?;
        }
    }
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer)?;
    let text = String::from_utf8_lossy(&answer);
    let status = text.get(9..12).and_then(|s| s.parse().ok()).context("not an HTTP answer")?;
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b.to_owned()).unwrap_or_default();
    Ok((status, body))
}
