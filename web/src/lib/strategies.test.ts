import { describe, expect, it } from "vitest";
import type { LiveStrategy, Signal } from "../api/types";
import { actionsFor, createRequest, newStrategyProblem, pnlFraction, signalLevels } from "./strategies";

const form = { name: "grid one", strategy: "grid", symbol: "BTC-USD", timeframe: "1m", params: { levels: 3 }, funding: "1000" };

describe("strategies", () => {
  it("offers the lifecycle actions a status allows", () => {
    expect(actionsFor("created")).toEqual(["start"]);
    expect(actionsFor("running")).toEqual(["pause", "stop", "panic"]);
    expect(actionsFor("paused")).toEqual(["start", "stop", "panic"]);
    expect(actionsFor("failed")).toEqual(["start"]);
  });

  it("checks a new strategy before it is sent", () => {
    expect(newStrategyProblem(form)).toBeNull();
    expect(newStrategyProblem({ ...form, name: " lead" })).toMatch(/name/);
    expect(newStrategyProblem({ ...form, name: "" })).toMatch(/name/);
    expect(newStrategyProblem({ ...form, strategy: "" })).toMatch(/built-in/);
    expect(newStrategyProblem({ ...form, funding: "-5" })).toMatch(/funding/);
    expect(newStrategyProblem({ ...form, funding: "" })).toBeNull();
    expect(createRequest(form)).toEqual({ name: "grid one", strategy: "grid", symbol: "BTC-USD", timeframe: "1m", params: { levels: 3 } });
  });

  it("draws a signal's entry, stop and target", () => {
    const signal = { entry: "100.00", stop_loss: "95.00", take_profit: null } as Signal;
    expect(signalLevels(signal).map((l) => `${l.title}@${l.price}`)).toEqual(["entry@100.00", "stop@95.00"]);
  });

  it("gives PnL as a share of the starting equity", () => {
    const s = { performance: { pnl: "50.00", cash: "1000.00", equity_curve: [{ time: 1, equity: "1000.00" }] } } as LiveStrategy;
    expect(pnlFraction(s)).toBeCloseTo(0.05);
    const empty = { performance: { pnl: "0", cash: "0", equity_curve: [] as { time: number; equity: string }[] } } as LiveStrategy;
    expect(pnlFraction(empty)).toBeNull();
  });
});
