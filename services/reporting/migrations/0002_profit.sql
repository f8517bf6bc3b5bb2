-- Profit facts, projected from the log by the `reporting.profit` subscriber (it starts from
-- the first event, so a box that had no profit report catches up on its whole history).

-- Each sold line's net (tax taken out where prices include it) and its cost of goods.
CREATE TABLE reporting_profit_lines (
    bill_id  TEXT    NOT NULL,
    position INTEGER NOT NULL,
    paid_at  TEXT    NOT NULL,
    category TEXT    NOT NULL,
    net      INTEGER NOT NULL,
    cost     INTEGER,
    PRIMARY KEY (bill_id, position)
) STRICT;

CREATE INDEX reporting_profit_lines_paid ON reporting_profit_lines (paid_at);

-- Finished shifts and the hourly rate they are paid at (labour cost).
CREATE TABLE reporting_shifts (
    shift_id    TEXT    PRIMARY KEY,
    staff_id    TEXT    NOT NULL,
    started_at  TEXT    NOT NULL,
    ended_at    TEXT    NOT NULL,
    hourly_rate INTEGER
) STRICT;

CREATE INDEX reporting_shifts_ended ON reporting_shifts (ended_at);
