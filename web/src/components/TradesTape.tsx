// Recent public trades of one instrument: the REST history, then the live topic.

import { Skeleton } from "antd";
import { useEffect, useState } from "react";
import { usePublicTrades } from "../api/queries";
import type { PublicTrade } from "../api/types";
import { formatDecimal } from "../lib/decimal";
import { useTopic } from "../ws/live";
import { EmptyState, ErrorState } from "./common";

const KEEP = 40;

export function TradesTape({ symbol }: { symbol: string }) {
  const history = usePublicTrades(symbol);
  const [trades, setTrades] = useState<PublicTrade[]>([]);
  useEffect(() => {
    setTrades(history.data?.slice(0, KEEP) ?? []);
  }, [history.data, symbol]);
  useTopic(`trades:${symbol}`, (message) => {
    if (message.type !== "trade") return;
    const trade = message as unknown as PublicTrade;
    setTrades((old) => (old.some((t) => t.id === trade.id) ? old : [trade, ...old].slice(0, KEEP)));
  });
  if (history.isPending) return <Skeleton active paragraph={{ rows: 8 }} />;
  if (history.error) return <ErrorState error={history.error} retry={() => void history.refetch()} />;
  if (trades.length === 0) return <EmptyState text="No trades yet" />;
  return (
    <div data-testid="trades-tape" data-count={trades.length} data-first={trades[0]?.id ?? ""}>
      <div className="tape-row muted" style={{ fontWeight: 600 }}>
        <span>Time</span>
        <span>Price</span>
        <span>Size</span>
      </div>
      {trades.map((t) => (
        <div key={t.id} className="tape-row">
          <span className="num muted">{new Date(t.time).toLocaleTimeString()}</span>
          <span className={`num ${t.side === "buy" ? "up" : "down"}`}>{formatDecimal(t.price)}</span>
          <span className="num">{formatDecimal(t.quantity)}</span>
        </div>
      ))}
    </div>
  );
}
