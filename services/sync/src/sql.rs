//! The sync service's SQL: the paired link. Parameterised only.

use comanda_store::rusqlite::{Connection, OptionalExtension, params};
use comanda_store::{StoreError, WriteTx, sql_time};

use crate::CloudLink;

pub fn paired_link(conn: &Connection) -> Result<Option<CloudLink>, StoreError> {
    let row: Option<(String, String, String)> = conn
        .query_row("SELECT url, site_id, token FROM sync_link WHERE singleton = 1", [], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .optional()?;
    Ok(row.and_then(|(url, site_id, token)| {
        let site_id = site_id.parse().ok()?;
        Some(CloudLink { url, site_id, token })
    }))
}

pub fn store_link(tx: &mut WriteTx<'_>, link: &CloudLink, site_name: &str) -> Result<(), StoreError> {
    let now = sql_time(tx.now());
    tx.conn().execute(
        "INSERT INTO sync_link (singleton, url, site_id, site_name, token, paired_at) VALUES (1, ?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (singleton) DO UPDATE SET url = excluded.url, site_id = excluded.site_id,
             site_name = excluded.site_name, token = excluded.token, paired_at = excluded.paired_at",
        params![link.url, link.site_id.to_string(), site_name, link.token, now],
    )?;
    Ok(())
}
