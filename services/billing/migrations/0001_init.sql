-- Bills are snapshots of an order at the moment the guest asks for the bill. A bill that is
-- superseded (the order changed before anyone paid) becomes 'void'; one that is split becomes
-- 'split' and its parts are bills of their own. Amounts are computed by `money.rs` and stored
-- with the JSON of their parts, so a receipt reprinted in a year shows the same numbers.
CREATE TABLE billing_bills (
    id                 TEXT    PRIMARY KEY,
    order_id           TEXT    NOT NULL,
    parent_id          TEXT    REFERENCES billing_bills (id),
    part_no            INTEGER,
    parts              INTEGER,
    number             INTEGER NOT NULL,
    table_id           TEXT    NOT NULL,
    table_name         TEXT    NOT NULL,
    waiter_id          TEXT    NOT NULL,
    guests             INTEGER NOT NULL,
    status             TEXT    NOT NULL CHECK (status IN ('open', 'paid', 'split', 'void')),
    prices_include_tax INTEGER NOT NULL CHECK (prices_include_tax IN (0, 1)),
    currency           TEXT    NOT NULL,
    lines              TEXT    NOT NULL,
    discounts          TEXT    NOT NULL,
    service            TEXT,
    subtotal           INTEGER NOT NULL,
    discount_total     INTEGER NOT NULL,
    service_charge     INTEGER NOT NULL,
    taxes              TEXT    NOT NULL,
    total              INTEGER NOT NULL,
    created_at         TEXT    NOT NULL,
    paid_at            TEXT
) STRICT;

CREATE INDEX billing_bills_by_order ON billing_bills (order_id, status);

CREATE TABLE billing_payments (
    id              TEXT    PRIMARY KEY,
    bill_id         TEXT    NOT NULL REFERENCES billing_bills (id),
    method          TEXT    NOT NULL CHECK (method IN ('cash', 'card', 'other')),
    amount          INTEGER NOT NULL CHECK (amount > 0),
    tip             INTEGER NOT NULL CHECK (tip >= 0),
    tendered        INTEGER,
    change          INTEGER NOT NULL CHECK (change >= 0),
    cash_session_id TEXT,
    taken_by        TEXT    NOT NULL,
    taken_at        TEXT    NOT NULL
) STRICT;

CREATE INDEX billing_payments_by_bill ON billing_payments (bill_id);
CREATE INDEX billing_payments_by_session ON billing_payments (cash_session_id);

CREATE TABLE billing_refunds (
    id              TEXT    PRIMARY KEY,
    payment_id      TEXT    NOT NULL REFERENCES billing_payments (id),
    amount          INTEGER NOT NULL CHECK (amount > 0),
    reason          TEXT    NOT NULL,
    approved_by     TEXT    NOT NULL,
    refunded_by     TEXT    NOT NULL,
    cash_session_id TEXT,
    refunded_at     TEXT    NOT NULL
) STRICT;

CREATE INDEX billing_refunds_by_payment ON billing_refunds (payment_id);

-- The cash drawer: one open session at a time.
CREATE TABLE billing_cash_sessions (
    id            TEXT    PRIMARY KEY,
    opened_by     TEXT    NOT NULL,
    opening_float INTEGER NOT NULL CHECK (opening_float >= 0),
    opened_at     TEXT    NOT NULL,
    closed_by     TEXT,
    closed_at     TEXT,
    expected      INTEGER,
    counted       INTEGER
) STRICT;

CREATE UNIQUE INDEX billing_one_open_cash_session ON billing_cash_sessions ((closed_at IS NULL)) WHERE closed_at IS NULL;

CREATE TABLE billing_cash_movements (
    id         TEXT    PRIMARY KEY,
    session_id TEXT    NOT NULL REFERENCES billing_cash_sessions (id),
    kind       TEXT    NOT NULL CHECK (kind IN ('in', 'out')),
    amount     INTEGER NOT NULL CHECK (amount > 0),
    reason     TEXT    NOT NULL,
    moved_by   TEXT    NOT NULL,
    moved_at   TEXT    NOT NULL
) STRICT;
