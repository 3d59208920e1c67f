// An L2 order book kept from a snapshot and sequenced deltas. A delta whose sequence
// number is not the next one means messages were missed: the book is marked stale and
// the caller asks for a new snapshot.

export type Level = [price: string, quantity: string];

export interface BookSnapshot {
  symbol: string;
  seq: number;
  bids: Level[];
  asks: Level[];
}

export interface BookDelta {
  symbol: string;
  seq: number;
  bids: Level[];
  asks: Level[];
}

export interface Book {
  symbol: string;
  seq: number;
  /** Price -> quantity, as given by the venue. */
  bids: Map<string, string>;
  asks: Map<string, string>;
  /** A gap was seen; deltas are ignored until the next snapshot. */
  stale: boolean;
}

export function fromSnapshot(snapshot: BookSnapshot): Book {
  return {
    symbol: snapshot.symbol,
    seq: snapshot.seq,
    bids: new Map(snapshot.bids),
    asks: new Map(snapshot.asks),
    stale: false,
  };
}

function isZero(quantity: string): boolean {
  return /^0+(\.0+)?$/.test(quantity);
}

function applySide(side: Map<string, string>, levels: Level[]): void {
  for (const [price, quantity] of levels) {
    if (isZero(quantity)) side.delete(price);
    else side.set(price, quantity);
  }
}

export type DeltaOutcome = "applied" | "old" | "gap";

/** Applies a delta in place. `old`: already covered by the snapshot; `gap`: missed
 * messages, the book is now stale. */
export function applyDelta(book: Book, delta: BookDelta): DeltaOutcome {
  if (book.stale) return "gap";
  if (delta.seq <= book.seq) return "old";
  if (delta.seq !== book.seq + 1) {
    book.stale = true;
    return "gap";
  }
  applySide(book.bids, delta.bids);
  applySide(book.asks, delta.asks);
  book.seq = delta.seq;
  return "applied";
}

function byPrice(a: string, b: string): number {
  const [ai = "0", af = ""] = a.split(".");
  const [bi = "0", bf = ""] = b.split(".");
  if (ai.length !== bi.length) return ai.length - bi.length;
  if (ai !== bi) return ai < bi ? -1 : 1;
  const width = Math.max(af.length, bf.length);
  const x = af.padEnd(width, "0");
  const y = bf.padEnd(width, "0");
  return x === y ? 0 : x < y ? -1 : 1;
}

/** The best `depth` levels of each side: bids high to low, asks low to high. */
export function topLevels(book: Book, depth: number): { bids: Level[]; asks: Level[] } {
  const bids = [...book.bids.entries()].sort((a, b) => byPrice(b[0], a[0])).slice(0, depth);
  const asks = [...book.asks.entries()].sort((a, b) => byPrice(a[0], b[0])).slice(0, depth);
  return { bids, asks };
}
