// The Backtests page: a built-in strategy and its parameters (a form made from the
// venue's own parameter specifications), run over the venue's stored candles in the
// background; the runs with their progress; a run's report with its equity and
// drawdown charts and its trades; runs side by side to compare; parameter sweeps with
// their ranked table and walk-forward windows. Progress comes on the `backtests` topic.

import { useQueryClient } from "@tanstack/react-query";
import {
  Alert,
  App,
  Button,
  Card,
  Col,
  Descriptions,
  Form,
  InputNumber,
  Input,
  Progress,
  Radio,
  Row,
  Select,
  Space,
  Switch,
  Table,
  Tag,
  Typography,
} from "antd";
import { useEffect, useMemo, useState } from "react";
import { api, describeError } from "../api/client";
import { keys, useBacktest, useBacktests, useBuiltins, useInstruments } from "../api/queries";
import type { Backtest, BacktestProgressMessage, BacktestStatistics, ParamSpec, ParamValue, SweepResult } from "../api/types";
import { EmptyState, ErrorState, Signed } from "../components/common";
import { CurveChart, type CurvePoint } from "../components/CurveChart";
import { ParamField } from "../components/ParamField";
import {
  type BacktestForm,
  RANK_BY,
  type SweepForm,
  backtestRequest,
  defaultParams,
  defaultSweep,
  duration,
  paramProblem,
  paramsText,
  percent,
  progressPercent,
  ratio,
  sweepProblem,
  sweepRuns,
  sweepSets,
  sweepValues,
} from "../lib/backtest";
import { useTopic } from "../ws/live";
import { formatDecimal } from "../lib/decimal";

const TIMEFRAMES = ["1m", "5m", "15m", "1h", "4h", "1d"];
const STATUS_COLOURS: Record<string, string> = { queued: "default", running: "processing", done: "success", failed: "error", cancelled: "warning" };

function StatusTag({ status }: { status: string }) {
  return (
    <Tag color={STATUS_COLOURS[status] ?? "default"} data-testid="backtest-status">
      {status}
    </Tag>
  );
}

function NewBacktest({ onStarted }: { onStarted: (b: Backtest) => void }) {
  const builtins = useBuiltins();
  const instruments = useInstruments();
  const { message } = App.useApp();
  const client = useQueryClient();
  const [form, setForm] = useState<BacktestForm>({ strategy: "", params: {}, symbol: "BTC-USD", timeframe: "15m", days: 7, cash: "100000", slippageBps: 5, touch: false });
  const [sending, setSending] = useState(false);
  const selected = builtins.data?.find((b) => b.name === form.strategy);
  useEffect(() => {
    const first = builtins.data?.[0];
    if (first && !form.strategy) setForm((f) => ({ ...f, strategy: first.name, params: defaultParams(first) }));
  }, [builtins.data, form.strategy]);
  if (builtins.isError) return <ErrorState error={builtins.error} retry={() => void builtins.refetch()} />;
  const problems = selected ? selected.params.map((p) => paramProblem(p, form.params[p.name])).filter(Boolean) : ["choose a strategy"];
  const sweepIssue = form.sweep && selected ? sweepProblem(form.sweep, selected.params) : null;
  const start = async () => {
    setSending(true);
    try {
      const started = await api<Backtest>("/backtests", { method: "POST", body: backtestRequest(form, Date.now(), selected?.params ?? []) });
      void client.invalidateQueries({ queryKey: keys.backtests });
      onStarted(started);
    } catch (e) {
      void message.error(describeError(e));
    } finally {
      setSending(false);
    }
  };
  return (
    <Card title="New backtest" size="small" data-testid="backtest-form">
      <Form layout="vertical">
        <Form.Item label="Strategy" style={{ marginBottom: 12 }}>
          <Select
            value={form.strategy || undefined}
            loading={builtins.isLoading}
            onChange={(name: string) => {
              const b = builtins.data?.find((x) => x.name === name);
              if (b) setForm((f) => ({ ...f, strategy: name, params: defaultParams(b) }));
            }}
            options={(builtins.data ?? []).map((b) => ({ value: b.name, label: b.title }))}
            data-testid="backtest-strategy"
          />
        </Form.Item>
        {selected && (
          <Typography.Paragraph type="secondary" style={{ marginTop: -4 }}>
            {selected.description}
          </Typography.Paragraph>
        )}
        <Row gutter={12}>
          <Col xs={24} sm={12}>
            <Form.Item label="Instrument" style={{ marginBottom: 12 }}>
              <Select value={form.symbol} onChange={(symbol: string) => setForm((f) => ({ ...f, symbol }))} options={(instruments.data ?? []).map((i) => ({ value: i.symbol, label: i.symbol }))} data-testid="backtest-symbol" />
            </Form.Item>
          </Col>
          <Col xs={12} sm={6}>
            <Form.Item label="Bars" style={{ marginBottom: 12 }}>
              <Select value={form.timeframe} onChange={(timeframe: string) => setForm((f) => ({ ...f, timeframe }))} options={TIMEFRAMES.map((t) => ({ value: t, label: t }))} data-testid="backtest-timeframe" />
            </Form.Item>
          </Col>
          <Col xs={12} sm={6}>
            <Form.Item label="Days" tooltip="Days of candles before now; empty for the whole stored past" style={{ marginBottom: 12 }}>
              <InputNumber min={1} max={3650} value={form.days ?? undefined} onChange={(days) => setForm((f) => ({ ...f, days: days ?? null }))} style={{ width: "100%" }} data-testid="backtest-days" />
            </Form.Item>
          </Col>
        </Row>
        {selected?.params.map((spec) => (
          <ParamField key={spec.name} spec={spec} value={form.params[spec.name]} onChange={(v) => setForm((f) => ({ ...f, params: { ...f.params, [spec.name]: v } }))} />
        ))}
        <Row gutter={12}>
          <Col xs={12}>
            <Form.Item label="Starting cash" style={{ marginBottom: 12 }}>
              <Input value={form.cash} onChange={(e) => setForm((f) => ({ ...f, cash: e.target.value }))} inputMode="decimal" data-testid="backtest-cash" />
            </Form.Item>
          </Col>
          <Col xs={12}>
            <Form.Item label="Slippage (bps)" style={{ marginBottom: 12 }}>
              <InputNumber min={0} max={1000} value={form.slippageBps} onChange={(v) => setForm((f) => ({ ...f, slippageBps: v ?? 0 }))} style={{ width: "100%" }} />
            </Form.Item>
          </Col>
        </Row>
        <Form.Item style={{ marginBottom: 12 }}>
          <Space>
            <Switch checked={form.touch} onChange={(touch) => setForm((f) => ({ ...f, touch }))} />
            <Typography.Text>Fill limit orders on a touch</Typography.Text>
          </Space>
        </Form.Item>
        <Form.Item style={{ marginBottom: 12 }}>
          <Space>
            <Switch checked={Boolean(form.sweep)} onChange={(on) => setForm((f) => ({ ...f, sweep: on ? defaultSweep() : undefined }))} data-testid="sweep-switch" />
            <Typography.Text>Parameter sweep</Typography.Text>
          </Space>
        </Form.Item>
        {form.sweep && selected && <SweepFields sweep={form.sweep} specs={selected.params} onChange={(sweep) => setForm((f) => ({ ...f, sweep }))} />}
        {sweepIssue && <Alert type="warning" showIcon message={sweepIssue} style={{ marginBottom: 12 }} data-testid="sweep-problem" />}
        <Button type="primary" onClick={() => void start()} loading={sending} disabled={problems.length > 0 || sweepIssue !== null} block data-testid="backtest-run">
          {form.sweep && selected ? `Run sweep (${sweepRuns(form.sweep, selected.params)} runs)` : "Run backtest"}
        </Button>
      </Form>
    </Card>
  );
}

/** The sweep's part of the form: each parameter's values (those left empty keep the
 * value above), grid or sample, the ranking statistic and walk-forward windows. */
function SweepFields({ sweep, specs, onChange }: { sweep: SweepForm; specs: ParamSpec[]; onChange: (s: SweepForm) => void }) {
  return (
    <div data-testid="sweep-fields" style={{ borderLeft: "3px solid #e5e7eb", paddingLeft: 12, marginBottom: 12 }}>
      <Typography.Paragraph type="secondary" style={{ fontSize: 12 }}>
        Values to try, separated by commas; a parameter left empty keeps its value above. {sweepSets(sweep, specs)} sets.
      </Typography.Paragraph>
      {specs.map((spec) => {
        const { problem } = sweepValues(spec, sweep.values[spec.name]);
        return (
          <Form.Item key={spec.name} label={spec.name} validateStatus={problem ? "error" : ""} help={problem ?? undefined} style={{ marginBottom: 8 }}>
            <Input
              value={sweep.values[spec.name] ?? ""}
              placeholder={spec.type === "choice" ? spec.options.join(", ") : `e.g. ${spec.default}`}
              onChange={(e) => onChange({ ...sweep, values: { ...sweep.values, [spec.name]: e.target.value } })}
              data-testid={`sweep-${spec.name}`}
            />
          </Form.Item>
        );
      })}
      <Row gutter={12}>
        <Col xs={24} sm={12}>
          <Form.Item label="Sets" style={{ marginBottom: 8 }}>
            <Radio.Group value={sweep.kind} onChange={(e) => onChange({ ...sweep, kind: e.target.value as SweepForm["kind"] })} optionType="button" options={[{ value: "grid", label: "Every one" }, { value: "random", label: "A sample" }]} />
          </Form.Item>
        </Col>
        {sweep.kind === "random" && (
          <Col xs={12} sm={6}>
            <Form.Item label="Samples" style={{ marginBottom: 8 }}>
              <InputNumber min={1} max={1000} value={sweep.samples} onChange={(samples) => onChange({ ...sweep, samples: samples ?? 1 })} style={{ width: "100%" }} />
            </Form.Item>
          </Col>
        )}
        {sweep.kind === "random" && (
          <Col xs={12} sm={6}>
            <Form.Item label="Seed" style={{ marginBottom: 8 }}>
              <InputNumber min={0} max={4294967295} value={sweep.seed} onChange={(seed) => onChange({ ...sweep, seed: seed ?? 0 })} style={{ width: "100%" }} />
            </Form.Item>
          </Col>
        )}
      </Row>
      <Form.Item label="Rank by" style={{ marginBottom: 8 }}>
        <Select value={sweep.rankBy} onChange={(rankBy) => onChange({ ...sweep, rankBy })} options={RANK_BY} data-testid="sweep-rank-by" />
      </Form.Item>
      <Form.Item style={{ marginBottom: 8 }}>
        <Space>
          <Switch checked={sweep.walkForward} onChange={(walkForward) => onChange({ ...sweep, walkForward })} data-testid="sweep-walk-forward" />
          <Typography.Text>Walk-forward windows</Typography.Text>
        </Space>
      </Form.Item>
      {sweep.walkForward && (
        <Row gutter={12}>
          <Col xs={12}>
            <Form.Item label="Windows" style={{ marginBottom: 8 }}>
              <InputNumber min={1} max={20} value={sweep.windows} onChange={(windows) => onChange({ ...sweep, windows: windows ?? 1 })} style={{ width: "100%" }} data-testid="sweep-windows" />
            </Form.Item>
          </Col>
          <Col xs={12}>
            <Form.Item label="In sample" tooltip="The share of each window the set is chosen on; it is tested on the rest" style={{ marginBottom: 8 }}>
              <InputNumber min={0.1} max={0.9} step={0.05} value={sweep.inSample} onChange={(inSample) => onChange({ ...sweep, inSample: inSample ?? 0.7 })} style={{ width: "100%" }} />
            </Form.Item>
          </Col>
        </Row>
      )}
    </div>
  );
}

function Figure({ label, value, testId }: { label: string; value: React.ReactNode; testId?: string }) {
  return (
    <div style={{ minWidth: 120 }} data-testid={testId}>
      <Typography.Text type="secondary" style={{ fontSize: 12 }}>
        {label}
      </Typography.Text>
      <div className="num" style={{ fontSize: 18, fontWeight: 600 }}>
        {value}
      </div>
    </div>
  );
}

function Figures({ s }: { s: BacktestStatistics }) {
  return (
    <Space wrap size={[24, 12]} data-testid="backtest-figures">
      <Figure label="Total return" value={percent(s.total_return)} testId="figure-return" />
      <Figure label="Buy and hold" value={percent(s.buy_and_hold_return)} />
      <Figure label="CAGR" value={percent(s.cagr)} />
      <Figure label="Sharpe" value={ratio(s.sharpe)} />
      <Figure label="Sortino" value={ratio(s.sortino)} />
      <Figure label="Max drawdown" value={percent(s.max_drawdown)} />
      <Figure label="Trades" value={s.trades} testId="figure-trades" />
      <Figure label="Win rate" value={percent(s.win_rate)} />
      <Figure label="Profit factor" value={ratio(s.profit_factor)} />
      <Figure label="Fees" value={formatDecimal(s.fees)} />
    </Space>
  );
}

const money = (v: number) => v.toLocaleString(undefined, { maximumFractionDigits: 0 });
const drawdownText = (v: number) => `${v.toFixed(1)}%`;

function Report({ id }: { id: string }) {
  const backtest = useBacktest(id);
  const b = backtest.data;
  const equity = useMemo<CurvePoint[]>(() => (b?.summary ? b.summary.equity.map((p) => ({ time: p.time, value: Number(p.equity) })) : []), [b?.summary]);
  const drawdown = useMemo<CurvePoint[]>(() => (b?.summary ? b.summary.drawdown.map((p) => ({ time: p.time, value: -p.drawdown * 100 })) : []), [b?.summary]);
  if (backtest.isError) return <ErrorState error={backtest.error} retry={() => void backtest.refetch()} />;
  if (!b) return <Card loading />;
  if (b.sweep) return <SweepReport b={b} />;
  const s = b.summary?.statistics;
  return (
    <Card
      title={
        <Space wrap>
          <span>
            {b.strategy} on {b.symbol} {b.timeframe}
          </span>
          <StatusTag status={b.status} />
        </Space>
      }
      extra={
        b.status === "done" && (
          <a href={`/api/v1/backtests/${b.id}/report`} onClick={(e) => {
            e.preventDefault();
            void openReport(b.id);
          }}>
            HTML report
          </a>
        )
      }
      size="small"
      data-testid="backtest-report"
    >
      {(b.status === "queued" || b.status === "running") && <Progress percent={progressPercent(b)} status="active" data-testid="backtest-progress" />}
      {b.error && <Alert type="error" showIcon message={b.error} style={{ marginBottom: 12 }} />}
      <Descriptions size="small" column={{ xs: 1, sm: 2, lg: 3 }} style={{ marginBottom: 12 }}>
        <Descriptions.Item label="Parameters">{paramsText(b.params)}</Descriptions.Item>
        <Descriptions.Item label="Period">
          {b.summary ? `${b.summary.bars} bars` : "–"}, from {new Date(b.from).toISOString().slice(0, 10)}
        </Descriptions.Item>
        <Descriptions.Item label="Starting cash">{formatDecimal(b.cash)}</Descriptions.Item>
      </Descriptions>
      <Typography.Paragraph type="secondary" style={{ fontSize: 12 }}>
        Fill model: {b.fill_model}
      </Typography.Paragraph>
      {s && b.summary && (
        <>
          <Figures s={s} />
          <Typography.Title level={5} style={{ marginTop: 16 }}>
            Equity
          </Typography.Title>
          <CurveChart points={equity} color="#2563eb" format={money} testId="equity-chart" />
          <Typography.Title level={5}>Drawdown</Typography.Title>
          <CurveChart points={drawdown} color="#dc2626" area height={160} format={drawdownText} testId="drawdown-chart" />
          <Typography.Title level={5}>
            Trades ({b.summary.trades_total}
            {b.summary.trades_total > b.summary.trades.length ? `, first ${b.summary.trades.length} shown` : ""})
          </Typography.Title>
          <Table
            size="small"
            rowKey={(t) => `${t.entry_time}-${t.exit_time}`}
            dataSource={b.summary.trades}
            pagination={{ pageSize: 10, showSizeChanger: false }}
            scroll={{ x: 560 }}
            data-testid="backtest-trades"
            columns={[
              { title: "Entry", dataIndex: "entry_time", render: (t: string) => t.slice(0, 16).replace("T", " ") },
              { title: "Exit", dataIndex: "exit_time", render: (t: string) => t.slice(0, 16).replace("T", " ") },
              { title: "Cost", dataIndex: "cost", align: "right", render: (v: string) => <span className="num">{formatDecimal(v)}</span> },
              { title: "Result", dataIndex: "pnl", align: "right", render: (v: string) => <Signed value={v} /> },
              { title: "Fees", dataIndex: "fees", align: "right", render: (v: string) => <span className="num">{formatDecimal(v)}</span> },
            ]}
          />
          <Typography.Text type="secondary" style={{ fontSize: 12 }}>
            Longest drawdown {duration(s.max_drawdown_duration_secs)}; average holding time {duration(s.average_holding_secs)}; {b.summary.signals_total} signals.
          </Typography.Text>
        </>
      )}
    </Card>
  );
}

const RANK_LABEL = Object.fromEntries(RANK_BY.map((r) => [r.value, r.label]));
const day = (t: string) => t.slice(0, 16).replace("T", " ");

/** A sweep's report: what it tried, its progress, every set ranked and the
 * walk-forward windows (the set chosen in sample beside how it did out of it). */
function SweepReport({ b }: { b: Backtest }) {
  const sweep = b.sweep!;
  const result = b.sweep_result;
  const swept = sweep.values.map((v) => v.name);
  const pick = (params: Record<string, ParamValue>) => swept.map((name) => `${name}=${params[name]}`).join(" ");
  return (
    <Card
      title={
        <Space wrap>
          <span>
            Sweep of {b.strategy} on {b.symbol} {b.timeframe}
          </span>
          <StatusTag status={b.status} />
        </Space>
      }
      size="small"
      data-testid="backtest-report"
    >
      {(b.status === "queued" || b.status === "running") && (
        <Progress percent={progressPercent(b)} status="active" format={() => (b.progress ? `${b.progress.done}/${b.progress.total} runs` : "queued")} data-testid="backtest-progress" />
      )}
      {b.error && <Alert type="error" showIcon message={b.error} style={{ marginBottom: 12 }} />}
      <Descriptions size="small" column={{ xs: 1, sm: 2, lg: 3 }} style={{ marginBottom: 12 }}>
        <Descriptions.Item label="Swept">{sweep.values.map((v) => `${v.name} ∈ {${v.values.join(", ")}}`).join("; ")}</Descriptions.Item>
        <Descriptions.Item label="Sets">{sweep.kind === "grid" ? "every combination" : `${sweep.samples} drawn (seed ${sweep.seed})`}</Descriptions.Item>
        <Descriptions.Item label="Ranked by">{RANK_LABEL[sweep.rank_by]}</Descriptions.Item>
        <Descriptions.Item label="Fixed">{paramsText(Object.fromEntries(Object.entries(b.params).filter(([k]) => !swept.includes(k))))}</Descriptions.Item>
        <Descriptions.Item label="Walk-forward">{sweep.walk_forward ? `${sweep.walk_forward.windows} windows, ${Math.round(sweep.walk_forward.in_sample * 100)}% in sample` : "off"}</Descriptions.Item>
        {result && <Descriptions.Item label="Threads">{result.threads}</Descriptions.Item>}
      </Descriptions>
      <Typography.Paragraph type="secondary" style={{ fontSize: 12 }}>
        Fill model: {b.fill_model}
      </Typography.Paragraph>
      {result && <SweepTables result={result} pick={pick} />}
    </Card>
  );
}

function SweepTables({ result, pick }: { result: SweepResult; pick: (p: Record<string, ParamValue>) => string }) {
  return (
    <>
      <Typography.Title level={5}>Ranked ({result.rows.length} sets)</Typography.Title>
      <Table
        size="small"
        rowKey="rank"
        dataSource={result.rows}
        pagination={{ pageSize: 10, showSizeChanger: false, hideOnSinglePage: true }}
        scroll={{ x: 640 }}
        data-testid="sweep-rows"
        columns={[
          { title: "#", dataIndex: "rank", width: 48 },
          { title: "Parameters", render: (_: unknown, r) => <span className="num">{pick(r.params)}</span> },
          { title: RANK_LABEL[result.rank_by], dataIndex: "score", align: "right", render: (v: number | null) => <span className="num">{result.rank_by === "total_return" || result.rank_by === "win_rate" || result.rank_by === "max_drawdown" ? percent(v) : ratio(v)}</span> },
          { title: "Return", align: "right", render: (_: unknown, r) => <span className="num">{percent(r.statistics.total_return)}</span> },
          { title: "Max drawdown", align: "right", render: (_: unknown, r) => <span className="num">{percent(r.statistics.max_drawdown)}</span> },
          { title: "Trades", align: "right", render: (_: unknown, r) => <span className="num">{r.statistics.trades}</span> },
          { title: "Win rate", align: "right", render: (_: unknown, r) => <span className="num">{percent(r.statistics.win_rate)}</span> },
        ]}
      />
      {result.windows.length > 0 && (
        <>
          <Typography.Title level={5} style={{ marginTop: 16 }}>
            Walk-forward
          </Typography.Title>
          <Typography.Paragraph type="secondary" style={{ fontSize: 12 }}>
            Each window's best set in sample, then tested on the bars after it. A return that falls away out of sample is a fit to noise.
          </Typography.Paragraph>
          <Table
            size="small"
            rowKey="in_sample_from"
            dataSource={result.windows}
            pagination={false}
            scroll={{ x: 640 }}
            data-testid="sweep-windows-table"
            columns={[
              { title: "In sample from", dataIndex: "in_sample_from", render: day },
              { title: "Out of sample", render: (_: unknown, w) => `${day(w.out_of_sample_from)} – ${day(w.out_of_sample_to)}` },
              { title: "Chosen", render: (_: unknown, w) => <span className="num">{pick(w.params)}</span> },
              { title: "Return in", align: "right", render: (_: unknown, w) => <span className="num">{percent(w.in_sample.total_return)}</span> },
              { title: "Return out", align: "right", render: (_: unknown, w) => <span className="num">{percent(w.out_of_sample.total_return)}</span> },
              { title: "Sharpe in / out", align: "right", render: (_: unknown, w) => <span className="num">{`${ratio(w.in_sample.sharpe)} / ${ratio(w.out_of_sample.sharpe)}`}</span> },
            ]}
          />
        </>
      )}
    </>
  );
}

/** The HTML report needs the access token, so it is fetched and opened as a page of its own. */
async function openReport(id: string) {
  const { useAuth } = await import("../store/auth");
  const token = useAuth.getState().session?.accessToken;
  const response = await fetch(`/api/v1/backtests/${id}/report`, { headers: token ? { Authorization: `Bearer ${token}` } : {} });
  const html = await response.text();
  const url = URL.createObjectURL(new Blob([html], { type: "text/html" }));
  window.open(url, "_blank", "noopener");
}

function Runs({ selected, onSelect, compare, onCompare }: { selected: string | null; onSelect: (id: string) => void; compare: string[]; onCompare: (ids: string[]) => void }) {
  const runs = useBacktests();
  const client = useQueryClient();
  const { message } = App.useApp();
  if (runs.isError) return <ErrorState error={runs.error} retry={() => void runs.refetch()} />;
  const cancel = async (id: string) => {
    try {
      await api(`/backtests/${id}/cancel`, { method: "POST" });
      void client.invalidateQueries({ queryKey: keys.backtests });
    } catch (e) {
      void message.error(describeError(e));
    }
  };
  return (
    <Card title="Runs" size="small" data-testid="backtest-runs">
      <Table<Backtest>
        size="small"
        rowKey="id"
        loading={runs.isLoading}
        dataSource={runs.data?.items ?? []}
        locale={{ emptyText: <EmptyState text="No backtest yet" /> }}
        pagination={false}
        scroll={{ x: 520 }}
        rowSelection={{ selectedRowKeys: compare, onChange: (keys) => onCompare(keys.map(String).slice(0, 4)), columnTitle: "Compare" }}
        onRow={(b) => ({ onClick: () => onSelect(b.id), style: { cursor: "pointer", fontWeight: b.id === selected ? 600 : undefined } })}
        columns={[
          { title: "#", dataIndex: "id", width: 56 },
          {
            title: "Strategy",
            render: (_: unknown, b) => (
              <span>
                {b.strategy} {b.symbol} {b.timeframe} {b.sweep && <Tag color="purple">sweep</Tag>}
              </span>
            ),
          },
          { title: "Status", dataIndex: "status", render: (s: string, b) => (s === "running" || s === "queued" ? <Progress percent={progressPercent(b)} size="small" style={{ width: 90 }} /> : <StatusTag status={s} />) },
          {
            title: "",
            render: (_: unknown, b) =>
              (b.status === "queued" || b.status === "running") && (
                <Button size="small" onClick={(e) => {
                  e.stopPropagation();
                  void cancel(b.id);
                }}>
                  Cancel
                </Button>
              ),
          },
        ]}
      />
    </Card>
  );
}

function Compare({ ids }: { ids: string[] }) {
  const runs = useBacktests();
  const rows = (runs.data?.items ?? []).filter((b) => ids.includes(b.id));
  return (
    <Card title="Comparison" size="small" data-testid="backtest-compare">
      <Table
        size="small"
        rowKey="id"
        dataSource={rows}
        pagination={false}
        scroll={{ x: 640 }}
        columns={[
          { title: "#", dataIndex: "id", width: 56 },
          { title: "Strategy", render: (_: unknown, b: Backtest) => `${b.strategy} ${b.symbol} ${b.timeframe}` },
          { title: "Parameters", render: (_: unknown, b: Backtest) => <Typography.Text style={{ fontSize: 12 }}>{paramsText(b.params)}</Typography.Text> },
          { title: "Return", align: "right", render: (_: unknown, b: Backtest) => <CompareFigure id={b.id} pick={(s) => percent(s.total_return)} /> },
          { title: "Sharpe", align: "right", render: (_: unknown, b: Backtest) => <CompareFigure id={b.id} pick={(s) => ratio(s.sharpe)} /> },
          { title: "Max drawdown", align: "right", render: (_: unknown, b: Backtest) => <CompareFigure id={b.id} pick={(s) => percent(s.max_drawdown)} /> },
          { title: "Trades", align: "right", render: (_: unknown, b: Backtest) => <CompareFigure id={b.id} pick={(s) => String(s.trades)} /> },
        ]}
      />
    </Card>
  );
}

/** One figure of a run's statistics (read from the run itself: lists leave them out). */
function CompareFigure({ id, pick }: { id: string; pick: (s: BacktestStatistics) => string }) {
  const s = useBacktest(id).data?.summary?.statistics;
  return <span className="num">{s ? pick(s) : "–"}</span>;
}

export default function Backtests() {
  const [selected, setSelected] = useState<string | null>(null);
  const [compare, setCompare] = useState<string[]>([]);
  const runs = useBacktests();
  const client = useQueryClient();
  // Progress and ends come pushed: the run's cached copy moves at once, and an end
  // reads the run (its summary or table) and the list again.
  useTopic("backtests", (message) => {
    const m = message as unknown as BacktestProgressMessage;
    client.setQueryData<Backtest>(keys.backtest(m.id), (old) => (old ? { ...old, status: m.status, progress: m.progress } : old));
    if (m.status !== "queued" && m.status !== "running") {
      void client.invalidateQueries({ queryKey: keys.backtest(m.id) });
      void client.invalidateQueries({ queryKey: keys.backtests });
    }
  });
  const shown = selected ?? runs.data?.items[0]?.id ?? null;
  return (
    <Space direction="vertical" size={16} style={{ width: "100%" }}>
      <Typography.Title level={3} style={{ margin: 0 }}>
        Backtests
      </Typography.Title>
      <Row gutter={[16, 16]}>
        <Col xs={24} lg={9}>
          <Space direction="vertical" size={16} style={{ width: "100%" }}>
            <NewBacktest onStarted={(b) => setSelected(b.id)} />
            <Runs selected={shown} onSelect={setSelected} compare={compare} onCompare={setCompare} />
          </Space>
        </Col>
        <Col xs={24} lg={15}>
          <Space direction="vertical" size={16} style={{ width: "100%" }}>
            {shown ? <Report id={shown} /> : <Card><EmptyState text="Run a backtest to see its report" /></Card>}
            {compare.length > 1 && <Compare ids={compare} />}
          </Space>
        </Col>
      </Row>
    </Space>
  );
}
