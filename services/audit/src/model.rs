//! The audit trail's rules, pure and I/O-free: which events are audit-worthy, how a query is
//! read, and the one human sentence that sums up each entry. Most of the crate's tests live here.

use std::collections::HashMap;

use comanda_api::{ApiError, PageParams};
use comanda_domain::{
    Actor, BillDiscounted, CashMoved, CashSessionClosed, CashSessionOpened, ItemChanged, LineComped, LineVoided, Money,
    PaymentRefunded, StaffChanged, StaffId, StaffSnapshot,
};
use comanda_store::StoredEvent;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use utoipa::{IntoParams, ToSchema};

/// The event types the audit trail shows: money given away or taken back, the cash drawer,
/// price changes and who may log in. `menu.item_changed` only when the price changed.
pub const AUDIT_TYPES: [&str; 12] = [
    "order.line_voided",
    "order.line_comped",
    "bill.discounted",
    "payment.refunded",
    "menu.item_changed",
    "cash.session_opened",
    "cash.moved",
    "cash.session_closed",
    "staff.created",
    "staff.updated",
    "staff.deactivated",
    "staff.credentials_changed",
];

/// Whether an event of the log belongs in the audit trail.
pub fn is_audit_worthy(event_type: &str, data: &serde_json::Value) -> bool {
    AUDIT_TYPES.contains(&event_type) && (event_type != "menu.item_changed" || price_changed(data))
}

fn price_changed(data: &serde_json::Value) -> bool {
    let money = |field: &str| data.get(field).and_then(serde_json::Value::as_i64);
    match (money("previous_price"), money("price")) {
        (Some(before), Some(after)) => before != after,
        (Some(_), None) => true,
        (None, _) => false,
    }
}

/// `GET /audit` query parameters, as sent.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditParams {
    /// Entries at or after this instant (RFC 3339).
    pub from: Option<String>,
    /// Entries before this instant (RFC 3339).
    pub to: Option<String>,
    /// One of the audit-worthy event types, e.g. `order.line_voided`.
    #[serde(rename = "type")]
    pub event_type: Option<String>,
    /// Only entries by this member of staff (or `system`).
    pub staff_id: Option<String>,
    /// How many entries, 1–200 (default 50).
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page: entries below this `seq`.
    pub cursor: Option<String>,
}

/// A query of the trail, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditFilter {
    pub types: Vec<String>,
    pub actor: Option<Actor>,
    pub from: Option<OffsetDateTime>,
    pub to: Option<OffsetDateTime>,
    pub before_seq: Option<u64>,
    pub limit: u32,
}

fn instant(field: &str, raw: Option<&str>) -> Result<Option<OffsetDateTime>, ApiError> {
    raw.map(|raw| {
        OffsetDateTime::parse(raw, &Rfc3339).map_err(|_| {
            let hint = if raw.contains(' ') { " (write a `+` offset as %2B in a URL)" } else { "" };
            ApiError::bad_request(format!("{field} must be an RFC 3339 instant such as 2026-11-21T20:15:00Z{hint}"))
        })
    })
    .transpose()
}

impl AuditParams {
    /// Malformed values are 400; an unknown type or a backwards range is 422.
    pub fn filter(&self) -> Result<AuditFilter, ApiError> {
        let types = match self.event_type.as_deref() {
            None => AUDIT_TYPES.iter().map(|t| (*t).to_owned()).collect(),
            Some(t) if AUDIT_TYPES.contains(&t) => vec![t.to_owned()],
            Some(t) => {
                return Err(ApiError::validation(format!(
                    "type {t:?} is not in the audit trail; use one of {}",
                    AUDIT_TYPES.join(", ")
                )));
            }
        };
        let actor = self
            .staff_id
            .as_deref()
            .map(|s| s.parse::<Actor>().map_err(|_| ApiError::bad_request("staff_id must be a staff id or `system`")))
            .transpose()?;
        let from = instant("from", self.from.as_deref())?;
        let to = instant("to", self.to.as_deref())?;
        if let (Some(from), Some(to)) = (from, to)
            && to < from
        {
            return Err(ApiError::validation("to must not be before from"));
        }
        let before_seq = self
            .cursor
            .as_deref()
            .map(|c| c.parse::<u64>().map_err(|_| ApiError::bad_request("malformed cursor")))
            .transpose()?;
        let limit = PageParams { limit: self.limit, cursor: None }.limit();
        Ok(AuditFilter { types, actor, from, to, before_seq, limit })
    }
}

/// One line of the audit trail.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AuditEntry {
    /// The event's place in the log; also what `cursor` pages by.
    pub seq: u64,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    #[serde(rename = "type")]
    pub event_type: String,
    /// A staff id, or `system`.
    #[schema(value_type = String)]
    pub actor: Actor,
    /// The actor's name today; null for `system` or someone unknown to the box.
    pub actor_name: Option<String>,
    /// The manager who approved it, when the event needed one.
    pub approved_by: Option<StaffId>,
    pub approved_by_name: Option<String>,
    pub reason: Option<String>,
    /// One sentence for people, e.g. "Voided 2 × Ribeye on table T4 (order 12): wrong
    /// cooking — approved by Marta".
    pub summary: String,
    /// The event's payload, as logged.
    pub data: serde_json::Value,
}

/// Everyone an entry names: its actor, its approver, and whose credentials changed.
pub fn people(event_type: &str, actor: Actor, data: &serde_json::Value) -> Vec<StaffId> {
    let mut ids: Vec<StaffId> = actor.staff_id().into_iter().collect();
    ids.extend(approver(data));
    if event_type == "staff.credentials_changed"
        && let Some(subject) = data.get("staff_id").and_then(|v| v.as_str()).and_then(|s| s.parse().ok())
    {
        ids.push(subject);
    }
    ids
}

fn approver(data: &serde_json::Value) -> Option<StaffId> {
    data.get("approved_by").and_then(|v| v.as_str()).and_then(|s| s.parse().ok())
}

/// Names of staff, by id, for the sentences.
pub type Names = HashMap<StaffId, String>;

fn name_of(names: &Names, id: StaffId) -> String {
    names.get(&id).cloned().unwrap_or_else(|| format!("staff {id}"))
}

/// The entry for a logged event.
pub fn entry(event: StoredEvent, names: &Names, currency: Option<&str>) -> AuditEntry {
    let approved_by = approver(&event.data);
    AuditEntry {
        seq: event.seq,
        at: event.at,
        actor_name: event.actor.staff_id().and_then(|id| names.get(&id).cloned()),
        approved_by,
        approved_by_name: approved_by.and_then(|id| names.get(&id).cloned()),
        reason: event.data.get("reason").and_then(|v| v.as_str()).map(str::to_owned),
        summary: summary(&event.event_type, &event.data, names, currency),
        actor: event.actor,
        event_type: event.event_type,
        data: event.data,
    }
}

fn amount(m: Money, currency: Option<&str>) -> String {
    match currency {
        Some(code) => format!("{m} {code}"),
        None => m.to_string(),
    }
}

/// The one sentence an entry is summed up in.
pub fn summary(event_type: &str, data: &serde_json::Value, names: &Names, currency: Option<&str>) -> String {
    fn read<T: DeserializeOwned>(data: &serde_json::Value) -> Option<T> {
        serde_json::from_value(data.clone()).ok()
    }
    let money = |m: Money| amount(m, currency);
    let approval =
        |id: Option<StaffId>| id.map(|id| format!(" — approved by {}", name_of(names, id))).unwrap_or_default();
    let sentence = match event_type {
        "order.line_voided" => read::<LineVoided>(data).map(|v| {
            format!(
                "Voided {} × {} on table {} (order {}): {}{}",
                v.line.quantity,
                v.line.name,
                v.table_name,
                v.number,
                v.reason,
                approval(v.approved_by)
            )
        }),
        "order.line_comped" => read::<LineComped>(data)
            .map(|c| format!("Comped a line worth {}: {}{}", money(c.amount), c.reason, approval(Some(c.approved_by)))),
        "bill.discounted" => read::<BillDiscounted>(data).map(|d| {
            let what = if d.kind == "percent" {
                format!("{} % off a bill ({})", d.value, money(d.amount))
            } else {
                format!("{} off a bill", money(d.amount))
            };
            format!("Gave {what}: {}{}", d.reason, approval(Some(d.approved_by)))
        }),
        "payment.refunded" => read::<PaymentRefunded>(data).map(|r| {
            format!(
                "Refunded {} of a {} payment: {}{}",
                money(r.amount),
                r.method.as_str(),
                r.reason,
                approval(Some(r.approved_by))
            )
        }),
        "menu.item_changed" => read::<ItemChanged>(data).map(|i| match i.previous_price {
            Some(before) => format!("Changed the price of {} from {} to {}", i.name, money(before), money(i.price)),
            None => format!("Changed {}", i.name),
        }),
        "cash.session_opened" => read::<CashSessionOpened>(data)
            .map(|o| format!("Opened the cash drawer with a float of {}", money(o.opening_float))),
        "cash.moved" => read::<CashMoved>(data).map(|m| match m.kind.as_str() {
            "in" => format!("Put {} into the cash drawer: {}", money(m.amount), m.reason),
            "out" => format!("Took {} out of the cash drawer: {}", money(m.amount), m.reason),
            other => format!("Moved {} ({other}) in the cash drawer: {}", money(m.amount), m.reason),
        }),
        "cash.session_closed" => read::<CashSessionClosed>(data).map(|c| {
            let difference = match c.difference.minor() {
                0 => "exact".to_owned(),
                d if d < 0 => format!("{} short", money(Money::from_minor(d.saturating_abs()))),
                _ => format!("{} over", money(c.difference)),
            };
            format!(
                "Closed the cash drawer: counted {}, expected {} ({difference})",
                money(c.counted),
                money(c.expected)
            )
        }),
        "staff.created" => {
            read::<StaffSnapshot>(data).map(|s| format!("Added {} ({}) as {}", s.name, s.username, s.role))
        }
        "staff.updated" => read::<StaffSnapshot>(data).map(|s| {
            let state = if s.active { "active" } else { "inactive" };
            format!("Updated {} ({}): {}, {state}", s.name, s.username, s.role)
        }),
        "staff.deactivated" => read::<StaffSnapshot>(data).map(|s| format!("Deactivated {} ({})", s.name, s.username)),
        "staff.credentials_changed" => read::<StaffChanged>(data).map(|c| {
            let what = match (c.password, c.pin) {
                (true, true) => "password and PIN",
                (true, false) => "password",
                (false, true) => "PIN",
                (false, false) => "credentials",
            };
            format!("Changed the {what} of {}", name_of(names, c.staff_id))
        }),
        _ => None,
    };
    sentence.unwrap_or_else(|| format!("{event_type} (details unreadable)"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use comanda_domain::{
        CashSessionId, CategoryId, ItemId, LineData, OrderId, OrderLineId, PaymentId, PaymentMethod, RefundId, Role,
        StationId, TaxRate,
    };
    use serde_json::json;

    fn data(event: comanda_domain::Event) -> (String, serde_json::Value) {
        event.into_parts()
    }

    #[test]
    fn every_audit_worthy_event_reads_as_one_sentence() {
        use comanda_domain::Event::*;
        let marta = StaffId::new();
        let ana = StaffId::new();
        let gone = StaffId::new();
        let names: Names = [(marta, "Marta".to_owned()), (ana, "Ana".to_owned())].into();
        let eur = |minor| Money::from_minor(minor);
        let snapshot = |active| StaffSnapshot {
            staff_id: ana,
            name: "Ana".into(),
            username: "ana".into(),
            role: Role::Waiter,
            active,
        };
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
        let item = |previous_price| ItemChanged {
            item_id: ItemId::new(),
            category_id: CategoryId::new(),
            name: "Ribeye".into(),
            price: eur(2600),
            previous_price,
            tax_rate_bp: TaxRate::from_bp(1000).expect("rate"),
            station_id: StationId::new(),
            available: true,
            active: true,
        };
        let (session_id, order_id) = (CashSessionId::new(), OrderId::new());
        // (event, summary)
        let table = [
            (
                OrderLineVoided(LineVoided {
                    order_id,
                    number: 12,
                    table_name: "T4".into(),
                    line: line.clone(),
                    reason: "wrong cooking".into(),
                    approved_by: Some(marta),
                    after_send: true,
                }),
                "Voided 2 × Ribeye on table T4 (order 12): wrong cooking — approved by Marta",
            ),
            (
                OrderLineVoided(LineVoided {
                    order_id,
                    number: 12,
                    table_name: "T4".into(),
                    line,
                    reason: "typo".into(),
                    approved_by: None,
                    after_send: false,
                }),
                "Voided 2 × Ribeye on table T4 (order 12): typo",
            ),
            (
                OrderLineComped(LineComped {
                    order_id,
                    line_id: OrderLineId::new(),
                    amount: eur(1800),
                    reason: "waited too long".into(),
                    approved_by: marta,
                }),
                "Comped a line worth 18.00 EUR: waited too long — approved by Marta",
            ),
            (
                BillDiscounted(comanda_domain::BillDiscounted {
                    bill_id: comanda_domain::BillId::new(),
                    order_id,
                    kind: "percent".into(),
                    value: 10,
                    amount: eur(540),
                    reason: "birthday".into(),
                    approved_by: marta,
                }),
                "Gave 10 % off a bill (5.40 EUR): birthday — approved by Marta",
            ),
            (
                BillDiscounted(comanda_domain::BillDiscounted {
                    bill_id: comanda_domain::BillId::new(),
                    order_id,
                    kind: "amount".into(),
                    value: 500,
                    amount: eur(500),
                    reason: "regular".into(),
                    approved_by: gone,
                }),
                &*format!("Gave 5.00 EUR off a bill: regular — approved by staff {gone}"),
            ),
            (
                PaymentRefunded(comanda_domain::PaymentRefunded {
                    refund_id: RefundId::new(),
                    payment_id: PaymentId::new(),
                    bill_id: comanda_domain::BillId::new(),
                    method: PaymentMethod::Card,
                    amount: eur(1250),
                    reason: "charged twice".into(),
                    approved_by: marta,
                    cash_session_id: None,
                }),
                "Refunded 12.50 EUR of a card payment: charged twice — approved by Marta",
            ),
            (MenuItemChanged(item(Some(eur(2400)))), "Changed the price of Ribeye from 24.00 EUR to 26.00 EUR"),
            (
                CashSessionOpened(comanda_domain::CashSessionOpened { session_id, opening_float: eur(15000) }),
                "Opened the cash drawer with a float of 150.00 EUR",
            ),
            (
                CashMoved(comanda_domain::CashMoved {
                    session_id,
                    kind: "out".into(),
                    amount: eur(2000),
                    reason: "bread delivery".into(),
                }),
                "Took 20.00 EUR out of the cash drawer: bread delivery",
            ),
            (
                CashMoved(comanda_domain::CashMoved {
                    session_id,
                    kind: "in".into(),
                    amount: eur(5000),
                    reason: "change".into(),
                }),
                "Put 50.00 EUR into the cash drawer: change",
            ),
            (
                CashSessionClosed(comanda_domain::CashSessionClosed {
                    session_id,
                    expected: eur(50000),
                    counted: eur(48000),
                    difference: eur(-2000),
                }),
                "Closed the cash drawer: counted 480.00 EUR, expected 500.00 EUR (20.00 EUR short)",
            ),
            (
                CashSessionClosed(comanda_domain::CashSessionClosed {
                    session_id,
                    expected: eur(50000),
                    counted: eur(50000),
                    difference: eur(0),
                }),
                "Closed the cash drawer: counted 500.00 EUR, expected 500.00 EUR (exact)",
            ),
            (StaffCreated(snapshot(true)), "Added Ana (ana) as waiter"),
            (StaffUpdated(snapshot(true)), "Updated Ana (ana): waiter, active"),
            (StaffDeactivated(snapshot(false)), "Deactivated Ana (ana)"),
            (
                StaffCredentialsChanged(StaffChanged { staff_id: ana, password: false, pin: true }),
                "Changed the PIN of Ana",
            ),
            (
                StaffCredentialsChanged(StaffChanged { staff_id: ana, password: true, pin: true }),
                "Changed the password and PIN of Ana",
            ),
        ];
        for (event, expected) in table {
            let (ty, data) = data(event);
            assert!(is_audit_worthy(&ty, &data), "{ty}");
            assert_eq!(summary(&ty, &data, &names, Some("EUR")), expected, "{ty}");
        }
        // Before setup there is no currency: amounts stand alone.
        let (ty, d) = data(MenuItemChanged(item(Some(eur(2400)))));
        assert_eq!(summary(&ty, &d, &names, None), "Changed the price of Ribeye from 24.00 to 26.00");
        assert_eq!(summary("cash.moved", &json!({"kind": 3}), &names, None), "cash.moved (details unreadable)");
    }

    #[test]
    fn only_price_changes_of_the_menu_are_audit_worthy() {
        // (type, data, worthy)
        let table = [
            ("menu.item_changed", json!({"price": 2600, "previous_price": 2400}), true),
            ("menu.item_changed", json!({"price": 2600}), false),
            ("menu.item_changed", json!({"price": 2600, "previous_price": null}), false),
            ("menu.item_changed", json!({"price": 2600, "previous_price": 2600}), false),
            ("order.sent", json!({}), false),
            ("staff.clocked_in", json!({}), false),
            ("order.line_voided", json!({}), true),
        ];
        for (ty, data, worthy) in table {
            assert_eq!(is_audit_worthy(ty, &data), worthy, "{ty} {data}");
        }
    }

    #[test]
    fn queries_are_checked() {
        let ok = AuditParams {
            event_type: Some("cash.moved".into()),
            staff_id: Some("system".into()),
            from: Some("2026-11-21T00:00:00Z".into()),
            to: Some("2026-11-22T00:00:00+01:00".into()),
            limit: Some(500),
            cursor: Some("42".into()),
        }
        .filter()
        .expect("valid");
        assert_eq!(ok.types, ["cash.moved"]);
        assert_eq!((ok.actor, ok.before_seq, ok.limit), (Some(Actor::System), Some(42), 200));
        let all = AuditParams::default().filter().expect("valid");
        assert_eq!((all.types.len(), all.limit, all.actor), (12, 50, None));

        let text = |s: &str| Some(s.to_owned());
        // (query, expected status)
        let table = [
            (AuditParams { event_type: text("order.sent"), ..Default::default() }, 422),
            (AuditParams { event_type: text("bogus"), ..Default::default() }, 422),
            (AuditParams { from: text("yesterday"), ..Default::default() }, 400),
            (AuditParams { to: text("2026-11-21"), ..Default::default() }, 400),
            (AuditParams { staff_id: text("ana"), ..Default::default() }, 400),
            (AuditParams { cursor: text("-1"), ..Default::default() }, 400),
            (
                AuditParams {
                    from: text("2026-11-22T00:00:00Z"),
                    to: text("2026-11-21T00:00:00Z"),
                    ..Default::default()
                },
                422,
            ),
        ];
        for (params, status) in table {
            assert_eq!(params.filter().map(|_| ()).map_err(|e| e.status().as_u16()), Err(status), "{params:?}");
        }
    }
}
