//! Scenarios: amend.

use super::*;

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
