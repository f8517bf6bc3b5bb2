//! The tables service on a real store in a temp dir: managers lay out the floor over HTTP,
//! waiters read it, the kitchen does not; QR codes and their rotation; bad input answers 4xx
//! in the one error shape; and the status projection follows orders across a restart.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use comanda_domain::{
    Actor, AreaId, Event, OrderClosed, OrderId, OrderMoved, OrderOpened, OrderSent, Role, StaffId, SystemClock,
    TableId, TableStatus,
};
use comanda_staff::{Auth, AuthStaff};
use comanda_store::Store;
use comanda_tables::{Table, Tables};
use serde_json::{Value, json};
use tower::ServiceExt;

struct Floor {
    _dir: tempfile::TempDir,
    path: std::path::PathBuf,
    store: Store,
    tables: Tables,
    router: Router,
    auth: Auth,
}

fn open_store(path: &std::path::Path) -> Store {
    Store::open(path, Arc::new(SystemClock), &[&comanda_staff::MIGRATIONS, &comanda_tables::MIGRATIONS]).expect("store")
}

impl Floor {
    fn new() -> Floor {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("comanda.db");
        let store = open_store(&path);
        let auth = Auth::new(&[7u8; 32], Arc::new(SystemClock)).expect("auth");
        let tables = Tables::new(store.clone(), auth.clone());
        let (router, _) = comanda_tables::router(tables.clone()).split_for_parts();
        Floor { _dir: dir, path, store, tables, router, auth }
    }

    fn token(&self, role: Role) -> String {
        let who = AuthStaff { id: StaffId::new(), role, name: "M".into() };
        self.auth.issue_access(&who).expect("token").0
    }

    async fn send(&self, role: Role, method: &str, path: &str, body: Option<Value>) -> Reply {
        let mut req = Request::builder()
            .method(method)
            .uri(path)
            .header(header::AUTHORIZATION, format!("Bearer {}", self.token(role)));
        if body.is_some() {
            req = req.header(header::CONTENT_TYPE, "application/json");
        }
        let body = body.map(|b| Body::from(b.to_string())).unwrap_or_else(Body::empty);
        self.raw(req.body(body).expect("request")).await
    }

    async fn raw(&self, req: Request<Body>) -> Reply {
        let res = self.router.clone().oneshot(req).await.expect("infallible");
        let status = res.status();
        let content_type =
            res.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
        let bytes = axum::body::to_bytes(res.into_body(), usize::MAX).await.expect("body");
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let json = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Reply { status, content_type, text, json }
    }

    async fn manager(&self, method: &str, path: &str, body: Value) -> Reply {
        self.send(Role::Manager, method, path, Some(body)).await
    }

    async fn area(&self, name: &str) -> AreaId {
        let r = self.manager("POST", "/areas", json!({"name": name})).await;
        assert_eq!(r.status, 201, "{}", r.text);
        serde_json::from_value(r.json["id"].clone()).expect("area id")
    }

    async fn table(&self, name: &str, area: AreaId) -> TableId {
        let r = self.manager("POST", "/tables", json!({"name": name, "area_id": area, "seats": 4})).await;
        assert_eq!(r.status, 201, "{}", r.text);
        serde_json::from_value(r.json["id"].clone()).expect("table id")
    }

    async fn event_count(&self, event_type: &str) -> usize {
        let events = self.store.events_after(0, 10_000).await.expect("events");
        events.iter().filter(|e| e.event_type == event_type).count()
    }

    async fn append(&self, events: Vec<Event>) {
        self.store
            .write(move |tx| {
                for e in events {
                    tx.append(Actor::System, e)?;
                }
                Ok::<_, comanda_store::StoreError>(())
            })
            .await
            .expect("appended");
    }

    /// Polls until `table` shows `status` with `order`, for at most five seconds.
    async fn wait_for(&self, table: TableId, status: TableStatus, order: Option<OrderId>) -> Table {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
        loop {
            let t = self.tables.table(table).await.expect("table");
            if t.status == status && t.order_id == order {
                return t;
            }
            assert!(tokio::time::Instant::now() < deadline, "{} stayed {:?} {:?}", t.name, t.status, t.order_id);
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

#[derive(Debug)]
struct Reply {
    status: StatusCode,
    content_type: String,
    text: String,
    json: Value,
}

#[tokio::test]
async fn managers_lay_out_the_floor_and_the_floor_staff_read_it() {
    let f = Floor::new();
    let main = f.area("Main room").await;
    let terrace = f.area("Terrace").await;
    let areas = f.send(Role::Waiter, "GET", "/areas", None).await;
    assert_eq!(areas.status, 200, "{}", areas.text);
    let names: Vec<&str> =
        areas.json["items"].as_array().expect("items").iter().filter_map(|a| a["name"].as_str()).collect();
    assert_eq!(names, ["Main room", "Terrace"], "tab order follows creation by default");

    let t1 = f.table("T1", main).await;
    let created = f
        .manager(
            "POST",
            "/tables",
            json!({"name": "T2", "area_id": terrace, "seats": 6, "shape": "rectangle", "x": 300, "y": 40}),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let t2 = &created.json;
    assert_eq!(
        (t2["seats"].as_u64(), t2["shape"].as_str(), t2["x"].as_i64(), t2["width"].as_i64(), t2["height"].as_i64()),
        (Some(6), Some("rectangle"), Some(300), Some(200), Some(100))
    );
    assert_eq!((t2["status"].as_str(), &t2["order_id"]), (Some("free"), &Value::Null));
    assert!(t2["status_since"].as_str().is_some_and(|s| s.ends_with('Z')), "{t2}");
    assert!(t2.get("guest_token").is_none() && !created.text.contains("token"), "no token in a table: {t2}");

    // A waiter sees the whole floor, or one area; the kitchen does not.
    let all = f.send(Role::Waiter, "GET", "/tables", None).await;
    assert_eq!((all.status.as_u16(), all.json["items"].as_array().map(Vec::len)), (200, Some(2)), "{}", all.text);
    let on_terrace = f.send(Role::Waiter, "GET", &format!("/tables?area_id={terrace}"), None).await;
    let items = on_terrace.json["items"].as_array().expect("items");
    assert_eq!((items.len(), items[0]["name"].as_str()), (1, Some("T2")));
    let one = f.send(Role::Owner, "GET", &format!("/tables/{t1}"), None).await;
    assert_eq!((one.status.as_u16(), one.json["name"].as_str()), (200, Some("T1")));
    for path in ["/tables".to_owned(), format!("/tables/{t1}"), "/areas".to_owned(), format!("/tables/{t1}/qr.svg")] {
        let r = f.send(Role::Kitchen, "GET", &path, None).await;
        assert_eq!((r.status.as_u16(), r.json["error"]["code"].as_str()), (403, Some("forbidden")), "{path}");
    }

    // Waiters do not edit the floor.
    let r = f.send(Role::Waiter, "POST", "/tables", Some(json!({"name": "T9", "area_id": main, "seats": 2}))).await;
    assert_eq!((r.status.as_u16(), r.json["error"]["code"].as_str()), (403, Some("forbidden")));
    let r = f.send(Role::Waiter, "PATCH", &format!("/tables/{t1}"), Some(json!({"seats": 2}))).await;
    assert_eq!(r.status, 403);
    let r = f.send(Role::Waiter, "POST", "/areas", Some(json!({"name": "Bar"}))).await;
    assert_eq!(r.status, 403);

    // Names are unique among active tables, ignoring case.
    let dup = f.manager("POST", "/tables", json!({"name": "t1", "area_id": terrace, "seats": 2})).await;
    assert_eq!((dup.status.as_u16(), dup.json["error"]["code"].as_str()), (409, Some("conflict")), "{}", dup.text);
    let rename =
        f.manager("PATCH", &format!("/tables/{}", t2["id"].as_str().expect("id")), json!({"name": "T1"})).await;
    assert_eq!(rename.status, 409, "{}", rename.text);
    let dup_area = f.manager("POST", "/areas", json!({"name": "TERRACE"})).await;
    assert_eq!(dup_area.status, 409, "{}", dup_area.text);

    // PATCH changes what it names and nothing else; each change is announced.
    let before = f.event_count("table.changed").await;
    let moved = f.manager("PATCH", &format!("/tables/{t1}"), json!({"x": 1200, "seats": 8, "area_id": terrace})).await;
    assert_eq!(moved.status, 200, "{}", moved.text);
    assert_eq!(
        (moved.json["x"].as_i64(), moved.json["y"].as_i64(), moved.json["seats"].as_u64(), moved.json["name"].as_str()),
        (Some(1200), Some(0), Some(8), Some("T1"))
    );
    assert_eq!(moved.json["area_id"], json!(terrace));
    assert_eq!(f.event_count("table.changed").await, before + 1);
    let nothing = f.manager("PATCH", &format!("/tables/{t1}"), json!({})).await;
    assert_eq!(nothing.status, 200);
    assert_eq!(f.event_count("table.changed").await, before + 1, "no change, no event");

    // An area with tables stays; once empty it can go, and its name is free again.
    let r = f.manager("PATCH", &format!("/areas/{main}"), json!({"active": false})).await;
    assert_eq!(r.status, 200, "Main room has no active tables left: {}", r.text);
    let r = f.manager("PATCH", &format!("/areas/{terrace}"), json!({"active": false})).await;
    assert_eq!(r.status, 409, "{}", r.text);
    let r = f.manager("PATCH", &format!("/areas/{terrace}"), json!({"name": "Garden", "position": 7})).await;
    assert_eq!(
        (r.status.as_u16(), r.json["name"].as_str(), r.json["position"].as_i64()),
        (200, Some("Garden"), Some(7))
    );
    assert_ne!(f.area("Main room").await, main, "a new area may take a retired name");
    assert_eq!(f.event_count("table.area_changed").await, 5);

    // A free table can leave the floor; its name is then free for another.
    let r = f.manager("PATCH", &format!("/tables/{t1}"), json!({"active": false})).await;
    assert_eq!((r.status.as_u16(), r.json["active"].as_bool()), (200, Some(false)), "{}", r.text);
    let all = f.send(Role::Waiter, "GET", "/tables", None).await;
    assert_eq!(all.json["items"].as_array().map(Vec::len), Some(1));
    let all = f.send(Role::Waiter, "GET", "/tables?include_inactive=true", None).await;
    assert_eq!(all.json["items"].as_array().map(Vec::len), Some(2));
    f.table("T1", terrace).await;
    let back = f.manager("PATCH", &format!("/tables/{t1}"), json!({"active": true})).await;
    assert_eq!(back.status, 409, "two active T1s: {}", back.text);

    // The Rust API orders will use.
    let info = f.store.read(move |c| comanda_tables::table(c, t1)).await.expect("read").expect("found");
    assert_eq!((info.name.as_str(), info.seats, info.area_id, info.active), ("T1", 8, terrace, false));
    let none = f.store.read(|c| comanda_tables::table(c, TableId::new())).await.expect("read");
    assert!(none.is_none());
}

#[tokio::test]
async fn creating_posts_replay_on_retry() {
    let f = Floor::new();
    let area = f.area("Main").await;
    let token = f.token(Role::Manager);
    let post = |key: &str, name: &str| {
        Request::builder()
            .method("POST")
            .uri("/tables")
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header(header::CONTENT_TYPE, "application/json")
            .header("idempotency-key", key)
            .body(Body::from(json!({"name": name, "area_id": area, "seats": 2}).to_string()))
            .expect("request")
    };
    let first = f.raw(post("k1", "T1")).await;
    let again = f.raw(post("k1", "T1")).await;
    assert_eq!((first.status.as_u16(), again.status.as_u16()), (201, 201), "{}", again.text);
    assert_eq!(first.json["id"], again.json["id"], "the retry got the first answer");
    let other = f.raw(post("k1", "T2")).await;
    assert_eq!(other.json["error"]["code"], "idempotency_conflict");
    assert_eq!(f.event_count("table.changed").await, 1);
}

#[tokio::test]
async fn qr_codes_point_guests_at_their_table_until_rotated() {
    let f = Floor::new();
    let area = f.area("Main").await;
    let t1 = f.table("T1", area).await;
    let qr = |host: Option<&str>, role: Role| {
        let mut req = Request::builder()
            .uri(format!("/tables/{t1}/qr.svg"))
            .header(header::AUTHORIZATION, format!("Bearer {}", f.token(role)));
        if let Some(h) = host {
            req = req.header(header::HOST, h);
        }
        req.body(Body::empty()).expect("request")
    };
    let svg = f.raw(qr(Some("192.168.1.20:8080"), Role::Waiter)).await;
    assert_eq!((svg.status.as_u16(), svg.content_type.as_str()), (200, "image/svg+xml"), "{}", svg.text);
    assert!(svg.text.contains("<svg") && svg.text.contains("<path") && svg.text.contains(" d=\"M"), "{}", svg.text);
    let default_host = f.raw(qr(None, Role::Manager)).await;
    assert_eq!(default_host.status, 200);
    assert_ne!(default_host.text, svg.text, "another host, another code");
    for bad in ["evil.com/phish?", "a b", "host\"><script>"] {
        let r = f.raw(qr(Some(bad), Role::Manager)).await;
        assert_eq!((r.status.as_u16(), r.json["error"]["code"].as_str()), (400, Some("bad_request")), "{bad}");
    }
    let unknown = f.send(Role::Manager, "GET", &format!("/tables/{}/qr.svg", TableId::new()), None).await;
    assert_eq!(unknown.status, 404);

    // Rotation: the old token stops finding the table, the new one does, the code changes.
    let waiter = f.send(Role::Waiter, "POST", &format!("/tables/{t1}/rotate-token"), None).await;
    assert_eq!(waiter.status, 403);
    let first = f.send(Role::Manager, "POST", &format!("/tables/{t1}/rotate-token"), None).await;
    assert_eq!(first.status, 200, "{}", first.text);
    let old = first.json["token"].as_str().expect("token").to_owned();
    assert_eq!(old.len(), 22, "128 bits in base64url");
    assert!(old.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'), "{old}");
    let found = f.store.read({
        let old = old.clone();
        move |c| comanda_tables::table_by_token(c, &old)
    });
    assert_eq!(found.await.expect("read").map(|t| t.id), Some(t1));
    let before = f.raw(qr(Some("box.local"), Role::Manager)).await.text;

    let second = f.send(Role::Manager, "POST", &format!("/tables/{t1}/rotate-token"), None).await;
    let new = second.json["token"].as_str().expect("token").to_owned();
    assert_ne!(new, old);
    assert_eq!(second.json["table_id"], json!(t1));
    let by_old = f.store.read(move |c| comanda_tables::table_by_token(c, &old)).await.expect("read");
    assert!(by_old.is_none(), "a rotated token finds nothing");
    let by_new = f.store.read(move |c| comanda_tables::table_by_token(c, &new)).await.expect("read");
    assert_eq!(by_new.map(|t| t.id), Some(t1));
    assert_ne!(f.raw(qr(Some("box.local"), Role::Manager)).await.text, before, "the QR code follows the token");
    let r = f.send(Role::Manager, "POST", &format!("/tables/{}/rotate-token", TableId::new()), None).await;
    assert_eq!(r.status, 404);

    // No event or table answer ever carries a token.
    let events = f.store.events_after(0, 1000).await.expect("events");
    let logged = serde_json::to_string(&events.iter().map(|e| &e.data).collect::<Vec<_>>()).expect("json");
    assert!(!logged.contains("token"), "{logged}");
}

#[tokio::test]
async fn bad_input_is_a_4xx_in_the_error_shape() {
    let f = Floor::new();
    let area = f.area("Main").await;
    let t1 = f.table("T1", area).await;
    let missing_area = AreaId::new();
    let t = format!("/tables/{t1}");
    let a = format!("/areas/{area}");
    // (method, path, body, status, code)
    let table: Vec<(&str, String, Option<Value>, u16, &str)> = vec![
        ("POST", "/tables".into(), Some(json!({"name": "", "area_id": area, "seats": 2})), 422, "validation_failed"),
        (
            "POST",
            "/tables".into(),
            Some(json!({"name": "x".repeat(51), "area_id": area, "seats": 2})),
            422,
            "validation_failed",
        ),
        ("POST", "/tables".into(), Some(json!({"name": "T5", "area_id": area, "seats": 0})), 422, "validation_failed"),
        ("POST", "/tables".into(), Some(json!({"name": "T5", "area_id": area, "seats": 51})), 422, "validation_failed"),
        (
            "POST",
            "/tables".into(),
            Some(json!({"name": "T5", "area_id": area, "seats": 1e30})),
            422,
            "validation_failed",
        ),
        (
            "POST",
            "/tables".into(),
            Some(json!({"name": "T5", "area_id": area, "seats": "4"})),
            422,
            "validation_failed",
        ),
        (
            "POST",
            "/tables".into(),
            Some(json!({"name": "T5", "area_id": area, "seats": 2, "shape": "oval"})),
            422,
            "validation_failed",
        ),
        (
            "POST",
            "/tables".into(),
            Some(json!({"name": "T5", "area_id": area, "seats": 2, "x": -1})),
            422,
            "validation_failed",
        ),
        (
            "POST",
            "/tables".into(),
            Some(json!({"name": "T5", "area_id": area, "seats": 2, "width": 10_001})),
            422,
            "validation_failed",
        ),
        (
            "POST",
            "/tables".into(),
            Some(json!({"name": "T5", "area_id": area, "seats": 2, "y": i64::MAX})),
            422,
            "validation_failed",
        ),
        (
            "POST",
            "/tables".into(),
            Some(json!({"name": "T5", "area_id": missing_area, "seats": 2})),
            422,
            "validation_failed",
        ),
        (
            "POST",
            "/tables".into(),
            Some(json!({"name": "T5", "area_id": "not-a-uuid", "seats": 2})),
            422,
            "validation_failed",
        ),
        ("POST", "/tables".into(), Some(json!({"name": "T5", "seats": 2})), 422, "validation_failed"),
        (
            "POST",
            "/tables".into(),
            Some(json!({"name": "'; DROP TABLE tables_tables; --", "area_id": area, "seats": 2})),
            201,
            "",
        ),
        ("PATCH", t.clone(), Some(json!({"area_id": missing_area})), 422, "validation_failed"),
        ("PATCH", t.clone(), Some(json!({"height": -5})), 422, "validation_failed"),
        ("PATCH", t.clone(), Some(json!({"name": "   "})), 422, "validation_failed"),
        ("PATCH", t.clone(), Some(json!({"shape": "hexagon"})), 422, "validation_failed"),
        ("PATCH", format!("/tables/{}", TableId::new()), Some(json!({"seats": 2})), 404, "not_found"),
        ("PATCH", "/tables/not-a-uuid".into(), Some(json!({"seats": 2})), 400, "bad_request"),
        ("GET", format!("/tables/{}", TableId::new()), None, 404, "not_found"),
        ("GET", "/tables?area_id=nope".into(), None, 400, "bad_request"),
        ("GET", "/tables?cursor=nope".into(), None, 400, "bad_request"),
        ("GET", "/areas?cursor=12".into(), None, 400, "bad_request"),
        ("GET", format!("/areas/{missing_area}"), None, 404, "not_found"),
        ("POST", "/areas".into(), Some(json!({"name": "Bar", "position": -1})), 422, "validation_failed"),
        ("POST", "/areas".into(), Some(json!({"name": "Bar", "position": 10_001})), 422, "validation_failed"),
        ("POST", "/areas".into(), Some(json!({"name": "\u{7}"})), 422, "validation_failed"),
        ("POST", "/areas".into(), Some(json!({})), 422, "validation_failed"),
        ("PATCH", a.clone(), Some(json!({"position": 99_999})), 422, "validation_failed"),
        ("PATCH", a.clone(), Some(json!({"name": ""})), 422, "validation_failed"),
        ("PATCH", format!("/areas/{missing_area}"), Some(json!({"name": "X"})), 404, "not_found"),
    ];
    for (method, path, body, status, code) in table {
        let r = f.send(Role::Manager, method, &path, body.clone()).await;
        assert_eq!(r.status.as_u16(), status, "{method} {path} {body:?}: {}", r.text);
        if status >= 400 {
            assert_eq!(r.json["error"]["code"], code, "{method} {path} {body:?}: {}", r.text);
            assert!(r.json["error"]["message"].is_string());
        }
    }

    // Bodies that are not JSON, or not JSON at all.
    let token = f.token(Role::Manager);
    let raw = |content_type: &str, body: &str| {
        Request::builder()
            .method("POST")
            .uri("/tables")
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header(header::CONTENT_TYPE, content_type)
            .body(Body::from(body.to_owned()))
            .expect("request")
    };
    assert_eq!(f.raw(raw("application/json", "{not json")).await.status, 400);
    assert_eq!(f.raw(raw("text/plain", "{}")).await.status, 415);
    let anonymous = Request::builder().uri("/tables").body(Body::empty()).expect("request");
    assert_eq!(f.raw(anonymous).await.status, 401);
}

fn opened(order: OrderId, table: TableId) -> Event {
    Event::OrderOpened(OrderOpened {
        order_id: order,
        number: 1,
        table_id: table,
        table_name: "T".into(),
        guests: 2,
        waiter_id: StaffId::new(),
    })
}

fn sent(order: OrderId, table: TableId) -> Event {
    Event::OrderSent(OrderSent {
        order_id: order,
        number: 1,
        table_id: table,
        table_name: "T".into(),
        waiter_id: StaffId::new(),
        waiter_name: "Ana".into(),
        course: None,
        send_no: 1,
        lines: vec![],
    })
}

fn moved(order: OrderId, from: TableId, to: TableId, merged_into: Option<OrderId>) -> Event {
    Event::OrderMoved(OrderMoved { order_id: order, from_table_id: from, to_table_id: to, merged_into })
}

fn closed(order: OrderId, table: TableId) -> Event {
    Event::OrderClosed(OrderClosed { order_id: order, table_id: table })
}

#[tokio::test]
async fn status_follows_the_orders_and_resumes_after_a_restart() {
    use TableStatus::*;
    let f = Floor::new();
    let area = f.area("Main").await;
    let (t1, t2, t3) = (f.table("T1", area).await, f.table("T2", area).await, f.table("T3", area).await);
    let (o1, o2, o3) = (OrderId::new(), OrderId::new(), OrderId::new());
    let created = f.event_count("table.changed").await;
    assert_eq!(created, 3);

    // Events logged before the projection starts are caught up on.
    f.append(vec![opened(o1, t1), sent(o1, t1), opened(o2, t2)]).await;
    let projection = f.tables.spawn_status_projection();
    f.wait_for(t1, Ordered, Some(o1)).await;
    f.wait_for(t2, Seated, Some(o2)).await;

    // A seated table cannot leave the floor.
    let r = f.manager("PATCH", &format!("/tables/{t2}"), json!({"active": false})).await;
    assert_eq!((r.status.as_u16(), r.json["error"]["code"].as_str()), (409, Some("conflict")), "{}", r.text);

    // Moving T2's order to T3 carries its status and time; merging T1's into it takes the higher status.
    let seated_at = f.wait_for(t2, Seated, Some(o2)).await.status_since;
    f.append(vec![moved(o2, t2, t3, None)]).await;
    let t3_now = f.wait_for(t3, Seated, Some(o2)).await;
    assert_eq!(t3_now.status_since, seated_at, "the party has been seated since they sat at T2");
    f.wait_for(t2, Free, None).await;
    f.append(vec![moved(o1, t1, t3, Some(o2)), closed(o1, t1)]).await;
    f.wait_for(t3, Ordered, Some(o2)).await;
    f.wait_for(t1, Free, None).await;
    let waiter_view = f.send(Role::Waiter, "GET", &format!("/tables/{t3}"), None).await;
    assert_eq!((waiter_view.json["status"].as_str(), &waiter_view.json["order_id"]), (Some("ordered"), &json!(o2)));

    f.append(vec![closed(o2, t3)]).await;
    f.wait_for(t3, Free, None).await;
    // T1 seated, ordered; T2 seated; T2 freed + T3 seated; T1 freed + T3 ordered; T3 freed.
    let projected = 8;
    assert_eq!(f.event_count("table.changed").await, created + projected);
    let events = f.store.events_after(0, 10_000).await.expect("events");
    let last = events.iter().rev().find(|e| e.event_type == "table.changed").expect("a table.changed");
    assert_eq!(
        (last.data["table_id"].clone(), last.data["status"].as_str(), &last.data["order_id"]),
        (json!(t3), Some("free"), &Value::Null)
    );

    // Restart: the cursor was committed with the effects, so nothing is applied twice.
    f.store.shutdown().await;
    tokio::time::timeout(Duration::from_secs(5), projection).await.expect("stops with the store").expect("no panic");
    let store = open_store(&f.path);
    let tables = Tables::new(store.clone(), f.auth.clone());
    let (router, _) = comanda_tables::router(tables.clone()).split_for_parts();
    let f = Floor { store, tables, router, ..f };
    let projection = f.tables.spawn_status_projection();
    f.append(vec![opened(o3, t1)]).await;
    f.wait_for(t1, Seated, Some(o3)).await;
    assert_eq!(f.event_count("table.changed").await, created + projected + 1, "nothing re-emitted");
    assert_eq!(f.tables.table(t3).await.expect("t3").status, Free);
    projection.abort();
    assert!(f.store.verify_chain().await.expect("read").is_ok(), "the log's hash chain holds");
}

#[test]
fn the_openapi_document_lists_every_route_with_its_errors() {
    let f = Floor::new();
    let (_, doc) = comanda_tables::router(f.tables.clone()).split_for_parts();
    let doc = serde_json::to_value(&doc).expect("json");
    let mut routes = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("item") {
            routes.push(format!("{} {path}", method.to_uppercase()));
            assert_eq!(op["tags"], json!(["tables"]), "{method} {path}");
            assert_eq!(op["security"], json!([{"bearer": []}]), "{method} {path}");
            let responses = op["responses"].as_object().expect("responses");
            for (status, response) in responses {
                assert!(response["description"].as_str().is_some_and(|d| !d.is_empty()), "{method} {path} {status}");
                if status.starts_with('4') {
                    let schema = &response["content"]["application/json"]["schema"]["$ref"];
                    assert_eq!(schema, "#/components/schemas/ErrorBody", "{method} {path} {status}");
                }
            }
            assert!(responses.contains_key("401") && responses.contains_key("403"), "{method} {path}");
        }
    }
    routes.sort();
    assert_eq!(
        routes,
        [
            "GET /areas",
            "GET /areas/{id}",
            "GET /tables",
            "GET /tables/{id}",
            "GET /tables/{id}/qr.svg",
            "PATCH /areas/{id}",
            "PATCH /tables/{id}",
            "POST /areas",
            "POST /tables",
            "POST /tables/{id}/rotate-token",
        ]
    );
}
