import { describe, expect, it } from "vitest";
import { lossOf, usedPercent } from "./Risk";

describe("limit use", () => {
  it("is a share of the limit, capped at 100", () => {
    expect(usedPercent("25", "100")).toBe(25);
    expect(usedPercent("150.5", "100")).toBe(100);
    expect(usedPercent("3", null)).toBe(0);
    expect(usedPercent("0.000001", "0.000004")).toBe(25);
  });
  it("counts only losses against the daily loss limit", () => {
    expect(lossOf("-120.50")).toBe("120.50");
    expect(lossOf("35.00")).toBe("0");
  });
});
