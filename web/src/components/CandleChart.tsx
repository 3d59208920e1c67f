// Candlesticks with volume from lightweight-charts: history from REST, then the live
// `candles:SYM:INTERVAL` topic updates the last bar or opens the next one.

import {
  CandlestickSeries,
  ColorType,
  HistogramSeries,
  type IChartApi,
  type ISeriesApi,
  type UTCTimestamp,
  createChart,
} from "lightweight-charts";
import { Skeleton } from "antd";
import { useEffect, useRef, useState } from "react";
import { useCandles } from "../api/queries";
import type { Candle, Instrument } from "../api/types";
import { useUi } from "../store/ui";
import { useTopic } from "../ws/live";
import { ErrorState } from "./common";

const UP = "#16a34a";
const DOWN = "#dc2626";

function bar(c: Candle) {
  return {
    time: Math.floor(c.open_time / 1000) as UTCTimestamp,
    open: Number(c.open),
    high: Number(c.high),
    low: Number(c.low),
    close: Number(c.close),
  };
}

function volumeBar(c: Candle) {
  return {
    time: Math.floor(c.open_time / 1000) as UTCTimestamp,
    value: Number(c.volume),
    color: Number(c.close) >= Number(c.open) ? `${UP}66` : `${DOWN}66`,
  };
}

/** A price drawn across the chart (a signal's entry, stop or target). */
export interface PriceLevel {
  price: string;
  color: string;
  title: string;
}

export function CandleChart({ instrument, interval, height = 420, levels = [] }: { instrument: Instrument; interval: string; height?: number; levels?: PriceLevel[] }) {
  const container = useRef<HTMLDivElement>(null);
  const chart = useRef<IChartApi | null>(null);
  const candles = useRef<ISeriesApi<"Candlestick"> | null>(null);
  const volume = useRef<ISeriesApi<"Histogram"> | null>(null);
  const lastTime = useRef(0);
  const [last, setLast] = useState<{ time: number; close: string; updates: number } | null>(null);
  const theme = useUi((s) => s.theme);
  const history = useCandles(instrument.symbol, interval);

  useEffect(() => {
    if (!container.current) return undefined;
    const created = createChart(container.current, {
      autoSize: true,
      layout: { background: { type: ColorType.Solid, color: "transparent" }, attributionLogo: false },
      timeScale: { timeVisible: true, secondsVisible: false, rightOffset: 4 },
      crosshair: { mode: 0 },
    });
    const tick = Number(instrument.tick_size);
    candles.current = created.addSeries(CandlestickSeries, {
      upColor: UP,
      downColor: DOWN,
      wickUpColor: UP,
      wickDownColor: DOWN,
      borderVisible: false,
      priceFormat: { type: "price", precision: instrument.price_decimals, minMove: tick > 0 ? tick : 0.01 },
    });
    candles.current.priceScale().applyOptions({ scaleMargins: { top: 0.08, bottom: 0.26 } });
    volume.current = created.addSeries(HistogramSeries, { priceFormat: { type: "volume" }, priceScaleId: "", lastValueVisible: false, priceLineVisible: false });
    volume.current.priceScale().applyOptions({ scaleMargins: { top: 0.8, bottom: 0 } });
    chart.current = created;
    return () => {
      created.remove();
      chart.current = null;
      candles.current = null;
      volume.current = null;
    };
  }, [instrument.symbol, instrument.tick_size, instrument.price_decimals]);

  useEffect(() => {
    const dark = theme === "dark";
    chart.current?.applyOptions({
      layout: { textColor: dark ? "#c9d1d9" : "#333" },
      grid: {
        vertLines: { color: dark ? "rgba(255,255,255,0.06)" : "rgba(0,0,0,0.06)" },
        horzLines: { color: dark ? "rgba(255,255,255,0.06)" : "rgba(0,0,0,0.06)" },
      },
    });
  }, [theme, instrument.symbol]);

  useEffect(() => {
    if (!history.data || !candles.current || !volume.current) return;
    const sorted = [...history.data].sort((a, b) => a.open_time - b.open_time);
    candles.current.setData(sorted.map(bar));
    volume.current.setData(sorted.map(volumeBar));
    const end = sorted[sorted.length - 1];
    lastTime.current = end ? end.open_time : 0;
    setLast(end ? { time: end.open_time, close: end.close, updates: 0 } : null);
    chart.current?.timeScale().scrollToRealTime();
  }, [history.data, instrument.symbol]);

  const levelKey = levels.map((l) => `${l.title}:${l.price}`).join("|");
  useEffect(() => {
    const series = candles.current;
    if (!series) return undefined;
    const lines = levels.map((l) => series.createPriceLine({ price: Number(l.price), color: l.color, lineWidth: 2, lineStyle: 2, axisLabelVisible: true, title: l.title }));
    return () => {
      // A chart removed first (another instrument, the page left) took its lines along.
      if (candles.current !== series) return;
      for (const line of lines) series.removePriceLine(line);
    };
    // The levels' text is their identity; the array itself is new on every render.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [levelKey, instrument.symbol]);

  useTopic(`candles:${instrument.symbol}:${interval}`, (message) => {
    const candle = message.candle as Candle | undefined;
    if (message.type !== "candle" || !candle || !candles.current || !volume.current) return;
    if (candle.open_time < lastTime.current) return;
    lastTime.current = candle.open_time;
    candles.current.update(bar(candle));
    volume.current.update(volumeBar(candle));
    setLast((prev) => ({ time: candle.open_time, close: candle.close, updates: (prev?.updates ?? 0) + 1 }));
  });

  return (
    <div style={{ position: "relative", height }}>
      {history.error && <ErrorState error={history.error} retry={() => void history.refetch()} />}
      {history.isPending && (
        <div style={{ position: "absolute", inset: 0, padding: 16 }}>
          <Skeleton active paragraph={{ rows: 8 }} />
        </div>
      )}
      {history.data && history.data.length === 0 && (
        <div className="muted" style={{ position: "absolute", top: 12, left: 12, zIndex: 2 }}>
          No trades in this timeframe yet; the chart fills in as the market trades.
        </div>
      )}
      <div
        ref={container}
        style={{ position: "absolute", inset: 0 }}
        data-testid="chart"
        data-last-close={last?.close ?? ""}
        data-last-time={last?.time ?? ""}
        data-updates={last?.updates ?? 0}
        data-levels={levels.length}
      />
    </div>
  );
}
