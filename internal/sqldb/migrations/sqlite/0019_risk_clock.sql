-- When a report's risk-based response is due (set at identification), so
-- the duty inbox can show that clock where the work is.
ALTER TABLE reports ADD COLUMN risk_due_at TIMESTAMP;
