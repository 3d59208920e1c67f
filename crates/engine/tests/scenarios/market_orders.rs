//! Scenarios: market orders.

use super::*;

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
