/**
 * Decimal money arithmetic shared by the mappings, the F&O emulator's totals and the seed. Sales and F&O compute
 * amounts in decimal types, so 13.19 × 69.5 is 916.705 there and rounds to 916.71; in binary floating point it is
 * 916.7049999… and rounds to 916.70. Every operation here reads a number as the decimal it stands for, to 15
 * significant digits (all a double holds for every decimal, so the noise a float operation left in the last bits
 * is dropped: 117.64999999999999 reads as 117.65), computes on scaled BigInt integers, and returns the number
 * nearest to the exact decimal result.
 *
 * Rounding is half away from zero (1.005 → 1.01, −2.675 → −2.68): the "Normal" rounding of F&O currencies and the
 * rounding the spec's §7.2 example implies (10.00 ÷ 3 → 3.33, charge −0.01).
 */

/** A decimal value as `units × 10^-scale`. */
interface Scaled {
  units: bigint;
  scale: number;
}

const SIGNIFICANT_DIGITS = 15;
const NUMBER_TEXT = /^(-?)(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/;

function toScaled(value: number, what = 'amount'): Scaled {
  if (!Number.isFinite(value)) throw new RangeError(`${what} ${value} is not a finite number`);
  const match = NUMBER_TEXT.exec(value.toPrecision(SIGNIFICANT_DIGITS));
  if (!match) throw new RangeError(`${what} ${value} has no decimal form`);
  const [, sign, whole, paddedFraction = '', exponent = '0'] = match;
  const fraction = paddedFraction.replace(/0+$/, '');
  const scale = fraction.length - Number(exponent);
  let units = BigInt(whole + fraction);
  if (sign) units = -units;
  return scale >= 0 ? { units, scale } : { units: units * 10n ** BigInt(-scale), scale: 0 };
}

function toNumber({ units, scale }: Scaled): number {
  const negative = units < 0n;
  const digits = (negative ? -units : units).toString().padStart(scale + 1, '0');
  const text = scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  const value = Number(negative ? `-${text}` : text);
  return value === 0 ? 0 : value;
}

function withScale(value: Scaled, scale: number): bigint {
  return value.units * 10n ** BigInt(scale - value.scale);
}

/** numerator ÷ denominator as an integer, rounded half away from zero. */
function divideRounded(numerator: bigint, denominator: bigint): bigint {
  if (denominator < 0n) return divideRounded(-numerator, -denominator);
  const quotient = numerator / denominator;
  const twiceRemainder = 2n * (numerator % denominator);
  if (twiceRemainder >= denominator) return quotient + 1n;
  if (-twiceRemainder >= denominator) return quotient - 1n;
  return quotient;
}

function checkDecimals(decimals: number): void {
  if (!Number.isInteger(decimals) || decimals < 0) {
    throw new RangeError(`decimals must be a whole number ≥ 0, got ${decimals}`);
  }
}

/** Rounds half away from zero at `decimals` places, on the decimal value (1.005 → 1.01, not 1.00). */
export function roundAmount(value: number, decimals: number): number {
  checkDecimals(decimals);
  const scaled = toScaled(value);
  if (scaled.scale <= decimals) return toNumber(scaled);
  const units = divideRounded(scaled.units, 10n ** BigInt(scaled.scale - decimals));
  return toNumber({ units, scale: decimals });
}

/** The exact decimal sum (0.1 + 0.2 = 0.3). */
export function addAmounts(...values: number[]): number {
  const scaled = values.map((v) => toScaled(v));
  const scale = Math.max(0, ...scaled.map((s) => s.scale));
  return toNumber({ units: scaled.reduce((sum, s) => sum + withScale(s, scale), 0n), scale });
}

/** The exact decimal difference a − b. */
export function subtractAmounts(a: number, b: number): number {
  return addAmounts(a, -b);
}

/** The exact decimal product (13.19 × 69.5 = 916.705). */
export function multiplyAmounts(...factors: number[]): number {
  let product: Scaled = { units: 1n, scale: 0 };
  for (const factor of factors) {
    const scaled = toScaled(factor);
    product = { units: product.units * scaled.units, scale: product.scale + scaled.scale };
  }
  return toNumber(product);
}

/** a ÷ b rounded half away from zero at `decimals` places, from the exact quotient (3.015 ÷ 3 = 1.005 → 1.01). */
export function divideAmount(a: number, b: number, decimals: number): number {
  checkDecimals(decimals);
  const dividend = toScaled(a);
  const divisor = toScaled(b, 'divisor');
  if (divisor.units === 0n) throw new RangeError(`cannot divide ${a} by zero`);
  // a/b = (ua/10^sa)/(ub/10^sb); scaled to `decimals` places: ua·10^(decimals+sb-sa) / ub.
  const shift = decimals + divisor.scale - dividend.scale;
  const numerator = shift >= 0 ? dividend.units * 10n ** BigInt(shift) : dividend.units;
  const denominator = shift >= 0 ? divisor.units : divisor.units * 10n ** BigInt(-shift);
  return toNumber({ units: divideRounded(numerator, denominator), scale: decimals });
}
