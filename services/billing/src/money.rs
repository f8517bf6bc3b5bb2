//! The arithmetic of a bill (BRIEF §3), pure and in integers only.
//!
//! - Tax is computed **per rate on the sum of that rate's lines after discounts**, rounded half
//!   away from zero: inclusive `round(gross × bp / (10000 + bp))`, exclusive `round(net × bp / 10000)`.
//! - Bill-level discounts are spread over lines in proportion to their amounts by the
//!   largest-remainder method, so the parts add up exactly.
//! - The service charge is a separate line with its own tax rate.
//! - `total = lines − discounts + service charge (+ tax when exclusive)`.
//! - A split allocates every component of the bill (each line, the service charge, each rate's
//!   tax) over the parts by largest remainder, so the parts always add up to the cent.

use comanda_domain::{Money, TaxRate};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Splits `total` (≥ 0) into parts proportional to `weights` (≥ 0) that add up exactly.
/// Remainders go to the largest fractional parts; ties go to the earliest index at or after
/// `tie_start` (rotating it spreads the odd cents of an even split). All-zero weights: equal.
pub fn allocate(total: i64, weights: &[i64], tie_start: usize) -> Vec<i64> {
    let n = weights.len();
    if n == 0 {
        return Vec::new();
    }
    let equal = weights.iter().all(|w| *w <= 0);
    let w: Vec<i128> = weights.iter().map(|w| if equal { 1 } else { i128::from((*w).max(0)) }).collect();
    let sum: i128 = w.iter().sum();
    let total = i128::from(total);
    let mut parts: Vec<i128> = w.iter().map(|wi| total * wi / sum).collect();
    let mut left = total - parts.iter().sum::<i128>();
    // Order by remainder, largest first; ties by distance from `tie_start`.
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| {
        let ra = total * w[a] % sum;
        let rb = total * w[b] % sum;
        rb.cmp(&ra).then(((a + n - tie_start % n) % n).cmp(&((b + n - tie_start % n) % n)))
    });
    let mut k = 0;
    while left > 0 {
        parts[order[k % n]] += 1;
        left -= 1;
        k += 1;
    }
    parts.into_iter().map(|p| i64::try_from(p).unwrap_or(i64::MAX)).collect()
}

/// [`allocate`], continuing the tie-break where the previous allocation left off, so the odd
/// cents of many components (lines, service, taxes) go round the parts instead of piling up
/// on the first.
fn allocate_rotating(total: i64, weights: &[i64], cursor: &mut usize) -> Vec<i64> {
    let parts = allocate(total, weights, *cursor);
    let floors: i64 = if weights.iter().all(|w| *w <= 0) {
        let n = i64::try_from(weights.len()).unwrap_or(1).max(1);
        (total / n) * n
    } else {
        let sum: i128 = weights.iter().map(|w| i128::from((*w).max(0))).sum();
        weights.iter().map(|w| i64::try_from(i128::from(total) * i128::from((*w).max(0)) / sum).unwrap_or(0)).sum()
    };
    *cursor += usize::try_from(total - floors).unwrap_or(0);
    parts
}

/// A line's amount on the bill (quantity × unit price; 0 if comped) and its tax rate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Priced {
    pub amount: Money,
    pub rate: TaxRate,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum DiscountRule {
    /// Whole percent, 1–100, of what is left after earlier discounts.
    Percent(u32),
    /// A fixed amount in minor units, at most what is left.
    Amount(Money),
}

/// The service charge: a percentage (basis points) of the lines after discounts, taxed at its
/// own rate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ServiceCharge {
    pub rate_bp: u32,
    pub tax_rate_bp: TaxRate,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TaxLine {
    pub rate_bp: TaxRate,
    /// What the tax was computed on: the gross amount when prices include tax, the net otherwise.
    pub base: Money,
    pub tax: Money,
}

/// A bill's numbers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Totals {
    pub subtotal: Money,
    /// Each discount's amount, in the order given.
    pub discounts: Vec<Money>,
    pub discount_total: Money,
    /// Each line's amount after its share of the discounts.
    pub lines_after_discount: Vec<Money>,
    pub service_charge: Money,
    pub taxes: Vec<TaxLine>,
    pub total: Money,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BillMathError {
    #[error("a discount is larger than what is left to discount")]
    DiscountTooLarge,
    #[error("a percentage discount must be between 1 and 100")]
    BadPercent,
    #[error("amounts on this bill are out of range")]
    Overflow,
    #[error("a split needs at least one part")]
    NoParts,
    #[error("line {0} is in no part of the split")]
    LineInNoPart(usize),
}

fn round_div(n: i128, d: i128) -> i128 {
    let q = n / d;
    let r = n % d;
    if 2 * r.abs() >= d { q + n.signum() } else { q }
}

fn to_money(v: i128) -> Result<Money, BillMathError> {
    i64::try_from(v).map(Money::from_minor).map_err(|_| BillMathError::Overflow)
}

/// Computes a bill from its lines, discounts and optional service charge.
pub fn compute(
    lines: &[Priced],
    discounts: &[DiscountRule],
    service: Option<ServiceCharge>,
    prices_include_tax: bool,
) -> Result<Totals, BillMathError> {
    let subtotal = Money::checked_sum(lines.iter().map(|l| l.amount)).map_err(|_| BillMathError::Overflow)?;
    if lines.iter().any(|l| l.amount.is_negative()) {
        return Err(BillMathError::Overflow);
    }
    let mut left = subtotal.minor();
    let mut amounts = Vec::with_capacity(discounts.len());
    for d in discounts {
        let amount = match *d {
            DiscountRule::Percent(p) if (1..=100).contains(&p) => {
                i64::try_from(round_div(i128::from(left) * i128::from(p), 100)).map_err(|_| BillMathError::Overflow)?
            }
            DiscountRule::Percent(_) => return Err(BillMathError::BadPercent),
            DiscountRule::Amount(m) if m.minor() >= 0 && m.minor() <= left => m.minor(),
            DiscountRule::Amount(_) => return Err(BillMathError::DiscountTooLarge),
        };
        left -= amount;
        amounts.push(Money::from_minor(amount));
    }
    let discount_total = subtotal.minor() - left;
    let weights: Vec<i64> = lines.iter().map(|l| l.amount.minor()).collect();
    let shares = allocate(discount_total, &weights, 0);
    let after: Vec<Money> = lines.iter().zip(&shares).map(|(l, s)| Money::from_minor(l.amount.minor() - s)).collect();

    let service_charge = match service {
        Some(s) => to_money(round_div(i128::from(left) * i128::from(s.rate_bp), 10_000))?,
        None => Money::ZERO,
    };

    // Per rate, in ascending order of rate: the base after discounts, with the service charge
    // in its own rate's group.
    let mut rates: Vec<TaxRate> = lines.iter().map(|l| l.rate).collect();
    if let Some(s) = service {
        rates.push(s.tax_rate_bp);
    }
    rates.sort();
    rates.dedup();
    let mut taxes = Vec::with_capacity(rates.len());
    for rate in rates {
        let mut base: i128 =
            lines.iter().zip(&after).filter(|(l, _)| l.rate == rate).map(|(_, a)| i128::from(a.minor())).sum();
        if let Some(s) = service
            && s.tax_rate_bp == rate
        {
            base += i128::from(service_charge.minor());
        }
        let bp = i128::from(rate.bp());
        let tax = if prices_include_tax { round_div(base * bp, 10_000 + bp) } else { round_div(base * bp, 10_000) };
        taxes.push(TaxLine { rate_bp: rate, base: to_money(base)?, tax: to_money(tax)? });
    }
    let tax_total: i128 = taxes.iter().map(|t| i128::from(t.tax.minor())).sum();
    let mut total = i128::from(left) + i128::from(service_charge.minor());
    if !prices_include_tax {
        total += tax_total;
    }
    Ok(Totals {
        subtotal,
        discounts: amounts,
        discount_total: Money::from_minor(discount_total),
        lines_after_discount: after,
        service_charge,
        taxes,
        total: to_money(total)?,
    })
}

/// One part of a split: its share of each line (after discounts), of the service charge and of
/// each rate's base and tax, and its total.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Part {
    pub lines: Vec<Money>,
    pub service_charge: Money,
    pub taxes: Vec<TaxLine>,
    pub total: Money,
}

/// Splits a computed bill. `weights[p][i]` says how much of line `i` part `p` takes (0 = none;
/// equal weights = equal shares). Every line must go to some part.
pub fn split(
    lines: &[Priced],
    totals: &Totals,
    service: Option<ServiceCharge>,
    weights: &[Vec<i64>],
    prices_include_tax: bool,
) -> Result<Vec<Part>, BillMathError> {
    let parts = weights.len();
    if parts == 0 {
        return Err(BillMathError::NoParts);
    }
    // Each line's amount after discounts, spread over the parts that take it.
    let mut share = vec![vec![0i64; lines.len()]; parts];
    let mut cursor = 0usize;
    for (i, amount) in totals.lines_after_discount.iter().enumerate() {
        let w: Vec<i64> = weights.iter().map(|p| p.get(i).copied().unwrap_or(0).max(0)).collect();
        if w.iter().all(|x| *x == 0) {
            return Err(BillMathError::LineInNoPart(i));
        }
        for (p, s) in allocate_rotating(amount.minor(), &w, &mut cursor).into_iter().enumerate() {
            share[p][i] = s;
        }
    }
    let line_sums: Vec<i64> = share.iter().map(|s| s.iter().sum()).collect();
    // An even split (every part takes the same of every line): every component is shared
    // equally, its odd cents going round the parts, so the guests' totals differ by at most
    // one cent. Otherwise components follow each part's share of the lines.
    let even = weights.windows(2).all(|w| w[0] == w[1]);
    let equal = vec![1i64; parts];
    let service_weights = if even { &equal } else { &line_sums };
    let service_shares = allocate_rotating(totals.service_charge.minor(), service_weights, &mut cursor);

    let mut part_taxes: Vec<Vec<TaxLine>> = vec![Vec::with_capacity(totals.taxes.len()); parts];
    for tax in &totals.taxes {
        let weights: Vec<i64> = if even {
            equal.clone()
        } else {
            (0..parts)
                .map(|p| {
                    let lines_here: i64 =
                        lines.iter().enumerate().filter(|(_, l)| l.rate == tax.rate_bp).map(|(i, _)| share[p][i]).sum();
                    let service_here = match service {
                        Some(s) if s.tax_rate_bp == tax.rate_bp => service_shares[p],
                        _ => 0,
                    };
                    lines_here + service_here
                })
                .collect()
        };
        let bases = allocate(tax.base.minor(), &weights, 0);
        let taxes = allocate_rotating(tax.tax.minor(), &weights, &mut cursor);
        for (p, part) in part_taxes.iter_mut().enumerate() {
            part.push(TaxLine {
                rate_bp: tax.rate_bp,
                base: Money::from_minor(bases[p]),
                tax: Money::from_minor(taxes[p]),
            });
        }
    }
    Ok(part_taxes
        .into_iter()
        .enumerate()
        .map(|(p, taxes)| {
            let tax_total: i64 = taxes.iter().map(|t| t.tax.minor()).sum();
            let total = line_sums[p] + service_shares[p] + if prices_include_tax { 0 } else { tax_total };
            Part {
                lines: share[p].iter().map(|s| Money::from_minor(*s)).collect(),
                service_charge: Money::from_minor(service_shares[p]),
                taxes,
                total: Money::from_minor(total),
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn rate(bp: u32) -> TaxRate {
        TaxRate::from_bp(bp).expect("rate")
    }

    fn priced(amount: i64, bp: u32) -> Priced {
        Priced { amount: Money::from_minor(amount), rate: rate(bp) }
    }

    #[test]
    fn allocation_is_exact_and_fair() {
        // (total, weights, tie start, expected)
        let table: [(i64, &[i64], usize, &[i64]); 6] = [
            (100, &[1, 1, 1], 0, &[34, 33, 33]),
            (100, &[1, 1, 1], 1, &[33, 34, 33]),
            (10, &[3, 7], 0, &[3, 7]),
            (1, &[1, 1], 0, &[1, 0]),
            (7, &[0, 0], 0, &[4, 3]),
            (999, &[500, 250, 250], 0, &[499, 250, 250]), // 499.5, 249.75, 249.75
        ];
        for (total, weights, start, expected) in table {
            assert_eq!(allocate(total, weights, start), expected, "{total} over {weights:?}");
        }
    }

    /// A restaurant bill worked by hand, inclusive (EU) and exclusive (US).
    #[test]
    fn a_bill_worked_by_hand() {
        // Steak 2 × 24.50 @ 10 %, wine 32.00 @ 20 %, water 4.50 @ 10 %; 10 % off; 5 % service at 20 %.
        let lines = [priced(4900, 1000), priced(3200, 2000), priced(450, 1000)];
        let discounts = [DiscountRule::Percent(10)];
        let service = Some(ServiceCharge { rate_bp: 500, tax_rate_bp: rate(2000) });

        let incl = compute(&lines, &discounts, service, true).expect("computes");
        assert_eq!(incl.subtotal.minor(), 8550);
        assert_eq!(incl.discounts, [Money::from_minor(855)]);
        // 855 over 4900/3200/450 by largest remainder: 490.0 → 490, 320.0 → 320, 45.0 → 45.
        assert_eq!(incl.lines_after_discount, [4410, 2880, 405].map(Money::from_minor));
        assert_eq!(incl.service_charge.minor(), 385); // 5 % of 7695 = 384.75 → 385
        // 10 %: base 4815, tax 4815 × 1000/11000 = 437.7 → 438. 20 %: base 2880 + 385 = 3265, tax 544.17 → 544.
        assert_eq!(
            incl.taxes,
            vec![
                TaxLine { rate_bp: rate(1000), base: Money::from_minor(4815), tax: Money::from_minor(438) },
                TaxLine { rate_bp: rate(2000), base: Money::from_minor(3265), tax: Money::from_minor(544) },
            ]
        );
        assert_eq!(incl.total.minor(), 7695 + 385);

        let excl = compute(&lines, &discounts, service, false).expect("computes");
        // 10 %: 481.5 → 482; 20 %: 653.0 → 653. Total 7695 + 385 + 482 + 653.
        assert_eq!(excl.taxes.iter().map(|t| t.tax.minor()).collect::<Vec<_>>(), [482, 653]);
        assert_eq!(excl.total.minor(), 7695 + 385 + 482 + 653);
    }

    #[test]
    fn discounts_are_bounded() {
        let lines = [priced(1000, 1000)];
        assert_eq!(
            compute(&lines, &[DiscountRule::Amount(Money::from_minor(1001))], None, true),
            Err(BillMathError::DiscountTooLarge)
        );
        assert_eq!(compute(&lines, &[DiscountRule::Percent(0)], None, true), Err(BillMathError::BadPercent));
        assert_eq!(compute(&lines, &[DiscountRule::Percent(101)], None, true), Err(BillMathError::BadPercent));
        let all = compute(&lines, &[DiscountRule::Percent(100)], None, true).expect("free");
        assert_eq!((all.total, all.taxes[0].tax), (Money::ZERO, Money::ZERO));
        // Two discounts: 10 % then 5.00 off what is left.
        let two =
            compute(&lines, &[DiscountRule::Percent(10), DiscountRule::Amount(Money::from_minor(500))], None, true)
                .expect("two");
        assert_eq!(two.discounts, [Money::from_minor(100), Money::from_minor(500)]);
        assert_eq!(two.total.minor(), 400);
    }

    #[test]
    fn an_even_split_of_an_awkward_total() {
        let lines = [priced(1000, 1000)];
        let totals = compute(&lines, &[], None, false).expect("computes"); // 10.00 + 1.00 tax
        let parts = split(&lines, &totals, None, &vec![vec![1]; 3], false).expect("splits");
        let part_totals: Vec<i64> = parts.iter().map(|p| p.total.minor()).collect();
        assert_eq!(part_totals.iter().sum::<i64>(), 1100);
        assert_eq!(part_totals, [367, 367, 366]);
    }

    fn bill_strategy() -> impl Strategy<Value = (Vec<Priced>, Vec<DiscountRule>, Option<ServiceCharge>, bool)> {
        let line = (0i64..200_000, prop::sample::select(vec![0u32, 550, 1000, 2000, 2100]))
            .prop_map(|(a, bp)| Priced { amount: Money::from_minor(a), rate: TaxRate::from_bp(bp).expect("rate") });
        let discount = prop_oneof![
            (1u32..=100).prop_map(DiscountRule::Percent),
            (0i64..5_000).prop_map(|a| DiscountRule::Amount(Money::from_minor(a)))
        ];
        let service = prop::option::of(
            (0u32..2_500, prop::sample::select(vec![0u32, 1000, 2000]))
                .prop_map(|(r, bp)| ServiceCharge { rate_bp: r, tax_rate_bp: TaxRate::from_bp(bp).expect("rate") }),
        );
        (prop::collection::vec(line, 1..12), prop::collection::vec(discount, 0..3), service, any::<bool>())
    }

    proptest! {
        #[test]
        fn allocation_always_sums_exactly(total in 0i64..10_000_000, weights in prop::collection::vec(0i64..100_000, 1..20), start in 0usize..20) {
            let parts = allocate(total, &weights, start);
            prop_assert_eq!(parts.iter().sum::<i64>(), total);
            prop_assert!(parts.iter().all(|p| *p >= 0));
        }

        #[test]
        fn taxes_match_an_integer_reference_and_totals_add_up((lines, discounts, service, incl) in bill_strategy()) {
            let Ok(t) = compute(&lines, &discounts, service, incl) else { return Ok(()) };
            // Discount allocation sums exactly to the discount total.
            let after: i64 = t.lines_after_discount.iter().map(|m| m.minor()).sum();
            prop_assert_eq!(t.subtotal.minor() - after, t.discount_total.minor());
            prop_assert_eq!(t.discounts.iter().map(|d| d.minor()).sum::<i64>(), t.discount_total.minor());
            // Reference: per rate, tax on the rate's base with plain integer half-away rounding.
            for tax in &t.taxes {
                let bp = i128::from(tax.rate_bp.bp());
                let base = i128::from(tax.base.minor());
                let (n, d) = if incl { (base * bp, 10_000 + bp) } else { (base * bp, 10_000) };
                let reference = (2 * n + d) / (2 * d); // n, d ≥ 0: half away from zero = half up
                prop_assert_eq!(i128::from(tax.tax.minor()), reference);
            }
            let bases: i64 = t.taxes.iter().map(|x| x.base.minor()).sum();
            prop_assert_eq!(bases, after + t.service_charge.minor());
            let tax_total: i64 = t.taxes.iter().map(|x| x.tax.minor()).sum();
            let expected = after + t.service_charge.minor() + if incl { 0 } else { tax_total };
            prop_assert_eq!(t.total.minor(), expected);
        }

        #[test]
        fn even_splits_differ_by_at_most_one_cent((lines, discounts, service, incl) in bill_strategy(), parts in 1usize..9) {
            let Ok(t) = compute(&lines, &discounts, service, incl) else { return Ok(()) };
            let split = split(&lines, &t, service, &vec![vec![1i64; lines.len()]; parts], incl).expect("splits");
            let totals: Vec<i64> = split.iter().map(|p| p.total.minor()).collect();
            let (min, max) = (totals.iter().min().copied().unwrap_or(0), totals.iter().max().copied().unwrap_or(0));
            prop_assert!(max - min <= 1, "{:?}", totals);
        }

        #[test]
        fn every_split_adds_up_to_the_cent((lines, discounts, service, incl) in bill_strategy(), parts in 1usize..7, seed in any::<u64>()) {
            let Ok(t) = compute(&lines, &discounts, service, incl) else { return Ok(()) };
            // Even, and an arbitrary assignment of lines to parts (by line, or by seat).
            let even = vec![vec![1i64; lines.len()]; parts];
            let assigned: Vec<Vec<i64>> = (0..parts)
                .map(|p| (0..lines.len()).map(|i| i64::from((seed.rotate_left(i as u32) as usize + i) % parts == p)).collect())
                .collect();
            for weights in [even, assigned] {
                let split = split(&lines, &t, service, &weights, incl).expect("splits");
                prop_assert_eq!(split.iter().map(|p| p.total.minor()).sum::<i64>(), t.total.minor());
                prop_assert_eq!(split.iter().map(|p| p.service_charge.minor()).sum::<i64>(), t.service_charge.minor());
                for (r, tax) in t.taxes.iter().enumerate() {
                    prop_assert_eq!(split.iter().map(|p| p.taxes[r].tax.minor()).sum::<i64>(), tax.tax.minor());
                    prop_assert_eq!(split.iter().map(|p| p.taxes[r].base.minor()).sum::<i64>(), tax.base.minor());
                }
                for i in 0..lines.len() {
                    prop_assert_eq!(split.iter().map(|p| p.lines[i].minor()).sum::<i64>(), t.lines_after_discount[i].minor());
                }
            }
        }
    }
}
