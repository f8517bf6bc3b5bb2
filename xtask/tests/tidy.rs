//! The tidy test keeps the house in order (STYLE.md): every file says what it is, no `unwrap()`
//! outside tests, no stdout printing in libraries, and migrations are add-only. These are
//! plain text checks, cheap and dumb on purpose; each failure lists every offending `file:line`.

use std::fs;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

const MIGRATIONS_LOCK: &str = "migrations.lock";

fn workspace_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask lives inside the workspace")
}

/// One file of the workspace: its `/`-separated path relative to the root, and its text.
struct SourceFile {
    path: String,
    text: String,
}

impl SourceFile {
    /// Under a `tests/` directory: all of it is test code.
    fn is_test_file(&self) -> bool {
        self.path.split('/').any(|part| part == "tests")
    }

    /// `(line number, line)` of the code that ships: not a test file, nothing after
    /// `#[cfg(test)]` (the test module sits at the bottom), and no comment lines.
    fn shipped_code(&self) -> Vec<(usize, &str)> {
        if self.is_test_file() {
            return Vec::new();
        }
        self.text
            .lines()
            .enumerate()
            .take_while(|(_, line)| line.trim() != "#[cfg(test)]")
            .filter(|(_, line)| !line.trim_start().starts_with("//"))
            .map(|(index, line)| (index + 1, line))
            .collect()
    }
}

/// Every file under the root with this extension, skipping build output, git and JS packages.
fn files_with_extension(extension: &str) -> Vec<PathBuf> {
    fn walk(dir: &Path, extension: &str, found: &mut Vec<PathBuf>) {
        let entries = fs::read_dir(dir).unwrap_or_else(|err| panic!("listing {}: {err}", dir.display()));
        for entry in entries {
            let entry = entry.expect("directory entry");
            let path = entry.path();
            let is_dir = entry.file_type().expect("file type").is_dir();
            if is_dir && !matches!(entry.file_name().to_str(), Some("target" | ".git" | "node_modules")) {
                walk(&path, extension, found);
            } else if !is_dir && path.extension().is_some_and(|ext| ext == extension) {
                found.push(path);
            }
        }
    }
    let mut found = Vec::new();
    walk(workspace_root(), extension, &mut found);
    found.sort();
    found
}

fn relative(path: &Path) -> String {
    let relative = path.strip_prefix(workspace_root()).expect("path inside the workspace");
    relative.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/")
}

fn rust_files() -> Vec<SourceFile> {
    files_with_extension("rs")
        .into_iter()
        .map(|path| SourceFile {
            text: fs::read_to_string(&path).unwrap_or_else(|err| panic!("reading {}: {err}", path.display())),
            path: relative(&path),
        })
        .collect()
}

fn assert_none(offenders: &[String], what: &str) {
    assert!(offenders.is_empty(), "{what}:\n  {}", offenders.join("\n  "));
}

#[test]
fn every_rust_file_starts_with_a_module_comment() {
    let mut offenders = Vec::new();
    for file in rust_files() {
        let first = file.text.lines().enumerate().find(|(_, line)| !line.trim().is_empty());
        match first {
            Some((_, line)) if line.starts_with("//!") => {}
            Some((index, _)) => offenders.push(format!("{}:{}", file.path, index + 1)),
            None => offenders.push(format!("{}:1", file.path)),
        }
    }
    assert_none(&offenders, "files that do not start with a `//!` comment saying what lives there and why");
}

#[test]
fn no_unwrap_outside_tests() {
    let mut offenders = Vec::new();
    for file in rust_files() {
        for (number, line) in file.shipped_code() {
            if line.contains(".unwrap()") {
                offenders.push(format!("{}:{number}: {}", file.path, line.trim()));
            }
        }
    }
    assert_none(&offenders, "`.unwrap()` outside tests (return an error, or `expect` an invariant with a reason)");
}

/// `println!(` or `print!(` as a macro call, not as the tail of `eprintln!(` or `eprint!(`.
fn prints_to_stdout(line: &str) -> bool {
    ["println!(", "print!("].iter().any(|name| {
        line.match_indices(name).any(|(at, _)| {
            !line[..at].chars().next_back().is_some_and(|before| before.is_alphanumeric() || before == '_')
        })
    })
}

#[test]
fn no_stdout_printing_in_libraries() {
    let mut offenders = Vec::new();
    // The binaries (`appliance/`, `xtask/`) own the terminal; services log through `tracing`.
    for file in rust_files().iter().filter(|file| file.path.starts_with("services/")) {
        for (number, line) in file.shipped_code() {
            if prints_to_stdout(line) {
                offenders.push(format!("{}:{number}: {}", file.path, line.trim()));
            }
        }
    }
    assert_none(&offenders, "`println!`/`print!` in library code (use `tracing`)");
}

#[test]
fn stdout_detection_ignores_stderr_macros() {
    assert!(prints_to_stdout(r#"    println!("hi");"#));
    assert!(prints_to_stdout(r#"print!("{x}")"#));
    assert!(!prints_to_stdout(r#"eprintln!("hi");"#));
    assert!(!prints_to_stdout(r#"eprint!("hi");"#));
}

/// `(line number, sha256 hex, path)` for every entry of `migrations.lock`.
fn locked_migrations() -> Vec<(usize, String, String)> {
    let lock = workspace_root().join(MIGRATIONS_LOCK);
    let text = fs::read_to_string(&lock).unwrap_or_else(|err| panic!("reading {}: {err}", lock.display()));
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(index, line)| {
            let (hash, path) = line
                .split_once("  ")
                .unwrap_or_else(|| panic!("{MIGRATIONS_LOCK}:{}: expected `<sha256>  <path>`", index + 1));
            (index + 1, hash.to_owned(), path.to_owned())
        })
        .collect()
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

#[test]
fn locked_migrations_are_unchanged() {
    let mut offenders = Vec::new();
    for (number, hash, path) in locked_migrations() {
        match fs::read(workspace_root().join(&path)) {
            Ok(bytes) if sha256_hex(&bytes) == hash => {}
            Ok(_) => offenders.push(format!(
                "{MIGRATIONS_LOCK}:{number}: {path} was edited; a landed migration never changes, add a new one instead"
            )),
            Err(err) => offenders.push(format!("{MIGRATIONS_LOCK}:{number}: {path} is gone or unreadable ({err})")),
        }
    }
    assert_none(&offenders, "migrations that no longer match migrations.lock");
}

#[test]
fn every_migration_is_locked() {
    let locked: Vec<String> = locked_migrations().into_iter().map(|(_, _, path)| path).collect();
    let offenders: Vec<String> = files_with_extension("sql")
        .iter()
        .filter(|path| path.parent().and_then(Path::file_name).is_some_and(|dir| dir == "migrations"))
        .map(|path| relative(path))
        .filter(|path| !locked.contains(path))
        .map(|path| format!("new migration {path}: run `cargo xtask migrations-lock` and commit migrations.lock"))
        .collect();
    assert_none(&offenders, "migrations missing from migrations.lock");
}
