//! Times in SQL as fixed-width RFC 3339 text, UTC, microseconds: `2026-11-21T20:15:00.000000Z`.
//!
//! Fixed width matters: text comparison (`WHERE at >= ?`) then orders like time does, which
//! variable-precision RFC 3339 (`…:00Z` vs `…:00.5Z`) would not.

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;

use crate::StoreError;

pub fn sql_time(at: OffsetDateTime) -> String {
    let utc = at.to_offset(time::UtcOffset::UTC);
    let format = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z");
    // Only years outside 0..=9999 fail to format; clamp rather than fail a write.
    utc.format(&format).unwrap_or_else(|_| "9999-12-31T23:59:59.999999Z".to_owned())
}

/// Truncates to what [`sql_time`] keeps, so a value read back equals the value written.
pub fn truncate_to_micros(at: OffsetDateTime) -> OffsetDateTime {
    let micros = at.microsecond();
    at.replace_microsecond(micros).unwrap_or(at)
}

pub fn parse_sql_time(text: &str) -> Result<OffsetDateTime, StoreError> {
    OffsetDateTime::parse(text, &Rfc3339).map_err(|_| StoreError::Internal(format!("malformed stored time {text:?}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn stored_times_sort_like_time() {
        let a = sql_time(datetime!(2026-11-21 20:15:00 UTC));
        let b = sql_time(datetime!(2026-11-21 20:15:00.5 UTC));
        assert_eq!(a, "2026-11-21T20:15:00.000000Z");
        assert!(a < b);
        assert_eq!(parse_sql_time(&b).expect("parses"), datetime!(2026-11-21 20:15:00.5 UTC));
        let odd = datetime!(2026-11-21 21:15:00.123456789 +1);
        assert_eq!(parse_sql_time(&sql_time(odd)).expect("parses"), truncate_to_micros(odd));
    }
}
