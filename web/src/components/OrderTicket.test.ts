import { describe, expect, it } from "vitest";
import type { Ticket } from "../lib/validate";
import { ticketRequests } from "./OrderTicket";

const base: Ticket = { side: "buy", type: "limit", price: "65000.00", quantity: "0.5", postOnly: false, timeInForce: "GTC" };

describe("ticket requests", () => {
  it("sends a bracket with a limit entry", () => {
    const { order } = ticketRequests({ ...base, bracket: true, stopLoss: "62000.00", takeProfit: " " }, "BTC-USD");
    expect(order).toEqual({ symbol: "BTC-USD", side: "buy", quantity: "0.5", type: "limit", price: "65000.00", time_in_force: "GTC", post_only: false, bracket: { stop_loss: "62000.00" } });
  });
  it("sends stops at market or as limits, and trailing stops by price or bps", () => {
    expect(ticketRequests({ ...base, type: "stop", side: "sell", trigger: "62000.00" }, "BTC-USD").order).toEqual({ symbol: "BTC-USD", side: "sell", quantity: "0.5", type: "stop_market", trigger_price: "62000.00" });
    expect(ticketRequests({ ...base, type: "take_profit", conditionalLimit: true, trigger: "60000.00", price: "60100.00" }, "BTC-USD").order?.type).toBe("take_profit_limit");
    expect(ticketRequests({ ...base, type: "trailing", side: "sell", trailing: "150", trailingBps: true }, "BTC-USD").order).toMatchObject({ type: "trailing_stop", trailing_bps: 150 });
  });
  it("sends an OCO as its two legs", () => {
    const { oco } = ticketRequests({ ...base, type: "oco", side: "sell", price: "70000.00", ocoStop: "62000.00" }, "BTC-USD");
    expect(oco?.first).toMatchObject({ type: "limit", price: "70000.00" });
    expect(oco?.second).toMatchObject({ type: "stop_market", trigger_price: "62000.00" });
  });
});
