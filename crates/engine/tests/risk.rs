//! Scenarios of risk in the engine: conditional orders (stop, take profit, trailing),
//! one-cancels-the-other pairs, brackets, positions, account limits, the daily loss
//! limit, DAY orders, halts and panics, and instrument rule changes. Each runs on a
//! funded venue (every user holds 10,000 USD, 100 BTC and 100 ETH; BTC-USD trades
//! around 100.0 with a 10% band, ticks of 1.0 and fees of 10/20 bps), and every one
//! also checks that a replay and a state round trip give the same state hash.

mod support;

use support::*;

#[test]
fn stop_market_sell_fires_on_a_trade_at_its_trigger() {
    check(
        "
        sell u1 BTC-USD 1.00 market stop=95.0
        buy u2 BTC-USD 1.00 @ 95.0
        sell u3 BTC-USD 0.10 @ 95.0
        ? u1
        pos u1
        ",
        "
        accepted o1 u1 sell BTC-USD 1.00 market IOC stop at 95.0 held 1.00
        accepted o2 u2 buy BTC-USD 1.00 @ 95.0 GTC held 95.19
        accepted o3 u3 sell BTC-USD 0.10 @ 95.0 GTC held 0.10
        trade t1 0.10 @ 95.0 sell o3 took o2 u2 fees 0.01/0.00 leaves 0.00/0.90
        triggered o1 at 95.0
        trade t2 0.90 @ 95.0 sell o1 took o2 u2 fees 0.17/0.08 leaves 0.10/0.00
        cancelled o1 0.10 UNFILLED
        u1 USD 10085.33 held 0.00
        u1 BTC 99.10 held 0.00
        u1 ETH 100.00 held 0.00
        u1 BTC-USD 99.10 cost 991000 realized -450 fees 17
        u1 ETH-USD 100.00 cost 0 realized 0 fees 0
        ",
    );
}

#[test]
fn several_triggers_in_one_command_fire_in_trigger_order() {
    check(
        "
        buy u1 BTC-USD 0.50 @ 106.0 stop=105.0
        sell u1 BTC-USD 0.50 @ 104.0 take=104.0
        buy u1 BTC-USD 0.20 market stop=103.0
        ? u1
        sell u2 BTC-USD 2.00 @ 107.0
        buy u3 BTC-USD 0.10 @ 107.0
        ? u1
        ",
        "
        accepted o1 u1 buy BTC-USD 0.50 @ 106.0 GTC stop at 105.0 held 53.11
        accepted o2 u1 sell BTC-USD 0.50 @ 104.0 GTC take at 104.0 held 0.50
        accepted o3 u1 buy BTC-USD 0.20 market IOC stop at 103.0 held 22.65
        u1 USD 9924.24 held 75.76
        u1 BTC 99.50 held 0.50
        u1 ETH 100.00 held 0.00
        accepted o4 u2 sell BTC-USD 2.00 @ 107.0 GTC held 2.00
        accepted o5 u3 buy BTC-USD 0.10 @ 107.0 GTC held 10.73
        trade t1 0.10 @ 107.0 buy o5 took o4 u2 fees 0.02/0.01 leaves 0.00/1.90
        triggered o3 at 107.0
        trade t2 0.20 @ 107.0 buy o3 took o4 u2 fees 0.04/0.02 leaves 0.00/1.70
        triggered o2 at 107.0
        triggered o1 at 107.0
        cancelled o1 0.50 SELF_TRADE
        u1 USD 9978.56 held 0.00
        u1 BTC 99.70 held 0.50
        u1 ETH 100.00 held 0.00
        ",
    );
}

#[test]
fn a_gap_through_the_trigger_sells_into_what_is_there() {
    check(
        "
        # gap: the price jumps through a stop; it sells into what is there
        sell u1 BTC-USD 1.00 market stop=97.0
        buy u2 BTC-USD 0.50 @ 93.0
        buy u2 BTC-USD 2.00 @ 92.0
        sell u3 BTC-USD 0.50 @ 93.0
        ",
        "
        accepted o1 u1 sell BTC-USD 1.00 market IOC stop at 97.0 held 1.00
        accepted o2 u2 buy BTC-USD 0.50 @ 93.0 GTC held 46.60
        accepted o3 u2 buy BTC-USD 2.00 @ 92.0 GTC held 184.37
        accepted o4 u3 sell BTC-USD 0.50 @ 93.0 GTC held 0.50
        trade t1 0.50 @ 93.0 sell o4 took o2 u2 fees 0.09/0.04 leaves 0.00/0.00
        triggered o1 at 93.0
        trade t2 1.00 @ 92.0 sell o1 took o3 u2 fees 0.18/0.09 leaves 0.00/1.00
        ",
    );
}

#[test]
fn a_trade_at_the_band_edge_fires_a_stop_buy_within_its_protection() {
    check(
        "
        # the band around 100.0 ends at 110.0; the stop buy pays at most 121.0 (110.0 plus the band)
        buy u1 BTC-USD 1.00 market stop=110.0
        sell u2 BTC-USD 1.10 @ 110.0
        buy u3 BTC-USD 0.10 @ 110.0
        ? u1
        ",
        "
        accepted o1 u1 buy BTC-USD 1.00 market IOC stop at 110.0 held 121.25
        accepted o2 u2 sell BTC-USD 1.10 @ 110.0 GTC held 1.10
        accepted o3 u3 buy BTC-USD 0.10 @ 110.0 GTC held 11.03
        trade t1 0.10 @ 110.0 buy o3 took o2 u2 fees 0.02/0.01 leaves 0.00/1.00
        triggered o1 at 110.0
        trade t2 1.00 @ 110.0 buy o1 took o2 u2 fees 0.22/0.11 leaves 0.00/0.00
        u1 USD 9889.78 held 0.00
        u1 BTC 101.00 held 0.00
        u1 ETH 100.00 held 0.00
        ",
    );
}

#[test]
fn a_triggered_order_that_is_refused_is_cancelled_with_its_code() {
    check(
        "
        risk u1 daily_loss USD 50.00
        buy u1 BTC-USD 1.00 market stop=102.0
        buy u2 BTC-USD 1.00 @ 99.0
        sell u3 BTC-USD 0.10 @ 99.0
        sell u3 BTC-USD 2.00 @ 102.0
        buy u2 BTC-USD 0.10 @ 102.0
        ? u1
        ",
        "
        risk limit u1 DailyLossMax { asset: AssetId(0), amount: Some(Amount(5000)) }
        accepted o1 u1 buy BTC-USD 1.00 market IOC stop at 102.0 held 112.23
        accepted o2 u2 buy BTC-USD 1.00 @ 99.0 GTC held 99.20
        accepted o3 u3 sell BTC-USD 0.10 @ 99.0 GTC held 0.10
        trade t1 0.10 @ 99.0 sell o3 took o2 u2 fees 0.01/0.00 leaves 0.00/0.90
        daily loss u1 USD pnl -10000 limit 5000
        accepted o4 u3 sell BTC-USD 2.00 @ 102.0 GTC held 2.00
        accepted o5 u2 buy BTC-USD 0.10 @ 102.0 GTC held 10.23
        trade t2 0.10 @ 102.0 buy o5 took o4 u3 fees 0.02/0.01 leaves 0.00/1.90
        triggered o1 at 102.0
        trigger refused o1 DAILY_LOSS_LIMIT
        cancelled o1 1.00 TRIGGER_REFUSED
        u1 USD 10000.00 held 0.00
        u1 BTC 100.00 held 0.00
        u1 ETH 100.00 held 0.00
        ",
    );
}

#[test]
fn triggers_already_met_and_invalid_triggers_are_refused() {
    check(
        "
        sell u1 BTC-USD 1.00 market stop=100.0
        sell u1 BTC-USD 1.00 market take=90.0
        buy u1 BTC-USD 1.00 market stop=99.0
        sell u1 BTC-USD 1.00 market stop=95.5
        buy u1 BTC-USD 1.00 @ 100.0 trail=5.0
        sell u1 BTC-USD 1.00 market trail=6000bps
        sell u1 BTC-USD 1.00 market trail=0.5
        buy u1 BTC-USD budget 100.00 stop=105.0
        sell u1 BTC-USD 1.00 market stop=95.0 day
        sell u1 BTC-USD 1.00 @ 96.0 stop=95.0 day
        ",
        "
        rejected Place TRIGGER_WOULD_FIRE
        rejected Place TRIGGER_WOULD_FIRE
        rejected Place TRIGGER_WOULD_FIRE
        rejected Place INVALID_TRIGGER
        rejected Place INVALID_TRIGGER
        rejected Place INVALID_TRIGGER
        rejected Place INVALID_TRIGGER
        rejected Place INVALID_ORDER
        rejected Place INVALID_TIME_IN_FORCE
        accepted o1 u1 sell BTC-USD 1.00 @ 96.0 DAY stop at 95.0 held 1.00
        ",
    );
}

#[test]
fn trailing_stops_follow_the_best_price_by_distance_and_bps() {
    check(
        "
        sell u1 BTC-USD 1.00 market trail=5.0
        sell u1 BTC-USD 1.00 market trail=300bps
        sell u2 BTC-USD 0.10 @ 104.0
        buy u3 BTC-USD 0.10 @ 104.0
        sell u2 BTC-USD 0.10 @ 101.0
        buy u3 BTC-USD 0.10 @ 101.0
        buy u3 BTC-USD 3.00 @ 99.0
        sell u2 BTC-USD 0.10 @ 99.0
        ",
        "
        accepted o1 u1 sell BTC-USD 1.00 market IOC trail at 95.0 held 1.00
        accepted o2 u1 sell BTC-USD 1.00 market IOC trail at 97.0 held 1.00
        accepted o3 u2 sell BTC-USD 0.10 @ 104.0 GTC held 0.10
        accepted o4 u3 buy BTC-USD 0.10 @ 104.0 GTC held 10.43
        trade t1 0.10 @ 104.0 buy o4 took o3 u2 fees 0.02/0.01 leaves 0.00/0.00
        trailing o1 now 99.0
        trailing o2 now 100.0
        accepted o5 u2 sell BTC-USD 0.10 @ 101.0 GTC held 0.10
        accepted o6 u3 buy BTC-USD 0.10 @ 101.0 GTC held 10.13
        trade t2 0.10 @ 101.0 buy o6 took o5 u2 fees 0.02/0.01 leaves 0.00/0.00
        accepted o7 u3 buy BTC-USD 3.00 @ 99.0 GTC held 297.60
        accepted o8 u2 sell BTC-USD 0.10 @ 99.0 GTC held 0.10
        trade t3 0.10 @ 99.0 sell o8 took o7 u3 fees 0.01/0.00 leaves 0.00/2.90
        triggered o2 at 99.0
        trade t4 1.00 @ 99.0 sell o2 took o7 u3 fees 0.19/0.09 leaves 0.00/1.90
        triggered o1 at 99.0
        trade t5 1.00 @ 99.0 sell o1 took o7 u3 fees 0.19/0.09 leaves 0.00/0.90
        ",
    );
}

#[test]
fn a_trailing_buy_stop_follows_the_lowest_price() {
    check(
        "
        buy u1 BTC-USD 1.00 market trail=4.0
        buy u3 BTC-USD 0.10 @ 97.0
        sell u2 BTC-USD 0.10 @ 97.0
        sell u2 BTC-USD 2.00 @ 101.0
        buy u3 BTC-USD 0.10 @ 101.0
        ? u1
        ",
        "
        accepted o1 u1 buy BTC-USD 1.00 market IOC trail at 104.0 held 114.23
        accepted o2 u3 buy BTC-USD 0.10 @ 97.0 GTC held 9.72
        accepted o3 u2 sell BTC-USD 0.10 @ 97.0 GTC held 0.10
        trade t1 0.10 @ 97.0 sell o3 took o2 u3 fees 0.01/0.00 leaves 0.00/0.00
        trailing o1 now 101.0
        accepted o4 u2 sell BTC-USD 2.00 @ 101.0 GTC held 2.00
        accepted o5 u3 buy BTC-USD 0.10 @ 101.0 GTC held 10.13
        trade t2 0.10 @ 101.0 buy o5 took o4 u2 fees 0.02/0.01 leaves 0.00/1.90
        triggered o1 at 101.0
        trade t3 1.00 @ 101.0 buy o1 took o4 u2 fees 0.20/0.10 leaves 0.00/0.90
        u1 USD 9898.80 held 0.00
        u1 BTC 101.00 held 0.00
        u1 ETH 100.00 held 0.00
        ",
    );
}

#[test]
fn reduce_only_orders_must_be_sells_within_the_position() {
    check(
        "
        buy u1 BTC-USD 1.00 @ 99.0 reduce
        sell u1 BTC-USD 100.01 @ 101.0 reduce
        sell u1 BTC-USD 100.00 @ 101.0 reduce
        open u4
        sell u4 BTC-USD 0.01 @ 101.0 reduce
        ",
        "
        rejected Place REDUCE_ONLY
        rejected Place REDUCE_ONLY
        accepted o1 u1 sell BTC-USD 100.00 @ 101.0 GTC reduce held 100.00
        opened u4
        rejected Place REDUCE_ONLY
        ",
    );
}

#[test]
fn day_orders_expire_when_the_trading_day_ends() {
    check(
        "
        time 86400000000000
        buy u1 BTC-USD 1.00 @ 95.0 day
        sell u1 BTC-USD 1.00 market stop=90.0 day
        time 172799000000000
        time 172800000000000
        day-start 3600
        buy u1 BTC-USD 1.00 @ 95.0 day
        time 176399000000000
        time 176400000000000
        day-start 86400
        ",
        "
        accepted o1 u1 buy BTC-USD 1.00 @ 95.0 DAY held 95.19
        rejected Place INVALID_TIME_IN_FORCE
        expired o1 1.00
        day starts 3600
        accepted o2 u1 buy BTC-USD 1.00 @ 95.0 DAY held 95.19
        expired o2 1.00
        rejected SetTradingDay INVALID_SPEC
        ",
    );
}

#[test]
fn an_oco_pair_fills_one_leg_and_cancels_the_other() {
    check(
        "
        oco sell u1 BTC-USD 1.00 @ 110.0 | sell u1 BTC-USD 1.00 market stop=95.0
        ? u1
        buy u2 BTC-USD 0.40 @ 110.0
        ? u1
        ",
        "
        accepted o2 u1 sell BTC-USD 1.00 market IOC stop at 95.0 oco o1 held 0.00
        accepted o1 u1 sell BTC-USD 1.00 @ 110.0 GTC oco o2 held 1.00
        u1 USD 10000.00 held 0.00
        u1 BTC 99.00 held 1.00
        u1 ETH 100.00 held 0.00
        accepted o3 u2 buy BTC-USD 0.40 @ 110.0 GTC held 44.09
        trade t1 0.40 @ 110.0 buy o3 took o1 u1 fees 0.08/0.04 leaves 0.00/0.60
        cancelled o2 1.00 OCO_SIBLING
        u1 USD 10043.96 held 0.00
        u1 BTC 99.00 held 0.60
        u1 ETH 100.00 held 0.00
        ",
    );
}

#[test]
fn an_oco_stop_leg_fires_and_cancels_the_resting_leg() {
    check(
        "
        oco sell u1 BTC-USD 1.00 @ 110.0 | sell u1 BTC-USD 1.00 market stop=95.0
        buy u2 BTC-USD 2.00 @ 95.0
        sell u3 BTC-USD 0.10 @ 95.0
        ? u1
        ",
        "
        accepted o2 u1 sell BTC-USD 1.00 market IOC stop at 95.0 oco o1 held 0.00
        accepted o1 u1 sell BTC-USD 1.00 @ 110.0 GTC oco o2 held 1.00
        accepted o3 u2 buy BTC-USD 2.00 @ 95.0 GTC held 190.38
        accepted o4 u3 sell BTC-USD 0.10 @ 95.0 GTC held 0.10
        trade t1 0.10 @ 95.0 sell o4 took o3 u2 fees 0.01/0.00 leaves 0.00/1.90
        cancelled o1 1.00 OCO_SIBLING
        triggered o2 at 95.0
        trade t2 1.00 @ 95.0 sell o2 took o3 u2 fees 0.19/0.09 leaves 0.00/0.90
        u1 USD 10094.81 held 0.00
        u1 BTC 99.00 held 0.00
        u1 ETH 100.00 held 0.00
        ",
    );
}

#[test]
fn oco_pairs_share_one_hold_and_end_together() {
    check(
        "
        oco buy u1 BTC-USD 1.00 @ 106.0 stop=105.0 | buy u1 BTC-USD 1.00 @ 94.0 take=95.0
        ? u1
        cancel u1 o1
        oco sell u1 BTC-USD 1.00 @ 110.0 | sell u1 BTC-USD 2.00 market stop=95.0
        oco sell u1 BTC-USD 1.00 @ 110.0 | sell u1 BTC-USD 1.00 @ 90.0
        oco sell u1 BTC-USD 1.00 @ 110.0 | buy u1 BTC-USD 1.00 market stop=105.0
        oco sell u1 BTC-USD 1.00 @ 110.0 ioc | sell u1 BTC-USD 1.00 market stop=95.0
        oco sell u1 BTC-USD 1.00 @ 110.0 gtd=500 | sell u1 BTC-USD 1.00 market stop=95.0
        time 500
        amend u1 o6 price=109.0
        ",
        "
        accepted o1 u1 buy BTC-USD 1.00 @ 106.0 GTC stop at 105.0 oco o2 held 106.22
        accepted o2 u1 buy BTC-USD 1.00 @ 94.0 GTC take at 95.0 oco o1 held 0.00
        u1 USD 9893.78 held 106.22
        u1 BTC 100.00 held 0.00
        u1 ETH 100.00 held 0.00
        cancelled o1 1.00 REQUESTED
        cancelled o2 1.00 OCO_SIBLING
        rejected PlaceOco INVALID_OCO
        rejected PlaceOco INVALID_OCO
        rejected PlaceOco INVALID_OCO
        rejected PlaceOco INVALID_OCO
        accepted o4 u1 sell BTC-USD 1.00 market IOC stop at 95.0 oco o3 held 0.00
        accepted o3 u1 sell BTC-USD 1.00 @ 110.0 GTD oco o4 held 1.00
        expired o3 1.00
        cancelled o4 1.00 OCO_SIBLING
        rejected Amend UNKNOWN_ORDER o6
        ",
    );
}

#[test]
fn bracket_protection_grows_with_partial_fills_and_goes_with_a_cancelled_entry() {
    check(
        "
        buy u1 BTC-USD 1.00 @ 100.0 sl=95.0 tp=108.0
        sell u2 BTC-USD 0.30 @ 100.0
        ? u1
        sell u2 BTC-USD 0.20 @ 100.0
        ? u1
        cancel u1 o1
        pos u1
        buy u1 BTC-USD 1.00 @ 95.0 sl=96.0
        buy u1 BTC-USD 1.00 @ 95.0 tp=94.0
        buy u1 BTC-USD budget 50.00 sl=90.0
        ",
        "
        accepted o1 u1 buy BTC-USD 1.00 @ 100.0 GTC sl 95.0 tp 108.0 held 100.20
        accepted o2 u2 sell BTC-USD 0.30 @ 100.0 GTC held 0.30
        trade t1 0.30 @ 100.0 sell o2 took o1 u1 fees 0.06/0.03 leaves 0.00/0.70
        accepted o3 u1 sell BTC-USD 0.30 market IOC stop at 95.0 oco o4 parent o1 held 0.00
        accepted o4 u1 sell BTC-USD 0.30 @ 108.0 GTC oco o3 parent o1 held 0.30
        u1 USD 9899.83 held 70.14
        u1 BTC 100.00 held 0.30
        u1 ETH 100.00 held 0.00
        accepted o5 u2 sell BTC-USD 0.20 @ 100.0 GTC held 0.20
        trade t2 0.20 @ 100.0 sell o5 took o1 u1 fees 0.04/0.02 leaves 0.00/0.50
        amended o3 0.50 @ 95.0 requeued held 0.00
        amended o4 0.50 @ 108.0 requeued held 0.50
        u1 USD 9899.85 held 50.10
        u1 BTC 100.00 held 0.50
        u1 ETH 100.00 held 0.00
        cancelled o1 0.50 REQUESTED
        cancelled o3 0.50 PARENT_CANCELLED
        cancelled o4 0.50 PARENT_CANCELLED
        u1 BTC-USD 100.50 cost 1005000 realized 0 fees 5
        u1 ETH-USD 100.00 cost 0 realized 0 fees 0
        rejected Place INVALID_TRIGGER
        rejected Place INVALID_TRIGGER
        rejected Place INVALID_ORDER
        ",
    );
}

#[test]
fn a_filled_bracket_entry_stops_out_and_its_take_profit_is_cancelled() {
    check(
        "
        buy u1 BTC-USD 1.00 @ 100.0 sl=95.0 tp=108.0
        sell u2 BTC-USD 0.60 @ 100.0
        sell u2 BTC-USD 0.40 @ 100.0
        pos u1
        buy u3 BTC-USD 2.00 @ 95.0
        sell u2 BTC-USD 0.10 @ 95.0
        ? u1
        pos u1
        ",
        "
        accepted o1 u1 buy BTC-USD 1.00 @ 100.0 GTC sl 95.0 tp 108.0 held 100.20
        accepted o2 u2 sell BTC-USD 0.60 @ 100.0 GTC held 0.60
        trade t1 0.60 @ 100.0 sell o2 took o1 u1 fees 0.12/0.06 leaves 0.00/0.40
        accepted o3 u1 sell BTC-USD 0.60 market IOC stop at 95.0 oco o4 parent o1 held 0.00
        accepted o4 u1 sell BTC-USD 0.60 @ 108.0 GTC oco o3 parent o1 held 0.60
        accepted o5 u2 sell BTC-USD 0.40 @ 100.0 GTC held 0.40
        trade t2 0.40 @ 100.0 sell o5 took o1 u1 fees 0.08/0.04 leaves 0.00/0.00
        amended o3 1.00 @ 95.0 requeued held 0.00
        amended o4 1.00 @ 108.0 requeued held 1.00
        u1 BTC-USD 101.00 cost 1010000 realized 0 fees 10
        u1 ETH-USD 100.00 cost 0 realized 0 fees 0
        accepted o6 u3 buy BTC-USD 2.00 @ 95.0 GTC held 190.38
        accepted o7 u2 sell BTC-USD 0.10 @ 95.0 GTC held 0.10
        trade t3 0.10 @ 95.0 sell o7 took o6 u3 fees 0.01/0.00 leaves 0.00/1.90
        cancelled o4 1.00 OCO_SIBLING
        triggered o3 at 95.0
        trade t4 1.00 @ 95.0 sell o3 took o6 u3 fees 0.19/0.09 leaves 0.00/0.90
        u1 USD 9994.71 held 0.00
        u1 BTC 100.00 held 0.00
        u1 ETH 100.00 held 0.00
        u1 BTC-USD 100.00 cost 1000000 realized -500 fees 29
        u1 ETH-USD 100.00 cost 0 realized 0 fees 0
        ",
    );
}

#[test]
fn a_bracket_leg_that_fills_ends_the_pair_and_a_later_fill_gets_its_own() {
    check(
        "
        buy u1 BTC-USD 1.00 @ 100.0 sl=95.0 tp=104.0
        sell u2 BTC-USD 0.40 @ 100.0
        buy u3 BTC-USD 0.10 @ 104.0
        sell u2 BTC-USD 0.20 @ 100.0
        ? u1
        ",
        "
        accepted o1 u1 buy BTC-USD 1.00 @ 100.0 GTC sl 95.0 tp 104.0 held 100.20
        accepted o2 u2 sell BTC-USD 0.40 @ 100.0 GTC held 0.40
        trade t1 0.40 @ 100.0 sell o2 took o1 u1 fees 0.08/0.04 leaves 0.00/0.60
        accepted o3 u1 sell BTC-USD 0.40 market IOC stop at 95.0 oco o4 parent o1 held 0.00
        accepted o4 u1 sell BTC-USD 0.40 @ 104.0 GTC oco o3 parent o1 held 0.40
        accepted o5 u3 buy BTC-USD 0.10 @ 104.0 GTC held 10.43
        trade t2 0.10 @ 104.0 buy o5 took o4 u1 fees 0.02/0.01 leaves 0.00/0.30
        cancelled o3 0.40 OCO_SIBLING
        accepted o6 u2 sell BTC-USD 0.20 @ 100.0 GTC held 0.20
        trade t3 0.20 @ 100.0 sell o6 took o1 u1 fees 0.04/0.02 leaves 0.00/0.40
        accepted o7 u1 sell BTC-USD 0.20 market IOC stop at 95.0 oco o8 parent o1 held 0.00
        accepted o8 u1 sell BTC-USD 0.20 @ 104.0 GTC oco o7 parent o1 held 0.20
        u1 USD 9910.25 held 40.08
        u1 BTC 100.00 held 0.50
        u1 ETH 100.00 held 0.00
        ",
    );
}

#[test]
fn a_stop_entry_carries_its_bracket() {
    check(
        "
        buy u1 BTC-USD 1.00 market stop=102.0 sl=97.0
        sell u2 BTC-USD 2.00 @ 102.0
        buy u3 BTC-USD 0.10 @ 102.0
        ? u1
        ",
        "
        accepted o1 u1 buy BTC-USD 1.00 market IOC stop at 102.0 sl 97.0 held 112.23
        accepted o2 u2 sell BTC-USD 2.00 @ 102.0 GTC held 2.00
        accepted o3 u3 buy BTC-USD 0.10 @ 102.0 GTC held 10.23
        trade t1 0.10 @ 102.0 buy o3 took o2 u2 fees 0.02/0.01 leaves 0.00/1.90
        triggered o1 at 102.0
        trade t2 1.00 @ 102.0 buy o1 took o2 u2 fees 0.20/0.10 leaves 0.00/0.90
        accepted o4 u1 sell BTC-USD 1.00 market IOC stop at 97.0 parent o1 held 1.00
        u1 USD 9897.80 held 0.00
        u1 BTC 100.00 held 1.00
        u1 ETH 100.00 held 0.00
        ",
    );
}

#[test]
fn order_notional_limit_under_at_and_over() {
    check(
        "
        risk u1 order_notional USD 100.00
        buy u1 BTC-USD 0.99 @ 101.0
        buy u1 BTC-USD 1.00 @ 100.0
        buy u1 BTC-USD 1.00 @ 101.0
        risk u1 order_notional USD none
        buy u1 BTC-USD 1.00 @ 101.0
        ",
        "
        risk limit u1 OrderNotionalMax { asset: AssetId(0), amount: Some(Amount(10000)) }
        accepted o1 u1 buy BTC-USD 0.99 @ 101.0 GTC held 100.19
        accepted o2 u1 buy BTC-USD 1.00 @ 100.0 GTC held 100.20
        rejected Place ORDER_NOTIONAL_LIMIT
        risk limit u1 OrderNotionalMax { asset: AssetId(0), amount: None }
        accepted o3 u1 buy BTC-USD 1.00 @ 101.0 GTC held 101.21
        ",
    );
}

#[test]
fn open_notional_limit_under_at_and_over() {
    check(
        "
        risk u1 open_notional USD 300.00
        buy u1 BTC-USD 1.00 @ 100.0
        sell u1 BTC-USD 1.00 @ 101.0
        sell u1 BTC-USD 1.00 @ 99.0 stop=99.0
        buy u1 BTC-USD 0.02 @ 100.0
        buy u1 BTC-USD 1.00 @ 100.0 ioc
        cancel u1 o1
        buy u1 BTC-USD 0.02 @ 100.0
        ",
        "
        risk limit u1 OpenNotionalMax { asset: AssetId(0), amount: Some(Amount(30000)) }
        accepted o1 u1 buy BTC-USD 1.00 @ 100.0 GTC held 100.20
        accepted o2 u1 sell BTC-USD 1.00 @ 101.0 GTC held 1.00
        accepted o3 u1 sell BTC-USD 1.00 @ 99.0 GTC stop at 99.0 held 1.00
        rejected Place OPEN_NOTIONAL_LIMIT
        accepted o4 u1 buy BTC-USD 1.00 @ 100.0 IOC held 100.20
        cancelled o4 1.00 UNFILLED
        cancelled o1 1.00 REQUESTED
        accepted o5 u1 buy BTC-USD 0.02 @ 100.0 GTC held 2.01
        ",
    );
}

#[test]
fn open_orders_limit_under_at_and_over() {
    check(
        "
        risk * open_orders 2
        buy u1 BTC-USD 0.10 @ 99.0
        sell u1 BTC-USD 0.10 market stop=95.0
        buy u1 BTC-USD 0.10 @ 98.0
        buy u1 BTC-USD 0.10 @ 98.0 ioc
        risk u1 open_orders 3
        buy u1 BTC-USD 0.10 @ 98.0
        buy u2 BTC-USD 0.10 @ 98.0
        risk u9 open_orders 1
        ",
        "
        risk limit * OpenOrdersMax { count: Some(2) }
        accepted o1 u1 buy BTC-USD 0.10 @ 99.0 GTC held 9.92
        accepted o2 u1 sell BTC-USD 0.10 market IOC stop at 95.0 held 0.10
        rejected Place OPEN_ORDERS_LIMIT
        accepted o3 u1 buy BTC-USD 0.10 @ 98.0 IOC held 9.82
        cancelled o3 0.10 UNFILLED
        risk limit u1 OpenOrdersMax { count: Some(3) }
        accepted o4 u1 buy BTC-USD 0.10 @ 98.0 GTC held 9.82
        accepted o5 u2 buy BTC-USD 0.10 @ 98.0 GTC held 9.82
        rejected SetRiskLimit UNKNOWN_ACCOUNT
        ",
    );
}

#[test]
fn position_limit_under_at_and_over() {
    check(
        "
        risk u1 position BTC-USD 102.00
        buy u1 BTC-USD 1.00 @ 99.0
        buy u1 BTC-USD 0.98 @ 99.0
        buy u1 BTC-USD 0.02 @ 99.0 stop=101.0
        buy u1 BTC-USD 0.02 @ 99.0
        sell u1 BTC-USD 5.00 @ 105.0
        risk u1 position BTC-USD none
        buy u1 BTC-USD 0.02 @ 99.0
        risk u1 position ETH-USD 1.00
        ",
        "
        risk limit u1 PositionMax { instrument: InstrumentId(0), qty: Some(Qty(10200)) }
        accepted o1 u1 buy BTC-USD 1.00 @ 99.0 GTC held 99.20
        accepted o2 u1 buy BTC-USD 0.98 @ 99.0 GTC held 97.22
        accepted o3 u1 buy BTC-USD 0.02 @ 99.0 GTC stop at 101.0 held 1.99
        rejected Place POSITION_LIMIT
        accepted o4 u1 sell BTC-USD 5.00 @ 105.0 GTC held 5.00
        risk limit u1 PositionMax { instrument: InstrumentId(0), qty: None }
        accepted o5 u1 buy BTC-USD 0.02 @ 99.0 GTC held 1.99
        risk limit u1 PositionMax { instrument: InstrumentId(1), qty: Some(Qty(100)) }
        ",
    );
}

#[test]
fn the_daily_loss_limit_holds_until_the_next_trading_day() {
    check(
        "
        time 86400000000000
        risk u1 daily_loss USD 150.00
        buy u1 BTC-USD 0.50 @ 94.0
        sell u2 BTC-USD 0.10 @ 99.0
        buy u3 BTC-USD 0.10 @ 99.0
        buy u1 BTC-USD 0.02 @ 94.0
        risk u1 daily_loss USD 100.00
        buy u1 BTC-USD 0.02 @ 94.0
        sell u1 BTC-USD 0.02 @ 99.0
        cancel u1 o1
        time 172799000000000
        buy u1 BTC-USD 0.02 @ 94.0
        time 172800000000000
        buy u1 BTC-USD 0.02 @ 94.0
        ",
        "
        risk limit u1 DailyLossMax { asset: AssetId(0), amount: Some(Amount(15000)) }
        accepted o1 u1 buy BTC-USD 0.50 @ 94.0 GTC held 47.10
        accepted o2 u2 sell BTC-USD 0.10 @ 99.0 GTC held 0.10
        accepted o3 u3 buy BTC-USD 0.10 @ 99.0 GTC held 9.92
        trade t1 0.10 @ 99.0 buy o3 took o2 u2 fees 0.01/0.00 leaves 0.00/0.00
        accepted o4 u1 buy BTC-USD 0.02 @ 94.0 GTC held 1.89
        risk limit u1 DailyLossMax { asset: AssetId(0), amount: Some(Amount(10000)) }
        daily loss u1 USD pnl -10000 limit 10000
        rejected Place DAILY_LOSS_LIMIT
        accepted o5 u1 sell BTC-USD 0.02 @ 99.0 GTC held 0.02
        cancelled o1 0.50 REQUESTED
        rejected Place DAILY_LOSS_LIMIT
        accepted o6 u1 buy BTC-USD 0.02 @ 94.0 GTC held 1.89
        ",
    );
}

#[test]
fn clearing_the_daily_loss_limit_lifts_the_block_and_raising_it_does_not() {
    check(
        "
        risk u1 daily_loss USD 60.00
        sell u3 BTC-USD 0.10 @ 99.0
        buy u2 BTC-USD 0.10 @ 99.0
        buy u1 BTC-USD 0.02 @ 94.0
        risk u1 daily_loss USD 500.00
        buy u1 BTC-USD 0.02 @ 94.0
        risk u1 daily_loss USD none
        buy u1 BTC-USD 0.02 @ 94.0
        ",
        "
        risk limit u1 DailyLossMax { asset: AssetId(0), amount: Some(Amount(6000)) }
        accepted o1 u3 sell BTC-USD 0.10 @ 99.0 GTC held 0.10
        accepted o2 u2 buy BTC-USD 0.10 @ 99.0 GTC held 9.92
        trade t1 0.10 @ 99.0 buy o2 took o1 u3 fees 0.01/0.00 leaves 0.00/0.00
        daily loss u1 USD pnl -10000 limit 6000
        rejected Place DAILY_LOSS_LIMIT
        risk limit u1 DailyLossMax { asset: AssetId(0), amount: Some(Amount(50000)) }
        rejected Place DAILY_LOSS_LIMIT
        risk limit u1 DailyLossMax { asset: AssetId(0), amount: None }
        accepted o3 u1 buy BTC-USD 0.02 @ 94.0 GTC held 1.89
        ",
    );
}

#[test]
fn a_fall_in_the_mark_breaches_the_daily_loss_limit_of_every_holder() {
    check(
        "
        risk * daily_loss USD 60.00
        buy u2 BTC-USD 1.00 @ 99.0
        sell u3 BTC-USD 0.10 @ 99.0
        sell u3 BTC-USD 0.10 @ 100.0
        buy u2 BTC-USD 0.10 @ 100.0
        ",
        "
        risk limit * DailyLossMax { asset: AssetId(0), amount: Some(Amount(6000)) }
        accepted o1 u2 buy BTC-USD 1.00 @ 99.0 GTC held 99.20
        accepted o2 u3 sell BTC-USD 0.10 @ 99.0 GTC held 0.10
        trade t1 0.10 @ 99.0 sell o2 took o1 u2 fees 0.01/0.00 leaves 0.00/0.90
        daily loss u1 USD pnl -10000 limit 6000
        daily loss u2 USD pnl -10000 limit 6000
        daily loss u3 USD pnl -10000 limit 6000
        accepted o3 u3 sell BTC-USD 0.10 @ 100.0 GTC held 0.10
        rejected Place DAILY_LOSS_LIMIT
        ",
    );
}

#[test]
fn halts_and_resumes_at_every_level() {
    check(
        "
        buy u1 BTC-USD 1.00 @ 99.0
        sell u1 BTC-USD 1.00 market stop=90.0
        buy u2 ETH-USD 1.00 @ 10.0
        kill BTC-USD market maker feed broken
        buy u2 BTC-USD 1.00 @ 99.0
        cancel u2 o3
        revive BTC-USD fixed
        buy u2 BTC-USD 1.00 @ 99.0
        kill u2 suspicious withdrawals
        buy u2 ETH-USD 1.00 @ 10.0
        withdraw u2 USD 1
        revive u2 cleared
        kill venue market-wide incident
        buy u1 ETH-USD 1.00 @ 10.0
        cancel-all u1
        revive venue over
        buy u1 ETH-USD 1.00 @ 10.0
        kill u9 nobody
        kill venue
        ",
        "
        accepted o1 u1 buy BTC-USD 1.00 @ 99.0 GTC held 99.20
        accepted o2 u1 sell BTC-USD 1.00 market IOC stop at 90.0 held 1.00
        accepted o3 u2 buy ETH-USD 1.00 @ 10.0 GTC held 10.01
        killed BTC-USD by u900: market maker feed broken
        cancelled o1 1.00 HALTED
        cancelled o2 1.00 HALTED
        rejected Place INSTRUMENT_HALTED
        cancelled o3 1.00 REQUESTED
        revived BTC-USD by u900: fixed
        accepted o4 u2 buy BTC-USD 1.00 @ 99.0 GTC held 99.20
        killed u2 by u900: suspicious withdrawals
        cancelled o4 1.00 HALTED
        rejected Place ACCOUNT_HALTED
        rejected Withdraw ACCOUNT_HALTED
        revived u2 by u900: cleared
        killed venue by u900: market-wide incident
        rejected Place VENUE_HALTED
        revived venue by u900: over
        accepted o5 u1 buy ETH-USD 1.00 @ 10.0 GTC held 10.01
        rejected Halt UNKNOWN_ACCOUNT
        killed venue by u900
        cancelled o5 1.00 HALTED
        ",
    );
}

#[test]
fn panic_cancels_everything_and_flattens_positions() {
    check(
        "
        buy u3 BTC-USD 50.00 @ 95.0
        sell u3 ETH-USD 1.00 @ 10.0
        buy u2 ETH-USD 1.00 @ 10.0
        buy u3 ETH-USD 150.00 @ 9.0
        buy u1 BTC-USD 1.00 @ 99.0
        sell u1 BTC-USD 1.00 market stop=90.0
        panic u1 flatten
        ? u1
        pos u1
        panic u2
        panic u9
        ",
        "
        accepted o1 u3 buy BTC-USD 50.00 @ 95.0 GTC held 4759.50
        accepted o2 u3 sell ETH-USD 1.00 @ 10.0 GTC held 1.00
        accepted o3 u2 buy ETH-USD 1.00 @ 10.0 GTC held 10.01
        trade t1 1.00 @ 10.0 buy o3 took o2 u3 fees 0.01/0.00 leaves 0.00/0.00
        accepted o4 u3 buy ETH-USD 150.00 @ 9.0 GTC held 1351.35
        accepted o5 u1 buy BTC-USD 1.00 @ 99.0 GTC held 99.20
        accepted o6 u1 sell BTC-USD 1.00 market IOC stop at 90.0 held 1.00
        cancelled o5 1.00 PANIC
        cancelled o6 1.00 PANIC
        accepted o7 u1 sell BTC-USD 100.00 market IOC reduce held 100.00
        trade t2 50.00 @ 95.0 sell o7 took o1 u3 fees 9.50/4.75 leaves 50.00/0.00
        cancelled o7 50.00 UNFILLED
        accepted o8 u1 sell ETH-USD 100.00 market IOC reduce held 100.00
        trade t3 100.00 @ 9.0 sell o8 took o4 u3 fees 0.90/0.00 leaves 0.00/50.00
        panicked u1 flatten
        u1 USD 15639.60 held 0.00
        u1 BTC 50.00 held 0.00
        u1 ETH 0.00 held 0.00
        u1 BTC-USD 50.00 cost 500000 realized -25000 fees 950
        u1 ETH-USD 0.00 cost 0 realized 90000 fees 90
        panicked u2
        rejected Panic UNKNOWN_ACCOUNT
        ",
    );
}

#[test]
fn instrument_rules_change_unless_orders_would_be_stranded() {
    check(
        "
        buy u1 BTC-USD 1.00 @ 99.0
        sell u1 BTC-USD 0.50 @ 105.0 stop=95.0
        update BTC-USD tick=2.0
        cancel u1 o1
        update BTC-USD tick=5.0
        update BTC-USD tick=3.0
        update BTC-USD lot=0.10
        update BTC-USD fees=50/50
        ? u1
        buy u2 BTC-USD 1.00 @ 100.0
        ? u2
        update BTC-USD band=100
        ",
        "
        accepted o1 u1 buy BTC-USD 1.00 @ 99.0 GTC held 99.20
        accepted o2 u1 sell BTC-USD 0.50 @ 105.0 GTC stop at 95.0 held 0.50
        rejected UpdateInstrument WOULD_STRAND_ORDERS
        cancelled o1 1.00 REQUESTED
        updated BTC-USD tick 5.0 lot 0.01 fees 10/20 band 1000
        rejected UpdateInstrument INVALID_SPEC
        rejected UpdateInstrument INVALID_SPEC
        updated BTC-USD tick 5.0 lot 0.01 fees 50/50 band 1000
        u1 USD 10000.00 held 0.00
        u1 BTC 99.50 held 0.50
        u1 ETH 100.00 held 0.00
        accepted o3 u2 buy BTC-USD 1.00 @ 100.0 GTC held 100.50
        u2 USD 9899.50 held 100.50
        u2 BTC 100.00 held 0.00
        u2 ETH 100.00 held 0.00
        updated BTC-USD tick 5.0 lot 0.01 fees 50/50 band 100
        ",
    );
}

#[test]
fn a_fee_change_moves_the_holds_of_resting_buys() {
    check(
        "
        deposit u4 USD 100.20
        buy u4 BTC-USD 1.00 @ 100.0
        buy u1 BTC-USD 1.00 @ 100.0
        update BTC-USD fees=40/40
        ? u1
        ? u4
        update BTC-USD fees=0/0
        ? u1
        ",
        "
        x1000010 deposit u4 100.20 USD posted
        accepted o1 u4 buy BTC-USD 1.00 @ 100.0 GTC held 100.20
        accepted o2 u1 buy BTC-USD 1.00 @ 100.0 GTC held 100.20
        updated BTC-USD tick 1.0 lot 0.01 fees 40/40 band 1000
        cancelled o1 1.00 ADMIN
        u1 USD 9899.60 held 100.40
        u1 BTC 100.00 held 0.00
        u1 ETH 100.00 held 0.00
        u4 USD 100.20 held 0.00
        u4 BTC 0.00 held 0.00
        updated BTC-USD tick 1.0 lot 0.01 fees 0/0 band 1000
        u1 USD 9900.00 held 100.00
        u1 BTC 100.00 held 0.00
        u1 ETH 100.00 held 0.00
        ",
    );
}
