-- Sessions (refresh-token families) that have ended: logged out, revoked because a
-- refresh token came back, or ended for the whole user (password change, disabled).
-- Access tokens carry their session; one whose session is here is refused at once.
-- Rows older than the longest access-token lifetime can no longer matter and are
-- pruned.
CREATE TABLE revoked_sessions (
    family TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL,
    revoked_at BIGINT NOT NULL
);
CREATE INDEX revoked_sessions_time ON revoked_sessions (revoked_at);
