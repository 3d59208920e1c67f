// What the Backtests page computes: a parameter form's starting values and the request
// it sends, and how the report's figures read.

import type { Backtest, BuiltinStrategy, ParamSpec, ParamValue, StartBacktestRequest } from "../api/types";

/** Every parameter of a built-in at its default. */
export function defaultParams(builtin: BuiltinStrategy): Record<string, ParamValue> {
  return Object.fromEntries(builtin.params.map((p) => [p.name, p.default]));
}

/** Why a value does not fit its parameter, or null when it does. */
export function paramProblem(spec: ParamSpec, value: ParamValue | undefined | null): string | null {
  if (value === undefined || value === null || value === "") return `${spec.name} is required`;
  if (spec.type === "choice") return spec.options.includes(String(value)) ? null : `${spec.name} is one of ${spec.options.join(", ")}`;
  const n = typeof value === "number" ? value : Number(value);
  if (!Number.isFinite(n)) return `${spec.name} is a number`;
  if (spec.type === "integer" && !Number.isInteger(n)) return `${spec.name} is a whole number`;
  if ((spec.min !== null && n < spec.min) || (spec.max !== null && n > spec.max)) return `${spec.name} is from ${spec.min} to ${spec.max}`;
  return null;
}

export interface BacktestForm {
  strategy: string;
  params: Record<string, ParamValue>;
  symbol: string;
  timeframe: string;
  /** Days of candles before now (the whole stored past when empty). */
  days: number | null;
  cash: string;
  slippageBps: number;
  touch: boolean;
}

const DAY_MS = 86_400_000;

/** The request for a form, at `now`. */
export function backtestRequest(form: BacktestForm, now: number): StartBacktestRequest {
  const request: StartBacktestRequest = {
    strategy: form.strategy,
    params: form.params,
    symbol: form.symbol,
    timeframe: form.timeframe,
    cash: form.cash,
    slippage_bps: form.slippageBps,
    touch: form.touch,
  };
  if (form.days !== null && form.days > 0) {
    request.from = Math.max(0, now - form.days * DAY_MS);
    request.to = now;
  }
  return request;
}

/** A fraction as a percentage with two decimals. */
export function percent(value: number | null | undefined): string {
  return value === null || value === undefined ? "n/a" : `${(value * 100).toFixed(2)}%`;
}

/** A ratio with three decimals, "n/a" when undefined. */
export function ratio(value: number | null | undefined): string {
  return value === null || value === undefined ? "n/a" : value.toFixed(3);
}

/** A duration in hours or days. */
export function duration(secs: number | null | undefined): string {
  if (secs === null || secs === undefined) return "n/a";
  return secs >= 2 * 86_400 ? `${(secs / 86_400).toFixed(1)} days` : `${(secs / 3_600).toFixed(1)} hours`;
}

/** How far a backtest has come, 0 to 100. */
export function progressPercent(backtest: Backtest): number {
  if (backtest.status === "done") return 100;
  const p = backtest.progress;
  if (!p || p.total === 0) return 0;
  return Math.min(100, Math.floor((p.done / p.total) * 100));
}

/** The parameters as `name=value` words, for a list. */
export function paramsText(params: Record<string, ParamValue>): string {
  return Object.entries(params)
    .map(([k, v]) => `${k}=${v}`)
    .join(" ");
}
