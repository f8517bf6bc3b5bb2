//! Cloud sync, the box's side: a durable subscriber of the event log (`cloud_sync`) uploads
//! it in order, in batches bounded in events and bytes, to `comanda-cloud`, and moves its
//! cursor only to the `acked_seq` the cloud answers. Failures are retried with exponential
//! back-off and jitter (1 s doubling to 5 min); a refused token (401/403) stops the uploads —
//! retrying cannot fix it — and says why in `GET /api/v1/sync/status` until the box is given a
//! new token. Nothing in the restaurant waits for any of this: it runs beside the service.

mod api;
mod sql;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use comanda_api::ApiError;
use comanda_store::{Store, StoredEvent};
use comanda_sync_wire::{Ack, ErrorBody, EventBatch, MAX_BATCH_BYTES, MAX_BATCH_EVENTS, VERSION_HEADER, WireEvent};
use rand::Rng;
use serde::Serialize;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use tokio::sync::watch;
use uuid::Uuid;

pub use api::router;

/// The subscriber's name in `bus_cursors`.
const SUBSCRIBER: &str = "cloud_sync";
const FIRST_RETRY: Duration = Duration::from_secs(1);
const LAST_RETRY: Duration = Duration::from_secs(300);
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Where the box syncs to: `[cloud]` in the config, or `COMANDA_CLOUD_URL`,
/// `COMANDA_CLOUD_SITE_ID` and `COMANDA_CLOUD_TOKEN`.
#[derive(Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CloudLink {
    /// The cloud's base URL, e.g. `https://cloud.example.com`.
    pub url: String,
    pub site_id: Uuid,
    pub token: String,
}

impl std::fmt::Debug for CloudLink {
    // The token stays out of logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CloudLink").field("url", &self.url).field("site_id", &self.site_id).finish_non_exhaustive()
    }
}

/// What `GET /api/v1/sync/status` and the dashboard show.
#[derive(Clone, Debug, Default, Serialize, utoipa::ToSchema)]
pub struct SyncStatus {
    /// A cloud is configured.
    pub enabled: bool,
    pub cloud_url: Option<String>,
    #[schema(value_type = Option<String>, format = Uuid)]
    pub site_id: Option<Uuid>,
    /// The highest seq the cloud confirmed holding, with everything below it.
    pub last_ack_seq: u64,
    /// Events the box has that the cloud has not confirmed.
    pub backlog: u64,
    /// The last upload the cloud accepted (RFC 3339).
    pub last_success: Option<String>,
    /// Why the last attempt failed, when it did (cleared by the next success).
    pub last_error: Option<String>,
    /// Uploads stopped: the cloud refused the token. A new token starts them again.
    pub stopped: bool,
}

#[derive(Clone)]
pub struct Sync {
    store: Store,
    /// `[cloud]` from the config, used until the box is paired from the dashboard.
    configured: Option<CloudLink>,
    /// The link in use; a pairing replaces it and the uploader follows at once.
    link: Arc<watch::Sender<Option<CloudLink>>>,
    status: Arc<Mutex<SyncStatus>>,
    http: reqwest::Client,
}

pub const MIGRATIONS: comanda_store::Migrations = comanda_store::Migrations {
    service: "sync",
    steps: &[comanda_store::Migration { version: 1, name: "link", sql: include_str!("../migrations/0001_link.sql") }],
};

impl Sync {
    /// `extra_roots`: PEM certificate authorities to trust besides the system's, for a cloud
    /// with a private CA. Fails when they cannot be read as certificates.
    pub fn new(store: Store, configured: Option<CloudLink>, extra_roots: Option<&[u8]>) -> Result<Self, String> {
        let mut builder = reqwest::Client::builder().timeout(REQUEST_TIMEOUT).https_only(false);
        if let Some(pem) = extra_roots {
            let roots = reqwest::Certificate::from_pem_bundle(pem)
                .map_err(|e| format!("the cloud CA file holds no readable certificate: {e}"))?;
            if roots.is_empty() {
                return Err("the cloud CA file holds no certificate".to_owned());
            }
            for root in roots {
                builder = builder.add_root_certificate(root);
            }
        }
        let http = builder.build().map_err(|e| format!("cannot start the HTTPS client: {e}"))?;
        Ok(Self {
            store,
            configured,
            link: Arc::new(watch::Sender::new(None)),
            status: Arc::new(Mutex::new(SyncStatus::default())),
            http,
        })
    }

    pub fn status(&self) -> SyncStatus {
        let mut status = self.status.lock().map(|s| s.clone()).unwrap_or_default();
        status.backlog = self.store.last_seq().saturating_sub(status.last_ack_seq);
        status
    }

    fn update(&self, f: impl FnOnce(&mut SyncStatus)) {
        if let Ok(mut status) = self.status.lock() {
            f(&mut status);
        }
    }

    /// Shows `link` as the one in use and hands it to the uploader.
    fn use_link(&self, link: Option<CloudLink>) {
        self.update(|s| {
            s.enabled = link.is_some();
            s.cloud_url = link.as_ref().map(|l| l.url.clone());
            s.site_id = link.as_ref().map(|l| l.site_id);
            s.stopped = false;
            s.last_error = None;
        });
        self.link.send_replace(link);
    }

    /// Starts the uploader with the paired link, or the configured one; without either it
    /// waits for a pairing. The task ends when `stopping` turns true.
    pub async fn start(&self, stopping: watch::Receiver<bool>) -> Result<(), comanda_store::StoreError> {
        let paired = self.store.read(sql::paired_link).await?;
        let subscriber = self.store.subscriber(SUBSCRIBER).await?;
        self.update(|s| s.last_ack_seq = subscriber.cursor());
        self.use_link(paired.or_else(|| self.configured.clone()));
        let this = self.clone();
        tokio::spawn(async move { this.run(subscriber, stopping).await });
        Ok(())
    }

    /// Pairs the box with a site of `cloud_url` using the owner's one-time `code`: the cloud
    /// answers with the site and a new token, which are stored and used from now on. Paired
    /// with another site than before, the whole log is sent again (to that site).
    pub async fn pair(&self, cloud_url: &str, code: &str) -> Result<SyncStatus, ApiError> {
        let url = cloud_url.trim().trim_end_matches('/').to_owned();
        if url.len() > 500
            || !(url.starts_with("https://") || url.starts_with("http://"))
            || url.contains(char::is_whitespace)
        {
            return Err(ApiError::validation("cloud_url must be the cloud's http:// or https:// address"));
        }
        let code = code.trim();
        if code.is_empty() || code.len() > 64 {
            return Err(ApiError::validation("code is the pairing code the cloud shows (like 7KQ2M-X9D4F)"));
        }
        let response = self
            .http
            .post(format!("{url}{}", comanda_sync_wire::PAIR_PATH))
            .header(VERSION_HEADER, comanda_sync_wire::WIRE_VERSION.to_string())
            .json(&serde_json::json!({ "code": code }))
            .send()
            .await
            .map_err(|e| {
                ApiError::unavailable(format!(
                    "Cannot reach the cloud at {url}. Check the address and this box's internet connection ({}).",
                    root_cause(&e)
                ))
            })?;
        let status = response.status();
        if !status.is_success() {
            let message = response.json::<ErrorBody>().await.map(|b| b.error.message).unwrap_or_default();
            return Err(match status.as_u16() {
                401 | 403 | 404 => ApiError::validation(format!("the cloud refused the code: {message}")),
                429 => ApiError::rate_limited(60),
                _ => ApiError::unavailable(format!("the cloud answered {status}: {message}")),
            });
        }
        let paired: comanda_sync_wire::Paired = response
            .json()
            .await
            .map_err(|e| ApiError::unavailable(format!("the cloud's answer was cut off: {}", without_url(&e))))?;
        let link = CloudLink { url, site_id: paired.site_id, token: paired.token };
        let other_site = self.link.borrow().as_ref().is_none_or(|l| l.site_id != link.site_id);
        let stored = link.clone();
        let site_name = paired.site_name;
        self.store
            .write(move |tx| {
                sql::store_link(tx, &stored, &site_name)?;
                if other_site {
                    tx.reset_cursor(SUBSCRIBER, 0)?;
                }
                Ok::<(), comanda_store::StoreError>(())
            })
            .await?;
        tracing::info!(site_id = %link.site_id, other_site, "paired with the cloud");
        self.use_link(Some(link));
        Ok(self.status())
    }

    async fn run(self, mut subscriber: comanda_store::Subscriber, mut stopping: watch::Receiver<bool>) {
        let mut links = self.link.subscribe();
        loop {
            // Wait for a link (a pairing may bring one at any time).
            let link = loop {
                if let Some(link) = links.borrow_and_update().clone() {
                    break link;
                }
                tokio::select! {
                    changed = links.changed() => if changed.is_err() { return },
                    _ = stopping.wait_for(|stop| *stop) => return,
                }
            };
            // A pairing may have moved the cursor back (another site): read it again.
            match self.store.subscriber(SUBSCRIBER).await {
                Ok(fresh) => subscriber = fresh,
                Err(e) => tracing::warn!(error = %e, "cannot reread the sync cursor"),
            }
            self.update(|s| s.last_ack_seq = subscriber.cursor());
            if self.upload_with(&link, &mut subscriber, &mut links, &mut stopping).await.is_break() {
                return;
            }
        }
    }

    /// Uploads to `link` until the link changes (`Continue`) or the box stops (`Break`).
    async fn upload_with(
        &self,
        link: &CloudLink,
        subscriber: &mut comanda_store::Subscriber,
        links: &mut watch::Receiver<Option<CloudLink>>,
        stopping: &mut watch::Receiver<bool>,
    ) -> std::ops::ControlFlow<()> {
        use std::ops::ControlFlow::{Break, Continue};
        let url = format!("{}{}", link.url.trim_end_matches('/'), comanda_sync_wire::events_path(link.site_id));
        let mut retry = FIRST_RETRY;
        loop {
            let events = tokio::select! {
                batch = subscriber.next_batch(MAX_BATCH_EVENTS as u32) => batch,
                _ = links.changed() => return Continue(()),
                _ = stopping.wait_for(|stop| *stop) => return Break(()),
            };
            let outcome = match events {
                Ok(events) => self.upload(&url, link, &events).await,
                Err(e) => Err(Failure::Retry(format!("cannot read the event log: {e}"))),
            };
            let pause = match outcome {
                Ok(ack) => {
                    retry = FIRST_RETRY;
                    let at = OffsetDateTime::now_utc().format(&Rfc3339).ok();
                    let acked = ack.acked_seq.min(self.store.last_seq());
                    let moved = if acked > subscriber.cursor() {
                        subscriber.ack(acked).await
                    } else if acked < subscriber.cursor() {
                        // The cloud holds less than it once confirmed (restored, or a new
                        // site): send it what it lacks.
                        tracing::warn!(
                            acked,
                            cursor = subscriber.cursor(),
                            "the cloud lacks events it had; sending them again"
                        );
                        subscriber.rewind(acked).await
                    } else {
                        Ok(())
                    };
                    if let Err(e) = moved {
                        tracing::warn!(error = %e, "cannot record the sync cursor");
                    }
                    let acked = subscriber.cursor();
                    self.update(|s| {
                        s.last_ack_seq = acked;
                        s.last_success = at;
                        s.last_error = None;
                    });
                    None
                }
                Err(Failure::Refused(why)) => {
                    tracing::warn!(%why, "the cloud refused this box's token: uploads stop until it gets a new one");
                    self.update(|s| {
                        s.last_error = Some(why);
                        s.stopped = true;
                    });
                    // Until a pairing brings a new token.
                    return tokio::select! {
                        _ = links.changed() => Continue(()),
                        _ = stopping.wait_for(|stop| *stop) => Break(()),
                    };
                }
                Err(Failure::Retry(why)) => {
                    tracing::info!(%why, retry_in = ?retry, "cloud sync will retry");
                    self.update(|s| s.last_error = Some(why));
                    let jittered = retry.mul_f64(rand::rng().random_range(0.5..1.0));
                    retry = (retry * 2).min(LAST_RETRY);
                    Some(jittered)
                }
            };
            if let Some(pause) = pause {
                tokio::select! {
                    _ = tokio::time::sleep(pause) => {}
                    _ = links.changed() => return Continue(()),
                    _ = stopping.wait_for(|stop| *stop) => return Break(()),
                }
            }
        }
    }

    async fn upload(&self, url: &str, link: &CloudLink, events: &[StoredEvent]) -> Result<Ack, Failure> {
        let batch = batch_of(link.site_id, events);
        let response = self
            .http
            .post(url)
            .bearer_auth(&link.token)
            .header(VERSION_HEADER, comanda_sync_wire::WIRE_VERSION.to_string())
            .json(&batch)
            .send()
            .await
            .map_err(|e| Failure::Retry(format!("the cloud is not reachable: {}", without_url(&e))))?;
        let status = response.status();
        if status.is_success() {
            return response
                .json::<Ack>()
                .await
                .map_err(|e| Failure::Retry(format!("the cloud's answer was cut off: {}", without_url(&e))));
        }
        let message = response.json::<ErrorBody>().await.map(|b| b.error.message).unwrap_or_default();
        let why = format!("the cloud answered {status}: {message}");
        Err(if matches!(status.as_u16(), 401 | 403) { Failure::Refused(why) } else { Failure::Retry(why) })
    }
}

enum Failure {
    /// Retrying cannot help: the token is wrong or revoked.
    Refused(String),
    Retry(String),
}

/// The innermost cause, for people: "Connection refused (os error 111)".
fn root_cause(e: &reqwest::Error) -> String {
    let mut cause: &dyn std::error::Error = e;
    while let Some(next) = cause.source() {
        cause = next;
    }
    cause.to_string()
}

/// reqwest's errors name the URL, which is fine, but never the token: it is in a header. The
/// causes are kept (say, "invalid peer certificate: UnknownIssuer"): they say what to fix.
fn without_url(e: &reqwest::Error) -> String {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text = format!("{text}: {cause_text}");
        }
        source = cause.source();
    }
    if let Some(url) = e.url() {
        text = text.replace(url.as_str(), "the cloud");
    }
    text
}

/// An event of the box's log as it goes on the wire.
pub fn wire_event(e: &StoredEvent) -> WireEvent {
    WireEvent {
        id: e.id.as_uuid(),
        seq: e.seq,
        event_type: e.event_type.clone(),
        at: e.at.format(&Rfc3339).unwrap_or_default(),
        actor: e.actor.to_string(),
        data: e.data.clone(),
    }
}

/// The first events of `events` that fit one batch ([`MAX_BATCH_EVENTS`], [`MAX_BATCH_BYTES`]).
fn batch_of(site_id: Uuid, events: &[StoredEvent]) -> EventBatch {
    let mut out = Vec::with_capacity(events.len().min(MAX_BATCH_EVENTS));
    // Room for the batch's own fields.
    let mut bytes = 200usize;
    for e in events.iter().take(MAX_BATCH_EVENTS) {
        let wire = wire_event(e);
        let size = serde_json::to_vec(&wire).map_or(0, |v| v.len()) + 1;
        if !out.is_empty() && bytes + size > MAX_BATCH_BYTES {
            break;
        }
        bytes += size;
        out.push(wire);
    }
    EventBatch::new(site_id, out)
}
