-- Break-glass: a request to open a case one is not on, with a reason; a
-- supervisor (who holds the key) approves it with a time-limited grant.
ALTER TABLE break_glass ADD COLUMN status TEXT NOT NULL DEFAULT 'diminta';
ALTER TABLE break_glass ADD COLUMN approved_by BIGINT REFERENCES users (id);
ALTER TABLE key_grants ADD COLUMN expires_at TIMESTAMPTZ;
CREATE INDEX break_glass_status ON break_glass (status, created_at);
