//! Scenarios: time in force.

use super::*;

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
