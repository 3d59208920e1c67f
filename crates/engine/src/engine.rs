//! The state machine: one `apply` per command, no I/O, no clock, no randomness.

use crate::book::{Books, NIL, Order, OwnerOrders};
use crate::command::{Command, EngineLimits, NewOrder, OrderKind, OrderRef, TransferRequest};
use crate::event::{
    CommandKind, Event, OrderAccepted, RejectCode, Rejection, Trade, TransferEvent, TransferKind,
    TransferState,
};
use crate::ledger::{self, AccountIdx, CLEARING, EXTERNAL, Ledger, PendingTransfer};
use bourse_types::{
    Amount, Asset, AssetCode, AssetId, AssetSpec, BPS_DENOMINATOR, CancelReason, ClientOrderId,
    Instrument, InstrumentId, InstrumentSpec, InstrumentStatus, MAX_SCALE, OrderId, OwnerId, Price,
    Qty, Side, StpMode, Symbol, TimeInForce, Timestamp, TradeId, TransferId, ValueError, fee_ceil,
    fee_floor,
};
use rustc_hash::FxHashMap;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

/// The command's sequence number is not the next one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("command sequence {got} applied where {expected} was due")]
pub struct SequenceError {
    pub expected: u64,
    pub got: u64,
}

#[derive(Debug, Clone)]
pub(crate) struct InstrumentState {
    pub instrument: Instrument,
    pub status: InstrumentStatus,
    pub last_price: Option<Price>,
    /// The price band around the reference price, recomputed when the reference
    /// changes rather than on every order.
    pub band: Option<(Price, Price)>,
}

impl InstrumentState {
    pub(crate) fn new(
        instrument: Instrument,
        status: InstrumentStatus,
        last_price: Option<Price>,
    ) -> InstrumentState {
        let mut state = InstrumentState {
            instrument,
            status,
            last_price,
            band: None,
        };
        state.update_band();
        state
    }

    fn reference(&self) -> Option<Price> {
        self.last_price.or(self.instrument.spec().reference_price)
    }

    fn update_band(&mut self) {
        self.band = self
            .reference()
            .map(|reference| self.instrument.price_band(reference));
    }

    fn set_last_price(&mut self, price: Price) {
        if self.last_price != Some(price) {
            self.last_price = Some(price);
            self.update_band();
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct OwnerState {
    pub id: OwnerId,
    pub halted: bool,
    /// The owner's ledger account per asset id (`NO_ACCOUNT` where none is open), so
    /// the hot path finds accounts without hashing.
    pub accounts: Vec<AccountIdx>,
}

pub(crate) const NO_ACCOUNT: AccountIdx = AccountIdx::MAX;

/// A read-only view of a resting order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderView {
    pub id: OrderId,
    pub owner: OwnerId,
    pub instrument: InstrumentId,
    pub side: Side,
    pub price: Price,
    pub leaves: Qty,
    pub filled: Qty,
    pub held: Amount,
    pub tif: TimeInForce,
    pub post_only: bool,
    pub stp: StpMode,
    pub expire_at: Option<Timestamp>,
    pub client_order_id: Option<ClientOrderId>,
    /// The sequence number at which the order took its place in the queue.
    pub priority: u64,
}

/// An account's spendable and reserved funds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Balance {
    pub available: Amount,
    pub held: Amount,
}

/// How matching an incoming order stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stop {
    /// Nothing left to trade.
    Filled,
    /// The opposite side is empty.
    NoLiquidity,
    /// The best opposite price is beyond the order's price.
    NoCross,
    /// Self-trade prevention cancels the incoming order.
    SelfTrade,
    /// A budget order cannot afford one more lot.
    Budget,
}

/// A valid amendment: the order's slot, new price, new quantity and new hold.
type AmendPlan = (u32, Price, Qty, Amount);

/// What a valid order will do: worked out before anything changes.
struct PlacePlan {
    owner_slot: u32,
    price: Price,
    leaves: Qty,
    hold: Amount,
    budget: bool,
}

/// The engine: ledger, risk and books, advanced one command at a time.
#[derive(Debug, Clone)]
pub struct Engine {
    pub(crate) limits: EngineLimits,
    pub(crate) seq: u64,
    pub(crate) now: Timestamp,
    pub(crate) next_order_id: u64,
    pub(crate) next_trade_id: u64,
    pub(crate) assets: Vec<Asset>,
    pub(crate) asset_codes: FxHashMap<AssetCode, AssetId>,
    pub(crate) instruments: Vec<InstrumentState>,
    pub(crate) symbols: FxHashMap<Symbol, InstrumentId>,
    pub(crate) owners: Vec<OwnerState>,
    pub(crate) owner_index: FxHashMap<OwnerId, u32>,
    pub(crate) ledger: Ledger,
    pub(crate) books: Books,
    /// Client order ids in use: open orders and recently ended ones.
    pub(crate) client_ids: FxHashMap<(OwnerId, ClientOrderId), OrderId>,
    /// Client order ids of ended orders, oldest first; forgotten beyond the limit.
    pub(crate) client_ids_ended: VecDeque<(OwnerId, ClientOrderId, OrderId)>,
    /// Good-till-date expiries. Entries of orders that ended early stay until due and
    /// are skipped then; the heap is rebuilt if they pile up.
    expiries: BinaryHeap<Reverse<(Timestamp, OrderId)>>,
}

fn value_code(error: ValueError, for_price: bool) -> RejectCode {
    match error {
        ValueError::NotMultipleOfTick => RejectCode::InvalidTick,
        ValueError::NotMultipleOfLot => RejectCode::InvalidLot,
        ValueError::Overflow => RejectCode::AmountOverflow,
        _ if for_price => RejectCode::InvalidPrice,
        _ => RejectCode::InvalidQuantity,
    }
}

/// What must be held for `leaves` at `price`: the base quantity for a sell; for a buy,
/// the notional plus the larger fee rounded up.
fn required_hold(instrument: &Instrument, side: Side, price: Price, leaves: Qty) -> Option<Amount> {
    match side {
        Side::Sell => Some(Amount::from_raw(leaves.raw())),
        Side::Buy => {
            let notional = instrument.notional(price, leaves)?;
            notional.checked_add(fee_ceil(notional, instrument.max_fee_bps()))
        }
    }
}

fn crosses(side: Side, limit: Price, resting: Price) -> bool {
    match side {
        Side::Buy => resting <= limit,
        Side::Sell => resting >= limit,
    }
}

impl Engine {
    /// An empty engine: no assets, no instruments, no owners.
    pub fn new(limits: EngineLimits) -> Engine {
        Engine {
            limits,
            seq: 0,
            now: Timestamp(0),
            next_order_id: 1,
            next_trade_id: 1,
            assets: Vec::new(),
            asset_codes: FxHashMap::default(),
            instruments: Vec::new(),
            symbols: FxHashMap::default(),
            owners: Vec::new(),
            owner_index: FxHashMap::default(),
            ledger: Ledger::default(),
            books: Books::default(),
            client_ids: FxHashMap::default(),
            client_ids_ended: VecDeque::new(),
            expiries: BinaryHeap::new(),
        }
    }

    /// The sequence number of the last applied command.
    pub fn seq(&self) -> u64 {
        self.seq
    }

    /// The engine's time: the largest command timestamp seen.
    pub fn now(&self) -> Timestamp {
        self.now
    }

    pub fn limits(&self) -> &EngineLimits {
        &self.limits
    }

    /// Applies the next command and returns its events.
    pub fn apply(
        &mut self,
        seq: u64,
        ts: Timestamp,
        command: &Command,
    ) -> Result<Vec<Event>, SequenceError> {
        let mut out = Vec::new();
        self.apply_into(seq, ts, command, &mut out)?;
        Ok(out)
    }

    /// Applies the next command, appending its events to `out`.
    ///
    /// `seq` must be one more than [`Engine::seq`]; otherwise nothing happens and an
    /// error says so. A timestamp earlier than the engine's time counts as the
    /// engine's time, so time never runs backwards.
    pub fn apply_into(
        &mut self,
        seq: u64,
        ts: Timestamp,
        command: &Command,
        out: &mut Vec<Event>,
    ) -> Result<(), SequenceError> {
        if seq != self.seq + 1 {
            return Err(SequenceError {
                expected: self.seq + 1,
                got: seq,
            });
        }
        self.seq = seq;
        self.now = self.now.max(ts);
        self.ledger.begin_command(seq);
        self.expire_due(out);
        match command {
            Command::ListAsset(spec) => self.list_asset(spec, out),
            Command::ListInstrument(spec) => self.list_instrument(spec, out),
            Command::SetInstrumentStatus { instrument, status } => {
                self.set_instrument_status(*instrument, *status, out)
            }
            Command::SetLimits(limits) => self.set_limits(limits, out),
            Command::OpenAccount { owner } => self.open_account(*owner, out),
            Command::SetAccountHalted { owner, halted } => {
                self.set_account_halted(*owner, *halted, out)
            }
            Command::Deposit(request) => self.deposit(request, out),
            Command::Withdraw(request) => self.withdraw(request, out),
            Command::PostTransfer { transfer, amount } => {
                self.post_transfer(*transfer, *amount, out)
            }
            Command::VoidTransfer { transfer } => self.void_transfer(*transfer, out),
            Command::Place(order) => self.place(order, out),
            Command::Cancel { owner, order } => self.cancel(*owner, *order, out),
            Command::Amend {
                owner,
                order,
                price,
                qty,
            } => self.amend(*owner, *order, *price, *qty, out),
            Command::CancelAll { owner, instrument } => self.cancel_all(*owner, *instrument, out),
            Command::Tick => {}
        }
        self.emit_balances(out);
        Ok(())
    }

    // ---------------------------------------------------------------- reference data

    fn list_asset(&mut self, spec: &AssetSpec, out: &mut Vec<Event>) {
        let reject = |code| Event::Rejected(Rejection::of(CommandKind::ListAsset, code));
        if spec.scale > MAX_SCALE {
            return out.push(reject(RejectCode::InvalidSpec));
        }
        if self.asset_codes.contains_key(&spec.code) {
            return out.push(reject(RejectCode::DuplicateAsset));
        }
        if self.assets.len() >= self.limits.assets_max as usize
            || self.assets.len() > usize::from(u16::MAX)
        {
            return out.push(reject(RejectCode::CapacityExceeded));
        }
        let asset = Asset {
            id: AssetId(self.assets.len() as u16),
            code: spec.code,
            scale: spec.scale,
        };
        self.assets.push(asset);
        self.asset_codes.insert(asset.code, asset.id);
        self.ledger.add_asset(asset.id);
        out.push(Event::AssetListed(asset));
    }

    fn list_instrument(&mut self, spec: &InstrumentSpec, out: &mut Vec<Event>) {
        let reject = |code| Event::Rejected(Rejection::of(CommandKind::ListInstrument, code));
        let (Some(base), Some(quote)) = (
            self.assets.get(usize::from(spec.base.0)),
            self.assets.get(usize::from(spec.quote.0)),
        ) else {
            return out.push(reject(RejectCode::UnknownAsset));
        };
        if self.instruments.len() >= self.limits.instruments_max as usize {
            return out.push(reject(RejectCode::CapacityExceeded));
        }
        let id = InstrumentId(self.instruments.len() as u32);
        let Ok(instrument) = Instrument::new(id, *spec, base, quote) else {
            return out.push(reject(RejectCode::InvalidSpec));
        };
        if self.symbols.contains_key(&instrument.symbol()) {
            return out.push(reject(RejectCode::DuplicateInstrument));
        }
        self.symbols.insert(instrument.symbol(), id);
        self.books
            .books
            .push(crate::book::Book::new(instrument.tick_size()));
        self.instruments.push(InstrumentState::new(
            instrument,
            InstrumentStatus::Trading,
            None,
        ));
        out.push(Event::InstrumentListed(instrument));
    }

    fn set_instrument_status(
        &mut self,
        instrument: InstrumentId,
        status: InstrumentStatus,
        out: &mut Vec<Event>,
    ) {
        if self.instruments.get(instrument.0 as usize).is_none() {
            let rejection = Rejection::of(
                CommandKind::SetInstrumentStatus,
                RejectCode::UnknownInstrument,
            );
            return out.push(Event::Rejected(rejection));
        }
        if status == InstrumentStatus::Closed {
            self.cancel_instrument(instrument, out);
        }
        self.instruments[instrument.0 as usize].status = status;
        out.push(Event::InstrumentStatusChanged { instrument, status });
    }

    fn set_limits(&mut self, limits: &EngineLimits, out: &mut Vec<Event>) {
        let values = [
            limits.assets_max,
            limits.instruments_max,
            limits.owners_max,
            limits.orders_open_max,
            limits.orders_open_per_owner_max,
            limits.client_order_ids_retained_max,
            limits.transfer_ids_retained_max,
            limits.transfers_pending_max,
        ];
        if values.contains(&0) {
            let rejection = Rejection::of(CommandKind::SetLimits, RejectCode::InvalidSpec);
            return out.push(Event::Rejected(rejection));
        }
        self.limits = *limits;
        out.push(Event::LimitsChanged(*limits));
    }

    // ---------------------------------------------------------------- owners

    fn owner_slot(&self, owner: OwnerId) -> Result<u32, RejectCode> {
        if ledger::is_system(owner) {
            return Err(RejectCode::ReservedAccount);
        }
        self.owner_index
            .get(&owner)
            .copied()
            .ok_or(RejectCode::UnknownAccount)
    }

    fn create_owner(&mut self, owner: OwnerId) -> Result<u32, RejectCode> {
        if self.owners.len() >= self.limits.owners_max as usize {
            return Err(RejectCode::CapacityExceeded);
        }
        let slot = u32::try_from(self.owners.len()).map_err(|_| RejectCode::CapacityExceeded)?;
        self.owners.push(OwnerState {
            id: owner,
            halted: false,
            accounts: Vec::new(),
        });
        self.owner_index.insert(owner, slot);
        self.books.owners.push(OwnerOrders::default());
        Ok(slot)
    }

    /// An owner's account in an asset, if open.
    #[inline]
    fn owner_account(&self, slot: u32, asset: AssetId) -> Option<AccountIdx> {
        let account = *self.owners[slot as usize]
            .accounts
            .get(usize::from(asset.0))?;
        (account != NO_ACCOUNT).then_some(account)
    }

    /// An owner's account in an asset, opened if missing.
    fn open_owner_account(&mut self, slot: u32, asset: AssetId) -> AccountIdx {
        if let Some(account) = self.owner_account(slot, asset) {
            return account;
        }
        let owner = &mut self.owners[slot as usize];
        let account = self.ledger.open(owner.id, asset);
        let index = usize::from(asset.0);
        if owner.accounts.len() <= index {
            owner.accounts.resize(index + 1, NO_ACCOUNT);
        }
        owner.accounts[index] = account;
        account
    }

    /// Fills every owner's account table from the ledger (after a restore).
    pub(crate) fn index_owner_accounts(&mut self) {
        for (idx, account) in self.ledger.accounts().iter().enumerate() {
            if let Some(&slot) = self.owner_index.get(&account.owner) {
                let accounts = &mut self.owners[slot as usize].accounts;
                let index = usize::from(account.asset.0);
                if accounts.len() <= index {
                    accounts.resize(index + 1, NO_ACCOUNT);
                }
                accounts[index] = idx as AccountIdx;
            }
        }
    }

    fn open_account(&mut self, owner: OwnerId, out: &mut Vec<Event>) {
        let reject =
            |code| Event::Rejected(Rejection::of(CommandKind::OpenAccount, code).owner(owner));
        match self.owner_slot(owner) {
            Ok(_) => out.push(reject(RejectCode::AccountExists)),
            Err(RejectCode::UnknownAccount) => match self.create_owner(owner) {
                Ok(_) => out.push(Event::AccountOpened { owner }),
                Err(code) => out.push(reject(code)),
            },
            Err(code) => out.push(reject(code)),
        }
    }

    fn set_account_halted(&mut self, owner: OwnerId, halted: bool, out: &mut Vec<Event>) {
        match self.owner_slot(owner) {
            Ok(slot) => {
                self.owners[slot as usize].halted = halted;
                out.push(Event::AccountStatusChanged { owner, halted });
            }
            Err(code) => {
                let rejection = Rejection::of(CommandKind::SetAccountHalted, code).owner(owner);
                out.push(Event::Rejected(rejection));
            }
        }
    }

    // ---------------------------------------------------------------- transfers

    fn check_transfer(&self, request: &TransferRequest) -> Result<(), RejectCode> {
        if request.amount.is_zero() {
            return Err(RejectCode::InvalidAmount);
        }
        if usize::from(request.asset.0) >= self.assets.len() {
            return Err(RejectCode::UnknownAsset);
        }
        if ledger::is_system(request.owner) {
            return Err(RejectCode::ReservedAccount);
        }
        if self.ledger.transfer_id_known(request.id) {
            return Err(RejectCode::DuplicateTransferId);
        }
        if request.pending
            && self.ledger.pending.len() >= self.limits.transfers_pending_max as usize
        {
            return Err(RejectCode::CapacityExceeded);
        }
        Ok(())
    }

    fn deposit(&mut self, request: &TransferRequest, out: &mut Vec<Event>) {
        let checked = self.check_transfer(request).and_then(|()| {
            self.ledger
                .supply_after(request.asset, request.amount)
                .ok_or(RejectCode::AmountOverflow)?;
            match self.owner_slot(request.owner) {
                Ok(slot) => Ok(slot),
                Err(RejectCode::UnknownAccount) => self.create_owner(request.owner),
                Err(code) => Err(code),
            }
        });
        let slot = match checked {
            Ok(slot) => slot,
            Err(code) => {
                let rejection = Rejection::transfer(CommandKind::Deposit, code, request);
                return out.push(Event::Rejected(rejection));
            }
        };
        let user = self.open_owner_account(slot, request.asset);
        let external = self.ledger.system(request.asset).external;
        self.ledger
            .remember_transfer_id(request.id, self.limits.transfer_ids_retained_max);
        let state = if request.pending {
            self.ledger.hold(external, user, request.amount);
            self.ledger.pending.insert(
                request.id,
                PendingTransfer {
                    id: request.id,
                    debit: EXTERNAL,
                    credit: request.owner,
                    asset: request.asset,
                    amount: request.amount,
                },
            );
            TransferState::Pending
        } else {
            self.ledger.transfer(external, user, request.amount);
            TransferState::Posted
        };
        out.push(Event::Transfer(TransferEvent {
            id: request.id,
            kind: TransferKind::Deposit,
            owner: request.owner,
            asset: request.asset,
            amount: request.amount,
            state,
        }));
    }

    fn withdraw(&mut self, request: &TransferRequest, out: &mut Vec<Event>) {
        let checked = self.check_transfer(request).and_then(|()| {
            let slot = self.owner_slot(request.owner)?;
            if self.owners[slot as usize].halted {
                return Err(RejectCode::AccountHalted);
            }
            let account = self
                .owner_account(slot, request.asset)
                .ok_or(RejectCode::InsufficientFunds)?;
            if self.ledger.available(account) < request.amount {
                return Err(RejectCode::InsufficientFunds);
            }
            Ok(account)
        });
        let user = match checked {
            Ok(account) => account,
            Err(code) => {
                return out.push(Event::Rejected(Rejection::transfer(
                    CommandKind::Withdraw,
                    code,
                    request,
                )));
            }
        };
        let external = self.ledger.system(request.asset).external;
        self.ledger
            .remember_transfer_id(request.id, self.limits.transfer_ids_retained_max);
        let state = if request.pending {
            self.ledger.hold(user, external, request.amount);
            self.ledger.pending.insert(
                request.id,
                PendingTransfer {
                    id: request.id,
                    debit: request.owner,
                    credit: EXTERNAL,
                    asset: request.asset,
                    amount: request.amount,
                },
            );
            TransferState::Pending
        } else {
            self.ledger.transfer(user, external, request.amount);
            TransferState::Posted
        };
        out.push(Event::Transfer(TransferEvent {
            id: request.id,
            kind: TransferKind::Withdrawal,
            owner: request.owner,
            asset: request.asset,
            amount: request.amount,
            state,
        }));
    }

    fn settle_pending(
        &mut self,
        id: TransferId,
        post: Option<Option<Amount>>,
        out: &mut Vec<Event>,
    ) {
        let command = if post.is_some() {
            CommandKind::PostTransfer
        } else {
            CommandKind::VoidTransfer
        };
        let Some(pending) = self.ledger.pending.get(&id).copied() else {
            let mut rejection = Rejection::of(command, RejectCode::UnknownTransfer);
            rejection.transfer = Some(id);
            return out.push(Event::Rejected(rejection));
        };
        let posted = match post {
            Some(amount) => amount.unwrap_or(pending.amount),
            None => Amount::ZERO,
        };
        if post.is_some() && (posted.is_zero() || posted > pending.amount) {
            let mut rejection = Rejection::of(command, RejectCode::InvalidAmount);
            rejection.transfer = Some(id);
            return out.push(Event::Rejected(rejection));
        }
        self.ledger.pending.remove(&id);
        let debit = self.ledger.open(pending.debit, pending.asset);
        let credit = self.ledger.open(pending.credit, pending.asset);
        self.ledger.post_hold(debit, credit, posted);
        self.ledger.release_hold(
            debit,
            credit,
            Amount::from_raw(pending.amount.raw() - posted.raw()),
        );
        let (kind, owner) = if pending.debit == EXTERNAL {
            (TransferKind::Deposit, pending.credit)
        } else {
            (TransferKind::Withdrawal, pending.debit)
        };
        let (amount, state) = match post {
            Some(_) => (posted, TransferState::Posted),
            None => (pending.amount, TransferState::Voided),
        };
        out.push(Event::Transfer(TransferEvent {
            id,
            kind,
            owner,
            asset: pending.asset,
            amount,
            state,
        }));
    }

    fn post_transfer(&mut self, id: TransferId, amount: Option<Amount>, out: &mut Vec<Event>) {
        self.settle_pending(id, Some(amount), out);
    }

    fn void_transfer(&mut self, id: TransferId, out: &mut Vec<Event>) {
        self.settle_pending(id, None, out);
    }

    // ---------------------------------------------------------------- placing orders

    fn reference_price(&self, instrument: InstrumentId) -> Option<Price> {
        self.instruments[instrument.0 as usize].reference()
    }

    fn band(&self, instrument: InstrumentId) -> Option<(Price, Price)> {
        self.instruments[instrument.0 as usize].band
    }

    fn check_tradable(&self, instrument: InstrumentId) -> Result<&InstrumentState, RejectCode> {
        let state = self
            .instruments
            .get(instrument.0 as usize)
            .ok_or(RejectCode::UnknownInstrument)?;
        match state.status {
            InstrumentStatus::Trading => Ok(state),
            InstrumentStatus::Halted => Err(RejectCode::InstrumentHalted),
            InstrumentStatus::Closed => Err(RejectCode::InstrumentClosed),
        }
    }

    fn check_qty(instrument: &Instrument, qty: Qty) -> Result<(), RejectCode> {
        instrument
            .check_qty(qty)
            .map_err(|e| value_code(e, false))?;
        let spec = instrument.spec();
        if qty < spec.min_qty {
            return Err(RejectCode::QuantityBelowMin);
        }
        if qty > spec.max_qty {
            return Err(RejectCode::QuantityAboveMax);
        }
        Ok(())
    }

    fn check_band(&self, instrument: &Instrument, price: Price) -> Result<(), RejectCode> {
        if let Some((low, high)) = self.band(instrument.id())
            && (price < low || price > high)
        {
            return Err(RejectCode::PriceOutOfBand);
        }
        Ok(())
    }

    fn check_place(&self, order: &NewOrder) -> Result<PlacePlan, (RejectCode, Option<OrderId>)> {
        let instrument = self.check_tradable(order.instrument)?.instrument;
        let owner_slot = self.owner_slot(order.owner)?;
        if self.owners[owner_slot as usize].halted {
            return Err((RejectCode::AccountHalted, None));
        }
        if let Some(client_id) = order.client_order_id
            && let Some(&existing) = self.client_ids.get(&(order.owner, client_id))
        {
            return Err((RejectCode::DuplicateClientOrderId, Some(existing)));
        }
        match (order.tif, order.expire_at) {
            (TimeInForce::Gtd, Some(at)) if at > self.now => {}
            (TimeInForce::Gtd, _) | (_, Some(_)) => return Err((RejectCode::InvalidExpiry, None)),
            _ => {}
        }
        let spec = instrument.spec();
        let (price, leaves, budget) = match order.kind {
            OrderKind::Limit { price, qty } => {
                instrument
                    .check_price(price)
                    .map_err(|e| value_code(e, true))?;
                Self::check_qty(&instrument, qty)?;
                if order.post_only && !order.tif.rests() {
                    return Err((RejectCode::InvalidOrder, None));
                }
                self.check_band(&instrument, price)?;
                let notional = instrument
                    .notional(price, qty)
                    .ok_or(RejectCode::AmountOverflow)?;
                if notional < spec.min_notional {
                    return Err((RejectCode::NotionalBelowMin, None));
                }
                (price, qty, false)
            }
            OrderKind::Market { qty } => {
                if order.post_only {
                    return Err((RejectCode::InvalidOrder, None));
                }
                if !matches!(order.tif, TimeInForce::Ioc | TimeInForce::Fok) {
                    return Err((RejectCode::InvalidTimeInForce, None));
                }
                Self::check_qty(&instrument, qty)?;
                let reference = self
                    .reference_price(order.instrument)
                    .ok_or(RejectCode::NoReferencePrice)?;
                let notional = instrument
                    .notional(reference, qty)
                    .ok_or(RejectCode::AmountOverflow)?;
                if notional < spec.min_notional {
                    return Err((RejectCode::NotionalBelowMin, None));
                }
                let (low, high) = self
                    .band(order.instrument)
                    .unwrap_or((Price::ZERO, Price::MAX));
                let protection = if order.side == Side::Buy { high } else { low };
                (protection, qty, false)
            }
            OrderKind::MarketBudget { quote } => {
                if order.side == Side::Sell || order.post_only {
                    return Err((RejectCode::InvalidOrder, None));
                }
                if order.tif != TimeInForce::Ioc {
                    return Err((RejectCode::InvalidTimeInForce, None));
                }
                if quote.is_zero() {
                    return Err((RejectCode::InvalidAmount, None));
                }
                if quote < spec.min_notional {
                    return Err((RejectCode::NotionalBelowMin, None));
                }
                let protection = self
                    .band(order.instrument)
                    .map_or(Price::MAX, |(_, high)| high);
                (protection, Qty::MAX, true)
            }
        };
        if order.tif.rests() {
            if self.books.owners[owner_slot as usize].count >= self.limits.orders_open_per_owner_max
            {
                return Err((RejectCode::TooManyOpenOrders, None));
            }
            if self.books.open_orders() >= self.limits.orders_open_max as usize {
                return Err((RejectCode::CapacityExceeded, None));
            }
        }
        let hold = match order.kind {
            OrderKind::MarketBudget { quote } => quote,
            _ => required_hold(&instrument, order.side, price, leaves)
                .ok_or(RejectCode::AmountOverflow)?,
        };
        let hold_asset = if order.side == Side::Buy {
            instrument.quote()
        } else {
            instrument.base()
        };
        let available = self
            .owner_account(owner_slot, hold_asset)
            .map_or(Amount::ZERO, |account| self.ledger.available(account));
        if available < hold {
            return Err((RejectCode::InsufficientFunds, None));
        }
        if order.post_only
            && let Some(best) = self.books.best(order.instrument, order.side.opposite())
            && crosses(order.side, price, self.books.level(best).price)
        {
            return Err((RejectCode::PostOnlyWouldTake, None));
        }
        if order.tif == TimeInForce::Fok && !self.fillable(order, price, leaves) {
            return Err((RejectCode::FokNotFillable, None));
        }
        Ok(PlacePlan {
            owner_slot,
            price,
            leaves,
            hold,
            budget,
        })
    }

    /// Whether a fill-or-kill order would fill in full, counting what self-trade
    /// prevention would let it trade against.
    fn fillable(&self, order: &NewOrder, price: Price, qty: Qty) -> bool {
        let mut found = 0u64;
        let book = &self.books.books[order.instrument.0 as usize];
        for (_, level_idx) in book.side(order.side.opposite()).iter() {
            let level = self.books.level(level_idx);
            if !crosses(order.side, price, level.price) {
                return false;
            }
            let mut cur = level.head;
            while cur != NIL {
                let maker = self.books.order(cur);
                if maker.owner == order.owner {
                    if order.stp != StpMode::CancelOldest {
                        return false;
                    }
                } else {
                    found += maker.leaves.raw();
                    if found >= qty.raw() {
                        return true;
                    }
                }
                cur = maker.next_in_level();
            }
        }
        false
    }

    fn place(&mut self, new: &NewOrder, out: &mut Vec<Event>) {
        let plan = match self.check_place(new) {
            Ok(plan) => plan,
            Err((code, existing)) => {
                let mut rejection = Rejection::of(CommandKind::Place, code).owner(new.owner);
                rejection.order = existing;
                rejection.client_order_id = new.client_order_id;
                return out.push(Event::Rejected(rejection));
            }
        };
        let instrument = self.instruments[new.instrument.0 as usize].instrument;
        let id = OrderId(self.next_order_id);
        self.next_order_id += 1;
        let base = self.open_owner_account(plan.owner_slot, instrument.base());
        let quote = self.open_owner_account(plan.owner_slot, instrument.quote());
        let (hold_account, hold_asset, receive_account) = match new.side {
            Side::Buy => (quote, instrument.quote(), base),
            Side::Sell => (base, instrument.base(), quote),
        };
        let clearing = self.ledger.system(hold_asset).clearing;
        self.ledger.hold(hold_account, clearing, plan.hold);
        if let Some(client_id) = new.client_order_id {
            self.client_ids.insert((new.owner, client_id), id);
        }
        out.push(Event::OrderAccepted(OrderAccepted {
            order: id,
            owner: new.owner,
            instrument: new.instrument,
            side: new.side,
            kind: new.kind,
            tif: new.tif,
            post_only: new.post_only,
            stp: new.stp,
            client_order_id: new.client_order_id,
            expire_at: new.expire_at,
            held: plan.hold,
        }));

        let mut taker = Order::new(
            id,
            new.owner,
            plan.owner_slot,
            new.instrument,
            new.side,
            plan.price,
            plan.leaves,
            (hold_account, receive_account),
        );
        taker.held = plan.hold;
        taker.tif = new.tif;
        taker.post_only = new.post_only;
        taker.stp = new.stp;
        taker.budget = plan.budget;
        taker.expire_at = new.expire_at;
        taker.client_order_id = new.client_order_id;
        taker.priority = self.seq;

        let stop = self.match_taker(&mut taker, &instrument, out);
        if !taker.budget && taker.leaves.is_zero() {
            self.finish(&taker);
            return;
        }
        let reason = match stop {
            Stop::SelfTrade => CancelReason::SelfTrade,
            Stop::Budget => CancelReason::BudgetExhausted,
            Stop::Filled => unreachable!("a filled order left the loop above"),
            Stop::NoLiquidity | Stop::NoCross if new.tif.rests() => {
                let expire_at = taker.expire_at;
                self.books.insert(taker);
                if let Some(at) = expire_at {
                    self.schedule_expiry(at, id);
                }
                return;
            }
            Stop::NoCross if !matches!(new.kind, OrderKind::Limit { .. }) => {
                CancelReason::PriceProtection
            }
            Stop::NoLiquidity | Stop::NoCross => CancelReason::Unfilled,
        };
        self.cancel_taker(&taker, reason, out);
    }

    /// Ends an incoming order that does not rest: the rest of its hold is released.
    fn cancel_taker(&mut self, taker: &Order, reason: CancelReason, out: &mut Vec<Event>) {
        out.push(Event::OrderCancelled {
            order: taker.id,
            owner: taker.owner,
            instrument: taker.instrument,
            leaves: if taker.budget {
                Qty::ZERO
            } else {
                taker.leaves
            },
            reason,
        });
        self.finish(taker);
    }

    /// Releases what an ended order still holds and retires its client order id.
    fn finish(&mut self, order: &Order) {
        let instrument = &self.instruments[order.instrument.0 as usize].instrument;
        let hold_asset = if order.side == Side::Buy {
            instrument.quote()
        } else {
            instrument.base()
        };
        let clearing = self.ledger.system(hold_asset).clearing;
        self.ledger
            .release_hold(order.hold_account, clearing, order.held);
        if let Some(client_id) = order.client_order_id {
            self.client_ids_ended
                .push_back((order.owner, client_id, order.id));
            while self.client_ids_ended.len() > self.limits.client_order_ids_retained_max as usize {
                if let Some((owner, client_id, id)) = self.client_ids_ended.pop_front()
                    && self.client_ids.get(&(owner, client_id)) == Some(&id)
                {
                    self.client_ids.remove(&(owner, client_id));
                }
            }
        }
    }

    fn schedule_expiry(&mut self, at: Timestamp, id: OrderId) {
        self.expiries.push(Reverse((at, id)));
        // Entries of orders that ended early are only dropped when due; if they pile up,
        // rebuild from the orders still resting.
        if self.expiries.len() > 2 * self.books.open_orders() + 1024 {
            let live: Vec<_> = self
                .expiries
                .drain()
                .filter(|Reverse((at, id))| {
                    self.books
                        .find(*id)
                        .is_some_and(|slot| self.books.order(slot).expire_at == Some(*at))
                })
                .collect();
            self.expiries = live.into();
        }
    }

    fn expire_due(&mut self, out: &mut Vec<Event>) {
        while let Some(&Reverse((at, id))) = self.expiries.peek() {
            if at > self.now {
                break;
            }
            self.expiries.pop();
            let Some(slot) = self.books.find(id) else {
                continue;
            };
            if self.books.order(slot).expire_at != Some(at) {
                continue;
            }
            let order = self.books.remove(slot);
            out.push(Event::OrderExpired {
                order: order.id,
                owner: order.owner,
                instrument: order.instrument,
                leaves: order.leaves,
            });
            self.finish(&order);
        }
    }

    // ---------------------------------------------------------------- matching

    /// Matches an incoming order against the opposite side until it is filled, stops
    /// crossing, runs out of budget, or meets its own owner.
    fn match_taker(
        &mut self,
        taker: &mut Order,
        instrument: &Instrument,
        out: &mut Vec<Event>,
    ) -> Stop {
        let opposite = taker.side.opposite();
        loop {
            if taker.leaves.is_zero() {
                return Stop::Filled;
            }
            let Some(level_idx) = self.books.best(taker.instrument, opposite) else {
                return Stop::NoLiquidity;
            };
            let level = self.books.level(level_idx);
            let price = level.price;
            if !crosses(taker.side, taker.price, price) {
                return Stop::NoCross;
            }
            let mut cur = level.head;
            while cur != NIL {
                let maker = self.books.order(cur);
                let next = maker.next_in_level();
                if maker.owner == taker.owner {
                    match taker.stp {
                        StpMode::CancelNewest => return Stop::SelfTrade,
                        StpMode::CancelOldest => {
                            self.cancel_resting(cur, CancelReason::SelfTrade, out);
                            cur = next;
                            continue;
                        }
                        StpMode::CancelBoth => {
                            self.cancel_resting(cur, CancelReason::SelfTrade, out);
                            return Stop::SelfTrade;
                        }
                    }
                }
                let mut qty = maker.leaves.min(taker.leaves);
                // A budget order takes what it can afford from one maker, then stops: it
                // never trades the same maker twice to profit from fee rounding.
                let mut budget_spent = false;
                if taker.budget {
                    let can_afford = affordable(instrument, price, taker.held);
                    if can_afford.is_zero() {
                        return Stop::Budget;
                    }
                    budget_spent = can_afford < qty;
                    qty = qty.min(can_afford);
                }
                self.fill(taker, cur, price, qty, instrument, out);
                if taker.leaves.is_zero() {
                    return Stop::Filled;
                }
                if budget_spent {
                    return Stop::Budget;
                }
                cur = next;
            }
        }
    }

    /// One trade: the buyer's held quote pays the seller and the fees, the seller's
    /// held base goes to the buyer, and unneeded hold is released, all in one step.
    fn fill(
        &mut self,
        taker: &mut Order,
        maker_slot: u32,
        price: Price,
        qty: Qty,
        instrument: &Instrument,
        out: &mut Vec<Event>,
    ) {
        let notional = instrument
            .notional(price, qty)
            .expect("engine: a fill's value is bounded by a hold that fitted");
        let taker_fee = fee_floor(notional, instrument.taker_fee_bps());
        let maker_fee = fee_floor(notional, instrument.maker_fee_bps());
        let quote = self.ledger.system(instrument.quote());
        let base_clearing = self.ledger.system(instrument.base()).clearing;

        let maker = self.books.order_mut(maker_slot);
        maker.filled = maker.filled.checked_add(qty).expect("filled fits");
        let (maker_id, maker_owner, maker_side, maker_price) =
            (maker.id, maker.owner, maker.side, maker.price);
        let (maker_hold_account, maker_receive_account) =
            (maker.hold_account, maker.receive_account);
        self.books.reduce(maker_slot, qty);
        taker.leaves = if taker.budget {
            taker.leaves
        } else {
            taker
                .leaves
                .checked_sub(qty)
                .expect("taker leaves cover the fill")
        };
        taker.filled = taker.filled.checked_add(qty).expect("filled fits");

        let (buyer_pays, buyer_fee, seller_fee) = match taker.side {
            Side::Buy => (notional.raw() + taker_fee.raw(), taker_fee, maker_fee),
            Side::Sell => (notional.raw() + maker_fee.raw(), maker_fee, taker_fee),
        };
        let buyer_pays = Amount::from_raw(buyer_pays);
        let (buyer_hold, buyer_receive, seller_hold, seller_receive) = match taker.side {
            Side::Buy => (
                taker.hold_account,
                taker.receive_account,
                maker_hold_account,
                maker_receive_account,
            ),
            Side::Sell => (
                maker_hold_account,
                maker_receive_account,
                taker.hold_account,
                taker.receive_account,
            ),
        };
        // Quote: buyer -> clearing (from the hold) -> seller and fees.
        self.ledger
            .post_hold(buyer_hold, quote.clearing, buyer_pays);
        self.ledger
            .transfer(quote.clearing, seller_receive, notional);
        self.ledger.transfer(quote.clearing, quote.fees, buyer_fee);
        self.ledger.transfer(seller_receive, quote.fees, seller_fee);
        // Base: seller -> clearing (from the hold) -> buyer.
        let base_qty = Amount::from_raw(qty.raw());
        self.ledger.post_hold(seller_hold, base_clearing, base_qty);
        self.ledger.transfer(base_clearing, buyer_receive, base_qty);

        // Holds shrink by what was paid; a buy's hold is then trimmed to what its rest
        // needs, which returns price improvement and the fee margin at once.
        let maker = self.books.order_mut(maker_slot);
        let (taker_paid, maker_paid) = match taker.side {
            Side::Buy => (buyer_pays, base_qty),
            Side::Sell => (base_qty, buyer_pays),
        };
        maker.held = maker
            .held
            .checked_sub(maker_paid)
            .expect("engine: maker hold covers its fill");
        let maker_leaves = maker.leaves;
        if maker_side == Side::Buy {
            let needed =
                required_hold(instrument, Side::Buy, maker_price, maker_leaves).expect("fits");
            let excess = maker
                .held
                .checked_sub(needed)
                .expect("engine: maker hold covers its rest");
            maker.held = needed;
            self.ledger
                .release_hold(maker_hold_account, quote.clearing, excess);
        }
        taker.held = taker
            .held
            .checked_sub(taker_paid)
            .expect("engine: taker hold covers its fill");
        if taker.side == Side::Buy && !taker.budget {
            let needed =
                required_hold(instrument, Side::Buy, taker.price, taker.leaves).expect("fits");
            let excess = taker
                .held
                .checked_sub(needed)
                .expect("engine: taker hold covers its rest");
            taker.held = needed;
            self.ledger
                .release_hold(taker.hold_account, quote.clearing, excess);
        }

        let trade_id = TradeId(self.next_trade_id);
        self.next_trade_id += 1;
        self.instruments[taker.instrument.0 as usize].set_last_price(price);
        out.push(Event::Trade(Trade {
            id: trade_id,
            instrument: taker.instrument,
            price,
            qty,
            notional,
            aggressor: taker.side,
            maker_order: maker_id,
            maker_owner,
            maker_fee,
            maker_leaves,
            taker_order: taker.id,
            taker_owner: taker.owner,
            taker_fee,
            taker_leaves: if taker.budget {
                Qty::ZERO
            } else {
                taker.leaves
            },
        }));
        if maker_leaves.is_zero() {
            let maker = self.books.remove(maker_slot);
            self.finish(&maker);
        }
    }

    // ---------------------------------------------------------------- cancel and amend

    /// Finds an owner's open order. The happy path is one lookup: an order that
    /// belongs to `owner` proves the owner exists.
    fn resolve(
        &self,
        owner: OwnerId,
        order: OrderRef,
    ) -> Result<u32, (RejectCode, Option<OrderId>)> {
        let id = match order {
            OrderRef::Id(id) => id,
            OrderRef::Client(client_id) => match self.client_ids.get(&(owner, client_id)) {
                Some(&id) => id,
                None => {
                    self.owner_slot(owner)?;
                    return Err((RejectCode::UnknownOrder, None));
                }
            },
        };
        match self.books.find(id) {
            Some(slot) if self.books.order(slot).owner == owner => Ok(slot),
            found => {
                self.owner_slot(owner).map_err(|code| (code, Some(id)))?;
                let code = if found.is_some() {
                    RejectCode::NotOwner
                } else {
                    RejectCode::UnknownOrder
                };
                Err((code, Some(id)))
            }
        }
    }

    fn cancel_resting(&mut self, slot: u32, reason: CancelReason, out: &mut Vec<Event>) {
        let order = self.books.remove(slot);
        out.push(Event::OrderCancelled {
            order: order.id,
            owner: order.owner,
            instrument: order.instrument,
            leaves: order.leaves,
            reason,
        });
        self.finish(&order);
    }

    fn cancel(&mut self, owner: OwnerId, order: OrderRef, out: &mut Vec<Event>) {
        match self.resolve(owner, order) {
            Ok(slot) => self.cancel_resting(slot, CancelReason::Requested, out),
            Err((code, id)) => out.push(Event::Rejected(Rejection::order(
                CommandKind::Cancel,
                code,
                owner,
                order,
                id,
            ))),
        }
    }

    fn cancel_instrument(&mut self, instrument: InstrumentId, out: &mut Vec<Event>) {
        for side in [Side::Buy, Side::Sell] {
            for slot in self.books.side_orders(instrument, side) {
                self.cancel_resting(slot, CancelReason::Admin, out);
            }
        }
    }

    fn cancel_all(
        &mut self,
        owner: Option<OwnerId>,
        instrument: Option<InstrumentId>,
        out: &mut Vec<Event>,
    ) {
        let reject = |code| {
            let mut rejection = Rejection::of(CommandKind::CancelAll, code);
            rejection.owner = owner;
            Event::Rejected(rejection)
        };
        if let Some(instrument) = instrument
            && self.instruments.get(instrument.0 as usize).is_none()
        {
            return out.push(reject(RejectCode::UnknownInstrument));
        }
        match owner {
            Some(owner) => {
                let owner_slot = match self.owner_slot(owner) {
                    Ok(slot) => slot,
                    Err(code) => return out.push(reject(code)),
                };
                for slot in self.books.owner_orders(owner_slot) {
                    if instrument.is_none_or(|i| self.books.order(slot).instrument == i) {
                        self.cancel_resting(slot, CancelReason::Requested, out);
                    }
                }
            }
            None => {
                let all: Vec<InstrumentId> = match instrument {
                    Some(instrument) => vec![instrument],
                    None => (0..self.instruments.len() as u32)
                        .map(InstrumentId)
                        .collect(),
                };
                for instrument in all {
                    self.cancel_instrument(instrument, out);
                }
            }
        }
    }

    fn amend(
        &mut self,
        owner: OwnerId,
        target: OrderRef,
        price: Option<Price>,
        qty: Option<Qty>,
        out: &mut Vec<Event>,
    ) {
        match self.check_amend(owner, target, price, qty) {
            Ok((slot, new_price, new_leaves, new_hold)) => {
                self.execute_amend(slot, new_price, new_leaves, new_hold, out)
            }
            Err((code, id)) => out.push(Event::Rejected(Rejection::order(
                CommandKind::Amend,
                code,
                owner,
                target,
                id,
            ))),
        }
    }

    fn check_amend(
        &self,
        owner: OwnerId,
        target: OrderRef,
        price: Option<Price>,
        qty: Option<Qty>,
    ) -> Result<AmendPlan, (RejectCode, Option<OrderId>)> {
        let slot = self.resolve(owner, target)?;
        let order = self.books.order(slot);
        let with_id = |code| (code, Some(order.id));
        let instrument = self
            .check_tradable(order.instrument)
            .map_err(with_id)?
            .instrument;
        if self.owners[order.owner_slot as usize].halted {
            return Err(with_id(RejectCode::AccountHalted));
        }
        if price.is_none() && qty.is_none() {
            return Err(with_id(RejectCode::InvalidAmend));
        }
        let new_price = price.unwrap_or(order.price);
        let new_leaves = qty.unwrap_or(order.leaves);
        if price.is_some() {
            instrument
                .check_price(new_price)
                .map_err(|e| with_id(value_code(e, true)))?;
            self.check_band(&instrument, new_price).map_err(with_id)?;
        }
        instrument
            .check_qty(new_leaves)
            .map_err(|e| with_id(value_code(e, false)))?;
        if new_leaves > instrument.spec().max_qty {
            return Err(with_id(RejectCode::QuantityAboveMax));
        }
        let new_hold = required_hold(&instrument, order.side, new_price, new_leaves)
            .ok_or(with_id(RejectCode::AmountOverflow))?;
        if new_hold > order.held {
            let extra = Amount::from_raw(new_hold.raw() - order.held.raw());
            if self.ledger.available(order.hold_account) < extra {
                return Err(with_id(RejectCode::InsufficientFunds));
            }
        }
        if new_price != order.price
            && let Some(best) = self.books.best(order.instrument, order.side.opposite())
            && crosses(order.side, new_price, self.books.level(best).price)
            && order.post_only
        {
            return Err(with_id(RejectCode::PostOnlyWouldTake));
        }
        Ok((slot, new_price, new_leaves, new_hold))
    }

    fn execute_amend(
        &mut self,
        slot: u32,
        price: Price,
        leaves: Qty,
        hold: Amount,
        out: &mut Vec<Event>,
    ) {
        let order = self.books.order(slot);
        let (old_price, old_leaves, old_held) = (order.price, order.leaves, order.held);
        let instrument = self.instruments[order.instrument.0 as usize].instrument;
        let hold_asset = if order.side == Side::Buy {
            instrument.quote()
        } else {
            instrument.base()
        };
        let clearing = self.ledger.system(hold_asset).clearing;
        let hold_account = order.hold_account;
        let (instrument_id, side) = (order.instrument, order.side);
        if hold > old_held {
            self.ledger.hold(
                hold_account,
                clearing,
                Amount::from_raw(hold.raw() - old_held.raw()),
            );
        } else {
            self.ledger.release_hold(
                hold_account,
                clearing,
                Amount::from_raw(old_held.raw() - hold.raw()),
            );
        }
        self.books.order_mut(slot).held = hold;
        let would_trade = price != old_price
            && self
                .books
                .best(instrument_id, side.opposite())
                .is_some_and(|best| crosses(side, price, self.books.level(best).price));
        let priority_kept = price == old_price && leaves <= old_leaves;
        if priority_kept {
            self.books
                .reduce(slot, Qty::from_raw(old_leaves.raw() - leaves.raw()));
        } else if !would_trade {
            self.books.requeue(slot, price, leaves, self.seq);
        }
        let order = self.books.order(slot);
        out.push(Event::OrderAmended {
            order: order.id,
            owner: order.owner,
            instrument: order.instrument,
            side: order.side,
            price,
            leaves,
            priority_kept,
            held: hold,
        });
        if !would_trade {
            return;
        }
        // A new price that crosses makes the order take liquidity, like a new order
        // that keeps its id; it is out of its queue while it does.
        let mut taker = self.books.detach(slot);
        taker.price = price;
        taker.leaves = leaves;
        taker.priority = self.seq;
        match self.match_taker(&mut taker, &instrument, out) {
            Stop::Filled => {
                self.books.discard(slot);
                self.finish(&taker);
            }
            Stop::SelfTrade => {
                self.books.discard(slot);
                self.cancel_taker(&taker, CancelReason::SelfTrade, out);
            }
            Stop::NoLiquidity | Stop::NoCross | Stop::Budget => self.books.reattach(slot, &taker),
        }
    }

    // ---------------------------------------------------------------- events

    fn emit_balances(&mut self, out: &mut Vec<Event>) {
        for i in 0..self.ledger.touched.len() {
            let account = self.ledger.account(self.ledger.touched[i]);
            if account.owner == EXTERNAL || account.owner == CLEARING {
                continue;
            }
            out.push(Event::Balance {
                owner: account.owner,
                asset: account.asset,
                available: account.available(),
                held: account.held(),
            });
        }
    }

    // ---------------------------------------------------------------- queries

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

    fn view(&self, slot: u32) -> OrderView {
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

    // ---------------------------------------------------------------- invariants

    /// Checks every invariant of the state; returns the first one broken. Property tests
    /// call it after every command.
    pub fn check_invariants(&self) -> Result<(), String> {
        self.books.check()?;
        let accounts = self.ledger.accounts();
        for asset in &self.assets {
            let (mut dp, mut cp, mut dq, mut cq) = (0u128, 0u128, 0u128, 0u128);
            for account in accounts.iter().filter(|a| a.asset == asset.id) {
                dp += account.debits_posted;
                cp += account.credits_posted;
                dq += account.debits_pending;
                cq += account.credits_pending;
            }
            if dp != cp || dq != cq {
                return Err(format!("{}: debits and credits differ", asset.code));
            }
            let clearing = self.ledger.account(self.ledger.system(asset.id).clearing);
            if clearing.debits_posted != clearing.credits_posted || clearing.debits_pending != 0 {
                return Err(format!("{}: clearing holds a posted balance", asset.code));
            }
        }
        // Every pending amount is explained by an open order's hold or a pending transfer.
        let mut expected_debits: FxHashMap<(OwnerId, AssetId), u128> = FxHashMap::default();
        let mut expected_credits: FxHashMap<(OwnerId, AssetId), u128> = FxHashMap::default();
        for state in &self.instruments {
            let instrument = &state.instrument;
            for side in [Side::Buy, Side::Sell] {
                for slot in self.books.side_orders(instrument.id(), side) {
                    let order = self.books.order(slot);
                    let asset = if side == Side::Buy {
                        instrument.quote()
                    } else {
                        instrument.base()
                    };
                    let needed = required_hold(instrument, side, order.price, order.leaves);
                    if needed != Some(order.held) {
                        return Err(format!(
                            "{}: holds {:?}, needs {:?}",
                            order.id, order.held, needed
                        ));
                    }
                    if self.ledger.find(order.owner, asset) != Some(order.hold_account) {
                        return Err(format!("{}: holds on the wrong account", order.id));
                    }
                    *expected_debits.entry((order.owner, asset)).or_default() +=
                        u128::from(order.held.raw());
                    *expected_credits.entry((CLEARING, asset)).or_default() +=
                        u128::from(order.held.raw());
                }
            }
        }
        for pending in self.ledger.pending.values() {
            let amount = u128::from(pending.amount.raw());
            *expected_debits
                .entry((pending.debit, pending.asset))
                .or_default() += amount;
            *expected_credits
                .entry((pending.credit, pending.asset))
                .or_default() += amount;
        }
        for account in accounts {
            let key = (account.owner, account.asset);
            let debits = expected_debits.get(&key).copied().unwrap_or(0);
            let credits = expected_credits.get(&key).copied().unwrap_or(0);
            if account.debits_pending != debits || account.credits_pending != credits {
                return Err(format!(
                    "{} {:?}: pending {}/{} but open orders and transfers explain {}/{}",
                    account.owner,
                    account.asset,
                    account.debits_pending,
                    account.credits_pending,
                    debits,
                    credits
                ));
            }
            if !ledger::is_system(account.owner) || account.owner == ledger::FEES {
                let spent = account.debits_posted + account.debits_pending;
                if spent > account.credits_posted {
                    return Err(format!(
                        "{} {:?}: available balance is negative",
                        account.owner, account.asset
                    ));
                }
            }
        }
        for slot in self.all_order_slots() {
            let order = self.books.order(slot);
            if let Some(client_id) = order.client_order_id
                && self.client_ids.get(&(order.owner, client_id)) != Some(&order.id)
            {
                return Err(format!("{}: client order id not indexed", order.id));
            }
        }
        Ok(())
    }

    pub(crate) fn all_order_slots(&self) -> Vec<u32> {
        let mut slots = Vec::new();
        for i in 0..self.instruments.len() {
            for side in [Side::Buy, Side::Sell] {
                slots.extend(self.books.side_orders(InstrumentId(i as u32), side));
            }
        }
        slots
    }

    /// Rebuilds the expiry schedule from the resting orders (after a restore).
    pub(crate) fn rebuild_expiries(&mut self) {
        let entries: Vec<_> = self
            .all_order_slots()
            .into_iter()
            .filter_map(|slot| {
                let order = self.books.order(slot);
                order.expire_at.map(|at| Reverse((at, order.id)))
            })
            .collect();
        self.expiries = entries.into();
    }
}

/// The largest quantity, in whole lots, that `budget` buys at `price` with the taker
/// fee on top.
fn affordable(instrument: &Instrument, price: Price, budget: Amount) -> Qty {
    let bps = u128::from(instrument.taker_fee_bps());
    let denominator = u128::from(BPS_DENOMINATOR);
    let before_fee = u128::from(budget.raw()) * denominator / (denominator + bps);
    let mut qty = instrument.qty_for_notional(price, Amount::from_raw(before_fee as u64));
    // The fee is rounded down, so one more lot may still fit.
    let lot = instrument.lot_size();
    let cost = |qty: Qty| {
        let notional = instrument.notional(price, qty)?;
        notional.checked_add(fee_floor(notional, instrument.taker_fee_bps()))
    };
    if let Some(more) = qty.checked_add(lot)
        && cost(more).is_some_and(|c| c <= budget)
    {
        qty = more;
    }
    debug_assert!(qty.is_zero() || cost(qty).is_some_and(|c| c <= budget));
    qty
}

impl Rejection {
    pub(crate) fn of(command: CommandKind, code: RejectCode) -> Rejection {
        Rejection {
            command,
            code,
            owner: None,
            order: None,
            client_order_id: None,
            transfer: None,
        }
    }

    pub(crate) fn owner(mut self, owner: OwnerId) -> Rejection {
        self.owner = Some(owner);
        self
    }

    fn transfer(command: CommandKind, code: RejectCode, request: &TransferRequest) -> Rejection {
        let mut rejection = Rejection::of(command, code).owner(request.owner);
        rejection.transfer = Some(request.id);
        rejection
    }

    fn order(
        command: CommandKind,
        code: RejectCode,
        owner: OwnerId,
        target: OrderRef,
        id: Option<OrderId>,
    ) -> Rejection {
        let mut rejection = Rejection::of(command, code).owner(owner);
        rejection.order = id;
        if let OrderRef::Client(client_id) = target {
            rejection.client_order_id = Some(client_id);
        }
        if let OrderRef::Id(id) = target {
            rejection.order = Some(id);
        }
        rejection
    }
}

impl From<RejectCode> for (RejectCode, Option<OrderId>) {
    fn from(code: RejectCode) -> Self {
        (code, None)
    }
}
