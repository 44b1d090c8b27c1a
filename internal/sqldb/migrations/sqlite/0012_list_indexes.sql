-- Indexes for the newest-first lists at a million rows: the case list walks
-- cases by creation time (keyset on created_at, id); "my cases" starts from
-- the user's key grants.
CREATE INDEX cases_created ON cases (created_at, id);
CREATE INDEX reports_created_id ON reports (created_at, id);
CREATE INDEX key_grants_holder_record ON key_grants (holder_kind, holder_id, record_kind, record_id);
