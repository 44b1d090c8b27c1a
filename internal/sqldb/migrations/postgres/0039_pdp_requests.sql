-- Data-subject requests (UU PDP) hold the request itself, the requester's
-- verification and the decision. Whatever may name a person (the
-- requester's name, contact and words, the verification's details, the
-- decision's reason) is sealed under a key of the request's own, granted in
-- key_grants to the supervisors' group, the escrow and the user who entered
-- it; method, dates, outcome and legal basis are categories and stay clear.
-- A request may be linked to a case or a report the office holds about the
-- person (no foreign keys: a purge may remove either).
ALTER TABLE pdp_requests ADD COLUMN subject_right TEXT NOT NULL DEFAULT '';
ALTER TABLE pdp_requests ADD COLUMN case_id TEXT;
ALTER TABLE pdp_requests ADD COLUMN report_id TEXT;
ALTER TABLE pdp_requests ADD COLUMN content_sealed BYTEA;
ALTER TABLE pdp_requests ADD COLUMN verify_method TEXT NOT NULL DEFAULT '';
ALTER TABLE pdp_requests ADD COLUMN verified_by BIGINT REFERENCES users (id);
ALTER TABLE pdp_requests ADD COLUMN verified_at TIMESTAMPTZ;
ALTER TABLE pdp_requests ADD COLUMN verify_sealed BYTEA;
ALTER TABLE pdp_requests ADD COLUMN outcome TEXT NOT NULL DEFAULT '';
ALTER TABLE pdp_requests ADD COLUMN legal_basis TEXT NOT NULL DEFAULT '';
ALTER TABLE pdp_requests ADD COLUMN decided_by BIGINT REFERENCES users (id);
ALTER TABLE pdp_requests ADD COLUMN decision_sealed BYTEA;
CREATE INDEX pdp_requests_case ON pdp_requests (case_id);
-- Restriction of processing: while restricted_at is set, the case's (or the
-- report's) write paths refuse; reads for its holders stay.
ALTER TABLE cases ADD COLUMN restricted_at TIMESTAMPTZ;
ALTER TABLE cases ADD COLUMN restricted_by BIGINT REFERENCES users (id);
ALTER TABLE reports ADD COLUMN restricted_at TIMESTAMPTZ;
ALTER TABLE reports ADD COLUMN restricted_by BIGINT REFERENCES users (id);
