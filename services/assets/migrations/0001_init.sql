-- The restaurant's equipment (ovens, printers, tablets, furniture) for straight-line
-- depreciation. Dates are local `YYYY-MM-DD`; money in minor units.
CREATE TABLE assets (
    asset_id           TEXT    PRIMARY KEY,
    name               TEXT    NOT NULL,
    category           TEXT    NOT NULL,
    kind               TEXT    NOT NULL,
    purchase_date      TEXT    NOT NULL,
    cost               INTEGER NOT NULL,
    salvage_value      INTEGER NOT NULL,
    useful_life_months INTEGER NOT NULL,
    serial             TEXT,
    location           TEXT,
    printer_id         TEXT,
    disposed_on        TEXT,
    created_at         TEXT    NOT NULL
) STRICT;

CREATE INDEX assets_name ON assets (name, asset_id);
