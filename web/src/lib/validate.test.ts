import { describe, expect, it } from "vitest";
import type { Balance, Instrument } from "../api/types";
import { type Ticket, priceBand, validateTicket } from "./validate";

const btc: Instrument = {
  symbol: "BTC-USD",
  base: "BTC",
  quote: "USD",
  status: "trading",
  tick_size: "0.01",
  lot_size: "0.0001",
  min_quantity: "0.0001",
  max_quantity: "1000",
  min_notional: "1",
  price_decimals: 2,
  quantity_decimals: 8,
  price_band_bps: 1000,
  maker_fee_bps: 10,
  taker_fee_bps: 20,
  reference_price: "65000.00",
};
const balances: Balance[] = [
  { asset: "USD", available: "1000.000000", held: "0", total: "1000.000000" },
  { asset: "BTC", available: "0.50000000", held: "0", total: "0.50000000" },
];
const ticket = (over: Partial<Ticket>): Ticket => ({
  side: "buy",
  type: "limit",
  price: "65000.00",
  quantity: "0.01",
  postOnly: false,
  timeInForce: "GTC",
  ...over,
});
const check = (over: Partial<Ticket>) => validateTicket(ticket(over), btc, balances, 6, "65000.00");

describe("order ticket validation", () => {
  it("accepts a sound limit buy", () => {
    expect(check({})).toEqual({});
  });
  it("explains quantity mistakes", () => {
    expect(check({ quantity: "" }).quantity).toMatch(/Enter a quantity/);
    expect(check({ quantity: "abc" }).quantity).toMatch(/at most 8 decimals/);
    expect(check({ quantity: "0" }).quantity).toMatch(/more than zero/);
    expect(check({ quantity: "0.00015" }).quantity).toMatch(/lot size 0.0001/);
    expect(check({ quantity: "2000" }).quantity).toMatch(/largest order is 1000/);
  });
  it("explains price mistakes", () => {
    expect(check({ price: "" }).price).toMatch(/Enter a limit price/);
    expect(check({ price: "65000.005" }).price).toMatch(/at most 2 decimals/);
    expect(check({ price: "0" }).price).toMatch(/more than zero/);
  });
  it("checks the minimum notional", () => {
    expect(check({ price: "100.00", quantity: "0.0001" }).quantity).toMatch(/less than the minimum/);
  });
  it("checks funds for a buy, fee included, and for a sell", () => {
    // 0.0153 x 65000 = 994.5, plus a 0.2% fee of 1.989: still within 1000.
    expect(check({ quantity: "0.0153" }).funds).toBeUndefined();
    // 0.0154 x 65000 = 1001, plus 2.002.
    expect(check({ quantity: "0.0154" }).funds).toBe(
      "This needs about 1003.002000 USD; 1000.000000 is available.",
    );
    expect(check({ side: "sell", quantity: "0.5" })).toEqual({});
    expect(check({ side: "sell", quantity: "0.6" }).funds).toMatch(/0.50000000 BTC available/);
  });
  it("prices a market buy at the reference price", () => {
    expect(check({ type: "market", price: "", quantity: "0.1" }).funds).toMatch(/needs about/);
    expect(check({ type: "market", price: "", quantity: "0.01" })).toEqual({});
  });
  it("refuses post-only with IOC or FOK", () => {
    expect(check({ postOnly: true, timeInForce: "IOC" }).flags).toMatch(/GTC/);
    expect(check({ postOnly: true })).toEqual({});
  });
});

describe("price band", () => {
  it("is the reference plus and minus the band, on the tick grid", () => {
    expect(priceBand(btc, "65000.01")).toEqual({ low: 5_850_001n, high: 7_150_001n });
    expect(priceBand(btc, null)).toBeNull();
    expect(priceBand({ ...btc, price_band_bps: 0 }, "65000")).toBeNull();
  });
  it("refuses limit prices outside the band around the last price", () => {
    const band = (price: string) => validateTicket(ticket({ price, quantity: "0.001" }), btc, balances, 6, "65000.00", "65000.00");
    expect(band("58500.00")).toEqual({});
    expect(band("71500.00")).toEqual({});
    expect(band("58499.99").price).toMatch(/between 58500.00 and 71500.00/);
    expect(band("71500.01").price).toMatch(/within 10% of the last price/);
  });
});
