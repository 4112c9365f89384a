/** Decimal money arithmetic: the values here are the ones binary floating point gets wrong. */
import { salesLineAmounts } from '../../../mappings/discount';
import {
  addAmounts,
  divideAmount,
  lineDiscountFromPerUnit,
  multiplyAmounts,
  perUnitDiscount,
  roundAmount,
  subtractAmounts,
} from '../../../mappings';

/** Rounding in binary floating point, as the seed (cents) and the F&O emulator (cents + ε) did before. */
const floatCents = (value: number) => Math.round(value * 100) / 100;
const floatCentsEpsilon = (value: number) => Math.round((value + Number.EPSILON) * 100) / 100;

describe('roundAmount: half away from zero on the decimal value', () => {
  test.each([
    [1.005, 1.01],
    [2.675, 2.68],
    [1.115, 1.12],
    [1.255, 1.26],
    [-1.005, -1.01],
    [-2.675, -2.68],
    [0.125, 0.13],
    [-0.125, -0.13],
    [0.004, 0],
    [-0.004, 0],
    [1e-7, 0],
    [123456789.125, 123456789.13],
    [10, 10],
  ])('%p → %p', (value, rounded) => {
    expect(roundAmount(value, 2)).toBe(rounded);
  });

  test('the float rounding this replaces is a cent off on such values', () => {
    expect([1.005, 1.255].map(floatCents)).toEqual([1, 1.25]);
    // 7.35 × 276.77 − 7.35 × 34.27 is 1782.375 in decimals, 1782.3749999999995 in binary.
    expect(floatCentsEpsilon(7.35 * 276.77 - 7.35 * 34.27)).toBe(1782.37);
    expect(roundAmount(subtractAmounts(multiplyAmounts(7.35, 276.77), multiplyAmounts(7.35, 34.27)), 2)).toBe(1782.38);
    expect(floatCentsEpsilon(-3 * 1.115)).toBe(-3.34);
    expect(roundAmount(multiplyAmounts(-3, 1.115), 2)).toBe(-3.35);
  });

  test('other places and whole numbers', () => {
    expect(roundAmount(0.5, 0)).toBe(1);
    expect(roundAmount(-0.5, 0)).toBe(-1);
    expect(roundAmount(2.5, 0)).toBe(3);
    expect(roundAmount(1.00049, 3)).toBe(1);
    expect(roundAmount(1.0005, 3)).toBe(1.001);
    expect(Object.is(roundAmount(-0.001, 2), 0)).toBe(true);
  });

  test('reads an amount to 15 significant digits, so noise a float operation left behind does not decide', () => {
    expect(1.115 * 3).toBe(3.3449999999999998);
    expect(roundAmount(1.115 * 3, 2)).toBe(3.35);
    expect(3.07 * 38 + 0.99).not.toBe(117.65);
    expect(roundAmount(3.07 * 38 + 0.99, 2)).toBe(117.65);
    expect(multiplyAmounts(13.75, 3.07 * 38 + 0.99)).toBe(1617.6875);
  });

  test('refuses what is not an amount', () => {
    expect(() => roundAmount(Number.NaN, 2)).toThrow(/not a finite number/);
    expect(() => roundAmount(Infinity, 2)).toThrow(/not a finite number/);
    expect(() => roundAmount(1.5, -1)).toThrow(/decimals/);
    expect(() => roundAmount(1.5, 1.5)).toThrow(/decimals/);
  });
});

describe('exact decimal operations', () => {
  test('products of quantity and price are the decimal product', () => {
    // 1.115 × 3 is 3.3449999… in binary; the decimal product 3.345 rounds to 3.35.
    expect(1.115 * 3).not.toBe(3.345);
    expect(multiplyAmounts(1.115, 3)).toBe(3.345);
    expect(roundAmount(multiplyAmounts(1.115, 3), 2)).toBe(3.35);
    expect(multiplyAmounts(13.19, 69.5)).toBe(916.705);
    expect(roundAmount(multiplyAmounts(1.005, 7), 2)).toBe(7.04);
    expect(roundAmount(multiplyAmounts(2.675, -3), 2)).toBe(-8.03);
    expect(multiplyAmounts(0.5, 0.01, 3)).toBe(0.015);
    expect(multiplyAmounts(1e-7, 1e7)).toBe(1);
  });

  test('sums of many lines carry no binary noise', () => {
    const lines = Array.from({ length: 1000 }, (_, i) => [0.1, 0.2, 0.07, 1.005, -0.33][i % 5]);
    const floatSum = lines.reduce((sum, v) => sum + v, 0);
    expect(floatSum).not.toBe(209);
    expect(addAmounts(...lines)).toBe(209);
    expect(addAmounts()).toBe(0);
    expect(addAmounts(0.1, 0.2)).toBe(0.3);
    expect(subtractAmounts(0.3, 0.1)).toBe(0.2);
    expect(subtractAmounts(916.71, 91.67)).toBe(825.04);
  });

  test('division rounds the exact quotient, not a binary approximation of it', () => {
    expect(divideAmount(3.015, 3, 2)).toBe(1.01);
    expect(divideAmount(10, 3, 2)).toBe(3.33);
    expect(divideAmount(20, 3, 2)).toBe(6.67);
    expect(divideAmount(-10, 3, 2)).toBe(-3.33);
    expect(divideAmount(0.01, 2, 2)).toBe(0.01);
    expect(divideAmount(-0.01, 2, 2)).toBe(-0.01);
    expect(divideAmount(10, -4, 0)).toBe(-3);
    expect(divideAmount(1, 0.3, 4)).toBe(3.3333);
    expect(() => divideAmount(1, 0, 2)).toThrow(/by zero/);
  });
});

describe('discount rule (§7.2) on amounts that break float rounding', () => {
  test('per-unit split and rounding charge keep F&O line amount + charge equal to the Sales extended amount', () => {
    // Sales: base = round(q × p), extended = base − discount. F&O: round(q × p − q × perUnit) + charge.
    const cases = [
      { quantity: 3, price: 1.115, discount: 0.5 },
      { quantity: 7, price: 1.005, discount: 1.41 },
      { quantity: 69.5, price: 13.19, discount: 91.67 },
      { quantity: 1, price: 2.675, discount: 0.27 },
      { quantity: -3, price: 1.115, discount: -0.5 },
      { quantity: 11.25, price: 4.35, discount: 7.34 },
    ];
    for (const { quantity, price, discount } of cases) {
      const split = perUnitDiscount(discount, quantity, 2, price);
      const salesExtended = subtractAmounts(roundAmount(multiplyAmounts(quantity, price), 2), discount);
      const fnoLine = roundAmount(
        subtractAmounts(multiplyAmounts(quantity, price), multiplyAmounts(quantity, split.perUnit)),
        2,
      );
      expect({ quantity, price, total: addAmounts(fnoLine, split.roundingCharge) }).toEqual({
        quantity,
        price,
        total: salesExtended,
      });
      expect(Math.abs(split.roundingCharge)).toBeLessThanOrEqual(0.01 * Math.max(1, Math.abs(quantity)));
    }
  });

  test('the line discount comes back exactly from per-unit discount and charge', () => {
    for (const [discount, quantity] of [
      [1.01, 2],
      [2.68, 3],
      [10, 3],
      [-10, 3],
      [0.01, 7],
    ]) {
      const { perUnit, roundingCharge } = perUnitDiscount(discount, quantity, 2);
      expect(lineDiscountFromPerUnit(perUnit, quantity, roundingCharge, 2)).toBe(discount);
    }
  });
});

describe('F&O → Sales (§7.2) undoes the charge made with the unit price', () => {
  /** Sales lines whose discount does not divide evenly and whose gross amount rounds on a half cent. */
  const lines = Array.from({ length: 500 }, (_, i) => {
    const quantity = multiplyAmounts(((i * 37) % 12000) + 1, 0.01);
    const price = multiplyAmounts(((i * 7919) % 90000) + 100, 0.01);
    const base = roundAmount(multiplyAmounts(quantity, price), 2);
    const discount = divideAmount(multiplyAmounts(base, (i % 14) + 2), 100, 2);
    return { quantity, price, discount, extended: subtractAmounts(base, discount) };
  });

  test('an order line comes back with the discount it had; without the price some come back a cent off', () => {
    let offWithoutPrice = 0;
    for (const { quantity, price, discount } of lines) {
      const { perUnit, roundingCharge } = perUnitDiscount(discount, quantity, 2, price);
      expect({ quantity, price, back: lineDiscountFromPerUnit(perUnit, quantity, roundingCharge, 2, price) }).toEqual({
        quantity,
        price,
        back: discount,
      });
      if (lineDiscountFromPerUnit(perUnit, quantity, roundingCharge, 2) !== discount) offWithoutPrice++;
    }
    expect(offWithoutPrice).toBeGreaterThan(0);
  });

  test('an invoice line gets the Sales discount and extended amount from the F&O net amount and charge', () => {
    for (const { quantity, price, discount, extended } of lines) {
      const { perUnit, roundingCharge } = perUnitDiscount(discount, quantity, 2, price);
      const lineAmount = roundAmount(
        subtractAmounts(multiplyAmounts(quantity, price), multiplyAmounts(quantity, perUnit)),
        2,
      );
      expect({ quantity, price, ...salesLineAmounts(lineAmount, quantity, price, roundingCharge, 2) }).toEqual({
        quantity,
        price,
        discount,
        extendedAmount: extended,
      });
    }
  });
});
