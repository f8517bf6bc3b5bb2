//! UUIDv7 newtype ids: time-ordered (so they index and paginate well in SQLite) and
//! impossible to mix up at a function boundary (`StaffId` is not an `OrderId`).

use std::fmt;
use std::str::FromStr;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        #[derive(serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
        #[serde(transparent)]
        #[schema(value_type = String, format = Uuid)]
        pub struct $name(uuid::Uuid);

        impl $name {
            /// A fresh, time-ordered id.
            pub fn new() -> Self {
                Self(uuid::Uuid::now_v7())
            }

            pub fn from_uuid(uuid: uuid::Uuid) -> Self {
                Self(uuid)
            }

            pub fn as_uuid(&self) -> uuid::Uuid {
                self.0
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                uuid::Uuid::parse_str(s).map(Self)
            }
        }
    };
}

id_type!(
    /// A member of staff (owner, manager, waiter, cook).
    StaffId
);
id_type!(
    /// One entry in the event log.
    EventId
);
id_type!(
    /// One clock-in to clock-out span of a member of staff.
    ShiftId
);
id_type!(
    /// One refresh token; each refresh spends it and issues the next of its family.
    RefreshTokenId
);
id_type!(
    /// The chain of refresh tokens that started with one login; reuse revokes it whole.
    TokenFamilyId
);
id_type!(
    /// This restaurant (one box), as the cloud knows it.
    SiteId
);
id_type!(
    /// A part of the floor: terrace, main room, bar.
    AreaId
);
id_type!(
    /// A table on the floor plan.
    TableId
);
id_type!(
    /// A menu category (starters, mains, drinks).
    CategoryId
);
id_type!(
    /// A menu item.
    ItemId
);
id_type!(
    /// A group of modifiers offered with items ("cooking", "sides").
    ModifierGroupId
);
id_type!(
    /// One choice within a modifier group ("medium rare", "+ bacon").
    ModifierOptionId
);
id_type!(
    /// A kitchen station (grill, cold, bar): where an item's tickets go.
    StationId
);
id_type!(
    /// A table's order, from seating to payment.
    OrderId
);
id_type!(
    /// One line of an order.
    OrderLineId
);
id_type!(
    /// A kitchen ticket: one station's share of one send.
    TicketId
);
id_type!(
    /// A bill (or one part of a split bill).
    BillId
);
id_type!(
    /// One payment on a bill.
    PaymentId
);
id_type!(
    /// One refund of (part of) a payment.
    RefundId
);
id_type!(
    /// A cash drawer session, from opening float to Z report.
    CashSessionId
);
id_type!(
    /// A printer (kitchen or receipt).
    PrinterId
);
id_type!(
    /// One job in the durable print queue.
    PrintJobId
);
id_type!(
    /// A piece of the restaurant's equipment (assets: depreciation).
    AssetId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_time_ordered_and_round_trip_as_strings() {
        let a = StaffId::new();
        let b = StaffId::new();
        assert!(a < b, "UUIDv7 ids sort by creation time");
        let parsed: StaffId = a.to_string().parse().expect("parses back");
        assert_eq!(parsed, a);
        assert_eq!(a.as_uuid().get_version_num(), 7);
        assert!("not-a-uuid".parse::<StaffId>().is_err());
    }
}
