import { describe, expect, it } from "vitest";
import type { Balance, Ticker } from "../api/types";
import { markPrice, valuation } from "./valuation";

function ticker(symbol: string, last: string | null, open: string | null): Ticker {
  return {
    symbol,
    last,
    open_24h: open,
    high_24h: null,
    low_24h: null,
    volume_24h: "0",
    quote_volume_24h: "0",
    trades_24h: 0,
    change_pct_24h: "0",
    best_bid: "99",
    best_bid_quantity: "1",
    best_ask: "101",
    best_ask_quantity: "1",
    status: "trading",
    time: "2026-01-01T00:00:00Z",
  };
}

const balance = (asset: string, total: string): Balance => ({ asset, available: total, held: "0", total });

describe("valuation", () => {
  const tickers = [ticker("BTC-USD", "60000.00", "50000.00"), ticker("ETH-USD", null, null)];

  it("prices the quote at one, others at their last trade, then the best bid", () => {
    expect(markPrice(tickers, "USD")).toBe("1");
    expect(markPrice(tickers, "BTC")).toBe("60000.00");
    expect(markPrice(tickers, "ETH")).toBe("99");
    expect(markPrice(tickers, "DOGE")).toBeNull();
  });

  it("sums holdings at market and the change since the 24h open", () => {
    const v = valuation([balance("USD", "1000.50"), balance("BTC", "0.5"), balance("DOGE", "3"), balance("XRP", "0")], tickers);
    expect(v.equity).toBe(100_050n + 3_000_000n);
    expect(v.change).toBe(500_000n);
    expect(v.unpriced).toEqual(["DOGE"]);
  });

  it("is zero for an empty account", () => {
    expect(valuation([], undefined)).toEqual({ equity: 0n, change: 0n, unpriced: [] });
  });
});
