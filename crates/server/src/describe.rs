//! Human-readable commands and events, with values in decimals. A [`Describer`] keeps
//! an engine replica so that it knows every asset's and instrument's scale at each
//! point of the journal.

use bourse_engine::{
    Command, Engine, EngineLimits, Event, HaltScope, NewOrder, OrderKind, OrderRef, RiskLimit,
    TrailingOffset, TransferState, Trigger,
};
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
        version: u8,
    ) -> anyhow::Result<Vec<Event>> {
        Ok(self.engine.apply_recorded(seq, ts, command, version)?)
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
            Command::Transfer(t) => format!(
                "transfer {} {} from {} to {}",
                t.id,
                self.amount(t.asset, t.amount),
                t.from,
                t.to
            ),
            Command::PostTransfer { transfer, amount } => match amount {
                Some(amount) => format!("post {transfer} for {} raw", amount.raw()),
                None => format!("post {transfer}"),
            },
            Command::VoidTransfer { transfer } => format!("void {transfer}"),
            Command::Place(order) => format!("place {}", self.order(order)),
            Command::PlaceOco { first, second } => format!(
                "place one-cancels-the-other {} | {}",
                self.order(first),
                self.order(second)
            ),
            Command::SetRiskLimit { owner, limit } => {
                let whose = owner.map_or_else(|| "default".to_string(), |o| o.to_string());
                format!("set risk limit of {whose}: {}", self.limit(limit))
            }
            Command::SetTradingDay { start_secs } => {
                format!("trading day starts {start_secs} s after 00:00 UTC")
            }
            Command::UpdateInstrument { instrument, update } => {
                format!("update {} {update:?}", self.symbol(*instrument))
            }
            Command::Halt {
                scope,
                halted,
                by,
                reason,
            } => format!(
                "{} {} by {by}: {}",
                if *halted { "halt" } else { "resume" },
                self.scope(scope),
                reason.as_str()
            ),
            Command::Panic { owner, flatten } => format!(
                "panic {owner}{}",
                if *flatten { " and flatten" } else { "" }
            ),
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

    fn order(&self, order: &NewOrder) -> String {
        let i = order.instrument;
        let side = order.side.as_str();
        let what = match order.kind {
            OrderKind::Limit { price, qty } => {
                format!("{} @ {}", self.qty(i, qty), self.price(i, price))
            }
            OrderKind::Market { qty } => format!("{} at market", self.qty(i, qty)),
            OrderKind::MarketBudget { quote } => {
                let quote_asset = self.engine.instrument(i).map(|x| x.quote());
                let budget = quote_asset
                    .map_or_else(|| format!("{}raw", quote.raw()), |a| self.amount(a, quote));
                format!("spending {budget} at market")
            }
        };
        let mut text = format!(
            "{} {} {side} {what} {}",
            order.owner,
            self.symbol(i),
            order.tif.as_str()
        );
        if order.post_only {
            text.push_str(" post-only");
        }
        if order.reduce_only {
            text.push_str(" reduce-only");
        }
        match order.trigger() {
            Some(Trigger::Stop { price }) => {
                let _ = write!(text, " stop {}", self.price(i, price));
            }
            Some(Trigger::TakeProfit { price }) => {
                let _ = write!(text, " take-profit {}", self.price(i, price));
            }
            Some(Trigger::TrailingStop { offset }) => match offset {
                TrailingOffset::Price(d) => {
                    let _ = write!(text, " trailing {}", self.price(i, d));
                }
                TrailingOffset::Bps(bps) => {
                    let _ = write!(text, " trailing {bps} bps");
                }
            },
            None => {}
        }
        if let Some(attached) = order.attached() {
            if let Some(p) = attached.stop_loss {
                let _ = write!(text, " stop-loss {}", self.price(i, p));
            }
            if let Some(p) = attached.take_profit {
                let _ = write!(text, " take-profit {}", self.price(i, p));
            }
        }
        if let Some(id) = order.client_order_id {
            let _ = write!(text, " id={id}");
        }
        if let Some(at) = order.expire_at {
            let _ = write!(text, " until {}", at.to_rfc3339(3));
        }
        text
    }

    fn limit(&self, limit: &RiskLimit) -> String {
        let amount = |asset, v: Option<bourse_types::Amount>| {
            v.map_or_else(|| "none".to_string(), |v| self.amount(asset, v))
        };
        match *limit {
            RiskLimit::PositionMax { instrument, qty } => format!(
                "position in {} at most {}",
                self.symbol(instrument),
                qty.map_or_else(|| "none".to_string(), |q| self.qty(instrument, q))
            ),
            RiskLimit::OrderNotionalMax { asset, amount: v } => {
                format!("order value at most {}", amount(asset, v))
            }
            RiskLimit::OpenNotionalMax { asset, amount: v } => {
                format!("open orders' value at most {}", amount(asset, v))
            }
            RiskLimit::OpenOrdersMax { count } => format!(
                "open orders at most {}",
                count.map_or_else(|| "none".to_string(), |c| c.to_string())
            ),
            RiskLimit::DailyLossMax { asset, amount: v } => {
                format!("daily loss at most {}", amount(asset, v))
            }
        }
    }

    fn scope(&self, scope: &HaltScope) -> String {
        match scope {
            HaltScope::Account(owner) => format!("account {owner}"),
            HaltScope::Instrument(i) => self.symbol(*i),
            HaltScope::Venue => "the venue".to_string(),
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
                Event::InternalTransfer(t) => format!("{} moved", t.id),
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
                Event::OrderTriggered { order, last, .. } => {
                    format!("triggered {order} at {}", last.raw())
                }
                Event::TriggerRefused { order, code, .. } => {
                    format!("trigger of {order} refused {}", code.code())
                }
                Event::TrailingStopMoved {
                    order,
                    instrument,
                    trigger_price,
                    ..
                } => format!(
                    "trailing stop {order} now {}",
                    self.price(*instrument, *trigger_price)
                ),
                Event::Position(p) => format!(
                    "position {} {} {}",
                    p.owner,
                    self.symbol(p.instrument),
                    self.qty(p.instrument, p.qty)
                ),
                Event::RiskLimitChanged { owner, limit } => format!(
                    "risk limit of {}: {}",
                    owner.map_or_else(|| "default".to_string(), |o| o.to_string()),
                    self.limit(limit)
                ),
                Event::DailyLossBreached(breach) => {
                    let (owner, asset) = (&breach.owner, &breach.asset);
                    let code = self
                        .engine
                        .asset(*asset)
                        .map_or_else(|| asset.to_string(), |a| a.code.to_string());
                    format!("{owner} passed its daily loss limit in {code}")
                }
                Event::TradingDayChanged { start_secs } => {
                    format!("trading day starts at {start_secs} s")
                }
                Event::InstrumentUpdated(i) => format!("updated {}", i.symbol()),
                Event::HaltChanged { scope, halted, .. } => format!(
                    "{} {}",
                    self.scope(scope),
                    if *halted { "halted" } else { "resumed" }
                ),
                Event::Panicked {
                    owner, unflattened, ..
                } => format!("{owner} panicked ({} not flattened)", unflattened.len()),
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
