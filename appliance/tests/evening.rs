//! A full evening, on the real binary over HTTP, for a tax-inclusive (EU) and a tax-exclusive
//! (US) restaurant: six tables, 40 lines across seats and courses, fire by course, voids before
//! and after send, an 86'd item, kitchen bumps, a table move, splits even and by seat, a
//! discount, a service charge, cash with change, card with tip, a partial refund, retried
//! requests, and the Z report. Every total is worked out by hand in the comments.
//!
//! Both restaurants are sites of one organisation on a `comanda-cloud` (real PostgreSQL): the
//! owner pairs each box from its dashboard API with a one-time code, and at the end the
//! cloud's report of each site equals the box's own to the cent, and the organisation's view
//! adds the two up.
//!
//! Menu (price, tax): soup 6.00 @10 %, steak 22.00 @10 % (+ fries 2.00), fish 18.00 @10 %,
//! tiramisu 7.50 @10 %, water 3.00 @10 %, wine 7.00 @20 %. Inclusive: prices include tax;
//! exclusive: tax is added on top.

use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

use comanda_testkit::{BinaryBox, Client, OWNER_PASSWORD, OWNER_USERNAME, Reply};
use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_comanda");

fn id(reply: &Reply) -> String {
    reply.body["id"].as_str().unwrap_or_else(|| panic!("no id in {}", reply.text)).to_owned()
}

fn minor(v: &Value) -> i64 {
    v.as_i64().unwrap_or_else(|| panic!("not an amount: {v}"))
}

struct Menu {
    items: HashMap<&'static str, String>,
    medium: String,
    rare: String,
    well: String,
    fries: String,
    kitchen: String,
    bar: String,
}

async fn build_menu(owner: &Client) -> Menu {
    let kitchen = id(&owner.post("/api/v1/kitchen/stations", json!({"name": "Kitchen"})).await.expect_status(201));
    let bar = id(&owner.post("/api/v1/kitchen/stations", json!({"name": "Bar"})).await.expect_status(201));
    let food =
        id(&owner.post("/api/v1/menu/categories", json!({"name": "Food", "position": 1})).await.expect_status(201));
    let drinks =
        id(&owner.post("/api/v1/menu/categories", json!({"name": "Drinks", "position": 2})).await.expect_status(201));
    let cooking = owner
        .post("/api/v1/menu/modifier-groups", json!({"name": "Cooking", "min": 1, "max": 1,
            "options": [{"name": "rare", "price_delta": 0}, {"name": "medium", "price_delta": 0}, {"name": "well done", "price_delta": 0}]}))
        .await
        .expect_status(201);
    let sides = owner
        .post(
            "/api/v1/menu/modifier-groups",
            json!({"name": "Sides", "min": 0, "max": 2,
            "options": [{"name": "fries", "price_delta": 200}, {"name": "salad", "price_delta": 150}]}),
        )
        .await
        .expect_status(201);
    let option = |group: &Reply, i: usize| group.body["options"][i]["id"].as_str().expect("option").to_owned();
    let mut items = HashMap::new();
    // (name, price, tax rate, category, station, modifier groups)
    type Dish<'a> = (&'static str, i64, u32, &'a str, &'a str, Vec<String>);
    let menu: [Dish<'_>; 7] = [
        ("soup", 600, 1000, &food, &kitchen, vec![]),
        ("steak", 2200, 1000, &food, &kitchen, vec![id(&cooking), id(&sides)]),
        ("fish", 1800, 1000, &food, &kitchen, vec![]),
        ("tiramisu", 750, 1000, &food, &kitchen, vec![]),
        ("oysters", 1500, 1000, &food, &kitchen, vec![]),
        ("water", 300, 1000, &drinks, &bar, vec![]),
        ("wine", 700, 2000, &drinks, &bar, vec![]),
    ];
    for (name, price, tax, category, station, groups) in menu {
        let body = json!({"category_id": category, "name": name, "price": price, "tax_rate_bp": tax,
                          "station_id": station, "cost": price / 3, "modifier_group_ids": groups});
        items.insert(name, id(&owner.post("/api/v1/menu/items", body).await.expect_status(201)));
    }
    Menu {
        medium: option(&cooking, 1),
        rare: option(&cooking, 0),
        well: option(&cooking, 2),
        fries: option(&sides, 0),
        items,
        kitchen,
        bar,
    }
}

/// A line for `POST /orders/{id}/lines`.
fn line(menu: &Menu, item: &str, quantity: u32, seat: Option<u32>, course: u32, options: &[&String]) -> Value {
    json!({"item_id": menu.items[item], "quantity": quantity, "seat": seat, "course": course, "modifier_option_ids": options})
}

/// Waits (at most 10 s) until `check` holds for the JSON at `path`.
async fn eventually(c: &Client, path: &str, what: &str, check: impl Fn(&Value) -> bool) -> Value {
    for _ in 0..200 {
        let reply = c.get(path).await;
        if reply.status == 200 && check(&reply.body) {
            return reply.body;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{what}: never happened ({path})");
}

/// The evening's sales report, as the box gives it, and where it was asked.
struct Evening {
    range: String,
    report: Value,
}

async fn evening(inclusive: bool, cloud: Option<(&str, &str)>) -> Evening {
    // Expected amounts: (inclusive, exclusive), both worked by hand below.
    let e = |incl: i64, excl: i64| if inclusive { incl } else { excl };
    let dir = tempfile::tempdir().expect("tempdir");
    let the_box = BinaryBox::spawn(Path::new(BIN), &dir.path().join("data"));
    let anon = Client::new(&the_box.base);
    let setup = json!({
        "restaurant": {"name": "Chez Test", "currency": "EUR",
                       "prices_include_tax": inclusive, "timezone": "Europe/Paris"},
        "owner": {"name": "Olivia Owner", "username": OWNER_USERNAME, "password": OWNER_PASSWORD}
    });
    anon.post("/api/v1/setup", setup).await.expect_status(201);
    let owner = anon.as_session(&anon.login(OWNER_USERNAME, OWNER_PASSWORD).await);
    if let Some((url, code)) = cloud {
        // The owner pairs the box from the dashboard: a wrong code first, then the right one.
        let wrong = owner.post("/api/v1/sync/pair", json!({"cloud_url": url, "code": "00000-00000"})).await;
        assert_eq!((wrong.status, wrong.error_code()), (422, Some("validation_failed")), "{}", wrong.text);
        let paired = owner.post("/api/v1/sync/pair", json!({"cloud_url": url, "code": code})).await.expect_status(200);
        assert_eq!(paired.body["enabled"], true, "{}", paired.text);
    }
    for (user, role, pin) in [("marta", "manager", "9999"), ("ana", "waiter", "1111"), ("kai", "kitchen", "3333")] {
        let password = (role == "manager").then_some("a long password");
        let body = json!({"name": user, "username": user, "role": role, "pin": pin, "password": password});
        owner.post("/api/v1/staff", body).await.expect_status(201);
    }
    let ana = anon.as_session(&anon.pin_login("ana", "1111").await);
    let kai = anon.as_session(&anon.pin_login("kai", "3333").await);
    let marta = anon.as_session(&anon.pin_login("marta", "9999").await);

    let menu = build_menu(&owner).await;
    let area = id(&owner.post("/api/v1/areas", json!({"name": "Main room"})).await.expect_status(201));
    let mut tables = Vec::new();
    for n in 1..=6 {
        let t = owner.post("/api/v1/tables", json!({"name": format!("T{n}"), "area_id": area, "seats": 8})).await;
        tables.push(id(&t.expect_status(201)));
    }
    // 86 the oysters; a waiter may not change prices.
    owner
        .patch(&format!("/api/v1/menu/items/{}", menu.items["oysters"]), json!({"available": false}))
        .await
        .expect_status(200);
    ana.patch(&format!("/api/v1/menu/items/{}", menu.items["steak"]), json!({"price": 100})).await.expect_status(403);

    let drawer = ana.post("/api/v1/cash/sessions", json!({"opening_float": 10_000})).await.expect_status(201);
    let drawer = drawer.body["session_id"].as_str().expect("session").to_owned();

    // ---- T1: two guests, fired by course, voids before and after send ----
    let t1 = id(&ana.post("/api/v1/orders", json!({"table_id": tables[0], "guests": 2})).await.expect_status(201));
    let lines = json!({"lines": [
        line(&menu, "soup", 1, Some(1), 1, &[]),
        line(&menu, "soup", 1, Some(2), 1, &[]),
        line(&menu, "steak", 1, Some(1), 2, &[&menu.medium, &menu.fries]),
        line(&menu, "fish", 1, Some(2), 2, &[]),
        line(&menu, "wine", 2, None, 1, &[]),
        line(&menu, "water", 1, None, 1, &[]),
    ]});
    let first =
        ana.post_keyed(&format!("/api/v1/orders/{t1}/lines"), "t1-lines", lines.clone()).await.expect_status(201);
    let retry = ana.post_keyed(&format!("/api/v1/orders/{t1}/lines"), "t1-lines", lines).await.expect_status(201);
    assert_eq!(retry.body, first.body, "a retried request is answered once");
    assert_eq!(first.body["lines"].as_array().map(Vec::len), Some(6));
    let sold_out = ana
        .post(&format!("/api/v1/orders/{t1}/lines"), json!({"lines": [line(&menu, "oysters", 1, None, 1, &[])]}))
        .await;
    assert_eq!((sold_out.status, sold_out.error_code()), (409, Some("conflict")), "{}", sold_out.text);
    assert!(sold_out.text.contains("sold out"), "{}", sold_out.text);
    let uncooked = ana
        .post(&format!("/api/v1/orders/{t1}/lines"), json!({"lines": [line(&menu, "steak", 1, Some(1), 2, &[])]}))
        .await;
    assert_eq!(uncooked.status, 422, "{}", uncooked.text);
    let dessert = ana
        .post(&format!("/api/v1/orders/{t1}/lines"), json!({"lines": [line(&menu, "tiramisu", 1, Some(1), 3, &[])]}))
        .await;
    let dessert_line = dessert.expect_status(201).body["lines"][6]["id"].as_str().expect("line").to_owned();
    ana.post(&format!("/api/v1/orders/{t1}/lines/{dessert_line}/void"), json!({"reason": "changed their mind"}))
        .await
        .expect_status(200);
    let fired = ana
        .post_keyed(&format!("/api/v1/orders/{t1}/send"), "t1-send-1", json!({"course": 1}))
        .await
        .expect_status(200);
    ana.post_keyed(&format!("/api/v1/orders/{t1}/send"), "t1-send-1", json!({"course": 1})).await.expect_status(200);
    let sent: Vec<&str> =
        fired.body["lines"].as_array().expect("lines").iter().filter_map(|l| l["status"].as_str()).collect();
    assert_eq!(sent, ["sent", "sent", "unsent", "unsent", "sent", "sent", "voided"]);
    ana.post(&format!("/api/v1/orders/{t1}/send"), json!({"course": 2})).await.expect_status(200);
    ana.post(&format!("/api/v1/orders/{t1}/send"), json!({})).await.expect_status(409); // nothing left
    let water = first.body["lines"][5]["id"].as_str().expect("water line").to_owned();
    let void = format!("/api/v1/orders/{t1}/lines/{water}/void");
    let refused = ana.post(&void, json!({"reason": "spilled"})).await.expect_status(403);
    assert!(refused.text.contains("Manager PIN"), "{}", refused.text);
    ana.post(&void, json!({"reason": "spilled", "approval_pin": "1111"})).await.expect_status(403); // not her own
    ana.post(&void, json!({"reason": "spilled", "approval_pin": "9999"})).await.expect_status(200);

    // ---- T2: three guests, one bottle's worth of wine ----
    let t2 = id(&ana.post("/api/v1/orders", json!({"table_id": tables[1], "guests": 3})).await.expect_status(201));
    ana.post(
        &format!("/api/v1/orders/{t2}/lines"),
        json!({"lines": [
            line(&menu, "steak", 1, Some(1), 1, &[&menu.rare]),
            line(&menu, "steak", 1, Some(2), 1, &[&menu.medium]),
            line(&menu, "steak", 1, Some(3), 1, &[&menu.well]),
            line(&menu, "wine", 3, None, 1, &[]),
        ]}),
    )
    .await
    .expect_status(201);
    ana.post(&format!("/api/v1/orders/{t2}/send"), json!({})).await.expect_status(200);

    // ---- T3: two guests who move to T6 ----
    let t3 = id(&ana.post("/api/v1/orders", json!({"table_id": tables[2], "guests": 2})).await.expect_status(201));
    ana.post(&format!("/api/v1/orders/{t3}/lines"), json!({"lines": [
        line(&menu, "soup", 1, Some(1), 1, &[]), line(&menu, "fish", 1, Some(2), 1, &[]), line(&menu, "water", 1, None, 1, &[]),
    ]})).await.expect_status(201);
    ana.post(&format!("/api/v1/orders/{t3}/send"), json!({})).await.expect_status(200);
    let moved = ana.post(&format!("/api/v1/orders/{t3}/move"), json!({"table_id": tables[5]})).await.expect_status(200);
    assert_eq!(moved.body["table_name"], "T6");

    // ---- T4: a party of eight, soup, wine, then steaks: 24 lines ----
    let t4 = id(&ana.post("/api/v1/orders", json!({"table_id": tables[3], "guests": 8})).await.expect_status(201));
    let party: Vec<Value> = (1..=8)
        .flat_map(|seat| {
            [
                line(&menu, "soup", 1, Some(seat), 1, &[]),
                line(&menu, "wine", 1, Some(seat), 1, &[]),
                line(&menu, "steak", 1, Some(seat), 2, &[&menu.medium]),
            ]
        })
        .collect();
    ana.post(&format!("/api/v1/orders/{t4}/lines"), json!({"lines": party})).await.expect_status(201);
    ana.post(&format!("/api/v1/orders/{t4}/send"), json!({"course": 1})).await.expect_status(200);
    ana.post(&format!("/api/v1/orders/{t4}/send"), json!({"course": 2})).await.expect_status(200);

    // ---- T5: one guest; the dessert is on the house ----
    let t5 = id(&ana.post("/api/v1/orders", json!({"table_id": tables[4], "guests": 1})).await.expect_status(201));
    let t5_lines = ana
        .post(
            &format!("/api/v1/orders/{t5}/lines"),
            json!({"lines": [line(&menu, "tiramisu", 1, None, 1, &[]), line(&menu, "water", 1, None, 1, &[])]}),
        )
        .await
        .expect_status(201);
    ana.post(&format!("/api/v1/orders/{t5}/send"), json!({})).await.expect_status(200);
    let tiramisu = t5_lines.body["lines"][0]["id"].as_str().expect("line").to_owned();
    let comp = format!("/api/v1/orders/{t5}/lines/{tiramisu}/comp");
    ana.post(&comp, json!({"reason": "birthday"})).await.expect_status(403);
    ana.post(&comp, json!({"reason": "birthday", "approval_pin": "9999"})).await.expect_status(200);

    // ---- the kitchen: one ticket per station per send, and a VOID for the water ----
    // Kitchen: T1 c1, T1 c2, T2, T3, T4 c1, T4 c2, T5 = 7. Bar: T1 c1, T1 void, T2, T3, T4 c1, T5 = 6.
    let kitchen_tickets =
        eventually(&kai, &format!("/api/v1/kitchen/tickets?station_id={}", menu.kitchen), "kitchen tickets", |b| {
            b["items"].as_array().map(Vec::len) == Some(7)
        })
        .await;
    let bar_tickets =
        eventually(&kai, &format!("/api/v1/kitchen/tickets?station_id={}", menu.bar), "bar tickets", |b| {
            b["items"].as_array().map(Vec::len) == Some(6)
        })
        .await;
    let voids: Vec<&Value> =
        bar_tickets["items"].as_array().expect("items").iter().filter(|t| t["kind"] == "void").collect();
    assert_eq!(voids.len(), 1);
    assert_eq!(voids[0]["lines"][0]["name"], "water");
    let first_kitchen = &kitchen_tickets["items"][0];
    assert_eq!((first_kitchen["table_name"].as_str(), first_kitchen["course"].as_u64()), (Some("T1"), Some(1)));
    for ticket in kitchen_tickets["items"].as_array().expect("items") {
        let t = ticket["id"].as_str().expect("id");
        for _ in 0..3 {
            kai.post_empty(&format!("/api/v1/kitchen/tickets/{t}/bump"), None).await.expect_status(200);
        }
    }
    let left = kai.get(&format!("/api/v1/kitchen/tickets?station_id={}", menu.kitchen)).await.expect_status(200);
    assert_eq!(left.body["items"].as_array().map(Vec::len), Some(0), "all served");

    // ---- T1's bill, split by seat ----
    // Lines: soup 6 + soup 6 + steak 24 + fish 18 @10 % = 54; wine 2 × 7 = 14 @20 %.
    // Inclusive: total 68.00; tax 54×10/110 = 4.909 → 4.91, 14×20/120 = 2.333 → 2.33.
    // Exclusive: tax 5.40 + 2.80; total 76.20.
    let bill = ana.post(&format!("/api/v1/orders/{t1}/bill"), json!({})).await.expect_status(201);
    assert_eq!(minor(&bill.body["total"]), e(6800, 7620));
    let taxes: Vec<i64> = bill.body["taxes"].as_array().expect("taxes").iter().map(|t| minor(&t["tax"])).collect();
    assert_eq!(taxes, [e(491, 540), e(233, 280)]);
    kai.get(&format!("/api/v1/bills/{}", id(&bill))).await.expect_status(403); // the kitchen reads no bills
    let split = ana.post(&format!("/api/v1/bills/{}/split", id(&bill)), json!({"by": "seat"})).await.expect_status(201);
    // Seat 1: soup 6 + steak 24 + half the wine 7; seat 2: soup 6 + fish 18 + half the wine 7.
    // Exclusive: seat 1 = 37 + 3.00 + 1.40 = 41.40; seat 2 = 31 + 2.40 + 1.40 = 34.80.
    let parts: Vec<(String, i64)> =
        split.body["parts"].as_array().expect("parts").iter().map(|p| (id_of(p), minor(&p["total"]))).collect();
    assert_eq!(parts.iter().map(|p| p.1).collect::<Vec<_>>(), [e(3700, 4140), e(3100, 3480)]);
    ana.post(
        &format!("/api/v1/bills/{}/payments", parts[0].0),
        json!({"method": "card", "amount": parts[0].1, "tip": 300}),
    )
    .await
    .expect_status(201);
    let cash = ana
        .post(
            &format!("/api/v1/bills/{}/payments", parts[1].0),
            json!({"method": "cash", "amount": parts[1].1, "tendered": 4000}),
        )
        .await
        .expect_status(201);
    assert_eq!(minor(&cash.body["change"]), e(900, 520));
    assert_eq!(cash.body["bill"]["status"], "paid");
    assert_eq!(ana.get(&format!("/api/v1/orders/{t1}")).await.body["status"], "closed");
    eventually(&ana, &format!("/api/v1/tables/{}", tables[0]), "T1 free again", |t| t["status"] == "free").await;

    // ---- T2: 10 % off (a waiter may give up to 10 %), split three ways ----
    // Steaks 3 × 22 = 66 @10 %, wine 3 × 7 = 21 @20 %: 87.00; 10 % = 8.70 → 59.40 and 18.90.
    // Inclusive: 78.30 → 26.10 each. Exclusive: + 5.94 + 3.78 = 88.02 → 29.34 each.
    let bill2 = ana.post(&format!("/api/v1/orders/{t2}/bill"), json!({})).await.expect_status(201);
    let discounts = format!("/api/v1/bills/{}/discounts", id(&bill2));
    ana.post(&discounts, json!({"kind": "percent", "value": 15, "reason": "regulars"})).await.expect_status(403);
    let discounted =
        ana.post(&discounts, json!({"kind": "percent", "value": 10, "reason": "regulars"})).await.expect_status(200);
    assert_eq!((minor(&discounted.body["discount_total"]), minor(&discounted.body["total"])), (870, e(7830, 8802)));
    let even = ana
        .post(&format!("/api/v1/bills/{}/split", id(&bill2)), json!({"by": "even", "parts": 3}))
        .await
        .expect_status(201);
    for part in even.body["parts"].as_array().expect("parts") {
        assert_eq!(minor(&part["total"]), e(2610, 2934));
        ana.post(
            &format!("/api/v1/bills/{}/payments", id_of(part)),
            json!({"method": "card", "amount": minor(&part["total"])}),
        )
        .await
        .expect_status(201);
    }

    // ---- T3 (now at T6): 10 % service taxed at 20 %, card with tip, then a partial refund ----
    // Soup 6 + fish 18 + water 3 = 27.00 @10 %; service 2.70 @20 %.
    // Inclusive: 29.70 (tax 27×10/110 = 2.4545 → 2.45; 2.70×20/120 = 0.45). Exclusive: 27 + 2.70 + 2.70 + 0.54 = 32.94.
    let bill3 = ana
        .post(&format!("/api/v1/orders/{t3}/bill"), json!({"service_charge": {"rate_bp": 1000, "tax_rate_bp": 2000}}))
        .await
        .expect_status(201);
    assert_eq!((minor(&bill3.body["service_charge"]), minor(&bill3.body["total"])), (270, e(2970, 3294)));
    let paid3 = ana
        .post(
            &format!("/api/v1/bills/{}/payments", id(&bill3)),
            json!({"method": "card", "amount": e(2970, 3294), "tip": 300}),
        )
        .await
        .expect_status(201);
    let payment3 = paid3.body["payment"]["id"].as_str().expect("payment").to_owned();
    let refund = format!("/api/v1/payments/{payment3}/refund");
    ana.post(&refund, json!({"amount": 500, "reason": "cold soup"})).await.expect_status(403);
    ana.post(&refund, json!({"amount": 500, "reason": "cold soup", "approval_pin": "9999"})).await.expect_status(201);
    let receipt = ana.get(&format!("/api/v1/bills/{}/receipt", id(&bill3))).await.expect_status(200);
    assert!(receipt.text.contains("Service 10%") && receipt.text.contains("Refunded"), "{}", receipt.text);

    // ---- T4: the party pays by card; the tablet retries after a dropped answer ----
    // 8 × (soup 6 + steak 22) = 224 @10 %, 8 × wine 7 = 56 @20 %.
    // Inclusive: 280.00. Exclusive: 224 + 22.40 + 56 + 11.20 = 313.60.
    let bill4 = ana.post(&format!("/api/v1/orders/{t4}/bill"), json!({})).await.expect_status(201);
    assert_eq!(minor(&bill4.body["total"]), e(28_000, 31_360));
    let pay4 = json!({"method": "card", "amount": e(28_000, 31_360)});
    let a = ana
        .post_keyed(&format!("/api/v1/bills/{}/payments", id(&bill4)), "t4-pay", pay4.clone())
        .await
        .expect_status(201);
    let b = ana.post_keyed(&format!("/api/v1/bills/{}/payments", id(&bill4)), "t4-pay", pay4).await.expect_status(201);
    assert_eq!(a.body["payment"]["id"], b.body["payment"]["id"], "one payment, not two");
    let other = ana
        .post_keyed(&format!("/api/v1/bills/{}/payments", id(&bill4)), "t4-pay", json!({"method": "card", "amount": 1}))
        .await;
    assert_eq!((other.status, other.error_code()), (409, Some("idempotency_conflict")));

    // ---- T5: tiramisu comped, water paid exactly in cash: 3.00 (exclusive 3.30) ----
    let bill5 = ana.post(&format!("/api/v1/orders/{t5}/bill"), json!({})).await.expect_status(201);
    assert_eq!(minor(&bill5.body["total"]), e(300, 330));
    ana.post(
        &format!("/api/v1/bills/{}/payments", id(&bill5)),
        json!({"method": "cash", "amount": e(300, 330), "tendered": e(300, 330)}),
    )
    .await
    .expect_status(201);

    let open = ana.get("/api/v1/orders?status=open").await.expect_status(200);
    assert_eq!(open.body["items"].as_array().map(Vec::len), Some(0), "every table settled");

    // ---- the Z report ----
    // Cash: float 100.00 + T1 seat 2 (31.00 / 34.80) + T5 (3.00 / 3.30) = 134.00 / 138.10.
    // Card: 37.00 + 78.30 + 29.70 + 280.00 = 425.00 (exclusive 41.40 + 88.02 + 32.94 + 313.60 = 475.96); tips 6.00.
    ana.post(&format!("/api/v1/cash/sessions/{drawer}/close"), json!({"counted": 0})).await.expect_status(403);
    let z = marta
        .post(&format!("/api/v1/cash/sessions/{drawer}/close"), json!({"counted": e(13_400, 13_810)}))
        .await
        .expect_status(200);
    assert_eq!(z.body["kind"], "z");
    assert_eq!((minor(&z.body["expected_cash"]), minor(&z.body["difference"])), (e(13_400, 13_810), 0));
    let method = |m: &str| {
        z.body["by_method"].as_array().expect("methods").iter().find(|x| x["method"] == m).cloned().expect("method")
    };
    assert_eq!(minor(&method("cash")["amount"]), e(3400, 3810));
    assert_eq!(minor(&method("card")["amount"]), e(42_500, 47_596));
    assert_eq!((minor(&z.body["tips"]), minor(&z.body["refunds"])), (600, 500));

    // ---- the owner's view: the sales report equals the sum of the bills, to the cent ----
    // Bills: 68.00 + 78.30 + 29.70 + 280.00 + 3.00 = 459.00 (exclusive 76.20 + 88.02 + 32.94 + 313.60 + 3.30 = 514.06).
    let today = time::OffsetDateTime::now_utc().to_offset(time::macros::offset!(+1)).date();
    let range = format!(
        "/api/v1/reports/sales?from={}&to={}",
        today.previous_day().expect("day"),
        today.next_day().expect("day")
    );
    ana.get(&range).await.expect_status(403);
    let report = eventually(&marta, &range, "the sales report catches up", |r| r["orders"] == 5).await;
    assert_eq!(minor(&report["gross"]), e(45_900, 51_406));
    let tax: i64 = report["taxes"].as_array().expect("taxes").iter().map(|t| minor(&t["tax"])).sum();
    assert_eq!(minor(&report["tax"]), tax);
    assert_eq!(minor(&report["net"]), minor(&report["gross"]) - tax);
    assert_eq!((minor(&report["tips"]), minor(&report["refunds"]), minor(&report["discounts"])), (600, 500, 870));
    assert_eq!((report["covers"].as_i64(), minor(&report["service_charge"])), (Some(2 + 3 + 2 + 8 + 1), 270));
    let steak =
        report["by_item"].as_array().expect("items").iter().find(|i| i["name"] == "steak").cloned().expect("steak");
    assert_eq!(steak["quantity"].as_i64(), Some(1 + 3 + 8));
    let paid: i64 = report["by_payment_method"].as_array().expect("methods").iter().map(|m| minor(&m["amount"])).sum();
    assert_eq!(paid, e(45_900, 51_406), "payments add up to the bills");

    // ---- the audit trail: who voided, comped, discounted and refunded, and who approved ----
    let trail = marta.get("/api/v1/audit?limit=200").await.expect_status(200).body;
    let kinds: Vec<&str> =
        trail["items"].as_array().expect("items").iter().filter_map(|i| i["type"].as_str()).collect();
    for kind in ["order.line_voided", "order.line_comped", "bill.discounted", "payment.refunded", "cash.session_closed"]
    {
        assert!(kinds.contains(&kind), "{kind} in {kinds:?}");
    }
    let water_void =
        trail["items"].as_array().expect("items").iter().find(|i| i["reason"] == "spilled").cloned().expect("void");
    assert_eq!(water_void["approved_by_name"], "marta");
    ana.get("/api/v1/audit").await.expect_status(403);

    // The log is intact after the whole evening.
    let check = the_box.cli(&["check"], None);
    assert!(check.status.success(), "{}", String::from_utf8_lossy(&check.stdout));

    if cloud.is_some() {
        // Everything the evening wrote reaches the cloud (bounded: 60 s).
        eventually(&marta, "/api/v1/sync/status", "the box syncs its evening", |s| {
            s["backlog"] == 0 && s["last_error"].is_null()
        })
        .await;
    }
    let report = marta.get(&range).await.expect_status(200).body;
    Evening { range, report }
}

fn id_of(v: &Value) -> String {
    v["id"].as_str().expect("id").to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_evening_in_a_tax_inclusive_restaurant() {
    evening(true, None).await;
}

/// The tax-exclusive evening, synced with the inclusive one's totals to one cloud.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_restaurants_sync_their_evenings_and_the_cloud_reports_them_to_the_cent() {
    let pg = comanda_testkit::Postgres::start();
    let pool = comanda_cloud::db::pool(&pg.url, 8).expect("pool");
    comanda_cloud::db::migrate(&pool).await.expect("migrations");
    let cloud = comanda_cloud::Cloud { pool: std::sync::Arc::new(pool) };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(axum::serve(listener, comanda_cloud::router(cloud.clone())).into_future());

    // The owner logs in to the cloud and adds the two restaurants; each comes with a code.
    let olivia = "olivia@bistros";
    comanda_cloud::admin::create_org(&cloud.pool, "Bistros", olivia, "a long password").await.expect("org");
    let web = Client::new(&url);
    let login = web.post("/api/v1/auth/login", json!({"username": olivia, "password": "a long password"})).await;
    let token = login.expect_status(200).body["access_token"].as_str().expect("token").to_owned();
    let web = web.with_token(&token);
    let site_a = web.post("/api/v1/sites", json!({"name": "Rue Haute"})).await.expect_status(201).body;
    let site_b = web.post("/api/v1/sites", json!({"name": "Quai Sud"})).await.expect_status(201).body;
    let code = |s: &Value| s["pairing_code"].as_str().expect("code").to_owned();
    let (code_a, code_b) = (code(&site_a), code(&site_b));

    let (a, b) = tokio::join!(evening(true, Some((&url, &code_a))), evening(false, Some((&url, &code_b))));

    // Each site's report in the cloud is its box's, to the cent (the cloud may still be
    // projecting the last batch: bounded wait).
    for (site, evening) in [(&site_a, &a), (&site_b, &b)] {
        let path = format!("{}&site_id={}", evening.range, site["site_id"].as_str().expect("site id"));
        let mut cloud_report = Value::Null;
        for _ in 0..200 {
            cloud_report = web.get(&path).await.expect_status(200).body;
            if cloud_report == evening.report {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert_eq!(cloud_report, evening.report, "the cloud's report of {} is not the box's", site["name"]);
    }
    // The organisation's view adds them up: 459.00 + 514.06.
    let org = web.get(&a.range).await.expect_status(200).body;
    assert_eq!(org["sites"].as_array().map(Vec::len), Some(2), "{org}");
    let eur = &org["totals"][0];
    assert_eq!((eur["currency"].as_str(), eur["sites"].as_u64()), (Some("EUR"), Some(2)), "{org}");
    assert_eq!(minor(&eur["gross"]), 45_900 + 51_406);
    for field in ["net", "tax", "tips", "discounts", "refunds", "service_charge"] {
        assert_eq!(minor(&eur[field]), minor(&a.report[field]) + minor(&b.report[field]), "{field}");
    }
    assert_eq!(eur["orders"].as_u64(), Some(10));
    let steak = eur["best_sellers"].as_array().expect("items").iter().find(|i| i["name"] == "steak").cloned();
    assert_eq!(steak.and_then(|s| s["quantity"].as_u64()), Some(2 * 12));

    // Another organisation's owner sees none of it.
    comanda_cloud::admin::create_org(&cloud.pool, "Other", "oscar", "another long password").await.expect("org");
    let login = Client::new(&url)
        .post("/api/v1/auth/login", json!({"username": "oscar", "password": "another long password"}))
        .await;
    let oscar = Client::new(&url).with_token(login.expect_status(200).body["access_token"].as_str().expect("token"));
    let theirs = oscar.get(&a.range).await.expect_status(200).body;
    assert_eq!(theirs["sites"].as_array().map(Vec::len), Some(0), "{theirs}");
    let path = format!("{}&site_id={}", a.range, site_a["site_id"].as_str().expect("site id"));
    oscar.get(&path).await.expect_status(404);
}
