-- The restaurant this box runs: exactly one row once first-start setup is done.
CREATE TABLE site_settings (
    singleton          INTEGER PRIMARY KEY CHECK (singleton = 1),
    site_id            TEXT    NOT NULL,
    restaurant_name    TEXT    NOT NULL,
    currency           TEXT    NOT NULL CHECK (length(currency) = 3),
    prices_include_tax INTEGER NOT NULL CHECK (prices_include_tax IN (0, 1)),
    demo               INTEGER NOT NULL DEFAULT 0 CHECK (demo IN (0, 1)),
    created_at         TEXT    NOT NULL,
    updated_at         TEXT    NOT NULL
) STRICT;
