-- The event log: the restaurant's journal. Append-only and hash-chained (BRIEF §5).
CREATE TABLE events (
    seq    INTEGER PRIMARY KEY,
    id     TEXT    NOT NULL UNIQUE,
    type   TEXT    NOT NULL,
    at     TEXT    NOT NULL,
    actor  TEXT    NOT NULL,
    data   TEXT    NOT NULL,
    hash   BLOB    NOT NULL
) STRICT;

CREATE INDEX events_type ON events (type, seq);

CREATE TRIGGER events_never_updated BEFORE UPDATE ON events
BEGIN
    SELECT RAISE(ABORT, 'the event log is append-only');
END;

CREATE TRIGGER events_never_deleted BEFORE DELETE ON events
BEGIN
    SELECT RAISE(ABORT, 'the event log is append-only');
END;

-- Where each durable subscriber of the bus has got to.
CREATE TABLE bus_cursors (
    subscriber TEXT    PRIMARY KEY,
    seq        INTEGER NOT NULL,
    updated_at TEXT    NOT NULL
) STRICT;

-- Responses already given to an Idempotency-Key, replayed on retries.
CREATE TABLE idempotency_keys (
    scope        TEXT    NOT NULL,
    key          TEXT    NOT NULL,
    request_hash TEXT    NOT NULL,
    status       INTEGER NOT NULL,
    body         TEXT    NOT NULL,
    created_at   TEXT    NOT NULL,
    PRIMARY KEY (scope, key)
) STRICT;

CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
