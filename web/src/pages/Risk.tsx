// The Risk page. For everyone: their limits and how much of each is used, today's PnL
// against the daily loss limit, the halts that concern them, and the panic button.
// For staff: every account's use, and for admins the limits to set (per account and
// the defaults) and the kill switch, each with a confirmation.

import { Alert, App, Button, type ButtonProps, Card, Checkbox, Col, Empty, Form, Input, InputNumber, Modal, Progress, Row, Select, Space, Table, Tabs, Tag, Typography } from "antd";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api, describeError } from "../api/client";
import { keys, useAssets, useHalts, useInstruments, useRisk, useRiskAccounts, useRiskDefaults } from "../api/queries";
import type { Halt, LimitChange, LimitInForce, Paginated, PanicResult, QuoteRisk, Risk, RiskDefaults, User } from "../api/types";
import { EmptyState, ErrorState, Signed } from "../components/common";
import { decimalsOf, formatDecimal, toUnits } from "../lib/decimal";
import { useAuth } from "../store/auth";
import { useTopics } from "../ws/live";

/** How much of `limit` `used` is, in percent (0 to 100), for a progress bar. */
export function usedPercent(used: string, limit: string | null): number {
  if (!limit) return 0;
  const places = Math.max(decimalsOf(used), decimalsOf(limit));
  const u = toUnits(used.replace(/^-/, ""), places) ?? 0n;
  const l = toUnits(limit, places) ?? 0n;
  if (l === 0n) return u > 0n ? 100 : 0;
  const pct = Number((u * 10_000n) / l) / 100;
  return Math.min(100, Math.max(0, pct));
}

/** The loss of a signed PnL ("-120.5" is a loss of "120.5"; a gain is no loss). */
export function lossOf(pnl: string): string {
  return pnl.startsWith("-") ? pnl.slice(1) : "0";
}

function Source({ limit }: { limit: LimitInForce }) {
  if (!limit.source) return <Typography.Text type="secondary">no limit</Typography.Text>;
  return <Tag color={limit.source === "own" ? "blue" : "default"}>{limit.source === "own" ? "own" : "default"}</Tag>;
}

function Usage({ label, used, limit, testId, danger }: { label: string; used: string; limit: LimitInForce; testId: string; danger?: boolean }) {
  const pct = usedPercent(used, limit.limit);
  return (
    <div data-testid={testId} style={{ marginBottom: 12 }}>
      <Space style={{ width: "100%", justifyContent: "space-between" }}>
        <Typography.Text>{label}</Typography.Text>
        <Space size={6}>
          <span className="num">
            {formatDecimal(used)}
            {limit.limit ? ` / ${formatDecimal(limit.limit)}` : ""}
          </span>
          <Source limit={limit} />
        </Space>
      </Space>
      {limit.limit && <Progress percent={pct} showInfo={false} size="small" status={danger || pct >= 100 ? "exception" : pct >= 80 ? "active" : "normal"} />}
    </div>
  );
}

function QuoteCard({ quote }: { quote: QuoteRisk }) {
  return (
    <Card size="small" title={`In ${quote.asset}`} data-testid={`risk-quote-${quote.asset}`}>
      {quote.breached && (
        <Alert type="error" showIcon style={{ marginBottom: 12 }} message="Daily loss limit reached" description="Until the next trading day, only cancels and orders that reduce a position are accepted." data-testid="risk-breached" />
      )}
      <div style={{ marginBottom: 12 }}>
        <Typography.Text type="secondary">Today's PnL: </Typography.Text>
        <Signed value={quote.daily_pnl} suffix={` ${quote.asset}`} />
      </div>
      <Usage label="Loss today" used={lossOf(quote.daily_pnl)} limit={quote.daily_loss_max} testId="risk-daily-loss" danger={quote.breached} />
      <Usage label="Open orders' value" used={quote.open_notional} limit={quote.open_notional_max} testId="risk-open-notional" />
      <Space style={{ width: "100%", justifyContent: "space-between" }}>
        <Typography.Text>Largest order</Typography.Text>
        <Space size={6}>
          <span className="num">{quote.order_notional_max.limit ? formatDecimal(quote.order_notional_max.limit) : "–"}</span>
          <Source limit={quote.order_notional_max} />
        </Space>
      </Space>
    </Card>
  );
}

function HaltList({ halts }: { halts: Halt[] }) {
  if (halts.length === 0) return null;
  return (
    <Space direction="vertical" style={{ width: "100%" }}>
      {halts.map((h) => (
        <Alert
          key={`${h.scope}-${h.symbol ?? h.user_id ?? ""}`}
          type="warning"
          showIcon
          data-testid="halt-alert"
          message={h.scope === "venue" ? "The venue is halted" : h.scope === "instrument" ? `${h.symbol} is halted` : `Account ${h.user_id} is halted`}
          description={`${h.reason || "No reason given"} · since ${new Date(h.since).toLocaleString()} · only cancels are accepted`}
        />
      ))}
    </Space>
  );
}

function dayStart(secs: number): string {
  const h = Math.floor(secs / 3600);
  const m = Math.floor((secs % 3600) / 60);
  return `${String(h).padStart(2, "0")}:${String(m).padStart(2, "0")} UTC`;
}

function RiskOverview({ risk }: { risk: Risk }) {
  const rows = risk.instruments.filter((i) => i.position_max.limit || !/^0(\.0+)?$/.test(i.position));
  return (
    <Space direction="vertical" size={16} style={{ width: "100%" }}>
      <HaltList halts={risk.halts} />
      <Row gutter={[16, 16]}>
        <Col xs={24} lg={8}>
          <Card size="small" title="Orders" style={{ height: "100%" }}>
            <Usage label="Open orders (conditional included)" used={String(risk.open_orders)} limit={risk.open_orders_max} testId="risk-open-orders" />
            <Typography.Text type="secondary">
              The trading day starts at {dayStart(risk.trading_day_start_secs)}; this one ends {new Date(risk.trading_day_ends).toLocaleString()}.
            </Typography.Text>
          </Card>
        </Col>
        {risk.quotes.map((q) => (
          <Col xs={24} lg={8} key={q.asset}>
            <QuoteCard quote={q} />
          </Col>
        ))}
      </Row>
      <Card size="small" title="Position limits">
        <Table
          size="small"
          rowKey="symbol"
          pagination={false}
          scroll={{ x: true }}
          dataSource={rows}
          data-testid="risk-positions"
          locale={{ emptyText: <EmptyState text="No positions and no position limits" /> }}
          columns={[
            { title: "Symbol", dataIndex: "symbol" },
            { title: "Position", dataIndex: "position", align: "right", render: (v: string) => <span className="num">{formatDecimal(v)}</span> },
            { title: "Open buys", dataIndex: "open_buys", align: "right", render: (v: string) => <span className="num">{formatDecimal(v)}</span> },
            {
              title: "Limit",
              key: "limit",
              align: "right",
              render: (_: unknown, r: Risk["instruments"][number]) => (
                <Space size={6}>
                  <span className="num">{r.position_max.limit ? formatDecimal(r.position_max.limit) : "–"}</span>
                  <Source limit={r.position_max} />
                </Space>
              ),
            },
          ]}
        />
      </Card>
    </Space>
  );
}

function PanicButton() {
  const { message, modal } = App.useApp();
  const client = useQueryClient();
  const [flatten, setFlatten] = useState(false);
  const press = () => {
    modal.confirm({
      title: "Cancel every order?",
      content: flatten ? "Every open order is cancelled, conditional ones too, and every position is sold at market." : "Every open order is cancelled, conditional ones too.",
      okText: flatten ? "Cancel all and sell" : "Cancel all",
      okButtonProps: { danger: true, "data-testid": "panic-confirm" } as ButtonProps,
      onOk: async () => {
        try {
          const result = await api<PanicResult>("/account/panic", { method: "POST", body: { flatten } });
          const kept = result.unflattened.length ? `; not sold: ${result.unflattened.map((u) => `${u.symbol} (${u.code})`).join(", ")}` : "";
          void message.success(`${result.cancelled.length} orders cancelled${flatten ? `, ${result.flatten_orders.length} positions sold at market` : ""}${kept}.`);
        } catch (e) {
          void message.error(describeError(e));
        }
        for (const key of [keys.allOrders, keys.balances, keys.positions, keys.risk]) void client.invalidateQueries({ queryKey: key });
      },
    });
  };
  return (
    <Card size="small" title="Panic button">
      <Space wrap>
        <Checkbox checked={flatten} onChange={(e) => setFlatten(e.target.checked)} data-testid="panic-flatten">
          Also sell every position at market
        </Checkbox>
        <Button danger type="primary" onClick={press} data-testid="panic">
          Cancel all my orders
        </Button>
      </Space>
    </Card>
  );
}

const KINDS: { value: LimitChange["kind"]; label: string }[] = [
  { value: "daily_loss_max", label: "Daily loss" },
  { value: "open_notional_max", label: "Open orders' value" },
  { value: "order_notional_max", label: "Largest order" },
  { value: "open_orders_max", label: "Open orders" },
  { value: "position_max", label: "Position (per instrument)" },
];

/** The form that sets or clears one limit, of an account or of the defaults. */
function LimitForm({ target, onDone }: { target: string | null; onDone: () => void }) {
  const { message } = App.useApp();
  const client = useQueryClient();
  const assets = useAssets();
  const instruments = useInstruments();
  const [kind, setKind] = useState<LimitChange["kind"]>("daily_loss_max");
  const [asset, setAsset] = useState("USD");
  const [symbol, setSymbol] = useState<string | undefined>(undefined);
  const [value, setValue] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const save = async (clear: boolean) => {
    setError(null);
    const v = clear ? null : value.trim();
    if (!clear && !/^[0-9]+(\.[0-9]+)?$/.test(v ?? "")) {
      setError("Enter the limit as a positive number, or clear it.");
      return;
    }
    let change: LimitChange;
    if (kind === "open_orders_max") change = { kind, value: v === null ? null : Number(v) };
    else if (kind === "position_max") {
      if (!symbol) return setError("Choose an instrument.");
      change = { kind, symbol, value: v };
    } else change = { kind, asset, value: v };
    setBusy(true);
    try {
      const path = target ? `/admin/accounts/${target}/limits` : "/admin/risk/defaults";
      await api<unknown>(path, { method: "PUT", body: { changes: [change] } });
      void message.success(clear ? "Limit cleared." : "Limit set.");
      for (const key of [keys.riskAccounts, keys.riskDefaults, keys.risk]) void client.invalidateQueries({ queryKey: key });
      onDone();
    } catch (e) {
      setError(describeError(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Form layout="vertical" data-testid="limit-form">
      <Form.Item label="Limit">
        <Select value={kind} onChange={setKind} options={KINDS} data-testid="limit-kind" />
      </Form.Item>
      {kind === "position_max" ? (
        <Form.Item label="Instrument">
          <Select value={symbol} onChange={setSymbol} placeholder="Choose" options={(instruments.data ?? []).map((i) => ({ value: i.symbol, label: i.symbol }))} />
        </Form.Item>
      ) : kind !== "open_orders_max" ? (
        <Form.Item label="Quote asset">
          <Select value={asset} onChange={setAsset} options={(assets.data ?? []).map((a) => ({ value: a.code, label: a.code }))} />
        </Form.Item>
      ) : null}
      <Form.Item label={kind === "open_orders_max" ? "Orders" : kind === "position_max" ? "Quantity" : "Amount"}>
        <Input value={value} onChange={(e) => setValue(e.target.value)} inputMode="decimal" data-testid="limit-value" />
      </Form.Item>
      {error && <Alert type="error" showIcon message={error} style={{ marginBottom: 12 }} data-testid="limit-error" />}
      <Space>
        <Button type="primary" loading={busy} onClick={() => void save(false)} data-testid="limit-save">
          Set limit
        </Button>
        <Button loading={busy} onClick={() => void save(true)}>
          Clear it
        </Button>
      </Space>
    </Form>
  );
}

function Accounts({ admin }: { admin: boolean }) {
  const [page, setPage] = useState(1);
  const accounts = useRiskAccounts(page, true);
  // Admins see names: the users list pages the same way as the risk list.
  const users = useQuery({
    queryKey: ["admin-users", page],
    queryFn: () => api<Paginated<User>>(`/admin/users?page=${page}&limit=10`),
    enabled: admin,
  });
  const name = (id: string) => users.data?.items.find((u) => u.id === id)?.username;
  const [editing, setEditing] = useState<string | null>(null);
  if (accounts.error) return <ErrorState error={accounts.error} retry={() => void accounts.refetch()} />;
  const usd = (r: Risk) => r.quotes.find((q) => q.asset === "USD") ?? r.quotes[0];
  return (
    <>
      <Table<Risk>
        size="small"
        rowKey="user_id"
        loading={accounts.isPending}
        dataSource={accounts.data?.items}
        scroll={{ x: true }}
        data-testid="risk-accounts"
        pagination={{ current: page, pageSize: 10, total: accounts.data?.pagination.total ?? 0, onChange: setPage, hideOnSinglePage: true, size: "small" }}
        columns={[
          { title: "User", dataIndex: "user_id", render: (id: string) => (name(id) ? `${name(id)} (${id})` : id) },
          { title: "Open orders", key: "orders", render: (_: unknown, r: Risk) => <span className="num">{r.open_orders}{r.open_orders_max.limit ? ` / ${r.open_orders_max.limit}` : ""}</span> },
          { title: "Today's PnL", key: "pnl", align: "right", render: (_: unknown, r: Risk) => (usd(r) ? <Signed value={usd(r)!.daily_pnl} suffix={` ${usd(r)!.asset}`} /> : "–") },
          { title: "Daily loss limit", key: "loss", align: "right", render: (_: unknown, r: Risk) => <span className="num">{usd(r)?.daily_loss_max.limit ? formatDecimal(usd(r)!.daily_loss_max.limit) : "–"}</span> },
          { title: "Open value", key: "open", align: "right", render: (_: unknown, r: Risk) => <span className="num">{formatDecimal(usd(r)?.open_notional ?? null)}</span> },
          { title: "State", key: "state", render: (_: unknown, r: Risk) => (r.quotes.some((q) => q.breached) ? <Tag color="error">loss limit reached</Tag> : r.halts.some((h) => h.scope === "account") ? <Tag color="warning">halted</Tag> : <Tag>ok</Tag>) },
          ...(admin
            ? [
                {
                  title: "",
                  key: "edit",
                  align: "right" as const,
                  render: (_: unknown, r: Risk) => (
                    <Button size="small" onClick={() => setEditing(r.user_id)} data-testid="edit-limits">
                      Edit limits
                    </Button>
                  ),
                },
              ]
            : []),
        ]}
      />
      <Modal open={editing !== null} title={`Limits of ${editing ? (name(editing) ?? `user ${editing}`) : ""}`} footer={null} onCancel={() => setEditing(null)} destroyOnHidden>
        {editing && <LimitForm target={editing} onDone={() => setEditing(null)} />}
      </Modal>
    </>
  );
}

function Defaults({ admin }: { admin: boolean }) {
  const defaults = useRiskDefaults();
  if (defaults.error) return <ErrorState error={defaults.error} retry={() => void defaults.refetch()} />;
  const d: RiskDefaults | undefined = defaults.data;
  const lines = d
    ? [
        ...(d.open_orders_max !== null ? [`Open orders: ${d.open_orders_max}`] : []),
        ...d.daily_loss_max.map((l) => `Daily loss: ${formatDecimal(l.limit)} ${l.asset}`),
        ...d.open_notional_max.map((l) => `Open orders' value: ${formatDecimal(l.limit)} ${l.asset}`),
        ...d.order_notional_max.map((l) => `Largest order: ${formatDecimal(l.limit)} ${l.asset}`),
        ...d.position_max.map((l) => `Position in ${l.symbol}: ${formatDecimal(l.limit)}`),
      ]
    : [];
  return (
    <Row gutter={[16, 16]}>
      <Col xs={24} lg={12}>
        <Card size="small" title="Every account without its own" data-testid="risk-defaults">
          {lines.length ? lines.map((l) => <div key={l}>{l}</div>) : <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description="No default limits" />}
          {d && <Typography.Paragraph type="secondary" style={{ marginTop: 12, marginBottom: 0 }}>Trading day starts at {dayStart(d.trading_day_start_secs)}.</Typography.Paragraph>}
        </Card>
      </Col>
      {admin && (
        <Col xs={24} lg={12}>
          <Card size="small" title="Set a default">
            <LimitForm target={null} onDone={() => undefined} />
          </Card>
        </Col>
      )}
    </Row>
  );
}

function KillSwitch() {
  const { message, modal } = App.useApp();
  const client = useQueryClient();
  const halts = useHalts();
  const instruments = useInstruments();
  const [scope, setScope] = useState<Halt["scope"]>("instrument");
  const [symbol, setSymbol] = useState<string | undefined>(undefined);
  const [user, setUser] = useState<number | null>(null);
  const [reason, setReason] = useState("");
  const target = (h: { scope: Halt["scope"]; symbol?: string | null; user_id?: string | null }) =>
    h.scope === "venue" ? { scope: "venue" } : h.scope === "instrument" ? { scope: "instrument", symbol: h.symbol } : { scope: "account", user_id: h.user_id };
  const send = async (path: string, body: Record<string, unknown>, done: string) => {
    try {
      await api<Halt[]>(path, { method: "POST", body });
      void message.success(done);
    } catch (e) {
      void message.error(describeError(e));
    }
    for (const key of [keys.halts, keys.risk, keys.allOrders, keys.instruments]) void client.invalidateQueries({ queryKey: key });
  };
  const what = scope === "venue" ? "the whole venue" : scope === "instrument" ? (symbol ?? "an instrument") : `account ${user ?? "?"}`;
  const halt = () => {
    if (scope === "instrument" && !symbol) return void message.warning("Choose an instrument.");
    if (scope === "account" && !user) return void message.warning("Enter the user id.");
    modal.confirm({
      title: `Halt ${what}?`,
      content: "Every order in its scope is cancelled, conditional ones too, and new orders are refused until it is resumed. Cancels are still accepted.",
      okText: "Halt",
      okButtonProps: { danger: true, "data-testid": "halt-confirm" } as ButtonProps,
      onOk: () => send("/admin/halts", { ...target({ scope, symbol, user_id: user ? String(user) : null }), reason }, `${what} halted.`),
    });
  };
  const resume = (h: Halt) => {
    modal.confirm({
      title: `Resume ${h.scope === "venue" ? "the venue" : (h.symbol ?? `account ${h.user_id}`)}?`,
      okText: "Resume",
      okButtonProps: { "data-testid": "resume-confirm" } as ButtonProps,
      onOk: () => send("/admin/halts/resume", { ...target(h), reason: "resumed from the dashboard" }, "Resumed."),
    });
  };
  return (
    <Row gutter={[16, 16]}>
      <Col xs={24} lg={12}>
        <Card size="small" title="Halt">
          <Form layout="vertical">
            <Form.Item label="Scope">
              <Select value={scope} onChange={setScope} data-testid="halt-scope" options={[{ value: "instrument", label: "An instrument" }, { value: "account", label: "An account" }, { value: "venue", label: "The whole venue" }]} />
            </Form.Item>
            {scope === "instrument" && (
              <Form.Item label="Instrument">
                <Select value={symbol} onChange={setSymbol} placeholder="Choose" data-testid="halt-symbol" options={(instruments.data ?? []).map((i) => ({ value: i.symbol, label: i.symbol }))} />
              </Form.Item>
            )}
            {scope === "account" && (
              <Form.Item label="User id">
                <InputNumber min={1} value={user} onChange={(v) => setUser(v)} style={{ width: "100%" }} />
              </Form.Item>
            )}
            <Form.Item label="Reason (kept with the halt)">
              <Input value={reason} maxLength={200} onChange={(e) => setReason(e.target.value.replace(/[^ -~]/g, ""))} data-testid="halt-reason" />
            </Form.Item>
            <Button danger type="primary" onClick={halt} data-testid="halt">
              Halt {what}
            </Button>
          </Form>
        </Card>
      </Col>
      <Col xs={24} lg={12}>
        <Card size="small" title="Halts in force">
          {halts.error ? (
            <ErrorState error={halts.error} retry={() => void halts.refetch()} />
          ) : (
            <Table<Halt>
              size="small"
              rowKey={(h) => `${h.scope}-${h.symbol ?? h.user_id ?? ""}`}
              loading={halts.isPending}
              dataSource={halts.data}
              pagination={false}
              scroll={{ x: true }}
              data-testid="halts"
              locale={{ emptyText: <EmptyState text="Nothing is halted" /> }}
              columns={[
                { title: "Scope", key: "scope", render: (_: unknown, h: Halt) => (h.scope === "venue" ? "Venue" : h.scope === "instrument" ? h.symbol : `Account ${h.user_id}`) },
                { title: "By", dataIndex: "by" },
                { title: "Reason", dataIndex: "reason" },
                { title: "Since", dataIndex: "since", render: (t: string) => new Date(t).toLocaleString() },
                {
                  title: "",
                  key: "resume",
                  align: "right",
                  render: (_: unknown, h: Halt) => (
                    <Button size="small" onClick={() => resume(h)} data-testid="resume">
                      Resume
                    </Button>
                  ),
                },
              ]}
            />
          )}
        </Card>
      </Col>
    </Row>
  );
}

export default function RiskPage() {
  const risk = useRisk();
  const client = useQueryClient();
  const role = useAuth((s) => s.session?.user.role);
  const staff = role === "admin" || role === "compliance" || role === "auditor";
  const admin = role === "admin";
  useTopics(["risk", "positions"], () => {
    void client.invalidateQueries({ queryKey: keys.risk });
    void client.invalidateQueries({ queryKey: keys.halts });
  });
  const mine = risk.error ? <ErrorState error={risk.error} retry={() => void risk.refetch()} /> : risk.data ? <RiskOverview risk={risk.data} /> : <Card loading />;
  const own = (
    <Space direction="vertical" size={16} style={{ width: "100%" }}>
      {mine}
      {(role === "trader" || role === "admin") && <PanicButton />}
    </Space>
  );
  if (!staff) return own;
  return (
    <Tabs
      data-testid="risk-tabs"
      items={[
        { key: "mine", label: "My risk", children: own },
        { key: "accounts", label: "Accounts", children: <Accounts admin={admin} /> },
        { key: "defaults", label: "Default limits", children: <Defaults admin={admin} /> },
        ...(admin ? [{ key: "kill", label: "Kill switch", children: <KillSwitch /> }] : []),
      ]}
    />
  );
}
