-- The reporter's conversation and files, and short-lived follow-up sessions.
-- Bodies, names and file contents are ciphertext under the report's key.
CREATE TABLE report_messages (
    id         TEXT PRIMARY KEY,
    report_id  TEXT NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL,
    sender     TEXT NOT NULL,
    kind       TEXT NOT NULL,
    body       BLOB NOT NULL
);
CREATE INDEX report_messages_report ON report_messages (report_id, created_at);

CREATE TABLE report_files (
    id         TEXT PRIMARY KEY,
    report_id  TEXT NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL,
    kind       TEXT NOT NULL,
    size       INTEGER NOT NULL,
    name       BLOB NOT NULL,
    content    BLOB NOT NULL
);
CREATE INDEX report_files_report ON report_files (report_id, created_at);

-- id_hash is a hash of the session id in the client's token; sealed_key is
-- the report key under the token's secret, which the server never stores.
CREATE TABLE followup_sessions (
    id_hash    BLOB PRIMARY KEY,
    report_id  TEXT NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    sealed_key BLOB NOT NULL,
    created_at TIMESTAMP NOT NULL,
    last_seen  TIMESTAMP NOT NULL
);
CREATE INDEX followup_sessions_seen ON followup_sessions (last_seen);
