-- Owners' sessions, failed logins (the rate limit, shared by every instance) and the one-time
-- codes that pair a box with its site. Tokens and codes are stored as their SHA-256 only.

CREATE TABLE owner_tokens (
    token_hash text        PRIMARY KEY,
    kind       text        NOT NULL CHECK (kind IN ('access', 'refresh')),
    owner_id   uuid        NOT NULL REFERENCES owners (id),
    -- A login and every refresh after it: reusing a spent refresh token revokes the family.
    family     uuid        NOT NULL,
    expires_at timestamptz NOT NULL,
    spent_at   timestamptz
);

CREATE INDEX owner_tokens_family ON owner_tokens (family);

CREATE TABLE login_failures (
    key text        NOT NULL,
    at  timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX login_failures_key ON login_failures (key, at);

CREATE TABLE pairing_codes (
    code_hash  text        PRIMARY KEY,
    site_id    uuid        NOT NULL REFERENCES sites (id),
    expires_at timestamptz NOT NULL,
    used_at    timestamptz
);
