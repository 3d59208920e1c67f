-- Bourse read models and accounts (SQLite).
-- Money, prices and quantities are raw integer minor units stored as TEXT, so that no
-- value is ever rounded or limited to 63 bits.

CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    username TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    disabled INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE refresh_tokens (
    id TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL,
    family TEXT NOT NULL,
    token_hash TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT,
    revoked_at BIGINT
);
CREATE INDEX refresh_tokens_family ON refresh_tokens (family);
CREATE INDEX refresh_tokens_user ON refresh_tokens (user_id);

CREATE TABLE api_keys (
    id TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL,
    name TEXT NOT NULL,
    key_hash TEXT NOT NULL,
    scopes TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);
CREATE INDEX api_keys_user ON api_keys (user_id);

-- `INTEGER PRIMARY KEY` makes the id the rowid: one b-tree less per row written.
CREATE TABLE orders (
    id INTEGER PRIMARY KEY,
    owner BIGINT NOT NULL,
    instrument INTEGER NOT NULL,
    side TEXT NOT NULL,
    kind TEXT NOT NULL,
    price TEXT,
    qty TEXT,
    quote_budget TEXT,
    leaves TEXT NOT NULL,
    filled TEXT NOT NULL,
    filled_notional TEXT NOT NULL,
    fees TEXT NOT NULL,
    tif TEXT NOT NULL,
    post_only INTEGER NOT NULL,
    stp TEXT NOT NULL,
    client_order_id TEXT,
    expire_at BIGINT,
    status TEXT NOT NULL,
    reason TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    seq BIGINT NOT NULL
);
CREATE INDEX orders_owner ON orders (owner, id);
-- Open orders are few and most orders are written already closed: partial indexes
-- keep the open-order lookups cheap without indexing every closed order twice more.
CREATE INDEX orders_owner_open ON orders (owner, id) WHERE status IN ('open', 'partially_filled');
CREATE INDEX orders_open ON orders (id) WHERE status IN ('open', 'partially_filled');

CREATE TABLE trades (
    id INTEGER PRIMARY KEY,
    instrument INTEGER NOT NULL,
    price TEXT NOT NULL,
    qty TEXT NOT NULL,
    notional TEXT NOT NULL,
    aggressor TEXT NOT NULL,
    maker_order BIGINT NOT NULL,
    maker_owner BIGINT NOT NULL,
    maker_fee TEXT NOT NULL,
    taker_order BIGINT NOT NULL,
    taker_owner BIGINT NOT NULL,
    taker_fee TEXT NOT NULL,
    ts BIGINT NOT NULL,
    seq BIGINT NOT NULL
);
CREATE INDEX trades_instrument ON trades (instrument, id);
CREATE INDEX trades_maker ON trades (maker_owner, id);
CREATE INDEX trades_taker ON trades (taker_owner, id);

CREATE TABLE transfers (
    id TEXT PRIMARY KEY,
    owner BIGINT NOT NULL,
    asset INTEGER NOT NULL,
    kind TEXT NOT NULL,
    amount TEXT NOT NULL,
    posted TEXT,
    status TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    seq BIGINT NOT NULL
);
CREATE INDEX transfers_owner ON transfers (owner, created_at);

CREATE TABLE balances (
    owner BIGINT NOT NULL,
    asset INTEGER NOT NULL,
    available TEXT NOT NULL,
    held TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (owner, asset)
);

CREATE TABLE candles (
    instrument INTEGER NOT NULL,
    period TEXT NOT NULL,
    open_time BIGINT NOT NULL,
    open TEXT NOT NULL,
    high TEXT NOT NULL,
    low TEXT NOT NULL,
    close TEXT NOT NULL,
    volume TEXT NOT NULL,
    quote_volume TEXT NOT NULL,
    trades BIGINT NOT NULL,
    PRIMARY KEY (instrument, period, open_time)
);
