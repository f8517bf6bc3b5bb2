-- Guests' requests from the table's QR page. Nothing here reaches the kitchen: a waiter's
-- accept turns a request into order lines (the orders service's), which the waiter fires.
CREATE TABLE guest_requests (
    id         TEXT    PRIMARY KEY,
    table_id   TEXT    NOT NULL,
    table_name TEXT    NOT NULL,
    -- A random id the guest's browser keeps: the per-device limit.
    device_id  TEXT    NOT NULL,
    -- [{item_id, name, quantity, unit_price, note}]
    lines      TEXT    NOT NULL,
    note       TEXT,
    status     TEXT    NOT NULL CHECK (status IN ('pending', 'accepted', 'declined')),
    reason     TEXT,
    order_id   TEXT,
    decided_by TEXT,
    created_at TEXT    NOT NULL,
    decided_at TEXT
) STRICT;

CREATE INDEX guest_requests_status ON guest_requests (status, created_at);
CREATE INDEX guest_requests_device ON guest_requests (device_id, created_at);
CREATE INDEX guest_requests_table ON guest_requests (table_id, created_at);
