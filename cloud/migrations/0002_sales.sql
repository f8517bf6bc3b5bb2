-- The sales projections: the box's reporting facts, per site, written in the same transaction
-- as the events they come from (see `cloud/src/sales.rs`). Each mirrors a `reporting_*` table
-- of the box, with `site_id` in front; ids and times are kept as the box keeps them so the
-- cloud's report sorts and sums exactly like the box's.

-- What the box said at setup (`site.setup_completed`): its local days and its money.
ALTER TABLE sites ADD COLUMN timezone text NOT NULL DEFAULT 'UTC';
ALTER TABLE sites ADD COLUMN currency text;

CREATE TABLE sales_orders (
    site_id  uuid   NOT NULL REFERENCES sites (id),
    order_id text   NOT NULL,
    covers   bigint NOT NULL,
    PRIMARY KEY (site_id, order_id)
);

CREATE TABLE sales_bills (
    site_id        uuid        NOT NULL REFERENCES sites (id),
    bill_id        text        NOT NULL,
    order_id       text        NOT NULL,
    waiter_id      text        NOT NULL,
    paid_at        timestamptz NOT NULL,
    subtotal       bigint      NOT NULL,
    discount_total bigint      NOT NULL,
    service_charge bigint      NOT NULL,
    tax            bigint      NOT NULL,
    total          bigint      NOT NULL,
    tips           bigint      NOT NULL,
    source_seq     bigint      NOT NULL,
    PRIMARY KEY (site_id, bill_id)
);

CREATE INDEX sales_bills_paid ON sales_bills (site_id, paid_at);

CREATE TABLE sales_bill_lines (
    site_id     uuid        NOT NULL REFERENCES sites (id),
    bill_id     text        NOT NULL,
    position    bigint      NOT NULL,
    paid_at     timestamptz NOT NULL,
    item_id     text        NOT NULL,
    name        text        NOT NULL,
    category    text        NOT NULL,
    quantity    bigint      NOT NULL,
    amount      bigint      NOT NULL,
    tax_rate_bp integer     NOT NULL,
    cost        bigint,
    PRIMARY KEY (site_id, bill_id, position)
);

CREATE INDEX sales_bill_lines_paid ON sales_bill_lines (site_id, paid_at);

CREATE TABLE sales_bill_taxes (
    site_id  uuid        NOT NULL REFERENCES sites (id),
    bill_id  text        NOT NULL,
    position bigint      NOT NULL,
    paid_at  timestamptz NOT NULL,
    rate_bp  integer     NOT NULL,
    base     bigint      NOT NULL,
    tax      bigint      NOT NULL,
    PRIMARY KEY (site_id, bill_id, position)
);

CREATE INDEX sales_bill_taxes_paid ON sales_bill_taxes (site_id, paid_at);

CREATE TABLE sales_payments (
    site_id    uuid        NOT NULL REFERENCES sites (id),
    payment_id text        NOT NULL,
    bill_id    text        NOT NULL,
    order_id   text        NOT NULL,
    method     text        NOT NULL,
    amount     bigint      NOT NULL,
    tip        bigint      NOT NULL,
    at         timestamptz NOT NULL,
    PRIMARY KEY (site_id, payment_id)
);

CREATE INDEX sales_payments_at ON sales_payments (site_id, at);

CREATE TABLE sales_refunds (
    site_id    uuid        NOT NULL REFERENCES sites (id),
    refund_id  text        NOT NULL,
    payment_id text        NOT NULL,
    bill_id    text        NOT NULL,
    method     text        NOT NULL,
    amount     bigint      NOT NULL,
    at         timestamptz NOT NULL,
    PRIMARY KEY (site_id, refund_id)
);

CREATE INDEX sales_refunds_at ON sales_refunds (site_id, at);
