import { describe, expect, it } from "vitest";
import {
  compareDecimal,
  decimalsOf,
  formatDecimal,
  formatPercent,
  fromUnits,
  notionalUnits,
  percentOf,
  toUnits,
  trimZeros,
  valueUnits,
} from "./decimal";

describe("decimal units", () => {
  it("parses plain decimals into integer units", () => {
    expect(toUnits("12", 2)).toBe(1200n);
    expect(toUnits("0.5", 8)).toBe(50_000_000n);
    expect(toUnits("65000.01", 2)).toBe(6_500_001n);
    expect(toUnits("1.2500", 2)).toBe(125n);
  });
  it("refuses what is not a plain decimal or is too precise", () => {
    for (const bad of ["", "-1", "1e3", "1.", ".5", "abc", "1,000", "0x10"]) {
      expect(toUnits(bad, 2)).toBeNull();
    }
    expect(toUnits("0.001", 2)).toBeNull();
  });
  it("formats units back exactly", () => {
    expect(fromUnits(6_500_001n, 2)).toBe("65000.01");
    expect(fromUnits(5n, 8)).toBe("0.00000005");
    expect(fromUnits(-150n, 2)).toBe("-1.50");
    expect(fromUnits(7n, 0)).toBe("7");
  });
  it("counts decimal places and compares exactly", () => {
    expect(decimalsOf("1.250")).toBe(3);
    expect(decimalsOf("10")).toBe(0);
    expect(compareDecimal("0.1", "0.10")).toBe(0);
    expect(compareDecimal("1.0000001", "1")).toBe(1);
    expect(compareDecimal("-2", "1")).toBe(-1);
    expect(compareDecimal("99999999999999999999.5", "99999999999999999999.4")).toBe(1);
  });
  it("computes a notional rounded up in quote units", () => {
    expect(notionalUnits("65000.00", "0.0010", 6)).toBe(65_000_000n);
    expect(notionalUnits("1.08501", "3", 2)).toBe(326n);
    expect(notionalUnits("x", "1", 2)).toBeNull();
  });
});

describe("display formatting", () => {
  it("groups thousands and keeps the digits", () => {
    expect(formatDecimal("1234567.50")).toBe("1,234,567.50");
    expect(formatDecimal("-1000")).toBe("-1,000");
    expect(formatDecimal("12.5")).toBe("12.5");
    expect(formatDecimal(null)).toBe("–");
  });
  it("rounds down to the places asked for", () => {
    expect(formatDecimal("1234.56789", 2)).toBe("1,234.56");
    expect(formatDecimal("0.5", 3)).toBe("0.500");
  });
  it("trims zeros and signs percentages", () => {
    expect(trimZeros("0.25000000")).toBe("0.25");
    expect(trimZeros("2.000")).toBe("2");
    expect(trimZeros("100")).toBe("100");
    expect(formatPercent("1.25")).toBe("+1.25%");
    expect(formatPercent("-0.40")).toBe("-0.40%");
    expect(formatPercent("0.00")).toBe("0.00%");
  });
});

describe("valuations", () => {
  it("values a holding at a price, rounding down", () => {
    expect(valueUnits("65000.5", "0.001", 2)).toBe(6500n);
    expect(valueUnits("1", "250", 2)).toBe(25_000n);
    expect(valueUnits("0.1", "0.03", 4)).toBe(30n);
    expect(valueUnits("x", "1", 2)).toBeNull();
  });
  it("gives shares in percent", () => {
    expect(percentOf(1n, 3n)).toBe("33.33");
    expect(percentOf(5n, 5n)).toBe("100.00");
    expect(percentOf(5n, 0n)).toBe("0.00");
  });
});
