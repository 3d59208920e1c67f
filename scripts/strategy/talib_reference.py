"""Indicator values from TA-Lib over a seeded OHLCV series, as JSON on stdout.

The series is a random walk with drift changes, a quiet stretch where nothing moves
(so that the zero-range and zero-variance cases are exercised) and volume that rises
with the bar's range; prices have two decimals, as an instrument's would. VWAP, which
TA-Lib lacks, is computed here directly from its definition (per UTC day, typical
price times volume over volume).
"""

import json
import math
import random

import numpy as np
import talib

BARS = 500
BAR_MS = 3_600_000  # hourly: a VWAP session holds 24 bars
START_MS = 1_767_225_600_000  # 2026-01-01T00:00:00Z
QUIET = range(200, 230)


def series():
    rng = random.Random(20261202)
    price = 100.0
    rows = []
    for i in range(BARS):
        t = START_MS + i * BAR_MS
        if i in QUIET:
            rows.append((t, price, price, price, price, 0.0 if i % 2 else 3.0))
            continue
        drift = 0.0004 if (i // 120) % 2 == 0 else -0.0003
        open_ = price
        steps = [open_]
        for _ in range(6):
            steps.append(steps[-1] * math.exp(drift / 6 + rng.gauss(0, 0.004)))
        close = steps[-1]
        high = max(steps) * (1 + abs(rng.gauss(0, 0.001)))
        low = min(steps) * (1 - abs(rng.gauss(0, 0.001)))
        o, h, l, c = (round(x, 2) for x in (open_, high, low, close))
        h = max(h, o, c)
        l = min(l, o, c)
        volume = round(10 + (h - l) * 40 * rng.random(), 4)
        rows.append((t, o, h, l, c, volume))
        price = c
    return rows


def values(array):
    return [None if math.isnan(v) else float(v) for v in array]


def vwap(rows):
    out = []
    session = None
    pv = vol = 0.0
    for t, _o, h, l, c, v in rows:
        day = t // 86_400_000
        if day != session:
            session, pv, vol = day, 0.0, 0.0
        typical = (h + l + c) / 3.0
        pv += typical * v
        vol += v
        out.append(pv / vol if vol > 0 else typical)
    return out


def main():
    rows = series()
    t = [r[0] for r in rows]
    o, h, l, c, v = (np.array([r[k] for r in rows], dtype=float) for k in range(1, 6))
    cases = []

    def case(name, params, outputs):
        cases.append({"indicator": name, "params": params, "outputs": outputs})

    for period in (5, 20, 50):
        case("sma", {"period": period}, {"value": values(talib.SMA(c, timeperiod=period))})
        case("ema", {"period": period}, {"value": values(talib.EMA(c, timeperiod=period))})
        case("wma", {"period": period}, {"value": values(talib.WMA(c, timeperiod=period))})
    for period in (2, 14, 30):
        case("rsi", {"period": period}, {"value": values(talib.RSI(c, timeperiod=period))})
        case("atr", {"period": period}, {"value": values(talib.ATR(h, l, c, timeperiod=period))})
    for fast, slow, signal in ((12, 26, 9), (5, 35, 5), (3, 10, 16)):
        macd, sig, hist = talib.MACD(c, fastperiod=fast, slowperiod=slow, signalperiod=signal)
        case(
            "macd",
            {"fast": fast, "slow": slow, "signal": signal},
            {"macd": values(macd), "signal": values(sig), "histogram": values(hist)},
        )
    for period, up, down in ((20, 2.0, 2.0), (10, 1.5, 2.5)):
        upper, middle, lower = talib.BBANDS(c, timeperiod=period, nbdevup=up, nbdevdn=down, matype=0)
        case(
            "bollinger",
            {"period": period, "up": up, "down": down},
            {"upper": values(upper), "middle": values(middle), "lower": values(lower)},
        )
    for fast_k, slow_k, slow_d in ((5, 3, 3), (14, 3, 5)):
        k, d = talib.STOCH(
            h, l, c, fastk_period=fast_k, slowk_period=slow_k, slowk_matype=0,
            slowd_period=slow_d, slowd_matype=0,
        )
        case("stochastic", {"fast_k": fast_k, "slow_k": slow_k, "slow_d": slow_d}, {"k": values(k), "d": values(d)})
    case("obv", {}, {"value": values(talib.OBV(c, v))})
    case("vwap", {"session_ms": 86_400_000}, {"value": vwap(rows)})

    print(json.dumps({
        "source": f"TA-Lib {talib.__ta_version__.decode() if isinstance(talib.__ta_version__, bytes) else talib.__ta_version__} (Python package {talib.__version__}); VWAP from its definition",
        "bars": [{"time_ms": r[0], "open": r[1], "high": r[2], "low": r[3], "close": r[4], "volume": r[5]} for r in rows],
        "cases": cases,
    }, indent=None, separators=(",", ":")))


if __name__ == "__main__":
    main()
