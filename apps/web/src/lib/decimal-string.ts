// Money and quantities reach the browser as decimal strings (the API never sends them as
// floats). Display only needs to round and group them, which is done here on the digits
// themselves with bigint, so "0.1" + rounding never turns into 0.30000000000000004.

/** A decimal as an integer count of 10^-scale units: 12.30 is { units: 1230n, scale: 2 }. */
export interface ExactDecimal {
  units: bigint;
  scale: number;
}

// Optional sign, digits with an optional fraction (".5" and "5." too), optional exponent
// (decimal.js writes very small or large values as "1e-8").
const DECIMAL = /^([+-])?(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d{1,3}))?$/;

/** Parses a decimal string exactly; throws RangeError on anything else (NaN, "1,000", "", " 1"). */
export function parseDecimal(text: string): ExactDecimal {
  const match = DECIMAL.exec(text);
  const whole = match?.[2] ?? '';
  const fraction = match?.[3] ?? '';
  if (!match || (whole === '' && fraction === '')) throw new RangeError(`Not a decimal number: ${JSON.stringify(text)}`);
  const exponent = Number(match[4] ?? 0);
  let units = BigInt(`${whole}${fraction}` || '0');
  let scale = fraction.length - exponent;
  if (scale < 0) {
    units *= 10n ** BigInt(-scale);
    scale = 0;
  }
  return { units: match[1] === '-' ? -units : units, scale };
}

/** The same value with exactly `decimals` fraction digits, rounded half away from zero. */
export function roundDecimal(value: ExactDecimal, decimals: number): ExactDecimal {
  if (!Number.isInteger(decimals) || decimals < 0) throw new RangeError(`Invalid number of decimals: ${decimals}`);
  if (value.scale <= decimals) return { units: value.units * 10n ** BigInt(decimals - value.scale), scale: decimals };
  const divisor = 10n ** BigInt(value.scale - decimals);
  const magnitude = value.units < 0n ? -value.units : value.units;
  let rounded = magnitude / divisor;
  if ((magnitude % divisor) * 2n >= divisor) rounded += 1n;
  return { units: value.units < 0n ? -rounded : rounded, scale: decimals };
}

/** Multiplies by 10^places without losing anything (a ratio to a percentage: places = 2). */
export function shiftDecimal(value: ExactDecimal, places: number): ExactDecimal {
  const scale = value.scale - places;
  return scale >= 0 ? { units: value.units, scale } : { units: value.units * 10n ** BigInt(-scale), scale: 0 };
}

/** Drops fraction zeros at the end: 1.500 → 1.5, 2.00 → 2. */
export function trimDecimal(value: ExactDecimal): ExactDecimal {
  let { units, scale } = value;
  while (scale > 0 && units % 10n === 0n) {
    units /= 10n;
    scale -= 1;
  }
  return { units, scale };
}

/** The digits of |value| as "1,234.56": thousands grouped with commas, `scale` fraction digits. */
export function groupedMagnitude(value: ExactDecimal): string {
  const digits = (value.units < 0n ? -value.units : value.units).toString().padStart(value.scale + 1, '0');
  const whole = digits.slice(0, digits.length - value.scale);
  const fraction = digits.slice(digits.length - value.scale);
  const grouped = whole.replace(/\B(?=(\d{3})+$)/g, ',');
  return fraction ? `${grouped}.${fraction}` : grouped;
}
