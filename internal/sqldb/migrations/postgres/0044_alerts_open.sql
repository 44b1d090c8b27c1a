-- The staff bar counts the actor's open alerts on every page. Alerts are
-- kept after acknowledgement (pruned only after months), and every report
-- raises one, so the count must start from the open ones: this index holds
-- only alerts nobody has acknowledged, and the count walks it and probes
-- notifications (alert_id, user_id), a cost bounded by what is open.
CREATE INDEX alerts_open ON alerts (id) WHERE acknowledged_at IS NULL;
