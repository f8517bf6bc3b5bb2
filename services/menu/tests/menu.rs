//! The menu service on a real store in a temp dir: driven through its router (as tablets and
//! the back office do) and through its Rust API (as the orders service does, inside its own
//! transaction). Each test tells one story: build a menu, 86 an item, change a price, …

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use comanda_api::ApiError;
use comanda_domain::{Actor, ItemId, ModifierOptionId, Money, Role, StaffId, SystemClock};
use comanda_menu::{LineRequest, Menu, ResolvedItem, resolve, station_names};
use comanda_staff::{Auth, AuthStaff};
use comanda_store::{Store, StoredEvent};
use serde_json::{Value, json};
use tempfile::TempDir;
use tower::ServiceExt;

struct Fixture {
    _dir: TempDir,
    store: Store,
    menu: Menu,
    router: Router,
    manager_id: StaffId,
    manager: String,
    owner: String,
    waiter: String,
    kitchen: String,
}

async fn fixture() -> Fixture {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(
        &dir.path().join("comanda.db"),
        Arc::new(SystemClock),
        &[&comanda_staff::MIGRATIONS, &comanda_menu::MIGRATIONS],
    )
    .expect("store opens");
    let auth = Auth::new(&[7u8; 32], Arc::new(SystemClock)).expect("auth");
    let token = |role: Role| {
        let id = StaffId::new();
        let (token, _) = auth.issue_access(&AuthStaff { id, role, name: role.to_string() }).expect("token");
        (id, token)
    };
    let (manager_id, manager) = token(Role::Manager);
    let (_, owner) = token(Role::Owner);
    let (_, waiter) = token(Role::Waiter);
    let (_, kitchen) = token(Role::Kitchen);
    let menu = Menu::new(store.clone(), auth.clone());
    let (router, _) = comanda_menu::router(menu.clone()).split_for_parts();
    Fixture { _dir: dir, store, menu, router, manager_id, manager, owner, waiter, kitchen }
}

impl Fixture {
    async fn call(&self, method: Method, uri: &str, token: Option<&str>, body: Option<Value>) -> (StatusCode, Value) {
        self.call_with(method, uri, token, body, None).await
    }

    async fn call_with(
        &self,
        method: Method,
        uri: &str,
        token: Option<&str>,
        body: Option<Value>,
        idempotency_key: Option<&str>,
    ) -> (StatusCode, Value) {
        let mut req = Request::builder().method(method).uri(uri);
        if let Some(token) = token {
            req = req.header("authorization", format!("Bearer {token}"));
        }
        if let Some(key) = idempotency_key {
            req = req.header("idempotency-key", key);
        }
        let req = match body {
            Some(body) => req.header("content-type", "application/json").body(Body::from(body.to_string())),
            None => req.body(Body::empty()),
        }
        .expect("request");
        let res = self.router.clone().oneshot(req).await.expect("router answers");
        let status = res.status();
        let bytes = axum::body::to_bytes(res.into_body(), usize::MAX).await.expect("body");
        let value = if bytes.is_empty() { Value::Null } else { serde_json::from_slice(&bytes).expect("JSON body") };
        (status, value)
    }

    /// POST as the manager, expecting 201; the created resource.
    async fn create(&self, uri: &str, body: Value) -> Value {
        let (status, value) = self.call(Method::POST, uri, Some(&self.manager), Some(body)).await;
        assert_eq!(status, StatusCode::CREATED, "POST {uri}: {value}");
        value
    }

    /// PATCH as the manager, expecting 200; the changed resource.
    async fn patch(&self, uri: &str, body: Value) -> Value {
        let (status, value) = self.call(Method::PATCH, uri, Some(&self.manager), Some(body)).await;
        assert_eq!(status, StatusCode::OK, "PATCH {uri}: {value}");
        value
    }

    async fn events(&self, event_type: &str) -> Vec<StoredEvent> {
        let all = self.store.events_after(0, 10_000).await.expect("events");
        all.into_iter().filter(|e| e.event_type == event_type).collect()
    }

    async fn resolve(&self, item_id: ItemId, options: &[ModifierOptionId]) -> Result<ResolvedItem, ApiError> {
        let req = LineRequest { item_id, modifier_option_ids: options.to_vec() };
        // As orders will: inside its own write transaction.
        self.store.write(move |tx| resolve(tx.conn(), &req)).await
    }

    /// A small menu: a grill station, mains, a steak with "Cooking" (1..1) and "Sides" (0..2),
    /// and a salmon.
    async fn small_menu(&self) -> SmallMenu {
        let station = self.create("/kitchen/stations", json!({"name": "Grill", "printer_id": "printer-1"})).await;
        let mains = self.create("/menu/categories", json!({"name": "Mains", "position": 2})).await;
        let cooking = self
            .create(
                "/menu/modifier-groups",
                json!({"name": "Cooking", "min": 1, "max": 1,
                       "options": [{"name": "Rare", "price_delta": 0}, {"name": "Medium", "price_delta": 0},
                                   {"name": "Well done", "price_delta": 0}]}),
            )
            .await;
        let sides = self
            .create(
                "/menu/modifier-groups",
                json!({"name": "Sides", "min": 0, "max": 2,
                       "options": [{"name": "Fries", "price_delta": 0}, {"name": "Sweet potato fries", "price_delta": 150},
                                   {"name": "Truffle mash", "price_delta": 250}]}),
            )
            .await;
        let steak = self
            .create(
                "/menu/items",
                json!({"category_id": mains["id"], "name": "Ribeye", "price": 2850, "tax_rate_bp": 1000,
                       "station_id": station["id"], "cost": 1100,
                       "modifier_group_ids": [cooking["id"], sides["id"]]}),
            )
            .await;
        let salmon = self
            .create(
                "/menu/items",
                json!({"category_id": mains["id"], "name": "Salmon", "price": 2150, "tax_rate_bp": 1000,
                       "station_id": station["id"], "allergens": ["fish", "Fish"]}),
            )
            .await;
        SmallMenu { station, mains, cooking, sides, steak, salmon }
    }
}

struct SmallMenu {
    station: Value,
    mains: Value,
    cooking: Value,
    sides: Value,
    steak: Value,
    salmon: Value,
}

fn id<T: std::str::FromStr>(v: &Value) -> T {
    v.as_str().and_then(|s| s.parse().ok()).expect("an id")
}

/// A resource's id as a bare string, for paths.
fn sid(resource: &Value) -> &str {
    resource["id"].as_str().expect("an id")
}

fn option_id(group: &Value, name: &str) -> ModifierOptionId {
    let options = group["options"].as_array().expect("options");
    id(&options.iter().find(|o| o["name"] == name).expect("option by name")["id"])
}

fn keys(v: &Value) -> Vec<&str> {
    let mut keys: Vec<&str> = v.as_object().expect("object").keys().map(String::as_str).collect();
    keys.sort_unstable();
    keys
}

#[tokio::test]
async fn a_manager_builds_a_menu_and_every_tablet_reads_it() {
    let f = fixture().await;
    let m = f.small_menu().await;
    let starters = f.create("/menu/categories", json!({"name": "Starters", "position": 1})).await;
    f.create(
        "/menu/items",
        json!({"category_id": starters["id"], "name": "Soup", "price": 650, "tax_rate_bp": 1000,
               "station_id": m.station["id"], "cost": 150, "allergens": ["milk", "celery"], "position": 1}),
    )
    .await;
    f.create(
        "/menu/items",
        json!({"category_id": starters["id"], "name": "Bread", "price": 450, "tax_rate_bp": 1000,
               "station_id": m.station["id"], "position": 1}),
    )
    .await;

    assert_eq!(m.steak["price"], 2850);
    assert_eq!(m.steak["available"], true);
    assert_eq!(m.salmon["allergens"], json!(["fish"]));
    assert_eq!(m.station["printer_id"], "printer-1");

    let (status, tree) = f.call(Method::GET, "/menu", Some(&f.waiter), None).await;
    assert_eq!(status, StatusCode::OK, "{tree}");
    assert_eq!(keys(&tree), ["categories", "modifier_groups", "stations"]);
    assert_eq!(tree["stations"][0]["name"], "Grill");
    // Categories and items by position, then name.
    let names = |list: &Value| -> Vec<String> {
        list.as_array().expect("list").iter().map(|v| v["name"].as_str().expect("name").to_owned()).collect()
    };
    assert_eq!(names(&tree["categories"]), ["Starters", "Mains"]);
    assert_eq!(names(&tree["categories"][0]["items"]), ["Bread", "Soup"]);
    assert_eq!(names(&tree["categories"][1]["items"]), ["Ribeye", "Salmon"]);
    assert_eq!(keys(&tree["categories"][0]), ["active", "id", "items", "name", "position"]);

    let steak = &tree["categories"][1]["items"][0];
    assert_eq!(
        keys(steak),
        [
            "active",
            "allergens",
            "available",
            "cost",
            "id",
            "modifier_group_ids",
            "name",
            "position",
            "price",
            "station_id",
            "tax_rate_bp"
        ]
    );
    assert_eq!(steak["id"], m.steak["id"]);
    assert_eq!(steak["tax_rate_bp"], 1000);
    assert_eq!(steak["station_id"], m.station["id"]);
    assert_eq!(steak["modifier_group_ids"], json!([m.cooking["id"], m.sides["id"]]));
    assert_eq!(steak["cost"], Value::Null, "waiters do not see costs");
    assert_eq!(tree["categories"][0]["items"][1]["allergens"], json!(["milk", "celery"]), "EU-14 order");

    assert_eq!(names(&tree["modifier_groups"]), ["Cooking", "Sides"]);
    let cooking = &tree["modifier_groups"][0];
    assert_eq!(keys(cooking), ["active", "id", "max", "min", "name", "options"]);
    assert_eq!((cooking["min"].clone(), cooking["max"].clone()), (json!(1), json!(1)));
    assert_eq!(names(&cooking["options"]), ["Rare", "Medium", "Well done"], "options keep their order");
    assert_eq!(keys(&cooking["options"][0]), ["id", "name", "price_delta"]);
    assert_eq!(tree["modifier_groups"][1]["options"][2]["price_delta"], 250);

    // Managers see costs; the kitchen may read the menu too.
    let (_, managers) = f.call(Method::GET, "/menu", Some(&f.manager), None).await;
    assert_eq!(managers["categories"][1]["items"][0]["cost"], 1100);
    let (status, _) = f.call(Method::GET, "/menu", Some(&f.kitchen), None).await;
    assert_eq!(status, StatusCode::OK);
    let (status, item) = f.call(Method::GET, &format!("/menu/items/{}", sid(&m.steak)), Some(&f.kitchen), None).await;
    assert_eq!((status, item["name"].clone(), item["cost"].clone()), (StatusCode::OK, json!("Ribeye"), Value::Null));
    let (_, item) = f.call(Method::GET, &format!("/menu/items/{}", sid(&m.steak)), Some(&f.owner), None).await;
    assert_eq!(item["cost"], 1100);

    // One event per change, in the same log.
    assert_eq!(f.events("menu.station_changed").await.len(), 1);
    assert_eq!(f.events("menu.category_changed").await.len(), 2);
    assert_eq!(f.events("menu.modifier_group_changed").await.len(), 2);
    let items = f.events("menu.item_changed").await;
    assert_eq!(items.len(), 4);
    assert_eq!(items[0].actor, Actor::Staff(f.manager_id));
    assert_eq!(items[0].data["name"], "Ribeye");
    assert!(items[0].data.get("previous_price").is_none(), "a new item has no previous price");
}

#[tokio::test]
async fn eighty_sixing_an_item_refuses_new_orders_for_it() {
    let f = fixture().await;
    let m = f.small_menu().await;
    let salmon: ItemId = id(&m.salmon["id"]);
    assert_eq!(f.resolve(salmon, &[]).await.expect("orderable").unit_price, Money::from_minor(2150));

    let changed = f.patch(&format!("/menu/items/{salmon}"), json!({"available": false})).await;
    assert_eq!(changed["available"], false);

    let err = f.resolve(salmon, &[]).await.expect_err("sold out");
    assert_eq!((err.status(), err.code()), (StatusCode::CONFLICT, "conflict"));
    assert_eq!(err.message(), "Salmon is sold out (86)");

    let events = f.events("menu.item_changed").await;
    let last = events.last().expect("an event");
    assert_eq!(last.data["item_id"], m.salmon["id"]);
    assert_eq!(last.data["available"], false);
    assert_eq!(last.data["price"], 2150);
    assert!(last.data.get("previous_price").is_none(), "the price did not change");

    // Tablets still list it, greyed out.
    let (_, tree) = f.call(Method::GET, "/menu", Some(&f.waiter), None).await;
    assert_eq!(tree["categories"][0]["items"][1]["available"], false);

    // Patching what is already so changes nothing and logs nothing.
    f.patch(&format!("/menu/items/{salmon}"), json!({"available": false})).await;
    assert_eq!(f.events("menu.item_changed").await.len(), events.len());

    f.patch(&format!("/menu/items/{salmon}"), json!({"available": true})).await;
    assert!(f.resolve(salmon, &[]).await.is_ok(), "back on the menu");
}

#[tokio::test]
async fn a_price_change_records_the_previous_price() {
    let f = fixture().await;
    let m = f.small_menu().await;
    let uri = format!("/menu/items/{}", sid(&m.steak));

    let changed = f.patch(&uri, json!({"price": 2950})).await;
    assert_eq!(changed["price"], 2950);
    let last = f.events("menu.item_changed").await.pop().expect("event");
    assert_eq!((last.data["price"].clone(), last.data["previous_price"].clone()), (json!(2950), json!(2850)));

    f.patch(&uri, json!({"name": "Ribeye 300 g", "cost": null})).await;
    let last = f.events("menu.item_changed").await.pop().expect("event");
    assert_eq!(last.data["name"], "Ribeye 300 g");
    assert!(last.data.get("previous_price").is_none(), "only set when the price changed");
    let (_, item) = f.call(Method::GET, &uri, Some(&f.manager), None).await;
    assert_eq!(item["cost"], Value::Null, "cost: null forgets the cost");

    let cooking: ModifierOptionId = option_id(&m.cooking, "Rare");
    let resolved = f.resolve(id(&m.steak["id"]), &[cooking]).await.expect("valid");
    assert_eq!((resolved.name.as_str(), resolved.base_price), ("Ribeye 300 g", Money::from_minor(2950)));
}

#[tokio::test]
async fn only_managers_and_owners_change_the_menu() {
    let f = fixture().await;
    let m = f.small_menu().await;
    let item = format!("/menu/items/{}", sid(&m.steak));
    let category = format!("/menu/categories/{}", sid(&m.mains));
    let group = format!("/menu/modifier-groups/{}", sid(&m.cooking));
    let station = format!("/kitchen/stations/{}", sid(&m.station));
    let new_item = json!({"category_id": m.mains["id"], "name": "Cheap", "price": 1, "tax_rate_bp": 0,
                          "station_id": m.station["id"]});
    let new_group = json!({"name": "G", "min": 0, "max": 1, "options": [{"name": "o"}]});
    // (method, uri, body)
    let writes: [(Method, &str, Value); 8] = [
        (Method::POST, "/menu/categories", json!({"name": "Secret", "position": 0})),
        (Method::PATCH, &category, json!({"name": "Renamed"})),
        (Method::POST, "/menu/items", new_item),
        (Method::PATCH, &item, json!({"price": 1})),
        (Method::POST, "/menu/modifier-groups", new_group),
        (Method::PATCH, &group, json!({"name": "x"})),
        (Method::POST, "/kitchen/stations", json!({"name": "Pass"})),
        (Method::PATCH, &station, json!({"name": "x"})),
    ];
    let before = f.store.events_after(0, 10_000).await.expect("events").len();
    for (method, uri, body) in writes {
        for token in [&f.waiter, &f.kitchen] {
            let (status, err) = f.call(method.clone(), uri, Some(token), Some(body.clone())).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{method} {uri}: {err}");
            assert_eq!(err["error"]["code"], "forbidden");
        }
        let (status, _) = f.call(method.clone(), uri, None, Some(body.clone())).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{method} {uri} without a token");
    }
    assert_eq!(f.store.events_after(0, 10_000).await.expect("events").len(), before, "nothing changed");
    let (_, steak) = f.call(Method::GET, &item, Some(&f.manager), None).await;
    assert_eq!(steak["price"], 2850, "a waiter cannot change prices");

    // Reads are for any member of staff; inactive things only for managers.
    for token in [&f.waiter, &f.kitchen, &f.manager] {
        let (status, body) = f.call(Method::GET, "/kitchen/stations", Some(token), None).await;
        assert_eq!((status, body["items"][0]["name"].clone()), (StatusCode::OK, json!("Grill")));
    }
    let (status, _) = f.call(Method::GET, "/menu?include_inactive=true", Some(&f.waiter), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = f.call(Method::GET, "/menu", None, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn resolve_checks_modifiers_and_prices_the_line() {
    let f = fixture().await;
    let m = f.small_menu().await;
    let steak: ItemId = id(&m.steak["id"]);
    let (rare, medium) = (option_id(&m.cooking, "Rare"), option_id(&m.cooking, "Medium"));
    let (fries, sweet, truffle) =
        (option_id(&m.sides, "Fries"), option_id(&m.sides, "Sweet potato fries"), option_id(&m.sides, "Truffle mash"));

    // (chosen options, Ok(unit price) or Err(message))
    let table: [(Vec<ModifierOptionId>, Result<i64, &str>); 8] = [
        (vec![rare], Ok(2850)),
        (vec![truffle, medium, sweet], Ok(2850 + 250 + 150)),
        (vec![], Err("Cooking: choose 1")),
        (vec![rare, medium], Err("Cooking: choose 1")),
        (vec![rare, fries, sweet, truffle], Err("Sides: at most 2")),
        (vec![rare, fries, fries], Err("Sides: Fries is chosen twice")),
        (vec![rare, ModifierOptionId::new()], Err("is not offered with this item")),
        // An option of a group the steak does not offer.
        (
            vec![
                rare,
                option_id(
                    &f.create(
                        "/menu/modifier-groups",
                        json!({"name": "Sauce", "min": 0, "max": 1, "options": [{"name": "Pepper"}]}),
                    )
                    .await,
                    "Pepper",
                ),
            ],
            Err("Ribeye: modifier option"),
        ),
    ];
    for (chosen, want) in table {
        match (f.resolve(steak, &chosen).await, want) {
            (Ok(line), Ok(price)) => assert_eq!(line.unit_price, Money::from_minor(price), "{chosen:?}"),
            (Err(e), Err(message)) => {
                assert_eq!((e.status(), e.code()), (StatusCode::UNPROCESSABLE_ENTITY, "validation_failed"));
                assert!(e.message().contains(message), "{chosen:?}: {}", e.message());
            }
            (got, want) => panic!("{chosen:?}: got {got:?}, want {want:?}"),
        }
    }

    let line = f.resolve(steak, &[truffle, medium]).await.expect("valid");
    assert_eq!(line.name, "Ribeye");
    assert_eq!((line.category_name.as_str(), line.station_name.as_str()), ("Mains", "Grill"));
    assert_eq!((line.base_price, line.unit_price), (Money::from_minor(2850), Money::from_minor(3100)));
    assert_eq!(line.tax_rate.bp(), 1000);
    assert_eq!(line.cost, Some(Money::from_minor(1100)));
    let modifiers: Vec<_> = line.modifiers.iter().map(|m| (m.name.as_str(), m.price_delta.minor())).collect();
    assert_eq!(modifiers, [("Medium", 0), ("Truffle mash", 250)], "in menu order");
    assert_eq!(line.modifiers[1].group_id, id(&m.sides["id"]));

    let unknown = f.resolve(ItemId::new(), &[]).await.expect_err("unknown item");
    assert_eq!((unknown.status(), unknown.code()), (StatusCode::UNPROCESSABLE_ENTITY, "validation_failed"));
    assert!(unknown.message().contains("no such menu item"));

    // A deactivated group is no longer offered: its minimum no longer applies.
    f.patch(&format!("/menu/modifier-groups/{}", sid(&m.cooking)), json!({"active": false})).await;
    assert_eq!(f.resolve(steak, &[]).await.expect("no cooking needed").unit_price, Money::from_minor(2850));
    assert!(f.resolve(steak, &[rare]).await.is_err(), "nor can it be chosen");

    // A deactivated item, or one in a hidden category, cannot be ordered.
    f.patch(&format!("/menu/categories/{}", sid(&m.mains)), json!({"active": false})).await;
    let hidden = f.resolve(steak, &[]).await.expect_err("hidden category");
    assert_eq!(hidden.status(), StatusCode::UNPROCESSABLE_ENTITY);
    f.patch(&format!("/menu/categories/{}", sid(&m.mains)), json!({"active": true})).await;
    f.patch(&format!("/menu/items/{steak}"), json!({"active": false})).await;
    assert_eq!(f.resolve(steak, &[]).await.expect_err("inactive").status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn bad_input_is_a_4xx_json_error() {
    let f = fixture().await;
    let m = f.small_menu().await;
    let (station, mains, cooking) = (&m.station["id"], &m.mains["id"], &m.cooking["id"]);
    let item = |extra: Value| {
        let mut body = json!({"category_id": mains, "name": "Dish", "price": 1000, "tax_rate_bp": 1000,
                              "station_id": station});
        for (k, v) in extra.as_object().expect("object") {
            body[k] = v.clone();
        }
        body
    };
    let steak = format!("/menu/items/{}", sid(&m.steak));
    let cooking_uri = format!("/menu/modifier-groups/{}", sid(&m.cooking));
    let station_uri = format!("/kitchen/stations/{}", sid(&m.station));
    let unknown = uuid_like();
    // (method, uri, body, status, code, message fragment)
    let table: Vec<(Method, String, Value, u16, &str, &str)> = vec![
        (
            Method::POST,
            "/menu/categories".into(),
            json!({"name": "  "}),
            422,
            "validation_failed",
            "name must not be empty",
        ),
        (Method::POST, "/menu/categories".into(), json!({"name": "MAINS"}), 409, "conflict", "already exists"),
        (
            Method::POST,
            "/menu/categories".into(),
            json!({"name": "X", "position": 1_000_001}),
            422,
            "validation_failed",
            "position",
        ),
        (
            Method::POST,
            "/menu/categories".into(),
            json!({"name": "X", "colour": "red"}),
            422,
            "validation_failed",
            "unknown field",
        ),
        (
            Method::POST,
            "/menu/items".into(),
            item(json!({"price": -1})),
            422,
            "validation_failed",
            "price must be between 0 and 10000000",
        ),
        (Method::POST, "/menu/items".into(), item(json!({"price": 10_000_001})), 422, "validation_failed", "price"),
        (
            Method::POST,
            "/menu/items".into(),
            item(json!({"price": 12.5})),
            422,
            "validation_failed",
            "invalid request body",
        ),
        (
            Method::POST,
            "/menu/items".into(),
            item(json!({"tax_rate_bp": 10_001})),
            422,
            "validation_failed",
            "tax_rate_bp",
        ),
        (Method::POST, "/menu/items".into(), item(json!({"cost": -5})), 422, "validation_failed", "cost"),
        (
            Method::POST,
            "/menu/items".into(),
            item(json!({"allergens": ["milk", "bacon"]})),
            422,
            "validation_failed",
            "bacon",
        ),
        (
            Method::POST,
            "/menu/items".into(),
            item(json!({"category_id": unknown})),
            422,
            "validation_failed",
            "category_id",
        ),
        (
            Method::POST,
            "/menu/items".into(),
            item(json!({"station_id": unknown})),
            422,
            "validation_failed",
            "station_id",
        ),
        (
            Method::POST,
            "/menu/items".into(),
            item(json!({"modifier_group_ids": [unknown]})),
            422,
            "validation_failed",
            "modifier_group_ids",
        ),
        (
            Method::POST,
            "/menu/items".into(),
            item(json!({"modifier_group_ids": [cooking, cooking]})),
            422,
            "validation_failed",
            "listed twice",
        ),
        (
            Method::POST,
            "/menu/items".into(),
            item(json!({"name": "x".repeat(101)})),
            422,
            "validation_failed",
            "at most 100",
        ),
        (Method::POST, "/menu/items".into(), json!({"name": "Dish"}), 422, "validation_failed", "missing field"),
        (Method::PATCH, steak.clone(), json!({"availble": false}), 422, "validation_failed", "unknown field"),
        (Method::PATCH, steak.clone(), json!({"station_id": unknown}), 422, "validation_failed", "station_id"),
        (Method::PATCH, steak.clone(), json!({"price": "free"}), 422, "validation_failed", ""),
        (
            Method::PATCH,
            format!("/menu/items/{unknown}"),
            json!({"available": false}),
            404,
            "not_found",
            "no such menu item",
        ),
        (
            Method::PATCH,
            "/menu/items/not-an-id".into(),
            json!({"available": false}),
            400,
            "bad_request",
            "malformed path",
        ),
        (
            Method::POST,
            "/menu/modifier-groups".into(),
            json!({"name": "G", "min": 2, "max": 1, "options": [{"name": "a"}, {"name": "b"}]}),
            422,
            "validation_failed",
            "min (2) must not be more than max (1)",
        ),
        (
            Method::POST,
            "/menu/modifier-groups".into(),
            json!({"name": "G", "min": 0, "max": 0, "options": [{"name": "a"}]}),
            422,
            "validation_failed",
            "max must be between 1 and 20",
        ),
        (
            Method::POST,
            "/menu/modifier-groups".into(),
            json!({"name": "G", "min": 0, "max": 21, "options": [{"name": "a"}]}),
            422,
            "validation_failed",
            "max",
        ),
        (
            Method::POST,
            "/menu/modifier-groups".into(),
            json!({"name": "G", "min": 0, "max": 1, "options": []}),
            422,
            "validation_failed",
            "options",
        ),
        (
            Method::POST,
            "/menu/modifier-groups".into(),
            json!({"name": "G", "min": 0, "max": 1, "options": [{"name": "a", "price_delta": 1_000_001}]}),
            422,
            "validation_failed",
            "options[0].price_delta",
        ),
        (Method::PATCH, cooking_uri.clone(), json!({"min": 4}), 422, "validation_failed", "min (4)"),
        (
            Method::PATCH,
            format!("/menu/modifier-groups/{unknown}"),
            json!({"name": "x"}),
            404,
            "not_found",
            "no such modifier group",
        ),
        (Method::POST, "/kitchen/stations".into(), json!({"name": "grill"}), 409, "conflict", "already exists"),
        (
            Method::POST,
            "/kitchen/stations".into(),
            json!({"name": "Pass", "printer_id": ""}),
            422,
            "validation_failed",
            "printer_id",
        ),
        (Method::PATCH, station_uri.clone(), json!({"active": false}), 409, "conflict", "move them to another station"),
        (
            Method::PATCH,
            format!("/menu/categories/{unknown}"),
            json!({"name": "x"}),
            404,
            "not_found",
            "no such category",
        ),
    ];
    for (method, uri, body, status, code, fragment) in table {
        let (got, err) = f.call(method.clone(), &uri, Some(&f.manager), Some(body.clone())).await;
        assert_eq!(got.as_u16(), status, "{method} {uri} {body}: {err}");
        assert_eq!(err["error"]["code"], code, "{method} {uri} {body}");
        let message = err["error"]["message"].as_str().expect("a message");
        assert!(message.contains(fragment), "{method} {uri} {body}: {message:?} lacks {fragment:?}");
    }
    // Not JSON at all.
    let req = Request::post("/menu/categories")
        .header("authorization", format!("Bearer {}", f.manager))
        .header("content-type", "application/json")
        .body(Body::from("{not json"))
        .expect("request");
    let res = f.router.clone().oneshot(req).await.expect("answers");
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
}

fn uuid_like() -> String {
    ItemId::new().to_string()
}

#[tokio::test]
async fn stations_are_unique_linked_to_printers_and_kept_while_used() {
    let f = fixture().await;
    let m = f.small_menu().await;
    let bar = f.create("/kitchen/stations", json!({"name": "Bar", "position": 5})).await;
    let bar_uri = format!("/kitchen/stations/{}", sid(&bar));
    let (status, _) = f.call(Method::PATCH, &bar_uri, Some(&f.manager), Some(json!({"name": "GRILL"}))).await;
    assert_eq!(status, StatusCode::CONFLICT, "names are unique whatever the case");
    let renamed = f.patch(&bar_uri, json!({"name": "BAR", "printer_id": "bar-printer"})).await;
    assert_eq!((renamed["name"].clone(), renamed["printer_id"].clone()), (json!("BAR"), json!("bar-printer")));
    let unlinked = f.patch(&bar_uri, json!({"printer_id": null})).await;
    assert_eq!(unlinked["printer_id"], Value::Null);

    // Move the salmon to the bar; the grill still has the steak.
    let grill_uri = format!("/kitchen/stations/{}", sid(&m.station));
    f.patch(&format!("/menu/items/{}", sid(&m.salmon)), json!({"station_id": bar["id"]})).await;
    let (status, _) = f.call(Method::PATCH, &grill_uri, Some(&f.manager), Some(json!({"active": false}))).await;
    assert_eq!(status, StatusCode::CONFLICT);
    f.patch(&format!("/menu/items/{}", sid(&m.steak)), json!({"active": false})).await;
    let closed = f.patch(&grill_uri, json!({"active": false})).await;
    assert_eq!(closed["active"], false);
    let (status, err) = f
        .call(Method::PATCH, &format!("/menu/items/{}", sid(&m.steak)), Some(&f.manager), Some(json!({"active": true})))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "an item needs a station in service: {err}");

    let (_, list) = f.call(Method::GET, "/kitchen/stations", Some(&f.kitchen), None).await;
    assert_eq!(list["items"].as_array().expect("items").len(), 1, "only stations in service");
    let (_, list) = f.call(Method::GET, "/kitchen/stations?include_inactive=true", Some(&f.kitchen), None).await;
    assert_eq!(list["items"][0]["name"], "Grill");
    assert_eq!(list["items"][1]["name"], "BAR");

    let names = f.store.read(station_names).await.expect("names");
    let names: Vec<&str> = names.iter().map(|(_, n)| n.as_str()).collect();
    assert_eq!(names, ["Grill", "BAR"], "old tickets still name closed stations");

    let events = f.events("menu.station_changed").await;
    let last = events.last().expect("event");
    assert_eq!((last.data["name"].clone(), last.data["active"].clone()), (json!("Grill"), json!(false)));
}

#[tokio::test]
async fn editing_a_group_replaces_its_options() {
    let f = fixture().await;
    let m = f.small_menu().await;
    let old_fries = option_id(&m.sides, "Fries");
    let sides = f
        .patch(
            &format!("/menu/modifier-groups/{}", sid(&m.sides)),
            json!({"max": 1, "options": [{"name": "Fries"}, {"name": "Onion rings", "price_delta": 200}]}),
        )
        .await;
    assert_eq!(sides["max"], 1);
    let new_fries = option_id(&sides, "Fries");
    assert_ne!(new_fries, old_fries, "replaced options get new ids");

    let steak: ItemId = id(&m.steak["id"]);
    let rare = option_id(&m.cooking, "Rare");
    assert!(f.resolve(steak, &[rare, old_fries]).await.is_err(), "old ids are gone");
    let line = f.resolve(steak, &[rare, option_id(&sides, "Onion rings")]).await.expect("valid");
    assert_eq!(line.unit_price, Money::from_minor(2850 + 200));

    let event = f.events("menu.modifier_group_changed").await.pop().expect("event");
    assert_eq!(event.data["max"], 1);
    assert_eq!(event.data["options"][1]["name"], "Onion rings");
    assert_eq!(event.data["options"][1]["price_delta"], 200);
}

#[tokio::test]
async fn hidden_things_leave_the_tablet_menu() {
    let f = fixture().await;
    let m = f.small_menu().await;
    f.patch(&format!("/menu/modifier-groups/{}", sid(&m.sides)), json!({"active": false})).await;
    f.patch(&format!("/menu/items/{}", sid(&m.salmon)), json!({"active": false})).await;
    let (_, tree) = f.call(Method::GET, "/menu", Some(&f.waiter), None).await;
    let mains = &tree["categories"][0];
    assert_eq!(mains["items"].as_array().expect("items").len(), 1);
    assert_eq!(mains["items"][0]["modifier_group_ids"], json!([m.cooking["id"]]));
    assert_eq!(tree["modifier_groups"].as_array().expect("groups").len(), 1);

    f.patch(&format!("/menu/categories/{}", sid(&m.mains)), json!({"active": false})).await;
    let (_, tree) = f.call(Method::GET, "/menu", Some(&f.waiter), None).await;
    assert_eq!(tree["categories"], json!([]));

    let (status, all) = f.call(Method::GET, "/menu?include_inactive=true", Some(&f.manager), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(all["categories"][0]["active"], false);
    assert_eq!(all["categories"][0]["items"].as_array().expect("items").len(), 2);
    assert_eq!(all["modifier_groups"].as_array().expect("groups").len(), 2);
}

#[tokio::test]
async fn a_retried_create_is_answered_once() {
    let f = fixture().await;
    let m = f.small_menu().await;
    let body = json!({"category_id": m.mains["id"], "name": "Burger", "price": 1550, "tax_rate_bp": 1000,
                      "station_id": m.station["id"]});
    let before = f.events("menu.item_changed").await.len();
    let first = f.call_with(Method::POST, "/menu/items", Some(&f.manager), Some(body.clone()), Some("k-1")).await;
    let again = f.call_with(Method::POST, "/menu/items", Some(&f.manager), Some(body), Some("k-1")).await;
    assert_eq!(first.0, StatusCode::CREATED);
    assert_eq!(first, again, "the retry replays the first answer");
    assert_eq!(f.events("menu.item_changed").await.len(), before + 1);
    let other = json!({"category_id": m.mains["id"], "name": "Other", "price": 1, "tax_rate_bp": 0,
                       "station_id": m.station["id"]});
    let (status, err) = f.call_with(Method::POST, "/menu/items", Some(&f.manager), Some(other), Some("k-1")).await;
    assert_eq!((status, err["error"]["code"].clone()), (StatusCode::CONFLICT, json!("idempotency_conflict")));
}

#[tokio::test]
async fn the_demo_menu_is_complete_and_seeded_once() {
    let f = fixture().await;
    let owner = Actor::Staff(StaffId::new());
    f.menu.seed_demo(owner).await.expect("seeded");
    let events = f.store.events_after(0, 10_000).await.expect("events").len();
    f.menu.seed_demo(owner).await.expect("second run is a no-op");
    assert_eq!(f.store.events_after(0, 10_000).await.expect("events").len(), events);

    let tree = f.menu.tree(false, true).await.expect("tree");
    let stations: Vec<&str> = tree.stations.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(stations, ["Kitchen", "Bar"]);
    assert_eq!(tree.categories.len(), 5);
    let items: Vec<_> = tree.categories.iter().flat_map(|c| &c.items).collect();
    assert!((24..=30).contains(&items.len()), "{} items", items.len());
    let rates: std::collections::BTreeSet<u32> = items.iter().map(|i| i.tax_rate_bp.bp()).collect();
    assert_eq!(rates.into_iter().collect::<Vec<_>>(), [1000, 2000]);
    assert!(items.iter().all(|i| i.cost.is_some() && i.price.minor() > 0));

    let group = |name: &str| tree.modifier_groups.iter().find(|g| g.name == name).expect("group");
    let (cooking, sides, milk) = (group("Cooking"), group("Sides"), group("Milk"));
    assert_eq!((cooking.min, cooking.max, sides.min, sides.max, milk.min, milk.max), (1, 1, 0, 2, 0, 1));
    let item = |name: &str| items.iter().find(|i| i.name == name).expect("item");
    let ribeye = item("Ribeye steak");
    assert_eq!(ribeye.modifier_group_ids, [cooking.id, sides.id]);
    let option =
        |g: &comanda_menu::TreeModifierGroup, name: &str| g.options.iter().find(|o| o.name == name).expect("option").id;

    let line = f.resolve(ribeye.id, &[option(cooking, "Medium"), option(sides, "Truffle mash")]).await.expect("valid");
    assert_eq!(line.unit_price, Money::from_minor(2850 + 250));
    assert_eq!(line.station_name, "Kitchen");
    let err = f.resolve(item("Classic burger").id, &[]).await.expect_err("needs cooking");
    assert_eq!(err.message(), "Cooking: choose 1");
    let latte = f.resolve(item("Flat white").id, &[option(milk, "Oat milk")]).await.expect("valid");
    assert_eq!((latte.unit_price.minor(), latte.station_name.as_str()), (380 + 40, "Bar"));
    let beer = f.resolve(item("Draught beer 0.4 l").id, &[]).await.expect("valid");
    assert_eq!(beer.tax_rate.bp(), 2000);
}

#[tokio::test]
async fn the_openapi_document_describes_every_route() {
    let f = fixture().await;
    let (_, api) = comanda_menu::router(f.menu.clone()).split_for_parts();
    let doc: Value = serde_json::from_str(&api.to_json().expect("serialises")).expect("JSON");
    let paths = doc["paths"].as_object().expect("paths");
    let mut found: Vec<String> = Vec::new();
    for (path, ops) in paths {
        for (method, op) in ops.as_object().expect("operations") {
            found.push(format!("{} {path}", method.to_uppercase()));
            for (status, response) in op["responses"].as_object().expect("responses") {
                assert!(response["description"].as_str().is_some_and(|d| !d.is_empty()), "{method} {path} {status}");
            }
            assert!(op["security"].is_array(), "{method} {path} needs a bearer token");
        }
    }
    found.sort();
    assert_eq!(
        found,
        [
            "GET /kitchen/stations",
            "GET /menu",
            "GET /menu/items/{id}",
            "PATCH /kitchen/stations/{id}",
            "PATCH /menu/categories/{id}",
            "PATCH /menu/items/{id}",
            "PATCH /menu/modifier-groups/{id}",
            "POST /kitchen/stations",
            "POST /menu/categories",
            "POST /menu/items",
            "POST /menu/modifier-groups",
        ]
    );
}
