//! What an asset is, what valid input is, and straight-line depreciation — pure and I/O-free.
//!
//! Depreciation is by day: an asset bought on day P with a life of N months loses
//! `(cost − salvage) / days(P, P + N months)` per day, from P until the end of its life or the
//! day it is disposed of (depreciation stops; the remaining book value is not depreciation).
//! Amounts are taken as differences of the *accumulated* depreciation, rounded down to the
//! minor unit, so the days of any split of a period add up exactly to the period.

use comanda_api::{ApiError, validate};
use comanda_domain::{AssetChanged, AssetId, Money, PrinterId};
use jiff::civil::Date;
use jiff::{ToSpan, Unit};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub const NAME_MAX: usize = 100;
pub const CATEGORY_MAX: usize = 60;
pub const NOTE_MAX: usize = 100;
/// 1 000 000.00 in minor units: a restaurant's single piece of equipment costs less.
pub const COST_MAX: i64 = 100_000_000;
/// 50 years.
pub const LIFE_MAX_MONTHS: i64 = 600;

/// What the equipment is, for the owner's lists (the printers and tablets among them).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AssetKind {
    Equipment,
    Printer,
    Tablet,
    Furniture,
    Vehicle,
}

impl AssetKind {
    pub const ALL: [AssetKind; 5] =
        [AssetKind::Equipment, AssetKind::Printer, AssetKind::Tablet, AssetKind::Furniture, AssetKind::Vehicle];

    pub fn as_str(self) -> &'static str {
        match self {
            AssetKind::Equipment => "equipment",
            AssetKind::Printer => "printer",
            AssetKind::Tablet => "tablet",
            AssetKind::Furniture => "furniture",
            AssetKind::Vehicle => "vehicle",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// A piece of equipment, with its book value today.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Asset {
    pub id: AssetId,
    pub name: String,
    pub category: String,
    pub kind: AssetKind,
    /// Local date, `YYYY-MM-DD`.
    pub purchase_date: String,
    pub cost: Money,
    /// What it is expected to be worth at the end of its life.
    pub salvage_value: Money,
    pub useful_life_months: u32,
    pub serial: Option<String>,
    pub location: Option<String>,
    /// The configured printer this is, when it is one.
    #[schema(value_type = Option<String>, format = Uuid)]
    pub printer_id: Option<PrinterId>,
    /// When it left the restaurant (depreciation stops), `YYYY-MM-DD`.
    pub disposed_on: Option<String>,
    /// Depreciation from purchase up to and including today.
    pub accumulated_depreciation: Money,
    /// `cost − accumulated_depreciation`.
    pub book_value: Money,
}

#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAsset {
    pub name: String,
    pub category: String,
    /// Default `equipment`.
    pub kind: Option<AssetKind>,
    pub purchase_date: String,
    pub cost: Money,
    /// Default 0.
    pub salvage_value: Option<Money>,
    pub useful_life_months: i64,
    pub serial: Option<String>,
    pub location: Option<String>,
    #[schema(value_type = Option<String>, format = Uuid)]
    pub printer_id: Option<PrinterId>,
}

/// Changes to an asset; absent fields stay as they are, `null` clears an optional one.
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssetChanges {
    pub name: Option<String>,
    pub category: Option<String>,
    pub kind: Option<AssetKind>,
    pub purchase_date: Option<String>,
    pub cost: Option<Money>,
    pub salvage_value: Option<Money>,
    pub useful_life_months: Option<i64>,
    #[serde(default, with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub serial: Option<Option<String>>,
    #[serde(default, with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub location: Option<Option<String>>,
    #[serde(default, with = "double_option")]
    #[schema(value_type = Option<String>, format = Uuid)]
    pub printer_id: Option<Option<PrinterId>>,
    /// `YYYY-MM-DD` when it left; `null` if that was a mistake.
    #[serde(default, with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub disposed_on: Option<Option<String>>,
}

/// `Option<Option<T>>`: absent → `None`, `null` → `Some(None)`.
mod double_option {
    use serde::{Deserialize, Deserializer};

    pub fn deserialize<'de, T: Deserialize<'de>, D: Deserializer<'de>>(d: D) -> Result<Option<Option<T>>, D::Error> {
        Option::<T>::deserialize(d).map(Some)
    }
}

/// The validated record (what is stored and what the event carries).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    pub id: AssetId,
    pub name: String,
    pub category: String,
    pub kind: AssetKind,
    pub purchase_date: Date,
    pub cost: Money,
    pub salvage_value: Money,
    pub useful_life_months: u32,
    pub serial: Option<String>,
    pub location: Option<String>,
    pub printer_id: Option<PrinterId>,
    pub disposed_on: Option<Date>,
}

pub fn date(field: &str, raw: &str) -> Result<Date, ApiError> {
    let raw = raw.trim();
    let ok = raw.len() == 10 && raw.as_bytes()[4] == b'-' && raw.as_bytes()[7] == b'-';
    let date = ok.then(|| raw.parse::<Date>().ok()).flatten();
    match date {
        Some(d) if (1970..=2200).contains(&d.year()) => Ok(d),
        _ => Err(ApiError::validation(format!("{field} must be a date like 2026-11-21"))),
    }
}

fn money(field: &str, m: Money, min: i64) -> Result<Money, ApiError> {
    validate::range(field, m.minor(), min, COST_MAX).map(Money::from_minor)
}

impl Record {
    /// The rules every record keeps, whichever way it was made.
    fn checked(self) -> Result<Self, ApiError> {
        if self.salvage_value > self.cost {
            return Err(ApiError::validation("salvage_value cannot be more than cost"));
        }
        if let Some(d) = self.disposed_on
            && d < self.purchase_date
        {
            return Err(ApiError::validation("disposed_on cannot be before purchase_date"));
        }
        Ok(self)
    }

    pub fn new(id: AssetId, n: &NewAsset) -> Result<Self, ApiError> {
        Record {
            id,
            name: validate::text("name", &n.name, 1, NAME_MAX)?,
            category: validate::text("category", &n.category, 1, CATEGORY_MAX)?,
            kind: n.kind.unwrap_or(AssetKind::Equipment),
            purchase_date: date("purchase_date", &n.purchase_date)?,
            cost: money("cost", n.cost, 1)?,
            salvage_value: money("salvage_value", n.salvage_value.unwrap_or(Money::ZERO), 0)?,
            useful_life_months: life(n.useful_life_months)?,
            serial: validate::optional_text("serial", n.serial.as_deref(), NOTE_MAX)?,
            location: validate::optional_text("location", n.location.as_deref(), NOTE_MAX)?,
            printer_id: n.printer_id,
            disposed_on: None,
        }
        .checked()
    }

    pub fn changed(&self, c: &AssetChanges) -> Result<Self, ApiError> {
        let text = |field, v: &Option<String>, max, old: &String| {
            v.as_deref().map_or(Ok(old.clone()), |v| validate::text(field, v, 1, max))
        };
        let optional = |field, v: &Option<Option<String>>, old: &Option<String>| match v {
            None => Ok(old.clone()),
            Some(v) => validate::optional_text(field, v.as_deref(), NOTE_MAX),
        };
        Record {
            id: self.id,
            name: text("name", &c.name, NAME_MAX, &self.name)?,
            category: text("category", &c.category, CATEGORY_MAX, &self.category)?,
            kind: c.kind.unwrap_or(self.kind),
            purchase_date: c.purchase_date.as_deref().map_or(Ok(self.purchase_date), |d| date("purchase_date", d))?,
            cost: c.cost.map_or(Ok(self.cost), |m| money("cost", m, 1))?,
            salvage_value: c.salvage_value.map_or(Ok(self.salvage_value), |m| money("salvage_value", m, 0))?,
            useful_life_months: c.useful_life_months.map_or(Ok(self.useful_life_months), life)?,
            serial: optional("serial", &c.serial, &self.serial)?,
            location: optional("location", &c.location, &self.location)?,
            printer_id: c.printer_id.unwrap_or(self.printer_id),
            disposed_on: match &c.disposed_on {
                None => self.disposed_on,
                Some(None) => None,
                Some(Some(d)) => Some(date("disposed_on", d)?),
            },
        }
        .checked()
    }

    /// The first day it no longer loses value: the end of its life, or its disposal.
    fn depreciation_end(&self) -> Date {
        let end_of_life =
            self.purchase_date.checked_add(i64::from(self.useful_life_months).months()).unwrap_or(Date::MAX);
        self.disposed_on.map_or(end_of_life, |d| d.min(end_of_life))
    }

    fn life_days(&self) -> i64 {
        let end_of_life =
            self.purchase_date.checked_add(i64::from(self.useful_life_months).months()).unwrap_or(Date::MAX);
        days_between(self.purchase_date, end_of_life).max(1)
    }

    /// Depreciation accumulated over the days before `day` (so `day` itself is not included).
    pub fn accumulated_before(&self, day: Date) -> Money {
        let counted = day.clamp(self.purchase_date, self.depreciation_end().max(self.purchase_date));
        let elapsed = days_between(self.purchase_date, counted);
        let base = i128::from(self.cost.minor() - self.salvage_value.minor());
        let minor = base * i128::from(elapsed) / i128::from(self.life_days());
        Money::from_minor(i64::try_from(minor).unwrap_or(i64::MAX))
    }

    /// Depreciation of the local days `from..=to`.
    pub fn depreciation(&self, from: Date, to: Date) -> Money {
        let Some(after) = to.tomorrow().ok() else { return Money::ZERO };
        if after <= from {
            return Money::ZERO;
        }
        Money::from_minor(self.accumulated_before(after).minor() - self.accumulated_before(from).minor())
    }

    pub fn view(&self, today: Date) -> Asset {
        let accumulated = self.depreciation(self.purchase_date, today);
        Asset {
            id: self.id,
            name: self.name.clone(),
            category: self.category.clone(),
            kind: self.kind,
            purchase_date: self.purchase_date.to_string(),
            cost: self.cost,
            salvage_value: self.salvage_value,
            useful_life_months: self.useful_life_months,
            serial: self.serial.clone(),
            location: self.location.clone(),
            printer_id: self.printer_id,
            disposed_on: self.disposed_on.map(|d| d.to_string()),
            accumulated_depreciation: accumulated,
            book_value: Money::from_minor(self.cost.minor() - accumulated.minor()),
        }
    }

    pub fn event(&self) -> AssetChanged {
        AssetChanged {
            asset_id: self.id,
            name: self.name.clone(),
            category: self.category.clone(),
            kind: self.kind.as_str().to_owned(),
            purchase_date: self.purchase_date.to_string(),
            cost: self.cost,
            salvage_value: self.salvage_value,
            useful_life_months: self.useful_life_months,
            serial: self.serial.clone(),
            location: self.location.clone(),
            printer_id: self.printer_id,
            disposed_on: self.disposed_on.map(|d| d.to_string()),
        }
    }
}

fn life(months: i64) -> Result<u32, ApiError> {
    validate::range("useful_life_months", months, 1, LIFE_MAX_MONTHS).map(|m| u32::try_from(m).unwrap_or(1))
}

fn days_between(a: Date, b: Date) -> i64 {
    a.until((Unit::Day, b)).map(|s| i64::from(s.get_days())).unwrap_or(0)
}

/// Depreciation of one asset over a period.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AssetDepreciation {
    pub asset_id: AssetId,
    pub name: String,
    pub category: String,
    pub amount: Money,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn oven(cost: i64, salvage: i64, months: i64) -> Record {
        let new = NewAsset {
            name: "Oven".into(),
            category: "Kitchen".into(),
            kind: None,
            purchase_date: "2026-01-01".into(),
            cost: Money::from_minor(cost),
            salvage_value: Some(Money::from_minor(salvage)),
            useful_life_months: months,
            serial: None,
            location: None,
            printer_id: None,
        };
        Record::new(AssetId::new(), &new).expect("valid")
    }

    fn d(s: &str) -> Date {
        s.parse().expect("date")
    }

    #[test]
    fn straight_line_by_day_adds_up_exactly_over_any_split() {
        // 3 650.00 − 0 over 2026 (365 days): exactly 10.00 a day.
        let o = oven(365_000, 0, 12);
        // (from, to, expected)
        let table = [
            ("2026-01-01", "2026-01-01", 1_000),
            ("2026-01-01", "2026-01-31", 31_000),
            ("2026-12-31", "2026-12-31", 1_000),
            ("2025-12-01", "2025-12-31", 0),       // before purchase
            ("2027-01-01", "2027-12-31", 0),       // after its life
            ("2025-06-01", "2027-06-01", 365_000), // the whole life
            ("2026-03-10", "2026-03-09", 0),       // an empty period
        ];
        for (from, to, want) in table {
            assert_eq!(o.depreciation(d(from), d(to)).minor(), want, "{from}..{to}");
        }
        // An awkward amount: 1 000.00 − 100.00 over 7 months (212 days) = 4.245… a day; the
        // days of the life still add up to exactly 900.00.
        let odd = oven(100_000, 10_000, 7);
        let mut sum = 0;
        let mut day = d("2025-12-25");
        while day <= d("2026-09-01") {
            sum += odd.depreciation(day, day).minor();
            day = day.tomorrow().expect("day");
        }
        assert_eq!(sum, 90_000);
        assert_eq!(odd.view(d("2030-01-01")).book_value.minor(), 10_000, "worth its salvage value at the end");
    }

    #[test]
    fn disposal_stops_depreciation_that_day() {
        let mut o = oven(365_000, 0, 12);
        o.disposed_on = Some(d("2026-01-11"));
        assert_eq!(o.depreciation(d("2026-01-01"), d("2026-12-31")).minor(), 10_000, "ten days");
        assert_eq!(o.view(d("2026-06-01")).book_value.minor(), 355_000);
    }

    #[test]
    fn bad_input_is_refused_with_the_field_named() {
        let base = || NewAsset {
            name: "Oven".into(),
            category: "Kitchen".into(),
            kind: None,
            purchase_date: "2026-01-01".into(),
            cost: Money::from_minor(1000),
            salvage_value: None,
            useful_life_months: 12,
            serial: None,
            location: None,
            printer_id: None,
        };
        type Breaks = Box<dyn Fn(&mut NewAsset)>;
        let cases: [(&str, Breaks); 8] = [
            ("name", Box::new(|n| n.name = " ".into())),
            ("category", Box::new(|n| n.category = "x".repeat(61))),
            ("purchase_date", Box::new(|n| n.purchase_date = "01/01/2026".into())),
            ("purchase_date", Box::new(|n| n.purchase_date = "2026-02-30".into())),
            ("cost", Box::new(|n| n.cost = Money::from_minor(0))),
            ("cost", Box::new(|n| n.cost = Money::from_minor(COST_MAX + 1))),
            ("salvage_value", Box::new(|n| n.salvage_value = Some(Money::from_minor(2000)))),
            ("useful_life_months", Box::new(|n| n.useful_life_months = 0)),
        ];
        for (field, break_it) in cases {
            let mut n = base();
            break_it(&mut n);
            let e = Record::new(AssetId::new(), &n).expect_err(field);
            assert_eq!(e.status().as_u16(), 422, "{field}");
            assert!(e.message().contains(field), "{field}: {}", e.message());
        }
        let o = Record::new(AssetId::new(), &base()).expect("valid");
        let early = AssetChanges { disposed_on: Some(Some("2025-12-31".into())), ..AssetChanges::default() };
        assert!(o.changed(&early).is_err());
    }
}
