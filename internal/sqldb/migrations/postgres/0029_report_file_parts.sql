-- A reporter's file is stored as its encrypted chunk stream cut into parts
-- of about 1 MiB, written one after the other as the file streams in, so
-- that a large file (a phone video) never sits whole in the server's memory.
-- report_files.content is then empty; files stored before keep their content.
CREATE TABLE report_file_parts (
    file_id TEXT NOT NULL REFERENCES report_files (id) ON DELETE CASCADE,
    seq     INTEGER NOT NULL,
    data    BYTEA NOT NULL,
    PRIMARY KEY (file_id, seq)
);
