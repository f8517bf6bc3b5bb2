-- The menu. Nothing here is ever deleted except modifier options, which a group's edit
-- replaces wholesale: orders copy names and prices when they are taken, so no order refers
-- back to these rows. Everything else is deactivated (`active = 0`) instead, keeping history.

-- Kitchen stations: where an item's tickets go (grill, cold, bar).
CREATE TABLE menu_stations (
    id         TEXT    PRIMARY KEY,
    name       TEXT    NOT NULL,
    -- The lower-cased name: "Bar" and "bar" are one station.
    name_key   TEXT    NOT NULL UNIQUE,
    -- Free text until the printing service manages printers.
    printer_id TEXT,
    active     INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    position   INTEGER NOT NULL DEFAULT 0,
    created_at TEXT    NOT NULL,
    updated_at TEXT    NOT NULL
) STRICT;

CREATE TABLE menu_categories (
    id         TEXT    PRIMARY KEY,
    name       TEXT    NOT NULL,
    name_key   TEXT    NOT NULL UNIQUE,
    position   INTEGER NOT NULL DEFAULT 0,
    active     INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at TEXT    NOT NULL,
    updated_at TEXT    NOT NULL
) STRICT;

-- Choose between min_choices and max_choices of the group's options for each order line.
CREATE TABLE menu_modifier_groups (
    id          TEXT    PRIMARY KEY,
    name        TEXT    NOT NULL,
    min_choices INTEGER NOT NULL CHECK (min_choices BETWEEN 0 AND 20),
    max_choices INTEGER NOT NULL CHECK (max_choices BETWEEN 1 AND 20),
    active      INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at  TEXT    NOT NULL,
    updated_at  TEXT    NOT NULL,
    CHECK (min_choices <= max_choices)
) STRICT;

CREATE TABLE menu_modifier_options (
    id          TEXT    PRIMARY KEY,
    group_id    TEXT    NOT NULL REFERENCES menu_modifier_groups (id),
    name        TEXT    NOT NULL,
    -- Minor units added to the item's price; negative for "without".
    price_delta INTEGER NOT NULL CHECK (price_delta BETWEEN -1000000 AND 1000000),
    position    INTEGER NOT NULL
) STRICT;

CREATE INDEX menu_modifier_options_group ON menu_modifier_options (group_id, position);

CREATE TABLE menu_items (
    id          TEXT    PRIMARY KEY,
    category_id TEXT    NOT NULL REFERENCES menu_categories (id),
    name        TEXT    NOT NULL,
    -- Minor units, as on the printed menu.
    price       INTEGER NOT NULL CHECK (price BETWEEN 0 AND 10000000),
    tax_rate_bp INTEGER NOT NULL CHECK (tax_rate_bp BETWEEN 0 AND 10000),
    station_id  TEXT    NOT NULL REFERENCES menu_stations (id),
    -- Cost of goods per portion, for profit reports.
    cost        INTEGER CHECK (cost IS NULL OR cost BETWEEN 0 AND 10000000),
    -- EU-14 allergen names joined by commas, in the regulation's order ('' for none).
    allergens   TEXT    NOT NULL DEFAULT '',
    -- 0 = 86'd (sold out for now); orders refuse it until it is back.
    available   INTEGER NOT NULL DEFAULT 1 CHECK (available IN (0, 1)),
    active      INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    position    INTEGER NOT NULL DEFAULT 0,
    created_at  TEXT    NOT NULL,
    updated_at  TEXT    NOT NULL
) STRICT;

CREATE INDEX menu_items_category ON menu_items (category_id);
CREATE INDEX menu_items_station ON menu_items (station_id);

-- Which modifier groups an item offers, in the order the tablet shows them.
CREATE TABLE menu_item_modifier_groups (
    item_id  TEXT    NOT NULL REFERENCES menu_items (id),
    group_id TEXT    NOT NULL REFERENCES menu_modifier_groups (id),
    position INTEGER NOT NULL,
    PRIMARY KEY (item_id, group_id)
) STRICT, WITHOUT ROWID;

CREATE INDEX menu_item_modifier_groups_group ON menu_item_modifier_groups (group_id);
