-- Corrections of a case's record (victims, perpetrators, the reports'
-- categories, the location and the summary). Each row is a version: who
-- and when in the clear; the reason and the fields changed, with their
-- values before and after, sealed with the case key (body), like the
-- current values.
CREATE TABLE case_corrections (
    id          TEXT PRIMARY KEY,
    case_id     TEXT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    created_at  TIMESTAMP NOT NULL,
    actor_id    INTEGER NOT NULL REFERENCES users (id),
    kind        TEXT NOT NULL,
    target_id   TEXT NOT NULL,
    body        BLOB NOT NULL
);
CREATE INDEX case_corrections_case ON case_corrections (case_id, created_at);

-- The channel a case was opened from, which its counts were made under: a
-- move of the case takes them back and counts them again under the new
-- region. Earlier cases take their first report's.
ALTER TABLE cases ADD COLUMN channel TEXT NOT NULL DEFAULT '';
UPDATE cases SET channel = COALESCE((SELECT channel FROM reports WHERE reports.case_id = cases.id ORDER BY created_at, id LIMIT 1), '');
