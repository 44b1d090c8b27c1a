-- Staff sign-in: TOTP enrolment and replay protection, and sessions in the
-- database so several nodes share them. A session row holds the user's
-- private key sealed under a secret that only the session cookie has.
ALTER TABLE users ADD COLUMN totp_enrolled BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE users ADD COLUMN totp_last_step INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN enrol_hash BLOB;
ALTER TABLE users ADD COLUMN enrol_expires TIMESTAMP;

CREATE TABLE staff_sessions (
    id_hash    BLOB PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    sealed_key BLOB NOT NULL,
    csrf       TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    last_seen  TIMESTAMP NOT NULL
);
CREATE INDEX staff_sessions_user ON staff_sessions (user_id);

-- Break-glass openings of a case by someone not on it: time-limited, with
-- a reason, shown to the region's supervisors.
CREATE TABLE break_glass (
    id          TEXT PRIMARY KEY,
    case_id     TEXT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    user_id     INTEGER NOT NULL REFERENCES users (id),
    reason      TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    expires_at  TIMESTAMP NOT NULL
);
CREATE INDEX break_glass_case ON break_glass (case_id);
