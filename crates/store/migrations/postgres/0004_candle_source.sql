-- Where a candle comes from: `trades` (folded from released trades), `generated` (the
-- demo venue's seeded past) or `imported` (a file). Only `trades` candles are derived
-- from the journal.
ALTER TABLE candles ADD COLUMN source TEXT NOT NULL DEFAULT 'trades';
