// A backtest's equity or drawdown curve from lightweight-charts: one line (or an area
// under it) over time, the whole run in view.

import { AreaSeries, ColorType, type IChartApi, LineSeries, type UTCTimestamp, createChart } from "lightweight-charts";
import { useEffect, useRef } from "react";
import { useUi } from "../store/ui";

export interface CurvePoint {
  /** Milliseconds since the epoch. */
  time: number;
  value: number;
}

/** Points as the chart takes them: seconds, strictly increasing (the last of equal times wins). */
export function chartPoints(points: CurvePoint[]): { time: UTCTimestamp; value: number }[] {
  const out: { time: UTCTimestamp; value: number }[] = [];
  for (const p of points) {
    const time = Math.floor(p.time / 1000) as UTCTimestamp;
    const last = out[out.length - 1];
    if (last && last.time >= time) {
      if (last.time === time) out[out.length - 1] = { time, value: p.value };
      continue;
    }
    out.push({ time, value: p.value });
  }
  return out;
}

export function CurveChart({
  points,
  color,
  area = false,
  height = 260,
  format,
  testId,
}: {
  points: CurvePoint[];
  color: string;
  area?: boolean;
  height?: number;
  format: (value: number) => string;
  testId: string;
}) {
  const container = useRef<HTMLDivElement>(null);
  const chart = useRef<IChartApi | null>(null);
  const theme = useUi((s) => s.theme);

  useEffect(() => {
    if (!container.current) return undefined;
    const created = createChart(container.current, {
      autoSize: true,
      layout: { background: { type: ColorType.Solid, color: "transparent" }, attributionLogo: false },
      timeScale: { timeVisible: true, secondsVisible: false },
      crosshair: { mode: 0 },
      handleScroll: false,
      handleScale: false,
      localization: { priceFormatter: format },
    });
    const data = chartPoints(points);
    if (area) {
      const series = created.addSeries(AreaSeries, { lineColor: color, topColor: `${color}11`, bottomColor: `${color}55`, lineWidth: 2, priceLineVisible: false });
      series.setData(data);
    } else {
      const series = created.addSeries(LineSeries, { color, lineWidth: 2, priceLineVisible: false });
      series.setData(data);
    }
    created.timeScale().fitContent();
    chart.current = created;
    return () => {
      created.remove();
      chart.current = null;
    };
  }, [points, color, area, format]);

  useEffect(() => {
    const dark = theme === "dark";
    chart.current?.applyOptions({
      layout: { textColor: dark ? "#c9d1d9" : "#333" },
      grid: { vertLines: { color: dark ? "#21262d" : "#eef0f3" }, horzLines: { color: dark ? "#21262d" : "#eef0f3" } },
    });
  }, [theme, points]);

  return <div ref={container} data-testid={testId} style={{ width: "100%", height }} />;
}
