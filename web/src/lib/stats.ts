// The venue's live statistics for the Monitoring page: keeping the bounded window of
// samples (history from GET /admin/stats, then one sample a second from the `stats`
// topic), turning samples into chart points, and writing the numbers for people.

import type { Stats, StatsSample } from "../api/types";

/** A point of a line chart: a value at a time (seconds since the epoch), or only a
 * time (a gap in the line, for a second in which nothing was observed). */
export type ChartPoint = { time: number; value: number } | { time: number };

/** The number fields of a sample, the ones a chart or a card can show. */
export type SampleField = { [K in keyof StatsSample]: StatsSample[K] extends number | null ? K : never }[keyof StatsSample];

const NUMBER_FIELDS: SampleField[] = [
  "interval_secs",
  "commands_per_sec",
  "orders_per_sec",
  "rejections_per_sec",
  "trades_per_sec",
  "http_requests_per_sec",
  "http_server_errors_per_sec",
  "http_client_errors_per_sec",
  "journal_lag",
  "projector_lag",
  "submit_queue_depth",
  "ws_connections",
  "ws_subscriptions",
  "ws_messages_per_sec",
];
const NULLABLE_FIELDS: SampleField[] = ["order_p50_ms", "order_p99_ms", "http_p50_ms", "http_p99_ms", "fsync_p99_ms", "cpu_percent", "resident_bytes"];

/** When a sample was taken, in seconds since the epoch (with milliseconds), or NaN. */
export function sampleSeconds(sample: Pick<StatsSample, "time">): number {
  return Date.parse(sample.time) / 1000;
}

/** The sample of a `stats` message (its fields beside `"type"`), or null when the
 * message is not a well-formed sample. */
export function sampleFromMessage(message: Record<string, unknown>): StatsSample | null {
  if (message.type !== "stats" || typeof message.time !== "string" || !Number.isFinite(Date.parse(message.time))) return null;
  for (const field of NUMBER_FIELDS) if (typeof message[field] !== "number") return null;
  for (const field of NULLABLE_FIELDS) if (message[field] !== null && typeof message[field] !== "number") return null;
  const { type: _type, ...sample } = message;
  return sample as unknown as StatsSample;
}

/** The window with `sample` appended: kept only when it is newer than the last one,
 * and the oldest samples dropped past `samples_max`. Without a window yet (the history
 * has not arrived), there is nothing to append to. */
export function appendSample(stats: Stats | undefined, sample: StatsSample): Stats | undefined {
  if (!stats) return stats;
  const last = stats.samples[stats.samples.length - 1];
  if (last && !(sampleSeconds(sample) > sampleSeconds(last))) return stats;
  const max = Math.max(1, stats.samples_max);
  const samples = [...stats.samples.slice(Math.max(0, stats.samples.length + 1 - max)), sample];
  return { ...stats, samples };
}

/** A freshly fetched window, with the live samples of `current` that are newer than
 * its last one (they arrived while the request was under way), within the bound. */
export function mergeStats(fetched: Stats, current: Stats | undefined): Stats {
  let merged = fetched;
  for (const sample of current?.samples ?? []) merged = appendSample(merged, sample) ?? merged;
  return merged;
}

/** True when `next` comes so long after `previous` that samples are missing (the live
 * connection dropped for a while): the window should be fetched again. */
export function isGap(previous: StatsSample | undefined, next: StatsSample, intervalMs: number): boolean {
  if (!previous) return false;
  return (sampleSeconds(next) - sampleSeconds(previous)) * 1000 > 3 * Math.max(1, intervalMs);
}

/** The points of one field over the samples, in strictly increasing time: a null (or
 * not finite) value is a gap, and a sample not newer than the one before is left out
 * (the chart takes each time once, in order). */
export function toPoints(samples: readonly StatsSample[], field: SampleField): ChartPoint[] {
  const points: ChartPoint[] = [];
  let previous = -Infinity;
  for (const sample of samples) {
    const time = sampleSeconds(sample);
    if (!Number.isFinite(time) || time <= previous) continue;
    previous = time;
    const value = sample[field];
    points.push(typeof value === "number" && Number.isFinite(value) ? { time, value } : { time });
  }
  return points;
}

/** A point as a line chart draws it: `gapAfter` when a gap follows it (the segment
 * that starts there is drawn invisible, since the chart would join the points on both
 * sides of a gap). */
export type DrawnPoint = { time: number; value: number; gapAfter: boolean } | { time: number };

/** How to draw the points of one line with its gaps: the line (the whitespace points
 * kept, so the time axis stays the window's), and the values that stand alone between
 * gaps, which no segment shows and so are drawn as dots. */
export function lineWithGaps(points: readonly ChartPoint[]): { line: DrawnPoint[]; dots: { time: number; value: number }[] } {
  const valued = (p: ChartPoint | undefined): p is { time: number; value: number } => p !== undefined && "value" in p;
  const line: DrawnPoint[] = [];
  const dots: { time: number; value: number }[] = [];
  points.forEach((point, i) => {
    if (!valued(point)) {
      line.push({ time: point.time });
      return;
    }
    const before = points[i - 1];
    const after = points[i + 1];
    const gapAfter = after !== undefined && !valued(after);
    line.push({ time: point.time, value: point.value, gapAfter });
    const joinedBefore = valued(before);
    const joinedAfter = valued(after);
    if (!joinedBefore && !joinedAfter && (before !== undefined || after !== undefined)) dots.push({ time: point.time, value: point.value });
  });
  return { line, dots };
}

/** The latest value of a field that was observed (not null) among the last `within`
 * samples, and how many samples ago it was (0 for the last one). */
export function latestObserved(samples: readonly StatsSample[], field: SampleField, within = 10): { value: number; ago: number } | null {
  for (let ago = 0; ago < Math.min(within, samples.length); ago++) {
    const value = samples[samples.length - 1 - ago]?.[field];
    if (typeof value === "number" && Number.isFinite(value)) return { value, ago };
  }
  return null;
}

/** What the live indicator says: paused by the user, live while samples arrive,
 * waiting when the connection is up but no sample came lately, offline otherwise. */
export function liveState(options: { paused: boolean; connected: boolean; lastArrival: number | null; now: number; intervalMs: number }): "paused" | "live" | "waiting" | "offline" {
  if (options.paused) return "paused";
  if (!options.connected) return "offline";
  const fresh = options.lastArrival !== null && options.now - options.lastArrival <= 3 * Math.max(1, options.intervalMs);
  return fresh ? "live" : "waiting";
}

const NONE = "–";

function trimmed(text: string): string {
  return text.includes(".") ? text.replace(/\.?0+$/, "") : text;
}

/** A number short enough for a card or an axis: 0.25, 3.5, 42, 1,234, 12.3k, 4.5M. */
export function formatNumber(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return NONE;
  const abs = Math.abs(value);
  if (abs >= 999_950) return `${trimmed((value / 1e6).toFixed(1))}M`;
  if (abs >= 1e4) return `${trimmed((value / 1e3).toFixed(1))}k`;
  if (abs >= 100) return Math.round(value).toLocaleString("en-US");
  if (abs >= 10) return trimmed(value.toFixed(1));
  return trimmed(value.toFixed(2));
}

/** A rate per second: "12.5/s". */
export function formatRate(value: number | null | undefined): string {
  const text = formatNumber(value);
  return text === NONE ? NONE : `${text}/s`;
}

/** A whole count, grouped: "1,234". */
export function formatCount(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return NONE;
  return Math.round(value).toLocaleString("en-US");
}

/** A duration given in milliseconds, in the unit that reads best: 250 µs, 4.98 ms,
 * 120 ms, 1.5 s. */
export function formatMs(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return NONE;
  const abs = Math.abs(value);
  if (abs === 0) return "0 ms";
  if (abs < 0.9995) return `${Math.round(value * 1000)} µs`;
  if (abs < 10) return `${trimmed(value.toFixed(2))} ms`;
  if (abs < 999.95) return `${trimmed(value.toFixed(1))} ms`;
  return `${trimmed((value / 1000).toFixed(2))} s`;
}

/** A size in bytes, in binary units: 512 B, 43.3 MiB, 1.5 GiB. */
export function formatBytes(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return NONE;
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let size = value;
  let unit = 0;
  while (Math.abs(size) >= 1024 && unit < units.length - 1) {
    size /= 1024;
    unit++;
  }
  return unit === 0 ? `${Math.round(size)} B` : `${trimmed(size.toFixed(1))} ${units[unit]}`;
}

/** A percentage: "12.5 %". */
export function formatPercent(value: number | null | undefined): string {
  const text = formatNumber(value);
  return text === NONE ? NONE : `${text} %`;
}

/** The local clock time of a chart time (seconds since the epoch): "07:05", or with
 * seconds "07:05:09". */
export function clockTime(seconds: number, withSeconds = false): string {
  const date = new Date(seconds * 1000);
  const pad = (n: number) => String(n).padStart(2, "0");
  const hm = `${pad(date.getHours())}:${pad(date.getMinutes())}`;
  return withSeconds ? `${hm}:${pad(date.getSeconds())}` : hm;
}

/** How long the window covers at most, in words: "10 minutes". */
export function windowLength(stats: Pick<Stats, "interval_ms" | "samples_max">): string {
  const secs = Math.round((stats.interval_ms * stats.samples_max) / 1000);
  if (secs >= 120 && secs % 60 === 0) return `${secs / 60} minutes`;
  return `${secs} seconds`;
}
