-- Live strategies users created, each trading from one of its user's sub-accounts,
-- and the signals strategies gave. Not derived from the journal (a rebuild of the
-- read models keeps them). `params` and `state` are JSON made by the service: the
-- parameters in force, and what the runner needs to resume (its portfolio, the
-- orders it placed, the last bar it acted on).
CREATE TABLE strategies (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id BIGINT NOT NULL,
    subaccount_id BIGINT NOT NULL,
    name TEXT NOT NULL,
    builtin TEXT NOT NULL,
    symbol TEXT NOT NULL,
    timeframe TEXT NOT NULL,
    params TEXT NOT NULL,
    status TEXT NOT NULL,
    error TEXT,
    state TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX strategies_user_name ON strategies (user_id, name);
CREATE INDEX strategies_status ON strategies (status);

-- `body` is the signal as JSON (confidence, entry, stop loss, take profit,
-- risk/reward, the indicator values); the columns are what lists filter on.
CREATE TABLE signals (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    strategy_id BIGINT NOT NULL,
    user_id BIGINT NOT NULL,
    symbol TEXT NOT NULL,
    timeframe TEXT NOT NULL,
    side TEXT NOT NULL,
    strength TEXT NOT NULL,
    time_ms BIGINT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX signals_user_time ON signals (user_id, id);
CREATE INDEX signals_user_symbol ON signals (user_id, symbol, timeframe, id);
