//! The orders service: a table's order from seating to payment — lines by seat and course,
//! sending to the kitchen (all, or one course), voids, comps, moves and merges.
//!
//! Owns the `orders_*` tables. It asks the menu for prices and availability and the tables
//! service for tables (their Rust APIs, inside the same transaction), and it never talks to
//! the kitchen: it appends `order.sent` and the kitchen, a bus subscriber, makes the tickets.
//! Lines copy names, prices, tax rates and costs at the moment they are ordered.

pub mod api;
pub mod model;
mod sql;

use axum::extract::FromRef;
use comanda_api::ApiError;
use comanda_domain::{
    Event, LineComped, LineVoided, LinesAdded, OrderClosed, OrderId, OrderLineId, OrderMoved, OrderOpened, OrderSent,
    StaffId, TableId,
};
use comanda_staff::{Auth, AuthStaff, Staff};
use comanda_store::{Migration, Migrations, Store, WriteTx};

pub use api::router;
use model::{CheckedLine, LineStatus, Order, OrderStatus};

pub const MIGRATIONS: Migrations = Migrations {
    service: "orders",
    steps: &[
        Migration { version: 1, name: "init", sql: include_str!("../migrations/0001_init.sql") },
        Migration { version: 2, name: "version", sql: include_str!("../migrations/0002_version.sql") },
    ],
};

#[derive(Clone, Debug)]
pub struct Orders {
    store: Store,
    staff: Staff,
}

impl FromRef<Orders> for Auth {
    fn from_ref(orders: &Orders) -> Auth {
        orders.staff.auth().clone()
    }
}

fn not_found() -> ApiError {
    ApiError::not_found("no such order")
}

/// The order as it is now, inside a transaction; 404 if there is none.
pub fn order_in(conn: &comanda_store::rusqlite::Connection, id: OrderId) -> Result<Order, ApiError> {
    Ok(sql::order(conn, id)?.ok_or_else(not_found)?.0)
}

fn open_order(tx: &WriteTx<'_>, id: OrderId) -> Result<(Order, u32), ApiError> {
    let (order, sends) = sql::order(tx.conn(), id)?.ok_or_else(not_found)?;
    if order.status == OrderStatus::Closed {
        return Err(ApiError::conflict(format!("order {} is closed", order.number)));
    }
    Ok((order, sends))
}

/// An open order that may still change: not locked by a payment. Bumps its version, so any
/// bill made before this change is out of date.
fn changing_order(tx: &WriteTx<'_>, id: OrderId) -> Result<(Order, u32), ApiError> {
    let (order, sends) = open_order(tx, id)?;
    if order.locked {
        return Err(ApiError::conflict(format!(
            "payment has started on order {}'s bill, so it can no longer change; open a new order for more",
            order.number
        )));
    }
    sql::bump_version(tx.conn(), id)?;
    Ok((order, sends))
}

fn table_for_order(tx: &WriteTx<'_>, id: TableId) -> Result<comanda_tables::TableInfo, ApiError> {
    match comanda_tables::table(tx.conn(), id)? {
        Some(t) if t.active => Ok(t),
        _ => Err(ApiError::validation("table_id: no such table")),
    }
}

impl Orders {
    pub fn new(store: Store, staff: Staff) -> Self {
        Self { store, staff }
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub async fn get(&self, id: OrderId) -> Result<Order, ApiError> {
        self.store.read(move |c| order_in(c, id)).await
    }

    /// Seats a table: one open order per table (add to it, or move it, instead).
    pub fn open(tx: &mut WriteTx<'_>, who: &AuthStaff, table_id: TableId, guests: u32) -> Result<Order, ApiError> {
        let guests = model::guests(guests)?;
        let table = table_for_order(tx, table_id)?;
        if sql::open_order_on_table(tx.conn(), table_id)?.is_some() {
            return Err(ApiError::conflict(format!("{} already has an open order; add to it or move it", table.name)));
        }
        let id = OrderId::new();
        let number = sql::next_number(tx.conn())?;
        let now = tx.now();
        sql::insert_order(
            tx.conn(),
            &sql::NewOrder {
                id,
                number,
                table_id,
                table_name: &table.name,
                guests,
                waiter_id: who.id,
                waiter_name: &who.name,
                now,
            },
        )?;
        tx.append(
            who.actor(),
            Event::OrderOpened(OrderOpened {
                order_id: id,
                number,
                table_id,
                table_name: table.name,
                guests,
                waiter_id: who.id,
            }),
        )?;
        order_in(tx.conn(), id)
    }

    /// Adds lines, each checked against the menu as it is now (prices copied, 86'd refused).
    pub fn add_lines(
        tx: &mut WriteTx<'_>,
        who: &AuthStaff,
        id: OrderId,
        lines: &[CheckedLine],
    ) -> Result<Order, ApiError> {
        let (order, _) = changing_order(tx, id)?;
        if sql::line_count(tx.conn(), id)? + lines.len() > model::LINES_PER_ORDER {
            return Err(ApiError::conflict(format!("an order holds at most {} lines", model::LINES_PER_ORDER)));
        }
        let now = tx.now();
        let mut added = Vec::with_capacity(lines.len());
        for (i, line) in lines.iter().enumerate() {
            let request = comanda_menu::LineRequest {
                item_id: line.item_id,
                modifier_option_ids: line.modifier_option_ids.clone(),
            };
            let item = comanda_menu::resolve(tx.conn(), &request)
                .map_err(|e| ApiError::new(e.status(), e.code(), format!("lines[{i}]: {}", e.message())))?;
            model::line_total(item.unit_price, line.quantity, LineStatus::Unsent, false)?;
            if let Some(seat) = line.seat
                && seat > order.guests.max(1) * 2 + 10
            {
                return Err(ApiError::validation(format!("lines[{i}].seat: the table has {} guests", order.guests)));
            }
            let line_id = OrderLineId::new();
            sql::insert_line(
                tx.conn(),
                &sql::NewLine {
                    id: line_id,
                    order_id: id,
                    item: &item,
                    quantity: line.quantity,
                    seat: line.seat,
                    course: line.course,
                    note: line.note.as_deref(),
                    added_by: who.id,
                    now,
                },
            )?;
            added.push(line_id);
        }
        let order = order_in(tx.conn(), id)?;
        let data = order.lines.iter().filter(|l| added.contains(&l.id)).map(|l| l.data()).collect();
        tx.append(who.actor(), Event::OrderLinesAdded(LinesAdded { order_id: id, lines: data }))?;
        Ok(order)
    }

    /// Fires unsent lines (all, or one course) to the kitchen.
    pub fn send(tx: &mut WriteTx<'_>, who: &AuthStaff, id: OrderId, course: Option<u32>) -> Result<Order, ApiError> {
        let (order, sends) = changing_order(tx, id)?;
        let firing: Vec<_> = model::to_send(&order.lines, course).into_iter().map(|l| l.data()).collect();
        if firing.is_empty() {
            return Err(ApiError::conflict(match course {
                Some(c) => format!("nothing unsent in course {c}"),
                None => "nothing to send: every line is already with the kitchen".to_owned(),
            }));
        }
        let send_no = sends + 1;
        let ids: Vec<OrderLineId> = firing.iter().map(|l| l.line_id).collect();
        sql::mark_sent(tx.conn(), &ids, send_no, tx.now())?;
        sql::set_sends(tx.conn(), id, send_no)?;
        tx.append(
            who.actor(),
            Event::OrderSent(OrderSent {
                order_id: id,
                number: order.number,
                table_id: order.table_id,
                table_name: order.table_name.clone(),
                waiter_id: order.waiter_id,
                waiter_name: order.waiter_name.clone(),
                course,
                send_no,
                lines: firing,
            }),
        )?;
        order_in(tx.conn(), id)
    }

    /// Is this line with the kitchen already? (A void then needs a manager's approval.)
    pub async fn line_was_sent(&self, order: OrderId, line: OrderLineId) -> Result<bool, ApiError> {
        let found = self.get(order).await?.lines.into_iter().find(|l| l.id == line);
        let line = found.ok_or_else(|| ApiError::not_found("no such line on this order"))?;
        Ok(line.status == LineStatus::Sent)
    }

    pub fn staff(&self) -> &Staff {
        &self.staff
    }

    /// Voids a line. Before send it is free; after send it needs `approved_by` (a manager)
    /// and the kitchen gets a VOID ticket.
    pub fn void(
        tx: &mut WriteTx<'_>,
        who: &AuthStaff,
        id: OrderId,
        line_id: OrderLineId,
        reason: &str,
        approved_by: Option<StaffId>,
    ) -> Result<Order, ApiError> {
        let reason = model::reason(reason)?;
        let (order, _) = changing_order(tx, id)?;
        let line = order
            .lines
            .iter()
            .find(|l| l.id == line_id)
            .ok_or_else(|| ApiError::not_found("no such line on this order"))?;
        let after_send = match line.status {
            LineStatus::Voided => return Err(ApiError::conflict("this line is already voided")),
            LineStatus::Sent => true,
            LineStatus::Unsent => false,
        };
        if after_send && approved_by.is_none() {
            return Err(ApiError::forbidden("Manager PIN needed to void a sent item"));
        }
        sql::void_line(tx.conn(), line_id, &reason, approved_by, after_send, tx.now())?;
        tx.append(
            who.actor(),
            Event::OrderLineVoided(LineVoided {
                order_id: id,
                number: order.number,
                table_name: order.table_name.clone(),
                line: line.data(),
                reason,
                approved_by,
                after_send,
            }),
        )?;
        order_in(tx.conn(), id)
    }

    /// Gives a line away (it still goes to the kitchen; the guest does not pay for it).
    pub fn comp(
        tx: &mut WriteTx<'_>,
        who: &AuthStaff,
        id: OrderId,
        line_id: OrderLineId,
        reason: &str,
        approved_by: StaffId,
    ) -> Result<Order, ApiError> {
        let reason = model::reason(reason)?;
        let (order, _) = changing_order(tx, id)?;
        let line = order
            .lines
            .iter()
            .find(|l| l.id == line_id)
            .ok_or_else(|| ApiError::not_found("no such line on this order"))?;
        if line.status == LineStatus::Voided || line.comped {
            return Err(ApiError::conflict("this line is voided or already comped"));
        }
        let amount = line.total;
        sql::comp_line(tx.conn(), line_id, &reason, approved_by)?;
        tx.append(
            who.actor(),
            Event::OrderLineComped(LineComped { order_id: id, line_id, amount, reason, approved_by }),
        )?;
        order_in(tx.conn(), id)
    }

    /// Moves the order to another table; if that table has an open order, merges into it.
    /// Answers the order that now holds the lines.
    pub fn move_to(tx: &mut WriteTx<'_>, who: &AuthStaff, id: OrderId, table_id: TableId) -> Result<Order, ApiError> {
        let (order, _) = changing_order(tx, id)?;
        if order.table_id == table_id {
            return Err(ApiError::validation("table_id: the order is already at this table"));
        }
        let target = table_for_order(tx, table_id)?;
        let merged_into = sql::open_order_on_table(tx.conn(), table_id)?;
        let holder = match merged_into {
            Some(into) => {
                // The order merged into changes too: its bills are out of date.
                changing_order(tx, into)?;
                sql::move_lines(tx.conn(), id, into)?;
                sql::add_guests(tx.conn(), into, order.guests)?;
                sql::close(tx.conn(), id, Some(into), tx.now())?;
                into
            }
            None => {
                sql::move_to_table(tx.conn(), id, table_id, &target.name)?;
                id
            }
        };
        tx.append(
            who.actor(),
            Event::OrderMoved(OrderMoved {
                order_id: id,
                from_table_id: order.table_id,
                to_table_id: table_id,
                merged_into,
            }),
        )?;
        order_in(tx.conn(), holder)
    }

    /// Locks an order once money has been taken on its bill: from then on it cannot change.
    pub fn lock(tx: &mut WriteTx<'_>, id: OrderId) -> Result<(), ApiError> {
        open_order(tx, id)?;
        sql::lock(tx.conn(), id)?;
        Ok(())
    }

    /// Closes an order once it is settled. Billing calls this when the bill is paid; the
    /// close endpoint calls it for an order with nothing to pay (guests left, all voided).
    pub fn close(tx: &mut WriteTx<'_>, actor: comanda_domain::Actor, id: OrderId) -> Result<Order, ApiError> {
        let (order, _) = open_order(tx, id)?;
        sql::close(tx.conn(), id, None, tx.now())?;
        tx.append(actor, Event::OrderClosed(OrderClosed { order_id: id, table_id: order.table_id }))?;
        order_in(tx.conn(), id)
    }

    /// Closes an order with nothing to pay; anything else is settled through its bill.
    pub fn close_unpaid(tx: &mut WriteTx<'_>, who: &AuthStaff, id: OrderId) -> Result<Order, ApiError> {
        let (order, _) = open_order(tx, id)?;
        if order.subtotal != comanda_domain::Money::ZERO {
            return Err(ApiError::conflict("this order has something to pay; settle its bill to close it"));
        }
        if order.lines.iter().any(|l| l.status == LineStatus::Unsent) {
            return Err(ApiError::conflict("send or void the unsent lines first"));
        }
        Self::close(tx, who.actor(), id)
    }
}

/// How many orders are open (for `/metrics`).
/// The open order on `table`, if any (reservations check a table is free before seating).
pub fn open_order_on_table(
    conn: &comanda_store::rusqlite::Connection,
    table: TableId,
) -> Result<Option<OrderId>, comanda_store::StoreError> {
    sql::open_order_on_table(conn, table)
}

pub fn open_count(conn: &comanda_store::rusqlite::Connection) -> Result<i64, comanda_store::StoreError> {
    Ok(conn.query_row("SELECT COUNT(*) FROM orders_orders WHERE status = 'open'", [], |r| r.get(0))?)
}
