//! The billing service: bills from orders, discounts, service charge, splits, payments,
//! refunds, receipts, and the cash drawer (sessions with X and Z reports).
//!
//! Owns the `billing_*` tables. Money arithmetic lives in [`money`] (pure, property-tested);
//! this file applies it. It reads orders through `comanda_orders::order_in` and the site's tax
//! style through `comanda_site::settings_in`, inside its own transaction, and closes the order
//! (through the orders service) when the last bill of it is paid.

pub mod api;
pub mod cash;
pub mod model;
pub mod money;
pub mod receipt;
mod sql;

use axum::extract::FromRef;
use comanda_api::ApiError;
use comanda_domain::{
    Actor, BillCreated, BillDiscounted, BillId, BillPaid, BillSplit, Event, Money, OrderId, PaidLine, PaidTax,
    PaymentId, PaymentMethod, PaymentRefunded, PaymentTaken, RefundId, StaffId,
};
use comanda_orders::model::{LineStatus, OrderStatus};
use comanda_staff::{Auth, AuthStaff, Staff};
use comanda_store::{Migration, Migrations, Store, WriteTx};
use serde::Serialize;
use utoipa::ToSchema;

pub use api::router;
use model::{Bill, BillLine, BillStatus, Discount, Payment, Refund, SplitRequest};
use money::ServiceCharge;

pub const MIGRATIONS: Migrations = Migrations {
    service: "billing",
    steps: &[
        Migration { version: 1, name: "init", sql: include_str!("../migrations/0001_init.sql") },
        Migration { version: 2, name: "order_version", sql: include_str!("../migrations/0002_order_version.sql") },
    ],
};

#[derive(Clone, Debug)]
pub struct Billing {
    store: Store,
    staff: Staff,
}

impl FromRef<Billing> for Auth {
    fn from_ref(b: &Billing) -> Auth {
        b.staff.auth().clone()
    }
}

/// The answer to a payment: the payment, the change to hand back, and the bill after it.
#[derive(Debug, Serialize, ToSchema)]
pub struct PaymentReceipt {
    pub payment: Payment,
    pub change: Money,
    pub bill: Bill,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RefundReceipt {
    pub refund: Refund,
    pub bill: Bill,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SplitResult {
    pub parts: Vec<Bill>,
}

/// The most service charge a bill may carry: 25 %.
pub const MAX_SERVICE_BP: i64 = 2_500;

/// Would the bill's discounts, with this one added, come to more than the threshold?
fn discount_over_threshold(bill: &Bill, kind: &str, value: i64) -> Result<bool, ApiError> {
    let (rule, _) = model::discount_rule(kind, value, bill.subtotal)?;
    let mut rules: Vec<_> = bill.discounts.iter().map(Discount::rule).collect();
    rules.push(rule);
    let totals = money::compute(&bill.priced(), &rules, bill.service, bill.prices_include_tax).map_err(math)?;
    let limit = i128::from(bill.subtotal.minor()) * i128::from(model::DISCOUNT_APPROVAL_PERCENT) / 100;
    Ok(i128::from(totals.discount_total.minor()) > limit)
}

fn math(e: money::BillMathError) -> ApiError {
    ApiError::validation(e.to_string())
}

pub fn bill_in(conn: &comanda_store::rusqlite::Connection, id: BillId) -> Result<Bill, ApiError> {
    sql::bill(conn, id)?.ok_or_else(|| ApiError::not_found("no such bill"))
}

fn open_bill(tx: &WriteTx<'_>, id: BillId) -> Result<Bill, ApiError> {
    let bill = bill_in(tx.conn(), id)?;
    // The bill must still match its order: a dessert added, a line voided or comped, or a
    // move since the bill was made would otherwise be paid wrongly (or not at all).
    let order = comanda_orders::order_in(tx.conn(), bill.order_id)?;
    if bill.status == BillStatus::Open && (order.status == OrderStatus::Closed || order.version != bill.order_version) {
        return Err(ApiError::conflict(
            "the order changed since this bill was made (lines added, voided, comped or moved): make the bill again",
        ));
    }
    match bill.status {
        BillStatus::Open => Ok(bill),
        BillStatus::Paid => Err(ApiError::conflict("this bill is already paid")),
        BillStatus::Split => Err(ApiError::conflict("this bill was split; pay its parts")),
        BillStatus::Void => Err(ApiError::conflict("this bill was replaced by a newer one for the same order")),
    }
}

/// Recomputes a bill's amounts from its lines, discounts and service charge.
fn recompute(bill: &mut Bill, rules: &[money::DiscountRule]) -> Result<(), ApiError> {
    let totals = money::compute(&bill.priced(), rules, bill.service, bill.prices_include_tax).map_err(math)?;
    for (d, amount) in bill.discounts.iter_mut().zip(&totals.discounts) {
        d.amount = *amount;
    }
    for (line, after) in bill.lines.iter_mut().zip(&totals.lines_after_discount) {
        line.discount = line.amount.checked_sub(*after).map_err(|_| ApiError::validation("amount out of range"))?;
    }
    bill.subtotal = totals.subtotal;
    bill.discount_total = totals.discount_total;
    bill.service_charge = totals.service_charge;
    bill.taxes = totals.taxes;
    bill.total = totals.total;
    bill.balance = bill.total.checked_sub(bill.paid).map_err(|_| ApiError::validation("amount out of range"))?;
    Ok(())
}

impl Billing {
    pub fn new(store: Store, staff: Staff) -> Self {
        Self { store, staff }
    }

    pub async fn bill(&self, id: BillId) -> Result<Bill, ApiError> {
        self.store.read(move |c| bill_in(c, id)).await
    }

    pub async fn bills_of_order(&self, order: OrderId) -> Result<Vec<Bill>, ApiError> {
        Ok(self.store.read(move |c| sql::bills_of_order(c, order)).await?)
    }

    /// The bill for an order as it is now. An unpaid older bill is replaced (the table ordered
    /// dessert after asking for the bill); once money was taken on a bill, it stands.
    pub fn create(
        tx: &mut WriteTx<'_>,
        who: &AuthStaff,
        order_id: OrderId,
        service: Option<ServiceCharge>,
    ) -> Result<Bill, ApiError> {
        let order = comanda_orders::order_in(tx.conn(), order_id)?;
        if order.status == OrderStatus::Closed {
            return Err(ApiError::conflict(format!("order {} is closed", order.number)));
        }
        let unsent = order.lines.iter().filter(|l| l.status == LineStatus::Unsent).count();
        if unsent > 0 {
            return Err(ApiError::conflict(format!("{unsent} line(s) are not sent yet: send or void them first")));
        }
        let settings =
            comanda_site::settings_in(tx.conn())?.ok_or_else(|| ApiError::conflict("the box is not set up yet"))?;
        let now = tx.now();
        for old in sql::bills_of_order(tx.conn(), order_id)? {
            match old.status {
                BillStatus::Void => {}
                BillStatus::Open if old.payments.is_empty() && old.parent_bill_id.is_none() => {
                    sql::set_status(tx.conn(), old.id, BillStatus::Void, now)?;
                }
                _ => {
                    return Err(ApiError::conflict(
                        "this order already has a bill with payments or parts; settle that one",
                    ));
                }
            }
        }
        let lines: Vec<BillLine> = order
            .lines
            .iter()
            .filter(|l| l.status == LineStatus::Sent)
            .map(|l| BillLine {
                line_id: l.id,
                item_id: l.item_id,
                name: l.name.clone(),
                category_name: l.category_name.clone(),
                modifiers: l.modifiers.clone(),
                quantity: l.quantity,
                unit_price: l.unit_price,
                amount: l.total,
                discount: Money::ZERO,
                tax_rate_bp: l.tax_rate_bp,
                seat: l.seat,
                comped: l.comped,
                counts_quantity: true,
                cost: l.cost.and_then(|c| c.checked_mul(i64::from(l.quantity)).ok()),
            })
            .collect();
        if lines.is_empty() {
            return Err(ApiError::conflict("nothing to bill: no sent lines on this order"));
        }
        if let Some(s) = service {
            comanda_api::validate::range("service_charge.rate_bp", i64::from(s.rate_bp), 0, MAX_SERVICE_BP)?;
        }
        let mut bill = Bill {
            id: BillId::new(),
            order_id,
            parent_bill_id: None,
            part: None,
            parts: None,
            number: order.number,
            order_version: order.version,
            table_id: order.table_id,
            table_name: order.table_name.clone(),
            waiter_id: order.waiter_id,
            guests: order.guests,
            status: BillStatus::Open,
            currency: settings.currency,
            prices_include_tax: settings.prices_include_tax,
            lines,
            subtotal: Money::ZERO,
            discounts: Vec::new(),
            discount_total: Money::ZERO,
            service,
            service_charge: Money::ZERO,
            taxes: Vec::new(),
            total: Money::ZERO,
            paid: Money::ZERO,
            tips: Money::ZERO,
            balance: Money::ZERO,
            refunded: Money::ZERO,
            payments: Vec::new(),
            created_at: comanda_store::truncate_to_micros(now),
            paid_at: None,
        };
        recompute(&mut bill, &[])?;
        sql::insert_bill(tx.conn(), &bill)?;
        tx.append(
            who.actor(),
            Event::BillCreated(BillCreated {
                bill_id: bill.id,
                order_id,
                table_id: bill.table_id,
                parent_bill_id: None,
                total: bill.total,
            }),
        )?;
        Self::settle_if_nothing_due(tx, who.actor(), bill.id)?;
        bill_in(tx.conn(), bill.id)
    }

    /// A bill with nothing to pay (everything comped, a 100 % discount, a split part holding
    /// only comped lines) is settled at once, or its order could never close.
    fn settle_if_nothing_due(tx: &mut WriteTx<'_>, actor: Actor, id: BillId) -> Result<(), ApiError> {
        let bill = bill_in(tx.conn(), id)?;
        if bill.status == BillStatus::Open && bill.balance == Money::ZERO {
            Self::settle(tx, actor, &bill)?;
        }
        Ok(())
    }

    /// Whether a discount needs a manager, for the handler to ask before writing. (The write
    /// checks again: the bill may have changed in between.)
    pub async fn discount_needs_approval(&self, bill: BillId, kind: &str, value: i64) -> Result<bool, ApiError> {
        let bill = self.bill(bill).await?;
        discount_over_threshold(&bill, kind, value)
    }

    pub fn discount(
        tx: &mut WriteTx<'_>,
        who: &AuthStaff,
        id: BillId,
        kind: &str,
        value: i64,
        reason: &str,
        approved_by: Option<StaffId>,
    ) -> Result<Bill, ApiError> {
        let reason = comanda_api::validate::text("reason", reason, 1, 200)?;
        let mut bill = open_bill(tx, id)?;
        if !bill.payments.is_empty() || bill.parent_bill_id.is_some() {
            return Err(ApiError::conflict("discount the bill before taking payments or splitting it"));
        }
        // All the bill's discounts together count against the threshold, so small ones cannot
        // be stacked past it without a manager.
        if discount_over_threshold(&bill, kind, value)? && approved_by.is_none() && !who.role.is_manager() {
            return Err(ApiError::forbidden("Manager PIN needed for more than 10 % off"));
        }
        let approved_by = approved_by.unwrap_or(who.id);
        model::discount_rule(kind, value, bill.subtotal)?;
        bill.discounts.push(Discount {
            kind: kind.to_owned(),
            value,
            amount: Money::ZERO,
            reason: reason.clone(),
            approved_by,
        });
        let rules: Vec<_> = bill.discounts.iter().map(Discount::rule).collect();
        recompute(&mut bill, &rules)?;
        sql::update_amounts(tx.conn(), &bill)?;
        let amount = bill.discounts.last().map(|d| d.amount).unwrap_or(Money::ZERO);
        tx.append(
            who.actor(),
            Event::BillDiscounted(BillDiscounted {
                bill_id: id,
                order_id: bill.order_id,
                kind: kind.to_owned(),
                value,
                amount,
                reason,
                approved_by,
            }),
        )?;
        Self::settle_if_nothing_due(tx, who.actor(), id)?;
        bill_in(tx.conn(), id)
    }

    /// Splits an unpaid bill into parts that add up to it exactly.
    pub fn split(
        tx: &mut WriteTx<'_>,
        who: &AuthStaff,
        id: BillId,
        request: &SplitRequest,
    ) -> Result<SplitResult, ApiError> {
        let bill = open_bill(tx, id)?;
        if !bill.payments.is_empty() {
            return Err(ApiError::conflict("split the bill before taking payments"));
        }
        if bill.parent_bill_id.is_some() {
            return Err(ApiError::conflict("this is already a part of a split bill"));
        }
        let weights = model::split_weights(&bill.lines, request)?;
        let rules: Vec<_> = bill.discounts.iter().map(Discount::rule).collect();
        let priced = bill.priced();
        let totals = money::compute(&priced, &rules, bill.service, bill.prices_include_tax).map_err(math)?;
        let parts = money::split(&priced, &totals, bill.service, &weights, bill.prices_include_tax).map_err(math)?;
        let now = comanda_store::truncate_to_micros(tx.now());
        let count = u32::try_from(parts.len()).unwrap_or(u32::MAX);
        let mut ids = Vec::with_capacity(parts.len());
        let mut quantity_counted = vec![false; bill.lines.len()];
        // Each line's discount follows its amount into the parts, so every part reports its
        // share of the bill's discounts and `subtotal − discount_total` is still its lines.
        let discount_shares: Vec<Vec<i64>> = bill
            .lines
            .iter()
            .enumerate()
            .map(|(i, line)| {
                let discount = line.amount.minor() - totals.lines_after_discount[i].minor();
                let after: Vec<i64> = parts.iter().map(|part| part.lines[i].minor()).collect();
                // A line worth nothing after discounts: its discount goes where the line went.
                let by = if after.iter().all(|a| *a == 0) { weights.iter().map(|w| w[i]).collect() } else { after };
                money::allocate(discount, &by, 0)
            })
            .collect();
        let overflow = |_| ApiError::validation("amount out of range");
        for (p, part) in parts.into_iter().enumerate() {
            let lines: Vec<BillLine> = bill
                .lines
                .iter()
                .zip(&part.lines)
                .enumerate()
                .filter(|(i, _)| weights[p][*i] > 0)
                .map(|(i, (line, share))| {
                    let counts = !quantity_counted[i];
                    quantity_counted[i] = true;
                    let discount = Money::from_minor(discount_shares[i][p]);
                    let amount = share.checked_add(discount).unwrap_or(*share);
                    BillLine { amount, discount, counts_quantity: counts, ..line.clone() }
                })
                .collect();
            let subtotal = Money::checked_sum(lines.iter().map(|l| l.amount)).map_err(overflow)?;
            let discount_total = Money::checked_sum(lines.iter().map(|l| l.discount)).map_err(overflow)?;
            let child = Bill {
                id: BillId::new(),
                parent_bill_id: Some(id),
                part: Some(u32::try_from(p + 1).unwrap_or(u32::MAX)),
                parts: Some(count),
                lines,
                subtotal,
                discounts: Vec::new(),
                discount_total,
                service_charge: part.service_charge,
                taxes: part.taxes,
                total: part.total,
                balance: part.total,
                created_at: now,
                ..bill.clone()
            };
            sql::insert_bill(tx.conn(), &child)?;
            tx.append(
                who.actor(),
                Event::BillCreated(BillCreated {
                    bill_id: child.id,
                    order_id: child.order_id,
                    table_id: child.table_id,
                    parent_bill_id: Some(id),
                    total: child.total,
                }),
            )?;
            ids.push(child.id);
        }
        sql::set_status(tx.conn(), id, BillStatus::Split, now)?;
        tx.append(
            who.actor(),
            Event::BillSplit(BillSplit {
                bill_id: id,
                order_id: bill.order_id,
                by: request.name().to_owned(),
                parts: ids.clone(),
            }),
        )?;
        for part in &ids {
            Self::settle_if_nothing_due(tx, who.actor(), *part)?;
        }
        let parts = ids.into_iter().map(|i| bill_in(tx.conn(), i)).collect::<Result<_, _>>()?;
        Ok(SplitResult { parts })
    }

    /// Takes a payment. At balance 0 the bill is paid; when no bill of the order is left to
    /// pay, the order closes and its table frees up.
    pub fn pay(
        tx: &mut WriteTx<'_>,
        who: &AuthStaff,
        id: BillId,
        method: PaymentMethod,
        amount: i64,
        tip: i64,
        tendered: Option<i64>,
    ) -> Result<PaymentReceipt, ApiError> {
        let bill = open_bill(tx, id)?;
        let change = model::payment(method, amount, tip, tendered, bill.balance)?;
        let session = sql::open_session(tx.conn())?;
        if method == PaymentMethod::Cash && session.is_none() {
            return Err(ApiError::conflict("open the cash drawer (a cash session) before taking cash"));
        }
        let now = comanda_store::truncate_to_micros(tx.now());
        let payment = Payment {
            id: PaymentId::new(),
            bill_id: id,
            method,
            amount: Money::from_minor(amount),
            tip: Money::from_minor(tip),
            tendered: if method == PaymentMethod::Cash {
                Some(Money::from_minor(tendered.unwrap_or(amount + tip)))
            } else {
                None
            },
            change,
            refunded: Money::ZERO,
            cash_session_id: session.map(|s| s.id),
            taken_by: who.id,
            taken_at: now,
        };
        sql::insert_payment(tx.conn(), &payment)?;
        // Money is taken: the order may no longer change under this bill.
        comanda_orders::Orders::lock(tx, bill.order_id)?;
        tx.append(
            who.actor(),
            Event::PaymentTaken(PaymentTaken {
                payment_id: payment.id,
                bill_id: id,
                order_id: bill.order_id,
                method,
                amount: payment.amount,
                tip: payment.tip,
                tendered: payment.tendered,
                change,
                cash_session_id: payment.cash_session_id,
            }),
        )?;
        let after = bill_in(tx.conn(), id)?;
        if after.balance == Money::ZERO {
            Self::settle(tx, who.actor(), &after)?;
        }
        Ok(PaymentReceipt { payment, change, bill: bill_in(tx.conn(), id)? })
    }

    fn settle(tx: &mut WriteTx<'_>, actor: Actor, bill: &Bill) -> Result<(), ApiError> {
        sql::set_status(tx.conn(), bill.id, BillStatus::Paid, tx.now())?;
        // Reports want what each line really brought in: its amount after the bill's discounts.
        let lines = bill
            .lines
            .iter()
            .map(|l| (l, l.amount.checked_sub(l.discount).unwrap_or(l.amount)))
            .map(|(l, amount)| PaidLine {
                item_id: l.item_id,
                name: l.name.clone(),
                category_name: l.category_name.clone(),
                quantity: if l.counts_quantity { l.quantity } else { 0 },
                amount,
                tax_rate_bp: l.tax_rate_bp,
                cost: if l.counts_quantity { l.cost } else { None },
            })
            .collect();
        let taxes = bill.taxes.iter().map(|t| PaidTax { rate_bp: t.rate_bp, base: t.base, tax: t.tax }).collect();
        tx.append(
            actor,
            Event::BillPaid(BillPaid {
                bill_id: bill.id,
                order_id: bill.order_id,
                table_id: bill.table_id,
                waiter_id: bill.waiter_id,
                prices_include_tax: bill.prices_include_tax,
                subtotal: bill.subtotal,
                discount_total: bill.discount_total,
                service_charge: bill.service_charge,
                taxes,
                total: bill.total,
                tips: bill.tips,
                lines,
            }),
        )?;
        let others = sql::bills_of_order(tx.conn(), bill.order_id)?;
        let all_paid = others
            .iter()
            .all(|b| b.id == bill.id || matches!(b.status, BillStatus::Paid | BillStatus::Split | BillStatus::Void));
        let order = comanda_orders::order_in(tx.conn(), bill.order_id)?;
        if all_paid && order.status == OrderStatus::Open {
            comanda_orders::Orders::close(tx, actor, bill.order_id)?;
        }
        Ok(())
    }

    pub async fn payment(&self, id: PaymentId) -> Result<Payment, ApiError> {
        self.store.read(move |c| sql::payment(c, id)?.ok_or_else(|| ApiError::not_found("no such payment"))).await
    }

    /// Gives (part of) a payment back. Cash refunds come out of the open drawer.
    pub fn refund(
        tx: &mut WriteTx<'_>,
        who: &AuthStaff,
        payment_id: PaymentId,
        amount: i64,
        reason: &str,
        approved_by: StaffId,
    ) -> Result<RefundReceipt, ApiError> {
        let reason = comanda_api::validate::text("reason", reason, 1, 200)?;
        let payment = sql::payment(tx.conn(), payment_id)?.ok_or_else(|| ApiError::not_found("no such payment"))?;
        if bill_in(tx.conn(), payment.bill_id)?.status != BillStatus::Paid {
            return Err(ApiError::conflict(
                "refunds are for paid bills; while the bill is open, take the right amount instead",
            ));
        }
        let refundable =
            payment.amount.checked_sub(payment.refunded).map_err(|_| ApiError::validation("amount out of range"))?;
        comanda_api::validate::range("amount", amount, 1, model::MAX_AMOUNT)?;
        if amount > refundable.minor() {
            return Err(ApiError::validation(format!("at most {refundable} of this payment can still be refunded")));
        }
        let session = sql::open_session(tx.conn())?;
        if payment.method == PaymentMethod::Cash && session.is_none() {
            return Err(ApiError::conflict("open the cash drawer (a cash session) to refund cash"));
        }
        let refund = Refund {
            id: RefundId::new(),
            payment_id,
            amount: Money::from_minor(amount),
            reason: reason.clone(),
            approved_by,
            refunded_at: comanda_store::truncate_to_micros(tx.now()),
        };
        let session_id = session.map(|s| s.id);
        sql::insert_refund(tx.conn(), &refund, who.id, session_id)?;
        tx.append(
            who.actor(),
            Event::PaymentRefunded(PaymentRefunded {
                refund_id: refund.id,
                payment_id,
                bill_id: payment.bill_id,
                method: payment.method,
                amount: refund.amount,
                reason,
                approved_by,
                cash_session_id: session_id,
            }),
        )?;
        Ok(RefundReceipt { refund, bill: bill_in(tx.conn(), payment.bill_id)? })
    }
}
