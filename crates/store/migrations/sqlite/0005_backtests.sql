-- Backtests users ran: what was asked, where it stands, and its summary. Not derived
-- from the journal (a rebuild of the read models keeps them).
CREATE TABLE backtests (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    owner BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    finished_at BIGINT,
    status TEXT NOT NULL,
    request TEXT NOT NULL,
    summary TEXT,
    error TEXT
);
CREATE INDEX backtests_owner ON backtests (owner, id);
