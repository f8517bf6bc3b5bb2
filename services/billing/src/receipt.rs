//! A bill as a receipt, in plain text of a fixed width (32, 42 or 48 columns: 58 mm and 80 mm
//! paper). The printing service prints exactly this; `GET /bills/{id}/receipt` shows it.

use comanda_domain::Money;

use crate::model::{Bill, BillStatus};

pub const DEFAULT_WIDTH: usize = 42;

/// `left` and `right` on one line, padded to `width` (left is cut if both do not fit).
fn row(left: &str, right: &str, width: usize) -> String {
    let right_len = right.chars().count();
    let room = width.saturating_sub(right_len + 1);
    let left: String = left.chars().take(room).collect();
    let pad = width.saturating_sub(left.chars().count() + right_len);
    format!("{left}{}{right}", " ".repeat(pad))
}

fn centred(text: &str, width: usize) -> String {
    let text: String = text.chars().take(width).collect();
    let pad = (width - text.chars().count()) / 2;
    format!("{}{text}", " ".repeat(pad))
}

fn money(m: Money) -> String {
    m.to_string()
}

fn percent(bp: u32) -> String {
    if bp.is_multiple_of(100) { format!("{}%", bp / 100) } else { format!("{}.{:02}%", bp / 100, bp % 100) }
}

pub fn render(bill: &Bill, restaurant: &str, width: usize) -> String {
    let width = width.clamp(32, 48);
    let rule = "-".repeat(width);
    let mut out = vec![centred(restaurant, width), String::new()];
    out.push(row(&format!("Table {}", bill.table_name), &format!("Order #{}", bill.number), width));
    if let (Some(part), Some(parts)) = (bill.part, bill.parts) {
        out.push(format!("Part {part} of {parts}"));
    }
    out.push(format!("{} covers · {}", bill.guests, bill.created_at.date()));
    out.push(rule.clone());
    for line in &bill.lines {
        let label = format!("{} x {}", line.quantity, line.name);
        let amount = if line.comped { "COMP".to_owned() } else { money(line.amount) };
        out.push(row(&label, &amount, width));
        for m in &line.modifiers {
            out.push(format!("    {m}"));
        }
    }
    out.push(rule.clone());
    out.push(row("Subtotal", &money(bill.subtotal), width));
    for d in &bill.discounts {
        let label = if d.kind == "percent" {
            format!("Discount {}% ({})", d.value, d.reason)
        } else {
            format!("Discount ({})", d.reason)
        };
        out.push(row(&label, &format!("-{}", money(d.amount)), width));
    }
    if bill.discounts.is_empty() && bill.discount_total != Money::ZERO {
        out.push(row("Share of discounts", &format!("-{}", money(bill.discount_total)), width));
    }
    if let Some(s) = bill.service {
        out.push(row(&format!("Service {}", percent(s.rate_bp)), &money(bill.service_charge), width));
    } else if bill.service_charge != Money::ZERO {
        out.push(row("Service", &money(bill.service_charge), width));
    }
    if !bill.prices_include_tax {
        for t in &bill.taxes {
            out.push(row(&format!("Tax {} on {}", percent(t.rate_bp.bp()), money(t.base)), &money(t.tax), width));
        }
    }
    out.push(row(&format!("TOTAL {}", bill.currency), &money(bill.total), width));
    if bill.prices_include_tax {
        for t in &bill.taxes {
            out.push(row(
                &format!("  incl. tax {} of {}", percent(t.rate_bp.bp()), money(t.base)),
                &money(t.tax),
                width,
            ));
        }
    }
    if !bill.payments.is_empty() {
        out.push(rule.clone());
        for p in &bill.payments {
            out.push(row(&format!("Paid {}", p.method.as_str()), &money(p.amount), width));
            if let Some(t) = p.tendered {
                out.push(row("  Tendered", &money(t), width));
                out.push(row("  Change", &money(p.change), width));
            }
            if p.tip != Money::ZERO {
                out.push(row("  Tip", &money(p.tip), width));
            }
            if p.refunded != Money::ZERO {
                out.push(row("  Refunded", &format!("-{}", money(p.refunded)), width));
            }
        }
        out.push(row("Balance", &money(bill.balance), width));
    }
    out.push(String::new());
    out.push(centred(if bill.status == BillStatus::Paid { "Thank you!" } else { "Not paid yet" }, width));
    out.join("\n") + "\n"
}
