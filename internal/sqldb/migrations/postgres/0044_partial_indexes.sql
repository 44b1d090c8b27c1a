-- The staff bar counts the actor's open alerts on every page. Alerts are
-- kept after acknowledgement (pruned only after months), and every report
-- raises one, so the count must start from the open ones: this index holds
-- only alerts nobody has acknowledged, and the count walks it and probes
-- notifications (alert_id, user_id), a cost bounded by what is open.
CREATE INDEX alerts_open ON alerts (id) WHERE acknowledged_at IS NULL;

-- The duplicate hints sweep the rows whose blind index waits for a holder
-- on every report and case view, oldest first. An index on the flag alone
-- left the planner walking every report by created_at to find none; these
-- hold only the waiting rows, so an empty sweep costs nothing.
CREATE INDEX reports_pending ON reports (created_at) WHERE index_pending;
CREATE INDEX case_victims_pending ON case_victims (created_at) WHERE index_pending;
