//! Billing's types and the rules that need no database: which order lines go on a bill, how a
//! split request becomes weights, when a discount needs a manager, what a payment may be.

use comanda_api::{ApiError, validate};
use comanda_domain::{
    BillId, CashSessionId, ItemId, Money, OrderId, OrderLineId, PaymentId, PaymentMethod, RefundId, StaffId, TableId,
    TaxRate,
};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;

use crate::money::{DiscountRule, Priced, ServiceCharge, TaxLine};

/// Bounds on what a person can type at the till.
pub const MAX_AMOUNT: i64 = 100_000_000;
pub const MAX_PARTS: u32 = 20;
/// Discounts above this percentage of the bill need a manager.
pub const DISCOUNT_APPROVAL_PERCENT: u32 = 10;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BillStatus {
    Open,
    Paid,
    /// Split into parts, which are paid instead.
    Split,
    /// Superseded by a newer bill for the same order (nothing was paid on it).
    Void,
}

impl BillStatus {
    pub fn as_str(&self) -> &'static str {
        match self {
            BillStatus::Open => "open",
            BillStatus::Paid => "paid",
            BillStatus::Split => "split",
            BillStatus::Void => "void",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [BillStatus::Open, BillStatus::Paid, BillStatus::Split, BillStatus::Void].into_iter().find(|b| b.as_str() == s)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct BillLine {
    pub line_id: OrderLineId,
    pub item_id: ItemId,
    pub name: String,
    pub category_name: String,
    pub modifiers: Vec<String>,
    pub quantity: u32,
    pub unit_price: Money,
    /// This bill's amount for the line, before bill-level discounts (a share, after a split).
    pub amount: Money,
    /// The line's share of the bill-level discounts (so `amount − discount` is what it earns).
    #[serde(default)]
    pub discount: Money,
    pub tax_rate_bp: TaxRate,
    pub seat: Option<u32>,
    pub comped: bool,
    /// Whether `quantity` counts on this bill (after a split, a shared line counts once).
    pub counts_quantity: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cost: Option<Money>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Discount {
    /// `percent` (value in whole percent) or `amount` (value in minor units).
    pub kind: String,
    pub value: i64,
    pub amount: Money,
    pub reason: String,
    pub approved_by: StaffId,
}

impl Discount {
    pub fn rule(&self) -> DiscountRule {
        if self.kind == "percent" {
            DiscountRule::Percent(u32::try_from(self.value).unwrap_or(0))
        } else {
            DiscountRule::Amount(Money::from_minor(self.value))
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Payment {
    pub id: PaymentId,
    pub bill_id: BillId,
    pub method: PaymentMethod,
    pub amount: Money,
    pub tip: Money,
    pub tendered: Option<Money>,
    pub change: Money,
    pub refunded: Money,
    pub cash_session_id: Option<CashSessionId>,
    pub taken_by: StaffId,
    #[serde(with = "time::serde::rfc3339")]
    pub taken_at: OffsetDateTime,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Refund {
    pub id: RefundId,
    pub payment_id: PaymentId,
    pub amount: Money,
    pub reason: String,
    pub approved_by: StaffId,
    #[serde(with = "time::serde::rfc3339")]
    pub refunded_at: OffsetDateTime,
}

/// A bill as the API shows it (BRIEF §4: `{id,order_id,lines,subtotal,discount_total,
/// service_charge,taxes:[{rate_bp,base,tax}],total,paid,balance,status}` and more).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Bill {
    pub id: BillId,
    pub order_id: OrderId,
    pub parent_bill_id: Option<BillId>,
    /// Part `n` of `parts`, after a split.
    pub part: Option<u32>,
    pub parts: Option<u32>,
    /// The order's number.
    pub number: u32,
    /// The order's version when this bill was made (see `Order::version`).
    pub order_version: u32,
    pub table_id: TableId,
    pub table_name: String,
    pub waiter_id: StaffId,
    pub guests: u32,
    pub status: BillStatus,
    pub currency: String,
    pub prices_include_tax: bool,
    pub lines: Vec<BillLine>,
    pub subtotal: Money,
    pub discounts: Vec<Discount>,
    pub discount_total: Money,
    pub service: Option<ServiceCharge>,
    pub service_charge: Money,
    pub taxes: Vec<TaxLine>,
    pub total: Money,
    /// Sum of payments (tips apart).
    pub paid: Money,
    pub tips: Money,
    pub balance: Money,
    pub refunded: Money,
    pub payments: Vec<Payment>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub paid_at: Option<OffsetDateTime>,
}

impl Bill {
    pub fn priced(&self) -> Vec<Priced> {
        self.lines.iter().map(|l| Priced { amount: l.amount, rate: l.tax_rate_bp }).collect()
    }
}

/// How to split a bill (BRIEF §4).
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(tag = "by", rename_all = "snake_case")]
pub enum SplitRequest {
    Even { parts: u32 },
    Seat,
    Lines { groups: Vec<Vec<OrderLineId>> },
}

impl SplitRequest {
    pub fn name(&self) -> &'static str {
        match self {
            SplitRequest::Even { .. } => "even",
            SplitRequest::Seat => "seat",
            SplitRequest::Lines { .. } => "lines",
        }
    }
}

/// `weights[part][line]` for a split of `lines`.
pub fn split_weights(lines: &[BillLine], request: &SplitRequest) -> Result<Vec<Vec<i64>>, ApiError> {
    match request {
        SplitRequest::Even { parts } => {
            if !(2..=MAX_PARTS).contains(parts) {
                return Err(ApiError::validation(format!("parts must be between 2 and {MAX_PARTS}")));
            }
            let n = usize::try_from(*parts).unwrap_or(2);
            Ok(vec![vec![1; lines.len()]; n])
        }
        SplitRequest::Seat => {
            let mut seats: Vec<u32> = lines.iter().filter_map(|l| l.seat).collect();
            seats.sort_unstable();
            seats.dedup();
            if seats.len() < 2 {
                return Err(ApiError::validation("a split by seat needs lines on at least two seats"));
            }
            // Lines without a seat (a shared bottle) are shared equally by every seat.
            Ok(seats
                .iter()
                .map(|seat| lines.iter().map(|l| i64::from(l.seat.is_none_or(|s| s == *seat))).collect())
                .collect())
        }
        SplitRequest::Lines { groups } => {
            if groups.len() < 2 || groups.len() > usize::try_from(MAX_PARTS).unwrap_or(20) {
                return Err(ApiError::validation(format!("groups must hold 2 to {MAX_PARTS} parts")));
            }
            if groups.iter().any(Vec::is_empty) {
                return Err(ApiError::validation("every group needs at least one line"));
            }
            let mut weights = vec![vec![0i64; lines.len()]; groups.len()];
            for (g, group) in groups.iter().enumerate() {
                for id in group {
                    let i = lines
                        .iter()
                        .position(|l| l.line_id == *id)
                        .ok_or_else(|| ApiError::validation(format!("line {id} is not on this bill")))?;
                    if weights.iter().any(|w| w[i] != 0) {
                        return Err(ApiError::validation(format!("line {id} is in two groups")));
                    }
                    weights[g][i] = 1;
                }
            }
            if let Some(i) = (0..lines.len()).find(|i| weights.iter().all(|w| w[*i] == 0)) {
                return Err(ApiError::validation(format!("line {} is in no group", lines[i].line_id)));
            }
            Ok(weights)
        }
    }
}

/// A discount request, checked: its rule and whether it needs a manager.
pub fn discount_rule(kind: &str, value: i64, subtotal: Money) -> Result<(DiscountRule, bool), ApiError> {
    match kind {
        "percent" => {
            let pct = u32::try_from(value).ok().filter(|p| (1..=100).contains(p));
            let pct =
                pct.ok_or_else(|| ApiError::validation("a percent discount's value is a whole percent from 1 to 100"))?;
            Ok((DiscountRule::Percent(pct), pct > DISCOUNT_APPROVAL_PERCENT))
        }
        "amount" => {
            validate::range("value", value, 1, MAX_AMOUNT)?;
            // More than the approval percentage of the bill needs a manager.
            let limit = i128::from(subtotal.minor()) * i128::from(DISCOUNT_APPROVAL_PERCENT) / 100;
            Ok((DiscountRule::Amount(Money::from_minor(value)), i128::from(value) > limit))
        }
        _ => Err(ApiError::validation("kind must be percent or amount")),
    }
}

/// A payment's amount, tip and tendered cash, checked against the balance. Returns the change.
pub fn payment(
    method: PaymentMethod,
    amount: i64,
    tip: i64,
    tendered: Option<i64>,
    balance: Money,
) -> Result<Money, ApiError> {
    validate::range("amount", amount, 1, MAX_AMOUNT)?;
    validate::range("tip", tip, 0, MAX_AMOUNT)?;
    if amount > balance.minor() {
        return Err(ApiError::validation(format!("amount is more than the balance ({})", balance)));
    }
    let due = amount + tip;
    match (method, tendered) {
        (PaymentMethod::Cash, Some(t)) => {
            validate::range("tendered", t, 0, MAX_AMOUNT)?;
            if t < due {
                return Err(ApiError::validation(format!(
                    "tendered is less than amount + tip ({})",
                    Money::from_minor(due)
                )));
            }
            Ok(Money::from_minor(t - due))
        }
        (PaymentMethod::Cash, None) => Ok(Money::ZERO),
        (_, Some(_)) => Err(ApiError::validation("tendered is for cash payments only")),
        (_, None) => Ok(Money::ZERO),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(seat: Option<u32>) -> BillLine {
        BillLine {
            line_id: OrderLineId::new(),
            item_id: ItemId::new(),
            name: "x".into(),
            category_name: "c".into(),
            modifiers: Vec::new(),
            quantity: 1,
            unit_price: Money::from_minor(100),
            amount: Money::from_minor(100),
            discount: Money::ZERO,
            tax_rate_bp: TaxRate::from_bp(1000).expect("rate"),
            seat,
            comped: false,
            counts_quantity: true,
            cost: None,
        }
    }

    #[test]
    fn split_requests_become_weights() {
        let lines = [line(Some(1)), line(Some(2)), line(None), line(Some(1))];
        assert_eq!(
            split_weights(&lines, &SplitRequest::Even { parts: 2 }).expect("even"),
            vec![vec![1; 4], vec![1; 4]]
        );
        assert_eq!(split_weights(&lines, &SplitRequest::Seat).expect("seat"), vec![vec![1, 0, 1, 1], vec![0, 1, 1, 0]]);
        let groups = vec![vec![lines[0].line_id, lines[2].line_id], vec![lines[1].line_id, lines[3].line_id]];
        assert_eq!(
            split_weights(&lines, &SplitRequest::Lines { groups }).expect("lines"),
            vec![vec![1, 0, 1, 0], vec![0, 1, 0, 1]]
        );
        // (request, message fragment)
        let bad: [(SplitRequest, &str); 6] = [
            (SplitRequest::Even { parts: 1 }, "parts must be between 2"),
            (SplitRequest::Even { parts: 21 }, "parts must be between 2"),
            (SplitRequest::Lines { groups: vec![vec![lines[0].line_id]] }, "2 to 20 parts"),
            (
                SplitRequest::Lines { groups: vec![vec![lines[0].line_id, lines[1].line_id], vec![lines[2].line_id]] },
                "is in no group",
            ),
            (
                SplitRequest::Lines {
                    groups: vec![
                        vec![lines[0].line_id],
                        vec![lines[0].line_id, lines[1].line_id, lines[2].line_id, lines[3].line_id],
                    ],
                },
                "in two groups",
            ),
            (
                SplitRequest::Lines { groups: vec![vec![OrderLineId::new()], vec![lines[0].line_id]] },
                "not on this bill",
            ),
        ];
        for (request, fragment) in bad {
            let e = split_weights(&lines, &request).expect_err("refused");
            assert!(e.message().contains(fragment), "{request:?}: {}", e.message());
        }
        assert!(split_weights(&[line(Some(1)), line(None)], &SplitRequest::Seat).is_err(), "one seat is no split");
    }

    #[test]
    fn big_discounts_need_a_manager() {
        let subtotal = Money::from_minor(10_000);
        // (kind, value, needs approval)
        let table = [("percent", 10, false), ("percent", 11, true), ("amount", 1000, false), ("amount", 1001, true)];
        for (kind, value, approval) in table {
            assert_eq!(discount_rule(kind, value, subtotal).expect("valid").1, approval, "{kind} {value}");
        }
        for (kind, value) in [("percent", 0), ("percent", 101), ("amount", 0), ("amount", -5), ("coupon", 5)] {
            assert!(discount_rule(kind, value, subtotal).is_err(), "{kind} {value}");
        }
    }

    #[test]
    fn payments_give_change_and_respect_the_balance() {
        let balance = Money::from_minor(2350);
        use PaymentMethod::*;
        // (method, amount, tip, tendered, Ok(change) or Err(fragment))
        // (method, amount, tip, tendered, Ok(change) or Err(message fragment))
        type Case = (PaymentMethod, i64, i64, Option<i64>, Result<i64, &'static str>);
        let table: [Case; 7] = [
            (Cash, 2350, 0, Some(5000), Ok(2650)),
            (Cash, 2350, 150, Some(2500), Ok(0)),
            (Cash, 1000, 0, None, Ok(0)),
            (Cash, 2350, 0, Some(2000), Err("tendered is less")),
            (Card, 2351, 0, None, Err("more than the balance")),
            (Card, 2350, 300, Some(3000), Err("cash payments only")),
            (Card, 0, 0, None, Err("amount must be between")),
        ];
        for (method, amount, tip, tendered, expected) in table {
            match (payment(method, amount, tip, tendered, balance), expected) {
                (Ok(change), Ok(want)) => assert_eq!(change.minor(), want),
                (Err(e), Err(fragment)) => assert!(e.message().contains(fragment), "{}", e.message()),
                (got, want) => panic!("{method:?} {amount}: got {got:?}, want {want:?}"),
            }
        }
    }
}
