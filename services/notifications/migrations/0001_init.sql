-- The outbox: every message to send, written in the same transaction as what caused it, and
-- kept until delivered (or given up on, or cancelled). Times are fixed-width UTC text.
CREATE TABLE notify_outbox (
    id         TEXT    PRIMARY KEY,
    -- What the message is about, once: a trigger that runs again adds nothing.
    dedupe_key TEXT    UNIQUE,
    channel    TEXT    NOT NULL CHECK (channel IN ('email', 'sms', 'webhook', 'in_app')),
    recipient  TEXT    NOT NULL,
    subject    TEXT    NOT NULL,
    body       TEXT    NOT NULL,
    template   TEXT    NOT NULL,
    status     TEXT    NOT NULL CHECK (status IN ('pending', 'sent', 'failed', 'cancelled')),
    attempts   INTEGER NOT NULL DEFAULT 0,
    -- Not before this instant: a reminder's time, or the next retry.
    not_before TEXT    NOT NULL,
    last_error TEXT,
    created_at TEXT    NOT NULL,
    sent_at    TEXT
) STRICT;

CREATE INDEX notify_outbox_due ON notify_outbox (status, not_before);
CREATE INDEX notify_outbox_created ON notify_outbox (created_at);

-- Who serves each order (from order.opened), so "order ready" reaches that waiter.
CREATE TABLE notify_orders (
    order_id   TEXT PRIMARY KEY,
    waiter_id  TEXT NOT NULL,
    table_name TEXT NOT NULL
) STRICT;
