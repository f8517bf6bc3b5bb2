//! Arbitrary JSON request bodies to the routes that take one (orders and lines, voids and
//! comps, bills, discounts, splits, payments, refunds, the cash drawer, staff, menu, floor,
//! stations, setup, logins), sent as the demo owner over loopback to a whole box running in
//! this process. No answer is a 5xx (a handler's panic is a 500 through the gateway's
//! catch-panic layer) and every error is the JSON error shape.
//!
//! Input: the first byte picks the route, the rest is the body. `$ORDER`, `$LINE`, `$BILL`,
//! … in the body (and in the route) become ids of a live scenario, so mutations of the seeds
//! in `fuzz/seeds/request_bodies` reach the business rules, not just "no such order". The
//! scenario (a fresh table, an order with two sent lines, a bill, a paid bill) is rebuilt
//! every few hundred inputs, as fuzzing pays, splits and closes it.
//! Printers are left out: a fuzzed address would make the box print to a real host or device.

#![no_main]

use std::sync::{Mutex, OnceLock};

use comanda_domain::ManualClock;
use comanda_testkit::{Client, Raw, TestBox};
use libfuzzer_sys::fuzz_target;
use serde_json::{Value, json};

/// `(method, path)`; `$…` are replaced by the scenario's ids.
const ROUTES: &[(&str, &str)] = &[
    ("POST", "/api/v1/orders"),
    ("POST", "/api/v1/orders/$ORDER/lines"),
    ("POST", "/api/v1/orders/$ORDER/lines/$LINE/void"),
    ("POST", "/api/v1/orders/$ORDER/lines/$LINE/comp"),
    ("POST", "/api/v1/orders/$ORDER/send"),
    ("POST", "/api/v1/orders/$ORDER/move"),
    ("POST", "/api/v1/orders/$ORDER/bill"),
    ("POST", "/api/v1/bills/$BILL/discounts"),
    ("POST", "/api/v1/bills/$BILL/split"),
    ("POST", "/api/v1/bills/$BILL/payments"),
    ("POST", "/api/v1/bills/$BILL/print"),
    ("POST", "/api/v1/payments/$PAYMENT/refund"),
    ("POST", "/api/v1/cash/sessions"),
    ("POST", "/api/v1/cash/sessions/$SESSION/movements"),
    ("POST", "/api/v1/cash/sessions/$SESSION/close"),
    ("POST", "/api/v1/staff"),
    ("PATCH", "/api/v1/staff/$STAFF"),
    ("POST", "/api/v1/menu/categories"),
    ("PATCH", "/api/v1/menu/categories/$CATEGORY"),
    ("POST", "/api/v1/menu/items"),
    ("PATCH", "/api/v1/menu/items/$ITEM"),
    ("POST", "/api/v1/menu/modifier-groups"),
    ("PATCH", "/api/v1/menu/modifier-groups/$GROUP"),
    ("POST", "/api/v1/areas"),
    ("PATCH", "/api/v1/areas/$AREA"),
    ("POST", "/api/v1/tables"),
    ("PATCH", "/api/v1/tables/$TABLE"),
    ("POST", "/api/v1/kitchen/stations"),
    ("PATCH", "/api/v1/kitchen/stations/$STATION"),
    ("POST", "/api/v1/setup"),
    ("POST", "/api/v1/auth/login"),
    ("POST", "/api/v1/auth/pin"),
    ("POST", "/api/v1/auth/refresh"),
];

/// Inputs between two rebuilds of the scenario.
const SCENARIO_LIFETIME: u32 = 300;

struct Fixture {
    runtime: tokio::runtime::Runtime,
    _box: TestBox,
    owner: Client,
    state: Mutex<(u32, Vec<(&'static str, String)>)>,
}

/// The body of an answer with the expected status; `None` when fuzzing has moved the box's
/// state out from under the scenario (an 86'd item, a deactivated area): the old ids stay.
fn ok(reply: comanda_testkit::Reply, status: u16) -> Option<Value> {
    (reply.status == status).then_some(reply.body)
}

fn text(value: &Value) -> Option<String> {
    value.as_str().map(str::to_owned)
}

/// The demo's long-lived ids, and a fresh order with two sent lines and its bill, plus a
/// second table's bill paid by card (a payment to refund) and the open cash session.
async fn scenario(owner: &Client, n: u32) -> Option<Vec<(&'static str, String)>> {
    let menu = ok(owner.get("/api/v1/menu").await, 200)?;
    let items: Vec<&Value> =
        menu["categories"].as_array()?.iter().flat_map(|c| c["items"].as_array().into_iter().flatten()).collect();
    let plain = items.iter().find(|i| i["modifier_group_ids"].as_array().is_none_or(Vec::is_empty))?;
    let item = text(&plain["id"])?;
    // Fuzzing may have 86'd or retired it.
    ok(owner.patch(&format!("/api/v1/menu/items/{item}"), json!({"available": true, "active": true})).await, 200)?;
    let area = text(&ok(owner.get("/api/v1/areas").await, 200)?["items"][0]["id"])?;
    let mut tables = Vec::new();
    for side in ["a", "b"] {
        let name = format!("F{n}{side}-{}", unique());
        let table = ok(owner.post("/api/v1/tables", json!({"name": name, "area_id": area, "seats": 4})).await, 201)?;
        tables.push(text(&table["id"])?);
    }
    let order = text(&ok(owner.post("/api/v1/orders", json!({"table_id": tables[0], "guests": 2})).await, 201)?["id"])?;
    let lines = json!({"lines": [{"item_id": item, "quantity": 2, "seat": 1, "course": 1},
                                 {"item_id": item, "quantity": 1, "seat": 2, "course": 2}]});
    let added = ok(owner.post(&format!("/api/v1/orders/{order}/lines"), lines).await, 201)?;
    let line = text(&added["lines"][0]["id"])?;
    ok(owner.post(&format!("/api/v1/orders/{order}/send"), json!({})).await, 200)?;
    let bill = text(&ok(owner.post(&format!("/api/v1/orders/{order}/bill"), json!({})).await, 201)?["id"])?;
    let paid_order =
        text(&ok(owner.post("/api/v1/orders", json!({"table_id": tables[1], "guests": 1})).await, 201)?["id"])?;
    let one = json!({"lines": [{"item_id": item, "quantity": 1}]});
    ok(owner.post(&format!("/api/v1/orders/{paid_order}/lines"), one).await, 201)?;
    ok(owner.post(&format!("/api/v1/orders/{paid_order}/send"), json!({})).await, 200)?;
    let paid_bill = ok(owner.post(&format!("/api/v1/orders/{paid_order}/bill"), json!({})).await, 201)?;
    let pay = json!({"method": "card", "amount": paid_bill["total"]});
    let paid = ok(owner.post(&format!("/api/v1/bills/{}/payments", text(&paid_bill["id"])?), pay).await, 201)?;
    let payment =
        text(&paid["payment"]["id"]).or_else(|| text(&paid["id"])).or_else(|| text(&paid["payments"][0]["id"]))?;
    let current = owner.get("/api/v1/cash/sessions/current").await;
    let session = match current.status {
        200 => current.body,
        _ => ok(owner.post("/api/v1/cash/sessions", json!({"opening_float": 10_000})).await, 201)?,
    };
    let staff = ok(owner.get("/api/v1/staff").await, 200)?;
    let waiter = staff["items"].as_array()?.iter().find(|s| s["username"] == "ana")?;
    Some(vec![
        ("$ORDER", order),
        ("$LINE", line),
        ("$BILL", bill),
        ("$PAYMENT", payment),
        ("$SESSION", text(&session["session_id"])?),
        ("$STAFF", text(&waiter["id"])?),
        ("$CATEGORY", text(&menu["categories"][0]["id"])?),
        ("$ITEM", item),
        ("$GROUP", text(&menu["modifier_groups"][0]["id"])?),
        ("$STATION", text(&menu["stations"][0]["id"])?),
        ("$AREA", area),
        ("$TABLE", tables.swap_remove(0)),
    ])
}

/// Table names must be unique among active tables; a rebuilt scenario needs new ones.
fn unique() -> u128 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or_default()
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let runtime =
            tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
        let (tb, owner, state) = runtime.block_on(async {
            // A clock that stands still: the owner's 15-minute token never expires, however
            // long the fuzzer runs (and a locked-out login stays locked out, answering fast).
            let clock = ManualClock::starting_at(time::macros::datetime!(2026-11-21 19:00 UTC));
            let tb = TestBox::start_with_clock(clock).await.expect("a box");
            comanda_appliance::demo::ensure(tb.running()).await.expect("the demo restaurant");
            let session = tb.client().login("owner", "demo-owner-1").await;
            let owner = tb.client().as_session(&session);
            let state = scenario(&owner, 0).await.expect("the first scenario");
            (tb, owner, state)
        });
        Fixture { runtime, _box: tb, owner, state: Mutex::new((0, state)) }
    })
}

fn substitute(text: &str, ids: &[(&str, String)]) -> String {
    ids.iter().fold(text.to_owned(), |text, (name, id)| text.replace(name, id))
}

fuzz_target!(|input: &[u8]| {
    let Some((&pick, body)) = input.split_first() else { return };
    let f = fixture();
    let (method, route) = ROUTES[usize::from(pick) % ROUTES.len()];
    let ids = {
        let mut state = f.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        state.0 += 1;
        if state.0 % SCENARIO_LIFETIME == 0 {
            if let Some(ids) = f.runtime.block_on(scenario(&f.owner, state.0)) {
                state.1 = ids;
            }
        }
        state.1.clone()
    };
    let path = substitute(route, &ids);
    let body = match std::str::from_utf8(body) {
        Ok(text) => substitute(text, &ids).into_bytes(),
        Err(_) => body.to_vec(),
    };
    let shown = String::from_utf8_lossy(&body).into_owned();
    let raw = Raw { headers: vec![("content-type", "application/json".to_owned())], body: Some(body) };
    let reply = f.runtime.block_on(f.owner.raw(method, &path, raw));
    assert!(reply.status < 500, "{method} {path} {shown}: {} {}", reply.status, reply.text);
    if reply.status >= 400 {
        assert!(reply.error_code().is_some(), "{method} {path} {shown}: not the error shape: {}", reply.text);
    }
});
