//! What the `comanda-cloud` CLI does to the database: organisations with their owner, sites
//! with their tokens, revoking and reissuing a token.

use anyhow::{Context, bail};
use deadpool_postgres::Pool;
use rand::RngCore;
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// A new site token: 256 random bits, hex. Only its SHA-256 is stored.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// The pairing code alphabet: Crockford's base 32 (no I, L, O, U: nothing to misread).
const CODE_ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/// How long a pairing code works.
pub const PAIRING_TTL_SECS: i64 = 30 * 60;

/// A one-time code for `site`, shown as `XXXXX-XXXXX` (50 random bits); only its hash is kept.
pub async fn pairing_code(
    client: &tokio_postgres::Client,
    site: Uuid,
) -> Result<(String, time::OffsetDateTime), tokio_postgres::Error> {
    let mut bytes = [0u8; 10];
    rand::rng().fill_bytes(&mut bytes);
    let raw: String = bytes.iter().map(|b| char::from(CODE_ALPHABET[usize::from(b % 32)])).collect();
    let row = client
        .query_one(
            "INSERT INTO pairing_codes (code_hash, site_id, expires_at)
             VALUES ($1, $2, now() + make_interval(secs => $3)) RETURNING expires_at",
            &[&token_hash(&raw), &site, &(PAIRING_TTL_SECS as f64)],
        )
        .await?;
    Ok((format!("{}-{}", &raw[..5], &raw[5..]), row.get(0)))
}

/// A code as typed: case, spaces and dashes do not matter, and O/I/L read as 0/1/1.
pub fn normalise_code(typed: &str) -> String {
    typed
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .take(64)
        .map(|c| match c.to_ascii_uppercase() {
            'O' => '0',
            'I' | 'L' => '1',
            c => c,
        })
        .collect()
}

pub async fn create_org(pool: &Pool, name: &str, owner: &str, password: &str) -> anyhow::Result<Uuid> {
    if name.trim().is_empty() || owner.trim().is_empty() {
        bail!("the organisation and the owner's username must not be empty");
    }
    if password.chars().count() < 10 {
        bail!("the owner's password must have at least 10 characters");
    }
    let hash = comanda_staff::secret::hash(password.as_bytes())?;
    let mut client = pool.get().await.context("cannot connect to the database")?;
    let tx = client.transaction().await?;
    let org = Uuid::now_v7();
    tx.execute("INSERT INTO orgs (id, name) VALUES ($1, $2)", &[&org, &name.trim()])
        .await
        .with_context(|| format!("cannot create the organisation {name:?} (does it exist already?)"))?;
    tx.execute(
        "INSERT INTO owners (id, org_id, username, password_hash) VALUES ($1, $2, $3, $4)",
        &[&Uuid::now_v7(), &org, &owner.trim(), &hash],
    )
    .await
    .with_context(|| format!("cannot create the owner {owner:?} (is the username taken?)"))?;
    tx.commit().await?;
    Ok(org)
}

/// A new site of the organisation `org`; returns its id and token (shown once).
pub async fn create_site(pool: &Pool, org: &str, name: &str) -> anyhow::Result<(Uuid, String)> {
    let client = pool.get().await.context("cannot connect to the database")?;
    let org_id: Uuid = client
        .query_opt("SELECT id FROM orgs WHERE name = $1", &[&org])
        .await?
        .with_context(|| format!("there is no organisation {org:?}"))?
        .get(0);
    let (site, token) = (Uuid::now_v7(), new_token());
    client
        .execute(
            "INSERT INTO sites (id, org_id, name, token_hash) VALUES ($1, $2, $3, $4)",
            &[&site, &org_id, &name, &token_hash(&token)],
        )
        .await
        .with_context(|| format!("cannot create the site {name:?} (does {org:?} have one by that name?)"))?;
    Ok((site, token))
}

/// The site's token stops working at once; the box shows why and waits for a new one.
pub async fn revoke_site(pool: &Pool, site: Uuid) -> anyhow::Result<()> {
    let client = pool.get().await.context("cannot connect to the database")?;
    let n = client.execute("UPDATE sites SET revoked_at = now() WHERE id = $1", &[&site]).await?;
    if n == 0 {
        bail!("there is no site {site}");
    }
    Ok(())
}

/// A fresh token for the site (the old one stops working), e.g. after a revocation.
pub async fn reissue_token(pool: &Pool, site: Uuid) -> anyhow::Result<String> {
    let client = pool.get().await.context("cannot connect to the database")?;
    let token = new_token();
    let n = client
        .execute("UPDATE sites SET token_hash = $2, revoked_at = NULL WHERE id = $1", &[&site, &token_hash(&token)])
        .await?;
    if n == 0 {
        bail!("there is no site {site}");
    }
    Ok(token)
}
