//! The default policies at, just under and just over their thresholds; a restricted
//! instrument; a policy that errors denies; the shipped Rego tests pass; a new set
//! replaces the old one whole, and a broken set or one whose tests fail is refused.

use bourse_compliance::{
    Gate, ORDER_WINDOW_MS, PolicyError, PolicyFile, PolicySet, RollingStats, TestOutcome, checked,
};
use serde_json::{Value, json};

/// A user's order of `notional` (a decimal string) in `quote`, with `scale` decimals.
fn order(
    user: u64,
    symbol: &str,
    quote: &str,
    scale: u32,
    notional: &str,
    orders_last_hour: u64,
) -> Value {
    let (whole, frac) = notional.split_once('.').unwrap_or((notional, ""));
    let mut digits = format!("{whole}{frac}");
    for _ in frac.len()..scale as usize {
        digits.push('0');
    }
    let minor: u64 = digits.parse().unwrap();
    json!({
        "action": "place_order",
        "user": {"id": user, "role": "trader", "flags": []},
        "order": {"symbol": symbol, "quote_asset": quote, "quote_unit": 10u64.pow(scale),
                  "notional_minor": minor, "notional": notional},
        "stats": {"orders_last_hour": orders_last_hour, "cancels_last_minute": 0, "notional_today": {}},
    })
}

#[test]
fn the_amount_limit_in_each_quote_asset() {
    let policies = PolicySet::defaults().compile().unwrap();
    for (symbol, quote, scale) in [("BTC-USD", "USD", 6), ("ETH-BTC", "BTC", 8)] {
        let under = policies.decide(&order(7, symbol, quote, scale, "999999.99", 0));
        assert!(under.allowed, "{under:?}");
        let at = policies.decide(&order(7, symbol, quote, scale, "1000000", 0));
        assert!(at.allowed, "the limit itself is allowed: {at:?}");
        let over_by = if scale == 6 {
            "1000000.000001"
        } else {
            "1000000.00000001"
        };
        let over = policies.decide(&order(7, symbol, quote, scale, over_by, 0));
        assert!(!over.allowed);
        assert_eq!(
            over.reasons,
            [format!(
                "the order's notional of {over_by} {quote} is over the limit of 1000000 {quote}"
            )]
        );
        assert_eq!(over.error, None);
    }
    // The limit is data: per asset and per role.
    let mut set = PolicySet::defaults();
    set.data["bourse"]["limits"]["order_notional_max"]["default"]["USD"] = json!(500);
    set.data["bourse"]["limits"]["order_notional_max"]["roles"] = json!({"admin": {"USD": 5000}});
    let policies = set.compile().unwrap();
    assert!(
        !policies
            .decide(&order(7, "BTC-USD", "USD", 6, "501", 0))
            .allowed
    );
    let mut admin = order(7, "BTC-USD", "USD", 6, "501", 0);
    admin["user"]["role"] = json!("admin");
    assert!(policies.decide(&admin).allowed);
    assert!(
        policies
            .decide(&order(7, "ETH-BTC", "BTC", 8, "999999", 0))
            .allowed,
        "other assets keep `*`"
    );
}

#[test]
fn the_hundredth_order_in_a_sliding_hour_goes_and_the_next_does_not() {
    let policies = PolicySet::defaults().compile().unwrap();
    let mut stats = RollingStats::new();
    // 100 orders from 10:30 on, one every 30 seconds: the hour boundary at 11:00 is
    // crossed, the sliding hour is not.
    let start = 10 * 3_600_000 + 1_800_000;
    let mut accepted = 0;
    for i in 0..101u64 {
        let now = start + i * 30_000;
        let seen = stats.snapshot(7, now).orders_last_hour;
        let decision = policies.decide(&order(7, "BTC-USD", "USD", 6, "100", seen));
        if i < 100 {
            assert!(
                decision.allowed,
                "order {} of the hour: {decision:?}",
                i + 1
            );
            stats.order_accepted(7, now, "USD", 100_000_000);
            accepted += 1;
        } else {
            assert!(!decision.allowed, "the 101st in the hour");
            assert_eq!(
                decision.reasons,
                ["100 orders accepted in the last hour: at most 100 an hour"]
            );
        }
    }
    assert_eq!(accepted, 100);
    // Once the first has been an hour old, there is room for one more.
    let later = start + ORDER_WINDOW_MS;
    let seen = stats.snapshot(7, later).orders_last_hour;
    assert_eq!(seen, 99);
    assert!(
        policies
            .decide(&order(7, "BTC-USD", "USD", 6, "100", seen))
            .allowed
    );
    // The venue's own accounts are exempt, as the data says.
    let mut set = PolicySet::defaults();
    set.exempt(&[7]);
    assert_eq!(set.data["bourse"]["exempt_users"], json!([7]));
    let exempt = set.compile().unwrap();
    assert!(
        exempt
            .decide(&order(7, "BTC-USD", "USD", 6, "5000000", 500))
            .allowed
    );
}

#[test]
fn restricted_instruments_and_users() {
    let mut set = PolicySet::defaults();
    set.data["bourse"]["restricted"] = json!({"symbols": ["ETH-USD"], "users": [9]});
    let policies = set.compile().unwrap();
    assert!(
        policies
            .decide(&order(7, "BTC-USD", "USD", 6, "10", 0))
            .allowed
    );
    let restricted = policies.decide(&order(7, "ETH-USD", "USD", 6, "10", 0));
    assert_eq!(
        restricted.reasons,
        ["ETH-USD is restricted: it takes no orders"]
    );
    let user =
        policies.decide(&json!({"action": "create_api_key", "user": {"id": 9, "role": "trader"}}));
    assert_eq!(user.reasons, ["user 9 is restricted"]);
    // Every reason is given, sorted.
    let both = policies.decide(&order(9, "ETH-USD", "USD", 6, "2000000", 0));
    assert_eq!(both.reasons.len(), 3, "{both:?}");
}

#[test]
fn a_policy_that_errors_denies() {
    let mut set = PolicySet::defaults();
    set.files.push(PolicyFile {
        name: "broken.rego".to_string(),
        // Two values for one complete rule once an order is present: a conflict.
        source: "package bourse.policies.broken\n\nimport rego.v1\n\nside := 1 if input.order\nside := 2 if input.order\n\ndeny contains \"never\" if side > 5\n".to_string(),
    });
    let policies = set.compile().unwrap();
    let decision = policies.decide(&order(7, "BTC-USD", "USD", 6, "10", 0));
    assert!(!decision.allowed);
    assert!(decision.reasons.is_empty());
    assert!(decision.error.is_some(), "{decision:?}");
}

#[test]
fn a_policy_past_the_time_limit_denies() {
    let mut set = PolicySet::defaults();
    set.files.push(PolicyFile {
        name: "slow.rego".to_string(),
        // Millions of steps once an order is present, none of which holds: without the
        // limit it would allow, after seconds.
        source: "package bourse.policies.slow\n\nimport rego.v1\n\ndeny contains \"never\" if {\n\tinput.order\n\tsome i in numbers.range(1, 4000)\n\tsome j in numbers.range(1, 4000)\n\ti * j < 0\n}\n".to_string(),
    });
    let policies = set.compile().unwrap();
    let decision = policies.decide(&order(7, "BTC-USD", "USD", 6, "10", 0));
    assert!(!decision.allowed, "{decision:?}");
    assert!(
        decision
            .error
            .as_deref()
            .is_some_and(|e| e.contains("exceeded time limit")),
        "{decision:?}"
    );
}

#[test]
fn the_shipped_tests_pass() {
    let (_, results) = checked(&PolicySet::defaults()).unwrap();
    assert_eq!(results.len(), 7);
    assert!(
        results.iter().all(|r| r.outcome == TestOutcome::Pass),
        "{results:?}"
    );
    let text = bourse_compliance::report(&results);
    assert!(text.ends_with("PASS: 7/7\n"), "{text}");
}

fn deny_all(tag: &str) -> PolicySet {
    let files = ["one", "two"]
        .iter()
        .map(|p| PolicyFile {
            name: format!("{p}.rego"),
            source: format!("package bourse.policies.{p}\n\nimport rego.v1\n\ndeny contains \"{tag} {p}\" if true\n"),
        })
        .collect();
    PolicySet::from_parts(files, Some("{}")).unwrap()
}

#[test]
fn a_new_set_replaces_the_old_one_whole() {
    let gate = std::sync::Arc::new(Gate::new(deny_all("a").compile().unwrap()));
    let a = gate.current().revision().to_string();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let deciders: Vec<_> = (0..2)
        .map(|_| {
            let gate = gate.clone();
            let stop = stop.clone();
            std::thread::spawn(move || {
                let mut seen = 0u64;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) || seen == 0 {
                    let d = gate.decide(&json!({"action": "place_order"}));
                    let tags: Vec<&str> = d.reasons.iter().map(|r| &r[..1]).collect();
                    assert!(
                        tags == ["a", "a"] || tags == ["b", "b"],
                        "a mix: {:?}",
                        d.reasons
                    );
                    seen += 1;
                }
                seen
            })
        })
        .collect();
    for i in 0..50 {
        let set = if i % 2 == 0 {
            deny_all("b")
        } else {
            deny_all("a")
        };
        gate.replace(set.compile().unwrap());
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for d in deciders {
        assert!(d.join().unwrap() > 0);
    }
    assert_eq!(
        gate.current().revision(),
        a,
        "50 swaps end on the first set"
    );

    // A set that does not parse, or whose tests fail, is refused; the old one decides.
    let mut broken = PolicySet::defaults();
    broken.files[1]
        .source
        .push_str("\ndeny contains msg if {\n");
    match checked(&broken) {
        Err(PolicyError::Parse { file, .. }) => assert_eq!(file, "amount.rego"),
        other => panic!("a parse error, not {other:?}"),
    }
    let mut failing = PolicySet::defaults();
    failing.data["bourse"]["limits"]["orders_per_hour_max"]["default"] = json!(1000);
    match checked(&failing) {
        Err(PolicyError::TestsFailed {
            failed,
            total,
            names,
        }) => {
            assert_eq!((failed, total), (1, 7));
            assert!(
                names.ends_with("test_the_hundred_and_first_is_denied"),
                "{names}"
            );
        }
        other => panic!("failing tests, not {other:?}"),
    }
    assert_eq!(gate.current().revision(), a);
    assert_eq!(gate.decide(&json!({})).reasons, ["a one", "a two"]);
}
