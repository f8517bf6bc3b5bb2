//! Payloads of the site's and staff's events.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::{Role, ShiftId, StaffId};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SiteSetup {
    pub restaurant_name: String,
    pub currency: String,
    pub prices_include_tax: bool,
    /// The site's IANA time zone (reports' local days). Absent from events written before it
    /// was added: those sites report in UTC until they say otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
}

/// A member of staff as others may see them: no credentials.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StaffSnapshot {
    pub staff_id: StaffId,
    pub name: String,
    pub username: String,
    pub role: Role,
    pub active: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StaffChanged {
    pub staff_id: StaffId,
    pub password: bool,
    pub pin: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ShiftEvent {
    pub shift_id: ShiftId,
    pub staff_id: StaffId,
    #[serde(with = "time::serde::rfc3339")]
    pub started_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option", default)]
    pub ended_at: Option<OffsetDateTime>,
    /// The rate the shift is paid at (fixed when it started), for labour cost. Absent from
    /// events written before it was added, and for staff without a rate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hourly_rate: Option<crate::Money>,
}
