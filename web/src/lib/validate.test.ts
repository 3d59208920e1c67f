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

describe("conditional orders, brackets and OCO", () => {
  const rich: Balance[] = [
    { asset: "USD", available: "100000.000000", held: "0", total: "100000.000000" },
    { asset: "BTC", available: "2.00000000", held: "0", total: "2.00000000" },
  ];
  const at = (over: Partial<Ticket>) => validateTicket(ticket(over), btc, rich, 6, "65000.00", "65000.00");

  it("wants a trigger on the tick that the last price has not met", () => {
    expect(at({ type: "stop", side: "sell", trigger: "" }).trigger).toMatch(/Enter a trigger price/);
    expect(at({ type: "stop", side: "sell", trigger: "64000.001" }).trigger).toMatch(/at most 2 decimals/);
    expect(at({ type: "stop", side: "sell", trigger: "64000.00" })).toEqual({});
    expect(at({ type: "stop", side: "sell", trigger: "66000.00" }).trigger).toMatch(/already met/);
    expect(at({ type: "stop", side: "buy", trigger: "64000.00" }).trigger).toMatch(/already met/);
    expect(at({ type: "take_profit", side: "sell", trigger: "64000.00" }).trigger).toMatch(/already met/);
    expect(at({ type: "take_profit", side: "sell", trigger: "70000.00" })).toEqual({});
  });

  it("holds a stop-market buy at its trigger plus the band", () => {
    // 0.1 at 70,000 + 10% = 77,000: 7,700 + fee, more than a poorer account has.
    const poor: Balance[] = [{ asset: "USD", available: "7500.000000", held: "0", total: "7500.000000" }];
    const errors = validateTicket(ticket({ type: "stop", side: "buy", trigger: "70000.00", quantity: "0.1" }), btc, poor, 6, "65000.00", "65000.00");
    expect(errors.funds).toMatch(/7715.400000 USD/);
  });

  it("checks a stop-limit's price and a trailing distance", () => {
    expect(at({ type: "stop", side: "sell", trigger: "64000.00", conditionalLimit: true, price: "" }).price).toMatch(/Enter a limit price/);
    expect(at({ type: "trailing", side: "sell", trailing: "500.00" })).toEqual({});
    expect(at({ type: "trailing", side: "sell", trailing: "0.001" }).trailing).toMatch(/decimals/);
    expect(at({ type: "trailing", side: "sell", trailing: "150", trailingBps: true })).toEqual({});
    expect(at({ type: "trailing", side: "sell", trailing: "6000", trailingBps: true }).trailing).toMatch(/1 to 5000/);
  });

  it("puts a bracket's stop loss and take profit on the right sides", () => {
    expect(at({ bracket: true, stopLoss: "62000.00", takeProfit: "70000.00" })).toEqual({});
    expect(at({ bracket: true }).bracket).toMatch(/stop loss, a take profit or both/);
    expect(at({ bracket: true, stopLoss: "66000.00" }).bracket).toMatch(/below its price/);
    expect(at({ bracket: true, takeProfit: "60000.00" }).bracket).toMatch(/above its price/);
    expect(at({ side: "sell", quantity: "0.01", bracket: true, stopLoss: "66000.00", takeProfit: "60000.00" })).toEqual({});
  });

  it("wants an OCO's limit and stop on either side of the last price", () => {
    expect(at({ type: "oco", side: "sell", price: "70000.00", ocoStop: "62000.00" })).toEqual({});
    expect(at({ type: "oco", side: "sell", price: "70000.00", ocoStop: "66000.00" }).oco).toMatch(/sells below/);
    expect(at({ type: "oco", side: "sell", price: "64000.00", ocoStop: "62000.00" }).oco).toMatch(/sells above/);
  });
});
