//! Scenarios: codes and balances.

use super::*;

/// One case per rejection code; the list must cover every code there is.
#[test]
fn every_reject_code_is_reachable() {
    let cases: &[(&str, RejectCode)] = &[
        ("buy u4 BTC-USD 1.00 @ 100.0", RejectCode::UnknownAccount),
        (
            "buy u1 BTC-USD 1000.00 @ 100.0",
            RejectCode::InsufficientFunds,
        ),
        ("buy u1 BTC-USD 1.00 @ 111.0", RejectCode::PriceOutOfBand),
        ("buy u1 BTC-USD 1.00 @ 100.5", RejectCode::InvalidTick),
        ("buy u1 ETH-USD 0.25 @ 10.0", RejectCode::InvalidLot),
        ("buy u1 BTC-USD 1.00 @ 0", RejectCode::InvalidPrice),
        ("buy u1 BTC-USD 0 @ 100.0", RejectCode::InvalidQuantity),
        ("deposit u1 USD 0", RejectCode::InvalidAmount),
        ("buy u1 ETH-USD 0.10 @ 10.0", RejectCode::QuantityBelowMin),
        (
            "buy u1 BTC-USD 1000.01 @ 100.0",
            RejectCode::QuantityAboveMax,
        ),
        ("buy u1 BTC-USD 0.01 @ 99.0", RejectCode::NotionalBelowMin),
        ("buy u1 ETH-USD 1.00 market", RejectCode::NoReferencePrice),
        (
            "sell u2 BTC-USD 1.00 @ 100.0\nbuy u1 BTC-USD 1.00 @ 100.0 post",
            RejectCode::PostOnlyWouldTake,
        ),
        (
            "buy u1 BTC-USD 1.00 @ 100.0 fok",
            RejectCode::FokNotFillable,
        ),
        (
            "buy u1 BTC-USD 1.00 market gtc",
            RejectCode::InvalidTimeInForce,
        ),
        (
            "buy u1 BTC-USD 1.00 @ 100.0 expire=9",
            RejectCode::InvalidExpiry,
        ),
        ("sell u1 BTC-USD budget 10.00", RejectCode::InvalidOrder),
        (
            "buy u1 BTC-USD 1.00 @ 99.0\namend u1 o1",
            RejectCode::InvalidAmend,
        ),
        (
            "buy u1 BTC-USD 1.00 @ 99.0 id=z\nbuy u1 BTC-USD 1.00 @ 99.0 id=z",
            RejectCode::DuplicateClientOrderId,
        ),
        ("cancel u1 o7", RejectCode::UnknownOrder),
        (
            "buy u1 BTC-USD 1.00 @ 99.0\ncancel u2 o1",
            RejectCode::NotOwner,
        ),
        (
            "halt u1\nbuy u1 BTC-USD 1.00 @ 99.0",
            RejectCode::AccountHalted,
        ),
        ("open u1", RejectCode::AccountExists),
        ("open u18446744073709551614", RejectCode::ReservedAccount),
        (
            "status BTC-USD halted\nbuy u1 BTC-USD 1.00 @ 99.0",
            RejectCode::InstrumentHalted,
        ),
        (
            "status BTC-USD closed\nbuy u1 BTC-USD 1.00 @ 99.0",
            RejectCode::InstrumentClosed,
        ),
        (
            "limits open_per_owner=1\nbuy u1 BTC-USD 1.00 @ 99.0\nbuy u1 BTC-USD 1.00 @ 98.0",
            RejectCode::TooManyOpenOrders,
        ),
        ("limits owners=3\nopen u4", RejectCode::CapacityExceeded),
        (
            "buy u1 ETH-USD 1000.00 @ 1000000000000000000.0",
            RejectCode::AmountOverflow,
        ),
        (
            "deposit u1 USD 1 x5\ndeposit u1 USD 1 x5",
            RejectCode::DuplicateTransferId,
        ),
        ("void x5", RejectCode::UnknownTransfer),
        (
            "risk u1 position BTC-USD 100.50\nbuy u1 BTC-USD 1.00 @ 100.0",
            RejectCode::PositionLimit,
        ),
        (
            "risk u1 order_notional USD 10.00\nbuy u1 BTC-USD 1.00 @ 100.0",
            RejectCode::OrderNotionalLimit,
        ),
        (
            "risk u1 open_notional USD 150.00\nbuy u1 BTC-USD 1.00 @ 100.0\nbuy u1 BTC-USD 1.00 @ 100.0",
            RejectCode::OpenNotionalLimit,
        ),
        (
            "risk u1 open_orders 1\nbuy u1 BTC-USD 1.00 @ 100.0\nbuy u1 BTC-USD 1.00 @ 100.0",
            RejectCode::OpenOrdersLimit,
        ),
        (
            "risk u1 daily_loss USD 10.00\nbuy u2 BTC-USD 1.00 @ 99.0\nsell u3 BTC-USD 1.00 @ 99.0\nbuy u1 BTC-USD 1.00 @ 99.0",
            RejectCode::DailyLossLimit,
        ),
        ("buy u1 BTC-USD 1.00 @ 99.0 reduce", RejectCode::ReduceOnly),
        (
            "kill venue\nbuy u1 BTC-USD 1.00 @ 99.0",
            RejectCode::VenueHalted,
        ),
        (
            "sell u1 BTC-USD 1.00 market stop=95.5",
            RejectCode::InvalidTrigger,
        ),
        (
            "sell u1 BTC-USD 1.00 market stop=101.0",
            RejectCode::TriggerWouldFire,
        ),
        (
            "oco sell u1 BTC-USD 1.00 @ 110.0 | sell u1 BTC-USD 1.00 @ 111.0",
            RejectCode::InvalidOco,
        ),
        (
            "buy u1 BTC-USD 1.00 @ 99.0\nupdate BTC-USD tick=2.0",
            RejectCode::WouldStrandOrders,
        ),
        ("move u1 u1 USD 1", RejectCode::SameAccount),
    ];
    let mut covered = Vec::new();
    for (script, code) in cases {
        let mut venue = Venue::new();
        venue.setup(FUNDED);
        let lines = venue.run(script);
        let last = lines.last().map(String::as_str).unwrap_or("");
        assert!(
            last.contains(code.code()),
            "{script:?} ended with {last:?}, not {}",
            code.code()
        );
        covered.push(*code);
    }

    // Codes that need commands the script language does not speak.
    let mut venue = Venue::new();
    let usd = AssetSpec {
        code: AssetCode::new("USD").unwrap(),
        scale: 2,
    };
    let raw_cases: Vec<(Command, RejectCode)> = vec![
        (Command::ListAsset(usd), RejectCode::DuplicateAsset),
        (
            Command::ListAsset(AssetSpec {
                code: AssetCode::new("XYZ").unwrap(),
                scale: 19,
            }),
            RejectCode::InvalidSpec,
        ),
        (
            Command::ListInstrument(btc_usd_spec()),
            RejectCode::DuplicateInstrument,
        ),
        (
            Command::ListInstrument(bourse_types::InstrumentSpec {
                base: AssetId(9),
                ..btc_usd_spec()
            }),
            RejectCode::UnknownAsset,
        ),
        (
            Command::CancelAll {
                owner: None,
                instrument: Some(InstrumentId(7)),
            },
            RejectCode::UnknownInstrument,
        ),
    ];
    for (command, code) in raw_cases {
        let events = venue.apply(command.clone());
        assert!(
            matches!(events.as_slice(), [Event::Rejected(r)] if r.code == code),
            "{command:?} gave {events:?}"
        );
        covered.push(code);
    }
    let missing: Vec<&str> = RejectCode::ALL
        .iter()
        .filter(|code| !covered.contains(code))
        .map(|code| code.code())
        .collect();
    assert!(missing.is_empty(), "no case for {missing:?}");
}

#[test]
fn balance_events_report_each_changed_account_once_per_command() {
    let mut venue = Venue::new();
    venue.setup(FUNDED);
    venue.run("sell u2 BTC-USD 0.50 @ 100.0\nsell u3 BTC-USD 0.50 @ 101.0");
    let events = venue.run_raw("buy u1 BTC-USD 1.00 @ 101.0");
    let balances: Vec<String> = events
        .iter()
        .filter(|e| matches!(e, Event::Balance { .. }))
        .map(|e| venue.render(e))
        .collect();
    assert_eq!(
        balances,
        [
            "balance u1 USD 9899.30 held 0.00",
            "balance u2 USD 10049.95 held 0.00",
            "balance u18446744073709551614 USD 0.30 held 0.00",
            "balance u2 BTC 99.50 held 0.00",
            "balance u1 BTC 101.00 held 0.00",
            "balance u3 USD 10050.45 held 0.00",
            "balance u3 BTC 99.50 held 0.00",
        ]
    );
    for event in &events {
        if let Event::Balance {
            owner,
            asset,
            available,
            held,
        } = event
        {
            let now = venue.engine.balance(*owner, *asset).unwrap();
            assert_eq!((now.available, now.held), (*available, *held));
        }
    }
}

#[test]
fn the_engine_refuses_a_command_out_of_sequence() {
    let mut venue = Venue::new();
    let seq = venue.engine.seq();
    let before = venue.engine.state_hash();
    let error = venue
        .engine
        .apply(seq + 2, bourse_types::Timestamp(5), &Command::Tick)
        .unwrap_err();
    assert_eq!((error.expected, error.got), (seq + 1, seq + 2));
    assert_eq!(venue.engine.state_hash(), before);
}

#[test]
fn deposits_cannot_push_supply_past_64_bits() {
    let mut venue = Venue::new();
    let deposit = |id: u64, amount: u64| {
        Command::Deposit(TransferRequest {
            id: TransferId(id),
            owner: OwnerId(1),
            asset: USD,
            amount: Amount::from_raw(amount),
            pending: false,
        })
    };
    venue.apply(deposit(1, u64::MAX - 10));
    let events = venue.apply(deposit(2, 11));
    assert!(matches!(&events[..], [Event::Rejected(r)] if r.code == RejectCode::AmountOverflow));
    let events = venue.apply(deposit(3, 10));
    assert!(matches!(events[0], Event::Transfer(_)));
    // A buy whose hold would not fit is refused, not wrapped.
    let order = NewOrder {
        owner: OwnerId(1),
        instrument: BTC_USD,
        side: Side::Buy,
        kind: OrderKind::Limit {
            price: Price::from_raw(1_000),
            qty: Qty::from_raw(100_000),
        },
        tif: TimeInForce::Gtc,
        post_only: false,
        stp: StpMode::CancelNewest,
        client_order_id: None,
        expire_at: None,
        reduce_only: false,
        conditions: None,
    };
    let events = venue.apply(Command::Place(order));
    assert!(matches!(events[0], Event::OrderAccepted(_)), "{events:?}");
}

/// The documented catalog lists every code the engine can give.
#[test]
fn every_reject_code_is_documented() {
    let catalog =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/errors.md"))
            .expect("docs/errors.md exists");
    let missing: Vec<&str> = RejectCode::ALL
        .iter()
        .map(|code| code.code())
        .filter(|code| !catalog.contains(&format!("`{code}`")))
        .collect();
    assert!(missing.is_empty(), "docs/errors.md lacks {missing:?}");
    for reason in bourse_types::CancelReason::ALL {
        assert!(
            catalog.contains(&format!("`{}`", reason.code())),
            "{reason:?} undocumented"
        );
    }
}
