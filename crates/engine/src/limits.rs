//! Account risk limits: the defaults every owner has, and each owner's own. Set by
//! journaled commands (`SetRiskLimit`), so that a replay sees the limits in force.
//! An owner's own limit of a kind replaces the default of that kind; clearing it
//! brings the default back.
//!
//! The daily loss limit is judged per quote asset on the trading day's PnL (see
//! `positions`): on every order, and after every command that traded, for the owners
//! whose marks moved. Once passed, the owner may only cancel and reduce positions in
//! that quote asset until the next trading day begins; the breach is an event.

use crate::command::{NewOrder, RiskLimit};
use crate::engine::Engine;
use crate::event::{CommandKind, Event, LossBreach, RejectCode, Rejection};
use bourse_types::{Amount, AssetId, InstrumentId, OwnerId, Qty};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One owner's limits, or the defaults. Each list is sorted by its key.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LimitSet {
    pub position_max: Vec<(InstrumentId, Qty)>,
    pub order_notional_max: Vec<(AssetId, Amount)>,
    pub open_notional_max: Vec<(AssetId, Amount)>,
    pub open_orders_max: Option<u32>,
    pub daily_loss_max: Vec<(AssetId, Amount)>,
}

fn set<K: Ord + Copy, V>(list: &mut Vec<(K, V)>, key: K, value: Option<V>) {
    match (list.binary_search_by_key(&key, |(k, _)| *k), value) {
        (Ok(i), Some(value)) => list[i].1 = value,
        (Ok(i), None) => {
            list.remove(i);
        }
        (Err(i), Some(value)) => list.insert(i, (key, value)),
        (Err(_), None) => {}
    }
}

fn get<K: Ord + Copy, V: Copy>(list: &[(K, V)], key: K) -> Option<V> {
    list.binary_search_by_key(&key, |(k, _)| *k)
        .ok()
        .map(|i| list[i].1)
}

impl LimitSet {
    fn apply(&mut self, limit: RiskLimit) {
        match limit {
            RiskLimit::PositionMax { instrument, qty } => {
                set(&mut self.position_max, instrument, qty)
            }
            RiskLimit::OrderNotionalMax { asset, amount } => {
                set(&mut self.order_notional_max, asset, amount)
            }
            RiskLimit::OpenNotionalMax { asset, amount } => {
                set(&mut self.open_notional_max, asset, amount)
            }
            RiskLimit::OpenOrdersMax { count } => self.open_orders_max = count,
            RiskLimit::DailyLossMax { asset, amount } => {
                set(&mut self.daily_loss_max, asset, amount)
            }
        }
    }

    fn is_empty(&self) -> bool {
        self.position_max.is_empty()
            && self.order_notional_max.is_empty()
            && self.open_notional_max.is_empty()
            && self.open_orders_max.is_none()
            && self.daily_loss_max.is_empty()
    }
}

/// The defaults and every owner's own limits.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RiskTable {
    pub defaults: LimitSet,
    pub owners: BTreeMap<OwnerId, LimitSet>,
}

impl RiskTable {
    /// No limit anywhere: the checks are skipped.
    pub fn is_empty(&self) -> bool {
        self.defaults.is_empty() && self.owners.is_empty()
    }

    pub(crate) fn apply(&mut self, owner: Option<OwnerId>, limit: RiskLimit) {
        match owner {
            None => self.defaults.apply(limit),
            Some(owner) => {
                let set = self.owners.entry(owner).or_default();
                set.apply(limit);
                if set.is_empty() {
                    self.owners.remove(&owner);
                }
            }
        }
    }

    fn own(&self, owner: OwnerId) -> Option<&LimitSet> {
        self.owners.get(&owner)
    }

    pub fn position_max(&self, owner: OwnerId, instrument: InstrumentId) -> Option<Qty> {
        self.own(owner)
            .and_then(|s| get(&s.position_max, instrument))
            .or_else(|| get(&self.defaults.position_max, instrument))
    }

    pub fn order_notional_max(&self, owner: OwnerId, asset: AssetId) -> Option<Amount> {
        self.own(owner)
            .and_then(|s| get(&s.order_notional_max, asset))
            .or_else(|| get(&self.defaults.order_notional_max, asset))
    }

    pub fn open_notional_max(&self, owner: OwnerId, asset: AssetId) -> Option<Amount> {
        self.own(owner)
            .and_then(|s| get(&s.open_notional_max, asset))
            .or_else(|| get(&self.defaults.open_notional_max, asset))
    }

    pub fn open_orders_max(&self, owner: OwnerId) -> Option<u32> {
        self.own(owner)
            .and_then(|s| s.open_orders_max)
            .or(self.defaults.open_orders_max)
    }

    pub fn daily_loss_max(&self, owner: OwnerId, asset: AssetId) -> Option<Amount> {
        self.own(owner)
            .and_then(|s| get(&s.daily_loss_max, asset))
            .or_else(|| get(&self.defaults.daily_loss_max, asset))
    }

    /// Whether any owner may have a daily loss limit at all.
    pub fn has_daily_loss(&self) -> bool {
        !self.defaults.daily_loss_max.is_empty()
            || self.owners.values().any(|s| !s.daily_loss_max.is_empty())
    }

    /// Whether any owner may have a daily loss limit in `asset`.
    fn any_daily_loss(&self, asset: AssetId) -> bool {
        get(&self.defaults.daily_loss_max, asset).is_some()
            || self
                .owners
                .values()
                .any(|s| get(&s.daily_loss_max, asset).is_some())
    }
}

impl Engine {
    pub(crate) fn set_risk_limit(
        &mut self,
        owner: Option<OwnerId>,
        limit: RiskLimit,
        out: &mut Vec<Event>,
    ) {
        let reject = |code| {
            let mut rejection = Rejection::of(CommandKind::SetRiskLimit, code);
            rejection.owner = owner;
            Event::Rejected(rejection)
        };
        if let Some(owner) = owner
            && let Err(code) = self.owner_slot(owner)
        {
            return out.push(reject(code));
        }
        let known = match limit {
            RiskLimit::PositionMax { instrument, .. } => {
                (instrument.0 as usize) < self.instruments.len()
            }
            RiskLimit::OrderNotionalMax { asset, .. }
            | RiskLimit::OpenNotionalMax { asset, .. }
            | RiskLimit::DailyLossMax { asset, .. } => usize::from(asset.0) < self.assets.len(),
            RiskLimit::OpenOrdersMax { .. } => true,
        };
        if !known {
            return out.push(reject(match limit {
                RiskLimit::PositionMax { .. } => RejectCode::UnknownInstrument,
                _ => RejectCode::UnknownAsset,
            }));
        }
        self.risk.apply(owner, limit);
        self.sync_holders();
        out.push(Event::RiskLimitChanged { owner, limit });
    }

    /// Whether an owner's daily loss limit in `quote` has been passed this trading day
    /// (recorded, or passed now at the last prices) while a daily loss limit is in
    /// force: clearing the limit lifts the block for the rest of the day.
    pub(crate) fn loss_breached(&self, owner_slot: u32, quote: AssetId) -> bool {
        let owner = self.owners[owner_slot as usize].id;
        let Some(max) = self.risk.daily_loss_max(owner, quote) else {
            return false;
        };
        self.loss_breaches.get(&(owner, quote)) == Some(&self.day)
            || self.day_pnl(owner_slot, quote) <= -(i128::from(max.raw()))
    }

    fn record_breach(&mut self, owner_slot: u32, quote: AssetId, out: &mut Vec<Event>) {
        let owner = self.owners[owner_slot as usize].id;
        if self.loss_breaches.get(&(owner, quote)) == Some(&self.day) {
            return;
        }
        let Some(limit) = self.risk.daily_loss_max(owner, quote) else {
            return;
        };
        let pnl = self.day_pnl(owner_slot, quote);
        if pnl > -(i128::from(limit.raw())) {
            return;
        }
        self.loss_breaches.insert((owner, quote), self.day);
        out.push(Event::DailyLossBreached(Box::new(LossBreach {
            owner,
            asset: quote,
            pnl,
            limit,
        })));
    }

    /// An order refused for the daily loss limit records the breach (once a day).
    pub(crate) fn note_loss_breach(&mut self, order: &NewOrder, out: &mut Vec<Event>) {
        let (Ok(slot), Some(state)) = (
            self.owner_slot(order.owner),
            self.instruments.get(order.instrument.0 as usize),
        ) else {
            return;
        };
        let quote = state.instrument.quote();
        self.record_breach(slot, quote, out);
    }

    /// After a command that traded: every owner holding a position in an instrument
    /// whose last price fell (positions are long, so only a fall lowers their marks),
    /// and every owner whose position the command changed, is judged against its daily
    /// loss limit, in owner order. The cost is one PnL sum per such holder; the check at
    /// order time does not depend on it (it judges the owner's PnL as it is).
    pub(crate) fn check_daily_losses(&mut self, out: &mut Vec<Event>) {
        if self.risk.is_empty() {
            return;
        }
        let mut owners: Vec<(u32, AssetId)> = Vec::new();
        for &instrument in &self.scratch.fell {
            let state = &self.instruments[instrument.0 as usize];
            let quote = state.instrument.quote();
            if !self.risk.any_daily_loss(quote) {
                continue;
            }
            owners.extend(state.holders.iter().map(|slot| (*slot, quote)));
        }
        for &(slot, instrument) in &self.scratch.positions_touched {
            let quote = self.instruments[instrument.0 as usize].instrument.quote();
            if self.risk.any_daily_loss(quote) {
                owners.push((slot, quote));
            }
        }
        owners.sort_unstable_by_key(|(slot, quote)| (self.owners[*slot as usize].id, *quote));
        owners.dedup();
        for (slot, quote) in owners {
            self.record_breach(slot, quote, out);
        }
    }

    /// The limits in force.
    pub fn risk_limits(&self) -> &RiskTable {
        &self.risk
    }
}
