//! Payloads of the assets service's events.

use serde::{Deserialize, Serialize};

use crate::{AssetId, Money, PrinterId};

/// An asset's whole record, after the change. Dates are local `YYYY-MM-DD`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssetChanged {
    pub asset_id: AssetId,
    pub name: String,
    pub category: String,
    pub kind: String,
    pub purchase_date: String,
    pub cost: Money,
    pub salvage_value: Money,
    pub useful_life_months: u32,
    pub serial: Option<String>,
    pub location: Option<String>,
    pub printer_id: Option<PrinterId>,
    pub disposed_on: Option<String>,
}
