import { describe, expect, it } from "vitest";
import type { Order } from "../api/types";
import { groupOrders, typeLabel } from "./OrdersPanel";

const order = (over: Partial<Order>): Order => ({
  id: "1",
  client_order_id: null,
  symbol: "BTC-USD",
  side: "sell",
  type: "limit",
  price: "70000.00",
  quantity: "0.5",
  quote_amount: null,
  filled_quantity: "0",
  remaining_quantity: "0.5",
  filled_value: "0",
  average_price: null,
  fees: "0",
  status: "open",
  reason: null,
  time_in_force: "GTC",
  post_only: false,
  stp: "cancel_newest",
  expire_at: null,
  created_at: "2026-01-01T00:00:00Z",
  updated_at: "2026-01-01T00:00:00Z",
  trigger_price: null,
  trailing_offset: null,
  trailing_bps: null,
  triggered_at: null,
  trigger_refused: null,
  reduce_only: false,
  oco_order_id: null,
  parent_order_id: null,
  bracket: null,
  fills: [],
  ...over,
});

describe("grouped open orders", () => {
  it("puts a bracket's legs under its entry", () => {
    const entry = order({ id: "10", side: "buy", price: "65000.00", bracket: { stop_loss: "62000.00", take_profit: "70000.00" } });
    const stop = order({ id: "11", type: "stop_market", price: null, status: "untriggered", trigger_price: "62000.00", parent_order_id: "10", oco_order_id: "12" });
    const take = order({ id: "12", parent_order_id: "10", oco_order_id: "11" });
    const rows = groupOrders([take, stop, entry]);
    expect(rows.map((r) => r.id)).toEqual(["10"]);
    expect(rows[0]!.children?.map((r) => r.id).sort()).toEqual(["11", "12"]);
    expect(typeLabel(stop)).toBe("Stop · stop loss");
    expect(typeLabel(take)).toBe("Limit · take profit");
    expect(typeLabel(entry)).toBe("Limit · bracket");
  });

  it("heads a pair with its first leg when there is no entry", () => {
    const first = order({ id: "20", oco_order_id: "21" });
    const second = order({ id: "21", type: "stop_market", oco_order_id: "20", status: "untriggered" });
    const plain = order({ id: "22" });
    const rows = groupOrders([second, first, plain]);
    expect(rows.map((r) => r.id)).toEqual(["20", "22"]);
    expect(rows[0]!.children?.map((r) => r.id)).toEqual(["21"]);
    expect(typeLabel(first)).toBe("Limit · OCO");
  });
});
