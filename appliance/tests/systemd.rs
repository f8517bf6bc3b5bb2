//! What the appliance ships in `systemd/`: the units pass `systemd-analyze verify` (with the
//! binary they would run), the appliance config file loads, and nightly backups keep the
//! newest N, here and on a USB stick when one is mounted.

use std::path::Path;
use std::time::Duration;

use comanda_appliance::{Config, Overrides};
use comanda_testkit::{BinaryBox, Client, set_up};

const BIN: &str = env!("CARGO_BIN_EXE_comanda");

fn shipped(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join("systemd").join(name)
}

#[test]
fn the_units_pass_systemd_analyze_verify() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut units = Vec::new();
    for name in [
        "comanda.service",
        "comanda-backup.service",
        "comanda-backup.timer",
        "comanda-boot-check.service",
        "comanda-console.service",
        "comanda-update.service",
        "comanda-update.path",
    ] {
        let text = std::fs::read_to_string(shipped(name)).expect("unit");
        // Verify checks that ExecStart= exists: point it at the binary under test.
        let path = dir.path().join(name);
        std::fs::write(&path, text.replace("/usr/bin/comanda", BIN)).expect("write");
        units.push(path);
    }
    let out = std::process::Command::new("systemd-analyze")
        .arg("verify")
        .args(&units)
        .output()
        .expect("systemd-analyze runs");
    assert!(out.status.success(), "{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    let service = std::fs::read_to_string(shipped("comanda.service")).expect("unit");
    for needed in [
        "Type=notify",
        "WatchdogSec=",
        "StateDirectory=comanda",
        "ProtectSystem=strict",
        "NoNewPrivileges=yes",
        "PrivateTmp=yes",
        "ProtectHome=yes",
        "SupplementaryGroups=lp dialout",
        "CAP_NET_BIND_SERVICE",
        "Restart=on-failure",
    ] {
        assert!(service.contains(needed), "comanda.service lacks {needed}");
    }
}

#[test]
fn the_appliance_config_listens_on_port_80_of_every_interface() {
    let config = Config::load(Some(&shipped("comanda.toml")), |_| None, Overrides::default()).expect("loads");
    assert_eq!(config.listen.to_string(), "0.0.0.0:80");
    assert_eq!(config.data_dir, Path::new("/var/lib/comanda"));
    assert!(config.mdns, "the appliance announces itself on the LAN");
}

/// `--copy-to` puts each nightly backup on the stick too (verified, the newest N kept there),
/// but only when a filesystem of its own is mounted there: an empty mount point with no stick
/// in it is left alone rather than filling the box's disk.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nightly_backups_go_to_a_mounted_stick_and_never_to_an_empty_mount_point() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    // /dev/shm is a filesystem of its own on Linux: it stands in for the stick.
    let stick = tempfile::tempdir_in("/dev/shm").expect("a directory on another filesystem");
    let empty_mount_point = dir.path().join("usb");
    std::fs::create_dir(&empty_mount_point).expect("mkdir");
    let the_box = BinaryBox::spawn(Path::new(BIN), &data);
    set_up(&Client::new(&the_box.base)).await;

    for _ in 0..3 {
        let out =
            the_box.cli(&["backup", "--nightly", "--keep", "2", "--copy-to", &stick.path().to_string_lossy()], None);
        let said = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success() && said.contains("Copied to"), "{said}{}", String::from_utf8_lossy(&out.stderr));
        tokio::time::sleep(Duration::from_millis(1100)).await; // names carry the second
    }
    let mut on_stick: Vec<String> = std::fs::read_dir(stick.path())
        .expect("stick")
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    on_stick.sort();
    let mut in_data: Vec<String> = std::fs::read_dir(data.join("backups"))
        .expect("backups")
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    in_data.sort();
    assert_eq!(on_stick, in_data, "the stick holds the same newest two, and no half-written file");
    assert_eq!(on_stick.len(), 2);
    for name in &on_stick {
        let verdict = comanda_store::integrity_check(&stick.path().join(name)).expect("readable");
        assert_eq!(verdict, ["ok"], "{name}");
    }

    let out = the_box.cli(&["backup", "--nightly", "--copy-to", &empty_mount_point.to_string_lossy()], None);
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success() && said.contains("No USB stick mounted"), "{said}");
    assert_eq!(std::fs::read_dir(&empty_mount_point).expect("dir").count(), 0, "wrote onto the box's own disk");
}
