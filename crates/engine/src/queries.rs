//! Read-only views of the state, for the venue around the engine and for tests.

use crate::engine::*;
use crate::ledger::{CLEARING, EXTERNAL};
use bourse_types::{
    Asset, AssetCode, AssetId, ClientOrderId, Instrument, InstrumentId, InstrumentStatus, OrderId,
    OwnerId, Price, Qty, Side, Symbol,
};

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
}
