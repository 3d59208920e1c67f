import { describe, expect, it } from "vitest";
import type { Backtest, BuiltinStrategy, ParamSpec } from "../api/types";
import { backtestRequest, defaultParams, duration, paramProblem, paramsText, percent, progressPercent, ratio } from "./backtest";

const crossover: BuiltinStrategy = {
  name: "sma_crossover",
  title: "Moving-average crossover",
  description: "",
  params: [
    { name: "fast", description: "", type: "integer", min: 1, max: 1000, default: 10, options: [] },
    { name: "allocation", description: "", type: "number", min: 0.01, max: 1, default: 0.95, options: [] },
    { name: "average", description: "", type: "choice", min: null, max: null, default: "sma", options: ["sma", "ema"] },
  ],
};

describe("the backtest form", () => {
  it("starts every parameter at its default", () => {
    expect(defaultParams(crossover)).toEqual({ fast: 10, allocation: 0.95, average: "sma" });
  });

  it("says which values do not fit", () => {
    const [fast, allocation, average] = crossover.params as [ParamSpec, ParamSpec, ParamSpec];
    expect(paramProblem(fast, 12)).toBeNull();
    expect(paramProblem(fast, 1.5)).toBe("fast is a whole number");
    expect(paramProblem(fast, 0)).toBe("fast is from 1 to 1000");
    expect(paramProblem(allocation, "x")).toBe("allocation is a number");
    expect(paramProblem(average, "wma")).toBe("average is one of sma, ema");
    expect(paramProblem(average, undefined)).toBe("average is required");
  });

  it("asks for the days before now, or the whole past", () => {
    const form = { strategy: "sma_crossover", params: { fast: 5 }, symbol: "BTC-USD", timeframe: "1h", days: 7, cash: "1000", slippageBps: 5, touch: false };
    expect(backtestRequest(form, 10 * 86_400_000)).toEqual({
      strategy: "sma_crossover",
      params: { fast: 5 },
      symbol: "BTC-USD",
      timeframe: "1h",
      cash: "1000",
      slippage_bps: 5,
      touch: false,
      from: 3 * 86_400_000,
      to: 10 * 86_400_000,
    });
    expect(backtestRequest({ ...form, days: null }, 1).from).toBeUndefined();
  });
});

describe("the report's figures", () => {
  it("read as percentages, ratios and durations, with n/a where undefined", () => {
    expect(percent(0.0512)).toBe("5.12%");
    expect(percent(null)).toBe("n/a");
    expect(ratio(1.23456)).toBe("1.235");
    expect(ratio(null)).toBe("n/a");
    expect(duration(7_200)).toBe("2.0 hours");
    expect(duration(3 * 86_400)).toBe("3.0 days");
    expect(paramsText({ fast: 5, average: "ema" })).toBe("fast=5 average=ema");
  });

  it("shows progress from the bars done", () => {
    const base = { progress: { done: 25, total: 100 }, status: "running" } as Backtest;
    expect(progressPercent(base)).toBe(25);
    expect(progressPercent({ ...base, status: "done" })).toBe(100);
    expect(progressPercent({ ...base, progress: null })).toBe(0);
  });
});
