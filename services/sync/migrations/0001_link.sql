-- The cloud this box was paired with from the dashboard (one-time code). It takes precedence
-- over `[cloud]` in the config file: pairing is the later, explicit choice. The token is the
-- box's credential for its site and must be presented as is, so it is kept as is.
CREATE TABLE sync_link (
    singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
    url       TEXT    NOT NULL,
    site_id   TEXT    NOT NULL,
    site_name TEXT    NOT NULL,
    token     TEXT    NOT NULL,
    paired_at TEXT    NOT NULL
) STRICT;
