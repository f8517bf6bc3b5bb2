//! Every SQL statement of the menu service, and nowhere else. Parameterised only.

use std::collections::HashMap;

use comanda_domain::{CategoryId, ItemId, ModifierGroupId, ModifierOptionId, Money, StationId, TaxRate};
use comanda_store::rusqlite::{self, Connection, OptionalExtension, Row, params};
use comanda_store::{StoreError, parse_sql_time, sql_time};
use time::OffsetDateTime;

use crate::model::{
    Allergen, Category, Item, ModifierGroup, ModifierOption, OfferedGroup, OfferedOption, Station, name_key,
};

fn bad(what: &str) -> rusqlite::Error {
    rusqlite::Error::InvalidColumnType(0, what.to_owned(), rusqlite::types::Type::Text)
}

fn time_col(row: &Row<'_>, idx: usize) -> rusqlite::Result<OffsetDateTime> {
    parse_sql_time(&row.get::<_, String>(idx)?).map_err(|_| bad("time"))
}

fn id_col<T: std::str::FromStr>(row: &Row<'_>, idx: usize) -> rusqlite::Result<T> {
    row.get::<_, String>(idx)?.parse().map_err(|_| bad("id"))
}

fn tax_col(row: &Row<'_>, idx: usize) -> rusqlite::Result<TaxRate> {
    let bp = row.get::<_, i64>(idx)?;
    u32::try_from(bp).ok().and_then(|bp| TaxRate::from_bp(bp).ok()).ok_or_else(|| bad("tax_rate_bp"))
}

fn choices_col(row: &Row<'_>, idx: usize) -> rusqlite::Result<u32> {
    u32::try_from(row.get::<_, i64>(idx)?).map_err(|_| bad("choices"))
}

/// Allergens are stored as their names joined by commas, in the regulation's order.
fn allergens_text(allergens: &[Allergen]) -> String {
    allergens.iter().map(|a| a.as_str()).collect::<Vec<_>>().join(",")
}

fn allergens_col(row: &Row<'_>, idx: usize) -> rusqlite::Result<Vec<Allergen>> {
    let text = row.get::<_, String>(idx)?;
    text.split(',').filter(|s| !s.is_empty()).map(|s| s.parse().map_err(|_| bad("allergens"))).collect()
}

// ---- stations ----

const STATION_COLUMNS: &str = "id, name, printer_id, active, position, created_at, updated_at";

fn station(row: &Row<'_>) -> rusqlite::Result<Station> {
    Ok(Station {
        id: id_col(row, 0)?,
        name: row.get(1)?,
        printer_id: row.get(2)?,
        active: row.get(3)?,
        position: row.get(4)?,
        created_at: time_col(row, 5)?,
        updated_at: time_col(row, 6)?,
    })
}

pub fn insert_station(conn: &Connection, s: &Station) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO menu_stations (id, name, name_key, printer_id, active, position, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            s.id.to_string(),
            s.name,
            name_key(&s.name),
            s.printer_id,
            s.active,
            s.position,
            sql_time(s.created_at),
            sql_time(s.updated_at)
        ],
    )?;
    Ok(())
}

pub fn update_station(conn: &Connection, s: &Station) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE menu_stations SET name = ?2, name_key = ?3, printer_id = ?4, active = ?5, position = ?6, updated_at = ?7
         WHERE id = ?1",
        params![
            s.id.to_string(),
            s.name,
            name_key(&s.name),
            s.printer_id,
            s.active,
            s.position,
            sql_time(s.updated_at)
        ],
    )?;
    Ok(())
}

pub fn station_by_id(conn: &Connection, id: StationId) -> Result<Option<Station>, StoreError> {
    let sql = format!("SELECT {STATION_COLUMNS} FROM menu_stations WHERE id = ?1");
    Ok(conn.query_row(&sql, params![id.to_string()], station).optional()?)
}

/// The station already called `name` (whatever the case), if any.
pub fn station_named(conn: &Connection, name: &str) -> Result<Option<StationId>, StoreError> {
    let found = conn
        .query_row("SELECT id FROM menu_stations WHERE name_key = ?1", params![name_key(name)], |r| id_col(r, 0))
        .optional()?;
    Ok(found)
}

pub fn station_count(conn: &Connection) -> Result<i64, StoreError> {
    Ok(conn.query_row("SELECT COUNT(*) FROM menu_stations", [], |r| r.get(0))?)
}

pub fn list_stations(conn: &Connection, include_inactive: bool) -> Result<Vec<Station>, StoreError> {
    let sql = format!(
        "SELECT {STATION_COLUMNS} FROM menu_stations WHERE (?1 OR active = 1)
         ORDER BY position, name COLLATE NOCASE, id"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(params![include_inactive], station)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// How many active items send their tickets to this station.
pub fn active_items_at_station(conn: &Connection, id: StationId) -> Result<i64, StoreError> {
    Ok(conn.query_row(
        "SELECT COUNT(*) FROM menu_items WHERE station_id = ?1 AND active = 1",
        params![id.to_string()],
        |r| r.get(0),
    )?)
}

pub fn station_names(conn: &Connection) -> Result<Vec<(StationId, String)>, StoreError> {
    let mut stmt =
        conn.prepare_cached("SELECT id, name FROM menu_stations ORDER BY position, name COLLATE NOCASE, id")?;
    let rows = stmt.query_map([], |r| Ok((id_col(r, 0)?, r.get(1)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

// ---- categories ----

const CATEGORY_COLUMNS: &str = "id, name, position, active, created_at, updated_at";

fn category(row: &Row<'_>) -> rusqlite::Result<Category> {
    Ok(Category {
        id: id_col(row, 0)?,
        name: row.get(1)?,
        position: row.get(2)?,
        active: row.get(3)?,
        created_at: time_col(row, 4)?,
        updated_at: time_col(row, 5)?,
    })
}

pub fn insert_category(conn: &Connection, c: &Category) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO menu_categories (id, name, name_key, position, active, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            c.id.to_string(),
            c.name,
            name_key(&c.name),
            c.position,
            c.active,
            sql_time(c.created_at),
            sql_time(c.updated_at)
        ],
    )?;
    Ok(())
}

pub fn update_category(conn: &Connection, c: &Category) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE menu_categories SET name = ?2, name_key = ?3, position = ?4, active = ?5, updated_at = ?6
         WHERE id = ?1",
        params![c.id.to_string(), c.name, name_key(&c.name), c.position, c.active, sql_time(c.updated_at)],
    )?;
    Ok(())
}

pub fn category_by_id(conn: &Connection, id: CategoryId) -> Result<Option<Category>, StoreError> {
    let sql = format!("SELECT {CATEGORY_COLUMNS} FROM menu_categories WHERE id = ?1");
    Ok(conn.query_row(&sql, params![id.to_string()], category).optional()?)
}

/// The category already called `name` (whatever the case), if any.
pub fn category_named(conn: &Connection, name: &str) -> Result<Option<CategoryId>, StoreError> {
    let found = conn
        .query_row("SELECT id FROM menu_categories WHERE name_key = ?1", params![name_key(name)], |r| id_col(r, 0))
        .optional()?;
    Ok(found)
}

pub fn list_categories(conn: &Connection, include_inactive: bool) -> Result<Vec<Category>, StoreError> {
    let sql = format!(
        "SELECT {CATEGORY_COLUMNS} FROM menu_categories WHERE (?1 OR active = 1)
         ORDER BY position, name COLLATE NOCASE, id"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(params![include_inactive], category)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

// ---- items ----

const ITEM_COLUMNS: &str = "i.id, i.category_id, i.name, i.price, i.tax_rate_bp, i.station_id, i.cost, i.allergens,
    i.available, i.active, i.position, i.created_at, i.updated_at";

/// An item without its modifier groups (they live in their own table).
fn item(row: &Row<'_>) -> rusqlite::Result<Item> {
    Ok(Item {
        id: id_col(row, 0)?,
        category_id: id_col(row, 1)?,
        name: row.get(2)?,
        price: Money::from_minor(row.get(3)?),
        tax_rate_bp: tax_col(row, 4)?,
        station_id: id_col(row, 5)?,
        cost: row.get::<_, Option<i64>>(6)?.map(Money::from_minor),
        allergens: allergens_col(row, 7)?,
        available: row.get(8)?,
        active: row.get(9)?,
        position: row.get(10)?,
        modifier_group_ids: Vec::new(),
        created_at: time_col(row, 11)?,
        updated_at: time_col(row, 12)?,
    })
}

fn replace_item_groups(conn: &Connection, item: &Item) -> Result<(), StoreError> {
    conn.execute("DELETE FROM menu_item_modifier_groups WHERE item_id = ?1", params![item.id.to_string()])?;
    let mut stmt =
        conn.prepare_cached("INSERT INTO menu_item_modifier_groups (item_id, group_id, position) VALUES (?1, ?2, ?3)")?;
    for (position, group) in (0_i64..).zip(&item.modifier_group_ids) {
        stmt.execute(params![item.id.to_string(), group.to_string(), position])?;
    }
    Ok(())
}

pub fn insert_item(conn: &Connection, i: &Item) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO menu_items (id, category_id, name, price, tax_rate_bp, station_id, cost, allergens, available,
             active, position, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
        params![
            i.id.to_string(),
            i.category_id.to_string(),
            i.name,
            i.price.minor(),
            i.tax_rate_bp.bp(),
            i.station_id.to_string(),
            i.cost.map(Money::minor),
            allergens_text(&i.allergens),
            i.available,
            i.active,
            i.position,
            sql_time(i.created_at),
            sql_time(i.updated_at)
        ],
    )?;
    replace_item_groups(conn, i)
}

pub fn update_item(conn: &Connection, i: &Item) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE menu_items SET category_id = ?2, name = ?3, price = ?4, tax_rate_bp = ?5, station_id = ?6, cost = ?7,
             allergens = ?8, available = ?9, active = ?10, position = ?11, updated_at = ?12
         WHERE id = ?1",
        params![
            i.id.to_string(),
            i.category_id.to_string(),
            i.name,
            i.price.minor(),
            i.tax_rate_bp.bp(),
            i.station_id.to_string(),
            i.cost.map(Money::minor),
            allergens_text(&i.allergens),
            i.available,
            i.active,
            i.position,
            sql_time(i.updated_at)
        ],
    )?;
    replace_item_groups(conn, i)
}

pub fn item_by_id(conn: &Connection, id: ItemId) -> Result<Option<Item>, StoreError> {
    let sql = format!("SELECT {ITEM_COLUMNS} FROM menu_items i WHERE i.id = ?1");
    let Some(mut found) = conn.query_row(&sql, params![id.to_string()], item).optional()? else {
        return Ok(None);
    };
    let mut stmt =
        conn.prepare_cached("SELECT group_id FROM menu_item_modifier_groups WHERE item_id = ?1 ORDER BY position")?;
    let groups = stmt.query_map(params![id.to_string()], |r| id_col(r, 0))?;
    found.modifier_group_ids = groups.collect::<Result<_, _>>()?;
    Ok(Some(found))
}

/// Items for the menu tree, in display order. Unless `include_inactive`, only active items
/// of active categories, offering only active modifier groups.
pub fn list_items(conn: &Connection, include_inactive: bool) -> Result<Vec<Item>, StoreError> {
    let sql = format!(
        "SELECT {ITEM_COLUMNS} FROM menu_items i JOIN menu_categories c ON c.id = i.category_id
         WHERE ?1 OR (i.active = 1 AND c.active = 1)
         ORDER BY i.position, i.name COLLATE NOCASE, i.id"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let mut items: Vec<Item> = stmt.query_map(params![include_inactive], item)?.collect::<Result<_, _>>()?;

    let mut links = conn.prepare_cached(
        "SELECT l.item_id, l.group_id FROM menu_item_modifier_groups l
         JOIN menu_modifier_groups g ON g.id = l.group_id
         WHERE ?1 OR g.active = 1
         ORDER BY l.item_id, l.position",
    )?;
    let mut by_item: HashMap<ItemId, Vec<ModifierGroupId>> = HashMap::new();
    let rows = links.query_map(params![include_inactive], |r| Ok((id_col::<ItemId>(r, 0)?, id_col(r, 1)?)))?;
    for row in rows {
        let (item_id, group_id) = row?;
        by_item.entry(item_id).or_default().push(group_id);
    }
    for item in &mut items {
        item.modifier_group_ids = by_item.remove(&item.id).unwrap_or_default();
    }
    Ok(items)
}

// ---- modifier groups ----

const GROUP_COLUMNS: &str = "id, name, min_choices, max_choices, active, created_at, updated_at";

/// A group without its options (they live in their own table).
fn group(row: &Row<'_>) -> rusqlite::Result<ModifierGroup> {
    Ok(ModifierGroup {
        id: id_col(row, 0)?,
        name: row.get(1)?,
        min: choices_col(row, 2)?,
        max: choices_col(row, 3)?,
        active: row.get(4)?,
        options: Vec::new(),
        created_at: time_col(row, 5)?,
        updated_at: time_col(row, 6)?,
    })
}

fn option(row: &Row<'_>) -> rusqlite::Result<ModifierOption> {
    Ok(ModifierOption { id: id_col(row, 0)?, name: row.get(1)?, price_delta: Money::from_minor(row.get(2)?) })
}

fn insert_options(conn: &Connection, g: &ModifierGroup) -> Result<(), StoreError> {
    let mut stmt = conn.prepare_cached(
        "INSERT INTO menu_modifier_options (id, group_id, name, price_delta, position) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    for (position, o) in (0_i64..).zip(&g.options) {
        stmt.execute(params![o.id.to_string(), g.id.to_string(), o.name, o.price_delta.minor(), position])?;
    }
    Ok(())
}

pub fn insert_group(conn: &Connection, g: &ModifierGroup) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO menu_modifier_groups (id, name, min_choices, max_choices, active, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![g.id.to_string(), g.name, g.min, g.max, g.active, sql_time(g.created_at), sql_time(g.updated_at)],
    )?;
    insert_options(conn, g)
}

/// Updates the group; with `replace_options`, its options become exactly `g.options`.
pub fn update_group(conn: &Connection, g: &ModifierGroup, replace_options: bool) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE menu_modifier_groups SET name = ?2, min_choices = ?3, max_choices = ?4, active = ?5, updated_at = ?6
         WHERE id = ?1",
        params![g.id.to_string(), g.name, g.min, g.max, g.active, sql_time(g.updated_at)],
    )?;
    if replace_options {
        conn.execute("DELETE FROM menu_modifier_options WHERE group_id = ?1", params![g.id.to_string()])?;
        insert_options(conn, g)?;
    }
    Ok(())
}

pub fn group_by_id(conn: &Connection, id: ModifierGroupId) -> Result<Option<ModifierGroup>, StoreError> {
    let sql = format!("SELECT {GROUP_COLUMNS} FROM menu_modifier_groups WHERE id = ?1");
    let Some(mut found) = conn.query_row(&sql, params![id.to_string()], group).optional()? else {
        return Ok(None);
    };
    let mut stmt = conn.prepare_cached(
        "SELECT id, name, price_delta FROM menu_modifier_options WHERE group_id = ?1 ORDER BY position",
    )?;
    found.options = stmt.query_map(params![id.to_string()], option)?.collect::<Result<_, _>>()?;
    Ok(Some(found))
}

pub fn list_groups(conn: &Connection, include_inactive: bool) -> Result<Vec<ModifierGroup>, StoreError> {
    let sql = format!(
        "SELECT {GROUP_COLUMNS} FROM menu_modifier_groups WHERE (?1 OR active = 1)
         ORDER BY name COLLATE NOCASE, id"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let mut groups: Vec<ModifierGroup> = stmt.query_map(params![include_inactive], group)?.collect::<Result<_, _>>()?;

    let mut options = conn.prepare_cached(
        "SELECT o.group_id, o.id, o.name, o.price_delta FROM menu_modifier_options o
         JOIN menu_modifier_groups g ON g.id = o.group_id
         WHERE ?1 OR g.active = 1
         ORDER BY o.group_id, o.position",
    )?;
    let mut by_group: HashMap<ModifierGroupId, Vec<ModifierOption>> = HashMap::new();
    let rows = options.query_map(params![include_inactive], |r| {
        Ok((
            id_col::<ModifierGroupId>(r, 0)?,
            ModifierOption { id: id_col(r, 1)?, name: r.get(2)?, price_delta: Money::from_minor(r.get(3)?) },
        ))
    })?;
    for row in rows {
        let (group_id, option) = row?;
        by_group.entry(group_id).or_default().push(option);
    }
    for g in &mut groups {
        g.options = by_group.remove(&g.id).unwrap_or_default();
    }
    Ok(groups)
}

// ---- resolving order lines ----

/// What an order line copies from an item, its category and its station.
#[derive(Clone, Debug)]
pub struct OrderableItem {
    pub name: String,
    pub category_id: CategoryId,
    pub category_name: String,
    pub price: Money,
    pub tax_rate: TaxRate,
    pub station_id: StationId,
    pub station_name: String,
    pub cost: Option<Money>,
    pub available: bool,
    /// The item and its category are both active.
    pub active: bool,
}

pub fn orderable_item(conn: &Connection, id: ItemId) -> Result<Option<OrderableItem>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT i.name, i.category_id, c.name, i.price, i.tax_rate_bp, i.station_id, s.name, i.cost, i.available,
                i.active = 1 AND c.active = 1
         FROM menu_items i
         JOIN menu_categories c ON c.id = i.category_id
         JOIN menu_stations s ON s.id = i.station_id
         WHERE i.id = ?1",
    )?;
    let found = stmt
        .query_row(params![id.to_string()], |r| {
            Ok(OrderableItem {
                name: r.get(0)?,
                category_id: id_col(r, 1)?,
                category_name: r.get(2)?,
                price: Money::from_minor(r.get(3)?),
                tax_rate: tax_col(r, 4)?,
                station_id: id_col(r, 5)?,
                station_name: r.get(6)?,
                cost: r.get::<_, Option<i64>>(7)?.map(Money::from_minor),
                available: r.get(8)?,
                active: r.get(9)?,
            })
        })
        .optional()?;
    Ok(found)
}

/// The item's active modifier groups in its order, each with its options in order.
pub fn offered_groups(conn: &Connection, item: ItemId) -> Result<Vec<OfferedGroup>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT g.id, g.name, g.min_choices, g.max_choices, o.id, o.name, o.price_delta
         FROM menu_item_modifier_groups l
         JOIN menu_modifier_groups g ON g.id = l.group_id
         LEFT JOIN menu_modifier_options o ON o.group_id = g.id
         WHERE l.item_id = ?1 AND g.active = 1
         ORDER BY l.position, o.position",
    )?;
    let rows = stmt.query_map(params![item.to_string()], |r| {
        let group = OfferedGroup {
            id: id_col(r, 0)?,
            name: r.get(1)?,
            min: choices_col(r, 2)?,
            max: choices_col(r, 3)?,
            options: Vec::new(),
        };
        let option = match r.get::<_, Option<String>>(4)? {
            Some(id) => Some(OfferedOption {
                id: id.parse::<ModifierOptionId>().map_err(|_| bad("id"))?,
                name: r.get(5)?,
                price_delta: Money::from_minor(r.get(6)?),
            }),
            None => None,
        };
        Ok((group, option))
    })?;
    let mut groups: Vec<OfferedGroup> = Vec::new();
    for row in rows {
        let (group, option) = row?;
        if groups.last().is_none_or(|g| g.id != group.id) {
            groups.push(group);
        }
        if let (Some(option), Some(last)) = (option, groups.last_mut()) {
            last.options.push(option);
        }
    }
    Ok(groups)
}
