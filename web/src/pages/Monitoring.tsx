// The Monitoring page, for administrators: the venue's figures now (throughput,
// latency, lags, connections, the process), and line charts of the last minutes. The
// history comes from GET /admin/stats; then the `stats` topic adds a sample every
// second. The numbers are those of /metrics.

import { PauseCircleOutlined, PlayCircleOutlined } from "@ant-design/icons";
import { useQueryClient } from "@tanstack/react-query";
import { Badge, Button, Card, Col, Result, Row, Skeleton, Space, Tooltip, Typography } from "antd";
import { useEffect, useMemo, useState } from "react";
import { ApiError } from "../api/client";
import { keys, useStats } from "../api/queries";
import type { Stats, StatsSample } from "../api/types";
import { ErrorState } from "../components/common";
import { type LineDef, LiveLineChart } from "../components/LiveLineChart";
import {
  type SampleField,
  appendSample,
  clockTime,
  formatBytes,
  formatCount,
  formatMs,
  formatNumber,
  formatPercent,
  formatRate,
  isGap,
  latestObserved,
  liveState,
  sampleFromMessage,
  sampleSeconds,
  toPoints,
  windowLength,
} from "../lib/stats";
import { useAuth } from "../store/auth";
import { useUi } from "../store/ui";
import { useTopic } from "../ws/live";

const BLUE = "#3b82f6";
const GREEN = "#22c55e";
const AMBER = "#f59e0b";
const RED = "#ef4444";
const PURPLE = "#a855f7";

/** The stats history, kept current from the `stats` topic: each sample is appended to
 * the query's window (bounded by samples_max); after a gap (the connection dropped)
 * the window is fetched again. */
function useLiveStats(enabled: boolean) {
  const client = useQueryClient();
  const stats = useStats(enabled);
  const [lastArrival, setLastArrival] = useState<number | null>(null);
  const [received, setReceived] = useState(0);
  useTopic(enabled ? "stats" : null, (message) => {
    const sample = sampleFromMessage(message);
    if (!sample) return;
    setLastArrival(Date.now());
    setReceived((n) => n + 1);
    const current = client.getQueryData<Stats>(keys.stats);
    client.setQueryData<Stats>(keys.stats, (old) => appendSample(old, sample));
    if (current && isGap(current.samples[current.samples.length - 1], sample, current.interval_ms)) {
      void client.refetchQueries({ queryKey: keys.stats });
    }
  });
  return { stats, lastArrival, received };
}

/** A clock that ticks every second while mounted, for the live indicator. */
function useNow(): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  return now;
}

interface CardDef {
  testId: string;
  title: string;
  field: SampleField;
  format: (value: number | null) => string;
  /** A latency: the latest value observed in the last seconds. */
  observed?: boolean;
  hint: (samples: StatsSample[], last: StatsSample) => string;
  alert?: (value: number) => boolean;
}

const observed = (samples: StatsSample[], field: SampleField) => latestObserved(samples, field)?.value ?? null;

const CARDS: CardDef[] = [
  { testId: "stat-orders", title: "Orders/s", field: "orders_per_sec", format: formatNumber, hint: () => "accepted or refused" },
  { testId: "stat-trades", title: "Trades/s", field: "trades_per_sec", format: formatNumber, hint: () => "executed" },
  { testId: "stat-commands", title: "Commands/s", field: "commands_per_sec", format: formatNumber, hint: (_, s) => `${formatRate(s.rejections_per_sec)} refused` },
  {
    testId: "stat-order-p99",
    title: "Order round trip p99",
    field: "order_p99_ms",
    format: formatMs,
    observed: true,
    hint: (samples) => (latestObserved(samples, "order_p99_ms") ? `p50 ${formatMs(observed(samples, "order_p50_ms"))}` : "none measured lately"),
  },
  {
    testId: "stat-http-p99",
    title: "HTTP p99",
    field: "http_p99_ms",
    format: formatMs,
    observed: true,
    hint: (samples) => (latestObserved(samples, "http_p99_ms") ? `p50 ${formatMs(observed(samples, "http_p50_ms"))}` : "none measured lately"),
  },
  { testId: "stat-http-rate", title: "HTTP requests/s", field: "http_requests_per_sec", format: formatNumber, hint: (_, s) => `4xx ${formatRate(s.http_client_errors_per_sec)}` },
  { testId: "stat-5xx", title: "5xx errors/s", field: "http_server_errors_per_sec", format: formatNumber, hint: () => "server errors", alert: (v) => v > 0 },
  { testId: "stat-journal-lag", title: "Journal lag", field: "journal_lag", format: formatCount, hint: () => "not yet durable" },
  { testId: "stat-projector-lag", title: "Projector lag", field: "projector_lag", format: formatCount, hint: () => "not in read models yet" },
  { testId: "stat-ws", title: "WebSocket connections", field: "ws_connections", format: formatCount, hint: (_, s) => `${formatCount(s.ws_subscriptions)} subscriptions` },
  { testId: "stat-cpu", title: "CPU", field: "cpu_percent", format: formatPercent, hint: () => "of one core" },
  { testId: "stat-memory", title: "Memory", field: "resident_bytes", format: formatBytes, hint: () => "resident" },
];

function StatCard({ def, samples, loading }: { def: CardDef; samples: StatsSample[]; loading: boolean }) {
  const last = samples[samples.length - 1];
  const value = !last ? null : def.observed ? observed(samples, def.field) : last[def.field];
  const alarming = value !== null && def.alert?.(value);
  return (
    <Card size="small" loading={loading} style={{ height: "100%" }} styles={{ body: { padding: "10px 12px" } }}>
      <Typography.Text type="secondary" ellipsis style={{ fontSize: 12, display: "block" }}>
        {def.title}
      </Typography.Text>
      <div className={`num ${alarming ? "down" : ""}`} style={{ fontSize: 22, fontWeight: 600, lineHeight: "30px", whiteSpace: "nowrap" }} data-testid={def.testId}>
        {def.format(value)}
      </div>
      <Typography.Text type="secondary" ellipsis style={{ fontSize: 12, display: "block" }}>
        {last ? def.hint(samples, last) : "waiting for a sample"}
      </Typography.Text>
    </Card>
  );
}

function lines(samples: StatsSample[]) {
  const line = (key: SampleField, label: string, color: string, dashed = false): LineDef => ({ key, label, color, dashed, points: toPoints(samples, key) });
  return {
    throughput: [line("orders_per_sec", "Orders", BLUE), line("trades_per_sec", "Trades", GREEN), line("commands_per_sec", "Commands", PURPLE)],
    latency: [
      line("order_p99_ms", "Order p99", BLUE),
      line("order_p50_ms", "Order p50", BLUE, true),
      line("http_p99_ms", "HTTP p99", AMBER),
      line("fsync_p99_ms", "fsync p99", PURPLE),
    ],
    lags: [line("journal_lag", "Journal", BLUE), line("projector_lag", "Projector", AMBER), line("submit_queue_depth", "Submit queue", PURPLE)],
    connections: [line("ws_connections", "WebSocket connections", BLUE), line("http_client_errors_per_sec", "4xx/s", AMBER), line("http_server_errors_per_sec", "5xx/s", RED)],
  };
}

const formatAxisMs = (v: number) => formatMs(v);
const formatAxisCount = (v: number) => formatCount(v);

function Charts({ samples, loading }: { samples: StatsSample[]; loading: boolean }) {
  const series = useMemo(() => lines(samples), [samples]);
  const charts = [
    { key: "throughput", title: "Throughput", extra: "per second", lines: series.throughput, format: formatNumber },
    { key: "latency", title: "Latency", extra: "p50 dashed", lines: series.latency, format: formatAxisMs },
    { key: "lags", title: "Lags and queue", extra: "sequence numbers", lines: series.lags, format: formatAxisCount },
    { key: "connections", title: "Connections and errors", extra: "errors per second", lines: series.connections, format: formatNumber },
  ];
  return (
    <Row gutter={[16, 16]}>
      {charts.map((c) => (
        <Col xs={24} lg={12} key={c.key}>
          <Card size="small" title={c.title} extra={<Typography.Text type="secondary" style={{ fontSize: 12 }}>{c.extra}</Typography.Text>}>
            {loading ? <Skeleton active title={false} paragraph={{ rows: 7 }} style={{ height: 246 }} /> : <LiveLineChart lines={c.lines} format={c.format} testId={`chart-${c.key}`} />}
          </Card>
        </Col>
      ))}
    </Row>
  );
}

function LiveIndicator({ state, lastTime }: { state: ReturnType<typeof liveState>; lastTime: number | null }) {
  const look = {
    live: { color: "green", text: "Live" },
    paused: { color: "default", text: "Paused" },
    waiting: { color: "gold", text: "Waiting for samples" },
    offline: { color: "red", text: "Offline" },
  }[state];
  return (
    <Tooltip title={lastTime === null ? "No sample yet" : `Last sample at ${clockTime(lastTime, true)}`}>
      <Badge color={look.color === "default" ? "#8c8c8c" : look.color} text={look.text} data-testid="monitoring-live" data-state={state} />
    </Tooltip>
  );
}

function Forbidden() {
  return (
    <div data-testid="monitoring-forbidden">
      <Result
        status="403"
        title="Monitoring is for administrators"
        subTitle="The venue's live statistics are shown to administrator accounts only. Sign in as an administrator to see them."
      />
    </div>
  );
}

export default function Monitoring() {
  const admin = useAuth((s) => s.session?.user.role) === "admin";
  const { stats, lastArrival, received } = useLiveStats(admin);
  const connected = useUi((s) => s.wsStatus) === "open";
  const [frozen, setFrozen] = useState<Stats | null>(null);
  const now = useNow();
  if (!admin || (stats.error instanceof ApiError && stats.error.status === 403)) return <Forbidden />;
  if (stats.error) return <ErrorState error={stats.error} retry={() => void stats.refetch()} />;

  const shown = frozen ?? stats.data;
  const samples = shown?.samples ?? [];
  const loading = stats.isPending;
  const last = samples[samples.length - 1];
  const intervalMs = stats.data?.interval_ms ?? 1000;
  const state = liveState({ paused: frozen !== null, connected, lastArrival, now, intervalMs });
  return (
    <Space direction="vertical" size={16} style={{ width: "100%" }} data-testid="monitoring-page" data-live-samples={received}>
      <div style={{ display: "flex", flexWrap: "wrap", alignItems: "center", justifyContent: "space-between", gap: 8 }}>
        <Typography.Title level={4} style={{ margin: 0 }}>
          Monitoring
        </Typography.Title>
        <Space size={12} wrap>
          <LiveIndicator state={state} lastTime={last ? sampleSeconds(last) : null} />
          <Button
            size="small"
            icon={frozen ? <PlayCircleOutlined /> : <PauseCircleOutlined />}
            onClick={() => setFrozen(frozen ? null : (stats.data ?? null))}
            disabled={!stats.data}
            data-testid="monitoring-pause"
          >
            {frozen ? "Resume" : "Pause"}
          </Button>
        </Space>
      </div>
      <Row gutter={[12, 12]}>
        {CARDS.map((def) => (
          <Col key={def.testId} xs={12} sm={8} md={6} xl={4}>
            <StatCard def={def} samples={samples} loading={loading} />
          </Col>
        ))}
      </Row>
      <Charts samples={samples} loading={loading} />
      <Typography.Paragraph type="secondary" style={{ margin: 0, fontSize: 12 }} data-testid="monitoring-caption">
        These are the numbers of the venue's Prometheus endpoint <Typography.Text code>/metrics</Typography.Text>, one sample a second over the last{" "}
        {windowLength(stats.data ?? { interval_ms: 1000, samples_max: 600 })} (<Typography.Text code>GET /api/v1/admin/stats</Typography.Text> and the{" "}
        <Typography.Text code>stats</Typography.Text> WebSocket topic; see the{" "}
        <a href="/api/v1/docs" target="_blank" rel="noreferrer">
          API reference
        </a>
        ). For longer history, scrape <Typography.Text code>/metrics</Typography.Text>: Grafana dashboards ship in{" "}
        <Typography.Text code>deploy/grafana</Typography.Text>.
      </Typography.Paragraph>
    </Space>
  );
}
