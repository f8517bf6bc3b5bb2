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
pub use event::{Event, EventAudience, ShiftEvent, SiteSetup, StaffChanged, StaffSnapshot};
pub use ids::{EventId, RefreshTokenId, ShiftId, SiteId, StaffId, TokenFamilyId};
pub use money::{Money, MoneyError, TaxRate, TaxRateError};
pub use role::Role;
