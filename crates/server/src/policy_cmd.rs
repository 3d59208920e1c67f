//! `bourse policy test|check|defaults DIR`: the compliance policies of a directory,
//! tested and checked before a venue loads them (docs/compliance.md).

use crate::cli::PolicyCommand;
use bourse_compliance::{PolicySet, TestOutcome, report, run_tests};
use std::process::ExitCode;

pub fn run(command: &PolicyCommand) -> anyhow::Result<ExitCode> {
    match command {
        PolicyCommand::Test(args) => test(&args.dir),
        PolicyCommand::Check(args) => check(&args.dir),
        PolicyCommand::Defaults(args) => defaults(&args.dir),
    }
}

fn load(dir: &std::path::Path) -> Result<bourse_compliance::Policies, ExitCode> {
    let set = PolicySet::from_dir(dir).map_err(|e| {
        eprintln!("{e}");
        ExitCode::FAILURE
    })?;
    set.compile().map_err(|e| {
        eprintln!("{e}");
        ExitCode::FAILURE
    })
}

fn test(dir: &std::path::Path) -> anyhow::Result<ExitCode> {
    let policies = match load(dir) {
        Ok(p) => p,
        Err(code) => return Ok(code),
    };
    let results = run_tests(&policies);
    print!("{}", report(&results));
    if results.is_empty() {
        eprintln!("no test rules (named test_...) in {}", dir.display());
        return Ok(ExitCode::FAILURE);
    }
    let all_pass = results.iter().all(|r| r.outcome == TestOutcome::Pass);
    Ok(if all_pass {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn check(dir: &std::path::Path) -> anyhow::Result<ExitCode> {
    let policies = match load(dir) {
        Ok(p) => p,
        Err(code) => return Ok(code),
    };
    println!(
        "{} files, revision {}; deciding: {}",
        policies.set().files.len(),
        policies.revision(),
        policies.deciding().join(", ")
    );
    Ok(ExitCode::SUCCESS)
}

fn defaults(dir: &std::path::Path) -> anyhow::Result<ExitCode> {
    std::fs::create_dir_all(dir)?;
    let set = PolicySet::defaults();
    let names = set
        .files
        .iter()
        .map(|f| f.name.as_str())
        .chain([bourse_compliance::DATA_FILE]);
    for name in names {
        let path = dir.join(name);
        if path.exists() {
            eprintln!("{} exists; nothing written", path.display());
            return Ok(ExitCode::FAILURE);
        }
    }
    for file in &set.files {
        std::fs::write(dir.join(&file.name), &file.source)?;
    }
    let data = serde_json::to_string_pretty(&set.data)? + "\n";
    std::fs::write(dir.join(bourse_compliance::DATA_FILE), data)?;
    println!(
        "wrote {} policy files and data.json to {}",
        set.files.len(),
        dir.display()
    );
    Ok(ExitCode::SUCCESS)
}
