//! Money and tax rates, in integers only.
//!
//! [`Money`] is a count of minor units (cents) of the site's currency. There is no `f64`
//! anywhere in this file, and every operation that could overflow is checked: a till that
//! wraps around is worse than one that refuses.
//! Tax follows BRIEF §3: per-rate amounts rounded half away from zero to the minor unit.

use std::fmt;

#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Default,
    serde::Serialize,
    serde::Deserialize,
    utoipa::ToSchema,
)]
#[serde(transparent)]
pub struct Money(i64);

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("amount is out of range")]
    Overflow,
}

impl Money {
    pub const ZERO: Money = Money(0);

    pub const fn from_minor(minor: i64) -> Self {
        Self(minor)
    }

    pub const fn minor(self) -> i64 {
        self.0
    }

    pub fn checked_add(self, other: Money) -> Result<Money, MoneyError> {
        self.0.checked_add(other.0).map(Money).ok_or(MoneyError::Overflow)
    }

    pub fn checked_sub(self, other: Money) -> Result<Money, MoneyError> {
        self.0.checked_sub(other.0).map(Money).ok_or(MoneyError::Overflow)
    }

    /// Price × quantity.
    pub fn checked_mul(self, quantity: i64) -> Result<Money, MoneyError> {
        self.0.checked_mul(quantity).map(Money).ok_or(MoneyError::Overflow)
    }

    pub fn checked_neg(self) -> Result<Money, MoneyError> {
        self.0.checked_neg().map(Money).ok_or(MoneyError::Overflow)
    }

    pub fn is_negative(self) -> bool {
        self.0 < 0
    }

    /// Sum of many amounts, failing on overflow instead of wrapping.
    pub fn checked_sum<I: IntoIterator<Item = Money>>(amounts: I) -> Result<Money, MoneyError> {
        amounts.into_iter().try_fold(Money::ZERO, Money::checked_add)
    }
}

/// Minor units shown with two decimals, as most currencies do (`-12.05`). Display only:
/// the UI formats with the site's currency and locale.
impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        write!(f, "{sign}{}.{:02}", abs / 100, abs % 100)
    }
}

/// A tax rate in basis points: `1000` is 10.00 %.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, utoipa::ToSchema)]
#[serde(transparent)]
pub struct TaxRate(u32);

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TaxRateError {
    #[error("tax rate must be between 0 and 10000 basis points (0-100 %)")]
    OutOfRange,
}

impl TaxRate {
    pub const MAX_BP: u32 = 10_000;

    pub fn from_bp(bp: u32) -> Result<Self, TaxRateError> {
        if bp > Self::MAX_BP {
            return Err(TaxRateError::OutOfRange);
        }
        Ok(Self(bp))
    }

    pub fn bp(self) -> u32 {
        self.0
    }

    /// Tax contained in a tax-inclusive amount: `round(gross * bp / (10000 + bp))`.
    pub fn tax_included_in(self, gross: Money) -> Money {
        let bp = i128::from(self.0);
        Money(div_round_half_away(i128::from(gross.0) * bp, 10_000 + bp))
    }

    /// Tax due on top of a tax-exclusive amount: `round(net * bp / 10000)`.
    pub fn tax_on(self, net: Money) -> Money {
        let bp = i128::from(self.0);
        Money(div_round_half_away(i128::from(net.0) * bp, 10_000))
    }
}

impl<'de> serde::Deserialize<'de> for TaxRate {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let bp = u32::deserialize(d)?;
        TaxRate::from_bp(bp).map_err(serde::de::Error::custom)
    }
}

/// `n / d` rounded half away from zero, for `d > 0`. The result of a tax computation on an
/// `i64` amount with a rate ≤ 100 % always fits back in an `i64`.
fn div_round_half_away(n: i128, d: i128) -> i64 {
    let q = n / d;
    let r = n % d;
    let q = if 2 * r.abs() >= d { q + n.signum() } else { q };
    // |q| ≤ |n / d| + 1 ≤ |amount| + 1 for the rates TaxRate allows.
    i64::try_from(q).unwrap_or(if q < 0 { i64::MIN } else { i64::MAX })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tax_per_rate_rounds_half_away_from_zero() {
        // (amount, bp, inclusive tax, exclusive tax) — worked by hand.
        let table: [(i64, u32, i64, i64); 9] = [
            (1100, 1000, 100, 110), // 11.00 incl. 10 % = 1.00 tax
            (1000, 2000, 167, 200), // 1000 * 2000 / 12000 = 166.67 -> 167
            (105, 500, 5, 5),       // 5.0 exactly; 105*0.05 = 5.25 -> 5
            (1050, 1000, 95, 105),  // 95.45 -> 95
            (25, 2000, 4, 5),       // 4.1667 -> 4; 5.0
            (15, 1000, 1, 2),       // 1.36 -> 1; 1.5 -> 2 (half away)
            (-15, 1000, -1, -2),    // refunds round symmetrically
            (0, 2000, 0, 0),
            (123_456, 0, 0, 0),
        ];
        for (amount, bp, incl, excl) in table {
            let rate = TaxRate::from_bp(bp).expect("valid rate");
            assert_eq!(rate.tax_included_in(Money(amount)), Money(incl), "incl {amount}@{bp}");
            assert_eq!(rate.tax_on(Money(amount)), Money(excl), "excl {amount}@{bp}");
        }
    }

    #[test]
    fn money_refuses_to_overflow() {
        assert_eq!(Money(i64::MAX).checked_add(Money(1)), Err(MoneyError::Overflow));
        assert_eq!(Money(i64::MIN).checked_sub(Money(1)), Err(MoneyError::Overflow));
        assert_eq!(Money(i64::MAX / 2 + 1).checked_mul(2), Err(MoneyError::Overflow));
        assert_eq!(Money::checked_sum([Money(150), Money(250), Money(-100)]), Ok(Money(300)));
        assert_eq!(Money(i64::MAX).checked_neg(), Ok(Money(-i64::MAX)));
        assert_eq!(Money(i64::MIN).checked_neg(), Err(MoneyError::Overflow));
    }

    #[test]
    fn money_displays_with_two_decimals() {
        let table = [(0, "0.00"), (5, "0.05"), (1234, "12.34"), (-1205, "-12.05"), (i64::MIN, "-92233720368547758.08")];
        for (minor, shown) in table {
            assert_eq!(Money(minor).to_string(), shown);
        }
    }

    #[test]
    fn tax_rates_are_bounded_and_deserialise_checked() {
        assert!(TaxRate::from_bp(10_001).is_err());
        let ok: TaxRate = serde_json::from_str("2000").expect("valid");
        assert_eq!(ok.bp(), 2000);
        assert!(serde_json::from_str::<TaxRate>("20000").is_err());
        assert!(serde_json::from_str::<TaxRate>("-5").is_err());
    }
}
