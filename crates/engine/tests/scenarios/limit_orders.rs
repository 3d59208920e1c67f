//! Scenarios: limit orders.

use super::*;

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
