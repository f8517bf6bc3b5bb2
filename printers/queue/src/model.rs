//! Printers and print jobs, and the rules on them that need no I/O.

use comanda_api::{ApiError, validate};
use comanda_domain::{PrintJobId, PrinterId};
use comanda_printers::encode::{CodePage, PrinterProfile};
use comanda_printers::transport::Address;
use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};
use utoipa::ToSchema;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PrinterRole {
    Kitchen,
    Receipt,
}

impl PrinterRole {
    pub fn as_str(&self) -> &'static str {
        match self {
            PrinterRole::Kitchen => "kitchen",
            PrinterRole::Receipt => "receipt",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Printer {
    pub id: PrinterId,
    pub name: String,
    pub role: PrinterRole,
    /// `tcp://HOST:9100`, `usb:/dev/usb/lp0` or `serial:/dev/ttyUSB0?baud=19200`.
    pub address: String,
    /// 32 (58 mm paper), 42 or 48 (80 mm).
    pub width_chars: u32,
    /// `cp858` (default; has €), `wpc1252` or `cp437`.
    #[schema(value_type = String)]
    pub code_page: CodePage,
    pub backup_printer_id: Option<PrinterId>,
    pub active: bool,
}

impl Printer {
    pub fn profile(&self) -> PrinterProfile {
        PrinterProfile { width_chars: usize::try_from(self.width_chars).unwrap_or(42), code_page: self.code_page }
    }
}

#[derive(Clone, Debug, Deserialize, ToSchema)]
pub struct NewPrinter {
    pub name: String,
    pub role: PrinterRole,
    pub address: String,
    pub width_chars: Option<u32>,
    #[schema(value_type = Option<String>)]
    pub code_page: Option<CodePage>,
    pub backup_printer_id: Option<PrinterId>,
}

#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct PrinterChanges {
    pub name: Option<String>,
    pub role: Option<PrinterRole>,
    pub address: Option<String>,
    pub width_chars: Option<u32>,
    #[schema(value_type = Option<String>)]
    pub code_page: Option<CodePage>,
    /// `null` removes the backup.
    #[serde(default, with = "double_option")]
    #[schema(value_type = Option<PrinterId>)]
    pub backup_printer_id: Option<Option<PrinterId>>,
    pub active: Option<bool>,
}

/// `Some(None)` when the field is present and null, `None` when it is absent.
mod double_option {
    use serde::{Deserialize, Deserializer};

    pub fn deserialize<'de, T: Deserialize<'de>, D: Deserializer<'de>>(d: D) -> Result<Option<Option<T>>, D::Error> {
        Option::<T>::deserialize(d).map(Some)
    }
}

pub fn name(raw: &str) -> Result<String, ApiError> {
    validate::text("name", raw, 1, 50)
}

pub fn address(raw: &str) -> Result<String, ApiError> {
    let parsed: Address = raw.trim().parse().map_err(|e| ApiError::validation(format!("address: {e}")))?;
    Ok(parsed.to_string())
}

pub fn width(w: u32) -> Result<u32, ApiError> {
    if [32, 42, 48].contains(&w) { Ok(w) } else { Err(ApiError::validation("width_chars must be 32, 42 or 48")) }
}

pub fn code_page_str(c: CodePage) -> &'static str {
    match c {
        CodePage::Cp858 => "cp858",
        CodePage::Wpc1252 => "wpc1252",
        CodePage::Cp437 => "cp437",
    }
}

pub fn parse_code_page(s: &str) -> Option<CodePage> {
    [CodePage::Cp858, CodePage::Wpc1252, CodePage::Cp437].into_iter().find(|c| code_page_str(*c) == s)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum JobStatus {
    Queued,
    /// Bytes on their way; after a crash such a job is printed again marked REPRINT.
    Sending,
    Printed,
    /// Given up (only by hand; the queue itself never gives up on a ticket).
    Failed,
}

impl JobStatus {
    pub fn as_str(&self) -> &'static str {
        match self {
            JobStatus::Queued => "queued",
            JobStatus::Sending => "sending",
            JobStatus::Printed => "printed",
            JobStatus::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [JobStatus::Queued, JobStatus::Sending, JobStatus::Printed, JobStatus::Failed]
            .into_iter()
            .find(|j| j.as_str() == s)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PrintJob {
    pub id: PrintJobId,
    pub printer_id: PrinterId,
    /// The printer it was meant for, before any reroute to a backup.
    pub original_printer_id: PrinterId,
    /// `ticket`, `receipt`, `report`, `test` or `drawer`.
    pub kind: String,
    pub source: Option<String>,
    pub reprint: bool,
    pub status: JobStatus,
    pub attempts: u32,
    pub last_error: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub printed_at: Option<OffsetDateTime>,
    /// The text as printed (for the job list and for checking what a printer got).
    pub text: String,
}

/// Wait before the next attempt on a failing printer: 0.5 s doubling to 8 s.
pub fn backoff(attempts: u32) -> Duration {
    let ms = 500i64.saturating_mul(1i64 << attempts.saturating_sub(1).min(4));
    Duration::milliseconds(ms.min(8_000))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_and_cap() {
        let waits: Vec<i64> = (1..=7).map(|a| backoff(a).whole_milliseconds() as i64).collect();
        assert_eq!(waits, [500, 1000, 2000, 4000, 8000, 8000, 8000]);
    }

    #[test]
    fn printer_settings_are_checked() {
        assert!(width(42).is_ok() && width(40).is_err());
        assert_eq!(address(" tcp://127.0.0.1:9100 ").expect("tcp"), "tcp://127.0.0.1:9100");
        for bad in ["http://printer", "tcp://", "lp0", "usb:/etc/passwd"] {
            assert!(address(bad).is_err(), "{bad}");
        }
        for cp in [CodePage::Cp858, CodePage::Wpc1252, CodePage::Cp437] {
            assert_eq!(parse_code_page(code_page_str(cp)), Some(cp));
        }
    }
}
