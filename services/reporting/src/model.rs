//! The rules of the sales report, pure and I/O-free: which instants a requested range covers
//! in the site's time zone (local days, DST-correct through `jiff`), which events feed the
//! projection and what each contributes, and how the stored facts become the answer.
//! Most of the crate's tests live here.

use std::collections::BTreeMap;

use comanda_api::ApiError;
use comanda_domain::{
    BillPaid, ItemId, Money, OrderId, PaymentMethod, PaymentRefunded, PaymentTaken, StaffId, TaxRate,
};
use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Span, Timestamp};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use utoipa::ToSchema;

/// The longest range a report may cover, in local calendar days (a leap year fits).
pub const MAX_DAYS: i64 = 366;

/// A half-open span of time, `[from, to)`, in UTC: what a report covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReportRange {
    pub from: OffsetDateTime,
    pub to: OffsetDateTime,
}

impl ReportRange {
    pub fn contains(&self, at: OffsetDateTime) -> bool {
        self.from <= at && at < self.to
    }
}

/// One end of a requested range, as the client wrote it.
#[derive(Clone, Debug, PartialEq)]
enum Bound {
    /// `YYYY-MM-DD`: a whole local day.
    Day(Date),
    /// An RFC 3339 instant.
    Instant(Timestamp),
}

fn looks_like_date(raw: &str) -> bool {
    let b = raw.as_bytes();
    b.len() == 10 && b.iter().enumerate().all(|(i, c)| if i == 4 || i == 7 { *c == b'-' } else { c.is_ascii_digit() })
}

fn parse_bound(field: &str, raw: &str) -> Result<Bound, ApiError> {
    if looks_like_date(raw) {
        return raw
            .parse::<Date>()
            .map(Bound::Day)
            .map_err(|_| ApiError::bad_request(format!("{field}: {raw:?} is not a calendar date")));
    }
    let hint = if raw.contains(' ') { " (write a `+` offset as %2B in a URL)" } else { "" };
    let at = OffsetDateTime::parse(raw, &Rfc3339).map_err(|_| {
        ApiError::bad_request(format!(
            "{field} must be a local date (YYYY-MM-DD) or an RFC 3339 instant (2026-11-21T20:15:00Z){hint}"
        ))
    })?;
    to_timestamp(at).map(Bound::Instant).map_err(|_| ApiError::bad_request(format!("{field} is out of range")))
}

pub fn to_timestamp(at: OffsetDateTime) -> Result<Timestamp, jiff::Error> {
    Timestamp::from_nanosecond(at.unix_timestamp_nanos())
}

pub fn from_timestamp(ts: Timestamp) -> Result<OffsetDateTime, time::error::ComponentRange> {
    OffsetDateTime::from_unix_timestamp_nanos(ts.as_nanosecond())
}

fn out_of_range() -> ApiError {
    ApiError::validation("the range is outside the dates this box can report on")
}

/// The first instant of `date` in `tz`: local midnight, or the end of the gap when the clocks
/// jump over midnight (jiff's "compatible" choice).
fn day_start(date: Date, tz: &TimeZone) -> Result<Timestamp, ApiError> {
    date.to_zoned_datetime(tz.clone()).map(|z| z.timestamp()).map_err(|_| out_of_range())
}

fn next_day_start(date: Date, tz: &TimeZone) -> Result<Timestamp, ApiError> {
    day_start(date.tomorrow().map_err(|_| out_of_range())?, tz)
}

/// The local date at an instant.
fn local_date(at: Timestamp, tz: &TimeZone) -> Date {
    at.to_zoned_datetime(tz.clone()).date()
}

/// Resolves `?from=&to=` into instants. Dates are local days of `tz`, both inclusive
/// (`from=D&to=D` is the whole of day D, whatever its length); instants are taken as given,
/// `from` inclusive and `to` exclusive. Defaults: neither → today; only `from` → until the end
/// of today; only `to` → from the start of the local day `to` ends in.
///
/// Malformed values are 400; a range that ends before it starts or spans more than
/// [`MAX_DAYS`] local days is 422.
pub fn resolve_range(
    from: Option<&str>,
    to: Option<&str>,
    tz: &TimeZone,
    now: OffsetDateTime,
) -> Result<ReportRange, ApiError> {
    let from = from.map(|raw| parse_bound("from", raw)).transpose()?;
    let to = to.map(|raw| parse_bound("to", raw)).transpose()?;
    let today = local_date(to_timestamp(now).map_err(|_| out_of_range())?, tz);
    let end = match &to {
        Some(Bound::Day(d)) => next_day_start(*d, tz)?,
        Some(Bound::Instant(t)) => *t,
        None => next_day_start(today, tz)?,
    };
    let start = match (&from, &to) {
        (Some(Bound::Day(d)), _) => day_start(*d, tz)?,
        (Some(Bound::Instant(t)), _) => *t,
        (None, Some(Bound::Day(d))) => day_start(*d, tz)?,
        // The local day of the range's last instant (`to` itself is excluded).
        (None, Some(Bound::Instant(t))) => {
            day_start(local_date(t.checked_sub(SignedDuration::from_nanos(1)).unwrap_or(*t), tz), tz)?
        }
        (None, None) => day_start(today, tz)?,
    };
    // `from=D&to=D-1` would be an empty range by instants; by dates it is backwards.
    let backwards_days = matches!((&from, &to), (Some(Bound::Day(f)), Some(Bound::Day(t))) if t < f);
    if end < start || backwards_days {
        let hint = if to.is_none() { " (to defaults to the end of today)" } else { "" };
        return Err(ApiError::validation(format!("to must not be before from{hint}")));
    }
    let limit =
        start.to_zoned_datetime(tz.clone()).checked_add(Span::new().days(MAX_DAYS)).map_err(|_| out_of_range())?;
    if end > limit.timestamp() {
        return Err(ApiError::validation(format!("a report covers at most {MAX_DAYS} days; ask for a shorter range")));
    }
    let to_time = |ts: Timestamp| from_timestamp(ts).map_err(|_| out_of_range());
    Ok(ReportRange { from: to_time(start)?, to: to_time(end)? })
}

/// What one event of the log contributes to the sales facts.
#[derive(Clone, Debug, PartialEq)]
pub enum SalesFact {
    /// A new order and its covers.
    OrderOpened {
        order_id: OrderId,
        covers: u32,
    },
    /// `order_id` joined `into` (its lines and its guests).
    OrderMerged {
        order_id: OrderId,
        into: OrderId,
    },
    /// A bill paid in full, with the sum of its taxes.
    BillPaid {
        bill: Box<BillPaid>,
        tax: Money,
    },
    PaymentTaken(PaymentTaken),
    PaymentRefunded(PaymentRefunded),
}

impl SalesFact {
    /// The fact an event carries: `Ok(None)` for events reports do not need, `Err` for a
    /// payload that cannot be read (it never will be: the caller logs it and moves on).
    pub fn from_event(event_type: &str, data: &serde_json::Value) -> Result<Option<SalesFact>, String> {
        fn read<T: serde::de::DeserializeOwned>(data: &serde_json::Value) -> Result<T, String> {
            serde_json::from_value(data.clone()).map_err(|e| e.to_string())
        }
        Ok(Some(match event_type {
            "order.opened" => {
                let opened: comanda_domain::OrderOpened = read(data)?;
                SalesFact::OrderOpened { order_id: opened.order_id, covers: opened.guests }
            }
            "order.moved" => {
                let moved: comanda_domain::OrderMoved = read(data)?;
                match moved.merged_into {
                    Some(into) if into != moved.order_id => SalesFact::OrderMerged { order_id: moved.order_id, into },
                    _ => return Ok(None),
                }
            }
            "bill.paid" => {
                let bill: BillPaid = read(data)?;
                let tax = Money::checked_sum(bill.taxes.iter().map(|t| t.tax)).map_err(|e| e.to_string())?;
                SalesFact::BillPaid { bill: Box::new(bill), tax }
            }
            "payment.taken" => SalesFact::PaymentTaken(read(data)?),
            "payment.refunded" => SalesFact::PaymentRefunded(read(data)?),
            _ => return Ok(None),
        }))
    }
}

/// Sales of a period, over bills paid in it. All money in minor units of `currency`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SalesReport {
    /// First instant covered (UTC).
    #[serde(with = "time::serde::rfc3339")]
    pub from: OffsetDateTime,
    /// First instant no longer covered (UTC).
    #[serde(with = "time::serde::rfc3339")]
    pub to: OffsetDateTime,
    /// The site's IANA time zone: local days and `by_hour` follow it.
    pub timezone: String,
    /// ISO 4217.
    pub currency: String,
    /// Distinct orders with a bill paid in the range.
    pub orders: u64,
    /// Guests of those orders (merged orders bring theirs).
    pub covers: u64,
    /// What guests were charged: the sum of the paid bills' totals (tax included, tips not).
    pub gross: Money,
    /// `gross − tax`.
    pub net: Money,
    pub tax: Money,
    /// Tips of payments taken in the range.
    pub tips: Money,
    /// Bill discounts of the paid bills.
    pub discounts: Money,
    pub service_charge: Money,
    /// Refunds made in the range (whenever the bill was paid).
    pub refunds: Money,
    /// By item, best sellers first (gross after discounts, then name).
    pub by_item: Vec<ItemSales>,
    pub by_category: Vec<CategorySales>,
    /// By local hour of payment; only hours with sales.
    pub by_hour: Vec<HourSales>,
    /// By local day of payment; only days with sales, oldest first.
    pub by_day: Vec<DaySales>,
    /// By the waiter of each paid bill.
    pub by_staff: Vec<StaffSales>,
    pub by_payment_method: Vec<MethodSales>,
    /// Tax per rate of the paid bills.
    pub taxes: Vec<TaxSales>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ItemSales {
    pub item_id: ItemId,
    /// The name on the most recent bill.
    pub name: String,
    pub quantity: u64,
    /// Line amounts after bill discounts.
    pub gross: Money,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CategorySales {
    pub category: String,
    pub quantity: u64,
    pub gross: Money,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct HourSales {
    /// 0–23, local time.
    pub hour: u8,
    pub bills: u64,
    pub gross: Money,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct DaySales {
    /// The local date, `YYYY-MM-DD`.
    pub date: String,
    pub bills: u64,
    pub gross: Money,
    /// `gross − tax` of those bills.
    pub net: Money,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct StaffSales {
    pub staff_id: StaffId,
    pub bills: u64,
    pub gross: Money,
    /// Tips recorded on those bills.
    pub tips: Money,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct MethodSales {
    pub method: PaymentMethod,
    /// Payments taken in the range, their amounts and tips.
    pub payments: u64,
    pub amount: Money,
    pub tips: Money,
    /// Refunds made in the range with this method.
    pub refunds: Money,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct TaxSales {
    pub rate_bp: TaxRate,
    pub base: Money,
    pub tax: Money,
}

/// Totals over the range, as the projection's tables give them.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SalesTotals {
    pub orders: u64,
    pub covers: u64,
    pub gross: Money,
    pub tax: Money,
    pub tips: Money,
    pub discounts: Money,
    pub service_charge: Money,
    pub refunds: Money,
}

/// Bills paid within one UTC minute. Offsets are whole minutes, so a minute lies in one local
/// hour: SQL groups by minute, the time zone rules (not SQL) make hours of them.
#[derive(Clone, Debug, PartialEq)]
pub struct MinuteSales {
    pub at: OffsetDateTime,
    pub bills: u64,
    pub gross: Money,
    pub tax: Money,
}

/// Sold lines of one item in one category (an item may have moved category).
#[derive(Clone, Debug, PartialEq)]
pub struct LineSales {
    pub item_id: ItemId,
    pub category: String,
    /// The name on the latest of these lines.
    pub name: String,
    pub quantity: u64,
    pub gross: Money,
    /// When the latest of these lines was paid (fixed-width UTC text: sorts like time).
    pub last_paid_at: String,
}

/// Everything the report is made of, read in one snapshot.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SalesFacts {
    pub totals: SalesTotals,
    pub lines: Vec<LineSales>,
    pub by_minute: Vec<MinuteSales>,
    pub by_staff: Vec<StaffSales>,
    pub by_payment_method: Vec<MethodSales>,
    pub taxes: Vec<TaxSales>,
}

/// Sales by item (best sellers first: gross, then name) and by category (gross, then name).
/// An item is named as on its most recent bill.
pub fn items_and_categories(lines: &[LineSales]) -> Result<(Vec<ItemSales>, Vec<CategorySales>), ApiError> {
    let mut items: BTreeMap<ItemId, (ItemSales, &str)> = BTreeMap::new();
    let mut categories: BTreeMap<&str, CategorySales> = BTreeMap::new();
    for l in lines {
        let (item, latest) = items.entry(l.item_id).or_insert_with(|| {
            (ItemSales { item_id: l.item_id, name: l.name.clone(), quantity: 0, gross: Money::ZERO }, "")
        });
        if l.last_paid_at.as_str() > *latest {
            item.name.clone_from(&l.name);
            *latest = &l.last_paid_at;
        }
        item.quantity += l.quantity;
        item.gross = item.gross.checked_add(l.gross).map_err(ApiError::internal)?;
        let category = categories.entry(&l.category).or_insert_with(|| CategorySales {
            category: l.category.clone(),
            quantity: 0,
            gross: Money::ZERO,
        });
        category.quantity += l.quantity;
        category.gross = category.gross.checked_add(l.gross).map_err(ApiError::internal)?;
    }
    let mut items: Vec<ItemSales> = items.into_values().map(|(item, _)| item).collect();
    items.sort_by(|a, b| b.gross.cmp(&a.gross).then_with(|| a.name.cmp(&b.name)).then(a.item_id.cmp(&b.item_id)));
    let mut categories: Vec<CategorySales> = categories.into_values().collect();
    categories.sort_by(|a, b| b.gross.cmp(&a.gross).then_with(|| a.category.cmp(&b.category)));
    Ok((items, categories))
}

/// Bills and gross per local hour of the day, hours without sales left out.
pub fn by_hour(minutes: &[MinuteSales], tz: &TimeZone) -> Result<Vec<HourSales>, ApiError> {
    let mut hours: BTreeMap<u8, (u64, Money)> = BTreeMap::new();
    for m in minutes {
        let local = to_timestamp(m.at).map_err(ApiError::internal)?.to_zoned_datetime(tz.clone());
        let hour = u8::try_from(local.hour()).map_err(ApiError::internal)?;
        let slot = hours.entry(hour).or_insert((0, Money::ZERO));
        slot.0 += m.bills;
        slot.1 = slot.1.checked_add(m.gross).map_err(ApiError::internal)?;
    }
    Ok(hours.into_iter().map(|(hour, (bills, gross))| HourSales { hour, bills, gross }).collect())
}

/// Bills, gross and net per local date, days without sales left out.
pub fn by_day(minutes: &[MinuteSales], tz: &TimeZone) -> Result<Vec<DaySales>, ApiError> {
    let mut days: BTreeMap<Date, (u64, Money, Money)> = BTreeMap::new();
    for m in minutes {
        let date = local_date(to_timestamp(m.at).map_err(ApiError::internal)?, tz);
        let slot = days.entry(date).or_insert((0, Money::ZERO, Money::ZERO));
        slot.0 += m.bills;
        slot.1 = slot.1.checked_add(m.gross).map_err(ApiError::internal)?;
        slot.2 = slot.2.checked_add(m.tax).map_err(ApiError::internal)?;
    }
    days.into_iter()
        .map(|(date, (bills, gross, tax))| {
            Ok(DaySales {
                date: date.to_string(),
                bills,
                gross,
                net: gross.checked_sub(tax).map_err(ApiError::internal)?,
            })
        })
        .collect()
}

/// The answer, from the facts of `range`.
pub fn report(
    range: ReportRange,
    tz: &TimeZone,
    timezone: String,
    currency: String,
    facts: SalesFacts,
) -> Result<SalesReport, ApiError> {
    let t = facts.totals;
    let (by_item, by_category) = items_and_categories(&facts.lines)?;
    Ok(SalesReport {
        from: range.from,
        to: range.to,
        timezone,
        currency,
        orders: t.orders,
        covers: t.covers,
        gross: t.gross,
        net: t.gross.checked_sub(t.tax).map_err(ApiError::internal)?,
        tax: t.tax,
        tips: t.tips,
        discounts: t.discounts,
        service_charge: t.service_charge,
        refunds: t.refunds,
        by_item,
        by_category,
        by_hour: by_hour(&facts.by_minute, tz)?,
        by_day: by_day(&facts.by_minute, tz)?,
        by_staff: facts.by_staff,
        by_payment_method: facts.by_payment_method,
        taxes: facts.taxes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::Duration;
    use time::macros::datetime;

    fn tz(name: &str) -> TimeZone {
        TimeZone::get(name).expect("known time zone")
    }

    #[test]
    fn local_days_follow_the_time_zone_and_its_clock_changes() {
        let now = datetime!(2026-11-21 12:00 UTC);
        let some = |s: &'static str| (!s.is_empty()).then_some(s);
        // (zone, from, to ("" = absent), first instant covered, hours covered)
        let table = [
            // An ordinary winter day in Paris (UTC+1).
            ("Europe/Paris", "2026-11-21", "2026-11-21", datetime!(2026-11-20 23:00 UTC), 24),
            // Clocks go forward at 02:00: the day has 23 hours.
            ("Europe/Paris", "2026-03-29", "2026-03-29", datetime!(2026-03-28 23:00 UTC), 23),
            // Clocks go back at 03:00: the day has 25 hours.
            ("Europe/Paris", "2026-10-25", "2026-10-25", datetime!(2026-10-24 22:00 UTC), 25),
            // Both ends inclusive: a weekend across the spring change is 24 + 23 hours.
            ("Europe/Paris", "2026-03-28", "2026-03-29", datetime!(2026-03-27 23:00 UTC), 47),
            // Midnight never happened in São Paulo on 2018-11-04: the day starts at 01:00.
            ("America/Sao_Paulo", "2018-11-04", "2018-11-04", datetime!(2018-11-04 03:00 UTC), 23),
            // Instants are taken as given: from inclusive, to exclusive.
            ("Europe/Paris", "2026-11-21T18:00:00+01:00", "2026-11-21T20:00:00Z", datetime!(2026-11-21 17:00 UTC), 3),
            // No range: today, local (12:00 UTC is 13:00 in Paris).
            ("Europe/Paris", "", "", datetime!(2026-11-20 23:00 UTC), 24),
            // Tokyo is UTC+9: at 12:00 UTC it is 21:00 there, still the 21st.
            ("Asia/Tokyo", "", "", datetime!(2026-11-20 15:00 UTC), 24),
            // Only `from`: until the end of today.
            ("Europe/Paris", "2026-11-20", "", datetime!(2026-11-19 23:00 UTC), 48),
            // Only `to`, an instant at local midnight: the day that instant ends.
            ("Europe/Paris", "", "2026-11-21T23:00:00Z", datetime!(2026-11-20 23:00 UTC), 24),
        ];
        for (zone, from, to, want_from, hours) in table {
            let (from, to) = (some(from), some(to));
            let range =
                resolve_range(from, to, &tz(zone), now).unwrap_or_else(|e| panic!("{zone} {from:?} {to:?}: {e}"));
            assert_eq!(range.from, want_from, "{zone} {from:?} {to:?}");
            assert_eq!(range.to - range.from, Duration::hours(hours), "{zone} {from:?} {to:?}");
        }
        // Past 15:00 UTC it is already the 22nd in Tokyo.
        let late = resolve_range(None, None, &tz("Asia/Tokyo"), now + Duration::hours(4)).expect("range");
        assert_eq!(late.from, datetime!(2026-11-21 15:00 UTC));
    }

    #[test]
    fn a_bill_just_before_local_midnight_and_one_just_after_land_on_different_days() {
        let paris = tz("Europe/Paris");
        let now = datetime!(2026-11-22 12:00 UTC);
        let saturday = resolve_range(Some("2026-11-21"), Some("2026-11-21"), &paris, now).expect("range");
        let sunday = resolve_range(Some("2026-11-22"), Some("2026-11-22"), &paris, now).expect("range");
        let before = datetime!(2026-11-21 23:59:59.999999 +1);
        let after = datetime!(2026-11-22 00:00:00 +1);
        assert!(saturday.contains(before) && !saturday.contains(after));
        assert!(sunday.contains(after) && !sunday.contains(before));
        // The UTC date of both is the 21st: a report by UTC day would get this wrong.
        assert_eq!(after.to_offset(time::UtcOffset::UTC).day(), 21);
    }

    #[test]
    fn bad_ranges_are_refused_with_the_right_status() {
        let paris = tz("Europe/Paris");
        let now = datetime!(2026-11-21 12:00 UTC);
        // (from, to, status)
        let table: [(Option<&str>, Option<&str>, u16); 11] = [
            (Some("2026-13-01"), None, 400),
            (Some("2026-02-30"), Some("2026-03-01"), 400),
            (Some("yesterday"), None, 400),
            (Some("21/11/2026"), None, 400),
            (None, Some("2026-11-21T20:00:00"), 400),
            (None, Some("2026-11-21T20:00:00 01:00"), 400),
            (Some("2026-11-22"), Some("2026-11-21"), 422),
            (Some("2026-11-21T20:00:00Z"), Some("2026-11-21T19:59:59Z"), 422),
            (Some("2026-11-23"), None, 422),
            (Some("2026-01-01"), Some("2027-01-02"), 422),
            (Some("2025-01-01"), Some("2026-01-02T00:00:00.000000001+01:00"), 422),
        ];
        for (from, to, status) in table {
            match resolve_range(from, to, &paris, now) {
                Ok(r) => panic!("{from:?} {to:?} gave {r:?}"),
                Err(e) => assert_eq!(e.status().as_u16(), status, "{from:?} {to:?}: {e}"),
            }
        }
        // The longest ranges allowed: a leap year by dates, 366 local days by instants.
        for (from, to) in [("2024-01-01", "2024-12-31"), ("2025-01-01", "2026-01-02T00:00:00+01:00")] {
            assert!(resolve_range(Some(from), Some(to), &paris, now).is_ok(), "{from} {to}");
        }
        // An empty range is not an error: it reports nothing.
        let empty = resolve_range(Some("2026-11-21T20:00:00Z"), Some("2026-11-21T20:00:00Z"), &paris, now);
        assert_eq!(empty.map(|r| r.to - r.from), Ok(Duration::ZERO));
    }

    #[test]
    fn events_become_facts_or_are_ignored() {
        let order = OrderId::new();
        let into = OrderId::new();
        let table_id = comanda_domain::TableId::new();
        let opened = serde_json::json!({"order_id": order, "number": 3, "table_id": table_id, "table_name": "T1",
            "guests": 4, "waiter_id": StaffId::new()});
        let merged = serde_json::json!({"order_id": order, "from_table_id": table_id, "to_table_id": table_id,
            "merged_into": into});
        let moved = serde_json::json!({"order_id": order, "from_table_id": table_id, "to_table_id": table_id,
            "merged_into": null});
        // (type, data, expected)
        let table = [
            ("order.opened", opened, Ok(Some(SalesFact::OrderOpened { order_id: order, covers: 4 }))),
            ("order.moved", merged, Ok(Some(SalesFact::OrderMerged { order_id: order, into }))),
            ("order.moved", moved, Ok(None)),
            ("order.sent", serde_json::json!({}), Ok(None)),
            ("bill.paid", serde_json::json!({"bill_id": "nope"}), Err(())),
        ];
        for (ty, data, expected) in table {
            assert_eq!(SalesFact::from_event(ty, &data).map_err(|_| ()), expected, "{ty}");
        }
    }

    #[test]
    fn items_add_up_across_categories_and_take_their_latest_name() {
        let (steak, soup) = (ItemId::new(), ItemId::new());
        let l = |item_id, category: &str, name: &str, quantity, gross, last: &str| LineSales {
            item_id,
            category: category.into(),
            name: name.into(),
            quantity,
            gross: Money::from_minor(gross),
            last_paid_at: last.into(),
        };
        let lines = [
            l(steak, "Grill", "Steak", 2, 4800, "2026-11-21T20:00:00.000000Z"),
            l(soup, "Starters", "Soup", 3, 2400, "2026-11-21T21:00:00.000000Z"),
            // Renamed and moved to another category later in the evening.
            l(steak, "Mains", "Ribeye", 1, 2400, "2026-11-21T22:00:00.000000Z"),
            l(ItemId::new(), "Drinks", "Apple juice", 1, 400, "2026-11-21T19:00:00.000000Z"),
            l(ItemId::new(), "Drinks", "Water", 1, 400, "2026-11-21T19:00:00.000000Z"),
        ];
        let (items, categories) = items_and_categories(&lines).expect("sums");
        let items: Vec<(&str, u64, i64)> =
            items.iter().map(|i| (i.name.as_str(), i.quantity, i.gross.minor())).collect();
        assert_eq!(items, [("Ribeye", 3, 7200), ("Soup", 3, 2400), ("Apple juice", 1, 400), ("Water", 1, 400)]);
        let categories: Vec<(&str, u64, i64)> =
            categories.iter().map(|c| (c.category.as_str(), c.quantity, c.gross.minor())).collect();
        assert_eq!(categories, [("Grill", 2, 4800), ("Mains", 1, 2400), ("Starters", 3, 2400), ("Drinks", 2, 800)]);
    }

    #[test]
    fn hours_are_local_and_minutes_of_one_hour_add_up() {
        let paris = tz("Europe/Paris");
        let kolkata = tz("Asia/Kolkata");
        let m = |at: OffsetDateTime, bills: u64, gross: i64| MinuteSales {
            at,
            bills,
            gross: Money::from_minor(gross),
            tax: Money::from_minor(gross / 10),
        };
        let minutes = [
            m(datetime!(2026-11-21 20:30 UTC), 1, 5400),
            m(datetime!(2026-11-21 20:59 UTC), 2, 100),
            m(datetime!(2026-11-21 22:59 UTC), 1, 5300),
            m(datetime!(2026-11-21 23:00 UTC), 1, 1200),
        ];
        let h = |hour: u8, bills: u64, gross: i64| HourSales { hour, bills, gross: Money::from_minor(gross) };
        assert_eq!(by_hour(&minutes, &paris).expect("hours"), [h(0, 1, 1200), h(21, 3, 5500), h(23, 1, 5300)]);
        // UTC+5:30: 20:30 UTC is 02:00, 20:59 UTC is 02:29, 22:59 is 04:29, 23:00 is 04:30.
        assert_eq!(by_hour(&minutes, &kolkata).expect("hours"), [h(2, 3, 5500), h(4, 2, 6500)]);
        // Days are local too: 23:00 UTC on the 21st is already the 22nd in Paris.
        let d = |date: &str, bills: u64, gross: i64, net: i64| DaySales {
            date: date.into(),
            bills,
            gross: Money::from_minor(gross),
            net: Money::from_minor(net),
        };
        assert_eq!(
            by_day(&minutes, &paris).expect("days"),
            [d("2026-11-21", 4, 10800, 9720), d("2026-11-22", 1, 1200, 1080)]
        );
        assert_eq!(by_day(&minutes, &tz("UTC")).expect("days"), [d("2026-11-21", 5, 12000, 10800)]);
    }
}
