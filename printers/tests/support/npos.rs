//! Decodes ESC/POS bytes with npos, a Node.js ESC/POS parser that shares no code or tables
//! with the encoder: `decode.js` (beside this file) prints the commands it recognises and the
//! text between them as JSON. `node_modules` is installed with `npm ci` on first use.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use serde::Deserialize;

/// What `decode.js` reports about one file.
#[derive(Debug, Deserialize)]
pub struct Decoded {
    /// The parse with npos's stock rules (it fails on `GS ( k`, which it has no rule for).
    pub stock: Stock,
    /// Rules `decode.js` adds to npos's table before the parse `items` come from.
    pub added_rules: Vec<String>,
    /// A code page selected that `decode.js` cannot decode text in.
    pub unknown_code_page: Option<u8>,
    pub items: Vec<Item>,
}

#[derive(Debug, Deserialize)]
pub struct Stock {
    pub ok: bool,
    pub error: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Item {
    Text { text: String },
    Command(Recognised),
}

/// A command as npos split it: its name in `decode.js`, the bytes that introduce it
/// (`ESC t`, `GS (k`), the bytes after those, and the stored data of a QR code.
#[derive(Debug, Deserialize)]
pub struct Recognised {
    pub name: String,
    pub code: String,
    pub args: Vec<u8>,
    pub data: Option<String>,
}

impl Decoded {
    pub fn commands(&self) -> impl Iterator<Item = &Recognised> {
        self.items.iter().filter_map(|item| match item {
            Item::Command(command) => Some(command),
            Item::Text { .. } => None,
        })
    }

    pub fn has(&self, name: &str, args: &[u8]) -> bool {
        self.commands().any(|c| c.name == name && c.args == args)
    }

    /// The text as it comes out of the printer: the text runs, a QR code as a `[QR: data]`
    /// line (its data as stored with `GS ( k … 80`), and a cut as a `<cut>` line.
    pub fn printed(&self) -> String {
        let mut out = String::new();
        let mut stored = None;
        for item in &self.items {
            match item {
                Item::Text { text } => out.push_str(text),
                Item::Command(c) if c.name == "qr" && c.data.is_some() => stored = c.data.clone(),
                Item::Command(c) if c.name == "qr" && c.args.get(3) == Some(&81) => {
                    out.push_str(&format!("[QR: {}]\n", stored.take().unwrap_or_default()));
                }
                Item::Command(c) if c.name == "cut" => out.push_str("<cut>\n"),
                Item::Command(_) => {}
            }
        }
        out
    }
}

fn support_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests").join("support")
}

/// `npm ci` once, if `node_modules` is missing. nextest runs every test in a process of its
/// own, so a file lock keeps two of them from installing into the same folder at once.
fn ensure_installed() {
    static INSTALLED: OnceLock<()> = OnceLock::new();
    INSTALLED.get_or_init(|| {
        let dir = support_dir();
        let lock_path = std::env::temp_dir().join("comanda-printers-npos-install.lock");
        let lock = File::create(&lock_path).expect("creating the install lock file");
        lock.lock().expect("taking the install lock");
        let installed =
            ["npos", "iconv-lite"].iter().all(|p| dir.join("node_modules").join(p).join("package.json").exists());
        if !installed {
            // Optional dependencies (USB, images, OCR) are npos's printing side; the parser
            // needs none of them, and `usb` would try to build native code.
            let output = Command::new("npm")
                .args(["ci", "--omit=optional", "--no-audit", "--no-fund"])
                .current_dir(&dir)
                .output()
                .expect("running npm (the tests need Node.js and npm)");
            assert!(
                output.status.success(),
                "npm ci in {} failed:\n{}\n{}",
                dir.display(),
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            );
        }
        drop(lock);
    });
}

/// Decodes `bytes` with npos.
pub fn decode(bytes: &[u8]) -> Decoded {
    ensure_installed();
    let mut file = tempfile::Builder::new().suffix(".bin").tempfile().expect("a temp file");
    file.write_all(bytes).expect("writing the bytes");
    file.flush().expect("flushing the bytes");
    let output = Command::new("node")
        .arg("decode.js")
        .arg(file.path())
        .current_dir(support_dir())
        .output()
        .expect("running node (the tests need Node.js)");
    assert!(output.status.success(), "decode.js failed:\n{}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).expect("decode.js prints JSON")
}
