-- The audit search and the record access log ask "who touched this record"
-- and "what did this user do", newest first: without these, each is a scan
-- of the whole log, which grows by every read of every file.
CREATE INDEX audit_log_record ON audit_log (record_kind, record_id, seq);
CREATE INDEX audit_log_actor ON audit_log (actor, seq);
