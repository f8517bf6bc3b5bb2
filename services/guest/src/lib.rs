//! Guest ordering: the QR code on a table opens `/t/{token}` on the box — the menu with
//! allergens and what is sold out, a basket, and "send to the waiter". The request appears on
//! the waiters' tablets (`guest.request_created` on the live stream); a waiter accepts it (its
//! lines join the table's order, unsent: the waiter fires them as usual) or declines it.
//! **Nothing a guest does reaches the kitchen without a waiter.**
//!
//! Guests have no login: the table's token is the key (rotated by managers from the floor
//! editor; an old token answers 404). Requests are limited per device (one waiting at a time,
//! 6 per 10 minutes) and per table (12 per 10 minutes), counted in the database.
//!
//! Owns `guest_requests`; reads tables, the menu and the site through their Rust APIs, and
//! opens orders and adds lines through the orders service's, in its own transactions.

pub mod api;

use axum::extract::FromRef;
use comanda_api::ApiError;
use comanda_domain::{Event, GuestLine, GuestRequestChanged, ItemId, OrderId, TableId};
use comanda_menu::Menu;
use comanda_staff::{Auth, AuthStaff};
use comanda_store::rusqlite::{Connection, OptionalExtension, params};
use comanda_store::{Migration, Migrations, Store, StoreError, WriteTx, parse_sql_time, sql_time};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

pub use api::router;

pub const MIGRATIONS: Migrations = Migrations {
    service: "guest",
    steps: &[Migration { version: 1, name: "init", sql: include_str!("../migrations/0001_init.sql") }],
};

/// Requests per device, and per table, within [`WINDOW_MINUTES`].
pub const PER_DEVICE: i64 = 6;
pub const PER_TABLE: i64 = 12;
pub const WINDOW_MINUTES: i64 = 10;
pub const MAX_LINES: usize = 30;
pub const MAX_QUANTITY: i64 = 20;
/// A guest's or waiter's note, in characters.
pub const NOTE_MAX: usize = 200;

#[derive(Clone)]
pub struct Guest {
    store: Store,
    auth: Auth,
    menu: Menu,
}

impl FromRef<Guest> for Auth {
    fn from_ref(g: &Guest) -> Auth {
        g.auth.clone()
    }
}

/// What the guest page shows.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct GuestMenu {
    pub restaurant: String,
    pub currency: String,
    pub prices_include_tax: bool,
    pub table_name: String,
    pub categories: Vec<GuestCategory>,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct GuestCategory {
    pub name: String,
    pub items: Vec<GuestItem>,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct GuestItem {
    pub id: ItemId,
    pub name: String,
    pub price: comanda_domain::Money,
    /// EU-14 allergen codes.
    #[schema(value_type = Vec<String>)]
    pub allergens: Vec<comanda_menu::Allergen>,
    /// `false`: sold out tonight.
    pub available: bool,
    /// It needs choices (cooking, sides…): the waiter takes it at the table.
    pub ask_waiter: bool,
}

#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewGuestRequest {
    /// A random id the guest's browser keeps (8–64 letters, digits, `-` or `_`).
    pub device_id: String,
    pub lines: Vec<NewGuestLine>,
    pub note: Option<String>,
}

#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewGuestLine {
    pub item_id: ItemId,
    pub quantity: i64,
    pub note: Option<String>,
}

/// A guest's request, as waiters and the guest see it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct GuestRequest {
    #[schema(value_type = String, format = Uuid)]
    pub id: Uuid,
    pub table_id: TableId,
    pub table_name: String,
    pub lines: Vec<GuestLine>,
    pub note: Option<String>,
    /// `pending`, `accepted` or `declined`.
    pub status: String,
    pub reason: Option<String>,
    pub order_id: Option<OrderId>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

impl GuestRequest {
    fn event(&self) -> GuestRequestChanged {
        GuestRequestChanged {
            request_id: self.id,
            table_id: self.table_id,
            table_name: self.table_name.clone(),
            lines: self.lines.clone(),
            note: self.note.clone(),
            status: self.status.clone(),
            order_id: self.order_id,
            reason: self.reason.clone(),
        }
    }
}

fn no_table() -> ApiError {
    ApiError::not_found("this table's code is not valid any more: ask your waiter")
}

fn table_of(conn: &Connection, token: &str) -> Result<comanda_tables::TableInfo, ApiError> {
    comanda_tables::table_by_token(conn, token)?.filter(|t| t.active).ok_or_else(no_table)
}

const COLUMNS: &str = "id, table_id, table_name, lines, note, status, reason, order_id, created_at";

fn row(r: &comanda_store::rusqlite::Row<'_>) -> comanda_store::rusqlite::Result<GuestRequest> {
    use comanda_store::rusqlite::{Error, types::Type};
    let bad = |i: usize| Error::InvalidColumnType(i, "guest request".into(), Type::Text);
    Ok(GuestRequest {
        id: r.get::<_, String>(0)?.parse().map_err(|_| bad(0))?,
        table_id: r.get::<_, String>(1)?.parse().map_err(|_| bad(1))?,
        table_name: r.get(2)?,
        lines: serde_json::from_str(&r.get::<_, String>(3)?).map_err(|_| bad(3))?,
        note: r.get(4)?,
        status: r.get(5)?,
        reason: r.get(6)?,
        order_id: r.get::<_, Option<String>>(7)?.map(|o| o.parse().map_err(|_| bad(7))).transpose()?,
        created_at: parse_sql_time(&r.get::<_, String>(8)?).map_err(|_| bad(8))?,
    })
}

fn get(conn: &Connection, id: Uuid) -> Result<Option<GuestRequest>, StoreError> {
    Ok(conn
        .query_row(&format!("SELECT {COLUMNS} FROM guest_requests WHERE id = ?1"), params![id.to_string()], row)
        .optional()?)
}

fn save(
    conn: &Connection,
    r: &GuestRequest,
    device: &str,
    decided: Option<(&AuthStaff, OffsetDateTime)>,
) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO guest_requests (id, table_id, table_name, device_id, lines, note, status, reason, order_id,
             decided_by, created_at, decided_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
         ON CONFLICT (id) DO UPDATE SET status = excluded.status, reason = excluded.reason, order_id = excluded.order_id,
             decided_by = excluded.decided_by, decided_at = excluded.decided_at",
        params![
            r.id.to_string(),
            r.table_id.to_string(),
            r.table_name,
            device,
            serde_json::to_string(&r.lines).unwrap_or_else(|_| "[]".into()),
            r.note,
            r.status,
            r.reason,
            r.order_id.map(|o| o.to_string()),
            decided.map(|(who, _)| who.id.to_string()),
            sql_time(r.created_at),
            decided.map(|(_, at)| sql_time(at))
        ],
    )?;
    Ok(())
}

fn count_since(
    conn: &Connection,
    column: &str,
    value: &str,
    since: OffsetDateTime,
) -> Result<(i64, Option<String>), StoreError> {
    // `column` is one of two constants, never input.
    let sql = format!("SELECT COUNT(*), MIN(created_at) FROM guest_requests WHERE {column} = ?1 AND created_at > ?2");
    Ok(conn.query_row(&sql, params![value, sql_time(since)], |r| Ok((r.get(0)?, r.get(1)?)))?)
}

impl Guest {
    pub fn new(store: Store, auth: Auth, menu: Menu) -> Self {
        Self { store, auth, menu }
    }

    /// The table's page: the menu as guests may order it.
    pub async fn menu(&self, token: String) -> Result<GuestMenu, ApiError> {
        let (table, settings) = self
            .store
            .read(move |c| {
                let table = table_of(c, &token)?;
                let settings = comanda_site::settings_in(c)?.ok_or_else(no_table)?;
                Ok::<_, ApiError>((table, settings))
            })
            .await?;
        let tree = self.menu.tree(false, false).await?;
        let required: Vec<_> = tree.modifier_groups.iter().filter(|g| g.min > 0).map(|g| g.id).collect();
        let categories = tree
            .categories
            .into_iter()
            .map(|c| GuestCategory {
                name: c.name,
                items: c
                    .items
                    .into_iter()
                    .filter(|i| i.active)
                    .map(|i| GuestItem {
                        ask_waiter: i.modifier_group_ids.iter().any(|g| required.contains(g)),
                        id: i.id,
                        name: i.name,
                        price: i.price,
                        allergens: i.allergens,
                        available: i.available,
                    })
                    .collect(),
            })
            .filter(|c| !c.items.is_empty())
            .collect();
        Ok(GuestMenu {
            restaurant: settings.name,
            currency: settings.currency,
            prices_include_tax: settings.prices_include_tax,
            table_name: table.name,
            categories,
        })
    }

    /// A guest's basket, sent to the waiter (in the caller's transaction).
    pub fn request(tx: &mut WriteTx<'_>, token: &str, new: &NewGuestRequest) -> Result<GuestRequest, ApiError> {
        let table = table_of(tx.conn(), token)?;
        let device = new.device_id.trim();
        if !(8..=64).contains(&device.len())
            || !device.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err(ApiError::validation("device_id must be 8–64 letters, digits, - or _"));
        }
        if new.lines.is_empty() || new.lines.len() > MAX_LINES {
            return Err(ApiError::validation(format!("a request has 1 to {MAX_LINES} lines")));
        }
        let now = comanda_store::truncate_to_micros(tx.now());
        let since = now - time::Duration::minutes(WINDOW_MINUTES);
        let pending: i64 = tx
            .conn()
            .query_row(
                "SELECT COUNT(*) FROM guest_requests WHERE device_id = ?1 AND status = 'pending'",
                params![device],
                |r| r.get(0),
            )
            .map_err(StoreError::from)?;
        if pending > 0 {
            return Err(ApiError::conflict(
                "your last request is still with the waiter: they will be with you shortly",
            ));
        }
        for (column, value, limit) in
            [("device_id", device.to_owned(), PER_DEVICE), ("table_id", table.id.to_string(), PER_TABLE)]
        {
            let (count, oldest) = count_since(tx.conn(), column, &value, since)?;
            if count >= limit {
                let wait = oldest
                    .and_then(|o| parse_sql_time(&o).ok())
                    .map(|o| (o + time::Duration::minutes(WINDOW_MINUTES) - now).whole_seconds())
                    .unwrap_or(60);
                return Err(ApiError::rate_limited(u64::try_from(wait).unwrap_or(60)));
            }
        }
        let mut lines = Vec::with_capacity(new.lines.len());
        for (i, l) in new.lines.iter().enumerate() {
            let quantity = comanda_api::validate::range(&format!("lines[{i}].quantity"), l.quantity, 1, MAX_QUANTITY)?;
            let item = comanda_menu::resolve(
                tx.conn(),
                &comanda_menu::LineRequest { item_id: l.item_id, modifier_option_ids: vec![] },
            )
            .map_err(|e| ApiError::new(e.status(), e.code(), format!("lines[{i}]: {}", e.message())))?;
            lines.push(GuestLine {
                item_id: l.item_id,
                name: item.name,
                quantity: u32::try_from(quantity).unwrap_or(1),
                unit_price: item.unit_price,
                note: comanda_api::validate::optional_text(&format!("lines[{i}].note"), l.note.as_deref(), NOTE_MAX)?,
            });
        }
        let request = GuestRequest {
            id: Uuid::now_v7(),
            table_id: table.id,
            table_name: table.name,
            lines,
            note: comanda_api::validate::optional_text("note", new.note.as_deref(), NOTE_MAX)?,
            status: "pending".into(),
            reason: None,
            order_id: None,
            created_at: now,
        };
        save(tx.conn(), &request, device, None)?;
        tx.append(comanda_domain::Actor::System, Event::GuestRequestCreated(request.event()))?;
        Ok(request)
    }

    /// The guest's view of their request (only through their table's token).
    pub async fn status(&self, token: String, id: Uuid) -> Result<GuestRequest, ApiError> {
        self.store
            .read(move |c| {
                let table = table_of(c, &token)?;
                get(c, id)?.filter(|r| r.table_id == table.id).ok_or_else(|| ApiError::not_found("no such request"))
            })
            .await
    }

    pub async fn list(&self, status: Option<String>) -> Result<Vec<GuestRequest>, ApiError> {
        if let Some(s) = &status
            && !matches!(s.as_str(), "pending" | "accepted" | "declined")
        {
            return Err(ApiError::validation("status must be pending, accepted or declined"));
        }
        Ok(self
            .store
            .read(move |c| {
                let mut stmt = c.prepare_cached(&format!(
                    "SELECT {COLUMNS} FROM guest_requests WHERE (?1 IS NULL OR status = ?1) ORDER BY created_at DESC LIMIT 100"
                ))?;
                let rows = stmt.query_map(params![status], row)?;
                Ok::<_, StoreError>(rows.collect::<Result<Vec<_>, _>>()?)
            })
            .await?)
    }

    /// The waiter accepts: the lines join the table's order (opened for `guests` if there is
    /// none), unsent — the waiter fires them as usual.
    pub async fn accept(&self, who: AuthStaff, id: Uuid, guests: Option<u32>) -> Result<GuestRequest, ApiError> {
        self.store
            .write(move |tx| {
                let mut r = pending(tx.conn(), id)?;
                let order = match comanda_orders::open_order_on_table(tx.conn(), r.table_id)? {
                    Some(order) => order,
                    None => comanda_orders::Orders::open(tx, &who, r.table_id, guests.unwrap_or(1))?.id,
                };
                // The guest's note for the whole request travels with the first line, so the
                // kitchen sees it on the ticket.
                let lines: Vec<comanda_orders::model::CheckedLine> = r
                    .lines
                    .iter()
                    .enumerate()
                    .map(|(i, l)| comanda_orders::model::CheckedLine {
                        item_id: l.item_id,
                        quantity: l.quantity,
                        modifier_option_ids: vec![],
                        seat: None,
                        course: 1,
                        note: match (&l.note, &r.note) {
                            (Some(n), _) => Some(n.clone()),
                            (None, Some(n)) if i == 0 => Some(n.clone()),
                            _ => None,
                        },
                    })
                    .collect();
                comanda_orders::Orders::add_lines(tx, &who, order, &lines)?;
                r.status = "accepted".into();
                r.order_id = Some(order);
                let now = tx.now();
                save(tx.conn(), &r, "", Some((&who, now)))?;
                tx.append(who.actor(), Event::GuestRequestAccepted(r.event()))?;
                Ok(r)
            })
            .await
    }

    pub async fn decline(&self, who: AuthStaff, id: Uuid, reason: Option<String>) -> Result<GuestRequest, ApiError> {
        let reason = comanda_api::validate::optional_text("reason", reason.as_deref(), NOTE_MAX)?;
        self.store
            .write(move |tx| {
                let mut r = pending(tx.conn(), id)?;
                r.status = "declined".into();
                r.reason = reason;
                let now = tx.now();
                save(tx.conn(), &r, "", Some((&who, now)))?;
                tx.append(who.actor(), Event::GuestRequestDeclined(r.event()))?;
                Ok(r)
            })
            .await
    }
}

fn pending(conn: &Connection, id: Uuid) -> Result<GuestRequest, ApiError> {
    let r = get(conn, id)?.ok_or_else(|| ApiError::not_found("no such request"))?;
    if r.status != "pending" {
        return Err(ApiError::conflict(format!("this request was already {}", r.status)));
    }
    Ok(r)
}
