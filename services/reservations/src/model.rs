//! Bookings' rules, pure and I/O-free: valid input, when two bookings of a table overlap,
//! which table fits a party, the time slots of a day and the wait quoted to a walk-in.

use comanda_api::{ApiError, validate};
use comanda_domain::{AreaId, OrderId, ReservationChanged, TableId};
use comanda_tables::TableInfo;
use jiff::civil::{Date, Time};
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use utoipa::ToSchema;
use uuid::Uuid;

pub const NAME_MAX: usize = 80;
pub const NOTES_MAX: usize = 500;
pub const PARTY_MAX: i64 = 50;
pub const DURATION_DEFAULT: u32 = 120;
/// Slots of the day's book: every quarter hour from opening to the last seating.
pub const SLOT_MINUTES: i64 = 15;
pub const FIRST_SLOT: (i8, i8) = (11, 0);
pub const LAST_SLOT: (i8, i8) = (22, 30);
/// A booking may start a little in the past (a walk-in written down as it sits).
pub const PAST_GRACE_MINUTES: i64 = 15;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Booked,
    Seated,
    Cancelled,
    NoShow,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Booked => "booked",
            Status::Seated => "seated",
            Status::Cancelled => "cancelled",
            Status::NoShow => "no_show",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Status::Booked, Status::Seated, Status::Cancelled, Status::NoShow].into_iter().find(|x| x.as_str() == s)
    }

    /// Whether the booking still holds its table.
    pub fn holds_table(self) -> bool {
        matches!(self, Status::Booked | Status::Seated)
    }
}

/// A booking as the book shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Reservation {
    #[schema(value_type = String, format = Uuid)]
    pub id: Uuid,
    pub name: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub party_size: u32,
    /// RFC 3339, UTC.
    #[serde(with = "time::serde::rfc3339")]
    pub starts_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub ends_at: OffsetDateTime,
    pub duration_minutes: u32,
    pub table_id: Option<TableId>,
    pub table_name: Option<String>,
    pub area_id: Option<AreaId>,
    pub notes: Option<String>,
    pub status: Status,
    /// The order opened when the party was seated.
    pub order_id: Option<OrderId>,
    /// `en` or `fr`: the guest's messages.
    pub locale: String,
}

impl Reservation {
    pub fn event(&self) -> ReservationChanged {
        ReservationChanged {
            reservation_id: self.id,
            name: self.name.clone(),
            phone: self.phone.clone(),
            email: self.email.clone(),
            party_size: self.party_size,
            starts_at: self.starts_at.format(&Rfc3339).unwrap_or_default(),
            duration_minutes: self.duration_minutes,
            table_id: self.table_id,
            table_name: self.table_name.clone(),
            area_id: self.area_id,
            notes: self.notes.clone(),
            status: self.status.as_str().to_owned(),
            order_id: self.order_id,
            locale: self.locale.clone(),
        }
    }

    /// Whether it holds its table at any moment of `[start, end)`.
    pub fn overlaps(&self, start: OffsetDateTime, end: OffsetDateTime) -> bool {
        self.status.holds_table() && self.starts_at < end && start < self.ends_at
    }
}

#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewReservation {
    pub name: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub party_size: i64,
    /// RFC 3339 (`2026-11-21T20:00:00+01:00`), or local time `2026-11-21T20:00`.
    pub starts_at: String,
    /// Default 120.
    pub duration_minutes: Option<i64>,
    /// A table; without one the smallest free table that fits is chosen (in `area_id` if given).
    pub table_id: Option<TableId>,
    pub area_id: Option<AreaId>,
    pub notes: Option<String>,
    /// `en` (default) or `fr`.
    pub locale: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReservationChanges {
    pub name: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub party_size: Option<i64>,
    pub starts_at: Option<String>,
    pub duration_minutes: Option<i64>,
    pub table_id: Option<TableId>,
    pub notes: Option<String>,
    pub locale: Option<String>,
}

/// Validated input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Booking {
    pub name: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub party_size: u32,
    pub starts_at: OffsetDateTime,
    pub duration_minutes: u32,
    pub notes: Option<String>,
    pub locale: String,
}

pub fn phone(v: Option<&str>) -> Result<Option<String>, ApiError> {
    let p = validate::optional_text("phone", v, 30)?;
    if let Some(p) = &p
        && (!p.chars().all(|c| c.is_ascii_digit() || " +-().".contains(c))
            || p.chars().filter(char::is_ascii_digit).count() < 6)
    {
        return Err(ApiError::validation("phone must be a phone number like +33 6 12 34 56 78"));
    }
    Ok(p)
}

pub fn email(v: Option<&str>) -> Result<Option<String>, ApiError> {
    let e = validate::optional_text("email", v, 254)?;
    if let Some(e) = &e {
        let ok = e.split_once('@').is_some_and(|(user, host)| {
            !user.is_empty() && host.contains('.') && !host.starts_with('.') && !host.ends_with('.')
        }) && !e.contains(char::is_whitespace)
            && !e.contains(['<', '>', ',', ';', '"']);
        if !ok {
            return Err(ApiError::validation("email must be an address like anna@example.com"));
        }
    }
    Ok(e)
}

fn locale(v: Option<&str>) -> Result<String, ApiError> {
    match v.map(str::trim).unwrap_or("en") {
        l @ ("en" | "fr") => Ok(l.to_owned()),
        _ => Err(ApiError::validation("locale must be en or fr")),
    }
}

/// `raw` as an instant: RFC 3339 as written, or a local `YYYY-MM-DDTHH:MM` in `tz`.
pub fn instant(field: &str, raw: &str, tz: &TimeZone) -> Result<OffsetDateTime, ApiError> {
    let raw = raw.trim();
    if let Ok(at) = OffsetDateTime::parse(raw, &Rfc3339) {
        return Ok(at);
    }
    let bad = || ApiError::validation(format!("{field} must be a time like 2026-11-21T20:00 (local) or RFC 3339"));
    let civil: jiff::civil::DateTime = raw.parse().map_err(|_| bad())?;
    let ts = civil.to_zoned_datetime(tz.clone()).map_err(|_| bad())?.timestamp();
    OffsetDateTime::from_unix_timestamp_nanos(ts.as_nanosecond()).map_err(|_| bad())
}

pub fn validate_new(n: &NewReservation, tz: &TimeZone, now: OffsetDateTime) -> Result<Booking, ApiError> {
    let starts_at = instant("starts_at", &n.starts_at, tz)?;
    let booking = Booking {
        name: validate::text("name", &n.name, 1, NAME_MAX)?,
        phone: phone(n.phone.as_deref())?,
        email: email(n.email.as_deref())?,
        party_size: party(n.party_size)?,
        starts_at,
        duration_minutes: duration(n.duration_minutes)?,
        notes: validate::optional_text("notes", n.notes.as_deref(), NOTES_MAX)?,
        locale: locale(n.locale.as_deref())?,
    };
    not_past(starts_at, now)?;
    Ok(booking)
}

pub fn not_past(starts_at: OffsetDateTime, now: OffsetDateTime) -> Result<(), ApiError> {
    if starts_at < now - time::Duration::minutes(PAST_GRACE_MINUTES) {
        return Err(ApiError::validation("starts_at is in the past"));
    }
    if starts_at > now + time::Duration::days(366) {
        return Err(ApiError::validation("bookings are taken up to a year ahead"));
    }
    Ok(())
}

pub fn party(n: i64) -> Result<u32, ApiError> {
    validate::range("party_size", n, 1, PARTY_MAX).map(|n| u32::try_from(n).unwrap_or(1))
}

pub fn duration(n: Option<i64>) -> Result<u32, ApiError> {
    match n {
        None => Ok(DURATION_DEFAULT),
        Some(n) => {
            validate::range("duration_minutes", n, 15, 480).map(|n| u32::try_from(n).unwrap_or(DURATION_DEFAULT))
        }
    }
}

impl ReservationChanges {
    /// The booking after these changes.
    pub fn apply(&self, r: &Reservation, tz: &TimeZone, now: OffsetDateTime) -> Result<Booking, ApiError> {
        let starts_at = match &self.starts_at {
            Some(raw) => {
                let at = instant("starts_at", raw, tz)?;
                not_past(at, now)?;
                at
            }
            None => r.starts_at,
        };
        let keep =
            |new: &Option<String>, old: &Option<String>| new.as_ref().map_or_else(|| old.clone(), |v| Some(v.clone()));
        Ok(Booking {
            name: self.name.as_deref().map_or(Ok(r.name.clone()), |n| validate::text("name", n, 1, NAME_MAX))?,
            phone: phone(keep(&self.phone, &r.phone).as_deref())?,
            email: email(keep(&self.email, &r.email).as_deref())?,
            party_size: self.party_size.map_or(Ok(r.party_size), party)?,
            starts_at,
            duration_minutes: self.duration_minutes.map_or(Ok(r.duration_minutes), |d| duration(Some(d)))?,
            notes: validate::optional_text("notes", keep(&self.notes, &r.notes).as_deref(), NOTES_MAX)?,
            locale: locale(Some(self.locale.as_deref().unwrap_or(&r.locale)))?,
        })
    }
}

pub fn ends_at(starts_at: OffsetDateTime, minutes: u32) -> OffsetDateTime {
    starts_at + time::Duration::minutes(i64::from(minutes))
}

/// The smallest free table that seats the party (in `area` when given), by seats then name.
pub fn fitting_table(
    tables: &[TableInfo],
    party: u32,
    area: Option<AreaId>,
    free: impl Fn(&TableInfo) -> bool,
) -> Option<&TableInfo> {
    let mut fits: Vec<&TableInfo> = tables
        .iter()
        .filter(|t| t.active && t.seats >= party && area.is_none_or(|a| t.area_id == a) && free(t))
        .collect();
    fits.sort_by(|a, b| a.seats.cmp(&b.seats).then_with(|| a.name.cmp(&b.name)));
    fits.first().copied()
}

/// The day's slots (local times) as instants, in order.
pub fn slots(day: Date, tz: &TimeZone) -> Vec<(String, OffsetDateTime)> {
    let mut out = Vec::new();
    let (Ok(first), Ok(last)) =
        (Time::new(FIRST_SLOT.0, FIRST_SLOT.1, 0, 0), Time::new(LAST_SLOT.0, LAST_SLOT.1, 0, 0))
    else {
        return out;
    };
    let mut t = first;
    while t <= last {
        if let Ok(z) = day.to_datetime(t).to_zoned_datetime(tz.clone())
            && let Ok(at) = OffsetDateTime::from_unix_timestamp_nanos(z.timestamp().as_nanosecond())
        {
            out.push((format!("{:02}:{:02}", t.hour(), t.minute()), at));
        }
        let Ok(next) = t.checked_add(jiff::SignedDuration::from_mins(SLOT_MINUTES)) else { break };
        if next < t {
            break;
        }
        t = next;
    }
    out
}

/// A walk-in's quoted wait in minutes: when the first table that fits is free of bookings for
/// `duration` and not occupied. `busy_until(table)` says until when a table is taken (a booking
/// or a party at it); tables are tried from now in 15-minute steps, up to 3 hours.
pub fn quote(
    tables: &[TableInfo],
    party: u32,
    now: OffsetDateTime,
    duration: u32,
    taken: impl Fn(&TableInfo, OffsetDateTime, OffsetDateTime) -> bool,
) -> Option<u32> {
    (0..=12).find_map(|step| {
        let start = now + time::Duration::minutes(step * SLOT_MINUTES);
        let end = ends_at(start, duration);
        let fits = tables.iter().any(|t| t.active && t.seats >= party && !taken(t, start, end));
        fits.then(|| u32::try_from(step * SLOT_MINUTES).unwrap_or(0))
    })
}

/// A walk-in on the waiting list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct WaitlistEntry {
    #[schema(value_type = String, format = Uuid)]
    pub id: Uuid,
    pub name: String,
    pub phone: Option<String>,
    pub party_size: u32,
    pub quoted_minutes: u32,
    #[serde(with = "time::serde::rfc3339")]
    pub added_at: OffsetDateTime,
    /// `waiting`, `seated` or `left`.
    pub status: String,
}

#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewWaitlistEntry {
    pub name: String,
    pub phone: Option<String>,
    pub party_size: i64,
    /// The wait told to the guest; without it the box quotes one from the tables and the book.
    pub quoted_minutes: Option<i64>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn table(name: &str, seats: u32) -> TableInfo {
        TableInfo { id: TableId::new(), name: name.into(), area_id: AreaId::new(), seats, active: true }
    }

    #[test]
    fn the_smallest_free_table_that_seats_the_party_is_chosen() {
        let tables = [table("T1", 2), table("T2", 4), table("T3", 4), table("T4", 8)];
        let name = |t: Option<&TableInfo>| t.map(|t| t.name.clone());
        assert_eq!(name(fitting_table(&tables, 2, None, |_| true)), Some("T1".into()));
        assert_eq!(name(fitting_table(&tables, 3, None, |_| true)), Some("T2".into()));
        assert_eq!(name(fitting_table(&tables, 3, None, |t| t.name != "T2")), Some("T3".into()));
        assert_eq!(name(fitting_table(&tables, 9, None, |_| true)), None);
    }

    #[test]
    fn bookings_overlap_only_while_they_hold_the_table() {
        let id = Uuid::nil();
        let r = |status| Reservation {
            id,
            name: "Dupont".into(),
            phone: None,
            email: None,
            party_size: 2,
            starts_at: datetime!(2026-11-21 19:00 UTC),
            ends_at: datetime!(2026-11-21 21:00 UTC),
            duration_minutes: 120,
            table_id: None,
            table_name: None,
            area_id: None,
            notes: None,
            status,
            order_id: None,
            locale: "en".into(),
        };
        // (start, end, overlaps a booked 19:00–21:00)
        let table = [
            (datetime!(2026-11-21 17:00 UTC), datetime!(2026-11-21 19:00 UTC), false), // ends as it starts
            (datetime!(2026-11-21 20:59 UTC), datetime!(2026-11-21 22:00 UTC), true),
            (datetime!(2026-11-21 21:00 UTC), datetime!(2026-11-21 23:00 UTC), false),
            (datetime!(2026-11-21 18:00 UTC), datetime!(2026-11-21 23:00 UTC), true),
        ];
        for (start, end, want) in table {
            assert_eq!(r(Status::Booked).overlaps(start, end), want, "{start} {end}");
        }
        assert!(!r(Status::Cancelled).overlaps(datetime!(2026-11-21 19:30 UTC), datetime!(2026-11-21 20:00 UTC)));
        assert!(!r(Status::NoShow).overlaps(datetime!(2026-11-21 19:30 UTC), datetime!(2026-11-21 20:00 UTC)));
    }

    #[test]
    fn input_is_checked_and_local_times_follow_the_site() {
        let paris = TimeZone::get("Europe/Paris").expect("tz");
        let now = datetime!(2026-11-21 12:00 UTC);
        assert_eq!(instant("starts_at", "2026-11-21T20:00", &paris).expect("local"), datetime!(2026-11-21 19:00 UTC));
        assert_eq!(instant("starts_at", "2026-11-21T20:00:00Z", &paris).expect("utc"), datetime!(2026-11-21 20:00 UTC));
        let ok = NewReservation {
            name: "Anna Dupont".into(),
            phone: Some("+33 6 12 34 56 78".into()),
            email: Some("anna@example.com".into()),
            party_size: 4,
            starts_at: "2026-11-21T20:00".into(),
            duration_minutes: None,
            table_id: None,
            area_id: None,
            notes: None,
            locale: Some("fr".into()),
        };
        assert_eq!(validate_new(&ok, &paris, now).expect("valid").duration_minutes, DURATION_DEFAULT);
        type Breaks = Box<dyn Fn(&mut NewReservation)>;
        let bad: [(&str, Breaks); 9] = [
            ("name", Box::new(|n| n.name = "".into())),
            ("phone", Box::new(|n| n.phone = Some("call me".into()))),
            ("email", Box::new(|n| n.email = Some("anna@".into()))),
            ("email", Box::new(|n| n.email = Some("a@b.c>, x@y.z".into()))),
            ("party_size", Box::new(|n| n.party_size = 0)),
            ("party_size", Box::new(|n| n.party_size = 51)),
            ("starts_at", Box::new(|n| n.starts_at = "tonight".into())),
            ("past", Box::new(|n| n.starts_at = "2026-11-21T09:00".into())),
            ("locale", Box::new(|n| n.locale = Some("de".into()))),
        ];
        for (what, break_it) in bad {
            let mut n = ok.clone();
            break_it(&mut n);
            let e = validate_new(&n, &paris, now).expect_err(what);
            assert_eq!(e.status().as_u16(), 422, "{what}");
        }
    }

    #[test]
    fn a_walk_in_waits_until_a_fitting_table_is_free_long_enough() {
        let tables = [table("T1", 2), table("T2", 4)];
        let now = datetime!(2026-11-21 19:00 UTC);
        // T2 is booked 19:40–21:40: a party of 4 for 90 minutes cannot sit before 21:40,
        // but the wait is capped: past 3 hours there is no quote.
        let booked = |t: &TableInfo, s: OffsetDateTime, e: OffsetDateTime| {
            t.name == "T2" && s < datetime!(2026-11-21 21:40 UTC) && datetime!(2026-11-21 19:40 UTC) < e
        };
        assert_eq!(quote(&tables, 4, now, 90, booked), Some(165));
        assert_eq!(quote(&tables, 2, now, 90, booked), Some(0));
        assert_eq!(quote(&tables, 6, now, 90, booked), None);
    }

    #[test]
    fn a_day_has_quarter_hour_slots_from_opening_to_last_seating() {
        let paris = TimeZone::get("Europe/Paris").expect("tz");
        let day: Date = "2026-11-21".parse().expect("date");
        let s = slots(day, &paris);
        assert_eq!(
            (s.first().map(|x| x.0.as_str()), s.last().map(|x| x.0.as_str()), s.len()),
            (Some("11:00"), Some("22:30"), 47)
        );
        assert_eq!(s[0].1, datetime!(2026-11-21 10:00 UTC));
    }
}
