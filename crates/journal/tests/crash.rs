//! Crash test: a child process takes commands under load and is killed with SIGKILL at
//! random moments, then restarted, over and over. Afterwards every acknowledged command
//! must be in the journal, the ledger invariants must hold, and a replay from an empty
//! engine must reach the recovered state.
//!
//! The child is this same test binary, started again with an environment variable
//! that makes the test run the child's loop instead. It acknowledges on stdout: a line
//! `ACK <seq> <digest>` is printed only when the pipeline has made the command durable.

mod support;

use bourse_bench::Rng;
use bourse_engine::{
    Command, Engine, EngineLimits, NewOrder, OrderKind, OrderRef, TransferRequest, decode_command,
    encode_command,
};
use bourse_journal::{
    DataDir, FsyncPolicy, NoSink, PipelineConfig, StdFs, Venue, recover, scan, verify,
};
use bourse_types::{
    Amount, AssetCode, AssetId, AssetSpec, ClientOrderId, InstrumentId, OrderId, OwnerId, Price,
    Qty, Side, StpMode, TimeInForce, Timestamp, TransferId,
};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::process::{Command as Process, Stdio};
use std::sync::Arc;
use std::sync::mpsc::channel;
use std::time::{Duration, Instant};

const CHILD_DIR: &str = "BOURSE_CRASH_CHILD_DIR";
const KILLS: usize = 24;
const SEED: u64 = 0x00b0_0125_e000;
const USERS: u64 = 50;

fn digest(command: &Command) -> String {
    let hash = blake3::hash(&encode_command(command));
    hash.as_bytes()[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[test]
fn acknowledged_commands_survive_sigkill() {
    if let Ok(dir) = std::env::var(CHILD_DIR) {
        child(DataDir::new(dir));
    }
    parent();
}

fn setup() -> Vec<Command> {
    let mut commands = vec![
        Command::ListAsset(AssetSpec {
            code: AssetCode::new("USD").unwrap(),
            scale: 6,
        }),
        Command::ListAsset(AssetSpec {
            code: AssetCode::new("BTC").unwrap(),
            scale: 8,
        }),
        Command::ListInstrument(bourse_bench::mix_instrument()),
    ];
    for owner in 1..=USERS {
        for (asset, amount) in [(0u16, 1_000_000_000_000u64), (1, 10_000_000_000)] {
            commands.push(Command::Deposit(TransferRequest {
                id: TransferId(owner * 2 + u64::from(asset)),
                owner: OwnerId(owner),
                asset: AssetId(asset),
                amount: Amount::from_raw(amount),
                pending: false,
            }));
        }
    }
    commands
}

/// The child: recover, then submit commands until killed.
fn child(dir: DataDir) -> ! {
    let recovered = recover(&StdFs, &dir).expect("child recovery");
    let start_seq = recovered.engine.seq();
    let next_order = recovered.engine.open_order_count() as u64 + start_seq;
    let config = PipelineConfig {
        fsync: FsyncPolicy::Batch,
        segment_bytes_max: 256 << 10,
        batch_commands_max: 256,
        snapshot_every_commands: 500,
        snapshot_every: None,
        ..PipelineConfig::default()
    };
    let venue = Venue::start(
        Arc::new(StdFs),
        dir,
        config,
        recovered,
        Box::new(NoSink),
        bourse_journal::system_clock(),
    )
    .expect("child venue");
    let stdout = Arc::new(std::sync::Mutex::new(std::io::stdout()));
    let submit = |command: Command| {
        let digest = digest(&command);
        let stdout = stdout.clone();
        venue.submit(
            command,
            Box::new(move |result| {
                if let Ok(released) = result {
                    let mut out = stdout.lock().unwrap_or_else(|e| e.into_inner());
                    let _ = writeln!(out, "ACK {} {digest}", released.seq);
                    let _ = out.flush();
                }
            }),
        );
    };
    if start_seq == 0 {
        for command in setup() {
            submit(command);
        }
    }
    let mut rng = Rng::new(SEED ^ start_seq);
    for n in 0u64.. {
        let owner = OwnerId(rng.between(1, USERS));
        let command = match rng.below(10) {
            0..=5 => {
                let side = if rng.below(2) == 0 {
                    Side::Buy
                } else {
                    Side::Sell
                };
                let offset = rng.between(0, 40);
                let price = match side {
                    Side::Buy => bourse_bench::MID_PRICE + 10 - offset,
                    Side::Sell => bourse_bench::MID_PRICE - 10 + offset,
                };
                Command::Place(NewOrder {
                    owner,
                    instrument: InstrumentId(0),
                    side,
                    kind: OrderKind::Limit {
                        price: Price::from_raw(price),
                        qty: Qty::from_raw(rng.between(1, 20) * bourse_bench::LOT),
                    },
                    tif: if rng.below(4) == 0 {
                        TimeInForce::Ioc
                    } else {
                        TimeInForce::Gtc
                    },
                    post_only: false,
                    stp: StpMode::CancelNewest,
                    client_order_id: Some(
                        ClientOrderId::new(&format!("c{start_seq}-{n}")).unwrap(),
                    ),
                    expire_at: None,
                    reduce_only: false,
                    conditions: None,
                })
            }
            6..=7 => Command::Cancel {
                owner,
                order: OrderRef::Id(OrderId(rng.between(1, next_order + n + 1))),
            },
            8 => Command::Amend {
                owner,
                order: OrderRef::Id(OrderId(rng.between(1, next_order + n + 1))),
                price: Some(Price::from_raw(
                    bourse_bench::MID_PRICE - rng.between(20, 60),
                )),
                qty: None,
            },
            _ => Command::Deposit(TransferRequest {
                id: TransferId(1_000_000 + start_seq * 1_000_000 + n),
                owner,
                asset: AssetId(0),
                amount: Amount::from_raw(rng.between(1, 1_000_000)),
                pending: rng.below(2) == 0,
            }),
        };
        submit(command);
    }
    unreachable!("the loop runs until the process is killed")
}

fn parent() {
    let temp = support::TempDir::new("crash");
    let dir = temp.data();
    let exe = std::env::current_exe().unwrap();
    let mut rng = Rng::new(SEED);
    let mut acked: BTreeMap<u64, String> = BTreeMap::new();
    let deadline = Instant::now() + Duration::from_secs(240);
    for round in 0..KILLS {
        // Kill after a random number of acknowledgements in this life.
        let kill_after = rng.between(20, 3_000) as usize;
        let stderr_path = temp.0.join(format!("child-{round}.stderr"));
        let mut child = Process::new(&exe)
            .args([
                "acknowledged_commands_survive_sigkill",
                "--exact",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD_DIR, &dir.root)
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&stderr_path).unwrap())
            .spawn()
            .expect("child starts");
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = channel();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Some(rest) = line.strip_prefix("ACK ")
                    && let Some((seq, digest)) = rest.split_once(' ')
                {
                    let _ = tx.send((seq.parse::<u64>().unwrap(), digest.to_string()));
                }
            }
        });
        let mut seen = 0usize;
        while seen < kill_after {
            let left = deadline.saturating_duration_since(Instant::now());
            let (seq, digest) = rx.recv_timeout(left).unwrap_or_else(|_| {
                let stderr = std::fs::read_to_string(&stderr_path).unwrap_or_default();
                panic!("round {round}: the child acknowledged only {seen} commands in time; its stderr:\n{stderr}")
            });
            assert!(
                acked.insert(seq, digest).is_none(),
                "sequence {seq} acknowledged twice"
            );
            seen += 1;
        }
        child.kill().expect("SIGKILL");
        child.wait().unwrap();
        reader.join().unwrap();
        // Acknowledgements that reached the pipe before the kill count too.
        for (seq, digest) in rx.try_iter() {
            assert!(
                acked.insert(seq, digest).is_none(),
                "sequence {seq} acknowledged twice"
            );
        }
    }

    let recovered = recover(&StdFs, &dir).expect("final recovery");
    recovered
        .engine
        .check_invariants()
        .expect("ledger and book invariants");
    let last = *acked.keys().last().unwrap();
    assert!(
        recovered.report.last_seq >= last,
        "acknowledged commands are missing"
    );

    // Every acknowledged command is in the journal, at its sequence number.
    let mut journal = BTreeMap::new();
    let mut replay = Engine::new(EngineLimits::default());
    scan(&StdFs, &dir.journal(), 1, false, |record| {
        let command = decode_command(record.payload).expect("decodes");
        journal.insert(record.seq, digest(&command));
        replay
            .apply(record.seq, Timestamp(record.ts), &command)
            .unwrap();
        Ok(())
    })
    .unwrap();
    for (seq, digest) in &acked {
        assert_eq!(
            journal.get(seq),
            Some(digest),
            "acknowledged command {seq} is not in the journal as sent"
        );
    }
    // A replay from an empty engine reaches the recovered state, and every snapshot
    // that survived the kills agrees with the replay at its sequence number.
    assert_eq!(replay.state_hash(), recovered.report.state_hash);
    let verified = verify(&StdFs, &dir).unwrap();
    assert!(verified.problems.is_empty(), "{:?}", verified.problems);
    assert!(
        !verified.snapshots_checked.is_empty(),
        "snapshots were written between kills"
    );
    println!(
        "crash test: {KILLS} kills, {} acknowledged, {} journaled, {} snapshots checked",
        acked.len(),
        journal.len(),
        verified.snapshots_checked.len()
    );
}
