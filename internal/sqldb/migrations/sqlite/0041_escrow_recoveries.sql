-- A recovery through the escrow: what was re-granted (a report's or a case's
-- key, or a holder group) to whom, and why. The reason may name someone: it
-- is sealed (reason_sealed) under a key of its own granted to the
-- supervisors' group and the escrow; the audit log keeps only that the
-- recovery happened.
CREATE TABLE escrow_recoveries (
    id            TEXT PRIMARY KEY,
    target_kind   TEXT NOT NULL,
    target_id     TEXT NOT NULL,
    user_id       INTEGER NOT NULL REFERENCES users (id),
    reason_sealed BLOB NOT NULL,
    created_at    TIMESTAMP NOT NULL
);
CREATE INDEX escrow_recoveries_created ON escrow_recoveries (created_at);
