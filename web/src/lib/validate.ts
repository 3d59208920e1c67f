// Checks an order ticket against the instrument's rules and the user's balances before
// it is sent, so the common mistakes are explained at once. The venue checks again.

import type { Balance, Instrument } from "../api/types";
import { compareDecimal, decimalsOf, fromUnits, notionalUnits, toUnits } from "./decimal";

/** What the ticket places: `stop` and `take_profit` are market orders once triggered,
 * or limit orders with `conditionalLimit`; `oco` is a take-profit limit and a stop
 * that cancel each other. */
export type TicketType = "limit" | "market" | "stop" | "take_profit" | "trailing" | "oco";

export interface Ticket {
  side: "buy" | "sell";
  type: TicketType;
  price: string;
  quantity: string;
  postOnly: boolean;
  timeInForce: "GTC" | "IOC" | "FOK" | "DAY";
  /** Stop and take-profit orders: the last price that fires them. */
  trigger?: string;
  /** A stop or take-profit that becomes a limit order at `price` (else at market). */
  conditionalLimit?: boolean;
  /** A trailing stop's distance, a price or (with `trailingBps`) basis points. */
  trailing?: string;
  trailingBps?: boolean;
  /** Limit and market orders: attach a stop loss and/or take profit. */
  bracket?: boolean;
  stopLoss?: string;
  takeProfit?: string;
  /** OCO: the stop leg's trigger (the take-profit leg is the limit at `price`). */
  ocoStop?: string;
}

export type TicketErrors = Partial<Record<"price" | "quantity" | "funds" | "flags" | "trigger" | "trailing" | "bracket" | "oco", string>>;

/** A positive price on the instrument's tick, or why not. */
function checkPrice(text: string, instrument: Instrument, what: string): string | null {
  const d = instrument.price_decimals;
  const units = toUnits(text, d);
  const tick = toUnits(instrument.tick_size, d) ?? 1n;
  const name = what.replace(/^an? /, "");
  const The = `The ${name}`;
  if (text.trim() === "") return `Enter ${what}.`;
  if (units === null) return `${The} must be a number with at most ${d} decimals.`;
  if (units === 0n) return `${The} must be more than zero.`;
  if (units % tick !== 0n) return `${The} must be a multiple of the tick size ${instrument.tick_size}.`;
  return null;
}

/** Whether a conditional order's trigger already meets `mark` (the venue refuses it). */
export function triggerMet(side: Ticket["side"], kind: "stop" | "take_profit", trigger: string, mark: string | null): boolean {
  if (mark === null) return false;
  const c = compareDecimal(trigger, mark);
  // A stop sells as the price falls and buys as it rises; a take profit the reverse.
  const rising = (kind === "stop") === (side === "buy");
  return rising ? c <= 0 : c >= 0;
}

function available(balances: Balance[], asset: string): string {
  return balances.find((b) => b.asset === asset)?.available ?? "0";
}

/** Fee on `notional` quote units at `bps`, rounded up. */
function feeUnits(notional: bigint, bps: number): bigint {
  return (notional * BigInt(bps) + 9_999n) / 10_000n;
}

export function validateTicket(
  ticket: Ticket,
  instrument: Instrument,
  balances: Balance[],
  quoteDecimals: number,
  referencePrice: string | null,
  bandReference: string | null = null,
): TicketErrors {
  const errors: TicketErrors = {};
  const qtyDecimals = instrument.quantity_decimals;
  const quantity = toUnits(ticket.quantity, qtyDecimals);
  const lot = toUnits(instrument.lot_size, qtyDecimals) ?? 1n;
  if (ticket.quantity.trim() === "") {
    errors.quantity = "Enter a quantity.";
  } else if (quantity === null) {
    errors.quantity = `Quantity must be a number with at most ${qtyDecimals} decimals.`;
  } else if (quantity === 0n) {
    errors.quantity = "Quantity must be more than zero.";
  } else if (quantity % lot !== 0n) {
    errors.quantity = `Quantity must be a multiple of the lot size ${instrument.lot_size}.`;
  } else if (compareDecimal(ticket.quantity, instrument.min_quantity) < 0) {
    errors.quantity = `The smallest order is ${instrument.min_quantity} ${instrument.base}.`;
  } else if (compareDecimal(ticket.quantity, instrument.max_quantity) > 0) {
    errors.quantity = `The largest order is ${instrument.max_quantity} ${instrument.base}.`;
  }

  const mark = bandReference ?? instrument.reference_price;
  const limitLike = ticket.type === "limit" || ticket.type === "oco" || ((ticket.type === "stop" || ticket.type === "take_profit") && !!ticket.conditionalLimit);
  if (ticket.type === "stop" || ticket.type === "take_profit") {
    const trigger = ticket.trigger ?? "";
    const wrong = checkPrice(trigger, instrument, "a trigger price");
    if (wrong) errors.trigger = wrong;
    else if (triggerMet(ticket.side, ticket.type, trigger, mark)) {
      errors.trigger =
        ticket.type === "stop"
          ? `A stop ${ticket.side === "sell" ? "sell fires below" : "buy fires above"} the last price ${mark}: the trigger is already met.`
          : `A take-profit ${ticket.side === "sell" ? "sell fires above" : "buy fires below"} the last price ${mark}: the trigger is already met.`;
    }
  }
  if (ticket.type === "trailing") {
    const text = (ticket.trailing ?? "").trim();
    if (ticket.trailingBps) {
      const bps = Number(text);
      if (!/^[0-9]+$/.test(text) || bps < 1 || bps > 5000) errors.trailing = "The distance in basis points is a whole number from 1 to 5000.";
    } else {
      const wrong = checkPrice(text, instrument, "a trailing distance");
      if (wrong) errors.trailing = wrong;
    }
  }
  if (ticket.type === "oco") {
    const wrong = checkPrice(ticket.ocoStop ?? "", instrument, "a stop trigger price");
    if (wrong) errors.oco = wrong;
    else if (triggerMet(ticket.side, "stop", ticket.ocoStop ?? "", mark)) {
      errors.oco = `The stop ${ticket.side === "sell" ? "sells below" : "buys above"} the last price ${mark}.`;
    } else if (ticket.price.trim() !== "" && mark !== null && triggerMet(ticket.side, "take_profit", ticket.price, mark)) {
      errors.oco = `The limit ${ticket.side === "sell" ? "sells above" : "buys below"} the last price ${mark}.`;
    }
  }
  if (ticket.bracket && (ticket.type === "limit" || ticket.type === "market")) {
    const stopLoss = (ticket.stopLoss ?? "").trim();
    const takeProfit = (ticket.takeProfit ?? "").trim();
    const entry = ticket.type === "limit" ? ticket.price.trim() : (referencePrice ?? mark);
    if (stopLoss === "" && takeProfit === "") {
      errors.bracket = "Give a stop loss, a take profit or both.";
    } else {
      const sl = stopLoss === "" ? null : checkPrice(stopLoss, instrument, "a stop-loss price");
      const tp = takeProfit === "" ? null : checkPrice(takeProfit, instrument, "a take-profit price");
      if (sl || tp) errors.bracket = (sl ?? tp)!;
      else if (entry) {
        const below = ticket.side === "buy";
        if (stopLoss !== "" && (compareDecimal(stopLoss, entry) < 0) !== below) {
          errors.bracket = `The stop loss of a ${ticket.side} is ${below ? "below" : "above"} its price ${entry}.`;
        } else if (takeProfit !== "" && (compareDecimal(takeProfit, entry) > 0) !== below) {
          errors.bracket = `The take profit of a ${ticket.side} is ${below ? "above" : "below"} its price ${entry}.`;
        }
      }
    }
  }

  let price: string | null = null;
  if (limitLike) {
    const priceUnits = toUnits(ticket.price, instrument.price_decimals);
    const tick = toUnits(instrument.tick_size, instrument.price_decimals) ?? 1n;
    if (ticket.price.trim() === "") {
      errors.price = "Enter a limit price.";
    } else if (priceUnits === null) {
      errors.price = `Price must be a number with at most ${instrument.price_decimals} decimals.`;
    } else if (priceUnits === 0n) {
      errors.price = "Price must be more than zero.";
    } else if (priceUnits % tick !== 0n) {
      errors.price = `Price must be a multiple of the tick size ${instrument.tick_size}.`;
    } else {
      price = ticket.price.trim();
      // A conditional limit's band is judged when it fires, around the price then.
      const band = ticket.type === "limit" || ticket.type === "oco" ? priceBand(instrument, bandReference) : null;
      if (band && (priceUnits < band.low || priceUnits > band.high)) {
        const d = instrument.price_decimals;
        errors.price = `Price must be between ${fromUnits(band.low, d)} and ${fromUnits(band.high, d)}, within ${instrument.price_band_bps / 100}% of the last price.`;
      }
    }
    if (ticket.postOnly && ticket.timeInForce !== "GTC" && ticket.timeInForce !== "DAY") {
      errors.flags = "Post-only orders rest on the book: use time in force GTC or DAY.";
    }
  } else if (ticket.type === "stop" || ticket.type === "take_profit") {
    // A market buy that fires holds up to its trigger plus the price band.
    const trigger = ticket.trigger?.trim() ?? "";
    price = errors.trigger || trigger === "" ? null : ticket.side === "buy" ? withBand(instrument, trigger) : trigger;
  } else {
    price = referencePrice;
  }
  if (ticket.type === "oco" && ticket.side === "buy" && price !== null && !errors.oco) {
    // The pair holds once, what the larger leg needs: the stop may pay up to its band.
    const stop = withBand(instrument, ticket.ocoStop ?? "");
    if (stop !== null && compareDecimal(stop, price) > 0) price = stop;
  }

  if (!errors.quantity && quantity !== null && price !== null) {
    const notional = notionalUnits(price, ticket.quantity, quoteDecimals);
    const minNotional = toUnits(instrument.min_notional, quoteDecimals);
    if (notional !== null && minNotional !== null && notional < minNotional && ticket.type === "limit") {
      errors.quantity = `The order is worth less than the minimum of ${instrument.min_notional} ${instrument.quote}.`;
    }
    if (notional !== null) {
      if (ticket.side === "buy") {
        const need = notional + feeUnits(notional, instrument.taker_fee_bps);
        const have = toUnits(available(balances, instrument.quote), quoteDecimals) ?? 0n;
        if (need > have) {
          errors.funds = `This needs about ${fromUnits(need, quoteDecimals)} ${instrument.quote}; ${fromUnits(have, quoteDecimals)} is available.`;
        }
      }
    }
  }
  if (!errors.quantity && quantity !== null && ticket.side === "sell") {
    const have = available(balances, instrument.base);
    const places = Math.max(qtyDecimals, decimalsOf(have));
    const haveUnits = toUnits(have, places) ?? 0n;
    const wantUnits = toUnits(ticket.quantity, places) ?? 0n;
    if (wantUnits > haveUnits) {
      errors.funds = `You have ${have} ${instrument.base} available to sell.`;
    }
  }
  return errors;
}

/** `price` plus the instrument's price band, rounded down to the tick: what a stop buy
 * may pay when it fires. */
function withBand(instrument: Instrument, price: string): string | null {
  const d = instrument.price_decimals;
  const units = toUnits(price, d);
  const tick = toUnits(instrument.tick_size, d);
  if (units === null || tick === null || tick === 0n) return null;
  const capped = ((units * (10_000n + BigInt(instrument.price_band_bps))) / 10_000n / tick) * tick;
  return fromUnits(capped, d);
}

/** The prices the venue accepts around `reference` (its last trade price), in units of
 * the price's decimals, on the tick grid; null when there is no band or no reference. */
export function priceBand(instrument: Instrument, reference: string | null): { low: bigint; high: bigint } | null {
  if (!reference || instrument.price_band_bps <= 0) return null;
  const d = instrument.price_decimals;
  const ref = toUnits(reference, d);
  const tick = toUnits(instrument.tick_size, d);
  if (ref === null || tick === null || tick === 0n) return null;
  const bps = BigInt(instrument.price_band_bps);
  const ceilDiv = (a: bigint, b: bigint) => (a + b - 1n) / b;
  let low = ceilDiv(ceilDiv(ref * (10_000n - bps), 10_000n), tick) * tick;
  if (low < tick) low = tick;
  const high = ((ref * (10_000n + bps)) / 10_000n / tick) * tick;
  return { low, high };
}
