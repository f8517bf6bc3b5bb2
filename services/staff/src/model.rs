//! Staff types and rules, pure and I/O-free: what a member and a shift are, what a valid
//! username, password and PIN are, who needs which credential, and the login rate limiter. Most of the service's tests live here.

use std::collections::{HashMap, VecDeque};

use comanda_api::{ApiError, validate};
use comanda_domain::{Money, Role, ShiftId, StaffId};
use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};
use utoipa::ToSchema;

/// A member of staff as managers see them: never their hashes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct StaffMember {
    pub id: StaffId,
    pub name: String,
    pub username: String,
    pub role: Role,
    pub active: bool,
    pub has_password: bool,
    pub has_pin: bool,
    /// Minor units per hour, for labour cost.
    pub hourly_rate: Option<Money>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// What a new staff member is made from (also the body of `POST /staff`).
#[derive(Clone, Debug, Deserialize, ToSchema)]
pub struct NewStaff {
    pub name: String,
    pub username: String,
    pub role: Role,
    /// 8–128 characters; required for owners and managers.
    pub password: Option<String>,
    /// 4–6 digits, for fast login on shared tablets.
    pub pin: Option<String>,
    pub hourly_rate: Option<Money>,
}

/// Changes to a member of staff (the body of `PATCH /staff/{id}`); absent fields stay as they are.
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct StaffChanges {
    pub name: Option<String>,
    pub role: Option<Role>,
    pub password: Option<String>,
    pub pin: Option<String>,
    pub hourly_rate: Option<Money>,
    /// `false` deactivates (like DELETE), `true` reactivates.
    pub active: Option<bool>,
}

/// One clock-in to clock-out span, with the hourly rate at clock-in.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Shift {
    pub id: ShiftId,
    pub staff_id: StaffId,
    #[serde(with = "time::serde::rfc3339")]
    pub started_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub ended_at: Option<OffsetDateTime>,
    pub hourly_rate: Option<Money>,
}

pub const NAME_MAX: usize = 100;
pub const USERNAME_MIN: usize = 2;
pub const USERNAME_MAX: usize = 32;
pub const PASSWORD_MIN: usize = 8;
pub const PASSWORD_MAX: usize = 128;
/// Ten thousand per hour, in minor units: far above any real wage, far below overflow.
pub const HOURLY_RATE_MAX: i64 = 1_000_000;

/// Lower-case letters, digits, `.`, `_`, `-`; stored lower-case so `Ana` and `ana` are one.
pub fn username(raw: &str) -> Result<String, ApiError> {
    let name = raw.trim().to_lowercase();
    let len = name.chars().count();
    if !(USERNAME_MIN..=USERNAME_MAX).contains(&len)
        || !name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'))
    {
        return Err(ApiError::validation(format!(
            "username must be {USERNAME_MIN}-{USERNAME_MAX} characters: letters, digits, '.', '_' or '-'"
        )));
    }
    Ok(name)
}

pub fn password(field: &str, raw: &str) -> Result<String, ApiError> {
    let len = raw.chars().count();
    if !(PASSWORD_MIN..=PASSWORD_MAX).contains(&len) {
        return Err(ApiError::validation(format!("{field} must be {PASSWORD_MIN}-{PASSWORD_MAX} characters")));
    }
    Ok(raw.to_owned())
}

/// 4 to 6 digits: quick to tap on a shared tablet, and the login limiter keeps guessing slow.
pub fn pin(raw: &str) -> Result<String, ApiError> {
    if !(4..=6).contains(&raw.len()) || !raw.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ApiError::validation("pin must be 4 to 6 digits"));
    }
    Ok(raw.to_owned())
}

pub fn name(raw: &str) -> Result<String, ApiError> {
    validate::text("name", raw, 1, NAME_MAX)
}

pub fn hourly_rate(rate: Option<Money>) -> Result<Option<Money>, ApiError> {
    if let Some(r) = rate {
        validate::range("hourly_rate", r.minor(), 0, HOURLY_RATE_MAX)?;
    }
    Ok(rate)
}

/// Owners and managers use the dashboard and approve things, so they need a password; floor
/// and kitchen staff may have just a PIN. Everyone needs at least one way in.
pub fn credentials_fit_role(role: Role, has_password: bool, has_pin: bool) -> Result<(), ApiError> {
    if role.is_manager() && !has_password {
        return Err(ApiError::validation(format!("a {role} needs a password")));
    }
    if !has_password && !has_pin {
        return Err(ApiError::validation("give a password or a pin (or both)"));
    }
    Ok(())
}

/// A sliding-window limit: at most `max` failures within `window`.
#[derive(Clone, Copy, Debug)]
pub struct Rule {
    pub max: usize,
    pub window: Duration,
}

/// Per username: 5 wrong attempts a minute, 20 in a quarter of an hour. Per client address:
/// 20 a minute, so nobody sprays one PIN across every username.
pub const USER_RULES: &[Rule] =
    &[Rule { max: 5, window: Duration::minutes(1) }, Rule { max: 20, window: Duration::minutes(15) }];
pub const CLIENT_RULES: &[Rule] = &[Rule { max: 20, window: Duration::minutes(1) }];

const LONGEST_WINDOW: Duration = Duration::minutes(15);
const MAX_TRACKED: usize = 2_000;

/// Failed login attempts, in memory. A restart forgets them, which only helps someone who
/// can already restart the box.
#[derive(Debug, Default)]
pub struct LoginLimiter {
    failures: HashMap<String, VecDeque<OffsetDateTime>>,
}

impl LoginLimiter {
    /// `Err(seconds)` while `key` is locked out under `rules`.
    pub fn check(&self, key: &str, rules: &[Rule], now: OffsetDateTime) -> Result<(), u64> {
        let Some(times) = self.failures.get(key) else {
            return Ok(());
        };
        let mut wait = Duration::ZERO;
        for rule in rules {
            let recent: Vec<_> = times.iter().filter(|t| **t > now - rule.window).collect();
            if recent.len() >= rule.max {
                // Unlocks when the oldest failure that counts leaves the window.
                let oldest_counting = *recent[recent.len() - rule.max];
                wait = wait.max(oldest_counting + rule.window - now);
            }
        }
        if wait > Duration::ZERO {
            let secs = wait.whole_seconds() + i64::from(wait.subsec_nanoseconds() > 0);
            return Err(u64::try_from(secs).unwrap_or(1).max(1));
        }
        Ok(())
    }

    pub fn record_failure(&mut self, key: &str, now: OffsetDateTime) {
        if self.failures.len() >= MAX_TRACKED {
            self.failures.retain(|_, times| times.back().is_some_and(|t| *t > now - LONGEST_WINDOW));
        }
        let times = self.failures.entry(key.to_owned()).or_default();
        while times.front().is_some_and(|t| *t <= now - LONGEST_WINDOW) {
            times.pop_front();
        }
        times.push_back(now);
    }

    /// Checks and counts an attempt in one step, *before* the slow verification, so a burst of
    /// parallel guesses cannot all pass the check. A successful attempt is refunded.
    pub fn attempt(&mut self, key: &str, rules: &[Rule], now: OffsetDateTime) -> Result<(), u64> {
        self.check(key, rules, now)?;
        self.record_failure(key, now);
        Ok(())
    }

    /// Takes back the attempt counted at `at` (it succeeded).
    pub fn refund(&mut self, key: &str, at: OffsetDateTime) {
        if let Some(times) = self.failures.get_mut(key)
            && let Some(pos) = times.iter().rposition(|t| *t == at)
        {
            times.remove(pos);
        }
    }

    pub fn clear(&mut self, key: &str) {
        self.failures.remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn usernames_pins_and_passwords() {
        assert_eq!(username("  Ana.M ").expect("valid"), "ana.m");
        for bad in ["a", "ana maria", "ana@bistro", "ñandu", &"x".repeat(33), "' OR 1=1 --"] {
            assert!(username(bad).is_err(), "{bad:?} accepted");
        }
        for good in ["1234", "000000"] {
            assert!(pin(good).is_ok(), "{good:?}");
        }
        for bad in ["123", "1234567", "12a4", " 1234", "١٢٣٤"] {
            assert!(pin(bad).is_err(), "{bad:?} accepted");
        }
        assert!(password("password", "short").is_err());
        assert!(password("password", "long enough").is_ok());
        assert!(password("password", &"p".repeat(129)).is_err());
    }

    #[test]
    fn managers_need_passwords_everyone_needs_something() {
        use Role::*;
        // (role, has password, has pin, ok)
        let table = [
            (Owner, true, false, true),
            (Owner, false, true, false),
            (Manager, false, true, false),
            (Manager, true, true, true),
            (Waiter, false, true, true),
            (Kitchen, false, false, false),
        ];
        for (role, pw, pin, ok) in table {
            assert_eq!(credentials_fit_role(role, pw, pin).is_ok(), ok, "{role} pw={pw} pin={pin}");
        }
    }

    #[test]
    fn sixth_wrong_attempt_in_a_minute_is_refused_until_the_window_moves() {
        let mut limiter = LoginLimiter::default();
        let t0 = datetime!(2026-11-21 20:00:00 UTC);
        for i in 0..5 {
            let at = t0 + Duration::seconds(i * 5);
            assert_eq!(limiter.check("ana", USER_RULES, at), Ok(()), "attempt {}", i + 1);
            limiter.record_failure("ana", at);
        }
        // Sixth attempt at +25 s: the first failure (at +0) leaves the window at +60 s.
        assert_eq!(limiter.check("ana", USER_RULES, t0 + Duration::seconds(25)), Err(35));
        assert_eq!(limiter.check("ana", USER_RULES, t0 + Duration::seconds(60)), Ok(()));
        assert_eq!(limiter.check("bob", USER_RULES, t0 + Duration::seconds(25)), Ok(()), "others unaffected");
        limiter.clear("ana");
        assert_eq!(limiter.check("ana", USER_RULES, t0 + Duration::seconds(25)), Ok(()));
    }

    #[test]
    fn attempts_are_counted_before_verification_and_refunded_on_success() {
        let mut limiter = LoginLimiter::default();
        let t0 = datetime!(2026-11-21 20:00:00 UTC);
        // A burst of parallel attempts: only five get through to verification.
        let passed = (0..50).filter(|_| limiter.attempt("ana", USER_RULES, t0).is_ok()).count();
        assert_eq!(passed, 5);
        let mut other = LoginLimiter::default();
        for _ in 0..10 {
            other.attempt("bob", USER_RULES, t0).expect("right PIN each time");
            other.refund("bob", t0);
        }
        assert_eq!(other.check("bob", USER_RULES, t0), Ok(()), "successes do not count");
    }

    #[test]
    fn slow_guessing_hits_the_quarter_hour_lockout() {
        let mut limiter = LoginLimiter::default();
        let t0 = datetime!(2026-11-21 20:00:00 UTC);
        // Four failures a minute stays under the per-minute rule, but 20 in 5 minutes does not.
        for i in 0..20 {
            let at = t0 + Duration::seconds(i * 15);
            assert_eq!(limiter.check("ana", USER_RULES, at), Ok(()), "attempt {}", i + 1);
            limiter.record_failure("ana", at);
        }
        let at = t0 + Duration::seconds(300);
        assert_eq!(limiter.check("ana", USER_RULES, at), Err(600), "locked until the first failure is 15 min old");
    }
}
