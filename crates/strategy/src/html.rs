//! A backtest's report as one HTML page that needs nothing else to be read: the
//! parameters, the fill model, the statistics, the equity and drawdown curves as
//! inline SVG charts, and the trades.

use crate::backtest::BacktestSummary;
use crate::report::Statistics;
use bourse_types::{Instrument, Timestamp, format_decimal};
use plotters::prelude::*;
use std::fmt::Write;

/// The most trades the page lists.
pub const TRADES_SHOWN_MAX: usize = 500;

const CHART_WIDTH: u32 = 1_000;
const EQUITY_HEIGHT: u32 = 320;
const DRAWDOWN_HEIGHT: u32 = 180;

/// What the page is about.
#[derive(Debug)]
pub struct ReportPage<'a> {
    pub strategy: &'a str,
    pub symbol: &'a str,
    pub timeframe: &'a str,
    /// The parameters in force, as `name = value` lines.
    pub params: Vec<(String, String)>,
    pub instrument: &'a Instrument,
    pub outcome: &'a BacktestSummary,
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn time(ms: u64) -> String {
    Timestamp::from_millis(ms).to_rfc3339(0)
}

/// Quote minor units as a decimal string with a sign.
pub fn money(value: i64, scale: u8) -> String {
    let text = format_decimal(value.unsigned_abs(), scale);
    if value < 0 { format!("-{text}") } else { text }
}

fn percent(value: f64) -> String {
    format!("{:.2}%", value * 100.0)
}

fn ratio(value: Option<f64>) -> String {
    value.map_or_else(|| "n/a".to_string(), |v| format!("{v:.3}"))
}

fn duration(ms: u64) -> String {
    let hours = ms / 3_600_000;
    if hours >= 48 {
        format!("{:.1} days", ms as f64 / 86_400_000.0)
    } else {
        format!("{:.1} hours", ms as f64 / 3_600_000.0)
    }
}

fn chart(
    height: u32,
    series: &[(f64, f64)],
    colour: RGBColor,
    filled: bool,
    y_label: &dyn Fn(&f64) -> String,
) -> String {
    let mut svg = String::new();
    if series.is_empty() {
        return svg;
    }
    let (x0, x1) = (
        series[0].0,
        series[series.len() - 1].0.max(series[0].0 + 1.0),
    );
    let (mut y0, mut y1) = series
        .iter()
        .fold((f64::MAX, f64::MIN), |(lo, hi), (_, y)| {
            (lo.min(*y), hi.max(*y))
        });
    if (y1 - y0).abs() < f64::EPSILON {
        y0 -= 1.0;
        y1 += 1.0;
    }
    let pad = (y1 - y0) * 0.05;
    {
        let root = SVGBackend::with_string(&mut svg, (CHART_WIDTH, height)).into_drawing_area();
        let drawn: Result<(), Box<dyn std::error::Error>> = (|| {
            root.fill(&WHITE)?;
            let mut chart = ChartBuilder::on(&root)
                .margin(8)
                .margin_right(56)
                .x_label_area_size(28)
                .y_label_area_size(90)
                .build_cartesian_2d(x0..x1, (y0 - pad)..(y1 + pad))?;
            chart
                .configure_mesh()
                .x_labels(6)
                .y_labels(6)
                .x_label_formatter(&|x| time(*x as u64)[..10].to_string())
                .y_label_formatter(y_label)
                .draw()?;
            if filled {
                chart.draw_series(AreaSeries::new(
                    series.iter().copied(),
                    0.0,
                    colour.mix(0.3),
                ))?;
            }
            chart.draw_series(LineSeries::new(series.iter().copied(), &colour))?;
            root.present()?;
            Ok(())
        })();
        if let Err(error) = drawn {
            return format!(
                "<p>The chart could not be drawn: {}</p>",
                escape(&error.to_string())
            );
        }
    }
    svg
}

fn statistics_rows(stats: &Statistics, scale: u8) -> Vec<(&'static str, String)> {
    let opt_money = |v: Option<i64>| v.map_or_else(|| "n/a".to_string(), |v| money(v, scale));
    vec![
        ("Start equity", money(stats.start_equity, scale)),
        ("Final equity", money(stats.final_equity, scale)),
        ("Total return", percent(stats.total_return)),
        ("Buy and hold return", percent(stats.buy_and_hold_return)),
        ("CAGR", percent(stats.cagr)),
        ("Sharpe ratio", ratio(stats.sharpe)),
        ("Sortino ratio", ratio(stats.sortino)),
        ("Calmar ratio", ratio(stats.calmar)),
        ("Max drawdown", percent(stats.max_drawdown)),
        (
            "Max drawdown from / to",
            match (stats.max_drawdown_start_ms, stats.max_drawdown_end_ms) {
                (Some(a), Some(b)) => format!("{} / {}", time(a), time(b)),
                _ => "n/a".to_string(),
            },
        ),
        ("Longest drawdown", duration(stats.max_drawdown_duration_ms)),
        ("Trades", stats.trades.to_string()),
        (
            "Win rate",
            stats.win_rate.map_or_else(|| "n/a".into(), percent),
        ),
        ("Profit factor", ratio(stats.profit_factor)),
        (
            "Expectancy",
            stats.expectancy.map_or_else(|| "n/a".into(), percent),
        ),
        ("SQN", ratio(stats.sqn)),
        ("Exposure", percent(stats.exposure)),
        ("Average trade", opt_money(stats.average_trade)),
        ("Best trade", opt_money(stats.best_trade)),
        ("Worst trade", opt_money(stats.worst_trade)),
        (
            "Average holding time",
            stats
                .average_holding_ms
                .map_or_else(|| "n/a".into(), duration),
        ),
        ("Fees paid", money(stats.fees, scale)),
    ]
}

/// The page.
pub fn render(page: &ReportPage<'_>) -> String {
    let outcome = page.outcome;
    let scale = page.instrument.quote_scale();
    let unit = 10f64.powi(i32::from(scale));
    let equity_series: Vec<(f64, f64)> = outcome
        .equity
        .iter()
        .map(|p| (p.time_ms as f64, p.equity as f64 / unit))
        .collect();
    let drawdown_series: Vec<(f64, f64)> = outcome
        .drawdown
        .iter()
        .map(|(t, d)| (*t as f64, -d * 100.0))
        .collect();
    let (from, to) = (
        outcome.equity.first().map_or(0, |p| p.time_ms),
        outcome.equity.last().map_or(0, |p| p.time_ms),
    );
    let mut html = String::new();
    let title = format!("{} on {} {}", page.strategy, page.symbol, page.timeframe);
    let _ = write!(
        html,
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>Backtest: {title}</title><style>\
         body{{font-family:system-ui,sans-serif;margin:24px;color:#1d2330;max-width:1040px}}\
         table{{border-collapse:collapse;margin:8px 0 24px}}td,th{{padding:4px 10px;border-bottom:1px solid #e2e6ee;text-align:left}}\
         td.n{{text-align:right;font-variant-numeric:tabular-nums}}svg{{max-width:100%;height:auto}}\
         .muted{{color:#5b6577}}</style></head><body>\
         <h1>Backtest: {title}</h1>\
         <p class=\"muted\">{} to {}, {} bars</p>",
        escape(&time(from)),
        escape(&time(to)),
        outcome.bars,
        title = escape(&title),
    );
    html.push_str("<h2>Parameters</h2><table>");
    for (name, value) in &page.params {
        let _ = write!(
            html,
            "<tr><th>{}</th><td>{}</td></tr>",
            escape(name),
            escape(value)
        );
    }
    let _ = write!(
        html,
        "</table><h2>Fill model</h2><p>{}</p><h2>Statistics</h2><table>",
        escape(&outcome.fill_model.describe())
    );
    for (name, value) in statistics_rows(&outcome.statistics, scale) {
        let _ = write!(
            html,
            "<tr><th>{name}</th><td class=\"n\">{}</td></tr>",
            escape(&value)
        );
    }
    html.push_str("</table><h2>Equity</h2>");
    html.push_str(&chart(
        EQUITY_HEIGHT,
        &equity_series,
        RGBColor(37, 99, 235),
        false,
        &|y| format!("{y:.0}"),
    ));
    html.push_str("<h2>Drawdown (%)</h2>");
    html.push_str(&chart(
        DRAWDOWN_HEIGHT,
        &drawdown_series,
        RGBColor(220, 38, 38),
        true,
        &|y| format!("{y:.1}%"),
    ));
    let _ = write!(
        html,
        "<h2>Trades</h2><table><tr><th>#</th><th>Entry</th><th>Exit</th><th>Cost</th><th>Result</th><th>Fees</th></tr>"
    );
    for (i, trade) in outcome.trades.iter().take(TRADES_SHOWN_MAX).enumerate() {
        let _ = write!(
            html,
            "<tr><td class=\"n\">{}</td><td>{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            i + 1,
            time(trade.entry_ms),
            time(trade.exit_ms),
            money(trade.entry_value, scale),
            money(trade.pnl, scale),
            money(trade.fees, scale)
        );
    }
    html.push_str("</table>");
    if outcome.trades_total > TRADES_SHOWN_MAX as u64 {
        let _ = write!(
            html,
            "<p class=\"muted\">and {} more trades (see the JSON result).</p>",
            outcome.trades_total - TRADES_SHOWN_MAX as u64
        );
    }
    if outcome.trades.is_empty() {
        html.push_str("<p class=\"muted\">No trade was closed.</p>");
    }
    html.push_str("</body></html>\n");
    html
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_curves_are_thinned_keeping_the_ends() {
        let points: Vec<u32> = (0..10_001).collect();
        let kept = crate::report::thin(&points, 2_000);
        assert!(kept.len() <= 2_001);
        assert_eq!((kept[0], *kept.last().unwrap()), (0, 10_000));
        assert_eq!(crate::report::thin(&[1, 2, 3], 2_000), [1, 2, 3]);
        assert_eq!(money(-1_500_000, 6), "-1.500000");
    }
}
