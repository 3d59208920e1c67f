//! The journal subcommands, run as a user would run them.

#[path = "support/cli.rs"]
mod cli;
use cli::{TempDir, bourse};

use bourse_bench::{MixParams, exchange_mix};
use bourse_engine::Command;
use bourse_journal::{DataDir, NoSink, PipelineConfig, StdFs, Venue, recover};
use std::path::PathBuf;
use std::sync::Arc;

/// A data directory holding a journal of `orders` mix commands plus setup, without
/// snapshots; returns the number of records.
fn journal(dir: &DataDir, orders: usize) -> u64 {
    let workload = exchange_mix(MixParams {
        commands: orders,
        accounts: 5,
        resting_orders: 20,
        price_spread_ticks: 20,
        ..MixParams::default()
    });
    let commands: Vec<Command> = workload
        .setup
        .into_iter()
        .chain(workload.prefill)
        .chain(workload.commands)
        .collect();
    let recovered = recover(&StdFs, dir).unwrap();
    let config = PipelineConfig {
        snapshot_every_commands: 0,
        snapshot_every: None,
        ..PipelineConfig::default()
    };
    let venue = Venue::start(
        Arc::new(StdFs),
        dir.clone(),
        config,
        recovered,
        Box::new(NoSink),
        bourse_journal::system_clock(),
    )
    .unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    for command in &commands {
        let tx = tx.clone();
        venue.submit(
            command.clone(),
            Box::new(move |r| tx.send(r.is_ok()).unwrap()),
        );
    }
    for _ in &commands {
        assert!(rx.recv().unwrap());
    }
    venue.shutdown().unwrap();
    std::fs::remove_dir_all(dir.snapshots()).unwrap();
    commands.len() as u64
}

#[test]
fn verify_inspect_and_snapshot() {
    let temp = TempDir::new("journal");
    let dir = DataDir::new(&temp.0);
    let records = journal(&dir, 200);
    let data = temp.0.to_str().unwrap();

    let (ok, out, err) = bourse(&["journal", "verify", "--data-dir", data]);
    assert!(ok, "verify failed: {out}{err}");
    assert!(
        out.contains(&format!("records:           {records}")),
        "{out}"
    );
    assert!(out.trim_end().ends_with("ok"), "{out}");

    let (ok, out, err) = bourse(&[
        "journal",
        "inspect",
        "--data-dir",
        data,
        "--from",
        "1",
        "--limit",
        "4",
    ]);
    assert!(ok, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 4, "{out}");
    assert!(
        lines[0].starts_with("#1 ")
            && lines[0].contains("list asset USD (scale 6) -> listed USD as a0"),
        "{}",
        lines[0]
    );
    assert!(lines[2].contains("list instrument BTC-USD"), "{}", lines[2]);
    assert!(
        lines[3].contains("deposit x") && lines[3].contains("USD -> x"),
        "{}",
        lines[3]
    );
    let (_, out, _) = bourse(&[
        "journal",
        "inspect",
        "--data-dir",
        data,
        "--from",
        &(records - 1).to_string(),
    ]);
    assert_eq!(out.lines().count(), 2, "{out}");
    assert!(
        out.contains(" place u") || out.contains(" cancel u") || out.contains(" amend u"),
        "{out}"
    );

    let (ok, out, err) = bourse(&["snapshot", "--data-dir", data]);
    assert!(ok, "{err}");
    assert!(
        out.contains(&format!("snapshot at sequence {records}")),
        "{out}"
    );
    let (ok, out, _) = bourse(&["journal", "verify", "--data-dir", data]);
    assert!(
        ok && out.contains(&format!("snapshots checked: [{records}]")),
        "{out}"
    );
}

#[test]
fn verify_fails_and_names_the_damage() {
    let temp = TempDir::new("damaged");
    let dir = DataDir::new(&temp.0);
    journal(&dir, 100);
    let mut segments: Vec<PathBuf> = std::fs::read_dir(dir.journal())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "seg"))
        .collect();
    segments.sort();
    let first = &segments[0];
    let mut bytes = std::fs::read(first).unwrap();
    bytes[16 + 20] ^= 0xff;
    std::fs::write(first, &bytes).unwrap();
    let (ok, out, err) = bourse(&["journal", "verify", "--data-dir", temp.0.to_str().unwrap()]);
    assert!(!ok, "verify must fail: {out}");
    assert!(
        err.contains(&first.display().to_string())
            && err.contains("byte 16")
            && err.contains("checksum"),
        "{err}"
    );
}
