//! Bourse's engine: the one deterministic state machine on the critical path.
//!
//! It owns the ledger (accounts, holds, transfers), pre-trade risk, and the order books
//! with price-time priority matching. [`Engine::apply`] takes a sequenced, timestamped
//! [`Command`] and returns [`Event`]s; that is the whole interface for change.
//!
//! It owns no I/O, no clock, no randomness, no threads and no async: time arrives in
//! commands, and the same commands always give the same events and the same
//! [`StateHash`]. Durability (journal, snapshots), market data, the API and everything
//! else live in other crates and talk to the engine only through commands and events.
//!
//! Bad input never panics: every refusal is an [`Event::Rejected`] with a stable
//! [`RejectCode`]. Panics are reserved for broken invariants (a ledger that would not
//! balance), where stopping is safer than continuing.

mod accounts;
mod book;
mod codec;
mod command;
mod conditional;
mod engine;
mod event;
mod halts;
mod invariants;
mod ladder;
mod ledger;
mod lifecycle;
mod limits;
mod links;
mod matching;
mod orders;
mod positions;
mod queries;
mod reference;
mod risk;
mod transfers;

pub use codec::{
    CodecError, STATE_VERSION, StateHash, WIRE_VERSION, decode_command, decode_events,
    decode_recorded, encode_command, encode_command_into, encode_events, encode_events_into,
};
pub use command::{
    Attached, Command, Conditions, EngineLimits, HaltScope, InstrumentUpdate, InternalTransfer,
    NewOrder, OrderKind, OrderRef, Reason, RiskLimit, TrailingOffset, TransferRequest, Trigger,
};
pub use conditional::TRAILING_BPS_MAX;
pub use engine::{Balance, Engine, HaltInfo, OrderView, SequenceError};
pub use event::{
    AcceptedDetail, CommandKind, Event, LossBreach, OrderAccepted, PositionEvent, RejectCode,
    Rejection, Trade, TransferEvent, TransferKind, TransferState,
};
pub use ledger::{CLEARING, EXTERNAL, FEES, SYSTEM_OWNER_MIN};
pub use lifecycle::{OrderRecord, OrderStatus};
pub use limits::{LimitSet, RiskTable};
pub use positions::Position;
pub use queries::{ConditionalView, OrderLinks};
pub use reference::DAY_SECS;
