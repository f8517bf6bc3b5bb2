//! The sales report on a real store in a temp dir: an evening in a Paris restaurant (two tax
//! rates, a discount, a service charge, tips, a refund, cash and card, a merged table, a bill
//! just before local midnight and one just after), every number worked out by hand below;
//! the projection survives a restart without counting anything twice; only managers and
//! owners may read it; bad input answers 4xx.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use comanda_domain::{
    Actor, BillDiscounted, BillId, BillPaid, Event, ItemId, ManualClock, Money, OrderId, OrderMoved, OrderOpened,
    OrderSent, PaidLine, PaidTax, PaymentId, PaymentMethod, PaymentRefunded, PaymentTaken, RefundId, Role, StaffId,
    TableId, TaxRate,
};
use comanda_reporting::Reporting;
use comanda_site::{OwnerInput, RestaurantInput, SetupRequest, Site};
use comanda_staff::{Auth, AuthStaff, Staff};
use comanda_store::{Store, StoreError};
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::macros::datetime;
use tower::ServiceExt;

fn open_store(path: &std::path::Path, clock: &ManualClock) -> Store {
    Store::open(
        path,
        Arc::new(clock.clone()),
        &[&comanda_staff::MIGRATIONS, &comanda_site::MIGRATIONS, &comanda_reporting::MIGRATIONS],
    )
    .expect("store")
}

struct Restaurant {
    _dir: tempfile::TempDir,
    path: std::path::PathBuf,
    clock: ManualClock,
    store: Store,
    auth: Auth,
    router: Router,
    projection: Option<tokio::task::JoinHandle<()>>,
}

impl Restaurant {
    /// A box on a manual clock; set up in Paris when `set_up`.
    async fn new(set_up: bool) -> Restaurant {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("comanda.db");
        let clock = ManualClock::starting_at(datetime!(2026-11-21 10:00 UTC));
        let store = open_store(&path, &clock);
        let auth = Auth::new(&[7u8; 32], Arc::new(clock.clone())).expect("auth");
        if set_up {
            let staff = Staff::new(store.clone(), auth.clone()).await.expect("staff");
            let request = SetupRequest {
                restaurant: RestaurantInput {
                    name: "Chez Comanda".into(),
                    currency: "EUR".into(),
                    prices_include_tax: true,
                    timezone: Some("Europe/Paris".into()),
                },
                owner: OwnerInput {
                    name: "Olga".into(),
                    username: "olga".into(),
                    password: "correct horse battery".into(),
                    pin: None,
                },
            };
            Site::new(store.clone(), staff).setup(request, false).await.expect("setup");
        }
        let (router, _) = comanda_reporting::router(Reporting::new(store.clone(), auth.clone())).split_for_parts();
        Restaurant { _dir: dir, path, clock, store, auth, router, projection: None }
    }

    fn start_projection(&mut self) {
        let reporting = Reporting::new(self.store.clone(), self.auth.clone());
        self.projection = Some(reporting.spawn_projection());
    }

    /// Shuts the box down and opens it again on the same database, projection running.
    async fn restart(&mut self) {
        if let Some(handle) = self.projection.take() {
            handle.abort();
        }
        self.store.shutdown().await;
        self.store = open_store(&self.path, &self.clock);
        let reporting = Reporting::new(self.store.clone(), self.auth.clone());
        self.router = comanda_reporting::router(reporting).split_for_parts().0;
        self.start_projection();
    }

    /// Appends `event` by `actor`, stamped `at` by the store's clock.
    async fn append(&self, at: OffsetDateTime, actor: Actor, event: Event) {
        self.clock.set(at);
        self.store
            .write(move |tx| tx.append(actor, event).map(|_| ()))
            .await
            .map_err(|e: StoreError| e)
            .expect("append");
    }

    /// Waits (at most 5 s) until the projection has recorded the whole log.
    async fn settled(&self) {
        for _ in 0..250 {
            let cursor = self.store.subscriber(comanda_reporting::SUBSCRIBER).await.expect("cursor").cursor();
            if cursor == self.store.last_seq() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("the sales projection did not catch up");
    }

    async fn get(&self, role: Option<Role>, uri: &str) -> (StatusCode, Value) {
        let mut req = Request::builder().method("GET").uri(uri);
        if let Some(role) = role {
            let who = AuthStaff { id: StaffId::new(), role, name: "Marta".into() };
            let token = self.auth.issue_access(&who).expect("token").0;
            req = req.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        let res = self.router.clone().oneshot(req.body(Body::empty()).expect("request")).await.expect("infallible");
        let status = res.status();
        let bytes = axum::body::to_bytes(res.into_body(), usize::MAX).await.expect("body");
        (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
    }

    async fn report(&self, query: &str) -> Value {
        let (status, body) = self.get(Some(Role::Manager), &format!("/reports/sales{query}")).await;
        assert_eq!(status, StatusCode::OK, "{query}: {body}");
        body
    }
}

fn money(minor: i64) -> Money {
    Money::from_minor(minor)
}

fn rate(bp: u32) -> TaxRate {
    TaxRate::from_bp(bp).expect("rate")
}

struct Menu {
    ribeye: ItemId,
    soup: ItemId,
    wine: ItemId,
}

fn line(item: ItemId, name: &str, category: &str, quantity: u32, amount: i64, bp: u32) -> PaidLine {
    PaidLine {
        item_id: item,
        name: name.into(),
        category_name: category.into(),
        quantity,
        amount: money(amount),
        tax_rate_bp: rate(bp),
        cost: None,
    }
}

fn tax(bp: u32, base: i64, tax: i64) -> PaidTax {
    PaidTax { rate_bp: rate(bp), base: money(base), tax: money(tax) }
}

fn opened(order_id: OrderId, guests: u32, waiter_id: StaffId) -> Event {
    Event::OrderOpened(OrderOpened {
        order_id,
        number: 1,
        table_id: TableId::new(),
        table_name: "T1".into(),
        guests,
        waiter_id,
    })
}

fn taken(
    payment_id: PaymentId,
    bill_id: BillId,
    order_id: OrderId,
    method: PaymentMethod,
    amount: i64,
    tip: i64,
) -> Event {
    Event::PaymentTaken(PaymentTaken {
        payment_id,
        bill_id,
        order_id,
        method,
        amount: money(amount),
        tip: money(tip),
        tendered: None,
        change: Money::ZERO,
        cash_session_id: None,
    })
}

fn refunded(payment_id: PaymentId, bill_id: BillId, method: PaymentMethod, amount: i64) -> Event {
    Event::PaymentRefunded(PaymentRefunded {
        refund_id: RefundId::new(),
        payment_id,
        bill_id,
        method,
        amount: money(amount),
        reason: "overcharged".into(),
        approved_by: StaffId::new(),
        cash_session_id: None,
    })
}

struct Evening {
    ana: StaffId,
    ben: StaffId,
    menu: Menu,
    bill_d: BillId,
    pay_d: PaymentId,
}

/// Saturday 21 November 2026 in Paris (UTC+1). Times below are UTC; local is one hour later.
async fn evening(r: &Restaurant) -> Evening {
    let (ana, ben, manager) = (StaffId::new(), StaffId::new(), StaffId::new());
    let menu = Menu { ribeye: ItemId::new(), soup: ItemId::new(), wine: ItemId::new() };
    let (order_a, order_b, order_c, order_d) = (OrderId::new(), OrderId::new(), OrderId::new(), OrderId::new());
    let (bill_a, bill_b, bill_d) = (BillId::new(), BillId::new(), BillId::new());
    let (pay_a, pay_b_cash, pay_b_card, pay_d) =
        (PaymentId::new(), PaymentId::new(), PaymentId::new(), PaymentId::new());
    let table_id = TableId::new();
    let by = |id: StaffId| Actor::Staff(id);

    r.append(datetime!(2026-11-21 19:00 UTC), by(ana), opened(order_a, 2, ana)).await;
    r.append(datetime!(2026-11-21 19:05 UTC), by(ben), opened(order_b, 3, ben)).await;
    r.append(datetime!(2026-11-21 19:10 UTC), by(ben), opened(order_c, 1, ben)).await;
    // Table C joins table B: its guest now eats (and is counted) with order B.
    let moved = OrderMoved {
        order_id: order_c,
        from_table_id: TableId::new(),
        to_table_id: table_id,
        merged_into: Some(order_b),
    };
    r.append(datetime!(2026-11-21 19:15 UTC), by(ben), Event::OrderMoved(moved)).await;
    let sent = OrderSent {
        order_id: order_a,
        number: 1,
        table_id,
        table_name: "T1".into(),
        waiter_id: ana,
        waiter_name: "Ana".into(),
        course: None,
        send_no: 1,
        lines: vec![],
    };
    r.append(datetime!(2026-11-21 19:20 UTC), by(ana), Event::OrderSent(sent)).await;
    let discount = BillDiscounted {
        bill_id: bill_a,
        order_id: order_a,
        kind: "percent".into(),
        value: 10,
        amount: money(600),
        reason: "birthday".into(),
        approved_by: manager,
    };
    r.append(datetime!(2026-11-21 20:25 UTC), by(manager), Event::BillDiscounted(discount)).await;

    // Bill A (Ana), 21:30 local: 2 × Ribeye 24.00 at 10 % and a Wine 12.00 at 20 %, minus 10 %
    // (4.80 off the ribeyes, 1.20 off the wine). Tax 10 %: 43.20 × 10/110 = 3.927 → 3.93;
    // tax 20 %: 10.80 × 20/120 = 1.80. Total 60.00 − 6.00 = 54.00, paid by card with a 3.00 tip.
    r.append(datetime!(2026-11-21 20:30 UTC), by(ana), taken(pay_a, bill_a, order_a, PaymentMethod::Card, 5400, 300))
        .await;
    let paid_a = BillPaid {
        bill_id: bill_a,
        order_id: order_a,
        table_id,
        waiter_id: ana,
        prices_include_tax: true,
        subtotal: money(6000),
        discount_total: money(600),
        service_charge: Money::ZERO,
        taxes: vec![tax(1000, 4320, 393), tax(2000, 1080, 180)],
        total: money(5400),
        tips: money(300),
        lines: vec![
            line(menu.ribeye, "Ribeye", "Mains", 2, 4320, 1000),
            line(menu.wine, "Wine", "Drinks", 1, 1080, 2000),
        ],
    };
    r.append(datetime!(2026-11-21 20:30:05 UTC), by(ana), Event::BillPaid(paid_a)).await;
    // 22:00 local: 5.00 of Ana's card payment goes back.
    r.append(datetime!(2026-11-21 21:00 UTC), by(manager), refunded(pay_a, bill_a, PaymentMethod::Card, 500)).await;

    r.append(datetime!(2026-11-21 22:40 UTC), by(ana), opened(order_d, 2, ana)).await;

    // Bill B (Ben), 23:59 local: 3 × Soup 8.00 and a Ribeye 24.00 at 10 % (48.00, tax
    // 4.3636 → 4.36), service charge 5.00 at 20 % (tax 0.8333 → 0.83). Total 53.00: 30.00
    // cash, 23.00 card with a 2.00 tip.
    r.append(
        datetime!(2026-11-21 22:58 UTC),
        by(ben),
        taken(pay_b_cash, bill_b, order_b, PaymentMethod::Cash, 3000, 0),
    )
    .await;
    r.append(
        datetime!(2026-11-21 22:59 UTC),
        by(ben),
        taken(pay_b_card, bill_b, order_b, PaymentMethod::Card, 2300, 200),
    )
    .await;
    let paid_b = BillPaid {
        bill_id: bill_b,
        order_id: order_b,
        table_id,
        waiter_id: ben,
        prices_include_tax: true,
        subtotal: money(4800),
        discount_total: Money::ZERO,
        service_charge: money(500),
        taxes: vec![tax(1000, 4800, 436), tax(2000, 500, 83)],
        total: money(5300),
        tips: money(200),
        lines: vec![
            line(menu.soup, "Soup", "Starters", 3, 2400, 1000),
            line(menu.ribeye, "Ribeye", "Mains", 1, 2400, 1000),
        ],
    };
    r.append(datetime!(2026-11-21 22:59:30 UTC), by(ben), Event::BillPaid(paid_b)).await;

    // Bill D (Ana), 00:00:30 local on Sunday: a Wine 12.00 at 20 % (tax 2.00), cash.
    r.append(datetime!(2026-11-21 23:00:20 UTC), by(ana), taken(pay_d, bill_d, order_d, PaymentMethod::Cash, 1200, 0))
        .await;
    let paid_d = BillPaid {
        bill_id: bill_d,
        order_id: order_d,
        table_id,
        waiter_id: ana,
        prices_include_tax: true,
        subtotal: money(1200),
        discount_total: Money::ZERO,
        service_charge: Money::ZERO,
        taxes: vec![tax(2000, 1200, 200)],
        total: money(1200),
        tips: Money::ZERO,
        lines: vec![line(menu.wine, "Wine", "Drinks", 1, 1200, 2000)],
    };
    r.append(datetime!(2026-11-21 23:00:30 UTC), by(ana), Event::BillPaid(paid_d)).await;
    Evening { ana, ben, menu, bill_d, pay_d }
}

/// Saturday's report, worked out by hand from the evening above.
fn saturday(e: &Evening) -> Value {
    json!({
        "from": "2026-11-20T23:00:00Z",
        "to": "2026-11-21T23:00:00Z",
        "timezone": "Europe/Paris",
        "currency": "EUR",
        "orders": 2,                  // A and B (D was paid on Sunday)
        "covers": 6,                  // A 2 + B 3 + C's 1 merged into B
        "gross": 5400 + 5300,         // the sum of the bills, to the cent
        "tax": 393 + 180 + 436 + 83,  // 1092
        "net": 10700 - 1092,
        "tips": 300 + 200,
        "discounts": 600,
        "service_charge": 500,
        "refunds": 500,
        "by_item": [
            {"item_id": e.menu.ribeye, "name": "Ribeye", "quantity": 3, "gross": 4320 + 2400},
            {"item_id": e.menu.soup, "name": "Soup", "quantity": 3, "gross": 2400},
            {"item_id": e.menu.wine, "name": "Wine", "quantity": 1, "gross": 1080},
        ],
        "by_category": [
            {"category": "Mains", "quantity": 3, "gross": 6720},
            {"category": "Starters", "quantity": 3, "gross": 2400},
            {"category": "Drinks", "quantity": 1, "gross": 1080},
        ],
        "by_hour": [
            {"hour": 21, "bills": 1, "gross": 5400},
            {"hour": 23, "bills": 1, "gross": 5300},
        ],
        "by_day": [{"date": "2026-11-21", "bills": 2, "gross": 10700, "net": 10700 - 1092}],
        "by_staff": [
            {"staff_id": e.ana, "bills": 1, "gross": 5400, "tips": 300},
            {"staff_id": e.ben, "bills": 1, "gross": 5300, "tips": 200},
        ],
        "by_payment_method": [
            {"method": "cash", "payments": 1, "amount": 3000, "tips": 0, "refunds": 0},
            {"method": "card", "payments": 2, "amount": 5400 + 2300, "tips": 500, "refunds": 500},
        ],
        "taxes": [
            {"rate_bp": 1000, "base": 4320 + 4800, "tax": 393 + 436},
            {"rate_bp": 2000, "base": 1080 + 500, "tax": 180 + 83},
        ],
    })
}

/// Sunday's report: bill D, paid half a minute after local midnight, and later a refund.
fn sunday(e: &Evening, refund: i64) -> Value {
    let cash_refund = refund;
    json!({
        "from": "2026-11-21T23:00:00Z",
        "to": "2026-11-22T23:00:00Z",
        "timezone": "Europe/Paris",
        "currency": "EUR",
        "orders": 1,
        "covers": 2,
        "gross": 1200,
        "tax": 200,
        "net": 1000,
        "tips": 0,
        "discounts": 0,
        "service_charge": 0,
        "refunds": refund,
        "by_item": [{"item_id": e.menu.wine, "name": "Wine", "quantity": 1, "gross": 1200}],
        "by_category": [{"category": "Drinks", "quantity": 1, "gross": 1200}],
        "by_hour": [{"hour": 0, "bills": 1, "gross": 1200}],
        "by_day": [{"date": "2026-11-22", "bills": 1, "gross": 1200, "net": 1000}],
        "by_staff": [{"staff_id": e.ana, "bills": 1, "gross": 1200, "tips": 0}],
        "by_payment_method": [{"method": "cash", "payments": 1, "amount": 1200, "tips": 0, "refunds": cash_refund}],
        "taxes": [{"rate_bp": 2000, "base": 1200, "tax": 200}],
    })
}

#[tokio::test]
async fn an_evening_adds_up_to_the_cent_by_local_day_and_survives_a_restart() {
    let mut r = Restaurant::new(true).await;
    // The evening happens before the projection runs at all: it catches up from the log.
    let e = evening(&r).await;
    r.start_projection();
    r.settled().await;

    assert_eq!(r.report("?from=2026-11-21&to=2026-11-21").await, saturday(&e));
    assert_eq!(r.report("?from=2026-11-22&to=2026-11-22").await, sunday(&e, 0));

    // Both days together: three orders, eight covers, every bill once.
    let weekend = r.report("?from=2026-11-21&to=2026-11-22").await;
    assert_eq!((weekend["orders"].clone(), weekend["covers"].clone()), (json!(3), json!(8)));
    assert_eq!(weekend["gross"], json!(5400 + 5300 + 1200));
    assert_eq!(
        weekend["by_item"][0],
        json!({"item_id": e.menu.ribeye, "name": "Ribeye", "quantity": 3, "gross": 6720})
    );
    assert_eq!(weekend["by_item"][2], json!({"item_id": e.menu.wine, "name": "Wine", "quantity": 2, "gross": 2280}));

    // Instants: 23:00–00:00 local on Saturday is bill B alone.
    let last_hour = r.report("?from=2026-11-21T22:00:00Z&to=2026-11-21T23:00:00%2B00:00").await;
    assert_eq!((last_hour["orders"].clone(), last_hour["gross"].clone()), (json!(1), json!(5300)));
    assert_eq!(last_hour["from"], "2026-11-21T22:00:00Z");

    // No range: today, in Paris. At 12:00 UTC on Sunday that is Sunday.
    r.clock.set(datetime!(2026-11-22 12:00 UTC));
    assert_eq!(r.report("").await, sunday(&e, 0));

    // Restart: the cursor was committed with the facts; nothing counts twice.
    r.restart().await;
    r.settled().await;
    assert_eq!(r.report("?from=2026-11-21&to=2026-11-21").await, saturday(&e));
    assert_eq!(r.report("?from=2026-11-22&to=2026-11-22").await, sunday(&e, 0));

    // New events after the restart are counted, once, on the day they happen.
    r.append(datetime!(2026-11-22 10:00 UTC), Actor::System, refunded(e.pay_d, e.bill_d, PaymentMethod::Cash, 100))
        .await;
    r.settled().await;
    r.restart().await;
    r.settled().await;
    assert_eq!(r.report("?from=2026-11-22&to=2026-11-22").await, sunday(&e, 100));
    assert_eq!(r.report("?from=2026-11-21&to=2026-11-21").await, saturday(&e));
}

#[tokio::test]
async fn only_managers_and_owners_read_sales_and_bad_input_is_a_4xx() {
    let r = Restaurant::new(true).await;
    for (role, status) in [
        (Some(Role::Owner), StatusCode::OK),
        (Some(Role::Manager), StatusCode::OK),
        (Some(Role::Waiter), StatusCode::FORBIDDEN),
        (Some(Role::Kitchen), StatusCode::FORBIDDEN),
        (None, StatusCode::UNAUTHORIZED),
    ] {
        let (got, body) = r.get(role, "/reports/sales").await;
        assert_eq!(got, status, "{role:?}: {body}");
    }
    // (query, status, error code)
    let table = [
        ("?from=2026-11-31", StatusCode::BAD_REQUEST, "bad_request"),
        ("?from=tomorrow", StatusCode::BAD_REQUEST, "bad_request"),
        ("?to=2026-11-21T20:00:00+01:00", StatusCode::BAD_REQUEST, "bad_request"),
        ("?from=2026-11-22&to=2026-11-21", StatusCode::UNPROCESSABLE_ENTITY, "validation_failed"),
        ("?from=2025-01-01&to=2026-11-21", StatusCode::UNPROCESSABLE_ENTITY, "validation_failed"),
    ];
    for (query, status, code) in table {
        let (got, body) = r.get(Some(Role::Manager), &format!("/reports/sales{query}")).await;
        assert_eq!(got, status, "{query}: {body}");
        assert_eq!(body["error"]["code"], code, "{query}");
    }
    // An empty day is a report of zeros, not an error.
    let empty = r.report("?from=2026-01-01&to=2026-01-01").await;
    assert_eq!((empty["gross"].clone(), empty["by_item"].clone()), (json!(0), json!([])));
}

#[tokio::test]
async fn a_box_that_is_not_set_up_has_no_report() {
    let r = Restaurant::new(false).await;
    let (status, body) = r.get(Some(Role::Owner), "/reports/sales").await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["code"], "conflict");
}

/// Every `$ref` in a document, for checking they resolve.
fn refs<'a>(value: &'a Value, out: &mut Vec<&'a str>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(r)) = map.get("$ref") {
                out.push(r);
            }
            map.values().for_each(|v| refs(v, out));
        }
        Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
        _ => {}
    }
}

#[tokio::test]
async fn the_report_is_documented_for_openapi() {
    let r = Restaurant::new(false).await;
    let (_, api) = comanda_reporting::router(Reporting::new(r.store.clone(), r.auth.clone())).split_for_parts();
    let doc = serde_json::to_value(&api).expect("json");
    let op = &doc["paths"]["/reports/sales"]["get"];
    assert_eq!(op["security"], json!([{"bearer": []}]));
    let params: Vec<&str> =
        op["parameters"].as_array().expect("params").iter().filter_map(|p| p["name"].as_str()).collect();
    assert_eq!(params, ["from", "to"]);
    for (status, response) in op["responses"].as_object().expect("responses") {
        assert!(response["description"].as_str().is_some_and(|d| !d.is_empty()), "{status}");
    }
    let mut all = Vec::new();
    refs(&doc, &mut all);
    assert!(all.contains(&"#/components/schemas/SalesReport"), "{all:?}");
    for r in all {
        assert!(doc.pointer(r.trim_start_matches('#')).is_some(), "dangling $ref {r}");
    }
}
