-- Retention of records, legal holds and purge by crypto-shredding.
-- reports.closed_at: when a report was closed as not a case (rows closed
-- before count from their first response). keep_until: the last day a
-- holder extended the record to (NULL: the policy alone). purged_at: the
-- record was shredded; the row stays as a tombstone with its categorical
-- columns (other tables and the statistics name its id), its ciphertext
-- columns emptied and its keys deleted.
ALTER TABLE reports ADD COLUMN closed_at TIMESTAMPTZ;
ALTER TABLE reports ADD COLUMN keep_until TIMESTAMPTZ;
ALTER TABLE reports ADD COLUMN purged_at TIMESTAMPTZ;
ALTER TABLE cases ADD COLUMN keep_until TIMESTAMPTZ;
ALTER TABLE cases ADD COLUMN purged_at TIMESTAMPTZ;
CREATE INDEX reports_retention ON reports (status, purged_at, closed_at);
CREATE INDEX cases_retention ON cases (status, purged_at, closed_at);

-- A legal hold on a case (court proceedings): while the row exists nothing
-- of the case or its reports is purged. The reason is sealed to the
-- supervisors (key_grants, record kind legal_hold, id = the case's id).
CREATE TABLE legal_holds (
    case_id       TEXT PRIMARY KEY REFERENCES cases (id),
    reason_sealed BYTEA NOT NULL,
    placed_by     BIGINT NOT NULL REFERENCES users (id),
    placed_at     TIMESTAMPTZ NOT NULL
);

-- Extensions of a record's retention, each with its sealed reason (key
-- grants of record kind retention_extension).
CREATE TABLE retention_extensions (
    id            TEXT PRIMARY KEY,
    record_kind   TEXT NOT NULL,
    record_id     TEXT NOT NULL,
    keep_until    TIMESTAMPTZ NOT NULL,
    reason_sealed BYTEA NOT NULL,
    created_by    BIGINT NOT NULL REFERENCES users (id),
    created_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX retention_extensions_record ON retention_extensions (record_kind, record_id);
