-- A table's order, from seating to payment. One open order per table at a time.
CREATE TABLE orders_orders (
    id          TEXT    PRIMARY KEY,
    number      INTEGER NOT NULL CHECK (number BETWEEN 1 AND 999),
    table_id    TEXT    NOT NULL,
    table_name  TEXT    NOT NULL,
    guests      INTEGER NOT NULL CHECK (guests BETWEEN 1 AND 200),
    waiter_id   TEXT    NOT NULL,
    waiter_name TEXT    NOT NULL,
    status      TEXT    NOT NULL CHECK (status IN ('open', 'closed')),
    sends       INTEGER NOT NULL DEFAULT 0,
    merged_into TEXT,
    opened_at   TEXT    NOT NULL,
    closed_at   TEXT
) STRICT;

CREATE UNIQUE INDEX orders_one_open_per_table ON orders_orders (table_id) WHERE status = 'open';
CREATE INDEX orders_by_status ON orders_orders (status, id);

-- Lines copy the menu at the moment they were ordered: a later price change never rewrites
-- them. Lines are never deleted: a void is a status with who, when and why.
CREATE TABLE orders_lines (
    id               TEXT    PRIMARY KEY,
    order_id         TEXT    NOT NULL REFERENCES orders_orders (id),
    position         INTEGER NOT NULL,
    item_id          TEXT    NOT NULL,
    name             TEXT    NOT NULL,
    category_id      TEXT    NOT NULL,
    category_name    TEXT    NOT NULL,
    quantity         INTEGER NOT NULL CHECK (quantity BETWEEN 1 AND 999),
    base_price       INTEGER NOT NULL,
    unit_price       INTEGER NOT NULL,
    tax_rate_bp      INTEGER NOT NULL CHECK (tax_rate_bp BETWEEN 0 AND 10000),
    cost             INTEGER,
    station_id       TEXT    NOT NULL,
    station_name     TEXT    NOT NULL,
    modifiers        TEXT    NOT NULL,
    seat             INTEGER,
    course           INTEGER NOT NULL,
    note             TEXT,
    status           TEXT    NOT NULL CHECK (status IN ('unsent', 'sent', 'voided')),
    send_no          INTEGER,
    sent_at          TEXT,
    comped           INTEGER NOT NULL DEFAULT 0 CHECK (comped IN (0, 1)),
    comp_reason      TEXT,
    comp_approved_by TEXT,
    void_reason      TEXT,
    void_approved_by TEXT,
    voided_after_send INTEGER NOT NULL DEFAULT 0 CHECK (voided_after_send IN (0, 1)),
    voided_at        TEXT,
    added_by         TEXT    NOT NULL,
    added_at         TEXT    NOT NULL
) STRICT;

CREATE INDEX orders_lines_by_order ON orders_lines (order_id, position);

-- Order numbers run 1..999 and wrap: short enough to shout across a kitchen.
CREATE TABLE orders_counter (
    singleton   INTEGER PRIMARY KEY CHECK (singleton = 1),
    last_number INTEGER NOT NULL
) STRICT;
