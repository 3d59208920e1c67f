//! Scenarios: client order ids.

use super::*;

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
