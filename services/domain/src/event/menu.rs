//! Payloads of the menu's events: what tablets and kitchen displays need to refresh their
//! copy of the menu without asking for the whole tree again.

use serde::{Deserialize, Serialize};

use crate::{CategoryId, ItemId, ModifierGroupId, ModifierOptionId, Money, StationId, TaxRate};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StationChanged {
    pub station_id: StationId,
    pub name: String,
    pub active: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CategoryChanged {
    pub category_id: CategoryId,
    pub name: String,
    pub position: i64,
    pub active: bool,
}

/// An item after a change. `previous_price` is set when the price changed (for the audit
/// trail); lines already ordered keep the price they were ordered at.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ItemChanged {
    pub item_id: ItemId,
    pub category_id: CategoryId,
    pub name: String,
    pub price: Money,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub previous_price: Option<Money>,
    pub tax_rate_bp: TaxRate,
    pub station_id: StationId,
    /// `false` = 86'd: tablets grey it out and orders refuse it.
    pub available: bool,
    pub active: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModifierGroupChanged {
    pub group_id: ModifierGroupId,
    pub name: String,
    pub min: u32,
    pub max: u32,
    pub options: Vec<ModifierOptionData>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModifierOptionData {
    pub option_id: ModifierOptionId,
    pub name: String,
    pub price_delta: Money,
}
