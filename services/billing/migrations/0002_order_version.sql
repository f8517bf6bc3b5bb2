-- The order's version when the bill was made: paying an out-of-date bill is refused.
ALTER TABLE billing_bills ADD COLUMN order_version INTEGER NOT NULL DEFAULT 0;
