// The order ticket: limit or market, post-only and time in force, checked against the
// instrument's tick and lot and the user's available balance before it is sent; the
// venue's own refusal is shown in its words.

import { Alert, App, Button, Checkbox, Form, Input, Segmented, Select, Space, Typography } from "antd";
import { useEffect, useState } from "react";
import { Link } from "react-router-dom";
import { api, describeError } from "../api/client";
import { useAssets, useBalances, useRefreshAccount } from "../api/queries";
import type { Instrument, Order, PlaceOrderRequest, Ticker } from "../api/types";
import { formatDecimal, trimZeros } from "../lib/decimal";
import { type Ticket, type TicketErrors, validateTicket } from "../lib/validate";

export function OrderTicket({ instrument, ticker, pickedPrice }: { instrument: Instrument; ticker: Ticker | undefined; pickedPrice: { price: string; at: number } | null }) {
  const { message } = App.useApp();
  const refreshAccount = useRefreshAccount();
  const balances = useBalances();
  const assets = useAssets();
  const [ticket, setTicket] = useState<Ticket>({ side: "buy", type: "limit", price: "", quantity: "", postOnly: false, timeInForce: "GTC" });
  const [touched, setTouched] = useState(false);
  const [serverError, setServerError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (pickedPrice) setTicket((t) => ({ ...t, type: "limit", price: pickedPrice.price }));
  }, [pickedPrice]);
  useEffect(() => {
    setTicket((t) => ({ ...t, price: "", quantity: "" }));
    setTouched(false);
    setServerError(null);
  }, [instrument.symbol]);

  const quoteDecimals = assets.data?.find((a) => a.code === instrument.quote)?.decimals ?? instrument.price_decimals;
  const reference = ticket.side === "buy" ? (ticker?.best_ask ?? ticker?.last ?? null) : (ticker?.best_bid ?? ticker?.last ?? null);
  const errors: TicketErrors = validateTicket(ticket, instrument, balances.data ?? [], quoteDecimals, reference, ticker?.last ?? instrument.reference_price);
  const hasErrors = Object.keys(errors).length > 0;
  const spendAsset = ticket.side === "buy" ? instrument.quote : instrument.base;
  const available = balances.data?.find((b) => b.asset === spendAsset)?.available ?? "0";
  const set = (patch: Partial<Ticket>) => {
    setServerError(null);
    setTicket((t) => ({ ...t, ...patch }));
  };

  const submit = async () => {
    setTouched(true);
    if (hasErrors) return;
    const body: PlaceOrderRequest = {
      symbol: instrument.symbol,
      side: ticket.side,
      type: ticket.type,
      quantity: ticket.quantity.trim(),
      time_in_force: ticket.timeInForce,
    };
    if (ticket.type === "limit") {
      body.price = ticket.price.trim();
      body.post_only = ticket.postOnly;
    }
    setBusy(true);
    try {
      const order = await api<Order>("/orders", { method: "POST", body });
      const nothingFilled = /^0(\.0+)?$/.test(order.filled_quantity);
      if ((order.status === "cancelled" || order.status === "expired") && nothingFilled) {
        setServerError(`The order was ${order.status}${order.reason ? `: ${order.reason.replace(/_/g, " ")}` : ""}.`);
      } else {
        const what = `${ticket.side === "buy" ? "Bought" : "Sold"} ${formatDecimal(trimZeros(order.filled_quantity))} ${instrument.base}`;
        const text =
          order.status === "filled"
            ? `${what} at ${formatDecimal(order.average_price)}.`
            : order.status === "cancelled" || order.status === "expired"
              ? `${what}; the rest was ${order.status}.`
              : nothingFilled
                ? `Order placed: ${formatDecimal(trimZeros(order.remaining_quantity))} ${instrument.base} at ${formatDecimal(order.price)}.`
                : `${what}; ${formatDecimal(trimZeros(order.remaining_quantity))} rests on the book.`;
        void message.success(text);
        setTicket((t) => ({ ...t, quantity: "" }));
        setTouched(false);
      }
      refreshAccount();
    } catch (e) {
      setServerError(describeError(e));
    } finally {
      setBusy(false);
    }
  };

  const show = (field: keyof TicketErrors) => (touched || (field !== "price" && field !== "quantity") ? errors[field] : undefined);
  return (
    <Form layout="vertical" onFinish={() => void submit()} data-testid="order-ticket" requiredMark={false}>
      <Segmented
        block
        value={ticket.side}
        onChange={(v) => set({ side: v as Ticket["side"] })}
        options={[
          { label: <span className="up">Buy</span>, value: "buy" },
          { label: <span className="down">Sell</span>, value: "sell" },
        ]}
        style={{ marginBottom: 12 }}
        data-testid="ticket-side"
      />
      <Segmented
        block
        value={ticket.type}
        onChange={(v) => set({ type: v as Ticket["type"], timeInForce: v === "market" ? "IOC" : "GTC", postOnly: false })}
        options={[
          { label: "Limit", value: "limit" },
          { label: "Market", value: "market" },
        ]}
        style={{ marginBottom: 12 }}
        data-testid="ticket-type"
      />
      {ticket.type === "limit" && (
        <Form.Item label={`Price (${instrument.quote})`} validateStatus={show("price") ? "error" : undefined} help={show("price")} style={{ marginBottom: 12 }}>
          <Input
            inputMode="decimal"
            value={ticket.price}
            onChange={(e) => set({ price: e.target.value })}
            placeholder={ticker?.last ? `Last ${ticker.last}` : `Tick ${instrument.tick_size}`}
            data-testid="ticket-price"
          />
        </Form.Item>
      )}
      <Form.Item label={`Quantity (${instrument.base})`} validateStatus={show("quantity") ? "error" : undefined} help={show("quantity")} style={{ marginBottom: 12 }}>
        <Input
          inputMode="decimal"
          value={ticket.quantity}
          onChange={(e) => set({ quantity: e.target.value })}
          placeholder={`Lot ${instrument.lot_size}, min ${instrument.min_quantity}`}
          data-testid="ticket-quantity"
        />
      </Form.Item>
      <Space wrap style={{ marginBottom: 12 }}>
        <Select
          value={ticket.timeInForce}
          onChange={(v) => set({ timeInForce: v })}
          style={{ width: 200 }}
          aria-label="Time in force"
          data-testid="ticket-tif"
          options={[
            ...(ticket.type === "limit" ? [{ value: "GTC", label: "Good till cancel" }] : []),
            { value: "IOC", label: "Immediate or cancel" },
            { value: "FOK", label: "Fill or kill" },
          ]}
        />
        {ticket.type === "limit" && (
          <Checkbox checked={ticket.postOnly} onChange={(e) => set({ postOnly: e.target.checked })} data-testid="ticket-post-only">
            Post only
          </Checkbox>
        )}
      </Space>
      {errors.flags && <Alert type="warning" showIcon message={errors.flags} style={{ marginBottom: 12 }} />}
      {errors.funds && touched && <Alert type="warning" showIcon message={errors.funds} style={{ marginBottom: 12 }} data-testid="ticket-funds" />}
      {serverError && <Alert type="error" showIcon message={serverError} style={{ marginBottom: 12 }} data-testid="ticket-error" />}
      <Typography.Paragraph type="secondary" style={{ marginBottom: 12 }} className="num">
        Available: {balances.isPending ? "…" : `${formatDecimal(available)} ${spendAsset}`} ·{" "}
        <Link to="/portfolio">Add funds</Link>
      </Typography.Paragraph>
      <Button
        type="primary"
        danger={ticket.side === "sell"}
        htmlType="submit"
        block
        loading={busy}
        style={ticket.side === "buy" ? { background: "#16a34a" } : undefined}
        data-testid="ticket-submit"
      >
        {ticket.side === "buy" ? "Buy" : "Sell"} {instrument.base}
      </Button>
      <Typography.Paragraph type="secondary" style={{ fontSize: 12, marginTop: 8, marginBottom: 0 }}>
        Fees: maker {instrument.maker_fee_bps / 100}%, taker {instrument.taker_fee_bps / 100}%.
      </Typography.Paragraph>
    </Form>
  );
}
