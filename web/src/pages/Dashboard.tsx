import { Card, Col, Descriptions, Row, Skeleton, Space, Statistic, Table, Tag, Typography } from "antd";
import { useNavigate } from "react-router-dom";
import { useBalances, useInstruments, useMyTrades, useOrders, useStatus } from "../api/queries";
import type { Instrument, MyTrade, Order, Ticker } from "../api/types";
import { ChangeTag, EmptyState, ErrorState, SideTag, Signed, StatusTag, useLiveTickers } from "../components/common";
import { formatDecimal, fromUnits } from "../lib/decimal";
import { VALUATION_DECIMALS as USD_DECIMALS, valuation } from "../lib/valuation";

function uptime(secs: number): string {
  const d = Math.floor(secs / 86_400);
  const h = Math.floor((secs % 86_400) / 3600);
  const m = Math.floor((secs % 3600) / 60);
  return d > 0 ? `${d}d ${h}h` : h > 0 ? `${h}h ${m}m` : `${m}m ${secs % 60}s`;
}

function MarketTile({ instrument, ticker }: { instrument: Instrument; ticker: Ticker | undefined }) {
  const navigate = useNavigate();
  return (
    <Card
      size="small"
      hoverable
      onClick={() => navigate(`/trading/${instrument.symbol}`)}
      data-testid={`market-tile-${instrument.symbol}`}
    >
      <Space style={{ width: "100%", justifyContent: "space-between" }}>
        <Typography.Text strong>{instrument.symbol}</Typography.Text>
        {ticker && <ChangeTag pct={ticker.change_pct_24h} />}
      </Space>
      <div className="num" style={{ fontSize: 22, fontWeight: 600, margin: "6px 0" }} data-testid="tile-last">
        {formatDecimal(ticker?.last)}
      </div>
      <Typography.Text type="secondary" className="num" style={{ fontSize: 12 }}>
        {ticker?.last
          ? `H ${formatDecimal(ticker.high_24h)} · L ${formatDecimal(ticker.low_24h)} · Vol ${formatDecimal(ticker.volume_24h)}`
          : "No trades in the last 24 hours yet"}
      </Typography.Text>
    </Card>
  );
}

export default function Dashboard() {
  const instruments = useInstruments();
  const tickers = useLiveTickers();
  const balances = useBalances();
  const open = useOrders("open", undefined, 1, 8);
  const trades = useMyTrades(8);
  const status = useStatus();
  const navigate = useNavigate();
  const value = balances.data ? valuation(balances.data, tickers.data) : null;

  return (
    <Space direction="vertical" size={16} style={{ width: "100%" }}>
      <Row gutter={[16, 16]}>
        <Col xs={24} sm={12} lg={8}>
          <Card>
            {balances.isPending ? (
              <Skeleton active paragraph={{ rows: 1 }} />
            ) : balances.error ? (
              <ErrorState error={balances.error} retry={() => void balances.refetch()} />
            ) : (
              <Statistic
                title="Equity (USD, at last prices)"
                value={formatDecimal(fromUnits(value?.equity ?? 0n, USD_DECIMALS))}
                valueStyle={{ fontVariantNumeric: "tabular-nums" }}
                data-testid="equity"
              />
            )}
            {value && value.unpriced.length > 0 && (
              <Typography.Text type="secondary">Not priced: {value.unpriced.join(", ")}</Typography.Text>
            )}
          </Card>
        </Col>
        <Col xs={24} sm={12} lg={8}>
          <Card>
            {balances.isPending ? (
              <Skeleton active paragraph={{ rows: 1 }} />
            ) : (
              <>
                <Typography.Text type="secondary">PnL today (holdings now vs. 24h open prices)</Typography.Text>
                <div style={{ fontSize: 24, marginTop: 4 }} data-testid="pnl-today">
                  <Signed value={fromUnits(value?.change ?? 0n, USD_DECIMALS)} suffix=" USD" />
                </div>
              </>
            )}
          </Card>
        </Col>
        <Col xs={24} lg={8}>
          <Card title="System" size="small" data-testid="system-status">
            {status.isPending ? (
              <Skeleton active paragraph={{ rows: 2 }} />
            ) : status.error ? (
              <ErrorState error={status.error} retry={() => void status.refetch()} />
            ) : (
              <Descriptions size="small" column={2}>
                <Descriptions.Item label="Version">{status.data.version}</Descriptions.Item>
                <Descriptions.Item label="Profile">{status.data.profile}</Descriptions.Item>
                <Descriptions.Item label="Journal">
                  <Tag color={status.data.journal_error ? "red" : "green"}>{status.data.journal}</Tag>
                </Descriptions.Item>
                <Descriptions.Item label="Uptime">{uptime(status.data.uptime_secs)}</Descriptions.Item>
                <Descriptions.Item label="Sequence">
                  <span className="num">{status.data.sequence.released.toLocaleString()}</span>
                </Descriptions.Item>
                <Descriptions.Item label="Live clients">{status.data.websocket_connections}</Descriptions.Item>
              </Descriptions>
            )}
          </Card>
        </Col>
      </Row>

      <div>
        <Typography.Title level={5}>Markets</Typography.Title>
        {instruments.isPending ? (
          <Skeleton active />
        ) : instruments.error ? (
          <ErrorState error={instruments.error} retry={() => void instruments.refetch()} />
        ) : (
          <Row gutter={[16, 16]}>
            {instruments.data.map((i) => (
              <Col key={i.symbol} xs={24} sm={12} xl={6}>
                <MarketTile instrument={i} ticker={tickers.data?.find((t) => t.symbol === i.symbol)} />
              </Col>
            ))}
          </Row>
        )}
      </div>

      <Row gutter={[16, 16]}>
        <Col xs={24} xl={12}>
          <Card title="Open orders" size="small" extra={<a onClick={() => navigate("/trading")}>Trade</a>}>
            {open.error ? (
              <ErrorState error={open.error} retry={() => void open.refetch()} />
            ) : (
              <Table<Order>
                size="small"
                rowKey="id"
                loading={open.isPending}
                pagination={false}
                scroll={{ x: true }}
                dataSource={open.data?.items}
                locale={{ emptyText: <EmptyState text="No open orders" /> }}
                columns={[
                  { title: "Symbol", dataIndex: "symbol" },
                  { title: "Side", dataIndex: "side", render: (s: string) => <SideTag side={s} /> },
                  { title: "Price", dataIndex: "price", align: "right", render: (p: string | null) => <span className="num">{formatDecimal(p)}</span> },
                  { title: "Remaining", dataIndex: "remaining_quantity", align: "right", render: (q: string) => <span className="num">{formatDecimal(q)}</span> },
                  { title: "Status", dataIndex: "status", render: (s: string) => <StatusTag status={s} /> },
                ]}
              />
            )}
          </Card>
        </Col>
        <Col xs={24} xl={12}>
          <Card title="Latest trades" size="small" extra={<a onClick={() => navigate("/portfolio")}>Portfolio</a>}>
            {trades.error ? (
              <ErrorState error={trades.error} retry={() => void trades.refetch()} />
            ) : (
              <Table<MyTrade>
                size="small"
                rowKey="id"
                loading={trades.isPending}
                pagination={false}
                scroll={{ x: true }}
                dataSource={trades.data?.items}
                locale={{ emptyText: <EmptyState text="No trades yet" /> }}
                columns={[
                  { title: "Time", dataIndex: "time", render: (t: string) => new Date(t).toLocaleTimeString() },
                  { title: "Symbol", dataIndex: "symbol" },
                  { title: "Side", dataIndex: "side", render: (s: string) => <SideTag side={s} /> },
                  { title: "Price", dataIndex: "price", align: "right", render: (p: string) => <span className="num">{formatDecimal(p)}</span> },
                  { title: "Quantity", dataIndex: "quantity", align: "right", render: (q: string) => <span className="num">{formatDecimal(q)}</span> },
                ]}
              />
            )}
          </Card>
        </Col>
      </Row>
    </Space>
  );
}
