-- Every change to an order bumps its version; a bill remembers the version it was made from,
-- so an out-of-date bill (dessert added since) can never be paid. Once money is taken on a
-- bill the order is locked: nothing can be added, voided, comped or moved any more.
ALTER TABLE orders_orders ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE orders_orders ADD COLUMN locked INTEGER NOT NULL DEFAULT 0 CHECK (locked IN (0, 1));
