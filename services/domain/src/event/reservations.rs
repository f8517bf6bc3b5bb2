//! Payloads of the reservations service's events.

use serde::{Deserialize, Serialize};

use crate::{AreaId, OrderId, TableId};

/// A booking's whole record after the change (`reservation.created`, `.changed`,
/// `.cancelled`, `.seated`, `.no_show`). Times are RFC 3339 UTC.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReservationChanged {
    pub reservation_id: uuid::Uuid,
    pub name: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub party_size: u32,
    pub starts_at: String,
    pub duration_minutes: u32,
    pub table_id: Option<TableId>,
    pub table_name: Option<String>,
    pub area_id: Option<AreaId>,
    pub notes: Option<String>,
    /// `booked`, `seated`, `cancelled` or `no_show`.
    pub status: String,
    pub order_id: Option<OrderId>,
    /// The guest's language for messages: `en` or `fr`.
    pub locale: String,
}

/// A walk-in on the waiting list (`waitlist.added`, `waitlist.changed`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WaitlistChanged {
    pub entry_id: uuid::Uuid,
    pub name: String,
    pub phone: Option<String>,
    pub party_size: u32,
    pub quoted_minutes: u32,
    pub added_at: String,
    /// `waiting`, `seated` or `left`.
    pub status: String,
}

/// A message for staff in the app (`notification.in_app`): `recipient` is `staff:<id>` or
/// `role:<role>`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InAppNotice {
    pub message_id: uuid::Uuid,
    /// What it is about (the template: `order_ready`, `printer_failed`, `sold_out`, …).
    #[serde(default)]
    pub kind: String,
    pub recipient: String,
    pub title: String,
    pub text: String,
}

/// A guest's request from the table's QR page (`guest.request_created`, `.request_accepted`,
/// `.request_declined`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GuestRequestChanged {
    pub request_id: uuid::Uuid,
    pub table_id: TableId,
    pub table_name: String,
    pub lines: Vec<GuestLine>,
    pub note: Option<String>,
    /// `pending`, `accepted` or `declined`.
    pub status: String,
    pub order_id: Option<OrderId>,
    pub reason: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct GuestLine {
    pub item_id: crate::ItemId,
    pub name: String,
    pub quantity: u32,
    pub unit_price: crate::Money,
    pub note: Option<String>,
}
