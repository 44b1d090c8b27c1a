-- When a report's risk-based clock started (its identification), so that
-- the inbox colours it with the same amber moment as the job that alerts.
ALTER TABLE reports ADD COLUMN risk_from_at TIMESTAMPTZ;
UPDATE reports SET risk_from_at = first_response_at WHERE risk_due_at IS NOT NULL;
