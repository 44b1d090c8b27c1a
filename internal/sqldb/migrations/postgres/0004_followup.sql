-- The reporter's conversation and files, and short-lived follow-up sessions.
-- Bodies, names and file contents are ciphertext under the report's key.
CREATE TABLE report_messages (
    id         TEXT PRIMARY KEY,
    report_id  TEXT NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    created_at TIMESTAMPTZ NOT NULL,
    sender     TEXT NOT NULL,
    kind       TEXT NOT NULL,
    body       BYTEA NOT NULL
);
CREATE INDEX report_messages_report ON report_messages (report_id, created_at);

CREATE TABLE report_files (
    id         TEXT PRIMARY KEY,
    report_id  TEXT NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    created_at TIMESTAMPTZ NOT NULL,
    kind       TEXT NOT NULL,
    size       BIGINT NOT NULL,
    name       BYTEA NOT NULL,
    content    BYTEA NOT NULL
);
CREATE INDEX report_files_report ON report_files (report_id, created_at);

-- id_hash is a hash of the session id in the client's token; sealed_key is
-- the report key under the token's secret, which the server never stores.
CREATE TABLE followup_sessions (
    id_hash    BYTEA PRIMARY KEY,
    report_id  TEXT NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    sealed_key BYTEA NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    last_seen  TIMESTAMPTZ NOT NULL
);
CREATE INDEX followup_sessions_seen ON followup_sessions (last_seen);
