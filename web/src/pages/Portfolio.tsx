import { Alert, App, Button, Card, Col, Form, Input, Row, Select, Space, Statistic, Table, Typography } from "antd";
import { useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api, describeError } from "../api/client";
import { keys, useAssets, useBalances, useStatus, useTransfers } from "../api/queries";
import type { Balance, Transfer } from "../api/types";
import { Allocation } from "../components/Allocation";
import { PositionsTable } from "../components/PositionsTable";
import { EmptyState, ErrorState, Signed, StatusTag, pagedTable, useLiveTickers } from "../components/common";
import { formatDecimal, fromUnits, percentOf, valueUnits } from "../lib/decimal";
import { VALUATION_DECIMALS as USD, markPrice, openPrice, valuation } from "../lib/valuation";

function Faucet() {
  const { message } = App.useApp();
  const client = useQueryClient();
  const assets = useAssets();
  const [asset, setAsset] = useState("USD");
  const [amount, setAmount] = useState("10000");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async () => {
    setBusy(true);
    setError(null);
    try {
      await api<Transfer>("/faucet", { method: "POST", body: { asset, amount: amount.trim() } });
      void message.success(`${formatDecimal(amount)} ${asset} deposited.`);
      void client.invalidateQueries({ queryKey: keys.balances });
      void client.invalidateQueries({ queryKey: keys.transfers });
    } catch (e) {
      setError(describeError(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Form layout="inline" onFinish={() => void submit()} data-testid="faucet">
      <Form.Item label="Asset">
        <Select value={asset} onChange={setAsset} style={{ width: 100 }} options={(assets.data ?? []).map((a) => ({ value: a.code, label: a.code }))} />
      </Form.Item>
      <Form.Item label="Amount">
        <Input value={amount} onChange={(e) => setAmount(e.target.value)} inputMode="decimal" style={{ width: 140 }} data-testid="faucet-amount" />
      </Form.Item>
      <Button type="primary" htmlType="submit" loading={busy} data-testid="faucet-submit">
        Deposit demo funds
      </Button>
      {error && <Alert type="error" showIcon message={error} style={{ marginTop: 8, width: "100%" }} />}
    </Form>
  );
}

interface Row extends Balance {
  value: bigint | null;
  change: bigint | null;
}

export default function Portfolio() {
  const balances = useBalances();
  const tickers = useLiveTickers();
  const status = useStatus();
  const [page, setPage] = useState(1);
  const transfers = useTransfers(page);

  const rows: Row[] = (balances.data ?? []).map((b) => {
    const mark = markPrice(tickers.data, b.asset);
    const open = openPrice(tickers.data, b.asset);
    const value = mark === null ? null : valueUnits(mark, b.total, USD);
    const before = open === null ? null : valueUnits(open, b.total, USD);
    return { ...b, value, change: value !== null && before !== null ? value - before : null };
  });
  const total = balances.data ? valuation(balances.data, tickers.data) : null;
  const slices = rows
    .filter((r) => r.value !== null && r.value > 0n)
    .sort((a, b) => (b.value! > a.value! ? 1 : -1))
    .map((r) => ({ label: r.asset, percent: percentOf(r.value!, total?.equity ?? 0n) }));

  return (
    <Space direction="vertical" size={16} style={{ width: "100%" }}>
      <Row gutter={[16, 16]}>
        <Col xs={24} lg={8}>
          <Card style={{ height: "100%" }}>
            <Statistic title="Equity (USD)" value={total ? formatDecimal(fromUnits(total.equity, USD)) : "…"} data-testid="portfolio-equity" />
            <div style={{ marginTop: 12 }}>
              <Typography.Text type="secondary">Change since 24h open: </Typography.Text>
              <Signed value={total ? fromUnits(total.change, USD) : null} suffix=" USD" />
            </div>
          </Card>
        </Col>
        <Col xs={24} lg={16}>
          <Card title="Allocation" size="small" style={{ height: "100%" }}>
            <Allocation slices={slices} />
          </Card>
        </Col>
      </Row>
      <Card title="Balances" size="small" extra={status.data?.faucet_enabled ? <Typography.Text type="secondary">Demo venue: the faucet below adds funds</Typography.Text> : null}>
        {balances.error ? (
          <ErrorState error={balances.error} retry={() => void balances.refetch()} />
        ) : (
          <Table<Row>
            size="small"
            rowKey="asset"
            loading={balances.isPending}
            pagination={false}
            scroll={{ x: true }}
            dataSource={rows}
            data-testid="balances"
            locale={{ emptyText: <EmptyState text="No balances yet. Deposit demo funds to start." /> }}
            columns={[
              { title: "Asset", dataIndex: "asset", render: (a: string) => <Typography.Text strong>{a}</Typography.Text> },
              { title: "Available", dataIndex: "available", align: "right", render: (v: string) => <span className="num">{formatDecimal(v)}</span> },
              { title: "Held in orders", dataIndex: "held", align: "right", render: (v: string) => <span className="num">{formatDecimal(v)}</span> },
              { title: "Total", dataIndex: "total", align: "right", render: (v: string) => <span className="num">{formatDecimal(v)}</span> },
              { title: "Price (USD)", key: "price", align: "right", render: (_: unknown, r: Row) => <span className="num">{formatDecimal(markPrice(tickers.data, r.asset))}</span> },
              { title: "Value (USD)", key: "value", align: "right", render: (_: unknown, r: Row) => <span className="num">{r.value === null ? "–" : formatDecimal(fromUnits(r.value, USD))}</span> },
              { title: "24h PnL (USD)", key: "pnl", align: "right", render: (_: unknown, r: Row) => (r.change === null ? "–" : <Signed value={fromUnits(r.change, USD)} />) },
            ]}
          />
        )}
        {status.data?.faucet_enabled && (
          <div style={{ marginTop: 16 }}>
            <Faucet />
          </div>
        )}
      </Card>
      <Card title="Positions" size="small" extra={<Typography.Text type="secondary">Average cost; PnL in the quote asset, fees apart</Typography.Text>}>
        <PositionsTable />
      </Card>
      <Card title="Transfers" size="small">
        {transfers.error ? (
          <ErrorState error={transfers.error} retry={() => void transfers.refetch()} />
        ) : (
          <Table<Transfer>
            {...pagedTable(transfers, page, setPage, "No deposits or withdrawals yet", 20)}
            data-testid="transfers"
            columns={[
              { title: "Time", dataIndex: "created_at", render: (t: string) => new Date(t).toLocaleString() },
              { title: "Kind", dataIndex: "kind" },
              { title: "Asset", dataIndex: "asset" },
              { title: "Amount", dataIndex: "amount", align: "right", render: (v: string) => <span className="num">{formatDecimal(v)}</span> },
              { title: "Status", dataIndex: "status", render: (s: string) => <StatusTag status={s} /> },
            ]}
          />
        )}
      </Card>
    </Space>
  );
}
