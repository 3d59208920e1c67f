-- An internal transfer (between two owners of the venue) is one row, kept under the
-- owner it leaves, with the owner it reaches as its counterparty.
ALTER TABLE transfers ADD COLUMN counterparty BIGINT;
CREATE INDEX transfers_counterparty ON transfers (counterparty, created_at);
