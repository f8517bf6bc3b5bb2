-- Sales facts, projected from the event log by the `reporting.sales` bus subscriber. Nothing
-- here is ever edited by hand: the rows are a pure function of the log, written in the same
-- transaction as the subscriber's cursor, so each event counts exactly once.

-- Orders and their covers (guests). An order merged into another hands its covers over.
CREATE TABLE reporting_orders (
    order_id TEXT    PRIMARY KEY,
    covers   INTEGER NOT NULL
) STRICT;

-- One row per paid bill (`bill.paid`); `paid_at` is the event's instant (fixed-width UTC text).
CREATE TABLE reporting_bills (
    bill_id        TEXT    PRIMARY KEY,
    order_id       TEXT    NOT NULL,
    waiter_id      TEXT    NOT NULL,
    paid_at        TEXT    NOT NULL,
    subtotal       INTEGER NOT NULL,
    discount_total INTEGER NOT NULL,
    service_charge INTEGER NOT NULL,
    tax            INTEGER NOT NULL,
    total          INTEGER NOT NULL,
    tips           INTEGER NOT NULL,
    source_seq     INTEGER NOT NULL
) STRICT;

CREATE INDEX reporting_bills_paid ON reporting_bills (paid_at);

-- The lines of a paid bill; `amount` is after the bill's discounts. `paid_at` is copied from
-- the bill so range scans need no join.
CREATE TABLE reporting_bill_lines (
    bill_id     TEXT    NOT NULL,
    position    INTEGER NOT NULL,
    paid_at     TEXT    NOT NULL,
    item_id     TEXT    NOT NULL,
    name        TEXT    NOT NULL,
    category    TEXT    NOT NULL,
    quantity    INTEGER NOT NULL,
    amount      INTEGER NOT NULL,
    tax_rate_bp INTEGER NOT NULL,
    cost        INTEGER,
    PRIMARY KEY (bill_id, position)
) STRICT;

CREATE INDEX reporting_bill_lines_paid ON reporting_bill_lines (paid_at);

-- Tax per rate of a paid bill, as the bill computed it.
CREATE TABLE reporting_bill_taxes (
    bill_id  TEXT    NOT NULL,
    position INTEGER NOT NULL,
    paid_at  TEXT    NOT NULL,
    rate_bp  INTEGER NOT NULL,
    base     INTEGER NOT NULL,
    tax      INTEGER NOT NULL,
    PRIMARY KEY (bill_id, position)
) STRICT;

CREATE INDEX reporting_bill_taxes_paid ON reporting_bill_taxes (paid_at);

-- Payments taken (`payment.taken`), at the instant they were taken.
CREATE TABLE reporting_payments (
    payment_id TEXT    PRIMARY KEY,
    bill_id    TEXT    NOT NULL,
    order_id   TEXT    NOT NULL,
    method     TEXT    NOT NULL,
    amount     INTEGER NOT NULL,
    tip        INTEGER NOT NULL,
    at         TEXT    NOT NULL
) STRICT;

CREATE INDEX reporting_payments_at ON reporting_payments (at);

-- Refunds (`payment.refunded`), at the instant they were made.
CREATE TABLE reporting_refunds (
    refund_id  TEXT    PRIMARY KEY,
    payment_id TEXT    NOT NULL,
    bill_id    TEXT    NOT NULL,
    method     TEXT    NOT NULL,
    amount     INTEGER NOT NULL,
    at         TEXT    NOT NULL
) STRICT;

CREATE INDEX reporting_refunds_at ON reporting_refunds (at);
