// The user's positions: quantity, average entry, the mark (last price), unrealised and
// realised PnL (fees apart), today's PnL. Kept current by the `positions` topic.

import { Table, Typography } from "antd";
import { usePositions } from "../api/queries";
import type { Position } from "../api/types";
import { formatDecimal } from "../lib/decimal";
import { EmptyState, ErrorState, Signed } from "./common";

const num = (v: string | null) => <span className="num">{formatDecimal(v)}</span>;

export function PositionsTable({ symbol }: { symbol?: string }) {
  const positions = usePositions();
  if (positions.error) return <ErrorState error={positions.error} retry={() => void positions.refetch()} />;
  const rows = (positions.data ?? []).filter((p) => !symbol || p.symbol === symbol).filter((p) => !/^0(\.0+)?$/.test(p.quantity) || !/^-?0(\.0+)?$/.test(p.realized_pnl));
  return (
    <Table<Position>
      size="small"
      rowKey="symbol"
      loading={positions.isPending}
      dataSource={rows}
      pagination={false}
      scroll={{ x: true }}
      data-testid="positions"
      locale={{ emptyText: <EmptyState text="No positions yet" /> }}
      columns={[
        { title: "Symbol", dataIndex: "symbol", render: (s: string) => <Typography.Text strong>{s}</Typography.Text> },
        { title: "Quantity", dataIndex: "quantity", align: "right", render: num },
        { title: "Entry", dataIndex: "entry_price", align: "right", render: num },
        { title: "Mark", dataIndex: "mark_price", align: "right", render: num },
        { title: "Value", dataIndex: "value", align: "right", render: num },
        { title: "Unrealised PnL", dataIndex: "unrealized_pnl", align: "right", render: (v: string) => <Signed value={v} /> },
        { title: "Realised PnL", dataIndex: "realized_pnl", align: "right", render: (v: string) => <Signed value={v} /> },
        { title: "Fees", dataIndex: "fees", align: "right", render: num },
        { title: "Today", dataIndex: "day_pnl", align: "right", render: (v: string) => <Signed value={v} /> },
      ]}
    />
  );
}
