// Line charts of the Monitoring page, from lightweight-charts: a few series over the
// window of the last minutes, the whole window always in view (no scrolling or
// zooming; the crosshair reads values), gaps where nothing was observed, the value
// axis from zero, and a legend with each series' latest value.

import {
  type AutoscaleInfo,
  ColorType,
  type IChartApi,
  type ISeriesApi,
  LineSeries,
  LineStyle,
  type LineData,
  type Time,
  TickMarkType,
  type UTCTimestamp,
  type WhitespaceData,
  createChart,
} from "lightweight-charts";
import { Space, Typography } from "antd";
import { useEffect, useRef } from "react";
import { type ChartPoint, clockTime, lineWithGaps } from "../lib/stats";
import { useUi } from "../store/ui";

export interface LineDef {
  key: string;
  label: string;
  color: string;
  points: ChartPoint[];
  /** Drawn dashed (a secondary line, such as a median beside its p99). */
  dashed?: boolean;
}

type Data = LineData<Time> | WhitespaceData<Time>;

/** The line's data, broken at its gaps, and the dots of its lone values. */
function chartData(points: ChartPoint[]): { line: Data[]; dots: Data[] } {
  const { line, dots } = lineWithGaps(points);
  return {
    line: line.map((p) => ("value" in p ? { time: p.time as UTCTimestamp, value: p.value, ...(p.gapAfter ? { color: "transparent" } : {}) } : { time: p.time as UTCTimestamp })),
    dots: dots.map((p) => ({ time: p.time as UTCTimestamp, value: p.value })),
  };
}

/** The top of the scale while every line is at zero: wide enough that whole-number
 * labels do not repeat. */
const IDLE_SCALE_MAX = 4;

/** From zero, and a range even when every value is zero. */
function fromZero(original: () => AutoscaleInfo | null): AutoscaleInfo | null {
  const range = original();
  if (!range?.priceRange) return range;
  const max = Math.max(range.priceRange.maxValue, 0);
  return { ...range, priceRange: { minValue: Math.min(0, range.priceRange.minValue), maxValue: max > 0 ? max : IDLE_SCALE_MAX } };
}

/** The latest value of a line, looking past a few gaps at its end. */
function lastValue(points: ChartPoint[]): number | null {
  for (let i = points.length - 1; i >= Math.max(0, points.length - 10); i--) {
    const point = points[i];
    if (point && "value" in point) return point.value;
  }
  return null;
}

function formatLast(value: number | null, format: (value: number) => string): string {
  return value === null ? "–" : format(value);
}

function tickLabel(time: Time, type: TickMarkType): string {
  return typeof time === "number" ? clockTime(time, type === TickMarkType.TimeWithSeconds) : String(time);
}

export function LiveLineChart({ lines, format, height = 220, testId }: { lines: LineDef[]; format: (value: number) => string; height?: number; testId: string }) {
  const container = useRef<HTMLDivElement>(null);
  const chart = useRef<IChartApi | null>(null);
  const series = useRef<{ line: ISeriesApi<"Line">; dots: ISeriesApi<"Line"> }[]>([]);
  const formatRef = useRef(format);
  formatRef.current = format;
  const theme = useUi((s) => s.theme);
  const shape = lines.map((l) => `${l.key}:${l.color}:${l.dashed ? 1 : 0}`).join(",");

  useEffect(() => {
    if (!container.current) return undefined;
    const created = createChart(container.current, {
      autoSize: true,
      layout: { background: { type: ColorType.Solid, color: "transparent" }, attributionLogo: false, fontSize: 11 },
      handleScroll: false,
      handleScale: false,
      timeScale: { timeVisible: true, secondsVisible: false, borderVisible: false, tickMarkFormatter: tickLabel },
      rightPriceScale: { borderVisible: false, scaleMargins: { top: 0.12, bottom: 0.04 } },
      localization: { timeFormatter: (time: Time) => (typeof time === "number" ? clockTime(time, true) : String(time)), priceFormatter: (v: number) => formatRef.current(v) },
      crosshair: { mode: 0 },
    });
    const common = { priceLineVisible: false, lastValueVisible: false, autoscaleInfoProvider: fromZero };
    series.current = lines.map((line) => ({
      line: created.addSeries(LineSeries, {
        ...common,
        color: line.color,
        lineWidth: 2,
        lineStyle: line.dashed ? LineStyle.Dashed : LineStyle.Solid,
        crosshairMarkerRadius: 3,
      }),
      dots: created.addSeries(LineSeries, {
        ...common,
        color: line.color,
        lineVisible: false,
        pointMarkersVisible: true,
        pointMarkersRadius: 2.5,
        crosshairMarkerVisible: false,
      }),
    }));
    chart.current = created;
    return () => {
      created.remove();
      chart.current = null;
      series.current = [];
    };
    // Made again only when the set of lines changes; their data follows below.
  }, [shape]);

  useEffect(() => {
    const dark = theme === "dark";
    const grid = dark ? "rgba(255,255,255,0.06)" : "rgba(0,0,0,0.06)";
    chart.current?.applyOptions({
      layout: { textColor: dark ? "#c9d1d9" : "#555" },
      grid: { vertLines: { color: grid }, horzLines: { color: grid } },
      crosshair: { vertLine: { labelBackgroundColor: dark ? "#30363d" : "#4b5563" }, horzLine: { labelBackgroundColor: dark ? "#30363d" : "#4b5563" } },
    });
  }, [theme, shape]);

  useEffect(() => {
    lines.forEach((line, i) => {
      const drawn = chartData(line.points);
      series.current[i]?.line.setData(drawn.line);
      series.current[i]?.dots.setData(drawn.dots);
    });
    if (lines.some((l) => l.points.length > 0)) chart.current?.timeScale().fitContent();
  }, [lines]);

  const points = Math.max(0, ...lines.map((l) => l.points.length));
  return (
    <div data-testid={testId} data-points={points}>
      <Space size={[14, 2]} wrap style={{ marginBottom: 4, fontSize: 12 }}>
        {lines.map((line) => (
          <span key={line.key} style={{ whiteSpace: "nowrap" }}>
            <span
              aria-hidden
              style={{ display: "inline-block", width: 12, height: 0, borderTop: `2px ${line.dashed ? "dashed" : "solid"} ${line.color}`, verticalAlign: "middle", marginRight: 6 }}
            />
            <Typography.Text type="secondary" style={{ fontSize: 12 }}>
              {line.label}
            </Typography.Text>{" "}
            <span className="num">{formatLast(lastValue(line.points), format)}</span>
          </span>
        ))}
      </Space>
      <div style={{ position: "relative", height }}>
        {points === 0 && (
          <Typography.Text type="secondary" style={{ position: "absolute", top: 8, left: 8, zIndex: 2, fontSize: 12 }}>
            Waiting for the first samples.
          </Typography.Text>
        )}
        <div ref={container} style={{ position: "absolute", inset: 0 }} />
      </div>
    </div>
  );
}
