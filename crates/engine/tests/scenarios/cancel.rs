//! Scenarios: cancel.

use super::*;

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
