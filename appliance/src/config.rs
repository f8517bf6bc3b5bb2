//! Configuration: defaults, then a TOML file, then `COMANDA_*` environment variables, then
//! command-line flags. Each setting is declared once, here.
//!
//! Defaults are safe for a developer machine: loopback only, mDNS off. The appliance image
//! ships a config file that listens on `0.0.0.0:80` with mDNS on.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::Deserialize;

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Address and port to serve on. `COMANDA_LISTEN`.
    pub listen: SocketAddr,
    /// Where the database, signing key and backups live. `COMANDA_DATA_DIR`.
    pub data_dir: PathBuf,
    /// Advertise `_comanda._tcp` and `comanda.local` on the LAN. `COMANDA_MDNS`.
    pub mdns: bool,
    /// `text` (default; journald adds timestamps) or `json`. `COMANDA_LOG_FORMAT`.
    pub log_format: LogFormat,
    /// Seconds a printer may fail before its jobs go to its backup printer.
    /// `COMANDA_PRINT_REROUTE_AFTER_SECS`.
    pub print_reroute_after_secs: u64,
    /// Serve HTTPS with the box's own certificate authority (see `tls.rs`). `COMANDA_TLS`.
    pub tls: bool,
    /// Where a USB stick for backup copies is mounted (`comanda backup` copies there when one
    /// is). `COMANDA_BACKUP_COPY_DIR`.
    pub backup_copy_dir: Option<PathBuf>,
    /// Where to sync the event log (`[cloud]` url, site_id, token), or
    /// `COMANDA_CLOUD_URL`, `COMANDA_CLOUD_SITE_ID`, `COMANDA_CLOUD_TOKEN` (all three).
    pub cloud: Option<comanda_sync::CloudLink>,
    /// A PEM file of extra certificate authorities to trust for the cloud (a private cloud
    /// with its own CA); public clouds need none. `COMANDA_CLOUD_CA_FILE`.
    pub cloud_ca_file: Option<PathBuf>,
    /// Email (SMTP), SMS (a gateway URL) and managers' alerts (`[notifications]`), or
    /// `COMANDA_SMTP_URL`, `COMANDA_MAIL_FROM`, `COMANDA_SMS_URL`, `COMANDA_ALERTS_EMAIL`,
    /// `COMANDA_REMINDER_HOURS`.
    pub notifications: comanda_notifications::NotifyConfig,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            data_dir: default_data_dir(|k| std::env::var(k).ok()),
            mdns: false,
            log_format: LogFormat::Text,
            print_reroute_after_secs: 30,
            tls: false,
            backup_copy_dir: None,
            cloud: None,
            cloud_ca_file: None,
            notifications: comanda_notifications::NotifyConfig::default(),
        }
    }
}

/// Under systemd (`StateDirectory=comanda`) the data lives in `/var/lib/comanda`; elsewhere
/// in `./comanda-data`.
fn default_data_dir(env: impl Fn(&str) -> Option<String>) -> PathBuf {
    match env("STATE_DIRECTORY") {
        Some(dirs) => PathBuf::from(dirs.split(':').next().unwrap_or("/var/lib/comanda")),
        None => PathBuf::from("comanda-data"),
    }
}

/// Flags given on the command line; `None` keeps what the file or environment said.
#[derive(Clone, Debug, Default)]
pub struct Overrides {
    pub listen: Option<SocketAddr>,
    pub data_dir: Option<PathBuf>,
    pub mdns: Option<bool>,
}

impl Config {
    /// Defaults → `file` → environment (through `env`, so tests need not touch the process's)
    /// → `flags`.
    pub fn load(file: Option<&Path>, env: impl Fn(&str) -> Option<String>, flags: Overrides) -> anyhow::Result<Self> {
        let mut config = match file {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("cannot read config file {}", path.display()))?;
                toml::from_str(&text).with_context(|| format!("invalid config file {}", path.display()))?
            }
            None => Config { data_dir: default_data_dir(&env), ..Config::default() },
        };
        if let Some(v) = env("COMANDA_LISTEN") {
            config.listen =
                v.parse().with_context(|| format!("COMANDA_LISTEN={v:?} is not an address like 0.0.0.0:80"))?;
        }
        if let Some(v) = env("COMANDA_DATA_DIR") {
            config.data_dir = PathBuf::from(v);
        }
        if let Some(v) = env("COMANDA_MDNS") {
            config.mdns = parse_bool(&v).with_context(|| format!("COMANDA_MDNS={v:?} is not true or false"))?;
        }
        let n = &mut config.notifications;
        for (var, slot) in [
            ("COMANDA_SMTP_URL", &mut n.smtp_url),
            ("COMANDA_MAIL_FROM", &mut n.mail_from),
            ("COMANDA_SMS_URL", &mut n.sms_url),
            ("COMANDA_ALERTS_EMAIL", &mut n.alerts_email),
        ] {
            if let Some(v) = env(var) {
                *slot = Some(v);
            }
        }
        if let Some(v) = env("COMANDA_REMINDER_HOURS") {
            n.reminder_hours = Some(
                v.parse()
                    .ok()
                    .filter(|h| *h <= 72)
                    .with_context(|| format!("COMANDA_REMINDER_HOURS={v:?} must be 0 to 72"))?,
            );
        }
        if let Some(v) = env("COMANDA_CLOUD_CA_FILE") {
            config.cloud_ca_file = Some(PathBuf::from(v));
        }
        if let Some(v) = env("COMANDA_BACKUP_COPY_DIR") {
            config.backup_copy_dir = Some(PathBuf::from(v));
        }
        if let Some(v) = env("COMANDA_TLS") {
            config.tls = parse_bool(&v).with_context(|| format!("COMANDA_TLS={v:?} is not true or false"))?;
        }
        if let Some(v) = env("COMANDA_LOG_FORMAT") {
            config.log_format = match v.as_str() {
                "text" => LogFormat::Text,
                "json" => LogFormat::Json,
                _ => anyhow::bail!("COMANDA_LOG_FORMAT={v:?} must be text or json"),
            };
        }
        if let Some(v) = env("COMANDA_PRINT_REROUTE_AFTER_SECS") {
            config.print_reroute_after_secs = v
                .parse()
                .ok()
                .filter(|s| (1..=3600).contains(s))
                .with_context(|| format!("COMANDA_PRINT_REROUTE_AFTER_SECS={v:?} must be 1 to 3600 seconds"))?;
        }
        match (env("COMANDA_CLOUD_URL"), env("COMANDA_CLOUD_SITE_ID"), env("COMANDA_CLOUD_TOKEN")) {
            (None, None, None) => {}
            (Some(url), Some(site_id), Some(token)) => {
                let site_id = site_id
                    .parse()
                    .with_context(|| format!("COMANDA_CLOUD_SITE_ID={site_id:?} is not a site id (a UUID)"))?;
                config.cloud = Some(comanda_sync::CloudLink { url, site_id, token });
            }
            _ => anyhow::bail!("give all of COMANDA_CLOUD_URL, COMANDA_CLOUD_SITE_ID and COMANDA_CLOUD_TOKEN, or none"),
        }
        if let Some(v) = flags.listen {
            config.listen = v;
        }
        if let Some(v) = flags.data_dir {
            config.data_dir = v;
        }
        if let Some(v) = flags.mdns {
            config.mdns = v;
        }
        Ok(config)
    }

    pub fn database_path(&self) -> PathBuf {
        self.data_dir.join("comanda.db")
    }

    pub fn key_path(&self) -> PathBuf {
        self.data_dir.join("jwt.key")
    }
}

fn parse_bool(v: &str) -> Option<bool> {
    match v.to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Some(true),
        "0" | "false" | "no" | "off" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        move |k| map.get(k).cloned()
    }

    #[test]
    fn flags_beat_environment_beats_file_beats_defaults() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("comanda.toml");
        std::fs::write(&file, "listen = \"0.0.0.0:80\"\nmdns = true\ndata_dir = \"/var/lib/comanda\"\n")
            .expect("write");

        let defaults = Config::load(None, env(&[]), Overrides::default()).expect("defaults");
        assert_eq!(defaults.listen.to_string(), "127.0.0.1:8080");
        assert!(!defaults.mdns, "mDNS is off on a developer machine");
        assert_eq!(defaults.data_dir, PathBuf::from("comanda-data"));

        let systemd =
            Config::load(None, env(&[("STATE_DIRECTORY", "/var/lib/comanda")]), Overrides::default()).expect("systemd");
        assert_eq!(systemd.data_dir, PathBuf::from("/var/lib/comanda"));

        let from_file = Config::load(Some(&file), env(&[]), Overrides::default()).expect("file");
        assert_eq!((from_file.listen.to_string(), from_file.mdns), ("0.0.0.0:80".to_owned(), true));

        let from_env = Config::load(
            Some(&file),
            env(&[("COMANDA_LISTEN", "127.0.0.1:9000"), ("COMANDA_MDNS", "off")]),
            Overrides::default(),
        )
        .expect("env");
        assert_eq!((from_env.listen.to_string(), from_env.mdns), ("127.0.0.1:9000".to_owned(), false));

        let flags = Overrides {
            listen: Some("127.0.0.1:7000".parse().expect("addr")),
            data_dir: Some("/tmp/x".into()),
            mdns: None,
        };
        let from_flags = Config::load(Some(&file), env(&[("COMANDA_LISTEN", "127.0.0.1:9000")]), flags).expect("flags");
        assert_eq!(from_flags.listen.to_string(), "127.0.0.1:7000");
        assert_eq!(from_flags.data_dir, PathBuf::from("/tmp/x"));
    }

    #[test]
    fn the_cloud_comes_from_the_file_or_all_three_variables() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("comanda.toml");
        let site = "01900000-0000-7000-8000-000000000001";
        std::fs::write(
            &file,
            format!("[cloud]\nurl = \"https://cloud.example\"\nsite_id = \"{site}\"\ntoken = \"t1\"\n"),
        )
        .expect("write");
        let from_file = Config::load(Some(&file), env(&[]), Overrides::default()).expect("file");
        let link = from_file.cloud.expect("a cloud");
        assert_eq!(
            (link.url.as_str(), link.site_id.to_string(), link.token.as_str()),
            ("https://cloud.example", site.to_owned(), "t1")
        );
        assert!(!format!("{link:?}").contains("t1"), "the token stays out of logs");

        let all = [
            ("COMANDA_CLOUD_URL", "http://127.0.0.1:9"),
            ("COMANDA_CLOUD_SITE_ID", site),
            ("COMANDA_CLOUD_TOKEN", "t2"),
        ];
        let from_env = Config::load(Some(&file), env(&all), Overrides::default()).expect("env");
        assert_eq!(from_env.cloud.map(|l| l.token), Some("t2".to_owned()));
        let err = Config::load(None, env(&all[..2]), Overrides::default()).expect_err("two of three");
        assert!(format!("{err:#}").contains("COMANDA_CLOUD_TOKEN"), "{err:#}");
        let bad = [("COMANDA_CLOUD_URL", "x"), ("COMANDA_CLOUD_SITE_ID", "nope"), ("COMANDA_CLOUD_TOKEN", "t")];
        let err = Config::load(None, env(&bad), Overrides::default()).expect_err("bad id");
        assert!(format!("{err:#}").contains("COMANDA_CLOUD_SITE_ID"), "{err:#}");
        assert!(Config::load(None, env(&[]), Overrides::default()).expect("none").cloud.is_none());
    }

    #[test]
    fn mistakes_in_configuration_are_named() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("comanda.toml");
        std::fs::write(&file, "listen = \"0.0.0.0:80\"\nlisten_port = 80\n").expect("write");
        let err = Config::load(Some(&file), env(&[]), Overrides::default()).expect_err("unknown key");
        assert!(format!("{err:#}").contains("listen_port"), "{err:#}");
        let err = Config::load(None, env(&[("COMANDA_LISTEN", "port 80")]), Overrides::default()).expect_err("bad env");
        assert!(format!("{err:#}").contains("COMANDA_LISTEN"), "{err:#}");
    }
}
