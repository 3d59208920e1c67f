// Exact decimal arithmetic on the API's decimal strings. Money and quantities are never
// turned into floating point for checks; only charts use numbers.

/** Parses a plain non-negative decimal ("12", "0.5", "1.250") into integer units of
 * 10^-decimals. Returns null for anything else or for more decimals than allowed. */
export function toUnits(text: string, decimals: number): bigint | null {
  const trimmed = text.trim();
  if (!/^\d+(\.\d+)?$/.test(trimmed)) return null;
  const [whole, fraction = ""] = trimmed.split(".") as [string, string?];
  const significant = fraction.replace(/0+$/, "");
  if (significant.length > decimals) return null;
  const padded = (fraction + "0".repeat(decimals)).slice(0, decimals);
  return BigInt(whole) * 10n ** BigInt(decimals) + (decimals > 0 ? BigInt(padded) : 0n);
}

/** The decimal string of `units` at `decimals` places. */
export function fromUnits(units: bigint, decimals: number): string {
  const negative = units < 0n;
  const abs = negative ? -units : units;
  const scale = 10n ** BigInt(decimals);
  const whole = abs / scale;
  const fraction = abs % scale;
  const text =
    decimals > 0 ? `${whole}.${fraction.toString().padStart(decimals, "0")}` : `${whole}`;
  return negative ? `-${text}` : text;
}

/** Decimal places in a decimal string ("0.010" has 3). */
export function decimalsOf(text: string): number {
  const dot = text.indexOf(".");
  return dot < 0 ? 0 : text.length - dot - 1;
}

/** Compares two decimal strings exactly: -1, 0 or 1. */
export function compareDecimal(a: string, b: string): number {
  const places = Math.max(decimalsOf(a), decimalsOf(b));
  const x = toUnits(a.replace(/^-/, ""), places) ?? 0n;
  const y = toUnits(b.replace(/^-/, ""), places) ?? 0n;
  const sx = a.startsWith("-") ? -x : x;
  const sy = b.startsWith("-") ? -y : y;
  return sx < sy ? -1 : sx > sy ? 1 : 0;
}

/** price x quantity in units of the quote at `quoteDecimals`, rounded up. */
export function notionalUnits(
  price: string,
  quantity: string,
  quoteDecimals: number,
): bigint | null {
  const pd = decimalsOf(price);
  const qd = decimalsOf(quantity);
  const p = toUnits(price, pd);
  const q = toUnits(quantity, qd);
  if (p === null || q === null) return null;
  const raw = p * q; // at pd + qd places
  const shift = pd + qd - quoteDecimals;
  if (shift <= 0) return raw * 10n ** BigInt(-shift);
  const divisor = 10n ** BigInt(shift);
  return (raw + divisor - 1n) / divisor;
}

/** Groups thousands and keeps the digits as given: "1234567.50" -> "1,234,567.50". */
export function formatDecimal(text: string | null | undefined, places?: number): string {
  if (text === null || text === undefined || text === "") return "–";
  let value = text;
  if (places !== undefined) {
    const negative = value.startsWith("-");
    const units = toUnits(value.replace(/^-/, ""), Math.max(places, decimalsOf(value)));
    if (units === null) return text;
    const extra = decimalsOf(value) - places;
    const rounded = extra > 0 ? units / 10n ** BigInt(extra) : units;
    value = (negative ? "-" : "") + fromUnits(rounded, places);
  }
  const negative = value.startsWith("-");
  const [whole, fraction] = value.replace(/^-/, "").split(".") as [string, string?];
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return `${negative ? "-" : ""}${grouped}${fraction !== undefined ? `.${fraction}` : ""}`;
}

/** Drops trailing zeros of the fraction: "0.25000000" -> "0.25". */
export function trimZeros(text: string): string {
  if (!text.includes(".")) return text;
  return text.replace(/0+$/, "").replace(/\.$/, "");
}

/** A signed percentage with its sign: "1.25" -> "+1.25%". */
export function formatPercent(text: string): string {
  const sign = text.startsWith("-") || /^0(\.0+)?$/.test(text) ? "" : "+";
  return `${sign}${text}%`;
}

/** price x quantity in units of 10^-decimals, rounded down (for valuations). */
export function valueUnits(price: string, quantity: string, decimals: number): bigint | null {
  const pd = decimalsOf(price);
  const qd = decimalsOf(quantity);
  const p = toUnits(price, pd);
  const q = toUnits(quantity, qd);
  if (p === null || q === null) return null;
  const raw = p * q;
  const shift = pd + qd - decimals;
  return shift <= 0 ? raw * 10n ** BigInt(-shift) : raw / 10n ** BigInt(shift);
}

/** The share `part / whole` in percent with two decimals ("12.34"), "0.00" for no whole. */
export function percentOf(part: bigint, whole: bigint): string {
  if (whole <= 0n) return "0.00";
  return fromUnits((part * 10_000n) / whole, 2);
}
