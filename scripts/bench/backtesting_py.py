"""The SMA crossover of Bourse's backtest benchmark, in backtesting.py.

Reads the benchmark's CSV (time in Unix milliseconds, open, high, low, close,
volume), runs the same strategy with the same fill assumptions Bourse uses with no
slippage (market orders at the next bar's open, 20 bps commission on each side,
95% of equity per entry, long only, one position at a time), and prints one JSON
object: the run time of `Backtest.run` alone and the trades (entry and exit times in
milliseconds, prices as printed with two decimals).
"""

import json
import sys
import time
import warnings

import pandas as pd
from backtesting import Backtest, Strategy
from backtesting.lib import crossover


def sma(values, n):
    return pd.Series(values).rolling(n).mean()


class SmaCross(Strategy):
    fast = 10
    slow = 30

    def init(self):
        close = self.data.Close
        self.fast_ma = self.I(sma, close, self.fast)
        self.slow_ma = self.I(sma, close, self.slow)

    def next(self):
        if crossover(self.fast_ma, self.slow_ma):
            if not self.position:
                self.buy(size=0.95)
        elif crossover(self.slow_ma, self.fast_ma):
            if self.position:
                self.position.close()


def main():
    path, fast, slow = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    frame = pd.read_csv(path)
    frame.index = pd.to_datetime(frame["time"], unit="ms")
    frame = frame.rename(columns=str.capitalize)[["Open", "High", "Low", "Close", "Volume"]]
    warnings.simplefilter("ignore")
    backtest = Backtest(
        frame,
        SmaCross,
        cash=100_000,
        commission=0.002,
        trade_on_close=False,
        exclusive_orders=False,
        finalize_trades=False,
    )
    started = time.perf_counter()
    stats = backtest.run(fast=fast, slow=slow)
    seconds = time.perf_counter() - started
    trades = stats["_trades"]
    to_ms = lambda t: int(pd.Timestamp(t).value // 1_000_000)
    print(json.dumps({
        "seconds": seconds,
        "bars": len(frame),
        "trades": [
            [to_ms(row.EntryTime), to_ms(row.ExitTime), f"{row.EntryPrice:.2f}", f"{row.ExitPrice:.2f}"]
            for row in trades.itertuples()
        ],
    }))


if __name__ == "__main__":
    main()
