//! The printouts, as documents: kitchen tickets, receipts, X/Z cash reports and the test page
//! (BRIEF §6). Each takes a view — plain data the caller has already gathered (names, local
//! times, amounts) — so nothing here reads a table or a clock, and every layout is a pure
//! function with snapshot tests (`printers/tests/encoding.rs`).
//!
//! Widths are the encoder's business: a document prints on 32, 42 or 48 columns.

use comanda_domain::{LineData, Money};
use time::OffsetDateTime;

use crate::document::{Align, Block, Document, Style};
use crate::encode::CodePage;

const PLAIN: Style = Style {
    bold: false,
    double_width: false,
    double_height: false,
    underline: false,
    inverse: false,
    align: Align::Left,
};
const BOLD: Style = Style { bold: true, ..PLAIN };
const TALL: Style = Style { double_height: true, ..PLAIN };
const CENTRED: Style = Style { align: Align::Center, ..PLAIN };
const HEADING: Style = Style { bold: true, double_height: true, align: Align::Center, ..PLAIN };
/// Double width and height, bold: what a cook reads from across the pass.
const BIG: Style = Style { bold: true, double_width: true, double_height: true, ..PLAIN };
/// White on black across the paper.
const BANNER: Style = Style { inverse: true, align: Align::Center, ..BIG };

/// One kitchen ticket: what one station makes for one send (or the VOID of sent lines).
#[derive(Clone, Debug)]
pub struct KitchenTicketView {
    pub station: String,
    pub table: String,
    pub order_number: u32,
    pub waiter: String,
    /// Already in the restaurant's local time.
    pub at: OffsetDateTime,
    /// The course fired, or `None` for everything unsent.
    pub course: Option<u32>,
    pub void: bool,
    pub lines: Vec<LineData>,
}

/// Station; table and order number large; waiter and time; course; each line as
/// `qty × name` in double size with its seat, modifiers and note indented below; a VOID
/// ticket has a VOID banner at top and bottom and each line starts with "VOID".
pub fn kitchen_ticket(v: &KitchenTicketView) -> Document {
    let mut d = Doc::default();
    if v.void {
        d.text("VOID", BANNER);
    }
    d.text(&v.station, HEADING);
    d.row(format!("Table {}", v.table), format!("#{}", v.order_number), BIG);
    d.row(&v.waiter, clock(v.at), PLAIN);
    let course = match v.course {
        Some(course) => format!("COURSE {course}"),
        None => "ALL".to_owned(),
    };
    d.text(course, Style { bold: true, double_height: true, ..PLAIN });
    d.rule();
    // Everything fired at once may span courses: say where each one starts.
    let several_courses = v.lines.windows(2).any(|pair| pair[0].course != pair[1].course);
    let mut course_shown = None;
    for line in &v.lines {
        if v.course.is_none() && several_courses && course_shown != Some(line.course) {
            d.text(format!("- course {} -", line.course), Style { bold: true, ..CENTRED });
            course_shown = Some(line.course);
        }
        let void = if v.void { "VOID " } else { "" };
        d.text(format!("{void}{} × {}", line.quantity, line.name), BIG);
        if let Some(seat) = line.seat {
            d.text(format!("    seat {seat}"), TALL);
        }
        for modifier in &line.modifiers {
            d.text(format!("    {modifier}"), TALL);
        }
        if let Some(note) = line.note.as_deref().map(str::trim).filter(|note| !note.is_empty()) {
            d.text(format!("    NOTE: {note}"), Style { bold: true, ..TALL });
        }
    }
    d.rule();
    if v.void {
        d.text("VOID", BANNER);
    }
    d.push(Block::Cut);
    d.done()
}

#[derive(Clone, Debug)]
pub struct ReceiptLineView {
    pub quantity: u32,
    pub name: String,
    pub modifiers: Vec<String>,
    /// Quantity × unit price, before bill discounts.
    pub amount: Money,
    pub comped: bool,
}

#[derive(Clone, Debug)]
pub struct PaymentView {
    /// As the guest should read it ("cash", "card"); the first letter is capitalised.
    pub method: String,
    pub amount: Money,
    /// Cash handed over, for cash payments.
    pub tendered: Option<Money>,
    pub change: Money,
    pub tip: Money,
    /// Refunded so far (a positive amount).
    pub refunded: Money,
}

#[derive(Clone, Debug)]
pub struct TaxView {
    pub rate_bp: u32,
    pub base: Money,
    pub tax: Money,
}

#[derive(Clone, Debug)]
pub struct ReceiptView {
    pub restaurant: String,
    /// Lines under the name: address, phone, VAT number.
    pub header: Vec<String>,
    pub footer: Vec<String>,
    pub table: String,
    pub order_number: u32,
    /// `(part, parts)` of a split bill.
    pub part: Option<(u32, u32)>,
    pub guests: u32,
    /// Already in the restaurant's local time.
    pub at: OffsetDateTime,
    /// ISO 4217 code, as in the site's settings.
    pub currency: String,
    pub lines: Vec<ReceiptLineView>,
    pub subtotal: Money,
    /// `(label, amount taken off)`; printed as negative amounts whatever their sign here.
    pub discounts: Vec<(String, Money)>,
    /// `(label, amount)` of the service charge.
    pub service: Option<(String, Money)>,
    pub prices_include_tax: bool,
    pub taxes: Vec<TaxView>,
    pub total: Money,
    pub payments: Vec<PaymentView>,
    pub balance: Money,
    pub paid: bool,
    /// A link the guest can scan (feedback, e-receipt), printed as a QR code at the bottom.
    pub qr: Option<String>,
}

/// The guest's receipt. Exclusive taxes are listed before the total (they are part of it);
/// inclusive ones after it ("incl. VAT 10% on 54.00"). No drawer kick here: opening the
/// drawer is a job of its own, sent on cash payments.
pub fn receipt(v: &ReceiptView) -> Document {
    let currency = v.currency.as_str();
    let mut d = Doc::default();
    d.text(&v.restaurant, HEADING);
    for line in &v.header {
        d.text(line, CENTRED);
    }
    d.push(Block::Feed(1));
    d.row(format!("Table {}", v.table), format!("Order #{}", v.order_number), PLAIN);
    if let Some((part, parts)) = v.part {
        d.text(format!("Part {part} of {parts}"), PLAIN);
    }
    let covers = if v.guests == 1 { "1 cover".to_owned() } else { format!("{} covers", v.guests) };
    d.row(covers, date_time(v.at), PLAIN);
    d.rule();
    for line in &v.lines {
        let amount = if line.comped { "COMP".to_owned() } else { line.amount.to_string() };
        d.row(format!("{} x {}", line.quantity, line.name), amount, PLAIN);
        for modifier in &line.modifiers {
            d.text(format!("    {modifier}"), PLAIN);
        }
    }
    d.rule();
    d.row("Subtotal", v.subtotal.to_string(), PLAIN);
    for (label, amount) in &v.discounts {
        d.row(label, minus(*amount).to_string(), PLAIN);
    }
    if let Some((label, amount)) = &v.service {
        d.row(label, amount.to_string(), PLAIN);
    }
    if !v.prices_include_tax {
        for t in &v.taxes {
            d.row(format!("Tax {} on {}", percent(t.rate_bp), t.base), t.tax.to_string(), PLAIN);
        }
    }
    d.row("TOTAL", money(v.total, currency), BIG);
    if v.prices_include_tax {
        for t in &v.taxes {
            d.row(format!("incl. VAT {} on {}", percent(t.rate_bp), t.base), t.tax.to_string(), PLAIN);
        }
    }
    if !v.payments.is_empty() {
        d.rule();
        for p in &v.payments {
            d.row(capitalised(&p.method), money(p.amount, currency), PLAIN);
            if let Some(tendered) = p.tendered {
                d.row("  Tendered", money(tendered, currency), PLAIN);
                d.row("  Change", money(p.change, currency), PLAIN);
            }
            if p.tip != Money::ZERO {
                d.row("  Tip", money(p.tip, currency), PLAIN);
            }
            if p.refunded != Money::ZERO {
                d.row("  Refunded", money(minus(p.refunded), currency), PLAIN);
            }
        }
    }
    if !v.paid {
        d.row("BALANCE DUE", money(v.balance, currency), BOLD);
    }
    if !v.footer.is_empty() {
        d.push(Block::Feed(1));
        for line in &v.footer {
            d.text(line, CENTRED);
        }
    }
    if let Some(data) = &v.qr {
        d.push(Block::Feed(1));
        d.push(Block::Qr { data: data.clone() });
    }
    d.push(Block::Cut);
    d.done()
}

/// A cash drawer session's report: X while it is open, Z when it closes.
#[derive(Clone, Debug)]
pub struct CashReportView {
    pub z: bool,
    pub restaurant: String,
    /// Already in the restaurant's local time.
    pub at: OffsetDateTime,
    pub currency: String,
    pub opening_float: Money,
    /// `(method, payments, amount, tips, refunds)` per payment method.
    pub by_method: Vec<(String, i64, Money, Money, Money)>,
    pub cash_in: Money,
    pub cash_out: Money,
    pub expected_cash: Money,
    pub counted_cash: Option<Money>,
    /// Counted − expected: positive when the drawer holds more than it should.
    pub difference: Option<Money>,
}

pub fn cash_report(v: &CashReportView) -> Document {
    let currency = v.currency.as_str();
    let mut d = Doc::default();
    d.text(if v.z { "Z REPORT" } else { "X REPORT" }, Style { align: Align::Center, ..BIG });
    d.text(if v.z { "end of drawer session" } else { "interim, drawer still open" }, CENTRED);
    d.text(&v.restaurant, Style { bold: true, ..CENTRED });
    d.text(date_time(v.at), CENTRED);
    d.rule();
    d.row("Opening float", money(v.opening_float, currency), PLAIN);
    d.rule();
    if v.by_method.is_empty() {
        d.text("No payments", PLAIN);
    }
    for (method, count, amount, tips, refunds) in &v.by_method {
        d.row(format!("{} ({count})", capitalised(method)), money(*amount, currency), PLAIN);
        if *tips != Money::ZERO {
            d.row("  Tips", money(*tips, currency), PLAIN);
        }
        if *refunds != Money::ZERO {
            d.row("  Refunds", money(minus(*refunds), currency), PLAIN);
        }
    }
    if v.by_method.len() > 1 {
        // A total that overflowed would be a lie: leave it out (the lines above still add up).
        if let Ok(total) = Money::checked_sum(v.by_method.iter().map(|m| m.2)) {
            d.row("Total", money(total, currency), BOLD);
        }
        if let Ok(tips) = Money::checked_sum(v.by_method.iter().map(|m| m.3)) {
            d.row("Total tips", money(tips, currency), PLAIN);
        }
    }
    d.rule();
    d.row("Cash in", money(v.cash_in, currency), PLAIN);
    d.row("Cash out", money(minus(v.cash_out), currency), PLAIN);
    d.row("Expected cash", money(v.expected_cash, currency), BOLD);
    if let Some(counted) = v.counted_cash {
        d.row("Counted cash", money(counted, currency), PLAIN);
    }
    if let Some(difference) = v.difference {
        let shown = money(difference, currency);
        let shown = if difference.minor() > 0 { format!("+{shown}") } else { shown };
        d.row("Difference", shown, BOLD);
    }
    if v.z {
        d.push(Block::Feed(2));
        d.row("Signature", "________________", PLAIN);
    }
    d.push(Block::Cut);
    d.done()
}

/// What the box prints when a printer is added: its name, the width and code page it was
/// set up with (a ruler to check the width, accented letters and "€" to check the page), the
/// styles, and the box's address as text and as a QR code for tablets.
pub fn test_page(printer_name: &str, box_url: &str, width_chars: usize, code_page: CodePage) -> Document {
    let mut d = Doc::default();
    d.text("TEST PAGE", BANNER);
    d.text(printer_name, HEADING);
    d.rule();
    d.row("Width", format!("{width_chars} columns"), PLAIN);
    d.row("Code page", format!("{code_page} (ESC t {})", code_page.escpos_number()), PLAIN);
    let tens: String = (1..=width_chars)
        .map(|i| if i % 10 == 0 { char::from_digit(((i / 10) % 10) as u32, 10).unwrap_or('?') } else { ' ' })
        .collect();
    let units: String = (1..=width_chars).map(|i| char::from_digit((i % 10) as u32, 10).unwrap_or('?')).collect();
    d.text(tens, PLAIN);
    d.text(units, PLAIN);
    d.rule();
    d.text("€ é è à ç ñ ü", PLAIN);
    d.text("Bold", BOLD);
    d.text("Underline", Style { underline: true, ..PLAIN });
    d.text("Inverse", Style { inverse: true, ..PLAIN });
    d.text("Double size", Style { bold: false, ..BIG });
    d.rule();
    d.text("Open Comanda on a tablet:", CENTRED);
    d.text(box_url, CENTRED);
    d.push(Block::Qr { data: box_url.to_owned() });
    d.push(Block::Cut);
    d.done()
}

/// Money with the currency's sign where one is common: EUR "12.34 €", USD "$12.34", GBP
/// "£12.34", any other "12.34 CHF"; a negative amount keeps its sign in front ("-$12.34").
pub fn money(amount: Money, currency: &str) -> String {
    let shown = amount.to_string();
    let (sign, digits) = match shown.strip_prefix('-') {
        Some(digits) => ("-", digits),
        None => ("", shown.as_str()),
    };
    let code = currency.trim();
    match code.to_ascii_uppercase().as_str() {
        "EUR" => format!("{sign}{digits} €"),
        "USD" => format!("{sign}${digits}"),
        "GBP" => format!("{sign}£{digits}"),
        "" => format!("{sign}{digits}"),
        _ => format!("{sign}{digits} {code}"),
    }
}

/// An amount taken off, shown negative whichever sign it was given with.
fn minus(amount: Money) -> Money {
    Money::from_minor(amount.minor().checked_abs().map_or(i64::MIN, |abs| -abs))
}

/// A rate in basis points as a percentage without trailing zeros: 1000 → "10%", 550 → "5.5%".
fn percent(bp: u32) -> String {
    let fraction = format!("{:02}", bp % 100);
    let fraction = fraction.trim_end_matches('0');
    if fraction.is_empty() { format!("{}%", bp / 100) } else { format!("{}.{fraction}%", bp / 100) }
}

/// "HH:MM".
fn clock(at: OffsetDateTime) -> String {
    format!("{:02}:{:02}", at.hour(), at.minute())
}

/// "YYYY-MM-DD HH:MM".
fn date_time(at: OffsetDateTime) -> String {
    format!("{:04}-{:02}-{:02} {}", at.year(), u8::from(at.month()), at.day(), clock(at))
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// A document being written, block by block.
#[derive(Default)]
struct Doc(Vec<Block>);

impl Doc {
    fn text(&mut self, text: impl Into<String>, style: Style) {
        self.0.push(Block::Text { text: text.into(), style });
    }

    fn row(&mut self, left: impl Into<String>, right: impl Into<String>, style: Style) {
        self.0.push(Block::Row { left: left.into(), right: right.into(), style });
    }

    fn rule(&mut self) {
        self.0.push(Block::Rule);
    }

    fn push(&mut self, block: Block) {
        self.0.push(block);
    }

    fn done(self) -> Document {
        Document { blocks: self.0 }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_with_the_currency_sign() {
        // (minor units, currency, shown)
        let table: &[(i64, &str, &str)] = &[
            (1234, "EUR", "12.34 €"),
            (-1234, "EUR", "-12.34 €"),
            (5, "eur", "0.05 €"),
            (1234, "USD", "$12.34"),
            (-1234, "USD", "-$12.34"),
            (100_000, "GBP", "£1000.00"),
            (-1, "GBP", "-£0.01"),
            (1234, "CHF", "12.34 CHF"),
            (-1234, "CHF", "-12.34 CHF"),
            (0, "", "0.00"),
        ];
        for (minor, currency, shown) in table {
            assert_eq!(money(Money::from_minor(*minor), currency), *shown, "{minor} {currency}");
        }
    }

    #[test]
    fn small_formats() {
        let percents: &[(u32, &str)] = &[(1000, "10%"), (550, "5.5%"), (1025, "10.25%"), (0, "0%"), (2000, "20%")];
        for (bp, shown) in percents {
            assert_eq!(percent(*bp), *shown);
        }
        let minuses: &[(i64, i64)] = &[(540, -540), (-540, -540), (0, 0), (i64::MIN, i64::MIN)];
        for (given, shown) in minuses {
            assert_eq!(minus(Money::from_minor(*given)), Money::from_minor(*shown));
        }
        assert_eq!(capitalised("cash"), "Cash");
        assert_eq!(capitalised("éclair"), "Éclair");
        assert_eq!(capitalised(""), "");
        let at = time::macros::datetime!(2026-11-21 20:05 +01:00);
        assert_eq!(date_time(at), "2026-11-21 20:05");
    }

    #[test]
    fn the_test_page_ruler_is_as_wide_as_the_paper() {
        for width in [32, 42, 48] {
            let text = test_page("Bar", "http://comanda.local", width, CodePage::Cp858).to_text(width);
            let units = text.lines().find(|line| line.starts_with("1234567890")).expect("a ruler");
            assert_eq!(units.chars().count(), width);
            assert!(text.lines().all(|line| line.chars().count() <= width || line.starts_with("[QR")));
        }
    }
}
