-- Documents of a case (visum reports, letters, photos): content and name are
-- ciphertext under the case key, stored as padded chunk streams.
CREATE TABLE case_files (
    id         TEXT PRIMARY KEY,
    case_id    TEXT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL,
    author_id  INTEGER NOT NULL REFERENCES users (id),
    kind       TEXT NOT NULL,
    size       INTEGER NOT NULL,
    name       BLOB NOT NULL,
    content    BLOB NOT NULL
);
CREATE INDEX case_files_case ON case_files (case_id, created_at);
