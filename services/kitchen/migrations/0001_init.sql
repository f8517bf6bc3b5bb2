-- Kitchen tickets: one per station per send, plus VOID tickets for lines voided after send.
-- Made by a bus subscriber from the event log; `source_seq` is the event that caused it, and
-- the unique index makes a second ticket for the same event and station impossible.
CREATE TABLE kitchen_tickets (
    id          TEXT    PRIMARY KEY,
    station_id  TEXT    NOT NULL,
    order_id    TEXT    NOT NULL,
    number      INTEGER NOT NULL,
    table_name  TEXT    NOT NULL,
    waiter_name TEXT    NOT NULL,
    course      INTEGER,
    kind        TEXT    NOT NULL CHECK (kind IN ('order', 'void')),
    status      TEXT    NOT NULL CHECK (status IN ('new', 'preparing', 'ready', 'served')),
    lines       TEXT    NOT NULL,
    source_seq  INTEGER NOT NULL,
    created_at  TEXT    NOT NULL,
    status_at   TEXT    NOT NULL
) STRICT;

CREATE UNIQUE INDEX kitchen_tickets_once ON kitchen_tickets (source_seq, station_id, kind);
CREATE INDEX kitchen_tickets_by_station ON kitchen_tickets (station_id, status, created_at);
CREATE INDEX kitchen_tickets_by_status ON kitchen_tickets (status, created_at);
