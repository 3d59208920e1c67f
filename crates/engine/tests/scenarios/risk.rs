//! Scenarios: risk.

use super::*;

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
