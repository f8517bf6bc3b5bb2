//! Profit, end to end over the API on a box whose clock the test moves: one Saturday in a Paris
//! restaurant (prices include tax) with a costed menu, one table's dinner, two waiters' shifts
//! at their hourly rates, and an oven bought this year. Every figure is worked out by hand.

use comanda_domain::ManualClock;
use comanda_testkit::{Client, OWNER_PASSWORD, OWNER_USERNAME, TestBox};
use serde_json::{Value, json};
use time::macros::datetime;

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap_or_else(|| panic!("no id in {v}")).to_owned()
}

/// The owner, logged in afresh (the box's clock moves by hours: tokens live 15 minutes of it).
async fn owner(tb: &TestBox) -> Client {
    let client = tb.client();
    let session = client.login(OWNER_USERNAME, OWNER_PASSWORD).await;
    client.as_session(&session)
}

#[tokio::test]
async fn a_saturday_s_profit_adds_up_by_hand() {
    // Saturday 21 November 2026; Paris is UTC+1.
    let clock = ManualClock::starting_at(datetime!(2026-11-21 09:00 UTC));
    let tb = TestBox::start_with_clock(clock.clone()).await.expect("box");
    let setup = json!({
        "restaurant": {"name": "Chez Profit", "currency": "EUR", "prices_include_tax": true, "timezone": "Europe/Paris"},
        "owner": {"name": "Olivia Owner", "username": OWNER_USERNAME, "password": OWNER_PASSWORD}
    });
    tb.client().post("/api/v1/setup", setup).await.expect_status(201);
    let o = owner(&tb).await;

    // Menu: steak 22.00 @10 % costing 8.00, wine 7.00 @20 % costing 2.00, bread 3.00 @10 % (no cost).
    let kitchen = id(&o.post("/api/v1/kitchen/stations", json!({"name": "Kitchen"})).await.expect_status(201).body);
    let mains =
        id(&o.post("/api/v1/menu/categories", json!({"name": "Mains", "position": 1})).await.expect_status(201).body);
    let drinks =
        id(&o.post("/api/v1/menu/categories", json!({"name": "Drinks", "position": 2})).await.expect_status(201).body);
    let item = |name: &str, category: &str, price: i64, bp: u32, cost: Option<i64>| json!({"name": name, "category_id": category, "price": price, "tax_rate_bp": bp, "station_id": kitchen, "cost": cost});
    let mut items = Vec::new();
    for body in [
        item("Steak", &mains, 2200, 1000, Some(800)),
        item("Wine", &drinks, 700, 2000, Some(200)),
        item("Bread", &mains, 300, 1000, None),
    ] {
        items.push(id(&o.post("/api/v1/menu/items", body).await.expect_status(201).body));
    }
    let area = id(&o.post("/api/v1/areas", json!({"name": "Room"})).await.expect_status(201).body);
    let table =
        id(&o.post("/api/v1/tables", json!({"name": "T1", "area_id": area, "seats": 4})).await.expect_status(201).body);

    // Two waiters: Ana at 12.50/h, Ben at 15.00/h.
    let mut staff = Vec::new();
    for (username, rate) in [("ana", 1250), ("ben", 1500)] {
        let body =
            json!({"name": username, "username": username, "role": "waiter", "pin": "1111", "hourly_rate": rate});
        staff.push(id(&o.post("/api/v1/staff", body).await.expect_status(201).body));
    }
    // An oven bought on 1 January for 3 650.00, written off over 12 months: 10.00 a day.
    let oven = json!({"name": "Combi oven", "category": "Kitchen", "purchase_date": "2026-01-01", "cost": 365_000,
        "useful_life_months": 12, "serial": "RT-2231", "location": "Kitchen"});
    let oven = o.post("/api/v1/assets", oven).await.expect_status(201).body;
    // Bought on 1 January: up to and including 21 November, 325 days (3 250.00).
    assert_eq!((oven["accumulated_depreciation"].as_i64(), oven["book_value"].as_i64()), (Some(325_000), Some(40_000)));

    let clock_in = |who: &str, out: bool| format!("/api/v1/staff/{who}/{}", if out { "clock-out" } else { "clock-in" });
    // Ana works 17:00–23:00 (6 h = 75.00), Ben 18:00–22:30 (4.5 h = 67.50), Paris time.
    clock.set(datetime!(2026-11-21 16:00 UTC));
    owner(&tb).await.post(&clock_in(&staff[0], false), json!({})).await.expect_status(201);
    clock.set(datetime!(2026-11-21 17:00 UTC));
    owner(&tb).await.post(&clock_in(&staff[1], false), json!({})).await.expect_status(201);

    // Dinner at 20:00: 2 steaks, a wine and a bread = 54.00, paid by card.
    clock.set(datetime!(2026-11-21 19:00 UTC));
    let o = owner(&tb).await;
    let order = id(&o.post("/api/v1/orders", json!({"table_id": table, "guests": 2})).await.expect_status(201).body);
    let line = |item: &str, quantity: u32| json!({"item_id": item, "quantity": quantity, "seat": null, "course": 1, "modifier_option_ids": []});
    let lines = json!({"lines": [line(&items[0], 2), line(&items[1], 1), line(&items[2], 1)]});
    o.post(&format!("/api/v1/orders/{order}/lines"), lines).await.expect_status(201);
    o.post(&format!("/api/v1/orders/{order}/send"), json!({})).await.expect_status(200);
    let bill = o.post(&format!("/api/v1/orders/{order}/bill"), json!({})).await.expect_status(201).body;
    assert_eq!(bill["total"], 5400);
    o.post(&format!("/api/v1/bills/{}/payments", id(&bill)), json!({"method": "card", "amount": 5400}))
        .await
        .expect_status(201);

    clock.set(datetime!(2026-11-21 21:30 UTC));
    owner(&tb).await.post(&clock_in(&staff[1], true), json!({})).await.expect_status(200);
    clock.set(datetime!(2026-11-21 22:00 UTC));
    let o = owner(&tb).await;
    o.post(&clock_in(&staff[0], true), json!({})).await.expect_status(200);

    // Net sales: 54.00 less tax — 47.00 @10 % holds 4.27, 7.00 @20 % holds 1.17 — = 48.56.
    // Cost of goods: 2 × 8.00 + 2.00 = 18.00 (the bread has no cost: one line without).
    // Labour: 75.00 + 67.50 = 142.50. Depreciation: 10.00.
    // Profit: 48.56 − 18.00 − 142.50 − 10.00 = −121.94 (a quiet Saturday).
    let path = "/api/v1/reports/profit?from=2026-11-21&to=2026-11-21";
    let mut report = Value::Null;
    for _ in 0..100 {
        report = o.get(path).await.expect_status(200).body;
        if report["shifts_without_rate"] == 0 && report["labour"] == 14_250 && report["net_sales"] != 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let figures: Vec<(&str, i64)> =
        ["net_sales", "cost_of_goods", "gross_margin", "labour", "depreciation", "profit", "lines_without_cost"]
            .into_iter()
            .map(|k| (k, report[k].as_i64().unwrap_or(i64::MIN)))
            .collect();
    assert_eq!(
        figures,
        [
            ("net_sales", 4856),
            ("cost_of_goods", 1800),
            ("gross_margin", 3056),
            ("labour", 14_250),
            ("depreciation", 1000),
            ("profit", -12_194),
            ("lines_without_cost", 1),
        ],
        "{report}"
    );
    assert_eq!(
        report["by_day"],
        json!([{"date": "2026-11-21", "net_sales": 4856, "cost_of_goods": 1800, "labour": 14_250,
                "depreciation": 1000, "profit": -12_194}])
    );
    // By category, net of tax: Mains = steaks 44.00 − 4.00 + bread 3.00 − 0.27; Drinks = 7.00 − 1.17.
    assert_eq!(
        report["by_category"],
        json!([
            {"category": "Mains", "net_sales": 4273, "cost_of_goods": 1600, "margin": 2673},
            {"category": "Drinks", "net_sales": 583, "cost_of_goods": 200, "margin": 383},
        ])
    );
    // It agrees with the sales report's net.
    let sales = o.get("/api/v1/reports/sales?from=2026-11-21&to=2026-11-21").await.expect_status(200).body;
    assert_eq!(sales["net"], report["net_sales"]);

    // Sunday has the oven's 10.00 and nothing else; the week adds up day by day.
    let sunday = o.get("/api/v1/reports/profit?from=2026-11-22&to=2026-11-22").await.expect_status(200).body;
    assert_eq!((sunday["profit"].as_i64(), sunday["labour"].as_i64()), (Some(-1000), Some(0)));
    let week = o.get("/api/v1/reports/profit?from=2026-11-16&to=2026-11-22").await.expect_status(200).body;
    assert_eq!(week["by_day"].as_array().map(Vec::len), Some(7));
    assert_eq!(week["depreciation"], 7000);
    assert_eq!(week["profit"].as_i64(), Some(-12_194 - 6000));

    // Only managers and owners; bad ranges are 4xx.
    let ana = tb.client().as_session(&tb.client().pin_login("ana", "1111").await);
    ana.get(path).await.expect_status(403);
    ana.get("/api/v1/assets").await.expect_status(403);
    o.get("/api/v1/reports/profit?from=21/11/2026").await.expect_status(400);
    o.get("/api/v1/reports/profit?from=2026-11-22&to=2026-11-21").await.expect_status(422);
    tb.stop().await;
}

#[tokio::test]
async fn assets_are_kept_and_refused_when_wrong() {
    let tb = TestBox::start().await.expect("box");
    let owner = tb.set_up().await;
    let o = tb.client().as_session(&owner);
    let printer = json!({"name": "Kitchen printer", "category": "IT", "kind": "printer", "purchase_date": "2026-03-01",
        "cost": 24_000, "salvage_value": 0, "useful_life_months": 36});
    let created = o.post("/api/v1/assets", printer).await.expect_status(201).body;
    let path = format!("/api/v1/assets/{}", id(&created));
    // Disposed of: depreciation stops that day; a typo is corrected; a bad change is refused.
    let moved = o.patch(&path, json!({"disposed_on": "2026-09-01", "location": "Bar"})).await.expect_status(200).body;
    assert_eq!((moved["disposed_on"].as_str(), moved["location"].as_str()), (Some("2026-09-01"), Some("Bar")));
    let dep = o.get("/api/v1/assets/depreciation?from=2026-01-01&to=2026-12-31").await.expect_status(200).body;
    // 240.00 over 1 096 days (2026-03-01 to 2029-03-01, 2028 is a leap year), for the 184 days
    // to 1 September: 40.29.
    assert_eq!(dep["total"], 4029, "{dep}");
    // (body, status)
    let refused = [
        (json!({"cost": 0}), 422),
        (json!({"salvage_value": 99_999}), 422),
        (json!({"disposed_on": "2026-02-01"}), 422),
        (json!({"purchase_date": "yesterday"}), 422),
        (json!({"colour": "red"}), 422),
    ];
    for (body, status) in refused {
        let reply = o.patch(&path, body.clone()).await;
        assert_eq!(reply.status, status, "{body}: {}", reply.text);
    }
    o.get("/api/v1/assets/0190a000-0000-7000-8000-000000000000").await.expect_status(404);
    o.get("/api/v1/assets/depreciation?from=2026-02-01&to=2026-01-01").await.expect_status(422);
    assert_eq!(o.get("/api/v1/assets").await.expect_status(200).body.as_array().map(Vec::len), Some(1));
    tb.stop().await;
}
