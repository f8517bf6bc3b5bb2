//! Comanda's shared vocabulary: the types every service speaks in.
//!
//! Pure data and rules, no I/O: ids, [`Money`], [`TaxRate`], [`Role`], [`Actor`], the
//! [`Clock`] that tests control, and the typed [`Event`] every state change appends to the log.
//! Nothing here knows about SQL, HTTP or printers.

mod actor;
mod clock;
mod event;
mod ids;
mod money;
mod role;

pub use actor::Actor;
pub use clock::{Clock, ManualClock, SystemClock};
pub use event::{
    AreaChanged, AssetChanged, CategoryChanged, Event, EventAudience, ItemChanged, LineComped, LineData, LineVoided,
    LinesAdded, ModifierGroupChanged, ModifierOptionData, OrderClosed, OrderMoved, OrderOpened, OrderSent, ShiftEvent,
    SiteSetup, StaffChanged, StaffSnapshot, StationChanged, TableChanged, TableStatus, TicketCreated, TicketKind,
    TicketStatus, TicketStatusChanged,
};
pub use event::{
    BillCreated, BillDiscounted, BillPaid, BillSplit, CashMoved, CashSessionClosed, CashSessionOpened, PaidLine,
    PaidTax, PaymentMethod, PaymentRefunded, PaymentTaken,
};
pub use event::{
    GuestLine, GuestRequestChanged, InAppNotice, PrintJobFailed, PrintJobPrinted, ReservationChanged, WaitlistChanged,
};
pub use ids::{
    AreaId, CategoryId, EventId, ItemId, ModifierGroupId, ModifierOptionId, OrderId, OrderLineId, RefreshTokenId,
    ShiftId, SiteId, StaffId, StationId, TableId, TicketId, TokenFamilyId,
};
pub use ids::{AssetId, BillId, CashSessionId, PaymentId, PrintJobId, PrinterId, RefundId};
pub use money::{Money, MoneyError, TaxRate, TaxRateError};
pub use role::Role;
