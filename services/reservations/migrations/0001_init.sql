-- Bookings and the walk-in waiting list. Times are fixed-width UTC text (they sort as time).
CREATE TABLE reservations (
    id               TEXT    PRIMARY KEY,
    name             TEXT    NOT NULL,
    phone            TEXT,
    email            TEXT,
    party_size       INTEGER NOT NULL,
    starts_at        TEXT    NOT NULL,
    ends_at          TEXT    NOT NULL,
    duration_minutes INTEGER NOT NULL,
    table_id         TEXT,
    area_id          TEXT,
    notes            TEXT,
    status           TEXT    NOT NULL CHECK (status IN ('booked', 'seated', 'cancelled', 'no_show')),
    order_id         TEXT,
    locale           TEXT    NOT NULL,
    created_at       TEXT    NOT NULL,
    updated_at       TEXT    NOT NULL
) STRICT;

CREATE INDEX reservations_starts ON reservations (starts_at);
CREATE INDEX reservations_table ON reservations (table_id, starts_at);

CREATE TABLE waitlist (
    id             TEXT    PRIMARY KEY,
    name           TEXT    NOT NULL,
    phone          TEXT,
    party_size     INTEGER NOT NULL,
    quoted_minutes INTEGER NOT NULL,
    added_at       TEXT    NOT NULL,
    status         TEXT    NOT NULL CHECK (status IN ('waiting', 'seated', 'left'))
) STRICT;

CREATE INDEX waitlist_status ON waitlist (status, added_at);
