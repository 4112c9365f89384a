/**
 * Discount rule of spec §7.2. Sales keeps one discount amount per line; F&O keeps a discount per unit. Going to
 * F&O the per-unit value is rounded and the difference becomes a line charge, so the line total is unchanged;
 * coming back the line discount is rebuilt from both.
 */
import { addAmounts, divideAmount, multiplyAmounts, roundAmount, subtractAmounts } from './money';

export interface PerUnitDiscount {
  perUnit: number;
  /** Added to the F&O line's charges so that per-unit × quantity + charge = the Sales line discount. */
  roundingCharge: number;
}

/**
 * Sales line discount → F&O per-unit discount and rounding charge (qty 3, 10.00 → 3.33 and −0.01). Given the unit
 * price, the charge also absorbs the difference between Sales rounding the gross amount before the discount and F&O
 * rounding the net line amount once, so F&O line amount + charge equals the Sales extended amount to the cent.
 */
export function perUnitDiscount(
  lineDiscount: number,
  quantity: number,
  decimals: number,
  price?: number,
): PerUnitDiscount {
  if (quantity === 0) {
    if (lineDiscount === 0) return { perUnit: 0, roundingCharge: 0 };
    throw new RangeError(`a discount of ${lineDiscount} cannot be spread over a quantity of 0`);
  }
  const perUnit = divideAmount(lineDiscount, quantity, decimals);
  if (price === undefined) {
    return {
      perUnit,
      roundingCharge: roundAmount(subtractAmounts(multiplyAmounts(perUnit, quantity), lineDiscount), decimals),
    };
  }
  const gross = multiplyAmounts(quantity, price);
  const salesExtended = roundAmount(subtractAmounts(roundAmount(gross, decimals), lineDiscount), decimals);
  const fnoLineAmount = roundAmount(subtractAmounts(gross, multiplyAmounts(quantity, perUnit)), decimals);
  return { perUnit, roundingCharge: subtractAmounts(salesExtended, fnoLineAmount) };
}

/**
 * F&O per-unit discount and rounding charge → Sales line discount (3 × 3.33 − (−0.01) = 10.00). Given the unit
 * price, it undoes the charge perUnitDiscount made with the price: the Sales discount is the rounded gross amount
 * less the F&O net line amount and the charge, so a line that went to F&O comes back with the discount it had.
 */
export function lineDiscountFromPerUnit(
  perUnit: number,
  quantity: number,
  roundingCharge: number,
  decimals: number,
  price?: number,
): number {
  if (price === undefined) {
    return roundAmount(subtractAmounts(multiplyAmounts(perUnit, quantity), roundingCharge), decimals);
  }
  const gross = multiplyAmounts(quantity, price);
  const fnoLineAmount = roundAmount(subtractAmounts(gross, multiplyAmounts(quantity, perUnit)), decimals);
  return roundAmount(
    subtractAmounts(subtractAmounts(roundAmount(gross, decimals), fnoLineAmount), roundingCharge),
    decimals,
  );
}

/**
 * Largest charge that per-unit rounding can produce for a quantity (half a unit of the last decimal per unit);
 * with the unit price, one more unit for rounding the gross and the net amount. A larger line charge is a real
 * charge (freight, fees) and must not be folded into the discount.
 */
export function maxRoundingCharge(quantity: number, decimals: number, withPrice = false): number {
  const perUnitRounding = multiplyAmounts(0.5, 10 ** -decimals, Math.abs(quantity));
  return roundAmount(withPrice ? addAmounts(perUnitRounding, 10 ** -decimals) : perUnitRounding, decimals + 1);
}

export interface SalesLineAmounts {
  discount: number;
  extendedAmount: number;
}

/**
 * A Sales line's discount and extended amount from an F&O line that carries its net amount (an invoice line):
 * the rounding charge is added back to the net, and the discount is the rounded gross amount less that, so the
 * Sales line holds what it held before it went to F&O and the lines add up to the F&O total.
 */
export function salesLineAmounts(
  lineAmount: number,
  quantity: number,
  price: number,
  roundingCharge: number,
  decimals: number,
): SalesLineAmounts {
  const extendedAmount = roundAmount(addAmounts(lineAmount, roundingCharge), decimals);
  const gross = roundAmount(multiplyAmounts(quantity, price), decimals);
  return { discount: subtractAmounts(gross, extendedAmount), extendedAmount };
}
