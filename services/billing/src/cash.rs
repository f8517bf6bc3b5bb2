//! The cash drawer: a session from opening float to close. The X report shows a session's
//! numbers at any time; closing with the counted cash gives the Z report: expected against
//! counted, by payment method, tips and refunds.
//!
//! Expected cash = float + cash payments + cash tips (they go in the drawer too) − cash
//! refunds + cash in − cash out. Change handed back is already netted: the drawer keeps
//! `amount + tip` of each cash payment.

use comanda_api::{ApiError, validate};
use comanda_domain::{
    CashMoved, CashSessionClosed, CashSessionId, CashSessionOpened, Event, Money, PaymentMethod, StaffId,
};
use comanda_staff::AuthStaff;
use comanda_store::WriteTx;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;

use crate::model::MAX_AMOUNT;
use crate::sql::{self, SessionRow};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct MethodTotal {
    pub method: PaymentMethod,
    pub payments: i64,
    pub amount: Money,
    pub tips: Money,
    pub refunds: Money,
}

/// An X report (session open) or Z report (session closed).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CashReport {
    pub session_id: CashSessionId,
    /// `x` while the session is open, `z` once closed.
    pub kind: String,
    pub opened_by: StaffId,
    #[serde(with = "time::serde::rfc3339")]
    pub opened_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub closed_at: Option<OffsetDateTime>,
    pub opening_float: Money,
    pub by_method: Vec<MethodTotal>,
    pub cash_in: Money,
    pub cash_out: Money,
    pub tips: Money,
    pub refunds: Money,
    /// What should be in the drawer.
    pub expected_cash: Money,
    pub counted_cash: Option<Money>,
    /// counted − expected (negative: cash is missing).
    pub difference: Option<Money>,
}

fn overflow(_: comanda_domain::MoneyError) -> ApiError {
    ApiError::validation("amounts out of range")
}

pub fn report(conn: &comanda_store::rusqlite::Connection, session: &SessionRow) -> Result<CashReport, ApiError> {
    let totals = sql::session_totals(conn, session.id)?;
    let methods = [PaymentMethod::Cash, PaymentMethod::Card, PaymentMethod::Other];
    let by_method: Vec<MethodTotal> = methods
        .iter()
        .map(|m| {
            let paid = totals.by_method.iter().find(|(pm, ..)| pm == m);
            let refunds = totals.refunds.iter().find(|(pm, _)| pm == m).map(|(_, a)| *a).unwrap_or(Money::ZERO);
            MethodTotal {
                method: *m,
                payments: paid.map(|p| p.1).unwrap_or(0),
                amount: paid.map(|p| p.2).unwrap_or(Money::ZERO),
                tips: paid.map(|p| p.3).unwrap_or(Money::ZERO),
                refunds,
            }
        })
        .collect();
    let cash = by_method
        .iter()
        .find(|m| m.method == PaymentMethod::Cash)
        .cloned()
        .ok_or_else(|| ApiError::internal("no cash row"))?;
    let expected = Money::checked_sum([session.opening_float, cash.amount, cash.tip_in_drawer(), totals.cash_in])
        .and_then(|m| m.checked_sub(cash.refunds))
        .and_then(|m| m.checked_sub(totals.cash_out))
        .map_err(overflow)?;
    let tips = Money::checked_sum(by_method.iter().map(|m| m.tips)).map_err(overflow)?;
    let refunds = Money::checked_sum(by_method.iter().map(|m| m.refunds)).map_err(overflow)?;
    let difference = session.counted.map(|c| c.checked_sub(expected)).transpose().map_err(overflow)?;
    Ok(CashReport {
        session_id: session.id,
        kind: if session.closed_at.is_some() { "z".into() } else { "x".into() },
        opened_by: session.opened_by,
        opened_at: session.opened_at,
        closed_at: session.closed_at,
        opening_float: session.opening_float,
        by_method,
        cash_in: totals.cash_in,
        cash_out: totals.cash_out,
        tips,
        refunds,
        expected_cash: expected,
        counted_cash: session.counted,
        difference,
    })
}

impl MethodTotal {
    fn tip_in_drawer(&self) -> Money {
        if self.method == PaymentMethod::Cash { self.tips } else { Money::ZERO }
    }
}

pub fn open(tx: &mut WriteTx<'_>, who: &AuthStaff, opening_float: i64) -> Result<CashReport, ApiError> {
    validate::range("opening_float", opening_float, 0, MAX_AMOUNT)?;
    if sql::open_session(tx.conn())?.is_some() {
        return Err(ApiError::conflict("a cash session is already open; close it first"));
    }
    let id = CashSessionId::new();
    let float = Money::from_minor(opening_float);
    sql::insert_session(tx.conn(), id, who.id, float, tx.now())?;
    tx.append(who.actor(), Event::CashSessionOpened(CashSessionOpened { session_id: id, opening_float: float }))?;
    let session = sql::session(tx.conn(), id)?.ok_or_else(|| ApiError::internal("session vanished"))?;
    report(tx.conn(), &session)
}

fn open_session_by_id(tx: &WriteTx<'_>, id: CashSessionId) -> Result<SessionRow, ApiError> {
    let session = sql::session(tx.conn(), id)?.ok_or_else(|| ApiError::not_found("no such cash session"))?;
    if session.closed_at.is_some() {
        return Err(ApiError::conflict("this cash session is closed"));
    }
    Ok(session)
}

/// Cash put in (change from the bank) or taken out (paid a supplier) of the drawer.
pub fn move_cash(
    tx: &mut WriteTx<'_>,
    who: &AuthStaff,
    id: CashSessionId,
    kind: &str,
    amount: i64,
    reason: &str,
) -> Result<CashReport, ApiError> {
    if !matches!(kind, "in" | "out") {
        return Err(ApiError::validation("kind must be in or out"));
    }
    validate::range("amount", amount, 1, MAX_AMOUNT)?;
    let reason = validate::text("reason", reason, 1, 200)?;
    let session = open_session_by_id(tx, id)?;
    let amount = Money::from_minor(amount);
    sql::insert_movement(tx.conn(), id, kind, amount, &reason, who.id, tx.now())?;
    tx.append(who.actor(), Event::CashMoved(CashMoved { session_id: id, kind: kind.to_owned(), amount, reason }))?;
    report(tx.conn(), &session)
}

/// Closes the session with the cash counted in the drawer: the Z report.
pub fn close(tx: &mut WriteTx<'_>, who: &AuthStaff, id: CashSessionId, counted: i64) -> Result<CashReport, ApiError> {
    validate::range("counted", counted, 0, MAX_AMOUNT)?;
    let session = open_session_by_id(tx, id)?;
    let x = report(tx.conn(), &session)?;
    let counted = Money::from_minor(counted);
    sql::close_session(tx.conn(), id, who.id, x.expected_cash, counted, tx.now())?;
    let difference = counted.checked_sub(x.expected_cash).map_err(overflow)?;
    tx.append(
        who.actor(),
        Event::CashSessionClosed(CashSessionClosed { session_id: id, expected: x.expected_cash, counted, difference }),
    )?;
    let closed = sql::session(tx.conn(), id)?.ok_or_else(|| ApiError::internal("session vanished"))?;
    report(tx.conn(), &closed)
}

pub fn current(conn: &comanda_store::rusqlite::Connection) -> Result<CashReport, ApiError> {
    let session = sql::open_session(conn)?.ok_or_else(|| ApiError::not_found("no cash session is open"))?;
    report(conn, &session)
}

pub fn by_id(conn: &comanda_store::rusqlite::Connection, id: CashSessionId) -> Result<CashReport, ApiError> {
    let session = sql::session(conn, id)?.ok_or_else(|| ApiError::not_found("no such cash session"))?;
    report(conn, &session)
}
