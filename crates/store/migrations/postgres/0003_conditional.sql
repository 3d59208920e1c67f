-- Conditional and linked orders: a trigger (stop, take profit, trailing stop) and the
-- price that fires it, when it fired or why the order it became was refused, the
-- reduce-only flag, the other leg of a one-cancels-the-other pair, the bracket entry
-- an order protects and the protection an entry carries. Prices stay raw TEXT.
ALTER TABLE orders ADD COLUMN trigger_type TEXT;
ALTER TABLE orders ADD COLUMN trigger_price TEXT;
ALTER TABLE orders ADD COLUMN trailing_offset TEXT;
ALTER TABLE orders ADD COLUMN trailing_bps INTEGER;
ALTER TABLE orders ADD COLUMN triggered_at BIGINT;
ALTER TABLE orders ADD COLUMN trigger_refused TEXT;
ALTER TABLE orders ADD COLUMN reduce_only INTEGER NOT NULL DEFAULT 0;
ALTER TABLE orders ADD COLUMN oco BIGINT;
ALTER TABLE orders ADD COLUMN parent BIGINT;
ALTER TABLE orders ADD COLUMN stop_loss TEXT;
ALTER TABLE orders ADD COLUMN take_profit TEXT;

-- Orders waiting for their trigger are open too.
DROP INDEX orders_owner_open;
DROP INDEX orders_open;
CREATE INDEX orders_owner_open ON orders (owner, id) WHERE status IN ('open', 'partially_filled', 'untriggered');
CREATE INDEX orders_open ON orders (id) WHERE status IN ('open', 'partially_filled', 'untriggered');
