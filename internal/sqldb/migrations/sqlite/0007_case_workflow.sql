-- The case workflow (DESIGN.md §2.4): case numbers per regency and year,
-- the current step, TPKS flags and the police-report clock, closure with a
-- supervisor's approval, and the case's entries (assessment, plan items,
-- services, legal process, notes) whose text is ciphertext under the case
-- key while their categories stay queryable.
ALTER TABLE cases ADD COLUMN number TEXT;
ALTER TABLE cases ADD COLUMN step TEXT NOT NULL DEFAULT 'pengaduan';
ALTER TABLE cases ADD COLUMN tpks BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE cases ADD COLUMN perpetrator_child BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE cases ADD COLUMN police_reported_at TIMESTAMP;
ALTER TABLE cases ADD COLUMN closure_requested_by INTEGER REFERENCES users (id);
ALTER TABLE cases ADD COLUMN closed_at TIMESTAMP;
CREATE UNIQUE INDEX cases_number ON cases (number);
CREATE INDEX cases_status_created ON cases (status, created_at);

CREATE TABLE case_numbers (
    prefix TEXT PRIMARY KEY,
    last   INTEGER NOT NULL
);

CREATE TABLE case_entries (
    id         TEXT PRIMARY KEY,
    case_id    TEXT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL,
    author_id  INTEGER NOT NULL REFERENCES users (id),
    kind       TEXT NOT NULL,
    category   TEXT NOT NULL,
    due_date   TEXT NOT NULL DEFAULT '',
    body       BLOB NOT NULL
);
CREATE INDEX case_entries_case ON case_entries (case_id, created_at);
