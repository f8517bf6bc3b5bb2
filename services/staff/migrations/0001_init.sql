-- Staff members. Never deleted: deactivation keeps their history (orders, shifts, audit).
CREATE TABLE staff_members (
    id                   TEXT    PRIMARY KEY,
    name                 TEXT    NOT NULL,
    username             TEXT    NOT NULL UNIQUE,
    role                 TEXT    NOT NULL CHECK (role IN ('owner', 'manager', 'waiter', 'kitchen')),
    password_hash        TEXT,
    pin_hash             TEXT,
    hourly_rate          INTEGER CHECK (hourly_rate IS NULL OR hourly_rate >= 0),
    active               INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    -- Access tokens issued before this instant are refused (password change, deactivation).
    sessions_valid_after TEXT    NOT NULL,
    created_at           TEXT    NOT NULL,
    updated_at           TEXT    NOT NULL
) STRICT;

-- Refresh tokens, stored as SHA-256 of the token (they are 256-bit random, so a fast hash
-- is enough). Each use spends the token and issues the next one in the same family; a spent
-- token seen again means it was stolen, and the whole family is revoked.
CREATE TABLE staff_refresh_tokens (
    id         TEXT PRIMARY KEY,
    family_id  TEXT NOT NULL,
    staff_id   TEXT NOT NULL REFERENCES staff_members (id),
    token_hash TEXT NOT NULL UNIQUE,
    issued_at  TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    spent_at   TEXT,
    revoked_at TEXT
) STRICT;

CREATE INDEX staff_refresh_tokens_family ON staff_refresh_tokens (family_id);
CREATE INDEX staff_refresh_tokens_staff ON staff_refresh_tokens (staff_id);

-- Clock-in to clock-out, with the hourly rate at clock-in (for labour cost in reports).
CREATE TABLE staff_shifts (
    id          TEXT    PRIMARY KEY,
    staff_id    TEXT    NOT NULL REFERENCES staff_members (id),
    started_at  TEXT    NOT NULL,
    ended_at    TEXT,
    hourly_rate INTEGER
) STRICT;

CREATE UNIQUE INDEX staff_shifts_one_open ON staff_shifts (staff_id) WHERE ended_at IS NULL;
CREATE INDEX staff_shifts_started ON staff_shifts (started_at);
