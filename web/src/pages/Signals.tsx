// The Signals page: a live feed of the signals the caller's strategies give, filtered
// by strategy, symbol, timeframe and side; a signal's details (confidence, strength,
// risk/reward, the indicator values behind it) and its chart with the entry, stop and
// target drawn. The `signals` topic refreshes the feed as signals come.

import { useQueryClient } from "@tanstack/react-query";
import { Card, Col, Descriptions, Progress, Row, Select, Space, Table, Typography } from "antd";
import { useMemo, useState } from "react";
import { useInstruments, useSignals, useStrategies } from "../api/queries";
import type { Signal } from "../api/types";
import { CandleChart } from "../components/CandleChart";
import { EmptyState, ErrorState, pagedTable } from "../components/common";
import { ratio } from "../lib/backtest";
import { formatDecimal } from "../lib/decimal";
import { signalLevels } from "../lib/strategies";
import { useTopic } from "../ws/live";
import { SignalSideTag } from "./Strategies";

const TIMEFRAMES = ["1m", "5m", "15m", "1h", "4h", "1d"];

interface Filter {
  strategy: string | null;
  symbol: string | null;
  timeframe: string | null;
  side: string | null;
}

/** The query string of a filter and page. */
export function signalQuery(filter: Filter, page: number, limit: number): string {
  const parts = [`page=${page}`, `limit=${limit}`];
  if (filter.strategy) parts.push(`strategy_id=${filter.strategy}`);
  if (filter.symbol) parts.push(`symbol=${filter.symbol}`);
  if (filter.timeframe) parts.push(`timeframe=${filter.timeframe}`);
  if (filter.side) parts.push(`side=${filter.side}`);
  return parts.join("&");
}

function SignalDetail({ signal }: { signal: Signal }) {
  const instruments = useInstruments();
  const instrument = instruments.data?.find((i) => i.symbol === signal.symbol);
  const levels = useMemo(() => signalLevels(signal), [signal]);
  return (
    <Card
      size="small"
      data-testid="signal-detail"
      title={
        <Space wrap>
          <SignalSideTag side={signal.side} />
          <span>
            {signal.symbol} {signal.timeframe}
          </span>
          <Typography.Text type="secondary">{signal.time.slice(0, 19).replace("T", " ")}</Typography.Text>
        </Space>
      }
    >
      <Descriptions size="small" column={{ xs: 1, sm: 2, lg: 3 }} style={{ marginBottom: 12 }}>
        <Descriptions.Item label="Confidence">
          <Progress percent={Math.round(signal.confidence * 100)} size="small" style={{ width: 120 }} />
        </Descriptions.Item>
        <Descriptions.Item label="Strength">{signal.strength.replace("_", " ")}</Descriptions.Item>
        <Descriptions.Item label="Risk/reward">{ratio(signal.risk_reward)}</Descriptions.Item>
        <Descriptions.Item label="Entry">{formatDecimal(signal.entry)}</Descriptions.Item>
        <Descriptions.Item label="Stop loss">{formatDecimal(signal.stop_loss)}</Descriptions.Item>
        <Descriptions.Item label="Take profit">{formatDecimal(signal.take_profit)}</Descriptions.Item>
        {signal.indicators.map((i) => (
          <Descriptions.Item key={i.name} label={i.name}>
            <span className="num">{i.value.toLocaleString(undefined, { maximumFractionDigits: 4 })}</span>
          </Descriptions.Item>
        ))}
        <Descriptions.Item label="Strategy">#{signal.strategy_id}</Descriptions.Item>
      </Descriptions>
      {instrument ? <CandleChart instrument={instrument} interval={signal.timeframe} height={340} levels={levels} /> : <Card loading />}
    </Card>
  );
}

export default function Signals() {
  const [filter, setFilter] = useState<Filter>({ strategy: null, symbol: null, timeframe: null, side: null });
  const [page, setPage] = useState(1);
  const [selected, setSelected] = useState<Signal | null>(null);
  const strategies = useStrategies();
  const instruments = useInstruments();
  const signals = useSignals(signalQuery(filter, page, 20));
  const client = useQueryClient();
  useTopic("signals", (message) => {
    if (message.type === "signal") void client.invalidateQueries({ queryKey: ["signals"] });
  });
  const set = (change: Partial<Filter>) => {
    setFilter((f) => ({ ...f, ...change }));
    setPage(1);
  };
  const shown = selected ?? signals.data?.items[0] ?? null;
  const clear = { allowClear: true, style: { minWidth: 140 } };
  return (
    <Space direction="vertical" size={16} style={{ width: "100%" }}>
      <Typography.Title level={3} style={{ margin: 0 }}>
        Signals
      </Typography.Title>
      <Space wrap data-testid="signal-filters">
        <Select {...clear} placeholder="Strategy" value={filter.strategy ?? undefined} onChange={(v?: string) => set({ strategy: v ?? null })} options={(strategies.data ?? []).map((s) => ({ value: s.id, label: s.name }))} />
        <Select {...clear} placeholder="Instrument" value={filter.symbol ?? undefined} onChange={(v?: string) => set({ symbol: v ?? null })} options={(instruments.data ?? []).map((i) => ({ value: i.symbol, label: i.symbol }))} />
        <Select {...clear} placeholder="Bars" value={filter.timeframe ?? undefined} onChange={(v?: string) => set({ timeframe: v ?? null })} options={TIMEFRAMES.map((t) => ({ value: t, label: t }))} />
        <Select {...clear} placeholder="Side" value={filter.side ?? undefined} onChange={(v?: string) => set({ side: v ?? null })} options={["buy", "sell", "hold"].map((s) => ({ value: s, label: s }))} data-testid="signal-side" />
      </Space>
      <Row gutter={[16, 16]}>
        <Col xs={24} lg={10}>
          <Card title="Feed" size="small" data-testid="signal-feed">
            {signals.isError ? (
              <ErrorState error={signals.error} retry={() => void signals.refetch()} />
            ) : (
              <Table<Signal>
                {...pagedTable(signals, page, setPage, "No signal yet: start a strategy", 20)}
                scroll={{ x: 420 }}
                onRow={(s) => ({ onClick: () => setSelected(s), style: { cursor: "pointer", fontWeight: s.id === shown?.id ? 600 : undefined } })}
                columns={[
                  { title: "Time", dataIndex: "time", render: (t: string) => t.slice(5, 19).replace("T", " ") },
                  { title: "Signal", render: (_: unknown, s) => <Space size={4}><SignalSideTag side={s.side} />{s.symbol} {s.timeframe}</Space> },
                  { title: "Entry", dataIndex: "entry", align: "right", render: (v: string) => <span className="num">{formatDecimal(v)}</span> },
                  { title: "Confidence", dataIndex: "confidence", align: "right", render: (c: number) => <span className="num">{Math.round(c * 100)}%</span> },
                ]}
              />
            )}
          </Card>
        </Col>
        <Col xs={24} lg={14}>{shown ? <SignalDetail signal={shown} /> : <Card><EmptyState text="Signals appear here as your strategies give them" /></Card>}</Col>
      </Row>
    </Space>
  );
}
