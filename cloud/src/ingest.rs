//! `POST /api/v1/sites/{site_id}/events`: a box's batch, taken exactly once.
//!
//! One transaction per batch: lock the site's row (batches of one site queue behind each
//! other, whichever instance takes them; different sites never wait for each other), insert
//! the events that are new — `(site, seq)` and `(site, event id)` are unique, so a retried,
//! duplicated, overlapping or reordered batch adds nothing twice — then move `acked_seq` to
//! the highest seq with no gap below it, and commit. A crash anywhere before the commit leaves
//! nothing behind; the box sends the batch again.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use comanda_sync_wire::{Ack, EventBatch};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use uuid::Uuid;

use crate::{ApiError, Cloud, admin};

pub async fn events(
    State(cloud): State<Cloud>,
    Path(site_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<axum::Json<Ack>, ApiError> {
    let site_id =
        Uuid::parse_str(&site_id).map_err(|_| ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such site"))?;
    let token = crate::owners::bearer(&headers, "send the site token: Authorization: Bearer <token>")?;
    // Who is asking comes before what they sent: a caller without the token learns nothing.
    {
        let client = cloud.pool.get().await.map_err(ApiError::unavailable)?;
        let site = client
            .query_opt("SELECT token_hash, revoked_at IS NOT NULL FROM sites WHERE id = $1", &[&site_id])
            .await
            .map_err(ApiError::internal)?;
        check_site(site.as_ref().map(|r| (r.get(0), r.get(1))), token)?;
    }
    let batch: EventBatch = serde_json::from_slice(&body)
        .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "bad_request", format!("not an event batch: {e}")))?;
    if batch.site_id != site_id {
        return Err(validation("the batch's site_id is not the site in the path"));
    }
    batch.validate().map_err(|e| validation(e.to_string()))?;
    let rows = Rows::of(&batch)?;
    ingest(&cloud, site_id, token, &rows).await.map(axum::Json)
}

/// The site's (token hash, revoked) against the token presented. The same answer for an
/// unknown site and a wrong token: ids are not secrets, but no one learns which sites exist.
fn check_site(site: Option<(String, bool)>, token: &str) -> Result<(), ApiError> {
    match site {
        Some((hash, _)) if hash != admin::token_hash(token) => {
            Err(unauthenticated("this token is not valid for this site"))
        }
        None => Err(unauthenticated("this token is not valid for this site")),
        Some((_, true)) => Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "revoked",
            "this site's token was revoked: pair the box again with a new one",
        )),
        Some((_, false)) => Ok(()),
    }
}

fn unauthenticated(message: &str) -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, "unauthenticated", message)
}

fn validation(message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed", message)
}

/// The batch as columns, for one `INSERT … SELECT FROM UNNEST`.
struct Rows {
    seq: Vec<i64>,
    id: Vec<Uuid>,
    kind: Vec<String>,
    at: Vec<OffsetDateTime>,
    actor: Vec<String>,
    data: Vec<serde_json::Value>,
}

impl Rows {
    fn of(batch: &EventBatch) -> Result<Self, ApiError> {
        let n = batch.events.len();
        let mut rows = Rows {
            seq: Vec::with_capacity(n),
            id: Vec::with_capacity(n),
            kind: Vec::with_capacity(n),
            at: Vec::with_capacity(n),
            actor: Vec::with_capacity(n),
            data: Vec::with_capacity(n),
        };
        for e in &batch.events {
            let seq = i64::try_from(e.seq).map_err(|_| validation(format!("seq {} is out of range", e.seq)))?;
            let at = OffsetDateTime::parse(&e.at, &Rfc3339)
                .map_err(|_| validation(format!("event {}'s time {:?} is not RFC 3339", e.seq, e.at)))?;
            rows.seq.push(seq);
            rows.id.push(e.id);
            rows.kind.push(e.event_type.clone());
            rows.at.push(at);
            rows.actor.push(e.actor.clone());
            rows.data.push(e.data.clone());
        }
        Ok(rows)
    }
}

async fn ingest(cloud: &Cloud, site_id: Uuid, token: &str, rows: &Rows) -> Result<Ack, ApiError> {
    let mut client = cloud.pool.get().await.map_err(ApiError::unavailable)?;
    let tx = client.transaction().await.map_err(ApiError::unavailable)?;
    let site = tx
        .query_opt(
            "SELECT token_hash, revoked_at IS NOT NULL, acked_seq FROM sites WHERE id = $1 FOR UPDATE",
            &[&site_id],
        )
        .await
        .map_err(ApiError::internal)?;
    // Again under the row lock: a revocation since the first check wins.
    check_site(site.as_ref().map(|r| (r.get(0), r.get(1))), token)?;
    let before: i64 = site.as_ref().map_or(0, |r| r.get(2));
    let ingested = tx
        .execute(
            "INSERT INTO events (site_id, seq, id, type, at, actor, data)
             SELECT $1, * FROM UNNEST($2::bigint[], $3::uuid[], $4::text[], $5::timestamptz[], $6::text[], $7::jsonb[])
             ON CONFLICT DO NOTHING",
            &[&site_id, &rows.seq, &rows.id, &rows.kind, &rows.at, &rows.actor, &rows.data],
        )
        .await
        .map_err(ApiError::internal)?;
    // The end of the run of seqs that starts right after `acked` (if it does start there).
    let acked: i64 = tx
        .query_one(
            "SELECT COALESCE(
                 (SELECT e.seq FROM events e
                   WHERE e.site_id = $1 AND e.seq > $2
                     AND EXISTS (SELECT 1 FROM events f WHERE f.site_id = $1 AND f.seq = $2 + 1)
                     AND NOT EXISTS (SELECT 1 FROM events n WHERE n.site_id = $1 AND n.seq = e.seq + 1)
                   ORDER BY e.seq LIMIT 1),
                 $2)",
            &[&site_id, &before],
        )
        .await
        .map_err(ApiError::internal)?
        .get(0);
    if acked > before {
        // The newly gapless run, in seq order, into the reports: in this transaction.
        crate::sales::project(&tx, site_id, before, acked).await.map_err(ApiError::internal)?;
        tx.execute("UPDATE sites SET acked_seq = $2 WHERE id = $1", &[&site_id, &acked])
            .await
            .map_err(ApiError::internal)?;
    }
    tx.commit().await.map_err(ApiError::unavailable)?;
    Ok(Ack { acked_seq: u64::try_from(acked).unwrap_or(0), ingested })
}
