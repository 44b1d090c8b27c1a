-- Files sent to the office's WhatsApp number, and the message ids seen.
--
-- whatsapp_seen keeps a keyed hash (HMAC under the pepper) of every WhatsApp
-- message id that was stored, never the id itself: a message the platform
-- delivers again is stored once, even after its report_inbound row was
-- folded into the report's conversation and deleted.
CREATE TABLE whatsapp_seen (
    source_hash BLOB PRIMARY KEY,
    created_at  TIMESTAMP NOT NULL
);
INSERT INTO whatsapp_seen (source_hash, created_at) SELECT source_hash, created_at FROM report_inbound;

-- whatsapp_media is a file that came with a message. The webhook stores the
-- row with the platform's media id sealed under the secret file's channels
-- key (state 'pending') and a job fetches the file, cleans it of metadata and
-- encrypts it under a key of the row's own, granted to the report's holders
-- (state 'stored'); the first holder to open the report's files moves it into
-- report_files under the report key and deletes the row. A file that is not
-- stored stays as a note for staff, without content: 'type' (its kind cannot
-- be cleaned of metadata, such as a video), 'size' (over the file limit) or
-- 'failed' (the platform would not give it).
CREATE TABLE whatsapp_media (
    id         TEXT PRIMARY KEY,
    report_id  TEXT NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL,
    kind       TEXT NOT NULL,
    state      TEXT NOT NULL,
    media_ref  BLOB,
    mime       TEXT NOT NULL DEFAULT '',
    size       INTEGER NOT NULL DEFAULT 0,
    content    BLOB
);
CREATE INDEX whatsapp_media_report ON whatsapp_media (report_id, created_at);
