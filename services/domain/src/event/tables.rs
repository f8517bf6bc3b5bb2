//! Payloads of the floor's events: areas, tables and their status.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{AreaId, OrderId, TableId};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AreaChanged {
    pub area_id: AreaId,
    pub name: String,
    pub position: i64,
    pub active: bool,
}

/// A table's state on the floor plan, derived from its order (UI.md colours).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TableStatus {
    Free,
    /// An order is open; nothing sent to the kitchen yet.
    Seated,
    /// Something has been sent to the kitchen.
    Ordered,
    /// A bill has been printed or asked for.
    BillRequested,
}

impl TableStatus {
    pub fn as_str(&self) -> &'static str {
        match self {
            TableStatus::Free => "free",
            TableStatus::Seated => "seated",
            TableStatus::Ordered => "ordered",
            TableStatus::BillRequested => "bill_requested",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TableChanged {
    pub table_id: TableId,
    pub area_id: AreaId,
    pub name: String,
    pub seats: u32,
    pub status: TableStatus,
    /// The open order on it, if any.
    pub order_id: Option<OrderId>,
    pub active: bool,
}
