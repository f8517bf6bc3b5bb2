//! Arbitrary text through the printing library: documents of any blocks, and kitchen tickets,
//! receipts, cash reports and test pages with arbitrary names, notes and amounts, laid out and
//! encoded for every width and code page. Nothing panics; the preview keeps to the paper's
//! width; a document survives its JSON round trip (the print queue stores it so); marking a
//! reprint twice marks it once; the bytes start with `ESC @`.

#![no_main]

use arbitrary::Arbitrary;
use comanda_domain::{ItemId, LineData, Money, OrderLineId, StationId, TaxRate};
use comanda_printers::document::{Align, Block, Document, Style};
use comanda_printers::encode::{CodePage, PrinterProfile, encode};
use comanda_printers::layout::{
    CashReportView, KitchenTicketView, PaymentView, ReceiptLineView, ReceiptView, TaxView, cash_report, kitchen_ticket,
    receipt, test_page,
};
use libfuzzer_sys::fuzz_target;
use time::OffsetDateTime;

/// What the box accepts for a printer (`width_chars`) and a receipt preview (`?width=`).
const WIDTHS: [usize; 3] = [32, 42, 48];
const PAGES: [CodePage; 3] = [CodePage::Cp858, CodePage::Wpc1252, CodePage::Cp437];

#[derive(Arbitrary, Debug)]
struct FuzzStyle {
    bold: bool,
    double_width: bool,
    double_height: bool,
    underline: bool,
    inverse: bool,
    align: u8,
}

impl FuzzStyle {
    fn style(&self) -> Style {
        Style {
            bold: self.bold,
            double_width: self.double_width,
            double_height: self.double_height,
            underline: self.underline,
            inverse: self.inverse,
            align: [Align::Left, Align::Center, Align::Right][usize::from(self.align % 3)],
        }
    }
}

#[derive(Arbitrary, Debug)]
enum FuzzBlock {
    Text(String, FuzzStyle),
    Row(String, String, FuzzStyle),
    Rule,
    Feed(u8),
    Qr(String),
    Cut,
    DrawerKick,
}

#[derive(Arbitrary, Debug)]
struct FuzzLine {
    name: String,
    quantity: u32,
    seat: Option<u32>,
    course: u32,
    modifiers: Vec<String>,
    note: Option<String>,
    amount: i64,
    comped: bool,
}

#[derive(Arbitrary, Debug)]
struct Input {
    width: u8,
    page: u8,
    blocks: Vec<FuzzBlock>,
    names: [String; 4],
    currency: String,
    lines: Vec<FuzzLine>,
    header: Vec<String>,
    amounts: [i64; 6],
    numbers: [u32; 3],
    flags: [bool; 4],
    qr: Option<String>,
}

fn money(minor: i64) -> Money {
    Money::from_minor(minor)
}

fn documents(input: &Input, width: usize, page: CodePage) -> Vec<Document> {
    let at = OffsetDateTime::UNIX_EPOCH;
    let [a, b, c, d] = &input.names;
    let [n1, n2, n3] = input.numbers;
    let [f1, f2, f3, f4] = input.flags;
    let free = Document {
        blocks: input
            .blocks
            .iter()
            .map(|block| match block {
                FuzzBlock::Text(text, style) => Block::Text { text: text.clone(), style: style.style() },
                FuzzBlock::Row(left, right, style) => {
                    Block::Row { left: left.clone(), right: right.clone(), style: style.style() }
                }
                FuzzBlock::Rule => Block::Rule,
                FuzzBlock::Feed(n) => Block::Feed(*n),
                FuzzBlock::Qr(data) => Block::Qr { data: data.clone() },
                FuzzBlock::Cut => Block::Cut,
                FuzzBlock::DrawerKick => Block::DrawerKick,
            })
            .collect(),
    };
    let ticket = KitchenTicketView {
        station: a.clone(),
        table: b.clone(),
        order_number: n1,
        waiter: c.clone(),
        at,
        course: f1.then_some(n2),
        void: f2,
        lines: input
            .lines
            .iter()
            .map(|l| LineData {
                line_id: OrderLineId::new(),
                item_id: ItemId::new(),
                name: l.name.clone(),
                quantity: l.quantity,
                unit_price: money(l.amount),
                tax_rate_bp: TaxRate::from_bp(1000).expect("10 % is a tax rate"),
                station_id: StationId::new(),
                modifiers: l.modifiers.clone(),
                seat: l.seat,
                course: l.course,
                note: l.note.clone(),
            })
            .collect(),
    };
    let [x1, x2, x3, x4, x5, x6] = input.amounts;
    let bill = ReceiptView {
        restaurant: a.clone(),
        header: input.header.clone(),
        footer: vec![d.clone()],
        table: b.clone(),
        order_number: n1,
        part: f3.then_some((n2, n3)),
        guests: n3,
        at,
        currency: input.currency.clone(),
        lines: input
            .lines
            .iter()
            .map(|l| ReceiptLineView {
                quantity: l.quantity,
                name: l.name.clone(),
                modifiers: l.modifiers.clone(),
                amount: money(l.amount),
                comped: l.comped,
            })
            .collect(),
        subtotal: money(x1),
        discounts: vec![(c.clone(), money(x2))],
        service: f4.then(|| (d.clone(), money(x3))),
        prices_include_tax: f1,
        taxes: vec![TaxView { rate_bp: n2, base: money(x4), tax: money(x5) }],
        total: money(x6),
        payments: vec![PaymentView {
            method: c.clone(),
            amount: money(x1),
            tendered: f2.then_some(money(x2)),
            change: money(x3),
            tip: money(x4),
            refunded: money(x5),
        }],
        balance: money(x6),
        paid: f2,
        qr: input.qr.clone(),
    };
    let report = CashReportView {
        z: f1,
        restaurant: a.clone(),
        at,
        currency: input.currency.clone(),
        opening_float: money(x1),
        by_method: vec![(b.clone(), i64::from(n1), money(x2), money(x3), money(x4))],
        cash_in: money(x5),
        cash_out: money(x6),
        expected_cash: money(x1),
        counted_cash: f2.then_some(money(x2)),
        difference: f3.then_some(money(x3)),
    };
    vec![free, kitchen_ticket(&ticket), receipt(&bill), cash_report(&report), test_page(a, d, width, page)]
}

fuzz_target!(|input: Input| {
    let width = WIDTHS[usize::from(input.width % 3)];
    let page = PAGES[usize::from(input.page % 3)];
    for doc in documents(&input, width, page) {
        // A QR code's preview spells out its data as it is; the paper gets the code, not the
        // text. Everything else keeps to the width.
        let printed =
            Document { blocks: doc.blocks.iter().filter(|b| !matches!(b, Block::Qr { .. })).cloned().collect() };
        for line in printed.to_text(width).lines() {
            assert!(line.chars().count() <= width, "a {width}-column preview line is wider: {line:?}");
        }
        let json = serde_json::to_string(&doc).expect("a document serialises");
        let back: Document = serde_json::from_str(&json).expect("a document deserialises");
        assert_eq!(back, doc, "JSON round trip");
        assert_eq!(doc.marked_reprint().marked_reprint(), doc.marked_reprint());
        let bytes = encode(&doc, &PrinterProfile { width_chars: width, code_page: page });
        assert!(bytes.starts_with(&[0x1b, b'@']), "ESC @ first");
    }
});
