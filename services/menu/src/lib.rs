//! The menu service: kitchen stations, categories, items (price, tax rate, station, cost,
//! allergens, availability — the "86" flag) and modifier groups with their options.
//!
//! Owns the `menu_*` tables. Every change appends its `menu.*` event in the same transaction.
//! Tablets read the whole tree in one call (`GET /api/v1/menu`); managers and owners change
//! it. Other services never read these tables: orders validate and price a line with
//! [`resolve`] inside their own write transaction and copy what it answers, so a later price
//! change or 86 never rewrites an order already taken. Nothing is deleted, only deactivated
//! (except modifier options, which a group edit replaces wholesale).

pub mod api;
mod demo;
pub mod model;
mod resolve;
mod sql;

use axum::extract::FromRef;
use comanda_api::ApiError;
use comanda_domain::{
    Actor, CategoryChanged, CategoryId, Event, ItemChanged, ItemId, ModifierGroupChanged, ModifierGroupId,
    ModifierOptionData, ModifierOptionId, Money, StationChanged, StationId,
};
use comanda_staff::Auth;
use comanda_store::{Migration, Migrations, Store, StoreError, WriteTx, truncate_to_micros};
use time::OffsetDateTime;

pub use api::router;
pub use model::{
    Allergen, Category, CategoryChanges, Item, ItemChanges, MenuTree, ModifierGroup, ModifierGroupChanges,
    ModifierOption, NewCategory, NewItem, NewModifierGroup, NewOption, NewStation, Station, StationChanges,
    TreeCategory, TreeItem, TreeModifierGroup,
};
pub use resolve::{LineRequest, ResolvedItem, ResolvedModifier, resolve, station, station_names};

use model::{CategoryDraft, ItemDraft, ModifierGroupDraft, StationDraft};

pub const MIGRATIONS: Migrations = Migrations {
    service: "menu",
    steps: &[Migration { version: 1, name: "init", sql: include_str!("../migrations/0001_init.sql") }],
};

/// The service handle: cheap to clone, shared by its routes.
#[derive(Clone, Debug)]
pub struct Menu {
    store: Store,
    auth: Auth,
}

impl FromRef<Menu> for Auth {
    fn from_ref(menu: &Menu) -> Auth {
        menu.auth.clone()
    }
}

fn now(tx: &WriteTx<'_>) -> OffsetDateTime {
    truncate_to_micros(tx.now())
}

fn station_event(s: &model::Station) -> Event {
    Event::MenuStationChanged(StationChanged { station_id: s.id, name: s.name.clone(), active: s.active })
}

fn category_event(c: &model::Category) -> Event {
    Event::MenuCategoryChanged(CategoryChanged {
        category_id: c.id,
        name: c.name.clone(),
        position: c.position,
        active: c.active,
    })
}

fn item_event(i: &model::Item, previous_price: Option<Money>) -> Event {
    Event::MenuItemChanged(ItemChanged {
        item_id: i.id,
        category_id: i.category_id,
        name: i.name.clone(),
        price: i.price,
        previous_price,
        tax_rate_bp: i.tax_rate_bp,
        station_id: i.station_id,
        available: i.available,
        active: i.active,
    })
}

fn group_event(g: &model::ModifierGroup) -> Event {
    Event::MenuModifierGroupChanged(ModifierGroupChanged {
        group_id: g.id,
        name: g.name.clone(),
        min: g.min,
        max: g.max,
        options: g
            .options
            .iter()
            .map(|o| ModifierOptionData { option_id: o.id, name: o.name.clone(), price_delta: o.price_delta })
            .collect(),
    })
}

fn new_options(drafts: Vec<model::OptionDraft>) -> Vec<ModifierOption> {
    drafts
        .into_iter()
        .map(|o| ModifierOption { id: ModifierOptionId::new(), name: o.name, price_delta: o.price_delta })
        .collect()
}

/// An item may be sold only through a station that is in service: tickets must go somewhere.
fn station_in_service(tx: &WriteTx<'_>, id: StationId) -> Result<(), ApiError> {
    match sql::station_by_id(tx.conn(), id)? {
        None => Err(ApiError::validation(format!("station_id: no such station {id}"))),
        Some(s) if !s.active => {
            Err(ApiError::validation(format!("station_id: the station {} is not in service", s.name)))
        }
        Some(_) => Ok(()),
    }
}

fn category_active(tx: &WriteTx<'_>, id: CategoryId) -> Result<(), ApiError> {
    match sql::category_by_id(tx.conn(), id)? {
        Some(c) if c.active => Ok(()),
        Some(c) => Err(ApiError::validation(format!("category_id: the category {} is inactive", c.name))),
        None => Err(ApiError::validation(format!("category_id: no such category {id}"))),
    }
}

fn groups_active<'a>(tx: &WriteTx<'_>, ids: impl IntoIterator<Item = &'a ModifierGroupId>) -> Result<(), ApiError> {
    for id in ids {
        match sql::group_by_id(tx.conn(), *id)? {
            Some(g) if g.active => {}
            Some(g) => {
                return Err(ApiError::validation(format!(
                    "modifier_group_ids: the modifier group {} is inactive",
                    g.name
                )));
            }
            None => return Err(ApiError::validation(format!("modifier_group_ids: no such modifier group {id}"))),
        }
    }
    Ok(())
}

fn station_name_free(tx: &WriteTx<'_>, name: &str, this: Option<StationId>) -> Result<(), ApiError> {
    match sql::station_named(tx.conn(), name)? {
        Some(other) if Some(other) != this => {
            Err(ApiError::conflict(format!("a station called {name:?} already exists")))
        }
        _ => Ok(()),
    }
}

fn category_name_free(tx: &WriteTx<'_>, name: &str, this: Option<CategoryId>) -> Result<(), ApiError> {
    match sql::category_named(tx.conn(), name)? {
        Some(other) if Some(other) != this => {
            Err(ApiError::conflict(format!("a category called {name:?} already exists")))
        }
        _ => Ok(()),
    }
}

/// The tree from flat, already ordered rows: items under their categories; costs only for
/// those allowed to see them.
fn build_tree(
    stations: Vec<Station>,
    categories: Vec<Category>,
    items: Vec<Item>,
    groups: Vec<ModifierGroup>,
    show_cost: bool,
) -> MenuTree {
    let mut categories: Vec<TreeCategory> = categories
        .into_iter()
        .map(|c| TreeCategory { id: c.id, name: c.name, position: c.position, active: c.active, items: Vec::new() })
        .collect();
    for i in items {
        if let Some(c) = categories.iter_mut().find(|c| c.id == i.category_id) {
            c.items.push(TreeItem {
                id: i.id,
                name: i.name,
                price: i.price,
                tax_rate_bp: i.tax_rate_bp,
                station_id: i.station_id,
                cost: i.cost.filter(|_| show_cost),
                allergens: i.allergens,
                available: i.available,
                active: i.active,
                modifier_group_ids: i.modifier_group_ids,
                position: i.position,
            });
        }
    }
    let modifier_groups = groups
        .into_iter()
        .map(|g| TreeModifierGroup {
            id: g.id,
            name: g.name,
            min: g.min,
            max: g.max,
            active: g.active,
            options: g.options,
        })
        .collect();
    MenuTree { stations, categories, modifier_groups }
}

impl Menu {
    pub fn new(store: Store, auth: Auth) -> Self {
        Self { store, auth }
    }

    /// The menu tree. Unless `include_inactive`, only what can be ordered now (active things;
    /// 86'd items are included, marked `available: false`). Read in one snapshot.
    pub async fn tree(&self, include_inactive: bool, show_cost: bool) -> Result<MenuTree, ApiError> {
        let tree = self
            .store
            .read(move |conn| {
                let snapshot = conn.unchecked_transaction()?;
                let stations = sql::list_stations(&snapshot, include_inactive)?;
                let categories = sql::list_categories(&snapshot, include_inactive)?;
                let items = sql::list_items(&snapshot, include_inactive)?;
                let groups = sql::list_groups(&snapshot, include_inactive)?;
                Ok::<_, StoreError>(build_tree(stations, categories, items, groups, show_cost))
            })
            .await?;
        Ok(tree)
    }

    /// One item, active or not.
    pub async fn item(&self, id: ItemId) -> Result<Item, ApiError> {
        self.store.read(move |c| sql::item_by_id(c, id)).await?.ok_or_else(|| ApiError::not_found("no such menu item"))
    }

    /// Every station in display order; deactivated ones only if asked for.
    pub async fn stations(&self, include_inactive: bool) -> Result<Vec<Station>, ApiError> {
        Ok(self.store.read(move |c| sql::list_stations(c, include_inactive)).await?)
    }

    pub async fn add_station(&self, actor: Actor, new: NewStation) -> Result<Station, ApiError> {
        let draft = new.validate()?;
        self.store.write(move |tx| Self::insert_station(tx, actor, &draft)).await
    }

    pub async fn add_category(&self, actor: Actor, new: NewCategory) -> Result<Category, ApiError> {
        let draft = new.validate()?;
        self.store.write(move |tx| Self::insert_category(tx, actor, &draft)).await
    }

    pub async fn add_item(&self, actor: Actor, new: NewItem) -> Result<Item, ApiError> {
        let draft = new.validate()?;
        self.store.write(move |tx| Self::insert_item(tx, actor, &draft)).await
    }

    pub async fn add_modifier_group(&self, actor: Actor, new: NewModifierGroup) -> Result<ModifierGroup, ApiError> {
        let draft = new.validate()?;
        self.store.write(move |tx| Self::insert_modifier_group(tx, actor, &draft)).await
    }

    /// Adds a station, in the caller's transaction. Names are unique whatever their case.
    pub fn insert_station(tx: &mut WriteTx<'_>, actor: Actor, d: &StationDraft) -> Result<Station, ApiError> {
        station_name_free(tx, &d.name, None)?;
        if sql::station_count(tx.conn())? >= model::STATIONS_MAX {
            return Err(ApiError::conflict(format!("a box has at most {} stations", model::STATIONS_MAX)));
        }
        let now = now(tx);
        let station = Station {
            id: StationId::new(),
            name: d.name.clone(),
            printer_id: d.printer_id.clone(),
            active: true,
            position: d.position,
            created_at: now,
            updated_at: now,
        };
        sql::insert_station(tx.conn(), &station)?;
        tx.append(actor, station_event(&station))?;
        Ok(station)
    }

    /// Adds a category, in the caller's transaction. Names are unique whatever their case.
    pub fn insert_category(tx: &mut WriteTx<'_>, actor: Actor, d: &CategoryDraft) -> Result<Category, ApiError> {
        category_name_free(tx, &d.name, None)?;
        let now = now(tx);
        let category = Category {
            id: CategoryId::new(),
            name: d.name.clone(),
            position: d.position,
            active: true,
            created_at: now,
            updated_at: now,
        };
        sql::insert_category(tx.conn(), &category)?;
        tx.append(actor, category_event(&category))?;
        Ok(category)
    }

    /// Adds an item, in the caller's transaction. Its category, station and modifier groups
    /// must exist and be active (422 naming the field otherwise).
    pub fn insert_item(tx: &mut WriteTx<'_>, actor: Actor, d: &ItemDraft) -> Result<Item, ApiError> {
        category_active(tx, d.category_id)?;
        station_in_service(tx, d.station_id)?;
        groups_active(tx, &d.modifier_group_ids)?;
        let now = now(tx);
        let item = Item {
            id: ItemId::new(),
            category_id: d.category_id,
            name: d.name.clone(),
            price: d.price,
            tax_rate_bp: d.tax_rate,
            station_id: d.station_id,
            cost: d.cost,
            allergens: d.allergens.clone(),
            available: true,
            active: true,
            position: d.position,
            modifier_group_ids: d.modifier_group_ids.clone(),
            created_at: now,
            updated_at: now,
        };
        sql::insert_item(tx.conn(), &item)?;
        tx.append(actor, item_event(&item, None))?;
        Ok(item)
    }

    /// Adds a modifier group and its options, in the caller's transaction.
    pub fn insert_modifier_group(
        tx: &mut WriteTx<'_>,
        actor: Actor,
        d: &ModifierGroupDraft,
    ) -> Result<ModifierGroup, ApiError> {
        let now = now(tx);
        let group = ModifierGroup {
            id: ModifierGroupId::new(),
            name: d.name.clone(),
            min: d.min,
            max: d.max,
            active: true,
            options: new_options(d.options.clone()),
            created_at: now,
            updated_at: now,
        };
        sql::insert_group(tx.conn(), &group)?;
        tx.append(actor, group_event(&group))?;
        Ok(group)
    }

    /// Changes a station. A station that active items still send tickets to cannot be taken
    /// out of service: move them first. A change that changes nothing appends no event.
    pub async fn change_station(
        &self,
        actor: Actor,
        id: StationId,
        changes: StationChanges,
    ) -> Result<Station, ApiError> {
        self.store
            .write(move |tx| {
                let before =
                    sql::station_by_id(tx.conn(), id)?.ok_or_else(|| ApiError::not_found("no such station"))?;
                let mut after = before.clone();
                changes.apply(&mut after)?;
                if after == before {
                    return Ok(before);
                }
                station_name_free(tx, &after.name, Some(id))?;
                if before.active && !after.active {
                    let items = sql::active_items_at_station(tx.conn(), id)?;
                    if items > 0 {
                        return Err(ApiError::conflict(format!(
                            "{items} active items still send their tickets to {}; move them to another station first",
                            before.name
                        )));
                    }
                }
                after.updated_at = now(tx);
                sql::update_station(tx.conn(), &after)?;
                tx.append(actor, station_event(&after))?;
                Ok(after)
            })
            .await
    }

    /// Changes a category. Deactivating one hides it and its items from tablets and orders.
    pub async fn change_category(
        &self,
        actor: Actor,
        id: CategoryId,
        changes: CategoryChanges,
    ) -> Result<Category, ApiError> {
        self.store
            .write(move |tx| {
                let before =
                    sql::category_by_id(tx.conn(), id)?.ok_or_else(|| ApiError::not_found("no such category"))?;
                let mut after = before.clone();
                changes.apply(&mut after)?;
                if after == before {
                    return Ok(before);
                }
                category_name_free(tx, &after.name, Some(id))?;
                after.updated_at = now(tx);
                sql::update_category(tx.conn(), &after)?;
                tx.append(actor, category_event(&after))?;
                Ok(after)
            })
            .await
    }

    /// Changes an item: price, station, availability (86), … Every change appends
    /// `menu.item_changed` with the whole item, and `previous_price` when the price moved.
    pub async fn change_item(&self, actor: Actor, id: ItemId, changes: ItemChanges) -> Result<Item, ApiError> {
        self.store
            .write(move |tx| {
                let before = sql::item_by_id(tx.conn(), id)?.ok_or_else(|| ApiError::not_found("no such menu item"))?;
                let mut after = before.clone();
                changes.apply(&mut after)?;
                if after == before {
                    return Ok(before);
                }
                if after.category_id != before.category_id {
                    category_active(tx, after.category_id)?;
                }
                if after.active && (after.station_id != before.station_id || !before.active) {
                    station_in_service(tx, after.station_id)?;
                }
                // Groups it already offered may stay even if since deactivated (they are
                // simply not offered); newly added ones must be active.
                groups_active(tx, after.modifier_group_ids.iter().filter(|g| !before.modifier_group_ids.contains(g)))?;
                after.updated_at = now(tx);
                sql::update_item(tx.conn(), &after)?;
                let previous_price = (after.price != before.price).then_some(before.price);
                tx.append(actor, item_event(&after, previous_price))?;
                Ok(after)
            })
            .await
    }

    /// Changes a modifier group. Options given replace all of its options, with new ids.
    pub async fn change_modifier_group(
        &self,
        actor: Actor,
        id: ModifierGroupId,
        changes: ModifierGroupChanges,
    ) -> Result<ModifierGroup, ApiError> {
        self.store
            .write(move |tx| {
                let before =
                    sql::group_by_id(tx.conn(), id)?.ok_or_else(|| ApiError::not_found("no such modifier group"))?;
                let mut after = before.clone();
                let replaced = changes.apply(&mut after)?.map(new_options);
                let replace_options = replaced.is_some();
                if let Some(options) = replaced {
                    after.options = options;
                }
                if after == before {
                    return Ok(before);
                }
                after.updated_at = now(tx);
                sql::update_group(tx.conn(), &after, replace_options)?;
                tx.append(actor, group_event(&after))?;
                Ok(after)
            })
            .await
    }

    /// Creates the demo menu (`comanda serve --demo`): two stations, five categories, about
    /// twenty-five items and their modifier groups, in one transaction. Does nothing if any
    /// station already exists, so running it twice, or on a real restaurant, is harmless.
    pub async fn seed_demo(&self, actor: Actor) -> Result<(), ApiError> {
        self.store.write(move |tx| demo::seed(tx, actor)).await
    }
}
