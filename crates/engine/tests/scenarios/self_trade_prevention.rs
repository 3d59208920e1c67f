//! Scenarios: self-trade prevention.

use super::*;

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
