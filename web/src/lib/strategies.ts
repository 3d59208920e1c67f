// What the Strategies and Signals pages compute: which lifecycle buttons a status
// offers, a new strategy's request and its problems, a signal's levels.

import type { CreateStrategyRequest, LiveStrategy, ParamValue, Signal, StrategyStatus } from "../api/types";
import { toUnits } from "./decimal";

/** A positive decimal amount with at most 18 decimals. */
function validAmount(text: string): boolean {
  const units = toUnits(text, 18);
  return units !== null && units > 0n;
}

export type LifecycleAction = "start" | "pause" | "stop" | "panic";

/** The lifecycle actions a strategy in `status` offers. */
export function actionsFor(status: StrategyStatus): LifecycleAction[] {
  switch (status) {
    case "created":
    case "stopped":
    case "failed":
      return ["start"];
    case "running":
      return ["pause", "stop", "panic"];
    case "paused":
      return ["start", "stop", "panic"];
  }
}

export interface NewStrategyForm {
  name: string;
  strategy: string;
  symbol: string;
  timeframe: string;
  params: Record<string, ParamValue>;
  /** Quote amount moved from the main account into the strategy's sub-account; empty for none. */
  funding: string;
}

const NAME = /^[A-Za-z0-9_.-]([A-Za-z0-9 _.-]*[A-Za-z0-9_.-])?$/;

/** Why the form cannot be sent yet, or null. */
export function newStrategyProblem(form: NewStrategyForm): string | null {
  if (!form.name.trim()) return "give the strategy a name";
  if (form.name.length > 40 || !NAME.test(form.name)) return "a name has 1 to 40 letters, digits, spaces, '-', '_' and '.', and does not start or end with a space";
  if (!form.strategy) return "choose a built-in";
  if (form.funding.trim() && !validAmount(form.funding.trim())) return "the funding is a positive decimal amount";
  return null;
}

export function createRequest(form: NewStrategyForm): CreateStrategyRequest {
  return { name: form.name, strategy: form.strategy, symbol: form.symbol, timeframe: form.timeframe, params: form.params };
}

/** The prices a signal draws on a chart: entry, stop and target. */
export function signalLevels(signal: Signal): { price: string; color: string; title: string }[] {
  const levels = [{ price: signal.entry, color: "#2563eb", title: "entry" }];
  if (signal.stop_loss) levels.push({ price: signal.stop_loss, color: "#dc2626", title: "stop" });
  if (signal.take_profit) levels.push({ price: signal.take_profit, color: "#16a34a", title: "target" });
  return levels;
}

/** A strategy's PnL as a fraction of its starting equity, or null before it has one. */
export function pnlFraction(strategy: LiveStrategy): number | null {
  const first = strategy.performance.equity_curve[0];
  const start = first ? Number(first.equity) : Number(strategy.performance.cash);
  if (!Number.isFinite(start) || start <= 0) return null;
  return Number(strategy.performance.pnl) / start;
}
