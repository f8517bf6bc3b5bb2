//! The typed events every state change appends to the log (BRIEF §5).
//!
//! Type names are dotted and past tense (`staff.created`); the log stores the name and the
//! `data` JSON, so a reader that does not know a newer type still gets it as JSON. A service
//! adds its variants here when it lands; names are a contract with tablets and the cloud and
//! are never renamed. Events carry no secrets: never a hash, PIN or token.

mod assets;
mod billing;
mod menu;
mod orders;
mod printing;
mod reservations;
mod staff;
mod tables;

use serde::{Deserialize, Serialize};

pub use assets::AssetChanged;
pub use billing::{
    BillCreated, BillDiscounted, BillPaid, BillSplit, CashMoved, CashSessionClosed, CashSessionOpened, PaidLine,
    PaidTax, PaymentMethod, PaymentRefunded, PaymentTaken,
};
pub use menu::{CategoryChanged, ItemChanged, ModifierGroupChanged, ModifierOptionData, StationChanged};
pub use orders::{
    LineComped, LineData, LineVoided, LinesAdded, OrderClosed, OrderMoved, OrderOpened, OrderSent, TicketCreated,
    TicketKind, TicketStatus, TicketStatusChanged,
};
pub use printing::{PrintJobFailed, PrintJobPrinted};
pub use reservations::{GuestLine, GuestRequestChanged, InAppNotice, ReservationChanged, WaitlistChanged};
pub use staff::{ShiftEvent, SiteSetup, StaffChanged, StaffSnapshot};
pub use tables::{AreaChanged, TableChanged, TableStatus};

use crate::Role;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data")]
pub enum Event {
    #[serde(rename = "site.setup_completed")]
    SiteSetupCompleted(SiteSetup),
    #[serde(rename = "staff.created")]
    StaffCreated(StaffSnapshot),
    #[serde(rename = "staff.updated")]
    StaffUpdated(StaffSnapshot),
    #[serde(rename = "staff.deactivated")]
    StaffDeactivated(StaffSnapshot),
    #[serde(rename = "staff.credentials_changed")]
    StaffCredentialsChanged(StaffChanged),
    #[serde(rename = "staff.clocked_in")]
    StaffClockedIn(ShiftEvent),
    #[serde(rename = "staff.clocked_out")]
    StaffClockedOut(ShiftEvent),

    #[serde(rename = "menu.station_changed")]
    MenuStationChanged(StationChanged),
    #[serde(rename = "menu.category_changed")]
    MenuCategoryChanged(CategoryChanged),
    /// Any change to an item: price, availability (86), station, … (BRIEF §5).
    #[serde(rename = "menu.item_changed")]
    MenuItemChanged(ItemChanged),
    #[serde(rename = "menu.modifier_group_changed")]
    MenuModifierGroupChanged(ModifierGroupChanged),

    #[serde(rename = "table.area_changed")]
    TableAreaChanged(AreaChanged),
    /// A table was created or edited, or its status changed (BRIEF §5).
    #[serde(rename = "table.changed")]
    TableChanged(TableChanged),

    #[serde(rename = "order.opened")]
    OrderOpened(OrderOpened),
    #[serde(rename = "order.lines_added")]
    OrderLinesAdded(LinesAdded),
    #[serde(rename = "order.sent")]
    OrderSent(OrderSent),
    #[serde(rename = "order.line_voided")]
    OrderLineVoided(LineVoided),
    #[serde(rename = "order.line_comped")]
    OrderLineComped(LineComped),
    #[serde(rename = "order.moved")]
    OrderMoved(OrderMoved),
    #[serde(rename = "order.closed")]
    OrderClosed(OrderClosed),

    #[serde(rename = "ticket.created")]
    TicketCreated(TicketCreated),
    #[serde(rename = "ticket.bumped")]
    TicketBumped(TicketStatusChanged),
    #[serde(rename = "ticket.recalled")]
    TicketRecalled(TicketStatusChanged),

    #[serde(rename = "bill.created")]
    BillCreated(BillCreated),
    #[serde(rename = "bill.discounted")]
    BillDiscounted(BillDiscounted),
    #[serde(rename = "bill.split")]
    BillSplit(BillSplit),
    #[serde(rename = "payment.taken")]
    PaymentTaken(PaymentTaken),
    #[serde(rename = "payment.refunded")]
    PaymentRefunded(PaymentRefunded),
    #[serde(rename = "bill.paid")]
    BillPaid(BillPaid),
    #[serde(rename = "cash.session_opened")]
    CashSessionOpened(CashSessionOpened),
    #[serde(rename = "cash.moved")]
    CashMoved(CashMoved),
    #[serde(rename = "cash.session_closed")]
    CashSessionClosed(CashSessionClosed),

    #[serde(rename = "print_job.printed")]
    PrintJobPrinted(PrintJobPrinted),
    #[serde(rename = "print_job.failed")]
    PrintJobFailed(PrintJobFailed),

    #[serde(rename = "reservation.created")]
    ReservationCreated(ReservationChanged),
    #[serde(rename = "reservation.changed")]
    ReservationModified(ReservationChanged),
    #[serde(rename = "reservation.cancelled")]
    ReservationCancelled(ReservationChanged),
    #[serde(rename = "reservation.seated")]
    ReservationSeated(ReservationChanged),
    #[serde(rename = "reservation.no_show")]
    ReservationNoShow(ReservationChanged),
    #[serde(rename = "waitlist.added")]
    WaitlistAdded(WaitlistChanged),
    #[serde(rename = "waitlist.changed")]
    WaitlistUpdated(WaitlistChanged),

    #[serde(rename = "guest.request_created")]
    GuestRequestCreated(GuestRequestChanged),
    #[serde(rename = "guest.request_accepted")]
    GuestRequestAccepted(GuestRequestChanged),
    #[serde(rename = "guest.request_declined")]
    GuestRequestDeclined(GuestRequestChanged),

    /// A message for staff in the app (from the notifications outbox).
    #[serde(rename = "notification.in_app")]
    NotificationInApp(InAppNotice),

    /// An asset was added, edited or disposed of (its whole record).
    #[serde(rename = "asset.changed")]
    AssetChanged(AssetChanged),
}

impl Event {
    /// The dotted type name and the `data` payload, as the log stores them.
    pub fn into_parts(self) -> (String, serde_json::Value) {
        let mut tagged = match serde_json::to_value(self) {
            Ok(serde_json::Value::Object(map)) => map,
            // Adjacently tagged enums of plain structs always serialise to an object.
            _ => serde_json::Map::new(),
        };
        let type_name = match tagged.remove("type") {
            Some(serde_json::Value::String(s)) => s,
            _ => String::new(),
        };
        let data = tagged.remove("data").unwrap_or(serde_json::Value::Null);
        (type_name, data)
    }
}

/// Who may see an event on the live stream. The kitchen sees what a cook needs and nothing of
/// staff, money or audit; floor staff see the floor; managers and owners see everything.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventAudience {
    Everyone,
    Floor,
    Managers,
}

impl EventAudience {
    pub fn of(event_type: &str) -> Self {
        let family = event_type.split('.').next().unwrap_or_default();
        match family {
            "ticket" | "menu" | "print_job" | "kitchen" => EventAudience::Everyone,
            "order" if matches!(event_type, "order.sent" | "order.line_voided") => EventAudience::Everyone,
            "staff" | "site" | "audit" | "cash" | "sync" | "asset" => EventAudience::Managers,
            _ => EventAudience::Floor,
        }
    }

    pub fn includes(self, role: Role) -> bool {
        match self {
            EventAudience::Everyone => true,
            EventAudience::Floor => role != Role::Kitchen,
            EventAudience::Managers => role.is_manager(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::StaffId;
    use expect_test::expect;

    #[test]
    fn events_split_into_dotted_type_and_data() {
        let staff_id: StaffId = "01936f3e-5a4b-7c3d-8e9f-0a1b2c3d4e5f".parse().expect("uuid");
        let (ty, data) = Event::StaffCreated(StaffSnapshot {
            staff_id,
            name: "Ana".into(),
            username: "ana".into(),
            role: Role::Waiter,
            active: true,
        })
        .into_parts();
        assert_eq!(ty, "staff.created");
        expect![[r#"{"active":true,"name":"Ana","role":"waiter","staff_id":"01936f3e-5a4b-7c3d-8e9f-0a1b2c3d4e5f","username":"ana"}"#]]
            .assert_eq(&data.to_string());
    }

    #[test]
    fn each_role_sees_only_its_events() {
        use Role::*;
        // (event type, roles that see it)
        let table: [(&str, &[Role]); 8] = [
            ("asset.changed", &[Owner, Manager]),
            ("ticket.created", &[Owner, Manager, Waiter, Kitchen]),
            ("menu.item_changed", &[Owner, Manager, Waiter, Kitchen]),
            ("order.sent", &[Owner, Manager, Waiter, Kitchen]),
            ("order.lines_added", &[Owner, Manager, Waiter]),
            ("payment.taken", &[Owner, Manager, Waiter]),
            ("staff.created", &[Owner, Manager]),
            ("site.setup_completed", &[Owner, Manager]),
        ];
        for (ty, roles) in table {
            for role in Role::ALL {
                let expected = roles.contains(&role);
                assert_eq!(EventAudience::of(ty).includes(role), expected, "{role} sees {ty}");
            }
        }
    }
}
