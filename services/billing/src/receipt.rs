//! A bill as a receipt. The document is the printers' receipt layout, so what
//! `GET /bills/{id}/receipt` shows is exactly what the receipt printer prints.

use comanda_printers::document::Document;
use comanda_printers::layout::{self, PaymentView, ReceiptLineView, ReceiptView, TaxView};
use comanda_store::rusqlite::Connection;

use crate::model::{Bill, BillStatus};

pub const DEFAULT_WIDTH: usize = 42;

fn percent(bp: u32) -> String {
    if bp.is_multiple_of(100) { format!("{}%", bp / 100) } else { format!("{}.{:02}%", bp / 100, bp % 100) }
}

/// What the receipt says, from the bill as it is (payments, change and refunds included).
pub fn view(bill: &Bill, restaurant: &str, at: time::OffsetDateTime) -> ReceiptView {
    let mut discounts: Vec<(String, comanda_domain::Money)> = bill
        .discounts
        .iter()
        .map(|d| {
            let label = if d.kind == "percent" {
                format!("Discount {}% ({})", d.value, d.reason)
            } else {
                format!("Discount ({})", d.reason)
            };
            (label, d.amount)
        })
        .collect();
    if discounts.is_empty() && bill.discount_total != comanda_domain::Money::ZERO {
        discounts.push(("Share of discounts".into(), bill.discount_total));
    }
    ReceiptView {
        restaurant: restaurant.to_owned(),
        header: Vec::new(),
        footer: Vec::new(),
        table: bill.table_name.clone(),
        order_number: bill.number,
        part: bill.part.zip(bill.parts),
        guests: bill.guests,
        at,
        currency: bill.currency.clone(),
        lines: bill
            .lines
            .iter()
            .map(|l| ReceiptLineView {
                quantity: l.quantity,
                name: l.name.clone(),
                modifiers: l.modifiers.clone(),
                amount: l.amount,
                comped: l.comped,
            })
            .collect(),
        subtotal: bill.subtotal,
        discounts,
        service: bill.service.map(|s| (format!("Service {}", percent(s.rate_bp)), bill.service_charge)),
        prices_include_tax: bill.prices_include_tax,
        taxes: bill.taxes.iter().map(|t| TaxView { rate_bp: t.rate_bp.bp(), base: t.base, tax: t.tax }).collect(),
        total: bill.total,
        payments: bill
            .payments
            .iter()
            .map(|p| PaymentView {
                method: p.method.as_str().to_owned(),
                amount: p.amount,
                tendered: p.tendered,
                change: p.change,
                tip: p.tip,
                refunded: p.refunded,
            })
            .collect(),
        balance: bill.balance,
        paid: bill.status == BillStatus::Paid,
        qr: None,
    }
}

/// The receipt document, with the time in the site's time zone.
pub fn document_in(conn: &Connection, bill: &Bill, restaurant: &str) -> Document {
    let at = comanda_site::local_time(conn, bill.paid_at.unwrap_or(bill.created_at));
    layout::receipt(&view(bill, restaurant, at))
}
