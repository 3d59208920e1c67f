import { describe, expect, it } from "vitest";
import type { Backtest, BuiltinStrategy, ParamSpec } from "../api/types";
import { backtestRequest, defaultParams, defaultSweep, duration, paramProblem, paramsText, percent, progressPercent, ratio, sweepProblem, sweepRuns, sweepSets, sweepValues } from "./backtest";

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

describe("the sweep form", () => {
  const [fast, allocation, average] = crossover.params as [ParamSpec, ParamSpec, ParamSpec];

  it("reads each parameter's values, or leaves it unswept when empty", () => {
    expect(sweepValues(fast, " 5, 8 ,13")).toEqual({ values: [5, 8, 13], problem: null });
    expect(sweepValues(fast, "")).toEqual({ values: null, problem: null });
    expect(sweepValues(fast, "5, 2.5").problem).toBe("fast is a whole number");
    expect(sweepValues(fast, "5, 5").problem).toBe("fast: a value is given twice");
    expect(sweepValues(allocation, "0.5, 2").problem).toBe("allocation is from 0.01 to 1");
    expect(sweepValues(average, "sma, ema")).toEqual({ values: ["sma", "ema"], problem: null });
  });

  it("counts the sets and the runs, and refuses what the venue would", () => {
    const sweep = { ...defaultSweep(), values: { fast: "3, 5, 8", average: "sma, ema" } };
    expect(sweepSets(sweep, crossover.params)).toBe(6);
    expect(sweepRuns(sweep, crossover.params)).toBe(6);
    expect(sweepRuns({ ...sweep, walkForward: true, windows: 2 }, crossover.params)).toBe(6 * 3 + 2);
    expect(sweepSets({ ...sweep, kind: "random", samples: 4 }, crossover.params)).toBe(4);
    expect(sweepProblem(sweep, crossover.params)).toBeNull();
    expect(sweepProblem(defaultSweep(), crossover.params)).toBe("give values to at least one parameter");
    const many = Array.from({ length: 100 }, (_, i) => i + 1).join(",");
    expect(sweepProblem({ ...defaultSweep(), values: { fast: many, allocation: "0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8,0.9,1,0.05" } }, crossover.params)).toBe(
      "the grid holds 1100 sets; at most 1000 (sample it instead)",
    );
  });

  it("sends the swept values, the ranking and the windows", () => {
    const form = { strategy: "sma_crossover", params: { fast: 5, allocation: 0.95, average: "sma" }, symbol: "BTC-USD", timeframe: "1h", days: null, cash: "1000", slippageBps: 5, touch: false };
    const sweep = { ...defaultSweep(), kind: "random" as const, samples: 10, seed: 7, values: { fast: "3,5" }, walkForward: true, windows: 4, inSample: 0.6 };
    expect(backtestRequest({ ...form, sweep }, 0, crossover.params).sweep).toEqual({
      kind: "random",
      values: [{ name: "fast", values: [3, 5] }],
      samples: 10,
      seed: 7,
      rank_by: "sharpe",
      walk_forward: { windows: 4, in_sample: 0.6 },
    });
    expect(backtestRequest(form, 0, crossover.params).sweep).toBeUndefined();
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
    const base = { progress: { done: 25, total: 100, unit: "bars" }, status: "running" } as Backtest;
    expect(progressPercent(base)).toBe(25);
    expect(progressPercent({ ...base, status: "done" })).toBe(100);
    expect(progressPercent({ ...base, progress: null })).toBe(0);
  });
});
