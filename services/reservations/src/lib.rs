//! Reservations: bookings (name, phone, email, party, time, duration, table or area, notes),
//! availability by quarter-hour slot from the tables' seats and the bookings already taken, no
//! table ever booked twice at once, seating a booking (which opens its order), no-shows, and
//! the walk-in waiting list with a quoted wait.
//!
//! Owns `reservations` and `waitlist`. Reads tables through `comanda_tables::active_tables`
//! and opens orders through `comanda_orders::Orders::open`, inside its own transactions.
//! Every change is an event (`reservation.*`, `waitlist.*`): the notifications service sends
//! the confirmation and the reminder from them.

pub mod api;
pub mod model;
mod sql;

use std::collections::HashMap;

use axum::extract::FromRef;
use comanda_api::ApiError;
use comanda_domain::{Event, TableId};
use comanda_staff::{Auth, AuthStaff};
use comanda_store::rusqlite::Connection;
use comanda_store::{Migration, Migrations, Store, StoreError, WriteTx};
use comanda_tables::TableInfo;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use serde::Serialize;
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

pub use api::router;
use model::{Booking, NewReservation, NewWaitlistEntry, Reservation, ReservationChanges, Status, WaitlistEntry};

pub const MIGRATIONS: Migrations = Migrations {
    service: "reservations",
    steps: &[Migration { version: 1, name: "init", sql: include_str!("../migrations/0001_init.sql") }],
};

#[derive(Clone, Debug)]
pub struct Reservations {
    store: Store,
    auth: Auth,
}

impl FromRef<Reservations> for Auth {
    fn from_ref(r: &Reservations) -> Auth {
        r.auth.clone()
    }
}

/// One slot of a day: the tables free for the whole stay.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Slot {
    /// Local time, `HH:MM`.
    pub time: String,
    #[serde(with = "time::serde::rfc3339")]
    pub starts_at: OffsetDateTime,
    pub tables: Vec<FreeTable>,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct FreeTable {
    pub id: TableId,
    pub name: String,
    pub seats: u32,
}

fn tz_in(conn: &Connection) -> Result<TimeZone, ApiError> {
    let settings = comanda_site::settings_in(conn)?
        .ok_or_else(|| ApiError::conflict("this box is not set up yet; run first-start setup"))?;
    TimeZone::get(&settings.timezone).map_err(|_| ApiError::conflict("the site's time zone is unknown to this box"))
}

fn not_found() -> ApiError {
    ApiError::not_found("no such reservation")
}

/// The local day `date` as instants `[start, next day's start)`.
fn day_bounds(date: Date, tz: &TimeZone) -> Result<(OffsetDateTime, OffsetDateTime), ApiError> {
    let at = |d: Date| -> Result<OffsetDateTime, ApiError> {
        let ts = d.to_zoned_datetime(tz.clone()).map_err(|_| ApiError::validation("date is out of range"))?.timestamp();
        OffsetDateTime::from_unix_timestamp_nanos(ts.as_nanosecond())
            .map_err(|_| ApiError::validation("date is out of range"))
    };
    let next = date.tomorrow().map_err(|_| ApiError::validation("date is out of range"))?;
    Ok((at(date)?, at(next)?))
}

pub fn parse_date(raw: &str) -> Result<Date, ApiError> {
    let ok = raw.len() == 10 && raw.as_bytes()[4] == b'-' && raw.as_bytes()[7] == b'-';
    ok.then(|| raw.parse::<Date>().ok())
        .flatten()
        .filter(|d| (2000..=2200).contains(&d.year()))
        .ok_or_else(|| ApiError::bad_request("date must be a day like 2026-11-21"))
}

/// Whether `table` is held by a booking (other than `except`) at some moment of `[start, end)`.
fn held(
    conn: &Connection,
    table: TableId,
    start: OffsetDateTime,
    end: OffsetDateTime,
    except: Option<Uuid>,
) -> Result<Option<Reservation>, StoreError> {
    Ok(sql::holding(conn, start, end)?.into_iter().find(|r| r.table_id == Some(table) && Some(r.id) != except))
}

fn hh_mm(at: OffsetDateTime, tz: &TimeZone) -> String {
    jiff::Timestamp::from_nanosecond(at.unix_timestamp_nanos())
        .map(|t| t.to_zoned_datetime(tz.clone()).strftime("%H:%M").to_string())
        .unwrap_or_default()
}

impl Reservations {
    pub fn new(store: Store, auth: Auth) -> Self {
        Self { store, auth }
    }

    /// Places `booking` on a table: the one asked for (it must seat the party and be free), or
    /// the smallest free one that fits. 409 names what is in the way.
    fn place(
        conn: &Connection,
        booking: &Booking,
        wanted: Option<TableId>,
        area: Option<comanda_domain::AreaId>,
        except: Option<Uuid>,
        tz: &TimeZone,
    ) -> Result<TableInfo, ApiError> {
        let tables = comanda_tables::active_tables(conn)?;
        let end = model::ends_at(booking.starts_at, booking.duration_minutes);
        match wanted {
            Some(id) => {
                let table = tables.iter().find(|t| t.id == id).ok_or_else(|| ApiError::validation("no such table"))?;
                if table.seats < booking.party_size {
                    return Err(ApiError::validation(format!(
                        "{} seats {}, not {}",
                        table.name, table.seats, booking.party_size
                    )));
                }
                if let Some(other) = held(conn, id, booking.starts_at, end, except)? {
                    return Err(ApiError::conflict(format!(
                        "{} is booked {}–{} ({})",
                        table.name,
                        hh_mm(other.starts_at, tz),
                        hh_mm(other.ends_at, tz),
                        other.name
                    )));
                }
                Ok(table.clone())
            }
            None => {
                let holding = sql::holding(conn, booking.starts_at, end)?;
                let free = |t: &TableInfo| !holding.iter().any(|r| r.table_id == Some(t.id) && Some(r.id) != except);
                model::fitting_table(&tables, booking.party_size, area, free).cloned().ok_or_else(|| {
                    ApiError::conflict(format!(
                        "no table is free for {} at {}: choose another time",
                        booking.party_size,
                        hh_mm(booking.starts_at, tz)
                    ))
                })
            }
        }
    }

    /// Books, in the caller's transaction (the idempotent create).
    pub fn create(tx: &mut WriteTx<'_>, who: &AuthStaff, new: &NewReservation) -> Result<Reservation, ApiError> {
        let tz = tz_in(tx.conn())?;
        let booking = model::validate_new(new, &tz, tx.now())?;
        let table = Self::place(tx.conn(), &booking, new.table_id, new.area_id, None, &tz)?;
        let r = booked(Uuid::now_v7(), booking, table);
        let now = tx.now();
        sql::upsert(tx.conn(), &r, now)?;
        tx.append(who.actor(), Event::ReservationCreated(r.event()))?;
        Ok(r)
    }

    fn named(conn: &Connection, mut r: Reservation) -> Result<Reservation, StoreError> {
        if let Some(id) = r.table_id {
            r.table_name = comanda_tables::table(conn, id)?.map(|t| t.name);
        }
        Ok(r)
    }

    pub async fn get(&self, id: Uuid) -> Result<Reservation, ApiError> {
        self.store.read(move |c| sql::get(c, id)?.map(|r| Self::named(c, r)).transpose()).await?.ok_or_else(not_found)
    }

    /// The local day's book, by time.
    pub async fn day(&self, date: Date) -> Result<Vec<Reservation>, ApiError> {
        self.store
            .read(move |c| {
                let tz = tz_in(c)?;
                let (from, to) = day_bounds(date, &tz)?;
                let names: HashMap<TableId, String> =
                    comanda_tables::active_tables(c)?.into_iter().map(|t| (t.id, t.name)).collect();
                let mut rows = sql::between(c, from, to)?;
                for r in &mut rows {
                    r.table_name = r.table_id.and_then(|t| names.get(&t).cloned());
                }
                Ok::<_, ApiError>(rows)
            })
            .await
    }

    /// The day's slots with the tables free for a party of `party` staying `duration` minutes.
    pub async fn availability(&self, date: Date, party: u32, duration: u32) -> Result<Vec<Slot>, ApiError> {
        let now = self.store.clock().now();
        self.store
            .read(move |c| {
                let tz = tz_in(c)?;
                let (from, to) = day_bounds(date, &tz)?;
                let tables = comanda_tables::active_tables(c)?;
                let holding = sql::holding(c, from, to + time::Duration::minutes(i64::from(duration)))?;
                let mut out = Vec::new();
                for (label, start) in model::slots(date, &tz) {
                    if start < now {
                        continue;
                    }
                    let end = model::ends_at(start, duration);
                    let mut free: Vec<FreeTable> = tables
                        .iter()
                        .filter(|t| t.seats >= party)
                        .filter(|t| !holding.iter().any(|r| r.table_id == Some(t.id) && r.overlaps(start, end)))
                        .map(|t| FreeTable { id: t.id, name: t.name.clone(), seats: t.seats })
                        .collect();
                    free.sort_by(|a, b| a.seats.cmp(&b.seats).then_with(|| a.name.cmp(&b.name)));
                    out.push(Slot { time: label, starts_at: start, tables: free });
                }
                Ok::<_, ApiError>(out)
            })
            .await
    }

    /// Changes a booking that is still `booked`, keeping its table when it still seats the party
    /// and is free then.
    pub async fn update(&self, who: AuthStaff, id: Uuid, changes: ReservationChanges) -> Result<Reservation, ApiError> {
        self.store
            .write(move |tx| {
                let tz = tz_in(tx.conn())?;
                let current = sql::get(tx.conn(), id)?.ok_or_else(not_found)?;
                if current.status != Status::Booked {
                    return Err(ApiError::conflict(format!(
                        "this booking is {}; it cannot change",
                        current.status.as_str()
                    )));
                }
                let booking = changes.apply(&current, &tz, tx.now())?;
                // Its table, while it still seats the party; else the smallest free one that does.
                let tables = comanda_tables::active_tables(tx.conn())?;
                let still_fits = |id: TableId| tables.iter().any(|t| t.id == id && t.seats >= booking.party_size);
                let wanted = changes.table_id.or(current.table_id.filter(|id| still_fits(*id)));
                let table = Self::place(tx.conn(), &booking, wanted, current.area_id, Some(id), &tz)?;
                // Only a booking still `booked` changes: it has no order yet.
                let r = booked(current.id, booking, table);
                let now = tx.now();
                sql::upsert(tx.conn(), &r, now)?;
                tx.append(who.actor(), Event::ReservationModified(r.event()))?;
                Ok(r)
            })
            .await
    }

    /// Cancels, marks a no-show, or seats (opening the order on its table), in one transaction.
    pub async fn transition(&self, who: AuthStaff, id: Uuid, to: Status) -> Result<Reservation, ApiError> {
        self.store
            .write(move |tx| {
                let current = sql::get(tx.conn(), id)?.ok_or_else(not_found)?;
                if current.status != Status::Booked {
                    return Err(ApiError::conflict(format!("this booking is already {}", current.status.as_str())));
                }
                let mut r = Self::named(tx.conn(), current)?;
                let event = match to {
                    Status::Cancelled => {
                        r.status = Status::Cancelled;
                        Event::ReservationCancelled(r.event())
                    }
                    Status::NoShow => {
                        if tx.now() < r.starts_at {
                            return Err(ApiError::conflict(
                                "the booking's time has not come yet; a no-show is marked after it",
                            ));
                        }
                        r.status = Status::NoShow;
                        Event::ReservationNoShow(r.event())
                    }
                    Status::Seated => {
                        let table = r.table_id.ok_or_else(|| ApiError::conflict("give the booking a table first"))?;
                        if comanda_orders::open_order_on_table(tx.conn(), table)?.is_some() {
                            return Err(ApiError::conflict(format!(
                                "{} is still occupied: seat them at another table (change the booking's table)",
                                r.table_name.as_deref().unwrap_or("the table")
                            )));
                        }
                        let order = comanda_orders::Orders::open(tx, &who, table, r.party_size)?;
                        r.status = Status::Seated;
                        r.order_id = Some(order.id);
                        Event::ReservationSeated(r.event())
                    }
                    Status::Booked => return Err(ApiError::validation("a booking cannot be made booked again")),
                };
                let now = tx.now();
                sql::upsert(tx.conn(), &r, now)?;
                tx.append(who.actor(), event)?;
                Ok(r)
            })
            .await
    }

    pub async fn waitlist(&self) -> Result<Vec<WaitlistEntry>, ApiError> {
        Ok(self.store.read(sql::waiting).await?)
    }

    /// Adds a walk-in, quoting a wait from the tables, the book and who is seated now.
    pub fn add_walk_in(
        tx: &mut WriteTx<'_>,
        who: &AuthStaff,
        new: &NewWaitlistEntry,
    ) -> Result<WaitlistEntry, ApiError> {
        let name = comanda_api::validate::text("name", &new.name, 1, model::NAME_MAX)?;
        let phone = model::phone(new.phone.as_deref())?;
        let party = model::party(new.party_size)?;
        let now = tx.now();
        let quoted = match new.quoted_minutes {
            Some(q) => u32::try_from(comanda_api::validate::range("quoted_minutes", q, 0, 240)?).unwrap_or(0),
            None => {
                let tables = comanda_tables::active_tables(tx.conn())?;
                let holding = sql::holding(tx.conn(), now, now + time::Duration::hours(6))?;
                let mut occupied = Vec::new();
                for t in &tables {
                    if comanda_orders::open_order_on_table(tx.conn(), t.id)?.is_some() {
                        occupied.push(t.id);
                    }
                }
                // A party already at a table is expected to stay about 45 minutes more.
                let busy_until = now + time::Duration::minutes(45);
                model::quote(&tables, party, now, 90, |t, s, e| {
                    (occupied.contains(&t.id) && s < busy_until)
                        || holding.iter().any(|r| r.table_id == Some(t.id) && r.overlaps(s, e))
                })
                .ok_or_else(|| ApiError::conflict(format!("no table for {party} in the next three hours")))?
            }
        };
        let entry = WaitlistEntry {
            id: Uuid::now_v7(),
            name,
            phone,
            party_size: party,
            quoted_minutes: quoted,
            added_at: comanda_store::truncate_to_micros(now),
            status: "waiting".into(),
        };
        sql::upsert_entry(tx.conn(), &entry)?;
        tx.append(who.actor(), Event::WaitlistAdded(entry_event(&entry)))?;
        Ok(entry)
    }

    /// A walk-in was seated or left.
    pub async fn close_walk_in(&self, who: AuthStaff, id: Uuid, status: String) -> Result<WaitlistEntry, ApiError> {
        if !matches!(status.as_str(), "seated" | "left") {
            return Err(ApiError::validation("status must be seated or left"));
        }
        self.store
            .write(move |tx| {
                let mut e = sql::entry_by_id(tx.conn(), id)?.ok_or_else(|| ApiError::not_found("no such walk-in"))?;
                if e.status != "waiting" {
                    return Err(ApiError::conflict(format!("this walk-in has already {}", e.status)));
                }
                e.status = status;
                sql::upsert_entry(tx.conn(), &e)?;
                tx.append(who.actor(), Event::WaitlistUpdated(entry_event(&e)))?;
                Ok(e)
            })
            .await
    }
}

/// A `booked` reservation of `booking` on `table`.
fn booked(id: Uuid, booking: Booking, table: TableInfo) -> Reservation {
    Reservation {
        id,
        ends_at: model::ends_at(booking.starts_at, booking.duration_minutes),
        name: booking.name,
        phone: booking.phone,
        email: booking.email,
        party_size: booking.party_size,
        starts_at: booking.starts_at,
        duration_minutes: booking.duration_minutes,
        table_id: Some(table.id),
        table_name: Some(table.name),
        area_id: Some(table.area_id),
        notes: booking.notes,
        status: Status::Booked,
        order_id: None,
        locale: booking.locale,
    }
}

fn entry_event(e: &WaitlistEntry) -> comanda_domain::WaitlistChanged {
    comanda_domain::WaitlistChanged {
        entry_id: e.id,
        name: e.name.clone(),
        phone: e.phone.clone(),
        party_size: e.party_size,
        quoted_minutes: e.quoted_minutes,
        added_at: e.added_at.format(&time::format_description::well_known::Rfc3339).unwrap_or_default(),
        status: e.status.clone(),
    }
}
