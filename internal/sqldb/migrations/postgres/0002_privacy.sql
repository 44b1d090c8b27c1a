-- The privacy core (DESIGN.md §4): staff key pairs, holder groups, escrow,
-- reports and cases with protected columns, key grants and the audit log.

ALTER TABLE users ADD COLUMN public_key BYTEA;
ALTER TABLE users ADD COLUMN private_wrapped BYTEA;

-- One row: installation-wide values that are not secret.
CREATE TABLE installation (
    id           INTEGER PRIMARY KEY CHECK (id = 1),
    receipt_salt BYTEA NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL
);

-- Holder groups (the duty-intake group, the supervisors). The private key is
-- sealed to each member; until the first member exists it is held under the
-- secret file's one-time bootstrap key (bootstrap_wrapped), then erased.
CREATE TABLE holder_groups (
    name              TEXT PRIMARY KEY,
    public_key        BYTEA NOT NULL,
    bootstrap_wrapped BYTEA,
    escrow_sealed     BYTEA,
    created_at        TIMESTAMPTZ NOT NULL
);

CREATE TABLE group_members (
    group_name     TEXT NOT NULL REFERENCES holder_groups (name),
    user_id        BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    sealed_private BYTEA NOT NULL,
    admitted_by    TEXT NOT NULL,
    admitted_at    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (group_name, user_id)
);

-- The escrow public key; its private half exists only as 2-of-3 shares held
-- offline by named officials.
CREATE TABLE escrow (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    public_key BYTEA NOT NULL,
    holders    TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);

-- Reports from the public or filed on someone's behalf. Categorical fields
-- are clear (statistics and time limits need them); the protected columns
-- hold ciphertext under the report's data key.
CREATE TABLE reports (
    id                  TEXT PRIMARY KEY,
    created_at          TIMESTAMPTZ NOT NULL,
    channel             TEXT NOT NULL,
    region_code         TEXT NOT NULL,
    in_danger           BOOLEAN NOT NULL,
    status              TEXT NOT NULL,
    case_id             TEXT,
    receipt_lookup      BYTEA UNIQUE,
    receipt_pepper      INTEGER,
    receipt_wrapped     BYTEA,
    narrative           BYTEA NOT NULL,
    place_detail        BYTEA NOT NULL,
    victim_name         BYTEA NOT NULL,
    contact             BYTEA NOT NULL
);
CREATE INDEX reports_created ON reports (created_at);

CREATE TABLE cases (
    id          TEXT PRIMARY KEY,
    created_at  TIMESTAMPTZ NOT NULL,
    region_code TEXT NOT NULL,
    status      TEXT NOT NULL,
    opened_by   BIGINT NOT NULL REFERENCES users (id),
    summary     BYTEA NOT NULL,
    victim_name BYTEA NOT NULL
);

-- A record's data key sealed to one holder. Granting access is adding a row;
-- revoking is deleting it.
CREATE TABLE key_grants (
    record_kind TEXT NOT NULL,
    record_id   TEXT NOT NULL,
    holder_kind TEXT NOT NULL,
    holder_id   TEXT NOT NULL,
    sealed_key  BYTEA NOT NULL,
    granted_by  TEXT NOT NULL,
    granted_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (record_kind, record_id, holder_kind, holder_id)
);
CREATE INDEX key_grants_holder ON key_grants (holder_kind, holder_id);

-- The tamper-evident audit log: each entry's hash is an HMAC over the
-- previous hash and the entry. audit_head holds the newest entry, so appends
-- are serialised and a deleted tail is detected.
CREATE TABLE audit_log (
    seq         BIGINT PRIMARY KEY,
    at          TIMESTAMPTZ NOT NULL,
    actor_id    BIGINT,
    actor       TEXT NOT NULL,
    roles       TEXT NOT NULL,
    scope       TEXT NOT NULL,
    action      TEXT NOT NULL,
    record_kind TEXT NOT NULL,
    record_id   TEXT NOT NULL,
    reason      TEXT NOT NULL,
    key_id      INTEGER NOT NULL,
    prev_hash   BYTEA NOT NULL,
    hash        BYTEA NOT NULL
);
CREATE TABLE audit_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  BIGINT NOT NULL,
    hash BYTEA NOT NULL
);
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only';
END;
$$;
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_log
FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

-- Token buckets for limits that must hold across nodes (receipt guessing).
-- Keys are HMACs, never client addresses.
CREATE TABLE rate_limits (
    bucket     TEXT PRIMARY KEY,
    tokens     DOUBLE PRECISION NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, decode(repeat('00', 32), 'hex'));
