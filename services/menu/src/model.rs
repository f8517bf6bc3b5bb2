//! Menu types and rules, pure and I/O-free: what a station, category, item and modifier group
//! are, the request bodies that make and change them, the bounds every field must respect, and
//! how an order line's modifier choices are checked against an item's groups. Most of the
//! service's tests live here.

use std::collections::HashSet;
use std::fmt;
use std::str::FromStr;

use comanda_api::{ApiError, validate};
use comanda_domain::{CategoryId, ItemId, ModifierGroupId, ModifierOptionId, Money, StationId, TaxRate};
use serde::{Deserialize, Deserializer, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;

use crate::ResolvedModifier;

pub const NAME_MAX: usize = 100;
/// A hundred thousand in major units: far above any dish, far below overflow.
pub const PRICE_MAX: i64 = 10_000_000;
pub const COST_MAX: i64 = 10_000_000;
pub const POSITION_LIMIT: i64 = 1_000_000;
pub const CHOICES_MAX: i64 = 20;
pub const OPTIONS_MAX: usize = 50;
pub const PRICE_DELTA_LIMIT: i64 = 1_000_000;
/// More groups than this on one item is a mistake, not a menu.
pub const GROUPS_PER_ITEM_MAX: usize = 20;
/// Enough for any kitchen; it keeps `GET /kitchen/stations` a single page.
pub const STATIONS_MAX: i64 = 50;

/// The fourteen allergens EU Regulation 1169/2011 (Annex II) requires a menu to declare.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Allergen {
    Gluten,
    Crustaceans,
    Eggs,
    Fish,
    Peanuts,
    Soybeans,
    Milk,
    Nuts,
    Celery,
    Mustard,
    Sesame,
    Sulphites,
    Lupin,
    Molluscs,
}

impl Allergen {
    /// In the order of the regulation's annex, which is also the order we answer in.
    pub const ALL: [Allergen; 14] = [
        Allergen::Gluten,
        Allergen::Crustaceans,
        Allergen::Eggs,
        Allergen::Fish,
        Allergen::Peanuts,
        Allergen::Soybeans,
        Allergen::Milk,
        Allergen::Nuts,
        Allergen::Celery,
        Allergen::Mustard,
        Allergen::Sesame,
        Allergen::Sulphites,
        Allergen::Lupin,
        Allergen::Molluscs,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Allergen::Gluten => "gluten",
            Allergen::Crustaceans => "crustaceans",
            Allergen::Eggs => "eggs",
            Allergen::Fish => "fish",
            Allergen::Peanuts => "peanuts",
            Allergen::Soybeans => "soybeans",
            Allergen::Milk => "milk",
            Allergen::Nuts => "nuts",
            Allergen::Celery => "celery",
            Allergen::Mustard => "mustard",
            Allergen::Sesame => "sesame",
            Allergen::Sulphites => "sulphites",
            Allergen::Lupin => "lupin",
            Allergen::Molluscs => "molluscs",
        }
    }
}

impl fmt::Display for Allergen {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown allergen `{0}`")]
pub struct UnknownAllergen(String);

impl FromStr for Allergen {
    type Err = UnknownAllergen;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim().to_lowercase();
        Allergen::ALL.into_iter().find(|a| a.as_str() == wanted).ok_or_else(|| UnknownAllergen(s.to_owned()))
    }
}

/// A kitchen station: where an item's tickets go (grill, cold, bar).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Station {
    pub id: StationId,
    pub name: String,
    /// The printer its tickets go to; free text until printers are managed by the box.
    pub printer_id: Option<String>,
    pub active: bool,
    pub position: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Category {
    pub id: CategoryId,
    pub name: String,
    pub position: i64,
    pub active: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// A menu item as managers see it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Item {
    pub id: ItemId,
    pub category_id: CategoryId,
    pub name: String,
    /// Minor units, as printed on the menu (tax included or not per the site setting).
    pub price: Money,
    #[schema(value_type = u32, minimum = 0, maximum = 10000)]
    pub tax_rate_bp: TaxRate,
    pub station_id: StationId,
    /// Cost of goods per portion, minor units; only managers and owners see it.
    pub cost: Option<Money>,
    pub allergens: Vec<Allergen>,
    /// `false` = 86'd (sold out): tablets grey it out and orders refuse it.
    pub available: bool,
    pub active: bool,
    pub position: i64,
    /// Modifier groups offered with this item, in the order the tablet shows them.
    pub modifier_group_ids: Vec<ModifierGroupId>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// A group of choices offered with items ("Cooking", "Sides"): pick between `min` and `max`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ModifierGroup {
    pub id: ModifierGroupId,
    pub name: String,
    pub min: u32,
    pub max: u32,
    pub active: bool,
    pub options: Vec<ModifierOption>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ModifierOption {
    pub id: ModifierOptionId,
    pub name: String,
    /// Added to the item's price when chosen (may be negative: "no cheese").
    pub price_delta: Money,
}

/// `GET /menu`: everything a tablet needs, in one answer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct MenuTree {
    pub stations: Vec<Station>,
    pub categories: Vec<TreeCategory>,
    pub modifier_groups: Vec<TreeModifierGroup>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct TreeCategory {
    pub id: CategoryId,
    pub name: String,
    pub position: i64,
    /// Always `true` unless inactive things were asked for.
    pub active: bool,
    pub items: Vec<TreeItem>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct TreeItem {
    pub id: ItemId,
    pub name: String,
    pub price: Money,
    #[schema(value_type = u32, minimum = 0, maximum = 10000)]
    pub tax_rate_bp: TaxRate,
    pub station_id: StationId,
    /// `null` for staff other than managers and owners.
    pub cost: Option<Money>,
    pub allergens: Vec<Allergen>,
    pub available: bool,
    pub active: bool,
    pub modifier_group_ids: Vec<ModifierGroupId>,
    pub position: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct TreeModifierGroup {
    pub id: ModifierGroupId,
    pub name: String,
    pub min: u32,
    pub max: u32,
    pub active: bool,
    pub options: Vec<ModifierOption>,
}

/// Deserialises a field that may be absent (keep), `null` (clear) or a value (set).
fn nullable<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// `POST /kitchen/stations`.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewStation {
    pub name: String,
    pub printer_id: Option<String>,
    /// Display order (default 0).
    pub position: Option<i64>,
}

/// `PATCH /kitchen/stations/{id}`; absent fields stay as they are.
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StationChanges {
    pub name: Option<String>,
    /// `null` unlinks the printer.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub printer_id: Option<Option<String>>,
    pub position: Option<i64>,
    /// `false` takes the station out of service (only once no active item goes there).
    pub active: Option<bool>,
}

/// `POST /menu/categories`.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCategory {
    pub name: String,
    /// Display order (default 0).
    pub position: Option<i64>,
}

/// `PATCH /menu/categories/{id}`; absent fields stay as they are.
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CategoryChanges {
    pub name: Option<String>,
    pub position: Option<i64>,
    /// `false` hides the category and its items from tablets.
    pub active: Option<bool>,
}

/// `POST /menu/items`.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewItem {
    pub category_id: CategoryId,
    pub name: String,
    /// Minor units, 0–10000000.
    pub price: Money,
    /// Basis points, 0–10000 (1000 = 10 %).
    pub tax_rate_bp: i64,
    pub station_id: StationId,
    /// Cost of goods per portion, minor units.
    pub cost: Option<Money>,
    /// EU-14 allergens; duplicates are dropped.
    #[serde(default)]
    pub allergens: Vec<String>,
    #[serde(default)]
    pub modifier_group_ids: Vec<ModifierGroupId>,
    /// Display order within the category (default 0).
    pub position: Option<i64>,
}

/// `PATCH /menu/items/{id}`; absent fields stay as they are. `{"available": false}` 86s it.
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ItemChanges {
    pub category_id: Option<CategoryId>,
    pub name: Option<String>,
    pub price: Option<Money>,
    pub tax_rate_bp: Option<i64>,
    pub station_id: Option<StationId>,
    /// `null` forgets the cost.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<Money>)]
    pub cost: Option<Option<Money>>,
    pub allergens: Option<Vec<String>>,
    /// Replaces the list (and its order).
    pub modifier_group_ids: Option<Vec<ModifierGroupId>>,
    pub available: Option<bool>,
    pub active: Option<bool>,
    pub position: Option<i64>,
}

#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewOption {
    pub name: String,
    /// Minor units added to the item's price (default 0; may be negative).
    #[serde(default)]
    pub price_delta: Money,
}

/// `POST /menu/modifier-groups`. Options keep the order given.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewModifierGroup {
    pub name: String,
    /// Fewest options a line must choose (0–20).
    pub min: i64,
    /// Most options a line may choose (1–20, at least `min`).
    pub max: i64,
    pub options: Vec<NewOption>,
}

/// `PATCH /menu/modifier-groups/{id}`. `options`, when given, replaces every option (they get
/// new ids; orders already taken keep the names and prices they copied).
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ModifierGroupChanges {
    pub name: Option<String>,
    pub min: Option<i64>,
    pub max: Option<i64>,
    pub active: Option<bool>,
    pub options: Option<Vec<NewOption>>,
}

/// A validated [`NewStation`].
#[derive(Clone, Debug, PartialEq)]
pub struct StationDraft {
    pub name: String,
    pub printer_id: Option<String>,
    pub position: i64,
}

/// A validated [`NewCategory`].
#[derive(Clone, Debug, PartialEq)]
pub struct CategoryDraft {
    pub name: String,
    pub position: i64,
}

/// A validated [`NewItem`]; the ids it names are checked against the store when inserted.
#[derive(Clone, Debug, PartialEq)]
pub struct ItemDraft {
    pub category_id: CategoryId,
    pub name: String,
    pub price: Money,
    pub tax_rate: TaxRate,
    pub station_id: StationId,
    pub cost: Option<Money>,
    pub allergens: Vec<Allergen>,
    pub modifier_group_ids: Vec<ModifierGroupId>,
    pub position: i64,
}

/// A validated [`NewOption`].
#[derive(Clone, Debug, PartialEq)]
pub struct OptionDraft {
    pub name: String,
    pub price_delta: Money,
}

/// A validated [`NewModifierGroup`].
#[derive(Clone, Debug, PartialEq)]
pub struct ModifierGroupDraft {
    pub name: String,
    pub min: u32,
    pub max: u32,
    pub options: Vec<OptionDraft>,
}

pub fn name(field: &str, raw: &str) -> Result<String, ApiError> {
    validate::text(field, raw, 1, NAME_MAX)
}

/// What makes two names the same for uniqueness: case does not count ("Bar" = "bar").
pub fn name_key(name: &str) -> String {
    name.trim().to_lowercase()
}

pub fn price(price: Money) -> Result<Money, ApiError> {
    validate::range("price", price.minor(), 0, PRICE_MAX).map(Money::from_minor)
}

pub fn cost(cost: Option<Money>) -> Result<Option<Money>, ApiError> {
    cost.map(|c| validate::range("cost", c.minor(), 0, COST_MAX).map(Money::from_minor)).transpose()
}

pub fn tax_rate(bp: i64) -> Result<TaxRate, ApiError> {
    let max = i64::from(TaxRate::MAX_BP);
    let bp = validate::range("tax_rate_bp", bp, 0, max)?;
    u32::try_from(bp)
        .ok()
        .and_then(|bp| TaxRate::from_bp(bp).ok())
        .ok_or_else(|| ApiError::validation(format!("tax_rate_bp must be between 0 and {max}")))
}

pub fn position(position: i64) -> Result<i64, ApiError> {
    validate::range("position", position, -POSITION_LIMIT, POSITION_LIMIT)
}

pub fn printer_id(raw: Option<&str>) -> Result<Option<String>, ApiError> {
    raw.map(|p| validate::text("printer_id", p, 1, NAME_MAX)).transpose()
}

/// EU-14 names, any case; duplicates dropped; answered in the regulation's order.
pub fn allergens(raw: &[String]) -> Result<Vec<Allergen>, ApiError> {
    let mut found = Vec::new();
    for name in raw {
        let allergen: Allergen = name.parse().map_err(|_| {
            let known: Vec<&str> = Allergen::ALL.iter().map(|a| a.as_str()).collect();
            ApiError::validation(format!("allergens: unknown allergen {name:?} (expected one of {})", known.join(", ")))
        })?;
        found.push(allergen);
    }
    found.sort();
    found.dedup();
    Ok(found)
}

pub fn modifier_group_ids(ids: &[ModifierGroupId]) -> Result<Vec<ModifierGroupId>, ApiError> {
    if ids.len() > GROUPS_PER_ITEM_MAX {
        return Err(ApiError::validation(format!(
            "modifier_group_ids: at most {GROUPS_PER_ITEM_MAX} modifier groups per item"
        )));
    }
    let mut seen = HashSet::new();
    if let Some(twice) = ids.iter().find(|id| !seen.insert(**id)) {
        return Err(ApiError::validation(format!("modifier_group_ids: {twice} is listed twice")));
    }
    Ok(ids.to_vec())
}

/// `min` and `max` of a group with `options` options: 0 ≤ min ≤ max, 1 ≤ max ≤ 20, and a
/// group must be satisfiable (min ≤ options), or the items offering it could never be ordered.
pub fn choice_bounds(min: i64, max: i64, options: usize) -> Result<(u32, u32), ApiError> {
    let min = validate::range("min", min, 0, CHOICES_MAX)?;
    let max = validate::range("max", max, 1, CHOICES_MAX)?;
    if min > max {
        return Err(ApiError::validation(format!("min ({min}) must not be more than max ({max})")));
    }
    if usize::try_from(min).unwrap_or(usize::MAX) > options {
        return Err(ApiError::validation(format!(
            "min ({min}) must not be more than the number of options ({options})"
        )));
    }
    let as_u32 = |n: i64| u32::try_from(n).map_err(|_| ApiError::validation("min and max must be small numbers"));
    Ok((as_u32(min)?, as_u32(max)?))
}

/// 1–50 options with distinct names (case-insensitively) and bounded price deltas.
pub fn options(raw: &[NewOption]) -> Result<Vec<OptionDraft>, ApiError> {
    if raw.is_empty() || raw.len() > OPTIONS_MAX {
        return Err(ApiError::validation(format!("options: give 1 to {OPTIONS_MAX} options")));
    }
    let mut seen = HashSet::new();
    raw.iter()
        .enumerate()
        .map(|(i, o)| {
            let name = name(&format!("options[{i}].name"), &o.name)?;
            if !seen.insert(name_key(&name)) {
                return Err(ApiError::validation(format!("options: {name:?} is listed twice")));
            }
            let delta = o.price_delta.minor();
            validate::range(&format!("options[{i}].price_delta"), delta, -PRICE_DELTA_LIMIT, PRICE_DELTA_LIMIT)?;
            Ok(OptionDraft { name, price_delta: o.price_delta })
        })
        .collect()
}

impl NewStation {
    pub fn validate(&self) -> Result<StationDraft, ApiError> {
        Ok(StationDraft {
            name: name("name", &self.name)?,
            printer_id: printer_id(self.printer_id.as_deref())?,
            position: position(self.position.unwrap_or(0))?,
        })
    }
}

impl StationChanges {
    /// Applies the changes to `station`, validating each field given.
    pub fn apply(&self, station: &mut Station) -> Result<(), ApiError> {
        if let Some(n) = &self.name {
            station.name = name("name", n)?;
        }
        if let Some(p) = &self.printer_id {
            station.printer_id = printer_id(p.as_deref())?;
        }
        if let Some(p) = self.position {
            station.position = position(p)?;
        }
        if let Some(a) = self.active {
            station.active = a;
        }
        Ok(())
    }
}

impl NewCategory {
    pub fn validate(&self) -> Result<CategoryDraft, ApiError> {
        Ok(CategoryDraft { name: name("name", &self.name)?, position: position(self.position.unwrap_or(0))? })
    }
}

impl CategoryChanges {
    pub fn apply(&self, category: &mut Category) -> Result<(), ApiError> {
        if let Some(n) = &self.name {
            category.name = name("name", n)?;
        }
        if let Some(p) = self.position {
            category.position = position(p)?;
        }
        if let Some(a) = self.active {
            category.active = a;
        }
        Ok(())
    }
}

impl NewItem {
    pub fn validate(&self) -> Result<ItemDraft, ApiError> {
        Ok(ItemDraft {
            category_id: self.category_id,
            name: name("name", &self.name)?,
            price: price(self.price)?,
            tax_rate: tax_rate(self.tax_rate_bp)?,
            station_id: self.station_id,
            cost: cost(self.cost)?,
            allergens: allergens(&self.allergens)?,
            modifier_group_ids: modifier_group_ids(&self.modifier_group_ids)?,
            position: position(self.position.unwrap_or(0))?,
        })
    }
}

impl ItemChanges {
    /// Applies the changes to `item`, validating each field given. Whether the ids it names
    /// exist is for the caller, who has the store.
    pub fn apply(&self, item: &mut Item) -> Result<(), ApiError> {
        if let Some(c) = self.category_id {
            item.category_id = c;
        }
        if let Some(n) = &self.name {
            item.name = name("name", n)?;
        }
        if let Some(p) = self.price {
            item.price = price(p)?;
        }
        if let Some(bp) = self.tax_rate_bp {
            item.tax_rate_bp = tax_rate(bp)?;
        }
        if let Some(s) = self.station_id {
            item.station_id = s;
        }
        if let Some(c) = self.cost {
            item.cost = cost(c)?;
        }
        if let Some(a) = &self.allergens {
            item.allergens = allergens(a)?;
        }
        if let Some(g) = &self.modifier_group_ids {
            item.modifier_group_ids = modifier_group_ids(g)?;
        }
        if let Some(a) = self.available {
            item.available = a;
        }
        if let Some(a) = self.active {
            item.active = a;
        }
        if let Some(p) = self.position {
            item.position = position(p)?;
        }
        Ok(())
    }
}

impl NewModifierGroup {
    pub fn validate(&self) -> Result<ModifierGroupDraft, ApiError> {
        let name = name("name", &self.name)?;
        let options = options(&self.options)?;
        let (min, max) = choice_bounds(self.min, self.max, options.len())?;
        Ok(ModifierGroupDraft { name, min, max, options })
    }
}

impl ModifierGroupChanges {
    /// Applies the changes to `group`. New options come back as drafts (the caller gives them
    /// ids); min and max are checked against the options the group will have.
    pub fn apply(&self, group: &mut ModifierGroup) -> Result<Option<Vec<OptionDraft>>, ApiError> {
        if let Some(n) = &self.name {
            group.name = name("name", n)?;
        }
        let new_options = self.options.as_deref().map(options).transpose()?;
        let option_count = new_options.as_ref().map_or(group.options.len(), Vec::len);
        let (min, max) = choice_bounds(
            self.min.unwrap_or(i64::from(group.min)),
            self.max.unwrap_or(i64::from(group.max)),
            option_count,
        )?;
        group.min = min;
        group.max = max;
        if let Some(a) = self.active {
            group.active = a;
        }
        Ok(new_options)
    }
}

/// One option offered with an item, as the resolver sees it.
#[derive(Clone, Debug, PartialEq)]
pub struct OfferedOption {
    pub id: ModifierOptionId,
    pub name: String,
    pub price_delta: Money,
}

/// One active modifier group of an item, with its options in order.
#[derive(Clone, Debug, PartialEq)]
pub struct OfferedGroup {
    pub id: ModifierGroupId,
    pub name: String,
    pub min: u32,
    pub max: u32,
    pub options: Vec<OfferedOption>,
}

/// Is `chosen` options a valid pick from a group of `min..=max`? The message names the group
/// the way a waiter reads it: "Cooking: choose 1", "Sides: at most 2".
pub fn check_choices(group: &str, min: u32, max: u32, chosen: usize) -> Result<(), ApiError> {
    let chosen = u32::try_from(chosen).unwrap_or(u32::MAX);
    if min == max && chosen != min {
        return Err(ApiError::validation(format!("{group}: choose {min}")));
    }
    if chosen < min {
        return Err(ApiError::validation(format!("{group}: choose at least {min}")));
    }
    if chosen > max {
        return Err(ApiError::validation(format!("{group}: at most {max}")));
    }
    Ok(())
}

/// Checks an order line's chosen options against the item's groups and returns them in menu
/// order (group by group, option by option), whatever order the tablet sent them in.
pub fn pick_modifiers(
    item: &str,
    groups: &[OfferedGroup],
    chosen: &[ModifierOptionId],
) -> Result<Vec<ResolvedModifier>, ApiError> {
    let find = |id: &ModifierOptionId| {
        groups.iter().enumerate().find_map(|(g, group)| group.options.iter().position(|o| o.id == *id).map(|o| (g, o)))
    };
    let mut picked = Vec::with_capacity(chosen.len());
    let mut seen = HashSet::new();
    for id in chosen {
        let Some((g, o)) = find(id) else {
            return Err(ApiError::validation(format!("{item}: modifier option {id} is not offered with this item")));
        };
        if !seen.insert(*id) {
            let (group, option) = (&groups[g].name, &groups[g].options[o].name);
            return Err(ApiError::validation(format!("{group}: {option} is chosen twice")));
        }
        picked.push((g, o));
    }
    for (g, group) in groups.iter().enumerate() {
        check_choices(&group.name, group.min, group.max, picked.iter().filter(|(pg, _)| *pg == g).count())?;
    }
    picked.sort_unstable();
    Ok(picked
        .into_iter()
        .map(|(g, o)| {
            let (group, option) = (&groups[g], &groups[g].options[o]);
            ResolvedModifier {
                option_id: option.id,
                group_id: group.id,
                name: option.name.clone(),
                price_delta: option.price_delta,
            }
        })
        .collect())
}

/// Base price plus every chosen delta; out of range or below zero is refused.
pub fn unit_price(item: &str, base: Money, modifiers: &[ResolvedModifier]) -> Result<Money, ApiError> {
    let total = modifiers
        .iter()
        .try_fold(base, |sum, m| sum.checked_add(m.price_delta))
        .map_err(|_| ApiError::validation(format!("{item}: the price with these modifiers is out of range")))?;
    if total.is_negative() {
        return Err(ApiError::validation(format!("{item}: these modifiers would make the price negative")));
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What a table row expects: a value, or a fragment of the 422 message.
    type Expect<T> = Result<T, &'static str>;

    /// `Ok(())` or the fragment the error message must contain (all are 422).
    fn assert_outcome<T: fmt::Debug>(case: &str, got: Result<T, ApiError>, want: Result<(), &str>) {
        match (got, want) {
            (Ok(_), Ok(())) => {}
            (Err(e), Err(fragment)) => {
                assert_eq!(e.code(), "validation_failed", "{case}");
                assert!(e.message().contains(fragment), "{case}: {:?} lacks {fragment:?}", e.message());
            }
            (got, want) => panic!("{case}: got {got:?}, want {want:?}"),
        }
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        let long = "x".repeat(101);
        let table: [(&str, Result<&str, &str>); 5] = [
            ("  Crème brûlée ", Ok("Crème brûlée")),
            ("", Err("name must not be empty")),
            ("   ", Err("name must not be empty")),
            (&long, Err("at most 100")),
            ("Soup\u{7}", Err("control characters")),
        ];
        for (input, want) in table {
            match (name("name", input), want) {
                (Ok(got), Ok(w)) => assert_eq!(got, w),
                (got, want) => assert_outcome(input, got, want.map(|_| ())),
            }
        }
        assert_eq!(name_key(" Bar "), "bar");
        assert_eq!(name_key("CAFÉ"), "café");
    }

    #[test]
    fn numbers_stay_in_their_bounds() {
        // (case, outcome)
        let table: Vec<(&str, Result<(), ApiError>, Expect<()>)> = vec![
            ("price 0", price(Money::from_minor(0)).map(|_| ()), Ok(())),
            ("price max", price(Money::from_minor(PRICE_MAX)).map(|_| ()), Ok(())),
            ("price max+1", price(Money::from_minor(PRICE_MAX + 1)).map(|_| ()), Err("price must be between 0")),
            ("price negative", price(Money::from_minor(-1)).map(|_| ()), Err("price must be between 0")),
            ("no cost", cost(None).map(|_| ()), Ok(())),
            ("cost max", cost(Some(Money::from_minor(COST_MAX))).map(|_| ()), Ok(())),
            ("cost negative", cost(Some(Money::from_minor(-5))).map(|_| ()), Err("cost must be between 0")),
            ("cost too big", cost(Some(Money::from_minor(COST_MAX + 1))).map(|_| ()), Err("cost must be")),
            ("tax 0", tax_rate(0).map(|_| ()), Ok(())),
            ("tax 10000", tax_rate(10_000).map(|_| ()), Ok(())),
            ("tax 10001", tax_rate(10_001).map(|_| ()), Err("tax_rate_bp must be between 0 and 10000")),
            ("tax negative", tax_rate(-1).map(|_| ()), Err("tax_rate_bp")),
            ("tax huge", tax_rate(i64::MAX).map(|_| ()), Err("tax_rate_bp")),
            ("position min", position(-POSITION_LIMIT).map(|_| ()), Ok(())),
            ("position max", position(POSITION_LIMIT).map(|_| ()), Ok(())),
            ("position too low", position(-POSITION_LIMIT - 1).map(|_| ()), Err("position must be between")),
            ("position too high", position(POSITION_LIMIT + 1).map(|_| ()), Err("position")),
            ("no printer", printer_id(None).map(|_| ()), Ok(())),
            ("printer", printer_id(Some("kitchen-1")).map(|_| ()), Ok(())),
            ("empty printer", printer_id(Some(" ")).map(|_| ()), Err("printer_id must not be empty")),
        ];
        for (case, got, want) in table {
            assert_outcome(case, got, want);
        }
        assert_eq!(tax_rate(2000).expect("valid").bp(), 2000);
    }

    #[test]
    fn allergens_come_from_the_eu_list() {
        let s = |v: &[&str]| v.iter().map(|a| (*a).to_owned()).collect::<Vec<_>>();
        // (input, expected: Ok(canonical list) or Err(message fragment))
        let table: [(Vec<String>, Expect<Vec<Allergen>>); 6] = [
            (s(&[]), Ok(vec![])),
            (s(&["milk", "gluten"]), Ok(vec![Allergen::Gluten, Allergen::Milk])),
            (s(&["Milk", " milk ", "MILK"]), Ok(vec![Allergen::Milk])),
            (
                s(&["sulphites", "lupin", "molluscs"]),
                Ok(vec![Allergen::Sulphites, Allergen::Lupin, Allergen::Molluscs]),
            ),
            (s(&["milk", "bacon"]), Err("unknown allergen \"bacon\"")),
            (s(&[""]), Err("unknown allergen")),
        ];
        for (input, want) in table {
            match (allergens(&input), want) {
                (Ok(got), Ok(w)) => assert_eq!(got, w, "{input:?}"),
                (got, want) => assert_outcome(&format!("{input:?}"), got, want.map(|_| ())),
            }
        }
        for a in Allergen::ALL {
            assert_eq!(a.as_str().parse::<Allergen>(), Ok(a));
            assert_eq!(serde_json::to_value(a).expect("serialises"), serde_json::json!(a.as_str()));
        }
    }

    #[test]
    fn modifier_group_lists_have_no_repeats() {
        let (a, b) = (ModifierGroupId::new(), ModifierGroupId::new());
        let many: Vec<_> = (0..=GROUPS_PER_ITEM_MAX).map(|_| ModifierGroupId::new()).collect();
        let table: [(&str, Vec<ModifierGroupId>, Result<(), &str>); 4] = [
            ("none", vec![], Ok(())),
            ("two", vec![a, b], Ok(())),
            ("repeat", vec![a, b, a], Err("listed twice")),
            ("too many", many, Err("at most 20")),
        ];
        for (case, ids, want) in table {
            assert_outcome(case, modifier_group_ids(&ids), want);
        }
    }

    #[test]
    fn group_bounds() {
        // (min, max, number of options, outcome)
        let table: [(i64, i64, usize, Result<(), &str>); 10] = [
            (1, 1, 3, Ok(())),
            (0, 2, 4, Ok(())),
            (0, 20, 1, Ok(())),
            (20, 20, 20, Ok(())),
            (0, 0, 3, Err("max must be between 1 and 20")),
            (-1, 1, 3, Err("min must be between 0 and 20")),
            (0, 21, 3, Err("max must be between 1 and 20")),
            (21, 21, 30, Err("min must be between 0 and 20")),
            (2, 1, 3, Err("min (2) must not be more than max (1)")),
            (3, 3, 2, Err("more than the number of options (2)")),
        ];
        for (min, max, count, want) in table {
            assert_outcome(&format!("{min}..{max} of {count}"), choice_bounds(min, max, count), want);
        }
    }

    #[test]
    fn options_are_named_priced_and_counted() {
        let o = |name: &str, delta: i64| NewOption { name: name.into(), price_delta: Money::from_minor(delta) };
        let fifty_one: Vec<_> = (0..=OPTIONS_MAX).map(|i| o(&format!("o{i}"), 0)).collect();
        let table: [(&str, Vec<NewOption>, Result<(), &str>); 8] = [
            ("one", vec![o("Fries", 0)], Ok(())),
            ("negative delta", vec![o("No cheese", -50), o("Cheese", 100)], Ok(())),
            ("delta bounds", vec![o("a", -PRICE_DELTA_LIMIT), o("b", PRICE_DELTA_LIMIT)], Ok(())),
            ("none", vec![], Err("give 1 to 50 options")),
            ("too many", fifty_one, Err("give 1 to 50 options")),
            ("blank name", vec![o("Fries", 0), o(" ", 0)], Err("options[1].name must not be empty")),
            ("same name", vec![o("Fries", 0), o("fries ", 0)], Err("\"fries\" is listed twice")),
            ("delta too big", vec![o("Caviar", PRICE_DELTA_LIMIT + 1)], Err("options[0].price_delta must be between")),
        ];
        for (case, input, want) in table {
            assert_outcome(case, options(&input), want);
        }
    }

    #[test]
    fn new_bodies_validate_every_field() {
        let item = || NewItem {
            category_id: CategoryId::new(),
            name: "Salmon".into(),
            price: Money::from_minor(2150),
            tax_rate_bp: 1000,
            station_id: StationId::new(),
            cost: Some(Money::from_minor(700)),
            allergens: vec!["fish".into(), "Fish".into()],
            modifier_group_ids: vec![],
            position: None,
        };
        let draft = item().validate().expect("valid");
        assert_eq!((draft.allergens, draft.position, draft.tax_rate.bp()), (vec![Allergen::Fish], 0, 1000));

        let table: [(&str, NewItem, &str); 5] = [
            ("empty name", NewItem { name: "".into(), ..item() }, "name must not be empty"),
            ("price", NewItem { price: Money::from_minor(-1), ..item() }, "price"),
            ("tax", NewItem { tax_rate_bp: 20_000, ..item() }, "tax_rate_bp"),
            ("cost", NewItem { cost: Some(Money::from_minor(-1)), ..item() }, "cost"),
            ("allergen", NewItem { allergens: vec!["pork".into()], ..item() }, "allergens"),
        ];
        for (case, body, fragment) in table {
            assert_outcome(case, body.validate(), Err(fragment));
        }

        let group = NewModifierGroup {
            name: "Cooking".into(),
            min: 1,
            max: 1,
            options: vec![NewOption { name: "Rare".into(), price_delta: Money::ZERO }],
        };
        assert_eq!(group.validate().expect("valid").options.len(), 1);
        assert_outcome("group min>max", NewModifierGroup { min: 2, ..group.clone() }.validate(), Err("min (2)"));
        assert_outcome("group no options", NewModifierGroup { options: vec![], ..group }.validate(), Err("options"));

        let station = NewStation { name: " Grill ".into(), printer_id: None, position: Some(3) };
        assert_eq!(
            station.validate().expect("valid"),
            StationDraft { name: "Grill".into(), printer_id: None, position: 3 }
        );
        assert_outcome("station name", NewStation { name: "".into(), ..station }.validate(), Err("name"));
        let category = NewCategory { name: "Mains".into(), position: Some(2_000_000) };
        assert_outcome("category position", category.validate(), Err("position"));
    }

    #[test]
    fn group_changes_check_min_and_max_against_the_options_it_will_have() {
        let at = OffsetDateTime::UNIX_EPOCH;
        let option =
            |name: &str| ModifierOption { id: ModifierOptionId::new(), name: name.into(), price_delta: Money::ZERO };
        let group = ModifierGroup {
            id: ModifierGroupId::new(),
            name: "Sides".into(),
            min: 0,
            max: 2,
            active: true,
            options: vec![option("Fries"), option("Salad")],
            created_at: at,
            updated_at: at,
        };
        let new = |names: &[&str]| {
            Some(names.iter().map(|n| NewOption { name: (*n).into(), price_delta: Money::ZERO }).collect())
        };
        // (case, changes, outcome)
        let table: [(&str, ModifierGroupChanges, Result<(), &str>); 6] = [
            ("min up to options", ModifierGroupChanges { min: Some(2), ..Default::default() }, Ok(())),
            ("min above max", ModifierGroupChanges { min: Some(3), ..Default::default() }, Err("min (3)")),
            (
                "max below min",
                ModifierGroupChanges { min: Some(2), max: Some(1), ..Default::default() },
                Err("min (2)"),
            ),
            (
                "fewer options than min",
                ModifierGroupChanges { min: Some(2), options: new(&["Fries"]), ..Default::default() },
                Err("number of options (1)"),
            ),
            ("rename", ModifierGroupChanges { name: Some("Garnish".into()), ..Default::default() }, Ok(())),
            ("bad options", ModifierGroupChanges { options: new(&[]), ..Default::default() }, Err("options")),
        ];
        for (case, changes, want) in table {
            assert_outcome(case, changes.apply(&mut group.clone()), want);
        }
    }

    #[test]
    fn choices_respect_min_and_max() {
        // (min, max, chosen, outcome)
        let table: [(u32, u32, usize, Result<(), &str>); 10] = [
            (1, 1, 1, Ok(())),
            (1, 1, 0, Err("Group: choose 1")),
            (1, 1, 2, Err("Group: choose 1")),
            (0, 2, 0, Ok(())),
            (0, 2, 2, Ok(())),
            (0, 2, 3, Err("Group: at most 2")),
            (1, 3, 0, Err("Group: choose at least 1")),
            (1, 3, 3, Ok(())),
            (2, 2, 1, Err("Group: choose 2")),
            (0, 1, 1, Ok(())),
        ];
        for (min, max, chosen, want) in table {
            assert_outcome(&format!("{chosen} of {min}..{max}"), check_choices("Group", min, max, chosen), want);
        }
    }

    #[test]
    fn modifiers_are_picked_from_the_items_groups() {
        let opt = |name: &str, delta: i64| OfferedOption {
            id: ModifierOptionId::new(),
            name: name.into(),
            price_delta: Money::from_minor(delta),
        };
        let cooking = OfferedGroup {
            id: ModifierGroupId::new(),
            name: "Cooking".into(),
            min: 1,
            max: 1,
            options: vec![opt("Rare", 0), opt("Medium", 0), opt("Well done", 0)],
        };
        let sides = OfferedGroup {
            id: ModifierGroupId::new(),
            name: "Sides".into(),
            min: 0,
            max: 2,
            options: vec![opt("Fries", 0), opt("Sweet potato fries", 150), opt("Truffle mash", 250)],
        };
        let groups = [cooking.clone(), sides.clone()];
        let (rare, medium) = (cooking.options[0].id, cooking.options[1].id);
        let (fries, sweet, truffle) = (sides.options[0].id, sides.options[1].id, sides.options[2].id);
        let stranger = ModifierOptionId::new();

        // (case, chosen, Ok(names in menu order) or Err(message fragment))
        let table: [(&str, Vec<ModifierOptionId>, Expect<&str>); 8] = [
            ("cooking only", vec![medium], Ok("Medium")),
            ("menu order", vec![truffle, rare, sweet], Ok("Rare, Sweet potato fries, Truffle mash")),
            ("nothing", vec![], Err("Cooking: choose 1")),
            ("two cookings", vec![rare, medium], Err("Cooking: choose 1")),
            ("three sides", vec![rare, fries, sweet, truffle], Err("Sides: at most 2")),
            ("twice", vec![rare, fries, fries], Err("Sides: Fries is chosen twice")),
            ("stranger", vec![rare, stranger], Err("Steak: modifier option")),
            ("stranger only", vec![stranger], Err("not offered with this item")),
        ];
        for (case, chosen, want) in table {
            match (pick_modifiers("Steak", &groups, &chosen), want) {
                (Ok(got), Ok(names)) => {
                    assert_eq!(got.iter().map(|m| m.name.as_str()).collect::<Vec<_>>().join(", "), names, "{case}");
                }
                (got, want) => assert_outcome(case, got, want.map(|_| ())),
            }
        }
        let picked = pick_modifiers("Steak", &groups, &[rare, truffle]).expect("valid");
        assert_eq!(picked[1].group_id, sides.id);
        assert_eq!(unit_price("Steak", Money::from_minor(2850), &picked), Ok(Money::from_minor(3100)));
    }

    #[test]
    fn unit_price_refuses_overflow_and_negatives() {
        let m = |delta: i64| ResolvedModifier {
            option_id: ModifierOptionId::new(),
            group_id: ModifierGroupId::new(),
            name: "x".into(),
            price_delta: Money::from_minor(delta),
        };
        // (base, deltas, outcome)
        let table: [(i64, Vec<i64>, Result<i64, &str>); 5] = [
            (1000, vec![], Ok(1000)),
            (1000, vec![150, 250], Ok(1400)),
            (100, vec![-100], Ok(0)),
            (100, vec![-101], Err("negative")),
            (i64::MAX, vec![1], Err("out of range")),
        ];
        for (base, deltas, want) in table {
            let mods: Vec<_> = deltas.iter().map(|d| m(*d)).collect();
            match (unit_price("Soup", Money::from_minor(base), &mods), want) {
                (Ok(got), Ok(w)) => assert_eq!(got, Money::from_minor(w)),
                (got, want) => assert_outcome(&format!("{base} {deltas:?}"), got, want.map(|_| ())),
            }
        }
    }
}
