//! Notifications: a durable outbox of messages and the transports that deliver them.
//!
//! - **Outbox** (`notify_outbox`): a message is written in the same transaction as what caused
//!   it — the trigger projection ([`triggers`]) writes it with its cursor — so it exists exactly
//!   once, survives restarts and power cuts, and is sent when due (a reminder waits for its time).
//! - **Delivery** ([`Notifications::start`]): due messages are sent one by one; success marks
//!   them sent, a failure schedules a retry (30 s doubling to an hour, given up after 24 h).
//!   Email goes over SMTP (`lettre`; `smtp://` or `smtps://` URL, STARTTLS with
//!   `?tls=required`), SMS and webhooks as an HTTP POST of JSON to the configured gateway, with
//!   the message id as `Idempotency-Key`; in-app messages become `notification.in_app` events
//!   on the live stream. Email carries a stable `Message-ID`, so a message re-sent after a crash
//!   between "accepted" and "recorded" is recognisable as the same one.
//! - **Templates** ([`templates`]): EN/FR, by the guest's language.

pub mod api;
mod sql;
pub mod templates;
pub mod triggers;

use std::sync::Arc;
use std::time::Duration;

use axum::extract::FromRef;
use comanda_api::ApiError;
use comanda_domain::{Actor, Event, InAppNotice};
use comanda_staff::Auth;
use comanda_store::rusqlite::Connection;
use comanda_store::{Migration, Migrations, Store, StoreError, WriteTx};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use tokio::sync::{Notify, watch};
use utoipa::ToSchema;
use uuid::Uuid;

pub use api::router;

pub const MIGRATIONS: Migrations = Migrations {
    service: "notifications",
    steps: &[Migration { version: 1, name: "init", sql: include_str!("../migrations/0001_init.sql") }],
};

const FIRST_RETRY_SECS: i64 = 30;
const LAST_RETRY_SECS: i64 = 3600;
const GIVE_UP_AFTER_HOURS: i64 = 24;
const SEND_TIMEOUT: Duration = Duration::from_secs(30);

/// Where messages go: `[notifications]` in the config, or `COMANDA_SMTP_URL`,
/// `COMANDA_MAIL_FROM`, `COMANDA_SMS_URL`, `COMANDA_ALERTS_EMAIL`.
#[derive(Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotifyConfig {
    /// `smtp://user:password@host:587?tls=required`, `smtps://host:465`, or `smtp://host:25`.
    pub smtp_url: Option<String>,
    /// The sender, e.g. `Chez Anna <bookings@chez-anna.fr>`.
    pub mail_from: Option<String>,
    /// An SMS gateway (or any webhook) that takes `POST {"to","text","id"}`.
    pub sms_url: Option<String>,
    /// Where managers' alerts go by email (a printer down, an item sold out).
    pub alerts_email: Option<String>,
    /// Hours before a booking its reminder is sent (default 3; 0 = none).
    pub reminder_hours: Option<u32>,
}

impl std::fmt::Debug for NotifyConfig {
    // The SMTP URL may hold a password: it stays out of logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NotifyConfig")
            .field("smtp", &self.smtp_url.is_some())
            .field("mail_from", &self.mail_from)
            .field("sms", &self.sms_url.is_some())
            .field("alerts_email", &self.alerts_email)
            .field("reminder_hours", &self.reminder_hours)
            .finish()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Email,
    Sms,
    Webhook,
    InApp,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::Sms => "sms",
            Channel::Webhook => "webhook",
            Channel::InApp => "in_app",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [Channel::Email, Channel::Sms, Channel::Webhook, Channel::InApp].into_iter().find(|c| c.as_str() == s)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OutboxStatus {
    Pending,
    Sent,
    Failed,
    Cancelled,
}

impl OutboxStatus {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "pending" => Some(OutboxStatus::Pending),
            "sent" => Some(OutboxStatus::Sent),
            "failed" => Some(OutboxStatus::Failed),
            "cancelled" => Some(OutboxStatus::Cancelled),
            _ => None,
        }
    }
}

/// A message in the outbox.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Message {
    #[schema(value_type = String, format = Uuid)]
    pub id: Uuid,
    pub channel: Channel,
    /// An email address, a phone number, a URL, or `staff:<id>` / `role:<role>` in the app.
    pub recipient: String,
    pub subject: String,
    pub body: String,
    /// Which template made it (`reservation_confirmed`, `printer_failed`, …).
    pub template: String,
    pub status: OutboxStatus,
    pub attempts: u32,
    /// Not sent before this instant (its time, or the next retry).
    #[serde(with = "time::serde::rfc3339")]
    pub not_before: OffsetDateTime,
    pub last_error: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub sent_at: Option<OffsetDateTime>,
}

impl Message {
    pub fn new(
        channel: Channel,
        recipient: &str,
        (subject, body): (String, String),
        template: &str,
        at: OffsetDateTime,
    ) -> Self {
        let at = comanda_store::truncate_to_micros(at);
        Message {
            id: Uuid::now_v7(),
            channel,
            recipient: recipient.to_owned(),
            subject,
            body,
            template: template.to_owned(),
            status: OutboxStatus::Pending,
            attempts: 0,
            not_before: at,
            last_error: None,
            created_at: at,
            sent_at: None,
        }
    }
}

/// Adds `message` to the outbox in the caller's transaction, once per `dedupe_key`.
pub fn enqueue_in(conn: &Connection, message: &Message, dedupe_key: Option<&str>) -> Result<bool, StoreError> {
    sql::insert(conn, message, dedupe_key)
}

#[derive(Clone)]
pub struct Notifications {
    store: Store,
    auth: Auth,
    config: Arc<NotifyConfig>,
    wake: Arc<Notify>,
    http: reqwest::Client,
}

impl FromRef<Notifications> for Auth {
    fn from_ref(n: &Notifications) -> Auth {
        n.auth.clone()
    }
}

enum Outcome {
    Sent,
    Retry(String),
}

impl Notifications {
    pub fn new(store: Store, auth: Auth, config: NotifyConfig) -> Self {
        let http = reqwest::Client::builder().timeout(SEND_TIMEOUT).build().unwrap_or_default();
        Self { store, auth, config: Arc::new(config), wake: Arc::new(Notify::new()), http }
    }

    pub fn config(&self) -> &NotifyConfig {
        &self.config
    }

    /// Starts the trigger projection and the delivery loop (until `stopping`).
    pub fn start(&self, stopping: watch::Receiver<bool>) {
        triggers::spawn(&self.store, self.config.clone(), self.wake.clone());
        let this = self.clone();
        tokio::spawn(async move { this.deliver_loop(stopping).await });
    }

    async fn deliver_loop(self, mut stopping: watch::Receiver<bool>) {
        loop {
            let now = self.store.clock().now();
            let due = match self.store.read(move |c| sql::due(c, now, 20)).await {
                Ok(due) => due,
                Err(e) => {
                    tracing::warn!(error = %e, "cannot read the outbox");
                    Vec::new()
                }
            };
            for message in &due {
                let stop = *stopping.borrow();
                if stop {
                    return;
                }
                let outcome = self.deliver(message).await;
                self.record(message, outcome).await;
            }
            if !due.is_empty() {
                continue;
            }
            // Sleep until the next message is due (at most 5 s: the clock may jump), or
            // until a new one is written.
            let next = self.store.read(sql::next_due).await.ok().flatten();
            let wait = next
                .map(|at| (at - self.store.clock().now()).clamp(time::Duration::ZERO, time::Duration::seconds(5)))
                .unwrap_or(time::Duration::seconds(5));
            let wait = Duration::from_millis(u64::try_from(wait.whole_milliseconds()).unwrap_or(5_000).max(20));
            let woken = tokio::select! {
                _ = tokio::time::sleep(wait) => false,
                _ = self.wake.notified() => true,
                _ = stopping.wait_for(|s| *s) => return,
            };
            if woken {
                // The trigger wakes us from inside its transaction: give it time to commit.
                tokio::time::sleep(Duration::from_millis(25)).await;
            }
        }
    }

    async fn record(&self, message: &Message, outcome: Outcome) {
        let (id, attempts, created) = (message.id, message.attempts, message.created_at);
        let written = self
            .store
            .write(move |tx| {
                let now = tx.now();
                match outcome {
                    Outcome::Sent => {
                        sql::mark_sent(tx.conn(), id, now)?;
                    }
                    Outcome::Retry(error) => {
                        let delay = (FIRST_RETRY_SECS << attempts.min(10)).min(LAST_RETRY_SECS);
                        let give_up = now - created > time::Duration::hours(GIVE_UP_AFTER_HOURS);
                        tracing::info!(%id, attempts = attempts + 1, %error, give_up, "message not delivered");
                        sql::mark_retry(tx.conn(), id, now + time::Duration::seconds(delay), &error, give_up)?;
                    }
                }
                Ok::<_, StoreError>(())
            })
            .await;
        if let Err(e) = written {
            tracing::warn!(error = %e, %id, "cannot record a delivery; it will be tried again");
        }
    }

    async fn deliver(&self, m: &Message) -> Outcome {
        let result = match m.channel {
            Channel::Email => self.send_email(m).await,
            Channel::Sms | Channel::Webhook => self.post_webhook(m).await,
            Channel::InApp => self.in_app(m).await,
        };
        match result {
            Ok(()) => Outcome::Sent,
            Err(e) => Outcome::Retry(e),
        }
    }

    async fn send_email(&self, m: &Message) -> Result<(), String> {
        use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
        let url = self.config.smtp_url.as_deref().ok_or("no SMTP server is configured ([notifications] smtp_url)")?;
        let from = self.config.mail_from.as_deref().ok_or("no sender is configured ([notifications] mail_from)")?;
        let email = lettre::Message::builder()
            .message_id(Some(format!("<{}@comanda>", m.id)))
            .from(from.parse().map_err(|e| format!("the sender {from:?} is not an address: {e}"))?)
            .to(m.recipient.parse().map_err(|e| format!("{:?} is not an address: {e}", m.recipient))?)
            .subject(&m.subject)
            .header(lettre::message::header::ContentType::TEXT_PLAIN)
            .body(m.body.clone())
            .map_err(|e| format!("cannot build the email: {e}"))?;
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| format!("the SMTP URL is not valid: {e}"))?
            .timeout(Some(SEND_TIMEOUT))
            .build();
        transport.send(email).await.map(|_| ()).map_err(|e| format!("the mail server: {e}"))
    }

    async fn post_webhook(&self, m: &Message) -> Result<(), String> {
        let url = match m.channel {
            Channel::Sms => {
                self.config.sms_url.as_deref().ok_or("no SMS gateway is configured ([notifications] sms_url)")?
            }
            _ => m.recipient.as_str(),
        };
        let body = serde_json::json!({"id": m.id, "to": m.recipient, "subject": m.subject, "text": m.body, "template": m.template});
        let response = self
            .http
            .post(url)
            .header("idempotency-key", m.id.to_string())
            .json(&body)
            .send()
            .await
            .map_err(|e| format!("the gateway is not reachable: {}", e.without_url()))?;
        if response.status().is_success() { Ok(()) } else { Err(format!("the gateway answered {}", response.status())) }
    }

    async fn in_app(&self, m: &Message) -> Result<(), String> {
        let notice = InAppNotice {
            message_id: m.id,
            kind: m.template.clone(),
            recipient: m.recipient.clone(),
            title: m.subject.clone(),
            text: m.body.clone(),
        };
        self.store
            .write(move |tx: &mut WriteTx<'_>| tx.append(Actor::System, Event::NotificationInApp(notice)).map(|_| ()))
            .await
            .map_err(|e| e.to_string())
    }

    pub async fn recent(&self, status: Option<String>, limit: u32) -> Result<Vec<Message>, ApiError> {
        Ok(self.store.read(move |c| sql::recent(c, status.as_deref(), limit)).await?)
    }

    /// A failed message, queued again now.
    pub async fn retry(&self, id: Uuid) -> Result<Message, ApiError> {
        let message = self
            .store
            .write(move |tx| {
                let now = tx.now();
                if !sql::retry(tx.conn(), id, now)? {
                    let exists = sql::get(tx.conn(), id)?.is_some();
                    return Err(if exists {
                        ApiError::conflict("only a failed message can be retried")
                    } else {
                        ApiError::not_found("no such message")
                    });
                }
                sql::get(tx.conn(), id)?.ok_or_else(|| ApiError::not_found("no such message"))
            })
            .await?;
        self.wake.notify_one();
        Ok(message)
    }

    /// A test message to `to` by `channel` (email or sms), to check the settings.
    pub async fn test(&self, channel: Channel, to: String) -> Result<Message, ApiError> {
        match channel {
            Channel::Email if self.config.smtp_url.is_none() => {
                return Err(ApiError::conflict("no SMTP server is configured ([notifications] smtp_url)"));
            }
            Channel::Sms if self.config.sms_url.is_none() => {
                return Err(ApiError::conflict("no SMS gateway is configured ([notifications] sms_url)"));
            }
            Channel::Email | Channel::Sms => {}
            _ => return Err(ApiError::validation("channel must be email or sms")),
        }
        let message = self
            .store
            .write(move |tx| {
                let restaurant = comanda_site::settings_in(tx.conn())?.map(|s| s.name).unwrap_or_default();
                let lang = templates::Lang::En;
                let m = Message::new(channel, &to, templates::test_message(lang, &restaurant), "test", tx.now());
                sql::insert(tx.conn(), &m, None)?;
                Ok::<_, ApiError>(m)
            })
            .await?;
        self.wake.notify_one();
        Ok(message)
    }
}
