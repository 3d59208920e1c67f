import { Card, Col, Row, Segmented, Select, Skeleton, Space, Statistic, Typography } from "antd";
import { useRef, useState } from "react";
import { Navigate, useNavigate, useParams } from "react-router-dom";
import { useInstruments, useRefreshAccount } from "../api/queries";
import { CandleChart } from "../components/CandleChart";
import { OrderBook } from "../components/OrderBook";
import { OrderTicket } from "../components/OrderTicket";
import { OrdersPanel } from "../components/OrdersPanel";
import { PositionsTable } from "../components/PositionsTable";
import { TradesTape } from "../components/TradesTape";
import { ChangeTag, ErrorState, useLiveTickers } from "../components/common";
import { formatDecimal } from "../lib/decimal";
import { useTopics } from "../ws/live";

const INTERVALS = ["1m", "5m", "15m", "1h", "4h", "1d"];

/** Refreshes the user's orders, balances and positions when the venue says they
 * changed, at most a few times a second. */
function usePrivateUpdates() {
  const refreshAccount = useRefreshAccount();
  const pending = useRef<number | null>(null);
  useTopics(["orders", "balances", "positions"], () => {
    if (pending.current !== null) return;
    pending.current = window.setTimeout(() => {
      pending.current = null;
      refreshAccount();
    }, 250);
  });
}

export default function Trading() {
  const { symbol } = useParams();
  const navigate = useNavigate();
  const instruments = useInstruments();
  const tickers = useLiveTickers();
  const [interval, setInterval] = useState(() => localStorage.getItem("bourse.interval") ?? "1m");
  const [picked, setPicked] = useState<{ price: string; at: number } | null>(null);
  usePrivateUpdates();

  if (instruments.isPending) return <Skeleton active paragraph={{ rows: 12 }} />;
  if (instruments.error) return <ErrorState error={instruments.error} retry={() => void instruments.refetch()} />;
  const first = instruments.data[0];
  if (!symbol) return first ? <Navigate to={`/trading/${first.symbol}`} replace /> : <ErrorState error={new Error("This venue lists no instruments.")} />;
  const instrument = instruments.data.find((i) => i.symbol === symbol.toUpperCase());
  if (!instrument) return <ErrorState error={new Error(`${symbol} is not an instrument of this venue.`)} />;
  const ticker = tickers.data?.find((t) => t.symbol === instrument.symbol);

  return (
    <Space direction="vertical" size={16} style={{ width: "100%" }}>
      <Card size="small">
        <Space wrap size={24} align="center">
          <Select
            value={instrument.symbol}
            onChange={(s) => navigate(`/trading/${s}`)}
            style={{ width: 160 }}
            aria-label="Instrument"
            data-testid="instrument-select"
            options={instruments.data.map((i) => ({ value: i.symbol, label: i.symbol }))}
          />
          <Statistic title="Last" value={formatDecimal(ticker?.last)} valueStyle={{ fontSize: 20 }} className="num" />
          <div>
            <Typography.Text type="secondary" style={{ fontSize: 12 }}>24h change</Typography.Text>
            <div>{ticker ? <ChangeTag pct={ticker.change_pct_24h} /> : "–"}</div>
          </div>
          <Statistic title="24h high" value={formatDecimal(ticker?.high_24h)} valueStyle={{ fontSize: 16 }} />
          <Statistic title="24h low" value={formatDecimal(ticker?.low_24h)} valueStyle={{ fontSize: 16 }} />
          <Statistic title={`24h volume (${instrument.base})`} value={formatDecimal(ticker?.volume_24h)} valueStyle={{ fontSize: 16 }} />
          {instrument.status !== "trading" && <Typography.Text type="warning">Status: {instrument.status}</Typography.Text>}
        </Space>
      </Card>
      <Row gutter={[16, 16]}>
        <Col xs={24} xl={12}>
          <Card
            size="small"
            title="Chart"
            extra={
              <Segmented
                size="small"
                value={interval}
                onChange={(v) => {
                  setInterval(String(v));
                  localStorage.setItem("bourse.interval", String(v));
                }}
                options={INTERVALS}
                data-testid="interval"
              />
            }
          >
            <CandleChart instrument={instrument} interval={interval} />
          </Card>
        </Col>
        <Col xs={24} md={12} xl={6}>
          <Card size="small" title="Order book" styles={{ body: { padding: "4px 0" } }}>
            <OrderBook instrument={instrument} onPick={(price) => setPicked({ price, at: Date.now() })} />
          </Card>
        </Col>
        <Col xs={24} md={12} xl={6}>
          <Card size="small" title="Place order">
            <OrderTicket instrument={instrument} ticker={ticker} pickedPrice={picked} />
          </Card>
        </Col>
      </Row>
      <Row gutter={[16, 16]}>
        <Col xs={24} xl={18}>
          <Card size="small">
            <OrdersPanel instruments={instruments.data} symbol={instrument.symbol} />
          </Card>
          <Card size="small" title="Position" style={{ marginTop: 16 }}>
            <PositionsTable symbol={instrument.symbol} />
          </Card>
        </Col>
        <Col xs={24} xl={6}>
          <Card size="small" title="Recent trades" styles={{ body: { padding: "4px 0", maxHeight: 420, overflowY: "auto" } }}>
            <TradesTape symbol={instrument.symbol} />
          </Card>
        </Col>
      </Row>
    </Space>
  );
}
