// Checks an order ticket against the instrument's rules and the user's balances before
// it is sent, so the common mistakes are explained at once. The venue checks again.

import type { Balance, Instrument } from "../api/types";
import { compareDecimal, decimalsOf, fromUnits, notionalUnits, toUnits } from "./decimal";

export interface Ticket {
  side: "buy" | "sell";
  type: "limit" | "market";
  price: string;
  quantity: string;
  postOnly: boolean;
  timeInForce: "GTC" | "IOC" | "FOK";
}

export type TicketErrors = Partial<Record<"price" | "quantity" | "funds" | "flags", string>>;

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

  let price: string | null = null;
  if (ticket.type === "limit") {
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
      const band = priceBand(instrument, bandReference);
      if (band && (priceUnits < band.low || priceUnits > band.high)) {
        const d = instrument.price_decimals;
        errors.price = `Price must be between ${fromUnits(band.low, d)} and ${fromUnits(band.high, d)}, within ${instrument.price_band_bps / 100}% of the last price.`;
      }
    }
    if (ticket.postOnly && ticket.timeInForce !== "GTC") {
      errors.flags = "Post-only orders rest on the book: use time in force GTC.";
    }
  } else {
    price = referencePrice;
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
