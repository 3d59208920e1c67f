//! The `bourse` binary: parses arguments, sets up logging, runs one subcommand and
//! turns its outcome into an exit code. Everything else lives in the library crates.

use bourse::{cli, journal_cmd, user_cmd};

fn bench(args: &cli::BenchArgs) -> anyhow::Result<ExitCode> {
    let options = bourse::bench::BenchOptions {
        url: args.url.clone(),
        clients: args.clients.max(1),
        duration: std::time::Duration::from_secs(args.duration.max(1)),
        subscribers: args.subscribers.max(1),
        rate: args.rate.max(1),
        simulator: args.simulator,
    };
    bourse::bench::run(&args.mode, &options)?;
    Ok(ExitCode::SUCCESS)
}
fn healthcheck(args: &cli::HealthcheckArgs) -> ExitCode {
    let timeout = std::time::Duration::from_millis(args.timeout_ms.max(1));
    match bourse::healthcheck::probe(&args.url, timeout) {
        Ok(status) if (200..300).contains(&status) => ExitCode::SUCCESS,
        Ok(status) => {
            eprintln!("unhealthy: {} answered {status}", args.url);
            ExitCode::FAILURE
        }
        Err(error) => {
            eprintln!("unhealthy: {}: {error:#}", args.url);
            ExitCode::FAILURE
        }
    }
}

use clap::Parser;
use std::process::ExitCode;

/// The request path allocates small, short-lived objects on many threads, where
/// mimalloc is markedly cheaper than the system allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    // `serve` reads its configuration first: it says where spans go.
    let serve_config = match &cli.command {
        cli::Command::Serve(args) => match user_cmd::serve_config(args) {
            Ok(config) => Some(config),
            Err(error) => {
                eprintln!("error: {error:#}");
                return ExitCode::FAILURE;
            }
        },
        _ => None,
    };
    let tracing = serve_config
        .as_ref()
        .map(|c| c.tracing.clone())
        .unwrap_or_default();
    let _guard = match bourse::logging::init(&cli.log_format, &tracing, std::io::stderr) {
        Ok(guard) => guard,
        Err(error) => {
            eprintln!("error: {error:#}");
            return ExitCode::FAILURE;
        }
    };
    let outcome = match cli.command {
        cli::Command::Serve(_) => {
            let config = serve_config.expect("read above");
            user_cmd::runtime().and_then(|rt| rt.block_on(user_cmd::serve(config)))
        }
        cli::Command::User(cli::UserCommand::Add(args)) => {
            user_cmd::runtime().and_then(|rt| rt.block_on(user_cmd::add(&args)))
        }
        cli::Command::RebuildReadModels(args) => {
            user_cmd::runtime().and_then(|rt| rt.block_on(user_cmd::rebuild(&args)))
        }
        cli::Command::Bench(args) => bench(&args),
        cli::Command::Journal(cli::JournalCommand::Verify(args)) => journal_cmd::verify(&args),
        cli::Command::Journal(cli::JournalCommand::Inspect(args)) => journal_cmd::inspect(&args),
        cli::Command::Snapshot(args) => journal_cmd::snapshot(&args),
        cli::Command::Backup(args) => {
            user_cmd::runtime().and_then(|rt| rt.block_on(user_cmd::backup(&args)))
        }
        cli::Command::Restore(args) => {
            user_cmd::runtime().and_then(|rt| rt.block_on(user_cmd::restore(&args)))
        }
        cli::Command::Healthcheck(args) => Ok(healthcheck(&args)),
        cli::Command::Strategies => Ok(bourse::backtest_cmd::strategies()),
        cli::Command::Backtest(args) => bourse::backtest_cmd::backtest(&args),
        cli::Command::Sweep(args) => bourse::backtest_cmd::sweep(&args),
        cli::Command::Import(cli::ImportCommand::Candles(args)) => {
            bourse::backtest_cmd::import_candles(&args)
        }
        cli::Command::Policy(command) => bourse::policy_cmd::run(&command),
        cli::Command::Openapi => {
            println!("{}", bourse_api::openapi::document_json());
            Ok(ExitCode::SUCCESS)
        }
    };
    match outcome {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
