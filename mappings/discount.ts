/**
 * Discount rule of spec §7.2. Sales keeps one discount amount per line; F&O keeps a discount per unit. Going to
 * F&O the per-unit value is rounded and the difference becomes a line charge, so the line total is unchanged;
 * coming back the line discount is rebuilt from both.
 */
import { divideAmount, multiplyAmounts, roundAmount, subtractAmounts } from './money';

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

/** F&O per-unit discount and rounding charge → Sales line discount (3 × 3.33 − (−0.01) = 10.00). */
export function lineDiscountFromPerUnit(
  perUnit: number,
  quantity: number,
  roundingCharge: number,
  decimals: number,
): number {
  return roundAmount(subtractAmounts(multiplyAmounts(perUnit, quantity), roundingCharge), decimals);
}

/**
 * Largest charge that per-unit rounding can produce for a quantity (half a unit of the last decimal per unit).
 * A larger line charge is a real charge (freight, fees) and must not be folded into the discount.
 */
export function maxRoundingCharge(quantity: number, decimals: number): number {
  return roundAmount(multiplyAmounts(0.5, 10 ** -decimals, Math.abs(quantity)), decimals + 1);
}
