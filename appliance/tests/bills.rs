//! Billing's guard rails, each a way money could go wrong that a review found: an
//! out-of-date bill, a moved order, a bill with nothing to pay, stacked discounts, refunds on
//! open bills, changes after payment started, and a retry after a user switch.

use comanda_testkit::{Client, TestBox};
use serde_json::{Value, json};

struct Demo {
    tb: TestBox,
    ana: Client,
    marta: Client,
    tables: Vec<String>,
    /// Items without required modifiers: (id, price).
    items: Vec<(String, i64)>,
}

async fn demo() -> Demo {
    let tb = TestBox::start().await.expect("box");
    comanda_appliance::demo::ensure(tb.running()).await.expect("demo");
    let c = tb.client();
    let ana = c.as_session(&c.pin_login("ana", "1111").await);
    let marta = c.as_session(&c.pin_login("manager", "9999").await);
    let menu = ana.get("/api/v1/menu").await.expect_status(200).body;
    let items = menu["categories"]
        .as_array()
        .expect("categories")
        .iter()
        .flat_map(|c| c["items"].as_array().cloned().unwrap_or_default())
        .filter(|i| i["modifier_group_ids"].as_array().is_some_and(Vec::is_empty) && i["available"] == true)
        .map(|i| (i["id"].as_str().expect("id").to_owned(), i["price"].as_i64().expect("price")))
        .collect();
    let tables =
        ana.all_pages("/api/v1/tables").await.iter().map(|t| t["id"].as_str().expect("id").to_owned()).collect();
    ana.post("/api/v1/cash/sessions", json!({"opening_float": 0})).await.expect_status(201);
    Demo { tb, ana, marta, tables, items }
}

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap_or_else(|| panic!("no id in {v}")).to_owned()
}

impl Demo {
    /// An order on table `t` with `n` different items, sent.
    async fn order(&self, t: usize, n: usize) -> String {
        let order = id(&self
            .ana
            .post("/api/v1/orders", json!({"table_id": self.tables[t], "guests": 2}))
            .await
            .expect_status(201)
            .body);
        let lines: Vec<Value> =
            self.items.iter().take(n).map(|(item, _)| json!({"item_id": item, "quantity": 1})).collect();
        self.add(&order, lines).await;
        order
    }

    async fn add(&self, order: &str, lines: Vec<Value>) {
        self.ana.post(&format!("/api/v1/orders/{order}/lines"), json!({"lines": lines})).await.expect_status(201);
        self.ana.post(&format!("/api/v1/orders/{order}/send"), json!({})).await.expect_status(200);
    }

    async fn bill(&self, order: &str) -> Value {
        self.ana.post(&format!("/api/v1/orders/{order}/bill"), json!({})).await.expect_status(201).body
    }

    async fn pay(&self, bill: &Value, amount: i64) -> comanda_testkit::Reply {
        self.ana
            .post(&format!("/api/v1/bills/{}/payments", id(bill)), json!({"method": "card", "amount": amount}))
            .await
    }
}

#[tokio::test]
async fn a_bill_made_before_the_dessert_cannot_be_paid() {
    let d = demo().await;
    let order = d.order(0, 2).await;
    let old = d.bill(&order).await;
    d.add(&order, vec![json!({"item_id": d.items[2].0, "quantity": 1})]).await;
    let refused = d.pay(&old, old["total"].as_i64().expect("total")).await.expect_status(409);
    assert!(refused.text.contains("make the bill again"), "{}", refused.text);
    let new = d.bill(&order).await;
    let expected = d.items[0].1 + d.items[1].1 + d.items[2].1;
    assert_eq!(new["total"].as_i64(), Some(expected), "the dessert is on the new bill");
    d.pay(&new, expected).await.expect_status(201);
    assert_eq!(d.ana.get(&format!("/api/v1/orders/{order}")).await.body["status"], "closed");
    d.tb.stop().await;
}

#[tokio::test]
async fn a_bill_of_an_order_that_moved_or_merged_cannot_be_paid() {
    let d = demo().await;
    let a = d.order(0, 1).await;
    let b = d.order(1, 1).await;
    let a_bill = d.bill(&a).await;
    let b_bill = d.bill(&b).await;
    d.ana.post(&format!("/api/v1/orders/{a}/move"), json!({"table_id": d.tables[1]})).await.expect_status(200);
    d.pay(&a_bill, a_bill["total"].as_i64().expect("total")).await.expect_status(409);
    d.pay(&b_bill, b_bill["total"].as_i64().expect("total")).await.expect_status(409);
    let merged = d.bill(&b).await;
    assert_eq!(merged["total"].as_i64(), Some(2 * d.items[0].1), "both tables' lines, once");
    d.tb.stop().await;
}

#[tokio::test]
async fn a_bill_with_nothing_to_pay_settles_itself() {
    let d = demo().await;
    let order = d.order(0, 1).await;
    let bill = d.bill(&order).await;
    let free = d
        .marta
        .post(
            &format!("/api/v1/bills/{}/discounts", id(&bill)),
            json!({"kind": "percent", "value": 100, "reason": "on the house"}),
        )
        .await
        .expect_status(200);
    assert_eq!((free.body["total"].as_i64(), free.body["status"].as_str()), (Some(0), Some("paid")));
    assert_eq!(d.ana.get(&format!("/api/v1/orders/{order}")).await.body["status"], "closed");
    d.tb.stop().await;
}

#[tokio::test]
async fn small_discounts_cannot_be_stacked_past_the_limit() {
    let d = demo().await;
    let order = d.order(0, 3).await;
    let bill = d.bill(&order).await;
    let url = format!("/api/v1/bills/{}/discounts", id(&bill));
    d.ana.post(&url, json!({"kind": "percent", "value": 10, "reason": "regulars"})).await.expect_status(200);
    let more = d.ana.post(&url, json!({"kind": "percent", "value": 5, "reason": "and a bit"})).await.expect_status(403);
    assert!(more.text.contains("Manager PIN"), "{}", more.text);
    d.ana
        .post(&url, json!({"kind": "percent", "value": 5, "reason": "and a bit", "approval_pin": "9999"}))
        .await
        .expect_status(200);
    d.tb.stop().await;
}

#[tokio::test]
async fn refunds_wait_for_the_bill_to_be_paid_and_paying_locks_the_order() {
    let d = demo().await;
    let order = d.order(0, 2).await;
    let bill = d.bill(&order).await;
    let part = d.pay(&bill, 100).await.expect_status(201);
    let payment = part.body["payment"]["id"].as_str().expect("payment").to_owned();
    let refund =
        d.marta.post(&format!("/api/v1/payments/{payment}/refund"), json!({"amount": 100, "reason": "oops"})).await;
    assert_eq!(refund.status, 409, "{}", refund.text);
    // Money is taken: the order can no longer change under the bill.
    let more = d
        .ana
        .post(&format!("/api/v1/orders/{order}/lines"), json!({"lines": [{"item_id": d.items[0].0, "quantity": 1}]}))
        .await;
    assert_eq!(more.status, 409, "{}", more.text);
    let rest = bill["total"].as_i64().expect("total") - 100;
    d.pay(&bill, rest).await.expect_status(201);
    d.marta
        .post(&format!("/api/v1/payments/{payment}/refund"), json!({"amount": 100, "reason": "oops"}))
        .await
        .expect_status(201);
    d.tb.stop().await;
}

#[tokio::test]
async fn a_retry_after_switching_user_on_a_shared_tablet_is_answered_once() {
    let d = demo().await;
    let order = d.order(0, 1).await;
    let bill = d.bill(&order).await;
    let c = d.tb.client();
    let ben = c.as_session(&c.pin_login("ben", "2222").await);
    let body = json!({"method": "card", "amount": 50});
    let first = d
        .ana
        .post_keyed(&format!("/api/v1/bills/{}/payments", id(&bill)), "tablet-7-pay-1", body.clone())
        .await
        .expect_status(201);
    let retry = ben
        .post_keyed(&format!("/api/v1/bills/{}/payments", id(&bill)), "tablet-7-pay-1", body)
        .await
        .expect_status(201);
    assert_eq!(first.body["payment"]["id"], retry.body["payment"]["id"]);
    let after = d.ana.get(&format!("/api/v1/bills/{}", id(&bill))).await.expect_status(200);
    assert_eq!(after.body["paid"].as_i64(), Some(50), "one payment, not two");
    d.tb.stop().await;
}
