//! `bourse strategies`, `bourse backtest`, `bourse sweep` and `bourse import candles`:
//! the strategy crate's backtester and sweeps from the command line, on the configured
//! instruments, over a CSV file or the venue's stored candles.

use crate::cli::{BacktestArgs, BarsArgs, ImportCandlesArgs, SweepArgs};
use anyhow::{Context as _, bail};
use bourse_market::{Candle, Interval};
use bourse_store::CandleSource;
use bourse_strategy::Bar;
use bourse_strategy::backtest::{
    BacktestConfig, BacktestOutcome, FillModel, SLIPPAGE_BPS_MAX, run,
};
use bourse_strategy::builtins::{BUILTINS, Builtin, find};
use bourse_strategy::html::{ReportPage, money, render};
use bourse_strategy::params::{ParamKind, ParamValue, Params};
use bourse_strategy::report::Statistics;
use bourse_strategy::sweep::{RankBy, Space, SweepSpec, WalkForward, sweep as run_sweep};
use bourse_types::{Amount, Instrument, parse_decimal};
use std::process::ExitCode;

/// Prints every built-in and its parameters.
pub fn strategies() -> ExitCode {
    for builtin in BUILTINS {
        println!("{}  {}", builtin.name, builtin.title);
        println!("    {}", builtin.description);
        for param in builtin.params {
            let range = match param.kind {
                ParamKind::Integer { min, max, default } => {
                    format!("whole number {min}..{max}, default {default}")
                }
                ParamKind::Number { min, max, default } => {
                    format!("number {min}..{max}, default {default}")
                }
                ParamKind::Choice { options, default } => {
                    format!("one of {}, default {default}", options.join(", "))
                }
            };
            println!(
                "    --param {}=...  {} ({range})",
                param.name, param.description
            );
        }
        println!();
    }
    ExitCode::SUCCESS
}

/// The configured instrument called `symbol`, with the configured assets' decimals.
fn configured_instrument(
    config: &crate::config::Config,
    symbol: &str,
) -> anyhow::Result<Instrument> {
    let instruments = crate::serve::configured_instruments(config)?;
    instruments
        .iter()
        .find(|i| i.symbol().as_str().eq_ignore_ascii_case(symbol))
        .copied()
        .with_context(|| {
            format!(
                "no instrument {symbol} is configured (there are: {})",
                instruments
                    .iter()
                    .map(|i| i.symbol().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })
}

fn time_arg(text: &str, flag: &str) -> anyhow::Result<u64> {
    bourse_strategy::data::parse_time_ms(text)
        .with_context(|| format!("{flag} {text:?} is not a time (RFC 3339 or Unix milliseconds)"))
}

/// `name=value` pairs.
fn params(pairs: &[String]) -> anyhow::Result<Params> {
    pairs
        .iter()
        .map(|pair| {
            let (name, value) = pair
                .split_once('=')
                .with_context(|| format!("--param {pair:?} is not name=value"))?;
            Ok((name.trim().to_string(), ParamValue::parse(value.trim())))
        })
        .collect()
}

/// What every backtest command needs: the strategy, the instrument, the bars and the
/// backtest's settings.
struct Prepared {
    builtin: &'static Builtin,
    params: Params,
    instrument: Instrument,
    interval: Interval,
    bars: Vec<Bar>,
    config: BacktestConfig,
}

/// The most bars a command reads from the venue's database.
const STORED_BARS_MAX: u32 = 20_000_000;

/// The venue's stored candles of an instrument and timeframe in a period, as bars.
fn stored_bars(
    config: &crate::config::Config,
    instrument: &Instrument,
    interval: Interval,
    from: Option<u64>,
    to: Option<u64>,
) -> anyhow::Result<Vec<Bar>> {
    if config.data.database_url.is_empty() && !config.data.dir.join("bourse.db").exists() {
        bail!(
            "{} holds no venue: give the bars with --data FILE.csv, or bring them into a venue with `bourse import candles`",
            config.data.dir.display()
        );
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let candles = runtime.block_on(async {
        let store = crate::serve::connect_store(config).await?;
        let candles = store
            .candles_between(
                instrument.id().0,
                interval,
                from.unwrap_or(0),
                to.unwrap_or(u64::MAX >> 1),
                STORED_BARS_MAX,
            )
            .await
            .context("reading the venue's candles")?;
        store.close().await;
        anyhow::Ok(candles)
    })?;
    Ok(candles
        .iter()
        .map(|c| Bar {
            open_time: c.open_time,
            open: c.open,
            high: c.high,
            low: c.low,
            close: c.close,
            volume: c.volume,
        })
        .collect())
}

/// `bourse import candles`: a CSV file's bars into the venue's read models.
pub fn import_candles(args: &ImportCandlesArgs) -> anyhow::Result<ExitCode> {
    let config = crate::user_cmd::load(&args.config, &[])?;
    let instrument = configured_instrument(&config, &args.symbol)?;
    let interval = Interval::parse(&args.timeframe).with_context(|| {
        format!(
            "--timeframe {:?} is not one of 1m, 5m, 15m, 1h, 4h, 1d",
            args.timeframe
        )
    })?;
    let path = &args.file;
    let file = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let bars = bourse_strategy::data::read_bars(std::io::BufReader::new(file), &instrument)
        .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    if let Some(bad) = bars
        .iter()
        .position(|b| b.open_time % interval.millis() != 0)
    {
        bail!(
            "{}: bar {} opens at {}, not at the start of a {} period",
            path.display(),
            bad + 1,
            bars[bad].open_time,
            interval.as_str()
        );
    }
    let candles: Vec<Candle> = bars
        .iter()
        .map(|b| Candle {
            open_time: b.open_time,
            open: b.open,
            high: b.high,
            low: b.low,
            close: b.close,
            volume: b.volume,
            quote_volume: instrument
                .notional(b.close, b.volume)
                .unwrap_or(Amount::from_raw(u64::MAX)),
            trades: 0,
        })
        .collect();
    std::fs::create_dir_all(&config.data.dir)
        .with_context(|| format!("creating {}", config.data.dir.display()))?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let (before, after) = runtime.block_on(async {
        let store = crate::serve::connect_store(&config).await?;
        let id = instrument.id().0;
        let before = store
            .count_candles(id, interval, CandleSource::Imported)
            .await?;
        for (index, chunk) in candles.chunks(IMPORT_CHUNK).enumerate() {
            store
                .insert_candles(id, interval, chunk, CandleSource::Imported)
                .await
                .context("writing the candles")?;
            eprint!(
                "\rimported {} of {} bars",
                (index * IMPORT_CHUNK + chunk.len()),
                candles.len()
            );
        }
        eprintln!();
        let after = store
            .count_candles(id, interval, CandleSource::Imported)
            .await?;
        store.close().await;
        anyhow::Ok((before, after))
    })?;
    let added = after.saturating_sub(before);
    println!(
        "{} {} bars of {} {} from {}: {added} written, {} kept as stored",
        candles.len(),
        interval.as_str(),
        instrument.symbol(),
        interval.as_str(),
        path.display(),
        (candles.len() as u64).saturating_sub(added)
    );
    Ok(ExitCode::SUCCESS)
}

/// Bars written in one transaction by `bourse import candles` (progress between them).
const IMPORT_CHUNK: usize = 50_000;

fn prepare(args: &BarsArgs) -> anyhow::Result<Prepared> {
    let builtin = find(&args.strategy).with_context(|| {
        format!(
            "no built-in strategy {:?} (there are: {})",
            args.strategy,
            BUILTINS
                .iter()
                .map(|b| b.name)
                .collect::<Vec<_>>()
                .join(", ")
        )
    })?;
    let params = params(&args.params)?;
    builtin
        .build(&params)
        .map_err(|e| anyhow::anyhow!("{}: {e}", builtin.name))?;
    let config = crate::user_cmd::load(&args.config, &[])?;
    let instrument = configured_instrument(&config, &args.symbol)?;
    let interval = Interval::parse(&args.timeframe).with_context(|| {
        format!(
            "--timeframe {:?} is not one of 1m, 5m, 15m, 1h, 4h, 1d",
            args.timeframe
        )
    })?;
    if args.slippage_bps > SLIPPAGE_BPS_MAX {
        bail!("--slippage-bps is at most {SLIPPAGE_BPS_MAX}");
    }
    let cash = parse_decimal(&args.cash, instrument.quote_scale())
        .ok()
        .filter(|c| *c > 0 && *c <= i64::MAX as u64)
        .with_context(|| format!("--cash {:?} is not a positive amount", args.cash))?;
    let from = args
        .from
        .as_deref()
        .map(|t| time_arg(t, "--from"))
        .transpose()?;
    let to = args
        .to
        .as_deref()
        .map(|t| time_arg(t, "--to"))
        .transpose()?;
    let mut bars = match &args.data {
        Some(path) => {
            let file =
                std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
            bourse_strategy::data::read_bars(std::io::BufReader::new(file), &instrument)
                .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?
        }
        None => stored_bars(&config, &instrument, interval, from, to)?,
    };
    if let Some(from) = from {
        bars.retain(|b| b.open_time >= from);
    }
    if let Some(to) = to {
        bars.retain(|b| b.open_time < to);
    }
    if bars.len() < 2 {
        bail!(
            "{} bars in the period: a backtest needs at least 2",
            bars.len()
        );
    }
    Ok(Prepared {
        builtin,
        params,
        instrument,
        interval,
        bars,
        config: BacktestConfig {
            instrument,
            bar_ms: interval.millis(),
            initial_cash: Amount::from_raw(cash),
            fill_model: FillModel {
                slippage_bps: args.slippage_bps,
                touch: args.touch,
            },
        },
    })
}

fn show_value(value: &ParamValue) -> String {
    match value {
        ParamValue::Number(n) => n.to_string(),
        ParamValue::Text(t) => t.clone(),
    }
}

fn print_statistics(stats: &Statistics, scale: u8) {
    let ratio = |v: Option<f64>| v.map_or_else(|| "n/a".to_string(), |v| format!("{v:.3}"));
    println!("  final equity      {}", money(stats.final_equity, scale));
    println!(
        "  total return      {:.2}%  (buy and hold {:.2}%)",
        stats.total_return * 100.0,
        stats.buy_and_hold_return * 100.0
    );
    println!("  CAGR              {:.2}%", stats.cagr * 100.0);
    println!(
        "  Sharpe / Sortino  {} / {}",
        ratio(stats.sharpe),
        ratio(stats.sortino)
    );
    println!("  max drawdown      {:.2}%", stats.max_drawdown * 100.0);
    println!(
        "  trades            {}  (win rate {}, profit factor {})",
        stats.trades,
        stats
            .win_rate
            .map_or_else(|| "n/a".to_string(), |w| format!("{:.1}%", w * 100.0)),
        ratio(stats.profit_factor)
    );
    println!("  fees paid         {}", money(stats.fees, scale));
}

fn write_json(path: &std::path::Path, value: &impl serde::Serialize) -> anyhow::Result<()> {
    let text = serde_json::to_vec_pretty(value).context("encoding the result")?;
    std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))
}

/// Progress on standard error for runs long enough to wait for.
fn progress_line(total: u64) -> impl FnMut(u64) -> bool {
    move |done| {
        if total > bourse_strategy::backtest::PROGRESS_EVERY_BARS {
            eprint!("\r  {:>3}% of {total} bars", done * 100 / total.max(1));
            if done >= total {
                eprintln!();
            }
        }
        true
    }
}

pub fn backtest(args: &BacktestArgs) -> anyhow::Result<ExitCode> {
    let prepared = prepare(&args.bars)?;
    let (mut strategy, resolved) = prepared
        .builtin
        .build(&prepared.params)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let started = std::time::Instant::now();
    let outcome: BacktestOutcome = run(
        strategy.as_mut(),
        &prepared.bars,
        &prepared.config,
        &mut progress_line(prepared.bars.len() as u64),
    )?;
    let took = started.elapsed();
    let scale = prepared.instrument.quote_scale();
    println!(
        "{} on {} {}: {} bars in {:.3} s",
        prepared.builtin.name,
        prepared.instrument.symbol(),
        prepared.interval.as_str(),
        outcome.bars,
        took.as_secs_f64()
    );
    let shown: Vec<(String, String)> = resolved
        .values()
        .iter()
        .map(|(k, v)| (k.to_string(), show_value(v)))
        .collect();
    println!(
        "  parameters        {}",
        shown
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(" ")
    );
    println!("  fill model        {}", outcome.fill_model.describe());
    print_statistics(&outcome.statistics, scale);
    if outcome.rejected > 0 {
        println!("  refused orders    {}", outcome.rejected);
    }
    if let Some(path) = &args.bars.json {
        write_json(path, &outcome)?;
        println!("wrote {}", path.display());
    }
    if let Some(path) = &args.report {
        let symbol = prepared.instrument.symbol().to_string();
        let summary = outcome.summary();
        let html = render(&ReportPage {
            strategy: prepared.builtin.name,
            symbol: &symbol,
            timeframe: prepared.interval.as_str(),
            params: shown,
            instrument: &prepared.instrument,
            outcome: &summary,
        });
        std::fs::write(path, html).with_context(|| format!("writing {}", path.display()))?;
        println!("wrote {}", path.display());
    }
    Ok(ExitCode::SUCCESS)
}

pub fn sweep(args: &SweepArgs) -> anyhow::Result<ExitCode> {
    let prepared = prepare(&args.bars)?;
    let values = args
        .grid
        .iter()
        .map(|g| {
            let (name, list) = g
                .split_once('=')
                .with_context(|| format!("--grid {g:?} is not name=v1,v2,..."))?;
            Ok((
                name.trim().to_string(),
                list.split(',')
                    .map(|v| ParamValue::parse(v.trim()))
                    .collect(),
            ))
        })
        .collect::<anyhow::Result<Vec<(String, Vec<ParamValue>)>>>()?;
    let space = match args.sample {
        Some(samples) => Space::Random {
            values,
            samples,
            seed: args.seed,
        },
        None => Space::Grid { values },
    };
    let rank_by = RankBy::parse(&args.rank_by).with_context(|| {
        format!(
            "--rank-by {:?} is not one of {}",
            args.rank_by,
            RankBy::ALL.map(RankBy::as_str).join(", ")
        )
    })?;
    let threads = args.threads.unwrap_or_else(|| {
        std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
    });
    let started = std::time::Instant::now();
    let outcome = run_sweep(
        &SweepSpec {
            builtin: prepared.builtin,
            base: prepared.params.clone(),
            space,
            rank_by,
            threads,
            walk_forward: args.walk_forward.map(|windows| WalkForward {
                windows,
                in_sample: args.in_sample,
            }),
        },
        &prepared.bars,
        &prepared.config,
        &|_| true,
    )
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    println!(
        "{} on {} {}: {} runs over {} bars on {threads} threads in {:.3} s, ranked by {}",
        prepared.builtin.name,
        prepared.instrument.symbol(),
        prepared.interval.as_str(),
        outcome.rows.len(),
        prepared.bars.len(),
        started.elapsed().as_secs_f64(),
        rank_by.as_str()
    );
    let swept: Vec<&str> = args
        .grid
        .iter()
        .filter_map(|g| g.split_once('=').map(|(n, _)| n.trim()))
        .collect();
    let describe = |params: &Params| {
        swept
            .iter()
            .filter_map(|name| {
                params
                    .get(*name)
                    .map(|v| format!("{name}={}", show_value(v)))
            })
            .collect::<Vec<_>>()
            .join(" ")
    };
    println!("  rank  score       return    sharpe    drawdown  trades  parameters");
    for (i, row) in outcome.rows.iter().take(args.top).enumerate() {
        println!(
            "  {:>4}  {:>10}  {:>7.2}%  {:>8}  {:>7.2}%  {:>6}  {}",
            i + 1,
            row.score
                .map_or_else(|| "n/a".to_string(), |s| format!("{s:.4}")),
            row.statistics.total_return * 100.0,
            row.statistics
                .sharpe
                .map_or_else(|| "n/a".to_string(), |s| format!("{s:.3}")),
            row.statistics.max_drawdown * 100.0,
            row.statistics.trades,
            describe(&row.params)
        );
    }
    if !outcome.windows.is_empty() {
        println!("  walk-forward: chosen in sample, tested out of sample");
        println!("  window  in-sample return  out-of-sample return  parameters");
        for (i, w) in outcome.windows.iter().enumerate() {
            println!(
                "  {:>6}  {:>15.2}%  {:>19.2}%  {}",
                i + 1,
                w.in_sample.total_return * 100.0,
                w.out_of_sample.total_return * 100.0,
                describe(&w.params)
            );
        }
    }
    if let Some(path) = &args.bars.json {
        write_json(path, &outcome)?;
        println!("wrote {}", path.display());
    }
    Ok(ExitCode::SUCCESS)
}
