//! The state machine: one `apply` per command, no I/O, no clock, no randomness.

use crate::book::Books;
use crate::command::{Command, EngineLimits, HaltScope, OrderRef, Reason, TransferRequest};
use crate::conditional::Conditionals;
use crate::event::{CommandKind, Event, RejectCode, Rejection};
use crate::ledger::{AccountIdx, CLEARING, EXTERNAL, Ledger};
use crate::limits::RiskTable;
use crate::links::{End, Link};
use crate::positions::Position;
use bourse_types::{
    Amount, Asset, AssetCode, AssetId, ClientOrderId, Instrument, InstrumentId, InstrumentStatus,
    OrderId, OwnerId, Price, Qty, Side, StpMode, Symbol, TimeInForce, Timestamp,
};
use rustc_hash::FxHashMap;
use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap, VecDeque};

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
    /// The reference price when the current trading day began (the mark that day's
    /// PnL starts from).
    pub day_open: Option<Price>,
    /// The owner slots holding a position in the instrument.
    pub holders: BTreeSet<u32>,
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
            day_open: None,
            holders: BTreeSet::new(),
        };
        state.update_band();
        state
    }

    pub(crate) fn reference(&self) -> Option<Price> {
        self.last_price.or(self.instrument.spec().reference_price)
    }

    pub(crate) fn update_band(&mut self) {
        self.band = self
            .reference()
            .map(|reference| self.instrument.price_band(reference));
    }

    /// Records a trade's price; returns whether it is below the price before it (the
    /// last trade, or the reference price before the first): the marks of long
    /// positions fell.
    pub(crate) fn set_last_price(&mut self, price: Price) -> bool {
        if self.last_price == Some(price) {
            return false;
        }
        let fell = self.reference().is_some_and(|before| price < before);
        self.last_price = Some(price);
        self.update_band();
        fell
    }
}

#[derive(Debug, Clone)]
pub(crate) struct OwnerState {
    pub id: OwnerId,
    pub halted: bool,
    /// The owner's ledger account per asset id (`NO_ACCOUNT` where none is open), so
    /// the hot path finds accounts without hashing.
    pub accounts: Vec<AccountIdx>,
    /// Positions by instrument id, sorted.
    pub positions: Vec<Position>,
    /// How many conditional orders the owner has waiting.
    pub conditionals: u32,
}

impl OwnerState {
    pub(crate) fn new(id: OwnerId, halted: bool) -> OwnerState {
        OwnerState {
            id,
            halted,
            accounts: Vec::new(),
            positions: Vec::new(),
            conditionals: 0,
        }
    }

    pub(crate) fn position(&self, instrument: InstrumentId) -> Option<&Position> {
        self.positions
            .binary_search_by_key(&instrument, |p| p.instrument)
            .ok()
            .map(|i| &self.positions[i])
    }
}

/// Who threw a kill switch, why and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HaltInfo {
    pub by: OwnerId,
    pub reason: Reason,
    pub since: Timestamp,
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
pub(crate) enum Stop {
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
pub(crate) type AmendPlan = (u32, Price, Qty, Amount);

/// What a valid order will do: worked out before anything changes.
pub(crate) struct PlacePlan {
    pub(crate) owner_slot: u32,
    pub(crate) price: Price,
    pub(crate) leaves: Qty,
    pub(crate) hold: Amount,
    pub(crate) budget: bool,
}

/// The engine's bounded scratch lists of one command, empty between commands.
#[derive(Debug, Clone, Default)]
pub(crate) struct Scratch {
    /// Instruments that traded in this command, in the order they first traded.
    pub traded: Vec<InstrumentId>,
    /// Of those, the ones whose last price fell.
    pub fell: Vec<InstrumentId>,
    /// Positions changed in this command, in the order they first changed.
    pub positions_touched: Vec<(u32, InstrumentId)>,
    /// Fills of linked orders to act on at the end of the command.
    pub link_fills: Vec<(OrderId, Qty)>,
    /// Linked orders that ended, and how.
    pub link_ends: Vec<(OrderId, End)>,
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
    pub(crate) expiries: BinaryHeap<Reverse<(Timestamp, OrderId)>>,
    /// Orders waiting for their trigger.
    pub(crate) conditionals: Conditionals,
    /// One-cancels-the-other pairs and brackets, by order id.
    pub(crate) links: FxHashMap<OrderId, Link>,
    pub(crate) risk: RiskTable,
    /// When the trading day starts, seconds after 00:00 UTC.
    pub(crate) trading_day_start: u32,
    /// The current trading day (days since the epoch, counted from the day start).
    pub(crate) day: u64,
    /// Daily loss limits passed: (owner, quote asset) to the trading day it happened.
    pub(crate) loss_breaches: FxHashMap<(OwnerId, AssetId), u64>,
    /// Kill switches thrown.
    pub(crate) halts: BTreeMap<HaltScope, HaltInfo>,
    /// Whether positions are kept. An engine replaying commands recorded before
    /// positions existed (format version 1), or restored from a state image of that
    /// version, keeps none until it applies a command of the current version; then it
    /// starts them from the balances (see `positions`).
    pub(crate) positions_live: bool,
    /// Whether each instrument's `holders` are kept: only while some owner may have a
    /// daily loss limit (they say whom to judge after a fall in price). Derived from
    /// the risk table, not part of the state image.
    pub(crate) holders_kept: bool,
    /// When the current trading day ends (derived: zero until worked out), so that
    /// most commands see the day has not changed with one comparison.
    pub(crate) day_ends: Timestamp,
    pub(crate) scratch: Scratch,
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
            conditionals: Conditionals::default(),
            links: FxHashMap::default(),
            risk: RiskTable::default(),
            trading_day_start: 0,
            day: 0,
            loss_breaches: FxHashMap::default(),
            halts: BTreeMap::new(),
            positions_live: true,
            holders_kept: false,
            day_ends: Timestamp(0),
            scratch: Scratch::default(),
        }
    }

    pub(crate) fn venue_halted(&self) -> bool {
        !self.halts.is_empty() && self.halts.contains_key(&HaltScope::Venue)
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
        self.apply_command(seq, ts, command, true, out)
    }

    /// Applies a command read back from the journal, recorded in wire format
    /// `version` (see [`crate::decode_recorded`]). A command of version 1 replayed from
    /// the start of a journal, or after a state image of version 1, is applied as the
    /// builds of that version did: keeping no positions. Any other is applied as
    /// [`Engine::apply_into`] does.
    pub fn apply_recorded_into(
        &mut self,
        seq: u64,
        ts: Timestamp,
        command: &Command,
        version: u8,
        out: &mut Vec<Event>,
    ) -> Result<(), SequenceError> {
        let legacy = version < crate::WIRE_VERSION && (self.seq == 0 || !self.positions_live);
        if legacy && self.seq == 0 && seq == 1 {
            self.positions_live = false;
        }
        self.apply_command(seq, ts, command, !legacy, out)
    }

    /// [`Engine::apply_recorded_into`], returning the events.
    pub fn apply_recorded(
        &mut self,
        seq: u64,
        ts: Timestamp,
        command: &Command,
        version: u8,
    ) -> Result<Vec<Event>, SequenceError> {
        let mut out = Vec::new();
        self.apply_recorded_into(seq, ts, command, version, &mut out)?;
        Ok(out)
    }

    fn apply_command(
        &mut self,
        seq: u64,
        ts: Timestamp,
        command: &Command,
        current: bool,
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
        if current && !self.positions_live {
            self.start_positions();
        }
        self.roll_day();
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
            Command::PlaceOco { first, second } => self.place_oco(first, second, out),
            Command::SetRiskLimit { owner, limit } => self.set_risk_limit(*owner, *limit, out),
            Command::SetTradingDay { start_secs } => self.set_trading_day(*start_secs, out),
            Command::UpdateInstrument { instrument, update } => {
                self.update_instrument(*instrument, update, out)
            }
            Command::Halt {
                scope,
                halted,
                by,
                reason,
            } => self.halt(*scope, *halted, *by, reason, out),
            Command::Panic { owner, flatten } => self.panic(*owner, *flatten, out),
            Command::Transfer(transfer) => self.internal_transfer(transfer, out),
        }
        // What the command's trades and ends set off: linked orders, triggers, and the
        // daily loss limits of the owners whose marks moved.
        let scratch = &self.scratch;
        if !scratch.traded.is_empty()
            || !scratch.link_fills.is_empty()
            || !scratch.link_ends.is_empty()
        {
            self.run_triggers(out);
            if !self.risk.is_empty() {
                self.check_daily_losses(out);
            }
        }
        self.emit_balances(out);
        if !self.scratch.positions_touched.is_empty() {
            self.emit_positions(out);
        }
        self.scratch.traded.clear();
        self.scratch.fell.clear();
        Ok(())
    }

    // ---------------------------------------------------------------- events

    pub(crate) fn emit_balances(&mut self, out: &mut Vec<Event>) {
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

    pub(crate) fn transfer(
        command: CommandKind,
        code: RejectCode,
        request: &TransferRequest,
    ) -> Rejection {
        let mut rejection = Rejection::of(command, code).owner(request.owner);
        rejection.transfer = Some(request.id);
        rejection
    }

    pub(crate) fn order(
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
