-- Messages that arrive on the office's WhatsApp number for a report that
-- already exists. The webhook holds no report key, so each is sealed under
-- a key of its own, granted to the report's holders; the first holder to
-- read the report folds them into its conversation under the report key.
-- source_hash (a keyed hash of the platform's message id) makes a
-- redelivered webhook a no-op.
CREATE TABLE report_inbound (
    id          TEXT PRIMARY KEY,
    report_id   TEXT NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    created_at  TIMESTAMP NOT NULL,
    body        BLOB NOT NULL,
    source_hash BLOB NOT NULL UNIQUE
);
CREATE INDEX report_inbound_report ON report_inbound (report_id, created_at);
