//! Scenario tests: one command script and the events it must produce, per case.
//!
//! The venue (see `support`): BTC-USD with prices at one decimal and a tick of 1.0,
//! quantities in lots of 0.01, maker 10 bps, taker 20 bps, a 10% band around a reference
//! of 100.0; ETH-USD with a tick of 0.1, lots of 0.10, a minimum of 0.20, maker 0 bps,
//! taker 10 bps and no reference price. Users u1..u3 start with 10000 USD and 100 BTC
//! and ETH each. Buys hold price x quantity plus the taker fee rounded up; fills charge
//! fees rounded down.
//!
//! One file per area under `scenarios/`.

mod support;

use bourse_engine::{Command, Event, NewOrder, OrderKind, RejectCode, TransferRequest};
use bourse_types::{
    Amount, AssetCode, AssetId, AssetSpec, InstrumentId, OwnerId, Price, Qty, Side, StpMode,
    TimeInForce, TransferId,
};
use support::{BTC_USD, FUNDED, USD, Venue, btc_usd_spec, check, check_from};

#[path = "scenarios/amend.rs"]
mod amend;
#[path = "scenarios/cancel.rs"]
mod cancel;
#[path = "scenarios/client_order_ids.rs"]
mod client_order_ids;
#[path = "scenarios/codes_and_balances.rs"]
mod codes_and_balances;
#[path = "scenarios/deposits_and_withdrawals.rs"]
mod deposits_and_withdrawals;
#[path = "scenarios/flags.rs"]
mod flags;
#[path = "scenarios/limit_orders.rs"]
mod limit_orders;
#[path = "scenarios/market_orders.rs"]
mod market_orders;
#[path = "scenarios/risk.rs"]
mod risk;
#[path = "scenarios/self_trade_prevention.rs"]
mod self_trade_prevention;
#[path = "scenarios/time_in_force.rs"]
mod time_in_force;
