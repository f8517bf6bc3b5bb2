//! Payloads of billing's events: bills, payments, refunds and the cash drawer. A `bill.paid`
//! carries what reporting needs (lines, taxes, who served), so reports never read billing's
//! tables.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{BillId, CashSessionId, ItemId, Money, OrderId, PaymentId, RefundId, StaffId, TableId, TaxRate};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PaymentMethod {
    Cash,
    Card,
    Other,
}

impl PaymentMethod {
    pub fn as_str(&self) -> &'static str {
        match self {
            PaymentMethod::Cash => "cash",
            PaymentMethod::Card => "card",
            PaymentMethod::Other => "other",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BillCreated {
    pub bill_id: BillId,
    pub order_id: OrderId,
    pub table_id: TableId,
    /// The bill this one is a part of, after a split.
    pub parent_bill_id: Option<BillId>,
    pub total: Money,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BillDiscounted {
    pub bill_id: BillId,
    pub order_id: OrderId,
    /// `percent` or `amount`.
    pub kind: String,
    pub value: i64,
    pub amount: Money,
    pub reason: String,
    pub approved_by: StaffId,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BillSplit {
    pub bill_id: BillId,
    pub order_id: OrderId,
    /// `even`, `seat` or `lines`.
    pub by: String,
    pub parts: Vec<BillId>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PaymentTaken {
    pub payment_id: PaymentId,
    pub bill_id: BillId,
    pub order_id: OrderId,
    pub method: PaymentMethod,
    pub amount: Money,
    pub tip: Money,
    pub tendered: Option<Money>,
    pub change: Money,
    pub cash_session_id: Option<CashSessionId>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PaymentRefunded {
    pub refund_id: RefundId,
    pub payment_id: PaymentId,
    pub bill_id: BillId,
    pub method: PaymentMethod,
    pub amount: Money,
    pub reason: String,
    pub approved_by: StaffId,
    pub cash_session_id: Option<CashSessionId>,
}

/// A sold line as paid on one bill. After a split, a shared line's `quantity` counts on the
/// first part only, so quantities still add up; `amount` is this bill's share after discounts.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PaidLine {
    pub item_id: ItemId,
    pub name: String,
    pub category_name: String,
    pub quantity: u32,
    pub amount: Money,
    pub tax_rate_bp: TaxRate,
    /// Cost of goods for `quantity`, when known.
    pub cost: Option<Money>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PaidTax {
    pub rate_bp: TaxRate,
    pub base: Money,
    pub tax: Money,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BillPaid {
    pub bill_id: BillId,
    pub order_id: OrderId,
    pub table_id: TableId,
    pub waiter_id: StaffId,
    pub prices_include_tax: bool,
    /// Lines before bill-level discounts.
    pub subtotal: Money,
    pub discount_total: Money,
    pub service_charge: Money,
    pub taxes: Vec<PaidTax>,
    pub total: Money,
    pub tips: Money,
    pub lines: Vec<PaidLine>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CashSessionOpened {
    pub session_id: CashSessionId,
    pub opening_float: Money,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CashMoved {
    pub session_id: CashSessionId,
    /// `in` or `out`.
    pub kind: String,
    pub amount: Money,
    pub reason: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CashSessionClosed {
    pub session_id: CashSessionId,
    pub expected: Money,
    pub counted: Money,
    /// counted − expected: negative when cash is missing.
    pub difference: Money,
}
