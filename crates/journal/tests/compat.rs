//! Upgrades: a data directory written by an earlier build still recovers. The one in
//! `tests/data/format-v1` was written with command, event and state format version 1
//! (a journal of 1,600 commands in two segments, and a snapshot at command 800); its
//! `expected.txt` lists the balances, open orders and halted owners that build reached.
//! This build must reach the same, from the snapshot and the tail and from the journal
//! alone, and `verify` must find nothing wrong.

mod support;

use bourse_engine::Engine;
use bourse_journal::{DataDir, StdFs, recover, verify};
use bourse_types::{AssetId, OwnerId};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use support::TempDir;

fn data_v1() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/format-v1")
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// The state a recovered engine must match, as lines of `expected.txt`.
fn state_lines(engine: &Engine) -> BTreeSet<String> {
    let mut lines = BTreeSet::new();
    lines.insert(format!("last_seq {}", engine.seq()));
    let owners: Vec<OwnerId> = engine.owners().collect();
    for owner in &owners {
        for asset in 0..engine.assets().len() {
            if let Some(b) = engine.balance(*owner, AssetId(asset as u16)) {
                lines.insert(format!(
                    "balance {} {asset} {} {}",
                    owner.0,
                    b.available.raw(),
                    b.held.raw()
                ));
            }
        }
        for o in engine.open_orders(*owner) {
            lines.insert(format!(
                "order {} {} {} {} {} {} {} {}",
                o.id.0,
                o.owner.0,
                o.instrument.0,
                o.side.as_str(),
                o.price.raw(),
                o.leaves.raw(),
                o.filled.raw(),
                o.held.raw()
            ));
        }
        if engine.owner_halted(*owner) == Some(true) {
            lines.insert(format!("halted {}", owner.0));
        }
    }
    lines
}

fn expected() -> BTreeSet<String> {
    std::fs::read_to_string(data_v1().join("expected.txt"))
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with('#') && !l.starts_with("state_hash_v1"))
        .map(str::to_string)
        .collect()
}

#[test]
fn the_committed_data_is_of_format_version_1() {
    let snapshot = std::fs::read_dir(data_v1().join("snapshots"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let bytes = std::fs::read(snapshot).unwrap();
    // The snapshot header's own version (u16 at 4), then the state image's.
    assert_eq!(u16::from_le_bytes([bytes[4], bytes[5]]), 1);
    assert_eq!(
        bytes[bourse_journal::snapshot::HEADER_LEN],
        1,
        "state image v1"
    );
    let mut versions = BTreeSet::new();
    bourse_journal::scan(&StdFs, &data_v1().join("journal"), 1, false, |record| {
        versions.insert(record.payload[0]);
        Ok(())
    })
    .unwrap();
    assert_eq!(
        versions,
        BTreeSet::from([1]),
        "every command is wire version 1"
    );
}

#[test]
fn a_data_directory_of_format_version_1_recovers_to_the_state_it_had() {
    let expected = expected();
    assert!(expected.len() > 50, "expected.txt lists the state");

    // The snapshot and the tail after it.
    let dir = TempDir::new("compat-v1");
    copy_dir(&data_v1(), &dir.0);
    let recovered = recover(&StdFs, &dir.data()).expect("format v1 recovers");
    assert_eq!(
        recovered.report.snapshot.map(|s| s.seq),
        Some(800),
        "recovery starts from the v1 snapshot"
    );
    assert_eq!(state_lines(&recovered.engine), expected);

    // The journal alone, replayed from the first command.
    let bare = TempDir::new("compat-v1-journal");
    copy_dir(&data_v1().join("journal"), &bare.0.join("journal"));
    let replayed = recover(&StdFs, &DataDir::new(&bare.0)).expect("the v1 journal replays");
    assert!(replayed.report.snapshot.is_none());
    assert_eq!(
        replayed.engine.state_hash(),
        recovered.engine.state_hash(),
        "snapshot and replay reach the same state"
    );

    // The first command of today's format starts positions from the balances, the same
    // on both paths.
    let mut from_snapshot = recovered.engine.clone();
    let mut from_journal = replayed.engine.clone();
    assert!(from_snapshot.positions(OwnerId(1)).is_empty());
    let seq = from_snapshot.seq() + 1;
    let ts = bourse_types::Timestamp(from_snapshot.now().nanos() + 1);
    from_snapshot
        .apply(seq, ts, &bourse_engine::Command::Tick)
        .unwrap();
    from_journal
        .apply(seq, ts, &bourse_engine::Command::Tick)
        .unwrap();
    assert_eq!(from_snapshot.state_hash(), from_journal.state_hash());
    let owner = OwnerId(1);
    let base = from_snapshot
        .instrument(bourse_types::InstrumentId(0))
        .unwrap()
        .base();
    let balance = from_snapshot.balance(owner, base).unwrap();
    let position = from_snapshot
        .position(owner, bourse_types::InstrumentId(0))
        .expect("a position started from the balance");
    assert_eq!(
        position.qty.raw(),
        balance.available.raw() + balance.held.raw(),
        "the position is the base balance, held included"
    );
    let restored = Engine::decode_state(&from_snapshot.encode_state()).unwrap();
    assert_eq!(restored.state_hash(), from_snapshot.state_hash());

    // Verification reads every record and checks the snapshot against the replay.
    let report = verify(&StdFs, &dir.data()).expect("verify runs");
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    assert_eq!(report.snapshots_checked, [800]);
    assert_eq!(report.state_hash, recovered.engine.state_hash());
}
