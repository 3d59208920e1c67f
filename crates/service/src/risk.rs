//! Risk: positions and PnL, account limits and how much of each is used, the kill
//! switch and the panic button.
//!
//! What the engine alone knows (positions at the last price, the day's PnL, the limits
//! in force, halts) is read from the engine itself ([`Service::engine_read`]), so an
//! answer is exact and includes every command acknowledged before it. Changes are
//! journaled commands like any other.

use crate::Service;
use crate::actor::Actor;
use crate::error::{Result, ServiceError};
use crate::orders::rejection;
use bourse_engine::{Command, Engine, Event, HaltScope, Reason, RejectCode, RiskLimit};
use bourse_store::Role;
use bourse_types::{
    Amount, Asset, AssetId, Instrument, InstrumentId, OrderId, OwnerId, Price, Qty, Timestamp,
};

/// Owners one admin read of everyone's risk covers, at most.
pub const RISK_OVERVIEWS_MAX: usize = 100;

/// One position, valued at the instrument's last price.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PositionView {
    pub instrument: Instrument,
    pub qty: Qty,
    /// The cost basis, quote minor units.
    pub cost: u128,
    /// The average entry price (the cost basis over the quantity, rounded down to
    /// the price's scale), when there is a position.
    pub entry_price: Option<Price>,
    /// The last trade price (or the reference price before the first).
    pub mark: Option<Price>,
    pub unrealized: i128,
    pub realized: i128,
    pub fees: u128,
    /// The PnL of the current trading day (realised plus unrealised since it began).
    pub day_pnl: i128,
    pub opened_at: Option<Timestamp>,
}

/// Where a limit in force comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LimitSource {
    /// The account's own.
    Own,
    /// The venue's default for accounts without their own.
    Default,
}

/// A limit and where it comes from; `None` when there is none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit<T> {
    pub value: Option<T>,
    pub source: Option<LimitSource>,
}

impl<T: Copy> Limit<T> {
    fn of(own: Option<T>, default: Option<T>) -> Limit<T> {
        match (own, default) {
            (Some(v), _) => Limit {
                value: Some(v),
                source: Some(LimitSource::Own),
            },
            (None, Some(v)) => Limit {
                value: Some(v),
                source: Some(LimitSource::Default),
            },
            (None, None) => Limit {
                value: None,
                source: None,
            },
        }
    }
}

/// An account's risk in one quote asset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuoteRisk {
    pub asset: Asset,
    pub order_notional_max: Limit<Amount>,
    /// The value of the open orders in this quote asset.
    pub open_notional: u128,
    pub open_notional_max: Limit<Amount>,
    pub daily_pnl: i128,
    pub daily_loss_max: Limit<Amount>,
    /// Whether the daily loss limit has been reached today.
    pub breached: bool,
}

/// An account's position limit use on one instrument.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstrumentRisk {
    pub instrument: Instrument,
    pub position: Qty,
    /// Open buys (resting and conditional), which the position limit counts too.
    pub open_buys: Qty,
    pub position_max: Limit<Qty>,
}

/// A kill switch thrown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HaltView {
    pub scope: HaltTarget,
    pub by: u64,
    pub reason: String,
    pub since: Timestamp,
}

/// What a halt covers, as the API names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HaltTarget {
    Venue,
    Instrument(Instrument),
    Account(u64),
}

/// An account's limits, how much of each is used, and the halts that concern it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RiskOverview {
    pub owner: u64,
    pub open_orders: u32,
    pub open_orders_max: Limit<u32>,
    pub quotes: Vec<QuoteRisk>,
    pub instruments: Vec<InstrumentRisk>,
    pub halts: Vec<HaltView>,
    /// When the trading day started (seconds after 00:00 UTC) and when it ends.
    pub trading_day_start_secs: u32,
    pub trading_day_ends: Timestamp,
}

/// The venue's default limits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RiskDefaults {
    pub open_orders_max: Option<u32>,
    pub order_notional_max: Vec<(Asset, Amount)>,
    pub open_notional_max: Vec<(Asset, Amount)>,
    pub daily_loss_max: Vec<(Asset, Amount)>,
    pub position_max: Vec<(Instrument, Qty)>,
    pub trading_day_start_secs: u32,
}

/// One limit to set or clear, as a request names it: values are decimal strings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LimitChange {
    /// The largest position in an instrument, base units.
    PositionMax {
        symbol: String,
        qty: Option<String>,
    },
    OrderNotionalMax {
        asset: String,
        amount: Option<String>,
    },
    OpenNotionalMax {
        asset: String,
        amount: Option<String>,
    },
    OpenOrdersMax {
        count: Option<u32>,
    },
    DailyLossMax {
        asset: String,
        amount: Option<String>,
    },
}

/// What a panic did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PanicOutcome {
    pub cancelled: Vec<OrderId>,
    /// The market sells that flattened positions.
    pub flatten_orders: Vec<OrderId>,
    /// Positions that could not be sold now, with the engine's code.
    pub unflattened: Vec<(Instrument, RejectCode)>,
}

/// Cost over quantity, as a price of the instrument, rounded down.
fn entry_price(instrument: &Instrument, cost: u128, qty: Qty) -> Option<Price> {
    if qty.is_zero() {
        return None;
    }
    let exponent = i32::from(instrument.price_scale()) + i32::from(instrument.base_scale())
        - i32::from(instrument.quote_scale());
    let scale = 10u128.checked_pow(u32::try_from(exponent).ok()?)?;
    let raw = cost.checked_mul(scale)? / u128::from(qty.raw());
    u64::try_from(raw).ok().map(Price::from_raw)
}

fn positions_of(engine: &Engine, owner: OwnerId) -> Vec<PositionView> {
    let day = engine.trading_day();
    engine
        .positions(owner)
        .iter()
        .filter_map(|p| {
            let instrument = *engine.instrument(p.instrument)?;
            let mark = engine.reference(p.instrument);
            Some(PositionView {
                instrument,
                qty: p.qty,
                cost: p.cost,
                entry_price: entry_price(&instrument, p.cost, p.qty),
                mark,
                unrealized: p.unrealized(&instrument, mark),
                realized: p.realized,
                fees: p.fees,
                day_pnl: p.day_pnl(&instrument, day, mark, engine.day_open(p.instrument)),
                opened_at: p.opened_at,
            })
        })
        .collect()
}

fn halt_view(engine: &Engine, scope: &HaltScope, info: &bourse_engine::HaltInfo) -> HaltView {
    HaltView {
        scope: match scope {
            HaltScope::Venue => HaltTarget::Venue,
            HaltScope::Instrument(id) => match engine.instrument(*id) {
                Some(i) => HaltTarget::Instrument(*i),
                None => HaltTarget::Venue,
            },
            HaltScope::Account(owner) => HaltTarget::Account(owner.0),
        },
        by: info.by.0,
        reason: info.reason.as_str().to_string(),
        since: info.since,
    }
}

fn overview_of(engine: &Engine, owner: OwnerId) -> RiskOverview {
    let table = engine.risk_limits();
    let own = table.owners.get(&owner);
    let listed = |list: &[(AssetId, Amount)], asset: AssetId| {
        list.iter().find(|(a, _)| *a == asset).map(|(_, v)| *v)
    };
    let mut quote_assets: Vec<AssetId> = engine.instruments().map(|i| i.quote()).collect();
    quote_assets.sort_unstable();
    quote_assets.dedup();
    let quotes = quote_assets
        .into_iter()
        .filter_map(|asset_id| {
            let asset = *engine.asset(asset_id)?;
            let pick = |f: fn(&bourse_engine::LimitSet) -> &Vec<(AssetId, Amount)>| {
                Limit::of(
                    own.and_then(|s| listed(f(s), asset_id)),
                    listed(f(&table.defaults), asset_id),
                )
            };
            Some(QuoteRisk {
                asset,
                order_notional_max: pick(|s| &s.order_notional_max),
                open_notional: engine.open_notional(owner, asset_id),
                open_notional_max: pick(|s| &s.open_notional_max),
                daily_pnl: engine.daily_pnl(owner, asset_id).unwrap_or(0),
                daily_loss_max: pick(|s| &s.daily_loss_max),
                breached: engine.daily_loss_breached(owner, asset_id),
            })
        })
        .collect();
    let position_limit = |set: &bourse_engine::LimitSet, id: InstrumentId| {
        set.position_max
            .iter()
            .find(|(i, _)| *i == id)
            .map(|(_, q)| *q)
    };
    let instruments = engine
        .instruments()
        .map(|instrument| InstrumentRisk {
            instrument: *instrument,
            position: engine
                .position(owner, instrument.id())
                .map_or(Qty::ZERO, |p| p.qty),
            open_buys: Qty::from_raw(engine.open_buy_qty(owner, instrument.id())),
            position_max: Limit::of(
                own.and_then(|s| position_limit(s, instrument.id())),
                position_limit(&table.defaults, instrument.id()),
            ),
        })
        .collect();
    let halts = engine
        .halts()
        .filter(|(scope, _)| match scope {
            HaltScope::Venue | HaltScope::Instrument(_) => true,
            HaltScope::Account(o) => *o == owner,
        })
        .map(|(scope, info)| halt_view(engine, scope, info))
        .collect();
    RiskOverview {
        owner: owner.0,
        open_orders: engine.open_order_total(owner),
        open_orders_max: Limit::of(
            own.and_then(|s| s.open_orders_max),
            table.defaults.open_orders_max,
        ),
        quotes,
        instruments,
        halts,
        trading_day_start_secs: engine.trading_day_start(),
        trading_day_ends: engine.trading_day_ends(),
    }
}

impl Service {
    /// The caller's positions at the last prices.
    pub async fn positions(&self, actor: &Actor) -> Result<Vec<PositionView>> {
        actor.require_read()?;
        let owner = actor.owner;
        self.engine_read(move |engine| positions_of(engine, owner))
            .await
    }

    /// The caller's limits and their use.
    pub async fn risk(&self, actor: &Actor) -> Result<RiskOverview> {
        actor.require_read()?;
        let owner = actor.owner;
        self.engine_read(move |engine| overview_of(engine, owner))
            .await
    }

    /// Accounts' limits and use, for the venue's own publishers (the `risk` topic
    /// tells each subscriber its own); no caller's rights are checked.
    pub async fn risk_overviews(&self, owners: Vec<u64>) -> Result<Vec<RiskOverview>> {
        self.engine_read(move |engine| {
            owners
                .into_iter()
                .map(|o| overview_of(engine, OwnerId(o)))
                .collect()
        })
        .await
    }

    /// Any accounts' limits and use (staff), at most [`RISK_OVERVIEWS_MAX`] at once.
    pub async fn risk_of(&self, actor: &Actor, owners: Vec<u64>) -> Result<Vec<RiskOverview>> {
        actor.require_role(&[Role::Admin, Role::Compliance, Role::Auditor])?;
        if owners.len() > RISK_OVERVIEWS_MAX {
            return Err(ServiceError::validation(format!(
                "at most {RISK_OVERVIEWS_MAX} accounts at once"
            )));
        }
        self.engine_read(move |engine| {
            owners
                .into_iter()
                .map(|o| overview_of(engine, OwnerId(o)))
                .collect()
        })
        .await
    }

    /// Any account's positions (staff).
    pub async fn positions_of(&self, actor: &Actor, owner: u64) -> Result<Vec<PositionView>> {
        actor.require_role(&[Role::Admin, Role::Compliance, Role::Auditor])?;
        self.engine_read(move |engine| positions_of(engine, OwnerId(owner)))
            .await
    }

    /// The venue's default limits and the trading day's start.
    pub async fn risk_defaults(&self, actor: &Actor) -> Result<RiskDefaults> {
        actor.require_read()?;
        self.engine_read(|engine| {
            let defaults = &engine.risk_limits().defaults;
            let assets = |list: &[(AssetId, Amount)]| {
                list.iter()
                    .filter_map(|(a, v)| Some((*engine.asset(*a)?, *v)))
                    .collect()
            };
            RiskDefaults {
                open_orders_max: defaults.open_orders_max,
                order_notional_max: assets(&defaults.order_notional_max),
                open_notional_max: assets(&defaults.open_notional_max),
                daily_loss_max: assets(&defaults.daily_loss_max),
                position_max: defaults
                    .position_max
                    .iter()
                    .filter_map(|(i, q)| Some((*engine.instrument(*i)?, *q)))
                    .collect(),
                trading_day_start_secs: engine.trading_day_start(),
            }
        })
        .await
    }

    /// Turns a requested change into the engine's limit.
    fn risk_limit(&self, change: &LimitChange) -> Result<RiskLimit> {
        let catalog = self.catalog();
        let amount = |asset: &Asset, value: &Option<String>| {
            value
                .as_deref()
                .map(|v| crate::parse_amount(asset.scale, "value", v))
                .transpose()
        };
        Ok(match change {
            LimitChange::PositionMax { symbol, qty } => {
                let instrument = catalog.symbol(symbol)?;
                RiskLimit::PositionMax {
                    instrument: instrument.id(),
                    qty: qty
                        .as_deref()
                        .map(|q| crate::parse_qty(&instrument, "value", q))
                        .transpose()?,
                }
            }
            LimitChange::OrderNotionalMax { asset, amount: v } => {
                let asset = catalog.code(asset)?;
                RiskLimit::OrderNotionalMax {
                    asset: asset.id,
                    amount: amount(&asset, v)?,
                }
            }
            LimitChange::OpenNotionalMax { asset, amount: v } => {
                let asset = catalog.code(asset)?;
                RiskLimit::OpenNotionalMax {
                    asset: asset.id,
                    amount: amount(&asset, v)?,
                }
            }
            LimitChange::OpenOrdersMax { count } => RiskLimit::OpenOrdersMax { count: *count },
            LimitChange::DailyLossMax { asset, amount: v } => {
                let asset = catalog.code(asset)?;
                RiskLimit::DailyLossMax {
                    asset: asset.id,
                    amount: amount(&asset, v)?,
                }
            }
        })
    }

    /// Sets or clears limits of one account, or the defaults (`owner: None`), in
    /// order (admin); each is a journaled command.
    pub async fn set_risk_limits(
        &self,
        actor: &Actor,
        owner: Option<u64>,
        changes: &[LimitChange],
    ) -> Result<()> {
        actor.require_role(&[Role::Admin])?;
        let limits = changes
            .iter()
            .map(|c| self.risk_limit(c))
            .collect::<Result<Vec<_>>>()?;
        if let Some(owner) = owner {
            self.ensure_account(owner).await?;
        }
        for limit in limits {
            let released = self
                .execute(Command::SetRiskLimit {
                    owner: owner.map(OwnerId),
                    limit,
                })
                .await?;
            if let Some(error) = rejection(&released) {
                return Err(error);
            }
            tracing::info!(
                admin = actor.user_id,
                owner = owner.map_or_else(|| "default".to_string(), |o| o.to_string()),
                ?limit,
                "risk limit set"
            );
        }
        Ok(())
    }

    /// Sets the trading day's start, seconds after 00:00 UTC (admin).
    pub async fn set_trading_day(&self, actor: &Actor, start_secs: u32) -> Result<()> {
        actor.require_role(&[Role::Admin])?;
        let released = self.execute(Command::SetTradingDay { start_secs }).await?;
        if let Some(error) = rejection(&released) {
            return Err(error);
        }
        Ok(())
    }

    /// The halts in force.
    pub async fn halts(&self, actor: &Actor) -> Result<Vec<HaltView>> {
        actor.require_read()?;
        self.engine_read(|engine| {
            engine
                .halts()
                .map(|(scope, info)| halt_view(engine, scope, info))
                .collect()
        })
        .await
    }

    /// Throws or releases a kill switch (admin): a halt cancels every order in its
    /// scope and refuses new ones until released.
    pub async fn halt(
        &self,
        actor: &Actor,
        target: &HaltRequest,
        halted: bool,
        reason: &str,
    ) -> Result<HaltTarget> {
        actor.require_role(&[Role::Admin])?;
        let reason = Reason::new(reason).ok_or_else(|| {
            ServiceError::field(
                "reason",
                format!("a reason is at most {} bytes", Reason::LEN_MAX),
            )
        })?;
        let (scope, view) = match target {
            HaltRequest::Venue => (HaltScope::Venue, HaltTarget::Venue),
            HaltRequest::Instrument(symbol) => {
                let instrument = self.catalog().symbol(symbol)?;
                (
                    HaltScope::Instrument(instrument.id()),
                    HaltTarget::Instrument(instrument),
                )
            }
            HaltRequest::Account(user) => {
                self.ensure_account(*user).await?;
                (
                    HaltScope::Account(OwnerId(*user)),
                    HaltTarget::Account(*user),
                )
            }
        };
        let released = self
            .execute(Command::Halt {
                scope,
                halted,
                by: OwnerId(actor.user_id),
                reason: reason.clone(),
            })
            .await?;
        if let Some(error) = rejection(&released) {
            return Err(error);
        }
        tracing::warn!(
            admin = actor.user_id,
            ?scope,
            halted,
            reason = reason.as_str(),
            "kill switch"
        );
        Ok(view)
    }

    /// The caller's panic button: every order cancelled, and with `flatten` every
    /// position sold at market.
    pub async fn panic(&self, actor: &Actor, flatten: bool) -> Result<PanicOutcome> {
        actor.require_trade()?;
        self.ensure_account(actor.owner.0).await?;
        let released = self
            .execute(Command::Panic {
                owner: actor.owner,
                flatten,
            })
            .await?;
        if let Some(error) = rejection(&released) {
            return Err(error);
        }
        let mut outcome = PanicOutcome {
            cancelled: Vec::new(),
            flatten_orders: Vec::new(),
            unflattened: Vec::new(),
        };
        for event in &released.events {
            match event {
                Event::OrderCancelled {
                    order,
                    reason: bourse_types::CancelReason::Panic,
                    ..
                } => outcome.cancelled.push(*order),
                Event::OrderAccepted(a) if a.reduce_only => outcome.flatten_orders.push(a.order),
                Event::Panicked { unflattened, .. } => {
                    let catalog = self.catalog();
                    outcome.unflattened = unflattened
                        .iter()
                        .filter_map(|(i, code)| Some((*catalog.instrument(*i)?, *code)))
                        .collect();
                }
                _ => {}
            }
        }
        tracing::warn!(user = actor.user_id, flatten, "panic");
        Ok(outcome)
    }
}

/// What a halt request names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HaltRequest {
    Venue,
    Instrument(String),
    Account(u64),
}
