import { describe, expect, it } from "vitest";
import { applyDelta, fromSnapshot, topLevels } from "./book";

const snapshot = {
  symbol: "BTC-USD",
  seq: 10,
  bids: [
    ["64990.00", "1.0"],
    ["64995.50", "0.5"],
  ] as [string, string][],
  asks: [
    ["65010.00", "0.3"],
    ["65005.00", "0.2"],
  ] as [string, string][],
};

describe("order book from snapshot and deltas", () => {
  it("sorts the best levels first", () => {
    const book = fromSnapshot(snapshot);
    const { bids, asks } = topLevels(book, 10);
    expect(bids.map((l) => l[0])).toEqual(["64995.50", "64990.00"]);
    expect(asks.map((l) => l[0])).toEqual(["65005.00", "65010.00"]);
  });
  it("compares prices numerically, not as text", () => {
    const book = fromSnapshot({ symbol: "X", seq: 1, bids: [["9.5", "1"], ["10.25", "1"], ["10.3", "1"]], asks: [] });
    expect(topLevels(book, 3).bids.map((l) => l[0])).toEqual(["10.3", "10.25", "9.5"]);
  });
  it("applies the next delta: changes, additions and removals", () => {
    const book = fromSnapshot(snapshot);
    expect(
      applyDelta(book, {
        symbol: "BTC-USD",
        seq: 11,
        bids: [["64995.50", "0"], ["64999.00", "2.0"]],
        asks: [["65005.00", "0.1"]],
      }),
    ).toBe("applied");
    expect(book.seq).toBe(11);
    const { bids, asks } = topLevels(book, 10);
    expect(bids).toEqual([["64999.00", "2.0"], ["64990.00", "1.0"]]);
    expect(asks[0]).toEqual(["65005.00", "0.1"]);
  });
  it("ignores deltas the snapshot already covers", () => {
    const book = fromSnapshot(snapshot);
    expect(applyDelta(book, { symbol: "BTC-USD", seq: 10, bids: [["1.00", "5"]], asks: [] })).toBe("old");
    expect(book.bids.has("1.00")).toBe(false);
  });
  it("detects a gap and stays stale until a new snapshot", () => {
    const book = fromSnapshot(snapshot);
    expect(applyDelta(book, { symbol: "BTC-USD", seq: 12, bids: [], asks: [] })).toBe("gap");
    expect(book.stale).toBe(true);
    expect(applyDelta(book, { symbol: "BTC-USD", seq: 13, bids: [], asks: [] })).toBe("gap");
    const fresh = fromSnapshot({ ...snapshot, seq: 13 });
    expect(applyDelta(fresh, { symbol: "BTC-USD", seq: 14, bids: [], asks: [] })).toBe("applied");
  });
});
