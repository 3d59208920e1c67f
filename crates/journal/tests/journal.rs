//! The journal's behaviour: round trips, every kind of damage, failing disks,
//! snapshots and idempotency across restarts.

mod support;

use bourse_engine::{Command, Engine, EngineLimits, Event, NewOrder, OrderKind, RejectCode};
use bourse_journal::{
    FileSystem, PipelineConfig, RecoveryError, StdFs, record, recover, recover_with_events,
    snapshot, verify,
};
use bourse_types::{ClientOrderId, OwnerId, Price, Qty, Side, StpMode, TimeInForce, Timestamp};
use std::sync::Arc;
use support::*;

fn std_fs() -> Arc<dyn FileSystem> {
    Arc::new(StdFs)
}

/// The state a plain engine reaches on the same commands (timestamps do not matter
/// to these commands' outcome, so the pipeline's clock cannot make them differ).
fn replayed_hash(
    commands: &[Command],
    released: &[bourse_journal::Released],
) -> bourse_engine::StateHash {
    let mut engine = Engine::new(EngineLimits::default());
    for (command, released) in commands.iter().zip(released) {
        let events = engine.apply(released.seq, released.ts, command).unwrap();
        assert_eq!(
            events, released.events,
            "released events differ from a replay"
        );
    }
    engine.state_hash()
}

#[test]
fn commands_survive_a_restart() {
    let temp = TempDir::new("restart");
    let dir = temp.data();
    let commands = commands(3_000);
    let venue = start(std_fs(), &dir, small_segments());
    let results = run_all(&venue, &commands);
    let released: Vec<_> = results
        .into_iter()
        .map(|r| r.expect("acknowledged"))
        .collect();
    assert!(
        released.windows(2).all(|w| w[1].seq == w[0].seq + 1),
        "sequence numbers are consecutive"
    );
    let report = venue.shutdown().expect("clean shutdown");
    assert_eq!(report.last_seq, commands.len() as u64);
    assert_eq!(report.state_hash, replayed_hash(&commands, &released));
    assert!(segment_files(&dir).len() > 3, "small segments roll");

    let recovered = recover(&StdFs, &dir).unwrap();
    assert_eq!(recovered.report.last_seq, commands.len() as u64);
    assert_eq!(recovered.report.state_hash, report.state_hash);
    // The clean shutdown left a snapshot, so nothing needed replaying.
    assert_eq!(
        recovered.report.snapshot.map(|s| s.seq),
        Some(commands.len() as u64)
    );
    assert_eq!(recovered.report.records_replayed, 0);

    // Without the snapshot, the whole journal replays to the same state.
    std::fs::remove_dir_all(dir.snapshots()).unwrap();
    let recovered = recover(&StdFs, &dir).unwrap();
    assert_eq!(recovered.report.records_replayed, commands.len() as u64);
    assert_eq!(recovered.report.state_hash, report.state_hash);

    let verified = verify(&StdFs, &dir).unwrap();
    assert_eq!(
        (verified.records, verified.last_seq),
        (commands.len() as u64, commands.len() as u64)
    );
    assert!(verified.problems.is_empty(), "{:?}", verified.problems);
}

#[test]
fn appending_continues_after_recovery() {
    let temp = TempDir::new("continue");
    let dir = temp.data();
    let commands = commands(1_000);
    let total = commands.len() as u64;
    let (first, second) = commands.split_at(600);
    let venue = start(std_fs(), &dir, small_segments());
    run_all(&venue, first);
    drop(venue);
    let venue = start(std_fs(), &dir, small_segments());
    let results = run_all(&venue, second);
    assert_eq!(results[0].as_ref().unwrap().seq, 601);
    let hash = venue.shutdown().unwrap().state_hash;
    std::fs::remove_dir_all(dir.snapshots()).unwrap();
    let verified = verify(&StdFs, &dir).unwrap();
    assert_eq!((verified.last_seq, verified.state_hash), (total, hash));
}

/// A journal of the mix's first `commands` orders (plus its setup), without snapshots;
/// returns the directory, the state hash and the number of records.
fn journal_of(commands: usize, name: &str) -> (TempDir, bourse_engine::StateHash, u64) {
    let temp = TempDir::new(name);
    let dir = temp.data();
    let venue = start(std_fs(), &dir, small_segments());
    let commands = support::commands(commands);
    run_all(&venue, &commands);
    let hash = venue.shutdown().unwrap().state_hash;
    std::fs::remove_dir_all(dir.snapshots()).unwrap();
    (temp, hash, commands.len() as u64)
}

#[test]
fn a_torn_tail_is_truncated_and_reported() {
    let (temp, hash, _) = journal_of(500, "torn");
    let dir = temp.data();
    let last = segment_files(&dir).pop().unwrap();
    let good_len = std::fs::metadata(&last).unwrap().len();
    // Half a record, as a crash in the middle of a write leaves it.
    let mut partial = Vec::new();
    record::encode(
        &mut partial,
        999_999,
        1,
        &record::ZERO_HASH,
        b"never acknowledged",
    );
    let mut bytes = std::fs::read(&last).unwrap();
    bytes.extend_from_slice(&partial[..partial.len() / 2]);
    std::fs::write(&last, &bytes).unwrap();

    let recovered = recover(&StdFs, &dir).unwrap();
    let torn = recovered.report.torn_tail.expect("torn tail reported");
    assert_eq!((torn.file, torn.offset), (last.clone(), good_len));
    assert_eq!(
        std::fs::metadata(&last).unwrap().len(),
        good_len,
        "the tail was cut off"
    );
    assert_eq!(recovered.report.state_hash, hash);
    // A second recovery finds nothing to repair.
    assert!(recover(&StdFs, &dir).unwrap().report.torn_tail.is_none());
}

#[test]
fn a_corrupt_last_record_counts_as_torn_only_at_the_very_end() {
    let (temp, hash, total) = journal_of(300, "torn-crc");
    let dir = temp.data();
    let last = segment_files(&dir).pop().unwrap();
    let mut bytes = std::fs::read(&last).unwrap();
    let len = bytes.len();
    bytes[len - 1] ^= 0xff;
    std::fs::write(&last, &bytes).unwrap();
    let recovered = recover(&StdFs, &dir).unwrap();
    assert!(recovered.report.torn_tail.is_some());
    // The damaged last record is gone, so the state is one command short.
    assert_eq!(recovered.report.last_seq, total - 1);
    assert_ne!(recovered.report.state_hash, hash);
}

#[test]
fn a_flipped_byte_in_the_middle_stops_recovery_naming_file_and_offset() {
    let (temp, _, _) = journal_of(500, "flip");
    let dir = temp.data();
    let files = segment_files(&dir);
    let victim = &files[files.len() / 2];
    let mut bytes = std::fs::read(victim).unwrap();
    // The first record of the segment: its sequence number field.
    let offset = 16 + 10;
    bytes[offset] ^= 0x01;
    std::fs::write(victim, &bytes).unwrap();
    match recover(&StdFs, &dir) {
        Err(RecoveryError::Corrupt { file, offset, what }) => {
            assert_eq!(&file, victim);
            assert_eq!(offset, 16);
            assert!(what.contains("checksum"), "{what}");
        }
        other => panic!("expected corruption, got {:?}", other.map(|r| r.report)),
    }
    let message = recover(&StdFs, &dir).unwrap_err().to_string();
    assert!(
        message.contains(&victim.display().to_string()) && message.contains("byte 16"),
        "{message}"
    );
}

#[test]
fn a_missing_segment_stops_recovery() {
    let (temp, _, _) = journal_of(500, "missing");
    let dir = temp.data();
    let files = segment_files(&dir);
    assert!(files.len() > 4, "enough segments to lose one in the middle");
    std::fs::remove_file(&files[2]).unwrap();
    match recover(&StdFs, &dir) {
        Err(RecoveryError::Gap {
            file,
            expected,
            found,
        }) => {
            assert_eq!(file, files[3]);
            assert!(found > expected, "{expected} -> {found}");
        }
        other => panic!("expected a gap, got {:?}", other.map(|r| r.report)),
    }
}

#[test]
fn losing_the_newest_segment_is_noticed() {
    let (temp, _, _) = journal_of(500, "lost-head");
    let dir = temp.data();
    let newest = segment_files(&dir).pop().unwrap();
    std::fs::remove_file(&newest).unwrap();
    match recover(&StdFs, &dir) {
        Err(RecoveryError::MissingSegment { file }) => assert_eq!(file, newest),
        other => panic!(
            "expected a missing segment, got {:?}",
            other.map(|r| r.report)
        ),
    }
}

#[test]
fn a_broken_hash_chain_stops_recovery() {
    let (temp, _, _) = journal_of(400, "chain");
    let dir = temp.data();
    let files = segment_files(&dir);
    let victim = &files[1];
    let bytes = std::fs::read(victim).unwrap();
    // Rewrite the segment's second record with a wrong previous hash but a valid
    // checksum, as a forger who knows the format would.
    let first = record::decode(&bytes[16..]).unwrap();
    let second_at = 16 + first.size;
    let second = record::decode(&bytes[second_at..]).unwrap();
    let mut forged = bytes[..second_at].to_vec();
    record::encode(&mut forged, second.seq, second.ts, &[7; 16], second.payload);
    forged.extend_from_slice(&bytes[second_at + second.size..]);
    std::fs::write(victim, &forged).unwrap();
    match recover(&StdFs, &dir) {
        Err(RecoveryError::BrokenChain { file, offset, seq }) => {
            assert_eq!((&file, offset, seq), (victim, second_at as u64, second.seq));
        }
        other => panic!("expected a broken chain, got {:?}", other.map(|r| r.report)),
    }
    assert!(matches!(
        verify(&StdFs, &dir),
        Err(RecoveryError::BrokenChain { .. })
    ));
}

/// Runs commands through a venue whose file system fails, then checks that what was
/// acknowledged is exactly a prefix that recovery finds, and that nothing after the
/// failure was acknowledged.
fn check_failure_stops_acknowledgements(fs: Arc<FaultyFs>, name: &str) {
    let temp = TempDir::new(name);
    let dir = temp.data();
    let commands = commands(4_000);
    let faulty: Arc<dyn FileSystem> = Arc::new(Faulty(fs));
    let venue = start(faulty, &dir, small_segments());
    let results = run_all(&venue, &commands);
    let acked = results.iter().take_while(|r| r.is_ok()).count();
    assert!(
        acked > 0,
        "some commands were acknowledged before the fault"
    );
    assert!(acked < commands.len(), "the fault stopped acknowledgements");
    assert!(
        results[acked..].iter().all(|r| r.is_err()),
        "nothing is acknowledged after the fault"
    );
    assert!(!venue.is_available());
    let health = venue.health();
    assert!(health.journal_error.is_some());
    assert_eq!(health.released_seq, acked as u64);
    // A later submission is refused at once.
    let late = run_all(&venue, &commands[..1]);
    assert!(late[0].is_err());
    drop(venue);

    // Restarted on a healthy disk: every acknowledged command is there.
    let recovered = recover(&StdFs, &dir).unwrap();
    assert!(
        recovered.report.last_seq >= acked as u64,
        "acknowledged commands were lost"
    );
    let released: Vec<_> = results[..acked]
        .iter()
        .map(|r| r.clone().unwrap())
        .collect();
    let mut engine = Engine::new(EngineLimits::default());
    for (command, released) in commands.iter().zip(&released) {
        engine.apply(released.seq, released.ts, command).unwrap();
    }
    let mut replay = Engine::new(EngineLimits::default());
    bourse_journal::scan(&StdFs, &dir.journal(), 1, false, |record| {
        let command = bourse_engine::decode_command(record.payload).unwrap();
        assert_eq!(
            command,
            commands[record.seq as usize - 1],
            "the journal holds what was submitted"
        );
        replay
            .apply(record.seq, Timestamp(record.ts), &command)
            .unwrap();
        if record.seq == acked as u64 {
            assert_eq!(replay.state_hash(), engine.state_hash());
        }
        Ok(())
    })
    .unwrap();
    assert_eq!(replay.state_hash(), recovered.report.state_hash);
    recovered.engine.check_invariants().unwrap();
}

#[test]
fn a_failing_fsync_stops_acknowledgements() {
    check_failure_stops_acknowledgements(FaultyFs::failing_sync_after(6), "fsync");
}

#[test]
fn a_full_disk_stops_acknowledgements() {
    check_failure_stops_acknowledgements(FaultyFs::full_after(20_000), "full");
}

#[test]
fn recovery_uses_the_newest_valid_snapshot_and_reports_bad_ones() {
    let temp = TempDir::new("snapshots");
    let dir = temp.data();
    let commands = commands(2_000);
    let config = PipelineConfig {
        snapshots_retained: 5,
        ..small_segments()
    };
    let total = commands.len() as u64;
    let venue = start(std_fs(), &dir, config.clone());
    run_all(&venue, &commands[..800]);
    let first = venue.snapshot_now().unwrap();
    run_all(&venue, &commands[800..1_500]);
    let second = venue.snapshot_now().unwrap();
    run_all(&venue, &commands[1_500..]);
    let health = venue.health();
    assert_eq!(health.durable_seq, total);
    assert_eq!(health.last_snapshot_seq, Some(1_500));
    let hash = venue.shutdown().unwrap().state_hash;
    // Remove the shutdown's snapshot, as if the process had crashed instead.
    std::fs::remove_file(dir.snapshots().join(snapshot::snapshot_name(total))).unwrap();

    let recovered = recover(&StdFs, &dir).unwrap();
    assert_eq!(recovered.report.snapshot.map(|s| s.seq), Some(1_500));
    assert_eq!(recovered.report.records_replayed, total - 1_500);
    assert_eq!(recovered.report.state_hash, hash);

    // Damage the newest snapshot: recovery falls back to the older one, says so, and
    // still reaches the same state.
    let mut bytes = std::fs::read(&second).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x55;
    std::fs::write(&second, &bytes).unwrap();
    let recovered = recover(&StdFs, &dir).unwrap();
    assert_eq!(recovered.report.snapshot.map(|s| s.seq), Some(800));
    assert_eq!(recovered.report.snapshots_rejected.len(), 1);
    assert_eq!(recovered.report.state_hash, hash);
    // Verification reports the damaged snapshot.
    let verified = verify(&StdFs, &dir).unwrap();
    assert_eq!(verified.snapshots_checked, vec![800]);
    assert_eq!(verified.problems.len(), 1, "{:?}", verified.problems);
    assert!(first.exists());
}

#[test]
fn recovery_hands_a_lagging_consumer_every_command_it_missed_with_its_events() {
    let temp = TempDir::new("catch-up");
    let dir = temp.data();
    let commands = commands(2_000);
    let config = PipelineConfig {
        snapshots_retained: 5,
        ..small_segments()
    };
    let venue = start(std_fs(), &dir, config);
    run_all(&venue, &commands[..800]);
    venue.snapshot_now().unwrap();
    run_all(&venue, &commands[800..1_500]);
    venue.snapshot_now().unwrap();
    run_all(&venue, &commands[1_500..]);
    let hash = venue.shutdown().unwrap().state_hash;

    // A consumer that stopped at 1,000 needs 1,001 on: the snapshot at 1,500 is too
    // new, so recovery starts from the one at 800.
    let mut handed = Vec::new();
    let recovered =
        recover_with_events(&StdFs, &dir, 1_001, |released| handed.push(released)).unwrap();
    assert_eq!(recovered.report.snapshot.map(|s| s.seq), Some(800));
    assert_eq!(recovered.report.state_hash, hash);
    let total = commands.len() as u64;
    let seqs: Vec<u64> = handed.iter().map(|r| r.seq).collect();
    assert!(
        seqs.iter().copied().eq(1_001..=total),
        "handed {} commands, {:?} to {:?}",
        seqs.len(),
        seqs.first(),
        seqs.last()
    );
    // The events handed over are the ones a replay of the same commands produces.
    let mut engine = Engine::new(EngineLimits::default());
    let mut replay = Vec::new();
    let everything =
        recover_with_events(&StdFs, &dir, 1, |released| replay.push(released)).unwrap();
    assert_eq!(
        everything.report.snapshot, None,
        "no snapshot is before seq 1"
    );
    assert_eq!(everything.report.state_hash, hash);
    for released in &replay {
        let events = engine
            .apply(released.seq, released.ts, &released.command)
            .unwrap();
        assert_eq!(events, released.events);
    }
    for released in &handed {
        let same = &replay[(released.seq - 1) as usize];
        assert_eq!(released.events, same.events);
        assert_eq!(released.command, same.command);
    }
}

#[test]
fn a_client_order_id_is_recognised_after_a_restart() {
    let temp = TempDir::new("idempotent");
    let dir = temp.data();
    let mut commands = commands(0);
    let order = NewOrder {
        owner: OwnerId(1),
        instrument: bourse_bench::INSTRUMENT,
        side: Side::Buy,
        kind: OrderKind::Limit {
            price: Price::from_raw(bourse_bench::MID_PRICE - 500),
            qty: Qty::from_raw(bourse_bench::LOT),
        },
        tif: TimeInForce::Gtc,
        post_only: false,
        stp: StpMode::CancelNewest,
        client_order_id: Some(ClientOrderId::new("retry-me-1").unwrap()),
        expire_at: None,
        reduce_only: false,
        conditions: None,
    };
    commands.push(Command::Place(order.clone()));
    let venue = start(std_fs(), &dir, small_segments());
    let results = run_all(&venue, &commands);
    let placed = results.last().unwrap().as_ref().unwrap();
    let Some(Event::OrderAccepted(accepted)) = placed.events.first() else {
        panic!("order accepted: {:?}", placed.events);
    };
    // A crash: no clean shutdown, no final snapshot.
    std::mem::forget(venue);

    let venue = start(std_fs(), &dir, small_segments());
    let retry = run_all(&venue, &[Command::Place(order)]);
    let events = &retry[0].as_ref().unwrap().events;
    assert!(
        matches!(events.as_slice(), [Event::Rejected(r)]
            if r.code == RejectCode::DuplicateClientOrderId && r.order == Some(accepted.order)),
        "{events:?}"
    );
}

#[test]
fn a_second_process_cannot_take_the_data_directory() {
    let temp = TempDir::new("lock");
    let dir = temp.data();
    let _held = bourse_journal::DirLock::acquire(&dir).unwrap();
    let second = std::fs::OpenOptions::new()
        .write(true)
        .open(dir.lock_file())
        .unwrap();
    assert!(second.try_lock().is_err(), "the lock is exclusive");
}

#[test]
fn a_temporary_file_left_by_a_crash_does_not_leak_into_the_next_write() {
    let temp = TempDir::new("leftover-tmp");
    let path = temp.0.join("HEAD");
    std::fs::write(temp.0.join("HEAD.tmp"), b"half a write from a dead process").unwrap();
    StdFs.write_atomic(&path, b"fresh\n").unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), b"fresh\n");
    assert!(!temp.0.join("HEAD.tmp").exists());
}

#[test]
fn a_segment_torn_while_being_created_gets_its_header_back() {
    let (temp, hash, total) = journal_of(300, "torn-header");
    let dir = temp.data();
    // A crash right after creating the next segment, before its header was written.
    let empty = dir
        .journal()
        .join(bourse_journal::log::segment_name(total + 1));
    std::fs::write(&empty, b"BRS").unwrap();
    let recovered = recover(&StdFs, &dir).unwrap();
    assert_eq!(
        recovered.report.torn_tail.as_ref().map(|t| t.file.clone()),
        Some(empty.clone())
    );
    assert_eq!(recovered.report.state_hash, hash);
    drop(recovered);
    // Appending resumes in that segment, header first.
    let venue = start(std_fs(), &dir, small_segments());
    let more = commands(310);
    run_all(&venue, &more[total as usize..]);
    drop(venue);
    let bytes = std::fs::read(&empty).unwrap();
    assert_eq!(&bytes[..4], b"BRSJ");
    std::fs::remove_dir_all(dir.snapshots()).unwrap();
    let verified = verify(&StdFs, &dir).unwrap();
    assert_eq!(verified.last_seq, more.len() as u64);
    assert!(verified.problems.is_empty(), "{:?}", verified.problems);
}
