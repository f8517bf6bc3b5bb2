//! Hostile input: schemathesis against the OpenAPI document, and the cargo-fuzz targets.

use std::path::Path;

use anyhow::{Result, bail};

/// Runs schemathesis (from PyPI) against `binary` serving a fresh, set-up box on 127.0.0.1,
/// with at most `max_examples` per operation; fails on any 5xx or schema mismatch.
pub fn schemathesis(binary: &Path, max_examples: u32) -> Result<()> {
    bail!("schemathesis against {} ({max_examples} examples): not yet", binary.display())
}

/// Runs each cargo-fuzz target in fuzz/ for `seconds`.
pub fn fuzz(seconds: u64) -> Result<()> {
    bail!("fuzzing for {seconds} s: not yet")
}
