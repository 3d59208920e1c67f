// What the Backtests page computes: a parameter form's starting values and the request
// it sends, and how the report's figures read.

import type { Backtest, BuiltinStrategy, ParamSpec, ParamValue, RankBy, StartBacktestRequest, SweepRequest } from "../api/types";

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
  /** Present when the run is a parameter sweep. */
  sweep?: SweepForm;
}

/** A sweep as the form holds it: each swept parameter's values as typed. */
export interface SweepForm {
  kind: "grid" | "random";
  /** Values by parameter, comma-separated; a parameter left empty is not swept. */
  values: Record<string, string>;
  samples: number;
  seed: number;
  rankBy: RankBy;
  walkForward: boolean;
  windows: number;
  inSample: number;
}

/** The venue's bounds on a sweep over the API. */
export const SWEEP_SETS_MAX = 1_000;
export const SWEEP_VALUES_PER_PARAM_MAX = 100;
export const SWEEP_PARAMS_MAX = 8;

export const RANK_BY: { value: RankBy; label: string }[] = [
  { value: "sharpe", label: "Sharpe" },
  { value: "total_return", label: "Total return" },
  { value: "sortino", label: "Sortino" },
  { value: "calmar", label: "Calmar" },
  { value: "profit_factor", label: "Profit factor" },
  { value: "win_rate", label: "Win rate" },
  { value: "sqn", label: "SQN" },
  { value: "max_drawdown", label: "Max drawdown (lowest)" },
];

export function defaultSweep(): SweepForm {
  return { kind: "grid", values: {}, samples: 50, seed: 1, rankBy: "sharpe", walkForward: false, windows: 3, inSample: 0.7 };
}

/** One parameter's typed values: the values, or why they do not fit (null values when
 * the field is empty, so the parameter is not swept). */
export function sweepValues(spec: ParamSpec, text: string | undefined): { values: ParamValue[] | null; problem: string | null } {
  const words = (text ?? "")
    .split(",")
    .map((w) => w.trim())
    .filter((w) => w !== "");
  if (words.length === 0) return { values: null, problem: null };
  if (words.length > SWEEP_VALUES_PER_PARAM_MAX) return { values: null, problem: `${spec.name}: at most ${SWEEP_VALUES_PER_PARAM_MAX} values` };
  const values: ParamValue[] = spec.type === "choice" ? words : words.map(Number);
  for (const v of values) {
    const problem = paramProblem(spec, v);
    if (problem) return { values: null, problem };
  }
  if (new Set(values.map(String)).size !== values.length) return { values: null, problem: `${spec.name}: a value is given twice` };
  return { values, problem: null };
}

/** How many parameter sets a sweep tries. */
export function sweepSets(form: SweepForm, specs: ParamSpec[]): number {
  const grid = specs.reduce((n, spec) => n * (sweepValues(spec, form.values[spec.name]).values?.length ?? 1), 1);
  return form.kind === "grid" ? grid : Math.min(grid, form.samples);
}

/** How many backtests it runs: each set over the whole period and in each window's
 * sample, and each window's choice out of sample. */
export function sweepRuns(form: SweepForm, specs: ParamSpec[]): number {
  const windows = form.walkForward ? form.windows : 0;
  return sweepSets(form, specs) * (1 + windows) + windows;
}

/** What stops a sweep from being sent, or null. */
export function sweepProblem(form: SweepForm, specs: ParamSpec[]): string | null {
  const swept = specs.map((spec) => ({ spec, ...sweepValues(spec, form.values[spec.name]) }));
  const bad = swept.find((s) => s.problem);
  if (bad) return bad.problem;
  const count = swept.filter((s) => s.values).length;
  if (count === 0) return "give values to at least one parameter";
  if (count > SWEEP_PARAMS_MAX) return `a sweep varies at most ${SWEEP_PARAMS_MAX} parameters`;
  if (form.kind === "grid" && sweepSets(form, specs) > SWEEP_SETS_MAX) return `the grid holds ${sweepSets(form, specs)} sets; at most ${SWEEP_SETS_MAX} (sample it instead)`;
  if (form.kind === "random" && (form.samples < 1 || form.samples > SWEEP_SETS_MAX)) return `a sample draws 1 to ${SWEEP_SETS_MAX} sets`;
  return null;
}

/** The sweep part of the request. */
export function sweepRequest(form: SweepForm, specs: ParamSpec[]): SweepRequest {
  const values = specs.flatMap((spec) => {
    const v = sweepValues(spec, form.values[spec.name]).values;
    return v ? [{ name: spec.name, values: v }] : [];
  });
  const request: SweepRequest = { kind: form.kind, values, rank_by: form.rankBy };
  if (form.kind === "random") {
    request.samples = form.samples;
    request.seed = form.seed;
  }
  if (form.walkForward) request.walk_forward = { windows: form.windows, in_sample: form.inSample };
  return request;
}

const DAY_MS = 86_400_000;

/** The request for a form, at `now` (`specs`: the built-in's parameters, for a sweep). */
export function backtestRequest(form: BacktestForm, now: number, specs: ParamSpec[] = []): StartBacktestRequest {
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
  if (form.sweep) request.sweep = sweepRequest(form.sweep, specs);
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
