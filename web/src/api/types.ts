// The API's data shapes (see /api/v1/openapi.json). Decimals are strings.

export interface Pagination {
  page: number;
  limit: number;
  total: number;
  total_pages: number;
  has_next: boolean;
  has_prev: boolean;
}
export interface Paginated<T> {
  items: T[];
  pagination: Pagination;
}
export interface User {
  id: string;
  username: string;
  role: string;
  disabled: boolean;
  created_at: string;
}
export interface TokenResponse {
  access_token: string;
  refresh_token: string;
  token_type: string;
  expires_in: number;
  user: User;
}
export interface Asset {
  code: string;
  decimals: number;
}
export interface Instrument {
  symbol: string;
  base: string;
  quote: string;
  status: string;
  tick_size: string;
  lot_size: string;
  min_quantity: string;
  max_quantity: string;
  min_notional: string;
  price_decimals: number;
  quantity_decimals: number;
  price_band_bps: number;
  maker_fee_bps: number;
  taker_fee_bps: number;
  reference_price: string | null;
}
export interface Ticker {
  symbol: string;
  last: string | null;
  open_24h: string | null;
  high_24h: string | null;
  low_24h: string | null;
  volume_24h: string;
  quote_volume_24h: string;
  trades_24h: number;
  change_pct_24h: string;
  best_bid: string | null;
  best_bid_quantity: string | null;
  best_ask: string | null;
  best_ask_quantity: string | null;
  status: string;
  time: string;
}
export interface DepthLevel {
  price: string;
  quantity: string;
  orders: number;
}
export interface Depth {
  symbol: string;
  seq: number;
  bids: DepthLevel[];
  asks: DepthLevel[];
}
export interface PublicTrade {
  id: string;
  price: string;
  quantity: string;
  side: string;
  time: string;
}
export interface Candle {
  open_time: number;
  open: string;
  high: string;
  low: string;
  close: string;
  volume: string;
  quote_volume: string;
  trades: number;
}
export interface Balance {
  asset: string;
  available: string;
  held: string;
  total: string;
}
export interface Transfer {
  id: string;
  asset: string;
  kind: string;
  amount: string;
  posted_amount: string | null;
  status: string;
  created_at: string;
  updated_at: string;
}
export interface Fill {
  trade_id: string;
  price: string;
  quantity: string;
  fee: string;
  liquidity: string;
}
/** The order lifecycle's statuses, as the venue's OpenAPI document lists them. */
export type OrderStatus = "open" | "partially_filled" | "filled" | "cancelled" | "expired" | "untriggered";

/** Order types as the venue reports them. */
export type OrderType =
  | "limit"
  | "market"
  | "market_budget"
  | "stop_market"
  | "stop_limit"
  | "take_profit_market"
  | "take_profit_limit"
  | "trailing_stop";

export interface Bracket {
  stop_loss?: string | null;
  take_profit?: string | null;
}

export interface Order {
  id: string;
  client_order_id: string | null;
  symbol: string;
  side: "buy" | "sell";
  type: OrderType;
  price: string | null;
  quantity: string | null;
  quote_amount: string | null;
  filled_quantity: string;
  remaining_quantity: string;
  filled_value: string;
  average_price: string | null;
  fees: string;
  status: OrderStatus;
  reason: string | null;
  time_in_force: string;
  post_only: boolean;
  stp: string;
  expire_at: string | null;
  created_at: string;
  updated_at: string;
  trigger_price: string | null;
  trailing_offset: string | null;
  trailing_bps: number | null;
  triggered_at: string | null;
  trigger_refused: string | null;
  reduce_only: boolean;
  oco_order_id: string | null;
  parent_order_id: string | null;
  bracket: Bracket | null;
  fills: Fill[];
}
export interface Position {
  symbol: string;
  quantity: string;
  entry_price: string | null;
  cost: string;
  mark_price: string | null;
  value: string;
  unrealized_pnl: string;
  realized_pnl: string;
  fees: string;
  day_pnl: string;
  opened_at: string | null;
}
export interface LimitInForce {
  limit: string | null;
  source: "own" | "default" | null;
}
export interface QuoteRisk {
  asset: string;
  order_notional_max: LimitInForce;
  open_notional: string;
  open_notional_max: LimitInForce;
  daily_pnl: string;
  daily_loss_max: LimitInForce;
  breached: boolean;
}
export interface InstrumentRisk {
  symbol: string;
  position: string;
  open_buys: string;
  position_max: LimitInForce;
}
export interface Halt {
  scope: "venue" | "instrument" | "account";
  symbol: string | null;
  user_id: string | null;
  by: string;
  reason: string;
  since: string;
}
export interface Risk {
  user_id: string;
  open_orders: number;
  open_orders_max: LimitInForce;
  quotes: QuoteRisk[];
  instruments: InstrumentRisk[];
  halts: Halt[];
  trading_day_start_secs: number;
  trading_day_ends: string;
}
export interface AssetLimit {
  asset: string;
  limit: string;
}
export interface RiskDefaults {
  open_orders_max: number | null;
  order_notional_max: AssetLimit[];
  open_notional_max: AssetLimit[];
  daily_loss_max: AssetLimit[];
  position_max: { symbol: string; limit: string }[];
  trading_day_start_secs: number;
}
export type LimitChange =
  | { kind: "position_max"; symbol: string; value: string | null }
  | { kind: "order_notional_max" | "open_notional_max" | "daily_loss_max"; asset: string; value: string | null }
  | { kind: "open_orders_max"; value: number | null };
export interface PanicResult {
  cancelled: string[];
  flatten_orders: string[];
  unflattened: { symbol: string; code: string }[];
}
export interface MyTrade {
  id: string;
  symbol: string;
  order_id: string;
  side: string;
  price: string;
  quantity: string;
  value: string;
  fee: string;
  liquidity: string;
  time: string;
}
export interface ApiKey {
  id: string;
  name: string;
  scopes: string[];
  created_at: string;
  revoked_at: string | null;
}
export interface ApiKeyCreated {
  key: string;
  api_key: ApiKey;
}
export interface SystemStatus {
  version: string;
  profile: string;
  uptime_secs: number;
  journal: string;
  journal_error: string | null;
  sequence: { applied: number; durable: number; released: number; projected: number };
  last_snapshot: number | null;
  instruments: number;
  websocket_connections: number;
  registration_open: boolean;
  faucet_enabled: boolean;
  time: string;
}
export interface PlaceOrderRequest {
  symbol: string;
  side: "buy" | "sell";
  type: Exclude<OrderType, "market_budget">;
  price?: string;
  quantity?: string;
  quote_amount?: string;
  time_in_force?: string;
  post_only?: boolean;
  client_order_id?: string;
  trigger_price?: string;
  trailing_offset?: string;
  trailing_bps?: number;
  reduce_only?: boolean;
  bracket?: Bracket;
}
/** One second of the venue's statistics (GET /admin/stats, the `stats` topic): rates
 * over the interval before `time`, latency percentiles of what was observed in it
 * (null when nothing was), and levels at `time`. */
export interface StatsSample {
  time: string;
  interval_secs: number;
  commands_per_sec: number;
  orders_per_sec: number;
  rejections_per_sec: number;
  trades_per_sec: number;
  http_requests_per_sec: number;
  http_server_errors_per_sec: number;
  http_client_errors_per_sec: number;
  order_p50_ms: number | null;
  order_p99_ms: number | null;
  http_p50_ms: number | null;
  http_p99_ms: number | null;
  fsync_p99_ms: number | null;
  journal_lag: number;
  projector_lag: number;
  submit_queue_depth: number;
  ws_connections: number;
  ws_subscriptions: number;
  ws_messages_per_sec: number;
  cpu_percent: number | null;
  resident_bytes: number | null;
}
/** The samples of the last minutes, oldest first. */
export interface Stats {
  interval_ms: number;
  samples_max: number;
  samples: StatsSample[];
}
/** A parameter's value: a number, or a word for a choice. */
export type ParamValue = number | string;
/** One parameter of a built-in strategy (GET /strategies/builtins). */
export interface ParamSpec {
  name: string;
  description: string;
  type: "integer" | "number" | "choice";
  min: number | null;
  max: number | null;
  default: ParamValue;
  options: string[];
}
export interface BuiltinStrategy {
  name: string;
  title: string;
  description: string;
  params: ParamSpec[];
}
export type BacktestStatus = "queued" | "running" | "done" | "failed" | "cancelled";
/** The report's figures: money in the quote asset, ratios as fractions, null where undefined. */
export interface BacktestStatistics {
  start_equity: string;
  final_equity: string;
  total_return: number;
  cagr: number;
  sharpe: number | null;
  sortino: number | null;
  calmar: number | null;
  max_drawdown: number;
  max_drawdown_start: string | null;
  max_drawdown_end: string | null;
  max_drawdown_duration_secs: number;
  trades: number;
  win_rate: number | null;
  profit_factor: number | null;
  expectancy: number | null;
  sqn: number | null;
  exposure: number;
  average_trade: string | null;
  best_trade: string | null;
  worst_trade: string | null;
  average_holding_secs: number | null;
  fees: string;
  buy_and_hold_return: number;
}
export interface BacktestSummary {
  bars: number;
  statistics: BacktestStatistics;
  equity: { time: number; equity: string }[];
  drawdown: { time: number; drawdown: number }[];
  trades: { entry_time: string; exit_time: string; cost: string; pnl: string; fees: string }[];
  trades_total: number;
  rejected: number;
  signals_total: number;
}
export interface Backtest {
  id: string;
  status: BacktestStatus;
  strategy: string;
  params: Record<string, ParamValue>;
  symbol: string;
  timeframe: string;
  from: number;
  to: number;
  cash: string;
  slippage_bps: number;
  touch: boolean;
  fill_model: string;
  created_at: string;
  finished_at: string | null;
  progress: { done: number; total: number; unit: "bars" | "runs" } | null;
  error: string | null;
  summary: BacktestSummary | null;
  /** A sweep: what it tries. */
  sweep?: SweepRequest | null;
  /** A sweep once done: every set ranked best first, and the walk-forward windows. */
  sweep_result?: SweepResult | null;
}
export type RankBy = "total_return" | "sharpe" | "sortino" | "calmar" | "profit_factor" | "win_rate" | "sqn" | "max_drawdown";
export interface SweepRequest {
  kind: "grid" | "random";
  values: { name: string; values: ParamValue[] }[];
  samples?: number | null;
  seed?: number | null;
  rank_by: RankBy;
  walk_forward?: { windows: number; in_sample: number } | null;
}
export interface SweepRow {
  rank: number;
  params: Record<string, ParamValue>;
  score: number | null;
  statistics: BacktestStatistics;
}
export interface SweepWindow {
  in_sample_from: string;
  out_of_sample_from: string;
  out_of_sample_to: string;
  params: Record<string, ParamValue>;
  in_sample: BacktestStatistics;
  out_of_sample: BacktestStatistics;
}
export interface SweepResult {
  rank_by: RankBy;
  threads: number;
  rows: SweepRow[];
  windows: SweepWindow[];
}
/** On the `backtests` topic: one of the caller's runs moved. */
export interface BacktestProgressMessage {
  type: "backtest";
  id: string;
  status: BacktestStatus;
  progress: { done: number; total: number; unit: "bars" | "runs" };
}
export interface StartBacktestRequest {
  strategy: string;
  params: Record<string, ParamValue>;
  symbol: string;
  timeframe: string;
  from?: number;
  to?: number;
  cash?: string;
  slippage_bps?: number;
  touch?: boolean;
  sweep?: SweepRequest;
}

export type StrategyStatus = "created" | "running" | "paused" | "stopped" | "failed";
export interface StrategyPerformance {
  bars: number;
  last_bar: number | null;
  orders: number;
  rejected: number;
  fills: number;
  signals: number;
  position: string;
  cash: string;
  equity: string;
  pnl: string;
  statistics: BacktestStatistics | null;
  equity_curve: { time: number; equity: string }[];
}
/** A live strategy, trading from its own sub-account. */
export interface LiveStrategy {
  id: string;
  name: string;
  strategy: string;
  symbol: string;
  timeframe: string;
  params: Record<string, ParamValue>;
  status: StrategyStatus;
  error: string | null;
  account: string;
  created_at: string;
  updated_at: string;
  performance: StrategyPerformance;
}
export interface CreateStrategyRequest {
  name: string;
  strategy: string;
  symbol: string;
  timeframe: string;
  params: Record<string, ParamValue>;
  account?: string;
}
export type SignalSide = "buy" | "sell" | "hold";
export interface Signal {
  id: string;
  strategy_id: string;
  symbol: string;
  timeframe: string;
  side: SignalSide;
  confidence: number;
  strength: "weak" | "moderate" | "strong" | "very_strong";
  entry: string;
  stop_loss: string | null;
  take_profit: string | null;
  risk_reward: number | null;
  indicators: { name: string; value: number }[];
  time: string;
}
export interface Subaccount {
  id: string;
  name: string;
  created_at: string;
}
