import { describe, expect, it } from "vitest";
import { type SocketLike, WsClient, backoffDelay, topicOf } from "./client";

class FakeSocket implements SocketLike {
  readyState = 0;
  sent: Record<string, unknown>[] = [];
  onopen: ((event: unknown) => void) | null = null;
  onclose: ((event: unknown) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  constructor(readonly url: string) {}
  send(data: string) {
    this.sent.push(JSON.parse(data) as Record<string, unknown>);
  }
  close() {
    this.readyState = 3;
  }
  open() {
    this.readyState = 1;
    this.onopen?.({});
  }
  drop() {
    this.readyState = 3;
    this.onclose?.({});
  }
  receive(message: unknown) {
    this.onmessage?.({ data: JSON.stringify(message) });
  }
}

function setup(token: string | null = "tok") {
  const sockets: FakeSocket[] = [];
  const timers: { callback: () => void; ms: number }[] = [];
  const statuses: string[] = [];
  const client = new WsClient({
    url: "ws://venue/api/v1/ws",
    token: () => token,
    createSocket: (url) => {
      const socket = new FakeSocket(url);
      sockets.push(socket);
      return socket;
    },
    schedule: (callback, ms) => timers.push({ callback, ms }),
    random: () => 0,
    onStatus: (status) => statuses.push(status),
  });
  return { client, sockets, timers, statuses };
}

describe("WebSocket client", () => {
  it("authenticates, then subscribes to what was asked before it opened", () => {
    const { client, sockets } = setup();
    client.start();
    client.subscribe("ticker:BTC-USD", () => {});
    client.subscribe("orders", () => {});
    sockets[0]!.open();
    expect(sockets[0]!.sent.map((m) => m.op)).toEqual(["auth", "subscribe"]);
    expect(sockets[0]!.sent[1]!.topics).toEqual(["ticker:BTC-USD", "orders"]);
  });

  it("routes messages to the handlers of their topic", () => {
    const { client, sockets } = setup();
    client.start();
    sockets[0]!.open();
    const got: string[] = [];
    client.subscribe("book:BTC-USD", (m) => got.push(`book ${m.type}`));
    client.subscribe("trades:BTC-USD", (m) => got.push(`trade ${String(m.id)}`));
    client.subscribe("orders", (m) => got.push(`order ${String(m.event)}`));
    sockets[0]!.receive({ type: "book_snapshot", symbol: "BTC-USD", seq: 1, bids: [], asks: [] });
    sockets[0]!.receive({ type: "trade", symbol: "BTC-USD", id: "7" });
    sockets[0]!.receive({ type: "trade", symbol: "ETH-USD", id: "8" });
    sockets[0]!.receive({ type: "order", event: "fill" });
    sockets[0]!.receive({ type: "heartbeat" });
    expect(got).toEqual(["book book_snapshot", "trade 7", "order fill"]);
  });

  it("reconnects with backoff and subscribes again", () => {
    const { client, sockets, timers, statuses } = setup();
    client.start();
    sockets[0]!.open();
    client.subscribe("book:ETH-USD", () => {});
    sockets[0]!.drop();
    expect(timers[0]!.ms).toBe(500);
    timers[0]!.callback();
    sockets[1]!.drop();
    expect(timers[1]!.ms).toBe(1000);
    timers[1]!.callback();
    sockets[2]!.open();
    expect(sockets[2]!.sent.map((m) => m.op)).toEqual(["auth", "subscribe"]);
    expect(sockets[2]!.sent[1]!.topics).toEqual(["book:ETH-USD"]);
    expect(statuses).toEqual(["connecting", "open", "closed", "connecting", "closed", "connecting", "open"]);
  });

  it("unsubscribes when the last handler goes, and resyncs a topic", () => {
    const { client, sockets } = setup(null);
    client.start();
    sockets[0]!.open();
    const first = client.subscribe("book:BTC-USD", () => {});
    const second = client.subscribe("book:BTC-USD", () => {});
    client.resync("book:BTC-USD");
    first();
    second();
    expect(sockets[0]!.sent.map((m) => `${String(m.op)} ${JSON.stringify(m.topics)}`)).toEqual([
      'subscribe ["book:BTC-USD"]',
      'unsubscribe ["book:BTC-USD"]',
      'subscribe ["book:BTC-USD"]',
      'unsubscribe ["book:BTC-USD"]',
    ]);
  });

  it("does not reconnect once stopped", () => {
    const { client, sockets, timers } = setup();
    client.start();
    sockets[0]!.open();
    client.stop();
    sockets[0]!.drop();
    expect(timers).toHaveLength(0);
  });
});

describe("helpers", () => {
  it("caps the backoff and adds jitter", () => {
    expect(backoffDelay(0, () => 0)).toBe(500);
    expect(backoffDelay(3, () => 0)).toBe(4000);
    expect(backoffDelay(20, () => 0)).toBe(15000);
    expect(backoffDelay(0, () => 1)).toBe(625);
  });
  it("maps messages to topics", () => {
    expect(topicOf({ type: "candle", symbol: "BTC-USD", interval: "1m" })).toBe("candles:BTC-USD:1m");
    expect(topicOf({ type: "balance" })).toBe("balances");
    expect(topicOf({ type: "stats", time: "2026-01-01T00:00:00Z" })).toBe("stats");
    expect(topicOf({ type: "position" })).toBe("positions");
    expect(topicOf({ type: "risk", event: "usage" })).toBe("risk");
    expect(topicOf({ type: "strategy", id: "1" })).toBe("strategies");
    expect(topicOf({ type: "signal", id: "1" })).toBe("signals");
    expect(topicOf({ type: "backtest", id: "1" })).toBe("backtests");
    expect(topicOf({ type: "pong" })).toBeNull();
  });
});
