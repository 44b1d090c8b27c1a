-- Blind indexes move under the holders' index key (a data key sealed to the
-- holder groups, key_grants record_kind 'index'). The values written under
-- the secret file's key could be recomputed by anyone holding the database
-- and the secret file, trying every number of a prefix: they are erased
-- here, and index_pending marks the rows a holder's session recomputes from
-- the decrypted value (see store/blind.go).
ALTER TABLE reports ADD COLUMN index_pending BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE case_victims ADD COLUMN index_pending BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE reports SET contact_index = NULL, index_pending = contact_wanted;
UPDATE case_victims SET nik_index = NULL, index_pending = TRUE;
CREATE INDEX reports_index_pending ON reports (index_pending);
CREATE INDEX case_victims_index_pending ON case_victims (index_pending);
