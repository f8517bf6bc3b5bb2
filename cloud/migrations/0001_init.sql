-- Organisations (an owner's restaurants), their owners, their sites (one per box) and the
-- events the boxes send. Add-only: a new step is a new file.
CREATE TABLE orgs (
    id         uuid PRIMARY KEY,
    name       text NOT NULL UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE owners (
    id            uuid PRIMARY KEY,
    org_id        uuid NOT NULL REFERENCES orgs (id),
    username      text NOT NULL UNIQUE,
    password_hash text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE sites (
    id         uuid PRIMARY KEY,
    org_id     uuid NOT NULL REFERENCES orgs (id),
    name       text NOT NULL,
    -- SHA-256 of the site token (256 random bits): the token itself is never stored.
    token_hash text NOT NULL,
    revoked_at timestamptz,
    -- The highest seq held with no gap below it: what the box is told.
    acked_seq  bigint NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (org_id, name)
);

CREATE TABLE events (
    site_id     uuid NOT NULL REFERENCES sites (id),
    seq         bigint NOT NULL,
    id          uuid NOT NULL,
    type        text NOT NULL,
    at          timestamptz NOT NULL,
    actor       text NOT NULL,
    data        jsonb NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (site_id, seq),
    UNIQUE (site_id, id)
);
