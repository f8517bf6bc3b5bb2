//! The floor: areas, tables on the floor plan, their live status, and the QR code on each
//! table that opens the guest page.
//!
//! Owns the `tables_*` tables. Managers edit the floor over HTTP; a table's status (free,
//! seated, ordered, bill requested) is never set by hand: the status projection
//! ([`Tables::spawn_status_projection`]) derives it from the orders' and bills' events. Other
//! services ask [`table`] and [`table_by_token`] inside their own transactions and never read
//! these tables; every change goes out as `table.area_changed` or `table.changed`.

pub mod api;
pub mod model;
mod projection;
mod sql;

use axum::extract::FromRef;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use comanda_api::ApiError;
use comanda_domain::{Actor, AreaChanged, AreaId, Event, TableChanged, TableId};
use comanda_staff::Auth;
use comanda_store::rusqlite::Connection;
use comanda_store::{Migration, Migrations, Store, StoreError, WriteTx};
use rand::RngCore;

pub use api::router;
pub use model::{Area, AreaChanges, GuestToken, NewArea, NewTable, Shape, Table, TableChanges};
pub use projection::STATUS_SUBSCRIBER;

pub const MIGRATIONS: Migrations = Migrations {
    service: "tables",
    steps: &[Migration { version: 1, name: "init", sql: include_str!("../migrations/0001_init.sql") }],
};

/// The service handle: cheap to clone, shared by its routes.
#[derive(Clone, Debug)]
pub struct Tables {
    store: Store,
    auth: Auth,
}

impl FromRef<Tables> for Auth {
    fn from_ref(tables: &Tables) -> Auth {
        tables.auth.clone()
    }
}

/// What another service needs to know about a table (orders checks it exists and is active).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TableInfo {
    pub id: TableId,
    pub name: String,
    pub area_id: AreaId,
    pub seats: u32,
    pub active: bool,
}

/// A table by id, on any connection: a reader, or the caller's own write transaction.
pub fn table(conn: &Connection, id: TableId) -> Result<Option<TableInfo>, StoreError> {
    sql::table_info_by_id(conn, id)
}

/// Every active table, by name (reservations look for one that fits a party).
pub fn active_tables(conn: &Connection) -> Result<Vec<TableInfo>, StoreError> {
    sql::active_table_infos(conn)
}

/// The table whose QR code carries `token` (for the guest page); `None` for unknown or
/// rotated-away tokens.
pub fn table_by_token(conn: &Connection, token: &str) -> Result<Option<TableInfo>, StoreError> {
    if token.is_empty() || token.len() > 64 {
        return Ok(None);
    }
    sql::table_info_by_token(conn, token)
}

/// 128 random bits, base64url without padding (22 characters): unguessable, and safe in a URL.
fn new_guest_token() -> String {
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

fn area_event(a: &Area) -> Event {
    Event::TableAreaChanged(AreaChanged { area_id: a.id, name: a.name.clone(), position: a.position, active: a.active })
}

pub(crate) fn table_event(t: &Table) -> Event {
    Event::TableChanged(TableChanged {
        table_id: t.id,
        area_id: t.area_id,
        name: t.name.clone(),
        seats: t.seats,
        status: t.status,
        order_id: t.order_id,
        active: t.active,
    })
}

fn no_such_area() -> ApiError {
    ApiError::not_found("no such area")
}

fn no_such_table() -> ApiError {
    ApiError::not_found("no such table")
}

/// Where a list of areas resumes: the last area's position and id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AreaCursor(pub i64, pub AreaId);

impl AreaCursor {
    pub fn of(area: &Area) -> Self {
        AreaCursor(area.position, area.id)
    }

    pub fn parse(raw: &str) -> Option<Self> {
        let (position, id) = raw.split_once('~')?;
        Some(AreaCursor(position.parse().ok()?, id.parse().ok()?))
    }
}

impl std::fmt::Display for AreaCursor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}~{}", self.0, self.1)
    }
}

/// Which tables to list.
#[derive(Clone, Copy, Debug, Default)]
pub struct TableQuery {
    pub area_id: Option<AreaId>,
    pub include_inactive: bool,
    pub after: Option<TableId>,
    pub limit: u32,
}

impl Tables {
    pub fn new(store: Store, auth: Auth) -> Self {
        Self { store, auth }
    }

    pub async fn areas(
        &self,
        after: Option<AreaCursor>,
        limit: u32,
        include_inactive: bool,
    ) -> Result<Vec<Area>, ApiError> {
        let after = after.map(|c| (c.0, c.1));
        Ok(self.store.read(move |c| sql::list_areas(c, after, limit, include_inactive)).await?)
    }

    pub async fn area(&self, id: AreaId) -> Result<Area, ApiError> {
        self.store.read(move |c| sql::area_by_id(c, id)).await?.ok_or_else(no_such_area)
    }

    /// Adds an area and appends `table.area_changed`, in the caller's transaction.
    pub fn insert_area(tx: &mut WriteTx<'_>, actor: Actor, new: &NewArea) -> Result<Area, ApiError> {
        let input = new.validate()?;
        if sql::area_name_taken(tx.conn(), &model::name_key(&input.name), None)? {
            return Err(ApiError::conflict(format!("there is already an area called {}", input.name)));
        }
        let position = match input.position {
            Some(p) => p,
            None => sql::next_area_position(tx.conn())?,
        };
        let area = Area { id: AreaId::new(), name: input.name, position, active: true };
        sql::insert_area(tx.conn(), &area, tx.now())?;
        tx.append(actor, area_event(&area))?;
        Ok(area)
    }

    /// Renames, reorders, hides or shows an area. Only an area without active tables can be
    /// hidden: its tables would otherwise vanish from the floor plan with guests at them.
    pub async fn update_area(&self, actor: Actor, id: AreaId, changes: AreaChanges) -> Result<Area, ApiError> {
        let update = changes.validate()?;
        self.store
            .write(move |tx| {
                let before = sql::area_by_id(tx.conn(), id)?.ok_or_else(no_such_area)?;
                let after = update.apply_to(&before);
                if after == before {
                    return Ok(after);
                }
                if after.active
                    && (!before.active || after.name != before.name)
                    && sql::area_name_taken(tx.conn(), &model::name_key(&after.name), Some(id))?
                {
                    return Err(ApiError::conflict(format!("there is already an area called {}", after.name)));
                }
                if before.active && !after.active && sql::active_tables_in_area(tx.conn(), id)? > 0 {
                    return Err(ApiError::conflict(format!(
                        "{} still has tables; move or deactivate them before deactivating the area",
                        before.name
                    )));
                }
                sql::update_area(tx.conn(), &after, tx.now())?;
                tx.append(actor, area_event(&after))?;
                Ok(after)
            })
            .await
    }

    pub async fn tables(&self, q: TableQuery) -> Result<Vec<Table>, ApiError> {
        let filter = sql::TableFilter {
            area_id: q.area_id,
            include_inactive: q.include_inactive,
            after: q.after,
            limit: q.limit,
        };
        Ok(self.store.read(move |c| sql::list_tables(c, &filter)).await?)
    }

    pub async fn table(&self, id: TableId) -> Result<Table, ApiError> {
        self.store.read(move |c| sql::table_by_id(c, id)).await?.ok_or_else(no_such_table)
    }

    /// Adds a (free) table with a fresh guest token and appends `table.changed`, in the
    /// caller's transaction.
    pub fn insert_table(tx: &mut WriteTx<'_>, actor: Actor, new: &NewTable) -> Result<Table, ApiError> {
        let layout = new.validate()?;
        usable_area(tx.conn(), layout.area_id)?;
        if sql::table_name_taken(tx.conn(), &model::name_key(&layout.name), None)? {
            return Err(ApiError::conflict(format!("there is already a table called {}", layout.name)));
        }
        let id = TableId::new();
        sql::insert_table(tx.conn(), id, &layout, &new_guest_token(), tx.now())?;
        let table = sql::table_by_id(tx.conn(), id)?.ok_or_else(|| ApiError::internal("inserted table vanished"))?;
        tx.append(actor, table_event(&table))?;
        Ok(table)
    }

    /// Edits a table's layout, or takes it off the floor (only when free) and back.
    pub async fn update_table(&self, actor: Actor, id: TableId, changes: TableChanges) -> Result<Table, ApiError> {
        let update = changes.validate()?;
        self.store
            .write(move |tx| {
                let before = sql::table_by_id(tx.conn(), id)?.ok_or_else(no_such_table)?;
                let (layout, active) = update.apply_to(&before);
                if let Some(area) = update.area_id {
                    usable_area(tx.conn(), area)?;
                }
                if active {
                    let area = sql::area_by_id(tx.conn(), layout.area_id)?.ok_or_else(no_such_area)?;
                    if !area.active {
                        return Err(ApiError::conflict(format!(
                            "{} is deactivated; move the table to another area or reactivate the area",
                            area.name
                        )));
                    }
                    let renamed = model::name_key(&layout.name) != model::name_key(&before.name);
                    if (renamed || !before.active)
                        && sql::table_name_taken(tx.conn(), &model::name_key(&layout.name), Some(id))?
                    {
                        return Err(ApiError::conflict(format!("there is already a table called {}", layout.name)));
                    }
                }
                if before.active && !active {
                    model::may_deactivate(&before)?;
                }
                sql::update_layout(tx.conn(), id, &layout, active, tx.now())?;
                let after = sql::table_by_id(tx.conn(), id)?.ok_or_else(no_such_table)?;
                if after != before {
                    tx.append(actor, table_event(&after))?;
                }
                Ok(after)
            })
            .await
    }

    /// Gives a table a new guest token, in the caller's transaction: QR codes printed before
    /// stop working. `table.changed` records who did it (the event never carries the token).
    pub fn rotate_token(tx: &mut WriteTx<'_>, actor: Actor, id: TableId) -> Result<GuestToken, ApiError> {
        let table = sql::table_by_id(tx.conn(), id)?.ok_or_else(no_such_table)?;
        let token = new_guest_token();
        sql::set_guest_token(tx.conn(), id, &token, tx.now())?;
        tx.append(actor, table_event(&table))?;
        Ok(GuestToken { table_id: id, token })
    }

    /// The table's QR code as SVG: the guest page on `host` (the Host header the manager's
    /// browser used, so it is an address phones on the restaurant's network reach too).
    pub async fn qr_svg(&self, id: TableId, host: Option<&str>) -> Result<String, ApiError> {
        let token = self.store.read(move |c| sql::guest_token(c, id)).await?.ok_or_else(no_such_table)?;
        let url = model::guest_url(host, &token)?;
        let code = qrcode::QrCode::with_error_correction_level(url.as_bytes(), qrcode::EcLevel::M)
            .map_err(|e| ApiError::bad_request(format!("cannot encode this address as a QR code: {e}")))?;
        Ok(code.render::<qrcode::render::svg::Color<'_>>().min_dimensions(256, 256).quiet_zone(true).build())
    }
}

/// An area a table may be put in: it exists and is active. Named in a body, so a bad one is 422.
fn usable_area(conn: &Connection, id: AreaId) -> Result<Area, ApiError> {
    match sql::area_by_id(conn, id)? {
        Some(area) if area.active => Ok(area),
        Some(area) => Err(ApiError::validation(format!("area_id: {} is deactivated", area.name))),
        None => Err(ApiError::validation("area_id: no such area")),
    }
}
