//! What other services ask of the menu inside their own transactions: "is this order line
//! valid right now, and what does it cost?" ([`resolve`]) and "what are the stations called?"
//! ([`station_names`]). Orders copy the answer (names, prices, tax, station) onto the line, so
//! later menu changes never rewrite an order already taken.

use comanda_api::ApiError;
use comanda_domain::{CategoryId, ItemId, ModifierGroupId, ModifierOptionId, Money, StationId, TaxRate};
use comanda_store::StoreError;
use comanda_store::rusqlite::Connection;

use crate::{model, sql};

/// An order line as a tablet sends it: which item, with which modifier options.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineRequest {
    pub item_id: ItemId,
    pub modifier_option_ids: Vec<ModifierOptionId>,
}

/// One chosen modifier, as it is on the menu now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResolvedModifier {
    pub option_id: ModifierOptionId,
    pub group_id: ModifierGroupId,
    pub name: String,
    pub price_delta: Money,
}

/// An order line checked against the menu, with everything the order needs to copy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResolvedItem {
    pub item_id: ItemId,
    pub name: String,
    pub category_id: CategoryId,
    pub category_name: String,
    pub base_price: Money,
    /// `base_price` plus every modifier's `price_delta`.
    pub unit_price: Money,
    pub tax_rate: TaxRate,
    pub station_id: StationId,
    pub station_name: String,
    pub cost: Option<Money>,
    /// In menu order: group by group as the item lists them, option by option.
    pub modifiers: Vec<ResolvedModifier>,
}

/// Validates an order line against the menu as it is now.
///
/// - unknown or inactive item (or one in an inactive category): 422 `validation_failed`;
/// - item 86'd: 409 `conflict` ("Salmon is sold out (86)");
/// - an option not offered with the item, chosen twice, or too few / too many in a group:
///   422 naming the group ("Cooking: choose 1", "Sides: at most 2");
/// - a unit price out of range or below zero: 422.
///
/// Modifier groups that were deactivated no longer apply to the item.
pub fn resolve(conn: &Connection, req: &LineRequest) -> Result<ResolvedItem, ApiError> {
    let item = sql::orderable_item(conn, req.item_id)?
        .filter(|i| i.active)
        .ok_or_else(|| ApiError::validation(format!("no such menu item: {}", req.item_id)))?;
    if !item.available {
        return Err(ApiError::conflict(format!("{} is sold out (86)", item.name)));
    }
    let groups = sql::offered_groups(conn, req.item_id)?;
    let modifiers = model::pick_modifiers(&item.name, &groups, &req.modifier_option_ids)?;
    let unit_price = model::unit_price(&item.name, item.price, &modifiers)?;
    Ok(ResolvedItem {
        item_id: req.item_id,
        name: item.name,
        category_id: item.category_id,
        category_name: item.category_name,
        base_price: item.price,
        unit_price,
        tax_rate: item.tax_rate,
        station_id: item.station_id,
        station_name: item.station_name,
        cost: item.cost,
        modifiers,
    })
}

/// Every station's name, active or not (old tickets still name theirs), in display order.
pub fn station_names(conn: &Connection) -> Result<Vec<(StationId, String)>, StoreError> {
    sql::station_names(conn)
}

/// One station, active or not, read on the caller's connection (the print queue asks which
/// printer a station's tickets go to).
pub fn station(conn: &Connection, id: StationId) -> Result<Option<crate::model::Station>, StoreError> {
    crate::sql::station_by_id(conn, id)
}
