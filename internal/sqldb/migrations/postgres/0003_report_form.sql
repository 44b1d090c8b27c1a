-- The public report form's categorical fields (clear, SIMFONI labels), a
-- blind index of the contact number for spotting duplicates, and one-time
-- submission tokens that make a retried submission return the same receipt.
ALTER TABLE reports ADD COLUMN reporter_role TEXT NOT NULL DEFAULT '';
ALTER TABLE reports ADD COLUMN violence_types TEXT NOT NULL DEFAULT '';
ALTER TABLE reports ADD COLUMN incident_date TEXT NOT NULL DEFAULT '';
ALTER TABLE reports ADD COLUMN victim_sex TEXT NOT NULL DEFAULT '';
ALTER TABLE reports ADD COLUMN victim_age INTEGER NOT NULL DEFAULT -1;
ALTER TABLE reports ADD COLUMN victim_age_group TEXT NOT NULL DEFAULT '';
ALTER TABLE reports ADD COLUMN relationship TEXT NOT NULL DEFAULT '';
ALTER TABLE reports ADD COLUMN contact_wanted BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE reports ADD COLUMN consent BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE reports ADD COLUMN contact_index BYTEA;
CREATE INDEX reports_contact_index ON reports (contact_index);

-- token_hash and the key sealing the receipt both come from the token with
-- the pepper: the database alone cannot give back a receipt.
CREATE TABLE submissions (
    token_hash     BYTEA PRIMARY KEY,
    report_id      TEXT NOT NULL REFERENCES reports (id),
    receipt_sealed BYTEA NOT NULL,
    pepper         INTEGER NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX submissions_created ON submissions (created_at);
