//! What causes messages: a durable subscriber of the log (`notifications.triggers`) that turns
//! events into outbox rows in the same transaction as its cursor, so each message is written
//! exactly once, whatever restarts happen.
//!
//! - `reservation.created` → the confirmation (email, and SMS when a gateway is set) and the
//!   reminder, scheduled `reminder_hours` before; `.changed` → a message and the reminder moved;
//!   `.cancelled` → a message and no reminder; `.seated` / `.no_show` → no reminder.
//! - `print_job.failed` → managers (in the app, and by email to `alerts_email`).
//! - `menu.item_changed` to unavailable → managers, in the app.
//! - `ticket.bumped` to ready → the order's waiter, in the app.

use std::sync::Arc;

use comanda_domain::{ItemChanged, OrderOpened, PrintJobFailed, ReservationChanged, TicketStatus, TicketStatusChanged};
use comanda_store::rusqlite::Connection;
use comanda_store::{Store, StoreError, StoredEvent, WriteTx};
use jiff::tz::TimeZone;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use tokio::sync::Notify;

use crate::templates::{self, BookingMessage, Lang};
use crate::{Channel, Message, NotifyConfig, sql};

pub const SUBSCRIBER: &str = "notifications.triggers";
const DEFAULT_REMINDER_HOURS: u32 = 3;

pub fn spawn(store: &Store, config: Arc<NotifyConfig>, wake: Arc<Notify>) -> tokio::task::JoinHandle<()> {
    comanda_store::spawn_projection(store, SUBSCRIBER, move |tx, batch| {
        let added = apply(tx, batch, &config)?;
        if added {
            wake.notify_one();
        }
        Ok(batch.last().map_or(0, |e| e.seq))
    })
}

struct Site {
    name: String,
    tz: TimeZone,
}

fn site(conn: &Connection) -> Result<Site, StoreError> {
    let settings = comanda_site::settings_in(conn)?;
    let tz = settings.as_ref().and_then(|s| TimeZone::get(&s.timezone).ok()).unwrap_or(TimeZone::UTC);
    Ok(Site { name: settings.map(|s| s.name).unwrap_or_default(), tz })
}

fn read<T: serde::de::DeserializeOwned>(e: &StoredEvent) -> Option<T> {
    serde_json::from_value(e.data.clone())
        .map_err(|error| tracing::error!(seq = e.seq, event_type = %e.event_type, %error, "notifications cannot read this event"))
        .ok()
}

/// Writes the messages `batch` causes; returns whether any was added.
fn apply(tx: &mut WriteTx<'_>, batch: &[StoredEvent], config: &NotifyConfig) -> Result<bool, StoreError> {
    let mut added = false;
    for e in batch {
        let conn = tx.conn();
        added |= match e.event_type.as_str() {
            "reservation.created"
            | "reservation.changed"
            | "reservation.cancelled"
            | "reservation.seated"
            | "reservation.no_show" => match read::<ReservationChanged>(e) {
                Some(r) => booking(conn, e, &r, config)?,
                None => false,
            },
            "print_job.failed" => match read::<PrintJobFailed>(e) {
                Some(f) => {
                    let s = site(conn)?;
                    let text = templates::printer_failed(Lang::En, &s.name, &f.error, f.rerouted_to.is_some());
                    let key = format!("printer:{}", f.job_id);
                    let mut added =
                        insert(conn, Channel::InApp, "role:manager", text.clone(), "printer_failed", e.at, &key)?;
                    if let Some(to) = &config.alerts_email {
                        added |=
                            insert(conn, Channel::Email, to, text, "printer_failed", e.at, &format!("{key}:email"))?;
                    }
                    added
                }
                None => false,
            },
            "menu.item_changed" => match read::<ItemChanged>(e) {
                Some(item) if !item.available && item.active => {
                    let key = format!("sold_out:{}:{}", item.item_id, e.seq);
                    insert(
                        conn,
                        Channel::InApp,
                        "role:manager",
                        templates::sold_out(Lang::En, &item.name),
                        "sold_out",
                        e.at,
                        &key,
                    )?
                }
                _ => false,
            },
            "order.opened" => {
                if let Some(o) = read::<OrderOpened>(e) {
                    sql::remember_order(conn, &o.order_id.to_string(), &o.waiter_id.to_string(), &o.table_name)?;
                }
                false
            }
            "ticket.bumped" => match read::<TicketStatusChanged>(e) {
                Some(t) if t.status == TicketStatus::Ready => match sql::order_waiter(conn, &t.order_id.to_string())? {
                    Some((waiter, table)) => {
                        let key = format!("ready:{}:{}", t.ticket_id, e.seq);
                        let to = format!("staff:{waiter}");
                        insert(
                            conn,
                            Channel::InApp,
                            &to,
                            templates::order_ready(Lang::En, &table),
                            "order_ready",
                            e.at,
                            &key,
                        )?
                    }
                    None => false,
                },
                _ => false,
            },
            _ => false,
        };
    }
    Ok(added)
}

fn insert(
    conn: &Connection,
    channel: Channel,
    to: &str,
    text: (String, String),
    template: &str,
    at: OffsetDateTime,
    key: &str,
) -> Result<bool, StoreError> {
    sql::insert(conn, &Message::new(channel, to, text, template, at), Some(key))
}

/// A booking's messages: to the guest by email and (with a gateway) SMS, and its reminder.
fn booking(
    conn: &Connection,
    e: &StoredEvent,
    r: &ReservationChanged,
    config: &NotifyConfig,
) -> Result<bool, StoreError> {
    let Ok(starts_at) = OffsetDateTime::parse(&r.starts_at, &Rfc3339) else { return Ok(false) };
    let s = site(conn)?;
    let lang = Lang::of(&r.locale);
    let details = templates::Booking {
        restaurant: &s.name,
        guest: &r.name,
        party: r.party_size,
        when: templates::when(starts_at, &s.tz, lang),
    };
    let reminder_key = format!("reminder:{}", r.reservation_id);
    let kind = match e.event_type.as_str() {
        "reservation.created" => Some(BookingMessage::Confirmed),
        "reservation.changed" => Some(BookingMessage::Changed),
        "reservation.cancelled" => Some(BookingMessage::Cancelled),
        _ => None,
    };
    let mut added = false;
    if let Some(kind) = kind {
        let key = format!("{}:{}:{}", kind.template(), r.reservation_id, e.seq);
        if let Some(email) = &r.email {
            added |= insert(
                conn,
                Channel::Email,
                email,
                templates::booking(kind, lang, &details),
                kind.template(),
                e.at,
                &key,
            )?;
        }
        if let (Some(phone), Some(_)) = (&r.phone, &config.sms_url) {
            let text = (String::new(), templates::sms(kind, lang, &details));
            added |= insert(conn, Channel::Sms, phone, text, kind.template(), e.at, &format!("{key}:sms"))?;
        }
    }
    // The reminder: (re)scheduled while the booking stands, withdrawn otherwise.
    sql::cancel_pending(conn, &reminder_key)?;
    let hours = config.reminder_hours.unwrap_or(DEFAULT_REMINDER_HOURS);
    let due = starts_at - time::Duration::hours(i64::from(hours));
    if r.status == "booked" && hours > 0 && due > e.at {
        let kind = BookingMessage::Reminder;
        let (channel, to) = match (&r.email, &r.phone, &config.sms_url) {
            (_, Some(phone), Some(_)) => (Channel::Sms, phone.clone()),
            (Some(email), _, _) => (Channel::Email, email.clone()),
            _ => return Ok(added),
        };
        let text = match channel {
            Channel::Sms => (String::new(), templates::sms(kind, lang, &details)),
            _ => templates::booking(kind, lang, &details),
        };
        let mut m = Message::new(channel, &to, text, kind.template(), e.at);
        m.not_before = due;
        added |= sql::insert(conn, &m, Some(&reminder_key))?;
    }
    Ok(added)
}
