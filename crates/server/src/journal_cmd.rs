//! `bourse journal verify`, `bourse journal inspect` and `bourse snapshot`.

use crate::cli::{DataDirArgs, InspectArgs};
use crate::describe::Describer;
use anyhow::Context;
use bourse_engine::decode_recorded;
use bourse_journal::{DataDir, DirLock, StdFs, recover, scan, snapshot, verify as verify_dir};
use bourse_types::Timestamp;
use std::process::ExitCode;

/// The data directory, which must exist for the read-only commands.
fn existing(args: &DataDirArgs) -> anyhow::Result<DataDir> {
    anyhow::ensure!(
        args.data_dir.is_dir(),
        "the data directory {} does not exist",
        args.data_dir.display()
    );
    Ok(DataDir::new(&args.data_dir))
}

pub fn verify(args: &DataDirArgs) -> anyhow::Result<ExitCode> {
    let dir = existing(args)?;
    let report = verify_dir(&StdFs, &dir).context("verification failed")?;
    println!("segments:          {}", report.segments);
    println!("records:           {}", report.records);
    println!("last sequence:     {}", report.last_seq);
    println!("state hash:        {}", report.state_hash);
    println!("snapshots checked: {:?}", report.snapshots_checked);
    if report.problems.is_empty() {
        println!("ok");
        return Ok(ExitCode::SUCCESS);
    }
    for problem in &report.problems {
        println!("problem: {problem}");
    }
    Ok(ExitCode::FAILURE)
}

pub fn inspect(args: &InspectArgs) -> anyhow::Result<ExitCode> {
    let dir = existing(&args.dir)?;
    let mut describer = Describer::new();
    let mut printed = 0u64;
    let end = args.from.saturating_add(args.limit);
    let mut failure: Option<anyhow::Error> = None;
    let outcome = scan(&StdFs, &dir.journal(), 1, false, |record| {
        if record.seq >= end || failure.is_some() {
            return Ok(());
        }
        let (command, version) = match decode_recorded(record.payload) {
            Ok(decoded) => decoded,
            Err(error) => {
                failure = Some(anyhow::anyhow!(
                    "record {} does not decode: {error}",
                    record.seq
                ));
                return Ok(());
            }
        };
        let description = describer.command(&command);
        let events = match describer.apply(record.seq, Timestamp(record.ts), &command, version) {
            Ok(events) => events,
            Err(error) => {
                failure = Some(error);
                return Ok(());
            }
        };
        if record.seq >= args.from {
            let hash: String = record.hash[..4]
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            println!(
                "#{} {} {hash} {description} -> {}",
                record.seq,
                Timestamp(record.ts).to_rfc3339(3),
                describer.events(&events)
            );
            printed += 1;
        }
        Ok(())
    });
    if let Some(error) = failure {
        return Err(error);
    }
    let end = outcome.context("reading the journal")?;
    if let Some(torn) = end.torn_tail {
        eprintln!(
            "note: {} ends with a torn record at byte {} ({} bytes); recovery will truncate it",
            torn.file.display(),
            torn.offset,
            torn.bytes_removed
        );
    }
    if printed == 0 {
        eprintln!(
            "no records from sequence {} (the journal ends at {})",
            args.from,
            end.tail.next_seq - 1
        );
    }
    Ok(ExitCode::SUCCESS)
}

pub fn snapshot(args: &DataDirArgs) -> anyhow::Result<ExitCode> {
    let dir = existing(args)?;
    let _lock =
        DirLock::acquire(&dir).context("the data directory is in use (stop the venue first)")?;
    let recovered = recover(&StdFs, &dir).context("recovery failed")?;
    if let Some(torn) = &recovered.report.torn_tail {
        println!(
            "truncated a torn tail: {} bytes at byte {} of {}",
            torn.bytes_removed,
            torn.offset,
            torn.file.display()
        );
    }
    let engine = &recovered.engine;
    if engine.seq() == 0 {
        println!("the journal is empty: nothing to snapshot");
        return Ok(ExitCode::SUCCESS);
    }
    let path = snapshot::write(&StdFs, &dir.snapshots(), engine).context("writing the snapshot")?;
    println!(
        "snapshot at sequence {} with state hash {}: {}",
        engine.seq(),
        engine.state_hash(),
        path.display()
    );
    Ok(ExitCode::SUCCESS)
}
