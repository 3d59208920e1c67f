// The user's orders on the trading page: open ones with cancel and amend (a bracket
// entry with its stop loss and take profit, and a one-cancels-the-other pair, shown as
// one group), the closed history, and their trades.

import { App, Button, Form, Input, Modal, Popconfirm, Space, Table, type TableProps, Tabs } from "antd";
import { useState } from "react";
import { api, describeError } from "../api/client";
import { useMyTrades, useOrders, useRefreshAccount } from "../api/queries";
import type { Instrument, MyTrade, Order } from "../api/types";
import { formatDecimal } from "../lib/decimal";
import { validateTicket } from "../lib/validate";
import { EmptyState, ErrorState, SideTag, StatusTag, pagedTable } from "./common";

const time = (t: string) => new Date(t).toLocaleString();
const num = (v: string | null) => <span className="num">{formatDecimal(v)}</span>;

const TYPE_LABELS: Record<string, string> = {
  limit: "Limit",
  market: "Market",
  market_budget: "Market (amount)",
  stop_market: "Stop",
  stop_limit: "Stop limit",
  take_profit_market: "Take profit",
  take_profit_limit: "Take profit limit",
  trailing_stop: "Trailing stop",
};

/** An order's type in words, with what links it to others. */
export function typeLabel(order: Order): string {
  const base = TYPE_LABELS[order.type] ?? order.type;
  if (order.parent_order_id) return `${base} · ${order.type === "stop_market" ? "stop loss" : "take profit"}`;
  if (order.bracket) return `${base} · bracket`;
  if (order.oco_order_id) return `${base} · OCO`;
  return base;
}

export type OrderRow = Order & { children?: OrderRow[] };

/** Open orders with the ones that belong together as one group: a bracket entry heads
 * its stop loss and take profit; a pair without its entry is headed by its first leg. */
export function groupOrders(orders: Order[]): OrderRow[] {
  const byId = new Map(orders.map((o) => [o.id, { ...o } as OrderRow]));
  const head = (o: Order): string | null => {
    if (o.parent_order_id && byId.has(o.parent_order_id)) return o.parent_order_id;
    if (o.oco_order_id && byId.has(o.oco_order_id) && BigInt(o.oco_order_id) < BigInt(o.id)) {
      const partner = byId.get(o.oco_order_id)!;
      return partner.parent_order_id && byId.has(partner.parent_order_id) ? partner.parent_order_id : partner.id;
    }
    return null;
  };
  const rows: OrderRow[] = [];
  for (const order of orders) {
    const row = byId.get(order.id)!;
    const parent = head(order);
    if (parent) {
      const p = byId.get(parent)!;
      (p.children ??= []).push(row);
    } else {
      rows.push(row);
    }
  }
  return rows;
}

/** Whether an order can be amended: a plain resting order, not linked to another. */
const amendable = (o: Order) => o.status !== "untriggered" && !o.oco_order_id && !o.parent_order_id && !o.bracket && (o.type === "limit");

function AmendDialog({ order, instrument, onClose }: { order: Order; instrument: Instrument; onClose: () => void }) {
  const { message } = App.useApp();
  const refreshAccount = useRefreshAccount();
  const [price, setPrice] = useState(order.price ?? "");
  const [quantity, setQuantity] = useState(order.remaining_quantity);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const checks = validateTicket(
    { side: order.side, type: "limit", price, quantity, postOnly: false, timeInForce: "GTC" },
    instrument,
    [],
    instrument.price_decimals,
    null,
  );
  const save = async () => {
    if (checks.price || checks.quantity) return;
    setBusy(true);
    setError(null);
    try {
      const body: { price?: string; quantity?: string } = {};
      if (price.trim() !== order.price) body.price = price.trim();
      if (quantity.trim() !== order.remaining_quantity) body.quantity = quantity.trim();
      if (Object.keys(body).length === 0) {
        onClose();
        return;
      }
      await api<Order>(`/orders/${order.id}`, { method: "PATCH", body });
      void message.success("Order amended.");
      refreshAccount();
      onClose();
    } catch (e) {
      setError(describeError(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal
      open
      title={`Amend ${order.side} ${order.symbol}`}
      okText="Amend"
      onOk={() => void save()}
      confirmLoading={busy}
      onCancel={onClose}
      okButtonProps={{ "data-testid": "amend-confirm" } as Record<string, string>}
    >
      <Form layout="vertical" onFinish={() => void save()}>
        <Form.Item label={`Price (${instrument.quote})`} validateStatus={checks.price ? "error" : undefined} help={checks.price}>
          <Input value={price} onChange={(e) => setPrice(e.target.value)} inputMode="decimal" data-testid="amend-price" />
        </Form.Item>
        <Form.Item
          label={`Remaining quantity (${instrument.base})`}
          validateStatus={checks.quantity ? "error" : undefined}
          help={checks.quantity ?? "Lowering the quantity at the same price keeps the order's place in the queue."}
        >
          <Input value={quantity} onChange={(e) => setQuantity(e.target.value)} inputMode="decimal" data-testid="amend-quantity" />
        </Form.Item>
      </Form>
      {error && <div className="down" data-testid="amend-error">{error}</div>}
    </Modal>
  );
}

function OpenOrders({ instruments, symbol }: { instruments: Instrument[]; symbol?: string }) {
  const { message } = App.useApp();
  const refreshAccount = useRefreshAccount();
  const [page, setPage] = useState(1);
  const orders = useOrders("open", symbol, page, 10);
  const [amending, setAmending] = useState<Order | null>(null);
  const [folded, setFolded] = useState<Set<string>>(new Set());
  const groups = groupOrders(orders.data?.items ?? []);
  const cancel = async (order: Order) => {
    try {
      await api<Order>(`/orders/${order.id}/cancel`, { method: "POST" });
      void message.success("Order cancelled.");
    } catch (e) {
      void message.error(describeError(e));
    }
    refreshAccount();
  };
  const cancelAll = async () => {
    try {
      await api<unknown>(`/orders${symbol ? `?symbol=${symbol}` : ""}`, { method: "DELETE" });
      void message.success("Open orders cancelled.");
    } catch (e) {
      void message.error(describeError(e));
    }
    refreshAccount();
  };
  if (orders.error) return <ErrorState error={orders.error} retry={() => void orders.refetch()} />;
  const amendInstrument = amending && instruments.find((i) => i.symbol === amending.symbol);
  return (
    <>
      <Table<OrderRow>
        {...(pagedTable(orders, page, setPage, "No open orders", 10) as TableProps<OrderRow>)}
        dataSource={groups}
        expandable={{
          indentSize: 16,
          // Groups open by default; the user may fold one.
          expandedRowKeys: groups.filter((g) => g.children && !folded.has(g.id)).map((g) => g.id),
          onExpand: (open, row) =>
            setFolded((f) => {
              const next = new Set(f);
              if (open) next.delete(row.id);
              else next.add(row.id);
              return next;
            }),
        }}
        data-testid="open-orders"
        columns={[
          { title: "Time", dataIndex: "created_at", render: time },
          { title: "Symbol", dataIndex: "symbol" },
          { title: "Side", dataIndex: "side", render: (s: string) => <SideTag side={s} /> },
          { title: "Type", key: "type", render: (_: unknown, o: Order) => <span data-testid="order-type">{typeLabel(o)}</span> },
          { title: "Trigger", dataIndex: "trigger_price", align: "right", render: num },
          { title: "Price", dataIndex: "price", align: "right", render: num },
          { title: "Quantity", dataIndex: "quantity", align: "right", render: num },
          { title: "Filled", dataIndex: "filled_quantity", align: "right", render: num },
          { title: "Status", dataIndex: "status", render: (s: string) => <StatusTag status={s} /> },
          {
            title: (
              <Popconfirm title="Cancel all open orders?" onConfirm={() => void cancelAll()} okText="Cancel all" cancelText="Keep">
                <Button size="small" type="link" danger disabled={!orders.data?.items.length}>
                  Cancel all
                </Button>
              </Popconfirm>
            ),
            key: "actions",
            align: "right",
            render: (_: unknown, order: Order) => (
              <Space size={4}>
                {amendable(order) && (
                  <Button size="small" onClick={() => setAmending(order)} data-testid="amend-order">
                    Amend
                  </Button>
                )}
                <Popconfirm title={order.oco_order_id ? "Cancel this order? Its pair is cancelled too." : order.bracket ? "Cancel this order? Its stop loss and take profit go with it." : "Cancel this order?"} onConfirm={() => void cancel(order)} okText="Cancel order" cancelText="Keep" okButtonProps={{ "data-testid": "cancel-confirm" } as Record<string, string>}>
                  <Button size="small" danger data-testid="cancel-order">
                    Cancel
                  </Button>
                </Popconfirm>
              </Space>
            ),
          },
        ]}
      />
      {amending && amendInstrument && <AmendDialog order={amending} instrument={amendInstrument} onClose={() => setAmending(null)} />}
    </>
  );
}

function History({ symbol }: { symbol?: string }) {
  const [page, setPage] = useState(1);
  const orders = useOrders("closed", symbol, page, 10);
  if (orders.error) return <ErrorState error={orders.error} retry={() => void orders.refetch()} />;
  return (
    <Table<Order>
      {...pagedTable(orders, page, setPage, "No closed orders", 10)}
      data-testid="order-history"
      columns={[
        { title: "Time", dataIndex: "updated_at", render: time },
        { title: "Symbol", dataIndex: "symbol" },
        { title: "Side", dataIndex: "side", render: (s: string) => <SideTag side={s} /> },
        { title: "Type", key: "type", render: (_: unknown, o: Order) => typeLabel(o) },
        { title: "Price", dataIndex: "price", align: "right", render: num },
        { title: "Filled", dataIndex: "filled_quantity", align: "right", render: num },
        { title: "Avg. price", dataIndex: "average_price", align: "right", render: num },
        { title: "Fees", dataIndex: "fees", align: "right", render: num },
        { title: "Status", dataIndex: "status", render: (s: string, o: Order) => (
          <span title={o.trigger_refused ? `${o.reason}: ${o.trigger_refused}` : (o.reason ?? undefined)}>
            <StatusTag status={s} />
          </span>
        ) },
      ]}
    />
  );
}

function Trades() {
  const trades = useMyTrades(20);
  if (trades.error) return <ErrorState error={trades.error} retry={() => void trades.refetch()} />;
  return (
    <Table<MyTrade>
      size="small"
      rowKey="id"
      loading={trades.isPending}
      dataSource={trades.data?.items}
      scroll={{ x: true }}
      pagination={false}
      locale={{ emptyText: <EmptyState text="No trades yet" /> }}
      columns={[
        { title: "Time", dataIndex: "time", render: time },
        { title: "Symbol", dataIndex: "symbol" },
        { title: "Side", dataIndex: "side", render: (s: string) => <SideTag side={s} /> },
        { title: "Price", dataIndex: "price", align: "right", render: num },
        { title: "Quantity", dataIndex: "quantity", align: "right", render: num },
        { title: "Value", dataIndex: "value", align: "right", render: num },
        { title: "Fee", dataIndex: "fee", align: "right", render: num },
        { title: "Role", dataIndex: "liquidity" },
      ]}
    />
  );
}

export function OrdersPanel({ instruments, symbol }: { instruments: Instrument[]; symbol?: string }) {
  return (
    <Tabs
      items={[
        { key: "open", label: "Open orders", children: <OpenOrders instruments={instruments} symbol={symbol} /> },
        { key: "history", label: "Order history", children: <History symbol={symbol} /> },
        { key: "trades", label: "My trades", children: <Trades /> },
      ]}
    />
  );
}
