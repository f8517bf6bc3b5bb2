//! The kitchen's promise: every send gives every station exactly one ticket, across restarts;
//! voids after send give a VOID ticket; bump and recall walk the states.

use std::sync::Arc;
use std::time::Duration;

use comanda_domain::{
    Actor, Event, ItemId, LineData, LineVoided, Money, OrderId, OrderLineId, OrderSent, StaffId, StationId,
    SystemClock, TableId, TaxRate, TicketKind, TicketStatus,
};
use comanda_kitchen::Kitchen;
use comanda_staff::{Auth, AuthStaff};
use comanda_store::{Store, StoreError};

fn open(dir: &tempfile::TempDir) -> Store {
    Store::open(&dir.path().join("comanda.db"), Arc::new(SystemClock), &[&comanda_kitchen::MIGRATIONS]).expect("store")
}

fn kitchen(store: &Store) -> Kitchen {
    Kitchen::new(store.clone(), Auth::new(&[7u8; 32], Arc::new(SystemClock)).expect("auth"))
}

fn line(name: &str, station: StationId) -> LineData {
    LineData {
        line_id: OrderLineId::new(),
        item_id: ItemId::new(),
        name: name.into(),
        quantity: 2,
        unit_price: Money::from_minor(900),
        tax_rate_bp: TaxRate::from_bp(1000).expect("rate"),
        station_id: station,
        modifiers: vec!["medium rare".into()],
        seat: Some(1),
        course: 2,
        note: Some("no salt".into()),
    }
}

fn sent(lines: Vec<LineData>, send_no: u32) -> Event {
    Event::OrderSent(OrderSent {
        order_id: OrderId::new(),
        number: 42,
        table_id: TableId::new(),
        table_name: "T4".into(),
        waiter_id: StaffId::new(),
        waiter_name: "Ana".into(),
        course: Some(2),
        send_no,
        lines,
    })
}

async fn append(store: &Store, event: Event) {
    store
        .write(move |tx| tx.append(Actor::System, event).map(|_| ()))
        .await
        .map_err(|e: StoreError| e)
        .expect("append");
}

/// Waits (at most 5 s) until the ticket maker has caught up with the whole log.
async fn settled(store: &Store) {
    for _ in 0..250 {
        let sub = store.subscriber(comanda_kitchen::SUBSCRIBER).await.expect("cursor");
        let events = store.events_after(sub.cursor(), 1000).await.expect("events");
        if events.iter().all(|e| e.event_type == "ticket.created") {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the ticket maker did not catch up");
}

async fn ticket_events(store: &Store) -> Vec<serde_json::Value> {
    let all = store.events_after(0, 10_000).await.expect("events");
    all.into_iter().filter(|e| e.event_type == "ticket.created").map(|e| e.data).collect()
}

#[tokio::test]
async fn each_send_gives_each_station_one_ticket_even_across_restarts() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (grill, bar) = (StationId::new(), StationId::new());
    {
        let store = open(&dir);
        // Sent before the kitchen runs at all: as if the box died right after the send.
        append(&store, sent(vec![line("Steak", grill), line("Wine", bar), line("Burger", grill)], 1)).await;
        store.shutdown().await;
    }
    let store = open(&dir);
    let maker = kitchen(&store).spawn_ticket_maker();
    settled(&store).await;
    let tickets = ticket_events(&store).await;
    assert_eq!(tickets.len(), 2, "one per station");
    let grill_ticket = tickets.iter().find(|t| t["station_id"] == grill.to_string()).expect("grill");
    let names: Vec<&str> =
        grill_ticket["lines"].as_array().expect("lines").iter().filter_map(|l| l["name"].as_str()).collect();
    assert_eq!(names, ["Steak", "Burger"]);
    assert_eq!(grill_ticket["kind"], "order");
    maker.abort();
    store.shutdown().await;

    // Restart: nothing is made twice; a new send is handled.
    let store = open(&dir);
    let _maker = kitchen(&store).spawn_ticket_maker();
    append(&store, sent(vec![line("Beer", bar)], 2)).await;
    settled(&store).await;
    assert_eq!(ticket_events(&store).await.len(), 3);
}

#[tokio::test]
async fn a_void_after_send_prints_a_void_ticket_and_a_free_void_does_not() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = open(&dir);
    let _maker = kitchen(&store).spawn_ticket_maker();
    let grill = StationId::new();
    for after_send in [false, true] {
        let voided = LineVoided {
            order_id: OrderId::new(),
            number: 7,
            table_name: "T2".into(),
            line: line("Steak", grill),
            reason: "guest changed their mind".into(),
            approved_by: after_send.then(StaffId::new),
            after_send,
        };
        append(&store, Event::OrderLineVoided(voided)).await;
    }
    settled(&store).await;
    let tickets = ticket_events(&store).await;
    assert_eq!(tickets.len(), 1);
    assert_eq!(tickets[0]["kind"], "void");
    assert_eq!(tickets[0]["station_id"], grill.to_string());
}

#[tokio::test]
async fn bump_and_recall_move_a_ticket_and_are_logged() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = open(&dir);
    let k = kitchen(&store);
    let _maker = k.spawn_ticket_maker();
    append(&store, sent(vec![line("Soup", StationId::new())], 1)).await;
    settled(&store).await;
    let id: comanda_domain::TicketId =
        ticket_events(&store).await[0]["ticket_id"].as_str().expect("id").parse().expect("ticket id");
    let cook = AuthStaff { id: StaffId::new(), role: comanda_domain::Role::Kitchen, name: "Kai".into() };

    let mut statuses = Vec::new();
    for forward in [true, true, true, false] {
        let who = cook.clone();
        let t = store.write(move |tx| Kitchen::step(tx, &who, id, forward)).await.expect("step");
        statuses.push(t.status);
    }
    use TicketStatus::*;
    assert_eq!(statuses, [Preparing, Ready, Served, Ready]);
    assert_eq!(k.ticket(id).await.expect("ticket").kind, TicketKind::Order);
    let bumps =
        store.events_after(0, 100).await.expect("events").iter().filter(|e| e.event_type == "ticket.bumped").count();
    assert_eq!(bumps, 3);
    let who = cook.clone();
    let served = store.write(move |tx| Kitchen::step(tx, &who, id, true)).await.expect("to served");
    assert_eq!(served.status, Served);
    let who = cook.clone();
    let again = store.write(move |tx| Kitchen::step(tx, &who, id, true)).await;
    assert_eq!(again.map(|t| t.status).map_err(|e| e.code()), Err("conflict"));
}
