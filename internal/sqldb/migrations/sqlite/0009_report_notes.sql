-- Staff-only notes on a report, kept apart from the conversation the
-- reporter sees; the text is ciphertext under the report's key.
CREATE TABLE report_notes (
    id         TEXT PRIMARY KEY,
    report_id  TEXT NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL,
    author_id  INTEGER NOT NULL REFERENCES users (id),
    body       BLOB NOT NULL
);
CREATE INDEX report_notes_report ON report_notes (report_id, created_at);
