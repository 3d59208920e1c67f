//! Scenario tests: one command script and the events it must produce, per case.
//!
//! The venue (see `support`): BTC-USD with prices at one decimal and a tick of 1.0,
//! quantities in lots of 0.01, maker 10 bps, taker 20 bps, a 10% band around a reference
//! of 100.0; ETH-USD with a tick of 0.1, lots of 0.10, a minimum of 0.20, maker 0 bps,
//! taker 10 bps and no reference price. Users u1..u3 start with 10000 USD and 100 BTC
//! and ETH each. Buys hold price x quantity plus the taker fee rounded up; fills charge
//! fees rounded down.

mod support;

use bourse_engine::{Command, Event, NewOrder, OrderKind, RejectCode, TransferRequest};
use bourse_types::{
    Amount, AssetCode, AssetId, AssetSpec, InstrumentId, OwnerId, Price, Qty, Side, StpMode,
    TimeInForce, TransferId,
};
use support::{BTC_USD, FUNDED, USD, Venue, btc_usd_spec, check, check_from};

// ------------------------------------------------------------------ limit orders

#[test]
fn a_buy_rests_and_holds_its_value_plus_the_worst_fee() {
    check(
        "
        buy u1 BTC-USD 1.00 @ 100.0
        ? u1
        ",
        "
        accepted o1 u1 buy BTC-USD 1.00 @ 100.0 GTC held 100.20
        u1 USD 9899.80 held 100.20
        u1 BTC 100.00 held 0.00
        u1 ETH 100.00 held 0.00
        ",
    );
}

#[test]
fn a_sell_rests_and_holds_its_quantity() {
    check(
        "
        sell u2 BTC-USD 1.50 @ 101.0
        ? u2
        ",
        "
        accepted o1 u2 sell BTC-USD 1.50 @ 101.0 GTC held 1.50
        u2 USD 10000.00 held 0.00
        u2 BTC 98.50 held 1.50
        u2 ETH 100.00 held 0.00
        ",
    );
}

#[test]
fn a_fill_moves_funds_and_fees_in_one_step() {
    check(
        "
        sell u2 BTC-USD 1.00 @ 100.0
        buy u1 BTC-USD 1.00 @ 100.0
        ? u1
        ? u2
        ? u18446744073709551614
        ",
        "
        accepted o1 u2 sell BTC-USD 1.00 @ 100.0 GTC held 1.00
        accepted o2 u1 buy BTC-USD 1.00 @ 100.0 GTC held 100.20
        trade t1 1.00 @ 100.0 buy o2 took o1 u2 fees 0.20/0.10 leaves 0.00/0.00
        u1 USD 9899.80 held 0.00
        u1 BTC 101.00 held 0.00
        u1 ETH 100.00 held 0.00
        u2 USD 10099.90 held 0.00
        u2 BTC 99.00 held 0.00
        u2 ETH 100.00 held 0.00
        u18446744073709551614 USD 0.30 held 0.00
        u18446744073709551614 BTC 0.00 held 0.00
        u18446744073709551614 ETH 0.00 held 0.00
        ",
    );
}

#[test]
fn a_buyer_gets_price_improvement_back() {
    // 99.00 notional: taker fee 0.198 -> 0.19, maker fee 0.099 -> 0.09.
    check(
        "
        sell u2 BTC-USD 1.00 @ 99.0
        buy u1 BTC-USD 1.00 @ 100.0
        ? u1
        ? u2
        ",
        "
        accepted o1 u2 sell BTC-USD 1.00 @ 99.0 GTC held 1.00
        accepted o2 u1 buy BTC-USD 1.00 @ 100.0 GTC held 100.20
        trade t1 1.00 @ 99.0 buy o2 took o1 u2 fees 0.19/0.09 leaves 0.00/0.00
        u1 USD 9900.81 held 0.00
        u1 BTC 101.00 held 0.00
        u1 ETH 100.00 held 0.00
        u2 USD 10098.91 held 0.00
        u2 BTC 99.00 held 0.00
        u2 ETH 100.00 held 0.00
        ",
    );
}

#[test]
fn a_sell_taker_trades_at_the_resting_bid() {
    check(
        "
        buy u1 BTC-USD 1.00 @ 100.0
        sell u2 BTC-USD 1.00 @ 99.0
        ? u1
        ? u2
        ",
        "
        accepted o1 u1 buy BTC-USD 1.00 @ 100.0 GTC held 100.20
        accepted o2 u2 sell BTC-USD 1.00 @ 99.0 GTC held 1.00
        trade t1 1.00 @ 100.0 sell o2 took o1 u1 fees 0.20/0.10 leaves 0.00/0.00
        u1 USD 9899.90 held 0.00
        u1 BTC 101.00 held 0.00
        u1 ETH 100.00 held 0.00
        u2 USD 10099.80 held 0.00
        u2 BTC 99.00 held 0.00
        u2 ETH 100.00 held 0.00
        ",
    );
}

#[test]
fn a_partly_filled_buy_rests_with_its_hold_trimmed() {
    // Rest: 0.60 at 101.0 = 60.60 + fee 0.1212 rounded up = 60.73.
    check(
        "
        sell u2 BTC-USD 0.40 @ 100.0
        buy u1 BTC-USD 1.00 @ 101.0
        ? u1
        ",
        "
        accepted o1 u2 sell BTC-USD 0.40 @ 100.0 GTC held 0.40
        accepted o2 u1 buy BTC-USD 1.00 @ 101.0 GTC held 101.21
        trade t1 0.40 @ 100.0 buy o2 took o1 u2 fees 0.08/0.04 leaves 0.60/0.00
        u1 USD 9899.19 held 60.73
        u1 BTC 100.40 held 0.00
        u1 ETH 100.00 held 0.00
        ",
    );
}

#[test]
fn best_price_first_then_earliest_first() {
    check(
        "
        sell u2 BTC-USD 1.00 @ 101.0
        sell u3 BTC-USD 1.00 @ 100.0
        sell u2 BTC-USD 1.00 @ 100.0
        buy u1 BTC-USD 2.50 @ 101.0 ioc
        ",
        "
        accepted o1 u2 sell BTC-USD 1.00 @ 101.0 GTC held 1.00
        accepted o2 u3 sell BTC-USD 1.00 @ 100.0 GTC held 1.00
        accepted o3 u2 sell BTC-USD 1.00 @ 100.0 GTC held 1.00
        accepted o4 u1 buy BTC-USD 2.50 @ 101.0 IOC held 253.01
        trade t1 1.00 @ 100.0 buy o4 took o2 u3 fees 0.20/0.10 leaves 1.50/0.00
        trade t2 1.00 @ 100.0 buy o4 took o3 u2 fees 0.20/0.10 leaves 0.50/0.00
        trade t3 0.50 @ 101.0 buy o4 took o1 u2 fees 0.10/0.05 leaves 0.00/0.50
        ",
    );
}

#[test]
fn a_buy_below_the_ask_does_not_trade() {
    check(
        "
        sell u2 BTC-USD 1.00 @ 101.0
        buy u1 BTC-USD 1.00 @ 100.0
        ",
        "
        accepted o1 u2 sell BTC-USD 1.00 @ 101.0 GTC held 1.00
        accepted o2 u1 buy BTC-USD 1.00 @ 100.0 GTC held 100.20
        ",
    );
}

// ------------------------------------------------------------------ time in force

#[test]
fn ioc_cancels_what_it_cannot_fill_at_once() {
    check(
        "
        sell u2 BTC-USD 0.50 @ 100.0
        buy u1 BTC-USD 2.00 @ 100.0 ioc
        buy u1 BTC-USD 1.00 @ 100.0 ioc
        ? u1
        ",
        "
        accepted o1 u2 sell BTC-USD 0.50 @ 100.0 GTC held 0.50
        accepted o2 u1 buy BTC-USD 2.00 @ 100.0 IOC held 200.40
        trade t1 0.50 @ 100.0 buy o2 took o1 u2 fees 0.10/0.05 leaves 1.50/0.00
        cancelled o2 1.50 UNFILLED
        accepted o3 u1 buy BTC-USD 1.00 @ 100.0 IOC held 100.20
        cancelled o3 1.00 UNFILLED
        u1 USD 9949.90 held 0.00
        u1 BTC 100.50 held 0.00
        u1 ETH 100.00 held 0.00
        ",
    );
}

#[test]
fn fok_is_refused_when_it_cannot_fill_in_full() {
    check(
        "
        sell u2 BTC-USD 0.50 @ 100.0
        buy u1 BTC-USD 1.00 @ 100.0 fok
        ? u2
        ",
        "
        accepted o1 u2 sell BTC-USD 0.50 @ 100.0 GTC held 0.50
        rejected Place FOK_NOT_FILLABLE
        u2 USD 10000.00 held 0.00
        u2 BTC 99.50 held 0.50
        u2 ETH 100.00 held 0.00
        ",
    );
}

#[test]
fn fok_fills_across_levels() {
    check(
        "
        sell u2 BTC-USD 0.50 @ 100.0
        sell u3 BTC-USD 0.50 @ 101.0
        buy u1 BTC-USD 1.00 @ 101.0 fok
        ",
        "
        accepted o1 u2 sell BTC-USD 0.50 @ 100.0 GTC held 0.50
        accepted o2 u3 sell BTC-USD 0.50 @ 101.0 GTC held 0.50
        accepted o3 u1 buy BTC-USD 1.00 @ 101.0 FOK held 101.21
        trade t1 0.50 @ 100.0 buy o3 took o1 u2 fees 0.10/0.05 leaves 0.50/0.00
        trade t2 0.50 @ 101.0 buy o3 took o2 u3 fees 0.10/0.05 leaves 0.00/0.00
        ",
    );
}

#[test]
fn fok_does_not_count_its_owners_liquidity() {
    check(
        "
        sell u1 BTC-USD 1.00 @ 100.0
        buy u1 BTC-USD 1.00 @ 100.0 fok
        sell u2 BTC-USD 1.00 @ 100.0
        buy u1 BTC-USD 1.00 @ 100.0 fok stp=oldest
        ",
        "
        accepted o1 u1 sell BTC-USD 1.00 @ 100.0 GTC held 1.00
        rejected Place FOK_NOT_FILLABLE
        accepted o2 u2 sell BTC-USD 1.00 @ 100.0 GTC held 1.00
        accepted o3 u1 buy BTC-USD 1.00 @ 100.0 FOK held 100.20
        cancelled o1 1.00 SELF_TRADE
        trade t1 1.00 @ 100.0 buy o3 took o2 u2 fees 0.20/0.10 leaves 0.00/0.00
        ",
    );
}

#[test]
fn gtd_orders_expire_at_their_time() {
    check(
        "
        buy u1 BTC-USD 1.00 @ 99.0 gtd=100
        buy u1 BTC-USD 1.00 @ 98.0 gtd=100
        cancel u1 o2
        time 99
        time 100
        ? u1
        ",
        "
        accepted o1 u1 buy BTC-USD 1.00 @ 99.0 GTD held 99.20
        accepted o2 u1 buy BTC-USD 1.00 @ 98.0 GTD held 98.20
        cancelled o2 1.00 REQUESTED
        expired o1 1.00
        u1 USD 10000.00 held 0.00
        u1 BTC 100.00 held 0.00
        u1 ETH 100.00 held 0.00
        ",
    );
}

#[test]
fn expiry_runs_before_the_command_that_passes_it() {
    check(
        "
        sell u2 BTC-USD 1.00 @ 100.0 gtd=50
        time 49
        time 60
        buy u1 BTC-USD 1.00 @ 100.0
        ",
        "
        accepted o1 u2 sell BTC-USD 1.00 @ 100.0 GTD held 1.00
        expired o1 1.00
        accepted o2 u1 buy BTC-USD 1.00 @ 100.0 GTC held 100.20
        ",
    );
}

#[test]
fn an_amended_gtd_order_keeps_its_expiry() {
    check(
        "
        buy u1 BTC-USD 1.00 @ 99.0 gtd=100
        amend u1 o1 price=98.0
        time 100
        ",
        "
        accepted o1 u1 buy BTC-USD 1.00 @ 99.0 GTD held 99.20
        amended o1 1.00 @ 98.0 requeued held 98.20
        expired o1 1.00
        ",
    );
}

#[test]
fn expiries_must_be_present_future_and_only_for_gtd() {
    check(
        "
        time 10
        buy u1 BTC-USD 1.00 @ 99.0 gtd=10
        buy u1 BTC-USD 1.00 @ 99.0 gtd
        buy u1 BTC-USD 1.00 @ 99.0 expire=50
        buy u1 BTC-USD 1.00 @ 99.0 gtd=11
        ",
        "
        rejected Place INVALID_EXPIRY
        rejected Place INVALID_EXPIRY
        rejected Place INVALID_EXPIRY
        accepted o1 u1 buy BTC-USD 1.00 @ 99.0 GTD held 99.20
        ",
    );
}

// ------------------------------------------------------------------ flags

#[test]
fn post_only_never_takes() {
    check(
        "
        sell u2 BTC-USD 1.00 @ 100.0
        buy u1 BTC-USD 1.00 @ 100.0 post
        buy u1 BTC-USD 1.00 @ 99.0 post
        buy u1 BTC-USD 1.00 @ 99.0 post ioc
        ",
        "
        accepted o1 u2 sell BTC-USD 1.00 @ 100.0 GTC held 1.00
        rejected Place POST_ONLY_WOULD_TAKE
        accepted o2 u1 buy BTC-USD 1.00 @ 99.0 GTC post held 99.20
        rejected Place INVALID_ORDER
        ",
    );
}

// ------------------------------------------------------------------ market orders

#[test]
fn a_market_buy_holds_at_its_protection_price() {
    // Protection is the top of the band: 110.0, so 0.50 holds 55.00 + 0.11.
    check(
        "
        sell u2 BTC-USD 1.00 @ 100.0
        buy u1 BTC-USD 0.50 market
        ? u1
        ",
        "
        accepted o1 u2 sell BTC-USD 1.00 @ 100.0 GTC held 1.00
        accepted o2 u1 buy BTC-USD 0.50 market IOC held 55.11
        trade t1 0.50 @ 100.0 buy o2 took o1 u2 fees 0.10/0.05 leaves 0.00/0.50
        u1 USD 9949.90 held 0.00
        u1 BTC 100.50 held 0.00
        u1 ETH 100.00 held 0.00
        ",
    );
}

#[test]
fn a_market_sell_takes_the_bids() {
    check(
        "
        buy u2 BTC-USD 1.00 @ 100.0
        sell u1 BTC-USD 0.40 market
        sell u1 BTC-USD 1.00 market
        ",
        "
        accepted o1 u2 buy BTC-USD 1.00 @ 100.0 GTC held 100.20
        accepted o2 u1 sell BTC-USD 0.40 market IOC held 0.40
        trade t1 0.40 @ 100.0 sell o2 took o1 u2 fees 0.08/0.04 leaves 0.00/0.60
        accepted o3 u1 sell BTC-USD 1.00 market IOC held 1.00
        trade t2 0.60 @ 100.0 sell o3 took o1 u2 fees 0.12/0.06 leaves 0.40/0.00
        cancelled o3 0.40 UNFILLED
        ",
    );
}

#[test]
fn a_market_order_stops_at_its_protection_price() {
    // The trade at 91.0 moves the band to 82.0..100.0; the ask at 105.0 is beyond it.
    check(
        "
        sell u2 BTC-USD 1.00 @ 91.0
        sell u2 BTC-USD 1.00 @ 105.0
        buy u3 BTC-USD 1.00 @ 91.0
        buy u1 BTC-USD 2.00 market
        buy u1 BTC-USD 2.00 market fok
        ",
        "
        accepted o1 u2 sell BTC-USD 1.00 @ 91.0 GTC held 1.00
        accepted o2 u2 sell BTC-USD 1.00 @ 105.0 GTC held 1.00
        accepted o3 u3 buy BTC-USD 1.00 @ 91.0 GTC held 91.19
        trade t1 1.00 @ 91.0 buy o3 took o1 u2 fees 0.18/0.09 leaves 0.00/0.00
        accepted o4 u1 buy BTC-USD 2.00 market IOC held 200.40
        cancelled o4 2.00 PRICE_PROTECTION
        rejected Place FOK_NOT_FILLABLE
        ",
    );
}

#[test]
fn a_market_order_needs_a_reference_price() {
    check(
        "
        buy u1 ETH-USD 1.00 market
        sell u2 ETH-USD 1.00 @ 10.0
        buy u3 ETH-USD 0.50 @ 10.0
        buy u1 ETH-USD 0.20 market
        buy u1 BTC-USD 1.00 market gtc
        ",
        "
        rejected Place NO_REFERENCE_PRICE
        accepted o1 u2 sell ETH-USD 1.00 @ 10.0 GTC held 1.00
        accepted o2 u3 buy ETH-USD 0.50 @ 10.0 GTC held 5.01
        trade t1 0.50 @ 10.0 buy o2 took o1 u2 fees 0.00/0.00 leaves 0.00/0.50
        accepted o3 u1 buy ETH-USD 0.20 market IOC held 2.41
        trade t2 0.20 @ 10.0 buy o3 took o1 u2 fees 0.00/0.00 leaves 0.00/0.30
        rejected Place INVALID_TIME_IN_FORCE
        ",
    );
}

#[test]
fn a_budget_buy_spends_at_most_its_budget_including_fees() {
    // At 100.0, 50.00 buys 0.49 (49.00 + fee 0.09); 0.50 would cost 50.10.
    check(
        "
        sell u2 BTC-USD 1.00 @ 100.0
        buy u1 BTC-USD budget 50.00
        ? u1
        ",
        "
        accepted o1 u2 sell BTC-USD 1.00 @ 100.0 GTC held 1.00
        accepted o2 u1 buy BTC-USD budget 50.00 IOC held 50.00
        trade t1 0.49 @ 100.0 buy o2 took o1 u2 fees 0.09/0.04 leaves 0.00/0.51
        cancelled o2 0.00 BUDGET_EXHAUSTED
        u1 USD 9950.91 held 0.00
        u1 BTC 100.49 held 0.00
        u1 ETH 100.00 held 0.00
        ",
    );
}

#[test]
fn a_budget_buy_walks_levels() {
    // 20.04 at 100.0 leaves 29.96; at 101.0 that buys 0.29 (29.29 + 0.05).
    check(
        "
        sell u2 BTC-USD 0.20 @ 100.0
        sell u3 BTC-USD 1.00 @ 101.0
        buy u1 BTC-USD budget 50.00
        buy u1 BTC-USD budget 10.00
        sell u1 BTC-USD budget 10.00
        ? u1
        ",
        "
        accepted o1 u2 sell BTC-USD 0.20 @ 100.0 GTC held 0.20
        accepted o2 u3 sell BTC-USD 1.00 @ 101.0 GTC held 1.00
        accepted o3 u1 buy BTC-USD budget 50.00 IOC held 50.00
        trade t1 0.20 @ 100.0 buy o3 took o1 u2 fees 0.04/0.02 leaves 0.00/0.00
        trade t2 0.29 @ 101.0 buy o3 took o2 u3 fees 0.05/0.02 leaves 0.00/0.71
        cancelled o3 0.00 BUDGET_EXHAUSTED
        accepted o4 u1 buy BTC-USD budget 10.00 IOC held 10.00
        trade t3 0.09 @ 101.0 buy o4 took o2 u3 fees 0.01/0.00 leaves 0.00/0.62
        cancelled o4 0.00 BUDGET_EXHAUSTED
        rejected Place INVALID_ORDER
        u1 USD 9941.52 held 0.00
        u1 BTC 100.58 held 0.00
        u1 ETH 100.00 held 0.00
        ",
    );
}

// ------------------------------------------------------------------ self-trade prevention

#[test]
fn stp_cancel_newest_cancels_the_incoming_order() {
    check(
        "
        sell u1 BTC-USD 1.00 @ 100.0
        buy u1 BTC-USD 1.00 @ 100.0
        ",
        "
        accepted o1 u1 sell BTC-USD 1.00 @ 100.0 GTC held 1.00
        accepted o2 u1 buy BTC-USD 1.00 @ 100.0 GTC held 100.20
        cancelled o2 1.00 SELF_TRADE
        ",
    );
}

#[test]
fn stp_cancel_newest_after_a_partial_fill() {
    check(
        "
        sell u2 BTC-USD 0.50 @ 99.0
        sell u1 BTC-USD 1.00 @ 100.0
        buy u1 BTC-USD 1.00 @ 100.0
        ",
        "
        accepted o1 u2 sell BTC-USD 0.50 @ 99.0 GTC held 0.50
        accepted o2 u1 sell BTC-USD 1.00 @ 100.0 GTC held 1.00
        accepted o3 u1 buy BTC-USD 1.00 @ 100.0 GTC held 100.20
        trade t1 0.50 @ 99.0 buy o3 took o1 u2 fees 0.09/0.04 leaves 0.50/0.00
        cancelled o3 0.50 SELF_TRADE
        ",
    );
}

#[test]
fn stp_cancel_oldest_cancels_the_resting_order_and_goes_on() {
    check(
        "
        sell u1 BTC-USD 1.00 @ 100.0
        sell u2 BTC-USD 1.00 @ 100.0
        buy u1 BTC-USD 2.00 @ 100.0 stp=oldest
        ? u1
        ",
        "
        accepted o1 u1 sell BTC-USD 1.00 @ 100.0 GTC held 1.00
        accepted o2 u2 sell BTC-USD 1.00 @ 100.0 GTC held 1.00
        accepted o3 u1 buy BTC-USD 2.00 @ 100.0 GTC held 200.40
        cancelled o1 1.00 SELF_TRADE
        trade t1 1.00 @ 100.0 buy o3 took o2 u2 fees 0.20/0.10 leaves 1.00/0.00
        u1 USD 9799.60 held 100.20
        u1 BTC 101.00 held 0.00
        u1 ETH 100.00 held 0.00
        ",
    );
}

#[test]
fn stp_cancel_both_cancels_both() {
    check(
        "
        sell u1 BTC-USD 1.00 @ 100.0
        buy u1 BTC-USD 1.00 @ 100.0 stp=both
        ? u1
        ",
        "
        accepted o1 u1 sell BTC-USD 1.00 @ 100.0 GTC held 1.00
        accepted o2 u1 buy BTC-USD 1.00 @ 100.0 GTC held 100.20
        cancelled o1 1.00 SELF_TRADE
        cancelled o2 1.00 SELF_TRADE
        u1 USD 10000.00 held 0.00
        u1 BTC 100.00 held 0.00
        u1 ETH 100.00 held 0.00
        ",
    );
}

// ------------------------------------------------------------------ amend

#[test]
fn amending_quantity_down_keeps_priority() {
    check(
        "
        buy u1 BTC-USD 1.00 @ 99.0
        buy u2 BTC-USD 1.00 @ 99.0
        amend u1 o1 qty=0.50
        sell u3 BTC-USD 0.50 @ 99.0
        ",
        "
        accepted o1 u1 buy BTC-USD 1.00 @ 99.0 GTC held 99.20
        accepted o2 u2 buy BTC-USD 1.00 @ 99.0 GTC held 99.20
        amended o1 0.50 @ 99.0 kept held 49.60
        accepted o3 u3 sell BTC-USD 0.50 @ 99.0 GTC held 0.50
        trade t1 0.50 @ 99.0 sell o3 took o1 u1 fees 0.09/0.04 leaves 0.00/0.00
        ",
    );
}

#[test]
fn amending_quantity_up_loses_priority() {
    check(
        "
        buy u1 BTC-USD 1.00 @ 99.0
        buy u2 BTC-USD 1.00 @ 99.0
        amend u1 o1 qty=2.00
        sell u3 BTC-USD 0.50 @ 99.0
        ",
        "
        accepted o1 u1 buy BTC-USD 1.00 @ 99.0 GTC held 99.20
        accepted o2 u2 buy BTC-USD 1.00 @ 99.0 GTC held 99.20
        amended o1 2.00 @ 99.0 requeued held 198.40
        accepted o3 u3 sell BTC-USD 0.50 @ 99.0 GTC held 0.50
        trade t1 0.50 @ 99.0 sell o3 took o2 u2 fees 0.09/0.04 leaves 0.00/0.50
        ",
    );
}

#[test]
fn amending_the_price_loses_priority_even_when_it_comes_back() {
    check(
        "
        buy u1 BTC-USD 1.00 @ 99.0
        buy u2 BTC-USD 1.00 @ 99.0
        amend u1 o1 price=98.0
        amend u1 o1 price=99.0
        sell u3 BTC-USD 0.50 @ 99.0
        ",
        "
        accepted o1 u1 buy BTC-USD 1.00 @ 99.0 GTC held 99.20
        accepted o2 u2 buy BTC-USD 1.00 @ 99.0 GTC held 99.20
        amended o1 1.00 @ 98.0 requeued held 98.20
        amended o1 1.00 @ 99.0 requeued held 99.20
        accepted o3 u3 sell BTC-USD 0.50 @ 99.0 GTC held 0.50
        trade t1 0.50 @ 99.0 sell o3 took o2 u2 fees 0.09/0.04 leaves 0.00/0.50
        ",
    );
}

#[test]
fn amending_to_a_crossing_price_trades() {
    check(
        "
        sell u2 BTC-USD 0.50 @ 100.0
        buy u1 BTC-USD 1.00 @ 99.0
        amend u1 o2 price=100.0
        ? u1
        sell u3 BTC-USD 0.50 @ 100.0
        cancel u1 o2
        ",
        "
        accepted o1 u2 sell BTC-USD 0.50 @ 100.0 GTC held 0.50
        accepted o2 u1 buy BTC-USD 1.00 @ 99.0 GTC held 99.20
        amended o2 1.00 @ 100.0 requeued held 100.20
        trade t1 0.50 @ 100.0 buy o2 took o1 u2 fees 0.10/0.05 leaves 0.50/0.00
        u1 USD 9899.80 held 50.10
        u1 BTC 100.50 held 0.00
        u1 ETH 100.00 held 0.00
        accepted o3 u3 sell BTC-USD 0.50 @ 100.0 GTC held 0.50
        trade t2 0.50 @ 100.0 sell o3 took o2 u1 fees 0.10/0.05 leaves 0.00/0.00
        rejected Cancel UNKNOWN_ORDER o2
        ",
    );
}

#[test]
fn amending_a_post_only_order_across_the_book_is_refused() {
    check(
        "
        sell u2 BTC-USD 1.00 @ 100.0
        buy u1 BTC-USD 1.00 @ 99.0 post
        amend u1 o2 price=100.0
        amend u1 o2 price=98.0
        ",
        "
        accepted o1 u2 sell BTC-USD 1.00 @ 100.0 GTC held 1.00
        accepted o2 u1 buy BTC-USD 1.00 @ 99.0 GTC post held 99.20
        rejected Amend POST_ONLY_WOULD_TAKE o2
        amended o2 1.00 @ 98.0 requeued held 98.20
        ",
    );
}

#[test]
fn amend_checks_funds_rules_and_ownership() {
    check(
        "
        deposit u4 USD 100
        buy u4 BTC-USD 0.50 @ 99.0 id=k
        amend u4 id=k qty=1.00
        amend u4 o1 qty=2.00
        amend u4 o1 price=111.0
        amend u4 o1 price=99.5
        amend u4 o1 qty=0
        amend u4 o1
        amend u1 o1 qty=0.10
        amend u4 o9 qty=0.10
        sell u4 BTC-USD 1.00 @ 100.0
        ",
        "
        x1000010 deposit u4 100.00 USD posted
        accepted o1 u4 buy BTC-USD 0.50 @ 99.0 GTC id=k held 49.60
        amended o1 1.00 @ 99.0 requeued held 99.20
        rejected Amend INSUFFICIENT_FUNDS o1
        rejected Amend PRICE_OUT_OF_BAND o1
        rejected Amend INVALID_TICK o1
        rejected Amend INVALID_QUANTITY o1
        rejected Amend INVALID_AMEND o1
        rejected Amend NOT_OWNER o1
        rejected Amend UNKNOWN_ORDER o9
        rejected Place INSUFFICIENT_FUNDS
        ",
    );
}

#[test]
fn amending_a_sell_changes_the_base_hold() {
    check(
        "
        sell u2 BTC-USD 1.00 @ 101.0
        amend u2 o1 qty=3.00
        amend u2 o1 qty=0.25
        ? u2
        ",
        "
        accepted o1 u2 sell BTC-USD 1.00 @ 101.0 GTC held 1.00
        amended o1 3.00 @ 101.0 requeued held 3.00
        amended o1 0.25 @ 101.0 kept held 0.25
        u2 USD 10000.00 held 0.00
        u2 BTC 99.75 held 0.25
        u2 ETH 100.00 held 0.00
        ",
    );
}

// ------------------------------------------------------------------ cancel

#[test]
fn cancel_by_id_or_client_id_releases_the_hold() {
    check(
        "
        buy u1 BTC-USD 1.00 @ 99.0 id=a1
        buy u1 BTC-USD 1.00 @ 98.0
        cancel u1 id=a1
        cancel u1 o2
        cancel u1 o1
        cancel u1 id=nope
        ? u1
        ",
        "
        accepted o1 u1 buy BTC-USD 1.00 @ 99.0 GTC id=a1 held 99.20
        accepted o2 u1 buy BTC-USD 1.00 @ 98.0 GTC held 98.20
        cancelled o1 1.00 REQUESTED
        cancelled o2 1.00 REQUESTED
        rejected Cancel UNKNOWN_ORDER o1
        rejected Cancel UNKNOWN_ORDER
        u1 USD 10000.00 held 0.00
        u1 BTC 100.00 held 0.00
        u1 ETH 100.00 held 0.00
        ",
    );
}

#[test]
fn only_the_owner_may_cancel() {
    check(
        "
        buy u1 BTC-USD 1.00 @ 99.0
        cancel u2 o1
        cancel u9 o1
        ",
        "
        accepted o1 u1 buy BTC-USD 1.00 @ 99.0 GTC held 99.20
        rejected Cancel NOT_OWNER o1
        rejected Cancel UNKNOWN_ACCOUNT o1
        ",
    );
}

#[test]
fn cancel_all_by_owner_instrument_or_everything() {
    check(
        "
        buy u1 BTC-USD 1.00 @ 99.0
        sell u1 ETH-USD 1.00 @ 10.0
        buy u2 BTC-USD 1.00 @ 98.0
        buy u1 BTC-USD 1.00 @ 97.0
        cancel-all u1 BTC-USD
        cancel-all u1
        cancel-all *
        cancel-all u9
        ",
        "
        accepted o1 u1 buy BTC-USD 1.00 @ 99.0 GTC held 99.20
        accepted o2 u1 sell ETH-USD 1.00 @ 10.0 GTC held 1.00
        accepted o3 u2 buy BTC-USD 1.00 @ 98.0 GTC held 98.20
        accepted o4 u1 buy BTC-USD 1.00 @ 97.0 GTC held 97.20
        cancelled o1 1.00 REQUESTED
        cancelled o4 1.00 REQUESTED
        cancelled o2 1.00 REQUESTED
        cancelled o3 1.00 ADMIN
        rejected CancelAll UNKNOWN_ACCOUNT
        ",
    );
}

#[test]
fn cancel_all_on_one_instrument_for_everyone() {
    check(
        "
        buy u1 BTC-USD 1.00 @ 99.0
        sell u2 BTC-USD 1.00 @ 101.0
        sell u1 ETH-USD 1.00 @ 10.0
        buy u3 BTC-USD 1.00 @ 99.0
        cancel-all * BTC-USD
        ",
        "
        accepted o1 u1 buy BTC-USD 1.00 @ 99.0 GTC held 99.20
        accepted o2 u2 sell BTC-USD 1.00 @ 101.0 GTC held 1.00
        accepted o3 u1 sell ETH-USD 1.00 @ 10.0 GTC held 1.00
        accepted o4 u3 buy BTC-USD 1.00 @ 99.0 GTC held 99.20
        cancelled o1 1.00 ADMIN
        cancelled o4 1.00 ADMIN
        cancelled o2 1.00 ADMIN
        ",
    );
}

// ------------------------------------------------------------------ client order ids

#[test]
fn client_order_ids_are_unique_per_owner_and_remembered_after_the_order_ends() {
    check(
        "
        buy u1 BTC-USD 1.00 @ 99.0 id=a
        buy u1 BTC-USD 1.00 @ 98.0 id=a
        buy u2 BTC-USD 1.00 @ 98.0 id=a
        cancel u1 id=a
        buy u1 BTC-USD 1.00 @ 97.0 id=a
        ",
        "
        accepted o1 u1 buy BTC-USD 1.00 @ 99.0 GTC id=a held 99.20
        rejected Place DUPLICATE_CLIENT_ORDER_ID o1
        accepted o2 u2 buy BTC-USD 1.00 @ 98.0 GTC id=a held 98.20
        cancelled o1 1.00 REQUESTED
        rejected Place DUPLICATE_CLIENT_ORDER_ID o1
        ",
    );
}

#[test]
fn ended_client_order_ids_are_forgotten_beyond_the_retention_limit() {
    check(
        "
        limits client_ids=1
        buy u1 BTC-USD 1.00 @ 99.0 id=a
        cancel u1 id=a
        buy u1 BTC-USD 1.00 @ 99.0 id=a
        buy u1 BTC-USD 1.00 @ 98.0 id=b
        cancel u1 o2
        buy u1 BTC-USD 1.00 @ 97.0 id=a
        ",
        "
        limits changed
        accepted o1 u1 buy BTC-USD 1.00 @ 99.0 GTC id=a held 99.20
        cancelled o1 1.00 REQUESTED
        rejected Place DUPLICATE_CLIENT_ORDER_ID o1
        accepted o2 u1 buy BTC-USD 1.00 @ 98.0 GTC id=b held 98.20
        cancelled o2 1.00 REQUESTED
        accepted o3 u1 buy BTC-USD 1.00 @ 97.0 GTC id=a held 97.20
        ",
    );
}

// ------------------------------------------------------------------ risk

#[test]
fn limit_prices_stay_in_the_band_around_the_reference() {
    // The trade at 105.0 moves the band to 95.0..115.0.
    check(
        "
        buy u1 BTC-USD 1.00 @ 111.0
        buy u1 BTC-USD 1.00 @ 89.0
        sell u2 BTC-USD 1.00 @ 105.0
        buy u1 BTC-USD 1.00 @ 105.0
        buy u1 BTC-USD 1.00 @ 116.0
        buy u1 BTC-USD 1.00 @ 94.0
        buy u1 BTC-USD 1.00 @ 95.0
        ",
        "
        rejected Place PRICE_OUT_OF_BAND
        rejected Place PRICE_OUT_OF_BAND
        accepted o1 u2 sell BTC-USD 1.00 @ 105.0 GTC held 1.00
        accepted o2 u1 buy BTC-USD 1.00 @ 105.0 GTC held 105.21
        trade t1 1.00 @ 105.0 buy o2 took o1 u2 fees 0.21/0.10 leaves 0.00/0.00
        rejected Place PRICE_OUT_OF_BAND
        rejected Place PRICE_OUT_OF_BAND
        accepted o3 u1 buy BTC-USD 1.00 @ 95.0 GTC held 95.19
        ",
    );
}

#[test]
fn orders_need_the_funds_they_hold() {
    check(
        "
        deposit u4 USD 100
        buy u4 BTC-USD 1.00 @ 100.0
        buy u4 BTC-USD 0.99 @ 100.0
        sell u4 BTC-USD 0.01 @ 100.0
        withdraw u4 USD 1
        ",
        "
        x1000010 deposit u4 100.00 USD posted
        rejected Place INSUFFICIENT_FUNDS
        accepted o1 u4 buy BTC-USD 0.99 @ 100.0 GTC held 99.20
        rejected Place INSUFFICIENT_FUNDS
        rejected Withdraw INSUFFICIENT_FUNDS
        ",
    );
}

#[test]
fn quantities_and_prices_follow_the_instrument_rules() {
    check(
        "
        buy u1 BTC-USD 1.00 @ 100.5
        buy u1 BTC-USD 1.00 @ 0
        buy u1 BTC-USD 0 @ 100.0
        buy u1 BTC-USD 0.01 @ 99.0
        buy u1 BTC-USD 1000.01 @ 99.0
        buy u1 ETH-USD 0.15 @ 10.0
        buy u1 ETH-USD 0.10 @ 10.0
        buy u1 ETH-USD 1000.00 @ 1000000000000000000.0
        buy u1 ETH-USD 0.20 @ 10.0
        ",
        "
        rejected Place INVALID_TICK
        rejected Place INVALID_PRICE
        rejected Place INVALID_QUANTITY
        rejected Place NOTIONAL_BELOW_MIN
        rejected Place QUANTITY_ABOVE_MAX
        rejected Place INVALID_LOT
        rejected Place QUANTITY_BELOW_MIN
        rejected Place AMOUNT_OVERFLOW
        accepted o1 u1 buy ETH-USD 0.20 @ 10.0 GTC held 2.01
        ",
    );
}

#[test]
fn open_order_limits_apply_to_resting_orders() {
    check(
        "
        limits open_per_owner=1
        buy u1 BTC-USD 1.00 @ 99.0
        buy u1 BTC-USD 1.00 @ 98.0
        buy u1 BTC-USD 1.00 @ 98.0 ioc
        limits open_per_owner=5 open=2
        buy u2 BTC-USD 1.00 @ 98.0
        buy u3 BTC-USD 1.00 @ 97.0
        ",
        "
        limits changed
        accepted o1 u1 buy BTC-USD 1.00 @ 99.0 GTC held 99.20
        rejected Place TOO_MANY_OPEN_ORDERS
        accepted o2 u1 buy BTC-USD 1.00 @ 98.0 IOC held 98.20
        cancelled o2 1.00 UNFILLED
        limits changed
        accepted o3 u2 buy BTC-USD 1.00 @ 98.0 GTC held 98.20
        rejected Place CAPACITY_EXCEEDED
        ",
    );
}

#[test]
fn halted_instruments_take_only_cancels_and_closing_cancels_everything() {
    check(
        "
        buy u1 BTC-USD 1.00 @ 99.0
        buy u2 BTC-USD 1.00 @ 98.0
        status BTC-USD halted
        buy u1 BTC-USD 1.00 @ 99.0
        amend u1 o1 qty=0.50
        cancel u1 o1
        status BTC-USD closed
        buy u1 BTC-USD 1.00 @ 99.0
        status BTC-USD trading
        buy u1 BTC-USD 1.00 @ 99.0
        ",
        "
        accepted o1 u1 buy BTC-USD 1.00 @ 99.0 GTC held 99.20
        accepted o2 u2 buy BTC-USD 1.00 @ 98.0 GTC held 98.20
        status BTC-USD halted
        rejected Place INSTRUMENT_HALTED
        rejected Amend INSTRUMENT_HALTED o1
        cancelled o1 1.00 REQUESTED
        cancelled o2 1.00 ADMIN
        status BTC-USD closed
        rejected Place INSTRUMENT_CLOSED
        status BTC-USD trading
        accepted o3 u1 buy BTC-USD 1.00 @ 99.0 GTC held 99.20
        ",
    );
}

#[test]
fn halted_accounts_may_only_cancel() {
    check(
        "
        buy u1 BTC-USD 1.00 @ 99.0
        halt u1
        buy u1 BTC-USD 1.00 @ 98.0
        amend u1 o1 qty=0.50
        withdraw u1 USD 1
        cancel u1 o1
        resume u1
        buy u1 BTC-USD 1.00 @ 98.0
        ",
        "
        accepted o1 u1 buy BTC-USD 1.00 @ 99.0 GTC held 99.20
        u1 halted
        rejected Place ACCOUNT_HALTED
        rejected Amend ACCOUNT_HALTED o1
        rejected Withdraw ACCOUNT_HALTED
        cancelled o1 1.00 REQUESTED
        u1 resumed
        accepted o2 u1 buy BTC-USD 1.00 @ 98.0 GTC held 98.20
        ",
    );
}

// ------------------------------------------------------------------ deposits and withdrawals

#[test]
fn two_phase_deposits_and_withdrawals() {
    check_from(
        "",
        "
        deposit u4 USD 100 x1
        deposit u4 USD 50 pending x2
        ? u4
        post x2 30
        ? u4
        withdraw u4 USD 20 pending x3
        ? u4
        void x3
        withdraw u4 USD 200 x4
        withdraw u4 USD 130 x5
        ? u4
        post x2
        deposit u4 USD 10 x3
        post x6 0
        deposit u4 USD 0 x7
        ",
        "
        x1 deposit u4 100.00 USD posted
        x2 deposit u4 50.00 USD pending
        u4 USD 100.00 held 0.00
        x2 deposit u4 30.00 USD posted
        u4 USD 130.00 held 0.00
        x3 withdrawal u4 20.00 USD pending
        u4 USD 110.00 held 20.00
        x3 withdrawal u4 20.00 USD voided
        rejected Withdraw INSUFFICIENT_FUNDS
        x5 withdrawal u4 130.00 USD posted
        u4 USD 0.00 held 0.00
        rejected PostTransfer UNKNOWN_TRANSFER
        rejected Deposit DUPLICATE_TRANSFER_ID
        rejected PostTransfer UNKNOWN_TRANSFER
        rejected Deposit INVALID_AMOUNT
        ",
    );
}

#[test]
fn internal_transfers_move_available_funds_between_owners() {
    check_from(
        "",
        "
        deposit u4 USD 100 x1
        move u4 u5 USD 30 x2
        ? u4
        ? u5
        move u5 u4 USD 31 x3
        move u4 u4 USD 1 x4
        move u4 u5 USD 1 x2
        move u6 u4 USD 1 x5
        move u4 u5 USD 0 x6
        withdraw u4 USD 50 pending x9
        move u4 u5 USD 50 x7
        move u4 u5 USD 20 x8
        ? u4
        ? u5
        ",
        "
        x1 deposit u4 100.00 USD posted
        x2 moved 30.00 USD from u4 to u5
        u4 USD 70.00 held 0.00
        u5 USD 30.00 held 0.00
        rejected Transfer INSUFFICIENT_FUNDS
        rejected Transfer SAME_ACCOUNT
        rejected Transfer DUPLICATE_TRANSFER_ID
        rejected Transfer UNKNOWN_ACCOUNT
        rejected Transfer INVALID_AMOUNT
        x9 withdrawal u4 50.00 USD pending
        rejected Transfer INSUFFICIENT_FUNDS
        x8 moved 20.00 USD from u4 to u5
        u4 USD 0.00 held 50.00
        u5 USD 50.00 held 0.00
        ",
    );
}

#[test]
fn posting_more_than_pending_is_refused() {
    check_from(
        "",
        "
        deposit u4 USD 50 pending x2
        post x2 60
        post x2 50
        ",
        "
        x2 deposit u4 50.00 USD pending
        rejected PostTransfer INVALID_AMOUNT
        x2 deposit u4 50.00 USD posted
        ",
    );
}

#[test]
fn accounts_open_once_and_only_for_users() {
    check(
        "
        open u4
        open u4
        open u18446744073709551615
        limits owners=4
        open u5
        deposit u6 USD 1
        ",
        "
        opened u4
        rejected OpenAccount ACCOUNT_EXISTS
        rejected OpenAccount RESERVED_ACCOUNT
        limits changed
        rejected OpenAccount CAPACITY_EXCEEDED
        rejected Deposit CAPACITY_EXCEEDED
        ",
    );
}

// ------------------------------------------------------------------ codes and balances

/// One case per rejection code; the list must cover every code there is.
#[test]
fn every_reject_code_is_reachable() {
    let cases: &[(&str, RejectCode)] = &[
        ("buy u4 BTC-USD 1.00 @ 100.0", RejectCode::UnknownAccount),
        (
            "buy u1 BTC-USD 1000.00 @ 100.0",
            RejectCode::InsufficientFunds,
        ),
        ("buy u1 BTC-USD 1.00 @ 111.0", RejectCode::PriceOutOfBand),
        ("buy u1 BTC-USD 1.00 @ 100.5", RejectCode::InvalidTick),
        ("buy u1 ETH-USD 0.25 @ 10.0", RejectCode::InvalidLot),
        ("buy u1 BTC-USD 1.00 @ 0", RejectCode::InvalidPrice),
        ("buy u1 BTC-USD 0 @ 100.0", RejectCode::InvalidQuantity),
        ("deposit u1 USD 0", RejectCode::InvalidAmount),
        ("buy u1 ETH-USD 0.10 @ 10.0", RejectCode::QuantityBelowMin),
        (
            "buy u1 BTC-USD 1000.01 @ 100.0",
            RejectCode::QuantityAboveMax,
        ),
        ("buy u1 BTC-USD 0.01 @ 99.0", RejectCode::NotionalBelowMin),
        ("buy u1 ETH-USD 1.00 market", RejectCode::NoReferencePrice),
        (
            "sell u2 BTC-USD 1.00 @ 100.0\nbuy u1 BTC-USD 1.00 @ 100.0 post",
            RejectCode::PostOnlyWouldTake,
        ),
        (
            "buy u1 BTC-USD 1.00 @ 100.0 fok",
            RejectCode::FokNotFillable,
        ),
        (
            "buy u1 BTC-USD 1.00 market gtc",
            RejectCode::InvalidTimeInForce,
        ),
        (
            "buy u1 BTC-USD 1.00 @ 100.0 expire=9",
            RejectCode::InvalidExpiry,
        ),
        ("sell u1 BTC-USD budget 10.00", RejectCode::InvalidOrder),
        (
            "buy u1 BTC-USD 1.00 @ 99.0\namend u1 o1",
            RejectCode::InvalidAmend,
        ),
        (
            "buy u1 BTC-USD 1.00 @ 99.0 id=z\nbuy u1 BTC-USD 1.00 @ 99.0 id=z",
            RejectCode::DuplicateClientOrderId,
        ),
        ("cancel u1 o7", RejectCode::UnknownOrder),
        (
            "buy u1 BTC-USD 1.00 @ 99.0\ncancel u2 o1",
            RejectCode::NotOwner,
        ),
        (
            "halt u1\nbuy u1 BTC-USD 1.00 @ 99.0",
            RejectCode::AccountHalted,
        ),
        ("open u1", RejectCode::AccountExists),
        ("open u18446744073709551614", RejectCode::ReservedAccount),
        (
            "status BTC-USD halted\nbuy u1 BTC-USD 1.00 @ 99.0",
            RejectCode::InstrumentHalted,
        ),
        (
            "status BTC-USD closed\nbuy u1 BTC-USD 1.00 @ 99.0",
            RejectCode::InstrumentClosed,
        ),
        (
            "limits open_per_owner=1\nbuy u1 BTC-USD 1.00 @ 99.0\nbuy u1 BTC-USD 1.00 @ 98.0",
            RejectCode::TooManyOpenOrders,
        ),
        ("limits owners=3\nopen u4", RejectCode::CapacityExceeded),
        (
            "buy u1 ETH-USD 1000.00 @ 1000000000000000000.0",
            RejectCode::AmountOverflow,
        ),
        (
            "deposit u1 USD 1 x5\ndeposit u1 USD 1 x5",
            RejectCode::DuplicateTransferId,
        ),
        ("void x5", RejectCode::UnknownTransfer),
        (
            "risk u1 position BTC-USD 100.50\nbuy u1 BTC-USD 1.00 @ 100.0",
            RejectCode::PositionLimit,
        ),
        (
            "risk u1 order_notional USD 10.00\nbuy u1 BTC-USD 1.00 @ 100.0",
            RejectCode::OrderNotionalLimit,
        ),
        (
            "risk u1 open_notional USD 150.00\nbuy u1 BTC-USD 1.00 @ 100.0\nbuy u1 BTC-USD 1.00 @ 100.0",
            RejectCode::OpenNotionalLimit,
        ),
        (
            "risk u1 open_orders 1\nbuy u1 BTC-USD 1.00 @ 100.0\nbuy u1 BTC-USD 1.00 @ 100.0",
            RejectCode::OpenOrdersLimit,
        ),
        (
            "risk u1 daily_loss USD 10.00\nbuy u2 BTC-USD 1.00 @ 99.0\nsell u3 BTC-USD 1.00 @ 99.0\nbuy u1 BTC-USD 1.00 @ 99.0",
            RejectCode::DailyLossLimit,
        ),
        ("buy u1 BTC-USD 1.00 @ 99.0 reduce", RejectCode::ReduceOnly),
        (
            "kill venue\nbuy u1 BTC-USD 1.00 @ 99.0",
            RejectCode::VenueHalted,
        ),
        (
            "sell u1 BTC-USD 1.00 market stop=95.5",
            RejectCode::InvalidTrigger,
        ),
        (
            "sell u1 BTC-USD 1.00 market stop=101.0",
            RejectCode::TriggerWouldFire,
        ),
        (
            "oco sell u1 BTC-USD 1.00 @ 110.0 | sell u1 BTC-USD 1.00 @ 111.0",
            RejectCode::InvalidOco,
        ),
        (
            "buy u1 BTC-USD 1.00 @ 99.0\nupdate BTC-USD tick=2.0",
            RejectCode::WouldStrandOrders,
        ),
        ("move u1 u1 USD 1", RejectCode::SameAccount),
    ];
    let mut covered = Vec::new();
    for (script, code) in cases {
        let mut venue = Venue::new();
        venue.setup(FUNDED);
        let lines = venue.run(script);
        let last = lines.last().map(String::as_str).unwrap_or("");
        assert!(
            last.contains(code.code()),
            "{script:?} ended with {last:?}, not {}",
            code.code()
        );
        covered.push(*code);
    }

    // Codes that need commands the script language does not speak.
    let mut venue = Venue::new();
    let usd = AssetSpec {
        code: AssetCode::new("USD").unwrap(),
        scale: 2,
    };
    let raw_cases: Vec<(Command, RejectCode)> = vec![
        (Command::ListAsset(usd), RejectCode::DuplicateAsset),
        (
            Command::ListAsset(AssetSpec {
                code: AssetCode::new("XYZ").unwrap(),
                scale: 19,
            }),
            RejectCode::InvalidSpec,
        ),
        (
            Command::ListInstrument(btc_usd_spec()),
            RejectCode::DuplicateInstrument,
        ),
        (
            Command::ListInstrument(bourse_types::InstrumentSpec {
                base: AssetId(9),
                ..btc_usd_spec()
            }),
            RejectCode::UnknownAsset,
        ),
        (
            Command::CancelAll {
                owner: None,
                instrument: Some(InstrumentId(7)),
            },
            RejectCode::UnknownInstrument,
        ),
    ];
    for (command, code) in raw_cases {
        let events = venue.apply(command.clone());
        assert!(
            matches!(events.as_slice(), [Event::Rejected(r)] if r.code == code),
            "{command:?} gave {events:?}"
        );
        covered.push(code);
    }
    let missing: Vec<&str> = RejectCode::ALL
        .iter()
        .filter(|code| !covered.contains(code))
        .map(|code| code.code())
        .collect();
    assert!(missing.is_empty(), "no case for {missing:?}");
}

#[test]
fn balance_events_report_each_changed_account_once_per_command() {
    let mut venue = Venue::new();
    venue.setup(FUNDED);
    venue.run("sell u2 BTC-USD 0.50 @ 100.0\nsell u3 BTC-USD 0.50 @ 101.0");
    let events = venue.run_raw("buy u1 BTC-USD 1.00 @ 101.0");
    let balances: Vec<String> = events
        .iter()
        .filter(|e| matches!(e, Event::Balance { .. }))
        .map(|e| venue.render(e))
        .collect();
    assert_eq!(
        balances,
        [
            "balance u1 USD 9899.30 held 0.00",
            "balance u2 USD 10049.95 held 0.00",
            "balance u18446744073709551614 USD 0.30 held 0.00",
            "balance u2 BTC 99.50 held 0.00",
            "balance u1 BTC 101.00 held 0.00",
            "balance u3 USD 10050.45 held 0.00",
            "balance u3 BTC 99.50 held 0.00",
        ]
    );
    for event in &events {
        if let Event::Balance {
            owner,
            asset,
            available,
            held,
        } = event
        {
            let now = venue.engine.balance(*owner, *asset).unwrap();
            assert_eq!((now.available, now.held), (*available, *held));
        }
    }
}

#[test]
fn the_engine_refuses_a_command_out_of_sequence() {
    let mut venue = Venue::new();
    let seq = venue.engine.seq();
    let before = venue.engine.state_hash();
    let error = venue
        .engine
        .apply(seq + 2, bourse_types::Timestamp(5), &Command::Tick)
        .unwrap_err();
    assert_eq!((error.expected, error.got), (seq + 1, seq + 2));
    assert_eq!(venue.engine.state_hash(), before);
}

#[test]
fn deposits_cannot_push_supply_past_64_bits() {
    let mut venue = Venue::new();
    let deposit = |id: u64, amount: u64| {
        Command::Deposit(TransferRequest {
            id: TransferId(id),
            owner: OwnerId(1),
            asset: USD,
            amount: Amount::from_raw(amount),
            pending: false,
        })
    };
    venue.apply(deposit(1, u64::MAX - 10));
    let events = venue.apply(deposit(2, 11));
    assert!(matches!(&events[..], [Event::Rejected(r)] if r.code == RejectCode::AmountOverflow));
    let events = venue.apply(deposit(3, 10));
    assert!(matches!(events[0], Event::Transfer(_)));
    // A buy whose hold would not fit is refused, not wrapped.
    let order = NewOrder {
        owner: OwnerId(1),
        instrument: BTC_USD,
        side: Side::Buy,
        kind: OrderKind::Limit {
            price: Price::from_raw(1_000),
            qty: Qty::from_raw(100_000),
        },
        tif: TimeInForce::Gtc,
        post_only: false,
        stp: StpMode::CancelNewest,
        client_order_id: None,
        expire_at: None,
        reduce_only: false,
        conditions: None,
    };
    let events = venue.apply(Command::Place(order));
    assert!(matches!(events[0], Event::OrderAccepted(_)), "{events:?}");
}

/// The documented catalog lists every code the engine can give.
#[test]
fn every_reject_code_is_documented() {
    let catalog =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/errors.md"))
            .expect("docs/errors.md exists");
    let missing: Vec<&str> = RejectCode::ALL
        .iter()
        .map(|code| code.code())
        .filter(|code| !catalog.contains(&format!("`{code}`")))
        .collect();
    assert!(missing.is_empty(), "docs/errors.md lacks {missing:?}");
    for reason in bourse_types::CancelReason::ALL {
        assert!(
            catalog.contains(&format!("`{}`", reason.code())),
            "{reason:?} undocumented"
        );
    }
}
