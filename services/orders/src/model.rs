//! Orders' types and rules, pure: what a valid line request is, which lines a send fires,
//! what a line is worth. Most of the service's tests live here.

use comanda_api::{ApiError, validate};
use comanda_domain::{
    ItemId, LineData, ModifierOptionId, Money, OrderId, OrderLineId, StaffId, StationId, TableId, TaxRate,
};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;

pub const MAX_QUANTITY: u32 = 999;
pub const MAX_GUESTS: u32 = 200;
pub const MAX_SEAT: u32 = 200;
pub const MAX_COURSE: u32 = 9;
pub const NOTE_MAX: usize = 200;
pub const REASON_MAX: usize = 200;
pub const LINES_PER_REQUEST: usize = 100;
pub const LINES_PER_ORDER: usize = 1000;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    Open,
    Closed,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LineStatus {
    /// On the tablet's ticket, not yet with the kitchen.
    Unsent,
    Sent,
    Voided,
}

impl LineStatus {
    pub fn as_str(&self) -> &'static str {
        match self {
            LineStatus::Unsent => "unsent",
            LineStatus::Sent => "sent",
            LineStatus::Voided => "voided",
        }
    }
}

/// One line of an order, as tablets and billing see it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct OrderLine {
    pub id: OrderLineId,
    pub item_id: ItemId,
    pub name: String,
    pub category_name: String,
    pub quantity: u32,
    /// Per unit, item price plus modifier deltas, as ordered.
    pub unit_price: Money,
    pub tax_rate_bp: TaxRate,
    pub station_id: StationId,
    pub station_name: String,
    pub modifiers: Vec<String>,
    pub seat: Option<u32>,
    pub course: u32,
    pub note: Option<String>,
    pub status: LineStatus,
    pub comped: bool,
    /// What the guest pays for it: quantity × unit price, 0 when voided or comped.
    pub total: Money,
    /// Cost of goods per unit when ordered (for the profit report).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cost: Option<Money>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub sent_at: Option<OffsetDateTime>,
    pub added_by: StaffId,
}

impl OrderLine {
    pub fn data(&self) -> LineData {
        LineData {
            line_id: self.id,
            item_id: self.item_id,
            name: self.name.clone(),
            quantity: self.quantity,
            unit_price: self.unit_price,
            tax_rate_bp: self.tax_rate_bp,
            station_id: self.station_id,
            modifiers: self.modifiers.clone(),
            seat: self.seat,
            course: self.course,
            note: self.note.clone(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Order {
    pub id: OrderId,
    pub number: u32,
    pub table_id: TableId,
    pub table_name: String,
    pub guests: u32,
    pub waiter_id: StaffId,
    pub waiter_name: String,
    pub status: OrderStatus,
    /// Sum of the lines' totals (before bill-level discounts and service charge).
    pub subtotal: Money,
    #[serde(with = "time::serde::rfc3339")]
    pub opened_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub closed_at: Option<OffsetDateTime>,
    /// Bumped by every change; a bill made at another version is out of date.
    pub version: u32,
    /// Payment has started on its bill: the order can no longer change.
    pub locked: bool,
    pub lines: Vec<OrderLine>,
}

/// A line a waiter asks for.
#[derive(Clone, Debug, Deserialize, ToSchema)]
pub struct LineRequest {
    pub item_id: ItemId,
    pub quantity: u32,
    #[serde(default)]
    pub modifier_option_ids: Vec<ModifierOptionId>,
    pub seat: Option<u32>,
    /// 1 = first course (default), 2 = mains, …
    pub course: Option<u32>,
    pub note: Option<String>,
}

/// A line request that passed the rules that need no menu.
#[derive(Clone, Debug, PartialEq)]
pub struct CheckedLine {
    pub item_id: ItemId,
    pub quantity: u32,
    pub modifier_option_ids: Vec<ModifierOptionId>,
    pub seat: Option<u32>,
    pub course: u32,
    pub note: Option<String>,
}

pub fn guests(n: u32) -> Result<u32, ApiError> {
    validate::range("guests", i64::from(n), 1, i64::from(MAX_GUESTS))?;
    Ok(n)
}

pub fn check_lines(lines: &[LineRequest]) -> Result<Vec<CheckedLine>, ApiError> {
    if lines.is_empty() {
        return Err(ApiError::validation("lines must not be empty"));
    }
    if lines.len() > LINES_PER_REQUEST {
        return Err(ApiError::validation(format!("at most {LINES_PER_REQUEST} lines at once")));
    }
    lines.iter().enumerate().map(|(i, l)| check_line(i, l)).collect()
}

fn check_line(i: usize, l: &LineRequest) -> Result<CheckedLine, ApiError> {
    let at = |field: &str| format!("lines[{i}].{field}");
    if l.quantity == 0 || l.quantity > MAX_QUANTITY {
        return Err(ApiError::validation(format!("{} must be between 1 and {MAX_QUANTITY}", at("quantity"))));
    }
    if let Some(seat) = l.seat
        && (seat == 0 || seat > MAX_SEAT)
    {
        return Err(ApiError::validation(format!("{} must be between 1 and {MAX_SEAT}", at("seat"))));
    }
    let course = l.course.unwrap_or(1);
    if course == 0 || course > MAX_COURSE {
        return Err(ApiError::validation(format!("{} must be between 1 and {MAX_COURSE}", at("course"))));
    }
    let note = match l.note.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
        Some(n) => Some(validate::text(&at("note"), n, 1, NOTE_MAX)?),
        None => None,
    };
    if l.modifier_option_ids.len() > 50 {
        return Err(ApiError::validation(format!("{} has too many modifiers", at("modifier_option_ids"))));
    }
    Ok(CheckedLine {
        item_id: l.item_id,
        quantity: l.quantity,
        modifier_option_ids: l.modifier_option_ids.clone(),
        seat: l.seat,
        course,
        note,
    })
}

pub fn reason(raw: &str) -> Result<String, ApiError> {
    validate::text("reason", raw, 1, REASON_MAX)
}

/// What a line is worth to the guest.
pub fn line_total(unit_price: Money, quantity: u32, status: LineStatus, comped: bool) -> Result<Money, ApiError> {
    if status == LineStatus::Voided || comped {
        return Ok(Money::ZERO);
    }
    unit_price.checked_mul(i64::from(quantity)).map_err(|_| ApiError::validation("line total is out of range"))
}

/// Which unsent lines a send fires: all of them, or only one course ("fire mains").
pub fn to_send(lines: &[OrderLine], course: Option<u32>) -> Vec<&OrderLine> {
    lines.iter().filter(|l| l.status == LineStatus::Unsent && course.is_none_or(|c| l.course == c)).collect()
}

/// The next order number after `last`: 1..=999, wrapping.
pub fn next_number(last: Option<u32>) -> u32 {
    match last {
        Some(n) if n < 999 => n + 1,
        _ => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(quantity: u32, seat: Option<u32>, course: Option<u32>, note: Option<&str>) -> LineRequest {
        LineRequest {
            item_id: ItemId::new(),
            quantity,
            modifier_option_ids: Vec::new(),
            seat,
            course,
            note: note.map(Into::into),
        }
    }

    #[test]
    fn line_requests_are_bounded() {
        // (request, Ok(course) or Err(message fragment))
        let long_note = "n".repeat(201);
        let table: Vec<(LineRequest, Result<u32, &str>)> = vec![
            (req(1, None, None, None), Ok(1)),
            (req(999, Some(4), Some(2), Some("no onions")), Ok(2)),
            (req(0, None, None, None), Err("quantity must be between 1 and 999")),
            (req(1000, None, None, None), Err("quantity must be between 1 and 999")),
            (req(1, Some(0), None, None), Err("seat must be between")),
            (req(1, None, Some(0), None), Err("course must be between 1 and 9")),
            (req(1, None, Some(10), None), Err("course must be between 1 and 9")),
            (req(1, None, None, Some(&long_note)), Err("note must be at most 200")),
            (req(1, None, None, Some("   ")), Ok(1)),
        ];
        for (request, expected) in table {
            match (check_lines(std::slice::from_ref(&request)), expected) {
                (Ok(lines), Ok(course)) => assert_eq!(lines[0].course, course),
                (Err(e), Err(fragment)) => assert!(e.message().contains(fragment), "{}", e.message()),
                (got, want) => panic!("{request:?}: got {got:?}, want {want:?}"),
            }
        }
        assert!(check_lines(&[]).is_err());
    }

    #[test]
    fn line_totals_count_only_what_the_guest_pays() {
        let p = Money::from_minor(1250);
        // (quantity, status, comped, total)
        let table = [
            (2, LineStatus::Unsent, false, 2500),
            (2, LineStatus::Sent, false, 2500),
            (2, LineStatus::Voided, false, 0),
            (3, LineStatus::Sent, true, 0),
        ];
        for (q, status, comped, total) in table {
            assert_eq!(line_total(p, q, status, comped).expect("fits"), Money::from_minor(total));
        }
        assert!(line_total(Money::from_minor(i64::MAX / 2), 999, LineStatus::Sent, false).is_err());
    }

    #[test]
    fn order_numbers_wrap_after_999() {
        assert_eq!(
            [next_number(None), next_number(Some(1)), next_number(Some(998)), next_number(Some(999))],
            [1, 2, 999, 1]
        );
    }
}
