// What an account is worth at market: each balance valued at the last price of its
// USD market, and the change since the 24h open of those markets. Exact integers in
// units of the valuation currency.

import type { Balance, Ticker } from "../api/types";
import { valueUnits } from "./decimal";

export const VALUATION_DECIMALS = 2;

/** The last price of `asset` in `quote` from the tickers, "1" for the quote itself. */
export function markPrice(tickers: Ticker[] | undefined, asset: string, quote = "USD"): string | null {
  if (asset === quote) return "1";
  const ticker = tickers?.find((t) => t.symbol === `${asset}-${quote}`);
  if (!ticker) return null;
  return ticker.last ?? ticker.best_bid ?? ticker.best_ask;
}

/** The 24h-open price of `asset` in `quote`, "1" for the quote itself. */
export function openPrice(tickers: Ticker[] | undefined, asset: string, quote = "USD"): string | null {
  if (asset === quote) return "1";
  const ticker = tickers?.find((t) => t.symbol === `${asset}-${quote}`);
  return ticker?.open_24h ?? ticker?.last ?? null;
}

export interface Valuation {
  /** Total value at last prices. */
  equity: bigint;
  /** Value now minus the value of the same holdings at the 24h open prices. */
  change: bigint;
  /** Assets held that have no price. */
  unpriced: string[];
}

export function valuation(balances: Balance[], tickers: Ticker[] | undefined): Valuation {
  let equity = 0n;
  let change = 0n;
  const unpriced: string[] = [];
  for (const b of balances) {
    const mark = markPrice(tickers, b.asset);
    if (mark === null) {
      if (!/^0(\.0+)?$/.test(b.total)) unpriced.push(b.asset);
      continue;
    }
    const now = valueUnits(mark, b.total, VALUATION_DECIMALS) ?? 0n;
    equity += now;
    const open = openPrice(tickers, b.asset);
    if (open !== null) change += now - (valueUnits(open, b.total, VALUATION_DECIMALS) ?? 0n);
  }
  return { equity, change, unpriced };
}
