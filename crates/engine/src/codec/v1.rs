//! Format version 1, read only: the commands and state image of the builds before
//! positions, conditional orders, links, risk limits and halts. Commands decode into
//! today's [`Command`] (the new fields take their "nothing" values); a state image
//! restores into an engine that keeps no positions until it applies a command of the
//! current version (see [`Engine::apply_legacy_into`]).

use super::{CodecError, InstrumentImage, OrderImage, OwnerImage, StateImage};
use crate::command::{Command, EngineLimits, NewOrder, OrderKind, OrderRef, TransferRequest};
use crate::ledger::{Account, PendingTransfer};
use bourse_types::{
    Amount, Asset, AssetSpec, ClientOrderId, InstrumentId, InstrumentSpec, InstrumentStatus,
    OrderId, OwnerId, Price, Qty, Side, StpMode, TimeInForce, Timestamp, TransferId,
};
use serde::Deserialize;

pub(crate) const VERSION: u8 = 1;

#[derive(Deserialize)]
pub(crate) enum CommandV1 {
    ListAsset(AssetSpec),
    ListInstrument(InstrumentSpec),
    SetInstrumentStatus {
        instrument: InstrumentId,
        status: InstrumentStatus,
    },
    SetLimits(EngineLimits),
    OpenAccount {
        owner: OwnerId,
    },
    SetAccountHalted {
        owner: OwnerId,
        halted: bool,
    },
    Deposit(TransferRequest),
    Withdraw(TransferRequest),
    PostTransfer {
        transfer: TransferId,
        amount: Option<Amount>,
    },
    VoidTransfer {
        transfer: TransferId,
    },
    Place(NewOrderV1),
    Cancel {
        owner: OwnerId,
        order: OrderRef,
    },
    Amend {
        owner: OwnerId,
        order: OrderRef,
        price: Option<Price>,
        qty: Option<Qty>,
    },
    CancelAll {
        owner: Option<OwnerId>,
        instrument: Option<InstrumentId>,
    },
    Tick,
}

#[derive(Deserialize)]
pub(crate) struct NewOrderV1 {
    owner: OwnerId,
    instrument: InstrumentId,
    side: Side,
    kind: OrderKind,
    tif: TimeInForce,
    post_only: bool,
    stp: StpMode,
    client_order_id: Option<ClientOrderId>,
    expire_at: Option<Timestamp>,
}

impl From<CommandV1> for Command {
    fn from(command: CommandV1) -> Command {
        match command {
            CommandV1::ListAsset(spec) => Command::ListAsset(spec),
            CommandV1::ListInstrument(spec) => Command::ListInstrument(spec),
            CommandV1::SetInstrumentStatus { instrument, status } => {
                Command::SetInstrumentStatus { instrument, status }
            }
            CommandV1::SetLimits(limits) => Command::SetLimits(limits),
            CommandV1::OpenAccount { owner } => Command::OpenAccount { owner },
            CommandV1::SetAccountHalted { owner, halted } => {
                Command::SetAccountHalted { owner, halted }
            }
            CommandV1::Deposit(request) => Command::Deposit(request),
            CommandV1::Withdraw(request) => Command::Withdraw(request),
            CommandV1::PostTransfer { transfer, amount } => {
                Command::PostTransfer { transfer, amount }
            }
            CommandV1::VoidTransfer { transfer } => Command::VoidTransfer { transfer },
            CommandV1::Place(o) => Command::Place(NewOrder::plain(
                o.owner,
                o.instrument,
                o.side,
                o.kind,
                o.tif,
                o.post_only,
                o.stp,
                o.client_order_id,
                o.expire_at,
            )),
            CommandV1::Cancel { owner, order } => Command::Cancel { owner, order },
            CommandV1::Amend {
                owner,
                order,
                price,
                qty,
            } => Command::Amend {
                owner,
                order,
                price,
                qty,
            },
            CommandV1::CancelAll { owner, instrument } => Command::CancelAll { owner, instrument },
            CommandV1::Tick => Command::Tick,
        }
    }
}

#[derive(Deserialize)]
struct InstrumentImageV1 {
    instrument: bourse_types::Instrument,
    status: InstrumentStatus,
    last_price: Option<Price>,
}

#[derive(Deserialize)]
struct OwnerImageV1 {
    id: OwnerId,
    halted: bool,
}

#[derive(Deserialize)]
struct StateImageV1 {
    limits: EngineLimits,
    seq: u64,
    now: Timestamp,
    next_order_id: u64,
    next_trade_id: u64,
    assets: Vec<Asset>,
    instruments: Vec<InstrumentImageV1>,
    owners: Vec<OwnerImageV1>,
    accounts: Vec<Account>,
    pending: Vec<PendingTransfer>,
    transfer_ids: Vec<TransferId>,
    orders: Vec<OrderImage>,
    client_ids_ended: Vec<(OwnerId, ClientOrderId, OrderId)>,
}

/// A version 1 state image as today's, with nothing of what it did not know.
pub(crate) fn state(body: &[u8]) -> Result<StateImage, CodecError> {
    let v1: StateImageV1 = super::decode_body(body)?;
    Ok(StateImage {
        limits: v1.limits,
        seq: v1.seq,
        now: v1.now,
        next_order_id: v1.next_order_id,
        next_trade_id: v1.next_trade_id,
        assets: v1.assets,
        instruments: v1
            .instruments
            .into_iter()
            .map(|i| InstrumentImage {
                instrument: i.instrument,
                status: i.status,
                last_price: i.last_price,
                day_open: None,
            })
            .collect(),
        owners: v1
            .owners
            .into_iter()
            .map(|o| OwnerImage {
                id: o.id,
                halted: o.halted,
                positions: Vec::new(),
            })
            .collect(),
        accounts: v1.accounts,
        pending: v1.pending,
        transfer_ids: v1.transfer_ids,
        orders: v1.orders,
        client_ids_ended: v1.client_ids_ended,
        conditionals: Vec::new(),
        links: Vec::new(),
        risk_defaults: Default::default(),
        risk_owners: Vec::new(),
        trading_day_start: 0,
        day: 0,
        loss_breaches: Vec::new(),
        halts: Vec::new(),
        positions_live: false,
    })
}
