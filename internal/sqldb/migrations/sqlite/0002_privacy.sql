-- The privacy core (DESIGN.md §4): staff key pairs, holder groups, escrow,
-- reports and cases with protected columns, key grants and the audit log.

ALTER TABLE users ADD COLUMN public_key BLOB;
ALTER TABLE users ADD COLUMN private_wrapped BLOB;

-- One row: installation-wide values that are not secret.
CREATE TABLE installation (
    id           INTEGER PRIMARY KEY CHECK (id = 1),
    receipt_salt BLOB NOT NULL,
    created_at   TIMESTAMP NOT NULL
);

-- Holder groups (the duty-intake group, the supervisors). The private key is
-- sealed to each member; until the first member exists it is held under the
-- secret file's one-time bootstrap key (bootstrap_wrapped), then erased.
CREATE TABLE holder_groups (
    name              TEXT PRIMARY KEY,
    public_key        BLOB NOT NULL,
    bootstrap_wrapped BLOB,
    escrow_sealed     BLOB,
    created_at        TIMESTAMP NOT NULL
);

CREATE TABLE group_members (
    group_name     TEXT NOT NULL REFERENCES holder_groups (name),
    user_id        INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    sealed_private BLOB NOT NULL,
    admitted_by    TEXT NOT NULL,
    admitted_at    TIMESTAMP NOT NULL,
    PRIMARY KEY (group_name, user_id)
);

-- The escrow public key; its private half exists only as 2-of-3 shares held
-- offline by named officials.
CREATE TABLE escrow (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    public_key BLOB NOT NULL,
    holders    TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

-- Reports from the public or filed on someone's behalf. Categorical fields
-- are clear (statistics and time limits need them); the protected columns
-- hold ciphertext under the report's data key.
CREATE TABLE reports (
    id                  TEXT PRIMARY KEY,
    created_at          TIMESTAMP NOT NULL,
    channel             TEXT NOT NULL,
    region_code         TEXT NOT NULL,
    in_danger           BOOLEAN NOT NULL,
    status              TEXT NOT NULL,
    case_id             TEXT,
    receipt_lookup      BLOB UNIQUE,
    receipt_pepper      INTEGER,
    receipt_wrapped     BLOB,
    narrative           BLOB NOT NULL,
    place_detail        BLOB NOT NULL,
    victim_name         BLOB NOT NULL,
    contact             BLOB NOT NULL
);
CREATE INDEX reports_created ON reports (created_at);

CREATE TABLE cases (
    id          TEXT PRIMARY KEY,
    created_at  TIMESTAMP NOT NULL,
    region_code TEXT NOT NULL,
    status      TEXT NOT NULL,
    opened_by   INTEGER NOT NULL REFERENCES users (id),
    summary     BLOB NOT NULL,
    victim_name BLOB NOT NULL
);

-- A record's data key sealed to one holder. Granting access is adding a row;
-- revoking is deleting it.
CREATE TABLE key_grants (
    record_kind TEXT NOT NULL,
    record_id   TEXT NOT NULL,
    holder_kind TEXT NOT NULL,
    holder_id   TEXT NOT NULL,
    sealed_key  BLOB NOT NULL,
    granted_by  TEXT NOT NULL,
    granted_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (record_kind, record_id, holder_kind, holder_id)
);
CREATE INDEX key_grants_holder ON key_grants (holder_kind, holder_id);

-- The tamper-evident audit log: each entry's hash is an HMAC over the
-- previous hash and the entry. audit_head holds the newest entry, so appends
-- are serialised and a deleted tail is detected.
CREATE TABLE audit_log (
    seq         INTEGER PRIMARY KEY,
    at          TIMESTAMP NOT NULL,
    actor_id    INTEGER,
    actor       TEXT NOT NULL,
    roles       TEXT NOT NULL,
    scope       TEXT NOT NULL,
    action      TEXT NOT NULL,
    record_kind TEXT NOT NULL,
    record_id   TEXT NOT NULL,
    reason      TEXT NOT NULL,
    key_id      INTEGER NOT NULL,
    prev_hash   BLOB NOT NULL,
    hash        BLOB NOT NULL
);
CREATE TABLE audit_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  INTEGER NOT NULL,
    hash BLOB NOT NULL
);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;

-- Token buckets for limits that must hold across nodes (receipt guessing).
-- Keys are HMACs, never client addresses.
CREATE TABLE rate_limits (
    bucket     TEXT PRIMARY KEY,
    tokens     REAL NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, zeroblob(32));
