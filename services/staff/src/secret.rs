//! argon2id with working memory the box gives back to the system afterwards.
//!
//! argon2's default parameters use 19 MiB per hash. Allocated the usual way, glibc serves the
//! first one with `mmap` and then raises its "dynamic mmap threshold" to that size, so every
//! later allocation below 19 MiB comes from the heap arenas, which are not returned: after a
//! handful of logins the box sat at 160 MiB instead of 24 (measured by `cargo xtask bench`).
//! glibc stops adjusting the threshold for blocks above 32 MiB, so the memory here is
//! *reserved* at 33 MiB — always its own mapping, unmapped when the hash is done — and only
//! the 19 MiB argon2 uses are ever touched (and so resident).

use argon2::password_hash::phc::{Output, ParamsString, PasswordHash, Salt};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use rand::RngCore;

/// Above glibc's `DEFAULT_MMAP_THRESHOLD_MAX` (32 MiB on 64-bit).
const RESERVED_BYTES: usize = 33 * 1024 * 1024;
const SALT_LEN: usize = 16;

#[derive(Debug, thiserror::Error)]
#[error("argon2: {0}")]
pub struct SecretError(String);

fn err(e: impl std::fmt::Display) -> SecretError {
    SecretError(e.to_string())
}

/// Runs `f` with `blocks` zeroed argon2 blocks in a mapping of their own.
fn with_memory<T>(blocks: usize, f: impl FnOnce(&mut [Block]) -> T) -> T {
    let mut memory: Vec<Block> = Vec::with_capacity(blocks.max(RESERVED_BYTES / Block::SIZE));
    memory.resize(blocks, Block::new());
    f(&mut memory)
}

/// A PHC string (`$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>`) for `secret`, with a fresh
/// random salt and argon2's default (OWASP) parameters.
pub fn hash(secret: &[u8]) -> Result<String, SecretError> {
    let params = Params::default();
    let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
    let mut salt = [0u8; SALT_LEN];
    rand::rng().fill_bytes(&mut salt);
    let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
    with_memory(params.block_count(), |memory| argon2.hash_password_into_with_memory(secret, &salt, &mut out, memory))
        .map_err(err)?;
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params).map_err(err)?,
        salt: Some(Salt::new(&salt).map_err(err)?),
        hash: Some(Output::new(&out).map_err(err)?),
    };
    Ok(phc.to_string())
}

/// Whether `secret` matches the PHC string `phc` (any argon2 variant and parameters it
/// names). A malformed string is an error, not a mismatch.
pub fn verify(secret: &[u8], phc: &str) -> Result<bool, SecretError> {
    let parsed = PasswordHash::new(phc).map_err(err)?;
    let (Some(salt), Some(expected)) = (&parsed.salt, &parsed.hash) else {
        return Err(SecretError("no salt or hash in the stored string".into()));
    };
    let algorithm = Algorithm::try_from(parsed.algorithm.as_str()).map_err(err)?;
    let version = parsed.version.map(Version::try_from).transpose().map_err(err)?.unwrap_or_default();
    let params = Params::try_from(&parsed).map_err(err)?;
    let argon2 = Argon2::new(algorithm, version, params.clone());
    let mut out = vec![0u8; expected.len()];
    with_memory(params.block_count(), |memory| argon2.hash_password_into_with_memory(secret, salt, &mut out, memory))
        .map_err(err)?;
    // `Output`'s equality is constant-time.
    Ok(Output::new(&out).map_err(err)? == *expected)
}

#[cfg(test)]
mod tests {
    use super::*;
    use argon2::PasswordVerifier;

    #[test]
    fn our_hashes_and_argon2s_own_agree_both_ways() {
        let ours = hash(b"2468").expect("hash");
        assert!(ours.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{ours}");
        assert!(Argon2::default().verify_password(b"2468", ours.as_str()).is_ok(), "the reference accepts ours");
        assert!(verify(b"2468", &ours).expect("verify"));
        assert!(!verify(b"2469", &ours).expect("verify"));

        // A hash made by the reference implementation (as stored before this module).
        use argon2::PasswordHasher;
        let theirs = Argon2::default().hash_password(b"correct horse").expect("reference hash").to_string();
        assert!(verify(b"correct horse", &theirs).expect("verify"));
        assert!(!verify(b"correct hors", &theirs).expect("verify"));
        assert!(verify(b"x", "not a phc string").is_err());
    }
}
