//! The store on SQLite always, and on PostgreSQL when `BOURSE_TEST_POSTGRES_URL` is
//! set: accounts, tokens, keys, and the projector's read models.

use bourse_engine::{
    Command, Engine, EngineLimits, InternalTransfer, NewOrder, OrderKind, OrderRef, TransferRequest,
};
use bourse_journal::Released;
use bourse_market::Interval;
use bourse_store::{
    ApiKeyRow, NewUser, OrderFilter, OrderStatusFilter, Page, Projector, RefreshTokenRow, Role,
    Store, StoreError,
};
use bourse_types::{
    Amount, AssetCode, AssetId, AssetSpec, ClientOrderId, InstrumentId, InstrumentSpec, OwnerId,
    Price, Qty, Side, StpMode, TimeInForce, Timestamp, TransferId,
};
use std::sync::atomic::{AtomicU64, Ordering};

/// A database for one test: a temporary SQLite file, or a fresh PostgreSQL schema.
struct TestDb {
    store: Store,
    cleanup: Option<(String, String)>,
    _dir: Option<std::path::PathBuf>,
}

impl TestDb {
    async fn sqlite(name: &str) -> TestDb {
        let dir = std::env::temp_dir().join(format!("bourse-store-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let store = Store::connect(&bourse_store::sqlite_url(&dir.join("test.db")), None)
            .await
            .unwrap();
        TestDb {
            store,
            cleanup: None,
            _dir: Some(dir),
        }
    }

    async fn postgres(name: &str) -> Option<TestDb> {
        let Ok(url) = std::env::var("BOURSE_TEST_POSTGRES_URL") else {
            println!("BOURSE_TEST_POSTGRES_URL is not set: skipping the PostgreSQL half of {name}");
            return None;
        };
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let schema = format!(
            "bourse_test_{name}_{}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst)
        );
        let store = Store::connect(&url, Some(&schema)).await.unwrap();
        Some(TestDb {
            store,
            cleanup: Some((url, schema)),
            _dir: None,
        })
    }

    async fn finish(self) {
        self.store.close().await;
        if let Some((url, schema)) = self.cleanup {
            Store::drop_schema(&url, &schema).await.unwrap();
        }
        if let Some(dir) = self._dir {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

/// Runs a check on SQLite and, when configured, on PostgreSQL.
macro_rules! on_both {
    ($name:literal, $check:ident) => {{
        let db = TestDb::sqlite($name).await;
        $check(&db.store).await;
        db.finish().await;
        if let Some(db) = TestDb::postgres($name).await {
            $check(&db.store).await;
            db.finish().await;
        }
    }};
}

async fn accounts(store: &Store) {
    assert_eq!(store.user_count().await.unwrap(), 0);
    let user = NewUser {
        username: "alice",
        password_hash: "$argon2id$stub",
        role: Role::Trader,
        created_at: 5,
    };
    let alice = store.create_user(user.clone()).await.unwrap();
    assert!(matches!(
        store.create_user(user).await,
        Err(StoreError::UsernameTaken)
    ));
    let bob = store
        .create_user(NewUser {
            username: "bob",
            password_hash: "h",
            role: Role::Auditor,
            created_at: 6,
        })
        .await
        .unwrap();
    assert_ne!(alice.id, bob.id);
    assert_eq!(
        store.user_by_name("alice").await.unwrap().unwrap().id,
        alice.id
    );
    assert!(store.user_by_name("carol").await.unwrap().is_none());
    assert!(store.set_user_role(bob.id, Role::Compliance).await.unwrap());
    assert!(store.set_user_disabled(bob.id, true).await.unwrap());
    let bob = store.user(bob.id).await.unwrap().unwrap();
    assert_eq!((bob.role, bob.disabled), (Role::Compliance, true));
    let (users, total) = store.users(Page { page: 1, limit: 1 }).await.unwrap();
    assert_eq!(
        (users.len(), total, users[0].username.as_str()),
        (1, 2, "alice")
    );

    let token = RefreshTokenRow {
        id: "t1".into(),
        user_id: alice.id,
        family: "f1".into(),
        token_hash: "hash".into(),
        created_at: 1,
        expires_at: 100,
        used_at: None,
        revoked_at: None,
    };
    store.insert_refresh_token(&token).await.unwrap();
    assert!(store.use_refresh_token("t1", 10).await.unwrap());
    assert!(
        !store.use_refresh_token("t1", 11).await.unwrap(),
        "a token is used once"
    );
    store.revoke_token_family("f1", alice.id, 12).await.unwrap();
    let stored = store.refresh_token("t1").await.unwrap().unwrap();
    assert_eq!((stored.used_at, stored.revoked_at), (Some(10), Some(12)));

    let key = ApiKeyRow {
        id: "k1".into(),
        user_id: alice.id,
        name: "bot".into(),
        key_hash: "khash".into(),
        scopes: "read,trade".into(),
        created_at: 3,
        revoked_at: None,
    };
    store.insert_api_key(&key).await.unwrap();
    assert_eq!(
        store.api_key("k1").await.unwrap().unwrap().scopes,
        "read,trade"
    );
    assert!(
        !store.revoke_api_key(bob.id, "k1", 9).await.unwrap(),
        "only the owner revokes"
    );
    assert!(store.revoke_api_key(alice.id, "k1", 9).await.unwrap());
    assert_eq!(
        store.api_keys_of(alice.id).await.unwrap()[0].revoked_at,
        Some(9)
    );
    assert_eq!(store.meta_init("secret", "a").await.unwrap(), "a");
    assert_eq!(
        store.meta_init("secret", "b").await.unwrap(),
        "a",
        "set once"
    );
}

#[tokio::test]
async fn accounts_tokens_and_keys() {
    on_both!("accounts", accounts);
}

/// A small venue driven through an engine, released as the pipeline would.
struct Venue {
    engine: Engine,
    ts: u64,
}

impl Venue {
    fn new() -> Venue {
        Venue {
            engine: Engine::new(EngineLimits::default()),
            ts: 1_700_000_000_000_000_000,
        }
    }

    fn apply(&mut self, command: Command) -> Released {
        self.ts += 1_000_000_000;
        let seq = self.engine.seq() + 1;
        let events = self
            .engine
            .apply(seq, Timestamp(self.ts), &command)
            .unwrap();
        Released {
            seq,
            ts: Timestamp(self.ts),
            command,
            events,
        }
    }
}

fn limit(owner: u64, side: Side, price: u64, qty: u64, client: Option<&str>) -> Command {
    Command::Place(NewOrder {
        owner: OwnerId(owner),
        instrument: InstrumentId(0),
        side,
        kind: OrderKind::Limit {
            price: Price::from_raw(price),
            qty: Qty::from_raw(qty),
        },
        tif: TimeInForce::Gtc,
        post_only: false,
        stp: StpMode::CancelNewest,
        client_order_id: client.map(|c| ClientOrderId::new(c).unwrap()),
        expire_at: None,
        reduce_only: false,
        conditions: None,
    })
}

fn script() -> Vec<Command> {
    let deposit = |id: u64, owner: u64, asset: u16, amount: u64, pending: bool| {
        Command::Deposit(TransferRequest {
            id: TransferId(id),
            owner: OwnerId(owner),
            asset: AssetId(asset),
            amount: Amount::from_raw(amount),
            pending,
        })
    };
    vec![
        Command::ListAsset(AssetSpec {
            code: AssetCode::new("USD").unwrap(),
            scale: 2,
        }),
        Command::ListAsset(AssetSpec {
            code: AssetCode::new("BTC").unwrap(),
            scale: 2,
        }),
        Command::ListInstrument(InstrumentSpec {
            base: AssetId(1),
            quote: AssetId(0),
            price_scale: 0,
            tick_size: Price::from_raw(1),
            lot_size: Qty::from_raw(1),
            min_qty: Qty::from_raw(1),
            max_qty: Qty::from_raw(1_000_000),
            min_notional: Amount::ZERO,
            price_band_bps: 5_000,
            maker_fee_bps: 10,
            taker_fee_bps: 20,
            reference_price: Some(Price::from_raw(100)),
        }),
        deposit(1, 1, 0, 1_000_000, false),
        deposit(2, 2, 1, 10_000, false),
        deposit(3, 2, 0, 5_000, true),
        Command::PostTransfer {
            transfer: TransferId(3),
            amount: Some(Amount::from_raw(4_000)),
        },
        limit(2, Side::Sell, 101, 300, None),
        limit(1, Side::Buy, 101, 100, Some("a-1")),
        limit(1, Side::Buy, 99, 500, Some("a-2")),
        Command::Amend {
            owner: OwnerId(1),
            order: OrderRef::Id(bourse_types::OrderId(3)),
            price: Some(Price::from_raw(98)),
            qty: None,
        },
        limit(2, Side::Sell, 98, 200, None),
        Command::Cancel {
            owner: OwnerId(1),
            order: OrderRef::Id(bourse_types::OrderId(3)),
        },
        Command::Transfer(InternalTransfer {
            id: TransferId(4),
            from: OwnerId(1),
            to: OwnerId(3),
            asset: AssetId(0),
            amount: Amount::from_raw(1_000),
        }),
    ]
}

async fn projection(store: &Store) {
    let mut venue = Venue::new();
    let released: Vec<Released> = script().into_iter().map(|c| venue.apply(c)).collect();
    let mut projector = Projector::open(store.clone()).await.unwrap();
    assert_eq!(projector.projected_seq(), 0);
    // In two flushes, to check that open orders carry over between them.
    for released in &released[..9] {
        projector.apply(released);
    }
    projector.flush().await.unwrap();
    let mut projector = Projector::open(store.clone()).await.unwrap();
    assert_eq!(projector.projected_seq(), 9);
    assert_eq!(projector.open_orders(), 1, "the partly filled sell rests");
    for released in &released {
        projector.apply(released); // the first nine are skipped as already projected
    }
    projector.flush().await.unwrap();
    assert_eq!(store.projected_seq().await.unwrap(), released.len() as u64);

    let page = Page { page: 1, limit: 50 };
    let (orders, total) = store
        .orders(
            OrderFilter {
                owner: Some(1),
                ..OrderFilter::default()
            },
            page,
        )
        .await
        .unwrap();
    assert_eq!(total, 2);
    // Newest first: o3 (amended to 98, filled 200 of 500, then cancelled), o2 (filled).
    let o3 = &orders[0];
    let price = match o3.kind {
        OrderKind::Limit { price, .. } => Some(price.raw()),
        _ => None,
    };
    assert_eq!(
        (
            o3.id.0,
            o3.status.as_str(),
            price,
            o3.filled.raw(),
            o3.leaves.raw()
        ),
        (3, "cancelled", Some(98), 200, 300)
    );
    assert_eq!(o3.reason.map(|r| r.code()), Some("REQUESTED"));
    assert_eq!(
        o3.client_order_id.map(|c| c.to_string()).as_deref(),
        Some("a-2")
    );
    let o2 = &orders[1];
    assert_eq!(
        (
            o2.status.as_str(),
            o2.filled.raw(),
            o2.filled_notional.raw(),
            o2.fees.raw()
        ),
        ("filled", 100, 10_100, 20)
    );
    let (open, _) = store
        .orders(
            OrderFilter {
                owner: Some(2),
                status: OrderStatusFilter::Open,
                ..OrderFilter::default()
            },
            page,
        )
        .await
        .unwrap();
    assert_eq!(open.len(), 1);
    assert_eq!(
        (open[0].id.0, open[0].leaves.raw(), open[0].status.as_str()),
        (1, 200, "partially_filled")
    );
    let (sells, _) = store
        .orders(
            OrderFilter {
                side: Some(Side::Sell),
                ..OrderFilter::default()
            },
            page,
        )
        .await
        .unwrap();
    assert_eq!(sells.len(), 2);
    assert_eq!(
        store
            .order_by_client_id(1, "a-1")
            .await
            .unwrap()
            .unwrap()
            .id
            .0,
        2
    );
    assert_eq!(
        store.order(4).await.unwrap().unwrap().status.as_str(),
        "filled"
    );

    let (trades, total) = store.trades_of(1, None, page).await.unwrap();
    assert_eq!(total, 2);
    assert_eq!(
        (trades[0].price, trades[0].qty, trades[0].aggressor.as_str()),
        (98, 200, "sell")
    );
    assert_eq!(store.trades_of(1, Some(7), page).await.unwrap().1, 0);
    let tape = store.recent_trades(0, 10).await.unwrap();
    assert_eq!(tape.iter().map(|t| t.id).collect::<Vec<_>>(), [1, 2]);

    let (transfers, _) = store.transfers_of(2, page).await.unwrap();
    let pending = transfers.iter().find(|t| t.id == 3).unwrap();
    assert_eq!(
        (pending.amount, pending.posted, pending.status.as_str()),
        (5_000, Some(4_000), "posted")
    );
    // An internal transfer is listed for both of its owners.
    for owner in [1, 3] {
        let (transfers, _) = store.transfers_of(owner, page).await.unwrap();
        let internal = transfers.iter().find(|t| t.id == 4).unwrap();
        assert_eq!(
            (
                internal.kind.as_str(),
                internal.owner,
                internal.counterparty,
                internal.posted
            ),
            ("internal", 1, Some(3), Some(1_000))
        );
    }

    let balances = store.balances(1).await.unwrap();
    let usd = balances.iter().find(|b| b.asset == 0).unwrap();
    let engine_usd = venue.engine.balance(OwnerId(1), AssetId(0)).unwrap();
    assert_eq!(
        (usd.available, usd.held),
        (engine_usd.available.raw(), engine_usd.held.raw())
    );

    let candles = store.candles(0, Interval::M1, 10).await.unwrap();
    assert!(!candles.is_empty());
    let last = candles.last().unwrap();
    // Both trades fall in the same minute: 100 at 101, then 200 at 98.
    assert_eq!(
        (
            last.open.raw(),
            last.close.raw(),
            last.volume.raw(),
            last.trades
        ),
        (101, 98, 300, 2)
    );

    store.reset_read_models().await.unwrap();
    assert_eq!(store.projected_seq().await.unwrap(), 0);
    assert_eq!(
        store.orders(OrderFilter::default(), page).await.unwrap().1,
        0
    );
    assert_eq!(
        store.user_count().await.unwrap(),
        0,
        "accounts are not read models"
    );
}

#[tokio::test]
async fn the_projector_builds_read_models_in_batches() {
    on_both!("projection", projection);
}

async fn subaccounts(store: &Store) {
    let first = store.create_subaccount(7, "grid", 1_000).await.unwrap();
    let other_user = store.create_subaccount(8, "grid", 2_000).await.unwrap();
    assert_ne!(first.id, other_user.id);
    assert!(matches!(
        store.create_subaccount(7, "grid", 3_000).await,
        Err(StoreError::NameTaken)
    ));
    let second = store.create_subaccount(7, "hedge", 4_000).await.unwrap();
    assert_eq!(second.name, "hedge");
    let all = store.subaccounts().await.unwrap();
    assert_eq!(all, vec![first, other_user, second]);
}

#[tokio::test]
async fn sub_accounts_are_kept_with_names_unique_per_user() {
    on_both!("subaccounts", subaccounts);
}

async fn strategies_and_signals(store: &Store) {
    use bourse_store::{NewStrategy, SignalFilter, SignalRow};
    let new = NewStrategy {
        user_id: 7,
        subaccount_id: 3,
        name: "trend",
        builtin: "sma_crossover",
        symbol: "BTC-USD",
        timeframe: "1m",
        params: r#"{"fast":10}"#,
        status: "created",
        created_at: 1_000,
    };
    let row = store.insert_strategy(new).await.unwrap();
    assert!(matches!(
        store.insert_strategy(new).await,
        Err(StoreError::NameTaken)
    ));
    store
        .update_strategy(row.id, "running", None, r#"{"fast":12}"#, 2_000)
        .await
        .unwrap();
    store
        .save_strategy_state(row.id, "{}", 3_000)
        .await
        .unwrap();
    let all = store.strategies().await.unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(
        (
            all[0].status.as_str(),
            all[0].params.as_str(),
            all[0].state.as_deref(),
            all[0].updated_at
        ),
        ("running", r#"{"fast":12}"#, Some("{}"), 3_000)
    );
    for (i, (symbol, side)) in [("BTC-USD", "buy"), ("ETH-USD", "sell"), ("BTC-USD", "sell")]
        .into_iter()
        .enumerate()
    {
        store
            .insert_signal(&SignalRow {
                id: 0,
                strategy_id: row.id,
                user_id: 7,
                symbol: symbol.into(),
                timeframe: "1m".into(),
                side: side.into(),
                strength: "strong".into(),
                time_ms: 10 + i as u64,
                body: "{}".into(),
            })
            .await
            .unwrap();
    }
    let page = Page { page: 1, limit: 10 };
    let mine = SignalFilter {
        user_id: 7,
        ..Default::default()
    };
    let (rows, total) = store.signals(&mine, page).await.unwrap();
    assert_eq!((rows.len(), total), (3, 3));
    assert_eq!(rows[0].time_ms, 12, "newest first");
    let btc_sells = SignalFilter {
        symbol: Some("BTC-USD".into()),
        side: Some("sell".into()),
        strategy_id: Some(row.id),
        ..mine.clone()
    };
    let (rows, total) = store.signals(&btc_sells, page).await.unwrap();
    assert_eq!((rows.len(), total, rows[0].time_ms), (1, 1, 12));
    let (rows, total) = store
        .signals(
            &SignalFilter {
                user_id: 8,
                ..Default::default()
            },
            page,
        )
        .await
        .unwrap();
    assert_eq!(
        (rows.len(), total),
        (0, 0),
        "another user's signals are not listed"
    );
    let (rows, _) = store
        .signals(&mine, Page { page: 2, limit: 2 })
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
}

#[tokio::test]
async fn strategies_and_their_signals_are_kept() {
    on_both!("strategies", strategies_and_signals);
}
