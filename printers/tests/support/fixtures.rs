//! Sample printouts for the snapshot and decoding tests: an evening at a small French bistro,
//! amounts worked by hand (BRIEF §3) so the snapshots read like real tickets.

use comanda_domain::{ItemId, LineData, Money, OrderLineId, StationId, TaxRate};
use comanda_printers::document::{Align, Block, Document, Style};
use comanda_printers::layout::{CashReportView, KitchenTicketView, PaymentView, ReceiptLineView, ReceiptView, TaxView};
use time::OffsetDateTime;
use time::macros::datetime;

pub const AT: OffsetDateTime = datetime!(2026-11-21 20:15 +01:00);

fn eur(minor: i64) -> Money {
    Money::from_minor(minor)
}

fn line(quantity: u32, name: &str, course: u32, seat: Option<u32>, modifiers: &[&str], note: Option<&str>) -> LineData {
    LineData {
        line_id: OrderLineId::new(),
        item_id: ItemId::new(),
        name: name.into(),
        quantity,
        unit_price: Money::ZERO,
        tax_rate_bp: TaxRate::from_bp(1000).expect("a valid rate"),
        station_id: StationId::new(),
        modifiers: modifiers.iter().map(|m| (*m).to_owned()).collect(),
        seat,
        course,
        note: note.map(str::to_owned),
    }
}

/// The grill's ticket for the mains (course 2) of table Terrace 4.
pub fn kitchen_ticket() -> KitchenTicketView {
    KitchenTicketView {
        station: "Grill".into(),
        table: "Terrace 4".into(),
        order_number: 1042,
        waiter: "Ana".into(),
        at: AT,
        course: Some(2),
        void: false,
        lines: vec![
            line(2, "Entrecôte", 2, Some(1), &["medium rare", "no pepper sauce"], Some("allergy: nuts")),
            line(1, "Dorade royale grillée au fenouil", 2, Some(2), &[], None),
            line(3, "Frites", 2, None, &[], None),
        ],
    }
}

/// Everything unsent at once, across two courses.
pub fn kitchen_ticket_all_courses() -> KitchenTicketView {
    KitchenTicketView {
        course: None,
        lines: vec![
            line(2, "Soupe à l'oignon", 1, Some(1), &[], None),
            line(1, "Entrecôte", 2, Some(1), &["bleu"], None),
            line(1, "Magret de canard", 2, Some(2), &[], Some("sauce on the side")),
        ],
        ..kitchen_ticket()
    }
}

/// A sent line voided by a manager.
pub fn void_ticket() -> KitchenTicketView {
    KitchenTicketView {
        void: true,
        course: None,
        at: datetime!(2026-11-21 20:31 +01:00),
        lines: vec![line(1, "Dorade royale grillée au fenouil", 2, Some(2), &[], None)],
        ..kitchen_ticket()
    }
}

/// Prices include tax (EU style). Subtotal 101.00 (the comped dessert is free); 10 % off for
/// regulars: 10.10, spread 8.50 food / 1.60 wine. Food 76.50 at 10 %: 7650 × 1000 / 11000 =
/// 695.45 → 6.95; wine 14.40 at 20 %: 1440 × 2000 / 12000 = 2.40. Total 90.90, paid 50.00
/// cash (60.00 tendered, 10.00 change) and 40.90 by card with a 4.00 tip.
pub fn receipt_inclusive() -> ReceiptView {
    ReceiptView {
        restaurant: "Chez Comanda".into(),
        header: vec![
            "12 rue des Lilas, 69001 Lyon".into(),
            "Tél. 04 78 00 00 00".into(),
            "TVA FR 12 345 678 901".into(),
        ],
        footer: vec!["Merci et à bientôt !".into()],
        table: "Terrace 4".into(),
        order_number: 1042,
        part: None,
        guests: 3,
        at: datetime!(2026-11-21 22:04 +01:00),
        currency: "EUR".into(),
        lines: vec![
            ReceiptLineView {
                quantity: 2,
                name: "Entrecôte".into(),
                modifiers: vec!["medium rare".into()],
                amount: eur(5800),
                comped: false,
            },
            ReceiptLineView {
                quantity: 1,
                name: "Dorade royale grillée au fenouil".into(),
                modifiers: vec![],
                amount: eur(2450),
                comped: false,
            },
            ReceiptLineView {
                quantity: 2,
                name: "Verre de Bordeaux".into(),
                modifiers: vec![],
                amount: eur(1600),
                comped: false,
            },
            ReceiptLineView {
                quantity: 1,
                name: "Crème brûlée".into(),
                modifiers: vec![],
                amount: eur(850),
                comped: true,
            },
            ReceiptLineView { quantity: 1, name: "Café".into(), modifiers: vec![], amount: eur(250), comped: false },
        ],
        subtotal: eur(10100),
        discounts: vec![("Discount 10% (regulars)".into(), eur(1010))],
        service: None,
        prices_include_tax: true,
        taxes: vec![
            TaxView { rate_bp: 1000, base: eur(7650), tax: eur(695) },
            TaxView { rate_bp: 2000, base: eur(1440), tax: eur(240) },
        ],
        total: eur(9090),
        payments: vec![
            PaymentView {
                method: "cash".into(),
                amount: eur(5000),
                tendered: Some(eur(6000)),
                change: eur(1000),
                tip: Money::ZERO,
                refunded: Money::ZERO,
            },
            PaymentView {
                method: "card".into(),
                amount: eur(4090),
                tendered: None,
                change: Money::ZERO,
                tip: eur(400),
                refunded: Money::ZERO,
            },
        ],
        balance: Money::ZERO,
        paid: true,
        qr: Some("https://comanda.local/r/1042".into()),
    }
}

/// Prices exclude tax (US style), in euros. Subtotal 57.50; service 12.5 %: 7.19 (taxed with
/// the food). Food and service 46.69 at 10 %: 4.669 → 4.67; beer 18.00 at 20 %: 3.60.
/// Total 72.96; 40.00 paid by card, 32.96 still due.
pub fn receipt_exclusive() -> ReceiptView {
    ReceiptView {
        restaurant: "Bistro Comanda".into(),
        header: vec!["Open every day".into()],
        footer: vec!["Thank you!".into()],
        table: "7".into(),
        order_number: 1043,
        part: Some((1, 2)),
        guests: 1,
        at: datetime!(2026-11-21 22:10 +01:00),
        currency: "EUR".into(),
        lines: vec![
            ReceiptLineView {
                quantity: 2,
                name: "Burger".into(),
                modifiers: vec!["no onions".into(), "extra cheese".into()],
                amount: eur(2800),
                comped: false,
            },
            ReceiptLineView {
                quantity: 1,
                name: "Caesar salad".into(),
                modifiers: vec![],
                amount: eur(1150),
                comped: false,
            },
            ReceiptLineView {
                quantity: 3,
                name: "Craft beer".into(),
                modifiers: vec![],
                amount: eur(1800),
                comped: false,
            },
        ],
        subtotal: eur(5750),
        discounts: vec![],
        service: Some(("Service 12.5%".into(), eur(719))),
        prices_include_tax: false,
        taxes: vec![
            TaxView { rate_bp: 1000, base: eur(4669), tax: eur(467) },
            TaxView { rate_bp: 2000, base: eur(1800), tax: eur(360) },
        ],
        total: eur(7296),
        payments: vec![PaymentView {
            method: "card".into(),
            amount: eur(4000),
            tendered: None,
            change: Money::ZERO,
            tip: Money::ZERO,
            refunded: Money::ZERO,
        }],
        balance: eur(3296),
        paid: false,
        qr: None,
    }
}

/// Closing the drawer: 150.00 float + 1245.50 cash − 12.00 refunded + 50.00 in − 20.00 out =
/// 1413.50 expected; 1411.00 counted, 2.50 short.
pub fn z_report() -> CashReportView {
    CashReportView {
        z: true,
        restaurant: "Chez Comanda".into(),
        at: datetime!(2026-11-21 23:42 +01:00),
        currency: "EUR".into(),
        opening_float: eur(15000),
        by_method: vec![
            ("cash".into(), 23, eur(124550), Money::ZERO, eur(1200)),
            ("card".into(), 41, eur(231080), eur(18550), Money::ZERO),
        ],
        cash_in: eur(5000),
        cash_out: eur(2000),
        expected_cash: eur(141350),
        counted_cash: Some(eur(141100)),
        difference: Some(eur(-250)),
    }
}

/// A short document with every kind of block.
pub fn every_block() -> Document {
    Document {
        blocks: vec![
            Block::Text {
                text: "Café".into(),
                style: Style {
                    bold: true,
                    double_width: true,
                    double_height: true,
                    align: Align::Center,
                    ..Style::default()
                },
            },
            Block::Row { left: "1 x Bière".into(), right: "4.50 €".into(), style: Style::default() },
            Block::Text { text: "PAID".into(), style: Style { underline: true, inverse: true, ..Style::default() } },
            Block::Rule,
            Block::Feed(1),
            Block::Qr { data: "https://comanda.local".into() },
            Block::Cut,
            Block::DrawerKick,
        ],
    }
}
