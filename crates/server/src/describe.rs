//! Human-readable commands and events, with values in decimals. A [`Describer`] keeps
//! an engine replica so that it knows every asset's and instrument's scale at each
//! point of the journal.

use bourse_engine::{Command, Engine, EngineLimits, Event, OrderKind, OrderRef, TransferState};
use bourse_types::{InstrumentId, Side, Timestamp};
use std::fmt::Write;

#[derive(Debug)]
pub struct Describer {
    engine: Engine,
}

impl Default for Describer {
    fn default() -> Describer {
        Describer::new()
    }
}

impl Describer {
    pub fn new() -> Describer {
        Describer {
            engine: Engine::new(EngineLimits::default()),
        }
    }

    /// Applies a command to the replica (so later records are described with the
    /// scales in force) and returns its events.
    pub fn apply(
        &mut self,
        seq: u64,
        ts: Timestamp,
        command: &Command,
    ) -> anyhow::Result<Vec<Event>> {
        Ok(self.engine.apply(seq, ts, command)?)
    }

    fn symbol(&self, id: InstrumentId) -> String {
        self.engine
            .instrument(id)
            .map_or_else(|| id.to_string(), |i| i.symbol().to_string())
    }

    fn price(&self, id: InstrumentId, price: bourse_types::Price) -> String {
        self.engine
            .instrument(id)
            .map_or_else(|| format!("{}raw", price.raw()), |i| i.format_price(price))
    }

    fn qty(&self, id: InstrumentId, qty: bourse_types::Qty) -> String {
        self.engine
            .instrument(id)
            .map_or_else(|| format!("{}raw", qty.raw()), |i| i.format_qty(qty))
    }

    fn amount(&self, asset: bourse_types::AssetId, amount: bourse_types::Amount) -> String {
        match self.engine.asset(asset) {
            Some(a) => format!("{} {}", a.format_amount(amount), a.code),
            None => format!("{}raw {asset}", amount.raw()),
        }
    }

    /// The command, described against the state before it is applied.
    pub fn command(&self, command: &Command) -> String {
        match command {
            Command::ListAsset(spec) => format!("list asset {} (scale {})", spec.code, spec.scale),
            Command::ListInstrument(spec) => {
                let code = |id| {
                    self.engine
                        .asset(id)
                        .map_or_else(|| format!("{id}"), |a| a.code.to_string())
                };
                format!(
                    "list instrument {}-{} (tick {} at scale {}, fees {}/{} bps, band {} bps)",
                    code(spec.base),
                    code(spec.quote),
                    spec.tick_size.raw(),
                    spec.price_scale,
                    spec.maker_fee_bps,
                    spec.taker_fee_bps,
                    spec.price_band_bps
                )
            }
            Command::SetInstrumentStatus { instrument, status } => {
                format!("set {} {}", self.symbol(*instrument), status.as_str())
            }
            Command::SetLimits(limits) => format!("set limits {limits:?}"),
            Command::OpenAccount { owner } => format!("open account {owner}"),
            Command::SetAccountHalted { owner, halted } => {
                format!("{} {owner}", if *halted { "halt" } else { "resume" })
            }
            Command::Deposit(t) | Command::Withdraw(t) => format!(
                "{} {} {} {}{}",
                if matches!(command, Command::Deposit(_)) {
                    "deposit"
                } else {
                    "withdraw"
                },
                t.id,
                t.owner,
                self.amount(t.asset, t.amount),
                if t.pending { " (pending)" } else { "" }
            ),
            Command::PostTransfer { transfer, amount } => match amount {
                Some(amount) => format!("post {transfer} for {} raw", amount.raw()),
                None => format!("post {transfer}"),
            },
            Command::VoidTransfer { transfer } => format!("void {transfer}"),
            Command::Place(order) => {
                let i = order.instrument;
                let side = order.side.as_str();
                let what = match order.kind {
                    OrderKind::Limit { price, qty } => {
                        format!("{} @ {}", self.qty(i, qty), self.price(i, price))
                    }
                    OrderKind::Market { qty } => format!("{} at market", self.qty(i, qty)),
                    OrderKind::MarketBudget { quote } => {
                        let quote_asset = self.engine.instrument(i).map(|x| x.quote());
                        let budget = quote_asset.map_or_else(
                            || format!("{}raw", quote.raw()),
                            |a| self.amount(a, quote),
                        );
                        format!("spending {budget} at market")
                    }
                };
                let mut text = format!(
                    "place {} {} {side} {what} {}",
                    order.owner,
                    self.symbol(i),
                    order.tif.as_str()
                );
                if order.post_only {
                    text.push_str(" post-only");
                }
                if let Some(id) = order.client_order_id {
                    let _ = write!(text, " id={id}");
                }
                if let Some(at) = order.expire_at {
                    let _ = write!(text, " until {}", at.to_rfc3339(3));
                }
                text
            }
            Command::Cancel { owner, order } => format!("cancel {owner} {}", order_ref(order)),
            Command::Amend {
                owner,
                order,
                price,
                qty,
            } => {
                let mut text = format!("amend {owner} {}", order_ref(order));
                if let Some(price) = price {
                    let _ = write!(text, " price={}", price.raw());
                }
                if let Some(qty) = qty {
                    let _ = write!(text, " qty={}", qty.raw());
                }
                text
            }
            Command::CancelAll { owner, instrument } => format!(
                "cancel all of {} on {}",
                owner.map_or_else(|| "everyone".to_string(), |o| o.to_string()),
                instrument.map_or_else(|| "every instrument".to_string(), |i| self.symbol(i))
            ),
            Command::Tick => "tick".to_string(),
        }
    }

    /// A one-line summary of a command's events (balance events are counted).
    pub fn events(&self, events: &[Event]) -> String {
        let mut parts = Vec::new();
        let mut balances = 0;
        for event in events {
            let part = match event {
                Event::AssetListed(asset) => format!("listed {} as {}", asset.code, asset.id),
                Event::InstrumentListed(i) => format!("listed {} as {}", i.symbol(), i.id()),
                Event::InstrumentStatusChanged { instrument, status } => {
                    format!("{} {}", self.symbol(*instrument), status.as_str())
                }
                Event::LimitsChanged(_) => "limits changed".to_string(),
                Event::AccountOpened { owner } => format!("opened {owner}"),
                Event::AccountStatusChanged { owner, halted } => {
                    format!("{owner} {}", if *halted { "halted" } else { "resumed" })
                }
                Event::Transfer(t) => format!(
                    "{} {}",
                    t.id,
                    match t.state {
                        TransferState::Pending => "pending",
                        TransferState::Posted => "posted",
                        TransferState::Voided => "voided",
                    }
                ),
                Event::OrderAccepted(a) => format!("accepted {}", a.order),
                Event::Rejected(r) => format!("rejected {}", r.code.code()),
                Event::OrderAmended {
                    order,
                    priority_kept,
                    ..
                } => {
                    format!(
                        "amended {order}{}",
                        if *priority_kept { "" } else { " (requeued)" }
                    )
                }
                Event::OrderCancelled { order, reason, .. } => {
                    format!("cancelled {order} ({})", reason.code())
                }
                Event::OrderExpired { order, .. } => format!("expired {order}"),
                Event::Trade(t) => format!(
                    "trade {} {} @ {} {} {} took {}",
                    t.id,
                    self.qty(t.instrument, t.qty),
                    self.price(t.instrument, t.price),
                    match t.aggressor {
                        Side::Buy => "buy",
                        Side::Sell => "sell",
                    },
                    t.taker_order,
                    t.maker_order
                ),
                Event::Balance { .. } => {
                    balances += 1;
                    continue;
                }
            };
            parts.push(part);
        }
        if balances > 0 {
            parts.push(format!(
                "{balances} balance{}",
                if balances == 1 { "" } else { "s" }
            ));
        }
        parts.join("; ")
    }
}

fn order_ref(order: &OrderRef) -> String {
    match order {
        OrderRef::Id(id) => id.to_string(),
        OrderRef::Client(client) => format!("id={client}"),
    }
}
