// The order ticket: limit, market, stop, take profit, trailing stop and OCO orders, with
// an optional bracket (stop loss and take profit) on limit and market entries; checked
// against the instrument's tick and lot, the last price and the user's available
// balance before it is sent. The venue's own refusal is shown in its words.

import { Alert, App, Button, Checkbox, Form, Input, Segmented, Select, Space, Typography } from "antd";
import { useEffect, useState } from "react";
import { Link } from "react-router-dom";
import { api, describeError } from "../api/client";
import { useAssets, useBalances, useRefreshAccount } from "../api/queries";
import type { Instrument, Order, PlaceOrderRequest, Ticker } from "../api/types";
import { formatDecimal, trimZeros } from "../lib/decimal";
import { type Ticket, type TicketErrors, type TicketType, validateTicket } from "../lib/validate";

const TYPES: { value: TicketType; label: string }[] = [
  { value: "limit", label: "Limit" },
  { value: "market", label: "Market" },
  { value: "stop", label: "Stop" },
  { value: "take_profit", label: "Take profit" },
  { value: "trailing", label: "Trailing stop" },
  { value: "oco", label: "OCO (limit + stop)" },
];

/** The request body of a ticket, or, for OCO, of its two legs. */
export function ticketRequests(ticket: Ticket, symbol: string): { order?: PlaceOrderRequest; oco?: { first: PlaceOrderRequest; second: PlaceOrderRequest } } {
  const base = { symbol, side: ticket.side, quantity: ticket.quantity.trim() };
  const bracket =
    ticket.bracket && (ticket.type === "limit" || ticket.type === "market")
      ? {
          bracket: {
            ...(ticket.stopLoss?.trim() ? { stop_loss: ticket.stopLoss.trim() } : {}),
            ...(ticket.takeProfit?.trim() ? { take_profit: ticket.takeProfit.trim() } : {}),
          },
        }
      : {};
  switch (ticket.type) {
    case "limit":
      return { order: { ...base, type: "limit", price: ticket.price.trim(), time_in_force: ticket.timeInForce, post_only: ticket.postOnly, ...bracket } };
    case "market":
      return { order: { ...base, type: "market", time_in_force: ticket.timeInForce === "FOK" ? "FOK" : "IOC", ...bracket } };
    case "stop":
    case "take_profit": {
      const trigger_price = (ticket.trigger ?? "").trim();
      if (ticket.conditionalLimit) {
        const type = ticket.type === "stop" ? "stop_limit" : "take_profit_limit";
        return { order: { ...base, type, trigger_price, price: ticket.price.trim(), time_in_force: ticket.timeInForce } };
      }
      const type = ticket.type === "stop" ? "stop_market" : "take_profit_market";
      return { order: { ...base, type, trigger_price } };
    }
    case "trailing": {
      const distance = (ticket.trailing ?? "").trim();
      return { order: ticket.trailingBps ? { ...base, type: "trailing_stop", trailing_bps: Number(distance) } : { ...base, type: "trailing_stop", trailing_offset: distance } };
    }
    case "oco":
      return {
        oco: {
          first: { ...base, type: "limit", price: ticket.price.trim(), time_in_force: "GTC" },
          second: { ...base, type: "stop_market", trigger_price: (ticket.ocoStop ?? "").trim() },
        },
      };
  }
}

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
    if (pickedPrice) setTicket((t) => ({ ...t, type: t.type === "market" ? "limit" : t.type, price: pickedPrice.price }));
  }, [pickedPrice]);
  useEffect(() => {
    setTicket((t) => ({ ...t, price: "", quantity: "", trigger: "", stopLoss: "", takeProfit: "", ocoStop: "", trailing: "" }));
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
  const hasLimitPrice = ticket.type === "limit" || ticket.type === "oco" || ((ticket.type === "stop" || ticket.type === "take_profit") && !!ticket.conditionalLimit);
  const canBracket = ticket.type === "limit" || ticket.type === "market";

  const submit = async () => {
    setTouched(true);
    if (hasErrors) return;
    const { order: body, oco } = ticketRequests(ticket, instrument.symbol);
    setBusy(true);
    try {
      if (oco) {
        await api<{ first: Order; second: Order }>("/orders/oco", { method: "POST", body: oco });
        void message.success(`OCO placed: ${ticket.side} ${formatDecimal(ticket.quantity)} ${instrument.base} at ${formatDecimal(ticket.price)} or on a stop at ${formatDecimal(ticket.ocoStop ?? "")}.`);
        setTicket((t) => ({ ...t, quantity: "" }));
        setTouched(false);
        refreshAccount();
        return;
      }
      const order = await api<Order>("/orders", { method: "POST", body });
      const nothingFilled = /^0(\.0+)?$/.test(order.filled_quantity);
      if (order.status === "untriggered") {
        void message.success(`Order placed: it waits for the last price to reach ${formatDecimal(order.trigger_price)}.`);
        setTicket((t) => ({ ...t, quantity: "" }));
        setTouched(false);
      } else if ((order.status === "cancelled" || order.status === "expired") && nothingFilled) {
        setServerError(`The order was ${order.status}${order.reason ? `: ${order.reason.replace(/_/g, " ")}` : ""}.`);
      } else {
        const what = `${ticket.side === "buy" ? "Bought" : "Sold"} ${formatDecimal(trimZeros(order.filled_quantity))} ${instrument.base}`;
        const protection = order.bracket ? " Its stop loss and take profit protect what filled." : "";
        const text =
          order.status === "filled"
            ? `${what} at ${formatDecimal(order.average_price)}.${protection}`
            : order.status === "cancelled" || order.status === "expired"
              ? `${what}; the rest was ${order.status}.${protection}`
              : nothingFilled
                ? `Order placed: ${formatDecimal(trimZeros(order.remaining_quantity))} ${instrument.base} at ${formatDecimal(order.price)}.`
                : `${what}; ${formatDecimal(trimZeros(order.remaining_quantity))} rests on the book.${protection}`;
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

  const always: (keyof TicketErrors)[] = ["funds", "flags"];
  const show = (field: keyof TicketErrors) => (touched || always.includes(field) ? errors[field] : undefined);
  const priceInput = (label: string, value: string, onChange: (v: string) => void, field: keyof TicketErrors, testId: string, placeholder?: string) => (
    <Form.Item label={label} validateStatus={show(field) ? "error" : undefined} help={show(field)} style={{ marginBottom: 12 }}>
      <Input inputMode="decimal" value={value} onChange={(e) => onChange(e.target.value)} placeholder={placeholder ?? (ticker?.last ? `Last ${ticker.last}` : `Tick ${instrument.tick_size}`)} data-testid={testId} />
    </Form.Item>
  );
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
      <Select
        value={ticket.type}
        onChange={(v: TicketType) => set({ type: v, timeInForce: v === "limit" || v === "oco" ? "GTC" : v === "market" ? "IOC" : ticket.conditionalLimit ? "GTC" : "IOC", postOnly: false, bracket: false })}
        options={TYPES}
        style={{ width: "100%", marginBottom: 12 }}
        aria-label="Order type"
        data-testid="ticket-type"
      />
      {(ticket.type === "stop" || ticket.type === "take_profit") && (
        <>
          {priceInput(`Trigger price (${instrument.quote})`, ticket.trigger ?? "", (v) => set({ trigger: v }), "trigger", "ticket-trigger")}
          <Checkbox
            checked={!!ticket.conditionalLimit}
            onChange={(e) => set({ conditionalLimit: e.target.checked, timeInForce: e.target.checked ? "GTC" : "IOC" })}
            style={{ marginBottom: 12 }}
            data-testid="ticket-conditional-limit"
          >
            Becomes a limit order (else trades at market)
          </Checkbox>
        </>
      )}
      {ticket.type === "trailing" && (
        <Form.Item label="Trailing distance" validateStatus={show("trailing") ? "error" : undefined} help={show("trailing") ?? "The stop follows the best price reached, this far behind it."} style={{ marginBottom: 12 }}>
          <Space.Compact style={{ width: "100%" }}>
            <Input inputMode="decimal" value={ticket.trailing ?? ""} onChange={(e) => set({ trailing: e.target.value })} placeholder={ticket.trailingBps ? "e.g. 150" : `Tick ${instrument.tick_size}`} data-testid="ticket-trailing" />
            <Select
              value={ticket.trailingBps ? "bps" : "price"}
              onChange={(v) => set({ trailingBps: v === "bps" })}
              style={{ width: 110 }}
              aria-label="Distance unit"
              options={[
                { value: "price", label: instrument.quote },
                { value: "bps", label: "bps" },
              ]}
            />
          </Space.Compact>
        </Form.Item>
      )}
      {hasLimitPrice &&
        priceInput(ticket.type === "oco" ? `Limit price, take profit (${instrument.quote})` : `Price (${instrument.quote})`, ticket.price, (v) => set({ price: v }), "price", "ticket-price")}
      {ticket.type === "oco" && priceInput(`Stop trigger (${instrument.quote})`, ticket.ocoStop ?? "", (v) => set({ ocoStop: v }), "oco", "ticket-oco-stop")}
      <Form.Item label={`Quantity (${instrument.base})`} validateStatus={show("quantity") ? "error" : undefined} help={show("quantity")} style={{ marginBottom: 12 }}>
        <Input
          inputMode="decimal"
          value={ticket.quantity}
          onChange={(e) => set({ quantity: e.target.value })}
          placeholder={`Lot ${instrument.lot_size}, min ${instrument.min_quantity}`}
          data-testid="ticket-quantity"
        />
      </Form.Item>
      {canBracket && (
        <Checkbox checked={!!ticket.bracket} onChange={(e) => set({ bracket: e.target.checked })} style={{ marginBottom: 12 }} data-testid="ticket-bracket">
          Attach a stop loss and take profit
        </Checkbox>
      )}
      {canBracket && ticket.bracket && (
        <Space direction="vertical" style={{ width: "100%", marginBottom: show("bracket") ? 4 : 12 }}>
          <Input inputMode="decimal" addonBefore="Stop loss" placeholder={ticket.side === "buy" ? "below the entry" : "above the entry"} value={ticket.stopLoss ?? ""} onChange={(e) => set({ stopLoss: e.target.value })} data-testid="ticket-stop-loss" status={show("bracket") ? "error" : undefined} />
          <Input inputMode="decimal" addonBefore="Take profit" placeholder={ticket.side === "buy" ? "above the entry" : "below the entry"} value={ticket.takeProfit ?? ""} onChange={(e) => set({ takeProfit: e.target.value })} data-testid="ticket-take-profit" status={show("bracket") ? "error" : undefined} />
        </Space>
      )}
      {canBracket && ticket.bracket && show("bracket") && (
        <Typography.Paragraph type="danger" style={{ marginBottom: 12 }} data-testid="ticket-bracket-error">
          {show("bracket")}
        </Typography.Paragraph>
      )}
      {(ticket.type === "limit" || ticket.type === "market" || (hasLimitPrice && ticket.type !== "oco")) && (
        <Space wrap style={{ marginBottom: 12 }}>
          <Select
            value={ticket.timeInForce}
            onChange={(v) => set({ timeInForce: v })}
            style={{ width: 200 }}
            aria-label="Time in force"
            data-testid="ticket-tif"
            options={[
              ...(hasLimitPrice ? [{ value: "GTC", label: "Good till cancel" }, { value: "DAY", label: "Good for the day" }] : []),
              { value: "IOC", label: "Immediate or cancel" },
              { value: "FOK", label: "Fill or kill" },
            ]}
          />
          {hasLimitPrice && (
            <Checkbox checked={ticket.postOnly} onChange={(e) => set({ postOnly: e.target.checked })} data-testid="ticket-post-only">
              Post only
            </Checkbox>
          )}
        </Space>
      )}
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
