//! Profit: `GET /reports/profit?from=&to=` = net sales − cost of goods − labour − depreciation,
//! by local day and (sales and cost of goods) by category.
//!
//! - **Net sales**: the paid bills' totals less their tax — the sales report's `net`, so the
//!   two reports agree.
//! - **Cost of goods**: each sold line's cost as billing recorded it when it was sold (the item's
//!   cost at that moment × quantity); lines of items without a cost count zero and are counted
//!   in `lines_without_cost`.
//! - **Labour**: finished shifts × the hourly rate they were paid at, for the part of each shift
//!   inside the period (a shift across midnight is split between its days); shifts of staff
//!   without a rate count zero and are counted in `shifts_without_rate`.
//! - **Depreciation**: the assets service's straight-line depreciation of the period's local days.
//!
//! The facts come from a durable subscriber of the log (`reporting.profit`): each line's net
//! (tax taken out where prices include it) and each finished shift, written with its cursor.

use std::collections::BTreeMap;

use comanda_api::ApiError;
use comanda_domain::{BillPaid, Money, ShiftEvent};
use comanda_store::rusqlite::{Connection, params};
use comanda_store::{StoreError, StoredEvent, WriteTx, parse_sql_time, sql_time};
use jiff::civil::Date;
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use tokio::task::JoinHandle;
use utoipa::ToSchema;

use crate::Reporting;
use crate::model::{self, MinuteSales, ReportRange, to_timestamp};

/// The profit projection's name on the bus.
pub const SUBSCRIBER: &str = "reporting.profit";

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ProfitReport {
    #[serde(with = "time::serde::rfc3339")]
    pub from: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub to: OffsetDateTime,
    pub timezone: String,
    pub currency: String,
    pub net_sales: Money,
    pub cost_of_goods: Money,
    /// `net_sales − cost_of_goods`.
    pub gross_margin: Money,
    pub labour: Money,
    pub depreciation: Money,
    /// `net_sales − cost_of_goods − labour − depreciation`.
    pub profit: Money,
    /// Sold lines of items without a cost (their cost of goods counts as zero).
    pub lines_without_cost: u64,
    /// Finished shifts of staff without an hourly rate (their labour counts as zero).
    pub shifts_without_rate: u64,
    /// Every local day of the period, oldest first (at most 366).
    pub by_day: Vec<DayProfit>,
    /// Sales and cost of goods by menu category (net of tax; service charges are in no
    /// category), best margin first.
    pub by_category: Vec<CategoryProfit>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct DayProfit {
    pub date: String,
    pub net_sales: Money,
    pub cost_of_goods: Money,
    pub labour: Money,
    pub depreciation: Money,
    pub profit: Money,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CategoryProfit {
    pub category: String,
    pub net_sales: Money,
    pub cost_of_goods: Money,
    pub margin: Money,
}

impl Reporting {
    /// Starts the profit projection (`reporting.profit`).
    pub fn spawn_profit_projection(&self) -> JoinHandle<()> {
        comanda_store::spawn_projection(&self.store, SUBSCRIBER, apply_batch)
    }
}

/// A line's amount without its tax: as is when prices exclude tax, else the tax part taken
/// out (rounded half up, as billing rounds).
pub fn line_net(amount: Money, rate_bp: u32, prices_include_tax: bool) -> Money {
    if !prices_include_tax || rate_bp == 0 {
        return amount;
    }
    let a = i128::from(amount.minor());
    let rate = i128::from(rate_bp);
    let tax = (a * rate * 2 + (10_000 + rate)) / (2 * (10_000 + rate));
    Money::from_minor(i64::try_from(a - tax).unwrap_or(0))
}

fn apply_batch(tx: &mut WriteTx<'_>, batch: &[StoredEvent]) -> Result<u64, StoreError> {
    let Some(last) = batch.last().map(|e| e.seq) else { return Ok(0) };
    for event in batch {
        match event.event_type.as_str() {
            "bill.paid" => match serde_json::from_value::<BillPaid>(event.data.clone()) {
                Ok(bill) => record_lines(tx.conn(), &bill, event.at)?,
                Err(error) => tracing::error!(seq = event.seq, %error, "profit projection cannot read this bill"),
            },
            "staff.clocked_out" => match serde_json::from_value::<ShiftEvent>(event.data.clone()) {
                Ok(shift) => record_shift(tx.conn(), &shift)?,
                Err(error) => tracing::error!(seq = event.seq, %error, "profit projection cannot read this shift"),
            },
            _ => {}
        }
    }
    Ok(last)
}

fn record_lines(conn: &Connection, bill: &BillPaid, at: OffsetDateTime) -> Result<(), StoreError> {
    let mut stmt = conn.prepare_cached(
        "INSERT INTO reporting_profit_lines (bill_id, position, paid_at, category, net, cost)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT DO NOTHING",
    )?;
    for (position, l) in (0_i64..).zip(&bill.lines) {
        let net = line_net(l.amount, l.tax_rate_bp.bp(), bill.prices_include_tax);
        stmt.execute(params![
            bill.bill_id.to_string(),
            position,
            sql_time(at),
            l.category_name,
            net.minor(),
            l.cost.map(Money::minor)
        ])?;
    }
    Ok(())
}

fn record_shift(conn: &Connection, shift: &ShiftEvent) -> Result<(), StoreError> {
    let Some(ended) = shift.ended_at else { return Ok(()) };
    conn.execute(
        "INSERT INTO reporting_shifts (shift_id, staff_id, started_at, ended_at, hourly_rate)
         VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING",
        params![
            shift.shift_id.to_string(),
            shift.staff_id.to_string(),
            sql_time(shift.started_at),
            sql_time(ended),
            shift.hourly_rate.map(Money::minor)
        ],
    )?;
    Ok(())
}

/// A finished shift, as the report needs it.
#[derive(Clone, Debug, PartialEq)]
pub struct Shift {
    pub started_at: OffsetDateTime,
    pub ended_at: OffsetDateTime,
    pub hourly_rate: Option<Money>,
}

/// What the profit report is made of, read in one snapshot.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ProfitFacts {
    /// Bills by minute (gross and tax): net sales by day.
    pub bills: Vec<MinuteSales>,
    /// Cost of goods by minute: (minute, cost, lines without cost).
    pub costs: Vec<(OffsetDateTime, Money, u64)>,
    /// (category, net, cost of goods).
    pub categories: Vec<(String, Money, Money)>,
    pub shifts: Vec<Shift>,
    /// Depreciation per local day of the period.
    pub depreciation: Vec<(Date, i64)>,
}

fn local_date(at: OffsetDateTime, tz: &TimeZone) -> Result<Date, ApiError> {
    Ok(to_timestamp(at).map_err(ApiError::internal)?.to_zoned_datetime(tz.clone()).date())
}

/// The local days a range covers: from the day of its first instant to the day of its last.
fn days(range: ReportRange, tz: &TimeZone) -> Result<(Date, Date), ApiError> {
    let first = local_date(range.from, tz)?;
    let last_instant = if range.to > range.from { range.to - time::Duration::nanoseconds(1) } else { range.from };
    Ok((first, local_date(last_instant, tz)?))
}

/// The facts of `range`, on a reader (one read transaction).
pub fn facts(conn: &Connection, range: ReportRange, tz: &TimeZone) -> Result<ProfitFacts, ApiError> {
    let snapshot = conn.unchecked_transaction().map_err(StoreError::from)?;
    let c = &*snapshot;
    let (from, to) = (sql_time(range.from), sql_time(range.to));
    let bills = crate::sql::bills_by_minute_in(c, range)?;
    let mut stmt = c
        .prepare_cached(
            "SELECT MIN(paid_at), COALESCE(SUM(cost), 0), SUM(cost IS NULL) FROM reporting_profit_lines
             WHERE paid_at >= ?1 AND paid_at < ?2 GROUP BY substr(paid_at, 1, 16) ORDER BY 1",
        )
        .map_err(StoreError::from)?;
    let costs = stmt
        .query_map(params![from, to], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?, r.get::<_, i64>(2)?)))
        .map_err(StoreError::from)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(StoreError::from)?
        .into_iter()
        .map(|(at, cost, missing)| {
            Ok((parse_sql_time(&at)?, Money::from_minor(cost), u64::try_from(missing).unwrap_or(0)))
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    let mut stmt = c
        .prepare_cached(
            "SELECT category, SUM(net), COALESCE(SUM(cost), 0) FROM reporting_profit_lines
             WHERE paid_at >= ?1 AND paid_at < ?2 GROUP BY category",
        )
        .map_err(StoreError::from)?;
    let categories = stmt
        .query_map(params![from, to], |r| {
            Ok((r.get::<_, String>(0)?, Money::from_minor(r.get(1)?), Money::from_minor(r.get(2)?)))
        })
        .map_err(StoreError::from)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(StoreError::from)?;
    let mut stmt = c
        .prepare_cached(
            "SELECT started_at, ended_at, hourly_rate FROM reporting_shifts WHERE ended_at > ?1 AND started_at < ?2",
        )
        .map_err(StoreError::from)?;
    let shifts = stmt
        .query_map(params![from, to], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, Option<i64>>(2)?))
        })
        .map_err(StoreError::from)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(StoreError::from)?
        .into_iter()
        .map(|(s, e, rate)| {
            Ok(Shift {
                started_at: parse_sql_time(&s)?,
                ended_at: parse_sql_time(&e)?,
                hourly_rate: rate.map(Money::from_minor),
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    let (first, last) = days(range, tz)?;
    let depreciation = comanda_assets::daily_depreciation_in(c, first, last)?;
    Ok(ProfitFacts { bills, costs, categories, shifts, depreciation })
}

/// Labour of `shift` inside `[from, to)`, split by local day: (day, minor units), each piece
/// rounded half up to the minor unit.
pub fn labour_by_day(shift: &Shift, range: ReportRange, tz: &TimeZone) -> Result<Vec<(Date, i64)>, ApiError> {
    let Some(rate) = shift.hourly_rate else { return Ok(vec![]) };
    let (mut start, end) = (shift.started_at.max(range.from), shift.ended_at.min(range.to));
    let mut pieces = Vec::new();
    while start < end {
        let day = local_date(start, tz)?;
        let next_day = day.tomorrow().map_err(ApiError::internal)?;
        let midnight = next_day.to_zoned_datetime(tz.clone()).map_err(ApiError::internal)?.timestamp();
        let midnight = model::from_timestamp(midnight).map_err(ApiError::internal)?;
        let piece_end = end.min(midnight);
        let micros = (piece_end - start).whole_microseconds();
        let cost = (i128::from(rate.minor()) * micros * 2 + 3_600_000_000) / 7_200_000_000;
        pieces.push((day, i64::try_from(cost).unwrap_or(0)));
        start = piece_end;
    }
    Ok(pieces)
}

/// The answer, from the facts of `range`.
pub fn report(
    range: ReportRange,
    tz: &TimeZone,
    timezone: String,
    currency: String,
    facts: ProfitFacts,
) -> Result<ProfitReport, ApiError> {
    #[derive(Default)]
    struct Day {
        net: i64,
        cogs: i64,
        labour: i64,
        depreciation: i64,
    }
    let mut days: BTreeMap<Date, Day> = BTreeMap::new();
    for (day, amount) in &facts.depreciation {
        days.entry(*day).or_default().depreciation += amount;
    }
    for d in model::by_day(&facts.bills, tz)? {
        let date: Date = d.date.parse().map_err(ApiError::internal)?;
        days.entry(date).or_default().net += d.net.minor();
    }
    let mut lines_without_cost = 0;
    for (at, cost, missing) in &facts.costs {
        days.entry(local_date(*at, tz)?).or_default().cogs += cost.minor();
        lines_without_cost += missing;
    }
    let mut shifts_without_rate = 0;
    for shift in &facts.shifts {
        if shift.hourly_rate.is_none() {
            shifts_without_rate += 1;
        }
        for (day, amount) in labour_by_day(shift, range, tz)? {
            days.entry(day).or_default().labour += amount;
        }
    }
    let by_day: Vec<DayProfit> = days
        .into_iter()
        .map(|(date, d)| DayProfit {
            date: date.to_string(),
            net_sales: Money::from_minor(d.net),
            cost_of_goods: Money::from_minor(d.cogs),
            labour: Money::from_minor(d.labour),
            depreciation: Money::from_minor(d.depreciation),
            profit: Money::from_minor(d.net - d.cogs - d.labour - d.depreciation),
        })
        .collect();
    let sum = |f: fn(&DayProfit) -> Money| Money::from_minor(by_day.iter().map(|d| f(d).minor()).sum());
    let (net_sales, cost_of_goods) = (sum(|d| d.net_sales), sum(|d| d.cost_of_goods));
    let (labour, depreciation, profit) = (sum(|d| d.labour), sum(|d| d.depreciation), sum(|d| d.profit));
    let mut by_category: Vec<CategoryProfit> = facts
        .categories
        .into_iter()
        .map(|(category, net, cost)| CategoryProfit {
            category,
            net_sales: net,
            cost_of_goods: cost,
            margin: Money::from_minor(net.minor() - cost.minor()),
        })
        .collect();
    by_category.sort_by(|a, b| b.margin.cmp(&a.margin).then_with(|| a.category.cmp(&b.category)));
    Ok(ProfitReport {
        from: range.from,
        to: range.to,
        timezone,
        currency,
        net_sales,
        cost_of_goods,
        gross_margin: Money::from_minor(net_sales.minor() - cost_of_goods.minor()),
        labour,
        depreciation,
        profit,
        lines_without_cost,
        shifts_without_rate,
        by_day,
        by_category,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn tax_comes_out_of_inclusive_lines_only() {
        // (amount, rate, inclusive, net)
        let table = [(1100, 1000, true, 1000), (1100, 1000, false, 1100), (1000, 2000, true, 833), (999, 0, true, 999)];
        for (amount, rate, inclusive, net) in table {
            assert_eq!(
                line_net(Money::from_minor(amount), rate, inclusive).minor(),
                net,
                "{amount} {rate} {inclusive}"
            );
        }
    }

    #[test]
    fn a_shift_across_midnight_is_paid_on_both_days_and_only_inside_the_period() {
        let paris = TimeZone::get("Europe/Paris").expect("tz");
        // 18:00 to 02:00 Paris (UTC+1) at 15.00/h: 6 h on the 21st, 2 h on the 22nd.
        let shift = Shift {
            started_at: datetime!(2026-11-21 17:00 UTC),
            ended_at: datetime!(2026-11-22 01:00 UTC),
            hourly_rate: Some(Money::from_minor(1500)),
        };
        let whole = ReportRange { from: datetime!(2026-11-20 23:00 UTC), to: datetime!(2026-11-22 23:00 UTC) };
        let d = |s: &str| s.parse::<Date>().expect("date");
        assert_eq!(
            labour_by_day(&shift, whole, &paris).expect("labour"),
            [(d("2026-11-21"), 9000), (d("2026-11-22"), 3000)]
        );
        let sunday = ReportRange { from: datetime!(2026-11-21 23:00 UTC), to: datetime!(2026-11-22 23:00 UTC) };
        assert_eq!(labour_by_day(&shift, sunday, &paris).expect("labour"), [(d("2026-11-22"), 3000)]);
        let unpaid = Shift { hourly_rate: None, ..shift };
        assert!(labour_by_day(&unpaid, whole, &paris).expect("labour").is_empty());
    }
}
