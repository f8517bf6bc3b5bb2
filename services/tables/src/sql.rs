//! Every SQL statement of the tables service, and nowhere else. Parameterised only.

use comanda_domain::{AreaId, OrderId, TableId};
use comanda_store::rusqlite::{self, Connection, OptionalExtension, Row, params};
use comanda_store::{StoreError, parse_sql_time, sql_time};
use time::OffsetDateTime;

use crate::TableInfo;
use crate::model::{self, Area, Layout, Occupancy, Table};

fn bad(what: &str) -> rusqlite::Error {
    rusqlite::Error::InvalidColumnType(0, what.to_owned(), rusqlite::types::Type::Text)
}

fn id_col<T: std::str::FromStr>(row: &Row<'_>, idx: usize, what: &str) -> rusqlite::Result<T> {
    row.get::<_, String>(idx)?.parse().map_err(|_| bad(what))
}

fn time_col(row: &Row<'_>, idx: usize) -> rusqlite::Result<OffsetDateTime> {
    parse_sql_time(&row.get::<_, String>(idx)?).map_err(|_| bad("time"))
}

// ---- Areas ----

const AREA_COLUMNS: &str = "id, name, position, active";

fn area(row: &Row<'_>) -> rusqlite::Result<Area> {
    Ok(Area { id: id_col(row, 0, "id")?, name: row.get(1)?, position: row.get(2)?, active: row.get(3)? })
}

pub fn area_by_id(conn: &Connection, id: AreaId) -> Result<Option<Area>, StoreError> {
    let sql = format!("SELECT {AREA_COLUMNS} FROM tables_areas WHERE id = ?1");
    Ok(conn.query_row(&sql, params![id.to_string()], area).optional()?)
}

/// Areas in tab order (position, then creation) after the `(position, id)` cursor, at most
/// `limit` (+1 to tell if there is more).
pub fn list_areas(
    conn: &Connection,
    after: Option<(i64, AreaId)>,
    limit: u32,
    include_inactive: bool,
) -> Result<Vec<Area>, StoreError> {
    let sql = format!(
        "SELECT {AREA_COLUMNS} FROM tables_areas
         WHERE (position, id) > (?1, ?2) AND (?3 OR active = 1)
         ORDER BY position, id LIMIT ?4"
    );
    let (pos, id) = after.map(|(p, id)| (p, id.to_string())).unwrap_or((-1, String::new()));
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(params![pos, id, include_inactive, limit + 1], area)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Whether another active area already has this name (ignoring case).
pub fn area_name_taken(conn: &Connection, name_key: &str, except: Option<AreaId>) -> Result<bool, StoreError> {
    Ok(conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM tables_areas WHERE name_key = ?1 AND active = 1 AND id IS NOT ?2)",
        params![name_key, except.map(|a| a.to_string())],
        |r| r.get(0),
    )?)
}

/// One past the last area's position, so a new area becomes the last tab.
pub fn next_area_position(conn: &Connection) -> Result<i64, StoreError> {
    let next: i64 = conn.query_row("SELECT COALESCE(MAX(position) + 1, 0) FROM tables_areas", [], |r| r.get(0))?;
    Ok(next.min(model::POSITION_MAX))
}

pub fn insert_area(conn: &Connection, a: &Area, now: OffsetDateTime) -> Result<(), StoreError> {
    let now = sql_time(now);
    conn.execute(
        "INSERT INTO tables_areas (id, name, name_key, position, active, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
        params![a.id.to_string(), a.name, model::name_key(&a.name), a.position, a.active, now],
    )?;
    Ok(())
}

pub fn update_area(conn: &Connection, a: &Area, now: OffsetDateTime) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE tables_areas SET name = ?2, name_key = ?3, position = ?4, active = ?5, updated_at = ?6 WHERE id = ?1",
        params![a.id.to_string(), a.name, model::name_key(&a.name), a.position, a.active, sql_time(now)],
    )?;
    Ok(())
}

pub fn active_tables_in_area(conn: &Connection, area: AreaId) -> Result<i64, StoreError> {
    Ok(conn.query_row(
        "SELECT COUNT(*) FROM tables_tables WHERE area_id = ?1 AND active = 1",
        params![area.to_string()],
        |r| r.get(0),
    )?)
}

// ---- Tables ----

const TABLE_COLUMNS: &str =
    "id, name, area_id, seats, shape, x, y, width, height, active, status, order_id, status_since";

fn table(row: &Row<'_>) -> rusqlite::Result<Table> {
    Ok(Table {
        id: id_col(row, 0, "id")?,
        name: row.get(1)?,
        area_id: id_col(row, 2, "area_id")?,
        seats: row.get(3)?,
        shape: model::Shape::parse(&row.get::<_, String>(4)?).ok_or_else(|| bad("shape"))?,
        x: row.get(5)?,
        y: row.get(6)?,
        width: row.get(7)?,
        height: row.get(8)?,
        active: row.get(9)?,
        status: model::parse_status(&row.get::<_, String>(10)?).ok_or_else(|| bad("status"))?,
        order_id: row.get::<_, Option<String>>(11)?.map(|o| o.parse().map_err(|_| bad("order_id"))).transpose()?,
        status_since: time_col(row, 12)?,
    })
}

pub fn table_by_id(conn: &Connection, id: TableId) -> Result<Option<Table>, StoreError> {
    let sql = format!("SELECT {TABLE_COLUMNS} FROM tables_tables WHERE id = ?1");
    Ok(conn.query_row(&sql, params![id.to_string()], table).optional()?)
}

pub struct TableFilter {
    pub area_id: Option<AreaId>,
    pub include_inactive: bool,
    pub after: Option<TableId>,
    pub limit: u32,
}

/// Tables in id (= creation) order after `after`, at most `limit` (+1 to tell if there is more).
pub fn list_tables(conn: &Connection, f: &TableFilter) -> Result<Vec<Table>, StoreError> {
    let sql = format!(
        "SELECT {TABLE_COLUMNS} FROM tables_tables
         WHERE (?1 IS NULL OR area_id = ?1) AND (?2 OR active = 1) AND id > ?3
         ORDER BY id LIMIT ?4"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(
        params![
            f.area_id.map(|a| a.to_string()),
            f.include_inactive,
            f.after.map(|a| a.to_string()).unwrap_or_default(),
            f.limit + 1
        ],
        table,
    )?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Whether another active table already has this name (ignoring case).
pub fn table_name_taken(conn: &Connection, name_key: &str, except: Option<TableId>) -> Result<bool, StoreError> {
    Ok(conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM tables_tables WHERE name_key = ?1 AND active = 1 AND id IS NOT ?2)",
        params![name_key, except.map(|t| t.to_string())],
        |r| r.get(0),
    )?)
}

pub fn insert_table(
    conn: &Connection,
    id: TableId,
    l: &Layout,
    guest_token: &str,
    now: OffsetDateTime,
) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO tables_tables (id, area_id, name, name_key, seats, shape, x, y, width, height, active,
             guest_token, status, order_id, status_since, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 1, ?11, 'free', NULL, ?12, ?12, ?12)",
        params![
            id.to_string(),
            l.area_id.to_string(),
            l.name,
            model::name_key(&l.name),
            l.seats,
            l.shape.as_str(),
            l.x,
            l.y,
            l.width,
            l.height,
            guest_token,
            sql_time(now)
        ],
    )?;
    Ok(())
}

pub fn update_layout(
    conn: &Connection,
    id: TableId,
    l: &Layout,
    active: bool,
    now: OffsetDateTime,
) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE tables_tables SET area_id = ?2, name = ?3, name_key = ?4, seats = ?5, shape = ?6, x = ?7, y = ?8,
             width = ?9, height = ?10, active = ?11, updated_at = ?12
         WHERE id = ?1",
        params![
            id.to_string(),
            l.area_id.to_string(),
            l.name,
            model::name_key(&l.name),
            l.seats,
            l.shape.as_str(),
            l.x,
            l.y,
            l.width,
            l.height,
            active,
            sql_time(now)
        ],
    )?;
    Ok(())
}

pub fn set_guest_token(conn: &Connection, id: TableId, token: &str, now: OffsetDateTime) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE tables_tables SET guest_token = ?2, updated_at = ?3 WHERE id = ?1",
        params![id.to_string(), token, sql_time(now)],
    )?;
    Ok(())
}

pub fn guest_token(conn: &Connection, id: TableId) -> Result<Option<String>, StoreError> {
    Ok(conn
        .query_row("SELECT guest_token FROM tables_tables WHERE id = ?1", params![id.to_string()], |r| r.get(0))
        .optional()?)
}

// ---- Status ----

pub fn occupancy(conn: &Connection, id: TableId) -> Result<Option<Occupancy>, StoreError> {
    Ok(conn
        .query_row(
            "SELECT status, order_id, status_since FROM tables_tables WHERE id = ?1",
            params![id.to_string()],
            |r| {
                Ok(Occupancy {
                    status: model::parse_status(&r.get::<_, String>(0)?).ok_or_else(|| bad("status"))?,
                    order_id: r
                        .get::<_, Option<String>>(1)?
                        .map(|o| o.parse().map_err(|_| bad("order_id")))
                        .transpose()?,
                    since: time_col(r, 2)?,
                })
            },
        )
        .optional()?)
}

/// The table holding an order, if any (the oldest, should the log ever put it on two).
pub fn holder(conn: &Connection, order: OrderId) -> Result<Option<TableId>, StoreError> {
    Ok(conn
        .query_row(
            "SELECT id FROM tables_tables WHERE order_id = ?1 ORDER BY id LIMIT 1",
            params![order.to_string()],
            |r| id_col(r, 0, "id"),
        )
        .optional()?)
}

pub fn set_occupancy(conn: &Connection, id: TableId, o: &Occupancy, now: OffsetDateTime) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE tables_tables SET status = ?2, order_id = ?3, status_since = ?4, updated_at = ?5 WHERE id = ?1",
        params![id.to_string(), o.status.as_str(), o.order_id.map(|o| o.to_string()), sql_time(o.since), sql_time(now)],
    )?;
    Ok(())
}

// ---- For other services ----

fn table_info(row: &Row<'_>) -> rusqlite::Result<TableInfo> {
    Ok(TableInfo {
        id: id_col(row, 0, "id")?,
        name: row.get(1)?,
        area_id: id_col(row, 2, "area_id")?,
        seats: row.get(3)?,
        active: row.get(4)?,
    })
}

pub fn table_info_by_id(conn: &Connection, id: TableId) -> Result<Option<TableInfo>, StoreError> {
    Ok(conn
        .query_row(
            "SELECT id, name, area_id, seats, active FROM tables_tables WHERE id = ?1",
            params![id.to_string()],
            table_info,
        )
        .optional()?)
}

pub fn active_table_infos(conn: &Connection) -> Result<Vec<TableInfo>, StoreError> {
    let mut stmt = conn
        .prepare_cached("SELECT id, name, area_id, seats, active FROM tables_tables WHERE active = 1 ORDER BY name")?;
    let rows = stmt.query_map([], table_info)?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

pub fn table_info_by_token(conn: &Connection, token: &str) -> Result<Option<TableInfo>, StoreError> {
    Ok(conn
        .query_row(
            "SELECT id, name, area_id, seats, active FROM tables_tables WHERE guest_token = ?1",
            params![token],
            table_info,
        )
        .optional()?)
}
