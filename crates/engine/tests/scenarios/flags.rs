//! Scenarios: flags.

use super::*;

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
