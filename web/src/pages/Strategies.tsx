// The Strategies page: live strategies made from a built-in and its parameters, each
// trading from its own sub-account; their status and PnL; start, pause, stop and
// panic; parameters edited while they run; and per strategy its figures, equity
// curve, open orders and signals. The `strategies` and `signals` topics refresh it.

import { useQuery, useQueryClient } from "@tanstack/react-query";
import { Alert, App, Button, Card, Col, Descriptions, Empty, Form, Input, Popconfirm, Row, Select, Space, Table, Tag, Typography } from "antd";
import { useEffect, useMemo, useState } from "react";
import { api, describeError } from "../api/client";
import { keys, useBuiltins, useInstruments, useSignals, useStrategies, useStrategy } from "../api/queries";
import type { LiveStrategy, Order, Paginated, ParamValue, Signal } from "../api/types";
import { EmptyState, ErrorState, SideTag, Signed } from "../components/common";
import { CurveChart, type CurvePoint } from "../components/CurveChart";
import { ParamField } from "../components/ParamField";
import { defaultParams, paramProblem, paramsText, percent, ratio } from "../lib/backtest";
import { formatDecimal } from "../lib/decimal";
import { type LifecycleAction, type NewStrategyForm, actionsFor, createRequest, newStrategyProblem, pnlFraction } from "../lib/strategies";
import { useTopics } from "../ws/live";

const TIMEFRAMES = ["1m", "5m", "15m", "1h", "4h", "1d"];
const STATUS_COLOURS: Record<string, string> = { created: "default", running: "processing", paused: "warning", stopped: "default", failed: "error" };
const ACTION_LABELS: Record<LifecycleAction, string> = { start: "Start", pause: "Pause", stop: "Stop", panic: "Panic" };

export function StrategyStatusTag({ status }: { status: string }) {
  return (
    <Tag color={STATUS_COLOURS[status] ?? "default"} data-testid="strategy-status">
      {status}
    </Tag>
  );
}

function useLifecycle() {
  const client = useQueryClient();
  const { message } = App.useApp();
  return async (strategy: LiveStrategy, action: LifecycleAction) => {
    try {
      await api<LiveStrategy>(`/strategies/${strategy.id}/${action}`, { method: "POST" });
      void client.invalidateQueries({ queryKey: keys.strategies });
      void message.success(`${strategy.name}: ${action === "start" ? "started" : action === "pause" ? "paused" : action === "stop" ? "stopped" : "stopped and flattened"}`);
    } catch (e) {
      void message.error(describeError(e));
    }
  };
}

function Lifecycle({ strategy }: { strategy: LiveStrategy }) {
  const act = useLifecycle();
  return (
    <Space size={4} wrap onClick={(e) => e.stopPropagation()}>
      {actionsFor(strategy.status).map((action) =>
        action === "panic" ? (
          <Popconfirm
            key={action}
            title="Panic"
            description="Cancel every order of this strategy and sell what it holds at market?"
            okText="Panic"
            okButtonProps={{ danger: true }}
            onConfirm={() => void act(strategy, action)}
          >
            <Button size="small" danger data-testid={`strategy-${action}`}>
              {ACTION_LABELS[action]}
            </Button>
          </Popconfirm>
        ) : (
          <Button key={action} size="small" type={action === "start" ? "primary" : "default"} onClick={() => void act(strategy, action)} data-testid={`strategy-${action}`}>
            {ACTION_LABELS[action]}
          </Button>
        ),
      )}
    </Space>
  );
}

function NewStrategy({ onCreated }: { onCreated: (s: LiveStrategy) => void }) {
  const builtins = useBuiltins();
  const instruments = useInstruments();
  const client = useQueryClient();
  const { message } = App.useApp();
  const [form, setForm] = useState<NewStrategyForm>({ name: "", strategy: "", symbol: "BTC-USD", timeframe: "1m", params: {}, funding: "10000" });
  const [sending, setSending] = useState(false);
  const selected = builtins.data?.find((b) => b.name === form.strategy);
  useEffect(() => {
    const first = builtins.data?.[0];
    if (first && !form.strategy) setForm((f) => ({ ...f, strategy: first.name, params: defaultParams(first) }));
  }, [builtins.data, form.strategy]);
  if (builtins.isError) return <ErrorState error={builtins.error} retry={() => void builtins.refetch()} />;
  const instrument = instruments.data?.find((i) => i.symbol === form.symbol);
  const problem = newStrategyProblem(form) ?? (selected ? selected.params.map((p) => paramProblem(p, form.params[p.name])).find(Boolean) ?? null : "choose a built-in");
  const create = async () => {
    setSending(true);
    try {
      const made = await api<LiveStrategy>("/strategies", { method: "POST", body: createRequest(form) });
      if (form.funding.trim() && instrument) {
        try {
          await api("/transfers/internal", { method: "POST", body: { from: "main", to: made.account, asset: instrument.quote, amount: form.funding.trim() } });
        } catch (e) {
          void client.invalidateQueries({ queryKey: keys.strategies });
          onCreated(made);
          throw new Error(`${made.name} was created, but its funding failed: ${describeError(e)}`);
        }
      }
      void client.invalidateQueries({ queryKey: keys.strategies });
      void client.invalidateQueries({ queryKey: keys.balances });
      void message.success(`${made.name} created${form.funding.trim() ? `, funded with ${form.funding.trim()} ${instrument?.quote ?? ""}` : ""}`);
      onCreated(made);
      setForm((f) => ({ ...f, name: "" }));
    } catch (e) {
      void message.error(describeError(e));
    } finally {
      setSending(false);
    }
  };
  return (
    <Card title="New strategy" size="small" data-testid="strategy-form">
      <Form layout="vertical">
        <Form.Item label="Name" style={{ marginBottom: 12 }}>
          <Input value={form.name} maxLength={40} onChange={(e) => setForm((f) => ({ ...f, name: e.target.value }))} placeholder="e.g. btc grid" data-testid="strategy-name" />
        </Form.Item>
        <Form.Item label="Built-in" style={{ marginBottom: 12 }}>
          <Select
            value={form.strategy || undefined}
            loading={builtins.isLoading}
            onChange={(name: string) => {
              const b = builtins.data?.find((x) => x.name === name);
              if (b) setForm((f) => ({ ...f, strategy: name, params: defaultParams(b) }));
            }}
            options={(builtins.data ?? []).map((b) => ({ value: b.name, label: b.title }))}
            data-testid="strategy-builtin"
          />
        </Form.Item>
        {selected && (
          <Typography.Paragraph type="secondary" style={{ marginTop: -4 }}>
            {selected.description}
          </Typography.Paragraph>
        )}
        <Row gutter={12}>
          <Col xs={14}>
            <Form.Item label="Instrument" style={{ marginBottom: 12 }}>
              <Select value={form.symbol} onChange={(symbol: string) => setForm((f) => ({ ...f, symbol }))} options={(instruments.data ?? []).map((i) => ({ value: i.symbol, label: i.symbol }))} data-testid="strategy-symbol" />
            </Form.Item>
          </Col>
          <Col xs={10}>
            <Form.Item label="Bars" style={{ marginBottom: 12 }}>
              <Select value={form.timeframe} onChange={(timeframe: string) => setForm((f) => ({ ...f, timeframe }))} options={TIMEFRAMES.map((t) => ({ value: t, label: t }))} data-testid="strategy-timeframe" />
            </Form.Item>
          </Col>
        </Row>
        {selected?.params.map((spec) => (
          <ParamField key={spec.name} spec={spec} value={form.params[spec.name]} onChange={(v) => setForm((f) => ({ ...f, params: { ...f.params, [spec.name]: v } }))} />
        ))}
        <Form.Item label={`Funding from your main account (${instrument?.quote ?? "quote asset"})`} tooltip="Moved into the strategy's own sub-account when it is created; leave empty to fund it later" style={{ marginBottom: 12 }}>
          <Input value={form.funding} onChange={(e) => setForm((f) => ({ ...f, funding: e.target.value }))} inputMode="decimal" data-testid="strategy-funding" />
        </Form.Item>
        {problem && form.name && <Alert type="warning" showIcon message={problem} style={{ marginBottom: 12 }} />}
        <Button type="primary" block onClick={() => void create()} loading={sending} disabled={problem !== null} data-testid="strategy-create">
          Create strategy
        </Button>
      </Form>
    </Card>
  );
}

function StrategyList({ selected, onSelect }: { selected: string | null; onSelect: (id: string) => void }) {
  const strategies = useStrategies();
  if (strategies.isError) return <ErrorState error={strategies.error} retry={() => void strategies.refetch()} />;
  return (
    <Card title="Your strategies" size="small" data-testid="strategy-list">
      <Table<LiveStrategy>
        size="small"
        rowKey="id"
        loading={strategies.isLoading}
        dataSource={strategies.data ?? []}
        pagination={false}
        scroll={{ x: 560 }}
        locale={{ emptyText: <EmptyState text="No strategy yet: make one from a built-in" /> }}
        onRow={(s) => ({ onClick: () => onSelect(s.id), style: { cursor: "pointer", fontWeight: s.id === selected ? 600 : undefined } })}
        columns={[
          { title: "Name", dataIndex: "name" },
          { title: "Runs", render: (_: unknown, s) => `${s.strategy} ${s.symbol} ${s.timeframe}` },
          { title: "Status", dataIndex: "status", render: (status: string) => <StrategyStatusTag status={status} /> },
          { title: "PnL", align: "right", render: (_: unknown, s) => <Signed value={s.performance.pnl} /> },
          { title: "", render: (_: unknown, s) => <Lifecycle strategy={s} /> },
        ]}
      />
    </Card>
  );
}

function EditParams({ strategy }: { strategy: LiveStrategy }) {
  const builtins = useBuiltins();
  const client = useQueryClient();
  const { message } = App.useApp();
  const [params, setParams] = useState<Record<string, ParamValue>>(strategy.params);
  const [saving, setSaving] = useState(false);
  useEffect(() => setParams(strategy.params), [strategy.id, strategy.params]);
  const builtin = builtins.data?.find((b) => b.name === strategy.strategy);
  if (!builtin) return null;
  const problem = builtin.params.map((p) => paramProblem(p, params[p.name])).find(Boolean);
  const changed = JSON.stringify(params) !== JSON.stringify(strategy.params);
  const save = async () => {
    setSaving(true);
    try {
      await api<LiveStrategy>(`/strategies/${strategy.id}/params`, { method: "PUT", body: { params } });
      void client.invalidateQueries({ queryKey: keys.strategies });
      void message.success("Parameters saved");
    } catch (e) {
      void message.error(describeError(e));
    } finally {
      setSaving(false);
    }
  };
  return (
    <Form layout="vertical" data-testid="strategy-params">
      {builtin.params.map((spec) => (
        <ParamField key={spec.name} spec={spec} value={params[spec.name]} onChange={(v) => setParams((p) => ({ ...p, [spec.name]: v }))} />
      ))}
      <Button onClick={() => void save()} loading={saving} disabled={!changed || Boolean(problem)} data-testid="strategy-save-params">
        Save parameters
      </Button>
    </Form>
  );
}

const money = (v: number) => v.toLocaleString(undefined, { maximumFractionDigits: 0 });

function Detail({ id }: { id: string }) {
  const strategy = useStrategy(id);
  const s = strategy.data;
  const orders = useQuery({
    queryKey: ["strategy-orders", id, s?.account ?? ""],
    queryFn: () => api<Paginated<Order>>(`/orders?status=open&account=${s?.account}&limit=50`),
    enabled: Boolean(s),
    refetchInterval: 5_000,
  });
  const signals = useSignals(`strategy_id=${id}&limit=20`);
  const curve = useMemo<CurvePoint[]>(() => (s ? s.performance.equity_curve.map((p) => ({ time: p.time, value: Number(p.equity) })) : []), [s]);
  if (strategy.isError) return <ErrorState error={strategy.error} retry={() => void strategy.refetch()} />;
  if (!s) return <Card loading />;
  const p = s.performance;
  const st = p.statistics;
  const fraction = pnlFraction(s);
  return (
    <Card
      size="small"
      data-testid="strategy-detail"
      title={
        <Space wrap>
          <span>{s.name}</span>
          <StrategyStatusTag status={s.status} />
        </Space>
      }
      extra={<Lifecycle strategy={s} />}
    >
      {s.error && <Alert type="error" showIcon message="The venue stopped this strategy" description={s.error} style={{ marginBottom: 12 }} />}
      <Descriptions size="small" column={{ xs: 1, sm: 2, lg: 3 }} style={{ marginBottom: 12 }}>
        <Descriptions.Item label="Runs">
          {s.strategy} on {s.symbol} {s.timeframe}
        </Descriptions.Item>
        <Descriptions.Item label="Sub-account">#{s.account}</Descriptions.Item>
        <Descriptions.Item label="Parameters">{paramsText(s.params)}</Descriptions.Item>
      </Descriptions>
      <Space wrap size={[24, 12]} data-testid="strategy-figures">
        <Figure label="Equity" value={formatDecimal(p.equity)} />
        <Figure label="PnL" value={<Signed value={p.pnl} suffix={fraction === null ? "" : ` (${percent(fraction)})`} />} />
        <Figure label="Position" value={formatDecimal(p.position)} />
        <Figure label="Bars" value={p.bars} testId="figure-bars" />
        <Figure label="Orders" value={`${p.orders}${p.rejected ? ` (${p.rejected} refused)` : ""}`} testId="figure-orders" />
        <Figure label="Trades" value={st?.trades ?? 0} />
        <Figure label="Win rate" value={percent(st?.win_rate)} />
        <Figure label="Max drawdown" value={percent(st?.max_drawdown)} />
        <Figure label="Sharpe" value={ratio(st?.sharpe)} />
        <Figure label="Signals" value={p.signals} />
      </Space>
      <Typography.Title level={5} style={{ marginTop: 16 }}>
        Equity
      </Typography.Title>
      {curve.length > 1 ? <CurveChart points={curve} color="#2563eb" height={200} format={money} testId="strategy-equity" /> : <Empty description="The curve starts with its first closed bar" image={Empty.PRESENTED_IMAGE_SIMPLE} />}
      <Row gutter={[16, 16]} style={{ marginTop: 8 }}>
        <Col xs={24} xl={12}>
          <Typography.Title level={5}>Open orders</Typography.Title>
          <Table<Order>
            size="small"
            rowKey="id"
            dataSource={orders.data?.items ?? []}
            pagination={false}
            scroll={{ x: 360 }}
            locale={{ emptyText: <EmptyState text="No open order" /> }}
            data-testid="strategy-orders"
            columns={[
              { title: "Side", dataIndex: "side", render: (side: string) => <SideTag side={side} /> },
              { title: "Type", dataIndex: "type" },
              { title: "Price", dataIndex: "price", align: "right", render: (v: string | null) => <span className="num">{formatDecimal(v)}</span> },
              { title: "Quantity", dataIndex: "quantity", align: "right", render: (v: string) => <span className="num">{formatDecimal(v)}</span> },
            ]}
          />
        </Col>
        <Col xs={24} xl={12}>
          <Typography.Title level={5}>Signals</Typography.Title>
          <Table<Signal>
            size="small"
            rowKey="id"
            dataSource={signals.data?.items ?? []}
            pagination={false}
            scroll={{ x: 360 }}
            locale={{ emptyText: <EmptyState text="No signal yet" /> }}
            data-testid="strategy-signals"
            columns={[
              { title: "Time", dataIndex: "time", render: (t: string) => t.slice(11, 19) },
              { title: "Side", dataIndex: "side", render: (side: string) => <SignalSideTag side={side} /> },
              { title: "Entry", dataIndex: "entry", align: "right", render: (v: string) => <span className="num">{formatDecimal(v)}</span> },
              { title: "Strength", dataIndex: "strength", render: (v: string) => v.replace("_", " ") },
            ]}
          />
        </Col>
      </Row>
      <Typography.Title level={5} style={{ marginTop: 16 }}>
        Parameters
      </Typography.Title>
      <EditParams strategy={s} />
    </Card>
  );
}

export function SignalSideTag({ side }: { side: string }) {
  if (side === "hold") return <Tag>Hold</Tag>;
  return <SideTag side={side} />;
}

function Figure({ label, value, testId }: { label: string; value: React.ReactNode; testId?: string }) {
  return (
    <div style={{ minWidth: 110 }} data-testid={testId}>
      <Typography.Text type="secondary" style={{ fontSize: 12 }}>
        {label}
      </Typography.Text>
      <div className="num" style={{ fontSize: 17, fontWeight: 600 }}>
        {value}
      </div>
    </div>
  );
}

export default function Strategies() {
  const [selected, setSelected] = useState<string | null>(null);
  const strategies = useStrategies();
  const client = useQueryClient();
  useTopics(["strategies", "signals"], (message) => {
    if (message.type === "strategy") void client.invalidateQueries({ queryKey: keys.strategies });
    if (message.type === "signal") void client.invalidateQueries({ queryKey: ["signals"] });
  });
  const shown = selected ?? strategies.data?.[0]?.id ?? null;
  return (
    <Space direction="vertical" size={16} style={{ width: "100%" }}>
      <Typography.Title level={3} style={{ margin: 0 }}>
        Strategies
      </Typography.Title>
      <Row gutter={[16, 16]}>
        {/* On a phone the strategies come first and the form after them. */}
        <Col xs={{ span: 24, order: 2 }} lg={{ span: 9, order: 1 }}>
          <NewStrategy onCreated={(s) => setSelected(s.id)} />
        </Col>
        <Col xs={{ span: 24, order: 1 }} lg={{ span: 15, order: 2 }}>
          <Space direction="vertical" size={16} style={{ width: "100%" }}>
            <StrategyList selected={shown} onSelect={setSelected} />
            {shown ? <Detail id={shown} /> : <Card><EmptyState text="Make a strategy to see how it does" /></Card>}
          </Space>
        </Col>
      </Row>
    </Space>
  );
}
