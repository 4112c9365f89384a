/**
 * Discount rule of spec §7.2. Sales keeps one discount amount per line; F&O keeps a discount per unit. Going to
 * F&O the per-unit value is rounded and the difference becomes a line charge, so the line total is unchanged;
 * coming back the line discount is rebuilt from both.
 */

/** Rounds half away from zero at `decimals` places without binary artefacts (1.005 → 1.01). */
export function roundAmount(value: number, decimals: number): number {
  const sign = value < 0 ? -1 : 1;
  const rounded = Number(`${Math.round(Number(`${Math.abs(value)}e${decimals}`))}e-${decimals}`);
  return rounded === 0 ? 0 : sign * rounded;
}

/** Places kept when clearing float noise from a product of amounts: beyond any currency or quantity precision. */
const DECIMAL_NOISE_PLACES = 9;

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
  const perUnit = roundAmount(lineDiscount / quantity, decimals);
  if (price === undefined) return { perUnit, roundingCharge: roundAmount(perUnit * quantity - lineDiscount, decimals) };
  // Both systems compute in decimals: clear the binary noise of the products (13.19 × 69.5 = 916.705, not
  // 916.7049999…) before rounding to the currency, or a half cent rounds the wrong way.
  const exact = (value: number) => roundAmount(value, DECIMAL_NOISE_PLACES);
  const gross = exact(quantity * price);
  const salesExtended = roundAmount(roundAmount(gross, decimals) - lineDiscount, decimals);
  const fnoLineAmount = roundAmount(exact(gross - quantity * perUnit), decimals);
  return { perUnit, roundingCharge: roundAmount(salesExtended - fnoLineAmount, decimals) };
}

/** F&O per-unit discount and rounding charge → Sales line discount (3 × 3.33 − (−0.01) = 10.00). */
export function lineDiscountFromPerUnit(
  perUnit: number,
  quantity: number,
  roundingCharge: number,
  decimals: number,
): number {
  return roundAmount(perUnit * quantity - roundingCharge, decimals);
}

/**
 * Largest charge that per-unit rounding can produce for a quantity (half a unit of the last decimal per unit).
 * A larger line charge is a real charge (freight, fees) and must not be folded into the discount.
 */
export function maxRoundingCharge(quantity: number, decimals: number): number {
  return roundAmount(0.5 * 10 ** -decimals * Math.abs(quantity), decimals + 1);
}
