//! The kitchen service: tickets per station, made from the event log, with bump and recall.
//!
//! Owns `kitchen_tickets`. It never reads the orders' tables and orders never call it: a
//! durable bus subscriber (`kitchen.tickets`) reads `order.sent` and `order.line_voided` and,
//! in one transaction per batch, writes the tickets, appends `ticket.created` and moves its
//! cursor. So each send gives each station exactly one ticket, even if the box dies between
//! the send and the tickets: after a restart the subscriber resumes from its cursor.

pub mod api;
pub mod model;
mod sql;

use axum::extract::FromRef;
use comanda_api::ApiError;
use comanda_domain::{
    Actor, Event, LineVoided, OrderSent, TicketCreated, TicketId, TicketKind, TicketStatus, TicketStatusChanged,
};
use comanda_staff::{Auth, AuthStaff};
use comanda_store::{Migration, Migrations, Store, StoreError, StoredEvent, WriteTx};

pub use api::router;
use model::Ticket;

pub const MIGRATIONS: Migrations = Migrations {
    service: "kitchen",
    steps: &[Migration { version: 1, name: "init", sql: include_str!("../migrations/0001_init.sql") }],
};

/// The bus subscriber that makes tickets.
pub const SUBSCRIBER: &str = "kitchen.tickets";

#[derive(Clone, Debug)]
pub struct Kitchen {
    store: Store,
    auth: Auth,
}

impl FromRef<Kitchen> for Auth {
    fn from_ref(k: &Kitchen) -> Auth {
        k.auth.clone()
    }
}

impl Kitchen {
    pub fn new(store: Store, auth: Auth) -> Self {
        Self { store, auth }
    }

    /// Starts the ticket maker (a durable subscriber of the log; see
    /// `comanda_store::spawn_projection`). It runs until the store shuts down.
    pub fn spawn_ticket_maker(&self) -> tokio::task::JoinHandle<()> {
        comanda_store::spawn_projection(&self.store, SUBSCRIBER, |tx, batch| {
            for event in batch {
                make_tickets(tx, event)?;
            }
            Ok(batch.last().map_or(0, |e| e.seq))
        })
    }

    pub async fn ticket(&self, id: TicketId) -> Result<Ticket, ApiError> {
        let now = self.store.clock().now();
        self.store.read(move |c| sql::get(c, id, now)).await?.ok_or_else(|| ApiError::not_found("no such ticket"))
    }

    /// Moves a ticket one state on (`bump`) or back (`recall`).
    pub fn step(tx: &mut WriteTx<'_>, who: &AuthStaff, id: TicketId, forward: bool) -> Result<Ticket, ApiError> {
        let now = tx.now();
        let ticket = sql::get(tx.conn(), id, now)?.ok_or_else(|| ApiError::not_found("no such ticket"))?;
        let next = if forward { model::bumped(ticket.status) } else { model::recalled(ticket.status) };
        let Some(next) = next else {
            return Err(ApiError::conflict(if forward {
                "this ticket is already served"
            } else {
                "this ticket is new; nothing to recall"
            }));
        };
        sql::set_status(tx.conn(), id, next, now)?;
        let change = TicketStatusChanged {
            ticket_id: id,
            station_id: ticket.station_id,
            order_id: ticket.order_id,
            status: next,
        };
        tx.append(who.actor(), if forward { Event::TicketBumped(change) } else { Event::TicketRecalled(change) })?;
        sql::get(tx.conn(), id, now)?.ok_or_else(|| ApiError::not_found("no such ticket"))
    }
}

/// The tickets one event calls for, written in the caller's transaction.
fn make_tickets(tx: &mut WriteTx<'_>, event: &StoredEvent) -> Result<(), StoreError> {
    // Belt and braces: the cursor already guarantees one pass per event.
    if sql::count_from(tx.conn(), event.seq)? > 0 {
        return Ok(());
    }
    let now = comanda_store::truncate_to_micros(tx.now());
    let tickets: Vec<Ticket> = match event.event_type.as_str() {
        "order.sent" => {
            let sent: OrderSent = serde_json::from_value(event.data.clone())?;
            model::split_by_station(&sent.lines)
                .into_iter()
                .map(|(station_id, lines)| Ticket {
                    id: TicketId::new(),
                    station_id,
                    order_id: sent.order_id,
                    number: sent.number,
                    table_name: sent.table_name.clone(),
                    waiter_name: sent.waiter_name.clone(),
                    course: sent.course,
                    kind: TicketKind::Order,
                    status: TicketStatus::New,
                    lines,
                    created_at: now,
                    status_at: now,
                    age_seconds: 0,
                })
                .collect()
        }
        "order.line_voided" => {
            let voided: LineVoided = serde_json::from_value(event.data.clone())?;
            if !voided.after_send {
                return Ok(());
            }
            vec![Ticket {
                id: TicketId::new(),
                station_id: voided.line.station_id,
                order_id: voided.order_id,
                number: voided.number,
                table_name: voided.table_name.clone(),
                waiter_name: String::new(),
                course: Some(voided.line.course),
                kind: TicketKind::Void,
                status: TicketStatus::New,
                lines: vec![voided.line],
                created_at: now,
                status_at: now,
                age_seconds: 0,
            }]
        }
        _ => return Ok(()),
    };
    for t in tickets {
        sql::insert(tx.conn(), &t, event.seq)?;
        tx.append(
            Actor::System,
            Event::TicketCreated(TicketCreated {
                ticket_id: t.id,
                station_id: t.station_id,
                order_id: t.order_id,
                number: t.number,
                table_name: t.table_name,
                waiter_name: t.waiter_name,
                course: t.course,
                kind: t.kind,
                lines: t.lines,
            }),
        )?;
    }
    Ok(())
}

/// Tickets by state, `(status, count)` (for `/metrics`).
pub fn tickets_by_status(conn: &comanda_store::rusqlite::Connection) -> Result<Vec<(String, i64)>, StoreError> {
    let mut stmt =
        conn.prepare_cached("SELECT status, COUNT(*) FROM kitchen_tickets GROUP BY status ORDER BY status")?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}
