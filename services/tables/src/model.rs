//! Floor types and rules, pure and I/O-free: what an area and a table are, what valid input
//! is, where a guest's QR code points, and how the orders' events move a table through
//! free → seated → ordered → bill requested. Most of the service's tests live here.

use comanda_api::{ApiError, validate};
use comanda_domain::{AreaId, OrderClosed, OrderId, OrderMoved, OrderOpened, OrderSent, TableId, TableStatus};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;

pub const NAME_MAX: usize = 50;
pub const SEATS_MAX: i64 = 50;
/// Floor-plan units: the editor's canvas is 10 000 × 10 000.
pub const COORD_MAX: i64 = 10_000;
pub const POSITION_MAX: i64 = 10_000;
/// A new table's size when the editor gives none: a square of 100 units (a rectangle is twice as wide).
pub const DEFAULT_SIZE: i64 = 100;

/// How a table is drawn on the floor plan.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Shape {
    Round,
    Square,
    Rectangle,
}

impl Shape {
    pub fn as_str(&self) -> &'static str {
        match self {
            Shape::Round => "round",
            Shape::Square => "square",
            Shape::Rectangle => "rectangle",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Shape::Round, Shape::Square, Shape::Rectangle].into_iter().find(|shape| shape.as_str() == s)
    }
}

pub fn parse_status(s: &str) -> Option<TableStatus> {
    use TableStatus::*;
    [Free, Seated, Ordered, BillRequested].into_iter().find(|status| status.as_str() == s)
}

/// A part of the floor: a tab on the floor plan.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Area {
    pub id: AreaId,
    pub name: String,
    /// Tabs are shown in ascending position.
    pub position: i64,
    pub active: bool,
}

/// A table as the floor plan shows it: where it is, and what is happening at it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Table {
    pub id: TableId,
    pub name: String,
    pub area_id: AreaId,
    pub seats: u32,
    pub shape: Shape,
    /// Top-left corner and size, in floor-plan units (0–10 000).
    pub x: i64,
    pub y: i64,
    pub width: i64,
    pub height: i64,
    pub active: bool,
    pub status: TableStatus,
    /// The open order on it, if any.
    pub order_id: Option<OrderId>,
    /// When it entered its current status (for "seated 42 min ago").
    #[serde(with = "time::serde::rfc3339")]
    pub status_since: OffsetDateTime,
}

impl Table {
    pub fn occupancy(&self) -> Occupancy {
        Occupancy { status: self.status, order_id: self.order_id, since: self.status_since }
    }
}

/// A new area (the body of `POST /areas`).
#[derive(Clone, Debug, Deserialize, Serialize, ToSchema)]
pub struct NewArea {
    /// 1–50 characters, unique among active areas (ignoring case).
    #[schema(min_length = 1, max_length = 50)]
    pub name: String,
    /// 0–10 000; by default after the last area.
    #[schema(minimum = 0, maximum = 10_000)]
    pub position: Option<i64>,
}

/// Changes to an area (the body of `PATCH /areas/{id}`); absent fields stay as they are.
#[derive(Clone, Debug, Default, Deserialize, Serialize, ToSchema)]
pub struct AreaChanges {
    #[schema(min_length = 1, max_length = 50)]
    pub name: Option<String>,
    #[schema(minimum = 0, maximum = 10_000)]
    pub position: Option<i64>,
    /// `false` hides the area; only an area without active tables can be deactivated.
    pub active: Option<bool>,
}

/// A new table (the body of `POST /tables`).
#[derive(Clone, Debug, Deserialize, Serialize, ToSchema)]
pub struct NewTable {
    /// 1–50 characters, unique among active tables (ignoring case).
    #[schema(min_length = 1, max_length = 50)]
    pub name: String,
    pub area_id: AreaId,
    #[schema(minimum = 1, maximum = 50)]
    pub seats: i64,
    /// Default `square`.
    pub shape: Option<Shape>,
    /// Floor-plan units, 0–10 000; default 0.
    #[schema(minimum = 0, maximum = 10_000)]
    pub x: Option<i64>,
    #[schema(minimum = 0, maximum = 10_000)]
    pub y: Option<i64>,
    /// Default 100 (200 for a rectangle's width).
    #[schema(minimum = 0, maximum = 10_000)]
    pub width: Option<i64>,
    #[schema(minimum = 0, maximum = 10_000)]
    pub height: Option<i64>,
}

/// Changes to a table (the body of `PATCH /tables/{id}`); absent fields stay as they are.
#[derive(Clone, Debug, Default, Deserialize, Serialize, ToSchema)]
pub struct TableChanges {
    #[schema(min_length = 1, max_length = 50)]
    pub name: Option<String>,
    pub area_id: Option<AreaId>,
    #[schema(minimum = 1, maximum = 50)]
    pub seats: Option<i64>,
    pub shape: Option<Shape>,
    #[schema(minimum = 0, maximum = 10_000)]
    pub x: Option<i64>,
    #[schema(minimum = 0, maximum = 10_000)]
    pub y: Option<i64>,
    #[schema(minimum = 0, maximum = 10_000)]
    pub width: Option<i64>,
    #[schema(minimum = 0, maximum = 10_000)]
    pub height: Option<i64>,
    /// `false` takes the table off the floor (only when it is free); `true` puts it back.
    pub active: Option<bool>,
}

/// A table's guest token, as `POST /tables/{id}/rotate-token` answers it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct GuestToken {
    pub table_id: TableId,
    /// The guest page is `/t/{token}`; the previous token no longer works.
    pub token: String,
}

/// A name as stored: trimmed, 1–50 characters.
pub fn name(raw: &str) -> Result<String, ApiError> {
    validate::text("name", raw, 1, NAME_MAX)
}

/// What makes two names "the same" for uniqueness: case is ignored (in every script, not
/// only ASCII, which is why this is not SQLite's `lower()`).
pub fn name_key(name: &str) -> String {
    name.trim().to_lowercase()
}

pub fn seats(value: i64) -> Result<u32, ApiError> {
    let seats = validate::range("seats", value, 1, SEATS_MAX)?;
    u32::try_from(seats).map_err(|_| ApiError::validation(format!("seats must be between 1 and {SEATS_MAX}")))
}

pub fn coordinate(field: &str, value: i64) -> Result<i64, ApiError> {
    validate::range(field, value, 0, COORD_MAX)
}

pub fn position(value: i64) -> Result<i64, ApiError> {
    validate::range("position", value, 0, POSITION_MAX)
}

/// A validated new area.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AreaInput {
    pub name: String,
    pub position: Option<i64>,
}

impl NewArea {
    pub fn validate(&self) -> Result<AreaInput, ApiError> {
        Ok(AreaInput { name: name(&self.name)?, position: self.position.map(position).transpose()? })
    }
}

/// Validated area changes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AreaUpdate {
    pub name: Option<String>,
    pub position: Option<i64>,
    pub active: Option<bool>,
}

impl AreaChanges {
    pub fn validate(&self) -> Result<AreaUpdate, ApiError> {
        Ok(AreaUpdate {
            name: self.name.as_deref().map(name).transpose()?,
            position: self.position.map(position).transpose()?,
            active: self.active,
        })
    }
}

impl AreaUpdate {
    pub fn apply_to(&self, area: &Area) -> Area {
        Area {
            id: area.id,
            name: self.name.clone().unwrap_or_else(|| area.name.clone()),
            position: self.position.unwrap_or(area.position),
            active: self.active.unwrap_or(area.active),
        }
    }
}

/// Where a table is and how it is drawn: everything an editor sets.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Layout {
    pub name: String,
    pub area_id: AreaId,
    pub seats: u32,
    pub shape: Shape,
    pub x: i64,
    pub y: i64,
    pub width: i64,
    pub height: i64,
}

impl NewTable {
    pub fn validate(&self) -> Result<Layout, ApiError> {
        let shape = self.shape.unwrap_or(Shape::Square);
        let default_width = if shape == Shape::Rectangle { 2 * DEFAULT_SIZE } else { DEFAULT_SIZE };
        Ok(Layout {
            name: name(&self.name)?,
            area_id: self.area_id,
            seats: seats(self.seats)?,
            shape,
            x: coordinate("x", self.x.unwrap_or(0))?,
            y: coordinate("y", self.y.unwrap_or(0))?,
            width: coordinate("width", self.width.unwrap_or(default_width))?,
            height: coordinate("height", self.height.unwrap_or(DEFAULT_SIZE))?,
        })
    }
}

/// Validated table changes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TableUpdate {
    pub name: Option<String>,
    pub area_id: Option<AreaId>,
    pub seats: Option<u32>,
    pub shape: Option<Shape>,
    pub x: Option<i64>,
    pub y: Option<i64>,
    pub width: Option<i64>,
    pub height: Option<i64>,
    pub active: Option<bool>,
}

impl TableChanges {
    pub fn validate(&self) -> Result<TableUpdate, ApiError> {
        let coord = |field: &str, v: Option<i64>| v.map(|v| coordinate(field, v)).transpose();
        Ok(TableUpdate {
            name: self.name.as_deref().map(name).transpose()?,
            area_id: self.area_id,
            seats: self.seats.map(seats).transpose()?,
            shape: self.shape,
            x: coord("x", self.x)?,
            y: coord("y", self.y)?,
            width: coord("width", self.width)?,
            height: coord("height", self.height)?,
            active: self.active,
        })
    }
}

impl TableUpdate {
    /// The table's layout and active flag after these changes.
    pub fn apply_to(&self, t: &Table) -> (Layout, bool) {
        let layout = Layout {
            name: self.name.clone().unwrap_or_else(|| t.name.clone()),
            area_id: self.area_id.unwrap_or(t.area_id),
            seats: self.seats.unwrap_or(t.seats),
            shape: self.shape.unwrap_or(t.shape),
            x: self.x.unwrap_or(t.x),
            y: self.y.unwrap_or(t.y),
            width: self.width.unwrap_or(t.width),
            height: self.height.unwrap_or(t.height),
        };
        (layout, self.active.unwrap_or(t.active))
    }
}

/// A table with guests on it cannot leave the floor: their order would have nowhere to be.
pub fn may_deactivate(table: &Table) -> Result<(), ApiError> {
    if table.status == TableStatus::Free {
        Ok(())
    } else {
        Err(ApiError::conflict(format!(
            "table {} is {}; close or move its order before taking it off the floor",
            table.name,
            table.status.as_str().replace('_', " ")
        )))
    }
}

/// Host names, IPv4 and bracketed IPv6 addresses, with an optional port: nothing that could
/// break out of a URL or smuggle a path into the code printed on a table.
pub const HOST_MAX: usize = 255;
pub const DEFAULT_HOST: &str = "comanda.local";

/// The guest page a table's QR code opens: `http://{host}/t/{token}`, `host` being the Host
/// header the manager's browser used (so it is an address guests' phones can reach too).
pub fn guest_url(host: Option<&str>, token: &str) -> Result<String, ApiError> {
    let host = host.map(str::trim).filter(|h| !h.is_empty()).unwrap_or(DEFAULT_HOST);
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | ':' | '-' | '[' | ']');
    if host.len() > HOST_MAX || !host.chars().all(allowed) {
        return Err(ApiError::bad_request(
            "the Host header must be a host name or address with an optional port (letters, digits, '.', ':', '-', '[', ']')",
        ));
    }
    Ok(format!("http://{host}/t/{token}"))
}

// ---- Status: how the orders' events move a table across the floor plan. ----

/// Free < Seated < Ordered < BillRequested: further along a meal is higher.
pub fn rank(status: TableStatus) -> u8 {
    match status {
        TableStatus::Free => 0,
        TableStatus::Seated => 1,
        TableStatus::Ordered => 2,
        TableStatus::BillRequested => 3,
    }
}

/// Where a table stands: its status, the order on it, and since when.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Occupancy {
    pub status: TableStatus,
    pub order_id: Option<OrderId>,
    pub since: OffsetDateTime,
}

impl Occupancy {
    /// `status` with `order_id` at `at`, keeping `self.since` if the status stays the same.
    fn becomes(&self, status: TableStatus, order_id: Option<OrderId>, at: OffsetDateTime) -> Occupancy {
        let since = if self.status == status { self.since } else { at };
        Occupancy { status, order_id, since }
    }
}

/// An event of the log, reduced to what the floor needs to know.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OrderFact {
    Opened { order_id: OrderId, table_id: TableId },
    Sent { order_id: OrderId },
    BillCreated { order_id: OrderId, table_id: TableId },
    Moved { order_id: OrderId, from: TableId, to: TableId, merged_into: Option<OrderId> },
    Closed { order_id: OrderId, table_id: TableId },
}

/// The part of `bill.created` the floor reads, by key (the billing service owns the rest).
#[derive(Deserialize)]
struct BillKeys {
    order_id: OrderId,
    table_id: TableId,
}

impl OrderFact {
    /// The fact in a logged event, or `Ok(None)` for events the floor does not follow.
    pub fn from_event(event_type: &str, data: &serde_json::Value) -> Result<Option<Self>, serde_json::Error> {
        let data = || data.clone();
        Ok(Some(match event_type {
            "order.opened" => {
                let e: OrderOpened = serde_json::from_value(data())?;
                OrderFact::Opened { order_id: e.order_id, table_id: e.table_id }
            }
            "order.sent" => {
                let e: OrderSent = serde_json::from_value(data())?;
                OrderFact::Sent { order_id: e.order_id }
            }
            "bill.created" => {
                let e: BillKeys = serde_json::from_value(data())?;
                OrderFact::BillCreated { order_id: e.order_id, table_id: e.table_id }
            }
            "order.moved" => {
                let e: OrderMoved = serde_json::from_value(data())?;
                OrderFact::Moved {
                    order_id: e.order_id,
                    from: e.from_table_id,
                    to: e.to_table_id,
                    merged_into: e.merged_into,
                }
            }
            "order.closed" => {
                let e: OrderClosed = serde_json::from_value(data())?;
                OrderFact::Closed { order_id: e.order_id, table_id: e.table_id }
            }
            _ => return Ok(None),
        }))
    }
}

/// What the rules may look at: each table's occupancy, and which table holds an order.
pub trait Floor {
    type Error;
    fn occupancy(&self, table: TableId) -> Result<Option<Occupancy>, Self::Error>;
    fn holder(&self, order: OrderId) -> Result<Option<TableId>, Self::Error>;
}

/// The tables `fact` (logged at `at`) changes, each with its new occupancy, in order.
/// Tables the floor does not know are skipped; unchanged tables are left out.
///
/// - `order.opened`: the table is seated with that order.
/// - `order.sent`: the table holding the order goes seated → ordered (a bill stays requested).
/// - `bill.created`: the table holding the order (or, if none does, the bill's table) has its
///   bill requested.
/// - `order.moved`: the old table is freed. Without a merge the new table takes over the order,
///   its status and its "since"; merged, the new table keeps the merged-into order with the
///   further-along of the two statuses.
/// - `order.closed`: the table holding the order is freed.
pub fn transitions<F: Floor>(
    fact: &OrderFact,
    at: OffsetDateTime,
    floor: &F,
) -> Result<Vec<(TableId, Occupancy)>, F::Error> {
    use TableStatus::*;
    let mut changes = Changes::default();
    match *fact {
        OrderFact::Opened { order_id, table_id } => {
            if let Some(now) = floor.occupancy(table_id)? {
                changes.set(table_id, now, now.becomes(Seated, Some(order_id), at));
            }
        }
        OrderFact::Sent { order_id } => {
            if let Some((table, now)) = held(floor, order_id)?
                && now.status == Seated
            {
                changes.set(table, now, now.becomes(Ordered, now.order_id, at));
            }
        }
        OrderFact::BillCreated { order_id, table_id } => {
            let table = floor.holder(order_id)?.unwrap_or(table_id);
            if let Some(now) = floor.occupancy(table)? {
                changes.set(table, now, now.becomes(BillRequested, Some(order_id), at));
            }
        }
        OrderFact::Moved { order_id, from, to, merged_into } => {
            let old = floor.occupancy(from)?;
            let new = floor.occupancy(to)?;
            // An open order is at least seated, even if this floor missed its opening.
            let carried = match old {
                Some(o) if rank(o.status) >= rank(Seated) => (o.status, o.since),
                _ => (Seated, at),
            };
            if let Some(old) = old {
                changes.set(from, old, old.becomes(Free, None, at));
            }
            if let Some(new) = new {
                let next = match merged_into {
                    None => Occupancy { status: carried.0, order_id: Some(order_id), since: carried.1 },
                    Some(kept) if rank(carried.0) > rank(new.status) => {
                        Occupancy { status: carried.0, order_id: Some(kept), since: carried.1 }
                    }
                    Some(kept) => Occupancy { order_id: Some(kept), ..new },
                };
                changes.set(to, new, next);
            }
        }
        OrderFact::Closed { order_id, .. } => {
            if let Some((table, now)) = held(floor, order_id)? {
                changes.set(table, now, now.becomes(Free, None, at));
            }
        }
    }
    Ok(changes.into_changed())
}

fn held<F: Floor>(floor: &F, order: OrderId) -> Result<Option<(TableId, Occupancy)>, F::Error> {
    let Some(table) = floor.holder(order)? else {
        return Ok(None);
    };
    Ok(floor.occupancy(table)?.map(|o| (table, o)))
}

/// Per table: where it was before the fact and where it ends up (the last word wins).
#[derive(Default)]
struct Changes(Vec<(TableId, Occupancy, Occupancy)>);

impl Changes {
    fn set(&mut self, table: TableId, before: Occupancy, after: Occupancy) {
        match self.0.iter_mut().find(|(t, _, _)| *t == table) {
            Some(entry) => entry.2 = after,
            None => self.0.push((table, before, after)),
        }
    }

    fn into_changed(self) -> Vec<(TableId, Occupancy)> {
        self.0.into_iter().filter(|(_, before, after)| before != after).map(|(t, _, after)| (t, after)).collect()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::convert::Infallible;

    use super::*;
    use time::macros::datetime;

    #[test]
    fn table_input_is_validated_field_by_field() {
        let area = AreaId::new();
        let base = NewTable {
            name: " T1 ".into(),
            area_id: area,
            seats: 4,
            shape: None,
            x: None,
            y: None,
            width: None,
            height: None,
        };
        let ok = base.validate().expect("valid");
        assert_eq!(
            ok,
            Layout {
                name: "T1".into(),
                area_id: area,
                seats: 4,
                shape: Shape::Square,
                x: 0,
                y: 0,
                width: 100,
                height: 100
            }
        );
        let rect = NewTable { shape: Some(Shape::Rectangle), ..base.clone() }.validate().expect("valid");
        assert_eq!((rect.width, rect.height), (200, 100));

        // (change to the valid body, Ok or the start of the message)
        type Row = (fn(&mut NewTable), Result<(), &'static str>);
        let table: [Row; 13] = [
            (|t| t.name = String::new(), Err("name must not be empty")),
            (|t| t.name = "   ".into(), Err("name must not be empty")),
            (|t| t.name = "x".repeat(50), Ok(())),
            (|t| t.name = "x".repeat(51), Err("name must be at most 50")),
            (|t| t.name = "T\n1".into(), Err("name must not contain control")),
            (|t| t.seats = 0, Err("seats must be between 1 and 50")),
            (|t| t.seats = 50, Ok(())),
            (|t| t.seats = 51, Err("seats must be between 1 and 50")),
            (|t| t.seats = -3, Err("seats must be between 1 and 50")),
            (|t| t.x = Some(-1), Err("x must be between 0 and 10000")),
            (|t| t.y = Some(10_000), Ok(())),
            (|t| t.width = Some(10_001), Err("width must be between 0 and 10000")),
            (|t| t.height = Some(i64::MAX), Err("height must be between 0 and 10000")),
        ];
        for (i, (change, expected)) in table.into_iter().enumerate() {
            let mut body = base.clone();
            change(&mut body);
            match (body.validate(), expected) {
                (Ok(_), Ok(())) => {}
                (Err(e), Err(start)) => {
                    assert_eq!(e.status().as_u16(), 422, "row {i}");
                    assert!(e.message().starts_with(start), "row {i}: {}", e.message());
                }
                (got, want) => panic!("row {i}: got {got:?}, want {want:?}"),
            }
        }
    }

    #[test]
    fn changes_validate_and_apply_only_what_is_given() {
        let t = Table {
            id: TableId::new(),
            name: "T1".into(),
            area_id: AreaId::new(),
            seats: 4,
            shape: Shape::Round,
            x: 10,
            y: 20,
            width: 100,
            height: 100,
            active: true,
            status: TableStatus::Free,
            order_id: None,
            status_since: datetime!(2026-11-21 18:00 UTC),
        };
        let none = TableChanges::default().validate().expect("valid");
        assert_eq!(none.apply_to(&t).0.name, "T1");
        let some = TableChanges { name: Some(" T2 ".into()), x: Some(500), active: Some(false), ..Default::default() }
            .validate()
            .expect("valid");
        let (layout, active) = some.apply_to(&t);
        assert_eq!((layout.name.as_str(), layout.x, layout.y, active), ("T2", 500, 20, false));
        for bad in [
            TableChanges { seats: Some(0), ..Default::default() },
            TableChanges { name: Some(String::new()), ..Default::default() },
            TableChanges { y: Some(-5), ..Default::default() },
        ] {
            assert_eq!(bad.validate().expect_err("invalid").status().as_u16(), 422, "{bad:?}");
        }
        assert!(AreaChanges { position: Some(10_001), ..Default::default() }.validate().is_err());
        assert!(NewArea { name: "Terrace".into(), position: Some(-1) }.validate().is_err());
        assert_eq!(
            NewArea { name: " Terrace ".into(), position: None }.validate().expect("valid"),
            AreaInput { name: "Terrace".into(), position: None }
        );
    }

    #[test]
    fn only_free_tables_leave_the_floor() {
        use TableStatus::*;
        let mut t = Table {
            id: TableId::new(),
            name: "T1".into(),
            area_id: AreaId::new(),
            seats: 2,
            shape: Shape::Square,
            x: 0,
            y: 0,
            width: 100,
            height: 100,
            active: true,
            status: Free,
            order_id: None,
            status_since: datetime!(2026-11-21 18:00 UTC),
        };
        for (status, ok) in [(Free, true), (Seated, false), (Ordered, false), (BillRequested, false)] {
            t.status = status;
            let got = may_deactivate(&t);
            assert_eq!(got.is_ok(), ok, "{status:?}");
            if let Err(e) = got {
                assert_eq!(e.status().as_u16(), 409);
            }
        }
    }

    #[test]
    fn names_compare_without_case() {
        for (a, b, same) in
            [("Terrace", "terrace", true), ("ÉTÉ", "été", true), (" T1", "t1 ", true), ("T1", "T2", false)]
        {
            assert_eq!(name_key(a) == name_key(b), same, "{a:?} vs {b:?}");
        }
        assert_eq!(Shape::parse("rectangle"), Some(Shape::Rectangle));
        assert_eq!(Shape::parse("oval"), None);
        assert_eq!(parse_status("bill_requested"), Some(TableStatus::BillRequested));
    }

    #[test]
    fn guest_urls_use_a_clean_host() {
        // (Host header, Ok(url) or Err)
        let table: [(Option<&str>, Result<&str, ()>); 10] = [
            (None, Ok("http://comanda.local/t/tok")),
            (Some(""), Ok("http://comanda.local/t/tok")),
            (Some("192.168.1.20:8080"), Ok("http://192.168.1.20:8080/t/tok")),
            (Some("[fe80::1]:80"), Ok("http://[fe80::1]:80/t/tok")),
            (Some("box-1.local"), Ok("http://box-1.local/t/tok")),
            (Some("evil.com/x?"), Err(())),
            (Some("a b"), Err(())),
            (Some("user@host"), Err(())),
            (Some("ho<st>"), Err(())),
            (Some("xn--bcher-kva.example:"), Ok("http://xn--bcher-kva.example:/t/tok")),
        ];
        for (host, expected) in table {
            match (guest_url(host, "tok"), expected) {
                (Ok(url), Ok(want)) => assert_eq!(url, want),
                (Err(e), Err(())) => assert_eq!(e.status().as_u16(), 400, "{host:?}"),
                (got, want) => panic!("{host:?}: got {got:?}, want {want:?}"),
            }
        }
        assert!(guest_url(Some(&"a".repeat(256)), "tok").is_err());
    }

    /// A floor in memory: tables and their occupancy.
    struct Mem(BTreeMap<TableId, Occupancy>);

    impl Floor for Mem {
        type Error = Infallible;
        fn occupancy(&self, table: TableId) -> Result<Option<Occupancy>, Infallible> {
            Ok(self.0.get(&table).copied())
        }
        fn holder(&self, order: OrderId) -> Result<Option<TableId>, Infallible> {
            Ok(self.0.iter().find(|(_, o)| o.order_id == Some(order)).map(|(t, _)| *t))
        }
    }

    #[test]
    fn orders_move_tables_through_their_states() {
        use TableStatus::*;
        let t0 = datetime!(2026-11-21 19:00 UTC);
        let at = datetime!(2026-11-21 20:00 UTC);
        let (a, b, unknown) = (TableId::new(), TableId::new(), TableId::new());
        let (o1, o2) = (OrderId::new(), OrderId::new());
        let occ = |status, order: Option<OrderId>| Occupancy { status, order_id: order, since: t0 };
        let free = occ(Free, None);
        let now = |status, order: Option<OrderId>| Occupancy { status, order_id: order, since: at };

        // (what happens, tables a and b before, the fact, changes expected)
        type Row = (&'static str, [Occupancy; 2], OrderFact, Vec<(TableId, Occupancy)>);
        let rows: Vec<Row> = vec![
            (
                "open seats a",
                [free, free],
                OrderFact::Opened { order_id: o1, table_id: a },
                vec![(a, now(Seated, Some(o1)))],
            ),
            ("open on an unknown table", [free, free], OrderFact::Opened { order_id: o1, table_id: unknown }, vec![]),
            (
                "send: seated → ordered",
                [occ(Seated, Some(o1)), free],
                OrderFact::Sent { order_id: o1 },
                vec![(a, now(Ordered, Some(o1)))],
            ),
            ("send again: stays ordered", [occ(Ordered, Some(o1)), free], OrderFact::Sent { order_id: o1 }, vec![]),
            (
                "send after the bill: stays",
                [occ(BillRequested, Some(o1)), free],
                OrderFact::Sent { order_id: o1 },
                vec![],
            ),
            ("send of an order no table holds", [free, free], OrderFact::Sent { order_id: o1 }, vec![]),
            (
                "bill requested",
                [occ(Ordered, Some(o1)), free],
                OrderFact::BillCreated { order_id: o1, table_id: a },
                vec![(a, now(BillRequested, Some(o1)))],
            ),
            (
                "second bill of a split: no change",
                [occ(BillRequested, Some(o1)), free],
                OrderFact::BillCreated { order_id: o1, table_id: a },
                vec![],
            ),
            (
                "bill follows the order to the table holding it",
                [free, occ(Ordered, Some(o1))],
                OrderFact::BillCreated { order_id: o1, table_id: a },
                vec![(b, now(BillRequested, Some(o1)))],
            ),
            (
                "move: b takes over the order, status and time",
                [occ(Ordered, Some(o1)), free],
                OrderFact::Moved { order_id: o1, from: a, to: b, merged_into: None },
                vec![(a, now(Free, None)), (b, occ(Ordered, Some(o1)))],
            ),
            (
                "merge into a table further along keeps its status",
                [occ(Seated, Some(o1)), occ(BillRequested, Some(o2))],
                OrderFact::Moved { order_id: o1, from: a, to: b, merged_into: Some(o2) },
                vec![(a, now(Free, None))],
            ),
            (
                "merge from a table further along takes its status",
                [occ(Ordered, Some(o1)), occ(Seated, Some(o2))],
                OrderFact::Moved { order_id: o1, from: a, to: b, merged_into: Some(o2) },
                vec![(a, now(Free, None)), (b, occ(Ordered, Some(o2)))],
            ),
            (
                "move onto the same table changes nothing",
                [occ(Ordered, Some(o1)), free],
                OrderFact::Moved { order_id: o1, from: a, to: a, merged_into: None },
                vec![],
            ),
            (
                "move of an order the floor missed: at least seated",
                [free, free],
                OrderFact::Moved { order_id: o1, from: a, to: b, merged_into: None },
                vec![(b, now(Seated, Some(o1)))],
            ),
            (
                "close frees the table",
                [occ(BillRequested, Some(o1)), free],
                OrderFact::Closed { order_id: o1, table_id: a },
                vec![(a, now(Free, None))],
            ),
            (
                "close of a merged-away order frees nothing",
                [free, occ(Ordered, Some(o2))],
                OrderFact::Closed { order_id: o1, table_id: a },
                vec![],
            ),
        ];
        for (what, [before_a, before_b], fact, expected) in rows {
            let floor = Mem(BTreeMap::from([(a, before_a), (b, before_b)]));
            let Ok(got) = transitions(&fact, at, &floor);
            assert_eq!(got, expected, "{what}");
            for (_, o) in &got {
                assert_eq!(o.status == Free, o.order_id.is_none(), "{what}: free exactly when no order");
            }
        }
    }

    #[test]
    fn statuses_rank_along_the_meal() {
        use TableStatus::*;
        let order = [Free, Seated, Ordered, BillRequested];
        for pair in order.windows(2) {
            assert!(rank(pair[0]) < rank(pair[1]), "{pair:?}");
        }
    }

    #[test]
    fn facts_are_read_from_logged_events() {
        let order = OrderId::new();
        let table = TableId::new();
        let bill = serde_json::json!({"bill_id": "x", "order_id": order, "table_id": table, "total": 1200});
        assert_eq!(
            OrderFact::from_event("bill.created", &bill).expect("readable"),
            Some(OrderFact::BillCreated { order_id: order, table_id: table })
        );
        let closed = serde_json::json!({"order_id": order, "table_id": table});
        assert_eq!(
            OrderFact::from_event("order.closed", &closed).expect("readable"),
            Some(OrderFact::Closed { order_id: order, table_id: table })
        );
        assert_eq!(OrderFact::from_event("ticket.bumped", &closed).expect("ignored"), None);
        assert!(OrderFact::from_event("bill.created", &serde_json::json!({"order_id": order})).is_err());
    }
}
