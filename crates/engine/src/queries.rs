//! Read-only views of the state, for the venue around the engine and for tests.

use crate::command::{OrderKind, Trigger};
use crate::conditional::Conditional;
use crate::engine::*;
use crate::ledger::{CLEARING, EXTERNAL};
use bourse_types::{
    Amount, Asset, AssetCode, AssetId, ClientOrderId, Instrument, InstrumentId, InstrumentStatus,
    OrderId, OwnerId, Price, Qty, Side, StpMode, Symbol, TimeInForce, Timestamp,
};

/// A read-only view of a conditional order, waiting for its trigger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConditionalView {
    pub id: OrderId,
    pub owner: OwnerId,
    pub instrument: InstrumentId,
    pub side: Side,
    /// What it becomes when it fires.
    pub kind: OrderKind,
    pub trigger: Trigger,
    /// The last price that fires it (a trailing stop's current stop).
    pub trigger_price: Price,
    pub held: Amount,
    pub tif: TimeInForce,
    pub post_only: bool,
    pub reduce_only: bool,
    pub stp: StpMode,
    pub expire_at: Option<Timestamp>,
    pub client_order_id: Option<ClientOrderId>,
}

/// How an open order is linked to others.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OrderLinks {
    /// The other leg of its one-cancels-the-other pair.
    pub oco: Option<OrderId>,
    /// The bracket entry it protects.
    pub parent: Option<OrderId>,
    /// A bracket entry's live stop loss and take profit.
    pub stop_loss: Option<OrderId>,
    pub take_profit: Option<OrderId>,
}

fn conditional_view(c: &Conditional) -> ConditionalView {
    ConditionalView {
        id: c.id,
        owner: c.owner,
        instrument: c.instrument,
        side: c.side,
        kind: c.kind,
        trigger: c.trigger,
        trigger_price: c.trigger_price,
        held: c.held,
        tif: c.tif,
        post_only: c.post_only,
        reduce_only: c.reduce_only,
        stp: c.stp,
        expire_at: c.expire_at,
        client_order_id: c.client_order_id,
    }
}

impl Engine {
    pub fn assets(&self) -> &[Asset] {
        &self.assets
    }

    pub fn asset(&self, id: AssetId) -> Option<&Asset> {
        self.assets.get(usize::from(id.0))
    }

    pub fn asset_by_code(&self, code: &str) -> Option<&Asset> {
        let code = AssetCode::new(code).ok()?;
        self.asset_codes.get(&code).and_then(|id| self.asset(*id))
    }

    pub fn instruments(&self) -> impl Iterator<Item = &Instrument> {
        self.instruments.iter().map(|state| &state.instrument)
    }

    pub fn instrument(&self, id: InstrumentId) -> Option<&Instrument> {
        self.instruments
            .get(id.0 as usize)
            .map(|state| &state.instrument)
    }

    pub fn instrument_by_symbol(&self, symbol: &str) -> Option<&Instrument> {
        let symbol = Symbol::new(symbol).ok()?;
        self.symbols
            .get(&symbol)
            .and_then(|id| self.instrument(*id))
    }

    pub fn instrument_status(&self, id: InstrumentId) -> Option<InstrumentStatus> {
        self.instruments
            .get(id.0 as usize)
            .map(|state| state.status)
    }

    /// The last trade price, or the configured reference price before the first trade.
    pub fn reference(&self, id: InstrumentId) -> Option<Price> {
        self.instruments.get(id.0 as usize)?;
        self.reference_price(id)
    }

    pub fn last_price(&self, id: InstrumentId) -> Option<Price> {
        self.instruments.get(id.0 as usize)?.last_price
    }

    /// Every owner with an account, in creation order.
    pub fn owners(&self) -> impl Iterator<Item = OwnerId> + '_ {
        self.owners.iter().map(|o| o.id)
    }

    pub fn owner_exists(&self, owner: OwnerId) -> bool {
        self.owner_index.contains_key(&owner)
    }

    pub fn owner_halted(&self, owner: OwnerId) -> Option<bool> {
        self.owner_index
            .get(&owner)
            .map(|slot| self.owners[*slot as usize].halted)
    }

    /// An account's balance. System accounts have no meaningful available balance,
    /// except the fee account.
    pub fn balance(&self, owner: OwnerId, asset: AssetId) -> Option<Balance> {
        if owner == EXTERNAL || owner == CLEARING {
            return None;
        }
        let account = match self.owner_index.get(&owner) {
            Some(&slot) => self.owner_account(slot, asset)?,
            None => self.ledger.find(owner, asset)?,
        };
        let account = self.ledger.account(account);
        Some(Balance {
            available: account.available(),
            held: account.held(),
        })
    }

    pub(crate) fn view(&self, slot: u32) -> OrderView {
        let order = self.books.order(slot);
        OrderView {
            id: order.id,
            owner: order.owner,
            instrument: order.instrument,
            side: order.side,
            price: order.price,
            leaves: order.leaves,
            filled: order.filled,
            held: order.held,
            tif: order.tif,
            post_only: order.post_only,
            stp: order.stp,
            expire_at: order.expire_at,
            client_order_id: order.client_order_id,
            priority: order.priority,
        }
    }

    /// A resting order.
    pub fn order(&self, id: OrderId) -> Option<OrderView> {
        self.books.find(id).map(|slot| self.view(slot))
    }

    /// The order id behind an owner's client order id, if still remembered.
    pub fn order_by_client_id(&self, owner: OwnerId, client_id: ClientOrderId) -> Option<OrderId> {
        self.client_ids.get(&(owner, client_id)).copied()
    }

    /// An owner's resting orders, oldest first.
    pub fn open_orders(&self, owner: OwnerId) -> Vec<OrderView> {
        let Some(&slot) = self.owner_index.get(&owner) else {
            return Vec::new();
        };
        self.books
            .owner_orders(slot)
            .into_iter()
            .map(|s| self.view(s))
            .collect()
    }

    /// One side's resting orders in priority order.
    pub fn book_orders(&self, instrument: InstrumentId, side: Side) -> Vec<OrderView> {
        if self.instruments.get(instrument.0 as usize).is_none() {
            return Vec::new();
        }
        self.books
            .side_orders(instrument, side)
            .into_iter()
            .map(|slot| self.view(slot))
            .collect()
    }

    /// Aggregated levels of one side, best first: (price, quantity, order count).
    pub fn depth(
        &self,
        instrument: InstrumentId,
        side: Side,
        levels_max: usize,
    ) -> Vec<(Price, Qty, u32)> {
        if self.instruments.get(instrument.0 as usize).is_none() {
            return Vec::new();
        }
        self.books.depth(instrument, side, levels_max)
    }

    pub fn open_order_count(&self) -> usize {
        self.books.open_orders()
    }

    /// Conditional orders waiting, all of them.
    pub fn conditional_count(&self) -> usize {
        self.conditionals.len()
    }

    /// A conditional order.
    pub fn conditional_order(&self, id: OrderId) -> Option<ConditionalView> {
        self.conditionals.get(id).map(conditional_view)
    }

    /// An owner's conditional orders, by id.
    pub fn conditional_orders(&self, owner: OwnerId) -> Vec<ConditionalView> {
        let Some(&slot) = self.owner_index.get(&owner) else {
            return Vec::new();
        };
        self.conditionals
            .of_owner(slot)
            .map(conditional_view)
            .collect()
    }

    /// Every conditional order of an instrument, by id.
    pub fn instrument_conditionals(&self, instrument: InstrumentId) -> Vec<ConditionalView> {
        if self.instruments.get(instrument.0 as usize).is_none() {
            return Vec::new();
        }
        self.conditionals
            .of_instrument(instrument)
            .into_iter()
            .map(conditional_view)
            .collect()
    }

    /// How an open order is linked to others (`None` when it is not).
    pub fn order_links(&self, id: OrderId) -> Option<OrderLinks> {
        let link = self.links.get(&id)?;
        Some(OrderLinks {
            oco: link.oco,
            parent: link.parent,
            stop_loss: link.bracket.and_then(|b| b.stop_loss),
            take_profit: link.bracket.and_then(|b| b.take_profit),
        })
    }

    /// The reference price when the current trading day began.
    pub fn day_open(&self, id: InstrumentId) -> Option<Price> {
        self.instruments.get(id.0 as usize)?.day_open
    }

    /// The owner's open orders counted against its limits: resting and conditional.
    pub fn open_order_total(&self, owner: OwnerId) -> u32 {
        self.owner_index.get(&owner).map_or(0, |&slot| {
            self.books.owners[slot as usize].count + self.owners[slot as usize].conditionals
        })
    }

    /// The value of an owner's open orders in a quote asset (what its open notional
    /// limit is judged on).
    pub fn open_notional(&self, owner: OwnerId, quote: AssetId) -> u128 {
        self.owner_index
            .get(&owner)
            .map_or(0, |&slot| self.open_value(slot, quote))
    }

    /// Whether an owner's daily loss limit in a quote asset has been passed today.
    pub fn daily_loss_breached(&self, owner: OwnerId, quote: AssetId) -> bool {
        self.owner_index
            .get(&owner)
            .is_some_and(|&slot| self.loss_breached(slot, quote))
    }

    /// The quantity of an owner's open buys (resting and conditional) on an
    /// instrument: what its position limit counts beside the position.
    pub fn open_buy_qty(&self, owner: OwnerId, instrument: InstrumentId) -> u64 {
        match self.owner_index.get(&owner) {
            Some(&slot) if self.instruments.get(instrument.0 as usize).is_some() => {
                self.open_buys(slot, instrument)
            }
            _ => 0,
        }
    }

    /// When the current trading day ends (DAY orders expire, daily losses start again).
    pub fn trading_day_ends(&self) -> Timestamp {
        self.next_day_start(self.now)
    }
}
