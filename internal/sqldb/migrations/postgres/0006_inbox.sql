-- The duty inbox: identification of a report (Permen PPPA 2/2022), closing
-- as not-a-case, the first-response clock, and indexes for the inbox and
-- region-scoped lists.
ALTER TABLE reports ADD COLUMN jenis_kasus TEXT NOT NULL DEFAULT '';
ALTER TABLE reports ADD COLUMN risiko TEXT NOT NULL DEFAULT '';
ALTER TABLE reports ADD COLUMN kewenangan TEXT NOT NULL DEFAULT '';
ALTER TABLE reports ADD COLUMN close_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE reports ADD COLUMN first_response_at TIMESTAMPTZ;
CREATE INDEX reports_status_created ON reports (status, created_at);
CREATE INDEX reports_region_created ON reports (region_code, created_at);
CREATE INDEX cases_region_created ON cases (region_code, created_at);
