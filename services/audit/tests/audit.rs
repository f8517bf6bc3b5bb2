//! The audit trail on a real store in a temp dir: a shift's worth of audit-worthy and ordinary
//! events, read back newest first with names and sentences; filters by type, staff and time;
//! paging by cursor (also past long runs of skipped events); managers only; bad input 4xx.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use comanda_audit::Audit;
use comanda_domain::{
    Actor, BillDiscounted, BillId, CashMoved, CashSessionId, CashSessionOpened, CategoryId, Clock, Event, ItemChanged,
    ItemId, LineComped, LineData, LineVoided, ManualClock, Money, OrderId, OrderLineId, OrderSent, PaymentId,
    PaymentMethod, PaymentRefunded, RefundId, Role, StaffId, StationId, TableId, TaxRate,
};
use comanda_site::{OwnerInput, RestaurantInput, SetupRequest, Site};
use comanda_staff::{Auth, AuthStaff, NewStaff, Staff};
use comanda_store::{Store, StoreError};
use serde_json::Value;
use time::macros::datetime;
use tower::ServiceExt;

struct Trail {
    _dir: tempfile::TempDir,
    clock: ManualClock,
    store: Store,
    staff: Staff,
    auth: Auth,
    router: Router,
    olga: StaffId,
}

impl Trail {
    async fn new() -> Trail {
        let dir = tempfile::tempdir().expect("tempdir");
        let clock = ManualClock::starting_at(datetime!(2026-11-21 17:00 UTC));
        let store = Store::open(
            &dir.path().join("comanda.db"),
            Arc::new(clock.clone()),
            &[&comanda_staff::MIGRATIONS, &comanda_site::MIGRATIONS],
        )
        .expect("store");
        let auth = Auth::new(&[7u8; 32], Arc::new(clock.clone())).expect("auth");
        let staff = Staff::new(store.clone(), auth.clone()).await.expect("staff");
        let setup = SetupRequest {
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
        let olga = Site::new(store.clone(), staff.clone()).setup(setup, false).await.expect("setup").owner.id;
        let (router, _) = comanda_audit::router(Audit::new(store.clone(), staff.clone())).split_for_parts();
        Trail { _dir: dir, clock, store, staff, auth, router, olga }
    }

    /// Adds a member of staff, created by `by` (a `staff.created` event).
    async fn hire(&self, by: StaffId, name: &str, role: Role) -> StaffId {
        self.clock.advance(time::Duration::minutes(1));
        let prepared = self
            .staff
            .prepare(NewStaff {
                name: name.into(),
                username: name.to_lowercase(),
                role,
                password: Some("long enough password".into()),
                pin: None,
                hourly_rate: None,
            })
            .await
            .expect("valid");
        self.store.write(move |tx| Staff::insert_prepared(tx, Actor::Staff(by), &prepared)).await.expect("hired").id
    }

    /// Appends events by `actor`, one minute apart; returns the seq of the last.
    async fn append(&self, actor: Actor, events: Vec<Event>) -> u64 {
        let clock = self.clock.clone();
        self.store
            .write(move |tx| {
                let mut last = 0;
                for e in events {
                    clock.advance(time::Duration::minutes(1));
                    last = tx.append(actor, e)?.seq;
                }
                Ok::<_, StoreError>(last)
            })
            .await
            .expect("appended")
    }

    async fn get(&self, role: Role, uri: &str) -> (StatusCode, Value) {
        let who = AuthStaff { id: StaffId::new(), role, name: "Someone".into() };
        let token = self.auth.issue_access(&who).expect("token").0;
        let req = Request::builder()
            .uri(uri)
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .body(Body::empty())
            .expect("request");
        let res = self.router.clone().oneshot(req).await.expect("infallible");
        let status = res.status();
        let bytes = axum::body::to_bytes(res.into_body(), usize::MAX).await.expect("body");
        (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
    }

    async fn page(&self, uri: &str) -> Value {
        let (status, body) = self.get(Role::Manager, uri).await;
        assert_eq!(status, StatusCode::OK, "{uri}: {body}");
        body
    }

    /// Every entry of a query, following `next_cursor`; also the number of pages.
    async fn all(&self, query: &str) -> (Vec<Value>, usize) {
        let mut entries = Vec::new();
        let mut pages = 0;
        let mut uri = format!("/audit?{query}");
        loop {
            let page = self.page(&uri).await;
            pages += 1;
            entries.extend(page["items"].as_array().expect("items").iter().cloned());
            match page["next_cursor"].as_str() {
                Some(cursor) => uri = format!("/audit?{query}&cursor={cursor}"),
                None => return (entries, pages),
            }
            assert!(pages < 100, "paging does not end");
        }
    }
}

fn eur(minor: i64) -> Money {
    Money::from_minor(minor)
}

fn item_change(name: &str, price: i64, previous_price: Option<i64>) -> Event {
    Event::MenuItemChanged(ItemChanged {
        item_id: ItemId::new(),
        category_id: CategoryId::new(),
        name: name.into(),
        price: eur(price),
        previous_price: previous_price.map(eur),
        tax_rate_bp: TaxRate::from_bp(1000).expect("rate"),
        station_id: StationId::new(),
        available: true,
        active: true,
    })
}

fn types(entries: &[Value]) -> Vec<&str> {
    entries.iter().map(|e| e["type"].as_str().expect("type")).collect()
}

#[tokio::test]
async fn the_trail_shows_who_did_what_newest_first_and_pages_by_cursor() {
    let t = Trail::new().await;
    let marta = t.hire(t.olga, "Marta", Role::Manager).await;
    let ana = t.hire(marta, "Ana", Role::Waiter).await;
    let order_id = OrderId::new();
    let line = LineData {
        line_id: OrderLineId::new(),
        item_id: ItemId::new(),
        name: "Ribeye".into(),
        quantity: 2,
        unit_price: eur(2400),
        tax_rate_bp: TaxRate::from_bp(1000).expect("rate"),
        station_id: StationId::new(),
        modifiers: vec![],
        seat: None,
        course: 1,
        note: None,
    };
    let sent = Event::OrderSent(OrderSent {
        order_id,
        number: 12,
        table_id: TableId::new(),
        table_name: "T4".into(),
        waiter_id: ana,
        waiter_name: "Ana".into(),
        course: None,
        send_no: 1,
        lines: vec![line.clone()],
    });
    let voided = Event::OrderLineVoided(LineVoided {
        order_id,
        number: 12,
        table_name: "T4".into(),
        line,
        reason: "wrong cooking".into(),
        approved_by: Some(marta),
        after_send: true,
    });
    t.append(Actor::Staff(ana), vec![sent, voided]).await;
    // Twenty menu changes that are not price changes (86'd and back): never in the trail.
    let noise: Vec<Event> = (0..20).map(|_| item_change("Soup", 800, None)).collect();
    t.append(Actor::Staff(marta), noise).await;
    let session_id = CashSessionId::new();
    let price_change_seq = t
        .append(
            Actor::Staff(marta),
            vec![
                item_change("Ribeye", 2600, Some(2400)),
                item_change("Ribeye", 2600, None),
                Event::CashSessionOpened(CashSessionOpened { session_id, opening_float: eur(15000) }),
            ],
        )
        .await
        - 2;
    let later = t.clock.now() + time::Duration::seconds(30);
    t.append(
        Actor::Staff(marta),
        vec![Event::PaymentRefunded(PaymentRefunded {
            refund_id: RefundId::new(),
            payment_id: PaymentId::new(),
            bill_id: BillId::new(),
            method: PaymentMethod::Card,
            amount: eur(1250),
            reason: "charged twice".into(),
            approved_by: marta,
            cash_session_id: None,
        })],
    )
    .await;
    t.append(
        Actor::Staff(ana),
        vec![Event::OrderLineComped(LineComped {
            order_id,
            line_id: OrderLineId::new(),
            amount: eur(1800),
            reason: "waited too long".into(),
            approved_by: marta,
        })],
    )
    .await;
    t.append(
        Actor::System,
        vec![Event::CashMoved(CashMoved { session_id, kind: "in".into(), amount: eur(5000), reason: "change".into() })],
    )
    .await;
    t.append(
        Actor::Staff(ana),
        vec![Event::BillDiscounted(BillDiscounted {
            bill_id: BillId::new(),
            order_id,
            kind: "percent".into(),
            value: 10,
            amount: eur(540),
            reason: "birthday".into(),
            approved_by: marta,
        })],
    )
    .await;

    // Everything, newest first, ordinary events and non-price menu changes left out.
    let page = t.page("/audit").await;
    assert!(page.get("next_cursor").is_none(), "{page}");
    let entries = page["items"].as_array().expect("items").clone();
    assert_eq!(
        types(&entries),
        [
            "bill.discounted",
            "cash.moved",
            "order.line_comped",
            "payment.refunded",
            "cash.session_opened",
            "menu.item_changed",
            "order.line_voided",
            "staff.created",
            "staff.created",
            "staff.created",
        ]
    );
    let seqs: Vec<u64> = entries.iter().map(|e| e["seq"].as_u64().expect("seq")).collect();
    assert!(seqs.windows(2).all(|w| w[0] > w[1]), "newest first: {seqs:?}");
    assert_eq!(entries[5]["seq"].as_u64(), Some(price_change_seq));

    let void = &entries[6];
    assert_eq!(void["summary"], "Voided 2 × Ribeye on table T4 (order 12): wrong cooking — approved by Marta");
    assert_eq!(void["actor"], ana.to_string());
    assert_eq!(void["actor_name"], "Ana");
    assert_eq!(void["approved_by"], marta.to_string());
    assert_eq!(void["approved_by_name"], "Marta");
    assert_eq!(void["reason"], "wrong cooking");
    assert_eq!(void["data"]["line"]["name"], "Ribeye");
    assert_eq!(entries[5]["summary"], "Changed the price of Ribeye from 24.00 EUR to 26.00 EUR");
    assert_eq!(entries[5]["reason"], Value::Null);
    assert_eq!(entries[1]["actor"], "system");
    assert_eq!(entries[1]["actor_name"], Value::Null);
    assert_eq!(entries[9]["summary"], "Added Olga (olga) as owner");
    assert_eq!(entries[8]["actor_name"], "Olga");
    assert_eq!(entries[7]["summary"], "Added Ana (ana) as waiter");
    assert_eq!(entries[7]["actor_name"], "Marta");

    // Paging: three at a time, the same entries in the same order, across the skipped ones.
    let (paged, pages) = t.all("limit=3").await;
    assert_eq!(paged, entries);
    assert_eq!(pages, 4);

    // Filters.
    let (prices, _) = t.all("type=menu.item_changed").await;
    assert_eq!(prices.len(), 1);
    assert_eq!(prices[0]["seq"].as_u64(), Some(price_change_seq));
    let (by_ana, _) = t.all(&format!("staff_id={ana}")).await;
    assert_eq!(types(&by_ana), ["bill.discounted", "order.line_comped", "order.line_voided"]);
    let (by_system, _) = t.all("staff_id=system").await;
    assert_eq!(types(&by_system), ["cash.moved"]);
    let from = later.format(&time::format_description::well_known::Rfc3339).expect("format");
    let (since, _) = t.all(&format!("from={from}")).await;
    assert_eq!(types(&since), ["bill.discounted", "cash.moved", "order.line_comped", "payment.refunded"]);
    let (until, _) = t.all(&format!("to={from}&type=payment.refunded")).await;
    assert!(until.is_empty());
}

#[tokio::test]
async fn paging_stays_bounded_across_long_runs_of_skipped_events() {
    let t = Trail::new().await;
    let price_change = t.append(Actor::System, vec![item_change("Ribeye", 2600, Some(2400))]).await;
    let noise: Vec<Event> = (0..1_200).map(|_| item_change("Soup", 800, None)).collect();
    t.append(Actor::System, noise).await;

    // The first page reads a bounded stretch of the log and may come back short, with a
    // cursor; following it finds the price change, once.
    let first = t.page("/audit?type=menu.item_changed&limit=1").await;
    assert_eq!(first["items"], Value::Array(vec![]));
    assert!(first["next_cursor"].is_string(), "{first}");
    let (all, pages) = t.all("type=menu.item_changed&limit=1").await;
    assert_eq!(all.len(), 1);
    assert_eq!(all[0]["seq"].as_u64(), Some(price_change));
    assert_eq!(pages, 2);
    // Without a type, the owner's `staff.created` is found below the price change.
    let (everything, _) = t.all("").await;
    assert_eq!(types(&everything), ["menu.item_changed", "staff.created"]);
}

#[tokio::test]
async fn only_managers_and_owners_read_the_trail_and_bad_input_is_a_4xx() {
    let t = Trail::new().await;
    for (role, status) in [
        (Role::Owner, StatusCode::OK),
        (Role::Manager, StatusCode::OK),
        (Role::Waiter, StatusCode::FORBIDDEN),
        (Role::Kitchen, StatusCode::FORBIDDEN),
    ] {
        let (got, body) = t.get(role, "/audit").await;
        assert_eq!(got, status, "{role}: {body}");
    }
    // (query, status, code)
    let table = [
        ("type=order.sent", StatusCode::UNPROCESSABLE_ENTITY, "validation_failed"),
        ("type=nonsense", StatusCode::UNPROCESSABLE_ENTITY, "validation_failed"),
        ("from=yesterday", StatusCode::BAD_REQUEST, "bad_request"),
        ("from=2026-11-21T20:00:00+01:00", StatusCode::BAD_REQUEST, "bad_request"),
        ("to=2026-11-21", StatusCode::BAD_REQUEST, "bad_request"),
        ("staff_id=ana", StatusCode::BAD_REQUEST, "bad_request"),
        ("cursor=abc", StatusCode::BAD_REQUEST, "bad_request"),
        ("limit=many", StatusCode::BAD_REQUEST, "bad_request"),
        ("from=2026-11-22T00:00:00Z&to=2026-11-21T00:00:00Z", StatusCode::UNPROCESSABLE_ENTITY, "validation_failed"),
    ];
    for (query, status, code) in table {
        let (got, body) = t.get(Role::Manager, &format!("/audit?{query}")).await;
        assert_eq!(got, status, "{query}: {body}");
        assert_eq!(body["error"]["code"], code, "{query}");
    }
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
async fn the_trail_is_documented_for_openapi() {
    let t = Trail::new().await;
    let (_, api) = comanda_audit::router(Audit::new(t.store.clone(), t.staff.clone())).split_for_parts();
    let doc = serde_json::to_value(&api).expect("json");
    let op = &doc["paths"]["/audit"]["get"];
    assert_eq!(op["security"], serde_json::json!([{"bearer": []}]));
    let params: Vec<&str> =
        op["parameters"].as_array().expect("params").iter().filter_map(|p| p["name"].as_str()).collect();
    assert_eq!(params, ["from", "to", "type", "staff_id", "limit", "cursor"]);
    for (status, response) in op["responses"].as_object().expect("responses") {
        assert!(response["description"].as_str().is_some_and(|d| !d.is_empty()), "{status}");
    }
    let mut all = Vec::new();
    refs(&doc, &mut all);
    for r in all {
        assert!(doc.pointer(r.trim_start_matches('#')).is_some(), "dangling $ref {r}");
    }
}
