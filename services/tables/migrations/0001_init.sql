-- Parts of the floor (main room, terrace, bar), shown as tabs in `position` order. Never
-- deleted: deactivation hides an area and keeps the history of its tables.
CREATE TABLE tables_areas (
    id         TEXT    PRIMARY KEY,
    name       TEXT    NOT NULL,
    -- `lower(name)` as Rust folds it (SQLite's lower() only folds ASCII): unique among active areas.
    name_key   TEXT    NOT NULL,
    position   INTEGER NOT NULL CHECK (position BETWEEN 0 AND 10000),
    active     INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at TEXT    NOT NULL,
    updated_at TEXT    NOT NULL
) STRICT;

CREATE UNIQUE INDEX tables_areas_active_name ON tables_areas (name_key) WHERE active = 1;
CREATE INDEX tables_areas_position ON tables_areas (position, id);

-- Tables on the floor plan, in floor-plan units (0..10000), with their live status. Status
-- and order are written only by the status projection, from the orders' events.
CREATE TABLE tables_tables (
    id           TEXT    PRIMARY KEY,
    area_id      TEXT    NOT NULL REFERENCES tables_areas (id),
    name         TEXT    NOT NULL,
    name_key     TEXT    NOT NULL,
    seats        INTEGER NOT NULL CHECK (seats BETWEEN 1 AND 50),
    shape        TEXT    NOT NULL CHECK (shape IN ('round', 'square', 'rectangle')),
    x            INTEGER NOT NULL CHECK (x BETWEEN 0 AND 10000),
    y            INTEGER NOT NULL CHECK (y BETWEEN 0 AND 10000),
    width        INTEGER NOT NULL CHECK (width BETWEEN 0 AND 10000),
    height       INTEGER NOT NULL CHECK (height BETWEEN 0 AND 10000),
    active       INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    -- 128 random bits, base64url: the guest page's address (`/t/{token}`) printed as a QR code.
    -- Kept in clear because the QR code must be drawn again; rotating it retires old prints.
    guest_token  TEXT    NOT NULL UNIQUE,
    status       TEXT    NOT NULL DEFAULT 'free'
                         CHECK (status IN ('free', 'seated', 'ordered', 'bill_requested')),
    order_id     TEXT,
    status_since TEXT    NOT NULL,
    created_at   TEXT    NOT NULL,
    updated_at   TEXT    NOT NULL,
    CHECK ((status = 'free') = (order_id IS NULL))
) STRICT;

CREATE UNIQUE INDEX tables_tables_active_name ON tables_tables (name_key) WHERE active = 1;
CREATE INDEX tables_tables_area ON tables_tables (area_id, id);
CREATE INDEX tables_tables_order ON tables_tables (order_id) WHERE order_id IS NOT NULL;
