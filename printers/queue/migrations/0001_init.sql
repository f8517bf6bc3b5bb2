-- Printers: kitchen or receipt, by address (tcp://, usb:, serial:), with a backup for when
-- they fail.
CREATE TABLE printing_printers (
    id                TEXT    PRIMARY KEY,
    name              TEXT    NOT NULL,
    name_key          TEXT    NOT NULL,
    role              TEXT    NOT NULL CHECK (role IN ('kitchen', 'receipt')),
    address           TEXT    NOT NULL,
    width_chars       INTEGER NOT NULL CHECK (width_chars IN (32, 42, 48)),
    code_page         TEXT    NOT NULL CHECK (code_page IN ('cp858', 'wpc1252', 'cp437')),
    backup_printer_id TEXT    REFERENCES printing_printers (id),
    active            INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at        TEXT    NOT NULL,
    updated_at        TEXT    NOT NULL
) STRICT;

CREATE UNIQUE INDEX printing_printers_name ON printing_printers (name_key) WHERE active = 1;

-- The durable queue. A job is written in the same transaction as whatever causes it (the
-- ticket's event, the print request). 'sending' is recorded before the bytes go out: a job
-- found 'sending' after a restart may have printed, so it is printed again marked REPRINT.
CREATE TABLE printing_jobs (
    id                  TEXT    PRIMARY KEY,
    printer_id          TEXT    NOT NULL REFERENCES printing_printers (id),
    original_printer_id TEXT    NOT NULL,
    kind                TEXT    NOT NULL CHECK (kind IN ('ticket', 'receipt', 'report', 'test', 'drawer')),
    source              TEXT,
    document            TEXT    NOT NULL,
    reprint             INTEGER NOT NULL DEFAULT 0 CHECK (reprint IN (0, 1)),
    status              TEXT    NOT NULL CHECK (status IN ('queued', 'sending', 'printed', 'failed')),
    attempts            INTEGER NOT NULL DEFAULT 0,
    last_error          TEXT,
    created_at          TEXT    NOT NULL,
    first_attempt_at    TEXT,
    next_attempt_at     TEXT    NOT NULL,
    printed_at          TEXT
) STRICT;

-- Each printer's queue, oldest first: ids are time-ordered.
CREATE INDEX printing_jobs_queue ON printing_jobs (printer_id, status, id);
CREATE INDEX printing_jobs_by_source ON printing_jobs (kind, source);
