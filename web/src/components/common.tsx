// Small pieces every page uses: error and empty states, signed numbers, status tags
// and live tickers.

import { Alert, Button, Empty, Tag, type TableProps } from "antd";
import { useQueryClient } from "@tanstack/react-query";
import { describeError } from "../api/client";
import { keys, useInstruments, useTickers } from "../api/queries";
import type { Paginated, Ticker } from "../api/types";
import { formatDecimal, formatPercent } from "../lib/decimal";
import { useTopics } from "../ws/live";

/** The words of a failed query, with a retry button. */
export function ErrorState({ error, retry }: { error: unknown; retry?: () => void }) {
  return (
    <Alert
      type="error"
      showIcon
      message="Could not load this"
      description={describeError(error)}
      action={
        retry && (
          <Button size="small" onClick={retry}>
            Retry
          </Button>
        )
      }
      data-testid="error-state"
    />
  );
}

export function EmptyState({ text }: { text: string }) {
  return <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={text} />;
}

/** A number coloured by its sign. */
export function Signed({ value, suffix = "" }: { value: string | null | undefined; suffix?: string }) {
  if (value === null || value === undefined) return <span className="num muted">–</span>;
  const negative = value.startsWith("-");
  const zero = /^-?0(\.0+)?$/.test(value);
  return (
    <span className={`num ${zero ? "" : negative ? "down" : "up"}`}>
      {zero || negative ? "" : "+"}
      {formatDecimal(value)}
      {suffix}
    </span>
  );
}

export function ChangeTag({ pct }: { pct: string }) {
  const negative = pct.startsWith("-");
  const zero = /^-?0(\.0+)?$/.test(pct);
  return (
    <Tag color={zero ? "default" : negative ? "error" : "success"} style={{ marginInlineEnd: 0 }} className="num">
      {formatPercent(pct)}
    </Tag>
  );
}

export function SideTag({ side }: { side: string }) {
  return <Tag color={side === "buy" ? "success" : "error"}>{side === "buy" ? "Buy" : "Sell"}</Tag>;
}

const statusColors: Record<string, string> = {
  new: "blue",
  open: "blue",
  partially_filled: "gold",
  untriggered: "purple",
  filled: "green",
  cancelled: "default",
  canceled: "default",
  expired: "default",
  rejected: "red",
};

export function StatusTag({ status }: { status: string }) {
  return <Tag color={statusColors[status] ?? "default"}>{status.replace(/_/g, " ")}</Tag>;
}

/** Keeps the tickers query current from the `ticker:SYM` topics of every instrument. */
export function useLiveTickers() {
  const instruments = useInstruments();
  const tickers = useTickers();
  const client = useQueryClient();
  const topics = (instruments.data ?? []).map((i) => `ticker:${i.symbol}`);
  useTopics(topics, (message) => {
    if (message.type !== "ticker") return;
    const update = message as unknown as Ticker;
    client.setQueryData<Ticker[]>(keys.tickers, (old) =>
      old ? old.map((t) => (t.symbol === update.symbol ? { ...t, ...update } : t)) : old,
    );
  });
  return tickers;
}

/** The props every paged list table shares: small rows keyed by id, the loading
 * state, an empty state in words, and server-side pages. */
export function pagedTable<T>(
  query: { data?: Paginated<T>; isPending: boolean },
  page: number,
  setPage: (page: number) => void,
  emptyText: string,
  pageSize: number,
): TableProps<T> {
  return {
    size: "small",
    rowKey: "id",
    loading: query.isPending,
    dataSource: query.data?.items,
    scroll: { x: true },
    locale: { emptyText: <EmptyState text={emptyText} /> },
    pagination: { current: page, pageSize, total: query.data?.pagination.total ?? 0, onChange: setPage, hideOnSinglePage: true, size: "small" },
  };
}
