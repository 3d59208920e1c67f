import { describe, expect, it } from "vitest";
import type { Stats, StatsSample } from "../api/types";
import {
  appendSample,
  clockTime,
  formatBytes,
  formatCount,
  formatMs,
  formatNumber,
  formatPercent,
  formatRate,
  isGap,
  latestObserved,
  lineWithGaps,
  liveState,
  mergeStats,
  sampleFromMessage,
  sampleSeconds,
  toPoints,
  windowLength,
} from "./stats";

const T0 = Date.parse("2026-12-02T07:51:05.152Z");

/** A sample `offset` seconds after T0, with the fields given. */
function sample(offset: number, fields: Partial<StatsSample> = {}): StatsSample {
  return {
    time: new Date(T0 + offset * 1000).toISOString(),
    interval_secs: 1,
    commands_per_sec: 10,
    orders_per_sec: 4,
    rejections_per_sec: 0,
    trades_per_sec: 2,
    http_requests_per_sec: 3,
    http_server_errors_per_sec: 0,
    http_client_errors_per_sec: 0,
    order_p50_ms: 0.4,
    order_p99_ms: 1.2,
    http_p50_ms: 2,
    http_p99_ms: 9,
    fsync_p99_ms: 3,
    journal_lag: 0,
    projector_lag: 0,
    submit_queue_depth: 0,
    ws_connections: 2,
    ws_subscriptions: 5,
    ws_messages_per_sec: 20,
    cpu_percent: 12.5,
    resident_bytes: 45_404_160,
    ...fields,
  };
}

/** The chart time of the sample `offset` seconds after T0. */
const sec = (offset: number) => (T0 + offset * 1000) / 1000;

function window(samples: StatsSample[], samplesMax = 600): Stats {
  return { interval_ms: 1000, samples_max: samplesMax, samples };
}

describe("samples from the stats topic", () => {
  it("takes the fields beside the type", () => {
    const message = { type: "stats", ...sample(0, { order_p99_ms: null, cpu_percent: null }) };
    const got = sampleFromMessage(message);
    expect(got).toEqual(sample(0, { order_p99_ms: null, cpu_percent: null }));
    expect(got).not.toHaveProperty("type");
  });
  it("refuses other messages and malformed samples", () => {
    expect(sampleFromMessage({ ...sample(0), type: "ticker" })).toBeNull();
    expect(sampleFromMessage({ ...sample(0), type: "stats", time: "yesterday" })).toBeNull();
    expect(sampleFromMessage({ ...sample(0), type: "stats", orders_per_sec: "4" })).toBeNull();
    const { journal_lag: _lag, ...missing } = sample(0);
    expect(sampleFromMessage({ ...missing, type: "stats" })).toBeNull();
    expect(sampleFromMessage({ ...sample(0), type: "stats", http_p99_ms: "9" })).toBeNull();
  });
});

describe("the window of samples", () => {
  it("appends newer samples and drops the oldest past samples_max", () => {
    let stats: Stats | undefined = window([sample(0), sample(1), sample(2)], 3);
    stats = appendSample(stats, sample(3));
    expect(stats?.samples.map(sampleSeconds)).toEqual([sec(1), sec(2), sec(3)]);
    for (let i = 4; i < 50; i++) stats = appendSample(stats, sample(i));
    expect(stats?.samples).toHaveLength(3);
    expect(stats?.samples[2]).toEqual(sample(49));
  });
  it("ignores a sample it already has or an older one, and leaves the window untouched", () => {
    const stats = window([sample(0), sample(1)]);
    expect(appendSample(stats, sample(1))).toBe(stats);
    expect(appendSample(stats, sample(0.5))).toBe(stats);
  });
  it("appends to an empty window, and has nothing to append to before the history", () => {
    expect(appendSample(window([]), sample(0))?.samples).toEqual([sample(0)]);
    expect(appendSample(undefined, sample(0))).toBeUndefined();
  });
  it("keeps the live samples that arrived while the history was fetched", () => {
    const fetched = window([sample(0), sample(1), sample(2)], 4);
    const cached = window([sample(1), sample(2), sample(3), sample(4)], 4);
    expect(mergeStats(fetched, cached).samples).toEqual([sample(1), sample(2), sample(3), sample(4)]);
    expect(mergeStats(fetched, undefined)).toBe(fetched);
  });
  it("sees a gap when samples are missing", () => {
    expect(isGap(sample(0), sample(1), 1000)).toBe(false);
    expect(isGap(sample(0), sample(2.5), 1000)).toBe(false);
    expect(isGap(sample(0), sample(8), 1000)).toBe(true);
    expect(isGap(undefined, sample(8), 1000)).toBe(false);
  });
});

describe("chart points", () => {
  it("have the sample time in seconds and leave gaps for nulls", () => {
    const points = toPoints([sample(0), sample(1, { order_p99_ms: null }), sample(2, { order_p99_ms: 2.5 })], "order_p99_ms");
    expect(points).toEqual([{ time: sec(0), value: 1.2 }, { time: sec(1) }, { time: sec(2), value: 2.5 }]);
    expect(points[0]?.time).toBe(1_796_197_865.152);
  });
  it("keep each time once, in increasing order", () => {
    const points = toPoints([sample(0), sample(0), sample(-1), sample(1), { ...sample(2), time: "garbled" }], "orders_per_sec");
    expect(points.map((p) => p.time)).toEqual([sec(0), sec(1)]);
  });
  it("break the line before a gap and draw lone values as dots", () => {
    const points = toPoints(
      [sample(0), sample(1), sample(2, { http_p99_ms: null }), sample(3), sample(4, { http_p99_ms: null }), sample(5, { http_p99_ms: 7 })],
      "http_p99_ms",
    );
    const { line, dots } = lineWithGaps(points);
    expect(line.map((p) => ("value" in p ? p.gapAfter : "gap"))).toEqual([false, true, "gap", true, "gap", false]);
    expect(dots).toEqual([
      { time: sec(3), value: 9 },
      { time: sec(5), value: 7 },
    ]);
  });
  it("draw a single value as it is, without a dot", () => {
    expect(lineWithGaps([{ time: 1, value: 3 }])).toEqual({ line: [{ time: 1, value: 3, gapAfter: false }], dots: [] });
  });
});

describe("current values", () => {
  it("take the latest observed latency within the last samples", () => {
    const samples = [sample(0, { order_p99_ms: 4 }), sample(1, { order_p99_ms: null }), sample(2, { order_p99_ms: null })];
    expect(latestObserved(samples, "order_p99_ms")).toEqual({ value: 4, ago: 2 });
    expect(latestObserved(samples, "order_p99_ms", 2)).toBeNull();
    expect(latestObserved([], "order_p99_ms")).toBeNull();
    expect(latestObserved(samples, "orders_per_sec")).toEqual({ value: 4, ago: 0 });
  });
  it("say whether the page is live", () => {
    const base = { paused: false, connected: true, lastArrival: 10_000, now: 11_000, intervalMs: 1000 };
    expect(liveState(base)).toBe("live");
    expect(liveState({ ...base, now: 20_000 })).toBe("waiting");
    expect(liveState({ ...base, lastArrival: null })).toBe("waiting");
    expect(liveState({ ...base, connected: false })).toBe("offline");
    expect(liveState({ ...base, connected: false, paused: true })).toBe("paused");
  });
});

describe("formatting", () => {
  it("writes numbers short", () => {
    expect(formatNumber(0)).toBe("0");
    expect(formatNumber(1)).toBe("1");
    expect(formatNumber(0.25)).toBe("0.25");
    expect(formatNumber(28.99)).toBe("29");
    expect(formatNumber(12.34)).toBe("12.3");
    expect(formatNumber(1234.4)).toBe("1,234");
    expect(formatNumber(45_678)).toBe("45.7k");
    expect(formatNumber(999_999)).toBe("1M");
    expect(formatNumber(4_500_000)).toBe("4.5M");
    expect(formatNumber(null)).toBe("–");
    expect(formatNumber(Number.NaN)).toBe("–");
  });
  it("writes rates, counts and percentages", () => {
    expect(formatRate(12.5)).toBe("12.5/s");
    expect(formatRate(null)).toBe("–");
    expect(formatCount(1234.4)).toBe("1,234");
    expect(formatCount(0)).toBe("0");
    expect(formatCount(undefined)).toBe("–");
    expect(formatPercent(12.5)).toBe("12.5 %");
    expect(formatPercent(null)).toBe("–");
  });
  it("writes durations in the unit that reads best", () => {
    expect(formatMs(0.25)).toBe("250 µs");
    expect(formatMs(0.0004)).toBe("0 µs");
    expect(formatMs(4.976)).toBe("4.98 ms");
    expect(formatMs(1)).toBe("1 ms");
    expect(formatMs(120.04)).toBe("120 ms");
    expect(formatMs(999.96)).toBe("1 s");
    expect(formatMs(1500)).toBe("1.5 s");
    expect(formatMs(0)).toBe("0 ms");
    expect(formatMs(null)).toBe("–");
  });
  it("writes sizes in binary units", () => {
    expect(formatBytes(512)).toBe("512 B");
    expect(formatBytes(2048)).toBe("2 KiB");
    expect(formatBytes(45_404_160)).toBe("43.3 MiB");
    expect(formatBytes(1.5 * 1024 ** 3)).toBe("1.5 GiB");
    expect(formatBytes(null)).toBe("–");
  });
  it("writes chart times on the local clock", () => {
    const at = new Date(2026, 11, 2, 7, 5, 9).getTime() / 1000;
    expect(clockTime(at)).toBe("07:05");
    expect(clockTime(at, true)).toBe("07:05:09");
    expect(clockTime(at + 0.152, true)).toBe("07:05:09");
  });
  it("says how long the window is", () => {
    expect(windowLength({ interval_ms: 1000, samples_max: 600 })).toBe("10 minutes");
    expect(windowLength({ interval_ms: 1000, samples_max: 90 })).toBe("90 seconds");
  });
});
