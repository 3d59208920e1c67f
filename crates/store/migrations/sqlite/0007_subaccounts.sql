-- Sub-accounts: owners of their own in the engine, each linked to the user who opened
-- it. Not derived from the journal (a rebuild of the read models keeps them); the
-- engine owner of a sub-account is a fixed base plus its id.
CREATE TABLE subaccounts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id BIGINT NOT NULL,
    name TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX subaccounts_user_name ON subaccounts (user_id, name);
