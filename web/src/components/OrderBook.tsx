// The live L2 book of one instrument, best prices in the middle with the spread; a
// click on a level offers its price to the order ticket.

import { Skeleton, Typography } from "antd";
import type { Instrument } from "../api/types";
import { formatDecimal, fromUnits, toUnits, valueUnits } from "../lib/decimal";
import { type Level, topLevels } from "../ws/book";
import { useBook } from "../ws/live";

function Side({ levels, kind, max, decimals, onPick }: { levels: Level[]; kind: "bid" | "ask"; max: number; decimals: number; onPick: (price: string) => void }) {
  return (
    <>
      {levels.map(([price, quantity]) => (
        <div
          key={price}
          className="book-row"
          onClick={() => onPick(price)}
          style={{ cursor: "pointer" }}
          data-testid={`book-${kind}`}
        >
          <div className="bar" style={{ width: `${Math.min(100, (Number(quantity) / max) * 100)}%`, background: kind === "bid" ? "var(--up)" : "var(--down)" }} />
          <span className={`num ${kind === "bid" ? "up" : "down"}`}>{formatDecimal(price)}</span>
          <span className="num">{formatDecimal(quantity)}</span>
          <span className="num muted">{formatDecimal(fromUnits(valueUnits(price, quantity, decimals) ?? 0n, decimals))}</span>
        </div>
      ))}
    </>
  );
}

export function OrderBook({ instrument, depth = 12, onPick }: { instrument: Instrument; depth?: number; onPick: (price: string) => void }) {
  const { book } = useBook(instrument.symbol);
  if (!book) return <Skeleton active paragraph={{ rows: 10 }} />;
  const { bids, asks } = topLevels(book, depth);
  const max = Math.max(1e-12, ...bids.map(([, q]) => Number(q)), ...asks.map(([, q]) => Number(q)));
  const bestBid = bids[0]?.[0];
  const bestAsk = asks[0]?.[0];
  let spread: string | null = null;
  if (bestBid && bestAsk) {
    const d = instrument.price_decimals;
    const a = toUnits(bestAsk, d);
    const b = toUnits(bestBid, d);
    if (a !== null && b !== null) spread = fromUnits(a - b, d);
  }
  return (
    <div data-testid="order-book" data-seq={book.seq} data-stale={book.stale ? "yes" : "no"}>
      <div className="book-row muted" style={{ fontWeight: 600 }}>
        <span>Price ({instrument.quote})</span>
        <span>Size ({instrument.base})</span>
        <span>Total</span>
      </div>
      {asks.length === 0 && bids.length === 0 && (
        <Typography.Paragraph type="secondary" style={{ padding: 8 }}>
          The book is empty.
        </Typography.Paragraph>
      )}
      <Side levels={[...asks].reverse()} kind="ask" max={max} decimals={instrument.price_decimals} onPick={onPick} />
      <div className="spread num" data-testid="spread">
        {bestBid && bestAsk ? (
          <>
            Spread {formatDecimal(spread)} <span className="muted">· seq {book.seq}</span>
          </>
        ) : (
          <span className="muted">No two-sided market</span>
        )}
      </div>
      <Side levels={bids} kind="bid" max={max} decimals={instrument.price_decimals} onPick={onPick} />
    </div>
  );
}
