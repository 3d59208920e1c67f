// Server state through TanStack Query. Live WebSocket messages invalidate or patch
// these caches (see the pages), so lists stay current without polling hard.

import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useAuth } from "../store/auth";
import { mergeStats } from "../lib/stats";
import { api } from "./client";
import type {
  ApiKey,
  Asset,
  Backtest,
  LiveStrategy,
  Signal,
  Subaccount,
  BuiltinStrategy,
  Balance,
  Candle,
  Depth,
  Instrument,
  MyTrade,
  Order,
  Halt,
  Paginated,
  Position,
  PublicTrade,
  Risk,
  RiskDefaults,
  Stats,
  SystemStatus,
  Ticker,
  Transfer,
  User,
} from "./types";

export const keys = {
  instruments: ["instruments"] as const,
  assets: ["assets"] as const,
  tickers: ["tickers"] as const,
  status: ["status"] as const,
  balances: ["balances"] as const,
  orders: (filter: string) => ["orders", filter] as const,
  allOrders: ["orders"] as const,
  myTrades: ["my-trades"] as const,
  transfers: ["transfers"] as const,
  me: ["me"] as const,
  apiKeys: ["api-keys"] as const,
  candles: (symbol: string, interval: string) => ["candles", symbol, interval] as const,
  trades: (symbol: string) => ["trades", symbol] as const,
  depth: (symbol: string) => ["depth", symbol] as const,
  positions: ["positions"] as const,
  risk: ["risk"] as const,
  halts: ["halts"] as const,
  riskAccounts: ["risk-accounts"] as const,
  riskDefaults: ["risk-defaults"] as const,
  stats: ["admin-stats"] as const,
  builtins: ["strategy-builtins"] as const,
  backtests: ["backtests"] as const,
  backtest: (id: string) => ["backtests", id] as const,
  strategies: ["strategies"] as const,
  strategy: (id: string) => ["strategies", id] as const,
  signals: (filter: string) => ["signals", filter] as const,
  subaccounts: ["subaccounts"] as const,
};

function signedIn(): boolean {
  return useAuth.getState().session !== null;
}

export const useInstruments = () =>
  useQuery({ queryKey: keys.instruments, queryFn: () => api<Instrument[]>("/instruments", { auth: false }), staleTime: 60_000 });

export const useAssets = () =>
  useQuery({ queryKey: keys.assets, queryFn: () => api<Asset[]>("/assets", { auth: false }), staleTime: 60_000 });

export const useTickers = () =>
  useQuery({ queryKey: keys.tickers, queryFn: () => api<Ticker[]>("/markets/tickers", { auth: false }), refetchInterval: 10_000 });

export const useStatus = () =>
  useQuery({ queryKey: keys.status, queryFn: () => api<SystemStatus>("/system/status", { auth: false }), refetchInterval: 5_000 });

export const useBalances = () =>
  useQuery({ queryKey: keys.balances, queryFn: () => api<Balance[]>("/balances"), enabled: signedIn(), refetchInterval: 15_000 });

export const useOrders = (status: "open" | "closed" | "all", symbol?: string, page = 1, limit = 50) => {
  const query = new URLSearchParams({ status, page: String(page), limit: String(limit) });
  if (symbol) query.set("symbol", symbol);
  return useQuery({
    queryKey: keys.orders(query.toString()),
    queryFn: () => api<Paginated<Order>>(`/orders?${query.toString()}`),
    enabled: signedIn(),
    refetchInterval: 15_000,
  });
};

export const useMyTrades = (limit = 20) =>
  useQuery({
    queryKey: [...keys.myTrades, limit],
    queryFn: () => api<Paginated<MyTrade>>(`/trades?limit=${limit}`),
    enabled: signedIn(),
    refetchInterval: 15_000,
  });

export const useTransfers = (page = 1) =>
  useQuery({
    queryKey: [...keys.transfers, page],
    queryFn: () => api<Paginated<Transfer>>(`/transfers?page=${page}&limit=20`),
    enabled: signedIn(),
  });

export const useMe = () => useQuery({ queryKey: keys.me, queryFn: () => api<User>("/me"), enabled: signedIn() });

export const useApiKeys = () =>
  useQuery({ queryKey: keys.apiKeys, queryFn: () => api<ApiKey[]>("/api-keys"), enabled: signedIn() });

export const useCandles = (symbol: string, interval: string) =>
  useQuery({
    queryKey: keys.candles(symbol, interval),
    queryFn: () => api<Candle[]>(`/markets/${symbol}/candles?interval=${interval}&limit=300`, { auth: false }),
    staleTime: 30_000,
  });

export const usePublicTrades = (symbol: string) =>
  useQuery({
    queryKey: keys.trades(symbol),
    queryFn: () => api<PublicTrade[]>(`/markets/${symbol}/trades?limit=50`, { auth: false }),
  });

export const useDepth = (symbol: string) =>
  useQuery({ queryKey: keys.depth(symbol), queryFn: () => api<Depth>(`/markets/${symbol}/depth?levels=20`, { auth: false }) });

export const usePositions = () =>
  useQuery({ queryKey: keys.positions, queryFn: () => api<Position[]>("/positions"), enabled: signedIn(), refetchInterval: 15_000 });

export const useRisk = () =>
  useQuery({ queryKey: keys.risk, queryFn: () => api<Risk>("/risk/limits"), enabled: signedIn(), refetchInterval: 15_000 });

export const useHalts = () =>
  useQuery({ queryKey: keys.halts, queryFn: () => api<Halt[]>("/halts"), enabled: signedIn(), refetchInterval: 15_000 });

export const useRiskAccounts = (page: number, enabled: boolean) =>
  useQuery({
    queryKey: [...keys.riskAccounts, page],
    queryFn: () => api<Paginated<Risk>>(`/admin/risk/accounts?page=${page}&limit=10`),
    enabled: signedIn() && enabled,
    refetchInterval: 15_000,
  });

export const useRiskDefaults = () =>
  useQuery({ queryKey: keys.riskDefaults, queryFn: () => api<RiskDefaults>("/admin/risk/defaults"), enabled: signedIn() });

/** The venue's statistics of the last minutes (administrators). The Monitoring page
 * appends the live samples of the `stats` topic to this cache; a fetch keeps the ones
 * that arrived while it was under way. Fetched again on every visit of the page. */
export const useStats = (enabled: boolean) => {
  const client = useQueryClient();
  return useQuery({
    queryKey: keys.stats,
    queryFn: async () => mergeStats(await api<Stats>("/admin/stats"), client.getQueryData<Stats>(keys.stats)),
    enabled: signedIn() && enabled,
    staleTime: 0,
    refetchOnMount: "always",
  });
};

/** A function that refetches what a trade, a cancel or a deposit changes: the
 * user's orders, balances, trades, positions and risk. */
export function useRefreshAccount(): () => void {
  const client = useQueryClient();
  return () => {
    void client.invalidateQueries({ queryKey: keys.allOrders });
    void client.invalidateQueries({ queryKey: keys.balances });
    void client.invalidateQueries({ queryKey: keys.myTrades });
    void client.invalidateQueries({ queryKey: keys.positions });
    void client.invalidateQueries({ queryKey: keys.risk });
  };
}

export const useBuiltins = () =>
  useQuery({ queryKey: keys.builtins, queryFn: () => api<BuiltinStrategy[]>("/strategies/builtins"), enabled: signedIn(), staleTime: 300_000 });

/** How often a list or a backtest that has not ended is read again. */
export const BACKTEST_POLL_MS = 1_000;

const unfinished = (b: Backtest) => b.status === "queued" || b.status === "running";

export const useBacktests = () =>
  useQuery({
    queryKey: keys.backtests,
    queryFn: () => api<Paginated<Backtest>>("/backtests?limit=50"),
    enabled: signedIn(),
    refetchInterval: (query) => (query.state.data?.items.some(unfinished) ? BACKTEST_POLL_MS : 15_000),
  });

/** How often live strategies are read again (the `strategies` topic also refreshes them). */
export const STRATEGY_POLL_MS = 5_000;

export const useStrategies = () =>
  useQuery({ queryKey: keys.strategies, queryFn: () => api<LiveStrategy[]>("/strategies"), enabled: signedIn(), refetchInterval: STRATEGY_POLL_MS });

export const useStrategy = (id: string | null) =>
  useQuery({ queryKey: keys.strategy(id ?? ""), queryFn: () => api<LiveStrategy>(`/strategies/${id}`), enabled: signedIn() && id !== null, refetchInterval: STRATEGY_POLL_MS });

/** Signals matching a query string (`strategy_id=`, `symbol=`, `side=`, ...). */
export const useSignals = (query: string) =>
  useQuery({ queryKey: keys.signals(query), queryFn: () => api<Paginated<Signal>>(`/signals?${query}`), enabled: signedIn(), refetchInterval: STRATEGY_POLL_MS });

export const useSubaccounts = () => useQuery({ queryKey: keys.subaccounts, queryFn: () => api<Subaccount[]>("/subaccounts"), enabled: signedIn() });

export const useBacktest = (id: string | null) =>
  useQuery({
    queryKey: keys.backtest(id ?? ""),
    queryFn: () => api<Backtest>(`/backtests/${id}`),
    enabled: signedIn() && id !== null,
    refetchInterval: (query) => (query.state.data && !unfinished(query.state.data) ? false : BACKTEST_POLL_MS),
  });
