//! Payloads of orders' and the kitchen's events. An `order.sent` carries everything a station
//! needs to print and show its ticket, so the kitchen never reads the orders' tables.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{ItemId, Money, OrderId, OrderLineId, StaffId, StationId, TableId, TaxRate, TicketId};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OrderOpened {
    pub order_id: OrderId,
    /// Short number for the kitchen and the receipt, counted per business day.
    pub number: u32,
    pub table_id: TableId,
    pub table_name: String,
    pub guests: u32,
    pub waiter_id: StaffId,
}

/// A line as ordered: prices and names are copied from the menu at that moment, so a later
/// price change never rewrites what a guest was told.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct LineData {
    pub line_id: OrderLineId,
    pub item_id: ItemId,
    pub name: String,
    pub quantity: u32,
    /// Item price plus modifier deltas, per unit.
    pub unit_price: Money,
    pub tax_rate_bp: TaxRate,
    pub station_id: StationId,
    pub modifiers: Vec<String>,
    pub seat: Option<u32>,
    pub course: u32,
    pub note: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LinesAdded {
    pub order_id: OrderId,
    pub lines: Vec<LineData>,
}

/// What fired, for every station at once.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OrderSent {
    pub order_id: OrderId,
    pub number: u32,
    pub table_id: TableId,
    pub table_name: String,
    pub waiter_id: StaffId,
    pub waiter_name: String,
    /// The course fired, or `None` for "send everything unsent".
    pub course: Option<u32>,
    /// Identifies this send (the event's own id is not known to subscribers before commit).
    pub send_no: u32,
    pub lines: Vec<LineData>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LineVoided {
    pub order_id: OrderId,
    pub number: u32,
    pub table_name: String,
    pub line: LineData,
    pub reason: String,
    /// The manager whose PIN approved it (voids after send need one).
    pub approved_by: Option<StaffId>,
    /// The kitchen had it: a VOID ticket goes to its station.
    pub after_send: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LineComped {
    pub order_id: OrderId,
    pub line_id: OrderLineId,
    pub amount: Money,
    pub reason: String,
    pub approved_by: StaffId,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OrderMoved {
    pub order_id: OrderId,
    pub from_table_id: TableId,
    pub to_table_id: TableId,
    /// When the target table already had an order, this order's lines joined it and this
    /// order is closed.
    pub merged_into: Option<OrderId>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OrderClosed {
    pub order_id: OrderId,
    pub table_id: TableId,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TicketKind {
    Order,
    Void,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TicketStatus {
    New,
    Preparing,
    Ready,
    Served,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TicketCreated {
    pub ticket_id: TicketId,
    pub station_id: StationId,
    pub order_id: OrderId,
    pub number: u32,
    pub table_name: String,
    pub waiter_name: String,
    pub course: Option<u32>,
    pub kind: TicketKind,
    pub lines: Vec<LineData>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TicketStatusChanged {
    pub ticket_id: TicketId,
    pub station_id: StationId,
    pub order_id: OrderId,
    pub status: TicketStatus,
}
