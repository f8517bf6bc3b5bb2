//! The audit trail: who voided, comped, discounted, refunded, opened the drawer, changed prices.
//!
//! Owns no tables. It reads the event log through [`Store::events_matching`] (newest first),
//! keeps the audit-worthy events ([`model::AUDIT_TYPES`]; price changes only, of the menu's
//! item changes), names the people in them through [`Staff::member`], and sums each up in one
//! sentence. Because the log is append-only and hash-chained, so is the trail.

pub mod api;
pub mod model;

use std::collections::BTreeSet;

use axum::extract::FromRef;
use comanda_api::{ApiError, Page};
use comanda_staff::{Auth, Staff};
use comanda_store::{EventFilter, Store, StoredEvent};

pub use api::router;
use model::Names;
pub use model::{AuditEntry, AuditFilter, AuditParams};

/// How many reads of the log one page may take when non-price menu changes are skipped; past
/// it the page comes back short, with a cursor to go on from.
const MAX_SCANS: usize = 10;
/// The smallest read of the log, so pages full of skipped events need few reads.
const MIN_SCAN: u32 = 100;

/// The service handle: cheap to clone, shared by its routes.
#[derive(Clone, Debug)]
pub struct Audit {
    store: Store,
    staff: Staff,
    auth: Auth,
}

impl FromRef<Audit> for Auth {
    fn from_ref(a: &Audit) -> Auth {
        a.auth.clone()
    }
}

impl Audit {
    pub fn new(store: Store, staff: Staff) -> Self {
        let auth = staff.auth().clone();
        Self { store, staff, auth }
    }

    /// One page of the trail, newest first. A page holds `filter.limit` entries unless the
    /// log ran out (then there is no `next_cursor`) or [`MAX_SCANS`] reads found fewer (then
    /// `next_cursor` continues below the last event read).
    pub async fn trail(&self, filter: AuditFilter) -> Result<Page<AuditEntry>, ApiError> {
        let limit = usize::try_from(filter.limit).unwrap_or(usize::MAX);
        let (events, scanned_to) = self.scan(&filter, limit + 1).await?;
        let more = events.len() > limit;
        let events: Vec<StoredEvent> = events.into_iter().take(limit).collect();
        let next_cursor = if more { events.last().map(|e| e.seq) } else { scanned_to };

        let currency = self.store.read(comanda_site::settings_in).await?.map(|s| s.currency);
        let names = self.names(&events).await?;
        let items = events.into_iter().map(|e| model::entry(e, &names, currency.as_deref())).collect();
        Ok(Page { items, next_cursor: next_cursor.map(|seq| seq.to_string()) })
    }

    /// Up to `want` audit-worthy events, and the seq to continue below when the reads ran out
    /// before the log did.
    async fn scan(&self, filter: &AuditFilter, want: usize) -> Result<(Vec<StoredEvent>, Option<u64>), ApiError> {
        let mut found = Vec::new();
        let mut before = filter.before_seq;
        for _ in 0..MAX_SCANS {
            let ask = u32::try_from(want.saturating_sub(found.len())).unwrap_or(u32::MAX).max(MIN_SCAN);
            let batch = self
                .store
                .events_matching(EventFilter {
                    types: filter.types.clone(),
                    actor: filter.actor.map(|a| a.to_string()),
                    from: filter.from,
                    to: filter.to,
                    before_seq: before,
                    limit: ask,
                })
                .await?;
            let exhausted = batch.len() < usize::try_from(ask).unwrap_or(usize::MAX);
            before = batch.last().map(|e| e.seq).or(before);
            found.extend(batch.into_iter().filter(|e| model::is_audit_worthy(&e.event_type, &e.data)));
            if exhausted || found.len() >= want {
                return Ok((found, None));
            }
        }
        Ok((found, before))
    }

    /// The names of everyone the entries mention, each looked up once.
    async fn names(&self, events: &[StoredEvent]) -> Result<Names, ApiError> {
        let ids: BTreeSet<_> = events.iter().flat_map(|e| model::people(&e.event_type, e.actor, &e.data)).collect();
        let mut names = Names::new();
        for id in ids {
            match self.staff.member(id).await {
                Ok(member) => {
                    names.insert(id, member.name);
                }
                Err(e) if e.code() == "not_found" => {}
                Err(e) => return Err(e),
            }
        }
        Ok(names)
    }
}
